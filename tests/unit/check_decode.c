/*
 * tests/unit/check_decode.c - the decode table, the decoder and the integer
 * execute functions: table properties (no overlap, sorted buckets, every row
 * reachable), hand-worked decodes of every immediate format including the
 * scrambled RVC ones, reserved encodings, and ALU/M/branch/jump semantics.
 * Course: 处理器虚拟化 / 解释执行 (取指 - 译码 - 执行).
 * Spec: Unprivileged 20191213, Chapter 24 "Instruction Set Listings",
 *       §16.8 "RVC Instruction Set Listings", §7.2 Table 7.1 (division).
 *
 * Expected values are worked out by hand from the encodings in the comments.
 * Loads, stores and AMOs need guest memory and are left to the guest tests.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "cpu/exec.h"
#include "cpu/internal.h"

/* ------------------------------------------------------------ table */

/* Operand fillers: whichever makes the row's decode accept its operands. */
static const uint32_t fillers[] = {0x5a5a5a5a, 0x2c6e4d3c, 0xffffffff, 0x01234567, 0x00000000};

/* Every row decodes to itself from match | operand bits (loop over rows). */
START_TEST(test_row_decodes_to_itself)
{
    const struct insn_desc *d = &insn_table[_i];
    uint32_t width_mask = (d->match & 3) == 3 ? 0xffffffffu : 0xffffu;
    unsigned hits = 0;

    for (unsigned k = 0; k < sizeof(fillers) / sizeof(fillers[0]); k++) {
        uint32_t raw = (d->match | (fillers[k] & ~d->mask)) & width_mask;
        struct insn in;
        if (!insn_decode(raw, &in)) {
            continue; /* a reserved operand value of this row */
        }
        ck_assert_msg(in.op == (unsigned)_i, "%s: 0x%08x decoded as row %u", d->name, raw, in.op);
        ck_assert_ptr_eq((void *)in.exec, (void *)d->exec);
        ck_assert_uint_eq(in.len, (raw & 3) == 3 ? 4 : 2);
        ck_assert_uint_eq(in.raw, raw);
        hits++;
    }
    ck_assert_msg(hits > 0, "%s: no filler gives a legal instance", d->name);
}
END_TEST

/*
 * The fast loop trusts in->is_jump to know which instructions may set a pc
 * other than pc + len (cpu/interp.c). By the spec (Unprivileged §2.5, §16.4)
 * those are exactly the jumps and conditional branches, RVC forms included.
 */
static bool name_is_control_transfer(const char *name)
{
    static const char *const jumps[] = {
        "jal",  "jalr", "beq",  "bne",    "blt",    "bge",    "bltu",
        "bgeu", "c.j",  "c.jr", "c.jalr", "c.beqz", "c.bnez",
    };
    for (size_t i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
        if (strcmp(name, jumps[i]) == 0) {
            return true;
        }
    }
    return false;
}

START_TEST(test_row_is_jump_exactly_for_jumps)
{
    const struct insn_desc *d = &insn_table[_i];
    uint32_t width_mask = (d->match & 3) == 3 ? 0xffffffffu : 0xffffu;
    for (unsigned k = 0; k < sizeof(fillers) / sizeof(fillers[0]); k++) {
        struct insn in;
        if (insn_decode((d->match | (fillers[k] & ~d->mask)) & width_mask, &in)) {
            ck_assert_msg(in.is_jump == name_is_control_transfer(d->name), "%s: is_jump %d",
                          d->name, in.is_jump);
        }
    }
}
END_TEST

/* Pairwise: some raw matches both rows iff they agree on the common mask bits. */
START_TEST(test_rows_never_overlap)
{
    for (unsigned i = 0; i < insn_table_len; i++) {
        for (unsigned j = i + 1; j < insn_table_len; j++) {
            const struct insn_desc *a = &insn_table[i];
            const struct insn_desc *b = &insn_table[j];
            bool is_same_width = ((a->match & 3) == 3) == ((b->match & 3) == 3);
            ck_assert_msg(!is_same_width || ((a->match ^ b->match) & a->mask & b->mask) != 0,
                          "rows %u (%s) and %u (%s) overlap", i, a->name, j, b->name);
        }
    }
}
END_TEST

