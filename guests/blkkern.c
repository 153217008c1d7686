/*
 * guests/blkkern.c - a small S-mode teaching kernel with a disk: it runs as
 * `--kernel` on the VMM's SBI (so under --cpu trap and --cpu hw, and under
 * QEMU with OpenSBI), takes the disk's completions as PLIC external
 * interrupts while it sleeps in wfi, and drives whichever disk the board
 * has with one driver per device kind:
 *   - virtio-blk on a virtio-mmio slot (--io virtio; --io passthrough, whose
 *     VF shows the same registers at the same slot): the modern handshake,
 *     VERSION_1 only, one split virtqueue of 64 entries, each request a
 *     3-descriptor chain (header, data, status), up to QD in flight, one
 *     QueueNotify per batch;
 *   - else vmlab's eblk controller (--io emulated, docs/eblk.md): one
 *     command at a time, completion by interrupt.
 * Course: I/O虚拟化 - 设备模拟 vs. 半虚拟化 vs. 设备直通: the same kernel,
 *         the same requests, on three paths; the kernel counts its own
 *         device register accesses (each one an MMIO exit on the first two
 *         paths) so tests can hold them against the VMM's io.*.exits.
 *         中断虚拟化 / 外部中断: claim, handle, complete at the PLIC.
 * Spec: virtio 1.2 §2.7 "Split Virtqueues", §3.1.1 "Driver Requirements:
 *       Device Initialization", §4.2.2 "MMIO Device Register Layout",
 *       §4.2.3 "MMIO-specific Initialization And Device Operation", §5.2
 *       "Block Device"; RISC-V PLIC Specification v1.0.0 "Interrupt Claim
 *       Process", "Interrupt Completion" (context 1 = hart 0, S-mode);
 *       Privileged 20211203 §4.1.3 "sip and sie", §3.3.3 "Wait for
 *       Interrupt"; SBI v2.0 §12 "Debug Console Extension".
 * Simplified: one hart, no paging (GVA = GPA); polling never, interrupts
 *       always; no EVENT_IDX, no INDIRECT_DESC (FLUSH when offered, used by
 *       the benchmark after each write phase); descriptor chains
 *       are fixed per request slot (slot k owns descriptors 3k..3k+2).
 *
 * Built three ways (guests/guests.mk, knobs in guests/README.md):
 *   blkkern          the check: sectors 0..63 written then read back at
 *                    QD 1 (8 requests of 4 KiB each way), sectors 64..127 at
 *                    QD 8 (one batch each way), every byte compared; last
 *                    line "blkkern: pass, 32 requests, N register accesses,
 *                    K interrupts".
 *   blkkern-verify   reads sectors 0..127 (16 x 4 KiB at QD 8) and checks
 *                    them against what blkkern wrote, writing nothing: on a
 *                    disk blkkern did not write it fails (exit 1).
 *   blkkern-bench    the disk benchmark: sequential and random (xorshift
 *                    shuffled) writes and reads at 512 B, 4 KiB, 64 KiB and
 *                    QD 1 and 8 (eblk: QD 1 only), one line per phase;
 *   blkkern-bench-4k-qd8  the same at 4 KiB and QD 8 only (make bench: the
 *                    guest's own work per request - filling and checking
 *                    the data - stays small beside the I/O path's).
 *
 * The data pattern, for sector s written in pass g (g = 1 in the check):
 *   bytes 0..7   le64 (s << 8) | g          a tag: a misplaced sector fails
 *   byte i >= 8  (s + 3 i + 64 g) mod 256
 */
#include "guests/lib/guest.h"

#define QD_MAX 8u /* requests in flight at most: slot k owns descriptors 3k..3k+2 */
#ifdef BENCH
#define REQ_BYTES_MAX 65536u
#else
#define REQ_BYTES_MAX 4096u
#endif
#define SECTOR_BYTES 512u

/* ------------------------------------------------------------ SBI console */

#define SBI_EXT_BASE       0x10
#define SBI_BASE_PROBE     3
#define SBI_EXT_DBCN       0x4442434e
#define SBI_DBCN_WRITE     0
#define SBI_LEGACY_PUTCHAR 0x01
#define CONSOLE_LINE       160

struct console {
    int has_dbcn;
    unsigned used;
    char line[CONSOLE_LINE];
};

static struct console con;

/* An SBI call; the value (a1) when the error (a0) is SBI_SUCCESS, else 0. */
static uint64_t sbi_call3(uint64_t eid, uint64_t fid, uint64_t a0v, uint64_t a1v, uint64_t a2v)
{
    register uint64_t a0 __asm__("a0") = a0v;
    register uint64_t a1 __asm__("a1") = a1v;
    register uint64_t a2 __asm__("a2") = a2v;
    register uint64_t a6 __asm__("a6") = fid;
    register uint64_t a7 __asm__("a7") = eid;

    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a6), "r"(a7) : "memory");
    return a0 == 0 ? a1 : 0;
}

