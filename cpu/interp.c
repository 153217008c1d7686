/*
 * cpu/interp.c - VM entry for one vCPU: the interpreter loop that runs guest
 * instructions until one needs the VMM (a VM exit), instruction fetch, and
 * the completion of an MMIO load once the VMM has the data.
 * Course: 处理器虚拟化 / 解释执行, 陷入和模拟 (the loop stops at everything the
 *         VMM must emulate); I/O虚拟化 / 设备模拟 (捕捉MMIO操作, then resume).
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process"
 *       (fetches translate with the hart's own privilege: MPRV never applies),
 *       §3.1.15 (fetch causes), §3.1.16 (tval: the faulting part of an
 *       instruction that crosses a page); Unprivileged 20191213, §1.5
 *       "Base Instruction-Length Encoding" (bits 1:0 != 11 -> 16 bits).
 *
 * The exec contract (cpu/internal.h) that this loop and cpu_complete_mmio
 * rely on:
 *   - execs are threaded: one that retires its instruction sets h->pc and
 *     tail-calls the next entry of its array. A block's array ends in a stop
 *     entry, so running a block is one call that returns EXEC_BLOCK_END
 *     when all of it retired. Single instructions (a new page, the monitor,
 *     a nearly used-up budget) run as a copy followed by a stop entry
 *     (cpu_exec_one). Only execs that decode marks in->is_jump (jal, jalr,
 *     branches) may set h->pc to anything but pc + in->len: they end a
 *     block (INSN_ENDS_BLOCK; cpu/decode.c keeps the list).
 *   - otherwise the chain returns where the block stopped, and h->pc says
 *     where: EXEC_STOP after a memory access that retired but changed what
 *     the block runs on (h->pc = the next instruction), or an exit reason
 *     with *h->exit filled, the instruction at h->pc NOT retired. For
 *     EXIT_GUEST_TRAP the VMM reflects the trap; for EXIT_PRIV_INSN /
 *     EXIT_WFI it emulates and retires the instruction itself.
 *   - EXIT_MMIO has NOT advanced pc. A load has called cpu_mmio_load_pending
 *     (rd, size, sign, FP, length); for a store the loop records the length.
 *     cpu_complete_mmio() then writes rd (loads), advances pc by the length
 *     and counts the instruction. If the VMM reflects a fault instead, the
 *     pending load is forgotten at the next entry (the instruction reruns).
 *   - A store to a watched RAM page (HTIF tohost) retires normally and
 *     queues h->exit_after (the chain stops: EXEC_STOP); cpu_run hands that
 *     out as an EXIT_MMIO with is_ram_watch set, which cpu_complete_mmio
 *     does not retire again. On a page only the monitor's `watch` marks
 *     (GPAGE_WATCH_DEBUG) it is an uncounted EXIT_DEBUG with is_ram_watch.
 *   - Exec functions read h->insns (instret, time) but never write it or
 *     h->budget: the loop keeps its own counts, storing h->insns before a
 *     block as the count its last instruction sees (only block enders - CSR
 *     and other SYSTEM instructions - read it) and both when it stops.
 *
 * The fetch fast path (h->fast->fetch) is a view of one TLB entry: each
 * instruction a block runs through it counts one TLB hit, and the entry's
 * LRU stamp is kept as per-fetch touches would leave it (cpu/mem.h,
 * mem_fetch_touch), so counters are identical with --no-fastpath (which
 * translates every fetch).
 * While the view covers pc the loop runs blocks (struct block, built from
 * the view's code page): straight-line runs of decoded instructions, each
 * instruction fetch still counted as one TLB hit, the run stopped at once
 * when an access empties the view (self-modifying code, TLB eviction, a
 * watched store).
 *
 * Simplified: pending interrupts are taken only at VM entry (the VMM enters
 * in slices); PMP is checked for the first parcel of a 32-bit instruction
 * that lies within one page. A breakpoint is checked before every
 * instruction, the first of an entry included: to continue from one, step
 * once with breakpoints off (as gdb does). A block reads its instructions'
 * bytes when it is built, a little ahead of executing them; as for single
 * slots, only the hart's own stores drop decoded code.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/internal.h"

/* Translate a fetch of 2 bytes at gva with the hart's own privilege. 0 or a raised fault. */
static int fetch_translate(struct hart *h, gva_t gva, struct xlate_out *out)
{
    struct xlate_req req = {
        .gva = gva,
        .size = 2,
        .acc = ACCESS_FETCH,
        .priv = h->priv,
        .satp = h->csr.satp,
        .sum = (h->csr.mstatus & MSTATUS_SUM) != 0,
        .mxr = (h->csr.mstatus & MSTATUS_MXR) != 0,
    };

    mmu_translate(h->mmu, &req, out);
    switch (out->status) {
    case XLATE_OK:
        return 0;
    case XLATE_PAGE_FAULT:
        return cpu_raise(h, CAUSE_FETCH_PAGE_FAULT, gva);
    case XLATE_S2_FAULT:
        return cpu_s2_fault(h, gva, out->fault_gpa, ACCESS_FETCH);
    default: /* no memory, PMP, or a device: nothing executes from MMIO */
        return cpu_raise(h, CAUSE_FETCH_ACCESS, gva);
    }
}

