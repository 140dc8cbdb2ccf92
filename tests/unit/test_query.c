/* Unit tests of query/query on a small hand-made dump imported through the
 * real importer, where every answer is known: the challenge's example
 * search among near misses, the date window's boundaries, each filter,
 * the sort orders, tie-breaking and hotel-offer paging. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/order.h"
#include "query/query.h"
#include "store/store.h"
#include "util/days.h"
#include "testutil.h"

static char *dir;
static store_t *S;

#define D(y, m, d) days_from_civil(y, m, d)

static int setup(void **state)
{
    (void)state;
    dir = tu_mkdtemp("query");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    /* (2 adults, 0 children, 7 nights): the challenge example and its near misses */
    tu_offer(&b, 1, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 999, "HAM", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 2, "2023-07-10", "10:00", "2023-07-16", "12:00", 2, 0, 100, "HAM", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 2, "2023-07-10", "10:00", "2023-07-18", "12:00", 2, 0, 100, "HAM", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 3, "2023-08-25", "10:00", "2023-09-01", "12:00", 2, 0, 50, "HAM", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 3, "2023-06-30", "10:00", "2023-07-07", "12:00", 2, 0, 50, "HAM", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 4, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 10, "MUC", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 5, "2023-07-10", "10:00", "2023-07-17", "12:00", 3, 0, 10, "HAM", "BREAKFAST", false, "DOUBLE");
    tu_offer(&b, 6, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 1, 10, "HAM", "BREAKFAST", false, "DOUBLE");
    /* boundaries, from BER */
    tu_offer(&b, 7, "2023-07-01", "06:00", "2023-07-08", "12:00", 2, 0, 500, "BER", "NONE", false, "STUDIO");
    tu_offer(&b, 8, "2023-08-24", "06:00", "2023-08-31", "20:00", 2, 0, 600, "BER", "NONE", false, "STUDIO");
    /* an offer of a hotel missing from hotels.csv */
    tu_offer(&b, 5000, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 1, "NRN", "NONE", false, "STUDIO");
    /* (4, 0, 7) from DUS: the filters */
    tu_offer(&b, 1, "2023-07-05", "10:00", "2023-07-12", "12:00", 4, 0, 300, "DUS", "BREAKFAST", true, "DOUBLE");
    tu_offer(&b, 1, "2023-07-06", "10:00", "2023-07-13", "12:00", 4, 0, 200, "DUS", "HALFBOARD", false, "SUITE");
    tu_offer(&b, 9, "2023-07-05", "10:00", "2023-07-12", "12:00", 4, 0, 400, "DUS", "ALLINCLUSIVE", false, "DOUBLE");
    tu_offer(&b, 10, "2023-07-05", "10:00", "2023-07-12", "12:00", 4, 0, 100, "DUS", "NONE", true, "APARTMENT");
    /* (5, 0, 7) from FRA: equal minimum prices */
    tu_offer(&b, 2, "2023-07-05", "10:00", "2023-07-12", "12:00", 5, 0, 700, "FRA", "NONE", false, "DOUBLE");
    tu_offer(&b, 2, "2023-07-20", "10:00", "2023-07-27", "12:00", 5, 0, 500, "FRA", "NONE", false, "DOUBLE");
    tu_offer(&b, 2, "2023-07-10", "18:00", "2023-07-17", "12:00", 5, 0, 500, "FRA", "NONE", false, "DOUBLE");
    tu_offer(&b, 2, "2023-07-10", "06:00", "2023-07-17", "12:00", 5, 0, 500, "FRA", "NONE", false, "DOUBLE");
    tu_offer(&b, 2, "2023-07-01", "10:00", "2023-07-08", "12:00", 5, 0, 900, "FRA", "NONE", false, "DOUBLE");
    /* the same minimum from HAM (a lower airport id than FRA), departing later */
    tu_offer(&b, 2, "2023-07-28", "10:00", "2023-08-04", "12:00", 5, 0, 500, "HAM", "NONE", false, "DOUBLE");
    /* (6, 0, 7): a larger run, over two airports, with two offers at the
     * minimum: HAM (lower airport id) late, FRA early */
    for (int i = 0; i < 40; i++) {
        char dep[11] = "", ret[11] = "";
        format_date(D(2023, 7, 1) + i % 30, dep);
        format_date(D(2023, 7, 8) + i % 30, ret);
        tu_offer(&b, 3, dep, "09:00", ret, "11:00", 6, 0, 1000 + (unsigned)i, i % 2 ? "HAM" : "FRA", "NONE", false,
                 "DOUBLE");
    }
    tu_offer(&b, 3, "2023-07-25", "10:00", "2023-08-01", "12:00", 6, 0, 100, "HAM", "NONE", false, "DOUBLE");
    tu_offer(&b, 3, "2023-07-08", "10:00", "2023-07-15", "12:00", 6, 0, 100, "FRA", "NONE", false, "DOUBLE");
    /* (2, 0, 0): a same-day return */
    tu_offer(&b, 11, "2023-07-03", "06:00", "2023-07-03", "18:00", 2, 0, 77, "HAM", "NONE", false, "DOUBLE");
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

