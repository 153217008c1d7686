/*
 * tests/unit/check_fp.c - the F and D extensions (cpu/exec_fp.c on top of
 * cpu/softfloat.c): every operation class in every rounding mode, the
 * exception flags, NaN-boxing and the guards.
 * Course: 处理器虚拟化 / 解释执行 (the interpreter must compute what the
 *         guest's FPU would, bit for bit).
 * Spec: Unprivileged 20191213, §11 "F" and §12 "D"; IEEE 754-2008 §4.3, §7.
 * Expected values are worked by hand from the encodings (see each comment):
 *   binary32 = sign(1) | exponent+127 (8) | fraction (23)
 *   binary64 = sign(1) | exponent+1023 (11) | fraction (52)
 * Loads and stores need cpu/mem.c and are left to the ISA tests (rv64uf/ud).
 */
#include <check.h>
#include <stdlib.h>

#include "cpu/encoding.h"
#include "cpu/exec.h"
#include "cpu/internal.h"

/* f32 constants (binary32 bit patterns) */
#define S_ONE     0x3f800000ull /* 1.0: exp 0 -> 127 = 0x7f */
#define S_TWO     0x40000000ull /* 2.0: exp 1 -> 0x80 */
#define S_THREE   0x40400000ull /* 3.0 = 1.5 * 2: fraction .1 -> 0x400000 */
#define S_HALF    0x3f000000ull /* 0.5: exp -1 -> 0x7e */
#define S_MONE    0xbf800000ull /* -1.0 */
#define S_INF     0x7f800000ull /* exponent all ones, fraction 0 */
#define S_NINF    0xff800000ull /* -inf */
#define S_QNAN    0x7fc00000ull /* canonical NaN: fraction MSB set */
#define S_SNAN    0x7f800001ull /* fraction MSB clear, fraction != 0 */
#define S_MAX     0x7f7fffffull /* exponent 0xfe, fraction all ones */
#define S_MINNORM 0x00800000ull /* 2^-126: exponent field 1 */
#define S_MINSUB  0x00000001ull /* 2^-149 */
#define S_NZERO   0x80000000ull /* -0 */

/* f64 constants (binary64 bit patterns) */
#define D_ONE   0x3ff0000000000000ull /* exp 0 -> 1023 = 0x3ff */
#define D_THREE 0x4008000000000000ull /* 1.5 * 2: exp 0x400, fraction .1 */
#define D_HALF  0x3fe0000000000000ull /* exp -1 -> 0x3fe */
#define D_MONE  0xbff0000000000000ull
#define D_INF   0x7ff0000000000000ull
#define D_QNAN  0x7ff8000000000000ull
#define D_SNAN  0x7ff0000000000001ull
#define D_MAX   0x7fefffffffffffffull

#define BOX 0xffffffff00000000ull /* NaN-boxing: upper 32 bits all ones */

#define FS_ON ((uint64_t)FS_INITIAL << MSTATUS_FS_SHIFT)

/* A hart on the stack with the FPU on (FS = Initial), frm = RNE, pc 0x80000000. */
struct rig {
    struct hart h;
    struct vm_exit exit;
    struct insn in;
};

static void rig_init(struct rig *r, unsigned rm)
{
    *r = (struct rig){0};
    r->h.exit = &r->exit;
    r->h.csr.mstatus = FS_ON;
    r->h.pc = 0x80000000ull;
    /* fadd.s f3, f1, f2 with rm: a plausible raw word for tval checks */
    r->in.raw = 0x002081d3u | ((uint32_t)rm << 12);
    r->in.rd = 3;
    r->in.rs1 = 1;
    r->in.rs2 = 2;
    r->in.rs3 = 4;
    r->in.rm = (uint8_t)rm;
    r->in.len = 4;
}

/* Run an exec that must retire: returns 0 and advances pc by 4. */
static void run_ok(struct rig *r, exec_fn fn)
{
    r->in.exec = fn;
    ck_assert_int_eq(cpu_exec_one(&r->h, &r->in), 0);
    ck_assert_uint_eq(r->h.pc, 0x80000004ull);
}

/* f3 = op(f1, f2, f4) in mode rm; the raw f3 and the fflags raised. */
static uint64_t fp3(exec_fn fn, unsigned rm, uint64_t a, uint64_t b, uint64_t c,
                    unsigned *out_flags)
{
    struct rig r;

    rig_init(&r, rm);
    r.h.f[1] = a;
    r.h.f[2] = b;
    r.h.f[4] = c;
    run_ok(&r, fn);
    *out_flags = (unsigned)r.h.csr.fflags;
    return r.h.f[3];
}

/* x5 = op(f1, f2) (compares, fclass, fcvt to integer) */
static uint64_t fp_to_x(exec_fn fn, unsigned rm, uint64_t a, uint64_t b, unsigned *out_flags)
{
    struct rig r;

    rig_init(&r, rm);
    r.in.rd = 5;
    r.h.x[5] = 0xdeadull;
    r.h.f[1] = a;
    r.h.f[2] = b;
    run_ok(&r, fn);
    *out_flags = (unsigned)r.h.csr.fflags;
    return r.h.x[5];
}

/* f3 = op(x6) (fcvt from integer, fmv.w.x) */
static uint64_t x_to_fp(exec_fn fn, unsigned rm, uint64_t x, unsigned *out_flags)
{
    struct rig r;

    rig_init(&r, rm);
    r.in.rs1 = 6;
    r.h.x[6] = x;
    run_ok(&r, fn);
    *out_flags = (unsigned)r.h.csr.fflags;
    return r.h.f[3];
}

/* One row of a table test: op, mode, operands, expected raw result and flags. */
struct fp_case {
    exec_fn fn;
    unsigned rm;
    uint64_t a, b, c;
    uint64_t want;
    unsigned flags;
};

static void check_f_case(const struct fp_case *t)
{
    unsigned flags;
    uint64_t got = fp3(t->fn, t->rm, t->a, t->b, t->c, &flags);

    ck_assert_msg(got == t->want, "result %#llx, want %#llx", (unsigned long long)got,
                  (unsigned long long)t->want);
    ck_assert_uint_eq(flags, t->flags);
}

static void check_x_case(const struct fp_case *t)
{
    unsigned flags;
    uint64_t got = fp_to_x(t->fn, t->rm, t->a, t->b, &flags);

    ck_assert_msg(got == t->want, "x result %#llx, want %#llx", (unsigned long long)got,
                  (unsigned long long)t->want);
    ck_assert_uint_eq(flags, t->flags);
}

#define NX FFLAGS_NX
#define UF FFLAGS_UF
#define OF FFLAGS_OF
#define DZ FFLAGS_DZ
#define NV FFLAGS_NV

/* ------------------------------------------------------------ core: arithmetic */

