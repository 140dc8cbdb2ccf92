/* Unit tests of api/params: query-string parsing and validation against a
 * small imported store (required parameters, airport list forms, enum
 * filters, date rounding, limits, unknown and repeated parameters,
 * percent-encoding) and the paging cursor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "util/days.h"
#include "testutil.h"

static char *dir;
static store_t *S;

#define D(y, m, d) days_from_civil(y, m, d)
#define BASE "earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-31&duration=7&countAdults=2&countChildren=0"

static int setup(void **state)
{
    (void)state;
    dir = tu_mkdtemp("params");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    tu_offer(&b, 1, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 500, "HAM", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 2, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 600, "MUC", "NONE", true, "DOUBLE");
    tu_offer(&b, 3, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 700, "STR", "NONE", false, "SUITE");
    tu_offer(&b, 3, "2023-07-11", "10:00", "2023-07-18", "12:00", 2, 0, 800, "STR", "NONE", false, "SUITE");
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

static api_params P;
static api_response R;
static char body[4096];

static int parse_kind(const char *qs, params_kind kind)
{
    memset(&R, 0, sizeof R);
    int rc = params_parse(S, qs, strlen(qs), kind, &P, &R);
    size_t n = R.body.len < sizeof body - 1 ? R.body.len : sizeof body - 1;
    if (n)
        memcpy(body, R.body.data, n);
    body[n] = 0;
    api_response_free(&R);
    return rc;
}

static int parse(const char *qs) { return parse_kind(qs, PARAMS_BEST_OFFERS); }

/* Must fail with 400 naming `param` (and the error code, if given). */
static void expect_400(const char *qs, params_kind kind, const char *param, const char *code)
{
    int rc = parse_kind(qs, kind);
    if (rc != -1)
        fail_msg("'%s' accepted", qs);
    if (R.status != 400)
        fail_msg("'%s': status %d", qs, R.status);
    char want[128];
    snprintf(want, sizeof want, "\"param\":\"%s\"", param);
    if (!strstr(body, want))
        fail_msg("'%s': error does not name %s: %s", qs, param, body);
    if (code) {
        snprintf(want, sizeof want, "\"code\":\"%s\"", code);
        if (!strstr(body, want))
            fail_msg("'%s': error code is not %s: %s", qs, code, body);
    }
}

static void expect_ok(const char *qs, params_kind kind)
{
    if (parse_kind(qs, kind) != 0)
        fail_msg("'%s' rejected: %s", qs, body);
}

static int airport(const char *code) { return store_dict_find(S, STORE_DICT_AIRPORT, code, strlen(code)); }

static void test_base(void **state)
{
    (void)state;
    expect_ok(BASE, PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.earliest, D(2023, 7, 1));
    assert_int_equal(P.q.latest, D(2023, 7, 31));
    assert_int_equal(P.q.nights, 7);
    assert_int_equal(P.q.adults, 2);
    assert_int_equal(P.q.children, 0);
    assert_true(P.q.any_airport);
    assert_true(P.q.any_meal);
    assert_true(P.q.any_room);
    assert_int_equal(P.q.ocean_view, -1);
    assert_int_equal(P.q.min_stars_x10, 0);
    assert_int_equal(P.q.max_price, UINT32_MAX);
    assert_int_equal(P.sort, SORT_PRICE);
    assert_int_equal(P.limit, 0);
    assert_int_equal(P.offset, 0);
    assert_false(P.has_cursor);

    expect_ok(BASE, PARAMS_HOTEL_OFFERS);
    assert_int_equal(P.limit, 100);

    /* any order; countChildren defaults to 0 */
    expect_ok("countAdults=3&duration=10&latestReturnDate=2023-09-01&earliestDepartureDate=2023-08-01",
              PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.adults, 3);
    assert_int_equal(P.q.nights, 10);
    assert_int_equal(P.q.children, 0);
    assert_int_equal(P.q.earliest, D(2023, 8, 1));
    assert_int_equal(P.q.latest, D(2023, 9, 1));

    /* empty pieces between '&' are harmless */
    expect_ok("&&" BASE "&&", PARAMS_BEST_OFFERS);
}

