/*
 * irq/plic.c - the platform-level interrupt controller of QEMU's virt board
 * (SiFive PLIC layout): device lines in, one external-interrupt line per
 * context out, with priorities, per-context enables and thresholds, and
 * claim/complete.
 * Course: 中断虚拟化 / 外部中断; 回顾GIC: the PLIC is RISC-V's distributor.
 *         Under --irq emulated every register access below is an MMIO exit
 *         (irq.delivery_exits): a claim and a complete per interrupt is what
 *         the emulated delivery model costs.
 * Spec: RISC-V Platform-Level Interrupt Controller Specification v1.0.0,
 *       "Memory Map", "Interrupt Priorities", "Interrupt Pending Bits",
 *       "Interrupt Enables", "Priority Thresholds", "Interrupt Claim
 *       Process", "Interrupt Completion"; QEMU's virt board for the context
 *       numbering (2*hart = M-mode, 2*hart + 1 = S-mode).
 *
 *   source s pending      = line(s) high and s not claimed (level-triggered:
 *                           the gateway re-arms on completion)
 *   line of context c     = some s with pending(s), enable(c, s) and
 *                           priority(s) > threshold(c)
 *   claim by c            = that s of highest priority (ties: lowest id),
 *                           marked claimed; 0 when there is none
 *   complete(s) by c      = s no longer claimed, if s is enabled for c
 *   plic_signal(s, level) = QEMU's gateway (sifive_plic), for a device that
 *                           re-signals its line at each change of its state:
 *                           high latches one request, low withdraws it, a
 *                           claim takes it, completion does not re-arm it
 *
 * Simplified: 3 priority bits; the pending bits are read-only (writes are
 * ignored); a source dropping its line before the claim stops being pending
 * (as QEMU's model, not a latching gateway); only 4-byte aligned accesses
 * (others are refused: access fault).
 */
#include "irq/irq.h"

#include <stdlib.h>

#define PLIC_SOURCES 96 /* ids 0..95: source 0 means "no interrupt" */
#define PLIC_WORDS   (PLIC_SOURCES / 32)

struct plic {
    unsigned ncontexts;
    uint8_t priority[PLIC_SOURCES];
    uint32_t level[PLIC_WORDS];   /* the lines the devices drive */
    uint32_t latched[PLIC_WORDS]; /* plic_signal sources: a request, not yet claimed */
    uint32_t claimed[PLIC_WORDS]; /* claimed, not yet completed */
    uint32_t enable[PLIC_MAX_CONTEXTS][PLIC_WORDS];
    uint8_t threshold[PLIC_MAX_CONTEXTS];
    struct plic_stats stats;
};

struct plic *plic_create(unsigned nharts)
{
    if (nharts == 0 || nharts > CLINT_MAX_HARTS) {
        return NULL;
    }
    struct plic *p = calloc(1, sizeof(*p));
    if (p) {
        p->ncontexts = 2 * nharts;
        plic_reset(p);
    }
    return p;
}

struct plic *plic_create_s_only(unsigned nharts)
{
    struct plic *p = plic_create(nharts);

    if (p) {
        p->ncontexts = nharts;
        plic_reset(p);
    }
    return p;
}

void plic_destroy(struct plic *p)
{
    free(p);
}

void plic_reset(struct plic *p)
{
    struct plic_stats kept = p->stats;
    unsigned ncontexts = p->ncontexts;
    *p = (struct plic){.ncontexts = ncontexts, .stats = kept};
}

const struct plic_stats *plic_stats(const struct plic *p)
{
    return &p->stats;
}

static bool bit_get(const uint32_t *words, unsigned id)
{
    return (words[id / 32] >> (id % 32)) & 1;
}

static void bit_put(uint32_t *words, unsigned id, bool on)
{
    uint32_t mask = 1u << (id % 32);
    words[id / 32] = on ? (words[id / 32] | mask) : (words[id / 32] & ~mask);
}

void plic_set_line(struct plic *p, unsigned source, bool level)
{
    if (source == 0 || source > PLIC_NDEV) {
        return;
    }
    if (level && !bit_get(p->level, source)) {
        p->stats.raised++;
    }
    bit_put(p->level, source, level);
}

void plic_signal(struct plic *p, unsigned source, bool level)
{
    if (source == 0 || source > PLIC_NDEV) {
        return;
    }
    if (level && !bit_get(p->latched, source)) {
        p->stats.raised++;
    }
    bit_put(p->latched, source, level); /* high: one request; low: withdrawn */
}

/* Pending word w: a line high or a latched request, and not claimed. */
static uint32_t pending_word(const struct plic *p, unsigned w)
{
    return (p->level[w] | p->latched[w]) & ~p->claimed[w];
}

/*
 * The source context ctx would get from a claim now: the highest priority
 * above its threshold among its enabled pending sources, the lowest id on a
 * tie ("Interrupt Priorities"); 0 when there is none.
 */
static unsigned plic_best(const struct plic *p, unsigned ctx)
{
    unsigned best = 0;
    unsigned best_priority = p->threshold[ctx];
    for (unsigned w = 0; w < PLIC_WORDS; w++) {
        uint32_t ready = pending_word(p, w) & p->enable[ctx][w];
        for (unsigned b = 0; ready != 0 && b < 32; b++) {
            unsigned id = 32 * w + b;
            if (((ready >> b) & 1) && p->priority[id] > best_priority) {
                best = id;
                best_priority = p->priority[id]; /* strictly greater: lower id wins ties */
            }
        }
    }
    return best;
}

