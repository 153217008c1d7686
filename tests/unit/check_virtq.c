/*
 * tests/unit/check_virtq.c - unit tests of the device side of a split
 * virtqueue (io/virtq.c): pop, copy, push, notification decisions, kick
 * suppression, and every lie a driver can tell.
 * Course: I/O虚拟化 / 半虚拟化 (virtio: 描述符表, 可用环, 已用环).
 * Spec: virtio 1.2, §2.7 "Split Virtqueues" (§2.7.5 descriptor table,
 *       §2.7.5.3 indirect descriptors, §2.7.6 available ring, §2.7.7 used
 *       buffer notification suppression, §2.7.8 used ring, §2.7.10 available
 *       buffer notification suppression).
 *
 * The queues are built by hand in guest RAM with gmem_write, as a driver
 * would build them; every expected value is worked from the spec's layout
 * in a comment. Guest memory:
 *
 *   ROM   4 KiB at 0x1000 (a device must not write it)
 *   RAM   8 MiB at 0x8000_0000
 *     0x8000_1000 descriptor table   (16 bytes per entry)
 *     0x8000_2000 available ring     flags +0, idx +2, ring[i] +4+2i, used_event +4+2*size
 *     0x8000_3000 used ring          flags +0, idx +2, ring[i] +4+8i, avail_event +4+8*size
 *     0x8000_4000 an indirect table, 0x8000_5000 another
 *     0x8001_0000.. data buffers
 *     0x8020_0000 a big descriptor table (32 KiB)
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io/virtq.h"
#include "mmu/mmu.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (8ull << 20)
#define RAM_END  (RAM_BASE + RAM_SIZE)
#define ROM_GPA  0x1000ull
#define DESC     0x80001000ull
#define AVAIL    0x80002000ull
#define USED     0x80003000ull
#define IND      0x80004000ull
#define IND2     0x80005000ull
#define BUF_A    0x80010000ull
#define BUF_B    0x80011000ull
#define BUF_C    0x80012000ull
#define BIG_DESC 0x80200000ull /* a 2048-entry table: 32 KiB */
#define WILD_GPA 0x90000000ull /* past the end of RAM: no memory */
#define F_IND    (1ull << VIRTIO_F_INDIRECT_DESC)
#define F_EVT    (1ull << VIRTIO_F_EVENT_IDX)
#define ERRS(e)  (virtq_stats(q)->errors[(e)-VIRTQ_E_FIRST])
#define D_NEXT   VIRTQ_DESC_F_NEXT
#define D_WRITE  VIRTQ_DESC_F_WRITE
#define D_INDIR  VIRTQ_DESC_F_INDIRECT

static struct hostmem *hm;
static struct gmem *gm;
static struct virtq *q;
static uint16_t drv_avail_idx; /* the driver's avail idx, as a driver keeps it */
static unsigned qsize;

/* ---------------------------------------------------------------- helpers */

/* Plain tests, then ck_abort: a passing ck_assert costs a pipe write (the fuzz makes millions). */
static void put(gpa_t gpa, const void *buf, size_t len)
{
    if (gmem_write(gm, gpa, buf, len) != 0) {
        ck_abort_msg("gmem_write 0x%llx failed", (unsigned long long)gpa);
    }
}

static void put16(gpa_t gpa, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)}; /* little-endian, §2.7 */
    put(gpa, b, 2);
}

static uint16_t get16(gpa_t gpa)
{
    uint8_t b[2];
    if (gmem_read(gm, gpa, b, 2) != 0) {
        ck_abort_msg("gmem_read 0x%llx failed", (unsigned long long)gpa);
    }
    return (uint16_t)(b[0] | (b[1] << 8));
}

static uint32_t get32(gpa_t gpa)
{
    return get16(gpa) | ((uint32_t)get16(gpa + 2) << 16);
}

/* §2.7.5: le64 addr, le32 len, le16 flags, le16 next */
static void put_desc(gpa_t table, unsigned i, uint64_t gpa, uint32_t len, uint16_t flags,
                     uint16_t next)
{
    uint8_t b[16];
    for (int k = 0; k < 8; k++) {
        b[k] = (uint8_t)(gpa >> (8 * k));
    }
    for (int k = 0; k < 4; k++) {
        b[8 + k] = (uint8_t)(len >> (8 * k));
    }
    b[12] = (uint8_t)flags;
    b[13] = (uint8_t)(flags >> 8);
    b[14] = (uint8_t)next;
    b[15] = (uint8_t)(next >> 8);
    put(table + 16ull * i, b, sizeof(b));
}

/* The driver makes chain `head` available: ring[idx % size] = head, then idx + 1. */
static void offer(uint16_t head)
{
    put16(AVAIL + 4 + 2ull * (drv_avail_idx & (qsize - 1)), head);
    drv_avail_idx++;
    put16(AVAIL + 2, drv_avail_idx);
}

static void ready(unsigned size, uint64_t features)
{
    qsize = size;
    drv_avail_idx = 0;
    ck_assert_int_eq(virtq_init(q, size, DESC, AVAIL, USED, features), 0);
}

static void setup(void)
{
    hm = hostmem_create(RAM_SIZE + (4ull << 20));
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
    ck_assert_int_eq(gmem_add_rom(gm, ROM_GPA, PAGE_SIZE), 0);
    q = virtq_create(virtq_dma_gmem(gm));
    ck_assert_ptr_nonnull(q);
}

