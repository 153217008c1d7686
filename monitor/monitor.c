/*
 * monitor/monitor.c - the command monitor (readline prompt or a script).
 * Course: 处理器虚拟化 / VCPU的虚拟寄存器 - a student stops the guest between
 *         two instructions and reads the state the VMM keeps for it: the
 *         program counter, general registers, system registers (CSRs), the
 *         exits taken so far, guest memory by GVA and by GPA.
 *
 * Commands (gdb / QEMU HMP names): info registers|csrs|exits|stats|vms|devices,
 * step [N], continue, break ADDR, watch GPA [LEN], info break|watch, delete [N],
 * x/N[bhwg] GVA, xp/N[bhwg] GPA, disas [ADDR [N]], trace exits|insns|walks|io on|off,
 * vq dump, help, quit.
 * Course (info devices, vq dump): I/O虚拟化 - the devices the VMM emulates and
 *         a virtqueue's 描述符表 / 可用环 / 已用环 (vm/ioview.c, io/ioview.c).
 * Watchpoints (vm/watch.c) are on guest-PHYSICAL bytes and stop after the
 * store that changed them; breakpoints and watchpoints share one numbered
 * list (`info break`), numbered by position as `break` always numbered it.
 * Simplified: one vCPU. With several VMs (--vm) the
 * monitor debugs vm0 (registers, memory, steps, its counters); `info vms`
 * lists them all.
 */
#include "monitor/monitor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cpu/cpu.h"
#include "cpu/encoding.h"
#include "vm/vm.h"

struct monitor {
    struct vm *vm;
    FILE *script; /* NULL: readline */
    bool script_is_stdin;
    FILE *out;
    uint64_t step_count;
};

static const char *const command_names[] = {
    "info",  "step",      "continue", "break",   "delete", "x",   "xp",    "disas", "trace", "help",
    "quit",  "registers", "csrs",     "exits",   "stats",  "tlb", "walk",  "vms",   "pt",    "dump",
    "guest", "shadow",    "stage2",   "devices", "vq",     "io",  "watch", NULL,
};

static const char *const gpr_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

/* ------------------------------------------------------------- readline */

static char *complete_command(const char *text, int state)
{
    static size_t index; /* readline's generator protocol keeps state between calls */
    if (state == 0) {
        index = 0;
    }
    size_t len = strlen(text);
    while (command_names[index]) {
        const char *name = command_names[index++];
        if (strncmp(name, text, len) == 0) {
            return strdup(name);
        }
    }
    return NULL;
}

static char **complete_line(const char *text, int start, int end)
{
    (void)start;
    (void)end;
    rl_attempted_completion_over = 1;
    return rl_completion_matches(text, complete_command);
}

struct monitor *monitor_create(struct vm *vm, const char *script_path, FILE *out)
{
    struct monitor *mon = calloc(1, sizeof(*mon));
    if (!mon) {
        return NULL;
    }
    mon->vm = vm;
    mon->out = out;
    if (script_path && strcmp(script_path, "-") == 0) {
        mon->script = stdin;
        mon->script_is_stdin = true;
    } else if (script_path) {
        mon->script = fopen(script_path, "r");
        if (!mon->script) {
            fprintf(stderr, "vmlab: --monitor-script %s: cannot open: %s\n", script_path,
                    strerror(errno));
            free(mon);
            return NULL;
        }
    } else {
        rl_attempted_completion_function = complete_line;
    }
    return mon;
}

void monitor_destroy(struct monitor *mon)
{
    if (mon && mon->script && !mon->script_is_stdin) {
        fclose(mon->script);
    }
    free(mon);
}

uint64_t monitor_step_count(const struct monitor *mon)
{
    return mon->step_count;
}

/* ------------------------------------------------------------- commands */

static const char *priv_name(enum priv_level priv)
{
    return priv == PRV_M ? "M" : priv == PRV_S ? "S" : "U";
}

