/* q= through the API without HTTP (api/nlq_query.c): the parser compiled
 * from the store (its hotels, its year), /api/search answering exactly the
 * structured search, explicit parameters winning, the hotel filter, and the
 * cache keys: two spellings of one search share a bestOffersByHotel key,
 * while /api/search and /api/parse keep one per sentence. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include "api/api.h"
#include "api/nlq_query.h"

static char *dir;
static store_t *S;

static int setup(void **state)
{
    (void)state;
    dir = tu_mkdtemp("nlq_api");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    /* hotel 1 is "Iberostar Playa de Muro", 14 "Hilton Mallorca Galatzo" (the real hotels.csv) */
    tu_offer(&b, 1, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 900, "MUC", "HALFBOARD", true, "DOUBLE");
    tu_offer(&b, 1, "2023-07-12", "10:00", "2023-07-19", "12:00", 2, 1, 700, "MUC", "HALFBOARD", false, "SUITE");
    tu_offer(&b, 14, "2023-07-05", "10:00", "2023-07-12", "12:00", 2, 0, 500, "MUC", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 14, "2023-07-06", "10:00", "2023-07-13", "12:00", 1, 0, 400, "MUC", "HALFBOARD", false, "DOUBLE");
    tu_offer(&b, 15, "2023-08-01", "10:00", "2023-08-08", "12:00", 2, 0, 650, "HAM", "NONE", false, "STUDIO");
    S = tu_build_store(dir, b.data, b.len);
    buf_free(&b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_release(S);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static char *get(const char *path, const char *query, int want_status)
{
    api_response res;
    tu_api(S, "GET", path, query, &res);
    char *body = tu_body(&res);
    if (res.status != want_status)
        fail_msg("%s?%s: status %d, want %d: %s", path, query, res.status, want_status, body);
    api_response_free(&res);
    return body;
}

/* The value of "query" in an answer of /api/search or /api/parse. */
static char *structured(const char *body)
{
    static char q[4096];
    assert_non_null(tu_str(body, "query", q, sizeof q));
    return q;
}

static void test_search_is_the_structured_search(void **state)
{
    (void)state;
    char *search = get("/api/search", "q=eine+Woche+im+Juli+ab+M%C3%BCnchen", 200);
    const char *q = structured(search);
    assert_non_null(strstr(q, "duration=7"));
    assert_non_null(strstr(q, "earliestDepartureDate=2023-07-01")); /* the year of the data */
    assert_non_null(strstr(q, "departureAirports=MUC"));
    char *best = get("/api/bestOffersByHotel", q, 200);
    const char *results = strstr(search, "\"results\":");
    assert_non_null(results);
    results += strlen("\"results\":");
    assert_int_equal(strncmp(results, best, strlen(best)), 0);
    assert_int_equal(tu_count(best, "\"minPrice\":"), 2); /* hotels 1 and 14 */
    free(best);
    free(search);
}

static void test_explicit_parameters_win(void **state)
{
    (void)state;
    char *one = get("/bestOffersByHotel", "q=eine+Woche+im+Juli+ab+MUC+zu+zweit&countAdults=1", 200);
    assert_int_equal(tu_count(one, "\"minPrice\":"), 1);
    assert_non_null(strstr(one, "\"countAdults\":1"));
    assert_non_null(strstr(one, "\"minPrice\":400"));
    free(one);
}

static void test_hotel_names_narrow(void **state)
{
    (void)state;
    char *search = get("/api/search", "q=Hilton+Galatzo+im+Juli", 200);
    assert_non_null(strstr(search, "\"hotels\":[{\"id\":14,\"name\":\"Hilton Mallorca Galatzo\"}]"));
    assert_int_equal(tu_count(search, "\"minPrice\":"), 1);
    assert_non_null(strstr(search, "\"minPrice\":500"));
    free(search);
}

static void test_parse_and_errors(void **state)
{
    (void)state;
    char *parse = get("/api/parse", "q=kein+Meerblick%2C+Pool", 200);
    assert_non_null(strstr(parse, "\"interpreted\":{\"oceanView\":false}"));
    assert_non_null(strstr(parse, "\"unrecognized\":[\"Pool\"]"));
    free(parse);
    free(get("/api/search", "", 400));
    free(get("/api/search", "q=", 400));
    free(get("/api/parse", "q=Juli&q=August", 400));
    free(get("/api/parse", "q=Juli&limit=2", 400));
    free(get("/api/search", "q=ab+20.+Juli+bis+3.+Juli", 400));
    char *other = get("/api/search", "q=quiero+ir+de+vacaciones", 200);
    assert_non_null(strstr(other, "\"interpreted\":{}"));
    free(other);
}

static bool key_of(const char *path, const char *query, buf_t *key)
{
    api_request req = {.method = "GET", .method_len = 3, .path = path, .path_len = strlen(path),
                       .query = query, .query_len = strlen(query)};
    api_match m;
    assert_true(api_route_match(path, strlen(path), &m));
    api_call c;
    api_response res;
    api_prepare(S, NULL, &req, &m, &c, &res);
    key->len = 0;
    bool ok = api_call_key(&c, key);
    api_response_free(&res);
    return ok;
}

static void test_cache_keys(void **state)
{
    (void)state;
    buf_t a = {0}, b = {0};
    /* two spellings of one search: one bestOffersByHotel entry */
    assert_true(key_of("/bestOffersByHotel", "q=eine+Woche+im+Juli+ab+MUC", &a));
    assert_true(key_of("/bestOffersByHotel", "q=7+N%C3%A4chte%2C+Juli%2C+ab+Muenchen", &b));
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* ... and the same as the structured search it stands for */
    assert_true(key_of("/bestOffersByHotel",
                       "countAdults=2&countChildren=0&duration=7&earliestDepartureDate=2023-07-01"
                       "&latestReturnDate=2023-07-31&departureAirports=MUC", &b));
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* /api/search quotes the sentence: one entry per sentence */
    assert_true(key_of("/api/search", "q=eine+Woche+im+Juli+ab+MUC", &a));
    assert_true(key_of("/api/search", "q=7+N%C3%A4chte%2C+Juli%2C+ab+Muenchen", &b));
    assert_false(a.len == b.len && !memcmp(a.data, b.data, a.len));
    /* a named hotel is part of the key */
    assert_true(key_of("/bestOffersByHotel", "q=Hilton+Galatzo+im+Juli", &a));
    assert_true(key_of("/bestOffersByHotel", "q=im+Juli", &b));
    assert_false(a.len == b.len && !memcmp(a.data, b.data, a.len));
    buf_free(&a);
    buf_free(&b);
}

/* The parser is built once per store and kept with it. */
static void test_parser_attached_once(void **state)
{
    (void)state;
    const nlq_t *p = api_nlq_parser(S);
    assert_non_null(p);
    assert_ptr_equal(api_nlq_parser(S), p);
    assert_ptr_equal(store_attachment(S), p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_is_the_structured_search),
        cmocka_unit_test(test_explicit_parameters_win),
        cmocka_unit_test(test_hotel_names_narrow),
        cmocka_unit_test(test_parse_and_errors),
        cmocka_unit_test(test_cache_keys),
        cmocka_unit_test(test_parser_attached_once),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
