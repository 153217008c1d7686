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

/* --trace insns: one line per retired instruction, objdump syntax. */
static void trace_one_insn(void *ctx, const struct hart *h, uint32_t raw, uint64_t pc)
{
    struct vm *vm = ctx;
    char text[96];
    cpu_disas(raw, pc, text, sizeof(text));
    fprintf(vm->trace_out, "%c %016" PRIx64 ": %0*" PRIx32 "  %s\n",
            "US?M"[h->priv & 3], pc, (raw & 3) == 3 ? 8 : 4, raw, text);
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
}

unsigned vm_trace_flags(const struct vm *vm)
{
    return vm->cfg.trace;
}

int vm_debug_translate(struct vm *vm, gva_t gva, gpa_t *out_gpa)
{
    const struct hart *h = &vm->vcpu.hart;
    struct xlate_req req = {
        .gva = gva,
        .size = 1,
        .acc = ACCESS_LOAD,
        .priv = h->data_priv,
        .satp = h->csr.satp,
        .sum = (h->csr.mstatus & MSTATUS_SUM) != 0,
        .mxr = (h->csr.mstatus & MSTATUS_MXR) != 0,
    };
    struct xlate_out out;
    mmu_probe(vm->vcpu.mmu, &req, &out, NULL);
    if (out.status != XLATE_OK) {
        return -EFAULT;
    }
    *out_gpa = out.gpa;
    return 0;
}
