/*
 * tests/unit/check_direct.c - --mmu direct: translation over HPAs
 * (mmu/direct.c) and the page-table validator behind the PV hypercalls
 * (mmu/pvpt.c).
 * Course: 内存虚拟化 / 直接页表 (Xen PV direct paging: a walk reads n1 PTEs,
 *         3 for Sv39, 4 for Sv48, against nested's 15 / 24).
 * Spec: Privileged 20211203, §4.3.2, §4.4 "Sv39", §4.5 "Sv48", §4.3.1 (PTE
 *       format, reserved bits); RISC-V SBI v1.0.0 standard error codes.
 *
 * The guest: 8 MiB of RAM at 0x8000_0000 (four 2 MiB host runs, each
 * 2 MiB-aligned; GPA != HPA). Its tables hold HPAs, found with gmem_lookup
 * (the VMM's own map, not the code under test):
 *   Sv39: root 0x8000_1000 [1] -> 0x8000_2000 [1] -> 0x8000_3000 [1] -> data
 *   Sv48: root 0x8000_4000 [0] -> 0x8000_5000 [1] -> 0x8000_6000 [1]
 *         -> 0x8000_7000 [1] -> data
 *   gva 0x4020_1000: VPN[3] = 0, VPN[2] = 1, VPN[1] = 1, VPN[0] = 1; data
 *   at GPA 0x8001_0000. A and D are preset in leaves: no walk writes.
 * A second VM's RAM (another gmem on the same host memory) gives a frame
 * that is truly not this VM's; HPA 0 is no frame at all.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"
#include "mmu/internal.h"
#include "mmu/mmu.h"

#define RAM_BASE  0x80000000ull
#define RAM_SIZE  (8ull << 20)
#define UART_GPA  0x10000000ull
#define GVA       0x40201000ull
#define DATA_GPA  0x80010000ull
#define SV39_ROOT 0x80001000ull
#define SV48_ROOT 0x80004000ull
#define LEAF_RWAD (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define LEAF_RAD  (PTE_V | PTE_R | PTE_A | PTE_D)

static struct hostmem *hm;
static struct gmem *gm, *other_vm;
static struct pmp pmp;
static struct mmu *mmu;
static struct pvpt *pv;

/* The HPA backing a GPA of this VM (the VMM's map). */
static hpa_t hpa_of(gpa_t gpa)
{
    struct gpa_info info;

    gmem_lookup(gm, gpa, &info);
    ck_assert_int_eq(info.kind, GPA_RAM);
    return info.hpa_page | (gpa & PAGE_MASK);
}

static uint64_t pte_to(hpa_t hpa, uint64_t bits)
{
    return ((hpa >> 12) << 10) | bits;
}

static uint64_t satp_of(unsigned mode, gpa_t root_gpa)
{
    return ((uint64_t)mode << 60) | (hpa_of(root_gpa) >> 12);
}

/* The guest kernel's plain store (before pinning: tables are ordinary memory then). */
static void put_pte(gpa_t pte_gpa, uint64_t pte)
{
    ck_assert_int_eq(gmem_write(gm, pte_gpa, &pte, sizeof(pte)), 0);
}

static void build_tables(uint64_t data_leaf)
{
    put_pte(SV39_ROOT + 8, pte_to(hpa_of(0x80002000ull), PTE_V));
    put_pte(0x80002000ull + 8, pte_to(hpa_of(0x80003000ull), PTE_V));
    put_pte(0x80003000ull + 8, data_leaf);
    put_pte(SV48_ROOT + 0, pte_to(hpa_of(0x80005000ull), PTE_V));
    put_pte(0x80005000ull + 8, pte_to(hpa_of(0x80006000ull), PTE_V));
    put_pte(0x80006000ull + 8, pte_to(hpa_of(0x80007000ull), PTE_V));
    put_pte(0x80007000ull + 8, data_leaf);
}

