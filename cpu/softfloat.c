/*
 * cpu/softfloat.c - binary32/binary64 arithmetic on integers: unpack into
 * sign, exponent and a 64-bit significand, compute exactly (or exactly
 * enough, with a sticky bit), and round once in round_pack().
 * Course: 处理器虚拟化 / 解释执行 - the VMM emulates the guest's FPU exactly:
 *         the host x86 FPU has no round-to-nearest-max-magnitude and other
 *         NaN rules, so host float arithmetic is never used for a result.
 * Spec: Unprivileged 20191213, §11.2 "Floating-Point Control and Status
 *       Register" (rounding modes, fflags), §11.3 "NaN Generation and
 *       Propagation" (canonical NaN), §11.6-§11.9; IEEE 754-2008 §4.3, §7.
 * Simplified: no NaN payload propagation (RISC-V has none to propagate);
 *       tininess is detected after rounding, as RISC-V requires.
 *
 * Unpacked finite value, nonzero:
 *
 *     value = (-1)^sign * sig * 2^(exp - 63),  bit 63 of sig set
 *
 * so `exp` is the unbiased exponent of the leading 1. Wider intermediates
 * (products, quotients, square roots) are unsigned __int128 with
 *
 *     value = sig128 * 2^(exp - 127)
 *
 * and any bits that do not fit are OR-ed into bit 0 ("sticky").
 */
#include "cpu/softfloat.h"

#include <stddef.h>

#include "cpu/encoding.h"

typedef unsigned __int128 u128;

struct fmt_info {
    unsigned frac_bits; /* stored fraction bits: 23 or 52 */
    unsigned exp_bits;  /* 8 or 11 */
    int bias;           /* 127 or 1023 = emax; emin = 1 - bias */
    uint64_t canon_nan;
};

static const struct fmt_info fmt_table[] = {
    [SF_F32] = {23, 8, 127, SF_CANON_NAN32},
    [SF_F64] = {52, 11, 1023, SF_CANON_NAN64},
};

enum fp_kind { KIND_ZERO, KIND_FINITE, KIND_INF, KIND_QNAN, KIND_SNAN };

struct unpacked {
    enum fp_kind kind;
    bool sign;
    int exp;      /* KIND_FINITE only */
    uint64_t sig; /* KIND_FINITE only, bit 63 set */
};

/* ------------------------------------------------------------ bit fields */

static unsigned sign_pos(const struct fmt_info *f)
{
    return f->frac_bits + f->exp_bits;
}

static uint64_t max_biased_exp(const struct fmt_info *f)
{
    return (1ull << f->exp_bits) - 1;
}

static uint64_t frac_mask(const struct fmt_info *f)
{
    return (1ull << f->frac_bits) - 1;
}

static uint64_t pack_inf(const struct fmt_info *f, bool sign)
{
    return ((uint64_t)sign << sign_pos(f)) | (max_biased_exp(f) << f->frac_bits);
}

static uint64_t pack_zero(const struct fmt_info *f, bool sign)
{
    return (uint64_t)sign << sign_pos(f);
}

/* Largest finite magnitude: exponent field all ones but one, fraction all ones. */
static uint64_t pack_max_finite(const struct fmt_info *f, bool sign)
{
    return pack_zero(f, sign) | ((max_biased_exp(f) - 1) << f->frac_bits) | frac_mask(f);
}

/*
 *   binary32:  | s | exponent (8)  | fraction (23) |
 *   binary64:  | s | exponent (11) | fraction (52) |
 * exponent all ones: inf (fraction 0) or NaN (fraction MSB 1 = quiet);
 * exponent zero: zero or subnormal 0.fraction * 2^emin.
 */
static struct unpacked unpack(enum sf_format fmt, uint64_t bits)
{
    const struct fmt_info *f = &fmt_table[fmt];
    struct unpacked u = {KIND_FINITE, ((bits >> sign_pos(f)) & 1) != 0, 0, 0};
    uint64_t biased = (bits >> f->frac_bits) & max_biased_exp(f);
    uint64_t frac = bits & frac_mask(f);
    int lz;

