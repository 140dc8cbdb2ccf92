/* The fleet's figures for the operator's endpoints: Redis L2 (lookups,
 * stores, latency, breaker, connections, single-flight), warming and
 * following, as Prometheus samples and as the "l2", "warm" and "follow"
 * members of /api/stats. Parts that are not configured render nothing
 * but the L2 hit rate's zero. */
#ifndef ISLA_FLEET_H
#define ISLA_FLEET_H

#include "util/buf.h"

void fleet_render_prometheus(buf_t *b);
/* Appends `"l2":{...},"warm":{...},` (and "follow") to a JSON object. */
void fleet_render_stats(buf_t *b);

#endif
