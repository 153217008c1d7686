/*
 * io/ioview.h - seeing I/O: virtio status bits and feature bits by name, and
 * `vq dump`, a virtqueue's descriptor table and rings as they sit in guest
 * memory, read the way a debugger reads (nothing counted, nothing changed).
 * Course: I/O虚拟化 / 半虚拟化 (virtio): 描述符表, 可用环, 已用环, read one
 *         entry at a time beside the device's own indices.
 * Spec: virtio 1.2 §2.1 "Device Status Field", §2.2 "Feature Bits", §6
 *       "Reserved Feature Bits", §5.2.3 "Feature bits" (block), §2.7 "Split
 *       Virtqueues".
 */
#ifndef VMLAB_IO_IOVIEW_H
#define VMLAB_IO_IOVIEW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/virtq.h"

/* "ACKNOWLEDGE DRIVER FEATURES_OK DRIVER_OK" (and NEEDS_RESET, FAILED); "none" for 0. */
void virtio_status_text(uint32_t status, char *buf, size_t len);
/* Feature bits by name ("SEG_MAX BLK_SIZE FLUSH INDIRECT_DESC ..."), unknown as "bitN";
 * the device-specific names only for device_id 2 (block); "none" for 0. */
void virtio_features_text(uint64_t features, uint32_t device_id, char *buf, size_t len);

/* How `vq dump` reads guest memory: 0, or nonzero when [gpa, gpa+len) cannot be read. */
typedef int (*vq_peek_fn)(void *ctx, gpa_t gpa, void *buf, size_t len);

#define VQ_DUMP_MAX_DESCS 64u /* non-zero descriptors shown; the rest are counted */
#define VQ_DUMP_HISTORY   8u  /* already-consumed avail / used entries shown */

/*
 * Print queue `info` (virtq_get_info) and its rings read through `peek`:
 *
 *   queue size N: desc 0x.. avail 0x.. used 0x.. [INDIRECT_DESC] [EVENT_IDX]
 *   device: last_avail_idx A used_idx U kicks enabled|disabled [BROKEN]
 *   descriptor table (non-zero entries):
 *     [  i] addr 0x%016 len L flags NEXT|WRITE|INDIRECT next n
 *   available ring: flags F (NO_INTERRUPT) idx I
 *     [idx] ring[pos] = head  (consumed | pending)
 *     used_event E
 *   used ring: flags F (NO_NOTIFY) idx I
 *     [idx] ring[pos] = {id, len}
 *     avail_event E
 *
 * Avail entries from last_avail_idx - VQ_DUMP_HISTORY (at most) to the
 * driver's idx; used entries the last VQ_DUMP_HISTORY before used idx. A
 * queue not ready prints one line saying so. A read that fails prints
 * "cannot read GPA 0x..: stopped" and the dump ends there. Returns 0, or -1
 * when it stopped early.
 */
int vq_dump(FILE *out, const struct virtq_info *info, vq_peek_fn peek, void *ctx);

#endif
