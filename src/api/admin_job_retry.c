/* POST /api/admin/jobs/{id}/retry: a dead or cancelled job is queued again
 * with fresh attempts; 409 for a job in any other state. */
#include "api/admin.h"
#include "jobs/runner.h"
#include "util/clock.h"

void api_admin_job_retry(const api_call *c, api_response *res)
{
    if (!admin_jobs_on(res))
        return;
    int64_t id = admin_job_id(c, res);
    if (id == 0)
        return;
    char err[512];
    jobs_db *db = jobs_db_acquire();
    int r = jobs_retry(db, id, (int64_t)clock_unix_ms(), err, sizeof err);
    if (r == 0)
        admin_job_answer(db, id, 200, res);
    else if (r == 1)
        api_error(res, 404, "job_not_found", "id", "no job with id %lld", (long long)id);
    else if (r == 2)
        api_error(res, 409, "job_not_retryable", "id", "%s: only dead or cancelled jobs can be retried", err);
    else
        api_error(res, 500, "jobs_error", NULL, "%s", err);
    jobs_db_release();
    if (r == 0)
        jobs_wake();
}
