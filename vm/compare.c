/*
 * vm/compare.c - `vmlab compare`: run one guest once per combination of techniques and
 * put the counters side by side in one table (and CSV, and a gnuplot bar chart).
 * Course: 内存虚拟化 / 影子页表 vs 第二阶段页表 ("TLB miss时性能开销较大": how much, in
 *         numbers), 处理器虚拟化 / trap-and-emulate vs 硬件辅助, I/O虚拟化 / 设备模拟 vs
 *         半虚拟化 vs 设备直通 (--io: exits and modelled cycles per disk request);
 *         DESIGN.md "The user's surfaces" and "Counters and the cost model".
 * Spec: none beyond vmlab's own `--stats` format (vm/stats.c: one flat JSON object of
 *       "name": unsigned integer pairs, RFC 8259 syntax) and RFC 4180 for the CSV.
 *
 * Each run is a fresh vmlab process (fork + exec of /proc/self/exe with --quiet --stats
 * TMPFILE and the combination's flags), so no state leaks from one run into the next and
 * a run vmlab refuses (exit 2) becomes a row that quotes vmlab's one-line reason.
 * With --io each run gets `,snapshot` on its --disk images (writes kept in memory), so no
 * run sees another's data and the image file is never changed; the table gains per-request
 * columns from the disk request count (io.requests, or the sum of io.<device>.requests
 * while vmlab has no total).
 * Simplified: runs are sequential (counters are deterministic, wall time is not the
 * point); the parser reads only the flat object vmlab writes, no general JSON.
 */
#include "vm/compare.h"
#include "vm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LIST_VALUES_MAX 4         /* values one dimension knows (--mmu has four) */
#define STATS_FILE_MAX  (1 << 20) /* a --stats file is a few KiB; more is not vmlab's */
#define STDERR_KEEP     4096      /* bytes of a run's stderr kept for its message */
#define LABEL_MAX       64
#define MESSAGE_MAX     256
#define PASS_MAX        128 /* vmlab options passed through */
#define COLUMNS_MAX     32  /* counter columns in the table */
#define EXIT_USAGE      2
#define DISK_SPECS_MAX  8    /* --disk options compare rewrites to ,snapshot */
#define DISK_SPEC_MAX   4096 /* bytes of one rewritten --disk value */

/* ------------------------------------------------ the three dimensions */

struct dimension {
    const char *flag;   /* vmlab's option */
    const char *prefix; /* in the row label ("" for --mmu: the label starts with it) */
    const char *values[LIST_VALUES_MAX + 1];
};

/* DESIGN.md "Techniques": the values vmlab knows (it may still refuse some: a row says so). */
static const struct dimension dimensions[COMPARE_DIMS] = {
    [COMPARE_MMU] = {"--mmu", "", {"native", "shadow", "nested", "direct", NULL}},
    [COMPARE_S2_PAGE] = {"--s2-page", "s2=", {"4k", "2m", "1g", NULL}},
    [COMPARE_CPU] = {"--cpu", "cpu=", {"trap", "hw", NULL}},
    [COMPARE_IO] = {"--io", "io=", {"emulated", "virtio", "passthrough", NULL}},
};

/* ------------------------------------------------ the --stats parser */

struct json_cursor {
    const char *text;
    size_t len, pos;
    const char *why;
};

static void skip_space(struct json_cursor *c)
{
    while (c->pos < c->len && strchr(" \t\r\n", c->text[c->pos]) && c->text[c->pos] != '\0') {
        c->pos++;
    }
}

/* Consume `ch` after optional white space; false (and why) when it is not there. */
static bool expect_char(struct json_cursor *c, char ch, const char *why)
{
    skip_space(c);
    if (c->pos < c->len && c->text[c->pos] == ch) {
        c->pos++;
        return true;
    }
    c->why = c->pos < c->len ? why : "truncated";
    return false;
}

static bool is_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '.' || ch == '_' || ch == '-';
}

/* "name" -> out (NUL-terminated). */
static int parse_name(struct json_cursor *c, char out[COMPARE_NAME_MAX])
{
    if (!expect_char(c, '"', "expected a quoted counter name")) {
        return -EINVAL;
    }
    size_t n = 0;
    while (c->pos < c->len && is_name_char(c->text[c->pos])) {
        if (n + 1 >= COMPARE_NAME_MAX) {
            c->why = "counter name too long";
            return -E2BIG;
        }
        out[n++] = c->text[c->pos++];
    }
    out[n] = '\0';
    if (c->pos >= c->len) {
        c->why = "truncated";
        return -EINVAL;
    }
    if (c->text[c->pos] != '"' || n == 0) {
        c->why = "bad character in a counter name";
        return -EINVAL;
    }
    c->pos++;
    return 0;
}

/* An unsigned decimal integer as JSON spells one: no sign, no leading zero, no fraction. */
static int parse_value(struct json_cursor *c, uint64_t *out)
{
    skip_space(c);
    size_t start = c->pos;
    uint64_t value = 0;
    while (c->pos < c->len && c->text[c->pos] >= '0' && c->text[c->pos] <= '9') {
        unsigned digit = (unsigned)(c->text[c->pos] - '0');
        if (value > (UINT64_MAX - digit) / 10) {
            c->why = "number above 2^64-1";
            return -ERANGE;
        }
        value = value * 10 + digit;
        c->pos++;
    }
    size_t digits = c->pos - start;
    if (digits == 0) {
        c->why = c->pos < c->len ? "expected an unsigned integer" : "truncated";
        return -EINVAL;
    }
    if (digits > 1 && c->text[start] == '0') {
        c->why = "number with a leading zero";
        return -EINVAL;
    }
    *out = value;
    return 0;
}

static int add_pair(struct json_cursor *c, struct compare_stats *out)
{
    struct compare_stat stat;
    int rc = parse_name(c, stat.name);
    if (rc) {
        return rc;
    }
    if (!expect_char(c, ':', "expected ':' after a counter name")) {
        return -EINVAL;
    }
    rc = parse_value(c, &stat.value);
    if (rc) {
        return rc;
    }
    if (compare_stats_get(out, stat.name, NULL)) {
        c->why = "duplicate counter name";
        return -EINVAL;
    }
    if (out->count == COMPARE_STATS_MAX) {
        c->why = "too many counters";
        return -E2BIG;
    }
    out->entries[out->count++] = stat;
    return 0;
}