static uint32_t hotel(uint32_t id)
{
    int64_t h = store_find_hotel(S, id);
    if (h < 0)
        fail_msg("hotel %u not in the store", id);
    return (uint32_t)h;
}

static search_t search(int32_t e, int32_t l, unsigned nights, unsigned adults, unsigned children,
                       const char *airports)
{
    search_t q;
    search_init(&q);
    q.earliest = e;
    q.latest = l;
    q.nights = (uint16_t)nights;
    q.adults = (uint8_t)adults;
    q.children = (uint8_t)children;
    if (airports) {
        q.any_airport = false;
        char tmp[64];
        snprintf(tmp, sizeof tmp, "%s", airports);
        for (char *t = strtok(tmp, ","); t; t = strtok(NULL, ",")) {
            int id = store_dict_find(S, STORE_DICT_AIRPORT, t, strlen(t));
            if (id >= 0)
                bitset_set(&q.airports, (unsigned)id);
        }
    }
    return q;
}

static void add_dict(bitset256 *set, bool *any, int dict, const char *v)
{
    int id = store_dict_find(S, dict, v, strlen(v));
    assert_true(id >= 0);
    bitset_set(set, (unsigned)id);
    *any = false;
}

static const hotel_best *find_best(const hotel_best_vec *v, uint32_t id)
{
    for (size_t i = 0; i < v->len; i++)
        if (S->hotels[v->items[i].hotel].id == id)
            return &v->items[i];
    return NULL;
}

/* Hotel ids of the result, in order, as "1,9,10". */
static const char *ids(const hotel_best *v, size_t n)
{
    static char out[256];
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(out + o, sizeof out - o, i ? ",%u" : "%u", S->hotels[v[i].hotel].id);
    return out;
}

static void test_store_shape(void **state)
{
    (void)state;
    assert_int_equal(S->n_offers, 64);
    assert_int_equal(S->n_hotels, 999); /* 998 + the unknown one */
}

/* The challenge example: exactly one hotel among the near misses. */
static void test_challenge_example(void **state)
{
    (void)state;
    search_t q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 2, 0, "HAM");
    hotel_best_vec v = {0};
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, 1);
    assert_int_equal(S->hotels[v.items[0].hotel].id, 1);
    assert_int_equal(v.items[0].count, 1);
    assert_int_equal(v.items[0].min_price, 999);
    uint32_t o = v.items[0].best;
    assert_int_equal(S->price[o], 999);
    assert_int_equal(S->dep_day[o], D(2023, 7, 10));
    hotel_best_vec_free(&v);
}

