/*
 * shadowpt/shadow.c - the VMM's shadow MMU (--mmu shadow). For each guest
 * address space (satp's mode and root) it keeps a shadow table GVA -> HPA in
 * host frames, with the guest's own format, which the MMU walks instead of
 * the guest's table (mmu/shadowed.c).
 * Course: 内存虚拟化 / 影子页表: the guest keeps GVA -> GPA tables, the VMM
 *         composes them with its GPA -> HPA map into GVA -> HPA tables.
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process"
 *       (the walk the VMM repeats in software, A/D included), §4.1.11
 *       "satp", §4.2.1 "SFENCE.VMA", §3.7.1 (PMP on PTE reads).
 *
 * Sync strategy: write-protect eagerly. Every guest page that the shadow
 * mirrors as a page table is marked GPAGE_SHADOW_PT: any store to it, from
 * any privilege, leaves the guest as exits.pt_write; the VMM performs the
 * store and clears the shadow entries made from the PTE it changed. So the
 * shadow never holds a translation the guest's table no longer has, and
 * sfence.vma needs no shadow work at all (the TLB flush is the hart's).
 * The price: one exit per guest PTE store.
 *
 * Filling is lazy: the shadow starts empty; an access it cannot translate
 * is a shadow fault (exits.s2_fault). The VMM walks the guest's table in
 * software (shadow.guest_pte_reads, setting A and D as the hart would): if
 * the guest's table allows the access, the VMM writes the shadow entries
 * down to a 4 KiB leaf (shadow.spte_writes) - a hidden fault, the guest
 * never sees it; else the fault is the guest's own (a true fault), reflected
 * into it. A shadow leaf is writable only where the guest's leaf is W with D
 * set, so the first store to a clean page faults once and sets D.
 *
 *   shadow page (one host frame) = shadow of one guest table page at one
 *   level, or a "split" page under a guest superpage (shadow leaves are all
 *   4 KiB: host RAM is not contiguous beyond 2 MiB runs)
 *
 * A bounded cache of roots (--shadow-cache N) keeps the shadows of address
 * spaces not in use, so a context switch back finds its table
 * (shadow.cache_hits) instead of rebuilding it (shadow.syncs). Host frames
 * for shadow tables are bounded too: past the bound, the least recently used
 * root goes, and if only the active one is left it is emptied.
 * An AMO or SC on a guest page table exits as pt_write too; the hart then
 * performs it on the word for the VMM (cpu_pt_atomic), as KVM emulates the
 * instruction. Simplified: orphaned shadow pages (whose parent entry a PT
 * write cleared) stay until their root goes; a misaligned store that
 * crosses into a guest page table is refused with a store access fault.
 */
#include "shadowpt/shadowpt.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"

#define SPAGE_SPLIT  UINT64_MAX /* guest_gpa of a page under a guest superpage */
#define SPAGE_NONE   0u
#define PTES         512u
#define LEVELS_MAX   4
#define VPN_BITS     9
#define PTE_PPN_BITS 44

struct spage {
    bool used;
    hpa_t hpa;
    gpa_t guest_gpa; /* the guest table page it mirrors, or SPAGE_SPLIT */
    unsigned level;
    unsigned root;        /* the root slot it belongs to */
    uint32_t next_mirror; /* the next shadow page of the same guest table, index + 1 (0: none) */
};

struct sroot {
    bool valid;
    uint64_t key; /* satp MODE | PPN: one guest address space (ASIDs are the TLB's) */
    unsigned levels;
    unsigned spage; /* index of its top-level page */
    uint64_t lru;
};

struct shadow {
    struct gmem *gm;
    struct hostmem *hm;
    struct mmu *mmu;
    const struct pmp *pmp;
    struct sroot *roots;
    unsigned max_roots;
    int active; /* root slot of the current satp, or -1 */
    uint64_t clock;
    struct spage *pages;
    unsigned max_frames;
    uint32_t *spage_of_frame; /* host frame number -> spage index + 1 (0: not a shadow page) */
    uint64_t host_frames;
    uint16_t *pt_refs;     /* per RAM page: shadow pages mirroring it */
    uint32_t *mirror_head; /* per RAM page: the first of them, index + 1 (0: none) */
    struct shadow_stats stats;
};

