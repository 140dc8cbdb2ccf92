/* `isla import`: CSV dump -> new published store generation.
 *
 * The pipeline (import.c): one reader thread cuts the input into ~8 MiB
 * chunks at line boundaries (reusing the buffers the workers are done
 * with; a pipe is widened to 1 MiB); worker threads parse the rows of each chunk
 * (row.c); the builder (build.c) maps hotels, groups and sorts the offers
 * and produces the columns; the store (store.c) writes and publishes them.
 * Rejected rows go to the generation's rejects.csv with their line numbers. */
#ifndef ISLA_IMPORT_H
#define ISLA_IMPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The shrink guard every import applies unless told otherwise: a dump with
 * less than half the offers served is far more often a broken export than
 * a real change (docs/OPERATIONS.md). */
#define IMPORT_MAX_SHRINK_DEFAULT 50

typedef struct {
    const char *offers_path;  /* "-" = standard input; gzip is detected */
    const char *hotels_path;
    const char *data_dir;
    int64_t max_rejects;      /* abort above this many rejected rows; -1 = no limit */
    int threads;              /* 0 = one per core */
    /* The shrink guard: refuse (publish nothing) if the new generation has
     * fewer than min_offers offers, or more than max_shrink_pct percent
     * fewer than the generation served now. 0 = no check (`isla import`
     * and import jobs use IMPORT_MAX_SHRINK_DEFAULT). */
    uint64_t min_offers;
    int max_shrink_pct;
    bool progress;            /* progress lines on stderr */
    /* For callers that run an import in the background (jobs/): called
     * after each chunk is handed to the parsers with the rows parsed so far
     * and the fraction of the input read (-1 if the size is unknown); and a
     * flag that, once set, stops the import (nothing is published). Both
     * may be NULL. */
    void (*on_progress)(void *ud, uint64_t rows, double fraction);
    void *progress_ud;
    const _Atomic bool *cancel;
    /* Who asked for the import ("job:7"), written to the generation's
     * import.json as "origin", so a job that died after publishing can see
     * that its generation exists. NULL: none. */
    const char *origin;
    /* Only rows flying to these destinations (their outbound arrival
     * airport, the key a search's `destination` selects by): a shard's
     * builder imports its share of one dump. n_destinations 0 = all. Rows
     * of other destinations are skipped, neither imported nor rejected. */
    const char (*destinations)[4];
    size_t n_destinations;
} import_options;

typedef struct {
    store_import_stats stats;
    uint64_t generation;
    uint64_t hotels_known, hotels_unknown;
    uint64_t skipped_other_destinations;
    double seconds_parse, seconds_build, seconds_write, seconds_total; /* phase timings */
    char gen_dir[4200];
} import_result;

/* Returns 0 when a generation was published; -1 with err set otherwise
 * (nothing is published then, and the served generation is untouched). */
int import_run(const import_options *opt, import_result *res, char *err, size_t errlen);

#endif