/* A whole line in one DBCN console_write (one hypercall), else a legacy putchar per byte. */
static void console_flush(void)
{
    if (con.has_dbcn) {
        sbi_call3(SBI_EXT_DBCN, SBI_DBCN_WRITE, con.used, (uint64_t)(uintptr_t)con.line, 0);
    } else {
        for (unsigned i = 0; i < con.used; i++) {
            sbi_call3(SBI_LEGACY_PUTCHAR, 0, (uint8_t)con.line[i], 0, 0);
        }
    }
    con.used = 0;
}

static void line_putc(char c)
{
    con.line[con.used++] = c;
    if (c == '\n' || con.used == CONSOLE_LINE) {
        console_flush();
    }
}

static void console_init(void)
{
    /* probe_extension: a0 = 0 when absent (OpenSBI 1.1 in QEMU 7.2 has no DBCN) */
    con.has_dbcn = sbi_call3(SBI_EXT_BASE, SBI_BASE_PROBE, SBI_EXT_DBCN, 0, 0) != 0;
    console_set_output(line_putc);
}

/* ------------------------------------------------------------ PLIC, S context */

/*
 * Which PLIC context is hart 0's S-mode external interrupt differs by board:
 * QEMU virt and vmlab --cpu trap give two per hart (M = 0, S = 1), kvmtool
 * and vmlab --cpu hw only S ones (S = 0). The device tree says: the PLIC
 * node's interrupts-extended lists <intc irq> per context, in context
 * order; hart 0's S context is the first entry with irq 9 (IRQ_S_EXT).
 */
#define PLIC_PRIORITY(id)   (MEMMAP_PLIC_BASE + 4ull * (id))
#define PLIC_ENABLE(ctx)    (MEMMAP_PLIC_BASE + 0x2000ull + 0x80ull * (ctx)) /* sources 0..31 */
#define PLIC_THRESHOLD(ctx) (MEMMAP_PLIC_BASE + 0x200000ull + 0x1000ull * (ctx))
#define PLIC_CLAIM(ctx)     (PLIC_THRESHOLD(ctx) + 4)
#define PLIC_CTX_DEFAULT    1u /* QEMU virt's hart 0 S context, when there is no tree */

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u
#define FDT_WALK_MAX   100000u /* tokens: a tree this kernel reads is far smaller */

static unsigned plic_ctx = PLIC_CTX_DEFAULT;

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Bytes of a NUL-terminated name, rounded up to the 4-byte token alignment. */
static uint32_t name_span(const char *name)
{
    uint32_t n = 0;
    while (name[n] != '\0') {
        n++;
    }
    return (n + 1 + 3) & ~3u;
}

/* Devicetree Specification v0.4, §5.4 "Structure Block": the PLIC node is the one with
 * riscv,ndev; its interrupts-extended gives the context. -1 when not found. */
static int fdt_plic_s_context(const uint8_t *fdt)
{
    if (!fdt || be32(fdt) != FDT_MAGIC) {
        return -1;
    }
    const uint8_t *tok = fdt + be32(fdt + 8);
    const char *strings = (const char *)fdt + be32(fdt + 12);
    const uint8_t *ext = NULL;
    uint32_t ext_len = 0;
    int is_plic = 0;
    for (unsigned steps = 0; steps < FDT_WALK_MAX; steps++) {
        uint32_t t = be32(tok);
        tok += 4;
        if (t == FDT_BEGIN_NODE) {
            ext = NULL;
            is_plic = 0;
            tok += name_span((const char *)tok);
        } else if (t == FDT_PROP) {
            uint32_t len = be32(tok), nameoff = be32(tok + 4);
            const char *name = strings + nameoff;
            if (strcmp(name, "interrupts-extended") == 0) {
                ext = tok + 8;
                ext_len = len;
            } else if (strcmp(name, "riscv,ndev") == 0) {
                is_plic = 1;
            }
            tok += 8 + ((len + 3) & ~3u);
        } else if (t == FDT_END_NODE) {
            if (is_plic && ext) {
                for (uint32_t i = 0; i + 8 <= ext_len; i += 8) {
                    if (be32(ext + i + 4) == IRQ_S_EXT) {
                        return (int)(i / 8);
                    }
                }
                return -1;
            }
            is_plic = 0;
            ext = NULL;
        } else if (t != FDT_NOP) {
            return -1; /* FDT_END or garbage */
        }
    }
    return -1;
}

