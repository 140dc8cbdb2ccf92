/* Unit tests of the fleet's I/O-free parts (cluster/cluster.h, ship.h):
 * Redis addresses (and the message each bad one gets), the circuit
 * breaker's state machine, the L2 key and value formats, the single-flight
 * table, and generation manifests (round trip and refused shapes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster/cluster.h"
#include "cluster/ship.h"

/* ---- Redis addresses ---------------------------------------------------- */

static void test_url_tcp(void **state)
{
    (void)state;
    redis_url u;
    char err[256];
    assert_true(redis_url_parse("redis://127.0.0.1:6380/3", &u, err, sizeof err));
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 3);
    assert_string_equal(u.password, "");
    assert_string_equal(u.path, "");

    assert_true(redis_url_parse("redis://cache.internal", &u, err, sizeof err));
    assert_string_equal(u.host, "cache.internal");
    assert_int_equal(u.port, 6379);
    assert_int_equal(u.db, 0);

    assert_true(redis_url_parse("redis://:s3cr%t@10.0.0.5:7000/", &u, err, sizeof err));
    assert_string_equal(u.password, "s3cr%t");
    assert_string_equal(u.host, "10.0.0.5");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 0);

    assert_true(redis_url_parse("redis://default:pw@h:1", &u, err, sizeof err));
    assert_string_equal(u.password, "pw");

    assert_true(redis_url_parse("redis://[::1]:6390/2", &u, err, sizeof err));
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 6390);
    assert_int_equal(u.db, 2);

    char d[300];
    assert_true(redis_url_parse("redis://:hidden@h:1/4", &u, err, sizeof err));
    redis_url_describe(&u, d, sizeof d);
    assert_null(strstr(d, "hidden"));
    assert_string_equal(d, "redis://:***@h:1/4");
}

static void test_url_unix(void **state)
{
    (void)state;
    redis_url u;
    char err[256];
    assert_true(redis_url_parse("unix:/run/redis.sock", &u, err, sizeof err));
    assert_string_equal(u.path, "/run/redis.sock");
    assert_string_equal(u.host, "");
    assert_true(redis_url_parse("unix:/tmp/r.sock?db=5&password=x y", &u, err, sizeof err));
    assert_string_equal(u.path, "/tmp/r.sock");
    assert_int_equal(u.db, 5);
    assert_string_equal(u.password, "x y");
    assert_true(redis_url_parse("/var/run/r.sock", &u, err, sizeof err));
    assert_string_equal(u.path, "/var/run/r.sock");
}

static void bad_url(const char *s, const char *want)
{
    redis_url u;
    char err[256] = "";
    bool ok = redis_url_parse(s, &u, err, sizeof err);
    if (ok || strstr(err, want) == NULL)
        fail_msg("'%s': ok=%d err='%s', wanted '%s'", s, ok, err, want);
}

static void test_url_bad(void **state)
{
    (void)state;
    bad_url("", "empty");
    bad_url("http://h:1", "not a Redis address");
    bad_url("redis://", "no host");
    bad_url("redis://h:0", "port must be 1..65535");
    bad_url("redis://h:65536", "port must be 1..65535");
    bad_url("redis://h:abc", "port must be 1..65535, got 'abc'");
    bad_url("redis://h:1/x", "database must be a number");
    bad_url("redis://h:1/-1", "database must be a number");
    bad_url("redis://user@h", "credentials");
    bad_url("redis://alice:pw@h", "user 'alice' not supported");
    bad_url("redis://:@h", "password empty");
    bad_url("redis://[::1", "without ']'");
    bad_url("redis://[::1]x", "expected ':PORT'");
    bad_url("unix:relative.sock", "must be absolute");
    bad_url("unix:/s?db=x", "db must be a number");
    bad_url("unix:/s?color=red", "unknown option 'color=red'");
}

/* ---- circuit breaker ---------------------------------------------------- */

