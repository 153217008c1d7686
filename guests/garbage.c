/*
 * guests/garbage.c - jumps into a word of zeros. 0x0000 is defined to be an
 * illegal instruction, so the hart traps with cause 2 and mtval = the
 * instruction bits (0); the handler prints that and fails with the cause.
 * Course: 处理器虚拟化 / 陷入和模拟: a guest fault is reflected into the
 *         guest's own trap vector (exits.guest_trap), not handled by the VMM.
 * Spec: Unprivileged 20191213, §16.1 "Compressed Instruction Formats"
 *       ("all zeros is a defined illegal instruction"); Privileged 20211203,
 *       §3.1.16 "mtval" (illegal instruction: the faulting instruction bits).
 * Simplified: nothing.
 */
#include "guests/lib/guest.h"

static uint32_t zeros[4] __attribute__((aligned(8)));

static void report(struct trap_frame *tf)
{
    printf("garbage: trap cause %lu mtval 0x%lx\n", tf->cause, tf->tval);
    guest_exit((int)tf->cause);
}

int main(void)
{
    void (*jump)(void) = (void (*)(void))(uintptr_t)zeros;

    trap_set_m_handler(report);
    printf("garbage: jumping to %p, a word of zeros\n", (void *)zeros);
    fence_i();
    jump();
    printf("garbage: returned from garbage\n");
    return 1;
}
