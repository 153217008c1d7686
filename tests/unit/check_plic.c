/*
 * tests/unit/check_plic.c - the PLIC (irq/plic.c): priorities, pending bits,
 * per-context enables and thresholds, claim/complete with level-triggered
 * re-pending, the two contexts of a hart, WARL fields, bad offsets and
 * widths; the UART's interrupt line into PLIC source 10; the PLIC's node in
 * the device tree (vm/fdt.c).
 * Course: 中断虚拟化 / 外部中断.
 * Spec: RISC-V PLIC Specification v1.0.0 ("Memory Map", "Interrupt
 *       Priorities", "Interrupt Pending Bits", "Interrupt Enables",
 *       "Priority Thresholds", "Interrupt Claim Process", "Interrupt
 *       Completion"); PC16550D datasheet "Interrupt Identification
 *       Register"; Linux DT binding sifive,plic-1.0.0.yaml; QEMU's virt
 *       board for the context numbering (context 0 = hart 0 M-mode,
 *       context 1 = hart 0 S-mode).
 * Expected values are worked by hand from those documents (see comments).
 */
#include <check.h>
#include <libfdt.h>
#include <stdlib.h>

#include "io/io.h"
#include "irq/irq.h"
#include "vm/fdt.h"
#include "vm/memmap.h"

/* Register offsets, from the spec's memory map (not from irq/irq.h's macros). */
#define PRIO(id)     (4u * (id))          /* 0x000000 + 4*id */
#define PENDING(w)   (0x1000u + 4u * (w)) /* 0x001000 + 4*word */
#define ENABLE(c, w) (0x2000u + 0x80u * (c) + 4u * (w))
#define THRESHOLD(c) (0x200000u + 0x1000u * (c))
#define CLAIM(c)     (0x200004u + 0x1000u * (c))

static struct plic *p;

static void setup(void)
{
    p = plic_create(1); /* one hart: contexts 0 (M) and 1 (S) */
    ck_assert_ptr_nonnull(p);
}

static void teardown(void)
{
    plic_destroy(p);
    p = NULL;
}

static uint64_t rd(uint64_t offset)
{
    uint64_t val = 0xdeadbeef;
    ck_assert_int_eq(plic_ops.read(p, offset, 4, &val), 0);
    return val;
}

static void wr(uint64_t offset, uint64_t val)
{
    ck_assert_int_eq(plic_ops.write(p, offset, 4, val), 0);
}

/* ----------------------------------------------------------------- core */

/*
 * --cpu hw's PLIC (plic_create_s_only): one context for hart 0, its S-mode
 * one. Source 10 at priority 1, enabled for context 0, threshold 0: its line
 * raises context 0's line (which the VMM wires to SEIP); a context 1 does
 * not exist (reads 0, writes ignored).
 */
START_TEST(test_plic_s_only)
{
    plic_destroy(p);
    p = plic_create_s_only(1);
    ck_assert_ptr_nonnull(p);
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    wr(ENABLE(1, 0), 1u << 10);
    ck_assert_uint_eq(rd(ENABLE(1, 0)), 0);
    plic_set_line(p, 10, true);
    ck_assert(plic_meip(p, 0));
    ck_assert(!plic_meip(p, 1));
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
}
END_TEST

START_TEST(test_plic_reset_state)
{
    /* "reset": every priority, enable and threshold 0; nothing pending */
    ck_assert_uint_eq(rd(PRIO(10)), 0);
    ck_assert_uint_eq(rd(PENDING(0)), 0);
    ck_assert_uint_eq(rd(ENABLE(0, 0)), 0);
    ck_assert_uint_eq(rd(THRESHOLD(1)), 0);
    ck_assert_uint_eq(rd(CLAIM(0)), 0); /* no interrupt: claim gives 0 */
    ck_assert(!plic_meip(p, 0));
    ck_assert(!plic_meip(p, 1));
    /* a line high but priority 0 ("never interrupt") and not enabled: pending, no line */
    plic_set_line(p, 10, true);
    ck_assert_uint_eq(rd(PENDING(0)), 0x400); /* bit 10 = 0x400 */
    ck_assert(!plic_meip(p, 0));
}
END_TEST

