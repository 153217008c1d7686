/*
 * tests/unit/check_interp.c - the interpreter loop, fetch, guest memory
 * helpers and the decoded-page cache, run on a real gmem + MMU.
 * Course: 处理器虚拟化 / 解释执行; 内存虚拟化 / TLB：缓存地址翻译结果;
 *         I/O虚拟化 / 设备模拟 (an MMIO exit and its completion).
 * Spec: Privileged 20211203, §4.3.2, §4.4 "Sv39"; Unprivileged 20191213.
 *
 * Programs are hand-assembled: each word is written as a literal with its
 * assembly in a comment (checked against riscv64-unknown-elf-as). Expected
 * values are worked by hand in the comments, never taken from a run.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "cpu/exec.h"
#include "cpu/internal.h"
#include "mmu/mmu.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (4ull << 20)
#define UART_GPA 0x10000000ull
#define ECALL    0x00000073u /* ecall */

struct tvm {
    struct hostmem *hm;
    struct gmem *gm;
    struct mmu *mmu;
    struct vclock clock;
    struct hart h;
    struct vm_exit exit;
};

static struct tvm *tvm_create(bool fastpath)
{
    struct tvm *t = calloc(1, sizeof(*t));
    struct mmu_config cfg = {.tlb_entries = 64, .tlb_ways = 4, .fastpath = fastpath};

    ck_assert_ptr_nonnull(t);
    t->hm = hostmem_create(32ull << 20);
    ck_assert_ptr_nonnull(t->hm);
    t->gm = gmem_create(t->hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(t->gm);
    ck_assert_int_eq(gmem_add_mmio(t->gm, UART_GPA, 0x1000), 0);
    t->mmu = mmu_create(t->gm, &t->h.csr.pmp, &cfg);
    ck_assert_ptr_nonnull(t->mmu);
    ck_assert_int_eq(hart_attach(&t->h, t->mmu, t->gm, &t->clock), 0);
    hart_reset(&t->h, 0, RAM_BASE);
    return t;
}

static void tvm_destroy(struct tvm *t)
{
    hart_detach(&t->h);
    mmu_destroy(t->mmu);
    gmem_destroy(t->gm);
    hostmem_destroy(t->hm);
    free(t);
}

static void put_words(struct tvm *t, gpa_t gpa, const uint32_t *words, size_t n)
{
    ck_assert_int_eq(gmem_write(t->gm, gpa, words, n * sizeof(words[0])), 0);
}

static void put_u64(struct tvm *t, gpa_t gpa, uint64_t val)
{
    ck_assert_int_eq(gmem_write(t->gm, gpa, &val, sizeof(val)), 0);
}

static uint64_t get_u64(struct tvm *t, gpa_t gpa)
{
    uint64_t val = 0;

    ck_assert_int_eq(gmem_read(t->gm, gpa, &val, sizeof(val)), 0);
    return val;
}

static void assert_trap(struct tvm *t, enum exit_reason r, uint64_t cause, uint64_t tval)
{
    ck_assert_int_eq(r, EXIT_GUEST_TRAP);
    ck_assert_int_eq(t->exit.reason, EXIT_GUEST_TRAP);
    ck_assert_uint_eq(t->exit.trap.cause, cause);
    ck_assert_uint_eq(t->exit.trap.tval, tval);
}

/*
 * Sv39 tables for S-mode tests (§4.4.1: PTE.PPN = gpa >> 12 at bit 10):
 *   root 0x8002_0000 [0] -> L1 0x8002_1000 [0] -> L0 0x8002_2000
 *   L0[1] gva 0x1000 -> 0x8001_0000 code  V R X A D = 0xcb: (0x80010 << 10) | 0xcb
 *   L0[2] gva 0x2000 -> 0x8001_1000 data  V R W A D = 0xc7: (0x80011 << 10) | 0xc7
 *   L0[3] gva 0x3000 -> 0x8001_2000 data  (0x80012 << 10) | 0xc7
 *   L0[4] gva 0x4000 -> 0x8001_3000 code  (0x80013 << 10) | 0xcb
 *   L0[5] gva 0x5000 -> 0x8001_4000 `l0_5` (code or data, per test)
 * A and D are preset, so no walk writes a PTE.
 */
#define PT_ROOT  0x80020000ull
#define PT_L1    0x80021000ull
#define PT_L0    0x80022000ull
#define PTE_CODE 0xcbull
#define PTE_DATA 0xc7ull

static void sv39_enter(struct tvm *t, uint64_t l0_5, uint64_t pc)
{
    put_u64(t, PT_ROOT, 0x20008401ull); /* (0x80021 << 10) | V */
    put_u64(t, PT_L1, 0x20008801ull);   /* (0x80022 << 10) | V */
    put_u64(t, PT_L0 + 8 * 1, 0x20004000ull | PTE_CODE);
    put_u64(t, PT_L0 + 8 * 2, 0x20004400ull | PTE_DATA);
    put_u64(t, PT_L0 + 8 * 3, 0x20004800ull | PTE_DATA);
    put_u64(t, PT_L0 + 8 * 4, 0x20004c00ull | PTE_CODE);
    put_u64(t, PT_L0 + 8 * 5, 0x20005000ull | l0_5);
    t->h.csr.satp = ((uint64_t)SATP_MODE_SV39 << SATP_MODE_SHIFT) | (PT_ROOT >> 12);
    t->h.priv = PRV_S;
    t->h.pc = pc;
    cpu_update_mode(&t->h);
}

/* ------------------------------------------------------------------ core */

/* A counted loop: five times round. */
static const uint32_t prog_loop[] = {
    0x00500513, /* 0x0: addi a0,zero,5 */
    0xfff50513, /* 0x4: addi a0,a0,-1 */
    0xfe051ee3, /* 0x8: bne  a0,zero,0x4 */
    ECALL,      /* 0xc: ecall */
};

START_TEST(test_count_exact)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_loop, 4);
    r = cpu_run(&t->h, 1000, &t->exit);
    /* ecall in M-mode: cause 11, tval 0, not retired */
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    /* 1 addi + 5 * (addi + bne) = 11 */
    ck_assert_uint_eq(t->h.insns, 11);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 0xc);
    ck_assert_uint_eq(t->h.x[10], 0);
    tvm_destroy(t);
}
END_TEST

