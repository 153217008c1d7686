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
#include "tests/unit/blk_fixture.h"

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
#define SECT        FAKE_SECT
#define F_V1        (1ull << 32)

/* desc, avail, used; header, status; entries */
static const struct blk_queue_layout queue_layout = {DESC, AVAIL, USED, HDR, STATUS, QSIZE};
/* The hart's in-place accesses to the VF's window (what cpu/mem.c calls for a mapped one). */
static const struct mmio_device_ops vf_direct = {sriov_vf_direct_read, sriov_vf_direct_write};

static uint8_t pattern(unsigned sector, unsigned i)
{
    return (uint8_t)(7 * sector + i);
}

/* ------------------------------------------------------------- fixture */

static struct hostmem *hm;
static struct gmem *gm;
static struct iommu *iommu;
static struct fake_disk *fm; /* the medium's bytes */
static struct disk *medium;
static struct sriov *pf;
static struct sriov_vf *vf; /* VF 1, assigned to gm; drv.dev until a test picks another */
static bool line;
static unsigned line_changes;

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
    fm = fake_disk_create(MEDIUM_SECT, pattern);
    medium = disk_open_ops(&fake_disk_ops, fm, MEDIUM_SECT, NULL);
    ck_assert_ptr_nonnull(medium);
    pf = sriov_create(medium, 3, iommu, &why);
    ck_assert_ptr_nonnull(pf);
    vf = sriov_vf(pf, 1);
    ck_assert_ptr_nonnull(vf);
    ck_assert_int_eq(sriov_vf_assign(vf, gm, 7, on_irq, NULL), 0);
    line = false;
    line_changes = 0;
    drv = (struct blk_driver){.gm = gm, .reg = vf_direct, .dev = vf, .q = queue_layout};
}

static void teardown(void)
{
    sriov_destroy(pf);
    disk_close(medium);
    fake_disk_destroy(fm);
    iommu_destroy(iommu);
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

/* §3.1 with VERSION_1 only, on the VF `vf` names; the rings at their IOVAs. */
static void bring_up(void)
{
    drv.dev = vf;
    drv_bring_up(F_V1);
}

/* header -> nsect sectors of data at data_iova -> status; kick; the status byte. */
static uint8_t request_at(uint32_t type, uint64_t sector, uint32_t nsect, uint64_t data_iova)
{
    return drv_request(type, sector, data_iova, nsect * SECT, type == VIRTIO_BLK_T_IN);
}

static uint8_t request(uint32_t type, uint64_t sector, uint32_t nsect)
{
    return request_at(type, sector, nsect, dma_addr(DATA));
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
    drv.iova_minus_gpa = 0x40000000ull - 0x80000000ull;
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
    bring_up(); /* the driver's ring starts again at avail idx 0 */
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
    struct disk *tiny = disk_open_ops(&fake_disk_ops, fm, 2, NULL);
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
