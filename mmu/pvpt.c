/*
 * mmu/pvpt.c - the page-table validator of --mmu direct (Xen PV "direct
 * paging"): the guest's page tables hold host frame numbers (HPAs), the
 * hardware walks them with no second stage, so the VMM must make sure every
 * table the walker can reach says only what this VM may say. The guest
 * never writes a table itself: it pins a frame as a table (the VMM checks all
 * 512 PTEs) and then changes PTEs by hypercall (the VMM checks each one).
 * Course: 内存虚拟化 / 直接页表 (Xen 半虚拟化: 页表里直接是机器页框号, 客户机
 *         通过超级调用 (hypercall) 修改页表, VMM 验证后才写入).
 * Spec: Privileged 20211203, §4.3.1 "Addressing and Memory Protection" (PTE
 *       format: V R W X U G A D, W without R reserved, non-leaf A/D/U
 *       reserved), §4.4.1 / §4.5.1 (Sv39 / Sv48 PTE reserved bits 63:54,
 *       superpage alignment); Xen's "pinned" page tables and mmu_update
 *       (the idea only).
 *
 * The rules (every refusal returns an SBI error code, see mmu.h):
 *  - a table frame (pin, or the frame an update writes into) is this VM's
 *    RAM (-5), page aligned, levels 0..3 (-3);
 *  - a valid PTE has reserved bits 63:54 clear and is not W without R (-3);
 *  - a pointer (V, no R/X) sits in a table of level >= 1, names a frame
 *    pinned as a table of the level below (-3; not this VM's: -5) and has no
 *    A/D/U bits (-3);
 *  - a leaf sits at level 0..2, its frame is aligned to its size (-3) and is
 *    wholly this VM's RAM (-5); a writable leaf covers no pinned frame (-4);
 *  - a frame is pinned only once (-4) and only while no writable leaf of a
 *    pinned table maps it (-4); it is unpinned only while no pinned table
 *    points to it and satp does not name it (-4).
 * So no walk of a pinned table reaches another VM's frame, and no guest
 * store can change a pinned table: the VMM is the only writer.
 *
 * Simplified: the per-frame counts cover the VM's RAM only (ROM is never a
 * table or a leaf target); leaves of 512 GiB (level 3) are refused; the
 * hart's own A/D updates are allowed in pinned tables, as hardware does them.
 */
#include "mmu/internal.h"

#include <endian.h>
#include <stdlib.h>

#include "cpu/encoding.h"

#define PT_ENTRIES     512u
#define PV_LEAF_LEVELS 3u /* 4 KiB, 2 MiB, 1 GiB */
#define RUN_SIZE       (2ull << 20)

struct pv_frame {
    uint8_t pinned;    /* 0: not a table; else its level + 1 */
    uint32_t writable; /* writable leaves of pinned tables that map this frame */
    uint32_t refs;     /* pointers in pinned tables that name this frame */
};

struct pvpt {
    struct gmem *gm;
    struct hostmem *hm;
    gpa_t ram_base;
    uint64_t npages;
    struct pv_frame *frame; /* per RAM page, by GPA */
};

struct pvpt *pvpt_create(struct gmem *gm)
{
    struct pvpt *pv = calloc(1, sizeof(*pv));

    if (!pv) {
        return NULL;
    }
    pv->gm = gm;
    pv->hm = gmem_hostmem(gm);
    pv->ram_base = gmem_ram_base(gm);
    pv->npages = gmem_ram_size(gm) >> PAGE_SHIFT;
    pv->frame = calloc(pv->npages, sizeof(*pv->frame));
    if (!pv->frame) {
        free(pv);
        return NULL;
    }
    return pv;
}

void pvpt_destroy(struct pvpt *pv)
{
    if (pv) {
        free(pv->frame);
        free(pv);
    }
}

void pvpt_reset(struct pvpt *pv)
{
    for (uint64_t i = 0; i < pv->npages; i++) {
        if (pv->frame[i].pinned) {
            gmem_clear_page_flags(pv->gm, pv->ram_base + (i << PAGE_SHIFT), GPAGE_PT_PINNED);
        }
        pv->frame[i] = (struct pv_frame){0};
    }
}

/* ------------------------------------------------------------- frames */

/* The RAM page an HPA lies in, by index; NULL when the frame is not this VM's RAM. */
static struct pv_frame *frame_of(const struct pvpt *pv, hpa_t hpa)
{
    gpa_t gpa;

    if (!gmem_gpa_of_hpa(pv->gm, hpa, &gpa) || gpa - pv->ram_base >= pv->npages << PAGE_SHIFT) {
        return NULL;
    }
    return &pv->frame[(gpa - pv->ram_base) >> PAGE_SHIFT];
}

