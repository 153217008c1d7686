/*
 * mmu/direct.c - --mmu direct: translation as Xen PV "direct paging" does
 * it. The guest's page tables hold host frame numbers: satp.PPN is the root
 * table's HPA >> 12 and every PTE's PPN is an HPA (a "machine frame"), so
 * the hardware walks them with no second stage and the TLB caches GVA -> HPA.
 * The guest may not write its tables itself (mmu/pvpt.c validates the
 * hypercalls that do); the walker still checks every frame it touches.
 * Course: 内存虚拟化 / 直接页表 (Xen 半虚拟化): a cold Sv39 walk reads 3 PTEs,
 *         Sv48 4 - cheaper than nested's 15 / 24 - at the price of a
 *         modified (paravirtual) guest kernel.
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process"
 *       (the walk, here over HPAs), §3.7 "Physical Memory Protection" (on
 *       the GPA each frame backs).
 *
 *   guest access at GVA, satp on
 *     TLB (vpn, ASID) hit -> HPA, no PTE read
 *     miss -> walk: n1 PTE reads, each at an HPA that must be this VM's RAM
 *             leaf PPN = the HPA; the GPA it backs is kept for PMP and flags
 *   M-mode or satp Bare: GPA through the VMM's map, as --mmu native
 *
 * Defence in depth: a table or leaf HPA that is not this VM's RAM (the
 * validator should make that impossible, but guest M-mode may load any
 * satp) is an access fault, counted in direct.foreign_frames. A store to a
 * pinned page table (GPAGE_PT_PINNED) by any path is a store access fault.
 * Simplified: PMP for the hart's A/D update of a PTE is checked as for its
 * read (a load); the monitor's `walk` shows each table's HPA in both the GPA
 * and the HPA column, since that is what the guest's table holds.
 */
#include "mmu/internal.h"

#include <errno.h>

#include "cpu/encoding.h"

/* The walker's PMP check sees HPAs here: PMP is done on the GPA by the hook instead. */
static const struct pmp no_pmp;

static bool direct_is_bare(const struct xlate_req *req)
{
    return req->priv == PRV_M || satp_levels(req->satp) == 0;
}

/* Is hpa in a frame of this VM's RAM? *out_gpa the GPA it backs. Counts a foreign frame. */
static bool direct_frame(const struct mmu *m, struct mmu_stats *stats, hpa_t hpa, gpa_t *out_gpa)
{
    struct gpa_info info;

    if (gmem_gpa_of_hpa(m->gm, hpa, out_gpa)) {
        gmem_lookup(m->gm, *out_gpa, &info);
        if (info.kind == GPA_RAM) {
            return true;
        }
    }
    if (stats) {
        stats->direct_foreign_frames++;
    }
    return false;
}

/*
 * The walker's "stage 2" under --mmu direct: the PTE address is already an
 * HPA. It must be this VM's RAM, and PMP must allow the access at the GPA
 * that frame backs (§3.7.1: PTE accesses are S-mode accesses).
 */
static int direct_pte_hook(void *ctx, const struct walker *w, struct walk_result *res,
                           gpa_t pte_hpa, enum access_type acc, hpa_t *out_hpa)
{
    const struct mmu *m = ctx;
    gpa_t pte_gpa;

    (void)res;
    if (!direct_frame(m, w->stats, pte_hpa, &pte_gpa) ||
        !pmp_check(m->pmp, pte_gpa, PTE_SIZE, acc, PRV_S)) {
        return -EFAULT;
    }
    *out_hpa = pte_hpa;
    return 0;
}

static void direct_walker(const struct mmu *m, struct walker *w)
{
    *w = m->walker;
    w->pmp = &no_pmp;
    w->s2.translate = direct_pte_hook;
    w->s2.ctx = (void *)m;
}

/* -------------------------------------------------------- translation */

/* TLB miss: a counted walk over HPAs; a successful one fills the TLB. */
static struct tlb_entry *direct_walk_fill(struct mmu *m, const struct xlate_req *req,
                                          struct xlate_out *out)
{
    struct walker w;
    struct walk_trace trace;
    struct walk_req wr;
    struct walk_result res;
    struct tlb_entry fill = {0};
    gpa_t gpa_page;

