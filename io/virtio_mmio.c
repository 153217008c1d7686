/*
 * io/virtio_mmio.c - the virtio-mmio slots of QEMU's virt board with no
 * device behind them yet: a driver probing them (U-Boot's `virtio scan`,
 * Linux) finds the transport and DeviceID 0, and moves on, as it does on
 * QEMU with nothing attached. Every access is an MMIO exit, as any device
 * register access is under --io emulated or virtio.
 * Course: I/O虚拟化 / 半虚拟化 (virtio-mmio transport discovery).
 * Spec: virtio 1.2 §4.2.2 "MMIO Device Register Layout" (0x000 MagicValue,
 *       0x004 Version, 0x008 DeviceID, 0x00c VendorID).
 */
#include "io/virtio_mmio.h"

#define REG_MAGIC     0x000
#define REG_VERSION   0x004
#define REG_DEVICE_ID 0x008
#define REG_VENDOR_ID 0x00c

static int empty_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    (void)dev;
    if (size != 4 || (offset & 3)) {
        return -1;
    }
    switch (offset) {
    case REG_MAGIC:
        *out = VIRTIO_MMIO_MAGIC;
        break;
    case REG_VERSION:
        *out = VIRTIO_MMIO_VERSION;
        break;
    case REG_VENDOR_ID:
        *out = VIRTIO_MMIO_VENDOR;
        break;
    case REG_DEVICE_ID: /* 0: no device in this slot */
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
