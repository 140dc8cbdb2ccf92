/* The fleet's figures; see fleet.h. */
#include "cluster/fleet.h"

#include <inttypes.h>

#include "cluster/l2.h"
#include "cluster/ship.h"
#include "cluster/warm.h"

static void sample(buf_t *b, const char *name, const char *type, const char *help, uint64_t v)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help, name, type, name, v);
}

void fleet_render_prometheus(buf_t *b)
{
    if (l2_configured()) {
        l2_stats s;
        l2_stats_read(&s);
        buf_printf(b, "# HELP isla_l2_lookups_total Redis lookups by outcome (skipped: breaker open or no "
                      "connection).\n# TYPE isla_l2_lookups_total counter\n");
        buf_printf(b, "isla_l2_lookups_total{result=\"hit\"} %" PRIu64 "\n", s.hits);
        buf_printf(b, "isla_l2_lookups_total{result=\"miss\"} %" PRIu64 "\n", s.misses);
        buf_printf(b, "isla_l2_lookups_total{result=\"error\"} %" PRIu64 "\n", s.errors);
        buf_printf(b, "isla_l2_lookups_total{result=\"timeout\"} %" PRIu64 "\n", s.timeouts);
        buf_printf(b, "isla_l2_lookups_total{result=\"skipped\"} %" PRIu64 "\n", s.skipped);
        sample(b, "isla_l2_stores_total", "counter", "Answers stored in Redis.", s.stores);
        sample(b, "isla_l2_store_errors_total", "counter", "Redis stores that failed.", s.store_errors);
        sample(b, "isla_l2_too_large_total", "counter", "Answers not stored: above --redis-max-entry.", s.too_large);
        buf_printf(b, "# HELP isla_l2_latency_seconds Time to a Redis answer (lookups answered in time).\n"
                      "# TYPE isla_l2_latency_seconds summary\nisla_l2_latency_seconds_sum %.6f\n"
                      "isla_l2_latency_seconds_count %" PRIu64 "\n",
                   (double)s.latency_us_sum / 1e6, s.latency_count);
        sample(b, "isla_l2_breaker_opened_total", "counter", "Circuit breaker openings (all threads).",
               s.breaker_opened);
        sample(b, "isla_l2_breaker_closed_total", "counter", "Circuit breaker closings (all threads).",
               s.breaker_closed);
        sample(b, "isla_l2_breaker_open", "gauge", "Threads whose breaker is open or half-open.", s.breakers_open);
        sample(b, "isla_l2_connected", "gauge", "Threads connected to Redis.", s.connected);
        sample(b, "isla_l2_clients", "gauge", "Threads with a Redis client.", s.clients);
        sample(b, "isla_l2_connects_total", "counter", "Redis connections made.", s.connects);
        sample(b, "isla_l2_disconnects_total", "counter", "Redis connections lost.", s.disconnects);
        sample(b, "isla_l2_singleflight_waits_total", "counter",
               "Requests that waited for another request's search of the same key.", s.singleflight_waits);
    }
    warm_stats w;
    warm_stats_read(&w);
    sample(b, "isla_warm_runs_total", "counter", "Warmings after a generation switch.", w.runs);
    sample(b, "isla_warm_searches_total", "counter", "Searches answered in advance by warming.", w.warmed);
    sample(b, "isla_warm_last_searches", "gauge", "Searches the last warming answered.", w.last_warmed);
    buf_printf(b, "# HELP isla_warm_last_seconds Duration of the last warming.\n# TYPE isla_warm_last_seconds "
                  "gauge\nisla_warm_last_seconds %.3f\n", (double)w.last_ms / 1000.0);
    ship_lease_stats ls;
    ship_lease_stats_read(&ls);
    if (ls.granted + ls.busy > 0) {
        sample(b, "isla_ship_files_total", "counter", "Generation file transfers started for replicas.", ls.granted);
        sample(b, "isla_ship_busy_total", "counter", "File requests turned away: other replicas held the slots.",
               ls.busy);
        sample(b, "isla_ship_max_concurrent_replicas", "gauge", "Most replicas downloading at once.",
               ls.max_concurrent);
    }
    ship_stats f;
    ship_stats_read(&f);
    if (f.polls > 0) {
        sample(b, "isla_follow_polls_total", "counter", "Manifest polls of the builder.", f.polls);
        sample(b, "isla_follow_pulls_total", "counter", "Generations pulled, verified and published.", f.pulls);
        sample(b, "isla_follow_failures_total", "counter", "Polls or pulls that failed (retried).", f.failures);
        sample(b, "isla_follow_checksum_mismatches_total", "counter", "Downloaded files refused for their SHA-256.",
               f.checksum_mismatches);
        sample(b, "isla_follow_resumed_total", "counter", "Downloads resumed with a Range request.", f.resumed);
        sample(b, "isla_follow_busy_total", "counter", "Pulls that waited for a shipping slot.", f.busy);
        sample(b, "isla_follow_bytes_total", "counter", "Bytes downloaded from the builder.", f.bytes);
        sample(b, "isla_follow_builder_generation", "gauge", "The builder's generation at the last poll.",
               f.builder_generation);
        buf_printf(b, "# HELP isla_follow_last_pull_seconds Duration of the last pull (download, checks, "
                      "publish).\n# TYPE isla_follow_last_pull_seconds gauge\nisla_follow_last_pull_seconds %.3f\n",
                   (double)f.last_pull_ms / 1000.0);
    }
}

void fleet_render_stats(buf_t *b)
{
    if (l2_configured()) {
        l2_stats s;
        l2_stats_read(&s);
        uint64_t lookups = s.hits + s.misses + s.errors + s.timeouts + s.skipped;
        buf_printf(b,
                   "\"l2\":{\"status\":\"%s\",\"hits\":%" PRIu64 ",\"misses\":%" PRIu64 ",\"errors\":%" PRIu64
                   ",\"timeouts\":%" PRIu64 ",\"skipped\":%" PRIu64 ",\"hitRate\":%.6f,\"stores\":%" PRIu64
                   ",\"latencyMs\":%.3f,\"breakerOpen\":%" PRIu64 ",\"breakerOpened\":%" PRIu64
                   ",\"breakerClosed\":%" PRIu64 ",\"connected\":%" PRIu64 ",\"clients\":%" PRIu64
                   ",\"singleflightWaits\":%" PRIu64 "},",
                   l2_degraded() ? "degraded" : "ok", s.hits, s.misses, s.errors, s.timeouts, s.skipped,
                   lookups ? (double)s.hits / (double)lookups : 0.0, s.stores,
                   s.latency_count ? (double)s.latency_us_sum / 1000.0 / (double)s.latency_count : 0.0,
                   s.breakers_open, s.breaker_opened, s.breaker_closed, s.connected, s.clients,
                   s.singleflight_waits);
    }
    warm_stats w;
    warm_stats_read(&w);
    buf_printf(b, "\"warm\":{\"runs\":%" PRIu64 ",\"warmed\":%" PRIu64 ",\"lastWarmed\":%" PRIu64
                  ",\"lastCandidates\":%" PRIu64 ",\"lastMs\":%" PRIu64 "},",
               w.runs, w.warmed, w.last_warmed, w.last_candidates, w.last_ms);
    ship_stats f;
    ship_stats_read(&f);
    if (f.polls > 0) {
        BUF_LIT(b, "\"follow\":");
        ship_follow_status(b);
        buf_putc(b, ',');
    }
}
