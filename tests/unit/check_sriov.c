/*
 * tests/unit/check_sriov.c - unit tests of the simulated SR-IOV block device
 * (io/sriov.c): the PF's slices of the medium, a VF's register window (read
 * as virtio-mmio, counted as in-place accesses or as exits), and requests
 * through a queue built by hand in guest RAM whose DMA goes through the
 * IOMMU (io/iommu.c) attached to that RAM.
 * Course: I/O虚拟化 / 设备直通 (SR-IOV: PF, VF; DMA 重映射 by the IOMMU).
 * Spec: PCI-SIG SR-IOV 1.1 §1; virtio 1.2 §4.2.2, §2.7, §5.2.6; RISC-V IOMMU
 *       1.0 §2.3 "Process to translate an IOVA".
 *
 * The medium: 100 sectors, byte i of sector s is (7 s + i) mod 256. Three
 * VFs: S = floor(100 / 3) = 33 sectors each; VF i sees medium sectors
 * [33 i, 33 i + 33), sector 99 belongs to none. VF 1 is assigned to the
 * test's RAM (1 MiB at 0x8000_0000), laid out as check_virtio_blk.c's:
 *   0x8000_1000 descriptors (8)  0x8000_2000 avail ring  0x8000_3000 used ring
 *   0x8000_4000 request header   0x8000_5000 data         0x8000_6000 status
 * With the first stage Sv39 the driver names them by IOVA = GPA - 0x4000_0000
 * (one 1 GiB leaf at root index 1: IOVA 0x4000_0000 -> GPA 0x8000_0000).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/disk.h"
#include "io/iommu.h"
#include "io/sriov.h"
#include "io/virtio_blk.h"
#include "io/virtio_mmio.h"
#include "io/virtq.h"
#include "mmu/mmu.h"

#define RAM_BASE    0x80000000ull
#define RAM_SIZE    (1ull << 20)
#define DESC        0x80001000ull
#define AVAIL       0x80002000ull
#define USED        0x80003000ull
#define HDR         0x80004000ull
#define DATA        0x80005000ull
#define STATUS      0x80006000ull
#define FS_ROOT     0x80008000ull
#define QSIZE       8u
#define MEDIUM_SECT 100u
#define SLICE       33u /* floor(100 / 3) */
#define SECT        512u
#define F_V1        (1ull << 32)

/* ------------------------------------------------------ the fake medium */

struct fake_medium {
    uint8_t data[MEDIUM_SECT * SECT];
    unsigned reads, writes, flushes;
};

static int fake_read(void *ctx, uint64_t sector, void *buf, uint32_t nsectors)
{
    struct fake_medium *fm = ctx;
    fm->reads++;
    memcpy(buf, fm->data + sector * SECT, (size_t)nsectors * SECT);
    return 0;
}

static int fake_write(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors)
{
    struct fake_medium *fm = ctx;
    fm->writes++;
    memcpy(fm->data + sector * SECT, buf, (size_t)nsectors * SECT);
    return 0;
}

static int fake_flush(void *ctx)
{
    struct fake_medium *fm = ctx;
    fm->flushes++;
    return 0;
}

static const struct disk_ops fake_ops = {fake_read, fake_write, fake_flush, NULL};

static uint8_t pattern(unsigned sector, unsigned i)
{
    return (uint8_t)(7 * sector + i);
}

/* ------------------------------------------------------------- fixture */

static struct hostmem *hm;
static struct gmem *gm;
static struct iommu *iommu;
static struct fake_medium *fm;
static struct disk *medium;
static struct sriov *pf;
static struct sriov_vf *vf; /* VF 1, assigned to gm */
static bool line;
static unsigned line_changes;
static uint16_t drv_idx;
static uint64_t iova_minus_gpa; /* 0 with the first stage Bare */

static void on_irq(void *ctx, bool level)
{
    (void)ctx;
    line = level;
    line_changes++;
}

