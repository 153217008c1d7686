/*
 * tests/unit/check_iommu.c - unit tests of the IOMMU (io/iommu.c): the
 * second stage the VMM builds, the guest's Sv39 first stage, the IOTLB, the
 * counters, the DMA ops, and every DMA the IOMMU must refuse.
 * Course: I/O虚拟化 / 设备直通 (IOMMU DMA 重映射, 两阶段地址翻译, IOTLB).
 * Spec: RISC-V IOMMU 1.0, §3.3 "Process to translate an IOVA", §3.4 (A/D:
 *       no hardware update, so A = 0 / D = 0 fault), first-stage U
 *       ignored (vmlab's simplification of §3.6); Privileged 20211203, §4.3.2, §4.4
 *       "Sv39", §8.5.1 (Sv39x4: GPA[40:30] indexes a 2048-entry root).
 *
 * Two VMs on one host memory, the same guest map each:
 *
 *   ROM   4 KiB at 0x1000            (not RAM: the second stage does not map it)
 *   MMIO  4 KiB at 0x1000_1000       (the first virtio slot)
 *   RAM   8 MiB at 0x8000_0000 .. 0x8080_0000
 *     0x8040_0000 first-stage root, 0x8040_1000 its L1, 0x8040_2000 its L0 (VM A)
 *     0x8010_0000 the page IOVA 0x4000_0000 maps to
 *     0x8060_0000 the 2 MiB page IOVA 0x4020_0000 maps to (an L1 leaf)
 *
 * Device 0 is assigned to VM A (GSCID 1), device 1 to VM B (GSCID 2).
 *
 * Counting rules the expected values below follow (io/iommu.c):
 *  - the second stage has 4 KiB leaves only, Sv39x4: a GPA's walk reads
 *    the root (level 2), level 1 and level 0 PTEs = 3 s2 accesses;
 *  - a first-stage Sv39 walk reads 3 PTEs (fewer for a superpage), each at
 *    a GPA that the second stage walks first (3 reads), then the final GPA
 *    is walked (3 reads): cold 3 + 3 * 3 + 3 = 15 = (3+1)(3+1) - 1;
 *  - translations: one per successfully translated DMA page (IOTLB hit or
 *    not); iotlb_misses: one per lookup that missed (then the walk);
 *    faults: one per refused DMA / iommu_translate.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"
#include "io/iommu.h"
#include "mmu/mmu.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (8ull << 20)
#define RAM_END  (RAM_BASE + RAM_SIZE)
#define ROM_GPA  0x1000ull
#define MMIO_GPA 0x10001000ull
#define HOLE_GPA 0x70000000ull /* nothing there */
#define S1_ROOT  0x80400000ull
#define S1_L1    0x80401000ull
#define S1_L0    0x80402000ull
#define IOVA_4K  0x40000000ull /* VPN[2] = 1, VPN[1] = 0, VPN[0] = 0 */
#define GPA_4K   0x80100000ull
#define IOVA_2M  0x40200000ull /* VPN[2] = 1, VPN[1] = 1: an L1 leaf */
#define GPA_2M   0x80600000ull
#define DEV_A    0u
#define DEV_B    1u
#define LEAF_RW  (PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)

static struct hostmem *hm;
static struct gmem *gm_a, *gm_b;
static struct iommu *io;

/* ---------------------------------------------------------------- helpers */

static void put(struct gmem *gm, gpa_t gpa, const void *buf, size_t len)
{
    ck_assert_int_eq(gmem_write(gm, gpa, buf, len), 0);
}

static void get(const struct gmem *gm, gpa_t gpa, void *buf, size_t len)
{
    ck_assert_int_eq(gmem_read(gm, gpa, buf, len), 0);
}

/* A PTE in VM A's RAM, little-endian (§4.4.1: PPN at bit 10). */
static void put_pte(gpa_t table_gpa, unsigned index, gpa_t target_gpa, uint64_t flags)
{
    uint64_t pte = ((target_gpa >> 12) << 10) | flags;
    uint8_t b[8];

    for (unsigned i = 0; i < 8; i++) {
        b[i] = (uint8_t)(pte >> (8 * i));
    }
    put(gm_a, table_gpa + 8ull * index, b, sizeof(b));
}

static hpa_t hpa_of(const struct gmem *gm, gpa_t gpa)
{
    struct gpa_info info;

    gmem_lookup(gm, gpa & ~PAGE_MASK, &info);
    ck_assert_int_eq(info.kind, GPA_RAM);
    return info.hpa_page | (gpa & PAGE_MASK);
}

static const struct iommu_stats *st(unsigned devid)
{
    return iommu_stats(io, devid);
}

/* The mapping of the file comment: IOVA 0x4000_0000 -> GPA 0x8010_0000 (4 KiB, R/W),
 * IOVA 0x4020_0000 -> GPA 0x8060_0000 (2 MiB, R/W). */
static void build_first_stage(void)
{
    put_pte(S1_ROOT, 1, S1_L1, PTE_V);  /* VPN[2] = 0x4000_0000 >> 30 = 1 */
    put_pte(S1_L1, 0, S1_L0, PTE_V);    /* VPN[1] = 0 */
    put_pte(S1_L0, 0, GPA_4K, LEAF_RW); /* VPN[0] = 0 */
    put_pte(S1_L1, 1, GPA_2M, LEAF_RW); /* VPN[1] = (0x4020_0000 >> 21) & 511 = 1 */
    ck_assert_int_eq(iommu_set_first_stage(io, DEV_A, IOMMU_FS_SV39, S1_ROOT), 0);
}

static struct gmem *make_vm(void)
{
    struct gmem *gm = gmem_create(hm, RAM_BASE, RAM_SIZE);

