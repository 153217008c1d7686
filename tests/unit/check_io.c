/*
 * tests/unit/check_io.c - the devices of the virt board: MMIO bus dispatch
 * and overlap, the 16550A registers (LSR, DLAB, RX FIFO, IIR priorities),
 * the sifive_test finisher, the CLINT (msip, mtimecmp, mtime and their
 * 32-bit halves, MTIP at the deadline) and HTIF over a real gmem.
 * Course: I/O虚拟化 / 设备模拟; 中断虚拟化 / 时钟中断.
 * Spec: PC16550D datasheet "Register Description"; SiFive FU540 manual
 *       "CLINT"; Privileged 20211203 §3.2.1; riscv-tests env (tohost).
 * Expected values come from those documents, worked by hand in comments.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "io/htif.h"
#include "io/io.h"
#include "io/virtio_mmio.h"
#include "irq/irq.h"
#include "mmu/mmu.h"
#include "vm/console.h"
#include "vm/internal.h"
#include "vm/memmap.h"

/* ------------------------------------------------------------ helpers */

/* A device that remembers its last access. */
struct probe {
    uint64_t offset;
    unsigned size;
    uint64_t written;
    unsigned calls;
};

static int probe_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    struct probe *p = dev;
    p->offset = offset;
    p->size = size;
    p->calls++;
    *out = 0xabcd;
    return 0;
}

static int probe_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct probe *p = dev;
    p->offset = offset;
    p->size = size;
    p->written = val;
    p->calls++;
    return 0;
}

static const struct mmio_device_ops probe_ops = {.read = probe_read, .write = probe_write};

static uint64_t rd(const struct mmio_device_ops *ops, void *dev, uint64_t offset, unsigned size)
{
    uint64_t val = 0xdeadbeef;
    ck_assert_int_eq(ops->read(dev, offset, size, &val), 0);
    return val;
}

static void wr(const struct mmio_device_ops *ops, void *dev, uint64_t offset, unsigned size,
               uint64_t val)
{
    ck_assert_int_eq(ops->write(dev, offset, size, val), 0);
}

