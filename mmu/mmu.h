/*
 * mmu/mmu.h - public interface of the memory layer: host memory and its frame
 * allocator, the guest-physical map of one VM, and the per-vCPU translation
 * unit (stage-1 walker, modelled TLB, host fast path, walk counters).
 * Course: 内存虚拟化 (GVA -> GPA -> HPA, 页表遍历, TLB).
 * Spec: Privileged 20211203, §4.3 "Sv32" (the walk algorithm, §4.3.2),
 *       §4.4 "Sv39", §4.5 "Sv48", §3.7 "Physical Memory Protection".
 *
 * Nothing outside mmu/ touches guest memory except through these functions.
 */
#ifndef VMLAB_MMU_MMU_H
#define VMLAB_MMU_MMU_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/types.h"

/* ---------------------------------------------------------------- hostmem */

/*
 * Host "physical" memory: one region owned by vmlab, cut into 4 KiB frames.
 * HPAs are offsets into it plus HOSTMEM_HPA_BASE, so a printed HPA never
 * looks like a GPA.
 */
#define HOSTMEM_HPA_BASE 0x100000000ull

struct hostmem;

/* Reserve a region of `bytes` (rounded up to frames). NULL if the host refuses. */
struct hostmem *hostmem_create(uint64_t bytes);
void hostmem_destroy(struct hostmem *hm);

/*
 * Allocate a naturally aligned run of `nframes` frames (a power of two: 1, 4,
 * 512, 262144). Returns 0 and the run's first HPA, or -ENOMEM. Frames come
 * back zeroed.
 */
__attribute__((warn_unused_result)) int hostmem_alloc(struct hostmem *hm, uint64_t nframes,
                                                      hpa_t *out_hpa);
void hostmem_free(struct hostmem *hm, hpa_t hpa, uint64_t nframes);
uint64_t hostmem_free_frames(const struct hostmem *hm);
uint64_t hostmem_total_frames(const struct hostmem *hm);
/* Host pointer for an HPA inside the region, NULL outside it. */
uint8_t *hostmem_ptr(const struct hostmem *hm, hpa_t hpa);

/* ------------------------------------------------------------------- gmem */

/*
 * The guest-physical map of one VM: RAM (frames from hostmem, GPA != HPA),
 * ROM regions (frames too, read-only to the guest), and MMIO holes that the
 * I/O layer serves. Everything else is "no memory": an access fault.
 */
struct gmem;

enum gpa_kind {
    GPA_NONE, /* nothing there: access fault */
    GPA_RAM,
    GPA_ROM,  /* readable and executable, a store is an access fault */
    GPA_MMIO, /* a device: the access exits to the VMM */
};

/* Per-page flags kept by gmem for the CPU's benefit. */
enum {
    GPAGE_CODE = 1u << 0,  /* the CPU holds decoded instructions for this page */
    GPAGE_WATCH = 1u << 1, /* a store here must leave the fast path (HTIF tohost) */
    /* --mmu direct: a pinned page table: a guest store to it is refused */
    GPAGE_PT_PINNED = 1u << 2,
    GPAGE_SHADOW_PT = 1u << 3, /* --mmu shadow: a shadowed guest page table: stores exit */
    /* the monitor's `watch`: a store here leaves the fast path like GPAGE_WATCH, but its
     * exit is the debugger's (EXIT_DEBUG, uncounted), not the guest's */
    GPAGE_WATCH_DEBUG = 1u << 4,
};

struct gpa_info {
    enum gpa_kind kind;
    hpa_t hpa_page;      /* HPA of the 4 KiB frame (RAM/ROM) */
    uint8_t *host_page;  /* host pointer to that frame (RAM/ROM), else NULL */
    unsigned page_flags; /* GPAGE_* (RAM/ROM) */
};

struct gmem *gmem_create(struct hostmem *hm, gpa_t ram_base, uint64_t ram_size);
/* The same, backing each whole GiB of RAM with one 1 GiB host run (for 1 GiB stage-2 leaves). */
struct gmem *gmem_create_big(struct hostmem *hm, gpa_t ram_base, uint64_t ram_size, bool big_runs);
/*
 * lazy: RAM gets its host frames on first use (gmem_back: a 2 MiB run, or
 * the 1 GiB run of its GiB with big_runs), not at creation - the host side
 * of demand paging. Until then its pages read as zero and have no HPA.
 */