static void setup(void)
{
    const char *why = NULL;
    hm = hostmem_create(8 * RAM_SIZE);
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
    iommu = iommu_create(hm);
    ck_assert_ptr_nonnull(iommu);
    fm = calloc(1, sizeof(*fm));
    ck_assert_ptr_nonnull(fm);
    for (unsigned i = 0; i < sizeof(fm->data); i++) {
        fm->data[i] = pattern(i / SECT, i % SECT);
    }
    medium = disk_open_ops(&fake_ops, fm, MEDIUM_SECT, NULL);
    ck_assert_ptr_nonnull(medium);
    pf = sriov_create(medium, 3, iommu, &why);
    ck_assert_ptr_nonnull(pf);
    vf = sriov_vf(pf, 1);
    ck_assert_ptr_nonnull(vf);
    ck_assert_int_eq(sriov_vf_assign(vf, gm, 7, on_irq, NULL), 0);
    line = false;
    line_changes = 0;
    drv_idx = 0;
    iova_minus_gpa = 0;
}

static void teardown(void)
{
    sriov_destroy(pf);
    disk_close(medium);
    free(fm);
    iommu_destroy(iommu);
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

/* The hart's in-place accesses (what cpu/mem.c calls for a mapped window). */
static uint64_t rd(uint64_t offset)
{
    uint64_t val = 0xdeadbeef;
    ck_assert_int_eq(sriov_vf_direct_read(vf, offset, 4, &val), 0);
    return val;
}

static void wr(uint64_t offset, uint64_t val)
{
    ck_assert_int_ge(sriov_vf_direct_write(vf, offset, 4, val), 0);
}

static void put_le(gpa_t gpa, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    ck_assert_int_eq(gmem_write(gm, gpa, b, n), 0);
}

static uint64_t get_le(gpa_t gpa, unsigned n)
{
    uint8_t b[8];
    uint64_t v = 0;
    ck_assert_int_eq(gmem_read(gm, gpa, b, n), 0);
    for (unsigned i = 0; i < n; i++) {
        v |= (uint64_t)b[i] << (8 * i);
    }
    return v;
}

static uint64_t iova(gpa_t gpa)
{
    return gpa + iova_minus_gpa;
}

/* §3.1: reset, ACK, DRIVER, VERSION_1 only, FEATURES_OK, queue 0 at the rings, DRIVER_OK. */
static void bring_up(void)
{
    wr(VIRTIO_MMIO_STATUS, 0);
    wr(VIRTIO_MMIO_STATUS, 1);
    wr(VIRTIO_MMIO_STATUS, 1 | 2);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, F_V1 >> 32);
    wr(VIRTIO_MMIO_STATUS, 1 | 2 | VIRTIO_STATUS_FEATURES_OK);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 1 | 2 | 8);
    wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
    wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)iova(DESC));
    wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
    wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)iova(AVAIL));
    wr(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
    wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)iova(USED));
    wr(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    wr(VIRTIO_MMIO_STATUS, 1 | 2 | 8 | VIRTIO_STATUS_DRIVER_OK);
}

static void desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
    put_le(DESC + 16 * i, addr, 8);
    put_le(DESC + 16 * i + 8, len, 4);
    put_le(DESC + 16 * i + 12, flags, 2);
    put_le(DESC + 16 * i + 14, next, 2);
}

/* header -> nsect sectors of data at data_iova -> status; kick; the status byte. */
static uint8_t request_at(uint32_t type, uint64_t sector, uint32_t nsect, uint64_t data_iova)
{
    put_le(HDR, type, 4);
    put_le(HDR + 4, 0, 4);
    put_le(HDR + 8, sector, 8);
    put_le(STATUS, 0xff, 1);
    uint16_t data_flags = VIRTQ_DESC_F_NEXT | (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0);
    desc(0, iova(HDR), 16, VIRTQ_DESC_F_NEXT, 1);
    desc(1, data_iova, nsect * SECT, data_flags, 2);
    desc(2, iova(STATUS), 1, VIRTQ_DESC_F_WRITE, 0);
    put_le(AVAIL + 4 + 2 * (drv_idx % QSIZE), 0, 2);
    drv_idx++;
    put_le(AVAIL + 2, drv_idx, 2);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    return (uint8_t)get_le(STATUS, 1);
}

static uint8_t request(uint32_t type, uint64_t sector, uint32_t nsect)
{
    return request_at(type, sector, nsect, iova(DATA));
}

/* Is medium sector s still (7 s + i) mod 256 throughout? */
static bool medium_untouched(unsigned s)
{
    for (unsigned i = 0; i < SECT; i++) {
        if (fm->data[s * SECT + i] != pattern(s, i)) {
            return false;
        }
    }
    return true;
}

