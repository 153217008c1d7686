/*
 * cpu/csr.c - the virtual hart's CSR file: ONE implementation of what every
 * CSR holds, who may touch it and which values it keeps (WARL), used both by
 * the interpreter's inline path (fflags/frm/fcsr, counters counteren allows)
 * and by the VMM when a privileged CSR access exits (cpu/trap.c).
 * Course: 处理器虚拟化 / 系统寄存器 (虚拟寄存器), 陷入和模拟: the guest's
 *         "system registers" are plain memory in the VMM; each privileged
 *         access traps and is emulated here.
 * Spec: Privileged 20211203, §2.1 "CSR Address Mapping Conventions",
 *       §3.1 "Machine-Level CSRs", §3.7 "Physical Memory Protection",
 *       §4.1 "Supervisor CSRs"; "Sstc" 1.0; Unprivileged 20191213,
 *       "Zicntr" and §11.2 "Floating-Point Control and Status Register".
 * Simplified: no hardware performance counters (hpmcounters read 0), no
 *       triggers (tselect/tdata* read 0), PMP granularity 4 bytes, mcycle
 *       counts retired instructions (the clock model is CPI 1).
 */
#include "cpu/internal.h"

#include <stddef.h>

/* ---------------------------------------------------------- WARL masks */

/* §3.1.6: the mstatus bits M-mode can write (no BE bits, VS/XS fixed 0). */
#define MSTATUS_WRITABLE                                                                           \
    (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP |         \
     MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW |            \
     MSTATUS_TSR)
/* §4.1.1: sstatus is a restricted view of mstatus. */
#define SSTATUS_WRITABLE                                                                           \
    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | MSTATUS_MXR)
#define SSTATUS_READABLE                                                                           \
    (SSTATUS_WRITABLE | MSTATUS_UBE | MSTATUS_VS | MSTATUS_XS | MSTATUS_UXL | MSTATUS_SD)
/* SXL = UXL = 2 (64-bit), read-only. */
#define MSTATUS_XL_64 ((2ull << 32) | (2ull << 34))

/* §3.1.8: exceptions 0-9, 12, 13, 15 may be delegated; 11 (ecall from M) never. */
#define MEDELEG_WRITABLE 0xb3ffull
/* Only supervisor interrupts can be delegated to S. */
#define S_INTERRUPTS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define MIE_WRITABLE (S_INTERRUPTS | MIP_MSIP | MIP_MTIP | MIP_MEIP)

#define COUNTEREN_WRITABLE     0xffffffffull
#define MCOUNTINHIBIT_WRITABLE ((uint64_t)(COUNTER_CY | COUNTER_IR))
#define MENVCFG_WRITABLE       (MENVCFG_FIOM | MENVCFG_STCE)

/* pmpaddr holds physical address bits 55:2 on RV64. */
#define PMPADDR_WRITABLE ((1ull << 54) - 1)
#define PMPCFG_WRITABLE  (PMP_R | PMP_W | PMP_X | PMP_A | PMP_L)

/* --------------------------------------------------- mcycle / minstret */

/*
 * A counter is `base` plus the instructions retired since `mark`, or just
 * `base` while mcountinhibit stops it. Both count retired instructions
 * (CPI 1). Reads happen before the reading instruction retires, so they see
 * the count of the instructions before it, as the spec wants.
 */
static uint64_t counter_now(const struct hart *h, uint64_t base, uint64_t mark, unsigned bit)
{
    if (h->csr.mcountinhibit & bit) {
        return base;
    }
    return base + (h->insns - mark);
}

uint64_t csr_minstret(const struct hart *h)
{
    return counter_now(h, h->csr.minstret_base, h->csr.minstret_mark, COUNTER_IR);
}

uint64_t csr_mcycle(const struct hart *h)
{
    return counter_now(h, h->csr.mcycle_base, h->csr.mcycle_mark, COUNTER_CY);
}

/*
 * A write takes effect for the NEXT instruction: the writer's own retirement
 * (h->insns++ after this call) is not counted - hence mark = insns + 1
 * (rv64mi-p-instret_overflow: "the increment is suppressed").
 */
static void counter_set(struct hart *h, uint64_t *base, uint64_t *mark, uint64_t val)
{
    *base = val;
    *mark = h->insns + 1;
}

