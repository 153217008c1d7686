/*
 * mmu/tlb.c - the modelled TLB: set-associative, true LRU, entries tagged
 * with the ASID (or global), one entry per 4 KiB page remembering the size
 * of the leaf it came from; SFENCE.VMA's four scopes.
 * Course: 内存虚拟化 / TLB：缓存地址翻译结果 (hit, miss, flush; ASID tags
 *         spare flushes on address-space switch).
 * Spec: Privileged 20211203, §4.2.1 "Supervisor Memory-Management Fence
 *       Instruction", §4.1.11 "Supervisor Address Translation and
 *       Protection (satp) Register" (ASID), §4.3.1 (G bit).
 *
 *   set = vpn mod (entries / ways)         (default 64 / 4 = 16 sets)
 *   tlb->entry[set * ways + way]
 *   victim = an invalid way, else the way with the smallest lru stamp
 *
 * VMID: the TLB belongs to the physical CPU. Every entry carries the VMID
 * of the VM that filled it, and the TLB knows which VM runs now (t->vmid,
 * tlb_set_owner): tlb_find and SFENCE.VMA see only that VM's entries, so
 * several VMs can share one TLB without a flush on every VM switch
 * (§8.2.10 hgatp.VMID; ARM's VTTBR_EL2.VMID). --vmid off flushes instead.
 *
 * Simplified: a superpage is held as 4 KiB pieces (each filled on its own
 * miss); no page-walk cache. The TLB does not count: the caller counts hits
 * (tlb_touch), misses and flushes.
 */
#include "mmu/internal.h"

#include <stdlib.h>

struct tlb {
    unsigned nsets, ways;
    uint64_t lru_clock;
    uint16_t vmid;       /* the VM running on this TLB's physical CPU */
    tlb_drop_fn on_drop; /* the running VM's fast path forgets its views of a dropped entry */
    void *drop_ctx;
    struct tlb_entry *entry; /* nsets * ways */
};

struct tlb *tlb_create(unsigned entries, unsigned ways, tlb_drop_fn on_drop, void *ctx)
{
    struct tlb *t;

    if (ways == 0 || entries < ways || entries % ways != 0) {
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (!t) {
        return NULL;
    }
    t->entry = calloc(entries, sizeof(*t->entry));
    if (!t->entry) {
        free(t);
        return NULL;
    }
    t->nsets = entries / ways;
    t->ways = ways;
    t->on_drop = on_drop;
    t->drop_ctx = ctx;
    return t;
}

void tlb_destroy(struct tlb *t)
{
    if (!t) {
        return;
    }
    free(t->entry);
    free(t);
}

uint64_t *tlb_lru_clock(struct tlb *t)
{
    return &t->lru_clock;
}

void tlb_set_owner(struct tlb *t, uint16_t vmid, tlb_drop_fn on_drop, void *ctx)
{
    t->vmid = vmid;
    t->on_drop = on_drop;
    t->drop_ctx = ctx;
}

/* The first way of vpn's set. */
static struct tlb_entry *tlb_set(const struct tlb *t, uint64_t vpn)
{
    return &t->entry[(vpn % t->nsets) * t->ways];
}

static bool tlb_entry_matches(const struct tlb_entry *te, uint64_t vpn, uint16_t asid,
                              uint16_t vmid)
{
    return te->valid && te->vpn == vpn && te->vmid == vmid && (te->global || te->asid == asid);
}

struct tlb_entry *tlb_find(const struct tlb *t, uint64_t vpn, uint16_t asid)
{
    struct tlb_entry *set = tlb_set(t, vpn);

