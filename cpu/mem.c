/*
 * cpu/mem.c - the slow path of guest loads, stores and atomics: translate
 * through the MMU, turn a failed translation into the architectural
 * exception, split an access that crosses a page, send device accesses out
 * as MMIO exits, and keep decoded code and watched pages honest.
 * Course: 内存虚拟化 / 翻译过程, TLB：缓存地址翻译结果;
 *         I/O虚拟化 / 设备模拟 (捕捉MMIO操作: a device access leaves the CPU).
 * Spec: Privileged 20211203, §4.3.2 "Virtual Address Translation Process",
 *       §3.6.3 "Misaligned Accesses" (the EEI may perform them in hardware),
 *       §3.1.15 "Machine Cause Register" (cause codes), §3.1.16 (mtval = faulting VA);
 *       Unprivileged 20191213, §8.4 "Atomic Memory Operations" (AMOs need alignment).
 *
 * Simplified: a misaligned RAM access is performed (not trapped); one that
 * crosses a page translates both pages (one TLB lookup each) before any byte
 * moves, and reports the faulting part's address as tval. A misaligned device
 * access is an access fault. The host is little-endian (cpu/mem.h checks).
 * A device window the VMM mapped into the guest (hart_map_direct: a
 * passthrough VF's registers) is accessed in place, without an exit.
 */
#include "cpu/mem.h"

#include <string.h>

#include "cpu/internal.h"

/* Bits 0..size*8-1 set: the part of a register a `size`-byte access moves. */
static uint64_t mem_size_mask(unsigned size)
{
    return size >= 8 ? UINT64_MAX : (1ull << (size * 8)) - 1;
}

/* One data translation with the hart's effective privilege and mstatus bits. */
static void mem_xlate(struct hart *h, gva_t gva, unsigned size, enum access_type acc,
                      struct xlate_out *out)
{
    struct xlate_req req = {
        .gva = gva,
        .size = size,
        .acc = acc,
        .priv = h->data_priv,
        .satp = h->csr.satp,
        .sum = (h->csr.mstatus & MSTATUS_SUM) != 0,
        .mxr = (h->csr.mstatus & MSTATUS_MXR) != 0,
    };

    if (h->fast) {
        mem_fetch_touch(h);
    }
    mmu_translate(h->mmu, &req, out);
}

/*
 * A translation that did not reach RAM: the exception it becomes.
 * Loads (and LR) report load causes; stores, SC and AMOs report store/AMO
 * causes. A device reached here (misaligned, or an atomic) is an access fault.
 * A stage-2 fault (--mmu nested) is not the guest's: it exits to the VMM.
 */
static int mem_raise(struct hart *h, enum xlate_status status, bool is_store, gva_t gva,
                     gpa_t fault_gpa)
{
    uint64_t cause;

    if (status == XLATE_S2_FAULT) {
        return cpu_s2_fault(h, gva, fault_gpa, is_store ? ACCESS_STORE : ACCESS_LOAD);
    }
    if (status == XLATE_PAGE_FAULT) {
        cause = is_store ? CAUSE_STORE_PAGE_FAULT : CAUSE_LOAD_PAGE_FAULT;
    } else {
        cause = is_store ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
    }
    return cpu_raise(h, cause, gva);
}

/*
 * Leave the interpreter for the VMM's device model (KVM_EXIT_MMIO), or with
 * reason EXIT_PT_WRITE for its shadow MMU: a store to a write-protected
 * guest page table, which the VMM performs and completes the same way.
 */
