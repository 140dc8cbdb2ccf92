/* Search execution over the store's two orders (store.h): best offers by
 * the planner below (run summaries, the week index, or a front-to-back scan
 * of the offers a window matches in cell order); one hotel's offers through
 * the run order, lane by lane. */
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

/* Best offers: the access path per group (a planner with three plans).
 *
 *  - Summary: any airport, no offer-level filter, and a window that covers
 *    every departure day of the group. Each run's summary is its answer:
 *    one record per hotel, whatever the number of offers.
 *  - Weeks: any airport, no offer-level filter, whole weeks in the window
 *    and a week index that pays (plan_weeks).
 *  - Scan: otherwise. Per accepted airport, the window is one contiguous
 *    range of the group's segment (two binary searches over its cells),
 *    and the range is read front to back: per offer its hotel slot and
 *    price (6 bytes), plus meal and room when filtered. The cost is the
 *    number of offers the search matches on airport and dates - nothing
 *    else is read, and the reads are sequential, so the hardware
 *    prefetcher keeps ahead of them.
 *
 * Both plans add into one accumulator per hotel, so a search over many
 * groups (every destination, any length of stay) needs no merge: the
 * answer is read off the accumulators in hotel order at the end.
 *
 * The planner's cost model and its check against measurements are in
 * docs/ARCHITECTURE.md ("The search planner"). */

/* tag: where the best offer came from - a scan job's index, or
 * SUMMARY_TAG | group for a run summary or week entry (the answer loop
 * turns it back into the group). */
typedef struct {
    uint32_t min, count, best, tag;
} hotel_acc;
#define SUMMARY_TAG 0x80000000u

/* Per-thread scratch, reused from search to search (no malloc per search):
 * one accumulator per hotel slot value and a bit per slot that a search
 * touched. Both are kept empty between searches - the answer loop resets
 * what the search set - so a search costs what its matching offers cost,
 * not the number of hotels. Slot values are masked to the power of two
 * above the hotel count, so even a corrupt slot (store_offer_hotel) stays
 * inside the arrays and is skipped by the answer loop. */
static _Thread_local hotel_acc *tl_acc;
static _Thread_local uint64_t *tl_touched;
static _Thread_local size_t tl_acc_cap;

static uint32_t slot_mask(const store_t *s)
{
    uint32_t mask = 63;
    while (mask + 1 < s->n_hotels)
        mask = mask << 1 | 1;
    return mask;
}

static hotel_acc *acc_scratch(uint32_t mask)
{
    if (tl_acc_cap < (size_t)mask + 1) {
        free(tl_acc);
        free(tl_touched);
        tl_acc_cap = (size_t)mask + 1;
        tl_acc = xmalloc(tl_acc_cap * sizeof *tl_acc);
        tl_touched = xcalloc(tl_acc_cap / 64, sizeof *tl_touched);
        for (size_t k = 0; k < tl_acc_cap; k++)
            tl_acc[k] = (hotel_acc){UINT32_MAX, 0, 0, 0};
    }
    return tl_acc;
}

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

/* Adds n offers whose cheapest is `best` at price p, and marks the hotel
 * touched when its minimum falls (always on its first offer: prices are
 * below UINT32_MAX, the importer refuses that value). On equal prices the
 * earliest departure wins; inside one scan job days ascend, so only a tie
 * between jobs (airports, groups) reads the day column. */
static inline void acc_add(const uint16_t *restrict dep_day, hotel_acc *restrict a, uint64_t *restrict bits,
                           uint32_t k, uint32_t n, uint32_t best, uint32_t p, uint32_t tag)
{
    a->count += n;
    if (p < a->min) {
        a->min = p;
        a->best = best;
        a->tag = tag;
        bits[k >> 6] |= 1ull << (k & 63);
    } else if (p == a->min && a->tag != tag && dep_day[best] < dep_day[a->best]) {
        a->best = best;
        a->tag = tag;
    }
}

