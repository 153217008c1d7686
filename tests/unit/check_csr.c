/*
 * tests/unit/check_csr.c - the CSR file (cpu/csr.c): WARL fields, who may
 * access what, the counters, Sstc, the PMP CSRs' locking rules.
 * Course: 处理器虚拟化 / 系统寄存器 (the virtual hart's CSRs).
 * Spec: Privileged 20211203, §2.1, §3.1, §3.7.1, §4.1; Sstc 1.0; Zicntr.
 * Expected values are worked by hand from the spec (see each comment).
 */
#include <check.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/encoding.h"
#include "cpu/internal.h"

/* A hart on the stack: zeroed once, then reset (M-mode, pc 0x80000000), unattached. */
static void hart_init(struct hart *h)
{
    *h = (struct hart){0};
    hart_reset(h, 0, 0x80000000ull);
}

static uint64_t rd(struct hart *h, unsigned csrno)
{
    uint64_t val = 0xbadbadull;

    ck_assert_int_eq(csr_read(h, csrno, &val), 0);
    return val;
}

static void wr(struct hart *h, unsigned csrno, uint64_t val)
{
    ck_assert_int_eq(csr_write(h, csrno, val), 0);
}

/* ---------------------------------------------------------------- core */

START_TEST(test_reset_state)
{
    struct hart h;

    hart_init(&h);
    h.csr.mhartid = 0;
    hart_reset(&h, 3, 0x1000);
    ck_assert_int_eq(h.priv, PRV_M);
    ck_assert_uint_eq(h.pc, 0x1000);
    /* SXL = 2 at bit 34 (0x800000000), UXL = 2 at bit 32 (0x200000000) */
    ck_assert_uint_eq(rd(&h, CSR_MSTATUS), 0xa00000000ull);
    /* MXL=2 (bit 63) + A(0)=0x1 C(2)=0x4 D(3)=0x8 F(5)=0x20 I(8)=0x100
     * M(12)=0x1000 S(18)=0x40000 U(20)=0x100000 -> 0x14112d */
    ck_assert_uint_eq(rd(&h, CSR_MISA), 0x800000000014112dull);
    ck_assert_uint_eq(rd(&h, CSR_MHARTID), 3);
    ck_assert_uint_eq(rd(&h, CSR_MVENDORID), 0);
    ck_assert_uint_eq(rd(&h, CSR_PMPCFG0), 0);
    wr(&h, CSR_MISA, 0); /* writes ignored: still RV64GC */
    ck_assert_uint_eq(rd(&h, CSR_MISA), 0x800000000014112dull);
}
END_TEST

START_TEST(test_mstatus_warl)
{
    struct hart h;

    hart_init(&h);
    /* every writable bit: SIE 0x2, MIE 0x8, SPIE 0x20, MPIE 0x80, SPP 0x100,
     * MPP 0x1800, FS 0x6000, MPRV 0x20000, SUM 0x40000, MXR 0x80000,
     * TVM 0x100000, TW 0x200000, TSR 0x400000 = 0x7e79aa; + XL 0xa00000000;
     * FS = 3 sets SD (bit 63). UBE, SBE, MBE, VS, XS stay 0. */
    wr(&h, CSR_MSTATUS, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_MSTATUS), 0x8000000a007e79aaull);
    /* MPRV = 1, MPP = M: loads and stores stay M */
    ck_assert_int_eq(h.data_priv, PRV_M);
    /* MPP = 1 (S) is legal: 0x800 */
    wr(&h, CSR_MSTATUS, 0x800);
    ck_assert_uint_eq(rd(&h, CSR_MSTATUS) & MSTATUS_MPP, 0x800);
    /* MPP = 2 is reserved (no H): the old MPP (S) stays */
    wr(&h, CSR_MSTATUS, 0x1000);
    ck_assert_uint_eq(rd(&h, CSR_MSTATUS) & MSTATUS_MPP, 0x800);
    /* SXL/UXL cannot be changed: write 0 -> still 0xa00000000 */
    wr(&h, CSR_MSTATUS, 0);
    ck_assert_uint_eq(rd(&h, CSR_MSTATUS), 0xa00000000ull);
}
END_TEST

