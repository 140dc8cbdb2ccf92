/* The engine: one thread, one h2o event loop, virtual users, a keep-alive
 * connection pool and HTTP/1.1 framing.
 *
 * Why h2o's evloop with framing of our own, and not h2o's http1client or
 * libcurl's multi interface: measured on this machine in one run (closed
 * loop, 64 connections, a cached isla answer; docs/BENCHMARKS.md), client
 * CPU per request was 23 us for curl multi, 10.6 us for h2o's http1client
 * and 9.5 us here, nearly all of it the kernel's TCP work. The http1client
 * is close in speed but hides what a load generator must see: it reports
 * every failed connect as one "connection failure" (no refused vs other),
 * leases sockets from a pool we cannot drive per request, and gives no hook
 * for the moment the request's first byte went out (the service time's
 * start). Writing a request and reading a Content-Length or chunked answer
 * is small enough to own; h2o gives the loop, non-blocking sockets with
 * buffers, and timeouts.
 *
 * Time: every scheduled event (arrivals, the ends of think times, closed
 * users, the one-second tick) is driven by a single timerfd inside the loop,
 * armed at the nearest deadline with nanosecond resolution; h2o's own timers
 * (millisecond) only police request timeouts.
 *
 * A virtual user (vu) runs one scenario's flow: it renders the request into
 * its buffer, takes an idle connection or opens one (up to the pool size)
 * or waits in a FIFO for one, and continues with the next step when the
 * response is complete. An error ends the vu (as Artillery does).
 *
 * Why one file of ~1,350 lines: what remains is one event loop over three
 * structs that point at each other (the schedule starts users, a user takes
 * a connection, a connection's answer moves its user on). Split by part,
 * each file would need all three structs in a shared header and the loop's
 * callbacks exported. The parts that stand alone are files of their own:
 * http1.c (the response reader), sched.c (arrival times), hist.c
 * (histograms), report.c (the output). */
#include "load/load.h"

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>

#include "load/http1.h"
#include "load/sched.h"
#include "util/buf.h"
#include "util/clock.h"

const char *const load_err_name[ERR_CLASSES] = {"connect refused", "connect error", "timeout",
                                                 "reset",           "closed early",  "bad response"};

#define MAX_DEPTH 10
#define LATE_WARN_NS 1000000ull
#define SPIN_NS 20000ull       /* see pump() */
#define PUMP_MAX_NS 200000ull  /* longest stay in pump() before the sockets get a turn */
#define BATCH_MAX 512          /* most arrivals started per turn */ /* an arrival started > 1 ms late counts as late */

/* Takes x out of the doubly linked list at head whose links are x->next
 * and x->prev (the engine keeps three: closed users, idle connections,
 * all connections). */
#define UNLINK(head, x, next, prev)            \
    do {                                       \
        if ((x)->prev)                         \
            (x)->prev->next = (x)->next;       \
        else                                   \
            (head) = (x)->next;                \
        if ((x)->next)                         \
            (x)->next->prev = (x)->prev;       \
    } while (0)

typedef struct engine engine;
typedef struct conn conn;
typedef struct vu vu;

struct vu {
    engine *e;
    int scenario;
    int phase;          /* of the arrival */
    int closed;         /* 1: a closed-model user that loops */
    int stop;           /* closed: stop at the end of this iteration */
    const char **vals;  /* [nvars] */
    struct frame {
        const load_step *steps;
        int n, i, left;
    } st[MAX_DEPTH];
    int depth;
    const load_request *req;
    uint64_t intended;  /* ns: when the current request should have gone */
    uint64_t sent;      /* ns: when its first byte was written */
    int retried;
    buf_t out;
    conn *c;
    vu *next;           /* wait queue, free list */
    vu *cnext, *cprev;  /* closed-model users alive */
    uint64_t wake;      /* think: due time */
    uint64_t queued_at; /* ns: when it began to wait for a connection */
    size_t heap_at;
    int in_flight;
};

struct conn {
    engine *e;
    h2o_socket_t *sock;
    vu *v;
    conn *next, *prev;  /* idle list */
    conn *anext, *aprev; /* all connections */
    int idle;
    int reused;         /* has completed a response before */
    h2o_timeout_entry_t timeout;
    load_http1 rd;      /* the response being read */
};

struct engine {
    const load_plan_t *plan;
    const load_options *o;
    load_result *r;
    h2o_evloop_t *loop;
    h2o_timeout_t io_timeout;
    h2o_socket_t *timer;
    int tfd;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char host[256];
    int pool_max, nconns;
    conn *idle;                 /* doubly linked idle connections */
    conn *all;                  /* every connection (doubly linked) */
    uint64_t armed_at;          /* the timerfd's deadline */
    uint64_t timeout_ns;        /* connect + response, and longest wait for a connection */
    vu *wait_head, *wait_tail;  /* users waiting for a connection */
    vu *free_vus;
    int servicing;              /* reentrancy guard of service_waiters */
    vu **heap;                  /* think timers, min-heap by wake */
    size_t nheap, capheap;
    vu *closed_list;            /* closed-model users alive (doubly linked) */
    int nclosed;                /* alive and not told to stop */
    uint64_t t0;                /* ns, CLOCK_MONOTONIC */
    double *phase_start, *phase_len; /* seconds since t0, scaled */
    int phase;                  /* current phase index; nphases when done */
    uint64_t next_k;            /* next arrival index within the phase */
    uint64_t next_arrival;      /* ns absolute; UINT64_MAX if none */
    uint64_t next_tick;         /* ns absolute */
    uint64_t end_ns;            /* ns absolute: end of the last phase */
    uint64_t drain_deadline;
    int draining, done;
    uint64_t live_vus;          /* started, not finished */
    uint64_t inflight;
    uint64_t rng;
    uint64_t late10;            /* arrivals started more than 10 ms late */
    uint64_t *seq;              /* per payload: next row in sequence order */
    double total_weight;
    /* this second */
    hist_t sec_lat, sec_svc;
    load_second cur;
    uint64_t sec_late_max;
    int tick_no;
};

