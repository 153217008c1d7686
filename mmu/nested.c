/*
 * mmu/nested.c - --mmu nested: two-stage translation as hardware with a
 * second-stage table does it (Intel EPT, ARM stage 2, RISC-V G-stage). The
 * guest's own table (stage 1, GVA -> GPA) is walked as under native, but
 * every PTE address it reads is a GPA that a stage-2 walk must first turn
 * into an HPA, and so is the GPA the walk ends at. The TLB then caches the
 * whole GVA -> HPA result, tagged with ASID and VMID.
 * Course: 内存虚拟化 / 硬件虚拟化 (EPT, 两级页表): a cold Sv48 x Sv48x4 walk
 *         reads (4+1)(4+1)-1 = 24 PTEs; TLB tagged with VMID; stage-2
 *         faults handled by the VMM (demand paging of guest RAM).
 * Spec: Privileged 20211203, §8.5 "Two-Stage Address Translation" (every
 *       VS-stage PTE access is itself G-stage translated; G-stage faults
 *       report the GPA), §4.3.2 (the stage-1 walk).
 *
 *   guest access at GVA
 *     TLB (vpn, ASID, VMID) hit -> HPA, no PTE read
 *     miss -> stage-1 walk: for each level, stage 2 (n2 reads) + the PTE (1 read)
 *             then stage 2 for the final GPA (n2 reads)
 *             = n1 (n2 + 1) + n2 = (n1 + 1)(n2 + 1) - 1 reads, one walk
 *
 * Without a stage 1 (the guest's M-mode, or satp Bare) an access still
 * crosses stage 2: GPA = GVA, n1 = 0, n2 reads, and the TLB keeps it as a
 * bare entry. A stage-2 fault is the VMM's (XLATE_S2_FAULT with the GPA):
 * it maps the page (demand paging) or gives the guest an access fault - except
 * where the final GPA is a device window: that is an MMIO access, handed to
 * the VMM as one MMIO exit (DESIGN.md: it counts once, as mmio).
 * Simplified: the stage-2 TLB of --pwc on (16 entries, fully associative,
 * LRU) is the only walk cache; no paging-structure cache for stage 1. The
 * VMM's uncounted probe (monitor `walk`) uses what it holds without
 * touching it, and shows each of its answers as a "PWC hit" step.
 */
#include "mmu/internal.h"

#include <errno.h>

#include "cpu/encoding.h"

/* ---------------------------------------------------------- stage-2 TLB */

static bool s2_perms_allow_acc(uint8_t perms, enum access_type acc)
{
    switch (acc) {
    case ACCESS_FETCH:
        return (perms & PTE_X) != 0;
    case ACCESS_LOAD:
        return (perms & PTE_R) != 0;
    case ACCESS_STORE:
        return (perms & PTE_W) != 0;
    }
    return false;
}

static struct pwc_entry *pwc_find(struct mmu *m, gpa_t gpa_page)
{
    for (unsigned i = 0; i < PWC_ENTRIES; i++) {
        if (m->pwc[i].valid && m->pwc[i].gpa_page == gpa_page) {
            return &m->pwc[i];
        }
    }
    return NULL;
}

static void pwc_fill(struct mmu *m, gpa_t gpa_page, const struct s2_result *s2)
{
    struct pwc_entry *victim = &m->pwc[0];

    for (unsigned i = 0; i < PWC_ENTRIES; i++) {
        if (!m->pwc[i].valid) {
            victim = &m->pwc[i];
            break;
        }
        if (m->pwc[i].lru < victim->lru) {
            victim = &m->pwc[i];
        }
    }
    victim->valid = true;
    victim->gpa_page = gpa_page;
    victim->s2 = *s2;
    victim->lru = ++m->pwc_clock;
}

/*
 * Stage 2 for one GPA: the stage-2 TLB when --pwc on (a counted walk only),
 * else a walk, every read counted into res. 0, or -EFAULT with
 * res->s2_fault_gpa = gpa.
 */
