/*
 * vm/run.c - the run loop: enter the guest, take the VM exit, handle it,
 * enter again. Read this file first.
 * Course: 案例: QEMU/KVM / QEMU使用KVM的用户态接口:
 *
 *     open("/dev/kvm"); ioctl(KVM_CREATE_VM); ioctl(KVM_CREATE_VCPU);
 *     while (true) {
 *         ioctl(KVM_RUN);
 *         switch (exit_reason) { case KVM_EXIT_IO: ... case KVM_EXIT_MMIO: ... }
 *     }
 *
 * vm_create() is CREATE_VM and CREATE_VCPU; vcpu_run() is KVM_RUN ("VM entry
 * ... until a VM exit"); vm_run_turn() below is the while loop. Every exit is
 * counted as exits.<reason> and costs modelled cycles (vm/stats.c). With
 * several VMs, vm/host.c gives each its turn on the physical CPU.
 */
#include "vm/internal.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "cpu/encoding.h"
#include "io/htif.h"
#include "irq/irq.h"
#include "vm/console.h"
#include "vm/memmap.h"

uint64_t vm_host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void vm_request_stop(struct vm *vm, int status, const char *reason)
{
    if (vm->stop) {
        return; /* the first reason wins */
    }
    vm->stop = true;
    vm->exit_status = status;
    snprintf(vm->stop_reason, sizeof(vm->stop_reason), "%s", reason);
}

/* ------------------------------------------------------------ VM entry */

/* Instructions until the earliest armed timer fires (DESIGN.md "Time"). */
static uint64_t insns_until_timer(const struct vcpu *vcpu)
{
    const struct hart *h = &vcpu->hart;
    const struct vclock *clock = &vcpu->vm->clock;
    uint64_t deadline = clint_next_deadline(vcpu->vm->clint, 0);
    uint64_t stimer = hart_stimecmp_deadline(h);
    if (stimer < deadline) {
        deadline = stimer;
    }
    if (deadline == UINT64_MAX || clock->host) {
        return UINT64_MAX;
    }
    uint64_t now = hart_time_now(h);
    if (deadline <= now) {
        /* passed already: its line is high from this entry on, and whether the hart takes
         * it changes only by a CSR write or a device access - both exits. No limit. */
        return UINT64_MAX;
    }
    /* mtime = offset + skipped + retired / N reaches deadline at
     * retired = (deadline - offset - skipped) * N; deadline > now >= offset + skipped */
    uint64_t target =
        (deadline - clock->mtime_offset - clock->skipped_ticks) * VCLOCK_INSNS_PER_TICK;
    return target > clock->retired ? target - clock->retired : 1;
}

/*
 * The interrupt lines the devices drive into the hart: the CLINT's MTIP and
 * MSIP; the UART's line into PLIC source 10 (when the UART re-signals it), and
 * the PLIC's two contexts of hart 0 into MEIP and SEIP (the hart ORs SEIP with
 * the bit software set).
 */
static void vcpu_update_irq_lines(struct vcpu *vcpu)
{
    struct hart *h = &vcpu->hart;
    struct vm *vm = vcpu->vm;
    uint64_t now = hart_time_now(h);
    hart_set_irq_line(h, IRQ_M_TIMER, clint_mtip(vm->clint, 0, now));
    hart_set_irq_line(h, IRQ_M_SOFT, clint_msip(vm->clint, 0));
    if (uart_irq_signal(vm->uart)) { /* QEMU's gateway for the UART: see plic_signal */
        plic_signal(vm->plic, MEMMAP_UART0_IRQ, uart_irq_level(vm->uart));
    }
    if (vm->cfg.cpu_hw) { /* one context per hart, its S-mode one (as kvmtool's guest sees) */
        hart_set_irq_line(h, IRQ_S_EXT, plic_meip(vm->plic, 0));
    } else {
        hart_set_irq_line(h, IRQ_M_EXT, plic_meip(vm->plic, PLIC_CONTEXT_M(0)));
        hart_set_irq_line(h, IRQ_S_EXT, plic_meip(vm->plic, PLIC_CONTEXT_S(0)));
    }
}

/* "ioctl(KVM_RUN)": enter the guest until the next VM exit. */
struct vm_exit vcpu_run(struct vcpu *vcpu)
{
    struct vm *vm = vcpu->vm;
    struct hart *h = &vcpu->hart;
    struct vm_exit exit;
    uint64_t budget = vm->cfg.slice;
    uint64_t to_timer = insns_until_timer(vcpu);
    uint64_t to_turn_end = vm->turn_end_insns - h->insns; /* > 0: see vm_run_turn */

