/*
 * cpu/insn_table.c - the one decode table of RV64GC: {match, mask, name,
 * exec, format, decode} per encoding, shared by the decoder, the
 * disassembler and the tests, plus the operand extractors of each format.
 * Course: 处理器虚拟化 / 解释执行 (取指 - 译码 - 执行: decode once into a
 *         struct insn, execute it many times).
 * Spec: Unprivileged 20191213, Chapter 24 "RV32/64G Instruction Set
 *       Listings" and §16.8 "RVC Instruction Set Listings"; Privileged
 *       20211203, §3.3 and §4.2.1 (mret, sret, wfi, sfence.vma).
 *
 * Rules of the table:
 *  - masks are exact: no two rows match the same encoding (check_decode
 *    tests every pair), so the order of rows never decides anything;
 *  - a "field must be non-zero" condition that separates two instructions
 *    (c.mv/c.jr, c.add/c.jalr/c.ebreak, c.lui/c.addi16sp) is written as
 *    several rows whose masks split the field ("rs2 = 1xxxx", "01xxx", ...);
 *  - a reserved value inside a row that no other instruction uses (c.lwsp
 *    with rd = 0, c.addi4spn with nzuimm = 0, ...) is refused by the row's
 *    decode function, which sets in->exec = exec_illegal;
 *  - rows are sorted by insn_table_key() of their match (a test checks it).
 * Simplified: fence with fm other than 0000 (and fence.tso) decodes as
 * illegal instead of as a plain fence; HINTs execute as their base op.
 */
#include "cpu/internal.h"

#include "cpu/exec.h"

/* ------------------------------------------------------------- fields */

/*
 *  31     25 24  20 19  15 14 12 11   7 6      0
 * | funct7  |  rs2 |  rs1 |funct3|  rd  | opcode |   R-type
 */
static unsigned field(uint32_t raw, unsigned lo, unsigned width)
{
    return (raw >> lo) & ((1u << width) - 1);
}

static int64_t sign_extend(uint64_t value, unsigned bits)
{
    uint64_t sign = 1ull << (bits - 1);
    return (int64_t)((value ^ sign) - sign);
}

/* Integer destination: x0 becomes the sink register x[32]. */
static uint8_t int_rd(unsigned rd)
{
    return rd == 0 ? 32 : (uint8_t)rd;
}

/* The 3-bit register fields of CIW/CL/CS/CA/CB name x8..x15 (or f8..f15). */
static uint8_t creg(uint32_t raw, unsigned lo)
{
    return (uint8_t)(8 + field(raw, lo, 3));
}

static void mark_reserved(struct insn *in)
{
    in->exec = exec_illegal;
}

/* ------------------------------------------------- 32-bit immediates */

static int64_t imm_i(uint32_t raw)
{
    return sign_extend(raw >> 20, 12);
}

static int64_t imm_s(uint32_t raw)
{
    return sign_extend((field(raw, 25, 7) << 5) | field(raw, 7, 5), 12);
}

/* B: imm[12|10:5] in 31:25, imm[4:1|11] in 11:7 */
static int64_t imm_b(uint32_t raw)
{
    uint32_t imm = (field(raw, 31, 1) << 12) | (field(raw, 7, 1) << 11) | (field(raw, 25, 6) << 5) |
                   (field(raw, 8, 4) << 1);
    return sign_extend(imm, 13);
}

static int64_t imm_u(uint32_t raw)
{
    return (int64_t)(int32_t)(raw & 0xfffff000u);
}

/* J: imm[20|10:1|11|19:12] in 31:12 */
static int64_t imm_j(uint32_t raw)
{
    uint32_t imm = (field(raw, 31, 1) << 20) | (field(raw, 12, 8) << 12) |
                   (field(raw, 20, 1) << 11) | (field(raw, 21, 10) << 1);
    return sign_extend(imm, 21);
}

/* ----------------------------------------------- 32-bit decode funcs */

static void dec_r(struct insn *in, uint32_t raw)
{
    in->rd = int_rd(field(raw, 7, 5));
    in->rs1 = (uint8_t)field(raw, 15, 5);
    in->rs2 = (uint8_t)field(raw, 20, 5);
}

static void dec_i(struct insn *in, uint32_t raw)
{
    in->rd = int_rd(field(raw, 7, 5));
    in->rs1 = (uint8_t)field(raw, 15, 5);
    in->imm = imm_i(raw);
}

/* slli/srli/srai: 6-bit shamt; *w: funct7 fixes bit 25 = 0 so 5 bits remain */
static void dec_shift(struct insn *in, uint32_t raw)
{
    in->rd = int_rd(field(raw, 7, 5));
    in->rs1 = (uint8_t)field(raw, 15, 5);
    in->imm = field(raw, 20, 6);
}

static void dec_s(struct insn *in, uint32_t raw)
{
    in->rs1 = (uint8_t)field(raw, 15, 5);
    in->rs2 = (uint8_t)field(raw, 20, 5);
    in->imm = imm_s(raw);
}

static void dec_b(struct insn *in, uint32_t raw)
{
    in->rs1 = (uint8_t)field(raw, 15, 5);
    in->rs2 = (uint8_t)field(raw, 20, 5);
    in->imm = imm_b(raw);
}

static void dec_u(struct insn *in, uint32_t raw)
{
    in->rd = int_rd(field(raw, 7, 5));
    in->imm = imm_u(raw);
}

static void dec_j(struct insn *in, uint32_t raw)
{
    in->rd = int_rd(field(raw, 7, 5));
    in->imm = imm_j(raw);
}

