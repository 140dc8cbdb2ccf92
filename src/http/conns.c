/* Connections: who may connect, how much of the server's memory their
 * answers may hold, and when a connection is cut.
 *
 * Why isla does this itself: h2o 2.2.5 keeps an HTTP/2 response queued for
 * as long as the client's flow-control window stays shut, with no bound of
 * its own, and re-arms its idle timer on every frame read, PING included;
 * so a client that opens 100 streams per connection, never opens its window
 * and sends a PING now and then holds 100 full answers per connection for
 * ever. isla makes the answers (zero-copy: h2o holds pointers into the
 * request's state), so it knows what each response holds:
 *
 *  - Budgets. A response counts its bytes (body, compressed copy, cache
 *    entry it pins) from http_finish until h2o frees its request. A new
 *    request is answered 503 (Retry-After: 1) while its connection holds
 *    --max-buffered-per-connection or all connections --max-buffered.
 *    Probes and scrapes (RF_UNLIMITED) are exempt, their answers are
 *    small. A request is admitted below the budget and then adds its
 *    answer, so a connection holds at most its budget plus one answer, and
 *    the process at most --max-buffered plus one answer per thread.
 *  - Stalls. Every second each worker looks at what its connections hold.
 *    HTTP/2: a stream whose queued bytes did not shrink for --send-timeout
 *    is reset (RST_STREAM CANCEL), which frees its answer; if the reset
 *    cannot even be written (the client reads nothing at all) for another
 *    --send-timeout, the connection is closed. HTTP/1.1: a
 *    connection whose peer acknowledged no byte (TCP_INFO) for
 *    --send-timeout while an answer is in flight is closed (HTTP/1.1 has
 *    one answer in flight per connection: h2o does not read the next
 *    pipelined request before the answer is written).
 *  - Idleness. An HTTP/2 connection with no request in flight for
 *    --idle-timeout is closed whatever frames (PINGs) it still sends.
 *  - Addresses. At most --max-connections-per-address connections per
 *    client IP; one over it gets a short 503 and is closed at accept.
 *    Trusted proxies (they carry many clients) and --connection-cap-exempt
 *    (default: loopback, i.e. a proxy or load tool on the same host) are
 *    not capped.
 *  - Room. When --max-connections is reached, a worker that stopped
 *    accepting asks every worker to close its longest-idle connection (no
 *    request in flight, idle >= EVICT_IDLE_MS), so a new client, such as a
 *    health check, is served instead of waiting behind idle sockets.
 *
 * Closing from outside: h2o 2.2.5 has no call to close a connection it
 * owns, so a connection is cut with shutdown(2) (after SO_LINGER 0, so the
 * kernel drops what is queued): h2o then sees the end of the stream or a
 * failed write and closes it through its own path, freeing its requests. */
#include "http/conns.h"

#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <h2o/http2.h>
#include <h2o/http2_internal.h>

#include "conncount/conncount.h"
#include "util/log.h"

#define WATCH_MS 250             /* how often a worker looks at its connections */
#define EVICT_IDLE_MS 500        /* the least idle time of a connection closed to make room */

static server *g_srv_of_conns;

void http_conns_init(server *srv)
{
    g_srv_of_conns = srv;
    conncount_init(srv->cfg->max_conn_per_address);
}

/* ---- closing from outside ----------------------------------------------- */

static void kill_conn(conn_state *cs)
{
    if (cs->killed || cs->sock == NULL)
        return;
    cs->killed = true;
    int fd = h2o_socket_get_fd(cs->sock);
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    shutdown(fd, SHUT_RDWR);
    atomic_fetch_add(&cs->w->srv->killing, 1);
}

static void unref(conn_state *cs)
{
    if (--cs->refs == 0) {
        h2o_linklist_unlink(&cs->link);
        free(cs);
    }
}

static void touch(conn_state *cs, uint64_t now)
{
    cs->last_active_ms = now;
    /* Most recently active last: the longest idle is found from the head. */
    h2o_linklist_unlink(&cs->link);
    h2o_linklist_insert(&cs->w->conns, &cs->link);
}

/* ---- accept and close --------------------------------------------------- */

static void on_sock_close(void *data)
{
    conn_state *cs = data;
    metrics_conn_close();
    if (cs->addr_counted)
        conncount_release(&cs->addr);
    if (cs->killed)
        atomic_fetch_sub(&cs->w->srv->killing, 1);
    cs->sock = NULL;
    unref(cs);
}

