/*
 * tests/unit/check_virtio_mmio.c - unit tests of io/virtio_mmio.c beyond
 * what check_virtio_blk.c covers: the legacy interface (--virtio-legacy,
 * version 1: the queue layout from one page frame number, its registers, a
 * request through a queue placed that way), the register names and the
 * --trace io lines.
 * Course: I/O虚拟化 / 半虚拟化 (virtio): the legacy transport old guests
 *         drive, and what the VMM sees of every register access.
 * Spec: virtio 1.2 §4.2.4 "Legacy interface", §2.7 legacy "Virtqueue
 *       Layout", §4.2.2 "MMIO Device Register Layout".
 *
 * Guest memory (1 MiB RAM at 0x8000_0000). The legacy queue: GuestPageSize
 * 4096, QueueNum 8, QueueAlign 4096, QueuePFN 0x80001:
 *   descriptor table 0x80001 * 4096 = 0x8000_1000 (8 x 16 = 128 bytes)
 *   available ring   0x8000_1000 + 128 = 0x8000_1080 (6 + 2 x 8 = 22 bytes, to 0x8000_1096)
 *   used ring        0x8000_1096 up to a multiple of 4096 = 0x8000_2000
 *   0x8000_4000 request header, 0x8000_5000 data, 0x8000_6000 status byte
 * The fake disk: 64 sectors, byte i of sector s is (s * 3 + i * 5) mod 256.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/disk.h"
#include "io/virtio_blk.h"
#include "io/virtio_mmio.h"
#include "io/virtq.h"
#include "mmu/mmu.h"
#include "tests/unit/blk_fixture.h"

#define RAM_BASE   0x80000000ull
#define RAM_SIZE   (1ull << 20)
#define PFN        0x80001u
#define DESC       0x80001000ull
#define AVAIL      0x80001080ull
#define USED       0x80002000ull
#define HDR        0x80004000ull
#define DATA       0x80005000ull
#define STATUS     0x80006000ull
#define QSIZE      8u
#define DISK_SECTS 64u
#define SECT       FAKE_SECT

/* desc, avail, used; header, status; entries */
static const struct blk_queue_layout queue_layout = {DESC, AVAIL, USED, HDR, STATUS, QSIZE};

static struct hostmem *hm;
static struct gmem *gm;
static struct fake_disk *fdisk;
static struct disk *disk;
static struct virtio_blk *vb;
static struct virtio_mmio *tr;

static void setup(void)
{
    hm = hostmem_create(4 * RAM_SIZE);
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
    fdisk = fake_disk_create(DISK_SECTS, fake_pattern_3s_5i);
    vb = fake_blk_open(gm, fdisk, false, NULL, &disk);
    tr = virtio_blk_transport(vb);
    virtio_mmio_set_legacy(tr, true);
    /* the legacy layout's rings (the file's opening comment) */
    drv = (struct blk_driver){.gm = gm, .reg = virtio_mmio_ops, .dev = tr, .q = queue_layout};
}

static void teardown(void)
{
    fake_blk_close(vb, disk, fdisk);
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

/* A legacy driver's bring-up (§4.2.4, as Linux and U-Boot do it): no FEATURES_OK. */
static void legacy_bring_up(uint32_t features)
{
    wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
    wr(VIRTIO_MMIO_STATUS, 0);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, features);
    wr(VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
    wr(VIRTIO_MMIO_QUEUE_ALIGN, 4096);
    wr(VIRTIO_MMIO_QUEUE_PFN, PFN);
    wr(VIRTIO_MMIO_STATUS, 1 | 2 | VIRTIO_STATUS_DRIVER_OK);
}

/* One IN of one sector at DATA, head 0, through the legacy layout; the status byte. */
static uint8_t read_sector(uint64_t sector)
{
    return drv_request(VIRTIO_BLK_T_IN, sector, DATA, SECT, true);
}

/* ----------------------------------------------------------------- core */

START_TEST(legacy_layout)
{
    struct virtio_legacy_layout lay;
    /* U-Boot's queue: 256 entries at PFN 0x87742, 4 KiB pages and alignment:
     * desc 0x8774_2000; avail + 16 x 256 = 0x8774_3000; its end 0x8774_3000 + 6 + 512 =
     * 0x8774_3206, up to 4096: used 0x8774_4000 */
    ck_assert_int_eq(virtio_legacy_layout(0x87742, 4096, 4096, 256, &lay), 0);
    ck_assert_uint_eq(lay.desc_gpa, 0x87742000);
    ck_assert_uint_eq(lay.avail_gpa, 0x87743000);
    ck_assert_uint_eq(lay.used_gpa, 0x87744000);
    /* 8 entries, alignment 4: desc 0x8000_1000, avail + 128 = 0x8000_1080, its end
     * 0x8000_1080 + 6 + 16 = 0x8000_1096, up to 4: 0x8000_1098 */
    ck_assert_int_eq(virtio_legacy_layout(0x80001, 4096, 4, 8, &lay), 0);
    ck_assert_uint_eq(lay.desc_gpa, 0x80001000);
    ck_assert_uint_eq(lay.avail_gpa, 0x80001080);
    ck_assert_uint_eq(lay.used_gpa, 0x80001098);
    /* 64 KiB pages: PFN 2 is 0x2_0000 */
    ck_assert_int_eq(virtio_legacy_layout(2, 65536, 4096, 8, &lay), 0);
    ck_assert_uint_eq(lay.desc_gpa, 0x20000);
    ck_assert_uint_eq(lay.used_gpa, 0x21000);
}
END_TEST

START_TEST(legacy_registers)
{
    ck_assert_uint_eq(rd(VIRTIO_MMIO_VERSION_REG), 1);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_ID), 2);
    /* word 0 as in version 2 (0x30000244: SEG_MAX, BLK_SIZE, FLUSH, INDIRECT, EVENT_IDX);
     * word 1 would hold VERSION_1 (bit 32): a legacy device does not offer it */
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0x30000244);
    wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_PFN), 0);
    legacy_bring_up(1u << 9); /* FLUSH */
    ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_PFN), PFN);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_READY), 0);    /* absent in version 1 */
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 1 | 2 | 4); /* DRIVER_OK without FEATURES_OK */
    struct virtio_mmio_info info;
    virtio_mmio_get_info(tr, &info);
    ck_assert_uint_eq(info.version, 1);
    ck_assert_uint_eq(info.driver_features, 1u << 9);
    ck_assert_uint_eq(info.guest_page_size, 4096);
    ck_assert(info.queue_ready[0]);
    ck_assert_uint_eq(info.queue_num[0], QSIZE);
    ck_assert_uint_eq(virtio_mmio_stats(tr)->errors, 0);
}
END_TEST

