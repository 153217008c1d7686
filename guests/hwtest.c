/*
 * guests/hwtest.c - an S-mode guest kernel for comparing the two CPU models:
 * run it with `--kernel` on the VMM's SBI under --cpu trap and --cpu hw. It
 * does supervisor CSR work, touches a hypervisor CSR, turns on Sv39 paging,
 * takes its own load page fault and its own timer interrupt (waiting in wfi,
 * then busy), then powers off
 * through SBI. Its output is the same under both models; the exit counters
 * are not (tests/guests/hw.sh works them out): under trap every CSR access,
 * sret and guest trap exits, under hw none of them does.
 * Course: 处理器虚拟化 / 陷入和模拟 vs. 硬件辅助虚拟化 (VT-x non-root mode:
 *         the guest kernel's own system registers and exceptions need no VM
 *         exit); 中断虚拟化 (the guest's timer interrupt).
 * Spec: Privileged 20211203, §4.1 "Supervisor CSRs", §4.3 "Sv32" / §4.4
 *       "Sv39", Chapter 8 "Hypervisor Extension" (§8.6.1: a VS access to
 *       hstatus is a virtual instruction; the VMM makes it illegal); "Sstc".
 * Simplified: one hart; one gigapage maps the kernel; the fault handler
 * skips the faulting instruction instead of mapping a page.
 */
#include "guests/lib/guest.h"

#define UNMAPPED_GVA   0x40000000ull /* root[1] stays invalid: a page fault */
#define TIMER_TICKS    100000ull     /* 10 ms at 10 MHz (QEMU runs it in real time) */
#define CAUSE_S_TIMER  (CAUSE_INTERRUPT | 5)
#define ILLEGAL_CAUSE  2
#define LOAD_PF_CAUSE  13
#define SATP_SV39      (8ull << 60)
#define PTE_KERNEL     (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)

static uint64_t root[512] __attribute__((aligned(4096)));
static volatile uint64_t last_cause, last_tval, timer_fired;

/* The guest's own trap handler: record the trap; skip a faulting instruction. */
static void on_trap(struct trap_frame *tf)
{
    last_cause = tf->cause;
    last_tval = tf->tval;
    if (tf->cause == CAUSE_S_TIMER) {
        csr_write(0x14d, ~0ull); /* Sstc: clears STIP */
        timer_fired = 1;
        return;
    }
    tf->epc += insn_length_at(tf->epc);
}

/*
 * 7 CSR accesses: each a priv_insn exit under --cpu trap, none under hw.
 * sscratch holds the trap stack (trap_init_s): it is put back.
 */
static int csr_work(void)
{
    uint64_t trap_stack = csr_read(sscratch);

    csr_write(sscratch, 0x1234);
    if (csr_read(sscratch) != 0x1234) {
        return 1;
    }
    csr_write(sscratch, trap_stack);
    csr_set(sstatus, SSTATUS_SUM);
    if (!(csr_read(sstatus) & SSTATUS_SUM)) {
        return 2;
    }
    csr_clear(sstatus, SSTATUS_SUM);
    printf("hwtest: sscratch and sstatus ok\n");
    return 0;
}

/* hstatus (0x600) is HS-mode's: illegal for this kernel, whatever the model. */
static int touch_hstatus(void)
{
    __asm__ volatile("csrr t0, 0x600" : : : "t0", "memory");
    printf("hwtest: hstatus -> cause %lu\n", last_cause);
    return last_cause == ILLEGAL_CAUSE ? 0 : 3;
}

/* Sv39 with one gigapage (VPN[2] = 2: 0x8000_0000 identity), then a load from a hole. */
static int page_fault(void)
{
    root[2] = ((0x80000000ull >> 12) << PTE_PPN_SHIFT) | PTE_KERNEL;
    csr_write(satp, SATP_SV39 | ((uint64_t)(uintptr_t)root >> 12));
    sfence_vma_all();
    (void)*(volatile uint64_t *)UNMAPPED_GVA;
    printf("hwtest: load page fault cause %lu tval 0x%lx\n", last_cause, last_tval);
    return last_cause == LOAD_PF_CAUSE && last_tval == UNMAPPED_GVA ? 0 : 4;
}

/* Sstc: stimecmp = time + TIMER_TICKS, STIE and SIE on, wait in wfi. */
static int timer_interrupt(void)
{
    csr_write(0x14d, csr_read(time) + TIMER_TICKS);
    csr_set(sie, MIE_STIE);
    csr_set(sstatus, SSTATUS_SIE);
    while (!timer_fired) {
        wfi();
    }
    csr_clear(sstatus, SSTATUS_SIE);
    printf("hwtest: timer interrupt cause 0x%lx\n", last_cause);
    return last_cause == CAUSE_S_TIMER ? 0 : 5;
}

/*
 * The same with the hart busy (no wfi): the interrupt must arrive at the same
 * instruction under both models, so both retire the same instruction count.
 */
static int timer_polled(void)
{
    timer_fired = 0;
    csr_set(sstatus, SSTATUS_SIE); /* stimecmp is ~0 (on_trap): nothing pending */
    csr_write(0x14d, csr_read(time) + TIMER_TICKS);
    while (!timer_fired) {
    }
    csr_clear(sstatus, SSTATUS_SIE);
    printf("hwtest: polled timer interrupt cause 0x%lx\n", last_cause);
    return last_cause == CAUSE_S_TIMER ? 0 : 6;
}

int main(void)
{
    int r;

    console_set_output(sbi_putc);
    trap_init_s(on_trap);
    r = csr_work();
    if (r == 0) {
        r = touch_hstatus();
    }
    if (r == 0) {
        r = page_fault();
    }
    if (r == 0) {
        r = timer_interrupt();
    }
    if (r == 0) {
        r = timer_polled();
    }
    printf("hwtest: %s\n", r == 0 ? "pass" : "FAIL");
    return r;
}