static void cmd_info_registers(struct monitor *mon)
{
    const struct hart *h = &vm_vcpu(mon->vm)->hart;
    fprintf(mon->out, "pc  0x%016" PRIx64 "  privilege %s%s\n", h->pc, h->virt ? "V" : "",
            priv_name(h->priv)); /* --cpu hw: VS or VU */
    for (int reg = 0; reg < 32; reg++) {
        fprintf(mon->out, "x%-2d %-4s 0x%016" PRIx64 "%s", reg, gpr_names[reg], h->x[reg],
                reg % 3 == 2 ? "\n" : "   ");
    }
    fputc('\n', mon->out);
}

/*
 * --cpu hw: the hypervisor's CSRs, HS-mode's trap CSRs as the last exit left
 * them, and the guest's supervisor CSRs under their hardware names (vs*).
 */
static void info_csrs_hw(struct monitor *mon, struct hart *h)
{
    static const unsigned shown[] = {
        CSR_HSTATUS, CSR_HEDELEG, CSR_HIDELEG,    CSR_HVIP,      CSR_HCOUNTEREN,
        CSR_HTVAL,   CSR_HTINST,  CSR_HTIMEDELTA, CSR_HGATP,     CSR_VSSTATUS,
        CSR_VSIE,    CSR_VSIP,    CSR_VSTVEC,     CSR_VSSCRATCH, CSR_VSEPC,
        CSR_VSCAUSE, CSR_VSTVAL,  CSR_VSATP,      CSR_VSTIMECMP, CSR_FCSR,
    };
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        uint64_t value = 0;
        const char *name = shown[i] == CSR_VSTIMECMP ? "vstimecmp" : csr_name(shown[i]);
        if (csr_peek(h, shown[i], &value) == 0) {
            fprintf(mon->out, "%-10s 0x%016" PRIx64 "%s", name ? name : "?", value,
                    i % 2 ? "\n" : "   ");
        }
    }
    fprintf(mon->out,
            "\nHS at the last exit: scause 0x%" PRIx64 "  stval 0x%" PRIx64 "  sepc 0x%016" PRIx64
            "\n",
            h->hs.scause, h->hs.stval, h->hs.sepc);
    fprintf(mon->out, "V=1, privilege V%s   mtime %" PRIu64 "\n", priv_name(h->priv),
            hart_time_now(h));
}

static void cmd_info_csrs(struct monitor *mon)
{
    static const unsigned shown[] = {
        CSR_MSTATUS, CSR_MISA,       CSR_MEDELEG,    CSR_MIDELEG,  CSR_MIE,
        CSR_MIP,     CSR_MTVEC,      CSR_MSCRATCH,   CSR_MEPC,     CSR_MCAUSE,
        CSR_MTVAL,   CSR_MCOUNTEREN, CSR_MENVCFG,    CSR_SSTATUS,  CSR_SIE,
        CSR_SIP,     CSR_STVEC,      CSR_SSCRATCH,   CSR_SEPC,     CSR_SCAUSE,
        CSR_STVAL,   CSR_SATP,       CSR_SCOUNTEREN, CSR_STIMECMP, CSR_FCSR,
    };
    struct hart *h = &vm_vcpu(mon->vm)->hart;
    if (h->virt) {
        info_csrs_hw(mon, h);
        return;
    }
    /* csr_peek reads as the VMM: full rights, no checks, nothing counted */
    for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
        uint64_t value = 0;
        const char *name = csr_name(shown[i]);
        if (csr_peek(h, shown[i], &value) == 0) {
            fprintf(mon->out, "%-10s 0x%016" PRIx64 "%s", name ? name : "?", value,
                    i % 2 ? "\n" : "   ");
        }
    }
    fprintf(mon->out, "\nprivilege %s   mtime %" PRIu64 "\n", priv_name(h->priv), hart_time_now(h));
}

static void print_stat(void *ctx, const char *name, uint64_t value)
{
    struct monitor *mon = ctx;
    fprintf(mon->out, "  %-22s %" PRIu64 "\n", name, value);
}