static void teardown(void)
{
    virtq_destroy(q);
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

/* ------------------------------------------------------------------ core */

START_TEST(test_simple_chain)
{
    struct virtq_chain c;
    uint8_t msg[16] = "hello, device!!", got[16];

    ready(8, 0);
    put(BUF_A, msg, sizeof(msg));
    put_desc(DESC, 0, BUF_A, 16, 0, 0);
    ck_assert_int_eq(virtq_pop(q, &c), -EAGAIN); /* avail idx 0 = last_avail 0 */
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_uint_eq(c.head, 0);
    ck_assert_uint_eq(c.nsegs, 1);
    ck_assert_uint_eq(c.nreadable, 1);
    ck_assert_uint_eq(c.readable_len, 16);
    ck_assert_uint_eq(c.writable_len, 0);
    ck_assert_uint_eq(c.seg[0].gpa, BUF_A);
    ck_assert(!c.seg[0].is_write);
    ck_assert_int_eq(virtq_read_chain(q, &c, 0, got, sizeof(got)), 0);
    ck_assert_mem_eq(got, msg, 16);
    ck_assert_int_eq(virtq_pop(q, &c), -EAGAIN);
    ck_assert_int_eq(virtq_push(q, 0, 0), 0);
    ck_assert_uint_eq(get16(USED + 2), 1); /* used idx */
    ck_assert_uint_eq(get32(USED + 4), 0); /* ring[0].id */
    ck_assert_uint_eq(get32(USED + 8), 0); /* ring[0].len */
    ck_assert_uint_eq(virtq_stats(q)->pops, 1);
    ck_assert_uint_eq(virtq_stats(q)->pushes, 1);
    ck_assert_uint_eq(virtq_stats(q)->descs, 1);
    /* reads: avail idx (2) x3 pops, ring[0] (2), desc (16), buffer (16) = 6 accesses, 40 bytes */
    ck_assert_uint_eq(virtq_stats(q)->mem_reads, 6);
    ck_assert_uint_eq(virtq_stats(q)->mem_read_bytes, 40);
    /* writes: used elem (8) + used idx (2) */
    ck_assert_uint_eq(virtq_stats(q)->mem_writes, 2);
    ck_assert_uint_eq(virtq_stats(q)->mem_write_bytes, 10);
}
END_TEST

/* A virtio-blk-shaped chain: header (readable), data and status (writable), scattered. */
START_TEST(test_three_segments)
{
    struct virtq_chain c;
    uint8_t hdr[16], got[16], data[512], status = 0, byte = 0x5a;

    for (int i = 0; i < 16; i++) {
        hdr[i] = (uint8_t)(0x10 + i);
    }
    for (int i = 0; i < 512; i++) {
        data[i] = (uint8_t)i;
    }
    ready(8, 0);
    put(BUF_A, hdr, sizeof(hdr));
    put_desc(DESC, 2, BUF_A, 16, D_NEXT, 5);
    put_desc(DESC, 5, BUF_B, 512, D_NEXT | D_WRITE, 7);
    put_desc(DESC, 7, BUF_C, 1, D_WRITE, 0);
    offer(2);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_uint_eq(c.head, 2);
    ck_assert_uint_eq(c.nsegs, 3);
    ck_assert_uint_eq(c.nreadable, 1);
    ck_assert_uint_eq(c.readable_len, 16);
    ck_assert_uint_eq(c.writable_len, 513); /* 512 + 1 */
    ck_assert_uint_eq(c.seg[1].gpa, BUF_B);
    ck_assert(c.seg[1].is_write && c.seg[2].is_write);
    ck_assert_uint_eq(virtq_stats(q)->descs, 3);
    /* the header, from offset 4: bytes 0x14.. */
    ck_assert_int_eq(virtq_read_chain(q, &c, 4, got, 12), 0);
    ck_assert_uint_eq(got[0], 0x14);
    ck_assert_uint_eq(got[11], 0x1f);
    /* data then status: the writable stream is BUF_B[0..512) then BUF_C[0] */
    ck_assert_int_eq(virtq_write_chain(q, &c, 0, data, 512), 0);
    ck_assert_int_eq(virtq_write_chain(q, &c, 512, &byte, 1), 0);
    ck_assert_int_eq(gmem_read(gm, BUF_C, &status, 1), 0);
    ck_assert_uint_eq(status, 0x5a);
    ck_assert_int_eq(gmem_read(gm, BUF_B + 511, &status, 1), 0);
    ck_assert_uint_eq(status, 0xff); /* data[511] = 511 & 0xff */
    /* a write spanning the two buffers: offset 510, 3 bytes = B[510], B[511], C[0] */
    uint8_t three[3] = {1, 2, 3};
    ck_assert_int_eq(virtq_write_chain(q, &c, 510, three, 3), 0);
    ck_assert_int_eq(gmem_read(gm, BUF_C, &status, 1), 0);
    ck_assert_uint_eq(status, 3);
    ck_assert_int_eq(virtq_push(q, 2, 513), 0);
    ck_assert_uint_eq(get32(USED + 4), 2);   /* ring[0].id = head 2 */
    ck_assert_uint_eq(get32(USED + 8), 513); /* ring[0].len */
}
END_TEST

START_TEST(test_indirect_chain)
{
    struct virtq_chain c;

    ready(8, F_IND);
    /* §2.7.5.3: desc[3] points at a table of 48 / 16 = 3 descriptors */
    put_desc(DESC, 3, IND, 48, D_INDIR, 0);
    put_desc(IND, 0, BUF_A, 16, D_NEXT, 1);
    put_desc(IND, 1, BUF_B, 512, D_NEXT | D_WRITE, 2);
    put_desc(IND, 2, BUF_C, 1, D_WRITE, 0);
    offer(3);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_uint_eq(c.head, 3);
    ck_assert_uint_eq(c.nsegs, 3);
    ck_assert_uint_eq(c.nreadable, 1);
    ck_assert_uint_eq(c.seg[0].gpa, BUF_A);
    ck_assert_uint_eq(c.seg[2].gpa, BUF_C);
    ck_assert_uint_eq(c.writable_len, 513);
    ck_assert_uint_eq(virtq_stats(q)->descs, 4); /* the indirect descriptor + 3 in its table */
    ck_assert_int_eq(virtq_push(q, 3, 1), 0);

    /* device requirements: plain descriptors, then one indirect one, are valid; the
     * indirect descriptor's own WRITE flag is ignored */
    put_desc(DESC, 0, BUF_A, 16, D_NEXT, 1);
    put_desc(DESC, 1, IND2, 32, D_INDIR | D_WRITE, 0);
    put_desc(IND2, 0, BUF_B, 512, D_NEXT | D_WRITE, 1);
    put_desc(IND2, 1, BUF_C, 1, D_WRITE, 0);
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_uint_eq(c.nsegs, 3);
    ck_assert_uint_eq(c.nreadable, 1);
    ck_assert_uint_eq(c.readable_len, 16);
    ck_assert_uint_eq(c.writable_len, 513);
}
END_TEST

START_TEST(test_need_event_arithmetic)
{
    /* (u16)(new - event - 1) < (u16)(new - old), §2.7.7 */
    ck_assert(virtq_need_event(0, 1, 0));  /* 0 < 1 */
    ck_assert(!virtq_need_event(1, 1, 0)); /* 0xffff < 1 is false */
    ck_assert(virtq_need_event(5, 8, 4));  /* 2 < 4 */
    ck_assert(virtq_need_event(4, 8, 4));  /* 3 < 4: event == old is still in [old, new) */
    ck_assert(!virtq_need_event(8, 8, 4)); /* 0xffff < 4 is false: not reached yet */
    ck_assert(!virtq_need_event(3, 8, 4)); /* 4 < 4 is false: passed before old */
    /* wrap-around of the 16-bit indices */
    ck_assert(virtq_need_event(65535, 1, 65534));  /* (1 - 65535 - 1) mod 2^16 = 1 < 3 */
    ck_assert(virtq_need_event(0, 2, 65535));      /* 1 < (2 - 65535) mod 2^16 = 3 */
    ck_assert(!virtq_need_event(2, 2, 65535));     /* 0xffff < 3 is false */
    ck_assert(!virtq_need_event(65533, 1, 65534)); /* (1 - 65533 - 1) = 3 < 3 is false */
}
END_TEST

/* Pop the chain of single-buffer head 0 and push it, n times. */
static void pop_push(unsigned n)
{
    struct virtq_chain c;
    for (unsigned i = 0; i < n; i++) {
        offer(0);
        ck_assert_int_eq(virtq_pop(q, &c), 0);
        ck_assert_int_eq(virtq_push(q, 0, 0), 0);
    }
}

START_TEST(test_event_idx_notify)
{
    ready(8, F_EVT);
    put_desc(DESC, 0, BUF_A, 16, 0, 0);
    ck_assert(!virtq_should_notify(q)); /* nothing pushed */
    put16(AVAIL + 4 + 2 * 8, 0);        /* used_event = 0, at avail + 4 + 2 * size */
    pop_push(1);
    ck_assert(virtq_should_notify(q));  /* old 0, new 1, event 0: (1-0-1)=0 < 1 */
    ck_assert(!virtq_should_notify(q)); /* nothing new */
    put16(AVAIL + 4 + 2 * 8, 5);
    pop_push(2);
    ck_assert(!virtq_should_notify(q)); /* old 1, new 3, event 5: 65533 < 2 false */
    pop_push(3);
    ck_assert(virtq_should_notify(q)); /* old 3, new 6, event 5: 0 < 3 */
    /* with EVENT_IDX the avail flags are ignored */
    put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
    put16(AVAIL + 4 + 2 * 8, 6);
    pop_push(1);
    ck_assert(virtq_should_notify(q)); /* old 6, new 7, event 6: 0 < 1 */
    ck_assert_uint_eq(virtq_stats(q)->notifies, 3);
    ck_assert_uint_eq(virtq_stats(q)->notifies_suppressed, 1);
}
END_TEST

START_TEST(test_flags_notify)
{
    ready(8, 0);
    put_desc(DESC, 0, BUF_A, 16, 0, 0);
    pop_push(1);
    ck_assert(virtq_should_notify(q)); /* avail flags 0 */
    put16(AVAIL, VIRTQ_AVAIL_F_NO_INTERRUPT);
    pop_push(1);
    ck_assert(!virtq_should_notify(q));
    put16(AVAIL + 4 + 2 * 8, 100); /* no EVENT_IDX: used_event means nothing */
    put16(AVAIL, 0);
    pop_push(1);
    ck_assert(virtq_should_notify(q));
}
END_TEST

START_TEST(test_used_ring_wraparound)
{
    ready(4, 0);
    put_desc(DESC, 0, BUF_A, 16, 0, 0);
    /* 5 round trips: the 5th used entry goes to ring[4 & 3] = ring[0], at used + 4 */
    struct virtq_chain c;
    for (unsigned i = 0; i < 5; i++) {
        offer(0);
        ck_assert_int_eq(virtq_pop(q, &c), 0);
        ck_assert_int_eq(virtq_push(q, 0, 100 + i), 0);
    }
    ck_assert_uint_eq(get16(USED + 2), 5);
    ck_assert_uint_eq(get32(USED + 4 + 4), 104);         /* ring[0].len: the 5th push */
    ck_assert_uint_eq(get32(USED + 4 + 8 * 1 + 4), 101); /* ring[1].len: the 2nd push */
    /* 65536 more: both 16-bit indices wrap; used idx (5 + 65536) mod 2^16 = 5 */
    for (unsigned i = 0; i < 65536; i++) {
        offer(0);
        ck_assert_int_eq(virtq_pop(q, &c), 0);
        ck_assert_int_eq(virtq_push(q, 0, i), 0);
    }
    ck_assert_uint_eq(get16(USED + 2), 5);
    /* the last push (i = 65535) was push number 65541, at position 65540 & 3 = 0 */
    ck_assert_uint_eq(get32(USED + 4 + 4), 65535);
    ck_assert_int_eq(virtq_pop(q, &c), -EAGAIN);
    ck_assert_uint_eq(virtq_stats(q)->pushes, 65541);
}
END_TEST

START_TEST(test_kick_suppression_flags)
{
    struct virtq_chain c;

    ready(8, 0);
    put_desc(DESC, 0, BUF_A, 16, 0, 0);
    ck_assert_int_eq(virtq_disable_kicks(q), 0);
    ck_assert_uint_eq(get16(USED), VIRTQ_USED_F_NO_NOTIFY); /* used flags = 1 */
    ck_assert_int_eq(virtq_enable_kicks(q), 0);             /* nothing pending */
    ck_assert_uint_eq(get16(USED), 0);
    ck_assert_int_eq(virtq_disable_kicks(q), 0);
    offer(0);                                   /* arrives while kicks are off */
    ck_assert_int_eq(virtq_enable_kicks(q), 1); /* the device must look again */
    ck_assert_int_eq(virtq_pop(q, &c), 0);
}
END_TEST

START_TEST(test_kick_suppression_event_idx)
{
    struct virtq_chain c;

    ready(8, F_EVT);
    put_desc(DESC, 0, BUF_A, 16, 0, 0);
    put16(USED + 4 + 8 * 8, 0xbeef); /* avail_event at used + 4 + 8 * size */
    offer(0);
    offer(0);
    ck_assert_int_eq(virtq_disable_kicks(q), 0);
    ck_assert_uint_eq(get16(USED), 0); /* used flags untouched under EVENT_IDX */
    ck_assert_uint_eq(get16(USED + 4 + 8 * 8), 0xbeef);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_int_eq(virtq_enable_kicks(q), 0);
    ck_assert_uint_eq(get16(USED + 4 + 8 * 8), 2); /* next position the device reads */
}
END_TEST

START_TEST(test_error_names)
{
    /* every error has a counter name */
    for (int e = VIRTQ_E_FIRST; e < VIRTQ_E_END; e++) {
        ck_assert_ptr_nonnull(virtq_error_name(e));
        ck_assert_ptr_nonnull(virtq_error_name(-e));
    }
    ck_assert_ptr_null(virtq_error_name(0));
    ck_assert_ptr_null(virtq_error_name(-EAGAIN));
    ck_assert_str_eq(virtq_error_name(-VIRTQ_E_LOOP), "loop");
}
END_TEST

/* ------------------------------------------------------------- bad input */

START_TEST(test_bad_init)
{
    ck_assert_int_eq(virtq_init(q, 6, DESC, AVAIL, USED, 0), -VIRTQ_E_SIZE); /* 6 = 0b110 */
    ck_assert_int_eq(virtq_init(q, 0, DESC, AVAIL, USED, 0), -VIRTQ_E_SIZE);
    ck_assert_int_eq(virtq_init(q, 65536, DESC, AVAIL, USED, 0), -VIRTQ_E_SIZE); /* > 32768 */
    ck_assert_uint_eq(ERRS(VIRTQ_E_SIZE), 3);
    ck_assert_int_eq(virtq_init(q, 8, DESC + 8, AVAIL, USED, 0), -VIRTQ_E_ALIGN);
    ck_assert_int_eq(virtq_init(q, 8, DESC, AVAIL + 1, USED, 0), -VIRTQ_E_ALIGN);
    ck_assert_int_eq(virtq_init(q, 8, DESC, AVAIL, USED + 2, 0), -VIRTQ_E_ALIGN);
    ck_assert_uint_eq(ERRS(VIRTQ_E_ALIGN), 3);
    /* used ring of 6 + 8 * 8 = 70 bytes from 2^64 - 16 wraps */
    ck_assert_int_eq(virtq_init(q, 8, DESC, AVAIL, 0xfffffffffffffff0ull, 0), -VIRTQ_E_GPA_WRAP);
    ck_assert_uint_eq(ERRS(VIRTQ_E_GPA_WRAP), 1);
    struct virtq_chain c;
    ck_assert_int_eq(virtq_pop(q, &c), -VIRTQ_E_NOT_READY);
    ck_assert_uint_eq(ERRS(VIRTQ_E_NOT_READY), 1);
}
END_TEST

/* Make chain `head` available, pop it, expect error e counted once and the queue broken. */
static void expect_lie(uint16_t head, enum virtq_error e)
{
    struct virtq_chain c;
    offer(head);
    ck_assert_int_eq(virtq_pop(q, &c), -(int)e);
    ck_assert_uint_eq(ERRS(e), 1);
    struct virtq_info info;
    virtq_get_info(q, &info);
    ck_assert(info.is_broken);
    ck_assert_uint_eq(info.last_avail_idx, 0); /* not consumed */
    ck_assert_int_eq(virtq_pop(q, &c), -VIRTQ_E_BROKEN);
}

START_TEST(test_loop)
{
    ready(8, 0);
    put_desc(DESC, 0, BUF_A, 16, D_NEXT, 1);
    put_desc(DESC, 1, BUF_A, 16, D_NEXT, 0); /* 0 -> 1 -> 0 */
    expect_lie(0, VIRTQ_E_LOOP);
}
END_TEST

START_TEST(test_self_loop_in_indirect)
{
    ready(8, F_IND);
    put_desc(DESC, 0, IND, 64, D_INDIR, 0);
    put_desc(IND, 0, BUF_A, 16, D_NEXT, 2);
    put_desc(IND, 2, BUF_A, 16, D_NEXT, 2); /* 0 -> 2 -> 2 */
    expect_lie(0, VIRTQ_E_LOOP);
}
END_TEST

START_TEST(test_head_out_of_range)
{
    ready(8, 0);
    expect_lie(8, VIRTQ_E_HEAD_RANGE); /* heads are 0..7 */
}
END_TEST

START_TEST(test_next_out_of_range)
{
    ready(8, F_IND);
    put_desc(DESC, 0, BUF_A, 16, D_NEXT, 9);
    expect_lie(0, VIRTQ_E_NEXT_RANGE);
    virtq_reset(q);
    ready(8, F_IND);
    /* inside an indirect table of 32 / 16 = 2 entries, next = 2 is out of range */
    put_desc(DESC, 0, IND, 32, D_INDIR, 0);
    put_desc(IND, 0, BUF_A, 16, D_NEXT, 2);
    struct virtq_chain c;
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), -VIRTQ_E_NEXT_RANGE);
    ck_assert_uint_eq(ERRS(VIRTQ_E_NEXT_RANGE), 2);
}
END_TEST

