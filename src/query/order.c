/* Ordering of search results: see order.h for the orders. The default
 * (price) order is one 64-bit integer key per hotel, sorted inline; the
 * others go through qsort with a comparator that reads the store. */
#include "query/order.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

/* The store the qsort comparators read (qsort passes them no context). */
static _Thread_local const store_t *tl_store;

static int by_price(const void *x, const void *y)
{
    const hotel_best *a = x, *b = y;
    if (a->min_price != b->min_price)
        return a->min_price < b->min_price ? -1 : 1;
    return a->hotel < b->hotel ? -1 : a->hotel > b->hotel;
}

static int by_stars(const void *x, const void *y)
{
    const hotel_best *a = x, *b = y;
    uint8_t sa = tl_store->hotels[a->hotel].stars_x10, sb = tl_store->hotels[b->hotel].stars_x10;
    if (sa != sb)
        return sa > sb ? -1 : 1;
    return by_price(x, y);
}

static int by_name(const void *x, const void *y)
{
    const hotel_best *a = x, *b = y;
    const store_hotel *ha = &tl_store->hotels[a->hotel], *hb = &tl_store->hotels[b->hotel];
    size_t n = ha->name_len < hb->name_len ? ha->name_len : hb->name_len;
    int c = memcmp(tl_store->names + ha->name_off, tl_store->names + hb->name_off, n);
    if (c)
        return c;
    if (ha->name_len != hb->name_len)
        return ha->name_len < hb->name_len ? -1 : 1;
    return a->hotel < b->hotel ? -1 : a->hotel > b->hotel;
}

/* Sorts distinct 64-bit keys ascending: quicksort (median of three, so with
 * distinct keys both parts are smaller than n) and an insertion sort below
 * 16. Inline compares instead of qsort's calls through a pointer. */
static void sort_u64(uint64_t *k, size_t n)
{
    while (n > 16) {
        uint64_t a = k[0], b = k[n / 2], c = k[n - 1];
        uint64_t pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = 0, j = n - 1;
        for (;;) {
            while (k[i] < pivot)
                i++;
            while (k[j] > pivot)
                j--;
            if (i >= j)
                break;
            uint64_t t = k[i];
            k[i++] = k[j];
            k[j--] = t;
        }
        /* [0, j] <= pivot <= [j + 1, n): recurse on the smaller part */
        if (j + 1 < n - j - 1) {
            sort_u64(k, j + 1);
            k += j + 1;
            n -= j + 1;
        } else {
            sort_u64(k + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t x = k[i];
        size_t j = i;
        for (; j > 0 && k[j - 1] > x; j--)
            k[j] = k[j - 1];
        k[j] = x;
    }
}

void query_sort_best(const store_t *s, hotel_best *v, size_t n, best_sort by)
{
    if (n < 2) /* v is NULL when nothing matched */
        return;
    if (by != SORT_PRICE) {
        tl_store = s;
        qsort(v, n, sizeof *v, by == SORT_STARS ? by_stars : by_name);
        return;
    }
    /* The default order is one 64-bit key: price high, hotel index low
     * (hotel indexes follow hotel ids), so a plain integer sort does it. */
    uint64_t *keys = xmalloc(n * sizeof *keys);
    hotel_best *tmp = xmalloc(n * sizeof *tmp);
    for (size_t i = 0; i < n; i++)
        keys[i] = (uint64_t)v[i].min_price << 32 | v[i].hotel;
    sort_u64(keys, n);
    /* v is in hotel order (query_best_offers' output) or arbitrary: find
     * each key's item through a hotel -> position map built on the fly */
    memcpy(tmp, v, n * sizeof *tmp);
    uint32_t *pos = xmalloc((size_t)s->n_hotels * sizeof *pos);
    for (size_t i = 0; i < n; i++)
        pos[tmp[i].hotel] = (uint32_t)i;
    for (size_t i = 0; i < n; i++)
        v[i] = tmp[pos[(uint32_t)keys[i]]];
    free(pos);
    free(tmp);
    free(keys);
}