static void print_exit_stat(void *ctx, const char *name, uint64_t value)
{
    if (strncmp(name, "exits.", 6) == 0) {
        print_stat(ctx, name, value);
    }
}

/* Parse a number (C syntax: 0x.., decimal). */
static int parse_number(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (errno || end == text || (*end && *end != '\n')) {
        return -1;
    }
    *out = value;
    return 0;
}

/* x/N[bhwg] and xp/N[bhwg]: count and unit size from the suffix. */
static int parse_examine(const char *suffix, uint64_t *count, unsigned *unit)
{
    *count = 1;
    *unit = 4;
    if (*suffix == '\0') {
        return 0;
    }
    if (*suffix++ != '/') {
        return -1;
    }
    char *end = NULL;
    if (*suffix >= '0' && *suffix <= '9') {
        *count = strtoull(suffix, &end, 10);
        suffix = end;
    }
    for (; *suffix; suffix++) {
        switch (*suffix) {
        case 'b':
            *unit = 1;
            break;
        case 'h':
            *unit = 2;
            break;
        case 'w':
            *unit = 4;
            break;
        case 'g':
            *unit = 8;
            break;
        case 'x':
            break;
        default:
            return -1;
        }
    }
    return *count > 0 && *count <= 4096 ? 0 : -1;
}

static int read_guest(struct monitor *mon, bool is_virtual, uint64_t where, void *buf, unsigned len)
{
    gpa_t gpa = where;
    if (is_virtual && vm_debug_translate(mon->vm, where, &gpa) != 0) {
        return -1;
    }
    return gmem_read(vm_gmem(mon->vm), gpa, buf, len);
}

static void cmd_examine(struct monitor *mon, bool is_virtual, const char *suffix, const char *arg)
{
    uint64_t count, where;
    unsigned unit;
    if (parse_examine(suffix, &count, &unit) || !arg || parse_number(arg, &where)) {
        fprintf(mon->out, "usage: %s/N[bhwg] ADDRESS\n", is_virtual ? "x" : "xp");
        return;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint64_t at = where + i * unit, value = 0;
        if (i % (16 / unit) == 0) {
            fprintf(mon->out, "%s%016" PRIx64 ":", i ? "\n" : "", at);
        }
        if (read_guest(mon, is_virtual, at, &value, unit) != 0) {
            fprintf(mon->out, " <cannot read %s 0x%" PRIx64 ">", is_virtual ? "GVA" : "GPA", at);
            break;
        }
        fprintf(mon->out, " 0x%0*" PRIx64, (int)unit * 2, value);
    }
    fputc('\n', mon->out);
}

static void cmd_disas(struct monitor *mon, const char *arg1, const char *arg2)
{
    uint64_t gva = vm_vcpu(mon->vm)->hart.pc, count = 10;
    if ((arg1 && parse_number(arg1, &gva)) || (arg2 && parse_number(arg2, &count)) || count == 0 ||
        count > 1000) {
        fputs("usage: disas [GVA [N]]\n", mon->out);
        return;
    }
    for (uint64_t i = 0; i < count; i++) {
        uint32_t raw = 0;
        char text[96];
        if (read_guest(mon, true, gva, &raw, 2) != 0) {
            fprintf(mon->out, "0x%016" PRIx64 ": <cannot read>\n", gva);
            return;
        }
        if ((raw & 3) == 3 && read_guest(mon, true, gva, &raw, 4) != 0) {
            fprintf(mon->out, "0x%016" PRIx64 ": <cannot read>\n", gva);
            return;
        }
        unsigned len = cpu_disas(raw, gva, text, sizeof(text));
        fprintf(mon->out, "0x%016" PRIx64 ":  %0*" PRIx32 "  %s\n", gva, (raw & 3) == 3 ? 8 : 4,
                raw, text);
        gva += len ? len : ((raw & 3) == 3 ? 4 : 2);
    }
}

/* PTE flag letters as the spec orders them: D A G U X W R V (§4.3.1). */
static void pte_flags_text(uint64_t pte, char out[9])
{
    static const char letters[] = "DAGUXWRV";
    for (int bit = 7; bit >= 0; bit--) {
        out[7 - bit] = (pte >> bit) & 1 ? letters[7 - bit] : '-';
    }
    out[8] = '\0';
}