bool plic_meip(const struct plic *p, unsigned ctx)
{
    return ctx < p->ncontexts && plic_best(p, ctx) != 0;
}

/* "Interrupt Claim Process": the best source, now claimed (its pending bit clears). */
static uint32_t plic_claim(struct plic *p, unsigned ctx)
{
    unsigned id = plic_best(p, ctx);
    if (id != 0) {
        bit_put(p->claimed, id, true);
        bit_put(p->latched, id, false); /* the request is taken; only a new signal re-arms */
        p->stats.delivered++;
    }
    return id;
}

/* "Interrupt Completion": ignored unless the id is a source enabled for this context. */
static void plic_complete(struct plic *p, unsigned ctx, uint64_t id)
{
    if (id == 0 || id > PLIC_NDEV || !bit_get(p->enable[ctx], (unsigned)id)) {
        return;
    }
    bit_put(p->claimed, (unsigned)id, false); /* a line still high is pending again */
}

/* Which context's block [0x200000 + 0x1000*ctx, ...) holds offset; false if none. */
static bool context_reg(const struct plic *p, uint64_t offset, unsigned *out_ctx, uint64_t *out_reg)
{
    if (offset < PLIC_CONTEXT_OFFSET) {
        return false;
    }
    uint64_t ctx = (offset - PLIC_CONTEXT_OFFSET) / PLIC_CONTEXT_STRIDE;
    if (ctx >= p->ncontexts) {
        return false;
    }
    *out_ctx = (unsigned)ctx;
    *out_reg = (offset - PLIC_CONTEXT_OFFSET) % PLIC_CONTEXT_STRIDE;
    return true;
}

/* Which context's enable word offset names; false for a hole. */
static bool enable_reg(const struct plic *p, uint64_t offset, unsigned *out_ctx, unsigned *out_w)
{
    if (offset < PLIC_ENABLE_OFFSET || offset >= PLIC_CONTEXT_OFFSET) {
        return false;
    }
    uint64_t ctx = (offset - PLIC_ENABLE_OFFSET) / PLIC_ENABLE_STRIDE;
    uint64_t w = (offset - PLIC_ENABLE_OFFSET) % PLIC_ENABLE_STRIDE / 4;
    if (ctx >= p->ncontexts || w >= PLIC_WORDS) {
        return false;
    }
    *out_ctx = (unsigned)ctx;
    *out_w = (unsigned)w;
    return true;
}

static uint32_t plic_read_reg(struct plic *p, uint64_t offset)
{
    unsigned ctx, w;
    uint64_t reg;
    if (offset < PLIC_PENDING_OFFSET) {
        uint64_t id = offset / 4;
        return id < PLIC_SOURCES ? p->priority[id] : 0;
    }
    if (offset < PLIC_PENDING_OFFSET + 4 * PLIC_WORDS) {
        return pending_word(p, (unsigned)(offset - PLIC_PENDING_OFFSET) / 4);
    }
    if (enable_reg(p, offset, &ctx, &w)) {
        return p->enable[ctx][w];
    }
    if (context_reg(p, offset, &ctx, &reg)) {
        if (reg == 0) {
            return p->threshold[ctx];
        }
        if (reg == PLIC_CLAIM_OFFSET) {
            return plic_claim(p, ctx);
        }
    }
    return 0; /* reserved: reads as zero */
}

static void plic_write_reg(struct plic *p, uint64_t offset, uint32_t val)
{
    unsigned ctx, w;
    uint64_t reg;
    if (offset < PLIC_PENDING_OFFSET) {
        uint64_t id = offset / 4;
        if (id != 0 && id <= PLIC_NDEV) {
            p->priority[id] = val & PLIC_PRIORITY_MAX; /* WARL: 3 bits */
        }
        return;
    }
    if (enable_reg(p, offset, &ctx, &w)) {
        p->enable[ctx][w] = w == 0 ? (val & ~1u) : val; /* source 0 does not exist */
        return;
    }
    if (context_reg(p, offset, &ctx, &reg)) {
        if (reg == 0) {
            p->threshold[ctx] = val & PLIC_PRIORITY_MAX; /* WARL: 3 bits */
        } else if (reg == PLIC_CLAIM_OFFSET) {
            plic_complete(p, ctx, val);
        }
    }
    /* pending bits and reserved words ignore writes */
}

static int plic_mmio_read(void *dev, uint64_t offset, unsigned size, uint64_t *out)
{
    struct plic *p = dev;
    p->stats.accesses++;
    if (size != 4 || (offset & 3)) {
        return -1;
    }
    *out = plic_read_reg(p, offset);
    return 0;
}

static int plic_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t val)
{
    struct plic *p = dev;
    p->stats.accesses++;
    if (size != 4 || (offset & 3)) {
        return -1;
    }
    plic_write_reg(p, offset, (uint32_t)val);
    return 0;
}

const struct mmio_device_ops plic_ops = {
    .read = plic_mmio_read,
    .write = plic_mmio_write,
};
