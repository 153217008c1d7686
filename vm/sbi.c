/*
 * vm/sbi.c - the VMM as the guest's SBI firmware (--bios vmm, the default
 * when only --kernel is given): the S-mode payload starts with no guest
 * M-mode code at all, and every S-mode `ecall` exits to the VMM
 * (exits.hypercall), which answers it here - as KVM answers a guest's SBI
 * calls in the host kernel (arch/riscv/kvm/vcpu_sbi*.c) and kvmtool sets the
 * vCPU's registers before KVM_RUN instead of running a boot ROM.
 * Course: 处理器虚拟化 / 半虚拟化 (hypercall: the guest kernel calls the
 *         VMM instead of firmware), 案例: QEMU/KVM (KVM_RUN returns to the
 *         VMM on an exit the VMM must answer); 中断虚拟化 / 时钟中断 (the
 *         S-mode timer the VMM arms for the guest).
 * Spec: RISC-V SBI v2.0: §3 "Binary Encoding", §4 "Base Extension", §5
 *       "Legacy Extensions", §6 "Timer Extension", §7 "IPI Extension", §8
 *       "RFENCE Extension", §9 "Hart State Management Extension", §10
 *       "System Reset Extension", §12 "Debug Console Extension" (§3.2
 *       "Shared memory physical address range parameter"); Privileged
 *       20211203, §3.1.8 "medeleg/mideleg", §3.1.11 "mcounteren", "Sstc" 1.0.
 *
 * Choices (docs/user-guide.md "Boot"):
 *  - The S timer is Sstc's stimecmp: the VMM sets menvcfg.STCE (as OpenSBI
 *    does on a hart with Sstc), so sbi_set_timer is a write of stimecmp and
 *    mip.STIP is (time >= stimecmp) - a later deadline clears it by itself,
 *    and the run loop already counts stimecmp among the armed timers (its
 *    instruction budget, and WFI's jump of the virtual clock).
 *  - IPI: hart 0 is the only hart; a send to it sets mip.SSIP.
 *  - RFENCE: fence.i needs nothing (the interpreter sees code writes); the
 *    sfence.vma forms flush the modelled TLB as sfence.vma would, a range of
 *    more than SBI_RFENCE_PAGES_MAX pages as a whole flush (as Linux does).
 *  - HSM: hart_stop of the only hart ends the run (exit 0, nothing could
 *    start it again); a retentive suspend waits like wfi; a non-retentive
 *    one waits, then resumes at resume_addr in S-mode with satp = 0,
 *    sstatus.SIE = 0, a0 = hartid, a1 = opaque.
 *  - SRST: shutdown ends the run (exit 0; reason "system failure": exit 1),
 *    a cold or warm reboot resets the VM (--no-reboot: the run ends).
 *  - DBCN: the range must lie in guest RAM (else SBI_ERR_INVALID_PARAM, v2.0's
 *    code); a read may not write a page table pinned under --mmu direct or
 *    write-protected by --mmu shadow (refused the same way); a write moves at
 *    most SBI_DBCN_CHUNK bytes per call, a read 256 (partial is allowed).
 *    Input comes from the UART's receive FIFO, where the console puts what
 *    is typed: the SBI console and the UART share one terminal.
 * Simplified: one hart; no PMU, SUSP, CPPC, NACL or STA extensions.
 */
#include "vm/internal.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/encoding.h"
#include "vm/memmap.h"
#include "vm/sbi_abi.h"

#define SBI_DBCN_CHUNK       4096u /* bytes one console_write or console_read moves at most */
#define SBI_RFENCE_PAGES_MAX 64u   /* a longer sfence range flushes everything */

/*
 * The exceptions the guest's S-mode gets without the VMM's help: all that
 * S-mode can take (an S-mode ecall is the SBI call itself, an M-mode ecall
 * cannot happen). Reflected by the VMM under --cpu trap, as KVM redirects
 * what hedeleg does not delegate.
 */
