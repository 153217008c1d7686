/*
 * vm/stats.c - the counters a student reads, and the cost model that turns
 * them into modelled cycles.
 * Course: every technique is counted, so the same guest under two
 *         techniques shows in numbers what each one costs (DESIGN.md
 *         "Counters and the cost model").
 *
 * One table walks every counter by name; the JSON writer, the end-of-run
 * summary and the monitor's `info stats` all use it, so a name is spelled
 * once. Names are DESIGN.md's: add, never rename.
 *
 * cycles.modeled is an estimate, deterministic for a given run:
 *   insns              x COST_INSN         (a CPI-1 hart)
 *   walk accesses      x COST_PTE_ACCESS   (a PTE read or A/D write that
 *   + PTE writes                             misses the caches: ~30 cycles)
 *   VM exits           x COST_EXIT         (exit + entry round trip: of the
 *                                            order of 1000 cycles on VT-x
 *                                            and ARM VHE hosts)
 *   MMIO exits         x COST_MMIO_EXTRA   (more: the device model runs in
 *                                            user space, as QEMU's does)
 */
#include "vm/internal.h"

#include <inttypes.h>
#include <string.h>

#define COST_INSN       1
#define COST_PTE_ACCESS 30
#define COST_EXIT       1000
#define COST_MMIO_EXTRA 2000

static uint64_t cycles_modeled(const struct vm *vm)
{
    const struct vcpu *vcpu = &vm->vcpu;
    const struct mmu_stats *ms = mmu_stats(vcpu->mmu);
    return vcpu->hart.insns * COST_INSN +
           (ms->walk_accesses + ms->walk_pte_writes) * COST_PTE_ACCESS +
           vcpu->exits_total * COST_EXIT + vcpu->exits[EXIT_MMIO] * COST_MMIO_EXTRA;
}

void vm_stats_foreach(const struct vm *vm, stat_fn fn, void *ctx)
{
    const struct vcpu *vcpu = &vm->vcpu;
    const struct mmu_stats *ms = mmu_stats(vcpu->mmu);
    char name[64];

    fn(ctx, "insns", vcpu->hart.insns);
    fn(ctx, "cycles.modeled", cycles_modeled(vm));
    fn(ctx, "exits.total", vcpu->exits_total);
    for (int reason = 0; reason < EXIT__COUNT; reason++) {
        const char *reason_name = exit_reason_name((enum exit_reason)reason);
        if (reason_name) {
            snprintf(name, sizeof(name), "exits.%s", reason_name);
            fn(ctx, name, vcpu->exits[reason]);
        }
    }
    fn(ctx, "tlb.hits", ms->tlb_hits);
    fn(ctx, "tlb.misses", ms->tlb_misses);
    fn(ctx, "tlb.flushes", ms->tlb_flushes);
    fn(ctx, "walk.count", ms->walk_count);
    fn(ctx, "walk.accesses", ms->walk_accesses);
    fn(ctx, "walk.s1_accesses", ms->walk_s1_accesses);
    fn(ctx, "walk.s2_accesses", ms->walk_s2_accesses);
    fn(ctx, "walk.max_accesses", ms->walk_max_accesses);
    fn(ctx, "walk.pte_writes", ms->walk_pte_writes);
    fn(ctx, "pwc.hits", ms->pwc_hits);
    fn(ctx, "s2.maps", vm->s2_maps);
    fn(ctx, "s2.table_frames", vm->s2 ? s2_table_frames(vm->s2) : 0);
    fn(ctx, "clock.mtime", hart_time_now(&vcpu->hart));
    fn(ctx, "clock.wfi_jumps", vm->wfi_jumps);
    fn(ctx, "vm.resets", vm->resets);
}

struct json_ctx {
    FILE *out;
    bool first;
};

static void json_one(void *opaque, const char *name, uint64_t value)
{
    struct json_ctx *ctx = opaque;
    fprintf(ctx->out, "%s\n  \"%s\": %" PRIu64, ctx->first ? "" : ",", name, value);
    ctx->first = false;
}

void vm_stats_write_json(const struct vm *vm, FILE *out)
{
    struct json_ctx ctx = {out, true};
    fputs("{", out);
    vm_stats_foreach(vm, json_one, &ctx);
    fputs("\n}\n", out);
}

static void summary_one(void *opaque, const char *name, uint64_t value)
{
    FILE *out = opaque;
    if (value != 0 || strcmp(name, "exits.total") == 0) {
        fprintf(out, "  %-22s %" PRIu64 "\n", name, value);
    }
}

void vm_stats_print_summary(const struct vm *vm, FILE *out)
{
    fputs("vmlab: counters (zeros left out; --stats FILE writes them all)\n", out);
    vm_stats_foreach(vm, summary_one, out);
}