START_TEST(test_chain_longer_than_queue)
{
    ready(4, F_IND);
    /* 3 plain buffers + an indirect table of 2 = 5 buffers > queue size 4 */
    put_desc(DESC, 0, BUF_A, 16, D_NEXT, 1);
    put_desc(DESC, 1, BUF_A, 16, D_NEXT, 2);
    put_desc(DESC, 2, BUF_A, 16, D_NEXT, 3);
    put_desc(DESC, 3, IND, 32, D_INDIR, 0);
    put_desc(IND, 0, BUF_B, 16, D_NEXT | D_WRITE, 1);
    put_desc(IND, 1, BUF_B, 16, D_WRITE, 0);
    expect_lie(0, VIRTQ_E_CHAIN_TOO_LONG);
}
END_TEST

START_TEST(test_indirect_table_bigger_than_queue)
{
    ready(4, F_IND);
    put_desc(DESC, 0, IND, 16 * 8, D_INDIR, 0); /* 8 entries > size 4 */
    put_desc(IND, 0, BUF_A, 16, 0, 0);
    expect_lie(0, VIRTQ_E_CHAIN_TOO_LONG);
}
END_TEST

START_TEST(test_too_many_segs)
{
    /* queue size 2048 (a 32 KiB table at BIG_DESC): a loop-free chain of
     * VIRTQ_MAX_SEGS + 1 = 1025 buffers */
    ck_assert_int_eq(virtq_init(q, 2048, BIG_DESC, AVAIL, USED, 0), 0);
    qsize = 2048;
    drv_avail_idx = 0;
    for (unsigned i = 0; i < VIRTQ_MAX_SEGS; i++) {
        put_desc(BIG_DESC, i, BUF_A, 1, D_NEXT, (uint16_t)(i + 1));
    }
    put_desc(BIG_DESC, VIRTQ_MAX_SEGS, BUF_A, 1, 0, 0);
    expect_lie(0, VIRTQ_E_TOO_MANY_SEGS);
    /* one buffer fewer is fine */
    virtq_reset(q);
    ck_assert_int_eq(virtq_init(q, 2048, BIG_DESC, AVAIL, USED, 0), 0);
    drv_avail_idx = 0;
    put_desc(BIG_DESC, VIRTQ_MAX_SEGS - 1, BUF_A, 1, 0, 0);
    struct virtq_chain c;
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_uint_eq(c.nsegs, VIRTQ_MAX_SEGS);
}
END_TEST

