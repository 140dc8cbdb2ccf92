/* The HTTP front end: libh2o's event loops glued to the API, the result
 * cache, the rate limiter and the metrics.
 *
 * Threads. One `worker` per serving thread (--threads, default one per
 * core), each with its own h2o context, event loop and SO_REUSEPORT
 * listening socket, so the kernel spreads connections and no two threads
 * ever touch the same connection. They share one h2o global config, the
 * published store, the result cache (sharded locks) and the rate limiter
 * (sharded locks); everything else a request touches is the worker's own
 * (metrics shard, access-log buffer, scratch buffers). The main thread is
 * the control thread: signals, generation loads, the once-a-second work
 * (metrics window, memory monitor, alerts, rate-limit sweep).
 *
 * A request, in order: limits (414/431/413), CORS preflight, the
 * operator's endpoints (health/live, metrics, stats, stream, admin), rate
 * limit (429), then the API. For a cacheable search the normalised key
 * (api_cache_key) gives the ETag (304 without searching) and the cache
 * entry (answer without searching or compressing); a miss runs api_handle
 * and stores the answer. Every response gets X-Request-Id and
 * X-Response-Time, is counted by route and status, and may be logged.
 *
 * Bodies are sent without a copy: they live in a per-request object linked
 * into the request's memory pool (or in a cache entry it holds a reference
 * to), and h2o frees the pool only after the last byte was written. That
 * object also holds the request's store reference, so a generation stays
 * mapped until every response that may point into it is gone, and counts
 * requests in flight for the drain.
 *
 * Generations. Opening (and verifying) a generation reads the whole file,
 * so it runs on a loader thread while the workers keep serving the old one.
 * When it finishes, the control thread publishes the new store under a lock
 * and bumps a sequence number; each worker picks it up between two loop
 * iterations. A generation that fails to open is logged, alerted and
 * refused; the old one keeps serving.
 *
 * Replies that wait: the stats stream sends an event per interval from the
 * worker's tick (skipping a client whose previous event is still being
 * written, so a slow reader never makes the server buffer), and an admin
 * reload answers when the load it asked for has finished. Both end cleanly
 * at shutdown. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <h2o.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "cache/cache.h"
#include "http/accesslog.h"
#include "http/compress.h"
#include "http/netaddr.h"
#include "http/ops.h"
#include "http/ratelimit.h"
#include "http/static.h"
#include "metrics/alert.h"
#include "metrics/log.h"
#include "metrics/memory.h"
#include "metrics/metrics.h"
#include "store/store.h"

#define LOOP_WAIT_MS 50          /* longest a worker waits before looking at its flags */
#define CONTROL_WAIT_MS 50       /* the control thread's tick */
#define POLL_MS 1000             /* how often to look for a first generation */
#define ACCEPT_BURST 64          /* h2o_evloop_socket_accept takes one connection per call */
#define MAX_ECHO_HEADER 1024     /* longest Access-Control-Request-Headers echoed back */
#define ADMIN_WAIT_MS 60000      /* an admin reload answers 202 if the load takes longer */
#define HEARTBEAT_MS 15000       /* stats stream comment when nothing else was sent */
#define IMMUTABLE_CC "public, max-age=31536000, immutable"

typedef struct server server;
typedef struct req_state req_state;

typedef struct {
    server *srv;
    unsigned id;
    pthread_t thread;
    bool started;
    atomic_bool drained;      /* done serving; the thread is parked */
    int listen_fd;
    h2o_evloop_t *loop;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    bool paused;              /* not accepting: --max-connections reached */
    /* This worker's references to the published store and static site,
     * and the publication they came from. */
    store_t *store;
    static_site *web;
    uint64_t seq;
    uint64_t inflight;        /* requests whose response is not fully written */
    uint64_t next_request_id;
    metrics_shard *m;
    accesslog_buf log;
    buf_t key;                /* scratch: the cache key */
    buf_t stats;              /* scratch: the stats JSON of this tick */
    h2o_linklist_t streams;   /* req_state of open /api/stats/stream */
    h2o_linklist_t waiters;   /* req_state of admin reloads waiting for the load */
    uint64_t next_stream_ms;
    uint64_t last_heartbeat_ms;
} worker;

/* Opens a generation off the control thread. */
typedef struct {
    pthread_t thread;
    bool running;
    atomic_bool done;
    store_t *result;
    char err[1024];
    struct stat current_sb;   /* DIR/CURRENT as it was when the load started */
    bool have_current_sb;
    uint64_t ticket;          /* admin requests this load answers */
} loader;

/* What the last load did, for the admin requests waiting on it. */
typedef struct {
    int status;               /* 200, 409 */
    char body[1400];
} reload_result;

struct server {
    const server_config *cfg;
    h2o_globalconf_t config;
    SSL_CTX *ssl;
    api_env env;
    char url[300];            /* http(s)://HOST:PORT, for the log */
    uint32_t boot_id;         /* random, makes request ids unique across restarts */
    unsigned n_workers;
    worker *workers;
    atomic_bool stopping;

    /* The published state. Changed only by the control thread; read by
     * workers in worker_sync. */
    pthread_mutex_t lock;
    store_t *store;
    static_site *web;
    atomic_uint_fast64_t seq;

    loader load;
    bool reload_wanted;
    bool announced;           /* the "serving generation" line was printed */
    bool said_waiting;        /* the "no generation yet" line was printed */
    struct stat failed_sb;    /* CURRENT of the last failed first load */
    bool have_failed_sb;
    uint64_t next_poll_ms;

    /* Admin reloads: tickets handed out by workers, answered by loads. */
    _Atomic uint64_t reload_requested;
    uint64_t reload_seen;
    _Atomic uint64_t reload_done;
    reload_result result;     /* under lock */

    _Atomic uint64_t reloads_ok, reloads_failed, last_reload_unix_ms;
    _Atomic uint64_t streams;
};

/* One per process: the signal handlers need it, and keeping the state
 * reachable from a global keeps leak checkers quiet about what h2o still
 * holds for idle connections at exit. */
static server g_srv;

static volatile sig_atomic_t g_stop, g_hup;

