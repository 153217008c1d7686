/*
 * tests/unit/check_compare.c - the pieces of `vmlab compare` (vm/compare.c) that need no
 * guest: the --stats parser, the combination product and CSV quoting.
 * Course: 内存虚拟化 / 影子页表 vs 第二阶段页表 - the table that puts techniques side by side.
 * Spec: vm/stats.c's --stats format (one flat JSON object, RFC 8259 syntax, of "name":
 *       unsigned integer pairs); RFC 4180 "Definition of the CSV Format" rules 6 and 7.
 * Expected values are worked by hand in the comments, never taken from a run.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/compare.h"

/* The parsers' outputs are large (COMPARE_STATS_MAX entries): one per test, on the heap. */
static struct compare_stats *new_stats(void)
{
    struct compare_stats *stats = malloc(sizeof(*stats));
    ck_assert_ptr_nonnull(stats);
    return stats;
}

static int parse_text(const char *text, struct compare_stats *stats, const char **why)
{
    return compare_stats_parse(text, strlen(text), stats, why);
}

/* ----------------------------------------------------------- parser: core */

/* What vm/stats.c writes: "{", then per counter ",\n  \"name\": value" (no comma first),
 * then "\n}\n". */
START_TEST(parse_stats_file)
{
    struct compare_stats *stats = new_stats();
    const char *text = "{\n  \"insns\": 4445,\n  \"cycles.modeled\": 167445,\n"
                       "  \"exits.mmio\": 53,\n  \"walk.s2_accesses\": 0\n}\n";
    const char *why = "unset";
    uint64_t value = 1;
    ck_assert_int_eq(parse_text(text, stats, &why), 0);
    ck_assert_ptr_null(why);
    ck_assert_uint_eq(stats->count, 4);
    ck_assert_str_eq(stats->entries[0].name, "insns");
    ck_assert_str_eq(stats->entries[3].name, "walk.s2_accesses"); /* file order kept */
    ck_assert(compare_stats_get(stats, "cycles.modeled", &value));
    ck_assert_uint_eq(value, 167445);
    ck_assert(compare_stats_get(stats, "walk.s2_accesses", &value));
    ck_assert_uint_eq(value, 0);
    ck_assert(!compare_stats_get(stats, "shadow.hidden_faults", &value));
    ck_assert(!compare_stats_get(stats, "insn", NULL)); /* a prefix is not a name */
    free(stats);
}
END_TEST

START_TEST(parse_empty_and_compact)
{
    struct compare_stats *stats = new_stats();
    uint64_t value = 0;
    ck_assert_int_eq(parse_text("{}", stats, NULL), 0);
    ck_assert_uint_eq(stats->count, 0);
    ck_assert_int_eq(parse_text(" \t{ }\r\n", stats, NULL), 0);
    ck_assert_int_eq(parse_text("{\"a\":1,\"io.virtio-blk.req_2\":0}", stats, NULL), 0);
    ck_assert_uint_eq(stats->count, 2);
    ck_assert(compare_stats_get(stats, "io.virtio-blk.req_2", &value));
    ck_assert_uint_eq(value, 0);
    free(stats);
}
END_TEST

/* 2^64 - 1 = 18446744073709551615, the largest counter a uint64_t holds. */
START_TEST(parse_largest_number)
{
    struct compare_stats *stats = new_stats();
    uint64_t value = 0;
    ck_assert_int_eq(parse_text("{\"insns\": 18446744073709551615}", stats, NULL), 0);
    ck_assert(compare_stats_get(stats, "insns", &value));
    ck_assert_uint_eq(value, UINT64_MAX);
    free(stats);
}
END_TEST

