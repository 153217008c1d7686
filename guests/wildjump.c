/*
 * guests/wildjump.c - jumps to GPA 0x4000_0000, where this machine has no
 * memory and no device. Fetching there is an instruction access fault
 * (cause 1) with mtval = mepc = the address; the M-mode handler reports
 * mcause, mtval and mepc and passes only when all three are as the spec says.
 * Course: 内存虚拟化 / 客户机物理地址空间: a GPA the VMM backs with nothing
 *         is a fault the guest sees, never a host crash.
 * Spec: Privileged 20211203, §3.1.15 "mcause" (Table 3.6: 1 = instruction
 *       access fault), §3.1.16 "mtval" (the faulting address), §3.6 "Physical
 *       Memory Attributes" (an access to a region that is not there faults).
 * Simplified: bare M-mode. A vmlab test only: on QEMU's virt board
 * 0x4000_0000 is the PCIe MMIO window, which reads as all ones there, so
 * QEMU 7.2 reports an illegal instruction (cause 2, mtval 0xffffffff).
 */
#include "guests/lib/guest.h"

#define WILD_GPA 0x40000000ull

static void report(struct trap_frame *tf)
{
    printf("wildjump: trap cause %lu mtval 0x%lx mepc 0x%lx\n", tf->cause, tf->tval, tf->epc);
    if (tf->cause != CAUSE_FETCH_ACCESS || tf->tval != WILD_GPA || tf->epc != WILD_GPA) {
        printf("wildjump: FAIL: expected cause 1, mtval and mepc 0x40000000\n");
        guest_exit(2);
    }
    printf("wildjump: pass\n");
    guest_exit(0);
}

int main(void)
{
    void (*jump)(void) = (void (*)(void))(uintptr_t)WILD_GPA;

    trap_set_m_handler(report);
    printf("wildjump: jumping to 0x%lx, where there is no memory\n", (unsigned long)WILD_GPA);
    jump();
    printf("wildjump: FAIL: returned from 0x%lx\n", (unsigned long)WILD_GPA);
    return 1;
}