START_TEST(test_mprv_data_priv)
{
    struct hart h;

    hart_init(&h);
    /* MPRV (0x20000) + MPP = U (0): M-mode loads act as U */
    wr(&h, CSR_MSTATUS, 0x20000);
    ck_assert_int_eq(h.priv, PRV_M);
    ck_assert_int_eq(h.data_priv, PRV_U);
    /* MPP = S (0x800) */
    wr(&h, CSR_MSTATUS, 0x20800);
    ck_assert_int_eq(h.data_priv, PRV_S);
    wr(&h, CSR_MSTATUS, 0x800);
    ck_assert_int_eq(h.data_priv, PRV_M);
}
END_TEST

START_TEST(test_sstatus_view)
{
    struct hart h;

    hart_init(&h);
    /* M bits set: MIE 0x8, MPP 0x1800, TVM 0x100000 (not visible in sstatus) */
    wr(&h, CSR_MSTATUS, 0x101808);
    h.priv = PRV_S;
    /* sstatus shows UXL (0x200000000) only; SXL and M bits hidden */
    ck_assert_uint_eq(rd(&h, CSR_SSTATUS), 0x200000000ull);
    /* S writes everything: only SIE 0x2, SPIE 0x20, SPP 0x100, FS 0x6000,
     * SUM 0x40000, MXR 0x80000 change -> sstatus = 0x200000000 + 0xc6122
     * + SD (FS = 3) */
    wr(&h, CSR_SSTATUS, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_SSTATUS), 0x80000002000c6122ull);
    /* mstatus kept MIE, MPP, TVM: 0xa00000000 + 0x101808 + 0xc6122 + SD */
    h.priv = PRV_M;
    ck_assert_uint_eq(rd(&h, CSR_MSTATUS), 0x8000000a001c792aull);
}
END_TEST

START_TEST(test_tvec_modes)
{
    struct hart h;

    hart_init(&h);
    wr(&h, CSR_MTVEC, 0x80000001ull); /* vectored */
    ck_assert_uint_eq(rd(&h, CSR_MTVEC), 0x80000001ull);
    wr(&h, CSR_MTVEC, 0x80001002ull); /* mode 2 reserved: keeps mode 1 */
    ck_assert_uint_eq(rd(&h, CSR_MTVEC), 0x80001001ull);
    wr(&h, CSR_MTVEC, 0x80002003ull); /* mode 3 reserved: keeps mode 1 */
    ck_assert_uint_eq(rd(&h, CSR_MTVEC), 0x80002001ull);
    wr(&h, CSR_MTVEC, 0x80000100ull); /* direct */
    ck_assert_uint_eq(rd(&h, CSR_MTVEC), 0x80000100ull);
    wr(&h, CSR_STVEC, 0x80200002ull); /* old stvec mode 0 is kept */
    ck_assert_uint_eq(rd(&h, CSR_STVEC), 0x80200000ull);
}
END_TEST

START_TEST(test_deleg_epc_masks)
{
    struct hart h;

    hart_init(&h);
    /* delegable 0-9 (0x3ff), 12 (0x1000), 13 (0x2000), 15 (0x8000); 11 never */
    wr(&h, CSR_MEDELEG, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_MEDELEG), 0xb3ffull);
    ck_assert_uint_eq(rd(&h, CSR_MEDELEG) & (1ull << 11), 0);
    /* SSIP 0x2, STIP 0x20, SEIP 0x200 */
    wr(&h, CSR_MIDELEG, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_MIDELEG), 0x222ull);
    /* IALIGN = 16: bit 0 of xepc reads 0 */
    wr(&h, CSR_MEPC, 0x80000003ull);
    ck_assert_uint_eq(rd(&h, CSR_MEPC), 0x80000002ull);
    wr(&h, CSR_SEPC, 0xffffffffffffffffull);
    ck_assert_uint_eq(rd(&h, CSR_SEPC), 0xfffffffffffffffeull);
    /* 32-bit counteren; mcountinhibit CY (0x1) and IR (0x4) only */
    wr(&h, CSR_MCOUNTEREN, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_MCOUNTEREN), 0xffffffffull);
    wr(&h, CSR_MCOUNTINHIBIT, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_MCOUNTINHIBIT), 0x5ull);
    /* menvcfg: FIOM (bit 0), STCE (bit 63); senvcfg: FIOM */
    wr(&h, CSR_MENVCFG, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_MENVCFG), 0x8000000000000001ull);
    wr(&h, CSR_SENVCFG, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_SENVCFG), 0x1ull);
}
END_TEST

