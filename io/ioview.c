/*
 * io/ioview.c - seeing I/O: virtio status and feature bits by name (monitor
 * `info devices`) and `vq dump`, a split virtqueue printed from guest
 * memory beside the device's own indices.
 * Course: I/O虚拟化 / 半虚拟化 (virtio): the shared-memory queue between 前端
 *         and 后端 - 描述符表 (what each buffer is), 可用环 (what the driver
 *         offered), 已用环 (what the device handed back) - read as a debugger
 *         reads it: through a peek that counts nothing and changes nothing.
 * Spec: virtio 1.2 §2.1 "Device Status Field", §2.2 "Feature Bits", §6
 *       "Reserved Feature Bits", §5.2.3 "Feature bits", §2.7.5 "The Virtqueue
 *       Descriptor Table", §2.7.6 "The Virtqueue Available Ring", §2.7.8 "The
 *       Virtqueue Used Ring".
 * Simplified: the consumed entries shown before last_avail_idx and used idx
 *       assume the 16-bit indices have not wrapped (after 65536 requests the
 *       history shown is shorter than it could be); indirect tables are not
 *       followed (the INDIRECT descriptor itself is shown).
 */
#include "io/ioview.h"

#include <inttypes.h>
#include <string.h>

/* Append " name" (or the first name without the space) to buf, never past len. */
static void append_name(char *buf, size_t len, const char *name)
{
    size_t used = strlen(buf);
    if (used < len) {
        snprintf(buf + used, len - used, "%s%s", used ? " " : "", name);
    }
}

void virtio_status_text(uint32_t status, char *buf, size_t len)
{
    static const char *const names[8] = {
        "ACKNOWLEDGE", "DRIVER", "DRIVER_OK", "FEATURES_OK", NULL, NULL, "NEEDS_RESET", "FAILED",
    };
    char bit[16];
    buf[0] = '\0';
    for (unsigned i = 0; i < 32; i++) {
        if (status & (1u << i)) {
            snprintf(bit, sizeof(bit), "bit%u", i);
            append_name(buf, len, i < 8 && names[i] ? names[i] : bit);
        }
    }
    if (status == 0) {
        snprintf(buf, len, "none");
    }
}

/* §6 reserved (transport) feature bits, bit 24 and up. */
static const char *common_feature_name(unsigned bit)
{
    switch (bit) {
    case 24:
        return "NOTIFY_ON_EMPTY";
    case 27:
        return "ANY_LAYOUT";
    case VIRTIO_F_INDIRECT_DESC:
        return "INDIRECT_DESC";
    case VIRTIO_F_EVENT_IDX:
        return "EVENT_IDX";
    case 32:
        return "VERSION_1";
    case 33:
        return "ACCESS_PLATFORM";
    case 34:
        return "RING_PACKED";
    case 35:
        return "IN_ORDER";
    case 36:
        return "ORDER_PLATFORM";
    case 37:
        return "SR_IOV";
    case 38:
        return "NOTIFICATION_DATA";
    default:
        return NULL;
    }
}

/* §5.2.3 block feature bits, below 24. */
static const char *blk_feature_name(unsigned bit)
{
    static const char *const names[24] = {
        [0] = "BARRIER",       [1] = "SIZE_MAX",  [2] = "SEG_MAX",
        [4] = "GEOMETRY",      [5] = "RO",        [6] = "BLK_SIZE",
        [7] = "SCSI",          [9] = "FLUSH",     [10] = "TOPOLOGY",
        [11] = "CONFIG_WCE",   [12] = "MQ",       [13] = "DISCARD",
        [14] = "WRITE_ZEROES", [15] = "LIFETIME", [16] = "SECURE_ERASE",
    };
    return bit < 24 ? names[bit] : NULL;
}

void virtio_features_text(uint64_t features, uint32_t device_id, char *buf, size_t len)
{
    char bit_name[16];
    buf[0] = '\0';
    for (unsigned bit = 0; bit < 64; bit++) {
        if (!(features & (1ull << bit))) {
            continue;
        }
        const char *name = common_feature_name(bit);
        if (!name && device_id == 2) {
            name = blk_feature_name(bit);
        }
        if (!name) {
            snprintf(bit_name, sizeof(bit_name), "bit%u", bit);
            name = bit_name;
        }
        append_name(buf, len, name);
    }
    if (features == 0) {
        snprintf(buf, len, "none");
    }
}

/* Little-endian fields of a ring or descriptor, as read. */
static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

struct vq_reader {
    FILE *out;
    vq_peek_fn peek;
    void *ctx;
};

/* One read; on failure the stop line, and -1. */
static int peek_or_stop(const struct vq_reader *r, gpa_t gpa, void *buf, size_t len)
{
    if (r->peek(r->ctx, gpa, buf, len) != 0) {
        fprintf(r->out, "cannot read GPA 0x%" PRIx64 " (%zu bytes): stopped\n", gpa, len);
        return -1;
    }
    return 0;
}

static void desc_flags_text(uint16_t flags, char *buf, size_t len)
{
    buf[0] = '\0';
    if (flags & VIRTQ_DESC_F_NEXT) {
        snprintf(buf, len, "NEXT");
    }
    if (flags & VIRTQ_DESC_F_WRITE) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%sWRITE", used ? "|" : "");
    }
    if (flags & VIRTQ_DESC_F_INDIRECT) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%sINDIRECT", used ? "|" : "");
    }
    if (flags & ~7u) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s0x%x", used ? "|" : "", flags & ~7u);
    }
    if (flags == 0) {
        snprintf(buf, len, "-");
    }
}

