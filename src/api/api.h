/* The API: routes a request (method, path, query string) to a search and
 * renders the JSON answer. It knows nothing about sockets or HTTP libraries,
 * so the same code serves `isla serve`, `isla query` and the unit tests.
 *
 * Routes (each also under /api/): GET /bestOffersByHotel,
 * GET /hotels/{id}/offers, GET /api/hotels/{id}, GET /api/priceCalendar, GET /openapi,
 * GET /api/health. Errors are JSON: {"error":{"code","message","param"}}. */
#ifndef ISLA_API_H
#define ISLA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"

typedef struct {
    const char *method;
    size_t method_len;
    const char *path;         /* without the query string */
    size_t path_len;
    const char *query;        /* after '?', may be empty */
    size_t query_len;
    const char *host;         /* Host header, for the OpenAPI server URL */
    size_t host_len;
    bool tls;
} api_request;

typedef struct {
    int status;
    const char *content_type;
    buf_t body;
    const char *allow;        /* set on 405: the Allow header */
    bool has_total;           /* X-Total-Count: bestOffersByHotel before paging */
    uint64_t total;
    const char *route;        /* static name of the route for metrics ("bestOffersByHotel",
                                 "hotelOffers", "hotel", "health", "openapi"); NULL if none */
} api_response;

/* What the API reports about the process, owned by the server. */
typedef struct {
    uint64_t started_unix_ms;
} api_env;

/* s may be NULL while no generation is loaded: health answers 503 and every
 * search 503 too. Never fails: errors become 4xx/5xx responses. */
void api_handle(store_t *s, const api_env *env, const api_request *req, api_response *res);
void api_response_free(api_response *res);

/* The normalised form of a cacheable request (GET/HEAD of bestOffersByHotel,
 * hotel offers or a hotel), written to key: the route plus the parsed,
 * canonical parameters, so every spelling of one search (repeated or
 * comma-separated airports in any order and case, dates as dates or
 * datetimes, parameters in any order, cache busters) gives the same key.
 * The key is only meaningful for the generation s. Returns false (key
 * unspecified) for other routes and for requests that do not parse: those
 * are answered by api_handle, uncached. */
bool api_cache_key(store_t *s, const api_request *req, buf_t *key);

/* Writes the error body and status. */
void api_error(api_response *res, int status, const char *code, const char *param,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

uint64_t now_unix_ms(void);

#endif