#define SBI_MEDELEG                                                                                \
    ((1ull << CAUSE_MISALIGNED_FETCH) | (1ull << CAUSE_FETCH_ACCESS) |                             \
     (1ull << CAUSE_ILLEGAL_INSTRUCTION) | (1ull << CAUSE_BREAKPOINT) |                            \
     (1ull << CAUSE_MISALIGNED_LOAD) | (1ull << CAUSE_LOAD_ACCESS) |                               \
     (1ull << CAUSE_MISALIGNED_STORE) | (1ull << CAUSE_STORE_ACCESS) |                             \
     (1ull << CAUSE_USER_ECALL) | (1ull << CAUSE_FETCH_PAGE_FAULT) |                               \
     (1ull << CAUSE_LOAD_PAGE_FAULT) | (1ull << CAUSE_STORE_PAGE_FAULT))
#define SBI_MIDELEG (MIP_SSIP | MIP_STIP | MIP_SEIP)

/* The extensions, in counter order: sbi.<name>. */
enum sbi_ext {
    SBI_X_BASE,
    SBI_X_TIME,
    SBI_X_IPI,
    SBI_X_RFENCE,
    SBI_X_HSM,
    SBI_X_SRST,
    SBI_X_DBCN,
    SBI_X_LEGACY,
    SBI_X_UNKNOWN, /* an extension the VMM does not have */
    SBI_X__COUNT
};

static const char *const sbi_ext_counter[SBI_X__COUNT] = {
    [SBI_X_BASE] = "sbi.base",     [SBI_X_TIME] = "sbi.time",     [SBI_X_IPI] = "sbi.ipi",
    [SBI_X_RFENCE] = "sbi.rfence", [SBI_X_HSM] = "sbi.hsm",       [SBI_X_SRST] = "sbi.srst",
    [SBI_X_DBCN] = "sbi.dbcn",     [SBI_X_LEGACY] = "sbi.legacy", [SBI_X_UNKNOWN] = "sbi.unknown",
};

struct vm_sbi {
    uint64_t calls;
    uint64_t ext[SBI_X__COUNT];
    uint64_t console_bytes; /* written to the console by DBCN and the legacy putchar */
};

/* What one call gives the guest. */
struct sbi_ret {
    int64_t error;
    uint64_t value;
    bool is_legacy; /* §5: only a0 is written (a1 keeps its value) */
    bool is_done;   /* the VMM moved the hart itself (reset, resume): do not complete */
};

static struct sbi_ret sbi_ok(uint64_t value)
{
    return (struct sbi_ret){.error = SBI_SUCCESS, .value = value};
}

static struct sbi_ret sbi_err(int64_t error)
{
    return (struct sbi_ret){.error = error};
}

/* ------------------------------------------------------------- setup */

bool vm_config_wants_sbi(const struct vm_config *cfg)
{
    return cfg->bios && strcmp(cfg->bios, "vmm") == 0;
}

int vm_sbi_create(struct vm *vm)
{
    if (!vm_config_wants_sbi(&vm->cfg)) {
        return 0;
    }
    vm->sbi = calloc(1, sizeof(*vm->sbi));
    if (!vm->sbi) {
        fprintf(stderr, "vmlab: out of host memory for the VMM's SBI\n");
        return -1;
    }
    vm->vcpu.hart.ecall_s_exits = true;
    vm_sbi_boot_hart(vm);
    return 0;
}

/*
 * The state OpenSBI leaves a hart in when it jumps to its S-mode payload,
 * written by the VMM (kvmtool's KVM_SET_ONE_REG): traps and S interrupts
 * delegated, the counters readable from S-mode (rdtime without an exit),
 * Sstc on with no deadline, the FPU on (KVM: FS = Initial), satp Bare.
 */