int64_t pvpt_get_frame(const struct pvpt *pv, gpa_t gpa, hpa_t *out_hpa)
{
    struct gpa_info info;

    gmem_lookup(pv->gm, gpa, &info);
    if (info.kind != GPA_RAM) {
        return PV_ERR_INVALID_PARAM;
    }
    *out_hpa = info.hpa_page;
    return PV_OK;
}

bool pvpt_is_pinned(const struct pvpt *pv, hpa_t hpa, unsigned *out_level)
{
    const struct pv_frame *f = frame_of(pv, hpa);

    if (!f || !f->pinned) {
        return false;
    }
    if (out_level) {
        *out_level = f->pinned - 1u;
    }
    return true;
}

static uint64_t *table_host(const struct pvpt *pv, hpa_t table_hpa)
{
    return (uint64_t *)hostmem_ptr(pv->hm, table_hpa);
}

static hpa_t pte_hpa_of(uint64_t pte)
{
    return ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT;
}

static bool pte_is_leaf(uint64_t pte)
{
    return (pte & (PTE_R | PTE_X)) != 0;
}

static uint64_t leaf_size(unsigned level)
{
    return PAGE_SIZE << (9 * level);
}

/*
 * Every 4 KiB frame of the leaf [hpa, hpa + size), in 2 MiB steps (gmem backs
 * RAM with 2 MiB host runs, so a step's frames are one run or not the VM's):
 * fn on each. Returns the first non-zero fn result, or PV_ERR_INVALID_ADDRESS
 * when a frame is not this VM's RAM.
 */
typedef int64_t (*frame_fn)(struct pv_frame *f, void *ctx);

static int64_t leaf_frames(const struct pvpt *pv, hpa_t hpa, uint64_t size, frame_fn fn, void *ctx)
{
    for (uint64_t off = 0; off < size; off += RUN_SIZE) {
        uint64_t step = size - off < RUN_SIZE ? size - off : RUN_SIZE;
        struct pv_frame *first = frame_of(pv, hpa + off);
        struct pv_frame *last = frame_of(pv, hpa + off + step - PAGE_SIZE);
        if (!first || !last || last - first != (ptrdiff_t)(step / PAGE_SIZE) - 1) {
            return PV_ERR_INVALID_ADDRESS;
        }
        for (struct pv_frame *f = first; f <= last; f++) {
            int64_t r = fn ? fn(f, ctx) : PV_OK;
            if (r != PV_OK) {
                return r;
            }
        }
    }
    return PV_OK;
}

static int64_t frame_refuse_pinned(struct pv_frame *f, void *ctx)
{
    (void)ctx;
    return f->pinned ? PV_ERR_DENIED : PV_OK;
}

static int64_t frame_add_writable(struct pv_frame *f, void *ctx)
{
    f->writable += *(const int *)ctx; /* never below 0: only what was added is taken */
    return PV_OK;
}

/* ---------------------------------------------------------- validation */

static int64_t check_pointer(const struct pvpt *pv, uint64_t pte, unsigned level)
{
    const struct pv_frame *target;

    if (level == 0 || (pte & (PTE_A | PTE_D | PTE_U))) {
        return PV_ERR_INVALID_PARAM; /* §4.3.1: non-leaf A/D/U are reserved */
    }
    target = frame_of(pv, pte_hpa_of(pte));
    if (!target) {
        return PV_ERR_INVALID_ADDRESS;
    }
    return target->pinned == level ? PV_OK : PV_ERR_INVALID_PARAM; /* pinned at level - 1 */
}

static int64_t check_leaf(const struct pvpt *pv, uint64_t pte, unsigned level)
{
    hpa_t hpa = pte_hpa_of(pte);
    uint64_t size;

    if (level >= PV_LEAF_LEVELS) {
        return PV_ERR_INVALID_PARAM;
    }
    size = leaf_size(level);
    if (hpa & (size - 1)) {
        return PV_ERR_INVALID_PARAM; /* §4.3.2 step 6: a misaligned superpage */
    }
    return leaf_frames(pv, hpa, size, (pte & PTE_W) ? frame_refuse_pinned : NULL, NULL);
}

/* May this PTE stand in a pinned table of `level`? PV_OK or the error code. */
static int64_t pte_check(const struct pvpt *pv, uint64_t pte, unsigned level)
{
    if (!(pte & PTE_V)) {
        return PV_OK; /* invalid: the walker stops there */
    }
    if ((pte & PTE_RESERVED_MASK) || ((pte & PTE_W) && !(pte & PTE_R))) {
        return PV_ERR_INVALID_PARAM;
    }
    return pte_is_leaf(pte) ? check_leaf(pv, pte, level) : check_pointer(pv, pte, level);
}

/* Add (delta +1) or take away (-1) what a valid, checked PTE counts. */
static void pte_account(struct pvpt *pv, uint64_t pte, unsigned level, int delta)
{
    if (!(pte & PTE_V)) {
        return;
    }
    if (!pte_is_leaf(pte)) {
        struct pv_frame *target = frame_of(pv, pte_hpa_of(pte));
        if (target) {
            target->refs += (uint32_t)delta;
        }
    } else if ((pte & PTE_W) && level < PV_LEAF_LEVELS) {
        (void)leaf_frames(pv, pte_hpa_of(pte), leaf_size(level), frame_add_writable, &delta);
    }
}

