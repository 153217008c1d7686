/*
 * io/virtq.c - the device side of one split virtqueue: pop a chain the
 * driver made available, copy between it and the VMM, push it to the used
 * ring, decide whether to interrupt, and suppress kicks.
 * Course: I/O虚拟化 / 半虚拟化 (virtio 后端): the descriptor table (描述符表),
 *         the available ring (可用环, driver -> device) and the used ring
 *         (已用环, device -> driver) live in guest memory; the VMM reads and
 *         writes them as counted DMA, never trusting what it reads.
 * Spec: virtio 1.2, §2.7 "Split Virtqueues": §2.7.5 "The Virtqueue
 *       Descriptor Table", §2.7.5.3 "Indirect Descriptors", §2.7.6 "The
 *       Virtqueue Available Ring", §2.7.7 "Used Buffer Notification
 *       Suppression", §2.7.8 "The Virtqueue Used Ring", §2.7.10 "Available
 *       Buffer Notification Suppression"; §2.1 "Device Status Field"
 *       (NEEDS_RESET, done by the transport: see io/virtq.h).
 *
 * Simplified: the whole chain is walked and checked at pop (never lazily
 * while copying); loops are found with a visited bitmap per table; limits
 * VIRTQ_MAX_SEGS buffers and VIRTQ_MAX_CHAIN_BYTES bytes per chain; buffers
 * are checked whole at pop when the DMA ops can (ops->check); one
 * thread per queue; no packed ring, no VIRTIO_F_IN_ORDER.
 */
#include "io/virtq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/mmu.h"

#define BITMAP_WORDS (VIRTQ_MAX_SIZE / 64)

struct virtq {
    struct virtq_dma dma;
    bool is_ready, is_broken;
    unsigned size;
    gpa_t desc_gpa, avail_gpa, used_gpa;
    bool has_indirect, has_event_idx;
    uint16_t last_avail_idx;    /* next avail ring position the device reads */
    uint16_t used_idx;          /* used idx as the device last wrote it */
    uint16_t notified_used_idx; /* used idx at the last virtq_should_notify */
    unsigned inflight;          /* popped, not yet pushed */
    bool kicks_enabled;
    uint64_t visited[BITMAP_WORDS];     /* descriptor table entries seen in this chain */
    uint64_t visited_ind[BITMAP_WORDS]; /* indirect table entries seen in this chain */
    struct virtq_stats stats;
};

