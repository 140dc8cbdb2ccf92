/* Unit tests of import/row: the header -> column layout (any order, case,
 * old aliases, extra columns, missing/repeated columns, BOM), parsing the
 * real sample rows, and rejecting every kind of bad value with a reason
 * that names the column. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/row.h"
#include "util/buf.h"
#include "util/days.h"
#include "testutil.h"

/* The 2023 header, in offers_sample.csv's order. */
static const char *const cols2023[15] = {
    "hotelid", "outbounddeparturedatetime", "inbounddeparturedatetime", "countadults", "countchildren",
    "price", "inbounddepartureairport", "outboundarrivalairport", "inboundarrivaldatetime",
    "outbounddepartureairport", "inboundarrivalairport", "outboundarrivaldatetime", "mealtype",
    "oceanview", "roomtype"};
/* Column id of each of those names. */
static const int colid2023[15] = {
    COL_HOTEL_ID, COL_OUT_DEP_DT, COL_IN_DEP_DT, COL_ADULTS, COL_CHILDREN, COL_PRICE, COL_IN_DEP_AIRPORT,
    COL_OUT_ARR_AIRPORT, COL_IN_ARR_DT, COL_OUT_DEP_AIRPORT, COL_IN_ARR_AIRPORT, COL_OUT_ARR_DT,
    COL_MEAL, COL_OCEAN_VIEW, COL_ROOM};

/* The first sample row, field by field (same order). */
static const char *const row422[15] = {
    "422", "2023-02-04T12:50:00+00:00", "2023-02-15T10:50:00+00:00", "2", "0", "1606", "PMI", "PMI",
    "2023-02-15T16:35:00+00:00", "FMO", "FMO", "2023-02-04T17:25:00+00:00", "BREAKFAST", "false",
    "APARTMENT"};

static char line[1 << 18];
static char err[1024];

/* Joins fields, each quoted or not, with delim, into `line`. */
static size_t join(const char *const *f, int n, char delim, bool quoted)
{
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (i)
            line[o++] = delim;
        o += (size_t)snprintf(line + o, sizeof line - o, quoted ? "\"%s\"" : "%s", f[i]);
    }
    line[o] = 0;
    return o;
}

static int layout_of(const char *h, row_layout *L)
{
    err[0] = 0;
    return row_layout_from_header(h, strlen(h), L, err, sizeof err);
}

static void check_2023_layout(const row_layout *L)
{
    for (int i = 0; i < 15; i++)
        if (L->field_of[colid2023[i]] != i)
            fail_msg("column %s: field %d, want %d", cols2023[i], L->field_of[colid2023[i]], i);
}

/* ---- layout ---- */

static void test_layout_sample_order(void **state)
{
    (void)state;
    row_layout L;
    join(cols2023, 15, ',', true);
    assert_int_equal(layout_of(line, &L), 0);
    assert_int_equal(L.delim, ',');
    assert_int_equal(L.n_fields, 15);
    check_2023_layout(&L);
}

static void test_layout_from_sample_file(void **state)
{
    (void)state;
    char *csv = tu_slurp(tu_data("offers_sample.csv"), NULL);
    assert_non_null(csv);
    char *nl = strchr(csv, '\n');
    assert_non_null(nl);
    size_t n = (size_t)(nl - csv);
    if (n && csv[n - 1] == '\r')
        n--;
    row_layout L;
    assert_int_equal(row_layout_from_header(csv, n, &L, err, sizeof err), 0);
    check_2023_layout(&L);
    free(csv);
}

static void test_layout_shuffled_and_unquoted_semicolon(void **state)
{
    (void)state;
    static const int perm[15] = {14, 3, 7, 0, 12, 1, 9, 5, 11, 2, 13, 4, 8, 10, 6};
    const char *names[15];
    for (int i = 0; i < 15; i++)
        names[i] = cols2023[perm[i]];
    join(names, 15, ';', false);
    row_layout L;
    assert_int_equal(layout_of(line, &L), 0);
    assert_int_equal(L.delim, ';');
    assert_int_equal(L.n_fields, 15);
    for (int i = 0; i < 15; i++)
        assert_int_equal(L.field_of[colid2023[perm[i]]], i);
}

static void test_layout_uppercase_and_spaces(void **state)
{
    (void)state;
    char up[15][64];
    const char *names[15];
    for (int i = 0; i < 15; i++) {
        snprintf(up[i], sizeof up[i], i == 3 ? " %s " : "%s", cols2023[i]);
        for (char *c = up[i]; *c; c++)
            if (i % 2 == 0)
                *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
        names[i] = up[i];
    }
    join(names, 15, ',', true);
    row_layout L;
    assert_int_equal(layout_of(line, &L), 0);
    check_2023_layout(&L);
}