void vm_sbi_boot_hart(struct vm *vm)
{
    struct hart *h = &vm->vcpu.hart;

    if (vm->cfg.cpu_hw) {
        /* --cpu hw: KVM's vCPU, V = 1 in VS-mode (cpu/hw.c), the HS controls it needs */
        hart_start_vs(h, vm->entry_pc, vm->fdt_gpa);
        h->csr.mstatus =
            (h->csr.mstatus & ~MSTATUS_FS) | ((uint64_t)FS_INITIAL << MSTATUS_FS_SHIFT);
        h->ecall_s_exits = true;
        vm_hw_controls(vm);
        return;
    }
    h->csr.medeleg = SBI_MEDELEG;
    h->csr.mideleg = SBI_MIDELEG;
    h->csr.mcounteren = COUNTER_CY | COUNTER_TM | COUNTER_IR;
    h->csr.menvcfg = MENVCFG_STCE;
    h->csr.stimecmp = UINT64_MAX;
    h->csr.mstatus = (h->csr.mstatus & ~MSTATUS_FS) | ((uint64_t)FS_INITIAL << MSTATUS_FS_SHIFT);
    h->csr.satp = 0;
    h->x[10] = h->csr.mhartid;
    h->x[11] = vm->fdt_gpa;
    hart_enter(h, PRV_S, vm->entry_pc);
}

void vm_sbi_destroy(struct vm *vm)
{
    free(vm->sbi);
    vm->sbi = NULL;
}

void vm_sbi_stats_foreach(const struct vm *vm, stat_fn fn, void *ctx)
{
    static const struct vm_sbi none;
    const struct vm_sbi *sbi = vm->sbi ? vm->sbi : &none;

    fn(ctx, "sbi.calls", sbi->calls);
    for (unsigned i = 0; i < SBI_X__COUNT; i++) {
        fn(ctx, sbi_ext_counter[i], sbi->ext[i]);
    }
    fn(ctx, "sbi.console_bytes", sbi->console_bytes);
}

/* ------------------------------------------------- helpers of the calls */

/*
 * §3.1 "Hart list parameter": hart_mask_base = -1 means every hart;
 * otherwise bit i names hart base + i. The only hart is 0: the mask may
 * name it (base 0, bit 0) and nothing else. *out_hits: does it name hart 0?
 */
static bool hart_mask_valid(uint64_t mask, uint64_t base, bool *out_hits)
{
    if (base == UINT64_MAX) {
        *out_hits = true;
        return true;
    }
    *out_hits = base == 0 && (mask & 1);
    return mask == 0 || (base == 0 && mask == 1);
}

/* §3.2: is [lo, lo + len) guest RAM (hi = the upper XLEN bits of the address)? */
static bool range_in_ram(const struct vm *vm, uint64_t len, uint64_t lo, uint64_t hi)
{
    gpa_t base = gmem_ram_base(vm->gmem);
    uint64_t size = gmem_ram_size(vm->gmem);

    return hi == 0 && lo >= base && len <= size && lo - base <= size - len;
}

/*
 * May the VMM store into every page of [gpa, gpa + len) for the guest? Not a
 * table pinned by --mmu direct (S-mode may not write it), nor one the shadow
 * MMU write-protects (its stores must go through vm_pt_write: refused, a
 * simplification).
 */
static bool range_writable(const struct vm *vm, gpa_t gpa, uint64_t len)
{
    for (gpa_t page = gpa & ~(gpa_t)PAGE_MASK; page < gpa + len; page += PAGE_SIZE) {
        struct gpa_info info;
        gmem_lookup(vm->gmem, page, &info);
        if (info.page_flags & (GPAGE_PT_PINNED | GPAGE_SHADOW_PT)) {
            return false;
        }
    }
    return true;
}

static void console_out(struct vm *vm, const uint8_t *bytes, size_t len)
{
    fwrite(bytes, 1, len, vm->out);
    if (memchr(bytes, '\n', len)) {
        fflush(vm->out);
    }
    vm->sbi->console_bytes += len;
}

