/*
 * tests/unit/check_virtio_blk.c - unit tests of the virtio-mmio transport
 * (io/virtio_mmio.c) with virtio-blk behind it (io/virtio_blk.c): the
 * register layout, feature negotiation, and requests through a queue built
 * by hand in guest RAM (as a driver builds it), served from a fake in-memory
 * disk (disk_open_ops); then the rules a driver can break.
 * Course: I/O虚拟化 / 半虚拟化 (virtio-blk: 前端 builds the queue, 后端 serves it on the kick).
 * Spec: virtio 1.2 §4.2.2 "MMIO Device Register Layout", §3.1 "Device
 *       Initialization", §2.1 "Device Status Field", §5.2 "Block Device".
 *
 * Guest memory (1 MiB RAM at 0x8000_0000):
 *   0x8000_1000 descriptor table (8 entries: +0 addr, +8 len, +12 flags, +14 next)
 *   0x8000_2000 available ring   (+0 flags, +2 idx, +4 ring[8])
 *   0x8000_3000 used ring        (+0 flags, +2 idx, +4 {id, len}[8])
 *   0x8000_4000 request header (16 bytes), 0x8000_5000 data, 0x8000_6000 status byte
 * The fake disk: 64 sectors, byte i of sector s is (s * 3 + i * 5) mod 256.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "io/disk.h"
#include "io/virtio_blk.h"
#include "io/virtio_mmio.h"
#include "io/virtq.h"
#include "mmu/mmu.h"
#include "tests/unit/blk_fixture.h"
#include "vm/vm.h"

#define RAM_BASE   0x80000000ull
#define RAM_SIZE   (1ull << 20)
#define DESC       0x80001000ull
#define AVAIL      0x80002000ull
#define USED       0x80003000ull
#define HDR        0x80004000ull
#define DATA       0x80005000ull
#define STATUS     0x80006000ull
#define QSIZE      8u
#define DISK_SECTS 64u
#define SECT       FAKE_SECT

/* desc, avail, used; header, status; entries */
static const struct blk_queue_layout queue_layout = {DESC, AVAIL, USED, HDR, STATUS, QSIZE};

/* ------------------------------------------------------------- fixture */

static struct hostmem *hm;
static struct gmem *gm;
static struct fake_disk *fdisk;
static struct disk *disk;
static struct virtio_blk *vb;
static struct virtio_mmio *tr;
static bool line;

static void on_irq(void *ctx, bool level)
{
    (void)ctx;
    line = level;
}

static void make(bool read_only)
{
    fdisk = fake_disk_create(DISK_SECTS, fake_pattern_3s_5i);
    vb = fake_blk_open(gm, fdisk, read_only, on_irq, &disk);
    tr = virtio_blk_transport(vb);
    line = false;
    drv = (struct blk_driver){.gm = gm, .reg = virtio_mmio_ops, .dev = tr, .q = queue_layout};
}

static void unmake(void)
{
    fake_blk_close(vb, disk, fdisk);
}

static void setup(void)
{
    hm = hostmem_create(4 * RAM_SIZE);
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
    make(false);
}

static void teardown(void)
{
    unmake();
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

#define F_V1 (1ull << 32) /* VIRTIO_F_VERSION_1 */

/* Queue 0 of QSIZE entries at DESC/AVAIL/USED, then DRIVER_OK (§3.1 steps 7-8). */
static void bring_up(uint64_t features)
{
    drv_bring_up(features);
}

/*
 * One request as a driver queues it: header (16 bytes, readable) -> data
 * (data_len bytes at DATA, device-writable for IN) -> status byte (writable),
 * head 0, then the avail ring entry and idx, then the kick. Returns the status byte.
 */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t data_len, bool data_writable)
{
    return drv_request(type, sector, DATA, data_len, data_writable);
}

/* The used ring's latest entry: {id, len} at +4 + 8 * ((idx - 1) mod size). */
static uint32_t used_len(void)
{
    uint16_t idx = (uint16_t)get_le(USED + 2, 2);
    return (uint32_t)get_le(USED + 4 + 8 * ((idx - 1u) % QSIZE) + 4, 4);
}

