/* Every route isla answers, in one table.
 *
 * A route is an id (`api_route`, an enum) that every layer carries: the
 * metrics count by it, the access log and /api/stats name it, the result
 * cache keys start with it, the slow log asks whether it is a search. The
 * table below is the only place that lists routes; the enum, the names, the
 * path matcher, the handler table and the handlers' prototypes are all
 * expanded from it.
 *
 * Rows:
 *   API(ID, "name", "path", flags, params, handler)  answered by src/api
 *   HTTP(ID, "name", "path", flags)                  answered by src/http
 *                                                    (needs the server:
 *                                                    metrics, streams...);
 *                                                    RF_HTTP is implied
 *   ALIAS(ID, "path", flags)                         another path of ID
 * Paths are written in full, under /api/. A `{id}` segment matches a path
 * segment (empty only when more path follows, as "/hotels//offers" is a
 * bad id and "/api/hotels/" no route); RF_BARE also matches the path
 * without its "/api" prefix ("/bestOffersByHotel"). A NULL path matches
 * nothing (STATIC and OTHER are ids the HTTP layer assigns).
 *
 * To add an API endpoint:
 *   1. one API(...) row below (its flags decide 405, 503 without data,
 *      the cache, the rate limit and the slow log; `params` is the
 *      query-string grammar of params.h, PARAMS_NONE for none);
 *   2. one file src/api/<name>.c defining
 *        void handler(const api_call *c, api_response *res)
 *      which finds the request already routed and parsed in `c`.
 * Nothing else: metrics, /api/stats, the access log and caching follow.
 * Keep new ids before STATIC/OTHER only if their order in /metrics and
 * /api/stats matters; the order of rows is the order of matching. */
#ifndef ISLA_API_ROUTE_H
#define ISLA_API_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

/* Row flags. */
#define RF_GET        0x001u /* GET and HEAD are allowed (else 405) */
#define RF_POST       0x002u /* POST is allowed */
#define RF_BARE       0x004u /* also answered without the /api prefix */
#define RF_STORE      0x008u /* needs a loaded generation (else 503) */
#define RF_CACHEABLE  0x010u /* a GET has an ETag and a result-cache entry */
#define RF_SEARCH     0x020u /* a search: the slow log watches it */
#define RF_UNLIMITED  0x040u /* not rate limited (probes, scrapes) */
#define RF_HTTP       0x080u /* answered by the HTTP layer, not by api_execute */
#define RF_NOT_SERVICE 0x100u /* left out of the "all" latency: long by design */
#define RF_DELETE     0x200u /* DELETE is allowed */
#define RF_ADMIN      0x400u /* needs the admin token (the HTTP layer checks it); API keys
                                do not apply, and {id} is the handler's to parse */

