/*
 * vm/debug.c - what the monitor may ask of a VM: breakpoints, single steps,
 * tracing, and looking at guest memory the way the hart would - without
 * touching the TLB or a counter (the VMM's own inspection).
 * Course: 处理器虚拟化 / VCPU (the state the VMM keeps for the guest).
 */
#include "vm/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cpu/encoding.h"

struct vcpu *vm_vcpu(struct vm *vm)
{
    return &vm->vcpu;
}

struct gmem *vm_gmem(struct vm *vm)
{
    return vm->gmem;
}

void vm_set_debugger(struct vm *vm, vm_debug_fn fn, void *ctx, bool stop_at_start)
{
    vm->debug_fn = fn;
    vm->debug_ctx = ctx;
    vm->debug_stop_at_start = stop_at_start;
}

void vm_debug_set_step(struct vm *vm, uint64_t count)
{
    vm->step_target = vm->vcpu.hart.insns + count;
    vm->vcpu.hart.single_step = true;
}

static void vm_sync_breakpoints(struct vm *vm)
{
    vm->vcpu.hart.breakpoints = vm->breakpoints;
    vm->vcpu.hart.n_breakpoints = vm->n_breakpoints;
}

int vm_break_add(struct vm *vm, gva_t gva)
{
    const unsigned max = sizeof(vm->breakpoints) / sizeof(vm->breakpoints[0]);
    if (vm->n_breakpoints == max) {
        return -ENOSPC;
    }
    unsigned index = vm->n_breakpoints++;
    vm->breakpoints[index] = gva;
    vm_sync_breakpoints(vm);
    return (int)index;
}

bool vm_break_delete(struct vm *vm, unsigned index)
{
    if (index >= vm->n_breakpoints) {
        return false;
    }
    memmove(&vm->breakpoints[index], &vm->breakpoints[index + 1],
            (vm->n_breakpoints - index - 1) * sizeof(vm->breakpoints[0]));
    vm->n_breakpoints--;
    vm_sync_breakpoints(vm);
    return true;
}

void vm_break_clear(struct vm *vm)
{
    vm->n_breakpoints = 0;
    vm_sync_breakpoints(vm);
}

unsigned vm_break_list(const struct vm *vm, const gva_t **out)
{
    *out = vm->breakpoints;
    return vm->n_breakpoints;
}

/* The privilege letter of a trace line: U, S or M. */
static char trace_priv(enum priv_level priv)
{
    return "US?M"[priv & 3];
}

/* --trace insns: one line per retired instruction, objdump syntax. */
static void trace_line(struct vm *vm, enum priv_level priv, uint64_t pc, uint32_t raw)
{
    char text[96];
    cpu_disas(raw, pc, text, sizeof(text));
    fprintf(vm->trace_out, "%c %016" PRIx64 ": %0*" PRIx32 "  %s\n", trace_priv(priv), pc,
            (raw & 3) == 3 ? 8 : 4, raw, text);
}

static void trace_one_insn(void *ctx, const struct hart *h, uint32_t raw, uint64_t pc)
{
    trace_line(ctx, h->priv, pc, raw);
}

struct trace_mark vm_trace_mark(const struct vcpu *vcpu)
{
    const struct hart *h = &vcpu->hart;
    return (struct trace_mark){.pc = h->pc, .insns = h->insns, .priv = h->priv};
}

/* Translate gva as the hart would for acc at priv, touching no TLB entry or counter. */
static void vm_debug_probe(struct vm *vm, gva_t gva, enum access_type acc, enum priv_level priv,
                           struct xlate_out *out, struct walk_trace *trace)
{
    const struct hart *h = &vm->vcpu.hart;
    struct xlate_req req = {
        .gva = gva,
        .size = acc == ACCESS_FETCH ? 2 : 1,
        .acc = acc,
        .priv = priv,
        .satp = h->csr.satp,
        .sum = (h->csr.mstatus & MSTATUS_SUM) != 0,
        .mxr = (h->csr.mstatus & MSTATUS_MXR) != 0,
    };
    mmu_probe(vm->vcpu.mmu, &req, out, trace);
}

/* One 16-bit parcel of code at gva, fetched as the hart at priv would, nothing counted. */
static int vm_debug_fetch16(struct vm *vm, gva_t gva, enum priv_level priv, uint16_t *out)
{
    struct xlate_out xo;
    vm_debug_probe(vm, gva, ACCESS_FETCH, priv, &xo, NULL);
    if (xo.status != XLATE_OK) {
        return -EFAULT;
    }
    return gmem_read(vm->gmem, xo.gpa, out, sizeof(*out));
}

