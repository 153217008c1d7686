/*
 * cpu/cpu.h - the virtual hart: architectural state, the interpreter entry
 * (cpu_run = "VM entry ... until a VM exit"), and the VMM's trap-and-emulate
 * handlers for what exits.
 * Course: 处理器虚拟化 / VM和VCPU (虚拟寄存器: 程序计数器, 通用寄存器, 系统寄存器),
 *         陷入和模拟 (trap-and-emulate).
 * Spec: Unprivileged 20191213; Privileged 20211203, §3 "Machine-Level ISA",
 *       §4 "Supervisor-Level ISA".
 */
#ifndef VMLAB_CPU_CPU_H
#define VMLAB_CPU_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "mmu/mmu.h"
#include "mmu/types.h"

/* ------------------------------------------------------------ VM exits */

/*
 * Why the vCPU left guest mode. The counted reasons are DESIGN.md's closed
 * list; EXIT_NONE means "budget used up" (a host timer tick, not counted),
 * EXIT_DEBUG a breakpoint or single step asked for by the monitor, or (with
 * mmio.is_ram_watch) a store to a page only the monitor's `watch` watches.
 */
enum exit_reason {
    EXIT_NONE = 0,
    EXIT_MMIO,
    EXIT_PRIV_INSN,
    EXIT_HYPERCALL,
    EXIT_PT_WRITE,
    EXIT_WFI,
    EXIT_S2_FAULT,
    EXIT_GUEST_TRAP,
    EXIT_VIRTUAL_INSN,
    EXIT_HALT,
    EXIT_DEBUG,
    EXIT__COUNT
};

/* "mmio", "priv_insn", ...; NULL for the uncounted reasons. */
const char *exit_reason_name(enum exit_reason reason);

/* A device access that left the CPU (KVM's kvm_run->mmio). */
struct mmio_access {
    gva_t gva; /* the address the guest used (for a fault's tval) */
    gpa_t gpa;
    uint8_t size; /* 1, 2, 4 or 8 */
    bool is_write;
    uint64_t data;        /* store data; the VMM fills it for a load */
    bool is_ram_watch;    /* a store that already went to RAM in a watched page */
    gva_t insn_pc;        /* is_ram_watch: the pc of the storing instruction (it retired) */
    uint32_t atomic_insn; /* EXIT_PT_WRITE of an AMO or SC: the instruction (cpu_pt_atomic) */
    uint32_t htinst;      /* --cpu hw: its transformed instruction (Privileged §8.6.3), or 0 */
};

struct vm_exit {
    enum exit_reason reason;
    union {
        struct mmio_access mmio; /* EXIT_MMIO, EXIT_PT_WRITE (a store the VMM performs) */
        struct {                 /* EXIT_GUEST_TRAP */
            uint64_t cause;      /* CAUSE_*, | CAUSE_INTERRUPT for interrupts */
            uint64_t tval;
        } trap;
        struct {           /* EXIT_PRIV_INSN, EXIT_WFI */
            uint32_t insn; /* the raw instruction to emulate */
        } priv;
        struct {                  /* EXIT_S2_FAULT */
            gva_t gva;            /* the guest's address (tval if it becomes a fault) */
            gpa_t gpa;            /* what stage 2 could not translate (htval << 2) */
            enum access_type acc; /* of the guest's access (fetch, load, store/AMO) */
        } s2;
    };
};

/* ------------------------------------------------------- virtual clock */

/*
 * The virtual clock (DESIGN.md "Time"): mtime at 10 MHz advances one tick
 * per VCLOCK_INSNS_PER_TICK retired instructions (a 100 MHz, CPI-1 hart),
 * plus the ticks skipped while every vCPU waited in WFI. One per VM; the
 * harts and the CLINT read it.
 */
#define VCLOCK_HZ             10000000ull
#define VCLOCK_INSNS_PER_TICK 10
struct vclock {
    uint64_t retired;       /* instructions retired by the VM's harts, as of their last exit */
    uint64_t skipped_ticks; /* ticks jumped over in WFI */
    uint64_t mtime_offset;  /* a guest's write to CLINT mtime: mtime = ticks + offset */
    uint64_t host_start_ns; /* --clock host: wall time at start */
    bool host;              /* --clock host */
};