/* fence: pred/succ/fm stay in imm (bits 31:20); rs1 and rd are ignored */
static void dec_fence(struct insn *in, uint32_t raw)
{
    in->imm = raw >> 20;
}

static void dec_none(struct insn *in, uint32_t raw)
{
    (void)in;
    (void)raw;
}

/* Zicsr: csr = bits 31:20; for csrr*i the 5-bit zimm is both rs1 and imm */
static void dec_csr(struct insn *in, uint32_t raw)
{
    in->rd = int_rd(field(raw, 7, 5));
    in->rs1 = (uint8_t)field(raw, 15, 5);
    in->imm = field(raw, 15, 5);
    in->csr = (uint16_t)(raw >> 20);
}

/* FP destination (f0 is an ordinary register), FP sources, rm = funct3 */
static void dec_fr(struct insn *in, uint32_t raw)
{
    in->rd = (uint8_t)field(raw, 7, 5);
    in->rs1 = (uint8_t)field(raw, 15, 5);
    in->rs2 = (uint8_t)field(raw, 20, 5);
    in->rm = (uint8_t)field(raw, 12, 3);
}

static void dec_fr4(struct insn *in, uint32_t raw)
{
    dec_fr(in, raw);
    in->rs3 = (uint8_t)field(raw, 27, 5);
}

/* FP -> integer register (fcvt.w.s, fmv.x.w, fclass, feq...) */
static void dec_f2i(struct insn *in, uint32_t raw)
{
    dec_fr(in, raw);
    in->rd = int_rd(field(raw, 7, 5));
}

static void dec_fload(struct insn *in, uint32_t raw)
{
    in->rd = (uint8_t)field(raw, 7, 5);
    in->rs1 = (uint8_t)field(raw, 15, 5);
    in->imm = imm_i(raw);
}

/* ------------------------------------------------ 16-bit decode funcs */

/*
 * RVC immediates are scrambled; each function below spells out where
 * every immediate bit sits (Unprivileged §16.8, Tables 16.5-16.7).
 */

/* c.addi4spn: nzuimm[5:4|9:6|2|3] in 12:5; nzuimm = 0 is reserved */
static void dec_c_addi4spn(struct insn *in, uint32_t raw)
{
    uint32_t imm = (field(raw, 11, 2) << 4) | (field(raw, 7, 4) << 6) | (field(raw, 6, 1) << 2) |
                   (field(raw, 5, 1) << 3);
    in->rd = creg(raw, 2);
    in->rs1 = 2;
    in->imm = imm;
    if (imm == 0) {
        mark_reserved(in);
    }
}

/* CL/CS word: uimm[5:3] in 12:10, uimm[2|6] in 6:5 */
static int64_t imm_cl_w(uint32_t raw)
{
    return (field(raw, 10, 3) << 3) | (field(raw, 6, 1) << 2) | (field(raw, 5, 1) << 6);
}

/* CL/CS double: uimm[5:3] in 12:10, uimm[7:6] in 6:5 */
static int64_t imm_cl_d(uint32_t raw)
{
    return (field(raw, 10, 3) << 3) | (field(raw, 5, 2) << 6);
}

static void dec_c_lw(struct insn *in, uint32_t raw)
{
    in->rd = creg(raw, 2);
    in->rs1 = creg(raw, 7);
    in->imm = imm_cl_w(raw);
}

static void dec_c_ld(struct insn *in, uint32_t raw)
{
    in->rd = creg(raw, 2);
    in->rs1 = creg(raw, 7);
    in->imm = imm_cl_d(raw);
}

static void dec_c_sw(struct insn *in, uint32_t raw)
{
    in->rs2 = creg(raw, 2);
    in->rs1 = creg(raw, 7);
    in->imm = imm_cl_w(raw);
}

static void dec_c_sd(struct insn *in, uint32_t raw)
{
    in->rs2 = creg(raw, 2);
    in->rs1 = creg(raw, 7);
    in->imm = imm_cl_d(raw);
}

/* CI: imm[5] in 12, imm[4:0] in 6:2, sign-extended from bit 5 */
static int64_t imm_ci(uint32_t raw)
{
    return sign_extend((field(raw, 12, 1) << 5) | field(raw, 2, 5), 6);
}

/* c.addi rd, imm: rd = rd + imm (rd = 0 is a HINT, executed as a no-op) */
static void dec_c_addi(struct insn *in, uint32_t raw)
{
    in->rs1 = (uint8_t)field(raw, 7, 5);
    in->rd = int_rd(in->rs1);
    in->imm = imm_ci(raw);
}

/* c.addiw: rd = 0 is reserved */
static void dec_c_addiw(struct insn *in, uint32_t raw)
{
    dec_c_addi(in, raw);
    if (in->rs1 == 0) {
        mark_reserved(in);
    }
}

static void dec_c_li(struct insn *in, uint32_t raw)
{
    in->rd = int_rd(field(raw, 7, 5));
    in->rs1 = 0;
    in->imm = imm_ci(raw);
}

/* c.lui: nzimm[17] in 12, nzimm[16:12] in 6:2; nzimm = 0 is reserved */
static void dec_c_lui(struct insn *in, uint32_t raw)
{
    in->rd = int_rd(field(raw, 7, 5));
    in->imm = imm_ci(raw) * 4096;
    if (in->imm == 0) {
        mark_reserved(in);
    }
}

/* c.addi16sp: nzimm[9] in 12, nzimm[4|6|8:7|5] in 6:2; 0 is reserved */
static void dec_c_addi16sp(struct insn *in, uint32_t raw)
{
    uint32_t imm = (field(raw, 12, 1) << 9) | (field(raw, 6, 1) << 4) | (field(raw, 5, 1) << 6) |
                   (field(raw, 3, 2) << 7) | (field(raw, 2, 1) << 5);
    in->rd = 2;
    in->rs1 = 2;
    in->imm = sign_extend(imm, 10);
    if (imm == 0) {
        mark_reserved(in);
    }
}

