/* Unit tests of the serving building blocks that have exact answers:
 * configuration value parsers, client addresses and X-Forwarded-For,
 * token-bucket arithmetic (time is passed in, so nothing here sleeps or
 * measures), the result cache (generations, TTL, LRU budget, references
 * outliving eviction), Accept-Encoding negotiation and compression round
 * trips, and the metrics' status slots and percentiles. The behaviour over
 * real HTTP is tested by tests/ops/test_*.py. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <brotli/decode.h>
#include <libdeflate.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "config/config.h"
#include "util/compress.h"
#include "util/netaddr.h"
#include "util/ratelimit.h"
#include "metrics/metrics.h"

/* ---- config parsers ----------------------------------------------------- */

static void test_parse_size(void **state)
{
    (void)state;
    uint64_t v;
    assert_true(config_parse_size("64k", &v) && v == 65536);
    assert_true(config_parse_size("256M", &v) && v == 256ull << 20);
    assert_true(config_parse_size("1.5G", &v) && v == 3ull << 29);
    assert_true(config_parse_size("0", &v) && v == 0);
    assert_true(config_parse_size("512kB", &v) && v == 512 << 10);
    assert_false(config_parse_size("-1", &v));
    assert_false(config_parse_size("12X", &v));
    assert_false(config_parse_size("", &v));
    assert_false(config_parse_size("k", &v));
}

static void test_parse_duration(void **state)
{
    (void)state;
    uint64_t v;
    assert_true(config_parse_duration("500ms", &v) && v == 500);
    assert_true(config_parse_duration("10", &v) && v == 10000);
    assert_true(config_parse_duration("2.5s", &v) && v == 2500);
    assert_true(config_parse_duration("5m", &v) && v == 300000);
    assert_true(config_parse_duration("1h", &v) && v == 3600000);
    assert_false(config_parse_duration("s", &v));
    assert_false(config_parse_duration("10 s", &v));
    assert_false(config_parse_duration("forever", &v));
    assert_false(config_parse_duration("-5s", &v));
}

static void test_parse_rate(void **state)
{
    (void)state;
    double r;
    assert_true(config_parse_rate("100/min", &r) && fabs(r - 100.0 / 60) < 1e-9);
    assert_true(config_parse_rate("5/s", &r) && r == 5);
    assert_true(config_parse_rate("3600/h", &r) && r == 1);
    assert_true(config_parse_rate("off", &r) && r == 0);
    assert_false(config_parse_rate("0/s", &r));
    assert_false(config_parse_rate("10/fortnight", &r));
    assert_false(config_parse_rate("lots", &r));
    assert_false(config_parse_rate("10", &r));
}

/* ---- addresses ---------------------------------------------------------- */

static netaddr A(const char *s)
{
    netaddr a;
    if (!netaddr_parse(s, strlen(s), &a))
        fail_msg("cannot parse %s", s);
    return a;
}

static void expect_client(const char *peer, const char *xff, const netaddr_list *trusted, const char *want)
{
    netaddr p = A(peer);
    netaddr c = netaddr_client(&p, xff, xff ? strlen(xff) : 0, trusted);
    char got[64];
    netaddr_format(&c, got);
    if (strcmp(got, want) != 0)
        fail_msg("peer %s, X-Forwarded-For '%s': client %s, want %s", peer, xff ? xff : "(none)", got, want);
}

static void test_netaddr(void **state)
{
    (void)state;
    netaddr a = A("127.0.0.1"), b = A("::ffff:127.0.0.1"), c = A("[::1]");
    assert_memory_equal(&a, &b, sizeof(a)); /* IPv4 and its mapped form are one client */
    char txt[64];
    netaddr_format(&a, txt);
    assert_string_equal(txt, "127.0.0.1");
    netaddr_format(&c, txt);
    assert_string_equal(txt, "::1");
    netaddr tmp;
    assert_false(netaddr_parse("300.1.1.1", 9, &tmp));
    assert_false(netaddr_parse("", 0, &tmp));

    netaddr_list l = {0};
    char bad[80];
    assert_true(netaddr_list_add(&l, "10.1.2.3/8, 192.168.0.1,fd00::/8", bad, sizeof(bad)));
    assert_int_equal(l.len, 3);
    netaddr in = A("10.200.0.9"), out = A("11.0.0.1"), host = A("192.168.0.1"), other = A("192.168.0.2"),
            v6 = A("fd12::1");
    assert_true(netaddr_list_has(&l, &in));
    assert_false(netaddr_list_has(&l, &out));
    assert_true(netaddr_list_has(&l, &host));
    assert_false(netaddr_list_has(&l, &other));
    assert_true(netaddr_list_has(&l, &v6));
    assert_false(netaddr_list_add(&l, "10.0.0.0/33", bad, sizeof(bad)));
    assert_string_equal(bad, "10.0.0.0/33");
    assert_false(netaddr_list_add(&l, "example.com", bad, sizeof(bad)));
    netaddr_list_free(&l);
}

