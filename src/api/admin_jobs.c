/* GET /api/admin/jobs?status=S&kind=K&limit=N: the newest jobs first,
 * {"jobs": [...]} with progress (rows, percent, ETA) of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "jobs/runner.h"

static bool kind_ok(const char *k)
{
    return !strcmp(k, "import") || !strcmp(k, "export") || !strcmp(k, "webhook") || !strcmp(k, "schedule");
}

void api_admin_jobs(const api_call *c, api_response *res)
{
    if (!admin_jobs_on(res))
        return;
    const api_request *r = c->req;
    char status[32] = "", kind[32] = "";
    long limit = 50;
    /* key=value&...: the values are plain words, nothing to decode. */
    size_t i = 0, n = r->query_len;
    while (i < n) {
        size_t amp = i;
        while (amp < n && r->query[amp] != '&')
            amp++;
        const char *kv = r->query + i;
        size_t len = amp - i;
        const char *eq = memchr(kv, '=', len);
        size_t kl = eq ? (size_t)(eq - kv) : len;
        const char *v = eq ? eq + 1 : "";
        size_t vl = eq ? len - kl - 1 : 0;
        char val[32];
        snprintf(val, sizeof val, "%.*s", (int)(vl < 31 ? vl : 31), v);
        if (kl == 6 && !memcmp(kv, "status", 6)) {
            job_status s;
            if (vl > 31 || !job_status_parse(val, &s)) {
                api_error(res, 400, "invalid_parameter", "status",
                          "status must be queued, running, retrying, done, dead or cancelled");
                return;
            }
            snprintf(status, sizeof status, "%s", val);
        } else if (kl == 4 && !memcmp(kv, "kind", 4)) {
            if (vl > 31 || !kind_ok(val)) {
                api_error(res, 400, "invalid_parameter", "kind", "kind must be import, export, webhook or schedule");
                return;
            }
            snprintf(kind, sizeof kind, "%s", val);
        } else if (kl == 5 && !memcmp(kv, "limit", 5)) {
            char *e;
            limit = strtol(val, &e, 10);
            if (vl == 0 || vl > 6 || *e != '\0' || limit < 1 || limit > 1000) {
                api_error(res, 400, "invalid_parameter", "limit", "limit must be a whole number 1..1000");
                return;
            }
        } else if (len > 0) {
            char echo[API_ECHO_CAP(40)];
            api_error(res, 400, "unknown_parameter", NULL, "unknown parameter '%s' (status, kind, limit)",
                      api_echo(echo, sizeof echo, kv, kl, 40));
            return;
        }
        i = amp + 1;
    }
    job *jobs;
    size_t count;
    char err[512];
    jobs_db *db = jobs_db_acquire();
    int rc = jobs_list(db, status[0] ? status : NULL, kind[0] ? kind : NULL, (unsigned)limit, &jobs, &count, err,
                       sizeof err);
    jobs_db_release();
    if (rc != 0) {
        api_error(res, 500, "jobs_error", NULL, "%s", err);
        return;
    }
    api_ok_json(res);
    BUF_LIT(&res->body, "{\"jobs\":[");
    for (size_t k = 0; k < count; k++) {
        if (k)
            buf_putc(&res->body, ',');
        job_to_json(&jobs[k], &res->body);
        job_free(&jobs[k]);
    }
    free(jobs);
    BUF_LIT(&res->body, "]}");
}
