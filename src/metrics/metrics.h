/* Request metrics: counters by route and status, latency histograms, and a
 * sliding window for percentiles.
 *
 * Hot path. Each serving thread owns one `metrics_shard` and is its only
 * writer, so recording a request is a handful of relaxed loads and stores
 * to memory no other core writes: no lock, no atomic read-modify-write, no
 * shared cache line. Readers (/metrics, /api/stats, the control thread) sum
 * the shards; a reader may see one request's counters half-updated, which
 * is the usual and harmless imprecision of scraping live counters.
 *
 * Latency is recorded twice: into the fixed Prometheus buckets (exact
 * counts per `le`), and into a log-linear histogram (4 sub-buckets per
 * power of two of microseconds, so a percentile read from it is within
 * ~12% of the true value) from which p50/p95/p99 are computed.
 *
 * Sliding window. Once a second the control thread snapshots the summed
 * cumulative histograms and keeps the per-second differences in a ring;
 * the window's histogram is maintained incrementally (add the newest
 * second, subtract the one that fell out). A reader adds the current,
 * partial second (live totals minus the last snapshot), so /api/stats is
 * exact up to the moment it is asked, not up to the last tick. Memory:
 * window seconds x routes x 104 buckets x 8 bytes (60 s: 600 KB). */
#ifndef ISLA_METRICS_H
#define ISLA_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/route.h"
#include "util/buf.h"

/* Requests are counted by route: the ids of the route table (api/route.h),
 * named by api_route_name. */
typedef api_route metrics_route;

#define METRICS_STATUS_SLOTS 26
#define METRICS_FINE_BUCKETS 104
#define METRICS_PROM_BUCKETS 15

typedef struct {
    _Atomic uint64_t requests[ROUTE_COUNT][METRICS_STATUS_SLOTS];
    _Atomic uint64_t prom[ROUTE_COUNT][METRICS_PROM_BUCKETS]; /* not cumulative; +Inf is the count */
    _Atomic uint64_t fine[ROUTE_COUNT][METRICS_FINE_BUCKETS];
    _Atomic uint64_t latency_us_sum[ROUTE_COUNT];
    _Atomic uint64_t bytes_out;
    _Atomic uint64_t rate_limited;
    _Atomic uint64_t not_modified;
    _Atomic uint64_t compressed[3];   /* identity, gzip, br: responses by encoding */
    char pad[64];
} metrics_shard;

/* Sets up n shards (one per serving thread) and the window. */
void metrics_init(unsigned n_shards, unsigned window_s);
metrics_shard *metrics_shard_get(unsigned i);

void metrics_record(metrics_shard *m, metrics_route route, int status, uint64_t latency_ns, uint64_t bytes);
static inline void metrics_add(_Atomic uint64_t *c, uint64_t v)
{
    /* Single writer: a plain load + store, never a locked instruction. */
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v, memory_order_relaxed);
}

/* Open connections, across threads (these are real atomics: connections
 * open on one thread and may be counted from another). */
void metrics_conn_open(void);
void metrics_conn_close(void);
uint64_t metrics_connections(void);

/* Once a second from the control thread: closes the current second. */
void metrics_tick(void);

/* Status slot <-> status text ("200", ..., "5xx"). */
unsigned metrics_status_slot(int status);
const char *metrics_status_label(unsigned slot);

/* Totals since start, summed over shards. */
typedef struct {
    uint64_t requests[ROUTE_COUNT][METRICS_STATUS_SLOTS];
    uint64_t prom[ROUTE_COUNT][METRICS_PROM_BUCKETS];
    uint64_t latency_us_sum[ROUTE_COUNT];
    uint64_t bytes_out, rate_limited, not_modified, compressed[3];
} metrics_totals;
void metrics_totals_read(metrics_totals *t);
extern const double METRICS_PROM_LE[METRICS_PROM_BUCKETS]; /* seconds */

/* The sliding window: counts, 5xx errors and latency percentiles (ms),
 * per route and overall ("all" leaves out the stats stream and admin
 * requests, whose duration is not a measure of service). seconds = the time the window covers (less than
 * the configured window right after start). */
typedef struct {
    uint64_t count, errors;
    double p50, p95, p99;
} metrics_window_route;
typedef struct {
    double seconds;
    metrics_window_route all;
    metrics_window_route route[ROUTE_COUNT];
    uint64_t rate_limited;
} metrics_window;
void metrics_window_read(metrics_window *w);

#endif