static const char *const xlate_status_text[] = {
    [XLATE_OK] = "ok",
    [XLATE_MMIO] = "a device (MMIO)",
    [XLATE_PAGE_FAULT] = "page fault",
    [XLATE_ACCESS_FAULT] = "access fault",
    [XLATE_S2_FAULT] = "stage-2 fault (not mapped yet: the VMM maps it on first touch)",
};

/*
 * walk GVA: every PTE access the hart's walk of GVA makes, in order - the
 * lecture's 页表遍历, read one access at a time. Nothing is counted or set.
 */
static void cmd_walk(struct monitor *mon, const char *arg)
{
    uint64_t gva;
    struct xlate_out out;
    struct walk_trace trace;

    if (!arg || parse_number(arg, &gva)) {
        fputs("usage: walk GVA\n", mon->out);
        return;
    }
    vm_debug_walk(mon->vm, gva, &out, &trace);
    if (trace.n == 0 && !trace.tlb_hit) {
        fputs("no walk: translation is off here (M-mode, or satp Bare): GPA = GVA\n", mon->out);
    }
    unsigned reads = 0;
    for (unsigned i = 0; i < trace.n; i++) {
        const struct walk_step *st = &trace.step[i];
        char flags[9];
        if (st->pwc_hit) {
            fprintf(mon->out,
                    "%2u: stage 2 PWC hit for GPA 0x%" PRIx64 " -> HPA 0x%" PRIx64
                    ": no PTE read\n",
                    i + 1, st->pte_gpa, st->pte_hpa);
            continue;
        }
        reads++;
        pte_flags_text(st->pte, flags);
        /* stage 2: the PTE is in the VMM's table, found from the GPA being translated */
        fprintf(mon->out,
                "%2u: stage %u level %u %s PTE %s GPA 0x%" PRIx64 " (HPA 0x%" PRIx64
                "): 0x%016" PRIx64 " %s\n",
                i + 1, st->stage, st->level, st->is_write ? "write" : "read ",
                st->stage == 2 ? "for" : "at", st->pte_gpa, st->pte_hpa, st->pte, flags);
    }
    fprintf(mon->out, "TLB %s; %u PTE accesses; %s", trace.tlb_hit ? "hit" : "miss", reads,
            xlate_status_text[out.status]);
    if (out.status == XLATE_OK || out.status == XLATE_MMIO) {
        fprintf(mon->out, ": GVA 0x%" PRIx64 " -> GPA 0x%" PRIx64, gva, out.gpa);
        if (out.status == XLATE_OK) {
            fprintf(mon->out, " -> HPA 0x%" PRIx64, out.hpa);
        }
    }
    fputc('\n', mon->out);
}

/* info tlb: the valid entries of the modelled TLB, set by set. */
/* pt dump: one line per valid entry, indented by depth, at most PT_DUMP_MAX lines. */
#define PT_DUMP_MAX 400

struct pt_dump_print {
    FILE *out;
    unsigned top_level, lines, skipped;
    const char *target_space; /* what a leaf's PPN is: "GPA" or "HPA" */
};

static void pt_dump_line(void *opaque, const struct pt_dump_entry *e)
{
    struct pt_dump_print *p = opaque;
    char flags[9];

    if (p->lines == PT_DUMP_MAX) {
        p->skipped++;
        return;
    }
    p->lines++;
    pte_flags_text(e->pte, flags);
    fprintf(p->out, "%*sL%u[%3u] 0x%012" PRIx64 " %s %s 0x%" PRIx64 " %s\n",
            2 * (int)(p->top_level - e->level), "", e->level, e->index, e->va,
            e->is_leaf ? "->" : "=>", e->is_leaf ? p->target_space : "table", e->target, flags);
}

