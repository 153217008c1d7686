/*
 * tests/unit/check_trap.c - trap-and-emulate (cpu/trap.c, cpu/exec_system.c,
 * cpu/hart.c): trap entry with and without delegation, vectored interrupts,
 * mret/sret, the emulation of exited CSR accesses, interrupt priority and
 * enables, what the interpreter does inline and what exits.
 * Course: 处理器虚拟化 / 陷入和模拟; 中断虚拟化.
 * Spec: Privileged 20211203, §3.1.7-§3.1.9, §3.3, §4.1.1, §4.2.1.
 * Expected values are worked by hand from the spec (see each comment).
 */
#include <check.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/encoding.h"
#include "cpu/exec.h"
#include "cpu/internal.h"

/* A hart on the stack: reset (M-mode, pc 0x80000000), unattached, exits into *e. */
static void hart_init(struct hart *h, struct vm_exit *e)
{
    *h = (struct hart){0};
    hart_reset(h, 0, 0x80000000ull);
    *e = (struct vm_exit){0};
    h->exit = e;
}

/* Let the VMM emulate one privileged instruction that exited. */
static void emulate(struct hart *h, uint32_t raw)
{
    struct vm_exit e = {.reason = EXIT_PRIV_INSN, .priv.insn = raw};

    cpu_emulate_priv(h, &e);
}

static uint64_t mpp(const struct hart *h)
{
    return (h->csr.mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
}

/* Encodings (Zicsr: csr[31:20] rs1[19:15] funct3[14:12] rd[11:7] 0x73). */
#define CSRRW_T0_MSCRATCH_T1 0x340312f3u /* 0x340<<20 | 6<<15 | 1<<12 | 5<<7 | 0x73 */
#define CSRRS_T0_MSTATUS_X0  0x300022f3u /* 0x300<<20 | 0<<15 | 2<<12 | 5<<7 | 0x73 */
#define CSRWI_MINSTRET_0     0xb0205073u /* 0xb02<<20 | 0<<15 | 5<<12 | 0<<7 | 0x73 */
#define CSRR_A0_MINSTRET     0xb0202573u /* 0xb02<<20 | 0<<15 | 2<<12 | 10<<7 | 0x73 */
#define CSRRSI_A0_MIE_8      0x30446573u /* 0x304<<20 | 8<<15 | 6<<12 | 10<<7 | 0x73 */
#define CSRRC_X0_CYCLE_A1    0xc005b073u /* 0xc00<<20 | 11<<15 | 3<<12 | 0<<7 | 0x73 */
#define MRET                 0x30200073u
#define SRET                 0x10200073u
#define WFI                  0x10500073u
#define SFENCE_VMA_X0_X0     0x12000073u /* 0x09<<25 | 0x73 */

/* ------------------------------------------------------- trap entry */

START_TEST(test_trap_to_m)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.csr.mtvec = 0x80000100;
    h.csr.mstatus |= MSTATUS_MIE;
    h.priv = PRV_S;
    h.pc = 0x80201000;
    /* load page fault (13) not delegated: M takes it */
    cpu_reflect_trap(&h, CAUSE_LOAD_PAGE_FAULT, 0xdead000);
    ck_assert_int_eq(h.priv, PRV_M);
    ck_assert_uint_eq(h.pc, 0x80000100);
    ck_assert_uint_eq(h.csr.mepc, 0x80201000);
    ck_assert_uint_eq(h.csr.mcause, 13);
    ck_assert_uint_eq(h.csr.mtval, 0xdead000);
    ck_assert_uint_eq(mpp(&h), PRV_S);
    ck_assert(h.csr.mstatus & MSTATUS_MPIE); /* MPIE = old MIE = 1 */
    ck_assert(!(h.csr.mstatus & MSTATUS_MIE));
    ck_assert_int_eq(h.data_priv, PRV_M);
}
END_TEST