/*
 * A 32-bit instruction whose upper half is on the next page: fetch that half
 * through its own translation (tval = its address on a fault), decode into
 * the scratch slot, never cache (each page may change mapping on its own).
 */
static struct insn *fetch_cross_page(struct hart *h, uint16_t low)
{
    gva_t gva_high = h->pc + 2;
    struct xlate_out xo;
    struct insn *scratch = icache_scratch(h->icache);
    uint16_t high;

    if (fetch_translate(h, gva_high, &xo) != 0) {
        return NULL;
    }
    memcpy(&high, xo.host, 2);
    insn_decode((uint32_t)low | (uint32_t)high << 16, scratch);
    return scratch;
}

/*
 * Decode the slot at byte offset `offset` of a code page whose bytes are at
 * host_page. False for a 32-bit instruction in the page's last two bytes:
 * it crosses the page, so it is never cached and never part of a block.
 */
static bool slot_decode(const uint8_t *host_page, unsigned offset, struct insn *slot)
{
    uint16_t low;
    uint32_t raw;

    memcpy(&low, host_page + offset, 2);
    if ((low & 3) != 3) {
        insn_decode(low, slot);
        return true;
    }
    if (offset == PAGE_SIZE - 2) {
        return false;
    }
    memcpy(&raw, host_page + offset, 4);
    insn_decode(raw, slot);
    return true;
}

/* Decode the instruction at h->pc (host: its bytes) into slot, or hand off a crossing one. */
static struct insn *fetch_decode(struct hart *h, const uint8_t *host, struct insn *slot)
{
    unsigned offset = (unsigned)(h->pc & PAGE_MASK);
    uint16_t low;

    if (slot_decode(host - offset, offset, slot)) {
        return slot;
    }
    memcpy(&low, host, 2);
    return fetch_cross_page(h, low);
}

/* The page now holds decoded code: stores to it must take the slow path. */
static void fetch_mark_code(struct hart *h, gpa_t gpa_page)
{
    gmem_set_page_flags(h->gmem, gpa_page, GPAGE_CODE);
    mmu_fast_forget_store_page(h->mmu, gpa_page);
}

/* The view's `decoded` is the page's struct code_page (slots and blocks). */
static void fetch_install_view(struct hart *h, const struct xlate_out *xo, struct code_page *cp)
{
    struct fetch_view *fv = &h->fast->fetch;

    struct fetch_cache_entry *ce;

    fv->te = xo->te;
    fv->host_page = xo->host - (h->pc & PAGE_MASK);
    fv->gpa_page = xo->gpa & ~PAGE_MASK;
    fv->decoded = cp;
    fv->vpn_tag = h->pc >> PAGE_SHIFT;
    ce = &h->fast->fetch_cache[fv->vpn_tag % FETCH_CACHE_ENTRIES];
    ce->view = *fv;
    ce->priv = h->priv;
    ce->code_generation = icache_generation(h->icache);
}

struct insn *cpu_fetch(struct hart *h)
{
    struct xlate_out xo;
    struct code_page *cp;
    struct insn *slot;
    gpa_t gpa_page;