START_TEST(test_nested_indirect)
{
    ready(8, F_IND);
    put_desc(DESC, 0, IND, 32, D_INDIR, 0);
    put_desc(IND, 0, BUF_A, 16, D_NEXT, 1);
    put_desc(IND, 1, IND2, 16, D_INDIR, 0);
    expect_lie(0, VIRTQ_E_NESTED_INDIRECT);
}
END_TEST

START_TEST(test_indirect_len_not_multiple)
{
    ready(8, F_IND);
    put_desc(DESC, 0, IND, 24, D_INDIR, 0); /* 24 = 16 + 8 */
    expect_lie(0, VIRTQ_E_INDIRECT_LEN);
}
END_TEST

START_TEST(test_indirect_len_zero)
{
    ready(8, F_IND);
    put_desc(DESC, 0, IND, 0, D_INDIR, 0);
    expect_lie(0, VIRTQ_E_INDIRECT_LEN);
}
END_TEST

START_TEST(test_indirect_not_negotiated)
{
    ready(8, 0);
    put_desc(DESC, 0, IND, 32, D_INDIR, 0);
    expect_lie(0, VIRTQ_E_INDIRECT_FEATURE);
}
END_TEST

START_TEST(test_indirect_with_next)
{
    ready(8, F_IND);
    put_desc(DESC, 0, IND, 32, D_INDIR | D_NEXT, 1);
    expect_lie(0, VIRTQ_E_INDIRECT_NEXT);
}
END_TEST