struct gmem *gmem_create_lazy(struct hostmem *hm, gpa_t ram_base, uint64_t ram_size, bool big_runs,
                              bool lazy);
/* Give the RAM page at gpa host frames now (its run). 0, or -ENOMEM. */
__attribute__((warn_unused_result)) int gmem_back(struct gmem *gm, gpa_t gpa);
/* Host frames backing RAM now. */
uint64_t gmem_ram_frames(const struct gmem *gm);
/*
 * Can one stage-2 leaf of `size` map [gpa, gpa + size)? True when it is all
 * RAM (or all one ROM) on host frames contiguous from a size-aligned HPA:
 * *out_hpa, and *out_is_rom (then map it read-only).
 */
bool gmem_host_run(const struct gmem *gm, gpa_t gpa, uint64_t size, hpa_t *out_hpa,
                   bool *out_is_rom);
/* The reverse map: the GPA an HPA of this VM's RAM or ROM backs; false when it is not this VM's. */
bool gmem_gpa_of_hpa(const struct gmem *gm, hpa_t hpa, gpa_t *out_gpa);
void gmem_destroy(struct gmem *gm);
gpa_t gmem_ram_base(const struct gmem *gm);
uint64_t gmem_ram_size(const struct gmem *gm);
struct hostmem *gmem_hostmem(const struct gmem *gm);

/* Add a read-only region backed by frames; returns 0 or -errno. */
__attribute__((warn_unused_result)) int gmem_add_rom(struct gmem *gm, gpa_t gpa, uint64_t size);
/* Declare a device window; accesses there are GPA_MMIO. */
__attribute__((warn_unused_result)) int gmem_add_mmio(struct gmem *gm, gpa_t gpa, uint64_t size);

/* Classify one GPA. Always succeeds; out->kind says what is there. */
void gmem_lookup(const struct gmem *gm, gpa_t gpa, struct gpa_info *out);

void gmem_set_page_flags(struct gmem *gm, gpa_t gpa, unsigned flags);
void gmem_clear_page_flags(struct gmem *gm, gpa_t gpa, unsigned flags);

/*
 * The VMM's own bounded copies (loader, HTIF, monitor): RAM and ROM only,
 * page by page, checking gpa + len for wrap. Return 0 or -EFAULT if any byte
 * is not RAM/ROM (nothing is written then).
 */
__attribute__((warn_unused_result)) int gmem_read(const struct gmem *gm, gpa_t gpa, void *buf,
                                                  size_t len);
__attribute__((warn_unused_result)) int gmem_write(struct gmem *gm, gpa_t gpa, const void *buf,
                                                   size_t len);
/*
 * Who to tell when gmem_write lands on a page flagged GPAGE_CODE (the hart
 * decoded instructions there): called once per such page, with its GPA.
 * hart_attach sets it; fn NULL removes it.
 */
typedef void (*gmem_code_written_fn)(void *ctx, gpa_t gpa_page);
void gmem_set_code_written_hook(struct gmem *gm, gmem_code_written_fn fn, void *ctx);
/*
 * Take / restore a copy of all RAM and ROM contents (reset). Take it before
 * the guest runs: it copies the pages the VMM wrote with gmem_write, every
 * other page being still zero; restoring zeroes the rest.
 */
__attribute__((warn_unused_result)) int gmem_snapshot(struct gmem *gm);
void gmem_restore(struct gmem *gm);

/* -------------------------------------------------------------------- pmp */

/* §3.7: 16 PMP entries, as the hart's CSRs hold them. */
#define PMP_ENTRIES 16
struct pmp {
    uint8_t cfg[PMP_ENTRIES];
    uint64_t addr[PMP_ENTRIES]; /* pmpaddrN: physical address >> 2 */
};

/*
 * §3.7.1: may an access of `size` bytes at `gpa` by `priv` proceed?
 * M-mode passes when no entry matches (unless locked rules say otherwise);
 * S/U fail when no entry matches and any entry is active.
 */
bool pmp_check(const struct pmp *pmp, gpa_t gpa, unsigned size, enum access_type acc,
               enum priv_level priv);
/* True when every byte of the page containing gpa gets the same answer. */
bool pmp_page_is_uniform(const struct pmp *pmp, gpa_t gpa, enum priv_level priv);

/* -------------------------------------------------------------------- TLB */

