/*
 * io/disk.c - the disk back ends: a raw image file (pread/pwrite/fsync) and
 * the layer every block device calls, which checks bounds, refuses writes to
 * read-only disks, keeps a snapshot's writes in memory and makes writes
 * durable when the device is write-through.
 * Course: I/O虚拟化 / 后端: what a guest's WRITE and FLUSH become on the host
 *         (QEMU's block layer under virtio-blk; kvmtool's disk/raw.c).
 * Spec: virtio 1.2 §5.2 "Block Device" (512-byte sectors; VIRTIO_BLK_F_FLUSH,
 *       without which the device is write-through; VIRTIO_BLK_F_RO); POSIX
 *       fsync ("all data ... transferred to the storage device").
 *
 * Simplified: no image formats (raw only), no asynchronous I/O (each request
 * is done when the call returns), a snapshot overlay in host memory only.
 * An image is locked (flock) so that a second user (another vmlab, or the
 * same file given twice) cannot write under us: shared for ro and snapshot,
 * exclusive when writable.
 */
#include "io/disk.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------- snapshot overlay */

/*
 * The sectors a snapshot disk has written: an open-addressing hash table
 * (linear probing, never shrinks, no deletion) from sector number to a copy
 * of its 512 bytes. Reads look here first; nothing reaches the back end.
 */
struct overlay_slot {
    uint64_t sector;
    uint8_t *data; /* NULL: empty slot */
};

struct overlay {
    struct overlay_slot *slots;
    uint64_t capacity; /* a power of two, or 0 before the first write */
    uint64_t used;
    uint64_t max_sectors; /* the bound: a write needing more fails with -ENOSPC */
};

static uint64_t overlay_hash(uint64_t sector)
{
    return sector * 0x9e3779b97f4a7c15ull; /* Fibonacci hashing: spreads runs of sectors */
}

static struct overlay_slot *overlay_slot_for(const struct overlay *ov, uint64_t sector)
{
    uint64_t mask = ov->capacity - 1;
    for (uint64_t i = overlay_hash(sector) & mask;; i = (i + 1) & mask) {
        struct overlay_slot *slot = &ov->slots[i];
        if (!slot->data || slot->sector == sector) {
            return slot; /* load <= 1/2: an empty slot always ends the probe */
        }
    }
}

static const uint8_t *overlay_find(const struct overlay *ov, uint64_t sector)
{
    if (ov->capacity == 0) {
        return NULL;
    }
    return overlay_slot_for(ov, sector)->data;
}

/* Room for `want` sectors at load <= 1/2. 0 or -ENOMEM. */
static int overlay_reserve(struct overlay *ov, uint64_t want)
{
    uint64_t capacity = ov->capacity ? ov->capacity : 64;
    while (capacity < 2 * want) {
        capacity *= 2;
    }
    if (capacity == ov->capacity) {
        return 0;
    }
    struct overlay bigger = {
        .capacity = capacity, .used = ov->used, .max_sectors = ov->max_sectors};
    bigger.slots = calloc(capacity, sizeof(*bigger.slots));
    if (!bigger.slots) {
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < ov->capacity; i++) {
        if (ov->slots[i].data) {
            *overlay_slot_for(&bigger, ov->slots[i].sector) = ov->slots[i];
        }
    }
    free(ov->slots);
    *ov = bigger;
    return 0;
}

static void overlay_free(struct overlay *ov)
{
    for (uint64_t i = 0; i < ov->capacity; i++) {
        free(ov->slots[i].data);
    }
    free(ov->slots);
    memset(ov, 0, sizeof(*ov));
}

/* Sectors of [sector, sector + n) not yet in the overlay. */
static uint64_t overlay_missing(const struct overlay *ov, uint64_t sector, uint32_t n)
{
    uint64_t missing = 0;
    for (uint32_t i = 0; i < n; i++) {
        missing += overlay_find(ov, sector + i) == NULL;
    }
    return missing;
}

/*
 * Copy n sectors into the overlay. All or nothing for the bound: -ENOSPC
 * before any sector changes when the overlay would grow past it.
 */