/* 16550 register offsets, from the datasheet's register table */
enum { RBR = 0, IER = 1, IIR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

/* A fake clock for the CLINT: ctx points at the current tick. */
static uint64_t fake_now(void *ctx)
{
    return *(const uint64_t *)ctx;
}

/* ---------------------------------------------------------- bus: core */

START_TEST(test_bus_dispatch)
{
    struct mmio_bus *bus = mmio_bus_create();
    struct probe a = {0}, b = {0};
    uint64_t data;
    ck_assert_ptr_nonnull(bus);
    ck_assert_int_eq(mmio_bus_add(bus, "b", 0x10000000, 0x100, &probe_ops, &b), 0);
    ck_assert_int_eq(mmio_bus_add(bus, "a", 0x2000000, 0x10000, &probe_ops, &a), 0);

    /* 0x2004008 - 0x2000000 = offset 0x4008 in window a */
    data = 0x1122;
    ck_assert_int_eq(mmio_bus_access(bus, 0x2004008, 8, true, &data), 0);
    ck_assert_uint_eq(a.offset, 0x4008);
    ck_assert_uint_eq(a.size, 8);
    ck_assert_uint_eq(a.written, 0x1122);
    ck_assert_uint_eq(b.calls, 0);

    /* last byte of b: 0x100000ff -> offset 0xff */
    ck_assert_int_eq(mmio_bus_access(bus, 0x100000ff, 1, false, &data), 0);
    ck_assert_uint_eq(b.offset, 0xff);
    ck_assert_uint_eq(data, 0xabcd);

    /* listing is in GPA order: a (0x2000000) before b (0x10000000) */
    struct mmio_window w;
    ck_assert(mmio_bus_window(bus, 0, &w));
    ck_assert_str_eq(w.name, "a");
    ck_assert(mmio_bus_window(bus, 1, &w));
    ck_assert_uint_eq(w.gpa, 0x10000000);
    ck_assert(!mmio_bus_window(bus, 2, &w));
    mmio_bus_destroy(bus);
}
END_TEST

START_TEST(test_bus_overlap)
{
    struct mmio_bus *bus = mmio_bus_create();
    struct probe p = {0};
    ck_assert_int_eq(mmio_bus_add(bus, "x", 0x1000, 0x1000, &probe_ops, &p), 0);
    /* same window, straddling the start, straddling the end, enclosing, inside */
    ck_assert_int_eq(mmio_bus_add(bus, "y", 0x1000, 0x1000, &probe_ops, &p), -EEXIST);
    ck_assert_int_eq(mmio_bus_add(bus, "y", 0x800, 0x801, &probe_ops, &p), -EEXIST);
    ck_assert_int_eq(mmio_bus_add(bus, "y", 0x1fff, 0x10, &probe_ops, &p), -EEXIST);
    ck_assert_int_eq(mmio_bus_add(bus, "y", 0x0, 0x10000, &probe_ops, &p), -EEXIST);
    ck_assert_int_eq(mmio_bus_add(bus, "y", 0x1800, 0x8, &probe_ops, &p), -EEXIST);
    /* touching is not overlapping: [0x800, 0x1000) and [0x2000, 0x3000) */
    ck_assert_int_eq(mmio_bus_add(bus, "below", 0x800, 0x800, &probe_ops, &p), 0);
    ck_assert_int_eq(mmio_bus_add(bus, "above", 0x2000, 0x1000, &probe_ops, &p), 0);
    mmio_bus_destroy(bus);
}
END_TEST

/* ---------------------------------------------------------- UART: core */

/* The changes QEMU's serial re-signals its line for: a byte in, THR/IER/FCR writes, RBR/IIR
 * reads (and the reset); not LSR/MSR/SCR reads or LCR/SCR writes. Each is seen once. */
START_TEST(test_uart_irq_signal)
{
    struct uart *u = uart_create(NULL);
    ck_assert(uart_irq_signal(u)); /* the reset */
    ck_assert(!uart_irq_signal(u));
    rd(&uart_ops, u, 5, 1);       /* LSR */
    rd(&uart_ops, u, 6, 1);       /* MSR */
    wr(&uart_ops, u, 3, 1, 0x03); /* LCR: 8N1 */
    wr(&uart_ops, u, 7, 1, 0x5a); /* SCR */
    ck_assert(!uart_irq_signal(u));
    ck_assert(uart_push_input(u, 'a'));
    ck_assert(uart_irq_signal(u));
    rd(&uart_ops, u, 0, 1); /* RBR */
    ck_assert(uart_irq_signal(u));
    wr(&uart_ops, u, 0, 1, 'x'); /* THR */
    ck_assert(uart_irq_signal(u));
    wr(&uart_ops, u, 1, 1, 0x02); /* IER */
    ck_assert(uart_irq_signal(u));
    rd(&uart_ops, u, 2, 1); /* IIR */
    ck_assert(uart_irq_signal(u));
    wr(&uart_ops, u, 2, 1, 0x07); /* FCR */
    ck_assert(uart_irq_signal(u));
    ck_assert(!uart_irq_signal(u));
    uart_destroy(u);
}
END_TEST

START_TEST(test_uart_lsr_rx)
{
    struct uart *u = uart_create(NULL);
    /* reset: THRE (0x20) | TEMT (0x40) = 0x60, no DR */
    ck_assert_uint_eq(rd(&uart_ops, u, LSR, 1), 0x60);
    ck_assert(uart_push_input(u, 'a'));
    /* DR (0x01) | 0x60 = 0x61 */
    ck_assert_uint_eq(rd(&uart_ops, u, LSR, 1), 0x61);
    ck_assert_uint_eq(rd(&uart_ops, u, RBR, 1), 'a');
    ck_assert_uint_eq(rd(&uart_ops, u, LSR, 1), 0x60);
    /* MSR: CTS 0x10 | DSR 0x20 | DCD 0x80 = 0xb0 (a connected line, as QEMU) */
    ck_assert_uint_eq(rd(&uart_ops, u, MSR, 1), 0xb0);
    wr(&uart_ops, u, SCR, 1, 0x5a);
    ck_assert_uint_eq(rd(&uart_ops, u, SCR, 1), 0x5a);
    ck_assert_uint_eq(uart_stats(u)->rx_bytes, 1);
    uart_destroy(u);
}
END_TEST

START_TEST(test_uart_fifo)
{
    struct uart *u = uart_create(NULL);
    /* 16 bytes fit (the 16550's FIFO depth), the 17th does not */
    for (unsigned i = 0; i < 16; i++) {
        ck_assert(uart_push_input(u, (uint8_t)('A' + i)));
    }
    ck_assert(!uart_rx_has_room(u));
    ck_assert(!uart_push_input(u, 'Z'));
    /* first in, first out */
    for (unsigned i = 0; i < 16; i++) {
        ck_assert_uint_eq(rd(&uart_ops, u, RBR, 1), 'A' + i);
    }
    ck_assert(uart_rx_has_room(u));
    /* FCR bit 1 clears the RX FIFO */
    ck_assert(uart_push_input(u, 'q'));
    wr(&uart_ops, u, IIR, 1, 0x03);
    ck_assert_uint_eq(rd(&uart_ops, u, LSR, 1) & 0x01, 0);
    uart_destroy(u);
}
END_TEST

START_TEST(test_uart_dlab_and_output)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    struct uart *u = uart_create(out);

    /* LCR.DLAB (0x80): offsets 0/1 become DLL/DLM; 115200 baud at 1.8432 MHz: divisor 1 */
    wr(&uart_ops, u, LCR, 1, 0x83);
    wr(&uart_ops, u, RBR, 1, 0x01);
    wr(&uart_ops, u, IER, 1, 0x00);
    ck_assert_uint_eq(rd(&uart_ops, u, RBR, 1), 0x01);
    ck_assert_uint_eq(rd(&uart_ops, u, IER, 1), 0x00);
    /* DLAB clear: offset 0 is THR again; "hi\n" goes out */
    wr(&uart_ops, u, LCR, 1, 0x03);
    ck_assert_uint_eq(rd(&uart_ops, u, LCR, 1), 0x03);
    wr(&uart_ops, u, RBR, 1, 'h');
    wr(&uart_ops, u, RBR, 1, 'i');
    wr(&uart_ops, u, RBR, 1, '\n');
    uart_flush(u);
    ck_assert_uint_eq(len, 3);
    ck_assert_mem_eq(text, "hi\n", 3);
    ck_assert_uint_eq(uart_stats(u)->tx_bytes, 3);
    /* the divisor writes did not reach the output */
    uart_destroy(u);
    fclose(out);
    free(text);
}
END_TEST

