/*
 * io/virtio_mmio.c - the virtio-mmio transport, version 2, on QEMU virt's
 * slots: empty slots (DeviceID 0) and slots with a device the VMM serves
 * (virtio-blk: io/virtio_blk.c). Feature negotiation, the device status
 * state machine, queue setup through QueueSel/QueueNum/QueueReady and the
 * ring addresses, the kick (QueueNotify) that runs the back end inside the
 * MMIO exit, InterruptStatus/ACK driving the slot's PLIC line.
 * Course: I/O虚拟化 / 半虚拟化 (virtio): 前端驱动 in the guest, 后端设备 in the
 *         VMM; the only exits are register accesses: the kick and the setup.
 * Spec: virtio 1.2 §4.2.2 "MMIO Device Register Layout", §4.2.3 "MMIO-specific
 *       Initialization And Device Operation", §3.1 "Device Initialization",
 *       §2.1 "Device Status Field", §2.2 "Feature Bits".
 * Simplified: no legacy (version 1) interface, no shared memory regions, no
 *       VIRTIO_F_NOTIFICATION_DATA or RING_RESET; config space is read-only
 *       and never changes (ConfigGeneration stays 0).
 */
#include "io/virtio_mmio.h"

#include <errno.h>
#include <stdlib.h>

#include "io/virtq.h"

static int empty_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    (void)dev;
    if (size != 4 || (offset & 3)) {
        return -1;
    }
    switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        *out = VIRTIO_MMIO_MAGIC;
        break;
    case VIRTIO_MMIO_VERSION_REG:
        *out = VIRTIO_MMIO_VERSION;
        break;
    case VIRTIO_MMIO_VENDOR_ID:
        *out = VIRTIO_MMIO_VENDOR;
        break;
    case VIRTIO_MMIO_DEVICE_ID: /* 0: no device in this slot */
    default:
        *out = 0;
        break;
    }
    return 0;
}

static int empty_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    (void)dev;
    (void)val;
    return size == 4 && !(offset & 3) ? 0 : -1;
}

const struct mmio_device_ops virtio_mmio_empty_ops = {
    .read = empty_read,
    .write = empty_write,
};

/* ------------------------------------------------- a slot with a device */

struct vmmio_queue {
    uint32_t num;                           /* QueueNum */
    bool ready;                             /* QueueReady */
    uint64_t desc_gpa, avail_gpa, used_gpa; /* QueueDesc / QueueDriver / QueueDevice */
    struct virtq *vq;
};

struct virtio_mmio {
    const struct virtio_dev_ops *ops;
    void *dev;
    virtio_irq_fn irq_fn;
    void *irq_ctx;
    uint32_t status;
    uint32_t dev_features_sel, drv_features_sel, queue_sel;
    uint64_t driver_features;
    uint32_t isr; /* InterruptStatus */
    bool line;
    struct vmmio_queue q[VIRTIO_MMIO_MAX_QUEUES];
    struct virtq_chain chain; /* the chain being served (large: kept here, not on the stack) */
    struct virtio_mmio_stats stats;
};

struct virtio_mmio *virtio_mmio_create(const struct virtio_dev_ops *ops, void *dev,
                                       struct virtq_dma dma, virtio_irq_fn irq_fn, void *irq_ctx)
{
    if (ops->nqueues > VIRTIO_MMIO_MAX_QUEUES) {
        return NULL;
    }
    struct virtio_mmio *t = calloc(1, sizeof(*t));
    if (!t) {
        return NULL;
    }
    t->ops = ops;
    t->dev = dev;
    t->irq_fn = irq_fn;
    t->irq_ctx = irq_ctx;
    for (unsigned i = 0; i < ops->nqueues; i++) {
        t->q[i].vq = virtq_create(dma);
        if (!t->q[i].vq) {
            virtio_mmio_destroy(t);
            return NULL;
        }
    }
    return t;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
    if (!t) {
        return;
    }
    for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
        virtq_destroy(t->q[i].vq);
    }
    free(t);
}

/* The line follows InterruptStatus: high while any bit is unacknowledged. */
static void update_line(struct virtio_mmio *t)
{
    bool level = t->isr != 0;
    if (level == t->line) {
        return;
    }
    t->line = level;
    if (level) {
        t->stats.interrupts++;
    }
    if (t->irq_fn) {
        t->irq_fn(t->irq_ctx, level);
    }
}

void virtio_mmio_reset(struct virtio_mmio *t)
{
    t->status = 0;
    t->dev_features_sel = 0;
    t->drv_features_sel = 0;
    t->queue_sel = 0;
    t->driver_features = 0;
    t->isr = 0;
    for (unsigned i = 0; i < t->ops->nqueues; i++) {
        struct virtq *vq = t->q[i].vq;
        t->q[i] = (struct vmmio_queue){.vq = vq};
        virtq_reset(vq);
    }
    update_line(t);
}