    h->fast->fetch.vpn_tag = FAST_INVALID;
    if (fetch_translate(h, h->pc, &xo) != 0) {
        return NULL;
    }
    gpa_page = xo.gpa & ~PAGE_MASK;
    cp = icache_page(h->icache, gpa_page);
    if (!cp) {
        return fetch_decode(h, xo.host, icache_scratch(h->icache)); /* host out of memory */
    }
    if (!(xo.page_flags & GPAGE_CODE)) {
        fetch_mark_code(h, gpa_page);
    }
    if (h->fast->enabled && pmp_page_is_uniform(&h->csr.pmp, xo.gpa, h->priv)) {
        fetch_install_view(h, &xo, cp);
    }
    slot = &cp->slots[(h->pc & PAGE_MASK) >> 1];
    if (slot->exec) {
        return slot;
    }
    return fetch_decode(h, xo.host, slot);
}

/* An exec stopped the loop: what cpu_complete_mmio will need for a store. */
static int run_stopped(struct hart *h, const struct insn *in, int reason)
{
    if (reason == EXIT_MMIO || reason == EXIT_PT_WRITE) {
        h->mmio_insn_len = in->len;
        if (h->virt) { /* --cpu hw: htinst for the VMM (the load has not written rd) */
            gva_t gva = h->x[in->rs1 & 31] + (uint64_t)in->imm;
            h->exit->mmio.htinst = hw_transformed_insn(in->raw, h->exit->mmio.gva - gva);
        }
    }
    return reason;
}

/*
 * Build the block that starts at slot `first` of cp, decoding the slots it
 * runs through, and keep it in cp->blocks. NULL when even the first
 * instruction crosses the page, or the host is out of memory: the caller
 * then runs one instruction through cpu_fetch.
 */
static struct block *block_build(struct code_page *cp, const uint8_t *host_page, unsigned first)
{
    struct insn run[BLOCK_MAX_INSNS];
    unsigned offset = first * 2;
    unsigned n = 0;
    struct block *b;

    unsigned last_offset = 0;

    while (n < BLOCK_MAX_INSNS && offset < PAGE_SIZE) {
        struct insn *slot = &cp->slots[offset >> 1];

        if (!slot->exec && !slot_decode(host_page, offset, slot)) {
            break;
        }
        run[n++] = *slot;
        last_offset = offset - first * 2;
        offset += slot->len;
        if (slot->flags & INSN_ENDS_BLOCK) {
            break;
        }
    }
    if (n == 0) {
        return NULL;
    }
    b = calloc(1, sizeof(*b) + (n + 1) * sizeof(b->insns[0]));
    if (!b) {
        return NULL;
    }
    b->n = n;
    b->last_offset = last_offset;
    memcpy(b->insns, run, n * sizeof(run[0]));
    b->insns[n].exec = exec_block_end;
    cp->blocks[first] = b;
    return b;
}

/* The block at pc when the fetch view covers pc's page (built on first use), else NULL. */
/*
 * Another page: reinstall its fetch view from the cache of recent ones when
 * it is still good (same privilege, no decoded code dropped since), as the
 * full fetch would install it - without the translation. The TLB hit of
 * each fetch is still counted by the block (run_block_fetches).
 */
static bool run_view_from_cache(struct hart *h, uint64_t vpn)
{
    struct fetch_cache_entry *ce = &h->fast->fetch_cache[vpn % FETCH_CACHE_ENTRIES];

    if (ce->view.vpn_tag != vpn || ce->priv != h->priv ||
        ce->code_generation != icache_generation(h->icache)) {
        return false;
    }
    h->fast->fetch = ce->view;
    return true;
}

static struct block *run_find_block(struct hart *h, uint64_t pc)
{
    struct fetch_view *fv = &h->fast->fetch;
    struct code_page *cp;
    unsigned first;

    if (__builtin_expect(fv->vpn_tag != pc >> PAGE_SHIFT, 0) &&
        !run_view_from_cache(h, pc >> PAGE_SHIFT)) {
        return NULL;
    }
    cp = fv->decoded;
    first = (unsigned)((pc & PAGE_MASK) >> 1);
    if (__builtin_expect(cp->blocks[first] != NULL, 1)) {
        return cp->blocks[first];
    }
    return block_build(cp, fv->host_page, first);
}

