/* Search execution. A search touches exactly one group (adults, children,
 * nights) and, inside it, one run per hotel; within a run offers are sorted
 * by departure day, so the date window is a binary search plus a scan of
 * the offers that depart inside it. Each scanned offer costs a few byte
 * compares on columns that sit next to each other in memory. */
#include "query/query.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

void search_init(search_t *q)
{
    memset(q, 0, sizeof *q);
    q->any_airport = q->any_meal = q->any_room = q->any_dest = true;
    q->ocean_view = -1;
    q->max_price = UINT32_MAX;
}

/* Groups are ordered by this key: (adults, children, nights, destination). */
static inline uint64_t group_key(unsigned adults, unsigned children, unsigned nights, unsigned dest)
{
    return (uint64_t)adults << 32 | (uint64_t)children << 24 | (uint64_t)nights << 8 | dest;
}

/* First group whose key is >= key. */
static uint32_t lower_group(const store_t *s, uint64_t key)
{
    uint32_t lo = 0, hi = s->n_groups;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const store_group *g = &s->groups[mid];
        if (group_key(g->adults, g->children, g->nights, g->dest) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The lowest and highest destination id a search accepts. */
static void dest_bounds(const search_t *q, unsigned *d0, unsigned *d1)
{
    *d0 = 0, *d1 = 255;
    if (q->any_dest)
        return;
    while (*d0 < 255 && !bitset_has(&q->dests, *d0))
        (*d0)++;
    while (*d1 > 0 && !bitset_has(&q->dests, *d1))
        (*d1)--;
}

void query_group_range(const store_t *s, const search_t *q, uint32_t *lo, uint32_t *hi)
{
    /* the fixed prefix of (adults, children, nights, dest) bounds the range */
    uint64_t from = 0, to = group_key(255, 255, 65535, 255);
    if (!q->any_adults && q->any_children) {
        from = group_key(q->adults, 0, 0, 0), to = group_key(q->adults, 255, 65535, 255);
    } else if (!q->any_adults && q->any_nights) {
        from = group_key(q->adults, q->children, 0, 0), to = group_key(q->adults, q->children, 65535, 255);
    } else if (!q->any_adults) {
        unsigned d0, d1;
        dest_bounds(q, &d0, &d1);
        from = group_key(q->adults, q->children, q->nights, d0);
        to = group_key(q->adults, q->children, q->nights, d1);
    }
    *lo = lower_group(s, from);
    *hi = lower_group(s, to + 1);
    if (*hi < *lo)
        *hi = *lo;
}

bool query_group_selected(const store_t *s, const search_t *q, const store_group *g)
{
    (void)s;
    return (q->any_adults || g->adults == q->adults) && (q->any_children || g->children == q->children) &&
           (q->any_nights || g->nights == q->nights) && (q->any_dest || bitset_has(&q->dests, g->dest)) &&
           q->latest - (int32_t)g->nights >= q->earliest;
}

const store_group *query_find_group(const store_t *s, const search_t *q)
{
    uint32_t lo, hi;
    query_group_range(s, q, &lo, &hi);
    const store_group *found = NULL;
    for (uint32_t g = lo; g < hi; g++)
        if (query_group_selected(s, q, &s->groups[g])) {
            if (found)
                return NULL;
            found = &s->groups[g];
        }
    return found;
}

uint32_t query_group_of_run(const store_t *s, uint32_t run)
{
    uint32_t glo = 0, ghi = s->n_groups; /* last group whose first_run <= run */
    while (ghi - glo > 1) {
        uint32_t mid = glo + (ghi - glo) / 2;
        if (s->groups[mid].first_run <= run)
            glo = mid;
        else
            ghi = mid;
    }
    return glo;
}

uint32_t query_group_of_offer(const store_t *s, uint32_t offer)
{
    uint32_t lo = 0, hi = s->n_groups; /* last group whose start <= offer */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->groups[mid].start <= offer)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* First index in [lo, hi) whose departure day is >= day. Branch-free
 * halving: the loop runs log2(n) times with no unpredictable branch. */
uint32_t query_lower_day(const uint16_t *days, uint32_t lo, uint32_t hi, int32_t day)
{
    uint32_t n = hi - lo;
    const uint16_t *base = days + lo;
    while (n > 1) {
        uint32_t half = n / 2;
        base = (int32_t)base[half - 1] < day ? base + half : base;
        n -= half;
    }
    return (uint32_t)(base - days) + (n == 1 && (int32_t)*base < day);
}

/* Minimum of p[0..n). Four independent accumulators: the compiler turns
 * this into SIMD, and the CPU overlaps the compares. */
static inline uint32_t min_u32(const uint32_t *p, uint32_t n)
{
    uint32_t m0 = UINT32_MAX, m1 = UINT32_MAX, m2 = UINT32_MAX, m3 = UINT32_MAX;
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        m0 = p[i] < m0 ? p[i] : m0;
        m1 = p[i + 1] < m1 ? p[i + 1] : m1;
        m2 = p[i + 2] < m2 ? p[i + 2] : m2;
        m3 = p[i + 3] < m3 ? p[i + 3] : m3;
    }
    for (; i < n; i++)
        m0 = p[i] < m0 ? p[i] : m0;
    m0 = m1 < m0 ? m1 : m0;
    m2 = m3 < m2 ? m3 : m2;
    return m2 < m0 ? m2 : m0;
}

static inline uint32_t first_equal(const uint32_t *p, uint32_t v)
{
    uint32_t i = 0;
    while (p[i] != v)
        i++;
    return i;
}

static inline uint32_t count_le(const uint32_t *p, uint32_t n, uint32_t max)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++)
        c += p[i] <= max;
    return c;
}