uint32_t virtio_mmio_status(const struct virtio_mmio *t)
{
    return t->status;
}

bool virtio_mmio_irq_level(const struct virtio_mmio *t)
{
    return t->line;
}

const struct virtio_mmio_stats *virtio_mmio_stats(const struct virtio_mmio *t)
{
    return &t->stats;
}

struct virtq *virtio_mmio_queue(struct virtio_mmio *t, unsigned qidx)
{
    return qidx < t->ops->nqueues ? t->q[qidx].vq : NULL;
}

/* §2.1: the driver broke a rule: NEEDS_RESET, a config change interrupt, counted. */
static void needs_reset(struct virtio_mmio *t)
{
    t->stats.errors++;
    t->status |= VIRTIO_STATUS_NEEDS_RESET;
    t->isr |= VIRTIO_MMIO_INT_CONFIG;
    update_line(t);
}

static struct vmmio_queue *selected_queue(struct virtio_mmio *t)
{
    return t->queue_sel < t->ops->nqueues ? &t->q[t->queue_sel] : NULL;
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t offset)
{
    struct vmmio_queue *q = selected_queue(t);
    switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        return VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION_REG:
        return VIRTIO_MMIO_VERSION;
    case VIRTIO_MMIO_DEVICE_ID:
        return t->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID:
        return VIRTIO_MMIO_VENDOR;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return t->dev_features_sel > 1
                   ? 0
                   : (uint32_t)(t->ops->features(t->dev) >> (32 * t->dev_features_sel));
    case VIRTIO_MMIO_QUEUE_NUM_MAX: /* 0: no such queue (§4.2.3.2) */
        return q ? VIRTIO_MMIO_QUEUE_NUM_MAX_VALUE : 0;
    case VIRTIO_MMIO_QUEUE_READY:
        return q && q->ready;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        return t->isr;
    case VIRTIO_MMIO_STATUS:
        return t->status;
    default: /* write-only registers, reserved space, ConfigGeneration: 0 */
        return 0;
    }
}

/*
 * §3.1 step 5: FEATURES_OK sticks only for features the device offered. A driver that leaves
 * out VERSION_1 breaks §6.1's MUST, and §6.2 lets the device refuse it; QEMU does not refuse,
 * and neither do we: xv6's driver never writes the high word (the split ring, the request
 * layout and the config space are the same on a little-endian guest).
 */
static uint32_t accept_features(struct virtio_mmio *t, uint32_t status)
{
    uint64_t offered = t->ops->features(t->dev);
    uint64_t asked = t->driver_features;
    if (asked & ~offered) {
        return status & ~VIRTIO_STATUS_FEATURES_OK;
    }
    if (t->ops->set_features) {
        t->ops->set_features(t->dev, asked);
    }
    return status;
}

static void write_status(struct virtio_mmio *t, uint32_t val)
{
    if (val == 0) {
        virtio_mmio_reset(t); /* §4.2.2: writing 0 resets the device */
        return;
    }
    uint32_t status =
        (val & 0xffu & ~VIRTIO_STATUS_NEEDS_RESET) | (t->status & VIRTIO_STATUS_NEEDS_RESET);
    if ((status & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK)) {
        status = accept_features(t, status);
    }
    if ((status & VIRTIO_STATUS_DRIVER_OK) && !(status & VIRTIO_STATUS_FEATURES_OK)) {
        t->status = status & ~VIRTIO_STATUS_DRIVER_OK;
        needs_reset(t); /* DRIVER_OK without agreed features */
        return;
    }
    t->status = status;
}

static void write_driver_features(struct virtio_mmio *t, uint32_t val)
{
    if (t->status & VIRTIO_STATUS_FEATURES_OK || t->drv_features_sel > 1) {
        return; /* §3.1: features are fixed once FEATURES_OK is set */
    }
    unsigned shift = 32 * t->drv_features_sel;
    t->driver_features = (t->driver_features & ~(0xffffffffull << shift)) | (uint64_t)val << shift;
}

/* QueueReady = 1: the rings are where the driver said; a queue that cannot be is a bad driver. */
static void write_queue_ready(struct virtio_mmio *t, struct vmmio_queue *q, uint32_t val)
{
    if (!q) {
        needs_reset(t);
        return;
    }
    if (!val) {
        q->ready = false;
        virtq_reset(q->vq);
        return;
    }
    if (q->ready) {
        return;
    }
    if (q->num == 0 || q->num > VIRTIO_MMIO_QUEUE_NUM_MAX_VALUE ||
        virtq_init(q->vq, q->num, q->desc_gpa, q->avail_gpa, q->used_gpa, t->driver_features) !=
            0) {
        needs_reset(t);
        return;
    }
    q->ready = true;
}

