/* The HTTP front end: libh2o's event loop glued to api_handle.
 *
 * Shape. A `server` (process-wide: options, h2o's global config, the current
 * store and static site) and one `worker` per event-loop thread (its own
 * h2o context, loop and listening socket). Today there is one worker, run on
 * the calling thread; more cores means more workers, each on its own thread
 * with its own SO_REUSEPORT listener (the socket is already created that
 * way), sharing the one global config.
 *
 * Requests. Every request is answered synchronously inside the handler:
 * build an api_request, call api_handle with the worker's store, send the
 * answer. The API's response body is sent without a copy: it lives in a small
 * per-request object linked into the request's memory pool, and h2o frees
 * the pool only after the last byte was written. That object also holds the
 * request's store reference, so a generation stays mapped until every
 * response that may point into it is gone, and it counts requests in flight
 * for the graceful shutdown.
 *
 * Generations. Opening (and verifying) a generation reads the whole file, so
 * it runs on a loader thread while the loop keeps serving the old one. When
 * it finishes, the server publishes the new store under a lock and bumps a
 * sequence number; each worker picks the new store up between two loop
 * iterations (taking its own reference and dropping the old one), so no
 * request ever does more than read a plain pointer. A generation that fails
 * to open is logged and refused; the old one keeps serving.
 *
 * Signals only set flags; the loop runs with a 100 ms timeout (epoll_wait
 * also returns early on a signal) and looks at them between iterations. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <h2o.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "http/static.h"
#include "store/store.h"

#define MAX_URL_BYTES 8192      /* longer request targets get 414 */
#define MAX_ENTITY_BYTES (1u << 20) /* the API takes no bodies; h2o answers 413 above this */
#define LOOP_WAIT_MS 100        /* longest wait before flags are looked at */
#define POLL_MS 1000            /* how often to look for a first generation */
#define DRAIN_MS 5000           /* longest graceful shutdown */
#define ACCEPT_BURST 64         /* h2o_evloop_socket_accept takes one connection per call */
#define MAX_ECHO_HEADER 1024    /* longest Access-Control-Request-Headers echoed back */

typedef struct server server;

typedef struct {
    server *srv;
    unsigned id;
    h2o_evloop_t *loop;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    /* This worker's references to the published store and static site,
     * and the publication they came from. */
    store_t *store;
    static_site *web;
    uint64_t seq;
    uint64_t inflight;        /* requests whose response is not fully written */
    uint64_t next_request_id;
} worker;

/* Opens a generation off the loop thread. */
typedef struct {
    pthread_t thread;
    bool running;
    atomic_bool done;
    store_t *result;
    char err[1024];
    struct stat current_sb;   /* DIR/CURRENT as it was when the load started */
    bool have_current_sb;
} loader;

struct server {
    const server_options *opt;
    h2o_globalconf_t config;
    api_env env;
    char url[300];            /* http://HOST:PORT, for the log */
    uint32_t boot_id;         /* random, makes request ids unique across restarts */

    /* The published state. Changed only by the control code (the thread
     * running server_run); read by workers in worker_sync. */
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
};

/* One per process: the signal handlers need it, and keeping the state
 * reachable from a global keeps leak checkers quiet about what h2o still
 * holds for idle connections at exit. */
static server g_srv;
static worker g_worker;

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

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logf_(const char *fmt, ...)
{
    /* One write per line, so lines from several threads never interleave. */
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- responses ---------------------------------------------------------- */

/* Per-request state, linked into the request's pool: freed (and the
 * references dropped) when h2o clears the pool after the response is sent
 * or the connection is closed. */
typedef struct {
    worker *w;
    store_t *store;
    static_site *web;
    bool has_res;
    api_response res;
} req_state;

static void req_state_dispose(void *p)
{
    req_state *st = p;
    if (st->has_res)
        api_response_free(&st->res);
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
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status < 300 ? "OK" : status < 400 ? "Redirect" : status < 500 ? "Client Error" : "Server Error";
    }
}

static bool iov_eq(h2o_iovec_t v, const char *lit, size_t n)
{
    return v.len == n && memcmp(v.base, lit, n) == 0;
}
#define IOV_IS(v, lit) iov_eq((v), (lit), sizeof(lit) - 1)

