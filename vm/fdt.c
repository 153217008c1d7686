/*
 * vm/fdt.c - the device tree of vmlab's virt board, written with libfdt's
 * sequential-write API, one function per node.
 * Course: I/O虚拟化 / 设备发现 - the VMM describes the emulated machine
 *         (memory, harts, interrupt controllers, devices) in a table the
 *         guest parses at boot.
 * Spec: Devicetree Specification v0.4, §3 "Device Node Requirements" and
 *       §5 "Flattened Devicetree (DTB) Format"; Linux DT bindings
 *       riscv/cpus.yaml, timer/sifive,clint.yaml,
 *       interrupt-controller/sifive,plic-1.0.0.yaml, serial/8250.yaml,
 *       power/reset/syscon-poweroff.yaml and syscon-reboot.yaml; QEMU's
 *       hw/riscv/virt.c for the node names a guest expects.
 * Simplified: one cluster in cpu-map; the virtio-mmio slots are listed
 * whether or not a device sits behind them (an empty one has DeviceID 0).
 */
#include "vm/fdt.h"

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"
#include "irq/irq.h"
#include "vm/memmap.h"

/* The sequential writer: the first libfdt error sticks, later calls do nothing. */
struct dt {
    void *blob;
    int err;
    uint32_t next_phandle;
    uint32_t intc_phandle[CLINT_MAX_HARTS]; /* each hart's interrupt controller */
    uint32_t cpu_phandle[CLINT_MAX_HARTS];
    uint32_t test_phandle;
    uint32_t plic_phandle; /* interrupt-parent of the devices */
};

static void dt_check(struct dt *dt, int rc)
{
    if (dt->err == 0 && rc < 0) {
        dt->err = rc;
    }
}

static void dt_begin(struct dt *dt, const char *name)
{
    if (dt->err == 0) {
        dt_check(dt, fdt_begin_node(dt->blob, name));
    }
}

static void dt_end(struct dt *dt)
{
    if (dt->err == 0) {
        dt_check(dt, fdt_end_node(dt->blob));
    }
}

static void dt_prop(struct dt *dt, const char *name, const void *val, int len)
{
    if (dt->err == 0) {
        dt_check(dt, fdt_property(dt->blob, name, val, len));
    }
}

static void dt_u32(struct dt *dt, const char *name, uint32_t val)
{
    if (dt->err == 0) {
        dt_check(dt, fdt_property_cell(dt->blob, name, val));
    }
}

static void dt_u64(struct dt *dt, const char *name, uint64_t val)
{
    if (dt->err == 0) {
        dt_check(dt, fdt_property_u64(dt->blob, name, val));
    }
}

static void dt_str(struct dt *dt, const char *name, const char *val)
{
    dt_prop(dt, name, val, (int)strlen(val) + 1);
}

/* A list of cells, stored big-endian as the DTB format says. */
static void dt_cells(struct dt *dt, const char *name, const uint32_t *cells, unsigned n)
{
    fdt32_t be[16];
    for (unsigned i = 0; i < n && i < 16; i++) {
        be[i] = cpu_to_fdt32(cells[i]);
    }
    dt_prop(dt, name, be, (int)(n * sizeof(fdt32_t)));
}

/* reg = <base size> with #address-cells = #size-cells = 2. */
static void dt_reg64(struct dt *dt, uint64_t base, uint64_t size)
{
    const uint32_t cells[4] = {(uint32_t)(base >> 32), (uint32_t)base, (uint32_t)(size >> 32),
                               (uint32_t)size};
    dt_cells(dt, "reg", cells, 4);
}

static uint32_t dt_phandle(struct dt *dt)
{
    uint32_t ph = dt->next_phandle++;
    dt_u32(dt, "phandle", ph);
    return ph;
}

/* ----------------------------------------------------------------- nodes */

static void node_chosen(struct dt *dt, const struct vm_fdt_config *cfg)
{
    char stdout_path[48];
    snprintf(stdout_path, sizeof(stdout_path), "/soc/serial@%llx",
             (unsigned long long)MEMMAP_UART0_BASE);
    dt_begin(dt, "chosen");
    dt_str(dt, "stdout-path", stdout_path);
    if (cfg->bootargs) {
        dt_str(dt, "bootargs", cfg->bootargs);
    }
    if (cfg->has_initrd) {
        dt_u64(dt, "linux,initrd-start", cfg->initrd_start);
        dt_u64(dt, "linux,initrd-end", cfg->initrd_end);
    }
    dt_end(dt);
}

