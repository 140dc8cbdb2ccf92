/* Unit tests of an input that ends early or carries more than one dump
 * (import/input and the checks in import/import): a truncated gzip file or
 * gzip on stdin, a bad gzip trailer, bytes after the gzip stream, several
 * gzip members, a last row cut inside a quoted field or after some fields
 * (file and pipe), the shrink guard (max_shrink_pct, min_offers), CR-only
 * line ends, and values outside the vocabulary (vocab.h).
 * In every failure nothing is published and CURRENT stays as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "import/import.h"
#include "testutil.h"

static char *root;

static int setup(void **state)
{
    (void)state;
    root = tu_mkdtemp("input");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(root);
    free(root);
    return 0;
}

static const char *subdir(const char *name)
{
    static char d[4][4400];
    static int k;
    k = (k + 1) % 4;
    snprintf(d[k], sizeof d[k], "%s/%s", root, name);
    mkdir(d[k], 0755);
    return d[k];
}

/* n rows of distinct hotels and prices (no duplicates). */
static void rows(buf_t *b, unsigned n, unsigned first)
{
    for (unsigned i = first; i < first + n; i++)
        tu_offer(b, 1 + i % 300, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 100 + i, "HAM", "BREAKFAST",
                 false, "DOUBLE");
}

static void dump(buf_t *b, unsigned n)
{
    BUF_LIT(b, TU_HEADER_2023);
    rows(b, n, 0);
}

/* gzip of data (one member). */
static unsigned char *gzip_of(const void *data, size_t len, size_t *out_len)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&zs, (uLong)len);
    unsigned char *out = malloc(cap);
    zs.next_in = (unsigned char *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static int import_path(const char *d, const char *path, const import_options *extra, import_result *res,
                       char *err)
{
    import_options opt = {.offers_path = path,
                          .hotels_path = tu_data("hotels.csv"),
                          .data_dir = tu_path(d, "data"),
                          .max_rejects = -1,
                          .threads = 2};
    if (extra) {
        opt.max_shrink_pct = extra->max_shrink_pct;
        opt.min_offers = extra->min_offers;
    }
    err[0] = 0;
    int q = tu_quiet_begin();
    int rc = import_run(&opt, res, err, 1024);
    tu_quiet_end(q);
    return rc;
}

static int import_bytes(const char *d, const char *name, const void *data, size_t len, import_result *res, char *err)
{
    const char *path = tu_path(d, name);
    tu_write(path, data, len);
    return import_path(d, path, NULL, res, err);
}

/* Imports data through a pipe on standard input (data must fit the pipe
 * buffer, 64 KiB, so no writer thread is needed). */
static int import_pipe(const char *d, const void *data, size_t len, import_result *res, char *err)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_true(len < 60000);
    assert_int_equal(write(fds[1], data, len), (ssize_t)len);
    close(fds[1]);
    int saved = dup(0);
    dup2(fds[0], 0);
    close(fds[0]);
    int rc = import_path(d, "-", NULL, res, err);
    dup2(saved, 0);
    close(saved);
    return rc;
}

/* A generation of 400 offers to be served before the faulty import. */
static void serve_first(const char *d)
{
    buf_t b = {0};
    dump(&b, 400);
    import_result res;
    char err[1024];
    if (import_bytes(d, "first.csv", b.data, b.len, &res, err) != 0)
        fail_msg("first import: %s", err);
    assert_int_equal(res.generation, 1);
    buf_free(&b);
}

/* The start of most tests here: a data directory that already serves a
 * generation (so a failed import can be seen to leave it untouched), and
 * a dump of n rows in b. */
static const char *served_with_dump(const char *name, buf_t *b, unsigned n)
{
    const char *d = subdir(name);
    serve_first(d);
    dump(b, n);
    return d;
}

/* Nothing new was published: CURRENT still names generation 1 and no
 * generation 2 exists. */