/* ------------------------------------------------------------ the disk */

/* virtio 1.2 §4.2.2 registers (io/virtio_mmio.h spells the same offsets for the device side) */
#define VM_MAGIC        0x000
#define VM_VERSION      0x004
#define VM_DEVICE_ID    0x008
#define VM_DEV_FEAT     0x010
#define VM_DEV_FEAT_SEL 0x014
#define VM_DRV_FEAT     0x020
#define VM_DRV_FEAT_SEL 0x024
#define VM_QUEUE_SEL    0x030
#define VM_QUEUE_MAX    0x034
#define VM_QUEUE_NUM    0x038
#define VM_QUEUE_READY  0x044
#define VM_NOTIFY       0x050
#define VM_INT_STATUS   0x060
#define VM_INT_ACK      0x064
#define VM_STATUS       0x070
#define VM_DESC_LO      0x080
#define VM_DESC_HI      0x084
#define VM_DRIVER_LO    0x090
#define VM_DRIVER_HI    0x094
#define VM_DEVICE_LO    0x0a0
#define VM_DEVICE_HI    0x0a4
#define VM_CONFIG       0x100 /* virtio-blk: le64 capacity first (§5.2.4) */

#define VIRTIO_MAGIC   0x74726976u
#define VIRTIO_BLK_ID  2u
#define ST_ACKNOWLEDGE 1u
#define ST_DRIVER      2u
#define ST_DRIVER_OK   4u
#define ST_FEATURES_OK 8u
#define F_VERSION_1_HI (1u << 0) /* feature bit 32: bit 0 of the high word */
#define F_BLK_FLUSH    (1u << 9) /* §5.2.3: write-back cache, FLUSH requests */
#define BLK_T_IN       0u
#define BLK_T_OUT      1u
#define BLK_T_FLUSH    4u
#define QSIZE          64u
#define DESC_F_NEXT    1u
#define DESC_F_WRITE   2u

/* docs/eblk.md registers */
#define EBLK_MAGIC       0x00
#define EBLK_VERSION     0x04
#define EBLK_CAPACITY_LO 0x08
#define EBLK_CAPACITY_HI 0x0c
#define EBLK_SECTOR_LO   0x10
#define EBLK_SECTOR_HI   0x14
#define EBLK_COUNT       0x18
#define EBLK_DMA_LO      0x20
#define EBLK_DMA_HI      0x24
#define EBLK_COMMAND     0x28
#define EBLK_STATUS      0x2c
#define EBLK_IRQ_ENABLE  0x30
#define EBLK_IRQ_ACK     0x34
#define EBLK_MAGIC_VALUE 0x6b6c6265u
#define EBLK_DONE        0x2u
#define EBLK_READ        1u
#define EBLK_WRITE       2u
#define EBLK_FLUSH       3u

struct vq_desc {
    uint64_t gpa;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QSIZE];
    uint16_t used_event;
};

struct vq_used_elem {
    uint32_t id;
    uint32_t len;
};

struct vq_used {
    uint16_t flags;
    uint16_t idx;
    struct vq_used_elem ring[QSIZE];
    uint16_t avail_event;
};

struct blk_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

enum disk_kind { DISK_NONE, DISK_VIRTIO, DISK_EBLK };

/* One request slot: its header, status byte and state (its data buffer is data[k]). */
struct slot {
    struct blk_header hdr;
    volatile uint8_t status;
    volatile int busy;
};

struct disk {
    enum disk_kind kind;
    uint64_t base;       /* register window (GPA) */
    unsigned irq;        /* PLIC source */
    uint64_t capacity;   /* sectors */
    unsigned accesses;   /* register accesses to this device: the kernel's own count */
    unsigned interrupts; /* claims of this device's source */
    unsigned requests;
    volatile unsigned inflight;
    unsigned errors;    /* completions with a bad status */
    uint16_t avail_idx; /* next avail ring index (free-running) */
    uint16_t used_seen; /* used ring entries handled (free-running) */
    int has_flush;      /* writes are cached until a FLUSH (virtio FLUSH negotiated; eblk) */
};

static struct vq_desc desc[QSIZE] __attribute__((aligned(4096)));
static struct vq_avail avail __attribute__((aligned(4096)));
static struct vq_used used __attribute__((aligned(4096)));
static struct slot slots[QD_MAX];
static uint8_t data[QD_MAX][REQ_BYTES_MAX] __attribute__((aligned(4096)));

static struct disk dsk;
static volatile int probe_faulted; /* the eblk probe's load took an access fault */

static uint32_t reg_rd(struct disk *d, uint64_t offset)
{
    d->accesses++;
    return mmio_read32(d->base + offset);
}