START_TEST(test_budget_stops_exactly)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_loop, 4);
    r = cpu_run(&t->h, 4, &t->exit);
    /* addi@0 (a0=5), addi@4 (4), bne@8 taken, addi@4 (3): pc = 0x8 */
    ck_assert_int_eq(r, EXIT_NONE);
    ck_assert_uint_eq(t->h.insns, 4);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 0x8);
    ck_assert_uint_eq(t->h.x[10], 3);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    ck_assert_uint_eq(t->h.insns, 11);
    ck_assert_uint_eq(t->h.insns_at_entry, 4);
    tvm_destroy(t);
}
END_TEST

struct trace_log {
    unsigned calls;
    uint64_t last_pc;
    uint32_t last_raw;
};

static void trace_record(void *ctx, const struct hart *h, uint32_t raw, uint64_t pc)
{
    struct trace_log *log = ctx;

    (void)h;
    log->calls++;
    log->last_pc = pc;
    log->last_raw = raw;
}

START_TEST(test_step_breakpoint_trace)
{
    struct tvm *t = tvm_create(true);
    uint64_t bp = RAM_BASE + 0x8;
    struct trace_log log = {0};
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_loop, 4);
    t->h.single_step = true;
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_DEBUG); /* after addi@0 */
    ck_assert_uint_eq(t->h.insns, 1);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 4);
    t->h.single_step = false;
    t->h.breakpoints = &bp;
    t->h.n_breakpoints = 1;
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_DEBUG); /* addi@4 ran, stopped before bne@8 */
    ck_assert_uint_eq(t->h.insns, 2);
    ck_assert_uint_eq(t->h.pc, bp);
    t->h.n_breakpoints = 0;
    t->h.trace_insn = trace_record;
    t->h.trace_ctx = &log;
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    /* bne@8, then 4 more rounds of addi + bne: 9 retired, traced; 2 + 9 = 11 */
    ck_assert_uint_eq(log.calls, 9);
    ck_assert_uint_eq(t->h.insns, 11);
    ck_assert_uint_eq(log.last_pc, RAM_BASE + 8); /* the final, not-taken bne */
    ck_assert_uint_eq(log.last_raw, 0xfe051ee3);
    tvm_destroy(t);
}
END_TEST

