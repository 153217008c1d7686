/*
 * io/sriov.c - the simulated SR-IOV block device: a PF over the host's disk
 * that cuts it into equal slices, and one virtio-blk VF per slice whose
 * registers the guest reaches without an exit and whose DMA goes through the
 * IOMMU.
 * Course: I/O虚拟化 / 设备直通 (SR-IOV: PF and VFs; "register accesses do
 *         not exit": the VMM maps the VF into the guest and steps aside,
 *         only the IOMMU stands between the device and memory).
 * Spec: PCI-SIG SR-IOV 1.1 §1 "Architectural Overview"; virtio 1.2 §4.2.2
 *       "MMIO Device Register Layout", §5.2 "Block Device"; RISC-V IOMMU
 *       1.0 §3 "Data Structures" (the device ID selects the device context).
 *
 * The VF "hardware" is vmlab's own virtio-blk (io/virtio_blk.c) on its
 * virtio-mmio transport (io/virtio_mmio.c), as a vDPA device implements the
 * virtio interface in silicon; its disk is a slice view (disk_open_ops) of
 * the medium, its DMA ops the IOMMU's for device id = VF index.
 * Simplified: no PCI config space, BARs or VF enable bits (the VFs exist
 * from the start, --vfs N); the queue is served synchronously on the
 * doorbell write; a function-level reset is the VM's reboot.
 */
#include "io/sriov.h"

#include <errno.h>
#include <stdlib.h>

#include "io/disk.h"
#include "io/iommu.h"
#include "io/virtio_blk.h"

/* The back end of a VF's slice: sectors [first, first + count) of the medium. */
struct sriov_slice {
    struct disk *medium;
    uint64_t first;
    uint64_t count;
};

struct sriov_vf {
    struct sriov *pf;
    unsigned index; /* VF i: IOMMU device id i */
    struct sriov_slice slice;
    struct disk *disk; /* the slice as a disk: S sectors */
    struct virtio_blk *blk;
    struct virtq_dma iommu_dma; /* the IOMMU's DMA ops for device id `index` */
    bool is_assigned;
    virtio_irq_fn irq_fn;
    void *irq_ctx;
    uint64_t reg_accesses, exits;
};

struct sriov {
    struct disk *medium;
    struct iommu *iommu;
    unsigned nvfs;
    uint64_t slice_sectors;
    struct sriov_vf vf[SRIOV_MAX_VFS];
};

/* ------------------------------------------------------ the slice view */

/* [sector, sector + n) inside the slice, written so nothing wraps. */
static bool slice_holds(const struct sriov_slice *s, uint64_t sector, uint32_t n)
{
    return sector <= s->count && n <= s->count - sector;
}

static int slice_read(void *ctx, uint64_t sector, void *buf, uint32_t nsectors)
{
    struct sriov_slice *s = ctx;
    if (!slice_holds(s, sector, nsectors)) {
        return -EINVAL;
    }
    return disk_read(s->medium, s->first + sector, buf, nsectors);
}

static int slice_write(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors)
{
    struct sriov_slice *s = ctx;
    if (!slice_holds(s, sector, nsectors)) {
        return -EINVAL;
    }
    return disk_write(s->medium, s->first + sector, buf, nsectors);
}

/* A VF's flush makes the whole medium durable: one fsync covers every slice. */
static int slice_flush(void *ctx)
{
    struct sriov_slice *s = ctx;
    return disk_flush(s->medium);
}

static const struct disk_ops slice_ops = {
    .read = slice_read,
    .write = slice_write,
    .flush = slice_flush,
    .close = NULL, /* the slice lives in its VF */
};

/* ------------------------------------------------------- the VF's DMA */

/*
 * The VF's DMA is the IOMMU's (iommu_dma), with one addition: virtq_pop
 * validates every buffer up front through `check`, which the IOMMU answers
 * without counting. When it refuses, the VF has in fact tried to reach an
 * address the IOMMU does not map: the VF then translates the buffer's pages
 * in order, as its DMA engine would, until the one that faults - so the
 * refused DMA shows in iommu.translations / iommu.faults exactly as a
 * refused read or write does (pages before it counted, one fault).
 */
static int vf_dma_read(void *ctx, gpa_t iova, void *buf, size_t len)
{
    struct sriov_vf *vf = ctx;
    return vf->iommu_dma.ops->read(vf->iommu_dma.ctx, iova, buf, len);
}

