/* The job runner of `isla serve`: worker threads that claim jobs from the
 * queue (jobs.h) and run them, a keeper thread that renews leases, writes
 * progress and notices cancellations, and the job kinds isla has:
 *
 *   import    {"offers": PATH_OR_URL, "hotels": PATH_OR_URL, "maxRejects": N}
 *             the CLI's import (import_run) at the lowest priority; an
 *             http(s) URL is downloaded first (libcurl; plain or gzip), so
 *             a broken download can never publish a partial data set. On
 *             success the server is told to load the new generation.
 *   export    {"query": QUERY_STRING, "format": "csv"|"json"}
 *             a price report: bestOffersByHotel of that search over the
 *             serving generation, written to DIR/exports/job-ID.{csv,json}
 *   webhook   {"url": URL, "body": JSON_TEXT} one alert delivery (POST)
 *   schedule  {"at": "HH:MM", "offers": ..., "hotels": ...} the daily
 *             import: when due, submits that day's import (idempotency key
 *             "import:YYYY-MM-DD") and the next day's schedule job.
 *
 * Lanes: imports and exports run on the heavy lane, one thread at
 * SCHED_IDLE with nice 19 and the idle I/O class (the import's own threads
 * inherit all three), so a busy server gives them only idle CPU; webhooks
 * and schedules run on the light lane at normal priority.
 *
 * Events: every state change and progress step is also an event in an
 * in-memory ring (the last JOBS_EVENT_RING), which the HTTP layer streams
 * as server-sent events. */
#ifndef ISLA_JOBS_RUNNER_H
#define ISLA_JOBS_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobs/jobs.h"
#include "jobs/kinds.h"
#include "util/buf.h"

#define JOBS_EVENT_RING 256


bool jobs_start(const jobs_config *cfg, char *err, size_t errlen);
/* Stops the workers: running jobs are asked to stop and given back to the
 * queue (their attempt does not count); waits at most wait_ms. */
void jobs_stop(uint64_t wait_ms);
bool jobs_on(void);

/* The queue, for the API (one connection shared under a lock). */
jobs_db *jobs_db_acquire(void);
void jobs_db_release(void);
/* After a submit, retry or cancel through the API: workers look now, and
 * a running job that was cancelled is told to stop. */
void jobs_wake(void);
void jobs_cancel_running(int64_t id);

/* The configured attempts of a kind. */
uint32_t jobs_max_attempts(const char *kind);

/* Submits a webhook delivery (the alert module's sink). */
bool jobs_submit_webhook(const char *url, const char *body);

/* Appends server-sent events newer than `after` to out ("id: N\nevent:
 * job\ndata: {...}\n\n"); returns the newest sequence number. */
uint64_t jobs_events_since(uint64_t after, buf_t *out);
uint64_t jobs_events_last(void);

/* A snapshot for /metrics, /api/stats and the dashboard, refreshed once a
 * second by the keeper. */
void jobs_render_stats(buf_t *b);        /* a JSON object */
void jobs_render_prometheus(buf_t *b);   /* Prometheus text lines */

#endif
