/*
 * cpu/softfloat.h - IEEE 754-2008 binary32/binary64 arithmetic on integers,
 * with RISC-V's choices (canonical NaN, tininess after rounding, RMM).
 * Course: 处理器虚拟化 / 解释执行 (the interpreter computes what the guest's
 *         FPU would, bit for bit, instead of trusting the host's FPU).
 * Spec: Unprivileged 20191213, §11.2 "Floating-Point Control and Status
 *       Register", §11.3 "NaN Generation and Propagation", §11.6-§11.9;
 *       IEEE 754-2008 §4.3 "Rounding-direction attributes", §7 "Exceptions".
 *
 * Values travel as raw bit patterns in a uint64_t (a binary32 in the low 32
 * bits, upper bits zero). NaN-boxing is the caller's business (exec_fp.c).
 */
#ifndef VMLAB_CPU_SOFTFLOAT_H
#define VMLAB_CPU_SOFTFLOAT_H

#include <stdbool.h>
#include <stdint.h>

enum sf_format {
    SF_F32, /* binary32: 1 sign, 8 exponent, 23 fraction bits */
    SF_F64, /* binary64: 1 sign, 11 exponent, 52 fraction bits */
};

/*
 * The rounding mode in (FRM_RNE..FRM_RMM, already resolved from "dynamic")
 * and the exception flags out (FFLAGS_* bits, OR-ed in, never cleared).
 */
struct sf_env {
    unsigned rm;
    unsigned flags;
};

#define SF_CANON_NAN32 0x7fc00000ull
#define SF_CANON_NAN64 0x7ff8000000000000ull

/* Arithmetic: correctly rounded, canonical NaN for any NaN result. */
uint64_t sf_add(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);
uint64_t sf_sub(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);
uint64_t sf_mul(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);
uint64_t sf_div(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);
uint64_t sf_sqrt(enum sf_format fmt, uint64_t a, struct sf_env *env);
/* (+/-)(a*b) (+/-) c with one rounding: negate_product gives -(a*b), negate_addend -c. */
uint64_t sf_fma(enum sf_format fmt, uint64_t a, uint64_t b, uint64_t c, bool negate_product,
                bool negate_addend, struct sf_env *env);

/* minimumNumber/maximumNumber of IEEE 754-201x (RISC-V 2.2): -0 < +0, one NaN gives the other. */
uint64_t sf_min(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);
uint64_t sf_max(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);

/* Comparisons: eq is quiet (NV only for a signaling NaN), lt/le signal NV for any NaN. */
bool sf_eq(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);
bool sf_lt(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);
bool sf_le(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env);

/* The 10-bit class mask of FCLASS (§11.9 Table 11.5): bit 0 -inf ... bit 9 quiet NaN. */
unsigned sf_classify(enum sf_format fmt, uint64_t a);

/* Between formats (FCVT.S.D rounds, FCVT.D.S is exact). */
uint64_t sf_convert(enum sf_format to, enum sf_format from, uint64_t a, struct sf_env *env);

/*
 * To a `width`-bit (32 or 64) integer, signed or not, rounding per env->rm.
 * Out of range or NaN: NV and the saturated value of §11.7 Table 11.4 (NaN
 * gives the largest positive). The result is the width-bit pattern,
 * zero-extended to 64 bits.
 */
uint64_t sf_to_int(enum sf_format fmt, uint64_t a, unsigned width, bool is_signed,
                   struct sf_env *env);
/* From an integer: `value` is a two's complement int64 when is_signed, else a uint64. */
uint64_t sf_from_int(enum sf_format fmt, uint64_t value, bool is_signed, struct sf_env *env);

#endif
