/*
 * cpu/decode.c - turn 16 or 32 instruction bits into a struct insn: find the
 * one insn_table row that matches, let it extract the operands.
 * Course: 处理器虚拟化 / 解释执行 (译码: the decoded form is cached per page,
 *         so this runs once per instruction address, not once per execution).
 * Spec: Unprivileged 20191213, §1.5 "Base Instruction-Length Encoding",
 *       Chapter 24 and §16.8 (the listings the table follows).
 *
 * Simplified: only 16- and 32-bit instructions exist (longer encodings are
 * illegal, as they are on every RV64GC hart).
 */
#include <string.h>

#include "cpu/exec.h"
#include "cpu/internal.h"

unsigned insn_table_key(uint32_t raw)
{
    if ((raw & 3) != 3) {
        /* 16-bit: quadrant (bits 1:0) and funct3 (bits 15:13) */
        return ((raw & 3) << 3) | ((raw >> 13) & 7);
    }
    /* 32-bit: 32 + opcode bits 6:2 */
    return 32 + ((raw >> 2) & 0x1f);
}

/* The first row whose key is >= key (the table is sorted by key). */
static unsigned first_row_of_key(unsigned key)
{
    unsigned lo = 0;
    unsigned hi = insn_table_len;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (insn_table_key(insn_table[mid].match) < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/*
 * The only execs that may set pc anywhere but pc + len when they return 0.
 * The interpreter loop reads h->pc back after these and computes pc + len
 * itself for every other instruction (cpu/interp.c).
 */
static bool exec_is_jump(exec_fn exec)
{
    return exec == exec_jal || exec == exec_jalr || exec == exec_beq || exec == exec_bne ||
           exec == exec_blt || exec == exec_bge || exec == exec_bltu || exec == exec_bgeu;
}

/*
 * INSN_ENDS_BLOCK (cpu/internal.h): jumps, every SYSTEM-opcode instruction
 * (Unprivileged Chapter 24: opcode 1110011), fence.i and c.ebreak (illegal
 * encodings get it in decode_illegal).
 */
static uint8_t decode_flags(const struct insn *in)
{
    bool is_system = (in->raw & 3) == 3 && (in->raw & 0x7f) == 0x73;

    if (in->is_jump || is_system || in->exec == exec_fence_i || in->exec == exec_ebreak) {
        return INSN_ENDS_BLOCK;
    }
    return 0;
}

static void decode_illegal(uint32_t raw, struct insn *out)
{
    memset(out, 0, sizeof(*out));
    out->raw = raw;
    out->len = (raw & 3) != 3 ? 2 : 4;
    out->rd = 32;
    out->exec = exec_illegal;
    out->op = UINT16_MAX;
    out->flags = INSN_ENDS_BLOCK;
}

bool insn_decode(uint32_t raw, struct insn *out)
{
    /* 16-bit encodings keep only their low half; the rest is the next insn */
    uint32_t bits = (raw & 3) != 3 ? (raw & 0xffff) : raw;
    unsigned key = insn_table_key(bits);

    /* bits 4:2 = 111 of a 32-bit encoding announce a longer instruction */
    if ((bits & 3) == 3 && (bits & 0x1c) == 0x1c) {
        decode_illegal(bits, out);
        return false;
    }
    for (unsigned i = first_row_of_key(key); i < insn_table_len; i++) {
        const struct insn_desc *d = &insn_table[i];
        if (insn_table_key(d->match) != key) {
            break;
        }
        if ((bits & d->mask) != d->match) {
            continue;
        }
        memset(out, 0, sizeof(*out));
        out->raw = bits;
        out->len = (bits & 3) != 3 ? 2 : 4;
        out->op = (uint16_t)i;
        out->rd = 32;
        out->exec = d->exec;
        d->decode(out, bits);
        if (out->exec == exec_illegal) { /* the row refused a reserved value */
            decode_illegal(bits, out);
            return false;
        }
        out->is_jump = exec_is_jump(out->exec);
        out->flags = decode_flags(out);
        return true;
    }
    decode_illegal(bits, out);
    return false;
}