START_TEST(test_uart_iir)
{
    struct uart *u = uart_create(NULL);
    /* nothing enabled: IIR = 0x01 (no interrupt pending), line low */
    ck_assert_uint_eq(rd(&uart_ops, u, IIR, 1), 0x01);
    ck_assert(!uart_irq_level(u));

    /* IER.ERBFI with a byte waiting, FIFOs off: IIR = 0x04 (received data) */
    ck_assert(uart_push_input(u, 'x'));
    wr(&uart_ops, u, IER, 1, 0x01);
    ck_assert(uart_irq_level(u));
    ck_assert_uint_eq(rd(&uart_ops, u, IIR, 1), 0x04);

    /* FIFOs on (FCR 0x01, trigger 1): IIR bits 7:6 = 11 -> 0xc4 */
    wr(&uart_ops, u, IIR, 1, 0x01);
    ck_assert_uint_eq(rd(&uart_ops, u, IIR, 1), 0xc4);
    /* trigger 14 (FCR 0xc1) with one byte: character timeout 0x0c -> 0xcc */
    wr(&uart_ops, u, IIR, 1, 0xc1);
    ck_assert_uint_eq(rd(&uart_ops, u, IIR, 1), 0xcc);

    /* ETBEI too: RX data (priority 2) wins over THR empty (priority 3) */
    wr(&uart_ops, u, IER, 1, 0x03);
    ck_assert_uint_eq(rd(&uart_ops, u, IIR, 1) & 0x0f, 0x0c);
    (void)rd(&uart_ops, u, RBR, 1);
    /* RX empty: THR empty shows (0x02), and reading IIR clears it */
    ck_assert_uint_eq(rd(&uart_ops, u, IIR, 1), 0xc2);
    ck_assert_uint_eq(rd(&uart_ops, u, IIR, 1), 0xc1);
    ck_assert(!uart_irq_level(u));
    /* a THR write empties at once: THR empty again */
    wr(&uart_ops, u, RBR, 1, 'z');
    ck_assert(uart_irq_level(u));
    ck_assert_uint_eq(rd(&uart_ops, u, IIR, 1), 0xc2);

    /* reset: IER 0, FIFOs off */
    uart_reset(u);
    ck_assert_uint_eq(rd(&uart_ops, u, IER, 1), 0);
    ck_assert_uint_eq(rd(&uart_ops, u, IIR, 1), 0x01);
    uart_destroy(u);
}
END_TEST

/* -------------------------------------------------------- syscon: core */

START_TEST(test_syscon)
{
    struct syscon sc = {SYSCON_NONE, 0};
    wr(&syscon_ops, &sc, 0, 4, 0x5555);
    ck_assert_int_eq(sc.request, SYSCON_POWEROFF_PASS);
    sc.request = SYSCON_NONE;
    /* (3 << 16) | 0x3333 = 0x33333: fail with code 3 */
    wr(&syscon_ops, &sc, 0, 4, 0x33333);
    ck_assert_int_eq(sc.request, SYSCON_POWEROFF_FAIL);
    ck_assert_uint_eq(sc.fail_code, 3);
    sc.request = SYSCON_NONE;
    wr(&syscon_ops, &sc, 0, 4, 0x7777);
    ck_assert_int_eq(sc.request, SYSCON_RESET);
    sc.request = SYSCON_NONE;
    wr(&syscon_ops, &sc, 0, 4, 0x1234); /* not a command: ignored */
    ck_assert_int_eq(sc.request, SYSCON_NONE);
    ck_assert_uint_eq(rd(&syscon_ops, &sc, 0, 4), 0);
}
END_TEST

/* --------------------------------------------------------- CLINT: core */

START_TEST(test_clint_msip)
{
    uint64_t now = 0;
    struct clint *c = clint_create(2, fake_now, &now);
    ck_assert_ptr_nonnull(c);
    ck_assert(!clint_msip(c, 0));
    /* hart 1's msip at 0x0 + 4*1 = 0x4 */
    wr(&clint_ops, c, 0x4, 4, 1);
    ck_assert(clint_msip(c, 1));
    ck_assert(!clint_msip(c, 0));
    ck_assert_uint_eq(rd(&clint_ops, c, 0x4, 4), 1);
    /* only bit 0 exists: writing 2 clears it */
    wr(&clint_ops, c, 0x4, 4, 2);
    ck_assert(!clint_msip(c, 1));
    clint_destroy(c);
}
END_TEST