static void test_breaker(void **state)
{
    (void)state;
    breaker b;
    breaker_init(&b, 3, 1000, 4000);
    assert_int_equal(b.state, BREAKER_CLOSED);
    /* Failures below the threshold, interrupted by a success, keep it closed. */
    breaker_failure(&b, 0);
    breaker_failure(&b, 0);
    breaker_success(&b);
    breaker_failure(&b, 0);
    breaker_failure(&b, 0);
    assert_int_equal(b.state, BREAKER_CLOSED);
    assert_true(breaker_allow(&b, 0));
    /* The third in a row opens it. */
    breaker_failure(&b, 100);
    assert_int_equal(b.state, BREAKER_OPEN);
    assert_int_equal(b.opened, 1);
    assert_false(breaker_allow(&b, 100));
    assert_false(breaker_allow(&b, 1099));
    /* Late failures while open change nothing. */
    breaker_failure(&b, 500);
    assert_int_equal(b.open_until_ms, 1100);
    /* After the cooldown: one probe, not two. */
    assert_true(breaker_allow(&b, 1100));
    assert_int_equal(b.state, BREAKER_HALF_OPEN);
    assert_false(breaker_allow(&b, 1101));
    /* A failed probe opens it for twice as long. */
    breaker_failure(&b, 1200);
    assert_int_equal(b.state, BREAKER_OPEN);
    assert_int_equal(b.open_until_ms, 3200);
    assert_int_equal(b.opened, 1); /* still the same opening */
    assert_true(breaker_allow(&b, 3200));
    breaker_failure(&b, 3200);
    assert_int_equal(b.open_until_ms, 7200);
    assert_true(breaker_allow(&b, 7200));
    breaker_failure(&b, 7200); /* capped at max_cooldown */
    assert_int_equal(b.open_until_ms, 11200);
    /* A successful probe closes it and resets the cooldown. */
    assert_true(breaker_allow(&b, 11200));
    breaker_success(&b);
    assert_int_equal(b.state, BREAKER_CLOSED);
    assert_int_equal(b.closed, 1);
    assert_int_equal(b.current_cooldown_ms, 1000);
    assert_int_equal(b.failures, 0);
    assert_string_equal(breaker_state_name(BREAKER_HALF_OPEN), "half-open");
}

/* ---- keys and values ---------------------------------------------------- */

static void test_key_format(void **state)
{
    (void)state;
    buf_t k = {0};
    l2_key(&k, 0x2a, 0x0123456789abcdefull, "best|a2|c0", 10);
    buf_putc(&k, '\0');
    assert_string_equal(k.data, "isla:1:2a:0123456789abcdef:best|a2|c0");
    /* Another generation or another data id is another key. */
    buf_t k2 = {0};
    l2_key(&k2, 0x2b, 0x0123456789abcdefull, "best|a2|c0", 10);
    buf_putc(&k2, '\0');
    assert_string_not_equal(k.data, k2.data);
    k2.len = 0;
    l2_key(&k2, 0x2a, 1, "best|a2|c0", 10);
    buf_putc(&k2, '\0');
    assert_string_equal(k2.data, "isla:1:2a:0000000000000001:best|a2|c0");
    buf_free(&k);
    buf_free(&k2);
    /* FNV-1a 64 reference values. */
    assert_true(l2_hash("", 0) == 0xcbf29ce484222325ull);
    assert_true(l2_hash("a", 1) == 0xaf63dc4c8601ec8cull);
}

static void test_value_roundtrip(void **state)
{
    (void)state;
    buf_t v = {0};
    const char body[] = "{\"hotels\":[]}\n\0binary";
    l2_value_encode(&v, 200, true, 1234567890123ull, "application/json", body, sizeof body);
    l2_value d;
    assert_true(l2_value_decode(v.data, v.len, &d));
    assert_int_equal(d.status, 200);
    assert_true(d.has_total);
    assert_true(d.total == 1234567890123ull);
    assert_int_equal(d.content_type_len, 16);
    assert_memory_equal(d.content_type, "application/json", 16);
    assert_int_equal(d.body_len, sizeof body);
    assert_memory_equal(d.body, body, sizeof body);
    v.len = 0;
    l2_value_encode(&v, 200, false, 0, "application/json", "", 0);
    assert_true(l2_value_decode(v.data, v.len, &d));
    assert_false(d.has_total);
    assert_int_equal(d.body_len, 0);
    buf_free(&v);
}