static void test_any_airport(void **state)
{
    (void)state;
    search_t q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 2, 0, NULL);
    hotel_best_vec v = {0};
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, 5); /* 1 (HAM), 4 (MUC), 7, 8 (BER), 5000 (NRN) */
    assert_non_null(find_best(&v, 1));
    assert_non_null(find_best(&v, 4));
    assert_non_null(find_best(&v, 7));
    assert_non_null(find_best(&v, 8));
    assert_non_null(find_best(&v, 5000));
    assert_null(find_best(&v, 2));
    assert_null(find_best(&v, 3));
    /* in hotel-index order before sorting */
    for (size_t i = 1; i < v.len; i++)
        assert_true(v.items[i - 1].hotel < v.items[i].hotel);
    query_sort_best(S, v.items, v.len, SORT_PRICE);
    assert_string_equal(ids(v.items, v.len), "5000,4,7,8,1");
    hotel_best_vec_free(&v);

    /* several airports */
    q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 2, 0, "HAM,MUC");
    query_best_offers(S, &q, &v);
    query_sort_best(S, v.items, v.len, SORT_PRICE);
    assert_string_equal(ids(v.items, v.len), "4,1");
    hotel_best_vec_free(&v);

    /* an explicit airport set that matches nothing */
    q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 2, 0, "");
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, 0);
    hotel_best_vec_free(&v);
}

static void test_boundaries(void **state)
{
    (void)state;
    hotel_best_vec v = {0};
    search_t q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 2, 0, "BER");
    query_best_offers(S, &q, &v);
    query_sort_best(S, v.items, v.len, SORT_PRICE);
    assert_string_equal(ids(v.items, v.len), "7,8");

    q = search(D(2023, 7, 2), D(2023, 8, 31), 7, 2, 0, "BER"); /* one day later */
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "8");

    q = search(D(2023, 7, 1), D(2023, 8, 30), 7, 2, 0, "BER"); /* one day earlier */
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "7");

    /* the window is exactly one trip long */
    q = search(D(2023, 7, 1), D(2023, 7, 8), 7, 2, 0, "BER");
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "7");

    /* shorter than the trip: nothing, however the days fall */
    q = search(D(2023, 7, 1), D(2023, 7, 7), 7, 2, 0, "BER");
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, 0);
    q = search(D(2023, 8, 31), D(2023, 7, 1), 7, 2, 0, NULL);
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, 0);
    hotel_best_vec_free(&v);
}

static void test_exact_counts_and_nights(void **state)
{
    (void)state;
    hotel_best_vec v = {0};
    search_t q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 3, 0, NULL);
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "5");
    q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 2, 1, NULL);
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "6");
    q = search(D(2023, 7, 1), D(2023, 8, 31), 6, 2, 0, NULL);
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "2");
    assert_int_equal(v.items[0].min_price, 100);
    q = search(D(2023, 7, 1), D(2023, 8, 31), 8, 2, 0, NULL);
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "2");
    q = search(D(2023, 6, 1), D(2023, 9, 30), 7, 2, 0, "HAM");
    query_best_offers(S, &q, &v);
    query_sort_best(S, v.items, v.len, SORT_PRICE);
    assert_string_equal(ids(v.items, v.len), "3,1");
    assert_int_equal(v.items[0].count, 2);
    assert_int_equal(v.items[0].min_price, 50);
    /* same-day return */
    q = search(D(2023, 7, 3), D(2023, 7, 3), 0, 2, 0, NULL);
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "11");
    assert_int_equal(v.items[0].min_price, 77);
    /* a group that does not exist */
    q = search(D(2023, 1, 1), D(2023, 12, 31), 30, 2, 0, NULL);
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, 0);
    q = search(D(2023, 1, 1), D(2023, 12, 31), 7, 9, 9, NULL);
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, 0);
    hotel_best_vec_free(&v);
}

static search_t filter_base(void)
{
    return search(D(2023, 7, 1), D(2023, 7, 31), 7, 4, 0, "DUS");
}