    ck_assert_ptr_nonnull(gm);
    ck_assert_int_eq(gmem_add_rom(gm, ROM_GPA, PAGE_SIZE), 0);
    ck_assert_int_eq(gmem_add_mmio(gm, MMIO_GPA, PAGE_SIZE), 0);
    return gm;
}

static void setup(void)
{
    hm = hostmem_create(64ull << 20);
    ck_assert_ptr_nonnull(hm);
    gm_a = make_vm();
    gm_b = make_vm();
    io = iommu_create(hm);
    ck_assert_ptr_nonnull(io);
    ck_assert_int_eq(iommu_attach(io, DEV_A, gm_a, 1), 0);
    ck_assert_int_eq(iommu_attach(io, DEV_B, gm_b, 2), 0);
}

static void teardown(void)
{
    iommu_destroy(io);
    gmem_destroy(gm_a);
    gmem_destroy(gm_b);
    hostmem_destroy(hm);
}

/* ------------------------------------------------------------------- core */

START_TEST(test_bare_translate_and_iotlb)
{
    gpa_t gpa;
    hpa_t hpa;

    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x80001234, false, &gpa, &hpa), 0);
    ck_assert_uint_eq(gpa, 0x80001234); /* Bare first stage: IOVA = GPA */
    ck_assert_uint_eq(hpa, hpa_of(gm_a, 0x80001234));
    ck_assert_uint_eq(st(DEV_A)->translations, 1);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 1);
    ck_assert_uint_eq(st(DEV_A)->iotlb_hits, 0);
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 3); /* Sv39x4, 4 KiB leaf: levels 2, 1, 0 */
    ck_assert_uint_eq(st(DEV_A)->s1_accesses, 0); /* Bare: no first-stage table */

    /* the same page again (a write: the leaf has W and D): an IOTLB hit, nothing read */
    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x80001ff8, true, &gpa, &hpa), 0);
    ck_assert_uint_eq(gpa, 0x80001ff8);
    ck_assert_uint_eq(hpa, hpa_of(gm_a, 0x80001ff8));
    ck_assert_uint_eq(st(DEV_A)->translations, 2);
    ck_assert_uint_eq(st(DEV_A)->iotlb_hits, 1);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 1);
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 3);
    ck_assert_uint_eq(st(DEV_A)->faults, 0);
    ck_assert_uint_eq(st(DEV_B)->translations, 0); /* counters are per device */
}
END_TEST

START_TEST(test_dma_crossing_a_page)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    const uint8_t out[16] = "0123456789abcdef";
    uint8_t in[16], b[16];

    /* 0x8000_2ff8 + 16 ends at 0x8000_3008: pages 0x8000_2000 and 0x8000_3000 */
    ck_assert_int_eq(dma.ops->write(dma.ctx, 0x80002ff8, out, sizeof(out)), 0);
    ck_assert_uint_eq(st(DEV_A)->translations, 2);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 2);
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 6); /* 2 pages x 3 */
    get(gm_a, 0x80002ff8, b, sizeof(b));
    ck_assert_mem_eq(b, out, sizeof(out));

    ck_assert_int_eq(dma.ops->read(dma.ctx, 0x80002ff8, in, sizeof(in)), 0);
    ck_assert_mem_eq(in, out, sizeof(out));
    ck_assert_uint_eq(st(DEV_A)->translations, 4); /* 2 more pages, both IOTLB hits */
    ck_assert_uint_eq(st(DEV_A)->iotlb_hits, 2);
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 6);

    /* an empty DMA translates nothing */
    ck_assert_int_eq(dma.ops->read(dma.ctx, 0x80002ff8, in, 0), 0);
    ck_assert_uint_eq(st(DEV_A)->translations, 4);
}
END_TEST

START_TEST(test_sv39_first_stage_cold_walk)
{
    gpa_t gpa;
    hpa_t hpa;

    build_first_stage();
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K + 0x10, false, &gpa, &hpa), 0);
    ck_assert_uint_eq(gpa, GPA_4K + 0x10);
    ck_assert_uint_eq(hpa, hpa_of(gm_a, GPA_4K + 0x10));
    /* root, L1, L0 PTEs: 3 s1 reads; each PTE's GPA walked first: 3 x 3 s2 reads;
     * then GPA 0x8010_0000: 3 s2 reads. s2 = 9 + 3 = 12; total 15 = (3+1)(3+1)-1 */
    ck_assert_uint_eq(st(DEV_A)->s1_accesses, 3);
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 12);
    ck_assert_uint_eq(st(DEV_A)->translations, 1);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 1);

    /* warm: the IOTLB holds the whole IOVA -> HPA translation, 0 PTE reads */
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K + 0x800, false, &gpa, NULL), 0);
    ck_assert_uint_eq(gpa, GPA_4K + 0x800);
    ck_assert_uint_eq(st(DEV_A)->s1_accesses, 3);
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 12);
    ck_assert_uint_eq(st(DEV_A)->iotlb_hits, 1);
    ck_assert_uint_eq(st(DEV_A)->translations, 2);
}
END_TEST

