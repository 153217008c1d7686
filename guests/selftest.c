/*
 * guests/selftest.c - an instruction self-test over every RV64GC instruction
 * class: RV64I arithmetic, shifts, compares, branches, jumps, loads and stores
 * of every width, the W forms; M (with division by zero and overflow); A (LR/SC
 * success and failure, every AMO .w and .d); F and D (arithmetic, sqrt, fused
 * multiply-add, conversions, compares, classify, min/max, sign injection,
 * rounding modes, fflags, NaN boxing); C (compressed forms in inline assembly);
 * Zicsr on mscratch and fcsr; fence.i after self-modifying code.
 * Course: 处理器虚拟化 / CPU 虚拟化的基础: the interpreter must get every
 *         unprivileged instruction right before any trap-and-emulate matters.
 * Spec: Unprivileged 20191213: ch. 2 "RV32I", ch. 5 "RV64I", ch. 7 "M", ch. 8
 *       "A", ch. 11 "F", ch. 12 "D", ch. 16 "C", ch. 3 "Zifencei", ch. 9
 *       "Zicsr"; IEEE 754-2008 for the floating-point results.
 *
 * Every expected value is worked out by hand from the spec and written as a
 * literal with the working beside it. Cases are numbered by class (1xx I,
 * 2xx M, 3xx A, 4xx F, 5xx D, 6xx C, 7xx Zicsr, 8xx Zifencei); the first
 * failure prints "selftest: case N failed" and powers off with fail code N.
 * Simplified: one or two values per instruction, chosen to hit its edge
 * cases; no exhaustive sweep.
 */
#include "guests/lib/guest.h"

static int cases_passed;

static void expect(int n, const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        printf("selftest: case %d failed\n", n);
        printf("selftest:   %s: got 0x%lx, expected 0x%lx\n", what, got, want);
        guest_exit(n);
    }
    cases_passed++;
}

/* ---------------------------------------------------- integer helpers */

#define RR(op, a, b)                                                                               \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(op " %0, %1, %2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b)));    \
        r_;                                                                                        \
    })
#define RI(op, a, imm)                                                                             \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(op " %0, %1, " #imm : "=r"(r_) : "r"((uint64_t)(a)));                     \
        r_;                                                                                        \
    })
#define LOAD(op, base, off)                                                                        \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(op " %0, " #off "(%1)" : "=r"(r_) : "r"((uint64_t)(base)) : "memory");    \
        r_;                                                                                        \
    })
/* 1 if the branch `op a, b, target` is taken. */
#define BR(op, a, b)                                                                               \
    ({                                                                                             \
        uint64_t t_ = 1;                                                                           \
        __asm__ volatile(op " %1, %2, 1f\n li %0, 0\n1:"                                           \
                         : "+r"(t_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b)));                                \
        t_;                                                                                        \
    })

#define MIN64 0x8000000000000000ull
#define ALL1  0xffffffffffffffffull

static void test_rv64i_arith(void)
{
    expect(101, "add", RR("add", 3, 4), 7);
    expect(102, "add wraps", RR("add", 0x7fffffffffffffffull, 1), MIN64);
    expect(103, "sub", RR("sub", 3, 5), 0xfffffffffffffffeull); /* -2 */
    expect(104, "addi -1", RI("addi", 1, -1), 0);
    expect(105, "and", RR("and", 0xff00ff00ull, 0x0ff00ff0ull), 0x0f000f00ull);
    expect(106, "or", RR("or", 0xff00ff00ull, 0x0ff00ff0ull), 0xfff0fff0ull);
    expect(107, "xor", RR("xor", 0xff00ff00ull, 0x0ff00ff0ull), 0xf0f0f0f0ull);
    expect(108, "andi sign-extends imm", RI("andi", ALL1, -16), 0xfffffffffffffff0ull);
    expect(109, "ori", RI("ori", 0x100, 0x0ff), 0x1ff);
    expect(110, "xori -1 = not", RI("xori", 0x0f, -1), 0xfffffffffffffff0ull);
    expect(111, "slt -1 < 1", RR("slt", ALL1, 1), 1);
    expect(112, "sltu 2^64-1 < 1", RR("sltu", ALL1, 1), 0);
    expect(113, "slti", RI("slti", ALL1, 0), 1);
    expect(114, "sltiu 0 < 1 (seqz)", RI("sltiu", 0, 1), 1);
    expect(115, "sltiu imm -1 = 2^64-1", RI("sltiu", 5, -1), 1);

    uint64_t r;
    __asm__ volatile("lui %0, 0x12345" : "=r"(r));
    expect(116, "lui", r, 0x12345000);
    __asm__ volatile("lui %0, 0x80000" : "=r"(r));
    expect(117, "lui sign-extends", r, 0xffffffff80000000ull);
    uint64_t here;
    __asm__ volatile("1: auipc %0, 0\n la %1, 1b" : "=&r"(r), "=&r"(here));
    expect(118, "auipc 0 = its own pc", r, here);
    __asm__ volatile("1: auipc %0, 1\n la %1, 1b" : "=&r"(r), "=&r"(here));
    expect(119, "auipc 1 = pc + 0x1000", r, here + 0x1000);
}

static void test_rv64i_shifts(void)
{
    expect(121, "sll 63", RR("sll", 1, 63), MIN64);
    expect(122, "sll uses 6 bits: 65 -> 1", RR("sll", 1, 65), 2);
    expect(123, "srl", RR("srl", MIN64, 63), 1);
    expect(124, "sra", RR("sra", MIN64, 63), ALL1);
    expect(125, "slli", RI("slli", 3, 62), 0xc000000000000000ull);
    expect(126, "srli", RI("srli", ALL1, 60), 0xf);
    expect(127, "srai", RI("srai", 0xf000000000000000ull, 60), ALL1);
    /* W forms: 32-bit result, sign-extended to 64 (RV64I §5.2) */
    expect(128, "addw 0x7fffffff + 1", RR("addw", 0x7fffffff, 1), 0xffffffff80000000ull);
    expect(129, "subw 0 - 1", RR("subw", 0, 1), ALL1);
    expect(130, "addiw 0 = sext.w", RI("addiw", 0xffffffffull, 0), ALL1);
    expect(131, "addiw ignores the upper half", RI("addiw", 0x1234567800000001ull, 1), 2);
    expect(132, "sllw 31", RR("sllw", 1, 31), 0xffffffff80000000ull);
    expect(133, "sllw uses 5 bits: 33 -> 1", RR("sllw", 1, 33), 2);
    expect(134, "srlw", RR("srlw", 0xffffffff80000000ull, 31), 1);
    expect(135, "sraw", RR("sraw", 0x80000000ull, 31), ALL1);
    expect(136, "slliw", RI("slliw", 3, 30), 0xffffffffc0000000ull);
    expect(137, "srliw", RI("srliw", ALL1, 28), 0xf);
    expect(138, "sraiw", RI("sraiw", 0x80000000ull, 4), 0xfffffffff8000000ull);
}

