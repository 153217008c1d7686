/*
 * tests/unit/check_pmp.c - physical memory protection (mmu/pmp.c): address
 * matching (TOR, NA4, NAPOT), priority, partial matches, the L bit, and
 * which pages the fast path may treat as one.
 * Course: 内存虚拟化 / 物理内存保护.
 * Spec: Privileged 20211203, §3.7.1 "Physical Memory Protection CSRs".
 * Expected values are worked by hand from the spec (see each comment).
 */
#include <check.h>
#include <stdlib.h>

#include "cpu/encoding.h"
#include "mmu/mmu.h"

/* cfg byte: A field in bits 4:3 */
#define CFG_TOR   (PMP_A_TOR << PMP_A_SHIFT)   /* 0x08 */
#define CFG_NA4   (PMP_A_NA4 << PMP_A_SHIFT)   /* 0x10 */
#define CFG_NAPOT (PMP_A_NAPOT << PMP_A_SHIFT) /* 0x18 */
#define RWX       (PMP_R | PMP_W | PMP_X)

/* ---------------------------------------------------------------- core */

START_TEST(test_all_off)
{
    struct pmp pmp = {0};

    /* every entry OFF: everyone passes (QEMU/Spike behaviour) */
    ck_assert(pmp_check(&pmp, 0x80000000, 8, ACCESS_STORE, PRV_U));
    ck_assert(pmp_check(&pmp, 0x1000, 4, ACCESS_FETCH, PRV_S));
    ck_assert(pmp_check(&pmp, 0x1000, 4, ACCESS_FETCH, PRV_M));
}
END_TEST

START_TEST(test_tor)
{
    struct pmp pmp = {0};

    /* entry 0 TOR: [0, 0x80000000): pmpaddr0 = 0x80000000 >> 2 = 0x20000000 */
    pmp.addr[0] = 0x20000000;
    pmp.cfg[0] = CFG_TOR | RWX;
    ck_assert(pmp_check(&pmp, 0x7ffffffc, 4, ACCESS_LOAD, PRV_S));  /* last word inside */
    ck_assert(!pmp_check(&pmp, 0x80000000, 4, ACCESS_LOAD, PRV_S)); /* no match, active */
    ck_assert(pmp_check(&pmp, 0x80000000, 4, ACCESS_LOAD, PRV_M));  /* M: no match passes */
    /* 8 bytes at 0x7ffffffc: 4 inside, 4 outside -> fails, even for M */
    ck_assert(!pmp_check(&pmp, 0x7ffffffc, 8, ACCESS_LOAD, PRV_S));
    ck_assert(!pmp_check(&pmp, 0x7ffffffc, 8, ACCESS_LOAD, PRV_M));
    /* entry 1 TOR [0x80000000, 0x80001000): pmpaddr1 = 0x80001000 >> 2 = 0x20000400, R only */
    pmp.addr[1] = 0x20000400;
    pmp.cfg[1] = CFG_TOR | PMP_R;
    ck_assert(pmp_check(&pmp, 0x80000ff8, 8, ACCESS_LOAD, PRV_U));
    ck_assert(!pmp_check(&pmp, 0x80000ff8, 8, ACCESS_STORE, PRV_U));
    ck_assert(!pmp_check(&pmp, 0x80001000, 1, ACCESS_LOAD, PRV_U));
}
END_TEST

START_TEST(test_na4)
{
    struct pmp pmp = {0};

    /* NA4 at 0x1000: pmpaddr = 0x1000 >> 2 = 0x400; R only */
    pmp.addr[0] = 0x400;
    pmp.cfg[0] = CFG_NA4 | PMP_R;
    ck_assert(pmp_check(&pmp, 0x1000, 4, ACCESS_LOAD, PRV_S));
    ck_assert(pmp_check(&pmp, 0x1003, 1, ACCESS_LOAD, PRV_U));
    ck_assert(!pmp_check(&pmp, 0x1000, 4, ACCESS_STORE, PRV_S));
    ck_assert(!pmp_check(&pmp, 0x1000, 4, ACCESS_FETCH, PRV_S));
    ck_assert(!pmp_check(&pmp, 0x1004, 4, ACCESS_LOAD, PRV_S)); /* outside: no match */
    ck_assert(!pmp_check(&pmp, 0x1000, 8, ACCESS_LOAD, PRV_S)); /* half inside */
    ck_assert(!pmp_check(&pmp, 0x0ffe, 4, ACCESS_LOAD, PRV_S)); /* half inside, below */
}
END_TEST

START_TEST(test_napot)
{
    struct pmp pmp = {0};

    /* 64 KiB at 0x80000000: 65536 = 2^(t+3) -> t = 13 trailing ones;
     * pmpaddr = (0x80000000 >> 2) | (2^13 - 1) = 0x20000000 | 0x1fff = 0x20001fff */
    pmp.addr[0] = 0x20001fff;
    pmp.cfg[0] = CFG_NAPOT | PMP_R | PMP_X;
    ck_assert(pmp_check(&pmp, 0x80000000, 4, ACCESS_FETCH, PRV_S));
    ck_assert(pmp_check(&pmp, 0x8000fffc, 4, ACCESS_FETCH, PRV_S));
    ck_assert(!pmp_check(&pmp, 0x80010000, 4, ACCESS_LOAD, PRV_S));
    ck_assert(!pmp_check(&pmp, 0x7ffffffc, 4, ACCESS_LOAD, PRV_S));
    ck_assert(!pmp_check(&pmp, 0x80000000, 8, ACCESS_STORE, PRV_U));
    /* smallest NAPOT: t = 0, 8 bytes: pmpaddr = 0x2000 >> 2 = 0x800 */
    pmp.addr[1] = 0x800;
    pmp.cfg[1] = CFG_NAPOT | RWX;
    ck_assert(pmp_check(&pmp, 0x2000, 8, ACCESS_STORE, PRV_U));
    ck_assert(!pmp_check(&pmp, 0x2008, 1, ACCESS_STORE, PRV_U));
}
END_TEST

