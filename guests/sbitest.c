/*
 * guests/sbitest.c - an S-mode payload that checks the VMM's SBI (vmlab
 * --bios vmm, the default for --kernel): every extension the VMM has, each
 * answer against the SBI spec's value, the S timer and a self-IPI taken as
 * interrupts in its own S-mode trap handler, and SRST shutdown at the end.
 * Linked at 0x8020_0000 and started by the VMM in S-mode (guests/lib/crt0-s.S).
 * Course: 处理器虚拟化 / 半虚拟化 (hypercall): each ecall below is one
 *         exits.hypercall; 中断虚拟化 / 时钟中断, 核间中断 (the timer and the
 *         IPI the VMM raises in the guest's sip).
 * Spec: RISC-V SBI v2.0, §3 "Binary Encoding", §4 "Base Extension", §5
 *       "Legacy Extensions", §6 "Timer Extension", §7 "IPI Extension", §8
 *       "RFENCE Extension", §9 "Hart State Management Extension", §10
 *       "System Reset Extension", §12 "Debug Console Extension".
 *
 * Output goes through DBCN console_write, one call per line, and one line
 * through the legacy putchar, one call per character. The guest counts its
 * own SBI calls and prints the count last ("sbitest: N SBI calls"), the
 * final shutdown included, so the runner can compare it with the VMM's
 * exits.hypercall. Built twice: sbitest (everything) and sbitest-calls
 * (-DCALLS_ONLY: only the calls that need no CSR access - no trap handler, no
 * interrupts - so under --cpu trap it makes no priv_insn exit at all).
 * A failed check prints "FAIL <n>: what" and shuts down with a system failure.
 */
#include "guests/lib/guest.h"
#include "vm/sbi_abi.h"

#define TIMER_TICKS 1000 /* 100 us of mtime at 10 MHz */

struct sbiret {
    long error;
    long value;
};

static unsigned long sbi_calls; /* every ecall this guest makes */
static int failures;
static int check_no;

/* §3: a7 = EID, a6 = FID, a0..a5 arguments; a0 = error, a1 = value. */
static struct sbiret sbi_call(long eid, long fid, long arg0, long arg1, long arg2, long arg3,
                              long arg4)
{
    register long a0 __asm__("a0") = arg0;
    register long a1 __asm__("a1") = arg1;
    register long a2 __asm__("a2") = arg2;
    register long a3 __asm__("a3") = arg3;
    register long a4 __asm__("a4") = arg4;
    register long a6 __asm__("a6") = fid;
    register long a7 __asm__("a7") = eid;

    sbi_calls++;
    __asm__ volatile("ecall"
                     : "+r"(a0), "+r"(a1)
                     : "r"(a2), "r"(a3), "r"(a4), "r"(a6), "r"(a7)
                     : "memory");
    return (struct sbiret){a0, a1};
}

static struct sbiret sbi0(long eid, long fid)
{
    return sbi_call(eid, fid, 0, 0, 0, 0, 0);
}

static struct sbiret sbi1(long eid, long fid, long arg0)
{
    return sbi_call(eid, fid, arg0, 0, 0, 0, 0);
}

static struct sbiret sbi2(long eid, long fid, long arg0, long arg1)
{
    return sbi_call(eid, fid, arg0, arg1, 0, 0, 0);
}

/* ---------------------------------------------------------- the console */

static char line[128];
static unsigned line_len;

/* printf's output: one DBCN console_write per line. */
static void dbcn_putc(char c)
{
    line[line_len++] = c;
    if (c == '\n' || line_len == sizeof(line)) {
        sbi_call(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, (long)line_len, (long)(uintptr_t)line, 0, 0,
                 0);
        line_len = 0;
    }
}

static void check(int ok, const char *what)
{
    check_no++;
    if (!ok) {
        failures++;
        printf("FAIL %d: %s\n", check_no, what);
    }
}

/* An error code and a value as the spec says. */
static void check_ret(struct sbiret r, long error, long value, const char *what)
{
    check(r.error == error && r.value == value, what);
}

static void check_err(struct sbiret r, long error, const char *what)
{
    check(r.error == error, what);
}

/* ------------------------------------------------------------ the calls */

