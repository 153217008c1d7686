/*
 * vm/host.c - the host: one physical CPU, host memory, and the VMs that run
 * on them. Several VMs (--vm, repeated) take turns on the one physical CPU,
 * round-robin, --slice guest instructions per turn; a VM that stops (passes,
 * fails, or is stopped by vmlab) leaves the rotation, and the run ends when
 * every VM has stopped.
 * Course: 处理器虚拟化 / VCPU调度 (vCPUs multiplexed on a physical CPU);
 *         内存虚拟化 / 三种地址 (every VM's RAM is frames of one host memory:
 *         only the translations keep the VMs apart) and TLB with VMID tags
 *         (no flush on a VM switch; --vmid off flushes, as CPUs without
 *         VMIDs/VPIDs must).
 * Spec: Privileged 20211203, §8.2.10 "Hypervisor Guest Address Translation
 *       and Protection Register (hgatp)" (VMID: translations of several VMs
 *       may live in the TLB at once), §8.3.2 "HFENCE.VVMA and HFENCE.GVMA".
 *
 *   host_run:  vm0 turn | switch | vm1 turn | switch | vm0 turn | ...
 *   switch:    mmu_activate(incoming)  - the TLB answers with its VMID,
 *                                         its fast path starts empty
 *              --vmid off: flush the whole TLB (incoming VM's tlb.flushes)
 *
 * The VMs are deterministic and independent: each has its own virtual
 * clock, advanced by its own retired instructions, so a VM's counters other
 * than the TLB's do not depend on the others.
 * Simplified: one physical CPU (--pcpus 1); stdin feeds vm0 only; the
 * monitor debugs vm0; --trace lines of several VMs share one stream.
 */
#include "vm/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vm/console.h"

/* Host memory per VM beyond its RAM: the VMM's own frames (ROM, stage-2 tables). */
#define HOSTMEM_SLACK ((uint64_t)16 << 20)

static unsigned host_vm_count(const struct vm_config *cfg)
{
    return cfg->nvms ? cfg->nvms : 1;
}

/* VM index's own config: the global options, then its --vm spec. */
static void host_vm_config(const struct vm_config *cfg, unsigned index, struct vm_config *out)
{
    *out = *cfg;
    if (cfg->io_mode == IO_PASSTHROUGH) {
        out->ndisks = 0; /* the --disk is the host's physical device: the VM gets a VF of it */
    }
    if (cfg->nvms == 0) {
        return;
    }
    const struct vm_spec *spec = &cfg->vms[index];
    out->image = spec->kernel ? NULL : spec->image;
    out->bios = spec->kernel ? spec->image : NULL;
    out->kernel = spec->kernel;
    if (spec->ram_size) {
        out->ram_size = spec->ram_size;
    }
    out->ndisks = spec->disk.path ? 1 : 0; /* disk=FILE: this VM's only disk */
    if (spec->disk.path) {
        out->disks[0] = spec->disk;
    }
}