    if (biased == max_biased_exp(f)) {
        if (frac == 0) {
            u.kind = KIND_INF;
        } else {
            u.kind = ((frac >> (f->frac_bits - 1)) & 1) ? KIND_QNAN : KIND_SNAN;
        }
    } else if (biased == 0) {
        if (frac == 0) {
            u.kind = KIND_ZERO;
        } else {
            lz = __builtin_clzll(frac);
            u.sig = frac << lz;
            u.exp = 1 - f->bias - (lz - (63 - (int)f->frac_bits));
        }
    } else {
        u.sig = (frac | (1ull << f->frac_bits)) << (63 - f->frac_bits);
        u.exp = (int)biased - f->bias;
    }
    return u;
}

static bool is_nan(const struct unpacked *u)
{
    return u->kind == KIND_QNAN || u->kind == KIND_SNAN;
}

/* §11.3: any NaN result is the canonical NaN; a signaling NaN operand raises NV. */
static uint64_t nan_result(enum sf_format fmt, const struct unpacked *a, const struct unpacked *b,
                           struct sf_env *env)
{
    if (a->kind == KIND_SNAN || (b != NULL && b->kind == KIND_SNAN)) {
        env->flags |= FFLAGS_NV;
    }
    return fmt_table[fmt].canon_nan;
}

static uint64_t invalid_result(enum sf_format fmt, struct sf_env *env)
{
    env->flags |= FFLAGS_NV;
    return fmt_table[fmt].canon_nan;
}

/* ------------------------------------------------------------- rounding */

/*
 * sig / 2^shift rounded to an integer in mode rm (IEEE 754 §4.3): the
 * remainder is compared with half of the last kept place. Sets *out_inexact
 * when bits were dropped. The result may carry one place up (all ones + 1).
 */
static uint64_t round_shift(uint64_t sig, unsigned shift, bool sign, unsigned rm, bool *out_inexact)
{
    uint64_t kept, rem, half;
    bool is_up;

    if (shift == 0) {
        *out_inexact = false;
        return sig;
    }
    if (shift > 64) {
        sig = sig != 0; /* all of it is below the half-place: only "nonzero" matters */
        shift = 64;
    }
    kept = shift == 64 ? 0 : sig >> shift;
    rem = shift == 64 ? sig : sig & ((1ull << shift) - 1);
    half = 1ull << (shift - 1);
    *out_inexact = rem != 0;
    switch (rm) {
    case FRM_RNE:
        is_up = rem > half || (rem == half && (kept & 1));
        break;
    case FRM_RMM:
        is_up = rem >= half;
        break;
    case FRM_RDN:
        is_up = sign && rem != 0;
        break;
    case FRM_RUP:
        is_up = !sign && rem != 0;
        break;
    default:
        is_up = false;
        break; /* FRM_RTZ */
    }
    return kept + is_up;
}

/* IEEE 754 §7.4: round-to-nearest goes to inf, the others to inf or max finite by direction. */
static uint64_t overflow_result(const struct fmt_info *f, bool sign, struct sf_env *env)
{
    bool is_to_inf = env->rm == FRM_RNE || env->rm == FRM_RMM || (env->rm == FRM_RUP && !sign) ||
                     (env->rm == FRM_RDN && sign);

    env->flags |= FFLAGS_OF | FFLAGS_NX;
    return is_to_inf ? pack_inf(f, sign) : pack_max_finite(f, sign);
}

/*
 * The one rounding step: (-1)^sign * sig * 2^(exp-63), sig normalized
 * (bit 63 set, bit 0 sticky), to the nearest value of fmt in env->rm.
 * Precision p = frac_bits + 1 bits are kept for normal results, fewer for
 * subnormals. Underflow (§11.2, IEEE §7.5) = tiny after rounding (the value
 * rounded to p bits with unbounded exponent is below 2^emin) and inexact.
 */
