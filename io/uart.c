/*
 * io/uart.c - the 16550A UART of QEMU's virt board (GPA 0x1000_0000, IRQ 10).
 * Course: I/O虚拟化 / 设备模拟: every guest access to a register exits to the
 *         VMM, which updates the register model here; 中断: the device only
 *         says whether its interrupt line is high (uart_irq_level), the VMM
 *         routes it to PLIC source 10 at each VM entry (vm/run.c,
 *         irq/plic.c). The line is a level: high while IIR names a source;
 *         as QEMU's serial, the UART re-signals it after the changes that
 *         can raise it (a byte in, THR/IER/FCR written, RBR/IIR read), and
 *         the PLIC latches one request per signal (plic_signal).
 * Spec: TI/National PC16550D datasheet, "Register Description" (RBR, THR,
 *       IER, IIR, FCR, LCR, MCR, LSR, MSR, SCR, DLL/DLM) and "FIFO Interrupt
 *       Mode Operation"; QEMU's serial device for what a guest sees.
 *
 *   offset  DLAB=0 read   DLAB=0 write   DLAB=1
 *   0       RBR           THR            DLL
 *   1       IER           IER            DLM
 *   2       IIR           FCR
 *   3       LCR           LCR
 *   4       MCR           MCR
 *   5       LSR           (ignored)
 *   6       MSR           (ignored)
 *   7       SCR           SCR
 *
 * Simplified: transmission is instantaneous (THR is always empty: LSR.THRE
 * and TEMT always set); the baud rate and line format are stored, never used;
 * the "character timeout" interrupt is signalled at once, not after four
 * character times; no line-status interrupts (no errors, no overrun: the
 * console keeps a byte until uart_rx_has_room); loopback (MCR.LOOP) is
 * stored and ignored; accesses wider than 1 byte are refused (access fault).
 */
#include "io/io.h"

#include <stdlib.h>

#define UART_RBR 0 /* DLAB=0 read; THR on write; DLL with DLAB=1 */
#define UART_IER 1 /* DLM with DLAB=1 */
#define UART_IIR 2 /* FCR on write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* THR empty */
#define IER_MASK  0x0f

/* IIR bits 3:1 say which source, bit 0 = 1: nothing pending. */
#define IIR_NO_INT  0x01
#define IIR_THRI    0x02 /* THR empty (priority 3) */
#define IIR_RDI     0x04 /* received data at the trigger level (priority 2) */
#define IIR_CTI     0x0c /* character timeout: data below the trigger (priority 2) */
#define IIR_FIFO_ON 0xc0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04

#define LCR_DLAB 0x80
#define MCR_OUT2 0x08
#define MCR_MASK 0x1f

#define LSR_DR   0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_CTS 0x10 /* as QEMU's serial with a connected back end: CTS, DSR, DCD */
#define MSR_DSR 0x20
#define MSR_DCD 0x80

#define UART_RX_FIFO 16

struct uart {
    FILE *out;
    uint8_t rx[UART_RX_FIFO]; /* ring buffer: rx_head is the oldest byte */
    unsigned rx_head, rx_count;
    uint8_t ier, lcr, mcr, scr, fcr;
    uint16_t divisor;
    bool thr_ipending; /* the THR-empty interrupt is latched until IIR read or THR write */
    bool irq_signal;   /* a change QEMU's serial re-signals its line for (uart_irq_signal) */
    struct uart_stats stats;
};

struct uart *uart_create(FILE *out)
{
    struct uart *u = calloc(1, sizeof(*u));
    if (u) {
        u->out = out;
        uart_reset(u);
    }
    return u;
}

void uart_destroy(struct uart *u)
{
    if (u) {
        uart_flush(u);
        free(u);
    }
}

void uart_reset(struct uart *u)
{
    u->rx_head = 0;
    u->rx_count = 0;
    u->ier = 0;
    u->lcr = 0;
    u->mcr = MCR_OUT2; /* QEMU's reset value */
    u->scr = 0;
    u->fcr = 0;
    u->divisor = 0x0c; /* 9600 baud at 1.8432 MHz, QEMU's reset value */
    u->thr_ipending = false;
    u->irq_signal = true; /* the reset line goes to the PLIC */
}

void uart_flush(struct uart *u)
{
    if (u->out) {
        fflush(u->out);
    }
}

const struct uart_stats *uart_stats(const struct uart *u)
{
    return &u->stats;
}

bool uart_rx_has_room(const struct uart *u)
{
    return u->rx_count < UART_RX_FIFO;
}

bool uart_push_input(struct uart *u, uint8_t byte)
{
    if (!uart_rx_has_room(u)) {
        return false;
    }
    u->rx[(u->rx_head + u->rx_count) % UART_RX_FIFO] = byte;
    u->rx_count++;
    u->stats.rx_bytes++;
    u->irq_signal = true;
    return true;
}

