/* GET /api/priceCalendar: the cheapest price per departure day for a
 * search, over all hotels or for one (hotelId). Dates are optional: without
 * them the calendar covers every day of the data.
 *
 *   {"hotel":null|{"id","name","stars"},
 *    "days":[{"date":"2023-07-01","minPrice":123,"offers":45},...]}
 *
 * Days without a matching offer are left out; days ascend. */
#ifndef ISLA_API_CALENDAR_H
#define ISLA_API_CALENDAR_H

#include "api/api.h"

/* s may be NULL (no generation yet): answers 503 like every search. */
void api_price_calendar(store_t *s, const api_request *req, api_response *res);

#endif
