/*
 * vm/hypercall.c - the VMM's hypercall handler (EXIT_HYPERCALL) and, for
 * --mmu direct, the paravirtual page-table interface: a Xen-PV-style guest
 * kernel asks for its frames' HPAs, pins page tables and changes PTEs by
 * hypercall; the VMM validates each request (mmu/pvpt.c) and answers with an
 * SBI error code the guest sees; under --bios vmm every other S-mode ecall
 * goes to the VMM's SBI (vm/sbi.c). Under --io passthrough (any --mmu) the
 * same extension also carries PV_IOMMU_SET_FS, the guest's first stage for its
 * VF (vm/passthrough.c). Also the VMM's check of a PV kernel's satp
 * writes and of the guest image's paravirtual ELF note.
 * Course: 内存虚拟化 / 直接页表 (Xen 半虚拟化: 客户机页表中存放机器地址,
 *         页表更新通过超级调用, VMM 验证); 处理器虚拟化 / 半虚拟化 (hypercall).
 * Spec: RISC-V SBI v1.0.0, §3 "Binary Encoding" (a7 extension, a6 function,
 *       a0/a1 results); Privileged 20211203, §4.1.11 "satp".
 *
 * Choices (docs/direct-paging.md):
 *  - After a PV_MMU_UPDATE that replaced a valid PTE, and after an unpin, the
 *    VMM flushes the whole TLB (one tlb.flushes): the guest cannot fence the
 *    VMM's write, and a stale writable entry must not outlive the mapping
 *    that allowed it. A new mapping (the old PTE invalid) needs no flush: the
 *    TLB never holds an invalid translation. The guest need not sfence.vma.
 *  - satp: a csrw/csrs/csrc of satp from the guest's S-mode is checked here,
 *    on its priv_insn exit, before it is emulated: Sv39/Sv48 need a root
 *    pinned at the mode's top level, else the guest gets an illegal-
 *    instruction trap (counted in pv.refused). Bare is allowed. Guest M-mode
 *    (firmware, which a Xen PV guest does not have) is not checked: the walker
 *    still refuses any frame that is not the VM's (direct.foreign_frames).
 * Simplified: one vCPU per VM (the flush and the satp-in-use check look at it).
 */
#include "vm/internal.h"

#include <stdlib.h>

#include "cpu/encoding.h"
#include "vm/loader.h"
#include "vm/pv_abi.h"

_Static_assert(SBI_ERR_INVALID_PARAM == PV_ERR_INVALID_PARAM && SBI_ERR_DENIED == PV_ERR_DENIED &&
                   SBI_ERR_INVALID_ADDRESS == PV_ERR_INVALID_ADDRESS &&
                   SBI_ERR_NOT_SUPPORTED == PV_ERR_NOT_SUPPORTED,
               "the guest's and the VMM's error codes are one list");

struct vm_pv {
    struct pvpt *pvpt;
    uint64_t mmu_updates, pins, unpins, refused;
};

/* ------------------------------------------------------------- setup */

int vm_pv_check_image(const struct vm *vm, const char *path, const struct loaded_image *img)
{
    if (vm->cfg.mmu_mode == MMU_DIRECT && !img->is_pv_direct) {
        fprintf(stderr,
                "vmlab: %s: --mmu direct runs paravirtual guests only: this image has no "
                ".note.vmlab \"" VMLAB_NOTE_PV_DIRECT "\" note (see docs/direct-paging.md)\n",
                path);
        return -1;
    }
    if (vm->cfg.mmu_mode != MMU_DIRECT && img->has_vmlab_note) {
        fprintf(stderr,
                "vmlab: %s: a paravirtual guest (it has a .note.vmlab note): its page tables "
                "hold host frames and its ecalls are hypercalls; run it with --mmu direct\n",
                path);
        return -1;
    }
    return 0;
}

int vm_pv_create(struct vm *vm)
{
    if (vm->cfg.mmu_mode != MMU_DIRECT) {
        return 0;
    }
    vm->pv = calloc(1, sizeof(*vm->pv));
    if (vm->pv) {
        vm->pv->pvpt = pvpt_create(vm->gmem);
    }
    if (!vm->pv || !vm->pv->pvpt) {
        fprintf(stderr, "vmlab: out of host memory for the direct-paging frame table\n");
        return -1;
    }
    vm->vcpu.hart.ecall_s_exits = true;
    return 0;
}

void vm_pv_reset(struct vm *vm)
{
    if (vm->pv) {
        pvpt_reset(vm->pv->pvpt);
    }
}

void vm_pv_destroy(struct vm *vm)
{
    if (vm->pv) {
        pvpt_destroy(vm->pv->pvpt);
        free(vm->pv);
        vm->pv = NULL;
    }
}

