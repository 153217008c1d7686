/*
 * guests/mtimeset.c - a guest that sets the clock: it writes CLINT mtime and
 * checks that the hart's own `time` CSR follows, and that a timer armed on
 * the new time base still fires.
 * Course: 中断虚拟化 / 时钟中断 - the timer device and the hart must read
 *         one clock, whatever the guest does to it.
 * Spec: Privileged 20211203, §3.2.1 "Machine Timer Registers (mtime and
 *       mtimecmp)"; Unprivileged 20191213, §10.1 (rdtime reads mtime).
 * Simplified: polls MTIP in mip instead of taking the interrupt.
 */
#include "guests/lib/guest.h"

#define NEW_TIME 0x100000000ull /* 2^32 ticks: far from the ~0 at boot */
#define SLACK    1000           /* ticks the few instructions in between may take */

int main(void)
{
    volatile uint64_t *mtime = (volatile uint64_t *)(MEMMAP_CLINT_BASE + CLINT_MTIME);

    *mtime = NEW_TIME;
    uint64_t csr_time = csr_read(time);
    uint64_t mmio_time = *mtime;
    printf("mtimeset: mtime written 0x%lx, time CSR 0x%lx, mtime 0x%lx\n",
           (unsigned long)NEW_TIME, (unsigned long)csr_time, (unsigned long)mmio_time);
    if (csr_time < NEW_TIME || csr_time > NEW_TIME + SLACK || mmio_time < csr_time) {
        printf("mtimeset: time CSR does not follow mtime\n");
        return 1;
    }
    clint_set_mtimecmp(NEW_TIME + 5000);
    while (!(csr_read(mip) & MIP_MTIP)) {
    }
    uint64_t fired = csr_read(time);
    if (fired < NEW_TIME + 5000) {
        printf("mtimeset: MTIP before mtimecmp\n");
        return 2;
    }
    printf("mtimeset: MTIP at mtimecmp on the new time base: pass\n");
    return 0;
}
