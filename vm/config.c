/*
 * vm/config.c - the command line: what the user chooses at launch.
 * Course: the techniques of the course are chosen here, at launch
 *         (--cpu, --mmu, --io, --irq), as DESIGN.md "Techniques" names them.
 *
 * Every error is one line on stderr that says what is wrong and what to do;
 * the caller exits 2. An option this version does not implement yet says so
 * and exits 2 - it never pretends.
 */
#include "vm/vm.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "io/sriov.h"
#include "vm/memmap.h"

#define VMLAB_VERSION "0.1"
#define RAM_MIN       (8ull << 20)
#define RAM_MAX       (64ull << 30)
#define DEFAULT_SLICE 1000000ull

enum {
    OPT_BIOS = 256,
    OPT_KERNEL,
    OPT_INITRD,
    OPT_APPEND,
    OPT_STATS,
    OPT_MAX_INSNS,
    OPT_TIMEOUT,
    OPT_TRACE,
    OPT_TRACE_FILE,
    OPT_NO_FASTPATH,
    OPT_TLB_ENTRIES,
    OPT_TLB_WAYS,
    OPT_CLOCK,
    OPT_NO_REBOOT,
    OPT_QUIET,
    OPT_MONITOR,
    OPT_MONITOR_SCRIPT,
    OPT_CPU,
    OPT_MMU,
    OPT_IO,
    OPT_IRQ,
    OPT_DISK,
    OPT_S2_MODE,
    OPT_S2_PAGE,
    OPT_PCPUS,
    OPT_VM,
    OPT_GDB,
    OPT_TUI,
    OPT_VERSION,
    OPT_SLICE,
    OPT_PWC,
    OPT_VMID,
    OPT_PREALLOC,
    OPT_SHADOW_CACHE,
    OPT_VIRTIO_LEGACY,
    OPT_VFS,
};