typedef struct {
    const store_t *s;
    const search_t *q;
    hotel_acc *acc;
    uint64_t *bits;
    uint32_t mask, tag;
    uint8_t meal_ok[256], room_ok[256]; /* offer-level filters as tables */
} scan_ctx;

/* The scans, for 16- and 32-bit slot columns (store.h: SLOT, SLOT32). All
 * pointers are loaded once into restrict locals: the build does not assume
 * strict aliasing, so without them every store into an accumulator would
 * reload them. */
#define SCAN_FUNCS(NAME, TYPE, COL)                                                                              \
    static void NAME(const scan_ctx *c, uint32_t from, uint32_t to)                                              \
    {                                                                                                            \
        const TYPE *restrict slot = c->s->COL;                                                                   \
        const uint32_t *restrict price = c->s->price;                                                            \
        const uint16_t *restrict dep_day = c->s->dep_day;                                                        \
        hotel_acc *restrict acc = c->acc;                                                                        \
        uint64_t *restrict bits = c->bits;                                                                       \
        uint32_t mask = c->mask, tag = c->tag;                                                                   \
        for (uint32_t i = from; i < to; i++) {                                                                   \
            uint32_t k = slot[i] & mask;                                                                         \
            acc_add(dep_day, &acc[k], bits, k, 1, i, price[i], tag);                                             \
        }                                                                                                        \
    }                                                                                                            \
    static void NAME##_filtered(const scan_ctx *c, uint32_t from, uint32_t to)                                   \
    {                                                                                                            \
        const TYPE *restrict slot = c->s->COL;                                                                   \
        const uint32_t *restrict price = c->s->price;                                                            \
        const uint16_t *restrict dep_day = c->s->dep_day;                                                        \
        const uint8_t *restrict meal = c->s->meal, *restrict room = c->s->room_ocean;                            \
        const uint8_t *restrict meal_ok = c->meal_ok, *restrict room_ok = c->room_ok;                            \
        hotel_acc *restrict acc = c->acc;                                                                        \
        uint64_t *restrict bits = c->bits;                                                                       \
        uint32_t mask = c->mask, tag = c->tag, max = c->q->max_price;                                            \
        for (uint32_t i = from; i < to; i++) {                                                                   \
            if (price[i] > max || !(meal_ok[meal[i]] & room_ok[room[i]]))                                        \
                continue;                                                                                        \
            uint32_t k = slot[i] & mask;                                                                         \
            acc_add(dep_day, &acc[k], bits, k, 1, i, price[i], tag);                                             \
        }                                                                                                        \
    }
SCAN_FUNCS(scan16, uint16_t, slot)
SCAN_FUNCS(scan32, uint32_t, slot32)

bool query_seg_selected(const store_t *s, const search_t *q, const store_seg *sg)
{
    (void)s;
    return q->any_airport || bitset_has(&q->airports, sg->airport);
}

/* A segment window to scan: the segment, then its offer range. */
typedef struct {
    const store_seg *sg;
    int32_t first, last;      /* departure days to read */
    uint32_t group;
    uint32_t from, to;
} seg_job;

static _Thread_local seg_job *tl_jobs;
static _Thread_local size_t tl_jobs_cap;

/* Hotel offers: a run taken whole, waiting to be read cheapest first. */
typedef struct {
    uint32_t min_price, run, group;
    int32_t last_day;
} whole_run;

static _Thread_local whole_run *tl_whole;
static _Thread_local size_t tl_whole_cap;

static void push_job(scan_ctx *c, const store_seg *sg, int32_t first, int32_t last, uint32_t gi, size_t *n_jobs)
{
    const store_t *s = c->s;
    if (*n_jobs == tl_jobs_cap) {
        tl_jobs_cap = tl_jobs_cap ? tl_jobs_cap * 2 : 256;
        tl_jobs = xrealloc(tl_jobs, tl_jobs_cap * sizeof *tl_jobs);
    }
    /* the binary search below reads this segment's day list: start
     * loading its lines now, so the misses of all segments overlap */
    const char *d0 = (const char *)(s->cell_day + sg->first_cell);
    const char *d1 = (const char *)(s->cell_day + sg->first_cell + sg->n_cells);
    for (const char *p = d0; p < d1; p += 64)
        __builtin_prefetch(p);
    tl_jobs[(*n_jobs)++] = (seg_job){sg, first, last, gi, 0, 0};
}

