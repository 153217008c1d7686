/*
 * tests/unit/check_fdt.c - what the VMM hands a hart at reset: the device
 * tree (vm/fdt.c), parsed back with libfdt and by dtc, and the boot ROM
 * (vm/bootrom.c), checked word by word and through objdump.
 * Course: 处理器虚拟化 / 创建虚拟机; I/O虚拟化 / 设备发现.
 * Spec: Devicetree Specification v0.4 §3-§5; Linux DT bindings (riscv/cpus,
 *       sifive,clint, 8250, syscon-poweroff/reboot); Unprivileged 20191213
 *       §2.2 "Base Instruction Formats"; OpenSBI fw_dynamic.md.
 * Expected values are worked by hand from those documents (see comments).
 */
#include <check.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vm/bootrom.h"
#include "vm/fdt.h"
#include "vm/memmap.h"

/* ---------------------------------------------------------- helpers */

static void *build(unsigned nharts, const char *bootargs, bool initrd)
{
    struct vm_fdt_config cfg = {
        .nharts = nharts,
        .ram_base = MEMMAP_RAM_BASE,
        .ram_size = 128ull << 20,
        .bootargs = bootargs,
        .has_initrd = initrd,
        .initrd_start = 0x88000000ull - (4ull << 20),
        .initrd_end = 0x88000000ull - (3ull << 20),
    };
    void *blob = NULL;
    size_t size = 0;
    ck_assert_int_eq(vm_fdt_build(&cfg, &blob, &size), 0);
    ck_assert_ptr_nonnull(blob);
    ck_assert_int_eq(fdt_check_header(blob), 0);
    ck_assert_uint_eq(size, fdt_totalsize(blob));
    return blob;
}

static int node(const void *blob, const char *path)
{
    int off = fdt_path_offset(blob, path);
    ck_assert_msg(off >= 0, "no node %s", path);
    return off;
}

static void expect_str(const void *blob, const char *path, const char *prop, const char *want)
{
    int len = 0;
    const char *got = fdt_getprop(blob, node(blob, path), prop, &len);
    ck_assert_msg(got != NULL, "%s has no %s", path, prop);
    ck_assert_int_eq(len, (int)strlen(want) + 1);
    ck_assert_str_eq(got, want);
}

/* A property of big-endian cells, compared with the expected cells. */
static void expect_cells(const void *blob, const char *path, const char *prop, const uint32_t *want,
                         int n)
{
    int len = 0;
    const fdt32_t *got = fdt_getprop(blob, node(blob, path), prop, &len);
    ck_assert_msg(got != NULL, "%s has no %s", path, prop);
    ck_assert_int_eq(len, n * 4);
    for (int i = 0; i < n; i++) {
        ck_assert_uint_eq(fdt32_to_cpu(got[i]), want[i]);
    }
}