static uint64_t rnd(engine *e)
{
    /* xorshift64*: deterministic per seed, fast */
    e->rng ^= e->rng >> 12;
    e->rng ^= e->rng << 25;
    e->rng ^= e->rng >> 27;
    return e->rng * 2685821657736338717ull;
}


/* ---- statistics ---- */

static void stats_init(load_stats *s)
{
    memset(s, 0, sizeof *s);
    hist_init(&s->latency);
    hist_init(&s->service);
}

static void stats_response(load_stats *s, uint64_t lat, uint64_t svc, int status, uint64_t in, uint64_t out)
{
    hist_record(&s->latency, lat);
    hist_record(&s->service, svc);
    s->requests++;
    if (status >= 400)
        s->failed++;
    s->bytes_in += in;
    s->bytes_out += out;
}

static void stats_error(load_stats *s, load_err k, uint64_t out)
{
    s->errors[k]++;
    s->nerrors++;
    s->bytes_out += out;
}

double load_error_rate(const load_stats *s)
{
    uint64_t all = s->requests + s->nerrors;
    return all ? (double)(s->nerrors + s->failed) / (double)all : 0;
}

static int compare(th_op op, double a, double b)
{
    switch (op) {
    case TH_LT:
        return a < b;
    case TH_LE:
        return a <= b;
    case TH_GT:
        return a > b;
    case TH_GE:
        return a >= b;
    }
    return 0;
}

static double stat_of(const load_threshold *t, const hist_t *h)
{
    switch (t->stat) {
    case TH_PCT:
        return (double)hist_percentile(h, t->pct);
    case TH_MEAN:
        return hist_mean(h);
    case TH_MIN:
        return h->count ? (double)h->min : 0;
    case TH_MAX:
        return (double)h->max;
    }
    return 0;
}

int load_threshold_check(const load_threshold *t, const load_stats *s, double *actual)
{
    double v = t->metric == TH_ERROR_RATE ? load_error_rate(s) : stat_of(t, &s->latency);
    if (actual)
        *actual = v;
    return compare(t->op, v, t->value);
}

/* ---- virtual users ---- */

static void vu_next(vu *v);
static void conn_release(conn *c);
static void service_waiters(engine *e);
static void arm(engine *e);

static vu *vu_new(engine *e)
{
    vu *v = e->free_vus;
    if (v) {
        e->free_vus = v->next;
    } else {
        v = calloc(1, sizeof *v);
        if (!v)
            abort();
        v->vals = calloc((size_t)e->plan->nvars + 1, sizeof *v->vals);
        if (!v->vals)
            abort();
    }
    v->e = e;
    v->next = v->cnext = v->cprev = NULL;
    v->depth = 0;
    v->req = NULL;
    v->c = NULL;
    v->stop = 0;
    v->closed = 0;
    v->in_flight = 0;
    v->retried = 0;
    return v;
}

static void vu_free(vu *v)
{
    engine *e = v->e;
    e->live_vus--;
    v->next = e->free_vus;
    e->free_vus = v;
    if (e->draining && !e->live_vus)
        e->done = 1;
}

static void heap_push(engine *e, vu *v);

static void pick_row(engine *e, vu *v)
{
    const load_plan_t *p = e->plan;
    for (int i = 0; i < p->npayloads; i++) {
        const load_payload *pl = &p->payloads[i];
        size_t row = pl->random ? (size_t)(rnd(e) % pl->rows) : (size_t)(e->seq[i]++ % pl->rows);
        for (int f = 0; f < pl->nfields; f++)
            v->vals[pl->field_var[f]] = pl->cells[row * (size_t)pl->nfields + (size_t)f];
    }
}

static int pick_scenario(engine *e)
{
    const load_plan_t *p = e->plan;
    double x = (double)(rnd(e) >> 11) / 9007199254740992.0 * e->total_weight;
    for (int i = 0; i < p->nscenarios; i++) {
        x -= p->scenarios[i].weight;
        if (x < 0)
            return i;
    }
    return p->nscenarios - 1;
}

static void vu_begin_iteration(vu *v)
{
    engine *e = v->e;
    v->scenario = pick_scenario(e);
    pick_row(e, v);
    const load_scenario *s = &e->plan->scenarios[v->scenario];
    v->depth = 1;
    v->st[0].steps = s->steps;
    v->st[0].n = s->nsteps;
    v->st[0].i = 0;
    v->st[0].left = 1;
    e->r->scenario_vus[v->scenario]++;
    e->r->vus_started++;
}

/* Ends a user: an open one goes; a closed one starts its next iteration
 * unless told to stop or the run is over. */
static void vu_end(vu *v, int failed)
{
    engine *e = v->e;
    if (failed)
        e->r->vus_failed++;
    else
        e->r->vus_completed++;
    if (v->closed && !v->stop && !e->draining && e->phase < e->r->nphases &&
        e->r->phases[e->phase].kind == PHASE_CLOSED) {
        /* the next iteration starts from the clock, not from here: a
         * target that fails at once must not recurse */
        v->phase = e->phase;
        vu_begin_iteration(v);
        v->wake = clock_mono_ns() + (failed ? 1000000ull : 0);
        v->intended = v->wake;
        heap_push(e, v);
        return;
    }
    if (v->closed) {
        if (!v->stop)
            e->nclosed--;
        UNLINK(e->closed_list, v, cnext, cprev);
    }
    vu_free(v);
}

