/*
 * vm/shadow.c - the VMM's exits for --mmu shadow, on top of shadowpt/: a
 * shadow fault (exits.s2_fault: the shadow table could not translate) is
 * either hidden (the VMM fills the shadow and the access runs again) or
 * true (the guest's own fault, reflected into it); a store to a guest page
 * table (exits.pt_write) is performed by the VMM, which keeps the shadow in
 * step, then retired as an MMIO store is; a satp write switches shadow
 * roots.
 * Course: 内存虚拟化 / 影子页表 (缺页异常: 隐藏缺页 vs. 真实缺页; 写保护).
 * Spec: Privileged 20211203, §4.3.2, §3.1.6.3 (MPRV, SUM, MXR: the
 *       access's effective privilege, which the software walk repeats).
 */
#include "vm/internal.h"

#include "cpu/encoding.h"

#define SHADOW_MAX_FRAMES 4096u /* 16 MiB of shadow tables per VM at most */

int vm_shadow_create(struct vm *vm)
{
    if (vm->cfg.mmu_mode != MMU_SHADOW) {
        return 0;
    }
    vm->shadow = shadow_create(vm->gmem, vm->vcpu.mmu, &vm->vcpu.hart.csr.pmp, vm->cfg.shadow_cache,
                               SHADOW_MAX_FRAMES);
    if (!vm->shadow) {
        fprintf(stderr, "vmlab: out of host memory for the shadow MMU\n");
        return -1;
    }
    return 0;
}

/* The access as the hart made it: fetches at the hart's privilege, data at MPRV's. */
static void shadow_access_of(const struct hart *h, const struct vm_exit *e, struct shadow_access *a)
{
    a->gva = e->s2.gva;
    a->acc = e->s2.acc;
    a->priv = e->s2.acc == ACCESS_FETCH ? h->priv : h->data_priv;
    a->satp = h->csr.satp;
    a->sum = (h->csr.mstatus & MSTATUS_SUM) != 0;
    a->mxr = (h->csr.mstatus & MSTATUS_MXR) != 0;
}

int vm_shadow_fault(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e, uint64_t *out_cause)
{
    struct shadow_access a;

    shadow_access_of(&vcpu->hart, e, &a);
    switch (shadow_fault(vm->shadow, &a, out_cause)) {
    case SHADOW_FIXED:
        return 0;
    case SHADOW_TRUE_FAULT:
        return -1;
    case SHADOW_NO_MEMORY:
        break;
    }
    vm_request_stop(vm, VMLAB_EXIT_STOPPED, "out of host memory for shadow page tables");
    return 0;
}

/*
 * A guest store into one of its page tables: the VMM does it and clears the
 * shadow entries made from what changed. A plain store is retired as an
 * MMIO store is; an AMO or SC the hart performs on the word for the VMM.
 */
void vm_pt_write(struct vm *vm, struct vcpu *vcpu, struct vm_exit *e)
{
    struct gpa_info info;

    if (!e->mmio.atomic_insn) {
        shadow_pt_write(vm->shadow, e->mmio.gpa, e->mmio.size, e->mmio.data);
        cpu_complete_mmio(&vcpu->hart, &e->mmio);
        return;
    }
    gmem_lookup(vm->gmem, e->mmio.gpa, &info);
    if (info.kind == GPA_RAM && info.host_page &&
        cpu_pt_atomic(&vcpu->hart, e->mmio.atomic_insn, info.host_page + (e->mmio.gpa & PAGE_MASK),
                      e->mmio.gpa) == 0) {
        shadow_pt_written(vm->shadow, e->mmio.gpa, e->mmio.size);
    }
}

void vm_shadow_follow_satp(struct vm *vm, const struct vcpu *vcpu)
{
    if (vm->shadow) {
        shadow_set_satp(vm->shadow, vcpu->hart.csr.satp);
    }
}

void vm_shadow_reset(struct vm *vm)
{
    if (vm->shadow) {
        shadow_reset(vm->shadow);
    }
}
