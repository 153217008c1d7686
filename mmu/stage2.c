/*
 * mmu/stage2.c - the VMM's second-stage (G-stage) page table, GPA -> HPA:
 * its builder (the VMM maps a GPA range when the guest first touches it)
 * and its walker (the "hardware" half of a two-stage translation, counted
 * like every other walk).
 * Course: 内存虚拟化 / 硬件虚拟化: 第二阶段页表 (EPT / Stage-2 / G-stage);
 *         the 2-D walk, whose cold cost is (n1+1)(n2+1)-1 PTE reads - 24
 *         for Sv48 x Sv48x4 ("25 - 1").
 * Spec: Privileged 20211203, §8.5 "Two-Stage Address Translation"
 *       (§8.5.1 "Guest Physical Address Translation": Sv39x4/Sv48x4, the
 *       16 KiB root, GPA bits above the mode must be zero, every G-stage
 *       access is checked as a U-mode access, so leaves carry U = 1),
 *       §8.2.10 "hgatp" (MODE, VMID, PPN), §4.3.2 (the walk it reuses).
 *
 *   Sv39x4 GPA: | 40..30 VPN[2] (11 bits: 2048-entry root) | 29..21 | 20..12 | offset |
 *   Sv48x4 GPA: | 49..39 VPN[3] (11 bits) | 38..30 | 29..21 | 20..12 | offset |
 *
 * Table frames come from host memory (the root as one aligned run of 4
 * frames), so stage-2 tables are as real as the guest's own. The VMM writes
 * leaves with A and D already set, so the walker never updates a G-stage
 * PTE. Simplified: mappings are only ever added (a remap writes over); the
 * frames of the tables are freed when the table is.
 */
#include "mmu/internal.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>

#include "cpu/encoding.h"

#define S2_ROOT_FRAMES  4 /* 16 KiB: the x4 root indexes two more GPA bits */
#define S2_ROOT_ENTRIES 2048u
#define S2_MAX_TABLES   65536u /* table frames besides the root: a host-memory bound */

struct s2_table {
    struct hostmem *hm;
    unsigned levels; /* 3 = Sv39x4, 4 = Sv48x4 */
    hpa_t root_hpa;
    hpa_t *tables; /* every non-root table frame, to free them */
    unsigned ntables;
};

struct s2_table *s2_table_create(struct hostmem *hm, unsigned levels)
{
    struct s2_table *t;

    if (levels != SV39_LEVELS && levels != SV48_LEVELS) {
        return NULL;
    }
    t = calloc(1, sizeof(*t));
    if (!t) {
        return NULL;
    }
    t->tables = calloc(S2_MAX_TABLES, sizeof(*t->tables));
    if (!t->tables || hostmem_alloc(hm, S2_ROOT_FRAMES, &t->root_hpa) != 0) {
        free(t->tables);
        free(t);
        return NULL;
    }
    t->hm = hm;
    t->levels = levels;
    return t;
}

void s2_table_destroy(struct s2_table *t)
{
    if (!t) {
        return;
    }
    for (unsigned i = 0; i < t->ntables; i++) {
        hostmem_free(t->hm, t->tables[i], 1);
    }
    hostmem_free(t->hm, t->root_hpa, S2_ROOT_FRAMES);
    free(t->tables);
    free(t);
}

hpa_t s2_table_root(const struct s2_table *t)
{
    return t->root_hpa;
}

unsigned s2_table_levels(const struct s2_table *t)
{
    return t->levels;
}

uint64_t s2_table_frames(const struct s2_table *t)
{
    return S2_ROOT_FRAMES + t->ntables;
}

/* Bits of the GPA below a leaf at `level`: 12 + 9 * level. */
static unsigned s2_offset_bits(unsigned level)
{
    return PAGE_SHIFT + VPN_BITS * level;
}

/* The GPA's index into the table at `level` (the root's has two more bits). */
static unsigned s2_index(unsigned levels, gpa_t gpa, unsigned level)
{
    unsigned bits = level == levels - 1 ? VPN_BITS + 2 : VPN_BITS;

    return (unsigned)(gpa >> s2_offset_bits(level)) & ((1u << bits) - 1);
}

/* Does gpa fit the mode (§8.5.1: bits above 41 / 50 must be zero)? */
static bool s2_gpa_fits(unsigned levels, gpa_t gpa)
{
    return (gpa >> (s2_offset_bits(levels) + 2)) == 0;
}

static uint64_t *s2_pte_ptr(const struct s2_table *t, hpa_t pte_hpa)
{
    return (uint64_t *)hostmem_ptr(t->hm, pte_hpa);
}

