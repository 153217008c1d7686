/*
 * io/virtq.h - the device side of one split virtqueue, transport-neutral:
 * the virtio-mmio transport (virtio-blk served by the VMM) and the
 * passthrough VF (the same code, DMA through the IOMMU) both use it.
 * Course: I/O虚拟化 / 半虚拟化 (virtio): 前端驱动 and 后端设备 share
 *         virtqueues in guest memory: 描述符表, 可用环, 已用环.
 * Spec: virtio 1.2, §2.7 "Split Virtqueues" (§2.7.5 "The Virtqueue
 *       Descriptor Table", §2.7.5.3 "Indirect Descriptors", §2.7.6 "The
 *       Virtqueue Available Ring", §2.7.8 "The Virtqueue Used Ring",
 *       §2.7.7 "Used Buffer Notification Suppression", §2.7.10 "Available
 *       Buffer Notification Suppression"), §2.1 "Device Status Field".
 *
 * Guest memory layout, all little-endian (§2.7):
 *
 *   descriptor table, desc_gpa, 16-byte aligned, `size` entries of 16 bytes
 *     +0 le64 addr   +8 le32 len   +12 le16 flags (NEXT 1, WRITE 2, INDIRECT 4)
 *     +14 le16 next
 *   available ring, avail_gpa, 2-byte aligned, 6 + 2 * size bytes
 *     +0 le16 flags (NO_INTERRUPT 1)  +2 le16 idx  +4 le16 ring[size]
 *     +4 + 2 * size  le16 used_event   (only with VIRTIO_F_EVENT_IDX)
 *   used ring, used_gpa, 4-byte aligned, 6 + 8 * size bytes
 *     +0 le16 flags (NO_NOTIFY 1)  +2 le16 idx
 *     +4 {le32 id, le32 len} ring[size]
 *     +4 + 8 * size  le16 avail_event  (only with VIRTIO_F_EVENT_IDX)
 *
 * How a device uses it (one kick):
 *
 *   virtq_disable_kicks(q);
 *   for (;;) {
 *       while ((rc = virtq_pop(q, &chain)) == 0) {
 *           virtq_read_chain(q, &chain, 0, &hdr, sizeof(hdr));   request header
 *           ... virtq_write_chain(q, &chain, off, data, n) ...   reply
 *           virtq_push(q, chain.head, bytes_written);
 *       }
 *       if (rc != -EAGAIN) break;                     the driver lied: see below
 *       rc = virtq_enable_kicks(q);                   1: more arrived meanwhile
 *       if (rc != 1) break;
 *       virtq_disable_kicks(q);
 *   }
 *   if (virtq_should_notify(q)) raise the used-buffer interrupt;
 *
 * When the driver lies. Every function returns 0 (or a documented positive
 * value), -EAGAIN from virtq_pop when nothing is available, or a negative
 * `-VIRTQ_E_*` (enum virtq_error) naming the lie; each lie is counted in
 * stats.errors[]. No lie makes this code loop without bound, crash, or
 * touch memory other than through the DMA ops (which refuse anything that is
 * not the VM's RAM). After a lie the queue is "broken": further pops and
 * pushes return -VIRTQ_E_BROKEN until virtq_init/virtq_reset. The caller
 * (transport) MUST then, per §2.1 "Device Status Field": set DEVICE_NEEDS_RESET (0x40)
 * in the device status, send a configuration change notification, stop
 * processing the device's queues, and on the driver's reset (status 0)
 * virtq_reset every queue. A device may instead complete the request with
 * its own error status (virtio-blk: VIRTIO_BLK_S_IOERR) when the chain is
 * well formed but its contents are wrong (VIRTQ_E_READ_SHORT and
 * VIRTQ_E_WRITE_READONLY leave the queue usable for that reason).
 *
 * Simplified: one thread drives a queue (no locking; fences order the ring
 * accesses against a guest vCPU on another host thread); the chain is
 * walked and checked whole at pop (at most VIRTQ_MAX_SEGS buffers, at most
 * VIRTQ_MAX_CHAIN_BYTES bytes, both documented device limits: a virtio-blk
 * device should advertise seg_max <= VIRTQ_MAX_SEGS - 2); no packed rings,
 * no VIRTIO_F_IN_ORDER.
 */
#ifndef VMLAB_IO_VIRTQ_H
#define VMLAB_IO_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/types.h"

struct gmem;

/* Feature bits (bit numbers in the 64-bit feature word), §6 "Reserved Feature Bits". */
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX     29

/* §2.7.5 descriptor flags, §2.7.6 / §2.7.8 ring flags. */
#define VIRTQ_DESC_F_NEXT          1u
#define VIRTQ_DESC_F_WRITE         2u
#define VIRTQ_DESC_F_INDIRECT      4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY     1u

#define VIRTQ_DESC_SIZE       16u
#define VIRTQ_MAX_SIZE        32768u        /* §2.7: Queue Size <= 32768 */
#define VIRTQ_MAX_SEGS        1024u         /* buffers in one chain: a device limit */
#define VIRTQ_MAX_CHAIN_BYTES (64ull << 20) /* total length of one chain: 64 MiB */

