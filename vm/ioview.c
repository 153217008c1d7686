/*
 * vm/ioview.c - seeing a VM's I/O: the monitor's `info devices` and `vq dump`,
 * and --trace io switched on and off on the VM's block devices.
 * Course: I/O虚拟化 - 设备模拟 (eblk: every register access an exit) and
 *         半虚拟化 (virtio: the transport's state, the virtqueue in guest
 *         memory), shown beside the counters that say what each one cost.
 * Spec: virtio 1.2 §4.2.2 "MMIO Device Register Layout" (the slots), §2.7
 *       "Split Virtqueues" (vq dump, io/ioview.c); docs/eblk.md.
 * Simplified: the monitor's VM only; guest memory is read with gmem_read
 *       (the VMM's own copy: nothing counted, no DMA ops), a passthrough
 *       VF's queue through iommu_probe first (its addresses are IOVAs).
 */
#include "vm/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "io/eblk.h"
#include "io/iommu.h"
#include "io/sriov.h"
#include "io/ioview.h"
#include "io/virtio_blk.h"
#include "io/virtio_mmio.h"
#include "vm/memmap.h"

/* The name of the VM's i-th virtio disk: vda, vdb, ... (as Linux names them on QEMU virt). */
const char *vm_virtio_name(unsigned i)
{
    static const char *const names[VM_DISK_MAX] = {"vda", "vdb", "vdc", "vdd",
                                                   "vde", "vdf", "vdg", "vdh"};
    return i < VM_DISK_MAX ? names[i] : "vd?";
}

void vm_io_set_trace(struct vm *vm, FILE *out)
{
    for (unsigned i = 0; i < VM_DISK_MAX; i++) {
        if (vm->virtio[i].blk) {
            virtio_blk_set_trace(vm->virtio[i].blk, out, vm_virtio_name(i));
        }
    }
    if (vm->eblk) {
        eblk_set_trace(vm->eblk, out);
    }
    if (vm->vf) {
        /* "vf0": the VF's accesses, which no exit brought to the VMM (the simulator shows them) */
        static const char *const vf_names[] = {"vf0", "vf1", "vf2", "vf3",
                                               "vf4", "vf5", "vf6", "vf7"};
        unsigned index = sriov_vf_index(vm->vf);
        sriov_vf_set_trace(vm->vf, out, index < 8 ? vf_names[index] : "vf");
    }
}

/* A window's PLIC source from where it is (DESIGN.md's memory map); 0: none. */
static unsigned window_irq(gpa_t gpa)
{
    if (gpa == MEMMAP_UART0_BASE) {
        return MEMMAP_UART0_IRQ;
    }
    if (gpa == MEMMAP_EBLK_BASE) {
        return MEMMAP_EBLK_IRQ;
    }
    if (gpa >= MEMMAP_VIRTIO_BASE &&
        gpa < MEMMAP_VIRTIO_BASE + MEMMAP_VIRTIO_COUNT * MEMMAP_VIRTIO_STRIDE) {
        return 1 + (unsigned)((gpa - MEMMAP_VIRTIO_BASE) / MEMMAP_VIRTIO_STRIDE);
    }
    return 0;
}

static void print_windows(const struct vm *vm, FILE *out)
{
    struct mmio_window w;
    fputs("MMIO windows:\n", out);
    for (unsigned i = 0; mmio_bus_window(vm->bus, i, &w); i++) {
        unsigned irq = window_irq(w.gpa);
        fprintf(out, "  0x%08" PRIx64 "-0x%08" PRIx64 " %-12s", w.gpa, w.gpa + w.size - 1, w.name);
        if (irq) {
            fprintf(out, " IRQ %u", irq);
        }
        if (w.gpa >= MEMMAP_VIRTIO_BASE &&
            w.gpa < MEMMAP_VIRTIO_BASE + MEMMAP_VIRTIO_COUNT * MEMMAP_VIRTIO_STRIDE) {
            fprintf(out, " (slot %u)", irq - 1);
        }
        fputc('\n', out);
    }
}

/* Where disk i is: "vda (virtio slot 7)", "eblk", or "no device (--io ...)". */
static void disk_place(const struct vm *vm, unsigned i, char *buf, size_t len)
{
    if (vm->virtio[i].blk) {
        snprintf(buf, len, "%s, virtio-blk in slot %u", vm_virtio_name(i), vm->virtio[i].irq - 1);
    } else if (i == 0 && vm->eblk) {
        snprintf(buf, len, "eblk (--io emulated)");
    } else {
        snprintf(buf, len, "no device on it under this --io");
    }
}