/*
 * One byte of console input, or -1: the UART's receive FIFO (the console
 * fills it), read through its registers as a driver would (LSR.DR, RBR)
 * unless the guest left LCR.DLAB set (RBR is then the divisor latch).
 */
static int console_in(struct vm *vm)
{
    uint64_t lcr = 0, lsr = 0, rbr = 0;

    if (mmio_bus_access(vm->bus, MEMMAP_UART0_BASE + 3, 1, false, &lcr) != 0 || (lcr & 0x80) ||
        mmio_bus_access(vm->bus, MEMMAP_UART0_BASE + 5, 1, false, &lsr) != 0 || !(lsr & 0x01) ||
        mmio_bus_access(vm->bus, MEMMAP_UART0_BASE + 0, 1, false, &rbr) != 0) {
        return -1;
    }
    return (int)(rbr & 0xff);
}

/* ------------------------------------------------------------ the calls */

static bool sbi_probe(const struct vm *vm, uint64_t eid);

/* §4: Base. */
static struct sbi_ret sbi_base(struct vm *vm, struct hart *h, uint64_t fid)
{
    switch (fid) {
    case SBI_BASE_GET_SPEC_VERSION:
        return sbi_ok(SBI_SPEC_VERSION_2_0);
    case SBI_BASE_GET_IMPL_ID:
        return sbi_ok(SBI_IMPL_ID_VMLAB);
    case SBI_BASE_GET_IMPL_VERSION:
        return sbi_ok(SBI_IMPL_VERSION_VMLAB);
    case SBI_BASE_PROBE_EXTENSION:
        return sbi_ok(sbi_probe(vm, h->x[10]) ? 1 : 0);
    case SBI_BASE_GET_MVENDORID: /* the hart's mvendorid, marchid, mimpid: all 0 */
    case SBI_BASE_GET_MARCHID:
    case SBI_BASE_GET_MIMPID:
        return sbi_ok(0);
    default:
        return sbi_err(SBI_ERR_NOT_SUPPORTED);
    }
}

/* §6: set_timer - the deadline goes to Sstc's stimecmp; STIP follows (time >= it). */
static struct sbi_ret sbi_time(struct vm *vm, struct hart *h, uint64_t fid)
{
    (void)vm;
    if (fid != SBI_TIME_SET_TIMER) {
        return sbi_err(SBI_ERR_NOT_SUPPORTED);
    }
    h->csr.stimecmp = h->x[10];
    return sbi_ok(0);
}

/* §7: send_ipi - a supervisor software interrupt to the harts named. */
static struct sbi_ret sbi_ipi(struct vm *vm, struct hart *h, uint64_t fid)
{
    bool hits = false;

    (void)vm;
    if (fid != SBI_IPI_SEND_IPI) {
        return sbi_err(SBI_ERR_NOT_SUPPORTED);
    }
    if (!hart_mask_valid(h->x[10], h->x[11], &hits)) {
        return sbi_err(SBI_ERR_INVALID_PARAM);
    }
    if (hits) {
        hart_set_irq_line(h, IRQ_S_SOFT, true);
    }
    return sbi_ok(0);
}

/* The sfence.vma an RFENCE asks of hart 0: [start, start + size) in one ASID or all. */
static int64_t rfence_sfence(struct hart *h, uint64_t start, uint64_t size, bool all_asid,
                             uint16_t asid)
{
    bool all_va = (start == 0 && size == 0) || size == UINT64_MAX;

    if (!all_va && start + size < start) {
        return SBI_ERR_INVALID_ADDRESS; /* the range wraps */
    }
    if (all_va || size / PAGE_SIZE >= SBI_RFENCE_PAGES_MAX) {
        mmu_sfence(h->mmu, true, 0, all_asid, asid);
    } else {
        for (uint64_t gva = start & ~(uint64_t)PAGE_MASK; gva < start + size; gva += PAGE_SIZE) {
            mmu_sfence(h->mmu, false, gva, all_asid, asid);
        }
    }
    if (h->fast) {
        h->fast->fetch.vpn_tag = FAST_INVALID; /* as the emulated sfence.vma does */
    }
    return SBI_SUCCESS;
}