START_TEST(test_clint_timer)
{
    uint64_t now = 400;
    struct clint *c = clint_create(1, fake_now, &now);
    /* reset: mtimecmp = all ones, no deadline */
    ck_assert_uint_eq(rd(&clint_ops, c, 0x4000, 8), UINT64_MAX);
    ck_assert_uint_eq(clint_next_deadline(c, 0), UINT64_MAX);
    wr(&clint_ops, c, 0x4000, 8, 1000);
    ck_assert_uint_eq(clint_next_deadline(c, 0), 1000);
    ck_assert(!clint_mtip(c, 0, 999));
    ck_assert(clint_mtip(c, 0, 1000)); /* mtime >= mtimecmp */
    now = 1000;
    ck_assert_uint_eq(clint_next_deadline(c, 0), UINT64_MAX); /* already high */

    /* 32-bit halves of mtimecmp: low at 0x4000, high at 0x4004 */
    wr(&clint_ops, c, 0x4000, 4, 0x11223344);
    wr(&clint_ops, c, 0x4004, 4, 0x55667788);
    ck_assert_uint_eq(rd(&clint_ops, c, 0x4000, 8), 0x5566778811223344ull);
    ck_assert_uint_eq(rd(&clint_ops, c, 0x4004, 4), 0x55667788);
    ck_assert_uint_eq(rd(&clint_ops, c, 0x4000, 4), 0x11223344);

    /* mtime at 0xbff8 follows the clock; a write moves the offset:
     * at now = 5 write 100 -> offset 95; at now = 10 mtime = 105 */
    now = 5;
    ck_assert_uint_eq(rd(&clint_ops, c, 0xbff8, 8), 5);
    wr(&clint_ops, c, 0xbff8, 8, 100);
    now = 10;
    ck_assert_uint_eq(rd(&clint_ops, c, 0xbff8, 8), 105);
    ck_assert_uint_eq(clint_mtime(c, 10), 105);
    /* high half write: mtime = 0x00000001_00000069 at now 10 (0x69 = 105) */
    wr(&clint_ops, c, 0xbffc, 4, 1);
    ck_assert_uint_eq(rd(&clint_ops, c, 0xbff8, 8), 0x100000069ull);
    ck_assert_uint_eq(rd(&clint_ops, c, 0xbffc, 4), 1);
    /* mtimecmp 0x100000100: deadline in clock ticks = 10 + (0x100 - 0x69) = 10 + 151 = 161 */
    wr(&clint_ops, c, 0x4000, 8, 0x100000100ull);
    ck_assert_uint_eq(clint_next_deadline(c, 0), 161);
    ck_assert(!clint_mtip(c, 0, 160));
    ck_assert(clint_mtip(c, 0, 161));

    clint_reset(c);
    ck_assert_uint_eq(clint_next_deadline(c, 0), UINT64_MAX);
    ck_assert_uint_eq(rd(&clint_ops, c, 0xbff8, 8), 10);
    clint_destroy(c);
}
END_TEST

/* ---------------------------------------------------------- HTIF: core */

#define TOHOST   0x80001000ull
#define FROMHOST 0x80001040ull

struct htif_fixture {
    struct hostmem *hm;
    struct gmem *gm;
};

static void htif_setup(struct htif_fixture *f)
{
    f->hm = hostmem_create(8ull << 20);
    ck_assert_ptr_nonnull(f->hm);
    f->gm = gmem_create(f->hm, MEMMAP_RAM_BASE, 4ull << 20);
    ck_assert_ptr_nonnull(f->gm);
}

static void htif_teardown(struct htif_fixture *f)
{
    gmem_destroy(f->gm);
    hostmem_destroy(f->hm);
}

static void put_u32(struct gmem *gm, gpa_t gpa, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    ck_assert_int_eq(gmem_write(gm, gpa, b, 4), 0);
}

static void put_u64(struct gmem *gm, gpa_t gpa, uint64_t v)
{
    put_u32(gm, gpa, (uint32_t)v);
    put_u32(gm, gpa + 4, (uint32_t)(v >> 32));
}

static uint64_t get_u64(struct gmem *gm, gpa_t gpa)
{
    uint8_t b[8];
    uint64_t v = 0;
    ck_assert_int_eq(gmem_read(gm, gpa, b, 8), 0);
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | b[i];
    }
    return v;
}

START_TEST(test_htif_pass_fail)
{
    struct htif_fixture f;
    htif_setup(&f);
    struct htif *h = htif_create(f.gm, TOHOST, FROMHOST, NULL);
    ck_assert_ptr_nonnull(h);
    struct gpa_info info;
    gmem_lookup(f.gm, TOHOST, &info);
    ck_assert(info.page_flags & GPAGE_WATCH);

    /* -p env: sw gp(=1), tohost ; sw zero, tohost+4. Only the second completes it. */
    put_u32(f.gm, TOHOST, 1);
    ck_assert(!htif_is_tohost(h, TOHOST, 4));
    put_u32(f.gm, TOHOST + 4, 0);
    ck_assert(htif_is_tohost(h, TOHOST + 4, 4));
    struct htif_result r = htif_service(h);
    ck_assert_int_eq(r.kind, HTIF_EXIT_PASS);
    ck_assert_uint_eq(get_u64(f.gm, TOHOST), 0);

    /* test 3 failed: tohost = (3 << 1) | 1 = 7, one sd (-v env) */
    put_u64(f.gm, TOHOST, 7);
    ck_assert(htif_is_tohost(h, TOHOST, 8));
    r = htif_service(h);
    ck_assert_int_eq(r.kind, HTIF_EXIT_FAIL);
    ck_assert_uint_eq(r.code, 3);
    ck_assert_ptr_null(r.message);
    /* a store to fromhost (the -v spin loop) is not a tohost command */
    ck_assert(!htif_is_tohost(h, FROMHOST, 8));
    ck_assert(!htif_is_tohost(h, TOHOST - 8, 8));
    htif_destroy(h);
    htif_teardown(&f);
}
END_TEST