static const struct option long_options[] = {
    {"bios", required_argument, NULL, OPT_BIOS},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"initrd", required_argument, NULL, OPT_INITRD},
    {"append", required_argument, NULL, OPT_APPEND},
    {"memory", required_argument, NULL, 'm'},
    {"stats", required_argument, NULL, OPT_STATS},
    {"max-insns", required_argument, NULL, OPT_MAX_INSNS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"trace-file", required_argument, NULL, OPT_TRACE_FILE},
    {"no-fastpath", no_argument, NULL, OPT_NO_FASTPATH},
    {"tlb-entries", required_argument, NULL, OPT_TLB_ENTRIES},
    {"tlb-ways", required_argument, NULL, OPT_TLB_WAYS},
    {"clock", required_argument, NULL, OPT_CLOCK},
    {"no-reboot", no_argument, NULL, OPT_NO_REBOOT},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"monitor", no_argument, NULL, OPT_MONITOR},
    {"monitor-script", required_argument, NULL, OPT_MONITOR_SCRIPT},
    {"cpu", required_argument, NULL, OPT_CPU},
    {"mmu", required_argument, NULL, OPT_MMU},
    {"io", required_argument, NULL, OPT_IO},
    {"irq", required_argument, NULL, OPT_IRQ},
    {"disk", required_argument, NULL, OPT_DISK},
    {"s2-mode", required_argument, NULL, OPT_S2_MODE},
    {"s2-page", required_argument, NULL, OPT_S2_PAGE},
    {"pcpus", required_argument, NULL, OPT_PCPUS},
    {"vm", required_argument, NULL, OPT_VM},
    {"gdb", required_argument, NULL, OPT_GDB},
    {"tui", no_argument, NULL, OPT_TUI},
    {"slice", required_argument, NULL, OPT_SLICE},
    {"pwc", required_argument, NULL, OPT_PWC},
    {"vmid", required_argument, NULL, OPT_VMID},
    {"prealloc", no_argument, NULL, OPT_PREALLOC},
    {"shadow-cache", required_argument, NULL, OPT_SHADOW_CACHE},
    {"virtio-legacy", no_argument, NULL, OPT_VIRTIO_LEGACY},
    {"vfs", required_argument, NULL, OPT_VFS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

bool vm_config_option_takes_value(const char *arg, size_t name_len)
{
    if (name_len == 2 && strncmp(arg, "-m", 2) == 0) {
        return true;
    }
    if (name_len < 3 || strncmp(arg, "--", 2) != 0) {
        return false;
    }
    for (const struct option *o = long_options; o->name; o++) {
        if (strlen(o->name) == name_len - 2 && strncmp(o->name, arg + 2, name_len - 2) == 0) {
            return o->has_arg == required_argument;
        }
    }
    return false;
}

void vm_config_usage(FILE *out)
{
    fputs("usage: vmlab [options] IMAGE\n"
          "       vmlab [options] [--bios vmm] --kernel FILE\n"
          "       vmlab [options] --bios FILE|none [--kernel FILE]\n"
          "       vmlab [options] --vm IMAGE[,m=SIZE][,kernel=F][,disk=D] --vm IMAGE2 ...\n"
          "       vmlab compare IMAGE --mmu A,B,... [...]   (see vmlab compare --help)\n"
          "Run a RISC-V RV64GC guest (ELF at its addresses, raw at 0x80000000) on a\n"
          "QEMU-virt-compatible machine, virtualized by trap-and-emulate.\n"
          "\n"
          "Boot:\n"
          "  --bios none|FILE     firmware at 0x80000000 in M-mode (none: IMAGE/--kernel is it)\n"
          "  --bios vmm           the VMM is the SBI firmware (the default with only --kernel):\n"
          "                       the kernel starts in S-mode (VS-mode under --cpu hw), its\n"
          "                       SBI calls are hypercalls\n"
          "  --kernel FILE        payload at 0x80200000 (raw) or its ELF addresses; with\n"
          "                       --bios vmm an S-mode kernel (ELF entry >= 0x80200000)\n"
          "  --initrd FILE        initial ramdisk, announced in /chosen\n"
          "  --append ARGS        kernel command line (/chosen bootargs)\n"
          "  -m, --memory SIZE    guest RAM, e.g. 128M, 1G (default 128M; 8M..64G, 2M steps)\n"
          "  --no-reboot          a guest reboot request ends the run with exit 0\n"
          "  --disk FILE[,ro][,snapshot][,slot=N]  a raw disk image (size a multiple of 512\n"
          "                       bytes); ro: writes refused; snapshot: writes kept in memory\n"
          "                       and dropped at exit; slot=N: virtio-mmio slot N (0..7, at\n"
          "                       0x10001000 + N*0x1000, IRQ 1+N; QEMU's\n"
          "                       bus=virtio-mmio-bus.N), else the highest free slot (the\n"
          "                       first disk: slot 7). Repeat for more (at most 8; one, the\n"
          "                       physical medium, under --io passthrough)\n"
          "\n"
          "Techniques (chosen at launch):\n"
          "  --cpu trap|hw        trap-and-emulate hart (default), or a hart with the H\n"
          "                       extension as KVM uses one (S-mode --kernel on the VMM's SBI)\n"
          "  --mmu native         baseline: the guest's page table, GPA -> HPA by the VMM's\n"
          "                       own map, uncounted (default)\n"
          "  --mmu nested         two-stage: every guest PTE address and the final GPA go\n"
          "                       through the VMM's stage-2 table (counted walks, s2_fault\n"
          "                       exits)\n"
          "  --mmu shadow         shadow page tables: the VMM keeps GVA -> HPA tables from\n"
          "                       the guest's, write-protects its page tables (pt_write)\n"
          "  --shadow-cache N     shadow roots kept for other address spaces (default 8)\n"
          "  --mmu direct         Xen-PV direct paging: the guest's tables hold HPAs, changed\n"
          "                       by validated hypercalls (paravirtual guests only)\n"
          "  --io virtio          virtio-mmio block device served by the VMM (default)\n"
          "  --io emulated        the first --disk on vmlab's own register-level controller\n"
          "                       (docs/eblk.md): every register access exits\n"
          "  --virtio-legacy      the VMM's virtio-mmio slots speak version 1 (legacy), not 2\n"
          "                       (a passthrough VF is hardware: it stays version 2)\n"
          "  --io passthrough     the --disk is a simulated SR-IOV device; each VM drives a\n"
          "                       virtual function of it mapped into its memory (no exits),\n"
          "                       DMA through the IOMMU (docs/passthrough.md)\n"
          "  --vfs N              passthrough: virtual functions, each an equal slice of the\n"
          "                       --disk (1..8, default 1); VF i goes to vmi\n"
          "  --s2-mode sv39x4|sv48x4  stage-2 format (default sv48x4; nested only)\n"
          "  --s2-page 4k|2m|1g   largest stage-2 leaf where one host run backs it (default 4k)\n"
          "  --prealloc           map all guest RAM at start (default: on first touch)\n"
          "  --pwc off|on         a 16-entry stage-2 TLB in front of stage-2 walks (default off)\n"
          "  --vmid on|off        tag TLB entries with the VM's VMID (default on; with one VM\n"
          "                       there is no VM switch to flush on)\n"
          "  --tlb-entries N      modelled TLB size (default 64)\n"
          "  --tlb-ways N         modelled TLB associativity (default 4)\n"
          "  --no-fastpath        no host fast path in front of the TLB (same counters, slower)\n"
          "\n"
          "Running and watching:\n"
          "  --max-insns N        stop after N guest instructions (exit 3)\n"
          "  --timeout S          stop after S seconds of wall time (exit 3)\n"
          "  --stats FILE|-       write every counter as flat JSON at exit (- = stdout)\n"
          "  --quiet              no end-of-run counter summary on stderr\n"
          "  --trace insns|exits|walks|io[,...]  trace to stderr or --trace-file FILE\n"
          "  --clock virtual|host mtime from retired instructions (default, deterministic)\n"
          "                       or from wall time\n"
          "  --slice N            instructions per VM entry before the VMM polls input\n"
          "                       and limits; with several VMs, per turn (default 1000000)\n"
          "  --monitor            open the monitor prompt before the first instruction\n"
          "  --monitor-script F   run monitor commands from file F (- = stdin)\n"
          "  -h, --help           this text;  --version  the version\n"
          "\n"
          "\n"
          "Several VMs (one physical CPU, round-robin, --slice instructions per turn):\n"
          "  --vm IMAGE[,m=SIZE][,kernel=F][,disk=D[,ro][,snapshot]]  one VM, vm0 first;\n"
          "                       repeat for more (at most 8). m= overrides -m; kernel=F\n"
          "                       boots IMAGE as --bios IMAGE --kernel F; disk=D is its disk\n"
          "                       (as --disk); every other option applies to every VM.\n"
          "                       Output lines are prefixed [vmN]; stdin feeds vm0 and\n"
          "                       Ctrl-A n moves it to the next VM; the monitor debugs vm0.\n"
          "                       Counters: totals, then vmN.<name> per VM.\n"
          "\n"
          "Console: the guest's UART is stdin/stdout (raw when stdin is a terminal).\n"
          "  Ctrl-A x quit, Ctrl-A c switch console/monitor, Ctrl-A Ctrl-A send Ctrl-A.\n"
          "Exit status: 0 guest passed, 1 guest failed, 2 usage or setup error,\n"
          "             3 stopped by vmlab (--max-insns, --timeout, Ctrl-A x, stuck guest).\n"
          "             Several VMs: 0 all passed, 3 any stopped, else 1 any failed.\n",
          out);
}

/* "128M" -> bytes. Suffixes K, M, G (powers of two); plain numbers are MiB as in QEMU. */
static int parse_size(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (errno || end == text || text[0] == '-') {
        return -1;
    }
    unsigned shift = 20;
    if (*end == 'K' || *end == 'k') {
        shift = 10, end++;
    } else if (*end == 'M' || *end == 'm') {
        shift = 20, end++;
    } else if (*end == 'G' || *end == 'g') {
        shift = 30, end++;
    } else if (*end == 'B' || *end == 'b') {
        shift = 0, end++;
    }
    if (*end != '\0' || value > (UINT64_MAX >> shift)) {
        return -1;
    }
    *out = (uint64_t)value << shift;
    return 0;
}

/* -m and --vm's m=: a multiple of 2 MiB from RAM_MIN to RAM_MAX. */
static int parse_ram_size(const char *text, uint64_t *out)
{
    uint64_t value;
    if (parse_size(text, &value) || value < RAM_MIN || value > RAM_MAX || value % (2ull << 20)) {
        return -1;
    }
    *out = value;
    return 0;
}

static int spec_error(const char *shown, const char *what)
{
    fprintf(stderr, "vmlab: --vm %s: %s\n", shown, what);
    return -1;
}

/* A disk's option word: ro or snapshot. 0, or -1 when it is neither. */
static int disk_option(const char *word, struct disk_options *opt)
{
    if (strcmp(word, "ro") == 0) {
        opt->read_only = true;
    } else if (strcmp(word, "snapshot") == 0) {
        opt->snapshot = true;
    } else {
        return -1;
    }
    return 0;
}

/* One KEY=VALUE of a --vm spec (or ro / snapshot after disk=FILE) into out. */
static int vm_spec_item(const char *shown, char *item, struct vm_spec *out)
{
    char *value = strchr(item, '=');
    if (!value && out->disk.path && disk_option(item, &out->disk.opt) == 0) {
        return 0;
    }
    if (!value || value == item || value[1] == '\0') {
        return spec_error(shown, "expected KEY=VALUE after IMAGE (keys: m, kernel, disk; "
                                 "ro and snapshot after disk=FILE)");
    }
    *value++ = '\0';
    if (strcmp(item, "m") == 0) {
        if (out->ram_size || parse_ram_size(value, &out->ram_size)) {
            return spec_error(shown, "m= must be given once, a multiple of 2M from 8M to 64G "
                                     "(e.g. m=64M)");
        }
    } else if (strcmp(item, "kernel") == 0) {
        if (out->kernel) {
            return spec_error(shown, "kernel= given twice");
        }
        out->kernel = value;
    } else if (strcmp(item, "disk") == 0) {
        if (out->disk.path) {
            return spec_error(shown, "disk= given twice: one disk per VM");
        }
        out->disk.path = value;
    } else {
        return spec_error(shown, "unknown key (keys: m, kernel, disk)");
    }
    return 0;
}

int vm_spec_parse(char *text, struct vm_spec *out)
{
    char shown[160];
    snprintf(shown, sizeof(shown), "%s", text);
    memset(out, 0, sizeof(*out));

    char *rest = strchr(text, ',');
    if (rest) {
        *rest++ = '\0';
    }
    if (text[0] == '\0' || strchr(text, '=')) {
        return spec_error(shown, "IMAGE comes first: --vm IMAGE[,m=SIZE][,kernel=F]");
    }
    out->image = text;
    while (rest) {
        char *item = rest;
        rest = strchr(item, ',');
        if (rest) {
            *rest++ = '\0';
        }
        if (vm_spec_item(shown, item, out) != 0) {
            return -1;
        }
    }
    return 0;
}

/* slot=N of --disk: one decimal digit 0..7, given once. */
static int disk_slot_option(const char *shown, const char *digits, struct vm_disk_spec *disk)
{
    if (disk->slot_given || digits[0] < '0' || digits[0] >= '0' + MEMMAP_VIRTIO_COUNT ||
        digits[1] != '\0') {
        fprintf(stderr, "vmlab: --disk %s: slot=N takes one virtio-mmio slot, 0 to %d, once\n",
                shown, MEMMAP_VIRTIO_COUNT - 1);
        return -1;
    }
    disk->slot_given = true;
    disk->slot = (unsigned)(digits[0] - '0');
    return 0;
}

int vm_disk_slots(const struct vm_disk_spec *disks, unsigned ndisks, unsigned slot_of[])
{
    bool taken[MEMMAP_VIRTIO_COUNT] = {false};
    for (unsigned i = 0; i < ndisks; i++) {
        if (!disks[i].slot_given) {
            continue;
        }
        if (disks[i].slot >= MEMMAP_VIRTIO_COUNT || taken[disks[i].slot]) {
            fprintf(stderr, "vmlab: --disk %s: slot=%u %s\n", disks[i].path, disks[i].slot,
                    disks[i].slot >= MEMMAP_VIRTIO_COUNT ? "does not exist (slots 0..7)"
                                                         : "is taken by another --disk");
            return -1;
        }
        taken[disks[i].slot] = true;
        slot_of[i] = disks[i].slot;
    }
    for (unsigned i = 0; i < ndisks; i++) {
        if (disks[i].slot_given) {
            continue;
        }
        unsigned n = MEMMAP_VIRTIO_COUNT;
        while (n > 0 && taken[n - 1]) {
            n--;
        }
        if (n == 0) {
            fprintf(stderr, "vmlab: --disk %s: no free virtio-mmio slot\n", disks[i].path);
            return -1;
        }
        taken[n - 1] = true;
        slot_of[i] = n - 1;
    }
    return 0;
}

/* --disk FILE[,ro][,snapshot][,slot=N]: one more disk, text split in place. */
static int config_add_disk(struct vm_config *cfg, char *text)
{
    if (cfg->ndisks == VM_DISK_MAX) {
        fprintf(stderr, "vmlab: --disk %s: at most %d disks\n", text, VM_DISK_MAX);
        return -1;
    }
    char shown[160];
    snprintf(shown, sizeof(shown), "%s", text);
    struct vm_disk_spec *disk = &cfg->disks[cfg->ndisks];
    memset(disk, 0, sizeof(*disk));
    char *rest = strchr(text, ',');
    if (rest) {
        *rest++ = '\0';
    }
    if (text[0] == '\0') {
        fprintf(stderr, "vmlab: --disk %s: FILE comes first: --disk FILE[,ro][,snapshot]\n", shown);
        return -1;
    }
    disk->path = text;
    for (char *save = NULL, *word = rest ? strtok_r(rest, ",", &save) : NULL; word;
         word = strtok_r(NULL, ",", &save)) {
        if (strncmp(word, "slot=", 5) == 0) {
            if (disk_slot_option(shown, word + 5, disk) != 0) {
                return -1;
            }
        } else if (disk_option(word, &disk->opt) != 0) {
            fprintf(stderr, "vmlab: --disk %s: unknown option %s (options: ro, snapshot, slot=N)\n",
                    shown, word);
            return -1;
        }
    }
    cfg->ndisks++;
    return 0;
}

/* --vm: one more VM; with --vm the guests are given only that way. */
static int config_add_vm(struct vm_config *cfg, char *spec)
{
    if (cfg->nvms == VM_MAX) {
        fprintf(stderr, "vmlab: --vm %s: at most %d VMs\n", spec, VM_MAX);
        return -1;
    }
    return vm_spec_parse(spec, &cfg->vms[cfg->nvms++]);
}

static int check_vm_choice(const struct vm_config *cfg)
{
    if (cfg->image || cfg->bios || cfg->kernel) {
        fprintf(stderr, "vmlab: with --vm give each guest in its --vm (IMAGE,kernel=F), "
                        "not as IMAGE, --bios or --kernel\n");
        return -1;
    }
    if (cfg->cpu_hw) {
        fprintf(stderr, "vmlab: --cpu hw with --vm is not implemented in this version of vmlab; "
                        "run one VM with --kernel FILE\n");
        return -1;
    }
    if (cfg->ndisks && cfg->io_mode != IO_PASSTHROUGH) {
        fprintf(stderr, "vmlab: with --vm give each VM its disk in its --vm "
                        "(IMAGE,disk=FILE[,ro][,snapshot]), not as --disk\n");
        return -1;
    }
    return 0;
}

/*
 * --io passthrough: one physical device (the --disk), --vfs VFs of it, one
 * per VM; a VM's own disk= has no meaning there.
 */
static int check_passthrough_choice(const struct vm_config *cfg)
{
    if (cfg->vfs_given && cfg->io_mode != IO_PASSTHROUGH) {
        fprintf(stderr, "vmlab: --vfs needs --io passthrough (the VFs of the simulated "
                        "SR-IOV device)\n");
        return -1;
    }
    if (cfg->io_mode != IO_PASSTHROUGH) {
        return 0;
    }
    for (unsigned i = 0; i < cfg->nvms; i++) {
        if (cfg->vms[i].disk.path) {
            fprintf(stderr,
                    "vmlab: --vm %s,disk=%s: under --io passthrough the VMs share one "
                    "physical device: give it once as --disk FILE (each VM gets a VF)\n",
                    cfg->vms[i].image, cfg->vms[i].disk.path);
            return -1;
        }
    }
    if (cfg->ndisks > 1) {
        fprintf(stderr, "vmlab: --io passthrough has one physical device: give one --disk "
                        "(--vfs N cuts it into N slices)\n");
        return -1;
    }
    unsigned nvms = cfg->nvms ? cfg->nvms : 1;
    if (cfg->ndisks && nvms > cfg->vfs) {
        fprintf(stderr,
                "vmlab: %u VMs but --vfs %u: every VM needs its own VF; give --vfs %u "
                "or more\n",
                nvms, cfg->vfs, nvms);
        return -1;
    }
    return 0;
}

static int parse_u64(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 0);
    if (errno || end == text || *end != '\0' || text[0] == '-') {
        return -1;
    }
    *out = value;
    return 0;
}