START_TEST(test_probe_traces_the_two_stage_walk)
{
    struct iommu_probe_result *r = malloc(sizeof(*r));
    /* s1 read k (level 2, 1, 0) comes after its PTE GPA's 3 s2 reads: positions 3, 7, 11;
     * the final GPA's s2 walk is steps 12..14 */
    static const uint8_t stage[15] = {2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2};
    static const uint8_t level[15] = {2, 1, 0, 2, 2, 1, 0, 1, 2, 1, 0, 0, 2, 1, 0};

    ck_assert_ptr_nonnull(r);
    build_first_stage();
    ck_assert_int_eq(iommu_probe(io, DEV_A, IOVA_4K + 0x10, true, r), 0);
    ck_assert_uint_eq(r->gpa, GPA_4K + 0x10);
    ck_assert_uint_eq(r->hpa, hpa_of(gm_a, GPA_4K + 0x10));
    ck_assert_uint_eq(r->trace.n, 15);
    for (unsigned i = 0; i < 15; i++) {
        ck_assert_uint_eq(r->trace.step[i].stage, stage[i]);
        ck_assert_uint_eq(r->trace.step[i].level, level[i]);
    }
    ck_assert_uint_eq(r->trace.step[3].pte_gpa, S1_ROOT + 8); /* root[VPN[2] = 1] */
    ck_assert_uint_eq(r->trace.step[3].pte_hpa, hpa_of(gm_a, S1_ROOT + 8));
    ck_assert_uint_eq(r->trace.step[3].va, IOVA_4K + 0x10);
    ck_assert_uint_eq(r->trace.step[0].va, S1_ROOT + 8);    /* stage 2 of the root PTE's GPA */
    ck_assert_uint_eq(r->trace.step[12].va, GPA_4K + 0x10); /* stage 2 of the final GPA */
    ck_assert_uint_eq(r->trace.step[3].pte, ((S1_L1 >> 12) << 10) | PTE_V);
    ck_assert_uint_eq(r->trace.step[7].pte_gpa, S1_L1);  /* L1[0] */
    ck_assert_uint_eq(r->trace.step[11].pte_gpa, S1_L0); /* L0[0] */
    ck_assert_uint_eq(r->trace.step[11].pte, ((GPA_4K >> 12) << 10) | LEAF_RW);
    /* nothing counted, nothing cached */
    ck_assert_uint_eq(st(DEV_A)->s1_accesses + st(DEV_A)->s2_accesses, 0);
    ck_assert_uint_eq(st(DEV_A)->translations + st(DEV_A)->iotlb_misses, 0);
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K, false, NULL, NULL), 0);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 1);
    /* a refused probe says why, uncounted */
    ck_assert_int_eq(iommu_probe(io, DEV_A, IOVA_4K + PAGE_SIZE, false, r), -EFAULT);
    ck_assert_int_eq(r->fault.cause, IOMMU_CAUSE_READ_PAGE_FAULT); /* L0[1] is not valid */
    ck_assert_uint_eq(r->trace.n, 12);                             /* 3 s1 + 9 s2 */
    ck_assert_uint_eq(st(DEV_A)->faults, 0);
    free(r);
}
END_TEST

START_TEST(test_sv39_superpage)
{
    gpa_t gpa;

    build_first_stage();
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_2M + 0x15678, false, &gpa, NULL), 0);
    /* 2 MiB leaf: GPA = 0x8060_0000 | (IOVA & 0x1f_ffff) = 0x8061_5678 */
    ck_assert_uint_eq(gpa, 0x80615678);
    /* root and L1 PTEs: 2 s1 reads, each after a 3-read s2 walk (6), final GPA 3:
     * s2 = 9; total 11 = 2 * (3+1) + 3 */
    ck_assert_uint_eq(st(DEV_A)->s1_accesses, 2);
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 9);
}
END_TEST

START_TEST(test_first_stage_u_bit_ignored)
{
    gpa_t gpa;

    build_first_stage();
    /* vmlab's simplification: a first-stage leaf without U (as a kernel maps its own
     * memory: V R W A D = 0xc7) serves a DMA; the spec's §3.6 would refuse it */
    put_pte(S1_L0, 5, 0x80115000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K + 5 * PAGE_SIZE, true, &gpa, NULL), 0);
    ck_assert_uint_eq(gpa, 0x80115000);
}
END_TEST

START_TEST(test_dma_through_first_stage)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    const char out[] = "through two stages";
    char in[sizeof(out)];

    build_first_stage();
    ck_assert_int_eq(dma.ops->write(dma.ctx, IOVA_4K + 0x40, out, sizeof(out)), 0);
    get(gm_a, GPA_4K + 0x40, in, sizeof(in)); /* the GPA the first stage names */
    ck_assert_str_eq(in, out);
    memset(in, 0, sizeof(in));
    ck_assert_int_eq(dma.ops->read(dma.ctx, IOVA_4K + 0x40, in, sizeof(in)), 0);
    ck_assert_str_eq(in, out);
    /* IOVA 0x8010_0040 is not mapped by this first stage (VPN[2] = 2 is invalid) */
    ck_assert_int_eq(dma.ops->read(dma.ctx, GPA_4K + 0x40, in, sizeof(in)), -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->faults, 1);
}
END_TEST

START_TEST(test_dma_of_many_pages)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    size_t len = 20 * PAGE_SIZE - 100; /* from 0x8020_0064: 20 pages */
    uint8_t *out = malloc(len), *in = malloc(len);

    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(in);
    for (size_t i = 0; i < len; i++) {
        out[i] = (uint8_t)(i * 7 + 3);
    }
    ck_assert_int_eq(dma.ops->write(dma.ctx, 0x80200064, out, len), 0);
    ck_assert_uint_eq(st(DEV_A)->translations, 20);
    get(gm_a, 0x80200064, in, len);
    ck_assert_mem_eq(in, out, len);
    memset(in, 0, len);
    ck_assert_int_eq(dma.ops->read(dma.ctx, 0x80200064, in, len), 0);
    ck_assert_mem_eq(in, out, len);
    /* the write missed 20 times, the read hits 20 times: the IOTLB's 32 direct-mapped
     * entries are indexed by the IOVA page's low 5 bits (device 0), and the pages 0x80200
     * .. 0x80213 fall into 20 different entries */
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 20);
    ck_assert_uint_eq(st(DEV_A)->iotlb_hits, 20);
    free(out);
    free(in);
}
END_TEST