static void refuse_address(h2o_socket_t *sock)
{
    static const char msg[] =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
        "Connection: close\r\nContent-Length: 105\r\n\r\n"
        "{\"error\":{\"code\":\"too_many_connections\",\"message\":\"too many connections from your address\","
        "\"param\":null}}";
    _Static_assert(sizeof("{\"error\":{\"code\":\"too_many_connections\",\"message\":\"too many connections from "
                          "your address\",\"param\":null}}") - 1 == 105, "Content-Length of the refusal");
    /* Best effort, one write on a fresh socket: the kernel buffer takes it. */
    ssize_t r = write(h2o_socket_get_fd(sock), msg, sizeof(msg) - 1);
    (void)r;
    h2o_socket_close(sock);
}

void http_conn_accept(worker *w, h2o_socket_t *sock)
{
    server *srv = w->srv;
    struct sockaddr_storage ss;
    socklen_t len = h2o_socket_getpeername(sock, (struct sockaddr *)&ss);
    netaddr addr;
    memset(&addr, 0, sizeof(addr));
    bool have_addr = len > 0 && netaddr_from_sockaddr((struct sockaddr *)&ss, &addr);
    bool counted = false;
    if (have_addr && !netaddr_list_has(&srv->cfg->trusted_proxies, &addr) &&
        !netaddr_list_has(&srv->cfg->cap_exempt, &addr)) {
        if (!conncount_acquire(&addr)) {
            atomic_fetch_add(&srv->refused_address, 1);
            refuse_address(sock);
            return;
        }
        counted = true;
    }
    conn_state *cs = calloc(1, sizeof(*cs));
    if (cs == NULL) {
        if (counted)
            conncount_release(&addr);
        h2o_socket_close(sock);
        return;
    }
    cs->w = w;
    cs->sock = sock;
    cs->addr = addr;
    cs->addr_counted = counted;
    cs->refs = 1;
    h2o_linklist_init_anchor(&cs->held_reqs);
    uint64_t now = clock_mono_ms();
    cs->last_active_ms = now;
    cs->progress_ms = now;
    h2o_linklist_insert(&w->conns, &cs->link);
    metrics_conn_open();
    sock->on_close.cb = on_sock_close;
    sock->on_close.data = cs;
    h2o_accept(&w->accept_ctx, sock);
}

/* ---- requests ----------------------------------------------------------- */

void http_conn_attach(worker *w, h2o_req_t *req, req_state *st)
{
    (void)w;
    st->req = req;
    h2o_socket_t *sock = req->conn->callbacks->get_socket != NULL ? req->conn->callbacks->get_socket(req->conn) : NULL;
    if (sock == NULL || sock->on_close.cb != on_sock_close)
        return;
    conn_state *cs = sock->on_close.data;
    st->conn = cs;
    cs->refs++;
    cs->active++;
    if (req->version >= 0x200)
        cs->is_h2 = true;
    touch(cs, clock_mono_ms());
}

bool http_conn_admit(worker *w, req_state *st)
{
    const server_config *cfg = w->srv->cfg;
    bool over = atomic_load_explicit(&w->srv->held, memory_order_relaxed) >= cfg->max_buffered ||
                (st->conn != NULL && st->conn->held >= cfg->max_buffered_per_conn);
    if (over)
        atomic_fetch_add(&w->srv->refused_busy, 1);
    return !over;
}

void http_conn_hold(req_state *st, uint64_t bytes)
{
    conn_state *cs = st->conn;
    if (cs == NULL || bytes == 0 || st->held != 0)
        return;
    st->held = bytes;
    st->last_pending = SIZE_MAX;
    st->progress_ms = clock_mono_ms();
    cs->held += bytes;
    atomic_fetch_add_explicit(&cs->w->srv->held, bytes, memory_order_relaxed);
    h2o_linklist_insert(&cs->held_reqs, &st->held_link);
}

void http_conn_detach(req_state *st)
{
    conn_state *cs = st->conn;
    if (cs == NULL)
        return;
    if (st->held != 0) {
        cs->held -= st->held;
        atomic_fetch_sub_explicit(&cs->w->srv->held, st->held, memory_order_relaxed);
        h2o_linklist_unlink(&st->held_link);
        st->held = 0;
    }
    cs->active--;
    touch(cs, clock_mono_ms());
    st->conn = NULL;
    unref(cs);
}

/* ---- the watch ---------------------------------------------------------- */

/* Milliseconds from then to now. `now` is taken once per tick, and what the
 * tick itself does (a reset frees a request, touch() stamps its connection)
 * stamps later times: those are no time ago, not 2^64 ms. */
static uint64_t since(uint64_t now, uint64_t then)
{
    return now > then ? now - then : 0;
}

/* Bytes of an HTTP/2 response h2o has not framed yet (its queue while the
 * window is shut). */
static size_t h2_pending(h2o_req_t *req)
{
    h2o_http2_stream_t *stream = H2O_STRUCT_FROM_MEMBER(h2o_http2_stream_t, req, req);
    size_t n = 0;
    for (size_t i = 0; i < stream->_data.size; i++)
        n += stream->_data.entries[i].len;
    return n;
}

