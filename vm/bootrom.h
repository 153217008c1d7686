/*
 * vm/bootrom.h - the reset vector QEMU's virt board puts in its boot ROM at
 * MEMMAP_BOOTROM_BASE: set a0 = hartid, a1 = FDT, a2 = fw_dynamic info,
 * jump to the firmware (or image) entry.
 * Course: 处理器虚拟化 / 创建虚拟机: the first instructions a vCPU runs after
 *         "power on" are the VMM's, not the guest's.
 *
 *   offset  contents
 *   0x00    auipc t0, 0           t0 = ROM base
 *   0x04    addi  a2, t0, 0x28    a2 = &fw_dynamic_info
 *   0x08    csrr  a0, mhartid     a0 = hart id (the one CSR read: an exit under trap)
 *   0x0c    ld    a1, 0x20(t0)    a1 = FDT GPA
 *   0x10    ld    t0, 0x18(t0)    t0 = entry GPA
 *   0x14    jr    t0
 *   0x18    entry GPA             (u64)
 *   0x20    FDT GPA               (u64)
 *   0x28    struct fw_dynamic_info (OpenSBI, version 2): magic "OSBI"
 *           0x4942534f, version 2, next_addr, next_mode (1 = S), options 0,
 *           boot_hart 0 - six u64
 *   0x58    end
 * Six instructions, one of them a CSR read.
 */
#ifndef VMLAB_VM_BOOTROM_H
#define VMLAB_VM_BOOTROM_H

#include <stddef.h>
#include <stdint.h>

#include "mmu/mmu.h"
#include "mmu/types.h"

#define BOOTROM_INSNS      6
#define BOOTROM_ENTRY_SLOT 0x18u
#define BOOTROM_FDT_SLOT   0x20u
#define BOOTROM_FW_DYNAMIC 0x28u
#define BOOTROM_BYTES      0x58u

#define FW_DYNAMIC_MAGIC       0x4942534full /* "OSBI" */
#define FW_DYNAMIC_VERSION     2
#define FW_DYNAMIC_NEXT_MODE_U 0
#define FW_DYNAMIC_NEXT_MODE_S 1
#define FW_DYNAMIC_NEXT_MODE_M 3

struct bootrom_config {
    gpa_t entry_gpa;    /* where the ROM jumps (firmware or image entry) */
    gpa_t fdt_gpa;      /* passed in a1 */
    gpa_t next_addr;    /* fw_dynamic: where the firmware starts the payload */
    uint64_t next_mode; /* fw_dynamic: FW_DYNAMIC_NEXT_MODE_* (normally S) */
};

/* Write the ROM image into buf: its length (BOOTROM_BYTES), or 0 if buflen is too small.
 * The code is position independent (auipc): it runs wherever it is placed. */
__attribute__((warn_unused_result)) size_t bootrom_build(const struct bootrom_config *cfg,
                                                         uint8_t *buf, size_t buflen);
/* Build it and write it at MEMMAP_BOOTROM_BASE (a ROM region gmem already has). 0 or -errno. */
__attribute__((warn_unused_result)) int bootrom_install(struct gmem *gm,
                                                        const struct bootrom_config *cfg);

#endif