/* --------------------------------------------------------- allocation */

static uint64_t frame_number(hpa_t hpa)
{
    return (hpa - HOSTMEM_HPA_BASE) >> PAGE_SHIFT;
}

static uint64_t *spte_ptr(const struct shadow *s, hpa_t table_hpa, unsigned index)
{
    return (uint64_t *)hostmem_ptr(s->hm, table_hpa + (hpa_t)index * 8);
}

/* The RAM page index of gpa, or -1 (a guest table outside RAM: ROM, never written). */
static int64_t ram_page(const struct shadow *s, gpa_t gpa)
{
    uint64_t page = (gpa - gmem_ram_base(s->gm)) >> PAGE_SHIFT;

    return gpa >= gmem_ram_base(s->gm) && page < gmem_ram_size(s->gm) >> PAGE_SHIFT ? (int64_t)page
                                                                                    : -1;
}

/*
 * Shadow page `index` starts (or stops) mirroring guest page gpa: keep the
 * page's list of mirrors, and write-protect the page from the first one on.
 */
static void pt_ref(struct shadow *s, gpa_t gpa, unsigned index, int delta)
{
    int64_t page = ram_page(s, gpa);

    if (page < 0) {
        return;
    }
    if (delta > 0) {
        s->pages[index].next_mirror = s->mirror_head[page];
        s->mirror_head[page] = index + 1;
        if (s->pt_refs[page]++ == 0) {
            gmem_set_page_flags(s->gm, gpa, GPAGE_SHADOW_PT);
            mmu_fast_forget_store_page(s->mmu, gpa); /* no store may skip the check now */
        }
        return;
    }
    for (uint32_t *link = &s->mirror_head[page]; *link; link = &s->pages[*link - 1].next_mirror) {
        if (*link == index + 1) {
            *link = s->pages[index].next_mirror;
            break;
        }
    }
    if (--s->pt_refs[page] == 0) {
        gmem_clear_page_flags(s->gm, gpa, GPAGE_SHADOW_PT);
    }
}

static void spage_free(struct shadow *s, unsigned index)
{
    struct spage *sp = &s->pages[index];

    if (sp->guest_gpa != SPAGE_SPLIT) {
        pt_ref(s, sp->guest_gpa, index, -1);
    }
    s->spage_of_frame[frame_number(sp->hpa)] = 0;
    hostmem_free(s->hm, sp->hpa, 1);
    sp->used = false;
    s->stats.frames--;
}

/* Free every page of root slot r; keep_top: keep its top page, emptied. */
static void root_free_pages(struct shadow *s, unsigned r, bool keep_top)
{
    for (unsigned i = 0; i < s->max_frames; i++) {
        if (s->pages[i].used && s->pages[i].root == r && !(keep_top && i == s->roots[r].spage)) {
            spage_free(s, i);
        }
    }
    if (keep_top) {
        memset(hostmem_ptr(s->hm, s->pages[s->roots[r].spage].hpa), 0, PAGE_SIZE);
    } else {
        s->roots[r].valid = false;
    }
}

/* The least recently used root other than `keep`, or -1. */
static int root_lru(const struct shadow *s, int keep)
{
    int victim = -1;

    for (unsigned r = 0; r < s->max_roots; r++) {
        if (s->roots[r].valid && (int)r != keep &&
            (victim < 0 || s->roots[r].lru < s->roots[victim].lru)) {
            victim = (int)r;
        }
    }
    return victim;
}

static int spage_free_slot(const struct shadow *s)
{
    for (unsigned i = 0; i < s->max_frames; i++) {
        if (!s->pages[i].used) {
            return (int)i;
        }
    }
    return -1;
}

/* Make room for one page of root `root`: other roots go first, then the root's own pages. */
static int spage_make_room(struct shadow *s, unsigned root)
{
    int slot = spage_free_slot(s);

    while (slot < 0) {
        int victim = root_lru(s, (int)root);
        if (victim < 0) {
            root_free_pages(s, root, true); /* the root alone fills the bound: start it over */
            s->stats.syncs++;
            return -1; /* the caller's path is gone: the fault will come again */
        }
        root_free_pages(s, (unsigned)victim, false);
        slot = spage_free_slot(s);
    }
    return slot;
}