static void tpl_render(buf_t *b, const load_tpl *t, const char **vals)
{
    for (int i = 0; i < t->n; i++) {
        const tpl_seg *s = &t->segs[i];
        if (s->var < 0) {
            buf_put(b, s->lit, s->len);
            continue;
        }
        const char *v = vals[s->var] ? vals[s->var] : "";
        if (t->esc == ESC_NONE) {
            buf_puts(b, v);
        } else if (t->esc == ESC_URL) {
            for (; *v; v++) {
                unsigned char c = (unsigned char)*v;
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.' || c == '~') {
                    buf_put(b, (const char *)&c, 1);
                } else {
                    char h[4];
                    snprintf(h, sizeof h, "%%%02X", c);
                    buf_put(b, h, 3);
                }
            }
        } else {
            for (; *v; v++) {
                unsigned char c = (unsigned char)*v;
                if (c == '"' || c == '\\') {
                    char x[2] = {'\\', (char)c};
                    buf_put(b, x, 2);
                } else if (c < 0x20) {
                    char h[8];
                    snprintf(h, sizeof h, "\\u%04x", c);
                    buf_put(b, h, 6);
                } else {
                    buf_put(b, (const char *)&c, 1);
                }
            }
        }
    }
}

/* Writes the request of v into v->out. */
static void render(engine *e, vu *v, const load_request *q)
{
    buf_t *b = &v->out;
    b->len = 0;
    buf_puts(b, q->method);
    buf_put(b, " ", 1);
    size_t path_at = b->len;
    tpl_render(b, &q->url, v->vals);
    /* an absolute URL on the target: keep its path */
    if (b->len - path_at > 7 && !memcmp(b->data + path_at, "http://", 7)) {
        char *slash = memchr(b->data + path_at + 7, '/', b->len - path_at - 7);
        size_t cut = slash ? (size_t)(slash - (b->data + path_at)) : b->len - path_at;
        memmove(b->data + path_at, b->data + path_at + cut, b->len - path_at - cut);
        b->len -= cut;
        if (b->len == path_at)
            buf_put(b, "/", 1);
    }
    if (q->nqs) {
        int has_q = memchr(b->data + path_at, '?', b->len - path_at) != NULL;
        for (int i = 0; i < q->nqs; i++) {
            buf_put(b, has_q || i ? "&" : "?", 1);
            buf_puts(b, q->qs_keys[i]);
            buf_put(b, "=", 1);
            tpl_render(b, &q->qs_values[i], v->vals);
        }
    }
    buf_puts(b, " HTTP/1.1\r\nHost: ");
    buf_puts(b, e->host);
    buf_puts(b, "\r\n");
    int has_ua = 0;
    for (int i = 0; i < e->plan->nheaders; i++) {
        buf_puts(b, e->plan->headers[i].name);
        buf_puts(b, ": ");
        tpl_render(b, &e->plan->headers[i].value, v->vals);
        buf_puts(b, "\r\n");
        has_ua |= !strcasecmp(e->plan->headers[i].name, "user-agent");
    }
    for (int i = 0; i < q->nheaders; i++) {
        buf_puts(b, q->headers[i].name);
        buf_puts(b, ": ");
        tpl_render(b, &q->headers[i].value, v->vals);
        buf_puts(b, "\r\n");
        has_ua |= !strcasecmp(q->headers[i].name, "user-agent");
    }
    if (!has_ua)
        buf_puts(b, "User-Agent: isla-load\r\n");
    if (q->has_body) {
        buf_t body = {0};
        tpl_render(&body, &q->body, v->vals);
        char h[96];
        snprintf(h, sizeof h, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", q->content_type, body.len);
        buf_puts(b, h);
        if (body.len)
            buf_put(b, body.data, body.len);
        buf_free(&body);
    } else if (strcmp(q->method, "GET") && strcmp(q->method, "DELETE")) {
        buf_puts(b, "Content-Length: 0\r\n\r\n");
    } else {
        buf_puts(b, "\r\n");
    }
}

/* ---- connections ---- */

static void conn_close(conn *c)
{
    engine *e = c->e;
    if (c->idle) {
        UNLINK(e->idle, c, next, prev);
        c->idle = 0;
    }
    UNLINK(e->all, c, anext, aprev);
    if (h2o_timeout_is_linked(&c->timeout))
        h2o_timeout_unlink(&c->timeout);
    if (c->sock) {
        c->sock->data = NULL;
        h2o_socket_close(c->sock);
        c->sock = NULL;
    }
    e->nconns--;
    free(c);
}

static uint64_t vu_out_bytes(vu *v)
{
    return v->out.len;
}

/* A request failed: count it, drop the connection, end the user. */
static void fail_request(conn *c, load_err k)
{
    engine *e = c->e;
    vu *v = c->v;
    c->v = NULL;
    conn_close(c);
    if (v) {
        v->c = NULL;
        v->in_flight = 0;
        e->inflight--;
        load_result *r = e->r;
        uint64_t out = vu_out_bytes(v);
        stats_error(&r->total, k, out);
        stats_error(&r->phase[v->phase], k, out);
        stats_error(&r->scenario[v->scenario], k, out);
        stats_error(&r->name[v->req->name_id], k, out);
        e->cur.errors++;
        vu_end(v, 1);
    }
    service_waiters(e);
}

static void on_timeout(h2o_timeout_entry_t *entry)
{
    conn *c = H2O_STRUCT_FROM_MEMBER(conn, timeout, entry);
    fail_request(c, ERR_TIMEOUT);
}

static void start_write(conn *c);
static void on_read(h2o_socket_t *sock, const char *err);

static void response_done(conn *c)
{
    engine *e = c->e;
    vu *v = c->v;
    uint64_t t = clock_mono_ns();
    if (h2o_timeout_is_linked(&c->timeout))
        h2o_timeout_unlink(&c->timeout);
    load_result *r = e->r;
    uint64_t lat = t - v->intended, svc = t - v->sent, out = vu_out_bytes(v);
    stats_response(&r->total, lat, svc, c->rd.status, c->rd.got, out);
    stats_response(&r->phase[v->phase], lat, svc, c->rd.status, c->rd.got, out);
    stats_response(&r->scenario[v->scenario], lat, svc, c->rd.status, c->rd.got, out);
    stats_response(&r->name[v->req->name_id], lat, svc, c->rd.status, c->rd.got, out);
    r->status[c->rd.status >= 100 && c->rd.status < 600 ? c->rd.status : 0]++;
    hist_record(&e->sec_lat, lat);
    hist_record(&e->sec_svc, svc);
    e->cur.requests++;
    if (c->rd.status >= 400)
        e->cur.failed++;
    c->v = NULL;
    v->c = NULL;
    v->in_flight = 0;
    e->inflight--;
    c->reused = 1;
    if (c->rd.close_after)
        conn_close(c);
    else
        conn_release(c);
    v->intended = t;
    vu_next(v);
}

static void on_read(h2o_socket_t *sock, const char *err)
{
    conn *c = sock->data;
    if (!c)
        return;
    if (!c->v) { /* idle: the server closed or sent something unasked */
        conn_close(c);
        return;
    }
    if (err) {
        if (c->rd.state == LOAD_H1_UNTIL_CLOSE && err == h2o_socket_error_closed) {
            c->rd.close_after = 1;
            response_done(c);
            return;
        }
        /* a reused connection closed by the server before it saw the
         * request: the keep-alive race; try once more on a new one */
        vu *v = c->v;
        if (c->reused && c->rd.got == 0 && !v->retried) {
            v->retried = 1;
            c->v = NULL;
            v->c = NULL;
            conn_close(c);
            engine *e = v->e;
            /* still in flight; re-queue at the head of the waiters */
            v->queued_at = clock_mono_ns();
            v->next = e->wait_head;
            e->wait_head = v;
            if (!e->wait_tail)
                e->wait_tail = v;
            service_waiters(e);
            return;
        }
        /* h2o reports EOF as "closed" and every other read error (a
         * reset, mostly) as an I/O error */
        fail_request(c, err == h2o_socket_error_closed ? ERR_CLOSED : ERR_RESET);
        return;
    }
    int r = load_http1_read(&c->rd, &c->sock->input);
    if (r < 0)
        fail_request(c, ERR_BAD_RESPONSE);
    else if (r > 0)
        response_done(c);
}

static void on_write(h2o_socket_t *sock, const char *err)
{
    conn *c = sock->data;
    if (!c || !err)
        return;
    if (c->v)
        fail_request(c, ERR_RESET);
    else
        conn_close(c);
}

static void start_write(conn *c)
{
    engine *e = c->e;
    vu *v = c->v;
    load_http1_begin(&c->rd);
    /* rendered here, not when the user got to this step: a request that
     * waits for a connection costs no buffer */
    render(e, v, v->req);
    v->sent = clock_mono_ns();
    e->r->requests_sent++;
    e->cur.sent++;
    h2o_timeout_link(e->loop, &e->io_timeout, &c->timeout);
    h2o_iovec_t iov = h2o_iovec_init(v->out.data, v->out.len);
    h2o_socket_write(c->sock, &iov, 1, on_write);
}

/* The socket is writable: connected, or failed (SO_ERROR says which; h2o's
 * own connect would not tell a refused port from other failures). */
static void on_connect(h2o_socket_t *sock, const char *err)
{
    conn *c = sock->data;
    if (!c)
        return;
    int so_err = 0;
    socklen_t l = sizeof so_err;
    if (!err && getsockopt(h2o_socket_get_fd(sock), SOL_SOCKET, SO_ERROR, &so_err, &l) < 0)
        so_err = errno;
    if (err || so_err) {
        fail_request(c, so_err == ECONNREFUSED ? ERR_CONNECT_REFUSED : ERR_CONNECT);
        return;
    }
    h2o_socket_read_start(sock, on_read);
    if (c->v) {
        /* the connect time counted toward the timeout; restart it for the
         * response */
        h2o_timeout_unlink(&c->timeout);
        start_write(c);
    } else {
        conn_release(c);
    }
}

/* Opens a connection for v: a non-blocking connect() of our own, handed to
 * h2o's loop to wait for writability. */
static void conn_open(engine *e, vu *v)
{
    conn *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    c->e = e;
    c->timeout.cb = on_timeout;
    c->v = v;
    v->c = c;
    e->nconns++;
    c->anext = e->all;
    if (e->all)
        e->all->aprev = c;
    e->all = c;
    int fd = socket(e->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fail_request(c, ERR_CONNECT);
        return;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&e->addr, e->addrlen) < 0 && errno != EINPROGRESS) {
        int en = errno;
        close(fd);
        fail_request(c, en == ECONNREFUSED ? ERR_CONNECT_REFUSED : ERR_CONNECT);
        return;
    }
    c->sock = h2o_evloop_socket_create(e->loop, fd, 0);
    c->sock->data = c;
    h2o_timeout_link(e->loop, &e->io_timeout, &c->timeout);
    h2o_socket_notify_write(c->sock, on_connect);
}