static void test_layout_old_variant_and_airlines(void **state)
{
    (void)state;
    const char *h = "hotelid,departuredate,returndate,countadults,countchildren,price,"
                    "inbounddepartureairport,outboundarrivalairport,inboundarrivaldatetime,"
                    "outbounddepartureairport,inboundarrivalairport,outboundarrivaldatetime,"
                    "mealtype,oceanview,roomtype,inboundairline,outboundairline";
    row_layout L;
    assert_int_equal(layout_of(h, &L), 0);
    assert_int_equal(L.n_fields, 17);
    check_2023_layout(&L);

    const char *h2 = "outboundairline,hotelid,outbounddeparturedatetime,inboundairline,inbounddeparturedatetime,"
                     "countadults,countchildren,price,inbounddepartureairport,outboundarrivalairport,"
                     "inboundarrivaldatetime,outbounddepartureairport,inboundarrivalairport,"
                     "outboundarrivaldatetime,mealtype,oceanview,roomtype";
    assert_int_equal(layout_of(h2, &L), 0);
    assert_int_equal(L.n_fields, 17);
    assert_int_equal(L.field_of[COL_HOTEL_ID], 1);
    assert_int_equal(L.field_of[COL_OUT_DEP_DT], 2);
    assert_int_equal(L.field_of[COL_IN_DEP_DT], 4);
    assert_int_equal(L.field_of[COL_ROOM], 16);
}

static void test_layout_missing_columns(void **state)
{
    (void)state;
    const char *names[15];
    int k = 0;
    for (int i = 0; i < 15; i++)
        if (colid2023[i] != COL_PRICE && colid2023[i] != COL_ROOM)
            names[k++] = cols2023[i];
    join(names, k, ',', true);
    row_layout L;
    assert_int_equal(layout_of(line, &L), -1);
    assert_non_null(strstr(err, "price"));
    assert_non_null(strstr(err, "roomtype"));
    assert_non_null(strstr(err, "missing"));
    assert_null(strstr(err, "hotelid"));

    /* a typo is a missing column */
    const char *h = "hotelid,outbounddeparturedatetime,inbounddeparturedatetime,countadults,countchildren,prize,"
                    "inbounddepartureairport,outboundarrivalairport,inboundarrivaldatetime,"
                    "outbounddepartureairport,inboundarrivalairport,outboundarrivaldatetime,"
                    "mealtype,oceanview,roomtype";
    assert_int_equal(layout_of(h, &L), -1);
    assert_non_null(strstr(err, "price"));

    /* a short error buffer is still a terminated string */
    char small[20];
    memset(small, 'x', sizeof small);
    assert_int_equal(row_layout_from_header("hotelid", 7, &L, small, sizeof small), -1);
    assert_non_null(memchr(small, 0, sizeof small));
}

static void test_layout_empty_header(void **state)
{
    (void)state;
    row_layout L;
    assert_int_equal(row_layout_from_header("", 0, &L, err, sizeof err), -1);
    assert_non_null(strstr(err, "hotelid"));
    assert_int_equal(layout_of("\"hotelid", &L), -1); /* malformed */
    assert_true(strlen(err) > 0);
}

static void test_layout_repeated_column(void **state)
{
    (void)state;
    const char *names[16];
    for (int i = 0; i < 15; i++)
        names[i] = cols2023[i];
    names[15] = "PRICE";
    join(names, 16, ',', true);
    row_layout L;
    assert_int_equal(layout_of(line, &L), -1);
    assert_non_null(strstr(err, "price"));
    assert_non_null(strstr(err, "twice"));

    /* the old alias beside the new name is a repeat too */
    names[15] = "departuredate";
    join(names, 16, ',', true);
    assert_int_equal(layout_of(line, &L), -1);
    assert_non_null(strstr(err, "outbounddeparturedatetime"));
}

static void test_layout_bom(void **state)
{
    (void)state;
    char h[2048] = "\xEF\xBB\xBF";
    join(cols2023, 15, ',', true);
    strcat(h, line);
    row_layout L;
    assert_int_equal(layout_of(h, &L), 0);
    check_2023_layout(&L);
    assert_int_equal(L.field_of[COL_HOTEL_ID], 0);

    char h2[2048] = "\xEF\xBB\xBF";
    join(cols2023, 15, ',', false); /* unquoted: the BOM would glue onto "hotelid" */
    strcat(h2, line);
    assert_int_equal(layout_of(h2, &L), 0);
    assert_int_equal(L.field_of[COL_HOTEL_ID], 0);
}

/* ---- parsing ---- */

typedef struct {
    row_layout L;
    import_dict dicts[STORE_DICT_COUNT];
    row_parser p;
} parser_fixture;

static parser_fixture *new_parser(const char *header, unsigned airport_max)
{
    parser_fixture *f = calloc(1, sizeof *f);
    if (row_layout_from_header(header, strlen(header), &f->L, err, sizeof err) != 0)
        fail_msg("header: %s", err);
    import_dict_init(&f->dicts[STORE_DICT_AIRPORT], airport_max);
    import_dict_init(&f->dicts[STORE_DICT_MEAL], STORE_DICT_MAX);
    import_dict_init(&f->dicts[STORE_DICT_ROOM], 128);
    import_dict_init(&f->dicts[STORE_DICT_ZONE], STORE_ZONE_MAX + 1);
    row_parser_init(&f->p, &f->L, f->dicts);
    return f;
}