/* One descriptor, decoded (§2.7.5). */
struct virtq_desc {
    uint64_t gpa;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

/* The table a walk is in: the queue's own, or one indirect table. */
struct desc_table {
    gpa_t gpa;
    unsigned entries;
    uint64_t *visited;
    bool is_indirect;
};

static const char *const virtq_error_names[VIRTQ_E_COUNT] = {
    [VIRTQ_E_SIZE - VIRTQ_E_FIRST] = "size",
    [VIRTQ_E_ALIGN - VIRTQ_E_FIRST] = "align",
    [VIRTQ_E_AVAIL_IDX - VIRTQ_E_FIRST] = "avail_idx",
    [VIRTQ_E_HEAD_RANGE - VIRTQ_E_FIRST] = "head_range",
    [VIRTQ_E_NEXT_RANGE - VIRTQ_E_FIRST] = "next_range",
    [VIRTQ_E_LOOP - VIRTQ_E_FIRST] = "loop",
    [VIRTQ_E_CHAIN_TOO_LONG - VIRTQ_E_FIRST] = "chain_too_long",
    [VIRTQ_E_TOO_MANY_SEGS - VIRTQ_E_FIRST] = "too_many_segs",
    [VIRTQ_E_NESTED_INDIRECT - VIRTQ_E_FIRST] = "nested_indirect",
    [VIRTQ_E_INDIRECT_LEN - VIRTQ_E_FIRST] = "indirect_len",
    [VIRTQ_E_INDIRECT_NEXT - VIRTQ_E_FIRST] = "indirect_next",
    [VIRTQ_E_INDIRECT_FEATURE - VIRTQ_E_FIRST] = "indirect_feature",
    [VIRTQ_E_GPA_WRAP - VIRTQ_E_FIRST] = "gpa_wrap",
    [VIRTQ_E_BAD_GPA - VIRTQ_E_FIRST] = "bad_gpa",
    [VIRTQ_E_TOO_BIG - VIRTQ_E_FIRST] = "too_big",
    [VIRTQ_E_ORDER - VIRTQ_E_FIRST] = "order",
    [VIRTQ_E_READ_SHORT - VIRTQ_E_FIRST] = "read_short",
    [VIRTQ_E_WRITE_READONLY - VIRTQ_E_FIRST] = "write_readonly",
    [VIRTQ_E_BROKEN - VIRTQ_E_FIRST] = "broken",
    [VIRTQ_E_NOT_READY - VIRTQ_E_FIRST] = "not_ready",
    [VIRTQ_E_BAD_PUSH - VIRTQ_E_FIRST] = "bad_push",
};

const char *virtq_error_name(int err)
{
    if (err < 0) {
        err = -err;
    }
    if (err < VIRTQ_E_FIRST || err >= VIRTQ_E_END) {
        return NULL;
    }
    return virtq_error_names[err - VIRTQ_E_FIRST];
}

/* ------------------------------------------------------------ errors */

/* Count an error that leaves the queue usable; returns the code to hand back. */
static int virtq_count(struct virtq *q, enum virtq_error e)
{
    q->stats.errors[e - VIRTQ_E_FIRST]++;
    return -(int)e;
}

/* The driver lied about the rings: count it and stop trusting the queue. */
static int virtq_lie(struct virtq *q, enum virtq_error e)
{
    q->is_broken = true;
    return virtq_count(q, e);
}

/* Does [gpa, gpa + len) wrap past 2^64? */
static bool gpa_range_wraps(gpa_t gpa, uint64_t len)
{
    return len > 0 && gpa + (len - 1) < gpa;
}

/* --------------------------------------------------------------- DMA */

static int gmem_dma_read(void *ctx, gpa_t gpa, void *buf, size_t len)
{
    return gmem_read(ctx, gpa, buf, len);
}

/* Is all of [gpa, gpa + len) memory the device may read (RAM, ROM) or write (RAM)? */
static int gmem_dma_check(void *ctx, gpa_t gpa, uint64_t len, bool is_write)
{
    const struct gmem *gm = ctx;

    if (len == 0) {
        return 0;
    }
    if (gpa_range_wraps(gpa, len)) {
        return -EFAULT;
    }
    gpa_t last_page = (gpa + (len - 1)) & ~PAGE_MASK;
    for (gpa_t page = gpa & ~PAGE_MASK;; page += PAGE_SIZE) {
        struct gpa_info info;
        gmem_lookup(gm, page, &info);
        if (info.kind != GPA_RAM && (is_write || info.kind != GPA_ROM)) {
            return -EFAULT;
        }
        if (page == last_page) {
            return 0;
        }
    }
}

/* A device writes RAM only: ROM is the guest's read-only memory, MMIO is no memory. */
static int gmem_dma_write(void *ctx, gpa_t gpa, const void *buf, size_t len)
{
    if (gmem_dma_check(ctx, gpa, len, true) != 0) {
        return -EFAULT;
    }
    return gmem_write(ctx, gpa, buf, len);
}

static const struct virtq_dma_ops gmem_dma_ops = {
    .read = gmem_dma_read,
    .write = gmem_dma_write,
    .check = gmem_dma_check,
};

struct virtq_dma virtq_dma_gmem(struct gmem *gm)
{
    struct virtq_dma dma = {.ops = &gmem_dma_ops, .ctx = gm};
    return dma;
}

/* Every access to guest memory goes through these two, counted. */
static int dma_read(struct virtq *q, gpa_t gpa, void *buf, size_t len)
{
    if (q->dma.ops->read(q->dma.ctx, gpa, buf, len) != 0) {
        return -EFAULT;
    }
    q->stats.mem_reads++;
    q->stats.mem_read_bytes += len;
    return 0;
}

static int dma_write(struct virtq *q, gpa_t gpa, const void *buf, size_t len)
{
    if (q->dma.ops->write(q->dma.ctx, gpa, buf, len) != 0) {
        return -EFAULT;
    }
    q->stats.mem_writes++;
    q->stats.mem_write_bytes += len;
    return 0;
}

/* Virtio rings are little-endian (§2.7 "le16", "le32", "le64"), whatever the host is. */
static uint16_t load_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)load_le16(p) | ((uint32_t)load_le16(p + 2) << 16);
}

