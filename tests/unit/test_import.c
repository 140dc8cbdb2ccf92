/* Unit tests of import/import (the whole pipeline through import_run):
 * inputs that are errors, line-end and delimiter variants, gzip and stdin
 * input, rejected rows and duplicates reported in rejects.csv with the
 * right line numbers (also across chunk boundaries), unknown hotels, the
 * max-rejects limit, oversized lines and non-UTF-8 bytes. */
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

#include "api/api.h"
#include "import/import.h"
#include "store/store.h"
#include "testutil.h"

static char *kept[8]; /* strings freed at the end or when their slot is reused */
static int kept_k;

static char *root;

static int setup(void **state)
{
    (void)state;
    root = tu_mkdtemp("import");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++)
        free(kept[i]);
    tu_rmtree(root);
    free(root);
    return 0;
}

/* A new directory for one test. */
static const char *subdir(const char *name)
{
    static char d[4][4400];
    static int k;
    k = (k + 1) % 4;
    snprintf(d[k], sizeof d[k], "%s/%s", root, name);
    mkdir(d[k], 0755);
    return d[k];
}

static int run(const char *d, const char *csv, size_t len, int64_t max_rejects, import_result *res, char *err)
{
    err[0] = 0;
    return tu_import_csv(d, csv, len, max_rejects, res, err, 1024);
}

static int run_str(const char *d, const char *csv, import_result *res, char *err)
{
    return run(d, csv, strlen(csv), -1, res, err);
}

/* rejects.csv texts, freed when the slot is reused or at the end (so a
 * failing assertion does not leak them). */

/* rejects.csv of a published generation (see kept). */
static char *rejects_of(const import_result *res)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/rejects.csv", res->gen_dir);
    char *r = tu_slurp(p, NULL);
    if (!r)
        fail_msg("no %s", p);
    kept_k = (kept_k + 1) % 8;
    free(kept[kept_k]);
    kept[kept_k] = r;
    return r;
}

/* The rejects.csv line for input line `line` (copied into out), or NULL. */
static const char *reject_line(const char *rejects, unsigned line, char *out, size_t outlen)
{
    char pat[32];
    int pl = snprintf(pat, sizeof pat, "\n%u,", line);
    const char *p = strstr(rejects, pat);
    if (!p)
        return NULL;
    p += 1;
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (n >= outlen)
        n = outlen - 1;
    memcpy(out, p, n);
    out[n] = 0;
    (void)pl;
    return out;
}

static void expect_reject(const char *rejects, unsigned line, const char *reason_part)
{
    char l[1024];
    if (!reject_line(rejects, line, l, sizeof l))
        fail_msg("line %u not in rejects.csv:\n%s", line, rejects);
    if (!strstr(l, reason_part))
        fail_msg("line %u: '%s' does not contain '%s'", line, l, reason_part);
}

static size_t data_lines(const char *rejects)
{
    return tu_count(rejects, "\n") - 1; /* minus the header */
}

static void add_row(buf_t *b, unsigned hotel, unsigned price)
{
    tu_offer(b, hotel, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, price, "HAM", "BREAKFAST", false,
             "DOUBLE");
}

static char *current_of(const char *d)
{
    return tu_slurp(tu_path(d, "data/CURRENT"), NULL);
}

static void test_empty_input(void **state)
{
    (void)state;
    const char *d = subdir("empty");
    import_result res;
    char err[1024];
    assert_int_equal(run(d, "", 0, -1, &res, err), -1);
    assert_non_null(strstr(err, "empty"));
    assert_false(tu_exists(tu_path(d, "data/CURRENT")));
}

static void test_header_only(void **state)
{
    (void)state;
    const char *d = subdir("header_only");
    import_result res;
    char err[1024];
    assert_int_equal(run_str(d, TU_HEADER_2023, &res, err), -1);
    assert_non_null(strstr(err, "no valid offer rows"));
    assert_false(tu_exists(tu_path(d, "data/CURRENT")));
    /* without its line end, and with blank lines only */
    assert_int_equal(run(d, TU_HEADER_2023, strlen(TU_HEADER_2023) - 1, -1, &res, err), -1);
    assert_non_null(strstr(err, "no valid offer rows"));
    assert_int_equal(run_str(d, TU_HEADER_2023 "\n\r\n\n", &res, err), -1);
    assert_non_null(strstr(err, "no valid offer rows"));
}

