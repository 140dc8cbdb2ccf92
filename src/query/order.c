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

/* The price order as one integer: price high, hotel index low. */
static inline uint64_t price_key(const hotel_best *h) { return (uint64_t)h->min_price << 32 | h->hotel; }

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

/* Below this many keys the quicksort wins (a radix pass costs 256 bucket
 * steps whatever n is). */
#define RADIX_MIN 64

/* Sorts k[0, n) ascending by their low `bits` bits (the others are zero):
 * LSD radix sort, a byte per pass, skipping a byte all keys share. tmp
 * has room for n keys. Each pass is a count and a scatter, with no
 * compares to mispredict, where a quicksort of a few hundred keys spends
 * most of its time on mispredicted branches. */
static void radix_sort_u64(uint64_t *k, uint64_t *tmp, size_t n, unsigned bits)
{
    uint64_t *from = k, *to = tmp;
    for (unsigned sh = 0; sh < bits; sh += 8) {
        uint32_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[from[i] >> sh & 255]++;
        if (count[from[0] >> sh & 255] == n) /* one value of this byte: nothing to move */
            continue;
        uint32_t sum = 0;
        for (unsigned d = 0; d < 256; d++) {
            uint32_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t x = from[i];
            to[count[x >> sh & 255]++] = x;
        }
        uint64_t *t = from;
        from = to;
        to = t;
    }
    if (from != k)
        memcpy(k, from, n * sizeof *k);
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
    /* The default order is one integer key: price high, hotel index low
     * (hotel indexes follow hotel ids), so an integer sort does it. When v
     * is in hotel order (query_best_offers' output, the usual case) an
     * item's position orders as its hotel does, so the key's low part can
     * be the position and name the item directly; otherwise each key's
     * item is found through a hotel -> position map built on the fly. The
     * key is packed (price above the lowest, then just enough bits for the
     * low part), so a radix sort needs few byte passes: ~3 for a typical
     * answer of a few hundred hotels. */
    bool hotel_order = true;
    uint32_t lo = UINT32_MAX, hi = 0, low_max = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && hotel_order)
            hotel_order = v[i - 1].hotel < v[i].hotel;
        lo = v[i].min_price < lo ? v[i].min_price : lo;
        hi = v[i].min_price > hi ? v[i].min_price : hi;
        low_max = v[i].hotel > low_max ? v[i].hotel : low_max;
    }
    if (hotel_order)
        low_max = (uint32_t)(n - 1);
    unsigned low_bits = 64 - (unsigned)__builtin_clzll((uint64_t)low_max | 1);
    uint64_t low_mask = (1ull << low_bits) - 1;
    uint64_t *keys = xmalloc(2 * n * sizeof *keys);
    hotel_best *tmp = xmalloc(n * sizeof *tmp);
    for (size_t i = 0; i < n; i++)
        keys[i] = (uint64_t)(v[i].min_price - lo) << low_bits | (hotel_order ? (uint32_t)i : v[i].hotel);
    if (n < RADIX_MIN)
        sort_u64(keys, n);
    else
        radix_sort_u64(keys, keys + n, n, low_bits + 64 - (unsigned)__builtin_clzll((uint64_t)(hi - lo) | 1));
    memcpy(tmp, v, n * sizeof *tmp);
    if (hotel_order) {
        for (size_t i = 0; i < n; i++)
            v[i] = tmp[keys[i] & low_mask];
    } else {
        uint32_t *pos = xmalloc((size_t)s->n_hotels * sizeof *pos);
        for (size_t i = 0; i < n; i++)
            pos[tmp[i].hotel] = (uint32_t)i;
        for (size_t i = 0; i < n; i++)
            v[i] = tmp[pos[keys[i] & low_mask]];
        free(pos);
    }
    free(tmp);
    free(keys);
}