static void on_stop_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static void on_hup_signal(int sig)
{
    (void)sig;
    g_hup = 1;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ms(void)
{
    return mono_ns() / 1000000u;
}

/* ---- per-request state -------------------------------------------------- */

/* Linked into the request's pool: freed (and the references dropped) when
 * h2o clears the pool after the response is sent or the connection closed. */
struct req_state {
    worker *w;
    uint64_t t0;              /* mono_ns when the handler started */
    metrics_route route;
    bool head;
    h2o_iovec_t request_id;
    store_t *store;
    static_site *web;
    cache_entry *entry;
    bool has_res;
    api_response res;
    cache_blob *zbody;        /* a compressed copy of res.body */
    const char *cache_status; /* "hit", "miss" or NULL, for the log */
    /* stats stream and admin waiters */
    h2o_req_t *req;
    h2o_generator_t gen;
    h2o_linklist_t link;
    bool sending, closing, done;
    buf_t sbuf;
    uint64_t ticket, deadline_ms;
    bool counted_stream;
};

static void req_state_dispose(void *p)
{
    req_state *st = p;
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

static bool iov_eq(h2o_iovec_t v, const char *lit, size_t n)
{
    return v.len == n && memcmp(v.base, lit, n) == 0;
}
#define IOV_IS(v, lit) iov_eq((v), (lit), sizeof(lit) - 1)

static bool path_is(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

static void add_header(h2o_req_t *req, const char *name, size_t name_len, const char *value, size_t value_len)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, name_len, 1, NULL, value, value_len);
}
#define ADD_HEADER_LIT(req, name, value) add_header((req), H2O_STRLIT(name), H2O_STRLIT(value))

static void add_header_u64(h2o_req_t *req, const char *name, size_t name_len, uint64_t v)
{
    char *s = h2o_mem_alloc_pool(&req->pool, 24);
    size_t n = u64_to_dec(v, s);
    add_header(req, name, name_len, s, n);
}

static h2o_iovec_t find_header(h2o_req_t *req, const h2o_token_t *token)
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
static void add_common_headers(worker *w, h2o_req_t *req, req_state *st)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, NULL, H2O_STRLIT("*"));
    ADD_HEADER_LIT(req, "access-control-expose-headers",
                   "X-Total-Count, X-Request-Id, X-Response-Time, ETag, Retry-After, RateLimit-Limit, "
                   "RateLimit-Remaining, RateLimit-Reset");
    st->request_id = request_id(w, req);
    add_header(req, H2O_STRLIT("x-request-id"), st->request_id.base, st->request_id.len);
}

static void cache_control(h2o_req_t *req, const char *v, size_t n)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, v, n);
}
#define CACHE_CONTROL_LIT(req, lit) cache_control((req), H2O_STRLIT(lit))

/* ---- finishing a response ----------------------------------------------- */

static netaddr client_addr(worker *w, h2o_req_t *req)
{
    struct sockaddr_storage ss;
    netaddr peer;
    memset(&peer, 0, sizeof(peer));
    if (req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss) > 0)
        netaddr_from_sockaddr((struct sockaddr *)&ss, &peer);
    const netaddr_list *trusted = &w->srv->cfg->trusted_proxies;
    if (trusted->len == 0)
        return peer;
    h2o_iovec_t xff = find_header(req, H2O_TOKEN_X_FORWARDED_FOR);
    return netaddr_client(&peer, xff.base, xff.len, trusted);
}

static bool is_search_route(metrics_route r)
{
    return r == ROUTE_BEST_OFFERS || r == ROUTE_HOTEL_OFFERS || r == ROUTE_HOTEL || r == ROUTE_CALENDAR;
}

/* Logs the request if the access log or the slow log wants it. */
static void log_request(worker *w, h2o_req_t *req, req_state *st, int status, uint64_t bytes, double ms,
                        cache_encoding enc)
{
    bool slow = accesslog_is_slow(ms, is_search_route(st->route));
    if (!accesslog_want(&w->log, status, ms) && !slow)
        return;
    char client[64];
    netaddr a = client_addr(w, req);
    netaddr_format(&a, client);
    const char *q = memchr(req->path.base, '?', req->path.len);
    size_t plen = q != NULL ? (size_t)(q - req->path.base) : req->path.len;
    h2o_iovec_t ua = find_header(req, H2O_TOKEN_USER_AGENT);
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
        .route = metrics_route_name(st->route),
        .status = status,
        .bytes = bytes,
        .ms = ms,
        .cache = st->cache_status,
        .encoding = compress_name(enc),
        .user_agent = ua.base,
        .user_agent_len = ua.len,
        .generation = st->store != NULL ? st->store->generation : 0,
    };
    accesslog_add(&w->log, &r, slow, mono_ms());
}

/* Sends status, the headers already added, and body (none for HEAD, but
 * with the Content-Length a GET would have); counts and logs it. body must
 * outlive the request, which req_state guarantees. */
static void finish(worker *w, h2o_req_t *req, req_state *st, int status, const char *body, size_t len,
                   cache_encoding enc)
{
    static h2o_generator_t generator = {NULL, NULL};
    uint64_t t1 = mono_ns();
    double ms = (double)(t1 - st->t0) / 1e6;
    char *rt = h2o_mem_alloc_pool(&req->pool, 32);
    int n = snprintf(rt, 32, "%.3fms", ms);
    add_header(req, H2O_STRLIT("x-response-time"), rt, (size_t)n);
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
    log_request(w, req, st, status, sent, ms, enc);

    req->res.status = status;
    req->res.reason = reason_phrase(status);
    /* 204 and 304 carry no Content-Length (RFC 9110 8.6). */
    req->res.content_length = status == 204 || status == 304 ? SIZE_MAX : len;
    h2o_start_response(req, &generator);
    h2o_iovec_t buf = h2o_iovec_init(body, len);
    h2o_send(req, &buf, nobody ? 0 : 1, H2O_SEND_STATE_FINAL);
}

/* A JSON error in the API's format, not cacheable. */
static void send_error(worker *w, h2o_req_t *req, req_state *st, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void send_error(worker *w, h2o_req_t *req, req_state *st, int status, const char *code, const char *fmt, ...)
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
    finish(w, req, st, status, st->res.body.data, st->res.body.len, CACHE_IDENTITY);
}

/* Chooses the encoding for a body and, for per-request answers, makes it. */
static cache_encoding negotiate(h2o_req_t *req, const char *content_type, size_t len, bool once)
{
    if (!compress_applies(content_type, len))
        return CACHE_IDENTITY;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Accept-Encoding"));
    h2o_iovec_t ae = find_header(req, H2O_TOKEN_ACCEPT_ENCODING);
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
        add_header_u64(req, H2O_STRLIT("x-total-count"), res->total);
}

/* Sends st->res, compressed when that pays. */
static void send_api_response(worker *w, h2o_req_t *req, req_state *st)
{
    api_response *res = &st->res;
    add_api_headers(req, res);
    cache_encoding enc = negotiate(req, res->content_type, res->body.len, false);
    if (enc != CACHE_IDENTITY) {
        st->zbody = compress_body(enc, res->body.data, res->body.len, false);
        if (st->zbody != NULL) {
            finish(w, req, st, res->status, st->zbody->data, st->zbody->len, enc);
            return;
        }
    }
    finish(w, req, st, res->status, res->body.data, res->body.len, CACHE_IDENTITY);
}

/* ---- CORS preflight and static files ------------------------------------ */

static void send_preflight(worker *w, h2o_req_t *req, req_state *st)
{
    ADD_HEADER_LIT(req, "access-control-allow-methods", "GET, HEAD, POST, OPTIONS");
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
    finish(w, req, st, 204, NULL, 0, CACHE_IDENTITY);
}

/* Does If-None-Match name this tag? Weak comparison (RFC 9110 13.1.2):
 * W/"x" and "x" match each other, so the quoted part is what is compared. */
