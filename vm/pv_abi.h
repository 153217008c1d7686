/*
 * vm/pv_abi.h - the paravirtual interface of --mmu direct, as both sides
 * see it: the VMM (vm/hypercall.c) and the guest kernel (guests/paging-pv.c).
 * Only constants, so a bare-metal guest can include it.
 * Course: 内存虚拟化 / 直接页表 (Xen PV: 超级调用 hypercall), 处理器虚拟化 /
 *         半虚拟化 (the guest knows it runs on a VMM and calls it).
 * Spec: RISC-V SBI v1.0.0, §3 "Binary Encoding" (a7 = extension ID, a6 =
 *       function ID, a0/a1 = error/value), §3 table "Standard SBI Errors",
 *       §1 ("firmware specific" extension space 0x0A000000-0x0AFFFFFF).
 *
 * An S-mode `ecall` with a7 = VMLAB_PV_EXT and a6 = function, arguments in
 * a0, a1; the VMM returns an error code in a0 (0 or negative) and a value in
 * a1, and resumes after the ecall. Any other a7 answers SBI_ERR_NOT_SUPPORTED.
 */
#ifndef VMLAB_VM_PV_ABI_H
#define VMLAB_VM_PV_ABI_H

#define VMLAB_PV_EXT 0x0A564D4C /* "\nVML": in the firmware-specific SBI space */

/* a6: function IDs */
#define PV_GET_FRAME   0 /* a0 = GPA -> a1 = HPA of its frame (the P2M table) */
#define PV_PIN_TABLE   1 /* a0 = table HPA, a1 = level (0 = 4 KiB leaves .. 3 = Sv48 root) */
#define PV_UNPIN_TABLE 2 /* a0 = table HPA */
#define PV_MMU_UPDATE  3 /* a0 = HPA of a PTE in a pinned table, a1 = the new PTE */
/*
 * --io passthrough (any --mmu; the VMM must be the SBI: --bios vmm, or --mmu
 * direct): the first stage of the IOMMU for this VM's VF (docs/passthrough.md).
 * a0 = mode (0 Bare: IOVA = GPA; 8 Sv39), a1 = the root table's GPA (4 KiB
 * aligned, in RAM; ignored for Bare). Errors: NOT_SUPPORTED (no VF),
 * INVALID_PARAM (mode), INVALID_ADDRESS (root). The VF's IOTLB is flushed.
 */
#define PV_IOMMU_SET_FS  4
#define PV_IOMMU_FS_BARE 0
#define PV_IOMMU_FS_SV39 8

/* a0 on return (SBI's standard errors, the subset used) */
#define SBI_SUCCESS             0
#define SBI_ERR_NOT_SUPPORTED   (-2)
#define SBI_ERR_INVALID_PARAM   (-3)
#define SBI_ERR_DENIED          (-4)
#define SBI_ERR_INVALID_ADDRESS (-5)

#endif