static void test_required_missing(void **state)
{
    (void)state;
    /* best offers: the window and countAdults; duration is optional */
    static const char *required[] = {"earliestDepartureDate", "latestReturnDate", "countAdults"};
    static const char *values[] = {"2023-07-01", "2023-07-31", "2"};
    for (int skip = 0; skip < 3; skip++) {
        char qs[512] = "countChildren=0&duration=7";
        for (int i = 0; i < 3; i++)
            if (i != skip) {
                strcat(qs, "&");
                strcat(qs, required[i]);
                strcat(qs, "=");
                strcat(qs, values[i]);
            }
        expect_400(qs, PARAMS_BEST_OFFERS, required[skip], "missing_parameter");
    }
    expect_400("", PARAMS_BEST_OFFERS, "earliestDepartureDate", NULL);
    expect_400("duration=7", PARAMS_PRICE_CALENDAR, "countAdults", "missing_parameter");
    /* without duration: any length of stay */
    expect_ok("earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-31&countAdults=2", PARAMS_BEST_OFFERS);
    assert_true(P.q.any_nights);
    assert_false(P.q.any_adults);
    assert_int_equal(P.q.children, 0);
    /* hotel offers: nothing is required; what is given filters */
    expect_ok("", PARAMS_HOTEL_OFFERS);
    assert_true(P.q.any_nights && P.q.any_adults && P.q.any_children);
    assert_int_equal(P.q.earliest, 0);
    assert_int_equal(P.q.latest, UINT16_MAX);
    expect_ok("countChildren=1", PARAMS_HOTEL_OFFERS);
    assert_true(P.q.any_adults && !P.q.any_children);
    assert_int_equal(P.q.children, 1);
    expect_ok("countAdults=2&duration=7", PARAMS_HOTEL_OFFERS);
    assert_true(!P.q.any_adults && !P.q.any_children && !P.q.any_nights);
    assert_int_equal(P.q.children, 0);
}

/* The guides' spelling: departureDate/returnDate mean the window. */
static void test_date_aliases(void **state)
{
    (void)state;
    expect_ok("departureDate=2023-07-01&returnDate=2023-07-15&countAdults=2", PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.earliest, D(2023, 7, 1));
    assert_int_equal(P.q.latest, D(2023, 7, 15));
    expect_ok("earliestDepartureDate=2023-07-01&returnDate=2023-07-15&countAdults=2", PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.latest, D(2023, 7, 15));
    expect_400("earliestDepartureDate=2023-07-01&departureDate=2023-07-01&latestReturnDate=2023-07-15&countAdults=2",
               PARAMS_BEST_OFFERS, "departureDate", "invalid_parameter");
    expect_400("departureDate=2023-07-01&earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-15&countAdults=2",
               PARAMS_BEST_OFFERS, "earliestDepartureDate", "invalid_parameter");
    expect_400("departureDate=2023-07-01&returnDate=2023-07-15&latestReturnDate=2023-07-15&countAdults=2",
               PARAMS_BEST_OFFERS, "latestReturnDate", "invalid_parameter");
    expect_400("departureDate=2023-07-01&departureDate=2023-07-02&returnDate=2023-07-15&countAdults=2",
               PARAMS_BEST_OFFERS, "departureDate", "invalid_parameter");
    expect_400("departureDate=2023-07-20&returnDate=2023-07-15&countAdults=2", PARAMS_BEST_OFFERS, "returnDate",
               "invalid_parameter");
    expect_400("departureDate=soon&returnDate=2023-07-15&countAdults=2", PARAMS_BEST_OFFERS, "departureDate",
               "invalid_parameter");
    expect_400("departureDate=2023-07-01&countAdults=2", PARAMS_BEST_OFFERS, "latestReturnDate",
               "missing_parameter");
    expect_ok("returnDate=2023-07-15", PARAMS_HOTEL_OFFERS);
    assert_int_equal(P.q.latest, D(2023, 7, 15));
}

