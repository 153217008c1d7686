/*
 * vm/internal.h - the VM object as the files of vm/ share it.
 * Course: 处理器虚拟化 / VM和VCPU: 静态部分 (memory, devices) and
 *         动态部分 (the vCPU).
 */
#ifndef VMLAB_VM_INTERNAL_H
#define VMLAB_VM_INTERNAL_H

#include "vm/vm.h"

struct clint;
struct htif;
struct console;

struct vm {
    struct vm_config cfg;
    struct hostmem *hostmem;
    struct gmem *gmem;
    struct mmio_bus *bus;
    struct uart *uart;
    struct syscon syscon;
    struct clint *clint;
    struct htif *htif; /* NULL unless the ELF has a tohost symbol */
    struct console *console;
    struct vclock clock;
    struct vcpu vcpu;

    uint64_t entry_pc;     /* where the boot ROM jumps */
    uint64_t kernel_entry; /* --bios FILE --kernel K: K's entry, for fw_dynamic */
    gpa_t fdt_gpa;
    FILE *trace_out;

    /* why the run ends */
    bool stop;
    int exit_status;
    char stop_reason[160];
    uint64_t start_ns;

    /* the debugger (monitor) hook */
    vm_debug_fn debug_fn;
    void *debug_ctx;
    bool debug_stop_at_start;
    bool debug_requested; /* Ctrl-A c */
    bool resume_past_break;
    uint64_t step_target; /* stop when insns reaches this (0 = not stepping) */
    gva_t breakpoints[64];
    unsigned n_breakpoints;

    uint64_t next_tick_insns;  /* look at the console and limits again by here */
    uint64_t trap_storm_insns; /* insns when the current run of traps began */
    unsigned trap_storm_count;

    uint64_t resets;
    uint64_t wfi_jumps;

    struct s2_table *s2; /* --mmu nested: the VM's stage-2 table (vm/stage2.c) */
    uint64_t s2_maps;    /* stage-2 leaves the VMM wrote */
};

/* --mmu nested: create the stage-2 table (and map everything with --prealloc). */
int vm_stage2_create(struct vm *vm);
/*
 * The stage-2 fault handler: 0 when the GPA is now mapped (the access runs
 * again), or -EFAULT and the access-fault cause the guest must get.
 */
int vm_stage2_fault(struct vm *vm, const struct vm_exit *e, uint64_t *out_cause);

/* Stop the run with an exit status and a one-line reason (printed at the end). */
void vm_request_stop(struct vm *vm, int status, const char *reason);
uint64_t vm_host_ns(void);

/*
 * vm/debug.c, --trace insns: the interpreter traces what it retires itself;
 * an instruction the VMM completes on an exit (an emulated CSR access, an
 * MMIO load or store, wfi) is traced by the run loop from a mark of the hart
 * taken before the exit is handled: a line when insns went up meanwhile.
 */
struct trace_mark {
    uint64_t pc;
    uint64_t insns;
    enum priv_level priv;
};
struct trace_mark vm_trace_mark(const struct vcpu *vcpu);
void vm_trace_vmm_retired(struct vm *vm, const struct trace_mark *mark, const struct vm_exit *e);

/* vm/vm.c: a reboot request: reset harts and devices, restore images (DESIGN.md "Reset"). */
void vm_reset(struct vm *vm);

#endif