/* §8: remote fences, on the harts the mask names (only hart 0 exists). */
static struct sbi_ret sbi_rfence(struct vm *vm, struct hart *h, uint64_t fid)
{
    bool hits = false;

    (void)vm;
    if (fid > SBI_RFENCE_SFENCE_VMA_ASID) {
        return sbi_err(SBI_ERR_NOT_SUPPORTED); /* the HFENCEs: the guest has no H extension */
    }
    if (!hart_mask_valid(h->x[10], h->x[11], &hits)) {
        return sbi_err(SBI_ERR_INVALID_PARAM);
    }
    if (!hits || fid == SBI_RFENCE_FENCE_I || !h->mmu) {
        return sbi_ok(0); /* fence.i: decoded code already follows every write */
    }
    return sbi_err(rfence_sfence(h, h->x[12], h->x[13], fid == SBI_RFENCE_SFENCE_VMA,
                                 (uint16_t)(h->x[14] & SATP_ASID_MASK)));
}

/* §9.4: suspend. Retentive: the call returns once an interrupt is pending (wfi). */
static struct sbi_ret hsm_suspend(struct vm *vm, struct hart *h)
{
    uint32_t type = (uint32_t)h->x[10];
    uint64_t resume_gpa = h->x[11], opaque = h->x[12];

    if (type == SBI_HSM_SUSPEND_RET_DEFAULT) {
        cpu_complete_hypercall(h, SBI_SUCCESS, 0);
        vm_vcpu_wait_for_interrupt(vm, &vm->vcpu);
        return (struct sbi_ret){.is_done = true};
    }
    if (type != SBI_HSM_SUSPEND_NONRET_DEFAULT) {
        return sbi_err(SBI_ERR_INVALID_PARAM); /* reserved or platform-specific */
    }
    if (!range_in_ram(vm, 4, resume_gpa, 0)) {
        return sbi_err(SBI_ERR_INVALID_ADDRESS);
    }
    cpu_complete_hypercall(h, SBI_SUCCESS, 0); /* retire the ecall, then leave it for good */
    vm_vcpu_wait_for_interrupt(vm, &vm->vcpu);
    h->csr.satp = 0;
    h->csr.mstatus &= ~MSTATUS_SIE;
    h->x[10] = h->csr.mhartid;
    h->x[11] = opaque;
    hart_enter(h, PRV_S, resume_gpa);
    return (struct sbi_ret){.is_done = true};
}

/* §9: hart state management of the one hart, hart 0. */
static struct sbi_ret sbi_hsm(struct vm *vm, struct hart *h, uint64_t fid)
{
    switch (fid) {
    case SBI_HSM_HART_START:
        return sbi_err(h->x[10] == h->csr.mhartid ? SBI_ERR_ALREADY_AVAILABLE
                                                  : SBI_ERR_INVALID_PARAM);
    case SBI_HSM_HART_STOP:
        vm_request_stop(vm, VMLAB_EXIT_PASS,
                        "guest stopped its only hart (SBI HSM hart_stop): nothing can start it");
        return sbi_ok(0);
    case SBI_HSM_HART_GET_STATUS:
        if (h->x[10] != h->csr.mhartid) {
            return sbi_err(SBI_ERR_INVALID_PARAM);
        }
        return sbi_ok(SBI_HSM_STATE_STARTED);
    case SBI_HSM_HART_SUSPEND:
        return hsm_suspend(vm, h);
    default:
        return sbi_err(SBI_ERR_NOT_SUPPORTED);
    }
}

