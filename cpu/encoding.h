/*
 * cpu/encoding.h - constants of the RISC-V specs, spelled as the specs spell
 * them: CSR numbers, status and interrupt bits, exception causes, PTE bits.
 * Spec: Unprivileged 20191213; Privileged 20211203, §2.2 "CSR Listing",
 *       §3.1 "Machine-Level CSRs", §4.1 "Supervisor CSRs", §4.3-4.5 (PTEs).
 */
#ifndef VMLAB_CPU_ENCODING_H
#define VMLAB_CPU_ENCODING_H

/* ---- CSR numbers (Privileged §2.2, Tables 2.2-2.6) ---- */
#define CSR_FFLAGS       0x001
#define CSR_FRM          0x002
#define CSR_FCSR         0x003
#define CSR_CYCLE        0xc00
#define CSR_TIME         0xc01
#define CSR_INSTRET      0xc02
#define CSR_HPMCOUNTER3  0xc03
#define CSR_HPMCOUNTER31 0xc1f

#define CSR_SSTATUS    0x100
#define CSR_SIE        0x104
#define CSR_STVEC      0x105
#define CSR_SCOUNTEREN 0x106
#define CSR_SENVCFG    0x10a
#define CSR_SSCRATCH   0x140
#define CSR_SEPC       0x141
#define CSR_SCAUSE     0x142
#define CSR_STVAL      0x143
#define CSR_SIP        0x144
#define CSR_STIMECMP   0x14d
#define CSR_SATP       0x180

#define CSR_MVENDORID     0xf11
#define CSR_MARCHID       0xf12
#define CSR_MIMPID        0xf13
#define CSR_MHARTID       0xf14
#define CSR_MCONFIGPTR    0xf15
#define CSR_MSTATUS       0x300
#define CSR_MISA          0x301
#define CSR_MEDELEG       0x302
#define CSR_MIDELEG       0x303
#define CSR_MIE           0x304
#define CSR_MTVEC         0x305
#define CSR_MCOUNTEREN    0x306
#define CSR_MENVCFG       0x30a
#define CSR_MCOUNTINHIBIT 0x320
#define CSR_MHPMEVENT3    0x323
#define CSR_MHPMEVENT31   0x33f
#define CSR_MSCRATCH      0x340
#define CSR_MEPC          0x341
#define CSR_MCAUSE        0x342
#define CSR_MTVAL         0x343
#define CSR_MIP           0x344
#define CSR_PMPCFG0       0x3a0
#define CSR_PMPCFG15      0x3af
#define CSR_PMPADDR0      0x3b0
#define CSR_PMPADDR63     0x3ef
#define CSR_MCYCLE        0xb00
#define CSR_MINSTRET      0xb02
#define CSR_MHPMCOUNTER3  0xb03
#define CSR_MHPMCOUNTER31 0xb1f
#define CSR_TSELECT       0x7a0
#define CSR_TDATA1        0x7a1
#define CSR_TDATA2        0x7a2
#define CSR_TDATA3        0x7a3

/* Hypervisor and virtual-supervisor CSRs (Privileged §8.2, §8.3; Table 2.3) */
#define CSR_HSTATUS    0x600
#define CSR_HEDELEG    0x602
#define CSR_HIDELEG    0x603
#define CSR_HIE        0x604
#define CSR_HTIMEDELTA 0x605
#define CSR_HCOUNTEREN 0x606
#define CSR_HENVCFG    0x60a
#define CSR_HTVAL      0x643
#define CSR_HIP        0x644
#define CSR_HVIP       0x645
#define CSR_HTINST     0x64a
#define CSR_HGATP      0x680
#define CSR_VSSTATUS   0x200
#define CSR_VSIE       0x204
#define CSR_VSTVEC     0x205
#define CSR_VSSCRATCH  0x240
#define CSR_VSEPC      0x241
#define CSR_VSCAUSE    0x242
#define CSR_VSTVAL     0x243
#define CSR_VSIP       0x244
#define CSR_VSTIMECMP  0x24d
#define CSR_VSATP      0x280

/* ---- mstatus / sstatus (Privileged §3.1.6) ---- */
#define MSTATUS_SIE       (1ull << 1)
#define MSTATUS_MIE       (1ull << 3)
#define MSTATUS_SPIE      (1ull << 5)
#define MSTATUS_UBE       (1ull << 6)
#define MSTATUS_MPIE      (1ull << 7)
#define MSTATUS_SPP       (1ull << 8)
#define MSTATUS_VS        (3ull << 9)
#define MSTATUS_MPP       (3ull << 11)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_FS        (3ull << 13)
#define MSTATUS_FS_SHIFT  13
#define MSTATUS_XS        (3ull << 15)
#define MSTATUS_MPRV      (1ull << 17)
#define MSTATUS_SUM       (1ull << 18)
#define MSTATUS_MXR       (1ull << 19)
#define MSTATUS_TVM       (1ull << 20)
#define MSTATUS_TW        (1ull << 21)
#define MSTATUS_TSR       (1ull << 22)
#define MSTATUS_UXL       (3ull << 32)
#define MSTATUS_SXL       (3ull << 34)
#define MSTATUS_SBE       (1ull << 36)
#define MSTATUS_MBE       (1ull << 37)
#define MSTATUS_SD        (1ull << 63)

#define FS_OFF     0
#define FS_INITIAL 1
#define FS_CLEAN   2
#define FS_DIRTY   3

