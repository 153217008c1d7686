/*
 * cpu/trap.c - the VMM's trap-and-emulate handlers: emulate a privileged
 * instruction that exited (CSR access, mret, sret, sfence.vma, wfi) on the
 * virtual hart's CSR state; reflect an exception or interrupt into the
 * guest's own trap vectors; pick the interrupt a vCPU must take next.
 * Course: 处理器虚拟化 / 陷入和模拟 (the VMM emulates the trapped privileged
 *         instruction, then resumes the guest after it), 中断虚拟化 (virtual
 *         interrupt injection: the VMM makes the guest take its own trap).
 * Spec: Privileged 20211203, §3.1.8 "Machine Trap Delegation Registers",
 *       §3.1.9 "Machine Interrupt Registers", §3.3.2 "Trap-Return
 *       Instructions", §4.1.1 "Supervisor Status Register", §4.2.1
 *       "Supervisor Memory-Management Fence Instruction".
 * Simplified: no N extension (no user-level traps); under --cpu hw every
 *       trap a guest takes goes to its VS-mode (cpu/hw.c keeps the HS side);
 *       the LR reservation is kept across traps (the spec allows either).
 */
#include "cpu/cpu.h"

#include "cpu/internal.h"

/* -------------------------------------------------------- trap entry */

/* §3.1.7: vectored mode sends interrupt `code` to base + 4 * code. */
static uint64_t trap_target(uint64_t tvec, bool is_irq, uint64_t code)
{
    uint64_t base = tvec & ~3ull;

    if (is_irq && (tvec & 3) == 1) {
        return base + 4 * code;
    }
    return base;
}

/* Enter S-mode: sepc, scause, stval; SPP = old priv, SPIE = SIE, SIE = 0. */
static void trap_enter_s(struct hart *h, uint64_t cause, uint64_t tval, bool is_irq, uint64_t code)
{
    uint64_t ms = h->csr.mstatus;

    h->csr.sepc = h->pc;
    h->csr.scause = cause;
    h->csr.stval = tval;
    ms &= ~(MSTATUS_SPP | MSTATUS_SPIE);
    if (h->priv == PRV_S) {
        ms |= MSTATUS_SPP;
    }
    if (ms & MSTATUS_SIE) {
        ms |= MSTATUS_SPIE;
    }
    h->csr.mstatus = ms & ~MSTATUS_SIE;
    h->priv = PRV_S;
    h->pc = trap_target(h->csr.stvec, is_irq, code);
}

/* Enter M-mode: mepc, mcause, mtval; MPP = old priv, MPIE = MIE, MIE = 0. */
static void trap_enter_m(struct hart *h, uint64_t cause, uint64_t tval, bool is_irq, uint64_t code)
{
    uint64_t ms = h->csr.mstatus;

    h->csr.mepc = h->pc;
    h->csr.mcause = cause;
    h->csr.mtval = tval;
    ms &= ~(MSTATUS_MPP | MSTATUS_MPIE);
    ms |= (uint64_t)h->priv << MSTATUS_MPP_SHIFT;
    if (ms & MSTATUS_MIE) {
        ms |= MSTATUS_MPIE;
    }
    h->csr.mstatus = ms & ~MSTATUS_MIE;
    h->priv = PRV_M;
    h->pc = trap_target(h->csr.mtvec, is_irq, code);
}

/*
 * §3.1.8: a trap goes to S-mode when its bit is set in medeleg (exceptions)
 * or mideleg (interrupts) and the hart is not in M-mode: a trap never goes
 * to a lower privilege than the one it interrupts.
 */
