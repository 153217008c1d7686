/*
 * mmu/mmu.c - the per-vCPU translation unit: one call translates one access
 * GVA -> GPA -> HPA. TLB lookup first (counted), the stage-1 walk on a miss,
 * then PMP and the guest-physical map; successful RAM/ROM translations are
 * also put in the host fast path, which is only ever a view of the TLB.
 * Course: 内存虚拟化 / 翻译过程 (GVA -> GPA -> HPA), TLB：缓存地址翻译结果,
 *         --mmu native: GPA -> HPA through the VMM's own map, uncounted.
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process",
 *       §4.1.11 "satp" (MODE, ASID, PPN), §3.1.6.3 "Memory Privilege in
 *       mstatus Register" (MPRV gives req->priv, SUM, MXR),
 *       §3.7 "Physical Memory Protection", §4.2.1 "SFENCE.VMA".
 *
 * Choices:
 *  - A store that hits a TLB entry whose leaf has D = 0 counts the hit, drops
 *    the entry and walks again (a counted walk and, from the walk, a counted
 *    PTE write that sets D), then refills the TLB: hardware that caches D
 *    must re-read the PTE before it may set D (§4.3.2 step 7 is atomic with
 *    the PTE read).
 *  - An access of size 0 or one crossing its page is refused with an access
 *    fault (the CPU splits accesses; this never happens on a correct path).
 *  - A satp MODE other than Sv39/Sv48 is treated as Bare (csr.c keeps satp
 *    WARL, so no other mode reaches here).
 *  - sfence.vma counts one tlb.flushes and empties the whole fast path.
 *  - Every TLB entry carries its VM's VMID under every --mmu; several VMs
 *    may share the physical CPU's TLB (mmu_config.shared_tlb): the one that
 *    runs is made current by mmu_activate, which also empties its fast path.
 *  - A VA that is not canonical for satp's mode (§4.4.1, §4.5.1) is a page
 *    fault before the TLB is consulted: no TLB count, no walk. (The TLB has
 *    no mode tag, so an entry filled under Sv48 must not answer it in Sv39.)
 */
#include "mmu/internal.h"

#include <errno.h>
#include <stdlib.h>

#include "cpu/encoding.h"

/* ------------------------------------------------------------ fast path */

static void fast_entry_clear(struct fast_entry *fe)
{
    fe->vpn_tag = FAST_INVALID;
    fe->host_minus_gva = 0;
    fe->te = NULL;
}

static void fetch_view_clear(struct fetch_view *fv)
{
    fv->vpn_tag = FAST_INVALID;
    fv->te = NULL;
    fv->host_page = NULL;
    fv->gpa_page = 0;
    fv->decoded = NULL;
}

/* The TLB drops te: every fast entry viewing it sits at te->vpn's index. */
static void mmu_fast_forget_entry(void *ctx, struct tlb_entry *te)
{
    struct mmu_fast *fast = ctx;
    unsigned index = (unsigned)(te->vpn % FAST_ENTRIES);

    for (unsigned priv = 0; priv < 4; priv++) {
        if (fast->load[priv][index].te == te) {
            fast_entry_clear(&fast->load[priv][index]);
        }
        if (fast->store[priv][index].te == te) {
            fast_entry_clear(&fast->store[priv][index]);
        }
    }
    if (fast->fetch.te == te) {
        fetch_view_clear(&fast->fetch);
    }
    if (fast->fetch_cache[te->vpn % FETCH_CACHE_ENTRIES].view.te == te) {
        fetch_view_clear(&fast->fetch_cache[te->vpn % FETCH_CACHE_ENTRIES].view);
    }
}

void mmu_fast_flush(struct mmu *m)
{
    for (unsigned priv = 0; priv < 4; priv++) {
        for (unsigned i = 0; i < FAST_ENTRIES; i++) {
            fast_entry_clear(&m->fast.load[priv][i]);
            fast_entry_clear(&m->fast.store[priv][i]);
        }
    }
    fetch_view_clear(&m->fast.fetch);
    for (unsigned i = 0; i < FETCH_CACHE_ENTRIES; i++) {
        fetch_view_clear(&m->fast.fetch_cache[i].view);
    }
}