static void print_disks(const struct vm *vm, FILE *out)
{
    fprintf(out, "disks: %u\n", vm->ndisks);
    for (unsigned i = 0; i < vm->ndisks; i++) {
        const struct vm_disk_spec *spec = &vm->cfg.disks[i];
        char place[64];
        disk_place(vm, i, place, sizeof(place));
        fprintf(out, "  disk %u: %s, %" PRIu64 " sectors (%" PRIu64 " bytes)%s%s: %s\n", i,
                spec->path ? spec->path : "?", disk_sectors(vm->disks[i]),
                disk_sectors(vm->disks[i]) * DISK_SECTOR_SIZE,
                disk_is_read_only(vm->disks[i]) ? ", ro" : "",
                spec->opt.snapshot ? ", snapshot" : "", place);
    }
}

/* A transport's state (the caller printed its version): status and features by name,
 * its queues, its line. */
static void print_transport(const struct virtio_mmio_info *t_info, FILE *out)
{
    const struct virtio_mmio_info info = *t_info;
    char text[256];

    virtio_status_text(info.status, text, sizeof(text));
    fprintf(out, "  status 0x%02" PRIx32 " %s%s\n", info.status, text,
            info.status & VIRTIO_STATUS_NEEDS_RESET ? "  <- the driver broke a rule" : "");
    virtio_features_text(info.device_features, info.device_id, text, sizeof(text));
    fprintf(out, "  device features 0x%" PRIx64 ": %s\n", info.device_features, text);
    virtio_features_text(info.driver_features, info.device_id, text, sizeof(text));
    fprintf(out, "  driver features 0x%" PRIx64 ": %s\n", info.driver_features, text);
    for (unsigned q = 0; q < info.nqueues; q++) {
        fprintf(out, "  queue %u: size %" PRIu32 " %s\n", q, info.queue_num[q],
                info.queue_ready[q] ? "ready" : "not ready");
    }
    fprintf(out, "  InterruptStatus 0x%" PRIx32 ", line %s\n", info.isr,
            info.line ? "high" : "low");
}

static void print_virtio(struct vm *vm, unsigned i, FILE *out)
{
    struct virtio_mmio *t = virtio_blk_transport(vm->virtio[i].blk);
    const struct virtio_mmio_stats *ts = virtio_mmio_stats(t);
    const struct virtio_blk_stats *bs = virtio_blk_stats(vm->virtio[i].blk);
    unsigned slot = vm->virtio[i].irq - 1;

    struct virtio_mmio_info info;

    virtio_mmio_get_info(t, &info);
    fprintf(out,
            "%s: virtio-mmio slot %u at 0x%08llx IRQ %u: version %u, DeviceID %" PRIu32
            " (block)\n",
            vm_virtio_name(i), slot, MEMMAP_VIRTIO_BASE + slot * MEMMAP_VIRTIO_STRIDE,
            vm->virtio[i].irq, info.version, info.device_id);
    print_transport(&info, out);
    fprintf(out,
            "  io.%s: requests %" PRIu64 " bytes %" PRIu64 " exits %" PRIu64 " kicks %" PRIu64
            " interrupts %" PRIu64 " errors %" PRIu64 "\n",
            vm_virtio_name(i), bs->requests, bs->bytes, ts->exits, ts->kicks, ts->interrupts,
            ts->errors);
}

