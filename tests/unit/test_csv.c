/* Unit tests of csv/csv: field splitting (quoted, unquoted, escaped quotes,
 * empty and trailing fields, malformed quoting, field limits), delimiter
 * detection and unescaping. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv/csv.h"

static csv_field F[64];
static const char *why;

static int split(const char *s, char delim) { return csv_split(s, strlen(s), delim, F, 64, &why); }

static void expect_field(int i, const char *want)
{
    if (F[i].len != strlen(want) || memcmp(F[i].p, want, F[i].len))
        fail_msg("field %d: got '%.*s', want '%s'", i, (int)F[i].len, F[i].p, want);
}

static void test_unquoted(void **state)
{
    (void)state;
    assert_int_equal(split("a,bc,def", ','), 3);
    expect_field(0, "a");
    expect_field(1, "bc");
    expect_field(2, "def");
    assert_false(F[0].escaped);
    assert_int_equal(split("one", ','), 1);
    expect_field(0, "one");
    assert_int_equal(split("x;y", ','), 1); /* other delimiters are data */
    expect_field(0, "x;y");
}

static void test_quoted_like_the_dump(void **state)
{
    (void)state;
    const char *line = "\"422\",\"2023-02-04T12:50:00+00:00\",\"BREAKFAST\",\"false\"";
    assert_int_equal(split(line, ','), 4);
    expect_field(0, "422");
    expect_field(1, "2023-02-04T12:50:00+00:00");
    expect_field(2, "BREAKFAST");
    expect_field(3, "false");
    /* fields point into the line: no copies */
    assert_ptr_equal(F[0].p, line + 1);
}

static void test_quoted_with_delimiters_inside(void **state)
{
    (void)state;
    assert_int_equal(split("\"a,b\",c,\"d;e\"", ','), 3);
    expect_field(0, "a,b");
    expect_field(1, "c");
    expect_field(2, "d;e");
}

static void test_escaped_quotes(void **state)
{
    (void)state;
    assert_int_equal(split("\"say \"\"hi\"\"\",x", ','), 2);
    expect_field(0, "say \"\"hi\"\"");
    assert_true(F[0].escaped);
    assert_false(F[1].escaped);
    char out[64];
    size_t n = csv_unescape(&F[0], out);
    assert_int_equal(n, 8);
    assert_memory_equal(out, "say \"hi\"", 8);

    assert_int_equal(split("\"\"\"\"", ','), 1); /* a field that is one quote */
    expect_field(0, "\"\"");
    assert_true(F[0].escaped);
    n = csv_unescape(&F[0], out);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], '"');

    /* an unescaped field is copied as is */
    assert_int_equal(split("plain", ','), 1);
    n = csv_unescape(&F[0], out);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "plain", 5);
}

static void test_empty_fields(void **state)
{
    (void)state;
    assert_int_equal(split("", ','), 1);
    assert_int_equal(F[0].len, 0);

    assert_int_equal(split(",", ','), 2);
    assert_int_equal(F[0].len, 0);
    assert_int_equal(F[1].len, 0);

    assert_int_equal(split("a,,b", ','), 3);
    expect_field(1, "");

    assert_int_equal(split("\"\",\"\"", ','), 2);
    assert_int_equal(F[0].len, 0);
    assert_int_equal(F[1].len, 0);
    assert_false(F[0].escaped);

    assert_int_equal(split(",,,", ','), 4);
}

static void test_trailing_delimiter(void **state)
{
    (void)state;
    assert_int_equal(split("a,b,", ','), 3);
    expect_field(2, "");
    assert_int_equal(split("\"a\",\"b\",", ','), 3);
    expect_field(1, "b");
    expect_field(2, "");
}

static void test_semicolon_and_tab(void **state)
{
    (void)state;
    assert_int_equal(split("1;Hotel, with comma;4.0", ';'), 3);
    expect_field(1, "Hotel, with comma");
    assert_int_equal(split("a\tb\t\"c\td\"", '\t'), 3);
    expect_field(2, "c\td");
}

static void test_malformed(void **state)
{
    (void)state;
    why = NULL;
    assert_int_equal(split("\"abc", ','), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "unterminated"));

    why = NULL;
    assert_int_equal(split("a,\"b", ','), -1);
    assert_non_null(strstr(why, "unterminated"));

    why = NULL;
    assert_int_equal(split("\"abc\"x,d", ','), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "after a closing quote"));

    why = NULL;
    assert_int_equal(split("\"abc\" ,d", ','), -1);
    assert_non_null(why);

    why = NULL;
    assert_int_equal(split("ab\"c,d", ','), -1);
    assert_non_null(why);
    assert_non_null(strstr(why, "quote"));

    /* an escaped quote at the very end is not a closing quote */
    why = NULL;
    assert_int_equal(split("\"abc\"\"", ','), -1);
    assert_non_null(strstr(why, "unterminated"));
}

static void test_too_many_fields(void **state)
{
    (void)state;
    csv_field f[4];
    const char *w = NULL;
    assert_int_equal(csv_split("a,b,c,d", 7, ',', f, 4, &w), 4);
    assert_int_equal(csv_split("a,b,c,d,e", 9, ',', f, 4, &w), -1);
    assert_non_null(w);
    assert_non_null(strstr(w, "too many"));
    w = NULL;
    assert_int_equal(csv_split("a,b,c,d,", 8, ',', f, 4, &w), -1); /* the trailing empty field counts */
    assert_non_null(w);
    w = NULL;
    assert_int_equal(csv_split("\"a\",\"b\",\"c\",\"d\",\"e\"", 19, ',', f, 4, &w), -1);
    assert_non_null(w);
}

/* The line is given by length: bytes after n are never read, and NUL bytes
 * inside are data. */
