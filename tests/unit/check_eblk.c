/*
 * tests/unit/check_eblk.c - vmlab's emulated block controller (io/eblk.c):
 * each register, each command, each error code, the interrupt line and the
 * counters, over a fake in-memory disk (disk_open_ops) and a 1 MiB guest RAM.
 * Course: I/O虚拟化 / 设备模拟 - every register access is an exit; a
 *         command runs to completion in the COMMAND write's exit.
 * Spec: docs/eblk.md (the controller's datasheet). Register offsets and
 *       STATUS values below are written from the datasheet's tables, not
 *       from io/eblk.h, and worked by hand in the comments.
 */
#include <check.h>
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/disk.h"
#include "io/eblk.h"
#include "mmu/mmu.h"
#include "vm/fdt.h"

/* docs/eblk.md "Registers" */
#define R_MAGIC       0x00u
#define R_VERSION     0x04u
#define R_CAPACITY_LO 0x08u
#define R_CAPACITY_HI 0x0cu
#define R_SECTOR_LO   0x10u
#define R_SECTOR_HI   0x14u
#define R_COUNT       0x18u
#define R_MAX_COUNT   0x1cu
#define R_DMA_LO      0x20u
#define R_DMA_HI      0x24u
#define R_COMMAND     0x28u
#define R_STATUS      0x2cu
#define R_IRQ_ENABLE  0x30u
#define R_IRQ_ACK     0x34u

/* STATUS: bit 1 DONE, bit 2 ERROR, bit 3 WP, bits 15..8 the error code */
#define ST_DONE      0x2u
#define ST_ERR(code) (0x2u | 0x4u | ((code) << 8)) /* DONE | ERROR | code << 8 */

#define RAM_BASE    0x80000000ull
#define RAM_SIZE    (1ull << 20)
#define DISK_SECTS  512u
#define SECTOR_SIZE 512u

/* ------------------------------------------------------- the fake disk */

struct fake_disk {
    uint8_t data[DISK_SECTS * SECTOR_SIZE];
    unsigned reads, writes, flushes;
    int fail_with; /* 0, or the -errno every call returns */
};

static int fake_read(void *ctx, uint64_t sector, void *buf, uint32_t nsectors)
{
    struct fake_disk *fd = ctx;
    fd->reads++;
    if (fd->fail_with) {
        return fd->fail_with;
    }
    memcpy(buf, fd->data + sector * SECTOR_SIZE, (size_t)nsectors * SECTOR_SIZE);
    return 0;
}

static int fake_write(void *ctx, uint64_t sector, const void *buf, uint32_t nsectors)
{
    struct fake_disk *fd = ctx;
    fd->writes++;
    if (fd->fail_with) {
        return fd->fail_with;
    }
    memcpy(fd->data + sector * SECTOR_SIZE, buf, (size_t)nsectors * SECTOR_SIZE);
    return 0;
}

static int fake_flush(void *ctx)
{
    struct fake_disk *fd = ctx;
    fd->flushes++;
    return fd->fail_with;
}

static void fake_close(void *ctx)
{
    (void)ctx;
}

static const struct disk_ops fake_ops = {fake_read, fake_write, fake_flush, fake_close};

/* ------------------------------------------------------------- fixture */

static struct hostmem *hm;
static struct gmem *gm;
static struct fake_disk *fdisk;
static struct disk *disk;
static struct eblk *eb;
static bool line;           /* what the controller last said on its line */
static unsigned line_calls; /* how often it said it */

static void on_irq(void *ctx, bool level)
{
    (void)ctx;
    line = level;
    line_calls++;
}

/* A controller on a fresh fake disk of `nsectors` (only DISK_SECTS have data). */
static void make(uint64_t nsectors, bool read_only)
{
    struct disk_options opt = {.read_only = read_only};
    fdisk = calloc(1, sizeof(*fdisk));
    ck_assert_ptr_nonnull(fdisk);
    disk = disk_open_ops(&fake_ops, fdisk, nsectors, &opt);
    ck_assert_ptr_nonnull(disk);
    eb = eblk_create(disk, gm, on_irq, NULL);
    ck_assert_ptr_nonnull(eb);
    line = false;
    line_calls = 0;
}

