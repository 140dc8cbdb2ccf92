/* Unit tests of api/api (the route table, cache keys, routing, errors, health, OpenAPI) and the JSON it
 * renders (render.c), called directly without HTTP on a small imported
 * store: both route prefixes, the official client's keys, datetimes as
 * written, bestOffersByHotel paging and sorting, and hotel-offer paging by
 * cursor until the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "testutil.h"
#include "util/clock.h"
#include "vocab/vocab.h"

#define LIT(s) (s), (sizeof(s) - 1)

static char *kept[64]; /* strings freed at the end or when their slot is reused */
static int kept_k;

static char *dir;
static store_t *S;

#define SEARCH "earliestDepartureDate=2023-07-01&latestReturnDate=2023-08-31&duration=7&countAdults=2&countChildren=0"

static int setup(void **state)
{
    (void)state;
    dir = tu_mkdtemp("api");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    /* hotel 1: eight matching offers, with equal prices on different days and times */
    tu_offer(&b, 1, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 900, "HAM", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 1, "2023-07-12", "10:00", "2023-07-19", "12:00", 2, 0, 500, "HAM", "HALFBOARD", true, "SUITE");
    tu_offer(&b, 1, "2023-07-05", "18:00", "2023-07-12", "12:00", 2, 0, 500, "MUC", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 1, "2023-07-05", "07:00", "2023-07-12", "12:00", 2, 0, 500, "MUC", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 1, "2023-08-01", "10:00", "2023-08-08", "12:00", 2, 0, 650, "STR", "NONE", false, "STUDIO");
    tu_offer(&b, 1, "2023-08-20", "10:00", "2023-08-27", "12:00", 2, 0, 1400, "HAM", "NONE", true, "STUDIO");
    tu_offer(&b, 1, "2023-07-01", "10:00", "2023-07-08", "12:00", 2, 0, 1200, "HAM", "NONE", false, "DOUBLE");
    /* overnight outbound flight and a 00:00 placeholder inbound time */
    BUF_LIT(&b, "\"1\",\"2023-07-20T23:30:00+00:00\",\"2023-07-27T00:00:00+00:00\",\"2\",\"0\",\"777\",\"PMI\","
                "\"PMI\",\"2023-07-27T19:30:00+00:00\",\"HAM\",\"HAM\",\"2023-07-21T01:45:00+00:00\","
                "\"ALLINCLUSIVE\",\"false\",\"DOUBLE\"\n");
    /* not matching: other group, other dates */
    tu_offer(&b, 1, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 1, 100, "HAM", "NONE", false, "DOUBLE");
    tu_offer(&b, 1, "2023-09-10", "10:00", "2023-09-17", "12:00", 2, 0, 100, "HAM", "NONE", false, "DOUBLE");
    /* other hotels */
    tu_offer(&b, 9, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 450, "HAM", "NONE", false, "DOUBLE");
    tu_offer(&b, 10, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 300, "HAM", "NONE", false, "DOUBLE");
    tu_offer(&b, 7777, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 350, "HAM", "NONE", false, "DOUBLE");
    S = tu_build_store(dir, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_release(S);
    for (int i = 0; i < 64; i++)
        free(kept[i]);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

/* Bodies handed out by get()/body_of(), freed when their slot is reused or
 * at the end, so a failing assertion does not leak them. */

static char *keep(char *p)
{
    kept_k = (kept_k + 1) % 64;
    free(kept[kept_k]);
    kept[kept_k] = p;
    return p;
}

/* The body as a string (owned by `kept`); the response's buffer is freed. */
static char *body_of(api_response *res)
{
    char *b = tu_body(res);
    api_response_free(res);
    return keep(b);
}

/* GET path?query; returns the body (see body_of) and fills *res. */
static char *get(const char *path, const char *query, api_response *res)
{
    tu_api(S, "GET", path, query, res);
    return body_of(res);
}

static int status_of(const char *method, const char *path, const char *query)
{
    api_response r;
    tu_api(S, method, path, query, &r);
    int st = r.status;
    api_response_free(&r);
    return st;
}

static void expect_error(const char *path, const char *query, int status, const char *code)
{
    api_response r;
    char *body = get(path, query, &r);
    if (r.status != status)
        fail_msg("%s?%s: status %d, want %d (%s)", path, query ? query : "", r.status, status, body);
    char want[128];
    snprintf(want, sizeof want, "{\"error\":{\"code\":\"%s\"", code);
    if (strncmp(body, want, strlen(want)) != 0)
        fail_msg("%s: body %s, want code %s", path, body, code);
    assert_string_equal(r.content_type, "application/json");
    api_response_free(&r);
}

static void test_best_offers_both_prefixes(void **state)
{
    (void)state;
    api_response a, b;
    char *ba = get("/bestOffersByHotel", SEARCH, &a);
    char *bb = get("/api/bestOffersByHotel", SEARCH, &b);
    assert_int_equal(a.status, 200);
    assert_int_equal(b.status, 200);
    assert_string_equal(a.content_type, "application/json");
    assert_string_equal(ba, bb);
    assert_true(a.has_total);
    assert_int_equal(a.total, 4);
    assert_int_equal(ba[0], '[');
    assert_int_equal(ba[strlen(ba) - 1], ']');
    assert_int_equal(tu_count(ba, "\"minPrice\":"), 4);
    api_response_free(&a);
    api_response_free(&b);
}

static void test_best_offer_fields(void **state)
{
    (void)state;
    api_response r;
    char *body = get("/bestOffersByHotel", SEARCH, &r);
    /* order: minPrice 300 (10), 350 (7777), 450 (9), 500 (1) */
    const char *p = body;
    static const long long order[] = {10, 7777, 9, 1};
    for (int i = 0; i < 4; i++) {
        p = tu_key(p, "hotel");
        assert_non_null(p);
        assert_int_equal(tu_num(p, "id"), order[i]);
        p++;
    }
    const char *h1 = strstr(body, "{\"hotel\":{\"id\":1,");
    assert_non_null(h1);
    char v[128];
    assert_non_null(tu_str(h1, "name", v, sizeof v));
    assert_string_equal(v, "Iberostar Playa de Muro");
    assert_int_equal(tu_num(h1, "stars"), 4);
    assert_int_equal(tu_num(h1, "minPrice"), 500);
    /* the cheapest offer with the earliest departure: 5 July */
    assert_non_null(tu_str(h1, "departureDate", v, sizeof v));
    assert_string_equal(v, "2023-07-05");
    assert_non_null(tu_str(h1, "returnDate", v, sizeof v));
    assert_string_equal(v, "2023-07-12");
    assert_non_null(tu_str(h1, "roomType", v, sizeof v));
    assert_string_equal(v, "DOUBLE");
    assert_non_null(tu_str(h1, "mealType", v, sizeof v));
    assert_string_equal(v, "BREAKFAST");
    assert_non_null(strstr(h1, "\"oceanView\":false"));
    assert_int_equal(tu_num(h1, "countAdults"), 2);
    assert_int_equal(tu_num(h1, "countChildren"), 0);
    assert_int_equal(tu_num(h1, "duration"), 7);
    assert_int_equal(tu_num(h1, "countAvailableOffers"), 8);
    /* the unknown hotel */
    const char *h7 = strstr(body, "{\"hotel\":{\"id\":7777,");
    assert_non_null(h7);
    assert_int_equal(tu_num(h7, "stars"), 0);
    assert_non_null(tu_str(h7, "name", v, sizeof v));
    assert_true(strlen(v) > 0);
    /* stars with a fraction print as such; whole ones as integers */
    assert_non_null(strstr(body, "\"stars\":5,\"destination\":\"PMI\"}"));
    api_response_free(&r);

    /* filters reach the query */
    body = get("/bestOffersByHotel", SEARCH "&departureAirports=MUC,STR", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.total, 1);
    assert_int_equal(tu_num(body, "countAvailableOffers"), 3);
    api_response_free(&r);
    body = get("/bestOffersByHotel", SEARCH "&oceanView=true", &r);
    assert_int_equal(r.total, 1);
    assert_int_equal(tu_num(body, "minPrice"), 500);
    assert_int_equal(tu_num(body, "countAvailableOffers"), 2);
    assert_non_null(strstr(body, "\"oceanView\":true"));
    api_response_free(&r);
    body = get("/bestOffersByHotel", SEARCH "&departureAirports=FRA", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body, "[]");
    assert_int_equal(r.total, 0);
    api_response_free(&r);
}

static void test_best_offers_paging_and_sort(void **state)
{
    (void)state;
    api_response r;
    char *body = get("/bestOffersByHotel", SEARCH "&limit=2&offset=1", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.total, 4);
    assert_int_equal(tu_count(body, "\"minPrice\":"), 2);
    assert_int_equal(tu_num(tu_key(body, "hotel"), "id"), 7777);
    api_response_free(&r);

    body = get("/bestOffersByHotel", SEARCH "&offset=10", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body, "[]");
    assert_int_equal(r.total, 4);
    api_response_free(&r);

    body = get("/bestOffersByHotel", SEARCH "&sort=stars", &r);
    assert_int_equal(tu_num(tu_key(body, "hotel"), "id"), 9); /* 5 stars */
    api_response_free(&r);
    body = get("/bestOffersByHotel", SEARCH "&sort=name&limit=1", &r);
    assert_int_equal(tu_num(tu_key(body, "hotel"), "id"), 10); /* "Bon Aire Apartments" */
    assert_int_equal(r.total, 4);
    api_response_free(&r);
}

/* Offsets of the items of a bestOffersByHotel body: each starts with
 * {"hotel": (a name cannot hold that unescaped). */
static size_t item_starts(const char *body, const char **at, size_t cap)
{
    size_t n = 0;
    for (const char *p = strstr(body, "{\"hotel\":"); p && n < cap; p = strstr(p + 1, "{\"hotel\":"))
        at[n++] = p;
    return n;
}

/* A page (limit, offset) of an answer far larger than the page is the same
 * slice of the full answer, in every order: with prices drawn from a few
 * values and real hotels' stars and names there are ties for every order
 * to break. The answer has 120 hotels, so pages take the selection path
 * of query/order.c, and the full answer the sort. */
static void test_best_offers_pages_are_slices(void **state)
{
    (void)state;
    char *d = tu_mkdtemp("api-pages");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    for (unsigned h = 1; h <= 120; h++)
        tu_offer(&b, h, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 100 + h * 7919 % 5 * 10, "HAM", "NONE",
                 false, "DOUBLE");
    store_t *s = tu_build_store(d, b.data, b.len);
    buf_free(&b);
    static const char *sorts[] = {"", "&sort=price", "&sort=stars", "&sort=name"};
    static const size_t limits[] = {1, 3, 7, 20};
    for (size_t si = 0; si < 4; si++) {
        char qs[512];
        api_response full, page;
        snprintf(qs, sizeof qs, SEARCH "%s", sorts[si]);
        tu_api(s, "GET", "/bestOffersByHotel", qs, &full);
        char *fb = tu_body(&full);
        assert_int_equal(full.total, 120);
        const char *at[130];
        assert_int_equal(item_starts(fb, at, 130), 120);
        at[120] = fb + strlen(fb) - 1; /* the closing ] */
        for (size_t li = 0; li < 4; li++)
            for (size_t off = 0; off <= 121; off += 1 + off / 8) {
                snprintf(qs, sizeof qs, SEARCH "%s&limit=%zu&offset=%zu", sorts[si], limits[li], off);
                tu_api(s, "GET", "/bestOffersByHotel", qs, &page);
                char *pb = tu_body(&page);
                assert_int_equal(page.status, 200);
                assert_int_equal(page.total, 120);
                size_t from = off < 120 ? off : 120, to = from + limits[li] < 120 ? from + limits[li] : 120;
                size_t len = from < to ? (size_t)(at[to] - at[from]) - (to < 120) : 0; /* without the comma */
                if (strlen(pb) != len + 2 || strncmp(pb + 1, at[from], len) != 0)
                    fail_msg("%s: page differs from items [%zu, %zu) of the full answer", qs, from, to);
                free(pb);
                api_response_free(&page);
            }
        free(fb);
        api_response_free(&full);
    }
    store_release(s);
    tu_rmtree(d);
    free(d);
}

static void test_hotel_offers_route_and_keys(void **state)
{
    (void)state;
    api_response a, b;
    char *ba = get("/hotels/1/offers", SEARCH, &a);
    char *bb = get("/api/hotels/1/offers", SEARCH, &b);
    assert_int_equal(a.status, 200);
    assert_string_equal(ba, bb);
    const char *prefix = "{\"hotel\":{\"id\":1,\"name\":\"Iberostar Playa de Muro\",\"stars\":4,\"destination\":\"PMI\"},\"items\":[";
    assert_true(strncmp(ba, prefix, strlen(prefix)) == 0);
    assert_int_equal(tu_num(ba, "total"), 8);
    assert_non_null(strstr(ba, "\"nextCursor\":null"));
    size_t n = tu_count(ba, "{\"price\":");
    assert_int_equal(n, 8);
    assert_int_equal(tu_count(ba, "\"outbundDepartureDatetime\":"), n);
    assert_int_equal(tu_count(ba, "\"outboundDepartureDatetime\":"), n);
    static const char *keys[] = {"countAdults", "countChildren", "inboundDepartureAirport",
                                 "inboundDepartureDatetime", "inboundArrivalAirport", "inboundArrivalDatetime",
                                 "outboundDepartureAirport", "outboundArrivalAirport", "outboundArrivalDatetime",
                                 "mealType", "oceanView", "roomType"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        char pat[64];
        snprintf(pat, sizeof pat, "\"%s\":", keys[k]);
        if (tu_count(ba, pat) != n)
            fail_msg("key %s appears %zu times, want %zu", keys[k], tu_count(ba, pat), n);
    }
    /* both spellings carry the same value, item by item */
    for (const char *p = ba; (p = strstr(p, "{\"price\":")); p++) {
        char good[64], sic[64];
        assert_non_null(tu_str(p, "outboundDepartureDatetime", good, sizeof good));
        assert_non_null(tu_str(p, "outbundDepartureDatetime", sic, sizeof sic));
        assert_string_equal(good, sic);
    }
    api_response_free(&a);
    api_response_free(&b);
}

/* The first offers in order, and datetimes exactly as the dump wrote them. */
static void test_hotel_offers_order_and_datetimes(void **state)
{
    (void)state;
    api_response r;
    char *body = get("/hotels/1/offers", SEARCH, &r);
    static const struct {
        long long price;
        const char *dep;
    } want[] = {
        {500, "2023-07-05T07:00:00+00:00"}, {500, "2023-07-05T18:00:00+00:00"},
        {500, "2023-07-12T10:00:00+00:00"}, {650, "2023-08-01T10:00:00+00:00"},
        {777, "2023-07-20T23:30:00+00:00"}, {900, "2023-07-10T10:00:00+00:00"},
        {1200, "2023-07-01T10:00:00+00:00"}, {1400, "2023-08-20T10:00:00+00:00"},
    };
    const char *p = body;
    for (size_t i = 0; i < 8; i++) {
        p = strstr(p, "{\"price\":");
        assert_non_null(p);
        char dep[64];
        assert_int_equal(tu_num(p, "price"), want[i].price);
        assert_non_null(tu_str(p, "outboundDepartureDatetime", dep, sizeof dep));
        if (strcmp(dep, want[i].dep))
            fail_msg("item %zu: departure %s, want %s", i, dep, want[i].dep);
        p++;
    }
    const char *o = strstr(body, "{\"price\":777,");
    assert_non_null(o);
    char v[64];
    assert_non_null(tu_str(o, "outboundArrivalDatetime", v, sizeof v));
    assert_string_equal(v, "2023-07-21T01:45:00+00:00");
    assert_non_null(tu_str(o, "inboundDepartureDatetime", v, sizeof v));
    assert_string_equal(v, "2023-07-27T00:00:00+00:00");
    assert_non_null(tu_str(o, "inboundArrivalDatetime", v, sizeof v));
    assert_string_equal(v, "2023-07-27T19:30:00+00:00");
    assert_non_null(tu_str(o, "outboundDepartureAirport", v, sizeof v));
    assert_string_equal(v, "HAM");
    assert_non_null(tu_str(o, "outboundArrivalAirport", v, sizeof v));
    assert_string_equal(v, "PMI");
    assert_non_null(tu_str(o, "mealType", v, sizeof v));
    assert_string_equal(v, "ALLINCLUSIVE");
    assert_int_equal(tu_num(o, "countAdults"), 2);
    api_response_free(&r);
}

/* limit=1: follow nextCursor to the end; the pages concatenate to the
 * limit=1000 answer and total stays the same. */
static void test_hotel_offers_cursor_paging(void **state)
{
    (void)state;
    api_response r;
    char *full = get("/hotels/1/offers", SEARCH "&limit=1000", &r);
    assert_int_equal(r.status, 200);
    api_response_free(&r);
    const char *items = strstr(full, "\"items\":[");
    const char *items_end = strstr(full, "],\"total\":");
    assert_non_null(items);
    assert_non_null(items_end);
    items += 9;

    buf_t joined = {0};
    char cursor[128] = "";
    int pages = 0;
    for (;;) {
        char qs[512];
        if (cursor[0])
            snprintf(qs, sizeof qs, SEARCH "&limit=1&cursor=%s", cursor);
        else
            snprintf(qs, sizeof qs, SEARCH "&limit=1");
        char *page = get("/hotels/1/offers", qs, &r);
        if (r.status != 200)
            fail_msg("page %d: %d %s", pages, r.status, page);
        api_response_free(&r);
        assert_int_equal(tu_num(page, "total"), 8);
        const char *pi = strstr(page, "\"items\":[") + 9, *pe = strstr(page, "],\"total\":");
        if (pe > pi) {
            if (joined.len)
                buf_putc(&joined, ',');
            buf_put(&joined, pi, (size_t)(pe - pi));
        }
        assert_true(tu_count(page, "{\"price\":") <= 1);
        pages++;
        bool more = tu_str(page, "nextCursor", cursor, sizeof cursor) != NULL;
        if (!more)
            assert_non_null(strstr(page, "\"nextCursor\":null"));
        if (!more || pages > 20)
            break;
    }
    assert_int_equal(pages, 8);
    buf_putc(&joined, 0);
    size_t full_len = (size_t)(items_end - items);
    if (joined.len - 1 != full_len || memcmp(joined.data, items, full_len) != 0)
        fail_msg("pages differ from the full list:\n%s\n%.*s", joined.data, (int)full_len, items);
    buf_free(&joined);

    /* pages of 3: 3 + 3 + 2 */
    char *p1 = get("/hotels/1/offers", SEARCH "&limit=3", &r);
    api_response_free(&r);
    assert_int_equal(tu_count(p1, "{\"price\":"), 3);
    assert_non_null(tu_str(p1, "nextCursor", cursor, sizeof cursor));
    char qs[512];
    snprintf(qs, sizeof qs, SEARCH "&limit=3&cursor=%s", cursor);
    char *p2 = get("/hotels/1/offers", qs, &r);
    api_response_free(&r);
    assert_int_equal(tu_count(p2, "{\"price\":"), 3);
    /* the cursor belongs to its search */
    snprintf(qs, sizeof qs, SEARCH "&limit=3&mealType=NONE&cursor=%s", cursor);
    expect_error("/hotels/1/offers", qs, 400, "invalid_cursor");
}

static void test_hotel_route(void **state)
{
    (void)state;
    api_response r;
    char *body = get("/api/hotels/9", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(body, "{\"id\":9,\"name\":\"Bonsol Hotel Resort & Spa\",\"stars\":5,\"destination\":\"PMI\",\"placeholder\":false}");
    api_response_free(&r);
    body = get("/api/hotels/7777", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(body, "\"placeholder\":true"));
    api_response_free(&r);
    /* only under /api */
    assert_int_equal(status_of("GET", "/hotels/9", NULL), 404);
}

static void test_errors_and_methods(void **state)
{
    (void)state;
    expect_error("/nope", NULL, 404, "not_found");
    expect_error("/api/nope", NULL, 404, "not_found");
    expect_error("/", NULL, 404, "not_found");
    expect_error("/hotels/1/offers/extra", SEARCH, 404, "not_found");
    expect_error("/hotels/", NULL, 404, "not_found");
    expect_error("/health", NULL, 404, "not_found");
    /* the HTTP layer's endpoints are not the API's */
    expect_error("/api/stats", NULL, 404, "not_found");
    expect_error("/metrics", NULL, 404, "not_found");
    expect_error("/api/health/live", NULL, 404, "not_found");
    expect_error("/bestOffersByHotel/", SEARCH, 404, "not_found");
    expect_error("/hotels/abc/offers", SEARCH, 400, "invalid_parameter");
    expect_error("/hotels/-1/offers", SEARCH, 400, "invalid_parameter");
    expect_error("/hotels/12345678901/offers", SEARCH, 400, "invalid_parameter");
    expect_error("/hotels//offers", SEARCH, 400, "invalid_parameter");
    expect_error("/api/hotels/abc", NULL, 400, "invalid_parameter");
    expect_error("/hotels/999/offers", SEARCH, 404, "hotel_not_found");
    expect_error("/api/hotels/4294967295", NULL, 404, "hotel_not_found");
    expect_error("/bestOffersByHotel", "duration=7", 400, "missing_parameter");
    expect_error("/hotels/1/offers", "duration=x", 400, "invalid_parameter");

    api_response r;
    char *body;
    tu_api(S, "POST", "/bestOffersByHotel", SEARCH, &r);
    body = body_of(&r);
    assert_int_equal(r.status, 405);
    assert_non_null(r.allow);
    assert_non_null(strstr(r.allow, "GET"));
    assert_non_null(strstr(body, "method_not_allowed"));
    api_response_free(&r);
    tu_api(S, "DELETE", "/api/hotels/1", NULL, &r);
    assert_int_equal(r.status, 405);
    assert_non_null(r.allow);
    api_response_free(&r);
    assert_int_equal(status_of("PUT", "/openapi", NULL), 405);
    assert_int_equal(status_of("POST", "/nope", NULL), 404);
    assert_int_equal(status_of("get", "/api/health", NULL), 405); /* methods are case-sensitive */
    assert_int_equal(status_of("HEAD", "/bestOffersByHotel", SEARCH), 200);
}

/* The route table: every path form reaches its route, with the {id} segment
 * and the row's flags; aliases share the id; what the HTTP layer serves is
 * marked so. */
static void test_route_table(void **state)
{
    (void)state;
    api_match m;
    assert_true(api_route_match(LIT("/bestOffersByHotel"), &m));
    assert_int_equal(m.route, ROUTE_BEST_OFFERS);
    assert_true(m.flags & RF_CACHEABLE);
    assert_true(api_route_match(LIT("/api/bestOffersByHotel"), &m));
    assert_int_equal(m.route, ROUTE_BEST_OFFERS);
    assert_true(api_route_match(LIT("/hotels/42/offers"), &m));
    assert_int_equal(m.route, ROUTE_HOTEL_OFFERS);
    assert_int_equal(m.id_len, 2);
    assert_memory_equal(m.id, "42", 2);
    assert_true(api_route_match(LIT("/api/hotels/42"), &m));
    assert_int_equal(m.route, ROUTE_HOTEL);
    assert_false(api_route_match(LIT("/hotels/42"), &m)); /* only under /api */
    assert_int_equal(m.route, ROUTE_OTHER);
    assert_false(api_route_match(LIT("/api/hotels/"), &m));
    assert_true(api_route_match(LIT("/hotels//offers"), &m)); /* a bad id, not a bad path */
    assert_int_equal(m.id_len, 0);
    assert_true(api_route_match(LIT("/openapi.json"), &m));
    assert_int_equal(m.route, ROUTE_OPENAPI);
    assert_true(api_route_match(LIT("/api/health/ready"), &m));
    assert_int_equal(m.route, ROUTE_HEALTH);
    assert_false(m.flags & RF_HTTP);
    assert_true(api_route_match(LIT("/api/health/live"), &m));
    assert_int_equal(m.route, ROUTE_HEALTH);
    assert_true(m.flags & RF_HTTP);
    assert_true(api_route_match(LIT("/metrics"), &m));
    assert_int_equal(m.route, ROUTE_METRICS);
    assert_true(m.flags & RF_UNLIMITED);
    assert_true(m.flags & RF_HTTP);
    assert_true(api_route_match(LIT("/api/stats"), &m));
    assert_true(m.flags & RF_HTTP);
    assert_false(api_route_match(LIT("/api/metrics"), &m));
    assert_false(api_route_match(LIT("/index.html"), &m));
    assert_false(api_route_match(LIT("/api/health/x"), &m));
    assert_string_equal(api_route_name(ROUTE_CALENDAR), "calendar");
    assert_true(api_route_flags(ROUTE_CALENDAR) & RF_SEARCH);
    assert_true(api_route_flags(ROUTE_ADMIN) & RF_NOT_SERVICE);
}

static bool key_of(const char *path, const char *query, buf_t *key)
{
    api_request req = {0};
    req.method = "GET", req.method_len = 3;
    req.path = path, req.path_len = strlen(path);
    req.query = query ? query : "", req.query_len = query ? strlen(query) : 0;
    api_match m;
    api_response res;
    api_call c;
    key->len = 0;
    if (!api_route_match(req.path, req.path_len, &m))
        return false;
    api_prepare(S, NULL, &req, &m, &c, &res);
    bool ok = api_call_key(&c, key);
    api_response_free(&res);
    if (ok)
        buf_putc(key, '\0');
    return ok;
}

/* One search in any spelling has one key; other searches, routes and
 * hotels have others; what does not parse or is not cacheable has none. */
static void test_cache_key(void **state)
{
    (void)state;
    buf_t a = {0}, b = {0};
    assert_true(key_of("/bestOffersByHotel", SEARCH, &a));
    assert_true(key_of("/api/bestOffersByHotel", SEARCH, &b));
    assert_string_equal(a.data, b.data);
    assert_true(key_of("/api/bestOffersByHotel",
                       "_=123&countChildren=0&countAdults=2&duration=7&latestReturnDate=2023-08-31"
                       "&earliestDepartureDate=2023-07-01",
                       &b));
    assert_string_equal(a.data, b.data);
    assert_true(key_of("/hotels/1/offers", SEARCH, &b));
    assert_string_not_equal(a.data, b.data);
    assert_true(key_of("/api/hotels/1", NULL, &a));
    assert_true(key_of("/api/hotels/9", NULL, &b));
    assert_string_not_equal(a.data, b.data);
    assert_false(key_of("/api/hotels/1", "x=1", &a));          /* a query on a route without one */
    assert_false(key_of("/api/hotels/999", NULL, &a));         /* not found */
    assert_false(key_of("/bestOffersByHotel", "duration=7", &a)); /* does not parse */
    assert_false(key_of("/api/priceCalendar", NULL, &a));      /* not cacheable */
    assert_false(key_of("/api/health", NULL, &a));
    buf_free(&a);
    buf_free(&b);
}

static void test_health(void **state)
{
    (void)state;
    api_response r;
    char *body = get("/api/health", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(body, "\"status\":\"ok\""));
    assert_int_equal(tu_num(body, "generation"), 1);
    assert_int_equal(tu_num(body, "offers"), 13);
    assert_int_equal(tu_num(body, "imported"), 13);
    assert_int_equal(tu_num(body, "unknownHotelRows"), 1);
    api_response_free(&r);

    /* no store: health 503, searches 503, OpenAPI still served */
    api_request req = {0};
    req.method = "GET", req.method_len = 3;
    req.path = "/api/health", req.path_len = strlen(req.path);
    req.query = "", req.query_len = 0;
    api_env env = {.started_unix_ms = clock_unix_ms()};
    api_handle(NULL, &env, &req, &r);
    assert_int_equal(r.status, 503);
    body = body_of(&r);
    assert_non_null(strstr(body, "\"generation\":null"));
    api_response_free(&r);
    api_handle(NULL, NULL, &req, &r); /* no env either */
    assert_int_equal(r.status, 503);
    api_response_free(&r);
    static const char *paths[] = {"/bestOffersByHotel", "/api/bestOffersByHotel", "/hotels/1/offers",
                                  "/api/hotels/1"};
    for (size_t i = 0; i < 4; i++) {
        req.path = paths[i], req.path_len = strlen(paths[i]);
        req.query = SEARCH, req.query_len = strlen(SEARCH);
        api_handle(NULL, &env, &req, &r);
        if (r.status != 503)
            fail_msg("%s without a store: %d", paths[i], r.status);
        api_response_free(&r);
    }
    req.path = "/openapi", req.path_len = 8;
    api_handle(NULL, &env, &req, &r);
    assert_int_equal(r.status, 200);
    api_response_free(&r);
}

static void test_openapi(void **state)
{
    (void)state;
    static const char *paths[] = {"/openapi", "/api/openapi", "/openapi.json"};
    for (size_t i = 0; i < 3; i++) {
        api_response r;
        char *body = get(paths[i], NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(r.content_type, "application/json");
        assert_non_null(strstr(body, "\"operationId\":\"getBestOffersByHotel\""));
        assert_non_null(strstr(body, "\"operationId\":\"GetHotelOffers\""));
        assert_non_null(strstr(body, "\"url\":\"http://localhost:8090\""));
        assert_non_null(strstr(body, "\"/hotels/{hotelId}/offers\""));
        assert_non_null(strstr(body, "outbundDepartureDatetime"));
        /* the filter vocabulary is the importer's (vocab.h) */
        for (int k = 0; k < VOCAB_MEAL_COUNT; k++) {
            char q[64];
            snprintf(q, sizeof q, "\"%s\"", vocab_meal_types[k]);
            assert_non_null(strstr(body, q));
        }
        assert_non_null(strstr(body, "\"RoomType\":{\"type\":\"string\",\"enum\":[\"APARTMENT\",\"DOUBLE\","));
        assert_non_null(strstr(body, "\"items\":{\"$ref\":\"#/components/schemas/MealType\"}"));
        assert_non_null(strstr(body, "\"items\":{\"$ref\":\"#/components/schemas/AirportCode\"}"));
        /* balanced braces and brackets (outside strings) */
        long depth = 0, sq = 0;
        bool in_str = false;
        for (const char *c = body; *c; c++) {
            if (in_str) {
                if (*c == '\\')
                    c++;
                else if (*c == '"')
                    in_str = false;
                continue;
            }
            if (*c == '"')
                in_str = true;
            depth += (*c == '{') - (*c == '}');
            sq += (*c == '[') - (*c == ']');
            assert_true(depth >= 0 && sq >= 0);
        }
        assert_int_equal(depth, 0);
        assert_int_equal(sq, 0);
        api_response_free(&r);
    }

    /* TLS, and a Host that is not a host: no injection into the document */
    api_request req = {0};
    req.method = "GET", req.method_len = 3;
    req.path = "/openapi", req.path_len = 8;
    req.query = "", req.query_len = 0;
    req.host = "example.com", req.host_len = 11;
    req.tls = true;
    api_response r;
    api_handle(S, NULL, &req, &r);
    char *body = body_of(&r);
    assert_non_null(strstr(body, "\"url\":\"https://example.com\""));
    api_response_free(&r);
    req.host = "evil\"},{\"x", req.host_len = strlen(req.host);
    api_handle(S, NULL, &req, &r);
    body = body_of(&r);
    assert_null(strstr(body, "evil"));
    api_response_free(&r);
    req.host = NULL, req.host_len = 0;
    api_handle(S, NULL, &req, &r);
    assert_int_equal(r.status, 200);
    api_response_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_best_offers_both_prefixes),
        cmocka_unit_test(test_best_offer_fields),
        cmocka_unit_test(test_best_offers_paging_and_sort),
        cmocka_unit_test(test_best_offers_pages_are_slices),
        cmocka_unit_test(test_hotel_offers_route_and_keys),
        cmocka_unit_test(test_hotel_offers_order_and_datetimes),
        cmocka_unit_test(test_hotel_offers_cursor_paging),
        cmocka_unit_test(test_hotel_route),
        cmocka_unit_test(test_errors_and_methods),
        cmocka_unit_test(test_route_table),
        cmocka_unit_test(test_cache_key),
        cmocka_unit_test(test_health),
        cmocka_unit_test(test_openapi),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
