/*
 * vm/internal.h - the VM object as the files of vm/ share it.
 * Course: 处理器虚拟化 / VM和VCPU: 静态部分 (memory, devices) and
 *         动态部分 (the vCPU).
 */
#ifndef VMLAB_VM_INTERNAL_H
#define VMLAB_VM_INTERNAL_H

#include "shadowpt/shadowpt.h"
#include "vm/vm.h"

struct clint;
struct plic;
struct htif;
struct console;
struct eblk;
struct virtio_blk;

/*
 * The host: what the VMs share. Host memory (every VM's RAM, ROM and tables
 * are frames in it; only the translations keep them apart), the physical
 * CPU with its one modelled TLB, the console (stdin feeds vm0 until Ctrl-A n
 * moves it on), and the VM list the round-robin loop (vm/host.c) walks.
 */
struct host {
    struct vm_config cfg; /* the global options */
    struct hostmem *hostmem;
    struct tlb *tlb; /* the physical CPU's TLB: every VM's entries, VMID-tagged */
    struct console *console;
    FILE *trace_out; /* --trace-file, shared by the VMs */
    struct vm *vms[VM_MAX];
    unsigned nvms;
    struct vm *running; /* the VM on the physical CPU, NULL before the first turn */
    uint64_t switches;  /* VM switches so far */
    /* --io passthrough with a --disk: the physical medium, the IOMMU every VF's DMA goes
     * through, and the SR-IOV device whose VF i is vmi's (vm/passthrough.c) */
    struct disk *pt_medium;
    struct iommu *iommu;
    struct sriov *sriov;
};

struct vm {
    struct vm_config cfg;
    struct host *host;
    unsigned index;          /* vmN: VMID index + 1 */
    FILE *out;               /* console output: stdout, or "[vmN] "-prefixed with several VMs */
    struct hostmem *hostmem; /* the host's, shared */
    struct gmem *gmem;
    struct mmio_bus *bus;
    struct uart *uart;
    struct syscon syscon;
    struct clint *clint;
    struct plic *plic; /* device interrupts: the UART's line is source 10 */
    struct htif *htif; /* NULL unless the ELF has a tohost symbol */
    struct console *console;
    struct vclock clock;
    struct vcpu vcpu;

    uint64_t entry_pc;     /* where the boot ROM jumps */
    uint64_t kernel_entry; /* --bios FILE --kernel K: K's entry, for fw_dynamic */
    gpa_t fdt_gpa;
    FILE *trace_out;

    uint64_t turn_end_insns; /* this turn on the physical CPU ends at this insns */
    bool started;            /* had its first turn */

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
    struct vm_watch watches[VM_WATCH_MAX]; /* monitor `watch` (vm/watch.c) */
    unsigned n_watches;
    struct vm_watch_hit
        watch_hits[VM_WATCH_MAX]; /* the last stop's, until the monitor takes them */
    unsigned n_watch_hits, watch_hits_taken;

    uint64_t next_tick_insns;  /* look at the console and limits again by here */
    uint64_t trap_storm_insns; /* insns when the current run of traps began */
    unsigned trap_storm_count;

    uint64_t resets;
    uint64_t wfi_jumps;

    struct s2_table *s2;   /* --mmu nested: the VM's stage-2 table (vm/stage2.c) */
    struct shadow *shadow; /* --mmu shadow: the VMM's shadow MMU (vm/shadow.c) */
    uint64_t s2_maps;      /* stage-2 leaves the VMM wrote */

    struct disk *disks[VM_DISK_MAX]; /* --disk, opened at creation, in order */
    unsigned ndisks;
    struct eblk *eblk; /* --io emulated with a --disk: the controller of disks[0] */
    /* --io virtio: disks[i] as virtio-blk in QEMU's slot order (vm_virtio_slot) */
    struct vm_virtio_slot {
        struct vm *vm;
        unsigned irq; /* its PLIC source: 1 + slot */
        struct virtio_blk *blk;
    } virtio[VM_DISK_MAX];