/*
 * A modelled TLB entry: one 4 KiB page of a translation (superpages are held
 * as 4 KiB pieces that remember their leaf size, for sfence.vma by address).
 */
struct tlb_entry {
    bool valid;
    uint64_t vpn; /* gva >> 12 */
    uint16_t asid;
    uint16_t vmid; /* --mmu nested: the VM it belongs to (hgatp.VMID) */
    bool global;
    bool is_bare;      /* --mmu nested: no stage 1 (M-mode, satp Bare): GPA = GVA */
    uint8_t level;     /* leaf level: 0 = 4 KiB, 1 = 2 MiB (Sv39/48), ... */
    uint8_t pte_perms; /* PTE R/W/X/U/D bits of the leaf, as in the PTE */
    uint8_t s2_perms;  /* --mmu nested: R/W/X of the stage-2 leaf */
    gpa_t gpa_page;
    hpa_t hpa_page; /* --mmu nested: where the stage-2 walk ended */
    uint64_t lru;   /* last-use stamp; the set's smallest is the victim */
};

/* ------------------------------------------------------------- fast path */

/*
 * The host fast path: direct-mapped host lookups in front of the modelled
 * TLB. It is a view of the TLB, never a way around it: an entry lives here
 * only while the TLB entry it points to is valid, and a hit here touches
 * that entry's LRU stamp and counts a TLB hit, exactly as tlb lookup would.
 */
#define FAST_ENTRIES 256
#define FAST_INVALID UINT64_MAX

struct fast_entry {
    uint64_t vpn_tag;         /* gva >> 12, FAST_INVALID when empty */
    uintptr_t host_minus_gva; /* host pointer of a byte = gva + this */
    struct tlb_entry *te;     /* the TLB entry this views; NULL when untranslated */
};

#define FETCH_NOT_TOUCHED 1 /* touched_pc: no instruction is at an odd pc */

/* The page the hart is fetching from; `decoded` belongs to cpu/. */
struct fetch_view {
    uint64_t vpn_tag; /* pc >> 12, FAST_INVALID when empty */
    struct tlb_entry *te;
    uint64_t touched_pc; /* the instruction te's stamp last stood for (cpu/mem.h) */
    uint8_t *host_page;
    gpa_t gpa_page;
    void *decoded;
};

/*
 * Recent fetch views, by page: jumping back to a page the hart fetched from
 * lately reinstalls its view without a translation (cpu/interp.c). An
 * entry is valid while its TLB entry is (the MMU clears it with the fast
 * path: satp, SUM, MXR, PMP, sfence.vma) and for the privilege and the
 * decoded-code generation it was made at (cpu/ checks both).
 */
#define FETCH_CACHE_ENTRIES 64
struct fetch_cache_entry {
    struct fetch_view view;
    enum priv_level priv;
    uint64_t code_generation;
};

struct mmu_fast {
    bool enabled;        /* false under --no-fastpath: nothing is installed */
    uint64_t *lru_clock; /* the TLB's LRU clock */
    uint64_t *tlb_hits;  /* the counter a hit adds to */
    struct fetch_view fetch;
    struct fetch_cache_entry fetch_cache[FETCH_CACHE_ENTRIES];
    struct fast_entry load[4][FAST_ENTRIES]; /* indexed by effective privilege */
    struct fast_entry store[4][FAST_ENTRIES];
};

static inline void tlb_touch(struct mmu_fast *fast, struct tlb_entry *te)
{
    if (te) {
        te->lru = ++*fast->lru_clock;
        ++*fast->tlb_hits;
    }
}

/* -------------------------------------------------------------------- mmu */

struct mmu_stats {
    uint64_t tlb_hits, tlb_misses, tlb_flushes;
    uint64_t walk_count;    /* translation attempts that walked */
    uint64_t walk_accesses; /* PTE reads, all stages */
    uint64_t walk_s1_accesses;
    uint64_t walk_s2_accesses;
    uint64_t walk_max_accesses;
    uint64_t walk_pte_writes; /* A/D updates by the hart */
    uint64_t pwc_hits;        /* --pwc on: stage-2 walks the stage-2 TLB saved */
    /* --mmu direct: walks that met a table or leaf HPA that is not this VM's RAM */
    uint64_t direct_foreign_frames;
};

