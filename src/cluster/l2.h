/* The shared second-level cache: a Redis client that runs on a serving
 * thread's own h2o event loop.
 *
 * Each serving thread owns one l2_client: one hiredis asynchronous
 * connection, attached to the thread's loop by a small adapter (hiredis
 * 0.14 ships none for h2o): the connection's socket is watched for
 * readability through an h2o socket created with DONT_READ (h2o tells us
 * it is readable and hiredis reads), and hiredis' wish to write is served
 * from a zero-delay h2o timer that writes once poll(2) says the socket
 * takes bytes. No call here ever blocks the thread.
 *
 * Failure handling, because a cache must never make serving worse:
 *  - every GET has a deadline (an h2o timer): past it, the caller gets
 *    L2_TIMEOUT and goes on to the engine; a late reply is dropped;
 *  - a lost connection is re-established with exponential backoff
 *    (100 ms doubling to 5 s); while it is down lookups are skipped;
 *  - the circuit breaker (cluster.h) skips Redis after repeated failures
 *    and probes it again later.
 * Stores (SET with EX) are fire-and-forget and never delay an answer;
 * values above the entry size limit are not sent.
 *
 * Counters are process-wide (all threads' clients summed), for /metrics
 * and /api/stats; l2_degraded() is what /api/health reports. */
#ifndef ISLA_L2_H
#define ISLA_L2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster/cluster.h"

typedef struct st_h2o_evloop_t h2o_evloop_t;
typedef struct l2_client l2_client;
typedef struct l2_op l2_op;

typedef struct {
    redis_url url;
    uint64_t timeout_ms;          /* per lookup */
    uint64_t ttl_s;               /* of stored answers */
    uint64_t max_entry;           /* bytes; larger answers are not stored */
    unsigned breaker_threshold;   /* consecutive failures that open it */
    uint64_t breaker_cooldown_ms; /* before the first probe */
} l2_options;

typedef enum { L2_HIT, L2_MISS, L2_ERROR, L2_TIMEOUT } l2_result;

/* value/len: the stored value on L2_HIT, valid only during the call. */
typedef void (*l2_get_cb)(void *data, l2_result r, const char *value, size_t len);

/* Process-wide setup; call once before any client. */
void l2_global_init(const l2_options *o, unsigned n_clients);
bool l2_configured(void);

/* A client on loop; it connects at once (asynchronously). */
l2_client *l2_client_new(h2o_evloop_t *loop);

/* Starts a lookup. Returns NULL if Redis is skipped right now (breaker
 * open, not connected): the caller goes to the engine. Otherwise cb is
 * called exactly once, later, unless l2_cancel(op) is called before. */
l2_op *l2_get(l2_client *c, const char *key, size_t key_len, l2_get_cb cb, void *data);
/* The caller no longer wants the answer (its request is gone). */
void l2_cancel(l2_op *op);
/* Stores value under key with the configured TTL, if it is small enough
 * and Redis is reachable; never waits. */
void l2_set(l2_client *c, const char *key, size_t key_len, const char *value, size_t value_len);
/* From the thread's loop, often: reconnects when the backoff has passed. */
void l2_tick(l2_client *c, uint64_t now_ms);

typedef struct {
    uint64_t hits, misses, errors, timeouts, skipped;  /* lookups */
    uint64_t stores, store_errors, too_large;          /* SETs */
    uint64_t latency_us_sum, latency_count;            /* answered lookups */
    uint64_t breaker_opened, breaker_closed;           /* transitions, all clients */
    uint64_t connects, disconnects;
    uint64_t clients, connected, breakers_open;        /* now */
    uint64_t singleflight_waits;                       /* requests that waited for a leader */
} l2_stats;
void l2_stats_read(l2_stats *s);
void l2_count_singleflight_wait(void);
/* Redis configured but some thread's connection is down or its breaker is
 * not closed. Serving goes on (L1 and the engine): degraded, not unready. */
bool l2_degraded(void);
/* "redis://host:port/db" without the password. */
const char *l2_describe(void);

#endif
