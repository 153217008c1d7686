/*
 * guests/lib/reboot.c - reset the machine through the test device ("syscon")
 * of QEMU's virt board. Its own file so that only guests that reboot link it
 * (every other guest's layout stays as it was).
 * Course: 处理器虚拟化 / 虚拟机启动: the VMM answers the store with a VM reset.
 * Spec: QEMU hw/misc/sifive_test.c register layout: 0x7777 = reset.
 * Simplified: nothing.
 */
#include "guests/lib/guest.h"

void guest_reboot(void)
{
    mmio_write32(MEMMAP_TEST_BASE, SYSCON_RESET);
    for (;;) {
        wfi();
    }
}
