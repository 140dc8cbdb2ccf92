/* The HTTP front end: libh2o's event loops, one per serving thread, glued
 * to the API, the result cache, the rate limiter and the metrics. All h2o
 * calls live in this module, since libh2o's API is officially unstable.
 *
 * Endpoints served here rather than by the API (they are about the process,
 * not the data): GET /metrics, GET /api/stats, GET /api/stats/stream,
 * GET /api/health/live, GET /api/health/ready (= /api/health),
 * POST /api/admin/reload.
 *
 * Reload: SIGHUP or POST /api/admin/reload opens DIR/CURRENT again; a
 * generation that fails to open or verify is refused (logged, alerted) and
 * the old one keeps serving. The swap happens between requests, and the
 * old store is released when its last user finishes. SIGTERM/SIGINT stop
 * accepting, drain requests in flight (bounded by --drain-timeout) and
 * return 0. */
#ifndef ISLA_SERVER_H
#define ISLA_SERVER_H

#include "config/config.h"

/* Runs until SIGINT/SIGTERM; returns the process exit code (0 after a
 * graceful stop, 1 if the server could not start, 2 for a configuration
 * that fails only at start, such as an unusable TLS key). */
int server_run(const server_config *cfg);

#endif
