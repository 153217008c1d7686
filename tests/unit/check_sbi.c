/*
 * tests/unit/check_sbi.c - the VMM's SBI (vm/sbi.c, --bios vmm): the boot
 * state it gives the hart, and every extension's answer to an ecall handed
 * to the hypercall dispatcher (vm/hypercall.c), on a whole VM built as
 * `vmlab --kernel K` builds it (the SBI needs the VM: console, RAM, reset).
 * Course: 处理器虚拟化 / 半虚拟化 (hypercall: a guest kernel's SBI call is
 *         answered by the VMM, as KVM answers it).
 * Spec: RISC-V SBI v2.0, §3 "Binary Encoding" and "Standard SBI Errors"
 *       (-1 FAILED, -2 NOT_SUPPORTED, -3 INVALID_PARAM, -5 INVALID_ADDRESS,
 *       -6 ALREADY_AVAILABLE), §3.2 "Shared memory physical address range
 *       parameter", §4-§10, §12; Privileged 20211203, §3.1.8, "Sstc".
 *
 * The VM: 128 MiB of RAM at 0x8000_0000 (the default), the kernel a 16-byte
 * raw file loaded at RAM + 2 MiB = 0x8020_0000. The FDT is at the end of RAM
 * aligned down to 2 MiB: 0x8000_0000 + 128 MiB = 0x8800_0000, minus a blob
 * of a few KiB, down to 2 MiB: 0x87e0_0000. Each call is an ecall at
 * ECALL_PC; a completed call leaves pc = ECALL_PC + 4.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/encoding.h"
#include "vm/internal.h"
#include "vm/sbi_abi.h"

#define RAM_BASE   0x80000000ull
#define RAM_SIZE   (128ull << 20)
#define KERNEL_GPA 0x80200000ull
#define FDT_GPA    0x87e00000ull
#define ECALL_PC   0x80200100ull
#define BUF_GPA    0x80300000ull
#define ERR_NS     ((uint64_t)(int64_t)SBI_ERR_NOT_SUPPORTED)
#define ERR_PARAM  ((uint64_t)(int64_t)SBI_ERR_INVALID_PARAM)
#define ERR_ADDR   ((uint64_t)(int64_t)SBI_ERR_INVALID_ADDRESS)

static char kernel_path[] = "/tmp/check_sbi.XXXXXX";
static struct host *host;
static struct vm *vm;
static struct hart *h;
static char *console_text;
static size_t console_len;
static FILE *console;

struct ret {
    uint64_t a0, a1;
};

static void setup(void)
{
    static const uint8_t kernel[16];
    char *argv[] = {"vmlab", "--quiet", "--monitor", "--kernel", kernel_path, NULL};
    struct vm_config cfg;
    int fd = mkstemp(kernel_path);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, kernel, sizeof(kernel)), (int)sizeof(kernel));
    close(fd);
    ck_assert_int_eq(vm_config_parse(&cfg, 5, argv), 0);
    host = host_create(&cfg);
    ck_assert_ptr_nonnull(host);
    vm = host_vm(host, 0);
    h = &vm->vcpu.hart;
    console = open_memstream(&console_text, &console_len);
    ck_assert_ptr_nonnull(console);
    vm->out = console; /* the SBI console's bytes, captured */
}

static void teardown(void)
{
    vm->out = stdout;
    fclose(console);
    free(console_text);
    host_destroy(host);
    unlink(kernel_path);
    strcpy(kernel_path, "/tmp/check_sbi.XXXXXX");
}

/* One ecall with a7 = eid, a6 = fid, a0..a5 = args, through the exit handler. */
static struct ret call6(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1, uint64_t a2,
                        uint64_t a3, uint64_t a4, uint64_t a5)
{
    struct vm_exit e = {.reason = EXIT_HYPERCALL, .priv = {.insn = 0x00000073}}; /* ecall */
    uint64_t args[6] = {a0, a1, a2, a3, a4, a5};

    h->pc = ECALL_PC;
    memcpy(&h->x[10], args, sizeof(args));
    h->x[16] = fid;
    h->x[17] = eid;
    vm_hypercall(vm, &vm->vcpu, &e);
    return (struct ret){h->x[10], h->x[11]};
}

static struct ret call(uint64_t eid, uint64_t fid, uint64_t a0, uint64_t a1)
{
    return call6(eid, fid, a0, a1, 0, 0, 0, 0);
}