/* destination: codes in every departureAirports form, or names. */
static void test_destination(void **state)
{
    (void)state;
    int pmi = airport("PMI");
    assert_true(pmi >= 0);
    static const char *forms[] = {BASE "&destination=PMI", BASE "&destination=pmi", BASE "&destination[]=PMI",
                                  BASE "&destination=Mallorca", BASE "&destination=majorca",
                                  BASE "&destination=PMI,XYZ", BASE "&destination=PMI&destination=Ibiza"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        expect_ok(forms[i], PARAMS_BEST_OFFERS);
        assert_false(P.q.any_dest);
        assert_true(bitset_has(&P.q.dests, (unsigned)pmi));
    }
    expect_ok(BASE, PARAMS_BEST_OFFERS);
    assert_true(P.q.any_dest);
    expect_ok(BASE "&destination=", PARAMS_BEST_OFFERS);
    assert_true(P.q.any_dest);
    /* a well-formed code or a known name the data lacks: matches nothing */
    expect_ok(BASE "&destination=Kreta", PARAMS_BEST_OFFERS);
    assert_false(P.q.any_dest);
    assert_false(bitset_has(&P.q.dests, (unsigned)pmi));
    /* text that is neither: a 400 naming it */
    expect_400(BASE "&destination=Atlantis", PARAMS_BEST_OFFERS, "destination", "invalid_parameter");
    assert_non_null(strstr(body, "Atlantis"));
    expect_400(BASE "&destination=PM1", PARAMS_BEST_OFFERS, "destination", NULL);
    expect_400(BASE "&destination=PMI,Narnia", PARAMS_BEST_OFFERS, "destination", NULL);
    assert_non_null(strstr(body, "Narnia"));
}

static void test_airports(void **state)
{
    (void)state;
    int ham = airport("HAM"), muc = airport("MUC"), str = airport("STR");
    assert_true(ham >= 0 && muc >= 0 && str >= 0);
    static const char *forms[] = {
        BASE "&departureAirports=MUC&departureAirports=STR",
        BASE "&departureAirports[]=MUC&departureAirports[]=STR",
        BASE "&departureAirports%5B%5D=MUC&departureAirports%5B%5D=STR",
        BASE "&departureAirports=MUC,STR",
        BASE "&departureAirports=muc,str",
        BASE "&departureAirports=MUC%2CSTR",
        BASE "&departureAirports=MUC,+STR",
        BASE "&departureAirports=%20MUC%20,STR,",
        BASE "&departureAirports=Muc&departureAirports[]=sTr",
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        expect_ok(forms[i], PARAMS_BEST_OFFERS);
        if (P.q.any_airport || !bitset_has(&P.q.airports, (unsigned)muc) ||
            !bitset_has(&P.q.airports, (unsigned)str) || bitset_has(&P.q.airports, (unsigned)ham))
            fail_msg("form %zu (%s): wrong airport set", i, forms[i]);
    }
    /* empty: any airport */
    expect_ok(BASE "&departureAirports=", PARAMS_BEST_OFFERS);
    assert_true(P.q.any_airport);
    expect_ok(BASE "&departureAirports", PARAMS_BEST_OFFERS);
    assert_true(P.q.any_airport);
    /* a well-formed code that is not in the data matches nothing */
    expect_ok(BASE "&departureAirports=XYZ", PARAMS_BEST_OFFERS);
    assert_false(P.q.any_airport);
    for (unsigned i = 0; i < 256; i++)
        assert_false(bitset_has(&P.q.airports, i));
    expect_ok(BASE "&departureAirports=XYZ,HAM", PARAMS_BEST_OFFERS);
    assert_false(P.q.any_airport);
    assert_true(bitset_has(&P.q.airports, (unsigned)ham));
    /* malformed codes */
    expect_400(BASE "&departureAirports=M-C", PARAMS_BEST_OFFERS, "departureAirports", NULL);
    expect_400(BASE "&departureAirports=HAM,M%26C", PARAMS_BEST_OFFERS, "departureAirports", NULL);
    /* not IATA-shaped (vocab.h): no import can hold them, so they are typos */
    expect_400(BASE "&departureAirports=ZZZZ", PARAMS_BEST_OFFERS, "departureAirports", NULL);
    expect_400(BASE "&departureAirports=HAM,MU", PARAMS_HOTEL_OFFERS, "departureAirports", NULL);
    expect_400(BASE "&departureAirports=M1C", PARAMS_BEST_OFFERS, "departureAirports", NULL);
    assert_non_null(strstr(body, "IATA"));
}

