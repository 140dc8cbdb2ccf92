/* The operator's endpoints: /api/health/live, /metrics, /api/stats, the
 * /api/stats/stream server-sent events, and POST /api/admin/reload.
 *
 * The stream sends an event per --stream-interval from the worker's tick,
 * skipping a client whose previous event is still being written: a slow
 * reader costs one buffer, never a growing queue. An admin reload is
 * answered when the load it asked for has finished (tickets: each request
 * takes a number, the control thread publishes the number its load
 * covered), after ADMIN_WAIT_MS with 202, or with 503 at shutdown. */
#include "http/endpoints.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "http/generations.h"
#include "http/respond.h"
#include "jobs/runner.h"
#include "ops/ops.h"
#include "util/compress.h"
#include "util/log.h"

#define ADMIN_WAIT_MS 60000      /* an admin reload answers 202 if the load takes longer */
#define HEARTBEAT_MS 15000       /* stats stream comment when nothing else was sent */

/* ---- the operator's endpoints ------------------------------------------- */

static void fill_view(server *srv, ops_view *v, const store_t *s)
{
    memset(v, 0, sizeof(*v));
    v->started_unix_ms = srv->env.started_unix_ms;
    v->now_unix_ms = clock_unix_ms();
    v->store = s;
    v->reloads_ok = atomic_load(&srv->reloads_ok);
    v->reloads_failed = atomic_load(&srv->reloads_failed);
    v->last_reload_unix_ms = atomic_load(&srv->last_reload_unix_ms);
    v->streams = atomic_load(&srv->streams);
    v->threads = srv->n_workers;
    v->max_connections = srv->cfg->max_connections;
    v->buffered_bytes = atomic_load(&srv->held);
    v->refused_busy = atomic_load(&srv->refused_busy);
    v->refused_address = atomic_load(&srv->refused_address);
    v->stalled = atomic_load(&srv->stalled);
    v->idle_closed = atomic_load(&srv->idle_closed);
    v->evicted = atomic_load(&srv->evicted);
}

static bool http_only_get(worker *w, h2o_req_t *req, req_state *st, bool get)
{
    if (get)
        return true;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET, HEAD, OPTIONS"));
    http_send_error(w, req, st, 405, "method_not_allowed", "use GET");
    return false;
}

static void send_owned_json(worker *w, h2o_req_t *req, req_state *st, int status, const char *ctype)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype, strlen(ctype));
    CACHE_CONTROL_LIT(req, "no-store");
    cache_encoding enc = http_negotiate(req, ctype, st->res.body.len, false);
    if (enc != CACHE_IDENTITY && (st->zbody = compress_body(enc, st->res.body.data, st->res.body.len, false)) != NULL) {
        http_finish(w, req, st, status, st->zbody->data, st->zbody->len, enc);
        return;
    }
    http_finish(w, req, st, status, st->res.body.data, st->res.body.len, CACHE_IDENTITY);
}

static void http_handle_metrics(worker *w, h2o_req_t *req, req_state *st)
{
    ops_view v;
    fill_view(w->srv, &v, w->store);
    st->has_res = true;
    ops_render_prometheus(&st->res.body, &v);
    send_owned_json(w, req, st, 200, "text/plain; version=0.0.4; charset=utf-8");
}

static void http_handle_stats(worker *w, h2o_req_t *req, req_state *st)
{
    ops_view v;
    fill_view(w->srv, &v, w->store);
    st->has_res = true;
    ops_render_stats(&st->res.body, &v);
    send_owned_json(w, req, st, 200, "application/json");
}

static void http_handle_live(worker *w, h2o_req_t *req, req_state *st)
{
    st->has_res = true;
    buf_printf(&st->res.body, "{\"status\":\"live\",\"uptime\":%.3f,\"ready\":%s}",
               (double)(clock_unix_ms() - w->srv->env.started_unix_ms) / 1000.0, w->store != NULL ? "true" : "false");
    send_owned_json(w, req, st, 200, "application/json");
}

/* -- the stats stream -- */

void http_stream_send(req_state *st, const char *data, size_t len, bool final)
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
        http_stream_send(st, H2O_STRLIT("event: shutdown\ndata: {}\n\n"), true);
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

static void http_handle_stream(worker *w, h2o_req_t *req, req_state *st)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("text/event-stream"));
    CACHE_CONTROL_LIT(req, "no-store");
    /* nginx must pass events through as they come. */
    ADD_HEADER_LIT(req, "x-accel-buffering", "no");
    uint64_t t1 = clock_mono_ns();
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
    http_log_request(w, req, st, 200, 0, (double)(t1 - st->t0) / 1e6, CACHE_IDENTITY);
    st->counted_stream = true;
    atomic_fetch_add(&w->srv->streams, 1);
    if (st->head) {
        http_stream_send(st, "", 0, true);
        return;
    }
    h2o_linklist_insert(&w->streams, &st->link);
    buf_t first = {0};
    BUF_LIT(&first, "retry: 3000\n\n");
    if (st->route == ROUTE_JOBS_STREAM) {
        /* Job events: from the client's Last-Event-ID (a reconnect misses
         * nothing still in the ring), else from now. */
        st->jobs_stream = true;
        st->ev_seq = jobs_events_last();
        ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("last-event-id"), -1);
        if (i >= 0) {
            h2o_iovec_t v = req->headers.entries[i].value;
            char tmp[24];
            snprintf(tmp, sizeof tmp, "%.*s", (int)(v.len < 20 ? v.len : 20), v.base);
            char *e;
            unsigned long long id = strtoull(tmp, &e, 10);
            if (*e == '\0' && e != tmp && id <= st->ev_seq)
                st->ev_seq = id;
        }
        BUF_LIT(&first, ": job events\n\n");
        st->ev_seq = jobs_events_since(st->ev_seq, &first);
    } else {
        render_stream_event(w, &w->stats);
        buf_put(&first, w->stats.data, w->stats.len);
    }
    http_stream_send(st, first.data, first.len, false);
    buf_free(&first);
}

