/*
 * guests/lib/crt0-s.S - where an S-mode guest kernel starts (guests/hwtest.c):
 * the VMM's SBI (--bios vmm) enters it in S-mode (VS-mode under --cpu hw) at
 * 0x8020_0000 with a0 = hartid, a1 = device-tree address, as OpenSBI enters
 * a kernel. No M-mode here: poweroff and console go through SBI calls.
 * Course: 处理器虚拟化 / 虚拟机启动 (a guest kernel on the VMM's SBI, as on
 *         KVM); 半虚拟化 (the SBI ecall is a hypercall).
 * Spec: Privileged 20211203, §4.1.1 "Supervisor Status Register" (FS must be
 *       non-zero for F/D); RISC-V SBI v2.0, §4 (the kernel's entry state).
 * Simplified: hart 0 runs; any other hart parks in a wfi loop. Its only CSR
 * access is one csrs of sstatus (one priv_insn exit under --cpu trap).
 */
    .section .text.init, "ax", @progbits
    .globl _start_s
_start_s:
    bnez    a0, park

    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack_top

    /* C expects .bss to be zero */
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    /* sstatus.FS = Initial: the F and D instructions may run */
    li      t0, (1 << 13)
    csrs    sstatus, t0

    call    main
    call    sbi_exit        /* a0 = main's return value: 0 pass, else fail code */

park:
    wfi
    j       park
