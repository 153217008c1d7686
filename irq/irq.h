/*
 * irq/irq.h - interrupt controllers of the virt board: the CLINT (machine
 * timer and software interrupts) and the PLIC (device interrupts).
 * Course: 中断虚拟化 / 虚拟中断类型: 时钟中断, 核间中断 (IPI), 外部中断:
 *         the VMM models the interrupt controllers; a device reports its
 *         line level, the run loop drives the hart's mip bits from them
 *         (hart_set_irq_line) at each VM entry.
 * Spec: SiFive CLINT (FU540-C000 manual, "Core-Local Interruptor"),
 *       Privileged 20211203, §3.2.1 "Machine Timer Registers (mtime and
 *       mtimecmp)"; RISC-V PLIC Specification v1.0.0.
 */
#ifndef VMLAB_IRQ_IRQ_H
#define VMLAB_IRQ_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "io/io.h"

/*
 * CLINT register window (offsets from MEMMAP_CLINT_BASE):
 *   0x0000 + 4*hart   msip      (bit 0 = MSIP of that hart; 32 bits)
 *   0x4000 + 8*hart   mtimecmp  (64 bits; its 32-bit halves too)
 *   0xbff8            mtime     (64 bits; its 32-bit halves too)
 */
#define CLINT_MSIP_OFFSET     0x0000u
#define CLINT_MTIMECMP_OFFSET 0x4000u
#define CLINT_MTIME_OFFSET    0xbff8u
#define CLINT_MAX_HARTS       8

/* The clock the CLINT reads: ticks at 10 MHz (the VM's virtual clock). */
typedef uint64_t (*clint_now_fn)(void *ctx);

struct clint;

/*
 * A CLINT for nharts (1..CLINT_MAX_HARTS) harts, reading time through now(ctx).
 * mtime = now + offset, where a guest write to mtime changes the offset.
 * At reset msip = 0 and mtimecmp = UINT64_MAX (no timer armed). NULL on a
 * bad nharts or no memory.
 */
struct clint *clint_create(unsigned nharts, clint_now_fn now, void *ctx);
void clint_destroy(struct clint *c);
void clint_reset(struct clint *c);
/* MMIO: 4-byte msip; 8-byte mtimecmp/mtime or their aligned 4-byte halves.
 * Other widths or misaligned accesses are refused (access fault). */
extern const struct mmio_device_ops clint_ops;

/*
 * Where a guest's write to mtime goes. By default the CLINT keeps it as its
 * own offset; a VM whose harts read the same clock for their `time` CSR
 * registers a writer instead, so both see the new value (and the offset
 * stays 0).
 */
typedef void (*clint_set_time_fn)(void *ctx, uint64_t mtime);
void clint_set_time_writer(struct clint *c, clint_set_time_fn set_time);

/* mtime as the guest sees it, given the clock value `now`. */
uint64_t clint_mtime(const struct clint *c, uint64_t now);
/* Level of the hart's MSIP line. false for a hart that does not exist. */
bool clint_msip(const struct clint *c, unsigned hart);
/* Level of the hart's MTIP line at clock value `now`: mtime >= mtimecmp. */
bool clint_mtip(const struct clint *c, unsigned hart, uint64_t now);
/*
 * The clock value (now(ctx) scale, not mtime) at which the hart's MTIP will
 * rise, or UINT64_MAX when no timer is armed or MTIP is already high (no
 * future event: the level is already visible through clint_mtip).
 */
uint64_t clint_next_deadline(const struct clint *c, unsigned hart);

/* ------------------------------------------------------------------ PLIC */

/*
 * PLIC register window (RISC-V PLIC Specification v1.0.0, "Memory Map"),
 * offsets from MEMMAP_PLIC_BASE; every register is 32 bits:
 *   0x000000 + 4*id                  priority of source id (id 0 reserved)
 *   0x001000 + 4*w                   pending bits of sources 32w..32w+31
 *   0x002000 + 0x80*ctx + 4*w        enable bits of context ctx
 *   0x200000 + 0x1000*ctx            priority threshold of context ctx
 *   0x200004 + 0x1000*ctx            claim (read) / complete (write)
 * Contexts as QEMU's virt board numbers them: 2*hart = the hart's M-mode
 * (drives MEIP), 2*hart + 1 = its S-mode (drives SEIP).
 */
#define PLIC_PRIORITY_OFFSET 0x000000u
#define PLIC_PENDING_OFFSET  0x001000u
#define PLIC_ENABLE_OFFSET   0x002000u
#define PLIC_ENABLE_STRIDE   0x80u
#define PLIC_CONTEXT_OFFSET  0x200000u
#define PLIC_CONTEXT_STRIDE  0x1000u
#define PLIC_CLAIM_OFFSET    4u /* within a context's block; threshold is at 0 */
#define PLIC_NDEV            95 /* sources 1..95 (riscv,ndev) */
#define PLIC_PRIORITY_MAX    7  /* 3 priority bits (WARL) */
#define PLIC_MAX_CONTEXTS    (2 * CLINT_MAX_HARTS)
#define PLIC_CONTEXT_M(hart) (2u * (hart))
#define PLIC_CONTEXT_S(hart) (2u * (hart) + 1u)

struct plic;

struct plic_stats {
    uint64_t raised;    /* irq.raised: rising edges of source lines */
    uint64_t delivered; /* irq.delivered: claims that returned a source */
    uint64_t accesses;  /* irq.delivery_exits: register accesses (each an MMIO exit) */
};

/*
 * A PLIC for nharts (1..CLINT_MAX_HARTS) harts, two contexts each. At reset
 * every priority, enable bit and threshold is 0, nothing is claimed and all
 * lines are low. NULL on a bad nharts or no memory.
 */
struct plic *plic_create(unsigned nharts);
/*
 * The PLIC a guest kernel sees under --cpu hw (as kvmtool gives a KVM guest):
 * one context per hart, its S-mode one: context h drives hart h's SEIP.
 */
struct plic *plic_create_s_only(unsigned nharts);
void plic_destroy(struct plic *p);
/* A machine reset: registers and line levels as at create; counters kept. */
void plic_reset(struct plic *p);
/*
 * MMIO: aligned 4-byte accesses only; other widths or misaligned offsets are
 * refused (the guest gets an access fault). Holes and registers of contexts
 * that do not exist read 0 and ignore writes. Every access is counted.
 */
extern const struct mmio_device_ops plic_ops;
/*
 * A device drives the level of its interrupt line (level-triggered: the
 * source is pending while its line is high and it is not claimed). Sources
 * outside 1..PLIC_NDEV are ignored.
 */
void plic_set_line(struct plic *p, unsigned source, bool level);
/*
 * The other gateway, QEMU's (sifive_plic) for the devices of its virt board: the device
 * signals its line at each change of its state; high latches one request (pending until a
 * claim takes it), low withdraws it. A completion with the device still high does not
 * re-arm it: only the next signal does. xv6's UART driver needs this - it never reads
 * IIR, so the UART's THR-empty interrupt stays asserted for ever. Used for the UART.
 */
void plic_signal(struct plic *p, unsigned source, bool level);
/*
 * Level of context ctx's external-interrupt line (MEIP for an M context,
 * SEIP for an S one): some enabled source of priority > the context's
 * threshold is pending. false for a context that does not exist.
 */
bool plic_meip(const struct plic *p, unsigned ctx);
const struct plic_stats *plic_stats(const struct plic *p);

#endif
