/*
 * vm/stats.c - the counters a student reads, and the cost model that turns
 * them into modelled cycles.
 * Course: every technique is counted, so the same guest under two
 *         techniques shows in numbers what each one costs (DESIGN.md
 *         "Counters and the cost model").
 *
 * One table walks every counter by name; the JSON writer, the end-of-run
 * summary and the monitor's `info stats` all use it, so a name is spelled
 * once. Names are DESIGN.md's: add, never rename. With several VMs the
 * run's names are totals over the VMs (sums; maxima for *.max_*), then each
 * VM's own as vmN.<name>; with one VM, just its names.
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
 *   shadow MMU work    x COST_PTE_ACCESS   (--mmu shadow: guest PTEs the VMM
 *                                            reads and writes, shadow PTEs it
 *                                            writes: shadow paging is not free)
 *   passthrough VF     x COST_DEVICE_REG   (--io passthrough: a register
 *   register accesses                        access the hart makes in place,
 *                                            no exit: an uncached device access,
 *                                            150; vm/passthrough.c)
 * The VF's DMA and its IOMMU walks run in the device, beside the hart: they
 * are counted (iommu.*) but cost the hart no cycles.
 */
#include "vm/internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "io/eblk.h"
#include "io/sriov.h"
#include "io/virtio_blk.h"
#include "irq/irq.h"

#define COST_INSN       1
#define COST_PTE_ACCESS 30
#define COST_EXIT       1000
#define COST_MMIO_EXTRA 2000

/* --mmu shadow's counters (all 0 otherwise, so every run has the same names). */
static void vm_stats_shadow(const struct vm *vm, stat_fn fn, void *ctx)
{
    static const struct shadow_stats none;
    const struct shadow_stats *ss = vm->shadow ? shadow_stats(vm->shadow) : &none;

    fn(ctx, "shadow.hidden_faults", ss->hidden_faults);
    fn(ctx, "shadow.true_faults", ss->true_faults);
    fn(ctx, "shadow.pt_writes", ss->pt_writes);
    fn(ctx, "shadow.syncs", ss->syncs);
    fn(ctx, "shadow.cache_hits", ss->cache_hits);
    fn(ctx, "shadow.guest_pte_reads", ss->guest_pte_reads);
    fn(ctx, "shadow.spte_writes", ss->spte_writes);
    fn(ctx, "shadow.guest_ad_writes", ss->guest_ad_writes);
    fn(ctx, "shadow.frames", ss->frames);
}

/*
 * The PLIC's counters: lines raised, claims that delivered a source, and
 * register accesses - under --irq emulated each one is an MMIO exit, which
 * is where that delivery model's cost shows (exits.mmio, cycles.modeled).
 */
static void vm_stats_irq(const struct vm *vm, stat_fn fn, void *ctx)
{
    const struct plic_stats *ps = plic_stats(vm->plic);
    fn(ctx, "irq.raised", ps->raised);
    fn(ctx, "irq.delivered", ps->delivered);
    fn(ctx, "irq.delivery_exits", ps->accesses);
}

/*
 * --io emulated's controller (all 0 without it, so every run has the same
 * names): io.eblk.exits counts its register accesses, each one an MMIO exit
 * (also in exits.mmio) - the per-request cost of device emulation.
 */
static void vm_stats_eblk(const struct vm *vm, stat_fn fn, void *ctx)
{
    static const struct eblk_stats none;
    const struct eblk_stats *es = vm->eblk ? eblk_stats(vm->eblk) : &none;
    fn(ctx, "io.eblk.requests", es->requests);
    fn(ctx, "io.eblk.bytes", es->bytes);
    fn(ctx, "io.eblk.exits", es->exits);
    fn(ctx, "io.eblk.interrupts", es->interrupts);
    fn(ctx, "io.eblk.errors", es->errors);
}

/* One block device's (or a sum's) io counters. */
struct io_counts {
    uint64_t requests, bytes, exits, kicks, interrupts, errors;
};

static void io_counts_add(struct io_counts *sum, const struct io_counts *c)
{
    sum->requests += c->requests;
    sum->bytes += c->bytes;
    sum->exits += c->exits;
    sum->kicks += c->kicks;
    sum->interrupts += c->interrupts;
    sum->errors += c->errors;
}