static bool etag_matches(h2o_req_t *req, const char *etag, size_t n)
{
    h2o_iovec_t v = find_header(req, H2O_TOKEN_IF_NONE_MATCH);
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

static bool has_version_query(const char *query, size_t n)
{
    return (n >= 2 && memcmp(query, "v=", 2) == 0) || memmem(query, n, "&v=", 3) != NULL;
}

static void send_static(worker *w, h2o_req_t *req, req_state *st, const static_file *f, bool versioned)
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
    cache_encoding enc = negotiate(req, f->content_type, f->len, true);
    if (etag_matches(req, f->etag, strlen(f->etag))) {
        finish(w, req, st, 304, NULL, 0, CACHE_IDENTITY);
        return;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, f->content_type,
                   strlen(f->content_type));
    const cache_blob *z = enc == CACHE_BR ? f->br : enc == CACHE_GZIP ? f->gz : NULL;
    if (enc == CACHE_BR && z == NULL && f->gz != NULL) {
        h2o_iovec_t ae = find_header(req, H2O_TOKEN_ACCEPT_ENCODING);
        if (ae.base != NULL && memmem(ae.base, ae.len, "gzip", 4) != NULL)
            z = f->gz, enc = CACHE_GZIP;
    }
    if (z != NULL)
        finish(w, req, st, 200, z->data, z->len, enc);
    else
        finish(w, req, st, 200, f->data, f->len, CACHE_IDENTITY);
}

/* ---- cached searches ---------------------------------------------------- */

static uint64_t hash64(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

static metrics_route route_of_key(const char *key)
{
    if (!strncmp(key, "best", 4))
        return ROUTE_BEST_OFFERS;
    if (!strncmp(key, "offers", 6))
        return ROUTE_HOTEL_OFFERS;
    return ROUTE_HOTEL;
}

static void add_search_cache_headers(worker *w, h2o_req_t *req, const char *etag, size_t etag_len)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, etag, etag_len);
    uint64_t max_age = w->srv->cfg->max_age_ms / 1000;
    if (max_age == 0) {
        CACHE_CONTROL_LIT(req, "no-cache");
    } else {
        char *cc = h2o_mem_alloc_pool(&req->pool, 48);
        int n = snprintf(cc, 48, "public, max-age=%llu", (unsigned long long)max_age);
        cache_control(req, cc, (size_t)n);
    }
}

/* Answers from a cache entry, compressing it once per encoding. */
static void send_entry(worker *w, h2o_req_t *req, req_state *st, cache_entry *e)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, e->content_type,
                   strlen(e->content_type));
    if (e->has_total)
        add_header_u64(req, H2O_STRLIT("x-total-count"), e->total);
    const cache_blob *id = cache_body(e, CACHE_IDENTITY);
    cache_encoding enc = negotiate(req, e->content_type, id->len, true);
    if (enc != CACHE_IDENTITY) {
        const cache_blob *z = cache_body(e, enc);
        if (z == NULL) {
            cache_blob *made = compress_body(enc, id->data, id->len, true);
            z = made != NULL ? cache_add_body(e, enc, made) : NULL;
        }
        if (z != NULL) {
            finish(w, req, st, e->status, z->data, z->len, enc);
            return;
        }
    }
    finish(w, req, st, e->status, id->data, id->len, CACHE_IDENTITY);
}

/* GET/HEAD of a cacheable search. Returns false if the request is not one
 * (the caller then answers it the ordinary way). */
static bool try_cached_search(worker *w, h2o_req_t *req, req_state *st, const api_request *ar)
{
    store_t *s = st->store;
    buf_t *key = &w->key;
    key->len = 0;
    if (s == NULL || !api_cache_key(s, ar, key))
        return false;
    buf_putc(key, '\0');
    key->len--;
    st->route = route_of_key(key->data);
    char *etag = h2o_mem_alloc_pool(&req->pool, 48);
    int etag_len = snprintf(etag, 48, "W/\"%llx-%016llx\"", (unsigned long long)s->generation,
                            (unsigned long long)hash64(key->data, key->len));
    add_search_cache_headers(w, req, etag, (size_t)etag_len);
    if (etag_matches(req, etag, (size_t)etag_len)) {
        if (compress_applies("application/json", w->srv->cfg->compress_min))
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Accept-Encoding"));
        finish(w, req, st, 304, NULL, 0, CACHE_IDENTITY);
        return true;
    }
    uint64_t now = mono_ms();
    cache_entry *e = cache_lookup(key->data, key->len, s->generation, now);
    if (e != NULL) {
        st->entry = e;
        st->cache_status = "hit";
        send_entry(w, req, st, e);
        return true;
    }
    st->has_res = true;
    api_handle(s, &w->srv->env, ar, &st->res);
    st->route = metrics_route_from_name(st->res.route);
    if (cache_enabled()) {
        st->cache_status = "miss";
        if (st->res.status == 200) {
            cache_blob *b = cache_blob_new(st->res.body.data, st->res.body.len);
            e = cache_insert(key->data, key->len, s->generation, now, st->res.status, st->res.content_type,
                             st->res.has_total, st->res.total, b);
            if (e != NULL) {
                st->entry = e;
                send_entry(w, req, st, e);
                return true;
            }
        }
    }
    if (st->res.status != 200) {
        /* Not a cacheable answer after all (e.g. a cursor past the end):
         * the ETag and Cache-Control already added must not claim so. The
         * headers are rebuilt from scratch. */
        req->res.headers = (h2o_headers_t){NULL, 0, 0};
        add_common_headers(w, req, st);
        CACHE_CONTROL_LIT(req, "no-store");
    }
    send_api_response(w, req, st);
    return true;
}

/* ---- the operator's endpoints ------------------------------------------- */

static void fill_view(server *srv, ops_view *v, const store_t *s)
{
    memset(v, 0, sizeof(*v));
    v->started_unix_ms = srv->env.started_unix_ms;
    v->now_unix_ms = now_unix_ms();
    v->store = s;
    v->reloads_ok = atomic_load(&srv->reloads_ok);
    v->reloads_failed = atomic_load(&srv->reloads_failed);
    v->last_reload_unix_ms = atomic_load(&srv->last_reload_unix_ms);
    v->streams = atomic_load(&srv->streams);
    v->threads = srv->n_workers;
    v->max_connections = srv->cfg->max_connections;
}

static bool only_get(worker *w, h2o_req_t *req, req_state *st, bool get)
{
    if (get)
        return true;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET, HEAD, OPTIONS"));
    send_error(w, req, st, 405, "method_not_allowed", "use GET");
    return false;
}

static void send_owned_json(worker *w, h2o_req_t *req, req_state *st, int status, const char *ctype)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype, strlen(ctype));
    CACHE_CONTROL_LIT(req, "no-store");
    cache_encoding enc = negotiate(req, ctype, st->res.body.len, false);
    if (enc != CACHE_IDENTITY && (st->zbody = compress_body(enc, st->res.body.data, st->res.body.len, false)) != NULL) {
        finish(w, req, st, status, st->zbody->data, st->zbody->len, enc);
        return;
    }
    finish(w, req, st, status, st->res.body.data, st->res.body.len, CACHE_IDENTITY);
}