/* Rows are sorted by bucket key and each mask covers its key's bits. */
START_TEST(test_rows_sorted_by_key)
{
    for (unsigned i = 0; i < insn_table_len; i++) {
        const struct insn_desc *d = &insn_table[i];
        uint32_t key_bits = (d->match & 3) == 3 ? 0x7fu : 0xe003u;
        ck_assert_msg((d->mask & key_bits) == key_bits, "%s: mask misses key bits", d->name);
        ck_assert_msg((d->match & ~d->mask) == 0, "%s: match outside mask", d->name);
        if (i > 0) {
            ck_assert_uint_le(insn_table_key(insn_table[i - 1].match), insn_table_key(d->match));
        }
    }
}
END_TEST

/* -------------------------------------------------- hand-worked decodes */

static struct insn decode_ok(uint32_t raw, const char *name)
{
    struct insn in;
    ck_assert_msg(insn_decode(raw, &in), "0x%08x should decode", raw);
    ck_assert_str_eq(insn_table[in.op].name, name);
    return in;
}

START_TEST(test_decode_32bit_immediates)
{
    struct insn in;

    /* 0x80058513 addi a0,a1,-2048: imm[11:0] = 0x800 -> -2048, rd 10, rs1 11 */
    in = decode_ok(0x80058513, "addi");
    ck_assert_int_eq(in.imm, -2048);
    ck_assert_uint_eq(in.rd, 10);
    ck_assert_uint_eq(in.rs1, 11);
    /* 0x00a13423 sd a0,8(sp): imm[11:5] = 0, imm[4:0] = bits 11:7 = 01000 = 8 */
    in = decode_ok(0x00a13423, "sd");
    ck_assert_int_eq(in.imm, 8);
    ck_assert_uint_eq(in.rs1, 2);
    ck_assert_uint_eq(in.rs2, 10);
    /* 0xfeb50ce3 beq a0,a1,-8: imm[12]=1, imm[11]=bit7=1, imm[10:5]=111111,
     * imm[4:1]=1100 -> 4096+2048+2016+24 = 8184, minus 8192 = -8 */
    in = decode_ok(0xfeb50ce3, "beq");
    ck_assert_int_eq(in.imm, -8);
    /* 0x801ff0ef jal ra,-2048: imm[20]=1, imm[19:12]=0xff, imm[11]=1, imm[10:1]=0
     * -> 1048576+1044480+2048 = 2095104, minus 2097152 = -2048 */
    in = decode_ok(0x801ff0ef, "jal");
    ck_assert_int_eq(in.imm, -2048);
    ck_assert_uint_eq(in.rd, 1);
    /* 0xfffff537 lui a0,0xfffff: imm = 0xfffff000 sign-extended = -4096 */
    in = decode_ok(0xfffff537, "lui");
    ck_assert_int_eq(in.imm, -4096);
    /* 0x03f59513 slli a0,a1,63: shamt = bits 25:20 = 111111 */
    in = decode_ok(0x03f59513, "slli");
    ck_assert_int_eq(in.imm, 63);
    /* 0x100fd573 csrrwi a0,sstatus,31: csr 0x100, zimm = bits 19:15 = 31 */
    in = decode_ok(0x100fd573, "csrrwi");
    ck_assert_uint_eq(in.csr, 0x100);
    ck_assert_int_eq(in.imm, 31);
    /* 0x6ac5c543 fmadd.d fa0,fa1,fa2,fa3,rmm: rs3 = bits 31:27 = 01101, rm = 100 */
    in = decode_ok(0x6ac5c543, "fmadd.d");
    ck_assert_uint_eq(in.rs3, 13);
    ck_assert_uint_eq(in.rs2, 12);
    ck_assert_uint_eq(in.rm, 4);
}
END_TEST