static void test_meal_and_room(void **state)
{
    (void)state;
    int breakfast = store_dict_find(S, STORE_DICT_MEAL, "BREAKFAST", 9);
    int none = store_dict_find(S, STORE_DICT_MEAL, "NONE", 4);
    int suite = store_dict_find(S, STORE_DICT_ROOM, "SUITE", 5);
    assert_true(breakfast >= 0 && none >= 0 && suite >= 0);

    expect_ok(BASE "&mealType=BREAKFAST", PARAMS_BEST_OFFERS);
    assert_false(P.q.any_meal);
    assert_true(bitset_has(&P.q.meals, (unsigned)breakfast));
    assert_false(bitset_has(&P.q.meals, (unsigned)none));
    assert_true(P.q.any_room);

    expect_ok(BASE "&mealType=breakfast&mealType=none", PARAMS_BEST_OFFERS);
    assert_true(bitset_has(&P.q.meals, (unsigned)breakfast));
    assert_true(bitset_has(&P.q.meals, (unsigned)none));

    expect_ok(BASE "&roomType=suite", PARAMS_HOTEL_OFFERS);
    assert_false(P.q.any_room);
    assert_true(bitset_has(&P.q.rooms, (unsigned)suite));

    /* canonical values absent from the data: accepted, match nothing */
    expect_ok(BASE "&mealType=HALFBOARD", PARAMS_BEST_OFFERS);
    assert_false(P.q.any_meal);
    for (unsigned i = 0; i < 256; i++)
        assert_false(bitset_has(&P.q.meals, i));
    expect_ok(BASE "&roomType=VILLA", PARAMS_BEST_OFFERS);
    assert_false(P.q.any_room);
    expect_ok(BASE "&mealType=ALLINCLUSIVEPLUS&roomType=JUNIORSUITE", PARAMS_BEST_OFFERS);

    /* unknown values are typos */
    expect_400(BASE "&mealType=FOO", PARAMS_BEST_OFFERS, "mealType", NULL);
    expect_400(BASE "&mealType=BREAKFAST,FOO", PARAMS_BEST_OFFERS, "mealType", NULL);
    expect_400(BASE "&roomType=CASTLE", PARAMS_HOTEL_OFFERS, "roomType", NULL);
    expect_400(BASE "&roomType=DOUBLE%20ROOM", PARAMS_BEST_OFFERS, "roomType", NULL);
    expect_400(BASE "&mealType=WEIRD", PARAMS_PRICE_CALENDAR, "mealType", NULL);
    assert_non_null(strstr(body, "one of NONE, BREAKFAST,"));
}