static void test_base(void)
{
    static const long exts[] = {
        SBI_EXT_BASE,
        SBI_EXT_TIME,
        SBI_EXT_IPI,
        SBI_EXT_RFENCE,
        SBI_EXT_HSM,
        SBI_EXT_SRST,
        SBI_EXT_DBCN,
        SBI_EXT_LEGACY_PUTCHAR,
        SBI_EXT_LEGACY_GETCHAR,
        SBI_EXT_LEGACY_SHUTDOWN,
    };

    /* §4.1: v2.0 = (2 << 24) | 0 */
    check_ret(sbi0(SBI_EXT_BASE, SBI_BASE_GET_SPEC_VERSION), 0, 0x02000000, "spec version 2.0");
    check_ret(sbi0(SBI_EXT_BASE, SBI_BASE_GET_IMPL_ID), 0, 0x564D4C, "impl id \"VML\"");
    check_ret(sbi0(SBI_EXT_BASE, SBI_BASE_GET_IMPL_VERSION), 0, 1, "impl version 0.1");
    for (unsigned i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        check_ret(sbi1(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, exts[i]), 0, 1, "probe: present");
    }
    check_ret(sbi1(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, 0x504D55), 0, 0, "probe PMU: absent");
    check_ret(sbi1(SBI_EXT_BASE, SBI_BASE_PROBE_EXTENSION, 0x0A564D4C), 0, 0, "probe PV: absent");
    check_ret(sbi0(SBI_EXT_BASE, SBI_BASE_GET_MVENDORID), 0, 0, "mvendorid 0");
    check_ret(sbi0(SBI_EXT_BASE, SBI_BASE_GET_MARCHID), 0, 0, "marchid 0");
    check_ret(sbi0(SBI_EXT_BASE, SBI_BASE_GET_MIMPID), 0, 0, "mimpid 0");
    check_err(sbi0(SBI_EXT_BASE, 7), SBI_ERR_NOT_SUPPORTED, "base FID 7: not supported");
    check_err(sbi0(0x0B000000, 0), SBI_ERR_NOT_SUPPORTED, "unknown EID: not supported");
    check_err(sbi0(0x504D55, 0), SBI_ERR_NOT_SUPPORTED, "PMU: not supported");
    printf("sbitest: base ok\n");
}

static void test_dbcn(void)
{
    static const char msg[] = "sbitest: dbcn console_write ok\n";
    static char inbuf[16];
    long len = (long)sizeof(msg) - 1;

    check_ret(sbi_call(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, len, (long)(uintptr_t)msg, 0, 0, 0), 0,
              len, "console_write: all bytes");
    /* §3.2 / §12: a range that is not RAM is SBI_ERR_INVALID_PARAM (v2.0) */
    check_err(sbi_call(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 4, 0x1000, 0, 0, 0),
              SBI_ERR_INVALID_PARAM, "console_write from the boot ROM");
    check_err(sbi_call(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 0x20, -16L, 0, 0, 0),
              SBI_ERR_INVALID_PARAM, "console_write wrapping past 2^64");
    check_err(sbi_call(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 4, (long)(uintptr_t)msg, 1, 0, 0),
              SBI_ERR_INVALID_PARAM, "console_write above 2^64 (base_addr_hi = 1)");
    check_err(
        sbi_call(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE, 0x10000000, (long)(uintptr_t)msg, 0, 0, 0),
        SBI_ERR_INVALID_PARAM, "console_write past the end of RAM");
    /* stdin has nothing (the runner gives /dev/null): 0 bytes, never waiting */
    check_ret(sbi_call(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_READ, sizeof(inbuf), (long)(uintptr_t)inbuf,
                       0, 0, 0),
              0, 0, "console_read: nothing typed");
    check_err(sbi_call(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_READ, 4, 0x10000000, 0, 0, 0),
              SBI_ERR_INVALID_PARAM, "console_read into the UART");
    check_ret(sbi1(SBI_EXT_DBCN, SBI_DBCN_CONSOLE_WRITE_BYTE, '\n'), 0, 0, "console_write_byte");
    check_err(sbi0(SBI_EXT_DBCN, 3), SBI_ERR_NOT_SUPPORTED, "DBCN FID 3: not supported");
}

/* §5: a0 only; a1 keeps what it had (0x5b1 here). */
static void test_legacy(void)
{
    static const char msg[] = "sbitest: legacy putchar ok\n";

    for (const char *p = msg; *p; p++) {
        struct sbiret r = sbi2(SBI_EXT_LEGACY_PUTCHAR, 0, *p, 0x5b1);
        check(r.error == 0 && r.value == 0x5b1, "legacy putchar: a0 = 0, a1 kept");
    }
    check_ret(sbi2(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0x5b1), -1, 0x5b1, "legacy getchar: -1");
}