static void test_forwarded_for(void **state)
{
    (void)state;
    netaddr_list none = {0}, t = {0};
    char bad[80];
    assert_true(netaddr_list_add(&t, "127.0.0.0/8,10.0.0.0/8", bad, sizeof(bad)));
    /* untrusted peers: the header is ignored */
    expect_client("203.0.113.5", "1.2.3.4", &t, "203.0.113.5");
    expect_client("127.0.0.1", "1.2.3.4", &none, "127.0.0.1");
    /* trusted peer: the rightmost untrusted entry */
    expect_client("127.0.0.1", "1.2.3.4", &t, "1.2.3.4");
    expect_client("127.0.0.1", "9.9.9.9, 1.2.3.4, 10.0.0.7", &t, "1.2.3.4");
    expect_client("127.0.0.1", " 2001:db8::1 ", &t, "2001:db8::1");
    /* all trusted: the leftmost one */
    expect_client("127.0.0.1", "10.0.0.1, 10.0.0.2", &t, "10.0.0.1");
    /* garbage stops the walk at the last good address */
    expect_client("127.0.0.1", "1.2.3.4, garbage", &t, "127.0.0.1");
    expect_client("127.0.0.1", "garbage, 1.2.3.4", &t, "1.2.3.4");
    expect_client("127.0.0.1", "", &t, "127.0.0.1");
    netaddr_list_free(&t);
}

/* ---- rate limiting ------------------------------------------------------ */

#define SEC 1000000000ull

static void test_token_bucket(void **state)
{
    (void)state;
    ratelimit_init(1.0, 3, 1000);
    netaddr ip = A("198.51.100.1"), other = A("198.51.100.2");
    ratelimit_result r;
    uint64_t t0 = 100 * SEC;
    for (unsigned i = 0; i < 3; i++) {
        ratelimit_take(&ip, t0, &r);
        assert_true(r.allowed);
        assert_int_equal(r.limit, 3);
        assert_int_equal(r.remaining, 2 - i);
        assert_int_equal(r.reset_s, i + 1);
    }
    ratelimit_take(&ip, t0, &r);
    assert_false(r.allowed);
    assert_int_equal(r.retry_after_s, 1);
    assert_int_equal(r.remaining, 0);
    /* another client is not affected */
    ratelimit_take(&other, t0, &r);
    assert_true(r.allowed);
    /* half a token later: still refused, one second after that: allowed */
    ratelimit_take(&ip, t0 + SEC / 2, &r);
    assert_false(r.allowed);
    ratelimit_take(&ip, t0 + SEC + SEC / 2, &r);
    assert_true(r.allowed);
    assert_int_equal(r.remaining, 0);
    /* refilled buckets are dropped by the sweep; partly empty ones are not */
    assert_int_equal(ratelimit_clients(), 2);
    assert_int_equal(ratelimit_sweep(t0 + 2 * SEC), 1);
    assert_int_equal(ratelimit_sweep(t0 + 10 * SEC), 0);
    /* a dropped bucket comes back full */
    ratelimit_take(&ip, t0 + 10 * SEC, &r);
    assert_true(r.allowed && r.remaining == 2);
    ratelimit_destroy();
}

static void test_bucket_memory_is_bounded(void **state)
{
    (void)state;
    ratelimit_init(0.001, 2, 64 * 16); /* 16 buckets a shard */
    ratelimit_result r;
    for (unsigned i = 0; i < 20000; i++) {
        char s[32];
        snprintf(s, sizeof(s), "10.%u.%u.%u", i >> 16 & 255, i >> 8 & 255, i & 255);
        netaddr ip = A(s);
        ratelimit_take(&ip, SEC + i, &r);
        assert_true(r.allowed); /* a new client always starts full */
        assert_true(ratelimit_clients() <= 64 * 16);
    }
    assert_int_equal(ratelimit_clients(), 64 * 16);
    ratelimit_destroy();
}

/* ---- the result cache --------------------------------------------------- */

static cache_entry *put(const char *key, uint64_t gen, uint64_t now, size_t body_len)
{
    char *body = malloc(body_len + 1);
    memset(body, 'x', body_len);
    cache_entry *e = cache_insert(key, strlen(key), gen, now, 200, "application/json", true, 7,
                                  cache_blob_new(body, body_len));
    free(body);
    return e;
}

static cache_entry *get(const char *key, uint64_t gen, uint64_t now)
{
    return cache_lookup(key, strlen(key), gen, now);
}