/*
 * 1/3 = 0.0101...b = 1.0101...b * 2^-2.
 * f32: exponent -2 -> 125 = 0x7d -> 0x3e800000; 23 fraction bits 0101..010 =
 *   0x2aaaaa, the rest .1010... > 1/2 ulp: up in RNE/RMM/RUP -> 0x3eaaaaab,
 *   down in RTZ/RDN -> 0x3eaaaaaa.
 * f64: exponent -2 -> 1021 = 0x3fd; 52 fraction bits 0101..0101 =
 *   0x5555555555555, the rest .0101... < 1/2 ulp: only RUP goes up (...556).
 * -1/3: the same magnitudes, RDN now rounds the magnitude up, RUP down.
 */
static const struct fp_case div_cases[] = {
    {exec_fdiv_s, FRM_RNE, BOX | S_ONE, BOX | S_THREE, 0, BOX | 0x3eaaaaabull, NX},
    {exec_fdiv_s, FRM_RTZ, BOX | S_ONE, BOX | S_THREE, 0, BOX | 0x3eaaaaaaull, NX},
    {exec_fdiv_s, FRM_RDN, BOX | S_ONE, BOX | S_THREE, 0, BOX | 0x3eaaaaaaull, NX},
    {exec_fdiv_s, FRM_RUP, BOX | S_ONE, BOX | S_THREE, 0, BOX | 0x3eaaaaabull, NX},
    {exec_fdiv_s, FRM_RMM, BOX | S_ONE, BOX | S_THREE, 0, BOX | 0x3eaaaaabull, NX},
    {exec_fdiv_s, FRM_RDN, BOX | S_MONE, BOX | S_THREE, 0, BOX | 0xbeaaaaabull, NX},
    {exec_fdiv_s, FRM_RUP, BOX | S_MONE, BOX | S_THREE, 0, BOX | 0xbeaaaaaaull, NX},
    {exec_fdiv_d, FRM_RNE, D_ONE, D_THREE, 0, 0x3fd5555555555555ull, NX},
    {exec_fdiv_d, FRM_RTZ, D_ONE, D_THREE, 0, 0x3fd5555555555555ull, NX},
    {exec_fdiv_d, FRM_RDN, D_ONE, D_THREE, 0, 0x3fd5555555555555ull, NX},
    {exec_fdiv_d, FRM_RUP, D_ONE, D_THREE, 0, 0x3fd5555555555556ull, NX},
    {exec_fdiv_d, FRM_RMM, D_ONE, D_THREE, 0, 0x3fd5555555555555ull, NX},
    {exec_fdiv_d, FRM_RDN, D_MONE, D_THREE, 0, 0xbfd5555555555556ull, NX},
    /* 3/2 = 1.5 exactly: exp 0, fraction .1 -> 0x3fc00000, no flags */
    {exec_fdiv_s, FRM_RNE, BOX | S_THREE, BOX | S_TWO, 0, BOX | 0x3fc00000ull, 0},
    /* x/0 = inf with DZ; 0/0 = NaN with NV; sign of inf is the XOR */
    {exec_fdiv_s, FRM_RNE, BOX | S_ONE, BOX | 0, 0, BOX | S_INF, DZ},
    {exec_fdiv_s, FRM_RNE, BOX | S_MONE, BOX | 0, 0, BOX | S_NINF, DZ},
    {exec_fdiv_s, FRM_RNE, BOX | 0, BOX | 0, 0, BOX | S_QNAN, NV},
    {exec_fdiv_d, FRM_RNE, D_INF, D_INF, 0, D_QNAN, NV},
    {exec_fdiv_d, FRM_RNE, D_ONE, D_INF, 0, 0, 0},
};

START_TEST(test_div_modes)
{
    check_f_case(&div_cases[_i]);
}
END_TEST

/*
 * Ties. 2^-24 = exp -24 -> 103 = 0x67 -> 0x33800000. 1 + 2^-24 lies exactly
 * half-way between 1.0 (fraction 0, even) and 1 + 2^-23 (0x3f800001):
 * RNE -> 1.0, RMM -> away -> 0x3f800001, RTZ/RDN -> 1.0, RUP -> 0x3f800001.
 * (1 + 2^-23) + 2^-24: half-way between ...001 (odd) and ...002: RNE -> 002.
 * -1 - 2^-24: RMM and RDN -> -(1 + 2^-23) = 0xbf800001, RUP -> -1.
 * f64: 2^-53 -> 1023-53 = 970 = 0x3ca; 1 + 2^-53: RNE 1.0, RMM ...001.
 */
static const struct fp_case add_cases[] = {
    {exec_fadd_s, FRM_RNE, BOX | S_ONE, BOX | 0x33800000ull, 0, BOX | 0x3f800000ull, NX},
    {exec_fadd_s, FRM_RMM, BOX | S_ONE, BOX | 0x33800000ull, 0, BOX | 0x3f800001ull, NX},
    {exec_fadd_s, FRM_RTZ, BOX | S_ONE, BOX | 0x33800000ull, 0, BOX | 0x3f800000ull, NX},
    {exec_fadd_s, FRM_RDN, BOX | S_ONE, BOX | 0x33800000ull, 0, BOX | 0x3f800000ull, NX},
    {exec_fadd_s, FRM_RUP, BOX | S_ONE, BOX | 0x33800000ull, 0, BOX | 0x3f800001ull, NX},
    {exec_fadd_s, FRM_RNE, BOX | 0x3f800001ull, BOX | 0x33800000ull, 0, BOX | 0x3f800002ull, NX},
    {exec_fadd_s, FRM_RMM, BOX | S_MONE, BOX | 0xb3800000ull, 0, BOX | 0xbf800001ull, NX},
    {exec_fadd_s, FRM_RDN, BOX | S_MONE, BOX | 0xb3800000ull, 0, BOX | 0xbf800001ull, NX},
    {exec_fadd_s, FRM_RUP, BOX | S_MONE, BOX | 0xb3800000ull, 0, BOX | 0xbf800000ull, NX},
    {exec_fadd_d, FRM_RNE, D_ONE, 0x3ca0000000000000ull, 0, D_ONE, NX},
    {exec_fadd_d, FRM_RMM, D_ONE, 0x3ca0000000000000ull, 0, 0x3ff0000000000001ull, NX},
    /* 1 + 2 = 3 exactly */
    {exec_fadd_s, FRM_RNE, BOX | S_ONE, BOX | S_TWO, 0, BOX | S_THREE, 0},
    /* x - x = +0 in every mode but RDN, where it is -0 (IEEE §6.3) */
    {exec_fsub_s, FRM_RNE, BOX | S_ONE, BOX | S_ONE, 0, BOX | 0, 0},
    {exec_fsub_s, FRM_RDN, BOX | S_ONE, BOX | S_ONE, 0, BOX | S_NZERO, 0},
    {exec_fsub_d, FRM_RDN, D_ONE, D_ONE, 0, 0x8000000000000000ull, 0},
    /* -0 + -0 = -0; inf - inf = NaN, NV; 3 - 1 = 2 */
    {exec_fadd_s, FRM_RNE, BOX | S_NZERO, BOX | S_NZERO, 0, BOX | S_NZERO, 0},
    {exec_fsub_s, FRM_RNE, BOX | S_INF, BOX | S_INF, 0, BOX | S_QNAN, NV},
    {exec_fsub_d, FRM_RNE, D_THREE, D_ONE, 0, 0x4000000000000000ull, 0},
};

