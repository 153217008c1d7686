/*
 * tests/unit/check_mmu.c - unit tests of the memory layer: the frame
 * allocator, the guest-physical map, the stage-1 walker (Sv39, Sv48), the
 * modelled TLB (LRU, SFENCE.VMA scopes) and the fast path's counters.
 * Course: 内存虚拟化 / 页表遍历, TLB：缓存地址翻译结果.
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process",
 *       §4.4 "Sv39", §4.5 "Sv48", §4.2.1 "SFENCE.VMA".
 *
 * Every expected value is worked by hand in a comment. The page tables are
 * built in guest RAM with gmem_write, as a guest kernel would build them:
 *
 *   RAM: 8 MiB at 0x8000_0000 = 4 runs of 2 MiB, run r at HPA
 *        0x1_0000_0000 + r * 2 MiB, GPA chunk c backed by run 3 - c.
 *   Sv39 tables: root 0x8000_1000 -> L1 0x8000_2000 -> L0 0x8000_3000
 *   Sv48 tables: root 0x8000_4000 -> 0x8000_5000 -> 0x8000_6000 -> 0x8000_7000
 *   gva 0x4020_1000: VPN[2] = 1, VPN[1] = 1, VPN[0] = 1
 *     (0x4020_1000 >> 30 = 1; >> 21 = 0x201, & 511 = 1; >> 12 = 0x40201, & 511 = 1)
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"
#include "mmu/internal.h" /* the walker's stage-2 hook, tested directly below */
#include "mmu/mmu.h"

#define RAM_BASE  0x80000000ull
#define RAM_SIZE  (8ull << 20)
#define SATP_SV39 (8ull << 60)
#define SATP_SV48 (9ull << 60)
#define ROOT39    0x80001000ull
#define L1_39     0x80002000ull
#define L0_39     0x80003000ull
#define ROOT48    0x80004000ull
#define PTE_RWAD  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D) /* 0xc7 */

/* A table pointer or leaf PTE for a GPA: PPN = gpa >> 12 in bits 53:10. */
#define PTE_TO(gpa, bits) ((((gpa) >> 12) << 10) | (bits))

static struct hostmem *hm;
static struct gmem *gm;
static struct pmp pmp;
static struct mmu *mmu;

/* ---------------------------------------------------------------- helpers */

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

static struct mmu *make_mmu(unsigned entries, unsigned ways, bool fastpath)
{
    struct mmu_config cfg = {.tlb_entries = entries, .tlb_ways = ways, .fastpath = fastpath};
    struct mmu *m = mmu_create(gm, &pmp, &cfg);
    ck_assert_ptr_nonnull(m);
    return m;
}

static struct xlate_out xlate_full(struct mmu *m, gva_t gva, enum access_type acc,
                                   enum priv_level priv, uint64_t satp, bool sum, bool mxr)
{
    struct xlate_req req = {
        .gva = gva,
        .size = 1,
        .acc = acc,
        .priv = priv,
        .satp = satp,
        .sum = sum,
        .mxr = mxr,
    };
    struct xlate_out out;
    mmu_translate(m, &req, &out);
    return out;
}

static enum xlate_status xs(struct mmu *m, gva_t gva, enum access_type acc, enum priv_level priv,
                            uint64_t satp)
{
    return xlate_full(m, gva, acc, priv, satp, false, false).status;
}

/*
 * Sv39 tables for gva 0x4020_1000 and neighbours:
 *   root[1] (0x8000_1008) -> L1 0x8000_2000
 *   L1[1]   (0x8000_2008) -> L0 0x8000_3000
 *   L0[1]   (0x8000_3008) -> data 0x8001_0000, RWAD
 */
static void build_sv39(void)
{
    put_pte(ROOT39 + 1 * 8, PTE_TO(L1_39, PTE_V));
    put_pte(L1_39 + 1 * 8, PTE_TO(L0_39, PTE_V));
    put_pte(L0_39 + 1 * 8, PTE_TO(0x80010000ull, PTE_RWAD));
}

static void setup(void)
{
    hm = hostmem_create(RAM_SIZE + (4ull << 20));
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
    memset(&pmp, 0, sizeof(pmp)); /* every entry OFF: PMP lets everything through */
    mmu = make_mmu(64, 4, true);
    build_sv39();
}