/* Loads and a store to the UART window: each exits, the VMM completes it. */
static const uint32_t prog_mmio[] = {
    0x100005b7, /* 0x00: lui a1,0x10000 */
    0x00558503, /* 0x04: lb  a0,5(a1) */
    0x0065d603, /* 0x08: lhu a2,6(a1) */
    0x00a5a023, /* 0x0c: sw  a0,0(a1) */
    ECALL,      /* 0x10 */
};

START_TEST(test_mmio_load_sign_extends)
{
    struct tvm *t = tvm_create(true);
    struct mmio_access done;
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_mmio, 5);
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_MMIO);
    ck_assert_uint_eq(t->exit.mmio.gpa, UART_GPA + 5);
    ck_assert_uint_eq(t->exit.mmio.size, 1);
    ck_assert(!t->exit.mmio.is_write);
    ck_assert_uint_eq(t->h.insns, 1);         /* only the lui retired */
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 4); /* the lb has not advanced pc */
    done = t->exit.mmio;
    done.data = 0x80; /* byte 0x80 = -128: lb sign-extends */
    cpu_complete_mmio(&t->h, &done);
    ck_assert_uint_eq(t->h.x[10], 0xffffffffffffff80ull);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 8);
    ck_assert_uint_eq(t->h.insns, 2);

    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_MMIO);
    ck_assert_uint_eq(t->exit.mmio.gpa, UART_GPA + 6);
    ck_assert_uint_eq(t->exit.mmio.size, 2);
    done = t->exit.mmio;
    done.data = 0x1234fffe; /* lhu keeps the low 16 bits, zero-extended: 0xfffe */
    cpu_complete_mmio(&t->h, &done);
    ck_assert_uint_eq(t->h.x[12], 0xfffe);

    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_MMIO);
    ck_assert(t->exit.mmio.is_write);
    ck_assert_uint_eq(t->exit.mmio.gpa, UART_GPA);
    ck_assert_uint_eq(t->exit.mmio.size, 4);
    ck_assert_uint_eq(t->exit.mmio.data, 0xffffff80); /* low 4 bytes of a0 */
    ck_assert_uint_eq(t->h.insns, 3);
    cpu_complete_mmio(&t->h, &t->exit.mmio);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 0x10);
    ck_assert_uint_eq(t->h.insns, 4);

    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    ck_assert_uint_eq(t->h.insns, 4);
    tvm_destroy(t);
}
END_TEST

START_TEST(test_mmio_fp_load_nan_boxes)
{
    static const uint32_t prog[] = {
        0x100005b7, /* lui a1,0x10000 */
        0x0045a507, /* flw fa0,4(a1) */
        ECALL,
    };
    struct tvm *t = tvm_create(true);
    struct mmio_access done;
    enum exit_reason r;

    put_words(t, RAM_BASE, prog, 3);
    t->h.csr.mstatus |= (uint64_t)FS_INITIAL << MSTATUS_FS_SHIFT; /* FPU on, clean */
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_MMIO);
    ck_assert_uint_eq(t->exit.mmio.gpa, UART_GPA + 4);
    ck_assert_uint_eq(t->exit.mmio.size, 4);
    done = t->exit.mmio;
    done.data = 0x3f800000; /* 1.0f */
    cpu_complete_mmio(&t->h, &done);
    /* Unprivileged §12.2: upper 32 bits all ones; §11.1: FS becomes Dirty (3) */
    ck_assert_uint_eq(t->h.f[10], 0xffffffff3f800000ull);
    ck_assert_uint_eq((t->h.csr.mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT, FS_DIRTY);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 8);
    ck_assert_uint_eq(t->h.insns, 2);
    tvm_destroy(t);
}
END_TEST

/* Misaligned accesses that cross the page boundary at 0x8000_2000. */
static const uint32_t prog_split[] = {
    0x00002597, /* 0x00: auipc a1,0x2     a1 = 0x8000_2000 */
    0xffe5a503, /* 0x04: lw a0,-2(a1)     0x8000_1ffe..0x8000_2001 */
    0xffc5b683, /* 0x08: ld a3,-4(a1)     0x8000_1ffc..0x8000_2003 */
    0xfea5afa3, /* 0x0c: sw a0,-1(a1)     0x8000_1fff..0x8000_2002 */
    ECALL,      /* 0x10 */
};