START_TEST(test_htif_putchar)
{
    struct htif_fixture f;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    htif_setup(&f);
    struct htif *h = htif_create(f.gm, TOHOST, FROMHOST, out);
    /* device 1 cmd 1 payload 'A' (0x41) = 0x0101000000000041 */
    put_u64(f.gm, TOHOST, 0x0101000000000041ull);
    struct htif_result r = htif_service(h);
    ck_assert_int_eq(r.kind, HTIF_NONE);
    fflush(out);
    ck_assert_uint_eq(len, 1);
    ck_assert_int_eq(text[0], 'A');
    ck_assert_uint_eq(get_u64(f.gm, TOHOST), 0);
    /* ack: 0x0101 << 48 | 0x100 | 0x41 = 0x0101000000000141 */
    ck_assert_uint_eq(get_u64(f.gm, FROMHOST), 0x0101000000000141ull);
    htif_destroy(h);
    htif_teardown(&f);
    fclose(out);
    free(text);
}
END_TEST

/* ------------------------------------------------------- console: core */

static struct console_event next_event(struct console *c)
{
    struct console_event ev = {CONSOLE_EOF, 0};
    ck_assert_int_eq(console_poll(c, 1000, &ev), 1);
    return ev;
}

START_TEST(test_console_escapes)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    struct console *c = console_open_fd(fds[0], NULL, true);
    ck_assert(!console_is_tty(c)); /* a pipe: never raw */
    ck_assert(!console_is_raw(c));
    /* "a", Ctrl-C (0x03, a byte for the guest), Ctrl-A x */
    ck_assert_int_eq(write(fds[1], "a\x03\x01x", 4), 4);
    struct console_event ev = next_event(c);
    ck_assert_int_eq(ev.kind, CONSOLE_INPUT);
    ck_assert_uint_eq(ev.byte, 'a');
    ev = next_event(c);
    ck_assert_int_eq(ev.kind, CONSOLE_INPUT);
    ck_assert_uint_eq(ev.byte, 0x03);
    ck_assert_int_eq(next_event(c).kind, CONSOLE_QUIT);
    /* Ctrl-A Ctrl-A -> one 0x01; Ctrl-A c; Ctrl-A n; Ctrl-A z (dropped); "b" */
    ck_assert_int_eq(write(fds[1],
                           "\x01\x01\x01"
                           "c\x01n\x01zb",
                           9),
                     9);
    ev = next_event(c);
    ck_assert_int_eq(ev.kind, CONSOLE_INPUT);
    ck_assert_uint_eq(ev.byte, 0x01);
    ck_assert_int_eq(next_event(c).kind, CONSOLE_MONITOR);
    ck_assert_int_eq(next_event(c).kind, CONSOLE_NEXT_VM);
    ev = next_event(c);
    ck_assert_int_eq(ev.kind, CONSOLE_INPUT);
    ck_assert_uint_eq(ev.byte, 'b');
    /* nothing more: 0 at once */
    ck_assert_int_eq(console_poll(c, 0, &ev), 0);
    /* the writer goes away: EOF once, then nothing (without spinning) */
    close(fds[1]);
    ck_assert_int_eq(next_event(c).kind, CONSOLE_EOF);
    ck_assert(console_at_eof(c));
    ck_assert_int_eq(console_poll(c, 10, &ev), 0);
    ck_assert(!console_wait(c, 10));
    console_close(c);
    close(fds[0]);
}
END_TEST

/* ------------------------------------------- console: Ctrl-A n, several VMs */

/*
 * A host of nvms VMs that have only what the console touches: a UART each
 * (output discarded) and vm0 owning a console on a pipe. stderr goes to a
 * temporary file so the switch lines can be read back (check forks: the
 * redirection lasts one test).
 */
struct console_host {
    struct host host;
    struct vm vms[3];
    int wfd;
    FILE *err;
};

static void console_host_create(struct console_host *t, unsigned nvms)
{
    int fds[2];
    memset(t, 0, sizeof(*t));
    ck_assert_int_eq(pipe(fds), 0);
    t->host.nvms = nvms;
    for (unsigned i = 0; i < nvms; i++) {
        t->vms[i].host = &t->host;
        t->vms[i].index = i;
        t->vms[i].uart = uart_create(NULL);
        ck_assert_ptr_nonnull(t->vms[i].uart);
        t->host.vms[i] = &t->vms[i];
    }
    t->host.console = console_open_fd(fds[0], NULL, false);
    ck_assert_ptr_nonnull(t->host.console);
    t->vms[0].console = t->host.console;
    t->wfd = fds[1];
    t->err = tmpfile();
    ck_assert_ptr_nonnull(t->err);
    fflush(stderr);
    ck_assert_int_ge(dup2(fileno(t->err), STDERR_FILENO), 0);
}

static void console_type(struct console_host *t, const char *bytes, size_t len)
{
    ck_assert_int_eq(write(t->wfd, bytes, len), (ssize_t)len);
}