/* pt dump guest|shadow|stage2: the tree as the MMU would walk it now. */
static void cmd_pt_dump(struct monitor *mon, const char *sub, const char *which)
{
    struct pt_dump_print p = {mon->out, 4, 0, 0, "GPA"};
    enum vm_pt_kind kind;
    const char *why = NULL;

    if (!sub || strcmp(sub, "dump") != 0 || !which) {
        fputs("usage: pt dump guest|shadow|stage2\n", mon->out);
        return;
    }
    if (strcmp(which, "guest") == 0) {
        kind = VM_PT_GUEST;
    } else if (strcmp(which, "shadow") == 0) {
        kind = VM_PT_SHADOW;
        p.target_space = "HPA";
    } else if (strcmp(which, "stage2") == 0) {
        kind = VM_PT_STAGE2;
        p.target_space = "HPA";
    } else {
        fputs("usage: pt dump guest|shadow|stage2\n", mon->out);
        return;
    }
    p.top_level = 3; /* indentation only: deeper levels further right */
    if (vm_debug_pt_dump(mon->vm, kind, pt_dump_line, &p, &why) != 0) {
        fprintf(mon->out, "pt dump %s: %s\n", which, why);
        return;
    }
    if (p.skipped) {
        fprintf(mon->out, "... %u more entries not shown\n", p.skipped);
    }
    fprintf(mon->out, "%u valid entries\n", p.lines + p.skipped);
}

/* vq dump [SLOT|vdX|vf] [QUEUE]: the virtqueue as guest memory holds it (vm/ioview.c). */
static void cmd_vq_dump(struct monitor *mon, const char *sub, const char *which, const char *queue)
{
    if (!sub || strcmp(sub, "dump") != 0) {
        fputs("usage: vq dump [SLOT|vdX|vf] [QUEUE]\n", mon->out);
        return;
    }
    vm_vq_dump(mon->vm, which, queue, mon->out);
}

static void cmd_info_tlb(struct monitor *mon)
{
    const struct tlb_entry *entries;
    unsigned ways = 1;
    unsigned n = vm_debug_tlb(mon->vm, &entries, &ways);
    unsigned valid = 0;
    bool shared = host_nvms(vm_host(mon->vm)) > 1; /* several VMs: say whose each entry is */

    for (unsigned i = 0; i < n; i++) {
        const struct tlb_entry *te = &entries[i];
        if (!te->valid) {
            continue;
        }
        char flags[9], owner[24] = "";
        pte_flags_text(te->pte_perms, flags);
        if (shared) {
            snprintf(owner, sizeof(owner), "vmid %u ", te->vmid);
        }
        fprintf(mon->out,
                "set %2u way %u: %sGVA 0x%" PRIx64 " -> GPA 0x%" PRIx64 " asid %u%s level %u %s"
                " lru %" PRIu64 "\n",
                i / ways, i % ways, owner, te->vpn << 12, te->gpa_page, te->asid,
                te->global ? " global" : "", te->level, flags, te->lru);
        valid++;
    }
    fprintf(mon->out, "%u of %u entries valid (%u ways)\n", valid, n, ways);
}

/* The watchpoints, numbered after the breakpoints (one list, as gdb's `info break`). */
static unsigned list_watchpoints(struct monitor *mon)
{
    const gva_t *breaks;
    const struct vm_watch *watches;
    unsigned nb = vm_break_list(mon->vm, &breaks);
    unsigned nw = vm_watch_list(mon->vm, &watches);
    for (unsigned i = 0; i < nw; i++) {
        fprintf(mon->out, "%u: watchpoint GPA 0x%016" PRIx64 " len %u\n", nb + i + 1,
                watches[i].gpa, watches[i].len);
    }
    return nw;
}

/* `break` with no argument, `info break`: breakpoints, then watchpoints. */
static void list_breakpoints(struct monitor *mon)
{
    const gva_t *list;
    unsigned n = vm_break_list(mon->vm, &list);
    for (unsigned i = 0; i < n; i++) {
        fprintf(mon->out, "%u: 0x%016" PRIx64 "\n", i + 1, list[i]);
    }
    if (list_watchpoints(mon) + n == 0) {
        fputs("no breakpoints or watchpoints\n", mon->out);
    }
}