static void test_cache_generation_and_ttl(void **state)
{
    (void)state;
    cache_init(16 << 20, 1000);
    cache_entry *e = put("best|a", 1, 0, 100);
    assert_non_null(e);
    cache_release(e);
    e = get("best|a", 1, 999);
    assert_non_null(e);
    assert_int_equal(e->total, 7);
    assert_int_equal(cache_body(e, CACHE_IDENTITY)->len, 100);
    cache_release(e);
    assert_null(get("best|a", 2, 10));   /* another generation: a miss, and the entry is gone */
    assert_null(get("best|a", 1, 10));
    cache_release(put("best|b", 1, 0, 100));
    assert_null(get("best|b", 1, 1000)); /* expired */
    cache_stats st;
    cache_stats_read(&st);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.misses, 3);
    assert_int_equal(st.expired, 2);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.bytes, 0);
    cache_destroy();
}

static void test_cache_budget_and_references(void **state)
{
    (void)state;
    cache_init(16 * 8192, 60000); /* 8 KB a shard, entries up to 1 KB */
    cache_entry *held = put("held", 1, 0, 500);
    assert_non_null(held);
    for (int i = 0; i < 2000; i++) {
        char k[32];
        snprintf(k, sizeof(k), "k%d", i);
        cache_entry *e = put(k, 1, 1, 500);
        if (e != NULL)
            cache_release(e);
    }
    cache_stats st;
    cache_stats_read(&st);
    assert_true(st.bytes <= 16 * 8192);
    assert_true(st.evictions > 0);
    assert_true(st.entries < 2000);
    /* the held entry was evicted from the table but is still whole (ASan checks) */
    assert_int_equal(cache_body(held, CACHE_IDENTITY)->len, 500);
    assert_int_equal(cache_body(held, CACHE_IDENTITY)->data[499], 'x');
    cache_release(held);
    /* too big for a shard's 1/8: refused, not cached */
    assert_null(put("big", 1, 2, 4000));
    cache_stats_read(&st);
    assert_int_equal(st.rejected, 1);
    /* the most recently used survive */
    cache_release(put("recent", 1, 3, 100));
    cache_entry *e = get("recent", 1, 4);
    assert_non_null(e);
    /* a second encoding added twice: the first one stays */
    cache_blob *g1 = cache_blob_new("gz1", 3), *g2 = cache_blob_new("gz2", 3);
    assert_ptr_equal(cache_add_body(e, CACHE_GZIP, g1), g1);
    assert_ptr_equal(cache_add_body(e, CACHE_GZIP, g2), g1);
    cache_release(e);
    cache_clear();
    cache_stats_read(&st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.bytes, 0);
    cache_destroy();
}

/* ---- compression -------------------------------------------------------- */

static cache_encoding neg(const char *ae, size_t len, bool once)
{
    return compress_negotiate(ae, ae ? strlen(ae) : 0, len, once);
}

static void test_negotiation(void **state)
{
    (void)state;
    compress_init(true, 1, true, 5, 1024);
    assert_int_equal(neg(NULL, 5000, true), CACHE_IDENTITY);
    assert_int_equal(neg("gzip", 5000, true), CACHE_GZIP);
    assert_int_equal(neg("gzip", 1000, true), CACHE_IDENTITY); /* below --compress-min */
    assert_int_equal(neg("br", 5000, false), CACHE_BR);
    assert_int_equal(neg("gzip, deflate, br", 5000, true), CACHE_BR);   /* kept: ratio wins */
    assert_int_equal(neg("gzip, deflate, br", 5000, false), CACHE_GZIP); /* per request: speed wins */
    assert_int_equal(neg("br;q=1, gzip;q=0.5", 5000, false), CACHE_BR);
    assert_int_equal(neg("br;q=0.2, GZIP;Q=0.9", 5000, true), CACHE_GZIP);
    assert_int_equal(neg("gzip;q=0", 5000, true), CACHE_IDENTITY);
    assert_int_equal(neg("gzip;q=0.000", 5000, true), CACHE_IDENTITY);
    assert_int_equal(neg("*", 5000, false), CACHE_GZIP);
    assert_int_equal(neg("*;q=0, identity", 5000, false), CACHE_IDENTITY);
    assert_int_equal(neg("x-gzip", 5000, false), CACHE_GZIP);
    assert_int_equal(neg("identity", 5000, false), CACHE_IDENTITY);
    assert_int_equal(neg("gzip;q=abc", 5000, false), CACHE_IDENTITY);
    assert_int_equal(neg("compress, deflate", 5000, false), CACHE_IDENTITY);
    compress_init(false, 1, true, 5, 1024);
    assert_int_equal(neg("gzip", 5000, false), CACHE_IDENTITY);
    compress_init(true, 1, false, 5, 1024);
    assert_int_equal(neg("br", 5000, false), CACHE_IDENTITY);
    assert_true(compress_applies("application/json", 5000));
    assert_true(compress_applies("text/html; charset=utf-8", 5000));
    assert_false(compress_applies("image/png", 5000));
    assert_false(compress_applies("application/json", 100));
}