static parser_fixture *new_2023_parser(void)
{
    char h[2048];
    join(cols2023, 15, ',', true);
    strcpy(h, line);
    return new_parser(h, STORE_DICT_MAX);
}

static const char *dict_value(parser_fixture *f, int d, unsigned id)
{
    assert_true(id < atomic_load(&f->dicts[d].len));
    return f->dicts[d].values[id];
}

static int parse(parser_fixture *f, const char *s, offer_row *r, char *why, size_t whylen)
{
    return row_parse(&f->p, s, strlen(s), r, why, whylen);
}

static void test_parse_first_sample_row(void **state)
{
    (void)state;
    parser_fixture *f = new_2023_parser();
    join(row422, 15, ',', true);
    offer_row r;
    char why[256] = "";
    assert_int_equal(parse(f, line, &r, why, sizeof why), 0);
    assert_int_equal(r.hotel_id, 422);
    assert_int_equal(r.dep_day, days_from_civil(2023, 2, 4));
    assert_int_equal(r.nights, 11);
    assert_int_equal(r.price, 1606);
    assert_int_equal(r.adults, 2);
    assert_int_equal(r.children, 0);
    assert_string_equal(dict_value(f, STORE_DICT_AIRPORT, r.airport), "FMO");
    assert_string_equal(dict_value(f, STORE_DICT_AIRPORT, r.detail.out_arr_airport), "PMI");
    assert_string_equal(dict_value(f, STORE_DICT_AIRPORT, r.detail.in_dep_airport), "PMI");
    assert_string_equal(dict_value(f, STORE_DICT_AIRPORT, r.detail.in_arr_airport), "FMO");
    assert_string_equal(dict_value(f, STORE_DICT_MEAL, r.meal), "BREAKFAST");
    assert_string_equal(dict_value(f, STORE_DICT_ROOM, r.room_ocean & 0x7F), "APARTMENT");
    assert_int_equal(r.room_ocean & STORE_OCEAN_BIT, 0);
    assert_int_equal(DETAIL_SEC(r.detail.out_dep), 12 * 3600 + 50 * 60);
    assert_int_equal(DETAIL_SEC(r.detail.in_dep), 10 * 3600 + 50 * 60);
    assert_string_equal(dict_value(f, STORE_DICT_ZONE, DETAIL_DEP_ZONE(r.detail.out_dep)), "+00:00");
    assert_string_equal(dict_value(f, STORE_DICT_ZONE, DETAIL_ARR_ZONE(r.detail.out_dep)), "+00:00");
    assert_int_equal(r.detail.out_arr_delta, 4 * 3600 + 35 * 60); /* 12:50 -> 17:25 */
    assert_int_equal(r.detail.in_arr_delta, 5 * 3600 + 45 * 60);  /* 10:50 -> 16:35 */
    free(f);
}

/* Every real sample row parses; a few are checked field by field. */
static void test_parse_all_sample_rows(void **state)
{
    (void)state;
    char *csv = tu_slurp(tu_data("offers_sample.csv"), NULL);
    assert_non_null(csv);
    char *s = csv, *nl = strchr(s, '\n');
    *nl = 0;
    parser_fixture *f = new_parser(s, STORE_DICT_MAX);
    s = nl + 1;
    int rows = 0;
    bool seen380 = false, seen687 = false, seen426 = false;
    while (*s) {
        nl = strchr(s, '\n');
        if (nl)
            *nl = 0;
        size_t n = strlen(s);
        if (n && s[n - 1] == '\r')
            s[--n] = 0;
        if (n) {
            offer_row r;
            char why[256] = "";
            if (row_parse(&f->p, s, n, &r, why, sizeof why) != 0)
                fail_msg("sample row %d rejected: %s", rows + 2, why);
            rows++;
            if (r.hotel_id == 380) { /* HALFBOARD, ocean view, 11 nights, HAM */
                seen380 = true;
                assert_int_equal(r.dep_day, days_from_civil(2023, 10, 5));
                assert_int_equal(r.nights, 11);
                assert_int_equal(r.price, 6656);
                assert_int_equal(r.adults, 2);
                assert_int_equal(r.children, 1);
                assert_true(r.room_ocean & STORE_OCEAN_BIT);
                assert_string_equal(dict_value(f, STORE_DICT_MEAL, r.meal), "HALFBOARD");
                assert_string_equal(dict_value(f, STORE_DICT_ROOM, r.room_ocean & 0x7F), "DOUBLE");
                assert_string_equal(dict_value(f, STORE_DICT_AIRPORT, r.airport), "HAM");
            }
            if (r.hotel_id == 687 && r.adults == 1) { /* lands the day after take-off */
                seen687 = true;
                assert_int_equal(r.dep_day, days_from_civil(2023, 4, 9));
                assert_int_equal(r.nights, 7);
                assert_int_equal(DETAIL_SEC(r.detail.in_dep), 0);
                assert_int_equal(r.detail.in_arr_delta, 86400 + 50 * 60);
                assert_int_equal(r.detail.out_arr_delta, 22 * 3600 + 25 * 60);
            }
            if (r.hotel_id == 426 && r.price == 1745) {
                seen426 = true;
                assert_int_equal(r.nights, 6);
                assert_true(r.room_ocean & STORE_OCEAN_BIT);
                assert_string_equal(dict_value(f, STORE_DICT_AIRPORT, r.airport), "CGN");
            }
        }
        if (!nl)
            break;
        s = nl + 1;
    }
    assert_int_equal(rows, 29);
    assert_true(seen380 && seen687 && seen426);
    /* equal values share one id */
    assert_int_equal(atomic_load(&f->dicts[STORE_DICT_ZONE].len), 1);
    assert_int_equal(atomic_load(&f->dicts[STORE_DICT_MEAL].len), 4); /* BREAKFAST ALLINCLUSIVE HALFBOARD NONE */
    free(f);
    free(csv);
}