static void test_rv64i_branches(void)
{
    expect(141, "beq taken", BR("beq", 5, 5), 1);
    expect(142, "beq not taken", BR("beq", 5, 6), 0);
    expect(143, "bne taken", BR("bne", 5, 6), 1);
    expect(144, "bne not taken", BR("bne", 5, 5), 0);
    expect(145, "blt -1 < 1", BR("blt", ALL1, 1), 1);
    expect(146, "blt 1 < -1 not", BR("blt", 1, ALL1), 0);
    expect(147, "bge equal", BR("bge", 7, 7), 1);
    expect(148, "bge -1 >= 1 not", BR("bge", ALL1, 1), 0);
    expect(149, "bltu 1 < 2^64-1", BR("bltu", 1, ALL1), 1);
    expect(150, "bltu 2^64-1 < 1 not", BR("bltu", ALL1, 1), 0);
    expect(151, "bgeu 2^64-1 >= 1", BR("bgeu", ALL1, 1), 1);
    expect(152, "bgeu 1 >= 2 not", BR("bgeu", 1, 2), 0);

    uint64_t link, want, skipped = 0;
    __asm__ volatile("jal %0, 1f\n2: li %2, 1\n1: la %1, 2b"
                     : "=&r"(link), "=&r"(want), "+r"(skipped));
    expect(153, "jal links pc + 4", link, want);
    expect(154, "jal jumps", skipped, 0);
    /* jalr clears bit 0 of the target (§2.5): target + 1 lands on target */
    __asm__ volatile("la %1, 1f\n addi %1, %1, 1\n jalr %0, 0(%1)\n2: li %2, 1\n1: la %1, 2b"
                     : "=&r"(link), "=&r"(want), "+r"(skipped));
    expect(155, "jalr links pc + 4", link, want);
    expect(156, "jalr clears bit 0 and jumps", skipped, 0);
}

static void test_rv64i_memory(void)
{
    static uint64_t mem[3] __attribute__((aligned(8)));
    uint64_t base = (uint64_t)(uintptr_t)mem;

    /* memory bytes, little endian: 11 22 33 44 55 66 77 88 | f1 f2 f3 f4 f5 f6 f7 f8 */
    mem[0] = 0x8877665544332211ull;
    mem[1] = 0xf8f7f6f5f4f3f2f1ull;
    expect(161, "lb positive", LOAD("lb", base, 0), 0x11);
    expect(162, "lb negative", LOAD("lb", base, 8), 0xfffffffffffffff1ull);
    expect(163, "lbu", LOAD("lbu", base, 8), 0xf1);
    expect(164, "lh", LOAD("lh", base, 8), 0xfffffffffffff2f1ull);
    expect(165, "lhu", LOAD("lhu", base, 8), 0xf2f1);
    expect(166, "lw", LOAD("lw", base, 8), 0xfffffffff4f3f2f1ull);
    expect(167, "lwu", LOAD("lwu", base, 8), 0xf4f3f2f1);
    expect(168, "ld", LOAD("ld", base, 0), 0x8877665544332211ull);
    expect(169, "lw -8(base+12): bytes 4..7, sign-extended", LOAD("lw", base + 12, -8),
           0xffffffff88776655ull);
    /* misaligned: bytes 1..8 = 22 33 44 55 66 77 88 f1 (DESIGN: performed, not trapped) */
    expect(170, "ld misaligned", LOAD("ld", base, 1), 0xf188776655443322ull);

    __asm__ volatile("sb %1, 1(%0)" : : "r"(base), "r"(0x1ab) : "memory");
    expect(171, "sb stores one byte", mem[0], 0x887766554433ab11ull);
    __asm__ volatile("sh %1, 2(%0)" : : "r"(base), "r"(0x1cdef) : "memory");
    expect(172, "sh stores two bytes", mem[0], 0x88776655cdefab11ull);
    __asm__ volatile("sw %1, 4(%0)" : : "r"(base), "r"(0xff01234567ull) : "memory");
    expect(173, "sw stores four bytes", mem[0], 0x01234567cdefab11ull);
    __asm__ volatile("sd %1, 8(%0)" : : "r"(base), "r"(0x0123456789abcdefull) : "memory");
    expect(174, "sd", mem[1], 0x0123456789abcdefull);
    expect(175, "sd left the next word alone", mem[2], 0);
}

static void test_m(void)
{
    expect(201, "mul 3 * -4", RR("mul", 3, 0xfffffffffffffffcull), 0xfffffffffffffff4ull);
    /* (-1)(-1) = 1: high half 0 */
    expect(202, "mulh -1 * -1", RR("mulh", ALL1, ALL1), 0);
    /* (-2^63)(-2^63) = 2^126: high half 2^62 */
    expect(203, "mulh -2^63 * -2^63", RR("mulh", MIN64, MIN64), 0x4000000000000000ull);
    /* (2^64-1)^2 = 2^128 - 2^65 + 1: high half 2^64 - 2 */
    expect(204, "mulhu", RR("mulhu", ALL1, ALL1), 0xfffffffffffffffeull);
    /* -1 * (2^64-1) = -2^64 + 1: as 128 bits 0xffff..ffff_0000..0001 */
    expect(205, "mulhsu -1 * (2^64-1)", RR("mulhsu", ALL1, ALL1), ALL1);
    expect(206, "mulw 0x7fffffff * 2", RR("mulw", 0x7fffffff, 2), 0xfffffffffffffffeull);
    expect(207, "div 7 / -2 truncates", RR("div", 7, 0xfffffffffffffffeull), 0xfffffffffffffffdull);
    expect(208, "rem 7 % -2", RR("rem", 7, 0xfffffffffffffffeull), 1);
    expect(209, "rem -7 % 2", RR("rem", 0xfffffffffffffff9ull, 2), ALL1);
    expect(210, "divu", RR("divu", 7, 2), 3);
    expect(211, "remu", RR("remu", 7, 2), 1);
    /* §7.2 Table 7.1: x/0 = -1 (all ones), x%0 = x; overflow -2^63/-1 = -2^63, rem 0 */
    expect(212, "div by zero", RR("div", 42, 0), ALL1);
    expect(213, "divu by zero", RR("divu", 42, 0), ALL1);
    expect(214, "rem by zero", RR("rem", 42, 0), 42);
    expect(215, "remu by zero", RR("remu", 42, 0), 42);
    expect(216, "div overflow", RR("div", MIN64, ALL1), MIN64);
    expect(217, "rem overflow", RR("rem", MIN64, ALL1), 0);
    expect(218, "divw overflow", RR("divw", 0x80000000ull, ALL1), 0xffffffff80000000ull);
    expect(219, "remw overflow", RR("remw", 0x80000000ull, ALL1), 0);
    expect(220, "divw by zero", RR("divw", 5, 0), ALL1);
    expect(221, "divuw by zero: 2^32-1 sign-extended", RR("divuw", 5, 0), ALL1);
    expect(222, "remuw by zero: x sign-extended", RR("remuw", 0x80000000ull, 0),
           0xffffffff80000000ull);
    expect(223, "divuw", RR("divuw", 0xffffffffull, 2), 0x7fffffff);
    expect(224, "remw -7 % 2", RR("remw", 0xfffffff9ull, 2), ALL1);
}

