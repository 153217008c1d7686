/*
 * tests/unit/check_nested.c - --mmu nested: the VMM's stage-2 table
 * (mmu/stage2.c) and the two-stage translation (mmu/nested.c) - the cost of
 * a cold 2-D walk, TLB hits, stage-2 faults, MMIO, ROM, VMID tags.
 * Course: 内存虚拟化 / 硬件虚拟化 (EPT / G-stage, "25 - 1" = 24).
 * Spec: Privileged 20211203, §8.5 "Two-Stage Address Translation",
 *       §4.3.2, §4.4 "Sv39", §4.5 "Sv48".
 *
 * The guest: 8 MiB of RAM at 0x8000_0000 (four 2 MiB host runs, GPA chunk c
 * backed by run 3 - c, each 2 MiB-aligned), page tables written with
 * gmem_write as a guest kernel would:
 *   Sv39: root 0x8000_1000 [1] -> 0x8000_2000 [1] -> 0x8000_3000 [1] -> 0x8001_0000
 *   Sv48: root 0x8000_4000 [0] -> 0x8000_5000 [1] -> 0x8000_6000 [1] -> 0x8000_7000 [1]
 *         -> 0x8001_0000
 *   gva 0x4020_1000: VPN[3] = 0, VPN[2] = 1, VPN[1] = 1, VPN[0] = 1.
 * A and D are preset in the leaves, so no walk writes a PTE.
 * Cold walk cost, n1 stage-1 levels and n2 stage-2 levels: each of the n1
 * PTE GPAs and the final GPA needs n2 stage-2 reads: n1 (n2 + 1) + n2.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "cpu/encoding.h"
#include "mmu/internal.h"
#include "mmu/mmu.h"

#define RAM_BASE          0x80000000ull
#define RAM_SIZE          (8ull << 20)
#define UART_GPA          0x10000000ull
#define ROM_GPA           0x1000ull
#define GVA               0x40201000ull
#define DATA_GPA          0x80010000ull
#define SATP_SV39         ((8ull << 60) | (0x80001000ull >> 12))
#define SATP_SV48         ((9ull << 60) | (0x80004000ull >> 12))
#define PTE_TO(gpa, bits) ((((gpa) >> 12) << 10) | (bits))
#define LEAF_RWAD         (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

static struct hostmem *hm;
static struct gmem *gm;
static struct pmp pmp;
static struct s2_table *s2;
static struct mmu *mmu;

static void put_pte(gpa_t pte_gpa, uint64_t pte)
{
    ck_assert_int_eq(gmem_write(gm, pte_gpa, &pte, sizeof(pte)), 0);
}

static void build_guest_tables(void)
{
    put_pte(0x80001000ull + 8, PTE_TO(0x80002000ull, PTE_V));
    put_pte(0x80002000ull + 8, PTE_TO(0x80003000ull, PTE_V));
    put_pte(0x80003000ull + 8, PTE_TO(DATA_GPA, LEAF_RWAD));
    put_pte(0x80004000ull + 0, PTE_TO(0x80005000ull, PTE_V));
    put_pte(0x80005000ull + 8, PTE_TO(0x80006000ull, PTE_V));
    put_pte(0x80006000ull + 8, PTE_TO(0x80007000ull, PTE_V));
    put_pte(0x80007000ull + 8, PTE_TO(DATA_GPA, LEAF_RWAD));
}

/* Map all RAM (and the ROM page) at stage 2 with leaves of 4 KiB << (9 * level). */
static void map_ram(unsigned level)
{
    uint64_t size = PAGE_SIZE << (9 * level);
    hpa_t hpa;
    bool is_rom;

    for (gpa_t gpa = RAM_BASE; gpa < RAM_BASE + RAM_SIZE; gpa += size) {
        ck_assert(gmem_host_run(gm, gpa, size, &hpa, &is_rom));
        ck_assert(!is_rom);
        ck_assert_int_eq(s2_table_map(s2, gpa, hpa, level, PTE_R | PTE_W | PTE_X), 0);
    }
    ck_assert(gmem_host_run(gm, ROM_GPA, PAGE_SIZE, &hpa, &is_rom));
    ck_assert(is_rom);
    ck_assert_int_eq(s2_table_map(s2, ROM_GPA, hpa, 0, PTE_R | PTE_X), 0);
}