START_TEST(test_trap_delegated)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.csr.stvec = 0x80200000;
    h.csr.mtvec = 0x80000000;
    h.csr.medeleg = 1u << CAUSE_LOAD_PAGE_FAULT;
    h.csr.mstatus |= MSTATUS_SIE;
    h.priv = PRV_U;
    h.pc = 0x10074;
    cpu_reflect_trap(&h, CAUSE_LOAD_PAGE_FAULT, 0x4000);
    ck_assert_int_eq(h.priv, PRV_S);
    ck_assert_uint_eq(h.pc, 0x80200000);
    ck_assert_uint_eq(h.csr.sepc, 0x10074);
    ck_assert_uint_eq(h.csr.scause, 13);
    ck_assert_uint_eq(h.csr.stval, 0x4000);
    ck_assert(!(h.csr.mstatus & MSTATUS_SPP)); /* came from U */
    ck_assert(h.csr.mstatus & MSTATUS_SPIE);   /* old SIE */
    ck_assert(!(h.csr.mstatus & MSTATUS_SIE));
    ck_assert_uint_eq(h.csr.mepc, 0); /* M untouched */
    /* the same trap in M-mode stays in M (never to a lower privilege) */
    h.priv = PRV_M;
    h.pc = 0x80000040;
    cpu_reflect_trap(&h, CAUSE_LOAD_PAGE_FAULT, 0x4000);
    ck_assert_int_eq(h.priv, PRV_M);
    ck_assert_uint_eq(h.csr.mepc, 0x80000040);
    ck_assert_uint_eq(h.pc, 0x80000000);
}
END_TEST

START_TEST(test_trap_vectored)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.csr.mtvec = 0x80000001; /* vectored, base 0x80000000 */
    h.priv = PRV_U;
    /* machine timer (7): base + 4 * 7 = 0x8000001c */
    cpu_reflect_trap(&h, CAUSE_INTERRUPT | IRQ_M_TIMER, 0);
    ck_assert_uint_eq(h.pc, 0x8000001c);
    ck_assert_uint_eq(h.csr.mcause, 0x8000000000000007ull);
    /* exceptions go to the base even in vectored mode */
    h.priv = PRV_U;
    cpu_reflect_trap(&h, CAUSE_ILLEGAL_INSTRUCTION, 0x13);
    ck_assert_uint_eq(h.pc, 0x80000000);
    /* S timer (5) delegated, stvec vectored at 0x80200000: 0x80200000 + 20 = 0x80200014 */
    h.csr.stvec = 0x80200001;
    h.csr.mideleg = MIP_STIP;
    h.priv = PRV_S;
    cpu_reflect_trap(&h, CAUSE_INTERRUPT | IRQ_S_TIMER, 0);
    ck_assert_int_eq(h.priv, PRV_S);
    ck_assert_uint_eq(h.pc, 0x80200014);
    ck_assert(h.csr.mstatus & MSTATUS_SPP); /* came from S */
}
END_TEST

/* ---------------------------------------------------- mret and sret */

START_TEST(test_mret)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    /* MPP = S (0x800), MPIE (0x80), MPRV (0x20000), MIE = 0 */
    h.csr.mstatus |= 0x800 | MSTATUS_MPIE | MSTATUS_MPRV;
    h.csr.mepc = 0x80200000;
    h.insns = 7;
    emulate(&h, MRET);
    ck_assert_int_eq(h.priv, PRV_S);
    ck_assert_uint_eq(h.pc, 0x80200000);
    ck_assert(h.csr.mstatus & MSTATUS_MIE);     /* MIE = MPIE */
    ck_assert(h.csr.mstatus & MSTATUS_MPIE);    /* MPIE = 1 */
    ck_assert_uint_eq(mpp(&h), PRV_U);          /* MPP = U */
    ck_assert(!(h.csr.mstatus & MSTATUS_MPRV)); /* left M: MPRV = 0 */
    ck_assert_uint_eq(h.insns, 8);
    ck_assert_int_eq(h.data_priv, PRV_S);
}
END_TEST

START_TEST(test_mret_to_m_keeps_mprv)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    /* MPP = M (0x1800), MPRV, MPIE = 0, MIE = 1 */
    h.csr.mstatus |= 0x1800 | MSTATUS_MPRV | MSTATUS_MIE;
    h.csr.mepc = 0x80000404;
    emulate(&h, MRET);
    ck_assert_int_eq(h.priv, PRV_M);
    ck_assert_uint_eq(h.pc, 0x80000404);
    ck_assert(h.csr.mstatus & MSTATUS_MPRV);
    ck_assert(!(h.csr.mstatus & MSTATUS_MIE)); /* MIE = old MPIE = 0 */
    ck_assert_int_eq(h.data_priv, PRV_U);      /* MPRV with MPP now U */
}
END_TEST