/* clang-format off */
#define ISLA_ROUTES(API, HTTP, ALIAS) \
    API(BEST_OFFERS,   "bestOffersByHotel", "/api/bestOffersByHotel",  RF_GET | RF_BARE | RF_STORE | RF_CACHEABLE | RF_SEARCH, PARAMS_BEST_OFFERS,    api_best_offers) \
    API(HOTEL_OFFERS,  "hotelOffers",       "/api/hotels/{id}/offers", RF_GET | RF_BARE | RF_STORE | RF_CACHEABLE | RF_SEARCH, PARAMS_HOTEL_OFFERS,   api_hotel_offers) \
    API(HOTEL,         "hotel",             "/api/hotels/{id}",        RF_GET | RF_STORE | RF_CACHEABLE | RF_SEARCH,           PARAMS_NONE,           api_hotel) \
    API(DESTINATIONS,  "destinations",      "/api/destinations",       RF_GET | RF_STORE | RF_CACHEABLE,                       PARAMS_NONE,           api_destinations) \
    API(CALENDAR,      "calendar",          "/api/priceCalendar",      RF_GET | RF_STORE | RF_SEARCH,                          PARAMS_PRICE_CALENDAR, api_price_calendar) \
    API(SEARCH,        "search",            "/api/search",             RF_GET | RF_STORE | RF_CACHEABLE | RF_SEARCH,           PARAMS_SEARCH,         api_search) \
    API(PARSE,         "parse",             "/api/parse",              RF_GET | RF_STORE | RF_CACHEABLE,                       PARAMS_PARSE,          api_parse) \
    API(OPENAPI,       "openapi",           "/api/openapi",            RF_GET | RF_BARE,                                       PARAMS_NONE,           api_openapi) \
    ALIAS(OPENAPI,                          "/api/openapi.json",       RF_GET | RF_BARE) \
    API(HEALTH,        "health",            "/api/health",             RF_GET | RF_UNLIMITED,                                  PARAMS_NONE,           api_health) \
    ALIAS(HEALTH,                           "/api/health/ready",       RF_GET | RF_UNLIMITED) \
    ALIAS(HEALTH,                           "/api/health/live",        RF_GET | RF_UNLIMITED | RF_HTTP) \
    HTTP(METRICS,      "metrics",           "/metrics",                RF_GET | RF_UNLIMITED) \
    HTTP(STATS,        "stats",             "/api/stats",              RF_GET | RF_UNLIMITED) \
    HTTP(STATS_STREAM, "statsStream",       "/api/stats/stream",       RF_GET | RF_UNLIMITED | RF_NOT_SERVICE) \
    HTTP(ADMIN,        "admin",             "/api/admin/reload",       RF_POST | RF_ADMIN | RF_NOT_SERVICE) \
    API(ADMIN_IMPORTS, "adminImports",      "/api/admin/imports",      RF_POST | RF_ADMIN | RF_NOT_SERVICE,                     PARAMS_NONE,           api_admin_imports) \
    API(ADMIN_EXPORTS, "adminExports",      "/api/admin/exports",      RF_POST | RF_ADMIN | RF_NOT_SERVICE,                     PARAMS_NONE,           api_admin_exports) \
    HTTP(JOBS_STREAM,  "adminJobsStream",   "/api/admin/jobs/stream",  RF_GET | RF_ADMIN | RF_NOT_SERVICE) \
    API(ADMIN_JOBS,    "adminJobs",         "/api/admin/jobs",         RF_GET | RF_ADMIN | RF_NOT_SERVICE,                      PARAMS_NONE,           api_admin_jobs) \
    API(ADMIN_JOB_RETRY, "adminJobRetry",   "/api/admin/jobs/{id}/retry", RF_POST | RF_ADMIN | RF_NOT_SERVICE,                  PARAMS_NONE,           api_admin_job_retry) \
    API(ADMIN_JOB_DOWNLOAD, "adminJobDownload", "/api/admin/jobs/{id}/download", RF_GET | RF_ADMIN | RF_NOT_SERVICE,            PARAMS_NONE,           api_admin_job_download) \
    API(ADMIN_JOB,     "adminJob",          "/api/admin/jobs/{id}",    RF_GET | RF_DELETE | RF_ADMIN | RF_NOT_SERVICE,          PARAMS_NONE,           api_admin_job) \
    API(ADMIN_KEYS,    "adminKeys",         "/api/admin/keys",         RF_GET | RF_POST | RF_ADMIN | RF_NOT_SERVICE,            PARAMS_NONE,           api_admin_keys) \
    API(ADMIN_KEY_ROTATE, "adminKeyRotate", "/api/admin/keys/{id}/rotate", RF_POST | RF_ADMIN | RF_NOT_SERVICE,                 PARAMS_NONE,           api_admin_key_rotate) \
    API(ADMIN_KEY,     "adminKey",          "/api/admin/keys/{id}",    RF_DELETE | RF_ADMIN | RF_NOT_SERVICE,                   PARAMS_NONE,           api_admin_key) \
    HTTP(GENERATIONS,  "generations",       "/api/admin/generations",  RF_GET | RF_ADMIN | RF_UNLIMITED | RF_NOT_SERVICE) \
    HTTP(STATIC,       "static",            NULL,                      RF_GET) \
    HTTP(OTHER,        "other",             NULL,                      0)
/* clang-format on */

#define ISLA_ROUTE_ENUM_API_(id, ...) ROUTE_##id,
#define ISLA_ROUTE_ENUM_HTTP_(id, ...) ROUTE_##id,
#define ISLA_ROUTE_SKIP_(...)
typedef enum {
    ISLA_ROUTES(ISLA_ROUTE_ENUM_API_, ISLA_ROUTE_ENUM_HTTP_, ISLA_ROUTE_SKIP_)
    ROUTE_COUNT
} api_route;

/* A path matched against the table. */
typedef struct {
    api_route route;          /* ROUTE_OTHER if nothing matched */
    unsigned flags;           /* of the row that matched */
    const char *id;           /* the {id} segment, unparsed; NULL if none */
    size_t id_len;
} api_match;

/* Matches a path (without the query string). Pure: no store, no I/O.
 * Returns false (m->route = ROUTE_OTHER, flags 0) if no row matches. */
bool api_route_match(const char *path, size_t n, api_match *m);

/* "bestOffersByHotel", ... ("other" for an id out of range). */
const char *api_route_name(api_route r);
/* The flags of the route's first row. */
unsigned api_route_flags(api_route r);

#endif
