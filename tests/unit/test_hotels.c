/* Unit tests of import/hotels: the real hotels.csv, and files with bad lines
 * (each rejected, counted and reported with its line number while the good
 * lines are kept), odd but valid forms, and files that are errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hotels/hotels.h"
#include "testutil.h"

static char *dir;

static int setup(void **state)
{
    (void)state;
    dir = tu_mkdtemp("hotels");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static const hotel_entry *find(const hotel_list *l, uint32_t id)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].id == id)
            return &l->items[i];
    return NULL;
}

/* Loads `content` from a temp file; warnings into *warn (malloc'd). */
static int load_text(const char *content, size_t len, hotel_list *l, char **warn, char *err, size_t errlen)
{
    const char *path = tu_path(dir, "hotels.csv");
    tu_write(path, content, len);
    size_t wl;
    FILE *w = open_memstream(warn, &wl);
    int rc = hotels_load(path, w, false, l, err, errlen);
    fclose(w);
    return rc;
}

static void test_real_hotels(void **state)
{
    (void)state;
    hotel_list l;
    char err[512] = "";
    int q = tu_quiet_begin();
    int rc = hotels_load(tu_data("hotels.csv"), stderr, false, &l, err, sizeof err);
    tu_quiet_end(q);
    assert_int_equal(rc, 0);
    assert_int_equal(l.len, 998);
    assert_int_equal(l.rejected, 0);
    size_t unknown_stars = 0;
    for (size_t i = 0; i < l.len; i++) {
        assert_int_equal(l.items[i].id, i + 1); /* sorted, 1..998 */
        assert_int_equal(l.items[i].name_len, strlen(l.items[i].name));
        assert_true(l.items[i].name_len > 0);
        assert_true(l.items[i].stars_x10 <= 50);
        assert_true(l.items[i].name[0] != ' ');
        assert_true(l.items[i].name[l.items[i].name_len - 1] != ' ');
        assert_null(strchr(l.items[i].name, '\r'));
        unknown_stars += l.items[i].stars_x10 == 0;
    }
    assert_int_equal(unknown_stars, 1);
    assert_string_equal(l.items[0].name, "Iberostar Playa de Muro");
    assert_int_equal(l.items[0].stars_x10, 40);
    assert_string_equal(find(&l, 10)->name, "Bon Aire Apartments");
    assert_int_equal(find(&l, 10)->stars_x10, 10);
    assert_int_equal(find(&l, 9)->stars_x10, 50);
    /* trailing spaces trimmed */
    assert_string_equal(find(&l, 24)->name, "Club Santa Ponsa");
    assert_string_equal(find(&l, 96)->name, "Hostal Gami");
    assert_int_equal(find(&l, 96)->stars_x10, 10);
    /* UTF-8 kept */
    assert_string_equal(find(&l, 23)->name, "Meli\xC3\xA1 Palma Marina");
    /* the last line has no line end */
    assert_string_equal(find(&l, 998)->name, "Hotel Sabina & Suites");
    assert_int_equal(find(&l, 998)->stars_x10, 40);
    hotels_free(&l);
    assert_int_equal(l.len, 0);
    assert_null(l.items);
}

static void test_bad_lines_rejected_and_counted(void **state)
{
    (void)state;
    const char text[] = "hotelid;hotelname;hotelstars\r\n" /* 1 */
                        "1;Good One;4.0\r\n"                /* 2 kept */
                        "abc;Bad Id;3.0\r\n"                /* 3 */
                        "2;Seven Stars;7\r\n"               /* 4 */
                        "3;Bad \xC3\x28 UTF8;3.0\r\n"       /* 5 */
                        "4;Half;4.5\r\n"                    /* 6 kept */
                        "5;\"Quoted; name\";3\r\n"          /* 7 kept */
                        "6;Too;many;fields\r\n"             /* 8 */
                        ";Empty id;2\r\n"                   /* 9 */
                        "7;Negative stars;-1\r\n"           /* 10 */
                        "8; Spaces ;5\r\n"                  /* 11 kept */
                        "\r\n"                              /* 12 blank: skipped */
                        "9;Five and a half;5.5\r\n"         /* 13 */
                        "10;Comma stars;3,5\r\n"            /* 14 kept */
                        "11;Bad \"quote;2\r\n"              /* 15 */
                        "-12;Minus;2\r\n"                   /* 16 */
                        "99999999999;Too big;2\r\n"         /* 17 */
                        "13;No stars;\r\n"                  /* 18 */
                        "14;Short\r\n";                     /* 19 */
    hotel_list l;
    char *warn = NULL, err[512] = "";
    assert_int_equal(load_text(text, sizeof text - 1, &l, &warn, err, sizeof err), 0);
    assert_int_equal(l.len, 5);
    assert_int_equal(l.rejected, 12);
    assert_string_equal(find(&l, 1)->name, "Good One");
    assert_int_equal(find(&l, 1)->stars_x10, 40);
    assert_int_equal(find(&l, 4)->stars_x10, 45);
    assert_string_equal(find(&l, 5)->name, "Quoted; name");
    assert_int_equal(find(&l, 5)->stars_x10, 30);
    assert_string_equal(find(&l, 8)->name, "Spaces");
    assert_int_equal(find(&l, 8)->stars_x10, 50);
    assert_int_equal(find(&l, 10)->stars_x10, 35);
    for (uint32_t id = 2; id <= 14; id++)
        if (id != 4 && id != 5 && id != 8 && id != 10)
            assert_null(find(&l, id));
    /* each rejected line is reported with its number */
    static const int bad_lines[] = {3, 4, 5, 8, 9, 10, 13, 15, 16, 17, 18, 19};
    for (size_t i = 0; i < sizeof bad_lines / sizeof *bad_lines; i++) {
        char pat[32];
        snprintf(pat, sizeof pat, ":%d: ", bad_lines[i]);
        if (!strstr(warn, pat))
            fail_msg("line %d not reported; warnings:\n%s", bad_lines[i], warn);
    }
    static const int good_lines[] = {2, 6, 7, 11, 12, 14};
    for (size_t i = 0; i < sizeof good_lines / sizeof *good_lines; i++) {
        char pat[32];
        snprintf(pat, sizeof pat, ":%d: ", good_lines[i]);
        if (strstr(warn, pat))
            fail_msg("good line %d reported; warnings:\n%s", good_lines[i], warn);
    }
    assert_non_null(strstr(warn, "hotelstars"));
    assert_non_null(strstr(warn, "hotelid"));
    assert_non_null(strstr(warn, "UTF-8"));
    free(warn);
    hotels_free(&l);
}