void mmu_fast_forget_store_page(struct mmu *m, gpa_t gpa_page)
{
    gpa_page &= ~PAGE_MASK;
    for (unsigned priv = 0; priv < 4; priv++) {
        for (unsigned i = 0; i < FAST_ENTRIES; i++) {
            struct fast_entry *fe = &m->fast.store[priv][i];
            /* untranslated entries (te == NULL) have gpa == gva */
            gpa_t fe_gpa_page = fe->te ? fe->te->gpa_page : fe->vpn_tag << PAGE_SHIFT;
            if (fe->vpn_tag != FAST_INVALID && fe_gpa_page == gpa_page) {
                fast_entry_clear(fe);
            }
        }
    }
}

/*
 * Remember a translation that succeeded, so that the next access of the
 * same kind at the same privilege to this page skips the slow path. Only
 * where that next access would give the same answer: PMP alike over the
 * whole page, and stores only to plain RAM with a dirty, writable leaf.
 */
void mmu_fast_install(struct mmu *m, const struct xlate_req *req, const struct xlate_out *out)
{
    uint64_t vpn = req->gva >> PAGE_SHIFT;
    uint8_t *host_page = out->host - (req->gva & PAGE_MASK);
    struct fast_entry *fe;

    if (req->acc == ACCESS_FETCH || (unsigned)req->priv > PRV_M ||
        !pmp_page_is_uniform(m->pmp, out->gpa, req->priv)) {
        return;
    }
    if (req->acc == ACCESS_LOAD) {
        fe = &m->fast.load[req->priv][vpn % FAST_ENTRIES];
    } else {
        if ((out->page_flags & (GPAGE_CODE | GPAGE_WATCH | GPAGE_WATCH_DEBUG | GPAGE_SHADOW_PT)) ||
            (out->te && (out->te->pte_perms & (PTE_W | PTE_D)) != (PTE_W | PTE_D))) {
            return;
        }
        fe = &m->fast.store[req->priv][vpn % FAST_ENTRIES];
    }
    fe->vpn_tag = vpn;
    fe->host_minus_gva = (uintptr_t)host_page - (uintptr_t)(vpn << PAGE_SHIFT);
    fe->te = out->te;
}

/* -------------------------------------------------------------- create */

/* --mmu native's stage 2: the VMM's GPA -> HPA map, RAM only, uncounted. */
static int native_s2_translate(void *ctx, const struct walker *w, struct walk_result *res,
                               gpa_t pte_gpa, enum access_type acc, hpa_t *out_hpa)
{
    const struct gmem *gm = ctx;
    struct gpa_info info;

    (void)w; /* no stage-2 table: nothing to count or trace */
    (void)res;
    (void)acc; /* RAM is readable and writable */
    gmem_lookup(gm, pte_gpa, &info);
    if (info.kind != GPA_RAM) {
        return -EFAULT;
    }
    *out_hpa = info.hpa_page | (pte_gpa & PAGE_MASK);
    return 0;
}

struct mmu *mmu_create(struct gmem *gm, const struct pmp *pmp, const struct mmu_config *cfg)
{
    struct mmu_config defaults = {.tlb_entries = 64, .tlb_ways = 4, .fastpath = true};
    struct mmu *m;