static void reg_wr(struct disk *d, uint64_t offset, uint32_t val)
{
    d->accesses++;
    mmio_write32(d->base + offset, val);
}

static void fail(int code, const char *what)
{
    printf("blkkern: FAIL: %s\n", what);
    sbi_exit(code);
}

/* ------------------------------------------------------------ interrupts */

/* Used ring entries the device added since the last look: each ends one slot's request. */
static void virtio_harvest(struct disk *d)
{
    while (d->used_seen != *(volatile uint16_t *)&used.idx) {
        __asm__ volatile("fence r, r" : : : "memory"); /* idx before the entry (§2.7.13) */
        uint32_t head = used.ring[d->used_seen % QSIZE].id;
        d->used_seen++;
        if (head % 3 != 0 || head / 3 >= QD_MAX || !slots[head / 3].busy) {
            fail(4, "the device returned a descriptor no request owns");
        }
        struct slot *s = &slots[head / 3];
        d->errors += s->status != 0;
        s->busy = 0;
        d->inflight--;
    }
}

/*
 * The disk's interrupt: acknowledge at the device first (InterruptACK /
 * IRQ_ACK lowers its line), then take the completions, then complete the
 * claim. Acknowledging before reading the used ring means an entry the
 * device adds meanwhile raises a fresh interrupt rather than being lost.
 */
static void disk_interrupt(struct disk *d)
{
    d->interrupts++;
    if (d->kind == DISK_VIRTIO) {
        uint32_t why = reg_rd(d, VM_INT_STATUS);
        reg_wr(d, VM_INT_ACK, why);
        virtio_harvest(d);
        return;
    }
    uint32_t status = reg_rd(d, EBLK_STATUS);
    reg_wr(d, EBLK_IRQ_ACK, 1);
    d->errors += status != EBLK_DONE;
    slots[0].busy = 0;
    d->inflight--;
}

static void on_trap(struct trap_frame *tf)
{
    if (tf->cause == (CAUSE_INTERRUPT | IRQ_S_EXT)) {
        uint32_t id = mmio_read32(PLIC_CLAIM(plic_ctx));
        if (id == dsk.irq && dsk.kind != DISK_NONE) {
            disk_interrupt(&dsk);
        } else if (id != 0) {
            printf("blkkern: claimed source %u, not the disk's %u\n", id, dsk.irq);
            sbi_exit(3);
        }
        if (id != 0) {
            mmio_write32(PLIC_CLAIM(plic_ctx), id);
        }
        return;
    }
    if (tf->cause == 5 && !probe_faulted && dsk.kind == DISK_NONE) {
        probe_faulted = 1; /* load access fault: no eblk window on this board */
        tf->epc += insn_length_at(tf->epc);
        return;
    }
    printf("blkkern: unexpected trap cause 0x%lx epc 0x%lx tval 0x%lx\n", (unsigned long)tf->cause,
           (unsigned long)tf->epc, (unsigned long)tf->tval);
    sbi_exit(5);
}

/*
 * Sleep until at most `target` requests are in flight. SIE stays off while
 * the condition is tested, so a completion arriving just after the test
 * still ends the wfi (§3.3.3: wfi wakes on a pending enabled interrupt even
 * with SIE clear); opening SIE for one instruction then takes it.
 */
static void wait_inflight(struct disk *d, unsigned target)
{
    while (d->inflight > target) {
        wfi();
        csr_set(sstatus, SSTATUS_SIE);
        csr_clear(sstatus, SSTATUS_SIE);
    }
}

static void plic_enable(unsigned irq)
{
    mmio_write32(PLIC_PRIORITY(irq), 1);
    mmio_write32(PLIC_ENABLE(plic_ctx), 1u << irq);
    mmio_write32(PLIC_THRESHOLD(plic_ctx), 0);
    csr_set(sie, MIP_SEIP);
}

/* ------------------------------------------------------------ finding the disk */

/* virtio-mmio slots 0..7: the first with DeviceID 2; only its reads are the disk's accesses. */
static int virtio_find(struct disk *d)
{
    for (unsigned n = 0; n < MEMMAP_VIRTIO_COUNT; n++) {
        uint64_t base = MEMMAP_VIRTIO_BASE + n * MEMMAP_VIRTIO_STRIDE;
        if (mmio_read32(base + VM_MAGIC) == VIRTIO_MAGIC && mmio_read32(base + VM_VERSION) == 2 &&
            mmio_read32(base + VM_DEVICE_ID) == VIRTIO_BLK_ID) {
            d->kind = DISK_VIRTIO;
            d->base = base;
            d->irq = 1 + n;
            d->accesses = 3;
            return 1;
        }
    }
    return 0;
}