static void unmake(void)
{
    eblk_destroy(eb);
    disk_close(disk);
    free(fdisk);
    eb = NULL;
}

static void setup(void)
{
    hm = hostmem_create(4 * RAM_SIZE);
    ck_assert_ptr_nonnull(hm);
    gm = gmem_create(hm, RAM_BASE, RAM_SIZE);
    ck_assert_ptr_nonnull(gm);
    make(DISK_SECTS, false);
}

static void teardown(void)
{
    unmake();
    gmem_destroy(gm);
    hostmem_destroy(hm);
}

static uint64_t rd(uint64_t offset)
{
    uint64_t val = 0xdeadbeef;
    ck_assert_int_eq(eblk_ops.read(eb, offset, 4, &val), 0);
    return val;
}

static void wr(uint64_t offset, uint64_t val)
{
    ck_assert_int_eq(eblk_ops.write(eb, offset, 4, val), 0);
}

/* Program one command the way a driver does: 6 register writes (sector, count, dma, command). */
static void command(uint32_t cmd, uint64_t sector, uint32_t count, uint64_t dma_gpa)
{
    wr(R_SECTOR_LO, (uint32_t)sector);
    wr(R_SECTOR_HI, (uint32_t)(sector >> 32));
    wr(R_COUNT, count);
    wr(R_DMA_LO, (uint32_t)dma_gpa);
    wr(R_DMA_HI, (uint32_t)(dma_gpa >> 32));
    wr(R_COMMAND, cmd);
}

static void fill(uint8_t *buf, size_t len, uint8_t seed)
{
    for (size_t i = 0; i < len; i++) {
        buf[i] = (uint8_t)(seed + i * 7);
    }
}

/* ----------------------------------------------------------------- core */

START_TEST(test_eblk_id_registers)
{
    ck_assert_uint_eq(rd(R_MAGIC), 0x6b6c6265); /* 'e' 0x65 'b' 0x62 'l' 0x6c 'k' 0x6b, LE */
    ck_assert_uint_eq(rd(R_VERSION), 1);
    ck_assert_uint_eq(rd(R_CAPACITY_LO), 512);
    ck_assert_uint_eq(rd(R_CAPACITY_HI), 0);
    ck_assert_uint_eq(rd(R_MAX_COUNT), 256);
    ck_assert_uint_eq(rd(R_STATUS), 0); /* nothing ran yet: not DONE, not WP */
    wr(R_MAGIC, 0);                     /* read-only: ignored */
    ck_assert_uint_eq(rd(R_MAGIC), 0x6b6c6265);
    ck_assert_uint_eq(rd(R_COMMAND), 0); /* write-only: reads 0 */
    ck_assert_uint_eq(rd(0x100), 0);     /* a hole */
}
END_TEST

START_TEST(test_eblk_capacity_64bit)
{
    unmake();
    make(0x100000005ull, false); /* 2^32 + 5 sectors: LO = 5, HI = 1 */
    ck_assert_uint_eq(rd(R_CAPACITY_LO), 5);
    ck_assert_uint_eq(rd(R_CAPACITY_HI), 1);
}
END_TEST

START_TEST(test_eblk_registers_read_back)
{
    wr(R_SECTOR_LO, 0x11223344);
    wr(R_SECTOR_HI, 0x55667788);
    wr(R_COUNT, 9);
    wr(R_DMA_LO, 0x80001000);
    wr(R_DMA_HI, 0x2);
    ck_assert_uint_eq(rd(R_SECTOR_LO), 0x11223344);
    ck_assert_uint_eq(rd(R_SECTOR_HI), 0x55667788);
    ck_assert_uint_eq(rd(R_COUNT), 9);
    ck_assert_uint_eq(rd(R_DMA_LO), 0x80001000);
    ck_assert_uint_eq(rd(R_DMA_HI), 0x2);
    wr(R_SECTOR_LO, 1); /* one half leaves the other alone */
    ck_assert_uint_eq(rd(R_SECTOR_HI), 0x55667788);
    ck_assert_uint_eq(rd(R_IRQ_ENABLE), 0);
    wr(R_IRQ_ENABLE, 0xffffffff); /* only bit 0 exists */
    ck_assert_uint_eq(rd(R_IRQ_ENABLE), 1);
}
END_TEST

