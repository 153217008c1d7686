/*
 * cpu/internal.h - what the files of cpu/ share and nobody else includes:
 * the decoded instruction, the decode table, the execute signature, the CSR
 * file's semantics and the memory helpers the execute functions use.
 * Course: 处理器虚拟化 / 解释执行 (decode once, execute many times).
 * Spec: Unprivileged 20191213, §2-§16 and Chapter 24 "Instruction Set Listings".
 */
#ifndef VMLAB_CPU_INTERNAL_H
#define VMLAB_CPU_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "cpu/encoding.h"
#include "cpu/mem.h"

/* ------------------------------------------------------- decoded insn */

/*
 * An execute function: guards first (may the hart do this here?), then the
 * spec pseudocode. Execute functions are threaded: one that retires its
 * instruction advances h->pc and goes straight on to the next instruction
 * of the array it sits in (exec_next: a tail call, so no return to a loop
 * between two instructions). Every array ends in a stop entry
 * (exec_block_end), so the chain returns:
 *   EXEC_BLOCK_END  every instruction before the stop entry retired;
 *   EXEC_STOP       the last one run retired, and h->pc is the next one, but
 *                   a memory access changed what the block runs on (see
 *                   exec_next_checked), so the rest must not run;
 *   an exit reason  (with *h->exit filled in) the instruction at h->pc did
 *                   not retire: EXIT_GUEST_TRAP for an exception (pc
 *                   unchanged), EXIT_MMIO for a device access,
 *                   EXIT_PRIV_INSN / EXIT_WFI for trap-and-emulate.
 */
typedef int (*exec_fn)(struct hart *h, const struct insn *in);

struct insn {
    exec_fn exec;
    int64_t imm;  /* sign-extended immediate, already scaled (C.* offsets) */
    uint32_t raw; /* the encoding as fetched (16-bit ones zero-extended) */
    uint16_t op;  /* index into insn_table (disassembler, trace) */
    uint8_t rd;   /* 32 when the architectural rd is x0 (integer rd only) */
    uint8_t rs1, rs2, rs3;
    uint8_t rm;    /* funct3 rounding mode of F/D ops */
    uint8_t len;   /* 2 or 4 */
    bool is_jump;  /* jal, jalr, branches: the exec may set pc to a target */
    uint8_t flags; /* INSN_* below: how the block loop (cpu/interp.c) treats it */
    uint16_t csr;  /* Zicsr: CSR number */
};

/*
 * INSN_ENDS_BLOCK: the block loop stops after this instruction - it may set
 * pc elsewhere (is_jump), or it is a SYSTEM instruction (CSR access, ecall,
 * ebreak, xRET, wfi, sfence.vma: they may read the retired count or change
 * what the next fetch means), fence.i, or illegal.
 */
enum { INSN_ENDS_BLOCK = 1 };

enum { EXEC_BLOCK_END = -1, EXEC_STOP = -2 };

/* Go on to the next instruction of the array (a tail call at -O2). */
static inline int exec_next(struct hart *h, const struct insn *in)
{
    return in[1].exec(h, in + 1);
}

/* The stop entry after the last instruction of every array run. */
int exec_block_end(struct hart *h, const struct insn *in);
/*
 * exec_next after a memory access that may have taken a slow path. A slow
 * path may have dropped this page's decoded code (a store to it), let the
 * TLB evict the entry the fetch view shows, or queued a watched-store exit:
 * then the block stops after this instruction. (A fast-path hit changes
 * none of these, so the plain loads and stores test only on the slow path.)
 */
static inline int exec_next_checked(struct hart *h, const struct insn *in)
{
    if (__builtin_expect(h->exit_after_pending ||
                             (h->fast && h->fast->fetch.vpn_tag != h->pc >> PAGE_SHIFT),
                         0)) {
        return EXEC_STOP;
    }
    return exec_next(h, in);
}
/* Run one instruction on its own (a copy followed by a stop entry): 0 when it retired. */
int cpu_exec_one(struct hart *h, const struct insn *in);

/* The longest run of instructions one block holds (a cap on host memory per block). */
#define BLOCK_MAX_INSNS 64u