/* As h2o does for a stream error of its own: RST_STREAM, then reset. */
static bool h2_reset(req_state *st)
{
    h2o_req_t *req = st->req;
    h2o_http2_conn_t *conn = (h2o_http2_conn_t *)req->conn;
    h2o_http2_stream_t *stream = H2O_STRUCT_FROM_MEMBER(h2o_http2_stream_t, req, req);
    if (conn->state >= H2O_HTTP2_CONN_STATE_IS_CLOSING)
        return false;
    st->reset_sent = true;
    st->progress_ms = clock_mono_ms();
    h2o_http2_encode_rst_stream_frame(&conn->_write.buf, stream->stream_id, -H2O_HTTP2_ERROR_CANCEL);
    h2o_http2_conn_request_write(conn);
    h2o_http2_stream_reset(conn, stream);
    return true;
}

static uint64_t tcp_acked(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return 0;
    return ti.tcpi_bytes_acked;
}

/* HTTP/2: resets streams that made no progress. Returns true if it reset
 * one (the lists may have changed: the caller starts over). */
static bool watch_h2(conn_state *cs, uint64_t now, uint64_t timeout)
{
    for (h2o_linklist_t *n = cs->held_reqs.next; n != &cs->held_reqs; n = n->next) {
        req_state *st = H2O_STRUCT_FROM_MEMBER(req_state, held_link, n);
        if (st->req == NULL)
            continue;
        if (st->reset_sent) {
            /* h2o frees a reset stream once its connection's pending
             * write completes; a client that takes no byte at all never
             * lets it: then the connection goes. */
            if (since(now, st->progress_ms) >= timeout)
                kill_conn(cs);
            continue;
        }
        size_t pending = h2_pending(st->req);
        if (pending < st->last_pending) {
            st->last_pending = pending;
            st->progress_ms = now;
        } else if (since(now, st->progress_ms) >= timeout) {
            atomic_fetch_add(&cs->w->srv->stalled, 1);
            if (h2_reset(st))
                return true;
        }
    }
    return false;
}

static void watch_h1(conn_state *cs, uint64_t now, uint64_t timeout)
{
    uint64_t acked = tcp_acked(h2o_socket_get_fd(cs->sock));
    if (acked != cs->acked) {
        cs->acked = acked;
        cs->progress_ms = now;
    } else if (since(now, cs->progress_ms) >= timeout) {
        atomic_fetch_add(&cs->w->srv->stalled, 1);
        kill_conn(cs);
    }
}

/* Closes this worker's longest-idle connection, if one is idle enough. */
static void make_room(worker *w, uint64_t now)
{
    server *srv = w->srv;
    uint64_t open = metrics_connections(), killing = atomic_load(&srv->killing);
    if (open < killing || open - killing < srv->cfg->max_connections)
        return;
    for (h2o_linklist_t *n = w->conns.next; n != &w->conns; n = n->next) {
        conn_state *cs = H2O_STRUCT_FROM_MEMBER(conn_state, link, n);
        if (since(now, cs->last_active_ms) < EVICT_IDLE_MS)
            return; /* the list is in order of activity: the rest are younger */
        if (cs->active == 0 && !cs->killed && cs->sock != NULL) {
            atomic_fetch_add(&srv->evicted, 1);
            kill_conn(cs);
            return;
        }
    }
}

void http_conns_tick(worker *w, uint64_t now)
{
    server *srv = w->srv;
    if (atomic_load_explicit(&srv->want_room, memory_order_relaxed))
        make_room(w, now);
    if (now < w->next_watch_ms)
        return;
    w->next_watch_ms = now + WATCH_MS;
    uint64_t timeout = srv->cfg->send_timeout_ms, idle = srv->cfg->idle_timeout_ms;
    h2o_linklist_t *n = w->conns.next;
    while (n != &w->conns) {
        conn_state *cs = H2O_STRUCT_FROM_MEMBER(conn_state, link, n);
        n = n->next;
        if (cs->killed || cs->sock == NULL)
            continue;
        if (cs->is_h2) {
            if (cs->active == 0 && since(now, cs->last_active_ms) >= idle) {
                atomic_fetch_add(&srv->idle_closed, 1);
                kill_conn(cs);
                continue;
            }
            /* A reset may free requests of this connection, and even close
             * it (touch() then moves it to the tail, after `n`, which
             * nothing here can free): hold a reference and look again. */
            cs->refs++;
            for (int i = 0; i < 128 && cs->sock != NULL && watch_h2(cs, now, timeout); i++)
                ;
            unref(cs);
        } else if (!h2o_linklist_is_empty(&cs->held_reqs)) {
            watch_h1(cs, now, timeout);
        } else {
            cs->acked = 0;
            cs->progress_ms = now;
        }
    }
}