START_TEST(test_eblk_read)
{
    uint8_t want[2 * SECTOR_SIZE], got[2 * SECTOR_SIZE];
    fill(fdisk->data + 3 * SECTOR_SIZE, sizeof(want), 0x40);
    memcpy(want, fdisk->data + 3 * SECTOR_SIZE, sizeof(want));
    command(1, 3, 2, RAM_BASE + 0x1000); /* READ sectors 3..4 to RAM + 4 KiB */
    ck_assert_uint_eq(rd(R_STATUS), ST_DONE);
    ck_assert_int_eq(gmem_read(gm, RAM_BASE + 0x1000, got, sizeof(got)), 0);
    ck_assert_mem_eq(got, want, sizeof(want));
    ck_assert_uint_eq(fdisk->reads, 1);
    ck_assert_uint_eq(eblk_stats(eb)->requests, 1);
    ck_assert_uint_eq(eblk_stats(eb)->bytes, 1024); /* 2 sectors * 512 */
    ck_assert_uint_eq(eblk_stats(eb)->errors, 0);
}
END_TEST

START_TEST(test_eblk_write)
{
    uint8_t buf[SECTOR_SIZE];
    fill(buf, sizeof(buf), 0x9);
    ck_assert_int_eq(gmem_write(gm, RAM_BASE + 0x2200, buf, sizeof(buf)), 0);
    command(2, 511, 1, RAM_BASE + 0x2200); /* WRITE the last sector (511 of 0..511) */
    ck_assert_uint_eq(rd(R_STATUS), ST_DONE);
    ck_assert_mem_eq(fdisk->data + 511 * SECTOR_SIZE, buf, sizeof(buf));
    ck_assert_uint_eq(fdisk->writes, 1);
    ck_assert_uint_eq(eblk_stats(eb)->bytes, 512);
}
END_TEST

START_TEST(test_eblk_max_count)
{
    /* MAX_COUNT = 256 sectors in one command: 128 KiB */
    fill(fdisk->data + 256 * SECTOR_SIZE, 256 * SECTOR_SIZE, 0x5); /* the first half stays 0 */
    command(1, 256, 256, RAM_BASE); /* sectors 256..511: the second half */
    ck_assert_uint_eq(rd(R_STATUS), ST_DONE);
    ck_assert_uint_eq(eblk_stats(eb)->bytes, 131072); /* 256 * 512 */
    command(2, 0, 256, RAM_BASE);                     /* and back into the first half */
    ck_assert_uint_eq(rd(R_STATUS), ST_DONE);
    ck_assert_mem_eq(fdisk->data, fdisk->data + 256 * SECTOR_SIZE, 256 * SECTOR_SIZE);
    /* 300 + 256 = 556 > 512: a valid COUNT, out of range */
    command(1, 300, 256, RAM_BASE);
    ck_assert_uint_eq(rd(R_STATUS), ST_ERR(3u));
}
END_TEST

START_TEST(test_eblk_flush)
{
    wr(R_COMMAND, 3);
    ck_assert_uint_eq(rd(R_STATUS), ST_DONE);
    ck_assert_uint_eq(fdisk->flushes, 1);
    ck_assert_uint_eq(eblk_stats(eb)->requests, 1);
    ck_assert_uint_eq(eblk_stats(eb)->bytes, 0); /* a flush moves no sectors */
}
END_TEST