START_TEST(test_satp_modes)
{
    struct hart h;

    hart_init(&h);
    /* Sv39 (8 << 60), ASID 0xffff (bits 59:44), PPN 0x80000 */
    wr(&h, CSR_SATP, 0x800ffff000080000ull);
    ck_assert_uint_eq(rd(&h, CSR_SATP), 0x800ffff000080000ull);
    /* Sv57 (mode 10) is not supported: the whole write is ignored */
    wr(&h, CSR_SATP, 0xa000000000000123ull);
    ck_assert_uint_eq(rd(&h, CSR_SATP), 0x800ffff000080000ull);
    /* mode 1 is reserved: ignored too */
    wr(&h, CSR_SATP, 0x1000000000000001ull);
    ck_assert_uint_eq(rd(&h, CSR_SATP), 0x800ffff000080000ull);
    /* Sv48 (9 << 60), ASID 1, PPN 0x81234 */
    wr(&h, CSR_SATP, 0x9000100000081234ull);
    ck_assert_uint_eq(rd(&h, CSR_SATP), 0x9000100000081234ull);
    wr(&h, CSR_SATP, 0); /* Bare */
    ck_assert_uint_eq(rd(&h, CSR_SATP), 0);
}
END_TEST

START_TEST(test_priv_checks)
{
    struct hart h;
    uint64_t val;

    hart_init(&h);
    h.priv = PRV_S;
    /* 0x300: bits 9:8 = 3, M only */
    ck_assert_int_eq(csr_read(&h, CSR_MSTATUS, &val), -1);
    ck_assert_int_eq(csr_write(&h, CSR_MSCRATCH, 1), -1);
    ck_assert_int_eq(csr_read(&h, CSR_SSCRATCH, &val), 0);
    h.priv = PRV_U;
    ck_assert_int_eq(csr_read(&h, CSR_SSCRATCH, &val), -1);
    /* TVM: satp illegal in S, fine in M */
    h.priv = PRV_M;
    wr(&h, CSR_MSTATUS, MSTATUS_TVM);
    h.priv = PRV_S;
    ck_assert_int_eq(csr_read(&h, CSR_SATP, &val), -1);
    ck_assert_int_eq(csr_write(&h, CSR_SATP, 0), -1);
    h.priv = PRV_M;
    ck_assert_int_eq(csr_read(&h, CSR_SATP, &val), 0);
    wr(&h, CSR_MSTATUS, 0);
    h.priv = PRV_S;
    ck_assert_int_eq(csr_read(&h, CSR_SATP, &val), 0);
}
END_TEST

