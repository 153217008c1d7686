/*
 * cpu/exec_fp.c - the execute functions of the F and D extensions: the
 * guards (mstatus.FS, rounding mode), NaN-boxing of single-precision values
 * in the 64-bit f registers, fflags accrual, and the call into the integer
 * IEEE 754 arithmetic of cpu/softfloat.c.
 * Course: 处理器虚拟化 / 解释执行 (each instruction reads like the spec's
 *         pseudocode); 虚拟寄存器 (the f registers and fcsr are part of the
 *         vCPU state the VMM keeps, mstatus.FS tracks when they are dirty).
 * Spec: Unprivileged 20191213, §11 "F Standard Extension for
 *       Single-Precision Floating-Point, Version 2.2", §12 "D Standard
 *       Extension for Double-Precision Floating-Point, Version 2.2"
 *       (§12.2 "NaN Boxing of Narrower Values"); Privileged 20211203,
 *       §3.1.6.6 "Extension Context Status in mstatus Register".
 * Simplified: FS is only "off" or "on" for the guard (any write makes it
 *       Dirty, as the spec allows); an invalid rounding mode is checked by
 *       every instruction that has an rm field, also the exact ones
 *       (fcvt.d.s, fcvt.d.w), as QEMU does.
 */
#include "cpu/exec.h"

#include "cpu/internal.h"
#include "cpu/softfloat.h"

#define NAN_BOX_MASK 0xffffffff00000000ull

/* ------------------------------------------------- registers and guards */

/*
 * §12.2: a binary32 in a 64-bit f register is valid only if bits 63:32 are
 * all ones; otherwise the operand reads as the canonical NaN.
 */
static uint64_t read_f(const struct hart *h, unsigned reg, enum sf_format fmt)
{
    uint64_t bits = h->f[reg & 31];

    if (fmt == SF_F64) {
        return bits;
    }
    return (bits & NAN_BOX_MASK) == NAN_BOX_MASK ? (uint32_t)bits : SF_CANON_NAN32;
}

/* Results of binary32 ops are NaN-boxed; any f write makes mstatus.FS Dirty. */
static void write_f(struct hart *h, unsigned reg, enum sf_format fmt, uint64_t bits)
{
    h->f[reg & 31] = fmt == SF_F64 ? bits : NAN_BOX_MASK | (uint32_t)bits;
    fp_set_dirty(h);
}

/* Integer destination: decode gives x0 as the sink x[32]. */
static void write_x(struct hart *h, unsigned reg, uint64_t val)
{
    h->x[reg <= 32 ? reg : 32] = val;
}

static uint64_t sext32(uint64_t val)
{
    return (uint64_t)(int64_t)(int32_t)(uint32_t)val;
}

/*
 * Guard of every F/D instruction with an rm field: the FPU must be on
 * (mstatus.FS != Off, else illegal), and the rounding mode valid: funct3
 * 5 and 6 are reserved, 7 means frm, and frm 5..7 is reserved (§11.2).
 * Returns false when the instruction must raise illegal instruction.
 */
static bool fp_begin_rounded(const struct hart *h, const struct insn *in, struct sf_env *env)
{
    unsigned rm = in->rm == FRM_DYN ? (unsigned)h->csr.frm : in->rm;

    env->rm = rm;
    env->flags = 0;
    return fp_enabled(h) && rm <= FRM_RMM;
}

/* Guard of the instructions without rounding (moves, sign injection, compares, ...). */
static bool fp_begin(const struct hart *h, struct sf_env *env)
{
    env->rm = FRM_RNE;
    env->flags = 0;
    return fp_enabled(h);
}

/* Retire: accrue the exception flags into fcsr (that dirties FS too), advance pc. */
static int fp_retire(struct hart *h, const struct insn *in, const struct sf_env *env)
{
    if (env->flags != 0) {
        h->csr.fflags |= env->flags;
        fp_set_dirty(h);
    }
    h->pc += in->len;
    return exec_next(h, in);
}

/* An F/D instruction whose rounding mode is reserved (or FS is off): illegal. */
int exec_fp_illegal_rm(struct hart *h, const struct insn *in)
{
    return cpu_illegal(h, in);
}

/* ----------------------------------------------------- loads and stores */