START_TEST(test_eblk_interrupt_line)
{
    /* disabled: a completion is pending but the line stays low */
    command(3, 0, 0, 0);
    ck_assert(!eblk_irq_level(eb));
    ck_assert_uint_eq(line_calls, 0);
    /* enabling with a completion pending raises it (level: enable AND pending) */
    wr(R_IRQ_ENABLE, 1);
    ck_assert(eblk_irq_level(eb));
    ck_assert(line);
    wr(R_IRQ_ACK, 1);
    ck_assert(!eblk_irq_level(eb));
    ck_assert(!line);
    ck_assert_uint_eq(rd(R_STATUS), ST_DONE); /* ACK lowers the line, DONE stays */
    /* enabled: the next completion raises it at once */
    command(1, 0, 1, RAM_BASE);
    ck_assert(line);
    wr(R_IRQ_ACK, 0); /* bit 0 clear: no acknowledge */
    ck_assert(line);
    wr(R_IRQ_ACK, 1);
    ck_assert(!line);
    ck_assert_uint_eq(line_calls, 4);                 /* up, down, up, down */
    ck_assert_uint_eq(eblk_stats(eb)->interrupts, 2); /* two rising edges */
    /* an error completes too, and interrupts */
    wr(R_COMMAND, 9);
    ck_assert(line);
    ck_assert_uint_eq(eblk_stats(eb)->interrupts, 3);
    eblk_reset(eb); /* reset: line low, registers cleared, counters kept */
    ck_assert(!line);
    ck_assert_uint_eq(rd(R_STATUS), 0);
    ck_assert_uint_eq(rd(R_IRQ_ENABLE), 0);
    ck_assert_uint_eq(eblk_stats(eb)->interrupts, 3);
}
END_TEST

START_TEST(test_eblk_exit_counter)
{
    /* every access is an exit: 6 writes (command()) + 1 status read = 7 */
    command(1, 0, 1, RAM_BASE);
    (void)rd(R_STATUS);
    ck_assert_uint_eq(eblk_stats(eb)->exits, 7);
    /* refused accesses exit too: a byte read and a misaligned word = 9 */
    uint64_t val;
    ck_assert_int_eq(eblk_ops.read(eb, R_STATUS, 1, &val), -1);
    ck_assert_int_eq(eblk_ops.write(eb, 0x2, 4, 0), -1);
    ck_assert_uint_eq(eblk_stats(eb)->exits, 9);
}
END_TEST

START_TEST(test_eblk_error_then_success_clears)
{
    wr(R_COMMAND, 9);
    ck_assert_uint_eq(rd(R_STATUS), ST_ERR(1u)); /* 0x106 */
    command(1, 0, 1, RAM_BASE);
    ck_assert_uint_eq(rd(R_STATUS), ST_DONE); /* ERROR and the code cleared */
    ck_assert_uint_eq(eblk_stats(eb)->errors, 1);
    ck_assert_uint_eq(eblk_stats(eb)->requests, 2);
}
END_TEST