START_TEST(test_check_counts_nothing)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);

    ck_assert_ptr_nonnull(dma.ops->check);
    ck_assert_int_eq(dma.ops->check(dma.ctx, 0x80001000, 3 * PAGE_SIZE, true), 0);
    ck_assert_int_eq(dma.ops->check(dma.ctx, RAM_END - 8, 16, false), -EFAULT);
    ck_assert_int_eq(dma.ops->check(dma.ctx, ROM_GPA, 4, false), -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->translations, 0);
    ck_assert_uint_eq(st(DEV_A)->faults, 0);
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 0);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 0);
    /* nor fills the IOTLB: the first counted translation is a miss */
    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x80001000, false, NULL, NULL), 0);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 1);
}
END_TEST

START_TEST(test_set_first_stage_flushes_iotlb)
{
    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x80005000, false, NULL, NULL), 0);
    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x80005000, false, NULL, NULL), 0);
    ck_assert_uint_eq(st(DEV_A)->iotlb_hits, 1);
    ck_assert_int_eq(iommu_set_first_stage(io, DEV_A, IOMMU_FS_BARE, 0), 0);
    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x80005000, false, NULL, NULL), 0);
    ck_assert_uint_eq(st(DEV_A)->iotlb_hits, 1);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 2); /* flushed: walked again */
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 6);
}
END_TEST

START_TEST(test_dc_info_and_totals)
{
    struct iommu_dc_info info;
    struct iommu_stats total;

    ck_assert(iommu_dc_info(io, DEV_B, &info));
    ck_assert(info.is_attached);
    ck_assert_uint_eq(info.gscid, 2);
    ck_assert_uint_eq(info.s2_levels, 3); /* RAM ends at 0x8080_0000 < 2^41: Sv39x4 */
    ck_assert_int_eq(info.fs_mode, IOMMU_FS_BARE);
    ck_assert_uint_ne(info.s2_root_hpa, 0);
    build_first_stage();
    ck_assert(iommu_dc_info(io, DEV_A, &info));
    ck_assert_int_eq(info.fs_mode, IOMMU_FS_SV39);
    ck_assert_uint_eq(info.fs_root_gpa, S1_ROOT);
    ck_assert(iommu_dc_info(io, 7, &info));
    ck_assert(!info.is_attached);
    ck_assert(!iommu_dc_info(io, IOMMU_MAX_DEVICES, &info));

    ck_assert_int_eq(iommu_translate(io, DEV_B, 0x80000000, false, NULL, NULL), 0);
    ck_assert_int_eq(iommu_translate(io, 3, 0x80000000, false, NULL, NULL), -EFAULT);
    ck_assert_int_eq(iommu_translate(io, 40, 0x80000000, false, NULL, NULL), -EFAULT);
    iommu_stats_total(io, &total);
    ck_assert_uint_eq(total.translations, 1);
    ck_assert_uint_eq(total.faults, 2); /* device 3 (not attached) and id 40 (stray) */
    ck_assert_uint_eq(total.s2_accesses, 3);
}
END_TEST

struct written_log {
    unsigned calls;
    gpa_t gpa;
    uint64_t len;
};

static void note_written(void *ctx, gpa_t gpa, uint64_t len)
{
    struct written_log *log = ctx;

    log->calls++;
    log->gpa = gpa;
    log->len = len;
}

START_TEST(test_dma_over_code_is_reported)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    struct written_log log = {0};
    const uint8_t insn[4] = {0x13, 0, 0, 0}; /* nop */

    iommu_set_ram_written(io, DEV_A, note_written, &log);
    ck_assert_int_eq(dma.ops->write(dma.ctx, 0x80007000, insn, sizeof(insn)), 0);
    ck_assert_uint_eq(log.calls, 0); /* no decoded code there */
    gmem_set_page_flags(gm_a, 0x80007000, GPAGE_CODE);
    ck_assert_int_eq(dma.ops->write(dma.ctx, 0x80007ffe, insn, sizeof(insn)), 0);
    ck_assert_uint_eq(log.calls, 1); /* only the code page 0x8000_7000's 2 bytes */
    ck_assert_uint_eq(log.gpa, 0x80007ffe);
    ck_assert_uint_eq(log.len, 2);
}
END_TEST

START_TEST(test_detach_and_reattach)
{
    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x80001000, false, NULL, NULL), 0);
    iommu_detach(io, DEV_A);
    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x80001000, false, NULL, NULL), -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->faults, 1);
    ck_assert_int_eq(iommu_attach(io, DEV_A, gm_a, 1), 0);
    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x80001000, false, NULL, NULL), 0);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 2); /* detach flushed its entry */
    ck_assert_uint_eq(st(DEV_A)->iotlb_hits, 0);
}
END_TEST

START_TEST(test_sv48x4_when_ram_is_high)
{
    struct hostmem *hm2 = hostmem_create(16ull << 20);
    struct gmem *high;
    struct iommu *io2;
    struct iommu_dc_info info;
    gpa_t gpa;

    ck_assert_ptr_nonnull(hm2);
    /* RAM at 2^41: past Sv39x4's 41-bit GPAs (§8.5.1), so Sv48x4 */
    high = gmem_create(hm2, 1ull << 41, 2ull << 20);
    ck_assert_ptr_nonnull(high);
    io2 = iommu_create(hm2);
    ck_assert_ptr_nonnull(io2);
    ck_assert_int_eq(iommu_attach(io2, 0, high, 9), 0);
    ck_assert(iommu_dc_info(io2, 0, &info));
    ck_assert_uint_eq(info.s2_levels, 4);
    ck_assert_int_eq(iommu_translate(io2, 0, (1ull << 41) + 0x123, false, &gpa, NULL), 0);
    ck_assert_uint_eq(gpa, (1ull << 41) + 0x123);
    ck_assert_uint_eq(iommu_stats(io2, 0)->s2_accesses, 4); /* levels 3, 2, 1, 0 */
    iommu_destroy(io2);
    gmem_destroy(high);
    hostmem_destroy(hm2);
}
END_TEST