/* A new, empty shadow page for root `root`; -1 if none could be had. */
static int spage_alloc(struct shadow *s, unsigned root, gpa_t guest_gpa, unsigned level)
{
    int slot = spage_make_room(s, root);
    hpa_t hpa;

    if (slot < 0 || hostmem_alloc(s->hm, 1, &hpa) != 0) {
        return -1;
    }
    s->pages[slot] = (struct spage){
        .used = true, .hpa = hpa, .guest_gpa = guest_gpa, .level = level, .root = root};
    s->spage_of_frame[frame_number(hpa)] = (uint32_t)slot + 1;
    s->stats.frames++;
    if (guest_gpa != SPAGE_SPLIT) {
        pt_ref(s, guest_gpa, (unsigned)slot, +1);
    }
    return slot;
}

/* ------------------------------------------------------------- create */

struct shadow *shadow_create(struct gmem *gm, struct mmu *mmu, const struct pmp *pmp,
                             unsigned max_roots, unsigned max_frames)
{
    struct shadow *s = calloc(1, sizeof(*s));

    if (!s || max_roots == 0 || max_frames < LEVELS_MAX * 2) {
        free(s);
        return NULL;
    }
    s->gm = gm;
    s->hm = gmem_hostmem(gm);
    s->mmu = mmu;
    s->pmp = pmp;
    s->max_roots = max_roots;
    s->max_frames = max_frames;
    s->active = -1;
    s->host_frames = hostmem_total_frames(s->hm);
    s->roots = calloc(max_roots, sizeof(*s->roots));
    s->pages = calloc(max_frames, sizeof(*s->pages));
    s->spage_of_frame = calloc(s->host_frames, sizeof(*s->spage_of_frame));
    s->pt_refs = calloc(gmem_ram_size(gm) >> PAGE_SHIFT, sizeof(*s->pt_refs));
    s->mirror_head = calloc(gmem_ram_size(gm) >> PAGE_SHIFT, sizeof(*s->mirror_head));
    if (!s->roots || !s->pages || !s->spage_of_frame || !s->pt_refs || !s->mirror_head) {
        shadow_destroy(s);
        return NULL;
    }
    return s;
}

void shadow_reset(struct shadow *s)
{
    for (unsigned r = 0; r < s->max_roots; r++) {
        if (s->roots[r].valid) {
            root_free_pages(s, r, false);
        }
    }
    s->active = -1;
    mmu_shadow_set_root(s->mmu, 0);
}

void shadow_destroy(struct shadow *s)
{
    if (!s) {
        return;
    }
    if (s->roots && s->pages && s->spage_of_frame && s->pt_refs && s->mirror_head) {
        shadow_reset(s);
    }
    free(s->mirror_head);
    free(s->roots);
    free(s->pages);
    free(s->spage_of_frame);
    free(s->pt_refs);
    free(s);
}

const struct shadow_stats *shadow_stats(const struct shadow *s)
{
    return &s->stats;
}

/* ---------------------------------------------------------------- satp */

static unsigned satp_mode_levels(uint64_t satp)
{
    switch (satp >> SATP_MODE_SHIFT) {
    case SATP_MODE_SV39:
        return 3;
    case SATP_MODE_SV48:
        return 4;
    default:
        return 0;
    }
}

static uint64_t satp_key(uint64_t satp)
{
    return satp & ((0xfull << SATP_MODE_SHIFT) | SATP_PPN_MASK);
}

/* A free or least recently used root slot for a new address space. */
static unsigned root_slot(struct shadow *s)
{
    for (unsigned r = 0; r < s->max_roots; r++) {
        if (!s->roots[r].valid) {
            return r;
        }
    }
    unsigned victim = (unsigned)root_lru(s, -1);
    root_free_pages(s, victim, false);
    return victim;
}