/* The descriptor table: the non-zero entries (at most VQ_DUMP_MAX_DESCS). */
static int dump_descs(const struct vq_reader *r, const struct virtq_info *info)
{
    unsigned shown = 0, hidden = 0;
    fputs("descriptor table (non-zero entries):\n", r->out);
    for (unsigned i = 0; i < info->size; i++) {
        uint8_t d[VIRTQ_DESC_SIZE];
        if (peek_or_stop(r, info->desc_gpa + (uint64_t)i * VIRTQ_DESC_SIZE, d, sizeof(d))) {
            return -1;
        }
        uint64_t gpa = le64(d);
        uint32_t len = le32(d + 8);
        uint16_t flags = le16(d + 12), next = le16(d + 14);
        if (gpa == 0 && len == 0 && flags == 0 && next == 0) {
            continue;
        }
        if (shown == VQ_DUMP_MAX_DESCS) {
            hidden++;
            continue;
        }
        char ftext[40];
        desc_flags_text(flags, ftext, sizeof(ftext));
        fprintf(r->out, "  [%3u] addr 0x%016" PRIx64 " len %6" PRIu32 " flags %-14s next %u\n", i,
                gpa, len, ftext, next);
        shown++;
    }
    if (hidden) {
        fprintf(r->out, "  ... %u more non-zero entries not shown\n", hidden);
    }
    return 0;
}

static int dump_avail(const struct vq_reader *r, const struct virtq_info *info)
{
    uint8_t hdr[4], b[2];
    if (peek_or_stop(r, info->avail_gpa, hdr, sizeof(hdr))) {
        return -1;
    }
    uint16_t flags = le16(hdr), idx = le16(hdr + 2);
    uint16_t pending = (uint16_t)(idx - info->last_avail_idx);
    fprintf(r->out, "available ring: flags 0x%x%s idx %u (%u pending)\n", flags,
            flags & VIRTQ_AVAIL_F_NO_INTERRUPT ? " NO_INTERRUPT" : "", idx, pending);
    if (pending > info->size) {
        fprintf(r->out, "  idx is %u ahead of the device: more than the queue size (a lie)\n",
                pending);
        pending = (uint16_t)info->size;
    }
    unsigned history =
        info->last_avail_idx < VQ_DUMP_HISTORY ? info->last_avail_idx : VQ_DUMP_HISTORY;
    if (history > info->size - pending) {
        history = info->size - pending;
    }
    uint16_t first = (uint16_t)(info->last_avail_idx - history);
    for (unsigned n = 0; n < history + pending; n++) {
        uint16_t at = (uint16_t)(first + n);
        unsigned pos = at & (info->size - 1);
        if (peek_or_stop(r, info->avail_gpa + 4 + 2ull * pos, b, sizeof(b))) {
            return -1;
        }
        fprintf(r->out, "  [%5u] ring[%3u] = %3u  %s\n", at, pos, le16(b),
                n < history ? "consumed" : "pending");
    }
    if (info->has_event_idx) {
        if (peek_or_stop(r, info->avail_gpa + 4 + 2ull * info->size, b, sizeof(b))) {
            return -1;
        }
        fprintf(r->out, "  used_event %u\n", le16(b));
    }
    return 0;
}

static int dump_used(const struct vq_reader *r, const struct virtq_info *info)
{
    uint8_t hdr[4], e[8], b[2];
    if (peek_or_stop(r, info->used_gpa, hdr, sizeof(hdr))) {
        return -1;
    }
    uint16_t flags = le16(hdr), idx = le16(hdr + 2);
    fprintf(r->out, "used ring: flags 0x%x%s idx %u\n", flags,
            flags & VIRTQ_USED_F_NO_NOTIFY ? " NO_NOTIFY" : "", idx);
    unsigned history = idx < VQ_DUMP_HISTORY ? idx : VQ_DUMP_HISTORY;
    if (history > info->size) {
        history = info->size;
    }
    for (unsigned n = 0; n < history; n++) {
        uint16_t at = (uint16_t)(idx - history + n);
        unsigned pos = at & (info->size - 1);
        if (peek_or_stop(r, info->used_gpa + 4 + 8ull * pos, e, sizeof(e))) {
            return -1;
        }
        fprintf(r->out, "  [%5u] ring[%3u] = {id %u, len %" PRIu32 "}\n", at, pos, le32(e),
                le32(e + 4));
    }
    if (info->has_event_idx) {
        if (peek_or_stop(r, info->used_gpa + 4 + 8ull * info->size, b, sizeof(b))) {
            return -1;
        }
        fprintf(r->out, "  avail_event %u\n", le16(b));
    }
    return 0;
}

int vq_dump(FILE *out, const struct virtq_info *info, vq_peek_fn peek, void *ctx)
{
    const struct vq_reader r = {out, peek, ctx};
    if (!info->is_ready || info->size == 0) {
        fputs("queue not ready: the driver has not set it up (or reset it)\n", out);
        return 0;
    }
    fprintf(out, "queue size %u: desc 0x%" PRIx64 " avail 0x%" PRIx64 " used 0x%" PRIx64 "%s%s\n",
            info->size, info->desc_gpa, info->avail_gpa, info->used_gpa,
            info->has_indirect ? " INDIRECT_DESC" : "", info->has_event_idx ? " EVENT_IDX" : "");
    fprintf(out, "device: last_avail_idx %u used_idx %u kicks %s%s\n", info->last_avail_idx,
            info->used_idx, info->kicks_enabled ? "enabled" : "disabled",
            info->is_broken ? " BROKEN (the driver lied: NEEDS_RESET)" : "");
    if (dump_descs(&r, info) || dump_avail(&r, info) || dump_used(&r, info)) {
        return -1;
    }
    return 0;
}
