/*
 * io/eblk.c - vmlab's register-level block controller ("eblk"), the disk of
 * `--io emulated`; datasheet in docs/eblk.md, register map in io/eblk.h.
 * Course: I/O虚拟化 / 设备模拟 (完全虚拟化的I/O): the guest's driver programs
 *         SECTOR, COUNT and DMA one register at a time and each access is an
 *         MMIO exit the VMM emulates; the COMMAND write runs the whole
 *         transfer during its exit (the VMM reads the disk image and copies
 *         into guest RAM: the device's "DMA"), then raises the interrupt
 *         line. Many exits per request: the cost 半虚拟化 (virtio) removes.
 * Spec: none - a device of our own design, in the spirit of simple
 *       register-level disk controllers (an ATA task file: sector, count,
 *       command, status); sector size 512 as virtio 1.2 §5.2 "Block Device".
 * --trace io: one line per register access and per command (eblk_set_trace).
 * Simplified: synchronous - a command completes inside the COMMAND write's
 *       exit, so BUSY is never seen; one command at a time, no queue; the
 *       buffer is one contiguous GPA range (no scatter-gather).
 */
#include "io/eblk.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "io/disk.h"
#include "mmu/mmu.h"

struct eblk {
    struct disk *disk; /* not owned */
    struct gmem *gmem; /* DMA target: RAM of this VM only */
    eblk_irq_fn irq_fn;
    void *irq_ctx;
    uint8_t *bounce; /* one command's data: EBLK_MAX_COUNT sectors */

    /* the registers the guest can write */
    uint64_t sector;
    uint32_t count;
    gpa_t dma_gpa;
    bool irq_enabled;

    /* state the last command left */
    bool done;
    enum eblk_error error;
    FILE *trace_out;  /* --trace io, NULL: off */
    bool irq_pending; /* a completion not acknowledged yet */
    bool line;        /* the level last given to irq_fn */

    struct eblk_stats stats;
};

struct eblk *eblk_create(struct disk *disk, struct gmem *gm, eblk_irq_fn irq_fn, void *irq_ctx)
{
    struct eblk *eb = calloc(1, sizeof(*eb));
    if (!eb) {
        return NULL;
    }
    eb->bounce = malloc((size_t)EBLK_MAX_COUNT * DISK_SECTOR_SIZE);
    if (!eb->bounce) {
        free(eb);
        return NULL;
    }
    eb->disk = disk;
    eb->gmem = gm;
    eb->irq_fn = irq_fn;
    eb->irq_ctx = irq_ctx;
    return eb;
}

void eblk_destroy(struct eblk *eb)
{
    if (eb) {
        free(eb->bounce);
        free(eb);
    }
}

/* The line is high while a completion is pending and interrupts are enabled. */
static void eblk_update_line(struct eblk *eb)
{
    bool level = eb->irq_pending && eb->irq_enabled;
    if (level == eb->line) {
        return;
    }
    eb->line = level;
    if (level) {
        eb->stats.interrupts++;
    }
    if (eb->irq_fn) {
        eb->irq_fn(eb->irq_ctx, level);
    }
}

void eblk_reset(struct eblk *eb)
{
    eb->sector = 0;
    eb->count = 0;
    eb->dma_gpa = 0;
    eb->irq_enabled = false;
    eb->done = false;
    eb->error = EBLK_ERR_NONE;
    eb->irq_pending = false;
    eblk_update_line(eb);
}

bool eblk_irq_level(const struct eblk *eb)
{
    return eb->line;
}

const struct eblk_stats *eblk_stats(const struct eblk *eb)
{
    return &eb->stats;
}

/* Is [gpa, gpa + len) all RAM? Checked whole before any byte moves; a wrap is not. */
static bool eblk_dma_in_ram(const struct eblk *eb, gpa_t gpa, uint64_t len)
{
    gpa_t ram_base = gmem_ram_base(eb->gmem);
    uint64_t ram_size = gmem_ram_size(eb->gmem);
    if (gpa + len < gpa) {
        return false;
    }
    return gpa >= ram_base && gpa - ram_base <= ram_size && len <= ram_size - (gpa - ram_base);
}

/* READ and WRITE: the checks in the datasheet's order, then the transfer. */
static enum eblk_error eblk_transfer(struct eblk *eb, bool is_write)
{
    uint64_t capacity = disk_sectors(eb->disk);
    uint64_t len = (uint64_t)eb->count * DISK_SECTOR_SIZE;