START_TEST(test_counter_enables)
{
    struct hart h;
    uint64_t val;

    hart_init(&h);
    h.priv = PRV_U;
    ck_assert_int_eq(csr_read(&h, CSR_CYCLE, &val), -1); /* counteren = 0 */
    ck_assert(!csr_is_unprivileged_fast(&h, CSR_CYCLE));
    h.csr.mcounteren = COUNTER_CY;
    ck_assert_int_eq(csr_read(&h, CSR_CYCLE, &val), -1); /* U also needs scounteren */
    h.priv = PRV_S;
    ck_assert_int_eq(csr_read(&h, CSR_CYCLE, &val), 0);
    ck_assert(csr_is_unprivileged_fast(&h, CSR_CYCLE));
    ck_assert_int_eq(csr_read(&h, CSR_INSTRET, &val), -1); /* IR not enabled */
    h.csr.scounteren = COUNTER_CY;
    h.priv = PRV_U;
    ck_assert_int_eq(csr_read(&h, CSR_CYCLE, &val), 0);
    ck_assert(csr_is_unprivileged_fast(&h, CSR_CYCLE));
    ck_assert(!csr_is_unprivileged_fast(&h, CSR_TIME));
    /* hpmcounter3 (bit 3) enabled everywhere: reads 0 */
    h.csr.mcounteren |= 1u << 3;
    h.csr.scounteren |= 1u << 3;
    ck_assert_uint_eq(rd(&h, CSR_HPMCOUNTER3), 0);
    /* M always may; privileged CSRs are never "fast" */
    h.priv = PRV_M;
    ck_assert(csr_is_unprivileged_fast(&h, CSR_TIME));
    ck_assert(!csr_is_unprivileged_fast(&h, CSR_MSTATUS));
    ck_assert(!csr_is_unprivileged_fast(&h, CSR_MCYCLE));
}
END_TEST

START_TEST(test_minstret_write)
{
    struct hart h;

    hart_init(&h);
    h.insns = 100;
    ck_assert_uint_eq(rd(&h, CSR_MINSTRET), 100); /* 100 retired since reset at 0 */
    /* csrwi minstret, 0 retires (insns 100 -> 101) but its increment is
     * suppressed: the next instruction reads 0 */
    wr(&h, CSR_MINSTRET, 0);
    h.insns++;
    ck_assert_uint_eq(rd(&h, CSR_MINSTRET), 0);
    ck_assert_uint_eq(rd(&h, CSR_INSTRET), 0);
    h.insns += 5; /* five more retire */
    ck_assert_uint_eq(rd(&h, CSR_MINSTRET), 5);
    /* mcycle the same way: write 1000, retire, +2 -> 1002 */
    wr(&h, CSR_MCYCLE, 1000);
    h.insns++;
    h.insns += 2;
    ck_assert_uint_eq(rd(&h, CSR_MCYCLE), 1002);
    ck_assert_uint_eq(rd(&h, CSR_CYCLE), 1002);
    /* mhpmcounter: reads 0, writes ignored */
    wr(&h, CSR_MHPMCOUNTER3, 77);
    ck_assert_uint_eq(rd(&h, CSR_MHPMCOUNTER3), 0);
}
END_TEST

START_TEST(test_mcountinhibit)
{
    struct hart h;

    hart_init(&h);
    h.insns = 10;
    /* inhibit IR (0x4) at 10 retired: the inhibiting write freezes instret at 10 */
    wr(&h, CSR_MCOUNTINHIBIT, COUNTER_IR);
    h.insns += 50;
    ck_assert_uint_eq(rd(&h, CSR_MINSTRET), 10);
    ck_assert_uint_eq(rd(&h, CSR_MCYCLE), 60); /* cycle still counts */
    /* release at 60: the releasing csrw itself (60 -> 61) is not counted; +3 -> 13 */
    wr(&h, CSR_MCOUNTINHIBIT, 0);
    h.insns++;
    h.insns += 3;
    ck_assert_uint_eq(rd(&h, CSR_MINSTRET), 13);
}
END_TEST