START_TEST(test_plic_priority_warl)
{
    /* 3 priority bits: 0xffffffff reads back 7; 9 = 0b1001 reads back 1 */
    wr(PRIO(10), 0xffffffff);
    ck_assert_uint_eq(rd(PRIO(10)), 7);
    wr(PRIO(10), 9);
    ck_assert_uint_eq(rd(PRIO(10)), 1);
    /* the last source, 95, at 0x17c */
    wr(0x17c, 5);
    ck_assert_uint_eq(rd(0x17c), 5);
    /* source 0 does not exist: its priority stays 0 */
    wr(PRIO(0), 7);
    ck_assert_uint_eq(rd(PRIO(0)), 0);
    /* threshold: 3 bits too (0xff -> 7) */
    wr(THRESHOLD(0), 0xff);
    ck_assert_uint_eq(rd(THRESHOLD(0)), 7);
}
END_TEST

START_TEST(test_plic_claim_complete_level)
{
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    plic_set_line(p, 10, true);
    ck_assert(plic_meip(p, 0));  /* priority 1 > threshold 0, enabled, pending */
    ck_assert(!plic_meip(p, 1)); /* context 1 enables nothing */
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
    /* claimed: pending bit clear, line low although the device's line is still high */
    ck_assert_uint_eq(rd(PENDING(0)), 0);
    ck_assert(!plic_meip(p, 0));
    ck_assert_uint_eq(rd(CLAIM(0)), 0);
    /* complete with the line still high: level-triggered, pending again */
    wr(CLAIM(0), 10);
    ck_assert_uint_eq(rd(PENDING(0)), 0x400);
    ck_assert(plic_meip(p, 0));
    /* the device drops its line (the guest read the byte): nothing pending */
    plic_set_line(p, 10, false);
    ck_assert_uint_eq(rd(PENDING(0)), 0);
    ck_assert(!plic_meip(p, 0));
    ck_assert_uint_eq(rd(CLAIM(0)), 0);
}
END_TEST

START_TEST(test_plic_priority_order)
{
    /* sources 3 (priority 2), 5 (6), 7 (6), 40 (4), all enabled for context 0 */
    wr(PRIO(3), 2);
    wr(PRIO(5), 6);
    wr(PRIO(7), 6);
    wr(PRIO(40), 4);
    wr(ENABLE(0, 0), (1u << 3) | (1u << 5) | (1u << 7)); /* 0xa8 */
    wr(ENABLE(0, 1), 1u << (40 - 32));                   /* word 1, bit 8 */
    plic_set_line(p, 3, true);
    plic_set_line(p, 5, true);
    plic_set_line(p, 7, true);
    plic_set_line(p, 40, true);
    ck_assert_uint_eq(rd(PENDING(0)), 0xa8);
    ck_assert_uint_eq(rd(PENDING(1)), 0x100);
    /* highest first; 5 and 7 tie at 6: the lower id wins */
    ck_assert_uint_eq(rd(CLAIM(0)), 5);
    ck_assert_uint_eq(rd(CLAIM(0)), 7);
    ck_assert_uint_eq(rd(CLAIM(0)), 40);
    ck_assert_uint_eq(rd(CLAIM(0)), 3);
    ck_assert_uint_eq(rd(CLAIM(0)), 0);
    ck_assert_uint_eq(plic_stats(p)->delivered, 4); /* the 0 is no delivery */
}
END_TEST