static uint64_t load_le64(const uint8_t *p)
{
    return (uint64_t)load_le32(p) | ((uint64_t)load_le32(p + 4) << 32);
}

static void store_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void store_le32(uint8_t *p, uint32_t v)
{
    store_le16(p, (uint16_t)v);
    store_le16(p + 2, (uint16_t)(v >> 16));
}

static int read_u16(struct virtq *q, gpa_t gpa, uint16_t *out)
{
    uint8_t b[2];
    if (dma_read(q, gpa, b, sizeof(b)) != 0) {
        return -EFAULT;
    }
    *out = load_le16(b);
    return 0;
}

static int write_u16(struct virtq *q, gpa_t gpa, uint16_t v)
{
    uint8_t b[2];
    store_le16(b, v);
    return dma_write(q, gpa, b, sizeof(b));
}

/* Ring field addresses (§2.7.6, §2.7.8; the event fields only with EVENT_IDX). */
static gpa_t avail_flags_gpa(const struct virtq *q)
{
    return q->avail_gpa;
}

static gpa_t avail_idx_gpa(const struct virtq *q)
{
    return q->avail_gpa + 2;
}

static gpa_t avail_ring_gpa(const struct virtq *q, uint16_t pos)
{
    return q->avail_gpa + 4 + 2ull * (pos & (q->size - 1));
}

static gpa_t used_event_gpa(const struct virtq *q)
{
    return q->avail_gpa + 4 + 2ull * q->size;
}

static gpa_t used_flags_gpa(const struct virtq *q)
{
    return q->used_gpa;
}

static gpa_t used_idx_gpa(const struct virtq *q)
{
    return q->used_gpa + 2;
}

static gpa_t used_ring_gpa(const struct virtq *q, uint16_t pos)
{
    return q->used_gpa + 4 + 8ull * (pos & (q->size - 1));
}

static gpa_t avail_event_gpa(const struct virtq *q)
{
    return q->used_gpa + 4 + 8ull * q->size;
}

/* ------------------------------------------------------ create, init */

struct virtq *virtq_create(struct virtq_dma dma)
{
    struct virtq *q = calloc(1, sizeof(*q));
    if (q) {
        q->dma = dma;
        q->kicks_enabled = true;
    }
    return q;
}

void virtq_destroy(struct virtq *q)
{
    free(q);
}

void virtq_reset(struct virtq *q)
{
    q->is_ready = false;
    q->is_broken = false;
    q->size = 0;
    q->last_avail_idx = 0;
    q->used_idx = 0;
    q->notified_used_idx = 0;
    q->inflight = 0;
    q->kicks_enabled = true;
}

