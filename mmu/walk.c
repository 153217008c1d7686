/*
 * mmu/walk.c - the stage-1 page-table walker: one walker for Sv39 and Sv48,
 * parameterized by the number of levels, following the spec's algorithm
 * step by step. Every PTE access goes through one counted accessor.
 * Course: 内存虚拟化 / 页表遍历, 翻译过程 (GVA -> GPA through the guest's
 *         own page table; a cold Sv39 walk reads 3 PTEs, Sv48 reads 4).
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process",
 *       §4.3.1 "Addressing and Memory Protection" (U, SUM, MXR, G),
 *       §4.4 "Sv39", §4.5 "Sv48", §3.7.1 (PTE accesses are S-mode for PMP).
 *
 *   Sv39 VA:  | 63..39 = bit 38 | VPN[2] 38..30 | VPN[1] 29..21 | VPN[0] 20..12 | offset |
 *   Sv48 VA:  | 63..48 = bit 47 | VPN[3] 47..39 | VPN[2] ... VPN[0] | offset 11..0 |
 *   PTE:      | 63..54 rsvd | PPN 53..10 | RSW 9..8 | D A G U X W R V |
 *
 * Simplified: the hart sets A/D itself (the Svadu behaviour QEMU has), with
 * an atomic compare-and-swap on the PTE; if the PTE changed under it the
 * walk starts again (a bounded number of times). Non-leaf A/D/U bits are not
 * checked (reserved for software to clear, not a fault in this spec).
 */
#include "mmu/internal.h"

#include <endian.h>
#include <errno.h>

#include "cpu/encoding.h"

#define WALK_MAX_RESTARTS 4 /* PTE changed between read and A/D update */
#define PTE_LEAF_BITS     (PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D)

enum walk_progress { WALK_DONE, WALK_RESTART };

bool gva_is_canonical(gva_t gva, unsigned va_bits)
{
    uint64_t top = gva >> (va_bits - 1); /* bit va_bits-1 and everything above it */

    return top == 0 || top == (UINT64_MAX >> (va_bits - 1));
}

bool pte_perms_allow(uint8_t pte_perms, enum access_type acc, enum priv_level priv, bool sum,
                     bool mxr)
{
    bool is_user_page = (pte_perms & PTE_U) != 0;

    if (priv == PRV_U && !is_user_page) {
        return false; /* §4.3.1: U-mode may only use U=1 pages */
    }
    if (priv != PRV_U && is_user_page && (acc == ACCESS_FETCH || !sum)) {
        return false; /* §4.3.1: S-mode never executes U pages, accesses them only with SUM */
    }
    switch (acc) {
    case ACCESS_FETCH:
        return (pte_perms & PTE_X) != 0;
    case ACCESS_LOAD:
        /* §3.1.6.3 MXR: loads from execute-only pages */
        return (pte_perms & PTE_R) || (mxr && (pte_perms & PTE_X));
    case ACCESS_STORE:
        return (pte_perms & PTE_W) != 0;
    }
    return false;
}

/* Record one access in the trace, if there is one and it has room. */
static void walk_trace_add(const struct walker *w, unsigned stage, unsigned level, bool is_write,
                           gpa_t pte_gpa, hpa_t pte_hpa, uint64_t pte)
{
    struct walk_step *step;

    if (!w->trace || w->trace->n >= WALK_TRACE_MAX) {
        return;
    }
    step = &w->trace->step[w->trace->n++];
    step->pwc_hit = false;
    step->stage = (uint8_t)stage;
    step->level = (uint8_t)level;
    step->is_write = is_write;
    step->pte_gpa = pte_gpa;
    step->pte_hpa = pte_hpa;
    step->pte = pte;
}

void walk_note_pwc_hit(const struct walker *w, gpa_t gpa, hpa_t hpa_page)
{
    if (w->trace && w->trace->n < WALK_TRACE_MAX) {
        walk_trace_add(w, 2, 0, false, gpa, hpa_page, 0);
        w->trace->step[w->trace->n - 1].pwc_hit = true;
    }
}