/* ----------------------------------------------------------------- core */

START_TEST(test_vblk_registers)
{
    ck_assert_uint_eq(rd(0x000), 0x74726976); /* "virt" little-endian */
    ck_assert_uint_eq(rd(0x004), 2);          /* version 2, modern */
    ck_assert_uint_eq(rd(0x008), 2);          /* §5: block device */
    ck_assert_uint_eq(rd(0x00c), 0x554d4551); /* "QEMU" */
    /* sel 0: INDIRECT 28, EVENT_IDX 29, SEG_MAX 2, BLK_SIZE 6, FLUSH 9:
     * 0x10000000 | 0x20000000 | 0x4 | 0x40 | 0x200 = 0x30000244 */
    wr(0x014, 0);
    ck_assert_uint_eq(rd(0x010), 0x30000244);
    wr(0x014, 1);
    ck_assert_uint_eq(rd(0x010), 1); /* VERSION_1 is bit 32: bit 0 of word 1 */
    wr(0x030, 0);
    ck_assert_uint_eq(rd(0x034), 256); /* QueueNumMax */
    wr(0x030, 1);
    ck_assert_uint_eq(rd(0x034), 0); /* no queue 1 */
    ck_assert_uint_eq(rd(0x0fc), 0); /* ConfigGeneration */
    ck_assert_uint_eq(rd(0x070), 0); /* Status after reset */
    /* config: capacity 64 = 0x40 at +0 (le64), seg_max 254 at +0x0c, blk_size 512 at +0x14 */
    uint64_t v = 0;
    ck_assert_int_eq(virtio_mmio_ops.read(tr, 0x100, 8, &v), 0);
    ck_assert_uint_eq(v, 64);
    ck_assert_uint_eq(rd(0x104), 0);
    ck_assert_uint_eq(rd(0x10c), 254);
    ck_assert_uint_eq(rd(0x114), 512);
    ck_assert_int_eq(virtio_mmio_ops.read(tr, 0x100, 1, &v), 0);
    ck_assert_uint_eq(v, 0x40);
}
END_TEST

START_TEST(test_vblk_negotiation)
{
    /* without VERSION_1: FEATURES_OK sticks anyway, as QEMU's does (xv6 asks only word 0) */
    ck_assert_uint_eq(negotiate(1ull << 9), 1 | 2 | 8);
    /* bit 0 (VIRTIO_BLK_F_BARRIER, legacy) is not offered: refused */
    ck_assert_uint_eq(negotiate(F_V1 | 1), 1 | 2);
    /* VERSION_1 + FLUSH + INDIRECT: accepted */
    ck_assert_uint_eq(negotiate(F_V1 | 1ull << 9 | 1ull << 28), 1 | 2 | 8);
    /* DRIVER_OK without FEATURES_OK: a bad driver */
    wr(VIRTIO_MMIO_STATUS, 0);
    wr(VIRTIO_MMIO_STATUS, 1 | 2 | 4);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0x40);
    ck_assert_uint_eq(virtio_mmio_stats(tr)->errors, 1);
}
END_TEST

/* xv6's driver: word 0 only (SEG_MAX 2, BLK_SIZE 6, FLUSH 9 = 0x244), no VERSION_1; it reads. */
START_TEST(test_vblk_no_version_1)
{
    bring_up(0x244);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 3, SECT, true), VIRTIO_BLK_S_OK);
    /* sector 3 starts 09 0e 13 18 (byte i = 3 * 3 + 5 i) */
    ck_assert_uint_eq(get_le(DATA, 4), 0x18130e09);
    ck_assert_uint_eq(get_le(USED + 2, 2), 1);
}
END_TEST

