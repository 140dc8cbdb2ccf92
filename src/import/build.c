/* Building a generation from parsed rows. See build.h for the passes.
 *
 * Why buckets instead of one global sort: a (group, hotel) bucket is exactly
 * the unit a search reads, buckets are small (thousands of rows), so a
 * counting scatter (O(n), parallel) followed by many small cache-resident
 * sorts beats sorting 100M rows as one array.
 *
 * Size (~940 lines, over the project's ~800): the passes share one build
 * context and run one after the other; one file keeps that context private
 * and the order of the passes readable top to bottom. */
#include "import/build.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/parallel.h"
#include "util/xalloc.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* --- hotel id -> index hash map (open addressing, linear probing) --- */
typedef struct {
    uint32_t *keys;
    int32_t *vals;            /* -1 = empty */
    size_t cap, len;
} idmap;

static void idmap_init(idmap *m, size_t expect)
{
    m->cap = 64;
    while (m->cap < expect * 2)
        m->cap *= 2;
    m->keys = xmalloc(m->cap * sizeof *m->keys);
    m->vals = xmalloc(m->cap * sizeof *m->vals);
    memset(m->vals, 0xff, m->cap * sizeof *m->vals);
    m->len = 0;
}

static void idmap_free(idmap *m)
{
    free(m->keys);
    free(m->vals);
}

static inline size_t idmap_slot(const idmap *m, uint32_t k)
{
    return (size_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 32) & (m->cap - 1);
}

static inline int32_t idmap_get(const idmap *m, uint32_t k)
{
    for (size_t s = idmap_slot(m, k);; s = (s + 1) & (m->cap - 1)) {
        if (m->vals[s] < 0)
            return -1;
        if (m->keys[s] == k)
            return m->vals[s];
    }
}

static void idmap_put(idmap *m, uint32_t k, int32_t v);

static void idmap_grow(idmap *m)
{
    idmap n;
    idmap_init(&n, m->cap);
    for (size_t i = 0; i < m->cap; i++)
        if (m->vals[i] >= 0)
            idmap_put(&n, m->keys[i], m->vals[i]);
    idmap_free(m);
    *m = n;
}

static void idmap_put(idmap *m, uint32_t k, int32_t v)
{
    if ((m->len + 1) * 2 > m->cap)
        idmap_grow(m);
    for (size_t s = idmap_slot(m, k);; s = (s + 1) & (m->cap - 1)) {
        if (m->vals[s] < 0) {
            m->keys[s] = k;
            m->vals[s] = v;
            m->len++;
            return;
        }
        if (m->keys[s] == k) {
            m->vals[s] = v;
            return;
        }
    }
}

/* --- groups: (adults, children, nights) --- */
#define NIGHTS_SLOTS 512      /* nights <= 365 */
#define GROUP_KEY(r) ((uint32_t)(r)->adults << 17 | (uint32_t)(r)->children << 9 | (r)->nights)
#define GROUP_KEYS (1u << 25)

typedef struct {
    row_block *blocks;
    size_t n_blocks;
    int threads;
    const idmap *known;
    idmap *unknown;           /* per thread: id -> serial into unknown_dests */
    uint64_t **known_dests;   /* per thread: 4 words (256 bits) of destinations per hotels.csv entry */
    uint64_t **unknown_dests; /* per thread: the same per unknown id, by serial */
    size_t *unknown_cap;      /* per thread: entries allocated in unknown_dests */
    uint64_t **group_bits;    /* per thread, GROUP_KEYS bits */
    idmap final;              /* id -> hotel index */
    const uint8_t *hotel_known;
    uint32_t *unit_of;        /* (hotel, destination) -> unit: see hotel_units */
    uint32_t *hotel_units;    /* hotel h's units: [hotel_units[h], hotel_units[h + 1]) of unit_of */
    uint8_t *unit_dest;       /* per unit */
    uint32_t *unit_hotel;     /* per unit */
    size_t n_units;
    int32_t *pair_base;       /* (adults<<8|children) -> offset into group_of, or -1 */
    uint32_t *group_of;       /* pair_base + nights -> group id */
    size_t n_hotels, n_groups, n_buckets;
    uint32_t **hist;          /* per thread: bucket -> count, then -> next write offset */
    uint64_t *unknown_rows;   /* per thread */
    offer_row *sorted;
    uint32_t *bucket_start, *bucket_len, *bucket_keep;
    atomic_size_t next_bucket;
    dup_ref **dups;           /* per thread */
    size_t *n_dups, *cap_dups;
    store_image *img;
    uint16_t *dep_day;
    uint8_t *airport, *meal, *room_ocean;
    uint32_t *price;
    store_detail *detail;
    store_far_detail **far;   /* per thread */
    size_t *n_far, *cap_far;
    uint32_t *out_start;
    uint32_t *lane_count;     /* per bucket */
    uint32_t *lane_start;     /* per bucket, after prefix sums */
    uint32_t *bucket_slot;    /* per bucket: its hotel (the offers' slot) */
    store_lane *lanes;
    /* cell order (see store.h): per store group its segments and cells */
    store_group *sgroups;
    size_t n_sgroups;
    const store_run *runs;
    store_run *runs_w;        /* the same, for pass_columns to fill in */
    uint32_t *run_bucket;     /* run -> bucket */
    uint32_t *bucket_run;     /* bucket -> run */
    uint32_t *g_segs, *g_cells;   /* per store group: counts, then first index */
    uint32_t *g_weeks, *g_wstart; /* per store group: week index entries and starts (0: none),
                                     then first index */
    store_week *weeks;
    uint32_t *week_start;
    bool cells_fill;
    atomic_size_t next_group;
    store_seg *segs;
    uint16_t *cell_day;
    uint32_t *cell_start;
    uint32_t *perm;           /* run-order position -> offer (cell order) */
    uint16_t *run_day, *slot;
    uint32_t *slot32;         /* instead of slot when there are > 65536 hotels */
} build_ctx;

static void block_range(const build_ctx *c, int t, size_t *lo, size_t *hi)
{
    *lo = c->n_blocks * (size_t)t / (size_t)c->threads;
    *hi = c->n_blocks * (size_t)(t + 1) / (size_t)c->threads;
}