/* The device tree node a driver finds it by (vm/fdt.c; docs/eblk.md "Discovery"). */
START_TEST(test_eblk_fdt_node)
{
    struct vm_fdt_config fc = {.nharts = 1, .ram_base = RAM_BASE, .ram_size = 128ull << 20};
    void *blob = NULL;
    size_t size = 0;
    ck_assert_int_eq(vm_fdt_build(&fc, &blob, &size), 0);
    ck_assert_int_lt(fdt_path_offset(blob, "/soc/eblk@10010000"), 0); /* only when asked */
    free(blob);

    fc.has_eblk = true;
    ck_assert_int_eq(vm_fdt_build(&fc, &blob, &size), 0);
    int node = fdt_path_offset(blob, "/soc/eblk@10010000");
    ck_assert_int_ge(node, 0);
    ck_assert_int_eq(fdt_node_check_compatible(blob, node, "vmlab,eblk"), 0);
    int len = 0;
    const fdt32_t *reg = fdt_getprop(blob, node, "reg", &len);
    ck_assert_ptr_nonnull(reg);
    ck_assert_int_eq(len, 16); /* <0 0x10010000 0 0x1000>: 2 address + 2 size cells */
    ck_assert_uint_eq(fdt32_to_cpu(reg[0]), 0);
    ck_assert_uint_eq(fdt32_to_cpu(reg[1]), 0x10010000);
    ck_assert_uint_eq(fdt32_to_cpu(reg[2]), 0);
    ck_assert_uint_eq(fdt32_to_cpu(reg[3]), 0x1000);
    const fdt32_t *irq = fdt_getprop(blob, node, "interrupts", &len);
    ck_assert_ptr_nonnull(irq);
    ck_assert_uint_eq(fdt32_to_cpu(irq[0]), 12); /* PLIC source 12 */
    const fdt32_t *parent = fdt_getprop(blob, node, "interrupt-parent", &len);
    ck_assert_ptr_nonnull(parent);
    int plic = fdt_path_offset(blob, "/soc/plic@c000000");
    ck_assert_int_ge(plic, 0);
    ck_assert_uint_eq(fdt32_to_cpu(parent[0]), fdt_get_phandle(blob, plic));
    free(blob);
}
END_TEST

/* ------------------------------------------------------------ bad input */

START_TEST(test_eblk_bad_command)
{
    wr(R_COMMAND, 0);
    ck_assert_uint_eq(rd(R_STATUS), 0x106); /* DONE 0x2 | ERROR 0x4 | 1 << 8 */
    ck_assert_uint_eq(fdisk->reads + fdisk->writes + fdisk->flushes, 0);
}
END_TEST

START_TEST(test_eblk_bad_count)
{
    command(1, 0, 0, RAM_BASE);
    ck_assert_uint_eq(rd(R_STATUS), 0x206); /* code 2: COUNT 0 */
    command(1, 0, 257, RAM_BASE);
    ck_assert_uint_eq(rd(R_STATUS), 0x206); /* 257 > MAX_COUNT 256 */
    command(2, 0, 0xffffffff, RAM_BASE);
    ck_assert_uint_eq(rd(R_STATUS), 0x206);
    ck_assert_uint_eq(fdisk->reads + fdisk->writes, 0);
    ck_assert_uint_eq(eblk_stats(eb)->errors, 3);
}
END_TEST

START_TEST(test_eblk_bad_range)
{
    command(1, 511, 2, RAM_BASE); /* 511 + 2 = 513 > 512 */
    ck_assert_uint_eq(rd(R_STATUS), 0x306);
    command(2, 512, 1, RAM_BASE); /* starts at the end */
    ck_assert_uint_eq(rd(R_STATUS), 0x306);
    /* 0xffff_ffff_ffff_ffff + 2 wraps to 1, which is < 512: still out of range */
    command(1, 0xffffffffffffffffull, 2, RAM_BASE);
    ck_assert_uint_eq(rd(R_STATUS), 0x306);
    ck_assert_uint_eq(fdisk->reads + fdisk->writes, 0);
}
END_TEST

START_TEST(test_eblk_dma_outside_ram)
{
    uint8_t before[SECTOR_SIZE], after[SECTOR_SIZE];
    fill(before, sizeof(before), 0x77);
    fill(fdisk->data, 2 * SECTOR_SIZE, 0x11);
    gpa_t last = RAM_BASE + RAM_SIZE - SECTOR_SIZE;
    ck_assert_int_eq(gmem_write(gm, last, before, sizeof(before)), 0);
    /* the last 512 bytes of RAM, then 512 past its end: refused whole, nothing written */
    command(1, 0, 2, last);
    ck_assert_uint_eq(rd(R_STATUS), 0x406); /* code 4 */
    ck_assert_int_eq(gmem_read(gm, last, after, sizeof(after)), 0);
    ck_assert_mem_eq(after, before, sizeof(before));
    ck_assert_uint_eq(fdisk->reads, 0);
    /* below RAM (the boot ROM's address, not RAM here), and a write from there */
    command(1, 0, 1, 0x1000);
    ck_assert_uint_eq(rd(R_STATUS), 0x406);
    command(2, 0, 1, 0x10000000); /* the UART: a device is not RAM */
    ck_assert_uint_eq(rd(R_STATUS), 0x406);
    ck_assert_uint_eq(fdisk->writes, 0);
    ck_assert_uint_eq(eblk_stats(eb)->bytes, 0);
}
END_TEST