static void test_wrong_header(void **state)
{
    (void)state;
    const char *d = subdir("wrong_header");
    import_result res;
    char err[1024];
    const char *csv = "\"hotelid\",\"outbounddeparturedatetime\",\"inbounddeparturedatetime\",\"countadults\","
                      "\"countchildren\",\"cost\",\"inbounddepartureairport\",\"outboundarrivalairport\","
                      "\"inboundarrivaldatetime\",\"outbounddepartureairport\",\"inboundarrivalairport\","
                      "\"outboundarrivaldatetime\",\"mealtype\",\"oceanview\"\n"
                      "\"1\",\"x\"\n";
    assert_int_equal(run_str(d, csv, &res, err), -1);
    assert_non_null(strstr(err, "price"));
    assert_non_null(strstr(err, "roomtype"));
    assert_null(strstr(err, "hotelid"));
    assert_false(tu_exists(tu_path(d, "data/CURRENT")));
}

static void test_missing_files(void **state)
{
    (void)state;
    const char *d = subdir("missing");
    import_options opt = {.offers_path = tu_path(d, "nope.csv"),
                          .hotels_path = tu_data("hotels.csv"),
                          .data_dir = tu_path(d, "data"),
                          .max_rejects = -1,
                          .threads = 2};
    import_result res;
    char err[1024] = "";
    assert_int_equal(import_run(&opt, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "nope.csv"));

    tu_write_str(tu_path(d, "offers.csv"), TU_HEADER_2023);
    opt.offers_path = tu_path(d, "offers.csv");
    opt.hotels_path = tu_path(d, "no-hotels.csv");
    err[0] = 0;
    assert_int_equal(import_run(&opt, &res, err, sizeof err), -1);
    assert_non_null(strstr(err, "no-hotels.csv"));
}

static void test_crlf_bom_and_no_final_newline(void **state)
{
    (void)state;
    const char *d = subdir("crlf");
    buf_t b = {0};
    BUF_LIT(&b, "\xEF\xBB\xBF");
    BUF_LIT(&b, TU_HEADER_2023);
    b.len--;
    BUF_LIT(&b, "\r\n");
    for (unsigned i = 0; i < 5; i++) {
        add_row(&b, 1 + i, 100 + i);
        b.len--;
        BUF_LIT(&b, "\r\n");
    }
    add_row(&b, 9, 999);
    b.len--; /* the last row without a line end */
    import_result res;
    char err[1024];
    assert_int_equal(run(d, b.data, b.len, -1, &res, err), 0);
    assert_int_equal(res.stats.imported, 6);
    assert_int_equal(res.stats.rejected, 0);
    assert_int_equal(res.stats.rows, 6);
    assert_int_equal(res.generation, 1);
    buf_free(&b);

    /* the row's values survived the CR handling: hotel 9 at 999 */
    char e2[512];
    store_t *s = store_open(tu_path(d, "data"), true, e2, sizeof e2);
    assert_non_null(s);
    int64_t h = store_find_hotel(s, 9);
    assert_true(h >= 0);
    bool found = false;
    for (uint32_t r = 0; r < s->n_runs; r++)
        if (s->runs[r].hotel == h)
            found = s->price[s->run_offers[s->runs[r].start]] == 999;
    assert_true(found);
    store_release(s);
}

static void test_semicolon_unquoted(void **state)
{
    (void)state;
    const char *d = subdir("semicolon");
    const char *csv =
        "hotelid;departuredate;returndate;countadults;countchildren;price;inbounddepartureairport;"
        "outboundarrivalairport;inboundarrivaldatetime;outbounddepartureairport;inboundarrivalairport;"
        "outboundarrivaldatetime;mealtype;oceanview;roomtype;inboundairline;outboundairline\n"
        "1;2023-07-01;2023-07-08;2;0;500;PMI;PMI;2023-07-08T12:00:00;MUC;MUC;2023-07-01T09:00:00;"
        "BREAKFAST;true;DOUBLE;X1;Y2\n"
        "2;2023-07-02;2023-07-09;2;0;600;PMI;PMI;2023-07-09T12:00:00;STR;STR;2023-07-02T09:00:00;"
        "NONE;false;SUITE;X1;Y2\n";
    import_result res;
    char err[1024];
    assert_int_equal(run_str(d, csv, &res, err), 0);
    assert_int_equal(res.stats.imported, 2);
    assert_int_equal(res.stats.rejected, 0);

    /* served: bare dates come back as bare dates */
    char e2[512];
    store_t *s = store_open(tu_path(d, "data"), true, e2, sizeof e2);
    assert_non_null(s);
    api_response r;
    tu_api(s, "GET", "/hotels/1/offers",
           "earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-31&duration=7&countAdults=2", &r);
    char *body = tu_body(&r);
    assert_int_equal(r.status, 200);
    char v[64];
    assert_non_null(tu_str(body, "outboundDepartureDatetime", v, sizeof v));
    assert_string_equal(v, "2023-07-01");
    assert_non_null(tu_str(body, "outboundArrivalDatetime", v, sizeof v));
    assert_string_equal(v, "2023-07-01T09:00:00");
    assert_non_null(tu_str(body, "inboundDepartureDatetime", v, sizeof v));
    assert_string_equal(v, "2023-07-08");
    free(body);
    api_response_free(&r);
    store_release(s);
}

