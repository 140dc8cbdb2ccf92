/* The Redis L2 client on h2o's event loop: the hiredis adapter, lookups
 * with deadlines, fire-and-forget stores, reconnects with backoff and the
 * circuit breaker. See l2.h.
 *
 * This is the one file of src/cluster that touches h2o, and only its event
 * loop (sockets and timers), never HTTP. */
#include "cluster/l2.h"

#include <errno.h>
#include <h2o.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/clock.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define WRITE_POLL_MS 1

static l2_options g_opt;
static bool g_configured;
static char g_desc[600];

static struct {
    _Atomic uint64_t hits, misses, errors, timeouts, skipped;
    _Atomic uint64_t stores, store_errors, too_large;
    _Atomic uint64_t latency_us_sum, latency_count;
    _Atomic uint64_t breaker_opened, breaker_closed;
    _Atomic uint64_t connects, disconnects;
    _Atomic uint64_t clients, connected, breakers_open;
    _Atomic uint64_t sf_waits;
} g_stats;

#define INC(c) atomic_fetch_add_explicit(&g_stats.c, 1, memory_order_relaxed)
#define DEC(c) atomic_fetch_sub_explicit(&g_stats.c, 1, memory_order_relaxed)

typedef enum { CONN_DOWN, CONN_CONNECTING, CONN_READY } conn_state;

/* The adapter: what hiredis' ev hooks act on, one per connection. */
typedef struct {
    l2_client *c;
    redisAsyncContext *ac;
    h2o_socket_t *sock;       /* on a dup of hiredis' fd, so each side closes its own */
    bool reading, want_write;
    h2o_timeout_entry_t write_timer;
} adapter;

struct l2_client {
    h2o_evloop_t *loop;
    redisAsyncContext *ac;
    conn_state state;
    uint64_t backoff_ms, next_attempt_ms;
    bool said_down;           /* the "unreachable" line was logged */
    breaker br;
    bool br_counted_open;     /* counted in breakers_open */
    bool probing;             /* a PING probe is out */
    unsigned setup_pending;   /* AUTH/SELECT replies still to come */
    h2o_timeout_t cmd_timeout, zero_timeout, poll_timeout;
};

struct l2_op {
    l2_client *c;
    bool probe;               /* the breaker's PING: not a lookup */
    l2_get_cb cb;             /* NULL once answered, timed out or cancelled */
    void *data;
    uint64_t t0_us;
    h2o_timeout_entry_t timer;
};

/* ---- setup and counters ------------------------------------------------- */

void l2_global_init(const l2_options *o, unsigned n_clients)
{
    g_opt = *o;
    g_configured = true;
    redis_url_describe(&o->url, g_desc, sizeof g_desc);
    atomic_store(&g_stats.clients, n_clients);
}

bool l2_configured(void)
{
    return g_configured;
}

const char *l2_describe(void)
{
    return g_desc;
}

void l2_count_singleflight_wait(void)
{
    INC(sf_waits);
}

void l2_stats_read(l2_stats *s)
{
#define R(f) atomic_load_explicit(&g_stats.f, memory_order_relaxed)
    *s = (l2_stats){
        .hits = R(hits), .misses = R(misses), .errors = R(errors), .timeouts = R(timeouts), .skipped = R(skipped),
        .stores = R(stores), .store_errors = R(store_errors), .too_large = R(too_large),
        .latency_us_sum = R(latency_us_sum), .latency_count = R(latency_count),
        .breaker_opened = R(breaker_opened), .breaker_closed = R(breaker_closed),
        .connects = R(connects), .disconnects = R(disconnects),
        .clients = R(clients), .connected = R(connected), .breakers_open = R(breakers_open),
        .singleflight_waits = R(sf_waits),
    };
#undef R
}

bool l2_degraded(void)
{
    if (!g_configured)
        return false;
    return atomic_load(&g_stats.connected) < atomic_load(&g_stats.clients) || atomic_load(&g_stats.breakers_open) > 0;
}

/* Keeps the process-wide breaker figures in step with this client's. */
static void breaker_sync(l2_client *c, uint64_t opened_before, uint64_t closed_before)
{
    if (c->br.opened != opened_before)
        atomic_fetch_add(&g_stats.breaker_opened, c->br.opened - opened_before);
    if (c->br.closed != closed_before)
        atomic_fetch_add(&g_stats.breaker_closed, c->br.closed - closed_before);
    bool open = c->br.state != BREAKER_CLOSED;
    if (open && !c->br_counted_open) {
        INC(breakers_open);
        c->br_counted_open = true;
        oplog("isla: redis: circuit breaker open after %u failures; serving from the local cache and the engine "
              "(probing again in %llu ms)", c->br.threshold, (unsigned long long)c->br.current_cooldown_ms);
    } else if (!open && c->br_counted_open) {
        DEC(breakers_open);
        c->br_counted_open = false;
        oplog("isla: redis: circuit breaker closed; %s answers again", g_desc);
    }
}