START_TEST(test_plic_threshold)
{
    wr(PRIO(10), 3);
    wr(ENABLE(0, 0), 1u << 10);
    plic_set_line(p, 10, true);
    /* "only interrupts with priority strictly greater than the threshold" */
    wr(THRESHOLD(0), 3);
    ck_assert(!plic_meip(p, 0));
    ck_assert_uint_eq(rd(CLAIM(0)), 0);
    ck_assert_uint_eq(rd(PENDING(0)), 0x400); /* masked, still pending */
    wr(THRESHOLD(0), 2);
    ck_assert(plic_meip(p, 0));
    /* raising the source's priority above the threshold works too */
    wr(THRESHOLD(0), 7);
    ck_assert(!plic_meip(p, 0));
    wr(PRIO(10), 7);
    ck_assert(!plic_meip(p, 0)); /* 7 is not > 7 */
    wr(THRESHOLD(0), 6);
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
}
END_TEST

START_TEST(test_plic_two_contexts)
{
    /* context 0 (M) takes source 10, context 1 (S) source 4 */
    wr(PRIO(10), 1);
    wr(PRIO(4), 1);
    wr(ENABLE(0, 0), 1u << 10); /* at 0x2000 */
    wr(ENABLE(1, 0), 1u << 4);  /* at 0x2080 */
    ck_assert_uint_eq(rd(ENABLE(1, 0)), 0x10);
    plic_set_line(p, 4, true);
    ck_assert(!plic_meip(p, 0));
    ck_assert(plic_meip(p, 1));
    plic_set_line(p, 10, true);
    ck_assert(plic_meip(p, 0));
    /* context 1's threshold masks only context 1 */
    wr(THRESHOLD(1), 1); /* at 0x201000 */
    ck_assert(!plic_meip(p, 1));
    ck_assert(plic_meip(p, 0));
    wr(THRESHOLD(1), 0);
    /* each claims its own source */
    ck_assert_uint_eq(rd(CLAIM(1)), 4); /* at 0x201004 */
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
    /* a complete from a context that does not enable the source is ignored */
    wr(CLAIM(1), 10);
    ck_assert_uint_eq(rd(PENDING(0)), 0);
    wr(CLAIM(0), 10);
    ck_assert_uint_eq(rd(PENDING(0)), 0x400); /* line 10 still high: pending again */
    /* a source enabled in both: one claim takes it from both */
    wr(ENABLE(1, 0), (1u << 4) | (1u << 10));
    ck_assert(plic_meip(p, 0) && plic_meip(p, 1));
    ck_assert_uint_eq(rd(CLAIM(1)), 10);
    ck_assert(!plic_meip(p, 0));
    ck_assert_uint_eq(rd(CLAIM(0)), 0);
}
END_TEST

START_TEST(test_plic_enable_bits)
{
    /* source 0 does not exist: bit 0 of word 0 is hardwired 0 -> 0xfffffffe */
    wr(ENABLE(0, 0), 0xffffffff);
    ck_assert_uint_eq(rd(ENABLE(0, 0)), 0xfffffffe);
    /* word 2 = sources 64..95, all exist */
    wr(ENABLE(0, 2), 0xffffffff);
    ck_assert_uint_eq(rd(ENABLE(0, 2)), 0xffffffff);
    ck_assert_uint_eq(rd(ENABLE(1, 2)), 0);
    /* source 95 = word 2 bit 31 */
    wr(PRIO(95), 1);
    plic_set_line(p, 95, true);
    ck_assert_uint_eq(rd(PENDING(2)), 0x80000000);
    ck_assert_uint_eq(rd(CLAIM(0)), 95);
}
END_TEST

START_TEST(test_plic_counters_and_reset)
{
    /* irq.raised counts rising edges only: high, high, low, high = 2 */
    plic_set_line(p, 10, true);
    plic_set_line(p, 10, true);
    plic_set_line(p, 10, false);
    plic_set_line(p, 10, true);
    ck_assert_uint_eq(plic_stats(p)->raised, 2);
    /* every register access counts: 3 writes + 1 read = 4 */
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    wr(THRESHOLD(0), 0);
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
    ck_assert_uint_eq(plic_stats(p)->accesses, 4);
    ck_assert_uint_eq(plic_stats(p)->delivered, 1);
    /* reset: registers and lines as at create, counters kept */
    plic_reset(p);
    ck_assert_uint_eq(rd(PRIO(10)), 0);
    ck_assert_uint_eq(rd(ENABLE(0, 0)), 0);
    ck_assert_uint_eq(rd(PENDING(0)), 0);
    ck_assert_uint_eq(plic_stats(p)->raised, 2);
    ck_assert_uint_eq(plic_stats(p)->accesses, 7); /* 4 + the 3 reads just now */
}
END_TEST