/* Gives v the first idle connection (there is one) and sends its request. */
static void take_idle(engine *e, vu *v)
{
    conn *c = e->idle;
    e->idle = c->next;
    if (e->idle)
        e->idle->prev = NULL;
    c->idle = 0;
    c->next = c->prev = NULL;
    c->v = v;
    v->c = c;
    start_write(c);
}

/* Gives v a connection: an idle one, a new one, or a place in the queue. */
static void acquire(engine *e, vu *v)
{
    v->in_flight = 1;
    e->inflight++;
    if (e->idle) {
        take_idle(e, v);
    } else if (e->nconns < e->pool_max) {
        conn_open(e, v);
    } else {
        v->next = NULL;
        v->queued_at = clock_mono_ns();
        if (e->wait_tail)
            e->wait_tail->next = v;
        else
            e->wait_head = v;
        e->wait_tail = v;
    }
}

/* A connection is free: the first waiter takes it, else it goes idle. */
static void conn_release(conn *c)
{
    engine *e = c->e;
    vu *v = e->wait_head;
    if (v) {
        e->wait_head = v->next;
        if (!e->wait_head)
            e->wait_tail = NULL;
        c->v = v;
        v->c = c;
        start_write(c);
        return;
    }
    c->idle = 1;
    c->prev = NULL;
    c->next = e->idle;
    if (e->idle)
        e->idle->prev = c;
    e->idle = c;
}