static void test_gzip_input(void **state)
{
    (void)state;
    const char *d = subdir("gzip");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    for (unsigned i = 0; i < 300; i++)
        add_row(&b, 1 + i % 50, 100 + i);
    const char *gz = tu_path(d, "offers.csv.gz");
    gzFile f = gzopen(gz, "wb");
    assert_non_null(f);
    assert_int_equal(gzwrite(f, b.data, (unsigned)b.len), (int)b.len);
    gzclose(f);
    buf_free(&b);
    import_options opt = {.offers_path = gz,
                          .hotels_path = tu_data("hotels.csv"),
                          .data_dir = tu_path(d, "data"),
                          .max_rejects = -1,
                          .threads = 2};
    import_result res;
    char err[1024] = "";
    int q = tu_quiet_begin();
    int rc = import_run(&opt, &res, err, sizeof err);
    tu_quiet_end(q);
    if (rc != 0)
        fail_msg("gzip import: %s", err);
    assert_int_equal(res.stats.imported, 300);
    assert_int_equal(res.stats.rejected, 0);
}

static void test_stdin_input(void **state)
{
    (void)state;
    const char *d = subdir("stdin");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    for (unsigned i = 0; i < 7; i++)
        add_row(&b, 1 + i, 100 + i);
    const char *path = tu_path(d, "in.csv");
    tu_write(path, b.data, b.len);
    buf_free(&b);
    int saved = dup(0), fd = open(path, O_RDONLY);
    dup2(fd, 0);
    close(fd);
    import_options opt = {.offers_path = "-",
                          .hotels_path = tu_data("hotels.csv"),
                          .data_dir = tu_path(d, "data"),
                          .max_rejects = -1,
                          .threads = 1};
    import_result res;
    char err[1024] = "";
    int rc = import_run(&opt, &res, err, sizeof err);
    dup2(saved, 0);
    close(saved);
    if (rc != 0)
        fail_msg("stdin import: %s", err);
    assert_int_equal(res.stats.imported, 7);
}

/* One bad row of each kind among good rows: counts, and rejects.csv names
 * each bad line and its reason. */