static void teardown(void)
{
    mmu_destroy(mmu);
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

/* ------------------------------------------------------------- hostmem */

START_TEST(test_alloc_aligned_runs)
{
    struct hostmem *h = hostmem_create(16 * PAGE_SIZE);
    hpa_t hpa;

    ck_assert_uint_eq(hostmem_total_frames(h), 16);
    /* first fit, naturally aligned: 1 -> frame 0; 4 -> frame 4 (0..3 has frame 0 used);
     * 2 -> frame 2; 1 -> frame 1; 8 -> frame 8 */
    ck_assert_int_eq(hostmem_alloc(h, 1, &hpa), 0);
    ck_assert_uint_eq(hpa, 0x100000000ull);
    ck_assert_int_eq(hostmem_alloc(h, 4, &hpa), 0);
    ck_assert_uint_eq(hpa, 0x100004000ull);
    ck_assert_int_eq(hostmem_alloc(h, 2, &hpa), 0);
    ck_assert_uint_eq(hpa, 0x100002000ull);
    ck_assert_int_eq(hostmem_alloc(h, 1, &hpa), 0);
    ck_assert_uint_eq(hpa, 0x100001000ull);
    ck_assert_int_eq(hostmem_alloc(h, 8, &hpa), 0);
    ck_assert_uint_eq(hpa, 0x100008000ull);
    ck_assert_uint_eq(hostmem_free_frames(h), 0); /* 1 + 4 + 2 + 1 + 8 = 16 */
    ck_assert_int_eq(hostmem_alloc(h, 1, &hpa), -ENOMEM);
    hostmem_destroy(h);
}
END_TEST

START_TEST(test_free_reuse_zeroed)
{
    struct hostmem *h = hostmem_create(8 * PAGE_SIZE);
    hpa_t a, b, c;
    uint8_t *host;

    ck_assert_int_eq(hostmem_alloc(h, 4, &a), 0); /* frames 0..3 */
    ck_assert_int_eq(hostmem_alloc(h, 4, &b), 0); /* frames 4..7 */
    ck_assert_int_eq(hostmem_alloc(h, 1, &c), -ENOMEM);
    host = hostmem_ptr(h, a + 0x1000);
    memset(host, 0xab, PAGE_SIZE);
    hostmem_free(h, a, 4);
    ck_assert_uint_eq(hostmem_free_frames(h), 4);
    /* frames 0..3 are free again: a 2-run lands on frame 0, and reads zero */
    ck_assert_int_eq(hostmem_alloc(h, 2, &c), 0);
    ck_assert_uint_eq(c, 0x100000000ull);
    ck_assert_uint_eq(hostmem_ptr(h, c + 0x1000)[0], 0);
    ck_assert_uint_eq(hostmem_ptr(h, c + 0x1fff)[0], 0);
    hostmem_destroy(h);
}
END_TEST

START_TEST(test_alloc_bad_sizes)
{
    struct hostmem *h = hostmem_create(8 * PAGE_SIZE);
    hpa_t hpa;

    ck_assert_int_eq(hostmem_alloc(h, 0, &hpa), -ENOMEM);
    ck_assert_int_eq(hostmem_alloc(h, 3, &hpa), -ENOMEM);  /* not a power of two */
    ck_assert_int_eq(hostmem_alloc(h, 16, &hpa), -ENOMEM); /* more than there is */
    ck_assert_uint_eq(hostmem_free_frames(h), 8);
    /* region = [0x1_0000_0000, 0x1_0000_8000) */
    ck_assert_ptr_null(hostmem_ptr(h, 0xffffffffull));
    ck_assert_ptr_null(hostmem_ptr(h, 0x100008000ull));
    ck_assert_ptr_nonnull(hostmem_ptr(h, 0x100007fffull));
    hostmem_destroy(h);
}
END_TEST

START_TEST(test_double_free_aborts)
{
    struct hostmem *h = hostmem_create(8 * PAGE_SIZE);
    hpa_t hpa;

    ck_assert_int_eq(hostmem_alloc(h, 1, &hpa), 0);
    hostmem_free(h, hpa, 1);
    hostmem_free(h, hpa, 1); /* a vmlab bug: abort */
}
END_TEST

/* ---------------------------------------------------------------- gmem */

START_TEST(test_ram_gpa_not_hpa)
{
    struct gpa_info info;

    /* chunk 0 (0x8000_0000) <- run 3 = 0x1_0000_0000 + 3 * 0x20_0000 = 0x1_0060_0000 */
    gmem_lookup(gm, 0x80000000ull, &info);
    ck_assert_int_eq(info.kind, GPA_RAM);
    ck_assert_uint_eq(info.hpa_page, 0x100600000ull);
    /* chunk 1 (0x8020_0000) <- run 2 = 0x1_0040_0000; page 0x8020_3000 is 3 frames in */
    gmem_lookup(gm, 0x80203abcull, &info);
    ck_assert_uint_eq(info.hpa_page, 0x100403000ull);
    ck_assert_ptr_eq(info.host_page, hostmem_ptr(hm, 0x100403000ull));
    /* last page 0x807f_f000: chunk 3 <- run 0, frame 511 = 0x1_001f_f000 */
    gmem_lookup(gm, 0x807fffffull, &info);
    ck_assert_uint_eq(info.hpa_page, 0x1001ff000ull);
    gmem_lookup(gm, 0x80800000ull, &info); /* one past RAM */
    ck_assert_int_eq(info.kind, GPA_NONE);
    gmem_lookup(gm, 0x7fffffffull, &info);
    ck_assert_int_eq(info.kind, GPA_NONE);
}
END_TEST

START_TEST(test_gmem_copy_across_chunks)
{
    uint8_t out[16], in[16];
    gpa_t gpa = 0x801ffff8ull; /* 8 bytes in chunk 0, 8 in chunk 1 */

    for (unsigned i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(i + 1);
    }
    ck_assert_int_eq(gmem_write(gm, gpa, in, sizeof(in)), 0);
    ck_assert_int_eq(gmem_read(gm, gpa, out, sizeof(out)), 0);
    ck_assert_mem_eq(out, in, sizeof(in));
    /* host side: 0x801f_fff8 -> run 3 + 0x1f_fff8; 0x8020_0000 -> run 2 */
    ck_assert_uint_eq(hostmem_ptr(hm, 0x1007ffff8ull)[0], 1);
    ck_assert_uint_eq(hostmem_ptr(hm, 0x100400000ull)[0], 9);
}
END_TEST

START_TEST(test_gmem_bounds_all_or_nothing)
{
    uint8_t buf[32], zero[32] = {0};

    memset(buf, 0x5a, sizeof(buf));
    /* 0x807f_fff0 + 32 runs 16 bytes past the end of RAM: nothing written */
    ck_assert_int_eq(gmem_write(gm, 0x807ffff0ull, buf, sizeof(buf)), -EFAULT);
    ck_assert_int_eq(gmem_read(gm, 0x807ffff0ull, buf, 16), 0);
    ck_assert_mem_eq(buf, zero, 16);
    /* gpa + len wraps around 2^64 */
    ck_assert_int_eq(gmem_read(gm, 0xfffffffffffff000ull, buf, 0x2000), -EFAULT);
    ck_assert_int_eq(gmem_write(gm, UINT64_MAX, buf, 2), -EFAULT);
    /* starts below RAM */
    ck_assert_int_eq(gmem_read(gm, 0x7ffffff0ull, buf, 32), -EFAULT);
    /* a device window is not memory */
    ck_assert_int_eq(gmem_add_mmio(gm, 0x10000000ull, 0x100), 0);
    ck_assert_int_eq(gmem_read(gm, 0x10000000ull, buf, 4), -EFAULT);
    /* nothing to copy is fine anywhere */
    ck_assert_int_eq(gmem_read(gm, 0, buf, 0), 0);
}
END_TEST

START_TEST(test_gmem_regions)
{
    struct gpa_info info;
    uint8_t byte = 0x13;

    ck_assert_int_eq(gmem_add_rom(gm, 0x1000, 0x1000), 0);
    ck_assert_int_eq(gmem_add_mmio(gm, 0x10000000ull, 0x100), 0);
    ck_assert_int_eq(gmem_add_rom(gm, 0x80400000ull, 0x1000), -EEXIST); /* inside RAM */
    ck_assert_int_eq(gmem_add_mmio(gm, 0x1800, 0x10), -EEXIST);         /* inside the ROM */
    ck_assert_int_eq(gmem_add_mmio(gm, 0x100000f0ull, 0x20), -EEXIST);  /* overlaps the UART */
    ck_assert_int_eq(gmem_add_mmio(gm, 0x20000000ull, 0), -EINVAL);
    ck_assert_int_eq(gmem_add_rom(gm, 0x3001, 0x1000), -EINVAL); /* not page aligned */
    gmem_lookup(gm, 0x1ffe, &info);
    ck_assert_int_eq(info.kind, GPA_ROM);
    ck_assert_uint_ne(info.hpa_page, 0x1000);
    gmem_lookup(gm, 0x100000ffull, &info);
    ck_assert_int_eq(info.kind, GPA_MMIO);
    gmem_lookup(gm, 0x10000100ull, &info); /* just past the 0x100-byte window */
    ck_assert_int_eq(info.kind, GPA_NONE);
    /* the VMM (loader) may write ROM */
    ck_assert_int_eq(gmem_write(gm, 0x1000, &byte, 1), 0);
    gmem_set_page_flags(gm, 0x1234, GPAGE_CODE | GPAGE_WATCH);
    gmem_clear_page_flags(gm, 0x1234, GPAGE_WATCH);
    gmem_lookup(gm, 0x1000, &info);
    ck_assert_uint_eq(info.page_flags, GPAGE_CODE);
}
END_TEST

START_TEST(test_snapshot_restore)
{
    uint32_t word = 0xdeadbeef, other = 0x12345678, got = 0;

    ck_assert_int_eq(gmem_write(gm, 0x80100000ull, &word, 4), 0);
    ck_assert_int_eq(gmem_snapshot(gm), 0);
    ck_assert_int_eq(gmem_write(gm, 0x80100000ull, &other, 4), 0);
    ck_assert_int_eq(gmem_write(gm, 0x80500000ull, &other, 4), 0); /* was a zero page */
    gmem_restore(gm);
    ck_assert_int_eq(gmem_read(gm, 0x80100000ull, &got, 4), 0);
    ck_assert_uint_eq(got, 0xdeadbeef);
    ck_assert_int_eq(gmem_read(gm, 0x80500000ull, &got, 4), 0);
    ck_assert_uint_eq(got, 0);
}
END_TEST

/* -------------------------------------------------------------- walker */

START_TEST(test_sv39_walk_and_hit)
{
    uint64_t satp = SATP_SV39 | (ROOT39 >> 12); /* MODE 8, ASID 0, PPN 0x80001 */
    struct xlate_out out = xlate_full(mmu, 0x40201234ull, ACCESS_LOAD, PRV_S, satp, false, false);
    const struct mmu_stats *st = mmu_stats(mmu);

    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.gpa, 0x80010234ull); /* L0[1] -> 0x8001_0000, offset 0x234 */
    /* 0x8001_0234 is in chunk 0 <- run 3 (0x1_0060_0000): + 0x1_0234 */
    ck_assert_uint_eq(out.hpa, 0x100610234ull);
    ck_assert_ptr_eq(out.host, hostmem_ptr(hm, 0x100610234ull));
    ck_assert_ptr_nonnull(out.te);
    ck_assert_uint_eq(st->tlb_misses, 1);
    ck_assert_uint_eq(st->walk_count, 1);
    ck_assert_uint_eq(st->walk_accesses, 3); /* Sv39 cold: root, L1, L0 */
    ck_assert_uint_eq(st->walk_s1_accesses, 3);
    ck_assert_uint_eq(st->walk_max_accesses, 3);
    ck_assert_uint_eq(st->walk_pte_writes, 0); /* A and D already set */
    /* same page again: a TLB hit, no PTE read */
    out = xlate_full(mmu, 0x40201ff8ull, ACCESS_STORE, PRV_S, satp, false, false);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.gpa, 0x80010ff8ull);
    ck_assert_uint_eq(st->tlb_hits, 1);
    ck_assert_uint_eq(st->tlb_misses, 1);
    ck_assert_uint_eq(st->walk_accesses, 3);
}
END_TEST

