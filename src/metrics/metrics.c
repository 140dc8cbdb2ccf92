/* Request metrics; see metrics.h for the design. */
#include "metrics/metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"

/* Exact codes get their own label; anything else is counted as its class. */
static const int STATUS_CODES[] = {200, 204, 206, 301, 302, 304, 400, 401, 403, 404, 405,
                                   408, 413, 414, 416, 429, 431, 500, 502, 503, 504};
#define N_CODES (sizeof(STATUS_CODES) / sizeof(STATUS_CODES[0]))
static const char *const STATUS_LABELS[METRICS_STATUS_SLOTS] = {
    "200", "204", "206", "301", "302", "304", "400", "401", "403", "404", "405", "408", "413",
    "414", "416", "429", "431", "500", "502", "503", "504", "1xx", "2xx", "3xx", "4xx", "5xx"};

unsigned metrics_status_slot(int status)
{
    for (unsigned i = 0; i < N_CODES; i++)
        if (STATUS_CODES[i] == status)
            return i;
    int cls = status / 100;
    if (cls < 1)
        cls = 1;
    if (cls > 5)
        cls = 5;
    return (unsigned)(N_CODES + (unsigned)cls - 1);
}

const char *metrics_status_label(unsigned slot)
{
    return slot < METRICS_STATUS_SLOTS ? STATUS_LABELS[slot] : "5xx";
}

static bool slot_is_error(unsigned slot)
{
    const char *l = STATUS_LABELS[slot];
    return l[0] == '5';
}

const double METRICS_PROM_LE[METRICS_PROM_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.25,   0.5,     1,      2.5,   5};
/* The same bounds in microseconds, for the hot path. */
static const uint64_t PROM_LE_US[METRICS_PROM_BUCKETS] = {100,   250,    500,    1000,    2500,
                                                          5000,  10000,  25000,  50000,   100000,
                                                          250000, 500000, 1000000, 2500000, 5000000};

/* Log-linear bucket of a microsecond value: 0..3 as themselves, then 4
 * sub-buckets per power of two. */
static unsigned fine_index(uint64_t us)
{
    if (us < 4)
        return (unsigned)us;
    unsigned o = 63u - (unsigned)__builtin_clzll(us);
    unsigned sub = (unsigned)(us >> (o - 2)) & 3u;
    unsigned idx = 4 + (o - 2) * 4 + sub;
    return idx < METRICS_FINE_BUCKETS ? idx : METRICS_FINE_BUCKETS - 1;
}

static void fine_bounds(unsigned idx, double *lo, double *hi)
{
    if (idx < 4) {
        *lo = idx;
        *hi = idx + 1;
        return;
    }
    unsigned o = (idx - 4) / 4 + 2, sub = (idx - 4) % 4;
    *lo = (double)((uint64_t)(4 + sub) << (o - 2));
    *hi = (double)((uint64_t)(5 + sub) << (o - 2));
}

/* ---- state -------------------------------------------------------------- */

typedef struct {
    uint64_t count[ROUTE_COUNT];
    uint64_t errors[ROUTE_COUNT];
    uint64_t fine[ROUTE_COUNT][METRICS_FINE_BUCKETS];
    uint64_t rate_limited;
} window_slot;

static struct {
    metrics_shard *shards;
    unsigned n_shards;
    _Atomic uint64_t connections;

    pthread_mutex_t lock;     /* guards everything below */
    unsigned window_s;
    window_slot *ring;        /* window_s slots of per-second differences */
    unsigned head, filled;
    window_slot last;         /* cumulative at the last tick */
    window_slot sum;          /* sum of the ring */
    uint64_t last_tick_ns;
} M = {.lock = PTHREAD_MUTEX_INITIALIZER};

void metrics_init(unsigned n_shards, unsigned window_s)
{
    free(M.shards);
    free(M.ring);
    M.n_shards = n_shards ? n_shards : 1;
    if (posix_memalign((void **)&M.shards, 64, M.n_shards * sizeof(metrics_shard)) != 0)
        abort();
    memset(M.shards, 0, M.n_shards * sizeof(metrics_shard));
    atomic_store(&M.connections, 0);
    /* The ring holds the full seconds before the current one. */
    M.window_s = window_s < 2 ? 2 : window_s;
    M.ring = calloc(M.window_s - 1, sizeof(window_slot));
    if (M.ring == NULL)
        abort();
    M.head = M.filled = 0;
    memset(&M.last, 0, sizeof(M.last));
    memset(&M.sum, 0, sizeof(M.sum));
    M.last_tick_ns = clock_mono_ns();
}