static int parse_trace(const char *text, unsigned *out)
{
    char buf[128];
    if (strlen(text) >= sizeof(buf)) {
        return -1;
    }
    strcpy(buf, text);
    *out = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (strcmp(tok, "insns") == 0) {
            *out |= TRACE_INSNS;
        } else if (strcmp(tok, "exits") == 0) {
            *out |= TRACE_EXITS;
        } else if (strcmp(tok, "walks") == 0) {
            *out |= TRACE_WALKS;
        } else if (strcmp(tok, "io") == 0) {
            *out |= TRACE_IO;
        } else {
            return -1;
        }
    }
    return *out ? 0 : -1;
}

static int not_yet(const char *what)
{
    fprintf(stderr,
            "vmlab: %s is not implemented in this version of vmlab; "
            "run without it (see vmlab --help)\n",
            what);
    return -1;
}

/*
 * Options that name a technique: the value's index in `known` goes to
 * *out_choice; a known value this version does not implement is refused
 * clearly, an unknown one lists the choices.
 */
static int parse_technique(int opt, const char *value, unsigned *out_choice)
{
    static const struct {
        int opt;
        const char *name;
        const char *known[4];
        bool implemented[4];
    } techniques[] = {
        {OPT_CPU, "--cpu", {"trap", "hw"}, {true, true}},
        {OPT_MMU, "--mmu", {"native", "shadow", "nested", "direct"}, {true, true, true, true}},
        {OPT_IO, "--io", {"emulated", "virtio", "passthrough"}, {true, true, true}},
        {OPT_IRQ, "--irq", {"emulated", "lr", "direct"}, {true, false, false}},
        {OPT_S2_MODE, "--s2-mode", {"sv39x4", "sv48x4"}, {true, true}},
        {OPT_S2_PAGE, "--s2-page", {"4k", "2m", "1g"}, {true, true, true}},
        {OPT_PWC, "--pwc", {"off", "on"}, {true, true}},
        {OPT_VMID, "--vmid", {"on", "off"}, {true, true}},
    };
    for (size_t i = 0; i < sizeof(techniques) / sizeof(techniques[0]); i++) {
        if (techniques[i].opt != opt) {
            continue;
        }
        char choices[64] = "";
        for (unsigned k = 0; k < 4 && techniques[i].known[k]; k++) {
            if (strcmp(value, techniques[i].known[k]) == 0) {
                char what[96];
                snprintf(what, sizeof(what), "%s %s", techniques[i].name, value);
                *out_choice = k;
                return techniques[i].implemented[k] ? 0 : not_yet(what);
            }
            snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
                     k ? " " : "", techniques[i].known[k]);
        }
        fprintf(stderr, "vmlab: %s %s: unknown; choose one of: %s\n", techniques[i].name, value,
                choices);
        return -1;
    }
    return -1;
}