START_TEST(test_sv48_walk)
{
    /* gva 0x80_4020_1000: VPN[3] = 0x80_4020_1000 >> 39 = 1, VPN[2..0] = 1 as above */
    gva_t gva = 0x8040201000ull;
    uint64_t satp = SATP_SV48 | (ROOT48 >> 12);
    struct xlate_out out;

    put_pte(ROOT48 + 8, PTE_TO(0x80005000ull, PTE_V));
    put_pte(0x80005000ull + 8, PTE_TO(0x80006000ull, PTE_V));
    put_pte(0x80006000ull + 8, PTE_TO(0x80007000ull, PTE_V));
    put_pte(0x80007000ull + 8, PTE_TO(0x80011000ull, PTE_RWAD));
    out = xlate_full(mmu, gva + 0x10, ACCESS_LOAD, PRV_S, satp, false, false);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.gpa, 0x80011010ull);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 4); /* Sv48 cold: 4 levels */
    ck_assert_uint_eq(mmu_stats(mmu)->walk_max_accesses, 4);
    /* in Sv39 the same VA is not canonical: bit 39 set, bit 38 clear -> page fault */
    ck_assert_int_eq(xs(mmu, gva, ACCESS_LOAD, PRV_S, SATP_SV39 | (ROOT39 >> 12)),
                     XLATE_PAGE_FAULT);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_count, 1); /* refused before TLB and walk */
    ck_assert_uint_eq(mmu_stats(mmu)->tlb_misses + mmu_stats(mmu)->tlb_hits, 1);
}
END_TEST

