/*
 * tests/unit/check_disk.c - the disk back ends (io/disk.c): the rules that
 * keep a guest's data (writes in order, flush only after fsync returned,
 * write-through without FLUSH, read-only, snapshot) checked against a
 * recording fake back end, then the raw file back end on temporary files
 * and every kind of bad image.
 * Course: I/O虚拟化 / 后端 (the VMM's side of a virtual disk).
 * Spec: virtio 1.2 §5.2 "Block Device" (512-byte sectors, VIRTIO_BLK_F_FLUSH:
 *       without it the device is write-through; VIRTIO_BLK_F_RO); POSIX fsync.
 *
 * The fake keeps two images: `cache` (what a write changed: the host page
 * cache) and `durable` (what survives a power cut): only its flush copies
 * cache to durable. A kill -9 test alone could not fail here: the page cache
 * survives it. Expected values are worked by hand in comments.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/disk.h"

/* ------------------------------------------------------- the recording fake */

#define FAKE_SECTORS 8
#define FAKE_LOG_MAX 64

enum fake_op {
    FAKE_READ,
    FAKE_WRITE,
    FAKE_FLUSH_DONE, /* the fake's flush made the cache durable and is returning */
    FAKE_CLOSE,
    TEST_FLUSH_RETURNED, /* logged by the test when disk_flush returned to it */
    TEST_WRITE_RETURNED, /* logged by the test when disk_write returned to it */
};

struct fake_call {
    enum fake_op op;
    uint64_t sector;
    uint32_t count;
    bool durable; /* was every write so far durable when this was logged? */
};

struct fake {
    uint8_t cache[FAKE_SECTORS * DISK_SECTOR_SIZE];
    uint8_t durable[FAKE_SECTORS * DISK_SECTOR_SIZE];
    struct fake_call log[FAKE_LOG_MAX];
    unsigned nlog;
    int flush_result; /* what flush returns: 0, or a failing fsync's -EIO */
};

static void fake_log(struct fake *f, enum fake_op op, uint64_t sector, uint32_t count)
{
    ck_assert_uint_lt(f->nlog, FAKE_LOG_MAX);
    bool durable = memcmp(f->cache, f->durable, sizeof(f->cache)) == 0;
    f->log[f->nlog++] = (struct fake_call){op, sector, count, durable};
}

static int fake_read(void *ctx, uint64_t sector, void *buf, uint32_t nsectors)
{
    struct fake *f = ctx;
    ck_assert_uint_le(sector + nsectors, FAKE_SECTORS); /* the disk layer bounds-checked */
    memcpy(buf, f->cache + sector * DISK_SECTOR_SIZE, (size_t)nsectors * DISK_SECTOR_SIZE);
    fake_log(f, FAKE_READ, sector, nsectors);
    return 0;
}

static int fake_write(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors)
{
    struct fake *f = ctx;
    ck_assert_uint_le(sector + nsectors, FAKE_SECTORS);
    memcpy(f->cache + sector * DISK_SECTOR_SIZE, buf, (size_t)nsectors * DISK_SECTOR_SIZE);
    fake_log(f, FAKE_WRITE, sector, nsectors);
    return 0;
}

static int fake_flush(void *ctx)
{
    struct fake *f = ctx;
    if (f->flush_result != 0) {
        return f->flush_result; /* the fsync failed: nothing became durable */
    }
    memcpy(f->durable, f->cache, sizeof(f->cache));
    fake_log(f, FAKE_FLUSH_DONE, 0, 0);
    return 0;
}

static void fake_close(void *ctx)
{
    fake_log(ctx, FAKE_CLOSE, 0, 0);
}

static const struct disk_ops fake_ops = {
    .read = fake_read,
    .write = fake_write,
    .flush = fake_flush,
    .close = fake_close,
};

static struct disk *fake_disk(struct fake *f, bool read_only, bool snapshot)
{
    struct disk_options opt = {.read_only = read_only, .snapshot = snapshot};
    struct disk *d = disk_open_ops(&fake_ops, f, FAKE_SECTORS, &opt);
    ck_assert_ptr_nonnull(d);
    return d;
}

static void fill(uint8_t *buf, uint8_t value, uint32_t nsectors)
{
    memset(buf, value, (size_t)nsectors * DISK_SECTOR_SIZE);
}

