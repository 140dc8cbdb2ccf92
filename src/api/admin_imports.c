/* POST /api/admin/imports {"offers": PATH_OR_URL, "hotels": PATH_OR_URL}:
 * queues an import job (jobs/runner.h) and answers 202 {"id", "job"}; with
 * an idempotency key that was used before, 200 and that job instead. */
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "jobs/runner.h"

void api_admin_imports(const api_call *c, api_response *res)
{
    if (!admin_jobs_on(res))
        return;
    char *body = admin_body(c, res), *offers = NULL, *hotels = NULL, *idem = NULL;
    if (body == NULL)
        return;
    if (!admin_string(body, "offers", true, &offers, res) || !admin_string(body, "hotels", true, &hotels, res) ||
        !admin_idempotency_key(c, body, &idem, res))
        goto out;
    buf_t p = {0};
    BUF_LIT(&p, "{\"offers\":");
    buf_put_json_str(&p, offers, strlen(offers));
    BUF_LIT(&p, ",\"hotels\":");
    buf_put_json_str(&p, hotels, strlen(hotels));
    buf_putc(&p, '}');
    buf_putc(&p, '\0');
    char field[32], err[1024];
    if (!jobs_check_import(p.data, field, sizeof field, err, sizeof err)) {
        api_error(res, 400, "invalid_parameter", field, "%s", err);
        buf_free(&p);
        goto out;
    }
    admin_job_submit("import", p.data, idem, res);
    buf_free(&p);
out:
    free(body);
    free(offers);
    free(hotels);
    free(idem);
}