/* FLW/FLD: f[rd] = M[x[rs1] + imm], a word NaN-boxed (§11.5, §12.3). */
static int fp_load(struct hart *h, const struct insn *in, unsigned size)
{
    gva_t gva = h->x[in->rs1] + (uint64_t)in->imm;
    uint64_t val;
    int rc;

    if (!fp_enabled(h)) {
        return cpu_illegal(h, in);
    }
    rc = mem_load(h, gva, size, &val);
    if (rc == EXIT_MMIO) {
        cpu_mmio_load_pending(h, in, size, false, true);
        return EXIT_MMIO;
    }
    if (rc != 0) {
        return rc;
    }
    write_f(h, in->rd, size == 4 ? SF_F32 : SF_F64, val);
    h->pc += in->len;
    return exec_next_checked(h, in);
}

/* FSW/FSD: M[x[rs1] + imm] = low bits of f[rs2], upper bits ignored (§12.2). */
static int fp_store(struct hart *h, const struct insn *in, unsigned size)
{
    gva_t gva = h->x[in->rs1] + (uint64_t)in->imm;
    uint64_t val = h->f[in->rs2 & 31];
    int rc;

    if (!fp_enabled(h)) {
        return cpu_illegal(h, in);
    }
    rc = mem_store(h, gva, size, size == 4 ? (uint32_t)val : val);
    if (rc != 0) {
        return rc;
    }
    h->pc += in->len;
    return exec_next_checked(h, in);
}

int exec_flw(struct hart *h, const struct insn *in)
{
    return fp_load(h, in, 4);
}
int exec_fld(struct hart *h, const struct insn *in)
{
    return fp_load(h, in, 8);
}
int exec_fsw(struct hart *h, const struct insn *in)
{
    return fp_store(h, in, 4);
}
int exec_fsd(struct hart *h, const struct insn *in)
{
    return fp_store(h, in, 8);
}

/* ----------------------------------------------------------- arithmetic */

typedef uint64_t (*sf_binary_fn)(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);

/* f[rd] = f[rs1] op f[rs2], rounded (FADD, FSUB, FMUL, FDIV). */
static int fp_binary(struct hart *h, const struct insn *in, enum sf_format fmt, sf_binary_fn op)
{
    struct sf_env env;

    if (!fp_begin_rounded(h, in, &env)) {
        return exec_fp_illegal_rm(h, in);
    }
    write_f(h, in->rd, fmt, op(fmt, read_f(h, in->rs1, fmt), read_f(h, in->rs2, fmt), &env));
    return fp_retire(h, in, &env);
}

/* FSQRT: f[rd] = sqrt(f[rs1]). */
static int fp_sqrt(struct hart *h, const struct insn *in, enum sf_format fmt)
{
    struct sf_env env;

    if (!fp_begin_rounded(h, in, &env)) {
        return exec_fp_illegal_rm(h, in);
    }
    write_f(h, in->rd, fmt, sf_sqrt(fmt, read_f(h, in->rs1, fmt), &env));
    return fp_retire(h, in, &env);
}

/*
 * The fused multiply-adds (§11.6), one rounding:
 *   FMADD  f[rs1]*f[rs2] + f[rs3]     FNMSUB -(f[rs1]*f[rs2]) + f[rs3]
 *   FMSUB  f[rs1]*f[rs2] - f[rs3]     FNMADD -(f[rs1]*f[rs2]) - f[rs3]
 */
static int fp_fused(struct hart *h, const struct insn *in, enum sf_format fmt, bool negate_product,
                    bool negate_addend)
{
    struct sf_env env;
    uint64_t result;

    if (!fp_begin_rounded(h, in, &env)) {
        return exec_fp_illegal_rm(h, in);
    }
    result = sf_fma(fmt, read_f(h, in->rs1, fmt), read_f(h, in->rs2, fmt), read_f(h, in->rs3, fmt),
                    negate_product, negate_addend, &env);
    write_f(h, in->rd, fmt, result);
    return fp_retire(h, in, &env);
}

int exec_fadd_s(struct hart *h, const struct insn *in)
{
    return fp_binary(h, in, SF_F32, sf_add);
}
int exec_fsub_s(struct hart *h, const struct insn *in)
{
    return fp_binary(h, in, SF_F32, sf_sub);
}
int exec_fmul_s(struct hart *h, const struct insn *in)
{
    return fp_binary(h, in, SF_F32, sf_mul);
}
int exec_fdiv_s(struct hart *h, const struct insn *in)
{
    return fp_binary(h, in, SF_F32, sf_div);
}
int exec_fadd_d(struct hart *h, const struct insn *in)
{
    return fp_binary(h, in, SF_F64, sf_add);
}
int exec_fsub_d(struct hart *h, const struct insn *in)
{
    return fp_binary(h, in, SF_F64, sf_sub);
}
int exec_fmul_d(struct hart *h, const struct insn *in)
{
    return fp_binary(h, in, SF_F64, sf_mul);
}
int exec_fdiv_d(struct hart *h, const struct insn *in)
{
    return fp_binary(h, in, SF_F64, sf_div);
}
int exec_fsqrt_s(struct hart *h, const struct insn *in)
{
    return fp_sqrt(h, in, SF_F32);
}
int exec_fsqrt_d(struct hart *h, const struct insn *in)
{
    return fp_sqrt(h, in, SF_F64);
}