static void test_filters(void **state)
{
    (void)state;
    hotel_best_vec v = {0};
    search_t q = filter_base();
    query_best_offers(S, &q, &v);
    query_sort_best(S, v.items, v.len, SORT_PRICE);
    assert_string_equal(ids(v.items, v.len), "10,1,9");
    assert_int_equal(find_best(&v, 1)->count, 2);
    assert_int_equal(find_best(&v, 1)->min_price, 200);

    q = filter_base();
    add_dict(&q.meals, &q.any_meal, STORE_DICT_MEAL, "BREAKFAST");
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "1");
    assert_int_equal(v.items[0].min_price, 300);
    assert_int_equal(v.items[0].count, 1);

    q = filter_base();
    add_dict(&q.meals, &q.any_meal, STORE_DICT_MEAL, "BREAKFAST");
    add_dict(&q.meals, &q.any_meal, STORE_DICT_MEAL, "NONE");
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "1,10");

    q = filter_base();
    add_dict(&q.rooms, &q.any_room, STORE_DICT_ROOM, "DOUBLE");
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "1,9");
    assert_int_equal(find_best(&v, 1)->min_price, 300);
    assert_int_equal(find_best(&v, 9)->min_price, 400);

    q = filter_base();
    q.ocean_view = 1;
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "1,10");
    assert_int_equal(find_best(&v, 1)->min_price, 300);
    assert_true(S->room_ocean[find_best(&v, 1)->best] & STORE_OCEAN_BIT);

    q = filter_base();
    q.ocean_view = 0;
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "1,9");
    assert_int_equal(find_best(&v, 1)->min_price, 200);

    q = filter_base();
    q.min_stars_x10 = 40;
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "1,9");
    q.min_stars_x10 = 45;
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "9");

    q = filter_base();
    q.max_price = 250;
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "1,10");
    assert_int_equal(find_best(&v, 1)->count, 1);
    q.max_price = 200; /* inclusive */
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "1,10");
    q.max_price = 99;
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, 0);

    /* filters combine */
    q = filter_base();
    q.ocean_view = 1;
    add_dict(&q.rooms, &q.any_room, STORE_DICT_ROOM, "DOUBLE");
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "1");
    hotel_best_vec_free(&v);
}

static void test_sort_orders(void **state)
{
    (void)state;
    hotel_best_vec v = {0};
    search_t q = filter_base();
    query_best_offers(S, &q, &v);
    query_sort_best(S, v.items, v.len, SORT_STARS);
    assert_string_equal(ids(v.items, v.len), "9,1,10");
    query_sort_best(S, v.items, v.len, SORT_NAME); /* Bon Aire < Bonsol < Iberostar */
    assert_string_equal(ids(v.items, v.len), "10,9,1");
    query_sort_best(S, v.items, v.len, SORT_PRICE);
    assert_string_equal(ids(v.items, v.len), "10,1,9");
    hotel_best_vec_free(&v);

    /* equal prices: by hotel id */
    q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 2, 0, NULL);
    query_best_offers(S, &q, &v);
    hotel_best fake[3] = {v.items[0], v.items[1], v.items[2]};
    fake[0].min_price = fake[1].min_price = fake[2].min_price = 5;
    hotel_best tmp = fake[0];
    fake[0] = fake[2], fake[2] = tmp;
    query_sort_best(S, fake, 3, SORT_PRICE);
    assert_true(fake[0].hotel < fake[1].hotel && fake[1].hotel < fake[2].hotel);
    hotel_best_vec_free(&v);
}

/* On equal minimum prices the earliest departure is the best offer, on
 * every path a search can take (whole run, day index, per-airport lanes,
 * per-offer filters). */
