/*
 * mmu/internal.h - what the files of mmu/ share and nobody else includes:
 * the stage-1 walker (walk.c) and the modelled TLB (tlb.c), as mmu.c
 * drives them.
 * Course: 内存虚拟化 / 页表遍历, TLB：缓存地址翻译结果.
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process",
 *       §4.2.1 "Supervisor Memory-Management Fence Instruction".
 */
#ifndef VMLAB_MMU_INTERNAL_H
#define VMLAB_MMU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mmu.h"

/* ------------------------------------------------------------- walker */

#define PTE_SIZE    8
#define VPN_BITS    9 /* each level indexes 512 PTEs */
#define SV39_LEVELS 3
#define SV48_LEVELS 4

struct walker;
struct walk_result;

/*
 * The stage-2 hook: where the PTE at a GPA lives in host memory. Under
 * --mmu native it is the VMM's own GPA -> HPA map (RAM only, uncounted). A
 * two-stage walk slots a stage-2 walk in here: it reads its own PTEs and
 * reports each with walk_note_read(w, res, 2, ...), so they land in the
 * same counters, maximum and trace as the stage-1 reads. Returns 0 and the
 * HPA, or -EFAULT (the walk ends in an access fault).
 */
struct s2_hook {
    int (*translate)(void *ctx, const struct walker *w, struct walk_result *res, gpa_t gpa,
                     enum access_type acc, hpa_t *out_hpa);
    void *ctx;
};

struct walker {
    struct hostmem *hm;    /* where PTEs are read, by HPA */
    const struct pmp *pmp; /* checked on every PTE access (as S-mode) */
    struct s2_hook s2;
    struct mmu_stats *stats;  /* NULL: an uncounted probe, which never writes A/D */
    struct walk_trace *trace; /* NULL: accesses not recorded */
};

struct walk_req {
    gva_t gva;
    enum access_type acc;
    enum priv_level priv; /* PRV_S or PRV_U */
    bool sum, mxr;
    unsigned levels; /* SV39_LEVELS or SV48_LEVELS */
    gpa_t root_gpa;  /* satp.PPN * PAGESIZE */
};

struct walk_result {
    enum xlate_status status; /* XLATE_OK, XLATE_PAGE_FAULT or XLATE_ACCESS_FAULT */
    gpa_t gpa_page;           /* XLATE_OK: the 4 KiB GPA page holding gva */
    unsigned level;           /* XLATE_OK: level of the leaf (0 = 4 KiB) */
    uint8_t pte_perms;        /* XLATE_OK: leaf R/W/X/U/A/D as in the PTE after the walk */
    bool global;              /* XLATE_OK: G set on the leaf or any table above it */
    unsigned accesses;        /* PTE reads this walk made (also on a fault) */
    gpa_t s2_fault_gpa;       /* XLATE_S2_FAULT: the GPA stage 2 could not translate */
};

/* Start a walk: empty result, empty trace. */
void walk_begin(const struct walker *w, struct walk_result *res);
/* End a counted walk: walk_count and walk_max_accesses (after all its stages). */
void walk_finish(const struct walker *w, const struct walk_result *res);

/*
 * One stage-1 walk, §4.3.2 steps 1-8, after walk_begin. Counts
 * walk_accesses, walk_s1_accesses (and through the stage-2 hook
 * walk_s2_accesses) and walk_pte_writes in w->stats; the caller ends the
 * walk with walk_finish. A hook failure that set res->s2_fault_gpa ends it
 * with XLATE_S2_FAULT (the hook returns -EAGAIN for that), else with an
 * access fault.
 */
void walk_stage1(const struct walker *w, const struct walk_req *req, struct walk_result *out);

/*
 * Account for one PTE read of a walk: res->accesses, walk_accesses and
 * walk_s1_accesses or walk_s2_accesses (by stage), and the trace.
 */
void walk_note_read(const struct walker *w, struct walk_result *res, unsigned stage, unsigned level,
                    gpa_t pte_gpa, hpa_t pte_hpa, uint64_t pte);

/* pte_perms_allow (§4.3.2 step 5) and gva_is_canonical are in mmu/mmu.h. */

/* For the trace only: stage 2 of gpa came from the stage-2 TLB (--pwc on), nothing read. */
void walk_note_pwc_hit(const struct walker *w, gpa_t gpa, hpa_t hpa_page);

/* ------------------------------------------------------------ stage 2 */

struct s2_result {
    hpa_t hpa_page; /* the 4 KiB host page holding the GPA */
    unsigned level; /* the stage-2 leaf's level */
    uint8_t perms;  /* its R/W/X */
};

/*
 * One stage-2 walk of gpa (mmu/stage2.c), every PTE read counted as stage 2
 * into res. 0 and *out, or -EFAULT: no leaf that allows acc.
 */
int walk_stage2(const struct walker *w, const struct s2_table *t, struct walk_result *res,
                gpa_t gpa, enum access_type acc, struct s2_result *out);

/* ----------------------------------------------------------------- TLB */

struct tlb;

/* Called for every entry the TLB evicts or invalidates, before it is reused. */
typedef void (*tlb_drop_fn)(void *ctx, struct tlb_entry *te);