/* eblk, probed by its MAGIC (an access fault when the board has none). */
static int eblk_find(struct disk *d)
{
    uint32_t magic = mmio_read32(MEMMAP_EBLK_BASE + EBLK_MAGIC);
    if (probe_faulted || magic != EBLK_MAGIC_VALUE) {
        return 0;
    }
    d->kind = DISK_EBLK;
    d->base = MEMMAP_EBLK_BASE;
    d->irq = MEMMAP_EBLK_IRQ;
    d->accesses = 1;
    return 1;
}

/* §3.1.1 steps 1-6 and §4.2.3.2 (one queue): 27 register accesses after the 3 of the scan. */
static void virtio_init(struct disk *d)
{
    reg_wr(d, VM_STATUS, 0);
    reg_wr(d, VM_STATUS, ST_ACKNOWLEDGE);
    reg_wr(d, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
    reg_wr(d, VM_DEV_FEAT_SEL, 1);
    uint32_t high = reg_rd(d, VM_DEV_FEAT);
    reg_wr(d, VM_DEV_FEAT_SEL, 0);
    uint32_t low = reg_rd(d, VM_DEV_FEAT) & F_BLK_FLUSH; /* FLUSH, if offered: write-back */
    if (!(high & F_VERSION_1_HI)) {
        fail(6, "the device does not offer VIRTIO_F_VERSION_1");
    }
    reg_wr(d, VM_DRV_FEAT_SEL, 1);
    reg_wr(d, VM_DRV_FEAT, F_VERSION_1_HI);
    reg_wr(d, VM_DRV_FEAT_SEL, 0);
    reg_wr(d, VM_DRV_FEAT, low);
    d->has_flush = low != 0;
    reg_wr(d, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
    if (!(reg_rd(d, VM_STATUS) & ST_FEATURES_OK)) {
        fail(6, "the device refused the features");
    }
    reg_wr(d, VM_QUEUE_SEL, 0);
    if (reg_rd(d, VM_QUEUE_MAX) < QSIZE || reg_rd(d, VM_QUEUE_READY) != 0) {
        fail(6, "queue 0 is too small or already in use");
    }
    reg_wr(d, VM_QUEUE_NUM, QSIZE);
    reg_wr(d, VM_DESC_LO, (uint32_t)(uintptr_t)desc);
    reg_wr(d, VM_DESC_HI, (uint32_t)((uint64_t)(uintptr_t)desc >> 32));
    reg_wr(d, VM_DRIVER_LO, (uint32_t)(uintptr_t)&avail);
    reg_wr(d, VM_DRIVER_HI, (uint32_t)((uint64_t)(uintptr_t)&avail >> 32));
    reg_wr(d, VM_DEVICE_LO, (uint32_t)(uintptr_t)&used);
    reg_wr(d, VM_DEVICE_HI, (uint32_t)((uint64_t)(uintptr_t)&used >> 32));
    reg_wr(d, VM_QUEUE_READY, 1);
    d->capacity = reg_rd(d, VM_CONFIG);
    d->capacity |= (uint64_t)reg_rd(d, VM_CONFIG + 4) << 32;
    reg_wr(d, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
}

/* VERSION, CAPACITY, then IRQ_ACK (a stale completion) and IRQ_ENABLE: 5 accesses. */
static void eblk_init(struct disk *d)
{
    if (reg_rd(d, EBLK_VERSION) != 1) {
        fail(6, "eblk VERSION is not 1");
    }
    d->capacity = reg_rd(d, EBLK_CAPACITY_LO);
    d->capacity |= (uint64_t)reg_rd(d, EBLK_CAPACITY_HI) << 32;
    reg_wr(d, EBLK_IRQ_ACK, 1);
    reg_wr(d, EBLK_IRQ_ENABLE, 1);
    d->has_flush = 1; /* docs/eblk.md: writes are durable after FLUSH */
}

static void disk_init(struct disk *d)
{
    if (virtio_find(d)) {
        virtio_init(d);
    } else if (eblk_find(d)) {
        eblk_init(d);
    } else {
        fail(2, "no disk: no virtio-blk slot and no eblk controller");
    }
    plic_enable(d->irq);
    printf("blkkern: %s disk at 0x%lx, irq %u, %lu sectors, PLIC context %u\n",
           d->kind == DISK_VIRTIO ? "virtio-blk" : "eblk", (unsigned long)d->base, d->irq,
           (unsigned long)d->capacity, plic_ctx);
}

/* ------------------------------------------------------------ requests */

/* Slot k's chain: header (device reads), data (device writes on a read), status (writes). */
static void virtio_submit(struct disk *d, unsigned k, int is_write, uint64_t sector, uint32_t bytes)
{
    struct slot *s = &slots[k];
    struct vq_desc *chain = &desc[3 * k];
    s->hdr.type = is_write ? BLK_T_OUT : BLK_T_IN;
    if (bytes == 0) {
        s->hdr.type = BLK_T_FLUSH; /* header and status only: no data descriptor */
    }
    s->hdr.reserved = 0;
    s->hdr.sector = sector;
    s->status = 0xff;
    chain[0] = (struct vq_desc){(uint64_t)(uintptr_t)&s->hdr, sizeof(s->hdr), DESC_F_NEXT,
                                (uint16_t)(3 * k + (bytes ? 1 : 2))};
    chain[1] = (struct vq_desc){(uint64_t)(uintptr_t)data[k], bytes,
                                (uint16_t)(DESC_F_NEXT | (is_write ? 0 : DESC_F_WRITE)),
                                (uint16_t)(3 * k + 2)};
    chain[2] = (struct vq_desc){(uint64_t)(uintptr_t)&s->status, 1, DESC_F_WRITE, 0};
    avail.ring[d->avail_idx % QSIZE] = (uint16_t)(3 * k);
    d->avail_idx++;
    __asm__ volatile("fence w, w" : : : "memory"); /* the entry before the index (§2.7.13) */
    *(volatile uint16_t *)&avail.idx = d->avail_idx;
}

static void virtio_kick(struct disk *d)
{
    __asm__ volatile("fence w, o" : : : "memory"); /* the index before the notify */
    reg_wr(d, VM_NOTIFY, 0);
}

/* SECTOR, COUNT, DMA, COMMAND: 6 writes; the completion comes as an interrupt. */
static void eblk_submit(struct disk *d, int is_write, uint64_t sector, uint32_t bytes)
{
    uint64_t gpa = (uint64_t)(uintptr_t)data[0];
    reg_wr(d, EBLK_SECTOR_LO, (uint32_t)sector);
    reg_wr(d, EBLK_SECTOR_HI, (uint32_t)(sector >> 32));
    reg_wr(d, EBLK_COUNT, bytes / SECTOR_BYTES);
    reg_wr(d, EBLK_DMA_LO, (uint32_t)gpa);
    reg_wr(d, EBLK_DMA_HI, (uint32_t)(gpa >> 32));
    reg_wr(d, EBLK_COMMAND, bytes == 0 ? EBLK_FLUSH : is_write ? EBLK_WRITE : EBLK_READ);
}

/* One FLUSH request, waited for: what was written is durable on the host. */
static void disk_flush(struct disk *d)
{
    if (!d->has_flush) {
        return; /* a write-through device: nothing to flush */
    }
    slots[0].busy = 1;
    d->inflight++;
    d->requests++;
    if (d->kind == DISK_VIRTIO) {
        virtio_submit(d, 0, 1, 0, 0);
        virtio_kick(d);
    } else {
        eblk_submit(d, 1, 0, 0);
    }
    wait_inflight(d, 0);
}

/* ------------------------------------------------------------ the pattern */

#define BYTE_STEPS 0x15120f0c09060300ull /* 3 k in byte k, k = 0..7 */
#define LOW7       0x7f7f7f7f7f7f7f7full
#define HIGH1      0x8080808080808080ull
#define ONES       0x0101010101010101ull

/* Bytewise a + b mod 256 in every byte, no carry across bytes. */
static uint64_t add_bytes(uint64_t a, uint64_t b)
{
    return ((a & LOW7) + (b & LOW7)) ^ ((a ^ b) & HIGH1);
}

static void fill_sector(uint64_t *words, uint64_t sector, unsigned pass)
{
    uint64_t w = add_bytes(((sector + 64u * pass + 24u) & 0xff) * ONES, BYTE_STEPS);
    words[0] = (sector << 8) | (pass & 0xff);
    for (unsigned i = 1; i < SECTOR_BYTES / 8; i++) {
        words[i] = w;
        w = add_bytes(w, 24u * ONES);
    }
}

/* 0 when every byte of the sector holds the pattern of (sector, pass). */
static int check_sector(const uint64_t *words, uint64_t sector, unsigned pass)
{
    uint64_t w = add_bytes(((sector + 64u * pass + 24u) & 0xff) * ONES, BYTE_STEPS);
    uint64_t diff = words[0] ^ ((sector << 8) | (pass & 0xff));
    for (unsigned i = 1; i < SECTOR_BYTES / 8; i++) {
        diff |= words[i] ^ w;
        w = add_bytes(w, 24u * ONES);
    }
    return diff != 0;
}

/* ------------------------------------------------------------ a phase */

struct phase {
    const char *name;
    int is_write;
    unsigned qd;           /* requests in flight at most */
    uint32_t bytes;        /* per request */
    uint64_t first;        /* first sector of the region */
    unsigned count;        /* requests; request r covers chunk order[r] */
    const uint16_t *order; /* NULL: sequential */
    unsigned pass;         /* written now, or expected on a read */
    int flush;             /* a write phase ends with a FLUSH (make bench: as fio's end_fsync) */
};

struct pending {
    uint64_t sector;
    int is_read;
};

static struct pending pend[QD_MAX];

/* A free slot (one exists: called with fewer than qd requests in flight). */
static unsigned free_slot(unsigned qd)
{
    for (unsigned k = 0; k < qd; k++) {
        if (!slots[k].busy) {
            return k;
        }
    }
    fail(7, "no free request slot");
    return 0;
}

/* Compare each finished read's buffer with the pattern; forget finished writes. */
static unsigned settle(const struct phase *p, unsigned qd)
{
    unsigned bad = 0;
    for (unsigned k = 0; k < qd; k++) {
        if (slots[k].busy || pend[k].sector == ~0ull) {
            continue;
        }
        if (pend[k].is_read) {
            for (unsigned i = 0; i < p->bytes / SECTOR_BYTES; i++) {
                bad += check_sector((const uint64_t *)(data[k] + i * SECTOR_BYTES),
                                    pend[k].sector + i, p->pass);
            }
        }
        pend[k].sector = ~0ull;
    }
    return bad;
}

/* Start request r of the phase in slot k. */
static void start(struct disk *d, const struct phase *p, unsigned k, unsigned r)
{
    unsigned chunk = p->order ? p->order[r] : r;
    uint64_t sector = p->first + (uint64_t)chunk * (p->bytes / SECTOR_BYTES);
    if (p->is_write) {
        for (unsigned i = 0; i < p->bytes / SECTOR_BYTES; i++) {
            fill_sector((uint64_t *)(data[k] + i * SECTOR_BYTES), sector + i, p->pass);
        }
    }
    pend[k].sector = sector;
    pend[k].is_read = !p->is_write;
    slots[k].busy = 1;
    d->inflight++;
    d->requests++;
    if (d->kind == DISK_VIRTIO) {
        virtio_submit(d, k, p->is_write, sector, p->bytes);
    } else {
        eblk_submit(d, p->is_write, sector, p->bytes);
    }
}

/*
 * Keep up to qd requests in flight: fill every free slot, one kick for the
 * batch, sleep until one completes, check what completed, refill. Returns
 * the number of sectors that read back wrong.
 */
static unsigned run_phase(struct disk *d, const struct phase *p)
{
    unsigned qd = d->kind == DISK_EBLK ? 1 : p->qd;
    unsigned next = 0, bad = 0;
    unsigned accesses = d->accesses, interrupts = d->interrupts, errors = d->errors;
    for (unsigned k = 0; k < qd; k++) {
        pend[k].sector = ~0ull;
    }
    while (next < p->count || d->inflight > 0) {
        unsigned started = 0;
        while (next < p->count && d->inflight < qd) {
            start(d, p, free_slot(qd), next++);
            started++;
        }
        if (started && d->kind == DISK_VIRTIO) {
            virtio_kick(d);
        }
        wait_inflight(d, next < p->count ? qd - 1 : 0);
        bad += settle(p, qd);
    }
    if (p->is_write && p->flush) {
        disk_flush(d);
    }
    if (d->errors != errors) {
        printf("blkkern: %s: %u requests ended with an error status\n", p->name,
               d->errors - errors);
        sbi_exit(1);
    }
    printf("blkkern: %s %uB qd%u: %u requests, %u register accesses, %u interrupts%s\n", p->name,
           (unsigned)p->bytes, qd, p->count, d->accesses - accesses, d->interrupts - interrupts,
           bad ? ", DATA MISMATCH" : "");
    return bad;
}

/* ------------------------------------------------------------ the runs */

static void need_sectors(const struct disk *d, uint64_t sectors)
{
    if (d->capacity < sectors) {
        printf("blkkern: the disk has %lu sectors, this run needs %lu\n",
               (unsigned long)d->capacity, (unsigned long)sectors);
        sbi_exit(2);
    }
}

#if defined(BENCH)

#ifndef BENCH_QDS
#define BENCH_QDS 1, 8
#endif
#ifndef BENCH_ROUNDS
#define BENCH_ROUNDS 1 /* the whole matrix this many times (longer runs, steadier wall time) */
#endif
#ifndef BENCH_SIZES
#define BENCH_SIZES 512, 4096, 65536
#endif
#define CHUNKS_MAX 256u

static uint16_t order[CHUNKS_MAX];

/* xorshift64 (Marsaglia 2003), fixed seed: the same "random" order every run. */
static uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* order[0..n) = a Fisher-Yates shuffle of 0..n-1: every chunk once, none twice in flight. */
static void shuffle(unsigned n, uint64_t *state)
{
    for (unsigned i = 0; i < n; i++) {
        order[i] = (uint16_t)i;
    }
    for (unsigned i = n - 1; i > 0; i--) {
        unsigned j = (unsigned)(xorshift64(state) % (i + 1));
        uint16_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* 512 B and 4 KiB: 256 requests a phase; 64 KiB: 64 (a 4 MiB region). */
static unsigned bench(struct disk *d)
{
    static const uint32_t sizes[] = {BENCH_SIZES};
    static const unsigned qds[] = {BENCH_QDS};
    const unsigned nqd = sizeof(qds) / sizeof(qds[0]);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    unsigned pass = 0, bad = 0;
    need_sectors(d, 4u << 11);
    for (unsigned q = 0; q < BENCH_ROUNDS * nqd; q++) {
        unsigned qd = qds[q % nqd];
        if (d->kind == DISK_EBLK && qd > 1 && q < nqd) {
            printf("blkkern: qd%u: eblk takes one command at a time, run at qd1\n", qd);
        }
        for (unsigned z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
            unsigned n = sizes[z] == 65536 ? 64 : 256;
            struct phase p = {"seq-write", 1, qd, sizes[z], 0, n, NULL, ++pass, 1};
            bad += run_phase(d, &p);
            p.name = "seq-read";
            p.is_write = 0;
            bad += run_phase(d, &p);
            shuffle(n, &seed);
            p = (struct phase){"rand-write", 1, qd, sizes[z], 0, n, order, ++pass, 1};
            bad += run_phase(d, &p);
            shuffle(n, &seed);
            p.name = "rand-read";
            p.is_write = 0;
            bad += run_phase(d, &p);
        }
    }
    return bad;
}

/*
 * The whole benchmark, timed by the time CSR (10 MHz on vmlab and QEMU virt): real time
 * under QEMU and under vmlab --clock host, so make bench gets requests per second of the
 * I/O itself, without the VMM's start-up.
 */
static unsigned run_mode(struct disk *d)
{
    uint64_t start = csr_read(time);
    unsigned bad = bench(d);
    uint64_t ticks = csr_read(time) - start;
    printf("blkkern: %u requests in %lu ticks of the time CSR\n", d->requests,
           (unsigned long)ticks);
    return bad;
}

#elif defined(VERIFY_ONLY)

/* Sectors 0..127 as blkkern leaves them (pass 1), read at QD 8; nothing written. */
static unsigned run_mode(struct disk *d)
{
    need_sectors(d, 128);
    struct phase p = {"verify", 0, 8, 4096, 0, 16, NULL, 1, 0};
    return run_phase(d, &p);
}

#else

/*
 * The check, hand-countable (tests/guests/blkkern.sh): 4 phases of 8
 * requests of 4 KiB. On virtio, QD 1 is 8 kicks and 8 interrupts a phase;
 * QD 8 is one kick and one interrupt (vmlab serves the whole batch in the
 * kick's exit).
 */
static unsigned run_mode(struct disk *d)
{
    unsigned bad = 0;
    need_sectors(d, 128);
    struct phase p = {"write", 1, 1, 4096, 0, 8, NULL, 1, 0};
    bad += run_phase(d, &p);
    p.name = "read";
    p.is_write = 0;
    bad += run_phase(d, &p);
    p = (struct phase){"write", 1, 8, 4096, 64, 8, NULL, 1, 0};
    bad += run_phase(d, &p);
    p.name = "read";
    p.is_write = 0;
    bad += run_phase(d, &p);
    return bad;
}

#endif

/* crt0-s.S calls main with the boot registers untouched: a0 = hartid, a1 = the FDT. */
int main(uint64_t hartid, const uint8_t *fdt)
{
    (void)hartid;
    console_init();
    int ctx = fdt_plic_s_context(fdt);
    plic_ctx = ctx >= 0 ? (unsigned)ctx : PLIC_CTX_DEFAULT;
    trap_init_s(on_trap);
    disk_init(&dsk);
    unsigned bad = run_mode(&dsk);
    if (bad) {
        printf("blkkern: FAIL, %u sectors read back wrong\n", bad);
        return 1;
    }
    printf("blkkern: pass, %u requests, %u register accesses, %u interrupts\n", dsk.requests,
           dsk.accesses, dsk.interrupts);
    return 0;
}