START_TEST(test_misaligned_across_page)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_split, 5);
    /* bytes from 0x8000_1ffc: aa bb 11 22 | 33 44 55 66 */
    put_u64(t, RAM_BASE + 0x1ffc, 0x665544332211bbaaull);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    ck_assert_uint_eq(t->h.insns, 4);
    ck_assert_uint_eq(t->h.x[10], 0x44332211ull); /* bytes 11 22 33 44, bit 31 clear */
    ck_assert_uint_eq(t->h.x[13], 0x665544332211bbaaull);
    /* sw puts 11 22 33 44 at 1fff..2002: aa bb 11 11 | 22 33 44 66 */
    ck_assert_uint_eq(get_u64(t, RAM_BASE + 0x1ffc), 0x664433221111bbaaull);
    tvm_destroy(t);
}
END_TEST

/*
 * Self-modifying code: call T (a0 = 1), overwrite T's first word with
 * "addi a0,zero,2" by a store, call T again. Without invalidation of the
 * decoded page the second call would still give 1.
 */
static const uint32_t prog_smc[] = {
    0x00000597, /* 0x00: auipc a1,0x0        a1 = base */
    0x018000ef, /* 0x04: jal ra,0x1c */
    0x00050413, /* 0x08: addi s0,a0,0 */
    0x0245a603, /* 0x0c: lw a2,36(a1)        the word at 0x24 */
    0x00c5ae23, /* 0x10: sw a2,28(a1)        over T at 0x1c */
    0x008000ef, /* 0x14: jal ra,0x1c */
    ECALL,      /* 0x18 */
    0x00100513, /* 0x1c: T: addi a0,zero,1 */
    0x00008067, /* 0x20: jalr zero,0(ra) */
    0x00200513, /* 0x24: addi a0,zero,2 (data) */
};

START_TEST(test_self_modifying_code)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_smc, 10);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    ck_assert_uint_eq(t->h.x[8], 1);  /* s0: first call */
    ck_assert_uint_eq(t->h.x[10], 2); /* a0: the rewritten T */
    /* auipc jal addi(T) jalr addi lw sw jal addi(T) jalr = 10 */
    ck_assert_uint_eq(t->h.insns, 10);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 0x18);
    tvm_destroy(t);
}
END_TEST

/*
 * A store rewrites the very next instruction of its own straight-line run
 * (one block: auipc lw sw addi ecall). The block was decoded before the
 * store, so the loop must stop after the store and fetch 0x0c afresh.
 */
static const uint32_t prog_smc_same_block[] = {
    0x00000597, /* 0x00: auipc a1,0x0        a1 = base */
    0x0145a603, /* 0x04: lw a2,20(a1)        the word at 0x14 */
    0x00c5a623, /* 0x08: sw a2,12(a1)        over 0x0c */
    0x00100513, /* 0x0c: addi a0,zero,1      (rewritten: addi a0,zero,2) */
    ECALL,      /* 0x10 */
    0x00200513, /* 0x14: addi a0,zero,2 (data) */
};

/*
 * A device's DMA over decoded code (U-Boot's `load` then `go`): the VMM's
 * gmem_write lands on T after the hart decoded it; the next call must run
 * the new word. prog_smc from 0x1c is T; run it, DMA "addi a0,zero,2" over
 * T's first word, run it again from T.
 */
START_TEST(test_dma_over_decoded_code)
{
    struct tvm *t = tvm_create(true);
    static const uint32_t prog_t[] = {0x00100513 /* addi a0,zero,1 */, ECALL};
    const uint32_t addi_2 = 0x00200513; /* addi a0,zero,2 */
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_t, 2);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    ck_assert_uint_eq(t->h.x[10], 1);
    put_words(t, RAM_BASE, &addi_2, 1); /* the DMA: not a hart store */
    t->h.pc = RAM_BASE;                 /* (no hart_reset: it would flush the decoded pages) */
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    ck_assert_uint_eq(t->h.x[10], 2); /* 1 if the decoded copy were stale */
    tvm_destroy(t);
}
END_TEST

START_TEST(test_self_modifying_code_same_block)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_smc_same_block, 6);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    ck_assert_uint_eq(t->h.x[10], 2); /* the new instruction ran, not the decoded copy */
    ck_assert_uint_eq(t->h.insns, 4); /* auipc lw sw addi */
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 0x10);
    tvm_destroy(t);
}
END_TEST

/*
 * rdinstret after a loop, in M-mode (counters always readable there, read
 * inline): it must see every instruction retired before it, though the
 * loop keeps the count in a register between block ends.
 */
