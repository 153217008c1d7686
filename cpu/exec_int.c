/*
 * cpu/exec_int.c - execute functions of the integer instructions: RV64I,
 * M (multiply/divide), A (LR/SC and AMOs), fence, fence.i, and the
 * illegal-instruction exec. These never leave guest mode on their own: they
 * run "directly" in the interpreter, and only a memory access may exit
 * (a trap, or MMIO for a device).
 * Course: 处理器虚拟化 / 解释执行, 敏感指令与非敏感指令 (everything here is
 *         innocuous: it runs without the VMM's intervention).
 * Spec: Unprivileged 20191213, §2 "RV32I Base Integer Instruction Set",
 *       §5 "RV64I", §7 "M Standard Extension", §8 "A Standard Extension",
 *       §3 "Zifencei".
 *
 * Simplified: fence and fence.i are no-ops (one in-order hart per host
 * thread; stores invalidate decoded code themselves). Memory is
 * little-endian on the host, as on RISC-V. Reading x[0] always gives 0
 * because decode sends every write of x0 to the sink x[32].
 */
#include <stdint.h>

#include "cpu/exec.h"
#include "cpu/internal.h"

/* ------------------------------------------------------------ helpers */

static uint64_t sext32(uint64_t value)
{
    return (uint64_t)(int64_t)(int32_t)(uint32_t)value;
}

static uint64_t sext_size(uint64_t value, unsigned size)
{
    switch (size) {
    case 1:
        return (uint64_t)(int64_t)(int8_t)(uint8_t)value;
    case 2:
        return (uint64_t)(int64_t)(int16_t)(uint16_t)value;
    case 4:
        return sext32(value);
    default:
        return value;
    }
}

/* Write rd (x[32] when rd was x0) and go on to the next instruction. */
static inline int retire_rd(struct hart *h, const struct insn *in, uint64_t value)
{
    h->x[in->rd] = value;
    h->pc += in->len;
    return exec_next(h, in);
}

/* The same after a memory access (AMOs, LR/SC, a load's slow path). */
static int retire_rd_checked(struct hart *h, const struct insn *in, uint64_t value)
{
    h->x[in->rd] = value;
    h->pc += in->len;
    return exec_next_checked(h, in);
}

/* The stop entry at the end of every array: the chain returns from here. */
int exec_block_end(struct hart *h, const struct insn *in)
{
    (void)h;
    (void)in;
    return EXEC_BLOCK_END;
}

int exec_illegal(struct hart *h, const struct insn *in)
{
    return cpu_illegal(h, in);
}

/* ------------------------------------------------ upper imm and jumps */

int exec_lui(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, (uint64_t)in->imm);
}

int exec_auipc(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->pc + (uint64_t)in->imm);
}

/*
 * Jump targets: with C always present only bit 0 could misalign a target,
 * and neither jal's nor a branch's offset can set it (imm[0] is implicit 0);
 * jalr clears it (§2.5). So no instruction-address-misaligned check remains.
 */
int exec_jal(struct hart *h, const struct insn *in)
{
    uint64_t link = h->pc + in->len;
    h->pc += (uint64_t)in->imm;
    h->x[in->rd] = link;
    return exec_next(h, in);
}

int exec_jalr(struct hart *h, const struct insn *in)
{
    uint64_t target = (h->x[in->rs1] + (uint64_t)in->imm) & ~1ull; /* rs1 may be rd */
    h->x[in->rd] = h->pc + in->len;
    h->pc = target;
    return exec_next(h, in);
}

static int branch(struct hart *h, const struct insn *in, bool is_taken)
{
    h->pc += is_taken ? (uint64_t)in->imm : in->len;
    return exec_next(h, in);
}

int exec_beq(struct hart *h, const struct insn *in)
{
    return branch(h, in, h->x[in->rs1] == h->x[in->rs2]);
}

int exec_bne(struct hart *h, const struct insn *in)
{
    return branch(h, in, h->x[in->rs1] != h->x[in->rs2]);
}

int exec_blt(struct hart *h, const struct insn *in)
{
    return branch(h, in, (int64_t)h->x[in->rs1] < (int64_t)h->x[in->rs2]);
}

int exec_bge(struct hart *h, const struct insn *in)
{
    return branch(h, in, (int64_t)h->x[in->rs1] >= (int64_t)h->x[in->rs2]);
}

int exec_bltu(struct hart *h, const struct insn *in)
{
    return branch(h, in, h->x[in->rs1] < h->x[in->rs2]);
}

int exec_bgeu(struct hart *h, const struct insn *in)
{
    return branch(h, in, h->x[in->rs1] >= h->x[in->rs2]);
}