static void test_tie_earliest_departure(void **state)
{
    (void)state;
    const struct {
        const char *what;
        int32_t e, l;
        const char *airports;
        bool meal_filter;
        uint32_t max_price;
        uint32_t count;
        int32_t want_day;
    } cases[] = {
        {"whole run", D(2023, 7, 1), D(2023, 8, 31), NULL, false, UINT32_MAX, 6, D(2023, 7, 10)},
        {"window inside the run", D(2023, 7, 2), D(2023, 8, 31), NULL, false, UINT32_MAX, 5, D(2023, 7, 10)},
        {"all of the run's airports", D(2023, 7, 1), D(2023, 8, 31), "FRA,HAM", false, UINT32_MAX, 6,
         D(2023, 7, 10)},
        {"airports and window", D(2023, 7, 2), D(2023, 8, 31), "HAM,FRA", false, UINT32_MAX, 5, D(2023, 7, 10)},
        {"airports plus one absent", D(2023, 7, 2), D(2023, 8, 31), "HAM,FRA,MUC", false, UINT32_MAX, 5,
         D(2023, 7, 10)},
        {"meal filter", D(2023, 7, 1), D(2023, 8, 31), NULL, true, UINT32_MAX, 6, D(2023, 7, 10)},
        {"max price", D(2023, 7, 1), D(2023, 8, 31), NULL, false, 600, 4, D(2023, 7, 10)},
        {"after 10 July", D(2023, 7, 11), D(2023, 8, 31), NULL, false, UINT32_MAX, 2, D(2023, 7, 20)},
        {"after 10 July, meal filter", D(2023, 7, 11), D(2023, 8, 31), NULL, true, UINT32_MAX, 2,
         D(2023, 7, 20)},
    };
    char failures[2048] = "";
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        search_t q = search(cases[i].e, cases[i].l, 7, 5, 0, cases[i].airports);
        if (cases[i].meal_filter)
            add_dict(&q.meals, &q.any_meal, STORE_DICT_MEAL, "NONE");
        q.max_price = cases[i].max_price;
        hotel_best_vec v = {0};
        query_best_offers(S, &q, &v);
        assert_int_equal(v.len, 1);
        assert_int_equal(v.items[0].min_price, 500);
        assert_int_equal(v.items[0].count, cases[i].count);
        assert_int_equal(S->price[v.items[0].best], 500);
        int32_t day = S->dep_day[v.items[0].best];
        if (day != cases[i].want_day) {
            char got[11] = "", want[11] = "";
            format_date(day, got);
            format_date(cases[i].want_day, want);
            size_t o = strlen(failures);
            snprintf(failures + o, sizeof failures - o, "\n  %s: best departs %s, want %s", cases[i].what, got,
                     want);
        }
        hotel_best_vec_free(&v);
    }
    if (failures[0])
        fail_msg("equal minimum prices:%s", failures);
}

/* The same on a run with a day index. */
static void test_tie_earliest_departure_large_run(void **state)
{
    (void)state;
    const struct {
        const char *what;
        int32_t e;
        const char *airports;
        bool meal_filter;
        uint32_t count;
    } cases[] = {
        {"whole run", D(2023, 7, 1), NULL, false, 42},
        {"day index", D(2023, 7, 2), NULL, false, 40},
        {"day index, all airports", D(2023, 7, 2), "FRA,HAM", false, 40},
        {"lanes", D(2023, 7, 2), "HAM,FRA,MUC", true, 40},
    };
    char failures[1024] = "";
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        search_t q = search(cases[i].e, D(2023, 8, 31), 7, 6, 0, cases[i].airports);
        if (cases[i].meal_filter)
            add_dict(&q.meals, &q.any_meal, STORE_DICT_MEAL, "NONE");
        hotel_best_vec v = {0};
        query_best_offers(S, &q, &v);
        assert_int_equal(v.len, 1);
        assert_int_equal(v.items[0].min_price, 100);
        assert_int_equal(v.items[0].count, cases[i].count);
        int32_t day = S->dep_day[v.items[0].best];
        if (day != D(2023, 7, 8)) {
            char got[11] = "";
            format_date(day, got);
            size_t o = strlen(failures);
            snprintf(failures + o, sizeof failures - o, "\n  %s: best departs %s, want 2023-07-08", cases[i].what,
                     got);
        }
        hotel_best_vec_free(&v);
    }
    if (failures[0])
        fail_msg("equal minimum prices:%s", failures);
}