static uint64_t round_pack(enum sf_format fmt, bool sign, int exp, uint64_t sig, struct sf_env *env)
{
    const struct fmt_info *f = &fmt_table[fmt];
    unsigned p = f->frac_bits + 1;
    int emin = 1 - f->bias;
    uint64_t kept, kept_unbounded;
    bool is_inexact, is_tiny, ignored;
    int below;

    if (exp >= emin) {
        kept = round_shift(sig, 64 - p, sign, env->rm, &is_inexact);
        if (kept >> p) { /* rounded up to 2^p: one more binade */
            kept >>= 1;
            exp++;
        }
        if (exp > f->bias) {
            return overflow_result(f, sign, env);
        }
        env->flags |= is_inexact ? FFLAGS_NX : 0;
        /* the implicit 1 (bit p-1 of kept) adds the last 1 to the exponent field */
        return pack_zero(f, sign) + ((uint64_t)(exp + f->bias - 1) << f->frac_bits) + kept;
    }
    kept_unbounded = round_shift(sig, 64 - p, sign, env->rm, &ignored);
    is_tiny = !(exp == emin - 1 && (kept_unbounded >> p) != 0);
    below = emin - exp; /* the subnormal drops `below` more bits */
    kept =
        round_shift(sig, below > 64 ? 128 : 64 - p + (unsigned)below, sign, env->rm, &is_inexact);
    if (is_inexact) {
        env->flags |= FFLAGS_NX | (is_tiny ? FFLAGS_UF : 0);
    }
    /* exponent field 0; a carry to 2^(p-1) becomes the smallest normal by itself */
    return pack_zero(f, sign) + kept;
}

static unsigned clz128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);

    return hi != 0 ? (unsigned)__builtin_clzll(hi) : 64 + (unsigned)__builtin_clzll((uint64_t)v);
}

/* Round sig128 * 2^(exp-127), sig128 != 0 and not necessarily normalized. */
static uint64_t round_pack128(enum sf_format fmt, bool sign, int exp, u128 sig, struct sf_env *env)
{
    unsigned lz = clz128(sig);
    uint64_t hi, lo;

    sig <<= lz;
    exp -= (int)lz;
    hi = (uint64_t)(sig >> 64);
    lo = (uint64_t)sig;
    return round_pack(fmt, sign, exp, hi | (lo != 0), env);
}

/* A value of fmt, unpacked, packed again: exact, raises nothing. */
static uint64_t repack(enum sf_format fmt, const struct unpacked *u, struct sf_env *env)
{
    return round_pack(fmt, u->sign, u->exp, u->sig, env);
}

static u128 shift_right_jam128(u128 v, int shift)
{
    if (shift <= 0) {
        return v;
    }
    if (shift >= 128) {
        return v != 0;
    }
    return (v >> shift) | ((v << (128 - shift)) != 0);
}

/* ------------------------------------------------------ add, sub, fma */

/* x + y exactly zero: +0, except -0 in RDN (IEEE §6.3); equal-signed zeros keep the sign. */
static uint64_t zero_sum(enum sf_format fmt, bool sign_x, bool sign_y, struct sf_env *env)
{
    bool sign = sign_x == sign_y ? sign_x : env->rm == FRM_RDN;

    return pack_zero(&fmt_table[fmt], sign);
}

/*
 * Sum of two finite nonzero values ma * 2^(ea-125) and mb * 2^(eb-125),
 * significands with their leading 1 at bit 124 or 125 (two bits of
 * headroom for the carry). The smaller is shifted right with a sticky bit.
 */
static uint64_t add_finite(enum sf_format fmt, bool sa, int ea, u128 ma, bool sb, int eb, u128 mb,
                           struct sf_env *env)
{
    bool sign = sa;
    u128 sum;

    if (ea < eb) {
        return add_finite(fmt, sb, eb, mb, sa, ea, ma, env);
    }
    mb = shift_right_jam128(mb, ea - eb);
    if (sa == sb) {
        sum = ma + mb;
    } else if (ma >= mb) {
        sum = ma - mb;
    } else {
        sum = mb - ma;
        sign = sb;
    }
    if (sum == 0) {
        return zero_sum(fmt, sa, sb, env);
    }
    return round_pack128(fmt, sign, ea + 2, sum, env); /* 2^(e-125) = 2^((e+2)-127) */
}

