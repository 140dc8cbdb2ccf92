/* Unit tests of util/days: civil <-> day-number conversion, date and ISO
 * datetime parsing (every form the dump and the query strings use, and the
 * malformed ones that must be refused), and formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/days.h"

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool iso(const char *s, iso_datetime *dt) { return parse_iso_datetime(s, strlen(s), dt); }

static bool date(const char *s, int32_t *d) { return days_parse_date(s, strlen(s), d); }

static void test_known_day_numbers(void **state)
{
    (void)state;
    assert_int_equal(days_from_civil(1970, 1, 1), 0);
    assert_int_equal(days_from_civil(1969, 12, 31), -1);
    assert_int_equal(days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(days_from_civil(2023, 7, 1), 19539);
    assert_int_equal(days_from_civil(2023, 7, 31), 19569);
    assert_int_equal(days_from_civil(2023, 8, 1), 19570);
    assert_int_equal(days_from_civil(2024, 2, 29), 19782);
    assert_int_equal(days_from_civil(2149, 12, 31), 65743);
}

/* Every day of 1970..2149: both directions agree, and consecutive day
 * numbers are consecutive calendar days. */
static void test_round_trip_1970_2149(void **state)
{
    (void)state;
    int y = 1970;
    unsigned m = 1, d = 1;
    int32_t last = days_from_civil(2149, 12, 31);
    for (int32_t z = 0; z <= last; z++) {
        int cy;
        unsigned cm, cd;
        civil_from_days(z, &cy, &cm, &cd);
        if (cy != y || cm != m || cd != d)
            fail_msg("day %d: got %04d-%02u-%02u, want %04d-%02u-%02u", z, cy, cm, cd, y, m, d);
        assert_int_equal(days_from_civil(y, m, d), z);

        char txt[11];
        format_date(z, txt);
        txt[10] = 0;
        int32_t back = -1;
        if (!date(txt, &back) || back != z)
            fail_msg("days_parse_date(%s) = %d, want %d", txt, back, z);

        /* advance the expected date by one */
        static const unsigned len[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        unsigned ml = m == 2 && is_leap(y) ? 29 : len[m];
        if (++d > ml) {
            d = 1;
            if (++m > 12)
                m = 1, y++;
        }
    }
    assert_int_equal(y, 2150);
}

static void test_negative_days_round_trip(void **state)
{
    (void)state;
    for (int32_t z = -800000; z < 0; z += 997) {
        int y;
        unsigned m, d;
        civil_from_days(z, &y, &m, &d);
        assert_int_equal(days_from_civil(y, m, d), z);
    }
}

static void test_leap_years(void **state)
{
    (void)state;
    int32_t d;
    assert_true(date("2024-02-29", &d));
    assert_int_equal(d, 19782);
    assert_false(date("2023-02-29", &d));
    assert_true(date("2000-02-29", &d));
    assert_false(date("2100-02-29", &d));
    assert_true(date("2100-02-28", &d));
    assert_true(date("2023-02-28", &d));
    assert_false(date("2024-02-30", &d));
    assert_false(date("2023-04-31", &d));
    assert_true(date("2023-12-31", &d));
    assert_false(date("2023-12-32", &d));
    assert_false(date("2023-00-10", &d));
    assert_false(date("2023-01-00", &d));
    assert_false(date("2023-13-01", &d));
}

static void test_parse_date_range_and_shape(void **state)
{
    (void)state;
    int32_t d = 12345;
    assert_true(date("1970-01-01", &d));
    assert_int_equal(d, 0);
    assert_true(date("2149-12-31", &d));
    assert_int_equal(d, 65743);
    assert_false(date("1969-12-31", &d));
    assert_false(date("2150-01-01", &d));
    assert_false(date("2023-7-01", &d));
    assert_false(date("2023/07/01", &d));
    assert_false(date("2023-07-1", &d));
    assert_false(date("2023-07-01 ", &d));
    assert_false(date(" 2023-07-01", &d));
    assert_false(date("2023-0a-01", &d));
    assert_false(date("+023-07-01", &d));
    assert_false(date("", &d));
    /* the length is the caller's: a valid prefix is not a date */
    assert_false(days_parse_date("2023-07-011", 11, &d));
    assert_true(days_parse_date("2023-07-011", 10, &d));
    assert_int_equal(d, 19539);
}

static void test_iso_date_only(void **state)
{
    (void)state;
    iso_datetime dt;
    assert_true(iso("2023-07-01", &dt));
    assert_int_equal(dt.day, 19539);
    assert_false(dt.has_time);
    assert_int_equal(dt.sec, 0);
    assert_int_equal(dt.zone_len, 0);
}

static void test_iso_time_forms(void **state)
{
    (void)state;
    iso_datetime dt;
    const char *s = "2023-07-01T17:05:00+00:00";
    assert_true(iso(s, &dt));
    assert_int_equal(dt.day, 19539);
    assert_true(dt.has_time);
    assert_int_equal(dt.sec, 17 * 3600 + 5 * 60);
    assert_int_equal(dt.zone_len, 6);
    assert_memory_equal(dt.zone, "+00:00", 6);
    assert_ptr_equal(dt.zone, s + 19);

    assert_true(iso("2023-07-01 17:05:30", &dt));
    assert_int_equal(dt.sec, 17 * 3600 + 5 * 60 + 30);
    assert_int_equal(dt.zone_len, 0);

    assert_true(iso("2023-07-01T17:05", &dt)); /* seconds optional */
    assert_int_equal(dt.sec, 17 * 3600 + 5 * 60);
    assert_true(dt.has_time);
    assert_int_equal(dt.zone_len, 0);

    assert_true(iso("2023-07-01T00:00", &dt));
    assert_true(dt.has_time);
    assert_int_equal(dt.sec, 0);

    assert_true(iso("2023-07-01T23:59:59", &dt));
    assert_int_equal(dt.sec, 86399);

    assert_true(iso("2023-07-31T22:00:00.000Z", &dt)); /* fractional, Z */
    assert_int_equal(dt.day, 19569);
    assert_int_equal(dt.sec, 22 * 3600);
    assert_int_equal(dt.zone_len, 1);
    assert_memory_equal(dt.zone, "Z", 1);

    assert_true(iso("2023-07-01T10:00:00.123456789", &dt));
    assert_int_equal(dt.sec, 36000);
    assert_int_equal(dt.zone_len, 0);

    assert_true(iso("2023-07-01T10:00Z", &dt));
    assert_int_equal(dt.zone_len, 1);

    assert_true(iso("2023-07-01T10:00:00+0200", &dt));
    assert_int_equal(dt.zone_len, 5);
    assert_memory_equal(dt.zone, "+0200", 5);
    assert_int_equal(dt.sec, 36000); /* the zone is kept, not applied */
    assert_int_equal(dt.day, 19539);

    assert_true(iso("2023-07-01T10:00:00-05:30", &dt));
    assert_int_equal(dt.zone_len, 6);
    assert_true(iso("2023-07-01T10:00:00.5+01:00", &dt));
    assert_int_equal(dt.zone_len, 6);
}

static void test_iso_rejects(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "2023",
        "2023-13-01",
        "2023-02-29T10:00:00",
        "2023-07-01T24:00",
        "2023-07-01T23:60",
        "2023-07-01T10:00:60",
        "2023-07-01T",
        "2023-07-01T1",
        "2023-07-01T10",
        "2023-07-01T10:0",
        "2023-07-01T1:05:00",
        "2023-07-01T10-05",
        "2023-07-01T10:05:",
        "2023-07-01T10:05:0",
        "2023-07-01T10:05:00.",
        "2023-07-01T10:05:00.Z",
        "2023-07-01X10:05",
        "2023-07-01t10:05",
        "2023-07-01T10:05:00x",
        "2023-07-01T10:05:00+00:00x",
        "2023-07-01T10:05:00ZZ",
        "2023-07-01T10:05:00Z ",
        "2023-07-01T10:05:00 ",
        "2023-07-01 ",
        "2023-07-01T10:05:00+00",
        "2023-07-01T10:05:00+0",
        "2023-07-01T10:05:00+24:00",
        "2023-07-01T10:05:00+00:60",
        "2023-07-01T10:05:00+0a:00",
        "2023-07-01T10:05:00+00-00",
        "2023-07-01T10:05:00*00:00",
        "2023-07-01T10:05:00+00:00:00",
        "2023-07-01T-1:05",
        " 2023-07-01T10:05",
        "2023-07-01T10:05:00.123+",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        iso_datetime dt;
        if (iso(bad[i], &dt))
            fail_msg("parse_iso_datetime accepted '%s'", bad[i]);
    }
}