START_TEST(test_vblk_in)
{
    bring_up(F_V1 | 1ull << 9);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 3, SECT, true), VIRTIO_BLK_S_OK);
    /* sector 3: byte i is 3 * 3 + 5 i: 09 0e 13 18; byte 511: 9 + 2555 = 2564 mod 256 = 4 */
    ck_assert_uint_eq(get_le(DATA, 4), 0x18130e09);
    ck_assert_uint_eq(get_le(DATA + 511, 1), 4);
    ck_assert_uint_eq(used_len(), 513); /* 512 data + the status byte */
    ck_assert_uint_eq(get_le(USED + 2, 2), 1);
    /* no NO_INTERRUPT, no EVENT_IDX: the used-buffer interrupt, bit 0 */
    ck_assert(line);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 1);
    wr(VIRTIO_MMIO_INTERRUPT_ACK, 1);
    ck_assert(!line);
    ck_assert_uint_eq(virtio_blk_stats(vb)->requests, 1);
    ck_assert_uint_eq(virtio_blk_stats(vb)->bytes, 512);
    ck_assert_uint_eq(virtio_mmio_stats(tr)->kicks, 1);
    ck_assert_uint_eq(virtio_mmio_stats(tr)->interrupts, 1);
}
END_TEST

START_TEST(test_vblk_out_flush)
{
    bring_up(F_V1 | 1ull << 9);
    uint8_t buf[2 * SECT];
    for (unsigned i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(0xa0 + i);
    }
    ck_assert_int_eq(gmem_write(gm, DATA, buf, sizeof(buf)), 0);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 10, 2 * SECT, false), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(used_len(), 1); /* only the status byte written */
    ck_assert_mem_eq(fdisk->data + 10 * SECT, buf, sizeof(buf));
    ck_assert_uint_eq(fdisk->data[12 * SECT], (uint8_t)(12 * 3)); /* sector 12 untouched: 36 */
    ck_assert_uint_eq(request(VIRTIO_BLK_T_FLUSH, 0, 0, false), VIRTIO_BLK_S_OK);
    ck_assert_uint_eq(fdisk->flushes, 1);
    ck_assert_uint_eq(virtio_blk_stats(vb)->requests, 2);
    ck_assert_uint_eq(virtio_blk_stats(vb)->bytes, 1024);
}
END_TEST

START_TEST(test_vblk_get_id)
{
    bring_up(F_V1);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_GET_ID, 0, 20, true), VIRTIO_BLK_S_OK);
    char id[20];
    ck_assert_int_eq(gmem_read(gm, DATA, id, sizeof(id)), 0);
    ck_assert_mem_eq(id, "vmlab-virtio-blk\0\0\0\0", 20);
    ck_assert_uint_eq(used_len(), 21);
}
END_TEST

START_TEST(test_vblk_indirect)
{
    /* one descriptor (head 0) with INDIRECT pointing at a 3-entry table at 0x8000_7000 */
    bring_up(F_V1 | 1ull << 28);
    const gpa_t ind = 0x80007000ull;
    put_le(HDR, VIRTIO_BLK_T_IN, 4);
    put_le(HDR + 8, 1, 8);
    uint64_t e[3][3] = {{HDR, 16, VIRTQ_DESC_F_NEXT | 1u << 16},
                        {DATA, SECT, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE | 2u << 16},
                        {STATUS, 1, VIRTQ_DESC_F_WRITE}};
    for (unsigned i = 0; i < 3; i++) {
        put_le(ind + 16 * i, e[i][0], 8);
        put_le(ind + 16 * i + 8, e[i][1], 4);
        put_le(ind + 16 * i + 12, e[i][2], 4); /* flags, then next in the high half */
    }
    desc(0, ind, 48, VIRTQ_DESC_F_INDIRECT, 0);
    put_le(AVAIL + 4, 0, 2);
    put_le(AVAIL + 2, 1, 2);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(get_le(STATUS, 1), 0);
    ck_assert_uint_eq(get_le(DATA, 2), 0x0803); /* sector 1: 3, 8 */
}
END_TEST