/* ----------------------------------------------------------------- core */

START_TEST(test_sriov_slices)
{
    /* 100 sectors / 3 VFs = 33 each (99 used, sector 99 is no VF's) */
    ck_assert_uint_eq(sriov_nvfs(pf), 3);
    ck_assert_uint_eq(sriov_slice_sectors(pf), SLICE);
    ck_assert_ptr_null(sriov_vf(pf, 3));
    ck_assert_uint_eq(sriov_vf_index(vf), 1);
    ck_assert(sriov_vf_is_assigned(vf));
    ck_assert(!sriov_vf_is_assigned(sriov_vf(pf, 0)));
}
END_TEST

START_TEST(test_sriov_registers)
{
    ck_assert_uint_eq(rd(0x000), 0x74726976); /* "virt" */
    ck_assert_uint_eq(rd(0x004), 2);          /* modern */
    ck_assert_uint_eq(rd(0x008), 2);          /* block */
    uint64_t cap = 0;
    ck_assert_int_eq(sriov_vf_direct_read(vf, 0x100, 8, &cap), 0);
    ck_assert_uint_eq(cap, SLICE); /* the VF's capacity is its slice, 33 */
    /* the VF's own features word 1: VERSION_1 (bit 32) -> 1 */
    wr(0x014, 1);
    ck_assert_uint_eq(rd(0x010), 1);
    struct sriov_vf_stats st;
    sriov_vf_get_stats(vf, &st);
    ck_assert_uint_eq(st.reg_accesses, 6); /* 3 reads, the config read, a write, a read */
    ck_assert_uint_eq(st.exits, 0);
    /* the same window behind an MMIO exit counts as an exit, not an in-place access */
    uint64_t magic = 0;
    ck_assert_int_eq(sriov_vf_trapped_ops.read(vf, 0x000, 4, &magic), 0);
    ck_assert_uint_eq(magic, 0x74726976);
    sriov_vf_get_stats(vf, &st);
    ck_assert_uint_eq(st.reg_accesses, 6);
    ck_assert_uint_eq(st.exits, 1);
}
END_TEST

/*
 * IN of VF 1's sector 0 = the medium's sector 33, through the IOMMU (first
 * stage Bare). The DMA calls of one 1-sector request on a queue without
 * EVENT_IDX (io/virtq.c, io/virtio_blk.c), each within one page:
 *   disable kicks: used flags write                              1
 *   pop: avail idx, avail ring[0], descriptors 0, 1, 2            5
 *   header read, data write, status write                        3
 *   push: used elem, used idx                                    2
 *   pop again (nothing): avail idx                                1
 *   enable kicks: used flags write, avail idx read               2
 *   should_notify: avail flags read                              1
 * = 15 translations. Six distinct pages (desc, avail, used, header, data,
 * status), so a cold IOTLB misses at least 6 times; every miss walks the
 * Sv39x4 second stage with 4 KiB leaves: 3 PTE reads each; Bare: no s1 reads.
 */
START_TEST(test_sriov_request_through_iommu)
{
    bring_up();
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, 1), VIRTIO_BLK_S_OK);
    for (unsigned i = 0; i < SECT; i++) {
        ck_assert_uint_eq(get_le(DATA + i, 1), pattern(33, i));
    }
    const struct iommu_stats *is = sriov_vf_iommu_stats(vf);
    ck_assert_uint_eq(is->translations, 15);
    ck_assert_uint_eq(is->faults, 0);
    ck_assert_uint_eq(is->s1_accesses, 0);
    ck_assert_uint_ge(is->iotlb_misses, 6);
    ck_assert_uint_eq(is->iotlb_hits + is->iotlb_misses, 15);
    ck_assert_uint_eq(is->s2_accesses, 3 * is->iotlb_misses);
    /* used ring: {id 0, len 512 + 1 status byte} */
    ck_assert_uint_eq(get_le(USED + 2, 2), 1);
    ck_assert_uint_eq(get_le(USED + 8, 4), 513);
    struct sriov_vf_stats st;
    sriov_vf_get_stats(vf, &st);
    ck_assert_uint_eq(st.requests, 1);
    ck_assert_uint_eq(st.bytes, 512);
    ck_assert_uint_eq(st.kicks, 1);
    ck_assert_uint_eq(st.interrupts, 1); /* no NO_INTERRUPT flag: the line rose */
    ck_assert(line);
}
END_TEST