START_TEST(test_wrapping_gpa)
{
    ready(8, 0);
    put_desc(DESC, 0, 0xfffffffffffffff0ull, 32, 0, 0); /* 2^64 - 16 + 32 wraps */
    expect_lie(0, VIRTQ_E_GPA_WRAP);
}
END_TEST

START_TEST(test_wrapping_indirect_table)
{
    ready(8, F_IND);
    put_desc(DESC, 0, 0xfffffffffffffff0ull, 32, D_INDIR, 0);
    expect_lie(0, VIRTQ_E_GPA_WRAP);
}
END_TEST

START_TEST(test_wild_buffer)
{
    ready(8, 0);
    put_desc(DESC, 0, WILD_GPA, 16, 0, 0); /* 0x9000_0000 is past RAM: no memory */
    expect_lie(0, VIRTQ_E_BAD_GPA);
}
END_TEST

START_TEST(test_straddling_buffer)
{
    ready(8, 0);
    put_desc(DESC, 0, BUF_A, 16, D_NEXT, 1);
    put_desc(DESC, 1, RAM_END - 16, 32, D_WRITE, 0); /* 16 bytes of RAM, 16 of nothing */
    expect_lie(0, VIRTQ_E_BAD_GPA);
}
END_TEST

START_TEST(test_writable_rom)
{
    ready(8, 0);
    put_desc(DESC, 0, ROM_GPA, 32, D_WRITE, 0); /* a device may read ROM, never write it */
    expect_lie(0, VIRTQ_E_BAD_GPA);
    virtq_reset(q);
    ready(8, 0);
    put_desc(DESC, 0, ROM_GPA, 32, 0, 0);
    struct virtq_chain c;
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
}
END_TEST