/* How the VMM virtualizes memory (DESIGN.md "Techniques", --mmu). */
enum mmu_mode {
    MMU_NATIVE, /* GPA -> HPA through the VMM's map, uncounted */
    MMU_NESTED, /* two-stage: the guest's table, then the VMM's stage-2 table */
    MMU_DIRECT, /* Xen PV direct paging: the guest's table holds HPAs (mmu/direct.c) */
    MMU_SHADOW, /* the MMU walks the VMM's GVA -> HPA shadow table (mmu/shadowed.c) */
};

struct s2_table;
struct tlb;

struct mmu_config {
    unsigned tlb_entries; /* default 64 */
    unsigned tlb_ways;    /* default 4 */
    bool fastpath;        /* default true */
    enum mmu_mode mode;   /* default MMU_NATIVE */
    struct s2_table *s2;  /* MMU_NESTED: the VM's stage-2 table (the VMM owns it) */
    uint16_t vmid;        /* the VM's VMID (1, 2, ...): tags its TLB entries, every mode */
    bool pwc;             /* MMU_NESTED: a stage-2 TLB in front of stage-2 walks */
    /* The physical CPU's TLB, shared with other VMs' mmus (mmu_tlb_create; then
     * tlb_entries/ways are its). NULL: the mmu has a TLB of its own. */
    struct tlb *shared_tlb;
};

/* What one access asks of the translation unit. */
struct xlate_req {
    gva_t gva;
    unsigned size; /* bytes, must not cross a page (the CPU splits) */
    enum access_type acc;
    enum priv_level priv; /* effective privilege (after MPRV for data) */
    uint64_t satp;
    bool sum, mxr;
};

enum xlate_status {
    XLATE_OK,           /* RAM or ROM: host points at the byte */
    XLATE_MMIO,         /* a device: gpa says where */
    XLATE_PAGE_FAULT,   /* stage-1 fault: the CPU raises the page fault */
    XLATE_ACCESS_FAULT, /* PMP, no memory, store to ROM, PTE read failed */
    XLATE_S2_FAULT,     /* MMU_NESTED: stage 2 has no leaf allowing it (fault_gpa): the VMM's;
                           MMU_SHADOW: the shadow table has nothing allowing it */
    XLATE_PT_WRITE,     /* MMU_SHADOW: a store to a write-protected guest page table */
};

struct xlate_out {
    enum xlate_status status;
    gpa_t gpa;
    hpa_t hpa;
    uint8_t *host;        /* XLATE_OK only */
    unsigned page_flags;  /* GPAGE_* of the target page */
    struct tlb_entry *te; /* the TLB entry used, NULL when untranslated */
    gpa_t fault_gpa;      /* XLATE_S2_FAULT: the GPA stage 2 could not translate */
};

struct mmu;

struct mmu *mmu_create(struct gmem *gm, const struct pmp *pmp, const struct mmu_config *cfg);
void mmu_destroy(struct mmu *m);
struct mmu_fast *mmu_fast(struct mmu *m);
const struct mmu_stats *mmu_stats(const struct mmu *m);

/*
 * Translate one access: TLB lookup (counted), stage-1 walk on a miss
 * (§4.3.2, every PTE read counted; A/D set by the hart as a counted PTE
 * write), PMP on every physical access including PTE reads, then the gmem
 * lookup. Installs fast-path entries where allowed. Never fails otherwise:
 * out->status says what happened.
 */
void mmu_translate(struct mmu *m, const struct xlate_req *req, struct xlate_out *out);

/* SFENCE.VMA: all_va/all_asid select the scope as rs1/rs2 == x0 do. */
void mmu_sfence(struct mmu *m, bool all_va, gva_t gva, bool all_asid, uint16_t asid);
/* Drop every fast-path entry (privilege context changed: satp, SUM, MXR, PMP). */
void mmu_fast_flush(struct mmu *m);
/* Forget fast-path store entries to one GPA page (it now holds code / is watched). */
void mmu_fast_forget_store_page(struct mmu *m, gpa_t gpa_page);

/* ------------------------------------------------------------- stage 2 */

/*
 * The VMM's stage-2 (G-stage) table of one VM, GPA -> HPA, in host frames
 * (mmu/stage2.c): Sv39x4 (levels 3) or Sv48x4 (levels 4). The VMM maps
 * ranges as the guest touches them; the walker reads it, counted.
 */