/* ---------------------------------------------------------------- hart */

/* The hart's CSR file: the virtual "system registers" the VMM keeps. */
struct csr_file {
    uint64_t mstatus, misa, medeleg, mideleg, mie, mip, mtvec, mscratch, mepc, mcause, mtval;
    uint64_t mcounteren, mcountinhibit, menvcfg, mhartid;
    uint64_t stvec, sscratch, sepc, scause, stval, scounteren, senvcfg, satp, stimecmp;
    uint64_t fflags, frm;
    /* mcycle/minstret: value = base + (counted events since mark), see csr.c */
    uint64_t mcycle_base, minstret_base, mcycle_mark, minstret_mark;
    uint64_t tselect, tdata1, tdata2;
    struct pmp pmp;
    bool seip_line; /* SEIP as the PLIC drives it; mip reads it OR-ed with the stored SEIP */
};

/*
 * --cpu hw: the HS-mode side of a hart with the H extension (Privileged
 * §8.2), as the VMM (KVM's role) keeps it. The guest's own supervisor CSRs
 * are NOT here: under --cpu hw the S fields of struct csr_file (stvec, sepc,
 * mstatus's S bits, satp, stimecmp, ...) ARE the vs* registers, with the
 * semantics cpu/csr.c gives them. sepc/scause/stval below are HS-mode's
 * own: written by every trap taken to HS (= every VM exit, cpu/hw.c).
 */
struct hs_csr_file {
    uint64_t hstatus, hedeleg, hideleg, hvip, hcounteren, henvcfg;
    uint64_t htval, htinst, htimedelta, hgatp;
    uint64_t sepc, scause, stval; /* HS-mode's, at the last trap taken to HS */
};

struct insn;
struct icache;

/*
 * A device register window the VMM mapped straight into the guest (the BAR
 * of a passthrough VF): a guest load or store that translates to a GPA in it
 * is performed by the hart in place, as the bus access real hardware makes,
 * without leaving cpu_run - no VM exit, nothing counted in exits.*. The
 * device counts its own register accesses. read/write return 0, or -1 for an
 * access the device refuses (the guest gets an access fault); write may
 * return 1: done, and the device's interrupt line changed - the entry ends
 * after this instruction (uncounted, as end_entry) so the VMM routes it.
 */
#define HART_DIRECT_WINDOWS 2
struct hart_direct_window {
    gpa_t gpa;
    uint64_t size; /* 0: unused */
    int (*read)(void *dev, uint64_t offset, unsigned size, uint64_t *out);
    int (*write)(void *dev, uint64_t offset, unsigned size, uint64_t val);
    void *dev;
};

struct hart {
    uint64_t x[33]; /* x[32] is a sink: decode turns rd = x0 into 32 */
    uint64_t f[32]; /* NaN-boxed */
    uint64_t pc;
    enum priv_level priv;      /* the virtual privilege the guest thinks it has */
    enum priv_level data_priv; /* effective privilege of loads/stores (MPRV) */
    struct csr_file csr;
    bool virt;                /* --cpu hw: V = 1, priv is VS (PRV_S) or VU (PRV_U) */
    struct hs_csr_file hs;    /* --cpu hw: the hypervisor's CSRs (cpu/hw.c) */
    uint64_t delegated_traps; /* --cpu hw: traps the hart took into VS itself (no exit) */
    /* --cpu hw: the guest wrote stimecmp inline: end this entry after the
     * instruction (uncounted, EXIT_NONE) so the VMM sizes the next one to the
     * new deadline, as it does after the write's exit under --cpu trap */
    bool end_entry;

    uint64_t insns;          /* retired instructions: the `insns` counter */
    uint64_t insns_at_entry; /* insns when cpu_run was entered (clock) */
    bool resv_valid;         /* LR/SC reservation */
    gpa_t resv_gpa;

