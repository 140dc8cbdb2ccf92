/* Per-client rate limiting: one token bucket per client IP.
 *
 * A bucket holds up to `burst` tokens and refills at `rate` tokens a
 * second; a request takes one token or is refused with 429. The state of a
 * bucket is two numbers (tokens, time of the last update), refilled lazily
 * when the client comes back, so an idle client costs nothing but its slot.
 *
 * Memory is bounded: at most `max_clients` buckets. A bucket that has
 * refilled completely is indistinguishable from a new one, so it can be
 * dropped at any time without changing any answer; the control thread
 * sweeps those out once a second. If the table is still full (more than
 * max_clients clients active at once — an attack from many addresses), the
 * least recently seen bucket of the shard is reused: that client gets a
 * fresh bucket, which errs on the side of serving.
 *
 * 64 shards with a mutex each, picked by a hash of the address. */
#ifndef ISLA_RATELIMIT_H
#define ISLA_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/netaddr.h"

void ratelimit_init(double rate_per_s, double burst, size_t max_clients);
bool ratelimit_enabled(void);

typedef struct {
    bool allowed;
    unsigned limit;           /* the burst: RateLimit-Limit */
    unsigned remaining;       /* whole tokens left: RateLimit-Remaining */
    unsigned reset_s;         /* seconds until the bucket is full again: RateLimit-Reset */
    unsigned retry_after_s;   /* when refused: seconds until one token is back */
} ratelimit_result;

void ratelimit_take(const netaddr *client, uint64_t now_ns, ratelimit_result *out);
/* Drops buckets that have refilled; returns how many are left. */
size_t ratelimit_sweep(uint64_t now_ns);
size_t ratelimit_clients(void);
void ratelimit_destroy(void);

#endif