static int overlay_write(struct overlay *ov, uint64_t sector, const uint8_t *buf, uint32_t n)
{
    uint64_t missing = overlay_missing(ov, sector, n);
    if (missing > ov->max_sectors - ov->used) {
        return -ENOSPC;
    }
    if (overlay_reserve(ov, ov->used + missing) != 0) {
        return -ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct overlay_slot *slot = overlay_slot_for(ov, sector + i);
        if (!slot->data) {
            slot->data = malloc(DISK_SECTOR_SIZE);
            if (!slot->data) {
                return -ENOMEM;
            }
            slot->sector = sector + i;
            ov->used++;
        }
        memcpy(slot->data, buf + (uint64_t)i * DISK_SECTOR_SIZE, DISK_SECTOR_SIZE);
    }
    return 0;
}

/* ------------------------------------------------------------ the disk */

struct disk {
    const struct disk_ops *ops;
    void *ctx;
    uint64_t nsectors;
    struct disk_options opt;
    bool write_through; /* every write durable before disk_write returns */
    bool dirty;         /* written since the last flush: disk_close flushes */
    struct overlay overlay;
    struct disk_stats stats;
};

struct disk *disk_open_ops(const struct disk_ops *ops, void *ctx, uint64_t nsectors,
                           const struct disk_options *opt)
{
    struct disk *d = calloc(1, sizeof(*d));
    if (!d) {
        return NULL;
    }
    d->ops = ops;
    d->ctx = ctx;
    d->nsectors = nsectors;
    if (opt) {
        d->opt = *opt;
    }
    uint64_t bound =
        d->opt.snapshot_max_bytes ? d->opt.snapshot_max_bytes : DISK_SNAPSHOT_MAX_BYTES;
    d->overlay.max_sectors = bound / DISK_SECTOR_SIZE;
    return d;
}

/* The back end's flush, counted as a sync when it succeeds. */
static int disk_sync(struct disk *d)
{
    int rc = d->ops->flush(d->ctx);
    if (rc == 0) {
        d->stats.syncs++;
        d->dirty = false;
    }
    return rc;
}

void disk_close(struct disk *d)
{
    if (!d) {
        return;
    }
    if (d->dirty) {
        (void)disk_sync(d); /* data written without a guest flush is not lost at exit */
    }
    if (d->ops->close) {
        d->ops->close(d->ctx);
    }
    overlay_free(&d->overlay); /* a snapshot's writes are forgotten here */
    free(d);
}

uint64_t disk_sectors(const struct disk *d)
{
    return d->nsectors;
}

bool disk_is_read_only(const struct disk *d)
{
    return d->opt.read_only;
}

void disk_set_write_through(struct disk *d, bool write_through)
{
    d->write_through = write_through;
}

const struct disk_stats *disk_stats(const struct disk *d)
{
    return &d->stats;
}

/*
 * [sector, sector + n) inside the disk? Written so that nothing wraps:
 * sector <= nsectors first, then n against what is left.
 */
static int disk_check_range(const struct disk *d, uint64_t sector, const void *buf, uint32_t n)
{
    if (sector > d->nsectors || n > d->nsectors - sector || (n && !buf)) {
        return -EINVAL;
    }
    return 0;
}

static int disk_failed(struct disk *d, int rc)
{
    d->stats.errors++;
    return rc;
}

/* A snapshot read: the image's data, then the overlay's sectors on top. */
static int disk_read_snapshot(struct disk *d, uint64_t sector, uint8_t *buf, uint32_t n)
{
    if (d->overlay.used < n || overlay_missing(&d->overlay, sector, n) != 0) {
        int rc = d->ops->read(d->ctx, sector, buf, n);
        if (rc != 0) {
            return rc;
        }
    }
    for (uint32_t i = 0; i < n && d->overlay.used; i++) {
        const uint8_t *data = overlay_find(&d->overlay, sector + i);
        if (data) {
            memcpy(buf + (uint64_t)i * DISK_SECTOR_SIZE, data, DISK_SECTOR_SIZE);
        }
    }
    return 0;
}