static void handle_metrics(worker *w, h2o_req_t *req, req_state *st)
{
    ops_view v;
    fill_view(w->srv, &v, w->store);
    st->has_res = true;
    ops_render_prometheus(&st->res.body, &v);
    send_owned_json(w, req, st, 200, "text/plain; version=0.0.4; charset=utf-8");
}

static void handle_stats(worker *w, h2o_req_t *req, req_state *st)
{
    ops_view v;
    fill_view(w->srv, &v, w->store);
    st->has_res = true;
    ops_render_stats(&st->res.body, &v);
    send_owned_json(w, req, st, 200, "application/json");
}

static void handle_live(worker *w, h2o_req_t *req, req_state *st)
{
    st->has_res = true;
    buf_printf(&st->res.body, "{\"status\":\"live\",\"uptime\":%.3f,\"ready\":%s}",
               (double)(now_unix_ms() - w->srv->env.started_unix_ms) / 1000.0, w->store != NULL ? "true" : "false");
    send_owned_json(w, req, st, 200, "application/json");
}

/* -- the stats stream -- */

static void stream_send(req_state *st, const char *data, size_t len, bool final)
{
    st->sbuf.len = 0;
    buf_put(&st->sbuf, data, len);
    st->sending = true;
    h2o_iovec_t v = h2o_iovec_init(st->sbuf.data, st->sbuf.len);
    if (final) {
        st->done = true;
        if (h2o_linklist_is_linked(&st->link))
            h2o_linklist_unlink(&st->link);
    }
    h2o_send(st->req, &v, 1, final ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void stream_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    req_state *st = H2O_STRUCT_FROM_MEMBER(req_state, gen, gen);
    st->sending = false;
    if (st->closing && !st->done)
        stream_send(st, H2O_STRLIT("event: shutdown\ndata: {}\n\n"), true);
}

static void stream_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    req_state *st = H2O_STRUCT_FROM_MEMBER(req_state, gen, gen);
    st->done = true;
    if (h2o_linklist_is_linked(&st->link))
        h2o_linklist_unlink(&st->link);
}

static void render_stream_event(worker *w, buf_t *b)
{
    ops_view v;
    fill_view(w->srv, &v, w->store);
    b->len = 0;
    BUF_LIT(b, "event: stats\ndata: ");
    ops_render_stats(b, &v);
    BUF_LIT(b, "\n\n");
}

static void handle_stream(worker *w, h2o_req_t *req, req_state *st)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("text/event-stream"));
    CACHE_CONTROL_LIT(req, "no-store");
    /* nginx must pass events through as they come. */
    ADD_HEADER_LIT(req, "x-accel-buffering", "no");
    uint64_t t1 = mono_ns();
    char *rt = h2o_mem_alloc_pool(&req->pool, 32);
    int n = snprintf(rt, 32, "%.3fms", (double)(t1 - st->t0) / 1e6);
    add_header(req, H2O_STRLIT("x-response-time"), rt, (size_t)n);
    req->res.status = 200;
    req->res.reason = "OK";
    req->res.content_length = SIZE_MAX;
    st->req = req;
    st->gen.proceed = stream_proceed;
    st->gen.stop = stream_stop;
    h2o_start_response(req, &st->gen);
    metrics_record(w->m, st->route, 200, t1 - st->t0, 0);
    log_request(w, req, st, 200, 0, (double)(t1 - st->t0) / 1e6, CACHE_IDENTITY);
    st->counted_stream = true;
    atomic_fetch_add(&w->srv->streams, 1);
    if (st->head) {
        stream_send(st, "", 0, true);
        return;
    }
    h2o_linklist_insert(&w->streams, &st->link);
    render_stream_event(w, &w->stats);
    buf_t first = {0};
    BUF_LIT(&first, "retry: 3000\n\n");
    buf_put(&first, w->stats.data, w->stats.len);
    stream_send(st, first.data, first.len, false);
    buf_free(&first);
}

/* Once per interval: an event to every client that has taken the last one. */
static void streams_tick(worker *w, uint64_t now)
{
    if (h2o_linklist_is_empty(&w->streams) || now < w->next_stream_ms)
        return;
    w->next_stream_ms = now + w->srv->cfg->stream_interval_ms;
    bool heartbeat = now - w->last_heartbeat_ms >= HEARTBEAT_MS;
    if (heartbeat)
        w->last_heartbeat_ms = now;
    render_stream_event(w, &w->stats);
    if (heartbeat) {
        /* A comment line: proxies and browsers see traffic even if a
         * client misses events; EventSource ignores it. */
        buf_t hb = {0};
        BUF_LIT(&hb, ": heartbeat\n\n");
        buf_put(&hb, w->stats.data, w->stats.len);
        buf_free(&w->stats);
        w->stats = hb;
    }
    h2o_linklist_t *node = w->streams.next;
    while (node != &w->streams) {
        h2o_linklist_t *next = node->next;
        req_state *st = H2O_STRUCT_FROM_MEMBER(req_state, link, node);
        if (!st->sending && !st->done)
            stream_send(st, w->stats.data, w->stats.len, false);
        node = next;
    }
}

/* -- admin reload -- */

static bool token_equal(const char *a, size_t an, const char *b, size_t bn)
{
    /* Constant time in the token's content: no early exit on a mismatch. */
    unsigned char diff = an != bn;
    for (size_t i = 0; i < bn; i++)
        diff |= (unsigned char)(b[i] ^ (i < an ? a[i] : 0));
    return diff == 0;
}

static void handle_admin_reload(worker *w, h2o_req_t *req, req_state *st, h2o_iovec_t method)
{
    server *srv = w->srv;
    if (!IOV_IS(method, "POST")) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("POST, OPTIONS"));
        send_error(w, req, st, 405, "method_not_allowed", "use POST");
        return;
    }
    const char *token = srv->cfg->admin_token;
    if (token == NULL) {
        send_error(w, req, st, 403, "admin_disabled", "the admin API is off: start the server with --admin-token");
        return;
    }
    h2o_iovec_t auth = find_header(req, H2O_TOKEN_AUTHORIZATION);
    if (auth.base == NULL || auth.len < 7 || strncasecmp(auth.base, "Bearer ", 7) != 0) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"isla admin\""));
        send_error(w, req, st, 401, "unauthorized", "send Authorization: Bearer <admin token>");
        return;
    }
    const char *given = auth.base + 7;
    size_t given_len = auth.len - 7;
    while (given_len > 0 && *given == ' ')
        given++, given_len--;
    if (!token_equal(given, given_len, token, strlen(token))) {
        char client[64];
        netaddr a = client_addr(w, req);
        netaddr_format(&a, client);
        oplog("isla: admin: wrong token from %s", client);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"isla admin\", error=\"invalid_token\""));
        send_error(w, req, st, 403, "forbidden", "wrong admin token");
        return;
    }
    /* Ask the control thread for a load; answer when it is done. */
    st->ticket = atomic_fetch_add(&srv->reload_requested, 1) + 1;
    st->deadline_ms = mono_ms() + ADMIN_WAIT_MS;
    st->req = req;
    h2o_linklist_insert(&w->waiters, &st->link);
}