static void test_parse_variants(void **state)
{
    (void)state;
    parser_fixture *f = new_2023_parser();
    offer_row r, r2;
    char why[256];

    /* lower-case enums and codes are stored upper-case: same ids */
    join(row422, 15, ',', true);
    assert_int_equal(parse(f, line, &r, why, sizeof why), 0);
    const char *lower[15];
    memcpy(lower, row422, sizeof lower);
    lower[9] = "fmo", lower[12] = "breakfast", lower[14] = "apartment", lower[13] = "FALSE";
    join(lower, 15, ',', true);
    assert_int_equal(parse(f, line, &r2, why, sizeof why), 0);
    assert_int_equal(r2.airport, r.airport);
    assert_int_equal(r2.meal, r.meal);
    assert_int_equal(r2.room_ocean, r.room_ocean);

    /* unquoted with surrounding spaces */
    const char *spaced[15];
    memcpy(spaced, row422, sizeof spaced);
    spaced[0] = " 422 ", spaced[5] = "1606 ";
    join(spaced, 15, ',', false);
    assert_int_equal(parse(f, line, &r2, why, sizeof why), 0);
    assert_int_equal(r2.hotel_id, 422);
    assert_int_equal(r2.price, 1606);

    /* "1606.00" is a whole euro amount */
    const char *cents[15];
    memcpy(cents, row422, sizeof cents);
    cents[5] = "1606.00";
    join(cents, 15, ',', true);
    assert_int_equal(parse(f, line, &r2, why, sizeof why), 0);
    assert_int_equal(r2.price, 1606);

    /* ocean view as 1/0 */
    cents[13] = "1";
    join(cents, 15, ',', true);
    assert_int_equal(parse(f, line, &r2, why, sizeof why), 0);
    assert_true(r2.room_ocean & STORE_OCEAN_BIT);

    /* the largest values */
    const char *big[15];
    memcpy(big, row422, sizeof big);
    big[0] = "4294967295", big[5] = "380160", big[3] = "255", big[4] = "18";
    join(big, 15, ',', true);
    assert_int_equal(parse(f, line, &r2, why, sizeof why), 0);
    assert_int_equal(r2.hotel_id, 4294967295u);
    assert_int_equal(r2.price, 380160);
    assert_int_equal(r2.adults, 255);
    assert_int_equal(r2.children, 18);

    /* same-day return: 0 nights */
    const char *zero[15];
    memcpy(zero, row422, sizeof zero);
    zero[2] = "2023-02-04T20:00:00+00:00";
    zero[8] = "2023-02-04T22:00:00+00:00";
    join(zero, 15, ',', true);
    assert_int_equal(parse(f, line, &r2, why, sizeof why), 0);
    assert_int_equal(r2.nights, 0);

    /* the longest value of the vocabulary, in lower case: kept intact */
    const char *lng[15];
    memcpy(lng, row422, sizeof lng);
    lng[14] = "accordingdescription";
    join(lng, 15, ',', true);
    assert_int_equal(parse(f, line, &r2, why, sizeof why), 0);
    assert_string_equal(dict_value(f, STORE_DICT_ROOM, r2.room_ocean & 0x7F), "ACCORDINGDESCRIPTION");
    /* a value of the longest length a dictionary could hold is no room type */
    char longest[STORE_DICT_STRLEN];
    memset(longest, 'B', sizeof longest - 1);
    longest[sizeof longest - 1] = 0;
    lng[14] = longest;
    join(lng, 15, ',', true);
    assert_int_equal(parse(f, line, &r2, why, sizeof why), -1);
    assert_non_null(strstr(why, "roomtype: unknown room type"));
    free(f);
}