START_TEST(test_fp_csrs)
{
    struct hart h;
    uint64_t val;

    hart_init(&h);
    /* FS = Off after reset: fflags, frm, fcsr are illegal */
    ck_assert_int_eq(csr_read(&h, CSR_FFLAGS, &val), -1);
    ck_assert(!csr_is_unprivileged_fast(&h, CSR_FCSR));
    wr(&h, CSR_MSTATUS, 1ull << MSTATUS_FS_SHIFT); /* FS = Initial */
    ck_assert(csr_is_unprivileged_fast(&h, CSR_FFLAGS));
    /* fcsr = frm << 5 | fflags: write 0xff -> frm 7, fflags 0x1f */
    wr(&h, CSR_FCSR, 0xffff);
    ck_assert_uint_eq(rd(&h, CSR_FCSR), 0xff);
    ck_assert_uint_eq(rd(&h, CSR_FRM), 7);
    ck_assert_uint_eq(rd(&h, CSR_FFLAGS), 0x1f);
    /* the write made FS Dirty (0x6000) and SD (bit 63) */
    ck_assert_uint_eq(rd(&h, CSR_MSTATUS) & (MSTATUS_FS | MSTATUS_SD), 0x8000000000006000ull);
    wr(&h, CSR_FRM, 1); /* frm 1 (RTZ), fflags kept: fcsr = 0x20 | 0x1f */
    ck_assert_uint_eq(rd(&h, CSR_FCSR), 0x3f);
    h.priv = PRV_U; /* fcsr is a user CSR */
    ck_assert_uint_eq(rd(&h, CSR_FFLAGS), 0x1f);
}
END_TEST

START_TEST(test_mip_mie)
{
    struct hart h;

    hart_init(&h);
    /* M writes SSIP, STIP, SEIP only: 0x222 */
    wr(&h, CSR_MIP, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_MIP), 0x222ull);
    /* MTIP (0x80) from the CLINT line; a write of 0 does not clear it */
    hart_set_irq_line(&h, IRQ_M_TIMER, true);
    wr(&h, CSR_MIP, 0);
    ck_assert_uint_eq(rd(&h, CSR_MIP), 0x80ull);
    /* the PLIC's SEIP line ORs into mip (0x200) without touching the stored bit */
    hart_set_irq_line(&h, IRQ_S_EXT, true);
    ck_assert_uint_eq(rd(&h, CSR_MIP), 0x280ull);
    hart_set_irq_line(&h, IRQ_S_EXT, false);
    ck_assert_uint_eq(rd(&h, CSR_MIP), 0x80ull);
    /* mie: 0xaaa */
    wr(&h, CSR_MIE, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_MIE), 0xaaaull);
}
END_TEST

START_TEST(test_mip_rmw_seip)
{
    struct hart h;
    uint64_t old;

    hart_init(&h);
    hart_set_irq_line(&h, IRQ_S_EXT, true);
    /* csrrs mip, SSIP: old value shows the line (0x200); the write sets SSIP
     * on the stored bits only, so the stored SEIP stays 0 */
    ck_assert_int_eq(csr_rmw(&h, CSR_MIP, CSR_OP_SET, MIP_SSIP, true, &old), 0);
    ck_assert_uint_eq(old, 0x200ull);
    ck_assert_uint_eq(h.csr.mip, 0x2ull);
    hart_set_irq_line(&h, IRQ_S_EXT, false);
    ck_assert_uint_eq(rd(&h, CSR_MIP), 0x2ull);
    /* csrrc: clear SSIP */
    ck_assert_int_eq(csr_rmw(&h, CSR_MIP, CSR_OP_CLEAR, MIP_SSIP, true, &old), 0);
    ck_assert_uint_eq(old, 0x2ull);
    ck_assert_uint_eq(rd(&h, CSR_MIP), 0);
}
END_TEST

START_TEST(test_sip_sie)
{
    struct hart h;

    hart_init(&h);
    wr(&h, CSR_MIE, 0xaaa);
    wr(&h, CSR_MIP, 0x222);
    /* nothing delegated: sie and sip read 0, writes change nothing */
    h.priv = PRV_S;
    ck_assert_uint_eq(rd(&h, CSR_SIE), 0);
    ck_assert_uint_eq(rd(&h, CSR_SIP), 0);
    wr(&h, CSR_SIP, 0);
    wr(&h, CSR_SIE, 0);
    h.priv = PRV_M;
    ck_assert_uint_eq(rd(&h, CSR_MIP), 0x222ull);
    ck_assert_uint_eq(rd(&h, CSR_MIE), 0xaaaull);
    wr(&h, CSR_MIDELEG, MIP_SSIP | MIP_STIP);
    h.priv = PRV_S;
    /* sip = mip & mideleg = 0x22; sie = mie & mideleg = 0x22 */
    ck_assert_uint_eq(rd(&h, CSR_SIP), 0x22ull);
    ck_assert_uint_eq(rd(&h, CSR_SIE), 0x22ull);
    /* S clears all of sip: only SSIP is writable there -> sip 0x20 */
    wr(&h, CSR_SIP, 0);
    ck_assert_uint_eq(rd(&h, CSR_SIP), 0x20ull);
    /* S clears sie: STIE and SSIE go, MTIE/MSIE/MEIE/SEIE stay: 0xaaa - 0x22 */
    wr(&h, CSR_SIE, 0);
    h.priv = PRV_M;
    ck_assert_uint_eq(rd(&h, CSR_MIE), 0xa88ull);
}
END_TEST