static void pass_discover(void *arg, int t)
{
    build_ctx *c = arg;
    size_t lo, hi;
    block_range(c, t, &lo, &hi);
    idmap *unk = &c->unknown[t];
    uint64_t *bits = c->group_bits[t];
    uint64_t *kd = c->known_dests[t];
    for (size_t b = lo; b < hi; b++)
        for (size_t i = 0; i < c->blocks[b].len; i++) {
            const offer_row *r = &c->blocks[b].rows[i];
            uint32_t k = GROUP_KEY(r);
            bits[k >> 6] |= 1ull << (k & 63);
            uint8_t dest = r->detail.out_arr_airport;
            int32_t ki = idmap_get(c->known, r->hotel_id);
            if (ki >= 0) {
                kd[(size_t)ki * 4 + (dest >> 6)] |= 1ull << (dest & 63);
                continue;
            }
            int32_t ui = idmap_get(unk, r->hotel_id);
            if (ui < 0) {
                ui = (int32_t)unk->len;
                if ((size_t)ui == c->unknown_cap[t]) {
                    c->unknown_cap[t] = c->unknown_cap[t] ? c->unknown_cap[t] * 2 : 64;
                    c->unknown_dests[t] = xrealloc(c->unknown_dests[t], c->unknown_cap[t] * 4 * sizeof(uint64_t));
                }
                memset(&c->unknown_dests[t][(size_t)ui * 4], 0, 4 * sizeof(uint64_t));
                idmap_put(unk, r->hotel_id, ui);
            }
            c->unknown_dests[t][(size_t)ui * 4 + (dest >> 6)] |= 1ull << (dest & 63);
        }
}

/* The unit of a row's (hotel, destination): almost every hotel has one
 * destination, so the list scanned is one entry long. */
static inline uint32_t unit_id(const build_ctx *c, uint32_t h, uint8_t dest)
{
    for (uint32_t k = c->hotel_units[h];; k++)
        if (c->unit_dest[c->unit_of[k]] == dest)
            return c->unit_of[k];
}

static inline uint32_t group_id(const build_ctx *c, const offer_row *r)
{
    return c->group_of[c->pair_base[r->adults << 8 | r->children] + r->nights];
}

/* Maps hotel ids to indexes in place and counts rows per bucket. */
static void pass_count(void *arg, int t)
{
    build_ctx *c = arg;
    size_t lo, hi;
    block_range(c, t, &lo, &hi);
    uint32_t *hist = c->hist[t];
    uint64_t unknown = 0;
    for (size_t b = lo; b < hi; b++)
        for (size_t i = 0; i < c->blocks[b].len; i++) {
            offer_row *r = &c->blocks[b].rows[i];
            uint32_t h = (uint32_t)idmap_get(&c->final, r->hotel_id);
            uint32_t u = unit_id(c, h, r->detail.out_arr_airport);
            r->hotel_id = u; /* from here on a row's "hotel" is its unit */
            unknown += !c->hotel_known[h];
            hist[(size_t)group_id(c, r) * c->n_units + u]++;
        }
    c->unknown_rows[t] = unknown;
}

static void pass_scatter(void *arg, int t)
{
    build_ctx *c = arg;
    size_t lo, hi;
    block_range(c, t, &lo, &hi);
    uint32_t *next = c->hist[t];
    for (size_t b = lo; b < hi; b++) {
        for (size_t i = 0; i < c->blocks[b].len; i++) {
            const offer_row *r = &c->blocks[b].rows[i];
            c->sorted[next[(size_t)group_id(c, r) * c->n_units + r->hotel_id]++] = *r;
        }
        free(c->blocks[b].rows);
        c->blocks[b].rows = NULL;
    }
}

/* Order within a bucket: what searches need first (airport, then day, then
 * price: one lane per airport, days ascending), then every other field so
 * exact duplicates end up adjacent, then the source position so the
 * earliest copy is the one kept. */
static int cmp_content(const offer_row *a, const offer_row *b)
{
    if (a->airport != b->airport)
        return a->airport < b->airport ? -1 : 1;
    if (a->dep_day != b->dep_day)
        return a->dep_day < b->dep_day ? -1 : 1;
    if (a->price != b->price)
        return a->price < b->price ? -1 : 1;
    if (a->meal != b->meal)
        return a->meal < b->meal ? -1 : 1;
    if (a->room_ocean != b->room_ocean)
        return a->room_ocean < b->room_ocean ? -1 : 1;
    return memcmp(&a->detail, &b->detail, sizeof a->detail);
}