int virtq_init(struct virtq *q, unsigned size, gpa_t desc_gpa, gpa_t avail_gpa, gpa_t used_gpa,
               uint64_t features)
{
    virtq_reset(q);
    /* §2.7: Queue Size is a power of 2, at most 32768 */
    if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) != 0) {
        return virtq_count(q, VIRTQ_E_SIZE);
    }
    /* §2.7 alignment table: descriptor table 16, available ring 2, used ring 4 */
    if ((desc_gpa & 15) != 0 || (avail_gpa & 1) != 0 || (used_gpa & 3) != 0) {
        return virtq_count(q, VIRTQ_E_ALIGN);
    }
    /* sizes from the same table: 16 * size, 6 + 2 * size, 6 + 8 * size */
    if (gpa_range_wraps(desc_gpa, 16ull * size) || gpa_range_wraps(avail_gpa, 6 + 2ull * size) ||
        gpa_range_wraps(used_gpa, 6 + 8ull * size)) {
        return virtq_count(q, VIRTQ_E_GPA_WRAP);
    }
    q->size = size;
    q->desc_gpa = desc_gpa;
    q->avail_gpa = avail_gpa;
    q->used_gpa = used_gpa;
    q->has_indirect = (features >> VIRTIO_F_INDIRECT_DESC) & 1;
    q->has_event_idx = (features >> VIRTIO_F_EVENT_IDX) & 1;
    q->is_ready = true;
    return 0;
}

/* ------------------------------------------------------- chain walk */

static void bitmap_clear_first(uint64_t *bits, unsigned nbits)
{
    memset(bits, 0, ((nbits + 63) / 64) * sizeof(uint64_t));
}

/* Set bit i; was it set already? */
static bool bitmap_test_and_set(uint64_t *bits, unsigned i)
{
    uint64_t mask = 1ull << (i % 64);
    bool was_set = (bits[i / 64] & mask) != 0;
    bits[i / 64] |= mask;
    return was_set;
}

/* Read entry idx of table t: in range, not seen before in this chain. */
static int read_desc(struct virtq *q, struct desc_table *t, unsigned idx, struct virtq_desc *out)
{
    uint8_t b[VIRTQ_DESC_SIZE];

    if (idx >= t->entries) {
        return virtq_lie(q, VIRTQ_E_NEXT_RANGE);
    }
    /* §2.7.5 driver requirements: loops are forbidden; a second visit is one */
    if (bitmap_test_and_set(t->visited, idx)) {
        return virtq_lie(q, VIRTQ_E_LOOP);
    }
    if (dma_read(q, t->gpa + (uint64_t)VIRTQ_DESC_SIZE * idx, b, sizeof(b)) != 0) {
        return virtq_lie(q, VIRTQ_E_BAD_GPA);
    }
    q->stats.descs++;
    out->gpa = load_le64(b);
    out->len = load_le32(b + 8);
    out->flags = load_le16(b + 12);
    out->next = load_le16(b + 14);
    return 0;
}

/* §2.7.5.3: the descriptor d points at an indirect table; make it the table walked. */
static int enter_indirect(struct virtq *q, struct desc_table *t, const struct virtq_desc *d)
{
    /* §2.7.5.3 driver requirements: no INDIRECT inside an indirect table, not with
     * NEXT, only when negotiated */
    if (t->is_indirect) {
        return virtq_lie(q, VIRTQ_E_NESTED_INDIRECT);
    }
    if (!q->has_indirect) {
        return virtq_lie(q, VIRTQ_E_INDIRECT_FEATURE);
    }
    if ((d->flags & VIRTQ_DESC_F_NEXT) != 0) {
        return virtq_lie(q, VIRTQ_E_INDIRECT_NEXT);
    }
    /* the table holds len / 16 descriptors: len must be a non-zero multiple of 16 */
    if (d->len == 0 || d->len % VIRTQ_DESC_SIZE != 0) {
        return virtq_lie(q, VIRTQ_E_INDIRECT_LEN);
    }
    if (gpa_range_wraps(d->gpa, d->len)) {
        return virtq_lie(q, VIRTQ_E_GPA_WRAP);
    }
    /* a chain is at most Queue Size buffers long, so a bigger table is a lie too */
    if (d->len / VIRTQ_DESC_SIZE > q->size) {
        return virtq_lie(q, VIRTQ_E_CHAIN_TOO_LONG);
    }
    t->gpa = d->gpa;
    t->entries = d->len / VIRTQ_DESC_SIZE;
    t->visited = q->visited_ind;
    t->is_indirect = true;
    bitmap_clear_first(t->visited, t->entries);
    return 0;
}

