/* Fork-join helper: runs fn(ctx, i) for i in [0, n) on n threads and waits.
 * The importer's passes are all of this shape; no pool is kept because a
 * pass runs for milliseconds to seconds, far longer than a thread start. */
#ifndef ISLA_PARALLEL_H
#define ISLA_PARALLEL_H

#include <stddef.h>

void parallel_run(int n, void (*fn)(void *ctx, int i), void *ctx);


#endif
