/* The operator's endpoints' bodies: GET /metrics (Prometheus text format
 * 0.0.4) and GET /api/stats (JSON, also the payload of every
 * /api/stats/stream event).
 *
 * Both read the live counters of every module (metrics, cache, rate
 * limiter, memory monitor, alerts) plus what only the server knows, passed
 * in an ops_view. Rendering costs tens of microseconds (the window's
 * histograms are summed per call): fine for scrapes and dashboards, and
 * these endpoints are exempt from rate limiting, not from accounting. */
#ifndef ISLA_OPS_H
#define ISLA_OPS_H

#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"

typedef struct {
    uint64_t started_unix_ms;
    uint64_t now_unix_ms;
    const store_t *store;     /* NULL before the first generation */
    uint64_t reloads_ok, reloads_failed;
    uint64_t last_reload_unix_ms;
    uint64_t streams;         /* open /api/stats/stream clients */
    unsigned threads;
    uint64_t max_connections;
    /* connection guards (http/conns.c) */
    uint64_t buffered_bytes;
    uint64_t refused_busy, refused_address, stalled, idle_closed, evicted;
} ops_view;

void ops_render_prometheus(buf_t *b, const ops_view *v);
void ops_render_stats(buf_t *b, const ops_view *v);

#endif