START_TEST(test_decode_rvc_immediates)
{
    struct insn in;

    /* 0xbfdd c.j: bit12=1 ->off[11], bit11=1 ->[4], bits10:9=11 ->[9:8],
     * bit8=1 ->[10], bit7=1 ->[6], bit6=1 ->[7], bits5:3=011 ->[3:1],
     * bit2=1 ->[5]: 2048+16+768+1024+64+128+6+32 = 4086, minus 4096 = -10 */
    in = decode_ok(0xbfdd, "c.j");
    ck_assert_int_eq(in.imm, -10);
    ck_assert_uint_eq(in.rd, 32);
    ck_assert_uint_eq(in.len, 2);
    /* 0xdc75 c.beqz s0: bit12=1 ->off[8], bits11:10=11 ->[4:3], bits6:5=11
     * ->[7:6], bits4:3=10 ->[2:1], bit2=1 ->[5]: 256+24+192+4+32 = 508,
     * minus 512 = -4; rs1' = bits 9:7 = 000 -> x8 */
    in = decode_ok(0xdc75, "c.beqz");
    ck_assert_int_eq(in.imm, -4);
    ck_assert_uint_eq(in.rs1, 8);
    ck_assert_uint_eq(in.rs2, 0);
    /* 0x7139 c.addi16sp: bit12=1 ->[9], bit6=0 ->[4], bit5=1 ->[6],
     * bits4:3=11 ->[8:7], bit2=0 ->[5]: 512+64+384 = 960, minus 1024 = -64 */
    in = decode_ok(0x7139, "c.addi16sp");
    ck_assert_int_eq(in.imm, -64);
    ck_assert_uint_eq(in.rd, 2);
    ck_assert_uint_eq(in.rs1, 2);
    /* 0x7505 c.lui a0: nzimm[17] = bit12 = 1, nzimm[16:12] = 00001 ->
     * 6-bit 100001 = -31, times 4096 = -126976 */
    in = decode_ok(0x7505, "c.lui");
    ck_assert_int_eq(in.imm, -126976);
    ck_assert_uint_eq(in.rd, 10);
    /* 0x6542 c.ldsp a0: bit12=0, bits6:5=10 -> uimm[4:3] = 2 -> 16 */
    in = decode_ok(0x6542, "c.ldsp");
    ck_assert_int_eq(in.imm, 16);
    ck_assert_uint_eq(in.rs1, 2);
    ck_assert_uint_eq(in.rd, 10);
    /* 0x1fe8 c.addi4spn a0: bits 12:5 all ones -> 4+8+16+...+512 = 1020 */
    in = decode_ok(0x1fe8, "c.addi4spn");
    ck_assert_int_eq(in.imm, 1020);
    ck_assert_uint_eq(in.rd, 10);
    /* 0xe406 c.sdsp ra: bits 12:10 = 001 -> uimm[5:3] = 1 -> 8; rs2 = 00001 */
    in = decode_ok(0xe406, "c.sdsp");
    ck_assert_int_eq(in.imm, 8);
    ck_assert_uint_eq(in.rs2, 1);
    /* 0x5501 c.li a0: imm[5] = bit12 = 1, imm[4:0] = 0 -> -32 */
    in = decode_ok(0x5501, "c.li");
    ck_assert_int_eq(in.imm, -32);
    ck_assert_uint_eq(in.rs1, 0);
    /* 0x7fe8 c.ld a0,248(a5): bits12:10 = 111 -> [5:3] = 56, bits6:5 = 11 -> 192 */
    in = decode_ok(0x7fe8, "c.ld");
    ck_assert_int_eq(in.imm, 248);
    ck_assert_uint_eq(in.rs1, 15);
    /* 0x9405 c.srai s0,33: shamt[5] = bit12 = 1, shamt[4:0] = 00001 */
    in = decode_ok(0x9405, "c.srai");
    ck_assert_int_eq(in.imm, 33);
}
END_TEST

START_TEST(test_decode_registers)
{
    struct insn in;

    /* 0x00000013 addi x0,x0,0: integer rd x0 goes to the sink x[32] */
    in = decode_ok(0x00000013, "addi");
    ck_assert_uint_eq(in.rd, 32);
    /* 0x00000053 fadd.s f0,f0,f0,rne: FP rd f0 is a real register */
    in = decode_ok(0x00000053, "fadd.s");
    ck_assert_uint_eq(in.rd, 0);
    /* 0xe0058553 fmv.x.w a0,fa1 with rd = x10; 0xe0058053: rd = x0 -> sink */
    in = decode_ok(0xe0058053, "fmv.x.w");
    ck_assert_uint_eq(in.rd, 32);
    /* 0x808a c.mv ra,sp = add ra, x0, sp */
    in = decode_ok(0x808a, "c.mv");
    ck_assert_uint_eq(in.rd, 1);
    ck_assert_uint_eq(in.rs1, 0);
    ck_assert_uint_eq(in.rs2, 2);
    /* 0x9082 c.jalr ra = jalr ra, 0(ra) */
    in = decode_ok(0x9082, "c.jalr");
    ck_assert_uint_eq(in.rd, 1);
    ck_assert_uint_eq(in.rs1, 1);
    /* upper half of a 16-bit fetch word is the next instruction: ignored */
    in = decode_ok(0xdead0001, "c.addi");
    ck_assert_uint_eq(in.raw, 0x0001);
}
END_TEST

