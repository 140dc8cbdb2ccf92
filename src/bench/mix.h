/* A deterministic, realistic mix of searches for benchmarks.
 *
 * Searches are drawn from the data itself (a random offer gives the
 * party, nights and a likely airport), so most have results, like real
 * traffic; every search is different, so no cache can flatter a figure. */
#ifndef ISLA_MIX_H
#define ISLA_MIX_H

#include <stdint.h>

#include "query/query.h"

typedef enum {
    MIX_NARROW,     /* one airport, one or two weeks */
    MIX_TYPICAL,    /* 1-3 airports, 4-8 weeks in summer */
    MIX_BROAD,      /* no airport filter, the whole year */
    MIX_FILTERED,   /* typical plus meal/room/ocean/stars/price filters */
    MIX_BASE_CLASSES, /* the classes above: over every destination, as the
                         official client searches; the throughput run and
                         --emit use these (DuckDB replays them) */
    MIX_DEST_NARROW = MIX_BASE_CLASSES, /* narrow, in one destination (the offer's) */
    MIX_DEST_TYPICAL, /* typical, in one destination */
    MIX_NO_DURATION,  /* typical window of 2-4 weeks, one destination, any length of stay */
    MIX_CLASSES
} mix_class;

extern const char *const mix_class_name[MIX_CLASSES];

/* Fills q with search number i of the class (same store, seed, i: same
 * search). Needs a store with at least one offer. */
void mix_search(const store_t *s, mix_class c, uint64_t seed, uint64_t i, search_t *q);

/* The search as an API query string (for HTTP load tests). */
void mix_query_string(const store_t *s, const search_t *q, char *out, size_t cap);

#endif
