/*
 * vm/vm.c - building the machine: CREATE_VM and CREATE_VCPU.
 * Course: 案例: QEMU/KVM / QEMU使用KVM的用户态接口 (KVM_CREATE_VM,
 *         KVM_CREATE_VCPU); 内存虚拟化 (guest RAM is host frames: GPA != HPA).
 *
 * Order of construction: host memory, the guest-physical map (RAM, boot ROM,
 * device windows), the devices on the MMIO bus, the images, the device tree,
 * the boot ROM's jump, the vCPU (with --bios vmm the VMM then sets it up in
 * S-mode at the payload, as kvmtool does: no boot ROM code runs). A snapshot
 * of RAM and ROM is taken last so
 * a reboot can restore every image (DESIGN.md "Reset"). Host memory and the
 * TLB are the host's (vm/host.c): several VMs take their frames from one
 * region and their vCPUs share one physical CPU's TLB, VMID-tagged.
 */
#include "vm/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"
#include "io/eblk.h"
#include "io/virtio_blk.h"
#include "io/virtio_mmio.h"
#include "io/htif.h"
#include "irq/irq.h"
#include "vm/bootrom.h"
#include "vm/console.h"
#include "vm/fdt.h"
#include "vm/loader.h"
#include "vm/memmap.h"

static uint64_t vclock_now(void *ctx)
{
    const struct vm *vm = ctx;
    return hart_time_now(&vm->vcpu.hart);
}

/* A guest wrote CLINT mtime: move the one clock that harts and CLINT share. */
static void vclock_set(void *ctx, uint64_t mtime)
{
    struct vm *vm = ctx;
    vm->clock.mtime_offset += mtime - hart_time_now(&vm->vcpu.hart);
}

/* A virtio-blk's line: its slot's PLIC source. */
static void vm_virtio_irq(void *ctx, bool level)
{
    struct vm_virtio_slot *slot = ctx;
    plic_set_line(slot->vm->plic, slot->irq, level);
}

/* disks[i] as the virtio-blk of slot n. NULL (with a line): out of host memory. */
static struct virtio_blk *vm_virtio_blk_create(struct vm *vm, unsigned i, unsigned n)
{
    struct vm_virtio_slot *slot = &vm->virtio[i];
    slot->vm = vm;
    slot->irq = 1 + n;
    slot->blk = virtio_blk_create(vm->disks[i], virtq_dma_gmem(vm->gmem), vm_virtio_irq, slot);
    if (!slot->blk) {
        fprintf(stderr, "vmlab: out of host memory creating virtio-blk\n");
    }
    return slot->blk;
}

/* Under --io virtio, the virtio-blk of slot n (slot_of: vm_disk_slots); NULL when empty. */
static int vm_slot_blk(struct vm *vm, const unsigned *slot_of, unsigned n,
                       struct virtio_blk **out_blk)
{
    unsigned i = 0;
    while (i < vm->ndisks && slot_of[i] != n) {
        i++;
    }
    *out_blk = NULL;
    if (vm->cfg.io_mode == IO_VIRTIO && i < vm->ndisks) {
        *out_blk = vm_virtio_blk_create(vm, i, n);
        if (!*out_blk) {
            return -1;
        }
    }
    return 0;
}

/*
 * QEMU virt's eight virtio-mmio slots: under --io virtio the disks where
 * vm_disk_slots places them (the first disk in slot 7 unless slot=N), the
 * rest empty (DeviceID 0). Under --io passthrough the VM's VF sits where the
 * first disk would (slot 7, IRQ 8), mapped into the guest (vm/passthrough.c).
 */
static int vm_add_virtio_slots(struct vm *vm)
{
    unsigned slot_of[VM_DISK_MAX];
    if (vm_disk_slots(vm->cfg.disks, vm->ndisks, slot_of) != 0) {
        return -1;
    }
    for (unsigned n = 0; n < MEMMAP_VIRTIO_COUNT; n++) {
        gpa_t gpa = MEMMAP_VIRTIO_BASE + n * MEMMAP_VIRTIO_STRIDE;
        bool has_vf = false;
        struct virtio_blk *blk = NULL;
        if (n == MEMMAP_VIRTIO_COUNT - 1 && vm_passthrough_add(vm, gpa, 1 + n, &has_vf) != 0) {
            return -1;
        }
        if (has_vf) {
            continue;
        }
        if (vm_slot_blk(vm, slot_of, n, &blk) != 0) {
            return -1;
        }
        const struct mmio_device_ops *ops = blk                     ? &virtio_mmio_ops
                                            : vm->cfg.virtio_legacy ? &virtio_mmio_empty_legacy_ops
                                                                    : &virtio_mmio_empty_ops;
        void *dev = blk ? virtio_blk_transport(blk) : NULL;
        if (blk) {
            virtio_mmio_set_legacy(dev, vm->cfg.virtio_legacy); /* --virtio-legacy: version 1 */
        }
        if (mmio_bus_add(vm->bus, blk ? "virtio-blk" : "virtio-mmio", gpa, MEMMAP_VIRTIO_STRIDE,
                         ops, dev) ||
            gmem_add_mmio(vm->gmem, gpa, MEMMAP_VIRTIO_STRIDE)) {
            fprintf(stderr, "vmlab: internal error: virtio-mmio slot %u overlaps\n", n);
            return -1;
        }
    }
    return 0;
}