START_TEST(test_superpages)
{
    uint64_t satp = SATP_SV39 | (ROOT39 >> 12);
    const struct mmu_stats *st = mmu_stats(mmu);
    struct xlate_out out;

    /* 2 MiB leaf: gva 0x4040_0000 has VPN[2] = 1, VPN[1] = 2 -> L1[2] (0x8000_2010) */
    put_pte(L1_39 + 2 * 8, PTE_TO(0x80200000ull, PTE_RWAD));
    out = xlate_full(mmu, 0x40412345ull, ACCESS_LOAD, PRV_S, satp, false, false);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.gpa, 0x80212345ull); /* 0x8020_0000 + 0x1_2345 */
    ck_assert_uint_eq(out.te->level, 1);
    ck_assert_uint_eq(st->walk_accesses, 2); /* root, L1 */
    /* 1 GiB leaf: gva 0xc000_0000 has VPN[2] = 3 -> root[3]; PPN 0x80000, low 18 bits 0 */
    put_pte(ROOT39 + 3 * 8, PTE_TO(0x80000000ull, PTE_RWAD));
    out = xlate_full(mmu, 0xc0345678ull, ACCESS_LOAD, PRV_S, satp, false, false);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.gpa, 0x80345678ull);
    ck_assert_uint_eq(out.te->level, 2);
    ck_assert_uint_eq(st->walk_accesses, 3); /* 2 + 1 */
    ck_assert_uint_eq(st->walk_max_accesses, 2);
    /* misaligned 1 GiB leaf: PPN 0x80001 has PPN[1:0] != 0 -> page fault (step 6) */
    put_pte(ROOT39 + 4 * 8, PTE_TO(0x80001000ull, PTE_RWAD));
    ck_assert_int_eq(xs(mmu, 0x100000000ull, ACCESS_LOAD, PRV_S, satp), XLATE_PAGE_FAULT);
    /* W without R on a level-1 PTE (gva 0x4080_1000: VPN[1] = 4): reserved, even though
     * read as a pointer it would lead to the valid L0[1] -> page fault after 2 reads */
    put_pte(L1_39 + 4 * 8, PTE_TO(L0_39, PTE_V | PTE_W));
    ck_assert_int_eq(xs(mmu, 0x40801000ull, ACCESS_LOAD, PRV_S, satp), XLATE_PAGE_FAULT);
    ck_assert_uint_eq(st->walk_accesses, 6); /* 3 + 2 + 1 (misaligned 1 GiB leaf) */
    /* misaligned 2 MiB leaf: PPN 0x80201, PPN[0] = 1 */
    put_pte(L1_39 + 3 * 8, PTE_TO(0x80201000ull, PTE_RWAD));
    ck_assert_int_eq(xs(mmu, 0x40600000ull, ACCESS_LOAD, PRV_S, satp), XLATE_PAGE_FAULT);
}
END_TEST

START_TEST(test_ad_bits_set_by_hart)
{
    uint64_t satp = SATP_SV39 | (ROOT39 >> 12);
    const struct mmu_stats *st = mmu_stats(mmu);
    /* L0[8] (0x8000_3040): gva 0x4020_8000 -> 0x8001_4000, R W, A = D = 0 */
    uint64_t pte = PTE_TO(0x80014000ull, PTE_V | PTE_R | PTE_W); /* 0x2000_5007 */

    put_pte(L0_39 + 8 * 8, pte);
    ck_assert_int_eq(xs(mmu, 0x40208000ull, ACCESS_LOAD, PRV_S, satp), XLATE_OK);
    ck_assert_uint_eq(get_pte(L0_39 + 8 * 8), 0x20005047ull); /* A (0x40) set */
    ck_assert_uint_eq(st->walk_pte_writes, 1);
    ck_assert_uint_eq(st->walk_accesses, 3);
    /* the store hits the TLB entry with D = 0: walk again, set D */
    ck_assert_int_eq(xs(mmu, 0x40208000ull, ACCESS_STORE, PRV_S, satp), XLATE_OK);
    ck_assert_uint_eq(get_pte(L0_39 + 8 * 8), 0x200050c7ull); /* A | D (0x80) */
    ck_assert_uint_eq(st->tlb_hits, 1);
    ck_assert_uint_eq(st->walk_count, 2);
    ck_assert_uint_eq(st->walk_accesses, 6);
    ck_assert_uint_eq(st->walk_pte_writes, 2);
    /* a second store: hit, D already cached */
    ck_assert_int_eq(xs(mmu, 0x40208010ull, ACCESS_STORE, PRV_S, satp), XLATE_OK);
    ck_assert_uint_eq(st->tlb_hits, 2);
    ck_assert_uint_eq(st->walk_count, 2);
}
END_TEST

/* One row of the fault table: an L0 PTE at index idx, an access, the answer. */
struct fault_case {
    unsigned idx;
    uint64_t pte;
    enum access_type acc;
    enum priv_level priv;
    bool sum, mxr;
    enum xlate_status want;
};

static const struct fault_case fault_cases[] = {
    /* V = 0 (step 3) */
    {2, PTE_TO(0x80012000ull, PTE_RWAD & ~PTE_V), ACCESS_LOAD, PRV_S, false, false,
     XLATE_PAGE_FAULT},
    /* W without R is reserved (step 3) */
    {3, PTE_TO(0x80012000ull, PTE_V | PTE_W | PTE_A | PTE_D), ACCESS_STORE, PRV_S, false, false,
     XLATE_PAGE_FAULT},
    /* U page from S without SUM; with SUM fine; fetch from S never */
    {4, PTE_TO(0x80012000ull, PTE_RWAD | PTE_U), ACCESS_LOAD, PRV_S, false, false,
     XLATE_PAGE_FAULT},
    {4, PTE_TO(0x80012000ull, PTE_RWAD | PTE_U), ACCESS_LOAD, PRV_S, true, false, XLATE_OK},
    {4, PTE_TO(0x80012000ull, PTE_RWAD | PTE_X | PTE_U), ACCESS_FETCH, PRV_S, true, false,
     XLATE_PAGE_FAULT},
    {4, PTE_TO(0x80012000ull, PTE_RWAD | PTE_U), ACCESS_STORE, PRV_U, false, false, XLATE_OK},
    /* S page from U: never */
    {4, PTE_TO(0x80012000ull, PTE_RWAD), ACCESS_LOAD, PRV_U, false, false, XLATE_PAGE_FAULT},
    /* execute-only page: a load needs MXR */
    {5, PTE_TO(0x80012000ull, PTE_V | PTE_X | PTE_A), ACCESS_LOAD, PRV_S, false, false,
     XLATE_PAGE_FAULT},
    {5, PTE_TO(0x80012000ull, PTE_V | PTE_X | PTE_A), ACCESS_LOAD, PRV_S, false, true, XLATE_OK},
    {5, PTE_TO(0x80012000ull, PTE_V | PTE_X | PTE_A), ACCESS_FETCH, PRV_S, false, false, XLATE_OK},
    /* read-only page: a store faults; a fetch needs X */
    {5, PTE_TO(0x80012000ull, PTE_V | PTE_R | PTE_A), ACCESS_STORE, PRV_S, false, false,
     XLATE_PAGE_FAULT},
    {5, PTE_TO(0x80012000ull, PTE_V | PTE_R | PTE_A), ACCESS_FETCH, PRV_S, false, false,
     XLATE_PAGE_FAULT},
    /* a pointer at level 0 (step 4, i < 0) */
    {6, PTE_TO(0x80012000ull, PTE_V), ACCESS_LOAD, PRV_S, false, false, XLATE_PAGE_FAULT},
    /* reserved bit 54 set (step 3) */
    {7, PTE_TO(0x80012000ull, PTE_RWAD) | (1ull << 54), ACCESS_LOAD, PRV_S, false, false,
     XLATE_PAGE_FAULT},
    /* a leaf pointing outside RAM: the walk succeeds, the access is an access fault */
    {7, PTE_TO(0x40000000ull, PTE_RWAD), ACCESS_LOAD, PRV_S, false, false, XLATE_ACCESS_FAULT},
};

