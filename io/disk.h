/*
 * io/disk.h - the disk back ends every block device path uses (emulated,
 * virtio, passthrough): one `disk_ops` table, raw image files behind it.
 * Course: I/O虚拟化 / 后端 (the VMM's side of a virtual disk: what a guest's
 *         write and flush become on the host).
 * Spec: virtio 1.2 §5.2 "Block Device" (sector = 512 bytes, VIRTIO_BLK_F_RO,
 *       VIRTIO_BLK_F_FLUSH: without it the device is write-through).
 *
 * Guarantees (DESIGN.md "Bad input": never lost disk data):
 *  - writes reach the back end in the order the device issues them;
 *  - disk_flush returns only after the data is durable (fsync returned);
 *  - with `write_through` (the guest did not negotiate FLUSH), every write
 *    is durable before disk_write returns;
 *  - a read-only disk refuses writes (-EROFS) and never opens the file for
 *    writing; a `snapshot` disk keeps writes in memory and forgets them at
 *    close, the file untouched;
 *  - disk_close flushes what was written since the last flush (a guest that
 *    never flushed loses nothing at a clean exit);
 *  - an image is flock()ed, exclusive when writable and shared for ro and
 *    snapshot, so no second writer (another vmlab, the same file given twice).
 */
#ifndef VMLAB_IO_DISK_H
#define VMLAB_IO_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DISK_SECTOR_SIZE        512u
#define DISK_MAX_BYTES          (1ull << 40)   /* 1 TiB: bigger images are refused */
#define DISK_SNAPSHOT_MAX_BYTES (256ull << 20) /* default bound of a snapshot's overlay */

struct disk;

/* What a back end does; `ctx` is its own state. Return 0 or -errno. */
struct disk_ops {
    int (*read)(void *ctx, uint64_t sector, void *buf, uint32_t nsectors);
    int (*write)(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors);
    int (*flush)(void *ctx); /* durable when it returns (fsync) */
    void (*close)(void *ctx);
};

struct disk_options {
    bool read_only;              /* ,ro */
    bool snapshot;               /* ,snapshot: writes kept in memory, dropped at close */
    uint64_t snapshot_max_bytes; /* overlay bound; 0: DISK_SNAPSHOT_MAX_BYTES. A write
                                  * that would need more fails with -ENOSPC. */
};

/*
 * Open a raw image file (or a block device: its size from BLKGETSIZE64);
 * opt may be NULL (read-write). On failure NULL, and *why says what is wrong
 * in one line a user can act on (missing, unreadable, not a multiple of 512
 * bytes, too large, empty, a directory, locked by another user); the line is
 * a constant string without the file name or numbers.
 */
struct disk *disk_open(const char *path, const struct disk_options *opt, const char **why);
/*
 * The same, but the line names the file and the numbers ("disk.img: size 1000
 * bytes is not a multiple of 512 (pad it: truncate -s 1024 disk.img)"),
 * written into err (errlen bytes). What vm/vm.c prints.
 */
struct disk *disk_open_err(const char *path, const struct disk_options *opt, char *err,
                           size_t errlen);
/* A disk over any back end (tests use a recording fake): nsectors of 512 bytes.
 * disk_close calls ops->close(ctx) when it is not NULL. NULL: out of memory. */
struct disk *disk_open_ops(const struct disk_ops *ops, void *ctx, uint64_t nsectors,
                           const struct disk_options *opt);
void disk_close(struct disk *d);

uint64_t disk_sectors(const struct disk *d);
bool disk_is_read_only(const struct disk *d);
/* The device negotiated no FLUSH: make every write durable before it returns. */
void disk_set_write_through(struct disk *d, bool write_through);

/*
 * Bounds-checked: -EINVAL past the end (no wrap: sector + nsectors is never
 * computed), or a NULL buf with nsectors > 0; -EROFS on a read-only disk;
 * -ENOSPC when a snapshot's overlay is full; else the back end's. nsectors 0
 * inside the disk is a successful no-op. disk_flush on a read-only or snapshot
 * disk returns 0 without calling the back end (nothing to make durable).
 */
int disk_read(struct disk *d, uint64_t sector, void *buf, uint32_t nsectors);
int disk_write(struct disk *d, uint64_t sector, const void *buf, uint32_t nsectors);
int disk_flush(struct disk *d);

/* Counters for `io.<device>.*` and tests; reads/writes/flushes count successful requests. */
struct disk_stats {
    uint64_t reads, writes, flushes;    /* requests */
    uint64_t read_bytes, written_bytes; /* payload */
    uint64_t syncs;                     /* fsyncs the back end made */
    uint64_t errors;                    /* requests refused (bounds, -EROFS, full) or failed */
    uint64_t snapshot_sectors;          /* sectors held in a snapshot's overlay now */
    uint64_t snapshot_full;             /* writes refused: the overlay's bound was reached */
};
const struct disk_stats *disk_stats(const struct disk *d);

#endif