/* What the fast loop keeps in registers: h->insns and h->budget, stored when it stops. */
struct run_regs {
    uint64_t insns, budget;
};

/* One instruction the ordinary way: full fetch (it installs the view), execute, count. */
static int run_one(struct hart *h, struct run_regs *rr)
{
    const struct insn *in = cpu_fetch(h);
    int r;

    if (!in) {
        return h->exit->reason;
    }
    h->insns = rr->insns; /* exact for an exec that reads instret or time */
    r = cpu_exec_one(h, in);
    if (r != 0) {
        return run_stopped(h, in, r);
    }
    rr->insns++;
    rr->budget--;
    return 0;
}

int cpu_pt_atomic(struct hart *h, uint32_t raw, uint8_t *host, gpa_t gpa)
{
    struct insn in;
    int r;

    if (!insn_decode(raw, &in)) {
        return cpu_illegal(h, &in);
    }
    h->pt_atomic_host = host;
    h->pt_atomic_gpa = gpa;
    r = cpu_exec_one(h, &in);
    h->pt_atomic_host = NULL;
    if (r == 0) {
        h->insns++;
    }
    return r;
}

int cpu_exec_one(struct hart *h, const struct insn *in)
{
    struct insn pair[2] = {*in, {.exec = exec_block_end}};
    int r = pair[0].exec(h, pair);

    return r < 0 ? 0 : r;
}

/* Where a block stopped: the index of the instruction at pc (n if none). */
static unsigned block_index(const struct block *b, uint64_t start_pc, uint64_t pc)
{
    uint64_t at = start_pc;
    unsigned i = 0;

    while (i < b->n && at != pc) {
        at += b->insns[i++].len;
    }
    return i;
}

/*
 * The fetches of a block run through the fetch view of TLB entry te: one
 * TLB hit each (as the lookups they stand for would count), and F's LRU
 * touch for the last one unless that instruction's data access made it
 * (cpu/mem.h, mem_fetch_touch) - and only while the view still shows te.
 */
static void run_block_fetches(struct hart *h, struct tlb_entry *te, unsigned fetched,
                              uint64_t last_pc)
{
    struct mmu_fast *fast = h->fast;

    if (fast->fetch.te == te && fast->fetch.touched_pc != last_pc) {
        te->lru = ++*fast->lru_clock;
    }
    *fast->tlb_hits += fetched;
}

/*
 * Run block b from its start (== h->pc): one call into its threaded chain
 * (cpu/internal.h), which returns only at the stop entry, at an exit, or
 * when a memory access stops it. The number that retired goes to
 * *out_done. Per instruction there is nothing but the exec itself: no loop,
 * no count, no test. h->insns is stored before the chain as the count the
 * last instruction sees: only a block ender (a CSR read of instret, cycle
 * or time) reads it. Returns 0 or the exit reason.
 */
static int run_block(struct hart *h, const struct block *b, uint64_t insns, uint64_t *out_done)
{
    struct tlb_entry *te = h->fast->fetch.te;
    uint64_t start_pc = h->pc;
    uint64_t last_pc = start_pc + b->last_offset;
    unsigned fetched = b->n;
    int r;

    h->fast->fetch.touched_pc = FETCH_NOT_TOUCHED;
    h->insns = insns + b->n - 1;
    r = b->insns[0].exec(h, b->insns);
    *out_done = b->n;
    if (r != EXEC_BLOCK_END) {
        unsigned at = block_index(b, start_pc, h->pc);

        *out_done = at;
        fetched = r == EXEC_STOP ? at : at + 1;
        last_pc = r == EXEC_STOP ? h->pc - b->insns[at - 1].len : h->pc;
    }
    if (te) {
        run_block_fetches(h, te, fetched, last_pc);
    }
    if (r > 0) {
        return run_stopped(h, &b->insns[*out_done], r);
    }
    return 0;
}

