/* Search execution. A search touches exactly one group (adults, children,
 * nights) and, inside it, one run per hotel; within a run offers are sorted
 * by departure day, so the date window is a binary search plus a scan of
 * the offers that depart inside it. Each scanned offer costs a few byte
 * compares on columns that sit next to each other in memory. */
#include "query/query.h"

#include <stdlib.h>
#include <string.h>

void search_init(search_t *q)
{
    memset(q, 0, sizeof *q);
    q->any_airport = q->any_meal = q->any_room = true;
    q->ocean_view = -1;
    q->max_price = UINT32_MAX;
}

static const store_group *find_group(const store_t *s, const search_t *q)
{
    uint32_t key = (uint32_t)q->adults << 24 | (uint32_t)q->children << 16 | q->nights;
    size_t lo = 0, hi = s->n_groups;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const store_group *g = &s->groups[mid];
        uint32_t k = (uint32_t)g->adults << 24 | (uint32_t)g->children << 16 | g->nights;
        if (k < key)
            lo = mid + 1;
        else if (k > key)
            hi = mid;
        else
            return g;
    }
    return NULL;
}

/* First index in [lo, hi) whose departure day is >= day. */
static uint32_t lower_day(const uint16_t *days, uint32_t lo, uint32_t hi, int32_t day)
{
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if ((int32_t)days[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static inline bool offer_matches(const store_t *s, const search_t *q, uint32_t i)
{
    if (!q->any_airport && !bitset_has(&q->airports, s->airport[i]))
        return false;
    if (s->price[i] > q->max_price)
        return false;
    if (!q->any_meal && !bitset_has(&q->meals, s->meal[i]))
        return false;
    uint8_t ro = s->room_ocean[i];
    if (!q->any_room && !bitset_has(&q->rooms, ro & 0x7F))
        return false;
    if (q->ocean_view >= 0 && (bool)(ro & STORE_OCEAN_BIT) != (bool)q->ocean_view)
        return false;
    return true;
}

/* The offer range of a run that departs inside the search window. */
static void window(const store_t *s, const search_t *q, const store_run *run, uint32_t *from, uint32_t *to)
{
    int32_t last_day = q->latest - q->nights;
    uint32_t end = run->start + run->count;
    if (last_day < q->earliest) {
        *from = *to = run->start;
        return;
    }
    *from = lower_day(s->dep_day, run->start, end, q->earliest);
    *to = lower_day(s->dep_day, *from, end, last_day + 1);
}

void query_best_offers(const store_t *s, const search_t *q, hotel_best_vec *out)
{
    out->len = 0;
    const store_group *g = find_group(s, q);
    if (!g)
        return;
    for (uint32_t r = g->first_run; r < g->first_run + g->run_count; r++) {
        const store_run *run = &s->runs[r];
        if (q->min_stars_x10 && s->hotels[run->hotel].stars_x10 < q->min_stars_x10)
            continue;
        uint32_t from, to, count = 0, best = 0, min_price = UINT32_MAX;
        window(s, q, run, &from, &to);
        for (uint32_t i = from; i < to; i++) {
            if (!offer_matches(s, q, i))
                continue;
            count++;
            /* strict <: on equal prices the earliest departure wins */
            if (s->price[i] < min_price)
                min_price = s->price[i], best = i;
        }
        if (!count)
            continue;
        if (out->len == out->cap) {
            out->cap = out->cap ? out->cap * 2 : 256;
            out->items = realloc(out->items, out->cap * sizeof *out->items);
        }
        out->items[out->len++] = (hotel_best){run->hotel, min_price, count, best};
    }
}

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

void query_sort_best(const store_t *s, hotel_best *v, size_t n, best_sort by)
{
    tl_store = s;
    qsort(v, n, sizeof *v, by == SORT_STARS ? by_stars : by == SORT_NAME ? by_name : by_price);
}

offer_pos query_offer_pos(const store_t *s, uint32_t offer)
{
    return (offer_pos){s->price[offer],
                       (int64_t)s->dep_day[offer] * 86400 + DETAIL_SEC(s->detail[offer].out_dep), offer};
}

int offer_pos_cmp(const offer_pos *a, const offer_pos *b)
{
    if (a->price != b->price)
        return a->price < b->price ? -1 : 1;
    if (a->departure != b->departure)
        return a->departure < b->departure ? -1 : 1;
    return a->offer < b->offer ? -1 : a->offer > b->offer;
}

static int pos_cmp(const void *x, const void *y)
{
    return offer_pos_cmp(x, y);
}

void query_hotel_offers(const store_t *s, const search_t *q, uint32_t hotel, const offer_pos *after,
                        size_t limit, offer_page *out)
{
    out->len = 0;
    out->total = 0;
    out->more = false;
    const store_group *g = find_group(s, q);
    if (!g || (q->min_stars_x10 && s->hotels[hotel].stars_x10 < q->min_stars_x10))
        return;
    /* runs of a group are in hotel order: binary search for this hotel */
    uint32_t lo = g->first_run, hi = g->first_run + g->run_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->runs[mid].hotel < hotel)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == g->first_run + g->run_count || s->runs[lo].hotel != hotel)
        return;
    uint32_t from, to;
    window(s, q, &s->runs[lo], &from, &to);
    offer_pos *pos = malloc(((size_t)(to - from) + 1) * sizeof *pos);
    size_t n = 0;
    for (uint32_t i = from; i < to; i++) {
        if (!offer_matches(s, q, i))
            continue;
        out->total++;
        offer_pos p = query_offer_pos(s, i);
        if (after && offer_pos_cmp(&p, after) <= 0)
            continue;
        pos[n++] = p;
    }
    qsort(pos, n, sizeof *pos, pos_cmp);
    out->more = n > limit;
    if (n > limit)
        n = limit;
    if (out->cap < n) {
        out->cap = n;
        out->items = realloc(out->items, n * sizeof *out->items);
    }
    for (size_t i = 0; i < n; i++)
        out->items[i] = pos[i].offer;
    out->len = n;
    free(pos);
}

void hotel_best_vec_free(hotel_best_vec *v)
{
    free(v->items);
    memset(v, 0, sizeof *v);
}

void offer_page_free(offer_page *p)
{
    free(p->items);
    memset(p, 0, sizeof *p);
}
