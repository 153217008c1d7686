/*
 * cpu/exec_system.c - the interpreter's side of the privileged instructions:
 * Zicsr, ecall, ebreak, mret, sret, wfi, sfence.vma. The guest's kernel and
 * firmware run deprivileged, so each of these either finishes here (the few
 * CSR accesses that need no privilege: fflags/frm/fcsr, counters that
 * counteren allows) or leaves the interpreter as a VM exit for the VMM to
 * emulate on the virtual CSR state (cpu/trap.c).
 * Course: 处理器虚拟化 / 陷入和模拟 (trap-and-emulate): a sensitive
 *         instruction executed deprivileged traps to the VMM, which emulates
 *         it; 敏感指令 = 特权指令 makes RISC-V classically virtualizable.
 * Spec: Unprivileged 20191213, §9 "Zicsr"; Privileged 20211203, §3.3
 *       "Machine-Mode Privileged Instructions", §4.2 "Supervisor Instructions".
 * Under --cpu hw (V = 1) the same instructions are the hart's own work:
 * cpu/hw.c says which ones still exit (Privileged §8.6.1).
 * Simplified: only the cheap illegal cases are caught here; the VMM repeats
 *       every check (cpu_emulate_priv) since it is the one that emulates.
 */
#include "cpu/exec.h"

#include "cpu/internal.h"

/* ---------------------------------------------------------------- Zicsr */

/*
 * --cpu hw (V = 1): the hart itself does what §8.6.1 lets VS/VU do - the
 * guest's S CSRs are the vs* registers, accessed inline through the same
 * csr_rmw - and raises a virtual-instruction exception (an exit) or an
 * illegal-instruction one (not delegated: an exit too) for the rest.
 * A write may unmask a pending interrupt (sie, sstatus.SIE, stimecmp): the
 * hart takes it after the instruction, still without an exit.
 */
static int hw_csr_exec(struct hart *h, const struct insn *in, enum csr_op op, uint64_t operand,
                       bool is_write)
{
    uint64_t old;

    switch (hw_csr_access(h, in->csr)) {
    case HW_VIRTUAL:
        return cpu_exit_priv(h, EXIT_VIRTUAL_INSN, in);
    case HW_ILLEGAL:
        return cpu_illegal(h, in);
    case HW_INLINE:
        break;
    }
    if (csr_rmw(h, in->csr, op, operand, is_write, &old) != 0) {
        return cpu_illegal(h, in);
    }
    h->x[in->rd] = old;
    h->pc += in->len;
    if (is_write && in->csr == CSR_STIMECMP) {
        h->end_entry = true;
    }
    hw_take_pending_irq(h); /* a block ender: pc may go anywhere */
    return exec_next(h, in);
}

/*
 * The inline path: done without an exit when the CSR needs no privilege at
 * h->priv; anything else is the VMM's job. rd = x0 is decoded as the sink
 * x[32], so writing x[in->rd] is always right.
 */
static int csr_exec(struct hart *h, const struct insn *in, enum csr_op op, uint64_t operand,
                    bool is_write)
{
    uint64_t old;

    if (h->virt) {
        return hw_csr_exec(h, in, op, operand, is_write);
    }
    if (!csr_is_unprivileged_fast(h, in->csr)) {
        return cpu_exit_priv(h, EXIT_PRIV_INSN, in);
    }
    if (csr_rmw(h, in->csr, op, operand, is_write, &old) != 0) {
        return cpu_illegal(h, in); /* e.g. a write to the read-only cycle */
    }
    h->x[in->rd] = old;
    h->pc += in->len;
    return exec_next(h, in);
}

/* The immediate forms carry a 5-bit zimm in the rs1 field (bits 19:15). */
static uint64_t csr_zimm(const struct insn *in)
{
    return (in->raw >> 15) & 0x1f;
}

int exec_csrrw(struct hart *h, const struct insn *in)
{
    return csr_exec(h, in, CSR_OP_WRITE, h->x[in->rs1], true);
}

/* csrrs/csrrc with rs1 = x0 only read: no write side effects, legal on read-only CSRs */
int exec_csrrs(struct hart *h, const struct insn *in)
{
    return csr_exec(h, in, CSR_OP_SET, h->x[in->rs1], in->rs1 != 0);
}

int exec_csrrc(struct hart *h, const struct insn *in)
{
    return csr_exec(h, in, CSR_OP_CLEAR, h->x[in->rs1], in->rs1 != 0);
}

int exec_csrrwi(struct hart *h, const struct insn *in)
{
    return csr_exec(h, in, CSR_OP_WRITE, csr_zimm(in), true);
}

int exec_csrrsi(struct hart *h, const struct insn *in)
{
    return csr_exec(h, in, CSR_OP_SET, csr_zimm(in), csr_zimm(in) != 0);
}

int exec_csrrci(struct hart *h, const struct insn *in)
{
    return csr_exec(h, in, CSR_OP_CLEAR, csr_zimm(in), csr_zimm(in) != 0);
}

/* ------------------------------------------------------- ecall, ebreak */

/*
 * §3.3.1: the cause says which privilege called; tval is 0. Under --mmu
 * direct an S-mode ecall is the paravirtual kernel's hypercall: it exits to
 * the VMM unretired (cpu_complete_hypercall retires it).
 */