static void mcountinhibit_write(struct hart *h, uint64_t val)
{
    uint64_t next = val & MCOUNTINHIBIT_WRITABLE;
    uint64_t changed = next ^ h->csr.mcountinhibit;

    if (changed & COUNTER_CY) {
        counter_set(h, &h->csr.mcycle_base, &h->csr.mcycle_mark, csr_mcycle(h));
    }
    if (changed & COUNTER_IR) {
        counter_set(h, &h->csr.minstret_base, &h->csr.minstret_mark, csr_minstret(h));
    }
    h->csr.mcountinhibit = next;
}

/* ------------------------------------------------------- access checks */

/* Zicntr: counter `idx` (0 = cycle, 1 = time, 2 = instret, 3.. hpm) at h->priv. */
static bool counter_enabled(const struct hart *h, unsigned idx)
{
    uint64_t bit = 1ull << idx;

    switch (h->priv) {
    case PRV_M:
        return true;
    case PRV_S:
        return (h->csr.mcounteren & bit) != 0;
    default:
        return (h->csr.mcounteren & h->csr.scounteren & bit) != 0;
    }
}

static bool stimecmp_enabled(const struct hart *h)
{
    return (h->csr.menvcfg & MENVCFG_STCE) && (h->csr.mcounteren & COUNTER_TM);
}

/* §2.1: bits 9:8 give the lowest privilege; then the CSR's own gates. */
static bool csr_allowed(const struct hart *h, unsigned csrno)
{
    if ((unsigned)h->priv < ((csrno >> 8) & 3)) {
        return false;
    }
    if (csrno >= CSR_FFLAGS && csrno <= CSR_FCSR) {
        return fp_enabled(h); /* §3.1.6.6: FS = Off makes FP state illegal */
    }
    if (csrno >= CSR_CYCLE && csrno <= CSR_HPMCOUNTER31) {
        return counter_enabled(h, csrno - CSR_CYCLE);
    }
    if (csrno == CSR_SATP) {
        return !(h->priv == PRV_S && (h->csr.mstatus & MSTATUS_TVM)); /* §3.1.6.5 TVM */
    }
    if (csrno == CSR_STIMECMP) {
        return h->priv == PRV_M || stimecmp_enabled(h); /* Sstc: STCE and TM */
    }
    return true;
}

bool csr_is_unprivileged_fast(const struct hart *h, unsigned csrno)
{
    if (csrno >= CSR_FFLAGS && csrno <= CSR_FCSR) {
        return fp_enabled(h);
    }
    if (csrno >= CSR_CYCLE && csrno <= CSR_HPMCOUNTER31) {
        return counter_enabled(h, csrno - CSR_CYCLE);
    }
    return false;
}

/* ------------------------------------------------------ FP: fcsr */

static int fp_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    uint64_t fcsr = (h->csr.frm << 5) | h->csr.fflags; /* fcsr = frm[7:5] fflags[4:0] */

    *out = csrno == CSR_FFLAGS ? h->csr.fflags : csrno == CSR_FRM ? h->csr.frm : fcsr;
    return 0;
}

static int fp_write(struct hart *h, unsigned csrno, uint64_t val)
{
    if (csrno == CSR_FFLAGS) {
        h->csr.fflags = val & 0x1f;
    } else if (csrno == CSR_FRM) {
        h->csr.frm = val & 7;
    } else {
        h->csr.fflags = val & 0x1f;
        h->csr.frm = (val >> 5) & 7;
    }
    fp_set_dirty(h); /* §3.1.6.6: writing FP state makes FS Dirty */
    return 0;
}

/* ---------------------------------------------------------- counters */

static int counter_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    unsigned idx = csrno & 0x1f;

    if (idx == 0) {
        *out = csr_mcycle(h);
    } else if (idx == 1 && csrno == CSR_TIME) {
        *out = hart_guest_time(h); /* V = 1: mtime + htimedelta */
    } else if (idx == 2) {
        *out = csr_minstret(h);
    } else {
        *out = 0; /* hpmcounterN / mhpmcounterN: no events counted */
    }
    return 0;
}

static int mcounter_write(struct hart *h, unsigned csrno, uint64_t val)
{
    if (csrno == CSR_MCYCLE) {
        counter_set(h, &h->csr.mcycle_base, &h->csr.mcycle_mark, val);
    } else if (csrno == CSR_MINSTRET) {
        counter_set(h, &h->csr.minstret_base, &h->csr.minstret_mark, val);
    }
    return 0; /* mhpmcounterN: writes ignored */
}