/* A reboot (SRST, or a cold/warm reset type): reset the VM, or end the run with --no-reboot. */
static struct sbi_ret srst_reboot(struct vm *vm, bool is_failure)
{
    if (vm->cfg.no_reboot) {
        vm_request_stop(vm, is_failure ? VMLAB_EXIT_FAIL : VMLAB_EXIT_PASS,
                        is_failure ? "guest asked for a reboot after a system failure "
                                     "(SBI SRST, --no-reboot)"
                                   : "guest asked for a reboot (SBI SRST, --no-reboot)");
        return sbi_ok(0);
    }
    vm_reset(vm); /* back to the boot path: the hart starts the payload again */
    return (struct sbi_ret){.is_done = true};
}

/* §10: system_reset(reset_type, reset_reason), both 32-bit. */
static struct sbi_ret sbi_srst(struct vm *vm, struct hart *h, uint64_t fid)
{
    uint32_t type = (uint32_t)h->x[10];
    uint32_t reason = (uint32_t)h->x[11];
    bool is_failure = reason == SBI_SRST_REASON_SYS_FAILURE;

    if (fid != SBI_SRST_SYSTEM_RESET) {
        return sbi_err(SBI_ERR_NOT_SUPPORTED);
    }
    if (type > SBI_SRST_TYPE_WARM_REBOOT || reason > SBI_SRST_REASON_SYS_FAILURE) {
        return sbi_err(SBI_ERR_INVALID_PARAM); /* reserved, or vendor-specific and absent */
    }
    if (type != SBI_SRST_TYPE_SHUTDOWN) {
        return srst_reboot(vm, is_failure);
    }
    vm_request_stop(vm, is_failure ? VMLAB_EXIT_FAIL : VMLAB_EXIT_PASS,
                    is_failure ? "guest shut down after a system failure (SBI SRST)"
                               : "guest shut down (SBI SRST)");
    return sbi_ok(0);
}

/* §12.1: console_write - bytes from guest RAM to the console. */
static struct sbi_ret dbcn_write(struct vm *vm, uint64_t len, uint64_t lo, uint64_t hi)
{
    uint8_t buf[256];
    uint64_t done = 0;

    if (!range_in_ram(vm, len, lo, hi)) {
        return sbi_err(SBI_ERR_INVALID_PARAM);
    }
    len = len < SBI_DBCN_CHUNK ? len : SBI_DBCN_CHUNK;
    while (done < len) {
        size_t chunk = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
        if (gmem_read(vm->gmem, lo + done, buf, chunk) != 0) {
            return sbi_err(SBI_ERR_FAILED); /* RAM checked above: a vmlab bug if seen */
        }
        console_out(vm, buf, chunk);
        done += chunk;
    }
    return sbi_ok(done);
}

/* §12.2: console_read - what has been typed, into guest RAM, never waiting. */
static struct sbi_ret dbcn_read(struct vm *vm, uint64_t len, uint64_t lo, uint64_t hi)
{
    uint8_t buf[256];
    uint64_t done = 0;
    int byte = 0;

    if (!range_in_ram(vm, len, lo, hi)) {
        return sbi_err(SBI_ERR_INVALID_PARAM);
    }
    len = len < sizeof(buf) ? len : sizeof(buf);
    if (!range_writable(vm, lo, len)) {
        return sbi_err(SBI_ERR_INVALID_PARAM); /* S-mode may not store there itself */
    }
    while (done < len && (byte = console_in(vm)) >= 0) {
        buf[done++] = (uint8_t)byte;
    }
    if (done && gmem_write(vm->gmem, lo, buf, (size_t)done) != 0) {
        return sbi_err(SBI_ERR_FAILED);
    }
    hart_ram_written(&vm->vcpu.hart, lo, done); /* decoded code there is stale now */
    return sbi_ok(done);
}

/* §12: the debug console. */
static struct sbi_ret sbi_dbcn(struct vm *vm, struct hart *h, uint64_t fid)
{
    uint8_t byte = (uint8_t)h->x[10];

