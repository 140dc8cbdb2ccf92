/* The HTTP guards' pure parts: connections per address (src/conncount) and the cursor codec
 * (src/cursor): the cap, release, address forms, and cursors that round
 * trip, are canonical and authenticated, with and without a shared key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "conncount/conncount.h"
#include "cursor/cursor.h"

static netaddr addr(const char *s)
{
    netaddr a;
    assert_true(netaddr_parse(s, strlen(s), &a));
    return a;
}

static void test_cap(void **state)
{
    (void)state;
    conncount_init(2);
    netaddr a = addr("10.1.2.3"), b = addr("2001:db8::1");
    assert_true(conncount_acquire(&a));
    assert_true(conncount_acquire(&a));
    assert_false(conncount_acquire(&a));
    assert_int_equal(conncount_of(&a), 2);
    /* another address is not affected */
    assert_true(conncount_acquire(&b));
    assert_int_equal(conncount_of(&b), 1);
    /* ::ffff:10.1.2.3 is the same client */
    netaddr mapped = addr("::ffff:10.1.2.3");
    assert_false(conncount_acquire(&mapped));
    conncount_release(&mapped);
    assert_int_equal(conncount_of(&a), 1);
    assert_true(conncount_acquire(&a));
    conncount_release(&a);
    conncount_release(&a);
    conncount_release(&b);
    assert_int_equal(conncount_of(&a), 0);
    assert_int_equal(conncount_of(&b), 0);
    /* releasing an address with no connection changes nothing */
    conncount_release(&a);
    assert_int_equal(conncount_of(&a), 0);
}

static void test_no_cap(void **state)
{
    (void)state;
    conncount_init(0);
    netaddr a = addr("192.0.2.7");
    for (int i = 0; i < 1000; i++)
        assert_true(conncount_acquire(&a));
    assert_int_equal(conncount_of(&a), 1000);
    for (int i = 0; i < 1000; i++)
        conncount_release(&a);
    assert_int_equal(conncount_of(&a), 0);
}

static void test_many_addresses(void **state)
{
    (void)state;
    conncount_init(1);
    char text[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(text, sizeof text, "10.%d.%d.1", i / 256, i % 256);
        netaddr a = addr(text);
        assert_true(conncount_acquire(&a));
        assert_false(conncount_acquire(&a));
    }
    for (int i = 0; i < 5000; i++) {
        snprintf(text, sizeof text, "10.%d.%d.1", i / 256, i % 256);
        netaddr a = addr(text);
        assert_int_equal(conncount_of(&a), 1);
        conncount_release(&a);
        assert_int_equal(conncount_of(&a), 0);
    }
}

static void test_cursor_codec(void **state)
{
    (void)state;
    cursor_fields f = {7, 420, 0x0123456789abcdefull, {622, 1690000000ull, 99}}, g;
    char text[CURSOR_TEXT_MAX];
    size_t n = cursor_format(&f, text);
    assert_int_equal(n, strlen(text));
    assert_int_equal(cursor_parse(text, n, &g), CURSOR_OK);
    assert_memory_equal(&f, &g, sizeof f);
    /* not canonical: upper case, a leading zero */
    char edit[CURSOR_TEXT_MAX];
    memcpy(edit, text, n + 1);
    edit[3] = 'A';
    assert_int_not_equal(cursor_parse(edit, n, &g), CURSOR_OK);
    char padded[CURSOR_TEXT_MAX + 8];
    snprintf(padded, sizeof padded, "c1.0%s", text + 3);
    assert_int_equal(cursor_parse(padded, strlen(padded), &g), CURSOR_MALFORMED);
    /* a changed field with the old MAC is forged */
    cursor_fields h = f;
    h.hotel = 180;
    char other[CURSOR_TEXT_MAX];
    cursor_format(&h, other);
    char *mac_f = strrchr(text, '.'), *mac_h = strrchr(other, '.');
    memcpy(mac_h, mac_f, strlen(mac_f) + 1);
    assert_int_equal(cursor_parse(other, strlen(other), &g), CURSOR_FORGED);
    /* too short, too long, wrong version */
    assert_int_equal(cursor_parse("", 0, &g), CURSOR_MALFORMED);
    assert_int_equal(cursor_parse("c2.1.1.1.1.1.1.00000000000000000000000000000000", 47, &g), CURSOR_MALFORMED);
    char longer[CURSOR_TEXT_MAX + 10];
    memset(longer, 'a', sizeof longer);
    assert_int_equal(cursor_parse(longer, sizeof longer, &g), CURSOR_MALFORMED);
    /* a key of our own: cursors of the random key no longer verify, and a
     * second process with the same secret would make the same text */
    assert_false(cursor_key_set("short", 5));
    assert_int_equal(cursor_parse(text, n, &g), CURSOR_OK);
    const char *secret = "a-secret-shared-by-the-fleet";
    assert_true(cursor_key_set(secret, strlen(secret)));
    assert_int_equal(cursor_parse(text, n, &g), CURSOR_FORGED);
    char keyed[CURSOR_TEXT_MAX];
    cursor_format(&f, keyed);
    assert_int_equal(cursor_parse(keyed, strlen(keyed), &g), CURSOR_OK);
    assert_string_not_equal(keyed, text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_no_cap),
        cmocka_unit_test(test_many_addresses),
        cmocka_unit_test(test_cursor_codec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
