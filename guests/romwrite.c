/*
 * guests/romwrite.c - stores to the boot ROM. vmlab refuses the write: the
 * guest gets a store/AMO access fault (cause 7, mtval = the address), which
 * it reports and passes. No fault at all is a failure.
 * Course: 内存虚拟化 / 客户机物理地址空间: the VMM decides what each GPA is;
 *         a ROM is not RAM.
 * Spec: Privileged 20211203, §3.6 "Physical Memory Attributes" (a region
 *       that does not support writes raises an access-fault exception).
 * Simplified: QEMU's virt board ignores ROM writes silently, so under QEMU
 * this guest reports failure; it is a vmlab test only.
 */
#include "guests/lib/guest.h"

static volatile uint64_t fault_cause = ~0ull;
static volatile uint64_t fault_tval;

static void on_trap(struct trap_frame *tf)
{
    fault_cause = tf->cause;
    fault_tval = tf->tval;
    tf->epc += insn_length_at(tf->epc);
}

int main(void)
{
    trap_set_m_handler(on_trap);
    printf("romwrite: storing to the boot ROM at 0x%lx\n", (unsigned long)MEMMAP_BOOTROM_BASE);
    mmio_write32(MEMMAP_BOOTROM_BASE, 0xdeadbeef);
    if (fault_cause == ~0ull) {
        printf("romwrite: FAIL: the store did not fault\n");
        return 1;
    }
    printf("romwrite: store access fault, cause %lu mtval 0x%lx\n", fault_cause, fault_tval);
    if (fault_cause != CAUSE_STORE_ACCESS || fault_tval != MEMMAP_BOOTROM_BASE) {
        printf("romwrite: FAIL: expected cause 7 mtval 0x1000\n");
        return 2;
    }
    printf("romwrite: pass\n");
    return 0;
}