/* c.srli/c.srai/c.andi: rd' = rs1', shamt[5] in 12 (RV64), shamt[4:0] in 6:2 */
static void dec_c_shift_b(struct insn *in, uint32_t raw)
{
    in->rs1 = creg(raw, 7);
    in->rd = in->rs1;
    in->imm = (field(raw, 12, 1) << 5) | field(raw, 2, 5);
}

static void dec_c_andi(struct insn *in, uint32_t raw)
{
    in->rs1 = creg(raw, 7);
    in->rd = in->rs1;
    in->imm = imm_ci(raw);
}

/* CA: rd' = rs1' in 9:7, rs2' in 4:2 */
static void dec_c_alu(struct insn *in, uint32_t raw)
{
    in->rs1 = creg(raw, 7);
    in->rd = in->rs1;
    in->rs2 = creg(raw, 2);
}

/* c.j: offset[11|4|9:8|10|6|7|3:1|5] in 12:2; link register is the sink */
static void dec_c_j(struct insn *in, uint32_t raw)
{
    uint32_t imm = (field(raw, 12, 1) << 11) | (field(raw, 11, 1) << 4) | (field(raw, 9, 2) << 8) |
                   (field(raw, 8, 1) << 10) | (field(raw, 7, 1) << 6) | (field(raw, 6, 1) << 7) |
                   (field(raw, 3, 3) << 1) | (field(raw, 2, 1) << 5);
    in->rd = 32;
    in->imm = sign_extend(imm, 12);
}

/* c.beqz/c.bnez: offset[8|4:3] in 12:10, offset[7:6|2:1|5] in 6:2; rs2 = x0 */
static void dec_c_branch(struct insn *in, uint32_t raw)
{
    uint32_t imm = (field(raw, 12, 1) << 8) | (field(raw, 10, 2) << 3) | (field(raw, 5, 2) << 6) |
                   (field(raw, 3, 2) << 1) | (field(raw, 2, 1) << 5);
    in->rs1 = creg(raw, 7);
    in->rs2 = 0;
    in->imm = sign_extend(imm, 9);
}

/* c.slli: rd = rs1 in 11:7 (rd = 0 is a HINT), shamt as in dec_c_shift_b */
static void dec_c_slli(struct insn *in, uint32_t raw)
{
    in->rs1 = (uint8_t)field(raw, 7, 5);
    in->rd = int_rd(in->rs1);
    in->imm = (field(raw, 12, 1) << 5) | field(raw, 2, 5);
}

/* c.lwsp: uimm[5] in 12, uimm[4:2|7:6] in 6:2; rd = 0 is reserved */
static void dec_c_lwsp(struct insn *in, uint32_t raw)
{
    unsigned rd = field(raw, 7, 5);
    in->rd = int_rd(rd);
    in->rs1 = 2;
    in->imm = (field(raw, 12, 1) << 5) | (field(raw, 4, 3) << 2) | (field(raw, 2, 2) << 6);
    if (rd == 0) {
        mark_reserved(in);
    }
}

/* c.ldsp/c.fldsp: uimm[5] in 12, uimm[4:3|8:6] in 6:2 */
static int64_t imm_ldsp(uint32_t raw)
{
    return (field(raw, 12, 1) << 5) | (field(raw, 5, 2) << 3) | (field(raw, 2, 3) << 6);
}

static void dec_c_ldsp(struct insn *in, uint32_t raw)
{
    unsigned rd = field(raw, 7, 5);
    in->rd = int_rd(rd);
    in->rs1 = 2;
    in->imm = imm_ldsp(raw);
    if (rd == 0) {
        mark_reserved(in);
    }
}

static void dec_c_fldsp(struct insn *in, uint32_t raw)
{
    in->rd = (uint8_t)field(raw, 7, 5);
    in->rs1 = 2;
    in->imm = imm_ldsp(raw);
}

/* c.swsp: uimm[5:2|7:6] in 12:7, rs2 in 6:2 */
static void dec_c_swsp(struct insn *in, uint32_t raw)
{
    in->rs1 = 2;
    in->rs2 = (uint8_t)field(raw, 2, 5);
    in->imm = (field(raw, 9, 4) << 2) | (field(raw, 7, 2) << 6);
}

/* c.sdsp/c.fsdsp: uimm[5:3|8:6] in 12:7 */
static void dec_c_sdsp(struct insn *in, uint32_t raw)
{
    in->rs1 = 2;
    in->rs2 = (uint8_t)field(raw, 2, 5);
    in->imm = (field(raw, 10, 3) << 3) | (field(raw, 7, 3) << 6);
}

/* c.jr rs1 = jalr x0, 0(rs1); rs1 = 0 is reserved */
static void dec_c_jr(struct insn *in, uint32_t raw)
{
    in->rs1 = (uint8_t)field(raw, 7, 5);
    in->rd = 32;
    in->imm = 0;
    if (in->rs1 == 0) {
        mark_reserved(in);
    }
}

/* c.jalr rs1 = jalr ra, 0(rs1) (rows only exist for rs1 != 0) */
static void dec_c_jalr(struct insn *in, uint32_t raw)
{
    in->rs1 = (uint8_t)field(raw, 7, 5);
    in->rd = 1;
    in->imm = 0;
}