/* Store a technique choice where the config keeps it (indexes of parse_technique's lists). */
static int parse_technique_into(struct vm_config *cfg, int opt, const char *value)
{
    static const unsigned s2_levels[] = {3, 4};
    static const enum mmu_mode mmu_modes[] = {MMU_NATIVE, MMU_SHADOW, MMU_NESTED, MMU_DIRECT};
    static const enum io_mode io_modes[] = {IO_EMULATED, IO_VIRTIO, IO_PASSTHROUGH};
    unsigned choice = 0;

    if (parse_technique(opt, value, &choice) != 0) {
        return -1;
    }
    switch (opt) {
    case OPT_CPU:
        cfg->cpu_hw = choice == 1;
        break;
    case OPT_MMU:
        cfg->mmu_mode = mmu_modes[choice];
        break;
    case OPT_IO:
        cfg->io_mode = io_modes[choice];
        break;
    case OPT_S2_MODE:
        cfg->s2_levels = s2_levels[choice];
        break;
    case OPT_S2_PAGE:
        cfg->s2_leaf_level = choice; /* 4k 2m 1g = leaf levels 0 1 2 */
        break;
    case OPT_PWC:
        cfg->pwc = choice == 1;
        break;
    case OPT_VMID:
        cfg->vmid_tags = choice == 0;
        break;
    default:
        break;
    }
    return 0;
}