/* Floor of x / 7 (day numbers may be negative in a search). */
static inline int32_t week_of(int32_t x)
{
    return x >= 0 ? x / 7 : -((-x + 6) / 7);
}

/* The weeks plan (any airport, no offer-level filter): the week index
 * answers the window's whole weeks, one entry per hotel and week, and the
 * days before and after them are scanned. Taken when the entries of those
 * weeks are fewer than half the offers they summarise (the group's offers
 * spread evenly over its days: the estimate from its statistics). Returns
 * false when it does not apply or does not pay. */
static bool plan_weeks(scan_ctx *c, uint32_t gi, int32_t last_day, size_t *n_jobs)
{
    const store_t *s = c->s;
    const store_group *g = &s->groups[gi];
    if (!g->n_weeks)
        return false;
    int32_t wf = week_of(c->q->earliest + 6), wl = week_of(last_day + 1) - 1;
    if (wf < g->first_week)
        wf = g->first_week;
    if (wl > g->first_week + g->n_weeks - 1)
        wl = g->first_week + g->n_weeks - 1;
    if (wf > wl)
        return false;
    const uint32_t *ws = s->week_start + g->week_start;
    uint32_t e0 = ws[wf - g->first_week], e1 = ws[wl + 1 - g->first_week];
    double days = (double)(g->max_day - g->min_day + 1), full = 7.0 * (wl - wf + 1);
    if ((double)(e1 - e0) * 2 > (double)g->count * (full < days ? full : days) / days)
        return false;
    uint32_t tag = SUMMARY_TAG | gi;
    for (const store_week *w = s->weeks + e0; w < s->weeks + e1; w++) {
        uint32_t k = w->slot & c->mask;
        acc_add(s->dep_day, &c->acc[k], c->bits, k, w->count, w->best, w->min_price, tag);
    }
    /* the days around the whole weeks, over every airport */
    for (uint32_t k = g->first_seg; k < g->first_seg + g->n_segs; k++) {
        if (c->q->earliest < wf * 7)
            push_job(c, &s->segs[k], c->q->earliest, wf * 7 - 1, gi, n_jobs);
        if ((wl + 1) * 7 <= last_day)
            push_job(c, &s->segs[k], (wl + 1) * 7, last_day, gi, n_jobs);
    }
    return true;
}

/* Plans one group: the summary and weeks plans read their index at once
 * (sequential passes); the scan plan queues a job per accepted segment. */
static void plan_group(scan_ctx *c, uint32_t gi, size_t *n_jobs)
{
    const store_t *s = c->s;
    const search_t *q = c->q;
    const store_group *g = &s->groups[gi];
    int32_t last_day = q->latest - g->nights;
    if (last_day < q->earliest || last_day < g->min_day || q->earliest > g->max_day)
        return;
    if (q->any_airport && !offer_filters(q) && q->earliest <= g->min_day && g->max_day <= last_day) {
        /* summary: the window covers every run */
        for (const store_run *run = s->runs + g->first_run; run < s->runs + g->first_run + g->run_count; run++) {
            uint32_t k = run->hotel & c->mask;
            acc_add(s->dep_day, &c->acc[k], c->bits, k, run->count, run->best, run->min_price, SUMMARY_TAG | gi);
        }
        return;
    }
    if (q->any_airport && !offer_filters(q) && plan_weeks(c, gi, last_day, n_jobs))
        return;
    for (uint32_t k = g->first_seg; k < g->first_seg + g->n_segs; k++)
        if (query_seg_selected(s, q, &s->segs[k]))
            push_job(c, &s->segs[k], q->earliest, last_day, gi, n_jobs);
}

/* Runs the queued scans: all windows are found first (each start and end
 * prefetched for the next step), then each range is read. */