START_TEST(test_add_ties)
{
    check_f_case(&add_cases[_i]);
}
END_TEST

/*
 * Overflow: max * 2 > max. To inf in RNE/RMM and in the direction of the
 * sign; to max finite otherwise. OF always comes with NX.
 */
static const struct fp_case overflow_cases[] = {
    {exec_fmul_s, FRM_RNE, BOX | S_MAX, BOX | S_TWO, 0, BOX | S_INF, OF | NX},
    {exec_fmul_s, FRM_RTZ, BOX | S_MAX, BOX | S_TWO, 0, BOX | S_MAX, OF | NX},
    {exec_fmul_s, FRM_RDN, BOX | S_MAX, BOX | S_TWO, 0, BOX | S_MAX, OF | NX},
    {exec_fmul_s, FRM_RUP, BOX | S_MAX, BOX | S_TWO, 0, BOX | S_INF, OF | NX},
    {exec_fmul_s, FRM_RMM, BOX | S_MAX, BOX | S_TWO, 0, BOX | S_INF, OF | NX},
    {exec_fmul_s, FRM_RDN, BOX | 0xff7fffffull, BOX | S_TWO, 0, BOX | S_NINF, OF | NX},
    {exec_fmul_s, FRM_RUP, BOX | 0xff7fffffull, BOX | S_TWO, 0, BOX | 0xff7fffffull, OF | NX},
    {exec_fmul_d, FRM_RNE, D_MAX, 0x4000000000000000ull, 0, D_INF, OF | NX},
    {exec_fmul_d, FRM_RTZ, D_MAX, 0x4000000000000000ull, 0, D_MAX, OF | NX},
    /* 0 * inf = NaN, NV; 3 * 0.5 = 1.5 exactly */
    {exec_fmul_s, FRM_RNE, BOX | 0, BOX | S_INF, 0, BOX | S_QNAN, NV},
    {exec_fmul_d, FRM_RNE, D_THREE, D_HALF, 0, 0x3ff8000000000000ull, 0},
};

START_TEST(test_overflow)
{
    check_f_case(&overflow_cases[_i]);
}
END_TEST

/*
 * Underflow = tiny and inexact.
 * 2^-126 * 0.5 = 2^-127, a subnormal (fraction bit 22: 0x00400000): tiny but
 *   exact, so no UF and no NX.
 * 2^-149 * 0.5 = 2^-150, half-way between 0 and 2^-149: RNE -> 0 (even),
 *   RMM and RUP -> 2^-149; UF|NX in every mode.
 * f64 2^-1074 * 0.5: the same, 0 or 1.
 */
static const struct fp_case underflow_cases[] = {
    {exec_fmul_s, FRM_RNE, BOX | S_MINNORM, BOX | S_HALF, 0, BOX | 0x00400000ull, 0},
    {exec_fmul_s, FRM_RNE, BOX | S_MINSUB, BOX | S_HALF, 0, BOX | 0, UF | NX},
    {exec_fmul_s, FRM_RMM, BOX | S_MINSUB, BOX | S_HALF, 0, BOX | S_MINSUB, UF | NX},
    {exec_fmul_s, FRM_RUP, BOX | S_MINSUB, BOX | S_HALF, 0, BOX | S_MINSUB, UF | NX},
    {exec_fmul_s, FRM_RTZ, BOX | S_MINSUB, BOX | S_HALF, 0, BOX | 0, UF | NX},
    {exec_fmul_s, FRM_RDN, BOX | 0x80000001ull, BOX | S_HALF, 0, BOX | 0x80000001ull, UF | NX},
    {exec_fmul_d, FRM_RNE, 1, D_HALF, 0, 0, UF | NX},
    {exec_fmul_d, FRM_RUP, 1, D_HALF, 0, 1, UF | NX},
};

START_TEST(test_underflow)
{
    check_f_case(&underflow_cases[_i]);
}
END_TEST

/*
 * Tininess after rounding (RISC-V, §11.2): x = 1.111...1b (24 ones after
 * the point) * 2^-127, as f64: exp -127 -> 896 = 0x380, fraction = 24 ones
 * then zeros = 0xffffff0000000 -> 0x380ffffff0000000.
 * fcvt.s.d, RNE: at 24 bits with unbounded exponent it is a tie with an odd
 *   last bit, so it rounds up to 2^-126: not tiny. The subnormal rounding
 *   (23 bits) also gives 2^-126 = 0x00800000. Inexact, not tiny: NX only.
 * RTZ: stays below 2^-126, tiny and inexact: 0x007fffff with UF|NX.
 */
START_TEST(test_tininess_after_rounding)
{
    unsigned flags;

    ck_assert_uint_eq(fp3(exec_fcvt_s_d, FRM_RNE, 0x380ffffff0000000ull, 0, 0, &flags),
                      BOX | S_MINNORM);
    ck_assert_uint_eq(flags, NX);
    ck_assert_uint_eq(fp3(exec_fcvt_s_d, FRM_RTZ, 0x380ffffff0000000ull, 0, 0, &flags),
                      BOX | 0x007fffffull);
    ck_assert_uint_eq(flags, UF | NX);
}
END_TEST

/*
 * sqrt(2) = 1.41421356237309504...
 * f32 0x3fb504f3 = 1.41421353816986 (below), 0x3fb504f4 = 1.41421365737915:
 *   nearest is ...f3; RUP ...f4.
 * f64 0x3ff6a09e667f3bcd = 1.4142135623730951455 is above the true value and
 *   nearest; RTZ/RDN take the one below, ...bcc.
 * sqrt(4) = 2 exactly; sqrt(-0) = -0; sqrt(-1) and sqrt(-inf) = NaN with NV;
 * sqrt(sNaN) = canonical NaN with NV; sqrt(+inf) = +inf.
 */