    if (cfg) {
        defaults = *cfg;
    }
    m = calloc(1, sizeof(*m));
    if (!m) {
        return NULL;
    }
    m->owns_tlb = !defaults.shared_tlb;
    m->tlb = m->owns_tlb ? tlb_create(defaults.tlb_entries, defaults.tlb_ways, NULL, NULL)
                         : defaults.shared_tlb;
    if (!m->tlb) {
        free(m);
        return NULL;
    }
    m->gm = gm;
    m->pmp = pmp;
    m->walker.hm = gmem_hostmem(gm);
    m->walker.pmp = pmp;
    m->mode = defaults.mode;
    m->s2 = defaults.s2;
    m->vmid = defaults.vmid;
    m->pwc_enabled = defaults.pwc;
    if (m->mode == MMU_NESTED && !m->s2) {
        mmu_destroy(m);
        return NULL;
    }
    m->walker.s2.translate = m->mode == MMU_NESTED ? nested_s2_hook : native_s2_translate;
    m->walker.s2.ctx = m->mode == MMU_NESTED ? (void *)m : (void *)gm;
    m->walker.stats = &m->stats;
    m->walker.trace = NULL;
    m->fast.enabled = defaults.fastpath;
    m->fast.lru_clock = tlb_lru_clock(m->tlb);
    m->fast.tlb_hits = &m->stats.tlb_hits;
    mmu_fast_flush(m);
    if (m->owns_tlb) {
        mmu_activate(m); /* its own TLB: this VM is always the one running */
    }
    return m;
}

void mmu_destroy(struct mmu *m)
{
    if (!m) {
        return;
    }
    if (m->owns_tlb) {
        tlb_destroy(m->tlb);
    }
    free(m);
}

struct tlb *mmu_tlb_create(unsigned entries, unsigned ways)
{
    return tlb_create(entries, ways, NULL, NULL);
}

void mmu_tlb_destroy(struct tlb *t)
{
    tlb_destroy(t);
}

void mmu_activate(struct mmu *m)
{
    tlb_set_owner(m->tlb, m->vmid, mmu_fast_forget_entry, &m->fast);
    mmu_fast_flush(m);
}

void mmu_tlb_flush_all(struct mmu *m)
{
    m->stats.tlb_flushes++;
    tlb_flush_all(m->tlb);
    mmu_fast_flush(m);
}

struct mmu_fast *mmu_fast(struct mmu *m)
{
    return &m->fast;
}

const struct mmu_stats *mmu_stats(const struct mmu *m)
{
    return &m->stats;
}

void mmu_walk_start(const struct mmu *m, struct walker *w, struct walk_trace *trace,
                    struct walk_result *res)
{
    if (m->observer) {
        w->trace = trace; /* --trace walks: record every access */
    }
    walk_begin(w, res);
}

void mmu_walk_end(const struct mmu *m, const struct walker *w, gva_t gva, struct walk_trace *trace,
                  const struct walk_result *res)
{
    walk_finish(w, res);
    if (m->observer) {
        trace->tlb_hit = false;
        m->observer(m->observer_ctx, gva, trace);
    }
}

void mmu_set_walk_observer(struct mmu *m, walk_observer_fn fn, void *ctx)
{
    m->observer = fn;
    m->observer_ctx = ctx;
}

unsigned mmu_tlb_view(const struct mmu *m, const struct tlb_entry **out, unsigned *out_ways)
{
    return tlb_view(m->tlb, out, out_ways);
}

/* ----------------------------------------------------------- translate */

/* Stage-1 levels satp selects: 3 (Sv39), 4 (Sv48), 0 = no translation. */
unsigned satp_levels(uint64_t satp)
{
    switch (satp >> SATP_MODE_SHIFT) {
    case SATP_MODE_SV39:
        return SV39_LEVELS;
    case SATP_MODE_SV48:
        return SV48_LEVELS;
    default:
        return 0;
    }
}

uint16_t satp_asid(uint64_t satp)
{
    return (uint16_t)((satp >> SATP_ASID_SHIFT) & SATP_ASID_MASK);
}

void mmu_walk_req(const struct xlate_req *req, struct walk_req *wr)
{
    wr->gva = req->gva;
    wr->acc = req->acc;
    wr->priv = req->priv;
    wr->sum = req->sum;
    wr->mxr = req->mxr;
    wr->levels = satp_levels(req->satp);
    wr->root_gpa = (req->satp & SATP_PPN_MASK) << PAGE_SHIFT;
}

/* TLB miss (or D to set): a counted walk; a successful one fills the TLB. */
static struct tlb_entry *mmu_walk_fill(struct mmu *m, const struct xlate_req *req,
                                       struct xlate_out *out)
{
    struct walker w = m->walker;
    struct walk_trace trace;
    struct walk_req wr;
    struct walk_result res;
    struct tlb_entry fill = {0};

