/*
 * io/virtio_blk.c - virtio-blk, the back end in the VMM: requests popped from
 * the virtqueue (io/virtq.c) become disk_read / disk_write / disk_flush on
 * the image (io/disk.c), each answered with its status byte.
 * Course: I/O虚拟化 / 半虚拟化 (virtio-blk): one kick serves every request the
 *         driver queued, with no exit per sector or per register.
 * Spec: virtio 1.2 §5.2 "Block Device" (§5.2.4 config layout, §5.2.6 device
 *       operation: VIRTIO_BLK_T_IN/OUT/FLUSH/GET_ID, S_OK/IOERR/UNSUPP; a
 *       write to a VIRTIO_BLK_F_RO device completes with IOERR, no data written).
 * --trace io: one line per request served (virtio_blk_set_trace).
 * Simplified: one queue; requests are served synchronously inside the kick;
 *       no DISCARD / WRITE_ZEROES / GET_LIFETIME / secure erase; data moves
 *       through a 64 KiB bounce buffer.
 */
#include "io/virtio_blk.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "io/disk.h"
#include "io/virtq.h"

#define REQ_HDR_BYTES 16u
#define BOUNCE_BYTES  (64u << 10)
#define CONFIG_BYTES  0x40u /* through num_queues and the discard fields: all shown */

struct virtio_blk {
    struct disk *disk;
    struct virtio_mmio *t;
    uint8_t *bounce;
    struct virtio_blk_stats stats;
    FILE *trace_out; /* --trace io, NULL: off */
    const char *trace_name;
};

static uint64_t blk_features(void *dev)
{
    const struct virtio_blk *vb = dev;
    uint64_t f = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC |
                 1ull << VIRTIO_F_EVENT_IDX | 1ull << VIRTIO_BLK_F_SEG_MAX |
                 1ull << VIRTIO_BLK_F_BLK_SIZE | 1ull << VIRTIO_BLK_F_FLUSH;
    if (disk_is_read_only(vb->disk)) {
        f |= 1ull << VIRTIO_BLK_F_RO;
    }
    return f;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static int blk_config_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    const struct virtio_blk *vb = dev;
    uint8_t cfg[CONFIG_BYTES] = {0};
    put_le(cfg + 0x00, disk_sectors(vb->disk), 8); /* capacity */
    put_le(cfg + 0x0c, VIRTIO_BLK_SEG_MAX, 4);     /* seg_max */
    put_le(cfg + 0x14, DISK_SECTOR_SIZE, 4);       /* blk_size */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t at = offset + i;
        v |= (uint64_t)(at < CONFIG_BYTES ? cfg[at] : 0) << (8 * i);
    }
    *out = v;
    return 0;
}

/* Without FLUSH negotiated the device must be write-through (§5.2.5). */
static void blk_set_features(void *dev, uint64_t features)
{
    struct virtio_blk *vb = dev;
    disk_set_write_through(vb->disk, !(features & (1ull << VIRTIO_BLK_F_FLUSH)));
}

/* The sectors [sector, sector + bytes/512) are inside the disk (no wrap). */
static bool in_range(const struct virtio_blk *vb, uint64_t sector, uint64_t bytes)
{
    uint64_t cap = disk_sectors(vb->disk);
    return bytes % DISK_SECTOR_SIZE == 0 && sector <= cap &&
           bytes / DISK_SECTOR_SIZE <= cap - sector;
}