static const uint32_t prog_instret[] = {
    0x00200513, /* 0x0: addi a0,zero,2 */
    0xfff50513, /* 0x4: addi a0,a0,-1 */
    0xfe051ee3, /* 0x8: bne  a0,zero,0x4 */
    0xc02025f3, /* 0xc: csrrs a1,instret,zero */
    ECALL,      /* 0x10 */
};

START_TEST(test_instret_exact_at_block_end)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_instret, 5);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    /* before the csrrs: addi + 2 * (addi + bne) = 5 */
    ck_assert_uint_eq(t->h.x[11], 5);
    ck_assert_uint_eq(t->h.insns, 6);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 0x10);
    tvm_destroy(t);
}
END_TEST

/*
 * S-mode loop under Sv39 touching two data pages, with a load that crosses
 * from the one to the other (0x2ffc..0x3003).
 */
static const uint32_t prog_sv39[] = {
    0x000025b7, /* 0x1000: lui a1,0x2 */
    0x000036b7, /* 0x1004: lui a3,0x3 */
    0x00a00513, /* 0x1008: addi a0,zero,10 */
    0x0005b603, /* 0x100c: ld a2,0(a1) */
    0x00160613, /* 0x1010: addi a2,a2,1 */
    0x00c5b023, /* 0x1014: sd a2,0(a1) */
    0x00c6b423, /* 0x1018: sd a2,8(a3) */
    0xffc6b703, /* 0x101c: ld a4,-4(a3) */
    0xfff50513, /* 0x1020: addi a0,a0,-1 */
    0xfe0514e3, /* 0x1024: bne a0,zero,0x100c */
    ECALL,      /* 0x1028 */
};

static void run_sv39_program(bool fastpath)
{
    struct tvm *t = tvm_create(fastpath);
    const struct mmu_stats *st = mmu_stats(t->mmu);
    enum exit_reason r;

    put_words(t, 0x80010000ull, prog_sv39, 11);
    sv39_enter(t, PTE_CODE, 0x1000);
    r = cpu_run(&t->h, 100000, &t->exit);
    assert_trap(t, r, CAUSE_SUPERVISOR_ECALL, 0);
    ck_assert_uint_eq(t->h.pc, 0x1028);
    /* 3 + 10 iterations * 7 = 73 retired */
    ck_assert_uint_eq(t->h.insns, 73);
    /*
     * Lookups: 74 fetches (73 + the ecall), and per iteration ld, sd, sd and
     * the split ld's two = 5, so 50 data: 124. Misses: first touch of vpn
     * 1, 2 and 3 (sets 1, 2, 3 of 16: no eviction) = 3, so hits = 121.
     * Each miss is one Sv39 4 KiB walk of 3 PTE reads.
     */
    ck_assert_uint_eq(st->tlb_misses, 3);
    ck_assert_uint_eq(st->tlb_hits, 121);
    ck_assert_uint_eq(st->walk_count, 3);
    ck_assert_uint_eq(st->walk_accesses, 9);
    ck_assert_uint_eq(st->walk_pte_writes, 0);
    ck_assert_uint_eq(get_u64(t, 0x80011000ull), 10);
    ck_assert_uint_eq(get_u64(t, 0x80012008ull), 10);
    tvm_destroy(t);
}

START_TEST(test_sv39_counts_fastpath_on)
{
    run_sv39_program(true);
}
END_TEST

START_TEST(test_sv39_counts_fastpath_off)
{
    run_sv39_program(false);
}
END_TEST

/* A 32-bit instruction in the last two bytes of a page: each half its own page. */
static void cross_page_fetch(bool fastpath)
{
    struct tvm *t = tvm_create(fastpath);
    const struct mmu_stats *st = mmu_stats(t->mmu);
    uint16_t low = 0x0513, high = 0x0070; /* addi a0,zero,7 = 0x00700513 */
    uint16_t ecall_low = 0x0073, ecall_high = 0x0000;
    enum exit_reason r;

    ck_assert_int_eq(gmem_write(t->gm, 0x80013ffeull, &low, 2), 0);
    ck_assert_int_eq(gmem_write(t->gm, 0x80014000ull, &high, 2), 0);
    ck_assert_int_eq(gmem_write(t->gm, 0x80014002ull, &ecall_low, 2), 0);
    ck_assert_int_eq(gmem_write(t->gm, 0x80014004ull, &ecall_high, 2), 0);
    sv39_enter(t, PTE_CODE, 0x4ffe);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_SUPERVISOR_ECALL, 0);
    ck_assert_uint_eq(t->h.x[10], 7);
    ck_assert_uint_eq(t->h.insns, 1);
    ck_assert_uint_eq(t->h.pc, 0x5002);
    /* lookups: addi's two halves (vpn 4, vpn 5) + ecall (vpn 5): 2 misses, 1 hit */
    ck_assert_uint_eq(st->tlb_misses, 2);
    ck_assert_uint_eq(st->tlb_hits, 1);
    tvm_destroy(t);
}