/* Every byte of sector `sector` of an image is `value`. */
static bool sector_is(const uint8_t *image, uint64_t sector, uint8_t value)
{
    for (unsigned i = 0; i < DISK_SECTOR_SIZE; i++) {
        if (image[sector * DISK_SECTOR_SIZE + i] != value) {
            return false;
        }
    }
    return true;
}

/* ------------------------------------------------------------- core: fake */

/* Writes reach the back end in the order they were issued, each whole. */
START_TEST(test_write_order)
{
    struct fake f = {0};
    struct disk *d = fake_disk(&f, false, false);
    uint8_t buf[2 * DISK_SECTOR_SIZE];
    fill(buf, 0xa1, 2);
    ck_assert_int_eq(disk_write(d, 5, buf, 2), 0);
    fill(buf, 0xb2, 1);
    ck_assert_int_eq(disk_write(d, 1, buf, 1), 0);
    fill(buf, 0xc3, 1);
    ck_assert_int_eq(disk_write(d, 6, buf, 1), 0); /* overwrites the second half of the first */

    /* issued: (5,2) (1,1) (6,1): the log is that, in that order */
    ck_assert_uint_eq(f.nlog, 3);
    ck_assert_int_eq(f.log[0].op, FAKE_WRITE);
    ck_assert_uint_eq(f.log[0].sector, 5);
    ck_assert_uint_eq(f.log[0].count, 2);
    ck_assert_uint_eq(f.log[1].sector, 1);
    ck_assert_uint_eq(f.log[1].count, 1);
    ck_assert_uint_eq(f.log[2].sector, 6);
    /* the later write wins sector 6: 0xc3; sector 5 keeps 0xa1 */
    ck_assert(sector_is(f.cache, 5, 0xa1));
    ck_assert(sector_is(f.cache, 6, 0xc3));
    ck_assert(sector_is(f.cache, 1, 0xb2));
    /* without write-through nothing was flushed: not durable yet */
    ck_assert(sector_is(f.durable, 5, 0x00));
    const struct disk_stats *st = disk_stats(d);
    ck_assert_uint_eq(st->writes, 3);
    ck_assert_uint_eq(st->written_bytes, 4 * 512); /* 2 + 1 + 1 sectors */
    ck_assert_uint_eq(st->syncs, 0);
    disk_close(d);
}
END_TEST

/* disk_flush returns only after the back end's flush has made the data durable. */
START_TEST(test_flush_after_fsync)
{
    struct fake f = {0};
    struct disk *d = fake_disk(&f, false, false);
    uint8_t buf[DISK_SECTOR_SIZE];
    fill(buf, 0x5a, 1);
    ck_assert_int_eq(disk_write(d, 2, buf, 1), 0);
    ck_assert_int_eq(disk_flush(d), 0);
    fake_log(&f, TEST_FLUSH_RETURNED, 0, 0);

    /* write, the fake's flush completing, then disk_flush returning: in that order */
    ck_assert_uint_eq(f.nlog, 3);
    ck_assert_int_eq(f.log[0].op, FAKE_WRITE);
    ck_assert(!f.log[0].durable);
    ck_assert_int_eq(f.log[1].op, FAKE_FLUSH_DONE);
    ck_assert_int_eq(f.log[2].op, TEST_FLUSH_RETURNED);
    ck_assert(f.log[2].durable);
    ck_assert(sector_is(f.durable, 2, 0x5a));
    ck_assert_uint_eq(disk_stats(d)->flushes, 1);
    ck_assert_uint_eq(disk_stats(d)->syncs, 1);
    disk_close(d); /* nothing written since: no second flush */
    ck_assert_uint_eq(f.nlog, 4);
    ck_assert_int_eq(f.log[3].op, FAKE_CLOSE);
}
END_TEST

/* A failing fsync is never reported to the guest as a completed flush. */
START_TEST(test_flush_failure)
{
    struct fake f = {.flush_result = -EIO};
    struct disk *d = fake_disk(&f, false, false);
    uint8_t buf[DISK_SECTOR_SIZE];
    fill(buf, 0x11, 1);
    ck_assert_int_eq(disk_write(d, 0, buf, 1), 0);
    ck_assert_int_eq(disk_flush(d), -EIO);
    ck_assert_uint_eq(disk_stats(d)->syncs, 0);
    ck_assert_uint_eq(disk_stats(d)->errors, 1);
    disk_close(d);
}
END_TEST

