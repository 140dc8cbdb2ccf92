/* Destinations end to end on a small multi-destination store: hotels.csv's
 * destination column (codes, names, empty, unknown), the store's groups per
 * destination, a hotel whose offers fly to two destinations, the
 * `destination` filter in every form, searches without `duration`, hotel
 * offers with no or partial search parameters, `fields=`, and
 * GET /api/destinations. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/api.h"
#include "dest/dest.h"
#include "import/import.h"
#include "testutil.h"

static char *dir;
static store_t *S;
static char *kept[64];
static int kept_k;

/* One 2023-format row flying to `arr`; departure 10:00, return 12:00. */
static void offer(buf_t *b, unsigned hotel, const char *arr, const char *dep, const char *ret, unsigned adults,
                  unsigned price, const char *from)
{
    buf_printf(b,
               "\"%u\",\"%sT10:00:00+00:00\",\"%sT12:00:00+00:00\",\"%u\",\"0\",\"%u\",\"%s\",\"%s\","
               "\"%sT14:00:00+00:00\",\"%s\",\"%s\",\"%sT12:00:00+00:00\",\"NONE\",\"false\",\"DOUBLE\"\n",
               hotel, dep, ret, adults, price, arr, arr, ret, from, from, dep);
}

static int setup(void **state)
{
    (void)state;
    dir = tu_mkdtemp("dest");
    /* 3 has no offers, 4's destination is unknown (the line is rejected, so
     * 4 becomes a placeholder), 5 has none (taken from its offers) */
    tu_write_str(tu_path(dir, "hotels.csv"), "hotelid;hotelname;hotelstars;destination\r\n"
                                             "1;Palma Beach;4;PMI\r\n"
                                             "2;Ibiza Sun;3;Ibiza\r\n"
                                             "3;Kreta Palace;5;HER\r\n"
                                             "4;Nowhere;3;Atlantis\r\n"
                                             "5;Two Islands;2;\r\n");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    offer(&b, 1, "PMI", "2023-07-10", "2023-07-17", 2, 500, "HAM");
    offer(&b, 1, "PMI", "2023-07-12", "2023-07-19", 2, 450, "MUC");
    offer(&b, 1, "PMI", "2023-07-10", "2023-07-20", 2, 400, "HAM");
    offer(&b, 2, "IBZ", "2023-07-10", "2023-07-17", 2, 600, "HAM");
    offer(&b, 2, "ibz", "2023-07-11", "2023-07-14", 2, 300, "HAM");
    offer(&b, 5, "PMI", "2023-07-10", "2023-07-17", 2, 700, "HAM");
    offer(&b, 5, "IBZ", "2023-07-10", "2023-07-17", 2, 650, "STR");
    offer(&b, 5, "PMI", "2023-07-10", "2023-07-17", 1, 200, "HAM");
    offer(&b, 6, "AYT", "2023-07-10", "2023-07-17", 2, 550, "HAM");
    S = tu_build_store_with(dir, b.data, b.len, tu_path(dir, "hotels.csv"));
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

static char *get(const char *path, const char *query, int *status)
{
    api_response r;
    tu_api(S, "GET", path, query, &r);
    char *b = tu_body(&r);
    *status = r.status;
    api_response_free(&r);
    kept_k = (kept_k + 1) % 64;
    free(kept[kept_k]);
    kept[kept_k] = b;
    return b;
}

static char *get_ok(const char *path, const char *query)
{
    int st;
    char *b = get(path, query, &st);
    if (st != 200)
        fail_msg("%s?%s: status %d: %s", path, query, st, b);
    return b;
}

static void expect_400(const char *path, const char *query, const char *param, const char *mentions)
{
    int st;
    char *b = get(path, query, &st);
    char want[128];
    snprintf(want, sizeof want, "\"param\":\"%s\"", param);
    if (st != 400 || !strstr(b, want) || (mentions && !strstr(b, mentions)))
        fail_msg("%s?%s: want 400 naming %s%s%s, got %d: %s", path, query, param, mentions ? " and " : "",
                 mentions ? mentions : "", st, b);
}

/* "id:minPrice:count:duration" of each item, in answer order. */
static void summary(const char *body, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (const char *p = strstr(body, "{\"hotel\":"); p; p = strstr(p + 1, "{\"hotel\":")) {
        o += (size_t)snprintf(out + o, cap - o, "%s%lld:%lld:%lld:%lld", o ? "," : "", tu_num(p, "id"),
                              tu_num(p, "minPrice"), tu_num(p, "countAvailableOffers"), tu_num(p, "duration"));
    }
}

#define WINDOW "earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-31&countAdults=2"

static void expect_best(const char *query, const char *want)
{
    char got[512];
    summary(get_ok("/api/bestOffersByHotel", query), got, sizeof got);
    if (strcmp(got, want))
        fail_msg("%s: got [%s], want [%s]", query, got, want);
}

static void test_store_groups_and_hotels(void **state)
{
    (void)state;
    /* every group is one destination, in (party, nights, destination) order */
    for (uint32_t g = 1; g < S->n_groups; g++) {
        const store_group *a = &S->groups[g - 1], *b = &S->groups[g];
        uint64_t ka = (uint64_t)a->adults << 32 | (uint64_t)a->children << 24 | (uint64_t)a->nights << 8 | a->dest;
        uint64_t kb = (uint64_t)b->adults << 32 | (uint64_t)b->children << 24 | (uint64_t)b->nights << 8 | b->dest;
        assert_true(ka < kb);
    }
    for (uint32_t g = 0; g < S->n_groups; g++)
        for (uint32_t r = S->groups[g].first_run; r < S->groups[g].first_run + S->groups[g].run_count; r++) {
            /* each run's offers fly to its group's destination */
            for (uint32_t o = S->runs[r].start; o < S->runs[r].start + S->runs[r].count; o++)
                assert_int_equal(S->detail[S->run_offers[o]].out_arr_airport, S->groups[g].dest);
        }
    int pmi = store_dict_find(S, STORE_DICT_AIRPORT, "PMI", 3), ibz = store_dict_find(S, STORE_DICT_AIRPORT, "IBZ", 3),
        her = store_dict_find(S, STORE_DICT_AIRPORT, "HER", 3);
    assert_true(pmi >= 0 && ibz >= 0 && her >= 0); /* HER: from hotels.csv, no offer flies there */
    assert_int_equal(S->hotels[store_find_hotel(S, 1)].dest, pmi);
    assert_int_equal(S->hotels[store_find_hotel(S, 2)].dest, ibz); /* "Ibiza" in hotels.csv */
    assert_int_equal(S->hotels[store_find_hotel(S, 3)].dest, her);
    /* no destination in the file: where most of its offers fly */
    const store_hotel *five = &S->hotels[store_find_hotel(S, 5)];
    assert_int_equal(five->dest, pmi);
    assert_int_equal(five->multi_dest, 1);
    assert_int_equal(S->hotels[store_find_hotel(S, 1)].multi_dest, 0);
    /* the line with an unknown destination was rejected: 4 is not listed */
    assert_true(store_find_hotel(S, 4) < 0);
}

static void test_destination_filter(void **state)
{
    (void)state;
    expect_best(WINDOW "&duration=7", "1:450:2:7,6:550:1:7,2:600:1:7,5:650:2:7");
    expect_best(WINDOW "&duration=7&destination=PMI", "1:450:2:7,5:700:1:7");
    expect_best(WINDOW "&duration=7&destination=pmi", "1:450:2:7,5:700:1:7");
    expect_best(WINDOW "&duration=7&destination=Mallorca", "1:450:2:7,5:700:1:7");
    expect_best(WINDOW "&duration=7&destination=Ibiza", "2:600:1:7,5:650:1:7");
    expect_best(WINDOW "&duration=7&destination=PMI,AYT", "1:450:2:7,6:550:1:7,5:700:1:7");
    expect_best(WINDOW "&duration=7&destination=PMI&destination=Antalya", "1:450:2:7,6:550:1:7,5:700:1:7");
    expect_best(WINDOW "&duration=7&destination[]=IBZ&destination[]=AYT", "6:550:1:7,2:600:1:7,5:650:1:7");
    expect_best(WINDOW "&duration=7&destination=", "1:450:2:7,6:550:1:7,2:600:1:7,5:650:2:7");
    /* known to the data (hotels.csv) or to the name table, but no offers */
    expect_best(WINDOW "&duration=7&destination=HER", "");
    expect_best(WINDOW "&duration=7&destination=Teneriffa", "");
    expect_400("/api/bestOffersByHotel", WINDOW "&duration=7&destination=Atlantis", "destination", "Atlantis");
    expect_400("/bestOffersByHotel", WINDOW "&destination=PMI,P1I", "destination", "P1I");
    /* the hotel carries its destination */
    char *b = get_ok("/api/bestOffersByHotel", WINDOW "&duration=7&destination=AYT");
    assert_non_null(strstr(b, "\"destination\":\"AYT\""));
}

static void test_without_duration(void **state)
{
    (void)state;
    /* cheapest over every length of stay; its duration is that offer's */
    expect_best(WINDOW, "2:300:2:3,1:400:3:10,6:550:1:7,5:650:2:7");
    expect_best(WINDOW "&destination=PMI", "1:400:3:10,5:700:1:7");
    /* the window still bounds the return: 10 nights from 10 July end on the 20th */
    expect_best("earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-19&countAdults=2&destination=PMI",
                "1:450:2:7,5:700:1:7");
    /* the guides' request */
    expect_best("destination=PMI&departureDate=2023-07-01&returnDate=2023-07-15&countAdults=2&limit=10", "");
    expect_best("destination=IBZ&departureDate=2023-07-01&returnDate=2023-07-15&countAdults=2&limit=10",
                "2:300:1:3");
    expect_400("/api/bestOffersByHotel", "departureDate=2023-07-01&earliestDepartureDate=2023-07-01"
                                         "&returnDate=2023-07-15&countAdults=2",
               "earliestDepartureDate", "not both");
}

/* Hotel 5: 200 (1 adult, PMI), 650 (IBZ), 700 (PMI). */
static void test_hotel_offers_without_search(void **state)
{
    (void)state;
    char *b = get_ok("/api/hotels/5/offers", "");
    assert_int_equal(tu_num(b, "total"), 3);
    const char *p = strstr(b, "\"items\":");
    assert_int_equal(tu_num(p, "price"), 200);
    assert_int_equal(tu_num(p, "countAdults"), 1);
    p = strstr(p, "},{");
    assert_int_equal(tu_num(p, "price"), 650);
    char v[64];
    tu_str(p, "outboundArrivalAirport", v, sizeof v);
    assert_string_equal(v, "IBZ");
    p = strstr(p + 1, "},{");
    assert_int_equal(tu_num(p, "price"), 700);
    /* the guides' request: no search at all, paged */
    b = get_ok("/hotels/1/offers", "limit=20");
    assert_int_equal(tu_num(b, "total"), 3);
    /* any subset of the search filters */
    assert_int_equal(tu_num(get_ok("/api/hotels/5/offers", "countAdults=2"), "total"), 2);
    assert_int_equal(tu_num(get_ok("/api/hotels/5/offers", "destination=Mallorca"), "total"), 2);
    assert_int_equal(tu_num(get_ok("/api/hotels/5/offers", "destination=PMI&countAdults=2"), "total"), 1);
    assert_int_equal(tu_num(get_ok("/api/hotels/1/offers", "duration=10"), "total"), 1);
    assert_int_equal(tu_num(get_ok("/api/hotels/1/offers", "returnDate=2023-07-19"), "total"), 2);
    assert_int_equal(tu_num(get_ok("/api/hotels/1/offers", "departureDate=2023-07-11"), "total"), 1);
    /* every page by cursor, cheapest first */
    unsigned want[] = {200, 650, 700}, k = 0;
    char query[256] = "limit=1";
    for (int page = 0; page < 5; page++) {
        b = get_ok("/api/hotels/5/offers", query);
        long long price = tu_num(strstr(b, "\"items\":"), "price");
        assert_true(k < 3);
        assert_int_equal(price, want[k++]);
        char cur[128];
        if (!tu_str(b, "nextCursor", cur, sizeof cur))
            break;
        snprintf(query, sizeof query, "limit=1&cursor=%s", cur);
    }
    assert_int_equal(k, 3);
}

static void test_fields(void **state)
{
    (void)state;
    char *b = get_ok("/api/bestOffersByHotel", WINDOW "&duration=7&destination=AYT&fields=hotel.id,minPrice");
    assert_string_equal(b, "[{\"hotel\":{\"id\":6},\"minPrice\":550}]");
    b = get_ok("/api/bestOffersByHotel",
               WINDOW "&destination=IBZ&fields=duration&fields=hotel.destination,departureDate,countAvailableOffers");
    assert_string_equal(b, "[{\"hotel\":{\"destination\":\"IBZ\"},\"departureDate\":\"2023-07-11\",\"duration\":3,"
                           "\"countAvailableOffers\":2},{\"hotel\":{\"destination\":\"PMI\"},\"departureDate\":"
                           "\"2023-07-10\",\"duration\":7,\"countAvailableOffers\":1}]");
    b = get_ok("/api/hotels/2/offers", "fields=price,outbundDepartureDatetime&limit=1");
    const char *want = "{\"items\":[{\"price\":300,\"outbundDepartureDatetime\":\"2023-07-11T10:00:00+00:00\"}],"
                       "\"total\":2,\"nextCursor\":\"";
    if (strncmp(b, want, strlen(want)))
        fail_msg("got %s", b);
}

static void test_fields_bad(void **state)
{
    (void)state;
    expect_400("/api/bestOffersByHotel", WINDOW "&fields=hotel.id,colour", "fields", "colour");
    expect_400("/api/bestOffersByHotel", WINDOW "&fields=", "fields", "empty");
    expect_400("/api/bestOffersByHotel", WINDOW "&fields=minPrice,,hotel.id", "fields", "empty");
    /* keys of the other answer */
    expect_400("/api/bestOffersByHotel", WINDOW "&fields=price", "fields", "price");
    expect_400("/api/hotels/1/offers", "fields=minPrice", "fields", "minPrice");
    expect_400("/api/priceCalendar", "countAdults=2&duration=7&fields=minPrice", "fields", NULL);
}

static bool key_of(const char *path, const char *query, buf_t *k)
{
    api_request req = {.method = "GET", .method_len = 3, .path = path, .path_len = strlen(path), .query = query,
                       .query_len = strlen(query), .host = "h", .host_len = 1};
    api_match m;
    api_route_match(req.path, req.path_len, &m);
    api_call c;
    api_response r;
    api_prepare(S, NULL, &req, &m, &c, &r);
    k->len = 0;
    bool ok = api_call_key(&c, k);
    api_response_free(&r);
    return ok;
}

static void test_cache_keys(void **state)
{
    (void)state;
    buf_t a = {0}, b = {0};
    /* fields, destination and the missing duration are part of the key */
    assert_true(key_of("/api/bestOffersByHotel", WINDOW "&duration=7", &a));
    assert_true(key_of("/api/bestOffersByHotel", WINDOW "&duration=7&fields=minPrice", &b));
    assert_false(a.len == b.len && !memcmp(a.data, b.data, a.len));
    assert_true(key_of("/api/bestOffersByHotel", WINDOW, &b));
    assert_false(a.len == b.len && !memcmp(a.data, b.data, a.len));
    assert_true(key_of("/api/bestOffersByHotel", WINDOW "&duration=7&destination=PMI", &b));
    assert_false(a.len == b.len && !memcmp(a.data, b.data, a.len));
    /* every spelling of one search is one key */
    assert_true(key_of("/api/bestOffersByHotel", WINDOW "&duration=7&destination=Mallorca", &a));
    assert_true(a.len == b.len && !memcmp(a.data, b.data, a.len));
    assert_true(key_of("/api/bestOffersByHotel",
                       "departureDate=2023-07-01&returnDate=2023-07-31&countAdults=2&duration=7&destination=pmi", &a));
    assert_true(a.len == b.len && !memcmp(a.data, b.data, a.len));
    buf_free(&a);
    buf_free(&b);
}

static void test_destinations_endpoint(void **state)
{
    (void)state;
    char *b = get_ok("/api/destinations", "");
    assert_string_equal(
        b, "{\"destinations\":["
           "{\"code\":\"AYT\",\"name\":\"Antalya\",\"hotels\":1,\"offers\":1,\"minPrice\":550,"
           "\"firstDeparture\":\"2023-07-10\",\"lastDeparture\":\"2023-07-10\"},"
           "{\"code\":\"IBZ\",\"name\":\"Ibiza\",\"hotels\":2,\"offers\":3,\"minPrice\":300,"
           "\"firstDeparture\":\"2023-07-10\",\"lastDeparture\":\"2023-07-11\"},"
           "{\"code\":\"PMI\",\"name\":\"Mallorca\",\"hotels\":2,\"offers\":5,\"minPrice\":200,"
           "\"firstDeparture\":\"2023-07-10\",\"lastDeparture\":\"2023-07-12\"}]}");
}

static void test_calendar_destination(void **state)
{
    (void)state;
    char *b = get_ok("/api/priceCalendar", "countAdults=2&duration=7&destination=IBZ");
    assert_non_null(strstr(b, "{\"date\":\"2023-07-10\",\"minPrice\":600,\"offers\":2}"));
    assert_int_equal(tu_count(b, "\"date\""), 1);
    b = get_ok("/api/priceCalendar", "countAdults=2&destination=IBZ");
    assert_int_equal(tu_count(b, "\"date\""), 2);
    assert_non_null(strstr(b, "{\"date\":\"2023-07-11\",\"minPrice\":300,\"offers\":1}"));
}

/* hotels.csv with both `destination` and `region`: the data names its
 * destinations, and searches and /api/destinations use those names. */
static void test_names_from_the_data(void **state)
{
    (void)state;
    char d2[4200];
    snprintf(d2, sizeof d2, "%s/named", dir);
    mkdir(d2, 0755);
    tu_write_str(tu_path(d2, "hotels.csv"), "hotelid;hotelname;hotelstars;destination;region\n"
                                            "1;Playa;4;CUN;Riviera Maya\n"
                                            "2;Palma;3;PMI;Malle\n"
                                            "3;Other Palma;3;PMI;Majorca Island\n"
                                            "4;Nameless;3;;Somewhere\n"
                                            "5;Long;3;AYT;A region name far longer than thirty bytes\n");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    offer(&b, 1, "CUN", "2023-07-10", "2023-07-17", 2, 900, "FRA");
    offer(&b, 2, "PMI", "2023-07-10", "2023-07-17", 2, 400, "FRA");
    offer(&b, 3, "PMI", "2023-07-10", "2023-07-17", 2, 500, "FRA");
    import_result res;
    char err[1024] = "";
    int rc = tu_import_csv_with(d2, b.data, b.len, tu_path(d2, "hotels.csv"), -1, &res, err, sizeof err);
    buf_free(&b);
    assert_int_equal(rc, 0);
    store_t *named = store_open(tu_path(d2, "data"), true, err, sizeof err);
    assert_non_null(named);
    /* 4 (a region without a code) and 5 (too long) were rejected */
    assert_true(store_find_hotel(named, 4) < 0 || !named->hotels[store_find_hotel(named, 4)].known);
    assert_true(store_find_hotel(named, 5) < 0);
    assert_int_equal(named->n_dest_names, 2); /* CUN and PMI; the first PMI name wins */
    store_t *keep = S;
    S = named;
    expect_best(WINDOW "&destination=riviera+maya", "1:900:1:7");
    expect_best(WINDOW "&destination=Riviera-Maya,malle", "2:400:1:7,3:500:1:7,1:900:1:7");
    expect_best(WINDOW "&destination=Mallorca", "2:400:1:7,3:500:1:7"); /* the table still counts */
    expect_400("/api/bestOffersByHotel", WINDOW "&destination=Majorca+Island", "destination", "Majorca Island");
    char *body = get_ok("/api/destinations", "");
    assert_non_null(strstr(body, "{\"code\":\"CUN\",\"name\":\"Riviera Maya\""));
    assert_non_null(strstr(body, "{\"code\":\"PMI\",\"name\":\"Malle\""));
    S = keep;
    store_release(named);
}

static void test_name_table(void **state)
{
    (void)state;
    char code[4];
    assert_true(dest_resolve("Gran-Canaria", 12, code));
    assert_string_equal(code, "LPA");
    assert_true(dest_resolve("kreta", 5, code));
    assert_string_equal(code, "HER");
    assert_true(dest_resolve("xyz", 3, code));
    assert_string_equal(code, "XYZ");
    assert_false(dest_resolve("Atlantis", 8, code));
    assert_false(dest_resolve("P1I", 3, code));
    const char *names[] = {"Phuket Island", "Phuket"};
    assert_int_equal(dest_add("hkt", names, 2), 0);
    assert_true(dest_resolve("phuket", 6, code));
    assert_string_equal(code, "HKT");
    assert_string_equal(dest_display_name("HKT"), "Phuket Island");
    assert_int_equal(dest_add("H1T", names, 1), -1);
    /* a file extends it; a bad line is named */
    tu_write_str(tu_path(dir, "names.txt"), "# code;name\nCUN;Cancun;Riviera Maya\n\nPUJ;Punta Cana\n");
    char err[256];
    assert_int_equal(dest_load_file(tu_path(dir, "names.txt"), err, sizeof err), 0);
    assert_true(dest_resolve("riviera maya", 12, code));
    assert_string_equal(code, "CUN");
    tu_write_str(tu_path(dir, "bad.txt"), "CUN;Cancun\nnonsense\n");
    assert_int_equal(dest_load_file(tu_path(dir, "bad.txt"), err, sizeof err), -1);
    assert_non_null(strstr(err, "line 2"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_groups_and_hotels),
        cmocka_unit_test(test_destination_filter),
        cmocka_unit_test(test_without_duration),
        cmocka_unit_test(test_hotel_offers_without_search),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_fields_bad),
        cmocka_unit_test(test_cache_keys),
        cmocka_unit_test(test_destinations_endpoint),
        cmocka_unit_test(test_calendar_destination),
        cmocka_unit_test(test_names_from_the_data),
        cmocka_unit_test(test_name_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