int exec_fmadd_s(struct hart *h, const struct insn *in)
{
    return fp_fused(h, in, SF_F32, false, false);
}
int exec_fmsub_s(struct hart *h, const struct insn *in)
{
    return fp_fused(h, in, SF_F32, false, true);
}
int exec_fnmsub_s(struct hart *h, const struct insn *in)
{
    return fp_fused(h, in, SF_F32, true, false);
}
int exec_fnmadd_s(struct hart *h, const struct insn *in)
{
    return fp_fused(h, in, SF_F32, true, true);
}
int exec_fmadd_d(struct hart *h, const struct insn *in)
{
    return fp_fused(h, in, SF_F64, false, false);
}
int exec_fmsub_d(struct hart *h, const struct insn *in)
{
    return fp_fused(h, in, SF_F64, false, true);
}
int exec_fnmsub_d(struct hart *h, const struct insn *in)
{
    return fp_fused(h, in, SF_F64, true, false);
}
int exec_fnmadd_d(struct hart *h, const struct insn *in)
{
    return fp_fused(h, in, SF_F64, true, true);
}

/* ------------------------------------------------- sign injection, min/max */

enum sgnj_kind { SGNJ_COPY, SGNJ_NEGATE, SGNJ_XOR };

/*
 * FSGNJ/FSGNJN/FSGNJX (§11.6): rs1's magnitude with rs2's sign, its
 * negation, or the XOR of both signs. Pure bit operations: no NaN is made
 * canonical, no flag is raised; only un-boxing may substitute the canonical NaN.
 */
static int fp_sign_inject(struct hart *h, const struct insn *in, enum sf_format fmt,
                          enum sgnj_kind kind)
{
    struct sf_env env;
    uint64_t sign_bit = fmt == SF_F64 ? 1ull << 63 : 1ull << 31;
    uint64_t a, b, sign;

    if (!fp_begin(h, &env)) {
        return cpu_illegal(h, in);
    }
    a = read_f(h, in->rs1, fmt);
    b = read_f(h, in->rs2, fmt);
    switch (kind) {
    case SGNJ_COPY:
        sign = b & sign_bit;
        break;
    case SGNJ_NEGATE:
        sign = ~b & sign_bit;
        break;
    default:
        sign = (a ^ b) & sign_bit;
        break;
    }
    write_f(h, in->rd, fmt, (a & ~sign_bit) | sign);
    return fp_retire(h, in, &env);
}

/* FMIN/FMAX (§11.6, IEEE 754-201x minimumNumber/maximumNumber). */
static int fp_min_max(struct hart *h, const struct insn *in, enum sf_format fmt, sf_binary_fn op)
{
    struct sf_env env;

    if (!fp_begin(h, &env)) {
        return cpu_illegal(h, in);
    }
    write_f(h, in->rd, fmt, op(fmt, read_f(h, in->rs1, fmt), read_f(h, in->rs2, fmt), &env));
    return fp_retire(h, in, &env);
}

int exec_fsgnj_s(struct hart *h, const struct insn *in)
{
    return fp_sign_inject(h, in, SF_F32, SGNJ_COPY);
}
int exec_fsgnjn_s(struct hart *h, const struct insn *in)
{
    return fp_sign_inject(h, in, SF_F32, SGNJ_NEGATE);
}
int exec_fsgnjx_s(struct hart *h, const struct insn *in)
{
    return fp_sign_inject(h, in, SF_F32, SGNJ_XOR);
}
int exec_fsgnj_d(struct hart *h, const struct insn *in)
{
    return fp_sign_inject(h, in, SF_F64, SGNJ_COPY);
}
int exec_fsgnjn_d(struct hart *h, const struct insn *in)
{
    return fp_sign_inject(h, in, SF_F64, SGNJ_NEGATE);
}
int exec_fsgnjx_d(struct hart *h, const struct insn *in)
{
    return fp_sign_inject(h, in, SF_F64, SGNJ_XOR);
}

