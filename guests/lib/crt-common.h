/*
 * guests/lib/crt-common.h - what every guest start (crt0.S for M-mode,
 * crt0-s.S for an S-mode kernel under the VMM's SBI) does before C: the
 * global pointer, the boot stack, a zeroed .bss. Included by those .S files
 * (through the C preprocessor) as one assembler macro.
 */
#ifndef VMLAB_GUESTS_LIB_CRT_COMMON_H
#define VMLAB_GUESTS_LIB_CRT_COMMON_H

/* clang-format off */
.macro c_runtime_setup
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
.endm
/* clang-format on */

#endif