/* The IOMMU's device context for the VF: who translates its DMA, and what it cost. */
static void print_iommu_dc(struct vm *vm, unsigned devid, FILE *out)
{
    struct iommu_dc_info dc;
    const struct iommu_stats *is = iommu_stats(vm->host->iommu, devid);

    if (!iommu_dc_info(vm->host->iommu, devid, &dc) || !dc.is_attached || !is) {
        fprintf(out, "  IOMMU: device %u not attached\n", devid);
        return;
    }
    if (dc.fs_mode == IOMMU_FS_SV39) {
        fprintf(out, "  IOMMU device %u: first stage Sv39, root GPA 0x%" PRIx64, devid,
                dc.fs_root_gpa);
    } else {
        fprintf(out, "  IOMMU device %u: first stage Bare (IOVA = GPA)", devid);
    }
    fprintf(out, "; second stage Sv%ux4, root HPA 0x%" PRIx64 ", GSCID %u\n", 9 * dc.s2_levels + 12,
            dc.s2_root_hpa, dc.gscid);
    fprintf(out,
            "  iommu: translations %" PRIu64 " faults %" PRIu64 " s1_accesses %" PRIu64
            " s2_accesses %" PRIu64 " iotlb_hits %" PRIu64 " iotlb_misses %" PRIu64 "\n",
            is->translations, is->faults, is->s1_accesses, is->s2_accesses, is->iotlb_hits,
            is->iotlb_misses);
}

/* --io passthrough: the VF this VM drives, its slice of the medium, its IOMMU context. */
static void print_vf(struct vm *vm, FILE *out)
{
    struct sriov *pf = vm->host->sriov;
    unsigned index = sriov_vf_index(vm->vf);
    uint64_t slice = sriov_slice_sectors(pf);
    unsigned slot = vm->virtio[0].irq - 1;
    struct sriov_vf_stats vs;

    fprintf(out,
            "vf%u: SR-IOV virtual function %u of %u (the PF over the medium is the VMM's), slot %u "
            "at 0x%08llx IRQ %u, mapped into "
            "the guest (register accesses do not exit)\n",
            index, index, sriov_nvfs(pf), slot, MEMMAP_VIRTIO_BASE + slot * MEMMAP_VIRTIO_STRIDE,
            vm->virtio[0].irq);
    fprintf(out, "  medium %s: sectors %" PRIu64 "..%" PRIu64 " (%" PRIu64 " sectors)\n",
            vm->host->cfg.ndisks ? vm->host->cfg.disks[0].path : "?", index * slice,
            (index + 1) * slice - 1, slice);
    struct virtio_mmio_info info;
    virtio_mmio_get_info(sriov_vf_transport(vm->vf), &info);
    fprintf(out, "  version %u, DeviceID %" PRIu32 " (block), virtio-blk in the device\n",
            info.version, info.device_id);
    print_transport(&info, out);
    sriov_vf_get_stats(vm->vf, &vs);
    fprintf(out,
            "  io.passthrough: requests %" PRIu64 " bytes %" PRIu64 " reg_accesses %" PRIu64
            " exits %" PRIu64 " kicks %" PRIu64 " interrupts %" PRIu64 " errors %" PRIu64 "\n",
            vs.requests, vs.bytes, vs.reg_accesses, vs.exits, vs.kicks, vs.interrupts, vs.errors);
    print_iommu_dc(vm, index, out);
}

static void print_eblk(const struct vm *vm, FILE *out)
{
    const struct eblk_stats *es = eblk_stats(vm->eblk);
    fprintf(out, "eblk: vmlab's block controller at 0x%08llx IRQ %u, line %s\n", MEMMAP_EBLK_BASE,
            MEMMAP_EBLK_IRQ, eblk_irq_level(vm->eblk) ? "high" : "low");
    fprintf(out,
            "  io.eblk: requests %" PRIu64 " bytes %" PRIu64 " exits %" PRIu64
            " interrupts %" PRIu64 " errors %" PRIu64 "\n",
            es->requests, es->bytes, es->exits, es->interrupts, es->errors);
}

void vm_print_devices(struct vm *vm, FILE *out)
{
    static const char *const io_names[] = {"emulated", "virtio", "passthrough"};
    print_windows(vm, out);
    fprintf(out, "--io %s%s\n", io_names[vm->cfg.io_mode],
            vm->cfg.virtio_legacy ? " --virtio-legacy" : "");
    print_disks(vm, out);
    for (unsigned i = 0; i < VM_DISK_MAX; i++) {
        if (vm->virtio[i].blk) {
            print_virtio(vm, i, out);
        }
    }
    if (vm->eblk) {
        print_eblk(vm, out);
    }
    if (vm->vf) {
        print_vf(vm, out);
    }
}

/* gmem as vq_dump's peek: the VMM's own read, nothing counted. */
static int peek_gmem(void *ctx, gpa_t gpa, void *buf, size_t len)
{
    return gmem_read(ctx, gpa, buf, len);
}

