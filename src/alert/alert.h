/* Alerts: threshold rules with a cooldown, delivered as JSON to a webhook.
 *
 * The control thread evaluates the rules once a second (p99 latency, 5xx
 * ratio, resident memory) and reports one-off events (a refused reload).
 * Each alert kind fires when its condition becomes true, is repeated at
 * most once per cooldown while it stays true, and sends one "resolved"
 * message when it clears. Every alert is also written to the operational
 * log, so it is visible even without a webhook.
 *
 * Delivery runs on its own thread with a bounded queue, so a slow or dead
 * receiver never delays a request or the control thread; when the queue is
 * full the oldest undelivered alert is dropped (and counted). Transport is
 * libcurl: real receivers (Slack, PagerDuty, Opsgenie, Alertmanager behind
 * a proxy) speak HTTPS and sometimes need HTTPS_PROXY, redirects and
 * strict timeouts, which a hand-written socket client would have to grow
 * into a worse libcurl. Each attempt is bounded (2 s connect, 5 s total);
 * a failed one is retried twice, 1 s and 2 s later. */
#ifndef ISLA_ALERT_H
#define ISLA_ALERT_H

#include <stdbool.h>
#include <stdint.h>

/* webhook may be NULL (log only). instance names this server in the
 * payload (e.g. "host:8090"). */
void alert_start(const char *webhook, uint64_t cooldown_ms, const char *instance);
/* Delivers what is queued, waiting at most wait_ms, and stops the thread. */
void alert_stop(uint64_t wait_ms);

/* A condition evaluated repeatedly: fires on false->true (then at most
 * once per cooldown), resolves on true->false. */
void alert_condition(const char *kind, bool active, double value, double threshold, uint64_t now_ms,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* A one-off event (always sent, subject to the kind's cooldown). */
void alert_event(const char *kind, uint64_t now_ms, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Hands every webhook delivery to sink (the durable job queue, which
 * retries with backoff and keeps dead deliveries visible) instead of the
 * in-process sender; a sink that returns false falls back to the sender. */
void alert_set_sink(bool (*sink)(const char *url, const char *body));
/* The sink reports how a delivery ended: delivered, or failed for good
 * (after its last attempt), counted and logged like the sender's own. */
void alert_delivery_result(bool ok, const char *err);

typedef struct {
    uint64_t fired, delivered, failed, dropped, queued;
} alert_counts;
void alert_counts_read(alert_counts *c);

#endif