/* ------------------------------------------------------------ status */

/* §3.1.6: legal values only; MPP = 2 (no H-mode) keeps the old MPP. */
static uint64_t mstatus_legalize(uint64_t old, uint64_t val)
{
    uint64_t next = (old & ~MSTATUS_WRITABLE) | (val & MSTATUS_WRITABLE);

    if (((next & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2) {
        next = (next & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    }
    next = (next & ~(MSTATUS_UXL | MSTATUS_SXL | MSTATUS_SD)) | MSTATUS_XL_64;
    if (((next & MSTATUS_FS) >> MSTATUS_FS_SHIFT) == FS_DIRTY) {
        next |= MSTATUS_SD; /* SD summarises FS (XS and VS are 0) */
    }
    return next;
}

static int status_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    uint64_t mask = csrno == CSR_SSTATUS ? SSTATUS_READABLE : ~0ull;

    *out = h->csr.mstatus & mask;
    return 0;
}

static int status_write(struct hart *h, unsigned csrno, uint64_t val)
{
    uint64_t old = h->csr.mstatus;

    if (csrno == CSR_SSTATUS) {
        val = (old & ~SSTATUS_WRITABLE) | (val & SSTATUS_WRITABLE);
    }
    h->csr.mstatus = mstatus_legalize(old, val);
    cpu_update_mode(h);
    return 0;
}

/* -------------------------------------------------------- interrupts */

uint64_t csr_mip(const struct hart *h)
{
    uint64_t mip = h->csr.mip;

    if (h->csr.seip_line) {
        mip |= MIP_SEIP;
    }
    if (h->csr.menvcfg & MENVCFG_STCE) {
        /* Sstc: STIP is (time >= stimecmp), no longer a writable bit */
        mip &= ~MIP_STIP;
        if (hart_guest_time(h) >= h->csr.stimecmp) { /* vstimecmp compares guest time */
            mip |= MIP_STIP;
        }
    }
    return mip;
}

static int irq_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    switch (csrno) {
    case CSR_MIP:
        *out = csr_mip(h);
        break;
    case CSR_SIP:
        *out = csr_mip(h) & h->csr.mideleg;
        break;
    case CSR_MIE:
        *out = h->csr.mie;
        break;
    default: /* CSR_SIE */
        *out = h->csr.mie & h->csr.mideleg;
        break;
    }
    return 0;
}

static int irq_write(struct hart *h, unsigned csrno, uint64_t val)
{
    uint64_t mask;

    switch (csrno) {
    case CSR_MIP: /* MSIP/MTIP/MEIP come from devices; STIP from Sstc when on */
        mask = S_INTERRUPTS;
        if (h->csr.menvcfg & MENVCFG_STCE) {
            mask &= ~MIP_STIP;
        }
        h->csr.mip = (h->csr.mip & ~mask) | (val & mask);
        break;
    case CSR_SIP: /* §4.1.3: only SSIP, and only when delegated */
        mask = MIP_SSIP & h->csr.mideleg;
        h->csr.mip = (h->csr.mip & ~mask) | (val & mask);
        break;
    case CSR_MIE:
        h->csr.mie = val & MIE_WRITABLE;
        break;
    default: /* CSR_SIE */
        mask = h->csr.mideleg & S_INTERRUPTS;
        h->csr.mie = (h->csr.mie & ~mask) | (val & mask);
        break;
    }
    return 0;
}

/* ------------------------------------------------- trap setup & state */

/* mtvec/stvec: MODE 0 (direct) or 1 (vectored); a reserved MODE keeps the old one. */
static uint64_t tvec_legalize(uint64_t old, uint64_t val)
{
    uint64_t mode = val & 3;

    if (mode >= 2) {
        mode = old & 3;
    }
    return (val & ~3ull) | mode;
}

/* The CSRs that are plain storage (after a WARL mask on write). */
static uint64_t *plain_reg(struct hart *h, unsigned csrno, uint64_t *out_mask)
{
    struct csr_file *c = &h->csr;

    *out_mask = ~0ull;
    switch (csrno) {
    case CSR_MSCRATCH:
        return &c->mscratch;
    case CSR_SSCRATCH:
        return &c->sscratch;
    case CSR_MCAUSE:
        return &c->mcause;
    case CSR_SCAUSE:
        return &c->scause;
    case CSR_MTVAL:
        return &c->mtval;
    case CSR_STVAL:
        return &c->stval;
    case CSR_STIMECMP:
        return &c->stimecmp;
    case CSR_MEPC:
        *out_mask = ~1ull;
        return &c->mepc; /* IALIGN = 16: bit 0 reads 0 */
    case CSR_SEPC:
        *out_mask = ~1ull;
        return &c->sepc;
    case CSR_MEDELEG:
        *out_mask = MEDELEG_WRITABLE;
        return &c->medeleg;
    case CSR_MIDELEG:
        *out_mask = S_INTERRUPTS;
        return &c->mideleg;
    case CSR_MCOUNTEREN:
        *out_mask = COUNTEREN_WRITABLE;
        return &c->mcounteren;
    case CSR_SCOUNTEREN:
        *out_mask = COUNTEREN_WRITABLE;
        return &c->scounteren;
    case CSR_MENVCFG:
        *out_mask = MENVCFG_WRITABLE;
        return &c->menvcfg;
    case CSR_SENVCFG:
        *out_mask = SENVCFG_FIOM;
        return &c->senvcfg;
    default:
        return NULL;
    }
}

static int plain_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    uint64_t mask;
    uint64_t *reg = plain_reg(h, csrno, &mask);

    if (!reg) {
        return -1;
    }
    *out = *reg;
    return 0;
}