    /* a load waiting for the VMM to complete its MMIO (KVM's mmio return) */
    bool mmio_pending;
    uint8_t mmio_rd;
    bool mmio_is_fp, mmio_is_signed;
    uint8_t mmio_size;
    uint8_t mmio_insn_len;

    struct vm_exit *exit; /* where an exec that stops writes why */
    uint64_t budget;      /* instructions cpu_run may still retire in this entry */
    /* an exit to take once the current instruction has retired (a store to a
     * watched page such as HTIF's tohost: the store is done, the VMM looks) */
    bool exit_after_pending;
    uint8_t *pt_atomic_host; /* cpu_pt_atomic: where the next AMO/SC operates, once */
    gpa_t pt_atomic_gpa;
    struct vm_exit exit_after;
    struct vclock *clock;
    struct mmu *mmu;
    struct mmu_fast *fast;
    /* &fast->load[data_priv][0] and &fast->store[data_priv][0], kept by
     * cpu_update_mode: a load or store then finds its fast entry without
     * reading data_priv and indexing by it (cpu/mem.h) */
    struct fast_entry *fast_load;
    struct fast_entry *fast_store;
    struct gmem *gmem;
    struct icache *icache;
    bool single_step;            /* monitor: exit EXIT_DEBUG after each instruction */
    const uint64_t *breakpoints; /* monitor: GVAs to stop at (n_breakpoints) */
    unsigned n_breakpoints;
    void (*trace_insn)(void *ctx, const struct hart *h, uint32_t raw, uint64_t pc);
    void *trace_ctx;
    /* cpu_update_mode: the translation context the fast path was filled under */
    uint64_t fast_satp;
    uint64_t fast_mstatus; /* its SUM and MXR bits */
    bool fast_pmp_stale;   /* a PMP CSR was written since the last flush */
    /* --mmu direct: an S-mode ecall is a hypercall to the VMM (EXIT_HYPERCALL), not a trap */
    bool ecall_s_exits;
    /* device windows mapped into the guest (--io passthrough); kept by hart_reset */
    struct hart_direct_window direct[HART_DIRECT_WINDOWS];
};

/* mtime as the hart sees it now (between exits the clock has not caught up). */
uint64_t hart_time_now(const struct hart *h);
/*
 * Fold the instructions the hart retired since h->insns_at_entry into its
 * VM's clock and restart the count there. The run loop calls it right before
 * and right after cpu_run: before, to count what the VMM retired for the
 * hart while handling an exit (an emulated CSR access, an MMIO load); after,
 * so that hart_time_now is exact while the exit is handled.
 */
void hart_sync_clock(struct hart *h);

/*
 * Set up a hart in its reset state (Privileged §3.4): M-mode, mstatus with
 * MPRV=0 and MIE=0, misa = RV64IMAFDCSU, pc = reset_pc. The hart is not
 * usable until hart_attach gives it memory.
 */
void hart_reset(struct hart *h, uint64_t hartid, uint64_t reset_pc);
/* Give the hart its memory and clock; creates the instruction cache. 0 or -ENOMEM. */
__attribute__((warn_unused_result)) int hart_attach(struct hart *h, struct mmu *m, struct gmem *gm,
                                                    struct vclock *clock);
void hart_detach(struct hart *h);
/* Map a device window into the guest (struct hart_direct_window). 0, or -ENOSPC when full. */
int hart_map_direct(struct hart *h, const struct hart_direct_window *w);

/*
 * VM entry: deliver a pending enabled interrupt (that is an exit by itself),
 * otherwise interpret guest instructions until one needs the VMM or
 * `budget` instructions have retired. Fills *out and returns its reason.
 */
enum exit_reason cpu_run(struct hart *h, uint64_t budget, struct vm_exit *out);

/*
 * Trap-and-emulate handlers the run loop calls on the exit:
 *  cpu_emulate_priv: CSR access, mret, sret, sfence.vma on the virtual CSR
 *    state, with the spec's permission checks (an illegal one is reflected
 *    into the guest as an illegal-instruction trap).
 *  cpu_reflect_trap: deliver an exception or interrupt into the guest's own
 *    vectors, honouring medeleg/mideleg (§3.1.8), xtvec modes, xtval.
 *  cpu_complete_mmio: write a load's data into rd and retire the load.
 */