/* Serve every available chain (the loop of io/virtq.h); < 0: the queue lied. */
static int serve_queue(struct virtio_mmio *t, unsigned qidx, struct virtq *vq)
{
    int rc;
    virtq_disable_kicks(vq);
    for (;;) {
        while ((rc = virtq_pop(vq, &t->chain)) == 0) {
            uint32_t written = 0;
            rc = t->ops->request(t->dev, qidx, vq, &t->chain, &written);
            if (rc == 0) {
                rc = virtq_push(vq, t->chain.head, written);
            }
            if (rc != 0) {
                return rc;
            }
        }
        if (rc != -EAGAIN) {
            return rc;
        }
        rc = virtq_enable_kicks(vq);
        if (rc != 1) {
            return rc;
        }
        virtq_disable_kicks(vq);
    }
}

/* QueueNotify: the back end runs now, inside this exit; then the used-buffer interrupt. */
static void kick(struct virtio_mmio *t, uint32_t qidx)
{
    if (t->status & VIRTIO_STATUS_NEEDS_RESET) {
        return; /* §2.1: a device needing reset stops processing its queues */
    }
    if (!(t->status & VIRTIO_STATUS_DRIVER_OK) || qidx >= t->ops->nqueues || !t->q[qidx].ready) {
        needs_reset(t);
        return;
    }
    t->stats.kicks++;
    struct virtq *vq = t->q[qidx].vq;
    int rc = serve_queue(t, qidx, vq);
    if (virtq_should_notify(vq)) {
        t->isr |= VIRTIO_MMIO_INT_VRING;
        update_line(t);
    }
    if (rc < 0) {
        needs_reset(t);
    }
}

static void set_half(uint64_t *reg, bool high, uint32_t val)
{
    unsigned shift = high ? 32 : 0;
    *reg = (*reg & ~(0xffffffffull << shift)) | (uint64_t)val << shift;
}

/* QueueNum and the ring addresses: only while the selected queue is not ready. */
static void write_queue_reg(struct virtio_mmio *t, uint64_t offset, uint32_t val)
{
    struct vmmio_queue *q = selected_queue(t);
    if (!q || q->ready) {
        return;
    }
    switch (offset) {
    case VIRTIO_MMIO_QUEUE_NUM:
        q->num = val;
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        set_half(&q->desc_gpa, offset == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
        break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        set_half(&q->avail_gpa, offset == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, val);
        break;
    default:
        set_half(&q->used_gpa, offset == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, val);
        break;
    }
}

static void write_reg(struct virtio_mmio *t, uint64_t offset, uint32_t val)
{
    switch (offset) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        t->dev_features_sel = val;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        write_driver_features(t, val);
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        t->drv_features_sel = val;
        break;
    case VIRTIO_MMIO_QUEUE_SEL:
        t->queue_sel = val;
        break;
    case VIRTIO_MMIO_QUEUE_NUM:
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        write_queue_reg(t, offset, val);
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        write_queue_ready(t, selected_queue(t), val);
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        kick(t, val);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        t->isr &= ~val;
        update_line(t);
        break;
    case VIRTIO_MMIO_STATUS:
        write_status(t, val);
        break;
    default: /* read-only and reserved registers: ignored */
        break;
    }
}

static bool config_size_ok(uint64_t offset, unsigned size)
{
    return (size == 1 || size == 2 || size == 4 || size == 8) && !(offset & (size - 1));
}

static int dev_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    struct virtio_mmio *t = dev;
    t->stats.exits++;
    if (offset >= VIRTIO_MMIO_CONFIG) {
        if (!config_size_ok(offset, size)) {
            return -1;
        }
        return t->ops->config_read(t->dev, offset - VIRTIO_MMIO_CONFIG, size, out);
    }
    if (size != 4 || (offset & 3)) {
        return -1;
    }
    *out = read_reg(t, offset);
    return 0;
}

static int dev_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct virtio_mmio *t = dev;
    t->stats.exits++;
    if (offset >= VIRTIO_MMIO_CONFIG) {
        return config_size_ok(offset, size) ? 0 : -1; /* read-only config: ignored */
    }
    if (size != 4 || (offset & 3)) {
        return -1;
    }
    write_reg(t, offset, (uint32_t)val);
    return 0;
}

const struct mmio_device_ops virtio_mmio_ops = {
    .read = dev_read,
    .write = dev_write,
};
