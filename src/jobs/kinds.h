/* The job kinds (kinds.c): what an import, an export, a webhook and a
 * schedule job do, and the payload checks the API shares. The list of
 * kinds and what each payload holds is in jobs/runner.h.
 *
 * The kinds sit below the runner: the runner calls them, never the other
 * way round. What a running job needs of the runner (its progress, its
 * stop flag, the shared queue connection, a wake-up after a submit) comes
 * in the job_ctx the runner passes, as function pointers. */
#ifndef ISLA_JOBS_KINDS_H
#define ISLA_JOBS_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobs/jobs.h"
#include "store/store.h"
#include "util/buf.h"

/* The runner's configuration (jobs_start), which the kinds read too. */
typedef struct {
    const char *data_dir;
    uint64_t lease_ms;
    uint64_t backoff_base_ms, backoff_cap_ms;
    uint64_t webhook_backoff_ms;  /* webhooks' own base: alerts are urgent */
    uint64_t retention_ms;        /* ended jobs (and export files) are deleted after this; 0 = kept */
    uint32_t import_attempts, export_attempts, webhook_attempts;
    const char *schedule_at;      /* "HH:MM" (UTC) or NULL */
    const char *schedule_offers, *schedule_hotels;
    /* The host (the server): told of a new generation; lends the serving
     * store (retained; the runner releases it). */
    void (*published)(void *ud, uint64_t generation);
    store_t *(*acquire_store)(void *ud);
    /* Runs the bestOffersByHotel search of query string qs on s for an
     * export, writing the answer's JSON to body; returns its HTTP status
     * (body then holds the error). The host passes the API's: jobs sit
     * below the API, whose admin endpoints queue them. */
    int (*search)(store_t *s, const char *qs, size_t n, buf_t *body);
    void *ud;
} jobs_config;

/* What the runner lends a running job. */
typedef struct job_ctx {
    const jobs_config *cfg;
    const _Atomic bool *stop;     /* set when the job was cancelled or the server stops */
    void *runner;                 /* the runner's own state for this job */
    void (*progress)(void *runner, uint64_t rows, double percent, double eta_s);
    /* The queue connection shared under a lock (jobs_db_acquire/release),
     * and the wake-up of the workers after a submit (jobs_wake). */
    jobs_db *(*db_acquire)(void);
    void (*db_release)(void);
    void (*wake)(void);
} job_ctx;

typedef job_outcome (*job_fn)(job_ctx *ctx, const job *j, buf_t *result, char *err, size_t errlen);

job_outcome job_run_import(job_ctx *ctx, const job *j, buf_t *result, char *err, size_t errlen);
job_outcome job_run_export(job_ctx *ctx, const job *j, buf_t *result, char *err, size_t errlen);
job_outcome job_run_webhook(job_ctx *ctx, const job *j, buf_t *result, char *err, size_t errlen);
job_outcome job_run_schedule(job_ctx *ctx, const job *j, buf_t *result, char *err, size_t errlen);

/* Submits the schedule job of the next HH:MM (idempotent per day). */
bool jobs_schedule_next(jobs_db *db, const jobs_config *cfg, int64_t now_ms, char *err, size_t errlen);
/* The next time HH:MM (UTC) after now_ms; false if at is not HH:MM. */
bool jobs_next_slot(const char *at, int64_t now_ms, int64_t *slot_ms);

/* Payload validation shared by the API and the kinds: true if fine, else
 * the message (err) and the offending field (field). */
bool jobs_check_import(const char *payload, char *field, size_t fieldlen, char *err, size_t errlen);
/* The shape of an export's payload ({"query", "format"}); the search
 * itself is checked by the API against the serving data. */
bool jobs_check_export(const char *payload, char *field, size_t fieldlen, char *err, size_t errlen);

#endif
