/*
 * io/virtio_blk.h - virtio-blk served by the VMM behind a virtio-mmio slot:
 * the disk of `--io virtio`.
 * Course: I/O虚拟化 / 半虚拟化 (virtio-blk): the guest's driver (前端) puts
 *         requests in a virtqueue, the VMM (后端) serves them on the kick.
 * Spec: virtio 1.2 §5.2 "Block Device".
 *
 * Config space (§5.2.4), little-endian, at the transport's 0x100:
 *   0x00 le64 capacity (512-byte sectors)   0x08 le32 size_max (0: not offered)
 *   0x0c le32 seg_max (VIRTIO_BLK_SEG_MAX)   0x10 geometry (0)
 *   0x14 le32 blk_size (512)                 0x18.. 0 (topology, writeback, ...)
 * Features offered: VERSION_1, INDIRECT_DESC, EVENT_IDX, SEG_MAX, BLK_SIZE,
 * FLUSH, and RO for a read-only disk. Without FLUSH negotiated the disk is
 * write-through. One request queue of up to 256 entries.
 *
 * A request (§5.2.6): le32 type, le32 reserved, le64 sector (16 readable
 * bytes), then the data, then one writable status byte (the chain's last).
 */
#ifndef VMLAB_IO_VIRTIO_BLK_H
#define VMLAB_IO_VIRTIO_BLK_H

#include <stdint.h>

#include "io/virtio_mmio.h"

#define VIRTIO_ID_BLOCK 2u

/* §5.2.3 feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

/* §5.2.6 request types and status values. */
#define VIRTIO_BLK_T_IN     0u
#define VIRTIO_BLK_T_OUT    1u
#define VIRTIO_BLK_T_FLUSH  4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_S_OK     0u
#define VIRTIO_BLK_S_IOERR  1u
#define VIRTIO_BLK_S_UNSUPP 2u

#define VIRTIO_BLK_SEG_MAX  (VIRTIO_MMIO_QUEUE_NUM_MAX_VALUE - 2) /* data buffers per request */
#define VIRTIO_BLK_ID_BYTES 20u                                   /* GET_ID's string */
#define VIRTIO_BLK_ID       "vmlab-virtio-blk"

struct disk;
struct gmem;
struct virtio_blk;

/* A device on `disk` (not owned), DMA through `dma` (virtq_dma_gmem(gm): the
 * VMM's own access to guest RAM), its slot's line through irq_fn. */
struct virtio_blk *virtio_blk_create(struct disk *disk, struct virtq_dma dma, virtio_irq_fn irq_fn,
                                     void *irq_ctx);
void virtio_blk_destroy(struct virtio_blk *vb);
/* A machine reset: the transport as at create; counters kept. */
void virtio_blk_reset(struct virtio_blk *vb);
/* --trace io: its register accesses and requests as lines to `out` (NULL: off); name kept. */
void virtio_blk_set_trace(struct virtio_blk *vb, FILE *out, const char *name);
/* The transport, for the bus (virtio_mmio_ops) and its counters. */
struct virtio_mmio *virtio_blk_transport(struct virtio_blk *vb);

struct virtio_blk_stats {
    uint64_t requests; /* io.virtio.requests: requests served (any status) */
    uint64_t bytes;    /* io.virtio.bytes: sector bytes moved by IN and OUT */
    uint64_t ioerrs;   /* requests completed with IOERR or UNSUPP */
};
const struct virtio_blk_stats *virtio_blk_stats(const struct virtio_blk *vb);

#endif
