/*
 * tests/unit/check_hw.c - the --cpu hw hart (cpu/hw.c and its paths in
 * cpu/exec_system.c, cpu/interp.c, cpu/trap.c): KVM's settings at start,
 * what VS-mode does inline (S CSRs = vs*, sret, delegated traps and
 * interrupts) and what exits, and the HS-mode state every exit leaves
 * (scause, stval, sepc, hstatus.SPV/SPVP/GVA, htval, htinst).
 * Course: 处理器虚拟化 / 硬件辅助虚拟化 (VT-x non-root mode, VM exit reasons).
 * Spec: Privileged 20211203, Chapter 8 "Hypervisor Extension": §8.2.1 hstatus,
 *       "Hypervisor Trap Delegation Registers", "Hypervisor Time Delta
 *       Register", htval, htinst, §8.6.1 "Trap Cause Codes", §8.6.2 "Trap
 *       Entry", §8.6.3 (htinst may always be 0).
 * Expected values are worked by hand from the spec (see each comment).
 */
#include <check.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/encoding.h"
#include "cpu/internal.h"
#include "mmu/mmu.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4ull << 20)
#define FDT_GPA  0x80300000ull
#define CODE     0x80001000ull /* the test program */
#define HANDLER  0x80002000ull /* the guest's stvec: an ecall (hypercall) there */
#define PT_ROOT  0x80100000ull
#define HOLE_GVA 0x40000000ull /* root[1] stays 0: any access page-faults */
#define DEV_GPA  0x10000000ull /* a device window (MMIO) */

/* Encodings: Zicsr = csr[31:20] rs1[19:15] funct3[14:12] rd[11:7] 0x73. */
#define CSRW_SSCRATCH_T0 0x14029073u /* 0x140<<20 | 5<<15 | 1<<12 | 0<<7 | 0x73 */
#define CSRR_A0_SSCRATCH 0x14002573u /* 0x140<<20 | 0<<15 | 2<<12 | 10<<7 | 0x73 */
#define CSRR_A0_HSTATUS  0x60002573u /* 0x600<<20 | 0<<15 | 2<<12 | 10<<7 | 0x73 */
#define CSRR_A0_MSTATUS  0x30002573u /* 0x300<<20 | 0<<15 | 2<<12 | 10<<7 | 0x73 */
#define CSRR_A0_TIME     0xc0102573u /* 0xc01<<20 | 0<<15 | 2<<12 | 10<<7 | 0x73 */
#define CSRR_A0_SSTATUS  0x10002573u /* 0x100<<20 | 0<<15 | 2<<12 | 10<<7 | 0x73 */
#define LD_A1_0_A0       0x00053583u /* imm 0 | 10<<15 | 3<<12 | 11<<7 | 0x03 */
#define CSRW_STIMECMP_T0 0x14d29073u /* 0x14d<<20 | 5<<15 | 1<<12 | 0<<7 | 0x73 */
#define J_SELF           0x0000006fu /* jal x0, 0 */
#define LD_A1_8_A0       0x00853583u /* 8<<20 | 10<<15 | 3<<12 | 11<<7 | 0x03 */
#define SD_A1_16_A0      0x00b53823u /* 0<<25 | 11<<20 | 10<<15 | 3<<12 | 16<<7 | 0x23 */
#define AMOSWAP_D_A0_A1  0x08b6352fu /* 1<<27 | 11<<20 | 12<<15 | 3<<12 | 10<<7 | 0x2f */
#define ECALL            0x00000073u
#define SRET             0x10200073u
#define WFI              0x10500073u
#define PTE_GIGA_KERNEL  0x200000cfull /* (0x80000 << 10) | D A X W R V (0xcf) */
#define SATP_SV39_ROOT   ((8ull << 60) | (PT_ROOT >> 12))

struct tvm {
    struct hostmem *hm;
    struct gmem *gm;
    struct mmu *mmu;
    struct vclock clock;
    struct hart h;
    struct vm_exit exit;
};

static struct tvm *tvm;

static void teardown(void);