static void setup(void)
{
    struct mmu_config cfg = {
        .tlb_entries = 64, .tlb_ways = 4, .fastpath = true, .mode = MMU_DIRECT};

    hm = hostmem_create(2 * RAM_SIZE + (8ull << 20));
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    other_vm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
    ck_assert_ptr_nonnull(other_vm);
    ck_assert_int_eq(gmem_add_mmio(gm, UART_GPA, 0x1000), 0);
    memset(&pmp, 0, sizeof(pmp));
    mmu = mmu_create(gm, &pmp, &cfg);
    ck_assert_ptr_nonnull(mmu);
    pv = pvpt_create(gm);
    ck_assert_ptr_nonnull(pv);
}

static void teardown(void)
{
    pvpt_destroy(pv);
    mmu_destroy(mmu);
    gmem_destroy(other_vm);
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

static void translate(gva_t gva, uint64_t satp, enum priv_level priv, enum access_type acc,
                      struct xlate_out *out)
{
    struct xlate_req req = {.gva = gva, .size = 4, .acc = acc, .priv = priv, .satp = satp};

    mmu_translate(mmu, &req, out);
}

/* ---------------------------------------------------------- translation */

/* Sv39: n1 = 3 PTE reads, all stage 1, no second stage; a warm hit reads nothing. */
START_TEST(test_sv39_walk_reads_three)
{
    struct xlate_out out;
    const struct mmu_stats *st = mmu_stats(mmu);

    build_tables(pte_to(hpa_of(DATA_GPA), LEAF_RWAD));
    translate(GVA + 8, satp_of(8, SV39_ROOT), PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.gpa, DATA_GPA + 8);
    ck_assert_uint_eq(out.hpa, hpa_of(DATA_GPA) + 8);
    ck_assert_uint_eq(st->walk_accesses, 3);
    ck_assert_uint_eq(st->walk_s1_accesses, 3);
    ck_assert_uint_eq(st->walk_s2_accesses, 0);
    ck_assert_uint_eq(st->walk_max_accesses, 3);
    ck_assert_uint_eq(st->tlb_misses, 1);
    translate(GVA + 16, satp_of(8, SV39_ROOT), PRV_S, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(st->walk_accesses, 3); /* the TLB hit: no PTE read */
    ck_assert_uint_eq(st->tlb_hits, 1);
}
END_TEST

/* Sv48: 4 reads. */
START_TEST(test_sv48_walk_reads_four)
{
    struct xlate_out out;
    const struct mmu_stats *st = mmu_stats(mmu);

    build_tables(pte_to(hpa_of(DATA_GPA), LEAF_RWAD));
    translate(GVA, satp_of(9, SV48_ROOT), PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.hpa, hpa_of(DATA_GPA));
    ck_assert_uint_eq(st->walk_accesses, 4);
    ck_assert_uint_eq(st->walk_max_accesses, 4);
    ck_assert_uint_eq(st->direct_foreign_frames, 0);
}
END_TEST

/* A leaf naming another VM's frame, or HPA 0: an access fault, counted. */
START_TEST(test_foreign_leaf_is_access_fault)
{
    struct xlate_out out;
    struct gpa_info theirs;
    const struct mmu_stats *st = mmu_stats(mmu);

    gmem_lookup(other_vm, DATA_GPA, &theirs);
    build_tables(pte_to(theirs.hpa_page, LEAF_RWAD));
    translate(GVA, satp_of(8, SV39_ROOT), PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_ACCESS_FAULT);
    ck_assert_uint_eq(st->direct_foreign_frames, 1);
    ck_assert_uint_eq(st->walk_accesses, 3); /* the walk itself read all three levels */

    build_tables(pte_to(0, LEAF_RWAD));
    translate(GVA, satp_of(9, SV48_ROOT), PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_ACCESS_FAULT);
    ck_assert_uint_eq(st->direct_foreign_frames, 2);
}
END_TEST

/* A pointer to a frame that is not the VM's: the walk stops there with an access fault. */
START_TEST(test_foreign_table_is_access_fault)
{
    struct xlate_out out;
    struct gpa_info theirs;
    const struct mmu_stats *st = mmu_stats(mmu);

    build_tables(pte_to(hpa_of(DATA_GPA), LEAF_RWAD));
    gmem_lookup(other_vm, 0x80002000ull, &theirs);
    put_pte(SV39_ROOT + 8, pte_to(theirs.hpa_page, PTE_V));
    translate(GVA, satp_of(8, SV39_ROOT), PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_ACCESS_FAULT);
    ck_assert_uint_eq(st->walk_accesses, 1); /* the root's PTE; level 1 is not read */
    ck_assert_uint_eq(st->direct_foreign_frames, 1);
}
END_TEST

/* M-mode (or satp Bare): GPA through the VMM's map; a pinned table refuses stores. */
START_TEST(test_bare_and_pinned_store)
{
    struct xlate_out out;

    translate(0x80003000ull, 0, PRV_M, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.hpa, hpa_of(0x80003000ull));
    ck_assert_int_eq(pvpt_pin(pv, hpa_of(0x80003000ull), 0), PV_OK);
    translate(0x80003000ull, 0, PRV_M, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_ACCESS_FAULT);
    translate(0x80003008ull, 0, PRV_S, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_ACCESS_FAULT);
    translate(0x80003000ull, 0, PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_OK); /* reading a pinned table is fine */
    translate(UART_GPA, 0, PRV_S, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_MMIO);
    ck_assert_int_eq(pvpt_unpin(pv, hpa_of(0x80003000ull), 0), PV_OK);
    translate(0x80003000ull, 0, PRV_M, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
}
END_TEST

/* The monitor's probe: the same answer, every access traced, nothing counted. */
START_TEST(test_probe_traces_hpas)
{
    struct xlate_req req = {.gva = GVA, .size = 4, .acc = ACCESS_LOAD, .priv = PRV_S};
    struct xlate_out out;
    struct walk_trace trace;

    build_tables(pte_to(hpa_of(DATA_GPA), LEAF_RWAD));
    req.satp = satp_of(8, SV39_ROOT);
    mmu_probe(mmu, &req, &out, &trace);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.hpa, hpa_of(DATA_GPA));
    ck_assert_uint_eq(trace.n, 3);
    ck_assert(!trace.tlb_hit);
    ck_assert_uint_eq(trace.step[0].pte_hpa, hpa_of(SV39_ROOT) + 8);
    ck_assert_uint_eq(trace.step[2].pte_hpa, hpa_of(0x80003000ull) + 8);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 0);
}
END_TEST

/* --------------------------------------------------------- the validator */

/*
 * The hypercall way, bottom-up: pin empty tables, fill them by update, then
 * the hart walks them: 3 reads. Leaves: 0x8000_3000 [1] -> data.
 */
static void pin_sv39_by_updates(void)
{
    bool old_valid = true;

    ck_assert_int_eq(pvpt_pin(pv, hpa_of(0x80003000ull), 0), PV_OK);
    ck_assert_int_eq(pvpt_pin(pv, hpa_of(0x80002000ull), 1), PV_OK);
    ck_assert_int_eq(pvpt_pin(pv, hpa_of(SV39_ROOT), 2), PV_OK);
    ck_assert_int_eq(pvpt_mmu_update(pv, hpa_of(0x80003000ull) + 8,
                                     pte_to(hpa_of(DATA_GPA), LEAF_RWAD), &old_valid),
                     PV_OK);
    ck_assert(!old_valid); /* it replaced an empty PTE */
    ck_assert_int_eq(pvpt_mmu_update(pv, hpa_of(0x80002000ull) + 8,
                                     pte_to(hpa_of(0x80003000ull), PTE_V), &old_valid),
                     PV_OK);
    ck_assert_int_eq(pvpt_mmu_update(pv, hpa_of(SV39_ROOT) + 8,
                                     pte_to(hpa_of(0x80002000ull), PTE_V), &old_valid),
                     PV_OK);
}

START_TEST(test_pin_update_walk)
{
    struct xlate_out out;
    hpa_t data_hpa;
    bool old_valid = false;

    ck_assert_int_eq(pvpt_get_frame(pv, DATA_GPA + 0x123, &data_hpa), PV_OK);
    ck_assert_uint_eq(data_hpa, hpa_of(DATA_GPA)); /* the page's frame */
    pin_sv39_by_updates();
    ck_assert_int_eq(pvpt_check_satp(pv, satp_of(8, SV39_ROOT)), PV_OK);
    translate(GVA, satp_of(8, SV39_ROOT), PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.hpa, hpa_of(DATA_GPA));
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 3);
    /* replacing a valid PTE says so: the VMM must flush the TLB */
    ck_assert_int_eq(pvpt_mmu_update(pv, hpa_of(0x80003000ull) + 8, 0, &old_valid), PV_OK);
    ck_assert(old_valid);
}
END_TEST

