/*
 * guests/lib/uart.c - console output through the 16550A UART by polling, and
 * the console switch (UART or HTIF).
 * Course: I/O虚拟化 / 设备模拟: each register access below is an MMIO
 *         access the VMM traps and emulates (one EXIT_MMIO each).
 * Spec: NS16550A datasheet, "Line Status Register" (bit 5, THRE).
 * Simplified: no initialisation (divisor, FIFO): QEMU's and vmlab's UART
 * work from reset; no "\n" -> "\r\n" translation, so the guest's bytes are
 * exactly what the terminal gets.
 *
 * MMIO count, which tests/guests/run.sh relies on: uart_putc reads LSR until
 * THRE is set, then writes THR once. An emulated UART whose transmitter is
 * always empty answers the first read, so a character costs exactly two
 * MMIO exits: one LSR read and one THR write.
 */
#include "guests/lib/guest.h"

static void (*console_output)(char c) = uart_putc;

void uart_putc(char c)
{
    while ((mmio_read8(MEMMAP_UART0_BASE + UART_LSR) & UART_LSR_THRE) == 0) {
    }
    mmio_write8(MEMMAP_UART0_BASE + UART_THR, (uint8_t)c);
}

void console_set_output(void (*putc_fn)(char c))
{
    console_output = putc_fn;
}

void console_putc(char c)
{
    console_output(c);
}

void console_puts(const char *s)
{
    while (*s != '\0') {
        console_output(*s++);
    }
}