    if (to_timer < budget) {
        budget = to_timer;
    }
    if (to_turn_end < budget) {
        budget = to_turn_end;
    }
    if (vm->cfg.max_insns) {
        uint64_t left = vm->cfg.max_insns > h->insns ? vm->cfg.max_insns - h->insns : 0;
        if (left < budget) {
            budget = left;
        }
    }
    hart_sync_clock(h); /* instructions the VMM retired itself count as time too */
    vcpu_update_irq_lines(vcpu);
    cpu_run(h, budget, &exit);
    hart_sync_clock(h);
    return exit;
}

/* ------------------------------------------------------- exit handlers */

static void vcpu_count_exit(struct vcpu *vcpu, const struct vm_exit *e)
{
    if (exit_reason_name(e->reason)) {
        vcpu->exits[e->reason]++;
        vcpu->exits_total++;
    }
    if (vcpu->vm->trace_out && (vcpu->vm->cfg.trace & TRACE_EXITS) && exit_reason_name(e->reason)) {
        fprintf(vcpu->vm->trace_out, "exit %-10s pc=0x%016" PRIx64 "\n",
                exit_reason_name(e->reason), vcpu->hart.pc);
    }
}

/*
 * A guest trap: the VMM reflects it into the guest's own vector. A guest
 * whose handler itself traps at once (mtvec pointing at no memory, say)
 * would loop here forever without retiring anything: after
 * TRAP_STORM_LIMIT such traps in a row the VMM stops it and says why.
 */
#define TRAP_STORM_LIMIT 1000

static void vcpu_reflect(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e)
{
    struct hart *h = &vcpu->hart;
    if (h->insns != vm->trap_storm_insns) {
        vm->trap_storm_insns = h->insns;
        vm->trap_storm_count = 0;
    }
    if (++vm->trap_storm_count > TRAP_STORM_LIMIT) {
        char why[160];
        snprintf(why, sizeof(why),
                 "guest is stuck: %d traps in a row without an instruction retiring "
                 "(cause %" PRIu64 ", tval 0x%" PRIx64 ", at pc 0x%" PRIx64 ")",
                 TRAP_STORM_LIMIT, e->trap.cause, e->trap.tval, h->pc);
        vm_request_stop(vm, VMLAB_EXIT_STOPPED, why);
        return;
    }
    cpu_reflect_trap(h, e->trap.cause, e->trap.tval);
}

/*
 * A stage-2 fault (--mmu nested), KVM's EPT violation: the VMM maps the
 * guest's RAM on first touch and the access runs again, or the guest gets
 * an access fault (reflected like any guest trap).
 */
static void vcpu_s2_fault(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e)
{
    struct vm_exit fault = {.reason = EXIT_GUEST_TRAP};
    int r = vm->shadow ? vm_shadow_fault(vm, vcpu, e, &fault.trap.cause)
                       : vm_stage2_fault(vm, e, &fault.trap.cause);

    if (r == 0) {
        return; /* hidden: mapped, the access runs again */
    }
    fault.trap.tval = e->s2.gva;
    vcpu_reflect(vm, vcpu, &fault);
}

/* A device access: find the device, do the access, finish the instruction. */
static void io_dispatch(struct vm *vm, struct vcpu *vcpu, struct vm_exit *e)
{
    struct mmio_access *mmio = &e->mmio;
    struct hart *h = &vcpu->hart;

    if (mmio->is_ram_watch) {
        if (vm->htif && htif_is_tohost(vm->htif, mmio->gpa, mmio->size)) {
            struct htif_result r = htif_service(vm->htif);
            if (r.kind == HTIF_EXIT_PASS) {
                vm_request_stop(vm, VMLAB_EXIT_PASS, "guest passed (HTIF tohost = 1)");
            } else if (r.kind == HTIF_EXIT_FAIL) {
                char why[128];
                if (r.message) {
                    snprintf(why, sizeof(why), "guest stopped: %s", r.message);
                } else {
                    snprintf(why, sizeof(why), "guest reported failure: test %" PRIu64 " failed",
                             r.code);
                }
                vm_request_stop(vm, VMLAB_EXIT_FAIL, why);
            }
        }
        return; /* the store already retired */
    }
    if (mmio_bus_access(vm->bus, mmio->gpa, mmio->size, mmio->is_write, &mmio->data) != 0) {
        /* nothing there that accepts this access: the guest sees an access fault */
        cpu_reflect_trap(h, mmio->is_write ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS, mmio->gva);
        return;
    }
    cpu_complete_mmio(h, mmio);
    if (vm->syscon.request != SYSCON_NONE) {
        enum syscon_request req = vm->syscon.request;
        vm->syscon.request = SYSCON_NONE;
        if (req == SYSCON_POWEROFF_PASS) {
            vm_request_stop(vm, VMLAB_EXIT_PASS, "guest powered off (pass)");
        } else if (req == SYSCON_POWEROFF_FAIL) {
            char why[96];
            snprintf(why, sizeof(why), "guest powered off with failure code %u",
                     vm->syscon.fail_code);
            vm_request_stop(vm, VMLAB_EXIT_FAIL, why);
        } else if (vm->cfg.no_reboot) {
            vm_request_stop(vm, VMLAB_EXIT_PASS, "guest asked for a reboot (--no-reboot)");
        } else {
            vm_reset(vm);
        }
    }
}