/*
 * The block to run at pc after block prev (NULL: none, or not known to be on
 * the view's page any more). A link prev remembers is used when the view
 * still covers prev's page and pc is on it: then both blocks were built
 * from the same code page and live exactly as long as each other. Following
 * a link needs no load that waits for the last exec's store to h->pc except
 * the compare (which the host predicts), unlike the page lookup.
 */
static struct block *run_next_block(struct hart *h, struct block *prev, uint64_t pc)
{
    uint64_t vpn = h->fast->fetch.vpn_tag;
    bool same_page = prev && vpn == pc >> PAGE_SHIFT;
    struct block *b;

    if (same_page && pc == prev->next_pc[0] && prev->next[0]) {
        return prev->next[0];
    }
    if (same_page && pc == prev->next_pc[1] && prev->next[1]) {
        return prev->next[1];
    }
    b = run_find_block(h, pc);
    if (b && same_page) {
        unsigned way = prev->next[0] != NULL; /* the first way stays; the second turns over */

        prev->next_pc[way] = pc;
        prev->next[way] = b;
    }
    return b;
}

/*
 * --cpu hw: an exception hedeleg delegates is the hart's own business. It
 * enters the guest's VS trap vector at once (cpu_reflect_trap, the same
 * trap entry the VMM uses to reflect one) and the loop goes on: no exit.
 * True when the stop `r` was such a trap. It costs one unit of the budget,
 * so that a guest whose handler faults forever still comes back to the VMM.
 */
static bool run_delegated_trap(struct hart *h, int r, uint64_t *budget)
{
    if (r != EXIT_GUEST_TRAP || !h->virt || !hw_exception_delegated(h, h->exit->trap.cause)) {
        return false;
    }
    cpu_reflect_trap(h, h->exit->trap.cause, h->exit->trap.tval);
    h->delegated_traps++;
    h->exit->reason = EXIT_NONE;
    if (*budget > 0) {
        (*budget)--;
    }
    return true;
}

/*
 * The hot loop: a block wherever the fetch view covers pc, one instruction
 * through the full fetch elsewhere (a new page, translated fetches under
 * --no-fastpath, an instruction that crosses a page). The retired count
 * and the budget live in registers and are stored when the loop stops.
 * prev is only ever a block run since the view was last installed, on the
 * view's page (run_one may install another view: prev is forgotten there).
 */
static int run_fast(struct hart *h)
{
    struct run_regs rr = {.insns = h->insns, .budget = h->budget};
    struct block *prev = NULL;
    int r;

    for (;;) {
        struct block *b = run_next_block(h, prev, h->pc);

        if (b && b->n <= rr.budget) {
            uint64_t done;

            r = run_block(h, b, rr.insns, &done);
            rr.insns += done;
            rr.budget -= done;
        } else {
            b = NULL; /* run_one may install another view */
            r = run_one(h, &rr);
        }
        prev = b;
        if (run_delegated_trap(h, r, &rr.budget)) {
            r = 0;
            prev = NULL; /* pc and privilege changed: another view */
        }
        if (r != 0 || rr.budget == 0 || h->exit_after_pending || h->end_entry) {
            break;
        }
    }
    h->insns = rr.insns;
    h->budget = rr.budget;
    return r;
}

bool hart_at_breakpoint(const struct hart *h)
{
    for (unsigned i = 0; i < h->n_breakpoints; i++) {
        if (h->breakpoints[i] == h->pc) {
            return true;
        }
    }
    return false;
}

static int run_debug_exit(struct hart *h)
{
    h->exit->reason = EXIT_DEBUG;
    h->exit->mmio.is_ram_watch = false; /* a breakpoint or step, not a watched store */
    return EXIT_DEBUG;
}

