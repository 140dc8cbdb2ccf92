/* /metrics and /api/stats bodies; see ops.h.
 *
 * Metric names follow the Prometheus conventions promtool checks: base
 * units (seconds, bytes), `_total` on counters and only on counters, one
 * HELP and TYPE per family, labels with bounded values (routes and status
 * codes come from fixed tables, never from the request). */
#include "ops/ops.h"

#include <string.h>

#include "cache/cache.h"
#include "cluster/fleet.h"
#include "util/ratelimit.h"
#include "jobs/runner.h"
#include "keys/keys.h"
#include "util/ratelimit.h"
#include "alert/alert.h"
#include "metrics/memory.h"
#include "metrics/metrics.h"
#include "util/ratelimit.h"

static void family(buf_t *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample_u64(buf_t *b, const char *name, const char *type, const char *help, uint64_t v)
{
    family(b, name, type, help);
    buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void sample_f(buf_t *b, const char *name, const char *type, const char *help, double v)
{
    family(b, name, type, help);
    buf_printf(b, "%s %.17g\n", name, v);
}

void ops_render_prometheus(buf_t *b, const ops_view *v)
{
    static _Thread_local metrics_totals t; /* 30 KB: not on the stack */
    metrics_totals_read(&t);

    family(b, "isla_http_requests_total", "counter", "HTTP requests answered, by route and status code.");
    for (int r = 0; r < ROUTE_COUNT; r++)
        for (unsigned k = 0; k < METRICS_STATUS_SLOTS; k++)
            if (t.requests[r][k] != 0)
                buf_printf(b, "isla_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                           api_route_name((api_route)r), metrics_status_label(k),
                           (unsigned long long)t.requests[r][k]);

    family(b, "isla_http_request_duration_seconds", "histogram",
           "Time from the request being read to its response starting, by route.");
    for (int r = 0; r < ROUTE_COUNT; r++) {
        uint64_t count = 0;
        for (unsigned k = 0; k < METRICS_STATUS_SLOTS; k++)
            count += t.requests[r][k];
        if (count == 0)
            continue;
        const char *name = api_route_name((api_route)r);
        uint64_t cum = 0;
        for (int k = 0; k < METRICS_PROM_BUCKETS; k++) {
            cum += t.prom[r][k];
            /* A reader may see a request's bucket before its count. */
            if (cum > count)
                cum = count;
            buf_printf(b, "isla_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", name,
                       METRICS_PROM_LE[k], (unsigned long long)cum);
        }
        buf_printf(b, "isla_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", name,
                   (unsigned long long)count);
        buf_printf(b, "isla_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
                   (double)t.latency_us_sum[r] / 1e6);
        buf_printf(b, "isla_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
                   (unsigned long long)count);
    }
    sample_u64(b, "isla_http_response_body_bytes_total", "counter", "Response body bytes sent (after compression).",
               t.bytes_out);
    family(b, "isla_http_responses_by_encoding_total", "counter", "Responses by Content-Encoding.");
    static const char *const enc[3] = {"identity", "gzip", "br"};
    for (int k = 0; k < 3; k++)
        buf_printf(b, "isla_http_responses_by_encoding_total{encoding=\"%s\"} %llu\n", enc[k],
                   (unsigned long long)t.compressed[k]);
    sample_u64(b, "isla_http_not_modified_total", "counter", "304 answers to If-None-Match.", t.not_modified);
    sample_u64(b, "isla_http_rate_limited_total", "counter", "Requests refused with 429 by the rate limiter.",
               t.rate_limited);
    sample_u64(b, "isla_rate_limit_clients", "gauge", "Client buckets the rate limiter holds.", ratelimit_clients());
    sample_u64(b, "isla_http_open_connections", "gauge", "Open client connections.", metrics_connections());
    sample_u64(b, "isla_http_max_connections", "gauge", "Configured --max-connections.", v->max_connections);
    sample_u64(b, "isla_http_buffered_bytes", "gauge",
               "Bytes of answers written but not yet taken by clients (bounded by --max-buffered).",
               v->buffered_bytes);
    sample_u64(b, "isla_http_busy_refused_total", "counter",
               "Requests answered 503 busy: --max-buffered or --max-buffered-per-connection reached.", v->refused_busy);
    sample_u64(b, "isla_http_address_refused_total", "counter",
               "Connections refused at accept by --max-connections-per-address.", v->refused_address);
    sample_u64(b, "isla_http_stalled_total", "counter",
               "HTTP/2 streams reset and HTTP/1.1 connections closed after --send-timeout without progress.",
               v->stalled);
    sample_u64(b, "isla_http_idle_closed_total", "counter",
               "HTTP/2 connections closed after --idle-timeout without a request, PINGs or not.", v->idle_closed);
    sample_u64(b, "isla_http_evicted_total", "counter",
               "Idle connections closed to make room at --max-connections.", v->evicted);
    sample_u64(b, "isla_stats_stream_clients", "gauge", "Open /api/stats/stream clients.", v->streams);
    sample_u64(b, "isla_threads", "gauge", "Serving threads.", v->threads);

    cache_stats cs;
    cache_stats_read(&cs);
    sample_u64(b, "isla_cache_hits_total", "counter", "Result cache hits.", cs.hits);
    sample_u64(b, "isla_cache_misses_total", "counter", "Result cache misses.", cs.misses);
    sample_u64(b, "isla_cache_inserts_total", "counter", "Answers stored in the result cache.", cs.inserts);
    sample_u64(b, "isla_cache_evictions_total", "counter", "Entries evicted to stay within the byte budget.",
               cs.evictions);
    sample_u64(b, "isla_cache_expired_total", "counter", "Entries dropped for their TTL or an old generation.",
               cs.expired);
    sample_u64(b, "isla_cache_rejected_total", "counter", "Answers too large to cache.", cs.rejected);
    sample_u64(b, "isla_cache_clears_total", "counter", "Times the cache was emptied for a new generation.",
               cs.clears);
    sample_u64(b, "isla_cache_entries", "gauge", "Entries in the result cache.", cs.entries);
    sample_u64(b, "isla_cache_bytes", "gauge", "Bytes held by the result cache.", cs.bytes);
    sample_u64(b, "isla_cache_budget_bytes", "gauge", "Byte budget of the result cache.", cs.budget);
    fleet_render_prometheus(b);

    sample_u64(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", memory_last_rss());
    sample_f(b, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.",
             (double)v->started_unix_ms / 1000.0);
    memory_trend tr;
    memory_trend_read(&tr);
    sample_f(b, "isla_memory_rss_trend_bytes_per_hour", "gauge",
             "Least-squares slope of resident memory over the last ten minutes.", tr.slope_bytes_per_h);
    sample_f(b, "isla_uptime_seconds", "gauge", "Seconds since the server started.",
             (double)(v->now_unix_ms - v->started_unix_ms) / 1000.0);

    const store_t *s = v->store;
    sample_u64(b, "isla_ready", "gauge", "1 when a generation is loaded and searches are answered.", s != NULL);
    if (s != NULL) {
        const store_import_stats *st = &s->stats;
        sample_u64(b, "isla_generation", "gauge", "Number of the data generation being served.", s->generation);
        sample_u64(b, "isla_offers", "gauge", "Offers in the generation being served.", s->n_offers);
        sample_u64(b, "isla_hotels", "gauge", "Hotels in the generation being served.", s->n_hotels);
        sample_u64(b, "isla_generation_created_timestamp_seconds", "gauge",
                   "When the generation being served was imported (Unix seconds).", st->created_unix);
        double age = (double)v->now_unix_ms / 1000.0 - (double)st->created_unix;
        sample_f(b, "isla_generation_age_seconds", "gauge", "Age of the data being served.", age < 0 ? 0 : age);
        sample_u64(b, "isla_import_rows", "gauge", "Rows read by the import of the generation being served.",
                   st->rows);
        sample_u64(b, "isla_import_imported_rows", "gauge", "Rows imported into the generation being served.",
                   st->imported);
        sample_u64(b, "isla_import_rejected_rows", "gauge", "Rows rejected by the import of this generation.",
                   st->rejected);
        sample_u64(b, "isla_import_duplicate_rows", "gauge", "Duplicate rows seen by the import of this generation.",
                   st->duplicates);
        sample_u64(b, "isla_import_unknown_hotel_rows", "gauge",
                   "Rows of hotels missing from hotels.csv (kept, with a placeholder).", st->unknown_hotel_rows);
        sample_u64(b, "isla_import_input_bytes", "gauge", "Bytes of CSV the import of this generation read.",
                   st->bytes);
        sample_f(b, "isla_import_duration_seconds", "gauge", "How long the import of this generation took.",
                 (double)st->duration_ms / 1000.0);
    }
    family(b, "isla_reloads_total", "counter", "Generation loads after the first, by result.");
    buf_printf(b, "isla_reloads_total{result=\"ok\"} %llu\nisla_reloads_total{result=\"failed\"} %llu\n",
               (unsigned long long)v->reloads_ok, (unsigned long long)v->reloads_failed);
    sample_f(b, "isla_last_reload_timestamp_seconds", "gauge", "When a generation was last switched (Unix seconds).",
             (double)v->last_reload_unix_ms / 1000.0);

    keys_render_prometheus(b);
    jobs_render_prometheus(b);

    alert_counts ac;
    alert_counts_read(&ac);
    sample_u64(b, "isla_alerts_fired_total", "counter", "Alerts raised (firing and resolved messages).", ac.fired);
    family(b, "isla_alert_deliveries_total", "counter", "Webhook deliveries of alerts, by result.");
    buf_printf(b,
               "isla_alert_deliveries_total{result=\"ok\"} %llu\nisla_alert_deliveries_total{result=\"failed\"} "
               "%llu\nisla_alert_deliveries_total{result=\"dropped\"} %llu\n",
               (unsigned long long)ac.delivered, (unsigned long long)ac.failed, (unsigned long long)ac.dropped);
    sample_u64(b, "isla_alerts_queued_total", "counter", "Alerts handed to the job queue as webhook jobs.", ac.queued);
}

static void route_json(buf_t *b, const metrics_window_route *r, double secs)
{
    buf_printf(b, "\"count\":%llu,\"perSecond\":%.3f,\"p50\":%.3f,\"p95\":%.3f,\"p99\":%.3f,\"errors\":%llu",
               (unsigned long long)r->count, secs > 0 ? (double)r->count / secs : 0, r->p50, r->p95, r->p99,
               (unsigned long long)r->errors);
}

void ops_render_stats(buf_t *b, const ops_view *v)
{
    static _Thread_local metrics_window w;
    static _Thread_local metrics_totals t;
    metrics_window_read(&w);
    metrics_totals_read(&t);
    uint64_t total = 0, errors = 0, route_total[ROUTE_COUNT] = {0};
    for (int r = 0; r < ROUTE_COUNT; r++) {
        for (unsigned k = 0; k < METRICS_STATUS_SLOTS; k++) {
            route_total[r] += t.requests[r][k];
            if (metrics_status_label(k)[0] == '5')
                errors += t.requests[r][k];
        }
        if (!(api_route_flags((api_route)r) & RF_NOT_SERVICE))
            total += route_total[r];
    }
    const store_t *s = v->store;
    double now_s = (double)v->now_unix_ms / 1000.0;
    buf_printf(b, "{\"time\":%.3f,\"uptime\":%.3f,", now_s, (double)(v->now_unix_ms - v->started_unix_ms) / 1000.0);
    if (s != NULL) {
        double age = now_s - (double)s->stats.created_unix;
        buf_printf(b, "\"generation\":%llu,\"offers\":%u,\"hotels\":%u,\"dataAge\":%.0f,",
                   (unsigned long long)s->generation, s->n_offers, s->n_hotels, age < 0 ? 0 : age);
    } else {
        BUF_LIT(b, "\"generation\":null,\"offers\":0,\"hotels\":0,\"dataAge\":null,");
    }
    buf_printf(b, "\"windowSeconds\":%.3f,", w.seconds);
    buf_printf(b,
               "\"requests\":{\"total\":%llu,\"perSecond\":%.3f,\"errors\":%llu,\"errorRate\":%.6f,"
               "\"window\":%llu,\"windowErrors\":%llu},",
               (unsigned long long)total, (double)w.all.count / w.seconds, (unsigned long long)errors,
               w.all.count ? (double)w.all.errors / (double)w.all.count : 0.0, (unsigned long long)w.all.count,
               (unsigned long long)w.all.errors);
    buf_printf(b, "\"latency\":{\"p50\":%.3f,\"p95\":%.3f,\"p99\":%.3f},", w.all.p50, w.all.p95, w.all.p99);
    BUF_LIT(b, "\"routes\":{");
    bool first = true;
    for (int r = 0; r < ROUTE_COUNT; r++) {
        if (route_total[r] == 0)
            continue;
        if (!first)
            buf_putc(b, ',');
        first = false;
        buf_printf(b, "\"%s\":{", api_route_name((api_route)r));
        route_json(b, &w.route[r], w.seconds);
        buf_printf(b, ",\"total\":%llu}", (unsigned long long)route_total[r]);
    }
    BUF_LIT(b, "},");
    cache_stats cs;
    cache_stats_read(&cs);
    uint64_t lookups = cs.hits + cs.misses;
    buf_printf(b,
               "\"cache\":{\"hits\":%llu,\"misses\":%llu,\"hitRate\":%.6f,\"entries\":%llu,\"bytes\":%llu,"
               "\"evictions\":%llu,\"expired\":%llu,\"budgetBytes\":%llu},",
               (unsigned long long)cs.hits, (unsigned long long)cs.misses,
               lookups ? (double)cs.hits / (double)lookups : 0.0, (unsigned long long)cs.entries,
               (unsigned long long)cs.bytes, (unsigned long long)cs.evictions, (unsigned long long)cs.expired,
               (unsigned long long)cs.budget);
    fleet_render_stats(b);
    memory_trend tr;
    memory_trend_read(&tr);
    buf_printf(b, "\"memory\":{\"rssBytes\":%llu,\"trendBytesPerHour\":%.0f,\"minBytes\":%llu,\"maxBytes\":%llu},",
               (unsigned long long)tr.rss, tr.slope_bytes_per_h, (unsigned long long)tr.min,
               (unsigned long long)tr.max);
    buf_printf(b,
               "\"connections\":%llu,\"streams\":%llu,\"threads\":%u,\"rateLimited\":%llu,"
               "\"rateLimitedWindow\":%llu,\"reloads\":{\"ok\":%llu,\"failed\":%llu},",
               (unsigned long long)metrics_connections(), (unsigned long long)v->streams, v->threads,
               (unsigned long long)t.rate_limited, (unsigned long long)w.rate_limited,
               (unsigned long long)v->reloads_ok, (unsigned long long)v->reloads_failed);
    buf_printf(b,
               "\"guards\":{\"bufferedBytes\":%llu,\"busyRefused\":%llu,\"addressRefused\":%llu,\"stalled\":%llu,"
               "\"idleClosed\":%llu,\"evicted\":%llu},",
               (unsigned long long)v->buffered_bytes, (unsigned long long)v->refused_busy,
               (unsigned long long)v->refused_address, (unsigned long long)v->stalled,
               (unsigned long long)v->idle_closed, (unsigned long long)v->evicted);
    BUF_LIT(b, "\"tiers\":");
    keys_render_stats(b);
    BUF_LIT(b, ",\"jobs\":");
    jobs_render_stats(b);
    buf_putc(b, '}');
}