static void expect_offer(uint32_t o, uint32_t price, int32_t day, uint32_t sec)
{
    assert_int_equal(S->price[o], price);
    assert_int_equal(S->dep_day[o], day);
    assert_int_equal(DETAIL_SEC(S->detail[o].out_dep), sec);
}

static void test_hotel_offers_order_and_paging(void **state)
{
    (void)state;
    search_t q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 5, 0, NULL);
    offer_page all = {0};
    query_hotel_offers(S, &q, hotel(2), NULL, 1000, &all);
    assert_int_equal(all.len, 6);
    assert_int_equal(all.total, 6);
    assert_false(all.more);
    expect_offer(all.items[0], 500, D(2023, 7, 10), 6 * 3600);
    expect_offer(all.items[1], 500, D(2023, 7, 10), 18 * 3600);
    expect_offer(all.items[2], 500, D(2023, 7, 20), 10 * 3600);
    expect_offer(all.items[3], 500, D(2023, 7, 28), 10 * 3600);
    expect_offer(all.items[4], 700, D(2023, 7, 5), 10 * 3600);
    expect_offer(all.items[5], 900, D(2023, 7, 1), 10 * 3600);
    for (size_t i = 1; i < all.len; i++) {
        offer_pos a = query_offer_pos(S, all.items[i - 1]), b = query_offer_pos(S, all.items[i]);
        assert_true(offer_pos_cmp(&a, &b) < 0);
        assert_true(offer_pos_cmp(&b, &a) > 0);
        assert_int_equal(offer_pos_cmp(&a, &a), 0);
    }

    /* pages of 2 concatenate to the whole list */
    offer_page page = {0};
    uint32_t got[8];
    size_t n = 0, pages = 0;
    offer_pos after, *ap = NULL;
    do {
        query_hotel_offers(S, &q, hotel(2), ap, 2, &page);
        assert_int_equal(page.total, 6);
        assert_true(page.len <= 2);
        for (size_t i = 0; i < page.len && n < 8; i++)
            got[n++] = page.items[i];
        pages++;
        if (page.len) {
            after = query_offer_pos(S, page.items[page.len - 1]);
            ap = &after;
        }
    } while (page.more && pages < 10);
    assert_int_equal(pages, 3);
    assert_int_equal(n, 6);
    assert_memory_equal(got, all.items, 6 * sizeof *got);

    /* a page of exactly the remaining offers says no more */
    after = query_offer_pos(S, all.items[3]);
    query_hotel_offers(S, &q, hotel(2), &after, 2, &page);
    assert_int_equal(page.len, 2);
    assert_false(page.more);
    /* after the last: empty */
    after = query_offer_pos(S, all.items[5]);
    query_hotel_offers(S, &q, hotel(2), &after, 2, &page);
    assert_int_equal(page.len, 0);
    assert_int_equal(page.total, 6);
    assert_false(page.more);

    /* filters apply; other hotels and groups are empty */
    q.max_price = 600;
    query_hotel_offers(S, &q, hotel(2), NULL, 100, &page);
    assert_int_equal(page.total, 4);
    assert_int_equal(page.len, 4);
    query_hotel_offers(S, &q, hotel(1), NULL, 100, &page);
    assert_int_equal(page.total, 0);
    assert_int_equal(page.len, 0);
    q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 5, 0, NULL);
    q.min_stars_x10 = 50; /* hotel 2 has 4 stars */
    query_hotel_offers(S, &q, hotel(2), NULL, 100, &page);
    assert_int_equal(page.total, 0);
    q = search(D(2023, 7, 1), D(2023, 8, 31), 12, 5, 0, NULL);
    query_hotel_offers(S, &q, hotel(2), NULL, 100, &page);
    assert_int_equal(page.total, 0);
    offer_page_free(&page);
    offer_page_free(&all);
}