/* What vmN's guest would read: RBR (offset 0) while LSR (offset 5) has DR (bit 0). */
static void uart_received(struct uart *u, char *out, size_t cap)
{
    uint64_t lsr = 0, rbr = 0;
    size_t n = 0;
    while (n + 1 < cap && uart_ops.read(u, 5, 1, &lsr) == 0 && (lsr & 0x01)) {
        ck_assert_int_eq(uart_ops.read(u, 0, 1, &rbr), 0);
        out[n++] = (char)rbr;
    }
    out[n] = '\0';
}

/* Everything written to stderr since console_host_create. */
static void console_host_stderr(struct console_host *t, char *out, size_t cap)
{
    fflush(stderr);
    rewind(t->err);
    size_t n = fread(out, 1, cap - 1, t->err);
    out[n] = '\0';
}

static void console_host_destroy(struct console_host *t)
{
    console_close(t->host.console);
    close(t->wfd);
    for (unsigned i = 0; i < t->host.nvms; i++) {
        uart_destroy(t->vms[i].uart);
    }
    fclose(t->err);
}

/*
 * Two VMs, typed "a", Ctrl-A n, "b", Ctrl-A n, "c": "a" is vm0's (the
 * input starts there), the first Ctrl-A n moves it to vm1 ("b"), the second
 * wraps back to vm0 ("c"). So vm0's UART holds "ac", vm1's "b", the input
 * is on vm0 again, and stderr has the two switch lines.
 */
START_TEST(test_console_next_vm)
{
    struct console_host t;
    char got[64];
    console_host_create(&t, 2);
    ck_assert_uint_eq(console_input_vm(t.host.console), 0);
    console_type(&t, "a\x01nb\x01nc", 7);
    console_service(&t.vms[0]);
    uart_received(t.vms[0].uart, got, sizeof(got));
    ck_assert_str_eq(got, "ac");
    uart_received(t.vms[1].uart, got, sizeof(got));
    ck_assert_str_eq(got, "b");
    ck_assert_uint_eq(console_input_vm(t.host.console), 0);
    console_host_stderr(&t, got, sizeof(got));
    ck_assert_str_eq(got, "[vmlab: console input -> vm1]\n[vmlab: console input -> vm0]\n");
    console_host_destroy(&t);
}
END_TEST

/*
 * Each VM has its own backlog. Three VMs; Ctrl-A n, 20 bytes "A".."T" for
 * vm1, Ctrl-A n, "z" for vm2. vm1's receive FIFO holds 16 bytes (io/uart.c,
 * the 16550A's FIFO depth), so "A".."P" go in and "QRST" wait in vm1's
 * backlog; "z" reaches vm2 at once, not stuck behind them. Once vm1's guest
 * has read its 16, the next service moves "QRST" in.
 */
START_TEST(test_console_next_vm_backlog)
{
    struct console_host t;
    char got[64];
    console_host_create(&t, 3);
    console_type(&t, "\x01nABCDEFGHIJKLMNOPQRST\x01nz", 25);
    console_service(&t.vms[0]);
    uart_received(t.vms[2].uart, got, sizeof(got));
    ck_assert_str_eq(got, "z");
    uart_received(t.vms[1].uart, got, sizeof(got));
    ck_assert_str_eq(got, "ABCDEFGHIJKLMNOP");
    uart_received(t.vms[0].uart, got, sizeof(got));
    ck_assert_str_eq(got, "");
    ck_assert(console_wait(t.host.console, 0)); /* the backlog is input still to deliver */
    console_service(&t.vms[0]);
    uart_received(t.vms[1].uart, got, sizeof(got));
    ck_assert_str_eq(got, "QRST");
    ck_assert_uint_eq(console_input_vm(t.host.console), 2);
    console_host_destroy(&t);
}
END_TEST

/* One VM: Ctrl-A n says so on stderr and the input stays on vm0 ("xy" both vm0's). */
START_TEST(test_console_next_vm_one)
{
    struct console_host t;
    char got[64];
    console_host_create(&t, 1);
    console_type(&t, "x\x01ny", 4);
    console_service(&t.vms[0]);
    uart_received(t.vms[0].uart, got, sizeof(got));
    ck_assert_str_eq(got, "xy");
    ck_assert_uint_eq(console_input_vm(t.host.console), 0);
    console_host_stderr(&t, got, sizeof(got));
    ck_assert_str_eq(got, "[vmlab: one VM: console input stays on vm0]\n");
    console_host_destroy(&t);
}
END_TEST

/*
 * Bytes for a VM that has stopped are dropped (nobody will read them), and
 * a backlog left for it is let go: vm1 gets 18 bytes (16 in its FIFO, 2 in
 * its backlog), stops, then is sent "!": its FIFO still holds only the 16,
 * and the console has nothing more to deliver.
 */
START_TEST(test_console_next_vm_stopped)
{
    struct console_host t;
    char got[64];
    console_host_create(&t, 2);
    console_type(&t, "\x01n0123456789abcdefgh", 20);
    console_service(&t.vms[0]);
    t.vms[1].stop = true;
    console_type(&t, "!", 1);
    console_service(&t.vms[0]);
    ck_assert(!console_wait(t.host.console, 0));
    uart_received(t.vms[1].uart, got, sizeof(got));
    ck_assert_str_eq(got, "0123456789abcdef");
    console_host_destroy(&t);
}
END_TEST

