/*
 * cpu/hw.c - the hardware-assisted hart (--cpu hw): a hart with the H
 * extension as KVM uses one. The guest runs with V = 1 in VS/VU-mode; its
 * supervisor CSRs are the vs* registers (the S fields of struct csr_file,
 * one implementation of their semantics in cpu/csr.c); the traps hedeleg and
 * hideleg delegate are taken by the hart itself into the guest's stvec, with
 * no exit. Everything else is a trap taken to HS-mode - a VM exit - and this
 * file writes the HS state the spec says such a trap leaves behind.
 * Course: 处理器虚拟化 / 硬件辅助虚拟化 (Intel VT-x: VMX root / non-root, VMCS;
 *         ARM: EL2, HCR_EL2 trap controls; RISC-V: HS-mode, VS/VU-mode,
 *         hedeleg/hideleg), VM Exit 的原因 (what still exits, and why).
 * Spec: Privileged 20211203, Chapter 8 "Hypervisor Extension": §8.2.1
 *       "Hypervisor Status Register (hstatus)", "Hypervisor Trap Delegation
 *       Registers", "Hypervisor Time Delta Register", "Hypervisor Trap Value
 *       Register (htval)", "Hypervisor Trap Instruction Register (htinst)",
 *       §8.6.1 "Trap Cause Codes" (virtual instruction), §8.6.2 "Trap Entry",
 *       §8.6.3 "Transformed Instruction or Pseudoinstruction for mtinst or
 *       htinst".
 * Simplified: no guest M-mode (the VMM's SBI answers the guest's ecalls); V
 *       does not drop to 0 while the VMM (C code) handles an exit, and HS-mode's
 *       own sstatus is not modelled; htinst is the transformed instruction
 *       only for a 32-bit load/store/AMO that exits as MMIO or pt_write, 0
 *       for every other trap (allowed by §8.6.3); no hvip
 *       injection, no AIA (hgeie/hgeip, VGEIN) and no hypervisor
 *       load/store instructions; hfence.* decode as illegal instructions.
 */
#include "cpu/cpu.h"

#include "cpu/internal.h"

/*
 * KVM's choices (arch/riscv/kvm: KVM_HEDELEG_DEFAULT, KVM_HIDELEG_DEFAULT):
 * misaligned fetch, breakpoint, ecall from VU, fetch/load/store page faults
 * go straight to the guest; so do the three VS interrupts. (KVM since 2025
 * also delegates illegal instructions; here they exit and are reflected, as
 * KVM did before.)
 */
#define HW_HEDELEG                                                                                 \
    ((1ull << CAUSE_MISALIGNED_FETCH) | (1ull << CAUSE_BREAKPOINT) | (1ull << CAUSE_USER_ECALL) |  \
     (1ull << CAUSE_FETCH_PAGE_FAULT) | (1ull << CAUSE_LOAD_PAGE_FAULT) |                          \
     (1ull << CAUSE_STORE_PAGE_FAULT))
#define HW_HIDELEG (MIP_VSSIP | MIP_VSTIP | MIP_VSEIP)

/* What the VMM's M-mode firmware role opens to S (as OpenSBI does). */
#define S_INTERRUPT_BITS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define ALL_COUNTERS     0xffffffffull

/* ---------------------------------------------------------------- start */

/* Registers the VMM's SBI hands a kernel, as OpenSBI and KVM do: a0 = hartid, a1 = FDT. */
static void start_regs(struct hart *h, uint64_t entry_gva, uint64_t fdt_gpa)
{
    h->pc = entry_gva;
    h->x[10] = h->csr.mhartid;
    h->x[11] = fdt_gpa;
    h->priv = PRV_S;
    h->ecall_s_exits = true; /* an S-mode ecall is the VMM's SBI: a hypercall */
}

void hart_start_s(struct hart *h, uint64_t entry_gva, uint64_t fdt_gpa)
{
    start_regs(h, entry_gva, fdt_gpa);
    /* every exception S-mode may take goes to S (no guest M-mode): 0xb3ff
     * is what §3.1.8 lets M delegate (0-9, 12, 13, 15), less the S-mode
     * ecall (9), which the VMM answers */
    h->csr.medeleg = 0xb3ffull & ~(1ull << CAUSE_SUPERVISOR_ECALL);
    h->csr.mideleg = S_INTERRUPT_BITS;
    h->csr.mcounteren = ALL_COUNTERS;
    h->csr.menvcfg = MENVCFG_STCE;
    h->csr.stimecmp = UINT64_MAX;
    cpu_update_mode(h);
}