static void br_failure(l2_client *c)
{
    uint64_t o = c->br.opened, cl = c->br.closed;
    breaker_failure(&c->br, clock_mono_ms());
    breaker_sync(c, o, cl);
}

static void br_success(l2_client *c)
{
    uint64_t o = c->br.opened, cl = c->br.closed;
    breaker_success(&c->br);
    breaker_sync(c, o, cl);
}

/* ---- the hiredis adapter ------------------------------------------------ */

static void on_readable(h2o_socket_t *sock, const char *err)
{
    (void)err; /* DONT_READ sockets only say "readable" */
    adapter *a = sock->data;
    redisAsyncHandleRead(a->ac);
}

static void on_write_timer(h2o_timeout_entry_t *entry)
{
    adapter *a = H2O_STRUCT_FROM_MEMBER(adapter, write_timer, entry);
    if (!a->want_write)
        return;
    struct pollfd p = {.fd = a->ac->c.fd, .events = POLLOUT};
    int rc = poll(&p, 1, 0);
    if (rc == 0) {
        /* Not writable yet (connect in progress, or a full socket
         * buffer): look again shortly. */
        h2o_timeout_link(a->c->loop, &a->c->poll_timeout, &a->write_timer);
        return;
    }
    /* Writable, or an error hiredis will find when it writes. May free a
     * (via cleanup): nothing touches it afterwards. */
    redisAsyncHandleWrite(a->ac);
}

static void ad_add_read(void *p)
{
    adapter *a = p;
    if (!a->reading) {
        a->reading = true;
        h2o_socket_read_start(a->sock, on_readable);
    }
}

static void ad_del_read(void *p)
{
    adapter *a = p;
    if (a->reading) {
        a->reading = false;
        h2o_socket_read_stop(a->sock);
    }
}

static void ad_add_write(void *p)
{
    adapter *a = p;
    a->want_write = true;
    if (!h2o_timeout_is_linked(&a->write_timer))
        h2o_timeout_link(a->c->loop, &a->c->zero_timeout, &a->write_timer);
}

static void ad_del_write(void *p)
{
    adapter *a = p;
    a->want_write = false;
    if (h2o_timeout_is_linked(&a->write_timer))
        h2o_timeout_unlink(&a->write_timer);
}

static void ad_cleanup(void *p)
{
    adapter *a = p;
    if (h2o_timeout_is_linked(&a->write_timer))
        h2o_timeout_unlink(&a->write_timer);
    if (a->reading)
        h2o_socket_read_stop(a->sock);
    h2o_socket_close(a->sock); /* closes the dup; hiredis closes its fd */
    free(a);
}