static void answer_waiter(worker *w, req_state *st, int status, const char *body)
{
    h2o_req_t *req = st->req;
    h2o_linklist_unlink(&st->link);
    st->has_res = true;
    st->res.body.len = 0;
    buf_puts(&st->res.body, body);
    send_owned_json(w, req, st, status, "application/json");
}

static void waiters_tick(worker *w, uint64_t now, bool stopping)
{
    server *srv = w->srv;
    if (h2o_linklist_is_empty(&w->waiters))
        return;
    uint64_t done = atomic_load_explicit(&srv->reload_done, memory_order_acquire);
    h2o_linklist_t *node = w->waiters.next;
    while (node != &w->waiters) {
        h2o_linklist_t *next = node->next;
        req_state *st = H2O_STRUCT_FROM_MEMBER(req_state, link, node);
        if (done >= st->ticket) {
            reload_result r;
            pthread_mutex_lock(&srv->lock);
            r = srv->result;
            pthread_mutex_unlock(&srv->lock);
            answer_waiter(w, st, r.status, r.body);
        } else if (stopping) {
            answer_waiter(w, st, 503, "{\"error\":{\"code\":\"shutting_down\",\"message\":\"the server is stopping\","
                                      "\"param\":null}}");
        } else if (now >= st->deadline_ms) {
            answer_waiter(w, st, 202, "{\"status\":\"loading\",\"message\":\"the load is still running; watch "
                                      "/api/health for the generation\"}");
        }
        node = next;
    }
}

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

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    worker *w = H2O_STRUCT_FROM_MEMBER(worker, ctx, req->conn->ctx);
    const server_config *cfg = w->srv->cfg;
    req_state *st = h2o_mem_alloc_shared(&req->pool, sizeof(*st), req_state_dispose);
    memset(st, 0, sizeof(*st));
    st->w = w;
    st->t0 = mono_ns();
    st->route = ROUTE_OTHER;
    w->inflight++;

    h2o_iovec_t method = req->method;
    h2o_iovec_t target = req->path; /* as sent: path and query */
    st->head = IOV_IS(method, "HEAD");
    bool get = st->head || IOV_IS(method, "GET");
    add_common_headers(w, req, st);

    /* Limits first: nothing else looks at an oversized request. */
    if (target.len > cfg->max_url) {
        send_error(w, req, st, 414, "uri_too_long", "request target longer than %llu bytes",
                   (unsigned long long)cfg->max_url);
        return 0;
    }
    if (header_bytes(req) > cfg->max_header_bytes) {
        send_error(w, req, st, 431, "headers_too_large", "request headers larger than %llu bytes",
                   (unsigned long long)cfg->max_header_bytes);
        return 0;
    }
    if (req->entity.base != NULL && req->entity.len > cfg->max_body) {
        send_error(w, req, st, 413, "payload_too_large", "request body larger than %llu bytes",
                   (unsigned long long)cfg->max_body);
        return 0;
    }
    if (IOV_IS(method, "OPTIONS")) {
        send_preflight(w, req, st);
        return 0;
    }

    const char *q = memchr(target.base, '?', target.len);
    size_t path_len = q != NULL ? (size_t)(q - target.base) : target.len;
    const char *path = target.base;

    /* The operator's endpoints. */
    if (path_is(path, path_len, "/api/health/live")) {
        st->route = ROUTE_HEALTH;
        if (only_get(w, req, st, get))
            handle_live(w, req, st);
        return 0;
    }
    if (path_is(path, path_len, "/metrics")) {
        st->route = ROUTE_METRICS;
        if (only_get(w, req, st, get))
            handle_metrics(w, req, st);
        return 0;
    }
    if (path_is(path, path_len, "/api/stats")) {
        st->route = ROUTE_STATS;
        if (only_get(w, req, st, get))
            handle_stats(w, req, st);
        return 0;
    }
    if (path_is(path, path_len, "/api/stats/stream")) {
        st->route = ROUTE_STATS_STREAM;
        if (only_get(w, req, st, get))
            handle_stream(w, req, st);
        return 0;
    }

    if (ratelimit_enabled() && !rate_exempt(path, path_len)) {
        netaddr client = client_addr(w, req);
        ratelimit_result r;
        ratelimit_take(&client, mono_ns(), &r);
        add_header_u64(req, H2O_STRLIT("ratelimit-limit"), r.limit);
        add_header_u64(req, H2O_STRLIT("ratelimit-remaining"), r.remaining);
        add_header_u64(req, H2O_STRLIT("ratelimit-reset"), r.reset_s);
        if (!r.allowed) {
            char *pol = h2o_mem_alloc_pool(&req->pool, 48);
            int n = snprintf(pol, 48, "%u;w=%.0f", r.limit, ceil((double)r.limit / cfg->rate_per_s));
            add_header(req, H2O_STRLIT("ratelimit-policy"), pol, (size_t)n);
            add_header_u64(req, H2O_STRLIT("retry-after"), r.retry_after_s);
            metrics_add(&w->m->rate_limited, 1);
            st->route = ROUTE_OTHER;
            send_error(w, req, st, 429, "rate_limited", "too many requests from this client (limit %s, burst %u); "
                       "retry in %u s", cfg->rate_text, r.limit, r.retry_after_s);
            return 0;
        }
    }

    if (path_is(path, path_len, "/api/admin/reload")) {
        st->route = ROUTE_ADMIN;
        handle_admin_reload(w, req, st, method);
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

    if (get && try_cached_search(w, req, st, &ar))
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
            send_static(w, req, st, f, q != NULL && has_version_query(q + 1, target.len - path_len - 1));
            return 0;
        }
    }
    CACHE_CONTROL_LIT(req, "no-store");
    send_api_response(w, req, st);
    return 0;
}

/* ---- listening and connections ------------------------------------------ */

static int open_listener(const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve --host %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, saved = 0;
    for (struct addrinfo *a = ai; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        /* One listener per worker thread, the kernel spreading connections. */
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on));
        /* Linux copies this to accepted sockets; on_accept sets it again. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, H2O_SOMAXCONN) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        snprintf(err, errlen, "cannot listen on %s port %d: %s", host, port, strerror(saved));
    return fd;
}

static int bound_port(int fd, int fallback)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return fallback;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return fallback;
}

static void on_sock_close(void *data)
{
    (void)data;
    metrics_conn_close();
}

static void on_accept(h2o_socket_t *listener, const char *err)
{
    worker *w = listener->data;
    if (err != NULL)
        return;
    uint64_t max = w->srv->cfg->max_connections;
    for (int i = 0; i < ACCEPT_BURST; i++) {
        if (metrics_connections() >= max) {
            /* Leave further connections in the kernel's queue until some
             * close; the worker's tick resumes accepting. */
            h2o_socket_read_stop(w->listener);
            w->paused = true;
            return;
        }
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            return;
        /* Small responses must not wait for Nagle (h2o 2.2.5 leaves this to
         * the application). */
        int on = 1;
        setsockopt(h2o_socket_get_fd(sock), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        metrics_conn_open();
        sock->on_close.cb = on_sock_close;
        sock->on_close.data = w;
        h2o_accept(&w->accept_ctx, sock);
    }
}