static void cmd_break(struct monitor *mon, const char *arg)
{
    uint64_t gva;
    if (!arg) {
        list_breakpoints(mon);
        return;
    }
    if (parse_number(arg, &gva)) {
        fputs("usage: break GVA\n", mon->out);
        return;
    }
    int index = vm_break_add(mon->vm, gva);
    if (index < 0) {
        fputs("too many breakpoints\n", mon->out);
        return;
    }
    fprintf(mon->out, "breakpoint %d at 0x%016" PRIx64 "\n", index + 1, gva);
}

/*
 * watch GPA [LEN]: stop after a guest store changes any of the LEN bytes
 * (default 8) at GPA. One line saying why when it cannot be set.
 */
static void cmd_watch(struct monitor *mon, const char *arg1, const char *arg2)
{
    uint64_t gpa, len = 8;
    if (!arg1 || parse_number(arg1, &gpa) || (arg2 && parse_number(arg2, &len))) {
        fputs("usage: watch GPA [LEN]  (LEN 1, 2, 4 or 8 bytes; default 8)\n", mon->out);
        return;
    }
    int index = vm_watch_add(mon->vm, gpa, len > 8 ? 0 : (unsigned)len);
    if (index == -EINVAL) {
        fprintf(mon->out, "watch: LEN %" PRIu64 " is not 1, 2, 4 or 8\n", len);
    } else if (index == -EFAULT) {
        fprintf(mon->out, "watch: GPA 0x%" PRIx64 " (%" PRIu64 " bytes) is not guest RAM\n", gpa,
                len);
    } else if (index < 0) {
        fprintf(mon->out, "watch: too many watchpoints (at most %d)\n", VM_WATCH_MAX);
    } else {
        const gva_t *breaks;
        fprintf(mon->out, "watchpoint %u: GPA 0x%016" PRIx64 " len %" PRIu64 "\n",
                vm_break_list(mon->vm, &breaks) + (unsigned)index + 1, gpa, len);
    }
}

/* delete N: N as `info break` numbers them (breakpoints, then watchpoints). */
static void cmd_delete(struct monitor *mon, const char *arg)
{
    uint64_t number;
    const gva_t *breaks;
    if (!arg) {
        vm_break_clear(mon->vm);
        vm_watch_clear(mon->vm);
        return;
    }
    unsigned nb = vm_break_list(mon->vm, &breaks);
    bool ok = parse_number(arg, &number) == 0 && number != 0 && number <= UINT32_MAX;
    if (ok) {
        ok = number <= nb ? vm_break_delete(mon->vm, (unsigned)number - 1)
                          : vm_watch_delete(mon->vm, (unsigned)(number - nb - 1));
    }
    if (!ok) {
        fputs("usage: delete [N]  (N from `info break`)\n", mon->out);
    }
}

/*
 * On entry after a watchpoint stopped the VM, gdb-style, one line per
 * changed watch: "Watchpoint N: GPA ..  Old value = ..  New value = ..  at pc .. (insn)".
 */
static void print_watch_hits(struct monitor *mon)
{
    struct vm_watch_hit hit;
    const gva_t *breaks;
    unsigned nb = vm_break_list(mon->vm, &breaks);

    while (vm_watch_take_hit(mon->vm, &hit)) {
        uint32_t raw = 0;
        char text[96] = "<cannot read>";
        if (read_guest(mon, true, hit.pc, &raw, 2) == 0 &&
            ((raw & 3) != 3 || read_guest(mon, true, hit.pc, &raw, 4) == 0)) {
            cpu_disas(raw, hit.pc, text, sizeof(text));
        }
        char *tab = strchr(text, '\t');
        if (tab) {
            *tab = ' '; /* one line: "sd a5,8(s0)" */
        }
        fprintf(mon->out,
                "Watchpoint %u: GPA 0x%" PRIx64 "  Old value = 0x%0*" PRIx64
                "  New value = 0x%0*" PRIx64 "  at pc 0x%" PRIx64 " (%s)\n",
                nb + hit.index + 1, hit.gpa, (int)hit.len * 2, hit.old_value, (int)hit.len * 2,
                hit.new_value, hit.pc, text);
    }
}