/* A virtqueue whose addresses are all IOVAs, through the guest's first stage. */
#define VQ_DESC  IOVA_4K           /* GPA 0x8010_0000: 4 descriptors */
#define VQ_AVAIL (IOVA_4K + 0x100) /* flags +0, idx +2, ring[0] +4 */
#define VQ_USED  (IOVA_4K + 0x200) /* flags +0, idx +2, ring[0] {id +4, len +8} */
#define VQ_REQ   IOVA_2M           /* GPA 0x8060_0000 (the 2 MiB leaf) */
#define VQ_REPLY (IOVA_2M + 0x1000)

/* Descriptor i at GPA (the driver writes its ring through its own mapping). */
static void put_desc(unsigned i, uint64_t iova, uint32_t len, uint16_t flags, uint16_t next)
{
    uint8_t d[16];

    for (unsigned k = 0; k < 8; k++) {
        d[k] = (uint8_t)(iova >> (8 * k)); /* +0 le64 addr */
    }
    for (unsigned k = 0; k < 4; k++) {
        d[8 + k] = (uint8_t)(len >> (8 * k)); /* +8 le32 len */
    }
    d[12] = (uint8_t)flags, d[13] = (uint8_t)(flags >> 8);
    d[14] = (uint8_t)next, d[15] = (uint8_t)(next >> 8);
    put(gm_a, GPA_4K + 16ull * i, d, sizeof(d));
}

static struct virtq *vq_through_iommu(void)
{
    const uint8_t avail[6] = {0, 0, 1, 0, 0, 0}; /* flags 0, idx 1, ring[0] = head 0 */
    struct virtq *q = virtq_create(iommu_dma(io, DEV_A));

    ck_assert_ptr_nonnull(q);
    build_first_stage();
    put(gm_a, GPA_4K + 0x100, avail, sizeof(avail));
    ck_assert_int_eq(virtq_init(q, 4, VQ_DESC, VQ_AVAIL, VQ_USED, 0), 0);
    return q;
}

START_TEST(test_virtq_through_two_stages)
{
    struct virtq *q;
    struct virtq_chain *chain = malloc(sizeof(*chain));
    char req[9] = {0}, reply[9] = {0};
    uint8_t used[12];

    ck_assert_ptr_nonnull(chain);
    q = vq_through_iommu();
    put(gm_a, GPA_2M, "request!", 8);
    put_desc(0, VQ_REQ, 8, VIRTQ_DESC_F_NEXT, 1);
    put_desc(1, VQ_REPLY, 8, VIRTQ_DESC_F_WRITE, 0);
    ck_assert_int_eq(virtq_pop(q, chain), 0);
    ck_assert_uint_eq(chain->nsegs, 2);
    ck_assert_int_eq(virtq_read_chain(q, chain, 0, req, 8), 0);
    ck_assert_str_eq(req, "request!");
    ck_assert_int_eq(virtq_write_chain(q, chain, 0, "replied.", 8), 0);
    ck_assert_int_eq(virtq_push(q, chain->head, 8), 0);
    get(gm_a, GPA_2M + 0x1000, reply, 8); /* the reply sits at the GPA the first stage names */
    ck_assert_str_eq(reply, "replied.");
    get(gm_a, GPA_4K + 0x200, used, sizeof(used));
    ck_assert_uint_eq(used[2], 1); /* used idx 1 */
    ck_assert_uint_eq(used[4], 0); /* ring[0].id = head 0 */
    ck_assert_uint_eq(used[8], 8); /* ring[0].len = 8 */
    ck_assert_uint_eq(st(DEV_A)->faults, 0);
    virtq_destroy(q);
    free(chain);
}
END_TEST

/* -------------------------------------------------------------- bad input */

/* IOVAs (Bare: GPAs) that are not VM A's RAM: a hole, ROM, MMIO, RAM's end, past Sv39x4. */
static const gpa_t not_ram[] = {
    HOLE_GPA, ROM_GPA, MMIO_GPA, RAM_END, RAM_BASE - 1, 1ull << 41, UINT64_MAX - 7,
};

START_TEST(test_dma_outside_ram_refused)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    uint8_t canary[8], b[8];
    gpa_t iova = not_ram[_i];

    memset(canary, 0xa5, sizeof(canary));
    memcpy(b, canary, sizeof(b));
    ck_assert_int_eq(dma.ops->read(dma.ctx, iova, b, sizeof(b)), -EFAULT);
    ck_assert_mem_eq(b, canary, sizeof(b)); /* nothing moved into the device's buffer */
    ck_assert_uint_eq(st(DEV_A)->faults, 1);
    ck_assert_int_eq(dma.ops->write(dma.ctx, iova, b, sizeof(b)), -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->faults, 2);
    ck_assert_int_eq(iommu_translate(io, DEV_A, iova, false, NULL, NULL), -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->faults, 3);
    ck_assert_uint_eq(st(DEV_A)->translations, 0); /* each fails at its first page */
}
END_TEST