/* ---- the first k: selection, then a sort of those -------------------------
 * A page of 20 out of 1,000 hotels needs the 20 first, not a sorted 1,000.
 * In the price order three passes find them (below); the other orders need
 * a comparator: one pass keeps the k best seen so far in a max-heap (its
 * top is the worst of them; a later item enters only if it beats the top,
 * which after the first few hundred items is rare), the top is then the
 * k-th item, and moving every item that does not come after it to the
 * front gives exactly the k first (the orders are total). Either way the
 * front is then sorted by query_sort_best.
 * Measured for 20 of ~400 hotels (10M, typical searches): the price
 * histogram 1.1 us, the heap 2.2 us, a buffer of 2k candidates below a
 * threshold, sorted when full, 2.9 us. */

typedef int (*cmp_fn)(const void *, const void *);

/* The same over positions in v for the orders that need a comparator. */
static void sift_down_pos(const hotel_best *v, cmp_fn cmp, uint32_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && cmp(&v[h[c + 1]], &v[h[c]]) > 0)
            c++;
        if (cmp(&v[h[i]], &v[h[c]]) >= 0)
            return;
        uint32_t t = h[i];
        h[i] = h[c];
        h[c] = t;
        i = c;
    }
}

static hotel_best kth_by_cmp(const hotel_best *v, size_t n, size_t k, cmp_fn cmp, uint32_t *h)
{
    for (size_t i = 0; i < k; i++)
        h[i] = (uint32_t)i;
    for (size_t i = k / 2; i-- > 0;)
        sift_down_pos(v, cmp, h, k, i);
    for (size_t i = k; i < n; i++) {
        if (cmp(&v[i], &v[h[0]]) < 0) {
            h[0] = (uint32_t)i;
            sift_down_pos(v, cmp, h, k, 0);
        }
    }
    return v[h[0]];
}

void query_sort_best_first(const store_t *s, hotel_best *v, size_t n, size_t k, best_sort by)
{
    /* a selection pays off while k is small next to n; past that, and for
     * a page that takes everything, a full sort */
    if (k >= n / 4) {
        query_sort_best(s, v, n, by);
        return;
    }
    if (k == 0)
        return;
    enum { ON_STACK = 128 };
    size_t front = 0;
    if (by == SORT_PRICE) {
        /* a histogram of the top 8 bits of the price (above the lowest)
         * gives the bucket that holds the k-th price; every item of that
         * bucket or a lower one goes to the front: those are the k first
         * and a few more, and a price in a higher bucket is higher than
         * all of them */
        uint32_t lo = UINT32_MAX, hi = 0;
        for (size_t i = 0; i < n; i++) {
            lo = v[i].min_price < lo ? v[i].min_price : lo;
            hi = v[i].min_price > hi ? v[i].min_price : hi;
        }
        unsigned bits = 32 - (unsigned)__builtin_clz((hi - lo) | 1), shift = bits > 8 ? bits - 8 : 0;
        uint32_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[(v[i].min_price - lo) >> shift]++;
        uint32_t last = 0;
        for (size_t below = 0; below + count[last] < k; last++)
            below += count[last];
        for (size_t i = 0; i < n; i++) {
            if ((v[i].min_price - lo) >> shift <= last) {
                hotel_best t = v[i];
                v[i] = v[front];
                v[front++] = t;
            }
        }
    } else {
        uint32_t small[ON_STACK];
        uint32_t *heap = k <= ON_STACK ? small : xmalloc(k * sizeof *heap);
        tl_store = s;
        cmp_fn cmp = by == SORT_STARS ? by_stars : by_name;
        hotel_best last = kth_by_cmp(v, n, k, cmp, heap);
        for (size_t i = 0; i < n; i++) {
            if (cmp(&v[i], &last) <= 0) {
                hotel_best t = v[i];
                v[i] = v[front];
                v[front++] = t;
            }
        }
        if (heap != small)
            free(heap);
    }
    query_sort_best(s, v, front, by); /* front >= k (== k for the heap: the orders are total) */
}
