/*
 * guests/csrloop.c - exactly K writes to mscratch, then poweroff with pass.
 * Built twice (csrloop-10.elf, csrloop-1000.elf): everything but the loop is
 * the same code, so the two runs' exits.priv_insn differ by exactly 990.
 * Course: 处理器虚拟化 / 敏感指令 and 陷入和模拟: one CSR write = one trap
 *         to the VMM under trap-and-emulate.
 * Spec: Unprivileged 20191213, ch. 9 "Zicsr" (CSRRW).
 * Simplified: the loop is in assembly so the compiler cannot merge or drop
 * the writes.
 */
#include "guests/lib/guest.h"

#ifndef K
#define K 10
#endif

int main(void)
{
    uint64_t left = K;
    uint64_t saved = csr_read(mscratch);

    /* mscratch holds the trap stack top (crt0): put it back afterwards */
    __asm__ volatile("1: csrw mscratch, %0\n"
                     "   addi %0, %0, -1\n"
                     "   bnez %0, 1b\n"
                     : "+r"(left)
                     :
                     : "memory");
    csr_write(mscratch, saved);
    return 0;
}