/* A name of 63 characters fits COMPARE_NAME_MAX (64 with the NUL); 256 counters fit. */
START_TEST(parse_limits_fit)
{
    struct compare_stats *stats = new_stats();
    char *text = malloc(256 * 16 + 16);
    ck_assert_ptr_nonnull(text);
    snprintf(text, 128, "{\"%s\": 7}",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    ck_assert_int_eq(parse_text(text, stats, NULL), 0);
    ck_assert_uint_eq(strlen(stats->entries[0].name), 63);
    size_t len = (size_t)sprintf(text, "{");
    for (int i = 0; i < 256; i++) {
        len += (size_t)sprintf(text + len, "%s\"c%d\": %d", i ? "," : "", i, i);
    }
    sprintf(text + len, "}");
    ck_assert_int_eq(parse_text(text, stats, NULL), 0);
    ck_assert_uint_eq(stats->count, 256);
    ck_assert_str_eq(stats->entries[255].name, "c255");
    ck_assert_uint_eq(stats->entries[255].value, 255);
    free(text);
    free(stats);
}
END_TEST

/* ------------------------------------------------------ parser: bad input */

static const struct {
    const char *text;
    int rc;
} bad_files[] = {
    {"", -EINVAL},                                  /* empty file: vmlab died before writing */
    {"{", -EINVAL},                                 /* truncated after the brace */
    {"{\n  \"insns\": 12", -EINVAL},                /* truncated before the closing brace */
    {"{\n  \"insns\": ", -EINVAL},                  /* truncated before the value */
    {"{\n  \"ins", -EINVAL},                        /* truncated inside a name */
    {"{\"insns\": 12,", -EINVAL},                   /* truncated after a comma */
    {"hello", -EINVAL},                             /* not an object */
    {"[1, 2]", -EINVAL},                            /* an array */
    {"{\"insns\": -1}", -EINVAL},                   /* negative */
    {"{\"insns\": 1.5}", -EINVAL},                  /* a fraction */
    {"{\"insns\": 1e3}", -EINVAL},                  /* an exponent */
    {"{\"insns\": 01}", -EINVAL},                   /* a leading zero (not JSON) */
    {"{\"insns\": \"12\"}", -EINVAL},               /* a string value */
    {"{\"a b\": 1}", -EINVAL},                      /* a space in a name */
    {"{\"a\\\"b\": 1}", -EINVAL},                   /* an escape in a name */
    {"{\"\": 1}", -EINVAL},                         /* an empty name */
    {"{insns: 1}", -EINVAL},                        /* an unquoted name */
    {"{\"insns\" 1}", -EINVAL},                     /* no colon */
    {"{\"insns\": 1,}", -EINVAL},                   /* a trailing comma */
    {"{\"insns\": 1 \"x\": 2}", -EINVAL},           /* no comma */
    {"{\"insns\": 1} x", -EINVAL},                  /* text after the object */
    {"{\"insns\": 1}{}", -EINVAL},                  /* two objects */
    {"{\"a\": {\"b\": 1}}", -EINVAL},               /* nested: not what --stats writes */
    {"{\"insns\": 1, \"insns\": 2}", -EINVAL},      /* a duplicate name */
    {"{\"insns\": 18446744073709551616}", -ERANGE}, /* 2^64 */
    {"{\"insns\": 99999999999999999999999999}", -ERANGE}, /* far above 2^64 */
    {"{\"insns\": 184467440737095516150}", -ERANGE},      /* (2^64-1)*10 */
};

START_TEST(parse_bad_file)
{
    struct compare_stats *stats = new_stats();
    const char *why = NULL;
    int rc = parse_text(bad_files[_i].text, stats, &why);
    ck_assert_msg(rc == bad_files[_i].rc, "'%s': rc %d, expected %d", bad_files[_i].text, rc,
                  bad_files[_i].rc);
    ck_assert_ptr_nonnull(why);
    ck_assert_uint_eq(stats->count, 0); /* nothing half-parsed is left behind */
    free(stats);
}
END_TEST

START_TEST(parse_duplicate_says_so)
{
    struct compare_stats *stats = new_stats();
    const char *why = NULL;
    ck_assert_int_eq(parse_text("{\"a\": 1, \"b\": 2, \"a\": 1}", stats, &why), -EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "duplicate"));
    free(stats);
}
END_TEST

/* The parser reads len bytes, never to a NUL: "{"a": 1}" cut to 7 bytes lacks its '}';
 * a NUL inside the text is garbage, not an end. */
