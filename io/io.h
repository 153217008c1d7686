/*
 * io/io.h - the MMIO bus and the devices of QEMU's virt board that the core
 * needs: UART 16550A, test/syscon, HTIF.
 * Course: I/O虚拟化 / 设备模拟 (捕捉MMIO操作, 模拟寄存器).
 *
 * A device is a set of registers behind an address window. A guest access
 * there leaves the CPU as an EXIT_MMIO; the run loop hands it to
 * io_dispatch(), which finds the device and calls its read or write.
 * Devices never call the CPU: they report what they want (an interrupt line
 * level, a poweroff) through their own state, which the VM polls.
 */
#ifndef VMLAB_IO_IO_H
#define VMLAB_IO_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mmu/types.h"

struct mmio_device_ops {
    /* offset is from the window's base; size 1, 2, 4 or 8. Return 0, or
     * -1 for an access the device refuses (the guest gets an access fault). */
    int (*read)(void *dev, uint64_t offset, unsigned size, uint64_t *out);
    int (*write)(void *dev, uint64_t offset, unsigned size, uint64_t val);
};

struct mmio_bus;

struct mmio_bus *mmio_bus_create(void);
void mmio_bus_destroy(struct mmio_bus *bus);
/* Register a window [gpa, gpa+size). 0, or -EEXIST if it overlaps another. */
__attribute__((warn_unused_result)) int mmio_bus_add(struct mmio_bus *bus, const char *name,
                                                     gpa_t gpa, uint64_t size,
                                                     const struct mmio_device_ops *ops, void *dev);
/* Perform one access. 0, or -1: no device there or the device refused. */
int mmio_bus_access(struct mmio_bus *bus, gpa_t gpa, unsigned size, bool is_write, uint64_t *data);
/* For `info devices`: the index-th window in GPA order; false past the end. */
struct mmio_window {
    const char *name;
    gpa_t gpa;
    uint64_t size;
};
bool mmio_bus_window(const struct mmio_bus *bus, unsigned index, struct mmio_window *out);

/* ---------------------------------------------------------------- UART */

/*
 * 16550A (NS16550A datasheet; QEMU's serial.c behaviour): RBR/THR, IER, IIR/FCR,
 * LCR, MCR, LSR, MSR, SCR, DLL/DLM. Output goes to `out`; input comes from
 * uart_push_input(). irq_level() says whether the interrupt line is high.
 * Only 1-byte accesses (as QEMU's virt UART, reg-io-width 1); wider ones are
 * refused (the guest gets an access fault). Loopback (MCR.LOOP) is stored
 * and ignored. Output is immediate: fputc to `out`, flushed at '\n' and by
 * uart_flush(). `out` may be NULL (output discarded, still counted).
 */
struct uart;
struct uart *uart_create(FILE *out);
void uart_destroy(struct uart *u);
extern const struct mmio_device_ops uart_ops;
/* Queue a byte typed by the user. false when the receive buffer is full. */
bool uart_push_input(struct uart *u, uint8_t byte);
bool uart_rx_has_room(const struct uart *u);
bool uart_irq_level(const struct uart *u);
/*
 * true once after a change QEMU's serial re-signals its interrupt line for (a byte
 * received; THR, IER or FCR written; RBR or IIR read; a reset), then false until the next:
 * the VMM passes uart_irq_level to plic_signal only then, so a THR-empty interrupt that a
 * driver never clears (xv6's) does not interrupt again after every completion.
 */
bool uart_irq_signal(struct uart *u);
void uart_reset(struct uart *u);
void uart_flush(struct uart *u);
struct uart_stats {
    uint64_t tx_bytes; /* io.uart.tx_bytes */
    uint64_t rx_bytes; /* io.uart.rx_bytes */
};
const struct uart_stats *uart_stats(const struct uart *u);

/* --------------------------------------------------------- test/syscon */

/*
 * QEMU's sifive_test device: write 0x5555 = pass, (code << 16) | 0x3333 =
 * fail with code, 0x7777 = reset. The request stays in the struct until the
 * VMM reads and clears it. 2- and 4-byte accesses; reads return 0.
 */
enum syscon_request { SYSCON_NONE, SYSCON_POWEROFF_PASS, SYSCON_POWEROFF_FAIL, SYSCON_RESET };
struct syscon {
    enum syscon_request request;
    uint32_t fail_code;
};
extern const struct mmio_device_ops syscon_ops;

#endif