START_TEST(test_cross_page_fetch_fastpath_on)
{
    cross_page_fetch(true);
}
END_TEST

START_TEST(test_cross_page_fetch_fastpath_off)
{
    cross_page_fetch(false);
}
END_TEST

/* A store to a watched RAM page retires, then exits once for the VMM to look. */
static const uint32_t prog_watch[] = {
    0x00003597, /* 0x0: auipc a1,0x3     a1 = 0x8000_3000 */
    0x00100513, /* 0x4: addi a0,zero,1 */
    0x00a5b023, /* 0x8: sd a0,0(a1) */
    ECALL,      /* 0xc */
};

START_TEST(test_watched_store_exits_after_retiring)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_watch, 4);
    gmem_set_page_flags(t->gm, RAM_BASE + 0x3000, GPAGE_WATCH);
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_MMIO);
    ck_assert(t->exit.mmio.is_ram_watch);
    ck_assert(t->exit.mmio.is_write);
    ck_assert_uint_eq(t->exit.mmio.gpa, RAM_BASE + 0x3000);
    ck_assert_uint_eq(t->exit.mmio.size, 8);
    ck_assert_uint_eq(t->exit.mmio.data, 1);
    ck_assert_uint_eq(t->h.insns, 3); /* the sd retired */
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 0xc);
    ck_assert_uint_eq(get_u64(t, RAM_BASE + 0x3000), 1);
    cpu_complete_mmio(&t->h, &t->exit.mmio); /* must not retire it again */
    ck_assert_uint_eq(t->h.insns, 3);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 0xc);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    tvm_destroy(t);
}
END_TEST

/*
 * The monitor's `watch` (GPAGE_WATCH_DEBUG): the same store retires and
 * leaves as EXIT_DEBUG - the debugger's, uncounted - with is_ram_watch and
 * the store's own pc (0x8), not the next one.
 */
START_TEST(test_debug_watched_store_exits_as_debug)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_watch, 4);
    gmem_set_page_flags(t->gm, RAM_BASE + 0x3000, GPAGE_WATCH_DEBUG);
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_DEBUG);
    ck_assert_ptr_null(exit_reason_name(r)); /* not a counted reason */
    ck_assert(t->exit.mmio.is_ram_watch);
    ck_assert_uint_eq(t->exit.mmio.gpa, RAM_BASE + 0x3000);
    ck_assert_uint_eq(t->exit.mmio.insn_pc, RAM_BASE + 0x8);
    ck_assert_uint_eq(t->h.insns, 3); /* the sd retired */
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 0xc);
    ck_assert_uint_eq(get_u64(t, RAM_BASE + 0x3000), 1);
    tvm_destroy(t);
}
END_TEST

/*
 * A page watched after a store to it filled a fast-path entry: once
 * mmu_fast_forget_store_page drops that entry (as vm_watch_add does), the
 * next store there exits instead of going through on the host fast path.
 */
START_TEST(test_debug_watch_after_fast_entry)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_watch, 4);
    r = cpu_run(&t->h, 1000, &t->exit); /* unwatched: the sd fills a fast store entry */
    assert_trap(t, r, CAUSE_MACHINE_ECALL, 0);
    gmem_set_page_flags(t->gm, RAM_BASE + 0x3000, GPAGE_WATCH_DEBUG);
    mmu_fast_forget_store_page(t->mmu, RAM_BASE + 0x3000);
    t->h.pc = RAM_BASE;
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_DEBUG);
    ck_assert(t->exit.mmio.is_ram_watch);
    ck_assert_uint_eq(t->exit.mmio.insn_pc, RAM_BASE + 0x8);
    tvm_destroy(t);
}
END_TEST

/*
 * prog_split's sw at 0x0c writes 0x8000_1fff..0x8000_2002. Only the second
 * page watched by the monitor: EXIT_DEBUG at pc 0x0c. The first page also
 * HTIF-style watched (GPAGE_WATCH): the device's counted EXIT_MMIO is kept.
 */