/* Without FLUSH negotiated, every write is durable before disk_write returns. */
START_TEST(test_write_through)
{
    struct fake f = {0};
    struct disk *d = fake_disk(&f, false, false);
    disk_set_write_through(d, true);
    uint8_t buf[DISK_SECTOR_SIZE];
    fill(buf, 0x77, 1);
    ck_assert_int_eq(disk_write(d, 4, buf, 1), 0);
    fake_log(&f, TEST_WRITE_RETURNED, 0, 0);
    fill(buf, 0x88, 1);
    ck_assert_int_eq(disk_write(d, 7, buf, 1), 0);
    fake_log(&f, TEST_WRITE_RETURNED, 0, 0);

    /* each write is followed by the flush before it returns: W F R W F R */
    static const enum fake_op want[] = {FAKE_WRITE, FAKE_FLUSH_DONE, TEST_WRITE_RETURNED,
                                        FAKE_WRITE, FAKE_FLUSH_DONE, TEST_WRITE_RETURNED};
    ck_assert_uint_eq(f.nlog, 6);
    for (unsigned i = 0; i < 6; i++) {
        ck_assert_int_eq(f.log[i].op, want[i]);
    }
    ck_assert(f.log[2].durable && f.log[5].durable);
    ck_assert(sector_is(f.durable, 4, 0x77));
    ck_assert(sector_is(f.durable, 7, 0x88));
    ck_assert_uint_eq(disk_stats(d)->syncs, 2);
    disk_close(d);
}
END_TEST

/* Data written without a guest flush is made durable when the disk closes (exit). */
START_TEST(test_close_flushes)
{
    struct fake f = {0};
    struct disk *d = fake_disk(&f, false, false);
    uint8_t buf[DISK_SECTOR_SIZE];
    fill(buf, 0x3c, 1);
    ck_assert_int_eq(disk_write(d, 3, buf, 1), 0);
    disk_close(d);
    /* W, then the flush, then close */
    ck_assert_uint_eq(f.nlog, 3);
    ck_assert_int_eq(f.log[1].op, FAKE_FLUSH_DONE);
    ck_assert_int_eq(f.log[2].op, FAKE_CLOSE);
    ck_assert(sector_is(f.durable, 3, 0x3c));
}
END_TEST

/* Reads return the back end's data; counted per request and byte. */
START_TEST(test_read)
{
    struct fake f = {0};
    memset(f.cache + 2 * DISK_SECTOR_SIZE, 0x42, 3 * DISK_SECTOR_SIZE);
    struct disk *d = fake_disk(&f, false, false);
    ck_assert_uint_eq(disk_sectors(d), 8);
    uint8_t buf[3 * DISK_SECTOR_SIZE];
    ck_assert_int_eq(disk_read(d, 2, buf, 3), 0);
    ck_assert(sector_is(buf, 0, 0x42) && sector_is(buf, 2, 0x42));
    ck_assert_uint_eq(disk_stats(d)->reads, 1);
    ck_assert_uint_eq(disk_stats(d)->read_bytes, 1536); /* 3 * 512 */
    disk_close(d);
}
END_TEST

/* ,ro: writes refused with -EROFS, nothing reaches the back end; reads work. */
START_TEST(test_read_only)
{
    struct fake f = {0};
    struct disk *d = fake_disk(&f, true, false);
    ck_assert(disk_is_read_only(d));
    uint8_t buf[DISK_SECTOR_SIZE];
    fill(buf, 0xee, 1);
    ck_assert_int_eq(disk_write(d, 0, buf, 1), -EROFS);
    ck_assert_int_eq(disk_flush(d), 0); /* nothing to make durable */
    ck_assert_uint_eq(f.nlog, 0);
    ck_assert(sector_is(f.cache, 0, 0x00));
    ck_assert_uint_eq(disk_stats(d)->writes, 0);
    ck_assert_uint_eq(disk_stats(d)->errors, 1);
    ck_assert_int_eq(disk_read(d, 0, buf, 1), 0);
    ck_assert(sector_is(buf, 0, 0x00));
    disk_close(d);
    ck_assert_int_eq(f.log[f.nlog - 1].op, FAKE_CLOSE);
    ck_assert_uint_eq(f.nlog, 2); /* the read, the close: still no write or flush */
}
END_TEST

