/*
 * mmu/shadowed.c - --mmu shadow, the hardware's half: with translation on,
 * the MMU walks the VMM's shadow table (GVA -> HPA, built by shadowpt/ from
 * the guest's own table) instead of the guest's. A cold walk reads n1 PTEs,
 * as native does, but of the shadow table; anything the shadow does not
 * have yet, or does not allow, is a fault for the VMM (XLATE_S2_FAULT, a
 * "shadow fault"), which tells hidden faults from true ones. A store to a
 * page the VMM has write-protected because it holds a guest page table is
 * XLATE_PT_WRITE (exits.pt_write), checked on the page's GPAGE_SHADOW_PT
 * flag at every slow-path store (the fast path never holds such a page).
 * Course: 内存虚拟化 / 影子页表 (the MMU uses GVA -> HPA tables the VMM keeps
 *         in step with the guest's GVA -> GPA tables).
 * Spec: Privileged 20211203, §4.3.2 (the shadow table has the guest's own
 *       format, Sv39 or Sv48, with HPAs in its PPNs), §4.4, §4.5.
 *
 * Shadow PTEs are the guest's format with two VMM-defined uses of bits:
 *   RSW bit 9 (SPTE_MMIO): the leaf's PPN is a GPA page of a device, not an HPA;
 *   bits 61:60 (SPTE_GUEST_LEVEL): the level of the guest's leaf behind a 4 KiB
 *       shadow leaf, so that the TLB entry covers what sfence.vma by address
 *       must drop (a real MMU would not read these bits; the VMM's table does).
 * Simplified: no PMP on shadow PTE reads (they are the VMM's frames; the
 * VMM checks the guest's PMP on the guest's PTEs it reads in software).
 */
#include "mmu/internal.h"

#include <endian.h>
#include <errno.h>

#include "cpu/encoding.h"

/* The shadow walk: every read counted as a stage-1 read (the shadow table is the only table). */
static int shadowed_walk(struct mmu *m, const struct walker *w, gva_t gva, unsigned levels,
                         struct walk_result *res, uint64_t *out_spte)
{
    hpa_t table_hpa = m->shadow_root;