static int mem_access_exit(struct hart *h, enum exit_reason reason, gva_t gva, gpa_t gpa,
                           unsigned size, bool is_write, uint64_t data)
{
    h->exit->reason = reason;
    h->exit->mmio.gva = gva;
    h->exit->mmio.gpa = gpa;
    h->exit->mmio.size = (uint8_t)size;
    h->exit->mmio.is_write = is_write;
    h->exit->mmio.data = is_write ? data & mem_size_mask(size) : 0;
    h->exit->mmio.is_ram_watch = false;
    h->exit->mmio.insn_pc = h->pc;
    h->exit->mmio.atomic_insn = 0;
    h->exit->mmio.htinst = 0; /* --cpu hw: the loop fills it in (hw_transformed_insn) */
    return (int)reason;
}

static int mem_mmio_exit(struct hart *h, gva_t gva, gpa_t gpa, unsigned size, bool is_write,
                         uint64_t data)
{
    return mem_access_exit(h, EXIT_MMIO, gva, gpa, size, is_write, data);
}

/*
 * A store reached a page holding decoded instructions: drop the decoded
 * copies (self-modifying code runs the new bytes), let stores to it use the
 * fast path again, and stop fetching through a view of the dropped page.
 */
static void mem_code_written(struct hart *h, gpa_t gpa)
{
    gpa_t gpa_page = gpa & ~PAGE_MASK;

    icache_invalidate_page(h->icache, gpa_page);
    gmem_clear_page_flags(h->gmem, gpa_page, GPAGE_CODE);
    if (h->fast->fetch.vpn_tag != FAST_INVALID && h->fast->fetch.gpa_page == gpa_page) {
        h->fast->fetch.vpn_tag = FAST_INVALID;
    }
}

/*
 * A store went to a watched RAM page: it is done; queue an exit to be taken
 * once this instruction retires (the interpreter loop stops after any
 * instruction that leaves exit_after_pending set). A page a device watches
 * (GPAGE_WATCH: HTIF tohost) gives the guest's counted MMIO exit; a page
 * only the monitor's `watch` watches (GPAGE_WATCH_DEBUG) gives EXIT_DEBUG,
 * which no counter sees. A page-crossing store may queue twice: the device's
 * exit is kept over the debugger's (the VMM compares every watched range).
 */
static void mem_watch_written(struct hart *h, gva_t gva, gpa_t gpa, unsigned size, uint64_t val,
                              unsigned page_flags)
{
    enum exit_reason reason = (page_flags & GPAGE_WATCH) ? EXIT_MMIO : EXIT_DEBUG;

    if (h->exit_after_pending && h->exit_after.reason == EXIT_MMIO && reason == EXIT_DEBUG) {
        return;
    }
    h->exit_after.reason = reason;
    h->exit_after.mmio.gva = gva;
    h->exit_after.mmio.gpa = gpa;
    h->exit_after.mmio.size = (uint8_t)size;
    h->exit_after.mmio.is_write = true;
    h->exit_after.mmio.data = val & mem_size_mask(size);
    h->exit_after.mmio.is_ram_watch = true;
    h->exit_after.mmio.insn_pc = h->pc; /* not advanced yet: the store's own pc */
    h->exit_after.mmio.htinst = 0;      /* retired already: no trapping instruction */
    h->exit_after_pending = true;
}

/* What every RAM store owes after its bytes are written. */
static void mem_after_store(struct hart *h, gva_t gva, const struct xlate_out *xo, unsigned size,
                            uint64_t val)
{
    if (xo->page_flags & GPAGE_CODE) {
        mem_code_written(h, xo->gpa);
    }
    if (xo->page_flags & (GPAGE_WATCH | GPAGE_WATCH_DEBUG)) {
        mem_watch_written(h, gva, xo->gpa, size, val, xo->page_flags);
    }
}

/* The device window mapped into the guest at gpa (hart_map_direct), or NULL. */
static const struct hart_direct_window *mem_direct_window(const struct hart *h, gpa_t gpa)
{
    for (unsigned i = 0; i < HART_DIRECT_WINDOWS; i++) {
        const struct hart_direct_window *w = &h->direct[i];
        if (w->size && gpa >= w->gpa && gpa - w->gpa < w->size) {
            return w;
        }
    }
    return NULL;
}

