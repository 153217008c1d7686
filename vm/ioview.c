/*
 * vm/ioview.c - seeing a VM's I/O: the monitor's `info devices` and `vq dump`,
 * and --trace io switched on and off on the VM's block devices.
 * Course: I/O虚拟化 - 设备模拟 (eblk: every register access an exit) and
 *         半虚拟化 (virtio: the transport's state, the virtqueue in guest
 *         memory), shown beside the counters that say what each one cost.
 * Spec: virtio 1.2 §4.2.2 "MMIO Device Register Layout" (the slots), §2.7
 *       "Split Virtqueues" (vq dump, io/ioview.c); docs/eblk.md.
 * Simplified: the monitor's VM only; guest memory is read with gmem_read
 *       (the VMM's own copy: nothing counted, no DMA ops, no IOMMU).
 */
#include "vm/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "io/eblk.h"
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

static void print_virtio(struct vm *vm, unsigned i, FILE *out)
{
    struct virtio_mmio *t = virtio_blk_transport(vm->virtio[i].blk);
    const struct virtio_mmio_stats *ts = virtio_mmio_stats(t);
    const struct virtio_blk_stats *bs = virtio_blk_stats(vm->virtio[i].blk);
    struct virtio_mmio_info info;
    char text[256];

    virtio_mmio_get_info(t, &info);
    fprintf(out,
            "%s: virtio-mmio slot %u at 0x%08llx IRQ %u: version %u, DeviceID %" PRIu32
            " (block)\n",
            vm_virtio_name(i), vm->virtio[i].irq - 1,
            MEMMAP_VIRTIO_BASE + (vm->virtio[i].irq - 1) * MEMMAP_VIRTIO_STRIDE, vm->virtio[i].irq,
            info.version, info.device_id);
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
    fprintf(out,
            "  io.%s: requests %" PRIu64 " bytes %" PRIu64 " exits %" PRIu64 " kicks %" PRIu64
            " interrupts %" PRIu64 " errors %" PRIu64 "\n",
            vm_virtio_name(i), bs->requests, bs->bytes, ts->exits, ts->kicks, ts->interrupts,
            ts->errors);
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

int vm_vq_dump(struct vm *vm, const char *which, const char *queue, FILE *out)
{
    int i = find_virtio(vm, which);
    if (i < 0) {
        fprintf(out, "vq dump: no virtio device %s%s\n", which ? which : "",
                which ? " (a slot 0-7 with a disk, or vda, vdb, ...)"
                      : "(virtio disks come from --disk under --io virtio)");
        return -1;
    }
    char *end = NULL;
    unsigned long qidx = queue ? strtoul(queue, &end, 0) : 0;
    struct virtq *vq =
        (queue && (end == queue || *end)) || qidx > VIRTIO_MMIO_MAX_QUEUES
            ? NULL
            : virtio_mmio_queue(virtio_blk_transport(vm->virtio[i].blk), (unsigned)qidx);
    if (!vq) {
        fprintf(out, "vq dump: %s has no queue %s (virtio-blk has queue 0)\n",
                vm_virtio_name((unsigned)i), queue ? queue : "0");
        return -1;
    }
    struct virtq_info info;
    virtq_get_info(vq, &info);
    fprintf(out, "%s (slot %u) queue %lu:\n", vm_virtio_name((unsigned)i), vm->virtio[i].irq - 1,
            qidx);
    return vq_dump(out, &info, peek_gmem, vm->gmem);
}
