/* Search execution over one store generation. Pure functions: no I/O, no
 * allocation except into the caller's result vectors and per-thread
 * scratch; safe to call from many threads on the same store.
 *
 * Matching (PRODUCT.md): departure day >= earliest, departure day + nights
 * <= latest (= return day), nights, adults and children equal, airport in
 * the set (or any), destination (arrival airport) in the set (or any), plus
 * the optional filters. Nights, adults and children may each be "any"
 * (any_nights ...): then every length of stay / party matches.
 *
 * The store's groups are (adults, children, nights, destination), so a
 * search with all four fixed reads exactly one group, as a single-
 * destination search always did; other searches read every group they
 * select and merge the per-hotel answers. */
#ifndef ISLA_QUERY_H
#define ISLA_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct {
    uint64_t w[4];
} bitset256;

static inline void bitset_set(bitset256 *b, unsigned i) { b->w[i >> 6] |= 1ull << (i & 63); }
static inline bool bitset_has(const bitset256 *b, unsigned i) { return b->w[i >> 6] >> (i & 63) & 1; }

typedef struct {
    int32_t earliest;         /* day number */
    int32_t latest;           /* day number */
    uint16_t nights;
    uint8_t adults, children;
    bool any_airport;         /* else: airports */
    bitset256 airports;       /* of STORE_DICT_AIRPORT ids */
    bool any_meal, any_room;
    bitset256 meals, rooms;
    int8_t ocean_view;        /* -1 any, 0 no, 1 yes */
    uint8_t min_stars_x10;    /* 0 = no filter */
    uint32_t max_price;       /* UINT32_MAX = no filter */
    bool any_nights, any_adults, any_children; /* else nights, adults, children */
    bool any_dest;            /* else: dests */
    bitset256 dests;          /* of STORE_DICT_AIRPORT ids (arrival airports) */
} search_t;

/* Sets the defaults: any airport, any destination, no filters. Dates and
 * counts are the caller's to fill (nights, adults, children are exact). */
void search_init(search_t *q);

typedef struct {
    uint32_t hotel;           /* hotel index */
    uint32_t min_price;
    uint32_t count;           /* matching offers of the hotel */
    uint32_t best;            /* offer index of a cheapest matching offer */
    uint32_t group;           /* its group: adults, children, nights, destination */
} hotel_best;

typedef struct {
    hotel_best *items;
    size_t len, cap;
} hotel_best_vec;

typedef enum { SORT_PRICE, SORT_STARS, SORT_NAME } best_sort;

/* Fills out (cleared first) with one entry per hotel with >= 1 match, in
 * hotel-index order. Over several groups a hotel's count is the sum and its
 * best offer the cheapest (then earliest departing) of all. */
void query_best_offers(const store_t *s, const search_t *q, hotel_best_vec *out);
/* The orders of best_sort and query_sort_best() are in query/order.h. */

/* Position of an offer in the hotel-offers order: price asc, outbound
 * departure datetime asc, offer index asc (a total order). */
typedef struct {
    uint32_t price;
    int64_t departure;        /* day * 86400 + seconds */
    uint32_t offer;
    uint32_t group;           /* the offer's group (not part of the order) */
} offer_pos;

offer_pos query_offer_pos(const store_t *s, uint32_t offer);
int offer_pos_cmp(const offer_pos *a, const offer_pos *b);

typedef struct {
    uint32_t *items;          /* offer indexes, in order */
    uint32_t *groups;         /* the group of each item */
    size_t len, cap;
    size_t total;             /* all matching offers of the hotel */
    bool more;                /* offers remain after this page */
} offer_page;

/* The page of matching offers of `hotel` that follow `after` (NULL: from the
 * start), at most `limit` of them. */
void query_hotel_offers(const store_t *s, const search_t *q, uint32_t hotel,
                        const offer_pos *after, size_t limit, offer_page *out);

/* Building blocks shared by the searches (query.c, calendar.c). */

/* The (adults, children, nights, destination) group of the search, or NULL;
 * only for searches with nights, adults and children fixed and exactly one
 * destination accepted (else NULL). */
const store_group *query_find_group(const store_t *s, const search_t *q);
/* The groups a search reads: [*lo, *hi) bounds them (a contiguous range of
 * the group table), query_group_selected() says which of those apply. */
void query_group_range(const store_t *s, const search_t *q, uint32_t *lo, uint32_t *hi);
bool query_group_selected(const store_t *s, const search_t *q, const store_group *g);
/* The group a run / an offer belongs to (binary searches over groups). */
uint32_t query_group_of_run(const store_t *s, uint32_t run);
uint32_t query_group_of_offer(const store_t *s, uint32_t offer);
/* Index of hotel's run in group g, or -1 (runs are in hotel order). */
int64_t query_find_run(const store_t *s, const store_group *g, uint32_t hotel);
/* First index in [lo, hi) of an ascending day column whose day >= day. */
uint32_t query_lower_day(const uint16_t *days, uint32_t lo, uint32_t hi, int32_t day);
/* The offers [*from, *to) of segment sg departing on days first..last
 * (cell order; an empty range when none). */
void query_seg_window(const store_t *s, const store_seg *sg, int32_t first, int32_t last, uint32_t *from,
                      uint32_t *to);
/* True if the search accepts the segment's departure airport. */
bool query_seg_selected(const store_t *s, const search_t *q, const store_seg *sg);
/* Minimum of p[0..n) (UINT32_MAX if empty). Four independent
 * accumulators: the compiler turns this into SIMD. */
static inline uint32_t query_min_u32(const uint32_t *p, uint32_t n)
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
/* Calls fn(ctx, lane) for each lane of run whose airport q accepts (lanes
 * hold run-order positions: s->run_offers[p] is the offer). */
typedef void (*lane_fn)(void *ctx, const store_lane *lane);
void query_for_each_lane(const store_t *s, const search_t *q, const store_run *run, lane_fn fn, void *ctx);
/* The offer-level filters (price, meal, room, ocean view); airports, group
 * and dates are the caller's (lanes and windows select them). */
bool query_offer_passes_filters(const store_t *s, const search_t *q, uint32_t offer);

void hotel_best_vec_free(hotel_best_vec *v);
void offer_page_free(offer_page *p);

/* Frees this thread's search scratch (kept from search to search); for a
 * thread that ran searches and is about to end. */
void query_thread_done(void);

#endif