/* Append buffer d to the chain: readable ones first, bounded. */
static int add_seg(struct virtq *q, struct virtq_chain *chain, const struct virtq_desc *d)
{
    bool is_write = (d->flags & VIRTQ_DESC_F_WRITE) != 0;

    if (chain->nsegs >= q->size) {
        return virtq_lie(q, VIRTQ_E_CHAIN_TOO_LONG);
    }
    if (chain->nsegs >= VIRTQ_MAX_SEGS) {
        return virtq_lie(q, VIRTQ_E_TOO_MANY_SEGS);
    }
    if (gpa_range_wraps(d->gpa, d->len)) {
        return virtq_lie(q, VIRTQ_E_GPA_WRAP);
    }
    /* §2.7.5: the driver places device-writable buffers after every device-readable one */
    if (!is_write && chain->nsegs > chain->nreadable) {
        return virtq_lie(q, VIRTQ_E_ORDER);
    }
    if (chain->readable_len + chain->writable_len + d->len > VIRTQ_MAX_CHAIN_BYTES) {
        return virtq_lie(q, VIRTQ_E_TOO_BIG);
    }
    /* the whole buffer must be memory the device may use, before any of it is touched
     * (after the length bound: checking is page by page) */
    if (q->dma.ops->check && q->dma.ops->check(q->dma.ctx, d->gpa, d->len, is_write) != 0) {
        return virtq_lie(q, VIRTQ_E_BAD_GPA);
    }
    chain->seg[chain->nsegs].gpa = d->gpa;
    chain->seg[chain->nsegs].len = d->len;
    chain->seg[chain->nsegs].is_write = is_write;
    chain->nsegs++;
    if (is_write) {
        chain->writable_len += d->len;
    } else {
        chain->nreadable++;
        chain->readable_len += d->len;
    }
    return 0;
}

/*
 * Follow the chain from head. Terminates: each step marks a fresh bit in
 * one of two bitmaps (size bits each) or enters the one indirect table.
 */
static int walk_chain(struct virtq *q, uint16_t head, struct virtq_chain *chain)
{
    struct desc_table t = {q->desc_gpa, q->size, q->visited, false};
    unsigned idx = head;

    chain->head = head;
    chain->nsegs = 0;
    chain->nreadable = 0;
    chain->readable_len = 0;
    chain->writable_len = 0;
    bitmap_clear_first(q->visited, q->size);
    for (;;) {
        struct virtq_desc d;
        int rc = read_desc(q, &t, idx, &d);
        if (rc != 0) {
            return rc;
        }
        if ((d.flags & VIRTQ_DESC_F_INDIRECT) != 0) {
            /* §2.7.5.3 device requirements: ignore the indirect descriptor's WRITE flag */
            rc = enter_indirect(q, &t, &d);
            if (rc != 0) {
                return rc;
            }
            idx = 0; /* the indirect chain starts at the table's first entry */
            continue;
        }
        rc = add_seg(q, chain, &d);
        if (rc != 0) {
            return rc;
        }
        if ((d.flags & VIRTQ_DESC_F_NEXT) == 0) {
            return 0;
        }
        idx = d.next;
    }
}

/* -------------------------------------------------------------- pop */