metrics_shard *metrics_shard_get(unsigned i)
{
    return &M.shards[i % M.n_shards];
}

void metrics_record(metrics_shard *m, metrics_route route, int status, uint64_t latency_ns, uint64_t bytes)
{
    uint64_t us = latency_ns / 1000;
    metrics_add(&m->requests[route][metrics_status_slot(status)], 1);
    metrics_add(&m->fine[route][fine_index(us)], 1);
    metrics_add(&m->latency_us_sum[route], us);
    unsigned b = 0;
    while (b < METRICS_PROM_BUCKETS && us > PROM_LE_US[b])
        b++;
    if (b < METRICS_PROM_BUCKETS)
        metrics_add(&m->prom[route][b], 1);
    metrics_add(&m->bytes_out, bytes);
}

void metrics_conn_open(void)
{
    atomic_fetch_add_explicit(&M.connections, 1, memory_order_relaxed);
}

void metrics_conn_close(void)
{
    atomic_fetch_sub_explicit(&M.connections, 1, memory_order_relaxed);
}

uint64_t metrics_connections(void)
{
    return atomic_load_explicit(&M.connections, memory_order_relaxed);
}

static uint64_t ld(_Atomic uint64_t *p)
{
    return atomic_load_explicit(p, memory_order_relaxed);
}

void metrics_totals_read(metrics_totals *t)
{
    memset(t, 0, sizeof(*t));
    for (unsigned s = 0; s < M.n_shards; s++) {
        metrics_shard *m = &M.shards[s];
        for (int r = 0; r < ROUTE_COUNT; r++) {
            for (int k = 0; k < METRICS_STATUS_SLOTS; k++)
                t->requests[r][k] += ld(&m->requests[r][k]);
            for (int k = 0; k < METRICS_PROM_BUCKETS; k++)
                t->prom[r][k] += ld(&m->prom[r][k]);
            t->latency_us_sum[r] += ld(&m->latency_us_sum[r]);
        }
        t->bytes_out += ld(&m->bytes_out);
        t->rate_limited += ld(&m->rate_limited);
        t->not_modified += ld(&m->not_modified);
        for (int k = 0; k < 3; k++)
            t->compressed[k] += ld(&m->compressed[k]);
    }
}

/* The cumulative state in window_slot form. */
static void read_cumulative(window_slot *c)
{
    memset(c, 0, sizeof(*c));
    for (unsigned s = 0; s < M.n_shards; s++) {
        metrics_shard *m = &M.shards[s];
        for (int r = 0; r < ROUTE_COUNT; r++) {
            for (int k = 0; k < METRICS_STATUS_SLOTS; k++) {
                uint64_t v = ld(&m->requests[r][k]);
                c->count[r] += v;
                if (slot_is_error((unsigned)k))
                    c->errors[r] += v;
            }
            for (int k = 0; k < METRICS_FINE_BUCKETS; k++)
                c->fine[r][k] += ld(&m->fine[r][k]);
        }
        c->rate_limited += ld(&m->rate_limited);
    }
}

/* a += sign * (b - c), slot-wise. Counters only grow, but a reader may see
 * a half-updated request, so differences are clamped at zero. */
static uint64_t diff(uint64_t b, uint64_t c)
{
    return b > c ? b - c : 0;
}