    switch (fid) {
    case SBI_DBCN_CONSOLE_WRITE:
        return dbcn_write(vm, h->x[10], h->x[11], h->x[12]);
    case SBI_DBCN_CONSOLE_READ:
        return dbcn_read(vm, h->x[10], h->x[11], h->x[12]);
    case SBI_DBCN_CONSOLE_WRITE_BYTE:
        console_out(vm, &byte, 1);
        return sbi_ok(0);
    default:
        return sbi_err(SBI_ERR_NOT_SUPPORTED);
    }
}

/* §5: the legacy calls, as KVM answers them: a0 only; a1 keeps its value. */
static struct sbi_ret sbi_legacy(struct vm *vm, struct hart *h, uint64_t eid)
{
    uint8_t byte = (uint8_t)h->x[10];
    struct sbi_ret r = {.is_legacy = true};

    switch (eid) {
    case SBI_EXT_LEGACY_PUTCHAR:
        console_out(vm, &byte, 1);
        r.error = 0;
        break;
    case SBI_EXT_LEGACY_GETCHAR:
        r.error = console_in(vm); /* -1 when nothing was typed */
        break;
    default: /* SBI_EXT_LEGACY_SHUTDOWN */
        vm_request_stop(vm, VMLAB_EXIT_PASS, "guest shut down (legacy SBI shutdown)");
        r.error = 0;
        break;
    }
    return r;
}

/* ------------------------------------------------------------ dispatch */

typedef struct sbi_ret (*sbi_ext_fn)(struct vm *vm, struct hart *h, uint64_t fid);

/* §3: the extensions by EID. The legacy ones pass their EID as fid. */
static const struct {
    uint64_t eid;
    enum sbi_ext ext;
    sbi_ext_fn fn;
} sbi_exts[] = {
    {SBI_EXT_BASE, SBI_X_BASE, sbi_base},
    {SBI_EXT_TIME, SBI_X_TIME, sbi_time},
    {SBI_EXT_IPI, SBI_X_IPI, sbi_ipi},
    {SBI_EXT_RFENCE, SBI_X_RFENCE, sbi_rfence},
    {SBI_EXT_HSM, SBI_X_HSM, sbi_hsm},
    {SBI_EXT_SRST, SBI_X_SRST, sbi_srst},
    {SBI_EXT_DBCN, SBI_X_DBCN, sbi_dbcn},
    {SBI_EXT_LEGACY_PUTCHAR, SBI_X_LEGACY, sbi_legacy},
    {SBI_EXT_LEGACY_GETCHAR, SBI_X_LEGACY, sbi_legacy},
    {SBI_EXT_LEGACY_SHUTDOWN, SBI_X_LEGACY, sbi_legacy},
};
#define SBI_NEXTS (sizeof(sbi_exts) / sizeof(sbi_exts[0]))

/* §4.3: an extension exists when the table has it (and the PV one under --mmu direct). */
static bool sbi_probe(const struct vm *vm, uint64_t eid)
{
    for (unsigned i = 0; i < SBI_NEXTS; i++) {
        if (sbi_exts[i].eid == eid) {
            return true;
        }
    }
    return vm->pv && eid == VMLAB_PV_EXT;
}

void vm_sbi_call(struct vm *vm, struct vcpu *vcpu)
{
    struct hart *h = &vcpu->hart;
    uint64_t eid = h->x[17], fid = h->x[16];
    struct sbi_ret r = sbi_err(SBI_ERR_NOT_SUPPORTED);
    enum sbi_ext ext = SBI_X_UNKNOWN;

    for (unsigned i = 0; i < SBI_NEXTS; i++) {
        if (sbi_exts[i].eid == eid) {
            ext = sbi_exts[i].ext;
            r = sbi_exts[i].fn(vm, h, ext == SBI_X_LEGACY ? eid : fid);
            break;
        }
    }
    vm->sbi->calls++;
    vm->sbi->ext[ext]++;
    if (r.is_done) {
        return;
    }
    cpu_complete_hypercall(h, (uint64_t)r.error, r.is_legacy ? h->x[11] : r.value);
}