static uint64_t add_unpacked(enum sf_format fmt, struct unpacked a, struct unpacked b,
                             struct sf_env *env)
{
    if (is_nan(&a) || is_nan(&b)) {
        return nan_result(fmt, &a, &b, env);
    }
    if (a.kind == KIND_INF && b.kind == KIND_INF && a.sign != b.sign) {
        return invalid_result(fmt, env); /* inf - inf */
    }
    if (a.kind == KIND_INF || b.kind == KIND_INF) {
        return pack_inf(&fmt_table[fmt], a.kind == KIND_INF ? a.sign : b.sign);
    }
    if (a.kind == KIND_ZERO && b.kind == KIND_ZERO) {
        return zero_sum(fmt, a.sign, b.sign, env);
    }
    if (a.kind == KIND_ZERO) {
        return repack(fmt, &b, env);
    }
    if (b.kind == KIND_ZERO) {
        return repack(fmt, &a, env);
    }
    return add_finite(fmt, a.sign, a.exp, (u128)a.sig << 62, b.sign, b.exp, (u128)b.sig << 62, env);
}

uint64_t sf_add(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env)
{
    return add_unpacked(fmt, unpack(fmt, a), unpack(fmt, b), env);
}

uint64_t sf_sub(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env)
{
    struct unpacked ub = unpack(fmt, b);

    ub.sign = !ub.sign;
    return add_unpacked(fmt, unpack(fmt, a), ub, env);
}

/* Specials of a product: NaN, 0*inf (NV), inf, zero. Returns false when both are finite nonzero. */
static bool mul_special(enum sf_format fmt, const struct unpacked *a, const struct unpacked *b,
                        bool sign, uint64_t *out, struct sf_env *env)
{
    bool has_inf = a->kind == KIND_INF || b->kind == KIND_INF;
    bool has_zero = a->kind == KIND_ZERO || b->kind == KIND_ZERO;

    if (is_nan(a) || is_nan(b)) {
        *out = nan_result(fmt, a, b, env);
    } else if (has_inf && has_zero) {
        *out = invalid_result(fmt, env);
    } else if (has_inf) {
        *out = pack_inf(&fmt_table[fmt], sign);
    } else if (has_zero) {
        *out = pack_zero(&fmt_table[fmt], sign);
    } else {
        return false;
    }
    return true;
}

uint64_t sf_mul(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env)
{
    struct unpacked ua = unpack(fmt, a), ub = unpack(fmt, b);
    bool sign = ua.sign != ub.sign;
    uint64_t special;

    if (mul_special(fmt, &ua, &ub, sign, &special, env)) {
        return special;
    }
    /* sa*2^(ea-63) * sb*2^(eb-63) = (sa*sb) * 2^((ea+eb+1) - 127), exact in 128 bits */
    return round_pack128(fmt, sign, ua.exp + ub.exp + 1, (u128)ua.sig * ub.sig, env);
}

/* FMA operands that are not all finite nonzero (§11.6: 0*inf is NV even with a quiet NaN addend).
 */
static bool fma_special(enum sf_format fmt, const struct unpacked *a, const struct unpacked *b,
                        const struct unpacked *c, bool sign_p, uint64_t *out, struct sf_env *env)
{
    bool is_zero_inf = (a->kind == KIND_INF && b->kind == KIND_ZERO) ||
                       (a->kind == KIND_ZERO && b->kind == KIND_INF);
    bool is_prod_inf = a->kind == KIND_INF || b->kind == KIND_INF;
    bool is_prod_zero = a->kind == KIND_ZERO || b->kind == KIND_ZERO;

    if (is_nan(a) || is_nan(b) || is_nan(c)) {
        env->flags |= is_zero_inf || c->kind == KIND_SNAN ? FFLAGS_NV : 0;
        *out = nan_result(fmt, a, b, env);
    } else if (is_zero_inf || (is_prod_inf && c->kind == KIND_INF && c->sign != sign_p)) {
        *out = invalid_result(fmt, env);
    } else if (is_prod_inf || c->kind == KIND_INF) {
        *out = pack_inf(&fmt_table[fmt], is_prod_inf ? sign_p : c->sign);
    } else if (is_prod_zero && c->kind == KIND_ZERO) {
        *out = zero_sum(fmt, sign_p, c->sign, env);
    } else if (is_prod_zero) {
        *out = repack(fmt, c, env);
    } else {
        return false;
    }
    return true;
}