/*
 * KVM's vCPU at creation (kvm_arch_vcpu_create / kvm_arch_hardware_enable):
 * hstatus.SPV = 1 and SPVP = 1 so that its sret enters VS-mode, VTW = 1 so
 * that a guest wfi exits, VSXL = 2 (64-bit); hcounteren opens every counter,
 * henvcfg.STCE gives the guest Sstc (vstimecmp), htimedelta = 0.
 */
void hart_start_vs(struct hart *h, uint64_t entry_gva, uint64_t fdt_gpa)
{
    start_regs(h, entry_gva, fdt_gpa);
    h->virt = true;
    h->hs = (struct hs_csr_file){
        .hstatus = HSTATUS_SPV | HSTATUS_SPVP | HSTATUS_VTW | (2ull << HSTATUS_VSXL_SHIFT),
        .hedeleg = HW_HEDELEG,
        .hideleg = HW_HIDELEG,
        .hcounteren = ALL_COUNTERS,
        .henvcfg = HENVCFG_STCE,
    };
    /* the real hart's M-mode firmware below HS (not the guest's): the S views
     * of csr_file (sie, sip) are the vs* views of VS interrupts 1, 5, 9 */
    h->csr.mideleg = S_INTERRUPT_BITS;
    h->csr.medeleg = 0;
    h->csr.mcounteren = ALL_COUNTERS;
    h->csr.menvcfg = MENVCFG_STCE;
    h->csr.stimecmp = UINT64_MAX;
    cpu_update_mode(h);
}

/* ----------------------------------------------------------- delegation */

bool hw_exception_delegated(const struct hart *h, uint64_t cause)
{
    if (cause & CAUSE_INTERRUPT) {
        return hw_irq_delegated(h, cause & ~CAUSE_INTERRUPT);
    }
    return cause < 64 && ((h->hs.hedeleg >> cause) & 1);
}

/*
 * csr_file holds VS interrupts as the guest sees them: S codes 1, 5, 9
 * (§8.3, vsip and vsie: VSSIP/VSTIP/VSEIP show in the SSIP/STIP/SEIP
 * places). Their hip bits are one higher: 2, 6, 10.
 */
bool hw_irq_delegated(const struct hart *h, uint64_t irq)
{
    if (irq != IRQ_S_SOFT && irq != IRQ_S_TIMER && irq != IRQ_S_EXT) {
        return false;
    }
    return ((h->hs.hideleg >> (irq + 1)) & 1) != 0;
}

bool hw_take_pending_irq(struct hart *h)
{
    uint64_t irq;

    if (!cpu_pending_interrupt(h, &irq) || !hw_irq_delegated(h, irq)) {
        return false;
    }
    cpu_reflect_trap(h, irq | CAUSE_INTERRUPT, 0);
    h->delegated_traps++;
    return true;
}

/* ----------------------------------------------------------- CSR access */

/* Counter idx at h->priv with V = 1 (§8.6.1 and Zicntr): which exception, if any. */
static enum hw_access counter_access(const struct hart *h, unsigned idx)
{
    uint64_t bit = 1ull << idx;

    if (!(h->csr.mcounteren & bit)) {
        return HW_ILLEGAL;
    }
    if (!(h->hs.hcounteren & bit)) {
        return HW_VIRTUAL;
    }
    if (h->priv == PRV_U && !(h->csr.scounteren & bit)) {
        return HW_VIRTUAL;
    }
    return HW_INLINE;
}

/*
 * §8.6.1 with V = 1, by the CSR number's privilege bits 9:8 (§2.1):
 *   user CSRs (0): fp inline (FS decides), counters by m/h/scounteren;
 *   supervisor CSRs (1): inline in VS (they are the vs* registers; satp with
 *     hstatus.VTVM is virtual), a virtual instruction in VU;
 *   hypervisor and VS CSRs (2): a virtual instruction (HS could access them);
 *   machine CSRs (3): illegal (HS could not either).
 */