int disk_read(struct disk *d, uint64_t sector, void *buf, uint32_t nsectors)
{
    int rc = disk_check_range(d, sector, buf, nsectors);
    if (rc != 0) {
        return disk_failed(d, rc);
    }
    if (nsectors > 0) {
        rc = d->opt.snapshot ? disk_read_snapshot(d, sector, buf, nsectors)
                             : d->ops->read(d->ctx, sector, buf, nsectors);
        if (rc != 0) {
            return disk_failed(d, rc);
        }
    }
    d->stats.reads++;
    d->stats.read_bytes += (uint64_t)nsectors * DISK_SECTOR_SIZE;
    return 0;
}

/* A write reaches the back end now (writes are issued in call order), and
 * with write-through it is durable before we return. */
static int disk_write_backend(struct disk *d, uint64_t sector, const void *buf, uint32_t n)
{
    int rc = d->ops->write(d->ctx, sector, buf, n);
    if (rc != 0) {
        return rc;
    }
    d->dirty = true;
    return d->write_through ? disk_sync(d) : 0;
}

int disk_write(struct disk *d, uint64_t sector, const void *buf, uint32_t nsectors)
{
    if (d->opt.read_only) {
        return disk_failed(d, -EROFS); /* virtio-blk: VIRTIO_BLK_S_IOERR */
    }
    int rc = disk_check_range(d, sector, buf, nsectors);
    if (rc != 0) {
        return disk_failed(d, rc);
    }
    if (nsectors > 0 && d->opt.snapshot) {
        rc = overlay_write(&d->overlay, sector, buf, nsectors);
        d->stats.snapshot_sectors = d->overlay.used;
        d->stats.snapshot_full += rc == -ENOSPC;
    } else if (nsectors > 0) {
        rc = disk_write_backend(d, sector, buf, nsectors);
    }
    if (rc != 0) {
        return disk_failed(d, rc);
    }
    d->stats.writes++;
    d->stats.written_bytes += (uint64_t)nsectors * DISK_SECTOR_SIZE;
    return 0;
}

/*
 * Returns once every write before it is durable: the back end's flush (an
 * fsync) has returned. A read-only or snapshot disk has nothing to make
 * durable: the back end is not called.
 */
int disk_flush(struct disk *d)
{
    if (!d->opt.read_only && !d->opt.snapshot) {
        int rc = disk_sync(d);
        if (rc != 0) {
            return disk_failed(d, rc);
        }
    }
    d->stats.flushes++;
    return 0;
}

/* ------------------------------------------------- the raw file back end */

struct disk_file {
    int fd;
};

static int file_read(void *ctx, uint64_t sector, void *buf, uint32_t nsectors)
{
    const struct disk_file *f = ctx;
    uint8_t *p = buf;
    uint64_t left = (uint64_t)nsectors * DISK_SECTOR_SIZE;
    off_t offset = (off_t)(sector * DISK_SECTOR_SIZE);
    while (left > 0) {
        ssize_t n = pread(f->fd, p, left, offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO; /* 0: the file shrank under us */
        }
        p += n, left -= (uint64_t)n, offset += n;
    }
    return 0;
}

static int file_write(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors)
{
    const struct disk_file *f = ctx;
    const uint8_t *p = buf;
    uint64_t left = (uint64_t)nsectors * DISK_SECTOR_SIZE;
    off_t offset = (off_t)(sector * DISK_SECTOR_SIZE);
    while (left > 0) {
        ssize_t n = pwrite(f->fd, p, left, offset);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return n < 0 ? -errno : -EIO;
        }
        p += n, left -= (uint64_t)n, offset += n;
    }
    return 0;
}

static int file_flush(void *ctx)
{
    const struct disk_file *f = ctx;
    while (fsync(f->fd) != 0) {
        if (errno != EINTR) {
            return -errno;
        }
    }
    return 0;
}