static void config_defaults(struct vm_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->ram_size = MEMMAP_RAM_DEFAULT_SIZE;
    cfg->fastpath = true;
    cfg->tlb_entries = 64;
    cfg->tlb_ways = 4;
    cfg->slice = DEFAULT_SLICE;
    cfg->mmu_mode = MMU_NATIVE;
    cfg->io_mode = IO_VIRTIO;
    cfg->s2_levels = 4; /* DESIGN.md: --s2-mode sv48x4 */
    cfg->s2_leaf_level = 0;
    cfg->vmid_tags = true;
    cfg->shadow_cache = 8;
    cfg->vfs = 1;
}

static int bad_value(const char *option, const char *value, const char *expect)
{
    fprintf(stderr, "vmlab: %s %s: %s\n", option, value, expect);
    return -1;
}

static int parse_one(struct vm_config *cfg, int opt, const char *arg)
{
    uint64_t value = 0;
    switch (opt) {
    case OPT_BIOS:
        cfg->bios = arg;
        return 0;
    case OPT_KERNEL:
        cfg->kernel = arg;
        return 0;
    case OPT_INITRD:
        cfg->initrd = arg;
        return 0;
    case OPT_APPEND:
        cfg->append = arg;
        return 0;
    case OPT_STATS:
        cfg->stats_path = arg;
        return 0;
    case OPT_TRACE_FILE:
        cfg->trace_path = arg;
        return 0;
    case OPT_NO_FASTPATH:
        cfg->fastpath = false;
        return 0;
    case OPT_NO_REBOOT:
        cfg->no_reboot = true;
        return 0;
    case OPT_QUIET:
        cfg->quiet = true;
        return 0;
    case OPT_MONITOR:
        cfg->monitor = true;
        return 0;
    case OPT_MONITOR_SCRIPT:
        cfg->monitor_script = arg;
        return 0;
    case 'm':
        if (parse_ram_size(arg, &value)) {
            return bad_value("-m", arg,
                             "RAM size must be a multiple of 2M from 8M to 64G "
                             "(e.g. -m 128M)");
        }
        cfg->ram_size = value;
        return 0;
    case OPT_MAX_INSNS:
        if (parse_u64(arg, &value) || value == 0) {
            return bad_value("--max-insns", arg, "expected a positive instruction count");
        }
        cfg->max_insns = value;
        return 0;
    case OPT_SLICE:
        if (parse_u64(arg, &value) || value == 0) {
            return bad_value("--slice", arg, "expected a positive instruction count");
        }
        cfg->slice = value;
        return 0;
    case OPT_TIMEOUT: {
        char *end = NULL;
        double seconds = strtod(arg, &end);
        if (end == arg || *end != '\0' || !(seconds > 0) || seconds > 1e7) {
            return bad_value("--timeout", arg, "expected a positive number of seconds");
        }
        cfg->timeout_s = seconds;
        return 0;
    }
    case OPT_TRACE:
        if (parse_trace(arg, &cfg->trace)) {
            return bad_value("--trace", arg,
                             "expected insns, exits, walks, io or a list (insns,walks)");
        }
        return 0;
    case OPT_TLB_ENTRIES:
    case OPT_TLB_WAYS:
        if (parse_u64(arg, &value) || value == 0 || value > 4096 || (value & (value - 1))) {
            return bad_value(opt == OPT_TLB_ENTRIES ? "--tlb-entries" : "--tlb-ways", arg,
                             "expected a power of two from 1 to 4096");
        }
        if (opt == OPT_TLB_ENTRIES) {
            cfg->tlb_entries = (unsigned)value;
        } else {
            cfg->tlb_ways = (unsigned)value;
        }
        return 0;
    case OPT_CLOCK:
        if (strcmp(arg, "virtual") && strcmp(arg, "host")) {
            return bad_value("--clock", arg, "expected virtual or host");
        }
        cfg->clock_host = strcmp(arg, "host") == 0;
        return 0;
    case OPT_CPU:
    case OPT_MMU:
    case OPT_IO:
    case OPT_IRQ:
    case OPT_S2_MODE:
    case OPT_S2_PAGE:
    case OPT_PWC:
    case OPT_VMID:
        return parse_technique_into(cfg, opt, arg);
    case OPT_SHADOW_CACHE:
        if (parse_u64(arg, &value) || value == 0 || value > 1024) {
            return bad_value("--shadow-cache", arg, "expected a number of roots from 1 to 1024");
        }
        cfg->shadow_cache = (unsigned)value;
        return 0;
    case OPT_PREALLOC:
        cfg->prealloc = true;
        return 0;
    case OPT_VIRTIO_LEGACY:
        cfg->virtio_legacy = true;
        return 0;
    case OPT_VFS:
        if (parse_u64(arg, &value) || value == 0 || value > SRIOV_MAX_VFS) {
            return bad_value("--vfs", arg, "expected a number of virtual functions from 1 to 8");
        }
        cfg->vfs = (unsigned)value;
        cfg->vfs_given = true;
        return 0;
    case OPT_PCPUS:
        if (parse_u64(arg, &value) || value == 0) {
            return bad_value("--pcpus", arg, "expected a positive number");
        }
        return value == 1 ? 0 : not_yet("--pcpus above 1");
    case OPT_GDB:
        return not_yet("--gdb (the gdb stub)");
    case OPT_TUI:
        return not_yet("--tui (the dashboard)");
    default:
        return -1;
    }
}