static void test_date_rounding(void **state)
{
    (void)state;
    expect_ok("earliestDepartureDate=2023-07-31T22:00:00.000Z&latestReturnDate=2023-08-31T21:59:59Z"
              "&duration=7&countAdults=2",
              PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.earliest, D(2023, 8, 1));
    assert_int_equal(P.q.latest, D(2023, 9, 1));

    expect_ok("earliestDepartureDate=2023-07-31T11:59:00Z&latestReturnDate=2023-08-31T00:00:00Z"
              "&duration=7&countAdults=2",
              PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.earliest, D(2023, 7, 31));
    assert_int_equal(P.q.latest, D(2023, 8, 31));

    /* percent-encoded colons, a '+' zone and a space separator */
    expect_ok("earliestDepartureDate=2023-07-31T22%3A00%3A00.000Z&latestReturnDate=2023-08-31T00%3A00%3A00%2B02%3A00"
              "&duration=7&countAdults=2",
              PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.earliest, D(2023, 8, 1));
    assert_int_equal(P.q.latest, D(2023, 8, 31));
    expect_ok("earliestDepartureDate=2023-07-31%2023:00&latestReturnDate=2023-12-31T23:30&duration=7&countAdults=2",
              PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.earliest, D(2023, 8, 1));
    assert_int_equal(P.q.latest, D(2024, 1, 1));

    int32_t d;
    assert_true(params_query_date("2023-07-31", 10, &d));
    assert_int_equal(d, D(2023, 7, 31));
    assert_true(params_query_date("2023-07-31T22:00:00.000Z", 24, &d));
    assert_int_equal(d, D(2023, 8, 1));
    assert_true(params_query_date("2023-07-31T11:59:00Z", 20, &d));
    assert_int_equal(d, D(2023, 7, 31));
    assert_true(params_query_date("2023-12-31T23:00:00Z", 20, &d));
    assert_int_equal(d, D(2024, 1, 1));
    assert_false(params_query_date("2023-07-32", 10, &d));
    assert_false(params_query_date("31.07.2023", 10, &d));
    assert_false(params_query_date("", 0, &d));

    expect_400("earliestDepartureDate=abc&latestReturnDate=2023-07-31&duration=7&countAdults=2",
               PARAMS_BEST_OFFERS, "earliestDepartureDate", "invalid_parameter");
    assert_non_null(strstr(body, "'abc'"));
    expect_400("earliestDepartureDate=2023-07-01&latestReturnDate=2023-02-30&duration=7&countAdults=2",
               PARAMS_BEST_OFFERS, "latestReturnDate", NULL);
    expect_400("earliestDepartureDate=&latestReturnDate=2023-07-31&duration=7&countAdults=2",
               PARAMS_BEST_OFFERS, "earliestDepartureDate", NULL);
    expect_400("earliestDepartureDate&latestReturnDate=2023-07-31&duration=7&countAdults=2",
               PARAMS_BEST_OFFERS, "earliestDepartureDate", NULL);
}

static void test_date_order(void **state)
{
    (void)state;
    expect_400("earliestDepartureDate=2023-07-31&latestReturnDate=2023-07-30&duration=0&countAdults=2",
               PARAMS_BEST_OFFERS, "latestReturnDate", NULL);
    expect_ok("earliestDepartureDate=2023-07-31&latestReturnDate=2023-07-31&duration=0&countAdults=2",
              PARAMS_BEST_OFFERS);
    /* rounding can make them cross */
    expect_400("earliestDepartureDate=2023-07-31T22:00:00Z&latestReturnDate=2023-07-31&duration=0&countAdults=2",
               PARAMS_BEST_OFFERS, "latestReturnDate", NULL);
}