/* Every refusal of PV_MMU_UPDATE, with its SBI code. */
START_TEST(test_update_refusals)
{
    hpa_t slot = hpa_of(0x80003000ull) + 16; /* a free PTE of a pinned leaf table */
    struct gpa_info theirs;
    bool old_valid;

    pin_sv39_by_updates();
    gmem_lookup(other_vm, DATA_GPA, &theirs);
    /* where the PTE is */
    ck_assert_int_eq(pvpt_mmu_update(pv, slot + 4, 0, &old_valid), PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_mmu_update(pv, hpa_of(0x80009000ull), 0, &old_valid), PV_ERR_DENIED);
    ck_assert_int_eq(pvpt_mmu_update(pv, theirs.hpa_page, 0, &old_valid), PV_ERR_INVALID_ADDRESS);
    /* leaves: a frame not the VM's, a pinned table writable (read-only is fine) */
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(0, LEAF_RWAD), &old_valid),
                     PV_ERR_INVALID_ADDRESS);
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(theirs.hpa_page, LEAF_RAD), &old_valid),
                     PV_ERR_INVALID_ADDRESS);
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(hpa_of(SV39_ROOT), LEAF_RWAD), &old_valid),
                     PV_ERR_DENIED);
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(hpa_of(SV39_ROOT), LEAF_RAD), &old_valid),
                     PV_OK);
    /* malformed: reserved bit 54, W without R */
    ck_assert_int_eq(
        pvpt_mmu_update(pv, slot, (1ull << 54) | pte_to(hpa_of(DATA_GPA), LEAF_RAD), &old_valid),
        PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(hpa_of(DATA_GPA), PTE_V | PTE_W), &old_valid),
                     PV_ERR_INVALID_PARAM);
    /* pointers: in a leaf table, to an unpinned frame, to the wrong level, with A set */
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(hpa_of(0x80002000ull), PTE_V), &old_valid),
                     PV_ERR_INVALID_PARAM);
    slot = hpa_of(0x80002000ull) + 16; /* a free PTE of the pinned level-1 table */
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(hpa_of(0x80008000ull), PTE_V), &old_valid),
                     PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(hpa_of(SV39_ROOT), PTE_V), &old_valid),
                     PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(
        pvpt_mmu_update(pv, slot, pte_to(hpa_of(0x80003000ull), PTE_V | PTE_A), &old_valid),
        PV_ERR_INVALID_PARAM);
}
END_TEST