START_TEST(test_sret)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.priv = PRV_S;
    h.csr.mstatus |= MSTATUS_SIE; /* SPP = U, SPIE = 0 */
    h.csr.sepc = 0x10000;
    emulate(&h, SRET);
    ck_assert_int_eq(h.priv, PRV_U);
    ck_assert_uint_eq(h.pc, 0x10000);
    ck_assert(!(h.csr.mstatus & MSTATUS_SIE)); /* SIE = old SPIE = 0 */
    ck_assert(h.csr.mstatus & MSTATUS_SPIE);
    ck_assert(!(h.csr.mstatus & MSTATUS_SPP));
    /* SPP = S, SPIE = 1 -> back to S with SIE = 1 */
    h.priv = PRV_S;
    h.csr.mstatus |= MSTATUS_SPP;
    h.csr.sepc = 0x80201000;
    emulate(&h, SRET);
    ck_assert_int_eq(h.priv, PRV_S);
    ck_assert(h.csr.mstatus & MSTATUS_SIE);
    ck_assert_uint_eq(h.pc, 0x80201000);
}
END_TEST

START_TEST(test_sret_tsr_illegal)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.csr.mtvec = 0x80000000;
    h.csr.mstatus |= MSTATUS_TSR;
    h.priv = PRV_S;
    h.pc = 0x80200010;
    emulate(&h, SRET);
    /* illegal instruction (2) into M, tval = the instruction bits */
    ck_assert_int_eq(h.priv, PRV_M);
    ck_assert_uint_eq(h.csr.mcause, 2);
    ck_assert_uint_eq(h.csr.mtval, SRET);
    ck_assert_uint_eq(h.csr.mepc, 0x80200010);
    ck_assert_uint_eq(h.pc, 0x80000000);
    ck_assert_uint_eq(h.insns, 0); /* did not retire */
}
END_TEST

START_TEST(test_mret_in_s_illegal)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.csr.medeleg = 1u << CAUSE_ILLEGAL_INSTRUCTION;
    h.csr.stvec = 0x80200100;
    h.priv = PRV_S;
    emulate(&h, MRET);
    /* delegated illegal instruction: S takes it */
    ck_assert_int_eq(h.priv, PRV_S);
    ck_assert_uint_eq(h.csr.scause, 2);
    ck_assert_uint_eq(h.csr.stval, MRET);
    ck_assert_uint_eq(h.pc, 0x80200100);
}
END_TEST

/* ------------------------------------------------ CSR emulation */

START_TEST(test_emulate_csrrw)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.csr.mscratch = 0x1111;
    h.x[6] = 0x2222;
    emulate(&h, CSRRW_T0_MSCRATCH_T1);
    ck_assert_uint_eq(h.x[5], 0x1111);
    ck_assert_uint_eq(h.csr.mscratch, 0x2222);
    ck_assert_uint_eq(h.pc, 0x80000004);
    ck_assert_uint_eq(h.insns, 1);
    /* csrrsi a0, mie, 8: a0 = old mie (0), mie |= MSIE (0x8) */
    emulate(&h, CSRRSI_A0_MIE_8);
    ck_assert_uint_eq(h.x[10], 0);
    ck_assert_uint_eq(h.csr.mie, 0x8);
}
END_TEST

START_TEST(test_emulate_csr_from_s_illegal)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.csr.mtvec = 0x80000080;
    h.priv = PRV_S;
    h.pc = 0x80200000;
    h.x[5] = 0x55;
    emulate(&h, CSRRS_T0_MSTATUS_X0); /* S reads mstatus */
    ck_assert_int_eq(h.priv, PRV_M);
    ck_assert_uint_eq(h.csr.mcause, 2);
    ck_assert_uint_eq(h.csr.mtval, CSRRS_T0_MSTATUS_X0);
    ck_assert_uint_eq(h.x[5], 0x55); /* rd untouched */
    ck_assert_uint_eq(h.pc, 0x80000080);
}
END_TEST