/*
 * A block: straight-line instructions copied out of a code page's slots into
 * one array, so the loop steps by array index instead of through each slot's
 * length. It ends at the first INSN_ENDS_BLOCK instruction, at the end of
 * the page, before an instruction that crosses the page, or at BLOCK_MAX_INSNS.
 * It remembers the blocks that followed it on the same page (a branch's two
 * ways), so the loop finds the next block without the page's lookup.
 */
struct block {
    unsigned n;
    unsigned last_offset;  /* bytes from the first instruction to the last */
    uint64_t next_pc[2];   /* where it went before (pc), for... */
    struct block *next[2]; /* ...the block there: same page only, so same lifetime */
    struct insn insns[];   /* n instructions, then a stop entry */
};

#define CODE_PAGE_SLOTS (PAGE_SIZE / 2) /* one slot per 2-byte offset (C extension) */

/*
 * The decoded form of one guest-physical page of code (cpu/icache.c): the
 * slot at each 2-byte offset (exec == NULL until decoded), and the block
 * that starts there (NULL until first entered). Both die with the page.
 */
struct code_page {
    struct insn slots[CODE_PAGE_SLOTS];
    struct block *blocks[CODE_PAGE_SLOTS];
};

/* How an entry's operands are printed by the disassembler. */
enum insn_format {
    FMT_R,
    FMT_I,
    FMT_S,
    FMT_B,
    FMT_U,
    FMT_J,
    FMT_LOAD,
    FMT_STORE,
    FMT_SHIFT,
    FMT_CSR,
    FMT_CSRI,
    FMT_NONE,
    FMT_FENCE,
    FMT_AMO,
    FMT_LR,
    FMT_SFENCE,
    FMT_FR,
    FMT_FR4,
    FMT_FR1,
    FMT_FLOAD,
    FMT_FSTORE,
    FMT_FCMP,
    FMT_FCVT_F2I,
    FMT_FCVT_I2F,
    FMT_FCVT_F2F,
    FMT_FMV_F2I,
    FMT_FMV_I2F,
    FMT_C, /* compressed: the entry's own printer */
    /* compressed shapes that no base format prints (objdump -M no-aliases):
     * CI "rd,imm", CSHIFT "rd,0xshamt" (c.slli64 rd when 0), CR "rd,rs2",
     * CJ "target", CB "rs1',target", CJR "rs1" */
    FMT_CI,
    FMT_CSHIFT,
    FMT_CR,
    FMT_CJ,
    FMT_CB,
    FMT_CJR,
};

/* One row of the decode table: (raw & mask) == match. */
struct insn_desc {
    uint32_t match, mask;
    const char *name; /* objdump -M no-aliases mnemonic, e.g. "c.addi", "fadd.d" */
    exec_fn exec;
    enum insn_format fmt;
    void (*decode)(struct insn *in, uint32_t raw); /* fills the fields */
};

extern const struct insn_desc insn_table[];
extern const unsigned insn_table_len;

/* Decode raw into *out. Returns false (and an illegal-instruction exec) for
 * a reserved or unknown encoding. */
bool insn_decode(uint32_t raw, struct insn *out);

/*
 * The bucket an encoding falls in: quadrant and funct3 for a 16-bit one
 * (0..23), 32 + opcode[6:2] for a 32-bit one. Every entry's mask covers
 * these bits and insn_table is sorted by the key of its match, so
 * insn_decode searches only the entries of one bucket.
 */
unsigned insn_table_key(uint32_t raw);

/*
 * A stage-2 fault (--mmu nested): not the guest's exception but the VMM's
 * (KVM's EPT-violation exit). The instruction did not retire; the VMM maps
 * the page and the instruction runs again, or it injects an access fault.
 */
static inline int cpu_s2_fault(struct hart *h, gva_t gva, gpa_t gpa, enum access_type acc)
{
    h->exit->reason = EXIT_S2_FAULT;
    h->exit->s2.gva = gva;
    h->exit->s2.gpa = gpa;
    h->exit->s2.acc = acc;
    return EXIT_S2_FAULT;
}

/* --------------------------------------------------------- exec helpers */

