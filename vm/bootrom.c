/*
 * vm/bootrom.c - the boot ROM's reset vector, encoded instruction by
 * instruction, and the OpenSBI fw_dynamic_info record after it.
 * Course: 处理器虚拟化 / 创建虚拟机 - "VM entry" starts here; the csrr of
 *         mhartid is the guest's first privileged instruction, so under
 *         --cpu trap its very first VM exit is a priv_insn exit.
 * Spec: Unprivileged 20191213, §2.2 "Base Instruction Formats" (I-type,
 *       U-type), §2.4-2.5 (AUIPC, ADDI, JALR), §9.1 "CSR Instructions"
 *       (CSRRS); Privileged 20211203, §3.1.5 "Hart ID Register mhartid";
 *       OpenSBI docs/firmware/fw_dynamic.md (struct fw_dynamic_info v2).
 * Simplified: one hart; boot_hart is always 0; options are 0.
 */
#include "vm/bootrom.h"

#include <string.h>

#include "cpu/encoding.h"
#include "vm/memmap.h"

#define OP_LOAD   0x03u /* LD: I-type, funct3 3 */
#define OP_IMM    0x13u /* ADDI: I-type, funct3 0 */
#define OP_AUIPC  0x17u /* U-type */
#define OP_JALR   0x67u /* I-type, funct3 0 */
#define OP_SYSTEM 0x73u /* CSRRS: I-type, funct3 2, imm = CSR number */

#define REG_ZERO 0u
#define REG_T0   5u
#define REG_A0   10u
#define REG_A1   11u
#define REG_A2   12u

/*
 * I-type:  31..20 imm[11:0] | 19..15 rs1 | 14..12 funct3 | 11..7 rd | 6..0 opcode
 */
static uint32_t encode_i(uint32_t opcode, uint32_t rd, uint32_t funct3, uint32_t rs1,
                         uint32_t imm12)
{
    return ((imm12 & 0xfffu) << 20) | ((rs1 & 31u) << 15) | ((funct3 & 7u) << 12) |
           ((rd & 31u) << 7) | (opcode & 0x7fu);
}

/*
 * U-type:  31..12 imm[31:12] | 11..7 rd | 6..0 opcode
 */
static uint32_t encode_u(uint32_t opcode, uint32_t rd, uint32_t imm20)
{
    return ((imm20 & 0xfffffu) << 12) | ((rd & 31u) << 7) | (opcode & 0x7fu);
}

static void put32(uint8_t *buf, uint32_t value)
{
    for (unsigned i = 0; i < 4; i++) {
        buf[i] = (uint8_t)(value >> (8 * i));
    }
}

static void put64(uint8_t *buf, uint64_t value)
{
    for (unsigned i = 0; i < 8; i++) {
        buf[i] = (uint8_t)(value >> (8 * i));
    }
}

size_t bootrom_build(const struct bootrom_config *cfg, uint8_t *buf, size_t buflen)
{
    const uint32_t insns[BOOTROM_INSNS] = {
        encode_u(OP_AUIPC, REG_T0, 0),                            /* auipc t0, 0 */
        encode_i(OP_IMM, REG_A2, 0, REG_T0, BOOTROM_FW_DYNAMIC),  /* addi a2, t0, 0x28 */
        encode_i(OP_SYSTEM, REG_A0, 2, REG_ZERO, CSR_MHARTID),    /* csrr a0, mhartid */
        encode_i(OP_LOAD, REG_A1, 3, REG_T0, BOOTROM_FDT_SLOT),   /* ld a1, 0x20(t0) */
        encode_i(OP_LOAD, REG_T0, 3, REG_T0, BOOTROM_ENTRY_SLOT), /* ld t0, 0x18(t0) */
        encode_i(OP_JALR, REG_ZERO, 0, REG_T0, 0),                /* jr t0 */
    };
    if (buflen < BOOTROM_BYTES) {
        return 0;
    }
    memset(buf, 0, BOOTROM_BYTES);
    for (unsigned i = 0; i < BOOTROM_INSNS; i++) {
        put32(buf + 4 * i, insns[i]);
    }
    put64(buf + BOOTROM_ENTRY_SLOT, cfg->entry_gpa);
    put64(buf + BOOTROM_FDT_SLOT, cfg->fdt_gpa);
    uint8_t *info = buf + BOOTROM_FW_DYNAMIC; /* struct fw_dynamic_info, six u64 */
    put64(info + 0x00, FW_DYNAMIC_MAGIC);
    put64(info + 0x08, FW_DYNAMIC_VERSION);
    put64(info + 0x10, cfg->next_addr);
    put64(info + 0x18, cfg->next_mode);
    put64(info + 0x20, 0); /* options */
    put64(info + 0x28, 0); /* boot_hart */
    return BOOTROM_BYTES;
}

int bootrom_install(struct gmem *gm, const struct bootrom_config *cfg)
{
    uint8_t rom[BOOTROM_BYTES];
    size_t len = bootrom_build(cfg, rom, sizeof(rom));
    return gmem_write(gm, MEMMAP_BOOTROM_BASE, rom, len);
}