static void test_value_bad(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",                                /* empty */
        "I1 200 - application/json",       /* no newline */
        "I2 200 - application/json\n{}",   /* another version */
        "I1 99 - application/json\n{}",    /* status out of range */
        "I1 2000 - application/json\n{}",  /* status too long */
        "I1 200 x application/json\n{}",   /* total not a number */
        "I1 200 - \n{}",                   /* no content type */
        "I1 200 -\n{}",                    /* missing field */
        "I1 200 99999999999999999999999 application/json\n{}", /* total overflows */
        "GET / HTTP/1.1\r\n",
    };
    l2_value d;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (l2_value_decode(bad[i], strlen(bad[i]), &d))
            fail_msg("decoded '%s'", bad[i]);
}

/* ---- single-flight ------------------------------------------------------ */

static void test_singleflight(void **state)
{
    (void)state;
    assert_int_equal(sf_count(), 0);
    assert_true(sf_begin("k1", 2));
    assert_false(sf_begin("k1", 2));
    assert_true(sf_active("k1", 2));
    assert_false(sf_active("k2", 2));
    assert_true(sf_begin("k2", 2));
    assert_true(sf_begin("k", 1)); /* a prefix is another key */
    assert_int_equal(sf_count(), 3);
    sf_end("k1", 2);
    assert_false(sf_active("k1", 2));
    assert_true(sf_begin("k1", 2));
    sf_end("k1", 2);
    sf_end("k2", 2);
    sf_end("k", 1);
    sf_end("never", 5); /* ending a key not in flight is harmless */
    assert_int_equal(sf_count(), 0);
}

#define SF_THREADS 8
static int leaders;
static pthread_mutex_t leaders_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t sf_barrier;

static void *sf_racer(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&sf_barrier);
    if (sf_begin("same-key", 8)) {
        pthread_mutex_lock(&leaders_lock);
        leaders++;
        pthread_mutex_unlock(&leaders_lock);
    }
    return NULL;
}

static void test_singleflight_threads(void **state)
{
    (void)state;
    pthread_t t[SF_THREADS];
    pthread_barrier_init(&sf_barrier, NULL, SF_THREADS);
    for (int i = 0; i < SF_THREADS; i++)
        pthread_create(&t[i], NULL, sf_racer, NULL);
    for (int i = 0; i < SF_THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&sf_barrier);
    assert_int_equal(leaders, 1);
    sf_end("same-key", 8);
    assert_int_equal(sf_count(), 0);
}

/* ---- manifests ---------------------------------------------------------- */

static void test_manifest_roundtrip(void **state)
{
    (void)state;
    ship_manifest m = {.generation = 7, .n_files = 2};
    snprintf(m.files[0].name, sizeof m.files[0].name, "import.json");
    m.files[0].size = 180;
    memset(m.files[0].sha256, 'a', 64);
    snprintf(m.files[1].name, sizeof m.files[1].name, "offers.isla");
    m.files[1].size = 1ull << 33;
    memset(m.files[1].sha256, '0', 64);
    buf_t j = {0};
    ship_manifest_json(&m, &j);
    ship_manifest p;
    char err[256];
    assert_true(ship_manifest_parse(j.data, j.len, &p, err, sizeof err));
    assert_int_equal(p.generation, 7);
    assert_int_equal(p.n_files, 2);
    const ship_file *f = ship_manifest_find(&p, "offers.isla", 11);
    assert_non_null(f);
    assert_true(f->size == 1ull << 33);
    assert_string_equal(f->sha256, m.files[1].sha256);
    assert_null(ship_manifest_find(&p, "offers", 6));
    buf_free(&j);
}

static void bad_manifest(const char *json, const char *want)
{
    ship_manifest m;
    char err[256] = "";
    bool ok = ship_manifest_parse(json, strlen(json), &m, err, sizeof err);
    if (ok || strstr(err, want) == NULL)
        fail_msg("'%s': ok=%d err='%s', wanted '%s'", json, ok, err, want);
}