/* ,snapshot: writes stay in memory, reads see them over the image, gone after close. */
START_TEST(test_snapshot)
{
    struct fake f = {0};
    memset(f.cache, 0x10, sizeof(f.cache));
    memcpy(f.durable, f.cache, sizeof(f.cache));
    struct disk *d = fake_disk(&f, false, true);
    ck_assert(!disk_is_read_only(d));
    uint8_t buf[4 * DISK_SECTOR_SIZE];
    fill(buf, 0x99, 1);
    ck_assert_int_eq(disk_write(d, 2, buf, 1), 0);
    ck_assert_int_eq(disk_flush(d), 0);
    disk_set_write_through(d, true);
    fill(buf, 0x98, 1);
    ck_assert_int_eq(disk_write(d, 6, buf, 1), 0);
    ck_assert_uint_eq(f.nlog, 0); /* no write and no flush reached the back end */
    ck_assert_uint_eq(disk_stats(d)->snapshot_sectors, 2);

    /* sectors 1..4: 1, 3, 4 from the image (0x10), 2 from the overlay (0x99) */
    ck_assert_int_eq(disk_read(d, 1, buf, 4), 0);
    ck_assert(sector_is(buf, 0, 0x10));
    ck_assert(sector_is(buf, 1, 0x99));
    ck_assert(sector_is(buf, 2, 0x10));
    ck_assert(sector_is(buf, 3, 0x10));
    disk_close(d);
    ck_assert(sector_is(f.cache, 2, 0x10)); /* the image never changed */

    d = fake_disk(&f, false, true); /* reopened: the snapshot's writes are gone */
    ck_assert_int_eq(disk_read(d, 2, buf, 1), 0);
    ck_assert(sector_is(buf, 0, 0x10));
    ck_assert_uint_eq(disk_stats(d)->snapshot_sectors, 0);
    disk_close(d);
    for (unsigned i = 0; i < f.nlog; i++) {
        ck_assert_int_ne(f.log[i].op, FAKE_WRITE);
        ck_assert_int_ne(f.log[i].op, FAKE_FLUSH_DONE);
    }
}
END_TEST

/* A back end of zeros, for a snapshot bigger than the fake (reads only). */
static int zero_read(void *ctx, uint64_t sector, void *buf, uint32_t nsectors)
{
    (void)ctx, (void)sector;
    memset(buf, 0, (size_t)nsectors * DISK_SECTOR_SIZE);
    return 0;
}

static int zero_refuse_write(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors)
{
    (void)ctx, (void)sector, (void)buf, (void)nsectors;
    ck_abort_msg("a snapshot wrote to its back end");
    return -EIO;
}

static int zero_refuse_flush(void *ctx)
{
    (void)ctx;
    ck_abort_msg("a snapshot flushed its back end");
    return -EIO;
}

/* Many sectors in the overlay (its table grows several times): each reads back. */
START_TEST(test_snapshot_many)
{
    static const struct disk_ops zero_ops = {
        .read = zero_read, .write = zero_refuse_write, .flush = zero_refuse_flush};
    struct disk_options opt = {.snapshot = true};
    struct disk *d = disk_open_ops(&zero_ops, NULL, 4096, &opt);
    ck_assert_ptr_nonnull(d);
    uint8_t buf[10 * DISK_SECTOR_SIZE];
    /* 1000 sectors in a scattered order: i * 7 mod 1000 visits each once (gcd(7, 1000) = 1) */
    for (unsigned i = 0; i < 1000; i++) {
        unsigned sector = i * 7 % 1000;
        fill(buf, (uint8_t)(sector + 1), 1);
        ck_assert_int_eq(disk_write(d, sector, buf, 1), 0);
    }
    ck_assert_uint_eq(disk_stats(d)->snapshot_sectors, 1000);
    for (unsigned sector = 0; sector < 1010; sector += 10) {
        ck_assert_int_eq(disk_read(d, sector, buf, 10), 0);
        for (unsigned k = 0; k < 10; k++) {
            /* written sectors hold (sector + 1) mod 256; 1000..1009 are the image's zeros */
            uint8_t want = sector + k < 1000 ? (uint8_t)(sector + k + 1) : 0;
            ck_assert(sector_is(buf, k, want));
        }
    }
    disk_close(d);
}
END_TEST