void shadow_set_satp(struct shadow *s, uint64_t satp)
{
    unsigned levels = satp_mode_levels(satp);
    uint64_t key = satp_key(satp);
    unsigned r;
    int top;

    if (levels == 0) {
        return; /* Bare: nothing is translated, the MMU does not look at the shadow */
    }
    if (s->active >= 0 && s->roots[s->active].key == key) {
        return;
    }
    for (r = 0; r < s->max_roots; r++) {
        if (s->roots[r].valid && s->roots[r].key == key) {
            s->stats.cache_hits++;
            break;
        }
    }
    if (r == s->max_roots) {
        r = root_slot(s);
        s->roots[r] = (struct sroot){.valid = true, .key = key, .levels = levels};
        top = spage_alloc(s, r, (satp & SATP_PPN_MASK) << PAGE_SHIFT, levels - 1);
        if (top < 0) {
            s->roots[r].valid = false;
            s->active = -1;
            mmu_shadow_set_root(s->mmu, 0); /* every walk faults; the fault path says why */
            return;
        }
        s->roots[r].spage = (unsigned)top;
        s->stats.syncs++;
    }
    s->roots[r].lru = ++s->clock;
    s->active = (int)r;
    mmu_shadow_set_root(s->mmu, s->pages[s->roots[r].spage].hpa);
}

/* ------------------------------------------------- the guest's table */

/* What the VMM's software walk of the guest's table found. */
struct guest_walk {
    unsigned leaf_level;
    uint64_t leaf_pte;
    bool global;
    gpa_t table_gpa[LEVELS_MAX]; /* the guest's table page at each level walked */
    gpa_t target_gpa;            /* the 4 KiB GPA page of the access */
};

static uint64_t fault_cause(enum access_type acc, bool is_page_fault)
{
    switch (acc) {
    case ACCESS_FETCH:
        return is_page_fault ? CAUSE_FETCH_PAGE_FAULT : CAUSE_FETCH_ACCESS;
    case ACCESS_LOAD:
        return is_page_fault ? CAUSE_LOAD_PAGE_FAULT : CAUSE_LOAD_ACCESS;
    case ACCESS_STORE:
        break;
    }
    return is_page_fault ? CAUSE_STORE_PAGE_FAULT : CAUSE_STORE_ACCESS;
}

/* Read one guest PTE as the hart would (PMP as S-mode): 0, or -1 for an access fault. */
static int guest_pte_read(struct shadow *s, gpa_t pte_gpa, uint64_t *out)
{
    uint64_t pte;

    if (!pmp_check(s->pmp, pte_gpa, 8, ACCESS_LOAD, PRV_S) ||
        gmem_read(s->gm, pte_gpa, &pte, sizeof(pte)) != 0) {
        return -1;
    }
    s->stats.guest_pte_reads++;
    *out = le64toh(pte);
    return 0;
}

/* §4.3.2 step 7, done by the VMM for the hart: set A (and D for a store). 0 or -1. */
static int guest_set_ad(struct shadow *s, gpa_t pte_gpa, enum access_type acc, uint64_t *pte)
{
    uint64_t want = *pte | PTE_A | (acc == ACCESS_STORE ? PTE_D : 0);
    uint64_t le;

    if (want == *pte) {
        return 0;
    }
    if (!pmp_check(s->pmp, pte_gpa, 8, ACCESS_STORE, PRV_S)) {
        return -1;
    }
    le = htole64(want);
    if (gmem_write(s->gm, pte_gpa, &le, sizeof(le)) != 0) {
        return -1;
    }
    s->stats.guest_ad_writes++;
    *pte = want;
    return 0;
}

/* A guest leaf at `level`: §4.3.2 steps 5-8. 0, or the fault's cause in *cause. */
static int guest_leaf(struct shadow *s, const struct shadow_access *a, gpa_t pte_gpa,
                      unsigned level, struct guest_walk *gw, uint64_t *cause)
{
    uint64_t pte = gw->leaf_pte;
    uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
    uint64_t offset_mask = (1ull << (PAGE_SHIFT + VPN_BITS * level)) - 1;

    if (!pte_perms_allow((uint8_t)pte, a->acc, a->priv, a->sum, a->mxr) ||
        (level > 0 && (ppn & ((1ull << (VPN_BITS * level)) - 1)) != 0)) {
        *cause = fault_cause(a->acc, true);
        return -1;
    }
    if (guest_set_ad(s, pte_gpa, a->acc, &pte) != 0) {
        *cause = fault_cause(a->acc, false);
        return -1;
    }
    gw->leaf_pte = pte;
    gw->leaf_level = level;
    gw->target_gpa = ((ppn << PAGE_SHIFT) | (a->gva & offset_mask)) & ~PAGE_MASK;
    return 0;
}