enum hw_access hw_csr_access(const struct hart *h, unsigned csrno)
{
    unsigned level = (csrno >> 8) & 3;

    if (csrno >= CSR_CYCLE && csrno <= CSR_HPMCOUNTER31) {
        return counter_access(h, csrno - CSR_CYCLE);
    }
    switch (level) {
    case 0:
        return HW_INLINE;
    case 1:
        if (h->priv == PRV_U) {
            return HW_VIRTUAL;
        }
        if (csrno == CSR_SATP && (h->hs.hstatus & HSTATUS_VTVM)) {
            return HW_VIRTUAL;
        }
        return HW_INLINE;
    case 2:
        return HW_VIRTUAL;
    default:
        return HW_ILLEGAL;
    }
}

/* ------------------------------------------------------ trap taken to HS */

/* §8.6.2 / §3.1.16: causes whose stval is a guest virtual address (hstatus.GVA). */
static bool cause_has_gva(uint64_t cause)
{
    switch (cause) {
    case CAUSE_MISALIGNED_FETCH:
    case CAUSE_FETCH_ACCESS:
    case CAUSE_BREAKPOINT:
    case CAUSE_MISALIGNED_LOAD:
    case CAUSE_LOAD_ACCESS:
    case CAUSE_MISALIGNED_STORE:
    case CAUSE_STORE_ACCESS:
    case CAUSE_FETCH_PAGE_FAULT:
    case CAUSE_LOAD_PAGE_FAULT:
    case CAUSE_STORE_PAGE_FAULT:
    case CAUSE_FETCH_GUEST_PAGE_FAULT:
    case CAUSE_LOAD_GUEST_PAGE_FAULT:
    case CAUSE_STORE_GUEST_PAGE_FAULT:
        return true;
    default:
        return false;
    }
}

static uint64_t guest_page_fault_cause(enum access_type acc)
{
    return acc == ACCESS_FETCH  ? CAUSE_FETCH_GUEST_PAGE_FAULT
           : acc == ACCESS_LOAD ? CAUSE_LOAD_GUEST_PAGE_FAULT
                                : CAUSE_STORE_GUEST_PAGE_FAULT;
}

#define OPCODE_LOAD     0x03
#define OPCODE_LOAD_FP  0x07
#define OPCODE_STORE    0x23
#define OPCODE_STORE_FP 0x27
#define OPCODE_AMO      0x2f
#define RS1_FIELD       (0x1fu << 15)

/*
 *   load:   imm[11:0] rs1 funct3 rd opcode    ->  0 | offset | funct3 rd opcode
 *   store:  imm[11:5] rs2 rs1 funct3 imm[4:0] opcode
 *                                            ->  0 rs2 offset funct3 0 opcode
 *   AMO:    the instruction with rs1 = offset
 * Bit 1 stays 1: the trapping instruction was 32 bits long.
 */
uint32_t hw_transformed_insn(uint32_t raw, uint64_t addr_offset)
{
    uint32_t offset = (uint32_t)addr_offset << 15;

    if ((raw & 3) != 3 || addr_offset > 31) {
        return 0;
    }
    switch (raw & 0x7f) {
    case OPCODE_LOAD:
    case OPCODE_LOAD_FP:
        return (raw & 0x00007fffu) | offset;
    case OPCODE_STORE:
    case OPCODE_STORE_FP:
        return (raw & 0x01f0707fu) | offset;
    case OPCODE_AMO:
        return (raw & ~RS1_FIELD) | offset;
    default:
        return 0;
    }
}