int virtq_pop(struct virtq *q, struct virtq_chain *out)
{
    uint16_t avail_idx, head;

    if (!q->is_ready) {
        return virtq_count(q, VIRTQ_E_NOT_READY);
    }
    if (q->is_broken) {
        return virtq_count(q, VIRTQ_E_BROKEN);
    }
    if (read_u16(q, avail_idx_gpa(q), &avail_idx) != 0) {
        return virtq_lie(q, VIRTQ_E_BAD_GPA);
    }
    uint16_t pending = (uint16_t)(avail_idx - q->last_avail_idx);
    if (pending == 0) {
        return -EAGAIN;
    }
    /* §2.7.6: the driver cannot make more than Queue Size buffers available at once */
    if (pending > q->size) {
        return virtq_lie(q, VIRTQ_E_AVAIL_IDX);
    }
    /* read the ring entry only after the idx that covers it (the driver's write barrier) */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (read_u16(q, avail_ring_gpa(q, q->last_avail_idx), &head) != 0) {
        return virtq_lie(q, VIRTQ_E_BAD_GPA);
    }
    if (head >= q->size) {
        return virtq_lie(q, VIRTQ_E_HEAD_RANGE);
    }
    int rc = walk_chain(q, head, out);
    if (rc != 0) {
        return rc;
    }
    q->last_avail_idx++;
    q->inflight++;
    q->stats.pops++;
    return 0;
}

/* ------------------------------------------------------------- copy */

/*
 * Copy between buf and the stream made of segments [first, end) of the
 * chain, starting `offset` bytes in; the caller checked the bounds.
 */
static int copy_segs(struct virtq *q, const struct virtq_chain *chain, unsigned first, unsigned end,
                     uint64_t offset, uint8_t *buf, size_t len, bool to_guest)
{
    for (unsigned i = first; i < end && len > 0; i++) {
        const struct virtq_seg *s = &chain->seg[i];
        if (offset >= s->len) {
            offset -= s->len;
            continue;
        }
        size_t chunk = s->len - offset < len ? (size_t)(s->len - offset) : len;
        int rc = to_guest ? dma_write(q, s->gpa + offset, buf, chunk)
                          : dma_read(q, s->gpa + offset, buf, chunk);
        if (rc != 0) {
            return virtq_lie(q, VIRTQ_E_BAD_GPA);
        }
        buf += chunk;
        len -= chunk;
        offset = 0;
    }
    return 0;
}

int virtq_read_chain(struct virtq *q, const struct virtq_chain *chain, uint64_t offset, void *buf,
                     size_t len)
{
    /* §2.7.5 device requirements: the device SHOULD NOT read a device-writable buffer */
    if (offset > chain->readable_len || len > chain->readable_len - offset) {
        return virtq_count(q, VIRTQ_E_READ_SHORT);
    }
    return copy_segs(q, chain, 0, chain->nreadable, offset, buf, len, false);
}

int virtq_write_chain(struct virtq *q, const struct virtq_chain *chain, uint64_t offset,
                      const void *buf, size_t len)
{
    /* §2.7.5 device requirements: the device MUST NOT write to a device-readable buffer */
    if (offset > chain->writable_len || len > chain->writable_len - offset) {
        return virtq_count(q, VIRTQ_E_WRITE_READONLY);
    }
    return copy_segs(q, chain, chain->nreadable, chain->nsegs, offset, (uint8_t *)buf, len, true);
}

/* ------------------------------------------------------------- push */

int virtq_push(struct virtq *q, uint16_t head, uint32_t written_len)
{
    uint8_t elem[8];

    if (!q->is_ready) {
        return virtq_count(q, VIRTQ_E_NOT_READY);
    }
    if (q->is_broken) {
        return virtq_count(q, VIRTQ_E_BROKEN);
    }
    if (head >= q->size || q->inflight == 0) {
        return virtq_count(q, VIRTQ_E_BAD_PUSH);
    }
    /* §2.7.8: struct virtq_used_elem { le32 id; le32 len; } at ring[idx % size] */
    store_le32(elem, head);
    store_le32(elem + 4, written_len);
    if (dma_write(q, used_ring_gpa(q, q->used_idx), elem, sizeof(elem)) != 0) {
        return virtq_lie(q, VIRTQ_E_BAD_GPA);
    }
    /* the entry must be visible before the idx that publishes it */
    __atomic_thread_fence(__ATOMIC_RELEASE);
    if (write_u16(q, used_idx_gpa(q), (uint16_t)(q->used_idx + 1)) != 0) {
        return virtq_lie(q, VIRTQ_E_BAD_GPA);
    }
    q->used_idx++;
    q->inflight--;
    q->stats.pushes++;
    return 0;
}