/* ------------------------------------------------------- reserved/bad */

static const uint32_t reserved_encodings[] = {
    0x0000,     /* all-zero 16 bits */
    0x0004,     /* c.addi4spn nzuimm = 0 (rd' = x9) */
    0x6501,     /* c.lui a0 with nzimm = 0 */
    0x6101,     /* c.addi16sp with nzimm = 0 */
    0x2001,     /* c.addiw with rd = 0 */
    0x4002,     /* c.lwsp with rd = 0 */
    0x6002,     /* c.ldsp with rd = 0 */
    0x8002,     /* c.jr with rs1 = 0 */
    0x8000,     /* quadrant 0 funct3 100 */
    0x9c41,     /* CA funct6 100111 funct2 10 */
    0x9c61,     /* CA funct6 100111 funct2 11 */
    0x0205951b, /* slliw a0,a1,32: shamt[5] = 1 is reserved */
    0x0205d51b, /* srliw with shamt[5] = 1 */
    0x2005d513, /* srli with funct6 001000 */
    0x06000053, /* fadd.q: fmt = 11 (no Q) */
    0x58100053, /* fsqrt.s with rs2 = 1 */
    0x1010202f, /* lr.w with rs2 != 0 */
    0x00000573, /* ecall with rd = a0 */
    0x00200073, /* uret-like funct12 = 2 */
    0x7b200073, /* dret: debug mode only */
    0xffffffff, /* a 48+ bit encoding */
    0x0000001f, /* a 48-bit encoding */
    0x0000007f, /* opcode 1111111 */
    0x0000000b, /* custom-0 */
    0x00007003, /* LOAD funct3 111 */
    0x00004023, /* STORE funct3 100 */
    0x00002063, /* BRANCH funct3 010 */
    0x00001067, /* JALR funct3 001 */
    0x00004073, /* SYSTEM funct3 100 */
    0x04000043, /* fmadd with fmt 10 (H) */
};

START_TEST(test_reserved_is_illegal)
{
    uint32_t raw = reserved_encodings[_i];
    struct insn in;

    ck_assert_msg(!insn_decode(raw, &in), "0x%08x should be illegal", raw);
    ck_assert_ptr_eq((void *)in.exec, (void *)exec_illegal);
    ck_assert_uint_eq(in.op, UINT16_MAX);
    ck_assert_uint_eq(in.len, (raw & 3) == 3 ? 4 : 2);
}
END_TEST

START_TEST(test_illegal_raises)
{
    struct hart h;
    struct vm_exit e;
    struct insn in;

    memset(&h, 0, sizeof(h));
    memset(&e, 0, sizeof(e));
    h.exit = &e;
    h.pc = 0x80000000;
    /* 0x0205951b slliw with shamt[5] = 1: illegal, tval = the bits, pc kept */
    ck_assert(!insn_decode(0x0205951b, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), EXIT_GUEST_TRAP);
    ck_assert_uint_eq(e.reason, EXIT_GUEST_TRAP);
    ck_assert_uint_eq(e.trap.cause, CAUSE_ILLEGAL_INSTRUCTION);
    ck_assert_uint_eq(e.trap.tval, 0x0205951b);
    ck_assert_uint_eq(h.pc, 0x80000000);
}
END_TEST

/* ------------------------------------------------------------ execute */

struct exec_case {
    uint32_t raw;
    uint64_t rs1_val, rs2_val; /* loaded into the decoded rs1 / rs2 */
    uint64_t expected;         /* rd afterwards */
};