static int host_open_outputs(struct host *host)
{
    const struct vm_config *cfg = &host->cfg;
    if (cfg->trace_path) {
        host->trace_out = fopen(cfg->trace_path, "w");
        if (!host->trace_out) {
            fprintf(stderr, "vmlab: --trace-file %s: cannot write: %s\n", cfg->trace_path,
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Host memory for every VM's RAM plus each one's slack, and the physical CPU's TLB. */
static int host_reserve(struct host *host)
{
    uint64_t bytes = 0;
    for (unsigned i = 0; i < host->nvms; i++) {
        struct vm_config vcfg;
        host_vm_config(&host->cfg, i, &vcfg);
        bytes += vcfg.ram_size + HOSTMEM_SLACK;
        if (host->cfg.io_mode == IO_PASSTHROUGH) {
            bytes += vcfg.ram_size / 512 + ((uint64_t)64 << 10); /* the IOMMU's stage 2 */
        }
    }
    if (host->cfg.mmu_mode == MMU_NESTED && host->cfg.s2_leaf_level == 2) {
        /* 1 GiB stage-2 leaves: each VM's RAM may skip up to 1 GiB to align its runs (the
         * first VM's too when its RAM is taken on first touch, after the ROM and tables) */
        bytes += (uint64_t)(host->nvms - (host->cfg.prealloc ? 1 : 0)) << 30;
    }
    host->hostmem = hostmem_create(bytes);
    if (!host->hostmem) {
        fprintf(stderr, "vmlab: cannot reserve %" PRIu64 " MiB of host memory: try a smaller -m\n",
                bytes >> 20);
        return -1;
    }
    host->tlb = mmu_tlb_create(host->cfg.tlb_entries, host->cfg.tlb_ways);
    if (!host->tlb) {
        fprintf(stderr, "vmlab: out of host memory for the TLB model\n");
        return -1;
    }
    return 0;
}

struct host *host_create(const struct vm_config *cfg)
{
    struct host *host = calloc(1, sizeof(*host));
    if (!host) {
        fprintf(stderr, "vmlab: out of host memory\n");
        return NULL;
    }
    host->cfg = *cfg;
    host->nvms = host_vm_count(cfg);
    if (host_reserve(host) != 0 || host_open_outputs(host) != 0 ||
        host_passthrough_create(host) != 0) {
        goto fail;
    }
    for (unsigned i = 0; i < host->nvms; i++) {
        struct vm_config vcfg;
        host_vm_config(cfg, i, &vcfg);
        host->vms[i] = vm_create(host, &vcfg, i);
        if (!host->vms[i]) {
            goto fail;
        }
    }
    /* with --monitor-script -, stdin carries the monitor's commands, not console input */
    bool stdin_is_script = cfg->monitor_script && strcmp(cfg->monitor_script, "-") == 0;
    if (!stdin_is_script) {
        host->console = console_open(!cfg->monitor);
        host->vms[0]->console = host->console;
    }
    return host;
fail:
    host_destroy(host);
    return NULL;
}

void host_destroy(struct host *host)
{
    if (!host) {
        return;
    }
    for (unsigned i = host->nvms; i-- > 0;) {
        vm_destroy(host->vms[i]);
    }
    host_passthrough_destroy(host);
    console_close(host->console);
    if (host->trace_out && host->trace_out != stderr) {
        fclose(host->trace_out);
    }
    mmu_tlb_destroy(host->tlb);
    hostmem_destroy(host->hostmem);
    free(host);
}

void host_request_stop(struct host *host, int status, const char *reason)
{
    for (unsigned i = 0; i < host->nvms; i++) {
        vm_request_stop(host->vms[i], status, reason);
    }
}

/* ------------------------------------------------------------ the pCPU */

/* Put vm on the physical CPU: a VM switch when another one ran before. */
static void host_switch_to(struct host *host, struct vm *vm)
{
    struct mmu *mmu = vm->vcpu.mmu;
    if (host->running == vm) {
        return;
    }
    bool is_switch = host->running != NULL;
    host->running = vm;
    mmu_activate(mmu);
    if (is_switch) {
        host->switches++;
        if (!host->cfg.vmid_tags) {
            mmu_tlb_flush_all(mmu); /* no VMIDs: nothing of the last VM may stay */
        }
    }
}

/* The next VM still running, from index *next on, round-robin; NULL when all stopped. */
static struct vm *host_next_runnable(const struct host *host, unsigned *next)
{
    for (unsigned k = 0; k < host->nvms; k++) {
        unsigned index = (*next + k) % host->nvms;
        if (!host->vms[index]->stop) {
            *next = (index + 1) % host->nvms;
            return host->vms[index];
        }
    }
    return NULL;
}

/* Every VM passed: 0; vmlab stopped any: 3; else any failed: 1. */
static int host_exit_status(const struct host *host)
{
    int status = VMLAB_EXIT_PASS;
    for (unsigned i = 0; i < host->nvms; i++) {
        int s = host->vms[i]->exit_status;
        if (s == VMLAB_EXIT_STOPPED || (s != VMLAB_EXIT_PASS && status == VMLAB_EXIT_PASS)) {
            status = s;
        }
    }
    return status;
}

int host_run(struct host *host)
{
    uint64_t now = vm_host_ns();
    unsigned next = 0;
    struct vm *vm;

    for (unsigned i = 0; i < host->nvms; i++) {
        host->vms[i]->start_ns = now;
    }
    if (host->nvms == 1) {
        host_switch_to(host, host->vms[0]);
        vm_run_turn(host->vms[0], UINT64_MAX); /* one VM: the run loop alone, as ever */
        return host->vms[0]->exit_status;
    }
    while ((vm = host_next_runnable(host, &next)) != NULL) {
        host_switch_to(host, vm);
        vm_run_turn(vm, host->cfg.slice);
        if (vm->index != 0) {
            console_service(host->vms[0]); /* typed input and Ctrl-A x, whoever runs */
        }
    }
    return host_exit_status(host);
}

void host_finish(struct host *host)
{
    for (unsigned i = 0; i < host->nvms; i++) {
        vm_finish(host->vms[i]);
    }
    console_close(host->console);
    host->console = NULL;
}

/* ------------------------------------------------------------ queries */

unsigned host_nvms(const struct host *host)
{
    return host->nvms;
}

struct vm *host_vm(struct host *host, unsigned index)
{
    return index < host->nvms ? host->vms[index] : NULL;
}

struct host *vm_host(struct vm *vm)
{
    return vm->host;
}

void host_print_stop_reasons(const struct host *host, FILE *out)
{
    if (host->nvms == 1) {
        fprintf(out, "vmlab: %s\n", vm_stop_reason(host->vms[0]));
        return;
    }
    for (unsigned i = 0; i < host->nvms; i++) {
        fprintf(out, "vmlab: vm%u: %s\n", i, vm_stop_reason(host->vms[i]));
    }
}

static const char *mmu_mode_name(enum mmu_mode mode)
{
    switch (mode) {
    case MMU_NATIVE:
        return "native";
    case MMU_NESTED:
        return "nested";
    case MMU_DIRECT:
        return "direct";
    case MMU_SHADOW:
        return "shadow";
    }
    return "?";
}

static const char *vm_state_name(const struct vm *vm)
{
    if (!vm->stop) {
        return vm == vm->host->running ? "running" : "runnable";
    }
    switch (vm->exit_status) {
    case VMLAB_EXIT_PASS:
        return "passed";
    case VMLAB_EXIT_FAIL:
        return "failed";
    default:
        return "stopped";
    }
}

void host_print_vms(const struct host *host, FILE *out)
{
    for (unsigned i = 0; i < host->nvms; i++) {
        const struct vm *vm = host->vms[i];
        const struct vm_config *cfg = &vm->cfg;
        bool has_input = host->nvms > 1 && host->console && console_input_vm(host->console) == i;
        fprintf(out, "vm%u  %s%s%s  %" PRIu64 " MiB  --mmu %s  %s  insns %" PRIu64 "%s\n", i,
                cfg->bios ? cfg->bios : cfg->image, cfg->kernel ? " kernel=" : "",
                cfg->kernel ? cfg->kernel : "", cfg->ram_size >> 20, mmu_mode_name(cfg->mmu_mode),
                vm_state_name(vm), vm->vcpu.hart.insns, has_input ? "  console input" : "");
    }
}