/* A VM with 4 MiB of RAM and one hart started as the VMM's SBI starts a kernel. */
static void tvm_setup_model(bool is_hw)
{
    struct mmu_config cfg = {.tlb_entries = 64, .tlb_ways = 4, .fastpath = true};
    uint32_t handler = ECALL;

    tvm = calloc(1, sizeof(*tvm));
    ck_assert_ptr_nonnull(tvm);
    tvm->hm = hostmem_create(32ull << 20);
    tvm->gm = gmem_create(tvm->hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(tvm->gm);
    tvm->mmu = mmu_create(tvm->gm, &tvm->h.csr.pmp, &cfg);
    ck_assert_ptr_nonnull(tvm->mmu);
    ck_assert_int_eq(gmem_add_mmio(tvm->gm, DEV_GPA, 0x1000), 0);
    ck_assert_int_eq(hart_attach(&tvm->h, tvm->mmu, tvm->gm, &tvm->clock), 0);
    hart_reset(&tvm->h, 0, RAM_BASE);
    if (is_hw) {
        hart_start_vs(&tvm->h, CODE, FDT_GPA);
    } else {
        hart_start_s(&tvm->h, CODE, FDT_GPA);
    }
    tvm->h.csr.stvec = HANDLER;
    ck_assert_int_eq(gmem_write(tvm->gm, HANDLER, &handler, 4), 0);
}

static void setup_hw(void)
{
    tvm_setup_model(true);
}

/* Inside a test of the hw fixture: the same VM again, as --cpu trap starts it. */
static void restart_as_trap_model(void)
{
    teardown();
    tvm_setup_model(false);
}

static void teardown(void)
{
    hart_detach(&tvm->h);
    mmu_destroy(tvm->mmu);
    gmem_destroy(tvm->gm);
    hostmem_destroy(tvm->hm);
    free(tvm);
}

static void put_prog(const uint32_t *words, size_t n)
{
    ck_assert_int_eq(gmem_write(tvm->gm, CODE, words, n * 4), 0);
}

static enum exit_reason run(void)
{
    return cpu_run(&tvm->h, 1000, &tvm->exit);
}

/* Sv39, one gigapage: GVA 0x8000_0000.. = GPA (root[2]); root[1] (0x4000_0000..) invalid. */
static void sv39_on(void)
{
    uint64_t pte = PTE_GIGA_KERNEL;

    ck_assert_int_eq(gmem_write(tvm->gm, PT_ROOT + 2 * 8, &pte, 8), 0);
    tvm->h.csr.satp = SATP_SV39_ROOT;
    cpu_update_mode(&tvm->h);
}

/* --------------------------------------------------------------- core */

START_TEST(test_kvm_settings_at_start)
{
    const struct hart *h = &tvm->h;

    ck_assert(h->virt);
    ck_assert_int_eq(h->priv, PRV_S); /* VS-mode */
    ck_assert_uint_eq(h->pc, CODE);
    ck_assert_uint_eq(h->x[10], 0); /* a0 = hartid */
    ck_assert_uint_eq(h->x[11], FDT_GPA);
    /* SPV (bit 7) | SPVP (bit 8) | VTW (bit 21) | VSXL = 2 (bits 33:32) = 0x2_0020_0180 */
    ck_assert_uint_eq(h->hs.hstatus, 0x200200180ull);
    /* misaligned fetch 0, breakpoint 3, ecall from VU 8, page faults 12, 13, 15:
     * 0x1 | 0x8 | 0x100 | 0x1000 | 0x2000 | 0x8000 = 0xb109 */
    ck_assert_uint_eq(h->hs.hedeleg, 0xb109);
    /* VSSIP 2, VSTIP 6, VSEIP 10: 0x4 | 0x40 | 0x400 = 0x444 */
    ck_assert_uint_eq(h->hs.hideleg, 0x444);
    ck_assert_uint_eq(h->hs.htimedelta, 0);
    ck_assert_uint_eq(h->hs.hcounteren, 0xffffffffull);
}
END_TEST

/* csrw sscratch / csrr sscratch run inline: the first exit is the ecall. */
START_TEST(test_s_csr_inline)
{
    static const uint32_t prog[] = {CSRW_SSCRATCH_T0, CSRR_A0_SSCRATCH, ECALL};

    put_prog(prog, 3);
    tvm->h.x[5] = 0x1234;
    ck_assert_int_eq(run(), EXIT_HYPERCALL);
    ck_assert_uint_eq(tvm->h.insns, 2); /* both CSR instructions retired in the guest */
    ck_assert_uint_eq(tvm->h.x[10], 0x1234);
    ck_assert_uint_eq(tvm->h.csr.sscratch, 0x1234); /* csr_file's S field is vsscratch */
    /* the ecall is a trap to HS: §8.6.1 cause 10 "environment call from VS-mode", tval 0,
     * sepc = the ecall at CODE + 8, SPV = 1, SPVP = 1 (VS), GVA = 0, htval = htinst = 0 */
    ck_assert_uint_eq(tvm->h.hs.scause, 10);
    ck_assert_uint_eq(tvm->h.hs.stval, 0);
    ck_assert_uint_eq(tvm->h.hs.sepc, CODE + 8);
    ck_assert(tvm->h.hs.hstatus & HSTATUS_SPV);
    ck_assert(tvm->h.hs.hstatus & HSTATUS_SPVP);
    ck_assert(!(tvm->h.hs.hstatus & HSTATUS_GVA));
    ck_assert_uint_eq(tvm->h.hs.htval, 0);
    ck_assert_uint_eq(tvm->h.hs.htinst, 0);
}
END_TEST

/* The same program under --cpu trap: the first CSR access exits. */
START_TEST(test_s_csr_exits_under_trap)
{
    static const uint32_t prog[] = {CSRW_SSCRATCH_T0, CSRR_A0_SSCRATCH, ECALL};

    restart_as_trap_model();
    put_prog(prog, 3);
    ck_assert_int_eq(run(), EXIT_PRIV_INSN);
    ck_assert_uint_eq(tvm->exit.priv.insn, CSRW_SSCRATCH_T0);
    ck_assert_uint_eq(tvm->h.insns, 0);
}
END_TEST

/*
 * A load page fault in VS: hedeleg bit 13 set, so the hart enters the guest's
 * stvec itself (vsepc = the load, vscause = 13, vstval = the GVA, SPP = 1)
 * and runs on to the handler's ecall: the only exit.
 */
START_TEST(test_delegated_page_fault_no_exit)
{
    static const uint32_t prog[] = {LD_A1_0_A0, ECALL};

    put_prog(prog, 2);
    sv39_on();
    tvm->h.x[10] = HOLE_GVA;
    ck_assert_int_eq(run(), EXIT_HYPERCALL);
    ck_assert_uint_eq(tvm->h.pc, HANDLER);
    ck_assert_uint_eq(tvm->h.csr.scause, CAUSE_LOAD_PAGE_FAULT);
    ck_assert_uint_eq(tvm->h.csr.stval, HOLE_GVA);
    ck_assert_uint_eq(tvm->h.csr.sepc, CODE);
    ck_assert(tvm->h.csr.mstatus & MSTATUS_SPP); /* came from VS */
    ck_assert_int_eq(tvm->h.priv, PRV_S);
    ck_assert_uint_eq(tvm->h.hs.scause, 10); /* HS saw only the ecall */
    ck_assert_uint_eq(tvm->h.delegated_traps, 1);
}
END_TEST

/* The same fault under --cpu trap: a guest_trap exit for the VMM to reflect. */
START_TEST(test_page_fault_exits_under_trap)
{
    static const uint32_t prog[] = {LD_A1_0_A0, ECALL};

    restart_as_trap_model();
    put_prog(prog, 2);
    sv39_on();
    tvm->h.x[10] = HOLE_GVA;
    ck_assert_int_eq(run(), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(tvm->exit.trap.cause, CAUSE_LOAD_PAGE_FAULT);
    ck_assert_uint_eq(tvm->h.pc, CODE);
}
END_TEST

/* wfi in VS with hstatus.VTW = 1: a virtual instruction (cause 22, stval = its bits). */
START_TEST(test_wfi_exits)
{
    static const uint32_t prog[] = {WFI};

    put_prog(prog, 1);
    ck_assert_int_eq(run(), EXIT_WFI);
    ck_assert_uint_eq(tvm->h.pc, CODE); /* not retired: the VMM does it */
    ck_assert_uint_eq(tvm->h.hs.scause, 22);
    ck_assert_uint_eq(tvm->h.hs.stval, 0x10500073);
    ck_assert_uint_eq(tvm->h.hs.sepc, CODE);
    ck_assert(!(tvm->h.hs.hstatus & HSTATUS_GVA)); /* stval is no address */
    ck_assert_uint_eq(tvm->h.hs.htval, 0);
}
END_TEST

/* csrr hstatus from VS: HS could access it, so a virtual instruction (§8.6.1), cause 22. */
START_TEST(test_hstatus_is_virtual_insn)
{
    static const uint32_t prog[] = {CSRR_A0_HSTATUS};

    put_prog(prog, 1);
    ck_assert_int_eq(run(), EXIT_VIRTUAL_INSN);
    ck_assert_uint_eq(tvm->h.hs.scause, 22);
    ck_assert_uint_eq(tvm->h.hs.stval, 0x60002573);
    ck_assert(tvm->h.hs.hstatus & HSTATUS_SPVP);
}
END_TEST

/*
 * hfence.vvma zero,zero (0x22000073, §8.3.2) from VS: a hypervisor
 * instruction, so a virtual instruction (§8.6.1), cause 22, stval = its bits.
 */
START_TEST(test_hfence_is_virtual_insn)
{
    static const uint32_t prog[] = {0x22000073u};

    put_prog(prog, 1);
    ck_assert_int_eq(run(), EXIT_VIRTUAL_INSN);
    ck_assert_uint_eq(tvm->h.hs.scause, 22);
    ck_assert_uint_eq(tvm->h.hs.stval, 0x22000073u);
    ck_assert_uint_eq(tvm->h.pc, CODE); /* not retired */
}
END_TEST

/*
 * hlv.d a0,(a1) from VS (§8.3.3): funct7 0110110, rs2 0, rs1 01011, funct3
 * 100, rd 01010, SYSTEM = 0x6c05c573: a virtual instruction too, cause 22.
 */
START_TEST(test_hlv_is_virtual_insn)
{
    static const uint32_t prog[] = {0x6c05c573u};

    put_prog(prog, 1);
    ck_assert_int_eq(run(), EXIT_VIRTUAL_INSN);
    ck_assert_uint_eq(tvm->h.hs.scause, 22);
    ck_assert_uint_eq(tvm->h.hs.stval, 0x6c05c573u);
}
END_TEST

/* csrr mstatus from VS: HS could not either: illegal (2), not delegated, so an exit. */
START_TEST(test_mstatus_is_illegal_exit)
{
    static const uint32_t prog[] = {CSRR_A0_MSTATUS};

    put_prog(prog, 1);
    ck_assert_int_eq(run(), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(tvm->exit.trap.cause, CAUSE_ILLEGAL_INSTRUCTION);
    ck_assert_uint_eq(tvm->h.hs.scause, 2);
    ck_assert_uint_eq(tvm->h.hs.stval, 0x30002573);
    ck_assert(!(tvm->h.hs.hstatus & HSTATUS_GVA));
    /* the VMM reflects it into VS: vscause 2, vsepc = the csrr, pc = stvec */
    cpu_reflect_trap(&tvm->h, tvm->exit.trap.cause, tvm->exit.trap.tval);
    ck_assert_uint_eq(tvm->h.csr.scause, 2);
    ck_assert_uint_eq(tvm->h.csr.sepc, CODE);
    ck_assert_uint_eq(tvm->h.pc, HANDLER);
    ck_assert_int_eq(tvm->h.priv, PRV_S);
}
END_TEST

/*
 * VS time = mtime + htimedelta ("Hypervisor Time Delta Register"). mtime
 * here = skipped_ticks 5000 + 0 retired / 10 = 5000; htimedelta = 1000:
 * rdtime reads 6000. vstimecmp 7000 is, in mtime, 7000 - 1000 = 6000.
 */
START_TEST(test_time_plus_htimedelta)
{
    static const uint32_t prog[] = {CSRR_A0_TIME, ECALL};

    put_prog(prog, 2);
    tvm->clock.skipped_ticks = 5000;
    tvm->h.hs.htimedelta = 1000;
    tvm->h.csr.stimecmp = 7000;
    ck_assert_int_eq(run(), EXIT_HYPERCALL);
    ck_assert_uint_eq(tvm->h.x[10], 6000);
    ck_assert_uint_eq(hart_stimecmp_deadline(&tvm->h), 6000);
}
END_TEST

/*
 * A VS timer interrupt (Sstc: vstimecmp 0 <= time) with sie.STIE and
 * sstatus.SIE: hideleg has VSTIP, so VM entry takes it inline: vscause =
 * interrupt | 5 (VS interrupts show as S codes in vscause), vsepc = pc, and
 * the handler's ecall is the first exit.
 */
START_TEST(test_vs_timer_inline)
{
    static const uint32_t prog[] = {ECALL};

    put_prog(prog, 1);
    tvm->h.csr.stimecmp = 0;
    tvm->h.csr.mie = MIP_STIP;
    tvm->h.csr.mstatus |= MSTATUS_SIE;
    ck_assert_int_eq(run(), EXIT_HYPERCALL);
    ck_assert_uint_eq(tvm->h.pc, HANDLER);
    ck_assert_uint_eq(tvm->h.csr.scause, CAUSE_INTERRUPT | 5);
    ck_assert_uint_eq(tvm->h.csr.sepc, CODE);
    ck_assert(!(tvm->h.csr.mstatus & MSTATUS_SIE)); /* SIE -> SPIE on entry */
}
END_TEST

/*
 * An inline write of vstimecmp ends the VM entry after it (EXIT_NONE, not
 * counted) although the budget (1000) is not used up: the VMM must size the
 * next entry to the new deadline, or the interrupt would come a slice late.
 */
START_TEST(test_stimecmp_write_ends_entry)
{
    static const uint32_t prog[] = {CSRW_STIMECMP_T0, J_SELF};

    put_prog(prog, 2);
    tvm->h.x[5] = 500; /* mtime is 0: a deadline in the future */
    ck_assert_int_eq(run(), EXIT_NONE);
    ck_assert_uint_eq(tvm->h.insns, 1);
    ck_assert_uint_eq(tvm->h.csr.stimecmp, 500);
    ck_assert_uint_eq(hart_stimecmp_deadline(&tvm->h), 500);
}
END_TEST

/* sret in VS is done by the hart: to vsepc in VS (SPP = 1), no exit. */
START_TEST(test_sret_inline)
{
    static const uint32_t prog[] = {SRET};

    put_prog(prog, 1);
    tvm->h.csr.sepc = HANDLER;
    tvm->h.csr.mstatus |= MSTATUS_SPP | MSTATUS_SPIE;
    ck_assert_int_eq(run(), EXIT_HYPERCALL);
    ck_assert_uint_eq(tvm->h.pc, HANDLER);
    ck_assert_uint_eq(tvm->h.insns, 1);
    ck_assert(tvm->h.csr.mstatus & MSTATUS_SIE); /* SIE = old SPIE */
}
END_TEST

/*
 * The HS state of the exits that carry a guest physical address (§8.6.2):
 * stval = GVA with hstatus.GVA = 1, htval = GPA >> 2, htinst = 0.
 *   0x9000_1234 >> 2 = 0x2400_048d.
 */
START_TEST(test_guest_page_fault_state)
{
    struct vm_exit e = {.reason = EXIT_S2_FAULT};

    e.s2.gva = 0x40001234;
    e.s2.gpa = 0x90001234;
    e.s2.acc = ACCESS_LOAD;
    hw_trap_to_hs(&tvm->h, &e);
    ck_assert_uint_eq(tvm->h.hs.scause, 21); /* load guest-page fault */
    ck_assert_uint_eq(tvm->h.hs.stval, 0x40001234);
    ck_assert_uint_eq(tvm->h.hs.htval, 0x2400048d);
    ck_assert_uint_eq(tvm->h.hs.htinst, 0);
    ck_assert(tvm->h.hs.hstatus & HSTATUS_GVA);
    ck_assert(tvm->h.hs.hstatus & HSTATUS_SPV);
    e.s2.acc = ACCESS_STORE;
    hw_trap_to_hs(&tvm->h, &e);
    ck_assert_uint_eq(tvm->h.hs.scause, 23); /* store/AMO guest-page fault */
    e.s2.acc = ACCESS_FETCH;
    hw_trap_to_hs(&tvm->h, &e);
    ck_assert_uint_eq(tvm->h.hs.scause, 20); /* instruction guest-page fault */
}
END_TEST

/* An MMIO store from VU: a store guest-page fault, SPVP = 0 (the guest was in U). */
START_TEST(test_mmio_state_from_vu)
{
    struct vm_exit e = {.reason = EXIT_MMIO};

    e.mmio.gva = 0x2000;
    e.mmio.gpa = 0x10000000;
    e.mmio.is_write = true;
    tvm->h.priv = PRV_U;
    hw_trap_to_hs(&tvm->h, &e);
    ck_assert_uint_eq(tvm->h.hs.scause, 23);
    ck_assert_uint_eq(tvm->h.hs.stval, 0x2000);
    ck_assert_uint_eq(tvm->h.hs.htval, 0x4000000); /* 0x1000_0000 >> 2 */
    ck_assert(tvm->h.hs.hstatus & HSTATUS_SPV);
    ck_assert(!(tvm->h.hs.hstatus & HSTATUS_SPVP));
    ck_assert(tvm->h.hs.hstatus & HSTATUS_GVA);
}
END_TEST

/*
 * A load from GPA 0x100 (satp Bare: GVA = GPA; nothing is there): a load
 * access fault (5), which hedeleg does not delegate: an exit. stval = the
 * GVA, so hstatus.GVA = 1 (§8.6.2), but no guest-page fault: htval = 0.
 */
START_TEST(test_access_fault_state)
{
    static const uint32_t prog[] = {LD_A1_0_A0};

    put_prog(prog, 1);
    tvm->h.x[10] = 0x100;
    ck_assert_int_eq(run(), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(tvm->exit.trap.cause, CAUSE_LOAD_ACCESS);
    ck_assert_uint_eq(tvm->h.hs.scause, 5);
    ck_assert_uint_eq(tvm->h.hs.stval, 0x100);
    ck_assert_uint_eq(tvm->h.hs.sepc, CODE);
    ck_assert(tvm->h.hs.hstatus & HSTATUS_GVA);
    ck_assert_uint_eq(tvm->h.hs.htval, 0);
    ck_assert_uint_eq(tvm->h.hs.htinst, 0);
    ck_assert_uint_eq(tvm->h.delegated_traps, 0);
}
END_TEST

/*
 * A device load and store (satp Bare): MMIO exits, traps to HS as load/store
 * guest-page faults with htval = GPA >> 2 and htinst = the transformed
 * instruction (§8.6.3: imm fields cleared, rs1 = the address offset, 0 here):
 *   ld a1, 8(a0)  0x00853583 -> 0x00003583 (funct3 3, rd 11, opcode 0x03)
 *   sd a1, 16(a0) 0x00b53823 -> 0x00b03023 (rs2 11, funct3 3, opcode 0x23)
 * GPA 0x1000_0008 >> 2 = 0x400_0002; 0x1000_0010 >> 2 = 0x400_0004.
 */
START_TEST(test_mmio_htinst)
{
    static const uint32_t prog[] = {LD_A1_8_A0, SD_A1_16_A0};

    put_prog(prog, 2);
    tvm->h.x[10] = DEV_GPA;
    ck_assert_int_eq(run(), EXIT_MMIO);
    ck_assert_uint_eq(tvm->h.hs.scause, 21);
    ck_assert_uint_eq(tvm->h.hs.stval, 0x10000008);
    ck_assert_uint_eq(tvm->h.hs.htval, 0x4000002);
    ck_assert_uint_eq(tvm->h.hs.htinst, 0x00003583);
    tvm->exit.mmio.data = 0;
    cpu_complete_mmio(&tvm->h, &tvm->exit.mmio);
    ck_assert_int_eq(run(), EXIT_MMIO);
    ck_assert_uint_eq(tvm->h.hs.scause, 23);
    ck_assert_uint_eq(tvm->h.hs.htval, 0x4000004);
    ck_assert_uint_eq(tvm->h.hs.htinst, 0x00b03023);
}
END_TEST

/* The monitor's view: hstatus by number, and vsscratch (0x240) = the guest's sscratch. */
START_TEST(test_peek_h_and_vs)
{
    uint64_t v = 0;

    tvm->h.csr.sscratch = 0xabc;
    ck_assert_int_eq(csr_peek(&tvm->h, CSR_HSTATUS, &v), 0);
    ck_assert_uint_eq(v, 0x200200180ull);
    ck_assert_int_eq(csr_peek(&tvm->h, CSR_VSSCRATCH, &v), 0);
    ck_assert_uint_eq(v, 0xabc);
}
END_TEST

/* ---------------------------------------------------------- bad input */

/* §8.6.1: in VU-mode a supervisor CSR HS could access is a virtual instruction. */
START_TEST(test_vu_sstatus_virtual)
{
    static const uint32_t prog[] = {CSRR_A0_SSTATUS};

    put_prog(prog, 1);
    tvm->h.priv = PRV_U;
    cpu_update_mode(&tvm->h);
    ck_assert_int_eq(run(), EXIT_VIRTUAL_INSN);
    ck_assert(!(tvm->h.hs.hstatus & HSTATUS_SPVP)); /* from VU */
}
END_TEST

/* time with hcounteren.TM = 0: virtual; with mcounteren.TM = 0 as well: illegal. */
START_TEST(test_counter_gates)
{
    static const uint32_t prog[] = {CSRR_A0_TIME};

    put_prog(prog, 1);
    tvm->h.hs.hcounteren = 0;
    ck_assert_int_eq(run(), EXIT_VIRTUAL_INSN);
    tvm->h.csr.mcounteren = 0;
    ck_assert_int_eq(run(), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(tvm->exit.trap.cause, CAUSE_ILLEGAL_INSTRUCTION);
}
END_TEST

/* A stvec that faults itself: delegated traps forever, yet cpu_run comes back. */
START_TEST(test_fault_storm_returns)
{
    static const uint32_t prog[] = {LD_A1_0_A0};

    put_prog(prog, 1);
    sv39_on();
    tvm->h.x[10] = HOLE_GVA;
    tvm->h.csr.stvec = HOLE_GVA; /* the fetch there page-faults, into stvec again */
    ck_assert_int_eq(cpu_run(&tvm->h, 100, &tvm->exit), EXIT_NONE);
    ck_assert_uint_eq(tvm->h.insns, 0);
    ck_assert_uint_eq(tvm->h.csr.scause, CAUSE_FETCH_PAGE_FAULT);
}
END_TEST

/*
 * §8.6.3 for what is not a plain 32-bit load/store: an AMO keeps every field
 * but rs1 (= the offset: 4 -> 0x08b6352f becomes 0x08b2352f); a compressed
 * instruction, an offset that does not fit rs1, or a non-memory instruction
 * give 0.
 */
START_TEST(test_transformed_insn_edges)
{
    ck_assert_uint_eq(hw_transformed_insn(AMOSWAP_D_A0_A1, 4), 0x08b2352f);
    ck_assert_uint_eq(hw_transformed_insn(0x6502, 0), 0); /* c.ldsp a0, 0(sp) */
    ck_assert_uint_eq(hw_transformed_insn(LD_A1_8_A0, 32), 0);
    ck_assert_uint_eq(hw_transformed_insn(ECALL, 0), 0);
}
END_TEST

/* No H CSR on a trap-model hart: the monitor finds nothing. */
START_TEST(test_no_h_csrs_under_trap)
{
    uint64_t v = 0;

    restart_as_trap_model();
    ck_assert_int_eq(csr_peek(&tvm->h, CSR_HSTATUS, &v), -1);
    ck_assert_int_eq(csr_peek(&tvm->h, CSR_VSSTATUS, &v), -1);
}
END_TEST

static Suite *hw_suite(void)
{
    Suite *s = suite_create("hw");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_checked_fixture(core, setup_hw, teardown);
    tcase_add_test(core, test_kvm_settings_at_start);
    tcase_add_test(core, test_s_csr_inline);
    tcase_add_test(core, test_delegated_page_fault_no_exit);
    tcase_add_test(core, test_wfi_exits);
    tcase_add_test(core, test_hstatus_is_virtual_insn);
    tcase_add_test(core, test_hfence_is_virtual_insn);
    tcase_add_test(core, test_hlv_is_virtual_insn);
    tcase_add_test(core, test_mstatus_is_illegal_exit);
    tcase_add_test(core, test_time_plus_htimedelta);
    tcase_add_test(core, test_vs_timer_inline);
    tcase_add_test(core, test_sret_inline);
    tcase_add_test(core, test_stimecmp_write_ends_entry);
    tcase_add_test(core, test_guest_page_fault_state);
    tcase_add_test(core, test_mmio_state_from_vu);
    tcase_add_test(core, test_access_fault_state);
    tcase_add_test(core, test_mmio_htinst);
    tcase_add_test(core, test_peek_h_and_vs);
    tcase_add_test(core, test_s_csr_exits_under_trap);
    tcase_add_test(core, test_page_fault_exits_under_trap);
    suite_add_tcase(s, core);

    tcase_add_checked_fixture(bad, setup_hw, teardown);
    tcase_add_test(bad, test_vu_sstatus_virtual);
    tcase_add_test(bad, test_counter_gates);
    tcase_add_test(bad, test_fault_storm_returns);
    tcase_add_test(bad, test_no_h_csrs_under_trap);
    tcase_add_test(bad, test_transformed_insn_edges);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hw_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