    if (eb->count == 0 || eb->count > EBLK_MAX_COUNT) {
        return EBLK_ERR_BAD_COUNT;
    }
    if (eb->sector > capacity || eb->count > capacity - eb->sector) {
        return EBLK_ERR_BAD_RANGE; /* written so that sector + count cannot wrap */
    }
    if (is_write && disk_is_read_only(eb->disk)) {
        return EBLK_ERR_READ_ONLY;
    }
    if (!eblk_dma_in_ram(eb, eb->dma_gpa, len)) {
        return EBLK_ERR_DMA;
    }
    int rc;
    if (is_write) {
        rc = gmem_read(eb->gmem, eb->dma_gpa, eb->bounce, len);
        rc = rc ? rc : disk_write(eb->disk, eb->sector, eb->bounce, eb->count);
    } else {
        rc = disk_read(eb->disk, eb->sector, eb->bounce, eb->count);
        rc = rc ? rc : gmem_write(eb->gmem, eb->dma_gpa, eb->bounce, len);
    }
    if (rc == -EROFS) {
        return EBLK_ERR_READ_ONLY;
    }
    if (rc == -EFAULT) {
        return EBLK_ERR_DMA;
    }
    if (rc != 0) {
        return EBLK_ERR_IO;
    }
    eb->stats.bytes += len;
    return EBLK_ERR_NONE;
}

/* FLUSH: done when the back end's fsync returned; a write-protected disk has nothing to flush. */
static enum eblk_error eblk_flush(struct eblk *eb)
{
    if (disk_is_read_only(eb->disk)) {
        return EBLK_ERR_NONE;
    }
    return disk_flush(eb->disk) == 0 ? EBLK_ERR_NONE : EBLK_ERR_IO;
}

/* --trace io: "io eblk req READ|WRITE|FLUSH|? sector S bytes B status OK|ERR n". */
static void eblk_trace_command(const struct eblk *eb, uint32_t command, enum eblk_error err)
{
    const char *name = command == EBLK_CMD_READ    ? "READ"
                       : command == EBLK_CMD_WRITE ? "WRITE"
                       : command == EBLK_CMD_FLUSH ? "FLUSH"
                                                   : "?";
    uint64_t bytes = err == EBLK_ERR_NONE && command != EBLK_CMD_FLUSH
                         ? (uint64_t)eb->count * DISK_SECTOR_SIZE
                         : 0;
    if (err == EBLK_ERR_NONE) {
        fprintf(eb->trace_out, "io eblk req %s sector %" PRIu64 " bytes %" PRIu64 " status OK\n",
                name, eb->sector, bytes);
    } else {
        fprintf(eb->trace_out, "io eblk req %s sector %" PRIu64 " bytes 0 status ERR %u\n", name,
                eb->sector, (unsigned)err);
    }
}

/* "Device emulation": the whole command runs now, inside the COMMAND write's exit. */
static void eblk_run_command(struct eblk *eb, uint32_t command)
{
    enum eblk_error err;

    eb->stats.requests++;
    switch (command) {
    case EBLK_CMD_READ:
        err = eblk_transfer(eb, false);
        break;
    case EBLK_CMD_WRITE:
        err = eblk_transfer(eb, true);
        break;
    case EBLK_CMD_FLUSH:
        err = eblk_flush(eb);
        break;
    default:
        err = EBLK_ERR_BAD_COMMAND;
        break;
    }
    if (err != EBLK_ERR_NONE) {
        eb->stats.errors++;
    }
    if (eb->trace_out) {
        eblk_trace_command(eb, command, err);
    }
    eb->error = err;
    eb->done = true;
    eb->irq_pending = true;
    eblk_update_line(eb);
}

static uint32_t eblk_status(const struct eblk *eb)
{
    uint32_t status = 0;
    if (eb->done) {
        status |= EBLK_STATUS_DONE;
    }
    if (eb->error != EBLK_ERR_NONE) {
        status |= EBLK_STATUS_ERROR | ((uint32_t)eb->error << EBLK_STATUS_ERR_SHIFT);
    }
    if (disk_is_read_only(eb->disk)) {
        status |= EBLK_STATUS_WP;
    }
    return status;
}

static uint32_t eblk_read_reg(const struct eblk *eb, uint64_t offset)
{
    uint64_t capacity = disk_sectors(eb->disk);
    switch (offset) {
    case EBLK_REG_MAGIC:
        return EBLK_MAGIC;
    case EBLK_REG_VERSION:
        return EBLK_VERSION;
    case EBLK_REG_CAPACITY_LO:
        return (uint32_t)capacity;
    case EBLK_REG_CAPACITY_HI:
        return (uint32_t)(capacity >> 32);
    case EBLK_REG_SECTOR_LO:
        return (uint32_t)eb->sector;
    case EBLK_REG_SECTOR_HI:
        return (uint32_t)(eb->sector >> 32);
    case EBLK_REG_COUNT:
        return eb->count;
    case EBLK_REG_MAX_COUNT:
        return EBLK_MAX_COUNT;
    case EBLK_REG_DMA_LO:
        return (uint32_t)eb->dma_gpa;
    case EBLK_REG_DMA_HI:
        return (uint32_t)(eb->dma_gpa >> 32);
    case EBLK_REG_STATUS:
        return eblk_status(eb);
    case EBLK_REG_IRQ_ENABLE:
        return eb->irq_enabled ? EBLK_IRQ_ENABLE_BIT : 0;
    default:
        return 0; /* COMMAND, IRQ_ACK and holes read 0 */
    }
}