static void test_bad_rows_reported(void **state)
{
    (void)state;
    const char *d = subdir("bad_rows");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023); /* line 1 */
    add_row(&b, 1, 100);        /* 2 */
    BUF_LIT(&b, "\"2\",\"2023-07-10T10:00:00+00:00\",\"2023-07-17T12:00:00+00:00\",\"2\",\"0\",\"12a\",\"PMI\","
                "\"PMI\",\"2023-07-17T14:00:00+00:00\",\"HAM\",\"HAM\",\"2023-07-10T12:00:00+00:00\","
                "\"BREAKFAST\",\"false\",\"DOUBLE\"\n"); /* 3: price */
    add_row(&b, 3, 300);                                /* 4 */
    BUF_LIT(&b, "\n");                                    /* 5: blank */
    BUF_LIT(&b, "\"4\",\"2023-07-10T10:00:00+00:00\",\"2023-07-17T12:00:00+00:00\",\"2\",\"0\",\"400\",\"PMI\","
                "\"PMI\",\"2023-07-17T14:00:00+00:00\",\"M-C\",\"HAM\",\"2023-07-10T12:00:00+00:00\","
                "\"BREAKFAST\",\"false\",\"DOUBLE\"\n"); /* 6: airport */
    BUF_LIT(&b, "\"5\",\"2023-07-10T10:00:00+00:00\",\"2023-07-09T12:00:00+00:00\",\"2\",\"0\",\"500\",\"PMI\","
                "\"PMI\",\"2023-07-17T14:00:00+00:00\",\"HAM\",\"HAM\",\"2023-07-10T12:00:00+00:00\","
                "\"BREAKFAST\",\"false\",\"DOUBLE\"\n"); /* 7: return before departure */
    BUF_LIT(&b, "\"6\",\"2023-07-10T10:00:00+00:00\",\"2023-07-17T12:00:00+00:00\",\"2\",\"0\",\"600\",\"PMI\","
                "\"PMI\",\"2023-07-17T14:00:00+00:00\",\"HAM\",\"HAM\",\"2023-07-10T12:00:00+00:00\","
                "\"BREAKFAST\",\"maybe\",\"DOUBLE\"\n"); /* 8: oceanview */
    BUF_LIT(&b, "\"7\",\"2023-07-10\"\n");                /* 9: field count */
    BUF_LIT(&b, "\"8\",\"2023-07-10T10:00:00+00:00\",\"2023-07-17T12:00:00+00:00\",\"2\",\"0\",\"800\",\"PMI\","
                "\"PMI\",\"2023-07-17T14:00:00+00:00\",\"HAM\",\"HAM\",\"2023-07-10T12:00:00+00:00\","
                "\"BRE\xC3\x28KFAST\",\"false\",\"DOUBLE\"\n"); /* 10: non-UTF-8 meal */
    BUF_LIT(&b, "\"9\",\"2023-07-10T10:00:00+00:00\",\"2023-07-17T12:00:00+00:00\",\"2\",\"0\",\"900\",\"PMI\","
                "\"PMI\",\"2023-07-17T14:00:00+00:00\",\"HAM\",\"HAM\",\"2023-07-10T12:00:00+00:00\","
                "\"BREAKFAST\",\"false\",\"DOUBLE\n"); /* 11: unterminated quote */
    add_row(&b, 10, 1000);                              /* 12 */
    import_result res;
    char err[1024];
    assert_int_equal(run(d, b.data, b.len, -1, &res, err), 0);
    buf_free(&b);
    assert_int_equal(res.stats.imported, 3);
    assert_int_equal(res.stats.rejected, 7);
    assert_int_equal(res.stats.rows, 10);
    assert_int_equal(res.stats.duplicates, 0);
    char *rj = rejects_of(&res);
    assert_true(strncmp(rj, "line,reason,row\n", 16) == 0);
    assert_int_equal(data_lines(rj), 7);
    expect_reject(rj, 3, "price");
    expect_reject(rj, 3, "12a");
    expect_reject(rj, 6, "outbounddepartureairport");
    expect_reject(rj, 7, "inbounddeparturedatetime");
    expect_reject(rj, 8, "oceanview");
    expect_reject(rj, 9, "fields");
    expect_reject(rj, 10, "mealtype");
    expect_reject(rj, 11, "unterminated");
    char l[1024];
    assert_null(reject_line(rj, 2, l, sizeof l));
    assert_null(reject_line(rj, 5, l, sizeof l));
    assert_null(reject_line(rj, 12, l, sizeof l));
    /* the excerpt is the row itself */
    expect_reject(rj, 6, "M-C");

    /* import.json agrees */
    char *js = tu_slurp(tu_path(res.gen_dir, "import.json"), NULL);
    assert_non_null(js);
    assert_int_equal(tu_num(js, "imported"), 3);
    assert_int_equal(tu_num(js, "rejected"), 7);
    assert_int_equal(tu_num(js, "rows"), 10);
    free(js);
}

static void test_duplicates(void **state)
{
    (void)state;
    const char *d = subdir("dups");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023); /* 1 */
    add_row(&b, 1, 100);        /* 2 */
    add_row(&b, 2, 200);        /* 3 */
    add_row(&b, 1, 101);        /* 4 */
    add_row(&b, 1, 100);        /* 5: = 2 */
    add_row(&b, 2, 200);        /* 6: = 3 */
    add_row(&b, 1, 100);        /* 7: = 2 */
    /* 8: same values written differently (unquoted, "100.00"): still the same offer */
    BUF_LIT(&b, "1,2023-07-10T10:00:00+00:00,2023-07-17T12:00:00+00:00,2,0,100.00,PMI,PMI,"
                "2023-07-17T14:00:00+00:00,HAM,HAM,2023-07-10T12:00:00+00:00,breakfast,false,DOUBLE\n");
    /* 9: differs only in the inbound arrival time: not a duplicate */
    BUF_LIT(&b, "1,2023-07-10T10:00:00+00:00,2023-07-17T12:00:00+00:00,2,0,100,PMI,PMI,"
                "2023-07-17T15:00:00+00:00,HAM,HAM,2023-07-10T12:00:00+00:00,BREAKFAST,false,DOUBLE\n");
    import_result res;
    char err[1024];
    assert_int_equal(run(d, b.data, b.len, -1, &res, err), 0);
    buf_free(&b);
    assert_int_equal(res.stats.duplicates, 4);
    assert_int_equal(res.stats.imported, 4);
    assert_int_equal(res.stats.rejected, 0);
    assert_int_equal(res.stats.rows, 8);
    char *rj = rejects_of(&res);
    assert_int_equal(data_lines(rj), 4);
    expect_reject(rj, 5, "duplicate of line 2");
    expect_reject(rj, 6, "duplicate of line 3");
    expect_reject(rj, 7, "duplicate of line 2");
    expect_reject(rj, 8, "duplicate of line 2");
}