START_TEST(test_wild_rings)
{
    struct virtq_chain c;

    ck_assert_int_eq(virtq_init(q, 8, WILD_GPA, AVAIL, USED, 0), 0);
    qsize = 8;
    drv_avail_idx = 0;
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), -VIRTQ_E_BAD_GPA); /* the descriptor table is not RAM */
    virtq_reset(q);
    ck_assert_int_eq(virtq_init(q, 8, DESC, WILD_GPA, USED, 0), 0);
    ck_assert_int_eq(virtq_pop(q, &c), -VIRTQ_E_BAD_GPA); /* the avail ring is not RAM */
    ck_assert_uint_eq(ERRS(VIRTQ_E_BAD_GPA), 2);
}
END_TEST

/*
 * DMA ops without `check` (an IOMMU path may have none): a buffer in ROM or
 * straddling the end of RAM passes pop, and the copy refuses it whole.
 */
START_TEST(test_write_outside_ram_refused)
{
    struct virtq_dma gdma = virtq_dma_gmem(gm);
    struct virtq_dma_ops ops = {.read = gdma.ops->read, .write = gdma.ops->write};
    struct virtq_dma nocheck = {.ops = &ops, .ctx = gm};
    struct virtq_chain c;
    uint8_t data[32], rom_before[32], rom_after[32], tail_before[16], tail_after[16];

    virtq_destroy(q);
    q = virtq_create(nocheck);
    ck_assert_ptr_nonnull(q);
    memset(data, 0xee, sizeof(data));
    ck_assert_int_eq(gmem_read(gm, ROM_GPA, rom_before, 32), 0);
    ready(8, 0);
    put_desc(DESC, 0, ROM_GPA, 32, D_WRITE, 0);
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_int_eq(virtq_write_chain(q, &c, 0, data, 32), -VIRTQ_E_BAD_GPA);
    ck_assert_int_eq(gmem_read(gm, ROM_GPA, rom_after, 32), 0);
    ck_assert_mem_eq(rom_before, rom_after, 32);
    ck_assert_int_eq(virtq_push(q, 0, 0), -VIRTQ_E_BROKEN);

    virtq_reset(q);
    ready(8, 0);
    ck_assert_int_eq(gmem_read(gm, RAM_END - 16, tail_before, 16), 0);
    put_desc(DESC, 0, RAM_END - 16, 32, D_WRITE, 0);
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_int_eq(virtq_write_chain(q, &c, 0, data, 32), -VIRTQ_E_BAD_GPA);
    ck_assert_int_eq(gmem_read(gm, RAM_END - 16, tail_after, 16), 0);
    ck_assert_mem_eq(tail_before, tail_after, 16);                              /* all or nothing */
    ck_assert_int_eq(virtq_read_chain(q, &c, 0, data, 1), -VIRTQ_E_READ_SHORT); /* no readable */

    virtq_reset(q);
    ready(8, 0);
    put_desc(DESC, 0, WILD_GPA, 16, 0, 0);
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_int_eq(virtq_read_chain(q, &c, 0, data, 16), -VIRTQ_E_BAD_GPA);
    ck_assert_uint_eq(ERRS(VIRTQ_E_BAD_GPA), 3);
}
END_TEST

START_TEST(test_huge_lengths)
{
    ready(32, 0);
    /* 17 buffers of 4 MiB, all in RAM (the same bytes: overlap is no lie):
     * 17 * 4 MiB = 68 MiB > VIRTQ_MAX_CHAIN_BYTES = 64 MiB */
    for (unsigned i = 0; i < 16; i++) {
        put_desc(DESC, i, RAM_BASE, 4u << 20, D_NEXT, (uint16_t)(i + 1));
    }
    put_desc(DESC, 16, RAM_BASE, 4u << 20, 0, 0);
    expect_lie(0, VIRTQ_E_TOO_BIG);
    /* 16 of them, exactly 64 MiB, pass */
    virtq_reset(q);
    ready(32, 0);
    put_desc(DESC, 15, RAM_BASE, 4u << 20, 0, 0);
    struct virtq_chain c;
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_uint_eq(c.readable_len, 64ull << 20);
    virtq_reset(q);
    ready(8, 0);
    put_desc(DESC, 0, BUF_A, 0xffffffffu, 0, 0); /* one 4 GiB - 1 buffer */
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), -VIRTQ_E_TOO_BIG);
    ck_assert_uint_eq(ERRS(VIRTQ_E_TOO_BIG), 2);
}
END_TEST

START_TEST(test_write_into_readable)
{
    struct virtq_chain c;
    uint8_t before = 0x11, after = 0, status = 0;

    ready(8, 0);
    put(BUF_A, &before, 1);
    put_desc(DESC, 0, BUF_A, 1, 0, 0); /* the status byte, wrongly driver-readable */
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
    ck_assert_int_eq(virtq_write_chain(q, &c, 0, &status, 1), -VIRTQ_E_WRITE_READONLY);
    ck_assert_uint_eq(ERRS(VIRTQ_E_WRITE_READONLY), 1);
    ck_assert_int_eq(gmem_read(gm, BUF_A, &after, 1), 0);
    ck_assert_uint_eq(after, 0x11);
    /* a well-formed chain with wrong contents: the queue stays usable */
    uint8_t hdr[32];
    ck_assert_int_eq(virtq_read_chain(q, &c, 0, hdr, 2), -VIRTQ_E_READ_SHORT); /* 2 > 1 */
    ck_assert_uint_eq(ERRS(VIRTQ_E_READ_SHORT), 1);
    ck_assert_int_eq(virtq_read_chain(q, &c, 2, hdr, 0), -VIRTQ_E_READ_SHORT); /* offset past */
    ck_assert_int_eq(virtq_push(q, 0, 0), 0);
}
END_TEST

START_TEST(test_readable_after_writable)
{
    ready(8, 0);
    put_desc(DESC, 0, BUF_A, 16, D_NEXT | D_WRITE, 1);
    put_desc(DESC, 1, BUF_B, 16, 0, 0);
    expect_lie(0, VIRTQ_E_ORDER);
}
END_TEST