START_TEST(test_dma_straddling_ram_end_moves_nothing)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    const uint8_t old[4] = {1, 2, 3, 4};
    const uint8_t out[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    uint8_t b[4];
    struct iommu_fault f;

    put(gm_a, RAM_END - 4, old, sizeof(old));
    ck_assert_int_eq(dma.ops->write(dma.ctx, RAM_END - 4, out, sizeof(out)), -EFAULT);
    get(gm_a, RAM_END - 4, b, sizeof(b));
    ck_assert_mem_eq(b, old, sizeof(old));         /* the RAM half was not written */
    ck_assert_uint_eq(st(DEV_A)->translations, 1); /* the first page translated, then refused */
    ck_assert_uint_eq(st(DEV_A)->faults, 1);
    ck_assert(iommu_last_fault(io, DEV_A, &f));
    ck_assert_int_eq(f.cause, IOMMU_CAUSE_WRITE_GUEST_PAGE_FAULT); /* 23 */
    ck_assert_uint_eq(f.gpa, RAM_END);
}
END_TEST

START_TEST(test_long_dma_past_ram_moves_nothing)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    size_t len = RAM_SIZE + PAGE_SIZE; /* all of RAM, then one page past its end */
    uint8_t *buf = malloc(len);

    ck_assert_ptr_nonnull(buf);
    memset(buf, 0xee, len);
    ck_assert_int_eq(dma.ops->read(dma.ctx, RAM_BASE, buf, len), -EFAULT);
    ck_assert_uint_eq(buf[0], 0xee); /* RAM is zero: a moved byte would show */
    ck_assert_uint_eq(buf[len - 1], 0xee);
    ck_assert_uint_eq(st(DEV_A)->translations, 2048); /* 8 MiB / 4 KiB pages, then the fault */
    ck_assert_uint_eq(st(DEV_A)->faults, 1);
    ck_assert_int_eq(dma.ops->check(dma.ctx, RAM_BASE, 1ull << 40, false), -EFAULT);
    free(buf);
}
END_TEST

START_TEST(test_wrapping_dma_refused)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    uint8_t b[32] = {0};

    ck_assert_int_eq(dma.ops->read(dma.ctx, UINT64_MAX - 15, b, sizeof(b)), -EFAULT);
    ck_assert_int_eq(dma.ops->check(dma.ctx, UINT64_MAX - 15, 32, false), -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->faults, 1);
    ck_assert_uint_eq(st(DEV_A)->translations, 0);
}
END_TEST

START_TEST(test_first_stage_leaf_outside_ram)
{
    struct iommu_fault f;

    build_first_stage();
    put_pte(S1_L0, 1, HOLE_GPA, LEAF_RW); /* IOVA 0x4000_1000 -> GPA 0x7000_0000 */
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K + PAGE_SIZE, false, NULL, NULL), -EFAULT);
    ck_assert(iommu_last_fault(io, DEV_A, &f));
    ck_assert_int_eq(f.cause, IOMMU_CAUSE_READ_GUEST_PAGE_FAULT); /* 21 */
    ck_assert_uint_eq(f.gpa, HOLE_GPA);
    ck_assert_uint_eq(f.iova, IOVA_4K + PAGE_SIZE);
    /* 3 s1 reads with 3 x 3 s2 reads; the final s2 walk of 0x7000_0000 stops at the root:
     * GPA[40:30] = 1 is an invalid root entry (RAM is entry 2): 9 + 1 = 10 */
    ck_assert_uint_eq(st(DEV_A)->s1_accesses, 3);
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 10);
    ck_assert_uint_eq(st(DEV_A)->faults, 1);
    ck_assert_uint_eq(st(DEV_A)->translations, 0);
    /* a leaf naming VM B's frame as a GPA: an HPA is not a GPA of A's (>= 2^32, no RAM) */
    put_pte(S1_L0, 2, hpa_of(gm_b, RAM_BASE), LEAF_RW);
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K + 2 * PAGE_SIZE, true, NULL, NULL),
                     -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->faults, 2);
}
END_TEST

START_TEST(test_first_stage_root_outside_ram)
{
    struct iommu_fault f;

    ck_assert_int_eq(iommu_set_first_stage(io, DEV_A, IOMMU_FS_SV39, HOLE_GPA), 0);
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K, false, NULL, NULL), -EFAULT);
    ck_assert(iommu_last_fault(io, DEV_A, &f));
    ck_assert_int_eq(f.cause, IOMMU_CAUSE_READ_GUEST_PAGE_FAULT);
    ck_assert_uint_eq(f.gpa, HOLE_GPA + 8); /* root entry VPN[2] = 1 of the table at 0x7000_0000 */
    /* its s2 walk reads the Sv39x4 root's entry 1 (invalid) and stops: 1 access, no s1 read */
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 1);
    ck_assert_uint_eq(st(DEV_A)->s1_accesses, 0);
    /* MMIO and ROM hold no tables either */
    ck_assert_int_eq(iommu_set_first_stage(io, DEV_A, IOMMU_FS_SV39, MMIO_GPA), 0);
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K, false, NULL, NULL), -EFAULT);
    ck_assert_int_eq(iommu_set_first_stage(io, DEV_A, IOMMU_FS_SV39, ROM_GPA), 0);
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K, false, NULL, NULL), -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->faults, 3);
}
END_TEST

/* First-stage leaves (or pointers) at L0[1] that a DMA must not get through. */
struct bad_leaf {
    unsigned index; /* in S1_L0, or S1_L1 for the superpage case */
    bool in_l1;
    gpa_t target;
    uint64_t flags;
    bool is_write;
};
static const struct bad_leaf bad_leaves[] = {
    {1, false, 0x80110000, PTE_V | PTE_R | PTE_U | PTE_A | PTE_D, true},  /* W to R-only */
    {1, false, 0x80110000, PTE_V | PTE_W | PTE_U | PTE_A | PTE_D, false}, /* W without R */
    {1, false, 0x80110000, LEAF_RW & ~PTE_A, false},                      /* A = 0 */
    {1, false, 0x80110000, LEAF_RW & ~PTE_D, true},                       /* D = 0, a write */
    {1, false, 0x80110000, LEAF_RW & ~PTE_V, false},                      /* not valid */
    {1, false, 0x80110000, LEAF_RW | (1ull << 61), false},                /* PBMT: reserved */
    {1, false, S1_L0, PTE_V, false},                                      /* pointer at L0 */
    {2, true, 0x80601000, LEAF_RW, false}, /* misaligned 2 MiB superpage */
    {1, false, 0x80110000, PTE_V | PTE_X | PTE_U | PTE_A | PTE_D, false}, /* X only: no R */
};