/* Once per interval: an event to every client that has taken the last one. */
void http_streams_tick(worker *w, uint64_t now)
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
    buf_t ev = {0};
    while (node != &w->streams) {
        h2o_linklist_t *next = node->next;
        req_state *st = H2O_STRUCT_FROM_MEMBER(req_state, link, node);
        if (!st->sending && !st->done) {
            if (st->jobs_stream) {
                ev.len = 0;
                if (heartbeat)
                    BUF_LIT(&ev, ": heartbeat\n\n");
                st->ev_seq = jobs_events_since(st->ev_seq, &ev);
                if (ev.len)
                    http_stream_send(st, ev.data, ev.len, false);
            } else {
                http_stream_send(st, w->stats.data, w->stats.len, false);
            }
        }
        node = next;
    }
    buf_free(&ev);
}

/* At shutdown: a last event to every stream (or as soon as the one being
 * written is taken), after which the response is complete. */
void http_streams_close(worker *w)
{
    h2o_linklist_t *node = w->streams.next;
    while (node != &w->streams) {
        h2o_linklist_t *next = node->next;
        req_state *st = H2O_STRUCT_FROM_MEMBER(req_state, link, node);
        st->closing = true;
        if (!st->sending && !st->done)
            http_stream_send(st, H2O_STRLIT("event: shutdown\ndata: {}\n\n"), true);
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

/* The admin token check of every admin endpoint: answers 403/401 itself
 * and returns false when the request does not carry the token. */
bool http_admin_authorized(worker *w, h2o_req_t *req, req_state *st)
{
    const char *token = w->srv->cfg->admin_token;
    if (token == NULL) {
        http_send_error(w, req, st, 403, "admin_disabled", "the admin API is off: start the server with --admin-token");
        return false;
    }
    h2o_iovec_t auth = http_find_header(req, H2O_TOKEN_AUTHORIZATION);
    if (auth.base == NULL || auth.len < 7 || strncasecmp(auth.base, "Bearer ", 7) != 0) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"isla admin\""));
        http_send_error(w, req, st, 401, "unauthorized", "send Authorization: Bearer <admin token>");
        return false;
    }
    const char *given = auth.base + 7;
    size_t given_len = auth.len - 7;
    while (given_len > 0 && *given == ' ')
        given++, given_len--;
    if (!token_equal(given, given_len, token, strlen(token))) {
        char client[64];
        netaddr a = http_client_addr(w, req);
        netaddr_format(&a, client);
        oplog("isla: admin: wrong token from %s", client);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_WWW_AUTHENTICATE, NULL,
                       H2O_STRLIT("Bearer realm=\"isla admin\", error=\"invalid_token\""));
        http_send_error(w, req, st, 403, "forbidden", "wrong admin token");
        return false;
    }
    return true;
}

static void http_handle_admin_reload(worker *w, h2o_req_t *req, req_state *st, h2o_iovec_t method)
{
    server *srv = w->srv;
    if (!IOV_IS(method, "POST")) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("POST, OPTIONS"));
        http_send_error(w, req, st, 405, "method_not_allowed", "use POST");
        return;
    }
    if (!http_admin_authorized(w, req, st))
        return;
    /* Ask the control thread for a load; answer when it is done. */
    st->ticket = atomic_fetch_add(&srv->reload_requested, 1) + 1;
    st->deadline_ms = clock_mono_ms() + ADMIN_WAIT_MS;
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

void http_waiters_tick(worker *w, uint64_t now, bool stopping)
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

/* The routes the table (api/route.h) marks RF_HTTP, by id: they need the
 * server's state, so they are answered here rather than by src/api. */
void http_serve_endpoint(worker *w, h2o_req_t *req, req_state *st, bool get)
{
    if (st->route == ROUTE_ADMIN) {
        http_handle_admin_reload(w, req, st, req->method);
        return;
    }
    if (!http_only_get(w, req, st, get))
        return;
    if (st->route == ROUTE_GENERATIONS) {
        h2o_iovec_t t = req->path;
        const char *q = memchr(t.base, '?', t.len);
        http_handle_generations(w, req, st, t.base, q != NULL ? (size_t)(q - t.base) : t.len, get);
        return;
    }
    switch (st->route) {
    case ROUTE_JOBS_STREAM:
        if (!jobs_on()) {
            http_send_error(w, req, st, 503, "jobs_disabled", "this server runs no job queue");
            break;
        }
        http_handle_stream(w, req, st);
        break;
    case ROUTE_HEALTH: /* /api/health/live */
        http_handle_live(w, req, st);
        break;
    case ROUTE_METRICS:
        http_handle_metrics(w, req, st);
        break;
    case ROUTE_STATS:
        http_handle_stats(w, req, st);
        break;
    case ROUTE_STATS_STREAM:
        http_handle_stream(w, req, st);
        break;
    default:
        http_send_error(w, req, st, 404, "not_found", "no such endpoint");
        break;
    }
}