/* After a connection went away: open new ones for waiters while the pool
 * has room. Iterative, since an open can fail at once and come back here. */
static void service_waiters(engine *e)
{
    if (e->servicing)
        return;
    e->servicing = 1;
    while (e->wait_head && e->nconns < e->pool_max) {
        vu *v = e->wait_head;
        e->wait_head = v->next;
        if (!e->wait_head)
            e->wait_tail = NULL;
        if (e->idle) {
            /* cannot happen with waiters, but take it if it does */
            take_idle(e, v);
        } else {
            conn_open(e, v);
        }
    }
    e->servicing = 0;
}

/* ---- think timers: a binary min-heap of users by wake time ---- */

static void heap_swap(engine *e, size_t a, size_t b)
{
    vu *t = e->heap[a];
    e->heap[a] = e->heap[b];
    e->heap[b] = t;
    e->heap[a]->heap_at = a;
    e->heap[b]->heap_at = b;
}

static void heap_push(engine *e, vu *v)
{
    if (e->nheap == e->capheap) {
        e->capheap = e->capheap ? e->capheap * 2 : 256;
        vu **h = realloc(e->heap, e->capheap * sizeof *h);
        if (!h)
            abort();
        e->heap = h;
    }
    size_t i = e->nheap++;
    e->heap[i] = v;
    v->heap_at = i;
    while (i && e->heap[(i - 1) / 2]->wake > e->heap[i]->wake) {
        heap_swap(e, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    if (v->wake < e->armed_at)
        arm(e);
}

static vu *heap_pop(engine *e)
{
    vu *top = e->heap[0];
    e->nheap--;
    if (e->nheap) {
        e->heap[0] = e->heap[e->nheap];
        e->heap[0]->heap_at = 0;
        size_t i = 0;
        for (;;) {
            size_t l = 2 * i + 1, r = l + 1, m = i;
            if (l < e->nheap && e->heap[l]->wake < e->heap[m]->wake)
                m = l;
            if (r < e->nheap && e->heap[r]->wake < e->heap[m]->wake)
                m = r;
            if (m == i)
                break;
            heap_swap(e, i, m);
            i = m;
        }
    }
    return top;
}

/* Runs v's flow from where it is to the next request or think, or its end. */
static void vu_next(vu *v)
{
    engine *e = v->e;
    for (;;) {
        if (!v->depth) {
            vu_end(v, 0);
            return;
        }
        struct frame *f = &v->st[v->depth - 1];
        if (f->i >= f->n) {
            if (--f->left > 0) {
                f->i = 0;
                continue;
            }
            v->depth--;
            continue;
        }
        const load_step *s = &f->steps[f->i++];
        if (s->kind == STEP_REQUEST) {
            if (e->draining && v->closed) { /* the run is over: no new work */
                vu_end(v, 0);
                return;
            }
            v->req = &s->req;
            v->retried = 0;
            v->out.len = 0; /* rendered when a connection takes it */
            acquire(e, v);
            return;
        }
        if (s->kind == STEP_THINK) {
            double d = s->think * e->o->time_scale;
            if (d <= 0)
                continue;
            v->wake = v->intended + (uint64_t)(d * 1e9);
            v->intended = v->wake;
            heap_push(e, v);
            return;
        }
        if (s->kind == STEP_LOOP && v->depth < MAX_DEPTH && s->nsteps) {
            v->st[v->depth].steps = s->steps;
            v->st[v->depth].n = s->nsteps;
            v->st[v->depth].i = 0;
            v->st[v->depth].left = s->loop_count;
            v->depth++;
        }
    }
}

/* ---- the clock: arrivals, think ends, closed users, ticks ---- */

/* The first waiter gets no connection in time: a timeout, as if it had
 * been sent and not answered. */
static void expire_waiter(engine *e)
{
    vu *v = e->wait_head;
    e->wait_head = v->next;
    if (!e->wait_head)
        e->wait_tail = NULL;
    load_result *r = e->r;
    stats_error(&r->total, ERR_TIMEOUT, 0);
    stats_error(&r->phase[v->phase], ERR_TIMEOUT, 0);
    stats_error(&r->scenario[v->scenario], ERR_TIMEOUT, 0);
    stats_error(&r->name[v->req->name_id], ERR_TIMEOUT, 0);
    e->cur.errors++;
    v->in_flight = 0;
    e->inflight--;
    vu_end(v, 1);
}

static void start_arrival(engine *e, uint64_t at, int phase)
{
    vu *v = vu_new(e);
    e->live_vus++;
    v->phase = phase;
    vu_begin_iteration(v);
    v->intended = at;
    vu_next(v);
}

static void start_closed(engine *e, int phase)
{
    vu *v = vu_new(e);
    e->live_vus++;
    v->phase = phase;
    v->closed = 1;
    v->cprev = NULL;
    v->cnext = e->closed_list;
    if (e->closed_list)
        e->closed_list->cprev = v;
    e->closed_list = v;
    e->nclosed++;
    vu_begin_iteration(v);
    v->intended = clock_mono_ns();
    vu_next(v);
}

static double phase_at(engine *e, uint64_t t)
{
    return (double)(t - e->t0) / 1e9 - e->phase_start[e->phase];
}

static void plan_next_arrival(engine *e)
{
    e->next_arrival = UINT64_MAX;
    if (e->phase >= e->r->nphases)
        return;
    const load_phase *p = &e->r->phases[e->phase];
    double t = sched_arrival(p, e->phase_len[e->phase], e->next_k);
    if (t >= 0)
        e->next_arrival = e->t0 + (uint64_t)((e->phase_start[e->phase] + t) * 1e9);
}

static uint64_t phase_end_ns(engine *e)
{
    return e->t0 + (uint64_t)((e->phase_start[e->phase] + e->phase_len[e->phase]) * 1e9);
}

static void enter_phase(engine *e, int i)
{
    e->phase = i;
    e->next_k = 0;
    if (i < e->r->nphases) {
        e->r->phase_run[i].start = e->phase_start[i];
        e->r->phase_run[i].planned = sched_planned(&e->r->phases[i], e->phase_len[i]);
        /* users of a closed stage stop when an open phase or a pause follows */
        if (e->r->phases[i].kind != PHASE_CLOSED)
            for (vu *v = e->closed_list; v; v = v->cnext)
                if (!v->stop) {
                    v->stop = 1;
                    e->nclosed--;
                }
    }
    plan_next_arrival(e);
}

static void adjust_closed(engine *e, uint64_t t)
{
    if (e->phase >= e->r->nphases || e->r->phases[e->phase].kind != PHASE_CLOSED)
        return;
    int want = (int)sched_target(&e->r->phases[e->phase], e->phase_len[e->phase], phase_at(e, t));
    while (e->nclosed < want)
        start_closed(e, e->phase);
    for (vu *v = e->closed_list; v && e->nclosed > want; v = v->cnext)
        if (!v->stop) {
            v->stop = 1;
            e->nclosed--;
        }
}

static void tick(engine *e, uint64_t t)
{
    load_result *r = e->r;
    load_second *s = &e->cur;
    s->t = (double)(t - e->t0) / 1e9;
    /* the phase and target of the middle of this second */
    double mid = s->t - 0.5;
    int ph = 0;
    while (ph + 1 < r->nphases && mid >= e->phase_start[ph + 1])
        ph++;
    s->phase = ph;
    if (mid < e->phase_start[r->nphases])
        s->target = sched_target(&r->phases[ph], e->phase_len[ph], mid - e->phase_start[ph]);
    s->inflight = e->inflight;
    s->p50 = hist_percentile(&e->sec_lat, 50);
    s->p90 = hist_percentile(&e->sec_lat, 90);
    s->p99 = hist_percentile(&e->sec_lat, 99);
    s->max = e->sec_lat.max;
    s->svc_p99 = hist_percentile(&e->sec_svc, 99);
    s->late_max = e->sec_late_max;
    /* the breaking point: the first second that fails a threshold */
    if (!r->broke && e->phase < r->nphases && (s->requests + s->errors) > 0) {
        load_stats one;
        memset(&one, 0, sizeof one);
        one.requests = s->requests;
        one.failed = s->failed;
        one.nerrors = s->errors;
        for (int i = 0; i < e->plan->nthresholds && !r->broke; i++) {
            const load_threshold *th = &e->plan->thresholds[i];
            double v = th->metric == TH_ERROR_RATE ? load_error_rate(&one) : stat_of(th, &e->sec_lat);
            if (!compare(th->op, v, th->value)) {
                r->broke = 1;
                r->broke_t = s->t;
                r->broke_target = s->target;
                r->broke_threshold = i;
                r->broke_phase = s->phase;
            }
        }
    }
    if (r->nseconds % 64 == 0) {
        load_second *n = realloc(r->seconds, ((size_t)r->nseconds + 64) * sizeof *n);
        if (!n)
            abort();
        r->seconds = n;
    }
    r->seconds[r->nseconds++] = *s;
    if (e->o->progress) {
        const char *unit = e->phase < r->nphases && r->phases[e->phase].kind == PHASE_CLOSED ? " VUs" : "/s";
        fprintf(e->o->progress,
                "[%6.1fs] %-12.12s target %7.0f%s  achieved %7llu/s  in flight %5llu  p50 %8.3f ms  p99 %8.3f ms  "
                "errors %llu%s\n",
                s->t, e->phase < r->nphases ? r->phases[e->phase].name : "drain", s->target, unit,
                (unsigned long long)s->sent, (unsigned long long)s->inflight, (double)s->p50 / 1e6,
                (double)s->p99 / 1e6, (unsigned long long)(s->errors + s->failed),
                s->late_max > 10 * LATE_WARN_NS ? "  GENERATOR LATE" : "");
        fflush(e->o->progress);
    }
    memset(s, 0, sizeof *s);
    hist_init(&e->sec_lat);
    hist_init(&e->sec_svc);
    e->sec_late_max = 0;
}

static void pump(engine *e)
{
    uint64_t t = clock_mono_ns(), start = t;
    load_result *r = e->r;
    for (;;) {
        /* arrivals that are due, a bounded batch: the sockets must get their
         * turn even when the generator runs behind (the rest start on the
         * next turn, late, and are counted late) */
        int batch = 0;
        while (e->next_arrival <= t && batch < BATCH_MAX) {
            uint64_t late = t - e->next_arrival;
            hist_record(&r->lateness, late);
            if (late > LATE_WARN_NS)
                r->late_arrivals++;
            if (late > 10 * LATE_WARN_NS)
                e->late10++;
            if (late > e->sec_late_max)
                e->sec_late_max = late;
            if (late > r->phase_run[e->phase].late_max)
                r->phase_run[e->phase].late_max = late;
            r->phase_run[e->phase].started++;
            e->cur.arrivals++;
            start_arrival(e, e->next_arrival, e->phase);
            e->next_k++;
            plan_next_arrival(e);
            if (++batch % 32 == 0)
                t = clock_mono_ns();
        }
        /* phase changes, once every arrival of the phase has started */
        if (e->phase < r->nphases && t >= phase_end_ns(e) && e->next_arrival > t) {
            r->phase_run[e->phase].end = e->phase_start[e->phase] + e->phase_len[e->phase];
            enter_phase(e, e->phase + 1);
            continue;
        }
        if (e->phase >= r->nphases && !e->draining) {
            e->draining = 1;
            e->drain_deadline = t + (uint64_t)(e->io_timeout.timeout * 1000000ull) + 100000000ull;
            for (vu *v = e->closed_list; v; v = v->cnext)
                if (!v->stop) {
                    v->stop = 1;
                    e->nclosed--;
                }
        }
        /* requests that waited for a connection as long as a timeout */
        while (e->wait_head && t >= e->wait_head->queued_at + e->timeout_ns)
            expire_waiter(e);
        /* thinks that are over */
        while (e->nheap && e->heap[0]->wake <= t) {
            vu *v = heap_pop(e);
            if (e->draining && v->closed)
                vu_end(v, 0);
            else
                vu_next(v);
        }
        adjust_closed(e, t);
        if (t >= e->next_tick) {
            tick(e, t);
            e->next_tick += 1000000000ull;
        }
        /* the next event is due within SPIN_NS: wait here rather than pay
         * for arming the timer, waking up and reading it (3 syscalls) */
        uint64_t next = e->next_arrival;
        if (e->nheap && e->heap[0]->wake < next)
            next = e->heap[0]->wake;
        uint64_t t2 = clock_mono_ns();
        if (next > t2 + SPIN_NS || e->done || t2 - start > PUMP_MAX_NS || batch >= BATCH_MAX)
            break;
        while ((t2 = clock_mono_ns()) < next)
            ;
        t = t2;
    }
    if (e->draining) {
        if (!e->live_vus || t >= e->drain_deadline)
            e->done = 1;
    }
}

static void arm(engine *e)
{
    uint64_t d = e->next_tick;
    if (e->next_arrival < d)
        d = e->next_arrival;
    if (e->nheap && e->heap[0]->wake < d)
        d = e->heap[0]->wake;
    if (e->phase < e->r->nphases) {
        uint64_t pe = phase_end_ns(e);
        if (pe < d)
            d = pe;
        if (e->r->phases[e->phase].kind == PHASE_CLOSED) {
            uint64_t soon = clock_mono_ns() + 10000000ull; /* re-check the user count every 10 ms */
            if (soon < d)
                d = soon;
        }
    }
    if (e->draining && e->drain_deadline < d)
        d = e->drain_deadline;
    if (e->wait_head && e->wait_head->queued_at + e->timeout_ns < d)
        d = e->wait_head->queued_at + e->timeout_ns;
    struct itimerspec its = {0};
    its.it_value.tv_sec = (time_t)(d / 1000000000ull);
    its.it_value.tv_nsec = (long)(d % 1000000000ull);
    if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
        its.it_value.tv_nsec = 1;
    e->armed_at = d;
    timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_timer(h2o_socket_t *sock, const char *err)
{
    engine *e = sock->data;
    (void)err;
    e->armed_at = UINT64_MAX; /* it fired: disarmed */
    h2o_buffer_consume(&sock->input, sock->input->size);
    pump(e);
    arm(e);
}

/* ---- setup ---- */

static int resolve(engine *e, const char *target, char *err, size_t errcap)
{
    if (strncmp(target, "http://", 7)) {
        snprintf(err, errcap, "target '%s': expected http://host[:port]", target);
        return -1;
    }
    const char *h = target + 7;
    size_t hl = strcspn(h, "/?#");
    if (!hl || hl >= sizeof e->host) {
        snprintf(err, errcap, "target '%s': no host", target);
        return -1;
    }
    memcpy(e->host, h, hl);
    e->host[hl] = 0;
    char host[256], port[16] = "80";
    if (e->host[0] == '[') {
        char *rb = strchr(e->host, ']');
        if (!rb) {
            snprintf(err, errcap, "target '%s': bad IPv6 address", target);
            return -1;
        }
        snprintf(host, sizeof host, "%.*s", (int)(rb - e->host - 1), e->host + 1);
        if (rb[1] == ':')
            snprintf(port, sizeof port, "%s", rb + 2);
    } else {
        char *colon = strchr(e->host, ':');
        snprintf(host, sizeof host, "%.*s", colon ? (int)(colon - e->host) : (int)strlen(e->host), e->host);
        if (colon)
            snprintf(port, sizeof port, "%s", colon + 1);
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc || !ai) {
        snprintf(err, errcap, "target '%s': cannot resolve: %s", target, gai_strerror(rc));
        return -1;
    }
    memcpy(&e->addr, ai->ai_addr, ai->ai_addrlen);
    e->addrlen = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

void load_result_free(load_result *r)
{
    if (!r)
        return;
    free(r->phase);
    free(r->phase_run);
    free(r->scenario);
    free(r->scenario_vus);
    free(r->name);
    free(r->seconds);
    free(r->thresholds);
    free(r);
}

load_result *load_run(const load_plan_t *plan, const load_phase *phases, int nphases, const load_options *o, char *err,
                      size_t errcap)
{
    if (!phases) {
        phases = plan->phases;
        nphases = plan->nphases;
    }
    const char *target = o->target ? o->target : plan->target;
    if (!target) {
        snprintf(err, errcap, "no target: set config.target in the plan or pass --target");
        return NULL;
    }
    engine *e = calloc(1, sizeof *e);
    load_result *r = calloc(1, sizeof *r);
    if (!e || !r)
        abort();
    if (resolve(e, target, err, errcap) < 0) {
        free(e);
        free(r);
        return NULL;
    }
    e->plan = plan;
    e->o = o;
    e->r = r;
    r->plan = plan;
    r->phases = phases;
    r->nphases = nphases;
    r->time_scale = o->time_scale;
    snprintf(r->target, sizeof r->target, "%s", target);
    stats_init(&r->total);
    r->phase = calloc((size_t)nphases, sizeof *r->phase);
    r->phase_run = calloc((size_t)nphases, sizeof *r->phase_run);
    r->scenario = calloc((size_t)plan->nscenarios, sizeof *r->scenario);
    r->scenario_vus = calloc((size_t)plan->nscenarios, sizeof *r->scenario_vus);
    r->name = calloc((size_t)plan->nnames + 1, sizeof *r->name);
    r->thresholds = calloc((size_t)plan->nthresholds + 1, sizeof *r->thresholds);
    e->seq = calloc((size_t)plan->npayloads + 1, sizeof *e->seq);
    e->phase_start = calloc((size_t)nphases + 1, sizeof(double));
    e->phase_len = calloc((size_t)nphases + 1, sizeof(double));
    if (!r->phase || !r->phase_run || !r->scenario || !r->scenario_vus || !r->name || !r->thresholds || !e->seq ||
        !e->phase_start || !e->phase_len)
        abort();
    for (int i = 0; i < nphases; i++)
        stats_init(&r->phase[i]);
    for (int i = 0; i < plan->nscenarios; i++) {
        stats_init(&r->scenario[i]);
        e->total_weight += plan->scenarios[i].weight;
    }
    for (int i = 0; i < plan->nnames; i++)
        stats_init(&r->name[i]);
    hist_init(&r->lateness);
    hist_init(&e->sec_lat);
    hist_init(&e->sec_svc);
    double at = 0;
    for (int i = 0; i < nphases; i++) {
        e->phase_start[i] = at;
        e->phase_len[i] = phases[i].duration * o->time_scale;
        at += e->phase_len[i];
    }
    e->phase_start[nphases] = at;
    int max_vus = 0;
    for (int i = 0; i < nphases; i++)
        if (phases[i].kind == PHASE_CLOSED && phases[i].vus_to > max_vus)
            max_vus = (int)phases[i].vus_to;
    e->pool_max = o->connections ? o->connections : plan->pool ? plan->pool : 1000;
    if (e->pool_max < max_vus)
        e->pool_max = max_vus; /* a closed user holds its connection */
    double timeout = o->timeout > 0 ? o->timeout : plan->timeout > 0 ? plan->timeout : 10;
    e->rng = o->seed ? o->seed * 0x9E3779B97F4A7C15ull : 0x9E3779B97F4A7C15ull;
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* wake when asked, not 50 us later */

    e->loop = h2o_evloop_create();
    h2o_timeout_init(e->loop, &e->io_timeout, (uint64_t)(timeout * 1000));
    e->timeout_ns = (uint64_t)(timeout * 1e9);
    e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (e->tfd < 0) {
        snprintf(err, errcap, "timerfd: %s", strerror(errno));
        load_result_free(r);
        free(e);
        return NULL;
    }
    e->timer = h2o_evloop_socket_create(e->loop, e->tfd, 0);
    e->timer->data = e;
    h2o_socket_read_start(e->timer, on_timer);

    e->t0 = clock_mono_ns();
    e->next_tick = e->t0 + 1000000000ull;
    enter_phase(e, 0);
    pump(e);
    arm(e);
    while (!e->done)
        h2o_evloop_run(e->loop, 1000);
    uint64_t t_end = clock_mono_ns();
    r->duration = (double)(t_end - e->t0) / 1e9;
    /* what is still in flight at the drain deadline counts as timed out */
    for (vu *v = e->closed_list; v; v = v->cnext)
        v->closed = 0;
    e->closed_list = NULL;
    while (e->nheap) {
        vu *v = heap_pop(e);
        r->vus_unfinished++;
        vu_free(v);
    }
    while (e->wait_head) {
        vu *v = e->wait_head;
        e->wait_head = v->next;
        r->vus_unfinished++;
        stats_error(&r->total, ERR_TIMEOUT, 0);
        stats_error(&r->phase[v->phase], ERR_TIMEOUT, 0);
        stats_error(&r->scenario[v->scenario], ERR_TIMEOUT, 0);
        stats_error(&r->name[v->req->name_id], ERR_TIMEOUT, 0);
        vu_free(v);
    }
    e->wait_tail = NULL;
    /* connections: the busy ones fail their requests (timeout) */
    while (e->all) {
        if (e->all->v)
            r->vus_unfinished++;
        fail_request(e->all, ERR_TIMEOUT);
    }
    if (e->cur.sent || e->cur.requests || e->cur.errors)
        tick(e, t_end);
    for (int i = 0; i < nphases; i++)
        if (r->phase_run[i].end == 0 && r->phase_run[i].start == 0 && i > 0)
            r->phase_run[i].end = r->phase_run[i].start;
    r->thresholds_ok = 1;
    for (int i = 0; i < plan->nthresholds; i++) {
        r->thresholds[i].pass = load_threshold_check(&plan->thresholds[i], &r->total, &r->thresholds[i].actual);
        r->thresholds_ok &= r->thresholds[i].pass;
    }
    /* behind: more than 1% of the arrivals (and more than 10: a hiccup of a
     * loaded machine in a short run is not a trend) over 10 ms late, or any
     * over 1 s */
    r->generator_behind = (e->late10 > 10 && e->late10 * 100 > r->lateness.count) || r->lateness.max > 1000000000ull;

    h2o_socket_read_stop(e->timer);
    h2o_socket_close(e->timer);
    /* let h2o free closed sockets */
    h2o_evloop_run(e->loop, 0);
    h2o_timeout_dispose(e->loop, &e->io_timeout);
    h2o_evloop_destroy(e->loop);
    while (e->free_vus) {
        vu *v = e->free_vus;
        e->free_vus = v->next;
        buf_free(&v->out);
        free(v->vals);
        free(v);
    }
    free(e->heap);
    free(e->seq);
    free(e->phase_start);
    free(e->phase_len);
    free(e);
    return r;
}