static void make(unsigned s2_levels, bool pwc)
{
    struct mmu_config cfg = {
        .tlb_entries = 64,
        .tlb_ways = 4,
        .fastpath = true,
        .mode = MMU_NESTED,
        .vmid = 1,
        .pwc = pwc,
    };

    s2 = s2_table_create(hm, s2_levels);
    ck_assert_ptr_nonnull(s2);
    cfg.s2 = s2;
    mmu = mmu_create(gm, &pmp, &cfg);
    ck_assert_ptr_nonnull(mmu);
}

static void setup(void)
{
    hm = hostmem_create(RAM_SIZE + (8ull << 20));
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
    ck_assert_int_eq(gmem_add_rom(gm, ROM_GPA, PAGE_SIZE), 0);
    ck_assert_int_eq(gmem_add_mmio(gm, UART_GPA, 0x1000), 0);
    memset(&pmp, 0, sizeof(pmp));
    build_guest_tables();
    s2 = NULL;
    mmu = NULL;
}

static void teardown(void)
{
    mmu_destroy(mmu);
    s2_table_destroy(s2);
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

static void translate(gva_t gva, uint64_t satp, enum priv_level priv, enum access_type acc,
                      struct xlate_out *out)
{
    struct xlate_req req = {.gva = gva, .size = 4, .acc = acc, .priv = priv, .satp = satp};

    mmu_translate(mmu, &req, out);
}

/* ---------------------------------------------------------------- cost */

struct walk_case {
    unsigned s2_levels, leaf_level;
    uint64_t satp;
    unsigned want, want_s1;
};

/* DESIGN.md's table: (n1 + 1)(n2 + 1) - 1, s1 = n1, s2 = (n1 + 1) n2 */
static const struct walk_case walk_cases[] = {
    {SV48_LEVELS, 0, SATP_SV48, 24, 4}, /* n1 4, n2 4: 5 * 5 - 1 */
    {SV39_LEVELS, 0, SATP_SV39, 15, 3}, /* n1 3, n2 3: 4 * 4 - 1 */
    {SV48_LEVELS, 1, SATP_SV48, 19, 4}, /* 2 MiB leaves: n2 3: 5 * 4 - 1 */
    {SV39_LEVELS, 1, SATP_SV39, 11, 3}, /* n2 2: 4 * 3 - 1 */
    {SV48_LEVELS, 0, SATP_SV39, 19, 3}, /* Sv39 guest over Sv48x4: 4 * 5 - 1 */
};

START_TEST(test_cold_walk_cost)
{
    const struct walk_case *c = &walk_cases[_i];
    struct xlate_out out;

    make(c->s2_levels, false);
    map_ram(c->leaf_level);
    translate(GVA, c->satp, PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.gpa, DATA_GPA);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_count, 1);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, c->want);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_s1_accesses, c->want_s1);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_s2_accesses, c->want - c->want_s1);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_max_accesses, c->want);
    ck_assert_uint_eq(mmu_stats(mmu)->tlb_misses, 1);
}
END_TEST