/* The next-level table under a non-leaf PTE, created (zeroed) when missing. */
static int s2_descend(struct s2_table *t, uint64_t *pte, hpa_t *out_table_hpa)
{
    uint64_t val = le64toh(*pte);
    hpa_t table_hpa;

    if (val & PTE_V) {
        if (val & (PTE_R | PTE_W | PTE_X)) {
            return -EEXIST; /* a superpage leaf is in the way */
        }
        *out_table_hpa = ((val >> PTE_PPN_SHIFT) & PTE_PPN_MASK) << PAGE_SHIFT;
        return 0;
    }
    if (t->ntables == S2_MAX_TABLES || hostmem_alloc(t->hm, 1, &table_hpa) != 0) {
        return -ENOMEM;
    }
    t->tables[t->ntables++] = table_hpa;
    *pte = htole64(((table_hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | PTE_V);
    *out_table_hpa = table_hpa;
    return 0;
}

int s2_table_map(struct s2_table *t, gpa_t gpa, hpa_t hpa, unsigned leaf_level, unsigned perms)
{
    uint64_t leaf_size = 1ull << s2_offset_bits(leaf_level);
    hpa_t table_hpa = t->root_hpa;

    if (leaf_level >= t->levels || ((gpa | hpa) & (leaf_size - 1)) != 0 ||
        !s2_gpa_fits(t->levels, gpa) || (perms & ~(PTE_R | PTE_W | PTE_X)) != 0 ||
        !(perms & (PTE_R | PTE_X))) {
        return -EINVAL;
    }
    for (unsigned level = t->levels - 1; level > leaf_level; level--) {
        uint64_t *pte = s2_pte_ptr(t, table_hpa + s2_index(t->levels, gpa, level) * PTE_SIZE);
        int r = s2_descend(t, pte, &table_hpa);
        if (r != 0) {
            return r;
        }
    }
    *s2_pte_ptr(t, table_hpa + s2_index(t->levels, gpa, leaf_level) * PTE_SIZE) =
        htole64(((hpa >> PAGE_SHIFT) << PTE_PPN_SHIFT) | perms | PTE_U | PTE_A | PTE_D | PTE_V);
    return 0;
}

/* §8.5.1 + §4.3.2 step 5 with priv = U: what the G-stage leaf must allow. */
static bool s2_perms_allow(uint64_t pte, enum access_type acc)
{
    if (!(pte & PTE_U)) {
        return false;
    }
    switch (acc) {
    case ACCESS_FETCH:
        return (pte & PTE_X) != 0;
    case ACCESS_LOAD:
        return (pte & PTE_R) != 0;
    case ACCESS_STORE:
        return (pte & PTE_W) != 0;
    }
    return false;
}

/*
 * One G-stage walk of gpa for an access of type acc; every PTE read is
 * counted (stage 2) into res and w's counters. 0 and *out (the 4 KiB HPA
 * page, the leaf's level and R/W/X), or -EFAULT: a guest-page fault at
 * stage 2 - no valid leaf, or one that does not allow acc.
 */
int walk_stage2(const struct walker *w, const struct s2_table *t, struct walk_result *res,
                gpa_t gpa, enum access_type acc, struct s2_result *out)
{
    hpa_t table_hpa = t->root_hpa;

    if (!s2_gpa_fits(t->levels, gpa)) {
        return -EFAULT;
    }
    for (int level = (int)t->levels - 1; level >= 0; level--) {
        hpa_t pte_hpa = table_hpa + s2_index(t->levels, gpa, (unsigned)level) * PTE_SIZE;
        uint64_t pte = le64toh(__atomic_load_n(s2_pte_ptr(t, pte_hpa), __ATOMIC_ACQUIRE));
        uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;

        walk_note_read(w, res, 2, (unsigned)level, gpa, pte_hpa, pte);
        if (!(pte & PTE_V) || ((pte & PTE_W) && !(pte & PTE_R)) || (pte & PTE_RESERVED_MASK)) {
            return -EFAULT;
        }
        if (pte & (PTE_R | PTE_X)) {
            uint64_t offset_mask = (1ull << s2_offset_bits((unsigned)level)) - 1;
            if (!s2_perms_allow(pte, acc)) {
                return -EFAULT;
            }
            out->hpa_page = ((ppn << PAGE_SHIFT) | (gpa & offset_mask)) & ~PAGE_MASK;
            out->level = (unsigned)level;
            out->perms = (uint8_t)(pte & (PTE_R | PTE_W | PTE_X));
            return 0;
        }
        table_hpa = ppn << PAGE_SHIFT;
    }
    return -EFAULT;
}