/* The old format: departuredate/returndate with bare dates. */
static void test_parse_old_variant_dates(void **state)
{
    (void)state;
    parser_fixture *f = new_parser(
        "hotelid;departuredate;returndate;countadults;countchildren;price;inbounddepartureairport;"
        "outboundarrivalairport;inboundarrivaldatetime;outbounddepartureairport;inboundarrivalairport;"
        "outboundarrivaldatetime;mealtype;oceanview;roomtype;inboundairline;outboundairline",
        STORE_DICT_MAX);
    const char *s = "17;2023-07-01;2023-07-08;2;0;999;PMI;PMI;2023-07-08T12:00:00Z;HAM;HAM;"
                    "2023-07-01T09:30:00Z;HALFBOARD;true;DOUBLE;XY;AB";
    offer_row r;
    char why[256] = "";
    assert_int_equal(parse(f, s, &r, why, sizeof why), 0);
    assert_int_equal(r.hotel_id, 17);
    assert_int_equal(r.dep_day, days_from_civil(2023, 7, 1));
    assert_int_equal(r.nights, 7);
    assert_int_equal(DETAIL_SEC(r.detail.out_dep), 0);
    assert_string_equal(dict_value(f, STORE_DICT_ZONE, DETAIL_DEP_ZONE(r.detail.out_dep)), STORE_ZONE_DATE_ONLY);
    assert_string_equal(dict_value(f, STORE_DICT_ZONE, DETAIL_ARR_ZONE(r.detail.out_dep)), "Z");
    assert_int_equal(r.detail.out_arr_delta, 9 * 3600 + 30 * 60);
    assert_int_equal(r.detail.in_arr_delta, 12 * 3600);

    /* 16 fields in a 17-column file */
    const char *short_row = "17;2023-07-01;2023-07-08;2;0;999;PMI;PMI;2023-07-08T12:00:00Z;HAM;HAM;"
                            "2023-07-01T09:30:00Z;HALFBOARD;true;DOUBLE;XY";
    assert_int_equal(parse(f, short_row, &r, why, sizeof why), -1);
    assert_non_null(strstr(why, "17"));
    assert_non_null(strstr(why, "16"));
    free(f);
}

/* One bad value per case, in the column given; the reason must start
 * with that column's name. */
/* A file with CR-only line ends reads as one line: say so, not "too many
 * fields". A CR inside a data row says the same. */
static void test_cr_only_line_ends(void **state)
{
    (void)state;
    join(cols2023, 15, ',', true);
    char text[4096];
    if (snprintf(text, sizeof text, "%s\r\"1\",\"2\"\r", line) >= (int)sizeof text)
        fail_msg("header too long");
    row_layout L;
    char err[512];
    assert_int_equal(row_layout_from_header(text, strlen(text), &L, err, sizeof err), -1);
    if (!strstr(err, "header (line 1): line endings are CR only (old Mac)"))
        fail_msg("CR-only header: '%s'", err);
    parser_fixture *f = new_2023_parser();
    join(row422, 15, ',', true);
    char two[4096];
    if (snprintf(two, sizeof two, "%s\r%s", line, line) >= (int)sizeof two)
        fail_msg("row too long");
    offer_row r;
    char why[256];
    assert_int_equal(parse(f, two, &r, why, sizeof why), -1);
    if (!strstr(why, "carriage return (CR) inside the line"))
        fail_msg("CR inside a row: '%s'", why);
    free(f);
}