/*
 * Superpage leaves in the level-1 table: 2 MiB aligned and wholly the VM's.
 * GPA 0x8020_0000 is chunk 1, one aligned 2 MiB host run with no table in it;
 * chunk 0 holds the pinned tables. 0x8020_1000's frame is not 2 MiB aligned.
 */
START_TEST(test_superpage_rules)
{
    hpa_t slot = hpa_of(0x80002000ull) + 16;
    bool old_valid;

    pin_sv39_by_updates();
    ck_assert_int_eq(
        pvpt_mmu_update(pv, slot, pte_to(hpa_of(0x80200000ull), LEAF_RWAD), &old_valid), PV_OK);
    ck_assert_int_eq(
        pvpt_mmu_update(pv, slot, pte_to(hpa_of(0x80201000ull), LEAF_RWAD), &old_valid),
        PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(hpa_of(RAM_BASE), LEAF_RWAD), &old_valid),
                     PV_ERR_DENIED); /* chunk 0 holds pinned tables */
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(hpa_of(RAM_BASE), LEAF_RAD), &old_valid),
                     PV_OK);
    /* 1 GiB at level 2: the host region's first GiB is far more than 8 MiB of RAM */
    ck_assert_int_eq(
        pvpt_mmu_update(pv, hpa_of(SV39_ROOT) + 24, pte_to(HOSTMEM_HPA_BASE, LEAF_RAD), &old_valid),
        PV_ERR_INVALID_ADDRESS);
}
END_TEST