int exec_fmin_s(struct hart *h, const struct insn *in)
{
    return fp_min_max(h, in, SF_F32, sf_min);
}
int exec_fmax_s(struct hart *h, const struct insn *in)
{
    return fp_min_max(h, in, SF_F32, sf_max);
}
int exec_fmin_d(struct hart *h, const struct insn *in)
{
    return fp_min_max(h, in, SF_F64, sf_min);
}
int exec_fmax_d(struct hart *h, const struct insn *in)
{
    return fp_min_max(h, in, SF_F64, sf_max);
}

/* ------------------------------------------------- compare and classify */

typedef bool (*sf_compare_fn)(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);

/* FEQ/FLT/FLE (§11.8): x[rd] = 1 or 0; a NaN operand gives 0. */
static int fp_compare(struct hart *h, const struct insn *in, enum sf_format fmt, sf_compare_fn op)
{
    struct sf_env env;

    if (!fp_begin(h, &env)) {
        return cpu_illegal(h, in);
    }
    write_x(h, in->rd, op(fmt, read_f(h, in->rs1, fmt), read_f(h, in->rs2, fmt), &env));
    return fp_retire(h, in, &env);
}

/* FCLASS (§11.9): x[rd] = the one-hot 10-bit class of f[rs1]. */
static int fp_classify(struct hart *h, const struct insn *in, enum sf_format fmt)
{
    struct sf_env env;

    if (!fp_begin(h, &env)) {
        return cpu_illegal(h, in);
    }
    write_x(h, in->rd, sf_classify(fmt, read_f(h, in->rs1, fmt)));
    return fp_retire(h, in, &env);
}

int exec_feq_s(struct hart *h, const struct insn *in)
{
    return fp_compare(h, in, SF_F32, sf_eq);
}
int exec_flt_s(struct hart *h, const struct insn *in)
{
    return fp_compare(h, in, SF_F32, sf_lt);
}
int exec_fle_s(struct hart *h, const struct insn *in)
{
    return fp_compare(h, in, SF_F32, sf_le);
}
int exec_feq_d(struct hart *h, const struct insn *in)
{
    return fp_compare(h, in, SF_F64, sf_eq);
}
int exec_flt_d(struct hart *h, const struct insn *in)
{
    return fp_compare(h, in, SF_F64, sf_lt);
}
int exec_fle_d(struct hart *h, const struct insn *in)
{
    return fp_compare(h, in, SF_F64, sf_le);
}
int exec_fclass_s(struct hart *h, const struct insn *in)
{
    return fp_classify(h, in, SF_F32);
}
int exec_fclass_d(struct hart *h, const struct insn *in)
{
    return fp_classify(h, in, SF_F64);
}

/* ---------------------------------------------------------- conversions */

/*
 * FCVT.{W,WU,L,LU}.{S,D} (§11.7): x[rd] = f[rs1] rounded to an integer,
 * saturated per Table 11.4. The 32-bit results, also of WU, are
 * sign-extended to 64 bits.
 */
static int fp_to_int(struct hart *h, const struct insn *in, enum sf_format fmt, unsigned width,
                     bool is_signed)
{
    struct sf_env env;
    uint64_t val;

    if (!fp_begin_rounded(h, in, &env)) {
        return exec_fp_illegal_rm(h, in);
    }
    val = sf_to_int(fmt, read_f(h, in->rs1, fmt), width, is_signed, &env);
    write_x(h, in->rd, width == 32 ? sext32(val) : val);
    return fp_retire(h, in, &env);
}

/* FCVT.{S,D}.{W,WU,L,LU}: f[rd] = x[rs1] (its low 32 bits for W/WU), rounded. */
static int fp_from_int(struct hart *h, const struct insn *in, enum sf_format fmt, unsigned width,
                       bool is_signed)
{
    struct sf_env env;
    uint64_t val = h->x[in->rs1];

    if (!fp_begin_rounded(h, in, &env)) {
        return exec_fp_illegal_rm(h, in);
    }
    if (width == 32) {
        val = is_signed ? sext32(val) : (uint32_t)val;
    }
    write_f(h, in->rd, fmt, sf_from_int(fmt, val, is_signed, &env));
    return fp_retire(h, in, &env);
}