    if (table_hpa == 0) {
        return -EFAULT; /* no shadow root for this address space yet */
    }
    for (int level = (int)levels - 1; level >= 0; level--) {
        unsigned shift = PAGE_SHIFT + VPN_BITS * (unsigned)level;
        hpa_t pte_hpa = table_hpa + ((gva >> shift) & ((1u << VPN_BITS) - 1)) * PTE_SIZE;
        uint64_t *host = (uint64_t *)hostmem_ptr(w->hm, pte_hpa);
        uint64_t spte;

        if (!host) {
            return -EFAULT;
        }
        spte = le64toh(__atomic_load_n(host, __ATOMIC_ACQUIRE));
        walk_note_read(w, res, 1, (unsigned)level, pte_hpa, pte_hpa, spte);
        if (!(spte & PTE_V)) {
            return -EFAULT;
        }
        if (spte & (PTE_R | PTE_X)) {
            *out_spte = spte;
            return 0;
        }
        table_hpa = ((spte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT;
    }
    return -EFAULT;
}

/* A TLB miss: the counted shadow walk; a usable leaf fills the TLB. */
static struct tlb_entry *shadowed_walk_fill(struct mmu *m, const struct xlate_req *req,
                                            struct xlate_out *out)
{
    struct walker w = m->walker;
    struct walk_trace trace;
    struct walk_result res;
    struct tlb_entry fill = {0};
    uint64_t spte = 0;
    hpa_t leaf_hpa;
    int r;

    mmu_walk_start(m, &w, &trace, &res);
    r = shadowed_walk(m, &w, req->gva, satp_levels(req->satp), &res, &spte);
    mmu_walk_end(m, &w, req->gva, &trace, &res);
    if (r != 0) {
        out->status = XLATE_S2_FAULT; /* the VMM's: hidden or true */
        return NULL;
    }
    leaf_hpa = ((spte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT;
    fill.gpa_page = leaf_hpa; /* SPTE_MMIO: the PPN is the device's GPA */
    if (!(spte & SPTE_MMIO)) {
        fill.hpa_page = leaf_hpa;
        if (!gmem_gpa_of_hpa(m->gm, leaf_hpa, &fill.gpa_page)) {
            out->status = XLATE_ACCESS_FAULT; /* never: the VMM maps only this VM's frames */
            return NULL;
        }
    }
    fill.vpn = req->gva >> PAGE_SHIFT;
    fill.asid = satp_asid(req->satp);
    fill.vmid = m->vmid;
    fill.global = (spte & PTE_G) != 0;
    fill.level = (uint8_t)((spte >> SPTE_GUEST_LEVEL_SHIFT) & 3);
    fill.pte_perms = (uint8_t)(spte & (PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D));
    return tlb_insert(m->tlb, &fill);
}

void shadowed_translate(struct mmu *m, const struct xlate_req *req, struct xlate_out *out)
{
    struct tlb_entry *te;

    if (!gva_is_canonical(req->gva, PAGE_SHIFT + VPN_BITS * satp_levels(req->satp))) {
        out->status = XLATE_PAGE_FAULT; /* not an address of this mode: the guest's own fault */
        return;
    }
    te = tlb_find(m->tlb, req->gva >> PAGE_SHIFT, satp_asid(req->satp));
    if (te) {
        tlb_touch(&m->fast, te);
    } else {
        m->stats.tlb_misses++;
        te = shadowed_walk_fill(m, req, out);
        if (!te) {
            return;
        }
    }
    if (!pte_perms_allow(te->pte_perms, req->acc, req->priv, req->sum, req->mxr)) {
        out->status = XLATE_S2_FAULT; /* the shadow does not allow it (yet): the VMM decides */
        return;
    }
    mmu_physical(m, req, te->gpa_page | (req->gva & PAGE_MASK), te, te->hpa_page, out);
    if (out->status == XLATE_OK && m->fast.enabled) {
        mmu_fast_install(m, req, out);
    }
}

void shadowed_probe(const struct mmu *m, const struct xlate_req *req, struct xlate_out *out,
                    struct walk_trace *trace)
{
    struct walker w = m->walker;
    struct walk_result res;
    struct tlb_entry probe = {0};
    uint64_t spte = 0;
    hpa_t leaf_hpa;

    w.stats = NULL;
    w.trace = trace;
    if (!gva_is_canonical(req->gva, PAGE_SHIFT + VPN_BITS * satp_levels(req->satp))) {
        out->status = XLATE_PAGE_FAULT;
        return;
    }
    if (trace) {
        trace->tlb_hit = tlb_find(m->tlb, req->gva >> PAGE_SHIFT, satp_asid(req->satp)) != NULL;
    }
    walk_begin(&w, &res);
    if (shadowed_walk((struct mmu *)m, &w, req->gva, satp_levels(req->satp), &res, &spte) != 0 ||
        !pte_perms_allow((uint8_t)spte, req->acc, req->priv, req->sum, req->mxr)) {
        out->status = XLATE_S2_FAULT;
        return;
    }
    leaf_hpa = ((spte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT;
    probe.gpa_page = leaf_hpa;
    if (!(spte & SPTE_MMIO)) {
        probe.hpa_page = leaf_hpa;
        if (!gmem_gpa_of_hpa(m->gm, leaf_hpa, &probe.gpa_page)) {
            out->status = XLATE_ACCESS_FAULT;
            return;
        }
    }
    mmu_physical(m, req, probe.gpa_page | (req->gva & PAGE_MASK), NULL, probe.hpa_page, out);
}

void mmu_shadow_set_root(struct mmu *m, hpa_t root_hpa)
{
    m->shadow_root = root_hpa;
}

void mmu_forget_gpa(struct mmu *m, gpa_t gpa_page)
{
    const struct tlb_entry *entries;
    unsigned ways;
    unsigned n = tlb_view(m->tlb, &entries, &ways);

    for (unsigned i = 0; i < n; i++) {
        struct tlb_entry *te = (struct tlb_entry *)&entries[i];
        if (te->valid && te->gpa_page == (gpa_page & ~PAGE_MASK)) {
            tlb_drop(m->tlb, te);
        }
    }
    mmu_fast_forget_store_page(m, gpa_page);
}