static void table_account(struct pvpt *pv, const uint64_t *table, unsigned level, int delta)
{
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        pte_account(pv, le64toh(__atomic_load_n(&table[i], __ATOMIC_ACQUIRE)), level, delta);
    }
}

/* ------------------------------------------------------------ the calls */

/* The pinned table frame a hypercall names, or an error code. */
static int64_t table_frame(const struct pvpt *pv, hpa_t table_hpa, struct pv_frame **out)
{
    if (table_hpa & PAGE_MASK) {
        return PV_ERR_INVALID_PARAM;
    }
    *out = frame_of(pv, table_hpa);
    return *out ? PV_OK : PV_ERR_INVALID_ADDRESS;
}

int64_t pvpt_pin(struct pvpt *pv, hpa_t table_hpa, unsigned level)
{
    struct pv_frame *f;
    const uint64_t *table;
    gpa_t gpa = 0;
    int64_t r = table_frame(pv, table_hpa, &f);

    if (r != PV_OK || level >= PV_TABLE_LEVELS) {
        return r != PV_OK ? r : PV_ERR_INVALID_PARAM;
    }
    if (f->pinned || f->writable) {
        return PV_ERR_DENIED;
    }
    table = table_host(pv, table_hpa);
    f->pinned = (uint8_t)(level + 1); /* so that a PTE mapping the table itself is refused */
    for (unsigned i = 0; i < PT_ENTRIES; i++) {
        r = pte_check(pv, le64toh(__atomic_load_n(&table[i], __ATOMIC_ACQUIRE)), level);
        if (r != PV_OK) {
            f->pinned = 0;
            return r;
        }
    }
    table_account(pv, table, level, +1);
    (void)gmem_gpa_of_hpa(pv->gm, table_hpa, &gpa); /* RAM: frame_of said so */
    gmem_set_page_flags(pv->gm, gpa, GPAGE_PT_PINNED);
    return PV_OK;
}

int64_t pvpt_unpin(struct pvpt *pv, hpa_t table_hpa, hpa_t root_hpa)
{
    struct pv_frame *f;
    gpa_t gpa = 0;
    int64_t r = table_frame(pv, table_hpa, &f);

    if (r != PV_OK) {
        return r;
    }
    if (!f->pinned) {
        return PV_ERR_INVALID_PARAM;
    }
    if (f->refs || table_hpa == root_hpa) {
        return PV_ERR_DENIED; /* still reachable by the walker */
    }
    table_account(pv, table_host(pv, table_hpa), f->pinned - 1u, -1);
    f->pinned = 0;
    (void)gmem_gpa_of_hpa(pv->gm, table_hpa, &gpa);
    gmem_clear_page_flags(pv->gm, gpa, GPAGE_PT_PINNED);
    return PV_OK;
}

int64_t pvpt_mmu_update(struct pvpt *pv, hpa_t pte_hpa, uint64_t new_pte, bool *out_old_valid)
{
    struct pv_frame *f;
    uint64_t *slot;
    uint64_t old_pte;
    unsigned level;
    int64_t r;

    *out_old_valid = false;
    if (pte_hpa & (PTE_SIZE - 1)) {
        return PV_ERR_INVALID_PARAM;
    }
    r = table_frame(pv, pte_hpa & ~PAGE_MASK, &f);
    if (r != PV_OK) {
        return r;
    }
    if (!f->pinned) {
        return PV_ERR_DENIED; /* only pinned tables are changed by hypercall */
    }
    level = f->pinned - 1u;
    r = pte_check(pv, new_pte, level);
    if (r != PV_OK) {
        return r;
    }
    slot = (uint64_t *)hostmem_ptr(pv->hm, pte_hpa);
    old_pte = le64toh(__atomic_load_n(slot, __ATOMIC_ACQUIRE));
    pte_account(pv, old_pte, level, -1);
    __atomic_store_n(slot, htole64(new_pte), __ATOMIC_RELEASE);
    pte_account(pv, new_pte, level, +1);
    *out_old_valid = (old_pte & PTE_V) != 0;
    return PV_OK;
}

int64_t pvpt_check_satp(const struct pvpt *pv, uint64_t satp)
{
    unsigned levels = satp_levels(satp);
    unsigned root_level;

    if (levels == 0) {
        return PV_OK; /* Bare: GPAs, through the VMM's map */
    }
    if (!pvpt_is_pinned(pv, (satp & SATP_PPN_MASK) << PAGE_SHIFT, &root_level)) {
        return PV_ERR_DENIED;
    }
    return root_level == levels - 1 ? PV_OK : PV_ERR_INVALID_PARAM;
}