START_TEST(test_lock_binds_m)
{
    struct pmp pmp = {0};

    /* NA4 at 0x1000, R only, unlocked: M ignores it */
    pmp.addr[0] = 0x400;
    pmp.cfg[0] = CFG_NA4 | PMP_R;
    ck_assert(pmp_check(&pmp, 0x1000, 4, ACCESS_STORE, PRV_M));
    /* locked (0x80): M is held to R only */
    pmp.cfg[0] |= PMP_L;
    ck_assert(!pmp_check(&pmp, 0x1000, 4, ACCESS_STORE, PRV_M));
    ck_assert(!pmp_check(&pmp, 0x1000, 4, ACCESS_FETCH, PRV_M));
    ck_assert(pmp_check(&pmp, 0x1000, 4, ACCESS_LOAD, PRV_M));
}
END_TEST

START_TEST(test_priority)
{
    struct pmp pmp = {0};

    /* entry 0: NA4 at 0x1000 with no permission; entry 1: everything
     * (NAPOT all ones = 2^57 bytes from 0) RWX */
    pmp.addr[0] = 0x400;
    pmp.cfg[0] = CFG_NA4;
    pmp.addr[1] = (1ull << 54) - 1;
    pmp.cfg[1] = CFG_NAPOT | RWX;
    ck_assert(!pmp_check(&pmp, 0x1000, 4, ACCESS_LOAD, PRV_S)); /* entry 0 wins */
    ck_assert(pmp_check(&pmp, 0x1004, 4, ACCESS_LOAD, PRV_S));  /* entry 1 */
    ck_assert(pmp_check(&pmp, 0x80000000, 8, ACCESS_STORE, PRV_U));
    /* 8 bytes at 0xffc touch entry 0 partly: entry 0 decides, and fails */
    ck_assert(!pmp_check(&pmp, 0xffc, 8, ACCESS_LOAD, PRV_S));
}
END_TEST

START_TEST(test_page_uniform)
{
    struct pmp pmp = {0};

    ck_assert(pmp_page_is_uniform(&pmp, 0x80000000, PRV_S)); /* nothing active */
    pmp.addr[0] = 0x400;                                     /* NA4 at 0x1000 */
    pmp.cfg[0] = CFG_NA4 | PMP_R;
    pmp.addr[1] = 0x20001fff; /* NAPOT 64 KiB at 0x80000000 */
    pmp.cfg[1] = CFG_NAPOT | RWX;
    ck_assert(!pmp_page_is_uniform(&pmp, 0x1234, PRV_S));    /* 4 bytes of page 0x1000 */
    ck_assert(pmp_page_is_uniform(&pmp, 0x2000, PRV_S));     /* untouched */
    ck_assert(pmp_page_is_uniform(&pmp, 0x8000f000, PRV_U)); /* inside the 64 KiB */
    /* NA4 at 0x80010800 (entry 2) cuts page 0x80010000 */
    pmp.addr[2] = 0x80010800 >> 2;
    pmp.cfg[2] = CFG_NA4 | RWX;
    ck_assert(!pmp_page_is_uniform(&pmp, 0x80010000, PRV_M));
}
END_TEST

/* ----------------------------------------------------------- bad input */

START_TEST(test_bad_ranges)
{
    struct pmp pmp = {0};

    /* TOR with pmpaddr0 >= pmpaddr1: entry 1 matches nothing */
    pmp.addr[0] = 0x20000400;
    pmp.cfg[0] = 0; /* OFF, only the bottom of entry 1 */
    pmp.addr[1] = 0x20000000;
    pmp.cfg[1] = CFG_TOR | RWX;
    ck_assert(!pmp_check(&pmp, 0x80000000, 4, ACCESS_LOAD, PRV_S));
    ck_assert(pmp_check(&pmp, 0x80000000, 4, ACCESS_LOAD, PRV_M));
    /* an access that wraps the address space fails */
    ck_assert(!pmp_check(&pmp, 0xfffffffffffffffcull, 8, ACCESS_LOAD, PRV_M));
    /* pmpaddr with bits above 53 set (not via the CSR): treated as 54 bits */
    pmp.addr[2] = ~0ull;
    pmp.cfg[2] = CFG_NAPOT | PMP_R;
    ck_assert(pmp_check(&pmp, 0x80000000, 4, ACCESS_LOAD, PRV_U));
    /* size 0 is treated as one byte */
    ck_assert(pmp_check(&pmp, 0x80000000, 0, ACCESS_LOAD, PRV_U));
}
END_TEST

static Suite *pmp_suite(void)
{
    Suite *s = suite_create("pmp");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_test(core, test_all_off);
    tcase_add_test(core, test_tor);
    tcase_add_test(core, test_na4);
    tcase_add_test(core, test_napot);
    tcase_add_test(core, test_lock_binds_m);
    tcase_add_test(core, test_priority);
    tcase_add_test(core, test_page_uniform);
    tcase_add_test(bad, test_bad_ranges);
    suite_add_tcase(s, core);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pmp_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