static void test_unknown_hotels(void **state)
{
    (void)state;
    const char *d = subdir("unknown");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    add_row(&b, 1, 100);
    add_row(&b, 5001, 50);
    add_row(&b, 5001, 60);
    add_row(&b, 100000, 70);
    import_result res;
    char err[1024];
    assert_int_equal(run(d, b.data, b.len, -1, &res, err), 0);
    buf_free(&b);
    assert_int_equal(res.stats.imported, 4);
    assert_int_equal(res.stats.unknown_hotel_rows, 3);
    assert_int_equal(res.hotels_known, 998);
    assert_int_equal(res.hotels_unknown, 2);

    char e2[512];
    store_t *s = store_open(tu_path(d, "data"), true, e2, sizeof e2);
    assert_non_null(s);
    assert_int_equal(s->n_hotels, 1000);
    assert_int_equal(s->stats.unknown_hotel_rows, 3);
    api_response r;
    tu_api(s, "GET", "/bestOffersByHotel",
           "earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-31&duration=7&countAdults=2&countChildren=0",
           &r);
    assert_int_equal(r.status, 200);
    char *body = tu_body(&r);
    assert_int_equal(tu_count(body, "\"hotel\":"), 3);
    /* the cheapest is the unknown 5001, with a placeholder name and 0 stars */
    const char *h = tu_key(body, "hotel");
    assert_int_equal(tu_num(h, "id"), 5001);
    char name[128];
    assert_non_null(tu_str(h, "name", name, sizeof name));
    assert_true(strlen(name) > 0);
    assert_int_equal(tu_num(h, "stars"), 0);
    assert_int_equal(tu_num(h, "countAvailableOffers"), 2);
    free(body);
    api_response_free(&r);

    tu_api(s, "GET", "/api/hotels/100000", NULL, &r);
    assert_int_equal(r.status, 200);
    body = tu_body(&r);
    assert_non_null(strstr(body, "\"placeholder\":true"));
    assert_int_equal(tu_num(body, "stars"), 0);
    free(body);
    api_response_free(&r);
    tu_api(s, "GET", "/api/hotels/1", NULL, &r);
    body = tu_body(&r);
    assert_non_null(strstr(body, "\"placeholder\":false"));
    free(body);
    api_response_free(&r);
    store_release(s);
}

/* Three bad rows with at most two allowed: nothing new is published. */
static void test_max_rejects(void **state)
{
    (void)state;
    const char *d = subdir("max_rejects");
    buf_t good = {0};
    BUF_LIT(&good, TU_HEADER_2023);
    add_row(&good, 1, 100);
    import_result res;
    char err[1024];
    assert_int_equal(run(d, good.data, good.len, -1, &res, err), 0);
    assert_int_equal(res.generation, 1);
    buf_free(&good);

    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    add_row(&b, 1, 100);
    BUF_LIT(&b, "\"bad1\"\n");
    add_row(&b, 2, 200);
    BUF_LIT(&b, "\"bad2\"\n");
    BUF_LIT(&b, "\"bad3\"\n");
    add_row(&b, 3, 300);
    int rc = run(d, b.data, b.len, 2, &res, err);
    char *cur = current_of(d);
    assert_non_null(cur);
    bool gen2 = tu_exists(tu_path(d, "data/gen-000000000002"));
    if (rc != -1 || gen2 || strcmp(cur, "gen-000000000001\n") != 0)
        fail_msg("3 rejected rows with max_rejects=2: import_run returned %d, CURRENT is %s"
                 "generation 2 %s",
                 rc, cur, gen2 ? "exists" : "does not exist");
    free(cur);
    assert_true(strlen(err) > 0);

    /* exactly at the limit is fine */
    assert_int_equal(run(d, b.data, b.len, 3, &res, err), 0);
    assert_int_equal(res.stats.rejected, 3);
    assert_int_equal(res.stats.imported, 3);
    buf_free(&b);
}

