/*
 * guests/lib/guest.h - the small support library every guest in guests/
 * links: console output (UART or HTIF), printf, poweroff through the test
 * device, trap entry for M- and S-mode, CLINT timer, PMP, memset/memcpy.
 * Course: 处理器虚拟化 / the guest side of 陷入和模拟: a bare-metal "guest
 *         OS" small enough to read in one sitting.
 * Spec: Privileged 20211203, §3.1.7 "mtvec", §3.3 "Machine-Mode Privileged
 *       Instructions", §3.2.1 "Machine Timer Registers"; QEMU virt's
 *       sifive_test device; NS16550A datasheet.
 * Simplified: one hart; traps do not nest; the trap path saves the integer
 * registers only, so handlers must not use floating point.
 */
#ifndef VMLAB_GUESTS_LIB_GUEST_H
#define VMLAB_GUESTS_LIB_GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "guests/lib/riscv.h"
#include "vm/memmap.h"

/* ------------------------------------------------------------ console */

/* 16550A registers (byte offsets from MEMMAP_UART0_BASE). */
#define UART_THR      0    /* transmit holding register (write) */
#define UART_LSR      5    /* line status register (read) */
#define UART_LSR_THRE 0x20 /* bit 5: THR empty, a byte may be written */

/* One character to the UART: one LSR read while THRE is set, one THR write. */
void uart_putc(char c);

/* Where console output goes: uart_putc unless a guest chose htif_putc. */
void console_set_output(void (*putc_fn)(char c));
void console_putc(char c);
void console_puts(const char *s); /* no newline added */

__attribute__((format(printf, 1, 2))) int printf(const char *fmt, ...);
__attribute__((format(printf, 3, 4))) int snprintf(char *buf, size_t size, const char *fmt, ...);
__attribute__((format(printf, 3, 0))) int vsnprintf(char *buf, size_t size, const char *fmt,
                                                    va_list ap);

/* ------------------------------------------------------------ poweroff */

#define SYSCON_PASS 0x5555u /* sifive_test: power off, success */
#define SYSCON_FAIL 0x3333u /* sifive_test: power off, (code << 16) | 0x3333 */

#define SYSCON_RESET 0x7777u /* sifive_test: reset (reboot) */

/* Power off: code 0 = pass, otherwise fail with code (1..65535). Never returns. */
__attribute__((noreturn)) void guest_exit(int code);
/* Ask for a reset: the machine reboots (or, under vmlab --no-reboot, stops). Never returns. */
__attribute__((noreturn)) void guest_reboot(void);

/*
 * HTIF (the riscv-tests tohost/fromhost convention). Only for a guest that
 * defines `volatile uint64_t tohost, fromhost` in a section named .tohost;
 * the other guests never link htif.o.
 */
void htif_putc(char c);
__attribute__((noreturn)) void htif_exit(int code);

/*
 * SBI calls of an S-mode kernel (guests/lib/sbi.c, with crt0-s.S): legacy
 * console putchar, and poweroff (0: shutdown; else SRST with reason "system
 * failure"). The VMM's SBI (--bios vmm) answers them.
 */
void sbi_putc(char c);
__attribute__((noreturn)) void sbi_exit(int code);

/* --------------------------------------------------------------- traps */

/*
 * What trap.S saves on the trap stack: x1..x31 (x[0] is unused), then the
 * trap CSRs of the mode that took the trap. A handler may change any field;
 * trap.S writes them all back (epc to xepc, status to xstatus) before
 * mret/sret, which is how a handler skips an instruction, changes the mode
 * it returns to, or switches to another task.
 *
 *   offset  0   8   16  ...  248   256   264     272    280
 *          [x0][ra][sp] ... [t6] [epc][status][cause][tval]
 */
struct trap_frame {
    uint64_t x[32];
    uint64_t epc;
    uint64_t status;
    uint64_t cause;
    uint64_t tval;
};

typedef void (*trap_handler_fn)(struct trap_frame *tf);

/* The C handler for traps taken into M-mode (crt0 set mtvec and mscratch). */
void trap_set_m_handler(trap_handler_fn fn);
/* Set stvec and sscratch so traps delegated to S-mode reach fn, on an S trap stack. */
void trap_init_s(trap_handler_fn fn);
/* Called by trap.S; the default prints the trap and fails with 100 + cause. */
void trap_dispatch_m(struct trap_frame *tf);
void trap_dispatch_s(struct trap_frame *tf);

/* Length in bytes (2 or 4) of the instruction at gva, from its low bits. */
unsigned insn_length_at(uint64_t gva);
/* 1 when cause is an interrupt (mcause bit 63). */
int cause_is_interrupt(uint64_t cause);

/* ----------------------------------------------------- timer and PMP */

#define CLINT_MTIMECMP 0x4000 /* + 8 * hartid */
#define CLINT_MTIME    0xbff8

uint64_t clint_mtime(void);
void clint_set_mtimecmp(uint64_t ticks);

/* PMP entry 0: NAPOT over the whole address space, RWX, so S and U may run. */
void pmp_allow_all(void);

/* --------------------------------------------------------------- string */

void *memset(void *dst, int byte, size_t len);
void *memcpy(void *dst, const void *src, size_t len);
int strcmp(const char *a, const char *b);

/* ------------------------------------------------- teaching kernels */

/* U-mode code of a teaching kernel: its own section, which the kernel maps for U. */
#define USER_TEXT __attribute__((section(".user.text"), noinline))

/* A system call from U-mode to the guest's own kernel: ecall, a7 = num, a0 = arg; gives a0. */
static inline __attribute__((always_inline)) uint64_t user_syscall(uint64_t num, uint64_t arg)
{
    register uint64_t a0 __asm__("a0") = arg;
    register uint64_t a7 __asm__("a7") = num;

    __asm__ volatile("ecall" : "+r"(a0) : "r"(a7) : "memory");
    return a0;
}

#endif