static void test_duplicate_id(void **state)
{
    (void)state;
    const char text[] = "hotelid;hotelname;hotelstars\n1;First;4\n2;Other;3\n1;Second;2\n";
    hotel_list l;
    char *warn = NULL, err[512];
    assert_int_equal(load_text(text, sizeof text - 1, &l, &warn, err, sizeof err), 0);
    assert_int_equal(l.len, 2);
    assert_int_equal(l.rejected, 1);
    assert_int_equal(l.items[0].id, 1);
    assert_int_equal(l.items[1].id, 2);
    assert_string_equal(l.items[0].name, "First");
    assert_non_null(strstr(warn, ":4: hotel id 1 appeared before"));
    free(warn);
    hotels_free(&l);
}

/* Surrogates and overlong forms are not UTF-8 either. */
static void test_invalid_utf8_forms(void **state)
{
    (void)state;
    static const char *names[] = {
        "Bad \xED\xA0\x80 surrogate",
        "Bad \xE0\x80\xAF overlong",
        "Bad \xC0\xAF overlong",
        "Bad \xF4\x90\x80\x80 too high",
        "Bad \xC3 truncated",
        "Bad \xFF byte",
    };
    char failures[1024] = "";
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char text[256];
        int n = snprintf(text, sizeof text, "hotelid;hotelname;hotelstars\n1;Fine;3\n2;%s;3\n", names[i]);
        hotel_list l;
        char *warn = NULL, err[512];
        assert_int_equal(load_text(text, (size_t)n, &l, &warn, err, sizeof err), 0);
        if (l.len != 1 || l.rejected != 1) {
            size_t o = strlen(failures);
            snprintf(failures + o, sizeof failures - o, " [%zu: kept %zu, rejected %zu]", i, l.len, l.rejected);
        }
        free(warn);
        hotels_free(&l);
    }
    if (failures[0])
        fail_msg("invalid UTF-8 names accepted (want kept 1, rejected 1):%s", failures);
}

static void test_comma_file_bom_and_column_order(void **state)
{
    (void)state;
    const char text[] = "\xEF\xBB\xBFhotelstars,HotelName,hotelid\n"
                        "4.0,\"Hotel \"\"Sol\"\", Palma\",7\n"
                        "2,Plain,3";
    hotel_list l;
    char *warn = NULL, err[512] = "";
    assert_int_equal(load_text(text, sizeof text - 1, &l, &warn, err, sizeof err), 0);
    assert_int_equal(l.len, 2);
    assert_int_equal(l.rejected, 0);
    assert_int_equal(l.items[0].id, 3);
    assert_int_equal(l.items[1].id, 7);
    assert_string_equal(l.items[1].name, "Hotel \"Sol\", Palma");
    assert_int_equal(l.items[1].name_len, strlen("Hotel \"Sol\", Palma"));
    assert_int_equal(l.items[1].stars_x10, 40);
    assert_int_equal(l.items[0].stars_x10, 20);
    free(warn);
    hotels_free(&l);
}