/*
 * An aligned access to a device mapped straight into the guest (a
 * passthrough VF's registers, window w): the hart performs it on the bus
 * itself, as hardware does - no exit. 0: done; else the access fault the
 * device's refusal raises.
 */
static int mem_direct_access(struct hart *h, const struct hart_direct_window *w, gva_t gva,
                             gpa_t gpa, unsigned size, bool is_write, uint64_t *data)
{
    int r;

    if (is_write) {
        r = w->write(w->dev, gpa - w->gpa, size, *data & mem_size_mask(size));
    } else {
        r = w->read(w->dev, gpa - w->gpa, size, data);
        *data &= mem_size_mask(size);
    }
    if (r < 0) {
        return mem_raise(h, XLATE_ACCESS_FAULT, is_write, gva, 0);
    }
    if (r > 0) {
        h->end_entry = true; /* its interrupt line moved: let the VMM route it now */
    }
    return 0;
}

/* A load inside one page. */
static int mem_load_page(struct hart *h, gva_t gva, unsigned size, uint64_t *out)
{
    struct xlate_out xo;

    mem_xlate(h, gva, size, ACCESS_LOAD, &xo);
    if (xo.status == XLATE_MMIO && (gva & (size - 1)) == 0) {
        const struct hart_direct_window *w = mem_direct_window(h, xo.gpa);
        return w ? mem_direct_access(h, w, gva, xo.gpa, size, false, out)
                 : mem_mmio_exit(h, gva, xo.gpa, size, false, 0);
    }
    if (xo.status != XLATE_OK) {
        return mem_raise(h, xo.status == XLATE_MMIO ? XLATE_ACCESS_FAULT : xo.status, false, gva,
                         xo.fault_gpa);
    }
    *out = mem_host_read(xo.host, size);
    return 0;
}

/*
 * Translate both parts of an access that crosses a page: `first` bytes at
 * gva, the rest at the start of the next page. Both must reach RAM/ROM; a
 * fault names the part that failed (tval = that part's first byte).
 */
static int mem_xlate_split(struct hart *h, gva_t gva, unsigned size, unsigned first,
                           enum access_type acc, struct xlate_out xo[2])
{
    gva_t part_gva[2] = {gva, gva + first};
    unsigned part_size[2] = {first, size - first};
    bool is_store = acc == ACCESS_STORE;

    for (unsigned i = 0; i < 2; i++) {
        mem_xlate(h, part_gva[i], part_size[i], acc, &xo[i]);
        if (xo[i].status == XLATE_MMIO) {
            return mem_raise(h, XLATE_ACCESS_FAULT, is_store, part_gva[i], 0);
        }
        if (xo[i].status != XLATE_OK) {
            return mem_raise(h, xo[i].status, is_store, part_gva[i], xo[i].fault_gpa);
        }
    }
    return 0;
}

int mem_load_slow(struct hart *h, gva_t gva, unsigned size, uint64_t *out)
{
    unsigned first = (unsigned)(PAGE_SIZE - (gva & PAGE_MASK));
    struct xlate_out xo[2];
    uint8_t bytes[8];
    uint64_t val = 0;
    int r;

    if (size <= first) {
        return mem_load_page(h, gva, size, out);
    }
    r = mem_xlate_split(h, gva, size, first, ACCESS_LOAD, xo);
    if (r) {
        return r;
    }
    memcpy(bytes, xo[0].host, first);
    memcpy(bytes + first, xo[1].host, size - first);
    memcpy(&val, bytes, size);
    *out = val;
    return 0;
}