static int vm_add_devices(struct vm *vm)
{
    vm->uart = uart_create(vm->out);
    vm->clint = clint_create(1, vclock_now, vm);
    vm->plic = vm->cfg.cpu_hw ? plic_create_s_only(1) : plic_create(1); /* hw: as kvmtool's */
    vm->bus = mmio_bus_create();
    if (vm->clint) {
        clint_set_time_writer(vm->clint, vclock_set);
    }
    if (!vm->uart || !vm->clint || !vm->plic || !vm->bus) {
        fprintf(stderr, "vmlab: out of host memory creating devices\n");
        return -1;
    }
    if (mmio_bus_add(vm->bus, "test", MEMMAP_TEST_BASE, MEMMAP_TEST_SIZE, &syscon_ops,
                     &vm->syscon) ||
        mmio_bus_add(vm->bus, "clint", MEMMAP_CLINT_BASE, MEMMAP_CLINT_SIZE, &clint_ops,
                     vm->clint) ||
        mmio_bus_add(vm->bus, "plic", MEMMAP_PLIC_BASE, MEMMAP_PLIC_SIZE, &plic_ops, vm->plic) ||
        mmio_bus_add(vm->bus, "uart0", MEMMAP_UART0_BASE, MEMMAP_UART0_SIZE, &uart_ops, vm->uart) ||
        gmem_add_mmio(vm->gmem, MEMMAP_TEST_BASE, MEMMAP_TEST_SIZE) ||
        gmem_add_mmio(vm->gmem, MEMMAP_CLINT_BASE, MEMMAP_CLINT_SIZE) ||
        gmem_add_mmio(vm->gmem, MEMMAP_PLIC_BASE, MEMMAP_PLIC_SIZE) ||
        gmem_add_mmio(vm->gmem, MEMMAP_UART0_BASE, MEMMAP_UART0_SIZE)) {
        fprintf(stderr, "vmlab: internal error: device windows overlap\n");
        return -1;
    }
    return vm_add_virtio_slots(vm);
}

/* The controller's interrupt line is PLIC source MEMMAP_EBLK_IRQ. */
static void vm_eblk_irq(void *ctx, bool level)
{
    struct vm *vm = ctx;
    plic_set_line(vm->plic, MEMMAP_EBLK_IRQ, level);
}

/*
 * --io emulated: the first --disk goes on vmlab's own controller (io/eblk.c).
 * No unmodified guest has a driver for it, so say so once at start.
 */
static int vm_add_eblk(struct vm *vm)
{
    if (vm->cfg.io_mode != IO_EMULATED || vm->ndisks == 0) {
        return 0;
    }
    vm->eblk = eblk_create(vm->disks[0], vm->gmem, vm_eblk_irq, vm);
    if (!vm->eblk) {
        fprintf(stderr, "vmlab: out of host memory creating the block controller\n");
        return -1;
    }
    if (mmio_bus_add(vm->bus, "eblk", MEMMAP_EBLK_BASE, MEMMAP_EBLK_SIZE, &eblk_ops, vm->eblk) ||
        gmem_add_mmio(vm->gmem, MEMMAP_EBLK_BASE, MEMMAP_EBLK_SIZE)) {
        fprintf(stderr, "vmlab: internal error: device windows overlap\n");
        return -1;
    }
    fprintf(stderr,
            "vmlab: --io emulated: the disk is on vmlab's own block controller at 0x%llx; "
            "only guests with its driver (guests/) can use it\n",
            (unsigned long long)MEMMAP_EBLK_BASE);
    return 0;
}

/*
 * --bios vmm: the payload is the S-mode kernel, at RAM + 2 MiB (raw) or its
 * ELF addresses. An ELF entered below RAM + 2 MiB is firmware linked for
 * M-mode at RAM's start (its first csrr of an M-mode CSR would fault): refused.
 */