/* The UART's line into source 10, as vm/run.c wires it at each VM entry: when it re-signals. */
static void wire_uart(struct uart *u)
{
    if (uart_irq_signal(u)) {
        plic_signal(p, MEMMAP_UART0_IRQ, uart_irq_level(u));
    }
}

START_TEST(test_plic_uart_rx)
{
    struct uart *u = uart_create(NULL);
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    /* a byte arrives, IER = 0: the UART's line stays low (IIR = 0x01) */
    ck_assert(uart_push_input(u, 'a'));
    wire_uart(u);
    ck_assert(!plic_meip(p, 0));
    /* IER bit 0 (ERBFI): IIR = 0x04 "received data available", line high */
    uint64_t v = 0;
    ck_assert_int_eq(uart_ops.write(u, 1, 1, 0x01), 0);
    wire_uart(u);
    ck_assert(plic_meip(p, 0));
    ck_assert_int_eq(uart_ops.read(u, 2, 1, &v), 0);
    ck_assert_uint_eq(v, 0x04);
    /* claim, a second byte arrives, read one: still data, re-signalled -> pending on complete */
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
    ck_assert(uart_push_input(u, 'b'));
    ck_assert_int_eq(uart_ops.read(u, 0, 1, &v), 0);
    ck_assert_uint_eq(v, 'a');
    wire_uart(u);
    wr(CLAIM(0), 10);
    ck_assert(plic_meip(p, 0));
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
    ck_assert_int_eq(uart_ops.read(u, 0, 1, &v), 0);
    ck_assert_uint_eq(v, 'b');
    /* FIFO empty: IIR = 0x01, the line drops; complete leaves nothing pending */
    ck_assert_int_eq(uart_ops.read(u, 2, 1, &v), 0);
    ck_assert_uint_eq(v, 0x01);
    wire_uart(u);
    wr(CLAIM(0), 10);
    ck_assert(!plic_meip(p, 0));
    ck_assert_uint_eq(plic_stats(p)->raised, 2); /* two requests latched: IER, then RBR read */
    ck_assert_uint_eq(plic_stats(p)->delivered, 2);
    uart_destroy(u);
}
END_TEST

START_TEST(test_plic_uart_thre)
{
    struct uart *u = uart_create(NULL);
    uint64_t v = 0;
    wr(PRIO(10), 1);
    wr(ENABLE(1, 0), 1u << 10); /* to the S-mode context this time */
    /* IER bit 1 (ETBEI) with THR empty: IIR = 0x02 at once, line high */
    ck_assert_int_eq(uart_ops.write(u, 1, 1, 0x02), 0);
    wire_uart(u);
    ck_assert(plic_meip(p, 1));
    ck_assert(!plic_meip(p, 0));
    ck_assert_uint_eq(rd(CLAIM(1)), 10);
    /* reading IIR while it names THR empty clears that interrupt: line low */
    ck_assert_int_eq(uart_ops.read(u, 2, 1, &v), 0);
    ck_assert_uint_eq(v, 0x02);
    wire_uart(u);
    wr(CLAIM(1), 10);
    ck_assert(!plic_meip(p, 1));
    /* writing THR (it empties at once) raises it again: a second edge */
    ck_assert_int_eq(uart_ops.write(u, 0, 1, 'x'), 0);
    wire_uart(u);
    ck_assert(plic_meip(p, 1));
    ck_assert_uint_eq(plic_stats(p)->raised, 2);
    uart_destroy(u);
}
END_TEST