START_TEST(test_sstc)
{
    struct hart h;
    uint64_t val;

    hart_init(&h);
    h.priv = PRV_S;
    ck_assert_int_eq(csr_read(&h, CSR_STIMECMP, &val), -1); /* STCE = 0 */
    h.csr.menvcfg = MENVCFG_STCE;
    ck_assert_int_eq(csr_read(&h, CSR_STIMECMP, &val), -1); /* TM = 0 */
    h.csr.mcounteren = COUNTER_TM;
    wr(&h, CSR_STIMECMP, 5);
    ck_assert_uint_eq(rd(&h, CSR_STIMECMP), 5);
    /* no clock attached: time = insns / 10; 40 -> 4 < 5: STIP clear */
    h.priv = PRV_M;
    h.insns = 40;
    ck_assert_uint_eq(rd(&h, CSR_MIP) & MIP_STIP, 0);
    /* a write to STIP is ignored under Sstc */
    wr(&h, CSR_MIP, MIP_STIP);
    ck_assert_uint_eq(rd(&h, CSR_MIP) & MIP_STIP, 0);
    h.insns = 50; /* time 5 >= 5 */
    ck_assert_uint_eq(rd(&h, CSR_MIP), MIP_STIP);
    ck_assert_uint_eq(hart_stimecmp_deadline(&h), 5);
    h.csr.menvcfg = 0; /* Sstc off: deadline disarmed, STIP the stored bit (0) */
    ck_assert_uint_eq(hart_stimecmp_deadline(&h), UINT64_MAX);
    ck_assert_uint_eq(rd(&h, CSR_MIP) & MIP_STIP, 0);
    ck_assert_int_eq(csr_read(&h, CSR_STIMECMP, &val), 0); /* M always */
}
END_TEST

START_TEST(test_time_clock)
{
    struct hart h;
    struct vclock clock = {.retired = 1000, .skipped_ticks = 7};

    hart_init(&h);
    h.clock = &clock;
    h.insns = 500;
    h.insns_at_entry = 480;
    /* 7 + (1000 + (500 - 480)) / 10 = 7 + 102 = 109 */
    ck_assert_uint_eq(hart_time_now(&h), 109);
    ck_assert_uint_eq(rd(&h, CSR_TIME), 109);
    /* the exit's sync folds the 20 into the clock: retired 1020, time unchanged */
    hart_sync_clock(&h);
    ck_assert_uint_eq(clock.retired, 1020);
    ck_assert_uint_eq(h.insns_at_entry, 500);
    ck_assert_uint_eq(hart_time_now(&h), 109);
    /* the VMM retires 15 more for the hart (emulation): 7 + 1035 / 10 = 110 */
    h.insns += 15;
    ck_assert_uint_eq(hart_time_now(&h), 110);
    hart_sync_clock(&h);
    ck_assert_uint_eq(clock.retired, 1035);
}
END_TEST