static int plain_write(struct hart *h, unsigned csrno, uint64_t val)
{
    uint64_t mask;
    uint64_t *reg = plain_reg(h, csrno, &mask);

    if (!reg) {
        return -1;
    }
    *reg = val & mask;
    return 0;
}

static int tvec_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    *out = csrno == CSR_MTVEC ? h->csr.mtvec : h->csr.stvec;
    return 0;
}

static int tvec_write(struct hart *h, unsigned csrno, uint64_t val)
{
    uint64_t *tvec = csrno == CSR_MTVEC ? &h->csr.mtvec : &h->csr.stvec;

    *tvec = tvec_legalize(*tvec, val);
    return 0;
}

/* ---------------------------------------------------------- misc CSRs */

static int satp_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    (void)csrno;
    *out = h->csr.satp;
    return 0;
}

/* §4.1.11: a write with an unsupported MODE has no effect at all. */
static int satp_write(struct hart *h, unsigned csrno, uint64_t val)
{
    uint64_t mode = val >> SATP_MODE_SHIFT;

    (void)csrno;
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48) {
        return 0;
    }
    h->csr.satp = val;
    cpu_update_mode(h);
    return 0;
}

/* mvendorid, marchid, mimpid, mconfigptr read 0; mhartid; misa (RV64IMAFDCSU, set
 * by hart_reset; writes are ignored, a legal WARL choice). */
static int info_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    *out = csrno == CSR_MISA ? h->csr.misa : csrno == CSR_MHARTID ? h->csr.mhartid : 0;
    return 0;
}

static int mcountinhibit_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    (void)csrno;
    *out = h->csr.mcountinhibit;
    return 0;
}

static int mcountinhibit_csr_write(struct hart *h, unsigned csrno, uint64_t val)
{
    (void)csrno;
    mcountinhibit_write(h, val);
    return 0;
}

/* CSRs that exist, read 0 and ignore writes (hpm events, triggers, upper pmp). */
static int zero_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    (void)h;
    (void)csrno;
    *out = 0;
    return 0;
}

static int ignore_write(struct hart *h, unsigned csrno, uint64_t val)
{
    (void)h;
    (void)csrno;
    (void)val;
    return 0;
}

/* --------------------------------------------------------------- PMP */

/* Can pmp entry i be changed? §3.7.1: locked entries, and the pmpaddr
 * below a locked TOR entry, ignore writes. */
static bool pmp_cfg_locked(const struct pmp *pmp, unsigned i)
{
    return (pmp->cfg[i] & PMP_L) != 0;
}