/* DESIGN.md "Boot": which combinations of IMAGE, --bios and --kernel are valid. */
static int check_boot_choice(struct vm_config *cfg)
{
    if (cfg->image && cfg->kernel) {
        fprintf(stderr, "vmlab: give the guest either as IMAGE or as --kernel, not both\n");
        return -1;
    }
    if (!cfg->bios && cfg->kernel) {
        cfg->bios = "vmm"; /* DESIGN.md "Boot": only --kernel means the VMM's SBI */
    }
    if (cfg->bios && strcmp(cfg->bios, "vmm") == 0) {
        if (cfg->image) {
            cfg->kernel = cfg->image, cfg->image = NULL; /* --bios vmm IMAGE: IMAGE is the kernel */
        }
        if (!cfg->kernel) {
            fprintf(stderr, "vmlab: --bios vmm needs an S-mode kernel: give --kernel FILE\n");
            return -1;
        }
        return 0;
    }
    if (cfg->cpu_hw) {
        fprintf(stderr,
                "vmlab: --cpu hw has no guest M-mode: %s; give an S-mode kernel as "
                "--kernel FILE (the VMM's SBI), or use --cpu trap\n",
                cfg->bios ? "--bios FILE/none runs M-mode firmware" : "IMAGE starts in M-mode");
        return -1;
    }
    if (cfg->bios && strcmp(cfg->bios, "none") == 0) {
        if (!cfg->image && !cfg->kernel) {
            fprintf(stderr, "vmlab: --bios none needs a guest: give IMAGE or --kernel FILE\n");
            return -1;
        }
        if (cfg->kernel) {
            cfg->image = cfg->kernel, cfg->kernel = NULL;
        }
        cfg->bios = NULL;
        return 0;
    }
    if (cfg->bios && cfg->image) {
        fprintf(stderr, "vmlab: with --bios FILE give the payload as --kernel FILE\n");
        return -1;
    }
    if (!cfg->bios && !cfg->image) {
        fprintf(stderr, "vmlab: no guest given; usage: vmlab [options] IMAGE (see vmlab --help)\n");
        return -1;
    }
    return 0;
}

