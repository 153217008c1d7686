/*
 * irq/clint.c - the SiFive CLINT: per-hart software interrupt (msip) and
 * machine timer (mtimecmp), one shared mtime.
 * Course: 中断虚拟化 / 时钟中断: the guest's timer is a compare register the
 *         VMM models against its virtual clock; 核间中断: msip is how one hart
 *         interrupts another.
 * Spec: SiFive FU540-C000 manual, "Core-Local Interruptor (CLINT)";
 *       Privileged 20211203, §3.2.1 "Machine Timer Registers".
 *
 *   time seen by the guest:  mtime = now(ctx) + offset
 *   MTIP of hart h:          mtime >= mtimecmp[h]
 *
 * Simplified: mtime is never stored, only the offset a guest write sets;
 * unknown offsets inside the window read 0 and ignore writes (as QEMU).
 */
#include "irq/irq.h"

#include <stdlib.h>

struct clint {
    unsigned nharts;
    clint_now_fn now;
    void *ctx;
    uint64_t mtime_offset;      /* mtime - now, changed by guest writes to mtime */
    clint_set_time_fn set_time; /* if set, mtime writes go there instead */
    bool msip[CLINT_MAX_HARTS];
    uint64_t mtimecmp[CLINT_MAX_HARTS];
};

struct clint *clint_create(unsigned nharts, clint_now_fn now, void *ctx)
{
    if (nharts == 0 || nharts > CLINT_MAX_HARTS || !now) {
        return NULL;
    }
    struct clint *c = calloc(1, sizeof(*c));
    if (c) {
        c->nharts = nharts;
        c->now = now;
        c->ctx = ctx;
        clint_reset(c);
    }
    return c;
}

void clint_destroy(struct clint *c)
{
    free(c);
}

void clint_reset(struct clint *c)
{
    c->mtime_offset = 0;
    for (unsigned h = 0; h < CLINT_MAX_HARTS; h++) {
        c->msip[h] = false;
        c->mtimecmp[h] = UINT64_MAX;
    }
}

void clint_set_time_writer(struct clint *c, clint_set_time_fn set_time)
{
    c->set_time = set_time;
}

uint64_t clint_mtime(const struct clint *c, uint64_t now)
{
    return now + c->mtime_offset;
}

bool clint_msip(const struct clint *c, unsigned hart)
{
    return hart < c->nharts && c->msip[hart];
}

bool clint_mtip(const struct clint *c, unsigned hart, uint64_t now)
{
    return hart < c->nharts && clint_mtime(c, now) >= c->mtimecmp[hart];
}

uint64_t clint_next_deadline(const struct clint *c, unsigned hart)
{
    if (hart >= c->nharts || c->mtimecmp[hart] == UINT64_MAX) {
        return UINT64_MAX;
    }
    uint64_t now = c->now(c->ctx);
    uint64_t mtime = clint_mtime(c, now);
    if (mtime >= c->mtimecmp[hart]) {
        return UINT64_MAX; /* already high: no future edge */
    }
    uint64_t wait = c->mtimecmp[hart] - mtime;
    return wait >= UINT64_MAX - now ? UINT64_MAX - 1 : now + wait;
}

/*
 * Merge a write of `size` bytes at byte `lane` (0 or 4) of a 64-bit register:
 * an 8-byte write replaces it, a 4-byte write replaces one half.
 */
static uint64_t merge_half(uint64_t old, unsigned lane, unsigned size, uint64_t val)
{
    if (size == 8) {
        return val;
    }
    uint64_t mask = 0xffffffffull << (lane * 8);
    return (old & ~mask) | ((val & 0xffffffffull) << (lane * 8));
}

/* Which 64-bit register and lane an access hits; false if it is not a valid shape. */
static bool reg64_lane(uint64_t offset, unsigned size, unsigned *out_lane)
{
    if (size == 8 && (offset & 7) == 0) {
        *out_lane = 0;
        return true;
    }
    if (size == 4 && (offset & 3) == 0) {
        *out_lane = (unsigned)(offset & 4);
        return true;
    }
    return false;
}

static int clint_mmio_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    struct clint *c = dev;
    unsigned lane;
    if (offset < CLINT_MTIMECMP_OFFSET) {
        if (size != 4 || (offset & 3)) {
            return -1;
        }
        uint64_t hart = offset / 4;
        *out = hart < c->nharts ? c->msip[hart] : 0;
        return 0;
    }
    if (!reg64_lane(offset, size, &lane)) {
        return -1;
    }
    uint64_t reg_offset = offset & ~7ull;
    uint64_t value = 0;
    if (reg_offset == CLINT_MTIME_OFFSET) {
        value = clint_mtime(c, c->now(c->ctx));
    } else if (reg_offset - CLINT_MTIMECMP_OFFSET < 8ull * c->nharts) {
        value = c->mtimecmp[(reg_offset - CLINT_MTIMECMP_OFFSET) / 8];
    }
    value >>= lane * 8;
    *out = size == 8 ? value : (value & 0xffffffffull);
    return 0;
}

static int clint_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct clint *c = dev;
    unsigned lane;
    if (offset < CLINT_MTIMECMP_OFFSET) {
        if (size != 4 || (offset & 3)) {
            return -1;
        }
        uint64_t hart = offset / 4;
        if (hart < c->nharts) {
            c->msip[hart] = val & 1; /* only bit 0 exists */
        }
        return 0;
    }
    if (!reg64_lane(offset, size, &lane)) {
        return -1;
    }
    uint64_t reg_offset = offset & ~7ull;
    if (reg_offset == CLINT_MTIME_OFFSET) {
        uint64_t now = c->now(c->ctx);
        uint64_t mtime = merge_half(clint_mtime(c, now), lane, size, val);
        if (c->set_time) {
            c->set_time(c->ctx, mtime);
        } else {
            c->mtime_offset = mtime - now;
        }
    } else if (reg_offset - CLINT_MTIMECMP_OFFSET < 8ull * c->nharts) {
        uint64_t *cmp = &c->mtimecmp[(reg_offset - CLINT_MTIMECMP_OFFSET) / 8];
        *cmp = merge_half(*cmp, lane, size, val);
    }
    return 0;
}

const struct mmio_device_ops clint_ops = {
    .read = clint_mmio_read,
    .write = clint_mmio_write,
};