START_TEST(test_emulate_minstret_write)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.insns = 1000;
    h.x[10] = 0x77;
    /* rv64mi-p-instret_overflow: csrwi minstret, 0; csrr a0, minstret -> a0 = 0 */
    emulate(&h, CSRWI_MINSTRET_0);
    emulate(&h, CSRR_A0_MINSTRET);
    ck_assert_uint_eq(h.x[10], 0);
    ck_assert_uint_eq(h.insns, 1002);
    emulate(&h, CSRR_A0_MINSTRET); /* the csrr before it retired: 1 */
    ck_assert_uint_eq(h.x[10], 1);
}
END_TEST

START_TEST(test_emulate_wfi_sfence)
{
    struct hart h;
    struct vm_exit e;
    struct vm_exit wfi = {.reason = EXIT_WFI, .priv.insn = WFI};

    hart_init(&h, &e);
    h.priv = PRV_S;
    h.pc = 0x80200000;
    cpu_emulate_priv(&h, &wfi); /* woken: wfi retires */
    ck_assert_uint_eq(h.pc, 0x80200004);
    ck_assert_uint_eq(h.insns, 1);
    emulate(&h, SFENCE_VMA_X0_X0);
    ck_assert_uint_eq(h.pc, 0x80200008);
    ck_assert_uint_eq(h.insns, 2);
    /* TVM makes sfence.vma illegal in S */
    h.csr.mstatus |= MSTATUS_TVM;
    h.csr.mtvec = 0x80000000;
    emulate(&h, SFENCE_VMA_X0_X0);
    ck_assert_int_eq(h.priv, PRV_M);
    ck_assert_uint_eq(h.csr.mcause, 2);
    ck_assert_uint_eq(h.csr.mepc, 0x80200008);
}
END_TEST

/* ---------------------------------------------------- interrupts */

START_TEST(test_irq_priority)
{
    struct hart h;
    struct vm_exit e;
    uint64_t irq = 99;

    hart_init(&h, &e);
    h.csr.mie = 0xaaa;
    h.csr.mstatus |= MSTATUS_MIE;
    hart_set_irq_line(&h, IRQ_M_TIMER, true);
    hart_set_irq_line(&h, IRQ_M_SOFT, true);
    hart_set_irq_line(&h, IRQ_M_EXT, true);
    h.csr.mip |= MIP_SSIP | MIP_STIP; /* not delegated: M-level too */
    ck_assert(cpu_pending_interrupt(&h, &irq));
    ck_assert_uint_eq(irq, 11); /* MEI first */
    hart_set_irq_line(&h, IRQ_M_EXT, false);
    ck_assert(cpu_pending_interrupt(&h, &irq));
    ck_assert_uint_eq(irq, 3); /* then MSI */
    hart_set_irq_line(&h, IRQ_M_SOFT, false);
    ck_assert(cpu_pending_interrupt(&h, &irq));
    ck_assert_uint_eq(irq, 7); /* then MTI */
    hart_set_irq_line(&h, IRQ_M_TIMER, false);
    hart_set_irq_line(&h, IRQ_S_EXT, true);
    ck_assert(cpu_pending_interrupt(&h, &irq));
    ck_assert_uint_eq(irq, 9); /* SEI > SSI > STI */
    hart_set_irq_line(&h, IRQ_S_EXT, false);
    ck_assert(cpu_pending_interrupt(&h, &irq));
    ck_assert_uint_eq(irq, 1); /* SSI > STI */
}
END_TEST

START_TEST(test_irq_enables)
{
    struct hart h;
    struct vm_exit e;
    uint64_t irq = 99;

    hart_init(&h, &e);
    h.csr.mie = MIP_MTIP | MIP_STIP;
    hart_set_irq_line(&h, IRQ_M_TIMER, true);
    ck_assert(!cpu_pending_interrupt(&h, &irq)); /* M with MIE = 0 */
    ck_assert(hart_irq_pending(&h));             /* still wakes WFI */
    h.priv = PRV_S;
    ck_assert(cpu_pending_interrupt(&h, &irq)); /* below M: MIE ignored */
    ck_assert_uint_eq(irq, 7);
    /* delegated STI, pending: S with SIE = 0 no, U yes, M never */
    hart_set_irq_line(&h, IRQ_M_TIMER, false);
    h.csr.mideleg = MIP_STIP;
    h.csr.mip |= MIP_STIP;
    ck_assert(!cpu_pending_interrupt(&h, &irq));
    h.priv = PRV_U;
    ck_assert(cpu_pending_interrupt(&h, &irq));
    ck_assert_uint_eq(irq, 5);
    h.priv = PRV_M;
    h.csr.mstatus |= MSTATUS_SIE | MSTATUS_MIE;
    ck_assert(!cpu_pending_interrupt(&h, &irq));
    h.priv = PRV_S; /* S with SIE = 1 */
    ck_assert(cpu_pending_interrupt(&h, &irq));
    /* disabled in mie: nothing, not even for WFI */
    h.csr.mie = 0;
    ck_assert(!cpu_pending_interrupt(&h, &irq));
    ck_assert(!hart_irq_pending(&h));
}
END_TEST