START_TEST(test_debug_watch_split_store)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_split, 5);
    gmem_set_page_flags(t->gm, RAM_BASE + 0x2000, GPAGE_WATCH_DEBUG);
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_DEBUG);
    ck_assert(t->exit.mmio.is_ram_watch);
    ck_assert_uint_eq(t->exit.mmio.insn_pc, RAM_BASE + 0x0c);
    ck_assert_uint_eq(t->h.insns, 4); /* auipc, lw, ld, sw */
    tvm_destroy(t);

    t = tvm_create(true);
    put_words(t, RAM_BASE, prog_split, 5);
    gmem_set_page_flags(t->gm, RAM_BASE + 0x1000, GPAGE_WATCH);
    gmem_set_page_flags(t->gm, RAM_BASE + 0x2000, GPAGE_WATCH_DEBUG);
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_MMIO);
    ck_assert(t->exit.mmio.is_ram_watch);
    ck_assert_uint_eq(t->exit.mmio.insn_pc, RAM_BASE + 0x0c);
    tvm_destroy(t);
}
END_TEST

START_TEST(test_icache_bound_and_invalidate)
{
    struct icache *ic = icache_create();
    struct insn *slots;

    ck_assert_ptr_nonnull(ic);
    slots = icache_page(ic, RAM_BASE)->slots;
    slots[5].exec = exec_illegal;
    ck_assert_ptr_eq(icache_page(ic, RAM_BASE)->slots, slots); /* same page, same slots */
    ck_assert_uint_eq(icache_pages(ic), 1);
    icache_invalidate_page(ic, RAM_BASE);
    ck_assert_uint_eq(icache_pages(ic), 0);
    slots = icache_page(ic, RAM_BASE)->slots;
    ck_assert_ptr_null(slots[5].exec); /* a fresh page: decode again */
    for (unsigned i = 1; i < 1024; i++) {
        (void)icache_page(ic, RAM_BASE + (gpa_t)i * PAGE_SIZE);
    }
    ck_assert_uint_eq(icache_pages(ic), 1024); /* the bound */
    (void)icache_page(ic, RAM_BASE + 1024 * PAGE_SIZE);
    ck_assert_uint_eq(icache_pages(ic), 1); /* flushed, then the new page */
    icache_destroy(ic);
}
END_TEST

/* ------------------------------------------------------------- bad input */

START_TEST(test_fetch_from_nothing)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    t->h.pc = 0x0; /* no memory at GPA 0 */
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_FETCH_ACCESS, 0);
    ck_assert_uint_eq(t->h.insns, 0);
    t->h.pc = UART_GPA; /* nothing executes from a device */
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_FETCH_ACCESS, UART_GPA);
    tvm_destroy(t);
}
END_TEST

START_TEST(test_misaligned_mmio_is_access_fault)
{
    static const uint32_t prog[] = {
        0x100005b7, /* lui a1,0x10000 */
        0x0015a503, /* lw a0,1(a1) */
    };
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog, 2);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_LOAD_ACCESS, UART_GPA + 1);
    ck_assert_uint_eq(t->h.insns, 1);
    ck_assert_uint_eq(t->h.pc, RAM_BASE + 4);
    tvm_destroy(t);
}
END_TEST

START_TEST(test_cross_page_fetch_second_half_faults)
{
    struct tvm *t = tvm_create(true);
    uint16_t low = 0x0513; /* first half of addi a0,zero,7 */
    enum exit_reason r;

    ck_assert_int_eq(gmem_write(t->gm, 0x80013ffeull, &low, 2), 0);
    sv39_enter(t, PTE_DATA, 0x4ffe); /* page 0x5000 is not executable */
    r = cpu_run(&t->h, 1000, &t->exit);
    /* tval: the address of the half that faulted, 0x5000 */
    assert_trap(t, r, CAUSE_FETCH_PAGE_FAULT, 0x5000);
    ck_assert_uint_eq(t->h.insns, 0);
    tvm_destroy(t);
}
END_TEST