static void test_numbers(void **state)
{
    (void)state;
    expect_ok("earliestDepartureDate=2023-01-01&latestReturnDate=2023-12-31&duration=365&countAdults=255"
              "&countChildren=255",
              PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.nights, 365);
    assert_int_equal(P.q.adults, 255);
    assert_int_equal(P.q.children, 255);
    expect_ok("earliestDepartureDate=2023-01-01&latestReturnDate=2023-12-31&duration=0&countAdults=0",
              PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.nights, 0);

    static const struct {
        const char *repl, *param;
    } bad[] = {
        {"duration=366", "duration"},       {"duration=-1", "duration"},
        {"duration=7.5", "duration"},       {"duration=", "duration"},
        {"duration=seven", "duration"},     {"duration=99999999999999999999", "duration"},
        {"countAdults=256", "countAdults"}, {"countAdults=+2", "countAdults"},
        {"countAdults=2a", "countAdults"},  {"countAdults=%202", "countAdults"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char qs[512];
        const char *eq = strchr(bad[i].repl, '=');
        /* BASE with that parameter replaced */
        snprintf(qs, sizeof qs, "%s", BASE);
        char *at = strstr(qs, bad[i].param);
        assert_non_null(at);
        char *amp = strchr(at, '&');
        char rest[512];
        snprintf(rest, sizeof rest, "%s", amp ? amp : "");
        snprintf(at, sizeof qs - (size_t)(at - qs), "%.*s%s%s", (int)(eq - bad[i].repl), bad[i].repl, eq, rest);
        expect_400(qs, PARAMS_BEST_OFFERS, bad[i].param, NULL);
    }
    expect_400(BASE "&countChildren=3", PARAMS_BEST_OFFERS, "countChildren", NULL); /* repeated */
}

static void test_limits(void **state)
{
    (void)state;
    expect_400(BASE "&limit=0", PARAMS_HOTEL_OFFERS, "limit", NULL);
    expect_400(BASE "&limit=1001", PARAMS_HOTEL_OFFERS, "limit", NULL);
    expect_400(BASE "&limit=", PARAMS_HOTEL_OFFERS, "limit", NULL);
    expect_400(BASE "&limit=-5", PARAMS_HOTEL_OFFERS, "limit", NULL);
    expect_ok(BASE "&limit=1000", PARAMS_HOTEL_OFFERS);
    assert_int_equal(P.limit, 1000);
    expect_ok(BASE "&limit=1", PARAMS_HOTEL_OFFERS);
    assert_int_equal(P.limit, 1);

    expect_ok(BASE "&limit=5&offset=10", PARAMS_BEST_OFFERS);
    assert_int_equal(P.limit, 5);
    assert_int_equal(P.offset, 10);
    expect_400(BASE "&limit=0", PARAMS_BEST_OFFERS, "limit", NULL);
    expect_400(BASE "&offset=-1", PARAMS_BEST_OFFERS, "offset", NULL);
    /* offset and sort are bestOffersByHotel's, cursor is hotel offers' */
    expect_400(BASE "&offset=1", PARAMS_HOTEL_OFFERS, "offset", NULL);
    expect_400(BASE "&sort=price", PARAMS_HOTEL_OFFERS, "sort", NULL);
    expect_400(BASE "&cursor=abc", PARAMS_BEST_OFFERS, "cursor", NULL);
}

static void test_filters_and_sort(void **state)
{
    (void)state;
    expect_ok(BASE "&oceanView=true&minStars=4.5&maxPrice=700&sort=stars", PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.ocean_view, 1);
    assert_int_equal(P.q.min_stars_x10, 45);
    assert_int_equal(P.q.max_price, 700);
    assert_int_equal(P.sort, SORT_STARS);
    expect_ok(BASE "&oceanView=false&minStars=3&sort=name", PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.ocean_view, 0);
    assert_int_equal(P.q.min_stars_x10, 30);
    assert_int_equal(P.sort, SORT_NAME);
    expect_ok(BASE "&oceanView=1&maxPrice=0&sort=price", PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.ocean_view, 1);
    assert_int_equal(P.q.max_price, 0);
    expect_ok(BASE "&oceanView=0", PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.ocean_view, 0);

    expect_400(BASE "&oceanView=yes", PARAMS_BEST_OFFERS, "oceanView", NULL);
    expect_400(BASE "&minStars=6", PARAMS_BEST_OFFERS, "minStars", NULL);
    expect_400(BASE "&minStars=5.5", PARAMS_BEST_OFFERS, "minStars", NULL);
    expect_400(BASE "&minStars=four", PARAMS_BEST_OFFERS, "minStars", NULL);
    expect_400(BASE "&maxPrice=12.5", PARAMS_BEST_OFFERS, "maxPrice", NULL);
    expect_400(BASE "&maxPrice=99999999999", PARAMS_BEST_OFFERS, "maxPrice", NULL);
    expect_400(BASE "&sort=cheapest", PARAMS_BEST_OFFERS, "sort", NULL);
}

static void test_unknown_and_repeated(void **state)
{
    (void)state;
    expect_400(BASE "&colour=blue", PARAMS_BEST_OFFERS, "colour", "unknown_parameter");
    expect_400(BASE "&Duration=7", PARAMS_BEST_OFFERS, "Duration", "unknown_parameter");
    expect_ok(BASE "&_=1690000000000", PARAMS_BEST_OFFERS);
    expect_ok("_=123&" BASE, PARAMS_HOTEL_OFFERS);
    expect_400(BASE "&duration=7", PARAMS_BEST_OFFERS, "duration", NULL);
    expect_400(BASE "&earliestDepartureDate=2023-07-01", PARAMS_BEST_OFFERS, "earliestDepartureDate", NULL);
    expect_400(BASE "&sort=price&sort=price", PARAMS_BEST_OFFERS, "sort", NULL);
    expect_400(BASE "&limit=5&limit=5", PARAMS_HOTEL_OFFERS, "limit", NULL);
    expect_400(BASE "&oceanView=true&oceanView=true", PARAMS_BEST_OFFERS, "oceanView", NULL);
}

static void test_percent_encoding(void **state)
{
    (void)state;
    expect_ok("earliestDepartureDate=2023%2D07%2d01&latestReturnDate=2023-07-31&dur%61tion=7&countAdults=%32",
              PARAMS_BEST_OFFERS);
    assert_int_equal(P.q.earliest, D(2023, 7, 1));
    assert_int_equal(P.q.nights, 7);
    assert_int_equal(P.q.adults, 2);
    int parse_rc = parse(BASE "&departureAirports=%4");
    assert_int_equal(parse_rc, -1);
    assert_int_equal(R.status, 400);
    parse_rc = parse(BASE "&departureAirports=%G1");
    assert_int_equal(parse_rc, -1);
    parse_rc = parse(BASE "&departureAirports=HAM%");
    assert_int_equal(parse_rc, -1);
    parse_rc = parse("%ZZ=1&" BASE);
    assert_int_equal(parse_rc, -1);
    assert_int_equal(R.status, 400);

    /* oversized values and names are refused, not truncated */
    char qs[2048];
    char big[600];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = 0;
    snprintf(qs, sizeof qs, BASE "&departureAirports=%s", big);
    assert_int_equal(parse(qs), -1);
    assert_int_equal(R.status, 400);
    snprintf(qs, sizeof qs, BASE "&%s=1", big);
    assert_int_equal(parse(qs), -1);
    assert_int_equal(R.status, 400);
}

/* A NUL byte decoded into a name does not make it a known name. */
static void test_decoded_nul_in_name(void **state)
{
    (void)state;
    int rc = parse(BASE "&sort%00x=price");
    if (rc != -1)
        fail_msg("'sort%%00x=price' was accepted as sort=price; want 400 unknown_parameter");
    assert_int_equal(R.status, 400);
}

/* The query string is given by length: nothing after it is read. */
static void test_length_bounded(void **state)
{
    (void)state;
    const char *qs = BASE "&colour=blue";
    assert_int_equal(params_parse(S, qs, strlen(BASE), PARAMS_BEST_OFFERS, &P, &R), 0);
    api_response_free(&R);
    char *heap = malloc(strlen(BASE));
    memcpy(heap, BASE, strlen(BASE)); /* no terminator: ASan checks */
    memset(&R, 0, sizeof R);
    assert_int_equal(params_parse(S, heap, strlen(BASE), PARAMS_BEST_OFFERS, &P, &R), 0);
    assert_int_equal(P.q.children, 0);
    memset(&R, 0, sizeof R);
    assert_int_equal(params_parse(S, heap, strlen(BASE) - 1, PARAMS_BEST_OFFERS, &P, &R), -1); /* "countChildren=" */
    api_response_free(&R);
    free(heap);
}

static void test_cursor(void **state)
{
    (void)state;
    expect_ok(BASE, PARAMS_HOTEL_OFFERS);
    search_t q = P.q;
    offer_pos pos = query_offer_pos(S, 2);
    char text[CURSOR_TEXT_MAX];
    cursor_encode(S, 0, &q, &pos, text);
    assert_true(strlen(text) > 0 && strlen(text) < CURSOR_TEXT_MAX);
    offer_pos back;
    assert_int_equal(cursor_decode(S, 0, &q, text, strlen(text), &back), 0);
    assert_int_equal(back.price, pos.price);
    assert_int_equal(back.departure, pos.departure);
    assert_int_equal(back.offer, pos.offer);
    assert_int_equal(offer_pos_cmp(&back, &pos), 0);

    /* another search */
    search_t other = q;
    other.nights = 8;
    assert_int_equal(cursor_decode(S, 0, &other, text, strlen(text), &back), CURSOR_ERR_SEARCH);
    other = q;
    other.ocean_view = 1;
    assert_int_equal(cursor_decode(S, 0, &other, text, strlen(text), &back), CURSOR_ERR_SEARCH);
    other = q;
    bitset_set(&other.airports, 1);
    other.any_airport = false;
    assert_int_equal(cursor_decode(S, 0, &other, text, strlen(text), &back), CURSOR_ERR_SEARCH);
    /* another hotel */
    if (S->n_hotels > 1)
        assert_int_equal(cursor_decode(S, 1, &q, text, strlen(text), &back), CURSOR_ERR_HOTEL);

    /* every single-character edit is refused */
    size_t n = strlen(text);
    for (size_t i = 0; i < n; i++) {
        static const char alt[] = "0f.a";
        for (size_t k = 0; alt[k]; k++) {
            if (alt[k] == text[i])
                continue;
            char edit[CURSOR_TEXT_MAX];
            memcpy(edit, text, n + 1);
            edit[i] = alt[k];
            assert_true(cursor_decode(S, 0, &q, edit, n, &back) < 0);
        }
    }

    /* garbage */
    static const char *bad[] = {"", "abc", "1.2.3", "1.2.3.4.5", "zz.zz.zz.zz", "....", "1.2.3.4 ", "c1......."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(cursor_decode(S, 0, &q, bad[i], strlen(bad[i]), &back), CURSOR_ERR_MALFORMED);
    char junk[200];
    snprintf(junk, sizeof junk, "%sx", text);
    assert_true(cursor_decode(S, 0, &q, junk, strlen(junk), &back) < 0);
    assert_true(cursor_decode(S, 0, &q, text, strlen(text) - 1, &back) < 0);
    memset(junk, '1', sizeof junk);
    assert_int_equal(cursor_decode(S, 0, &q, junk, sizeof junk, &back), CURSOR_ERR_MALFORMED);

    /* an offer index beyond the store, even authentic */
    offer_pos beyond = {1, 2, S->n_offers, 0};
    cursor_encode(S, 0, &q, &beyond, text);
    assert_int_equal(cursor_decode(S, 0, &q, text, strlen(text), &back), CURSOR_ERR_MALFORMED);

    /* through params_parse and params_bind_cursor */
    cursor_encode(S, 0, &q, &pos, text);
    char qs[512];
    snprintf(qs, sizeof qs, BASE "&cursor=%s", text);
    expect_ok(qs, PARAMS_HOTEL_OFFERS);
    assert_false(P.has_cursor);
    memset(&R, 0, sizeof R);
    assert_int_equal(params_bind_cursor(S, 0, &P, &R), 0);
    assert_true(P.has_cursor);
    assert_int_equal(offer_pos_cmp(&P.cursor, &pos), 0);
    /* the same cursor with a different search */
    snprintf(qs, sizeof qs, BASE "&cursor=%s&mealType=NONE", text);
    expect_ok(qs, PARAMS_HOTEL_OFFERS);
    memset(&R, 0, sizeof R);
    assert_int_equal(params_bind_cursor(S, 0, &P, &R), -1);
    assert_int_equal(R.status, 400);
    assert_non_null(strstr(R.body.data, "invalid_cursor"));
    api_response_free(&R);
    expect_ok(BASE "&cursor=garbage", PARAMS_HOTEL_OFFERS);
    memset(&R, 0, sizeof R);
    assert_int_equal(params_bind_cursor(S, 0, &P, &R), -1);
    api_response_free(&R);
    expect_400(BASE "&cursor=", PARAMS_HOTEL_OFFERS, "cursor", "invalid_cursor");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base),
        cmocka_unit_test(test_required_missing),
        cmocka_unit_test(test_airports),
        cmocka_unit_test(test_date_aliases),
        cmocka_unit_test(test_destination),
        cmocka_unit_test(test_meal_and_room),
        cmocka_unit_test(test_date_rounding),
        cmocka_unit_test(test_date_order),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_filters_and_sort),
        cmocka_unit_test(test_unknown_and_repeated),
        cmocka_unit_test(test_percent_encoding),
        cmocka_unit_test(test_decoded_nul_in_name),
        cmocka_unit_test(test_length_bounded),
        cmocka_unit_test(test_cursor),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