static int parse_pairs(struct json_cursor *c, struct compare_stats *out)
{
    skip_space(c);
    if (c->pos < c->len && c->text[c->pos] == '}') {
        c->pos++;
        return 0; /* {} */
    }
    for (;;) {
        int rc = add_pair(c, out);
        if (rc) {
            return rc;
        }
        skip_space(c);
        if (c->pos >= c->len) {
            c->why = "truncated";
            return -EINVAL;
        }
        char ch = c->text[c->pos++];
        if (ch == '}') {
            return 0;
        }
        if (ch != ',') {
            c->why = "expected ',' or '}' after a value";
            return -EINVAL;
        }
    }
}

int compare_stats_parse(const char *text, size_t len, struct compare_stats *out,
                        const char **out_why)
{
    struct json_cursor c = {text, len, 0, NULL};
    out->count = 0;
    int rc = -EINVAL;
    if (!expect_char(&c, '{', "expected '{'")) {
        goto out;
    }
    rc = parse_pairs(&c, out);
    if (rc) {
        goto out;
    }
    skip_space(&c);
    if (c.pos != c.len) {
        c.why = "text after the object";
        rc = -EINVAL;
    }
out:
    if (rc) {
        out->count = 0;
    }
    if (out_why) {
        *out_why = rc ? c.why : NULL;
    }
    return rc;
}

bool compare_stats_get(const struct compare_stats *stats, const char *name, uint64_t *out_value)
{
    for (size_t i = 0; i < stats->count; i++) {
        if (strcmp(stats->entries[i].name, name) == 0) {
            if (out_value) {
                *out_value = stats->entries[i].value;
            }
            return true;
        }
    }
    return false;
}

uint64_t compare_io_total(const struct compare_stats *stats, const char *what, bool *out_is_sum)
{
    char total_name[COMPARE_NAME_MAX];
    uint64_t sum = 0;
    snprintf(total_name, sizeof(total_name), "io.%s", what);
    if (compare_stats_get(stats, total_name, &sum)) {
        if (out_is_sum) {
            *out_is_sum = false;
        }
        return sum;
    }
    size_t what_len = strlen(what);
    for (size_t i = 0; i < stats->count; i++) {
        const char *name = stats->entries[i].name;
        const char *device = name + 3;
        const char *dot = strchr(device, '.');
        /* io.<device>.<what>: one dot after a non-empty device name, then exactly `what` */
        if (strncmp(name, "io.", 3) || !dot || dot == device || strcmp(dot + 1, what) ||
            strlen(dot + 1) != what_len) {
            continue;
        }
        sum += stats->entries[i].value;
    }
    if (out_is_sum) {
        *out_is_sum = true;
    }
    return sum;
}

/* ------------------------------------------------ the combinations */

/* "native,shadow,nested,direct": what a dimension knows, for messages. */
static void values_text(const struct dimension *dim, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t v = 0; dim->values[v] && used < len; v++) {
        int n = snprintf(buf + used, len - used, "%s%s", v ? "," : "", dim->values[v]);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* "native,nested" -> pointers into dim->values, in list order. */
static int split_list(const struct dimension *dim, const char *list, const char **out,
                      size_t *out_count, char *err, size_t err_len)
{
    size_t n = 0;
    const char *item = list;
    for (;;) {
        size_t item_len = strcspn(item, ",");
        const char *match = NULL;
        for (size_t v = 0; dim->values[v]; v++) {
            if (strlen(dim->values[v]) == item_len && !strncmp(dim->values[v], item, item_len)) {
                match = dim->values[v];
            }
        }
        for (size_t k = 0; match && k < n; k++) {
            if (out[k] == match) {
                snprintf(err, err_len, "%s %s: %s is listed twice", dim->flag, list, match);
                return -EINVAL;
            }
        }
        if (!match) {
            char known[64];
            values_text(dim, known, sizeof(known));
            snprintf(err, err_len, "%s %s: unknown value '%.*s'; give a comma list of %s",
                     dim->flag, list, (int)(item_len > 32 ? 32 : item_len), item, known);
            return -EINVAL;
        }
        out[n++] = match;
        if (item[item_len] == '\0') {
            break;
        }
        item += item_len + 1;
    }
    *out_count = n;
    return 0;
}

int compare_expand(const char *const lists[COMPARE_DIMS], struct compare_combo *out,
                   size_t *out_count, char *err, size_t err_len)
{
    const char *chosen[COMPARE_DIMS][LIST_VALUES_MAX] = {{NULL}};
    size_t count[COMPARE_DIMS];
    size_t total = 1;
    for (int d = 0; d < COMPARE_DIMS; d++) {
        count[d] = 1; /* not given: one "value", NULL, vmlab's default */
        if (lists[d] && split_list(&dimensions[d], lists[d], chosen[d], &count[d], err, err_len)) {
            return -EINVAL;
        }
        total *= count[d];
    }
    /* Row i: cpu varies fastest, mmu slowest (mmu-major order). */
    for (size_t i = 0; i < total; i++) {
        size_t rest = i;
        for (int d = COMPARE_DIMS - 1; d >= 0; d--) {
            out[i].value[d] = chosen[d][rest % count[d]];
            rest /= count[d];
        }
    }
    *out_count = total;
    return 0;
}

void compare_combo_label(const struct compare_combo *combo, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int d = 0; d < COMPARE_DIMS; d++) {
        if (combo->value[d] && used < len) {
            int n = snprintf(buf + used, len - used, "%s%s%s", used ? " " : "",
                             dimensions[d].prefix, combo->value[d]);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    if (used == 0) {
        snprintf(buf, len, "default");
    }
}

/* ------------------------------------------------ CSV */

int compare_csv_field(const char *text, char *out, size_t cap)
{
    bool is_quoted = strpbrk(text, ",\"\r\n") != NULL;
    size_t n = 0;
    if (is_quoted) {
        if (n + 1 >= cap) {
            return -ENOSPC;
        }
        out[n++] = '"';
    }
    for (const char *p = text; *p; p++) {
        size_t need = *p == '"' ? 2 : 1;
        if (n + need >= cap) {
            return -ENOSPC;
        }
        if (*p == '"') {
            out[n++] = '"';
        }
        out[n++] = *p;
    }
    if (is_quoted) {
        if (n + 1 >= cap) {
            return -ENOSPC;
        }
        out[n++] = '"';
    }
    if (n >= cap) {
        return -ENOSPC;
    }
    out[n] = '\0';
    return 0;
}

/* ------------------------------------------------ the command line */

struct compare_args {
    const char *lists[COMPARE_DIMS];
    const char *csv_path, *plot_path, *logs_dir;
    const char *pass[PASS_MAX]; /* vmlab options and IMAGE, in the order given */
    size_t pass_count;
    const char *image;                              /* the first positional argument */
    bool has_boot_option;                           /* --bios or --kernel: a guest without IMAGE */
    char disk_specs[DISK_SPECS_MAX][DISK_SPEC_MAX]; /* --io: "FILE,snapshot" */
    size_t disk_count;
};

/* vm/config.c's options that take a value in the next argument (getopt required_argument). */

/* vmlab options that make no sense for a batch of runs (compare owns --stats). */
static const char *const refused_options[] = {
    "--stats", "--monitor", "--monitor-script", "--gdb", "--tui", NULL,
};

static bool name_in(const char *const *names, const char *arg, size_t name_len)
{
    for (size_t i = 0; names[i]; i++) {
        if (strlen(names[i]) == name_len && strncmp(names[i], arg, name_len) == 0) {
            return true;
        }
    }
    return false;
}

/* compare's own options: where the value goes, or NULL when arg is not one. */
static const char **own_option(struct compare_args *args, const char *arg, size_t name_len)
{
    static const char *const names[] = {"--mmu", "--s2-page", "--cpu",      "--io",
                                        "--csv", "--plot",    "--keep-logs"};
    const char **slots[] = {&args->lists[COMPARE_MMU],
                            &args->lists[COMPARE_S2_PAGE],
                            &args->lists[COMPARE_CPU],
                            &args->lists[COMPARE_IO],
                            &args->csv_path,
                            &args->plot_path,
                            &args->logs_dir};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strlen(names[i]) == name_len && strncmp(names[i], arg, name_len) == 0) {
            return slots[i];
        }
    }
    return NULL;
}