/* ------------------------------------------------------------------ A */

/* amo: returns the old value; *mem holds the new one. */
#define AMO(op, ptr, val)                                                                          \
    ({                                                                                             \
        uint64_t old_;                                                                             \
        __asm__ volatile(op " %0, %2, (%1)"                                                        \
                         : "=r"(old_)                                                              \
                         : "r"(ptr), "r"((uint64_t)(val))                                          \
                         : "memory");                                                              \
        old_;                                                                                      \
    })

static void test_lr_sc(void)
{
    static uint64_t dword;
    static uint32_t word;
    uint64_t val, fail;

    word = 5;
    __asm__ volatile("lr.w %0, (%2)\n sc.w %1, %3, (%2)"
                     : "=&r"(val), "=&r"(fail)
                     : "r"(&word), "r"(9)
                     : "memory");
    expect(301, "lr.w", val, 5);
    expect(302, "sc.w succeeds: 0", fail, 0);
    expect(303, "sc.w stored", word, 9);
    /* the reservation is gone after an SC (§8.2): a second SC fails, nonzero */
    __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(fail) : "r"(&word), "r"(11) : "memory");
    expect(304, "sc.w without reservation fails", fail != 0, 1);
    expect(305, "failed sc.w stored nothing", word, 9);
    dword = 0xfffffffffffffff0ull;
    __asm__ volatile("lr.d %0, (%2)\n sc.d %1, %3, (%2)"
                     : "=&r"(val), "=&r"(fail)
                     : "r"(&dword), "r"(7)
                     : "memory");
    expect(306, "lr.d", val, 0xfffffffffffffff0ull);
    expect(307, "sc.d succeeds", fail, 0);
    expect(308, "sc.d stored", dword, 7);
    word = 0x80000000u;
    __asm__ volatile("lr.w %0, (%1)" : "=r"(val) : "r"(&word) : "memory");
    expect(309, "lr.w sign-extends", val, 0xffffffff80000000ull);
    __asm__ volatile("sc.w %0, zero, (%1)" : "=r"(fail) : "r"(&word) : "memory");
}

/* Case n: the AMO returned old (the memory before it) and left mem_now (want). */
static void amo_check(int n, const char *op, uint64_t old, uint64_t old_want, uint64_t mem_now,
                      uint64_t want)
{
    expect(n, op, mem_now, want);
    expect(n + 30, "amo returns the old value (.w: sign-extended, §8.4)", old, old_want);
}

static void test_amo(void)
{
    static uint32_t w;
    static uint64_t d;
    const uint64_t w_old = 0xffffffff80000001ull; /* 0x80000001 sign-extended */
    const uint64_t d_old = 0x8000000000000001ull;
    uint64_t old;

    /* memory 0x80000001 (as int32: -2147483647), operand 3 */
    w = 0x80000001u;
    old = AMO("amoswap.w", &w, 3); /* a statement of its own: before w is read */
    amo_check(311, "amoswap.w", old, w_old, w, 0x00000003);
    w = 0x80000001u;
    old = AMO("amoadd.w", &w, 3);
    amo_check(312, "amoadd.w", old, w_old, w, 0x80000004);
    w = 0x80000001u;
    old = AMO("amoxor.w", &w, 3);
    amo_check(313, "amoxor.w", old, w_old, w, 0x80000002);
    w = 0x80000001u;
    old = AMO("amoand.w", &w, 3);
    amo_check(314, "amoand.w", old, w_old, w, 0x00000001);
    w = 0x80000001u;
    old = AMO("amoor.w", &w, 3);
    amo_check(315, "amoor.w", old, w_old, w, 0x80000003);
    w = 0x80000001u; /* signed: -2147483647 < 3 */
    old = AMO("amomin.w", &w, 3);
    amo_check(316, "amomin.w", old, w_old, w, 0x80000001);
    w = 0x80000001u;
    old = AMO("amomax.w", &w, 3);
    amo_check(317, "amomax.w", old, w_old, w, 0x00000003);
    w = 0x80000001u; /* unsigned: 3 < 0x80000001 */
    old = AMO("amominu.w", &w, 3);
    amo_check(318, "amominu.w", old, w_old, w, 0x00000003);
    w = 0x80000001u;
    old = AMO("amomaxu.w", &w, 3);
    amo_check(319, "amomaxu.w", old, w_old, w, 0x80000001);

    /* memory 0x8000000000000001 (negative as int64), operand 3 */
    d = d_old;
    old = AMO("amoswap.d", &d, 3);
    amo_check(321, "amoswap.d", old, d_old, d, 0x3);
    d = d_old;
    old = AMO("amoadd.d", &d, 3);
    amo_check(322, "amoadd.d", old, d_old, d, 0x8000000000000004ull);
    d = d_old;
    old = AMO("amoxor.d", &d, 3);
    amo_check(323, "amoxor.d", old, d_old, d, 0x8000000000000002ull);
    d = d_old;
    old = AMO("amoand.d", &d, 3);
    amo_check(324, "amoand.d", old, d_old, d, 0x1);
    d = d_old;
    old = AMO("amoor.d", &d, 3);
    amo_check(325, "amoor.d", old, d_old, d, 0x8000000000000003ull);
    d = d_old;
    old = AMO("amomin.d", &d, 3);
    amo_check(326, "amomin.d", old, d_old, d, 0x8000000000000001ull);
    d = d_old;
    old = AMO("amomax.d", &d, 3);
    amo_check(327, "amomax.d", old, d_old, d, 0x3);
    d = d_old;
    old = AMO("amominu.d", &d, 3);
    amo_check(328, "amominu.d", old, d_old, d, 0x3);
    d = d_old;
    old = AMO("amomaxu.d", &d, 3);
    amo_check(329, "amomaxu.d", old, d_old, d, 0x8000000000000001ull);
}

/* -------------------------------------------------------------- F and D */

/*
 * FP operands go in as bit patterns (fmv.w.x / fmv.d.x) and results come out
 * the same way, so every value below is an IEEE 754 encoding. rm is "" (the
 * dynamic mode in frm) or ", rtz" etc. Single results are masked to 32 bits.
 */
#define FP2(mvin, mvout, op, rm, a, b)                                                             \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(mvin " ft0, %1\n " mvin " ft1, %2\n " op " ft2, ft0, ft1" rm "\n " mvout  \
                              " %0, ft2"                                                           \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                  \
                         : "ft0", "ft1", "ft2");                                                   \
        r_;                                                                                        \
    })
