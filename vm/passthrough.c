/*
 * vm/passthrough.c - --io passthrough, the VMM's side: it owns the physical
 * function (the --disk medium cut into --vfs slices, io/sriov.c) and the
 * IOMMU, assigns VF i to vmi, maps the VF's registers straight into the
 * guest and then stays out of the way: the guest's driver touches the
 * registers without an exit, the VF's DMA goes through the IOMMU, and only
 * the interrupt passes through the VMM's PLIC model.
 * Course: I/O虚拟化 / 设备直通 (VFIO: 设备分配给虚拟机, DMA 重映射 by the
 *         IOMMU's two stages; SR-IOV: one device shared by several VMs).
 * Spec: PCI-SIG SR-IOV 1.1 §1; RISC-V IOMMU 1.0 §3.1 "Device-Directory-Table"
 *       (one device context per VF) and §3.3 "Process to translate an IOVA"
 *       (the second stage is the VMM's, the first the guest's).
 *
 * "No exit": the VF's window is still a device window in the guest's memory
 * map (gmem_add_mmio, so every --mmu reaches it as it reaches any device),
 * and the hart holds it in its direct-window table (hart_map_direct): at the
 * point where any other device access would leave cpu_run as EXIT_MMIO
 * (cpu/mem.c), the hart performs the access on the VF itself - as a guest
 * load reaches a BAR that the host's stage 2 (EPT) maps to the device's own
 * physical address. Each such access costs COST_DEVICE_REG modelled cycles:
 * an uncached load/store to an on-chip device register, of the order of
 * 100-200 cycles, far below an exit (COST_EXIT + COST_MMIO_EXTRA = 3000).
 * The window is also on the VM's MMIO bus, behind ops that count
 * io.passthrough.exits: any access that did leave the guest would be seen
 * there, so that counter reading 0 is a measurement, not a constant.
 *
 * Simplified: the VF's interrupt reaches the guest through the VMM's PLIC
 * model as any device's does (interrupt remapping / posted interrupts are
 * --irq's business); the VFs exist from the start (no PF driver enabling
 * them); a reboot of the VM is the VF's function-level reset.
 */
#include "vm/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "io/iommu.h"
#include "io/sriov.h"
#include "irq/irq.h"
#include "vm/memmap.h"
#include "vm/pv_abi.h"

/* An uncached access to a device register (modelled cycles, see above). */
#define COST_DEVICE_REG 150

int host_passthrough_create(struct host *host)
{
    const struct vm_config *cfg = &host->cfg;
    const char *why = NULL;
    char err[512];

    if (cfg->io_mode != IO_PASSTHROUGH || cfg->ndisks == 0) {
        return 0;
    }
    host->pt_medium = disk_open_err(cfg->disks[0].path, &cfg->disks[0].opt, err, sizeof(err));
    if (!host->pt_medium) {
        fprintf(stderr, "vmlab: --disk %s\n", err);
        return -1;
    }
    host->iommu = iommu_create(host->hostmem);
    if (!host->iommu) {
        fprintf(stderr, "vmlab: out of host memory for the IOMMU\n");
        return -1;
    }
    host->sriov = sriov_create(host->pt_medium, cfg->vfs, host->iommu, &why);
    if (!host->sriov) {
        fprintf(stderr, "vmlab: --io passthrough --vfs %u --disk %s (%" PRIu64 " sectors): %s\n",
                cfg->vfs, cfg->disks[0].path, disk_sectors(host->pt_medium), why);
        return -1;
    }
    return 0;
}

/* After every VM is gone (each detached its VF): the device, the IOMMU, then the medium. */
void host_passthrough_destroy(struct host *host)
{
    sriov_destroy(host->sriov); /* its slices flush into the medium */
    host->sriov = NULL;
    iommu_destroy(host->iommu);
    host->iommu = NULL;
    if (host->pt_medium) {
        disk_close(host->pt_medium);
        host->pt_medium = NULL;
    }
}

/* The VF's line: its slot's PLIC source, as a virtio-blk's. */
static void vm_vf_irq(void *ctx, bool level)
{
    struct vm_virtio_slot *slot = ctx;
    plic_set_line(slot->vm->plic, slot->irq, level);
}

/* A DMA wrote guest RAM: decoded instructions there are stale. */
static void vm_vf_ram_written(void *ctx, gpa_t gpa, uint64_t len)
{
    struct vm *vm = ctx;
    hart_ram_written(&vm->vcpu.hart, gpa, len);
}