/*
 * The lies a driver can tell, and the device-side limits. Returned negated.
 * Values start above errno's range so they never read as -EAGAIN & co.
 */
enum virtq_error {
    VIRTQ_E_NONE = 0,
    VIRTQ_E_FIRST = 0x1000,
    VIRTQ_E_SIZE = VIRTQ_E_FIRST, /* init: size 0, not a power of two, or > 32768 */
    VIRTQ_E_ALIGN,                /* init: a ring not aligned as §2.7 requires */
    VIRTQ_E_AVAIL_IDX,            /* avail idx more than `size` ahead of the device */
    VIRTQ_E_HEAD_RANGE,           /* an avail ring entry (chain head) >= size */
    VIRTQ_E_NEXT_RANGE,           /* a next index >= size (or the indirect table's length) */
    VIRTQ_E_LOOP,                 /* a descriptor visited twice in one chain */
    VIRTQ_E_CHAIN_TOO_LONG,       /* more buffers than the queue size (§2.7.5.3) */
    VIRTQ_E_TOO_MANY_SEGS,        /* more buffers than VIRTQ_MAX_SEGS */
    VIRTQ_E_NESTED_INDIRECT,      /* INDIRECT inside an indirect table */
    VIRTQ_E_INDIRECT_LEN,         /* indirect table length 0 or not a multiple of 16 */
    VIRTQ_E_INDIRECT_NEXT,        /* INDIRECT and NEXT both set */
    VIRTQ_E_INDIRECT_FEATURE,     /* INDIRECT without VIRTIO_F_INDIRECT_DESC negotiated */
    VIRTQ_E_GPA_WRAP,             /* gpa + len wraps past 2^64 */
    VIRTQ_E_BAD_GPA,              /* the DMA ops refused: not the VM's memory (IOMMU fault) */
    VIRTQ_E_TOO_BIG,              /* chain longer than VIRTQ_MAX_CHAIN_BYTES */
    VIRTQ_E_ORDER,                /* a driver-readable buffer after a device-writable one */
    VIRTQ_E_READ_SHORT,           /* the device needs more readable bytes than the chain has */
    VIRTQ_E_WRITE_READONLY,       /* the reply would land in a driver-readable buffer/beyond */
    VIRTQ_E_BROKEN,               /* the queue already reported a lie; reset it */
    VIRTQ_E_NOT_READY,            /* used before virtq_init succeeded */
    VIRTQ_E_BAD_PUSH,             /* the VMM pushed a head it did not pop (a vmlab bug) */
    VIRTQ_E_END,
};
#define VIRTQ_E_COUNT (VIRTQ_E_END - VIRTQ_E_FIRST)

/* Counter suffix of an error ("loop", "head_range", ...), NULL for a non-error. */
const char *virtq_error_name(int err);

/*
 * How the device reaches guest memory. Default: gmem_read/gmem_write on
 * GPAs (virtq_dma_gmem). The passthrough VF plugs in the IOMMU's
 * translation; the addresses are then IOVAs (equal to GPAs with a Bare
 * first stage). Return 0 or a negative errno; a refused access must have
 * written nothing. `check` (may be NULL) says, without touching memory or
 * counting, whether a whole buffer may be read (is_write false) or written:
 * virtq_pop refuses a chain with a buffer it rejects, so the device never
 * acts on half a buffer. Without it, refusals show up at copy time.
 */
struct virtq_dma_ops {
    int (*read)(void *ctx, gpa_t gpa, void *buf, size_t len);
    int (*write)(void *ctx, gpa_t gpa, const void *buf, size_t len);
    int (*check)(void *ctx, gpa_t gpa, uint64_t len, bool is_write);
};
struct virtq_dma {
    const struct virtq_dma_ops *ops;
    void *ctx;
};
/* gmem as DMA: reads RAM or ROM, writes RAM only (a DMA into ROM is refused); has check. */
struct virtq_dma virtq_dma_gmem(struct gmem *gm);

/* One buffer of a chain. */
struct virtq_seg {
    gpa_t gpa;
    uint32_t len;
    bool is_write; /* device-writable (VIRTQ_DESC_F_WRITE) */
};

/* A popped chain: driver-readable buffers first (nreadable), then device-writable.
 * About 16 KiB: a device keeps one (or a few, for queue depth) in its own state. */
struct virtq_chain {
    uint16_t head; /* the head index, to hand back to virtq_push */
    unsigned nsegs;
    unsigned nreadable;
    uint64_t readable_len; /* total bytes of the readable buffers */
    uint64_t writable_len;
    struct virtq_seg seg[VIRTQ_MAX_SEGS];
};

/* Counters for io.<device>.vq*.* (the VMM's own accesses to guest memory). */
struct virtq_stats {
    uint64_t pops, pushes;
    uint64_t descs;                       /* descriptors read (chains walked) */
    uint64_t mem_reads, mem_read_bytes;   /* DMA reads: rings, descriptors, buffers */
    uint64_t mem_writes, mem_write_bytes; /* DMA writes: used ring, buffers */
    uint64_t notifies, notifies_suppressed;
    uint64_t errors[VIRTQ_E_COUNT]; /* indexed by VIRTQ_E_x - VIRTQ_E_FIRST */
};

