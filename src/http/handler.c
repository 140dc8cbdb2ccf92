/* The request handler h2o calls for every request, in this order: request
 * limits (414/431/413), CORS preflight, the route (api_route_match over the
 * table of api/route.h), the rate limit (429) unless the route is
 * RF_UNLIMITED, then: the operator's endpoints (RF_HTTP, endpoints.c), or
 * the API — prepared once (api_prepare), cacheable searches answered by
 * search.c, the rest by api_execute — or, for a path no route takes, the
 * UI's static files and else a 404. */
#include "http/handler.h"

#include <math.h>
#include <stdio.h>
#include <strings.h>

#include "http/endpoints.h"
#include "http/headguard.h"
#include "cluster/l2.h"
#include "http/conns.h"
#include "http/respond.h"
#include "http/search.h"
#include "keys/keys.h"
#include "util/ratelimit.h"

/* ---- the request handler ------------------------------------------------ */

static size_t header_bytes(const h2o_req_t *req)
{
    size_t n = 0;
    for (size_t i = 0; i < req->headers.size; i++)
        n += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    return n;
}

/* The API key of the request: X-API-Key, else Authorization: Bearer (on
 * admin routes the bearer is the admin token, never a key). */
static h2o_iovec_t presented_key(h2o_req_t *req, unsigned flags)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-api-key"), -1);
    if (i >= 0)
        return req->headers.entries[i].value;
    if (!(flags & RF_ADMIN)) {
        h2o_iovec_t auth = http_find_header(req, H2O_TOKEN_AUTHORIZATION);
        if (auth.base != NULL && auth.len > 7 && strncasecmp(auth.base, "Bearer ", 7) == 0) {
            h2o_iovec_t k = h2o_iovec_init(auth.base + 7, auth.len - 7);
            while (k.len > 0 && k.base[0] == ' ')
                k.base++, k.len--;
            return k;
        }
    }
    return h2o_iovec_init(NULL, 0);
}

static char *pool_str(h2o_req_t *req, const char *s)
{
    size_t n = strlen(s);
    char *p = h2o_mem_alloc_pool(&req->pool, n + 1);
    memcpy(p, s, n + 1);
    return p;
}

/* API keys and tiers (keys/keys.h): a keyed request is limited by its
 * key's bucket instead of its IP's. Returns 1 when it answered (401, 429),
 * 0 when a key let the request through, -1 for anonymous traffic (the
 * per-IP limit decides). */
static int key_gate(worker *w, h2o_req_t *req, req_state *st, unsigned flags, bool routed)
{
    const server_config *cfg = w->srv->cfg;
    h2o_iovec_t key = presented_key(req, flags);
    if (key.base == NULL) {
        if (cfg->require_key && routed && !(flags & RF_ADMIN)) {
            keys_count_missing();
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                           H2O_STRLIT("Bearer realm=\"isla\""));
            st->route = ROUTE_OTHER;
            http_send_error(w, req, st, 401, "api_key_required",
                            "this server needs an API key: send X-API-Key: <key> or Authorization: Bearer <key>");
            return 1;
        }
        return -1;
    }
    keys_check c;
    if (keys_runtime_on())
        keys_check_key(key.base, key.len, clock_mono_ns(), &c);
    else
        memset(&c, 0, sizeof c), c.verdict = KEY_UNKNOWN;
    if (c.verdict != KEY_OK) {
        if (c.name[0]) {
            st->key_name = pool_str(req, c.name);
            st->tier_name = pool_str(req, c.tier_name);
        }
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"isla\", error=\"invalid_token\""));
        st->route = ROUTE_OTHER;
        if (c.verdict == KEY_REVOKED)
            http_send_error(w, req, st, 401, "revoked_api_key", "this API key was revoked");
        else if (c.verdict == KEY_NO_TIER)
            http_send_error(w, req, st, 401, "unknown_tier", "this API key's tier '%s' is not configured on this server",
                            c.tier_name);
        else
            http_send_error(w, req, st, 401, "invalid_api_key", "unknown API key");
        return 1;
    }
    st->key_name = pool_str(req, c.name);
    st->tier_name = pool_str(req, c.tier_name);
    if (!c.limited)
        return 0;
    http_header_u64(req, H2O_STRLIT("ratelimit-limit"), c.limit);
    http_header_u64(req, H2O_STRLIT("ratelimit-remaining"), c.remaining);
    http_header_u64(req, H2O_STRLIT("ratelimit-reset"), c.reset_s);
    if (c.allowed)
        return 0;
    const keys_tier *t = &keys_runtime_tiers()->t[c.tier];
    char *pol = h2o_mem_alloc_pool(&req->pool, 48);
    int n = snprintf(pol, 48, "%u;w=%.0f", c.limit, ceil((double)c.limit / t->rate_per_s));
    add_header(req, H2O_STRLIT("ratelimit-policy"), pol, (size_t)n);
    http_header_u64(req, H2O_STRLIT("retry-after"), c.retry_after_s);
    metrics_add(&w->m->rate_limited, 1);
    st->route = ROUTE_OTHER;
    http_send_error(w, req, st, 429, "rate_limited",
                    "too many requests for API key '%s' (tier %s: limit %s, burst %u); retry in %u s", c.name,
                    c.tier_name, t->rate_text, c.limit, c.retry_after_s);
    return 1;
}