START_TEST(parse_respects_len)
{
    struct compare_stats *stats = new_stats();
    const char *why = NULL;
    ck_assert_int_eq(compare_stats_parse("{\"a\": 1}", 7, stats, &why), -EINVAL);
    ck_assert_str_eq(why, "truncated");
    ck_assert_int_eq(compare_stats_parse("{\"a\": 1}\0", 9, stats, NULL), -EINVAL);
    ck_assert_int_eq(compare_stats_parse("{\"a\"\0: 1}", 9, stats, NULL), -EINVAL);
    free(stats);
}
END_TEST

/* 64 characters do not fit a 64-byte name with its NUL; 257 counters are one too many. */
START_TEST(parse_limits_exceeded)
{
    struct compare_stats *stats = new_stats();
    char *text = malloc(257 * 16 + 16);
    ck_assert_ptr_nonnull(text);
    snprintf(text, 128, "{\"%s\": 7}",
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    ck_assert_int_eq(parse_text(text, stats, NULL), -E2BIG);
    size_t len = (size_t)sprintf(text, "{");
    for (int i = 0; i < 257; i++) {
        len += (size_t)sprintf(text + len, "%s\"c%d\": %d", i ? "," : "", i, i);
    }
    sprintf(text + len, "}");
    ck_assert_int_eq(parse_text(text, stats, NULL), -E2BIG);
    ck_assert_uint_eq(stats->count, 0);
    free(text);
    free(stats);
}
END_TEST

/* ---------------------------------------------------- combinations: core */

static void expect_combo(const struct compare_combo *combo, const char *mmu, const char *s2,
                         const char *cpu)
{
    const char *want[COMPARE_DIMS] = {
        [COMPARE_MMU] = mmu, [COMPARE_S2_PAGE] = s2, [COMPARE_CPU] = cpu};
    for (int d = 0; d < COMPARE_DIMS; d++) {
        if (!want[d]) {
            ck_assert_ptr_null(combo->value[d]);
        } else {
            ck_assert_ptr_nonnull(combo->value[d]);
            ck_assert_str_eq(combo->value[d], want[d]);
        }
    }
}

/* 2 mmu x 2 s2-page = 4 rows, mmu-major; --cpu not given stays NULL (vmlab's default). */
START_TEST(expand_two_by_two)
{
    const char *lists[COMPARE_DIMS] = {
        [COMPARE_MMU] = "native,nested", [COMPARE_S2_PAGE] = "4k,2m"};
    struct compare_combo combos[COMPARE_COMBOS_MAX];
    size_t n = 0;
    char err[256] = "";
    ck_assert_int_eq(compare_expand(lists, combos, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n, 4);
    expect_combo(&combos[0], "native", "4k", NULL);
    expect_combo(&combos[1], "native", "2m", NULL);
    expect_combo(&combos[2], "nested", "4k", NULL);
    expect_combo(&combos[3], "nested", "2m", NULL);
}
END_TEST

/* The list order is kept (not the order vmlab names the values in). */
START_TEST(expand_keeps_list_order)
{
    const char *lists[COMPARE_DIMS] = {[COMPARE_MMU] = "nested,native", [COMPARE_CPU] = "hw,trap"};
    struct compare_combo combos[COMPARE_COMBOS_MAX];
    size_t n = 0;
    char err[256] = "";
    ck_assert_int_eq(compare_expand(lists, combos, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n, 4);
    expect_combo(&combos[0], "nested", NULL, "hw");
    expect_combo(&combos[1], "nested", NULL, "trap");
    expect_combo(&combos[2], "native", NULL, "hw");
    expect_combo(&combos[3], "native", NULL, "trap");
}
END_TEST

/* Every value: 4 x 3 x 2 = 24 rows; row i = mmu*6 + s2*2 + cpu. Row 13 = 2*6 + 0*2 + 1:
 * nested, 4k, hw. Row 23 = 3*6 + 2*2 + 1: direct, 1g, hw. */
START_TEST(expand_full_matrix)
{
    const char *lists[COMPARE_DIMS] = {"native,shadow,nested,direct", "4k,2m,1g", "trap,hw"};
    struct compare_combo combos[COMPARE_COMBOS_MAX];
    size_t n = 0;
    char err[256] = "";
    ck_assert_int_eq(compare_expand(lists, combos, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n, 24);
    expect_combo(&combos[0], "native", "4k", "trap");
    expect_combo(&combos[13], "nested", "4k", "hw");
    expect_combo(&combos[23], "direct", "1g", "hw");
}
END_TEST

/* No list at all: one run with vmlab's defaults. */
START_TEST(expand_nothing_given)
{
    const char *lists[COMPARE_DIMS] = {NULL, NULL, NULL};
    struct compare_combo combos[COMPARE_COMBOS_MAX];
    size_t n = 0;
    char err[256] = "";
    char label[64];
    ck_assert_int_eq(compare_expand(lists, combos, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n, 1);
    expect_combo(&combos[0], NULL, NULL, NULL);
    compare_combo_label(&combos[0], label, sizeof(label));
    ck_assert_str_eq(label, "default");
}
END_TEST

START_TEST(label_names_given_flags)
{
    char label[64];
    struct compare_combo all = {
        {[COMPARE_MMU] = "nested", [COMPARE_S2_PAGE] = "4k", [COMPARE_CPU] = "trap"}};
    struct compare_combo mmu_only = {{[COMPARE_MMU] = "shadow"}};
    struct compare_combo no_mmu = {{[COMPARE_S2_PAGE] = "2m", [COMPARE_CPU] = "hw"}};
    compare_combo_label(&all, label, sizeof(label));
    ck_assert_str_eq(label, "nested s2=4k cpu=trap");
    compare_combo_label(&mmu_only, label, sizeof(label));
    ck_assert_str_eq(label, "shadow");
    compare_combo_label(&no_mmu, label, sizeof(label));
    ck_assert_str_eq(label, "s2=2m cpu=hw");
    compare_combo_label(&all, label, 8); /* cut, still NUL-terminated: 7 characters */
    ck_assert_str_eq(label, "nested ");
}
END_TEST

/* --io is the fastest-varying dimension: 2 cpu x 3 io = 6 rows, row i = cpu*3 + io. Row 4
 * = 1*3 + 1: hw, virtio. */
START_TEST(expand_io_paths)
{
    const char *lists[COMPARE_DIMS] = {
        [COMPARE_CPU] = "trap,hw", [COMPARE_IO] = "emulated,virtio,passthrough"};
    struct compare_combo combos[COMPARE_COMBOS_MAX];
    size_t n = 0;
    char err[256] = "";
    char label[64];
    ck_assert_int_eq(compare_expand(lists, combos, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n, 6);
    ck_assert_str_eq(combos[0].value[COMPARE_CPU], "trap");
    ck_assert_str_eq(combos[0].value[COMPARE_IO], "emulated");
    ck_assert_str_eq(combos[2].value[COMPARE_IO], "passthrough");
    ck_assert_str_eq(combos[4].value[COMPARE_CPU], "hw");
    ck_assert_str_eq(combos[4].value[COMPARE_IO], "virtio");
    ck_assert_ptr_null(combos[4].value[COMPARE_MMU]);
    compare_combo_label(&combos[4], label, sizeof(label));
    ck_assert_str_eq(label, "cpu=hw io=virtio");
}
END_TEST

/* Every value of all four: 4 x 3 x 2 x 3 = 72 rows, the most compare makes. The last is
 * direct 1g hw passthrough. */
START_TEST(expand_largest_matrix)
{
    const char *lists[COMPARE_DIMS] = {"native,shadow,nested,direct", "4k,2m,1g", "trap,hw",
                                       "emulated,virtio,passthrough"};
    struct compare_combo combos[COMPARE_COMBOS_MAX];
    size_t n = 0;
    char err[256] = "";
    char label[64];
    ck_assert_int_eq(compare_expand(lists, combos, &n, err, sizeof(err)), 0);
    ck_assert_uint_eq(n, 72);
    compare_combo_label(&combos[71], label, sizeof(label));
    ck_assert_str_eq(label, "direct s2=1g cpu=hw io=passthrough");
}
END_TEST

/* io.eblk.requests 3 + io.virtio.requests 5 = 8; names that only look alike are not
 * summed: vm0.* (per VM), io.virtio.requests_x, io.a.b.requests, io..requests. */
static const char io_stats_text[] =
    "{\"io.eblk.requests\": 3, \"io.virtio.requests\": 5, \"io.virtio.exits\": 7,"
    " \"vm0.io.eblk.requests\": 100, \"io.virtio.requests_x\": 1000,"
    " \"io.a.b.requests\": 10000, \"io..requests\": 100000}";

START_TEST(io_total_sums_devices)
{
    struct compare_stats *stats = malloc(sizeof(*stats));
    bool is_sum = false;
    ck_assert_ptr_nonnull(stats);
    ck_assert_int_eq(compare_stats_parse(io_stats_text, strlen(io_stats_text), stats, NULL), 0);
    ck_assert_uint_eq(compare_io_total(stats, "requests", &is_sum), 8);
    ck_assert(is_sum);
    ck_assert_uint_eq(compare_io_total(stats, "exits", NULL), 7);
    ck_assert_uint_eq(compare_io_total(stats, "bytes", &is_sum), 0); /* none: 0 */
    free(stats);
}
END_TEST

/* A run that reports the total: it is taken as it is, not added to the devices'. */
START_TEST(io_total_prefers_vmlab_total)
{
    static const char text[] = "{\"io.eblk.requests\": 3, \"io.requests\": 42}";
    struct compare_stats *stats = malloc(sizeof(*stats));
    bool is_sum = true;
    ck_assert_ptr_nonnull(stats);
    ck_assert_int_eq(compare_stats_parse(text, strlen(text), stats, NULL), 0);
    ck_assert_uint_eq(compare_io_total(stats, "requests", &is_sum), 42);
    ck_assert(!is_sum);
    free(stats);
}
END_TEST

/* ----------------------------------------------- combinations: bad input */

static const struct {
    int dim;
    const char *list, *says;
} bad_lists[] = {
    {COMPARE_MMU, "magic", "unknown value 'magic'"},
    {COMPARE_MMU, "", "unknown value ''"},
    {COMPARE_MMU, "native,", "unknown value ''"},
    {COMPARE_MMU, ",native", "unknown value ''"},
    {COMPARE_MMU, "native,,shadow", "unknown value ''"},
    {COMPARE_MMU, "Native", "unknown value 'Native'"}, /* vmlab's values are lower case */
    {COMPARE_MMU, "native nested", "unknown value"},
    {COMPARE_MMU, "native,shadow,native", "native is listed twice"},
    {COMPARE_S2_PAGE, "4K", "--s2-page 4K: unknown value '4K'"},
    {COMPARE_S2_PAGE, "4k,2m,1g,512g", "unknown value '512g'"},
    {COMPARE_CPU, "trap,hw,trap", "--cpu trap,hw,trap: trap is listed twice"},
    {COMPARE_CPU, "native", "--cpu native: unknown value 'native'"},
    {COMPARE_IO, "virtio,emulated,virtio", "--io virtio,emulated,virtio: virtio is listed twice"},
    {COMPARE_IO, "virtio,scsi", "--io virtio,scsi: unknown value 'scsi'"},
    {COMPARE_IO, "legacy", "give a comma list of emulated,virtio,passthrough"},
};

START_TEST(expand_bad_list)
{
    const char *lists[COMPARE_DIMS] = {NULL, NULL, NULL};
    struct compare_combo combos[COMPARE_COMBOS_MAX];
    size_t n = 99;
    char err[256] = "";
    lists[bad_lists[_i].dim] = bad_lists[_i].list;
    ck_assert_int_eq(compare_expand(lists, combos, &n, err, sizeof(err)), -EINVAL);
    ck_assert_msg(strstr(err, bad_lists[_i].says) != NULL, "'%s' lacks '%s'", err,
                  bad_lists[_i].says);
    ck_assert_ptr_null(strchr(err, '\n')); /* one line */
    ck_assert_uint_eq(n, 99);              /* no count on failure */
}
END_TEST

/* The message lists what is known, so the user can fix the typo. */
START_TEST(expand_bad_list_names_choices)
{
    const char *lists[COMPARE_DIMS] = {"native,nestd", NULL, NULL};
    struct compare_combo combos[COMPARE_COMBOS_MAX];
    size_t n = 0;
    char err[256] = "";
    ck_assert_int_eq(compare_expand(lists, combos, &n, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "native,shadow,nested,direct"));
}
END_TEST

/* ------------------------------------------------------------- CSV quoting */

static const struct {
    const char *text, *field;
} csv_cases[] = {
    {"native", "native"},                               /* plain: as it is */
    {"nested s2=4k cpu=trap", "nested s2=4k cpu=trap"}, /* spaces need no quotes */
    {"", ""},
    {"a,b", "\"a,b\""},                   /* rule 6: a comma -> quoted */
    {"say \"hi\"", "\"say \"\"hi\"\"\""}, /* rule 7: " doubled, and quoted */
    {"\"", "\"\"\"\""},                   /* one quote: "" inside quotes */
    {"two\nlines", "\"two\nlines\""},     /* rule 6: a line break -> quoted */
    {"cr\r", "\"cr\r\""},
    {"refused: --mmu shadow is not implemented in this version of vmlab; run without it",
     "refused: --mmu shadow is not implemented in this version of vmlab; run without it"},
};

START_TEST(csv_field_quotes)
{
    char out[128];
    ck_assert_int_eq(compare_csv_field(csv_cases[_i].text, out, sizeof(out)), 0);
    ck_assert_str_eq(out, csv_cases[_i].field);
}
END_TEST

/* "abc" needs 4 bytes; "a,b" becomes "a,b" in quotes: 5 characters + NUL = 6; x"y becomes
 * "x""y": 6 characters + NUL = 7. */
START_TEST(csv_field_too_small)
{
    char out[8];
    ck_assert_int_eq(compare_csv_field("abc", out, 3), -ENOSPC);
    ck_assert_int_eq(compare_csv_field("abc", out, 4), 0);
    ck_assert_str_eq(out, "abc");
    ck_assert_int_eq(compare_csv_field("a,b", out, 5), -ENOSPC);
    ck_assert_int_eq(compare_csv_field("a,b", out, 6), 0);
    ck_assert_str_eq(out, "\"a,b\"");
    ck_assert_int_eq(compare_csv_field("x\"y", out, 6), -ENOSPC);
    ck_assert_int_eq(compare_csv_field("x\"y", out, 7), 0);
    ck_assert_str_eq(out, "\"x\"\"y\"");
    ck_assert_int_eq(compare_csv_field("", out, 0), -ENOSPC);
}
END_TEST

static Suite *compare_suite(void)
{
    Suite *s = suite_create("compare");
    TCase *core = tcase_create("core");
    tcase_add_test(core, parse_stats_file);
    tcase_add_test(core, parse_empty_and_compact);
    tcase_add_test(core, parse_largest_number);
    tcase_add_test(core, parse_limits_fit);
    tcase_add_test(core, expand_two_by_two);
    tcase_add_test(core, expand_keeps_list_order);
    tcase_add_test(core, expand_full_matrix);
    tcase_add_test(core, expand_nothing_given);
    tcase_add_test(core, label_names_given_flags);
    tcase_add_test(core, expand_io_paths);
    tcase_add_test(core, expand_largest_matrix);
    tcase_add_test(core, io_total_sums_devices);
    tcase_add_test(core, io_total_prefers_vmlab_total);
    tcase_add_loop_test(core, csv_field_quotes, 0, sizeof(csv_cases) / sizeof(csv_cases[0]));
    suite_add_tcase(s, core);

    TCase *bad = tcase_create("bad_input");
    tcase_add_loop_test(bad, parse_bad_file, 0, sizeof(bad_files) / sizeof(bad_files[0]));
    tcase_add_test(bad, parse_duplicate_says_so);
    tcase_add_test(bad, parse_respects_len);
    tcase_add_test(bad, parse_limits_exceeded);
    tcase_add_loop_test(bad, expand_bad_list, 0, sizeof(bad_lists) / sizeof(bad_lists[0]));
    tcase_add_test(bad, expand_bad_list_names_choices);
    tcase_add_test(bad, csv_field_too_small);
    suite_add_tcase(s, bad);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(compare_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