static int nested_stage2(struct mmu *m, const struct walker *w, struct walk_result *res, gpa_t gpa,
                         enum access_type acc, struct s2_result *out)
{
    gpa_t gpa_page = gpa & ~PAGE_MASK;
    bool use_pwc = m->pwc_enabled && w->stats;
    struct pwc_entry *pe = m->pwc_enabled ? pwc_find(m, gpa_page) : NULL;

    if (pe && s2_perms_allow_acc(pe->s2.perms, acc)) {
        if (use_pwc) {
            pe->lru = ++m->pwc_clock;
            w->stats->pwc_hits++;
        }
        walk_note_pwc_hit(w, gpa, pe->s2.hpa_page); /* the probe shows it, and uses it too */
        *out = pe->s2;
        return 0;
    }
    if (walk_stage2(w, m->s2, res, gpa, acc, out) != 0) {
        res->s2_fault_gpa = gpa;
        return -EFAULT;
    }
    if (use_pwc) {
        pwc_fill(m, gpa_page, out);
    }
    return 0;
}

int nested_s2_hook(void *ctx, const struct walker *w, struct walk_result *res, gpa_t pte_gpa,
                   enum access_type acc, hpa_t *out_hpa)
{
    struct s2_result s2;

    /* the guest's PTE is read (or, for A/D, written): stage 2 must allow that */
    if (nested_stage2(ctx, w, res, pte_gpa, acc, &s2) != 0) {
        return -EAGAIN;
    }
    *out_hpa = s2.hpa_page | (pte_gpa & PAGE_MASK);
    return 0;
}

/* ------------------------------------------------------------- the walk */

static bool nested_is_bare(const struct xlate_req *req)
{
    return req->priv == PRV_M || satp_levels(req->satp) == 0;
}

/*
 * The 2-D walk into res (both stages, one walk): stage 1 unless bare, then
 * stage 2 of the GPA it ends at. *out_gpa is that GPA (when stage 1 gave one).
 */
static void nested_walk(struct mmu *m, const struct walker *w, const struct xlate_req *req,
                        struct walk_result *res, struct s2_result *s2, gpa_t *out_gpa)
{
    struct walk_req wr;

    walk_begin(w, res);
    *out_gpa = req->gva;
    if (nested_is_bare(req)) {
        res->status = XLATE_OK;
        res->pte_perms = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
    } else {
        mmu_walk_req(req, &wr);
        walk_stage1(w, &wr, res);
        if (res->status != XLATE_OK) {
            return;
        }
        *out_gpa = res->gpa_page | (req->gva & PAGE_MASK);
    }
    if (nested_stage2(m, w, res, *out_gpa, req->acc, s2) != 0) {
        res->status = XLATE_S2_FAULT;
    }
}

/*
 * A stage-2 fault at the access's own GPA that lands in a device window is
 * an MMIO access (fetches: access fault, §3.6.1). Anything else stays the
 * VMM's stage-2 fault.
 */
static void nested_fault(const struct mmu *m, const struct xlate_req *req,
                         const struct walk_result *res, gpa_t gpa, struct xlate_out *out)
{
    struct gpa_info info;

    out->status = res->status;
    out->fault_gpa = res->s2_fault_gpa;
    if (res->status != XLATE_S2_FAULT || res->s2_fault_gpa != gpa) {
        return;
    }
    gmem_lookup(m->gm, gpa, &info);
    if (info.kind != GPA_MMIO) {
        return;
    }
    out->gpa = gpa;
    out->status = XLATE_ACCESS_FAULT;
    if (req->acc != ACCESS_FETCH && mmu_pmp_allows(m, req, gpa)) {
        out->status = XLATE_MMIO;
    }
}

/* TLB miss: the counted 2-D walk; a successful one fills the TLB. */
static struct tlb_entry *nested_walk_fill(struct mmu *m, const struct xlate_req *req,
                                          struct xlate_out *out)
{
    struct walker w = m->walker;
    struct walk_trace trace;
    struct walk_result res;
    struct s2_result s2 = {0};
    struct tlb_entry fill = {0};
    gpa_t gpa;

