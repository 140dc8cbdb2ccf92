/* The request handler h2o calls for every request, in this order: request
 * limits (414/431/413), CORS preflight, the operator's endpoints, the rate
 * limit (429), the admin endpoint, then the API — cacheable searches
 * through search.c, everything else through api_handle — and finally the
 * UI's static files for what the API does not know. */
#include "http/internal.h"

#include <math.h>
#include <stdio.h>

#include "http/ratelimit.h"

/* ---- the request handler ------------------------------------------------ */

static size_t header_bytes(const h2o_req_t *req)
{
    size_t n = 0;
    for (size_t i = 0; i < req->headers.size; i++)
        n += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    return n;
}

static bool rate_exempt(const char *p, size_t n)
{
    return path_is(p, n, "/metrics") || path_is(p, n, "/api/health") ||
           (n > 12 && !memcmp(p, "/api/health/", 12)) || path_is(p, n, "/api/stats") ||
           path_is(p, n, "/api/stats/stream");
}

int http_on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    worker *w = H2O_STRUCT_FROM_MEMBER(worker, ctx, req->conn->ctx);
    const server_config *cfg = w->srv->cfg;
    req_state *st = h2o_mem_alloc_shared(&req->pool, sizeof(*st), http_req_state_dispose);
    memset(st, 0, sizeof(*st));
    st->w = w;
    st->t0 = mono_ns();
    st->route = ROUTE_OTHER;
    w->inflight++;

    h2o_iovec_t method = req->method;
    h2o_iovec_t target = req->path; /* as sent: path and query */
    st->head = IOV_IS(method, "HEAD");
    bool get = st->head || IOV_IS(method, "GET");
    http_common_headers(w, req, st);

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

    /* The operator's endpoints. */
    if (path_is(path, path_len, "/api/health/live")) {
        st->route = ROUTE_HEALTH;
        if (http_only_get(w, req, st, get))
            http_handle_live(w, req, st);
        return 0;
    }
    if (path_is(path, path_len, "/metrics")) {
        st->route = ROUTE_METRICS;
        if (http_only_get(w, req, st, get))
            http_handle_metrics(w, req, st);
        return 0;
    }
    if (path_is(path, path_len, "/api/stats")) {
        st->route = ROUTE_STATS;
        if (http_only_get(w, req, st, get))
            http_handle_stats(w, req, st);
        return 0;
    }
    if (path_is(path, path_len, "/api/stats/stream")) {
        st->route = ROUTE_STATS_STREAM;
        if (http_only_get(w, req, st, get))
            http_handle_stream(w, req, st);
        return 0;
    }

    if (ratelimit_enabled() && !rate_exempt(path, path_len)) {
        netaddr client = http_client_addr(w, req);
        ratelimit_result r;
        ratelimit_take(&client, mono_ns(), &r);
        http_header_u64(req, H2O_STRLIT("ratelimit-limit"), r.limit);
        http_header_u64(req, H2O_STRLIT("ratelimit-remaining"), r.remaining);
        http_header_u64(req, H2O_STRLIT("ratelimit-reset"), r.reset_s);
        if (!r.allowed) {
            char *pol = h2o_mem_alloc_pool(&req->pool, 48);
            int n = snprintf(pol, 48, "%u;w=%.0f", r.limit, ceil((double)r.limit / cfg->rate_per_s));
            add_header(req, H2O_STRLIT("ratelimit-policy"), pol, (size_t)n);
            http_header_u64(req, H2O_STRLIT("retry-after"), r.retry_after_s);
            metrics_add(&w->m->rate_limited, 1);
            st->route = ROUTE_OTHER;
            http_send_error(w, req, st, 429, "rate_limited", "too many requests from this client (limit %s, burst %u); "
                       "retry in %u s", cfg->rate_text, r.limit, r.retry_after_s);
            return 0;
        }
    }

    if (path_is(path, path_len, "/api/admin/reload")) {
        st->route = ROUTE_ADMIN;
        http_handle_admin_reload(w, req, st, method);
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
    };
    /* /api/health/ready is /api/health. */
    if (path_is(path, path_len, "/api/health/ready")) {
        ar.path = "/api/health";
        ar.path_len = 11;
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

    if (get && http_cached_search(w, req, st, &ar))
        return 0;

    st->has_res = true;
    api_handle(st->store, &w->srv->env, &ar, &st->res);
    st->route = metrics_route_from_name(st->res.route);

    /* The UI's files live next to the API: anything the API does not know,
     * outside /api, may be a file. */
    bool under_api = path_len >= 4 && memcmp(path, "/api", 4) == 0 && (path_len == 4 || path[4] == '/');
    if (st->res.status == 404 && get && w->web != NULL && !under_api) {
        const static_file *f = static_site_find(w->web, path, path_len);
        if (f != NULL) {
            st->web = w->web;
            static_site_retain(st->web);
            http_send_static(w, req, st, f, q != NULL && http_has_version_query(q + 1, target.len - path_len - 1));
            return 0;
        }
    }
    CACHE_CONTROL_LIT(req, "no-store");
    http_send_api_response(w, req, st);
    return 0;
}
