/*
 * mmu/ptdump.c - the VMM's read-only view of a page-table tree, for the
 * monitor's `pt dump guest|shadow|stage2`: every valid entry, table pointers
 * and leaves, with the address range it covers. Nothing is counted or set.
 * Course: 内存虚拟化 / 页表 (the guest's tables, the VMM's shadow tables,
 *         the VMM's stage-2 tables, side by side).
 * Spec: Privileged 20211203, §4.3.2 (PTE format and levels), §8.5.1
 *       (a stage-2 root indexes 2 more address bits: 2048 entries).
 *
 * Guest tables live at GPAs (found through the guest-physical map); shadow
 * and stage-2 tables at HPAs. Each level is visited once per path, so even a
 * table that points at itself ends after `levels` steps.
 */
#include "mmu/internal.h"

#include <endian.h>
#include <string.h>

#include "cpu/encoding.h"

struct pt_walk {
    const struct gmem *gm;
    bool tables_at_gpa;
    unsigned levels, root_extra_bits;
    pt_dump_fn fn;
    void *ctx;
};

/* The host bytes of the table at `table` (a GPA or an HPA), or NULL. */
static const uint8_t *pt_table_host(const struct pt_walk *pw, uint64_t table)
{
    struct gpa_info info;

    if (!pw->tables_at_gpa) {
        return hostmem_ptr(gmem_hostmem(pw->gm), table);
    }
    gmem_lookup(pw->gm, table, &info);
    return info.kind == GPA_RAM || info.kind == GPA_ROM ? info.host_page : NULL;
}

static void pt_visit(const struct pt_walk *pw, uint64_t table, unsigned level, uint64_t va_base)
{
    const uint8_t *host = pt_table_host(pw, table);
    unsigned shift = PAGE_SHIFT + VPN_BITS * level;
    unsigned entries = 1u << (VPN_BITS + (level == pw->levels - 1 ? pw->root_extra_bits : 0));

    if (!host) {
        return;
    }
    for (unsigned index = 0; index < entries && (index * PTE_SIZE) < PAGE_SIZE * 4; index++) {
        uint64_t pte;
        struct pt_dump_entry e;

        memcpy(&pte, host + (uint64_t)index * PTE_SIZE, sizeof(pte));
        pte = le64toh(pte);
        if (!(pte & PTE_V)) {
            continue;
        }
        e.level = level;
        e.index = index;
        e.va = va_base + ((uint64_t)index << shift);
        e.pte = pte;
        e.is_leaf = (pte & (PTE_R | PTE_X)) != 0;
        e.target = ((pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT;
        pw->fn(pw->ctx, &e);
        if (!e.is_leaf && level > 0) {
            pt_visit(pw, e.target, level - 1, e.va);
        }
    }
}

void pt_dump(const struct gmem *gm, bool tables_at_gpa, uint64_t root, unsigned levels,
             unsigned root_extra_bits, pt_dump_fn fn, void *ctx)
{
    struct pt_walk pw = {gm, tables_at_gpa, levels, root_extra_bits, fn, ctx};

    if (levels == 0 || levels > SV48_LEVELS || root_extra_bits > 2) {
        return;
    }
    pt_visit(&pw, root, levels - 1, 0);
}

hpa_t mmu_shadow_root(const struct mmu *m)
{
    return m->shadow_root;
}