    for (unsigned way = 0; way < t->ways; way++) {
        if (tlb_entry_matches(&set[way], vpn, asid, t->vmid)) {
            return &set[way];
        }
    }
    return NULL;
}

/* The VMID tag is what spares a flush on every VM switch (§8.2.10 hgatp.VMID). */
struct tlb_entry *tlb_find_nested(const struct tlb *t, uint64_t vpn, uint16_t asid, uint16_t vmid,
                                  bool is_bare)
{
    struct tlb_entry *set = tlb_set(t, vpn);

    for (unsigned way = 0; way < t->ways; way++) {
        struct tlb_entry *te = &set[way];
        if (te->valid && te->vpn == vpn && te->vmid == vmid && te->is_bare == is_bare &&
            (is_bare || te->global || te->asid == asid)) {
            return te;
        }
    }
    return NULL;
}

void tlb_drop(struct tlb *t, struct tlb_entry *te)
{
    if (!te->valid) {
        return;
    }
    if (t->on_drop) {
        t->on_drop(t->drop_ctx, te);
    }
    te->valid = false;
}

/* The way to fill in a set: the first invalid one, else the least recently used. */
static struct tlb_entry *tlb_victim(const struct tlb *t, struct tlb_entry *set)
{
    struct tlb_entry *victim = &set[0];

    for (unsigned way = 0; way < t->ways; way++) {
        if (!set[way].valid) {
            return &set[way];
        }
        if (set[way].lru < victim->lru) {
            victim = &set[way];
        }
    }
    return victim;
}

struct tlb_entry *tlb_insert(struct tlb *t, const struct tlb_entry *fill)
{
    struct tlb_entry *te = tlb_victim(t, tlb_set(t, fill->vpn));

    tlb_drop(t, te); /* eviction: the fast path must let go of it first */
    *te = *fill;
    if (te->vmid == 0) {
        te->vmid = t->vmid; /* VMID 0 is never a VM's: the running VM's entry */
    }
    te->valid = true;
    te->lru = ++t->lru_clock;
    return te;
}

/* Does the leaf this entry came from contain the page vpn? */
static bool tlb_entry_covers(const struct tlb_entry *te, uint64_t vpn)
{
    unsigned shift = VPN_BITS * te->level;

    return (te->vpn >> shift) == (vpn >> shift);
}

/*
 * §4.2.1, the four cases:
 *   rs1 = x0, rs2 = x0: every entry, every address space, global ones too;
 *   rs1 = x0, rs2 != x0: every entry of ASID rs2, except global ones;
 *   rs1 != x0, rs2 = x0: the leaf entries holding VA rs1, any ASID, global too;
 *   rs1 != x0, rs2 != x0: the leaf entries holding VA rs1 for ASID rs2, not global.
 * A VA that is not valid matches no entry, so the fence has no effect.
 * Entries without a stage 1 (--mmu nested, is_bare) are stage-2 translations
 * only: SFENCE.VMA leaves them, HFENCE.GVMA (tlb_flush_vmid) drops them.
 * A fence executed by a VM reaches only that VM's entries (its VMID).
 */
void tlb_sfence(struct tlb *t, bool all_va, gva_t gva, bool all_asid, uint16_t asid)
{
    uint64_t vpn = gva >> PAGE_SHIFT;

    for (unsigned i = 0; i < t->nsets * t->ways; i++) {
        struct tlb_entry *te = &t->entry[i];
        if (!te->valid || te->is_bare || te->vmid != t->vmid) {
            continue;
        }
        if (!all_asid && (te->global || te->asid != asid)) {
            continue;
        }
        if (!all_va && !tlb_entry_covers(te, vpn)) {
            continue;
        }
        tlb_drop(t, te);
    }
}

void tlb_flush_all(struct tlb *t)
{
    for (unsigned i = 0; i < t->nsets * t->ways; i++) {
        tlb_drop(t, &t->entry[i]);
    }
}

void tlb_flush_vmid(struct tlb *t)
{
    for (unsigned i = 0; i < t->nsets * t->ways; i++) {
        if (t->entry[i].vmid == t->vmid) {
            tlb_drop(t, &t->entry[i]);
        }
    }
}

unsigned tlb_view(const struct tlb *t, const struct tlb_entry **out, unsigned *out_ways)
{
    *out = t->entry;
    *out_ways = t->ways;
    return t->nsets * t->ways;
}