/*
 * WFI: the lecture's "WFI指令VM Exit的处理流程". Retire the wfi, then, if no
 * interrupt is pending, let virtual time jump to the next armed timer (the
 * host would deschedule the vCPU thread until then). With no timer armed
 * only console input can wake it (the UART's interrupt through the PLIC):
 * the VMM blocks on host input; with no more input to come: stop.
 */
static void vm_pace(struct vm *vm);
static void vm_check_limits(struct vm *vm);

/*
 * WFI with no timer armed: wait for host input (DESIGN.md "Time": "with no
 * timer armed, the VMM blocks on host input"). Returns when an interrupt is
 * pending, when a byte reached the UART (the wfi may end early, as the spec
 * allows), or when the VM is stopped or wanted by the monitor. Stops the VM
 * when nothing can come: no console, input at its end or the UART full.
 * With several VMs one VM must not hold the physical CPU: it stops as before.
 */
static void vcpu_wait_input(struct vm *vm, struct vcpu *vcpu)
{
    const char *why = "guest waits in WFI with no timer armed: nothing can wake it";
    for (;;) {
        uint64_t rx_bytes = uart_stats(vm->uart)->rx_bytes;
        console_service(vm); /* typed bytes into the UART's receive FIFO */
        vcpu_update_irq_lines(vcpu);
        if (vm->stop || vm->debug_requested || hart_irq_pending(&vcpu->hart) ||
            uart_stats(vm->uart)->rx_bytes != rx_bytes) {
            return;
        }
        if (!vm->console || vm->host->nvms > 1 || console_at_eof(vm->console) ||
            !uart_rx_has_room(vm->uart)) {
            vm_request_stop(vm, VMLAB_EXIT_STOPPED, why);
            return;
        }
        console_wait(vm->console, 100);
        vm_check_limits(vm); /* --timeout still applies */
    }
}

static void vcpu_block(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e)
{
    cpu_emulate_priv(&vcpu->hart, e);
    vm_vcpu_wait_for_interrupt(vm, vcpu);
}

/* What a wfi waits for (also the VMM's SBI: a retentive hart_suspend). */
void vm_vcpu_wait_for_interrupt(struct vm *vm, struct vcpu *vcpu)
{
    struct hart *h = &vcpu->hart;
    vcpu_update_irq_lines(vcpu);
    if (hart_irq_pending(h)) {
        return;
    }
    uint64_t deadline = clint_next_deadline(vm->clint, 0);
    uint64_t stimer = hart_stimecmp_deadline(h);
    if (stimer < deadline) {
        deadline = stimer;
    }
    if (deadline == UINT64_MAX) {
        vcpu_wait_input(vm, vcpu);
        return;
    }
    uint64_t now = hart_time_now(h);
    if (deadline > now && !vm->clock.host) {
        vm->clock.skipped_ticks += deadline - now;
        vm->wfi_jumps++;
        vm_pace(vm); /* on a terminal, the jump happens in wall time too */
    }
    vcpu_update_irq_lines(vcpu);
}

/*
 * --cpu hw, a virtual-instruction exit (cause 22): the guest touched an H or
 * VS CSR, or ran sret/sfence.vma/wfi in VU-mode, or - with hstatus.VTVM,
 * which the VMM sets under --mmu shadow and direct - wrote satp or fenced.
 * Those last two the VMM emulates, as trap-and-emulate does (and follows the
 * new satp); anything else the guest's kernel gets as an illegal
 * instruction, as KVM redirects it.
 */