    mmu_walk_req(req, &wr);
    mmu_walk_start(m, &w, &trace, &res);
    walk_stage1(&w, &wr, &res);
    mmu_walk_end(m, &w, req->gva, &trace, &res);
    if (res.status != XLATE_OK) {
        out->status = res.status;
        return NULL;
    }
    fill.vpn = req->gva >> PAGE_SHIFT;
    fill.asid = satp_asid(req->satp);
    fill.vmid = m->vmid;
    fill.global = res.global;
    fill.level = (uint8_t)res.level;
    fill.pte_perms = res.pte_perms;
    fill.gpa_page = res.gpa_page;
    return tlb_insert(m->tlb, &fill);
}

/* GVA -> GPA through the TLB and, on a miss, the walker. NULL: out->status says why. */
static struct tlb_entry *mmu_stage1(struct mmu *m, const struct xlate_req *req,
                                    struct xlate_out *out)
{
    struct tlb_entry *te;

    if (!gva_is_canonical(req->gva, PAGE_SHIFT + VPN_BITS * satp_levels(req->satp))) {
        out->status = XLATE_PAGE_FAULT; /* not a virtual address of this mode: no lookup */
        return NULL;
    }
    te = tlb_find(m->tlb, req->gva >> PAGE_SHIFT, satp_asid(req->satp));
    if (!te) {
        m->stats.tlb_misses++;
        return mmu_walk_fill(m, req, out);
    }
    tlb_touch(&m->fast, te); /* the hit: LRU stamp and tlb.hits */
    if (!pte_perms_allow(te->pte_perms, req->acc, req->priv, req->sum, req->mxr)) {
        out->status = XLATE_PAGE_FAULT; /* §4.3.2 step 5 on the cached leaf */
        return NULL;
    }
    if (req->acc == ACCESS_STORE && !(te->pte_perms & PTE_D)) {
        tlb_drop(m->tlb, te); /* step 7 needs the PTE itself: walk again */
        return mmu_walk_fill(m, req, out);
    }
    return te;
}

bool mmu_pmp_allows(const struct mmu *m, const struct xlate_req *req, gpa_t gpa)
{
    return pmp_check(m->pmp, gpa, req->size, req->acc, req->priv);
}

/*
 * The last step of every translation, whatever the technique: PMP on the
 * GPA (the guest's own PMP), what the guest-physical map holds there and
 * its page flags (the VMM's bookkeeping, uncounted), then the host bytes -
 * at hpa_page when the translation's own tables gave an HPA (nested,
 * shadow), else where the VMM's map has the page (native, direct).
 */
void mmu_physical(const struct mmu *m, const struct xlate_req *req, gpa_t gpa, struct tlb_entry *te,
                  hpa_t hpa_page, struct xlate_out *out)
{
    bool is_store = req->acc == ACCESS_STORE;
    struct gpa_info info;

    out->gpa = gpa;
    out->te = te;
    out->status = XLATE_ACCESS_FAULT;
    if (!mmu_pmp_allows(m, req, gpa)) {
        return;
    }
    gmem_lookup(m->gm, gpa, &info);
    if (info.kind == GPA_MMIO) {
        /* a device is not executable: §3.6.1 (I/O regions) */
        out->status = req->acc == ACCESS_FETCH ? XLATE_ACCESS_FAULT : XLATE_MMIO;
        return;
    }
    if (info.kind == GPA_NONE || (is_store && info.kind == GPA_ROM) ||
        (is_store && (info.page_flags & GPAGE_PT_PINNED))) {
        return; /* nothing there, ROM, or (--mmu direct) a pinned page table */
    }
    if (is_store && (info.page_flags & GPAGE_SHADOW_PT)) {
        out->status = XLATE_PT_WRITE; /* --mmu shadow: the guest edits a page table */
        return;
    }
    out->status = XLATE_OK;
    out->hpa = (hpa_page ? hpa_page : info.hpa_page) | (gpa & PAGE_MASK);
    out->host = hpa_page ? hostmem_ptr(m->walker.hm, out->hpa) : info.host_page + (gpa & PAGE_MASK);
    out->page_flags = info.page_flags;
}