/* IN: disk -> the chain's writable buffers (all but the status byte). */
static uint8_t blk_in(struct virtio_blk *vb, struct virtq *q, const struct virtq_chain *c,
                      uint64_t sector, int *lie)
{
    uint64_t bytes = c->writable_len - 1;
    if (!in_range(vb, sector, bytes)) {
        return VIRTIO_BLK_S_IOERR;
    }
    for (uint64_t off = 0; off < bytes; off += BOUNCE_BYTES) {
        uint32_t n = bytes - off < BOUNCE_BYTES ? (uint32_t)(bytes - off) : BOUNCE_BYTES;
        if (disk_read(vb->disk, sector + off / DISK_SECTOR_SIZE, vb->bounce,
                      n / DISK_SECTOR_SIZE) != 0) {
            return VIRTIO_BLK_S_IOERR;
        }
        *lie = virtq_write_chain(q, c, off, vb->bounce, n);
        if (*lie) {
            return VIRTIO_BLK_S_IOERR;
        }
    }
    vb->stats.bytes += bytes;
    return VIRTIO_BLK_S_OK;
}

/* OUT: the chain's readable data (after the header) -> disk; refused on a read-only disk. */
static uint8_t blk_out(struct virtio_blk *vb, struct virtq *q, const struct virtq_chain *c,
                       uint64_t sector, int *lie)
{
    uint64_t bytes = c->readable_len - REQ_HDR_BYTES;
    if (disk_is_read_only(vb->disk) || !in_range(vb, sector, bytes)) {
        return VIRTIO_BLK_S_IOERR;
    }
    for (uint64_t off = 0; off < bytes; off += BOUNCE_BYTES) {
        uint32_t n = bytes - off < BOUNCE_BYTES ? (uint32_t)(bytes - off) : BOUNCE_BYTES;
        *lie = virtq_read_chain(q, c, REQ_HDR_BYTES + off, vb->bounce, n);
        if (*lie) {
            return VIRTIO_BLK_S_IOERR;
        }
        if (disk_write(vb->disk, sector + off / DISK_SECTOR_SIZE, vb->bounce,
                       n / DISK_SECTOR_SIZE) != 0) {
            return VIRTIO_BLK_S_IOERR;
        }
    }
    vb->stats.bytes += bytes;
    return VIRTIO_BLK_S_OK;
}

/* GET_ID: up to 20 bytes of the serial, zero-padded, into the writable data. */
static uint8_t blk_get_id(struct virtio_blk *vb, struct virtq *q, const struct virtq_chain *c,
                          uint32_t *data_len, int *lie)
{
    char id[VIRTIO_BLK_ID_BYTES] = {0};
    memcpy(id, VIRTIO_BLK_ID, sizeof(VIRTIO_BLK_ID) - 1);
    uint64_t room = c->writable_len - 1;
    uint32_t n = room < sizeof(id) ? (uint32_t)room : (uint32_t)sizeof(id);
    (void)vb;
    *lie = virtq_write_chain(q, c, 0, id, n);
    *data_len = *lie ? 0 : n;
    return *lie ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
}