/* The cause, stval and GPA (htval << 2) of the trap to HS an exit stands for. */
static void exit_as_trap(const struct hart *h, const struct vm_exit *e, uint64_t *out_cause,
                         uint64_t *out_tval, gpa_t *out_gpa)
{
    *out_gpa = 0;
    switch (e->reason) {
    case EXIT_GUEST_TRAP:
        *out_cause = e->trap.cause;
        *out_tval = e->trap.tval;
        break;
    case EXIT_HYPERCALL: /* §8.6.1: ecall from VS-mode is cause 10, tval 0 */
        *out_cause = h->priv == PRV_S ? CAUSE_VIRTUAL_SUPERVISOR_ECALL : CAUSE_USER_ECALL;
        *out_tval = 0;
        break;
    case EXIT_S2_FAULT: /* §8.5: a G-stage fault; htval = GPA >> 2 */
        *out_cause = guest_page_fault_cause(e->s2.acc);
        *out_tval = e->s2.gva;
        *out_gpa = e->s2.gpa;
        break;
    case EXIT_MMIO: /* a device GPA has no G-stage mapping: a guest-page fault */
    case EXIT_PT_WRITE:
        *out_cause = e->mmio.is_write ? CAUSE_STORE_GUEST_PAGE_FAULT : CAUSE_LOAD_GUEST_PAGE_FAULT;
        *out_tval = e->mmio.gva;
        *out_gpa = e->mmio.gpa;
        break;
    default: /* wfi (VTW), virtual_insn, priv_insn: a virtual instruction, tval = its bits */
        *out_cause = CAUSE_VIRTUAL_INSTRUCTION;
        *out_tval = e->priv.insn;
        break;
    }
}

/*
 * §8.6.2 "Trap Entry", a trap from V = 1 into HS-mode: scause, stval and
 * sepc (HS's own), hstatus.SPV = 1 (V was 1), SPVP = the guest's privilege,
 * GVA = 1 when stval holds a guest virtual address, htval = GPA >> 2 for a
 * guest-page fault and 0 otherwise, htinst (below).
 */
void hw_trap_to_hs(struct hart *h, const struct vm_exit *e)
{
    uint64_t cause, tval, hstatus = h->hs.hstatus;
    gpa_t gpa;

    exit_as_trap(h, e, &cause, &tval, &gpa);
    hstatus &= ~(HSTATUS_SPVP | HSTATUS_GVA);
    hstatus |= HSTATUS_SPV;
    if (h->priv == PRV_S) {
        hstatus |= HSTATUS_SPVP;
    }
    if (!(cause & CAUSE_INTERRUPT) && cause_has_gva(cause)) {
        hstatus |= HSTATUS_GVA;
    }
    h->hs.hstatus = hstatus;
    h->hs.scause = cause;
    h->hs.stval = tval;
    h->hs.sepc = h->pc;
    h->hs.htval = gpa >> 2;
    /* §8.6.3: 0 is always allowed. A device access is always the
     * instruction's own (explicit) access: it gets the transformed
     * instruction. An S2 fault may be a VS-stage walk's PTE read: 0. */
    h->hs.htinst = 0;
    if (e->reason == EXIT_MMIO || e->reason == EXIT_PT_WRITE) {
        h->hs.htinst = e->mmio.htinst;
    }
}

/* ------------------------------------------------------------- debugger */

/* The H CSRs, by number, in struct hs_csr_file. */
static uint64_t *hs_reg(struct hart *h, unsigned csrno)
{
    switch (csrno) {
    case CSR_HSTATUS:
        return &h->hs.hstatus;
    case CSR_HEDELEG:
        return &h->hs.hedeleg;
    case CSR_HIDELEG:
        return &h->hs.hideleg;
    case CSR_HTIMEDELTA:
        return &h->hs.htimedelta;
    case CSR_HCOUNTEREN:
        return &h->hs.hcounteren;
    case CSR_HENVCFG:
        return &h->hs.henvcfg;
    case CSR_HTVAL:
        return &h->hs.htval;
    case CSR_HVIP:
        return &h->hs.hvip;
    case CSR_HTINST:
        return &h->hs.htinst;
    case CSR_HGATP:
        return &h->hs.hgatp;
    default:
        return NULL;
    }
}

/*
 * The monitor's view under --cpu hw: the H CSRs, and vsNNN (0x2NN) as the
 * S CSR 0x1NN the guest names - the same register. -1 when not a hw hart
 * or no such CSR.
 */
int hw_csr_peek(struct hart *h, unsigned csrno, uint64_t *out)
{
    uint64_t *reg = hs_reg(h, csrno);

    if (!h->virt) {
        return -1;
    }
    if (reg) {
        *out = *reg;
        return 0;
    }
    if ((csrno & 0xf00) == 0x200) {
        return csr_peek(h, csrno - 0x100, out);
    }
    return -1;
}