/* FCR bits 7:6 choose how many bytes raise "data available": 1, 4, 8, 14. */
static unsigned rx_trigger_level(const struct uart *u)
{
    static const unsigned levels[4] = {1, 4, 8, 14};
    return (u->fcr & FCR_ENABLE) ? levels[u->fcr >> 6] : 1;
}

/* The datasheet's IIR priority table: RX data (2) before THR empty (3). */
static uint8_t uart_iir_source(const struct uart *u)
{
    if ((u->ier & IER_ERBFI) && u->rx_count > 0) {
        return u->rx_count >= rx_trigger_level(u) ? IIR_RDI : IIR_CTI;
    }
    if ((u->ier & IER_ETBEI) && u->thr_ipending) {
        return IIR_THRI;
    }
    return IIR_NO_INT;
}

bool uart_irq_level(const struct uart *u)
{
    return uart_iir_source(u) != IIR_NO_INT;
}

bool uart_irq_signal(struct uart *u)
{
    bool changed = u->irq_signal;
    u->irq_signal = false;
    return changed;
}

static uint8_t uart_pop_rx(struct uart *u)
{
    if (u->rx_count == 0) {
        return 0;
    }
    uint8_t byte = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % UART_RX_FIFO;
    u->rx_count--;
    return byte;
}

static void uart_transmit(struct uart *u, uint8_t byte)
{
    u->stats.tx_bytes++;
    if (u->out) {
        fputc(byte, u->out);
        if (byte == '\n') {
            fflush(u->out);
        }
    }
    u->thr_ipending = true; /* the THR empties at once */
}

static uint8_t uart_read_reg(struct uart *u, uint64_t offset)
{
    bool dlab = u->lcr & LCR_DLAB;
    if (!dlab && (offset == UART_RBR || offset == UART_IIR)) {
        u->irq_signal = true; /* as QEMU's serial: these reads re-signal the line */
    }
    switch (offset) {
    case UART_RBR:
        return dlab ? (uint8_t)u->divisor : uart_pop_rx(u);
    case UART_IER:
        return dlab ? (uint8_t)(u->divisor >> 8) : u->ier;
    case UART_IIR: {
        uint8_t source = uart_iir_source(u);
        if (source == IIR_THRI) {
            u->thr_ipending = false; /* reading IIR clears a THR-empty interrupt */
        }
        return source | ((u->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0);
    }
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR:
        if (!u->rx_count) {
            uart_flush(u); /* polling for input: the user must see the prompt it waits under */
        }
        return LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
    case UART_MSR:
        return MSR_CTS | MSR_DSR | MSR_DCD;
    case UART_SCR:
        return u->scr;
    default:
        return 0; /* the rest of the 0x100 window reads as zero */
    }
}

static void uart_write_fcr(struct uart *u, uint8_t val)
{
    if (val & FCR_CLEAR_RX) {
        u->rx_head = 0;
        u->rx_count = 0;
    }
    u->fcr = val & ~(FCR_CLEAR_RX | FCR_CLEAR_TX);
}

static void uart_write_ier(struct uart *u, uint8_t val)
{
    uint8_t old = u->ier;
    u->ier = val & IER_MASK;
    if (!(old & IER_ETBEI) && (u->ier & IER_ETBEI)) {
        u->thr_ipending = true; /* enabling ETBEI with THR empty interrupts at once */
    }
}

static void uart_write_reg(struct uart *u, uint64_t offset, uint8_t val)
{
    bool dlab = u->lcr & LCR_DLAB;
    if ((!dlab && offset <= UART_IER) || offset == UART_IIR) {
        u->irq_signal = true; /* THR, IER and FCR writes re-signal the line (QEMU's serial) */
    }
    switch (offset) {
    case UART_RBR:
        if (dlab) {
            u->divisor = (uint16_t)((u->divisor & 0xff00) | val);
        } else {
            uart_transmit(u, val);
        }
        break;
    case UART_IER:
        if (dlab) {
            u->divisor = (uint16_t)((u->divisor & 0x00ff) | (val << 8));
        } else {
            uart_write_ier(u, val);
        }
        break;
    case UART_IIR:
        uart_write_fcr(u, val);
        break;
    case UART_LCR:
        u->lcr = val;
        break;
    case UART_MCR:
        u->mcr = val & MCR_MASK;
        break;
    case UART_SCR:
        u->scr = val;
        break;
    default:
        break; /* LSR, MSR and the rest of the window ignore writes */
    }
}

static int uart_mmio_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    if (size != 1) {
        return -1;
    }
    *out = uart_read_reg(dev, offset);
    return 0;
}

static int uart_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    if (size != 1) {
        return -1;
    }
    uart_write_reg(dev, offset, (uint8_t)val);
    return 0;
}

const struct mmio_device_ops uart_ops = {
    .read = uart_mmio_read,
    .write = uart_mmio_write,
};