struct stat_find {
    const char *name;
    uint64_t value;
    bool found;
};

static void stat_one(void *opaque, const char *name, uint64_t value)
{
    struct stat_find *f = opaque;
    if (strcmp(name, f->name) == 0) {
        f->value = value;
        f->found = true;
    }
}

static uint64_t counter(const char *name)
{
    struct stat_find f = {name, 0, false};
    vm_stats_foreach(vm, stat_one, &f);
    ck_assert_msg(f.found, "no counter %s", name);
    return f.value;
}

static uint64_t mip(void)
{
    uint64_t value = 0;
    ck_assert_int_eq(csr_peek(h, CSR_MIP, &value), 0);
    return value;
}

static void put_guest(gpa_t gpa, const char *text)
{
    ck_assert_int_eq(gmem_write(vm->gmem, gpa, text, strlen(text)), 0);
}

static void assert_console(const char *want)
{
    fflush(console);
    ck_assert_uint_eq(console_len, strlen(want));
    ck_assert_mem_eq(console_text, want, console_len);
}

/* ---------------------------------------------------------------- core */

/* The hart as OpenSBI leaves it for its payload, set by the VMM itself. */
START_TEST(test_boot_state)
{
    ck_assert_int_eq(h->priv, PRV_S);
    ck_assert_uint_eq(h->pc, KERNEL_GPA);
    ck_assert_uint_eq(h->x[10], 0);       /* a0 = hartid */
    ck_assert_uint_eq(h->x[11], FDT_GPA); /* a1 = the FDT (see the top comment) */
    ck_assert(h->ecall_s_exits);
    /* causes 0-8, 12, 13, 15: 0x1ff | 0x1000 | 0x2000 | 0x8000 = 0xb1ff */
    ck_assert_uint_eq(h->csr.medeleg, 0xb1ff);
    ck_assert_uint_eq(h->csr.mideleg, 0x222);      /* SSIP 1, STIP 5, SEIP 9 */
    ck_assert_uint_eq(h->csr.mcounteren, 0x7);     /* CY, TM, IR */
    ck_assert_uint_eq(h->csr.menvcfg, 1ull << 63); /* STCE */
    ck_assert_uint_eq(h->csr.stimecmp, UINT64_MAX);
    ck_assert_uint_eq(h->csr.satp, 0);
    ck_assert_uint_eq((h->csr.mstatus >> 13) & 3, 1); /* FS = Initial */
}
END_TEST

START_TEST(test_base)
{
    struct ret r = call(SBI_EXT_BASE, 0, 0, 0);
    ck_assert_uint_eq(r.a0, 0);
    ck_assert_uint_eq(r.a1, 0x02000000); /* v2.0: 2 << 24 */
    ck_assert_uint_eq(h->pc, ECALL_PC + 4);
    ck_assert_uint_eq(call(SBI_EXT_BASE, 1, 0, 0).a1, 0x564D4C); /* "VML" */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 2, 0, 0).a1, 1);
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x10, 0).a1, 1);
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x54494D45, 0).a1, 1); /* TIME */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x735049, 0).a1, 1);   /* IPI */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x52464E43, 0).a1, 1); /* RFNC */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x48534D, 0).a1, 1);   /* HSM */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x53525354, 0).a1, 1); /* SRST */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x4442434E, 0).a1, 1); /* DBCN */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x01, 0).a1, 1);
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x02, 0).a1, 1);
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x08, 0).a1, 1);
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x00, 0).a1, 0);       /* legacy set_timer: no */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x504D55, 0).a1, 0);   /* PMU: no */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 3, 0x0A564D4C, 0).a1, 0); /* PV: not --mmu direct */
    for (uint64_t fid = 4; fid <= 6; fid++) {
        r = call(SBI_EXT_BASE, fid, 0, 0);
        ck_assert_uint_eq(r.a0, 0);
        ck_assert_uint_eq(r.a1, 0); /* mvendorid, marchid, mimpid */
    }
}
END_TEST

