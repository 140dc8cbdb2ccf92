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
#include "cursor/cursor.h"
#include "query/query.h"

/* The query-string grammar of an endpoint; PARAMS_NONE: the endpoint takes
 * no parameters (params_parse is not called for it). */
/* PARAMS_SEARCH is best offers with a required q (api/nlq_query.h: the
 * sentence becomes best-offers parameters); PARAMS_PARSE is q alone. Both
 * are turned into query strings before params_parse, which never sees them. */
typedef enum {
    PARAMS_NONE, PARAMS_BEST_OFFERS, PARAMS_HOTEL_OFFERS, PARAMS_PRICE_CALENDAR, PARAMS_SEARCH, PARAMS_PARSE
} params_kind;

typedef struct {
    search_t q;
    best_sort sort;           /* best offers */
    size_t limit;             /* best offers: 0 = all; hotel offers: page size */
    size_t offset;            /* best offers */
    bool has_cursor;          /* hotel offers: set by params_bind_cursor */
    offer_pos cursor;
    char cursor_text[CURSOR_TEXT_MAX]; /* hotel offers: the cursor as given */
    size_t cursor_len;        /* 0 = none given */
    bool has_hotel_id;        /* price calendar: hotelId given */
    uint32_t hotel_id;        /* the dump's hotel id (not yet looked up) */
    uint32_t fields;          /* fields=: FIELD_* bits of render.h; 0 = every key */
} api_params;

/* Returns 0, or -1 after writing a 400 error into res. PARAMS_PRICE_CALENDAR
 * makes both dates optional, accepts hotelId and refuses sort, limit, offset
 * and cursor. */
int params_parse(const store_t *s, const char *qs, size_t n, params_kind kind, api_params *out,
                 api_response *res);

/* Cursor <-> text (cursor/cursor.h). A cursor names the generation, the
 * hotel (its index in s) and the search, and is authenticated, so it
 * cannot be replayed against another hotel, search or data set, nor
 * edited. cursor_decode returns 0 or one of the CURSOR_ERR_* codes. */
enum { CURSOR_ERR_MALFORMED = -1, CURSOR_ERR_FORGED = -2, CURSOR_ERR_GENERATION = -3, CURSOR_ERR_HOTEL = -4,
       CURSOR_ERR_SEARCH = -5 };
void cursor_encode(const store_t *s, uint32_t hotel, const search_t *q, const offer_pos *p,
                   char out[CURSOR_TEXT_MAX]);
int cursor_decode(const store_t *s, uint32_t hotel, const search_t *q, const char *text, size_t n, offer_pos *p);

/* After params_parse of hotel offers for the hotel at index `hotel`: checks
 * the cursor given, if any, and sets has_cursor and cursor. Returns 0, or -1
 * after writing a 400 invalid_cursor (param "cursor") into res. */
int params_bind_cursor(const store_t *s, uint32_t hotel, api_params *p, api_response *res);

/* One name=value item of a query string, as raw (still percent-encoded)
 * spans: the name is qs[start, eq), the value qs[eq + 1, end) when
 * eq < end (no '=': no value). params_next_item steps over empty items
 * ("&&") and returns false at the end; *pos starts at 0. */
typedef struct {
    size_t start, eq, end;
} params_item;
bool params_next_item(const char *qs, size_t n, size_t *pos, params_item *it);

/* Percent-decodes src[0..n) into out (at most cap bytes; '+' is a space).
 * False on a malformed escape or when out is too small. */
bool params_url_decode(const char *src, size_t n, char *out, size_t cap, size_t *out_len);

/* Day number for a query date: "YYYY-MM-DD", or a datetime rounded to the
 * nearest midnight (the official frontend sends local midnight in UTC,
 * e.g. 2023-07-31T22:00:00.000Z for 1 August). */
bool params_query_date(const char *v, size_t n, int32_t *day);

#endif
