/* Response building blocks shared by every route: the per-request state,
 * the headers every response carries (CORS, X-Request-Id), compression,
 * JSON errors, the CORS preflight, static files, and `http_finish`, which
 * sends a response and counts and logs it. Bodies are never copied: they
 * live in the request's state (or a cache entry it holds), which h2o frees
 * with the request's pool after the last byte is written. */
#include "http/respond.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "http/conns.h"
#include "util/compress.h"

#define MAX_ECHO_HEADER 1024     /* longest Access-Control-Request-Headers echoed back */
#define IMMUTABLE_CC "public, max-age=31536000, immutable"

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return status < 300 ? "OK" : status < 400 ? "Redirect" : status < 500 ? "Client Error" : "Server Error";
    }
}




void http_header_u64(h2o_req_t *req, const char *name, size_t name_len, uint64_t v)
{
    char *s = h2o_mem_alloc_pool(&req->pool, 24);
    size_t n = u64_to_dec(v, s);
    add_header(req, name, name_len, s, n);
}

h2o_iovec_t http_find_header(h2o_req_t *req, const h2o_token_t *token)
{
    ssize_t i = h2o_find_header(&req->headers, token, -1);
    return i >= 0 ? req->headers.entries[i].value : h2o_iovec_init(NULL, 0);
}

/* A request id: the client's X-Request-Id if it is short and tame (so a
 * proxy's id follows the request through), else a fresh one. */
static h2o_iovec_t request_id(worker *w, h2o_req_t *req)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-request-id"), -1);
    if (i >= 0) {
        h2o_iovec_t v = req->headers.entries[i].value;
        bool ok = v.len > 0 && v.len <= 64;
        for (size_t k = 0; ok && k < v.len; k++) {
            char c = v.base[k];
            ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
                 c == '.' || c == ':';
        }
        if (ok)
            return v;
    }
    static const char hex[] = "0123456789abcdef";
    char *s = h2o_mem_alloc_pool(&req->pool, 8 + 1 + 2 + 1 + 16);
    size_t n = 0;
    for (int sh = 28; sh >= 0; sh -= 4)
        s[n++] = hex[(w->srv->boot_id >> sh) & 15];
    s[n++] = '-';
    s[n++] = hex[(w->id >> 4) & 15];
    s[n++] = hex[w->id & 15];
    s[n++] = '-';
    uint64_t id = ++w->next_request_id;
    char tmp[16];
    size_t t = 0;
    do {
        tmp[t++] = hex[id & 15];
        id >>= 4;
    } while (id != 0);
    while (t > 0)
        s[n++] = tmp[--t];
    return h2o_iovec_init(s, n);
}

/* Headers every response carries. */
void http_common_headers(worker *w, h2o_req_t *req, req_state *st)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, NULL, H2O_STRLIT("*"));
    ADD_HEADER_LIT(req, "access-control-expose-headers",
                   "X-Total-Count, X-Request-Id, X-Response-Time, ETag, Retry-After, RateLimit-Limit, "
                   "RateLimit-Remaining, RateLimit-Reset");
    st->request_id = request_id(w, req);
    add_header(req, H2O_STRLIT("x-request-id"), st->request_id.base, st->request_id.len);
}


/* ---- finishing a response ----------------------------------------------- */

netaddr http_client_addr(worker *w, h2o_req_t *req)
{
    struct sockaddr_storage ss;
    netaddr peer;
    memset(&peer, 0, sizeof(peer));
    if (req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss) > 0)
        netaddr_from_sockaddr((struct sockaddr *)&ss, &peer);
    const netaddr_list *trusted = &w->srv->cfg->trusted_proxies;
    if (trusted->len == 0)
        return peer;
    h2o_iovec_t xff = http_find_header(req, H2O_TOKEN_X_FORWARDED_FOR);
    return netaddr_client(&peer, xff.base, xff.len, trusted);
}

/* Logs the request if the access log or the slow log wants it. */
void http_log_request(worker *w, h2o_req_t *req, req_state *st, int status, uint64_t bytes, double ms,
                        cache_encoding enc)
{
    bool slow = accesslog_is_slow(ms, (api_route_flags(st->route) & RF_SEARCH) != 0);
    if (!accesslog_want(&w->log, status, ms) && !slow)
        return;
    char client[64];
    netaddr a = http_client_addr(w, req);
    netaddr_format(&a, client);
    const char *q = memchr(req->path.base, '?', req->path.len);
    size_t plen = q != NULL ? (size_t)(q - req->path.base) : req->path.len;
    h2o_iovec_t ua = http_find_header(req, H2O_TOKEN_USER_AGENT);
    accesslog_rec r = {
        .request_id = st->request_id.base,
        .request_id_len = st->request_id.len,
        .client = client,
        .method = req->method.base,
        .method_len = req->method.len,
        .path = req->path.base,
        .path_len = plen,
        .query = q != NULL ? q + 1 : NULL,
        .query_len = q != NULL ? req->path.len - plen - 1 : 0,
        .proto = req->version >= 0x200 ? "HTTP/2" : req->version == 0x100 ? "HTTP/1.0" : "HTTP/1.1",
        .route = api_route_name(st->route),
        .status = status,
        .bytes = bytes,
        .ms = ms,
        .cache = st->cache_status,
        .encoding = compress_name(enc),
        .user_agent = ua.base,
        .user_agent_len = ua.len,
        .generation = st->store != NULL ? st->store->generation : 0,
        .key_name = st->key_name,
        .tier = st->tier_name,
    };
    accesslog_add(&w->log, &r, slow, clock_mono_ms());
}