    /* --io passthrough: this VM's VF of the host's SR-IOV device (vm/passthrough.c) */
    struct sriov_vf *vf;

    struct vm_pv *pv;   /* --mmu direct: pinned tables and pv.* counters (vm/hypercall.c) */
    struct vm_sbi *sbi; /* --bios vmm: the VMM's SBI and its sbi.* counters (vm/sbi.c) */
};

/* --mmu shadow (vm/shadow.c): create it; its two exits; follow satp; forget all on reset. */
int vm_shadow_create(struct vm *vm);
int vm_shadow_fault(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e, uint64_t *out_cause);
void vm_pt_write(struct vm *vm, struct vcpu *vcpu, struct vm_exit *e);
void vm_shadow_follow_satp(struct vm *vm, const struct vcpu *vcpu);
void vm_shadow_reset(struct vm *vm);

/* --mmu nested: create the stage-2 table (and map everything with --prealloc). */
int vm_stage2_create(struct vm *vm);
/*
 * The stage-2 fault handler: 0 when the GPA is now mapped (the access runs
 * again), or -EFAULT and the access-fault cause the guest must get.
 */
int vm_stage2_fault(struct vm *vm, const struct vm_exit *e, uint64_t *out_cause);

/* vm/vm.c: build VM `index` of the host from its own config (exit 2 on NULL). */
struct vm *vm_create(struct host *host, const struct vm_config *cfg, unsigned index);
void vm_destroy(struct vm *vm);
/* After the run: flush the console. */
void vm_finish(struct vm *vm);

/*
 * vm/run.c: one turn of vm on the physical CPU, until it has retired `turn`
 * more instructions (UINT64_MAX: until it stops) or it stops.
 */
void vm_run_turn(struct vm *vm, uint64_t turn);

/* Stop the VM with an exit status and a one-line reason (printed at the end). */
void vm_request_stop(struct vm *vm, int status, const char *reason);
/* Stop every VM (Ctrl-A x, the monitor's quit). */
void host_request_stop(struct host *host, int status, const char *reason);
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

/*
 * vm/watch.c, the monitor's write watchpoints, from the run loop: a guest
 * store to a watched page leaves as a watch exit (mmio.is_ram_watch);
 * vm_watch_before_exit compares the watched bytes with those last seen
 * before the exit is handled (the device's answer is the VMM's write, not
 * the guest's), vm_watch_after_exit after it: a page-table store the VMM
 * performed for the guest (EXIT_PT_WRITE, pc = the store's) is compared,
 * anything else the VMM wrote (DMA, HTIF fromhost, a reboot) is only
 * re-read. True: a watched value changed, the monitor is due.
 */
bool vm_watch_before_exit(struct vm *vm, const struct vm_exit *e);
bool vm_watch_after_exit(struct vm *vm, const struct vm_exit *e, gva_t pc_before);

/* vm/ioview.c: --trace io on (out) or off (NULL) on the block devices; disk i's name (vda..). */
void vm_io_set_trace(struct vm *vm, FILE *out);
const char *vm_virtio_name(unsigned i);

/* vm/vm.c: a reboot request: reset harts and devices, restore images (DESIGN.md "Reset"). */
void vm_reset(struct vm *vm);

/*
 * vm/hypercall.c: EXIT_HYPERCALL (an S-mode ecall under --mmu direct or
 * --bios vmm): the paravirtual page-table calls (vm/pv_abi.h); any other
 * extension goes to the VMM's SBI (vm/sbi.c) under --bios vmm, else answers
 * SBI_ERR_NOT_SUPPORTED. The ecall retires with a0 = error, a1 = value.
 */
void vm_hypercall(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e);
/* EXIT_PRIV_INSN: under --mmu direct an S-mode satp write must name a pinned root
 * (else an illegal-instruction trap); then cpu_emulate_priv. */