/* io.<prefix>.requests, .bytes, .kicks, .exits, .interrupts, .errors (names of DESIGN.md). */
static void io_counts_emit(const char *prefix, const struct io_counts *c, stat_fn fn, void *ctx)
{
    static const char *const whats[] = {"requests", "bytes",      "kicks",
                                        "exits",    "interrupts", "errors"};
    const uint64_t values[] = {c->requests, c->bytes, c->kicks, c->exits, c->interrupts, c->errors};
    char name[64];
    for (unsigned i = 0; i < sizeof(whats) / sizeof(whats[0]); i++) {
        snprintf(name, sizeof(name), "io.%s.%s", prefix, whats[i]);
        fn(ctx, name, values[i]);
    }
}

static struct io_counts virtio_counts(struct virtio_blk *blk)
{
    const struct virtio_blk_stats *b = virtio_blk_stats(blk);
    const struct virtio_mmio_stats *t = virtio_mmio_stats(virtio_blk_transport(blk));
    return (struct io_counts){b->requests, b->bytes, t->exits, t->kicks, t->interrupts, t->errors};
}

/*
 * --io virtio: every virtio-blk of the VM summed (all 0 without one): requests
 * and bytes served, kicks (QueueNotify writes that ran the back end), exits
 * (every register access of the device's slots), interrupts (rising edges),
 * errors (driver misbehaviour that set NEEDS_RESET); then each disk's own as
 * io.vda.*, io.vdb.*, ... (only the disks the VM has).
 */
static void vm_stats_virtio(const struct vm *vm, stat_fn fn, void *ctx)
{
    struct io_counts sum = {0};
    for (unsigned i = 0; i < VM_DISK_MAX; i++) {
        if (vm->virtio[i].blk) {
            struct io_counts c = virtio_counts(vm->virtio[i].blk);
            io_counts_add(&sum, &c);
        }
    }
    io_counts_emit("virtio", &sum, fn, ctx);
    for (unsigned i = 0; i < VM_DISK_MAX; i++) {
        if (vm->virtio[i].blk) {
            struct io_counts c = virtio_counts(vm->virtio[i].blk);
            io_counts_emit(vm_virtio_name(i), &c, fn, ctx);
        }
    }
}

/*
 * DESIGN.md's io.requests, io.bytes, io.exits, io.kicks, io.interrupts: the
 * sums over the VM's block devices, whatever --io presents them. eblk's kick
 * is its COMMAND write (one per request). A new device path adds its line here.
 */
static void vm_io_totals(const struct vm *vm, struct io_counts *sum)
{
    *sum = (struct io_counts){0};
    if (vm->eblk) {
        const struct eblk_stats *es = eblk_stats(vm->eblk);
        struct io_counts c = {es->requests, es->bytes,      es->exits,
                              es->requests, es->interrupts, es->errors};
        io_counts_add(sum, &c);
    }
    for (unsigned i = 0; i < VM_DISK_MAX; i++) {
        if (vm->virtio[i].blk) {
            struct io_counts c = virtio_counts(vm->virtio[i].blk);
            io_counts_add(sum, &c);
        }
    }
    if (vm->vf) {
        /* the VF: its register accesses reach it in place, so io.exits gets only the
         * accesses that did come as exits (io.passthrough.exits: 0 when mapped) */
        struct sriov_vf_stats vs;
        sriov_vf_get_stats(vm->vf, &vs);
        struct io_counts c = {vs.requests, vs.bytes, vs.exits, vs.kicks, vs.interrupts, vs.errors};
        io_counts_add(sum, &c);
    }
}

static void vm_stats_io_totals(const struct vm *vm, stat_fn fn, void *ctx)
{
    struct io_counts sum;
    vm_io_totals(vm, &sum);
    fn(ctx, "io.requests", sum.requests);
    fn(ctx, "io.bytes", sum.bytes);
    fn(ctx, "io.exits", sum.exits);
    fn(ctx, "io.kicks", sum.kicks);
    fn(ctx, "io.interrupts", sum.interrupts);
}