static void test_unknown_hotel_placeholder(void **state)
{
    (void)state;
    uint32_t h = hotel(5000);
    assert_int_equal(S->hotels[h].known, 0);
    assert_int_equal(S->hotels[h].stars_x10, 0);
    assert_true(S->hotels[h].name_len > 0);
    assert_int_equal(S->hotels[hotel(1)].known, 1);
    assert_int_equal(S->hotels[hotel(1)].stars_x10, 40);
    assert_memory_equal(S->names + S->hotels[hotel(1)].name_off, "Iberostar Playa de Muro", 23);
    assert_int_equal(store_find_hotel(S, 999), -1);
    assert_int_equal(store_find_hotel(S, 0), -1);
    assert_int_equal(store_find_hotel(S, 4999), -1);

    hotel_best_vec v = {0};
    search_t q = search(D(2023, 7, 1), D(2023, 8, 31), 7, 2, 0, "NRN");
    query_best_offers(S, &q, &v);
    assert_string_equal(ids(v.items, v.len), "5000");
    assert_int_equal(v.items[0].min_price, 1);
    /* with minStars the unknown hotel (0 stars) drops out */
    q.min_stars_x10 = 10;
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, 0);
    hotel_best_vec_free(&v);
}

/* More than 65,536 hotels: each offer's hotel is then a 32-bit slot
 * (store.h, SLOT32). 70,000 hotels with one offer each, half from HAM and
 * half from FRA, departing on 20 days: a search over one airport and a
 * part of the days finds exactly the hotels it should, each with its one
 * offer, and a search covering everything (the run summaries) finds all. */
static void test_more_than_65536_hotels(void **state)
{
    (void)state;
    char *wdir = tu_mkdtemp("query-wide");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    enum { N = 70000 };
    for (unsigned i = 0; i < N; i++) {
        char dep[11] = "", ret[11] = "";
        format_date(D(2023, 7, 1) + (int32_t)(i % 20), dep);
        format_date(D(2023, 7, 8) + (int32_t)(i % 20), ret);
        tu_offer(&b, 100000 + i, dep, "10:00", ret, "12:00", 2, 0, 1000 + (i * 7919) % 5000, i % 2 ? "FRA" : "HAM",
                 "NONE", false, "DOUBLE");
    }
    store_t *keep = S;
    S = tu_build_store(wdir, b.data, b.len);
    buf_free(&b);
    assert_true(S->n_hotels > STORE_SLOT16_HOTELS);
    hotel_best_vec v = {0};
    /* departures 2023-07-05 .. 07-13 from HAM: i % 20 in 4..12, i even */
    search_t q = search(D(2023, 7, 5), D(2023, 7, 20), 7, 2, 0, "HAM");
    query_best_offers(S, &q, &v);
    size_t want = 0;
    for (unsigned i = 0; i < N; i++)
        want += i % 2 == 0 && i % 20 >= 4 && i % 20 <= 12;
    assert_int_equal(v.len, want);
    for (size_t k = 0; k < v.len; k++) {
        unsigned i = S->hotels[v.items[k].hotel].id - 100000;
        assert_true(i % 2 == 0 && i % 20 >= 4 && i % 20 <= 12);
        assert_int_equal(v.items[k].count, 1);
        assert_int_equal(v.items[k].min_price, 1000 + (i * 7919) % 5000);
        assert_int_equal(S->price[v.items[k].best], v.items[k].min_price);
        assert_int_equal(store_offer_hotel(S, v.items[k].best), v.items[k].hotel);
        if (k)
            assert_true(v.items[k].hotel > v.items[k - 1].hotel); /* hotel order */
    }
    /* the last hotel (index > 65535) is among them */
    assert_non_null(find_best(&v, 100000 + 69992));
    /* any airport, every day: the run summaries, one entry per hotel */
    q = search(D(2023, 6, 1), D(2023, 9, 1), 7, 2, 0, NULL);
    query_best_offers(S, &q, &v);
    assert_int_equal(v.len, N);
    hotel_best_vec_free(&v);
    store_release(S);
    S = keep;
    tu_rmtree(wdir);
    free(wdir);
}