/* A line longer than the 8 MiB chunk: rejected with its number; the rows
 * around it are imported. */
static void test_oversized_line(void **state)
{
    (void)state;
    const char *d = subdir("oversized");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023); /* 1 */
    add_row(&b, 1, 100);        /* 2 */
    add_row(&b, 2, 200);        /* 3 */
    size_t big = (9u << 20) + 12345;
    char *p = buf_reserve(&b, big + 1);
    memset(p, 'x', big);
    p[0] = '"';
    p[big] = '\n';
    b.len += big + 1; /* 4 */
    add_row(&b, 3, 300); /* 5 */
    add_row(&b, 4, 400); /* 6 */
    import_result res;
    char err[1024];
    assert_int_equal(run(d, b.data, b.len, -1, &res, err), 0);
    assert_int_equal(res.stats.imported, 4);
    assert_int_equal(res.stats.rejected, 1);
    char *rj = rejects_of(&res);
    assert_int_equal(data_lines(rj), 1);
    expect_reject(rj, 4, "longer than");
    assert_true(strlen(rj) < 2000); /* an excerpt, not 9 MiB */

    /* the oversized line last */
    d = subdir("oversized_last");
    buf_t c = {0};
    BUF_LIT(&c, TU_HEADER_2023);
    add_row(&c, 1, 100);
    p = buf_reserve(&c, big + 1);
    memset(p, 'y', big);
    p[big] = '\n';
    c.len += big + 1;
    assert_int_equal(run(d, c.data, c.len, -1, &res, err), 0);
    assert_int_equal(res.stats.imported, 1);
    assert_int_equal(res.stats.rejected, 1);
    rj = rejects_of(&res);
    expect_reject(rj, 3, "longer than");
    /* ... and without a line end: the input ends inside a row that cannot
     * be complete, so the dump is cut off (nothing is published) */
    d = subdir("oversized_cut");
    c.len--;
    assert_int_equal(run(d, c.data, c.len, -1, &res, err), -1);
    assert_non_null(strstr(err, "ends in the middle of a row: line 3"));
    assert_false(tu_exists(tu_path(d, "data/CURRENT")));
    buf_free(&c);
    buf_free(&b);
}

/* Line numbers stay right across 8 MiB chunk boundaries, for rejects and
 * for duplicates of rows in earlier chunks. */
static void test_line_numbers_across_chunks(void **state)
{
    (void)state;
    const char *d = subdir("chunks");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    unsigned line = 1, n_good = 0;
    const unsigned total = 90000;
    unsigned bad_at[] = {3, 33333, 50001, 89999};
    size_t nb = 0;
    for (line = 2; line <= total; line++) {
        if (nb < 4 && line == bad_at[nb]) {
            buf_printf(&b, "\"bad row %u\"\n", line);
            nb++;
        } else if (line == 70000) {
            add_row(&b, 1 + 10 % 900, 100000 + 10); /* = line 10 */
        } else if (line % 1000 == 500) {
            BUF_LIT(&b, "\n"); /* blank lines count too */
        } else {
            add_row(&b, 1 + line % 900, 100000 + line);
            n_good++;
        }
    }
    assert_true(b.len > 2 * (8u << 20)); /* at least three chunks */
    import_result res;
    char err[1024];
    assert_int_equal(run(d, b.data, b.len, -1, &res, err), 0);
    buf_free(&b);
    assert_int_equal(res.stats.rejected, 4);
    assert_int_equal(res.stats.duplicates, 1);
    assert_int_equal(res.stats.imported, n_good);
    char *rj = rejects_of(&res);
    assert_int_equal(data_lines(rj), 5);
    for (size_t i = 0; i < 4; i++) {
        char want[32];
        snprintf(want, sizeof want, "bad row %u", bad_at[i]);
        expect_reject(rj, bad_at[i], want);
    }
    expect_reject(rj, 70000, "duplicate of line 10");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_wrong_header),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test(test_crlf_bom_and_no_final_newline),
        cmocka_unit_test(test_semicolon_unquoted),
        cmocka_unit_test(test_gzip_input),
        cmocka_unit_test(test_stdin_input),
        cmocka_unit_test(test_bad_rows_reported),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_unknown_hotels),
        cmocka_unit_test(test_max_rejects),
        cmocka_unit_test(test_oversized_line),
        cmocka_unit_test(test_line_numbers_across_chunks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
