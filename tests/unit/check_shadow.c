/*
 * tests/unit/check_shadow.c - --mmu shadow: the VMM's shadow MMU
 * (shadowpt/shadow.c) over the MMU's shadow walk (mmu/shadowed.c) - hidden
 * and true faults, the VMM's work counted, write-protected page tables, the
 * D bit, devices, and the bounds on roots and frames.
 * Course: 内存虚拟化 / 影子页表.
 * Spec: Privileged 20211203, §4.3.2, §4.4 "Sv39".
 *
 * The guest: 8 MiB of RAM at 0x8000_0000, an Sv39 table written with
 * gmem_write as a guest kernel would:
 *   root 0x8000_1000 [1] -> L1 0x8000_2000 [1] -> L0 0x8000_3000 [1] -> 0x8001_0000
 *   gva 0x4020_1000: VPN[2] = 1, VPN[1] = 1, VPN[0] = 1.
 * Every expected count is worked beside its assertion.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"
#include "mmu/mmu.h"
#include "shadowpt/shadowpt.h"

#define RAM_BASE          0x80000000ull
#define RAM_SIZE          (8ull << 20)
#define UART_GPA          0x10000000ull
#define GVA               0x40201000ull
#define DATA_GPA          0x80010000ull
#define L0_GPA            0x80003000ull
#define SATP_SV39         ((8ull << 60) | (0x80001000ull >> 12))
#define PTE_TO(gpa, bits) ((((gpa) >> 12) << 10) | (bits))
#define LEAF_RWAD         (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

static struct hostmem *hm;
static struct gmem *gm;
static struct pmp pmp;
static struct mmu *mmu;
static struct shadow *sh;

static void put_pte(gpa_t pte_gpa, uint64_t pte)
{
    ck_assert_int_eq(gmem_write(gm, pte_gpa, &pte, sizeof(pte)), 0);
}

static uint64_t get_pte(gpa_t pte_gpa)
{
    uint64_t pte = 0;
    ck_assert_int_eq(gmem_read(gm, pte_gpa, &pte, sizeof(pte)), 0);
    return pte;
}

static void setup(void)
{
    struct mmu_config cfg = {
        .tlb_entries = 64, .tlb_ways = 4, .fastpath = true, .mode = MMU_SHADOW, .vmid = 1};

    hm = hostmem_create(RAM_SIZE + (8ull << 20));
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
    ck_assert_int_eq(gmem_add_mmio(gm, UART_GPA, 0x1000), 0);
    memset(&pmp, 0, sizeof(pmp));
    mmu = mmu_create(gm, &pmp, &cfg);
    ck_assert_ptr_nonnull(mmu);
    sh = shadow_create(gm, mmu, &pmp, 8, 64);
    ck_assert_ptr_nonnull(sh);
    put_pte(0x80001000ull + 8, PTE_TO(0x80002000ull, PTE_V));
    put_pte(0x80002000ull + 8, PTE_TO(L0_GPA, PTE_V));
    put_pte(L0_GPA + 8, PTE_TO(DATA_GPA, LEAF_RWAD));
}

static void teardown(void)
{
    shadow_destroy(sh);
    mmu_destroy(mmu);
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

static void translate(gva_t gva, uint64_t satp, enum priv_level priv, enum access_type acc,
                      struct xlate_out *out)
{
    struct xlate_req req = {.gva = gva, .size = 8, .acc = acc, .priv = priv, .satp = satp};

    mmu_translate(mmu, &req, out);
}

static enum shadow_verdict fault(gva_t gva, enum access_type acc, uint64_t *cause)
{
    struct shadow_access a = {.gva = gva, .acc = acc, .priv = PRV_S, .satp = SATP_SV39};

    return shadow_fault(sh, &a, cause);
}

START_TEST(test_hidden_fault_fills_path)
{
    const struct shadow_stats *ss = shadow_stats(sh);
    struct xlate_out out;
    struct gpa_info info;
    uint64_t cause = 0;

    shadow_set_satp(sh, SATP_SV39);
    /* a new address space: one root page, built (a sync) */
    ck_assert_uint_eq(ss->syncs, 1);
    ck_assert_uint_eq(ss->frames, 1);
    /* the empty root: the shadow walk reads 1 PTE and faults */
    translate(GVA, SATP_SV39, PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_S2_FAULT);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 1);
    ck_assert_int_eq(fault(GVA, ACCESS_LOAD, &cause), SHADOW_FIXED);
    /* the VMM read the guest's 3 PTEs, wrote 2 pointers + 1 leaf, in 2 new pages */
    ck_assert_uint_eq(ss->guest_pte_reads, 3);
    ck_assert_uint_eq(ss->spte_writes, 3);
    ck_assert_uint_eq(ss->frames, 3);
    ck_assert_uint_eq(ss->hidden_faults, 1);
    ck_assert_uint_eq(ss->guest_ad_writes, 0); /* A and D were set already */
    /* again: a 3-read shadow walk (1 + 3 = 4 in all), to the VMM's frame for DATA_GPA */
    translate(GVA, SATP_SV39, PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 4);
    gmem_lookup(gm, DATA_GPA, &info);
    ck_assert_uint_eq(out.hpa, info.hpa_page);
    ck_assert_uint_eq(out.gpa, DATA_GPA);
}
END_TEST

