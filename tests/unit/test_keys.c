/* Unit tests of keys/: tier parsing, the durable store (hashes only,
 * add/revoke/rotate/list and their refusals), and the request path: a key
 * per tier limited by its own bucket and no other's, revocation and new
 * keys seen after a refresh, unknown and revoked keys told apart. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include "keys/keys.h"

static void test_parse_tiers(void **state)
{
    (void)state;
    keys_tiers t;
    char err[256];
    assert_true(keys_parse_tiers(KEYS_DEFAULT_TIERS, &t, err, sizeof err));
    assert_int_equal(t.n, 3);
    assert_string_equal(t.t[0].name, "free");
    assert_true(t.t[0].rate_per_s == 10.0);
    assert_true(t.t[0].burst == 20.0);
    assert_int_equal(keys_tier_find(&t, "internal"), 2);
    assert_true(t.t[2].rate_per_s == 0); /* off: unlimited */
    assert_int_equal(keys_tier_find(&t, "nope"), -1);

    assert_true(keys_parse_tiers("gold=120/min", &t, err, sizeof err));
    assert_true(t.t[0].burst == 120.0); /* the N of the rate */
    assert_true(t.t[0].rate_per_s == 2.0);

    const char *bad[] = {"", "free", "free=", "free=10/x", "Free=1/s", "a=1/s,a=2/s", "a=1/s:0", "a=1/s:x",
                         "a=1/s:", ",", "=1/s"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = 0;
        if (keys_parse_tiers(bad[i], &t, err, sizeof err))
            fail_msg("accepted tiers '%s'", bad[i]);
        assert_true(err[0] != 0);
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_true(keys_valid_name("acme-travel.de_1"));
    assert_false(keys_valid_name(""));
    assert_false(keys_valid_name("a b"));
    assert_false(keys_valid_name("a/b"));
    char longname[80];
    memset(longname, 'a', 65);
    longname[65] = 0;
    assert_false(keys_valid_name(longname));
    longname[64] = 0;
    assert_true(keys_valid_name(longname));
    assert_true(keys_valid_tier("partner_2"));
    assert_false(keys_valid_tier("Partner"));
}

/* The database holds the hash of a key, never the key. */
static void test_store_hashes_only(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp("keys");
    char err[512], key[KEYS_KEY_LEN + 1];
    keys_db *db = keys_db_open(dir, err, sizeof err);
    assert_non_null(db);
    assert_int_equal(keys_add(db, "acme", "partner", key, err, sizeof err), KEYS_OK);
    assert_int_equal(strlen(key), KEYS_KEY_LEN);
    assert_memory_equal(key, "isla_", 5);
    keys_db_close(db);
    size_t n;
    char *raw = tu_slurp(tu_path(dir, "keys.db"), &n);
    char *wal = tu_slurp(tu_path(dir, "keys.db-wal"), NULL);
    assert_non_null(raw);
    assert_null(memmem(raw, n, key + 5, KEYS_KEY_LEN - 5));
    if (wal)
        assert_null(strstr(wal, key + 5));
    unsigned char h[32];
    keys_hash(key, strlen(key), h);
    free(raw);
    free(wal);
    tu_rmtree(dir);
    free(dir);
}