START_TEST(test_readable_after_writable_across_indirect)
{
    ready(8, F_IND);
    put_desc(DESC, 0, BUF_A, 16, D_NEXT | D_WRITE, 1);
    put_desc(DESC, 1, IND, 16, D_INDIR, 0);
    put_desc(IND, 0, BUF_B, 16, 0, 0);
    expect_lie(0, VIRTQ_E_ORDER);
}
END_TEST

START_TEST(test_avail_idx_jump)
{
    struct virtq_chain c;

    ready(8, 0);
    put16(AVAIL + 2, 9); /* 9 - 0 > size 8 */
    ck_assert_int_eq(virtq_pop(q, &c), -VIRTQ_E_AVAIL_IDX);
    ck_assert_uint_eq(ERRS(VIRTQ_E_AVAIL_IDX), 1);
    /* after the driver's reset the queue works again */
    virtq_reset(q);
    ready(8, 0);
    put_desc(DESC, 0, BUF_A, 16, 0, 0);
    offer(0);
    ck_assert_int_eq(virtq_pop(q, &c), 0);
}
END_TEST

START_TEST(test_bad_push)
{
    ready(8, 0);
    ck_assert_int_eq(virtq_push(q, 0, 0), -VIRTQ_E_BAD_PUSH); /* nothing popped */
    ck_assert_int_eq(virtq_push(q, 8, 0), -VIRTQ_E_BAD_PUSH);
    ck_assert_uint_eq(ERRS(VIRTQ_E_BAD_PUSH), 2);
    ck_assert_uint_eq(get16(USED + 2), 0);
}
END_TEST

/* ------------------------------------------------------------------ fuzz */

/*
 * Random descriptor tables and rings, 10^5 rounds, fixed seed. The device
 * may write only the used ring (0x8000_3000 page) and the buffer area; all
 * other RAM holds the canary 0xa5 and must keep it, the driver's tables
 * must be unchanged by the device, and nothing may crash or hang.
 */
#define FZ_BUF     0x80100000ull
#define FZ_BUF_LEN 0x10000ull
#define FZ_ROUNDS  100000
#define CANARY     0xa5

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64 (Marsaglia 2003) */
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t fz_gpa(uint64_t *s, uint32_t *len)
{
    switch (rng_next(s) % 8) {
    case 0:
        return WILD_GPA + rng_next(s) % 0x1000;
    case 1:
        *len = 65 + *len % 64;
        return RAM_END - 1 - rng_next(s) % 64; /* 1..64 bytes of RAM, then none */
    case 2:
        return 0xffffffffffffffffull - rng_next(s) % 64; /* wraps */
    case 3:
        return ROM_GPA + rng_next(s) % 64;
    default: {
        uint64_t off = rng_next(s) % FZ_BUF_LEN;
        if (*len > FZ_BUF_LEN - off) {
            *len = (uint32_t)(FZ_BUF_LEN - off); /* stays inside the buffer area */
        }
        return FZ_BUF + off;
    }
    }
}

static uint32_t fz_len(uint64_t *s)
{
    switch (rng_next(s) % 6) {
    case 0:
        return 0;
    case 1:
        return (uint32_t)rng_next(s); /* huge */
    case 2:
        return 16 * (uint32_t)(rng_next(s) % 20); /* indirect-table shaped */
    default:
        return (uint32_t)(rng_next(s) % 600);
    }
}

static void fz_table(uint64_t *s, gpa_t table, unsigned entries, unsigned size)
{
    for (unsigned i = 0; i < entries; i++) {
        uint32_t len = fz_len(s);
        uint64_t gpa;
        uint16_t flags = (uint16_t)(rng_next(s) % 8);
        if ((flags & D_INDIR) != 0 && rng_next(s) % 4 != 0) {
            gpa = IND + 16 * (rng_next(s) % 4);
            len = 16 * (uint32_t)(rng_next(s) % 10);
        } else {
            gpa = fz_gpa(s, &len);
        }
        put_desc(table, i, gpa, len, flags, (uint16_t)(rng_next(s) % (size + 2)));
    }
}

/* Every result is 0 or a named lie: never a stray code. */
static void fz_ok(int rc)
{
    if (rc < 0 && virtq_error_name(rc) == NULL) {
        ck_abort_msg("stray result %d", rc);
    }
}

/* The device's side of one round: pop what it can, copy a little, push. */
static void fz_device(uint64_t *s)
{
    struct virtq_chain c;
    uint8_t hbuf[256];

    for (int n = 0; n < 4; n++) {
        int rc = virtq_pop(q, &c);
        if (rc != 0) {
            fz_ok(rc == -EAGAIN ? 0 : rc);
            break;
        }
        size_t rd = c.readable_len < 64 ? (size_t)c.readable_len : 64;
        size_t wr = c.writable_len < sizeof(hbuf) ? (size_t)c.writable_len : sizeof(hbuf);
        fz_ok(virtq_read_chain(q, &c, 0, hbuf, rd));
        memset(hbuf, (int)(rng_next(s) & 0xff), sizeof(hbuf));
        fz_ok(virtq_write_chain(q, &c, rng_next(s) % 2, hbuf, wr));
        fz_ok(virtq_push(q, c.head, (uint32_t)wr));
    }
    (void)virtq_should_notify(q);
    fz_ok(virtq_enable_kicks(q));
}

/* Does the page at gpa still hold the canary everywhere? */
static bool canary_intact(gpa_t gpa)
{
    uint8_t page[PAGE_SIZE];
    if (gmem_read(gm, gpa, page, sizeof(page)) != 0) {
        return false;
    }
    for (size_t i = 0; i < sizeof(page); i++) {
        if (page[i] != CANARY) {
            return false;
        }
    }
    return true;
}

static bool fz_may_write(gpa_t page)
{
    return page == USED || (page >= FZ_BUF && page < FZ_BUF + FZ_BUF_LEN);
}

/* The driver's own pages: the descriptor table, the avail ring, the indirect tables. */
static bool fz_is_drivers(gpa_t page)
{
    return page == DESC || page == AVAIL || page == IND;
}