/* Pins and unpins: twice, while mapped writable, a bad entry, self-mapping, in use. */
START_TEST(test_pin_unpin_refusals)
{
    hpa_t t = hpa_of(0x80009000ull);
    hpa_t slot = hpa_of(0x80003000ull) + 16;
    bool old_valid;

    pin_sv39_by_updates();
    ck_assert_int_eq(pvpt_pin(pv, hpa_of(0x80003000ull), 0), PV_ERR_DENIED); /* twice */
    ck_assert_int_eq(pvpt_pin(pv, t + 8, 0), PV_ERR_INVALID_PARAM);          /* unaligned */
    ck_assert_int_eq(pvpt_pin(pv, t, 4), PV_ERR_INVALID_PARAM);              /* no level 4 */
    ck_assert_int_eq(pvpt_pin(pv, 0, 0), PV_ERR_INVALID_ADDRESS);
    /* mapped writable by a pinned table: no pin until that mapping is gone */
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, pte_to(t, LEAF_RWAD), &old_valid), PV_OK);
    ck_assert_int_eq(pvpt_pin(pv, t, 0), PV_ERR_DENIED);
    ck_assert_int_eq(pvpt_mmu_update(pv, slot, 0, &old_valid), PV_OK);
    /* a table whose own entry maps it writable, or with a reserved bit: refused, not pinned */
    put_pte(0x80009000ull, pte_to(t, LEAF_RWAD));
    ck_assert_int_eq(pvpt_pin(pv, t, 0), PV_ERR_DENIED);
    ck_assert(!pvpt_is_pinned(pv, t, NULL));
    put_pte(0x80009000ull, (1ull << 60) | pte_to(hpa_of(DATA_GPA), LEAF_RAD));
    ck_assert_int_eq(pvpt_pin(pv, t, 0), PV_ERR_INVALID_PARAM);
    put_pte(0x80009000ull, pte_to(hpa_of(DATA_GPA), LEAF_RAD));
    ck_assert_int_eq(pvpt_pin(pv, t, 0), PV_OK);
    /* unpin: not pinned, pointed to, the current root; then fine */
    ck_assert_int_eq(pvpt_unpin(pv, hpa_of(0x8000a000ull), 0), PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_unpin(pv, hpa_of(0x80003000ull), 0), PV_ERR_DENIED);
    ck_assert_int_eq(pvpt_unpin(pv, hpa_of(SV39_ROOT), hpa_of(SV39_ROOT)), PV_ERR_DENIED);
    ck_assert_int_eq(pvpt_unpin(pv, hpa_of(SV39_ROOT), 0), PV_OK);
    ck_assert_int_eq(pvpt_unpin(pv, hpa_of(0x80002000ull), 0), PV_OK); /* no longer pointed to */
    ck_assert_int_eq(pvpt_unpin(pv, hpa_of(0x80003000ull), 0), PV_OK);
}
END_TEST