void walk_note_read(const struct walker *w, struct walk_result *res, unsigned stage, unsigned level,
                    gpa_t pte_gpa, hpa_t pte_hpa, uint64_t pte)
{
    res->accesses++;
    if (w->stats) {
        w->stats->walk_accesses++;
        if (stage == 1) {
            w->stats->walk_s1_accesses++;
        } else {
            w->stats->walk_s2_accesses++;
        }
    }
    walk_trace_add(w, stage, level, false, pte_gpa, pte_hpa, pte);
}

/*
 * Find the host word of the PTE at pte_gpa: the stage-2 hook (GPA -> HPA),
 * then PMP as an S-mode access of 8 bytes (§3.7.1). 0, -EFAULT: access
 * fault, -EAGAIN: stage-2 fault (res->s2_fault_gpa says where).
 */
static int pte_locate(const struct walker *w, struct walk_result *res, gpa_t pte_gpa,
                      enum access_type acc, hpa_t *out_hpa, uint64_t **out_host)
{
    int r = w->s2.translate(w->s2.ctx, w, res, pte_gpa, acc, out_hpa);

    if (r != 0) {
        return r;
    }
    if (!pmp_check(w->pmp, pte_gpa, PTE_SIZE, acc, PRV_S)) {
        return -EFAULT;
    }
    *out_host = (uint64_t *)hostmem_ptr(w->hm, *out_hpa); /* PTE_SIZE-aligned in one frame */
    return *out_host ? 0 : -EFAULT;
}

/* The status a failed pte_locate ends the walk with. */
static enum xlate_status pte_locate_status(int r)
{
    return r == -EAGAIN ? XLATE_S2_FAULT : XLATE_ACCESS_FAULT;
}

/* The one counted PTE read (§4.3.2 step 2): the PTE and where it is. 0, or pte_locate's error. */
static int pte_read(const struct walker *w, gpa_t pte_gpa, unsigned level, uint64_t *out_pte,
                    hpa_t *out_pte_hpa, struct walk_result *out)
{
    uint64_t *host = NULL;
    int r = pte_locate(w, out, pte_gpa, ACCESS_LOAD, out_pte_hpa, &host);

    if (r != 0) {
        return r;
    }
    *out_pte = le64toh(__atomic_load_n(host, __ATOMIC_ACQUIRE));
    walk_note_read(w, out, 1, level, pte_gpa, *out_pte_hpa, *out_pte);
    return 0;
}

/*
 * The hart's A/D update (§4.3.2 step 7): replace old_pte by new_pte if the
 * PTE still holds old_pte. The PTE is written where the read found it
 * (pte_hpa: no second stage-2 walk; the VMM maps guest RAM writable at
 * stage 2), after PMP allows the store. 0 done, -EBUSY it changed (walk
 * again), -EFAULT not allowed (access fault).
 */