/* A header and nothing else (or only bad lines): no hotels, no error. */
static void test_header_only(void **state)
{
    (void)state;
    hotel_list l;
    char *warn = NULL, err[512] = "";
    const char text[] = "hotelid;hotelname;hotelstars\r\n";
    assert_int_equal(load_text(text, sizeof text - 1, &l, &warn, err, sizeof err), 0);
    assert_int_equal(l.len, 0);
    assert_int_equal(l.rejected, 0);
    free(warn);
    hotels_free(&l);
    const char bad[] = "hotelid;hotelname;hotelstars\nx;y;z\n";
    assert_int_equal(load_text(bad, sizeof bad - 1, &l, &warn, err, sizeof err), 0);
    assert_int_equal(l.len, 0);
    assert_int_equal(l.rejected, 1);
    free(warn);
    hotels_free(&l);
}

/* Strict mode (isla gen): the same rules, but the first bad row is an error
 * naming its line; repeated ids still keep the first, as in import. */
static void test_strict(void **state)
{
    (void)state;
    hotel_list l;
    char err[512] = "";
    const char *path = tu_path(dir, "hotels.csv");
    const char bad[] = "hotelid;hotelname;hotelstars\n1;One;4\n2;Two;4.55\n3;Three;3\n";
    tu_write(path, bad, sizeof bad - 1);
    assert_int_equal(hotels_load(path, stderr, true, &l, err, sizeof err), -2);
    assert_non_null(strstr(err, ":3: rejected: hotelstars"));
    assert_int_equal(l.len, 0);
    const char dup[] = "hotelid;hotelname;hotelstars\n1;One;4\n2;Two;4,5\n1;Again;3\n";
    tu_write(path, dup, sizeof dup - 1);
    int q = tu_quiet_begin();
    int rc = hotels_load(path, stderr, true, &l, err, sizeof err);
    tu_quiet_end(q);
    assert_int_equal(rc, 0);
    assert_int_equal(l.len, 2);
    assert_string_equal(l.items[0].name, "One");
    assert_int_equal(l.items[1].stars_x10, 45);
    hotels_free(&l);
}

static void test_errors(void **state)
{
    (void)state;
    hotel_list l;
    char *warn = NULL, err[512];

    err[0] = 0;
    assert_int_equal(load_text("", 0, &l, &warn, err, sizeof err), -2);
    assert_true(strlen(err) > 0);
    assert_int_equal(l.len, 0);
    free(warn);

    err[0] = 0;
    const char nohdr[] = "1;Foo;3.0\n2;Bar;4.0\n";
    assert_int_equal(load_text(nohdr, sizeof nohdr - 1, &l, &warn, err, sizeof err), -2);
    assert_non_null(strstr(err, "hotelid"));
    assert_int_equal(l.len, 0);
    free(warn);

    err[0] = 0;
    const char partial[] = "hotelid;hotelname\n1;Foo\n";
    assert_int_equal(load_text(partial, sizeof partial - 1, &l, &warn, err, sizeof err), -2);
    assert_non_null(strstr(err, "hotelstars"));
    free(warn);

    err[0] = 0;
    assert_int_equal(hotels_load(tu_path(dir, "does-not-exist.csv"), stderr, false, &l, err, sizeof err), -1);
    assert_non_null(strstr(err, "does-not-exist.csv"));
}

/* A file cut inside its last line is refused (the hotels after it are
 * missing too); a complete last line without a line end is fine; CR-only
 * line ends are named. */
static void test_cut_off_and_cr_only(void **state)
{
    (void)state;
    hotel_list l;
    char *warn = NULL, err[512] = "";
    const char cut[] = "hotelid;hotelname;hotelstars\n1;One;4\n2;Two;3\n3;\"Thr";
    assert_int_equal(load_text(cut, sizeof cut - 1, &l, &warn, err, sizeof err), -2);
    if (!strstr(err, "ends in the middle of line 4"))
        fail_msg("cut inside a quoted name: '%s'", err);
    assert_int_equal(l.len, 0);
    free(warn);

    const char cut2[] = "hotelid;hotelname;hotelstars\n1;One;4\n2;Tw";
    assert_int_equal(load_text(cut2, sizeof cut2 - 1, &l, &warn, err, sizeof err), -2);
    assert_non_null(strstr(err, "ends in the middle of line 3"));
    free(warn);

    const char whole[] = "hotelid;hotelname;hotelstars\n1;One;4\n2;Two;3";
    assert_int_equal(load_text(whole, sizeof whole - 1, &l, &warn, err, sizeof err), 0);
    assert_int_equal(l.len, 2);
    assert_int_equal(l.rejected, 0);
    free(warn);
    hotels_free(&l);

    const char mac[] = "hotelid;hotelname;hotelstars\r1;One;4\r2;Two;3\r";
    assert_int_equal(load_text(mac, sizeof mac - 1, &l, &warn, err, sizeof err), -2);
    if (!strstr(err, "line 1: line endings are CR only (old Mac)"))
        fail_msg("CR-only hotels file: '%s'", err);
    free(warn);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_hotels),
        cmocka_unit_test(test_bad_lines_rejected_and_counted),
        cmocka_unit_test(test_duplicate_id),
        cmocka_unit_test(test_invalid_utf8_forms),
        cmocka_unit_test(test_comma_file_bom_and_column_order),
        cmocka_unit_test(test_header_only),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_cut_off_and_cr_only),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