static void test_store_operations(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp("keys");
    char err[512], k1[KEYS_KEY_LEN + 1], k2[KEYS_KEY_LEN + 1];
    keys_db *db = keys_db_open(dir, err, sizeof err);
    assert_int_equal(keys_add(db, "acme", "partner", k1, err, sizeof err), KEYS_OK);
    assert_int_equal(keys_add(db, "acme", "free", k2, err, sizeof err), KEYS_EXISTS);
    assert_non_null(strstr(err, "name"));
    assert_int_equal(keys_add(db, "bad name", "free", k2, err, sizeof err), KEYS_BAD_INPUT);
    assert_non_null(strstr(err, "name"));
    assert_int_equal(keys_add(db, "ok", "Bad", k2, err, sizeof err), KEYS_BAD_INPUT);
    assert_non_null(strstr(err, "tier"));
    assert_int_equal(keys_revoke(db, "ghost", err, sizeof err), KEYS_NOT_FOUND);
    assert_int_equal(keys_rotate(db, "ghost", k2, err, sizeof err), KEYS_NOT_FOUND);
    assert_int_equal(keys_rotate(db, "acme", k2, err, sizeof err), KEYS_OK);
    assert_string_not_equal(k1, k2);
    assert_int_equal(keys_revoke(db, "acme", err, sizeof err), KEYS_OK);
    assert_int_equal(keys_revoke(db, "acme", err, sizeof err), KEYS_NOT_FOUND);
    assert_int_equal(keys_rotate(db, "acme", k2, err, sizeof err), KEYS_NOT_FOUND);
    /* The name of a revoked key can be used again. */
    assert_int_equal(keys_add(db, "acme", "free", k2, err, sizeof err), KEYS_OK);
    keys_info *list;
    size_t n;
    assert_int_equal(keys_list(db, &list, &n, err, sizeof err), KEYS_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].tier, "free");
    assert_int_equal(list[0].revoked_ms, 0);
    free(list);
    keys_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* The request path: each key its own bucket, limits from its tier. */
static void test_runtime_limits(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp("keys");
    char err[512], kf[KEYS_KEY_LEN + 1], kp[KEYS_KEY_LEN + 1], ki[KEYS_KEY_LEN + 1], kx[KEYS_KEY_LEN + 1];
    keys_db *db = keys_db_open(dir, err, sizeof err);
    assert_int_equal(keys_add(db, "f", "free", kf, err, sizeof err), KEYS_OK);
    assert_int_equal(keys_add(db, "p", "partner", kp, err, sizeof err), KEYS_OK);
    assert_int_equal(keys_add(db, "i", "internal", ki, err, sizeof err), KEYS_OK);
    assert_int_equal(keys_add(db, "x", "gold", kx, err, sizeof err), KEYS_OK); /* not configured */
    keys_tiers t;
    assert_true(keys_parse_tiers("free=1/h:3,partner=1/h:5,internal=off", &t, err, sizeof err));
    assert_true(keys_runtime_start(dir, &t, err, sizeof err));

    keys_check c;
    uint64_t now = 1000000000ull;
    /* free: 3 allowed, then refused with a Retry-After. */
    for (int i = 0; i < 3; i++) {
        keys_check_key(kf, strlen(kf), now, &c);
        assert_int_equal(c.verdict, KEY_OK);
        assert_string_equal(c.name, "f");
        assert_string_equal(c.tier_name, "free");
        assert_true(c.allowed);
        assert_int_equal(c.limit, 3);
        assert_int_equal(c.remaining, 2 - i);
    }
    keys_check_key(kf, strlen(kf), now, &c);
    assert_false(c.allowed);
    assert_true(c.retry_after_s >= 1);
    /* partner is not touched by free's exhaustion. */
    for (int i = 0; i < 5; i++) {
        keys_check_key(kp, strlen(kp), now, &c);
        assert_true(c.allowed);
    }
    keys_check_key(kp, strlen(kp), now, &c);
    assert_false(c.allowed);
    /* internal is unlimited. */
    for (int i = 0; i < 100; i++) {
        keys_check_key(ki, strlen(ki), now, &c);
        assert_true(c.allowed);
        assert_false(c.limited);
    }
    keys_check_key(kx, strlen(kx), now, &c);
    assert_int_equal(c.verdict, KEY_NO_TIER);
    keys_check_key("isla_nothing", 12, now, &c);
    assert_int_equal(c.verdict, KEY_UNKNOWN);
    assert_string_equal(c.name, "");
    /* A prefix of a real key is not the key. */
    keys_check_key(kf, strlen(kf) - 1, now, &c);
    assert_int_equal(c.verdict, KEY_UNKNOWN);

    /* Nothing changed: a refresh does not reload. */
    assert_false(keys_refresh());
    /* Another connection revokes f and rotates p: seen after a refresh;
     * p's bucket survives the rotation (still empty). */
    char kp2[KEYS_KEY_LEN + 1];
    assert_int_equal(keys_revoke(db, "f", err, sizeof err), KEYS_OK);
    assert_int_equal(keys_rotate(db, "p", kp2, err, sizeof err), KEYS_OK);
    assert_true(keys_refresh());
    keys_check_key(kf, strlen(kf), now, &c);
    assert_int_equal(c.verdict, KEY_REVOKED);
    assert_string_equal(c.name, "f");
    keys_check_key(kp, strlen(kp), now, &c);
    assert_int_equal(c.verdict, KEY_UNKNOWN);
    keys_check_key(kp2, strlen(kp2), now, &c);
    assert_int_equal(c.verdict, KEY_OK);
    assert_false(c.allowed);
    /* An hour later the bucket has one token again. */
    keys_check_key(kp2, strlen(kp2), now + 3600ull * 1000000000ull, &c);
    assert_true(c.allowed);

    keys_counts n;
    keys_counts_read(&n);
    assert_int_equal(n.tier[0].requests, 4);
    assert_int_equal(n.tier[0].limited, 1);
    assert_int_equal(n.tier[1].requests, 8);
    assert_int_equal(n.tier[1].limited, 2);
    assert_int_equal(n.tier[2].requests, 100);
    assert_int_equal(n.revoked, 1);
    assert_int_equal(n.keys_active, 3);
    assert_int_equal(n.keys_revoked, 1);

    keys_runtime_stop();
    keys_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* Many keys and many reloads: each key keeps its bucket across reloads,
 * a removed key's bucket is freed (the sanitizer build sees a leak
 * otherwise), and lookups stay right. */
