/*
 * io/virtio_mmio.h - the virtio-mmio transport (version 2) on QEMU virt's
 * slots: empty slots, and a slot with a device the VMM serves behind it.
 * Course: I/O虚拟化 / 半虚拟化 (virtio): where a virtio device's registers
 *         sit, how the front end (guest driver) and the back end (the VMM)
 *         agree on features and queues, and the kick / interrupt pair.
 * Spec: virtio 1.2 §4.2.2 "MMIO Device Register Layout", §3.1 "Device
 *       Initialization", §2.1 "Device Status Field", §2.2 "Feature Bits".
 *
 * Register window (aligned 4-byte accesses; the config space at 0x100 also
 * takes aligned 1-, 2- and 8-byte accesses):
 *
 *   0x000 MagicValue R  0x004 Version R  0x008 DeviceID R  0x00c VendorID R
 *   0x010 DeviceFeatures R      0x014 DeviceFeaturesSel W
 *   0x020 DriverFeatures W      0x024 DriverFeaturesSel W
 *   0x030 QueueSel W  0x034 QueueNumMax R  0x038 QueueNum W  0x044 QueueReady RW
 *   0x050 QueueNotify W   0x060 InterruptStatus R   0x064 InterruptACK W
 *   0x070 Status RW
 *   0x080/0x084 QueueDescLow/High W   0x090/0x094 QueueDriverLow/High W
 *   0x0a0/0x0a4 QueueDeviceLow/High W 0x0fc ConfigGeneration R   0x100.. Config
 *
 * The back end runs on the kick: a QueueNotify write processes the queue
 * during that MMIO exit, and the used-buffer interrupt is raised before the
 * exit returns. A driver that breaks the rules (a queue that lies, a kick
 * before DRIVER_OK, a bad queue size) puts the device in DEVICE_NEEDS_RESET
 * with a configuration change interrupt, counted in errors.
 */
#ifndef VMLAB_IO_VIRTIO_MMIO_H
#define VMLAB_IO_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/io.h"
#include "io/virtq.h"

#define VIRTIO_MMIO_MAGIC   0x74726976u /* "virt", little-endian */
#define VIRTIO_MMIO_VERSION 2u          /* the modern (non-legacy) interface */
#define VIRTIO_MMIO_VENDOR  0x554d4551u /* "QEMU": what drivers for QEMU virt expect */

#define VIRTIO_MMIO_MAGIC_VALUE         0x000u
#define VIRTIO_MMIO_VERSION_REG         0x004u
#define VIRTIO_MMIO_DEVICE_ID           0x008u
#define VIRTIO_MMIO_VENDOR_ID           0x00cu
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010u
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014u
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020u
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024u
#define VIRTIO_MMIO_QUEUE_SEL           0x030u
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034u
#define VIRTIO_MMIO_QUEUE_NUM           0x038u
#define VIRTIO_MMIO_QUEUE_READY         0x044u
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050u
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060u
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064u
#define VIRTIO_MMIO_STATUS              0x070u
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080u
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084u
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090u
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094u
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0u
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4u
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fcu
#define VIRTIO_MMIO_CONFIG              0x100u

/* Version 1, the legacy interface (§4.2.4, --virtio-legacy): registers only it has. */
#define VIRTIO_MMIO_LEGACY_VERSION  1u
#define VIRTIO_MMIO_GUEST_PAGE_SIZE 0x028u /* W: the unit of QueuePFN */
#define VIRTIO_MMIO_QUEUE_ALIGN     0x03cu /* W: the used ring's alignment */
#define VIRTIO_MMIO_QUEUE_PFN       0x040u /* RW: the queue's page frame; 0 stops it */

#define VIRTIO_MMIO_QUEUE_NUM_MAX_VALUE 256u /* what QueueNumMax reads */
#define VIRTIO_MMIO_MAX_QUEUES          4u

/* §2.1 device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER      2u
#define VIRTIO_STATUS_DRIVER_OK   4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED      0x80u

/* InterruptStatus bits (§4.2.2). */
#define VIRTIO_MMIO_INT_VRING  1u /* used buffer notification */
#define VIRTIO_MMIO_INT_CONFIG 2u /* configuration change (and NEEDS_RESET) */

#define VIRTIO_F_VERSION_1 32 /* §6: a modern device; required by this transport */

/*
 * An empty slot: MagicValue, Version 2 and VendorID read as a slot does;
 * DeviceID reads 0, "no device" (§4.2.2: "the driver MUST ignore a device
 * with DeviceID 0x0"), every other register reads 0 and writes are ignored.
 * Only aligned 4-byte accesses: anything else is refused (an access fault).
 */
extern const struct mmio_device_ops virtio_mmio_empty_ops;

struct virtq;
struct virtq_chain;
struct gmem;