uint64_t sf_fma(enum sf_format fmt, uint64_t a, uint64_t b, uint64_t c, bool negate_product,
                bool negate_addend, struct sf_env *env)
{
    struct unpacked ua = unpack(fmt, a), ub = unpack(fmt, b), uc = unpack(fmt, c);
    bool sign_p = (ua.sign != ub.sign) != negate_product;
    u128 prod;
    int exp_p;
    uint64_t special;

    uc.sign = uc.sign != negate_addend;
    if (fma_special(fmt, &ua, &ub, &uc, sign_p, &special, env)) {
        return special;
    }
    prod = (u128)ua.sig * ub.sig; /* leading 1 at bit 126 or 127, at most 106 bits wide */
    exp_p = ua.exp + ub.exp + 1;  /* prod * 2^(exp_p-127) */
    if (uc.kind == KIND_ZERO) {
        return round_pack128(fmt, sign_p, exp_p, prod, env);
    }
    /* to the add_finite scale, leading 1 at 124/125: the 2 bits dropped are zero */
    return add_finite(fmt, sign_p, exp_p, prod >> 2, uc.sign, uc.exp, (u128)uc.sig << 62, env);
}

/* ---------------------------------------------------------- div, sqrt */

uint64_t sf_div(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env)
{
    struct unpacked ua = unpack(fmt, a), ub = unpack(fmt, b);
    const struct fmt_info *f = &fmt_table[fmt];
    bool sign = ua.sign != ub.sign;
    u128 num, quot;

    if (is_nan(&ua) || is_nan(&ub)) {
        return nan_result(fmt, &ua, &ub, env);
    }
    if ((ua.kind == KIND_INF && ub.kind == KIND_INF) ||
        (ua.kind == KIND_ZERO && ub.kind == KIND_ZERO)) {
        return invalid_result(fmt, env);
    }
    if (ua.kind == KIND_INF || ub.kind == KIND_ZERO) {
        env->flags |= ub.kind == KIND_ZERO && ua.kind != KIND_INF ? FFLAGS_DZ : 0;
        return pack_inf(f, sign);
    }
    if (ua.kind == KIND_ZERO || ub.kind == KIND_INF) {
        return pack_zero(f, sign);
    }
    /* (sa*2^64 / sb) has 64 or 65 bits; a nonzero remainder is the sticky bit */
    num = (u128)ua.sig << 64;
    quot = num / ub.sig;
    quot |= (num % ub.sig) != 0;
    /* a/b = quot * 2^(ea-eb-64) = quot * 2^((ea-eb+63) - 127) */
    return round_pack128(fmt, sign, ua.exp - ub.exp + 63, quot, env);
}

/* floor(sqrt(n)) by the digit-by-digit method, two bits of n per result bit. */
static uint64_t isqrt128(u128 n, bool *out_inexact)
{
    u128 rem = 0, root = 0, trial;
    int i;

    for (i = 0; i < 64; i++) {
        rem = (rem << 2) | (n >> 126);
        n <<= 2;
        root <<= 1;
        trial = (root << 1) | 1; /* (2r+1)^2 - (2r)^2 = 4r+1 with root = 2r */
        if (rem >= trial) {
            rem -= trial;
            root |= 1;
        }
    }
    *out_inexact = rem != 0;
    return (uint64_t)root;
}