/* §6 with Sstc: the deadline is stimecmp; STIP is (time >= stimecmp). */
START_TEST(test_time)
{
    struct ret r = call(SBI_EXT_TIME, 0, 12345, 0);
    ck_assert_uint_eq(r.a0, 0);
    ck_assert_uint_eq(h->csr.stimecmp, 12345);
    ck_assert_uint_eq(hart_stimecmp_deadline(h), 12345); /* the run loop sees it armed */
    ck_assert_uint_eq(mip() & MIP_STIP, 0);              /* time is ~0 < 12345 */
    call(SBI_EXT_TIME, 0, 0, 0);
    ck_assert_uint_eq(mip() & MIP_STIP, MIP_STIP); /* time >= 0 */
    call(SBI_EXT_TIME, 0, UINT64_MAX, 0);
    ck_assert_uint_eq(mip() & MIP_STIP, 0); /* a new deadline clears it */
    ck_assert_uint_eq(counter("sbi.time"), 3);
}
END_TEST

START_TEST(test_ipi)
{
    ck_assert_uint_eq(call(SBI_EXT_IPI, 0, 0, 0).a0, 0); /* empty mask: nobody */
    ck_assert_uint_eq(mip() & MIP_SSIP, 0);
    ck_assert_uint_eq(call(SBI_EXT_IPI, 0, 1, 0).a0, 0); /* bit 0 of base 0: hart 0 */
    ck_assert_uint_eq(mip() & MIP_SSIP, MIP_SSIP);
    h->csr.mip &= ~MIP_SSIP;
    ck_assert_uint_eq(call(SBI_EXT_IPI, 0, 0, UINT64_MAX).a0, 0); /* base -1: every hart */
    ck_assert_uint_eq(mip() & MIP_SSIP, MIP_SSIP);
}
END_TEST

/* §8: each sfence.vma of the VMM is one tlb.flushes (mmu_sfence). */
START_TEST(test_rfence)
{
    uint64_t flushes = counter("tlb.flushes");

    ck_assert_uint_eq(call(SBI_EXT_RFENCE, 0, 1, 0).a0, 0); /* fence.i: no flush */
    ck_assert_uint_eq(counter("tlb.flushes"), flushes);
    ck_assert_uint_eq(call6(SBI_EXT_RFENCE, 1, 1, 0, 0, 0, 0, 0).a0, 0); /* all: 1 */
    ck_assert_uint_eq(counter("tlb.flushes"), flushes + 1);
    ck_assert_uint_eq(call6(SBI_EXT_RFENCE, 2, 1, 0, 0x80200800, 0x2000, 5, 0).a0, 0);
    /* [0x8020_0800, 0x8020_2800) touches pages 0x80200, 0x80201, 0x80202: 3 */
    ck_assert_uint_eq(counter("tlb.flushes"), flushes + 4);
    ck_assert_uint_eq(call6(SBI_EXT_RFENCE, 1, 1, 0, 0x80000000, 64 * 4096, 0, 0).a0, 0);
    ck_assert_uint_eq(counter("tlb.flushes"), flushes + 5); /* 64 pages: one whole flush */
    ck_assert_uint_eq(call6(SBI_EXT_RFENCE, 1, 0, 0, 0, 0, 0, 0).a0, 0); /* nobody */
    ck_assert_uint_eq(counter("tlb.flushes"), flushes + 5);
    ck_assert_uint_eq(counter("sbi.rfence"), 5);
}
END_TEST

START_TEST(test_hsm)
{
    struct ret r = call(SBI_EXT_HSM, 2, 0, 0);
    ck_assert_uint_eq(r.a0, 0);
    ck_assert_uint_eq(r.a1, 0); /* STARTED */
    r = call6(SBI_EXT_HSM, 0, 0, KERNEL_GPA, 0, 0, 0, 0);
    ck_assert_uint_eq(r.a0, (uint64_t)(int64_t)SBI_ERR_ALREADY_AVAILABLE);
    ck_assert(!vm->stop);
    call(SBI_EXT_HSM, 1, 0, 0); /* hart_stop of the only hart: the run ends, exit 0 */
    ck_assert(vm->stop);
    ck_assert_int_eq(vm->exit_status, 0);
}
END_TEST