/* Takes the published store and site if they changed. Runs on the worker's
 * thread between loop iterations, so no request of this worker is running;
 * responses still being written keep their own references. */
static void worker_sync(worker *w)
{
    server *srv = w->srv;
    uint64_t seq = atomic_load_explicit(&srv->seq, memory_order_acquire);
    if (seq == w->seq)
        return;
    pthread_mutex_lock(&srv->lock);
    store_t *s = srv->store;
    static_site *web = srv->web;
    if (s != NULL)
        store_retain(s);
    if (web != NULL)
        static_site_retain(web);
    w->seq = atomic_load_explicit(&srv->seq, memory_order_relaxed);
    pthread_mutex_unlock(&srv->lock);
    if (w->store != NULL)
        store_release(w->store);
    if (w->web != NULL)
        static_site_release(w->web);
    w->store = s;
    w->web = web;
}

static void worker_tick(worker *w)
{
    uint64_t now = mono_ms();
    worker_sync(w);
    if (w->paused && metrics_connections() < w->srv->cfg->max_connections && w->listener != NULL) {
        w->paused = false;
        h2o_socket_read_start(w->listener, on_accept);
    }
    streams_tick(w, now);
    waiters_tick(w, now, false);
    accesslog_flush(&w->log, now, false);
}

/* Stops accepting and lets requests in flight finish, for at most
 * --drain-timeout. HTTP/2 clients get a GOAWAY from request_shutdown;
 * streams get a last event; admin waiters get 503; idle HTTP/1.1
 * keep-alive connections are closed when the process exits (h2o 2.2.5 has
 * no hook to close them from outside). */