static void expect_untouched(const char *d, int rc, const char *err, const char *want)
{
    char *cur = tu_slurp(tu_path(d, "data/CURRENT"), NULL);
    bool gen2 = tu_exists(tu_path(d, "data/gen-000000000002"));
    bool cur_ok = cur && !strcmp(cur, "gen-000000000001\n");
    free(cur);
    if (rc != -1 || gen2 || !cur_ok || !strstr(err, want))
        fail_msg("import returned %d (want -1), generation 2 %s, CURRENT %s; error '%s' (want '%s')", rc,
                 gen2 ? "exists" : "absent", cur_ok ? "unchanged" : "changed", err, want);
}

static void test_truncated_gzip_file(void **state)
{
    (void)state;
    buf_t b = {0};
    const char *d = served_with_dump("gz_half", &b, 3000);
    size_t zl;
    unsigned char *z = gzip_of(b.data, b.len, &zl);
    import_result res;
    char err[1024];
    /* cut in the middle, and cut only the 8-byte trailer */
    int rc = import_bytes(d, "half.csv.gz", z, zl / 2, &res, err);
    expect_untouched(d, rc, err, "truncated");
    rc = import_bytes(d, "no_trailer.csv.gz", z, zl - 8, &res, err);
    expect_untouched(d, rc, err, "truncated");
    free(z);
    buf_free(&b);
}

static void test_truncated_gzip_stdin(void **state)
{
    (void)state;
    buf_t b = {0};
    const char *d = served_with_dump("gz_stdin", &b, 3000);
    size_t zl;
    unsigned char *z = gzip_of(b.data, b.len, &zl);
    import_result res;
    char err[1024];
    int rc = import_pipe(d, z, zl * 2 / 3, &res, err);
    expect_untouched(d, rc, err, "truncated");
    /* the whole stream through the same pipe is fine */
    rc = import_pipe(d, z, zl, &res, err);
    if (rc != 0)
        fail_msg("complete gzip on stdin: %s", err);
    assert_int_equal(res.stats.imported, 3000);
    free(z);
    buf_free(&b);
}

static void test_gzip_bad_trailer(void **state)
{
    (void)state;
    buf_t b = {0};
    const char *d = served_with_dump("gz_crc", &b, 500);
    size_t zl;
    unsigned char *z = gzip_of(b.data, b.len, &zl);
    z[zl - 6] ^= 0x55; /* CRC-32 */
    import_result res;
    char err[1024];
    int rc = import_bytes(d, "crc.csv.gz", z, zl, &res, err);
    expect_untouched(d, rc, err, "corrupt gzip");
    z[zl - 6] ^= 0x55;
    z[zl - 2] ^= 0x01; /* the uncompressed length */
    rc = import_bytes(d, "len.csv.gz", z, zl, &res, err);
    expect_untouched(d, rc, err, "corrupt gzip");
    free(z);
    buf_free(&b);
}

/* gzread drops bytes after the last member that are not a gzip header. */
static void test_gzip_trailing_garbage(void **state)
{
    (void)state;
    buf_t b = {0};
    const char *d = served_with_dump("gz_garbage", &b, 500);
    size_t zl;
    unsigned char *z = gzip_of(b.data, b.len, &zl);
    buf_t all = {0};
    buf_put(&all, z, zl);
    BUF_LIT(&all, "\"1\",\"2023-07-10T10:00:00+00:00\"\n");
    import_result res;
    char err[1024];
    int rc = import_bytes(d, "garbage.csv.gz", all.data, all.len, &res, err);
    expect_untouched(d, rc, err, "after the end of the gzip stream");
    rc = import_pipe(d, all.data, all.len, &res, err);
    expect_untouched(d, rc, err, "after the end of the gzip stream");
    free(z);
    buf_free(&b);
    buf_free(&all);
}