static int vf_dma_write(void *ctx, gpa_t iova, const void *buf, size_t len)
{
    struct sriov_vf *vf = ctx;
    return vf->iommu_dma.ops->write(vf->iommu_dma.ctx, iova, buf, len);
}

static int vf_dma_check(void *ctx, gpa_t iova, uint64_t len, bool is_write)
{
    struct sriov_vf *vf = ctx;
    const struct virtq_dma_ops *ops = vf->iommu_dma.ops;
    int rc = ops->check ? ops->check(vf->iommu_dma.ctx, iova, len, is_write) : 0;
    if (rc == 0 || len == 0) {
        return rc;
    }
    uint64_t first_page = iova >> PAGE_SHIFT;
    uint64_t last_page = (iova + len - 1) >> PAGE_SHIFT; /* virtq refused wrapping buffers */
    for (uint64_t page = first_page; page <= last_page; page++) {
        uint64_t page_iova = page == first_page ? iova : page << PAGE_SHIFT;
        if (iommu_translate(vf->pf->iommu, vf->index, page_iova, is_write, NULL, NULL) != 0) {
            break; /* counted as the DMA's one fault */
        }
    }
    return rc;
}

static const struct virtq_dma_ops vf_dma_ops = {
    .read = vf_dma_read,
    .write = vf_dma_write,
    .check = vf_dma_check,
};

/* ------------------------------------------------------------- the PF */

/* The VF's line: to the VM it is assigned to (none before assignment). */
static void vf_irq(void *ctx, bool level)
{
    struct sriov_vf *vf = ctx;
    if (vf->irq_fn) {
        vf->irq_fn(vf->irq_ctx, level);
    }
}

static int vf_create(struct sriov *pf, unsigned i)
{
    struct sriov_vf *vf = &pf->vf[i];
    struct disk_options opt = {.read_only = disk_is_read_only(pf->medium)};

    vf->pf = pf;
    vf->index = i;
    vf->slice =
        (struct sriov_slice){pf->medium, (uint64_t)i * pf->slice_sectors, pf->slice_sectors};
    vf->disk = disk_open_ops(&slice_ops, &vf->slice, pf->slice_sectors, &opt);
    if (!vf->disk) {
        return -ENOMEM;
    }
    vf->iommu_dma = iommu_dma(pf->iommu, i);
    vf->blk = virtio_blk_create(vf->disk, (struct virtq_dma){&vf_dma_ops, vf}, vf_irq, vf);
    return vf->blk ? 0 : -ENOMEM;
}

struct sriov *sriov_create(struct disk *medium, unsigned nvfs, struct iommu *iommu,
                           const char **why)
{
    if (nvfs == 0 || nvfs > SRIOV_MAX_VFS) {
        *why = "the number of VFs must be 1 to 8";
        return NULL;
    }
    if (disk_sectors(medium) < nvfs) {
        *why = "the medium is too small: each VF needs at least one 512-byte sector";
        return NULL;
    }
    struct sriov *pf = calloc(1, sizeof(*pf));
    if (!pf) {
        *why = "out of host memory";
        return NULL;
    }
    pf->medium = medium;
    pf->iommu = iommu;
    pf->nvfs = nvfs;
    pf->slice_sectors = disk_sectors(medium) / nvfs;
    for (unsigned i = 0; i < nvfs; i++) {
        if (vf_create(pf, i) != 0) {
            sriov_destroy(pf);
            *why = "out of host memory";
            return NULL;
        }
    }
    return pf;
}

void sriov_destroy(struct sriov *pf)
{
    if (!pf) {
        return;
    }
    for (unsigned i = 0; i < SRIOV_MAX_VFS; i++) {
        struct sriov_vf *vf = &pf->vf[i];
        if (vf->is_assigned) {
            iommu_detach(pf->iommu, i);
        }
        vf->irq_fn = NULL; /* its VM may be gone already */
        virtio_blk_destroy(vf->blk);
        if (vf->disk) {
            disk_close(vf->disk); /* flushes its writes: the medium's fsync */
        }
    }
    free(pf);
}

unsigned sriov_nvfs(const struct sriov *pf)
{
    return pf->nvfs;
}

uint64_t sriov_slice_sectors(const struct sriov *pf)
{
    return pf->slice_sectors;
}

