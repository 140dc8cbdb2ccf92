/* The price calendar, straight on the store's columns.
 *
 * A search's offers live in one group (adults, children, nights,
 * destination) per destination it accepts. The calendar keeps, per
 * departure day, the cheapest matching price and a count in an array
 * indexed by day, and fills it in the cheapest way the search allows:
 *
 *  - every hotel: per accepted airport, the cells of the window (a cell is
 *    one departure day of one airport, store.h), so each offer read is one
 *    that departs in the window; without filters a cell is a min and its
 *    length;
 *  - one hotel: its run's lanes, each binary-searched to the window, and
 *    only the offers inside are tested.
 *
 * The day array spans the departure days the searched runs can have
 * (their min_day..max_day, clipped to the window), at most a few hundred
 * entries for a season of data. */
#include "query/calendar.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t min;
    uint32_t count;
} day_acc;

typedef struct {
    day_acc *acc;
    int32_t first;            /* day of acc[0] */
    uint32_t span;            /* entries in acc */
    uint32_t lo, hi;          /* touched range [lo, hi]; lo = UINT32_MAX while empty */
    int32_t last;             /* last departure day of the group being read */
} day_table;

static inline void add(day_table *t, uint32_t d, uint32_t min, uint32_t n)
{
    day_acc *a = &t->acc[d];
    if (a->count == 0 || min < a->min)
        a->min = min;
    a->count += n;
    if (d < t->lo)
        t->lo = d;
    if (d > t->hi)
        t->hi = d;
}

static bool stars_ok(const store_t *s, const search_t *q, uint32_t hotel)
{
    return !q->min_stars_x10 || s->hotels[hotel].stars_x10 >= q->min_stars_x10;
}

typedef struct {
    const store_t *s;
    const search_t *q;
    day_table *t;
} lane_scan;

/* One lane of one hotel, binary-searched to the window over the run-order
 * day column; only the offers inside are looked at. */
static void scan_lane(void *ctx, const store_lane *lane)
{
    const lane_scan *ls = ctx;
    const store_t *s = ls->s;
    day_table *t = ls->t;
    uint32_t end = lane->start + lane->count;
    for (uint32_t p = query_lower_day(s->run_day, lane->start, end, t->first);
         p < end && (int32_t)s->run_day[p] <= t->last; p++) {
        uint32_t i = store_run_offer(s, p);
        if (query_offer_passes_filters(s, ls->q, i))
            add(t, (uint32_t)(s->run_day[p] - t->first), s->price[i], 1);
    }
}

/* One hotel: the lanes of its run whose airport the search accepts. */
static void scan_run(const store_t *s, const search_t *q, const store_run *run, day_table *t)
{
    lane_scan ls = {s, q, t};
    query_for_each_lane(s, q, run, scan_lane, &ls);
}

/* Every hotel of a group: per accepted airport, the cells of the window,
 * each a day; without filters a cell's count is its length. */
static void scan_group(const store_t *s, const search_t *q, const store_group *g, day_table *t)
{
    bool filtered = !q->any_meal || !q->any_room || q->ocean_view >= 0 || q->max_price != UINT32_MAX;
    for (uint32_t k = g->first_seg; k < g->first_seg + g->n_segs; k++) {
        const store_seg *sg = &s->segs[k];
        if (!query_seg_selected(s, q, sg))
            continue;
        uint32_t c1 = sg->first_cell + sg->n_cells, end = sg->start + sg->count;
        for (uint32_t c = query_lower_day(s->cell_day, sg->first_cell, c1, t->first);
             c < c1 && (int32_t)s->cell_day[c] <= t->last; c++) {
            uint32_t d = (uint32_t)(s->cell_day[c] - t->first);
            uint32_t from = s->cell_start[c], to = c + 1 < c1 ? s->cell_start[c + 1] : end;
            if (!filtered && !q->min_stars_x10) {
                add(t, d, query_min_u32(s->price + from, to - from), to - from);
                continue;
            }
            for (uint32_t i = from; i < to; i++)
                if (stars_ok(s, q, store_offer_hotel(s, i)) && query_offer_passes_filters(s, q, i))
                    add(t, d, s->price[i], 1);
        }
    }
}

/* Narrows the table's day range to what the runs can hold. */
static void fit_days(uint16_t min_day, uint16_t max_day, int32_t *lo, int32_t *hi)
{
    if (min_day < *lo)
        *lo = min_day;
    if (max_day > *hi)
        *hi = max_day;
}

/* The run of the one hotel in group g, or -1 (also when the search skips
 * the group). */
static int64_t hotel_run(const store_t *s, const search_t *q, const store_group *g, int64_t hotel)
{
    if (!query_group_selected(s, q, g))
        return -1;
    return query_find_run(s, g, (uint32_t)hotel);
}

void query_price_calendar(const store_t *s, const search_t *q, int64_t hotel, calendar_vec *out)
{
    out->len = 0;
    /* The groups to read (one per destination the search accepts) and
     * in them the runs: one hotel's, or every hotel's. */
    uint32_t glo, ghi;
    query_group_range(s, q, &glo, &ghi);
    if (hotel >= 0 && !stars_ok(s, q, (uint32_t)hotel))
        return;
    /* Departure days that can match: the window (earliest .. latest -
     * nights) cut to the days the runs have. */
    int32_t lo = INT32_MAX, hi = INT32_MIN, last = INT32_MIN;
    for (uint32_t gi = glo; gi < ghi; gi++) {
        const store_group *g = &s->groups[gi];
        if (hotel >= 0) {
            int64_t r = hotel_run(s, q, g, hotel);
            if (r < 0)
                continue;
            fit_days(s->runs[r].min_day, s->runs[r].max_day, &lo, &hi);
        } else {
            if (!query_group_selected(s, q, g))
                continue;
            fit_days(g->min_day, g->max_day, &lo, &hi);
        }
        if (q->latest - (int32_t)g->nights > last)
            last = q->latest - (int32_t)g->nights;
    }
    int32_t first = q->earliest > lo ? q->earliest : lo;
    if (last > hi)
        last = hi;
    if (last < first)
        return;
    day_table t = {.first = first, .span = (uint32_t)(last - first + 1), .lo = UINT32_MAX, .hi = 0};
    t.acc = xcalloc(t.span, sizeof *t.acc);
    for (uint32_t gi = glo; gi < ghi; gi++) {
        const store_group *g = &s->groups[gi];
        t.last = q->latest - (int32_t)g->nights;
        if (t.last > last)
            t.last = last;
        if (hotel >= 0) {
            int64_t r = hotel_run(s, q, g, hotel);
            if (r >= 0)
                scan_run(s, q, &s->runs[r], &t);
        } else if (query_group_selected(s, q, g)) {
            scan_group(s, q, g, &t);
        }
    }

    if (t.lo != UINT32_MAX) {
        size_t n = 0;
        for (uint32_t d = t.lo; d <= t.hi; d++)
            n += t.acc[d].count != 0;
        if (out->cap < n) {
            free(out->items);
            out->items = xmalloc(n * sizeof *out->items);
            if (!out->items)
                abort();
            out->cap = n;
        }
        for (uint32_t d = t.lo; d <= t.hi; d++)
            if (t.acc[d].count)
                out->items[out->len++] = (calendar_day){t.first + (int32_t)d, t.acc[d].min, t.acc[d].count};
    }
    free(t.acc);
}

void calendar_vec_free(calendar_vec *v)
{
    free(v->items);
    memset(v, 0, sizeof *v);
}
