/* The price calendar, straight on the store's hot columns.
 *
 * A search's offers live in one group (adults, children, nights) as one
 * contiguous run per hotel. The calendar reads every offer of the runs it
 * needs (all of the group's runs, or the one run of the hotel) and keeps,
 * per departure day, the cheapest matching price and a count, in an array
 * indexed by day. It deliberately does not rely on the order of offers
 * inside a run: one pass over a run's dep_day/price/... columns is a
 * sequential read, it needs no binary search to stay correct whatever the
 * importer's sort key inside a run is, and a calendar without a date window
 * (its usual form) reads the whole run anyway.
 *
 * The per-day array spans the search's possible departure days, at most
 * 65,536 entries (days are uint16_t). It is calloc'ed: the kernel hands
 * out zero pages lazily, so only the pages of days that really occur are
 * touched, and the final pass walks just the touched range. */
#include "query/calendar.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t min;
    uint32_t count;
} day_acc;

static const store_group *find_group(const store_t *s, const search_t *q)
{
    uint32_t key = (uint32_t)q->adults << 24 | (uint32_t)q->children << 16 | q->nights;
    size_t lo = 0, hi = s->n_groups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
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

/* The filters of a search other than the group and the date window; the
 * same rules as query.c's matcher (the SQLite differential test in
 * tests/calendar checks both against one oracle). */
static inline bool matches(const store_t *s, const search_t *q, uint32_t i)
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

typedef struct {
    day_acc *acc;
    int32_t first;            /* day of acc[0] */
    uint32_t span;            /* entries in acc */
    uint32_t lo, hi;          /* touched range [lo, hi]; lo = UINT32_MAX while empty */
} day_table;

static void scan_run(const store_t *s, const search_t *q, const store_run *run, day_table *t)
{
    const uint16_t *dep = s->dep_day;
    const uint32_t *price = s->price;
    uint32_t end = run->start + run->count;
    for (uint32_t i = run->start; i < end; i++) {
        /* one unsigned compare tests both ends of the window */
        uint32_t d = (uint32_t)((int32_t)dep[i] - t->first);
        if (d >= t->span || !matches(s, q, i))
            continue;
        day_acc *a = &t->acc[d];
        if (a->count == 0 || price[i] < a->min)
            a->min = price[i];
        a->count++;
        if (d < t->lo)
            t->lo = d;
        if (d > t->hi)
            t->hi = d;
    }
}

/* Index of the run of `hotel` in group g, or -1. Runs are in hotel order. */
static int64_t find_run(const store_t *s, const store_group *g, uint32_t hotel)
{
    uint32_t lo = g->first_run, hi = g->first_run + g->run_count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->runs[mid].hotel < hotel)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == g->first_run + g->run_count || s->runs[lo].hotel != hotel)
        return -1;
    return lo;
}

void query_price_calendar(const store_t *s, const search_t *q, int64_t hotel, calendar_vec *out)
{
    out->len = 0;
    const store_group *g = find_group(s, q);
    if (!g)
        return;
    /* Departure days that can match: earliest .. latest - nights, within
     * the uint16_t range of the dep_day column. */
    int32_t first = q->earliest > 0 ? q->earliest : 0;
    int32_t last = q->latest - (int32_t)q->nights;
    if (last > UINT16_MAX)
        last = UINT16_MAX;
    if (last < first)
        return;
    day_table t = {.first = first, .span = (uint32_t)(last - first + 1), .lo = UINT32_MAX, .hi = 0};
    t.acc = calloc(t.span, sizeof *t.acc);
    if (!t.acc)
        abort(); /* as buf_t does: every caller would have to */

    if (hotel >= 0) {
        int64_t r = find_run(s, g, (uint32_t)hotel);
        if (r >= 0 && !(q->min_stars_x10 && s->hotels[hotel].stars_x10 < q->min_stars_x10))
            scan_run(s, q, &s->runs[r], &t);
    } else {
        for (uint32_t r = g->first_run; r < g->first_run + g->run_count; r++) {
            const store_run *run = &s->runs[r];
            if (q->min_stars_x10 && s->hotels[run->hotel].stars_x10 < q->min_stars_x10)
                continue;
            scan_run(s, q, run, &t);
        }
    }

    if (t.lo != UINT32_MAX) {
        size_t n = 0;
        for (uint32_t d = t.lo; d <= t.hi; d++)
            n += t.acc[d].count != 0;
        if (out->cap < n) {
            free(out->items);
            out->items = malloc(n * sizeof *out->items);
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