static uint64_t cycles_modeled(const struct vm *vm)
{
    const struct vcpu *vcpu = &vm->vcpu;
    const struct mmu_stats *ms = mmu_stats(vcpu->mmu);
    const struct shadow_stats *ss = vm->shadow ? shadow_stats(vm->shadow) : NULL;
    uint64_t vmm_pte_work = ss ? ss->guest_pte_reads + ss->spte_writes + ss->guest_ad_writes : 0;
    return vcpu->hart.insns * COST_INSN +
           (ms->walk_accesses + ms->walk_pte_writes + vmm_pte_work) * COST_PTE_ACCESS +
           vcpu->exits_total * COST_EXIT + vcpu->exits[EXIT_MMIO] * COST_MMIO_EXTRA +
           vm_passthrough_cycles(vm);
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
    fn(ctx, "hw.delegated_traps", vcpu->hart.delegated_traps); /* --cpu hw, no exit */
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
    fn(ctx, "mem.ram_frames", gmem_ram_frames(vm->gmem));
    vm_stats_shadow(vm, fn, ctx);
    vm_pv_stats_foreach(vm, fn, ctx);  /* --mmu direct: pv.*, direct.foreign_frames */
    vm_sbi_stats_foreach(vm, fn, ctx); /* --bios vmm: sbi.* */
    vm_stats_irq(vm, fn, ctx);
    vm_stats_io_totals(vm, fn, ctx);
    vm_stats_eblk(vm, fn, ctx);
    vm_stats_virtio(vm, fn, ctx);
    vm_passthrough_stats_foreach(vm, fn, ctx); /* io.sriov.*, io.passthrough.*, iommu.* */
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

void host_stats_write_json(const struct host *host, FILE *out)
{
    struct json_ctx ctx = {out, true};
    fputs("{", out);
    host_stats_foreach(host, json_one, &ctx);
    fputs("\n}\n", out);
}

static void summary_one(void *opaque, const char *name, uint64_t value)
{
    FILE *out = opaque;
    if (value != 0 || strcmp(name, "exits.total") == 0) {
        fprintf(out, "  %-22s %" PRIu64 "\n", name, value);
    }
}

void host_stats_print_summary(const struct host *host, FILE *out)
{
    fputs("vmlab: counters (zeros left out; --stats FILE writes them all)\n", out);
    host_stats_foreach(host, summary_one, out);
}

/* ---------------------------------------------------------- several VMs */

#define STATS_MAX      256 /* counters of one VM: far more than there are */
#define STAT_NAME_SIZE 64

struct stat_totals {
    unsigned n, seen; /* rows; rows the current VM has given so far */
    char name[STATS_MAX][STAT_NAME_SIZE];
    uint64_t value[STATS_MAX];
};

/* The row of `name`: where the VMs so far put it (the same place when they give the same
 * names in the same order), or a new row at the end; STATS_MAX when full. */
static unsigned totals_row(struct stat_totals *t, const char *name)
{
    unsigned guess = t->seen++;
    if (guess < t->n && strcmp(t->name[guess], name) == 0) {
        return guess;
    }
    for (unsigned i = 0; i < t->n; i++) {
        if (strcmp(t->name[i], name) == 0) {
            return i;
        }
    }
    if (t->n == STATS_MAX) {
        return STATS_MAX;
    }
    snprintf(t->name[t->n], STAT_NAME_SIZE, "%s", name);
    t->value[t->n] = 0;
    return t->n++;
}

/* Add one VM's counter to the totals, by name: VMs with different disks give different
 * io.vdX.* names (one VM's device counters appear only when it has the device). */
static void totals_add(void *opaque, const char *name, uint64_t value)
{
    struct stat_totals *t = opaque;
    unsigned i = totals_row(t, name);
    if (i >= STATS_MAX) {
        return;
    }
    if (strstr(name, ".max_")) {
        t->value[i] = value > t->value[i] ? value : t->value[i];
    } else {
        t->value[i] += value;
    }
}

struct prefixed_ctx {
    stat_fn fn;
    void *ctx;
    unsigned index;
};

static void prefixed_one(void *opaque, const char *name, uint64_t value)
{
    const struct prefixed_ctx *p = opaque;
    char full[STAT_NAME_SIZE + 8];
    snprintf(full, sizeof(full), "vm%u.%s", p->index, name);
    p->fn(p->ctx, full, value);
}

void host_stats_foreach(const struct host *host, stat_fn fn, void *ctx)
{
    if (host->nvms == 1) {
        vm_stats_foreach(host->vms[0], fn, ctx); /* one VM: its names, nothing more */
        return;
    }
    struct stat_totals *t = calloc(1, sizeof(*t));
    if (t) {
        for (unsigned i = 0; i < host->nvms; i++) {
            t->seen = 0;
            vm_stats_foreach(host->vms[i], totals_add, t);
        }
        for (unsigned i = 0; i < t->n; i++) {
            fn(ctx, t->name[i], t->value[i]);
        }
        free(t);
    }
    for (unsigned i = 0; i < host->nvms; i++) {
        struct prefixed_ctx p = {fn, ctx, i};
        vm_stats_foreach(host->vms[i], prefixed_one, &p);
    }
}
