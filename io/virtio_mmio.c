/*
 * io/virtio_mmio.c - the virtio-mmio transport, version 2, on QEMU virt's
 * slots: empty slots (DeviceID 0) and slots with a device the VMM serves
 * (virtio-blk: io/virtio_blk.c). Feature negotiation, the device status
 * state machine, queue setup through QueueSel/QueueNum/QueueReady and the
 * ring addresses, the kick (QueueNotify) that runs the back end inside the
 * MMIO exit, InterruptStatus/ACK driving the slot's PLIC line.
 * Course: I/O虚拟化 / 半虚拟化 (virtio): 前端驱动 in the guest, 后端设备 in the
 *         VMM; the only exits are register accesses: the kick and the setup.
 * With --virtio-legacy the slots speak version 1 instead (§4.2.4): the queue
 * placed by one page frame number, no FEATURES_OK step, 32-bit features.
 * --trace io: one line per register access (virtio_mmio_set_trace).
 * Spec: virtio 1.2 §4.2.2 "MMIO Device Register Layout", §4.2.3 "MMIO-specific
 *       Initialization And Device Operation", §4.2.4 "Legacy interface",
 *       §2.7 "Split Virtqueues" (legacy "Virtqueue Layout"), §3.1 "Device
 *       Initialization", §2.1 "Device Status Field", §2.2 "Feature Bits".
 * Simplified: no shared memory regions, no VIRTIO_F_NOTIFICATION_DATA or
 *       RING_RESET; config space is read-only and never changes
 *       (ConfigGeneration stays 0); legacy is little-endian only (as RISC-V).
 */
#include "io/virtio_mmio.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "io/virtq.h"

/* An empty slot; `version` is 2, or 1 for the legacy board. */
static int empty_read_version(uint64_t offset, unsigned size, uint64_t *out, unsigned version)
{
    if (size != 4 || (offset & 3)) {
        return -1;
    }
    switch (offset) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        *out = VIRTIO_MMIO_MAGIC;
        break;
    case VIRTIO_MMIO_VERSION_REG:
        *out = version;
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

static int empty_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    (void)dev;
    return empty_read_version(offset, size, out, VIRTIO_MMIO_VERSION);
}