/* What `vq dump` prints besides the rings themselves. */
struct virtq_info {
    bool is_ready, is_broken;
    unsigned size;
    gpa_t desc_gpa, avail_gpa, used_gpa;
    bool has_indirect, has_event_idx;
    uint16_t last_avail_idx; /* the device's next avail ring position (free-running) */
    uint16_t used_idx;       /* the used idx the device last published */
    bool kicks_enabled;
};

struct virtq;

/* A queue that is not ready yet; NULL when out of memory. */
struct virtq *virtq_create(struct virtq_dma dma);
void virtq_destroy(struct virtq *q);

/*
 * The driver made the queue ready (QueueReady = 1): size a power of two
 * <= 32768; desc 16-, avail 2-, used 4-byte aligned; features the
 * negotiated feature word (only VIRTIO_F_INDIRECT_DESC and
 * VIRTIO_F_EVENT_IDX matter here). Indices start at 0, kicks enabled.
 * 0, or -VIRTQ_E_SIZE / -VIRTQ_E_ALIGN / -VIRTQ_E_GPA_WRAP (counted; the queue
 * stays not ready). Nothing in guest memory is touched.
 */
__attribute__((warn_unused_result)) int virtq_init(struct virtq *q, unsigned size, gpa_t desc_gpa,
                                                   gpa_t avail_gpa, gpa_t used_gpa,
                                                   uint64_t features);
/* Device reset: not ready, indices and the broken state forgotten; counters kept. */
void virtq_reset(struct virtq *q);

/*
 * The next available chain (§2.7.13 "Supplying Buffers to The Device", seen
 * from the device): its head and buffers, NEXT and INDIRECT followed, every
 * rule above checked, each buffer passed through the DMA ops' check.
 * 0: *out filled and the chain is the device's until virtq_push;
 * -EAGAIN: nothing available; -VIRTQ_E_*: a lie (the queue is now broken,
 * the chain not consumed); -VIRTQ_E_NOT_READY, -VIRTQ_E_BROKEN.
 */
__attribute__((warn_unused_result)) int virtq_pop(struct virtq *q, struct virtq_chain *out);

/*
 * Copy `len` bytes starting `offset` bytes into the chain's readable
 * buffers (taken as one stream) to buf. 0, -VIRTQ_E_READ_SHORT (the
 * readable buffers hold fewer than offset + len bytes; nothing copied), or
 * -VIRTQ_E_BAD_GPA (a buffer is not RAM; the queue is broken).
 */
__attribute__((warn_unused_result)) int virtq_read_chain(struct virtq *q,
                                                         const struct virtq_chain *chain,
                                                         uint64_t offset, void *buf, size_t len);
/*
 * Copy buf into the chain's device-writable buffers, starting `offset`
 * bytes into them; never into a readable buffer. 0,
 * -VIRTQ_E_WRITE_READONLY (not enough writable room; nothing written), or
 * -VIRTQ_E_BAD_GPA.
 */
__attribute__((warn_unused_result)) int virtq_write_chain(struct virtq *q,
                                                          const struct virtq_chain *chain,
                                                          uint64_t offset, const void *buf,
                                                          size_t len);

/*
 * Hand a popped chain back (§2.7.8): used ring entry {head, written_len},
 * then used idx + 1, in that order. 0, -VIRTQ_E_BAD_PUSH (head >= size or
 * nothing is outstanding), -VIRTQ_E_BAD_GPA, -VIRTQ_E_BROKEN.
 */
__attribute__((warn_unused_result)) int virtq_push(struct virtq *q, uint16_t head,
                                                   uint32_t written_len);

/*
 * After pushing: should the device send a used-buffer notification
 * (interrupt)? False when nothing was pushed since the last call. With
 * VIRTIO_F_EVENT_IDX the §2.7.7 rule: notify when used idx passed
 * used_event since the last notification (vring_need_event, 16-bit wrap);
 * without, unless avail flags has VIRTQ_AVAIL_F_NO_INTERRUPT. A ring the DMA
 * ops refuse reads as "notify" (the safe answer). Counted.
 */
bool virtq_should_notify(struct virtq *q);
/* The 16-bit arithmetic of §2.7.7: has idx passed event_idx, moving from old_idx to new_idx? */
bool virtq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx);

/*
 * Available buffer notification suppression (§2.7.10), while the device is
 * already processing: without EVENT_IDX, used flags VIRTQ_USED_F_NO_NOTIFY
 * set / cleared; with it, avail_event left alone / set to the device's next
 * avail position (the driver kicks when its idx passes it).
 * virtq_enable_kicks returns 1 when buffers arrived before the driver could
 * see the change (pop again), 0 when none, or -VIRTQ_E_BAD_GPA.
 */
int virtq_disable_kicks(struct virtq *q);
__attribute__((warn_unused_result)) int virtq_enable_kicks(struct virtq *q);

const struct virtq_stats *virtq_stats(const struct virtq *q);
void virtq_get_info(const struct virtq *q, struct virtq_info *out);

#endif