/* Replace the low (is_high false) or high 32 bits of a 64-bit register. */
static uint64_t eblk_set_half(uint64_t reg, bool is_high, uint32_t val)
{
    if (is_high) {
        return (reg & 0xffffffffull) | ((uint64_t)val << 32);
    }
    return (reg & ~0xffffffffull) | val;
}

static void eblk_write_reg(struct eblk *eb, uint64_t offset, uint32_t val)
{
    switch (offset) {
    case EBLK_REG_SECTOR_LO:
    case EBLK_REG_SECTOR_HI:
        eb->sector = eblk_set_half(eb->sector, offset == EBLK_REG_SECTOR_HI, val);
        break;
    case EBLK_REG_COUNT:
        eb->count = val; /* checked when a command runs */
        break;
    case EBLK_REG_DMA_LO:
    case EBLK_REG_DMA_HI:
        eb->dma_gpa = eblk_set_half(eb->dma_gpa, offset == EBLK_REG_DMA_HI, val);
        break;
    case EBLK_REG_COMMAND:
        eblk_run_command(eb, val);
        break;
    case EBLK_REG_IRQ_ENABLE:
        eb->irq_enabled = (val & EBLK_IRQ_ENABLE_BIT) != 0;
        eblk_update_line(eb);
        break;
    case EBLK_REG_IRQ_ACK:
        if (val & EBLK_IRQ_ACK_BIT) {
            eb->irq_pending = false;
            eblk_update_line(eb);
        }
        break;
    default:
        break; /* read-only registers and holes ignore writes */
    }
}

/* Aligned 4-byte accesses only; anything else is refused (the guest gets an access fault). */
static bool eblk_access_ok(uint64_t offset, unsigned size)
{
    return size == 4 && (offset & 3) == 0;
}

/* io/eblk.h's register names, by offset / 4. */
static const char *const eblk_reg_names[] = {
    [EBLK_REG_MAGIC / 4] = "MAGIC",
    [EBLK_REG_VERSION / 4] = "VERSION",
    [EBLK_REG_CAPACITY_LO / 4] = "CAPACITY_LO",
    [EBLK_REG_CAPACITY_HI / 4] = "CAPACITY_HI",
    [EBLK_REG_SECTOR_LO / 4] = "SECTOR_LO",
    [EBLK_REG_SECTOR_HI / 4] = "SECTOR_HI",
    [EBLK_REG_COUNT / 4] = "COUNT",
    [EBLK_REG_MAX_COUNT / 4] = "MAX_COUNT",
    [EBLK_REG_DMA_LO / 4] = "DMA_LO",
    [EBLK_REG_DMA_HI / 4] = "DMA_HI",
    [EBLK_REG_COMMAND / 4] = "COMMAND",
    [EBLK_REG_STATUS / 4] = "STATUS",
    [EBLK_REG_IRQ_ENABLE / 4] = "IRQ_ENABLE",
    [EBLK_REG_IRQ_ACK / 4] = "IRQ_ACK",
};

const char *eblk_reg_name(uint64_t offset)
{
    size_t n = sizeof(eblk_reg_names) / sizeof(eblk_reg_names[0]);
    return (offset & 3) == 0 && offset / 4 < n && eblk_reg_names[offset / 4]
               ? eblk_reg_names[offset / 4]
               : "reserved";
}

/* --trace io: one register access (a refused one says so). */
static void eblk_trace_access(const struct eblk *eb, char rw, uint64_t offset, unsigned size,
                              uint64_t val, int rc)
{
    fprintf(eb->trace_out, "io eblk %c %-18s +0x%03" PRIx64 " %u 0x%" PRIx64 "%s\n", rw,
            eblk_reg_name(offset), offset, size, val, rc ? " refused" : "");
}

static int eblk_mmio_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    struct eblk *eb = dev;
    eb->stats.exits++; /* under --io emulated every register access is an exit */
    int rc = eblk_access_ok(offset, size) ? 0 : -1;
    if (rc == 0) {
        *out = eblk_read_reg(eb, offset);
    }
    if (eb->trace_out) {
        eblk_trace_access(eb, 'R', offset, size, rc ? 0 : *out, rc);
    }
    return rc;
}

static int eblk_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct eblk *eb = dev;
    eb->stats.exits++;
    int rc = eblk_access_ok(offset, size) ? 0 : -1;
    if (eb->trace_out) { /* before the write runs: a command's line follows it */
        eblk_trace_access(eb, 'W', offset, size, val, rc);
    }
    if (rc == 0) {
        eblk_write_reg(eb, offset, (uint32_t)val);
    }
    return rc;
}

void eblk_set_trace(struct eblk *eb, FILE *out)
{
    eb->trace_out = out;
}

const struct mmio_device_ops eblk_ops = {
    .read = eblk_mmio_read,
    .write = eblk_mmio_write,
};