static bool pmp_addr_locked(const struct pmp *pmp, unsigned i)
{
    if (pmp_cfg_locked(pmp, i)) {
        return true;
    }
    if (i + 1 < PMP_ENTRIES && pmp_cfg_locked(pmp, i + 1)) {
        return ((pmp->cfg[i + 1] & PMP_A) >> PMP_A_SHIFT) == PMP_A_TOR;
    }
    return false;
}

/* pmpcfg0 holds entries 0-7, pmpcfg2 entries 8-15; odd ones do not exist on RV64. */
static int pmpcfg_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    unsigned reg = csrno - CSR_PMPCFG0;
    uint64_t val = 0;

    if (reg & 1) {
        return -1;
    }
    for (unsigned b = 0; reg < 4 && b < 8; b++) {
        val |= (uint64_t)h->csr.pmp.cfg[reg * 4 + b] << (8 * b);
    }
    *out = val;
    return 0;
}

static int pmpcfg_write(struct hart *h, unsigned csrno, uint64_t val)
{
    unsigned reg = csrno - CSR_PMPCFG0;

    if (reg & 1) {
        return -1;
    }
    for (unsigned b = 0; reg < 4 && b < 8; b++) {
        unsigned i = reg * 4 + b;
        uint8_t cfg = (uint8_t)(val >> (8 * b)) & PMPCFG_WRITABLE;

        if (pmp_cfg_locked(&h->csr.pmp, i)) {
            continue;
        }
        if ((cfg & (PMP_R | PMP_W)) == PMP_W) {
            cfg &= (uint8_t)~PMP_W; /* R=0, W=1 is reserved */
        }
        h->csr.pmp.cfg[i] = cfg;
    }
    h->fast_pmp_stale = true;
    cpu_update_mode(h);
    return 0;
}

static int pmpaddr_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    unsigned i = csrno - CSR_PMPADDR0;

    *out = i < PMP_ENTRIES ? h->csr.pmp.addr[i] : 0;
    return 0;
}

static int pmpaddr_write(struct hart *h, unsigned csrno, uint64_t val)
{
    unsigned i = csrno - CSR_PMPADDR0;

    if (i >= PMP_ENTRIES || pmp_addr_locked(&h->csr.pmp, i)) {
        return 0;
    }
    h->csr.pmp.addr[i] = val & PMPADDR_WRITABLE;
    h->fast_pmp_stale = true;
    cpu_update_mode(h);
    return 0;
}

/* ------------------------------------------------------------- table */

struct csr_desc {
    uint16_t first, last; /* CSR numbers [first, last] */
    int (*read)(struct hart *h, unsigned csrno, uint64_t *out);
    int (*write)(struct hart *h, unsigned csrno, uint64_t val); /* after the checks */
};

/* Every CSR this hart has; anything else is an illegal instruction. */
static const struct csr_desc csr_table[] = {
    {CSR_FFLAGS, CSR_FCSR, fp_read, fp_write},
    {CSR_CYCLE, CSR_HPMCOUNTER31, counter_read, ignore_write}, /* read-only by number */
    {CSR_SSTATUS, CSR_SSTATUS, status_read, status_write},
    {CSR_SIE, CSR_SIE, irq_read, irq_write},
    {CSR_STVEC, CSR_STVEC, tvec_read, tvec_write},
    {CSR_SCOUNTEREN, CSR_SCOUNTEREN, plain_read, plain_write},
    {CSR_SENVCFG, CSR_SENVCFG, plain_read, plain_write},
    {CSR_SSCRATCH, CSR_STVAL, plain_read, plain_write},
    {CSR_SIP, CSR_SIP, irq_read, irq_write},
    {CSR_STIMECMP, CSR_STIMECMP, plain_read, plain_write},
    {CSR_SATP, CSR_SATP, satp_read, satp_write},
    {CSR_MVENDORID, CSR_MCONFIGPTR, info_read, ignore_write}, /* read-only by number */
    {CSR_MSTATUS, CSR_MSTATUS, status_read, status_write},
    {CSR_MISA, CSR_MISA, info_read, ignore_write},
    {CSR_MEDELEG, CSR_MIDELEG, plain_read, plain_write},
    {CSR_MIE, CSR_MIE, irq_read, irq_write},
    {CSR_MTVEC, CSR_MTVEC, tvec_read, tvec_write},
    {CSR_MCOUNTEREN, CSR_MCOUNTEREN, plain_read, plain_write},
    {CSR_MENVCFG, CSR_MENVCFG, plain_read, plain_write},
    {CSR_MCOUNTINHIBIT, CSR_MCOUNTINHIBIT, mcountinhibit_read, mcountinhibit_csr_write},
    {CSR_MHPMEVENT3, CSR_MHPMEVENT31, zero_read, ignore_write},
    {CSR_MSCRATCH, CSR_MTVAL, plain_read, plain_write},
    {CSR_MIP, CSR_MIP, irq_read, irq_write},
    {CSR_PMPCFG0, CSR_PMPCFG15, pmpcfg_read, pmpcfg_write},
    {CSR_PMPADDR0, CSR_PMPADDR63, pmpaddr_read, pmpaddr_write},
    {CSR_MCYCLE, CSR_MCYCLE, counter_read, mcounter_write},
    {CSR_MINSTRET, CSR_MHPMCOUNTER31, counter_read, mcounter_write},
    {CSR_TSELECT, CSR_TDATA3, zero_read, ignore_write},
};