START_TEST(test_fault_kinds)
{
    const struct fault_case *fc = &fault_cases[_i];
    uint64_t satp = SATP_SV39 | (ROOT39 >> 12);
    gva_t gva = 0x40200000ull + fc->idx * PAGE_SIZE; /* L0[idx] */

    put_pte(L0_39 + fc->idx * 8, fc->pte);
    ck_assert_int_eq(xlate_full(mmu, gva, fc->acc, fc->priv, satp, fc->sum, fc->mxr).status,
                     fc->want);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 3); /* every case reads 3 PTEs */
}
END_TEST

START_TEST(test_pte_read_access_faults)
{
    /* root at GPA 0x100_0000: no memory there -> access fault, no PTE read counted */
    ck_assert_int_eq(xs(mmu, 0x40201000ull, ACCESS_LOAD, PRV_S, SATP_SV39 | 0x1000),
                     XLATE_ACCESS_FAULT);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_count, 1);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 0);
    /* PMP entry 0: TOR [0, 0x8000_0000) RWX. RAM matches no entry and an entry is
     * active, so S-mode PTE reads fail (§3.7.1) -> access fault */
    pmp.addr[0] = 0x80000000ull >> 2;
    pmp.cfg[0] = PMP_R | PMP_W | PMP_X | (PMP_A_TOR << PMP_A_SHIFT);
    ck_assert_int_eq(xs(mmu, 0x40201000ull, ACCESS_LOAD, PRV_S, SATP_SV39 | (ROOT39 >> 12)),
                     XLATE_ACCESS_FAULT);
    ck_assert_uint_eq(mmu_stats(mmu)->walk_accesses, 0);
}
END_TEST

START_TEST(test_untranslated)
{
    struct xlate_out out;

    ck_assert_int_eq(gmem_add_rom(gm, 0x1000, 0x1000), 0);
    ck_assert_int_eq(gmem_add_mmio(gm, 0x10000000ull, 0x100), 0);
    /* M-mode ignores satp: GPA = GVA, no TLB involved */
    out = xlate_full(mmu, 0x80010008ull, ACCESS_LOAD, PRV_M, SATP_SV39 | 0x80001, false, false);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.gpa, 0x80010008ull);
    ck_assert_ptr_null(out.te);
    /* S-mode with satp Bare: the same */
    ck_assert_int_eq(xs(mmu, 0x80010008ull, ACCESS_STORE, PRV_S, 0), XLATE_OK);
    ck_assert_int_eq(xs(mmu, 0x1004, ACCESS_FETCH, PRV_M, 0), XLATE_OK);
    ck_assert_int_eq(xs(mmu, 0x1004, ACCESS_STORE, PRV_M, 0), XLATE_ACCESS_FAULT); /* ROM */
    ck_assert_int_eq(xs(mmu, 0x10000005ull, ACCESS_LOAD, PRV_M, 0), XLATE_MMIO);
    ck_assert_int_eq(xs(mmu, 0x10000005ull, ACCESS_FETCH, PRV_M, 0), XLATE_ACCESS_FAULT);
    ck_assert_int_eq(xs(mmu, 0x20000000ull, ACCESS_LOAD, PRV_M, 0), XLATE_ACCESS_FAULT);
    ck_assert_uint_eq(mmu_stats(mmu)->tlb_hits + mmu_stats(mmu)->tlb_misses, 0);
}
END_TEST

START_TEST(test_bad_request)
{
    struct xlate_req req = {.gva = 0x80010ffcull, .size = 8, .acc = ACCESS_LOAD, .priv = PRV_M};
    struct xlate_out out;

    mmu_translate(mmu, &req, &out); /* crosses into the next page */
    ck_assert_int_eq(out.status, XLATE_ACCESS_FAULT);
    req.size = 0;
    mmu_translate(mmu, &req, &out);
    ck_assert_int_eq(out.status, XLATE_ACCESS_FAULT);
}
END_TEST

START_TEST(test_bad_config)
{
    struct mmu_config cfg = {.tlb_entries = 6, .tlb_ways = 4, .fastpath = true};

    ck_assert_ptr_null(mmu_create(gm, &pmp, &cfg)); /* 6 is not a multiple of 4 */
    cfg.tlb_entries = 64;
    cfg.tlb_ways = 0;
    ck_assert_ptr_null(mmu_create(gm, &pmp, &cfg));
    ck_assert_ptr_null(gmem_create(hm, 0x80000800ull, 0x1000));         /* base not page aligned */
    ck_assert_ptr_null(gmem_create(hm, 0xfffffffffffff000ull, 0x2000)); /* wraps */
}
END_TEST

/* ----------------------------------------------------------------- TLB */

/*
 * Five pages whose VPNs differ by 16 share one set of a 64-entry 4-way TLB
 * (16 sets, set = vpn mod 16): gva 0x4020_1000 + k * 0x1_0000, k = 0..4,
 * VPN 0x40201 + 16k, all in set 1. L0[1 + 16k] -> 0x8002_0000 + k * 0x1000.
 */
