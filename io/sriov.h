/*
 * io/sriov.h - a simulated SR-IOV block device: the physical function (PF)
 * the VMM owns over the host's disk, and its virtual functions (VFs), each a
 * virtio-blk "in hardware" assigned to one VM: the disk of --io passthrough.
 * Course: I/O虚拟化 / 设备直通 (SR-IOV: 物理功能 PF, 虚拟功能 VF; the guest
 *         drives the device itself, its DMA confined by the IOMMU).
 * Spec: PCI-SIG SR-IOV 1.1 §1 "Architectural Overview" (a PF creates VFs, each
 *       with its own register space, sharing one device's resources); virtio
 *       1.2 §4.2.2 (the VF's register interface, as vDPA devices speak it),
 *       §5.2 "Block Device"; RISC-V IOMMU 1.0 §3 (device ID = the VF's index).
 *
 * The medium (the --disk image) is cut into nvfs equal slices of S =
 * floor(sectors / nvfs) sectors: VF i's namespace is the medium's sectors
 * [i*S, (i+1)*S), seen as 0..S-1 (capacity S); a request past S completes
 * with IOERR and no VF can name another's sectors (bounds-checked twice: by
 * the slice's disk and by the slice's own back end). Sectors past nvfs*S are
 * unused.
 *
 * A VF's register window is reached two ways: "direct" (sriov_vf_direct_*:
 * the hart's access to the window the VMM mapped into the guest, no exit,
 * counted as reg_accesses) and "trapped" (sriov_vf_trapped_ops on the VM's
 * MMIO bus: an access that left the guest as an MMIO exit, counted as exits;
 * with the window mapped it stays 0). A QueueNotify write processes the
 * queue at once (synchronously: deterministic), DMA through the IOMMU as
 * device id i; the interrupt goes to the VM's line through irq_fn.
 */
#ifndef VMLAB_IO_SRIOV_H
#define VMLAB_IO_SRIOV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "io/io.h"
#include "io/virtio_mmio.h"

#define SRIOV_MAX_VFS 8 /* --vfs 1..8 */

struct disk;
struct gmem;
struct iommu;
struct iommu_stats;
struct sriov;
struct sriov_vf;

/*
 * The PF over `medium` (not owned; close it after sriov_destroy) with nvfs
 * VFs (1..SRIOV_MAX_VFS), VF i's DMA through `iommu` (not owned) as device
 * id i. NULL and *why (one constant line) when nvfs is out of range, the
 * medium has fewer than nvfs sectors, or memory runs out.
 */
struct sriov *sriov_create(struct disk *medium, unsigned nvfs, struct iommu *iommu,
                           const char **why);
void sriov_destroy(struct sriov *pf);
unsigned sriov_nvfs(const struct sriov *pf);
uint64_t sriov_slice_sectors(const struct sriov *pf); /* S */
/* VF i, NULL when i >= nvfs. */
struct sriov_vf *sriov_vf(struct sriov *pf, unsigned i);

/*
 * The VMM assigns VF i to the VM whose RAM is gm (VFIO-style): the IOMMU's
 * second stage for device i over gm's RAM, tagged gscid; the VF's interrupt
 * then drives irq_fn(irq_ctx, level). 0, -EBUSY (already assigned) or the
 * IOMMU's -errno.
 */
int sriov_vf_assign(struct sriov_vf *vf, struct gmem *gm, uint16_t gscid, virtio_irq_fn irq_fn,
                    void *irq_ctx);
/* The VM goes away: its IOMMU context is dropped, the VF reset and unwired. */
void sriov_vf_unassign(struct sriov_vf *vf);
bool sriov_vf_is_assigned(const struct sriov_vf *vf);
unsigned sriov_vf_index(const struct sriov_vf *vf);
/* A function-level reset (the VM's reboot): transport as at create, first stage Bare. */
void sriov_vf_reset(struct sriov_vf *vf);
/*
 * The guest's first stage for its VF (the PV_IOMMU_SET_FS hypercall):
 * mode 0 Bare or 8 Sv39 with its root table at root_gpa. 0, or -EINVAL.
 */
int sriov_vf_set_first_stage(struct sriov_vf *vf, uint64_t mode, uint64_t root_gpa);

/* The hart's direct access (struct hart_direct_window's read/write; dev = the VF):
 * 0, -1 refused; the write returns 1 when the VF's interrupt line changed. */
int sriov_vf_direct_read(void *vf, uint64_t offset, unsigned size, uint64_t *out);
int sriov_vf_direct_write(void *vf, uint64_t offset, unsigned size, uint64_t val);
/* The same registers behind an MMIO exit (dev = the VF): counted as exits. */
extern const struct mmio_device_ops sriov_vf_trapped_ops;

/* io.passthrough.* for one VF. */
struct sriov_vf_stats {
    uint64_t requests;     /* requests served (any status) */
    uint64_t bytes;        /* sector bytes moved by IN and OUT */
    uint64_t kicks;        /* QueueNotify writes that ran the queue */
    uint64_t interrupts;   /* rising edges of its line */
    uint64_t reg_accesses; /* register accesses the hart made in place (no exit) */
    uint64_t errors;       /* driver misbehaviour that set NEEDS_RESET */
    uint64_t exits;        /* register accesses that came as an MMIO exit */
    uint64_t ioerrs;       /* requests completed with IOERR or UNSUPP */
};
void sriov_vf_get_stats(const struct sriov_vf *vf, struct sriov_vf_stats *out);
/* iommu.* for this VF's device id. */
const struct iommu_stats *sriov_vf_iommu_stats(const struct sriov_vf *vf);
/*
 * --trace io on the VF (out NULL: off), lines named `name`. Only a simulator
 * can print these: the VF's register accesses reach the device without the
 * VMM, so a real VMM sees none of them.
 */
void sriov_vf_set_trace(struct sriov_vf *vf, FILE *out, const char *name);
/* The VF's transport (for `vq dump` / `info devices`). */
struct virtio_mmio *sriov_vf_transport(struct sriov_vf *vf);

#endif
