/*
 * cpu/hart.c - the virtual hart as an object: its reset state, attaching it
 * to memory and clock, the time it sees, the interrupt lines devices drive,
 * and the names of the VM exits it reports.
 * Course: 处理器虚拟化 / VM和VCPU (a vCPU is a struct the VMM owns: PC,
 *         general registers, system registers), 中断虚拟化 (the virtual
 *         interrupt lines the virtual devices raise).
 * Spec: Privileged 20211203, §3.4 "Reset", §3.1.9 "Machine Interrupt
 *       Registers (mip and mie)", §3.2.1 "Machine Timer Registers"; "Sstc" 1.0.
 * Simplified: one timebase for every hart of a VM (the virtual clock);
 *       the reset state zeroes everything the spec leaves UNSPECIFIED.
 */
#include "cpu/cpu.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "cpu/internal.h"

/* DESIGN.md's closed list; the name is also the counter `exits.<name>`. */
static const char *const exit_names[EXIT__COUNT] = {
    [EXIT_MMIO] = "mmio",
    [EXIT_PRIV_INSN] = "priv_insn",
    [EXIT_HYPERCALL] = "hypercall",
    [EXIT_PT_WRITE] = "pt_write",
    [EXIT_WFI] = "wfi",
    [EXIT_S2_FAULT] = "s2_fault",
    [EXIT_GUEST_TRAP] = "guest_trap",
    [EXIT_VIRTUAL_INSN] = "virtual_insn",
    [EXIT_HALT] = "halt",
};

const char *exit_reason_name(enum exit_reason reason)
{
    if ((unsigned)reason >= EXIT__COUNT) {
        return NULL;
    }
    return exit_names[reason];
}

/* --------------------------------------------------------------- reset */

/*
 * §3.4: priv = M, MIE = MPRV = 0, misa = all extensions, mcause 0, pc = the
 * reset vector, every PMP entry OFF and unlocked. The rest is zeroed.
 * Keeps what hart_attach and the monitor set (memory, clock, cache,
 * breakpoints, trace hook) and the `insns` counter, which counts the whole
 * run across reboots; minstret/mcycle restart from 0. The caller zeroes the
 * struct once (calloc or `= {0}`) before the first reset.
 */
void hart_reset(struct hart *h, uint64_t hartid, uint64_t reset_pc)
{
    memset(h->x, 0, sizeof(h->x));
    memset(h->f, 0, sizeof(h->f));
    memset(&h->csr, 0, sizeof(h->csr));
    memset(&h->hs, 0, sizeof(h->hs));
    h->virt = false; /* hart_start_vs enters VS-mode */
    h->pc = reset_pc;
    h->priv = PRV_M;
    h->csr.mstatus = (2ull << 32) | (2ull << 34); /* UXL = SXL = 2: 64-bit */
    h->csr.misa = MISA_MXL_64 | MISA_EXT('I') | MISA_EXT('M') | MISA_EXT('A') | MISA_EXT('F') |
                  MISA_EXT('D') | MISA_EXT('C') | MISA_EXT('S') | MISA_EXT('U');
    h->csr.mhartid = hartid;
    h->csr.mcycle_mark = h->insns;
    h->csr.minstret_mark = h->insns;
    h->resv_valid = false;
    h->resv_gpa = 0;
    h->mmio_pending = false;
    h->exit_after_pending = false;
    h->fast_pmp_stale = true;
    if (h->icache) {
        icache_flush(h->icache); /* memory is restored from the start copies */
    }
    if (h->mmu) {
        mmu_sfence(h->mmu, true, 0, true, 0);
    }
    cpu_update_mode(h);
}

/* gmem's hook: the VMM (a device's DMA, the loader) wrote over decoded code. */
static void hart_code_written(void *ctx, gpa_t gpa_page)
{
    hart_ram_written(ctx, gpa_page, PAGE_SIZE);
}

int hart_map_direct(struct hart *h, const struct hart_direct_window *w)
{
    for (unsigned i = 0; i < HART_DIRECT_WINDOWS; i++) {
        if (h->direct[i].size == 0) {
            h->direct[i] = *w;
            return 0;
        }
    }
    return -ENOSPC;
}

int hart_attach(struct hart *h, struct mmu *m, struct gmem *gm, struct vclock *clock)
{
    struct icache *ic = icache_create();

    if (!ic) {
        return -ENOMEM;
    }
    h->mmu = m;
    h->gmem = gm;
    h->clock = clock;
    h->fast = mmu_fast(m);
    h->icache = ic;
    h->fast_pmp_stale = true; /* start from an empty fast path */
    gmem_set_code_written_hook(gm, hart_code_written, h);
    cpu_update_mode(h);
    return 0;
}