static int vm_check_sbi_payload(const struct vm *vm, const struct loaded_image *image)
{
    if (vm_config_wants_sbi(&vm->cfg) && image->is_elf &&
        image->entry < MEMMAP_RAM_BASE + MEMMAP_KERNEL_OFFSET) {
        fprintf(stderr,
                "vmlab: %s: entry 0x%" PRIx64 " is below 0x%llx, where M-mode firmware "
                "lives: with --bios vmm (the default for --kernel) the image must be an S-mode "
                "kernel; run M-mode code as `vmlab IMAGE` or --bios FILE\n",
                vm->cfg.kernel, image->entry, MEMMAP_RAM_BASE + MEMMAP_KERNEL_OFFSET);
        return -1;
    }
    return 0;
}

/* The images, as DESIGN.md "Boot" says; fills vm->entry_pc. */
static int vm_load_images(struct vm *vm)
{
    struct loaded_image image;
    char err[256];
    const struct vm_config *cfg = &vm->cfg;
    bool is_sbi = vm_config_wants_sbi(cfg);
    const char *first = is_sbi ? cfg->kernel : cfg->bios ? cfg->bios : cfg->image;
    gpa_t raw_gpa = MEMMAP_RAM_BASE + (is_sbi ? MEMMAP_KERNEL_OFFSET : 0);

    if (gmem_add_rom(vm->gmem, MEMMAP_BOOTROM_BASE, MEMMAP_BOOTROM_SIZE) != 0) {
        fprintf(stderr, "vmlab: internal error: cannot place the boot ROM\n");
        return -1;
    }

    if (loader_load(vm->gmem, first, raw_gpa, &image, err, sizeof(err)) != 0) {
        fprintf(stderr, "vmlab: %s\n", err);
        return -1;
    }
    if (vm_pv_check_image(vm, first, &image) != 0 || vm_check_sbi_payload(vm, &image) != 0) {
        return -1; /* PV guests only under --mmu direct; S-mode kernels only under --bios vmm */
    }
    vm->entry_pc = image.entry;
    if (image.has_tohost) {
        vm->htif = htif_create(vm->gmem, image.tohost, image.fromhost, vm->out);
        if (!vm->htif) {
            fprintf(stderr,
                    "vmlab: %s: its tohost symbol (0x%" PRIx64 ") is not an aligned "
                    "doubleword in RAM; check the linker script\n",
                    first, image.tohost);
            return -1;
        }
    }
    if (cfg->bios && cfg->kernel && !is_sbi) {
        struct loaded_image payload;
        if (loader_load(vm->gmem, cfg->kernel, MEMMAP_RAM_BASE + MEMMAP_KERNEL_OFFSET, &payload,
                        err, sizeof(err)) != 0) {
            fprintf(stderr, "vmlab: %s\n", err);
            return -1;
        }
        if (payload.lowest < image.highest && image.lowest < payload.highest) {
            fprintf(stderr, "vmlab: %s overlaps the firmware %s: link it above 0x%" PRIx64 "\n",
                    cfg->kernel, cfg->bios, image.highest);
            return -1;
        }
        vm->kernel_entry = payload.entry;
    }
    return 0;
}

/* The device tree goes where QEMU puts it: end of RAM (below 3 GiB), 2 MiB aligned down. */
static int vm_place_fdt(struct vm *vm)
{
    struct vm_fdt_config fc = {
        .nharts = 1,
        .ram_base = MEMMAP_RAM_BASE,
        .ram_size = vm->cfg.ram_size,
        .bootargs = vm->cfg.append,
        .has_eblk = vm->eblk != NULL,
        .plic_s_only = vm->cfg.cpu_hw,
    };
    size_t size = 0;
    void *blob = NULL;
    if (vm_fdt_build(&fc, &blob, &size) != 0) {
        fprintf(stderr, "vmlab: could not build the device tree\n");
        return -1;
    }
    vm->fdt_gpa = vm_fdt_place(MEMMAP_RAM_BASE, vm->cfg.ram_size, size);
    int rc = vm->fdt_gpa ? gmem_write(vm->gmem, vm->fdt_gpa, blob, size) : -1;
    free(blob);
    if (rc) {
        fprintf(stderr, "vmlab: the device tree does not fit in RAM\n");
        return -1;
    }
    return 0;
}