static void test_many_keys_reloads(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp("keys");
    char err[512];
    keys_db *db = keys_db_open(dir, err, sizeof err);
    enum { N = 600 };
    static char keys[N][KEYS_KEY_LEN + 1];
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "k%d", i);
        assert_int_equal(keys_add(db, name, i % 2 ? "free" : "partner", keys[i], err, sizeof err), KEYS_OK);
    }
    keys_tiers t;
    assert_true(keys_parse_tiers("free=1/h:2,partner=1/h:3", &t, err, sizeof err));
    assert_true(keys_runtime_start(dir, &t, err, sizeof err));
    uint64_t now = 1000000000ull;
    keys_check c;
    for (int i = 0; i < N; i++) {
        keys_check_key(keys[i], strlen(keys[i]), now, &c);
        assert_int_equal(c.verdict, KEY_OK);
        assert_int_equal(c.remaining, (i % 2 ? 2u : 3u) - 1);
    }
    for (int round = 0; round < 5; round++) {
        char name[32], k[KEYS_KEY_LEN + 1];
        snprintf(name, sizeof name, "k%d", round);
        assert_int_equal(keys_revoke(db, name, err, sizeof err), KEYS_OK);
        snprintf(name, sizeof name, "new%d", round);
        assert_int_equal(keys_add(db, name, "free", k, err, sizeof err), KEYS_OK);
        assert_true(keys_refresh());
    }
    /* Buckets survived five reloads: one token taken before, one now. */
    for (int i = 5; i < N; i++) {
        keys_check_key(keys[i], strlen(keys[i]), now, &c);
        assert_int_equal(c.verdict, KEY_OK);
        assert_int_equal(c.remaining, (i % 2 ? 2u : 3u) - 2);
    }
    for (int i = 0; i < 5; i++) {
        keys_check_key(keys[i], strlen(keys[i]), now, &c);
        assert_int_equal(c.verdict, KEY_REVOKED);
    }
    keys_counts n;
    keys_counts_read(&n);
    assert_int_equal(n.keys_active, N);
    assert_int_equal(n.keys_revoked, 5);
    keys_runtime_stop();
    keys_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_tiers),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_store_hashes_only),
        cmocka_unit_test(test_store_operations),
        cmocka_unit_test(test_runtime_limits),
        cmocka_unit_test(test_many_keys_reloads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