/* Concatenated members (cat a.gz b.gz, pigz) are one dump. */
static void test_gzip_members(void **state)
{
    (void)state;
    const char *d = subdir("gz_members");
    buf_t a = {0}, b = {0};
    dump(&a, 700);
    rows(&b, 900, 700);
    size_t al, bl;
    unsigned char *za = gzip_of(a.data, a.len, &al), *zb = gzip_of(b.data, b.len, &bl);
    buf_t all = {0};
    buf_put(&all, za, al);
    buf_put(&all, zb, bl);
    import_result res;
    char err[1024];
    if (import_bytes(d, "members.csv.gz", all.data, all.len, &res, err) != 0)
        fail_msg("two gzip members: %s", err);
    assert_int_equal(res.stats.imported, 1600);
    assert_int_equal(res.stats.rejected, 0);
    free(za);
    free(zb);
    buf_free(&a);
    buf_free(&b);
    buf_free(&all);
}

/* The last row cut inside a quoted field: an unterminated quote. Before,
 * it was one rejected row and the rest was published. */
static void test_cut_in_quoted_field(void **state)
{
    (void)state;
    buf_t b = {0};
    const char *d = served_with_dump("cut_quoted", &b, 300);
    size_t cut = b.len - 20; /* inside "...+00:00","BREAKFAST","false","DOUBLE" */
    import_result res;
    char err[1024];
    int rc = import_bytes(d, "cut.csv", b.data, cut, &res, err);
    expect_untouched(d, rc, err, "ends in the middle of a row: line 301");
    rc = import_pipe(d, b.data, cut, &res, err);
    expect_untouched(d, rc, err, "ends in the middle of a row: line 301");
    buf_free(&b);
}

/* An unquoted dump cut after a delimiter: too few fields. A complete last
 * row without a line end stays fine (test_import covers it). */
static void test_cut_short_row(void **state)
{
    (void)state;
    const char *d = subdir("cut_short");
    serve_first(d);
    buf_t b = {0};
    BUF_LIT(&b, "hotelid;outbounddeparturedatetime;inbounddeparturedatetime;countadults;countchildren;price;"
                "inbounddepartureairport;outboundarrivalairport;inboundarrivaldatetime;outbounddepartureairport;"
                "inboundarrivalairport;outboundarrivaldatetime;mealtype;oceanview;roomtype\n");
    for (unsigned i = 0; i < 400; i++)
        buf_printf(&b,
                   "%u;2023-07-10T10:00:00+00:00;2023-07-17T10:00:00+00:00;2;0;%u;PMI;PMI;2023-07-17T12:00:00+00:00;"
                   "HAM;HAM;2023-07-10T12:00:00+00:00;BREAKFAST;false;DOUBLE\n",
                   1 + i % 300, 100 + i);
    BUF_LIT(&b, "7;2023-07-10T10:00:00+00:00;2023-07-17T10:00:00+00:00;2;0;");
    import_result res;
    char err[1024];
    int rc = import_bytes(d, "short.csv", b.data, b.len, &res, err);
    expect_untouched(d, rc, err, "ends in the middle of a row: line 402");
    buf_free(&b);
}

/* The shrink guard: off when 0; 50% refuses 150 offers after 400. */
static void test_shrink_guard(void **state)
{
    (void)state;
    buf_t b = {0};
    const char *d = served_with_dump("shrink", &b, 150);
    import_result res;
    char err[1024];
    import_options guard = {.max_shrink_pct = 50};
    const char *path = tu_path(d, "small.csv");
    tu_write(path, b.data, b.len);
    int rc = import_path(d, path, &guard, &res, err);
    expect_untouched(d, rc, err, "62.5% fewer than the 400 of the served generation 1");
    guard.max_shrink_pct = 70;
    rc = import_path(d, path, &guard, &res, err);
    if (rc != 0)
        fail_msg("a 62.5%% shrink with max_shrink_pct 70: %s", err);
    assert_int_equal(res.generation, 2);
    /* min_offers, also without a served generation */
    const char *d2 = subdir("min_rows");
    import_options min = {.min_offers = 151};
    rc = import_path(d2, path, &min, &res, err);
    if (rc != -1 || !strstr(err, "fewer than --min-rows 151") || tu_exists(tu_path(d2, "data/CURRENT")))
        fail_msg("150 offers with min_offers 151: rc %d, '%s'", rc, err);
    min.min_offers = 150;
    assert_int_equal(import_path(d2, path, &min, &res, err), 0);
    buf_free(&b);
}