#define FP3(mvin, mvout, op, a, b, c)                                                              \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(mvin " ft0, %1\n " mvin " ft1, %2\n " mvin " ft2, %3\n " op               \
                              " ft3, ft0, ft1, ft2\n " mvout " %0, ft3"                            \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b)), "r"((uint64_t)(c))              \
                         : "ft0", "ft1", "ft2", "ft3");                                            \
        r_;                                                                                        \
    })
#define FP1(mvin, mvout, op, rm, a)                                                                \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(mvin " ft0, %1\n " op " ft1, ft0" rm "\n " mvout " %0, ft1"               \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a))                                                      \
                         : "ft0", "ft1");                                                          \
        r_;                                                                                        \
    })
/* FP operands, integer result: compares (op x, f, f), fclass and fcvt to integer. */
#define FCMP(mvin, op, a, b)                                                                       \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(mvin " ft0, %1\n " mvin " ft1, %2\n " op " %0, ft0, ft1"                  \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                  \
                         : "ft0", "ft1");                                                          \
        r_;                                                                                        \
    })
#define FTOI(mvin, op, rm, a)                                                                      \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(mvin " ft0, %1\n " op " %0, ft0" rm                                       \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a))                                                      \
                         : "ft0");                                                                 \
        r_;                                                                                        \
    })
#define ITOF(mvout, op, rm, a)                                                                     \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile(op " ft0, %1" rm "\n " mvout " %0, ft0"                                   \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a))                                                      \
                         : "ft0");                                                                 \
        r_;                                                                                        \
    })

#define S2(op, rm, a, b) (FP2("fmv.w.x", "fmv.x.w", op, rm, a, b) & 0xffffffffull)
#define S3(op, a, b, c)  (FP3("fmv.w.x", "fmv.x.w", op, a, b, c) & 0xffffffffull)
#define S1(op, rm, a)    (FP1("fmv.w.x", "fmv.x.w", op, rm, a) & 0xffffffffull)
#define D2(op, rm, a, b) FP2("fmv.d.x", "fmv.x.d", op, rm, a, b)
#define D3(op, a, b, c)  FP3("fmv.d.x", "fmv.x.d", op, a, b, c)
#define D1(op, rm, a)    FP1("fmv.d.x", "fmv.x.d", op, rm, a)

static void fflags_clear(void)
{
    __asm__ volatile("csrw fflags, zero" : : : "memory");
}

static uint64_t fflags_read(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, fflags" : "=r"(v) : : "memory");
    return v;
}

/* single: 1.5 = 1.1b x 2^0 -> exp 127 (0x3f8...), fraction .1 -> 0x3fc00000 */
#define F_1_5  0x3fc00000ull
#define F_2_25 0x40100000ull /* 1.001b x 2^1: exp 128, fraction .001 */
#define F_1    0x3f800000ull
#define F_3    0x40400000ull
#define F_2_5  0x40200000ull /* 1.01b x 2^1 */
#define F_M2_5 0xc0200000ull /* -2.5 */
#define F_QNAN 0x7fc00000ull /* canonical NaN (§11.3) */
#define F_SNAN 0x7f800001ull
#define F_INF  0x7f800000ull

static void test_f_arith(void)
{
    fflags_clear();
    expect(401, "fadd.s 1.5 + 2.25 = 3.75 (1.111b x 2)", S2("fadd.s", "", F_1_5, F_2_25),
           0x40700000);
    expect(402, "fadd.s exact: no flags", fflags_read(), 0);
    expect(403, "fsub.s 3.75 - 1.5 = 2.25", S2("fsub.s", "", 0x40700000, F_1_5), F_2_25);
    /* 3.375 = 1.1011b x 2^1 -> 0x40000000 | 0x580000 */
    expect(404, "fmul.s 1.5 * 2.25 = 3.375", S2("fmul.s", "", F_1_5, F_2_25), 0x40580000);
    /* 1/3 = 1.0101..b x 2^-2: exp 125 -> 0x3e800000; 23 fraction bits 0x2aaaaa, the rest
     * .1010..b = 2/3 ulp: RNE and RUP round up to 0x2aaaab, RTZ and RDN keep 0x2aaaaa */
    fflags_clear();
    expect(405, "fdiv.s 1/3 rne", S2("fdiv.s", ", rne", F_1, F_3), 0x3eaaaaab);
    expect(406, "fdiv.s inexact: NX", fflags_read(), FFLAGS_NX);
    expect(407, "fdiv.s 1/3 rtz", S2("fdiv.s", ", rtz", F_1, F_3), 0x3eaaaaaa);
    expect(408, "fdiv.s 1/3 rdn", S2("fdiv.s", ", rdn", F_1, F_3), 0x3eaaaaaa);
    expect(409, "fdiv.s 1/3 rup", S2("fdiv.s", ", rup", F_1, F_3), 0x3eaaaaab);
    /* -1/3: RDN rounds away from zero (magnitude up), RUP toward zero */
    expect(410, "fdiv.s -1/3 rdn", S2("fdiv.s", ", rdn", 0xbf800000, F_3), 0xbeaaaaab);
    expect(411, "fdiv.s -1/3 rup", S2("fdiv.s", ", rup", 0xbf800000, F_3), 0xbeaaaaaa);
    fflags_clear();
    expect(412, "fdiv.s 1/0 = +inf", S2("fdiv.s", "", F_1, 0), F_INF);
    expect(413, "fdiv.s 1/0: DZ", fflags_read(), FFLAGS_DZ);
    fflags_clear();
    expect(414, "fsqrt.s 2.25 = 1.5", S1("fsqrt.s", "", F_2_25), F_1_5);
    expect(415, "fsqrt.s exact: no flags", fflags_read(), 0);
    expect(416, "fsqrt.s -1 = canonical NaN", S1("fsqrt.s", "", 0xbf800000), F_QNAN);
    expect(417, "fsqrt.s -1: NV", fflags_read(), FFLAGS_NV);
    /* FLT_MAX (0x7f7fffff) * 2 overflows: +inf, OF and NX */
    fflags_clear();
    expect(418, "fmul.s overflow = inf", S2("fmul.s", "", 0x7f7fffff, 0x40000000), F_INF);
    expect(419, "fmul.s overflow: OF|NX", fflags_read(), FFLAGS_OF | FFLAGS_NX);
    /* (1 + 2^-23) 2^-126 * 0.5 = 2^-127 + 2^-150; subnormal ulp 2^-149, so a tie:
     * to even gives 2^-127 = 0x00400000, tiny and inexact: UF and NX */
    fflags_clear();
    expect(420, "fmul.s underflow", S2("fmul.s", "", 0x00800001, 0x3f000000), 0x00400000);
    expect(421, "fmul.s underflow: UF|NX", fflags_read(), FFLAGS_UF | FFLAGS_NX);
    /* a*b+c with a = 1.5, b = 2.25, c = 1.5: 3.375 + 1.5 = 4.875 = 1.00111b x 2^2 */
    expect(422, "fmadd.s", S3("fmadd.s", F_1_5, F_2_25, F_1_5), 0x409c0000);
    /* 3.375 - 1.5 = 1.875 = 1.111b */
    expect(423, "fmsub.s", S3("fmsub.s", F_1_5, F_2_25, F_1_5), 0x3ff00000);
    expect(424, "fnmadd.s = -(a*b) - c", S3("fnmadd.s", F_1_5, F_2_25, F_1_5), 0xc09c0000);
    expect(425, "fnmsub.s = -(a*b) + c", S3("fnmsub.s", F_1_5, F_2_25, F_1_5), 0xbff00000);
}