/*
 * xv6's console: IER = 3 (RX and THR empty), and its handler never reads IIR, so the
 * THR-empty interrupt stays asserted. After the completion nothing is pending (QEMU's
 * gateway: no storm); a byte typed later still interrupts (the UART re-signals).
 */
START_TEST(test_plic_uart_xv6)
{
    struct uart *u = uart_create(NULL);
    uint64_t v = 0;
    wr(PRIO(10), 1);
    wr(ENABLE(1, 0), 1u << 10);
    ck_assert_int_eq(uart_ops.write(u, 1, 1, 0x03), 0);
    wire_uart(u);
    ck_assert_uint_eq(rd(CLAIM(1)), 10);
    /* uartintr: LSR = 0x60 (THRE | TEMT, no data), nothing to send; complete */
    ck_assert_int_eq(uart_ops.read(u, 5, 1, &v), 0);
    ck_assert_uint_eq(v, 0x60);
    wire_uart(u);
    wr(CLAIM(1), 10);
    ck_assert(uart_irq_level(u)); /* THR empty still named by IIR */
    ck_assert(!plic_meip(p, 1));
    ck_assert_uint_eq(rd(CLAIM(1)), 0);
    /* a key: the line was high all along, the byte re-signals it */
    ck_assert(uart_push_input(u, 'l'));
    wire_uart(u);
    ck_assert(plic_meip(p, 1));
    ck_assert_uint_eq(rd(CLAIM(1)), 10);
    uart_destroy(u);
}
END_TEST

/* plic_signal: high latches one request, a claim takes it, completion does not re-arm it. */
START_TEST(test_plic_signal_latch)
{
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    plic_signal(p, 10, true);
    ck_assert_uint_eq(rd(PENDING(0)), 0x400); /* bit 10 = 0x400 */
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
    wr(CLAIM(0), 10);
    ck_assert_uint_eq(rd(PENDING(0)), 0);
    ck_assert(!plic_meip(p, 0));
    /* signalled again while claimed: pending after the completion */
    ck_assert_uint_eq(rd(CLAIM(0)), 0);
    plic_signal(p, 10, true);
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
    plic_signal(p, 10, true);
    ck_assert(!plic_meip(p, 0)); /* claimed: not forwarded yet */
    wr(CLAIM(0), 10);
    ck_assert(plic_meip(p, 0));
    /* low withdraws a request not yet claimed */
    plic_signal(p, 10, false);
    ck_assert(!plic_meip(p, 0));
    ck_assert_uint_eq(plic_stats(p)->raised, 3); /* latched from clear: 3 of the 4 signals */
}
END_TEST

/* ------------------------------------------------------------ device tree */

static const fdt32_t *prop_cells(const void *blob, const char *path, const char *name, int *len)
{
    int off = fdt_path_offset(blob, path);
    ck_assert_msg(off >= 0, "no node %s", path);
    const fdt32_t *v = fdt_getprop(blob, off, name, len);
    ck_assert_msg(v != NULL, "%s has no %s", path, name);
    return v;
}

static uint32_t prop_cell(const void *blob, const char *path, const char *name)
{
    int len = 0;
    const fdt32_t *v = prop_cells(blob, path, name, &len);
    ck_assert_int_eq(len, 4);
    return fdt32_to_cpu(v[0]);
}

static void *build_fdt(unsigned nharts)
{
    struct vm_fdt_config cfg = {
        .nharts = nharts, .ram_base = MEMMAP_RAM_BASE, .ram_size = 128ull << 20};
    void *blob = NULL;
    size_t size = 0;
    ck_assert_int_eq(vm_fdt_build(&cfg, &blob, &size), 0);
    return blob;
}