bool query_offer_passes_filters(const store_t *s, const search_t *q, uint32_t i)
{
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

/* Filters that need a look at each offer (price alone does not). */
static inline bool per_offer_filters(const search_t *q)
{
    return !q->any_meal || !q->any_room || q->ocean_view >= 0;
}

/* Calls fn(ctx, from, to) for the departure-window range of every lane of
 * the run whose airport the search accepts. With <= 64 airports a run's
 * lanes are found from its airport mask: lane = popcount of lower bits. */
/* Calls fn(ctx, lane) for every lane of the run whose airport the search
 * accepts. With <= 64 airports a run's lanes are found from its airport
 * mask (lane = popcount of the lower bits), so a run without the searched
 * airports costs one AND. */
void query_for_each_lane(const store_t *s, const search_t *q, const store_run *run, lane_fn fn, void *ctx)
{
    if (q->any_airport || s->dict_len[STORE_DICT_AIRPORT] > 64) {
        for (uint32_t l = run->first_lane; l < run->first_lane + run->n_lanes; l++)
            if (q->any_airport || bitset_has(&q->airports, s->lanes[l].airport))
                fn(ctx, &s->lanes[l]);
        return;
    }
    uint64_t want = run->airports & q->airports.w[0];
    while (want) {
        unsigned a = (unsigned)__builtin_ctzll(want);
        want &= want - 1;
        fn(ctx, &s->lanes[run->first_lane + (uint32_t)__builtin_popcountll(run->airports & ((1ull << a) - 1))]);
    }
}

/* Best offers: the access path per group (a planner with two plans).
 *
 *  - Summary: any airport, no offer-level filter, and a window that covers
 *    every departure day of the group. Each run's summary is its answer:
 *    one 48-byte record per hotel, whatever the number of offers.
 *  - Scan: otherwise. Per accepted airport, the window is one contiguous
 *    range of the group's segment (two binary searches over its cells),
 *    and the range is read front to back: per offer its slot and price
 *    (6 bytes), plus meal and room when filtered. The cost is the number
 *    of offers the search matches on airport and dates - nothing else is
 *    read, and the reads are sequential, so the hardware prefetcher keeps
 *    ahead of them.
 *
 * The planner's cost model and its check against measurements are in
 * docs/ARCHITECTURE.md ("The search planner"). */

typedef struct {
    uint32_t min, count, best;
} slot_acc;

/* Per-thread scratch, reused from search to search (no malloc per search). */
static _Thread_local slot_acc *tl_acc;
static _Thread_local size_t tl_acc_cap;

/* Filters that need a look at each offer besides its price. */
static inline bool offer_filters(const search_t *q)
{
    return per_offer_filters(q) || q->max_price != UINT32_MAX;
}

void query_seg_window(const store_t *s, const store_seg *sg, int32_t first, int32_t last, uint32_t *from,
                      uint32_t *to)
{
    uint32_t c0 = sg->first_cell, c1 = c0 + sg->n_cells, end = sg->start + sg->count;
    if (last < first) {
        *from = *to = end;
        return;
    }
    uint32_t a = query_lower_day(s->cell_day, c0, c1, first);
    uint32_t b = query_lower_day(s->cell_day, a, c1, last + 1);
    *from = a < c1 ? s->cell_start[a] : end;
    *to = b < c1 ? s->cell_start[b] : end;
}

/* On equal prices the earliest departure wins; inside one segment days
 * ascend, so only a tie across airports reads the day column. */
static inline void acc_offer(const store_t *s, slot_acc *a, uint32_t i, uint32_t p)
{
    a->count++;
    if (p < a->min) {
        a->min = p;
        a->best = i;
    } else if (p == a->min && s->dep_day[i] < s->dep_day[a->best]) {
        a->best = i;
    }
}

static void scan_range(const store_t *s, uint32_t from, uint32_t to, slot_acc *acc)
{
    const uint16_t *slot = s->slot;
    const uint32_t *price = s->price;
    for (uint32_t i = from; i < to; i++)
        acc_offer(s, &acc[slot[i]], i, price[i]);
}

static void scan_range_filtered(const store_t *s, const search_t *q, uint32_t from, uint32_t to, slot_acc *acc)
{
    const uint16_t *slot = s->slot;
    const uint32_t *price = s->price;
    if (!per_offer_filters(q)) {
        uint32_t max = q->max_price;
        for (uint32_t i = from; i < to; i++)
            if (price[i] <= max)
                acc_offer(s, &acc[slot[i]], i, price[i]);
        return;
    }
    for (uint32_t i = from; i < to; i++)
        if (query_offer_passes_filters(s, q, i))
            acc_offer(s, &acc[slot[i]], i, price[i]);
}

bool query_seg_selected(const store_t *s, const search_t *q, const store_seg *sg)
{
    (void)s;
    return q->any_airport || bitset_has(&q->airports, sg->airport);
}

/* The best offers of one group, appended to out in hotel order. */
static void best_in_group(const store_t *s, const search_t *q, uint32_t gi, hotel_best_vec *out)
{
    const store_group *g = &s->groups[gi];
    int32_t last_day = q->latest - g->nights;
    if (last_day < q->earliest || last_day < g->min_day || q->earliest > g->max_day)
        return;
    if (out->cap - out->len < g->run_count) {
        out->cap = out->len + g->run_count + (out->cap > 256 ? out->cap : 256);
        out->items = xrealloc(out->items, out->cap * sizeof *out->items);
    }
    const store_run *runs = s->runs + g->first_run;
    if (q->any_airport && !offer_filters(q) && q->earliest <= g->min_day && g->max_day <= last_day) {
        /* summary: the window covers every run */
        for (uint32_t k = 0; k < g->run_count; k++) {
            const store_run *run = &runs[k];
            if (q->min_stars_x10 && s->hotels[run->hotel].stars_x10 < q->min_stars_x10)
                continue;
            out->items[out->len++] = (hotel_best){run->hotel, run->min_price, run->count, run->best, gi};
        }
        return;
    }
    /* scan */
    if (tl_acc_cap < g->run_count) {
        tl_acc_cap = g->run_count;
        tl_acc = xrealloc(tl_acc, tl_acc_cap * sizeof *tl_acc);
    }
    slot_acc *acc = tl_acc;
    for (uint32_t k = 0; k < g->run_count; k++)
        acc[k] = (slot_acc){UINT32_MAX, 0, 0};
    bool filtered = offer_filters(q);
    for (uint32_t k = g->first_seg; k < g->first_seg + g->n_segs; k++) {
        const store_seg *sg = &s->segs[k];
        if (!query_seg_selected(s, q, sg))
            continue;
        uint32_t from, to;
        query_seg_window(s, sg, q->earliest, last_day, &from, &to);
        if (filtered)
            scan_range_filtered(s, q, from, to, acc);
        else
            scan_range(s, from, to, acc);
    }
    for (uint32_t k = 0; k < g->run_count; k++) {
        if (!acc[k].count)
            continue;
        uint32_t hotel = runs[k].hotel;
        if (q->min_stars_x10 && s->hotels[hotel].stars_x10 < q->min_stars_x10)
            continue;
        out->items[out->len++] = (hotel_best){hotel, acc[k].min, acc[k].count, acc[k].best, gi};
    }
}

/* hotel -> position in the merged answer, UINT32_MAX when absent; kept
 * all-absent between searches (each merge clears what it set). */
static _Thread_local uint32_t *tl_slot;
static _Thread_local size_t tl_slot_cap;

/* One entry per hotel from the per-group answers: counts add up, the best
 * offer is the cheapest, then the earliest departing. Back in hotel order
 * by a walk over the hotel table (a few thousand entries). */
static void merge_by_hotel(const store_t *s, hotel_best_vec *v)
{
    if (v->len == 0) /* nothing to merge, and no array to copy into */
        return;
    if (tl_slot_cap < s->n_hotels) {
        tl_slot = xrealloc(tl_slot, s->n_hotels * sizeof *tl_slot);
        if (!tl_slot)
            abort();
        memset(tl_slot + tl_slot_cap, 0xff, (s->n_hotels - tl_slot_cap) * sizeof *tl_slot);
        tl_slot_cap = s->n_hotels;
    }
    size_t w = 0;
    for (size_t i = 0; i < v->len; i++) {
        const hotel_best it = v->items[i];
        uint32_t *slot = &tl_slot[it.hotel];
        if (*slot == UINT32_MAX) {
            *slot = (uint32_t)w;
            v->items[w++] = it;
            continue;
        }
        hotel_best *m = &v->items[*slot];
        m->count += it.count;
        if (it.min_price < m->min_price || (it.min_price == m->min_price && s->dep_day[it.best] < s->dep_day[m->best])) {
            m->min_price = it.min_price;
            m->best = it.best;
            m->group = it.group;
        }
    }
    hotel_best *tmp = xmalloc((w + 1) * sizeof *tmp);
    if (!tmp)
        abort();
    size_t k = 0;
    for (uint32_t h = 0; h < s->n_hotels && k < w; h++)
        if (tl_slot[h] != UINT32_MAX) {
            tmp[k++] = v->items[tl_slot[h]];
            tl_slot[h] = UINT32_MAX;
        }
    memcpy(v->items, tmp, w * sizeof *tmp);
    free(tmp);
    v->len = w;
}

void query_best_offers(const store_t *s, const search_t *q, hotel_best_vec *out)
{
    out->len = 0;
    uint32_t lo, hi;
    query_group_range(s, q, &lo, &hi);
    size_t selected = 0;
    for (uint32_t g = lo; g < hi; g++) {
        if (!query_group_selected(s, q, &s->groups[g]))
            continue;
        selected++;
        best_in_group(s, q, g, out);
    }
    if (selected > 1)
        merge_by_hotel(s, out);
}

void query_thread_done(void)
{
    free(tl_acc);
    free(tl_slot);
    tl_acc = NULL;
    tl_slot = NULL;
    tl_acc_cap = tl_slot_cap = 0;
}

int64_t query_find_run(const store_t *s, const store_group *g, uint32_t hotel)
{
    uint32_t lo = g->first_run, hi = g->first_run + g->run_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->runs[mid].hotel < hotel)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < g->first_run + g->run_count && s->runs[lo].hotel == hotel ? (int64_t)lo : -1;
}