START_TEST(test_true_faults)
{
    const struct shadow_stats *ss = shadow_stats(sh);
    uint64_t cause = 0;

    /* nothing at VPN[0] = 2 in the guest's L0: the guest's own load page fault (13) */
    ck_assert_int_eq(fault(GVA + 0x1000, ACCESS_LOAD, &cause), SHADOW_TRUE_FAULT);
    ck_assert_uint_eq(cause, CAUSE_LOAD_PAGE_FAULT);
    /* a guest leaf to a GPA where nothing is: the guest's store access fault (7) */
    put_pte(L0_GPA + 16, PTE_TO(0x40000000ull, LEAF_RWAD));
    ck_assert_int_eq(fault(GVA + 0x1000, ACCESS_STORE, &cause), SHADOW_TRUE_FAULT);
    ck_assert_uint_eq(cause, CAUSE_STORE_ACCESS);
    ck_assert_uint_eq(ss->true_faults, 2);
    ck_assert_uint_eq(ss->hidden_faults, 0);
}
END_TEST

START_TEST(test_pt_write_protected_and_zaps)
{
    const struct shadow_stats *ss = shadow_stats(sh);
    struct xlate_out out;
    uint64_t cause = 0;
    uint64_t writes_before;

    shadow_set_satp(sh, SATP_SV39);
    ck_assert_int_eq(fault(GVA, ACCESS_LOAD, &cause), SHADOW_FIXED);
    translate(GVA, SATP_SV39, PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    /* the guest's L0 is mirrored: a store to it (here from M-mode, bare) must exit */
    translate(L0_GPA + 8, 0, PRV_M, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_PT_WRITE);
    ck_assert_uint_eq(out.gpa, L0_GPA + 8);
    /* the VMM performs it: the guest's PTE changes, the one shadow leaf made from it goes */
    writes_before = ss->spte_writes;
    shadow_pt_write(sh, L0_GPA + 8, 8, PTE_TO(DATA_GPA + 0x1000, LEAF_RWAD));
    ck_assert_uint_eq(get_pte(L0_GPA + 8), PTE_TO(DATA_GPA + 0x1000, LEAF_RWAD));
    ck_assert_uint_eq(ss->pt_writes, 1);
    ck_assert_uint_eq(ss->spte_writes, writes_before + 1);
    /* the TLB keeps the old translation until the guest's sfence.vma, as hardware does */
    translate(GVA, SATP_SV39, PRV_S, ACCESS_LOAD, &out);
    ck_assert_uint_eq(out.gpa, DATA_GPA);
    mmu_sfence(mmu, true, 0, true, 0);
    translate(GVA, SATP_SV39, PRV_S, ACCESS_LOAD, &out);
    ck_assert_int_eq(out.status, XLATE_S2_FAULT);
    ck_assert_int_eq(fault(GVA, ACCESS_LOAD, &cause), SHADOW_FIXED);
    translate(GVA, SATP_SV39, PRV_S, ACCESS_LOAD, &out);
    ck_assert_uint_eq(out.gpa, DATA_GPA + 0x1000);
}
END_TEST

START_TEST(test_dirty_bit_by_vmm)
{
    const struct shadow_stats *ss = shadow_stats(sh);
    struct xlate_out out;
    uint64_t cause = 0;

    put_pte(L0_GPA + 8, PTE_TO(DATA_GPA, PTE_V | PTE_R | PTE_W | PTE_A)); /* D clear */
    shadow_set_satp(sh, SATP_SV39);
    ck_assert_int_eq(fault(GVA, ACCESS_LOAD, &cause), SHADOW_FIXED);
    /* the shadow leaf is read-only until D is set: the first store faults */
    translate(GVA, SATP_SV39, PRV_S, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_S2_FAULT);
    ck_assert_int_eq(fault(GVA, ACCESS_STORE, &cause), SHADOW_FIXED);
    ck_assert_uint_eq(ss->guest_ad_writes, 1);
    ck_assert_uint_eq(get_pte(L0_GPA + 8) & PTE_D, PTE_D);
    translate(GVA, SATP_SV39, PRV_S, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(ss->hidden_faults, 2);
}
END_TEST

START_TEST(test_device_page)
{
    struct xlate_out out;
    uint64_t cause = 0;

    put_pte(L0_GPA + 8, PTE_TO(UART_GPA, LEAF_RWAD));
    shadow_set_satp(sh, SATP_SV39);
    ck_assert_int_eq(fault(GVA + 5, ACCESS_STORE, &cause), SHADOW_FIXED);
    translate(GVA + 5, SATP_SV39, PRV_S, ACCESS_STORE, &out);
    ck_assert_int_eq(out.status, XLATE_MMIO);
    ck_assert_uint_eq(out.gpa, UART_GPA + 5);
}
END_TEST

/* ---------------------------------------------------------- bad input */

START_TEST(test_bounded_roots_and_frames)
{
    const struct shadow_stats *ss = shadow_stats(sh);
    uint64_t cause = 0;

    /* 1000 address spaces, each a root page somewhere in RAM: at most 8 roots kept,
     * never more than 64 frames, every new one a sync */
    for (uint64_t i = 0; i < 1000; i++) {
        uint64_t satp = (8ull << 60) | ((RAM_BASE >> 12) + 0x100 + (i % 700));
        shadow_set_satp(sh, satp);
        ck_assert_uint_le(ss->frames, 64);
    }
    ck_assert_uint_ge(ss->syncs, 700); /* 700 distinct roots, only 8 kept */
    /* a table pointing at itself (root[1] -> root): the walk ends, a true fault */
    put_pte(0x80001000ull + 8, PTE_TO(0x80001000ull, PTE_V));
    shadow_set_satp(sh, SATP_SV39);
    ck_assert_int_eq(fault(GVA, ACCESS_LOAD, &cause), SHADOW_TRUE_FAULT);
    /* reserved bits in a PTE: the guest's page fault */
    put_pte(0x80001000ull + 8, PTE_TO(0x80002000ull, PTE_V) | (1ull << 60));
    ck_assert_int_eq(fault(GVA, ACCESS_LOAD, &cause), SHADOW_TRUE_FAULT);
    ck_assert_uint_eq(cause, CAUSE_LOAD_PAGE_FAULT);
}
END_TEST

static Suite *shadow_suite(void)
{
    Suite *s = suite_create("shadow");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_hidden_fault_fills_path);
    tcase_add_test(core, test_true_faults);
    tcase_add_test(core, test_pt_write_protected_and_zaps);
    tcase_add_test(core, test_dirty_bit_by_vmm);
    tcase_add_test(core, test_device_page);
    suite_add_tcase(s, core);
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_bounded_roots_and_frames);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(shadow_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