static void test_f_convert(void)
{
    /* 2.5 is a tie: RNE -> 2 (even), RMM -> 3, RUP -> 3, RDN -> 2, RTZ -> 2 */
    expect(431, "fcvt.w.s 2.5 rne", FTOI("fmv.w.x", "fcvt.w.s", ", rne", F_2_5), 2);
    expect(432, "fcvt.w.s 2.5 rmm", FTOI("fmv.w.x", "fcvt.w.s", ", rmm", F_2_5), 3);
    expect(433, "fcvt.w.s 2.5 rup", FTOI("fmv.w.x", "fcvt.w.s", ", rup", F_2_5), 3);
    expect(434, "fcvt.w.s -2.5 rdn", FTOI("fmv.w.x", "fcvt.w.s", ", rdn", F_M2_5),
           0xfffffffffffffffdull);
    expect(435, "fcvt.w.s -2.5 rtz", FTOI("fmv.w.x", "fcvt.w.s", ", rtz", F_M2_5),
           0xfffffffffffffffeull);
    /* §11.7 Table 11.4: NaN and too large -> 2^31-1, negative to unsigned -> 0, NV */
    fflags_clear();
    expect(436, "fcvt.w.s NaN", FTOI("fmv.w.x", "fcvt.w.s", ", rtz", F_QNAN), 0x7fffffff);
    expect(437, "fcvt.w.s NaN: NV", fflags_read(), FFLAGS_NV);
    /* 3e9 = 0xb2d05e00 = 1.0110010110100000101111b x 2^31: exp 158 -> 0x4f32d05e */
    expect(438, "fcvt.w.s 3e9 saturates", FTOI("fmv.w.x", "fcvt.w.s", ", rtz", 0x4f32d05e),
           0x7fffffff);
    expect(439, "fcvt.wu.s 3e9, sign-extended", FTOI("fmv.w.x", "fcvt.wu.s", ", rtz", 0x4f32d05e),
           0xffffffffb2d05e00ull);
    expect(440, "fcvt.wu.s -1 = 0", FTOI("fmv.w.x", "fcvt.wu.s", ", rtz", 0xbf800000), 0);
    expect(441, "fcvt.l.s -2.5 rmm", FTOI("fmv.w.x", "fcvt.l.s", ", rmm", F_M2_5),
           0xfffffffffffffffdull);
    expect(442, "fcvt.lu.s 2.5 rtz", FTOI("fmv.w.x", "fcvt.lu.s", ", rtz", F_2_5), 2);
    expect(443, "fcvt.s.w -3",
           ITOF("fmv.x.w", "fcvt.s.w", "", 0xfffffffffffffffdull) & 0xffffffffull, 0xc0400000);
    /* 2^24 + 1 is halfway between 2^24 and 2^24 + 2: RNE -> 2^24 (0x4b800000), RUP -> + 2 */
    fflags_clear();
    expect(444, "fcvt.s.l 2^24+1 rne",
           ITOF("fmv.x.w", "fcvt.s.l", ", rne", 16777217) & 0xffffffffull, 0x4b800000);
    expect(445, "fcvt.s.l inexact: NX", fflags_read(), FFLAGS_NX);
    expect(446, "fcvt.s.l 2^24+1 rup",
           ITOF("fmv.x.w", "fcvt.s.l", ", rup", 16777217) & 0xffffffffull, 0x4b800001);
    expect(447, "fcvt.s.wu 2^32-1 rtz",
           ITOF("fmv.x.w", "fcvt.s.wu", ", rtz", 0xffffffffull) & 0xffffffffull, 0x4f7fffff);
    /* double 1/3 = 0x3fd5555555555555 to single, RNE: 0x3eaaaaab as for fdiv.s */
    expect(448, "fcvt.s.d 1/3",
           FP1("fmv.d.x", "fmv.x.w", "fcvt.s.d", "", 0x3fd5555555555555ull) & 0xffffffffull,
           0x3eaaaaab);
    expect(449, "fcvt.d.s 1.5", FP1("fmv.w.x", "fmv.x.d", "fcvt.d.s", "", F_1_5),
           0x3ff8000000000000ull);
    /* 2^64 - 1 needs 64 bits; RNE rounds up to 2^64: exp 127 + 64 = 191 -> 0x5f800000 */
    expect(450, "fcvt.s.lu 2^64-1", ITOF("fmv.x.w", "fcvt.s.lu", ", rne", ALL1) & 0xffffffffull,
           0x5f800000);
}

static void test_f_compare(void)
{
    expect(451, "feq.s", FCMP("fmv.w.x", "feq.s", F_1_5, F_1_5), 1);
    expect(452, "flt.s", FCMP("fmv.w.x", "flt.s", F_1_5, F_2_25), 1);
    expect(453, "fle.s", FCMP("fmv.w.x", "fle.s", F_2_25, F_1_5), 0);
    expect(454, "feq.s -0 == +0", FCMP("fmv.w.x", "feq.s", 0x80000000, 0), 1);
    /* §11.8: feq is quiet (NV only for sNaN), flt/fle signal on any NaN */
    fflags_clear();
    expect(455, "feq.s qNaN", FCMP("fmv.w.x", "feq.s", F_QNAN, F_1), 0);
    expect(456, "feq.s qNaN: no flag", fflags_read(), 0);
    expect(457, "flt.s qNaN", FCMP("fmv.w.x", "flt.s", F_QNAN, F_1), 0);
    expect(458, "flt.s qNaN: NV", fflags_read(), FFLAGS_NV);
    /* fclass bits (§11.9): 0 -inf, 1 -normal, 3 -0, 5 +subnormal, 7 +inf, 8 sNaN, 9 qNaN */
    expect(459, "fclass.s +inf", FTOI("fmv.w.x", "fclass.s", "", F_INF), 1u << 7);
    expect(460, "fclass.s -0", FTOI("fmv.w.x", "fclass.s", "", 0x80000000), 1u << 3);
    expect(461, "fclass.s qNaN", FTOI("fmv.w.x", "fclass.s", "", F_QNAN), 1u << 9);
    expect(462, "fclass.s sNaN", FTOI("fmv.w.x", "fclass.s", "", F_SNAN), 1u << 8);
    expect(463, "fclass.s +subnormal", FTOI("fmv.w.x", "fclass.s", "", 1), 1u << 5);
    expect(464, "fclass.s -1.5", FTOI("fmv.w.x", "fclass.s", "", 0xbfc00000), 1u << 1);
    expect(465, "fclass.s -inf", FTOI("fmv.w.x", "fclass.s", "", 0xff800000), 1u << 0);
    /* §11.6: fmin(-0, +0) = -0; one NaN operand -> the other; sNaN also sets NV */
    expect(466, "fmin.s", S2("fmin.s", "", F_1_5, F_2_25), F_1_5);
    expect(467, "fmax.s", S2("fmax.s", "", F_1_5, F_2_25), F_2_25);
    expect(468, "fmin.s -0, +0", S2("fmin.s", "", 0, 0x80000000), 0x80000000);
    expect(469, "fmax.s -0, +0", S2("fmax.s", "", 0x80000000, 0), 0);
    fflags_clear();
    expect(470, "fmin.s qNaN, 1.5", S2("fmin.s", "", F_QNAN, F_1_5), F_1_5);
    expect(471, "fmin.s qNaN: no flag", fflags_read(), 0);
    expect(472, "fmin.s sNaN, 1.5", S2("fmin.s", "", F_SNAN, F_1_5), F_1_5);
    expect(473, "fmin.s sNaN: NV", fflags_read(), FFLAGS_NV);
    expect(474, "fmax.s NaN, NaN = canonical", S2("fmax.s", "", F_SNAN, F_QNAN), F_QNAN);
    expect(475, "fsgnj.s 1.5, -x = -1.5", S2("fsgnj.s", "", F_1_5, 0x80000000), 0xbfc00000);
    expect(476, "fsgnjn.s 1.5, -x = 1.5", S2("fsgnjn.s", "", F_1_5, 0x80000000), F_1_5);
    expect(477, "fsgnjx.s -1.5, -x = 1.5", S2("fsgnjx.s", "", 0xbfc00000, 0x80000000), F_1_5);
}