/* A retentive suspend with STIP pending and enabled returns at once (as wfi). */
START_TEST(test_hsm_suspend)
{
    h->csr.mie = MIP_STIP;
    call(SBI_EXT_TIME, 0, 0, 0); /* pending now */
    struct ret r = call(SBI_EXT_HSM, 3, 0, 0);
    ck_assert_uint_eq(r.a0, 0);
    ck_assert_uint_eq(h->pc, ECALL_PC + 4);
    ck_assert(!vm->stop);
    /* non-retentive: resumes at resume_addr in S-mode, a0 = hartid, a1 = opaque, SIE = 0 */
    h->csr.mstatus |= MSTATUS_SIE;
    r = call6(SBI_EXT_HSM, 3, 0x80000000, 0x80400000, 0xabc, 0, 0, 0);
    ck_assert_uint_eq(h->pc, 0x80400000);
    ck_assert_uint_eq(r.a0, 0);
    ck_assert_uint_eq(r.a1, 0xabc);
    ck_assert_uint_eq(h->csr.mstatus & MSTATUS_SIE, 0);
    ck_assert_int_eq(h->priv, PRV_S);
}
END_TEST

START_TEST(test_srst_shutdown)
{
    call(SBI_EXT_SRST, 0, 0, 0);
    ck_assert(vm->stop);
    ck_assert_int_eq(vm->exit_status, 0);
}
END_TEST

START_TEST(test_srst_failure)
{
    call(SBI_EXT_SRST, 0, 0, 1); /* shutdown, reason "system failure": exit 1 */
    ck_assert(vm->stop);
    ck_assert_int_eq(vm->exit_status, 1);
}
END_TEST

/* A cold reboot: the VM is reset and the hart starts the payload again (not pc + 4). */
START_TEST(test_srst_reboot)
{
    h->x[5] = 0x1234;
    call(SBI_EXT_SRST, 0, 1, 0);
    ck_assert(!vm->stop);
    ck_assert_uint_eq(vm->resets, 1);
    ck_assert_uint_eq(h->pc, KERNEL_GPA);
    ck_assert_uint_eq(h->x[10], 0);
    ck_assert_uint_eq(h->x[11], FDT_GPA);
    ck_assert_uint_eq(h->x[5], 0); /* registers reset */
    ck_assert_int_eq(h->priv, PRV_S);
    vm->cfg.no_reboot = true;
    call(SBI_EXT_SRST, 0, 2, 0); /* warm reboot under --no-reboot: the run ends, exit 0 */
    ck_assert(vm->stop);
    ck_assert_int_eq(vm->exit_status, 0);
    ck_assert_uint_eq(vm->resets, 1);
}
END_TEST

START_TEST(test_dbcn)
{
    uint8_t got[4] = {0};

    put_guest(BUF_GPA, "hello sbi\n");
    struct ret r = call6(SBI_EXT_DBCN, 0, 10, BUF_GPA, 0, 0, 0, 0);
    ck_assert_uint_eq(r.a0, 0);
    ck_assert_uint_eq(r.a1, 10);         /* bytes written */
    r = call(SBI_EXT_DBCN, 2, 0x121, 0); /* write_byte: the low byte, '!' */
    ck_assert_uint_eq(r.a0, 0);
    ck_assert_uint_eq(r.a1, 0);
    assert_console("hello sbi\n!");
    /* the last 4 bytes of RAM are RAM: [0x87ff_fffc, 0x8800_0000) */
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 0, 4, RAM_BASE + RAM_SIZE - 4, 0, 0, 0, 0).a1, 4);
    ck_assert_uint_eq(counter("sbi.console_bytes"), 10 + 1 + 4);

    r = call6(SBI_EXT_DBCN, 1, 4, BUF_GPA, 0, 0, 0, 0); /* nothing typed: 0 bytes */
    ck_assert_uint_eq(r.a0, 0);
    ck_assert_uint_eq(r.a1, 0);
    ck_assert(uart_push_input(vm->uart, 'o'));
    ck_assert(uart_push_input(vm->uart, 'k'));
    r = call6(SBI_EXT_DBCN, 1, 4, BUF_GPA, 0, 0, 0, 0);
    ck_assert_uint_eq(r.a1, 2);
    ck_assert_int_eq(gmem_read(vm->gmem, BUF_GPA, got, 4), 0);
    ck_assert_mem_eq(got, "okll", 4); /* "ok" over "hell" */
    /* a page with decoded code: the read's bytes make that code stale, so it is dropped */
    gmem_set_page_flags(vm->gmem, BUF_GPA, GPAGE_CODE);
    ck_assert(uart_push_input(vm->uart, '!'));
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 1, 4, BUF_GPA, 0, 0, 0, 0).a1, 1);
    struct gpa_info info;
    gmem_lookup(vm->gmem, BUF_GPA, &info);
    ck_assert_uint_eq(info.page_flags & GPAGE_CODE, 0);
    ck_assert_uint_eq(counter("sbi.dbcn"), 6);
}
END_TEST