START_TEST(test_pmp_csrs)
{
    struct hart h;
    uint64_t val;

    hart_init(&h);
    /* byte 0 = 0x1f (NAPOT RWX), byte 1 = 0x0a (TOR, W without R -> W cleared:
     * 0x08), byte 2 = 0x60 (reserved bits 5-6 -> 0) */
    wr(&h, CSR_PMPCFG0, 0x600a1full);
    ck_assert_uint_eq(rd(&h, CSR_PMPCFG0), 0x081full);
    /* pmpcfg2 holds entries 8-15 */
    wr(&h, CSR_PMPCFG0 + 2, 0x1100000000000000ull);
    ck_assert_uint_eq(h.csr.pmp.cfg[15], 0x11);
    ck_assert_uint_eq(rd(&h, CSR_PMPCFG0 + 2), 0x1100000000000000ull);
    /* pmpaddr: 54 bits */
    wr(&h, CSR_PMPADDR0, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_PMPADDR0), 0x3fffffffffffffull);
    /* lock entry 1 as TOR (0x80 | 0x08 | R 0x01 = 0x89): pmpaddr1 and pmpaddr0 frozen */
    wr(&h, CSR_PMPADDR0 + 1, 0x20000000ull);
    wr(&h, CSR_PMPCFG0, 0x891full);
    wr(&h, CSR_PMPADDR0, 0x1234);
    wr(&h, CSR_PMPADDR0 + 1, 0x1234);
    ck_assert_uint_eq(rd(&h, CSR_PMPADDR0), 0x3fffffffffffffull);
    ck_assert_uint_eq(rd(&h, CSR_PMPADDR0 + 1), 0x20000000ull);
    /* entry 1's cfg byte cannot change; entry 0's can */
    wr(&h, CSR_PMPCFG0, 0x0019ull);
    ck_assert_uint_eq(rd(&h, CSR_PMPCFG0), 0x8919ull);
    /* pmpcfg4 and pmpaddr16 exist, read 0, ignore writes */
    wr(&h, CSR_PMPCFG0 + 4, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_PMPCFG0 + 4), 0);
    wr(&h, CSR_PMPADDR0 + 16, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_PMPADDR0 + 16), 0);
    /* odd pmpcfg do not exist on RV64 */
    ck_assert_int_eq(csr_read(&h, CSR_PMPCFG0 + 1, &val), -1);
    ck_assert_int_eq(csr_write(&h, CSR_PMPCFG0 + 3, 0), -1);
}
END_TEST

START_TEST(test_update_mode_fetch)
{
    struct hart h;
    struct mmu_fast fast = {0};

    hart_init(&h);
    h.fast = &fast; /* no mmu: only the fetch view can be checked */
    fast.fetch.vpn_tag = 0x80000;
    wr(&h, CSR_MSTATUS, MSTATUS_SUM);
    ck_assert_uint_eq(fast.fetch.vpn_tag, FAST_INVALID);
    ck_assert_uint_eq(h.fast_mstatus, MSTATUS_SUM);
    fast.fetch.vpn_tag = 0x80000;
    wr(&h, CSR_SATP, 0x8000000000080000ull);
    ck_assert_uint_eq(fast.fetch.vpn_tag, FAST_INVALID);
    ck_assert_uint_eq(h.fast_satp, 0x8000000000080000ull);
    wr(&h, CSR_PMPADDR0, 1);
    ck_assert(!h.fast_pmp_stale); /* noted, then flushed */
}
END_TEST

START_TEST(test_triggers_absent)
{
    struct hart h;

    hart_init(&h);
    wr(&h, CSR_TSELECT, 5);
    ck_assert_uint_eq(rd(&h, CSR_TSELECT), 0);
    wr(&h, CSR_TDATA1, ~0ull);
    ck_assert_uint_eq(rd(&h, CSR_TDATA1), 0);
    wr(&h, CSR_MHPMEVENT3, 9);
    ck_assert_uint_eq(rd(&h, CSR_MHPMEVENT3), 0);
}
END_TEST

START_TEST(test_peek)
{
    struct hart h;
    uint64_t val = 0;

    hart_init(&h);
    h.csr.mscratch = 0x5a5a;
    h.csr.fflags = 0x3;
    h.priv = PRV_U; /* the monitor sees everything, whatever the guest's mode */
    ck_assert_int_eq(csr_peek(&h, CSR_MSCRATCH, &val), 0);
    ck_assert_uint_eq(val, 0x5a5a);
    ck_assert_int_eq(csr_peek(&h, CSR_FFLAGS, &val), 0); /* even with FS = Off */
    ck_assert_uint_eq(val, 0x3);
    ck_assert_int_eq(csr_peek(&h, 0x7b0, &val), -1);
    ck_assert_int_eq(csr_peek(&h, CSR_PMPCFG0 + 1, &val), -1);
}
END_TEST