static void worker_drain(worker *w)
{
    if (w->listener != NULL) {
        h2o_socket_read_stop(w->listener);
        h2o_socket_close(w->listener);
        w->listener = NULL;
    }
    h2o_context_request_shutdown(&w->ctx);
    h2o_linklist_t *node = w->streams.next;
    while (node != &w->streams) {
        h2o_linklist_t *next = node->next;
        req_state *st = H2O_STRUCT_FROM_MEMBER(req_state, link, node);
        st->closing = true;
        if (!st->sending && !st->done)
            stream_send(st, H2O_STRLIT("event: shutdown\ndata: {}\n\n"), true);
        node = next;
    }
    waiters_tick(w, mono_ms(), true);
    uint64_t deadline = mono_ms() + w->srv->cfg->drain_timeout_ms;
    int quiet = 0;
    /* Two quiet passes: requests that already arrived on open connections
     * are read and answered before we go. */
    while (quiet < 2 && mono_ms() < deadline) {
        h2o_evloop_run(w->loop, w->inflight ? 10 : 0);
        waiters_tick(w, mono_ms(), true);
        quiet = w->inflight ? 0 : quiet + 1;
    }
    if (w->inflight)
        oplog("isla: shutdown: thread %u: %llu requests still in flight after %llu ms", w->id,
              (unsigned long long)w->inflight, (unsigned long long)w->srv->cfg->drain_timeout_ms);
    accesslog_flush(&w->log, mono_ms(), true);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    server *srv = w->srv;
    w->loop = h2o_evloop_create();
    h2o_context_init(&w->ctx, w->loop, &srv->config);
    w->accept_ctx.ctx = &w->ctx;
    w->accept_ctx.hosts = srv->config.hosts;
    w->accept_ctx.ssl_ctx = srv->ssl;
    w->listener = h2o_evloop_socket_create(w->loop, w->listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    w->listener->data = w;
    h2o_socket_read_start(w->listener, on_accept);
    worker_sync(w);

    while (!atomic_load_explicit(&srv->stopping, memory_order_acquire)) {
        h2o_evloop_run(w->loop, LOOP_WAIT_MS);
        worker_tick(w);
    }
    worker_drain(w);
    compress_thread_done();
    atomic_store_explicit(&w->drained, true, memory_order_release);
    /* The thread is parked, not ended: h2o 2.2.5 cannot close idle HTTP/1
     * connections from outside, h2o_context_dispose asserts on timers still
     * linked after request_shutdown, and its allocators keep per-thread
     * free lists. All of that stays owned by this (live) thread until the
     * process exits and closes the sockets; an ended thread would orphan
     * it. Every signal is blocked here, so pause() never returns. */
    for (;;)
        pause();
    return NULL;
}

static void worker_release(worker *w)
{
    if (w->store != NULL)
        store_release(w->store);
    if (w->web != NULL)
        static_site_release(w->web);
    w->store = NULL;
    w->web = NULL;
    buf_free(&w->key);
    buf_free(&w->stats);
    buf_free(&w->log.buf);
}

/* ---- generations -------------------------------------------------------- */

static void publish(server *srv, store_t *s, static_site *web, bool set_store, bool set_web)
{
    store_t *old_store = NULL;
    static_site *old_web = NULL;
    pthread_mutex_lock(&srv->lock);
    if (set_store) {
        old_store = srv->store;
        srv->store = s;
    }
    if (set_web) {
        old_web = srv->web;
        srv->web = web;
    }
    atomic_fetch_add_explicit(&srv->seq, 1, memory_order_release);
    pthread_mutex_unlock(&srv->lock);
    if (old_store != NULL)
        store_release(old_store);
    if (old_web != NULL)
        static_site_release(old_web);
}

static void *loader_main(void *arg)
{
    server *srv = arg;
    loader *l = &srv->load;
    l->err[0] = '\0';
    l->result = store_open(srv->cfg->data_dir, srv->cfg->verify, l->err, sizeof(l->err));
    if (l->result == NULL && l->err[0] == '\0')
        snprintf(l->err, sizeof(l->err), "unknown error");
    atomic_store_explicit(&l->done, true, memory_order_release);
    return NULL;
}

static void current_path(const server *srv, char *out, size_t n)
{
    snprintf(out, n, "%s/CURRENT", srv->cfg->data_dir);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void loader_start(server *srv)
{
    loader *l = &srv->load;
    char cur[4200];
    current_path(srv, cur, sizeof(cur));
    l->have_current_sb = stat(cur, &l->current_sb) == 0;
    l->result = NULL;
    l->ticket = srv->reload_seen;
    atomic_store(&l->done, false);
    /* Signals stay with the control thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&l->thread, NULL, loader_main, srv);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        /* Without a thread, load in place: slower, but still correct. */
        loader_main(srv);
        l->running = false;
        return;
    }
    l->running = true;
}

static void set_result(server *srv, uint64_t ticket, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_result(server *srv, uint64_t ticket, int status, const char *fmt, ...)
{
    pthread_mutex_lock(&srv->lock);
    srv->result.status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(srv->result.body, sizeof(srv->result.body), fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&srv->lock);
    atomic_store_explicit(&srv->reload_done, ticket, memory_order_release);
}

static void loader_finish(server *srv)
{
    loader *l = &srv->load;
    store_t *s = l->result;
    l->result = NULL;
    uint64_t now = mono_ms();
    if (s == NULL) {
        buf_t msg = {0};
        buf_put_json_str(&msg, l->err, strlen(l->err));
        buf_putc(&msg, '\0');
        if (srv->store != NULL) {
            atomic_fetch_add(&srv->reloads_failed, 1);
            oplog("isla: reload refused: %s; still serving generation %llu", l->err,
                  (unsigned long long)srv->store->generation);
            alert_event("reload_failed", now, "reload refused: %s; still serving generation %llu", l->err,
                        (unsigned long long)srv->store->generation);
            set_result(srv, l->ticket, 409,
                       "{\"error\":{\"code\":\"reload_refused\",\"message\":%s,\"param\":null},\"generation\":%llu}",
                       msg.data, (unsigned long long)srv->store->generation);
        } else {
            oplog("isla: cannot open a generation in %s: %s; listening on %s without data "
                  "(retrying when CURRENT changes, or on SIGHUP)",
                  srv->cfg->data_dir, l->err, srv->url);
            alert_event("reload_failed", now, "cannot open a generation in %s: %s; serving no data",
                        srv->cfg->data_dir, l->err);
            srv->have_failed_sb = l->have_current_sb;
            srv->failed_sb = l->current_sb;
            set_result(srv, l->ticket, 409,
                       "{\"error\":{\"code\":\"reload_refused\",\"message\":%s,\"param\":null},\"generation\":null}",
                       msg.data);
        }
        buf_free(&msg);
        return;
    }
    if (srv->store != NULL && s->generation == srv->store->generation && strcmp(s->path, srv->store->path) == 0) {
        oplog("isla: reload: generation %llu is already serving", (unsigned long long)s->generation);
        set_result(srv, l->ticket, 200, "{\"status\":\"unchanged\",\"generation\":%llu,\"offers\":%u}",
                   (unsigned long long)s->generation, s->n_offers);
        store_release(s);
        return;
    }
    uint64_t gen = s->generation, offers = s->n_offers;
    uint64_t previous = srv->store != NULL ? srv->store->generation : 0;
    bool first = srv->store == NULL;
    publish(srv, s, NULL, true, false);
    /* Answers of the old generation must not be served for the new one;
     * entries carry their generation too, so one computed by a request in
     * flight across the switch is never a hit. */
    cache_clear();
    atomic_store(&srv->last_reload_unix_ms, now_unix_ms());
    if (!first)
        atomic_fetch_add(&srv->reloads_ok, 1);
    if (!srv->announced) {
        srv->announced = true;
        oplog("isla: serving generation %llu (%llu offers) on %s with %u threads", (unsigned long long)gen,
              (unsigned long long)offers, srv->url, srv->n_workers);
    } else {
        oplog("isla: reloaded generation %llu (offers %llu)", (unsigned long long)gen, (unsigned long long)offers);
    }
    if (first)
        set_result(srv, l->ticket, 200, "{\"status\":\"loaded\",\"generation\":%llu,\"previous\":null,\"offers\":%llu}",
                   (unsigned long long)gen, (unsigned long long)offers);
    else
        set_result(srv, l->ticket, 200, "{\"status\":\"reloaded\",\"generation\":%llu,\"previous\":%llu,\"offers\":%llu}",
                   (unsigned long long)gen, (unsigned long long)previous, (unsigned long long)offers);
}

/* Before the first generation: is there one to try? */
static bool first_generation_ready(server *srv)
{
    char cur[4200];
    struct stat sb;
    current_path(srv, cur, sizeof(cur));
    if (stat(cur, &sb) != 0) {
        if (!srv->said_waiting && !srv->have_failed_sb) {
            srv->said_waiting = true;
            oplog("isla: no generation yet in %s; listening on %s, waiting for an import", srv->cfg->data_dir,
                  srv->url);
        }
        return false;
    }
    /* A generation that failed once is not read again until CURRENT
     * changes: verifying a broken 2 GB file every second helps nobody. */
    return !(srv->have_failed_sb && same_file(&sb, &srv->failed_sb));
}

static void reload_web(server *srv)
{
    if (srv->cfg->web_dir == NULL)
        return;
    char err[1024];
    static_site *web = static_site_load(srv->cfg->web_dir, err, sizeof(err));
    if (web == NULL) {
        oplog("isla: web: %s; keeping the files loaded before", err);
        return;
    }
    publish(srv, NULL, web, false, true);
}

/* Signals, admin requests, loads, polling. Runs on the control thread. */
static void control_tick(server *srv)
{
    loader *l = &srv->load;
    if (g_hup) {
        g_hup = 0;
        srv->reload_wanted = true;
        reload_web(srv);
        accesslog_reopen();
    }
    uint64_t asked = atomic_load(&srv->reload_requested);
    if (asked > srv->reload_seen) {
        srv->reload_seen = asked;
        srv->reload_wanted = true;
        /* An explicit request retries a generation that failed before. */
        srv->have_failed_sb = false;
    }
    if (l->running && atomic_load_explicit(&l->done, memory_order_acquire)) {
        pthread_join(l->thread, NULL);
        l->running = false;
        loader_finish(srv);
    }
    if (srv->store == NULL && !l->running && !srv->reload_wanted) {
        uint64_t now = mono_ms();
        if (now >= srv->next_poll_ms) {
            srv->next_poll_ms = now + POLL_MS;
            srv->reload_wanted = first_generation_ready(srv);
        }
    }
    if (srv->reload_wanted && !l->running) {
        srv->reload_wanted = false;
        loader_start(srv);
        if (!l->running) /* loaded in place */
            loader_finish(srv);
    }
}

/* Once a second: the metrics window, memory, rate-limit buckets, alerts. */
static void second_tick(server *srv, uint64_t now, uint64_t *next_memlog)
{
    const server_config *cfg = srv->cfg;
    metrics_tick();
    uint64_t rss = memory_sample(now);
    ratelimit_sweep(mono_ns());

    metrics_window w;
    metrics_window_read(&w);
    bool enough = w.all.count >= cfg->alert_min_requests;
    if (cfg->alert_p99_ms > 0)
        alert_condition("p99_latency", enough && w.all.p99 > cfg->alert_p99_ms, w.all.p99, cfg->alert_p99_ms, now,
                        "p99 latency %.1f ms over the last %.0f s (threshold %.1f ms, %llu requests)", w.all.p99,
                        w.seconds, cfg->alert_p99_ms, (unsigned long long)w.all.count);
    if (cfg->alert_error_rate > 0) {
        double rate = w.all.count ? (double)w.all.errors / (double)w.all.count : 0;
        alert_condition("error_rate", enough && rate > cfg->alert_error_rate, rate, cfg->alert_error_rate, now,
                        "5xx ratio %.2f%% over the last %.0f s (threshold %.2f%%, %llu of %llu requests)",
                        rate * 100, w.seconds, cfg->alert_error_rate * 100, (unsigned long long)w.all.errors,
                        (unsigned long long)w.all.count);
    }
    if (cfg->alert_rss_bytes > 0)
        alert_condition("memory_rss", rss > cfg->alert_rss_bytes, (double)rss, (double)cfg->alert_rss_bytes, now,
                        "resident memory %.1f MB (threshold %.1f MB)", (double)rss / 1048576.0,
                        (double)cfg->alert_rss_bytes / 1048576.0);
    if (cfg->memory_log_ms > 0 && now >= *next_memlog) {
        *next_memlog = now + cfg->memory_log_ms;
        memory_trend t;
        memory_trend_read(&t);
        oplog("isla: memory: rss %.1f MB; last %.0f s: min %.1f MB, max %.1f MB, trend %+.1f MB/h", (double)t.rss / 1048576.0,
              t.span_s, (double)t.min / 1048576.0, (double)t.max / 1048576.0, t.slope_bytes_per_h / 1048576.0);
    }
}

/* ---- the whole thing ---------------------------------------------------- */

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup_signal;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static void format_url(char *out, size_t n, bool tls, const char *host, int port)
{
    const char *scheme = tls ? "https" : "http";
    if (strchr(host, ':') != NULL)
        snprintf(out, n, "%s://[%s]:%d", scheme, host, port);
    else
        snprintf(out, n, "%s://%s:%d", scheme, host, port);
}

static SSL_CTX *tls_setup(const server_config *cfg)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL)
        return NULL;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        char e[256];
        ERR_error_string_n(ERR_get_error(), e, sizeof(e));
        fprintf(stderr, "isla serve: --tls-cert/--tls-key: cannot use %s with %s: %s\n", cfg->tls_cert, cfg->tls_key,
                e);
        SSL_CTX_free(ctx);
        return NULL;
    }
    /* ALPN: h2 first, then http/1.1. */
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
    return ctx;
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