static void test_rfence_hsm_srst(void)
{
    check_ret(sbi2(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 1, 0), 0, 0, "remote fence.i");
    check_ret(sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, 0, 0, 0, 0), 0, 0,
              "remote sfence.vma, all");
    check_ret(sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, -1L, -1L, 0x80200000, 0x2000, 0),
              0, 0, "remote sfence.vma.asid, two pages, every hart");
    check_err(sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, 1, 0, -4096L, 8192, 0),
              SBI_ERR_INVALID_ADDRESS, "sfence range wrapping past 2^64");
    check_err(sbi2(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, 2, 0), SBI_ERR_INVALID_PARAM,
              "fence.i on hart 1");
    check_err(sbi2(SBI_EXT_RFENCE, 3, 1, 0), SBI_ERR_NOT_SUPPORTED, "hfence: no H extension");
    check_ret(sbi1(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 0), 0, SBI_HSM_STATE_STARTED,
              "hart 0 started");
    check_err(sbi1(SBI_EXT_HSM, SBI_HSM_HART_GET_STATUS, 1), SBI_ERR_INVALID_PARAM, "no hart 1");
    check_err(sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, 0, 0x80200000, 0, 0, 0),
              SBI_ERR_ALREADY_AVAILABLE, "start hart 0: already available");
    check_err(sbi_call(SBI_EXT_HSM, SBI_HSM_HART_START, 1, 0x80200000, 0, 0, 0),
              SBI_ERR_INVALID_PARAM, "start hart 1: no such hart");
    check_err(sbi1(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, 1), SBI_ERR_INVALID_PARAM,
              "suspend type 1: reserved");
    check_err(sbi2(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, 3, 0), SBI_ERR_INVALID_PARAM,
              "reset type 3: reserved");
    check_err(sbi2(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, 0, 2), SBI_ERR_INVALID_PARAM,
              "reset reason 2: reserved");
    check_err(sbi2(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, 1), SBI_ERR_INVALID_PARAM, "IPI to hart 1");
    check_ret(sbi2(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 0, 0), 0, 0, "IPI to nobody");
    printf("sbitest: rfence hsm srst ok\n");
}

/* rdtime in S-mode: mcounteren.TM is set by the VMM, so it reads without a trap. */
static void test_time_reads(void)
{
    uint64_t t0 = csr_read(time);
    uint64_t t1 = csr_read(time);

    check(t1 >= t0, "rdtime counts up");
}

#ifndef CALLS_ONLY
/* ---------------------------------------------------- the interrupts */

static volatile unsigned timer_irqs, soft_irqs;

static void on_trap(struct trap_frame *tf)
{
    if (tf->cause == (CAUSE_INTERRUPT | IRQ_S_TIMER)) {
        timer_irqs++;
        sbi1(SBI_EXT_TIME, SBI_TIME_SET_TIMER, -1L); /* §6: a far deadline clears STIP */
    } else if (tf->cause == (CAUSE_INTERRUPT | IRQ_S_SOFT)) {
        soft_irqs++;
        csr_clear(sip, MIP_SSIP); /* §7: the receiver clears SSIP itself */
    } else {
        printf("FAIL: unexpected trap cause 0x%lx at 0x%lx\n", tf->cause, tf->epc);
        sbi2(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, 0, 1);
    }
}

static void test_interrupts(void)
{
    trap_init_s(on_trap);
    csr_set(sie, MIP_STIP | MIP_SSIP);
    csr_set(sstatus, SSTATUS_SIE);

    check_ret(sbi1(SBI_EXT_TIME, SBI_TIME_SET_TIMER, (long)(csr_read(time) + TIMER_TICKS)), 0, 0,
              "set_timer");
    for (unsigned i = 0; i < 100 && timer_irqs == 0; i++) {
        wfi();
    }
    check(timer_irqs == 1, "one S timer interrupt");

    check_ret(sbi2(SBI_EXT_IPI, SBI_IPI_SEND_IPI, 1, 0), 0, 0, "IPI to hart 0");
    check(soft_irqs == 1, "one S software interrupt, taken right after the call");

    /* retentive suspend with interrupts off globally: returns once STIP is pending */
    csr_clear(sstatus, SSTATUS_SIE);
    uint64_t deadline = csr_read(time) + TIMER_TICKS;
    sbi1(SBI_EXT_TIME, SBI_TIME_SET_TIMER, (long)deadline);
    check_ret(sbi1(SBI_EXT_HSM, SBI_HSM_HART_SUSPEND, SBI_HSM_SUSPEND_RET_DEFAULT), 0, 0,
              "retentive suspend");
    check(csr_read(time) >= deadline, "suspend waited for the timer");
    csr_set(sstatus, SSTATUS_SIE); /* the pending timer is taken now */
    check(timer_irqs == 2, "the timer that ended the suspend");
    printf("sbitest: timer and ipi ok\n");
}
#endif

int main(void)
{
    console_set_output(dbcn_putc);
    printf("sbitest: S-mode payload at 0x%lx\n", (unsigned long)(uintptr_t)main);
    test_base();
    test_dbcn();
    test_legacy();
    test_rfence_hsm_srst();
    test_time_reads();
#ifndef CALLS_ONLY
    test_interrupts();
#endif
    if (failures) {
        printf("sbitest: %d of %d checks failed\n", failures, check_no);
        sbi2(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, SBI_SRST_TYPE_SHUTDOWN,
             SBI_SRST_REASON_SYS_FAILURE);
        return 1;
    }
    /* this line's write and the shutdown are two more calls */
    printf("sbitest: all %d checks passed, %lu SBI calls\n", check_no, sbi_calls + 2);
    sbi2(SBI_EXT_SRST, SBI_SRST_SYSTEM_RESET, SBI_SRST_TYPE_SHUTDOWN, SBI_SRST_REASON_NONE);
    return 1; /* not reached: the shutdown does not return */
}