START_TEST(test_plic_fdt_node)
{
    void *blob = build_fdt(2);
    const char *plic = "/soc/plic@c000000";
    int off = fdt_path_offset(blob, plic);
    ck_assert_int_ge(off, 0);
    ck_assert_int_eq(fdt_node_check_compatible(blob, off, "sifive,plic-1.0.0"), 0);
    ck_assert_int_eq(fdt_node_check_compatible(blob, off, "riscv,plic0"), 0);
    ck_assert_uint_eq(prop_cell(blob, plic, "riscv,ndev"), 95);
    ck_assert_uint_eq(prop_cell(blob, plic, "#interrupt-cells"), 1);
    ck_assert_uint_eq(prop_cell(blob, plic, "#address-cells"), 0);
    int len = -1;
    ck_assert_ptr_nonnull(fdt_getprop(blob, off, "interrupt-controller", &len));
    ck_assert_int_eq(len, 0);
    /* reg = <0 0x0c000000 0 0x04000000> */
    const fdt32_t *reg = prop_cells(blob, plic, "reg", &len);
    ck_assert_int_eq(len, 16);
    ck_assert_uint_eq(fdt32_to_cpu(reg[1]), 0x0c000000);
    ck_assert_uint_eq(fdt32_to_cpu(reg[3]), 0x04000000);
    /* <&intc0 11 &intc0 9 &intc1 11 &intc1 9>: contexts 0..3 = M0, S0, M1, S1 */
    uint32_t i0 = fdt_get_phandle(blob, fdt_path_offset(blob, "/cpus/cpu@0/interrupt-controller"));
    uint32_t i1 = fdt_get_phandle(blob, fdt_path_offset(blob, "/cpus/cpu@1/interrupt-controller"));
    const uint32_t want[8] = {i0, 11, i0, 9, i1, 11, i1, 9};
    const fdt32_t *ext = prop_cells(blob, plic, "interrupts-extended", &len);
    ck_assert_int_eq(len, 32);
    for (int i = 0; i < 8; i++) {
        ck_assert_uint_eq(fdt32_to_cpu(ext[i]), want[i]);
    }
    /* the UART: interrupts = <10>, interrupt-parent = the PLIC's phandle */
    uint32_t plic_ph = fdt_get_phandle(blob, off);
    ck_assert_uint_ne(plic_ph, 0);
    ck_assert_uint_eq(prop_cell(blob, "/soc/serial@10000000", "interrupts"), 10);
    ck_assert_uint_eq(prop_cell(blob, "/soc/serial@10000000", "interrupt-parent"), plic_ph);
    free(blob);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_plic_bad_width)
{
    uint64_t v = 0;
    /* only aligned 4-byte accesses: 1, 2, 8 bytes and misaligned are refused */
    ck_assert_int_eq(plic_ops.read(p, PRIO(10), 1, &v), -1);
    ck_assert_int_eq(plic_ops.read(p, PRIO(10), 2, &v), -1);
    ck_assert_int_eq(plic_ops.read(p, CLAIM(0), 8, &v), -1);
    ck_assert_int_eq(plic_ops.read(p, PRIO(10) + 2, 4, &v), -1);
    ck_assert_int_eq(plic_ops.write(p, PRIO(10), 1, 7), -1);
    ck_assert_int_eq(plic_ops.write(p, THRESHOLD(0), 8, 7), -1);
    ck_assert_int_eq(plic_ops.write(p, THRESHOLD(0) + 1, 4, 7), -1);
    ck_assert_uint_eq(rd(PRIO(10)), 0);
    ck_assert_uint_eq(rd(THRESHOLD(0)), 0);
    /* a refused 8-byte claim claims nothing */
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    plic_set_line(p, 10, true);
    ck_assert_int_eq(plic_ops.read(p, CLAIM(0), 8, &v), -1);
    ck_assert_uint_eq(plic_stats(p)->delivered, 0);
    ck_assert(plic_meip(p, 0));
    /* refused accesses are exits too: 7 refused + 2 reads + 2 writes + 1 refused = 12 */
    ck_assert_uint_eq(plic_stats(p)->accesses, 12);
}
END_TEST