struct sriov_vf *sriov_vf(struct sriov *pf, unsigned i)
{
    return i < pf->nvfs ? &pf->vf[i] : NULL;
}

/* ------------------------------------------------------------- a VF */

int sriov_vf_assign(struct sriov_vf *vf, struct gmem *gm, uint16_t gscid, virtio_irq_fn irq_fn,
                    void *irq_ctx)
{
    if (vf->is_assigned) {
        return -EBUSY;
    }
    int rc = iommu_attach(vf->pf->iommu, vf->index, gm, gscid);
    if (rc != 0) {
        return rc;
    }
    vf->is_assigned = true;
    vf->irq_fn = irq_fn;
    vf->irq_ctx = irq_ctx;
    return 0;
}

void sriov_vf_unassign(struct sriov_vf *vf)
{
    if (!vf->is_assigned) {
        return;
    }
    vf->irq_fn = NULL; /* first: the reset lowers the line, and the VM is going */
    vf->irq_ctx = NULL;
    virtio_blk_reset(vf->blk); /* queues forgotten: the next VM starts clean */
    iommu_detach(vf->pf->iommu, vf->index);
    vf->is_assigned = false;
}

bool sriov_vf_is_assigned(const struct sriov_vf *vf)
{
    return vf->is_assigned;
}

unsigned sriov_vf_index(const struct sriov_vf *vf)
{
    return vf->index;
}

void sriov_vf_reset(struct sriov_vf *vf)
{
    virtio_blk_reset(vf->blk);
    if (vf->is_assigned) {
        int rc = iommu_set_first_stage(vf->pf->iommu, vf->index, IOMMU_FS_BARE, 0);
        (void)rc; /* Bare on an attached device cannot fail */
    }
}

int sriov_vf_set_first_stage(struct sriov_vf *vf, uint64_t mode, uint64_t root_gpa)
{
    if (!vf->is_assigned || (mode != IOMMU_FS_BARE && mode != IOMMU_FS_SV39)) {
        return -EINVAL;
    }
    return iommu_set_first_stage(vf->pf->iommu, vf->index, (enum iommu_fs_mode)mode, root_gpa);
}

int sriov_vf_direct_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    struct sriov_vf *vf = dev;
    vf->reg_accesses++;
    return virtio_mmio_ops.read(virtio_blk_transport(vf->blk), offset, size, out);
}

int sriov_vf_direct_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct sriov_vf *vf = dev;
    struct virtio_mmio *t = virtio_blk_transport(vf->blk);
    bool line = virtio_mmio_irq_level(t);
    vf->reg_accesses++;
    if (virtio_mmio_ops.write(t, offset, size, val) != 0) {
        return -1;
    }
    return virtio_mmio_irq_level(t) != line ? 1 : 0;
}

static int vf_trapped_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    struct sriov_vf *vf = dev;
    vf->exits++;
    return virtio_mmio_ops.read(virtio_blk_transport(vf->blk), offset, size, out);
}

static int vf_trapped_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct sriov_vf *vf = dev;
    vf->exits++;
    return virtio_mmio_ops.write(virtio_blk_transport(vf->blk), offset, size, val);
}

const struct mmio_device_ops sriov_vf_trapped_ops = {
    .read = vf_trapped_read,
    .write = vf_trapped_write,
};

void sriov_vf_get_stats(const struct sriov_vf *vf, struct sriov_vf_stats *out)
{
    const struct virtio_blk_stats *bs = virtio_blk_stats(vf->blk);
    const struct virtio_mmio_stats *ts = virtio_mmio_stats(virtio_blk_transport(vf->blk));
    *out = (struct sriov_vf_stats){
        .requests = bs->requests,
        .bytes = bs->bytes,
        .kicks = ts->kicks,
        .interrupts = ts->interrupts,
        .reg_accesses = vf->reg_accesses,
        .errors = ts->errors,
        .exits = vf->exits,
        .ioerrs = bs->ioerrs,
    };
}

const struct iommu_stats *sriov_vf_iommu_stats(const struct sriov_vf *vf)
{
    return iommu_stats(vf->pf->iommu, vf->index);
}

void sriov_vf_set_trace(struct sriov_vf *vf, FILE *out, const char *name)
{
    virtio_blk_set_trace(vf->blk, out, name);
}

struct virtio_mmio *sriov_vf_transport(struct sriov_vf *vf)
{
    return virtio_blk_transport(vf->blk);
}