static void run_jobs(scan_ctx *c, size_t n_jobs)
{
    const store_t *s = c->s;
    seg_job *jobs = tl_jobs;
    for (size_t j = 0; j < n_jobs; j++) {
        seg_job *jb = &jobs[j];
        query_seg_window(s, jb->sg, jb->first, jb->last, &jb->from, &jb->to);
        __builtin_prefetch(s->price + jb->from);
        __builtin_prefetch(s->slot + jb->from);
    }
    bool filtered = offer_filters(c->q);
    bool wide = s->n_hotels > STORE_SLOT16_HOTELS;
    for (size_t j = 0; j < n_jobs; j++) {
        if (jobs[j].from >= jobs[j].to)
            continue;
        c->tag = (uint32_t)j;
        if (wide)
            (filtered ? scan32_filtered : scan32)(c, jobs[j].from, jobs[j].to);
        else
            (filtered ? scan16_filtered : scan16)(c, jobs[j].from, jobs[j].to);
    }
}

void query_best_offers(const store_t *s, const search_t *q, hotel_best_vec *out)
{
    out->len = 0;
    if (!s->n_hotels)
        return;
    scan_ctx c = {.s = s, .q = q, .mask = slot_mask(s)};
    c.acc = acc_scratch(c.mask);
    c.bits = tl_touched;
    if (offer_filters(q))
        for (unsigned v = 0; v < 256; v++) {
            c.meal_ok[v] = q->any_meal || bitset_has(&q->meals, v);
            c.room_ok[v] = (q->any_room || bitset_has(&q->rooms, v & 0x7F)) &&
                           (q->ocean_view < 0 || (bool)(v & STORE_OCEAN_BIT) == (bool)q->ocean_view);
        }
    uint32_t lo, hi;
    query_group_range(s, q, &lo, &hi);
    size_t n_jobs = 0;
    for (uint32_t g = lo; g < hi; g++)
        if (query_group_selected(s, q, &s->groups[g]))
            plan_group(&c, g, &n_jobs);
    run_jobs(&c, n_jobs);
    /* the touched hotels, in hotel order, reset as they are read */
    for (uint32_t w = 0; w <= c.mask / 64; w++) {
        if (!c.bits[w])
            continue;
        for (uint64_t m = c.bits[w]; m; m &= m - 1) {
            uint32_t k = w * 64 + (uint32_t)__builtin_ctzll(m);
            hotel_acc a = c.acc[k];
            c.acc[k] = (hotel_acc){UINT32_MAX, 0, 0, 0};
            if (k >= s->n_hotels) /* a corrupt slot: see store_offer_hotel */
                continue;
            if (q->min_stars_x10 && s->hotels[k].stars_x10 < q->min_stars_x10)
                continue;
            if (out->len == out->cap) {
                out->cap = out->cap ? out->cap * 2 : 256;
                out->items = xrealloc(out->items, out->cap * sizeof *out->items);
            }
            uint32_t group = a.tag & SUMMARY_TAG ? a.tag & ~SUMMARY_TAG : tl_jobs[a.tag].group;
            out->items[out->len++] = (hotel_best){k, a.min, a.count, a.best, group};
        }
        c.bits[w] = 0;
    }
}