static const struct fp_case sqrt_cases[] = {
    {exec_fsqrt_s, FRM_RNE, BOX | S_TWO, 0, 0, BOX | 0x3fb504f3ull, NX},
    {exec_fsqrt_s, FRM_RUP, BOX | S_TWO, 0, 0, BOX | 0x3fb504f4ull, NX},
    {exec_fsqrt_s, FRM_RTZ, BOX | S_TWO, 0, 0, BOX | 0x3fb504f3ull, NX},
    {exec_fsqrt_d, FRM_RNE, 0x4000000000000000ull, 0, 0, 0x3ff6a09e667f3bcdull, NX},
    {exec_fsqrt_d, FRM_RMM, 0x4000000000000000ull, 0, 0, 0x3ff6a09e667f3bcdull, NX},
    {exec_fsqrt_d, FRM_RTZ, 0x4000000000000000ull, 0, 0, 0x3ff6a09e667f3bccull, NX},
    {exec_fsqrt_d, FRM_RDN, 0x4000000000000000ull, 0, 0, 0x3ff6a09e667f3bccull, NX},
    {exec_fsqrt_s, FRM_RNE, BOX | 0x40800000ull, 0, 0, BOX | S_TWO, 0},
    {exec_fsqrt_s, FRM_RNE, BOX | S_NZERO, 0, 0, BOX | S_NZERO, 0},
    {exec_fsqrt_s, FRM_RNE, BOX | S_MONE, 0, 0, BOX | S_QNAN, NV},
    {exec_fsqrt_s, FRM_RNE, BOX | S_NINF, 0, 0, BOX | S_QNAN, NV},
    {exec_fsqrt_s, FRM_RNE, BOX | S_INF, 0, 0, BOX | S_INF, 0},
    {exec_fsqrt_d, FRM_RNE, D_MONE, 0, 0, D_QNAN, NV},
    {exec_fsqrt_d, FRM_RNE, D_SNAN, 0, 0, D_QNAN, NV},
};

START_TEST(test_sqrt)
{
    check_f_case(&sqrt_cases[_i]);
}
END_TEST

/*
 * Fused multiply-add, a=f1, b=f2, c=f4. 2*3 = 6:
 *   fmadd 6+1 = 7 = 1.75*4 -> 0x40e00000, fmsub 6-1 = 5 = 1.25*4 -> 0x40a00000,
 *   fnmsub -6+1 = -5 -> 0xc0a00000, fnmadd -6-1 = -7 -> 0xc0e00000.
 * One rounding: (1+2^-23)(1-2^-23) - 1 = -2^-46 exactly (a separate
 *   multiply would round 1-2^-46 to 1 and give 0). 1-2^-23 = 0x3f7ffffe;
 *   -2^-46: exp -46 -> 81 = 0x51 -> 0xa8800000. No flags.
 * 0*inf + c is NV even when c is a quiet NaN (§11.6); inf + -inf is NV.
 */
static const struct fp_case fma_cases[] = {
    {exec_fmadd_s, FRM_RNE, BOX | S_TWO, BOX | S_THREE, BOX | S_ONE, BOX | 0x40e00000ull, 0},
    {exec_fmsub_s, FRM_RNE, BOX | S_TWO, BOX | S_THREE, BOX | S_ONE, BOX | 0x40a00000ull, 0},
    {exec_fnmsub_s, FRM_RNE, BOX | S_TWO, BOX | S_THREE, BOX | S_ONE, BOX | 0xc0a00000ull, 0},
    {exec_fnmadd_s, FRM_RNE, BOX | S_TWO, BOX | S_THREE, BOX | S_ONE, BOX | 0xc0e00000ull, 0},
    {exec_fmadd_s, FRM_RNE, BOX | 0x3f800001ull, BOX | 0x3f7ffffeull, BOX | S_MONE,
     BOX | 0xa8800000ull, 0},
    {exec_fmadd_s, FRM_RNE, BOX | 0, BOX | S_INF, BOX | S_QNAN, BOX | S_QNAN, NV},
    {exec_fmadd_s, FRM_RNE, BOX | S_INF, BOX | S_ONE, BOX | S_NINF, BOX | S_QNAN, NV},
    {exec_fmadd_d, FRM_RNE, 0, D_INF, D_QNAN, D_QNAN, NV},
    {exec_fmadd_d, FRM_RNE, 0, D_INF, D_ONE, D_QNAN, NV},
    /* 3*3 + 1 = 10 = 1.25*8: exp 3 -> 0x402, fraction .01 -> 0x4024000000000000 */
    {exec_fmadd_d, FRM_RNE, D_THREE, D_THREE, D_ONE, 0x4024000000000000ull, 0},
    /* 1*1 - 1 = +0 in RNE, -0 in RDN */
    {exec_fmsub_d, FRM_RNE, D_ONE, D_ONE, D_ONE, 0, 0},
    {exec_fmsub_d, FRM_RDN, D_ONE, D_ONE, D_ONE, 0x8000000000000000ull, 0},
};

START_TEST(test_fma)
{
    check_f_case(&fma_cases[_i]);
}
END_TEST

/* -------------------------------------------------- core: sign, min, max, compare */

/*
 * fmin/fmax (§11.6): -0 < +0; one NaN -> the other operand; both NaN ->
 * canonical NaN (not the payload 0x7fc12345); an sNaN operand raises NV.
 * fsgnj: bit operations on the sign bit only, no flags, NaNs kept as they are.
 */
static const struct fp_case minmax_cases[] = {
    {exec_fmin_s, FRM_RNE, BOX | S_NZERO, BOX | 0, 0, BOX | S_NZERO, 0},
    {exec_fmin_s, FRM_RNE, BOX | 0, BOX | S_NZERO, 0, BOX | S_NZERO, 0},
    {exec_fmax_s, FRM_RNE, BOX | S_NZERO, BOX | 0, 0, BOX | 0, 0},
    {exec_fmin_s, FRM_RNE, BOX | S_QNAN, BOX | S_ONE, 0, BOX | S_ONE, 0},
    {exec_fmax_s, FRM_RNE, BOX | S_ONE, BOX | S_SNAN, 0, BOX | S_ONE, NV},
    {exec_fmin_s, FRM_RNE, BOX | 0x7fc12345ull, BOX | S_QNAN, 0, BOX | S_QNAN, 0},
    {exec_fmin_s, FRM_RNE, BOX | S_MONE, BOX | S_ONE, 0, BOX | S_MONE, 0},
    {exec_fmax_d, FRM_RNE, D_MONE, D_ONE, 0, D_ONE, 0},
    {exec_fmin_d, FRM_RNE, 0x8000000000000000ull, 0, 0, 0x8000000000000000ull, 0},
    {exec_fmax_d, FRM_RNE, D_SNAN, D_QNAN, 0, D_QNAN, NV},
    {exec_fsgnj_s, FRM_RNE, BOX | S_ONE, BOX | S_MONE, 0, BOX | S_MONE, 0},
    {exec_fsgnjn_s, FRM_RNE, BOX | S_ONE, BOX | S_MONE, 0, BOX | S_ONE, 0},
    {exec_fsgnjx_s, FRM_RNE, BOX | S_MONE, BOX | S_MONE, 0, BOX | S_ONE, 0},
    {exec_fsgnj_s, FRM_RNE, BOX | S_SNAN, BOX | S_MONE, 0, BOX | 0xff800001ull, 0},
    {exec_fsgnjn_d, FRM_RNE, D_ONE, D_ONE, 0, D_MONE, 0},
    {exec_fsgnjx_d, FRM_RNE, D_MONE, D_ONE, 0, D_MONE, 0},
};

