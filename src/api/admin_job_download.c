/* GET /api/admin/jobs/{id}/download: the report of a finished export job
 * (text/csv or application/json, as an attachment); 409 while it is not
 * done, 404 for another kind of job or a file that is gone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "jobs/runner.h"

void api_admin_job_download(const api_call *c, api_response *res)
{
    if (!admin_jobs_on(res))
        return;
    int64_t id = admin_job_id(c, res);
    if (id == 0 || c->env == NULL || c->env->data_dir == NULL)
        return;
    job j;
    char err[512];
    jobs_db *db = jobs_db_acquire();
    int g = jobs_get(db, id, &j, err, sizeof err);
    jobs_db_release();
    if (g <= 0) {
        if (g < 0)
            api_error(res, 500, "jobs_error", NULL, "%s", err);
        else
            api_error(res, 404, "job_not_found", "id", "no job with id %lld", (long long)id);
        return;
    }
    if (strcmp(j.kind, "export") != 0) {
        api_error(res, 404, "no_download", "id", "job %lld is an %s job; only export jobs have a download",
                  (long long)id, j.kind);
    } else if (j.status != JOB_DONE) {
        api_error(res, 409, "not_done", "id", "export job %lld is %s", (long long)id, job_status_name(j.status));
    } else {
        bool json = j.payload && strstr(j.payload, "\"format\":\"json\"") != NULL;
        char path[4300];
        snprintf(path, sizeof path, "%s/exports/job-%lld.%s", c->env->data_dir, (long long)id, json ? "json" : "csv");
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            api_error(res, 404, "file_gone", "id", "the report of job %lld is no longer there", (long long)id);
        } else {
            char chunk[65536];
            size_t n;
            while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
                buf_put(&res->body, chunk, n);
            fclose(f);
            res->status = 200;
            res->content_type = json ? "application/json" : "text/csv; charset=utf-8";
            res->filename = json ? "isla-export.json" : "isla-export.csv";
        }
    }
    job_free(&j);
}
