/*
 * guests/lib/trap.S - trap entry and exit for M-mode (mtvec) and S-mode
 * (stvec): save every integer register in a struct trap_frame on the trap
 * stack, call the C dispatcher with a0 = the frame, write back the trap CSRs
 * (so the handler can change epc/status), restore the registers, xRET.
 * Course: 处理器虚拟化 / 陷入 (trap): what hardware does on a trap, and
 *         what the software half of "trap-and-emulate" looks like inside a
 *         guest kernel.
 * Spec: Privileged 20211203, §3.1.7 "mtvec" (Direct mode), §3.3.2 "Trap-
 *       Return Instructions", §3.1.14 "mscratch", §4.1.6 "sscratch".
 * Simplified: direct mode only; xscratch always holds the top of the trap
 * stack, so a trap inside a handler is not supported; f registers are not
 * saved (handlers use integer code only).
 *
 * The entry swaps sp with xscratch: sp becomes the trap stack, xscratch
 * briefly holds the interrupted sp, which is stored in the frame's x2 slot.
 */
#define FRAME_SIZE (36 * 8)
#define F_EPC (32 * 8)
#define F_STATUS (33 * 8)
#define F_CAUSE (34 * 8)
#define F_TVAL (35 * 8)

/* Save or load x1, x3..x31 at their slots of the frame sp points to. */
.macro REGS op
    \op x1, 1*8(sp)
    \op x3, 3*8(sp)
    \op x4, 4*8(sp)
    \op x5, 5*8(sp)
    \op x6, 6*8(sp)
    \op x7, 7*8(sp)
    \op x8, 8*8(sp)
    \op x9, 9*8(sp)
    \op x10, 10*8(sp)
    \op x11, 11*8(sp)
    \op x12, 12*8(sp)
    \op x13, 13*8(sp)
    \op x14, 14*8(sp)
    \op x15, 15*8(sp)
    \op x16, 16*8(sp)
    \op x17, 17*8(sp)
    \op x18, 18*8(sp)
    \op x19, 19*8(sp)
    \op x20, 20*8(sp)
    \op x21, 21*8(sp)
    \op x22, 22*8(sp)
    \op x23, 23*8(sp)
    \op x24, 24*8(sp)
    \op x25, 25*8(sp)
    \op x26, 26*8(sp)
    \op x27, 27*8(sp)
    \op x28, 28*8(sp)
    \op x29, 29*8(sp)
    \op x30, 30*8(sp)
    \op x31, 31*8(sp)
.endm

/* One entry per mode: m or s names the CSRs (mscratch/sscratch, ...). */
.macro TRAP_ENTRY mode
    .balign 4
    .globl trap_entry_\mode
trap_entry_\mode:
    csrrw   sp, \mode\()scratch, sp
    addi    sp, sp, -FRAME_SIZE
    REGS sd
    csrr    t0, \mode\()scratch
    sd      t0, 2*8(sp)
    csrr    t0, \mode\()epc
    sd      t0, F_EPC(sp)
    csrr    t0, \mode\()status
    sd      t0, F_STATUS(sp)
    csrr    t0, \mode\()cause
    sd      t0, F_CAUSE(sp)
    csrr    t0, \mode\()tval
    sd      t0, F_TVAL(sp)

    mv      a0, sp
    call    trap_dispatch_\mode

    ld      t0, F_EPC(sp)
    csrw    \mode\()epc, t0
    ld      t0, F_STATUS(sp)
    csrw    \mode\()status, t0
    addi    t0, sp, FRAME_SIZE
    csrw    \mode\()scratch, t0
    REGS ld
    ld      sp, 2*8(sp)
    \mode\()ret
.endm

    .text
    TRAP_ENTRY m
    TRAP_ENTRY s
