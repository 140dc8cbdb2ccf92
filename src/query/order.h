/* Ordering of search results (bestOffersByHotel): the orders a client can
 * ask for, and nothing else. Pure functions over the caller's array; the
 * store is read only for hotel stars and names.
 *
 * The orders are total (every one ends with the hotel index, and hotel
 * indexes follow hotel ids), so any correct sort gives the same sequence:
 *   SORT_PRICE  min price asc, hotel id asc
 *   SORT_STARS  stars desc, then as SORT_PRICE
 *   SORT_NAME   name asc (bytewise; a prefix first), hotel id asc */
#ifndef ISLA_ORDER_H
#define ISLA_ORDER_H

#include <stddef.h>

#include "query/query.h"

/* Sorts v[0, n) in the order `by`. */
void query_sort_best(const store_t *s, hotel_best *v, size_t n, best_sort by);

/* Puts the first k items of v[0, n) in the order `by` into v[0, k), sorted,
 * exactly as query_sort_best would have them; v[k, n) holds the others in
 * no particular order (v stays a permutation of its items). For a page
 * (offset + limit = k) of a larger answer: it costs about n compares
 * instead of a sort of n. k >= n sorts everything. */
void query_sort_best_first(const store_t *s, hotel_best *v, size_t n, size_t k, best_sort by);

#endif