/* A pseudo-terminal's slave side, which isatty() accepts. */
static int open_pty_slave(int *out_master)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(master, 0);
    ck_assert_int_eq(grantpt(master), 0);
    ck_assert_int_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    ck_assert_int_ge(slave, 0);
    *out_master = master;
    return slave;
}

START_TEST(test_console_raw_tty)
{
    int master;
    int slave = open_pty_slave(&master);
    struct termios t;
    struct console *c = console_open_fd(slave, NULL, true);
    ck_assert(console_is_tty(c));
    ck_assert(console_is_raw(c));
    ck_assert_int_eq(tcgetattr(slave, &t), 0);
    ck_assert_uint_eq(t.c_lflag & (ECHO | ICANON | ISIG), 0); /* Ctrl-C is a byte */
    ck_assert_uint_eq(t.c_iflag & ICRNL, 0);                  /* Enter sends '\r' */
    ck_assert_uint_ne(t.c_oflag & OPOST, 0);                  /* "\n" still returns */
    /* the monitor borrows the terminal, then gives it back */
    console_suspend_raw(c);
    ck_assert_int_eq(tcgetattr(slave, &t), 0);
    ck_assert_uint_ne(t.c_lflag & ECHO, 0);
    console_resume_raw(c);
    ck_assert(console_is_raw(c));
    console_close(c);
    ck_assert_int_eq(tcgetattr(slave, &t), 0);
    ck_assert_uint_ne(t.c_lflag & (ECHO | ICANON), 0);
    close(slave);
    close(master);
}
END_TEST

START_TEST(test_console_signal_restores)
{
    int master;
    int slave = open_pty_slave(&master);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct console *c = console_open_fd(slave, NULL, true);
        if (!c || !console_is_raw(c)) {
            _exit(10);
        }
        raise(SIGTERM); /* the handler restores the terminal, then dies of SIGTERM */
        _exit(11);
    }
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), SIGTERM);
    struct termios t;
    ck_assert_int_eq(tcgetattr(slave, &t), 0);
    ck_assert_uint_ne(t.c_lflag & ECHO, 0);
    ck_assert_uint_ne(t.c_lflag & ICANON, 0);
    close(slave);
    close(master);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_bus_bad)
{
    struct mmio_bus *bus = mmio_bus_create();
    struct probe p = {0};
    uint64_t data = 0;
    ck_assert_int_eq(mmio_bus_add(bus, "zero", 0x1000, 0, &probe_ops, &p), -EINVAL);
    ck_assert_int_eq(mmio_bus_add(bus, "wrap", UINT64_MAX - 0xf, 0x20, &probe_ops, &p), -EINVAL);
    ck_assert_int_eq(mmio_bus_add(bus, "ok", 0x1000, 0x100, &probe_ops, &p), 0);
    ck_assert_int_eq(mmio_bus_access(bus, 0x2000, 4, false, &data), -1); /* hole */
    ck_assert_int_eq(mmio_bus_access(bus, 0xfff, 1, false, &data), -1);  /* just below */
    ck_assert_int_eq(mmio_bus_access(bus, 0x10fc, 8, false, &data), -1); /* runs off end */
    ck_assert_int_eq(mmio_bus_access(bus, 0x1000, 3, false, &data), -1); /* odd size */
    ck_assert_uint_eq(p.calls, 0);
    ck_assert_int_eq(mmio_bus_access(bus, 0x10f8, 8, false, &data), 0); /* last 8 bytes */
    mmio_bus_destroy(bus);
}
END_TEST

START_TEST(test_devices_bad_width)
{
    uint64_t val = 0;
    uint64_t now = 0;
    struct uart *u = uart_create(NULL);
    struct syscon sc = {SYSCON_NONE, 0};
    struct clint *c = clint_create(1, fake_now, &now);
    /* UART: 1-byte registers only */
    ck_assert_int_eq(uart_ops.read(u, LSR, 4, &val), -1);
    ck_assert_int_eq(uart_ops.write(u, RBR, 2, 'x'), -1);
    ck_assert_uint_eq(uart_stats(u)->tx_bytes, 0);
    ck_assert_uint_eq(rd(&uart_ops, u, 0x80, 1), 0); /* past the registers: reads 0 */
    /* syscon: 2 or 4 bytes; offset 4 ignored */
    ck_assert_int_eq(syscon_ops.write(&sc, 0, 1, 0x55), -1);
    ck_assert_int_eq(syscon_ops.write(&sc, 0, 8, 0x5555), -1);
    wr(&syscon_ops, &sc, 4, 4, 0x5555);
    ck_assert_int_eq(sc.request, SYSCON_NONE);
    /* CLINT: msip is 4 bytes; 8-byte registers need 8-alignment */
    ck_assert_int_eq(clint_ops.read(c, 0x0, 8, &val), -1);
    ck_assert_int_eq(clint_ops.write(c, 0x4004, 8, 1), -1);
    ck_assert_int_eq(clint_ops.write(c, 0x4002, 4, 1), -1);
    ck_assert_int_eq(clint_ops.read(c, 0xbff8, 2, &val), -1);
    /* absent harts: hart 3 of a 1-hart CLINT reads 0, ignores writes */
    wr(&clint_ops, c, 0xc, 4, 1);
    ck_assert(!clint_msip(c, 3));
    ck_assert_uint_eq(rd(&clint_ops, c, 0x4018, 8), 0);
    ck_assert_uint_eq(clint_next_deadline(c, 3), UINT64_MAX);
    ck_assert_ptr_null(clint_create(0, fake_now, &now));
    ck_assert_ptr_null(clint_create(CLINT_MAX_HARTS + 1, fake_now, &now));
    clint_destroy(c);
    uart_destroy(u);
}
END_TEST