/* satp: Bare always; Sv39 needs a root pinned at level 2, Sv48 at level 3. */
START_TEST(test_satp_check)
{
    pin_sv39_by_updates();
    ck_assert_int_eq(pvpt_check_satp(pv, 0), PV_OK);
    ck_assert_int_eq(pvpt_check_satp(pv, satp_of(8, SV39_ROOT)), PV_OK);
    ck_assert_int_eq(pvpt_check_satp(pv, satp_of(9, SV39_ROOT)), PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_check_satp(pv, satp_of(8, 0x80002000ull)), PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_check_satp(pv, satp_of(8, 0x80009000ull)), PV_ERR_DENIED);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_wild_arguments)
{
    hpa_t hpa;
    bool old_valid;

    pin_sv39_by_updates();
    ck_assert_int_eq(pvpt_get_frame(pv, 0, &hpa), PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_get_frame(pv, UART_GPA, &hpa), PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_get_frame(pv, UINT64_MAX, &hpa), PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_mmu_update(pv, UINT64_MAX - 7, 0, &old_valid), PV_ERR_INVALID_ADDRESS);
    ck_assert_int_eq(pvpt_mmu_update(pv, hpa_of(0x80003000ull), UINT64_MAX, &old_valid),
                     PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_pin(pv, UINT64_MAX & ~PAGE_MASK, 0), PV_ERR_INVALID_ADDRESS);
    ck_assert_int_eq(pvpt_pin(pv, hpa_of(0x80009000ull), UINT32_MAX), PV_ERR_INVALID_PARAM);
    ck_assert_int_eq(pvpt_unpin(pv, UINT64_MAX & ~PAGE_MASK, 0), PV_ERR_INVALID_ADDRESS);
    ck_assert_int_eq(pvpt_check_satp(pv, (8ull << 60) | SATP_PPN_MASK), PV_ERR_DENIED);
}
END_TEST

/* The walker still checks what guest M-mode could write: reserved bits are a page fault. */
START_TEST(test_bad_pte_in_walk)
{
    struct xlate_out out;

    build_tables((1ull << 63) | pte_to(hpa_of(DATA_GPA), LEAF_RWAD));
    translate(GVA, satp_of(8, SV39_ROOT), PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_PAGE_FAULT);
    ck_assert_uint_eq(mmu_stats(mmu)->direct_foreign_frames, 0);
}
END_TEST

/* A reset forgets every pin: stores to the frame are plain again. */
START_TEST(test_reset_unpins)
{
    struct xlate_out out;

    pin_sv39_by_updates();
    pvpt_reset(pv);
    ck_assert(!pvpt_is_pinned(pv, hpa_of(SV39_ROOT), NULL));
    translate(SV39_ROOT, 0, PRV_M, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
}
END_TEST

static Suite *direct_suite(void)
{
    Suite *s = suite_create("direct");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_sv39_walk_reads_three);
    tcase_add_test(core, test_sv48_walk_reads_four);
    tcase_add_test(core, test_foreign_leaf_is_access_fault);
    tcase_add_test(core, test_foreign_table_is_access_fault);
    tcase_add_test(core, test_bare_and_pinned_store);
    tcase_add_test(core, test_probe_traces_hpas);
    tcase_add_test(core, test_pin_update_walk);
    tcase_add_test(core, test_update_refusals);
    tcase_add_test(core, test_superpage_rules);
    tcase_add_test(core, test_pin_unpin_refusals);
    tcase_add_test(core, test_satp_check);
    suite_add_tcase(s, core);
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_wild_arguments);
    tcase_add_test(bad, test_bad_pte_in_walk);
    tcase_add_test(bad, test_reset_unpins);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(direct_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
