/*
 * shadowpt/shadowpt.h - shadow page tables (--mmu shadow): the VMM keeps,
 * for each guest address space, a GVA -> HPA table in host frames that the
 * MMU walks instead of the guest's GVA -> GPA table, fills it on the faults
 * it causes, and keeps it in step by write-protecting the guest's page-table
 * pages (every guest PTE store exits as pt_write).
 * Course: 内存虚拟化 / 影子页表 (hidden faults vs. true faults, write
 *         protection of guest page tables, a cache of shadow roots).
 * Spec: Privileged 20211203, §4.3.2 (the guest walk the VMM repeats in
 *       software), §4.1.11 "satp", §4.2.1 "SFENCE.VMA".
 */
#ifndef VMLAB_SHADOWPT_SHADOWPT_H
#define VMLAB_SHADOWPT_SHADOWPT_H

#include <stdint.h>

#include "mmu/mmu.h"

struct shadow;

struct shadow_stats {
    uint64_t hidden_faults;   /* shadow faults the VMM fixed: the guest never saw them */
    uint64_t true_faults;     /* faults of the guest's own table: reflected into the guest */
    uint64_t pt_writes;       /* guest PTE stores the VMM performed (exits.pt_write) */
    uint64_t syncs;           /* shadow roots built anew (a satp write the cache missed) */
    uint64_t cache_hits;      /* satp writes that found their shadow root in the cache */
    uint64_t guest_pte_reads; /* guest PTEs the VMM read in software (VMM work) */
    uint64_t spte_writes;     /* shadow PTEs the VMM wrote or cleared (VMM work) */
    uint64_t guest_ad_writes; /* guest PTEs whose A/D the VMM set, as the hart would */
    uint64_t frames;          /* host frames holding shadow tables now */
};

/* One guest access that faulted in the shadow table, as the hart made it. */
struct shadow_access {
    gva_t gva;
    enum access_type acc;
    enum priv_level priv; /* effective (after MPRV for data) */
    uint64_t satp;
    bool sum, mxr;
};

enum shadow_verdict {
    SHADOW_FIXED,      /* hidden: the shadow now maps it; run the access again */
    SHADOW_TRUE_FAULT, /* the guest's own table refuses it: *out_cause for the guest */
    SHADOW_NO_MEMORY,  /* no host frame for a shadow table, even after flushing */
};

/*
 * max_roots: --shadow-cache N (shadow roots kept for address spaces not in
 * use); max_frames: the bound on host frames for all shadow tables.
 */
struct shadow *shadow_create(struct gmem *gm, struct mmu *mmu, const struct pmp *pmp,
                             unsigned max_roots, unsigned max_frames);
void shadow_destroy(struct shadow *s);
/* The guest's satp may have changed (after an emulated CSR write): switch roots. */
void shadow_set_satp(struct shadow *s, uint64_t satp);
/* A shadow fault: fill the shadow from the guest's table, or say it is the guest's fault. */
enum shadow_verdict shadow_fault(struct shadow *s, const struct shadow_access *a,
                                 uint64_t *out_cause);
/* A guest store of `size` bytes of data at gpa, in a write-protected page table: do it. */
void shadow_pt_write(struct shadow *s, gpa_t gpa, unsigned size, uint64_t data);
/* The same when the store is already done (an AMO or SC the hart performed for the VMM). */
void shadow_pt_written(struct shadow *s, gpa_t gpa, unsigned size);
/* Forget every shadow table (VM reset). */
void shadow_reset(struct shadow *s);
const struct shadow_stats *shadow_stats(const struct shadow *s);

#endif