    mmu_walk_start(m, &w, &trace, &res);
    nested_walk(m, &w, req, &res, &s2, &gpa);
    mmu_walk_end(m, &w, req->gva, &trace, &res);
    if (res.status != XLATE_OK) {
        nested_fault(m, req, &res, gpa, out);
        return NULL;
    }
    fill.vpn = req->gva >> PAGE_SHIFT;
    fill.is_bare = nested_is_bare(req);
    fill.asid = fill.is_bare ? 0 : satp_asid(req->satp);
    fill.vmid = m->vmid;
    fill.global = !fill.is_bare && res.global;
    fill.level = (uint8_t)res.level;
    fill.pte_perms = res.pte_perms;
    fill.s2_perms = s2.perms;
    fill.gpa_page = gpa & ~PAGE_MASK;
    fill.hpa_page = s2.hpa_page;
    return tlb_insert(m->tlb, &fill);
}

/* The TLB's answer, checked as a walk would check it; NULL: out says why, or walk. */
static struct tlb_entry *nested_tlb_hit(struct mmu *m, const struct xlate_req *req,
                                        struct tlb_entry *te, struct xlate_out *out, bool *walk)
{
    *walk = false;
    tlb_touch(&m->fast, te);
    if (!te->is_bare && !pte_perms_allow(te->pte_perms, req->acc, req->priv, req->sum, req->mxr)) {
        out->status = XLATE_PAGE_FAULT;
        return NULL;
    }
    if (!te->is_bare && req->acc == ACCESS_STORE && !(te->pte_perms & PTE_D)) {
        tlb_drop(m->tlb, te); /* the hart sets D in the PTE: walk again */
        *walk = true;
        return NULL;
    }
    if (!s2_perms_allow_acc(te->s2_perms, req->acc)) {
        out->status = XLATE_S2_FAULT; /* e.g. a store to ROM: stage 2 maps it R/X */
        out->fault_gpa = te->gpa_page | (req->gva & PAGE_MASK);
        return NULL;
    }
    return te;
}

void nested_translate(struct mmu *m, const struct xlate_req *req, struct xlate_out *out)
{
    bool is_bare = nested_is_bare(req);
    struct tlb_entry *te;
    bool walk = true;

    if (!is_bare && !gva_is_canonical(req->gva, PAGE_SHIFT + VPN_BITS * satp_levels(req->satp))) {
        out->status = XLATE_PAGE_FAULT;
        return;
    }
    te = tlb_find_nested(m->tlb, req->gva >> PAGE_SHIFT, satp_asid(req->satp), m->vmid, is_bare);
    if (te) {
        te = nested_tlb_hit(m, req, te, out, &walk);
    } else {
        m->stats.tlb_misses++;
    }
    if (!te && walk) {
        te = nested_walk_fill(m, req, out);
    }
    if (!te) {
        return;
    }
    mmu_physical(m, req, te->gpa_page | (req->gva & PAGE_MASK), te, te->hpa_page, out);
    if (out->status == XLATE_OK && m->fast.enabled) {
        mmu_fast_install(m, req, out);
    }
}

void nested_probe(const struct mmu *m, const struct xlate_req *req, struct xlate_out *out,
                  struct walk_trace *trace)
{
    struct walker w = m->walker;
    struct walk_result res;
    struct s2_result s2 = {0};
    struct tlb_entry probe = {0};
    gpa_t gpa;

    w.stats = NULL; /* uncounted, no A/D writes, no stage-2 TLB */
    w.trace = trace;
    if (!nested_is_bare(req) &&
        !gva_is_canonical(req->gva, PAGE_SHIFT + VPN_BITS * satp_levels(req->satp))) {
        out->status = XLATE_PAGE_FAULT;
        return;
    }
    if (trace) {
        trace->tlb_hit = tlb_find_nested(m->tlb, req->gva >> PAGE_SHIFT, satp_asid(req->satp),
                                         m->vmid, nested_is_bare(req)) != NULL;
    }
    nested_walk((struct mmu *)m, &w, req, &res, &s2, &gpa);
    if (res.status != XLATE_OK) {
        nested_fault(m, req, &res, gpa, out);
        return;
    }
    probe.gpa_page = gpa & ~PAGE_MASK;
    probe.hpa_page = s2.hpa_page;
    mmu_physical(m, req, probe.gpa_page | (req->gva & PAGE_MASK), NULL, probe.hpa_page, out);
}