void vm_pv_stats_foreach(const struct vm *vm, stat_fn fn, void *ctx)
{
    const struct vm_pv *pv = vm->pv;
    const struct mmu_stats *ms = mmu_stats(vm->vcpu.hart.mmu);

    fn(ctx, "pv.mmu_updates", pv ? pv->mmu_updates : 0);
    fn(ctx, "pv.pins", pv ? pv->pins : 0);
    fn(ctx, "pv.unpins", pv ? pv->unpins : 0);
    fn(ctx, "pv.refused", pv ? pv->refused : 0);
    fn(ctx, "direct.foreign_frames", ms->direct_foreign_frames);
}

/* ------------------------------------------------------------ the calls */

/* The root table's HPA satp names now, or 0 (Bare). */
static hpa_t current_root(const struct hart *h)
{
    uint64_t mode = h->csr.satp >> SATP_MODE_SHIFT;

    if (mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48) {
        return 0;
    }
    return (h->csr.satp & SATP_PPN_MASK) << PAGE_SHIFT;
}

/* One PV function: the error code for a0, *out_value for a1. */
static int64_t pv_call(struct vm *vm, struct hart *h, uint64_t fn, uint64_t arg0, uint64_t arg1,
                       uint64_t *out_value)
{
    struct vm_pv *pv = vm->pv;
    bool old_valid = false;
    gpa_t gpa = 0;
    int64_t r;

    if (fn == PV_IOMMU_SET_FS) {
        return vm_passthrough_set_fs(vm, arg0, arg1); /* --io passthrough, any --mmu */
    }
    if (!pv) {
        return PV_ERR_NOT_SUPPORTED; /* the page-table calls are --mmu direct's */
    }
    switch (fn) {
    case PV_GET_FRAME:
        return pvpt_get_frame(pv->pvpt, arg0, out_value);
    case PV_PIN_TABLE:
        r = pvpt_pin(pv->pvpt, arg0, arg1 < PV_TABLE_LEVELS ? (unsigned)arg1 : PV_TABLE_LEVELS);
        if (r == PV_OK && gmem_gpa_of_hpa(vm->gmem, arg0, &gpa)) {
            pv->pins++;
            mmu_fast_forget_store_page(h->mmu, gpa); /* stores there now leave the fast path */
        }
        return r;
    case PV_UNPIN_TABLE:
        r = pvpt_unpin(pv->pvpt, arg0, current_root(h));
        if (r == PV_OK) {
            pv->unpins++;
            mmu_sfence(h->mmu, true, 0, true, 0);
        }
        return r;
    case PV_MMU_UPDATE:
        r = pvpt_mmu_update(pv->pvpt, arg0, arg1, &old_valid);
        if (r == PV_OK) {
            pv->mmu_updates++;
            if (old_valid) {
                mmu_sfence(h->mmu, true, 0, true, 0);
            }
        }
        return r;
    default:
        return PV_ERR_NOT_SUPPORTED;
    }
}

void vm_hypercall(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e)
{
    struct hart *h = &vcpu->hart;
    uint64_t value = 0;
    int64_t r = PV_ERR_NOT_SUPPORTED; /* guest firmware is the SBI: the VMM has no other */

    bool is_pv = h->x[17] == VMLAB_PV_EXT && (vm->pv || vm->cfg.io_mode == IO_PASSTHROUGH);
    (void)e;
    if (vm->sbi && !is_pv) {
        vm_sbi_call(vm, vcpu); /* --bios vmm: every other extension is the VMM's SBI */
        return;
    }
    if (is_pv) {
        r = pv_call(vm, h, h->x[16], h->x[10], h->x[11], &value);
        if (r != PV_OK && vm->pv) {
            vm->pv->refused++;
        }
    }
    cpu_complete_hypercall(h, (uint64_t)r, value);
}

/* ----------------------------------------------------- satp writes */

/* The satp value a Zicsr instruction on satp would write; false when it writes nothing. */
static bool satp_write_value(const struct hart *h, uint32_t raw, uint64_t *out)
{
    unsigned funct3 = (raw >> 12) & 7;
    unsigned rs1 = (raw >> 15) & 31;
    uint64_t operand = funct3 >= 5 ? rs1 : h->x[rs1]; /* the immediate forms: zimm */

    if ((raw & 0x7f) != 0x73 || (raw >> 20) != CSR_SATP || funct3 == 0 || funct3 == 4) {
        return false;
    }
    switch (funct3 & 3) {
    case 1: /* csrrw, csrrwi */
        *out = operand;
        return true;
    case 2: /* csrrs, csrrsi: rs1 = x0 / zimm = 0 only reads */
        *out = h->csr.satp | operand;
        return rs1 != 0;
    default: /* csrrc, csrrci */
        *out = h->csr.satp & ~operand;
        return rs1 != 0;
    }
}

void vm_priv_insn(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e)
{
    struct hart *h = &vcpu->hart;
    uint64_t satp;

    if (vm->pv && h->priv == PRV_S && satp_write_value(h, e->priv.insn, &satp) &&
        pvpt_check_satp(vm->pv->pvpt, satp) != PV_OK) {
        vm->pv->refused++;
        cpu_reflect_trap(h, CAUSE_ILLEGAL_INSTRUCTION, e->priv.insn);
        return;
    }
    cpu_emulate_priv(h, e);
}