void cpu_reflect_trap(struct hart *h, uint64_t cause, uint64_t tval)
{
    bool is_irq = (cause & CAUSE_INTERRUPT) != 0;
    uint64_t code = cause & ~CAUSE_INTERRUPT;
    uint64_t deleg = is_irq ? h->csr.mideleg : h->csr.medeleg;
    /* --cpu hw: the guest has no M-mode; every trap it takes is VS's (§8.6.2) */
    bool to_s = h->virt || (h->priv <= PRV_S && code < 64 && ((deleg >> code) & 1));

    if (to_s) {
        trap_enter_s(h, cause, tval, is_irq, code);
    } else {
        trap_enter_m(h, cause, tval, is_irq, code);
    }
    cpu_update_mode(h);
}

/* ----------------------------------------------------------- interrupts */

/* §3.1.9: MEI > MSI > MTI > SEI > SSI > STI. */
static const unsigned irq_priority[] = {
    IRQ_M_EXT, IRQ_M_SOFT, IRQ_M_TIMER, IRQ_S_EXT, IRQ_S_SOFT, IRQ_S_TIMER,
};

static bool irq_pick(uint64_t pending, uint64_t *out_irq)
{
    for (unsigned i = 0; i < sizeof(irq_priority) / sizeof(irq_priority[0]); i++) {
        if (pending & (1ull << irq_priority[i])) {
            *out_irq = irq_priority[i];
            return true;
        }
    }
    return false;
}

/*
 * §3.1.9: an interrupt for M (not delegated) is taken when the hart is below
 * M or MIE = 1; one delegated to S when the hart is in U, or in S with
 * SIE = 1. M-level interrupts come first, whatever their priority.
 */
bool cpu_pending_interrupt(const struct hart *h, uint64_t *out_irq)
{
    uint64_t pending = csr_mip(h) & h->csr.mie;
    uint64_t m_level = pending & ~h->csr.mideleg;
    uint64_t s_level = pending & h->csr.mideleg;
    bool m_on = h->priv < PRV_M || (h->csr.mstatus & MSTATUS_MIE);
    bool s_on = h->priv < PRV_S || (h->priv == PRV_S && (h->csr.mstatus & MSTATUS_SIE));

    if (!pending) {
        return false;
    }
    if (m_on && irq_pick(m_level, out_irq)) {
        return true;
    }
    return s_on && irq_pick(s_level, out_irq);
}

/* ------------------------------------------------------ trap-and-emulate */

/* The emulated instruction retired: next pc, one more instret (all are 32-bit). */
static void retire(struct hart *h)
{
    h->pc += 4;
    h->insns++;
}

static void illegal(struct hart *h, uint32_t raw)
{
    cpu_reflect_trap(h, CAUSE_ILLEGAL_INSTRUCTION, raw);
}

/* Zicsr: funct3 1-3 register forms, 5-7 immediate forms (zimm in rs1). */
static void emulate_csr(struct hart *h, uint32_t raw)
{
    unsigned funct3 = (raw >> 12) & 7;
    unsigned rd = (raw >> 7) & 0x1f;
    unsigned rs1 = (raw >> 15) & 0x1f;
    unsigned csrno = raw >> 20;
    uint64_t operand = (funct3 & 4) ? rs1 : h->x[rs1];
    enum csr_op op = (funct3 & 3) == 1   ? CSR_OP_WRITE
                     : (funct3 & 3) == 2 ? CSR_OP_SET
                                         : CSR_OP_CLEAR;
    bool is_write = op == CSR_OP_WRITE || rs1 != 0; /* csrrs/c with x0 / zimm 0: read only */
    uint64_t old;

    if (csr_rmw(h, csrno, op, operand, is_write, &old) != 0) {
        illegal(h, raw);
        return;
    }
    if (rd != 0) {
        h->x[rd] = old;
    }
    retire(h);
}