/* The weeks plan (store.h, store_week): a group dense enough to get a week
 * index (3 hotels, 2 airports, 70 departure days, 8 offers a day each,
 * prices repeating so that ties span weeks and airports). Every window
 * over any airport - whole weeks with days around them, days inside one
 * week, the whole span - gives what a plain pass over the offers gives:
 * per hotel the count, the cheapest price and, on equal prices, the
 * earliest departure. */
static void test_week_index_matches_offers(void **state)
{
    (void)state;
    char *wdir = tu_mkdtemp("query-weeks");
    buf_t b = {0};
    BUF_LIT(&b, TU_HEADER_2023);
    for (unsigned h = 0; h < 3; h++)
        for (int d = 0; d < 70; d++)
            for (unsigned k = 0; k < 8; k++) {
                char dep[11] = "", ret[11] = "";
                format_date(D(2023, 6, 1) + d, dep);
                format_date(D(2023, 6, 8) + d, ret);
                unsigned price = 300 + (unsigned)((d * 37 + (int)k * 11 + (int)h * 5) % 90);
                tu_offer(&b, 1 + h, dep, k % 2 ? "09:00" : "10:00", ret, "12:00", 2, 0, price + k, k % 2 ? "FRA" : "HAM",
                         k < 4 ? "NONE" : "BREAKFAST", false, "DOUBLE");
            }
    store_t *keep = S;
    S = tu_build_store(wdir, b.data, b.len);
    buf_free(&b);
    assert_int_equal(S->n_groups, 1);
    assert_true(S->groups[0].n_weeks > 0); /* the fixture is dense enough for an index */
    hotel_best_vec v = {0};
    int tested = 0;
    for (int e = -3; e < 75; e += 2)
        for (int len = 0; len < 60; len += 3) {
            search_t q = search(D(2023, 6, 1) + e, D(2023, 6, 1) + e + len + 7, 7, 2, 0, NULL);
            query_best_offers(S, &q, &v);
            /* the plain pass */
            uint32_t cnt[3] = {0}, min[3] = {UINT32_MAX, UINT32_MAX, UINT32_MAX}, day[3] = {0};
            for (uint32_t i = 0; i < S->n_offers; i++) {
                int32_t dd = S->dep_day[i];
                if (dd < q.earliest || dd + 7 > q.latest)
                    continue;
                uint32_t h = store_offer_hotel(S, i), id = S->hotels[h].id - 1;
                cnt[id]++;
                if (S->price[i] < min[id] || (S->price[i] == min[id] && (uint32_t)dd < day[id]))
                    min[id] = S->price[i], day[id] = (uint32_t)dd;
            }
            size_t want = (cnt[0] > 0) + (cnt[1] > 0) + (cnt[2] > 0);
            assert_int_equal(v.len, want);
            for (size_t k = 0; k < v.len; k++) {
                uint32_t id = S->hotels[v.items[k].hotel].id - 1;
                assert_int_equal(v.items[k].count, cnt[id]);
                assert_int_equal(v.items[k].min_price, min[id]);
                assert_int_equal(S->price[v.items[k].best], min[id]);
                assert_int_equal(S->dep_day[v.items[k].best], day[id]);
            }
            tested++;
        }
    assert_true(tested > 500);
    hotel_best_vec_free(&v);
    store_release(S);
    S = keep;
    tu_rmtree(wdir);
    free(wdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_shape),
        cmocka_unit_test(test_challenge_example),
        cmocka_unit_test(test_any_airport),
        cmocka_unit_test(test_boundaries),
        cmocka_unit_test(test_exact_counts_and_nights),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_sort_orders),
        cmocka_unit_test(test_tie_earliest_departure),
        cmocka_unit_test(test_tie_earliest_departure_large_run),
        cmocka_unit_test(test_hotel_offers_order_and_paging),
        cmocka_unit_test(test_unknown_hotel_placeholder),
        cmocka_unit_test(test_more_than_65536_hotels),
        cmocka_unit_test(test_week_index_matches_offers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