/* ,ro,snapshot: read-only wins. */
START_TEST(test_snapshot_read_only)
{
    struct fake f = {0};
    struct disk *d = fake_disk(&f, true, true);
    uint8_t buf[DISK_SECTOR_SIZE] = {0};
    ck_assert_int_eq(disk_write(d, 0, buf, 1), -EROFS);
    ck_assert_uint_eq(disk_stats(d)->snapshot_sectors, 0);
    disk_close(d);
}
END_TEST

/* ------------------------------------------------------ bad_input: fake */

/* Requests outside the disk: -EINVAL, nothing reaches the back end. */
START_TEST(test_bounds)
{
    struct fake f = {0};
    struct disk *d = fake_disk(&f, false, false);
    uint8_t buf[2 * DISK_SECTOR_SIZE] = {0};
    /* 8 sectors: 0..7 */
    ck_assert_int_eq(disk_read(d, 8, buf, 1), -EINVAL); /* one past the end */
    ck_assert_int_eq(disk_read(d, 7, buf, 2), -EINVAL); /* 7 + 2 = 9 > 8 */
    ck_assert_int_eq(disk_write(d, 7, buf, 2), -EINVAL);
    /* UINT64_MAX + 2 wraps to 1, which is < 8: must still be refused */
    ck_assert_int_eq(disk_read(d, UINT64_MAX, buf, 2), -EINVAL);
    ck_assert_int_eq(disk_write(d, UINT64_MAX - 1, buf, 2), -EINVAL);
    /* UINT32_MAX sectors is 2 TiB - 512 bytes: far past 8 sectors */
    ck_assert_int_eq(disk_read(d, 0, buf, UINT32_MAX), -EINVAL);
    ck_assert_int_eq(disk_write(d, 1, buf, UINT32_MAX), -EINVAL);
    ck_assert_int_eq(disk_read(d, 9, buf, 0), -EINVAL);  /* an empty range past the end */
    ck_assert_int_eq(disk_read(d, 0, NULL, 1), -EINVAL); /* no buffer */
    ck_assert_uint_eq(f.nlog, 0);
    ck_assert_uint_eq(disk_stats(d)->errors, 9);
    ck_assert_uint_eq(disk_stats(d)->reads + disk_stats(d)->writes, 0);
    /* the edges that are inside: the last sector, and an empty range at the end */
    ck_assert_int_eq(disk_read(d, 7, buf, 1), 0);
    ck_assert_int_eq(disk_write(d, 8, buf, 0), 0);
    ck_assert_uint_eq(f.nlog, 1); /* the read of sector 7; the empty write does nothing */
    disk_close(d);
}
END_TEST

/* The snapshot overlay is bounded: past it -ENOSPC, counted, and nothing changes. */
START_TEST(test_snapshot_bound)
{
    struct fake f = {0};
    struct disk_options opt = {.snapshot = true, .snapshot_max_bytes = 4 * DISK_SECTOR_SIZE};
    struct disk *d = disk_open_ops(&fake_ops, &f, FAKE_SECTORS, &opt);
    ck_assert_ptr_nonnull(d);
    uint8_t buf[2 * DISK_SECTOR_SIZE];
    fill(buf, 0x01, 2);
    ck_assert_int_eq(disk_write(d, 0, buf, 2), 0); /* sectors 0, 1 */
    ck_assert_int_eq(disk_write(d, 2, buf, 2), 0); /* 2, 3: the overlay is full (4) */
    fill(buf, 0x02, 2);
    ck_assert_int_eq(disk_write(d, 1, buf, 2), 0); /* 1, 2 rewritten: no new sector */
    fill(buf, 0x03, 2);
    ck_assert_int_eq(disk_write(d, 3, buf, 2), -ENOSPC); /* 3 held, 4 new: 5 > 4 */
    const struct disk_stats *st = disk_stats(d);
    ck_assert_uint_eq(st->snapshot_full, 1);
    ck_assert_uint_eq(st->snapshot_sectors, 4);
    ck_assert_uint_eq(st->errors, 1);
    /* all or nothing: sector 3 still has the 0x01 of the second write */
    ck_assert_int_eq(disk_read(d, 3, buf, 1), 0);
    ck_assert(sector_is(buf, 0, 0x01));
    ck_assert_int_eq(disk_read(d, 1, buf, 1), 0);
    ck_assert(sector_is(buf, 0, 0x02));
    disk_close(d);
}
END_TEST