void metrics_tick(void)
{
    static window_slot now, delta; /* 10 KB each: not on the stack */
    read_cumulative(&now);
    pthread_mutex_lock(&M.lock);
    for (int r = 0; r < ROUTE_COUNT; r++) {
        delta.count[r] = diff(now.count[r], M.last.count[r]);
        delta.errors[r] = diff(now.errors[r], M.last.errors[r]);
        for (int k = 0; k < METRICS_FINE_BUCKETS; k++)
            delta.fine[r][k] = diff(now.fine[r][k], M.last.fine[r][k]);
    }
    delta.rate_limited = diff(now.rate_limited, M.last.rate_limited);
    M.last = now;
    M.last_tick_ns = clock_mono_ns();

    unsigned cap = M.window_s - 1;
    window_slot *slot = &M.ring[M.head];
    if (M.filled == cap) {
        /* The oldest second leaves the window. */
        for (int r = 0; r < ROUTE_COUNT; r++) {
            M.sum.count[r] -= slot->count[r];
            M.sum.errors[r] -= slot->errors[r];
            for (int k = 0; k < METRICS_FINE_BUCKETS; k++)
                M.sum.fine[r][k] -= slot->fine[r][k];
        }
        M.sum.rate_limited -= slot->rate_limited;
    } else {
        M.filled++;
    }
    *slot = delta;
    for (int r = 0; r < ROUTE_COUNT; r++) {
        M.sum.count[r] += delta.count[r];
        M.sum.errors[r] += delta.errors[r];
        for (int k = 0; k < METRICS_FINE_BUCKETS; k++)
            M.sum.fine[r][k] += delta.fine[r][k];
    }
    M.sum.rate_limited += delta.rate_limited;
    M.head = (M.head + 1) % cap;
    pthread_mutex_unlock(&M.lock);
}

static double percentile(const uint64_t *fine, uint64_t total, double q)
{
    if (total == 0)
        return 0;
    double rank = q * (double)total;
    uint64_t seen = 0;
    for (unsigned k = 0; k < METRICS_FINE_BUCKETS; k++) {
        if (fine[k] == 0)
            continue;
        if ((double)(seen + fine[k]) >= rank) {
            double lo, hi;
            fine_bounds(k, &lo, &hi);
            double frac = (rank - (double)seen) / (double)fine[k];
            if (frac < 0)
                frac = 0;
            return (lo + (hi - lo) * frac) / 1000.0; /* ms */
        }
        seen += fine[k];
    }
    double lo, hi;
    fine_bounds(METRICS_FINE_BUCKETS - 1, &lo, &hi);
    return hi / 1000.0;
}

void metrics_window_read(metrics_window *w)
{
    static _Thread_local window_slot now, win;
    static _Thread_local uint64_t all_fine[METRICS_FINE_BUCKETS];
    read_cumulative(&now);
    pthread_mutex_lock(&M.lock);
    unsigned filled = M.filled;
    double partial = (double)(clock_mono_ns() - M.last_tick_ns) / 1e9;
    for (int r = 0; r < ROUTE_COUNT; r++) {
        win.count[r] = M.sum.count[r] + diff(now.count[r], M.last.count[r]);
        win.errors[r] = M.sum.errors[r] + diff(now.errors[r], M.last.errors[r]);
        for (int k = 0; k < METRICS_FINE_BUCKETS; k++)
            win.fine[r][k] = M.sum.fine[r][k] + diff(now.fine[r][k], M.last.fine[r][k]);
    }
    win.rate_limited = M.sum.rate_limited + diff(now.rate_limited, M.last.rate_limited);
    pthread_mutex_unlock(&M.lock);

    memset(w, 0, sizeof(*w));
    /* The ring's full seconds plus the current, partial one. */
    w->seconds = (double)filled + (partial < 0.001 ? 0.001 : partial);
    memset(all_fine, 0, sizeof(all_fine));
    for (int r = 0; r < ROUTE_COUNT; r++) {
        metrics_window_route *o = &w->route[r];
        o->count = win.count[r];
        o->errors = win.errors[r];
        o->p50 = percentile(win.fine[r], o->count, 0.50);
        o->p95 = percentile(win.fine[r], o->count, 0.95);
        o->p99 = percentile(win.fine[r], o->count, 0.99);
        /* The overall figures leave out the stats stream (its "latency" is
         * the time to open it) and admin reloads (which wait for a load):
         * neither says anything about how fast clients are served, and both
         * would set off latency alerts (RF_NOT_SERVICE in the route table). */
        if (api_route_flags((api_route)r) & RF_NOT_SERVICE)
            continue;
        w->all.count += o->count;
        w->all.errors += o->errors;
        for (int k = 0; k < METRICS_FINE_BUCKETS; k++)
            all_fine[k] += win.fine[r][k];
    }
    w->all.p50 = percentile(all_fine, w->all.count, 0.50);
    w->all.p95 = percentile(all_fine, w->all.count, 0.95);
    w->all.p99 = percentile(all_fine, w->all.count, 0.99);
    w->rate_limited = win.rate_limited;
}