static void test_f_move_and_memory(void)
{
    static uint32_t fmem[2];
    uint64_t r;

    /* fmv.x.w sign-extends bit 31 (§11.7) */
    __asm__ volatile("fmv.w.x ft0, %1\n fmv.x.w %0, ft0" : "=r"(r) : "r"(0xbfc00000ull) : "ft0");
    expect(481, "fmv.x.w sign-extends", r, 0xffffffffbfc00000ull);
    /* NaN boxing (§12.2): a single operand whose upper 32 bits are not all ones is
     * the canonical NaN; double 1.5 (0x3ff8...) used as a single gives 0x7fc00000 */
    __asm__ volatile("fmv.d.x ft0, %1\n fadd.s ft1, ft0, ft0\n fmv.x.w %0, ft1"
                     : "=r"(r)
                     : "r"(0x3ff8000000000000ull)
                     : "ft0", "ft1");
    expect(482, "unboxed single reads as NaN", r & 0xffffffffull, F_QNAN);
    /* a single result is boxed: the upper 32 bits read back as ones */
    __asm__ volatile("fmv.w.x ft0, %1\n fmv.x.d %0, ft0" : "=r"(r) : "r"(F_1_5) : "ft0");
    expect(483, "fmv.w.x NaN-boxes", r, 0xffffffff3fc00000ull);
    fmem[1] = 0x12345678;
    __asm__ volatile("fmv.w.x ft0, %1\n fsw ft0, 0(%2)\n flw ft1, 0(%2)\n fmv.x.w %0, ft1"
                     : "=&r"(r)
                     : "r"(F_2_25), "r"(fmem)
                     : "ft0", "ft1", "memory");
    expect(484, "fsw/flw", r & 0xffffffffull, F_2_25);
    expect(485, "fsw stored 4 bytes", fmem[0], F_2_25);
    expect(486, "fsw left the next word", fmem[1], 0x12345678);
}

/* double: 1.5 = exp 1023 (0x3ff), fraction .1 -> 0x3ff8000000000000 */
#define D_1_5  0x3ff8000000000000ull
#define D_2_25 0x4002000000000000ull /* 1.001b x 2^1 */
#define D_1    0x3ff0000000000000ull
#define D_3    0x4008000000000000ull
#define D_2    0x4000000000000000ull
#define D_QNAN 0x7ff8000000000000ull