START_TEST(legacy_request)
{
    legacy_bring_up(0);
    ck_assert_uint_eq(read_sector(3), VIRTIO_BLK_S_OK);
    /* sector 3: byte i is 3 * 3 + 5 i: 09 0e 13 18 */
    ck_assert_uint_eq(get_le(DATA, 4), 0x18130e09);
    /* the used ring where the layout puts it: idx 1, {id 0, len 512 + 1} */
    ck_assert_uint_eq(get_le(USED + 2, 2), 1);
    ck_assert_uint_eq(get_le(USED + 4, 4), 0);
    ck_assert_uint_eq(get_le(USED + 8, 4), 513);
    ck_assert_uint_eq(virtio_blk_stats(vb)->requests, 1);
}
END_TEST

/* GuestPageSize survives the driver's reset (drivers write it once, at probe). */
START_TEST(legacy_page_size_kept)
{
    wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 4096);
    wr(VIRTIO_MMIO_STATUS, 0);
    wr(VIRTIO_MMIO_STATUS, 1 | 2);
    wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
    wr(VIRTIO_MMIO_QUEUE_ALIGN, 4096);
    wr(VIRTIO_MMIO_QUEUE_PFN, PFN);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS), 1 | 2);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_PFN), PFN);
}
END_TEST

START_TEST(empty_legacy_slot)
{
    uint64_t v = 0;
    ck_assert_int_eq(virtio_mmio_empty_legacy_ops.read(NULL, VIRTIO_MMIO_VERSION_REG, 4, &v), 0);
    ck_assert_uint_eq(v, 1);
    ck_assert_int_eq(virtio_mmio_empty_ops.read(NULL, VIRTIO_MMIO_VERSION_REG, 4, &v), 0);
    ck_assert_uint_eq(v, 2);
    ck_assert_int_eq(virtio_mmio_empty_legacy_ops.read(NULL, VIRTIO_MMIO_DEVICE_ID, 4, &v), 0);
    ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(register_names)
{
    char buf[32];
    ck_assert_str_eq(virtio_mmio_reg_name(0x050, false, buf, sizeof(buf)), "QueueNotify");
    ck_assert_str_eq(virtio_mmio_reg_name(0x044, false, buf, sizeof(buf)), "QueueReady");
    ck_assert_str_eq(virtio_mmio_reg_name(0x044, true, buf, sizeof(buf)), "reserved");
    ck_assert_str_eq(virtio_mmio_reg_name(0x040, true, buf, sizeof(buf)), "QueuePFN");
    ck_assert_str_eq(virtio_mmio_reg_name(0x040, false, buf, sizeof(buf)), "reserved");
    ck_assert_str_eq(virtio_mmio_reg_name(0x028, true, buf, sizeof(buf)), "GuestPageSize");
    ck_assert_str_eq(virtio_mmio_reg_name(0x108, false, buf, sizeof(buf)), "Config+0x8");
    ck_assert_str_eq(virtio_mmio_reg_name(0x051, false, buf, sizeof(buf)), "reserved");
}
END_TEST

/* --trace io: one line per access, then the request's line after its kick's. */
START_TEST(trace_lines)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    legacy_bring_up(0);
    virtio_blk_set_trace(vb, out, "vda");
    ck_assert_uint_eq(rd(VIRTIO_MMIO_VERSION_REG), 1);
    ck_assert_uint_eq(read_sector(5), VIRTIO_BLK_S_OK);
    uint64_t v = 0;
    ck_assert_int_eq(virtio_mmio_ops.read(tr, 0x002, 2, &v), -1); /* refused: not 4 bytes */
    virtio_blk_set_trace(vb, NULL, NULL);
    rd(VIRTIO_MMIO_STATUS); /* off: no line */
    fclose(out);
    ck_assert_str_eq(text, "io vda R Version            +0x004 4 0x1\n"
                           "io vda W QueueNotify        +0x050 4 0x0\n"
                           "io vda req IN type 0 sector 5 bytes 512 status OK\n"
                           "io vda R reserved           +0x002 2 0x0 refused\n");
    free(text);
}
END_TEST