/* ------------------------------------------------- core: the file back end */

struct tmpdir {
    char path[64];
};

static void tmpdir_make(struct tmpdir *t)
{
    snprintf(t->path, sizeof(t->path), "/tmp/check_disk.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t->path));
}

/* Remove the directory and the images a test made in it. */
static void tmpdir_remove(const struct tmpdir *t)
{
    DIR *dir = opendir(t->path);
    ck_assert_ptr_nonnull(dir);
    for (struct dirent *e = readdir(dir); e; e = readdir(dir)) {
        char path[sizeof(t->path) + 256 + 1];
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof(path), "%s/%s", t->path, e->d_name);
            unlink(path);
        }
    }
    closedir(dir);
    rmdir(t->path);
}

/* Create dir/name with `bytes` bytes of `value`; its path into out. */
static void make_image(const struct tmpdir *t, const char *name, size_t bytes, uint8_t value,
                       char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%s", t->path, name);
    int fd = open(out, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    ck_assert_int_ge(fd, 0);
    uint8_t *data = malloc(bytes + 1);
    ck_assert_ptr_nonnull(data);
    memset(data, value, bytes);
    ck_assert_int_eq(write(fd, data, bytes), (ssize_t)bytes);
    free(data);
    close(fd);
}

/* Bytes [offset, offset + 512) of a file, read independently of io/disk.c. */
static void file_sector(const char *path, off_t offset, uint8_t *out)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, out, DISK_SECTOR_SIZE, offset), DISK_SECTOR_SIZE);
    close(fd);
}

START_TEST(test_file_round_trip)
{
    struct tmpdir t;
    tmpdir_make(&t);
    char path[128];
    make_image(&t, "disk.img", 4096, 0x00, path, sizeof(path));
    const char *why = NULL;
    struct disk *d = disk_open(path, NULL, &why);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(disk_sectors(d), 8); /* 4096 / 512 */
    uint8_t buf[2 * DISK_SECTOR_SIZE];
    fill(buf, 0xab, 2);
    ck_assert_int_eq(disk_write(d, 3, buf, 2), 0);
    ck_assert_int_eq(disk_flush(d), 0);
    ck_assert_uint_eq(disk_stats(d)->syncs, 1);
    memset(buf, 0, sizeof(buf));
    ck_assert_int_eq(disk_read(d, 3, buf, 2), 0);
    ck_assert(sector_is(buf, 0, 0xab) && sector_is(buf, 1, 0xab));
    disk_set_write_through(d, true);
    fill(buf, 0xcd, 1);
    ck_assert_int_eq(disk_write(d, 7, buf, 1), 0);
    ck_assert_uint_eq(disk_stats(d)->syncs, 2); /* the flush, then the write-through write */
    disk_close(d);

    /* sector 3 is bytes 1536..2047, sector 7 is 3584..4095; sector 2 untouched */
    uint8_t sector[DISK_SECTOR_SIZE];
    file_sector(path, 1536, sector);
    ck_assert(sector_is(sector, 0, 0xab));
    file_sector(path, 3584, sector);
    ck_assert(sector_is(sector, 0, 0xcd));
    file_sector(path, 1024, sector);
    ck_assert(sector_is(sector, 0, 0x00));
    tmpdir_remove(&t);
}
END_TEST

