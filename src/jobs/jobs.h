/* Durable background jobs: imports over HTTP, report exports, webhook
 * deliveries and a daily import schedule, with retries, progress and a
 * dead-letter list, surviving a restart.
 *
 * The queue is a SQLite table in DIR/jobs.db (WAL mode), so the server and
 * the CLI (`isla jobs list|show|retry`) see the same jobs, and a job
 * outlives the process that ran it. A job has a kind, a JSON payload, an
 * optional idempotency key (a second submission with the same key returns
 * the first job instead of making another), attempts with exponential
 * backoff and jitter, a lease, progress, a result and an error.
 *
 * States and the events that move between them (job_transition is the one
 * place that decides, and the unit tests walk it):
 *
 *   queued ---claim---> running ---succeed---> done
 *   retrying --claim--> running ---fail------> retrying  (attempts < max:
 *                                                          run again after
 *                                                          the backoff)
 *                       running ---fail------> dead      (attempts = max)
 *   queued|retrying|running ---cancel---> cancelled
 *   dead|cancelled ---retry---> queued   (attempts start again from 0)
 *   running ---release---> queued        (graceful shutdown: the attempt
 *                                          is given back)
 *
 * Leases. A worker claims a job for --job-lease and renews the lease while
 * the job runs. A job whose lease ran out is claimed again by any worker
 * (its worker died or hung). A lease names its owner (host, pid, a random
 * boot id); a claimer on the same host sees at once that the owning
 * process is gone (a restart after kill -9) and does not wait for the
 * lease to expire. A claim counts as an attempt, so a job that keeps
 * killing its worker ends dead like one that keeps failing.
 *
 * Backoff before attempt n+1 after n failures: d = base * 2^(n-1), capped,
 * with "equal jitter" — uniform in [d/2, d] — so retries of many jobs
 * spread out, and each delay is still at least the previous one's maximum:
 * delays grow.
 *
 * Exactly once. Job functions are written to be safe to run again: an
 * import that died before it published is simply run again, and one that
 * died after publishing finds its generation (import.json names the job)
 * and takes it as its result. The idempotency key keeps a client's
 * retried submission from making a second job.
 *
 * The runner (runner.c) owns the worker threads: a heavy lane for imports
 * and exports, at the lowest CPU and I/O priority (SCHED_IDLE, nice 19,
 * idle I/O class), so searches are never slowed by them; and a light lane
 * for webhook deliveries and schedules, which are short and must not wait
 * behind an hour-long import. Workers never touch the serving threads;
 * they hand a new generation to the server through a callback. */
#ifndef ISLA_JOBS_H
#define ISLA_JOBS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef enum { JOB_QUEUED, JOB_RUNNING, JOB_RETRYING, JOB_DONE, JOB_DEAD, JOB_CANCELLED, JOB_STATUS_COUNT } job_status;

const char *job_status_name(job_status s);
/* false if s is not one of the names. */
bool job_status_parse(const char *s, job_status *out);

/* ---- the state machine (pure) ------------------------------------------- */

typedef enum { JOB_EV_CLAIM, JOB_EV_SUCCEED, JOB_EV_FAIL, JOB_EV_CANCEL, JOB_EV_RETRY, JOB_EV_RELEASE } job_event;

/* May a job in state `from` take event ev? If so, *to is the new state.
 * attempts counts the attempts made including the current one; FAIL goes
 * to retrying while attempts < max_attempts, else to dead. */
bool job_transition(job_status from, job_event ev, uint32_t attempts, uint32_t max_attempts, job_status *to);

/* The delay before the next attempt after `attempts` failures (>= 1):
 * base * 2^(attempts-1), at most cap, jittered into [d/2, d] by rnd. */
uint64_t job_backoff_ms(uint64_t base_ms, uint64_t cap_ms, uint32_t attempts, uint64_t rnd);

/* ---- the queue (SQLite) ------------------------------------------------- */

#define JOB_KIND_MAX 16

typedef struct {
    int64_t id;
    char kind[JOB_KIND_MAX + 1];
    char *payload;            /* JSON object */
    char *idem;               /* NULL: no idempotency key */
    job_status status;
    uint32_t attempts, max_attempts;
    int64_t created_ms, updated_ms, run_at_ms, started_ms, finished_ms, lease_until_ms;
    char lease_owner[96];
    uint64_t rows;            /* progress */
    double percent;           /* -1: unknown */
    double eta_s;             /* -1: unknown */
    char *result;             /* JSON, NULL until done */
    char *error;              /* the last attempt's error, NULL if none */
    char *history;            /* JSON array: one object per finished attempt */
} job;

