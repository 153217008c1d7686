/*
 * vm/hwsbi.c - STAND-IN for the VMM's SBI (--bios vmm), just enough to run
 * an S-mode test kernel under --cpu trap and --cpu hw: start the kernel in
 * S-mode (VS-mode under hw) and answer the legacy console putchar and the
 * shutdown calls. The full SBI (base, TIME, IPI, RFENCE, HSM, SRST, DBCN)
 * replaces this whole file; nothing else depends on more than its two
 * functions (vm/internal.h).
 * Course: 处理器虚拟化 / 半虚拟化 (hypercall: the guest kernel asks the VMM,
 *         as a KVM guest's `ecall` reaches KVM's SBI), 案例: QEMU/KVM.
 * Spec: RISC-V SBI v2.0, §3 "Binary Encoding", §5 "Legacy Extensions"
 *       (console_putchar EID 0x01, shutdown EID 0x08), §10 "System Reset
 *       Extension" (EID 0x53525354 "SRST", FID 0 system_reset).
 * Simplified: one hart; every other call answers SBI_ERR_NOT_SUPPORTED;
 *       putchar writes straight to the VM's console output (not the UART).
 */
#include "vm/internal.h"

#include <inttypes.h>

#include "vm/pv_abi.h"

#define SBI_LEGACY_PUTCHAR  0x01
#define SBI_LEGACY_SHUTDOWN 0x08
#define SBI_EXT_SRST        0x53525354
#define SRST_SHUTDOWN       0
#define SRST_COLD_REBOOT    1
#define SRST_WARM_REBOOT    2
#define SRST_REASON_FAILURE 1

void hwsbi_start(struct vm *vm)
{
    struct hart *h = &vm->vcpu.hart;

    if (vm->cfg.cpu_hw) {
        hart_start_vs(h, vm->entry_pc, vm->fdt_gpa);
    } else {
        hart_start_s(h, vm->entry_pc, vm->fdt_gpa);
    }
}

/* SRST system_reset(type, reason): stop the VM, or reset it. */
static void hwsbi_reset(struct vm *vm, uint64_t type, uint64_t reason)
{
    if (type == SRST_SHUTDOWN) {
        if (reason == SRST_REASON_FAILURE) {
            vm_request_stop(vm, VMLAB_EXIT_FAIL, "guest shut down (SBI SRST, system failure)");
        } else {
            vm_request_stop(vm, VMLAB_EXIT_PASS, "guest shut down (SBI)");
        }
    } else if (vm->cfg.no_reboot) {
        vm_request_stop(vm, VMLAB_EXIT_PASS, "guest asked for a reboot (--no-reboot)");
    } else {
        vm_reset(vm);
    }
}

bool hwsbi_call(struct vm *vm, struct vcpu *vcpu)
{
    struct hart *h = &vcpu->hart;
    uint64_t eid = h->x[17], fid = h->x[16], a0 = h->x[10], a1 = h->x[11];

    switch (eid) {
    case SBI_LEGACY_PUTCHAR:
        fputc((int)(a0 & 0xff), vm->out);
        cpu_complete_hypercall(h, 0, h->x[11]);
        return true;
    case SBI_LEGACY_SHUTDOWN:
        hwsbi_reset(vm, SRST_SHUTDOWN, 0);
        return true; /* the hart never returns from it */
    case SBI_EXT_SRST:
        if (fid != 0) {
            return false;
        }
        if (a0 <= SRST_WARM_REBOOT && a1 <= SRST_REASON_FAILURE) {
            hwsbi_reset(vm, a0, a1);
            return true;
        }
        cpu_complete_hypercall(h, (uint64_t)SBI_ERR_INVALID_PARAM, 0);
        return true;
    default:
        return false;
    }
}