static int vm_write_bootrom(struct vm *vm)
{
    struct bootrom_config bc = {
        .entry_gpa = vm->entry_pc,
        .fdt_gpa = vm->fdt_gpa,
        .next_addr = vm->kernel_entry ? vm->kernel_entry : MEMMAP_RAM_BASE + MEMMAP_KERNEL_OFFSET,
        .next_mode = FW_DYNAMIC_NEXT_MODE_S,
    };
    if (bootrom_install(vm->gmem, &bc) != 0) {
        fprintf(stderr, "vmlab: internal error: cannot place the boot ROM\n");
        return -1;
    }
    return 0;
}

/*
 * --cpu hw: the trap controls the VMM sets beside KVM's defaults. Under
 * --mmu shadow and direct it must see every satp write and sfence.vma (they
 * switch or check the tables it keeps): hstatus.VTVM = 1 makes them virtual
 * instructions (the CR3-load exiting of VT-x without EPT). Under --mmu nested
 * hgatp shows the stage-2 root: MODE (8 Sv39x4, 9 Sv48x4), VMID, root PPN.
 */
void vm_hw_controls(struct vm *vm)
{
    struct hart *h = &vm->vcpu.hart;
    if (vm->cfg.mmu_mode == MMU_SHADOW || vm->cfg.mmu_mode == MMU_DIRECT) {
        h->hs.hstatus |= HSTATUS_VTVM;
    }
    if (vm->cfg.mmu_mode == MMU_NESTED && vm->s2) {
        uint64_t mode = vm->cfg.s2_levels == 3 ? SATP_MODE_SV39 : SATP_MODE_SV48;
        h->hs.hgatp = mode << SATP_MODE_SHIFT | (uint64_t)(vm->index + 1) << SATP_ASID_SHIFT |
                      s2_table_root(vm->s2) >> 12;
    }
}

/* The vCPU at reset: the boot ROM's M-mode start, or the VMM's SBI starting a kernel. */
static void vm_start_vcpu(struct vm *vm)
{
    hart_reset(&vm->vcpu.hart, 0, MEMMAP_BOOTROM_BASE);
    if (vm->sbi) {
        vm_sbi_boot_hart(vm); /* --bios vmm: the kernel again, in S-mode (VS under --cpu hw) */
    }
}

static int vm_create_vcpu(struct vm *vm)
{
    struct vcpu *vcpu = &vm->vcpu;
    struct mmu_config mc = {
        .tlb_entries = vm->cfg.tlb_entries,
        .tlb_ways = vm->cfg.tlb_ways,
        .fastpath = vm->cfg.fastpath,
        .mode = vm->cfg.mmu_mode,
        .s2 = vm->s2,
        .vmid = (uint16_t)(vm->index + 1), /* VMID 0 stays unused */
        .pwc = vm->cfg.pwc,
        .shared_tlb = vm->host->tlb, /* the physical CPU's */
    };
    vcpu->vm = vm;
    hart_reset(&vcpu->hart, 0, MEMMAP_BOOTROM_BASE);
    vcpu->mmu = mmu_create(vm->gmem, &vcpu->hart.csr.pmp, &mc);
    if (!vcpu->mmu || hart_attach(&vcpu->hart, vcpu->mmu, vm->gmem, &vm->clock) != 0) {
        fprintf(stderr, "vmlab: out of host memory creating the vCPU\n");
        return -1;
    }
    vm_start_vcpu(vm);
    return 0;
}

/* --trace-file (the host opened it) and the console (vm0's, the host's). */
static int vm_open_outputs(struct vm *vm)
{
    vm->trace_out = vm->host->trace_out;
    vm_set_trace(vm, vm->cfg.trace);
    vm->console = vm->index == 0 ? vm->host->console : NULL;
    return 0;
}

/* Console output: stdout; with several VMs every line of vmN starts "[vmN] ". */
static int vm_open_console_out(struct vm *vm)
{
    vm->out = stdout;
    if (vm->host->nvms > 1) {
        vm->out = console_prefix_open(stdout, vm->index);
        if (!vm->out) {
            fprintf(stderr, "vmlab: out of host memory for the console of vm%u\n", vm->index);
            return -1;
        }
    }
    return 0;
}

/* --disk: open every image now, so a bad one stops the launch (exit 2) with its line. */
static int vm_open_disks(struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.ndisks; i++) {
        const struct vm_disk_spec *spec = &vm->cfg.disks[i];
        char why[512];
        vm->disks[i] = disk_open_err(spec->path, &spec->opt, why, sizeof(why));
        if (!vm->disks[i]) {
            fprintf(stderr, "vmlab: --disk %s\n", why);
            return -1;
        }
        vm->ndisks = i + 1;
    }
    return 0;
}