/* §5: a0 = result; a1 is left as it was. */
START_TEST(test_legacy)
{
    struct ret r = call(SBI_EXT_LEGACY_PUTCHAR, 0, 'x', 0x5b1);
    ck_assert_uint_eq(r.a0, 0);
    ck_assert_uint_eq(r.a1, 0x5b1);
    assert_console("x");
    r = call(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0x5b1);
    ck_assert_uint_eq(r.a0, UINT64_MAX); /* -1: nothing typed */
    ck_assert_uint_eq(r.a1, 0x5b1);
    ck_assert(uart_push_input(vm->uart, 'q'));
    ck_assert_uint_eq(call(SBI_EXT_LEGACY_GETCHAR, 0, 0, 0).a0, 'q');
    ck_assert(!vm->stop);
    call(SBI_EXT_LEGACY_SHUTDOWN, 0, 0, 0);
    ck_assert(vm->stop);
    ck_assert_int_eq(vm->exit_status, 0);
    ck_assert_uint_eq(counter("sbi.legacy"), 4);
    ck_assert_uint_eq(counter("sbi.calls"), 4);
    ck_assert_uint_eq(counter("exits.hypercall"), 0); /* the run loop counts exits, not we */
}
END_TEST

/* ----------------------------------------------------------- bad input */

START_TEST(test_unknown)
{
    struct ret r = call(0x0B000000, 0, 7, 7);
    ck_assert_uint_eq(r.a0, ERR_NS);
    ck_assert_uint_eq(r.a1, 0);
    ck_assert_uint_eq(h->pc, ECALL_PC + 4);
    ck_assert_uint_eq(call(SBI_EXT_LEGACY_SET_TIMER, 0, 0, 0).a0, ERR_NS); /* not kept */
    ck_assert_uint_eq(call(SBI_EXT_BASE, 7, 0, 0).a0, ERR_NS);
    ck_assert_uint_eq(call(SBI_EXT_TIME, 1, 0, 0).a0, ERR_NS);
    ck_assert_uint_eq(call(SBI_EXT_IPI, 1, 0, 0).a0, ERR_NS);
    ck_assert_uint_eq(call(SBI_EXT_RFENCE, 3, 1, 0).a0, ERR_NS); /* hfence: no H extension */
    ck_assert_uint_eq(call(SBI_EXT_RFENCE, 6, 1, 0).a0, ERR_NS);
    ck_assert_uint_eq(call(SBI_EXT_HSM, 4, 0, 0).a0, ERR_NS);
    ck_assert_uint_eq(call(SBI_EXT_SRST, 1, 0, 0).a0, ERR_NS);
    ck_assert_uint_eq(call(SBI_EXT_DBCN, 3, 0, 0).a0, ERR_NS);
    ck_assert(!vm->stop);
    ck_assert_uint_eq(counter("sbi.unknown"), 2); /* 0x0B000000 and legacy set_timer */
    ck_assert_uint_eq(counter("sbi.calls"), 10);  /* the ten calls above */
}
END_TEST