/* Sends status, the headers already added, and body (none for HEAD, but
 * with the Content-Length a GET would have); counts and logs it. body must
 * outlive the request, which req_state guarantees. */
void http_finish(worker *w, h2o_req_t *req, req_state *st, int status, const char *body, size_t len,
                   cache_encoding enc)
{
    static h2o_generator_t generator = {NULL, NULL};
    uint64_t t1 = clock_mono_ns();
    double ms = (double)(t1 - st->t0) / 1e6;
    /* milliseconds with three decimals, as %.3fms (no printf per request) */
    uint64_t us = (t1 - st->t0 + 500) / 1000;
    char *rt = h2o_mem_alloc_pool(&req->pool, 32);
    size_t n = u64_to_dec(us / 1000, rt);
    rt[n] = '.';
    rt[n + 1] = (char)('0' + us % 1000 / 100);
    rt[n + 2] = (char)('0' + us % 100 / 10);
    rt[n + 3] = (char)('0' + us % 10);
    memcpy(rt + n + 4, "ms", 2);
    add_header(req, H2O_STRLIT("x-response-time"), rt, n + 6);
    const char *ename = compress_name(enc);
    if (ename != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_ENCODING, NULL, ename, strlen(ename));
    bool nobody = st->head || len == 0 || status == 204 || status == 304;
    uint64_t sent = nobody ? 0 : len;
    /* Counted before it is sent: a client that reads /metrics right after
     * its answer must find it there. */
    metrics_record(w->m, st->route, status, t1 - st->t0, sent);
    metrics_add(&w->m->compressed[enc], 1);
    if (status == 304)
        metrics_add(&w->m->not_modified, 1);
    http_log_request(w, req, st, status, sent, ms, enc);

    req->res.status = status;
    req->res.reason = reason_phrase(status);
    /* 204 and 304 carry no Content-Length (RFC 9110 8.6). */
    req->res.content_length = status == 204 || status == 304 ? SIZE_MAX : len;
    /* What this response holds until h2o frees the request: the bytes
     * sent, and the API's own body if what is sent is another copy. */
    uint64_t held = sent;
    if (st->has_res && st->res.body.data != body)
        held += st->res.body.cap;
    http_conn_hold(st, held);
    h2o_start_response(req, &generator);
    h2o_iovec_t buf = h2o_iovec_init(body, len);
    h2o_send(req, &buf, nobody ? 0 : 1, H2O_SEND_STATE_FINAL);
}

/* A JSON error in the API's format, not cacheable. */
void http_send_error(worker *w, h2o_req_t *req, req_state *st, int status, const char *code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (st->has_res)
        api_response_free(&st->res);
    memset(&st->res, 0, sizeof(st->res));
    st->has_res = true;
    api_error(&st->res, status, code, NULL, "%s", msg);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
    CACHE_CONTROL_LIT(req, "no-store");
    http_finish(w, req, st, status, st->res.body.data, st->res.body.len, CACHE_IDENTITY);
}

/* Chooses the encoding for a body and, for per-request answers, makes it. */
cache_encoding http_negotiate(h2o_req_t *req, const char *content_type, size_t len, bool once)
{
    if (!compress_applies(content_type, len))
        return CACHE_IDENTITY;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Accept-Encoding"));
    h2o_iovec_t ae = http_find_header(req, H2O_TOKEN_ACCEPT_ENCODING);
    return compress_negotiate(ae.base, ae.len, len, once);
}

static void add_api_headers(h2o_req_t *req, const api_response *res)
{
    if (res->content_type != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, res->content_type,
                       strlen(res->content_type));
    if (res->allow != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, res->allow, strlen(res->allow));
    if (res->has_total)
        http_header_u64(req, H2O_STRLIT("x-total-count"), res->total);
    if (res->filename != NULL) {
        size_t n = strlen(res->filename) + 32;
        char *v = h2o_mem_alloc_pool(&req->pool, n);
        int k = snprintf(v, n, "attachment; filename=\"%s\"", res->filename);
        add_header(req, H2O_STRLIT("content-disposition"), v, (size_t)k);
    }
}