START_TEST(test_eblk_dma_wraps)
{
    /* DMA = 2^64 - 512, 2 sectors: the buffer would wrap past 0 */
    command(1, 0, 2, 0xfffffffffffffe00ull);
    ck_assert_uint_eq(rd(R_STATUS), 0x406);
    /* DMA = 2^64 - 512, 1 sector: ends exactly at 2^64, not RAM either */
    command(1, 0, 1, 0xfffffffffffffe00ull);
    ck_assert_uint_eq(rd(R_STATUS), 0x406);
    ck_assert_uint_eq(fdisk->reads, 0);
}
END_TEST

START_TEST(test_eblk_read_only)
{
    unmake();
    make(DISK_SECTS, true);
    ck_assert_uint_eq(rd(R_STATUS), 0x8); /* WP */
    command(2, 0, 1, RAM_BASE);
    ck_assert_uint_eq(rd(R_STATUS), 0x50e); /* WP 0x8 | DONE | ERROR | 5 << 8 */
    ck_assert_uint_eq(fdisk->writes, 0);
    command(1, 0, 1, RAM_BASE);           /* reading is fine */
    ck_assert_uint_eq(rd(R_STATUS), 0xa); /* WP | DONE */
    wr(R_COMMAND, 3);                     /* a flush of a write-protected disk: nothing to do */
    ck_assert_uint_eq(rd(R_STATUS), 0xa);
}
END_TEST

START_TEST(test_eblk_host_io_error)
{
    uint8_t before[SECTOR_SIZE], after[SECTOR_SIZE];
    fill(before, sizeof(before), 0x33);
    ck_assert_int_eq(gmem_write(gm, RAM_BASE, before, sizeof(before)), 0);
    fdisk->fail_with = -EIO;
    command(1, 0, 1, RAM_BASE);
    ck_assert_uint_eq(rd(R_STATUS), 0x606); /* code 6 */
    ck_assert_int_eq(gmem_read(gm, RAM_BASE, after, sizeof(after)), 0);
    ck_assert_mem_eq(after, before, sizeof(before)); /* a failed read writes no RAM */
    command(2, 0, 1, RAM_BASE);
    ck_assert_uint_eq(rd(R_STATUS), 0x606);
    wr(R_COMMAND, 3);
    ck_assert_uint_eq(rd(R_STATUS), 0x606);
    ck_assert_uint_eq(eblk_stats(eb)->bytes, 0);
    ck_assert_uint_eq(eblk_stats(eb)->errors, 3);
}
END_TEST

START_TEST(test_eblk_bad_widths)
{
    uint64_t val;
    ck_assert_int_eq(eblk_ops.read(eb, R_MAGIC, 1, &val), -1);
    ck_assert_int_eq(eblk_ops.read(eb, R_MAGIC, 2, &val), -1);
    ck_assert_int_eq(eblk_ops.read(eb, R_MAGIC, 8, &val), -1);
    ck_assert_int_eq(eblk_ops.read(eb, R_MAGIC + 1, 4, &val), -1);
    ck_assert_int_eq(eblk_ops.write(eb, R_COMMAND, 8, 1), -1); /* refused: no command ran */
    ck_assert_uint_eq(eblk_stats(eb)->requests, 0);
    ck_assert_uint_eq(eblk_stats(eb)->exits, 5);
}
END_TEST