static int usage_error(const char *what, const char *detail)
{
    fprintf(stderr, "vmlab compare: %s%s (see vmlab compare --help)\n", what, detail);
    return -1;
}

static int pass_on(struct compare_args *args, const char *arg)
{
    if (args->pass_count == PASS_MAX) {
        return usage_error("too many options", "");
    }
    args->pass[args->pass_count++] = arg;
    return 0;
}

static void compare_usage(FILE *out)
{
    fputs("usage: vmlab compare IMAGE [--mmu LIST] [--s2-page LIST] [--cpu LIST] [--io LIST]\n"
          "                     [--csv FILE] [--plot FILE.svg|FILE.png] [--keep-logs DIR]\n"
          "                     [vmlab options]\n"
          "Run the guest once per combination of the techniques listed (the product of the\n"
          "comma lists; a flag not given keeps vmlab's default) and print one table: a row\n"
          "per combination, a column per counter (insns, exits.total, each non-zero\n"
          "exits.<reason>, walk.accesses, tlb.misses, shadow.hidden_faults, cycles.modeled),\n"
          "the wall time in seconds and the run's exit status. A combination vmlab refuses\n"
          "is a row \"refused: <vmlab's reason>\"; '-' is a counter the run did not have.\n"
          "\n"
          "  --mmu LIST         of native,shadow,nested,direct\n"
          "  --s2-page LIST     of 4k,2m,1g (stage-2 leaf size; only --mmu nested uses it)\n"
          "  --cpu LIST         of trap,hw\n"
          "  --io LIST          of emulated,virtio,passthrough; each run gets its --disk\n"
          "                     images as ,snapshot (the files stay as they are), and the\n"
          "                     table adds io.requests, exits/req, io.exits/req, cycles/req\n"
          "                     and req/s (requests per second of wall time)\n"
          "  --csv FILE         also write the table as CSV, a header row of counter names\n"
          "  --plot FILE        bar charts drawn by gnuplot, .svg or .png: cycles.modeled;\n"
          "                     exits.total, walk.accesses, tlb.misses, shadow.hidden_faults\n"
          "                     (those non-zero in some run) on a log scale; with --io:\n"
          "                     cycles/req, then exits/req and io.exits/req\n"
          "  --keep-logs DIR    keep each run's guest output (DIR/LABEL.out) and stderr (.err)\n"
          "  -h, --help         this text\n"
          "Rows come mmu-major, then s2-page, then cpu, then io. Other options (-m, --max-insns,\n"
          "--timeout, --bios, --kernel, ...) go to every run; --stats, --monitor,\n"
          "--monitor-script, --gdb and --tui are refused. Each run is vmlab --quiet with\n"
          "stdin from /dev/null; the guest's output is discarded unless --keep-logs.\n"
          "Exit status: 0 every run vmlab accepted exited 0; 1 one did not, none was\n"
          "             accepted, or the CSV or plot could not be written; 2 usage error.\n"
          "Example: vmlab compare build/guests/paging.elf --mmu native,nested --s2-page 4k,2m\n"
          "         vmlab compare --kernel build/guests/blkkern-bench.elf --disk d.img \\\n"
          "             --io emulated,virtio,passthrough\n",
          out);
}

/* One option at argv[*i]: compare's own, refused, or passed on (with its value). */
static int parse_option(struct compare_args *args, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    size_t name_len = strcspn(arg, "=");
    const char *value = arg[name_len] == '=' ? arg + name_len + 1 : NULL;
    const char **slot = own_option(args, arg, name_len);
    if (slot) {
        if (!value && *i + 1 >= argc) {
            return usage_error(arg, " needs a value");
        }
        if (*slot) {
            return usage_error(arg, " is given twice");
        }
        *slot = value ? value : argv[++*i];
        return 0;
    }
    if (name_in(refused_options, arg, name_len)) {
        return usage_error(arg, strncmp(arg, "--stats", name_len) == 0
                                    ? ": compare writes the counters itself; use --csv FILE"
                                    : ": not available under compare (runs are batch jobs)");
    }
    if (name_in((const char *const[]){"--bios", "--kernel", NULL}, arg, name_len)) {
        args->has_boot_option = true;
    }
    if (pass_on(args, arg)) {
        return -1;
    }
    if (!value && vm_config_option_takes_value(arg, name_len)) {
        if (*i + 1 >= argc) {
            return usage_error(arg, " needs a value");
        }
        return pass_on(args, argv[++*i]);
    }
    return 0;
}

