/*
 * vm/vm.h - the VM and vCPU objects, the launch configuration and the run
 * loop's entry points.
 * Course: 处理器虚拟化 / VM和VCPU: a VM is its static part (memory, devices)
 *         plus its dynamic part (the vCPUs); QEMU/KVM's CREATE_VM, CREATE_VCPU
 *         and the KVM_RUN loop.
 */
#ifndef VMLAB_VM_VM_H
#define VMLAB_VM_VM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu/cpu.h"
#include "io/disk.h"
#include "io/io.h"
#include "mmu/mmu.h"

/* Exit statuses of the vmlab process (DESIGN.md "The user's surfaces"). */
enum vmlab_status {
    VMLAB_EXIT_PASS = 0,    /* the guest reported success (or just powered off) */
    VMLAB_EXIT_FAIL = 1,    /* the guest reported failure */
    VMLAB_EXIT_USAGE = 2,   /* bad flags, bad files, setup errors */
    VMLAB_EXIT_STOPPED = 3, /* the VMM had to stop the guest */
};

enum trace_flags {
    TRACE_INSNS = 1u << 0,
    TRACE_EXITS = 1u << 1,
    TRACE_WALKS = 1u << 2, /* one line per counted page-table walk */
    TRACE_IO = 1u << 3,    /* one line per block-device register access and request */
};

/* --io: how the guest's disk is presented (DESIGN.md "Techniques"); --io's order. */
enum io_mode {
    IO_EMULATED,    /* vmlab's register-level controller, io/eblk.c: every access exits */
    IO_VIRTIO,      /* virtio-mmio block device served by the VMM (the default) */
    IO_PASSTHROUGH, /* a VF of the simulated SR-IOV device, DMA through the IOMMU */
};

/* Several VMs on one physical CPU (--vm, repeated): VMIDs 1..VM_MAX. */
#define VM_MAX 8

/* Disks per VM (--disk, repeated; opened by vm_create, no device uses them yet). */
#define VM_DISK_MAX 8

/* One --disk FILE[,ro][,snapshot][,slot=N] (or --vm ...,disk=FILE[,ro][,snapshot]). */
struct vm_disk_spec {
    const char *path;
    struct disk_options opt;
    bool slot_given; /* slot=N: its virtio-mmio slot is N (0..7), as QEMU's bus=virtio-mmio-bus.N */
    unsigned slot;
};

/* One --vm IMAGE[,m=SIZE][,kernel=F][,disk=FILE[,ro][,snapshot]]: what differs between the
 * VMs of one run. */
struct vm_spec {
    const char *image;  /* IMAGE: the guest, or its firmware when kernel= is given */
    const char *kernel; /* kernel=F: as --bios IMAGE --kernel F; NULL otherwise */
    uint64_t ram_size;  /* m=SIZE; 0: -m's */
    /* disk=FILE[,ro][,snapshot]: this VM's one disk; path NULL: none */
    struct vm_disk_spec disk;
};

struct vm_config {
    const char *image;      /* positional IMAGE */
    const char *bios;       /* --bios none|FILE, NULL when not given (or vmm) */
    bool cpu_hw;            /* --cpu hw: the H-extension hart (cpu/hw.c) */
    const char *kernel;     /* --kernel FILE */
    const char *initrd;     /* --initrd FILE */
    const char *append;     /* --append ARGS */
    uint64_t ram_size;      /* -m */
    const char *stats_path; /* --stats FILE|- */
    uint64_t max_insns;     /* --max-insns, 0 = none */
    double timeout_s;       /* --timeout, 0 = none */
    unsigned trace;         /* TRACE_* */
    const char *trace_path; /* --trace-file */
    bool fastpath;          /* false with --no-fastpath */
    unsigned tlb_entries, tlb_ways;
    bool clock_host;            /* --clock host */
    bool no_reboot;             /* --no-reboot */
    bool quiet;                 /* --quiet: no end-of-run summary */
    bool monitor;               /* --monitor */
    const char *monitor_script; /* --monitor-script FILE|- */
    uint64_t slice;             /* instructions per scheduling slice */
    enum mmu_mode mmu_mode;     /* --mmu */
    unsigned s2_levels;         /* --s2-mode: 3 sv39x4, 4 sv48x4 */
    unsigned s2_leaf_level;     /* --s2-page: 0 4k, 1 2m, 2 1g */
    bool prealloc;              /* --prealloc: stage 2 mapped before the guest runs */
    bool pwc;                   /* --pwc on */
    bool vmid_tags;             /* --vmid on */
    unsigned shadow_cache;      /* --shadow-cache N */
    enum io_mode io_mode;       /* --io */
    bool virtio_legacy;         /* --virtio-legacy: the slots speak virtio-mmio version 1 */
    unsigned vfs;               /* --vfs: passthrough VFs (default 1) */
    bool vfs_given;             /* --vfs was on the command line */
    /* --disk, in order */
    struct vm_disk_spec disks[VM_DISK_MAX];
    unsigned ndisks;
    struct vm_spec vms[VM_MAX]; /* --vm, in order: vm0, vm1, ... */
    unsigned nvms;              /* 0: one VM from IMAGE / --bios / --kernel */
};

