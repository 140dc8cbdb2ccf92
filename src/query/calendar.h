/* The price calendar: for a search without (or with) a date window, the
 * cheapest matching price and the number of matching offers per departure
 * day, over all hotels or for one hotel. The web UI draws it as a bar chart
 * over the season so a traveller can pick the cheapest week.
 *
 * Same matching rules as query.h (nights, adults, children exact; airport
 * set; meal, room, ocean view, minimum stars, maximum price). A pure
 * function of the store: safe to call from many threads. */
#ifndef ISLA_QUERY_CALENDAR_H
#define ISLA_QUERY_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "query/query.h"

typedef struct {
    int32_t day;              /* departure day number */
    uint32_t min_price;       /* cheapest matching offer that day */
    uint32_t count;           /* matching offers that day */
} calendar_day;

typedef struct {
    calendar_day *items;      /* days with >= 1 match, ascending */
    size_t len, cap;
} calendar_vec;

/* Fills out (cleared first). hotel is a hotel index, or -1 for all hotels. */
void query_price_calendar(const store_t *s, const search_t *q, int64_t hotel, calendar_vec *out);
void calendar_vec_free(calendar_vec *v);

#endif
