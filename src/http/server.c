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
 * A request, in order: limits (414/431/413), CORS preflight, the route
 * (the table of api/route.h), rate limit (429) unless the route is exempt,
 * then the operator's endpoints (health/live, metrics, stats, stream,
 * admin), the API, or a static file. The API request is parsed once
 * (api_prepare); for a cacheable search its normalised key (api_call_key)
 * gives the ETag (304 without searching) and the cache entry (answer
 * without searching or compressing); a miss executes the prepared call and
 * stores the answer. Every response gets X-Request-Id and
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
 * at shutdown.
 *
 * This file: threads, listeners, connections, the worker loop, drain and
 * start-up. A request goes handler.c -> search.c / api_execute -> respond.c;
 * the operator's endpoints are in endpoints.c, the control thread's work in
 * control.c; state.h has the shared state, each file its own header. */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cluster/l2.h"
#include "cluster/ship.h"
#include "cluster/warm.h"
#include "cursor/cursor.h"
#include "dest/dest.h"
#include "http/control.h"
#include "http/endpoints.h"
#include "http/handler.h"
#include "http/headguard.h"
#include "http/conns.h"
#include "http/respond.h"
#include "http/state.h"
#include "jobs/runner.h"
#include "keys/keys.h"
#include "alert/alert.h"
#include "metrics/memory.h"
#include "util/compress.h"
#include "util/log.h"
#include "util/ratelimit.h"
#include "webclient/webclient.h"

#define LOOP_WAIT_MS 50          /* longest a worker waits before looking at its flags */
#define CONTROL_WAIT_MS 50       /* the control thread's tick */
#define FLIGHT_POLL_MS 1         /* how often a request waiting for another's flight looks */
#define ACCEPT_BURST 64          /* h2o_evloop_socket_accept takes one connection per call */

/* One per process: the signal handlers need it, and keeping the state
 * reachable from a global keeps leak checkers quiet about what h2o still
 * holds for idle connections at exit. */
static server g_srv;

static volatile sig_atomic_t g_stop;
volatile sig_atomic_t g_hup;

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


/* ---- listening and connections ------------------------------------------ */

/* share: SO_REUSEPORT, one listener per worker thread. Without it the bind
 * fails when anything listens on the port already, which is how start-up
 * tells a port in use: with SO_REUSEPORT a second isla (same user) would
 * bind too and the kernel would silently split the connections between the
 * two processes. */
static int open_listener(const char *host, int port, bool share, char *err, size_t errlen)
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
        if (share)
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
    uint64_t max = w->srv->cfg->max_connections;
    for (int i = 0; i < ACCEPT_BURST; i++) {
        if (metrics_connections() >= max) {
            /* Leave further connections in the kernel's queue until some
             * close; the worker's tick resumes accepting. */
            h2o_socket_read_stop(w->listener);
            w->paused = true;
            atomic_store(&w->srv->want_room, true);
            return;
        }
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL)
            return;
        /* Small responses must not wait for Nagle (h2o 2.2.5 leaves this to
         * the application). */
        int on = 1;
        setsockopt(h2o_socket_get_fd(sock), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
        http_conn_accept(w, sock); /* the per-address cap, then h2o */
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
    uint64_t now = clock_mono_ms();
    worker_sync(w);
    if (w->paused && metrics_connections() < w->srv->cfg->max_connections && w->listener != NULL) {
        w->paused = false;
        atomic_store(&w->srv->want_room, false);
        h2o_socket_read_start(w->listener, on_accept);
    } else if (w->paused) {
        atomic_store(&w->srv->want_room, true); /* another worker may have cleared it */
    }
    http_conns_tick(w, now);
    if (w->l2 != NULL)
        l2_tick(w->l2, now);
    http_streams_tick(w, now);
    http_waiters_tick(w, now, false);
    accesslog_flush(&w->log, now, false);
}

/* Stops accepting and lets requests in flight http_finish, for at most
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
    http_streams_close(w);
    http_waiters_tick(w, clock_mono_ms(), true);
    uint64_t deadline = clock_mono_ms() + w->srv->cfg->drain_timeout_ms;
    int quiet = 0;
    /* Two quiet passes: requests that already arrived on open connections
     * are read and answered before we go. */
    while (quiet < 2 && clock_mono_ms() < deadline) {
        h2o_evloop_run(w->loop, w->inflight ? 10 : 0);
        http_waiters_tick(w, clock_mono_ms(), true);
        quiet = w->inflight ? 0 : quiet + 1;
    }
    if (w->inflight)
        oplog("isla: shutdown: thread %u: %llu requests still in flight after %llu ms", w->id,
              (unsigned long long)w->inflight, (unsigned long long)w->srv->cfg->drain_timeout_ms);
    accesslog_flush(&w->log, clock_mono_ms(), true);
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
    h2o_timeout_init(w->loop, &w->flight_poll, FLIGHT_POLL_MS);
    if (l2_configured())
        w->l2 = l2_client_new(w->loop);
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

