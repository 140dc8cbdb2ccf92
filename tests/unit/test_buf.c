/* Unit tests of util/buf's JSON pieces: decimal numbers (against printf, at
 * every length and around every power of ten) and JSON string literals
 * (escapes, control bytes, valid and invalid UTF-8), written through the
 * buffer and at a pointer with the documented room. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static void expect_dec(uint64_t v)
{
    char want[32], got[32];
    snprintf(want, sizeof want, "%llu", (unsigned long long)v);
    size_t n = u64_to_dec(v, got);
    got[n] = 0;
    assert_string_equal(got, want);
    buf_t b = {0};
    BUF_LIT(&b, "x");
    buf_put_u64(&b, v);
    buf_putc(&b, 0);
    assert_string_equal(b.data + 1, want);
    buf_free(&b);
}

static void test_decimal_numbers(void **state)
{
    (void)state;
    for (uint64_t v = 0; v < 2000; v++)
        expect_dec(v);
    uint64_t p = 1;
    for (int i = 0; i < 20; i++) {
        expect_dec(p - 1);
        expect_dec(p);
        expect_dec(p + 1);
        if (i < 19)
            p *= 10;
    }
    expect_dec(UINT64_MAX);
    expect_dec(UINT64_MAX - 1);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 10000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        expect_dec(x >> (i % 64));
    }
    buf_t b = {0};
    buf_put_i64(&b, INT64_MIN);
    buf_putc(&b, 0);
    assert_string_equal(b.data, "-9223372036854775808");
    buf_free(&b);
}

static void expect_hex(uint64_t v, unsigned min)
{
    char want[40], got[40];
    snprintf(want, sizeof want, "%0*llx", (int)min, (unsigned long long)v);
    size_t n = u64_to_hex(v, min, got);
    got[n] = 0;
    assert_string_equal(got, want);
}

static void test_hex_numbers(void **state)
{
    (void)state;
    for (unsigned min = 0; min <= 16; min++) {
        expect_hex(0, min);
        expect_hex(UINT64_MAX, min);
        for (int sh = 0; sh < 64; sh++) {
            expect_hex(1ull << sh, min);
            expect_hex((1ull << sh) - 1, min);
            expect_hex(0xDEADBEEFCAFEF00Dull >> sh, min);
        }
    }
}

static void expect_json(const char *in, size_t n, const char *want)
{
    buf_t b = {0};
    buf_put_json_str(&b, in, n);
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.data, want, b.len);
    buf_free(&b);
    /* at a pointer: stays within JSON_STR_MAX(n), the rest untouched */
    size_t room = JSON_STR_MAX(n);
    char *p = malloc(room + 1);
    p[room] = '#';
    char *end = json_str_at(p, in, n);
    assert_int_equal((size_t)(end - p), strlen(want));
    assert_memory_equal(p, want, strlen(want));
    assert_int_equal(p[room], '#');
    free(p);
}

#define JSON(in, want) expect_json((in), sizeof(in) - 1, (want))

static void test_json_strings(void **state)
{
    (void)state;
    JSON("", "\"\"");
    JSON("Hotel Sol", "\"Hotel Sol\"");
    JSON("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
    JSON("\n\t\r", "\"\\n\\t\\r\"");
    JSON("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
    JSON("\0x", "\"\\u0000x\"");
    JSON("\xc3\x80gora \xe2\x82\xac \xf0\x9f\x8f\x96", "\"\xc3\x80gora \xe2\x82\xac \xf0\x9f\x8f\x96\"");
    /* invalid: a lone continuation byte, an overlong, a surrogate, a cut sequence */
    JSON("a\x80z", "\"a\xef\xbf\xbdz\"");
    JSON("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"");
    JSON("\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
    JSON("x\xe2\x82", "\"x\xef\xbf\xbd\xef\xbf\xbd\"");
    /* the worst case: every byte an escape */
    JSON("\x01\x02\x03", "\"\\u0001\\u0002\\u0003\"");
}

/* Every special byte at every place of strings up to 40 bytes (the
 * writer copies eight plain bytes at a time: each word position and the
 * tail must still see it). */
static void test_json_strings_long(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } pieces[] = {
        {"\"", "\\\""}, {"\\", "\\\\"}, {"\x01", "\\u0001"}, {"\x1f", "\\u001f"}, {"\n", "\\n"},
        {"\x80", "\xef\xbf\xbd"}, {"\xc3\xa9", "\xc3\xa9"}, {"\x7f", "\x7f"}, {" ", " "}, {"~", "~"},
    };
    for (size_t len = 0; len <= 40; len++)
        for (size_t at = 0; at <= len; at++)
            for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
                char in[64], want[128];
                size_t n = 0, w = 0;
                want[w++] = '"';
                for (size_t i = 0; i <= len; i++) {
                    if (i == at) {
                        size_t pl = strlen(pieces[k].in), ol = strlen(pieces[k].out);
                        memcpy(in + n, pieces[k].in, pl);
                        memcpy(want + w, pieces[k].out, ol);
                        n += pl, w += ol;
                    }
                    if (i < len) {
                        in[n++] = (char)('a' + i % 26);
                        want[w++] = (char)('a' + i % 26);
                    }
                }
                want[w++] = '"';
                want[w] = 0;
                expect_json(in, n, want);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decimal_numbers),
        cmocka_unit_test(test_hex_numbers),
        cmocka_unit_test(test_json_strings),
        cmocka_unit_test(test_json_strings_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