#define SUM "0000000000000000000000000000000000000000000000000000000000000000"
static void test_manifest_bad(void **state)
{
    (void)state;
    bad_manifest("", "expected {\"generation\"");
    bad_manifest("{\"generation\":0,\"files\":[]}", "N > 0");
    bad_manifest("{\"generation\":1}", "expected ,\"files\"");
    bad_manifest("{\"generation\":1,\"files\":[]}", "no offers.isla");
    bad_manifest("{\"generation\":1,\"files\":[{\"name\":\"../etc/passwd\",\"size\":1,\"sha256\":\"" SUM "\"}]}",
                 "refused");
    bad_manifest("{\"generation\":1,\"files\":[{\"name\":\".hidden\",\"size\":1,\"sha256\":\"" SUM "\"}]}", "refused");
    bad_manifest("{\"generation\":1,\"files\":[{\"name\":\"offers.isla\",\"size\":1,\"sha256\":\"abc\"}]}",
                 "64 lowercase hex");
    bad_manifest("{\"generation\":1,\"files\":[{\"name\":\"offers.isla\",\"size\":-1,\"sha256\":\"" SUM "\"}]}",
                 "file 1");
    bad_manifest("{\"generation\":1,\"files\":[{\"name\":\"offers.isla\",\"size\":1,\"sha256\":\"" SUM "\"}", "expected , or ]");
    bad_manifest("{\"generation\":99999999999999999999999,\"files\":[]}", "expected {\"generation\"");
}

/* ---- shipping slots ------------------------------------------------------ */

static void test_ship_leases(void **state)
{
    (void)state;
    ship_lease_reset();
    /* One slot: A takes it; B waits while A transfers and for the grace. */
    assert_true(ship_lease_take("A", 1, 1, 1000));
    assert_false(ship_lease_take("B", 1, 1, 1000));
    assert_true(ship_lease_take("A", 1, 1, 1100)); /* A's next file */
    ship_lease_release("A", 1, 1200);
    assert_false(ship_lease_take("B", 1, 1, 1300)); /* A still transfers one */
    ship_lease_release("A", 1, 1400);
    assert_false(ship_lease_take("B", 1, 1, 1400 + SHIP_GRACE_MS - 1)); /* grace */
    assert_true(ship_lease_take("B", 1, 1, 1400 + SHIP_GRACE_MS));
    assert_false(ship_lease_take("A", 1, 1, 1400 + SHIP_GRACE_MS)); /* now A waits */
    ship_lease_release("B", 1, 5000);
    /* Two slots: two at once, a third waits. */
    assert_true(ship_lease_take("C", 1, 2, 10000));
    assert_true(ship_lease_take("D", 1, 2, 10000));
    assert_false(ship_lease_take("E", 1, 2, 10000));
    /* No limit. */
    assert_true(ship_lease_take("E", 1, 0, 10000));
    ship_lease_stats st;
    ship_lease_stats_read(&st);
    assert_int_equal(st.max_concurrent, 3);
    assert_int_equal(st.busy, 5);
    assert_int_equal(st.granted, 6);
    /* More replicas than the table holds: "no limit" still lets them in. */
    ship_lease_reset();
    char id[16];
    for (int i = 0; i < SHIP_LEASES + 5; i++) {
        int n = snprintf(id, sizeof id, "r%d", i);
        assert_true(ship_lease_take(id, (size_t)n, 0, 1));
    }
    /* A long name is cut, consistently for take and release. */
    ship_lease_reset();
    char longname[200];
    memset(longname, 'x', sizeof longname);
    assert_true(ship_lease_take(longname, sizeof longname, 1, 1));
    ship_lease_release(longname, sizeof longname, 2);
    assert_true(ship_lease_take(longname, sizeof longname, 1, 3 + SHIP_GRACE_MS));
    ship_lease_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_tcp),
        cmocka_unit_test(test_url_unix),
        cmocka_unit_test(test_url_bad),
        cmocka_unit_test(test_breaker),
        cmocka_unit_test(test_key_format),
        cmocka_unit_test(test_value_roundtrip),
        cmocka_unit_test(test_value_bad),
        cmocka_unit_test(test_singleflight),
        cmocka_unit_test(test_singleflight_threads),
        cmocka_unit_test(test_manifest_roundtrip),
        cmocka_unit_test(test_manifest_bad),
        cmocka_unit_test(test_ship_leases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