void job_free(job *j);
/* The job as the API shows it: id, kind, status, attempts, maxAttempts,
 * progress {rows, percent, etaSeconds}, error, result, payload, times,
 * history. */
void job_to_json(const job *j, buf_t *b);

typedef struct jobs_db jobs_db;

jobs_db *jobs_db_open(const char *data_dir, char *err, size_t errlen);
void jobs_db_close(jobs_db *db);

/* Adds a job (queued, runnable from run_at_ms). With an idempotency key
 * that exists already, adds nothing and returns the existing job's id with
 * *existed = true. Returns the id, or -1 with err. */
int64_t jobs_submit(jobs_db *db, const char *kind, const char *payload_json, const char *idem, uint32_t max_attempts,
                    int64_t run_at_ms, bool *existed, char *err, size_t errlen);

/* 1 found, 0 not found, -1 error. */
int jobs_get(jobs_db *db, int64_t id, job *out, char *err, size_t errlen);
/* Newest first; status and kind may be NULL (any). *out is malloc'd. */
int jobs_list(jobs_db *db, const char *status, const char *kind, unsigned limit, job **out, size_t *n, char *err,
              size_t errlen);

/* Claims the next runnable job of one of `kinds` (NULL-terminated) for
 * owner: queued, or retrying and due, or running with a lapsed lease or an
 * owner that is gone. 1 claimed (out filled), 0 nothing to do, -1 error.
 * A claim that would exceed max_attempts ends the job dead instead. */
int jobs_claim(jobs_db *db, const char *const *kinds, const char *owner, int64_t now_ms, int64_t lease_ms, job *out,
               char *err, size_t errlen);

/* Renews the lease and stores progress. 0 ok, 1 the job is no longer ours
 * (cancelled, or claimed by another worker): stop working on it. */
int jobs_heartbeat(jobs_db *db, int64_t id, const char *owner, int64_t now_ms, int64_t lease_ms, uint64_t rows,
                   double percent, double eta_s);

typedef enum { JOB_OUT_OK, JOB_OUT_FAIL, JOB_OUT_FAIL_PERMANENT, JOB_OUT_RELEASE } job_outcome;

/* Ends the current attempt: ok -> done (with result); fail -> retrying
 * after the backoff, or dead after the last attempt; fail_permanent -> dead
 * at once (bad input will not get better); release -> queued, the attempt
 * given back. Nothing happens if the job is no longer ours. The new state
 * is written to *final (unchanged state: returns 1). */
int jobs_finish(jobs_db *db, int64_t id, const char *owner, job_outcome outcome, const char *result,
                const char *error, int64_t now_ms, uint64_t backoff_ms, job_status *final);

/* Deletes jobs that ended (done, dead, cancelled) before before_ms; their
 * ids go to ids (malloc'd, for the caller to remove their files). Returns
 * how many, or -1. */
int jobs_prune(jobs_db *db, int64_t before_ms, int64_t **ids, size_t *n);

/* 0 done, 1 no such job, 2 not in a state that allows it, -1 error. */
int jobs_cancel(jobs_db *db, int64_t id, int64_t now_ms, char *err, size_t errlen);
int jobs_retry(jobs_db *db, int64_t id, int64_t now_ms, char *err, size_t errlen);

typedef struct {
    char kind[JOB_KIND_MAX + 1];
    uint64_t n[JOB_STATUS_COUNT];
    uint64_t retries;         /* attempts beyond the first, over all jobs */
    double seconds_done;      /* summed run time of done jobs */
    uint64_t count_done;
} jobs_kind_counts;

/* Per kind: jobs by state, retries, durations. *out is malloc'd. */
int jobs_counts(jobs_db *db, jobs_kind_counts **out, size_t *n, char *err, size_t errlen);

/* The lease owner of this process: "host:pid:bootid". */
const char *jobs_owner_self(void);

/* Reads a JSON string member of a JSON object with SQLite's JSON
 * functions: 1 found (malloc'd copy in *out), 0 absent or null, -1 not a
 * string (or the text is not a JSON object: *bad set). */
int jobs_json_string(const char *json, const char *member, char **out, bool *bad);
/* The same for a JSON path ("$.error.message"). */
int jobs_json_path(const char *json, const char *path, char **out, bool *bad);

#endif