uint64_t sf_sqrt(enum sf_format fmt, uint64_t a, struct sf_env *env)
{
    struct unpacked ua = unpack(fmt, a);
    int k, shift, half_exp;
    uint64_t root;
    bool is_inexact;

    if (is_nan(&ua)) {
        return nan_result(fmt, &ua, NULL, env);
    }
    if (ua.kind == KIND_ZERO) {
        return a; /* sqrt(-0) = -0 */
    }
    if (ua.sign) {
        return invalid_result(fmt, env); /* negative, including -inf */
    }
    if (ua.kind == KIND_INF) {
        return a;
    }
    /* a = sig * 2^k; scale sig up by 2^62 or 2^63 so that k - shift is even */
    k = ua.exp - 63;
    shift = (k & 1) ? 63 : 62;
    half_exp = (k - shift) / 2;
    root = isqrt128((u128)ua.sig << shift, &is_inexact);
    return round_pack128(fmt, false, 127 + half_exp, (u128)(root | is_inexact), env);
}

/* ------------------------------------------------- compare, min, max */

/* a < b in the total order of magnitudes with -0 < +0; neither is a NaN. */
static bool less_signed_zero(enum sf_format fmt, uint64_t a, uint64_t b)
{
    unsigned sp = sign_pos(&fmt_table[fmt]);
    bool sa = (a >> sp) & 1, sb = (b >> sp) & 1;
    uint64_t mag_a = a & ((1ull << sp) - 1), mag_b = b & ((1ull << sp) - 1);

    if (sa != sb) {
        return sa;
    }
    return sa ? mag_a > mag_b : mag_a < mag_b;
}

static bool both_zero(enum sf_format fmt, uint64_t a, uint64_t b)
{
    unsigned sp = sign_pos(&fmt_table[fmt]);

    return ((a | b) & ((1ull << sp) - 1)) == 0;
}

/*
 * §11.6: the NaN rules of FMIN/FMAX. Both NaN: canonical NaN; one NaN: the
 * other operand; an sNaN raises NV. Returns true when they decide *out.
 */
static bool min_max_nan(enum sf_format fmt, uint64_t a, uint64_t b, uint64_t *out,
                        struct sf_env *env)
{
    struct unpacked ua = unpack(fmt, a), ub = unpack(fmt, b);

    if (ua.kind == KIND_SNAN || ub.kind == KIND_SNAN) {
        env->flags |= FFLAGS_NV;
    }
    if (is_nan(&ua) && is_nan(&ub)) {
        *out = fmt_table[fmt].canon_nan;
    } else if (is_nan(&ua)) {
        *out = b;
    } else if (is_nan(&ub)) {
        *out = a;
    } else {
        return false;
    }
    return true;
}

uint64_t sf_min(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env)
{
    uint64_t nan_rule;

    if (min_max_nan(fmt, a, b, &nan_rule, env)) {
        return nan_rule;
    }
    return less_signed_zero(fmt, a, b) ? a : b;
}

uint64_t sf_max(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env)
{
    uint64_t nan_rule;

    if (min_max_nan(fmt, a, b, &nan_rule, env)) {
        return nan_rule;
    }
    return less_signed_zero(fmt, a, b) ? b : a;
}

/* True when a or b is a NaN; raises NV for any NaN (signaling compare) or for an sNaN only. */
static bool unordered(enum sf_format fmt, uint64_t a, uint64_t b, bool is_signaling,
                      struct sf_env *env)
{
    struct unpacked ua = unpack(fmt, a), ub = unpack(fmt, b);

    if (!is_nan(&ua) && !is_nan(&ub)) {
        return false;
    }
    if (is_signaling || ua.kind == KIND_SNAN || ub.kind == KIND_SNAN) {
        env->flags |= FFLAGS_NV;
    }
    return true;
}

bool sf_eq(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env)
{
    if (unordered(fmt, a, b, false, env)) {
        return false;
    }
    return a == b || both_zero(fmt, a, b);
}

bool sf_lt(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env)
{
    if (unordered(fmt, a, b, true, env)) {
        return false;
    }
    return !both_zero(fmt, a, b) && less_signed_zero(fmt, a, b);
}

bool sf_le(enum sf_format fmt, uint64_t a, uint64_t b, struct sf_env *env)
{
    if (unordered(fmt, a, b, true, env)) {
        return false;
    }
    return both_zero(fmt, a, b) || a == b || less_signed_zero(fmt, a, b);
}