#define INSN_SFENCE_VMA_MASK 0xfe007fffu
#define INSN_SFENCE_VMA      0x12000073u

static void vcpu_virtual_insn(struct vm *vm, struct vcpu *vcpu, const struct vm_exit *e)
{
    struct hart *h = &vcpu->hart;
    uint32_t raw = e->priv.insn;
    bool is_csr = (raw & 0x7f) == 0x73 && ((raw >> 12) & 3) != 0;
    bool is_satp = is_csr && (raw >> 20) == CSR_SATP;
    bool is_sfence = (raw & INSN_SFENCE_VMA_MASK) == INSN_SFENCE_VMA;

    if ((h->hs.hstatus & HSTATUS_VTVM) && h->priv == PRV_S && (is_satp || is_sfence)) {
        vm_priv_insn(vm, vcpu, e);
        return;
    }
    cpu_reflect_trap(h, CAUSE_ILLEGAL_INSTRUCTION, raw);
}

/* --max-insns and --timeout: a runaway guest is stopped with exit 3. */
static void vm_check_limits(struct vm *vm)
{
    const struct vcpu *vcpu = &vm->vcpu;
    if (vm->cfg.max_insns && vcpu->hart.insns >= vm->cfg.max_insns) {
        char why[96];
        snprintf(why, sizeof(why), "stopped after --max-insns %" PRIu64 " instructions",
                 vm->cfg.max_insns);
        vm_request_stop(vm, VMLAB_EXIT_STOPPED, why);
        return;
    }
    if (vm->cfg.timeout_s > 0 && (double)(vm_host_ns() - vm->start_ns) / 1e9 >= vm->cfg.timeout_s) {
        char why[96];
        snprintf(why, sizeof(why), "stopped by --timeout %g s", vm->cfg.timeout_s);
        vm_request_stop(vm, VMLAB_EXIT_STOPPED, why);
    }
}

/*
 * DESIGN.md "Time": when a person is typing at a terminal, virtual time
 * never runs ahead of wall time - the VMM sleeps instead (QEMU's
 * -icount sleep=on). Counters do not change; only the wall clock does.
 * Woken early by typed input.
 */
static void vm_pace(struct vm *vm)
{
    if (!vm->console || !console_is_tty(vm->console) || vm->clock.host) {
        return;
    }
    uint64_t virtual_ns = hart_time_now(&vm->vcpu.hart) * (1000000000ull / VCLOCK_HZ);
    uint64_t wall_ns = vm_host_ns() - vm->start_ns;
    while (virtual_ns > wall_ns + 1000000 && !vm->stop) {
        uint64_t ahead_ms = (virtual_ns - wall_ns) / 1000000;
        if (console_wait(vm->console, ahead_ms > 100 ? 100 : (int)ahead_ms)) {
            console_service(vm);
        }
        vm_check_limits(vm);
        wall_ns = vm_host_ns() - vm->start_ns;
    }
}

/* Between slices: the host side of the machine (console input, pacing); the
 * loop checks the limits after every exit. */
static void vm_tick(struct vm *vm)
{
    console_service(vm);
    vm_pace(vm);
}

/*
 * The monitor gets the hart before the first instruction (--monitor), at a
 * breakpoint, when a step is done, and on Ctrl-A c.
 */
static void vm_debug_stop(struct vm *vm)
{
    struct hart *h = &vm->vcpu.hart;
    h->single_step = false;
    vm->step_target = 0;
    vm->debug_requested = false;
    if (!vm->debug_fn) {
        return;
    }
    console_suspend_raw(vm->console);
    enum vm_debug_action action = vm->debug_fn(vm->debug_ctx);
    console_resume_raw(vm->console);
    if (action == VM_DEBUG_QUIT) {
        host_request_stop(vm->host, VMLAB_EXIT_STOPPED, "stopped from the monitor (quit)");
    } else if (hart_at_breakpoint(&vm->vcpu.hart)) {
        vm->resume_past_break = true; /* continue or step: not stopping at this pc again */
    }
}

/* Does the monitor want the hart now? watch_hit: a watched value changed (vm/watch.c). */
static bool vm_debug_due(struct vm *vm, const struct vm_exit *e, bool watch_hit)
{
    if (vm->debug_requested || watch_hit) {
        return true; /* as gdb, a watchpoint also ends `step N` early */
    }
    if (vm->step_target) {
        /* as gdb's stepi N: a breakpoint on the way ends the steps early */
        return vm->vcpu.hart.insns >= vm->step_target ||
               (e->reason == EXIT_DEBUG && hart_at_breakpoint(&vm->vcpu.hart));
    }
    return e->reason == EXIT_DEBUG && !e->mmio.is_ram_watch; /* a watch exit stops on a change */
}

