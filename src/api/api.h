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

#include "api/nlq_query.h"
#include "api/params.h"
#include "api/response.h"
#include "api/route.h"
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
    const char *body;         /* the request body (POST), may be NULL */
    size_t body_len;
    const char *idempotency_key; /* the Idempotency-Key header, NULL if none */
    size_t idempotency_key_len;
} api_request;

/* What the API reports about the process, owned by the server. */
typedef struct {
    uint64_t started_unix_ms;
    const char *data_dir;     /* for the admin endpoints (keys.db); may be NULL */
    /* The fleet's parts, for /api/health, each NULL when not configured:
     * the shared cache ("ok" or "degraded": degraded still serves) and
     * the builder a replica follows (a short JSON object). */
    const char *(*redis_status)(void);
    void (*follow_status)(buf_t *json);
} api_env;

/* A routed, parsed request: what a handler gets. */
typedef struct {
    api_route route;
    unsigned flags;           /* the matched row's RF_ flags */
    bool ready;               /* prepared without error: api_execute runs the handler */
    store_t *store;           /* may be NULL unless the route has RF_STORE */
    const api_env *env;       /* may be NULL */
    const api_request *req;
    const char *id;           /* the {id} segment as sent (RF_ADMIN routes parse it) */
    size_t id_len;
    int64_t hotel;            /* the store index of the {id} segment, -1 if none */
    uint64_t hotel_id;        /* the dump's id of that hotel */
    api_params params;        /* parsed when the route's params kind is not PARAMS_NONE */
    api_nlq nlq;              /* q= of best offers, search and parse (nlq.present) */
} api_call;

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

uint64_t now_unix_ms(void);

#endif