/* ------------------------------------------------------------- bad_input */

START_TEST(legacy_bad_layouts)
{
    struct virtio_legacy_layout lay;
    ck_assert_int_eq(virtio_legacy_layout(1, 0, 4096, 8, &lay), -1);    /* no page size */
    ck_assert_int_eq(virtio_legacy_layout(1, 3000, 4096, 8, &lay), -1); /* not a power of 2 */
    ck_assert_int_eq(virtio_legacy_layout(1, 4096, 0, 8, &lay), -1);
    ck_assert_int_eq(virtio_legacy_layout(1, 4096, 6, 8, &lay), -1);
    ck_assert_int_eq(virtio_legacy_layout(1, 4096, 4096, 0, &lay), -1);
    /* the largest PFN and page size: 0xffff_ffff x 2^31 still fits 64 bits */
    ck_assert_int_eq(virtio_legacy_layout(0xffffffffu, 1u << 31, 4096, 8, &lay), 0);
    ck_assert_uint_eq(lay.desc_gpa, 0x7fffffff80000000ull);
}
END_TEST

/* QueuePFN before GuestPageSize was ever written: the queue cannot be placed. */
START_TEST(legacy_pfn_without_page_size)
{
    wr(VIRTIO_MMIO_STATUS, 1 | 2);
    wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
    wr(VIRTIO_MMIO_QUEUE_ALIGN, 4096);
    wr(VIRTIO_MMIO_QUEUE_PFN, PFN);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0x40);
    ck_assert_uint_eq(virtio_mmio_stats(tr)->errors, 1);
}
END_TEST

/* QueuePFN 0 stops the queue: a kick then is a driver error, nothing served. */
START_TEST(legacy_pfn_zero_stops)
{
    legacy_bring_up(0);
    wr(VIRTIO_MMIO_QUEUE_PFN, 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_QUEUE_PFN), 0);
    read_sector(1);
    ck_assert_uint_eq(virtio_blk_stats(vb)->requests, 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0x40);
}
END_TEST

/* Features not offered (bit 0, BARRIER) are dropped, not agreed. */
START_TEST(legacy_features_masked)
{
    legacy_bring_up(1u | 1u << 9);
    struct virtio_mmio_info info;
    virtio_mmio_get_info(tr, &info);
    ck_assert_uint_eq(info.driver_features, 1u << 9);
    /* the high word cannot be written in version 1 */
    wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(VIRTIO_MMIO_DRIVER_FEATURES, 1);
    virtio_mmio_get_info(tr, &info);
    ck_assert_uint_eq(info.driver_features, 1u << 9);
}
END_TEST

/* A queue placed at the top of the address space (PFN 0xffff_ffff x 2^31): not RAM. */
START_TEST(legacy_queue_outside_ram)
{
    wr(VIRTIO_MMIO_GUEST_PAGE_SIZE, 1u << 31);
    wr(VIRTIO_MMIO_STATUS, 1 | 2);
    wr(VIRTIO_MMIO_QUEUE_NUM, QSIZE);
    wr(VIRTIO_MMIO_QUEUE_ALIGN, 1u << 31);
    wr(VIRTIO_MMIO_QUEUE_PFN, 0xffffffffu);
    /* desc 0x7fff_ffff_8000_0000, used rounded up to 0x8000_0000_0000_0000: in range, but
     * not RAM: placing works, the first kick finds nothing it can read */
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0);
    wr(VIRTIO_MMIO_STATUS, 1 | 2 | 4);
    wr(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    ck_assert_uint_eq(rd(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, 0x40);
    ck_assert_uint_eq(virtio_blk_stats(vb)->requests, 0);
}
END_TEST

static Suite *virtio_mmio_suite(void)
{
    Suite *s = suite_create("virtio_mmio");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, legacy_layout);
    tcase_add_test(core, legacy_registers);
    tcase_add_test(core, legacy_request);
    tcase_add_test(core, legacy_page_size_kept);
    tcase_add_test(core, empty_legacy_slot);
    tcase_add_test(core, register_names);
    tcase_add_test(core, trace_lines);
    suite_add_tcase(s, core);
    TCase *bad = tcase_create("bad_input");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, legacy_bad_layouts);
    tcase_add_test(bad, legacy_pfn_without_page_size);
    tcase_add_test(bad, legacy_pfn_zero_stops);
    tcase_add_test(bad, legacy_features_masked);
    tcase_add_test(bad, legacy_queue_outside_ram);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtio_mmio_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