/* Is `word` one of the comma-separated options after FILE in a --disk value? */
static bool disk_has_option(const char *spec, const char *word)
{
    size_t word_len = strlen(word);
    for (const char *p = strchr(spec, ','); p; p = strchr(p + 1, ',')) {
        if (!strncmp(p + 1, word, word_len) && (p[1 + word_len] == ',' || !p[1 + word_len])) {
            return true;
        }
    }
    return false;
}

/* --io: every "--disk FILE[,ro]" passed on becomes "FILE[,ro],snapshot", so each run starts
 * from the same image and none sees another's writes (the file is never changed). */
static int snapshot_disks(struct compare_args *args)
{
    for (size_t i = 0; i < args->pass_count; i++) {
        const char *prefix = "";
        const char *spec;
        size_t at = i;
        if (!strcmp(args->pass[i], "--disk") && i + 1 < args->pass_count) {
            at = ++i;
            spec = args->pass[at];
        } else if (!strncmp(args->pass[i], "--disk=", 7)) {
            prefix = "--disk=";
            spec = args->pass[i] + 7;
        } else {
            continue;
        }
        if (disk_has_option(spec, "snapshot")) {
            continue;
        }
        if (args->disk_count == DISK_SPECS_MAX) {
            return usage_error("--io: more --disk options than compare copies", "");
        }
        char *out = args->disk_specs[args->disk_count++];
        int n = snprintf(out, DISK_SPEC_MAX, "%s%s,snapshot", prefix, spec);
        if (n < 0 || n >= DISK_SPEC_MAX) {
            return usage_error("--disk: the file name is too long", "");
        }
        args->pass[at] = out;
    }
    return 0;
}

/* Returns 0 to run, 1 when --help was answered, -1 on a usage error (message printed). */
static int parse_args(struct compare_args *args, int argc, char **argv)
{
    memset(args, 0, sizeof(*args));
    bool is_positional_only = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!is_positional_only && (!strcmp(arg, "-h") || !strcmp(arg, "--help"))) {
            compare_usage(stdout);
            return 1;
        }
        if (is_positional_only || arg[0] != '-' || arg[1] == '\0') {
            args->image = args->image ? args->image : arg;
            if (pass_on(args, arg)) {
                return -1;
            }
        } else if (!strcmp(arg, "--")) {
            is_positional_only = true;
            if (pass_on(args, arg)) {
                return -1;
            }
        } else if (parse_option(args, argc, argv, &i)) {
            return -1;
        }
    }
    if (!args->image && !args->has_boot_option) {
        return usage_error("no guest given; usage: vmlab compare IMAGE --mmu LIST ...", "");
    }
    if (args->image && access(args->image, R_OK) != 0) {
        fprintf(stderr, "vmlab compare: %s: cannot read: %s\n", args->image, strerror(errno));
        return -1;
    }
    return args->lists[COMPARE_IO] ? snapshot_disks(args) : 0;
}