/* Integer ALU, M and W cases; each line's working is in its comment. */
static const struct exec_case alu_cases[] = {
    /* add a0,a1,a2 0x00c58533: wraps modulo 2^64 */
    {0x00c58533, 0xffffffffffffffff, 2, 1},
    /* sub a0,a1,a2 0x40c58533: 0 - 1 = all ones */
    {0x40c58533, 0, 1, 0xffffffffffffffff},
    /* slt 0x00c5a533: -1 < 1 signed -> 1 */
    {0x00c5a533, 0xffffffffffffffff, 1, 1},
    /* sltu 0x00c5b533: 2^64-1 < 1 unsigned -> 0 */
    {0x00c5b533, 0xffffffffffffffff, 1, 0},
    /* sra 0x40c5d533: shift amount uses rs2[5:0] = 65 & 63 = 1; -4 >> 1 = -2 */
    {0x40c5d533, 0xfffffffffffffffc, 65, 0xfffffffffffffffe},
    /* srl 0x00c5d533: 0x8000000000000000 >> 63 = 1 */
    {0x00c5d533, 0x8000000000000000, 63, 1},
    /* addi a0,a1,-2048 0x80058513: 0 + (-2048) */
    {0x80058513, 0, 0, 0xfffffffffffff800},
    /* sltiu a0,a1,-1 0xfff5b513: imm sign-extends to 2^64-1, 5 < that -> 1 */
    {0xfff5b513, 5, 0, 1},
    /* srai a0,a1,63 0x43f5d513: sign fills: -1 */
    {0x43f5d513, 0x8000000000000000, 0, 0xffffffffffffffff},
    /* addw a0,a1,a2 0x00c5853b: 0x7fffffff + 1 = 0x80000000, sign-extended */
    {0x00c5853b, 0x7fffffff, 1, 0xffffffff80000000},
    /* subw 0x40c5853b: upper bits ignored: 0x1_00000000 - 0 = 0 */
    {0x40c5853b, 0x100000000, 0, 0},
    /* sraw 0x40c5d53b: (int32)0x80000000 >> 4 = 0xf8000000, sign-extended */
    {0x40c5d53b, 0x80000000, 4, 0xfffffffff8000000},
    /* srlw 0x00c5d53b: 0x80000000 >> 31 = 1 */
    {0x00c5d53b, 0xffffffff80000000, 31, 1},
    /* sllw 0x00c5953b: 1 << 31 = 0x80000000 -> sign-extended */
    {0x00c5953b, 1, 31, 0xffffffff80000000},
    /* addiw a0,a1,1 0x0015851b: 0xffffffff + 1 = 0 (32-bit), sign-extended 0 */
    {0x0015851b, 0xffffffff, 0, 0},
    /* sraiw a0,a1,2 0x4025d51b: (int32)0x80000000 >> 2 = 0xe0000000 */
    {0x4025d51b, 0x80000000, 0, 0xffffffffe0000000},
    /* mul 0x02c58533: 2^32 * 2^32 = 2^64 -> 0 (low half) */
    {0x02c58533, 0x100000000, 0x100000000, 0},
    /* mulh 0x02c59533: (-1) * (-1) = 1, high half 0 */
    {0x02c59533, 0xffffffffffffffff, 0xffffffffffffffff, 0},
    /* mulhu 0x02c5b533: (2^64-1)^2 = 2^128 - 2^65 + 1, high half 2^64 - 2 */
    {0x02c5b533, 0xffffffffffffffff, 0xffffffffffffffff, 0xfffffffffffffffe},
    /* mulhsu 0x02c5a533: -1 * (2^64-1) = -2^64 + 1, high half -1 */
    {0x02c5a533, 0xffffffffffffffff, 0xffffffffffffffff, 0xffffffffffffffff},
    /* div 0x02c5c533: x / 0 = -1 (Table 7.1) */
    {0x02c5c533, 7, 0, 0xffffffffffffffff},
    /* div: -2^63 / -1 overflows: result -2^63 */
    {0x02c5c533, 0x8000000000000000, 0xffffffffffffffff, 0x8000000000000000},
    /* div: -7 / 2 = -3 (rounds toward zero) */
    {0x02c5c533, 0xfffffffffffffff9, 2, 0xfffffffffffffffd},
    /* divu 0x02c5d533: x / 0 = 2^64 - 1 */
    {0x02c5d533, 7, 0, 0xffffffffffffffff},
    /* rem 0x02c5e533: x % 0 = x */
    {0x02c5e533, 0xfffffffffffffff9, 0, 0xfffffffffffffff9},
    /* rem: -2^63 % -1 = 0 */
    {0x02c5e533, 0x8000000000000000, 0xffffffffffffffff, 0},
    /* rem: -7 % 2 = -1 (sign of the dividend) */
    {0x02c5e533, 0xfffffffffffffff9, 2, 0xffffffffffffffff},
    /* remu 0x02c5f533: x % 0 = x */
    {0x02c5f533, 0x8000000000000001, 0, 0x8000000000000001},
    /* mulw 0x02c5853b: 0x10000 * 0x8000 = 0x80000000 -> sign-extended */
    {0x02c5853b, 0x10000, 0x8000, 0xffffffff80000000},
    /* divw 0x02c5c53b: -2^31 / -1 = -2^31, sign-extended */
    {0x02c5c53b, 0x80000000, 0xffffffff, 0xffffffff80000000},
    /* divw: x / 0 = -1 */
    {0x02c5c53b, 5, 0, 0xffffffffffffffff},
    /* divuw 0x02c5d53b: x / 0 = 2^32 - 1, sign-extended = all ones */
    {0x02c5d53b, 5, 0x100000000, 0xffffffffffffffff},
    /* remw 0x02c5e53b: -2^31 % -1 = 0 */
    {0x02c5e53b, 0x80000000, 0xffffffff, 0},
    /* remw: x % 0 = x (32-bit, sign-extended): 0x80000000 -> negative */
    {0x02c5e53b, 0x80000000, 0, 0xffffffff80000000},
    /* remuw 0x02c5f53b: x % 0 = x: 0x80000000 sign-extended */
    {0x02c5f53b, 0x180000000, 0, 0xffffffff80000000},
    /* divuw: 0xffffffff / 2 = 0x7fffffff */
    {0x02c5d53b, 0xffffffff, 2, 0x7fffffff},
};