static void test_parse_bad_values(void **state)
{
    (void)state;
    static const struct {
        int field;            /* index into the 2023 order */
        const char *value;
        const char *column;   /* expected at the start of the reason */
    } cases[] = {
        {0, "abc", "hotelid"},
        {0, "", "hotelid"},
        {0, "-1", "hotelid"},
        {0, "4294967296", "hotelid"},
        {0, "12 34", "hotelid"},
        {5, "16a6", "price"},
        {5, "-5", "price"},
        {5, "1606.5", "price"},
        {5, ".5", "price"},
        {5, "", "price"},
        {5, "1e3", "price"},
        {5, "99999999999", "price"},
        {3, "two", "countadults"},
        {3, "256", "countadults"},
        {3, "-1", "countadults"},
        {4, "", "countchildren"},
        {4, "1.5", "countchildren"},
        {1, "2023-02-30T12:50:00+00:00", "outbounddeparturedatetime"},
        {1, "04.02.2023", "outbounddeparturedatetime"},
        {1, "2023-02-04T25:50:00+00:00", "outbounddeparturedatetime"},
        {2, "2023-02-03T10:50:00+00:00", "inbounddeparturedatetime"}, /* return before departure */
        {2, "2024-02-05T10:50:00+00:00", "inbounddeparturedatetime"}, /* 366 nights */
        {2, "", "inbounddeparturedatetime"},
        {11, "soon", "outboundarrivaldatetime"},
        {8, "2023-02-15T16:35:00+00:00x", "inboundarrivaldatetime"},
        {9, "M-C", "outbounddepartureairport"},
        {9, "", "outbounddepartureairport"},
        {9, "@LONG", "outbounddepartureairport"}, /* STORE_DICT_STRLEN letters */
        {7, "P MI", "outboundarrivalairport"},
        {6, "PM\xC3\xA9", "inbounddepartureairport"},
        {10, "F/O", "inboundarrivalairport"},
        {12, "HALF-BOARD", "mealtype"},
        {12, "", "mealtype"},
        {14, "DOUBLE ROOM", "roomtype"},
        {14, "", "roomtype"},
        /* outside the vocabulary (vocab.h), which the API could never name */
        {9, "ZZZZ", "outbounddepartureairport"},
        {9, "MU", "outbounddepartureairport"},
        {9, "M1C", "outbounddepartureairport"},
        {7, "PMI_", "outboundarrivalairport"},
        {6, "LONDON", "inbounddepartureairport"},
        {10, "FMO2", "inboundarrivalairport"},
        {12, "WEIRD", "mealtype"},
        {12, "BREAKFA", "mealtype"}, /* a cut value */
        {14, "PENTHOUSE", "roomtype"},
        {14, "DOUBLE_", "roomtype"},
        {13, "maybe", "oceanview"},
        {13, "", "oceanview"},
        {13, "yes", "oceanview"},
        {13, "2", "oceanview"},
    };
    static char longtok[STORE_DICT_STRLEN + 1];
    memset(longtok, 'A', STORE_DICT_STRLEN);
    parser_fixture *f = new_2023_parser();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *fields[15];
        memcpy(fields, row422, sizeof fields);
        fields[cases[i].field] = strcmp(cases[i].value, "@LONG") ? cases[i].value : longtok;
        join(fields, 15, ',', true);
        offer_row r;
        char why[256] = "";
        int rc = parse(f, line, &r, why, sizeof why);
        if (rc != -1)
            fail_msg("case %zu (%s='%s') accepted", i, cases[i].column, cases[i].value);
        size_t cl = strlen(cases[i].column);
        if (strncmp(why, cases[i].column, cl) != 0 || why[cl] != ':')
            fail_msg("case %zu (%s='%s'): reason '%s' does not name the column", i, cases[i].column,
                     cases[i].value, why);
        /* readable: printable ASCII only */
        for (const char *c = why; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
                fail_msg("case %zu: unprintable byte in reason '%s'", i, why);
    }
    free(f);
}

static void test_parse_value_shown_in_reason(void **state)
{
    (void)state;
    parser_fixture *f = new_2023_parser();
    const char *fields[15];
    memcpy(fields, row422, sizeof fields);
    fields[5] = "16a6";
    join(fields, 15, ',', true);
    offer_row r;
    char why[256];
    assert_int_equal(parse(f, line, &r, why, sizeof why), -1);
    assert_non_null(strstr(why, "'16a6'"));
    free(f);
}

static void test_parse_wrong_field_count_and_malformed(void **state)
{
    (void)state;
    parser_fixture *f = new_2023_parser();
    offer_row r;
    char why[256];
    join(row422, 14, ',', true);
    assert_int_equal(parse(f, line, &r, why, sizeof why), -1);
    assert_non_null(strstr(why, "15"));
    assert_non_null(strstr(why, "14"));

    const char *extra[16];
    memcpy(extra, row422, sizeof(char *) * 15);
    extra[15] = "X";
    join(extra, 16, ',', true);
    assert_int_equal(parse(f, line, &r, why, sizeof why), -1);
    assert_non_null(strstr(why, "16"));

    join(row422, 15, ',', true);
    line[strlen(line) - 1] = 0; /* drop the closing quote */
    assert_int_equal(parse(f, line, &r, why, sizeof why), -1);
    assert_non_null(strstr(why, "unterminated"));

    assert_int_equal(row_parse(&f->p, "", 0, &r, why, sizeof why), -1);

    /* 70 fields: more than any layout allows */
    char many[256] = "";
    for (int i = 0; i < 70; i++)
        strcat(many, i ? ",1" : "1");
    assert_int_equal(parse(f, many, &r, why, sizeof why), -1);
    assert_true(strlen(why) > 0);
    free(f);
}

/* A huge value: rejected, and the reason shows only a short excerpt. */
static void test_parse_huge_field(void **state)
{
    (void)state;
    parser_fixture *f = new_2023_parser();
    static char huge[100001];
    memset(huge, 'A', sizeof huge - 1);
    const char *fields[15];
    memcpy(fields, row422, sizeof fields);
    fields[14] = huge;
    join(fields, 15, ',', true);
    offer_row r;
    char why[256];
    assert_int_equal(parse(f, line, &r, why, sizeof why), -1);
    assert_int_equal(strncmp(why, "roomtype:", 9), 0);
    assert_true(strlen(why) < 120);
    assert_non_null(strstr(why, "..."));

    memcpy(fields, row422, sizeof fields);
    fields[5] = huge;
    join(fields, 15, ',', true);
    assert_int_equal(parse(f, line, &r, why, sizeof why), -1);
    assert_int_equal(strncmp(why, "price:", 6), 0);
    free(f);
}

