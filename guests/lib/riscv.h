/*
 * guests/lib/riscv.h - what a bare-metal guest needs to talk to its hart:
 * CSR access through inline assembly, privilege levels, fences. The spec
 * constants (CSR numbers, mstatus bits, causes, PTE bits) come from the
 * VMM's own cpu/encoding.h, so guest and VMM spell every bit the same way.
 * Course: 处理器虚拟化 / 敏感指令: every csrr/csrw below is a privileged
 *         instruction; under `--cpu trap` each one exits to the VMM.
 * Spec: Unprivileged 20191213, ch. 9 "Zicsr"; Privileged 20211203, §2.2
 *       "CSR Listing", §1.2 "Privilege Levels".
 * Simplified: only the helpers the guests in guests/ use.
 */
#ifndef VMLAB_GUESTS_LIB_RISCV_H
#define VMLAB_GUESTS_LIB_RISCV_H

#include <stdint.h>

#include "cpu/encoding.h"

/* Privilege levels as mstatus.MPP encodes them (Privileged §1.2, Table 1.1). */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define SSTATUS_SIE  MSTATUS_SIE
#define SSTATUS_SPIE MSTATUS_SPIE
#define SSTATUS_SPP  MSTATUS_SPP
#define SSTATUS_SUM  MSTATUS_SUM

#define MIE_MTIE MIP_MTIP
#define MIE_STIE MIP_STIP

/*
 * csr_read(mscratch), csr_write(mtvec, v), csr_set(mstatus, bits),
 * csr_clear(mie, bits), csr_swap(mscratch, v): the CSR is named as the
 * assembler spells it, so a disassembly shows the same name.
 */
#define csr_read(csr)                                                                              \
    ({                                                                                             \
        uint64_t csr_val_;                                                                         \
        __asm__ volatile("csrr %0, " #csr : "=r"(csr_val_) : : "memory");                          \
        csr_val_;                                                                                  \
    })
#define csr_write(csr, val)                                                                        \
    __asm__ volatile("csrw " #csr ", %0" : : "rK"((uint64_t)(val)) : "memory")
#define csr_set(csr, bits)                                                                         \
    __asm__ volatile("csrs " #csr ", %0" : : "rK"((uint64_t)(bits)) : "memory")
#define csr_clear(csr, bits)                                                                       \
    __asm__ volatile("csrc " #csr ", %0" : : "rK"((uint64_t)(bits)) : "memory")
#define csr_swap(csr, val)                                                                         \
    ({                                                                                             \
        uint64_t csr_old_;                                                                         \
        __asm__ volatile("csrrw %0, " #csr ", %1"                                                  \
                         : "=r"(csr_old_)                                                          \
                         : "rK"((uint64_t)(val))                                                   \
                         : "memory");                                                              \
        csr_old_;                                                                                  \
    })

static inline void wfi(void)
{
    __asm__ volatile("wfi" : : : "memory");
}

static inline void sfence_vma_all(void)
{
    __asm__ volatile("sfence.vma zero, zero" : : : "memory");
}

static inline void fence_i(void)
{
    __asm__ volatile("fence.i" : : : "memory");
}

/* Device registers: volatile accesses of exactly the named width (one MMIO exit each). */
static inline uint8_t mmio_read8(uint64_t gpa)
{
    return *(volatile uint8_t *)gpa;
}

static inline void mmio_write8(uint64_t gpa, uint8_t val)
{
    *(volatile uint8_t *)gpa = val;
}

static inline uint32_t mmio_read32(uint64_t gpa)
{
    return *(volatile uint32_t *)gpa;
}

static inline void mmio_write32(uint64_t gpa, uint32_t val)
{
    *(volatile uint32_t *)gpa = val;
}

static inline uint64_t mmio_read64(uint64_t gpa)
{
    return *(volatile uint64_t *)gpa;
}

static inline void mmio_write64(uint64_t gpa, uint64_t val)
{
    *(volatile uint64_t *)gpa = val;
}

#endif