static void node_memory(struct dt *dt, const struct vm_fdt_config *cfg)
{
    char name[32];
    snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)cfg->ram_base);
    dt_begin(dt, name);
    dt_str(dt, "device_type", "memory");
    dt_reg64(dt, cfg->ram_base, cfg->ram_size);
    dt_end(dt);
}

/* riscv,isa-extensions: the same extensions as VM_FDT_RISCV_ISA, one string each. */
static void dt_isa_extensions(struct dt *dt)
{
    static const char exts[] = "i\0m\0a\0f\0d\0c\0zicsr\0zifencei\0zicntr\0sstc";
    dt_prop(dt, "riscv,isa-extensions", exts, (int)sizeof(exts));
}

static void node_cpu(struct dt *dt, unsigned hart)
{
    char name[16];
    snprintf(name, sizeof(name), "cpu@%u", hart);
    dt_begin(dt, name);
    dt->cpu_phandle[hart] = dt_phandle(dt);
    dt_str(dt, "device_type", "cpu");
    dt_u32(dt, "reg", hart);
    dt_str(dt, "status", "okay");
    dt_str(dt, "compatible", "riscv");
    dt_str(dt, "riscv,isa", VM_FDT_RISCV_ISA);
    dt_str(dt, "riscv,isa-base", "rv64i");
    dt_isa_extensions(dt);
    dt_str(dt, "mmu-type", VM_FDT_MMU_TYPE);
    dt_begin(dt, "interrupt-controller"); /* cpuN:intc, the hart-local mip bits */
    dt_u32(dt, "#interrupt-cells", 1);
    dt_prop(dt, "interrupt-controller", "", 0);
    dt_str(dt, "compatible", "riscv,cpu-intc");
    dt->intc_phandle[hart] = dt_phandle(dt);
    dt_end(dt);
    dt_end(dt);
}

static void node_cpu_map(struct dt *dt, unsigned nharts)
{
    dt_begin(dt, "cpu-map");
    dt_begin(dt, "cluster0");
    for (unsigned hart = 0; hart < nharts; hart++) {
        char name[16];
        snprintf(name, sizeof(name), "core%u", hart);
        dt_begin(dt, name);
        dt_u32(dt, "cpu", dt->cpu_phandle[hart]);
        dt_end(dt);
    }
    dt_end(dt);
    dt_end(dt);
}

static void node_cpus(struct dt *dt, const struct vm_fdt_config *cfg)
{
    dt_begin(dt, "cpus");
    dt_u32(dt, "#address-cells", 1);
    dt_u32(dt, "#size-cells", 0);
    dt_u32(dt, "timebase-frequency", VM_FDT_TIMEBASE_HZ);
    for (unsigned hart = 0; hart < cfg->nharts; hart++) {
        node_cpu(dt, hart);
    }
    node_cpu_map(dt, cfg->nharts);
    dt_end(dt);
}

/* interrupts-extended = <&intc0 irq_a &intc0 irq_b &intc1 irq_a ...>: two lines of each hart. */
static void intc_pairs(const struct dt *dt, const struct vm_fdt_config *cfg, uint32_t irq_a,
                       uint32_t irq_b, uint32_t *cells)
{
    for (unsigned hart = 0; hart < cfg->nharts; hart++) {
        cells[4 * hart + 0] = dt->intc_phandle[hart];
        cells[4 * hart + 1] = irq_a;
        cells[4 * hart + 2] = dt->intc_phandle[hart];
        cells[4 * hart + 3] = irq_b;
    }
}

/* The CLINT: MSIP and MTIP of each hart. */
static void node_clint(struct dt *dt, const struct vm_fdt_config *cfg)
{
    static const char compat[] = "sifive,clint0\0riscv,clint0";
    uint32_t cells[4 * CLINT_MAX_HARTS];
    char name[32];
    intc_pairs(dt, cfg, IRQ_M_SOFT, IRQ_M_TIMER, cells);
    snprintf(name, sizeof(name), "clint@%llx", (unsigned long long)MEMMAP_CLINT_BASE);
    dt_begin(dt, name);
    dt_prop(dt, "compatible", compat, (int)sizeof(compat));
    dt_reg64(dt, MEMMAP_CLINT_BASE, MEMMAP_CLINT_SIZE);
    dt_cells(dt, "interrupts-extended", cells, 4 * cfg->nharts);
    dt_end(dt);
}