static void add_header(h2o_req_t *req, const char *name, size_t name_len, const char *value, size_t value_len)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, name_len, 1, NULL, value, value_len);
}
#define ADD_HEADER_LIT(req, name, value) add_header((req), H2O_STRLIT(name), H2O_STRLIT(value))

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
static void add_common_headers(worker *w, h2o_req_t *req)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ACCESS_CONTROL_ALLOW_ORIGIN, NULL, H2O_STRLIT("*"));
    ADD_HEADER_LIT(req, "access-control-expose-headers", "X-Total-Count, X-Request-Id");
    h2o_iovec_t id = request_id(w, req);
    add_header(req, H2O_STRLIT("x-request-id"), id.base, id.len);
}

/* Sends status, headers already added, and body (none for HEAD, but with
 * the Content-Length a GET would have). body must outlive the request,
 * which req_state guarantees. */
static void send_body(h2o_req_t *req, int status, const char *body, size_t len, bool head)
{
    static h2o_generator_t generator = {NULL, NULL};
    req->res.status = status;
    req->res.reason = reason_phrase(status);
    /* 204 and 304 carry no Content-Length (RFC 9110 8.6); h2o adds no
     * chunked framing to them either. */
    req->res.content_length = status == 204 || status == 304 ? SIZE_MAX : len;
    h2o_start_response(req, &generator);
    h2o_iovec_t buf = h2o_iovec_init(body, len);
    h2o_send(req, &buf, head || len == 0 ? 0 : 1, H2O_SEND_STATE_FINAL);
}

static void send_api_response(worker *w, h2o_req_t *req, req_state *st, bool head)
{
    api_response *res = &st->res;
    add_common_headers(w, req);
    if (res->content_type != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, res->content_type,
                       strlen(res->content_type));
    if (res->allow != NULL)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, res->allow, strlen(res->allow));
    if (res->has_total) {
        char *s = h2o_mem_alloc_pool(&req->pool, 24);
        size_t n = u64_to_dec(res->total, s);
        add_header(req, H2O_STRLIT("x-total-count"), s, n);
    }
    send_body(req, res->status, res->body.data, res->body.len, head);
}

/* CORS preflight: any path, answered here so the API never sees OPTIONS. */
static void send_preflight(worker *w, h2o_req_t *req)
{
    add_common_headers(w, req);
    ADD_HEADER_LIT(req, "access-control-allow-methods", "GET, HEAD, OPTIONS");
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
    send_body(req, 204, NULL, 0, true);
}

static bool etag_matches(h2o_req_t *req, const char *etag)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    if (i < 0)
        return false;
    h2o_iovec_t v = req->headers.entries[i].value;
    size_t n = strlen(etag);
    if (v.len == 1 && v.base[0] == '*')
        return true;
    /* A list of tags, possibly weak ("W/"): look for ours as a token. */
    for (size_t k = 0; k + n <= v.len; k++)
        if (memcmp(v.base + k, etag, n) == 0)
            return true;
    return false;
}

static void send_static(worker *w, h2o_req_t *req, const static_file *f, bool head)
{
    add_common_headers(w, req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, f->etag, strlen(f->etag));
    /* Revalidate every time: the UI is tiny and a new release must show. */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, H2O_STRLIT("no-cache"));
    if (etag_matches(req, f->etag)) {
        send_body(req, 304, NULL, 0, true);
        return;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, f->content_type,
                   strlen(f->content_type));
    send_body(req, 200, f->data, f->len, head);
}

static bool is_api_path(const char *p, size_t n)
{
    return n >= 4 && memcmp(p, "/api", 4) == 0 && (n == 4 || p[4] == '/');
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    (void)self;
    worker *w = H2O_STRUCT_FROM_MEMBER(worker, ctx, req->conn->ctx);

    req_state *st = h2o_mem_alloc_shared(&req->pool, sizeof(*st), req_state_dispose);
    memset(st, 0, sizeof(*st));
    st->w = w;
    w->inflight++;

    h2o_iovec_t method = req->input.method;
    h2o_iovec_t target = req->input.path; /* as sent, query included */

    /* Our own limit: h2o's is a compile-time ~400 KB. */
    if (target.len > MAX_URL_BYTES) {
        st->has_res = true;
        api_error(&st->res, 414, "uri_too_long", NULL, "the request URL is %zu bytes long; the limit is %d bytes",
                  target.len, MAX_URL_BYTES);
        send_api_response(w, req, st, IOV_IS(method, "HEAD"));
        return 0;
    }
    if (IOV_IS(method, "OPTIONS")) {
        send_preflight(w, req);
        return 0;
    }
    bool head = IOV_IS(method, "HEAD");
    bool get = head || IOV_IS(method, "GET");

    const char *q = memchr(target.base, '?', target.len);
    size_t path_len = q != NULL ? (size_t)(q - target.base) : target.len;

    api_request ar = {
        /* HEAD is a GET whose body is not sent; the API only knows GET. */
        .method = head ? "GET" : method.base,
        .method_len = head ? 3 : method.len,
        .path = target.base,
        .path_len = path_len,
        .query = q != NULL ? q + 1 : "",
        .query_len = q != NULL ? target.len - path_len - 1 : 0,
        .tls = req->input.scheme == &H2O_URL_SCHEME_HTTPS,
    };
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
    api_handle(st->store, &w->srv->env, &ar, &st->res);

    /* The UI's files live next to the API: anything the API does not know,
     * outside /api, may be a file. */
    if (st->res.status == 404 && get && w->web != NULL && !is_api_path(target.base, path_len)) {
        const static_file *f = static_site_find(w->web, target.base, path_len);
        if (f != NULL) {
            st->web = w->web;
            static_site_retain(st->web);
            send_static(w, req, f, head);
            return 0;
        }
    }
    send_api_response(w, req, st, head);
    return 0;
}