/* §3.3.2 mret: priv = MPP, MIE = MPIE, MPIE = 1, MPP = U, MPRV = 0 unless back to M. */
static void emulate_mret(struct hart *h, uint32_t raw)
{
    uint64_t ms = h->csr.mstatus;
    enum priv_level to = (enum priv_level)((ms & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);

    if (h->priv < PRV_M) {
        illegal(h, raw);
        return;
    }
    ms = (ms & ~MSTATUS_MIE) | ((ms & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    ms = (ms | MSTATUS_MPIE) & ~MSTATUS_MPP;
    if (to != PRV_M) {
        ms &= ~MSTATUS_MPRV;
    }
    h->csr.mstatus = ms;
    h->priv = to;
    h->insns++;
    h->pc = h->csr.mepc;
    cpu_update_mode(h);
}

/*
 * §3.3.2 sret: priv = SPP, SIE = SPIE, SPIE = 1, SPP = U, MPRV = 0. Also
 * the --cpu hw hart's inline sret in VS-mode (on vsstatus, to vsepc: V stays 1).
 */
void cpu_do_sret(struct hart *h)
{
    uint64_t ms = h->csr.mstatus;
    enum priv_level to = (ms & MSTATUS_SPP) ? PRV_S : PRV_U;

    ms = (ms & ~MSTATUS_SIE) | ((ms & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    ms = (ms | MSTATUS_SPIE) & ~(MSTATUS_SPP | MSTATUS_MPRV);
    h->csr.mstatus = ms;
    h->priv = to;
    h->pc = h->csr.sepc; /* the caller counts the retirement */
    cpu_update_mode(h);
}

static void emulate_sret(struct hart *h, uint32_t raw)
{
    if (h->priv == PRV_U || (h->priv == PRV_S && (h->csr.mstatus & MSTATUS_TSR))) {
        illegal(h, raw);
        return;
    }
    cpu_do_sret(h);
    h->insns++;
}

/* §4.2.1: rs1 = x0 fences every address, rs2 = x0 every ASID. Not retired here. */
void cpu_do_sfence_vma(struct hart *h, unsigned rs1, unsigned rs2)
{
    if (h->mmu) {
        mmu_sfence(h->mmu, rs1 == 0, h->x[rs1], rs2 == 0, (uint16_t)(h->x[rs2] & SATP_ASID_MASK));
    }
    if (h->fast) {
        h->fast->fetch.vpn_tag = FAST_INVALID;
    }
}

static void emulate_sfence_vma(struct hart *h, uint32_t raw)
{
    if (h->priv == PRV_U || (h->priv == PRV_S && (h->csr.mstatus & MSTATUS_TVM))) {
        illegal(h, raw);
        return;
    }
    cpu_do_sfence_vma(h, (raw >> 15) & 0x1f, (raw >> 20) & 0x1f);
    retire(h);
}

/* The vCPU was woken (or never slept): wfi retires. */
static void emulate_wfi(struct hart *h, uint32_t raw)
{
    if (h->priv == PRV_U || (h->priv == PRV_S && (h->csr.mstatus & MSTATUS_TW))) {
        illegal(h, raw);
        return;
    }
    retire(h);
}

#define INSN_MRET            0x30200073u
#define INSN_SRET            0x10200073u
#define INSN_WFI             0x10500073u
#define INSN_SFENCE_VMA_MASK 0xfe007fffu /* funct7, rd, funct3, opcode */
#define INSN_SFENCE_VMA      0x12000073u
#define OPCODE_SYSTEM        0x73u

void cpu_emulate_priv(struct hart *h, const struct vm_exit *e)
{
    uint32_t raw = e->priv.insn;
    unsigned funct3 = (raw >> 12) & 7;

    if ((raw & 0x7f) != OPCODE_SYSTEM || funct3 == 4) {
        illegal(h, raw);
    } else if (funct3 != 0) {
        emulate_csr(h, raw);
    } else if (raw == INSN_MRET) {
        emulate_mret(h, raw);
    } else if (raw == INSN_SRET) {
        emulate_sret(h, raw);
    } else if (raw == INSN_WFI) {
        emulate_wfi(h, raw);
    } else if ((raw & INSN_SFENCE_VMA_MASK) == INSN_SFENCE_VMA) {
        emulate_sfence_vma(h, raw);
    } else {
        illegal(h, raw);
    }
}