/* FCVT.S.D rounds (§12.5); FCVT.D.S is exact. A NaN becomes the canonical NaN. */
static int fp_convert(struct hart *h, const struct insn *in, enum sf_format to, enum sf_format from)
{
    struct sf_env env;

    if (!fp_begin_rounded(h, in, &env)) {
        return exec_fp_illegal_rm(h, in);
    }
    write_f(h, in->rd, to, sf_convert(to, from, read_f(h, in->rs1, from), &env));
    return fp_retire(h, in, &env);
}

int exec_fcvt_w_s(struct hart *h, const struct insn *in)
{
    return fp_to_int(h, in, SF_F32, 32, true);
}
int exec_fcvt_wu_s(struct hart *h, const struct insn *in)
{
    return fp_to_int(h, in, SF_F32, 32, false);
}
int exec_fcvt_l_s(struct hart *h, const struct insn *in)
{
    return fp_to_int(h, in, SF_F32, 64, true);
}
int exec_fcvt_lu_s(struct hart *h, const struct insn *in)
{
    return fp_to_int(h, in, SF_F32, 64, false);
}
int exec_fcvt_w_d(struct hart *h, const struct insn *in)
{
    return fp_to_int(h, in, SF_F64, 32, true);
}
int exec_fcvt_wu_d(struct hart *h, const struct insn *in)
{
    return fp_to_int(h, in, SF_F64, 32, false);
}
int exec_fcvt_l_d(struct hart *h, const struct insn *in)
{
    return fp_to_int(h, in, SF_F64, 64, true);
}
int exec_fcvt_lu_d(struct hart *h, const struct insn *in)
{
    return fp_to_int(h, in, SF_F64, 64, false);
}

int exec_fcvt_s_w(struct hart *h, const struct insn *in)
{
    return fp_from_int(h, in, SF_F32, 32, true);
}
int exec_fcvt_s_wu(struct hart *h, const struct insn *in)
{
    return fp_from_int(h, in, SF_F32, 32, false);
}
int exec_fcvt_s_l(struct hart *h, const struct insn *in)
{
    return fp_from_int(h, in, SF_F32, 64, true);
}
int exec_fcvt_s_lu(struct hart *h, const struct insn *in)
{
    return fp_from_int(h, in, SF_F32, 64, false);
}
int exec_fcvt_d_w(struct hart *h, const struct insn *in)
{
    return fp_from_int(h, in, SF_F64, 32, true);
}
int exec_fcvt_d_wu(struct hart *h, const struct insn *in)
{
    return fp_from_int(h, in, SF_F64, 32, false);
}
int exec_fcvt_d_l(struct hart *h, const struct insn *in)
{
    return fp_from_int(h, in, SF_F64, 64, true);
}
int exec_fcvt_d_lu(struct hart *h, const struct insn *in)
{
    return fp_from_int(h, in, SF_F64, 64, false);
}

int exec_fcvt_s_d(struct hart *h, const struct insn *in)
{
    return fp_convert(h, in, SF_F32, SF_F64);
}
int exec_fcvt_d_s(struct hart *h, const struct insn *in)
{
    return fp_convert(h, in, SF_F64, SF_F32);
}

/* ------------------------------------------------------------------ moves */

/*
 * FMV.X.W / FMV.X.D (§11.7, §12.5): the raw bits, not un-boxed; the word
 * is sign-extended. FMV.W.X / FMV.D.X: raw bits in, the word NaN-boxed.
 */
static int fp_move_to_x(struct hart *h, const struct insn *in, enum sf_format fmt)
{
    struct sf_env env;
    uint64_t bits = h->f[in->rs1 & 31];

    if (!fp_begin(h, &env)) {
        return cpu_illegal(h, in);
    }
    write_x(h, in->rd, fmt == SF_F32 ? sext32(bits) : bits);
    return fp_retire(h, in, &env);
}

static int fp_move_from_x(struct hart *h, const struct insn *in, enum sf_format fmt)
{
    struct sf_env env;

    if (!fp_begin(h, &env)) {
        return cpu_illegal(h, in);
    }
    write_f(h, in->rd, fmt, h->x[in->rs1]);
    return fp_retire(h, in, &env);
}

int exec_fmv_x_w(struct hart *h, const struct insn *in)
{
    return fp_move_to_x(h, in, SF_F32);
}
int exec_fmv_x_d(struct hart *h, const struct insn *in)
{
    return fp_move_to_x(h, in, SF_F64);
}
int exec_fmv_w_x(struct hart *h, const struct insn *in)
{
    return fp_move_from_x(h, in, SF_F32);
}
int exec_fmv_d_x(struct hart *h, const struct insn *in)
{
    return fp_move_from_x(h, in, SF_F64);
}
