/* The fleet: what one isla process needs to run as one of several behind
 * nginx, sharing a Redis cache and following a builder's generations.
 *
 * This header holds the parts with no I/O, each testable on its own
 * (tests/unit/test_cluster.c); the parts with I/O have their own headers:
 *   cluster/l2.h      the Redis second-level cache on a worker's event loop
 *   cluster/ship.h    generation manifests, downloading and publishing them
 *   cluster/warm.h    replaying popular searches after a generation switch
 *
 * Redis address. `redis://[:PASSWORD@]HOST[:PORT][/DB]` (IPv6 hosts in
 * brackets), `unix:/PATH[?db=N&password=P]` or a bare `/PATH` for a Unix
 * socket. Port defaults to 6379, db to 0. Anything else is refused with a
 * message that names the part that is wrong.
 *
 * Keys. `isla:1:<generation hex>:<data id hex>:<search key>`: the
 * generation makes a new import never answer from an older one's entries;
 * the data id (a hash of the generation file's header, which holds the CRC
 * of every section) keeps two builders that happen to reach the same
 * generation number with different data (shards) apart. Replicas that
 * pulled the same generation have the same file, so they share entries.
 *
 * Values. `I1 <status> <total or -> <content type>\n<body>`: what the
 * result cache needs to answer without searching. A value that does not
 * parse is a miss (and counted as an error), never an answer.
 *
 * Circuit breaker. Closed: every lookup goes to Redis; `threshold`
 * consecutive failures (errors or timeouts) open it. Open: Redis is skipped
 * (the request goes to the engine) until `cooldown` has passed, then one
 * probe is let through (half-open); its success closes the breaker, its
 * failure opens it again for twice the cooldown (at most `max_cooldown`).
 * Each serving thread has its own breaker (and connection), so no lock.
 *
 * Single-flight. Concurrent misses for one key in one process: the first
 * becomes the leader (asks Redis, then searches and stores the answer);
 * the others wait for the leader to finish and then answer from the
 * result cache. The table of keys in flight is shared by all threads
 * (16 mutex-protected shards); a waiter polls the result cache from its
 * own event loop, so no thread ever blocks on another. */
#ifndef ISLA_CLUSTER_H
#define ISLA_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* ---- Redis address ------------------------------------------------------ */

typedef struct {
    char host[256];           /* empty for a Unix socket */
    int port;
    char path[256];           /* Unix socket path, empty for TCP */
    int db;
    char password[256];       /* empty = no AUTH */
} redis_url;

/* Parses s into u; false with a message in err naming the wrong part. */
bool redis_url_parse(const char *s, redis_url *u, char *err, size_t errlen);
/* The address without the password, for logs and /api/health. */
void redis_url_describe(const redis_url *u, char *out, size_t n);

/* ---- circuit breaker ---------------------------------------------------- */

typedef enum { BREAKER_CLOSED, BREAKER_OPEN, BREAKER_HALF_OPEN } breaker_state;

typedef struct {
    breaker_state state;
    unsigned failures;        /* consecutive, while closed */
    unsigned threshold;
    uint64_t cooldown_ms, max_cooldown_ms, current_cooldown_ms;
    uint64_t open_until_ms;
    bool probe_out;           /* half-open: the one probe is in flight */
    uint64_t opened, closed;  /* transitions, for metrics */
} breaker;

void breaker_init(breaker *b, unsigned threshold, uint64_t cooldown_ms, uint64_t max_cooldown_ms);
/* May a lookup go to Redis now? In half-open, true once (the probe). */
bool breaker_allow(breaker *b, uint64_t now_ms);
void breaker_success(breaker *b);
void breaker_failure(breaker *b, uint64_t now_ms);
const char *breaker_state_name(breaker_state s);

/* ---- keys and values ---------------------------------------------------- */

#define L2_KEY_PREFIX "isla:1:"

void l2_key(buf_t *out, uint64_t generation, uint64_t data_id, const char *key, size_t key_len);
/* FNV-1a 64 of a block: the data id is this over a generation's header. */
uint64_t l2_hash(const void *p, size_t n);

typedef struct {
    int status;
    bool has_total;
    uint64_t total;
    const char *content_type; /* points into the value, not terminated */
    size_t content_type_len;
    const char *body;         /* points into the value */
    size_t body_len;
} l2_value;

void l2_value_encode(buf_t *out, int status, bool has_total, uint64_t total, const char *content_type,
                     const char *body, size_t body_len);
/* False if v is not a value this version wrote. */
bool l2_value_decode(const char *v, size_t n, l2_value *out);

/* ---- single-flight ------------------------------------------------------ */

/* True if the caller is now the leader for key (it must call sf_end);
 * false if another request already is. */
bool sf_begin(const char *key, size_t key_len);
void sf_end(const char *key, size_t key_len);
bool sf_active(const char *key, size_t key_len);
/* Keys in flight now (for tests and metrics). */
uint64_t sf_count(void);

#endif
