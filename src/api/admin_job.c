/* GET /api/admin/jobs/{id}: one job with its progress, error, result and
 * the history of its attempts. DELETE: cancels it (queued, retrying or
 * running: a running job is told to stop and publishes nothing); 409 for a
 * job that has ended. */
#include <time.h>

#include "api/admin.h"
#include "jobs/runner.h"
#include "util/clock.h"

void api_admin_job(const api_call *c, api_response *res)
{
    if (!admin_jobs_on(res))
        return;
    int64_t id = admin_job_id(c, res);
    if (id == 0)
        return;
    jobs_db *db = jobs_db_acquire();
    bool del = c->req->method_len == 6;
    if (del) {
        char err[512];
        int r = jobs_cancel(db, id, (int64_t)clock_unix_ms(), err, sizeof err);
        if (r == 0) {
            jobs_cancel_running(id);
            admin_job_answer(db, id, 200, res);
        } else if (r == 1) {
            api_error(res, 404, "job_not_found", "id", "no job with id %lld", (long long)id);
        } else if (r == 2) {
            api_error(res, 409, "job_ended", "id", "%s: only queued, retrying or running jobs can be cancelled", err);
        } else {
            api_error(res, 500, "jobs_error", NULL, "%s", err);
        }
    } else {
        admin_job_answer(db, id, 200, res);
    }
    jobs_db_release();
    if (del)
        jobs_wake();
}
