/* The price calendar, straight on the store's columns.
 *
 * A search's offers live in one group (adults, children, nights,
 * destination) per destination it accepts, as one run per hotel; a run is split into lanes, one per departure airport, and in a
 * lane departure days ascend. The calendar keeps, per departure day, the
 * cheapest matching price and a count in an array indexed by day, and fills
 * it per run in the cheapest way the search allows:
 *
 *  - no offer-level filter (any airport, meal, room, ocean view and price):
 *    the run's day index already holds each day's cheapest price and a
 *    running count, so a run costs one step per departure day, not per offer;
 *  - otherwise each lane that can match (its airport is searched for) is
 *    binary-searched to the date window and only the offers inside it are
 *    tested.
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

static bool unfiltered(const search_t *q)
{
    return q->any_airport && q->any_meal && q->any_room && q->ocean_view < 0 && q->max_price == UINT32_MAX;
}

/* Offers [from, to) sorted by day: those departing in the table's window. */
static void scan_sorted(const store_t *s, const search_t *q, uint32_t from, uint32_t to, day_table *t)
{
    const uint16_t *dep = s->dep_day;
    int32_t last = t->last;
    for (uint32_t i = query_lower_day(dep, from, to, t->first); i < to && (int32_t)dep[i] <= last; i++)
        if (query_offer_passes_filters(s, q, i))
            add(t, (uint32_t)(dep[i] - t->first), s->price[i], 1);
}

typedef struct {
    const store_t *s;
    const search_t *q;
    day_table *t;
} lane_scan;

static void scan_lane(void *ctx, const store_lane *lane)
{
    lane_scan *ls = ctx;
    scan_sorted(ls->s, ls->q, lane->start, lane->start + lane->count, ls->t);
}

static void scan_run(const store_t *s, const search_t *q, const store_run *run, day_table *t)
{
    if (run->n_days && unfiltered(q)) {
        uint32_t prev = 0;
        for (uint32_t k = run->first_day; k < run->first_day + run->n_days; k++) {
            uint32_t d = (uint32_t)((int32_t)s->day_day[k] - t->first);
            if (d < t->span && (int32_t)s->day_day[k] <= t->last)
                add(t, d, s->day_min[k], s->day_cum[k] - prev);
            prev = s->day_cum[k];
        }
        return;
    }
    lane_scan ls = {s, q, t};
    query_for_each_lane(s, q, run, scan_lane, &ls);
}

/* Narrows the table's day range to what the runs can hold. */
static void fit_run(const store_run *run, int32_t *lo, int32_t *hi)
{
    if (run->min_day < *lo)
        *lo = run->min_day;
    if (run->max_day > *hi)
        *hi = run->max_day;
}

static bool stars_ok(const store_t *s, const search_t *q, uint32_t hotel)
{
    return !q->min_stars_x10 || s->hotels[hotel].stars_x10 >= q->min_stars_x10;
}

/* The runs of group g that the calendar reads: every hotel's, or the one
 * hotel's; false when the search skips the group or the hotel has none. */
static bool group_runs(const store_t *s, const search_t *q, const store_group *g, int64_t hotel, uint32_t *r0,
                       uint32_t *r1)
{
    if (!query_group_selected(s, q, g))
        return false;
    *r0 = g->first_run, *r1 = g->first_run + g->run_count;
    if (hotel >= 0) {
        int64_t r = query_find_run(s, g, (uint32_t)hotel);
        if (r < 0)
            return false;
        *r0 = (uint32_t)r, *r1 = (uint32_t)r + 1;
    }
    return true;
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
        uint32_t r0, r1;
        if (!group_runs(s, q, g, hotel, &r0, &r1))
            continue;
        for (uint32_t r = r0; r < r1; r++)
            fit_run(&s->runs[r], &lo, &hi);
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
        uint32_t r0, r1;
        if (!group_runs(s, q, g, hotel, &r0, &r1))
            continue;
        t.last = q->latest - (int32_t)g->nights;
        if (t.last > last)
            t.last = last;
        for (uint32_t r = r0; r < r1; r++)
            if (stars_ok(s, q, s->runs[r].hotel))
                scan_run(s, q, &s->runs[r], &t);
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
