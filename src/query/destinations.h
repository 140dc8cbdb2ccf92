/* The destinations of a generation: per arrival airport that offers fly
 * to, how many hotels and offers it has, its cheapest offer and its first
 * and last departure day. Read from the group and run directory alone (a
 * group is one destination; a run knows its offers' count, cheapest price
 * and day span), never from the offer columns, so it costs one pass over
 * the runs: a few milliseconds at 100M offers, and the API caches it per
 * generation. A pure function of the store. */
#ifndef ISLA_QUERY_DESTINATIONS_H
#define ISLA_QUERY_DESTINATIONS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct {
    uint8_t dest;             /* AIRPORT dictionary id */
    uint32_t hotels;          /* hotels with >= 1 offer there */
    uint64_t offers;
    uint32_t min_price;
    uint16_t first_day, last_day; /* departure days */
} dest_summary;

/* Fills out[0..return) in dictionary order of the codes (alphabetical).
 * out must hold 256 entries. */
size_t query_destinations(const store_t *s, dest_summary *out);

#endif