static bool attach(l2_client *c, redisAsyncContext *ac)
{
    int fd = dup(ac->c.fd);
    if (fd < 0)
        return false;
    adapter *a = calloc(1, sizeof *a);
    if (a == NULL) {
        close(fd);
        return false;
    }
    a->c = c;
    a->ac = ac;
    a->write_timer.cb = on_write_timer;
    a->sock = h2o_evloop_socket_create(c->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    a->sock->data = a;
    ac->ev.data = a;
    ac->ev.addRead = ad_add_read;
    ac->ev.delRead = ad_del_read;
    ac->ev.addWrite = ad_add_write;
    ac->ev.delWrite = ad_del_write;
    ac->ev.cleanup = ad_cleanup;
    /* Like hiredis' own adapters: read and write interest from the start
     * (the write completes the non-blocking connect). */
    ad_add_read(a);
    ad_add_write(a);
    return true;
}

/* ---- connection --------------------------------------------------------- */

static void went_down(l2_client *c, const char *why)
{
    if (c->state == CONN_READY) {
        DEC(connected);
        INC(disconnects);
    }
    c->state = CONN_DOWN;
    c->ac = NULL;
    uint64_t now = clock_mono_ms();
    c->next_attempt_ms = now + c->backoff_ms;
    if (!c->said_down) {
        c->said_down = true;
        oplog("isla: redis: %s: %s; retrying with backoff (%llu ms, at most %d ms)", g_desc, why,
              (unsigned long long)c->backoff_ms, BACKOFF_MAX_MS);
    }
    c->backoff_ms *= 2;
    if (c->backoff_ms > BACKOFF_MAX_MS)
        c->backoff_ms = BACKOFF_MAX_MS;
    /* A connection that cannot be made is a failure for the breaker too. */
    br_failure(c);
}

/* Connected, authenticated and on the right database. */
static void became_ready(l2_client *c)
{
    c->state = CONN_READY;
    INC(connected);
    INC(connects);
    if (c->said_down)
        oplog("isla: redis: %s: connected again", g_desc);
    c->said_down = false;
    c->backoff_ms = BACKOFF_MIN_MS;
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    l2_client *c = ac->data;
    if (c == NULL || c->ac != ac)
        return;
    if (status != REDIS_OK) {
        went_down(c, ac->errstr[0] ? ac->errstr : "cannot connect");
        return;
    }
    /* With AUTH or SELECT queued, ready only once they succeeded. */
    if (c->setup_pending == 0)
        became_ready(c);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    (void)status;
    l2_client *c = ac->data;
    if (c == NULL || c->ac != ac)
        return;
    went_down(c, ac->errstr[0] ? ac->errstr : "connection closed");
}

static void on_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)privdata;
    l2_client *c = ac->data;
    redisReply *reply = r;
    if (reply == NULL || c == NULL || c->ac != ac)
        return; /* the connection is going away */
    if (reply->type == REDIS_REPLY_ERROR) {
        if (!c->said_down)
            oplog("isla: redis: %s: %.*s", g_desc, (int)reply->len, reply->str);
        redisAsyncDisconnect(ac);
        return;
    }
    if (--c->setup_pending == 0 && c->state == CONN_CONNECTING)
        became_ready(c);
}

static void connect_now(l2_client *c)
{
    const redis_url *u = &g_opt.url;
    redisAsyncContext *ac = u->path[0] ? redisAsyncConnectUnix(u->path) : redisAsyncConnect(u->host, u->port);
    if (ac == NULL) {
        c->next_attempt_ms = clock_mono_ms() + c->backoff_ms;
        return;
    }
    if (ac->err) {
        char why[256];
        snprintf(why, sizeof why, "%s", ac->errstr);
        redisAsyncFree(ac);
        c->state = CONN_CONNECTING; /* so went_down does not count a disconnect */
        went_down(c, why);
        return;
    }
    ac->data = c;
    if (!attach(c, ac)) {
        redisAsyncFree(ac);
        c->state = CONN_CONNECTING;
        went_down(c, "out of memory");
        return;
    }
    c->ac = ac;
    c->state = CONN_CONNECTING;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    /* Queued before any lookup, so they run first on the new connection. */
    c->setup_pending = (u->password[0] ? 1 : 0) + (u->db != 0 ? 1 : 0);
    if (u->password[0])
        redisAsyncCommand(ac, on_setup_reply, NULL, "AUTH %s", u->password);
    if (u->db != 0)
        redisAsyncCommand(ac, on_setup_reply, NULL, "SELECT %d", u->db);
}

l2_client *l2_client_new(h2o_evloop_t *loop)
{
    l2_client *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->loop = loop;
    c->backoff_ms = BACKOFF_MIN_MS;
    breaker_init(&c->br, g_opt.breaker_threshold, g_opt.breaker_cooldown_ms, g_opt.breaker_cooldown_ms * 8);
    h2o_timeout_init(loop, &c->cmd_timeout, g_opt.timeout_ms);
    h2o_timeout_init(loop, &c->zero_timeout, 0);
    h2o_timeout_init(loop, &c->poll_timeout, WRITE_POLL_MS);
    connect_now(c);
    return c;
}

static void probe_done(void *data, l2_result r, const char *value, size_t len)
{
    (void)r, (void)value, (void)len;
    l2_client *c = data;
    c->probing = false;
}

static void on_op_timeout(h2o_timeout_entry_t *entry);
static void on_get_reply(redisAsyncContext *ac, void *r, void *privdata);

/* An open breaker is probed with a PING once its cooldown is over, so it
 * closes when Redis is back even if no search comes to try it. */