static void test_round_trip(void **state)
{
    (void)state;
    compress_init(true, 1, true, 5, 1024);
    size_t n = 100000;
    char *in = malloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = "{\"hotel\":{\"id\":123,\"name\":\"Hotel\"},\"minPrice\":999},"[i % 50];
    char *out = malloc(n);
    for (int once = 0; once < 2; once++) {
        cache_blob *gz = compress_body(CACHE_GZIP, in, n, once);
        assert_non_null(gz);
        assert_true(gz->len < n / 10);
        struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
        size_t got = 0;
        assert_int_equal(libdeflate_gzip_decompress(d, gz->data, gz->len, out, n, &got), LIBDEFLATE_SUCCESS);
        libdeflate_free_decompressor(d);
        assert_int_equal(got, n);
        assert_memory_equal(out, in, n);
        free(gz);
        cache_blob *br = compress_body(CACHE_BR, in, n, once);
        assert_non_null(br);
        size_t outlen = n;
        assert_int_equal(BrotliDecoderDecompress(br->len, (const uint8_t *)br->data, &outlen, (uint8_t *)out),
                         BROTLI_DECODER_RESULT_SUCCESS);
        assert_int_equal(outlen, n);
        assert_memory_equal(out, in, n);
        free(br);
    }
    /* incompressible input: no compressed form */
    for (size_t i = 0; i < n; i++)
        in[i] = (char)(rand() & 0xff);
    assert_null(compress_body(CACHE_GZIP, in, n, false));
    free(in);
    free(out);
    compress_thread_done();
}

/* ---- metrics ------------------------------------------------------------ */

static void test_status_slots(void **state)
{
    (void)state;
    assert_string_equal(metrics_status_label(metrics_status_slot(200)), "200");
    assert_string_equal(metrics_status_label(metrics_status_slot(429)), "429");
    assert_string_equal(metrics_status_label(metrics_status_slot(299)), "2xx");
    assert_string_equal(metrics_status_label(metrics_status_slot(418)), "4xx");
    assert_string_equal(metrics_status_label(metrics_status_slot(599)), "5xx");
    assert_string_equal(metrics_status_label(metrics_status_slot(99)), "1xx");
    assert_string_equal(api_route_name(ROUTE_HOTEL_OFFERS), "hotelOffers");
    assert_string_equal(api_route_name(ROUTE_COUNT), "other");
}

static void test_percentiles(void **state)
{
    (void)state;
    metrics_init(2, 60);
    /* 1..1000 ms, spread over two threads' shards, 10 of them 5xx */
    for (unsigned i = 1; i <= 1000; i++)
        metrics_record(metrics_shard_get(i % 2), ROUTE_BEST_OFFERS, i % 100 == 0 ? 503 : 200,
                       (uint64_t)i * 1000000, 10);
    metrics_record(metrics_shard_get(0), ROUTE_ADMIN, 200, 30000000000ull, 0); /* left out of "all" */
    metrics_window w;
    metrics_window_read(&w);
    const metrics_window_route *r = &w.route[ROUTE_BEST_OFFERS];
    assert_int_equal(r->count, 1000);
    assert_int_equal(r->errors, 10);
    assert_true(fabs(r->p50 - 500) / 500 < 0.13);
    assert_true(fabs(r->p95 - 950) / 950 < 0.13);
    assert_true(fabs(r->p99 - 990) / 990 < 0.13);
    assert_int_equal(w.all.count, 1000);
    assert_true(w.all.p99 < 1200);
    /* the window moves: after a tick the same data is still in it */
    metrics_tick();
    metrics_window_read(&w);
    assert_int_equal(w.route[ROUTE_BEST_OFFERS].count, 1000);
    metrics_totals t;
    metrics_totals_read(&t);
    assert_int_equal(t.bytes_out, 10000);
    uint64_t in_buckets = 0;
    for (int k = 0; k < METRICS_PROM_BUCKETS; k++)
        in_buckets += t.prom[ROUTE_BEST_OFFERS][k];
    assert_int_equal(in_buckets, 1000); /* all within 5 s */
    assert_int_equal(t.prom[ROUTE_BEST_OFFERS][3], 1); /* le=0.001: exactly the 1 ms one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_parse_duration),
        cmocka_unit_test(test_parse_rate),
        cmocka_unit_test(test_netaddr),
        cmocka_unit_test(test_forwarded_for),
        cmocka_unit_test(test_token_bucket),
        cmocka_unit_test(test_bucket_memory_is_bounded),
        cmocka_unit_test(test_cache_generation_and_ttl),
        cmocka_unit_test(test_cache_budget_and_references),
        cmocka_unit_test(test_negotiation),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_status_slots),
        cmocka_unit_test(test_percentiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
