/*
 * guests/lib/crt0-s.S - where an S-mode payload starts (guests linked with
 * -Ttext=0x80200000 and entry _start_s, guests/guests.mk): under vmlab's
 * --bios vmm the VMM itself puts the hart in S-mode here with a0 = hartid,
 * a1 = device-tree address, as OpenSBI or KVM would. No M-mode code exists.
 * Course: 处理器虚拟化 / 半虚拟化: a guest kernel whose firmware is the VMM.
 * Spec: RISC-V SBI v2.0, §10 "System Reset Extension" (the end of the run);
 *       Privileged 20211203, §4.1.1 "sstatus".
 * Simplified: hart 0 runs; any other hart parks. No CSR access here: under
 * --cpu trap this start costs no exit at all (the FPU is on already:
 * the VMM starts the hart with sstatus.FS = Initial).
 */
#include "guests/lib/crt-common.h"

    .section .text.init, "ax", @progbits
    .globl _start_s
_start_s:
    bnez    a0, park_s

    c_runtime_setup
    call    main
    /* SBI SRST system_reset(shutdown, reason): 0 = no reason (pass), else system failure */
    snez    a1, a0
    li      a0, 0
    li      a6, 0
    li      a7, 0x53525354
    ecall

park_s:
    wfi
    j       park_s