void xlate_out_init(struct xlate_out *out)
{
    out->status = XLATE_ACCESS_FAULT;
    out->gpa = 0;
    out->hpa = 0;
    out->host = NULL;
    out->page_flags = 0;
    out->te = NULL;
    out->fault_gpa = 0;
}

static bool xlate_req_is_sane(const struct xlate_req *req)
{
    return req->size != 0 && req->size <= PAGE_SIZE - (req->gva & PAGE_MASK);
}

static bool xlate_is_translated(const struct xlate_req *req)
{
    return req->priv != PRV_M && satp_levels(req->satp) != 0;
}

void mmu_translate(struct mmu *m, const struct xlate_req *req, struct xlate_out *out)
{
    struct tlb_entry *te = NULL;
    gpa_t gpa = req->gva; /* M-mode or satp Bare: GPA = GVA */

    xlate_out_init(out);
    if (!xlate_req_is_sane(req)) {
        return;
    }
    if (m->mode == MMU_NESTED) {
        nested_translate(m, req, out);
        return;
    }
    if (m->mode == MMU_DIRECT) {
        direct_translate(m, req, out);
        return;
    }
    if (m->mode == MMU_SHADOW && xlate_is_translated(req)) {
        shadowed_translate(m, req, out);
        return;
    }
    if (xlate_is_translated(req)) {
        te = mmu_stage1(m, req, out);
        if (!te) {
            return;
        }
        gpa = te->gpa_page | (req->gva & PAGE_MASK);
    }
    mmu_physical(m, req, gpa, te, 0, out);
    if (out->status == XLATE_OK && m->fast.enabled) {
        mmu_fast_install(m, req, out);
    }
}

void mmu_sfence(struct mmu *m, bool all_va, gva_t gva, bool all_asid, uint16_t asid)
{
    m->stats.tlb_flushes++;
    tlb_sfence(m->tlb, all_va, gva, all_asid, asid);
    mmu_fast_flush(m);
}

void mmu_s2_flush(struct mmu *m)
{
    m->stats.tlb_flushes++;
    tlb_flush_vmid(m->tlb);
    for (unsigned i = 0; i < PWC_ENTRIES; i++) {
        m->pwc[i].valid = false;
    }
    mmu_fast_flush(m);
}

void mmu_probe(const struct mmu *m, const struct xlate_req *req, struct xlate_out *out,
               struct walk_trace *trace)
{
    struct walker w = m->walker;
    struct tlb_entry *te = NULL;
    struct walk_req wr;
    struct walk_result res;
    gpa_t gpa = req->gva;

    xlate_out_init(out);
    if (trace) {
        trace->n = 0;
        trace->tlb_hit = false;
    }
    if (!xlate_req_is_sane(req)) {
        return;
    }
    if (m->mode == MMU_NESTED) {
        nested_probe(m, req, out, trace);
        return;
    }
    if (m->mode == MMU_DIRECT) {
        direct_probe(m, req, out, trace);
        return;
    }
    if (m->mode == MMU_SHADOW && xlate_is_translated(req)) {
        shadowed_probe(m, req, out, trace);
        return;
    }
    if (xlate_is_translated(req)) {
        w.stats = NULL; /* uncounted, and no A/D writes */
        w.trace = trace;
        mmu_walk_req(req, &wr);
        walk_begin(&w, &res);
        walk_stage1(&w, &wr, &res);
        te = tlb_find(m->tlb, req->gva >> PAGE_SHIFT, satp_asid(req->satp));
        if (te && trace) {
            trace->tlb_hit = true;
        }
        if (te && !pte_perms_allow(te->pte_perms, req->acc, req->priv, req->sum, req->mxr)) {
            out->status = XLATE_PAGE_FAULT;
            return;
        }
        if (!te && res.status != XLATE_OK) {
            out->status = res.status;
            return;
        }
        gpa = (te ? te->gpa_page : res.gpa_page) | (req->gva & PAGE_MASK);
    }
    mmu_physical(m, req, gpa, te, 0, out);
}