/* ------------------------------------------------------- notifications */

bool virtq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
    /* §2.7.7: notify when event_idx is in [old_idx, new_idx), all modulo 2^16 */
    return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

/* Ask the rings: does the driver want this notification? Unreadable reads as yes. */
static bool driver_wants_notify(struct virtq *q, uint16_t old_idx, uint16_t new_idx)
{
    uint16_t v;

    /* the used idx store must be ordered before the read of the driver's wish */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (q->has_event_idx) {
        /* §2.7.7 device requirements: with EVENT_IDX the device ignores the avail flags */
        if (read_u16(q, used_event_gpa(q), &v) != 0) {
            return true;
        }
        return virtq_need_event(v, new_idx, old_idx);
    }
    if (read_u16(q, avail_flags_gpa(q), &v) != 0) {
        return true;
    }
    return (v & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
}

bool virtq_should_notify(struct virtq *q)
{
    uint16_t old_idx = q->notified_used_idx;
    uint16_t new_idx = q->used_idx;

    if (!q->is_ready || old_idx == new_idx) {
        return false;
    }
    q->notified_used_idx = new_idx;
    bool notify = driver_wants_notify(q, old_idx, new_idx);
    if (notify) {
        q->stats.notifies++;
    } else {
        q->stats.notifies_suppressed++;
    }
    return notify;
}

int virtq_disable_kicks(struct virtq *q)
{
    if (!q->is_ready) {
        return virtq_count(q, VIRTQ_E_NOT_READY);
    }
    q->kicks_enabled = false;
    /* §2.7.10: with EVENT_IDX an avail_event left behind suppresses kicks by itself */
    if (!q->has_event_idx && write_u16(q, used_flags_gpa(q), VIRTQ_USED_F_NO_NOTIFY) != 0) {
        return virtq_lie(q, VIRTQ_E_BAD_GPA);
    }
    return 0;
}

int virtq_enable_kicks(struct virtq *q)
{
    uint16_t avail_idx;
    int rc;

    if (!q->is_ready) {
        return virtq_count(q, VIRTQ_E_NOT_READY);
    }
    q->kicks_enabled = true;
    if (q->has_event_idx) {
        /* kick me when you make the buffer at my next position available */
        rc = write_u16(q, avail_event_gpa(q), q->last_avail_idx);
    } else {
        rc = write_u16(q, used_flags_gpa(q), 0);
    }
    if (rc != 0) {
        return virtq_lie(q, VIRTQ_E_BAD_GPA);
    }
    /* the driver may have added buffers before it could see the store: look again */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (read_u16(q, avail_idx_gpa(q), &avail_idx) != 0) {
        return virtq_lie(q, VIRTQ_E_BAD_GPA);
    }
    return avail_idx != q->last_avail_idx ? 1 : 0;
}

/* ------------------------------------------------------------ views */

const struct virtq_stats *virtq_stats(const struct virtq *q)
{
    return &q->stats;
}

void virtq_get_info(const struct virtq *q, struct virtq_info *out)
{
    out->is_ready = q->is_ready;
    out->is_broken = q->is_broken;
    out->size = q->size;
    out->desc_gpa = q->desc_gpa;
    out->avail_gpa = q->avail_gpa;
    out->used_gpa = q->used_gpa;
    out->has_indirect = q->has_indirect;
    out->has_event_idx = q->has_event_idx;
    out->last_avail_idx = q->last_avail_idx;
    out->used_idx = q->used_idx;
    out->kicks_enabled = q->kicks_enabled;
}