START_TEST(test_split_store_fault_writes_nothing)
{
    static const uint32_t prog[] = {
        0x000046b7, /* 0x1000: lui a3,0x4 */
        0xfed6be23, /* 0x1004: sd a3,-4(a3)   0x3ffc..0x4003; 0x4000 not writable */
    };
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, 0x80010000ull, prog, 2);
    sv39_enter(t, PTE_CODE, 0x1000);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_STORE_PAGE_FAULT, 0x4000);
    ck_assert_uint_eq(t->h.insns, 1);
    ck_assert_uint_eq(get_u64(t, 0x80012ff8ull), 0); /* the first part stayed unwritten */
    tvm_destroy(t);
}
END_TEST

START_TEST(test_misaligned_amo_traps)
{
    static const uint32_t prog[] = {
        0x00002597, /* auipc a1,0x2        a1 = 0x8000_2000 */
        0x00258593, /* addi a1,a1,2 */
        0x00b5a52f, /* amoadd.w a0,a1,(a1) */
    };
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog, 3);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_MISALIGNED_STORE, RAM_BASE + 0x2002);
    ck_assert_uint_eq(t->h.insns, 2);
    tvm_destroy(t);
}
END_TEST

START_TEST(test_zero_budget_and_interrupt_at_entry)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_loop, 4);
    r = cpu_run(&t->h, 0, &t->exit);
    ck_assert_int_eq(r, EXIT_NONE);
    ck_assert_uint_eq(t->h.insns, 0);
    ck_assert_uint_eq(t->h.pc, RAM_BASE);
    /* §3.1.9: MTIP pending, MTIE enabled, M-mode with MIE set: taken at entry */
    t->h.csr.mie = MIP_MTIP;
    t->h.csr.mstatus |= MSTATUS_MIE;
    hart_set_irq_line(&t->h, IRQ_M_TIMER, true);
    r = cpu_run(&t->h, 1000, &t->exit);
    assert_trap(t, r, CAUSE_INTERRUPT | IRQ_M_TIMER, 0);
    ck_assert_uint_eq(t->h.insns, 0);
    tvm_destroy(t);
}
END_TEST

START_TEST(test_uncompleted_mmio_reruns)
{
    struct tvm *t = tvm_create(true);
    enum exit_reason r;

    put_words(t, RAM_BASE, prog_mmio, 5);
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_MMIO);
    /* the VMM does not complete it (say it reflected a fault it then undid):
     * the load runs again and exits again, nothing retired twice */
    r = cpu_run(&t->h, 1000, &t->exit);
    ck_assert_int_eq(r, EXIT_MMIO);
    ck_assert_uint_eq(t->exit.mmio.gpa, UART_GPA + 5);
    ck_assert_uint_eq(t->h.insns, 1);
    ck_assert(t->h.mmio_pending);
    tvm_destroy(t);
}
END_TEST

static Suite *interp_suite(void)
{
    Suite *s = suite_create("interp");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_test(core, test_count_exact);
    tcase_add_test(core, test_budget_stops_exactly);
    tcase_add_test(core, test_step_breakpoint_trace);
    tcase_add_test(core, test_mmio_load_sign_extends);
    tcase_add_test(core, test_mmio_fp_load_nan_boxes);
    tcase_add_test(core, test_misaligned_across_page);
    tcase_add_test(core, test_self_modifying_code);
    tcase_add_test(core, test_self_modifying_code_same_block);
    tcase_add_test(core, test_dma_over_decoded_code);
    tcase_add_test(core, test_instret_exact_at_block_end);
    tcase_add_test(core, test_sv39_counts_fastpath_on);
    tcase_add_test(core, test_sv39_counts_fastpath_off);
    tcase_add_test(core, test_cross_page_fetch_fastpath_on);
    tcase_add_test(core, test_cross_page_fetch_fastpath_off);
    tcase_add_test(core, test_watched_store_exits_after_retiring);
    tcase_add_test(core, test_debug_watched_store_exits_as_debug);
    tcase_add_test(core, test_debug_watch_after_fast_entry);
    tcase_add_test(core, test_debug_watch_split_store);
    tcase_add_test(core, test_icache_bound_and_invalidate);
    suite_add_tcase(s, core);

    tcase_add_test(bad, test_fetch_from_nothing);
    tcase_add_test(bad, test_misaligned_mmio_is_access_fault);
    tcase_add_test(bad, test_cross_page_fetch_second_half_faults);
    tcase_add_test(bad, test_split_store_fault_writes_nothing);
    tcase_add_test(bad, test_misaligned_amo_traps);
    tcase_add_test(bad, test_zero_budget_and_interrupt_at_entry);
    tcase_add_test(bad, test_uncompleted_mmio_reruns);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(interp_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