static void test_d(void)
{
    expect(501, "fadd.d 1.5 + 2.25", D2("fadd.d", "", D_1_5, D_2_25), 0x400e000000000000ull);
    expect(502, "fsub.d", D2("fsub.d", "", 0x400e000000000000ull, D_1_5), D_2_25);
    expect(503, "fmul.d = 3.375 (1.1011b x 2)", D2("fmul.d", "", D_1_5, D_2_25),
           0x400b000000000000ull);
    /* 1/3: exp 1021 (0x3fd); 52 fraction bits 0x5555555555555, the rest .0101..b = 1/3
     * ulp: RNE and RTZ keep ...555, RUP rounds up to ...556 */
    fflags_clear();
    expect(504, "fdiv.d 1/3 rne", D2("fdiv.d", ", rne", D_1, D_3), 0x3fd5555555555555ull);
    expect(505, "fdiv.d: NX", fflags_read(), FFLAGS_NX);
    expect(506, "fdiv.d 1/3 rup", D2("fdiv.d", ", rup", D_1, D_3), 0x3fd5555555555556ull);
    expect(507, "fdiv.d 1/3 rtz", D2("fdiv.d", ", rtz", D_1, D_3), 0x3fd5555555555555ull);
    expect(508, "fsqrt.d 2.25", D1("fsqrt.d", "", D_2_25), D_1_5);
    /* sqrt(2) = 1.4142135623730951 -> 0x3ff6a09e667f3bcd (RNE) */
    expect(509, "fsqrt.d 2", D1("fsqrt.d", "", D_2), 0x3ff6a09e667f3bcdull);
    /* DBL_MAX * 2: +inf, OF|NX */
    fflags_clear();
    expect(510, "fmul.d overflow", D2("fmul.d", "", 0x7fefffffffffffffull, D_2),
           0x7ff0000000000000ull);
    expect(511, "fmul.d overflow: OF|NX", fflags_read(), FFLAGS_OF | FFLAGS_NX);
    /* 4.875 = 1.00111b x 2^2: exp 0x401, fraction 0x3800000000000 */
    expect(512, "fmadd.d", D3("fmadd.d", D_1_5, D_2_25, D_1_5), 0x4013800000000000ull);
    expect(513, "fnmsub.d", D3("fnmsub.d", D_1_5, D_2_25, D_1_5), 0xbffe000000000000ull);
    expect(532, "fmsub.d = 1.875 (1.111b)", D3("fmsub.d", D_1_5, D_2_25, D_1_5),
           0x3ffe000000000000ull);
    expect(533, "fnmadd.d = -4.875", D3("fnmadd.d", D_1_5, D_2_25, D_1_5), 0xc013800000000000ull);
    /* 3e9 = 1.0110010110100000101111b x 2^31: exp 0x41e, fraction 0x32d05e00 << 21 */
    expect(534, "fcvt.wu.d 3e9, sign-extended",
           FTOI("fmv.d.x", "fcvt.wu.d", ", rtz", 0x41e65a0bc0000000ull), 0xffffffffb2d05e00ull);
    /* 2^64 - 1 rounds (RNE) to 2^64: exp 1023 + 64 = 0x43f */
    fflags_clear();
    expect(535, "fcvt.d.lu 2^64-1", ITOF("fmv.x.d", "fcvt.d.lu", ", rne", ALL1),
           0x43f0000000000000ull);
    expect(536, "fcvt.d.lu: NX", fflags_read(), FFLAGS_NX);
    /* 2.5 = 0x4004000000000000: a tie */
    expect(514, "fcvt.w.d 2.5 rne", FTOI("fmv.d.x", "fcvt.w.d", ", rne", 0x4004000000000000ull), 2);
    expect(515, "fcvt.w.d 2.5 rmm", FTOI("fmv.d.x", "fcvt.w.d", ", rmm", 0x4004000000000000ull), 3);
    expect(516, "fcvt.l.d -2.5 rdn", FTOI("fmv.d.x", "fcvt.l.d", ", rdn", 0xc004000000000000ull),
           0xfffffffffffffffdull);
    expect(517, "fcvt.lu.d -1 = 0", FTOI("fmv.d.x", "fcvt.lu.d", ", rtz", 0xbff0000000000000ull),
           0);
    /* 2^53 + 1 is a tie between 2^53 and 2^53 + 2: RNE -> 2^53 = exp 1076 (0x434) */
    expect(518, "fcvt.d.l 2^53+1", ITOF("fmv.x.d", "fcvt.d.l", ", rne", 9007199254740993ull),
           0x4340000000000000ull);
    expect(519, "fcvt.d.w -3", ITOF("fmv.x.d", "fcvt.d.w", "", 0xfffffffffffffffdull),
           0xc008000000000000ull);
    /* 2^32 - 1 = 31 ones after the leading 1, x 2^31: exp 0x41e, fraction 0xfffffffe00000 */
    expect(520, "fcvt.d.wu 2^32-1", ITOF("fmv.x.d", "fcvt.d.wu", "", 0xffffffffull),
           0x41efffffffe00000ull);
    expect(521, "feq.d", FCMP("fmv.d.x", "feq.d", D_1_5, D_1_5), 1);
    expect(522, "flt.d", FCMP("fmv.d.x", "flt.d", D_2_25, D_1_5), 0);
    expect(523, "fle.d", FCMP("fmv.d.x", "fle.d", D_1_5, D_1_5), 1);
    expect(524, "fclass.d -inf", FTOI("fmv.d.x", "fclass.d", "", 0xfff0000000000000ull), 1);
    expect(525, "fclass.d qNaN", FTOI("fmv.d.x", "fclass.d", "", D_QNAN), 1u << 9);
    expect(526, "fmin.d -0, +0", D2("fmin.d", "", 0, 0x8000000000000000ull), 0x8000000000000000ull);
    expect(527, "fmax.d", D2("fmax.d", "", D_1_5, D_2_25), D_2_25);
    expect(528, "fsgnjn.d 1.5, +x = -1.5", D2("fsgnjn.d", "", D_1_5, D_1), 0xbff8000000000000ull);
    expect(529, "fsgnjx.d -1.5, -x = 1.5",
           D2("fsgnjx.d", "", 0xbff8000000000000ull, 0x8000000000000000ull), D_1_5);

    static uint64_t dmem;
    uint64_t r;
    __asm__ volatile("fmv.d.x ft0, %1\n fsd ft0, 0(%2)\n fld ft1, 0(%2)\n fmv.x.d %0, ft1"
                     : "=&r"(r)
                     : "r"(D_2_25), "r"(&dmem)
                     : "ft0", "ft1", "memory");
    expect(530, "fsd/fld", r, D_2_25);
    expect(531, "fsd stored", dmem, D_2_25);
}

static void test_fcsr(void)
{
    uint64_t r;

    /* frm = RUP, then a dynamic-rounding fdiv.d 1/3 rounds up (§11.2) */
    csr_write(frm, FRM_RUP);
    expect(541, "frm dynamic = rup", D2("fdiv.d", "", D_1, D_3), 0x3fd5555555555556ull);
    csr_write(frm, FRM_RTZ);
    expect(542, "frm dynamic = rtz", S2("fdiv.s", "", F_1, F_3), 0x3eaaaaaa);
    /* fcsr = frm << 5 | fflags: 0xff -> frm 7, fflags 0x1f */
    csr_write(fcsr, 0xff);
    r = csr_read(frm);
    expect(543, "fcsr sets frm", r, 7);
    expect(544, "fcsr sets fflags", fflags_read(), 0x1f);
    csr_write(fflags, 0);
    expect(545, "fcsr = frm << 5", csr_read(fcsr), 0xe0);
    csr_write(fcsr, 0);
}

/* ------------------------------------------------------------------ C */

/* Run compressed code with a0 = a, a1 = b; the result is a0 afterwards. */
#define C2(body, a, b)                                                                             \
    ({                                                                                             \
        uint64_t r_;                                                                               \
        __asm__ volatile("mv a0, %1\n mv a1, %2\n .option push\n .option rvc\n" body               \
                         "\n .option pop\n mv %0, a0"                                              \
                         : "=r"(r_)                                                                \
                         : "r"((uint64_t)(a)), "r"((uint64_t)(b))                                  \
                         : "a0", "a1", "a2", "ra", "fa0", "memory");                               \
        r_;                                                                                        \
    })