static gva_t lru_gva(unsigned k)
{
    return 0x40201000ull + k * 0x10000ull;
}

static void build_lru_pages(void)
{
    for (unsigned k = 0; k < 5; k++) {
        put_pte(L0_39 + (1 + 16 * k) * 8, PTE_TO(0x80020000ull + k * PAGE_SIZE, PTE_RWAD));
    }
}

static bool set1_holds(gva_t gva)
{
    const struct tlb_entry *te;
    unsigned ways, n = mmu_tlb_view(mmu, &te, &ways);

    ck_assert_uint_eq(n, 64);
    ck_assert_uint_eq(ways, 4);
    for (unsigned w = 0; w < 4; w++) {
        if (te[1 * 4 + w].valid && te[1 * 4 + w].vpn == gva >> 12) {
            return true;
        }
    }
    return false;
}

START_TEST(test_lru_eviction)
{
    uint64_t satp = SATP_SV39 | (ROOT39 >> 12);
    const struct mmu_stats *st = mmu_stats(mmu);
    enum { A, B, C, D, E };

    build_lru_pages();
    /* A B C D: 4 misses, stamps A1 B2 C3 D4 */
    for (unsigned k = A; k <= D; k++) {
        ck_assert_int_eq(xs(mmu, lru_gva(k), ACCESS_LOAD, PRV_S, satp), XLATE_OK);
    }
    ck_assert_int_eq(xs(mmu, lru_gva(A), ACCESS_LOAD, PRV_S, satp), XLATE_OK); /* hit: A5 */
    ck_assert_int_eq(xs(mmu, lru_gva(E), ACCESS_LOAD, PRV_S, satp), XLATE_OK); /* B out: E6 */
    ck_assert(!set1_holds(lru_gva(B)));
    ck_assert(set1_holds(lru_gva(A)) && set1_holds(lru_gva(C)) && set1_holds(lru_gva(E)));
    ck_assert_int_eq(xs(mmu, lru_gva(B), ACCESS_LOAD, PRV_S, satp), XLATE_OK); /* C out: B7 */
    ck_assert(!set1_holds(lru_gva(C)));
    ck_assert_int_eq(xs(mmu, lru_gva(A), ACCESS_LOAD, PRV_S, satp), XLATE_OK); /* hit: A8 */
    ck_assert_int_eq(xs(mmu, lru_gva(C), ACCESS_LOAD, PRV_S, satp), XLATE_OK); /* D out: C9 */
    ck_assert(!set1_holds(lru_gva(D)));
    ck_assert_uint_eq(st->tlb_misses, 7);     /* A B C D E B C */
    ck_assert_uint_eq(st->tlb_hits, 2);       /* A A */
    ck_assert_uint_eq(st->walk_accesses, 21); /* 7 walks x 3 */
}
END_TEST

START_TEST(test_sfence_scopes)
{
    uint64_t satp1 = SATP_SV39 | (1ull << 44) | (ROOT39 >> 12); /* ASID 1 */
    uint64_t satp2 = SATP_SV39 | (2ull << 44) | (ROOT39 >> 12); /* ASID 2 */
    gva_t page = 0x40201000ull, global_page = 0x40209000ull;
    const struct mmu_stats *st = mmu_stats(mmu);

    /* L0[9]: a global page */
    put_pte(L0_39 + 9 * 8, PTE_TO(0x80015000ull, PTE_RWAD | PTE_G));
    xs(mmu, page, ACCESS_LOAD, PRV_S, satp1);        /* miss 1 */
    xs(mmu, page, ACCESS_LOAD, PRV_S, satp2);        /* miss 2: other ASID */
    xs(mmu, global_page, ACCESS_LOAD, PRV_S, satp1); /* miss 3 */
    xs(mmu, global_page, ACCESS_LOAD, PRV_S, satp2); /* hit 1: global matches any ASID */
    ck_assert_uint_eq(st->tlb_misses, 3);
    ck_assert_uint_eq(st->tlb_hits, 1);

    /* rs1 = x0, rs2 = ASID 1: ASID 1's page goes, ASID 2's and the global stay */
    mmu_sfence(mmu, true, 0, false, 1);
    xs(mmu, page, ACCESS_LOAD, PRV_S, satp1);        /* miss 4 */
    xs(mmu, page, ACCESS_LOAD, PRV_S, satp2);        /* hit 2 */
    xs(mmu, global_page, ACCESS_LOAD, PRV_S, satp1); /* hit 3 */
    ck_assert_uint_eq(st->tlb_misses, 4);
    ck_assert_uint_eq(st->tlb_hits, 3);

    /* rs1 = VA, rs2 = ASID 2: only ASID 2's entry for that page; never a global one */
    mmu_sfence(mmu, false, global_page, false, 2);
    xs(mmu, global_page, ACCESS_LOAD, PRV_S, satp2); /* hit 4 */
    mmu_sfence(mmu, false, page + 0x123, false, 2);
    xs(mmu, page, ACCESS_LOAD, PRV_S, satp2); /* miss 5 */
    xs(mmu, page, ACCESS_LOAD, PRV_S, satp1); /* hit 5 */
    ck_assert_uint_eq(st->tlb_misses, 5);
    ck_assert_uint_eq(st->tlb_hits, 5);

    /* rs1 = VA, rs2 = x0: that page in every ASID, global too */
    mmu_sfence(mmu, false, global_page, true, 0);
    xs(mmu, global_page, ACCESS_LOAD, PRV_S, satp2); /* miss 6 */
    mmu_sfence(mmu, false, page, true, 0);
    xs(mmu, page, ACCESS_LOAD, PRV_S, satp1); /* miss 7 */
    xs(mmu, page, ACCESS_LOAD, PRV_S, satp2); /* miss 8 */
    ck_assert_uint_eq(st->tlb_misses, 8);

    /* rs1 = x0, rs2 = x0: everything */
    mmu_sfence(mmu, true, 0, true, 0);
    xs(mmu, global_page, ACCESS_LOAD, PRV_S, satp1); /* miss 9 */
    ck_assert_uint_eq(st->tlb_misses, 9);
    ck_assert_uint_eq(st->tlb_hits, 5);
    ck_assert_uint_eq(st->tlb_flushes, 6); /* one per sfence */
}
END_TEST