static const struct csr_desc *csr_find(unsigned csrno)
{
    for (size_t i = 0; i < sizeof(csr_table) / sizeof(csr_table[0]); i++) {
        if (csrno >= csr_table[i].first && csrno <= csr_table[i].last) {
            return &csr_table[i];
        }
    }
    return NULL;
}

int csr_read(struct hart *h, unsigned csrno, uint64_t *out)
{
    const struct csr_desc *d = csr_find(csrno);

    if (!d || !csr_allowed(h, csrno)) {
        return -1;
    }
    return d->read(h, csrno, out);
}

int csr_peek(struct hart *h, unsigned csrno, uint64_t *out)
{
    const struct csr_desc *d = csr_find(csrno);

    if (!d) {
        return hw_csr_peek(h, csrno, out); /* --cpu hw: H and vs* CSRs */
    }
    return d->read(h, csrno, out); /* no read has side effects */
}

int csr_write(struct hart *h, unsigned csrno, uint64_t val)
{
    const struct csr_desc *d = csr_find(csrno);

    if (!d || !csr_allowed(h, csrno) || ((csrno >> 10) & 3) == 3) {
        return -1; /* §2.1: bits 11:10 = 3 is read-only */
    }
    return d->write(h, csrno, val);
}

int csr_rmw(struct hart *h, unsigned csrno, enum csr_op op, uint64_t operand, bool is_write,
            uint64_t *out_old)
{
    uint64_t old, base, next;

    if (csr_read(h, csrno, &old) != 0) {
        return -1;
    }
    /* §3.1.9: csrrs/csrrc on mip/sip modify the stored SEIP, not the PLIC's line */
    base = (csrno == CSR_MIP || csrno == CSR_SIP) ? h->csr.mip : old;
    next = op == CSR_OP_WRITE ? operand : op == CSR_OP_SET ? base | operand : base & ~operand;
    if (is_write && csr_write(h, csrno, next) != 0) {
        return -1;
    }
    *out_old = old;
    return 0;
}

/* ----------------------------------------------------- mode & fast path */

void cpu_update_mode(struct hart *h)
{
    uint64_t mstatus = h->csr.mstatus;
    uint64_t xlate_bits = mstatus & (MSTATUS_SUM | MSTATUS_MXR);

    /* §3.1.6.3: MPRV makes M-mode loads/stores use the privilege in MPP */
    h->data_priv = h->priv;
    if (h->priv == PRV_M && (mstatus & MSTATUS_MPRV)) {
        h->data_priv = (enum priv_level)((mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT);
    }
    if (!h->fast) {
        return;
    }
    h->fast_load = h->fast->load[h->data_priv];
    h->fast_store = h->fast->store[h->data_priv];
    h->fast->fetch.vpn_tag = FAST_INVALID; /* the fetch view belongs to one privilege */
    /* load/store entries are indexed by effective privilege, so a new priv,
     * MPRV or MPP needs no flush; a new satp, SUM, MXR or PMP does */
    if (h->csr.satp != h->fast_satp || xlate_bits != h->fast_mstatus || h->fast_pmp_stale) {
        if (h->mmu) {
            mmu_fast_flush(h->mmu);
        }
        h->fast_satp = h->csr.satp;
        h->fast_mstatus = xlate_bits;
        h->fast_pmp_stale = false;
    }
}