/* Entering at a breakpoint we just stopped at: run one instruction without it. */
static struct vm_exit vcpu_run_debug_aware(struct vm *vm, struct vcpu *vcpu)
{
    struct hart *h = &vcpu->hart;
    if (!vm->resume_past_break) {
        return vcpu_run(vcpu);
    }
    vm->resume_past_break = false;
    unsigned saved = h->n_breakpoints;
    bool stepping = h->single_step; /* the user's `step N` goes on after this one */
    uint64_t insns = h->insns;
    h->n_breakpoints = 0;
    h->single_step = true;
    struct vm_exit e = vcpu_run(vcpu);
    h->single_step = stepping;
    h->n_breakpoints = saved;
    if (e.reason == EXIT_DEBUG && !e.mmio.is_ram_watch && h->insns > insns) {
        e.reason = EXIT_NONE; /* the step was ours, not the user's */
    }
    return e;
}

/* ------------------------------------------------------------ the loop */

static void vm_halt(struct vm *vm)
{
    vm_request_stop(vm, VMLAB_EXIT_PASS, "guest halted");
}

/* Reasons of techniques this version does not have: a vmlab bug if seen. */
static void vm_unexpected_exit(struct vm *vm, const struct vm_exit *e)
{
    char why[96];
    snprintf(why, sizeof(why), "internal error: unexpected exit reason %d", (int)e->reason);
    vm_request_stop(vm, VMLAB_EXIT_STOPPED, why);
}

void vm_run_turn(struct vm *vm, uint64_t turn)
{
    struct vcpu *vcpu = &vm->vcpu;
    uint64_t insns = vcpu->hart.insns;
    vm->turn_end_insns = turn > UINT64_MAX - insns ? UINT64_MAX : insns + turn;
    if (!vm->started) {
        vm->started = true;
        if (vm->debug_fn && vm->debug_stop_at_start) {
            vm_debug_stop(vm);
        }
    }

    while (!vm->stop && vcpu->hart.insns < vm->turn_end_insns) {
        struct vm_exit e = vcpu_run_debug_aware(vm, vcpu); /* VM entry ... until a VM exit */
        vcpu_count_exit(vcpu, &e);
        struct trace_mark mark = vm_trace_mark(vcpu); /* what the VMM retires is traced too */
        bool watch_hit = vm_watch_before_exit(vm, &e);
        /* one line per exit reason, as DESIGN.md's loop reads */
        /* clang-format off */
        switch (e.reason) {
        case EXIT_MMIO:       io_dispatch(vm, vcpu, &e);          break;
        case EXIT_PRIV_INSN:  vm_priv_insn(vm, vcpu, &e);         break;
        case EXIT_GUEST_TRAP: vcpu_reflect(vm, vcpu, &e);         break;
        case EXIT_WFI:        vcpu_block(vm, vcpu, &e);           break;
        case EXIT_NONE:       /* the slice ended: see vm_tick */  break;
        case EXIT_DEBUG:      /* see vm_debug_due */              break;
        case EXIT_HALT:       vm_halt(vm);                        break;
        case EXIT_S2_FAULT:   vcpu_s2_fault(vm, vcpu, &e);        break;
        case EXIT_HYPERCALL:  vm_hypercall(vm, vcpu, &e);         break;
        case EXIT_PT_WRITE:   vm_pt_write(vm, vcpu, &e);          break;
        case EXIT_VIRTUAL_INSN: vcpu_virtual_insn(vm, vcpu, &e);  break;
        case EXIT__COUNT:     vm_unexpected_exit(vm, &e);         break;
        }
        /* clang-format on */
        watch_hit = vm_watch_after_exit(vm, &e, mark.pc) || watch_hit;
        vm_shadow_follow_satp(vm, vcpu); /* --mmu shadow: a satp write switches shadow roots */
        vm_trace_vmm_retired(vm, &mark, &e);
        /* a slice ended, or a guest that exits all the time (polling the UART) ran one */
        if (e.reason == EXIT_NONE || vcpu->hart.insns >= vm->next_tick_insns) {
            vm_tick(vm);
            vm->next_tick_insns = vcpu->hart.insns + vm->cfg.slice;
        }
        vm_check_limits(vm);
        if (!vm->stop && vm_debug_due(vm, &e, watch_hit)) {
            vm_debug_stop(vm);
        }
    }
}