/* ------------------------------------------------------ loads, stores */

/*
 * A load the fast path did not cover: translate (maybe fault or exit), then
 * retire. Kept out of line so that the fast path below needs no stack frame.
 * A device access exits and the VMM completes it later
 * (cpu_complete_mmio), like KVM's mmio exit.
 */
static __attribute__((noinline)) int load_slow(struct hart *h, const struct insn *in, unsigned size,
                                               bool is_signed)
{
    gva_t gva = h->x[in->rs1] + (uint64_t)in->imm;
    uint64_t value = 0;
    int rc = mem_load_slow(h, gva, size, &value);

    if (rc == EXIT_MMIO) {
        cpu_mmio_load_pending(h, in, size, is_signed, false);
        return EXIT_MMIO;
    }
    if (rc != 0) {
        return rc;
    }
    return retire_rd_checked(h, in, is_signed ? sext_size(value, size) : value);
}

/* A load: the fast path inline (cpu/mem.h), gives the bytes zero-extended. */
static inline __attribute__((always_inline)) int load(struct hart *h, const struct insn *in,
                                                      unsigned size, bool is_signed)
{
    gva_t gva = h->x[in->rs1] + (uint64_t)in->imm;
    const struct fast_entry *fe = mem_fast_hit(h, h->fast_load, gva, size);
    uint64_t value;

    if (!fe) {
        return load_slow(h, in, size, is_signed);
    }
    value = mem_host_read(mem_fast_host(fe, gva), size);
    return retire_rd(h, in, is_signed ? sext_size(value, size) : value);
}

/* A store the fast path did not cover (out of line, as load_slow). */
static __attribute__((noinline)) int store_slow(struct hart *h, const struct insn *in,
                                                unsigned size)
{
    gva_t gva = h->x[in->rs1] + (uint64_t)in->imm;
    int rc = mem_store_slow(h, gva, size, h->x[in->rs2]);

    if (rc != 0) {
        return rc;
    }
    h->pc += in->len;
    return exec_next_checked(h, in);
}

static inline __attribute__((always_inline)) int store(struct hart *h, const struct insn *in,
                                                       unsigned size)
{
    gva_t gva = h->x[in->rs1] + (uint64_t)in->imm;
    const struct fast_entry *fe = mem_fast_hit(h, h->fast_store, gva, size);

    if (!fe) {
        return store_slow(h, in, size);
    }
    mem_host_write(mem_fast_host(fe, gva), size, h->x[in->rs2]);
    h->pc += in->len;
    return exec_next(h, in);
}

int exec_lb(struct hart *h, const struct insn *in)
{
    return load(h, in, 1, true);
}

int exec_lh(struct hart *h, const struct insn *in)
{
    return load(h, in, 2, true);
}

int exec_lw(struct hart *h, const struct insn *in)
{
    return load(h, in, 4, true);
}

int exec_ld(struct hart *h, const struct insn *in)
{
    return load(h, in, 8, true);
}

int exec_lbu(struct hart *h, const struct insn *in)
{
    return load(h, in, 1, false);
}

int exec_lhu(struct hart *h, const struct insn *in)
{
    return load(h, in, 2, false);
}

int exec_lwu(struct hart *h, const struct insn *in)
{
    return load(h, in, 4, false);
}

int exec_sb(struct hart *h, const struct insn *in)
{
    return store(h, in, 1);
}

int exec_sh(struct hart *h, const struct insn *in)
{
    return store(h, in, 2);
}

int exec_sw(struct hart *h, const struct insn *in)
{
    return store(h, in, 4);
}

int exec_sd(struct hart *h, const struct insn *in)
{
    return store(h, in, 8);
}

/* ------------------------------------------------- register-immediate */

int exec_addi(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] + (uint64_t)in->imm);
}

int exec_slti(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, (int64_t)h->x[in->rs1] < in->imm);
}

int exec_sltiu(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] < (uint64_t)in->imm);
}

int exec_xori(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] ^ (uint64_t)in->imm);
}

int exec_ori(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] | (uint64_t)in->imm);
}

int exec_andi(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] & (uint64_t)in->imm);
}

/* Shifts by immediate: imm holds shamt (6 bits; 5 for the W forms). */
int exec_slli(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] << (in->imm & 63));
}

int exec_srli(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] >> (in->imm & 63));
}

int exec_srai(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, (uint64_t)((int64_t)h->x[in->rs1] >> (in->imm & 63)));
}

int exec_addiw(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, sext32(h->x[in->rs1] + (uint64_t)in->imm));
}

