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

#endif