/* Checks made before the first run, so a typo costs no run: each a usage error. */
static int check_outputs(const struct compare_args *args, FILE **out_csv)
{
    *out_csv = NULL;
    if (args->plot_path) {
        const char *dot = strrchr(args->plot_path, '.');
        if (!dot || (strcmp(dot, ".svg") && strcmp(dot, ".png"))) {
            fprintf(stderr, "vmlab compare: --plot %s: name the file .svg or .png\n",
                    args->plot_path);
            return -1;
        }
        for (const char *p = args->plot_path; *p; p++) {
            if ((unsigned char)*p < 0x20) {
                return usage_error("--plot: a control character in the file name", "");
            }
        }
    }
    struct stat st;
    if (args->logs_dir && (stat(args->logs_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
                           access(args->logs_dir, W_OK) != 0)) {
        fprintf(stderr, "vmlab compare: --keep-logs %s: not a writable directory\n",
                args->logs_dir);
        return -1;
    }
    if (args->csv_path) {
        *out_csv = fopen(args->csv_path, "we"); /* e: O_CLOEXEC, runs do not inherit it */
        if (!*out_csv) {
            fprintf(stderr, "vmlab compare: --csv %s: cannot write: %s\n", args->csv_path,
                    strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------ one run */

enum row_kind {
    ROW_RAN,     /* vmlab ran the guest and wrote its counters */
    ROW_REFUSED, /* vmlab exited 2: it does not accept this combination */
    ROW_FAILED,  /* no counters: killed by a signal, or no readable --stats file */
};

struct compare_row {
    struct compare_combo combo;
    char label[LABEL_MAX];
    enum row_kind kind;
    bool has_status; /* status is an exit status (false: killed by a signal) */
    int status;
    double wall_seconds;
    char message[MESSAGE_MAX]; /* vmlab's first stderr line, or why the row failed */
    struct compare_stats stats;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* argv for one run: vmlab --quiet --stats PATH [--mmu X] [--s2-page Y] [--cpu Z] PASS... */
static void build_argv(const struct compare_args *args, const struct compare_row *row,
                       const char *stats_path, const char **argv)
{
    size_t n = 0;
    argv[n++] = "vmlab";
    argv[n++] = "--quiet";
    argv[n++] = "--stats";
    argv[n++] = stats_path;
    for (int d = 0; d < COMPARE_DIMS; d++) {
        if (row->combo.value[d]) {
            argv[n++] = dimensions[d].flag;
            argv[n++] = row->combo.value[d];
        }
    }
    for (size_t i = 0; i < args->pass_count; i++) {
        argv[n++] = args->pass[i];
    }
    argv[n] = NULL;
}

/* A child running path (vmlab itself, or gnuplot) with stdin in_fd, stdout out_fd, stderr
 * err_fd: -1 is /dev/null. Returns the child's pid, or -1. */
static pid_t spawn(const char *path, const char **argv, int in_fd, int out_fd, int err_fd)
{
    pid_t pid = fork();
    if (pid != 0) {
        return pid;
    }
    int null_fd = open("/dev/null", O_RDWR);
    in_fd = in_fd < 0 ? null_fd : in_fd;
    out_fd = out_fd < 0 ? null_fd : out_fd;
    err_fd = err_fd < 0 ? null_fd : err_fd;
    if (null_fd < 0 || dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
        dup2(err_fd, STDERR_FILENO) < 0) {
        _exit(127);
    }
    execvp(path, (char *const *)argv);
    dprintf(STDERR_FILENO, "vmlab compare: cannot run %s: %s\n", path, strerror(errno));
    _exit(127);
}

/* Read fd to its end, keeping the first cap-1 bytes (NUL-terminated); the rest drains. */
static void drain(int fd, char *buf, size_t cap)
{
    size_t used = 0;
    char scratch[512];
    for (;;) {
        char *dst = used + 1 < cap ? buf + used : scratch;
        size_t room = used + 1 < cap ? cap - 1 - used : sizeof(scratch);
        ssize_t n = read(fd, dst, room);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        used += dst == scratch ? 0 : (size_t)n;
    }
    buf[used] = '\0';
}

static int wait_child(pid_t pid)
{
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return wstatus;
}

/* The first line of text, without "vmlab: ", into out. */
static void first_line(const char *text, char *out, size_t len)
{
    if (strncmp(text, "vmlab: ", 7) == 0) {
        text += 7;
    }
    size_t n = strcspn(text, "\n");
    snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), text);
}

/* --keep-logs: DIR/LABEL.EXT (spaces as '_'), open for writing; -1 without --keep-logs. */
static int open_log(const struct compare_args *args, const char *label, const char *ext)
{
    if (!args->logs_dir) {
        return -1;
    }
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/", args->logs_dir);
    for (const char *p = label; *p && n > 0 && (size_t)n + 1 < sizeof(path); p++) {
        path[n++] = *p == ' ' ? '_' : *p;
    }
    snprintf(path + n, sizeof(path) - (size_t)n, "%s", ext);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static void save_stderr(const struct compare_args *args, const char *label, const char *text)
{
    int fd = open_log(args, label, ".err");
    if (fd >= 0) {
        ssize_t n = write(fd, text, strlen(text));
        (void)n; /* the log is a convenience; the row already has the message */
        close(fd);
    }
}

static int read_stats(const char *path, char *buf, struct compare_stats *stats, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *why = "cannot open the --stats file";
        return -1;
    }
    size_t used = 0;
    ssize_t n;
    while (used < STATS_FILE_MAX && (n = read(fd, buf + used, STATS_FILE_MAX - used)) != 0) {
        if (n < 0 && errno != EINTR) {
            break;
        }
        used += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    if (used == STATS_FILE_MAX) {
        *why = "the --stats file is too big";
        return -1;
    }
    return compare_stats_parse(buf, used, stats, why) ? -1 : 0;
}

/* A finished run becomes a row: ran (with counters), refused (exit 2) or failed. */
static void classify(struct compare_row *row, int wstatus, const char *err_text,
                     const char *stats_path, char *buf)
{
    char line[MESSAGE_MAX];
    first_line(err_text, line, sizeof(line));
    snprintf(row->message, sizeof(row->message), "%s", line);
    if (wstatus < 0 || WIFSIGNALED(wstatus)) {
        int sig = wstatus < 0 ? 0 : WTERMSIG(wstatus);
        row->kind = ROW_FAILED;
        snprintf(row->message, sizeof(row->message), "killed by signal %d (%s)", sig,
                 strsignal(sig));
        return;
    }
    row->has_status = true;
    row->status = WEXITSTATUS(wstatus);
    if (row->status == EXIT_USAGE) {
        row->kind = ROW_REFUSED;
        if (!line[0]) {
            snprintf(row->message, sizeof(row->message), "(vmlab gave no reason)");
        }
        return;
    }
    const char *why = NULL;
    if (read_stats(stats_path, buf, &row->stats, &why) != 0) {
        row->kind = ROW_FAILED;
        snprintf(row->message, sizeof(row->message), "exit %d, no counters (%s)%s%.160s",
                 row->status, why ? why : "?", line[0] ? ": " : "", line);
        return;
    }
    row->kind = ROW_RAN;
}

static void fail_row(struct compare_row *row, const char *what)
{
    row->kind = ROW_FAILED;
    snprintf(row->message, sizeof(row->message), "%s: %s", what, strerror(errno));
}

/* Run vmlab on one combination; buf (STATS_FILE_MAX bytes) is scratch for its --stats. */
static void run_one(const struct compare_args *args, struct compare_row *row, char *buf)
{
    char stats_path[4096];
    char err_text[STDERR_KEEP] = "";
    const char *argv[PASS_MAX + 2 * COMPARE_DIMS + 5];
    const char *tmpdir = getenv("TMPDIR");
    int pipe_fds[2] = {-1, -1};
    int out_fd = -1;

    snprintf(stats_path, sizeof(stats_path), "%s/vmlab-compare-XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    int stats_fd = mkostemp(stats_path, O_CLOEXEC);
    if (stats_fd < 0) {
        fail_row(row, "cannot create a temporary --stats file");
        return;
    }
    close(stats_fd);
    build_argv(args, row, stats_path, argv);
    out_fd = open_log(args, row->label, ".out");
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        fail_row(row, "pipe");
        goto out;
    }
    double start = now_seconds();
    pid_t pid = spawn("/proc/self/exe", argv, -1, out_fd, pipe_fds[1]);
    close(pipe_fds[1]);
    if (pid < 0) {
        fail_row(row, "fork");
        goto out;
    }
    drain(pipe_fds[0], err_text, sizeof(err_text));
    int wstatus = wait_child(pid);
    row->wall_seconds = now_seconds() - start;
    save_stderr(args, row->label, err_text);
    classify(row, wstatus, err_text, stats_path, buf);
out:
    if (pipe_fds[0] >= 0) {
        close(pipe_fds[0]);
    }
    if (out_fd >= 0) {
        close(out_fd);
    }
    unlink(stats_path);
}

/* ------------------------------------------------ the table */

/*
 * The per-request columns of --io: io.requests (the disk's requests), exits/req
 * (exits.total per request: everything the run cost, the interrupt path and the console
 * included), io.exits/req (the disk's own register accesses that exited), cycles/req
 * (cycles.modeled per request) and req/s (requests per second of wall time).
 */
static const char *const io_columns[] = {"io.requests", "exits/req", "io.exits/req", "cycles/req",
                                         "req/s"};

/* A per-request column's value: false when the row has no requests (or did not run). */
static bool per_request_value(const struct compare_row *row, const char *name, double *out)
{
    if (row->kind != ROW_RAN) {
        return false;
    }
    double requests = (double)compare_io_total(&row->stats, "requests", NULL);
    uint64_t value = 0;
    if (!strcmp(name, "io.requests")) {
        *out = requests;
        return true;
    }
    if (requests == 0) {
        return false;
    }
    if (!strcmp(name, "exits/req") && compare_stats_get(&row->stats, "exits.total", &value)) {
        *out = (double)value / requests;
    } else if (!strcmp(name, "io.exits/req")) {
        *out = (double)compare_io_total(&row->stats, "exits", NULL) / requests;
    } else if (!strcmp(name, "cycles/req") &&
               compare_stats_get(&row->stats, "cycles.modeled", &value)) {
        *out = (double)value / requests;
    } else if (!strcmp(name, "req/s") && row->wall_seconds > 0) {
        *out = requests / row->wall_seconds;
    } else {
        return false;
    }
    return true;
}

static bool is_io_column(const char *name)
{
    for (size_t i = 0; i < sizeof(io_columns) / sizeof(io_columns[0]); i++) {
        if (!strcmp(io_columns[i], name)) {
            return true;
        }
    }
    return false;
}

struct columns {
    const char *name[COLUMNS_MAX];
    size_t count;
};

static void add_column(struct columns *cols, const char *name)
{
    for (size_t i = 0; i < cols->count; i++) {
        if (!strcmp(cols->name[i], name)) {
            return;
        }
    }
    if (cols->count < COLUMNS_MAX) {
        cols->name[cols->count++] = name;
    }
}

/* insns, exits.total, each exits.<reason> non-zero in some row (in --stats order), the
 * walk, TLB, shadow and cost counters, then the wall time and the exit status. */
static void choose_columns(const struct compare_row *rows, size_t n, bool has_io,
                           struct columns *cols)
{
    cols->count = 0;
    add_column(cols, "insns");
    add_column(cols, "exits.total");
    for (size_t r = 0; r < n; r++) {
        for (size_t i = 0; rows[r].kind == ROW_RAN && i < rows[r].stats.count; i++) {
            const struct compare_stat *stat = &rows[r].stats.entries[i];
            if (!strncmp(stat->name, "exits.", 6) && stat->value != 0) {
                add_column(cols, stat->name);
            }
        }
    }
    add_column(cols, "walk.accesses");
    add_column(cols, "tlb.misses");
    add_column(cols, "shadow.hidden_faults");
    add_column(cols, "cycles.modeled");
    for (size_t i = 0; has_io && i < sizeof(io_columns) / sizeof(io_columns[0]); i++) {
        add_column(cols, io_columns[i]);
    }
    add_column(cols, "wall.seconds");
    add_column(cols, "status");
}

/* One cell's text; `absent` for a counter the run did not report. */
static void cell_text(const struct compare_row *row, const char *name, const char *absent,
                      char *buf, size_t len)
{
    uint64_t value = 0;
    double ratio = 0;
    if (is_io_column(name)) {
        if (!per_request_value(row, name, &ratio)) {
            snprintf(buf, len, "%s", absent);
        } else {
            snprintf(buf, len,
                     strcmp(name, "exits/req") && strcmp(name, "io.exits/req") ? "%.0f" : "%.2f",
                     ratio);
        }
    } else if (!strcmp(name, "wall.seconds")) {
        snprintf(buf, len, "%.3f", row->wall_seconds);
    } else if (!strcmp(name, "status") && row->has_status) {
        snprintf(buf, len, "%d", row->status);
    } else if (row->kind == ROW_RAN && compare_stats_get(&row->stats, name, &value)) {
        snprintf(buf, len, "%" PRIu64, value);
    } else {
        snprintf(buf, len, "%s", absent);
    }
}

static const char *row_verdict(const struct compare_row *row)
{
    return row->kind == ROW_REFUSED ? "refused" : "failed";
}

/* Where io.requests came from, when the table shows it and vmlab had no total. */
static void print_io_note(FILE *out, const struct compare_row *rows, size_t n,
                          const struct columns *cols)
{
    bool is_sum = false;
    for (size_t c = 0; c < cols->count; c++) {
        for (size_t r = 0; !strcmp(cols->name[c], "io.requests") && r < n; r++) {
            bool row_sum = false;
            if (rows[r].kind == ROW_RAN) {
                compare_io_total(&rows[r].stats, "requests", &row_sum);
                is_sum = is_sum || row_sum;
            }
        }
    }
    if (is_sum) {
        fprintf(out, "note: io.requests and io.exits are the sums of io.<device>.requests and "
                     "io.<device>.exits (this vmlab reports no io.requests total)\n");
    }
}

static void print_table(FILE *out, const struct compare_row *rows, size_t n,
                        const struct columns *cols)
{
    int label_width = (int)strlen("combination");
    int width[COLUMNS_MAX];
    char text[32];
    for (size_t r = 0; r < n; r++) {
        int len = (int)strlen(rows[r].label);
        label_width = len > label_width ? len : label_width;
    }
    for (size_t c = 0; c < cols->count; c++) {
        width[c] = (int)strlen(cols->name[c]);
        for (size_t r = 0; r < n; r++) {
            cell_text(&rows[r], cols->name[c], "-", text, sizeof(text));
            width[c] = (int)strlen(text) > width[c] ? (int)strlen(text) : width[c];
        }
    }
    fprintf(out, "%-*s", label_width, "combination");
    for (size_t c = 0; c < cols->count; c++) {
        fprintf(out, "  %*s", width[c], cols->name[c]);
    }
    fputc('\n', out);
    for (size_t r = 0; r < n; r++) {
        fprintf(out, "%-*s", label_width, rows[r].label);
        if (rows[r].kind != ROW_RAN) {
            fprintf(out, "  %s: %s\n", row_verdict(&rows[r]), rows[r].message);
            continue;
        }
        for (size_t c = 0; c < cols->count; c++) {
            cell_text(&rows[r], cols->name[c], "-", text, sizeof(text));
            fprintf(out, "  %*s", width[c], text);
        }
        fputc('\n', out);
    }
    for (size_t r = 0; r < n; r++) {
        if (rows[r].kind == ROW_RAN && rows[r].status != 0) {
            fprintf(out, "note: %s: exit %d: %s\n", rows[r].label, rows[r].status,
                    rows[r].message[0] ? rows[r].message : "(no message)");
        }
    }
    print_io_note(out, rows, n, cols);
}

/* ------------------------------------------------ CSV */

static void csv_put(FILE *out, const char *text, bool is_last)
{
    char field[2 * MESSAGE_MAX + 8];
    if (compare_csv_field(text, field, sizeof(field)) != 0) {
        field[0] = '\0'; /* cannot happen: every text here is shorter than half of field */
    }
    fprintf(out, "%s%c", field, is_last ? '\n' : ',');
}

/* The table as CSV: combination, the three flags, the same columns, and a note. */
static int write_csv(FILE *out, const struct compare_row *rows, size_t n,
                     const struct columns *cols)
{
    char text[2 * MESSAGE_MAX];
    csv_put(out, "combination", false);
    for (int d = 0; d < COMPARE_DIMS; d++) {
        csv_put(out, dimensions[d].flag + 2, false);
    }
    for (size_t c = 0; c < cols->count; c++) {
        csv_put(out, cols->name[c], false);
    }
    csv_put(out, "note", true);
    for (size_t r = 0; r < n; r++) {
        csv_put(out, rows[r].label, false);
        for (int d = 0; d < COMPARE_DIMS; d++) {
            csv_put(out, rows[r].combo.value[d] ? rows[r].combo.value[d] : "", false);
        }
        for (size_t c = 0; c < cols->count; c++) {
            cell_text(&rows[r], cols->name[c], "", text, sizeof(text));
            csv_put(out, text, false);
        }
        text[0] = '\0';
        if (rows[r].kind != ROW_RAN) {
            snprintf(text, sizeof(text), "%s: %s", row_verdict(&rows[r]), rows[r].message);
        } else if (rows[r].status != 0) {
            snprintf(text, sizeof(text), "%s", rows[r].message);
        }
        csv_put(out, text, true);
    }
    return ferror(out) ? -1 : 0;
}

/* ------------------------------------------------ the plot (gnuplot) */

/* Is there an executable `name` in a PATH directory? */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    char file[4096];
    while (path && *path) {
        size_t dir_len = strcspn(path, ":");
        snprintf(file, sizeof(file), "%.*s/%s", (int)dir_len, dir_len ? path : ".", name);
        if (access(file, X_OK) == 0) {
            return true;
        }
        path += dir_len + (path[dir_len] == ':');
    }
    return false;
}

/* text as a gnuplot single-quoted string: '' stands for ', control characters become ?. */
static void gp_quote(FILE *gp, const char *text)
{
    fputc('\'', gp);
    for (const char *p = text; *p; p++) {
        if (*p == '\'') {
            fputs("''", gp);
        } else {
            fputc((unsigned char)*p < 0x20 ? '?' : *p, gp);
        }
    }
    fputc('\'', gp);
}

/* A row's number for the chart: a counter, or a per-request column (--io). */
static bool row_number(const struct compare_row *row, const char *name, double *out)
{
    uint64_t value = 0;
    if (is_io_column(name)) {
        return per_request_value(row, name, out);
    }
    if (row->kind != ROW_RAN || !compare_stats_get(&row->stats, name, &value)) {
        return false;
    }
    *out = (double)value;
    return true;
}

/* The count series worth a bar: those non-zero in some run (a log axis cannot show 0). */
static size_t plot_series(const struct compare_row *rows, size_t n, bool has_io, const char **out)
{
    static const char *const counts[] = {"exits.total", "walk.accesses", "tlb.misses",
                                         "shadow.hidden_faults", NULL};
    static const char *const per_request[] = {"exits/req", "io.exits/req", NULL};
    const char *const *candidates = has_io ? per_request : counts;
    size_t count = 0;
    for (size_t i = 0; candidates[i]; i++) {
        bool is_nonzero = false;
        for (size_t r = 0; r < n; r++) {
            double value = 0;
            if (row_number(&rows[r], candidates[i], &value) && value != 0) {
                is_nonzero = true;
            }
        }
        if (is_nonzero) {
            out[count++] = candidates[i];
        }
    }
    return count;
}

/* One data row per run that ran: "label" main-metric series... ('?' for 0 or absent). */
static void plot_data(FILE *gp, const struct compare_row *rows, size_t n, const char *metric,
                      const char *const *series, size_t series_count)
{
    fputs("$vmlab << EOD\n", gp);
    for (size_t r = 0; r < n; r++) {
        double value = 0;
        if (rows[r].kind != ROW_RAN) {
            continue;
        }
        if (!row_number(&rows[r], metric, &value)) {
            value = 0;
        }
        fprintf(gp, "\"%s\" %.2f", rows[r].label, value);
        for (size_t s = 0; s < series_count; s++) {
            value = 0;
            if (row_number(&rows[r], series[s], &value) && value != 0) {
                fprintf(gp, " %.2f", value);
            } else {
                fputs(" ?", gp);
            }
        }
        fputc('\n', gp);
    }
    fputs("EOD\n", gp);
}

static void plot_script(FILE *gp, const char *plot_path, const char *image,
                        const struct compare_row *rows, size_t n, bool has_io)
{
    const char *series[4];
    const char *metric = has_io ? "cycles/req" : "cycles.modeled";
    size_t series_count = plot_series(rows, n, has_io, series);
    bool is_svg = !strcmp(strrchr(plot_path, '.'), ".svg");
    fputs(is_svg ? "set terminal svg size 960,720 dynamic background rgb 'white'\n"
                 : "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) "
                   "{ set terminal pngcairo size 960,720 } "
                   "else { set terminal png size 960,720 }\n",
          gp);
    fputs("set termoption noenhanced\nset output ", gp);
    gp_quote(gp, plot_path);
    fputs("\nset datafile missing '?'\nset style data histograms\n"
          "set style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
          "set grid ytics\nset xtics nomirror rotate by 20 right\n"
          "set yrange [0:*]\n",
          gp);
    plot_data(gp, rows, n, metric, series, series_count);
    fprintf(gp, "set multiplot layout %d,1 title ", series_count ? 2 : 1);
    gp_quote(gp, image ? image : "vmlab compare");
    fprintf(gp,
            "\nset title '%s (cost model)'\nunset key\n"
            "plot $vmlab using 2:xtic(1) title '%s' lc rgb '#4477aa'\n",
            metric, metric);
    if (series_count) {
        fprintf(gp,
                "set title '%s (log scale)'\nset key top left\nset logscale y\n"
                "set yrange [%s:*]\nplot ",
                has_io ? "exits per request" : "counts", has_io ? "0.01" : "1");
        for (size_t s = 0; s < series_count; s++) {
            fprintf(gp, "%s using %zu%s title '%s'", s ? ", ''" : "$vmlab", s + 3,
                    s ? "" : ":xtic(1)", series[s]);
        }
        fputc('\n', gp);
    }
    fputs("unset multiplot\nset output\n", gp);
}

/* Draw the chart with gnuplot. Returns 0; 1 when there is no gnuplot or nothing to plot (a
 * message says so); -1 when gnuplot failed. */
static int plot(const char *plot_path, const char *image, const struct compare_row *rows, size_t n,
                bool has_io)
{
    if (!on_path("gnuplot")) {
        fprintf(stderr,
                "vmlab compare: --plot %s: gnuplot is not installed (Debian package "
                "gnuplot-nox, or gnuplot: apt-get install gnuplot-nox); no plot drawn\n",
                plot_path);
        return 1;
    }
    size_t ran = 0;
    for (size_t r = 0; r < n; r++) {
        ran += rows[r].kind == ROW_RAN;
    }
    if (ran == 0) {
        fprintf(stderr, "vmlab compare: --plot %s: no run gave counters; no plot drawn\n",
                plot_path);
        return 1;
    }
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        return -1;
    }
    const char *argv[] = {"gnuplot", NULL};
    pid_t pid = spawn("gnuplot", argv, pipe_fds[0], -1, STDERR_FILENO);
    close(pipe_fds[0]);
    FILE *gp = fdopen(pipe_fds[1], "w");
    if (pid < 0 || !gp) {
        close(pipe_fds[1]);
        return -1;
    }
    struct sigaction ignore = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGPIPE, &ignore, &old); /* gnuplot may stop reading at an error */
    plot_script(gp, plot_path, image, rows, n, has_io);
    fclose(gp);
    sigaction(SIGPIPE, &old, NULL);
    int wstatus = wait_child(pid);
    return wstatus >= 0 && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? 0 : -1;
}

/* ------------------------------------------------ the command */

/* Every run of the matrix, in order; on a terminal, say which one is running. */
static void run_all(const struct compare_args *args, struct compare_row *rows, size_t n, char *buf)
{
    bool is_tty = isatty(STDERR_FILENO);
    for (size_t r = 0; r < n; r++) {
        compare_combo_label(&rows[r].combo, rows[r].label, sizeof(rows[r].label));
        if (is_tty) {
            fprintf(stderr, "vmlab compare: [%zu/%zu] %s\n", r + 1, n, rows[r].label);
        }
        run_one(args, &rows[r], buf);
    }
}

/* 0 when every accepted run exited 0 (and at least one was accepted), else 1. */
static int matrix_status(const struct compare_row *rows, size_t n)
{
    size_t accepted = 0;
    for (size_t r = 0; r < n; r++) {
        if (rows[r].kind == ROW_FAILED || (rows[r].kind == ROW_RAN && rows[r].status != 0)) {
            return 1;
        }
        accepted += rows[r].kind == ROW_RAN;
    }
    return accepted ? 0 : 1;
}

/* Table, CSV and plot; returns 1 when the CSV or plot could not be written, else 0. */
static int report(const struct compare_args *args, FILE *csv, const struct compare_row *rows,
                  size_t n)
{
    struct columns cols;
    int rc = 0;
    choose_columns(rows, n, args->lists[COMPARE_IO] != NULL, &cols);
    print_table(stdout, rows, n, &cols);
    fflush(stdout);
    if (csv) {
        int write_rc = write_csv(csv, rows, n, &cols);
        if (fclose(csv) != 0 || write_rc != 0) {
            fprintf(stderr, "vmlab compare: --csv %s: write failed\n", args->csv_path);
            rc = 1;
        }
    }
    bool has_io = args->lists[COMPARE_IO] != NULL;
    if (args->plot_path && plot(args->plot_path, args->image, rows, n, has_io) < 0) {
        fprintf(stderr, "vmlab compare: --plot %s: gnuplot failed; no plot\n", args->plot_path);
        rc = 1;
    }
    return rc;
}

int vm_compare_main(int argc, char **argv)
{
    struct compare_args args;
    struct compare_combo combos[COMPARE_COMBOS_MAX];
    size_t n = 0;
    char err[256];
    FILE *csv = NULL;

    int parsed = parse_args(&args, argc, argv);
    if (parsed != 0) {
        return parsed > 0 ? 0 : EXIT_USAGE;
    }
    if (compare_expand(args.lists, combos, &n, err, sizeof(err)) != 0) {
        fprintf(stderr, "vmlab compare: %s\n", err);
        return EXIT_USAGE;
    }
    if (check_outputs(&args, &csv) != 0) {
        return EXIT_USAGE;
    }
    struct compare_row *rows = calloc(n, sizeof(*rows));
    char *buf = malloc(STATS_FILE_MAX);
    if (!rows || !buf) {
        fprintf(stderr, "vmlab compare: out of memory\n");
        free(rows);
        free(buf);
        if (csv) {
            fclose(csv);
        }
        return 1;
    }
    for (size_t r = 0; r < n; r++) {
        rows[r].combo = combos[r];
    }
    run_all(&args, rows, n, buf);
    int status = matrix_status(rows, n);
    if (report(&args, csv, rows, n) != 0) {
        status = 1;
    }
    free(rows);
    free(buf);
    return status;
}
