/* The API: answers a request (method, path, query string) with JSON. It
 * knows nothing about sockets or HTTP libraries, so the same code serves
 * `isla serve`, `isla query` and the unit tests.
 *
 * The routes are the table in api/route.h; each endpoint's handler is one
 * file under src/api/. A request goes through three steps, each done once:
 *
 *   api_route_match  path -> route (pure; the HTTP layer calls it first, to
 *                    tell the API from static files and its own endpoints)
 *   api_prepare      method check (405), data check (503), the {id} looked
 *                    up (400/404), the query string parsed (400): after it
 *                    the call is either ready or its error is in res
 *   api_call_key     for a ready, cacheable call: the normalised key that
 *                    names its answer (ETag and result cache)
 *   api_execute      runs the handler
 *
 * api_handle does all of it for callers without a cache. */
#ifndef ISLA_API_H
#define ISLA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/call.h"
#include "api/response.h"
#include "api/route.h"
#include "store/store.h"
#include "util/buf.h"

/* Prepares the call for route m (from api_route_match, route not RF_HTTP).
 * res is initialised here; on an error it holds the answer and c->ready is
 * false. s may be NULL while no generation is loaded. */
void api_prepare(store_t *s, const api_env *env, const api_request *req, const api_match *m, api_call *c,
                 api_response *res);

/* The normalised form of a ready, cacheable call (RF_CACHEABLE), written
 * to key: the route plus the parsed, canonical parameters, so every
 * spelling of one search (repeated or comma-separated airports in any order
 * and case, dates as dates or datetimes, parameters in any order, cache
 * busters) gives the same key. The key is only meaningful for the
 * generation of c->store. Returns false (key unspecified) when the call
 * has no key. */
bool api_call_key(const api_call *c, buf_t *key);

/* Runs a ready call's handler into res; nothing if the call is not ready. */
void api_execute(const api_call *c, api_response *res);

/* The 404 for a path no route (and no file) answers. */
void api_not_found(const api_request *req, api_response *res);

/* All of the above for one request: never fails, errors become 4xx/5xx
 * responses. The route answered is returned (ROUTE_OTHER for none). */
api_route api_handle(store_t *s, const api_env *env, const api_request *req, api_response *res);

#endif