/* Tiny reason buffers: truncated but terminated, never overrun. */
static void test_parse_small_reason_buffer(void **state)
{
    (void)state;
    parser_fixture *f = new_2023_parser();
    const char *fields[15];
    memcpy(fields, row422, sizeof fields);
    fields[13] = "maybe";
    join(fields, 15, ',', true);
    for (size_t len = 1; len < 40; len++) {
        char *why = malloc(len); /* exact size: ASan catches overruns */
        offer_row r;
        assert_int_equal(row_parse(&f->p, line, strlen(line), &r, why, len), -1);
        assert_non_null(memchr(why, 0, len));
        free(why);
    }
    free(f);
}

static void test_parse_dictionary_full(void **state)
{
    (void)state;
    char h[2048];
    join(cols2023, 15, ',', true);
    strcpy(h, line);
    parser_fixture *f = new_parser(h, 2); /* room for FMO and PMI only */
    offer_row r;
    char why[256];
    join(row422, 15, ',', true);
    assert_int_equal(parse(f, line, &r, why, sizeof why), 0);
    const char *other[15];
    memcpy(other, row422, sizeof other);
    other[9] = "STR", other[10] = "STR";
    join(other, 15, ',', true);
    assert_int_equal(parse(f, line, &r, why, sizeof why), -1);
    assert_int_equal(strncmp(why, "outbounddepartureairport:", 25), 0);
    /* known values still work afterwards */
    join(row422, 15, ',', true);
    assert_int_equal(parse(f, line, &r, why, sizeof why), 0);
    free(f);
}

/* The parser's caches (values as spelled, dates) and its datetime
 * shortcut give the answers of the full checks: rows of good and bad
 * airports, meals, rooms and datetimes in many spellings, parsed by one
 * parser whose caches warm up over the rows, and each again by a fresh
 * parser (empty caches, the same dictionaries): the same result, reason
 * and row; and the datetimes are read as parse_iso_datetime reads them. */