void vm_trace_vmm_retired(struct vm *vm, const struct trace_mark *mark, const struct vm_exit *e)
{
    if (!vm->trace_out || !(vm->cfg.trace & TRACE_INSNS) || vm->vcpu.hart.insns == mark->insns) {
        return;
    }
    uint32_t raw = 0;
    if (e->reason == EXIT_PRIV_INSN || e->reason == EXIT_WFI) {
        raw = e->priv.insn;
    } else {
        uint16_t low = 0, high = 0;
        if (vm_debug_fetch16(vm, mark->pc, mark->priv, &low) != 0 ||
            ((low & 3) == 3 && vm_debug_fetch16(vm, mark->pc + 2, mark->priv, &high) != 0)) {
            fprintf(vm->trace_out, "%c %016" PRIx64 ": <cannot read>\n", trace_priv(mark->priv),
                    mark->pc);
            return;
        }
        raw = (uint32_t)high << 16 | low;
    }
    trace_line(vm, mark->priv, mark->pc, raw);
}

/*
 * --trace walks: one line per counted walk, from the MMU's walk observer:
 * the GVA, the PTE reads by stage and every access in order (stage:level),
 * so the 24 reads of a cold Sv48 x Sv48x4 walk show as 4 groups of 5.
 */
static void trace_one_walk(void *ctx, gva_t gva, const struct walk_trace *trace)
{
    struct vm *vm = ctx;
    unsigned stage_reads[3] = {0, 0, 0};

    for (unsigned i = 0; i < trace->n; i++) {
        if (!trace->step[i].is_write) {
            stage_reads[trace->step[i].stage == 2 ? 2 : 1]++;
        }
    }
    fprintf(vm->trace_out, "walk %016" PRIx64 ": %u reads (stage 1: %u, stage 2: %u):", gva,
            stage_reads[1] + stage_reads[2], stage_reads[1], stage_reads[2]);
    for (unsigned i = 0; i < trace->n; i++) {
        fprintf(vm->trace_out, " %s%u:%u", trace->step[i].is_write ? "w" : "", trace->step[i].stage,
                trace->step[i].level);
    }
    fputc('\n', vm->trace_out);
}

void vm_set_trace(struct vm *vm, unsigned trace_flags)
{
    struct hart *h = &vm->vcpu.hart;
    vm->cfg.trace = trace_flags;
    if (trace_flags && !vm->trace_out) {
        vm->trace_out = stderr;
    }
    h->trace_insn = (trace_flags & TRACE_INSNS) ? trace_one_insn : NULL;
    h->trace_ctx = vm;
    mmu_set_walk_observer(vm->vcpu.mmu, (trace_flags & TRACE_WALKS) ? trace_one_walk : NULL, vm);
    vm_io_set_trace(vm, (trace_flags & TRACE_IO) ? vm->trace_out : NULL);
}

unsigned vm_trace_flags(const struct vm *vm)
{
    return vm->cfg.trace;
}

void vm_debug_walk(struct vm *vm, gva_t gva, struct xlate_out *out, struct walk_trace *trace)
{
    vm_debug_probe(vm, gva, ACCESS_LOAD, vm->vcpu.hart.data_priv, out, trace);
}

int vm_debug_pt_dump(const struct vm *vm, enum vm_pt_kind kind, pt_dump_fn fn, void *ctx,
                     const char **why)
{
    uint64_t satp = vm->vcpu.hart.csr.satp;
    unsigned levels = (satp >> SATP_MODE_SHIFT) == SATP_MODE_SV48   ? 4
                      : (satp >> SATP_MODE_SHIFT) == SATP_MODE_SV39 ? 3
                                                                    : 0;

    switch (kind) {
    case VM_PT_STAGE2:
        if (!vm->s2) {
            *why = "no stage-2 table: run with --mmu nested";
            return -1;
        }
        pt_dump(vm->gmem, false, s2_table_root(vm->s2), s2_table_levels(vm->s2), 2, fn, ctx);
        return 0;
    case VM_PT_SHADOW:
        if (!vm->shadow || levels == 0 || mmu_shadow_root(vm->vcpu.mmu) == 0) {
            *why = vm->shadow ? "no shadow table for the current satp (translation off?)"
                              : "no shadow tables: run with --mmu shadow";
            return -1;
        }
        pt_dump(vm->gmem, false, mmu_shadow_root(vm->vcpu.mmu), levels, 0, fn, ctx);
        return 0;
    case VM_PT_GUEST:
        break;
    }
    if (levels == 0) {
        *why = "satp is Bare: the guest has no page table in use";
        return -1;
    }
    pt_dump(vm->gmem, true, (satp & SATP_PPN_MASK) << PAGE_SHIFT, levels, 0, fn, ctx);
    return 0;
}

unsigned vm_debug_tlb(const struct vm *vm, const struct tlb_entry **out, unsigned *out_ways)
{
    return mmu_tlb_view(vm->vcpu.mmu, out, out_ways);
}

int vm_debug_translate(struct vm *vm, gva_t gva, gpa_t *out_gpa)
{
    struct xlate_out out;
    vm_debug_walk(vm, gva, &out, NULL);
    if (out.status != XLATE_OK) {
        return -EFAULT;
    }
    *out_gpa = out.gpa;
    return 0;
}