static int cmp_row(const void *x, const void *y)
{
    const offer_row *a = x, *b = y;
    int c = cmp_content(a, b);
    if (c)
        return c;
    if (a->chunk != b->chunk)
        return a->chunk < b->chunk ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

/* The search key of a row as one integer, so most comparisons are one
 * 64-bit compare; cmp_row breaks the (rare) ties. */
static inline uint64_t row_key(const offer_row *r)
{
    return (uint64_t)r->airport << 48 | (uint64_t)r->dep_day << 32 | r->price;
}

static inline bool row_less(const offer_row *a, uint64_t ka, const offer_row *b, uint64_t kb)
{
    return ka != kb ? ka < kb : cmp_row(a, b) < 0;
}

/* Sorts a bucket by cmp_row's order: quicksort with median-of-three and an
 * insertion sort below 24 rows. Specialised because qsort's indirect
 * compare calls dominated the import's sort pass. */
static void sort_rows(offer_row *r, size_t n)
{
    while (n > 24) {
        size_t mid = n / 2;
        /* median of three to r[0] as pivot */
        offer_row *a = &r[0], *b = &r[mid], *c = &r[n - 1], t;
        if (row_less(b, row_key(b), a, row_key(a)))
            t = *a, *a = *b, *b = t;
        if (row_less(c, row_key(c), b, row_key(b))) {
            t = *b, *b = *c, *c = t;
            if (row_less(b, row_key(b), a, row_key(a)))
                t = *a, *a = *b, *b = t;
        }
        t = r[0], r[0] = r[mid], r[mid] = t;
        offer_row pivot = r[0];
        uint64_t kp = row_key(&pivot);
        size_t i = 1, j = n - 1;
        for (;;) {
            while (i <= j && row_less(&r[i], row_key(&r[i]), &pivot, kp))
                i++;
            while (j >= i && row_less(&pivot, kp, &r[j], row_key(&r[j])))
                j--;
            if (i >= j)
                break;
            t = r[i], r[i] = r[j], r[j] = t;
            i++, j--;
        }
        t = r[0], r[0] = r[j], r[j] = t;
        /* recurse into the smaller side, loop on the larger */
        if (j < n - j - 1) {
            sort_rows(r, j);
            r += j + 1;
            n -= j + 1;
        } else {
            sort_rows(r + j + 1, n - j - 1);
            n = j;
        }
    }
    for (size_t i = 1; i < n; i++) {
        offer_row x = r[i];
        uint64_t kx = row_key(&x);
        size_t j = i;
        while (j > 0 && row_less(&x, kx, &r[j - 1], row_key(&r[j - 1]))) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = x;
    }
}

static void pass_sort(void *arg, int t)
{
    build_ctx *c = arg;
    for (;;) {
        size_t b0 = atomic_fetch_add(&c->next_bucket, 256);
        if (b0 >= c->n_buckets)
            break;
        size_t b1 = b0 + 256 < c->n_buckets ? b0 + 256 : c->n_buckets;
        for (size_t b = b0; b < b1; b++) {
            uint32_t n = c->bucket_len[b];
            if (!n)
                continue;
            offer_row *r = c->sorted + c->bucket_start[b];
            sort_rows(r, n);
            uint32_t w = 1;
            for (uint32_t i = 1; i < n; i++) {
                if (cmp_content(&r[w - 1], &r[i]) == 0) {
                    if (c->n_dups[t] == c->cap_dups[t]) {
                        c->cap_dups[t] = c->cap_dups[t] ? c->cap_dups[t] * 2 : 1024;
                        c->dups[t] = xrealloc(c->dups[t], c->cap_dups[t] * sizeof **c->dups);
                    }
                    c->dups[t][c->n_dups[t]++] = (dup_ref){r[i].chunk, r[i].line, r[w - 1].chunk, r[w - 1].line};
                    continue;
                }
                r[w++] = r[i];
            }
            c->bucket_keep[b] = w;
        }
    }
}

/* Counts lanes (distinct airports) per bucket. */
static void pass_count_index(void *arg, int t)
{
    build_ctx *c = arg;
    (void)t;
    for (;;) {
        size_t b0 = atomic_fetch_add(&c->next_bucket, 256);
        if (b0 >= c->n_buckets)
            break;
        size_t b1 = b0 + 256 < c->n_buckets ? b0 + 256 : c->n_buckets;
        for (size_t b = b0; b < b1; b++) {
            const offer_row *r = c->sorted + c->bucket_start[b];
            uint32_t n = c->bucket_keep[b], lanes = 0;
            for (uint32_t i = 0; i < n; i++)
                lanes += i == 0 || r[i].airport != r[i - 1].airport;
            c->lane_count[b] = lanes;
        }
    }
}

/* The cell order of one store group (store.h): a counting sort of its
 * offers by (airport, departure day), stable, so inside a cell offers stay
 * in run order: by hotel slot, then price. The first call per group
 * (cells_fill false) counts its segments and cells; the second writes
 * them and the permutation from run order to cell order. */
static void group_cells(build_ctx *c, size_t g, uint32_t **hist, size_t *hist_cap)
{
    store_group *G = &c->sgroups[g];
    int32_t amin[256], amax[256];
    for (int a = 0; a < 256; a++)
        amin[a] = INT32_MAX, amax[a] = -1;
    for (uint32_t r = G->first_run; r < G->first_run + G->run_count; r++) {
        const offer_row *rows = c->sorted + c->bucket_start[c->run_bucket[r]];
        uint32_t n = c->bucket_keep[c->run_bucket[r]];
        for (uint32_t i = 0; i < n; i++) {
            unsigned a = rows[i].airport;
            int32_t d = rows[i].dep_day;
            amin[a] = d < amin[a] ? d : amin[a];
            amax[a] = d > amax[a] ? d : amax[a];
        }
    }
    size_t base[256], k = 0;
    for (int a = 0; a < 256; a++) {
        base[a] = k;
        if (amax[a] >= 0)
            k += (size_t)(amax[a] - amin[a] + 1);
    }
    if (*hist_cap < k) {
        *hist_cap = k;
        *hist = xrealloc(*hist, k * sizeof **hist);
    }
    uint32_t *h = *hist;
    memset(h, 0, k * sizeof *h);
    for (uint32_t r = G->first_run; r < G->first_run + G->run_count; r++) {
        const offer_row *rows = c->sorted + c->bucket_start[c->run_bucket[r]];
        uint32_t n = c->bucket_keep[c->run_bucket[r]];
        for (uint32_t i = 0; i < n; i++)
            h[base[rows[i].airport] + (size_t)(rows[i].dep_day - amin[rows[i].airport])]++;
    }
    /* the group's day span (both calls: group_weeks reads it) */
    G->min_day = UINT16_MAX;
    G->max_day = 0;
    for (int a = 0; a < 256; a++)
        if (amax[a] >= 0) {
            G->min_day = amin[a] < G->min_day ? (uint16_t)amin[a] : G->min_day;
            G->max_day = amax[a] > G->max_day ? (uint16_t)amax[a] : G->max_day;
        }
    if (!c->cells_fill) {
        uint32_t segs = 0, cells = 0;
        for (int a = 0; a < 256; a++)
            segs += amax[a] >= 0;
        for (size_t i = 0; i < k; i++)
            cells += h[i] != 0;
        c->g_segs[g] = segs;
        c->g_cells[g] = cells;
        return;
    }
    uint32_t pos = c->runs[G->first_run].start, seg = c->g_segs[g], cell = c->g_cells[g];
    G->start = pos;
    G->first_seg = seg;
    for (int a = 0; a < 256; a++) {
        if (amax[a] < 0)
            continue;
        store_seg *sg = &c->segs[seg++];
        *sg = (store_seg){.start = pos, .first_cell = cell, .airport = (uint8_t)a};
        for (int32_t d = 0; d <= amax[a] - amin[a]; d++) {
            uint32_t n = h[base[a] + (size_t)d];
            if (n) {
                c->cell_day[cell] = (uint16_t)(amin[a] + d);
                c->cell_start[cell] = pos;
                cell++;
            }
            h[base[a] + (size_t)d] = pos;
            pos += n;
        }
        sg->count = pos - sg->start;
        sg->n_cells = cell - sg->first_cell;
    }
    G->n_segs = seg - G->first_seg;
    G->count = pos - G->start;
    for (uint32_t r = G->first_run; r < G->first_run + G->run_count; r++) {
        const offer_row *rows = c->sorted + c->bucket_start[c->run_bucket[r]];
        uint32_t n = c->bucket_keep[c->run_bucket[r]], o = c->runs[r].start;
        for (uint32_t i = 0; i < n; i++)
            c->perm[o + i] = h[base[rows[i].airport] + (size_t)(rows[i].dep_day - amin[rows[i].airport])]++;
    }
}

/* Per-thread scratch of the week index: per week of the group being
 * built, one hotel's count, cheapest offer and its day, and a write cursor. */
typedef struct {
    uint32_t *count, *min, *best, *cursor;
    uint16_t *day;
    size_t cap;
} week_scratch;

static void week_scratch_fit(week_scratch *w, uint32_t span)
{
    if (w->cap >= span)
        return;
    w->cap = span;
    w->count = xrealloc(w->count, span * sizeof *w->count);
    w->min = xrealloc(w->min, span * sizeof *w->min);
    w->best = xrealloc(w->best, span * sizeof *w->best);
    w->cursor = xrealloc(w->cursor, span * sizeof *w->cursor);
    w->day = xrealloc(w->day, span * sizeof *w->day);
}

static void week_scratch_free(week_scratch *w)
{
    free(w->count);
    free(w->min);
    free(w->best);
    free(w->cursor);
    free(w->day);
}

/* The week index of group g (store.h, store_week). The first call counts
 * its entries and decides whether the group gets one (entries fit 16-bit
 * hotel slots and counts, and the group has STORE_WEEK_MIN_RATIO offers an
 * entry); the second writes them, after group_cells made the permutation. */
static void group_weeks(build_ctx *c, size_t g, week_scratch *w)
{
    store_group *G = &c->sgroups[g];
    uint32_t w0 = G->min_day / 7u, span = G->max_day / 7u - w0 + 1; /* set by group_cells */
    week_scratch_fit(w, span);
    memset(w->count, 0, span * sizeof *w->count);
    memset(w->cursor, 0, span * sizeof *w->cursor);
    /* entries per week (cursor), and whether counts fit 16 bits */
    bool fits = c->n_hotels <= STORE_SLOT16_HOTELS;
    uint64_t entries = 0, offers = 0;
    for (uint32_t r = G->first_run; r < G->first_run + G->run_count; r++) {
        const offer_row *rows = c->sorted + c->bucket_start[c->run_bucket[r]];
        uint32_t n = c->bucket_keep[c->run_bucket[r]];
        offers += n;
        for (uint32_t i = 0; i < n; i++)
            w->count[rows[i].dep_day / 7 - w0]++;
        for (uint32_t k = 0; k < span; k++)
            if (w->count[k]) {
                fits &= w->count[k] <= UINT16_MAX;
                w->cursor[k]++;
                entries++;
                w->count[k] = 0;
            }
    }
    if (!c->cells_fill) {
        bool worth = fits && offers >= STORE_WEEK_MIN_RATIO * entries;
        c->g_weeks[g] = worth ? (uint32_t)entries : 0;
        c->g_wstart[g] = worth ? span + 1 : 0;
        return;
    }
    G->first_week = G->n_weeks = 0;
    G->week_start = 0;
    if (c->g_wstart[g] == UINT32_MAX) /* no index for this group */
        return;
    G->first_week = (uint16_t)w0;
    G->n_weeks = (uint16_t)span;
    G->week_start = c->g_wstart[g];
    uint32_t *start = c->week_start + c->g_wstart[g], at = c->g_weeks[g];
    for (uint32_t k = 0; k < span; k++) {
        start[k] = at;
        at += w->cursor[k];
        w->cursor[k] = start[k];
    }
    start[span] = at;
    for (uint32_t r = G->first_run; r < G->first_run + G->run_count; r++) {
        uint32_t b = c->run_bucket[r];
        const offer_row *rows = c->sorted + c->bucket_start[b];
        uint32_t n = c->bucket_keep[b], o = c->runs[r].start;
        /* rows are by (airport, day, price): the cheapest of a week is the
         * lowest price, then the earliest day, then the lowest airport */
        for (uint32_t i = 0; i < n; i++) {
            uint32_t k = rows[i].dep_day / 7 - w0;
            if (w->count[k]++ == 0 || rows[i].price < w->min[k] ||
                (rows[i].price == w->min[k] && rows[i].dep_day < w->day[k])) {
                w->min[k] = rows[i].price;
                w->best[k] = c->perm[o + i];
                w->day[k] = rows[i].dep_day;
            }
        }
        for (uint32_t k = 0; k < span; k++)
            if (w->count[k]) {
                c->weeks[w->cursor[k]++] =
                    (store_week){w->min[k], w->best[k], (uint16_t)c->bucket_slot[b], (uint16_t)w->count[k]};
                w->count[k] = 0;
            }
    }
}

static void pass_cells(void *arg, int t)
{
    build_ctx *c = arg;
    (void)t;
    uint32_t *hist = NULL;
    size_t cap = 0;
    week_scratch w = {0};
    for (;;) {
        size_t g = atomic_fetch_add(&c->next_group, 1);
        if (g >= c->n_sgroups)
            break;
        group_cells(c, g, &hist, &cap);
        group_weeks(c, g, &w);
    }
    free(hist);
    week_scratch_free(&w);
}

static inline bool fits_minutes(int32_t seconds)
{
    return seconds % 60 == 0 && seconds / 60 > DETAIL_FAR && seconds / 60 <= INT16_MAX;
}

static int cmp_far(const void *a, const void *b)
{
    uint32_t x = ((const store_far_detail *)a)->offer, y = ((const store_far_detail *)b)->offer;
    return x < y ? -1 : x > y;
}

/* Writes the columns (in cell order, through perm), the run-order day
 * column and the lanes of each bucket. */
static void pass_columns(void *arg, int t)
{
    build_ctx *c = arg;
    for (;;) {
        size_t b0 = atomic_fetch_add(&c->next_bucket, 256);
        if (b0 >= c->n_buckets)
            break;
        size_t b1 = b0 + 256 < c->n_buckets ? b0 + 256 : c->n_buckets;
        for (size_t b = b0; b < b1; b++) {
            const offer_row *r = c->sorted + c->bucket_start[b];
            uint32_t n = c->bucket_keep[b], o = c->out_start[b], l = c->lane_start[b];
            uint32_t slot = c->bucket_slot[b];
            for (uint32_t i = 0; i < n; i++, o++) {
                uint32_t x = c->perm[o];
                c->run_day[o] = r[i].dep_day;
                c->dep_day[x] = r[i].dep_day;
                c->airport[x] = r[i].airport;
                c->price[x] = r[i].price;
                c->meal[x] = r[i].meal;
                c->room_ocean[x] = r[i].room_ocean;
                if (c->slot)
                    c->slot[x] = (uint16_t)slot;
                else
                    c->slot32[x] = slot;
                const row_detail *rd = &r[i].detail;
                store_detail *d = &c->detail[x];
                *d = (store_detail){rd->out_dep, rd->in_dep, 0, 0, rd->out_arr_airport, rd->in_dep_airport,
                                    rd->in_arr_airport, 0};
                if (fits_minutes(rd->out_arr_delta) && fits_minutes(rd->in_arr_delta)) {
                    d->out_arr_min = (int16_t)(rd->out_arr_delta / 60);
                    d->in_arr_min = (int16_t)(rd->in_arr_delta / 60);
                } else {
                    d->out_arr_min = d->in_arr_min = DETAIL_FAR;
                    if (c->n_far[t] == c->cap_far[t]) {
                        c->cap_far[t] = c->cap_far[t] ? c->cap_far[t] * 2 : 64;
                        c->far[t] = xrealloc(c->far[t], c->cap_far[t] * sizeof **c->far);
                    }
                    c->far[t][c->n_far[t]++] = (store_far_detail){x, rd->out_arr_delta, rd->in_arr_delta};
                }
                if (i == 0 || r[i].airport != r[i - 1].airport)
                    c->lanes[l++] = (store_lane){o, 0, UINT32_MAX, r[i].airport, {0}};
                c->lanes[l - 1].count++;
                if (r[i].price < c->lanes[l - 1].min_price)
                    c->lanes[l - 1].min_price = r[i].price;
            }
            if (!n)
                continue;
            /* the run's summary: its airport mask (the query's quick lane
             * selection), day span and cheapest offer (a search covering
             * the whole span needs nothing else) */
            store_run *run = &c->runs_w[c->bucket_run[b]];
            uint32_t best = 0;
            run->min_day = UINT16_MAX;
            for (uint32_t i = 0; i < n; i++) {
                if (r[i].airport < 64)
                    run->airports |= 1ull << r[i].airport;
                run->min_day = r[i].dep_day < run->min_day ? r[i].dep_day : run->min_day;
                run->max_day = r[i].dep_day > run->max_day ? r[i].dep_day : run->max_day;
                if (r[i].price < r[best].price || (r[i].price == r[best].price && r[i].dep_day < r[best].dep_day))
                    best = i; /* ties: earliest departure */
            }
            run->min_price = r[best].price;
            run->best = c->perm[c->out_start[b] + best];
        }
    }
}

static void *own(build_output *out, void *p)
{
    for (int i = 0; i < 32; i++)
        if (!out->owned[i]) {
            out->owned[i] = p;
            return p;
        }
    abort(); /* more allocations than slots: a programming error */
}

int build_image(row_block *blocks, size_t n_blocks, const hotel_list *hotels, import_dict *dicts,
                int threads, build_output *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    build_ctx c;
    memset(&c, 0, sizeof c);
    c.blocks = blocks;
    c.n_blocks = n_blocks;
    c.threads = threads < 1 ? 1 : threads;
    size_t n_rows = 0;
    for (size_t b = 0; b < n_blocks; b++)
        n_rows += blocks[b].len;
    if (n_rows >= UINT32_MAX) {
        snprintf(err, errlen, "more than %u offers in one generation", UINT32_MAX - 1);
        return -1;
    }
    int rc = -1;
    int T = c.threads;

    /* 1. hotels and groups that occur */
    idmap known;
    idmap_init(&known, hotels->len);
    for (size_t i = 0; i < hotels->len; i++)
        idmap_put(&known, hotels->items[i].id, (int32_t)i);
    c.known = &known;
    c.unknown = xcalloc((size_t)T, sizeof *c.unknown);
    c.group_bits = xcalloc((size_t)T, sizeof *c.group_bits);
    c.known_dests = xcalloc((size_t)T, sizeof *c.known_dests);
    c.unknown_dests = xcalloc((size_t)T, sizeof *c.unknown_dests);
    c.unknown_cap = xcalloc((size_t)T, sizeof *c.unknown_cap);
    for (int t = 0; t < T; t++) {
        idmap_init(&c.unknown[t], 64);
        c.group_bits[t] = xcalloc(GROUP_KEYS / 64, sizeof(uint64_t));
        c.known_dests[t] = xcalloc(hotels->len * 4 + 1, sizeof(uint64_t));
    }
    parallel_run(T, pass_discover, &c);
    idmap all_unknown;
    idmap_init(&all_unknown, 64);
    for (int t = 0; t < T; t++) {
        for (size_t s = 0; s < c.unknown[t].cap; s++)
            if (c.unknown[t].vals[s] >= 0)
                idmap_put(&all_unknown, c.unknown[t].keys[s], 0);
        if (t)
            for (size_t w = 0; w < GROUP_KEYS / 64; w++)
                c.group_bits[0][w] |= c.group_bits[t][w];
    }
    /* Hotel table: known and unknown ids merged in id order. */
    size_t n_unknown = all_unknown.len, n_hotels = hotels->len + n_unknown;
    uint32_t *unk_ids = xmalloc((n_unknown + 1) * sizeof *unk_ids);
    size_t k = 0;
    for (size_t s = 0; s < all_unknown.cap; s++)
        if (all_unknown.vals[s] >= 0)
            unk_ids[k++] = all_unknown.keys[s];
    idmap_free(&all_unknown);
    qsort(unk_ids, n_unknown, sizeof *unk_ids, cmp_u32);
    store_hotel *ht = own(out, xcalloc(n_hotels + 1, sizeof *ht));
    uint8_t *hknown = xcalloc(n_hotels + 1, 1);
    size_t names_len = 0;
    for (size_t i = 0; i < hotels->len; i++)
        names_len += hotels->items[i].name_len;
    names_len += n_unknown * 32;
    char *names = own(out, xmalloc(names_len + 1));
    size_t no = 0, ki = 0, ui = 0;
    idmap_init(&c.final, n_hotels);
    for (size_t h = 0; h < n_hotels; h++) {
        bool take_known = ui == n_unknown || (ki < hotels->len && hotels->items[ki].id < unk_ids[ui]);
        if (take_known) {
            const hotel_entry *e = &hotels->items[ki++];
            ht[h] = (store_hotel){e->id, e->stars_x10, 1, e->name_len, (uint32_t)no, STORE_NO_DEST, 0, {0}};
            memcpy(names + no, e->name, e->name_len);
            no += e->name_len;
            hknown[h] = 1;
        } else {
            uint32_t id = unk_ids[ui++];
            int l = snprintf(names + no, 32, "Unknown hotel %u", id);
            ht[h] = (store_hotel){id, 0, 0, (uint16_t)l, (uint32_t)no, STORE_NO_DEST, 0, {0}};
            no += (size_t)l;
        }
        idmap_put(&c.final, ht[h].id, (int32_t)h);
    }
    free(unk_ids);
    c.hotel_known = hknown;
    c.n_hotels = n_hotels;

    /* Destinations of each hotel, then the units: one per (hotel,
     * destination) that has offers, ordered by (destination, hotel), so the
     * runs of a group come out grouped by destination and in hotel order. */
    uint64_t *hdest = xcalloc(n_hotels * 4 + 1, sizeof *hdest);
    for (int t = 0; t < T; t++) {
        for (size_t i = 0; i < hotels->len; i++) {
            int32_t h = idmap_get(&c.final, hotels->items[i].id);
            for (int w = 0; w < 4; w++)
                hdest[(size_t)h * 4 + (size_t)w] |= c.known_dests[t][i * 4 + (size_t)w];
        }
        for (size_t s = 0; s < c.unknown[t].cap; s++)
            if (c.unknown[t].vals[s] >= 0) {
                int32_t h = idmap_get(&c.final, c.unknown[t].keys[s]);
                for (int w = 0; w < 4; w++)
                    hdest[(size_t)h * 4 + (size_t)w] |= c.unknown_dests[t][(size_t)c.unknown[t].vals[s] * 4 + (size_t)w];
            }
        idmap_free(&c.unknown[t]);
        free(c.known_dests[t]);
        free(c.unknown_dests[t]);
    }
    idmap_free(&known);
    c.hotel_units = xmalloc((n_hotels + 1) * sizeof *c.hotel_units);
    size_t n_units = 0;
    for (size_t h = 0; h < n_hotels; h++) {
        c.hotel_units[h] = (uint32_t)n_units;
        for (int w = 0; w < 4; w++)
            n_units += (size_t)__builtin_popcountll(hdest[h * 4 + (size_t)w]);
    }
    c.hotel_units[n_hotels] = (uint32_t)n_units;
    c.n_units = n_units;
    c.unit_of = xmalloc((n_units + 1) * sizeof *c.unit_of);
    c.unit_dest = xmalloc(n_units + 1);
    c.unit_hotel = xmalloc((n_units + 1) * sizeof *c.unit_hotel);
    uint32_t *fill = xcalloc(n_hotels + 1, sizeof *fill);
    size_t u = 0;
    for (unsigned d = 0; d < 256; d++)
        for (size_t h = 0; h < n_hotels; h++)
            if (hdest[h * 4 + (d >> 6)] >> (d & 63) & 1) {
                c.unit_dest[u] = (uint8_t)d;
                c.unit_hotel[u] = (uint32_t)h;
                c.unit_of[c.hotel_units[h] + fill[h]++] = (uint32_t)u;
                u++;
            }
    free(fill);
    /* The destination a hotel is shown with: hotels.csv's, if it has one
     * (added to the airport dictionary if no offer flies there), else the
     * one most of its offers fly to (set once the buckets are counted). */
    for (size_t h = 0; h < n_hotels; h++) {
        ht[h].dest = STORE_NO_DEST;
        int n_d = 0;
        for (int w = 0; w < 4; w++)
            n_d += __builtin_popcountll(hdest[h * 4 + (size_t)w]);
        ht[h].multi_dest = n_d > 1;
    }
    bool named[256] = {0};
    store_dest_name *dnames = own(out, calloc(256, sizeof *dnames));
    uint32_t n_dnames = 0;
    for (size_t i = 0; i < hotels->len; i++) {
        if (!hotels->items[i].dest[0])
            continue;
        import_dict *ad = &dicts[STORE_DICT_AIRPORT];
        char key[STORE_DICT_STRLEN] = {0};
        memcpy(key, hotels->items[i].dest, 3);
        int id = -1;
        unsigned len = atomic_load(&ad->len);
        for (unsigned k = 0; k < len; k++)
            if (!memcmp(ad->values[k], key, sizeof key))
                id = (int)k;
        if (id < 0 && len < ad->max) {
            memcpy(ad->values[len], key, sizeof key);
            atomic_store(&ad->len, len + 1);
            id = (int)len;
        }
        if (id >= 0) {
            ht[idmap_get(&c.final, hotels->items[i].id)].dest = (uint8_t)id;
            /* the data's name of the destination: the first hotel's wins */
            if (hotels->items[i].region[0] && !named[id]) {
                named[id] = true;
                dnames[n_dnames].dest = (uint8_t)id;
                memcpy(dnames[n_dnames].name, hotels->items[i].region, sizeof dnames[n_dnames].name);
                n_dnames++;
            }
        }
    }
    free(hdest);

    /* Group ids in (adults, children, nights) order. */
    c.pair_base = xmalloc(65536 * sizeof *c.pair_base);
    memset(c.pair_base, 0xff, 65536 * sizeof *c.pair_base);
    size_t pairs = 0;
    for (uint32_t pair = 0; pair < 65536; pair++) {
        const uint64_t *w = &c.group_bits[0][(size_t)pair * NIGHTS_SLOTS / 64];
        bool any = false;
        for (int i = 0; i < NIGHTS_SLOTS / 64; i++)
            any |= w[i] != 0;
        if (any)
            c.pair_base[pair] = (int32_t)(pairs++ * NIGHTS_SLOTS);
    }
    c.group_of = xmalloc((pairs * NIGHTS_SLOTS + 1) * sizeof *c.group_of);
    store_group *groups = own(out, xmalloc((pairs * NIGHTS_SLOTS + 1) * sizeof *groups));
    size_t n_groups = 0;
    for (uint32_t pair = 0; pair < 65536; pair++) {
        if (c.pair_base[pair] < 0)
            continue;
        for (uint32_t nights = 0; nights < NIGHTS_SLOTS; nights++) {
            uint32_t key = pair << 9 | nights;
            if (c.group_bits[0][key >> 6] >> (key & 63) & 1) {
                c.group_of[c.pair_base[pair] + (int32_t)nights] = (uint32_t)n_groups;
                groups[n_groups++] = (store_group){.adults = (uint8_t)(pair >> 8), .children = (uint8_t)pair,
                                                   .nights = (uint16_t)nights};
            }
        }
    }
    for (int t = 0; t < T; t++)
        free(c.group_bits[t]);
    free(c.group_bits);
    c.n_groups = n_groups;
    c.n_buckets = n_groups * n_units;
    if (c.n_buckets > (1u << 28)) {
        snprintf(err, errlen,
                 "too many (adults, children, nights, hotel, destination) combinations: %zu groups x %zu hotel "
                 "destinations",
                 n_groups, n_units);
        goto out;
    }

    /* 2. count, 3. scatter */
    c.hist = xcalloc((size_t)T, sizeof *c.hist);
    c.unknown_rows = xcalloc((size_t)T, sizeof *c.unknown_rows);
    for (int t = 0; t < T; t++)
        c.hist[t] = xcalloc(c.n_buckets + 1, sizeof(uint32_t));
    parallel_run(T, pass_count, &c);
    c.bucket_start = xmalloc((c.n_buckets + 1) * sizeof(uint32_t));
    c.bucket_len = xmalloc((c.n_buckets + 1) * sizeof(uint32_t));
    c.bucket_keep = xcalloc(c.n_buckets + 1, sizeof(uint32_t));
    uint32_t pos = 0;
    for (size_t b = 0; b < c.n_buckets; b++) {
        c.bucket_start[b] = pos;
        for (int t = 0; t < T; t++) {
            uint32_t n = c.hist[t][b];
            c.hist[t][b] = pos;
            pos += n;
        }
        c.bucket_len[b] = pos - c.bucket_start[b];
    }
    c.sorted = xalloc_big((n_rows + 1) * sizeof *c.sorted);
    parallel_run(T, pass_scatter, &c);
    for (int t = 0; t < T; t++) {
        out->unknown_hotel_rows += c.unknown_rows[t];
        free(c.hist[t]);
    }

    /* 4. sort and deduplicate each bucket */
    c.dups = xcalloc((size_t)T, sizeof *c.dups);
    c.n_dups = xcalloc((size_t)T, sizeof *c.n_dups);
    c.cap_dups = xcalloc((size_t)T, sizeof *c.cap_dups);
    atomic_init(&c.next_bucket, 0);
    parallel_run(T, pass_sort, &c);
    for (int t = 0; t < T; t++)
        out->n_dups += c.n_dups[t];
    out->dups = own(out, xmalloc((out->n_dups + 1) * sizeof *out->dups));
    size_t d = 0;
    for (int t = 0; t < T; t++) {
        if (c.n_dups[t])
            memcpy(out->dups + d, c.dups[t], c.n_dups[t] * sizeof *out->dups);
        d += c.n_dups[t];
        free(c.dups[t]);
    }

    /* 5. directory: one run per non-empty bucket and its lanes */
    c.lane_count = xcalloc(c.n_buckets + 1, sizeof(uint32_t));
    atomic_store(&c.next_bucket, 0);
    parallel_run(T, pass_count_index, &c);
    c.out_start = xmalloc((c.n_buckets + 1) * sizeof(uint32_t));
    c.lane_start = xmalloc((c.n_buckets + 1) * sizeof(uint32_t));
    size_t n_runs = 0;
    uint64_t n_offers = 0, n_lanes = 0;
    for (size_t b = 0; b < c.n_buckets; b++) {
        c.out_start[b] = (uint32_t)n_offers;
        c.lane_start[b] = (uint32_t)n_lanes;
        n_offers += c.bucket_keep[b];
        n_lanes += c.lane_count[b];
        n_runs += c.bucket_keep[b] > 0;
    }
    if (n_lanes >= UINT32_MAX) {
        snprintf(err, errlen, "index too large for one generation");
        goto out;
    }
    store_run *runs = own(out, xcalloc(n_runs + 1, sizeof *runs));
    c.run_bucket = xmalloc((n_runs + 1) * sizeof *c.run_bucket);
    c.bucket_slot = xcalloc(c.n_buckets + 1, sizeof *c.bucket_slot);
    c.bucket_run = xcalloc(c.n_buckets + 1, sizeof *c.bucket_run);
    /* (adults, children, nights) groups split into one store group per
     * destination: units are in destination order, so a destination's
     * runs are contiguous and in hotel order. */
    size_t max_groups = n_runs < n_groups * 256 ? n_runs : n_groups * 256;
    store_group *dgroups = own(out, xmalloc((max_groups + 1) * sizeof *dgroups));
    uint64_t *unit_offers = xcalloc(n_units + 1, sizeof *unit_offers);
    size_t r = 0, n_dgroups = 0;
    for (size_t g = 0; g < n_groups; g++) {
        int cur = -1;
        for (size_t un = 0; un < n_units; un++) {
            size_t b = g * n_units + un;
            if (!c.bucket_keep[b])
                continue;
            if (c.unit_dest[un] != cur) {
                cur = c.unit_dest[un];
                dgroups[n_dgroups++] = (store_group){.adults = groups[g].adults, .children = groups[g].children,
                                                     .nights = groups[g].nights, .dest = (uint8_t)cur,
                                                     .first_run = (uint32_t)r};
            }
            dgroups[n_dgroups - 1].run_count++;
            c.bucket_slot[b] = c.unit_hotel[un];
            c.run_bucket[r] = (uint32_t)b;
            c.bucket_run[b] = (uint32_t)r;
            unit_offers[un] += c.bucket_keep[b];
            runs[r++] = (store_run){.hotel = c.unit_hotel[un], .start = c.out_start[b], .count = c.bucket_keep[b],
                                    .first_lane = c.lane_start[b], .n_lanes = c.lane_count[b]};
        }
    }
    /* hotels without a destination in hotels.csv: where most offers go */
    for (size_t h = 0; h < n_hotels; h++) {
        if (ht[h].dest != STORE_NO_DEST)
            continue;
        uint64_t most = 0;
        for (uint32_t k = c.hotel_units[h]; k < c.hotel_units[h + 1]; k++)
            if (unit_offers[c.unit_of[k]] > most) {
                most = unit_offers[c.unit_of[k]];
                ht[h].dest = c.unit_dest[c.unit_of[k]];
            }
    }
    free(unit_offers);
    groups = dgroups;
    n_groups = n_dgroups;
    /* hotel -> its runs (in run order), for hotel offers over many groups */
    uint32_t *hrf = own(out, xcalloc(n_hotels + 2, sizeof *hrf));
    uint32_t *hruns = own(out, xmalloc((n_runs + 1) * sizeof *hruns));
    for (size_t k = 0; k < n_runs; k++)
        hrf[runs[k].hotel + 1]++;
    for (size_t h = 0; h < n_hotels; h++)
        hrf[h + 1] += hrf[h];
    {
        uint32_t *at = xmalloc((n_hotels + 1) * sizeof *at);
        memcpy(at, hrf, (n_hotels + 1) * sizeof *at);
        for (size_t k = 0; k < n_runs; k++)
            hruns[at[runs[k].hotel]++] = (uint32_t)k;
        free(at);
    }

    /* 6. cell order: segments and cells per group, and the permutation */
    c.sgroups = groups;
    c.n_sgroups = n_groups;
    c.runs = runs;
    c.runs_w = runs;
    c.g_segs = xcalloc(n_groups + 1, sizeof *c.g_segs);
    c.g_cells = xcalloc(n_groups + 1, sizeof *c.g_cells);
    c.g_weeks = xcalloc(n_groups + 1, sizeof *c.g_weeks);
    c.g_wstart = xcalloc(n_groups + 1, sizeof *c.g_wstart);
    atomic_init(&c.next_group, 0);
    parallel_run(T, pass_cells, &c);
    uint64_t n_segs = 0, n_cells = 0, n_weeks = 0, n_week_starts = 0;
    for (size_t g = 0; g < n_groups; g++) {
        uint32_t ns = c.g_segs[g], nc = c.g_cells[g], nw = c.g_weeks[g], nws = c.g_wstart[g];
        c.g_segs[g] = (uint32_t)n_segs;
        c.g_cells[g] = (uint32_t)n_cells;
        c.g_weeks[g] = (uint32_t)n_weeks;
        c.g_wstart[g] = nws ? (uint32_t)n_week_starts : UINT32_MAX;
        n_segs += ns;
        n_cells += nc;
        n_weeks += nw;
        n_week_starts += nws;
    }
    if (n_cells >= UINT32_MAX || n_weeks >= UINT32_MAX || n_week_starts >= UINT32_MAX) {
        snprintf(err, errlen, "index too large for one generation");
        goto out;
    }
    c.segs = own(out, xcalloc(n_segs + 1, sizeof *c.segs));
    c.cell_day = own(out, xmalloc(n_cells * 2 + 2));
    c.cell_start = own(out, xmalloc(n_cells * 4 + 4));
    c.perm = own(out, xalloc_big((size_t)n_offers * 4 + 4));
    c.weeks = own(out, xmalloc((n_weeks + 1) * sizeof *c.weeks));
    c.week_start = own(out, xmalloc((n_week_starts + 1) * sizeof *c.week_start));
    c.cells_fill = true;
    atomic_store(&c.next_group, 0);
    parallel_run(T, pass_cells, &c);

    /* 7. columns */
    c.dep_day = own(out, xalloc_big((size_t)n_offers * 2 + 1));
    c.airport = own(out, xalloc_big((size_t)n_offers + 1));
    c.meal = own(out, xalloc_big((size_t)n_offers + 1));
    c.room_ocean = own(out, xalloc_big((size_t)n_offers + 1));
    c.price = own(out, xalloc_big((size_t)n_offers * 4 + 1));
    c.detail = own(out, xalloc_big((size_t)n_offers * sizeof(store_detail) + 1));
    if (n_hotels <= STORE_SLOT16_HOTELS)
        c.slot = own(out, xalloc_big((size_t)n_offers * 2 + 1));
    else
        c.slot32 = own(out, xalloc_big((size_t)n_offers * 4 + 1));
    c.run_day = own(out, xalloc_big((size_t)n_offers * 2 + 1));
    c.lanes = own(out, xcalloc(n_lanes + 1, sizeof *c.lanes));
    c.far = xcalloc((size_t)T, sizeof *c.far);
    c.n_far = xcalloc((size_t)T, sizeof *c.n_far);
    c.cap_far = xcalloc((size_t)T, sizeof *c.cap_far);
    atomic_store(&c.next_bucket, 0);
    parallel_run(T, pass_columns, &c);
    size_t n_far = 0;
    for (int t = 0; t < T; t++)
        n_far += c.n_far[t];
    store_far_detail *far = own(out, xmalloc((n_far + 1) * sizeof *far));
    for (int t = 0, k = 0; t < T; k += (int)c.n_far[t], t++) {
        if (c.n_far[t])
            memcpy(far + k, c.far[t], c.n_far[t] * sizeof *far);
        free(c.far[t]);
    }
    qsort(far, n_far, sizeof *far, cmp_far);
    store_image *img = &out->img;
    img->n_offers = (uint32_t)n_offers;
    img->n_lanes = (uint32_t)n_lanes;
    img->lanes = c.lanes;
    img->n_segs = (uint32_t)n_segs;
    img->segs = c.segs;
    img->n_cells = (uint32_t)n_cells;
    img->cell_day = c.cell_day;
    img->cell_start = c.cell_start;
    img->run_offers = c.perm;
    img->run_day = c.run_day;
    img->slot = c.slot;
    img->n_weeks = (uint32_t)n_weeks;
    img->weeks = c.weeks;
    img->n_week_starts = (uint32_t)n_week_starts;
    img->week_start = c.week_start;
    img->slot32 = c.slot32;
    img->far = far;
    img->n_far = (uint32_t)n_far;
    img->n_hotels = (uint32_t)n_hotels;
    img->n_groups = (uint32_t)n_groups;
    img->n_runs = (uint32_t)n_runs;
    img->dep_day = c.dep_day;
    img->airport = c.airport;
    img->meal = c.meal;
    img->room_ocean = c.room_ocean;
    img->price = c.price;
    img->detail = c.detail;
    img->hotels = ht;
    img->names = names;
    img->names_len = no;
    img->groups = groups;
    img->runs = runs;
    img->hotel_run_first = hrf;
    img->hotel_runs = hruns;
    img->dest_names = dnames;
    img->n_dest_names = n_dnames;
    store_dict_table *dict_table = own(out, xcalloc(1, sizeof *dict_table));
    img->dicts = dict_table;
    for (int dd = 0; dd < STORE_DICT_COUNT; dd++) {
        img->dict_len[dd] = (uint8_t)atomic_load(&dicts[dd].len);
        memcpy((*dict_table)[dd], dicts[dd].values, sizeof dicts[dd].values);
    }
    out->hotels_known = hotels->len;
    out->hotels_unknown = n_unknown;
    rc = 0;
out:
    free(c.unknown);
    free(hknown);
    idmap_free(&c.final);
    free(c.pair_base);
    free(c.group_of);
    free(c.hotel_units);
    free(c.unit_of);
    free(c.unit_dest);
    free(c.unit_hotel);
    free(c.known_dests);
    free(c.unknown_dests);
    free(c.unknown_cap);
    free(c.hist);
    free(c.unknown_rows);
    free(c.sorted);
    free(c.bucket_start);
    free(c.bucket_len);
    free(c.bucket_keep);
    free(c.dups);
    free(c.n_dups);
    free(c.cap_dups);
    free(c.out_start);
    free(c.far);
    free(c.n_far);
    free(c.cap_far);
    free(c.lane_count);
    free(c.run_bucket);
    free(c.bucket_run);
    free(c.bucket_slot);
    free(c.g_segs);
    free(c.g_cells);
    free(c.g_weeks);
    free(c.g_wstart);
    free(c.lane_start);
    if (rc < 0) {
        for (size_t b = 0; b < n_blocks; b++) {
            free(blocks[b].rows);
            blocks[b].rows = NULL;
        }
        build_free(out);
    }
    return rc;
}

void build_free(build_output *out)
{
    for (int i = 0; i < 32; i++)
        free(out->owned[i]);
    memset(out, 0, sizeof *out);
}
