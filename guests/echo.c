/*
 * guests/echo.c - reads one line from the UART and prints it back: the
 * console's input path (host stdin -> UART receive FIFO -> guest), for
 * scripted runs through a pipe.
 * Course: I/O虚拟化 / 设备模拟: every poll of the line-status register is an
 *         MMIO exit the VMM emulates; input arrives while the guest polls.
 * Spec: NS16550A datasheet, "Line Status Register" (bit 0, DR: data ready),
 *       "Receiver Buffer Register".
 * Simplified: polling, no interrupts; a line ends at '\n' or 64 bytes.
 */
#include "guests/lib/guest.h"

#define UART_RBR     0
#define UART_LSR_DR  0x01
#define LINE_MAX_LEN 64

static char uart_getc(void)
{
    while ((mmio_read8(MEMMAP_UART0_BASE + UART_LSR) & UART_LSR_DR) == 0) {
    }
    return (char)mmio_read8(MEMMAP_UART0_BASE + UART_RBR);
}

int main(void)
{
    char line[LINE_MAX_LEN + 1];
    unsigned len = 0;

    printf("echo: type a line\n");
    while (len < LINE_MAX_LEN) {
        char c = uart_getc();
        if (c == '\n' || c == '\r') {
            break;
        }
        line[len++] = c;
    }
    line[len] = '\0';
    printf("echo: you typed '%s'\n", line);
    return 0;
}