static void test_parse_caches_change_nothing(void **state)
{
    (void)state;
    static const char *const airports[] = {"PMI", "pmi", "Pmi", "FMO", "fmo", "PM1", "PM", "PMIX", "", "P_I",
                                           "STR", "str", " PMI", "PMI\t", "X1Y", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"};
    static const char *const outs[] = {
        "2023-02-04T12:50:00+00:00", "2023-02-04T12:50:00Z", "2023-02-04T12:50:00+01:00", "2023-02-04T12:50:00-05:30",
        "2023-02-04T12:50:00+0100", "2023-02-04T12:50", "2023-02-04", "2023-02-30T12:50:00+00:00",
        "2023-02-04T24:50:00+00:00", "2023-02-04T12:60:00+00:00", "2023-02-04T12:50:60+00:00",
        "2023-02-04T12:50:00+24:00", "2023-02-04T12:50:00+00:60", "2023-02-04X12:50:00+00:00",
        "2023-02-04T12:50:00.5+00:00", "2024-02-29T12:50:00+00:00", "2023-02-29T12:50:00+00:00",
        "2023-02-04T1a:50:00+00:00", "2023-02-04T12:50:00+00:0a", "2023-02-04T12:50:00*00:00",
        "2023-02-04 12:50:00+00:00", "2023-2-04T12:50:00+00:00", "1969-12-31T12:50:00+00:00",
        "2150-01-01T12:50:00+00:00", "2023-02-05T10:50:00+00:00", "2023-02-04T12:50:00+00:00 "};
    static const char *const ins[] = {"2023-02-15T10:50:00+00:00", "2023-02-15T10:50:00+02:00", "2023-02-15",
                                      "2023-02-03T10:50:00+00:00", "2024-03-15T10:50:00+00:00",
                                      "2023-02-15T10:50:00Z", "2023-13-15T10:50:00+00:00"};
    static const char *const meals[] = {"BREAKFAST", "breakfast", "Breakfast", "NONE", "HALFBOARD", "BREAKFASTX", "",
                                        "BREAK FAST", "ALLINCLUSIVE", "ACCORDINGDESCRIPTION", "accordingdescription",
                                        "BREAKFASx", "ALLINCLUSIVX", "ACCORDINGDESCRIPTIOM"};
    static const char *const rooms[] = {"APARTMENT", "apartment", "DOUBLE", "SUITE?", "", "DOUBLE ", "TRIPLE",
                                        "SINGLE", "NOROOM", "double"};
    parser_fixture *f = new_2023_parser();
    row_parser *fresh = malloc(sizeof *fresh);
    uint64_t x = 88172645463325252u;
#define PICK(list) (list)[(x ^= x << 13, x ^= x >> 7, x ^= x << 17) % (sizeof(list) / sizeof *(list))]
    int ok = 0, bad = 0;
    for (int pass = 0; pass < 2; pass++) {
        x = 88172645463325252u; /* the same rows again, now through warm caches */
        for (int i = 0; i < 3000; i++) {
            const char *v[15];
            memcpy(v, row422, sizeof v);
            v[9] = PICK(airports), v[7] = PICK(airports), v[6] = PICK(airports), v[10] = PICK(airports);
            v[1] = PICK(outs), v[11] = PICK(outs), v[2] = PICK(ins), v[8] = PICK(ins);
            v[12] = PICK(meals), v[14] = PICK(rooms);
            if (i % 2) { /* half the rows mostly good: one value changed */
                static const int ap_cols[] = {6, 7, 9, 10}, dt_cols[] = {1, 11};
                memcpy(v, row422, sizeof v);
                switch (i % 7) {
                case 1: {
                    int c = PICK(ap_cols);
                    v[c] = PICK(airports);
                    break;
                }
                case 3: v[12] = PICK(meals); break;
                case 5: v[14] = PICK(rooms); break;
                case 6: {
                    int c = PICK(dt_cols);
                    v[c] = PICK(outs);
                    break;
                }
                default: break;
                }
            }
            join(v, 15, ',', i % 5 != 0);
            offer_row a, b;
            char wa[256], wb[256];
            int ra = parse(f, line, &a, wa, sizeof wa);
            row_parser_init(fresh, &f->L, f->dicts);
            int rb = row_parse(fresh, line, strlen(line), &b, wb, sizeof wb);
            if (ra != rb || (ra < 0 && strcmp(wa, wb)) || (ra == 0 && memcmp(&a, &b, sizeof a)))
                fail_msg("pass %d row %d: %s\n  cached: %d %s\n  fresh:  %d %s", pass, i, line, ra, ra ? wa : "",
                         rb, rb ? wb : "");
            /* and the datetimes as parse_iso_datetime reads them */
            static const int dt_order[4] = {1, 2, 11, 8};
            iso_datetime dt[4];
            int first_bad = -1;
            for (int k = 0; k < 4 && first_bad < 0; k++) {
                size_t n = strlen(v[dt_order[k]]);
                while (n && v[dt_order[k]][n - 1] == ' ')
                    n--;
                if (!parse_iso_datetime(v[dt_order[k]], n, &dt[k]))
                    first_bad = k;
            }
            if (first_bad >= 0) {
                char want[128];
                snprintf(want, sizeof want, "%s: not a date/datetime", cols2023[dt_order[first_bad]]);
                if (ra == 0 || strncmp(wa, want, strlen(want)))
                    fail_msg("pass %d row %d: %s\n  want '%s', got %d %s", pass, i, line, want, ra, ra ? wa : "");
            } else if (ra == 0) {
                assert_int_equal(a.dep_day, dt[0].day);
                assert_int_equal(a.nights, dt[1].day - dt[0].day);
                assert_int_equal(a.detail.out_arr_delta, (dt[2].day - dt[0].day) * 86400 + (int)dt[2].sec - (int)dt[0].sec);
                assert_int_equal(a.detail.in_arr_delta, (dt[3].day - dt[1].day) * 86400 + (int)dt[3].sec - (int)dt[1].sec);
            }
            ok += ra == 0;
            bad += ra < 0;
        }
    }
#undef PICK
    print_message("%d rows parsed, %d rejected\n", ok, bad);
    assert_true(ok > 1000 && bad > 1000);
    free(fresh);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_sample_order),
        cmocka_unit_test(test_layout_from_sample_file),
        cmocka_unit_test(test_layout_shuffled_and_unquoted_semicolon),
        cmocka_unit_test(test_layout_uppercase_and_spaces),
        cmocka_unit_test(test_cr_only_line_ends),
        cmocka_unit_test(test_layout_old_variant_and_airlines),
        cmocka_unit_test(test_layout_missing_columns),
        cmocka_unit_test(test_layout_empty_header),
        cmocka_unit_test(test_layout_repeated_column),
        cmocka_unit_test(test_layout_bom),
        cmocka_unit_test(test_parse_first_sample_row),
        cmocka_unit_test(test_parse_all_sample_rows),
        cmocka_unit_test(test_parse_variants),
        cmocka_unit_test(test_parse_old_variant_dates),
        cmocka_unit_test(test_parse_bad_values),
        cmocka_unit_test(test_parse_value_shown_in_reason),
        cmocka_unit_test(test_parse_wrong_field_count_and_malformed),
        cmocka_unit_test(test_parse_huge_field),
        cmocka_unit_test(test_parse_small_reason_buffer),
        cmocka_unit_test(test_parse_dictionary_full),
        cmocka_unit_test(test_parse_caches_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