START_TEST(test_bad_first_stage_leaf)
{
    const struct bad_leaf *b = &bad_leaves[_i];
    /* L0[1] maps IOVA 0x4000_1000; L1[2] maps IOVA 0x4040_0000 */
    uint64_t iova = b->in_l1 ? IOVA_4K + (2ull << 21) : IOVA_4K + PAGE_SIZE;
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    uint8_t buf[8] = {0};
    struct iommu_fault f;

    build_first_stage();
    put_pte(b->in_l1 ? S1_L1 : S1_L0, b->index, b->target, b->flags);
    int r = b->is_write ? dma.ops->write(dma.ctx, iova, buf, sizeof(buf))
                        : dma.ops->read(dma.ctx, iova, buf, sizeof(buf));
    ck_assert_int_eq(r, -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->faults, 1);
    ck_assert_uint_eq(st(DEV_A)->translations, 0);
    ck_assert(iommu_last_fault(io, DEV_A, &f));
    ck_assert_int_eq(f.cause, b->is_write ? 15 : 13); /* first-stage page faults */
    ck_assert_uint_eq(f.iova, iova);
}
END_TEST

START_TEST(test_r_only_leaf_read_then_write)
{
    gpa_t gpa;

    build_first_stage();
    put_pte(S1_L0, 3, 0x80113000, PTE_V | PTE_R | PTE_U | PTE_A); /* read-only, D = 0 */
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K + 3 * PAGE_SIZE, false, &gpa, NULL), 0);
    ck_assert_uint_eq(gpa, 0x80113000);
    /* the IOTLB entry does not allow a write: a miss, a walk, a fault */
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K + 3 * PAGE_SIZE, true, &gpa, NULL),
                     -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->iotlb_hits, 0);
    ck_assert_uint_eq(st(DEV_A)->iotlb_misses, 2);
    ck_assert_uint_eq(st(DEV_A)->translations, 1);
    ck_assert_uint_eq(st(DEV_A)->faults, 1);
}
END_TEST

START_TEST(test_non_canonical_iova)
{
    build_first_stage();
    /* Sv39: bits 63..39 must equal bit 38; 0x80_0000_0000 has bit 39 set, bit 38 clear */
    ck_assert_int_eq(iommu_translate(io, DEV_A, 0x8000000000ull, false, NULL, NULL), -EFAULT);
    ck_assert_int_eq(iommu_translate(io, DEV_A, IOVA_4K | (1ull << 63), false, NULL, NULL),
                     -EFAULT);
    ck_assert_uint_eq(st(DEV_A)->faults, 2);
    ck_assert_uint_eq(st(DEV_A)->s1_accesses, 0); /* refused before any PTE read */
    ck_assert_uint_eq(st(DEV_A)->s2_accesses, 0);
}
END_TEST

START_TEST(test_unattached_and_wild_devids)
{
    struct virtq_dma dma = iommu_dma(io, 5);
    struct virtq_dma stray = iommu_dma(io, IOMMU_MAX_DEVICES + 3);
    uint8_t b[4] = {0};
    struct iommu_fault f;

    ck_assert_int_eq(dma.ops->read(dma.ctx, 0x80001000, b, sizeof(b)), -EFAULT);
    ck_assert_uint_eq(st(5)->faults, 1);
    ck_assert(iommu_last_fault(io, 5, &f));
    ck_assert_int_eq(f.cause, IOMMU_CAUSE_DDT_INVALID); /* 258 */
    ck_assert_int_eq(stray.ops->write(stray.ctx, 0x80001000, b, sizeof(b)), -EFAULT);
    ck_assert_int_eq(iommu_translate(io, IOMMU_MAX_DEVICES, 0x80001000, false, NULL, NULL),
                     -EFAULT);
    ck_assert_uint_eq(st(IOMMU_MAX_DEVICES)->faults, 2); /* the stray ids' counters */
    ck_assert_ptr_null(iommu_stats(io, IOMMU_MAX_DEVICES + 1));
    ck_assert(!iommu_last_fault(io, IOMMU_MAX_DEVICES, &f));
    ck_assert_uint_eq(st(DEV_A)->faults, 0);
}
END_TEST

START_TEST(test_bad_programming)
{
    struct hostmem *other = hostmem_create(16ull << 20);
    struct gmem *foreign;

    ck_assert_ptr_nonnull(other);
    foreign = gmem_create(other, RAM_BASE, 1ull << 20);
    ck_assert_ptr_nonnull(foreign);
    ck_assert_int_eq(iommu_attach(io, IOMMU_MAX_DEVICES, gm_a, 1), -EINVAL);
    ck_assert_int_eq(iommu_attach(io, DEV_A, gm_a, 1), -EBUSY);
    ck_assert_int_eq(iommu_attach(io, 4, NULL, 1), -EINVAL);
    ck_assert_int_eq(iommu_attach(io, 4, foreign, 1), -EINVAL); /* another host memory */
    ck_assert_int_eq(iommu_set_first_stage(io, 4, IOMMU_FS_SV39, S1_ROOT), -EINVAL);
    ck_assert_int_eq(iommu_set_first_stage(io, DEV_A, IOMMU_FS_SV39, S1_ROOT + 8), -EINVAL);
    ck_assert_int_eq(iommu_set_first_stage(io, DEV_A, (enum iommu_fs_mode)9, S1_ROOT), -EINVAL);
    ck_assert_int_eq(iommu_set_first_stage(io, IOMMU_MAX_DEVICES, IOMMU_FS_BARE, 0), -EINVAL);
    iommu_detach(io, 9);                 /* not attached: nothing */
    iommu_detach(io, IOMMU_MAX_DEVICES); /* out of range: nothing */
    gmem_destroy(foreign);
    hostmem_destroy(other);
}
END_TEST

