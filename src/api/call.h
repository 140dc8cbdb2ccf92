/* A request as the API sees it (api_request), what the API reports about
 * the process (api_env), and a request routed and parsed (api_call): the
 * types the router (api.c) and the endpoint handlers share, apart from
 * both so that neither includes the other. */
#ifndef ISLA_API_CALL_H
#define ISLA_API_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/nlq_query.h"
#include "api/params.h"
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

#endif