int exec_slliw(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, sext32((uint32_t)h->x[in->rs1] << (in->imm & 31)));
}

int exec_srliw(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, sext32((uint32_t)h->x[in->rs1] >> (in->imm & 31)));
}

int exec_sraiw(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, (uint64_t)(int64_t)((int32_t)h->x[in->rs1] >> (in->imm & 31)));
}

/* -------------------------------------------------- register-register */

int exec_add(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] + h->x[in->rs2]);
}

int exec_sub(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] - h->x[in->rs2]);
}

int exec_sll(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] << (h->x[in->rs2] & 63));
}

int exec_slt(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, (int64_t)h->x[in->rs1] < (int64_t)h->x[in->rs2]);
}

int exec_sltu(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] < h->x[in->rs2]);
}

int exec_xor(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] ^ h->x[in->rs2]);
}

int exec_srl(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] >> (h->x[in->rs2] & 63));
}

int exec_sra(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, (uint64_t)((int64_t)h->x[in->rs1] >> (h->x[in->rs2] & 63)));
}

int exec_or(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] | h->x[in->rs2]);
}

int exec_and(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] & h->x[in->rs2]);
}

int exec_addw(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, sext32(h->x[in->rs1] + h->x[in->rs2]));
}

int exec_subw(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, sext32(h->x[in->rs1] - h->x[in->rs2]));
}

int exec_sllw(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, sext32((uint32_t)h->x[in->rs1] << (h->x[in->rs2] & 31)));
}

int exec_srlw(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, sext32((uint32_t)h->x[in->rs1] >> (h->x[in->rs2] & 31)));
}

int exec_sraw(struct hart *h, const struct insn *in)
{
    int32_t value = (int32_t)h->x[in->rs1];
    return retire_rd(h, in, (uint64_t)(int64_t)(value >> (h->x[in->rs2] & 31)));
}

/* ------------------------------------------------------------ fences */

int exec_fence(struct hart *h, const struct insn *in)
{
    h->pc += in->len;
    return exec_next(h, in);
}

int exec_fence_i(struct hart *h, const struct insn *in)
{
    h->pc += in->len;
    return exec_next(h, in);
}

/* ----------------------------------------------------------------- M */

int exec_mul(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, h->x[in->rs1] * h->x[in->rs2]);
}

int exec_mulh(struct hart *h, const struct insn *in)
{
    __int128 product = (__int128)(int64_t)h->x[in->rs1] * (int64_t)h->x[in->rs2];
    return retire_rd(h, in, (uint64_t)(product >> 64));
}

int exec_mulhsu(struct hart *h, const struct insn *in)
{
    __int128 product = (__int128)(int64_t)h->x[in->rs1] * (__int128)h->x[in->rs2];
    return retire_rd(h, in, (uint64_t)(product >> 64));
}

int exec_mulhu(struct hart *h, const struct insn *in)
{
    unsigned __int128 product = (unsigned __int128)h->x[in->rs1] * h->x[in->rs2];
    return retire_rd(h, in, (uint64_t)(product >> 64));
}

int exec_mulw(struct hart *h, const struct insn *in)
{
    return retire_rd(h, in, sext32(h->x[in->rs1] * h->x[in->rs2]));
}

/*
 * Division never traps (§7.2, Table 7.1):
 *   x / 0 = -1 (all ones),  x % 0 = x,
 *   most-negative / -1 = most-negative,  most-negative % -1 = 0.
 */
static int64_t div_signed(int64_t dividend, int64_t divisor, int64_t most_negative)
{
    if (divisor == 0) {
        return -1;
    }
    if (dividend == most_negative && divisor == -1) {
        return most_negative;
    }
    return dividend / divisor;
}

static int64_t rem_signed(int64_t dividend, int64_t divisor, int64_t most_negative)
{
    if (divisor == 0) {
        return dividend;
    }
    if (dividend == most_negative && divisor == -1) {
        return 0;
    }
    return dividend % divisor;
}

int exec_div(struct hart *h, const struct insn *in)
{
    int64_t q = div_signed((int64_t)h->x[in->rs1], (int64_t)h->x[in->rs2], INT64_MIN);
    return retire_rd(h, in, (uint64_t)q);
}

int exec_divu(struct hart *h, const struct insn *in)
{
    uint64_t divisor = h->x[in->rs2];
    return retire_rd(h, in, divisor == 0 ? UINT64_MAX : h->x[in->rs1] / divisor);
}

