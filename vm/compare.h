/*
 * vm/compare.h - `vmlab compare`: one guest under a matrix of techniques, one table.
 *
 * vm_compare_main is the command. The three small pieces below it (the --stats parser,
 * the combination product and CSV quoting) are public only so that
 * tests/unit/check_compare.c can test them; nothing else in vmlab needs them.
 */
#ifndef VMLAB_VM_COMPARE_H
#define VMLAB_VM_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * `vmlab compare IMAGE --mmu LIST [--s2-page LIST] [--cpu LIST] [--io LIST] [--csv FILE]
 * [--plot FILE] [--keep-logs DIR] [vmlab options]`. argv[0] is "compare" (main passes argv + 1).
 * Returns the process exit status: 0 when every run that vmlab accepted exited 0, 1 when
 * one did not (or none was accepted), 2 for bad usage.
 */
int vm_compare_main(int argc, char **argv);

/* ------------------------------------------------ the --stats file (vm/stats.c) */

#define COMPARE_STATS_MAX 256 /* counters kept from one file */
#define COMPARE_NAME_MAX  64  /* bytes of a counter name, the NUL included */

struct compare_stat {
    char name[COMPARE_NAME_MAX];
    uint64_t value;
};

struct compare_stats {
    size_t count;
    struct compare_stat entries[COMPARE_STATS_MAX];
};

/*
 * Parse exactly what `--stats FILE` writes: one flat JSON object of "name": unsigned
 * integer pairs (names of letters, digits, '.', '_' and '-'). text need not end in NUL.
 * Returns 0, -EINVAL for anything else (truncated, garbage, a duplicate name), -ERANGE for
 * a number above UINT64_MAX, -E2BIG for more than COMPARE_STATS_MAX counters or a name too
 * long; *out_why (may be NULL) then says what, in a few words.
 */
int compare_stats_parse(const char *text, size_t len, struct compare_stats *out,
                        const char **out_why) __attribute__((warn_unused_result));

/* The value of counter `name`: true and *out_value, or false when the file lacked it. */
bool compare_stats_get(const struct compare_stats *stats, const char *name, uint64_t *out_value);

/* ------------------------------------------------ the combinations */

enum compare_dim {
    COMPARE_MMU,     /* --mmu */
    COMPARE_S2_PAGE, /* --s2-page */
    COMPARE_CPU,     /* --cpu */
    COMPARE_IO,      /* --io */
    COMPARE_DIMS,
};

#define COMPARE_COMBOS_MAX 72 /* 4 mmu x 3 s2-page x 2 cpu x 3 io: every value once */

/* One run's technique choices; a NULL value is a flag not given (vmlab's default). */
struct compare_combo {
    const char *value[COMPARE_DIMS];
};

/*
 * The cartesian product of the comma lists (lists[d] NULL: flag not given), in a fixed
 * order: mmu-major, then s2-page, then cpu. Values point at static strings. Returns 0 and
 * *out_count, or -EINVAL with a one-line message (no "vmlab compare: " prefix, no newline)
 * in err for an unknown, empty or repeated value.
 */
int compare_expand(const char *const lists[COMPARE_DIMS], struct compare_combo *out,
                   size_t *out_count, char *err, size_t err_len)
    __attribute__((warn_unused_result));

/* The row label: "nested s2=4k cpu=trap io=virtio", only the flags given; "default" when
 * none. */
void compare_combo_label(const struct compare_combo *combo, char *buf, size_t len);

/*
 * A disk total of a run, `what` being "requests", "exits", "bytes", ...: io.<what> when
 * vmlab reports that total, else the sum of every io.<device>.<what> (io.eblk.requests +
 * io.virtio.requests + ...), and *out_is_sum says which (NULL: not wanted). 0 when the
 * run has neither.
 */
uint64_t compare_io_total(const struct compare_stats *stats, const char *what, bool *out_is_sum);

/*
 * One CSV field (RFC 4180): quoted, with '"' doubled, when it holds a comma, a quote, CR
 * or LF; as it is otherwise. Returns 0, or -ENOSPC when it does not fit in cap bytes.
 */
int compare_csv_field(const char *text, char *out, size_t cap) __attribute__((warn_unused_result));

#endif