/*
 * The PLIC, as QEMU's virt board gives it: contexts 2h and 2h+1 are hart h's
 * M- and S-mode external interrupts, so interrupts-extended = <&intc0 11
 * &intc0 9 &intc1 11 ...> (MEIP, SEIP of each hart, in context order).
 */
static void node_plic(struct dt *dt, const struct vm_fdt_config *cfg)
{
    static const char compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    uint32_t cells[4 * CLINT_MAX_HARTS];
    unsigned ncells = 4 * cfg->nharts;
    char name[32];
    intc_pairs(dt, cfg, IRQ_M_EXT, IRQ_S_EXT, cells);
    if (cfg->plic_s_only) { /* --cpu hw: <&intc0 9 &intc1 9 ...>, as kvmtool's */
        for (unsigned hart = 0; hart < cfg->nharts; hart++) {
            cells[2 * hart] = dt->intc_phandle[hart];
            cells[2 * hart + 1] = IRQ_S_EXT;
        }
        ncells = 2 * cfg->nharts;
    }
    snprintf(name, sizeof(name), "plic@%llx", (unsigned long long)MEMMAP_PLIC_BASE);
    dt_begin(dt, name);
    dt->plic_phandle = dt_phandle(dt);
    dt_u32(dt, "riscv,ndev", PLIC_NDEV);
    dt_reg64(dt, MEMMAP_PLIC_BASE, MEMMAP_PLIC_SIZE);
    dt_cells(dt, "interrupts-extended", cells, ncells);
    dt_prop(dt, "interrupt-controller", "", 0);
    dt_prop(dt, "compatible", compat, (int)sizeof(compat));
    dt_u32(dt, "#address-cells", 0);
    dt_u32(dt, "#interrupt-cells", 1);
    dt_end(dt);
}

static void node_serial(struct dt *dt)
{
    char name[32];
    snprintf(name, sizeof(name), "serial@%llx", (unsigned long long)MEMMAP_UART0_BASE);
    dt_begin(dt, name);
    dt_u32(dt, "interrupts", MEMMAP_UART0_IRQ);
    dt_u32(dt, "interrupt-parent", dt->plic_phandle);
    dt_str(dt, "compatible", "ns16550a");
    dt_reg64(dt, MEMMAP_UART0_BASE, MEMMAP_UART0_SIZE);
    dt_u32(dt, "clock-frequency", 0x384000); /* 3.6864 MHz, as QEMU says */
    dt_end(dt);
}

static void node_test(struct dt *dt)
{
    static const char compat[] = "sifive,test1\0sifive,test0\0syscon";
    char name[32];
    snprintf(name, sizeof(name), "test@%llx", (unsigned long long)MEMMAP_TEST_BASE);
    dt_begin(dt, name);
    dt_prop(dt, "compatible", compat, (int)sizeof(compat));
    dt_reg64(dt, MEMMAP_TEST_BASE, MEMMAP_TEST_SIZE);
    dt->test_phandle = dt_phandle(dt);
    dt_end(dt);
}

/* vmlab's own block controller (--io emulated): no standard binding, our compatible. */
static void node_eblk(struct dt *dt)
{
    char name[32];
    snprintf(name, sizeof(name), "eblk@%llx", (unsigned long long)MEMMAP_EBLK_BASE);
    dt_begin(dt, name);
    dt_u32(dt, "interrupts", MEMMAP_EBLK_IRQ);
    dt_u32(dt, "interrupt-parent", dt->plic_phandle);
    dt_reg64(dt, MEMMAP_EBLK_BASE, MEMMAP_EBLK_SIZE);
    dt_str(dt, "compatible", "vmlab,eblk");
    dt_end(dt);
}