/* What a device type (virtio-blk, ...) plugs into the transport. */
struct virtio_dev_ops {
    uint32_t device_id; /* §5: 2 = block device */
    unsigned nqueues;   /* <= VIRTIO_MMIO_MAX_QUEUES */
    uint64_t (*features)(void *dev);
    /* Config space read at `offset` (from 0x100), size 1/2/4/8: 0, or -1 to refuse. */
    int (*config_read)(void *dev, uint64_t offset, unsigned size, uint64_t *out);
    /* The driver set FEATURES_OK with these (already checked as a subset). */
    void (*set_features)(void *dev, uint64_t features);
    /*
     * One popped chain of queue `qidx`: serve it and say how many bytes it
     * wrote into the chain (the transport pushes it). 0, or a negative
     * -VIRTQ_E_* when the chain itself is a lie (not pushed; NEEDS_RESET).
     */
    int (*request)(void *dev, unsigned qidx, struct virtq *q, const struct virtq_chain *chain,
                   uint32_t *written_len);
};

/* The slot's interrupt line (a PLIC source): called when its level changes. */
typedef void (*virtio_irq_fn)(void *ctx, bool level);

struct virtio_mmio_stats {
    uint64_t exits;      /* register accesses, each an MMIO exit */
    uint64_t kicks;      /* QueueNotify writes that ran the back end */
    uint64_t interrupts; /* rising edges of the line */
    uint64_t errors;     /* driver misbehaviour that set NEEDS_RESET (or was refused) */
};

struct virtio_mmio;

/*
 * A transport for `dev`, its queues' DMA through `dma`: virtq_dma_gmem(gm)
 * for a device the VMM serves, the IOMMU for a passthrough VF. NULL: out of
 * memory.
 */
struct virtio_mmio *virtio_mmio_create(const struct virtio_dev_ops *ops, void *dev,
                                       struct virtq_dma dma, virtio_irq_fn irq_fn, void *irq_ctx);
void virtio_mmio_destroy(struct virtio_mmio *t);
/* Device reset (the driver writing Status 0, or a machine reset): line low; counters kept. */
void virtio_mmio_reset(struct virtio_mmio *t);
uint32_t virtio_mmio_status(const struct virtio_mmio *t);
bool virtio_mmio_irq_level(const struct virtio_mmio *t);
const struct virtio_mmio_stats *virtio_mmio_stats(const struct virtio_mmio *t);
/* The queue behind index qidx (for `vq dump`), NULL when out of range. */
struct virtq *virtio_mmio_queue(struct virtio_mmio *t, unsigned qidx);

/*
 * --virtio-legacy: the slot speaks version 1 (§4.2.4 "Legacy interface"):
 * Version reads 1; GuestPageSize, QueueAlign and QueuePFN place a queue (the
 * layout below), QueueReady and the Desc/Driver/Device address registers are
 * absent; no FEATURES_OK step (the driver's features are taken, masked to
 * what was offered, when a queue is placed and at DRIVER_OK); 32-bit
 * features only (DeviceFeaturesSel 1 reads 0, so VERSION_1 is not offered).
 * Call before the guest runs (and again after a reset: it is kept).
 */
void virtio_mmio_set_legacy(struct virtio_mmio *t, bool legacy);
/* An empty slot that reads Version 1 (the legacy board). */
extern const struct mmio_device_ops virtio_mmio_empty_legacy_ops;

/*
 * The legacy queue layout (§2.7 legacy "Virtqueue Layout", §4.2.4): the
 * descriptor table at pfn * page_size, the available ring right after it
 * (16 * num bytes on), the used ring at the next multiple of `align` after
 * the available ring's 6 + 2 * num bytes. 0, or -1 when page_size or align
 * is not a power of two, or num is 0.
 */
struct virtio_legacy_layout {
    gpa_t desc_gpa, avail_gpa, used_gpa;
};
int virtio_legacy_layout(uint32_t pfn, uint32_t page_size, uint32_t align, uint32_t num,
                         struct virtio_legacy_layout *out);

/* For `info devices`: the transport's state as the driver left it. */
struct virtio_mmio_info {
    unsigned version; /* 2, or 1 with --virtio-legacy */
    uint32_t device_id;
    uint32_t status;
    uint64_t device_features, driver_features; /* offered (as the version shows them), asked */
    uint32_t isr;
    bool line;
    unsigned nqueues;
    uint32_t queue_num[VIRTIO_MMIO_MAX_QUEUES];
    bool queue_ready[VIRTIO_MMIO_MAX_QUEUES];
    uint32_t guest_page_size; /* legacy only */
};
void virtio_mmio_get_info(const struct virtio_mmio *t, struct virtio_mmio_info *out);

/*
 * --trace io: one line per register access to `out` ("io NAME R|W REGISTER
 * +OFFSET SIZE VALUE"); out NULL: off. `name` is kept (not copied).
 */
void virtio_mmio_set_trace(struct virtio_mmio *t, FILE *out, const char *name);
/* The register's name at offset ("QueueNotify", "Config+0x8", ...): a static string or buf. */
const char *virtio_mmio_reg_name(uint64_t offset, bool legacy, char *buf, size_t len);

/* MMIO: dev is the struct virtio_mmio. */
extern const struct mmio_device_ops virtio_mmio_ops;

#endif