/* ,snapshot on a file: the guest reads its writes; the file never changes. */
START_TEST(test_file_snapshot)
{
    struct tmpdir t;
    tmpdir_make(&t);
    char path[128];
    make_image(&t, "disk.img", 2048, 0x61, path, sizeof(path));
    struct disk_options opt = {.snapshot = true};
    const char *why = NULL;
    struct disk *d = disk_open(path, &opt, &why);
    ck_assert_ptr_nonnull(d);
    uint8_t buf[DISK_SECTOR_SIZE];
    fill(buf, 0x62, 1);
    ck_assert_int_eq(disk_write(d, 1, buf, 1), 0);
    ck_assert_int_eq(disk_flush(d), 0);
    fill(buf, 0, 1);
    ck_assert_int_eq(disk_read(d, 1, buf, 1), 0);
    ck_assert(sector_is(buf, 0, 0x62));
    ck_assert_uint_eq(disk_stats(d)->syncs, 0);
    disk_close(d);
    file_sector(path, 512, buf);
    ck_assert(sector_is(buf, 0, 0x61));
    tmpdir_remove(&t);
}
END_TEST

/* ,ro on a file: open for reading only (so a 0444 file opens), writes refused. */
START_TEST(test_file_read_only)
{
    struct tmpdir t;
    tmpdir_make(&t);
    char path[128];
    make_image(&t, "disk.img", 1024, 0x33, path, sizeof(path));
    ck_assert_int_eq(chmod(path, 0444), 0);
    struct disk_options opt = {.read_only = true};
    const char *why = NULL;
    struct disk *d = disk_open(path, &opt, &why);
    ck_assert_ptr_nonnull(d);
    uint8_t buf[DISK_SECTOR_SIZE] = {0};
    ck_assert_int_eq(disk_write(d, 0, buf, 1), -EROFS);
    ck_assert_int_eq(disk_read(d, 1, buf, 1), 0);
    ck_assert(sector_is(buf, 0, 0x33));
    disk_close(d);
    file_sector(path, 0, buf);
    ck_assert(sector_is(buf, 0, 0x33));
    tmpdir_remove(&t);
}
END_TEST

/* --------------------------------------------- bad_input: the file back end */

/* disk_open_err's line for path, which must be refused. */
static void refused(const char *path, const struct disk_options *opt, char *err, size_t errlen)
{
    const char *why = NULL;
    ck_assert_ptr_null(disk_open(path, opt, &why));
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_null(disk_open_err(path, opt, err, errlen));
}

START_TEST(test_file_missing)
{
    char err[512];
    refused("/nonexistent-dir/none.img", NULL, err, sizeof(err));
    ck_assert_str_eq(err, "/nonexistent-dir/none.img: no such file "
                          "(make an image: truncate -s 64M /nonexistent-dir/none.img)");
}
END_TEST

START_TEST(test_file_not_sectors)
{
    struct tmpdir t;
    tmpdir_make(&t);
    char path[128], err[512], want[512];
    make_image(&t, "odd.img", 1000, 0, path, sizeof(path));
    refused(path, NULL, err, sizeof(err));
    /* 1000 = 1 * 512 + 488: padded up to 2 * 512 = 1024 */
    snprintf(want, sizeof(want),
             "%s: size 1000 bytes is not a multiple of 512 (pad it: truncate -s 1024 %s)", path,
             path);
    ck_assert_str_eq(err, want);
    const char *why = NULL;
    ck_assert_ptr_null(disk_open(path, NULL, &why));
    ck_assert_ptr_nonnull(strstr(why, "not a multiple of 512"));
    tmpdir_remove(&t);
}
END_TEST

START_TEST(test_file_empty)
{
    struct tmpdir t;
    tmpdir_make(&t);
    char path[128], err[512];
    make_image(&t, "empty.img", 0, 0, path, sizeof(path));
    refused(path, NULL, err, sizeof(err));
    ck_assert_ptr_nonnull(strstr(err, "empty (0 bytes)"));
    tmpdir_remove(&t);
}
END_TEST

START_TEST(test_file_directory)
{
    struct tmpdir t;
    tmpdir_make(&t);
    char err[512];
    struct disk_options opt = {.read_only = true}; /* O_RDONLY opens a directory */
    refused(t.path, &opt, err, sizeof(err));
    ck_assert_ptr_nonnull(strstr(err, "is a directory"));
    refused(t.path, NULL, err, sizeof(err)); /* O_RDWR fails with EISDIR */
    ck_assert_ptr_nonnull(strstr(err, "is a directory"));
    tmpdir_remove(&t);
}
END_TEST