/* One round: a random queue in RAM, the device's turn, then the checks. */
static void fz_round(uint64_t *seed)
{
    uint8_t drv_before[IND + PAGE_SIZE - DESC], drv_after[sizeof(drv_before)];
    unsigned size = 1u << (rng_next(seed) % 5); /* 1..16 */
    uint64_t features = (rng_next(seed) & 1) ? F_IND : 0;

    features |= (rng_next(seed) & 1) ? F_EVT : 0;
    if (virtq_init(q, size, DESC, AVAIL, USED, features) != 0) {
        ck_abort_msg("init %u", size);
    }
    fz_table(seed, DESC, size, size);
    fz_table(seed, IND, 12, size);
    for (unsigned i = 0; i < size + 1; i++) { /* ring[] and used_event */
        put16(AVAIL + 4 + 2 * i, (uint16_t)(rng_next(seed) % (size + 2)));
    }
    put16(AVAIL, (uint16_t)(rng_next(seed) & 1));
    uint64_t r = rng_next(seed);
    put16(AVAIL + 2, (uint16_t)(r % 8 == 0 ? r >> 3 : (r >> 3) % (size + 1)));
    if (gmem_read(gm, DESC, drv_before, sizeof(drv_before)) != 0) {
        ck_abort_msg("read tables");
    }
    fz_device(seed);
    if (gmem_read(gm, DESC, drv_after, sizeof(drv_after)) != 0) {
        ck_abort_msg("read tables");
    }
    /* the device never writes the descriptor table, avail ring or indirect tables */
    if (memcmp(drv_before, drv_after, USED - DESC) != 0 ||
        memcmp(drv_before + (IND - DESC), drv_after + (IND - DESC), PAGE_SIZE) != 0) {
        ck_abort_msg("the device wrote the driver's tables");
    }
    /* the guard around the queue and the last RAM page (the straddling buffers' target) */
    if (!canary_intact(RAM_BASE) || !canary_intact(IND2) || !canary_intact(RAM_END - PAGE_SIZE)) {
        ck_abort_msg("a guard page lost its canary");
    }
    virtq_reset(q);
}

START_TEST(test_fuzz_never_escapes)
{
    static uint8_t fill[1 << 16];
    uint64_t seed = 0x9e3779b97f4a7c15ull;

    memset(fill, CANARY, sizeof(fill));
    for (gpa_t gpa = RAM_BASE; gpa < RAM_END; gpa += sizeof(fill)) {
        put(gpa, fill, sizeof(fill));
    }
    for (int round = 0; round < FZ_ROUNDS; round++) {
        fz_round(&seed);
    }
    /* every page the device may not write, the driver's aside, still holds the canary */
    for (gpa_t page = RAM_BASE; page < RAM_END; page += PAGE_SIZE) {
        if (!fz_may_write(page) && !fz_is_drivers(page) && !canary_intact(page)) {
            ck_abort_msg("canary lost in page 0x%llx", (unsigned long long)page);
        }
    }
    /* it did exercise the device: chains popped and pushed, lies of many kinds seen */
    const struct virtq_stats *st = virtq_stats(q);
    unsigned kinds = 0;
    for (unsigned e = 0; e < VIRTQ_E_COUNT; e++) {
        kinds += st->errors[e] != 0;
    }
    ck_assert_uint_gt(st->pops, 1000);
    ck_assert_uint_gt(st->pushes, 1000);
    ck_assert_uint_ge(kinds, 10);
}
END_TEST

/* ----------------------------------------------------------------- suite */

static Suite *virtq_suite(void)
{
    Suite *s = suite_create("virtq");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_checked_fixture(core, setup, teardown);
    tcase_set_timeout(core, 30);
    tcase_add_test(core, test_simple_chain);
    tcase_add_test(core, test_three_segments);
    tcase_add_test(core, test_indirect_chain);
    tcase_add_test(core, test_need_event_arithmetic);
    tcase_add_test(core, test_event_idx_notify);
    tcase_add_test(core, test_flags_notify);
    tcase_add_test(core, test_used_ring_wraparound);
    tcase_add_test(core, test_kick_suppression_flags);
    tcase_add_test(core, test_kick_suppression_event_idx);
    tcase_add_test(core, test_error_names);
    suite_add_tcase(s, core);

    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_set_timeout(bad, 120);
    tcase_add_test(bad, test_bad_init);
    tcase_add_test(bad, test_loop);
    tcase_add_test(bad, test_self_loop_in_indirect);
    tcase_add_test(bad, test_head_out_of_range);
    tcase_add_test(bad, test_next_out_of_range);
    tcase_add_test(bad, test_chain_longer_than_queue);
    tcase_add_test(bad, test_indirect_table_bigger_than_queue);
    tcase_add_test(bad, test_too_many_segs);
    tcase_add_test(bad, test_nested_indirect);
    tcase_add_test(bad, test_indirect_len_not_multiple);
    tcase_add_test(bad, test_indirect_len_zero);
    tcase_add_test(bad, test_indirect_not_negotiated);
    tcase_add_test(bad, test_indirect_with_next);
    tcase_add_test(bad, test_wrapping_gpa);
    tcase_add_test(bad, test_wrapping_indirect_table);
    tcase_add_test(bad, test_wild_buffer);
    tcase_add_test(bad, test_straddling_buffer);
    tcase_add_test(bad, test_writable_rom);
    tcase_add_test(bad, test_wild_rings);
    tcase_add_test(bad, test_write_outside_ram_refused);
    tcase_add_test(bad, test_huge_lengths);
    tcase_add_test(bad, test_write_into_readable);
    tcase_add_test(bad, test_readable_after_writable);
    tcase_add_test(bad, test_readable_after_writable_across_indirect);
    tcase_add_test(bad, test_avail_idx_jump);
    tcase_add_test(bad, test_bad_push);
    tcase_add_test(bad, test_fuzz_never_escapes);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(virtq_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