/* A store inside one page. */
static int mem_store_page(struct hart *h, gva_t gva, unsigned size, uint64_t val)
{
    struct xlate_out xo;

    mem_xlate(h, gva, size, ACCESS_STORE, &xo);
    if (xo.status == XLATE_MMIO && (gva & (size - 1)) == 0) {
        const struct hart_direct_window *w = mem_direct_window(h, xo.gpa);
        return w ? mem_direct_access(h, w, gva, xo.gpa, size, true, &val)
                 : mem_mmio_exit(h, gva, xo.gpa, size, true, val);
    }
    if (xo.status == XLATE_PT_WRITE) {
        return mem_access_exit(h, EXIT_PT_WRITE, gva, xo.gpa, size, true, val);
    }
    if (xo.status != XLATE_OK) {
        return mem_raise(h, xo.status == XLATE_MMIO ? XLATE_ACCESS_FAULT : xo.status, true, gva,
                         xo.fault_gpa);
    }
    mem_host_write(xo.host, size, val);
    mem_after_store(h, gva, &xo, size, val);
    return 0;
}

int mem_store_slow(struct hart *h, gva_t gva, unsigned size, uint64_t val)
{
    unsigned first = (unsigned)(PAGE_SIZE - (gva & PAGE_MASK));
    struct xlate_out xo[2];
    uint8_t bytes[8];
    int r;

    if (size <= first) {
        return mem_store_page(h, gva, size, val);
    }
    r = mem_xlate_split(h, gva, size, first, ACCESS_STORE, xo);
    if (r) {
        return r; /* nothing written: both parts must translate first */
    }
    memcpy(bytes, &val, size);
    memcpy(xo[0].host, bytes, first);
    memcpy(xo[1].host, bytes + first, size - first);
    mem_after_store(h, gva, &xo[0], size, val);
    mem_after_store(h, gva + first, &xo[1], size, val);
    return 0;
}

int mem_amo_ptr(struct hart *h, gva_t gva, unsigned size, bool is_load_only, uint8_t **out_host,
                gpa_t *out_gpa)
{
    struct xlate_out xo;
    bool is_store = !is_load_only;

    if (gva & (size - 1)) {
        /* Unprivileged §8.2/§8.4: LR raises load, SC/AMO store/AMO misaligned */
        return cpu_raise(h, is_store ? CAUSE_MISALIGNED_STORE : CAUSE_MISALIGNED_LOAD, gva);
    }
    if (h->pt_atomic_host) {
        /* the VMM performs this AMO/SC on a write-protected page table (cpu_pt_atomic) */
        *out_host = h->pt_atomic_host;
        *out_gpa = h->pt_atomic_gpa;
        h->pt_atomic_host = NULL;
        return 0;
    }
    mem_xlate(h, gva, size, is_store ? ACCESS_STORE : ACCESS_LOAD, &xo);
    if (xo.status == XLATE_PT_WRITE) {
        return mem_access_exit(h, EXIT_PT_WRITE, gva, xo.gpa, size, true, 0);
    }
    if (xo.status != XLATE_OK) {
        /* a device has no atomics here: access fault */
        return mem_raise(h, xo.status == XLATE_MMIO ? XLATE_ACCESS_FAULT : xo.status, is_store, gva,
                         xo.fault_gpa);
    }
    if (is_store && (xo.page_flags & GPAGE_CODE)) {
        mem_code_written(h, xo.gpa); /* the caller writes right after: same instruction */
    }
    if (is_store && (xo.page_flags & (GPAGE_WATCH | GPAGE_WATCH_DEBUG))) {
        /* value not known yet: the VMM reads RAM */
        mem_watch_written(h, gva, xo.gpa, size, 0, xo.page_flags);
    }
    *out_host = xo.host;
    *out_gpa = xo.gpa;
    return 0;
}

void cpu_mmio_load_pending(struct hart *h, const struct insn *in, unsigned size, bool is_signed,
                           bool is_fp)
{
    h->mmio_pending = true;
    h->mmio_rd = in->rd;
    h->mmio_size = (uint8_t)size;
    h->mmio_is_signed = is_signed;
    h->mmio_is_fp = is_fp;
    h->mmio_insn_len = in->len;
}