struct vm *vm_create(struct host *host, const struct vm_config *cfg, unsigned index)
{
    struct vm *vm = calloc(1, sizeof(*vm));
    if (!vm) {
        fprintf(stderr, "vmlab: out of host memory\n");
        return NULL;
    }
    vm->cfg = *cfg;
    vm->host = host;
    vm->index = index;
    vm->turn_end_insns = UINT64_MAX;
    vm->clock.host = cfg->clock_host;
    vm->clock.host_start_ns = vm_host_ns();
    vm->hostmem = host->hostmem;
    if (vm_open_console_out(vm) != 0) {
        goto fail;
    }
    /* 1 GiB stage-2 leaves need RAM on 1 GiB host runs */
    /* 1 GiB stage-2 leaves need RAM on 1 GiB host runs; nested without
     * --prealloc takes RAM's host frames on first touch (demand paging) */
    vm->gmem = gmem_create_lazy(vm->hostmem, MEMMAP_RAM_BASE, cfg->ram_size,
                                cfg->mmu_mode == MMU_NESTED && cfg->s2_leaf_level == 2,
                                cfg->mmu_mode == MMU_NESTED && !cfg->prealloc);
    if (!vm->gmem) {
        fprintf(stderr, "vmlab: cannot allocate %" PRIu64 " MiB of guest RAM\n",
                cfg->ram_size >> 20);
        goto fail;
    }
    if (vm_open_disks(vm) != 0) {
        goto fail;
    }
    if (vm_add_devices(vm) || vm_add_eblk(vm) || vm_load_images(vm) || vm_place_fdt(vm) ||
        vm_write_bootrom(vm) || vm_stage2_create(vm) || vm_create_vcpu(vm) || vm_pv_create(vm) ||
        vm_sbi_create(vm) || vm_shadow_create(vm) || vm_open_outputs(vm)) {
        goto fail;
    }
    if (gmem_snapshot(vm->gmem) != 0) {
        fprintf(stderr, "vmlab: out of host memory for the reset snapshot\n");
        goto fail;
    }
    return vm;
fail:
    vm_destroy(vm);
    return NULL;
}

void vm_finish(struct vm *vm)
{
    uart_flush(vm->uart);
    fflush(stdout);
    vm->console = NULL; /* the host's: it closes it */
    if (vm->trace_out) {
        fflush(vm->trace_out);
    }
}

const char *vm_stop_reason(const struct vm *vm)
{
    return vm->stop_reason[0] ? vm->stop_reason : "the run ended";
}

void vm_reset(struct vm *vm)
{
    vm->resets++;
    gmem_restore(vm->gmem);
    vm_pv_reset(vm);
    vm_shadow_reset(vm);
    vm_start_vcpu(vm); /* hart_reset: also drops decoded code and the TLB */
    clint_reset(vm->clint);
    plic_reset(vm->plic);
    uart_reset(vm->uart);
    if (vm->eblk) {
        eblk_reset(vm->eblk);
    }
    for (unsigned i = 0; i < VM_DISK_MAX; i++) {
        if (vm->virtio[i].blk) {
            virtio_blk_reset(vm->virtio[i].blk);
        }
    }
    vm_passthrough_reset(vm);
    vm->syscon.request = SYSCON_NONE;
}

void vm_destroy(struct vm *vm)
{
    if (!vm) {
        return;
    }
    vm_passthrough_remove(vm);  /* the VF stays the host's; its IOMMU context goes */
    shadow_destroy(vm->shadow); /* it frees its tables through the mmu and gmem */
    if (vm->vcpu.mmu) {
        hart_detach(&vm->vcpu.hart);
        mmu_destroy(vm->vcpu.mmu);
    }
    s2_table_destroy(vm->s2);
    vm_pv_destroy(vm);
    vm_sbi_destroy(vm);
    htif_destroy(vm->htif);
    clint_destroy(vm->clint);
    plic_destroy(vm->plic);
    uart_destroy(vm->uart);
    if (vm->out && vm->out != stdout) {
        fclose(vm->out); /* writes out a last line without its newline */
    }
    mmio_bus_destroy(vm->bus);
    eblk_destroy(vm->eblk); /* before its disk closes */
    for (unsigned i = 0; i < VM_DISK_MAX; i++) {
        virtio_blk_destroy(vm->virtio[i].blk);
    }
    for (unsigned i = 0; i < vm->ndisks; i++) {
        disk_close(vm->disks[i]); /* flushes what was written; a snapshot's writes are dropped */
    }
    gmem_destroy(vm->gmem); /* its frames go back to the host's memory */
    free(vm);
}