START_TEST(test_minmax_sgnj)
{
    check_f_case(&minmax_cases[_i]);
}
END_TEST

/*
 * feq is quiet (NV only for an sNaN); flt/fle signal NV for any NaN.
 * -0 == +0; -0 < +0 is false; -0 <= +0 is true.
 */
static const struct fp_case compare_cases[] = {
    {exec_feq_s, FRM_RNE, BOX | S_ONE, BOX | S_ONE, 0, 1, 0},
    {exec_feq_s, FRM_RNE, BOX | S_NZERO, BOX | 0, 0, 1, 0},
    {exec_feq_s, FRM_RNE, BOX | S_QNAN, BOX | S_ONE, 0, 0, 0},
    {exec_feq_s, FRM_RNE, BOX | S_SNAN, BOX | S_ONE, 0, 0, NV},
    {exec_flt_s, FRM_RNE, BOX | S_QNAN, BOX | S_ONE, 0, 0, NV},
    {exec_fle_s, FRM_RNE, BOX | S_ONE, BOX | S_QNAN, 0, 0, NV},
    {exec_flt_s, FRM_RNE, BOX | S_NZERO, BOX | 0, 0, 0, 0},
    {exec_fle_s, FRM_RNE, BOX | S_NZERO, BOX | 0, 0, 1, 0},
    {exec_flt_s, FRM_RNE, BOX | S_MONE, BOX | S_ONE, 0, 1, 0},
    {exec_flt_s, FRM_RNE, BOX | S_ONE, BOX | S_MONE, 0, 0, 0},
    {exec_fle_s, FRM_RNE, BOX | S_NINF, BOX | S_MONE, 0, 1, 0},
    {exec_flt_d, FRM_RNE, D_MONE, 0xc000000000000000ull, 0, 0, 0}, /* -1 < -2? no */
    {exec_flt_d, FRM_RNE, 0xc000000000000000ull, D_MONE, 0, 1, 0}, /* -2 < -1 */
    {exec_fle_d, FRM_RNE, D_ONE, D_ONE, 0, 1, 0},
    {exec_feq_d, FRM_RNE, D_QNAN, D_QNAN, 0, 0, 0},
    {exec_feq_d, FRM_RNE, D_SNAN, D_ONE, 0, 0, NV},
};

START_TEST(test_compare)
{
    check_x_case(&compare_cases[_i]);
}
END_TEST

/* fclass (§11.9 Table 11.5): one bit per class, in this order. */
static const struct fp_case class_cases[] = {
    {exec_fclass_s, FRM_RNE, BOX | S_NINF, 0, 0, 1u << 0, 0},
    {exec_fclass_s, FRM_RNE, BOX | S_MONE, 0, 0, 1u << 1, 0},
    {exec_fclass_s, FRM_RNE, BOX | 0x80000001ull, 0, 0, 1u << 2, 0}, /* -2^-149 */
    {exec_fclass_s, FRM_RNE, BOX | S_NZERO, 0, 0, 1u << 3, 0},
    {exec_fclass_s, FRM_RNE, BOX | 0, 0, 0, 1u << 4, 0},
    {exec_fclass_s, FRM_RNE, BOX | 0x007fffffull, 0, 0, 1u << 5, 0}, /* largest subnormal */
    {exec_fclass_s, FRM_RNE, BOX | S_MINNORM, 0, 0, 1u << 6, 0},
    {exec_fclass_s, FRM_RNE, BOX | S_INF, 0, 0, 1u << 7, 0},
    {exec_fclass_s, FRM_RNE, BOX | S_SNAN, 0, 0, 1u << 8, 0},
    {exec_fclass_s, FRM_RNE, BOX | 0xffc00000ull, 0, 0, 1u << 9, 0}, /* negative qNaN */
    {exec_fclass_d, FRM_RNE, 0xfff0000000000000ull, 0, 0, 1u << 0, 0},
    {exec_fclass_d, FRM_RNE, D_MONE, 0, 0, 1u << 1, 0},
    {exec_fclass_d, FRM_RNE, 0x800fffffffffffffull, 0, 0, 1u << 2, 0},
    {exec_fclass_d, FRM_RNE, 0x8000000000000000ull, 0, 0, 1u << 3, 0},
    {exec_fclass_d, FRM_RNE, 0, 0, 0, 1u << 4, 0},
    {exec_fclass_d, FRM_RNE, 1, 0, 0, 1u << 5, 0},
    {exec_fclass_d, FRM_RNE, D_MAX, 0, 0, 1u << 6, 0},
    {exec_fclass_d, FRM_RNE, D_INF, 0, 0, 1u << 7, 0},
    {exec_fclass_d, FRM_RNE, D_SNAN, 0, 0, 1u << 8, 0},
    {exec_fclass_d, FRM_RNE, D_QNAN, 0, 0, 1u << 9, 0},
};

START_TEST(test_fclass)
{
    check_x_case(&class_cases[_i]);
}
END_TEST

/* ------------------------------------------------------ core: conversions */

/*
 * fcvt to integer (§11.7, Table 11.4). x results of the W forms are
 * sign-extended, WU included.
 * 2^31 (exp 31 -> 158 = 0x9e -> 0x4f000000) does not fit int32: 0x7fffffff, NV.
 * -2^31 (0xcf000000) fits exactly: 0xffffffff80000000.
 * -0.5 (0xbf000000): RDN -> -1, RMM -> -1 (away), RNE -> 0 (tie to even),
 *   RTZ and RUP -> 0; NX each time.
 * 2.5 (f64: 1.25*2 -> 0x4004000000000000): RNE -> 2, RMM -> 3, NX.
 * NaN -> largest positive; -inf -> most negative; -1 to unsigned -> 0, NV.
 * 4294967040.0 = (2^24-1)*2^8 (0x4f7fffff) -> wu 0xffffff00, sign-extended.
 */