START_TEST(test_irq_m_before_s)
{
    struct hart h;
    struct vm_exit e;
    uint64_t irq = 99;

    hart_init(&h, &e);
    /* in S with SIE: delegated SEI (higher priority) and M-level MTI pending */
    h.priv = PRV_S;
    h.csr.mstatus |= MSTATUS_SIE;
    h.csr.mie = MIP_SEIP | MIP_MTIP;
    h.csr.mideleg = MIP_SEIP;
    hart_set_irq_line(&h, IRQ_S_EXT, true);
    hart_set_irq_line(&h, IRQ_M_TIMER, true);
    ck_assert(cpu_pending_interrupt(&h, &irq));
    ck_assert_uint_eq(irq, 7); /* M-level interrupts come first */
}
END_TEST

START_TEST(test_irq_sstc)
{
    struct hart h;
    struct vm_exit e;
    uint64_t irq = 99;

    hart_init(&h, &e);
    h.csr.menvcfg = MENVCFG_STCE;
    h.csr.stimecmp = 10;
    h.csr.mie = MIP_STIP;
    h.csr.mideleg = MIP_STIP;
    h.priv = PRV_U;
    h.insns = 99; /* no clock: time = 99 / 10 = 9 < 10 */
    ck_assert(!cpu_pending_interrupt(&h, &irq));
    h.insns = 100; /* time 10 >= stimecmp */
    ck_assert(cpu_pending_interrupt(&h, &irq));
    ck_assert_uint_eq(irq, 5);
}
END_TEST

/* ----------------------------------------------- interpreter side */

static struct insn csr_insn(uint32_t raw)
{
    /* funct3 (bits 14:12): 2 = csrrs, 3 = csrrc, the only two used here */
    struct insn in = {
        .exec = ((raw >> 12) & 7) == 3 ? exec_csrrc : exec_csrrs,
        .raw = raw,
        .len = 4,
        .csr = (uint16_t)(raw >> 20),
        .rs1 = (uint8_t)((raw >> 15) & 0x1f),
        .rd = (uint8_t)((raw >> 7) & 0x1f),
    };

    if (in.rd == 0) {
        in.rd = 32; /* the decoder's sink for x0 */
    }
    return in;
}

START_TEST(test_exec_csr_inline_or_exit)
{
    struct hart h;
    struct vm_exit e;
    /* csrrs a0, fflags, x0: 0x001<<20 | 2<<12 | 10<<7 | 0x73 = 0x00102573 */
    struct insn frflags = csr_insn(0x00102573u);
    struct insn ms = csr_insn(CSRRS_T0_MSTATUS_X0);

    hart_init(&h, &e);
    /* FS = Off: not inline, the VMM will find it illegal */
    ck_assert_int_eq(cpu_exec_one(&h, &frflags), EXIT_PRIV_INSN);
    ck_assert_uint_eq(e.priv.insn, 0x00102573u);
    h.csr.mstatus |= 1ull << MSTATUS_FS_SHIFT;
    h.csr.fflags = 0x3;
    ck_assert_int_eq(cpu_exec_one(&h, &frflags), 0);
    ck_assert_uint_eq(h.x[10], 0x3);
    ck_assert_uint_eq(h.pc, 0x80000004);
    /* mstatus always exits, even in M (trap-and-emulate) */
    ck_assert_int_eq(cpu_exec_one(&h, &ms), EXIT_PRIV_INSN);
    ck_assert_uint_eq(h.pc, 0x80000004);
}
END_TEST