static void cmd_trace(struct monitor *mon, const char *what, const char *onoff)
{
    unsigned flag = what && strcmp(what, "exits") == 0   ? TRACE_EXITS
                    : what && strcmp(what, "insns") == 0 ? TRACE_INSNS
                    : what && strcmp(what, "walks") == 0 ? TRACE_WALKS
                    : what && strcmp(what, "io") == 0    ? TRACE_IO
                                                         : 0;
    if (!flag || !onoff || (strcmp(onoff, "on") && strcmp(onoff, "off"))) {
        fputs("usage: trace exits|insns|walks|io on|off\n", mon->out);
        return;
    }
    unsigned flags = vm_trace_flags(mon->vm);
    vm_set_trace(mon->vm, strcmp(onoff, "on") == 0 ? flags | flag : flags & ~flag);
}

static void cmd_help(struct monitor *mon)
{
    fputs("info registers|csrs|exits|stats   the virtual hart's state and counters\n"
          "info tlb            the modelled TLB's valid entries\n"
          "info vms            every VM: index, image, RAM, mmu, state, insns (this is vm0)\n"
          "walk GVA            every PTE access of the walk of GVA (nothing counted)\n"
          "step [N]            run N instructions (default 1), then stop\n"
          "continue            run until a breakpoint or the end\n"
          "break [GVA]         stop before executing at GVA (no argument: list)\n"
          "watch GPA [LEN]     stop after a guest store changes the LEN (1,2,4,8; default 8)\n"
          "                    bytes at guest-PHYSICAL GPA (not the VMM's writes or DMA)\n"
          "info break|watch    breakpoints and watchpoints, numbered | watchpoints only\n"
          "delete [N]          delete breakpoint or watchpoint N (no argument: all)\n"
          "x/N[bhwg] GVA       examine guest memory through the guest's page tables\n"
          "xp/N[bhwg] GPA      examine guest-physical memory\n"
          "disas [GVA [N]]     disassemble N instructions (default: 10 at pc)\n"
          "trace exits|insns|walks|io on|off\n"
          "info devices        MMIO windows, disks, virtio transports and their io counters\n"
          "vq dump [SLOT|vdX|vf] [Q]\n"
          "                    a virtqueue's descriptor table and rings (nothing counted)\n"
          "pt dump guest|shadow|stage2  every valid entry of that page-table tree\n"
          "quit                end the run (exit status 3)\n",
          mon->out);
}

static int cmd_info(struct monitor *mon, const char *what)
{
    if (what && strcmp(what, "registers") == 0) {
        cmd_info_registers(mon);
    } else if (what && strcmp(what, "csrs") == 0) {
        cmd_info_csrs(mon);
    } else if (what && strcmp(what, "exits") == 0) {
        vm_stats_foreach(mon->vm, print_exit_stat, mon);
    } else if (what && strcmp(what, "stats") == 0) {
        vm_stats_foreach(mon->vm, print_stat, mon);
    } else if (what && strcmp(what, "tlb") == 0) {
        cmd_info_tlb(mon);
    } else if (what && strcmp(what, "vms") == 0) {
        host_print_vms(vm_host(mon->vm), mon->out);
    } else if (what && strcmp(what, "devices") == 0) {
        vm_print_devices(mon->vm, mon->out);
    } else if (what && (strcmp(what, "break") == 0 || strcmp(what, "breakpoints") == 0)) {
        list_breakpoints(mon);
    } else if (what && (strcmp(what, "watch") == 0 || strcmp(what, "watchpoints") == 0)) {
        if (list_watchpoints(mon) == 0) {
            fputs("no watchpoints\n", mon->out);
        }
    } else {
        fputs("usage: info registers|csrs|exits|stats|tlb|vms|devices|break|watch\n", mon->out);
    }
    return -1;
}