static const struct fp_case to_int_cases[] = {
    {exec_fcvt_w_s, FRM_RTZ, BOX | 0x4f000000ull, 0, 0, 0x7fffffffull, NV},
    {exec_fcvt_w_s, FRM_RTZ, BOX | 0xcf000000ull, 0, 0, 0xffffffff80000000ull, 0},
    {exec_fcvt_w_s, FRM_RDN, BOX | 0xbf000000ull, 0, 0, ~0ull, NX},
    {exec_fcvt_w_s, FRM_RMM, BOX | 0xbf000000ull, 0, 0, ~0ull, NX},
    {exec_fcvt_w_s, FRM_RNE, BOX | 0xbf000000ull, 0, 0, 0, NX},
    {exec_fcvt_w_s, FRM_RTZ, BOX | 0xbf000000ull, 0, 0, 0, NX},
    {exec_fcvt_w_s, FRM_RUP, BOX | 0xbf000000ull, 0, 0, 0, NX},
    {exec_fcvt_l_d, FRM_RNE, 0x4004000000000000ull, 0, 0, 2, NX},
    {exec_fcvt_l_d, FRM_RMM, 0x4004000000000000ull, 0, 0, 3, NX},
    {exec_fcvt_l_d, FRM_RUP, 0x4004000000000000ull, 0, 0, 3, NX},
    {exec_fcvt_w_s, FRM_RNE, BOX | S_QNAN, 0, 0, 0x7fffffffull, NV},
    {exec_fcvt_wu_s, FRM_RNE, BOX | S_QNAN, 0, 0, ~0ull, NV},
    {exec_fcvt_l_s, FRM_RNE, BOX | S_NINF, 0, 0, 0x8000000000000000ull, NV},
    {exec_fcvt_lu_s, FRM_RNE, BOX | S_INF, 0, 0, ~0ull, NV},
    {exec_fcvt_wu_s, FRM_RNE, BOX | S_MONE, 0, 0, 0, NV},
    {exec_fcvt_wu_s, FRM_RNE, BOX | 0x4f7fffffull, 0, 0, 0xffffffffffffff00ull, 0},
    {exec_fcvt_lu_d, FRM_RTZ, 0xbfe0000000000000ull, 0, 0, 0, NX},     /* -0.5 -> 0 fits */
    {exec_fcvt_wu_d, FRM_RNE, 0x41f0000000000000ull, 0, 0, ~0ull, NV}, /* 2^32 */
    {exec_fcvt_w_d, FRM_RNE, D_MONE, 0, 0, ~0ull, 0},
    {exec_fcvt_l_d, FRM_RNE, 0x43e0000000000000ull, 0, 0, 0x7fffffffffffffffull, NV}, /* 2^63 */
    {exec_fcvt_l_d, FRM_RNE, 0xc3e0000000000000ull, 0, 0, 0x8000000000000000ull, 0},  /* -2^63 */
};

START_TEST(test_to_int)
{
    check_x_case(&to_int_cases[_i]);
}
END_TEST

/*
 * fcvt from integer.
 * 2^24+1 = 16777217 needs 25 bits: a tie between 2^24 (0x4b800000: exp 24 ->
 *   151 = 0x97) and 2^24+2 (0x4b800001): RNE -> even 0x4b800000, RMM -> ...001.
 * wu of 0xffffffff = 2^32-1: RNE -> 2^32 (exp 32 -> 0x9f -> 0x4f800000), RTZ ->
 *   0x4f7fffff; only the low 32 bits of x count.
 * w of 0xffffffff00000005 = 5 = 1.25*4 -> 0x40a00000.
 * d.l of -1 -> 0xbff0000000000000; d.lu of 2^64-1: RNE 2^64 (exp 64 -> 0x43f),
 *   RTZ 0x43efffffffffffff.
 */
START_TEST(test_from_int)
{
    unsigned flags;

    ck_assert_uint_eq(x_to_fp(exec_fcvt_s_w, FRM_RNE, 16777217, &flags), BOX | 0x4b800000ull);
    ck_assert_uint_eq(flags, NX);
    ck_assert_uint_eq(x_to_fp(exec_fcvt_s_w, FRM_RMM, 16777217, &flags), BOX | 0x4b800001ull);
    ck_assert_uint_eq(flags, NX);
    ck_assert_uint_eq(x_to_fp(exec_fcvt_s_wu, FRM_RNE, ~0ull, &flags), BOX | 0x4f800000ull);
    ck_assert_uint_eq(flags, NX);
    ck_assert_uint_eq(x_to_fp(exec_fcvt_s_wu, FRM_RTZ, 0xffffffffull, &flags), BOX | 0x4f7fffffull);
    ck_assert_uint_eq(flags, NX);
    ck_assert_uint_eq(x_to_fp(exec_fcvt_s_w, FRM_RNE, 0xffffffff00000005ull, &flags),
                      BOX | 0x40a00000ull);
    ck_assert_uint_eq(flags, 0);
    ck_assert_uint_eq(x_to_fp(exec_fcvt_d_l, FRM_RNE, ~0ull, &flags), D_MONE);
    ck_assert_uint_eq(flags, 0);
    ck_assert_uint_eq(x_to_fp(exec_fcvt_d_lu, FRM_RNE, ~0ull, &flags), 0x43f0000000000000ull);
    ck_assert_uint_eq(flags, NX);
    ck_assert_uint_eq(x_to_fp(exec_fcvt_d_lu, FRM_RTZ, ~0ull, &flags), 0x43efffffffffffffull);
    ck_assert_uint_eq(flags, NX);
    ck_assert_uint_eq(x_to_fp(exec_fcvt_s_l, FRM_RNE, 0, &flags), BOX | 0);
    ck_assert_uint_eq(x_to_fp(exec_fcvt_d_w, FRM_RNE, 0x80000000ull, &flags),
                      0xc1e0000000000000ull); /* low word as int32 = -2^31: exp 31 -> 0x41e */
    ck_assert_uint_eq(x_to_fp(exec_fcvt_d_wu, FRM_RNE, 0x80000000ull, &flags),
                      0x41e0000000000000ull); /* +2^31 */
}
END_TEST

/*
 * Between formats. f32 1/3 = 0x3eaaaaab -> f64: exp 0x3fd, the 23 fraction
 * bits 0x2aaaab moved up by 52-23 = 29: 0x5555560000000 -> 0x3fd5555560000000.
 * f64 1/3 -> f32: RNE 0x3eaaaaab, RTZ 0x3eaaaaaa. sNaN -> canonical NaN, NV.
 * f64 max -> f32: overflow, inf in RNE, f32 max in RTZ.
 */
static const struct fp_case convert_cases[] = {
    {exec_fcvt_d_s, FRM_RNE, BOX | 0x3eaaaaabull, 0, 0, 0x3fd5555560000000ull, 0},
    {exec_fcvt_d_s, FRM_RNE, BOX | S_SNAN, 0, 0, D_QNAN, NV},
    {exec_fcvt_d_s, FRM_RNE, BOX | S_NINF, 0, 0, 0xfff0000000000000ull, 0},
    {exec_fcvt_s_d, FRM_RNE, 0x3fd5555555555555ull, 0, 0, BOX | 0x3eaaaaabull, NX},
    {exec_fcvt_s_d, FRM_RTZ, 0x3fd5555555555555ull, 0, 0, BOX | 0x3eaaaaaaull, NX},
    {exec_fcvt_s_d, FRM_RNE, D_SNAN, 0, 0, BOX | S_QNAN, NV},
    {exec_fcvt_s_d, FRM_RNE, D_MAX, 0, 0, BOX | S_INF, OF | NX},
    {exec_fcvt_s_d, FRM_RTZ, D_MAX, 0, 0, BOX | S_MAX, OF | NX},
    {exec_fcvt_s_d, FRM_RNE, D_ONE, 0, 0, BOX | S_ONE, 0},
};