void cpu_emulate_priv(struct hart *h, const struct vm_exit *e);
void cpu_reflect_trap(struct hart *h, uint64_t cause, uint64_t tval);
void cpu_complete_mmio(struct hart *h, const struct mmio_access *mmio);
/*
 * --mmu shadow: perform the AMO or SC `raw` that exited as EXIT_PT_WRITE on
 * the guest page-table word at host (GPA gpa), for the VMM, and retire it.
 * Returns 0, or an exit reason if it still cannot (it is then not retired).
 */
int cpu_pt_atomic(struct hart *h, uint32_t raw, uint8_t *host, gpa_t gpa);
/*
 * EXIT_HYPERCALL (an S-mode ecall with h->ecall_s_exits): the VMM answered
 * it; a0 and a1 get the results (SBI style: error, value) and the ecall retires.
 */
void cpu_complete_hypercall(struct hart *h, uint64_t a0, uint64_t a1);

/*
 * Start the hart in S-mode at entry_gva, as the VMM's SBI starts a kernel
 * (a0 = hartid, a1 = fdt_gpa). hart_start_s: --cpu trap, the VMM plays the
 * M-mode firmware (medeleg/mideleg as OpenSBI sets them, Sstc and the
 * counters open to S, S-mode ecall = hypercall). hart_start_vs: --cpu hw,
 * V = 1 in VS-mode with the HS CSRs as KVM sets them (hedeleg, hideleg,
 * hstatus.VTW/SPV/SPVP/VSXL, hcounteren, henvcfg.STCE, htimedelta = 0).
 * Call after hart_reset.
 */
void hart_start_s(struct hart *h, uint64_t entry_gva, uint64_t fdt_gpa);
void hart_start_vs(struct hart *h, uint64_t entry_gva, uint64_t fdt_gpa);

/*
 * The VMM moves the hart itself, as KVM_SET_REGS does (the VMM's SBI starting
 * its S-mode payload, a non-retentive suspend resuming): set priv and pc, after
 * the caller wrote the CSRs it wants directly; recomputes what depends on them.
 */
void hart_enter(struct hart *h, enum priv_level priv, uint64_t pc);

/*
 * The VMM wrote guest RAM [gpa, gpa + len) itself (an SBI console read): drop
 * decoded instructions of those pages, as a guest store there would.
 */
void hart_ram_written(struct hart *h, gpa_t gpa, uint64_t len);

/* Is h->pc one of the monitor's breakpoints (h->breakpoints)? */
bool hart_at_breakpoint(const struct hart *h);

/* Level of an interrupt line driven from outside (CLINT MTIP/MSIP, PLIC MEIP/SEIP). */
void hart_set_irq_line(struct hart *h, unsigned irq_bit, bool level);
/* Is an interrupt pending in mip & mie (enabled or not)? Wakes WFI. */
bool hart_irq_pending(const struct hart *h);
/* mtime value at which the hart's own Sstc timer fires, UINT64_MAX if disarmed. */
uint64_t hart_stimecmp_deadline(const struct hart *h);

/* ---------------------------------------------- decode and disassembly */

/*
 * Decode one instruction (16 or 32 bits in `raw`). Returns its length, or 0
 * for an illegal encoding. Prints objdump -M no-aliases style text into buf
 * ("addi\ta0,a0,1"); pc is the instruction's address (branch targets).
 */
unsigned cpu_disas(uint32_t raw, uint64_t pc, char *buf, unsigned buflen);

/* Shared by CSR code, monitor and stats: the CSR's name, NULL if none. */
const char *csr_name(unsigned csrno);
/*
 * The debugger's view of a CSR (monitor, gdb stub): its value as M-mode reads
 * it, whatever the guest's privilege, FS or counteren; no side effects.
 * Returns 0, or -1 when the hart has no such CSR.
 */
int csr_peek(struct hart *h, unsigned csrno, uint64_t *out);

#endif
