/*
 * tests/unit/check_ioview.c - unit tests of io/ioview.c: virtio status and
 * feature bits by name, and `vq dump` on queues built by hand in a test
 * guest memory (expected lines written by hand from the layout below).
 * Course: I/O虚拟化 / 半虚拟化 (virtio): 描述符表, 可用环, 已用环 as the
 *         monitor shows them.
 * Spec: virtio 1.2 §2.1 "Device Status Field", §6 "Reserved Feature Bits",
 *       §5.2.3 "Feature bits", §2.7 "Split Virtqueues".
 *
 * Guest memory (1 MiB RAM at 0x8000_0000); a queue of 4 entries:
 *   0x8000_1000 descriptor table: [0] {0x8000_4000, 16, NEXT, 1}
 *                                 [1] {0x8000_5000, 512, NEXT|WRITE, 2}
 *                                 [2] {0x8000_6000, 1, WRITE, 0}   [3] all zero
 *   0x8000_2000 available ring: flags 0, idx 2, ring {0, 0, 0, 0}, used_event (+12) 1
 *   0x8000_3000 used ring: flags 0, idx 1, ring[0] {0, 513}, avail_event (+36) 2
 * The device has consumed one chain (last_avail_idx 1, used_idx 1); the
 * second is pending.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/ioview.h"
#include "mmu/mmu.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (1ull << 20)
#define DESC     0x80001000ull
#define AVAIL    0x80002000ull
#define USED     0x80003000ull

static struct hostmem *hm;
static struct gmem *gm;

static void setup(void)
{
    hm = hostmem_create(4 * RAM_SIZE);
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
}

static void teardown(void)
{
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

static void put_le(gpa_t gpa, uint64_t v, unsigned n)
{
    uint8_t b[8];
    for (unsigned i = 0; i < n; i++) {
        b[i] = (uint8_t)(v >> (8 * i));
    }
    ck_assert_int_eq(gmem_write(gm, gpa, b, n), 0);
}

static void desc(unsigned i, gpa_t gpa, uint32_t len, uint16_t flags, uint16_t next)
{
    put_le(DESC + 16 * i, gpa, 8);
    put_le(DESC + 16 * i + 8, len, 4);
    put_le(DESC + 16 * i + 12, flags, 2);
    put_le(DESC + 16 * i + 14, next, 2);
}

/* The queue of the header comment. */
static struct virtq_info build_queue(void)
{
    desc(0, 0x80004000, 16, 1, 1);
    desc(1, 0x80005000, 512, 1 | 2, 2);
    desc(2, 0x80006000, 1, 2, 0);
    put_le(AVAIL, 0, 2);
    put_le(AVAIL + 2, 2, 2);
    put_le(AVAIL + 12, 1, 2); /* used_event: 4 + 2 * 4 */
    put_le(USED, 0, 2);
    put_le(USED + 2, 1, 2);
    put_le(USED + 4, 0, 4);
    put_le(USED + 8, 513, 4);
    put_le(USED + 36, 2, 2); /* avail_event: 4 + 8 * 4 */
    return (struct virtq_info){
        .is_ready = true,
        .size = 4,
        .desc_gpa = DESC,
        .avail_gpa = AVAIL,
        .used_gpa = USED,
        .has_event_idx = true,
        .last_avail_idx = 1,
        .used_idx = 1,
        .kicks_enabled = true,
    };
}

static int peek(void *ctx, gpa_t gpa, void *buf, size_t len)
{
    return gmem_read(ctx, gpa, buf, len);
}

/* Run vq_dump into a string (freed by the caller); *rc its result. */
static char *dump(const struct virtq_info *info, int *rc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    *rc = vq_dump(out, info, peek, gm);
    fclose(out);
    return text;
}

/* ------------------------------------------------------------------ core */

START_TEST(status_names)
{
    char buf[128];
    virtio_status_text(0x0f, buf, sizeof(buf)); /* 1 | 2 | 4 | 8, in bit order */
    ck_assert_str_eq(buf, "ACKNOWLEDGE DRIVER DRIVER_OK FEATURES_OK");
    virtio_status_text(0x4b, buf, sizeof(buf)); /* 1 | 2 | 8 | 0x40 */
    ck_assert_str_eq(buf, "ACKNOWLEDGE DRIVER FEATURES_OK NEEDS_RESET");
    virtio_status_text(0x80, buf, sizeof(buf));
    ck_assert_str_eq(buf, "FAILED");
    virtio_status_text(0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "none");
}
END_TEST