/* The guest's own walk, in software: 0, or -1 and the guest's fault cause. */
static int guest_walk(struct shadow *s, const struct shadow_access *a, struct guest_walk *gw,
                      uint64_t *cause)
{
    unsigned levels = satp_mode_levels(a->satp);
    gpa_t table_gpa = (a->satp & SATP_PPN_MASK) << PAGE_SHIFT;

    gw->global = false;
    *cause = fault_cause(a->acc, true);
    if (levels == 0 || !gva_is_canonical(a->gva, PAGE_SHIFT + VPN_BITS * levels)) {
        return -1;
    }
    for (int level = (int)levels - 1; level >= 0; level--) {
        unsigned shift = PAGE_SHIFT + VPN_BITS * (unsigned)level;
        gpa_t pte_gpa = table_gpa + ((a->gva >> shift) & (PTES - 1)) * 8;
        uint64_t pte;

        gw->table_gpa[level] = table_gpa;
        if (guest_pte_read(s, pte_gpa, &pte) != 0) {
            *cause = fault_cause(a->acc, false);
            return -1;
        }
        if (!(pte & PTE_V) || ((pte & PTE_W) && !(pte & PTE_R)) || (pte & PTE_RESERVED_MASK)) {
            return -1;
        }
        gw->global = gw->global || (pte & PTE_G);
        if (pte & (PTE_R | PTE_X)) {
            gw->leaf_pte = pte;
            return guest_leaf(s, a, pte_gpa, (unsigned)level, gw, cause);
        }
        table_gpa = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT;
    }
    return -1; /* a table pointer at level 0 */
}

/* ---------------------------------------------------------- the fill */

/*
 * The shadow leaf for the guest's leaf: the guest's R/X/U/G, W only where
 * the guest's leaf is W with D set (so the first store to a clean page
 * faults and the VMM sets D), A and D set so the MMU never writes it, and
 * the HPA of the page - or, for a device, its GPA marked SPTE_MMIO. -1: the
 * guest's access fault, as native gives it: the GPA is nothing at all, or
 * the access stores to ROM (whose shadow leaf stays read-only).
 */
static int shadow_leaf(const struct shadow *s, const struct guest_walk *gw, enum access_type acc,
                       uint64_t *out)
{
    uint64_t pte = gw->leaf_pte;
    bool is_writable = (pte & PTE_W) && (pte & PTE_D);
    uint64_t spte = PTE_V | PTE_A | PTE_D | (pte & (PTE_R | PTE_X | PTE_U)) |
                    (gw->global ? PTE_G : 0) | ((uint64_t)gw->leaf_level << SPTE_GUEST_LEVEL_SHIFT);
    struct gpa_info info;

    gmem_lookup(s->gm, gw->target_gpa, &info);
    switch (info.kind) {
    case GPA_RAM:
        spte |= (is_writable ? PTE_W : 0) | ((info.hpa_page >> PAGE_SHIFT) << PTE_PPN_SHIFT);
        break;
    case GPA_ROM:
        if (acc == ACCESS_STORE) {
            return -1;
        }
        spte |= (info.hpa_page >> PAGE_SHIFT) << PTE_PPN_SHIFT;
        break;
    case GPA_MMIO:
        spte |= SPTE_MMIO | (is_writable ? PTE_W : 0) |
                ((gw->target_gpa >> PAGE_SHIFT) << PTE_PPN_SHIFT);
        break;
    case GPA_NONE:
        return -1;
    }
    *out = spte;
    return 0;
}

/* Write one shadow PTE (counted VMM work). */
static void spte_write(struct shadow *s, uint64_t *spte, uint64_t value)
{
    __atomic_store_n(spte, htole64(value), __ATOMIC_RELEASE);
    s->stats.spte_writes++;
}

/*
 * The shadow page under entry `index` of page `parent` at `level` (> 0),
 * made when missing: it mirrors the guest's table at level - 1 when the
 * guest walk read one there (levels down to the guest leaf's own table),
 * else it is a split page under a guest superpage.
 * -1 when no frame could be had.
 */