int monitor_execute(struct monitor *mon, const char *line)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", line);
    char *save = NULL;
    char *cmd = strtok_r(buf, " \t\n", &save);
    char *arg1 = cmd ? strtok_r(NULL, " \t\n", &save) : NULL;
    char *arg2 = arg1 ? strtok_r(NULL, " \t\n", &save) : NULL;
    uint64_t count = 1;

    if (!cmd || cmd[0] == '#') {
        return -1;
    }
    if (strcmp(cmd, "info") == 0) {
        return cmd_info(mon, arg1);
    }
    if (strcmp(cmd, "step") == 0 || strcmp(cmd, "s") == 0 || strcmp(cmd, "stepi") == 0) {
        if (arg1 && (parse_number(arg1, &count) || count == 0)) {
            fputs("usage: step [N]\n", mon->out);
            return -1;
        }
        mon->step_count = count;
        vm_debug_set_step(mon->vm, count);
        return MONITOR_STEP;
    }
    if (strcmp(cmd, "continue") == 0 || strcmp(cmd, "c") == 0 || strcmp(cmd, "cont") == 0) {
        return MONITOR_CONTINUE;
    }
    if (strcmp(cmd, "quit") == 0 || strcmp(cmd, "q") == 0) {
        return MONITOR_QUIT;
    }
    if (strcmp(cmd, "break") == 0 || strcmp(cmd, "b") == 0) {
        cmd_break(mon, arg1);
    } else if (strcmp(cmd, "watch") == 0) {
        cmd_watch(mon, arg1, arg2);
    } else if (strcmp(cmd, "delete") == 0 || strcmp(cmd, "d") == 0) {
        cmd_delete(mon, arg1);
    } else if (strncmp(cmd, "xp", 2) == 0 && (cmd[2] == '\0' || cmd[2] == '/')) {
        cmd_examine(mon, false, cmd + 2, arg1);
    } else if (cmd[0] == 'x' && (cmd[1] == '\0' || cmd[1] == '/')) {
        cmd_examine(mon, true, cmd + 1, arg1);
    } else if (strcmp(cmd, "walk") == 0) {
        cmd_walk(mon, arg1);
    } else if (strcmp(cmd, "pt") == 0) {
        cmd_pt_dump(mon, arg1, arg2);
    } else if (strcmp(cmd, "vq") == 0) {
        cmd_vq_dump(mon, arg1, arg2, strtok_r(NULL, " \t\n", &save));
    } else if (strcmp(cmd, "disas") == 0) {
        cmd_disas(mon, arg1, arg2);
    } else if (strcmp(cmd, "trace") == 0) {
        cmd_trace(mon, arg1, arg2);
    } else if (strcmp(cmd, "help") == 0 || strcmp(cmd, "?") == 0) {
        cmd_help(mon);
    } else {
        fprintf(mon->out, "unknown command '%s' (try help)\n", cmd);
    }
    return -1;
}

/* One line from the script or the prompt; NULL at end of input. */
static char *monitor_read_line(struct monitor *mon)
{
    if (!mon->script) {
        char *line = readline("(vmlab) ");
        if (line && *line) {
            add_history(line);
        }
        return line;
    }
    char *line = NULL;
    size_t cap = 0;
    if (getline(&line, &cap, mon->script) < 0) {
        free(line);
        return NULL;
    }
    fprintf(mon->out, "(vmlab) %s", line);
    if (line[0] && line[strlen(line) - 1] != '\n') {
        fputc('\n', mon->out);
    }
    return line;
}

enum monitor_action monitor_enter(struct monitor *mon)
{
    print_watch_hits(mon);
    for (;;) {
        char *line = monitor_read_line(mon);
        if (!line) {
            /* end of the script: let the guest run to its end */
            return MONITOR_CONTINUE;
        }
        int action = monitor_execute(mon, line);
        free(line);
        fflush(mon->out);
        if (action >= 0) {
            return (enum monitor_action)action;
        }
    }
}