/* OUT to VF 1's last sector (32) lands in the medium's sector 65; its neighbours stay. */
START_TEST(test_sriov_write_lands_in_slice)
{
    bring_up();
    uint8_t buf[SECT];
    memset(buf, 0x5a, sizeof(buf));
    ck_assert_int_eq(gmem_write(gm, DATA, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, SLICE - 1, 1), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(fm->data[65 * SECT], 0x5a);
    ck_assert_uint_eq(fm->data[65 * SECT + SECT - 1], 0x5a);
    ck_assert(medium_untouched(64));
    ck_assert(medium_untouched(66)); /* VF 2's sector 0 */
    ck_assert(medium_untouched(32)); /* VF 0's last sector */
}
END_TEST

/* The interrupt: raised with the used buffer, lowered by InterruptACK. */
START_TEST(test_sriov_interrupt_ack)
{
    bring_up();
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 1, 1), VIRTIO_BLK_S_OK);
    ck_assert(line);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), VIRTIO_MMIO_INT_VRING);
    /* the ACK changes the line: the write says so (1), so the hart ends its entry */
    ck_assert_int_eq(sriov_vf_direct_write(vf, VIRTIO_MMIO_INTERRUPT_ACK, 4, 1), 1);
    ck_assert(!line);
    ck_assert_int_eq(sriov_vf_direct_write(vf, VIRTIO_MMIO_INTERRUPT_ACK, 4, 1), 0);
}
END_TEST

/*
 * The first stage Sv39, set as the PV_IOMMU_SET_FS hypercall sets it: the
 * driver names every ring and buffer by IOVA = GPA - 0x4000_0000; root at
 * 0x8000_8000 with one 1 GiB leaf at index 1 (PPN 0x80000, D A U W R V =
 * 0xd7). The bytes still arrive at the GPAs; s1 reads happen now.
 */
START_TEST(test_sriov_first_stage)
{
    put_le(FS_ROOT + 8, (0x80000ull << 10) | 0xd7, 8);
    ck_assert_int_eq(sriov_vf_set_first_stage(vf, IOMMU_FS_SV39, FS_ROOT), 0);
    iova_minus_gpa = 0x40000000ull - 0x80000000ull;
    bring_up();
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 2, 1), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(get_le(DATA, 1), pattern(35, 0)); /* VF 1's sector 2 = medium 35 */
    ck_assert_uint_eq(get_le(DATA + 511, 1), pattern(35, 511));
    const struct iommu_stats *is = sriov_vf_iommu_stats(vf);
    ck_assert_uint_eq(is->translations, 15);
    ck_assert_uint_eq(is->faults, 0);
    ck_assert_uint_gt(is->s1_accesses, 0);
    /* a reset (the VM's reboot) puts the first stage back to Bare */
    sriov_vf_reset(vf);
    struct iommu_dc_info dc;
    ck_assert(iommu_dc_info(iommu, 1, &dc));
    ck_assert_int_eq(dc.fs_mode, IOMMU_FS_BARE);
}
END_TEST

/* ------------------------------------------------------------ bad input */

/* Past the slice: IOERR, and the medium's next slice (VF 2's) is untouched. */
START_TEST(test_sriov_past_slice)
{
    bring_up();
    uint8_t buf[2 * SECT];
    memset(buf, 0xee, sizeof(buf));
    ck_assert_int_eq(gmem_write(gm, DATA, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, SLICE, 1), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, SLICE - 1, 2), VIRTIO_BLK_S_IOERR); /* straddles */
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, SLICE, 1), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, UINT64_MAX, 1), VIRTIO_BLK_S_IOERR);
    ck_assert(medium_untouched(65));
    ck_assert(medium_untouched(66));
    ck_assert(medium_untouched(67));
    ck_assert_uint_eq(fm->writes, 0);
    struct sriov_vf_stats st;
    sriov_vf_get_stats(vf, &st);
    ck_assert_uint_eq(st.ioerrs, 4);
    ck_assert_uint_eq(st.errors, 0); /* well-formed requests: no NEEDS_RESET */
}
END_TEST