static void hart_for_exec(struct hart *h, struct vm_exit *e)
{
    memset(h, 0, sizeof(*h));
    memset(e, 0, sizeof(*e));
    h->exit = e;
    h->pc = 0x80000000;
}

START_TEST(test_exec_alu)
{
    const struct exec_case *c = &alu_cases[_i];
    struct hart h;
    struct vm_exit e;
    struct insn in;

    hart_for_exec(&h, &e);
    ck_assert(insn_decode(c->raw, &in));
    h.x[in.rs1] = c->rs1_val;
    h.x[in.rs2] = c->rs2_val;
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_msg(h.x[in.rd] == c->expected, "case %d (0x%08x): got 0x%016llx", _i, c->raw,
                  (unsigned long long)h.x[in.rd]);
    ck_assert_uint_eq(h.pc, 0x80000004);
}
END_TEST

START_TEST(test_exec_jumps)
{
    struct hart h;
    struct vm_exit e;
    struct insn in;

    hart_for_exec(&h, &e);
    /* 0x801ff0ef jal ra,-2048 at 0x80000000: ra = pc + 4, pc = 0x7ffff800 */
    ck_assert(insn_decode(0x801ff0ef, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.x[1], 0x80000004);
    ck_assert_uint_eq(h.pc, 0x7ffff800);

    /* 0xffc50567 jalr a0,-4(a0), rd = rs1: target from the old a0:
     * (0x1003 - 4) & ~1 = 0xffe; a0 = 0x7ffff800 + 4 */
    ck_assert(insn_decode(0xffc50567, &in));
    h.x[10] = 0x1003;
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.pc, 0xffe);
    ck_assert_uint_eq(h.x[10], 0x7ffff804);

    /* 0xbfdd c.j -10 at 0x1000: pc = 0xff6, link goes to the sink only */
    h.pc = 0x1000;
    ck_assert(insn_decode(0xbfdd, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.pc, 0xff6);
    ck_assert_uint_eq(h.x[0], 0);
    ck_assert_uint_eq(h.x[32], 0x1002);

    /* 0x9082 c.jalr ra: ra = pc + 2 (compressed link) */
    h.pc = 0x2000;
    h.x[1] = 0x3000;
    ck_assert(insn_decode(0x9082, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.pc, 0x3000);
    ck_assert_uint_eq(h.x[1], 0x2002);
}
END_TEST

START_TEST(test_exec_branches)
{
    struct hart h;
    struct vm_exit e;
    struct insn in;

    hart_for_exec(&h, &e);
    /* 0xfeb50ce3 beq a0,a1,-8: equal -> pc - 8 */
    ck_assert(insn_decode(0xfeb50ce3, &in));
    h.x[10] = h.x[11] = 5;
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.pc, 0x7ffffff8);
    /* not equal -> pc + 4 */
    h.x[11] = 6;
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.pc, 0x7ffffffc);
    /* 0x00b54863 blt a0,a1,+16 signed: -1 < 1 taken */
    ck_assert(insn_decode(0x00b54863, &in));
    h.pc = 0x100;
    h.x[10] = 0xffffffffffffffff;
    h.x[11] = 1;
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.pc, 0x110);
    /* 0x00b56863 bltu a0,a1,+16 unsigned: 2^64-1 < 1 not taken */
    ck_assert(insn_decode(0x00b56863, &in));
    h.pc = 0x100;
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.pc, 0x104);
    /* 0xdc75 c.beqz s0,-4: s0 = 0 taken */
    ck_assert(insn_decode(0xdc75, &in));
    h.pc = 0x100;
    h.x[8] = 0;
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.pc, 0xfc);
}
END_TEST