int exec_ecall(struct hart *h, const struct insn *in)
{
    uint64_t cause = h->priv == PRV_M   ? CAUSE_MACHINE_ECALL
                     : h->priv == PRV_S ? CAUSE_SUPERVISOR_ECALL
                                        : CAUSE_USER_ECALL;

    if (h->ecall_s_exits && h->priv == PRV_S) {
        return cpu_exit_priv(h, EXIT_HYPERCALL, in);
    }
    return cpu_raise(h, cause, 0);
}

void cpu_complete_hypercall(struct hart *h, uint64_t a0, uint64_t a1)
{
    h->x[10] = a0;
    h->x[11] = a1;
    h->pc += 4; /* ecall has no compressed form */
    h->insns++;
}

/* §3.1.16: a breakpoint's tval is the address of the ebreak. */
int exec_ebreak(struct hart *h, const struct insn *in)
{
    (void)in;
    return cpu_raise(h, CAUSE_BREAKPOINT, h->pc);
}

/* ------------------------------------------------ trap return, fences */

/* §3.3.2: mret only in M-mode. */
int exec_mret(struct hart *h, const struct insn *in)
{
    if (h->priv < PRV_M) {
        return cpu_illegal(h, in);
    }
    return cpu_exit_priv(h, EXIT_PRIV_INSN, in);
}

/*
 * §3.1.6.5: sret is illegal in U-mode, and in S-mode when TSR = 1.
 * --cpu hw: in VS-mode the hart returns inline on vsstatus/vsepc (a virtual
 * instruction when hstatus.VTSR = 1, and always in VU-mode, §8.6.1).
 */
int exec_sret(struct hart *h, const struct insn *in)
{
    if (h->virt) {
        if (h->priv == PRV_U || (h->hs.hstatus & HSTATUS_VTSR)) {
            return cpu_exit_priv(h, EXIT_VIRTUAL_INSN, in);
        }
        cpu_do_sret(h);
        hw_take_pending_irq(h); /* SIE = SPIE may unmask one */
        return exec_next(h, in);
    }
    if (h->priv == PRV_U || (h->priv == PRV_S && (h->csr.mstatus & MSTATUS_TSR))) {
        return cpu_illegal(h, in);
    }
    return cpu_exit_priv(h, EXIT_PRIV_INSN, in);
}

/*
 * §3.1.6.5: sfence.vma is illegal in U-mode, and in S-mode when TVM = 1.
 * --cpu hw: inline in VS-mode (it fences the guest's own translations); a
 * virtual instruction in VU-mode or when hstatus.VTVM = 1 (§8.6.1), which the
 * VMM sets under --mmu shadow and direct: it must see the guest's fences.
 */
int exec_sfence_vma(struct hart *h, const struct insn *in)
{
    if (h->virt) {
        if (h->priv == PRV_U || (h->hs.hstatus & HSTATUS_VTVM)) {
            return cpu_exit_priv(h, EXIT_VIRTUAL_INSN, in);
        }
        cpu_do_sfence_vma(h, in->rs1, in->rs2);
        h->pc += in->len;
        return exec_next(h, in);
    }
    if (h->priv == PRV_U || (h->priv == PRV_S && (h->csr.mstatus & MSTATUS_TVM))) {
        return cpu_illegal(h, in);
    }
    return cpu_exit_priv(h, EXIT_PRIV_INSN, in);
}

/*
 * HFENCE.VVMA / HFENCE.GVMA (Privileged §8.3.2) and the hypervisor virtual-
 * machine loads and stores HLV/HLVX/HSV (§8.3.3): hypervisor instructions.
 * From VS or VU-mode they are virtual instructions (§8.6.1: the VMM's to
 * answer, as KVM does, with an illegal-instruction trap into the guest);
 * under --cpu trap the virtual hart has no H extension, so they are
 * reserved encodings: illegal.
 */
int exec_hfence(struct hart *h, const struct insn *in)
{
    if (h->virt) {
        return cpu_exit_priv(h, EXIT_VIRTUAL_INSN, in);
    }
    return cpu_illegal(h, in);
}

/*
 * §3.3.3 / §3.1.6.5: wfi is illegal in U-mode (S-mode exists) and in S-mode
 * when TW = 1. Otherwise the vCPU blocks in the VMM: pc stays on the wfi
 * until the VMM retires it (cpu_emulate_priv).
 */
int exec_wfi(struct hart *h, const struct insn *in)
{
    if (h->virt) {
        /* §8.6.1: with hstatus.VTW = 1 (KVM's setting) a VS wfi is a virtual
         * instruction, which the VMM takes as the vCPU going idle: it is
         * counted as exits.wfi. In VU-mode it is a plain virtual instruction. */
        return cpu_exit_priv(h, h->priv == PRV_U ? EXIT_VIRTUAL_INSN : EXIT_WFI, in);
    }
    if (h->priv == PRV_U || (h->priv == PRV_S && (h->csr.mstatus & MSTATUS_TW))) {
        return cpu_illegal(h, in);
    }
    return cpu_exit_priv(h, EXIT_WFI, in);
}