static uint32_t cell(const void *blob, const char *path, const char *prop)
{
    int len = 0;
    const fdt32_t *got = fdt_getprop(blob, node(blob, path), prop, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_int_eq(len, 4);
    return fdt32_to_cpu(*got);
}

/* ---------------------------------------------------------- FDT: core */

START_TEST(test_fdt_root_chosen_memory)
{
    void *blob = build(1, "console=ttyS0", true);
    expect_str(blob, "/", "compatible", "riscv-virtio");
    expect_str(blob, "/", "model", "riscv-virtio,qemu");
    ck_assert_uint_eq(cell(blob, "/", "#address-cells"), 2);
    ck_assert_uint_eq(cell(blob, "/", "#size-cells"), 2);
    expect_str(blob, "/chosen", "stdout-path", "/soc/serial@10000000");
    expect_str(blob, "/chosen", "bootargs", "console=ttyS0");
    /* initrd [0x87c00000, 0x87d00000) as two 64-bit big-endian values */
    const uint32_t start[2] = {0, 0x87c00000}, end[2] = {0, 0x87d00000};
    expect_cells(blob, "/chosen", "linux,initrd-start", start, 2);
    expect_cells(blob, "/chosen", "linux,initrd-end", end, 2);
    /* 128 MiB = 0x08000000 at 0x80000000, 2+2 cells */
    const uint32_t reg[4] = {0, 0x80000000, 0, 0x08000000};
    expect_str(blob, "/memory@80000000", "device_type", "memory");
    expect_cells(blob, "/memory@80000000", "reg", reg, 4);
    free(blob);
}
END_TEST

/*
 * QEMU virt's eight virtio-mmio slots: virtio_mmio@1000n000 for n = 1..8
 * (slot n-1 at 0x1000_1000 + (n-1) * 0x1000), IRQ 1 + slot = 1..8, on the
 * PLIC, compatible "virtio,mmio" (as `qemu-system-riscv64 -M virt,dumpdtb`).
 */
START_TEST(test_fdt_virtio_slots)
{
    void *blob = build(1, NULL, false);
    int first = fdt_path_offset(blob, "/soc/virtio_mmio@10001000");
    int last = fdt_path_offset(blob, "/soc/virtio_mmio@10008000");

    ck_assert_int_ge(first, 0);
    ck_assert_int_ge(last, 0);
    ck_assert_uint_eq(cell(blob, "/soc/virtio_mmio@10001000", "interrupts"), 1);
    ck_assert_uint_eq(cell(blob, "/soc/virtio_mmio@10008000", "interrupts"), 8);
    expect_str(blob, "/soc/virtio_mmio@10004000", "compatible", "virtio,mmio");
    ck_assert_int_lt(fdt_path_offset(blob, "/soc/virtio_mmio@10009000"), 0); /* only eight */
    free(blob);
}
END_TEST

/*
 * --cpu hw: the PLIC shows the guest only its S-mode context (as kvmtool's
 * device tree does): interrupts-extended = <&intc0 9>, two cells, where the
 * default board has <&intc0 11 &intc0 9>, four.
 */
START_TEST(test_fdt_plic_s_only)
{
    struct vm_fdt_config cfg = {
        .nharts = 1, .ram_base = 0x80000000ull, .ram_size = 128ull << 20, .plic_s_only = true};
    void *blob = NULL;
    size_t size = 0;
    int len = 0;
    const fdt32_t *cells;

    ck_assert_int_eq(vm_fdt_build(&cfg, &blob, &size), 0);
    cells =
        fdt_getprop(blob, fdt_path_offset(blob, "/soc/plic@c000000"), "interrupts-extended", &len);
    ck_assert_ptr_nonnull(cells);
    ck_assert_int_eq(len, 8);
    ck_assert_uint_eq(fdt32_to_cpu(cells[1]), 9);
    free(blob);
}
END_TEST

START_TEST(test_fdt_cpus)
{
    void *blob = build(1, NULL, false);
    /* 10 MHz = 0x00989680 */
    ck_assert_uint_eq(cell(blob, "/cpus", "timebase-frequency"), 0x989680);
    ck_assert_uint_eq(cell(blob, "/cpus", "#address-cells"), 1);
    ck_assert_uint_eq(cell(blob, "/cpus", "#size-cells"), 0);
    expect_str(blob, "/cpus/cpu@0", "device_type", "cpu");
    expect_str(blob, "/cpus/cpu@0", "status", "okay");
    expect_str(blob, "/cpus/cpu@0", "compatible", "riscv");
    expect_str(blob, "/cpus/cpu@0", "riscv,isa", "rv64imafdc_zicsr_zifencei_zicntr_sstc");
    expect_str(blob, "/cpus/cpu@0", "mmu-type", "riscv,sv48");
    ck_assert_uint_eq(cell(blob, "/cpus/cpu@0", "reg"), 0);
    const char *intc = "/cpus/cpu@0/interrupt-controller";
    expect_str(blob, intc, "compatible", "riscv,cpu-intc");
    ck_assert_uint_eq(cell(blob, intc, "#interrupt-cells"), 1);
    int len = -1;
    ck_assert_ptr_nonnull(fdt_getprop(blob, node(blob, intc), "interrupt-controller", &len));
    ck_assert_int_eq(len, 0);
    ck_assert_uint_ne(fdt_get_phandle(blob, node(blob, intc)), 0);
    /* cpu-map points at cpu@0 */
    ck_assert_uint_eq(cell(blob, "/cpus/cpu-map/cluster0/core0", "cpu"),
                      fdt_get_phandle(blob, node(blob, "/cpus/cpu@0")));
    /* no second hart (the PLIC's node is checked in check_plic.c) */
    ck_assert_int_lt(fdt_path_offset(blob, "/cpus/cpu@1"), 0);
    free(blob);
}
END_TEST

START_TEST(test_fdt_soc)
{
    void *blob = build(1, NULL, false);
    uint32_t intc = fdt_get_phandle(blob, node(blob, "/cpus/cpu@0/interrupt-controller"));
    expect_str(blob, "/soc", "compatible", "simple-bus");
    /* clint: two compatibles, MSIP = 3 and MTIP = 7 of hart 0's intc */
    const char *clint = "/soc/clint@2000000";
    ck_assert_int_eq(fdt_node_check_compatible(blob, node(blob, clint), "sifive,clint0"), 0);
    ck_assert_int_eq(fdt_node_check_compatible(blob, node(blob, clint), "riscv,clint0"), 0);
    const uint32_t ext[4] = {intc, 3, intc, 7};
    expect_cells(blob, clint, "interrupts-extended", ext, 4);
    const uint32_t clint_reg[4] = {0, 0x2000000, 0, 0x10000};
    expect_cells(blob, clint, "reg", clint_reg, 4);
    /* serial: ns16550a, 3.6864 MHz = 0x384000 */
    const char *serial = "/soc/serial@10000000";
    expect_str(blob, serial, "compatible", "ns16550a");
    ck_assert_uint_eq(cell(blob, serial, "clock-frequency"), 0x384000);
    const uint32_t uart_reg[4] = {0, 0x10000000, 0, 0x100};
    expect_cells(blob, serial, "reg", uart_reg, 4);
    /* test device and the syscon actions pointing at it */
    const char *test = "/soc/test@100000";
    ck_assert_int_eq(fdt_node_check_compatible(blob, node(blob, test), "sifive,test1"), 0);
    ck_assert_int_eq(fdt_node_check_compatible(blob, node(blob, test), "sifive,test0"), 0);
    ck_assert_int_eq(fdt_node_check_compatible(blob, node(blob, test), "syscon"), 0);
    uint32_t test_ph = fdt_get_phandle(blob, node(blob, test));
    ck_assert_uint_ne(test_ph, 0);
    expect_str(blob, "/poweroff", "compatible", "syscon-poweroff");
    ck_assert_uint_eq(cell(blob, "/poweroff", "regmap"), test_ph);
    ck_assert_uint_eq(cell(blob, "/poweroff", "offset"), 0);
    ck_assert_uint_eq(cell(blob, "/poweroff", "value"), 0x5555);
    expect_str(blob, "/reboot", "compatible", "syscon-reboot");
    ck_assert_uint_eq(cell(blob, "/reboot", "regmap"), test_ph);
    ck_assert_uint_eq(cell(blob, "/reboot", "value"), 0x7777);
    free(blob);
}
END_TEST

START_TEST(test_fdt_two_harts)
{
    void *blob = build(2, NULL, false);
    uint32_t i0 = fdt_get_phandle(blob, node(blob, "/cpus/cpu@0/interrupt-controller"));
    uint32_t i1 = fdt_get_phandle(blob, node(blob, "/cpus/cpu@1/interrupt-controller"));
    ck_assert_uint_ne(i0, i1);
    ck_assert_uint_eq(cell(blob, "/cpus/cpu@1", "reg"), 1);
    /* <&intc0 3 &intc0 7 &intc1 3 &intc1 7> */
    const uint32_t ext[8] = {i0, 3, i0, 7, i1, 3, i1, 7};
    expect_cells(blob, "/soc/clint@2000000", "interrupts-extended", ext, 8);
    (void)node(blob, "/cpus/cpu-map/cluster0/core1");
    free(blob);
}
END_TEST

START_TEST(test_fdt_place)
{
    /* 128 MiB: top 0x88000000, minus 0x1000 = 0x87fff000, 2 MiB down = 0x87e00000 */
    ck_assert_uint_eq(vm_fdt_place(0x80000000, 128ull << 20, 0x1000), 0x87e00000);
    /* 4 GiB: top capped at 3 GiB 0xc0000000 -> 0xbffff000 -> 0xbfe00000 */
    ck_assert_uint_eq(vm_fdt_place(0x80000000, 4ull << 30, 0x1000), 0xbfe00000);
}
END_TEST

START_TEST(test_fdt_dtc)
{
    if (system("command -v dtc >/dev/null 2>&1") != 0) {
        return; /* device-tree-compiler not installed: libfdt checks above suffice */
    }
    void *blob = build(1, "console=ttyS0", false);
    char path[] = "/tmp/check_fdt.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, blob, fdt_totalsize(blob)), (ssize_t)fdt_totalsize(blob));
    close(fd);
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts %s 2>&1", path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char text[16384];
    size_t n = fread(text, 1, sizeof(text) - 1, p);
    text[n] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    unlink(path);
    ck_assert_ptr_nonnull(strstr(text, "riscv,isa = \"rv64imafdc_zicsr_zifencei_zicntr_sstc\";"));
    ck_assert_ptr_nonnull(strstr(text, "serial@10000000 {"));
    /* dtc prints a string list as "a\0b" or "a", "b" depending on its version */
    ck_assert_ptr_nonnull(strstr(text, "compatible = \"sifive,clint0"));
    ck_assert_ptr_nonnull(strstr(text, "value = <0x5555>;"));
    free(blob);
}
END_TEST

/* ------------------------------------------------------- boot ROM: core */

static uint32_t word_at(const uint8_t *rom, unsigned off)
{
    return (uint32_t)rom[off] | (uint32_t)rom[off + 1] << 8 | (uint32_t)rom[off + 2] << 16 |
           (uint32_t)rom[off + 3] << 24;
}

static uint64_t dword_at(const uint8_t *rom, unsigned off)
{
    return (uint64_t)word_at(rom, off) | (uint64_t)word_at(rom, off + 4) << 32;
}

static size_t build_rom(uint8_t *rom, size_t len)
{
    const struct bootrom_config cfg = {
        .entry_gpa = 0x80000000,
        .fdt_gpa = 0x87e00000,
        .next_addr = 0x80200000,
        .next_mode = FW_DYNAMIC_NEXT_MODE_S,
    };
    return bootrom_build(&cfg, rom, len);
}

START_TEST(test_bootrom_words)
{
    uint8_t rom[0x100];
    ck_assert_uint_eq(build_rom(rom, sizeof(rom)), 0x58); /* 6*4 + 2*8 + 6*8 = 88 */
    /* auipc t0,0:     imm 0, rd 5, opcode 0x17          -> (5<<7)|0x17 = 0x00000297 */
    ck_assert_uint_eq(word_at(rom, 0x00), 0x00000297);
    /* addi a2,t0,40:  0x28<<20 | 5<<15 | 0<<12 | 12<<7 | 0x13 = 0x02828613 */
    ck_assert_uint_eq(word_at(rom, 0x04), 0x02828613);
    /* csrrs a0,mhartid,x0: 0xf14<<20 | 0<<15 | 2<<12 | 10<<7 | 0x73 = 0xf1402573 */
    ck_assert_uint_eq(word_at(rom, 0x08), 0xf1402573);
    /* ld a1,32(t0):   32<<20 | 5<<15 | 3<<12 | 11<<7 | 0x03 = 0x0202b583 */
    ck_assert_uint_eq(word_at(rom, 0x0c), 0x0202b583);
    /* ld t0,24(t0):   24<<20 | 5<<15 | 3<<12 | 5<<7 | 0x03 = 0x0182b283 */
    ck_assert_uint_eq(word_at(rom, 0x10), 0x0182b283);
    /* jalr x0,0(t0):  5<<15 | 0x67 = 0x00028067 */
    ck_assert_uint_eq(word_at(rom, 0x14), 0x00028067);
    ck_assert_uint_eq(dword_at(rom, 0x18), 0x80000000); /* entry */
    ck_assert_uint_eq(dword_at(rom, 0x20), 0x87e00000); /* fdt */
    /* fw_dynamic_info at 0x28: "OSBI", version 2, next_addr, next_mode S, options, boot_hart */
    ck_assert_uint_eq(dword_at(rom, 0x28), 0x4942534f);
    ck_assert_uint_eq(dword_at(rom, 0x30), 2);
    ck_assert_uint_eq(dword_at(rom, 0x38), 0x80200000);
    ck_assert_uint_eq(dword_at(rom, 0x40), 1);
    ck_assert_uint_eq(dword_at(rom, 0x48), 0);
    ck_assert_uint_eq(dword_at(rom, 0x50), 0);
}
END_TEST

START_TEST(test_bootrom_objdump)
{
    const char *objdump = "riscv64-unknown-elf-objdump";
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", objdump);
    if (system(cmd) != 0) {
        return; /* no cross binutils: the word checks above still run */
    }
    uint8_t rom[0x58];
    ck_assert_uint_eq(build_rom(rom, sizeof(rom)), sizeof(rom));
    char path[] = "/tmp/check_bootrom.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, rom, 24), 24); /* the six instructions */
    close(fd);
    snprintf(cmd, sizeof(cmd), "%s -D -b binary -m riscv:rv64 -M no-aliases %s", objdump, path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    char text[4096];
    size_t n = fread(text, 1, sizeof(text) - 1, p);
    text[n] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    unlink(path);
    static const char *const want[BOOTROM_INSNS] = {
        "auipc\tt0,0x0", "addi\ta2,t0,40", "csrrs\ta0,mhartid,zero",
        "ld\ta1,32(t0)", "ld\tt0,24(t0)",  "jalr\tzero,0(t0)",
    };
    for (unsigned i = 0; i < BOOTROM_INSNS; i++) {
        ck_assert_msg(strstr(text, want[i]) != NULL, "objdump lacks \"%s\":\n%s", want[i], text);
    }
}
END_TEST

/* ---------------------------------------------------------- bad input */

START_TEST(test_fdt_bad_config)
{
    void *blob = NULL;
    size_t size = 0;
    struct vm_fdt_config cfg = {.nharts = 0, .ram_base = 0x80000000, .ram_size = 1 << 20};
    ck_assert_int_eq(vm_fdt_build(&cfg, &blob, &size), -EINVAL);
    cfg.nharts = 9; /* more than CLINT_MAX_HARTS = 8 */
    ck_assert_int_eq(vm_fdt_build(&cfg, &blob, &size), -EINVAL);
    cfg.nharts = 1;
    cfg.ram_size = 0;
    ck_assert_int_eq(vm_fdt_build(&cfg, &blob, &size), -EINVAL);
    cfg.ram_size = 1 << 20;
    cfg.has_initrd = true;
    cfg.initrd_start = 0x80100000;
    cfg.initrd_end = 0x80000000; /* ends before it starts */
    ck_assert_int_eq(vm_fdt_build(&cfg, &blob, &size), -EINVAL);
    ck_assert_ptr_null(blob);
    /* a blob bigger than RAM has no place */
    ck_assert_uint_eq(vm_fdt_place(0x80000000, 1 << 20, (1 << 20) + 1), 0);
}
END_TEST

START_TEST(test_fdt_long_bootargs)
{
    /* 100 KiB of bootargs: more than the first 16 KiB buffer, still built */
    char *args = malloc(100 * 1024 + 1);
    memset(args, 'a', 100 * 1024);
    args[100 * 1024] = '\0';
    void *blob = build(1, args, false);
    expect_str(blob, "/chosen", "bootargs", args);
    free(blob);
    free(args);
}
END_TEST

START_TEST(test_bootrom_small_buffer)
{
    uint8_t rom[0x57];
    ck_assert_uint_eq(build_rom(rom, sizeof(rom)), 0);
}
END_TEST

static Suite *fdt_suite(void)
{
    Suite *s = suite_create("fdt");
    TCase *core = tcase_create("core");
    tcase_add_test(core, test_fdt_root_chosen_memory);
    tcase_add_test(core, test_fdt_cpus);
    tcase_add_test(core, test_fdt_plic_s_only);
    tcase_add_test(core, test_fdt_virtio_slots);
    tcase_add_test(core, test_fdt_soc);
    tcase_add_test(core, test_fdt_two_harts);
    tcase_add_test(core, test_fdt_place);
    tcase_add_test(core, test_fdt_dtc);
    tcase_add_test(core, test_bootrom_words);
    tcase_add_test(core, test_bootrom_objdump);
    suite_add_tcase(s, core);
    TCase *bad = tcase_create("bad_input");
    tcase_add_test(bad, test_fdt_bad_config);
    tcase_add_test(bad, test_fdt_long_bootargs);
    tcase_add_test(bad, test_bootrom_small_buffer);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fdt_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