/* ---- misa ---- */
#define MISA_MXL_64 (2ull << 62)
#define MISA_EXT(c) (1ull << ((c) - 'A'))

/* ---- interrupts: bit numbers in mip/mie and mcause (Privileged §3.1.9) ---- */
#define IRQ_S_SOFT      1
#define IRQ_M_SOFT      3
#define IRQ_S_TIMER     5
#define IRQ_M_TIMER     7
#define IRQ_S_EXT       9
#define IRQ_M_EXT       11
#define MIP_SSIP        (1ull << IRQ_S_SOFT)
#define MIP_MSIP        (1ull << IRQ_M_SOFT)
#define MIP_STIP        (1ull << IRQ_S_TIMER)
#define MIP_MTIP        (1ull << IRQ_M_TIMER)
#define MIP_SEIP        (1ull << IRQ_S_EXT)
#define MIP_MEIP        (1ull << IRQ_M_EXT)
#define CAUSE_INTERRUPT (1ull << 63)

/* ---- exception causes (Privileged §3.1.15, Table 3.6) ---- */
#define CAUSE_MISALIGNED_FETCH    0
#define CAUSE_FETCH_ACCESS        1
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT          3
#define CAUSE_MISALIGNED_LOAD     4
#define CAUSE_LOAD_ACCESS         5
#define CAUSE_MISALIGNED_STORE    6
#define CAUSE_STORE_ACCESS        7
#define CAUSE_USER_ECALL          8
#define CAUSE_SUPERVISOR_ECALL    9
#define CAUSE_MACHINE_ECALL       11
#define CAUSE_FETCH_PAGE_FAULT    12
#define CAUSE_LOAD_PAGE_FAULT     13
#define CAUSE_STORE_PAGE_FAULT    15

/* ---- H extension (Privileged §8.2.1 hstatus, §8.6.1 causes) ---- */
#define HSTATUS_VSBE                   (1ull << 5)
#define HSTATUS_GVA                    (1ull << 6)
#define HSTATUS_SPV                    (1ull << 7)
#define HSTATUS_SPVP                   (1ull << 8)
#define HSTATUS_HU                     (1ull << 9)
#define HSTATUS_VTVM                   (1ull << 20)
#define HSTATUS_VTW                    (1ull << 21)
#define HSTATUS_VTSR                   (1ull << 22)
#define HSTATUS_VSXL_SHIFT             32
#define HSTATUS_VSXL                   (3ull << 32)
#define IRQ_VS_SOFT                    2
#define IRQ_VS_TIMER                   6
#define IRQ_VS_EXT                     10
#define MIP_VSSIP                      (1ull << IRQ_VS_SOFT)
#define MIP_VSTIP                      (1ull << IRQ_VS_TIMER)
#define MIP_VSEIP                      (1ull << IRQ_VS_EXT)
#define CAUSE_VIRTUAL_SUPERVISOR_ECALL 10
#define CAUSE_FETCH_GUEST_PAGE_FAULT   20
#define CAUSE_LOAD_GUEST_PAGE_FAULT    21
#define CAUSE_VIRTUAL_INSTRUCTION      22
#define CAUSE_STORE_GUEST_PAGE_FAULT   23
#define HENVCFG_STCE                   (1ull << 63)

/* ---- satp (Privileged §4.1.11) ---- */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE  0
#define SATP_MODE_SV39  8
#define SATP_MODE_SV48  9
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK  0xffffull
#define SATP_PPN_MASK   ((1ull << 44) - 1)

/* ---- page-table entries (Privileged §4.3.1, §4.4.1) ---- */
#define PTE_V             (1u << 0)
#define PTE_R             (1u << 1)
#define PTE_W             (1u << 2)
#define PTE_X             (1u << 3)
#define PTE_U             (1u << 4)
#define PTE_G             (1u << 5)
#define PTE_A             (1u << 6)
#define PTE_D             (1u << 7)
#define PTE_PPN_SHIFT     10
#define PTE_PPN_MASK      ((1ull << 44) - 1) /* bits 53:10 after the shift */
#define PTE_RESERVED_MASK (0x3ffull << 54)   /* bits 63:54: PBMT, N, reserved */

/* ---- menvcfg / senvcfg (Privileged §3.1.18) ---- */
#define MENVCFG_FIOM (1ull << 0)
#define MENVCFG_CBIE (3ull << 4)
#define MENVCFG_STCE (1ull << 63)
#define SENVCFG_FIOM (1ull << 0)

/* ---- mcounteren / mcountinhibit bits ---- */
#define COUNTER_CY (1u << 0)
#define COUNTER_TM (1u << 1)
#define COUNTER_IR (1u << 2)

/* ---- PMP configuration (Privileged §3.7.1) ---- */
#define PMP_R       0x01
#define PMP_W       0x02
#define PMP_X       0x04
#define PMP_A       0x18
#define PMP_A_SHIFT 3
#define PMP_A_OFF   0
#define PMP_A_TOR   1
#define PMP_A_NA4   2
#define PMP_A_NAPOT 3
#define PMP_L       0x80

/* ---- fcsr (Unprivileged §11.2) ---- */
#define FFLAGS_NX 0x01
#define FFLAGS_UF 0x02
#define FFLAGS_OF 0x04
#define FFLAGS_DZ 0x08
#define FFLAGS_NV 0x10
#define FRM_RNE   0
#define FRM_RTZ   1
#define FRM_RDN   2
#define FRM_RUP   3
#define FRM_RMM   4
#define FRM_DYN   7

#endif
