/* Cache warming after a generation switch.
 *
 * A daily import empties every result cache at once (answers carry their
 * generation), so the first users after it would all miss. Just before the
 * switch the server takes the requests behind the most-hit entries of its
 * result cache (cache_top_origins); after it, a background thread replays
 * them against the new generation and stores the answers, most requested
 * first.
 *
 * Bounded: at most `max` searches and `time_ms` of wall time, on one
 * thread at nice 10, so serving threads keep the cores they need; a new
 * switch stops a warming still running. The outcome (searches warmed, time
 * taken) is logged and counted for /metrics and /api/stats. */
#ifndef ISLA_WARM_H
#define ISLA_WARM_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Takes ownership of origins[0..n) (malloc'ed "path?query" strings) and
 * of a reference to s. Returns at once; the work runs on its own thread. */
void warm_start(store_t *s, char **origins, size_t n, uint64_t time_ms);
/* Stops a warming in progress and waits for its thread. */
void warm_stop(void);

typedef struct {
    uint64_t runs, warmed, last_warmed, last_candidates, last_ms;
} warm_stats;
void warm_stats_read(warm_stats *w);

#endif