START_TEST(test_vblk_event_idx)
{
    /* EVENT_IDX (bit 29): used_event sits after the avail ring, at +4 + 2 * 8 = +20 */
    bring_up(F_V1 | 1ull << 29);
    put_le(AVAIL + 20, 5, 2);
    /* used idx 0 -> 1, used_event 5: (u16)(1 - 5 - 1) = 65531 < (1 - 0) = 1 is false: no interrupt
     */
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, SECT, true), VIRTIO_BLK_S_OK);
    ck_assert(!line);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    /* used idx 1 -> 2, used_event 1: (u16)(2 - 1 - 1) = 0 < (2 - 1) = 1: interrupt */
    put_le(AVAIL + 20, 1, 2);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, SECT, true), VIRTIO_BLK_S_OK);
    ck_assert(line);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 1);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_vblk_read_only)
{
    unmake();
    make(true);
    wr(0x014, 0);
    ck_assert_uint_eq(rd(0x010), 0x30000264); /* 0x30000244 | RO (bit 5, 0x20) */
    bring_up(F_V1 | 1ull << 5);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_OUT, 0, SECT, false), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(fdisk->writes, 0);
    ck_assert_uint_eq(fdisk->data[5], 25); /* 5 * 5: untouched */
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, SECT, true), VIRTIO_BLK_S_OK); /* reads work */
}
END_TEST

START_TEST(test_vblk_out_of_range_and_unsupp)
{
    bring_up(F_V1);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 64, SECT, true), VIRTIO_BLK_S_IOERR); /* past end */
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, UINT64_MAX, SECT, true), VIRTIO_BLK_S_IOERR);
    ck_assert_uint_eq(request(VIRTIO_BLK_T_IN, 0, 100, true), VIRTIO_BLK_S_IOERR); /* not 512 */
    ck_assert_uint_eq(request(11, 0, 0, false), VIRTIO_BLK_S_UNSUPP); /* 11: not offered */
    ck_assert_uint_eq(fdisk->reads, 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 1 | 2 | 4 | 8); /* no NEEDS_RESET */
}
END_TEST

START_TEST(test_vblk_kick_before_driver_ok)
{
    ck_assert_uint_eq(negotiate(F_V1), 1 | 2 | 8);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 1 | 2 | 8 | 0x40);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 2); /* config change */
    ck_assert(line);
    ck_assert_uint_eq(virtio_mmio_stats(tr)->errors, 1);
    ck_assert_uint_eq(virtio_mmio_stats(tr)->kicks, 0);
    wr(VIRTIO_MMIO_STATUS, 0); /* reset clears it all */
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
    ck_assert(!line);
}
END_TEST

START_TEST(test_vblk_bad_queue_size)
{
    ck_assert_uint_eq(negotiate(F_V1), 1 | 2 | 8);
    wr(VIRTIO_MMIO_QUEUE_NUM, 6); /* not a power of two (§2.7) */
    wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)DESC);
    wr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)AVAIL);
    wr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)USED);
    wr(VIRTIO_MMIO_QUEUE_READY, 1);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & 0x40, 0x40);
    wr(VIRTIO_MMIO_QUEUE_NUM, 512); /* above QueueNumMax: also refused (already broken) */
    ck_assert_uint_eq(virtio_mmio_stats(tr)->errors, 1);
}
END_TEST

START_TEST(test_vblk_no_status_byte)
{
    bring_up(F_V1);
    /* header only, no writable descriptor: nowhere for the status: NEEDS_RESET */
    put_le(HDR, VIRTIO_BLK_T_FLUSH, 4);
    desc(0, HDR, 16, 0, 0);
    put_le(AVAIL + 4, 0, 2);
    put_le(AVAIL + 2, 1, 2);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & 0x40, 0x40);
    ck_assert_uint_eq(get_le(USED + 2, 2), 0); /* nothing used */
    ck_assert_uint_eq(fdisk->flushes, 0);
    /* a kick after NEEDS_RESET: ignored, not served */
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(virtio_mmio_stats(tr)->kicks, 1);
}
END_TEST