/* c.mv rd, rs2 = add rd, x0, rs2 (rd = 0 is a HINT) */
static void dec_c_mv(struct insn *in, uint32_t raw)
{
    in->rd = int_rd(field(raw, 7, 5));
    in->rs1 = 0;
    in->rs2 = (uint8_t)field(raw, 2, 5);
}

/* c.add rd, rs2 = add rd, rd, rs2 (rd = 0 is a HINT) */
static void dec_c_add(struct insn *in, uint32_t raw)
{
    in->rs1 = (uint8_t)field(raw, 7, 5);
    in->rd = int_rd(in->rs1);
    in->rs2 = (uint8_t)field(raw, 2, 5);
}

/* ------------------------------------------------------------- table */

/*
 * A 5-bit register field at bit `lo` that must be non-zero, as five rows
 * with disjoint masks: 1xxxx, 01xxx, 001xx, 0001x, 00001.
 */
/* clang-format off */
#define NONZERO_REG_ROWS(match, mask, lo, name, exec, fmt, dec)                                   \
    {(match) | (0x10u << (lo)), (mask) | (0x10u << (lo)), name, exec, fmt, dec},                  \
        {(match) | (0x08u << (lo)), (mask) | (0x18u << (lo)), name, exec, fmt, dec},              \
        {(match) | (0x04u << (lo)), (mask) | (0x1cu << (lo)), name, exec, fmt, dec},              \
        {(match) | (0x02u << (lo)), (mask) | (0x1eu << (lo)), name, exec, fmt, dec},              \
        {(match) | (0x01u << (lo)), (mask) | (0x1fu << (lo)), name, exec, fmt, dec}
/* clang-format on */

/* Masks of the common shapes. */
#define M_OPC    0x0000007fu /* opcode only: lui, auipc, jal */
#define M_F3     0x0000707fu /* opcode + funct3 */
#define M_F7     0xfe00707fu /* R-type: + funct7 */
#define M_SH64   0xfc00707fu /* RV64 shifts: funct6 */
#define M_FR     0xfe00007fu /* FP with rm: funct7 */
#define M_FR_RS2 0xfff0007fu /* FP with rm, rs2 selects the op */
#define M_FR_F3  0xfff0707fu /* FP without rm, rs2 = 0 */
#define M_R4     0x0600007fu /* fused multiply-add: fmt */
#define M_AMO    0xf800707fu /* funct5 + funct3; aq/rl free */
#define M_LR     0xf9f0707fu /* lr: rs2 = 0 */
#define M_C      0xe003u     /* 16-bit: funct3 + quadrant */
#define M_CB2    0xec03u     /* c.srli/c.srai/c.andi */
#define M_CA     0xfc63u     /* c.sub ... c.addw */