static const char *redis_status(void)
{
    return l2_degraded() ? "degraded" : "ok";
}

static void on_follow_published(void *arg, uint64_t generation)
{
    (void)generation;
    server *srv = arg;
    atomic_fetch_add(&srv->follow_published, 1);
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
    buf_free(&w->l2key);
    buf_free(&w->l2buf);
    buf_free(&w->stats);
    buf_free(&w->log.buf);
}

/* ---- background jobs' view of the server -------------------------------- */

/* An import job published a generation: load it as an admin reload would
 * (the control thread picks the request up on its next tick). */
static void on_job_published(void *ud, uint64_t generation)
{
    server *srv = ud;
    (void)generation;
    atomic_fetch_add(&srv->reload_requested, 1);
}

/* The serving generation for an export job, retained. */
/* The export jobs' search: the API's bestOffersByHotel, uncached. */
static int export_search(store_t *s, const char *qs, size_t n, buf_t *body)
{
    api_request r = {.method = "GET", .method_len = 3, .path = "/api/bestOffersByHotel", .path_len = 22,
                     .query = qs, .query_len = n};
    api_response res;
    api_handle(s, NULL, &r, &res);
    *body = res.body;
    return res.status;
}

static store_t *lend_store(void *ud)
{
    server *srv = ud;
    pthread_mutex_lock(&srv->lock);
    store_t *s = srv->store;
    if (s != NULL)
        store_retain(s);
    pthread_mutex_unlock(&srv->lock);
    return s;
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
    srv->env.started_unix_ms = clock_unix_ms();
    pthread_mutex_init(&srv->lock, NULL);
    atomic_init(&srv->seq, 1);
    atomic_init(&srv->load.done, false);
    srv->load.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    atomic_init(&srv->stopping, false);
    if (getrandom(&srv->boot_id, sizeof(srv->boot_id), GRND_NONBLOCK) != sizeof(srv->boot_id))
        srv->boot_id = (uint32_t)getpid() ^ (uint32_t)time(NULL);
    srv->n_workers = cfg->threads > 0 ? (unsigned)cfg->threads : default_threads();
    g_stop = 0;
    g_hup = 0;
    install_signals();

    char err[1024];
    if (!http_headguard_init()) {
        oplog("isla: cannot find the HTTP/1 parser of libh2o-evloop (phr_parse_request)");
        return 1;
    }
    if (cfg->cursor_key != NULL)
        cursor_key_set(cfg->cursor_key, strlen(cfg->cursor_key)); /* length checked by config_load */
    /* before any thread starts: the table is read-only once serving */
    if (cfg->destination_names != NULL && dest_load_file(cfg->destination_names, err, sizeof(err)) != 0) {
        fprintf(stderr, "isla serve: --destination-names: %s\n", err);
        return 2;
    }
    if (cfg->tls_cert != NULL && (srv->ssl = tls_setup(cfg)) == NULL)
        return 2;
    keys_tiers tiers;
    if (!keys_parse_tiers(cfg->tiers, &tiers, err, sizeof(err))) {
        fprintf(stderr, "isla serve: --tiers: %s\n", err);
        return 2;
    }
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
    if (port != 0) { /* is the port free? (see open_listener) */
        int probe = open_listener(cfg->host, port, false, err, sizeof(err));
        if (probe < 0) {
            oplog("isla: %s", err);
            return 1;
        }
        close(probe);
    }
    for (unsigned i = 0; i < srv->n_workers; i++) {
        int fd = open_listener(cfg->host, port, true, err, sizeof(err));
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
    if (cfg->redis_url != NULL) {
        l2_options lo = {
            .timeout_ms = cfg->redis_timeout_ms,
            .ttl_s = (cfg->redis_ttl_ms + 999) / 1000,
            .max_entry = cfg->redis_max_entry,
            .breaker_threshold = (unsigned)cfg->redis_breaker,
            .breaker_cooldown_ms = cfg->redis_breaker_cooldown_ms,
        };
        if (!redis_url_parse(cfg->redis_url, &lo.url, err, sizeof(err))) {
            fprintf(stderr, "isla serve: --redis: %s\n", err);
            return 2;
        }
        l2_global_init(&lo, srv->n_workers);
        oplog("isla: redis: shared cache at %s (timeout %llu ms, ttl %llu s)", l2_describe(),
              (unsigned long long)lo.timeout_ms, (unsigned long long)lo.ttl_s);
    }
    compress_init(cfg->gzip, (int)cfg->gzip_level, cfg->brotli, (int)cfg->brotli_quality, cfg->compress_min);
    ratelimit_init(cfg->rate_per_s, cfg->rate_burst, cfg->rate_clients);
    http_conns_init(srv);
    char host[256];
    if (gethostname(host, sizeof(host)) != 0)
        snprintf(host, sizeof(host), "localhost");
    host[sizeof(host) - 1] = '\0';
    char instance[300];
    snprintf(instance, sizeof(instance), "%.200s:%d", host, port);
    alert_start(cfg->alert_webhook, cfg->alert_cooldown_ms, instance);
    srv->env.data_dir = cfg->data_dir;
    if (!keys_runtime_start(cfg->data_dir, &tiers, err, sizeof(err))) {
        oplog("isla: keys: %s; every API key is refused%s", err,
              cfg->require_key ? ", and so is every request (--require-key)" : "");
    }
    if (cfg->jobs) {
        webclient_init();
        jobs_config jc = {
            .data_dir = cfg->data_dir,
            .lease_ms = cfg->job_lease_ms,
            .backoff_base_ms = cfg->job_backoff_ms,
            .backoff_cap_ms = cfg->job_backoff_max_ms,
            .webhook_backoff_ms = cfg->webhook_backoff_ms,
            .retention_ms = cfg->job_retention_ms,
            .import_attempts = (uint32_t)cfg->import_attempts,
            .export_attempts = (uint32_t)cfg->import_attempts,
            .webhook_attempts = (uint32_t)cfg->webhook_attempts,
            .schedule_at = cfg->import_schedule,
            .schedule_offers = cfg->import_offers,
            .schedule_hotels = cfg->import_hotels,
            .published = on_job_published,
            .acquire_store = lend_store,
            .search = export_search,
            .ud = srv,
        };
        if (!jobs_start(&jc, err, sizeof(err)))
            oplog("isla: jobs: %s; background jobs are off", err);
        else
            alert_set_sink(jobs_submit_webhook);
    }
    memory_sample(clock_mono_ms());

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
    handler->on_req = http_on_req;

    if (cfg->web_dir != NULL) {
        static_site *web = static_site_load(cfg->web_dir, err, sizeof(err));
        if (web == NULL)
            oplog("isla: web: %s; serving the API only", err);
        else
            http_publish(srv, NULL, web, false, true);
    }

    if (cfg->redis_url != NULL)
        srv->env.redis_status = redis_status;
    if (cfg->follow_url != NULL) {
        ship_options so = {
            .url = cfg->follow_url,
            .token = cfg->follow_token != NULL ? cfg->follow_token : cfg->admin_token,
            .data_dir = cfg->data_dir,
            .interval_ms = cfg->follow_interval_ms,
            .published = on_follow_published,
            .arg = srv,
        };
        srv->env.follow_status = ship_follow_status;
        oplog("isla: follow: replica of %s (polling every %llu ms)", cfg->follow_url,
              (unsigned long long)cfg->follow_interval_ms);
        if (!ship_follow_start(&so))
            oplog("isla: follow: cannot start the follower thread");
    }

    srv->reload_wanted = http_first_generation_ready(srv);
    http_control_tick(srv);

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
        h2o_linklist_init_anchor(&w->conns);
        atomic_init(&w->drained, false);
        w->started = pthread_create(&w->thread, NULL, worker_main, w) == 0;
        if (!w->started) {
            oplog("isla: cannot start serving thread %u", i);
            g_stop = 1;
            break;
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    uint64_t next_second = clock_mono_ms() + 1000;
    uint64_t next_memlog = clock_mono_ms() + cfg->memory_log_ms;
    while (!g_stop) {
        /* a signal, or the loader finishing, ends the wait early: a
         * generation is published as soon as it is open and verified */
        if (srv->load.wake_fd >= 0) {
            struct pollfd pfd = {.fd = srv->load.wake_fd, .events = POLLIN};
            uint64_t n;
            if (poll(&pfd, 1, CONTROL_WAIT_MS) > 0 && read(srv->load.wake_fd, &n, sizeof n) < 0) {
                /* drained or nothing to drain: the tick below looks anyway */
            }
        } else {
            struct timespec ts = {0, CONTROL_WAIT_MS * 1000000L};
            nanosleep(&ts, NULL);
        }
        http_control_tick(srv);
        uint64_t now = clock_mono_ms();
        if (now >= next_second) {
            next_second += 1000;
            if (next_second <= now)
                next_second = now + 1000;
            http_second_tick(srv, now, &next_memlog);
        }
    }

    oplog("isla: shutting down");
    ship_follow_stop();
    warm_stop();
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
    if (srv->load.wake_fd >= 0)
        close(srv->load.wake_fd);
    for (unsigned i = 0; i < srv->n_workers; i++)
        worker_release(&srv->workers[i]);
    alert_set_sink(NULL);
    jobs_stop(5000);
    if (cfg->jobs && !jobs_on())
        webclient_cleanup();
    keys_runtime_stop();
    http_publish(srv, NULL, NULL, true, true);
    free(srv->manifest);
    srv->manifest = NULL;
    alert_stop(2000);
    accesslog_close();
    oplog("isla: stopped");
    return 0;
}