/* --trace io: "io NAME req TYPE sector S bytes B status OK|IOERR|UNSUPP". */
static void trace_request(const struct virtio_blk *vb, const uint8_t hdr[REQ_HDR_BYTES],
                          const struct virtq_chain *c, uint8_t status)
{
    static const char *const status_names[] = {"OK", "IOERR", "UNSUPP"};
    uint32_t type =
        (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    uint64_t sector = 0, bytes = 0;
    for (unsigned i = 0; i < 8; i++) {
        sector |= (uint64_t)hdr[8 + i] << (8 * i);
    }
    const char *name = type == VIRTIO_BLK_T_IN       ? "IN"
                       : type == VIRTIO_BLK_T_OUT    ? "OUT"
                       : type == VIRTIO_BLK_T_FLUSH  ? "FLUSH"
                       : type == VIRTIO_BLK_T_GET_ID ? "GET_ID"
                                                     : "?";
    if (status == VIRTIO_BLK_S_OK && type == VIRTIO_BLK_T_IN) {
        bytes = c->writable_len - 1;
    } else if (status == VIRTIO_BLK_S_OK && type == VIRTIO_BLK_T_OUT) {
        bytes = c->readable_len - REQ_HDR_BYTES;
    }
    fprintf(vb->trace_out,
            "io %s req %s type %" PRIu32 " sector %" PRIu64 " bytes %" PRIu64 " status %s\n",
            vb->trace_name, name, type, sector, bytes,
            status <= VIRTIO_BLK_S_UNSUPP ? status_names[status] : "?");
}

static int blk_request(void *dev, unsigned qidx, struct virtq *q, const struct virtq_chain *c,
                       uint32_t *written_len)
{
    struct virtio_blk *vb = dev;
    uint8_t hdr[REQ_HDR_BYTES];
    uint8_t status = VIRTIO_BLK_S_IOERR;
    memset(hdr, 0xff, sizeof(hdr)); /* a header too short to read traces as type "?" */
    uint32_t data_len = 0;
    int lie = 0;
    (void)qidx;
    if (c->writable_len == 0 || c->writable_len > UINT32_MAX) {
        return -VIRTQ_E_WRITE_READONLY; /* no room for the status byte: a malformed request */
    }
    if (virtq_read_chain(q, c, 0, hdr, sizeof(hdr)) == 0) {
        uint32_t type = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
                        (uint32_t)hdr[3] << 24;
        uint64_t sector = 0;
        for (unsigned i = 0; i < 8; i++) {
            sector |= (uint64_t)hdr[8 + i] << (8 * i);
        }
        switch (type) {
        case VIRTIO_BLK_T_IN:
            status = blk_in(vb, q, c, sector, &lie);
            data_len = status == VIRTIO_BLK_S_OK ? (uint32_t)(c->writable_len - 1) : 0;
            break;
        case VIRTIO_BLK_T_OUT:
            status = blk_out(vb, q, c, sector, &lie);
            break;
        case VIRTIO_BLK_T_FLUSH:
            status = disk_flush(vb->disk) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
            break;
        case VIRTIO_BLK_T_GET_ID:
            status = blk_get_id(vb, q, c, &data_len, &lie);
            break;
        default:
            status = VIRTIO_BLK_S_UNSUPP;
            break;
        }
    }
    if (lie == -VIRTQ_E_BAD_GPA) {
        return lie; /* the queue is broken: nothing more goes into it */
    }
    vb->stats.requests++;
    vb->stats.ioerrs += status != VIRTIO_BLK_S_OK;
    if (vb->trace_out) {
        trace_request(vb, hdr, c, status);
    }
    int rc = virtq_write_chain(q, c, c->writable_len - 1, &status, 1);
    *written_len = data_len + 1;
    return rc;
}

static const struct virtio_dev_ops blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .nqueues = 1,
    .features = blk_features,
    .config_read = blk_config_read,
    .set_features = blk_set_features,
    .request = blk_request,
};

struct virtio_blk *virtio_blk_create(struct disk *disk, struct virtq_dma dma, virtio_irq_fn irq_fn,
                                     void *irq_ctx)
{
    struct virtio_blk *vb = calloc(1, sizeof(*vb));
    if (!vb) {
        return NULL;
    }
    vb->disk = disk;
    vb->bounce = malloc(BOUNCE_BYTES);
    vb->t = virtio_mmio_create(&blk_ops, vb, dma, irq_fn, irq_ctx);
    if (!vb->bounce || !vb->t) {
        virtio_blk_destroy(vb);
        return NULL;
    }
    return vb;
}

void virtio_blk_destroy(struct virtio_blk *vb)
{
    if (!vb) {
        return;
    }
    virtio_mmio_destroy(vb->t);
    free(vb->bounce);
    free(vb);
}

void virtio_blk_reset(struct virtio_blk *vb)
{
    virtio_mmio_reset(vb->t);
}

void virtio_blk_set_trace(struct virtio_blk *vb, FILE *out, const char *name)
{
    vb->trace_out = out;
    vb->trace_name = name;
    virtio_mmio_set_trace(vb->t, out, name);
}

struct virtio_mmio *virtio_blk_transport(struct virtio_blk *vb)
{
    return vb->t;
}

const struct virtio_blk_stats *virtio_blk_stats(const struct virtio_blk *vb)
{
    return &vb->stats;
}