const struct insn_desc insn_table[] = {
    /* ---- quadrant 0 ---- */
    {0x0000, M_C, "c.addi4spn", exec_addi, FMT_I, dec_c_addi4spn},
    {0x2000, M_C, "c.fld", exec_fld, FMT_FLOAD, dec_c_ld},
    {0x4000, M_C, "c.lw", exec_lw, FMT_LOAD, dec_c_lw},
    {0x6000, M_C, "c.ld", exec_ld, FMT_LOAD, dec_c_ld},
    {0xa000, M_C, "c.fsd", exec_fsd, FMT_FSTORE, dec_c_sd},
    {0xc000, M_C, "c.sw", exec_sw, FMT_STORE, dec_c_sw},
    {0xe000, M_C, "c.sd", exec_sd, FMT_STORE, dec_c_sd},
    /* ---- quadrant 1 ---- */
    {0x0001, M_C, "c.addi", exec_addi, FMT_CI, dec_c_addi},
    {0x2001, M_C, "c.addiw", exec_addiw, FMT_CI, dec_c_addiw},
    {0x4001, M_C, "c.li", exec_addi, FMT_CI, dec_c_li},
    {0x6101, 0xef83, "c.addi16sp", exec_addi, FMT_CI, dec_c_addi16sp},
    /* c.lui: rd != 2 (x2 is c.addi16sp) as 1xxxx, 01xxx, 001xx, 0000x, 00011 */
    {0x6801, 0xe803, "c.lui", exec_lui, FMT_U, dec_c_lui},
    {0x6401, 0xec03, "c.lui", exec_lui, FMT_U, dec_c_lui},
    {0x6201, 0xee03, "c.lui", exec_lui, FMT_U, dec_c_lui},
    {0x6001, 0xef03, "c.lui", exec_lui, FMT_U, dec_c_lui},
    {0x6181, 0xef83, "c.lui", exec_lui, FMT_U, dec_c_lui},
    {0x8001, M_CB2, "c.srli", exec_srli, FMT_CSHIFT, dec_c_shift_b},
    {0x8401, M_CB2, "c.srai", exec_srai, FMT_CSHIFT, dec_c_shift_b},
    {0x8801, M_CB2, "c.andi", exec_andi, FMT_CI, dec_c_andi},
    {0x8c01, M_CA, "c.sub", exec_sub, FMT_CR, dec_c_alu},
    {0x8c21, M_CA, "c.xor", exec_xor, FMT_CR, dec_c_alu},
    {0x8c41, M_CA, "c.or", exec_or, FMT_CR, dec_c_alu},
    {0x8c61, M_CA, "c.and", exec_and, FMT_CR, dec_c_alu},
    {0x9c01, M_CA, "c.subw", exec_subw, FMT_CR, dec_c_alu},
    {0x9c21, M_CA, "c.addw", exec_addw, FMT_CR, dec_c_alu},
    {0xa001, M_C, "c.j", exec_jal, FMT_CJ, dec_c_j},
    {0xc001, M_C, "c.beqz", exec_beq, FMT_CB, dec_c_branch},
    {0xe001, M_C, "c.bnez", exec_bne, FMT_CB, dec_c_branch},
    /* ---- quadrant 2 ---- */
    {0x0002, M_C, "c.slli", exec_slli, FMT_CSHIFT, dec_c_slli},
    {0x2002, M_C, "c.fldsp", exec_fld, FMT_FLOAD, dec_c_fldsp},
    {0x4002, M_C, "c.lwsp", exec_lw, FMT_LOAD, dec_c_lwsp},
    {0x6002, M_C, "c.ldsp", exec_ld, FMT_LOAD, dec_c_ldsp},
    {0x8002, 0xf07f, "c.jr", exec_jalr, FMT_CJR, dec_c_jr},
    NONZERO_REG_ROWS(0x8002u, 0xf003u, 2, "c.mv", exec_add, FMT_CR, dec_c_mv),
    {0x9002, 0xffff, "c.ebreak", exec_ebreak, FMT_NONE, dec_none},
    NONZERO_REG_ROWS(0x9002u, 0xf07fu, 7, "c.jalr", exec_jalr, FMT_CJR, dec_c_jalr),
    NONZERO_REG_ROWS(0x9002u, 0xf003u, 2, "c.add", exec_add, FMT_CR, dec_c_add),
    {0xa002, M_C, "c.fsdsp", exec_fsd, FMT_FSTORE, dec_c_sdsp},
    {0xc002, M_C, "c.swsp", exec_sw, FMT_STORE, dec_c_swsp},
    {0xe002, M_C, "c.sdsp", exec_sd, FMT_STORE, dec_c_sdsp},

    /* ---- LOAD 0000011 ---- */
    {0x00000003, M_F3, "lb", exec_lb, FMT_LOAD, dec_i},
    {0x00001003, M_F3, "lh", exec_lh, FMT_LOAD, dec_i},
    {0x00002003, M_F3, "lw", exec_lw, FMT_LOAD, dec_i},
    {0x00003003, M_F3, "ld", exec_ld, FMT_LOAD, dec_i},
    {0x00004003, M_F3, "lbu", exec_lbu, FMT_LOAD, dec_i},
    {0x00005003, M_F3, "lhu", exec_lhu, FMT_LOAD, dec_i},
    {0x00006003, M_F3, "lwu", exec_lwu, FMT_LOAD, dec_i},
    /* ---- LOAD-FP 0000111 ---- */
    {0x00002007, M_F3, "flw", exec_flw, FMT_FLOAD, dec_fload},
    {0x00003007, M_F3, "fld", exec_fld, FMT_FLOAD, dec_fload},
    /* ---- MISC-MEM 0001111 ---- */
    {0x0000000f, 0xf000707f, "fence", exec_fence, FMT_FENCE, dec_fence},
    {0x8330000f, 0xfff0707f, "fence.tso", exec_fence, FMT_NONE, dec_fence},
    {0x0000100f, M_F3, "fence.i", exec_fence_i, FMT_NONE, dec_none},
    /* ---- OP-IMM 0010011 ---- */
    {0x00000013, M_F3, "addi", exec_addi, FMT_I, dec_i},
    {0x00001013, M_SH64, "slli", exec_slli, FMT_SHIFT, dec_shift},
    {0x00002013, M_F3, "slti", exec_slti, FMT_I, dec_i},
    {0x00003013, M_F3, "sltiu", exec_sltiu, FMT_I, dec_i},
    {0x00004013, M_F3, "xori", exec_xori, FMT_I, dec_i},
    {0x00005013, M_SH64, "srli", exec_srli, FMT_SHIFT, dec_shift},
    {0x40005013, M_SH64, "srai", exec_srai, FMT_SHIFT, dec_shift},
    {0x00006013, M_F3, "ori", exec_ori, FMT_I, dec_i},
    {0x00007013, M_F3, "andi", exec_andi, FMT_I, dec_i},
    /* ---- AUIPC 0010111 ---- */
    {0x00000017, M_OPC, "auipc", exec_auipc, FMT_U, dec_u},
    /* ---- OP-IMM-32 0011011 (shamt[5] = 1 is reserved: funct7 mask) ---- */
    {0x0000001b, M_F3, "addiw", exec_addiw, FMT_I, dec_i},
    {0x0000101b, M_F7, "slliw", exec_slliw, FMT_SHIFT, dec_shift},
    {0x0000501b, M_F7, "srliw", exec_srliw, FMT_SHIFT, dec_shift},
    {0x4000501b, M_F7, "sraiw", exec_sraiw, FMT_SHIFT, dec_shift},
    /* ---- STORE 0100011 ---- */
    {0x00000023, M_F3, "sb", exec_sb, FMT_STORE, dec_s},
    {0x00001023, M_F3, "sh", exec_sh, FMT_STORE, dec_s},
    {0x00002023, M_F3, "sw", exec_sw, FMT_STORE, dec_s},
    {0x00003023, M_F3, "sd", exec_sd, FMT_STORE, dec_s},
    /* ---- STORE-FP 0100111 ---- */
    {0x00002027, M_F3, "fsw", exec_fsw, FMT_FSTORE, dec_s},
    {0x00003027, M_F3, "fsd", exec_fsd, FMT_FSTORE, dec_s},
    /* ---- AMO 0101111: funct5 in 31:27, aq 26, rl 25 ---- */
    {0x1000202f, M_LR, "lr.w", exec_lr_w, FMT_LR, dec_r},
    {0x1800202f, M_AMO, "sc.w", exec_sc_w, FMT_AMO, dec_r},
    {0x0800202f, M_AMO, "amoswap.w", exec_amoswap_w, FMT_AMO, dec_r},
    {0x0000202f, M_AMO, "amoadd.w", exec_amoadd_w, FMT_AMO, dec_r},
    {0x2000202f, M_AMO, "amoxor.w", exec_amoxor_w, FMT_AMO, dec_r},
    {0x6000202f, M_AMO, "amoand.w", exec_amoand_w, FMT_AMO, dec_r},
    {0x4000202f, M_AMO, "amoor.w", exec_amoor_w, FMT_AMO, dec_r},
    {0x8000202f, M_AMO, "amomin.w", exec_amomin_w, FMT_AMO, dec_r},
    {0xa000202f, M_AMO, "amomax.w", exec_amomax_w, FMT_AMO, dec_r},
    {0xc000202f, M_AMO, "amominu.w", exec_amominu_w, FMT_AMO, dec_r},
    {0xe000202f, M_AMO, "amomaxu.w", exec_amomaxu_w, FMT_AMO, dec_r},
    {0x1000302f, M_LR, "lr.d", exec_lr_d, FMT_LR, dec_r},
    {0x1800302f, M_AMO, "sc.d", exec_sc_d, FMT_AMO, dec_r},
    {0x0800302f, M_AMO, "amoswap.d", exec_amoswap_d, FMT_AMO, dec_r},
    {0x0000302f, M_AMO, "amoadd.d", exec_amoadd_d, FMT_AMO, dec_r},
    {0x2000302f, M_AMO, "amoxor.d", exec_amoxor_d, FMT_AMO, dec_r},
    {0x6000302f, M_AMO, "amoand.d", exec_amoand_d, FMT_AMO, dec_r},
    {0x4000302f, M_AMO, "amoor.d", exec_amoor_d, FMT_AMO, dec_r},
    {0x8000302f, M_AMO, "amomin.d", exec_amomin_d, FMT_AMO, dec_r},
    {0xa000302f, M_AMO, "amomax.d", exec_amomax_d, FMT_AMO, dec_r},
    {0xc000302f, M_AMO, "amominu.d", exec_amominu_d, FMT_AMO, dec_r},
    {0xe000302f, M_AMO, "amomaxu.d", exec_amomaxu_d, FMT_AMO, dec_r},
    /* ---- OP 0110011 ---- */
    {0x00000033, M_F7, "add", exec_add, FMT_R, dec_r},
    {0x40000033, M_F7, "sub", exec_sub, FMT_R, dec_r},
    {0x00001033, M_F7, "sll", exec_sll, FMT_R, dec_r},
    {0x00002033, M_F7, "slt", exec_slt, FMT_R, dec_r},
    {0x00003033, M_F7, "sltu", exec_sltu, FMT_R, dec_r},
    {0x00004033, M_F7, "xor", exec_xor, FMT_R, dec_r},
    {0x00005033, M_F7, "srl", exec_srl, FMT_R, dec_r},
    {0x40005033, M_F7, "sra", exec_sra, FMT_R, dec_r},
    {0x00006033, M_F7, "or", exec_or, FMT_R, dec_r},
    {0x00007033, M_F7, "and", exec_and, FMT_R, dec_r},
    {0x02000033, M_F7, "mul", exec_mul, FMT_R, dec_r},
    {0x02001033, M_F7, "mulh", exec_mulh, FMT_R, dec_r},
    {0x02002033, M_F7, "mulhsu", exec_mulhsu, FMT_R, dec_r},
    {0x02003033, M_F7, "mulhu", exec_mulhu, FMT_R, dec_r},
    {0x02004033, M_F7, "div", exec_div, FMT_R, dec_r},
    {0x02005033, M_F7, "divu", exec_divu, FMT_R, dec_r},
    {0x02006033, M_F7, "rem", exec_rem, FMT_R, dec_r},
    {0x02007033, M_F7, "remu", exec_remu, FMT_R, dec_r},
    /* ---- LUI 0110111 ---- */
    {0x00000037, M_OPC, "lui", exec_lui, FMT_U, dec_u},
    /* ---- OP-32 0111011 ---- */
    {0x0000003b, M_F7, "addw", exec_addw, FMT_R, dec_r},
    {0x4000003b, M_F7, "subw", exec_subw, FMT_R, dec_r},
    {0x0000103b, M_F7, "sllw", exec_sllw, FMT_R, dec_r},
    {0x0000503b, M_F7, "srlw", exec_srlw, FMT_R, dec_r},
    {0x4000503b, M_F7, "sraw", exec_sraw, FMT_R, dec_r},
    {0x0200003b, M_F7, "mulw", exec_mulw, FMT_R, dec_r},
    {0x0200403b, M_F7, "divw", exec_divw, FMT_R, dec_r},
    {0x0200503b, M_F7, "divuw", exec_divuw, FMT_R, dec_r},
    {0x0200603b, M_F7, "remw", exec_remw, FMT_R, dec_r},
    {0x0200703b, M_F7, "remuw", exec_remuw, FMT_R, dec_r},
    /* ---- MADD / MSUB / NMSUB / NMADD: fmt in 26:25 (00 S, 01 D) ---- */
    {0x00000043, M_R4, "fmadd.s", exec_fmadd_s, FMT_FR4, dec_fr4},
    {0x02000043, M_R4, "fmadd.d", exec_fmadd_d, FMT_FR4, dec_fr4},
    {0x00000047, M_R4, "fmsub.s", exec_fmsub_s, FMT_FR4, dec_fr4},
    {0x02000047, M_R4, "fmsub.d", exec_fmsub_d, FMT_FR4, dec_fr4},
    {0x0000004b, M_R4, "fnmsub.s", exec_fnmsub_s, FMT_FR4, dec_fr4},
    {0x0200004b, M_R4, "fnmsub.d", exec_fnmsub_d, FMT_FR4, dec_fr4},
    {0x0000004f, M_R4, "fnmadd.s", exec_fnmadd_s, FMT_FR4, dec_fr4},
    {0x0200004f, M_R4, "fnmadd.d", exec_fnmadd_d, FMT_FR4, dec_fr4},
    /* ---- OP-FP 1010011 ---- */
    {0x00000053, M_FR, "fadd.s", exec_fadd_s, FMT_FR, dec_fr},
    {0x02000053, M_FR, "fadd.d", exec_fadd_d, FMT_FR, dec_fr},
    {0x08000053, M_FR, "fsub.s", exec_fsub_s, FMT_FR, dec_fr},
    {0x0a000053, M_FR, "fsub.d", exec_fsub_d, FMT_FR, dec_fr},
    {0x10000053, M_FR, "fmul.s", exec_fmul_s, FMT_FR, dec_fr},
    {0x12000053, M_FR, "fmul.d", exec_fmul_d, FMT_FR, dec_fr},
    {0x18000053, M_FR, "fdiv.s", exec_fdiv_s, FMT_FR, dec_fr},
    {0x1a000053, M_FR, "fdiv.d", exec_fdiv_d, FMT_FR, dec_fr},
    {0x58000053, M_FR_RS2, "fsqrt.s", exec_fsqrt_s, FMT_FR1, dec_fr},
    {0x5a000053, M_FR_RS2, "fsqrt.d", exec_fsqrt_d, FMT_FR1, dec_fr},
    {0x20000053, M_F7, "fsgnj.s", exec_fsgnj_s, FMT_FR, dec_fr},
    {0x20001053, M_F7, "fsgnjn.s", exec_fsgnjn_s, FMT_FR, dec_fr},
    {0x20002053, M_F7, "fsgnjx.s", exec_fsgnjx_s, FMT_FR, dec_fr},
    {0x22000053, M_F7, "fsgnj.d", exec_fsgnj_d, FMT_FR, dec_fr},
    {0x22001053, M_F7, "fsgnjn.d", exec_fsgnjn_d, FMT_FR, dec_fr},
    {0x22002053, M_F7, "fsgnjx.d", exec_fsgnjx_d, FMT_FR, dec_fr},
    {0x28000053, M_F7, "fmin.s", exec_fmin_s, FMT_FR, dec_fr},
    {0x28001053, M_F7, "fmax.s", exec_fmax_s, FMT_FR, dec_fr},
    {0x2a000053, M_F7, "fmin.d", exec_fmin_d, FMT_FR, dec_fr},
    {0x2a001053, M_F7, "fmax.d", exec_fmax_d, FMT_FR, dec_fr},
    {0x40100053, M_FR_RS2, "fcvt.s.d", exec_fcvt_s_d, FMT_FCVT_F2F, dec_fr},
    {0x42000053, M_FR_RS2, "fcvt.d.s", exec_fcvt_d_s, FMT_FCVT_F2F, dec_fr},
    {0xa0002053, M_F7, "feq.s", exec_feq_s, FMT_FCMP, dec_f2i},
    {0xa0001053, M_F7, "flt.s", exec_flt_s, FMT_FCMP, dec_f2i},
    {0xa0000053, M_F7, "fle.s", exec_fle_s, FMT_FCMP, dec_f2i},
    {0xa2002053, M_F7, "feq.d", exec_feq_d, FMT_FCMP, dec_f2i},
    {0xa2001053, M_F7, "flt.d", exec_flt_d, FMT_FCMP, dec_f2i},
    {0xa2000053, M_F7, "fle.d", exec_fle_d, FMT_FCMP, dec_f2i},
    {0xc0000053, M_FR_RS2, "fcvt.w.s", exec_fcvt_w_s, FMT_FCVT_F2I, dec_f2i},
    {0xc0100053, M_FR_RS2, "fcvt.wu.s", exec_fcvt_wu_s, FMT_FCVT_F2I, dec_f2i},
    {0xc0200053, M_FR_RS2, "fcvt.l.s", exec_fcvt_l_s, FMT_FCVT_F2I, dec_f2i},
    {0xc0300053, M_FR_RS2, "fcvt.lu.s", exec_fcvt_lu_s, FMT_FCVT_F2I, dec_f2i},
    {0xc2000053, M_FR_RS2, "fcvt.w.d", exec_fcvt_w_d, FMT_FCVT_F2I, dec_f2i},
    {0xc2100053, M_FR_RS2, "fcvt.wu.d", exec_fcvt_wu_d, FMT_FCVT_F2I, dec_f2i},
    {0xc2200053, M_FR_RS2, "fcvt.l.d", exec_fcvt_l_d, FMT_FCVT_F2I, dec_f2i},
    {0xc2300053, M_FR_RS2, "fcvt.lu.d", exec_fcvt_lu_d, FMT_FCVT_F2I, dec_f2i},
    {0xd0000053, M_FR_RS2, "fcvt.s.w", exec_fcvt_s_w, FMT_FCVT_I2F, dec_fr},
    {0xd0100053, M_FR_RS2, "fcvt.s.wu", exec_fcvt_s_wu, FMT_FCVT_I2F, dec_fr},
    {0xd0200053, M_FR_RS2, "fcvt.s.l", exec_fcvt_s_l, FMT_FCVT_I2F, dec_fr},
    {0xd0300053, M_FR_RS2, "fcvt.s.lu", exec_fcvt_s_lu, FMT_FCVT_I2F, dec_fr},
    {0xd2000053, M_FR_RS2, "fcvt.d.w", exec_fcvt_d_w, FMT_FCVT_I2F, dec_fr},
    {0xd2100053, M_FR_RS2, "fcvt.d.wu", exec_fcvt_d_wu, FMT_FCVT_I2F, dec_fr},
    {0xd2200053, M_FR_RS2, "fcvt.d.l", exec_fcvt_d_l, FMT_FCVT_I2F, dec_fr},
    {0xd2300053, M_FR_RS2, "fcvt.d.lu", exec_fcvt_d_lu, FMT_FCVT_I2F, dec_fr},
    {0xe0000053, M_FR_F3, "fmv.x.w", exec_fmv_x_w, FMT_FMV_F2I, dec_f2i},
    {0xe0001053, M_FR_F3, "fclass.s", exec_fclass_s, FMT_FMV_F2I, dec_f2i},
    {0xe2000053, M_FR_F3, "fmv.x.d", exec_fmv_x_d, FMT_FMV_F2I, dec_f2i},
    {0xe2001053, M_FR_F3, "fclass.d", exec_fclass_d, FMT_FMV_F2I, dec_f2i},
    {0xf0000053, M_FR_F3, "fmv.w.x", exec_fmv_w_x, FMT_FMV_I2F, dec_fr},
    {0xf2000053, M_FR_F3, "fmv.d.x", exec_fmv_d_x, FMT_FMV_I2F, dec_fr},
    /* ---- BRANCH 1100011 ---- */
    {0x00000063, M_F3, "beq", exec_beq, FMT_B, dec_b},
    {0x00001063, M_F3, "bne", exec_bne, FMT_B, dec_b},
    {0x00004063, M_F3, "blt", exec_blt, FMT_B, dec_b},
    {0x00005063, M_F3, "bge", exec_bge, FMT_B, dec_b},
    {0x00006063, M_F3, "bltu", exec_bltu, FMT_B, dec_b},
    {0x00007063, M_F3, "bgeu", exec_bgeu, FMT_B, dec_b},
    /* ---- JALR 1100111, JAL 1101111 ---- */
    {0x00000067, M_F3, "jalr", exec_jalr, FMT_LOAD, dec_i},
    {0x0000006f, M_OPC, "jal", exec_jal, FMT_J, dec_j},
    /* ---- SYSTEM 1110011 ---- */
    {0x00000073, 0xffffffff, "ecall", exec_ecall, FMT_NONE, dec_none},
    {0x00100073, 0xffffffff, "ebreak", exec_ebreak, FMT_NONE, dec_none},
    {0x10200073, 0xffffffff, "sret", exec_sret, FMT_NONE, dec_none},
    {0x30200073, 0xffffffff, "mret", exec_mret, FMT_NONE, dec_none},
    {0x10500073, 0xffffffff, "wfi", exec_wfi, FMT_NONE, dec_none},
    {0x12000073, 0xfe007fff, "sfence.vma", exec_sfence_vma, FMT_SFENCE, dec_r},
    {0x22000073, 0xfe007fff, "hfence.vvma", exec_hfence, FMT_SFENCE, dec_r},
    {0x62000073, 0xfe007fff, "hfence.gvma", exec_hfence, FMT_SFENCE, dec_r},
    /* H extension (Privileged §8.3.2, §8.3.3): named, never executed by a guest -
     * virtual instructions from VS/VU (--cpu hw), illegal without H (--cpu trap) */
    {0x60004073, 0xfff0707f, "hlv.b", exec_hfence, FMT_LR, dec_r},
    {0x60104073, 0xfff0707f, "hlv.bu", exec_hfence, FMT_LR, dec_r},
    {0x64004073, 0xfff0707f, "hlv.h", exec_hfence, FMT_LR, dec_r},
    {0x64104073, 0xfff0707f, "hlv.hu", exec_hfence, FMT_LR, dec_r},
    {0x64304073, 0xfff0707f, "hlvx.hu", exec_hfence, FMT_LR, dec_r},
    {0x68004073, 0xfff0707f, "hlv.w", exec_hfence, FMT_LR, dec_r},
    {0x68104073, 0xfff0707f, "hlv.wu", exec_hfence, FMT_LR, dec_r},
    {0x68304073, 0xfff0707f, "hlvx.wu", exec_hfence, FMT_LR, dec_r},
    {0x6c004073, 0xfff0707f, "hlv.d", exec_hfence, FMT_LR, dec_r},
    {0x62004073, 0xfe007fff, "hsv.b", exec_hfence, FMT_SFENCE, dec_r},
    {0x66004073, 0xfe007fff, "hsv.h", exec_hfence, FMT_SFENCE, dec_r},
    {0x6a004073, 0xfe007fff, "hsv.w", exec_hfence, FMT_SFENCE, dec_r},
    {0x6e004073, 0xfe007fff, "hsv.d", exec_hfence, FMT_SFENCE, dec_r},
    {0x00001073, M_F3, "csrrw", exec_csrrw, FMT_CSR, dec_csr},
    {0x00002073, M_F3, "csrrs", exec_csrrs, FMT_CSR, dec_csr},
    {0x00003073, M_F3, "csrrc", exec_csrrc, FMT_CSR, dec_csr},
    {0x00005073, M_F3, "csrrwi", exec_csrrwi, FMT_CSRI, dec_csr},
    {0x00006073, M_F3, "csrrsi", exec_csrrsi, FMT_CSRI, dec_csr},
    {0x00007073, M_F3, "csrrci", exec_csrrci, FMT_CSRI, dec_csr},
};

const unsigned insn_table_len = sizeof(insn_table) / sizeof(insn_table[0]);