/* ----------------------------------------------------------- bad input */

START_TEST(test_unknown_csrs)
{
    struct hart h;
    uint64_t val;

    hart_init(&h);
    /* 0x7b0 dcsr (debug mode only), 0x600 hstatus (no H), 0xb01 (no such
     * counter), 0x5a8 scontext, 12-bit overflow 0x1000 */
    ck_assert_int_eq(csr_read(&h, 0x7b0, &val), -1);
    ck_assert_int_eq(csr_read(&h, 0x600, &val), -1);
    ck_assert_int_eq(csr_read(&h, 0xb01, &val), -1);
    ck_assert_int_eq(csr_read(&h, 0x5a8, &val), -1);
    ck_assert_int_eq(csr_read(&h, 0x1000, &val), -1);
    ck_assert_int_eq(csr_write(&h, 0xfff, 0), -1);
}
END_TEST

START_TEST(test_read_only_writes)
{
    struct hart h;
    uint64_t old = 0;

    hart_init(&h);
    /* bits 11:10 = 3: read-only, even from M */
    ck_assert_int_eq(csr_write(&h, CSR_MHARTID, 1), -1);
    ck_assert_int_eq(csr_write(&h, CSR_CYCLE, 1), -1);
    ck_assert_int_eq(csr_write(&h, CSR_MCONFIGPTR, 1), -1);
    /* a failed rmw changes nothing and returns nothing */
    ck_assert_int_eq(csr_rmw(&h, CSR_MHARTID, CSR_OP_WRITE, 1, true, &old), -1);
    ck_assert_uint_eq(old, 0);
    /* a read-only CSR may be read by csrrs with rs1 = x0 */
    ck_assert_int_eq(csr_rmw(&h, CSR_MHARTID, CSR_OP_SET, 0, false, &old), 0);
}
END_TEST

START_TEST(test_irq_line_bad_bits)
{
    struct hart h;

    hart_init(&h);
    hart_set_irq_line(&h, 200, true); /* beyond 64 bits: ignored, no UB */
    hart_set_irq_line(&h, 63, true);
    hart_set_irq_line(&h, 0, true);
    ck_assert_uint_eq(rd(&h, CSR_MIP), 0);
}
END_TEST

static Suite *csr_suite(void)
{
    Suite *s = suite_create("csr");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_test(core, test_reset_state);
    tcase_add_test(core, test_mstatus_warl);
    tcase_add_test(core, test_mprv_data_priv);
    tcase_add_test(core, test_sstatus_view);
    tcase_add_test(core, test_tvec_modes);
    tcase_add_test(core, test_deleg_epc_masks);
    tcase_add_test(core, test_satp_modes);
    tcase_add_test(core, test_priv_checks);
    tcase_add_test(core, test_counter_enables);
    tcase_add_test(core, test_minstret_write);
    tcase_add_test(core, test_mcountinhibit);
    tcase_add_test(core, test_fp_csrs);
    tcase_add_test(core, test_mip_mie);
    tcase_add_test(core, test_mip_rmw_seip);
    tcase_add_test(core, test_sip_sie);
    tcase_add_test(core, test_sstc);
    tcase_add_test(core, test_time_clock);
    tcase_add_test(core, test_pmp_csrs);
    tcase_add_test(core, test_update_mode_fetch);
    tcase_add_test(core, test_triggers_absent);
    tcase_add_test(core, test_peek);
    tcase_add_test(bad, test_unknown_csrs);
    tcase_add_test(bad, test_read_only_writes);
    tcase_add_test(bad, test_irq_line_bad_bits);
    suite_add_tcase(s, core);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(csr_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