static void probe(l2_client *c, uint64_t now)
{
    if (c->probing || !breaker_allow(&c->br, now))
        return;
    l2_op *op = calloc(1, sizeof *op);
    if (op == NULL)
        return;
    *op = (l2_op){.c = c, .probe = true, .cb = probe_done, .data = c, .t0_us = (clock_mono_ns() / 1000u)};
    op->timer.cb = on_op_timeout;
    if (redisAsyncCommand(c->ac, on_get_reply, op, "PING") != REDIS_OK) {
        free(op);
        br_failure(c);
        return;
    }
    c->probing = true;
    h2o_timeout_link(c->loop, &c->cmd_timeout, &op->timer);
}

void l2_tick(l2_client *c, uint64_t now)
{
    if (c->state == CONN_DOWN && now >= c->next_attempt_ms)
        connect_now(c);
    else if (c->state == CONN_READY && c->br.state != BREAKER_CLOSED)
        probe(c, now);
}

/* ---- lookups and stores ------------------------------------------------- */

static void on_op_timeout(h2o_timeout_entry_t *entry)
{
    l2_op *op = H2O_STRUCT_FROM_MEMBER(l2_op, timer, entry);
    if (op->cb == NULL)
        return;
    l2_get_cb cb = op->cb;
    op->cb = NULL;
    if (!op->probe)
        INC(timeouts);
    br_failure(op->c);
    cb(op->data, L2_TIMEOUT, NULL, 0);
    /* op itself is freed when hiredis gives it back (reply or disconnect). */
}

static void on_get_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    l2_op *op = privdata;
    redisReply *reply = r;
    if (h2o_timeout_is_linked(&op->timer))
        h2o_timeout_unlink(&op->timer);
    l2_get_cb cb = op->cb;
    l2_client *c = op->c;
    op->cb = NULL;
    l2_result res;
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
        /* A reply that came after the deadline was already counted. */
        if (cb != NULL) {
            if (!op->probe)
                INC(errors);
            br_failure(c);
        }
        res = L2_ERROR;
    } else {
        if (cb != NULL && !op->probe) {
            uint64_t us = (clock_mono_ns() / 1000u) - op->t0_us;
            atomic_fetch_add_explicit(&g_stats.latency_us_sum, us, memory_order_relaxed);
            INC(latency_count);
        }
        br_success(c);
        res = reply->type == REDIS_REPLY_STRING ? L2_HIT : L2_MISS;
        if (cb != NULL && !op->probe) {
            if (res == L2_HIT)
                INC(hits);
            else
                INC(misses);
        }
    }
    if (cb != NULL)
        cb(op->data, res, res == L2_HIT ? reply->str : NULL, res == L2_HIT ? (size_t)reply->len : 0);
    free(op);
}

l2_op *l2_get(l2_client *c, const char *key, size_t key_len, l2_get_cb cb, void *data)
{
    if (c == NULL || c->state != CONN_READY || !breaker_allow(&c->br, clock_mono_ms())) {
        INC(skipped);
        return NULL;
    }
    l2_op *op = calloc(1, sizeof *op);
    if (op == NULL)
        return NULL;
    op->c = c;
    op->cb = cb;
    op->data = data;
    op->t0_us = (clock_mono_ns() / 1000u);
    op->timer.cb = on_op_timeout;
    if (redisAsyncCommand(c->ac, on_get_reply, op, "GET %b", key, key_len) != REDIS_OK) {
        free(op);
        INC(errors);
        br_failure(c);
        return NULL;
    }
    h2o_timeout_link(c->loop, &c->cmd_timeout, &op->timer);
    return op;
}

void l2_cancel(l2_op *op)
{
    if (op == NULL)
        return;
    op->cb = NULL;
    if (h2o_timeout_is_linked(&op->timer))
        h2o_timeout_unlink(&op->timer);
}

static void on_set_reply(redisAsyncContext *ac, void *r, void *privdata)
{
    (void)ac;
    (void)privdata;
    redisReply *reply = r;
    if (reply == NULL || reply->type == REDIS_REPLY_ERROR)
        INC(store_errors);
    else
        INC(stores);
}

void l2_set(l2_client *c, const char *key, size_t key_len, const char *value, size_t value_len)
{
    if (value_len > g_opt.max_entry) {
        INC(too_large);
        return;
    }
    /* A store while the breaker is open or half-open would pile writes on
     * a Redis that is struggling; only a closed breaker sends them. */
    if (c == NULL || c->state != CONN_READY || c->br.state != BREAKER_CLOSED)
        return;
    if (redisAsyncCommand(c->ac, on_set_reply, NULL, "SET %b %b EX %llu", key, key_len, value, value_len,
                          (unsigned long long)g_opt.ttl_s) != REDIS_OK)
        INC(store_errors);
}