int server_run(const server_config *cfg)
{
    server *srv = &g_srv;
    memset(srv, 0, sizeof(*srv));
    srv->cfg = cfg;
    srv->env.started_unix_ms = now_unix_ms();
    pthread_mutex_init(&srv->lock, NULL);
    atomic_init(&srv->seq, 1);
    atomic_init(&srv->load.done, false);
    atomic_init(&srv->stopping, false);
    if (getrandom(&srv->boot_id, sizeof(srv->boot_id), GRND_NONBLOCK) != sizeof(srv->boot_id))
        srv->boot_id = (uint32_t)getpid() ^ (uint32_t)time(NULL);
    srv->n_workers = cfg->threads > 0 ? (unsigned)cfg->threads : default_threads();
    g_stop = 0;
    g_hup = 0;
    install_signals();

    char err[1024];
    if (cfg->tls_cert != NULL && (srv->ssl = tls_setup(cfg)) == NULL)
        return 2;
    if (!accesslog_open(cfg->access_log, cfg->access_log_every, cfg->access_log_file, cfg->slow_ms, err,
                        sizeof(err))) {
        fprintf(stderr, "isla serve: --access-log-file: %s\n", err);
        return 2;
    }

    /* Listen first: the port is open (connections queue) while the
     * generation loads. With --port 0 the first socket picks the port and
     * the others join it. */
    srv->workers = calloc(srv->n_workers, sizeof(worker));
    if (srv->workers == NULL)
        return 1;
    int port = (int)cfg->port;
    for (unsigned i = 0; i < srv->n_workers; i++) {
        int fd = open_listener(cfg->host, port, err, sizeof(err));
        if (fd < 0) {
            oplog("isla: %s", err);
            for (unsigned k = 0; k < i; k++)
                close(srv->workers[k].listen_fd);
            return 1;
        }
        if (i == 0)
            port = bound_port(fd, port);
        srv->workers[i].listen_fd = fd;
    }
    format_url(srv->url, sizeof(srv->url), srv->ssl != NULL, cfg->host, port);

    metrics_init(srv->n_workers, (unsigned)cfg->stats_window_s);
    cache_init(cfg->cache_bytes, cfg->cache_ttl_ms);
    compress_init(cfg->gzip, (int)cfg->gzip_level, cfg->brotli, (int)cfg->brotli_quality, cfg->compress_min);
    ratelimit_init(cfg->rate_per_s, cfg->rate_burst, cfg->rate_clients);
    char host[256];
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    char instance[300];
    snprintf(instance, sizeof(instance), "%.200s:%d", host, port);
    alert_start(cfg->alert_webhook, cfg->alert_cooldown_ms, instance);
    memory_sample(mono_ms());

    h2o_config_init(&srv->config);
    srv->config.server_name = h2o_iovec_init(H2O_STRLIT("isla"));
    srv->config.max_request_entity_size = cfg->max_body;
    srv->config.http1.req_timeout = cfg->header_timeout_ms;
    srv->config.handshake_timeout = cfg->header_timeout_ms;
    srv->config.http2.idle_timeout = cfg->idle_timeout_ms;
    srv->config.http2.graceful_shutdown_timeout = cfg->drain_timeout_ms;
    h2o_hostconf_t *hostconf = h2o_config_register_host(&srv->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(pathconf, sizeof(*handler));
    handler->on_req = on_req;

    if (cfg->web_dir != NULL) {
        static_site *web = static_site_load(cfg->web_dir, err, sizeof(err));
        if (web == NULL)
            oplog("isla: web: %s; serving the API only", err);
        else
            publish(srv, NULL, web, false, true);
    }

    srv->reload_wanted = first_generation_ready(srv);
    control_tick(srv);

    /* Workers get every signal blocked: signals go to this thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 0; i < srv->n_workers; i++) {
        worker *w = &srv->workers[i];
        w->srv = srv;
        w->id = i;
        w->m = metrics_shard_get(i);
        h2o_linklist_init_anchor(&w->streams);
        h2o_linklist_init_anchor(&w->waiters);
        atomic_init(&w->drained, false);
        w->started = pthread_create(&w->thread, NULL, worker_main, w) == 0;
        if (!w->started) {
            oplog("isla: cannot start serving thread %u", i);
            g_stop = 1;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    uint64_t next_second = mono_ms() + 1000;
    uint64_t next_memlog = mono_ms() + cfg->memory_log_ms;
    while (!g_stop) {
        struct timespec ts = {0, CONTROL_WAIT_MS * 1000000L};
        nanosleep(&ts, NULL); /* a signal ends it early */
        control_tick(srv);
        uint64_t now = mono_ms();
        if (now >= next_second) {
            next_second += 1000;
            if (next_second <= now)
                next_second = now + 1000;
            second_tick(srv, now, &next_memlog);
        }
    }

    oplog("isla: shutting down");
    atomic_store_explicit(&srv->stopping, true, memory_order_release);
    /* Each worker drains (bounded by --drain-timeout) and parks. */
    for (unsigned i = 0; i < srv->n_workers; i++)
        while (srv->workers[i].started && !atomic_load_explicit(&srv->workers[i].drained, memory_order_acquire)) {
            struct timespec ts = {0, 5 * 1000000L};
            nanosleep(&ts, NULL);
        }
    if (srv->load.running) {
        /* A load in progress owns its result; wait for it, then drop it. */
        pthread_join(srv->load.thread, NULL);
        srv->load.running = false;
        if (srv->load.result != NULL)
            store_release(srv->load.result);
    }
    for (unsigned i = 0; i < srv->n_workers; i++)
        worker_release(&srv->workers[i]);
    publish(srv, NULL, NULL, true, true);
    alert_stop(2000);
    accesslog_close();
    oplog("isla: stopped");
    return 0;
}