/* The rate limit: adds the RateLimit headers; answers 429 and returns true
 * when the client is over its budget. */
static bool rate_limited(worker *w, h2o_req_t *req, req_state *st)
{
    if (!ratelimit_enabled())
        return false;
    const server_config *cfg = w->srv->cfg;
    netaddr client = http_client_addr(w, req);
    ratelimit_result r;
    ratelimit_take(&client, clock_mono_ns(), &r);
    http_header_u64(req, H2O_STRLIT("ratelimit-limit"), r.limit);
    http_header_u64(req, H2O_STRLIT("ratelimit-remaining"), r.remaining);
    http_header_u64(req, H2O_STRLIT("ratelimit-reset"), r.reset_s);
    if (r.allowed)
        return false;
    char *pol = h2o_mem_alloc_pool(&req->pool, 48);
    int n = snprintf(pol, 48, "%u;w=%.0f", r.limit, ceil((double)r.limit / cfg->rate_per_s));
    add_header(req, H2O_STRLIT("ratelimit-policy"), pol, (size_t)n);
    http_header_u64(req, H2O_STRLIT("retry-after"), r.retry_after_s);
    metrics_add(&w->m->rate_limited, 1);
    st->route = ROUTE_OTHER;
    http_send_error(w, req, st, 429, "rate_limited", "too many requests from this client (limit %s, burst %u); "
               "retry in %u s", cfg->rate_text, r.limit, r.retry_after_s);
    return true;
}

/* 431 or 400 for what the head guard found; the connection is closed after
 * the answer, so nothing that followed the head is read as a request. */
static void refuse_head(worker *w, h2o_req_t *req, req_state *st, headguard_verdict v)
{
    req->http1_is_persistent = 0;
    switch (v) {
    case HEADGUARD_TOO_MANY_HEADERS:
        http_send_error(w, req, st, 431, "too_many_headers", "more than %d request header fields", H2O_MAX_HEADERS);
        return;
    case HEADGUARD_TWO_LENGTHS:
        http_send_error(w, req, st, 400, "ambiguous_framing", "more than one Content-Length header");
        return;
    case HEADGUARD_LENGTH_AND_CODING:
        http_send_error(w, req, st, 400, "ambiguous_framing", "Content-Length together with Transfer-Encoding");
        return;
    case HEADGUARD_CODING:
    case HEADGUARD_OK:
        break;
    }
    http_send_error(w, req, st, 400, "transfer_encoding_refused",
                    "request bodies with Transfer-Encoding are not accepted; send Content-Length");
}