static void test_c(void)
{
    static uint64_t cmem[2];

    expect(601, "c.li -5", C2("c.li a0, -5", 0, 0), 0xfffffffffffffffbull);
    expect(602, "c.lui 0x1f", C2("c.lui a0, 0x1f", 0, 0), 0x1f000);
    expect(603, "c.lui sign-extends", C2("c.lui a0, 0xfffff", 0, 0), 0xfffffffffffff000ull);
    expect(604, "c.addi -3", C2("c.addi a0, -3", 10, 0), 7);
    expect(605, "c.addiw", C2("c.addiw a0, 1", 0x7fffffff, 0), 0xffffffff80000000ull);
    expect(606, "c.slli 63", C2("c.slli a0, 63", 1, 0), MIN64);
    expect(607, "c.srli", C2("c.srli a0, 1", MIN64, 0), 0x4000000000000000ull);
    expect(608, "c.srai", C2("c.srai a0, 4", MIN64, 0), 0xf800000000000000ull);
    expect(609, "c.andi -16", C2("c.andi a0, -16", 0x1234567, 0), 0x1234560);
    expect(610, "c.mv", C2("c.mv a0, a1", 1, 42), 42);
    expect(611, "c.add", C2("c.add a0, a1", 40, 2), 42);
    expect(612, "c.sub", C2("c.sub a0, a1", 40, 42), 0xfffffffffffffffeull);
    expect(613, "c.xor", C2("c.xor a0, a1", 0xff, 0x0f), 0xf0);
    expect(614, "c.or", C2("c.or a0, a1", 0xf0, 0x0f), 0xff);
    expect(615, "c.and", C2("c.and a0, a1", 0xff, 0x0f), 0x0f);
    expect(616, "c.addw", C2("c.addw a0, a1", 0x7fffffff, 1), 0xffffffff80000000ull);
    expect(617, "c.subw", C2("c.subw a0, a1", 0, 1), ALL1);
    cmem[0] = 0;
    cmem[1] = 0;
    expect(618, "c.sd/c.ld",
           C2("c.sd a0, 8(a1)\n c.li a0, 0\n c.ld a0, 8(a1)", 0x8877665544332211ull, cmem),
           0x8877665544332211ull);
    expect(619, "c.sw/c.lw sign-extends",
           C2("c.sw a0, 0(a1)\n c.lw a0, 0(a1)", 0x80000000ull, cmem), 0xffffffff80000000ull);
    expect(620, "c.sdsp/c.ldsp",
           C2("addi sp, sp, -16\n c.sdsp a0, 8(sp)\n c.li a0, 0\n"
              " c.ldsp a0, 8(sp)\n addi sp, sp, 16",
              0x123456789ull, 0),
           0x123456789ull);
    expect(621, "c.swsp/c.lwsp",
           C2("addi sp, sp, -16\n c.swsp a0, 4(sp)\n c.lwsp a0, 4(sp)\n"
              " addi sp, sp, 16",
              0xfedcba98ull, 0),
           0xfffffffffedcba98ull);
    /* c.addi16sp / c.addi4spn: a0 = (sp - 32) + 8 - (sp - 32 + 32) = -24 relative to sp */
    expect(
        622, "c.addi16sp, c.addi4spn",
        C2("c.addi16sp sp, -32\n c.addi4spn a0, sp, 8\n c.addi16sp sp, 32\n sub a0, a0, sp", 0, 0),
        0xffffffffffffffe8ull);
    expect(623, "c.fsd/c.fld",
           C2("fmv.d.x fa0, a0\n c.fsd fa0, 0(a1)\n c.li a0, 0\n"
              " c.fld fa0, 0(a1)\n fmv.x.d a0, fa0",
              D_2_25, cmem),
           D_2_25);
    expect(624, "c.fsdsp/c.fldsp",
           C2("addi sp, sp, -16\n fmv.d.x fa0, a0\n c.fsdsp fa0, 8(sp)\n"
              " c.li a0, 0\n c.fldsp fa0, 8(sp)\n fmv.x.d a0, fa0\n"
              " addi sp, sp, 16",
              D_1_5, 0),
           D_1_5);
    /* branches and jumps: a0 ends 1 if the taken path ran */
    expect(625, "c.beqz taken", C2("c.beqz a0, 1f\n c.li a0, 5\n j 2f\n1: c.li a0, 1\n2:", 0, 0),
           1);
    expect(626, "c.bnez not taken",
           C2("c.bnez a0, 1f\n c.li a0, 1\n j 2f\n1: c.li a0, 5\n2:", 0, 0), 1);
    expect(627, "c.j", C2("c.li a0, 1\n c.j 1f\n c.li a0, 5\n1:", 0, 0), 1);
    expect(628, "c.jr", C2("la a1, 1f\n c.li a0, 1\n c.jr a1\n c.li a0, 5\n1:", 0, 0), 1);
    /* c.jalr links pc + 2 (§16.4) */
    expect(629, "c.jalr links pc + 2",
           C2("la a1, 1f\n c.jalr a1\n2: c.nop\n1: la a2, 2b\n sub a0, ra, a2", 0, 0), 0);
}

/* ---------------------------------------------------------- Zicsr, fence.i */

static void test_zicsr(void)
{
    uint64_t saved = csr_read(mscratch); /* crt0's trap stack top: restore it */
    uint64_t old;

    csr_write(mscratch, 0x1234);
    expect(701, "csrw/csrr mscratch", csr_read(mscratch), 0x1234);
    __asm__ volatile("csrrs %0, mscratch, %1" : "=r"(old) : "r"(0xf0ull));
    expect(702, "csrrs returns the old value", old, 0x1234);
    expect(703, "csrrs sets bits", csr_read(mscratch), 0x12f4);
    __asm__ volatile("csrrc %0, mscratch, %1" : "=r"(old) : "r"(0x1200ull));
    expect(704, "csrrc returns the old value", old, 0x12f4);
    expect(705, "csrrc clears bits", csr_read(mscratch), 0xf4);
    __asm__ volatile("csrrwi %0, mscratch, 5" : "=r"(old));
    expect(706, "csrrwi", old, 0xf4);
    __asm__ volatile("csrrsi %0, mscratch, 0x18" : "=r"(old));
    expect(707, "csrrsi", csr_read(mscratch), 0x1d);
    __asm__ volatile("csrrci %0, mscratch, 1" : "=r"(old));
    expect(708, "csrrci", csr_read(mscratch), 0x1c);
    csr_write(mscratch, saved);
    expect(709, "mscratch restored", csr_read(mscratch), saved);
}

/* A function in .data: li a0, N; ret. Rewritten, then run again after fence.i. */
static uint32_t smc_code[2] __attribute__((aligned(4)));

static void test_fence_i(void)
{
    uint64_t (*fn)(void) = (uint64_t(*)(void))(uintptr_t)smc_code;

    /* addi a0, x0, 42 = 42 << 20 | rd 10 << 7 | 0x13 = 0x02a00513; ret = jalr x0, 0(ra) =
     * 1 << 15 | 0x67 = 0x00008067 */
    smc_code[0] = 0x02a00513;
    smc_code[1] = 0x00008067;
    fence_i();
    expect(801, "run code written to RAM", fn(), 42);
    smc_code[0] = 0x06300513; /* addi a0, x0, 99 */
    fence_i();
    expect(802, "fence.i: the rewritten code runs", fn(), 99);
}

int main(void)
{
    printf("selftest: RV64GC instruction classes\n");
    test_rv64i_arith();
    test_rv64i_shifts();
    test_rv64i_branches();
    test_rv64i_memory();
    printf("selftest: RV64I ok\n");
    test_m();
    printf("selftest: M ok\n");
    test_lr_sc();
    test_amo();
    printf("selftest: A ok\n");
    test_f_arith();
    test_f_convert();
    test_f_compare();
    test_f_move_and_memory();
    test_d();
    test_fcsr();
    printf("selftest: F and D ok\n");
    test_c();
    printf("selftest: C ok\n");
    test_zicsr();
    test_fence_i();
    printf("selftest: Zicsr and Zifencei ok\n");
    printf("selftest: all %d cases passed\n", cases_passed);
    return 0;
}