START_TEST(test_warm_tlb_hit_reads_nothing)
{
    struct xlate_out out, again;
    struct gpa_info info;

    make(SV48_LEVELS, false);
    map_ram(0);
    translate(GVA, SATP_SV48, PRV_S, ACCESS_LOAD, &out);
    translate(GVA + 8, SATP_SV48, PRV_S, ACCESS_LOAD, &again);
    ck_assert_int_eq(again.status, XLATE_OK);
    /* the second access: one TLB hit, no PTE read (24 stays 24) */
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 24);
    ck_assert_uint_eq(mmu_stats(mmu)->tlb_hits, 1);
    /* the HPA is the VMM's frame for DATA_GPA (chunk 0 -> run 3) */
    gmem_lookup(gm, DATA_GPA, &info);
    ck_assert_uint_eq(again.hpa, info.hpa_page + 8);
    ck_assert_uint_ne(again.hpa, DATA_GPA + 8);
}
END_TEST

START_TEST(test_bare_access_crosses_stage2)
{
    struct xlate_out out;

    make(SV48_LEVELS, false);
    map_ram(0);
    /* M-mode: no stage 1 (n1 = 0): (0 + 1)(4 + 1) - 1 = 4 reads */
    translate(DATA_GPA, 0, PRV_M, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 4);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_s1_accesses, 0);
    translate(DATA_GPA, 0, PRV_M, ACCESS_LOAD, &out);
    ck_assert_uint_eq(mmu_stats(mmu)->tlb_hits, 1);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 4);
}
END_TEST

START_TEST(test_pwc_cuts_stage2_reads)
{
    struct xlate_out out;

    make(SV48_LEVELS, true);
    map_ram(0);
    translate(GVA, SATP_SV48, PRV_S, ACCESS_LOAD, &out);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 24); /* cold: nothing cached yet */
    ck_assert_uint_eq(mmu_stats(mmu)->pwc_hits, 0);
    mmu_sfence(mmu, true, 0, true, 0); /* TLB empty again, stage-2 TLB kept */
    translate(GVA, SATP_SV48, PRV_S, ACCESS_LOAD, &out);
    /* all 5 GPAs (4 tables + data) hit the stage-2 TLB: only the 4 stage-1 reads */
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 24 + 4);
    ck_assert_uint_eq(mmu_stats(mmu)->pwc_hits, 5);
}
END_TEST

/* -------------------------------------------------------------- faults */

START_TEST(test_s2_fault_reports_gpa)
{
    struct xlate_out out;
    hpa_t hpa;
    bool is_rom;

    make(SV39_LEVELS, false);
    /* nothing mapped: the root PTE's GPA faults, after 1 read (an empty root) */
    translate(GVA, SATP_SV39, PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_S2_FAULT);
    ck_assert_uint_eq(out.fault_gpa, 0x80001000ull + 8);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 1);
    /* map the table pages only: now the data GPA is the one missing */
    for (gpa_t gpa = 0x80001000ull; gpa <= 0x80003000ull; gpa += PAGE_SIZE) {
        ck_assert(gmem_host_run(gm, gpa, PAGE_SIZE, &hpa, &is_rom));
        ck_assert_int_eq(s2_table_map(s2, gpa, hpa, 0, PTE_R | PTE_W | PTE_X), 0);
    }
    translate(GVA + 0x10, SATP_SV39, PRV_S, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_S2_FAULT);
    ck_assert_uint_eq(out.fault_gpa, DATA_GPA + 0x10);
}
END_TEST