static void file_close(void *ctx)
{
    struct disk_file *f = ctx;
    close(f->fd);
    free(f);
}

static const struct disk_ops file_ops = {
    .read = file_read,
    .write = file_write,
    .flush = file_flush,
    .close = file_close,
};

/* ------------------------------------------- opening and checking images */

/* Why an image is refused; each has a line a user can act on. */
enum disk_refusal {
    REFUSE_NONE,
    REFUSE_MISSING,
    REFUSE_UNREADABLE,
    REFUSE_UNWRITABLE,
    REFUSE_READ_ONLY_FS,
    REFUSE_DIRECTORY,
    REFUSE_NOT_FILE,
    REFUSE_LOCKED,
    REFUSE_EMPTY,
    REFUSE_NOT_SECTORS,
    REFUSE_TOO_LARGE,
    REFUSE_OTHER,
};

/* disk_open's lines (no file name or numbers: disk_open_err gives those). */
static const char *const refusal_why[] = {
    [REFUSE_MISSING] = "no such file (make an image: truncate -s 64M FILE)",
    [REFUSE_UNREADABLE] = "cannot read it: permission denied (chmod u+r FILE)",
    [REFUSE_UNWRITABLE] = "cannot open it for writing: permission denied "
                          "(chmod u+rw FILE, or attach it with ,ro or ,snapshot)",
    [REFUSE_READ_ONLY_FS] = "on a read-only file system: attach it with ,ro or ,snapshot",
    [REFUSE_DIRECTORY] = "is a directory, not a disk image",
    [REFUSE_NOT_FILE] = "not a regular file or block device",
    [REFUSE_LOCKED] = "in use by another process or another --disk (images are locked)",
    [REFUSE_EMPTY] = "empty (0 bytes): a disk needs 512-byte sectors (truncate -s 64M FILE)",
    [REFUSE_NOT_SECTORS] = "size is not a multiple of 512 (pad it: truncate -s %512 FILE)",
    [REFUSE_TOO_LARGE] = "larger than the 1 TiB vmlab accepts",
    [REFUSE_OTHER] = "cannot open it",
};

static enum disk_refusal refusal_of_errno(int err, bool is_write)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return REFUSE_MISSING;
    case EACCES:
    case EPERM:
        return is_write ? REFUSE_UNWRITABLE : REFUSE_UNREADABLE;
    case EROFS:
        return REFUSE_READ_ONLY_FS;
    case EISDIR:
        return REFUSE_DIRECTORY;
    default:
        return REFUSE_OTHER;
    }
}

/* The image's size in bytes: a regular file's length or a block device's. */
static enum disk_refusal image_size(int fd, uint64_t *out_bytes, int *out_errno)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *out_errno = errno;
        return REFUSE_OTHER;
    }
    if (S_ISDIR(st.st_mode)) {
        return REFUSE_DIRECTORY;
    }
    if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, out_bytes) != 0) {
            *out_errno = errno;
            return REFUSE_OTHER;
        }
    } else if (S_ISREG(st.st_mode)) {
        *out_bytes = (uint64_t)st.st_size;
    } else {
        return REFUSE_NOT_FILE;
    }
    if (*out_bytes == 0) {
        return REFUSE_EMPTY;
    }
    if (*out_bytes % DISK_SECTOR_SIZE) {
        return REFUSE_NOT_SECTORS;
    }
    return *out_bytes > DISK_MAX_BYTES ? REFUSE_TOO_LARGE : REFUSE_NONE;
}