/*
 * Parse one --vm value "IMAGE[,m=SIZE][,kernel=F][,disk=FILE[,ro][,snapshot]]"
 * into *out, splitting text in place (the pointers in *out point into it).
 * 0, or -1 after printing one line saying what is wrong (exit 2).
 */
int vm_spec_parse(char *text, struct vm_spec *out);

/* Parse argv into cfg. Returns 0, 1 when --help/--version printed (exit 0),
 * or -1 after printing one line saying what is wrong (exit 2). */
int vm_config_parse(struct vm_config *cfg, int argc, char **argv);

/*
 * --io virtio: the virtio-mmio slot of each disk into slot_of[0..ndisks-1]: slot=N where
 * given, then the others in order into the highest free slot (QEMU virt's order: the first
 * disk alone goes to slot 7). 0, or -1 with a line on stderr when two disks ask for one slot.
 */
int vm_disk_slots(const struct vm_disk_spec *disks, unsigned ndisks, unsigned slot_of[]);
void vm_config_usage(FILE *out);
/* Is arg's first name_len characters a vmlab option that takes a value ("-m", "--mmu")? */
bool vm_config_option_takes_value(const char *arg, size_t name_len);

struct vm;
struct sriov;
struct sriov_vf;
struct iommu;

struct vcpu {
    struct hart hart;
    struct mmu *mmu;
    struct vm *vm;
    uint64_t exits[EXIT__COUNT];
    uint64_t exits_total;
};

/*
 * The host (vm/host.c): host memory, the physical CPU with its TLB, and the
 * VMs that run on it round-robin, --slice instructions per turn.
 */
struct host;

/* Build the host and every VM (one, or one per --vm). NULL after printing why (exit 2). */
struct host *host_create(const struct vm_config *cfg);
void host_destroy(struct host *host);
/* Run until every VM has stopped. Returns the process exit status: 0 when
 * every VM passed, 3 when vmlab stopped any, else 1 when any failed. */
int host_run(struct host *host);
/* After the run: restore the terminal, flush the consoles. */
void host_finish(struct host *host);
unsigned host_nvms(const struct host *host);
struct vm *host_vm(struct host *host, unsigned index);
struct host *vm_host(struct vm *vm);
/* Why each VM ended: one line per VM, "vmlab: " first ("vmlab: vmN: " with several). */
void host_print_stop_reasons(const struct host *host, FILE *out);
/* Monitor `info vms`: one line per VM (index, image, RAM, mmu, state, insns; with several
 * VMs "console input" ends the line of the VM typed bytes go to). */
void host_print_vms(const struct host *host, FILE *out);
/* One line saying why this VM's run ended. */
const char *vm_stop_reason(const struct vm *vm);

/* One VM entry: "KVM_RUN" for this vCPU, until a VM exit. */
struct vm_exit vcpu_run(struct vcpu *vcpu);

/* ------------------------------------------------ for the monitor (monitor/) */

/* What the debugger hook tells the run loop. */
enum vm_debug_action {
    VM_DEBUG_CONTINUE,
    VM_DEBUG_STEP, /* run vm_debug_set_step()'s count of instructions, then call back */
    VM_DEBUG_QUIT,
};
typedef enum vm_debug_action (*vm_debug_fn)(void *ctx);

/* Install the monitor: called before the first instruction when stop_at_start,
 * at breakpoints, after steps, and on Ctrl-A c. */
