/* Unit tests of query/order: query_sort_best_first (the first k items of an
 * answer, for a page) must give exactly the items and the order of a full
 * sort, in every order, with the ties each order breaks (equal prices,
 * equal stars, equal names, a name that is a prefix of another), on input
 * in hotel order (query_best_offers' output) and shuffled; and
 * query_sort_best must agree with an order written out here from PRODUCT's
 * rules, on each of its paths (input in hotel order or not; quicksort
 * below 64 items, radix sort above, with narrow and wide prices). */
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
#include "testutil.h"

enum { N_HOTELS = 90 };

static char *dir;
static store_t *S;

/* Names with ties and prefixes ("Sol" < "Sol Mar" < "Sola"; bytewise, so
 * "Zafiro" < "bahia" < "Àgora"), stars with ties, one hotel per id. */
static int setup(void **state)
{
    (void)state;
    static const char *names[] = {"Sol", "Sol Mar", "Sola", "bahia", "Zafiro", "\xc3\x80gora", "Sol"};
    static const char *stars[] = {"3.0", "4.0", "4.5", "4.0"};
    dir = tu_mkdtemp("order");
    buf_t h = {0}, o = {0};
    BUF_LIT(&h, "hotelid;hotelname;hotelstars\n");
    BUF_LIT(&o, TU_HEADER_2023);
    for (unsigned i = 1; i <= N_HOTELS; i++) {
        buf_printf(&h, "%u;%s;%s\n", i, names[i % 7], stars[i % 4]);
        tu_offer(&o, i, "2023-07-10", "10:00", "2023-07-17", "12:00", 2, 0, 100 + i, "HAM", "NONE", false,
                 "DOUBLE");
    }
    tu_write(tu_path(dir, "hotels.csv"), h.data, h.len);
    S = tu_build_store_with(dir, o.data, o.len, tu_path(dir, "hotels.csv"));
    buf_free(&h);
    buf_free(&o);
    assert_int_equal(S->n_hotels, N_HOTELS);
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

/* The orders, written out independently of order.c. */
static int cmp_price(const hotel_best *a, const hotel_best *b)
{
    if (a->min_price != b->min_price)
        return a->min_price < b->min_price ? -1 : 1;
    return a->hotel < b->hotel ? -1 : a->hotel > b->hotel;
}

static int cmp_in(best_sort by, const hotel_best *a, const hotel_best *b)
{
    const store_hotel *ha = &S->hotels[a->hotel], *hb = &S->hotels[b->hotel];
    if (by == SORT_STARS) {
        if (ha->stars_x10 != hb->stars_x10)
            return ha->stars_x10 > hb->stars_x10 ? -1 : 1;
        return cmp_price(a, b);
    }
    if (by == SORT_NAME) {
        for (size_t i = 0; i < ha->name_len && i < hb->name_len; i++) {
            unsigned char x = (unsigned char)S->names[ha->name_off + i], y = (unsigned char)S->names[hb->name_off + i];
            if (x != y)
                return x < y ? -1 : 1;
        }
        if (ha->name_len != hb->name_len)
            return ha->name_len < hb->name_len ? -1 : 1;
        return a->hotel < b->hotel ? -1 : a->hotel > b->hotel;
    }
    return cmp_price(a, b);
}

static uint64_t rng = 88172645463325252ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

/* n items of distinct hotels in hotel order, prices from a narrow range so
 * many are equal (or, every third call, from the whole 32-bit range, so a
 * radix sort needs all its passes); shuffled unless `hotel_order`. */
static void make_items(hotel_best *v, size_t n, bool hotel_order)
{
    static unsigned calls;
    bool wide = ++calls % 3 == 0;
    size_t k = 0;
    for (uint32_t h = 0; h < N_HOTELS && k < n; h++) /* a random subset of the hotels */
        if (next_rand() % (N_HOTELS - h) < n - k)
            v[k++] = (hotel_best){.hotel = h,
                                  .min_price = wide ? next_rand() >> (next_rand() % 32) : 1 + next_rand() % 6,
                                  .count = h,
                                  .best = h * 3};
    assert_int_equal(k, n);
    if (!hotel_order)
        for (size_t i = n; i > 1; i--) {
            size_t j = next_rand() % i;
            hotel_best t = v[i - 1];
            v[i - 1] = v[j];
            v[j] = t;
        }
}

static bool same(const hotel_best *a, const hotel_best *b)
{
    return a->hotel == b->hotel && a->min_price == b->min_price && a->count == b->count && a->best == b->best;
}

/* v holds each item of ref exactly once */
static void assert_permutation(const hotel_best *v, const hotel_best *ref, size_t n)
{
    bool seen[N_HOTELS] = {0};
    for (size_t i = 0; i < n; i++) {
        assert_false(seen[v[i].hotel]);
        seen[v[i].hotel] = true;
        size_t j = 0;
        while (j < n && ref[j].hotel != v[i].hotel)
            j++;
        assert_true(j < n && same(&v[i], &ref[j]));
    }
}

static void test_full_sort_matches_the_rules(void **state)
{
    (void)state;
    hotel_best v[N_HOTELS], orig[N_HOTELS];
    for (int round = 0; round < 400; round++) {
        size_t n = round < 3 ? N_HOTELS - (size_t)round : next_rand() % (N_HOTELS + 1);
        make_items(orig, n, round % 2 == 0);
        for (best_sort by = SORT_PRICE; by <= SORT_NAME; by++) {
            memcpy(v, orig, n * sizeof *v);
            query_sort_best(S, n ? v : NULL, n, by);
            for (size_t i = 1; i < n; i++)
                assert_true(cmp_in(by, &v[i - 1], &v[i]) < 0);
            assert_permutation(v, orig, n);
        }
    }
}

static void test_first_k_is_the_full_sorts_prefix(void **state)
{
    (void)state;
    hotel_best v[N_HOTELS], orig[N_HOTELS], full[N_HOTELS];
    for (int round = 0; round < 60; round++) {
        size_t n = round < 4 ? (size_t)round : next_rand() % (N_HOTELS + 1);
        make_items(orig, n, round % 3 == 0);
        for (best_sort by = SORT_PRICE; by <= SORT_NAME; by++) {
            memcpy(full, orig, n * sizeof *full);
            query_sort_best(S, n ? full : NULL, n, by);
            for (size_t k = 0; k <= n + 2; k++) {
                memcpy(v, orig, n * sizeof *v);
                query_sort_best_first(S, n ? v : NULL, n, k, by);
                for (size_t i = 0; i < k && i < n; i++)
                    assert_true(same(&v[i], &full[i]));
                assert_permutation(v, orig, n);
            }
            memcpy(v, orig, n * sizeof *v);
            query_sort_best_first(S, n ? v : NULL, n, SIZE_MAX, by); /* no limit */
            for (size_t i = 0; i < n; i++)
                assert_true(same(&v[i], &full[i]));
        }
    }
}

/* Every item at one price: the k first are the k lowest hotels. */
static void test_first_k_all_prices_equal(void **state)
{
    (void)state;
    hotel_best v[N_HOTELS];
    for (uint32_t i = 0; i < N_HOTELS; i++)
        v[i] = (hotel_best){.hotel = N_HOTELS - 1 - i, .min_price = 7};
    query_sort_best_first(S, v, N_HOTELS, 5, SORT_PRICE);
    for (uint32_t i = 0; i < 5; i++)
        assert_int_equal(v[i].hotel, i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_sort_matches_the_rules),
        cmocka_unit_test(test_first_k_is_the_full_sorts_prefix),
        cmocka_unit_test(test_first_k_all_prices_equal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
