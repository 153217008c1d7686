/*
 * guests/eblktest.c - a driver for vmlab's emulated block controller
 * (`--io emulated --disk FILE`), written from its datasheet (docs/eblk.md),
 * run in M-mode: identify, write sectors, read them back and compare, a
 * full-size (MAX_COUNT) transfer, flush, two refused commands with their
 * error codes, then one read completed by interrupt through the PLIC.
 * Course: I/O虚拟化 / 设备模拟: a real driver's view of an emulated device -
 *         each register access below is an MMIO exit; the guest counts them
 *         itself so tests/guests/eblk.sh can hold them against the VMM's
 *         io.eblk.exits (two sides of one number).
 * Spec: docs/eblk.md (the controller); RISC-V PLIC Specification v1.0.0,
 *       "Interrupt Claim Process", "Interrupt Completion"; Privileged
 *       20211203, §3.1.9 "mip and mie".
 * Simplified: one request at a time; polling for DONE where no interrupt
 *       is wanted (the controller finishes inside the COMMAND write's exit,
 *       so the first STATUS read already shows DONE).
 *
 * What it leaves on the disk (tests/guests/eblk.sh checks the image file):
 *   sectors 16..23      each sector filled with one letter, 'a' .. 'h'
 *   sectors 1024..1279  byte i of sector s = (s + 7 i) mod 256
 * and the console's last line is "eblktest: pass, N register accesses".
 */
#include "guests/lib/guest.h"

/* docs/eblk.md "Registers": offsets from MEMMAP_EBLK_BASE, all 32-bit */
#define EBLK_MAGIC       0x00
#define EBLK_VERSION     0x04
#define EBLK_CAPACITY_LO 0x08
#define EBLK_CAPACITY_HI 0x0c
#define EBLK_SECTOR_LO   0x10
#define EBLK_SECTOR_HI   0x14
#define EBLK_COUNT       0x18
#define EBLK_MAX_COUNT   0x1c
#define EBLK_DMA_LO      0x20
#define EBLK_DMA_HI      0x24
#define EBLK_COMMAND     0x28
#define EBLK_STATUS      0x2c
#define EBLK_IRQ_ENABLE  0x30
#define EBLK_IRQ_ACK     0x34

#define CMD_READ  1
#define CMD_WRITE 2
#define CMD_FLUSH 3

#define ST_DONE      0x2u
#define ST_ERROR     0x4u
#define ERR_RANGE    3u
#define ERR_DMA      4u
#define MAGIC_EBLK   0x6b6c6265u /* "eblk" */
#define SECTOR_BYTES 512u
#define MAX_SECTORS  256u

#define PLIC_CTX          0ull /* hart 0, M-mode */
#define PLIC_PRIORITY(id) (MEMMAP_PLIC_BASE + 4ull * (id))
#define PLIC_ENABLE       (MEMMAP_PLIC_BASE + 0x2000ull + 0x80ull * PLIC_CTX) /* sources 0..31 */
#define PLIC_THRESHOLD    (MEMMAP_PLIC_BASE + 0x200000ull + 0x1000ull * PLIC_CTX)
#define PLIC_CLAIM        (PLIC_THRESHOLD + 4)

static uint8_t buf[MAX_SECTORS * SECTOR_BYTES] __attribute__((aligned(4096)));
static uint8_t back[MAX_SECTORS * SECTOR_BYTES] __attribute__((aligned(4096)));

static unsigned accesses;       /* register accesses to the controller: each one an exit */
static volatile unsigned irqs;  /* completions taken by interrupt */
static volatile uint32_t irq_status;

static uint32_t eblk_rd(uint64_t offset)
{
    accesses++;
    return mmio_read32(MEMMAP_EBLK_BASE + offset);
}

static void eblk_wr(uint64_t offset, uint32_t val)
{
    accesses++;
    mmio_write32(MEMMAP_EBLK_BASE + offset, val);
}

static void check(int ok, int case_number, const char *what)
{
    if (!ok) {
        printf("eblktest: FAIL case %d: %s\n", case_number, what);
        guest_exit(case_number);
    }
}

/* SECTOR, COUNT, DMA, then COMMAND: 6 register writes. */
static void eblk_start(uint32_t command, uint64_t sector, uint32_t count, const void *dma)
{
    uint64_t gpa = (uint64_t)(uintptr_t)dma; /* M-mode, no paging: the GPA */
    eblk_wr(EBLK_SECTOR_LO, (uint32_t)sector);
    eblk_wr(EBLK_SECTOR_HI, (uint32_t)(sector >> 32));
    eblk_wr(EBLK_COUNT, count);
    eblk_wr(EBLK_DMA_LO, (uint32_t)gpa);
    eblk_wr(EBLK_DMA_HI, (uint32_t)(gpa >> 32));
    eblk_wr(EBLK_COMMAND, command);
}

/* One command, polled: the STATUS it ended with. */
static uint32_t eblk_do(uint32_t command, uint64_t sector, uint32_t count, const void *dma)
{
    uint32_t status;
    eblk_start(command, sector, count, dma);
    do {
        status = eblk_rd(EBLK_STATUS);
    } while (!(status & ST_DONE));
    return status;
}