/*
 * A data buffer outside the VM's RAM (0x7000_0000; and RAM's end): the IOMMU
 * refuses it, the queue is broken (NEEDS_RESET), iommu.faults counts it,
 * nothing moved: the medium is not read, no used entry.
 */
START_TEST(test_sriov_wild_dma)
{
    bring_up();
    request_at(VIRTIO_BLK_T_IN, 0, 1, 0x70000000ull);
    ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
    ck_assert_uint_eq(sriov_vf_iommu_stats(vf)->faults, 1);
    ck_assert_uint_eq(get_le(USED + 2, 2), 0);
    ck_assert_uint_eq(fm->reads, 0);
    /* after the driver's reset it works again; a buffer at RAM's last page + 1 is refused */
    bring_up();
    drv_idx = 0;
    request_at(VIRTIO_BLK_T_IN, 0, 1, RAM_BASE + RAM_SIZE);
    ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
    ck_assert_uint_eq(sriov_vf_iommu_stats(vf)->faults, 2);
}
END_TEST

/* An unassigned VF has no device context: its DMA faults, nothing moves. */
START_TEST(test_sriov_unassigned_vf)
{
    struct sriov_vf *vf0 = sriov_vf(pf, 0);
    vf = vf0;
    bring_up();
    put_le(DATA, 0x11, 1);
    request(VIRTIO_BLK_T_IN, 0, 1);
    ck_assert(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
    ck_assert_uint_eq(get_le(DATA, 1), 0x11);
    ck_assert_uint_eq(fm->reads, 0);
    ck_assert_uint_ge(sriov_vf_iommu_stats(vf0)->faults, 1);
    ck_assert_int_eq(sriov_vf_set_first_stage(vf0, IOMMU_FS_BARE, 0), -EINVAL);
}
END_TEST

START_TEST(test_sriov_bad_create)
{
    const char *why = NULL;
    ck_assert_ptr_null(sriov_create(medium, 0, iommu, &why));
    ck_assert_ptr_nonnull(why);
    why = NULL;
    ck_assert_ptr_null(sriov_create(medium, SRIOV_MAX_VFS + 1, iommu, &why));
    ck_assert_ptr_nonnull(why);
    /* 2 sectors cannot give 3 VFs a sector each */
    struct disk *tiny = disk_open_ops(&fake_ops, fm, 2, NULL);
    ck_assert_ptr_nonnull(tiny);
    why = NULL;
    ck_assert_ptr_null(sriov_create(tiny, 3, iommu, &why));
    ck_assert_ptr_nonnull(why);
    disk_close(tiny);
}
END_TEST

START_TEST(test_sriov_bad_assign_and_fs)
{
    ck_assert_int_eq(sriov_vf_assign(vf, gm, 7, on_irq, NULL), -EBUSY);
    ck_assert_int_eq(sriov_vf_set_first_stage(vf, 3, 0), -EINVAL);     /* no such mode */
    ck_assert_int_eq(sriov_vf_set_first_stage(vf, 8, 0x123), -EINVAL); /* misaligned root */
    /* a misaligned register access is refused, and still counted as an access */
    uint64_t v = 0;
    ck_assert_int_eq(sriov_vf_direct_read(vf, 0x002, 4, &v), -1);
    struct sriov_vf_stats st;
    sriov_vf_get_stats(vf, &st);
    ck_assert_uint_eq(st.reg_accesses, 1);
}
END_TEST

static Suite *sriov_suite(void)
{
    Suite *s = suite_create("sriov");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_sriov_slices);
    tcase_add_test(core, test_sriov_registers);
    tcase_add_test(core, test_sriov_request_through_iommu);
    tcase_add_test(core, test_sriov_write_lands_in_slice);
    tcase_add_test(core, test_sriov_interrupt_ack);
    tcase_add_test(core, test_sriov_first_stage);
    suite_add_tcase(s, core);
    TCase *bad = tcase_create("bad_input");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_sriov_past_slice);
    tcase_add_test(bad, test_sriov_wild_dma);
    tcase_add_test(bad, test_sriov_unassigned_vf);
    tcase_add_test(bad, test_sriov_bad_create);
    tcase_add_test(bad, test_sriov_bad_assign_and_fs);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sriov_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