static void test_length_bounded(void **state)
{
    (void)state;
    const char line[] = "a,b\0,c";
    csv_field f[8];
    const char *w;
    assert_int_equal(csv_split(line, 6, ',', f, 8, &w), 3);
    assert_int_equal(f[1].len, 2);
    assert_int_equal(csv_split(line, 3, ',', f, 8, &w), 2);

    /* a heap buffer without terminator: ASan flags any overread */
    char *h = malloc(5);
    memcpy(h, "\"ab\"\"", 5);
    assert_int_equal(csv_split(h, 5, ',', f, 8, &w), -1);
    memcpy(h, "x,y,\"", 5);
    assert_int_equal(csv_split(h, 5, ',', f, 8, &w), -1);
    memcpy(h, "x,y,z", 5);
    assert_int_equal(csv_split(h, 5, ',', f, 8, &w), 3);
    free(h);
}

static void test_detect_delimiter(void **state)
{
    (void)state;
    const char *h2023 = "\"hotelid\",\"outbounddeparturedatetime\",\"price\"";
    assert_int_equal(csv_detect_delimiter(h2023, strlen(h2023)), ',');
    const char *hotels = "hotelid;hotelname;hotelstars";
    assert_int_equal(csv_detect_delimiter(hotels, strlen(hotels)), ';');
    const char *tabs = "a\tb\tc";
    assert_int_equal(csv_detect_delimiter(tabs, strlen(tabs)), '\t');
    const char *pipes = "a|b|c|d";
    assert_int_equal(csv_detect_delimiter(pipes, strlen(pipes)), '|');
    /* delimiters inside quotes do not count */
    const char *q = "\"a;b;c;d\",\"e\",\"f\"";
    assert_int_equal(csv_detect_delimiter(q, strlen(q)), ',');
    const char *q2 = "\"a,b,c\";\"d\"";
    assert_int_equal(csv_detect_delimiter(q2, strlen(q2)), ';');
    /* none at all: ',' */
    assert_int_equal(csv_detect_delimiter("hotelid", 7), ',');
    assert_int_equal(csv_detect_delimiter("", 0), ',');
    /* majority wins */
    const char *mixed = "a;b;c,d";
    assert_int_equal(csv_detect_delimiter(mixed, strlen(mixed)), ';');
}

/* csv_split (a fast path for quoted fields by bit masks) against
 * csv_split_bytes (the byte loop) on random lines: fields quoted, escaped
 * or bare, of letters, delimiters, quotes and CRs, some lines with one
 * byte changed, short and long (across the 16- and 64-byte block edges
 * and past the fast path's limit), with field limits hit and not: the
 * same count, fields and error for every line. */
static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

static void test_fast_split_equals_byte_loop(void **state)
{
    (void)state;
    static const char alphabet[] = "\"\",,;\tab x\r";
    static char line[12000];
    static csv_field a[64], b[64];
    uint64_t x = 0x9E3779B97F4A7C15u;
    int fast_ok = 0, errors = 0;
    for (int round = 0; round < 60000; round++) {
        char delim = round % 5 == 0 ? ';' : round % 7 == 0 ? '\t' : ',';
        size_t want = round % 97 == 0 ? 4000 + rnd(&x) % 7000 : rnd(&x) % 320, n = 0;
        while (n < want && n + 40 < sizeof line) {
            uint64_t r = rnd(&x);
            size_t len = r % (r & 0x10000 ? 30 : 6);
            int kind = (int)(r >> 20) % 20; /* 0-15 quoted, 16 escaped, 17-19 bare */
            if (kind <= 16)
                line[n++] = '"';
            for (size_t i = 0; i < len; i++) {
                uint64_t c = rnd(&x);
                line[n++] = kind == 16 && c % 5 == 0 ? '"' : (char)('a' + c % 26);
                if (kind == 16 && c % 5 == 0)
                    line[n++] = '"';
                else if (kind < 16 && c % 13 == 0)
                    line[n - 1] = delim;
            }
            if (kind <= 16)
                line[n++] = '"';
            line[n++] = delim;
        }
        if (n && rnd(&x) % 3 != 0)
            n--; /* no trailing delimiter */
        if (n && rnd(&x) % 4 == 0)
            line[rnd(&x) % n] = alphabet[rnd(&x) % (sizeof alphabet - 1)];
        int max = round % 3 == 0 ? 64 : 1 + (int)(rnd(&x) % 20);
        const char *wa = NULL, *wb = NULL;
        int na = csv_split(line, n, delim, a, max, &wa), nb = csv_split_bytes(line, n, delim, b, max, &wb);
        if (na != nb)
            fail_msg("round %d (%zu bytes): %d fields vs %d", round, n, na, nb);
        if (na < 0 && strcmp(wa, wb))
            fail_msg("round %d: '%s' vs '%s'", round, wa, wb);
        for (int i = 0; i < na; i++)
            if (a[i].p != b[i].p || a[i].len != b[i].len || a[i].escaped != b[i].escaped)
                fail_msg("round %d: field %d differs", round, i);
        fast_ok += na > 0 && line[0] == '"';
        errors += na < 0;
    }
    /* the lines reach both outcomes, in numbers */
    assert_true(fast_ok > 5000);
    assert_true(errors > 5000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unquoted),
        cmocka_unit_test(test_quoted_like_the_dump),
        cmocka_unit_test(test_quoted_with_delimiters_inside),
        cmocka_unit_test(test_escaped_quotes),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_trailing_delimiter),
        cmocka_unit_test(test_semicolon_and_tab),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_length_bounded),
        cmocka_unit_test(test_detect_delimiter),
        cmocka_unit_test(test_fast_split_equals_byte_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
