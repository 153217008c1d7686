/*
 * io/eblk.h - vmlab's own register-level block controller ("eblk"), the
 * disk of `--io emulated`. Its datasheet is docs/eblk.md.
 * Course: I/O虚拟化 / 设备模拟 - every register access traps (an MMIO exit)
 *         and the VMM emulates it; a command runs to completion inside the
 *         exit of the COMMAND write, and its "DMA" is the VMM copying guest
 *         memory (gmem_read / gmem_write).
 *
 * Register window (4-byte registers, aligned 4-byte accesses only):
 *
 *   offset  name          access  meaning
 *   0x00    MAGIC         R       0x6b6c6265 ("eblk" in memory order)
 *   0x04    VERSION       R       1
 *   0x08    CAPACITY_LO   R       disk size in 512-byte sectors, bits 31..0
 *   0x0c    CAPACITY_HI   R                                       bits 63..32
 *   0x10    SECTOR_LO     RW      first sector of the next command
 *   0x14    SECTOR_HI     RW
 *   0x18    COUNT         RW      sectors of the next command, 1..MAX_COUNT
 *   0x1c    MAX_COUNT     R       256
 *   0x20    DMA_LO        RW      GPA of the guest buffer
 *   0x24    DMA_HI        RW
 *   0x28    COMMAND       W       1 READ, 2 WRITE, 3 FLUSH (reads 0)
 *   0x2c    STATUS        R       see below
 *   0x30    IRQ_ENABLE    RW      bit 0: raise the PLIC line on completion
 *   0x34    IRQ_ACK       W       write 1: lower the line (reads 0)
 *
 *   STATUS  31..16 0   15..8 ERR code   7..4 0   3 WP   2 ERROR   1 DONE   0 BUSY
 */
#ifndef VMLAB_IO_EBLK_H
#define VMLAB_IO_EBLK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "io/io.h"

#define EBLK_WINDOW_SIZE 0x1000ull

#define EBLK_REG_MAGIC       0x00u
#define EBLK_REG_VERSION     0x04u
#define EBLK_REG_CAPACITY_LO 0x08u
#define EBLK_REG_CAPACITY_HI 0x0cu
#define EBLK_REG_SECTOR_LO   0x10u
#define EBLK_REG_SECTOR_HI   0x14u
#define EBLK_REG_COUNT       0x18u
#define EBLK_REG_MAX_COUNT   0x1cu
#define EBLK_REG_DMA_LO      0x20u
#define EBLK_REG_DMA_HI      0x24u
#define EBLK_REG_COMMAND     0x28u
#define EBLK_REG_STATUS      0x2cu
#define EBLK_REG_IRQ_ENABLE  0x30u
#define EBLK_REG_IRQ_ACK     0x34u

#define EBLK_MAGIC     0x6b6c6265u /* the bytes 'e' 'b' 'l' 'k' at offset 0..3 */
#define EBLK_VERSION   1u
#define EBLK_MAX_COUNT 256u /* sectors per command: 128 KiB */

enum eblk_command {
    EBLK_CMD_READ = 1,  /* disk -> guest memory */
    EBLK_CMD_WRITE = 2, /* guest memory -> disk */
    EBLK_CMD_FLUSH = 3, /* make every completed write durable (fsync) */
};

#define EBLK_STATUS_BUSY      (1u << 0) /* never seen by a guest: commands finish in the exit */
#define EBLK_STATUS_DONE      (1u << 1) /* the last command finished (with or without error) */
#define EBLK_STATUS_ERROR     (1u << 2) /* ... and failed: the code is in ERR */
#define EBLK_STATUS_WP        (1u << 3) /* write-protected disk (--disk FILE,ro) */
#define EBLK_STATUS_ERR_SHIFT 8
#define EBLK_STATUS_ERR_MASK  (0xffu << EBLK_STATUS_ERR_SHIFT)

enum eblk_error {
    EBLK_ERR_NONE = 0,
    EBLK_ERR_BAD_COMMAND = 1, /* COMMAND not 1, 2 or 3 */
    EBLK_ERR_BAD_COUNT = 2,   /* COUNT 0 or above MAX_COUNT */
    EBLK_ERR_BAD_RANGE = 3,   /* SECTOR + COUNT past CAPACITY (or wrapping) */
    EBLK_ERR_DMA = 4,         /* the buffer is not all RAM (or DMA + bytes wraps) */
    EBLK_ERR_READ_ONLY = 5,   /* WRITE on a write-protected disk */
    EBLK_ERR_IO = 6,          /* the host's read, write or fsync failed */
};

#define EBLK_IRQ_ENABLE_BIT 1u
#define EBLK_IRQ_ACK_BIT    1u

struct disk;
struct gmem;

/* The controller drives one interrupt line; the VMM connects it (to a PLIC source). */
typedef void (*eblk_irq_fn)(void *ctx, bool level);

struct eblk;

/*
 * A controller for `disk` (not owned: the VM closes its disks) whose DMA
 * reaches the RAM of `gm`. irq_fn (may be NULL) is called whenever the line
 * changes level. NULL when out of memory.
 */
struct eblk *eblk_create(struct disk *disk, struct gmem *gm, eblk_irq_fn irq_fn, void *irq_ctx);
void eblk_destroy(struct eblk *eb);
/* A machine reset: registers as at create, line low; counters kept. */
void eblk_reset(struct eblk *eb);
/* MMIO: dev is the struct eblk. Every access is counted in exits, refused ones too. */
extern const struct mmio_device_ops eblk_ops;
bool eblk_irq_level(const struct eblk *eb);

struct eblk_stats {
    uint64_t requests;   /* io.eblk.requests: READ, WRITE and FLUSH commands run */
    uint64_t bytes;      /* io.eblk.bytes: sector bytes moved by READ and WRITE */
    uint64_t exits;      /* io.eblk.exits: register accesses, each an MMIO exit */
    uint64_t interrupts; /* io.eblk.interrupts: rising edges of the line */
    uint64_t errors;     /* io.eblk.errors: commands that ended with ERROR */
};
const struct eblk_stats *eblk_stats(const struct eblk *eb);

/* --trace io: its register accesses and commands as "io eblk ..." lines to out (NULL: off). */
void eblk_set_trace(struct eblk *eb, FILE *out);
/* The register's name at offset ("COMMAND", ...; "reserved" for a hole). */
const char *eblk_reg_name(uint64_t offset);

#endif