static int shadow_child(struct shadow *s, unsigned parent, unsigned index, unsigned level,
                        const struct guest_walk *gw)
{
    uint64_t *spte = spte_ptr(s, s->pages[parent].hpa, index);
    uint64_t value = le64toh(*spte);
    gpa_t child_gpa = level - 1 >= gw->leaf_level ? gw->table_gpa[level - 1] : SPAGE_SPLIT;
    int child;

    if ((value & PTE_V) && !(value & (PTE_R | PTE_X))) {
        uint64_t frame = frame_number(((value >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT);
        return (int)s->spage_of_frame[frame] - 1;
    }
    child = spage_alloc(s, s->pages[parent].root, child_gpa, level - 1);
    if (child < 0) {
        return -1;
    }
    spte = spte_ptr(s, s->pages[parent].hpa, index); /* parent still there: same root */
    spte_write(s, spte, ((s->pages[child].hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_V);
    return child;
}

/* Fill the active root's path for gva down to a 4 KiB leaf. 0, or -1 (no frames). */
static int shadow_fill(struct shadow *s, gva_t gva, const struct guest_walk *gw, uint64_t leaf)
{
    const struct sroot *root = &s->roots[s->active];
    int page = (int)root->spage;
    uint64_t *spte;

    for (unsigned level = root->levels - 1; level > 0; level--) {
        unsigned index = (unsigned)(gva >> (PAGE_SHIFT + VPN_BITS * level)) & (PTES - 1);
        page = shadow_child(s, (unsigned)page, index, level, gw);
        if (page < 0 || !s->roots[s->active].valid) {
            return -1;
        }
    }
    spte = spte_ptr(s, s->pages[page].hpa, (unsigned)(gva >> PAGE_SHIFT) & (PTES - 1));
    if (le64toh(*spte) & PTE_V) {
        mmu_forget_gpa(s->mmu, gw->target_gpa); /* the TLB may hold the old, narrower leaf */
    }
    spte_write(s, spte, leaf);
    return 0;
}

enum shadow_verdict shadow_fault(struct shadow *s, const struct shadow_access *a,
                                 uint64_t *out_cause)
{
    struct guest_walk gw;
    uint64_t leaf;

    shadow_set_satp(s, a->satp);
    if (guest_walk(s, a, &gw, out_cause) != 0) {
        s->stats.true_faults++;
        return SHADOW_TRUE_FAULT;
    }
    if (shadow_leaf(s, &gw, a->acc, &leaf) != 0) {
        *out_cause = fault_cause(a->acc, false); /* nothing there, or ROM: an access fault */
        s->stats.true_faults++;
        return SHADOW_TRUE_FAULT;
    }
    if (s->active < 0) {
        return SHADOW_NO_MEMORY;
    }
    s->stats.hidden_faults++;
    if (shadow_fill(s, a->gva, &gw, leaf) != 0 && s->stats.frames == 0) {
        return SHADOW_NO_MEMORY;
    }
    return SHADOW_FIXED;
}

/* ------------------------------------------------------ guest PT writes */

void shadow_pt_write(struct shadow *s, gpa_t gpa, unsigned size, uint64_t data)
{
    uint64_t le = htole64(data);

    if (gmem_write(s->gm, gpa, &le, size) == 0) { /* never fails: RAM the guest maps */
        shadow_pt_written(s, gpa, size);
    }
}

void shadow_pt_written(struct shadow *s, gpa_t gpa, unsigned size)
{
    gpa_t gpa_page = gpa & ~PAGE_MASK;
    unsigned first = (unsigned)(gpa & PAGE_MASK) / 8;
    unsigned last = (unsigned)((gpa & PAGE_MASK) + size - 1) / 8;

    s->stats.pt_writes++;
    /* every shadow of this guest table forgets the entries made from what changed */
    int64_t page = ram_page(s, gpa_page);
    for (uint32_t m = page < 0 ? 0 : s->mirror_head[page]; m; m = s->pages[m - 1].next_mirror) {
        const struct spage *sp = &s->pages[m - 1];
        for (unsigned index = first; index <= last && index < PTES; index++) {
            uint64_t *spte = spte_ptr(s, sp->hpa, index);
            if (le64toh(*spte) & PTE_V) {
                spte_write(s, spte, 0);
            }
        }
    }
}