START_TEST(test_htif_bad)
{
    struct htif_fixture f;
    htif_setup(&f);
    /* tohost outside RAM, or not 8-aligned: no HTIF */
    ck_assert_ptr_null(htif_create(f.gm, 0x1000, 0, NULL));
    ck_assert_ptr_null(htif_create(f.gm, TOHOST + 4, 0, NULL));
    struct htif *h = htif_create(f.gm, TOHOST, 0, NULL);
    ck_assert_ptr_nonnull(h);
    /* tohost = 0: nothing to do */
    ck_assert_int_eq(htif_service(h).kind, HTIF_NONE);
    /* device 0, bit 0 clear: a syscall pointer, unsupported -> failure with a message */
    put_u64(f.gm, TOHOST, 0x80002000ull);
    struct htif_result r = htif_service(h);
    ck_assert_int_eq(r.kind, HTIF_EXIT_FAIL);
    ck_assert_ptr_nonnull(r.message);
    /* putchar without fromhost: output only, nothing written at GPA 0 */
    put_u64(f.gm, TOHOST, 0x0101000000000042ull);
    ck_assert_int_eq(htif_service(h).kind, HTIF_NONE);
    ck_assert_uint_eq(get_u64(f.gm, TOHOST), 0);
    htif_destroy(h);
    htif_teardown(&f);
}
END_TEST

/* Pseudo-terminals are missing where /dev/pts is not mounted (a bare chroot). */
static int have_pty(void)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) {
        return 0;
    }
    close(master);
    return 1;
}

/*
 * An empty virtio-mmio slot (virtio 1.2 §4.2.2): MagicValue 0x74726976
 * ("virt"), Version 2, DeviceID 0 = no device, VendorID 0x554d4551
 * ("QEMU"); other registers 0, writes ignored; only aligned 32-bit.
 */
START_TEST(test_virtio_mmio_empty_slot)
{
    const struct mmio_device_ops *ops = &virtio_mmio_empty_ops;
    uint64_t val = 1;

    ck_assert_int_eq(ops->read(NULL, 0x000, 4, &val), 0);
    ck_assert_uint_eq(val, 0x74726976);
    ck_assert_int_eq(ops->read(NULL, 0x004, 4, &val), 0);
    ck_assert_uint_eq(val, 2);
    ck_assert_int_eq(ops->read(NULL, 0x008, 4, &val), 0);
    ck_assert_uint_eq(val, 0);
    ck_assert_int_eq(ops->read(NULL, 0x00c, 4, &val), 0);
    ck_assert_uint_eq(val, 0x554d4551);
    ck_assert_int_eq(ops->read(NULL, 0x070, 4, &val), 0); /* Status */
    ck_assert_uint_eq(val, 0);
    ck_assert_int_eq(ops->write(NULL, 0x070, 4, 0xf), 0); /* ignored */
    ck_assert_int_eq(ops->read(NULL, 0x070, 4, &val), 0);
    ck_assert_uint_eq(val, 0);
    ck_assert_int_eq(ops->read(NULL, 0x000, 1, &val), -1); /* bytes: refused */
    ck_assert_int_eq(ops->write(NULL, 0x002, 4, 0), -1);   /* misaligned */
}
END_TEST

static Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_virtio_mmio_empty_slot);
    tcase_add_test(core, test_bus_dispatch);
    tcase_add_test(core, test_bus_overlap);
    tcase_add_test(core, test_uart_lsr_rx);
    tcase_add_test(core, test_uart_irq_signal);
    tcase_add_test(core, test_uart_fifo);
    tcase_add_test(core, test_uart_dlab_and_output);
    tcase_add_test(core, test_uart_iir);
    tcase_add_test(core, test_syscon);
    tcase_add_test(core, test_clint_msip);
    tcase_add_test(core, test_clint_timer);
    tcase_add_test(core, test_htif_pass_fail);
    tcase_add_test(core, test_htif_putchar);
    tcase_add_test(core, test_console_escapes);
    tcase_add_test(core, test_console_next_vm);
    tcase_add_test(core, test_console_next_vm_backlog);
    tcase_add_test(core, test_console_next_vm_one);
    if (have_pty()) {
        tcase_add_test(core, test_console_raw_tty);
        tcase_add_test(core, test_console_signal_restores);
    } else {
        fprintf(stderr, "check_io: no pseudo-terminal (is /dev/pts mounted?): "
                        "skipping the 2 raw-terminal tests\n");
    }
    suite_add_tcase(s, core);
    TCase *bad = tcase_create("bad_input");
    tcase_add_test(bad, test_bus_bad);
    tcase_add_test(bad, test_devices_bad_width);
    tcase_add_test(bad, test_htif_bad);
    tcase_add_test(bad, test_console_next_vm_stopped);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(io_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
