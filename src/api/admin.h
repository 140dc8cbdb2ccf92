/* Helpers shared by the admin endpoints (src/api/admin_*.c): the request
 * body as a NUL-terminated JSON text, string members of it, the {id} of a
 * job, the job queue answers every job endpoint gives, and the key store
 * checks and answers of the key endpoints. Admin routes are
 * RF_ADMIN: the HTTP layer has checked the admin token before they run. */
#ifndef ISLA_API_ADMIN_H
#define ISLA_API_ADMIN_H

#include <stdbool.h>
#include <stdint.h>

#include "api/endpoints.h"
#include "jobs/jobs.h"
#include "keys/keys.h"

/* The body, NUL-terminated (malloc'd), or NULL after a 400 naming "body"
 * (missing, or not a JSON object). */
char *admin_body(const api_call *c, api_response *res);
/* A string member: 1 found (*out malloc'd), 0 absent (not required) or
 * after a 400 naming it (required, or not a string): check res->status. */
int admin_string(const char *body, const char *member, bool required, char **out, api_response *res);
/* The idempotency key: the Idempotency-Key header, else the body's
 * "idempotencyKey". false after a 400 naming it (longer than 128 bytes or
 * not printable ASCII). *out is NULL if none, else malloc'd. */
bool admin_idempotency_key(const api_call *c, const char *body, char **out, api_response *res);
/* The {id} of a job route: > 0, or 0 after a 400 naming "id". */
int64_t admin_job_id(const api_call *c, api_response *res);
/* 503 when this server runs no job queue (started without a data dir
 * it can write). Returns true if the queue is there. */
bool admin_jobs_on(api_response *res);
/* Writes {"job": JOB} of job id with status; 404 if there is none. */
void admin_job_answer(jobs_db *db, int64_t id, int status, api_response *res);
/* Queues a job of kind with payload (checked by the caller) and answers:
 * 202 {"job"}, or 200 and the earlier job when idem was used before; 500
 * if the queue fails. Wakes the runner for a new job. */
void admin_job_submit(const char *kind, const char *payload, const char *idem, api_response *res);


/* The key store of a key endpoint, or NULL after a 503 (no key store on
 * this server) or a 500; the caller closes it. */
keys_db *admin_keys_open(const api_call *c, api_response *res);
/* The {name} of a key route into name; false after a 400 naming "name". */
bool admin_key_name(const api_call *c, char name[KEYS_NAME_MAX + 2], api_response *res);
/* false if r is KEYS_OK; else true after a 404 (no active key named name)
 * or a 500 with err. */
bool admin_keys_failed(keys_rc r, const char *name, const char *err, api_response *res);
/* Answers a key, shown this once: status {"name","tier","key"}. */
void admin_key_answer(int status, const char *name, const char *tier, const char *key, api_response *res);

#endif