void hart_detach(struct hart *h)
{
    if (h->gmem) {
        gmem_set_code_written_hook(h->gmem, NULL, NULL);
    }
    if (h->icache) {
        icache_destroy(h->icache);
    }
    h->icache = NULL;
    h->fast = NULL;
    h->fast_load = NULL;
    h->fast_store = NULL;
    h->mmu = NULL;
    h->gmem = NULL;
    h->clock = NULL;
}

void hart_enter(struct hart *h, enum priv_level priv, uint64_t pc)
{
    h->priv = priv;
    h->pc = pc;
    h->resv_valid = false;
    cpu_update_mode(h);
}

void hart_ram_written(struct hart *h, gpa_t gpa, uint64_t len)
{
    for (gpa_t page = gpa & ~(gpa_t)PAGE_MASK; len && page < gpa + len; page += PAGE_SIZE) {
        struct gpa_info info;
        gmem_lookup(h->gmem, page, &info);
        if (!(info.page_flags & GPAGE_CODE)) {
            continue;
        }
        icache_invalidate_page(h->icache, page);
        gmem_clear_page_flags(h->gmem, page, GPAGE_CODE);
        if (h->fast && h->fast->fetch.gpa_page == page) {
            h->fast->fetch.vpn_tag = FAST_INVALID;
        }
    }
}

/* ---------------------------------------------------------------- time */

static uint64_t host_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * mtime: ticks skipped in WFI plus one tick per VCLOCK_INSNS_PER_TICK
 * instructions the VM has retired, counting this hart's instructions since
 * it entered cpu_run (the shared clock catches up at its exits).
 * --clock host: wall time since start at 10 MHz (100 ns per tick).
 */
uint64_t hart_time_now(const struct hart *h)
{
    const struct vclock *clock = h->clock;

    if (!clock) {
        return h->insns / VCLOCK_INSNS_PER_TICK;
    }
    if (clock->host) {
        return clock->mtime_offset +
               (host_now_ns() - clock->host_start_ns) / (1000000000ull / VCLOCK_HZ);
    }
    return clock->mtime_offset + clock->skipped_ticks +
           (clock->retired + (h->insns - h->insns_at_entry)) / VCLOCK_INSNS_PER_TICK;
}

void hart_sync_clock(struct hart *h)
{
    if (h->clock) {
        h->clock->retired += h->insns - h->insns_at_entry;
    }
    h->insns_at_entry = h->insns;
}

/* With V = 1 the guest compares vstimecmp with mtime + htimedelta
 * (Privileged 20211203, "Hypervisor Time Delta Register"). */
uint64_t hart_stimecmp_deadline(const struct hart *h)
{
    uint64_t delta = h->virt ? h->hs.htimedelta : 0;

    if (!(h->csr.menvcfg & MENVCFG_STCE)) {
        return UINT64_MAX;
    }
    if (h->csr.stimecmp == UINT64_MAX) {
        return UINT64_MAX;
    }
    return h->csr.stimecmp >= delta ? h->csr.stimecmp - delta : 0;
}

/* ---------------------------------------------------------- interrupts */

/*
 * A device drives a line: MSIP/MTIP (CLINT), MEIP/SEIP (PLIC contexts), or
 * the VMM's own SBI raising SSIP/STIP. SEIP is kept apart from the bit
 * M-mode software writes (§3.1.9: mip.SEIP reads as their OR).
 */
void hart_set_irq_line(struct hart *h, unsigned irq_bit, bool level)
{
    uint64_t bit;

    if (irq_bit == IRQ_S_EXT) {
        h->csr.seip_line = level;
        return;
    }
    if (irq_bit != IRQ_S_SOFT && irq_bit != IRQ_M_SOFT && irq_bit != IRQ_S_TIMER &&
        irq_bit != IRQ_M_TIMER && irq_bit != IRQ_M_EXT) {
        return;
    }
    bit = 1ull << irq_bit;
    if (level) {
        h->csr.mip |= bit;
    } else {
        h->csr.mip &= ~bit;
    }
}

/* WFI wakes on pending & enabled, whatever the global enables say (§3.3.3). */
bool hart_irq_pending(const struct hart *h)
{
    return (csr_mip(h) & h->csr.mie) != 0;
}