static int pte_update(const struct walker *w, gpa_t pte_gpa, hpa_t pte_hpa, unsigned level,
                      uint64_t old_pte, uint64_t new_pte)
{
    uint64_t *host = (uint64_t *)hostmem_ptr(w->hm, pte_hpa);
    uint64_t expected = htole64(old_pte);

    if (!host || !pmp_check(w->pmp, pte_gpa, PTE_SIZE, ACCESS_STORE, PRV_S)) {
        return -EFAULT;
    }
    if (!__atomic_compare_exchange_n(host, &expected, htole64(new_pte), false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        return -EBUSY;
    }
    w->stats->walk_pte_writes++;
    walk_trace_add(w, 1, level, true, pte_gpa, pte_hpa, new_pte);
    return 0;
}

/* Bits of the VA below a leaf at `level`: 12 + 9 * level. */
static unsigned leaf_offset_bits(unsigned level)
{
    return PAGE_SHIFT + VPN_BITS * level;
}

/* §4.3.2 steps 5-8: a leaf PTE at `level` was found at pte_gpa. */
static enum walk_progress walk_leaf(const struct walker *w, const struct walk_req *req,
                                    gpa_t pte_gpa, hpa_t pte_hpa, unsigned level, uint64_t pte,
                                    struct walk_result *out)
{
    uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
    uint64_t offset_mask = (1ull << leaf_offset_bits(level)) - 1;
    bool is_store = req->acc == ACCESS_STORE;

    /* step 5: R/W/X/U against the privilege, SUM and MXR */
    if (!pte_perms_allow((uint8_t)pte, req->acc, req->priv, req->sum, req->mxr)) {
        return WALK_DONE;
    }
    /* step 6: a superpage's PPN[i-1:0] must be zero */
    if (level > 0 && (ppn & ((1ull << (VPN_BITS * level)) - 1)) != 0) {
        return WALK_DONE;
    }
    /* step 7: A = 0, or a store with D = 0: the hart sets them (a counted write) */
    if (w->stats && (!(pte & PTE_A) || (is_store && !(pte & PTE_D)))) {
        uint64_t new_pte = pte | PTE_A | (is_store ? PTE_D : 0);
        int r = pte_update(w, pte_gpa, pte_hpa, level, pte, new_pte);
        if (r == -EBUSY) {
            return WALK_RESTART;
        }
        if (r != 0) {
            out->status = pte_locate_status(r);
            return WALK_DONE;
        }
        pte = new_pte;
    }
    /* step 8: pa = ppn[LEVELS-1:i] of the PTE, the VA's bits below the leaf */
    out->status = XLATE_OK;
    out->gpa_page = ((ppn << PAGE_SHIFT) | (req->gva & offset_mask)) & ~PAGE_MASK;
    out->level = level;
    out->pte_perms = (uint8_t)(pte & PTE_LEAF_BITS);
    return WALK_DONE;
}

/* One pass of §4.3.2; out->status is XLATE_PAGE_FAULT unless a step says otherwise. */
static enum walk_progress walk_once(const struct walker *w, const struct walk_req *req,
                                    struct walk_result *out)
{
    gpa_t table_gpa = req->root_gpa; /* step 1: a = satp.ppn * PAGESIZE, i = LEVELS - 1 */
    bool is_global = false;

    out->status = XLATE_PAGE_FAULT;
    if (!gva_is_canonical(req->gva, leaf_offset_bits(req->levels))) {
        return WALK_DONE; /* §4.4.1/§4.5.1: VA bits above the top VPN must copy its top bit */
    }
    for (int level = (int)req->levels - 1; level >= 0; level--) {
        unsigned vpn =
            (unsigned)(req->gva >> leaf_offset_bits((unsigned)level)) & ((1u << VPN_BITS) - 1);
        gpa_t pte_gpa = table_gpa + (gpa_t)vpn * PTE_SIZE;
        hpa_t pte_hpa = 0;
        uint64_t pte;

        /* step 2: read the PTE; PMP or no memory there -> access fault */
        int r = pte_read(w, pte_gpa, (unsigned)level, &pte, &pte_hpa, out);
        if (r != 0) {
            out->status = pte_locate_status(r);
            return WALK_DONE;
        }
        /* step 3: V = 0, W without R, or reserved bits 63:54 -> page fault */
        if (!(pte & PTE_V) || ((pte & PTE_W) && !(pte & PTE_R)) || (pte & PTE_RESERVED_MASK)) {
            return WALK_DONE;
        }
        /* §4.3.1: G on a table makes everything below it global */
        is_global = is_global || (pte & PTE_G);
        out->global = is_global;
        /* step 4: R or X set -> a leaf (step 5); else the next level's table */
        if (pte & (PTE_R | PTE_X)) {
            return walk_leaf(w, req, pte_gpa, pte_hpa, (unsigned)level, pte, out);
        }
        table_gpa = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT;
    }
    return WALK_DONE; /* step 4: i < 0 with a non-leaf PTE -> page fault */
}

void walk_begin(const struct walker *w, struct walk_result *res)
{
    res->status = XLATE_PAGE_FAULT;
    res->gpa_page = 0;
    res->level = 0;
    res->pte_perms = 0;
    res->global = false;
    res->accesses = 0;
    res->s2_fault_gpa = 0;
    if (w->trace) {
        w->trace->n = 0;
    }
}

void walk_finish(const struct walker *w, const struct walk_result *res)
{
    if (w->stats) {
        w->stats->walk_count++;
        if (res->accesses > w->stats->walk_max_accesses) {
            w->stats->walk_max_accesses = res->accesses;
        }
    }
}

void walk_stage1(const struct walker *w, const struct walk_req *req, struct walk_result *out)
{
    for (unsigned pass = 0; pass < WALK_MAX_RESTARTS; pass++) {
        if (walk_once(w, req, out) == WALK_DONE) {
            break;
        }
        out->status = XLATE_PAGE_FAULT; /* if the restarts run out: the PTE keeps changing */
    }
}