START_TEST(test_plic_bad_offsets)
{
    /* context 2 does not exist with one hart: its registers read 0, writes vanish */
    wr(THRESHOLD(2), 5);
    ck_assert_uint_eq(rd(THRESHOLD(2)), 0);
    wr(ENABLE(2, 0), 0xffffffff);
    ck_assert_uint_eq(rd(ENABLE(2, 0)), 0);
    ck_assert_uint_eq(rd(ENABLE(0, 0)), 0);
    ck_assert_uint_eq(rd(ENABLE(1, 0)), 0);
    /* holes: priority of "source 96" (0x180), word 3 of the pending bits (0x100c),
     * word 3 of context 0's enables (0x200c), the gap after the claim (0x200008),
     * the last word of the 64 MiB window (0x3fffffc) */
    const uint32_t holes[5] = {0x180, 0x100c, 0x200c, 0x200008, 0x3fffffc};
    for (int i = 0; i < 5; i++) {
        wr(holes[i], 0xffffffff);
        ck_assert_uint_eq(rd(holes[i]), 0);
    }
    /* the pending bits are read-only */
    wr(PENDING(0), 0xffffffff);
    ck_assert_uint_eq(rd(PENDING(0)), 0);
    /* a claim of context 2 gives 0 and claims nothing */
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    plic_set_line(p, 10, true);
    ck_assert_uint_eq(rd(CLAIM(2)), 0);
    ck_assert(plic_meip(p, 0));
    ck_assert(!plic_meip(p, 2));
    ck_assert(!plic_meip(p, 1000));
}
END_TEST

START_TEST(test_plic_bad_ids)
{
    /* lines of sources that do not exist are ignored (not counted) */
    plic_set_line(p, 0, true);
    plic_set_line(p, 96, true);
    plic_set_line(p, 0xffffffffu, true);
    ck_assert_uint_eq(plic_stats(p)->raised, 0);
    ck_assert_uint_eq(rd(PENDING(0)) | rd(PENDING(1)) | rd(PENDING(2)), 0);
    /* completes with ids that are 0, out of range or not claimed change nothing */
    wr(PRIO(10), 1);
    wr(ENABLE(0, 0), 1u << 10);
    plic_set_line(p, 10, true);
    ck_assert_uint_eq(rd(CLAIM(0)), 10);
    wr(CLAIM(0), 0);
    wr(CLAIM(0), 96);
    wr(CLAIM(0), 0xffffffff);
    wr(CLAIM(0), 10 + 32); /* 42: not the claimed one, not enabled */
    ck_assert(!plic_meip(p, 0));
    wr(CLAIM(0), 10);
    ck_assert(plic_meip(p, 0));
    /* bad sizes at create */
    ck_assert_ptr_null(plic_create(0));
    ck_assert_ptr_null(plic_create(CLINT_MAX_HARTS + 1));
}
END_TEST

static Suite *plic_suite(void)
{
    Suite *s = suite_create("plic");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_plic_reset_state);
    tcase_add_test(core, test_plic_s_only);
    tcase_add_test(core, test_plic_priority_warl);
    tcase_add_test(core, test_plic_claim_complete_level);
    tcase_add_test(core, test_plic_signal_latch);
    tcase_add_test(core, test_plic_uart_xv6);
    tcase_add_test(core, test_plic_priority_order);
    tcase_add_test(core, test_plic_threshold);
    tcase_add_test(core, test_plic_two_contexts);
    tcase_add_test(core, test_plic_enable_bits);
    tcase_add_test(core, test_plic_counters_and_reset);
    tcase_add_test(core, test_plic_uart_rx);
    tcase_add_test(core, test_plic_uart_thre);
    tcase_add_test(core, test_plic_fdt_node);
    suite_add_tcase(s, core);
    TCase *bad = tcase_create("bad_input");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_plic_bad_width);
    tcase_add_test(bad, test_plic_bad_offsets);
    tcase_add_test(bad, test_plic_bad_ids);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(plic_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