/* Open and check: the fd, or -1 with the refusal, the size and errno. */
static int image_open(const char *path, const struct disk_options *opt, enum disk_refusal *out_why,
                      uint64_t *out_bytes, int *out_errno)
{
    bool is_write = !opt->read_only && !opt->snapshot;
    *out_errno = 0;
    *out_bytes = 0;
    int fd = open(path, (is_write ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        *out_errno = errno;
        *out_why = refusal_of_errno(errno, is_write);
        return -1;
    }
    *out_why = image_size(fd, out_bytes, out_errno);
    /* a file system without locks (ENOLCK, EOPNOTSUPP) is used unlocked */
    if (*out_why == REFUSE_NONE && flock(fd, (is_write ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0 &&
        errno == EWOULDBLOCK) {
        *out_why = REFUSE_LOCKED;
    }
    if (*out_why != REFUSE_NONE) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The line disk_open_err gives: the file, the numbers, what to do. */
static void refusal_format(char *err, size_t errlen, const char *path, enum disk_refusal why,
                           uint64_t bytes, int saved_errno)
{
    uint64_t padded = (bytes + DISK_SECTOR_SIZE - 1) / DISK_SECTOR_SIZE * DISK_SECTOR_SIZE;
    switch (why) {
    case REFUSE_MISSING:
        snprintf(err, errlen, "%s: no such file (make an image: truncate -s 64M %s)", path, path);
        return;
    case REFUSE_UNREADABLE:
        snprintf(err, errlen, "%s: cannot read it: permission denied (chmod u+r %s)", path, path);
        return;
    case REFUSE_UNWRITABLE:
        snprintf(err, errlen,
                 "%s: cannot open it for writing: permission denied "
                 "(chmod u+rw %s, or attach it with ,ro or ,snapshot)",
                 path, path);
        return;
    case REFUSE_EMPTY:
        snprintf(err, errlen,
                 "%s: empty (0 bytes): a disk needs 512-byte sectors "
                 "(give it a size: truncate -s 64M %s)",
                 path, path);
        return;
    case REFUSE_NOT_SECTORS:
        snprintf(err, errlen,
                 "%s: size %" PRIu64 " bytes is not a multiple of 512 "
                 "(pad it: truncate -s %" PRIu64 " %s)",
                 path, bytes, padded, path);
        return;
    case REFUSE_TOO_LARGE:
        snprintf(err, errlen, "%s: size %" PRIu64 " bytes is larger than the 1 TiB vmlab accepts",
                 path, bytes);
        return;
    case REFUSE_OTHER:
        snprintf(err, errlen, "%s: cannot open it: %s", path,
                 saved_errno ? strerror(saved_errno) : "unknown error");
        return;
    default: /* the lines without FILE in them */
        snprintf(err, errlen, "%s: %s", path, refusal_why[why]);
        return;
    }
}

/* Open path as a raw image; on failure NULL with the refusal, size and errno. */
static struct disk *disk_open_file(const char *path, const struct disk_options *opt,
                                   enum disk_refusal *out_why, uint64_t *out_bytes, int *out_errno)
{
    static const struct disk_options defaults = {0};
    opt = opt ? opt : &defaults;
    int fd = image_open(path, opt, out_why, out_bytes, out_errno);
    if (fd < 0) {
        return NULL;
    }
    struct disk_file *f = malloc(sizeof(*f));
    struct disk *d = f ? disk_open_ops(&file_ops, f, *out_bytes / DISK_SECTOR_SIZE, opt) : NULL;
    if (!d) {
        free(f);
        close(fd);
        *out_why = REFUSE_OTHER;
        *out_errno = ENOMEM;
        return NULL;
    }
    f->fd = fd;
    return d;
}

struct disk *disk_open(const char *path, const struct disk_options *opt, const char **why)
{
    enum disk_refusal refusal = REFUSE_NONE;
    uint64_t bytes;
    int saved_errno;
    struct disk *d = disk_open_file(path, opt, &refusal, &bytes, &saved_errno);
    if (!d && why) {
        *why = refusal_why[refusal];
    }
    return d;
}

struct disk *disk_open_err(const char *path, const struct disk_options *opt, char *err,
                           size_t errlen)
{
    enum disk_refusal refusal = REFUSE_NONE;
    uint64_t bytes;
    int saved_errno;
    struct disk *d = disk_open_file(path, opt, &refusal, &bytes, &saved_errno);
    if (!d && err && errlen) {
        refusal_format(err, errlen, path, refusal, bytes, saved_errno);
    }
    return d;
}