struct s2_table *s2_table_create(struct hostmem *hm, unsigned levels);
void s2_table_destroy(struct s2_table *t);
/*
 * Map the 4 KiB << (9 * leaf_level) bytes at gpa to hpa (both aligned to
 * that size) with perms (PTE_R/W/X; U, A, D are added). 0, -EINVAL (bad
 * alignment, level, perms or a GPA too wide), -EEXIST (a bigger leaf is in
 * the way), -ENOMEM (no frame for a table).
 */
__attribute__((warn_unused_result)) int s2_table_map(struct s2_table *t, gpa_t gpa, hpa_t hpa,
                                                     unsigned leaf_level, unsigned perms);
hpa_t s2_table_root(const struct s2_table *t);
unsigned s2_table_levels(const struct s2_table *t);
uint64_t s2_table_frames(const struct s2_table *t);
/* Stage-2 mappings changed under the TLBs (HFENCE.GVMA): forget cached ones. */
void mmu_s2_flush(struct mmu *m);

/* ------------------------------------------- several VMs on one physical CPU */

/*
 * The physical CPU's TLB, shared by the mmus of the VMs that run on it
 * (mmu_config.shared_tlb); entries are tagged with each VM's VMID. NULL on
 * bad sizes or no memory. Destroy it after every mmu that uses it.
 */
struct tlb *mmu_tlb_create(unsigned entries, unsigned ways);
void mmu_tlb_destroy(struct tlb *t);
/*
 * A VM switch: m's VM runs on the physical CPU from now on. The TLB looks
 * up with m's VMID and drops entries out of m's fast path; m's fast path
 * is emptied (another VM may have evicted what it viewed).
 */
void mmu_activate(struct mmu *m);
/* --vmid off: the VM switch flushes the whole TLB, counted in m's tlb.flushes. */
void mmu_tlb_flush_all(struct mmu *m);

/* ------------------------------------------------ direct paging (Xen PV) */

/*
 * --mmu direct (mmu/pvpt.c): the guest's page tables hold HPAs, and the
 * guest changes them only through the VMM's validated hypercalls (vm/hypercall.c).
 * The VMM keeps, per frame of the VM's RAM: pinned as a table of which level,
 * how many writable leaves of pinned tables map it, how many pinned tables
 * point to it. The results are SBI error codes, as the guest sees them in a0.
 */
#define PV_OK                  0
#define PV_ERR_NOT_SUPPORTED   (-2) /* unknown extension or function */
#define PV_ERR_INVALID_PARAM   (-3) /* malformed: alignment, level, reserved bits, PTE shape */
#define PV_ERR_DENIED          (-4) /* against the rules: would break the tables' protection */
#define PV_ERR_INVALID_ADDRESS (-5) /* a frame that is not this VM's RAM */
#define PV_TABLE_LEVELS        4    /* pinned tables: level 0 (4 KiB leaves) .. 3 (Sv48 root) */

struct pvpt;

struct pvpt *pvpt_create(struct gmem *gm);
void pvpt_destroy(struct pvpt *pv);
/* Forget every pin and count (a reboot: RAM is restored from the start copies). */
void pvpt_reset(struct pvpt *pv);
/* PV_GET_FRAME: the HPA of the RAM page holding gpa (the P2M lookup). */
int64_t pvpt_get_frame(const struct pvpt *pv, gpa_t gpa, hpa_t *out_hpa);
/* PV_PIN_TABLE: validate the frame's 512 PTEs as a table of `level`, then pin it. */
int64_t pvpt_pin(struct pvpt *pv, hpa_t table_hpa, unsigned level);
/* PV_UNPIN_TABLE: refused while a pinned table points to it or it is root_hpa (satp's). */
int64_t pvpt_unpin(struct pvpt *pv, hpa_t table_hpa, hpa_t root_hpa);
/*
 * PV_MMU_UPDATE: validate new_pte for the pinned table holding pte_hpa and
 * write it. *out_old_valid: the PTE it replaced was valid (the TLB may hold it).
 */
int64_t pvpt_mmu_update(struct pvpt *pv, hpa_t pte_hpa, uint64_t new_pte, bool *out_old_valid);
/* May the guest's kernel load this satp? Bare, or a root pinned at the mode's top level. */
int64_t pvpt_check_satp(const struct pvpt *pv, uint64_t satp);
/* Is the frame holding hpa pinned as a table? *out_level its level (may be NULL). */
bool pvpt_is_pinned(const struct pvpt *pv, hpa_t hpa, unsigned *out_level);

/* ------------------------------------------------------------- shadow */