offer_pos query_offer_pos(const store_t *s, uint32_t offer)
{
    return (offer_pos){s->price[offer],
                       (int64_t)s->dep_day[offer] * 86400 + DETAIL_SEC(s->detail[offer].out_dep), offer, 0};
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

/* Hotel offers: the page after `after` in (price, departure, offer) order.
 * Candidates come from the run's lane ranges; a max-heap of size `limit`
 * keeps the smallest, so a page costs O(matches * log(limit)) and needs no
 * full sort, however deep the cursor. */
typedef struct {
    const store_t *s;
    const search_t *q;
    const offer_pos *after;
    offer_pos *heap;
    size_t n, limit, total, beyond;
    int32_t last_day;         /* latest departure day of the current group */
    uint32_t group;           /* the current group */
} page_acc;

static void heap_sift_down(offer_pos *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && offer_pos_cmp(&h[l], &h[m]) > 0)
            m = l;
        if (r < n && offer_pos_cmp(&h[r], &h[m]) > 0)
            m = r;
        if (m == i)
            return;
        offer_pos t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void page_lane(void *ctx, const store_lane *lane)
{
    page_acc *a = ctx;
    uint32_t end = lane->start + lane->count;
    uint32_t from = query_lower_day(a->s->run_day, lane->start, end, a->q->earliest);
    uint32_t to = query_lower_day(a->s->run_day, from, end, a->last_day + 1);
    bool filters = offer_filters(a->q);
    const uint32_t *run_offers = a->s->run_offers;
    if (!filters)
        a->total += to - from;
    for (uint32_t p = from; p < to; p++) {
        uint32_t i = run_offers[p];
        if (p + 8 < to)
            __builtin_prefetch(&a->s->price[run_offers[p + 8]]);
        if (filters) {
            if (!query_offer_passes_filters(a->s, a->q, i))
                continue;
            a->total++;
        }
        /* Decide on the price column alone where it can (most offers): only
         * candidates for the page read their detail record. */
        uint32_t price = a->s->price[i];
        if (a->after && price < a->after->price)
            continue;
        if (a->n == a->limit && a->n && price > a->heap[0].price) {
            a->beyond++;
            continue;
        }
        offer_pos p = query_offer_pos(a->s, i);
        p.group = a->group;
        if (a->after && offer_pos_cmp(&p, a->after) <= 0)
            continue;
        if (a->n < a->limit) {
            /* sift up into the max-heap */
            size_t k = a->n++;
            a->heap[k] = p;
            while (k && offer_pos_cmp(&a->heap[(k - 1) / 2], &a->heap[k]) < 0) {
                offer_pos t = a->heap[k];
                a->heap[k] = a->heap[(k - 1) / 2];
                a->heap[(k - 1) / 2] = t;
                k = (k - 1) / 2;
            }
        } else {
            a->beyond++;
            if (a->limit && offer_pos_cmp(&p, &a->heap[0]) < 0) {
                a->heap[0] = p;
                heap_sift_down(a->heap, a->n, 0);
            }
        }
    }
}

void query_hotel_offers(const store_t *s, const search_t *q, uint32_t hotel, const offer_pos *after,
                        size_t limit, offer_page *out)
{
    out->len = 0;
    out->total = 0;
    out->more = false;
    const store_hotel *ht = &s->hotels[hotel];
    if (q->min_stars_x10 && ht->stars_x10 < q->min_stars_x10)
        return;
    page_acc a = {s, q, after, xmalloc((limit + 1) * sizeof(offer_pos)), 0, limit, 0, 0, 0, 0};
    if (!a.heap)
        abort();
    uint32_t lo, hi;
    query_group_range(s, q, &lo, &hi);
    uint32_t r0 = s->hotel_run_first[hotel], r1 = s->hotel_run_first[hotel + 1];
    if (hi - lo > 2 * (r1 - r0)) {
        /* many groups (a search without party or length of stay): walk the
         * hotel's own runs instead, finding each one's group */
        for (uint32_t k = r0; k < r1; k++) {
            uint32_t r = s->hotel_runs[k], gi = query_group_of_run(s, r);
            const store_group *g = &s->groups[gi];
            if (gi < lo || gi >= hi || !query_group_selected(s, q, g))
                continue;
            a.last_day = q->latest - (int32_t)g->nights;
            a.group = gi;
            query_for_each_lane(s, q, &s->runs[r], page_lane, &a);
        }
    } else {
        for (uint32_t gi = lo; gi < hi; gi++) {
            const store_group *g = &s->groups[gi];
            /* a hotel with one destination has runs only in that destination's groups */
            if ((!ht->multi_dest && ht->dest != STORE_NO_DEST && g->dest != ht->dest) ||
                !query_group_selected(s, q, g))
                continue;
            int64_t r = query_find_run(s, g, hotel);
            if (r < 0)
                continue;
            a.last_day = q->latest - (int32_t)g->nights;
            a.group = gi;
            query_for_each_lane(s, q, &s->runs[r], page_lane, &a);
        }
    }
    qsort(a.heap, a.n, sizeof *a.heap, pos_cmp);
    if (out->cap < a.n) {
        out->cap = a.n;
        out->items = xrealloc(out->items, a.n * sizeof *out->items);
        out->groups = xrealloc(out->groups, a.n * sizeof *out->groups);
        if (!out->items || !out->groups)
            abort();
    }
    for (size_t i = 0; i < a.n; i++) {
        out->items[i] = a.heap[i].offer;
        out->groups[i] = a.heap[i].group;
    }
    out->len = a.n;
    out->total = a.total;
    out->more = a.beyond > 0;
    free(a.heap);
}

void hotel_best_vec_free(hotel_best_vec *v)
{
    free(v->items);
    memset(v, 0, sizeof *v);
}

void offer_page_free(offer_page *p)
{
    free(p->items);
    free(p->groups);
    memset(p, 0, sizeof *p);
}