static int empty_read_legacy(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    (void)dev;
    return empty_read_version(offset, size, out, VIRTIO_MMIO_LEGACY_VERSION);
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

const struct mmio_device_ops virtio_mmio_empty_legacy_ops = {
    .read = empty_read_legacy,
    .write = empty_write,
};

/* ------------------------------------------------- a slot with a device */

struct vmmio_queue {
    uint32_t num;                           /* QueueNum */
    bool ready;                             /* QueueReady */
    uint64_t desc_gpa, avail_gpa, used_gpa; /* QueueDesc / QueueDriver / QueueDevice */
    uint32_t align, pfn;                    /* legacy: QueueAlign, QueuePFN */
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
    bool legacy;              /* --virtio-legacy: version 1 */
    uint32_t guest_page_size; /* legacy: GuestPageSize */
    FILE *trace_out;          /* --trace io, NULL: off */
    const char *trace_name;
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
    t->driver_features = 0; /* GuestPageSize is kept: drivers write it once, before the reset */
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

/* The features the device offers as this version shows them: legacy has 32 bits only. */
static uint64_t offered_features(const struct virtio_mmio *t)
{
    uint64_t f = t->ops->features(t->dev);
    return t->legacy ? f & 0xffffffffull : f;
}

/* Legacy registers (§4.2.4); *out set and true when offset is one of them. */
static bool read_legacy_reg(const struct virtio_mmio *t, const struct vmmio_queue *q,
                            uint64_t offset, uint32_t *out)
{
    switch (offset) {
    case VIRTIO_MMIO_VERSION_REG:
        *out = VIRTIO_MMIO_LEGACY_VERSION;
        return true;
    case VIRTIO_MMIO_QUEUE_PFN:
        *out = q ? q->pfn : 0;
        return true;
    case VIRTIO_MMIO_QUEUE_READY: /* absent in version 1: reserved, reads 0 */
        *out = 0;
        return true;
    default:
        (void)t;
        return false;
    }
}

static uint32_t read_reg(struct virtio_mmio *t, uint64_t offset)
{
    struct vmmio_queue *q = selected_queue(t);
    uint32_t legacy_value;
    if (t->legacy && read_legacy_reg(t, q, offset, &legacy_value)) {
        return legacy_value;
    }
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
                   : (uint32_t)(offered_features(t) >> (32 * t->dev_features_sel));
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

/* Legacy (§4.2.4): no FEATURES_OK; what the driver wrote, masked to the offer, is taken. */
static void legacy_take_features(struct virtio_mmio *t)
{
    t->driver_features &= offered_features(t);
    if (t->ops->set_features) {
        t->ops->set_features(t->dev, t->driver_features);
    }
}

static void write_status(struct virtio_mmio *t, uint32_t val)
{
    if (val == 0) {
        virtio_mmio_reset(t); /* §4.2.2: writing 0 resets the device */
        return;
    }
    uint32_t status =
        (val & 0xffu & ~VIRTIO_STATUS_NEEDS_RESET) | (t->status & VIRTIO_STATUS_NEEDS_RESET);
    if (t->legacy) {
        if ((status & VIRTIO_STATUS_DRIVER_OK) && !(t->status & VIRTIO_STATUS_DRIVER_OK)) {
            legacy_take_features(t);
        }
        t->status = status;
        return;
    }
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
    if (t->legacy && (t->drv_features_sel != 0 || t->status & VIRTIO_STATUS_DRIVER_OK)) {
        return; /* legacy: 32 bits, fixed once the driver is running */
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

int virtio_legacy_layout(uint32_t pfn, uint32_t page_size, uint32_t align, uint32_t num,
                         struct virtio_legacy_layout *out)
{
    if (page_size == 0 || (page_size & (page_size - 1)) || align == 0 || (align & (align - 1)) ||
        num == 0) {
        return -1;
    }
    out->desc_gpa = (uint64_t)pfn * page_size;
    out->avail_gpa = out->desc_gpa + (uint64_t)VIRTQ_DESC_SIZE * num;
    uint64_t avail_end = out->avail_gpa + 6 + 2ull * num; /* flags, idx, ring[num], used_event */
    out->used_gpa = (avail_end + align - 1) & ~((uint64_t)align - 1);
    return 0;
}

/* Legacy QueuePFN: 0 stops the queue; else the queue is placed and ready (a bad one: reset). */
static void write_queue_pfn(struct virtio_mmio *t, struct vmmio_queue *q, uint32_t val)
{
    struct virtio_legacy_layout lay;
    if (!q) {
        needs_reset(t);
        return;
    }
    q->pfn = val;
    q->ready = false;
    virtq_reset(q->vq);
    if (val == 0) {
        return;
    }
    legacy_take_features(t); /* the ring format (INDIRECT, EVENT_IDX) depends on them */
    if (q->num == 0 || q->num > VIRTIO_MMIO_QUEUE_NUM_MAX_VALUE ||
        virtio_legacy_layout(val, t->guest_page_size, q->align, q->num, &lay) != 0 ||
        virtq_init(q->vq, q->num, lay.desc_gpa, lay.avail_gpa, lay.used_gpa, t->driver_features) !=
            0) {
        needs_reset(t);
        return;
    }
    q->desc_gpa = lay.desc_gpa;
    q->avail_gpa = lay.avail_gpa;
    q->used_gpa = lay.used_gpa;
    q->ready = true;
}

/* QueueReady and the ring address registers: version 2's, absent in version 1. */
static bool is_v2_only_reg(uint64_t offset)
{
    switch (offset) {
    case VIRTIO_MMIO_QUEUE_READY:
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        return true;
    default:
        return false;
    }
}

/* Version 1's own registers; true when offset was one (handled). */
static bool write_legacy_reg(struct virtio_mmio *t, uint64_t offset, uint32_t val)
{
    struct vmmio_queue *q = selected_queue(t);
    switch (offset) {
    case VIRTIO_MMIO_GUEST_PAGE_SIZE:
        t->guest_page_size = val;
        return true;
    case VIRTIO_MMIO_QUEUE_ALIGN:
        if (q && !q->ready) {
            q->align = val;
        }
        return true;
    case VIRTIO_MMIO_QUEUE_PFN:
        write_queue_pfn(t, q, val);
        return true;
    default:
        return is_v2_only_reg(offset); /* absent in version 1: the write is ignored */
    }
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
    if (t->legacy && write_legacy_reg(t, offset, val)) {
        return;
    }
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

/* --trace io: one register access (a refused one says so). */
static void trace_access(const struct virtio_mmio *t, char rw, uint64_t offset, unsigned size,
                         uint64_t val, int rc)
{
    char buf[32];
    fprintf(t->trace_out, "io %s %c %-18s +0x%03" PRIx64 " %u 0x%" PRIx64 "%s\n", t->trace_name, rw,
            virtio_mmio_reg_name(offset, t->legacy, buf, sizeof(buf)), offset, size, val,
            rc ? " refused" : "");
}

static int access_read(struct virtio_mmio *t, uint64_t offset, unsigned size, uint64_t *out)
{
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

static int dev_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    struct virtio_mmio *t = dev;
    t->stats.exits++;
    int rc = access_read(t, offset, size, out);
    if (t->trace_out) {
        trace_access(t, 'R', offset, size, rc ? 0 : *out, rc);
    }
    return rc;
}

static int dev_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct virtio_mmio *t = dev;
    t->stats.exits++;
    int rc = 0;
    if (offset >= VIRTIO_MMIO_CONFIG) {
        rc = config_size_ok(offset, size) ? 0 : -1; /* read-only config: ignored */
    } else if (size != 4 || (offset & 3)) {
        rc = -1;
    }
    if (t->trace_out) { /* before the write runs: its requests' lines follow it */
        trace_access(t, 'W', offset, size, val, rc);
    }
    if (rc == 0 && offset < VIRTIO_MMIO_CONFIG) {
        write_reg(t, offset, (uint32_t)val);
    }
    return rc;
}

const struct mmio_device_ops virtio_mmio_ops = {
    .read = dev_read,
    .write = dev_write,
};

/* ---------------------------------------------- legacy, info and trace */

void virtio_mmio_set_legacy(struct virtio_mmio *t, bool legacy)
{
    t->legacy = legacy;
}

void virtio_mmio_get_info(const struct virtio_mmio *t, struct virtio_mmio_info *out)
{
    *out = (struct virtio_mmio_info){
        .version = t->legacy ? VIRTIO_MMIO_LEGACY_VERSION : VIRTIO_MMIO_VERSION,
        .device_id = t->ops->device_id,
        .status = t->status,
        .device_features = offered_features(t),
        .driver_features = t->driver_features,
        .isr = t->isr,
        .line = t->line,
        .nqueues = t->ops->nqueues,
        .guest_page_size = t->guest_page_size,
    };
    for (unsigned i = 0; i < t->ops->nqueues; i++) {
        out->queue_num[i] = t->q[i].num;
        out->queue_ready[i] = t->q[i].ready;
    }
}

void virtio_mmio_set_trace(struct virtio_mmio *t, FILE *out, const char *name)
{
    t->trace_out = out;
    t->trace_name = name;
}

/* §4.2.2's register names (and §4.2.4's for version 1), by offset / 4. */
static const char *const reg_names[VIRTIO_MMIO_CONFIG / 4] = {
    [0x000 / 4] = "MagicValue",       [0x004 / 4] = "Version",
    [0x008 / 4] = "DeviceID",         [0x00c / 4] = "VendorID",
    [0x010 / 4] = "DeviceFeatures",   [0x014 / 4] = "DeviceFeaturesSel",
    [0x020 / 4] = "DriverFeatures",   [0x024 / 4] = "DriverFeaturesSel",
    [0x030 / 4] = "QueueSel",         [0x034 / 4] = "QueueNumMax",
    [0x038 / 4] = "QueueNum",         [0x044 / 4] = "QueueReady",
    [0x050 / 4] = "QueueNotify",      [0x060 / 4] = "InterruptStatus",
    [0x064 / 4] = "InterruptACK",     [0x070 / 4] = "Status",
    [0x080 / 4] = "QueueDescLow",     [0x084 / 4] = "QueueDescHigh",
    [0x090 / 4] = "QueueDriverLow",   [0x094 / 4] = "QueueDriverHigh",
    [0x0a0 / 4] = "QueueDeviceLow",   [0x0a4 / 4] = "QueueDeviceHigh",
    [0x0fc / 4] = "ConfigGeneration",
};

const char *virtio_mmio_reg_name(uint64_t offset, bool legacy, char *buf, size_t len)
{
    if (offset >= VIRTIO_MMIO_CONFIG) {
        snprintf(buf, len, "Config+0x%" PRIx64, offset - VIRTIO_MMIO_CONFIG);
        return buf;
    }
    if (legacy) {
        switch (offset) {
        case VIRTIO_MMIO_GUEST_PAGE_SIZE:
            return "GuestPageSize";
        case VIRTIO_MMIO_QUEUE_ALIGN:
            return "QueueAlign";
        case VIRTIO_MMIO_QUEUE_PFN:
            return "QueuePFN";
        default:
            if (is_v2_only_reg(offset)) {
                return "reserved";
            }
            break;
        }
    }
    if ((offset & 3) == 0 && reg_names[offset / 4]) {
        return reg_names[offset / 4];
    }
    return "reserved";
}