    direct_walker(m, &w);
    mmu_walk_req(req, &wr); /* wr.root_gpa is the root's HPA */
    mmu_walk_start(m, &w, &trace, &res);
    walk_stage1(&w, &wr, &res);
    mmu_walk_end(m, &w, req->gva, &trace, &res);
    if (res.status == XLATE_OK && !direct_frame(m, &m->stats, res.gpa_page, &gpa_page)) {
        res.status = XLATE_ACCESS_FAULT; /* the leaf names a frame that is not ours */
    }
    if (res.status != XLATE_OK) {
        out->status = res.status;
        return NULL;
    }
    fill.vpn = req->gva >> PAGE_SHIFT;
    fill.asid = satp_asid(req->satp);
    fill.global = res.global;
    fill.level = (uint8_t)res.level;
    fill.pte_perms = res.pte_perms;
    fill.gpa_page = gpa_page;
    fill.hpa_page = res.gpa_page; /* the walker's "GPA" is the leaf's HPA here */
    return tlb_insert(m->tlb, &fill);
}

/* GVA -> TLB entry (GPA and HPA): TLB lookup, the walk on a miss. NULL: out says why. */
static struct tlb_entry *direct_stage1(struct mmu *m, const struct xlate_req *req,
                                       struct xlate_out *out)
{
    struct tlb_entry *te;

    if (!gva_is_canonical(req->gva, PAGE_SHIFT + VPN_BITS * satp_levels(req->satp))) {
        out->status = XLATE_PAGE_FAULT;
        return NULL;
    }
    te = tlb_find(m->tlb, req->gva >> PAGE_SHIFT, satp_asid(req->satp));
    if (!te) {
        m->stats.tlb_misses++;
        return direct_walk_fill(m, req, out);
    }
    tlb_touch(&m->fast, te);
    if (!pte_perms_allow(te->pte_perms, req->acc, req->priv, req->sum, req->mxr)) {
        out->status = XLATE_PAGE_FAULT;
        return NULL;
    }
    if (req->acc == ACCESS_STORE && !(te->pte_perms & PTE_D)) {
        tlb_drop(m->tlb, te); /* the hart sets D in the PTE: walk again */
        return direct_walk_fill(m, req, out);
    }
    return te;
}

void direct_translate(struct mmu *m, const struct xlate_req *req, struct xlate_out *out)
{
    struct tlb_entry *te = NULL;
    gpa_t gpa = req->gva; /* M-mode or satp Bare: GPA = GVA */

    if (!direct_is_bare(req)) {
        te = direct_stage1(m, req, out);
        if (!te) {
            return;
        }
        gpa = te->gpa_page | (req->gva & PAGE_MASK);
    }
    mmu_physical(m, req, gpa, te, 0, out);
    if (out->status == XLATE_OK && te && out->hpa != (te->hpa_page | (req->gva & PAGE_MASK))) {
        out->status = XLATE_ACCESS_FAULT; /* the VMM's map moved under the entry: a vmlab bug */
    }
    if (out->status == XLATE_OK && m->fast.enabled) {
        mmu_fast_install(m, req, out);
    }
}

void direct_probe(const struct mmu *m, const struct xlate_req *req, struct xlate_out *out,
                  struct walk_trace *trace)
{
    struct walker w;
    struct walk_req wr;
    struct walk_result res;
    struct tlb_entry *te;
    gpa_t gpa_page;

    if (direct_is_bare(req)) {
        mmu_physical(m, req, req->gva, NULL, 0, out);
        return;
    }
    if (!gva_is_canonical(req->gva, PAGE_SHIFT + VPN_BITS * satp_levels(req->satp))) {
        out->status = XLATE_PAGE_FAULT;
        return;
    }
    direct_walker(m, &w);
    w.stats = NULL; /* uncounted, and no A/D writes */
    w.trace = trace;
    mmu_walk_req(req, &wr);
    walk_begin(&w, &res);
    walk_stage1(&w, &wr, &res);
    te = tlb_find(m->tlb, req->gva >> PAGE_SHIFT, satp_asid(req->satp));
    if (trace) {
        trace->tlb_hit = te != NULL;
    }
    if (te) {
        if (!pte_perms_allow(te->pte_perms, req->acc, req->priv, req->sum, req->mxr)) {
            out->status = XLATE_PAGE_FAULT;
            return;
        }
        mmu_physical(m, req, te->gpa_page | (req->gva & PAGE_MASK), te, 0, out);
        return;
    }
    if (res.status == XLATE_OK && !direct_frame(m, NULL, res.gpa_page, &gpa_page)) {
        res.status = XLATE_ACCESS_FAULT;
    }
    if (res.status != XLATE_OK) {
        out->status = res.status;
        return;
    }
    mmu_physical(m, req, gpa_page | (req->gva & PAGE_MASK), NULL, 0, out);
}