/* §3.2 (v2.0): a range not wholly in guest RAM is SBI_ERR_INVALID_PARAM; nothing moves. */
START_TEST(test_dbcn_wild)
{
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 0, 4, 0, 0, 0, 0, 0).a0, ERR_PARAM);          /* GPA 0 */
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 0, 4, 0x10000000, 0, 0, 0, 0).a0, ERR_PARAM); /* UART */
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 0, 4, 0x1000, 0, 0, 0, 0).a0, ERR_PARAM); /* boot ROM */
    /* -16 + 32 wraps past 2^64 */
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 0, 32, (uint64_t)-16, 0, 0, 0, 0).a0, ERR_PARAM);
    /* base_addr_hi = 1: above 2^64 */
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 0, 4, BUF_GPA, 1, 0, 0, 0).a0, ERR_PARAM);
    /* the last byte of RAM plus one more */
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 0, 2, RAM_BASE + RAM_SIZE - 1, 0, 0, 0, 0).a0, ERR_PARAM);
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 0, UINT64_MAX, BUF_GPA, 0, 0, 0, 0).a0, ERR_PARAM);
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 0, RAM_SIZE + 1, RAM_BASE, 0, 0, 0, 0).a0, ERR_PARAM);
    ck_assert(uart_push_input(vm->uart, 'z'));
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 1, 4, 0x10000000, 0, 0, 0, 0).a0, ERR_PARAM);
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 1, 32, (uint64_t)-16, 0, 0, 0, 0).a0, ERR_PARAM);
    /* a page table S-mode may not store to (--mmu direct) or the shadow MMU tracks */
    gmem_set_page_flags(vm->gmem, BUF_GPA + 0x1000, GPAGE_PT_PINNED);
    gmem_set_page_flags(vm->gmem, BUF_GPA + 0x2000, GPAGE_SHADOW_PT);
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 1, 2, BUF_GPA + 0xfff, 0, 0, 0, 0).a0, ERR_PARAM);
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 1, 1, BUF_GPA + 0x2000, 0, 0, 0, 0).a0, ERR_PARAM);
    ck_assert_uint_eq(call6(SBI_EXT_DBCN, 1, 1, BUF_GPA, 0, 0, 0, 0).a1, 1); /* 'z' kept */
    assert_console("");
}
END_TEST

START_TEST(test_bad_params)
{
    ck_assert_uint_eq(call(SBI_EXT_IPI, 0, 2, 0).a0, ERR_PARAM); /* hart 1 */
    ck_assert_uint_eq(call(SBI_EXT_IPI, 0, 1, 1).a0, ERR_PARAM); /* hart 1 via the base */
    ck_assert_uint_eq(call(SBI_EXT_IPI, 0, 3, 0).a0, ERR_PARAM); /* harts 0 and 1: nothing done */
    ck_assert_uint_eq(mip() & MIP_SSIP, 0);
    ck_assert_uint_eq(call(SBI_EXT_RFENCE, 1, 1ull << 63, 0).a0, ERR_PARAM);
    /* [-4096, -4096 + 8192) wraps */
    ck_assert_uint_eq(call6(SBI_EXT_RFENCE, 1, 1, 0, (uint64_t)-4096, 8192, 0, 0).a0, ERR_ADDR);
    ck_assert_uint_eq(call(SBI_EXT_HSM, 2, 1, 0).a0, ERR_PARAM);
    ck_assert_uint_eq(call(SBI_EXT_HSM, 0, 1, 0).a0, ERR_PARAM);
    ck_assert_uint_eq(call(SBI_EXT_HSM, 3, 1, 0).a0, ERR_PARAM);              /* reserved */
    ck_assert_uint_eq(call(SBI_EXT_HSM, 3, 0x10000000, 0).a0, ERR_PARAM);     /* platform: none */
    ck_assert_uint_eq(call(SBI_EXT_HSM, 3, 0x80000000, 0x1000).a0, ERR_ADDR); /* not RAM */
    ck_assert_uint_eq(call(SBI_EXT_SRST, 0, 3, 0).a0, ERR_PARAM);             /* reserved type */
    ck_assert_uint_eq(call(SBI_EXT_SRST, 0, 0xF0000000, 0).a0, ERR_PARAM);    /* vendor type */
    ck_assert_uint_eq(call(SBI_EXT_SRST, 0, 0, 2).a0, ERR_PARAM);             /* reserved reason */
    ck_assert_uint_eq(call(SBI_EXT_SRST, 0, 0, 0xE0000000).a0, ERR_PARAM);    /* impl reason */
    ck_assert(!vm->stop);
    ck_assert_uint_eq(vm->resets, 0);
}
END_TEST

static Suite *sbi_suite(void)
{
    Suite *s = suite_create("sbi");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_boot_state);
    tcase_add_test(core, test_base);
    tcase_add_test(core, test_time);
    tcase_add_test(core, test_ipi);
    tcase_add_test(core, test_rfence);
    tcase_add_test(core, test_hsm);
    tcase_add_test(core, test_hsm_suspend);
    tcase_add_test(core, test_srst_shutdown);
    tcase_add_test(core, test_srst_failure);
    tcase_add_test(core, test_srst_reboot);
    tcase_add_test(core, test_dbcn);
    tcase_add_test(core, test_legacy);
    suite_add_tcase(s, core);
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_unknown);
    tcase_add_test(bad, test_dbcn_wild);
    tcase_add_test(bad, test_bad_params);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(sbi_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