/*
 * --trace io: one line per register access ("io eblk R|W NAME +OFFSET SIZE VALUE", the
 * name padded to 18 columns) and one per command after its COMMAND write's line:
 * READ of sector 2, 1 sector = 512 bytes into 0x8000_1000, then STATUS = DONE (0x2).
 */
START_TEST(test_eblk_trace)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    eblk_set_trace(eb, out);
    command(1, 2, 1, 0x80001000);
    ck_assert_uint_eq(rd(R_STATUS), ST_DONE);
    eblk_set_trace(eb, NULL);
    rd(R_STATUS); /* off: no line */
    fclose(out);
    ck_assert_str_eq(text, "io eblk W SECTOR_LO          +0x010 4 0x2\n"
                           "io eblk W SECTOR_HI          +0x014 4 0x0\n"
                           "io eblk W COUNT              +0x018 4 0x1\n"
                           "io eblk W DMA_LO             +0x020 4 0x80001000\n"
                           "io eblk W DMA_HI             +0x024 4 0x0\n"
                           "io eblk W COMMAND            +0x028 4 0x1\n"
                           "io eblk req READ sector 2 bytes 512 status OK\n"
                           "io eblk R STATUS             +0x02c 4 0x2\n");
    free(text);
    ck_assert_str_eq(eblk_reg_name(R_IRQ_ACK), "IRQ_ACK");
    ck_assert_str_eq(eblk_reg_name(R_MAGIC), "MAGIC");
}
END_TEST

/* Refused accesses and failed commands are traced too: a bad command (ERR 1), a 2-byte read. */
START_TEST(test_eblk_trace_refused)
{
    char *text = NULL;
    size_t len = 0;
    uint64_t val = 0;
    FILE *out = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(out);
    eblk_set_trace(eb, out);
    wr(R_COMMAND, 9);
    ck_assert_int_eq(eblk_ops.read(eb, R_STATUS, 2, &val), -1);
    eblk_set_trace(eb, NULL);
    fclose(out);
    ck_assert_str_eq(text, "io eblk W COMMAND            +0x028 4 0x9\n"
                           "io eblk req ? sector 0 bytes 0 status ERR 1\n"
                           "io eblk R STATUS             +0x02c 2 0x0 refused\n");
    free(text);
    ck_assert_str_eq(eblk_reg_name(0x38), "reserved"); /* past IRQ_ACK */
    ck_assert_str_eq(eblk_reg_name(0x2d), "reserved"); /* not aligned */
    ck_assert_str_eq(eblk_reg_name(0xffc), "reserved");
}
END_TEST

static Suite *eblk_suite(void)
{
    Suite *s = suite_create("eblk");
    TCase *core = tcase_create("core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, test_eblk_id_registers);
    tcase_add_test(core, test_eblk_capacity_64bit);
    tcase_add_test(core, test_eblk_registers_read_back);
    tcase_add_test(core, test_eblk_read);
    tcase_add_test(core, test_eblk_write);
    tcase_add_test(core, test_eblk_max_count);
    tcase_add_test(core, test_eblk_flush);
    tcase_add_test(core, test_eblk_interrupt_line);
    tcase_add_test(core, test_eblk_exit_counter);
    tcase_add_test(core, test_eblk_error_then_success_clears);
    tcase_add_test(core, test_eblk_fdt_node);
    tcase_add_test(core, test_eblk_trace);
    suite_add_tcase(s, core);

    TCase *bad = tcase_create("bad_input");
    tcase_add_checked_fixture(bad, setup, teardown);
    tcase_add_test(bad, test_eblk_bad_command);
    tcase_add_test(bad, test_eblk_bad_count);
    tcase_add_test(bad, test_eblk_bad_range);
    tcase_add_test(bad, test_eblk_dma_outside_ram);
    tcase_add_test(bad, test_eblk_dma_wraps);
    tcase_add_test(bad, test_eblk_read_only);
    tcase_add_test(bad, test_eblk_host_io_error);
    tcase_add_test(bad, test_eblk_bad_widths);
    tcase_add_test(bad, test_eblk_trace_refused);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(eblk_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