/* The monitor's loop: the same semantics plus breakpoints, tracing, single step. */
static int run_debug(struct hart *h)
{
    for (;;) {
        uint64_t pc = h->pc;
        const struct insn *in;
        uint32_t raw;
        int r;

        if (h->n_breakpoints && hart_at_breakpoint(h)) {
            return run_debug_exit(h);
        }
        in = cpu_fetch(h);
        if (!in && run_delegated_trap(h, h->exit->reason, &h->budget)) {
            if (h->single_step || h->budget == 0) {
                return h->single_step ? run_debug_exit(h) : 0;
            }
            continue;
        }
        if (!in) {
            return h->exit->reason;
        }
        raw = in->raw;
        r = cpu_exec_one(h, in);
        if (run_delegated_trap(h, r, &h->budget)) {
            if (h->single_step || h->budget == 0) {
                return h->single_step ? run_debug_exit(h) : 0;
            }
            continue;
        }
        if (r) {
            return run_stopped(h, in, r);
        }
        h->insns++;
        if (h->trace_insn) {
            h->trace_insn(h->trace_ctx, h, raw, pc);
        }
        if (h->single_step) {
            return run_debug_exit(h);
        }
        if (--h->budget == 0 || h->exit_after_pending || h->end_entry) {
            return 0;
        }
    }
}

/* Hand out a queued watched-store exit; true if there was one. */
static bool run_take_exit_after(struct hart *h, struct vm_exit *out)
{
    if (!h->exit_after_pending) {
        return false;
    }
    *out = h->exit_after;
    h->exit_after_pending = false;
    return true;
}

/* --cpu hw: every counted exit is a trap taken to HS-mode (cpu/hw.c). */
static enum exit_reason run_exit(struct hart *h, struct vm_exit *out)
{
    if (h->virt && exit_reason_name(out->reason)) {
        hw_trap_to_hs(h, out);
    }
    return out->reason;
}

enum exit_reason cpu_run(struct hart *h, uint64_t budget, struct vm_exit *out)
{
    uint64_t irq;

    h->exit = out;
    out->reason = EXIT_NONE;
    h->insns_at_entry = h->insns;
    h->budget = budget;
    h->mmio_pending = false; /* an MMIO load not completed reruns from scratch */
    h->end_entry = false;
    icache_reclaim(h->icache);
    if (run_take_exit_after(h, out)) {
        return run_exit(h, out);
    }
    /* --cpu hw: a VS interrupt hideleg delegates is taken by the hart, no exit */
    bool taken = h->virt && hw_take_pending_irq(h);
    if (!taken && cpu_pending_interrupt(h, &irq)) {
        out->reason = EXIT_GUEST_TRAP;
        out->trap.cause = irq | CAUSE_INTERRUPT;
        out->trap.tval = 0;
        return run_exit(h, out);
    }
    if (budget == 0) {
        return EXIT_NONE;
    }
    if (h->single_step || h->n_breakpoints || h->trace_insn) {
        run_debug(h);
    } else {
        run_fast(h);
    }
    if (out->reason == EXIT_NONE || out->reason == EXIT_DEBUG) {
        run_take_exit_after(h, out);
    }
    return run_exit(h, out);
}

/* The loaded value as the instruction defines it: sign- or zero-extended from `size` bytes. */
static uint64_t mmio_extend(uint64_t data, unsigned size, bool is_signed)
{
    switch (size) {
    case 1:
        return is_signed ? (uint64_t)(int64_t)(int8_t)data : (uint8_t)data;
    case 2:
        return is_signed ? (uint64_t)(int64_t)(int16_t)data : (uint16_t)data;
    case 4:
        return is_signed ? (uint64_t)(int64_t)(int32_t)data : (uint32_t)data;
    default:
        return data;
    }
}

void cpu_complete_mmio(struct hart *h, const struct mmio_access *mmio)
{
    if (mmio->is_ram_watch) {
        return; /* the store already retired in RAM */
    }
    if (!mmio->is_write) {
        uint64_t val;

        if (!h->mmio_pending) {
            return;
        }
        val = mmio_extend(mmio->data, h->mmio_size, h->mmio_is_signed && !h->mmio_is_fp);
        if (h->mmio_is_fp) {
            /* Unprivileged §12.2: a 32-bit value in a 64-bit f register is NaN-boxed */
            h->f[h->mmio_rd & 31] = h->mmio_size == 4 ? val | 0xffffffff00000000ull : val;
            fp_set_dirty(h);
        } else {
            h->x[h->mmio_rd <= 32 ? h->mmio_rd : 32] = val;
        }
        h->mmio_pending = false;
    }
    h->pc += h->mmio_insn_len;
    h->insns++;
}