START_TEST(test_exec_counter_inline)
{
    struct hart h;
    struct vm_exit e;
    /* csrrs a0, cycle, x0: 0xc00<<20 | 2<<12 | 10<<7 | 0x73 = 0xc0002573 */
    struct insn rdcycle = csr_insn(0xc0002573u);
    struct insn clr = csr_insn(CSRRC_X0_CYCLE_A1);

    hart_init(&h, &e);
    h.insns = 42;
    h.priv = PRV_U;
    ck_assert_int_eq(cpu_exec_one(&h, &rdcycle), EXIT_PRIV_INSN); /* counteren = 0 */
    h.csr.mcounteren = COUNTER_CY;
    h.csr.scounteren = COUNTER_CY;
    ck_assert_int_eq(cpu_exec_one(&h, &rdcycle), 0);
    ck_assert_uint_eq(h.x[10], 42);
    /* csrrc x0, cycle, a1 with a1 != 0 writes a read-only CSR: illegal */
    h.x[11] = 1;
    ck_assert_int_eq(cpu_exec_one(&h, &clr), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(e.trap.cause, 2);
    ck_assert_uint_eq(e.trap.tval, CSRRC_X0_CYCLE_A1);
}
END_TEST

START_TEST(test_exec_ecall_ebreak)
{
    struct hart h;
    struct vm_exit e;
    struct insn in = {.raw = 0x00000073u, .len = 4};

    hart_init(&h, &e);
    ck_assert_int_eq(exec_ecall(&h, &in), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(e.trap.cause, 11); /* from M */
    h.priv = PRV_S;
    exec_ecall(&h, &in);
    ck_assert_uint_eq(e.trap.cause, 9);
    h.priv = PRV_U;
    exec_ecall(&h, &in);
    ck_assert_uint_eq(e.trap.cause, 8);
    ck_assert_uint_eq(e.trap.tval, 0);
    h.pc = 0x80000010;
    ck_assert_int_eq(exec_ebreak(&h, &in), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(e.trap.cause, 3);
    ck_assert_uint_eq(e.trap.tval, 0x80000010);
    ck_assert_uint_eq(h.pc, 0x80000010); /* a trap does not advance pc */
}
END_TEST

START_TEST(test_exec_priv_guards)
{
    struct hart h;
    struct vm_exit e;
    struct insn mret = {.raw = MRET, .len = 4};
    struct insn sret = {.raw = SRET, .len = 4};
    struct insn wfi = {.raw = WFI, .len = 4};
    struct insn sfence = {.raw = SFENCE_VMA_X0_X0, .len = 4};

    hart_init(&h, &e);
    ck_assert_int_eq(exec_wfi(&h, &wfi), EXIT_WFI);
    ck_assert_uint_eq(h.pc, 0x80000000); /* not advanced */
    ck_assert_int_eq(exec_mret(&h, &mret), EXIT_PRIV_INSN);
    h.priv = PRV_S;
    ck_assert_int_eq(exec_mret(&h, &mret), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(e.trap.tval, MRET);
    ck_assert_int_eq(exec_sret(&h, &sret), EXIT_PRIV_INSN);
    ck_assert_int_eq(exec_sfence_vma(&h, &sfence), EXIT_PRIV_INSN);
    ck_assert_int_eq(exec_wfi(&h, &wfi), EXIT_WFI);
    h.csr.mstatus |= MSTATUS_TSR | MSTATUS_TVM | MSTATUS_TW;
    ck_assert_int_eq(exec_sret(&h, &sret), EXIT_GUEST_TRAP);
    ck_assert_int_eq(exec_sfence_vma(&h, &sfence), EXIT_GUEST_TRAP);
    ck_assert_int_eq(exec_wfi(&h, &wfi), EXIT_GUEST_TRAP);
    h.priv = PRV_U;
    h.csr.mstatus = 0;
    ck_assert_int_eq(exec_sret(&h, &sret), EXIT_GUEST_TRAP);
    ck_assert_int_eq(exec_sfence_vma(&h, &sfence), EXIT_GUEST_TRAP);
    ck_assert_int_eq(exec_wfi(&h, &wfi), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(e.trap.cause, 2);
}
END_TEST

START_TEST(test_exit_names)
{
    /* every counted reason has a name; the uncounted ones have none */
    for (int r = EXIT_MMIO; r <= EXIT_HALT; r++) {
        ck_assert_ptr_nonnull(exit_reason_name((enum exit_reason)r));
    }
    ck_assert_str_eq(exit_reason_name(EXIT_MMIO), "mmio");
    ck_assert_str_eq(exit_reason_name(EXIT_PRIV_INSN), "priv_insn");
    ck_assert_str_eq(exit_reason_name(EXIT_GUEST_TRAP), "guest_trap");
    ck_assert_str_eq(exit_reason_name(EXIT_VIRTUAL_INSN), "virtual_insn");
    ck_assert_str_eq(exit_reason_name(EXIT_HALT), "halt");
    ck_assert_ptr_null(exit_reason_name(EXIT_NONE));
    ck_assert_ptr_null(exit_reason_name(EXIT_DEBUG));
}
END_TEST

/* ----------------------------------------------------------- bad input */

START_TEST(test_emulate_garbage)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.csr.mtvec = 0x80000000;
    /* addi x0, x0, 0 (0x13) is not a SYSTEM instruction: reflected as illegal */
    emulate(&h, 0x00000013u);
    ck_assert_uint_eq(h.csr.mcause, 2);
    ck_assert_uint_eq(h.csr.mtval, 0x13);
    /* SYSTEM funct3 = 4 is reserved: 4 << 12 | 0x73 = 0x4073 */
    emulate(&h, 0x00004073u);
    ck_assert_uint_eq(h.csr.mtval, 0x4073);
    /* csrrw x0, 0x7b0 (dcsr), x0: 0x7b0<<20 | 1<<12 | 0x73 = 0x7b001073 */
    emulate(&h, 0x7b001073u);
    ck_assert_uint_eq(h.csr.mtval, 0x7b001073u);
    /* funct3 0 with an unknown funct12 (0x7ff): 0x7ff00073 */
    emulate(&h, 0x7ff00073u);
    ck_assert_uint_eq(h.csr.mtval, 0x7ff00073u);
    ck_assert_uint_eq(h.insns, 0);
}
END_TEST

START_TEST(test_reflect_odd_causes)
{
    struct hart h;
    struct vm_exit e;

    hart_init(&h, &e);
    h.csr.medeleg = 0xb3ff;
    h.csr.mtvec = 0x80000001; /* vectored */
    h.priv = PRV_S;
    /* cause 200 (no such exception, beyond 64 delegation bits): to M, at the base */
    cpu_reflect_trap(&h, 200, 0);
    ck_assert_int_eq(h.priv, PRV_M);
    ck_assert_uint_eq(h.pc, 0x80000000);
    ck_assert_uint_eq(h.csr.mcause, 200);
}
END_TEST

static Suite *trap_suite(void)
{
    Suite *s = suite_create("trap");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_test(core, test_trap_to_m);
    tcase_add_test(core, test_trap_delegated);
    tcase_add_test(core, test_trap_vectored);
    tcase_add_test(core, test_mret);
    tcase_add_test(core, test_mret_to_m_keeps_mprv);
    tcase_add_test(core, test_sret);
    tcase_add_test(core, test_sret_tsr_illegal);
    tcase_add_test(core, test_mret_in_s_illegal);
    tcase_add_test(core, test_emulate_csrrw);
    tcase_add_test(core, test_emulate_csr_from_s_illegal);
    tcase_add_test(core, test_emulate_minstret_write);
    tcase_add_test(core, test_emulate_wfi_sfence);
    tcase_add_test(core, test_irq_priority);
    tcase_add_test(core, test_irq_enables);
    tcase_add_test(core, test_irq_m_before_s);
    tcase_add_test(core, test_irq_sstc);
    tcase_add_test(core, test_exec_csr_inline_or_exit);
    tcase_add_test(core, test_exec_counter_inline);
    tcase_add_test(core, test_exec_ecall_ebreak);
    tcase_add_test(core, test_exec_priv_guards);
    tcase_add_test(core, test_exit_names);
    tcase_add_test(bad, test_emulate_garbage);
    tcase_add_test(bad, test_reflect_odd_causes);
    suite_add_tcase(s, core);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(trap_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