/* Sends st->res, compressed when that pays. */
void http_send_api_response(worker *w, h2o_req_t *req, req_state *st)
{
    api_response *res = &st->res;
    add_api_headers(req, res);
    cache_encoding enc = http_negotiate(req, res->content_type, res->body.len, false);
    if (enc != CACHE_IDENTITY) {
        st->zbody = compress_body(enc, res->body.data, res->body.len, false);
        if (st->zbody != NULL) {
            http_finish(w, req, st, res->status, st->zbody->data, st->zbody->len, enc);
            return;
        }
    }
    http_finish(w, req, st, res->status, res->body.data, res->body.len, CACHE_IDENTITY);
}

/* ---- CORS preflight and static files ------------------------------------ */

void http_send_preflight(worker *w, h2o_req_t *req, req_state *st)
{
    ADD_HEADER_LIT(req, "access-control-allow-methods", "GET, HEAD, POST, DELETE, OPTIONS");
    h2o_iovec_t allow = h2o_iovec_init(H2O_STRLIT("*"));
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("access-control-request-headers"), -1);
    if (i >= 0) {
        h2o_iovec_t v = req->headers.entries[i].value;
        bool ok = v.len > 0 && v.len <= MAX_ECHO_HEADER;
        for (size_t k = 0; ok && k < v.len; k++)
            ok = (unsigned char)v.base[k] >= 0x20 && v.base[k] != 0x7f;
        if (ok)
            allow = v;
    }
    add_header(req, H2O_STRLIT("access-control-allow-headers"), allow.base, allow.len);
    ADD_HEADER_LIT(req, "access-control-max-age", "86400");
    http_finish(w, req, st, 204, NULL, 0, CACHE_IDENTITY);
}

/* Does If-None-Match name this tag? Weak comparison (RFC 9110 13.1.2):
 * W/"x" and "x" match each other, so the quoted part is what is compared. */
bool http_etag_matches(h2o_req_t *req, const char *etag, size_t n)
{
    h2o_iovec_t v = http_find_header(req, H2O_TOKEN_IF_NONE_MATCH);
    if (v.base == NULL)
        return false;
    if (v.len == 1 && v.base[0] == '*')
        return true;
    if (n > 2 && etag[0] == 'W' && etag[1] == '/')
        etag += 2, n -= 2;
    for (size_t k = 0; k + n <= v.len; k++)
        if (memcmp(v.base + k, etag, n) == 0)
            return true;
    return false;
}

bool http_has_version_query(const char *query, size_t n)
{
    return (n >= 2 && memcmp(query, "v=", 2) == 0) || memmem(query, n, "&v=", 3) != NULL;
}

void http_send_static(worker *w, h2o_req_t *req, req_state *st, const static_file *f, bool versioned)
{
    st->route = ROUTE_STATIC;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, f->etag, strlen(f->etag));
    bool html = !strncmp(f->content_type, "text/html", 9);
    uint64_t max_age_s = w->srv->cfg->static_max_age_ms / 1000;
    if (!html && (f->fingerprinted || versioned)) {
        CACHE_CONTROL_LIT(req, IMMUTABLE_CC);
    } else if (!html && max_age_s > 0) {
        char *cc = h2o_mem_alloc_pool(&req->pool, 48);
        int n = snprintf(cc, 48, "public, max-age=%llu", (unsigned long long)max_age_s);
        cache_control(req, cc, (size_t)n);
    } else {
        /* HTML is the entry point: always revalidate, so a new release shows. */
        CACHE_CONTROL_LIT(req, "no-cache");
    }
    cache_encoding enc = http_negotiate(req, f->content_type, f->len, true);
    if (http_etag_matches(req, f->etag, strlen(f->etag))) {
        http_finish(w, req, st, 304, NULL, 0, CACHE_IDENTITY);
        return;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, f->content_type,
                   strlen(f->content_type));
    const cache_blob *z = enc == CACHE_BR ? f->br : enc == CACHE_GZIP ? f->gz : NULL;
    if (enc == CACHE_BR && z == NULL && f->gz != NULL) {
        h2o_iovec_t ae = http_find_header(req, H2O_TOKEN_ACCEPT_ENCODING);
        if (ae.base != NULL && memmem(ae.base, ae.len, "gzip", 4) != NULL)
            z = f->gz, enc = CACHE_GZIP;
    }
    if (z != NULL)
        http_finish(w, req, st, 200, z->data, z->len, enc);
    else
        http_finish(w, req, st, 200, f->data, f->len, CACHE_IDENTITY);
}