int exec_rem(struct hart *h, const struct insn *in)
{
    int64_t r = rem_signed((int64_t)h->x[in->rs1], (int64_t)h->x[in->rs2], INT64_MIN);
    return retire_rd(h, in, (uint64_t)r);
}

int exec_remu(struct hart *h, const struct insn *in)
{
    uint64_t divisor = h->x[in->rs2];
    return retire_rd(h, in, divisor == 0 ? h->x[in->rs1] : h->x[in->rs1] % divisor);
}

int exec_divw(struct hart *h, const struct insn *in)
{
    int64_t q = div_signed((int32_t)h->x[in->rs1], (int32_t)h->x[in->rs2], INT32_MIN);
    return retire_rd(h, in, sext32((uint64_t)q));
}

int exec_divuw(struct hart *h, const struct insn *in)
{
    uint32_t dividend = (uint32_t)h->x[in->rs1];
    uint32_t divisor = (uint32_t)h->x[in->rs2];
    return retire_rd(h, in, sext32(divisor == 0 ? UINT32_MAX : dividend / divisor));
}

int exec_remw(struct hart *h, const struct insn *in)
{
    int64_t r = rem_signed((int32_t)h->x[in->rs1], (int32_t)h->x[in->rs2], INT32_MIN);
    return retire_rd(h, in, sext32((uint64_t)r));
}

int exec_remuw(struct hart *h, const struct insn *in)
{
    uint32_t dividend = (uint32_t)h->x[in->rs1];
    uint32_t divisor = (uint32_t)h->x[in->rs2];
    return retire_rd(h, in, sext32(divisor == 0 ? dividend : dividend % divisor));
}

/* ----------------------------------------------------------------- A */

static uint64_t atomic_load_sized(const uint8_t *host, unsigned size)
{
    if (size == 4) {
        return sext32(__atomic_load_n((const uint32_t *)(const void *)host, __ATOMIC_SEQ_CST));
    }
    return __atomic_load_n((const uint64_t *)(const void *)host, __ATOMIC_SEQ_CST);
}

/* LR: load and register a reservation on the GPA (§8.2). */
static int load_reserved(struct hart *h, const struct insn *in, unsigned size)
{
    uint8_t *host = NULL;
    gpa_t gpa = 0;
    int rc = mem_amo_ptr(h, h->x[in->rs1], size, true, &host, &gpa);

    if (rc != 0) {
        return rc;
    }
    h->resv_valid = true;
    h->resv_gpa = gpa;
    return retire_rd_checked(h, in, atomic_load_sized(host, size));
}

/* An AMO/SC that did not retire; a page-table write says which instruction the VMM must do. */
static int amo_stopped(struct hart *h, const struct insn *in, int rc)
{
    if (rc == EXIT_PT_WRITE) {
        h->exit->mmio.atomic_insn = in->raw;
    }
    return rc;
}

/* SC: store only if the reservation is ours and on this GPA; rd = 0 on
 * success, 1 on failure; any SC ends the reservation (§8.2). */
static int store_conditional(struct hart *h, const struct insn *in, unsigned size)
{
    uint8_t *host = NULL;
    gpa_t gpa = 0;
    int rc = mem_amo_ptr(h, h->x[in->rs1], size, false, &host, &gpa);
    bool is_success;

    if (rc != 0) {
        return amo_stopped(h, in, rc);
    }
    is_success = h->resv_valid && h->resv_gpa == gpa;
    h->resv_valid = false;
    if (is_success && size == 4) {
        __atomic_store_n((uint32_t *)(void *)host, (uint32_t)h->x[in->rs2], __ATOMIC_SEQ_CST);
    } else if (is_success) {
        __atomic_store_n((uint64_t *)(void *)host, h->x[in->rs2], __ATOMIC_SEQ_CST);
    }
    return retire_rd_checked(h, in, is_success ? 0 : 1);
}

int exec_lr_w(struct hart *h, const struct insn *in)
{
    return load_reserved(h, in, 4);
}

int exec_lr_d(struct hart *h, const struct insn *in)
{
    return load_reserved(h, in, 8);
}

int exec_sc_w(struct hart *h, const struct insn *in)
{
    return store_conditional(h, in, 4);
}

int exec_sc_d(struct hart *h, const struct insn *in)
{
    return store_conditional(h, in, 8);
}

/*
 * The AMO operations on 64-bit values; for .w both operands arrive
 * sign-extended from 32 bits, which keeps signed and unsigned order, and
 * only the low 32 bits of the result are stored.
 */
enum amo_op { AMO_SWAP, AMO_ADD, AMO_XOR, AMO_AND, AMO_OR, AMO_MIN, AMO_MAX, AMO_MINU, AMO_MAXU };