void vm_priv_insn(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e);
struct loaded_image;
/* --mmu direct needs the image's .note.vmlab PV note; other modes refuse an image with one.
 * 0, or -1 after printing why (exit 2). */
int vm_pv_check_image(const struct vm *vm, const char *path, const struct loaded_image *img);
/* Under --mmu direct: the frame table, and S-mode ecalls exit as hypercalls. 0 or -1. */
int vm_pv_create(struct vm *vm);
void vm_pv_reset(struct vm *vm); /* a reboot: every table unpinned */
void vm_pv_destroy(struct vm *vm);
/* pv.mmu_updates, pv.pins, pv.unpins, pv.refused, direct.foreign_frames (for vm/stats.c). */
void vm_pv_stats_foreach(const struct vm *vm, stat_fn fn, void *ctx);

/*
 * vm/sbi.c: the VMM as the guest's SBI firmware (--bios vmm, the default with
 * only --kernel). vm_config_wants_sbi: does this config ask for it?
 * vm_sbi_create: when it does, the payload starts in S-mode (vm_sbi_boot_hart,
 * also after every reset) and S-mode ecalls exit as hypercalls. 0 or -1.
 * vm_sbi_call: answer the SBI call in a7/a6/a0..a5 and retire the ecall
 * (a0 = error, a1 = value), unless the call reset or moved the hart.
 */
bool vm_config_wants_sbi(const struct vm_config *cfg);
int vm_sbi_create(struct vm *vm);
void vm_sbi_boot_hart(struct vm *vm);
/* --cpu hw: the HS controls the memory technique needs (hstatus.VTVM, hgatp). */
void vm_hw_controls(struct vm *vm);
void vm_sbi_call(struct vm *vm, struct vcpu *vcpu);
void vm_sbi_destroy(struct vm *vm);
/* sbi.calls, sbi.<extension>, sbi.unknown, sbi.console_bytes (all 0 without --bios vmm). */
void vm_sbi_stats_foreach(const struct vm *vm, stat_fn fn, void *ctx);

/*
 * vm/passthrough.c, --io passthrough. host_passthrough_create: open the
 * --disk as the physical medium, the IOMMU and the SR-IOV device with --vfs
 * VFs (nothing without a --disk); 0, or -1 after printing one line (exit 2).
 * vm_passthrough_add: VF vm->index assigned to this VM and placed in virtio
 * slot `slot_gpa` (mapped into the hart: no exits; also on the bus, where an
 * access would count as io.passthrough.exits); 0 when the VM has no VF
 * (*out_has_vf false), -1 after printing why. vm_passthrough_reset: the VF's
 * function-level reset. vm_passthrough_stats_foreach: io.sriov.*,
 * io.passthrough.*, iommu.* (all 0 without a VF). vm_passthrough_cycles:
 * the modelled cycles of the VF's in-place register accesses.
 * vm_passthrough_set_fs: the PV_IOMMU_SET_FS hypercall (an SBI error code).
 */
int host_passthrough_create(struct host *host);
void host_passthrough_destroy(struct host *host);
int vm_passthrough_add(struct vm *vm, gpa_t slot_gpa, unsigned irq, bool *out_has_vf);
void vm_passthrough_remove(struct vm *vm);
void vm_passthrough_reset(struct vm *vm);
void vm_passthrough_stats_foreach(const struct vm *vm, stat_fn fn, void *ctx);
uint64_t vm_passthrough_cycles(const struct vm *vm);
int64_t vm_passthrough_set_fs(struct vm *vm, uint64_t mode, uint64_t root_gpa);

/*
 * vm/run.c: wait as wfi does: return at once when an interrupt is pending
 * (mip & mie), else let virtual time jump to the next armed timer; with
 * none armed, stop the VM (nothing could wake it).
 */
void vm_vcpu_wait_for_interrupt(struct vm *vm, struct vcpu *vcpu);

#endif