/* The request's state goes with its pool: h2o calls this after the
 * response is written or the connection closed, and the references the
 * request held are dropped. */
static void req_state_dispose(void *p)
{
    req_state *st = p;
    http_conn_detach(st);
    /* A request that goes away while waiting (client gone, HTTP/2 reset). */
    if (st->l2op != NULL)
        l2_cancel(st->l2op);
    if (h2o_timeout_is_linked(&st->flight_timer))
        h2o_timeout_unlink(&st->flight_timer);
    http_flight_end(st);
    free(st->skey);
    if (h2o_linklist_is_linked(&st->link))
        h2o_linklist_unlink(&st->link);
    if (st->counted_stream)
        atomic_fetch_sub(&st->w->srv->streams, 1);
    if (st->has_res)
        api_response_free(&st->res);
    free(st->zbody);
    buf_free(&st->sbuf);
    if (st->entry != NULL)
        cache_release(st->entry);
    if (st->store != NULL)
        store_release(st->store);
    if (st->web != NULL)
        static_site_release(st->web);
    st->w->inflight--;
}

int http_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    worker *w = H2O_STRUCT_FROM_MEMBER(worker, ctx, req->conn->ctx);
    const server_config *cfg = w->srv->cfg;
    req_state *st = h2o_mem_alloc_shared(&req->pool, sizeof(*st), req_state_dispose);
    memset(st, 0, sizeof(*st));
    st->w = w;
    st->t0 = clock_mono_ns();
    st->route = ROUTE_OTHER;
    w->inflight++;
    http_conn_attach(w, req, st);

    h2o_iovec_t method = req->method;
    h2o_iovec_t target = req->path; /* as sent: path and query */
    st->head = IOV_IS(method, "HEAD");
    bool get = st->head || IOV_IS(method, "GET");
    http_common_headers(w, req, st);

    /* A head whose framing is ambiguous, or that has more fields than h2o
     * keeps, is answered and its connection closed before anything else
     * looks at it (headguard.h). */
    headguard_verdict hv = http_headguard_verdict(req);
    if (hv != HEADGUARD_OK) {
        refuse_head(w, req, st, hv);
        return 0;
    }
    /* HTTP/2 heads are not limited to H2O_MAX_HEADERS fields by h2o: the
     * same limit, the same answer. */
    if (req->headers.size > H2O_MAX_HEADERS) {
        refuse_head(w, req, st, HEADGUARD_TOO_MANY_HEADERS);
        return 0;
    }

    /* Limits first: nothing else looks at an oversized request. */
    if (target.len > cfg->max_url) {
        http_send_error(w, req, st, 414, "uri_too_long", "request target longer than %llu bytes",
                   (unsigned long long)cfg->max_url);
        return 0;
    }
    if (header_bytes(req) > cfg->max_header_bytes) {
        http_send_error(w, req, st, 431, "headers_too_large", "request headers larger than %llu bytes",
                   (unsigned long long)cfg->max_header_bytes);
        return 0;
    }
    if (req->entity.base != NULL && req->entity.len > cfg->max_body) {
        http_send_error(w, req, st, 413, "payload_too_large", "request body larger than %llu bytes",
                   (unsigned long long)cfg->max_body);
        return 0;
    }
    if (IOV_IS(method, "OPTIONS")) {
        http_send_preflight(w, req, st);
        return 0;
    }

    const char *q = memchr(target.base, '?', target.len);
    size_t path_len = q != NULL ? (size_t)(q - target.base) : target.len;
    const char *path = target.base;

    /* Route first, by the table: the API, the operator's endpoints, or
     * neither (then a static file or a 404). */
    api_match m;
    bool routed = api_route_match(path, path_len, &m);
    /* A generation's files, under the manifest's path (cluster/ship.h). */
    if (!routed && path_len > 23 && !memcmp(path, "/api/admin/generations/", 23)) {
        routed = true;
        m = (api_match){.route = ROUTE_GENERATIONS, .flags = api_route_flags(ROUTE_GENERATIONS)};
    }
    st->route = m.route;

    if (!(m.flags & RF_UNLIMITED)) {
        int k = key_gate(w, req, st, m.flags, routed);
        if (k > 0)
            return 0;
        if (k < 0) {
            bool limited = rate_limited(w, req, st);
            keys_count_anonymous(limited);
            if (limited)
                return 0;
        }
    }
    /* Admin routes need the admin token (the reload endpoint checks it
     * itself, after its method). */
    if ((m.flags & RF_ADMIN) && m.route != ROUTE_ADMIN && !http_admin_authorized(w, req, st))
        return 0;
    /* The connection's or the process's answers in flight are at their
     * budget (conns.c): no new answer until some are taken. */
    if (!(m.flags & RF_UNLIMITED) && !http_conn_admit(w, st)) {
        ADD_HEADER_LIT(req, "retry-after", "1");
        http_send_error(w, req, st, 503, "busy", "too many answers waiting to be read; read them or retry");
        return 0;
    }
    if (m.flags & RF_HTTP) {
        http_serve_endpoint(w, req, st, get);
        return 0;
    }

    api_request ar = {
        /* HEAD is a GET whose body is not sent; the API only knows GET. */
        .method = st->head ? "GET" : method.base,
        .method_len = st->head ? 3 : method.len,
        .path = path,
        .path_len = path_len,
        .query = q != NULL ? q + 1 : "",
        .query_len = q != NULL ? target.len - path_len - 1 : 0,
        .tls = req->input.scheme == &H2O_URL_SCHEME_HTTPS,
        .body = req->entity.base,
        .body_len = req->entity.base != NULL ? req->entity.len : 0,
    };
    ssize_t ik = h2o_find_header_by_str(&req->headers, H2O_STRLIT("idempotency-key"), -1);
    if (ik >= 0) {
        ar.idempotency_key = req->headers.entries[ik].value.base;
        ar.idempotency_key_len = req->headers.entries[ik].value.len;
    }
    /* Without a Host header h2o fills in the host config's name; don't
     * pass that on as if the client had sent it. */
    if (req->input.authority.base != NULL && req->input.authority.len > 0 &&
        (req->hostconf == NULL || req->input.authority.base != req->hostconf->authority.hostport.base)) {
        ar.host = req->input.authority.base;
        ar.host_len = req->input.authority.len;
    }

    st->store = w->store;
    if (st->store != NULL)
        store_retain(st->store);
    st->has_res = true;

    if (!routed) {
        /* The UI's files live next to the API: a path outside /api that
         * no route takes may be a file. */
        bool under_api = path_len >= 4 && memcmp(path, "/api", 4) == 0 && (path_len == 4 || path[4] == '/');
        if (w->web != NULL && !under_api) {
            const static_file *f = static_site_find(w->web, path, path_len);
            if (f != NULL && !get) {
                st->route = ROUTE_STATIC;
                h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                               H2O_STRLIT("GET, HEAD, OPTIONS"));
                char echo[API_ECHO_CAP(16)];
                http_send_error(w, req, st, 405, "method_not_allowed", "%s is not allowed on a static file; use GET",
                                api_echo(echo, sizeof echo, method.base, method.len, 16));
                return 0;
            }
            if (f != NULL) {
                st->web = w->web;
                static_site_retain(st->web);
                http_send_static(w, req, st, f, q != NULL && http_has_version_query(ar.query, ar.query_len));
                return 0;
            }
        }
        api_not_found(&ar, &st->res);
    } else {
        api_call call;
        api_prepare(st->store, &w->srv->env, &ar, &m, &call, &st->res);
        if (http_cached_search(w, req, st, &call))
            return 0;
        api_execute(&call, &st->res);
    }
    CACHE_CONTROL_LIT(req, "no-store");
    http_send_api_response(w, req, st);
    return 0;
}
