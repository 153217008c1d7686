/*
 * guests/lib/trap.c - the C half of trap handling: which handler runs for
 * M-mode and S-mode traps, the default handler, and small hart helpers
 * (CLINT timer, PMP "allow all").
 * Course: 处理器虚拟化 / 陷入和模拟 (the guest kernel's side of a trap);
 *         中断虚拟化 / 时钟中断 (CLINT mtimecmp).
 * Spec: Privileged 20211203, §3.1.15 "mcause" (Table 3.6), §3.2.1 "Machine
 *       Timer Registers", §3.7 "Physical Memory Protection" (NAPOT).
 * Simplified: one handler per mode; no vectored mode.
 */
#include "guests/lib/guest.h"

#define S_TRAP_STACK_SIZE 8192

extern char trap_entry_s[];

static trap_handler_fn m_handler;
static trap_handler_fn s_handler;
static uint8_t s_trap_stack[S_TRAP_STACK_SIZE] __attribute__((aligned(16)));

int cause_is_interrupt(uint64_t cause)
{
    return (cause & CAUSE_INTERRUPT) != 0;
}

unsigned insn_length_at(uint64_t gva)
{
    /* Unprivileged §1.5: low bits 11 = 32-bit, anything else = 16-bit (C). */
    uint16_t low = *(volatile uint16_t *)gva;
    return ((low & 3) == 3) ? 4 : 2;
}

static void default_handler(const char *mode, struct trap_frame *tf)
{
    printf("unexpected trap in %s-mode handler: cause 0x%lx epc 0x%lx tval 0x%lx\n", mode,
           tf->cause, tf->epc, tf->tval);
    guest_exit(100 + (int)(tf->cause & 0xff));
}

void trap_set_m_handler(trap_handler_fn fn)
{
    m_handler = fn;
}

void trap_init_s(trap_handler_fn fn)
{
    s_handler = fn;
    csr_write(sscratch, (uint64_t)(uintptr_t)(s_trap_stack + S_TRAP_STACK_SIZE));
    csr_write(stvec, (uint64_t)(uintptr_t)trap_entry_s);
}

void trap_dispatch_m(struct trap_frame *tf)
{
    if (m_handler == NULL) {
        default_handler("M", tf);
    }
    m_handler(tf);
}

void trap_dispatch_s(struct trap_frame *tf)
{
    if (s_handler == NULL) {
        default_handler("S", tf);
    }
    s_handler(tf);
}

uint64_t clint_mtime(void)
{
    return mmio_read64(MEMMAP_CLINT_BASE + CLINT_MTIME);
}

void clint_set_mtimecmp(uint64_t ticks)
{
    mmio_write64(MEMMAP_CLINT_BASE + CLINT_MTIMECMP, ticks);
}

void pmp_allow_all(void)
{
    /* §3.7.1: NAPOT with pmpaddr all ones covers the whole 2^64-byte space */
    csr_write(pmpaddr0, ~0ull >> 10);
    csr_write(pmpcfg0, (PMP_A_NAPOT << PMP_A_SHIFT) | PMP_R | PMP_W | PMP_X);
}