START_TEST(test_vblk_bad_widths)
{
    uint64_t v;
    ck_assert_int_eq(virtio_mmio_ops.read(tr, 0x000, 2, &v), -1);
    ck_assert_int_eq(virtio_mmio_ops.read(tr, 0x002, 4, &v), -1);
    ck_assert_int_eq(virtio_mmio_ops.write(tr, 0x070, 8, 0), -1);
    ck_assert_int_eq(virtio_mmio_ops.read(tr, 0x102, 4, &v), -1); /* config: misaligned */
    ck_assert_uint_eq(virtio_mmio_stats(tr)->exits, 4);
}
END_TEST

/* ------------------------------------------------- placement (--disk ...,slot=N) */

/* Two disks asking for one slot, a slot out of range, all 8 taken and a 9th: refused. */
START_TEST(test_vblk_slot_clash)
{
    struct vm_disk_spec d[9];
    unsigned slot_of[9];
    memset(d, 0, sizeof(d));
    d[0] = (struct vm_disk_spec){.path = "a", .slot_given = true, .slot = 3};
    d[1] = (struct vm_disk_spec){.path = "b", .slot_given = true, .slot = 3};
    ck_assert_int_eq(vm_disk_slots(d, 2, slot_of), -1);
    d[1].slot = 8; /* slots are 0..7 */
    ck_assert_int_eq(vm_disk_slots(d, 2, slot_of), -1);
    for (unsigned i = 0; i < 9; i++) {
        d[i] = (struct vm_disk_spec){.path = "x"};
    }
    ck_assert_int_eq(vm_disk_slots(d, 8, slot_of), 0);
    ck_assert_uint_eq(slot_of[7], 0); /* the eighth gets the last free slot, 0 */
    ck_assert_int_eq(vm_disk_slots(d, 9, slot_of), -1);
}
END_TEST

/* slot=N where given, the others from the highest free slot down (QEMU virt: 7, 6, ...). */
START_TEST(test_vblk_slots)
{
    struct vm_disk_spec d[3] = {{.path = "a"}, {.path = "b"}, {.path = "c"}};
    unsigned slot_of[3] = {99, 99, 99};
    /* none given: 7, 6, 5 (the brief's "current placement") */
    ck_assert_int_eq(vm_disk_slots(d, 3, slot_of), 0);
    ck_assert_uint_eq(slot_of[0], 7);
    ck_assert_uint_eq(slot_of[1], 6);
    ck_assert_uint_eq(slot_of[2], 5);
    /* b asks for 7: a and c take 6 and 5 */
    d[1].slot_given = true;
    d[1].slot = 7;
    ck_assert_int_eq(vm_disk_slots(d, 3, slot_of), 0);
    ck_assert_uint_eq(slot_of[0], 6);
    ck_assert_uint_eq(slot_of[1], 7);
    ck_assert_uint_eq(slot_of[2], 5);
    /* xv6: one disk at slot 0 */
    d[0].slot_given = true;
    d[0].slot = 0;
    ck_assert_int_eq(vm_disk_slots(d, 1, slot_of), 0);
    ck_assert_uint_eq(slot_of[0], 0);
}
END_TEST

static Suite *virtio_blk_suite(void)
{
    Suite *s = suite_create("virtio_blk");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_vblk_registers);
    tcase_add_test(core, test_vblk_negotiation);
    tcase_add_test(core, test_vblk_no_version_1);
    tcase_add_test(core, test_vblk_in);
    tcase_add_test(core, test_vblk_out_flush);
    tcase_add_test(core, test_vblk_get_id);
    tcase_add_test(core, test_vblk_indirect);
    tcase_add_test(core, test_vblk_event_idx);
    tcase_add_test(core, test_vblk_slots);
    suite_add_tcase(s, core);

    TCase *bad = tcase_create("bad_input");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_vblk_read_only);
    tcase_add_test(bad, test_vblk_out_of_range_and_unsupp);
    tcase_add_test(bad, test_vblk_kick_before_driver_ok);
    tcase_add_test(bad, test_vblk_bad_queue_size);
    tcase_add_test(bad, test_vblk_no_status_byte);
    tcase_add_test(bad, test_vblk_bad_widths);
    tcase_add_test(bad, test_vblk_slot_clash);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_blk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
