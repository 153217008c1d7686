/*
 * vm/fdt.h - the flattened device tree vmlab hands the guest in a1: the
 * board description of QEMU's virt machine (same node names, compatibles
 * and addresses), so firmware and kernels built for QEMU find their devices.
 * Course: I/O虚拟化 / 设备发现: the guest learns what hardware the VMM
 *         emulates from a table the VMM writes, not by probing.
 */
#ifndef VMLAB_VM_FDT_H
#define VMLAB_VM_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmu/types.h"

/* riscv,isa of every hart: exactly the extensions the interpreter implements. */
#define VM_FDT_RISCV_ISA   "rv64imafdc_zicsr_zifencei_zicntr_sstc"
#define VM_FDT_MMU_TYPE    "riscv,sv48"
#define VM_FDT_TIMEBASE_HZ 10000000u

struct vm_fdt_config {
    unsigned nharts; /* 1..CLINT_MAX_HARTS */
    gpa_t ram_base;
    uint64_t ram_size;
    const char *bootargs; /* --append, NULL for none */
    bool has_initrd;      /* --initrd loaded at [initrd_start, initrd_end) */
    gpa_t initrd_start;
    gpa_t initrd_end;
    bool has_eblk;    /* --io emulated: vmlab's block controller (docs/eblk.md) */
    bool plic_s_only; /* --cpu hw: the PLIC's S-mode contexts only, as kvmtool's */
};

/*
 * Build the blob. Returns 0 with *out_blob (malloc'd, the caller frees) and
 * *out_size (its fdt totalsize), or a negative errno (-EINVAL for a bad
 * config, -ENOMEM, -EIO if libfdt refused).
 */
__attribute__((warn_unused_result)) int vm_fdt_build(const struct vm_fdt_config *cfg,
                                                     void **out_blob, size_t *out_size);

/*
 * Where QEMU puts the blob: the end of RAM (but below 3 GiB), minus its
 * size, aligned down to 2 MiB. 0 if it does not fit in RAM.
 */
gpa_t vm_fdt_place(gpa_t ram_base, uint64_t ram_size, size_t blob_size);

#endif
