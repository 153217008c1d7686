/*
 * guests/lib/crt0.S - where every guest starts: the boot ROM jumps here in
 * M-mode with a0 = hartid, a1 = device-tree address.
 * Course: 处理器虚拟化 / 虚拟机启动: the first guest instructions after
 *         "VM entry"; the CSR writes below are the guest's first exits.
 * Spec: Privileged 20211203, §3.4 "Reset", §3.1.7 "mtvec", §3.1.6.6
 *       "Extension Context Status in mstatus" (FS must be non-zero for F/D).
 * Simplified: hart 0 runs; any other hart parks in a wfi loop. a0 gives the
 * hartid, so no csrr mhartid (one exit fewer).
 */
#include "guests/lib/crt-common.h"

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    bnez    a0, park

    c_runtime_setup
    /* traps go to trap_entry_m, which switches to the trap stack in mscratch */
    la      t0, trap_entry_m
    csrw    mtvec, t0
    la      t0, __trap_stack_top
    csrw    mscratch, t0

    /* mstatus.FS = Initial: the F and D instructions may run */
    li      t0, (1 << 13)
    csrs    mstatus, t0
    csrw    fcsr, zero

    call    main
    call    guest_exit      /* a0 = main's return value: 0 pass, else fail code */

park:
    wfi
    j       park