/* ---- listening ---------------------------------------------------------- */

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

static void on_accept(h2o_socket_t *listener, const char *err)
{
    worker *w = listener->data;
    if (err != NULL)
        return;
    for (int i = 0; i < ACCEPT_BURST; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            return;
        /* Small responses must not wait for Nagle (h2o 2.2.5 leaves this to
         * the application). */
        int on = 1;
        setsockopt(h2o_socket_get_fd(sock), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        h2o_accept(&w->accept_ctx, sock);
    }
}

static void worker_init(worker *w, server *srv, unsigned id, int listen_fd)
{
    memset(w, 0, sizeof(*w));
    w->srv = srv;
    w->id = id;
    w->loop = h2o_evloop_create();
    h2o_context_init(&w->ctx, w->loop, &srv->config);
    w->accept_ctx.ctx = &w->ctx;
    w->accept_ctx.hosts = srv->config.hosts;
    w->listener = h2o_evloop_socket_create(w->loop, listen_fd, H2O_SOCKET_FLAG_DONT_READ);
    w->listener->data = w;
    h2o_socket_read_start(w->listener, on_accept);
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

static void worker_release(worker *w)
{
    if (w->store != NULL)
        store_release(w->store);
    if (w->web != NULL)
        static_site_release(w->web);
    w->store = NULL;
    w->web = NULL;
}

/* Stops accepting and lets requests in flight finish, for at most
 * DRAIN_MS. HTTP/2 clients get a GOAWAY from request_shutdown; HTTP/1.1
 * connections get "Connection: close" on their next response (h2o 2.2.5 has
 * no shutdown hook for HTTP/1: idle keep-alive connections are simply closed
 * when the process exits). */
static void worker_drain(worker *w)
{
    if (w->listener != NULL) {
        h2o_socket_read_stop(w->listener);
        h2o_socket_close(w->listener);
        w->listener = NULL;
    }
    h2o_context_request_shutdown(&w->ctx);
    uint64_t deadline = mono_ms() + DRAIN_MS;
    int quiet = 0;
    /* Two quiet passes: requests that already arrived on open connections
     * are read and answered before we go. */
    while (quiet < 2 && mono_ms() < deadline) {
        h2o_evloop_run(w->loop, w->inflight ? 10 : 0);
        quiet = w->inflight ? 0 : quiet + 1;
    }
    if (w->inflight)
        logf_("isla: shutdown: %llu requests still in flight after %d ms", (unsigned long long)w->inflight, DRAIN_MS);
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
    l->result = store_open(srv->opt->data_dir, srv->opt->verify, l->err, sizeof(l->err));
    if (l->result == NULL && l->err[0] == '\0')
        snprintf(l->err, sizeof(l->err), "unknown error");
    atomic_store_explicit(&l->done, true, memory_order_release);
    return NULL;
}

static void current_path(const server *srv, char *out, size_t n)
{
    snprintf(out, n, "%s/CURRENT", srv->opt->data_dir);
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
    atomic_store(&l->done, false);
    /* Signals stay with the loop thread. */
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

static void loader_finish(server *srv)
{
    loader *l = &srv->load;
    store_t *s = l->result;
    l->result = NULL;
    if (s == NULL) {
        if (srv->store != NULL) {
            logf_("isla: reload refused: %s; still serving generation %llu", l->err,
                  (unsigned long long)srv->store->generation);
        } else {
            logf_("isla: cannot open a generation in %s: %s; listening on %s without data "
                  "(retrying when CURRENT changes, or on SIGHUP)",
                  srv->opt->data_dir, l->err, srv->url);
            srv->have_failed_sb = l->have_current_sb;
            srv->failed_sb = l->current_sb;
        }
        return;
    }
    if (srv->store != NULL && s->generation == srv->store->generation && strcmp(s->path, srv->store->path) == 0) {
        logf_("isla: reload: generation %llu is already serving", (unsigned long long)s->generation);
        store_release(s);
        return;
    }
    uint64_t gen = s->generation, offers = s->n_offers;
    publish(srv, s, NULL, true, false);
    if (!srv->announced) {
        srv->announced = true;
        logf_("isla: serving generation %llu (%llu offers) on %s", (unsigned long long)gen, (unsigned long long)offers,
              srv->url);
    } else {
        logf_("isla: reloaded generation %llu (offers %llu)", (unsigned long long)gen, (unsigned long long)offers);
    }
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
            logf_("isla: no generation yet in %s; listening on %s, waiting for an import", srv->opt->data_dir,
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
    if (srv->opt->web_dir == NULL)
        return;
    char err[1024];
    static_site *web = static_site_load(srv->opt->web_dir, err, sizeof(err));
    if (web == NULL) {
        logf_("isla: web: %s; keeping the files loaded before", err);
        return;
    }
    publish(srv, NULL, web, false, true);
}

/* Everything that is not a request: signals, loads, polling. Runs on the
 * control thread between loop iterations. */
static void control_tick(server *srv)
{
    loader *l = &srv->load;
    if (g_hup) {
        g_hup = 0;
        srv->reload_wanted = true;
        reload_web(srv);
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

static void format_url(char *out, size_t n, const char *host, int port)
{
    if (strchr(host, ':') != NULL)
        snprintf(out, n, "http://[%s]:%d", host, port);
    else
        snprintf(out, n, "http://%s:%d", host, port);
}

int server_run(const server_options *opt)
{
    server *srv = &g_srv;
    worker *w = &g_worker;
    memset(srv, 0, sizeof(*srv));
    srv->opt = opt;
    srv->env.started_unix_ms = now_unix_ms();
    pthread_mutex_init(&srv->lock, NULL);
    atomic_init(&srv->seq, 1);
    atomic_init(&srv->load.done, false);
    if (getrandom(&srv->boot_id, sizeof(srv->boot_id), GRND_NONBLOCK) != sizeof(srv->boot_id))
        srv->boot_id = (uint32_t)getpid() ^ (uint32_t)time(NULL);
    g_stop = 0;
    g_hup = 0;
    install_signals();

    const char *host = opt->host != NULL ? opt->host : "0.0.0.0";
    /* Listen first: the port is open (connections queue) while the
     * generation loads. */
    char err[1024];
    int fd = open_listener(host, opt->port, err, sizeof(err));
    if (fd < 0) {
        logf_("isla: %s", err);
        return 1;
    }
    format_url(srv->url, sizeof(srv->url), host, bound_port(fd, opt->port));

    h2o_config_init(&srv->config);
    srv->config.server_name = h2o_iovec_init(H2O_STRLIT("isla"));
    srv->config.max_request_entity_size = MAX_ENTITY_BYTES;
    h2o_hostconf_t *hostconf = h2o_config_register_host(&srv->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pathconf = h2o_config_register_path(hostconf, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(pathconf, sizeof(*handler));
    handler->on_req = on_req;

    if (opt->web_dir != NULL) {
        static_site *web = static_site_load(opt->web_dir, err, sizeof(err));
        if (web == NULL)
            logf_("isla: web: %s; serving the API only", err);
        else
            publish(srv, NULL, web, false, true);
    }

    worker_init(w, srv, 0, fd);
    srv->reload_wanted = first_generation_ready(srv);
    control_tick(srv);
    worker_sync(w);

    while (!g_stop) {
        h2o_evloop_run(w->loop, LOOP_WAIT_MS);
        control_tick(srv);
        worker_sync(w);
    }

    logf_("isla: shutting down");
    worker_drain(w);
    if (srv->load.running) {
        /* A load in progress owns its result; wait for it, then drop it. */
        pthread_join(srv->load.thread, NULL);
        srv->load.running = false;
        if (srv->load.result != NULL)
            store_release(srv->load.result);
    }
    worker_release(w);
    publish(srv, NULL, NULL, true, true);
    /* The h2o context and loop are not disposed: h2o 2.2.5 cannot close
     * idle HTTP/1 connections from outside, and h2o_context_dispose asserts
     * on timers still linked after request_shutdown. The process exit closes
     * the sockets; g_worker keeps the memory reachable until then. */
    logf_("isla: stopped");
    return 0;
}
