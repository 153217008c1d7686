/*
 * irq/irq.h - interrupt sources of the virt board: the CLINT (machine timer
 * and software interrupts). The PLIC comes in a later issue.
 * Course: 中断虚拟化 / 时钟中断, 核间中断 (IPI): the VMM models the interrupt
 *         controller; the device reports line levels, the run loop drives
 *         the hart's mip bits from them (hart_set_irq_line).
 * Spec: SiFive CLINT (FU540-C000 manual, "Core-Local Interruptor"), and
 *       Privileged 20211203, §3.2.1 "Machine Timer Registers (mtime and
 *       mtimecmp)".
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

#endif