START_TEST(test_virtq_buffer_outside_first_stage)
{
    struct virtq *q;
    struct virtq_chain *chain = malloc(sizeof(*chain));
    uint8_t canary[8], b[8];

    ck_assert_ptr_nonnull(chain);
    memset(canary, 0xc3, sizeof(canary));
    q = vq_through_iommu();
    put(gm_a, 0x80601000, canary, sizeof(canary));
    /* a writable buffer named by its GPA, which this first stage does not map */
    put_desc(0, 0x80601000, 8, VIRTQ_DESC_F_WRITE, 0);
    ck_assert_int_eq(virtq_pop(q, chain), -VIRTQ_E_BAD_GPA);
    get(gm_a, 0x80601000, b, sizeof(b));
    ck_assert_mem_eq(b, canary, sizeof(canary));
    virtq_destroy(q);
    free(chain);
}
END_TEST

START_TEST(test_device_cannot_reach_other_vm)
{
    struct virtq_dma dma = iommu_dma(io, DEV_A);
    uint8_t canary[64], mine[64], b[64];
    gpa_t gpa = 0x80003000;

    memset(canary, 0x5a, sizeof(canary));
    memset(mine, 0x11, sizeof(mine));
    put(gm_b, gpa, canary, sizeof(canary));
    /* identical GPAs, different host frames */
    ck_assert_uint_ne(hpa_of(gm_a, gpa), hpa_of(gm_b, gpa));
    ck_assert_int_eq(dma.ops->write(dma.ctx, gpa, mine, sizeof(mine)), 0);
    get(gm_a, gpa, b, sizeof(b));
    ck_assert_mem_eq(b, mine, sizeof(mine)); /* A's bytes written */
    /* every page of B's RAM, named by its HPA (the only name it has outside B) */
    for (gpa_t b_gpa = RAM_BASE; b_gpa < RAM_END; b_gpa += 64 * PAGE_SIZE) {
        ck_assert_int_eq(dma.ops->write(dma.ctx, hpa_of(gm_b, b_gpa), mine, sizeof(mine)), -EFAULT);
    }
    /* and through a first stage that maps B's frame */
    build_first_stage();
    put_pte(S1_L0, 4, hpa_of(gm_b, gpa), LEAF_RW);
    ck_assert_int_eq(dma.ops->write(dma.ctx, IOVA_4K + 4 * PAGE_SIZE, mine, sizeof(mine)), -EFAULT);
    get(gm_b, gpa, b, sizeof(b));
    ck_assert_mem_eq(b, canary, sizeof(canary));  /* B untouched */
    ck_assert_uint_eq(st(DEV_A)->faults, 1 + 32); /* 8 MiB / 256 KiB = 32 tries, + 1 */
}
END_TEST

/* ------------------------------------------------------------------ suite */

static Suite *iommu_suite(void)
{
    Suite *s = suite_create("iommu");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_bare_translate_and_iotlb);
    tcase_add_test(core, test_dma_crossing_a_page);
    tcase_add_test(core, test_sv39_first_stage_cold_walk);
    tcase_add_test(core, test_probe_traces_the_two_stage_walk);
    tcase_add_test(core, test_sv39_superpage);
    tcase_add_test(core, test_first_stage_u_bit_ignored);
    tcase_add_test(core, test_dma_through_first_stage);
    tcase_add_test(core, test_dma_of_many_pages);
    tcase_add_test(core, test_check_counts_nothing);
    tcase_add_test(core, test_set_first_stage_flushes_iotlb);
    tcase_add_test(core, test_dc_info_and_totals);
    tcase_add_test(core, test_dma_over_code_is_reported);
    tcase_add_test(core, test_detach_and_reattach);
    tcase_add_test(core, test_sv48x4_when_ram_is_high);
    tcase_add_test(core, test_virtq_through_two_stages);
    suite_add_tcase(s, core);

    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_loop_test(bad, test_dma_outside_ram_refused, 0,
                        (int)(sizeof(not_ram) / sizeof(not_ram[0])));
    tcase_add_test(bad, test_dma_straddling_ram_end_moves_nothing);
    tcase_add_test(bad, test_long_dma_past_ram_moves_nothing);
    tcase_add_test(bad, test_wrapping_dma_refused);
    tcase_add_test(bad, test_first_stage_leaf_outside_ram);
    tcase_add_test(bad, test_first_stage_root_outside_ram);
    tcase_add_loop_test(bad, test_bad_first_stage_leaf, 0,
                        (int)(sizeof(bad_leaves) / sizeof(bad_leaves[0])));
    tcase_add_test(bad, test_r_only_leaf_read_then_write);
    tcase_add_test(bad, test_non_canonical_iova);
    tcase_add_test(bad, test_unattached_and_wild_devids);
    tcase_add_test(bad, test_bad_programming);
    tcase_add_test(bad, test_virtq_buffer_outside_first_stage);
    tcase_add_test(bad, test_device_cannot_reach_other_vm);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(iommu_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
