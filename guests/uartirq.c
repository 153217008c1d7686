/*
 * guests/uartirq.c - interrupt-driven console input: the UART's "received
 * data available" interrupt through the PLIC to M-mode's external
 * interrupt. The guest sleeps in wfi; each interrupt claims the source,
 * reads one byte, completes, and echoes the byte in upper case. A '\n' ends
 * the run.
 * Course: 中断虚拟化 / 外部中断: the device raises a line, the interrupt
 *         controller picks it, the hart takes the trap; under --irq emulated
 *         the claim and the complete are MMIO exits (irq.delivery_exits).
 * Spec: RISC-V PLIC Specification v1.0.0, "Interrupt Claim Process" and
 *       "Interrupt Completion"; Privileged 20211203, §3.1.9 "mip and mie",
 *       §3.3.3 "Wait for Interrupt"; PC16550D datasheet, "Interrupt Enable
 *       Register" (ERBFI).
 * Built twice: uartirq runs in M-mode on PLIC context 0 (hart 0's MEIP);
 * uartirq-s (-DSMODE) delegates the supervisor external interrupt
 * (mideleg.SEI), drops to S-mode and uses context 1 (hart 0's SEIP), as an
 * OS kernel under OpenSBI does.
 * uartirq-thre (-DTHRE) is the M-mode build with xv6's console set-up: the
 * THR-empty interrupt enabled too (IER = 3) and IIR never read, so the UART
 * names THR empty for ever; it must not interrupt again after every
 * completion (QEMU's PLIC gateway, irq/plic.c plic_signal).
 * Simplified: one byte per claim on purpose, so the number of claims is the
 * number of bytes (tests/guests/plic.sh: irq.delivered = bytes read,
 * irq.delivery_exits = 3 set-up writes + 2 per byte).
 */
#include "guests/lib/guest.h"

#ifdef SMODE
#define PLIC_CTX  1ull /* hart 0, S-mode */
#define EXT_IRQ   IRQ_S_EXT
#define NAME_MODE "S"
#else
#define PLIC_CTX  0ull /* hart 0, M-mode */
#define EXT_IRQ   IRQ_M_EXT
#define NAME_MODE "M"
#endif

#define PLIC_PRIORITY(id) (MEMMAP_PLIC_BASE + 4ull * (id))
#define PLIC_ENABLE       (MEMMAP_PLIC_BASE + 0x2000ull + 0x80ull * PLIC_CTX) /* sources 0..31 */
#define PLIC_THRESHOLD    (MEMMAP_PLIC_BASE + 0x200000ull + 0x1000ull * PLIC_CTX)
#define PLIC_CLAIM        (PLIC_THRESHOLD + 4)

#define UART_RBR       0
#define UART_IER       1
#define UART_IER_ERBFI 0x01 /* interrupt when received data is available */
#define UART_IER_ETBEI 0x02 /* interrupt when the transmit holding register is empty */

#ifdef THRE
#define UART_IER_VALUE (UART_IER_ERBFI | UART_IER_ETBEI) /* as xv6's uartinit */
#undef NAME_MODE
#define NAME_MODE "THR empty on, M"
#else
#define UART_IER_VALUE UART_IER_ERBFI
#endif
#define UART_LSR_DR    0x01

static volatile unsigned bytes_read;
static volatile unsigned claims;
static volatile int line_done;

static char to_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* One external interrupt: claim, take one byte, complete (the line re-pends if more wait). */
static void uart_interrupt(void)
{
    uint32_t id = mmio_read32(PLIC_CLAIM);
    if (id == 0) {
        return; /* nothing to claim (another context took it): not an error */
    }
    claims++;
    if (id != MEMMAP_UART0_IRQ) {
        printf("uartirq: claimed source %u, expected %u\n", (unsigned)id, MEMMAP_UART0_IRQ);
        guest_exit(3);
    }
    if (mmio_read8(MEMMAP_UART0_BASE + UART_LSR) & UART_LSR_DR) {
        char c = (char)mmio_read8(MEMMAP_UART0_BASE + UART_RBR);
        bytes_read++;
        uart_putc(to_upper(c));
        if (c == '\n') {
            line_done = 1;
        }
    }
    mmio_write32(PLIC_CLAIM, id);
}

static void on_trap(struct trap_frame *tf)
{
    if (tf->cause != (CAUSE_INTERRUPT | EXT_IRQ)) {
        printf("uartirq: unexpected trap, cause 0x%lx epc 0x%lx\n", (unsigned long)tf->cause,
               (unsigned long)tf->epc);
        guest_exit(2);
    }
    uart_interrupt();
}

/* Priority 1, enabled for this context, threshold 0; the UART interrupts on data. */
static void plic_uart_setup(void)
{
    mmio_write32(PLIC_PRIORITY(MEMMAP_UART0_IRQ), 1);
    mmio_write32(PLIC_ENABLE, 1u << MEMMAP_UART0_IRQ);
    mmio_write32(PLIC_THRESHOLD, 0);
    mmio_write8(MEMMAP_UART0_BASE + UART_IER, UART_IER_VALUE);
}

static void wait_for_line(void)
{
    while (!line_done) {
        wfi(); /* an interrupt pending since the check still ends the wfi (§3.3.3) */
    }
    unsigned n_claims = claims; /* before the printf: with THRE its bytes interrupt too */
    printf("uartirq: %u bytes, %u interrupts\n", bytes_read, n_claims);
}

#ifdef SMODE
static void s_main(void)
{
    plic_uart_setup();
    csr_set(sie, MIP_SEIP);
    csr_set(sstatus, SSTATUS_SIE);
    wait_for_line();
    csr_clear(sstatus, SSTATUS_SIE);
    guest_exit(0);
}

/* M-mode: hand the supervisor external interrupt to S-mode, then mret into s_main. */
int main(void)
{
    printf("uartirq: waiting for input (" NAME_MODE "-mode)\n");
    pmp_allow_all();
    csr_write(mideleg, MIP_SEIP);
    trap_init_s(on_trap);
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, (uint64_t)PRV_S << MSTATUS_MPP_SHIFT);
    csr_write(mepc, (uint64_t)(uintptr_t)s_main);
    __asm__ volatile("mret" : : : "memory");
    return 1;
}
#else
int main(void)
{
    printf("uartirq: waiting for input (" NAME_MODE "-mode)\n");
    trap_set_m_handler(on_trap);
    plic_uart_setup();
    csr_set(mie, MIP_MEIP);
    csr_set(mstatus, MSTATUS_MIE);
    wait_for_line();
    csr_clear(mstatus, MSTATUS_MIE);
    return 0;
}
#endif