static uint64_t identify(void)
{
    check(eblk_rd(EBLK_MAGIC) == MAGIC_EBLK, 1, "MAGIC");
    check(eblk_rd(EBLK_VERSION) == 1, 2, "VERSION");
    check(eblk_rd(EBLK_MAX_COUNT) == MAX_SECTORS, 3, "MAX_COUNT");
    uint64_t capacity = eblk_rd(EBLK_CAPACITY_LO);
    capacity |= (uint64_t)eblk_rd(EBLK_CAPACITY_HI) << 32;
    check(capacity >= 1280, 4, "the disk is smaller than 1280 sectors (640 KiB)");
    return capacity;
}

/* Sectors 16..23: one letter each, in one WRITE; read back and compared. */
static void letters(void)
{
    for (unsigned i = 0; i < 8 * SECTOR_BYTES; i++) {
        buf[i] = (uint8_t)('a' + i / SECTOR_BYTES);
    }
    check(eblk_do(CMD_WRITE, 16, 8, buf) == ST_DONE, 10, "WRITE 16..23");
    memset(back, 0, 8 * SECTOR_BYTES);
    check(eblk_do(CMD_READ, 16, 8, back) == ST_DONE, 11, "READ 16..23");
    for (unsigned i = 0; i < 8 * SECTOR_BYTES; i++) {
        check(back[i] == buf[i], 12, "sectors 16..23 read back differ");
    }
}

/* Sectors 1024..1279: MAX_COUNT sectors in one command each way. */
static void full_size(void)
{
    for (unsigned s = 0; s < MAX_SECTORS; s++) {
        for (unsigned i = 0; i < SECTOR_BYTES; i++) {
            buf[s * SECTOR_BYTES + i] = (uint8_t)(1024 + s + 7 * i);
        }
    }
    check(eblk_do(CMD_WRITE, 1024, MAX_SECTORS, buf) == ST_DONE, 20, "WRITE 256 sectors");
    memset(back, 0, sizeof(back));
    check(eblk_do(CMD_READ, 1024, MAX_SECTORS, back) == ST_DONE, 21, "READ 256 sectors");
    for (unsigned i = 0; i < sizeof(back); i++) {
        check(back[i] == buf[i], 22, "sectors 1024..1279 read back differ");
    }
    check(eblk_do(CMD_FLUSH, 0, 0, 0) == ST_DONE, 23, "FLUSH");
}

/* Two commands the controller must refuse, each with its code (docs/eblk.md "Errors"). */
static void refused(uint64_t capacity)
{
    uint32_t want = ST_DONE | ST_ERROR | (ERR_RANGE << 8);
    check(eblk_do(CMD_READ, capacity - 1, 2, back) == want, 30, "READ past the end not code 3");
    want = ST_DONE | ST_ERROR | (ERR_DMA << 8);
    check(eblk_do(CMD_READ, 0, 1, (const void *)MEMMAP_UART0_BASE) == want, 31,
          "READ into the UART not code 4");
}

static void on_trap(struct trap_frame *tf)
{
    check(tf->cause == (CAUSE_INTERRUPT | IRQ_M_EXT), 40, "unexpected trap");
    uint32_t id = mmio_read32(PLIC_CLAIM);
    check(id == MEMMAP_EBLK_IRQ, 41, "claimed another source");
    irq_status = eblk_rd(EBLK_STATUS);
    eblk_wr(EBLK_IRQ_ACK, 1); /* lower the line before completing, or it re-pends */
    mmio_write32(PLIC_CLAIM, id);
    irqs++;
}

/* One READ of sectors 16..23 whose completion arrives as an external interrupt. */
static void by_interrupt(void)
{
    trap_set_m_handler(on_trap);
    mmio_write32(PLIC_PRIORITY(MEMMAP_EBLK_IRQ), 1);
    mmio_write32(PLIC_ENABLE, 1u << MEMMAP_EBLK_IRQ);
    mmio_write32(PLIC_THRESHOLD, 0);
    eblk_wr(EBLK_IRQ_ACK, 1); /* the polled commands left a completion pending */
    eblk_wr(EBLK_IRQ_ENABLE, 1);
    csr_set(mie, MIP_MEIP);
    csr_set(mstatus, MSTATUS_MIE);
    memset(back, 0, 8 * SECTOR_BYTES);
    eblk_start(CMD_READ, 16, 8, back);
    while (irqs == 0) {
        wfi();
    }
    csr_clear(mstatus, MSTATUS_MIE);
    eblk_wr(EBLK_IRQ_ENABLE, 0);
    check(irqs == 1 && irq_status == ST_DONE, 42, "one interrupt, status DONE");
    check(back[0] == 'a' && back[8 * SECTOR_BYTES - 1] == 'h', 43, "data read by interrupt");
}

int main(void)
{
    uint64_t capacity = identify();
    printf("eblktest: %lu sectors\n", (unsigned long)capacity);
    letters();
    full_size();
    refused(capacity);
    by_interrupt();
    printf("eblktest: pass, %u register accesses\n", accesses);
    return 0;
}