START_TEST(test_convert)
{
    check_f_case(&convert_cases[_i]);
}
END_TEST

/* --------------------------------------------------- core: moves, boxing, state */

/*
 * fmv.x.w copies the low word and sign-extends it, without un-boxing
 * (§12.2: a narrower transfer ignores the upper bits). fmv.w.x NaN-boxes.
 */
START_TEST(test_moves)
{
    struct rig r;

    rig_init(&r, 0);
    r.in.rd = 5;
    r.h.f[1] = BOX | S_MONE;
    run_ok(&r, exec_fmv_x_w);
    ck_assert_uint_eq(r.h.x[5], 0xffffffffbf800000ull);

    rig_init(&r, 0);
    r.in.rd = 5;
    r.h.f[1] = 0x1234567880000000ull; /* not boxed: still the raw low word */
    run_ok(&r, exec_fmv_x_w);
    ck_assert_uint_eq(r.h.x[5], 0xffffffff80000000ull);

    rig_init(&r, 0);
    r.in.rd = 5;
    r.h.f[1] = BOX | S_ONE;
    run_ok(&r, exec_fmv_x_w);
    ck_assert_uint_eq(r.h.x[5], 0x3f800000ull);

    rig_init(&r, 0);
    r.in.rs1 = 6;
    r.h.x[6] = 0x123456789abcdef0ull;
    run_ok(&r, exec_fmv_w_x);
    ck_assert_uint_eq(r.h.f[3], 0xffffffff9abcdef0ull);
    rig_init(&r, 0);
    r.in.rs1 = 6;
    r.h.x[6] = 0x123456789abcdef0ull;
    run_ok(&r, exec_fmv_d_x);
    ck_assert_uint_eq(r.h.f[3], 0x123456789abcdef0ull);
}
END_TEST

/*
 * NaN-boxing (§12.2): an f32 operand whose upper 32 bits are not all ones
 * reads as the canonical NaN. fadd.s of an unboxed 1.0 and 1.0 gives the
 * canonical NaN (quiet: no NV); fclass.s sees a quiet NaN; fsgnj.s
 * un-boxes too, then sets the sign: 0xffc00000.
 */
START_TEST(test_nan_boxing)
{
    unsigned flags;

    ck_assert_uint_eq(fp3(exec_fadd_s, FRM_RNE, S_ONE, BOX | S_ONE, 0, &flags), BOX | S_QNAN);
    ck_assert_uint_eq(flags, 0);
    ck_assert_uint_eq(fp3(exec_fadd_s, FRM_RNE, 0xfffffffe3f800000ull, BOX | S_ONE, 0, &flags),
                      BOX | S_QNAN);
    ck_assert_uint_eq(fp_to_x(exec_fclass_s, FRM_RNE, S_ONE, 0, &flags), 1u << 9);
    ck_assert_uint_eq(fp3(exec_fsgnj_s, FRM_RNE, S_ONE, BOX | S_MONE, 0, &flags),
                      BOX | 0xffc00000ull);
    /* a NaN result never carries a payload: qNaN 0x7fc12345 + 1 -> 0x7fc00000 */
    ck_assert_uint_eq(fp3(exec_fadd_s, FRM_RNE, BOX | 0x7fc12345ull, BOX | S_ONE, 0, &flags),
                      BOX | S_QNAN);
    ck_assert_uint_eq(flags, 0);
    /* the same register used as f64 is just bits: 0xffffffff3f800000 is a NaN */
    ck_assert_uint_eq(fp_to_x(exec_fclass_d, FRM_RNE, BOX | S_ONE, 0, &flags), 1u << 9);
}
END_TEST

/*
 * State: a write to an f register makes mstatus.FS Dirty (3) and sets SD;
 * fflags accumulate (OR) across instructions; an integer-result op without
 * flags leaves FS alone; rm = 7 takes frm.
 */
START_TEST(test_fs_dirty_and_fflags)
{
    struct rig r;

    rig_init(&r, FRM_RNE);
    r.h.f[1] = BOX | S_ONE;
    r.h.f[2] = BOX | S_ONE;
    r.in.rd = 5;
    run_ok(&r, exec_feq_s); /* 1 == 1, no flags, no f write */
    ck_assert_uint_eq(r.h.x[5], 1);
    ck_assert_uint_eq(r.h.csr.mstatus, FS_ON);

    rig_init(&r, FRM_RNE);
    r.h.csr.fflags = NX;
    r.h.f[1] = BOX | S_MONE;
    run_ok(&r, exec_fsqrt_s);
    ck_assert_uint_eq(r.h.csr.fflags, NX | NV);
    ck_assert_uint_eq(r.h.csr.mstatus & MSTATUS_FS, MSTATUS_FS); /* Dirty = 3 */
    ck_assert(r.h.csr.mstatus & MSTATUS_SD);

    rig_init(&r, FRM_DYN);
    r.h.csr.frm = FRM_RUP;
    r.h.f[1] = D_ONE;
    r.h.f[2] = D_THREE;
    run_ok(&r, exec_fdiv_d);
    ck_assert_uint_eq(r.h.f[3], 0x3fd5555555555556ull); /* 1/3 rounded up, see div_cases */

    rig_init(&r, FRM_DYN);
    r.h.csr.frm = FRM_RMM;
    r.h.f[1] = BOX | S_ONE;
    r.h.f[2] = BOX | 0x33800000ull;
    run_ok(&r, exec_fadd_s);
    ck_assert_uint_eq(r.h.f[3], BOX | 0x3f800001ull); /* the RMM tie, see add_cases */
}
END_TEST

/* ---------------------------------------------------------------- bad_input */