START_TEST(test_sfence_va_in_superpage)
{
    uint64_t satp = SATP_SV39 | (ROOT39 >> 12);

    /* 2 MiB leaf at gva 0x4040_0000 (L1[2]); the TLB holds its 4 KiB piece 0x40412 */
    put_pte(L1_39 + 2 * 8, PTE_TO(0x80200000ull, PTE_RWAD));
    xs(mmu, 0x40412345ull, ACCESS_LOAD, PRV_S, satp); /* miss 1 */
    /* a fence for another 4 KiB page of the same 2 MiB leaf covers it */
    mmu_sfence(mmu, false, 0x40500000ull, true, 0);
    xs(mmu, 0x40412345ull, ACCESS_LOAD, PRV_S, satp); /* miss 2 */
    /* a fence for the next 2 MiB region does not */
    mmu_sfence(mmu, false, 0x40600000ull, true, 0);
    xs(mmu, 0x40412345ull, ACCESS_LOAD, PRV_S, satp); /* hit */
    ck_assert_uint_eq(mmu_stats(mmu)->tlb_misses, 2);
    ck_assert_uint_eq(mmu_stats(mmu)->tlb_hits, 1);
}
END_TEST

/* ------------------------------------------------------------ fast path */

/*
 * A small CPU model: loads and stores try the fast path first, as cpu/ does;
 * a fast hit touches the TLB entry and counts a TLB hit (tlb_touch).
 * Returns true when the access was served by the fast path.
 */
static bool cpu_access(struct mmu *m, gva_t gva, enum access_type acc, uint64_t satp)
{
    struct mmu_fast *fast = mmu_fast(m);
    uint64_t vpn = gva >> 12;
    struct fast_entry *fe = acc == ACCESS_STORE ? &fast->store[PRV_S][vpn % FAST_ENTRIES]
                                                : &fast->load[PRV_S][vpn % FAST_ENTRIES];

    if (fe->vpn_tag == vpn) {
        tlb_touch(fast, fe->te);
        return true;
    }
    ck_assert_int_eq(xs(m, gva, acc, PRV_S, satp), XLATE_OK);
    return false;
}

/*
 * The sequence, worked on the modelled TLB (64 entries, 4 ways). Pages 0-4 are
 * lru_gva(k), all in set 1; page 5 is gva 0x4020_8000 (L0[8], A = D = 0), set 8.
 *   0L miss1   0L hit1   0S hit2   0S hit3   1L miss2   2L miss3   3L miss4
 *   4L miss5 (evicts 0, used last at step 4)   0L miss6 (evicts 1)
 *   4S hit4   4S hit5   5L miss7 (sets A: write 1)   5L hit6
 *   5S hit7 (D = 0: walk again, sets D: write 2)   5S hit8
 *   1L miss8 (evicts 2)   sfence(VA of page 1)   1L miss9
 * = 8 hits, 9 misses, 10 walks of 3 reads = 30, 2 PTE writes, 1 flush.
 */
static const struct {
    unsigned page;
    enum access_type acc;
} fast_seq[] = {
    {0, ACCESS_LOAD}, {0, ACCESS_LOAD},  {0, ACCESS_STORE}, {0, ACCESS_STORE},
    {1, ACCESS_LOAD}, {2, ACCESS_LOAD},  {3, ACCESS_LOAD},  {4, ACCESS_LOAD},
    {0, ACCESS_LOAD}, {4, ACCESS_STORE}, {4, ACCESS_STORE}, {5, ACCESS_LOAD},
    {5, ACCESS_LOAD}, {5, ACCESS_STORE}, {5, ACCESS_STORE}, {1, ACCESS_LOAD},
};

/* Run the sequence on m from fresh page-table bits; returns the fast-path hits. */
static unsigned run_fast_seq(struct mmu *m)
{
    uint64_t satp = SATP_SV39 | (ROOT39 >> 12);
    unsigned fast_hits = 0;

    build_lru_pages();
    put_pte(L0_39 + 8 * 8, PTE_TO(0x80014000ull, PTE_V | PTE_R | PTE_W));
    for (unsigned i = 0; i < sizeof(fast_seq) / sizeof(fast_seq[0]); i++) {
        gva_t gva = fast_seq[i].page == 5 ? 0x40208000ull : lru_gva(fast_seq[i].page);
        fast_hits += cpu_access(m, gva, fast_seq[i].acc, satp);
    }
    mmu_sfence(m, false, lru_gva(1), true, 0);
    fast_hits += cpu_access(m, lru_gva(1), ACCESS_LOAD, satp);
    return fast_hits;
}

START_TEST(test_fastpath_same_counters)
{
    struct mmu *slow = make_mmu(64, 4, false);
    unsigned fast_hits = run_fast_seq(mmu);
    unsigned slow_fast_hits = run_fast_seq(slow);
    const struct mmu_stats *a = mmu_stats(mmu);

    ck_assert_uint_eq(slow_fast_hits, 0);
    /* fast hits: 0L(2) 0S(4) 4S(11) 5L(13) 5S(15); the other hits need the slow path */
    ck_assert_uint_eq(fast_hits, 5);
    ck_assert_mem_eq(a, mmu_stats(slow), sizeof(*a));
    ck_assert_uint_eq(a->tlb_hits, 8);
    ck_assert_uint_eq(a->tlb_misses, 9);
    ck_assert_uint_eq(a->walk_count, 10);
    ck_assert_uint_eq(a->walk_accesses, 30);
    ck_assert_uint_eq(a->walk_pte_writes, 2);
    ck_assert_uint_eq(a->tlb_flushes, 1);
    mmu_destroy(slow);
}
END_TEST

/* ---------------------------------------------------------------- probe */