static inline int cpu_raise(struct hart *h, uint64_t cause, uint64_t tval)
{
    h->exit->reason = EXIT_GUEST_TRAP;
    h->exit->trap.cause = cause;
    h->exit->trap.tval = tval;
    return EXIT_GUEST_TRAP;
}

/* Illegal instruction: mtval/stval get the instruction bits (§3.1.16). */
static inline int cpu_illegal(struct hart *h, const struct insn *in)
{
    return cpu_raise(h, CAUSE_ILLEGAL_INSTRUCTION, in->raw);
}

static inline int cpu_exit_priv(struct hart *h, enum exit_reason reason, const struct insn *in)
{
    h->exit->reason = reason;
    h->exit->priv.insn = in->raw;
    return (int)reason;
}

/* ------------------------------------------------------------- memory */

/*
 * Guest memory accesses of the execute functions (cpu/mem.c). Each does one
 * TLB lookup per page touched (fast path first), performs misaligned
 * loads/stores byte-exactly, and returns 0, or the exit (EXIT_GUEST_TRAP with
 * the page/access fault, EXIT_MMIO for a device).
 * For EXIT_MMIO of a load, the exec function then records the destination
 * with cpu_mmio_load_pending() and returns EXIT_MMIO; cpu_complete_mmio()
 * finishes it when the VMM has the data. A store to a GPAGE_WATCH (or the
 * monitor's GPAGE_WATCH_DEBUG) page is performed and then queued as
 * h->exit_after (see cpu.h); mem_store returns 0.
 */
/* mem_load(h, gva, size, &out) and mem_store(h, gva, size, val): static inline
 * fast paths in cpu/mem.h (included above), slow paths in cpu/mem.c. */
/* AMOs and LR/SC: aligned only (a misaligned one raises the store/AMO
 * address-misaligned exception - never emulated); RAM only (a device raises
 * an access fault). Gives the host pointer for an atomic read-modify-write. */
int mem_amo_ptr(struct hart *h, gva_t gva, unsigned size, bool is_load_only, uint8_t **out_host,
                gpa_t *out_gpa);
/* A load that exited as MMIO: remember where its value goes. */
void cpu_mmio_load_pending(struct hart *h, const struct insn *in, unsigned size, bool is_signed,
                           bool is_fp);

/* Fetch path: the decoded slot for h->pc, or NULL with *h->exit filled. */
struct insn *cpu_fetch(struct hart *h);
/* Changes whenever a code page is dropped (a fetch view of it must not be reused). */
uint64_t icache_generation(const struct icache *ic);
/* A store hit a page holding decoded code: drop the decoded copies. */
void icache_invalidate_page(struct icache *ic, gpa_t gpa_page);
struct icache *icache_create(void);
void icache_destroy(struct icache *ic);
/* The decoded form of a page of code, created (empty) on demand. */
struct code_page *icache_page(struct icache *ic, gpa_t gpa_page);
/* Drop every page. Safe from inside an exec: pages are freed later, by
 * icache_reclaim() at VM entry. The caller must also invalidate h->fast->fetch. */
void icache_flush(struct icache *ic);
/* Free dropped pages no instruction can still be executing (cpu_run entry). */
void icache_reclaim(struct icache *ic);
/* A slot for an instruction that is not cached (crosses a page). */
struct insn *icache_scratch(struct icache *ic);
/* Pages currently holding decoded slots (tests, statistics). */
unsigned icache_pages(const struct icache *ic);

/* ---------------------------------------------------------------- CSRs */

/*
 * One implementation of CSR semantics (§2.1-§2.3, §3.1, §4.1), used both by
 * the inline path (fflags, frm, fcsr, permitted counters) and by the VMM's
 * emulation. `priv` is the privilege of the accessor. Return 0, or -1 for
 * "illegal instruction" (no such CSR, too little privilege, read-only,
 * counter not enabled, TVM, Sstc gating). Writes apply WARL rules.
 */
int csr_read(struct hart *h, unsigned csrno, uint64_t *out);
int csr_write(struct hart *h, unsigned csrno, uint64_t val);
/* May `csrno` be accessed by the interpreter without an exit? (fflags,
 * frm, fcsr; cycle/time/instret when counteren allows at this privilege) */