static uint64_t amo_apply(enum amo_op op, uint64_t old, uint64_t src)
{
    switch (op) {
    case AMO_SWAP:
        return src;
    case AMO_ADD:
        return old + src;
    case AMO_XOR:
        return old ^ src;
    case AMO_AND:
        return old & src;
    case AMO_OR:
        return old | src;
    case AMO_MIN:
        return (int64_t)old < (int64_t)src ? old : src;
    case AMO_MAX:
        return (int64_t)old > (int64_t)src ? old : src;
    case AMO_MINU:
        return old < src ? old : src;
    case AMO_MAXU:
        return old > src ? old : src;
    }
    return old;
}

/* Compare-and-swap until the read-modify-write lands (atomic on the host). */
static uint64_t amo_rmw32(uint8_t *host, enum amo_op op, uint64_t src)
{
    uint32_t *p = (uint32_t *)(void *)host;
    uint32_t old = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    uint32_t new_value;

    do {
        new_value = (uint32_t)amo_apply(op, sext32(old), sext32(src));
    } while (!__atomic_compare_exchange_n(p, &old, new_value, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return sext32(old);
}

static uint64_t amo_rmw64(uint8_t *host, enum amo_op op, uint64_t src)
{
    uint64_t *p = (uint64_t *)(void *)host;
    uint64_t old = __atomic_load_n(p, __ATOMIC_SEQ_CST);
    uint64_t new_value;

    do {
        new_value = amo_apply(op, old, src);
    } while (!__atomic_compare_exchange_n(p, &old, new_value, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return old;
}

/* AMO: rd = old memory value, memory = op(old, rs2) (§8.4). */
static int amo(struct hart *h, const struct insn *in, unsigned size, enum amo_op op)
{
    uint8_t *host = NULL;
    gpa_t gpa = 0;
    int rc = mem_amo_ptr(h, h->x[in->rs1], size, false, &host, &gpa);
    uint64_t old;

    if (rc != 0) {
        return amo_stopped(h, in, rc);
    }
    if (size == 4) {
        old = amo_rmw32(host, op, h->x[in->rs2]);
    } else {
        old = amo_rmw64(host, op, h->x[in->rs2]);
    }
    return retire_rd_checked(h, in, old);
}

int exec_amoswap_w(struct hart *h, const struct insn *in)
{
    return amo(h, in, 4, AMO_SWAP);
}

int exec_amoadd_w(struct hart *h, const struct insn *in)
{
    return amo(h, in, 4, AMO_ADD);
}

int exec_amoxor_w(struct hart *h, const struct insn *in)
{
    return amo(h, in, 4, AMO_XOR);
}

int exec_amoand_w(struct hart *h, const struct insn *in)
{
    return amo(h, in, 4, AMO_AND);
}

int exec_amoor_w(struct hart *h, const struct insn *in)
{
    return amo(h, in, 4, AMO_OR);
}

int exec_amomin_w(struct hart *h, const struct insn *in)
{
    return amo(h, in, 4, AMO_MIN);
}

int exec_amomax_w(struct hart *h, const struct insn *in)
{
    return amo(h, in, 4, AMO_MAX);
}

int exec_amominu_w(struct hart *h, const struct insn *in)
{
    return amo(h, in, 4, AMO_MINU);
}

int exec_amomaxu_w(struct hart *h, const struct insn *in)
{
    return amo(h, in, 4, AMO_MAXU);
}

int exec_amoswap_d(struct hart *h, const struct insn *in)
{
    return amo(h, in, 8, AMO_SWAP);
}

int exec_amoadd_d(struct hart *h, const struct insn *in)
{
    return amo(h, in, 8, AMO_ADD);
}

int exec_amoxor_d(struct hart *h, const struct insn *in)
{
    return amo(h, in, 8, AMO_XOR);
}

int exec_amoand_d(struct hart *h, const struct insn *in)
{
    return amo(h, in, 8, AMO_AND);
}

int exec_amoor_d(struct hart *h, const struct insn *in)
{
    return amo(h, in, 8, AMO_OR);
}

int exec_amomin_d(struct hart *h, const struct insn *in)
{
    return amo(h, in, 8, AMO_MIN);
}

int exec_amomax_d(struct hart *h, const struct insn *in)
{
    return amo(h, in, 8, AMO_MAX);
}

int exec_amominu_d(struct hart *h, const struct insn *in)
{
    return amo(h, in, 8, AMO_MINU);
}

int exec_amomaxu_d(struct hart *h, const struct insn *in)
{
    return amo(h, in, 8, AMO_MAXU);
}