void vm_set_debugger(struct vm *vm, vm_debug_fn fn, void *ctx, bool stop_at_start);
void vm_debug_set_step(struct vm *vm, uint64_t count);
/* Breakpoints at GVAs (the hart stops before executing there). */
int vm_break_add(struct vm *vm, gva_t gva);
bool vm_break_delete(struct vm *vm, unsigned index); /* index from vm_break_list */
void vm_break_clear(struct vm *vm);
unsigned vm_break_list(const struct vm *vm, const gva_t **out);
/*
 * Write watchpoints on guest-PHYSICAL bytes (monitor `watch`, vm/watch.c):
 * the VM stops after a guest store that changed any of [gpa, gpa + len)
 * retires. len 1, 2, 4 or 8; every byte must be RAM. Returns the index
 * (vm_watch_list order) or -EINVAL (len), -EFAULT (not RAM), -ENOSPC.
 */
#define VM_WATCH_MAX 8
struct vm_watch {
    gpa_t gpa;
    unsigned len;
    uint64_t value; /* the bytes as last seen, little-endian */
};
int vm_watch_add(struct vm *vm, gpa_t gpa, unsigned len);
bool vm_watch_delete(struct vm *vm, unsigned index); /* index from vm_watch_list */
void vm_watch_clear(struct vm *vm);
unsigned vm_watch_list(const struct vm *vm, const struct vm_watch **out);
/* Why the VM last stopped for a watchpoint: one per watch a store changed. */
struct vm_watch_hit {
    unsigned index; /* vm_watch_list order */
    gpa_t gpa;
    unsigned len;
    uint64_t old_value, new_value;
    gva_t pc; /* the storing instruction (it has retired) */
};
/* The next hit not yet taken (false: none). The monitor prints them when it is entered. */
bool vm_watch_take_hit(struct vm *vm, struct vm_watch_hit *out);
void vm_set_trace(struct vm *vm, unsigned trace_flags);
unsigned vm_trace_flags(const struct vm *vm);

struct vcpu *vm_vcpu(struct vm *vm);
struct gmem *vm_gmem(struct vm *vm);
/* --io passthrough (`info devices`): the host's SR-IOV device and this VM's VF of it;
 * NULL without passthrough or a --disk. The IOMMU both use: vm_iommu. */
struct sriov *vm_sriov(struct vm *vm);
struct sriov_vf *vm_sriov_vf(struct vm *vm);
struct iommu *vm_iommu(struct vm *vm);
/* Translate a GVA as the hart would now, without touching the TLB or any
 * counter (the VMM's own inspection). 0, or -EFAULT when it would fault. */
int vm_debug_translate(struct vm *vm, gva_t gva, gpa_t *out_gpa);
/* The same, with every access of the walk (monitor `walk`): see mmu_probe. */
void vm_debug_walk(struct vm *vm, gva_t gva, struct xlate_out *out, struct walk_trace *trace);
/* The modelled TLB's entries, set after set (monitor `info tlb`). */
unsigned vm_debug_tlb(const struct vm *vm, const struct tlb_entry **out, unsigned *out_ways);
/* Which tree `pt dump` shows. */
enum vm_pt_kind { VM_PT_GUEST, VM_PT_SHADOW, VM_PT_STAGE2 };
/*
 * Every valid entry of that tree (the guest's for its satp now, the shadow
 * the MMU walks now, the VM's stage-2 table); -1 with *why when there is
 * none (translation off, not --mmu shadow / nested).
 */
int vm_debug_pt_dump(const struct vm *vm, enum vm_pt_kind kind, pt_dump_fn fn, void *ctx,
                     const char **why);

/* Monitor `info devices`: MMIO windows, disks, virtio transports, io counters (vm/ioview.c). */
void vm_print_devices(struct vm *vm, FILE *out);
/* Monitor `vq dump [SLOT|DEVICE] [QUEUE]`: a virtqueue from guest memory, nothing counted.
 * which NULL: the first virtio disk; queue NULL: 0. 0, or -1 after saying why. */
int vm_vq_dump(struct vm *vm, const char *which, const char *queue, FILE *out);

typedef void (*stat_fn)(void *ctx, const char *name, uint64_t value);
/* Every counter of one VM, by DESIGN.md name, in a fixed order. */
void vm_stats_foreach(const struct vm *vm, stat_fn fn, void *ctx);
/* Every counter of the run: one VM's names; with several VMs the totals
 * (sums, maxima for *.max_*) then each VM's as vmN.<name>. */
void host_stats_foreach(const struct host *host, stat_fn fn, void *ctx);

/* Counters: write the flat JSON object and the end-of-run summary. */
void host_stats_write_json(const struct host *host, FILE *out);
void host_stats_print_summary(const struct host *host, FILE *out);

#endif