/* A prefix of a valid datetime, given by length, is judged on its own. */
static void test_iso_respects_length(void **state)
{
    (void)state;
    const char *s = "2023-07-01T17:05:00+00:00";
    iso_datetime dt;
    assert_true(parse_iso_datetime(s, 10, &dt));
    assert_false(dt.has_time);
    assert_true(parse_iso_datetime(s, 16, &dt));
    assert_int_equal(dt.sec, 61500);
    assert_true(parse_iso_datetime(s, 19, &dt));
    assert_int_equal(dt.zone_len, 0);
    assert_false(parse_iso_datetime(s, 11, &dt));
    assert_false(parse_iso_datetime(s, 20, &dt));
    assert_false(parse_iso_datetime(s, 9, &dt));
}

static void test_format(void **state)
{
    (void)state;
    char out[32];
    memset(out, '#', sizeof out);
    assert_int_equal(format_date(0, out), 10);
    assert_memory_equal(out, "1970-01-01", 10);
    assert_int_equal(out[10], '#'); /* no NUL written */

    assert_int_equal(format_date(19539, out), 10);
    assert_memory_equal(out, "2023-07-01", 10);
    assert_int_equal(format_date(65743, out), 10);
    assert_memory_equal(out, "2149-12-31", 10);

    memset(out, '#', sizeof out);
    assert_int_equal(format_datetime(19539, 17 * 3600 + 5 * 60, out), 19);
    assert_memory_equal(out, "2023-07-01T17:05:00", 19);
    assert_int_equal(out[19], '#');
    assert_int_equal(format_datetime(19782, 0, out), 19);
    assert_memory_equal(out, "2024-02-29T00:00:00", 19);
    assert_int_equal(format_datetime(19569, 86399, out), 19);
    assert_memory_equal(out, "2023-07-31T23:59:59", 19);
    assert_int_equal(format_datetime(0, 3661, out), 19);
    assert_memory_equal(out, "1970-01-01T01:01:01", 19);
}

/* parse -> format gives back the text (without the zone). */
static void test_parse_format_round_trip(void **state)
{
    (void)state;
    static const char *samples[] = {"2023-02-04T12:50:00", "2023-10-23T00:00:00", "2024-02-29T23:59:59",
                                    "1970-01-01T00:00:00", "2149-12-31T12:34:56"};
    for (size_t i = 0; i < sizeof samples / sizeof *samples; i++) {
        iso_datetime dt;
        char out[20];
        assert_true(iso(samples[i], &dt));
        format_datetime(dt.day, dt.sec, out);
        assert_memory_equal(out, samples[i], 19);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_day_numbers),
        cmocka_unit_test(test_round_trip_1970_2149),
        cmocka_unit_test(test_negative_days_round_trip),
        cmocka_unit_test(test_leap_years),
        cmocka_unit_test(test_parse_date_range_and_shape),
        cmocka_unit_test(test_iso_date_only),
        cmocka_unit_test(test_iso_time_forms),
        cmocka_unit_test(test_iso_rejects),
        cmocka_unit_test(test_iso_respects_length),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_parse_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