START_TEST(test_probe_counts_nothing)
{
    uint64_t satp = SATP_SV39 | (ROOT39 >> 12);
    struct xlate_req req = {
        .gva = 0x40208000ull,
        .size = 1,
        .acc = ACCESS_STORE,
        .priv = PRV_S,
        .satp = satp,
    };
    struct xlate_out out;
    struct walk_trace trace;
    struct mmu_stats zero = {0};

    put_pte(L0_39 + 8 * 8, PTE_TO(0x80014000ull, PTE_V | PTE_R | PTE_W)); /* A = D = 0 */
    mmu_probe(mmu, &req, &out, &trace);
    ck_assert_int_eq(out.status, XLATE_OK);
    ck_assert_uint_eq(out.gpa, 0x80014000ull);
    ck_assert(!trace.tlb_hit);
    ck_assert_uint_eq(trace.n, 3);
    ck_assert_uint_eq(trace.step[0].pte_gpa, ROOT39 + 8);
    ck_assert_uint_eq(trace.step[0].level, 2);
    ck_assert_uint_eq(trace.step[2].pte_gpa, L0_39 + 8 * 8);
    ck_assert_uint_eq(trace.step[2].pte, 0x20005006ull | PTE_V);
    /* 0x8000_3040 is in chunk 0 <- run 3: HPA 0x1_0060_3040 */
    ck_assert_uint_eq(trace.step[2].pte_hpa, 0x100603040ull);
    ck_assert_uint_eq(get_pte(L0_39 + 8 * 8), 0x20005007ull); /* untouched: no A, no D */
    ck_assert_mem_eq(mmu_stats(mmu), &zero, sizeof(zero));
}
END_TEST

/* ------------------------------------------------- observer and the s2 hook */

static unsigned observed_walks, observed_steps;

static void observe(void *ctx, gva_t gva, const struct walk_trace *trace)
{
    (void)ctx;
    ck_assert_uint_eq(gva, 0x40201008ull);
    observed_walks++;
    observed_steps = trace->n;
}

START_TEST(test_walk_observer)
{
    uint64_t satp = SATP_SV39 | (ROOT39 >> 12);

    observed_walks = observed_steps = 0;
    mmu_set_walk_observer(mmu, observe, NULL);
    xs(mmu, 0x40201008ull, ACCESS_LOAD, PRV_S, satp); /* miss: one walk, 3 reads */
    xs(mmu, 0x40201008ull, ACCESS_LOAD, PRV_S, satp); /* hit: no walk */
    ck_assert_uint_eq(observed_walks, 1);
    ck_assert_uint_eq(observed_steps, 3);
}
END_TEST

/*
 * A stand-in stage 2 of 4 levels under each stage-1 PTE address: it reports
 * 4 reads (stage 2, levels 3..0) and maps GPA to HPA as gmem does.
 */
static int fake_s2(void *ctx, const struct walker *w, struct walk_result *res, gpa_t gpa,
                   enum access_type acc, hpa_t *out_hpa)
{
    struct gpa_info info;

    (void)ctx;
    (void)acc;
    for (unsigned level = 4; level-- > 0;) {
        walk_note_read(w, res, 2, level, 0, 0, 0);
    }
    gmem_lookup(gm, gpa, &info);
    *out_hpa = info.hpa_page | (gpa & PAGE_MASK);
    return info.kind == GPA_RAM ? 0 : -EFAULT;
}

START_TEST(test_s2_hook_accounting)
{
    struct mmu_stats stats = {0};
    struct walk_trace trace;
    struct walker w = {
        .hm = hm,
        .pmp = &pmp,
        .s2 = {fake_s2, NULL},
        .stats = &stats,
        .trace = &trace,
    };
    struct walk_req req = {
        .gva = 0x40201000ull,
        .acc = ACCESS_LOAD,
        .priv = PRV_S,
        .levels = SV39_LEVELS,
        .root_gpa = ROOT39,
    };
    struct walk_result res;

    walk_begin(&w, &res);
    walk_stage1(&w, &req, &res);
    walk_finish(&w, &res);
    ck_assert_int_eq(res.status, XLATE_OK);
    ck_assert_uint_eq(res.gpa_page, 0x80010000ull);
    /* 3 stage-1 reads, each after 4 stage-2 reads: 3 + 3 * 4 = 15 */
    ck_assert_uint_eq(res.accesses, 15);
    ck_assert_uint_eq(stats.walk_accesses, 15);
    ck_assert_uint_eq(stats.walk_s1_accesses, 3);
    ck_assert_uint_eq(stats.walk_s2_accesses, 12);
    ck_assert_uint_eq(stats.walk_max_accesses, 15);
    ck_assert_uint_eq(stats.walk_count, 1);
    /* trace order: s2 x4, then the s1 read it led to */
    ck_assert_uint_eq(trace.n, 15);
    ck_assert_uint_eq(trace.step[3].stage, 2);
    ck_assert_uint_eq(trace.step[4].stage, 1);
    ck_assert_uint_eq(trace.step[4].pte_gpa, ROOT39 + 8);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static Suite *mmu_suite(void)
{
    Suite *s = suite_create("mmu");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_alloc_aligned_runs);
    tcase_add_test(core, test_free_reuse_zeroed);
    tcase_add_test(core, test_ram_gpa_not_hpa);
    tcase_add_test(core, test_gmem_copy_across_chunks);
    tcase_add_test(core, test_gmem_regions);
    tcase_add_test(core, test_snapshot_restore);
    tcase_add_test(core, test_sv39_walk_and_hit);
    tcase_add_test(core, test_sv48_walk);
    tcase_add_test(core, test_superpages);
    tcase_add_test(core, test_ad_bits_set_by_hart);
    tcase_add_loop_test(core, test_fault_kinds, 0,
                        (int)(sizeof(fault_cases) / sizeof(fault_cases[0])));
    tcase_add_test(core, test_untranslated);
    tcase_add_test(core, test_lru_eviction);
    tcase_add_test(core, test_sfence_scopes);
    tcase_add_test(core, test_sfence_va_in_superpage);
    tcase_add_test(core, test_fastpath_same_counters);
    tcase_add_test(core, test_probe_counts_nothing);
    tcase_add_test(core, test_walk_observer);
    tcase_add_test(core, test_s2_hook_accounting);
    suite_add_tcase(s, core);

    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_alloc_bad_sizes);
    tcase_add_test_raise_signal(bad, test_double_free_aborts, SIGABRT);
    tcase_add_test(bad, test_gmem_bounds_all_or_nothing);
    tcase_add_test(bad, test_pte_read_access_faults);
    tcase_add_test(bad, test_bad_request);
    tcase_add_test(bad, test_bad_config);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(mmu_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
