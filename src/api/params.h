/* Query-string parsing and validation for the search endpoints.
 *
 * Accepts every form the official client and PRODUCT.md allow: repeated
 * keys, `key[]=`, comma-separated lists, dates as YYYY-MM-DD or ISO
 * datetimes (rounded to the nearest midnight), case-insensitive codes.
 * Every problem becomes a 400 naming the parameter. */
#ifndef ISLA_PARAMS_H
#define ISLA_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "api/response.h"
#include "query/query.h"

/* The query-string grammar of an endpoint; PARAMS_NONE: the endpoint takes
 * no parameters (params_parse is not called for it). */
typedef enum { PARAMS_NONE, PARAMS_BEST_OFFERS, PARAMS_HOTEL_OFFERS, PARAMS_PRICE_CALENDAR } params_kind;

typedef struct {
    search_t q;
    best_sort sort;           /* best offers */
    size_t limit;             /* best offers: 0 = all; hotel offers: page size */
    size_t offset;            /* best offers */
    bool has_cursor;          /* hotel offers */
    offer_pos cursor;
    bool has_hotel_id;        /* price calendar: hotelId given */
    uint32_t hotel_id;        /* the dump's hotel id (not yet looked up) */
} api_params;

/* Returns 0, or -1 after writing a 400 error into res. PARAMS_PRICE_CALENDAR
 * makes both dates optional, accepts hotelId and refuses sort, limit, offset
 * and cursor. */
int params_parse(const store_t *s, const char *qs, size_t n, params_kind kind, api_params *out,
                 api_response *res);

/* Cursor <-> text. The cursor names the generation and is bound to the
 * search, so it cannot be replayed against another search or data set. */
void cursor_encode(const store_t *s, const search_t *q, const offer_pos *p, char out[96]);
int cursor_decode(const store_t *s, const search_t *q, const char *text, size_t n, offer_pos *p);

/* Day number for a query date: "YYYY-MM-DD", or a datetime rounded to the
 * nearest midnight (the official frontend sends local midnight in UTC,
 * e.g. 2023-07-31T22:00:00.000Z for 1 August). */
bool params_query_date(const char *v, size_t n, int32_t *day);

#endif