START_TEST(test_file_too_large)
{
    struct tmpdir t;
    tmpdir_make(&t);
    char path[128], err[512];
    make_image(&t, "big.img", 0, 0, path, sizeof(path));
    /* 1 TiB + 512: a whole number of sectors, one past DISK_MAX_BYTES (sparse) */
    if (truncate(path, (off_t)(DISK_MAX_BYTES + 512)) != 0) {
        fprintf(stderr, "check_disk: no sparse 1 TiB file here: skipping the size limit\n");
        tmpdir_remove(&t);
        return;
    }
    refused(path, NULL, err, sizeof(err));
    ck_assert_ptr_nonnull(strstr(err, "size 1099511628288 bytes is larger than the 1 TiB"));
    tmpdir_remove(&t);
}
END_TEST

START_TEST(test_file_unreadable)
{
    if (geteuid() == 0) {
        fprintf(stderr, "check_disk: running as root, which reads any file: "
                        "skipping the unreadable image\n");
        return;
    }
    struct tmpdir t;
    tmpdir_make(&t);
    char path[128], err[512];
    make_image(&t, "noperm.img", 1024, 0, path, sizeof(path));
    ck_assert_int_eq(chmod(path, 0), 0);
    struct disk_options opt = {.read_only = true};
    char want[512];
    refused(path, &opt, err, sizeof(err));
    snprintf(want, sizeof(want), "%s: cannot read it: permission denied (chmod u+r %s)", path,
             path);
    ck_assert_str_eq(err, want);
    refused(path, NULL, err, sizeof(err)); /* read-write: the advice names ,ro too */
    ck_assert_ptr_nonnull(strstr(err, "for writing: permission denied (chmod u+rw"));
    tmpdir_remove(&t);
}
END_TEST

/* A writable image is locked: a second user (or the same file twice) is refused. */
START_TEST(test_file_locked)
{
    struct tmpdir t;
    tmpdir_make(&t);
    char path[128], err[512];
    make_image(&t, "disk.img", 1024, 0, path, sizeof(path));
    const char *why = NULL;
    struct disk *d = disk_open(path, NULL, &why);
    ck_assert_ptr_nonnull(d);
    refused(path, NULL, err, sizeof(err));
    ck_assert_ptr_nonnull(strstr(err, "in use"));
    struct disk_options ro = {.read_only = true};
    refused(path, &ro, err, sizeof(err)); /* nor may a reader watch it change */
    disk_close(d);
    struct disk *r1 = disk_open(path, &ro, &why); /* two readers share it */
    struct disk *r2 = disk_open(path, &ro, &why);
    ck_assert_ptr_nonnull(r1);
    ck_assert_ptr_nonnull(r2);
    disk_close(r1);
    disk_close(r2);
    tmpdir_remove(&t);
}
END_TEST

static Suite *disk_suite(void)
{
    Suite *s = suite_create("disk");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_write_order);
    tcase_add_test(core, test_flush_after_fsync);
    tcase_add_test(core, test_write_through);
    tcase_add_test(core, test_close_flushes);
    tcase_add_test(core, test_read);
    tcase_add_test(core, test_read_only);
    tcase_add_test(core, test_snapshot);
    tcase_add_test(core, test_snapshot_read_only);
    tcase_add_test(core, test_snapshot_many);
    tcase_add_test(core, test_file_round_trip);
    tcase_add_test(core, test_file_snapshot);
    tcase_add_test(core, test_file_read_only);
    suite_add_tcase(s, core);
    TCase *bad = tcase_create("bad_input");
    tcase_add_test(bad, test_flush_failure);
    tcase_add_test(bad, test_bounds);
    tcase_add_test(bad, test_snapshot_bound);
    tcase_add_test(bad, test_file_missing);
    tcase_add_test(bad, test_file_not_sectors);
    tcase_add_test(bad, test_file_empty);
    tcase_add_test(bad, test_file_directory);
    tcase_add_test(bad, test_file_too_large);
    tcase_add_test(bad, test_file_unreadable);
    tcase_add_test(bad, test_file_locked);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(disk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
