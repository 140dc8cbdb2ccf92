/* Helpers of the admin endpoints; see admin.h. */
#include "api/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs/runner.h"
#include "keys/keys.h"
#include "util/digits.h"

char *admin_body(const api_call *c, api_response *res)
{
    const api_request *r = c->req;
    if (r->body == NULL || r->body_len == 0) {
        api_error(res, 400, "invalid_body", "body", "a JSON object is required as the request body");
        return NULL;
    }
    char *b = malloc(r->body_len + 1);
    memcpy(b, r->body, r->body_len);
    b[r->body_len] = '\0';
    if (strlen(b) != r->body_len) {
        api_error(res, 400, "invalid_body", "body", "the body holds a NUL byte");
        free(b);
        return NULL;
    }
    char *probe;
    bool bad;
    jobs_json_string(b, "", &probe, &bad);
    free(probe);
    if (bad) {
        api_error(res, 400, "invalid_body", "body", "the body is not a JSON object");
        free(b);
        return NULL;
    }
    return b;
}

int admin_string(const char *body, const char *member, bool required, char **out, api_response *res)
{
    bool bad;
    int r = jobs_json_string(body, member, out, &bad);
    if (r < 0) {
        api_error(res, 400, "invalid_parameter", member, "%s must be a string", member);
        return 0;
    }
    if (r == 1 && **out == '\0') {
        free(*out);
        *out = NULL;
        r = 0;
    }
    if (r == 0 && required) {
        api_error(res, 400, "missing_parameter", member, "%s is required", member);
        return 0;
    }
    return r;
}

bool admin_idempotency_key(const api_call *c, const char *body, char **out, api_response *res)
{
    *out = NULL;
    const api_request *r = c->req;
    const char *name = "Idempotency-Key";
    if (r->idempotency_key != NULL) {
        *out = strndup(r->idempotency_key, r->idempotency_key_len);
    } else {
        name = "idempotencyKey";
        if (admin_string(body, "idempotencyKey", false, out, res) == 0 && res->status != 0)
            return false;
    }
    if (*out == NULL)
        return true;
    size_t n = strlen(*out);
    bool ok = n > 0 && n <= 128;
    for (size_t i = 0; ok && i < n; i++)
        ok = (*out)[i] > 0x20 && (*out)[i] < 0x7f;
    if (!ok) {
        api_error(res, 400, "invalid_parameter", name, "%s must be 1 to 128 printable ASCII characters", name);
        free(*out);
        *out = NULL;
        return false;
    }
    return true;
}

int64_t admin_job_id(const api_call *c, api_response *res)
{
    uint64_t u = 0;
    bool ok = c->id != NULL && digits_u64(c->id, c->id_len, 15, INT64_MAX, &u);
    int64_t v = (int64_t)u;
    if (!ok || v <= 0) {
        char echo[API_ECHO_CAP(40)];
        api_error(res, 400, "invalid_parameter", "id", "the job id must be a whole number from 1, got '%s'",
                  api_echo(echo, sizeof echo, c->id ? c->id : "", c->id ? c->id_len : 0, 40));
        return 0;
    }
    return v;
}

bool admin_jobs_on(api_response *res)
{
    if (jobs_on())
        return true;
    api_error(res, 503, "jobs_disabled", NULL, "this server runs no job queue (started with --no-jobs, or see its log)");
    return false;
}

void admin_job_answer(jobs_db *db, int64_t id, int status, api_response *res)
{
    job j;
    char err[512];
    int g = jobs_get(db, id, &j, err, sizeof err);
    if (g < 0) {
        api_error(res, 500, "jobs_error", NULL, "%s", err);
        return;
    }
    if (g == 0) {
        api_error(res, 404, "job_not_found", "id", "no job with id %lld", (long long)id);
        return;
    }
    res->status = status;
    res->content_type = "application/json";
    res->body.len = 0;
    BUF_LIT(&res->body, "{\"job\":");
    job_to_json(&j, &res->body);
    buf_putc(&res->body, '}');
    job_free(&j);
}

void admin_job_submit(const char *kind, const char *payload, const char *idem, api_response *res)
{
    char err[1024];
    bool existed;
    jobs_db *db = jobs_db_acquire();
    int64_t id = jobs_submit(db, kind, payload, idem, jobs_max_attempts(kind), 0, &existed, err, sizeof err);
    if (id < 0)
        api_error(res, 500, "jobs_error", NULL, "%s", err);
    else
        admin_job_answer(db, id, existed ? 200 : 202, res);
    jobs_db_release();
    if (id > 0 && !existed)
        jobs_wake();
}

keys_db *admin_keys_open(const api_call *c, api_response *res)
{
    char err[512];
    if (c->env == NULL || c->env->data_dir == NULL || !keys_runtime_on()) {
        api_error(res, 503, "keys_disabled", NULL, "this server has no key store (see the log)");
        return NULL;
    }
    keys_db *db = keys_db_open(c->env->data_dir, err, sizeof err);
    if (db == NULL)
        api_error(res, 500, "keys_error", NULL, "%s", err);
    return db;
}

bool admin_key_name(const api_call *c, char name[KEYS_NAME_MAX + 2], api_response *res)
{
    snprintf(name, KEYS_NAME_MAX + 2, "%.*s", (int)(c->id_len <= KEYS_NAME_MAX ? c->id_len : KEYS_NAME_MAX + 1), c->id);
    if (keys_valid_name(name))
        return true;
    api_error(res, 400, "invalid_parameter", "name", "a key name is 1 to %d characters of A-Z a-z 0-9 . _ -", KEYS_NAME_MAX);
    return false;
}

bool admin_keys_failed(keys_rc r, const char *name, const char *err, api_response *res)
{
    if (r == KEYS_NOT_FOUND)
        api_error(res, 404, "key_not_found", "name", "no active key named '%s'", name);
    else if (r != KEYS_OK)
        api_error(res, 500, "keys_error", NULL, "%s", err);
    return r != KEYS_OK;
}

void admin_key_answer(int status, const char *name, const char *tier, const char *key, api_response *res)
{
    res->status = status;
    res->content_type = "application/json";
    BUF_LIT(&res->body, "{\"name\":");
    buf_put_json_str(&res->body, name, strlen(name));
    BUF_LIT(&res->body, ",\"tier\":");
    buf_put_json_str(&res->body, tier, strlen(tier));
    BUF_LIT(&res->body, ",\"key\":");
    buf_put_json_str(&res->body, key, strlen(key));
    buf_putc(&res->body, '}');
}