static void check_illegal(struct rig *r, exec_fn fn)
{
    uint64_t mstatus = r->h.csr.mstatus;

    r->in.exec = fn;
    ck_assert_int_eq(cpu_exec_one(&r->h, &r->in), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(r->exit.reason, EXIT_GUEST_TRAP);
    ck_assert_uint_eq(r->exit.trap.cause, CAUSE_ILLEGAL_INSTRUCTION);
    ck_assert_uint_eq(r->exit.trap.tval, r->in.raw);
    ck_assert_uint_eq(r->h.pc, 0x80000000ull); /* not retired */
    ck_assert_uint_eq(r->h.f[3], 0);           /* nothing written */
    ck_assert_uint_eq(r->h.csr.fflags, 0);
    ck_assert_uint_eq(r->h.csr.mstatus, mstatus);
}

/* Every F/D instruction with mstatus.FS = Off is illegal (Privileged §3.1.6.6). */
static const exec_fn all_execs[] = {
    exec_flw,       exec_fsw,       exec_fld,      exec_fsd,       exec_fmadd_s,   exec_fmsub_s,
    exec_fnmsub_s,  exec_fnmadd_s,  exec_fadd_s,   exec_fsub_s,    exec_fmul_s,    exec_fdiv_s,
    exec_fsqrt_s,   exec_fsgnj_s,   exec_fsgnjn_s, exec_fsgnjx_s,  exec_fmin_s,    exec_fmax_s,
    exec_fcvt_w_s,  exec_fcvt_wu_s, exec_fcvt_l_s, exec_fcvt_lu_s, exec_fmv_x_w,   exec_feq_s,
    exec_flt_s,     exec_fle_s,     exec_fclass_s, exec_fcvt_s_w,  exec_fcvt_s_wu, exec_fcvt_s_l,
    exec_fcvt_s_lu, exec_fmv_w_x,   exec_fmadd_d,  exec_fmsub_d,   exec_fnmsub_d,  exec_fnmadd_d,
    exec_fadd_d,    exec_fsub_d,    exec_fmul_d,   exec_fdiv_d,    exec_fsqrt_d,   exec_fsgnj_d,
    exec_fsgnjn_d,  exec_fsgnjx_d,  exec_fmin_d,   exec_fmax_d,    exec_fcvt_s_d,  exec_fcvt_d_s,
    exec_feq_d,     exec_flt_d,     exec_fle_d,    exec_fclass_d,  exec_fcvt_w_d,  exec_fcvt_wu_d,
    exec_fcvt_l_d,  exec_fcvt_lu_d, exec_fmv_x_d,  exec_fcvt_d_w,  exec_fcvt_d_wu, exec_fcvt_d_l,
    exec_fcvt_d_lu, exec_fmv_d_x,
};

START_TEST(test_fs_off)
{
    struct rig r;

    rig_init(&r, FRM_RNE);
    r.h.csr.mstatus = 0;
    r.h.f[1] = BOX | S_ONE;
    r.h.f[2] = BOX | S_ONE;
    check_illegal(&r, all_execs[_i]);
}
END_TEST

/*
 * Reserved rounding modes (§11.2): funct3 5 and 6, and rm = 7 with frm 5..7,
 * are illegal for every instruction that rounds.
 */
static const exec_fn rounding_execs[] = {
    exec_fadd_s,    exec_fsub_d,   exec_fmul_s,   exec_fdiv_d,    exec_fsqrt_s,
    exec_fmadd_d,   exec_fnmadd_s, exec_fcvt_w_s, exec_fcvt_lu_d, exec_fcvt_s_w,
    exec_fcvt_d_lu, exec_fcvt_s_d, exec_fcvt_d_s,
};

START_TEST(test_reserved_rm)
{
    static const unsigned frm_bad[] = {5, 6, 7};
    struct rig r;
    unsigned i;

    for (i = 5; i <= 6; i++) {
        rig_init(&r, i);
        r.h.f[1] = BOX | S_ONE;
        check_illegal(&r, rounding_execs[_i]);
    }
    for (i = 0; i < 3; i++) {
        rig_init(&r, FRM_DYN);
        r.h.csr.frm = frm_bad[i];
        r.h.f[1] = BOX | S_ONE;
        check_illegal(&r, rounding_execs[_i]);
    }
}
END_TEST

/* rd = x0 arrives as the sink x[32]: x0 stays 0. */
START_TEST(test_rd_x0_sink)
{
    struct rig r;

    rig_init(&r, FRM_RTZ);
    r.in.rd = 32;
    r.h.f[1] = BOX | S_THREE;
    run_ok(&r, exec_fcvt_w_s);
    ck_assert_uint_eq(r.h.x[0], 0);
    ck_assert_uint_eq(r.h.x[32], 3);
}
END_TEST

/* Guest values that must not misbehave: the extremes of every field. */
static const struct fp_case extreme_cases[] = {
    /* largest subnormal + smallest subnormal = 2^-126 exactly: 0x007fffff + 1 */
    {exec_fadd_s, FRM_RNE, BOX | 0x007fffffull, BOX | S_MINSUB, 0, BOX | S_MINNORM, 0},
    /* min subnormal * min subnormal = 2^-298: 0 in RNE, 2^-149 in RUP */
    {exec_fmul_s, FRM_RNE, BOX | S_MINSUB, BOX | S_MINSUB, 0, BOX | 0, UF | NX},
    {exec_fmul_s, FRM_RUP, BOX | S_MINSUB, BOX | S_MINSUB, 0, BOX | S_MINSUB, UF | NX},
    /* max / min subnormal = overflow */
    {exec_fdiv_s, FRM_RNE, BOX | S_MAX, BOX | S_MINSUB, 0, BOX | S_INF, OF | NX},
    /* f64: max + max overflows; 2^-1074 squared underflows to 0 */
    {exec_fadd_d, FRM_RNE, D_MAX, D_MAX, 0, D_INF, OF | NX},
    {exec_fmul_d, FRM_RNE, 1, 1, 0, 0, UF | NX},
    /* sqrt of the smallest subnormal 2^-1074 = 2^-537: exp -537 -> 486 = 0x1e6 */
    {exec_fsqrt_d, FRM_RNE, 1, 0, 0, 0x1e60000000000000ull, 0},
    /* sNaN anywhere in fma: NV, canonical NaN */
    {exec_fmadd_d, FRM_RNE, D_ONE, D_ONE, D_SNAN, D_QNAN, NV},
};

START_TEST(test_extremes)
{
    check_f_case(&extreme_cases[_i]);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *fp_suite(void)
{
    Suite *s = suite_create("fp");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_loop_test(core, test_div_modes, 0, N(div_cases));
    tcase_add_loop_test(core, test_add_ties, 0, N(add_cases));
    tcase_add_loop_test(core, test_overflow, 0, N(overflow_cases));
    tcase_add_loop_test(core, test_underflow, 0, N(underflow_cases));
    tcase_add_test(core, test_tininess_after_rounding);
    tcase_add_loop_test(core, test_sqrt, 0, N(sqrt_cases));
    tcase_add_loop_test(core, test_fma, 0, N(fma_cases));
    tcase_add_loop_test(core, test_minmax_sgnj, 0, N(minmax_cases));
    tcase_add_loop_test(core, test_compare, 0, N(compare_cases));
    tcase_add_loop_test(core, test_fclass, 0, N(class_cases));
    tcase_add_loop_test(core, test_to_int, 0, N(to_int_cases));
    tcase_add_test(core, test_from_int);
    tcase_add_loop_test(core, test_convert, 0, N(convert_cases));
    tcase_add_test(core, test_moves);
    tcase_add_test(core, test_nan_boxing);
    tcase_add_test(core, test_fs_dirty_and_fflags);
    suite_add_tcase(s, core);

    tcase_add_loop_test(bad, test_fs_off, 0, N(all_execs));
    tcase_add_loop_test(bad, test_reserved_rm, 0, N(rounding_execs));
    tcase_add_test(bad, test_rd_x0_sink);
    tcase_add_loop_test(bad, test_extremes, 0, N(extreme_cases));
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fp_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