/* entries a multiple of ways, both >= 1; NULL on bad sizes or no memory. */
struct tlb *tlb_create(unsigned entries, unsigned ways, tlb_drop_fn on_drop, void *ctx);
void tlb_destroy(struct tlb *t);
/* The LRU clock that tlb_touch() advances. */
uint64_t *tlb_lru_clock(struct tlb *t);
/*
 * The VM now running on this TLB's physical CPU: its VMID (what tlb_find,
 * tlb_sfence and tlb_flush_vmid see, and what tlb_insert gives a fill whose
 * vmid is 0) and the drop callback of its fast path.
 */
void tlb_set_owner(struct tlb *t, uint16_t vmid, tlb_drop_fn on_drop, void *ctx);
/* The running VM's entry for vpn in address space asid (a global entry matches
 * every ASID), or NULL. Touches nothing: the caller counts and stamps a hit. */
struct tlb_entry *tlb_find(const struct tlb *t, uint64_t vpn, uint16_t asid);
/* The same under --mmu nested: entries of VM vmid, bare (no stage 1) or not. */
struct tlb_entry *tlb_find_nested(const struct tlb *t, uint64_t vpn, uint16_t asid, uint16_t vmid,
                                  bool is_bare);
/* Place a translation in vpn's set: an invalid way if any, else the least
 * recently used one (dropped first). Returns the entry, stamped as just used. */
struct tlb_entry *tlb_insert(struct tlb *t, const struct tlb_entry *fill);
/* Invalidate every entry of every VM (--vmid off: the flush on a VM switch). */
void tlb_flush_all(struct tlb *t);
/* Invalidate every entry of the running VM (HFENCE.GVMA with rs1 = x0). */
void tlb_flush_vmid(struct tlb *t);
/* Invalidate one entry. */
void tlb_drop(struct tlb *t, struct tlb_entry *te);
/* SFENCE.VMA (§4.2.1) of the running VM: all_va/all_asid as rs1/rs2 == x0. */
void tlb_sfence(struct tlb *t, bool all_va, gva_t gva, bool all_asid, uint16_t asid);
/* All entries, set after set; *out_ways per set. Returns the entry count. */
unsigned tlb_view(const struct tlb *t, const struct tlb_entry **out, unsigned *out_ways);

/* ---------------------------------------------------------------- mmu */

#define PWC_ENTRIES 16 /* --pwc on: a fully associative stage-2 TLB, true LRU */

struct pwc_entry {
    bool valid;
    gpa_t gpa_page;
    struct s2_result s2;
    uint64_t lru;
};

struct mmu {
    struct gmem *gm;
    const struct pmp *pmp; /* the hart's PMP CSRs */
    struct mmu_stats stats;
    struct tlb *tlb;
    bool owns_tlb; /* false: the physical CPU's TLB, shared (mmu_config.shared_tlb) */
    struct walker walker;
    struct mmu_fast fast;
    walk_observer_fn observer;
    void *observer_ctx;
    enum mmu_mode mode;
    struct s2_table *s2; /* MMU_NESTED */
    hpa_t shadow_root;   /* MMU_SHADOW: the VMM's table for the current satp (0: none) */
    uint16_t vmid;
    bool pwc_enabled;
    uint64_t pwc_clock;
    struct pwc_entry pwc[PWC_ENTRIES];
};

/* Shared by mmu.c and nested.c. */
uint16_t satp_asid(uint64_t satp);
unsigned satp_levels(uint64_t satp);
void mmu_walk_req(const struct xlate_req *req, struct walk_req *wr);
void xlate_out_init(struct xlate_out *out);
/* PMP for the access itself; false: access fault. */
bool mmu_pmp_allows(const struct mmu *m, const struct xlate_req *req, gpa_t gpa);
/* A counted walk's start and end: begin/finish, and the walk observer's trace (--trace walks). */
void mmu_walk_start(const struct mmu *m, struct walker *w, struct walk_trace *trace,
                    struct walk_result *res);
void mmu_walk_end(const struct mmu *m, const struct walker *w, gva_t gva, struct walk_trace *trace,
                  const struct walk_result *res);
/* The last step of every translation: PMP, the map's kind and flags, the host bytes (mmu.c). */
void mmu_physical(const struct mmu *m, const struct xlate_req *req, gpa_t gpa, struct tlb_entry *te,
                  hpa_t hpa_page, struct xlate_out *out);
void mmu_fast_install(struct mmu *m, const struct xlate_req *req, const struct xlate_out *out);
/* --mmu nested's translate and probe (mmu/nested.c). */
void nested_translate(struct mmu *m, const struct xlate_req *req, struct xlate_out *out);
/* --mmu shadow's, for translated accesses (mmu/shadowed.c); bare ones go the native way. */
void shadowed_translate(struct mmu *m, const struct xlate_req *req, struct xlate_out *out);
void shadowed_probe(const struct mmu *m, const struct xlate_req *req, struct xlate_out *out,
                    struct walk_trace *trace);
void nested_probe(const struct mmu *m, const struct xlate_req *req, struct xlate_out *out,
                  struct walk_trace *trace);
/* --mmu direct's translate and probe (mmu/direct.c). */
void direct_translate(struct mmu *m, const struct xlate_req *req, struct xlate_out *out);
void direct_probe(const struct mmu *m, const struct xlate_req *req, struct xlate_out *out,
                  struct walk_trace *trace);
/* The hook a stage-1 walk uses under --mmu nested (ctx: the mmu). */
int nested_s2_hook(void *ctx, const struct walker *w, struct walk_result *res, gpa_t pte_gpa,
                   enum access_type acc, hpa_t *out_hpa);

#endif