void query_thread_done(void)
{
    free(tl_acc);
    free(tl_touched);
    free(tl_jobs);
    free(tl_whole);
    tl_acc = NULL;
    tl_touched = NULL;
    tl_jobs = NULL;
    tl_whole = NULL;
    tl_acc_cap = tl_jobs_cap = tl_whole_cap = 0;
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

/* Hotel offers: the page after `after` in (price, departure, offer) order.
 * Candidates come from the run's lane ranges; a max-heap of size `limit`
 * keeps the smallest, so a page costs O(matches * log(limit)) and needs no
 * full sort, however deep the cursor.
 *
 * A candidate's departure time of day sits in its detail record, which is
 * not mapped ahead and lies apart from the hotel's other offers (the store
 * is in cell order): it is read only when two candidates have the same
 * price and day, so a page costs a detail read per tie, not per offer. */
typedef struct {
    uint32_t price;
    int32_t day;
    int32_t sec;              /* -1 until read */
    uint32_t offer, group;
} hpos;

static inline int32_t hpos_sec(const store_t *s, hpos *p)
{
    if (p->sec < 0)
        p->sec = (int32_t)DETAIL_SEC(s->detail[p->offer].out_dep);
    return p->sec;
}

static int hpos_cmp(const store_t *s, hpos *a, hpos *b)
{
    if (a->price != b->price)
        return a->price < b->price ? -1 : 1;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    int32_t x = hpos_sec(s, a), y = hpos_sec(s, b);
    if (x != y)
        return x < y ? -1 : 1;
    return a->offer < b->offer ? -1 : a->offer > b->offer;
}

static int hpos_qsort_cmp(const void *x, const void *y, void *s)
{
    return hpos_cmp(s, (hpos *)x, (hpos *)y);
}

typedef struct {
    const store_t *s;
    const search_t *q;
    hpos after;
    bool has_after;
    hpos *heap;
    size_t n, limit, total, beyond;
    int32_t last_day;         /* latest departure day of the current group */
    uint32_t group;           /* the current group */
    bool counted;             /* the run's offers are in total already */
} page_acc;

static void heap_sift_down(const store_t *s, hpos *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && hpos_cmp(s, &h[l], &h[m]) > 0)
            m = l;
        if (r < n && hpos_cmp(s, &h[r], &h[m]) > 0)
            m = r;
        if (m == i)
            return;
        hpos t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void page_lane(void *ctx, const store_lane *lane)
{
    page_acc *a = ctx;
    const store_t *s = a->s;
    uint32_t end = lane->start + lane->count;
    uint32_t from = query_lower_day(s->run_day, lane->start, end, a->q->earliest);
    uint32_t to = query_lower_day(s->run_day, from, end, a->last_day + 1);
    bool filters = offer_filters(a->q);
    const uint32_t *run_offers = s->run_offers;
    if (!filters && !a->counted)
        a->total += to - from;
    if (!filters && a->limit && a->n == a->limit && lane->min_price > a->heap[0].price) {
        /* the page is full of cheaper offers: all of these come after it */
        a->beyond += to - from;
        return;
    }
    for (uint32_t p = from; p < to; p++) {
        uint32_t i = store_run_offer(s, p);
        if (p + 8 < to)
            __builtin_prefetch(&s->price[run_offers[p + 8]]);
        if (filters) {
            if (!query_offer_passes_filters(s, a->q, i))
                continue;
            a->total++;
        }
        /* Decide on the price column alone where it can (most offers) */
        uint32_t price = s->price[i];
        if (a->has_after && price < a->after.price)
            continue;
        if (a->n == a->limit && a->n && price > a->heap[0].price) {
            a->beyond++;
            continue;
        }
        hpos c = {price, s->run_day[p], -1, i, a->group};
        if (a->has_after && hpos_cmp(s, &c, &a->after) <= 0)
            continue;
        if (a->n < a->limit) {
            /* sift up into the max-heap */
            size_t k = a->n++;
            a->heap[k] = c;
            while (k && hpos_cmp(s, &a->heap[(k - 1) / 2], &a->heap[k]) < 0) {
                hpos t = a->heap[k];
                a->heap[k] = a->heap[(k - 1) / 2];
                a->heap[(k - 1) / 2] = t;
                k = (k - 1) / 2;
            }
        } else {
            a->beyond++;
            if (a->limit && hpos_cmp(s, &c, &a->heap[0]) < 0) {
                a->heap[0] = c;
                heap_sift_down(s, a->heap, a->n, 0);
            }
        }
    }
}

static int whole_cmp(const void *x, const void *y)
{
    const whole_run *a = x, *b = y;
    if (a->min_price != b->min_price)
        return a->min_price < b->min_price ? -1 : 1;
    return a->run < b->run ? -1 : a->run > b->run;
}

/* One run of the hotel: read now, or (taken whole) queued. */
static void page_run(page_acc *a, uint32_t r, uint32_t gi, size_t *n_whole)
{
    const store_t *s = a->s;
    const search_t *q = a->q;
    const store_run *run = &s->runs[r];
    a->last_day = q->latest - (int32_t)s->groups[gi].nights;
    a->group = gi;
    bool whole = a->limit > 0 && !offer_filters(q) && q->earliest <= run->min_day && run->max_day <= a->last_day &&
                 (q->any_airport ||
                  (s->dict_len[STORE_DICT_AIRPORT] <= 64 && (run->airports & ~q->airports.w[0]) == 0));
    if (!whole) {
        query_for_each_lane(s, q, run, page_lane, a);
        return;
    }
    a->total += run->count;
    tl_whole[(*n_whole)++] = (whole_run){run->min_price, r, gi, a->last_day};
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
    page_acc a = {.s = s, .q = q, .heap = xmalloc((limit + 1) * sizeof(hpos)), .limit = limit};
    if (after) {
        a.has_after = true;
        a.after = (hpos){after->price, (int32_t)(after->departure / 86400), (int32_t)(after->departure % 86400),
                         after->offer, 0};
        if (after->departure < 0) /* not a departure isla writes: order it before every real one */
            a.after = (hpos){after->price, INT32_MIN, 0, after->offer, 0};
    }
    if (!a.heap)
        abort();
    uint32_t lo, hi;
    query_group_range(s, q, &lo, &hi);
    uint32_t r0 = s->hotel_run_first[hotel], r1 = s->hotel_run_first[hotel + 1];
    /* Runs the search takes whole (window, airports, no offer-level filter)
     * wait in `whole`: their count is known, and they are read cheapest
     * first only while one can still reach the page. */
    size_t n_whole = 0;
    if (tl_whole_cap < r1 - r0) {
        tl_whole_cap = r1 - r0;
        tl_whole = xrealloc(tl_whole, tl_whole_cap * sizeof *tl_whole);
    }
    if (hi - lo > 2 * (r1 - r0)) {
        /* many groups (a search without party or length of stay): walk the
         * hotel's own runs instead, finding each one's group */
        for (uint32_t k = r0; k < r1; k++) {
            uint32_t r = s->hotel_runs[k], gi = query_group_of_run(s, r);
            const store_group *g = &s->groups[gi];
            if (gi < lo || gi >= hi || !query_group_selected(s, q, g))
                continue;
            page_run(&a, r, gi, &n_whole);
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
            page_run(&a, (uint32_t)r, gi, &n_whole);
        }
    }
    /* cheapest first; a run whose cheapest offer is dearer than a full
     * page's dearest adds its count and nothing else */
    qsort(tl_whole, n_whole, sizeof *tl_whole, whole_cmp);
    for (size_t k = 0; k < n_whole; k++) {
        const store_run *run = &s->runs[tl_whole[k].run];
        if (a.n == a.limit && run->min_price > a.heap[0].price) {
            a.beyond += run->count;
            continue;
        }
        a.last_day = tl_whole[k].last_day;
        a.group = tl_whole[k].group;
        a.counted = true;
        /* its lanes (all accepted: the run is taken whole) cheapest first
         * too, so the page fills early and the dearer lanes are skipped */
        uint32_t order[64], n = run->n_lanes < 64 ? run->n_lanes : 64;
        for (uint32_t i = 0; i < n; i++)
            order[i] = run->first_lane + i;
        for (uint32_t i = 1; i < n; i++) /* insertion sort by min price: a few lanes */
            for (uint32_t j = i; j > 0 && s->lanes[order[j]].min_price < s->lanes[order[j - 1]].min_price; j--) {
                uint32_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        for (uint32_t i = 0; i < n; i++)
            page_lane(&a, &s->lanes[order[i]]);
        for (uint32_t l = run->first_lane + n; l < run->first_lane + run->n_lanes; l++)
            page_lane(&a, &s->lanes[l]); /* more airports than fit: the rest in store order */
        a.counted = false;
    }
    qsort_r(a.heap, a.n, sizeof *a.heap, hpos_qsort_cmp, (void *)s);
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