START_TEST(test_exec_upper_and_compressed)
{
    struct hart h;
    struct vm_exit e;
    struct insn in;

    hart_for_exec(&h, &e);
    /* 0x00001517 auipc a0,0x1: a0 = 0x80000000 + 0x1000 */
    ck_assert(insn_decode(0x00001517, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.x[10], 0x80001000);
    /* 0x7505 c.lui a0,0xfffe1: a0 = -31 * 4096 = 0xfffffffffffe1000 */
    ck_assert(insn_decode(0x7505, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.x[10], 0xfffffffffffe1000);
    ck_assert_uint_eq(h.pc, 0x80000006);
    /* 0x7139 c.addi16sp sp,-64 */
    ck_assert(insn_decode(0x7139, &in));
    h.x[2] = 0x1000;
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.x[2], 0xfc0);
    /* 0x808a c.mv ra,sp */
    ck_assert(insn_decode(0x808a, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.x[1], 0xfc0);
    /* 0x5501 c.li a0,-32 even when x0 was garbage in the sink */
    h.x[32] = 99;
    ck_assert(insn_decode(0x5501, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.x[10], 0xffffffffffffffe0);
    /* 0x00500013 addi x0,x0,5: x0 stays 0, the sink takes the value */
    ck_assert(insn_decode(0x00500013, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.x[0], 0);
    ck_assert_uint_eq(h.x[32], 5);
    /* 0x0ff0000f fence and 0x0000100f fence.i just move on */
    h.pc = 0x100;
    ck_assert(insn_decode(0x0ff0000f, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert(insn_decode(0x0000100f, &in));
    ck_assert_int_eq(cpu_exec_one(&h, &in), 0);
    ck_assert_uint_eq(h.pc, 0x108);
}
END_TEST

static Suite *decode_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *core = tcase_create("core");
    TCase *bad = tcase_create("bad_input");

    tcase_add_loop_test(core, test_row_decodes_to_itself, 0, (int)insn_table_len);
    tcase_add_loop_test(core, test_row_is_jump_exactly_for_jumps, 0, (int)insn_table_len);
    tcase_add_test(core, test_rows_never_overlap);
    tcase_add_test(core, test_rows_sorted_by_key);
    tcase_add_test(core, test_decode_32bit_immediates);
    tcase_add_test(core, test_decode_rvc_immediates);
    tcase_add_test(core, test_decode_registers);
    tcase_add_loop_test(core, test_exec_alu, 0, (int)(sizeof(alu_cases) / sizeof(alu_cases[0])));
    tcase_add_test(core, test_exec_jumps);
    tcase_add_test(core, test_exec_branches);
    tcase_add_test(core, test_exec_upper_and_compressed);
    tcase_add_loop_test(bad, test_reserved_is_illegal, 0,
                        (int)(sizeof(reserved_encodings) / sizeof(reserved_encodings[0])));
    tcase_add_test(bad, test_illegal_raises);
    suite_add_tcase(s, core);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(decode_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