int vm_config_parse(struct vm_config *cfg, int argc, char **argv)
{
    config_defaults(cfg);
    opterr = 0;
    optind = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hm:", long_options, NULL)) != -1) {
        if (opt == 'h') {
            vm_config_usage(stdout);
            return 1;
        }
        if (opt == OPT_VERSION) {
            printf("vmlab %s\n", VMLAB_VERSION);
            return 1;
        }
        if (opt == '?') {
            fprintf(stderr, "vmlab: unknown option %s (see vmlab --help)\n", argv[optind - 1]);
            return -1;
        }
        if (opt == ':') {
            fprintf(stderr, "vmlab: option %s needs a value (see vmlab --help)\n",
                    argv[optind - 1]);
            return -1;
        }
        int rc;
        if (opt == OPT_VM) {
            rc = config_add_vm(cfg, optarg);
        } else if (opt == OPT_DISK) {
            rc = config_add_disk(cfg, optarg); /* splits optarg in place, as --vm does */
        } else {
            rc = parse_one(cfg, opt, optarg);
        }
        if (rc != 0) {
            return -1;
        }
    }
    if (optind < argc) {
        cfg->image = argv[optind++];
    }
    if (optind < argc) {
        fprintf(stderr, "vmlab: unexpected argument %s: give one IMAGE\n", argv[optind]);
        return -1;
    }
    if (cfg->tlb_ways > cfg->tlb_entries) {
        fprintf(stderr, "vmlab: --tlb-ways %u is more than --tlb-entries %u\n", cfg->tlb_ways,
                cfg->tlb_entries);
        return -1;
    }
    if (check_passthrough_choice(cfg) != 0) {
        return -1;
    }
    unsigned slot_of[VM_DISK_MAX];
    if (vm_disk_slots(cfg->disks, cfg->ndisks, slot_of) != 0) {
        return -1;
    }
    return cfg->nvms ? check_vm_choice(cfg) : check_boot_choice(cfg);
}