/* "vda".."vdh" or a slot number 0..7: the virtio disk index, -1 when none. */
static int find_virtio(const struct vm *vm, const char *which)
{
    for (unsigned i = 0; i < VM_DISK_MAX; i++) {
        if (!vm->virtio[i].blk) {
            continue;
        }
        char slot[4];
        snprintf(slot, sizeof(slot), "%u", vm->virtio[i].irq - 1);
        if (!which || strcmp(which, vm_virtio_name(i)) == 0 || strcmp(which, slot) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* The VF's queue addresses are IOVAs: peek through the IOMMU's probe, nothing counted. */
struct vf_peek {
    struct iommu *iommu;
    unsigned devid;
    struct gmem *gm;
};

static int peek_iommu(void *ctx, gpa_t iova, void *buf, size_t len)
{
    const struct vf_peek *vp = ctx;
    uint8_t *dst = buf;

    while (len > 0) {
        struct iommu_probe_result r;
        size_t chunk = PAGE_SIZE - (iova & PAGE_MASK);
        chunk = chunk < len ? chunk : len;
        if (iommu_probe(vp->iommu, vp->devid, iova, false, &r) != 0 ||
            gmem_read(vp->gm, r.gpa, dst, chunk) != 0) {
            return -1;
        }
        dst += chunk;
        iova += chunk;
        len -= chunk;
    }
    return 0;
}

/* "vf", or the VF's slot number, under --io passthrough: true when `which` names it. */
static bool names_vf(const struct vm *vm, const char *which)
{
    char slot[4];
    if (!vm->vf) {
        return false;
    }
    snprintf(slot, sizeof(slot), "%u", vm->virtio[0].irq - 1);
    return !which || strcmp(which, "vf") == 0 || strcmp(which, slot) == 0;
}

/* Queue `queue` (NULL: 0) of transport t, or NULL after saying why. */
static struct virtq *transport_queue(struct virtio_mmio *t, const char *name, const char *queue,
                                     unsigned long *out_qidx, FILE *out)
{
    char *end = NULL;
    unsigned long qidx = queue ? strtoul(queue, &end, 0) : 0;
    struct virtq *vq = (queue && (end == queue || *end)) || qidx > VIRTIO_MMIO_MAX_QUEUES
                           ? NULL
                           : virtio_mmio_queue(t, (unsigned)qidx);
    if (!vq) {
        fprintf(out, "vq dump: %s has no queue %s (virtio-blk has queue 0)\n", name,
                queue ? queue : "0");
    }
    *out_qidx = qidx;
    return vq;
}

static int vf_vq_dump(struct vm *vm, const char *queue, FILE *out)
{
    unsigned long qidx;
    struct virtq *vq = transport_queue(sriov_vf_transport(vm->vf), "vf", queue, &qidx, out);
    struct vf_peek vp = {vm->host->iommu, sriov_vf_index(vm->vf), vm->gmem};
    struct virtq_info info;

    if (!vq) {
        return -1;
    }
    virtq_get_info(vq, &info);
    fprintf(out, "vf%u (slot %u) queue %lu, addresses are IOVAs (read through the IOMMU):\n",
            vp.devid, vm->virtio[0].irq - 1, qidx);
    return vq_dump(out, &info, peek_iommu, &vp);
}

int vm_vq_dump(struct vm *vm, const char *which, const char *queue, FILE *out)
{
    if (names_vf(vm, which)) {
        return vf_vq_dump(vm, queue, out);
    }
    int i = find_virtio(vm, which);
    if (i < 0) {
        fprintf(out, "vq dump: no virtio device %s%s\n", which ? which : "",
                which ? " (a slot 0-7 with a disk, vda, vdb, ..., or vf)"
                      : "(virtio disks come from --disk under --io virtio or passthrough)");
        return -1;
    }
    unsigned long qidx;
    struct virtq *vq = transport_queue(virtio_blk_transport(vm->virtio[i].blk),
                                       vm_virtio_name((unsigned)i), queue, &qidx, out);
    if (!vq) {
        return -1;
    }
    struct virtq_info info;
    virtq_get_info(vq, &info);
    fprintf(out, "%s (slot %u) queue %lu:\n", vm_virtio_name((unsigned)i), vm->virtio[i].irq - 1,
            qidx);
    return vq_dump(out, &info, peek_gmem, vm->gmem);
}