/* VMM-defined bits of a shadow PTE (mmu/shadowed.c reads them, shadowpt/ writes them). */
#define SPTE_MMIO              (1u << 9) /* RSW: the leaf's PPN is a device's GPA page */
#define SPTE_GUEST_LEVEL_SHIFT 60        /* bits 61:60: the level of the guest's leaf */

/* --mmu shadow: the shadow table the MMU walks now (0: none yet, every walk faults). */
void mmu_shadow_set_root(struct mmu *m, hpa_t root_hpa);
/* Drop every TLB entry (and fast-path view) that maps GPA page gpa_page. */
void mmu_forget_gpa(struct mmu *m, gpa_t gpa_page);
/* §4.3.2 step 5 and §4.4.1: the checks the guest's own walk makes, for the VMM's software walk. */
bool pte_perms_allow(uint8_t pte_perms, enum access_type acc, enum priv_level priv, bool sum,
                     bool mxr);
bool gva_is_canonical(gva_t gva, unsigned va_bits);

/* One valid entry of a page-table tree (mmu/ptdump.c). */
struct pt_dump_entry {
    unsigned level, index;
    uint64_t va;     /* the first address the entry covers (GVA, or GPA for stage 2) */
    uint64_t pte;    /* as stored */
    bool is_leaf;    /* R or X set */
    uint64_t target; /* PPN << 12: the next table or the page (GPA, or HPA in a shadow) */
};
typedef void (*pt_dump_fn)(void *ctx, const struct pt_dump_entry *e);
/*
 * Every valid entry of the tree at `root` (a GPA when tables_at_gpa: the
 * guest's own table; else an HPA: a shadow or stage-2 table), depth first,
 * nothing counted. root_extra_bits: 2 for a stage-2 (x4) root, else 0.
 */
void pt_dump(const struct gmem *gm, bool tables_at_gpa, uint64_t root, unsigned levels,
             unsigned root_extra_bits, pt_dump_fn fn, void *ctx);
/* --mmu shadow: the shadow table the MMU walks now (0: none). */
hpa_t mmu_shadow_root(const struct mmu *m);

/* ------------------------------------------------------- walk inspection */

/*
 * One PTE access of a walk, as the monitor's `walk GVA` and `trace walks`
 * print it: which stage and level, where the PTE is (GPA and HPA), what was
 * read (or, for the hart's A/D update, written).
 */
struct walk_step {
    uint8_t stage; /* 1 = the guest's stage-1 table, 2 = the VMM's stage-2 table */
    uint8_t level; /* the table's level: 0 holds 4 KiB leaves */
    bool is_write; /* the hart setting A/D; otherwise a read */
    bool pwc_hit;  /* --pwc on: stage 2 of pte_gpa came from the stage-2 TLB, nothing read */
    gpa_t pte_gpa; /* stage 1: where the PTE is; stage 2: the GPA being translated */
    hpa_t pte_hpa;
    uint64_t pte;
};

#define WALK_TRACE_MAX 48 /* 24 reads of a Sv48 x Sv48x4 walk, plus room for writes */
struct walk_trace {
    bool tlb_hit; /* mmu_probe: the TLB holds this translation now */
    unsigned n;   /* steps recorded (a walk never makes more than WALK_TRACE_MAX) */
    struct walk_step step[WALK_TRACE_MAX];
};

/*
 * The VMM's own inspection (monitor `walk`, `x/N GVA`): translate as the
 * hart would now, touching no TLB entry, fast path, counter or PTE (a walk
 * that would set A/D reports success without writing). When the TLB holds
 * the translation, *out is what the hart would use (out->te set) and
 * trace->tlb_hit is true; the page table is walked anyway so that `trace`
 * (may be NULL) shows every access.
 */
void mmu_probe(const struct mmu *m, const struct xlate_req *req, struct xlate_out *out,
               struct walk_trace *trace);

/* Called after every counted walk with its accesses (`trace walks on`); NULL fn: off. */
typedef void (*walk_observer_fn)(void *ctx, gva_t gva, const struct walk_trace *trace);
void mmu_set_walk_observer(struct mmu *m, walk_observer_fn fn, void *ctx);

/* The modelled TLB for `info tlb`: all entries, set after set, *out_ways per set. */
unsigned mmu_tlb_view(const struct mmu *m, const struct tlb_entry **out, unsigned *out_ways);

#endif