START_TEST(test_mmio_and_rom)
{
    struct xlate_out out;

    make(SV48_LEVELS, false);
    map_ram(0);
    /* a device window is never mapped at stage 2: an MMIO access, not a fault */
    translate(UART_GPA, 0, PRV_M, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_MMIO);
    ck_assert_uint_eq(out.gpa, UART_GPA);
    /* ROM is mapped R/X: a load works, a store is the VMM's stage-2 fault */
    translate(ROM_GPA, 0, PRV_M, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    translate(ROM_GPA, 0, PRV_M, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_S2_FAULT);
    ck_assert_uint_eq(out.fault_gpa, ROM_GPA);
}
END_TEST

START_TEST(test_vmid_tags)
{
    struct tlb *t = tlb_create(16, 4, NULL, NULL);
    struct tlb_entry fill = {.vpn = 0x40201, .asid = 3, .vmid = 1};

    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(tlb_insert(t, &fill));
    ck_assert_ptr_nonnull(tlb_find_nested(t, 0x40201, 3, 1, false));
    ck_assert_ptr_null(tlb_find_nested(t, 0x40201, 3, 2, false)); /* another VM's */
    ck_assert_ptr_null(tlb_find_nested(t, 0x40201, 3, 1, true));  /* not a bare entry */
    tlb_destroy(t);
}
END_TEST

/* ----------------------------------------------------------- bad input */

START_TEST(test_map_bad_arguments)
{
    make(SV39_LEVELS, false);
    /* misaligned GPA or HPA for a 2 MiB leaf */
    ck_assert_int_eq(s2_table_map(s2, RAM_BASE + PAGE_SIZE, 0x100000000ull, 1, PTE_R), -EINVAL);
    ck_assert_int_eq(s2_table_map(s2, RAM_BASE, 0x100001000ull, 1, PTE_R), -EINVAL);
    /* a leaf level Sv39x4 does not have (3), W without R/X, stray bits */
    ck_assert_int_eq(s2_table_map(s2, RAM_BASE, 0x100000000ull, 3, PTE_R), -EINVAL);
    ck_assert_int_eq(s2_table_map(s2, RAM_BASE, 0x100000000ull, 0, PTE_W), -EINVAL);
    ck_assert_int_eq(s2_table_map(s2, RAM_BASE, 0x100000000ull, 0, PTE_R | PTE_G), -EINVAL);
    /* Sv39x4 GPAs have 41 bits: 1 << 41 does not fit */
    ck_assert_int_eq(s2_table_map(s2, 1ull << 41, 0x100000000ull, 0, PTE_R), -EINVAL);
    /* a 4 KiB leaf under an existing 2 MiB leaf */
    ck_assert_int_eq(s2_table_map(s2, RAM_BASE, 0x100000000ull, 1, PTE_R), 0);
    ck_assert_int_eq(s2_table_map(s2, RAM_BASE + PAGE_SIZE, 0x100001000ull, 0, PTE_R), -EEXIST);
    /* no stage 2 for --mmu nested: refused */
    struct mmu_config cfg = {.tlb_entries = 64, .tlb_ways = 4, .mode = MMU_NESTED};
    ck_assert_ptr_null(mmu_create(gm, &pmp, &cfg));
}
END_TEST

START_TEST(test_wide_gpa_faults)
{
    struct xlate_out out;

    make(SV39_LEVELS, false);
    map_ram(0);
    /* the guest's leaf points at GPA 1 << 41, beyond Sv39x4: a stage-2 fault, no read */
    put_pte(0x80003000ull + 8, PTE_TO(1ull << 41, LEAF_RWAD));
    translate(GVA, SATP_SV39, PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_S2_FAULT);
    ck_assert_uint_eq(out.fault_gpa, 1ull << 41);
    /* 3 tables, each behind 3 stage-2 reads, and nothing for the wide GPA: 12 */
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 12);
}
END_TEST

static Suite *nested_suite(void)
{
    Suite *s = suite_create("nested");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_loop_test(core, test_cold_walk_cost, 0,
                        (int)(sizeof(walk_cases) / sizeof(walk_cases[0])));
    tcase_add_test(core, test_warm_tlb_hit_reads_nothing);
    tcase_add_test(core, test_bare_access_crosses_stage2);
    tcase_add_test(core, test_pwc_cuts_stage2_reads);
    tcase_add_test(core, test_s2_fault_reports_gpa);
    tcase_add_test(core, test_mmio_and_rom);
    tcase_add_test(core, test_vmid_tags);
    suite_add_tcase(s, core);
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_map_bad_arguments);
    tcase_add_test(bad, test_wide_gpa_faults);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(nested_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