START_TEST(feature_names)
{
    char buf[256];
    /* what vmlab's virtio-blk offers: bits 2, 6, 9, 28, 29, 32 */
    virtio_features_text(0x130000244ull, 2, buf, sizeof(buf));
    ck_assert_str_eq(buf, "SEG_MAX BLK_SIZE FLUSH INDIRECT_DESC EVENT_IDX VERSION_1");
    virtio_features_text(1ull << 5, 2, buf, sizeof(buf)); /* RO */
    ck_assert_str_eq(buf, "RO");
    virtio_features_text(0, 2, buf, sizeof(buf));
    ck_assert_str_eq(buf, "none");
}
END_TEST

START_TEST(dump_queue)
{
    struct virtq_info info = build_queue();
    int rc = -2;
    char *text = dump(&info, &rc);
    const char *want = "queue size 4: desc 0x80001000 avail 0x80002000 used 0x80003000 EVENT_IDX\n"
                       "device: last_avail_idx 1 used_idx 1 kicks enabled\n"
                       "descriptor table (non-zero entries):\n"
                       "  [  0] addr 0x0000000080004000 len     16 flags NEXT           next 1\n"
                       "  [  1] addr 0x0000000080005000 len    512 flags NEXT|WRITE     next 2\n"
                       "  [  2] addr 0x0000000080006000 len      1 flags WRITE          next 0\n"
                       "available ring: flags 0x0 idx 2 (1 pending)\n"
                       "  [    0] ring[  0] =   0  consumed\n"
                       "  [    1] ring[  1] =   0  pending\n"
                       "  used_event 1\n"
                       "used ring: flags 0x0 idx 1\n"
                       "  [    0] ring[  0] = {id 0, len 513}\n"
                       "  avail_event 2\n";
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(text, want);
    free(text);
}
END_TEST

/* Flags the driver set: NO_INTERRUPT in avail, NO_NOTIFY in used; no EVENT_IDX: no event lines. */
START_TEST(dump_ring_flags)
{
    struct virtq_info info = build_queue();
    info.has_event_idx = false;
    info.kicks_enabled = false;
    put_le(AVAIL, 1, 2);
    put_le(USED, 1, 2);
    int rc = -2;
    char *text = dump(&info, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(text, "device: last_avail_idx 1 used_idx 1 kicks disabled\n"));
    ck_assert_ptr_nonnull(
        strstr(text, "available ring: flags 0x1 NO_INTERRUPT idx 2 (1 pending)\n"));
    ck_assert_ptr_nonnull(strstr(text, "used ring: flags 0x1 NO_NOTIFY idx 1\n"));
    ck_assert_ptr_null(strstr(text, "used_event"));
    ck_assert_ptr_null(strstr(text, "avail_event"));
    free(text);
}
END_TEST

/*
 * A queue of 16 after 20 requests: only the last VQ_DUMP_HISTORY (8) entries of each ring,
 * indices 12..19 at positions 12..15 then 0..3 (the ring wraps); avail ring[p] = p,
 * used ring[p] = {p, 100 + p}; no descriptors (all zero).
 */
START_TEST(dump_history_window)
{
    struct virtq_info info = {
        .is_ready = true,
        .size = 16,
        .desc_gpa = DESC,
        .avail_gpa = AVAIL,
        .used_gpa = USED,
        .last_avail_idx = 20,
        .used_idx = 20,
        .kicks_enabled = true,
    };
    put_le(AVAIL + 2, 20, 2);
    put_le(USED + 2, 20, 2);
    for (unsigned p = 0; p < 16; p++) {
        put_le(AVAIL + 4 + 2 * p, p, 2);
        put_le(USED + 4 + 8 * p, p, 4);
        put_le(USED + 8 + 8 * p, 100 + p, 4);
    }
    int rc = -2;
    char *text = dump(&info, &rc);
    const char *want = "queue size 16: desc 0x80001000 avail 0x80002000 used 0x80003000\n"
                       "device: last_avail_idx 20 used_idx 20 kicks enabled\n"
                       "descriptor table (non-zero entries):\n"
                       "available ring: flags 0x0 idx 20 (0 pending)\n"
                       "  [   12] ring[ 12] =  12  consumed\n"
                       "  [   13] ring[ 13] =  13  consumed\n"
                       "  [   14] ring[ 14] =  14  consumed\n"
                       "  [   15] ring[ 15] =  15  consumed\n"
                       "  [   16] ring[  0] =   0  consumed\n"
                       "  [   17] ring[  1] =   1  consumed\n"
                       "  [   18] ring[  2] =   2  consumed\n"
                       "  [   19] ring[  3] =   3  consumed\n"
                       "used ring: flags 0x0 idx 20\n"
                       "  [   12] ring[ 12] = {id 12, len 112}\n"
                       "  [   13] ring[ 13] = {id 13, len 113}\n"
                       "  [   14] ring[ 14] = {id 14, len 114}\n"
                       "  [   15] ring[ 15] = {id 15, len 115}\n"
                       "  [   16] ring[  0] = {id 0, len 100}\n"
                       "  [   17] ring[  1] = {id 1, len 101}\n"
                       "  [   18] ring[  2] = {id 2, len 102}\n"
                       "  [   19] ring[  3] = {id 3, len 103}\n";
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(text, want);
    free(text);
}
END_TEST