bool csr_is_unprivileged_fast(const struct hart *h, unsigned csrno);
/*
 * The Zicsr read-modify-write shared by the inline path and the VMM's
 * emulation: reads the old value into *out_old, then (when is_write) writes
 * operand (CSR_OP_WRITE), old | operand (SET) or old & ~operand (CLEAR).
 * Nothing changes when it fails. Returns 0 or -1 (illegal instruction).
 */
enum csr_op { CSR_OP_WRITE, CSR_OP_SET, CSR_OP_CLEAR };
int csr_rmw(struct hart *h, unsigned csrno, enum csr_op op, uint64_t operand, bool is_write,
            uint64_t *out_old);
/* mip as the hart sees it: stored bits, the PLIC's SEIP line, Sstc's STIP. */
uint64_t csr_mip(const struct hart *h);

/* mstatus.FS: is the FPU on? Mark it dirty after an F/D register write. */
static inline bool fp_enabled(const struct hart *h)
{
    return (h->csr.mstatus & MSTATUS_FS) != 0;
}
static inline void fp_set_dirty(struct hart *h)
{
    h->csr.mstatus |= MSTATUS_FS | MSTATUS_SD;
}

/*
 * The interrupt to take now, if any (§3.1.9: mip & mie, global enables by
 * privilege, mideleg, priority MEI > MSI > MTI > SEI > SSI > STI).
 * Returns true and the cause (without the interrupt bit) when one is due.
 */
bool cpu_pending_interrupt(const struct hart *h, uint64_t *out_irq);

/* Recompute h->data_priv after priv/mstatus change, flush fast paths as needed. */
void cpu_update_mode(struct hart *h);
/* minstret/mcycle as the guest reads them. */
uint64_t csr_minstret(const struct hart *h);
uint64_t csr_mcycle(const struct hart *h);

/* ------------------------------------------------------- --cpu hw (H) */

/* cpu/hw.c. Is this exception (or, with CAUSE_INTERRUPT, interrupt)
 * delegated to VS by hedeleg/hideleg: taken by the hart with no exit? */
bool hw_exception_delegated(const struct hart *h, uint64_t cause);
/* irq in csr_file's numbering (the guest's S codes 1, 5, 9) */
bool hw_irq_delegated(const struct hart *h, uint64_t irq);
/* Take a pending interrupt hideleg delegates into VS now; true if one was taken. */
bool hw_take_pending_irq(struct hart *h);
/* What a CSR access with V = 1 does (Privileged §8.6.1). */
enum hw_access { HW_INLINE, HW_ILLEGAL, HW_VIRTUAL };
enum hw_access hw_csr_access(const struct hart *h, unsigned csrno);
/*
 * Privileged §8.6.3: the transformed form of the 32-bit load, store or AMO
 * `raw` whose access faulted addr_offset bytes past its address (imm
 * fields cleared, rs1 = the offset); 0 for anything else (compressed ones
 * included: 0 is always allowed).
 */
uint32_t hw_transformed_insn(uint32_t raw, uint64_t addr_offset);
/* An exit is a trap taken to HS: write scause, stval, sepc, hstatus, htval, htinst. */
void hw_trap_to_hs(struct hart *h, const struct vm_exit *e);
/* csr_peek's fallback for H and vs* CSR numbers under --cpu hw; -1 if none. */
int hw_csr_peek(struct hart *h, unsigned csrno, uint64_t *out);
/* time as the guest reads it: mtime, plus htimedelta with V = 1
 * ("Hypervisor Time Delta Register"). */
static inline uint64_t hart_guest_time(const struct hart *h)
{
    return hart_time_now(h) + (h->virt ? h->hs.htimedelta : 0);
}
/* Shared by the VMM's emulation and the hw hart's inline path (cpu/trap.c). */
void cpu_do_sret(struct hart *h);
void cpu_do_sfence_vma(struct hart *h, unsigned rs1, unsigned rs2);

/* --------------------------------------------------------- exec groups */

/* F and D (cpu/exec_fp.c): round to h->csr.frm or in->rm, set fflags. */
int exec_fp_illegal_rm(struct hart *h, const struct insn *in);

#endif
