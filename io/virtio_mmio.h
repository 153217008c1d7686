/*
 * io/virtio_mmio.h - the virtio-mmio transport's slots on QEMU virt's board.
 * Course: I/O虚拟化 / 半虚拟化 (virtio): where a virtio device's registers sit.
 * Spec: virtio 1.2 §4.2.2 "MMIO Device Register Layout".
 */
#ifndef VMLAB_IO_VIRTIO_MMIO_H
#define VMLAB_IO_VIRTIO_MMIO_H

#include "io/io.h"

#define VIRTIO_MMIO_MAGIC   0x74726976u /* "virt", little-endian */
#define VIRTIO_MMIO_VERSION 2u          /* the modern (non-legacy) interface */
#define VIRTIO_MMIO_VENDOR  0x554d4551u /* "QEMU": what drivers for QEMU virt expect */

/*
 * An empty slot: MagicValue, Version 2 and VendorID read as a slot does;
 * DeviceID reads 0, "no device" (§4.2.2: "the driver MUST ignore a device
 * with DeviceID 0x0"), every other register reads 0 and writes are ignored.
 * Only aligned 4-byte accesses: anything else is refused (an access fault).
 */
extern const struct mmio_device_ops virtio_mmio_empty_ops;

#endif