/* ------------------------------------------------------------- bad_input */

START_TEST(not_ready)
{
    struct virtq_info info = {.is_ready = false};
    int rc = -2;
    char *text = dump(&info, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(text, "queue not ready: the driver has not set it up (or reset it)\n");
    free(text);
}
END_TEST

/* A descriptor table outside RAM: the header lines, then where it stopped. */
START_TEST(table_outside_ram)
{
    struct virtq_info info = build_queue();
    info.desc_gpa = 0x40000000;
    int rc = 0;
    char *text = dump(&info, &rc);
    const char *want = "queue size 4: desc 0x40000000 avail 0x80002000 used 0x80003000 EVENT_IDX\n"
                       "device: last_avail_idx 1 used_idx 1 kicks enabled\n"
                       "descriptor table (non-zero entries):\n"
                       "cannot read GPA 0x40000000 (16 bytes): stopped\n";
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(text, want);
    free(text);
}
END_TEST

/* The used ring runs off the end of RAM: 0x800f_fff8 + 4 + 8 = past 0x8010_0000. */
START_TEST(used_ring_off_the_end)
{
    struct virtq_info info = build_queue();
    info.used_gpa = RAM_BASE + RAM_SIZE - 8;
    put_le(info.used_gpa, 0, 2);
    put_le(info.used_gpa + 2, 1, 2);
    int rc = 0;
    char *text = dump(&info, &rc);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(text, "used ring: flags 0x0 idx 1\n"
                                       "cannot read GPA 0x800ffffc (8 bytes): stopped\n"));
    free(text);
}
END_TEST

/* A ring that wraps 2^64: refused by the peek, never read. */
START_TEST(wrapping_avail)
{
    struct virtq_info info = build_queue();
    info.avail_gpa = 0xfffffffffffffffeull;
    int rc = 0;
    char *text = dump(&info, &rc);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_nonnull(strstr(text, "cannot read GPA 0xfffffffffffffffe (4 bytes): stopped\n"));
    free(text);
}
END_TEST

/* avail idx 100 ahead of the device in a queue of 4: said, and only 4 entries shown. */
START_TEST(avail_idx_lie)
{
    struct virtq_info info = build_queue();
    info.last_avail_idx = 0;
    put_le(AVAIL + 2, 100, 2);
    int rc = -2;
    char *text = dump(&info, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(
        strstr(text, "available ring: flags 0x0 idx 100 (100 pending)\n"
                     "  idx is 100 ahead of the device: more than the queue size (a lie)\n"
                     "  [    0] ring[  0] =   0  pending\n"
                     "  [    1] ring[  1] =   0  pending\n"
                     "  [    2] ring[  2] =   0  pending\n"
                     "  [    3] ring[  3] =   0  pending\n"
                     "  used_event 1\n"));
    free(text);
}
END_TEST

/* A buffer too small for the names: cut short, never overrun. */
START_TEST(small_buffers)
{
    char buf[8 + 4];
    memset(buf, 'x', sizeof(buf));
    virtio_status_text(0x0f, buf, 8);
    ck_assert_str_eq(buf, "ACKNOWL");
    ck_assert_int_eq(buf[8], 'x');
    virtio_features_text(0x130000244ull, 2, buf, 8);
    ck_assert_str_eq(buf, "SEG_MAX");
    ck_assert_int_eq(buf[8], 'x');
}
END_TEST

static Suite *ioview_suite(void)
{
    Suite *s = suite_create("ioview");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, status_names);
    tcase_add_test(core, feature_names);
    tcase_add_test(core, dump_queue);
    tcase_add_test(core, dump_ring_flags);
    tcase_add_test(core, dump_history_window);
    suite_add_tcase(s, core);
    TCase *bad = tcase_create("bad_input");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, not_ready);
    tcase_add_test(bad, table_outside_ram);
    tcase_add_test(bad, used_ring_off_the_end);
    tcase_add_test(bad, wrapping_avail);
    tcase_add_test(bad, avail_idx_lie);
    tcase_add_test(bad, small_buffers);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ioview_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
