/*
 * guests/spin.c - a guest that never stops: no output, no exits, a tight
 * loop. The VMM has to stop it (--max-insns, --timeout: exit 3).
 * Course: 处理器虚拟化 / CPU 调度: the VMM keeps control even when a guest
 *         never traps (the instruction budget of each VM entry).
 * Spec: none.
 * Simplified: nothing.
 */
#include "guests/lib/guest.h"

int main(void)
{
    volatile uint64_t count = 0;

    for (;;) {
        count++;
    }
}