/* QEMU virt's virtio-mmio slots, in its order (last slot first): IRQ 1 + n. */
static void node_virtio_slots(struct dt *dt)
{
    for (int n = MEMMAP_VIRTIO_COUNT - 1; n >= 0; n--) {
        gpa_t gpa = MEMMAP_VIRTIO_BASE + (gpa_t)n * MEMMAP_VIRTIO_STRIDE;
        char name[32];
        snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)gpa);
        dt_begin(dt, name);
        dt_u32(dt, "interrupts", 1 + (uint32_t)n);
        dt_u32(dt, "interrupt-parent", dt->plic_phandle);
        dt_reg64(dt, gpa, MEMMAP_VIRTIO_STRIDE);
        dt_str(dt, "compatible", "virtio,mmio");
        dt_end(dt);
    }
}

static void node_soc(struct dt *dt, const struct vm_fdt_config *cfg)
{
    dt_begin(dt, "soc");
    dt_u32(dt, "#address-cells", 2);
    dt_u32(dt, "#size-cells", 2);
    dt_str(dt, "compatible", "simple-bus");
    dt_prop(dt, "ranges", "", 0); /* child addresses are parent addresses */
    node_clint(dt, cfg);
    node_plic(dt, cfg); /* before the devices: they name it as interrupt-parent */
    node_serial(dt);
    node_virtio_slots(dt);
    node_test(dt);
    if (cfg->has_eblk) {
        node_eblk(dt);
    }
    dt_end(dt);
}

/* syscon-poweroff / syscon-reboot: write `value` to the test device's register 0. */
static void node_syscon_action(struct dt *dt, const char *name, const char *compatible,
                               uint32_t value)
{
    dt_begin(dt, name);
    dt_str(dt, "compatible", compatible);
    dt_u32(dt, "regmap", dt->test_phandle);
    dt_u32(dt, "offset", 0);
    dt_u32(dt, "value", value);
    dt_end(dt);
}

static void node_root(struct dt *dt, const struct vm_fdt_config *cfg)
{
    dt_begin(dt, "");
    dt_u32(dt, "#address-cells", 2);
    dt_u32(dt, "#size-cells", 2);
    dt_str(dt, "compatible", "riscv-virtio");
    dt_str(dt, "model", "riscv-virtio,qemu");
    node_chosen(dt, cfg);
    node_memory(dt, cfg);
    node_cpus(dt, cfg);
    node_soc(dt, cfg);
    node_syscon_action(dt, "poweroff", "syscon-poweroff", 0x5555);
    node_syscon_action(dt, "reboot", "syscon-reboot", 0x7777);
    dt_end(dt);
}

/* ------------------------------------------------------------------ build */

static int dt_write(void *blob, int size, const struct vm_fdt_config *cfg)
{
    struct dt dt = {.blob = blob, .next_phandle = 1};
    dt_check(&dt, fdt_create(blob, size));
    if (dt.err == 0) {
        dt_check(&dt, fdt_finish_reservemap(blob));
    }
    node_root(&dt, cfg);
    if (dt.err == 0) {
        dt_check(&dt, fdt_finish(blob));
    }
    return dt.err;
}

int vm_fdt_build(const struct vm_fdt_config *cfg, void **out_blob, size_t *out_size)
{
    if (cfg->nharts == 0 || cfg->nharts > CLINT_MAX_HARTS || cfg->ram_size == 0 ||
        (cfg->has_initrd && cfg->initrd_end < cfg->initrd_start)) {
        return -EINVAL;
    }
    for (int size = 16384; size <= (1 << 20); size *= 2) {
        void *blob = calloc(1, (size_t)size);
        if (!blob) {
            return -ENOMEM;
        }
        int rc = dt_write(blob, size, cfg);
        if (rc == 0) {
            *out_blob = blob;
            *out_size = fdt_totalsize(blob);
            return 0;
        }
        free(blob);
        if (rc != -FDT_ERR_NOSPACE) {
            return -EIO;
        }
    }
    return -E2BIG;
}

gpa_t vm_fdt_place(gpa_t ram_base, uint64_t ram_size, size_t blob_size)
{
    gpa_t top = ram_base + ram_size;
    if (ram_base < MEMMAP_FDT_MAX_GPA && top > MEMMAP_FDT_MAX_GPA) {
        top = MEMMAP_FDT_MAX_GPA;
    }
    if (blob_size > top - ram_base) {
        return 0;
    }
    gpa_t fdt_gpa = (top - blob_size) & ~(MEMMAP_FDT_ALIGN - 1);
    return fdt_gpa >= ram_base ? fdt_gpa : 0;
}