int vm_passthrough_add(struct vm *vm, gpa_t slot_gpa, unsigned irq, bool *out_has_vf)
{
    struct sriov *pf = vm->host->sriov;
    struct sriov_vf *vf = pf ? sriov_vf(pf, vm->index) : NULL;

    *out_has_vf = false;
    if (vm->cfg.io_mode != IO_PASSTHROUGH || !vf) {
        return 0;
    }
    struct vm_virtio_slot *slot = &vm->virtio[0]; /* where --io virtio's first disk goes */
    slot->vm = vm;
    slot->irq = irq;
    int rc = sriov_vf_assign(vf, vm->gmem, (uint16_t)(vm->index + 1), vm_vf_irq, slot);
    if (rc != 0) {
        fprintf(stderr, "vmlab: cannot assign VF %u to vm%u: %s\n", vm->index, vm->index,
                rc == -ENOMEM ? "out of host memory for its IOMMU tables" : strerror(-rc));
        return -1;
    }
    vm->vf = vf;
    iommu_set_ram_written(vm->host->iommu, vm->index, vm_vf_ram_written, vm);
    struct hart_direct_window w = {
        .gpa = slot_gpa,
        .size = MEMMAP_VIRTIO_STRIDE,
        .read = sriov_vf_direct_read,
        .write = sriov_vf_direct_write,
        .dev = vf,
    };
    if (hart_map_direct(&vm->vcpu.hart, &w) != 0 ||
        mmio_bus_add(vm->bus, "sriov-vf", slot_gpa, MEMMAP_VIRTIO_STRIDE, &sriov_vf_trapped_ops,
                     vf) != 0 ||
        gmem_add_mmio(vm->gmem, slot_gpa, MEMMAP_VIRTIO_STRIDE) != 0) {
        fprintf(stderr, "vmlab: internal error: the VF's window overlaps\n");
        return -1;
    }
    *out_has_vf = true;
    return 0;
}

void vm_passthrough_remove(struct vm *vm)
{
    if (vm->vf) {
        iommu_set_ram_written(vm->host->iommu, vm->index, NULL, NULL);
        sriov_vf_unassign(vm->vf);
        vm->vf = NULL;
    }
}

void vm_passthrough_reset(struct vm *vm)
{
    if (vm->vf) {
        sriov_vf_reset(vm->vf);
    }
}

void vm_passthrough_stats_foreach(const struct vm *vm, stat_fn fn, void *ctx)
{
    static const struct iommu_stats no_iommu;
    struct sriov_vf_stats vs = {0};
    const struct iommu_stats *is = &no_iommu;

    if (vm->vf) {
        sriov_vf_get_stats(vm->vf, &vs);
        is = sriov_vf_iommu_stats(vm->vf);
    }
    fn(ctx, "io.sriov.vfs", vm->vf ? 1 : 0); /* VFs assigned to this VM */
    fn(ctx, "io.sriov.slice_sectors", vm->vf ? sriov_slice_sectors(vm->host->sriov) : 0);
    fn(ctx, "io.passthrough.requests", vs.requests);
    fn(ctx, "io.passthrough.bytes", vs.bytes);
    fn(ctx, "io.passthrough.kicks", vs.kicks);
    fn(ctx, "io.passthrough.interrupts", vs.interrupts);
    fn(ctx, "io.passthrough.reg_accesses", vs.reg_accesses);
    fn(ctx, "io.passthrough.errors", vs.errors);
    fn(ctx, "io.passthrough.ioerrs", vs.ioerrs);
    fn(ctx, "io.passthrough.exits", vs.exits);
    fn(ctx, "iommu.translations", is->translations);
    fn(ctx, "iommu.faults", is->faults);
    fn(ctx, "iommu.s1_accesses", is->s1_accesses);
    fn(ctx, "iommu.s2_accesses", is->s2_accesses);
    fn(ctx, "iommu.iotlb_hits", is->iotlb_hits);
    fn(ctx, "iommu.iotlb_misses", is->iotlb_misses);
}

uint64_t vm_passthrough_cycles(const struct vm *vm)
{
    struct sriov_vf_stats vs = {0};
    if (vm->vf) {
        sriov_vf_get_stats(vm->vf, &vs);
    }
    return vs.reg_accesses * COST_DEVICE_REG;
}

/*
 * PV_IOMMU_SET_FS (vm/pv_abi.h): a0 = mode (0 Bare, 8 Sv39), a1 = root GPA,
 * 4 KiB aligned, in RAM. The VMM checks what it can name (mode, alignment,
 * RAM); a table that is wrong inside faults at DMA time, in iommu.faults.
 */
int64_t vm_passthrough_set_fs(struct vm *vm, uint64_t mode, uint64_t root_gpa)
{
    struct gpa_info info;

    if (!vm->vf) {
        return SBI_ERR_NOT_SUPPORTED; /* no VF: nothing to program */
    }
    if (mode != IOMMU_FS_BARE && mode != IOMMU_FS_SV39) {
        return SBI_ERR_INVALID_PARAM;
    }
    if (mode == IOMMU_FS_SV39) {
        gmem_lookup(vm->gmem, root_gpa, &info);
        if ((root_gpa & PAGE_MASK) != 0 || info.kind != GPA_RAM) {
            return SBI_ERR_INVALID_ADDRESS;
        }
    }
    return sriov_vf_set_first_stage(vm->vf, mode, root_gpa) == 0 ? SBI_SUCCESS
                                                                 : SBI_ERR_INVALID_PARAM;
}

struct sriov *vm_sriov(struct vm *vm)
{
    return vm->host->sriov;
}

struct sriov_vf *vm_sriov_vf(struct vm *vm)
{
    return vm->vf;
}

struct iommu *vm_iommu(struct vm *vm)
{
    return vm->host->iommu;
}