/*
 * FCLASS (§11.9 Table 11.5):
 *   bit 0 -inf  1 -normal  2 -subnormal  3 -0  4 +0
 *   bit 5 +subnormal  6 +normal  7 +inf  8 signaling NaN  9 quiet NaN
 */
unsigned sf_classify(enum sf_format fmt, uint64_t a)
{
    const struct fmt_info *f = &fmt_table[fmt];
    struct unpacked u = unpack(fmt, a);
    uint64_t biased = (a >> f->frac_bits) & max_biased_exp(f);

    switch (u.kind) {
    case KIND_SNAN:
        return 1u << 8;
    case KIND_QNAN:
        return 1u << 9;
    case KIND_INF:
        return u.sign ? 1u << 0 : 1u << 7;
    case KIND_ZERO:
        return u.sign ? 1u << 3 : 1u << 4;
    default:
        break;
    }
    if (biased == 0) {
        return u.sign ? 1u << 2 : 1u << 5;
    }
    return u.sign ? 1u << 1 : 1u << 6;
}

/* ---------------------------------------------------------- conversions */

uint64_t sf_convert(enum sf_format to, enum sf_format from, uint64_t a, struct sf_env *env)
{
    struct unpacked u = unpack(from, a);

    switch (u.kind) {
    case KIND_QNAN:
    case KIND_SNAN:
        return nan_result(to, &u, NULL, env);
    case KIND_INF:
        return pack_inf(&fmt_table[to], u.sign);
    case KIND_ZERO:
        return pack_zero(&fmt_table[to], u.sign);
    default:
        return round_pack(to, u.sign, u.exp, u.sig, env);
    }
}

uint64_t sf_from_int(enum sf_format fmt, uint64_t value, bool is_signed, struct sf_env *env)
{
    bool sign = is_signed && (int64_t)value < 0;
    uint64_t mag = sign ? 0 - value : value; /* |INT64_MIN| = 2^63 fits a uint64 */
    int lz;

    if (mag == 0) {
        return pack_zero(&fmt_table[fmt], false);
    }
    lz = __builtin_clzll(mag);
    return round_pack(fmt, sign, 63 - lz, mag << lz, env);
}

/* Table 11.4: out of range or inf saturates by sign; NaN gives the largest positive. */
static uint64_t int_saturate(unsigned width, bool is_signed, bool is_negative, struct sf_env *env)
{
    uint64_t umax = width == 64 ? ~0ull : (1ull << width) - 1;

    env->flags |= FFLAGS_NV;
    if (is_signed) {
        return is_negative ? 1ull << (width - 1) : umax >> 1;
    }
    return is_negative ? 0 : umax;
}

uint64_t sf_to_int(enum sf_format fmt, uint64_t a, unsigned width, bool is_signed,
                   struct sf_env *env)
{
    struct unpacked u = unpack(fmt, a);
    uint64_t umax = width == 64 ? ~0ull : (1ull << width) - 1;
    uint64_t max_pos = is_signed ? umax >> 1 : umax;
    uint64_t max_neg = is_signed ? 1ull << (width - 1) : 0; /* largest |negative| allowed */
    uint64_t mag;
    bool is_inexact;

    if (is_nan(&u)) {
        return int_saturate(width, is_signed, false, env);
    }
    if (u.kind == KIND_ZERO) {
        return 0;
    }
    if (u.kind == KIND_INF || u.exp > 63) {
        return int_saturate(width, is_signed, u.sign, env);
    }
    /* |a| = sig * 2^(exp-63): drop 63-exp bits with rounding */
    mag = round_shift(u.sig, (unsigned)(63 - u.exp), u.sign, env->rm, &is_inexact);
    if (mag > (u.sign ? max_neg : max_pos)) {
        return int_saturate(width, is_signed, u.sign, env);
    }
    env->flags |= is_inexact ? FFLAGS_NX : 0;
    return (u.sign ? 0 - mag : mag) & umax;
}