/* CR-only line ends (classic Mac): the whole file reads as one line. The
 * error says what is wrong instead of "too many fields" - for a small file
 * and one whose single "line" is longer than the 1 MiB header limit, from
 * a file and from a pipe. */
static void test_cr_only_file(void **state)
{
    (void)state;
    const char *d = subdir("cr_only");
    buf_t b = {0};
    dump(&b, 200);
    for (size_t i = 0; i < b.len; i++)
        if (b.data[i] == '\n')
            b.data[i] = '\r';
    import_result res;
    char err[1024];
    assert_int_equal(import_bytes(d, "mac.csv", b.data, b.len, &res, err), -1);
    if (!strstr(err, "header (line 1): line endings are CR only (old Mac)"))
        fail_msg("small CR-only file: '%s'", err);
    assert_int_equal(import_pipe(d, b.data, b.len, &res, err), -1);
    if (!strstr(err, "line endings are CR only (old Mac)"))
        fail_msg("CR-only through a pipe: '%s'", err);
    buf_t big = {0};
    dump(&big, 8000); /* > 1 MiB */
    for (size_t i = 0; i < big.len; i++)
        if (big.data[i] == '\n')
            big.data[i] = '\r';
    assert_int_equal(import_bytes(d, "big-mac.csv", big.data, big.len, &res, err), -1);
    if (!strstr(err, "line endings are CR only (old Mac)"))
        fail_msg("large CR-only file: '%s'", err);
    assert_false(tu_exists(tu_path(d, "data/CURRENT")));
    buf_free(&b);
    buf_free(&big);
}

/* Values the API could never search for are rejected with their line and
 * column (vocab.h); the rest of the dump is imported. */
static void test_vocabulary_rejects(void **state)
{
    (void)state;
    const char *d = subdir("vocab");
    buf_t b = {0};
    dump(&b, 3); /* lines 2-4 */
    tu_offer(&b, 5, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 900, "HAM", "WEIRD", false, "DOUBLE");
    tu_offer(&b, 6, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 901, "ZZZZ", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 7, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 902, "HAM", "BREAKFAST", false, "CASTLE");
    tu_offer(&b, 8, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 903, "muc", "allinclusive", true, "suite");
    import_result res;
    char err[1024];
    if (import_bytes(d, "vocab.csv", b.data, b.len, &res, err) != 0)
        fail_msg("import: %s", err);
    assert_int_equal(res.stats.imported, 4);
    assert_int_equal(res.stats.rejected, 3);
    char *rj = tu_slurp(tu_path(res.gen_dir, "rejects.csv"), NULL);
    assert_non_null(rj);
    if (!strstr(rj, "\n5,\"mealtype: unknown meal type 'WEIRD'\"") ||
        !strstr(rj, "\n6,\"outbounddepartureairport: not a 3-letter IATA airport code 'ZZZZ'\"") ||
        !strstr(rj, "\n7,\"roomtype: unknown room type 'CASTLE'\""))
        fail_msg("rejects.csv:\n%s", rj);
    free(rj);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_gzip_file),
        cmocka_unit_test(test_truncated_gzip_stdin),
        cmocka_unit_test(test_gzip_bad_trailer),
        cmocka_unit_test(test_gzip_trailing_garbage),
        cmocka_unit_test(test_gzip_members),
        cmocka_unit_test(test_cut_in_quoted_field),
        cmocka_unit_test(test_cut_short_row),
        cmocka_unit_test(test_shrink_guard),
        cmocka_unit_test(test_cr_only_file),
        cmocka_unit_test(test_vocabulary_rejects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
