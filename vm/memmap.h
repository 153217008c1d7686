/*
 * vm/memmap.h - the whole guest physical map, in one place (as xv6's
 * memlayout.h). Addresses are QEMU virt's, so firmware and teaching kernels
 * built for QEMU's virt board run unmodified.
 * Course: 内存虚拟化 / 为虚拟机提供虚拟的物理地址空间.
 *
 *   GPA                         device                          IRQ
 *   0x0000_1000 - 0x0000_1fff   boot ROM (reset vector)
 *   0x0010_0000 - 0x0010_0fff   test/syscon (poweroff, reboot)
 *   0x0200_0000 - 0x0200_ffff   CLINT (msip, mtimecmp, mtime)
 *   0x0c00_0000 - 0x0fff_ffff   PLIC (sources 1..95; 2 contexts per hart)
 *   0x1000_0000 - 0x1000_00ff   UART 16550A                       10
 *   0x1000_1000 + n*0x1000      virtio-mmio slot n, n = 0..7       1+n
 *   0x1001_0000 - 0x1001_0fff   eblk, vmlab's block controller     12
 *                               (--io emulated; docs/eblk.md)
 *   0x8000_0000 - ...           RAM (-m, default 128 MiB)
 *   end of RAM (<= 3 GiB), 2 MiB aligned down: the device tree blob
 */
#ifndef VMLAB_VM_MEMMAP_H
#define VMLAB_VM_MEMMAP_H

#define MEMMAP_BOOTROM_BASE     0x1000ull
#define MEMMAP_BOOTROM_SIZE     0x1000ull
#define MEMMAP_TEST_BASE        0x100000ull
#define MEMMAP_TEST_SIZE        0x1000ull
#define MEMMAP_CLINT_BASE       0x2000000ull
#define MEMMAP_CLINT_SIZE       0x10000ull
#define MEMMAP_PLIC_BASE        0xc000000ull
#define MEMMAP_PLIC_SIZE        0x4000000ull
#define MEMMAP_UART0_BASE       0x10000000ull
#define MEMMAP_UART0_SIZE       0x100ull
#define MEMMAP_UART0_IRQ        10
#define MEMMAP_VIRTIO_BASE      0x10001000ull
#define MEMMAP_VIRTIO_STRIDE    0x1000ull
#define MEMMAP_VIRTIO_COUNT     8
#define MEMMAP_EBLK_BASE        0x10010000ull /* free in QEMU virt too (RTC: IRQ 11) */
#define MEMMAP_EBLK_SIZE        0x1000ull
#define MEMMAP_EBLK_IRQ         12
#define MEMMAP_RAM_BASE         0x80000000ull
#define MEMMAP_RAM_DEFAULT_SIZE (128ull << 20)

/* Where QEMU's virt board loads things, which firmware expects. */
#define MEMMAP_KERNEL_OFFSET 0x200000ull   /* --bios FILE --kernel K: K at RAM + 2 MiB */
#define MEMMAP_FDT_MAX_GPA   0xc0000000ull /* FDT below 3 GiB */
#define MEMMAP_FDT_ALIGN     0x200000ull

#endif
