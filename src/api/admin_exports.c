/* POST /api/admin/exports {"query": SEARCH_QUERY_STRING, "format": "csv" |
 * "json"}: queues a price report of that bestOffersByHotel search over the
 * serving generation; 202 {"job"}. The query is checked against the data
 * now, so a wrong search parameter is a 400 naming it, not a dead job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "api/params.h"
#include "jobs/runner.h"

/* Is query a search of the serving data (when there is one)? If not, err
 * is "query: " and the API's message, which names the parameter. */
static bool query_parses(const store_t *s, const char *query, char *err, size_t errlen)
{
    if (s == NULL)
        return true;
    api_params p;
    api_response pr = {0};
    bool ok = params_parse(s, query, strlen(query), PARAMS_BEST_OFFERS, &p, &pr) == 0;
    if (!ok) {
        buf_putc(&pr.body, '\0');
        char *msg = NULL;
        bool bad;
        jobs_json_path(pr.body.data, "$.error.message", &msg, &bad);
        snprintf(err, errlen, "query: %s", msg ? msg : "not a valid search");
        free(msg);
    }
    api_response_free(&pr);
    return ok;
}

void api_admin_exports(const api_call *c, api_response *res)
{
    if (!admin_jobs_on(res))
        return;
    char *body = admin_body(c, res), *query = NULL, *format = NULL, *idem = NULL;
    if (body == NULL)
        return;
    if (!admin_string(body, "query", true, &query, res) || (admin_string(body, "format", false, &format, res) == 0 &&
                                                            res->status != 0) ||
        !admin_idempotency_key(c, body, &idem, res))
        goto out;
    buf_t p = {0};
    BUF_LIT(&p, "{\"query\":");
    buf_put_json_str(&p, query, strlen(query));
    BUF_LIT(&p, ",\"format\":");
    const char *f = format ? format : "csv";
    buf_put_json_str(&p, f, strlen(f));
    buf_putc(&p, '}');
    buf_putc(&p, '\0');
    char field[32], err[1024];
    const char *bad = NULL;
    if (!jobs_check_export(p.data, field, sizeof field, err, sizeof err))
        bad = field;
    else if (!query_parses(c->store, query, err, sizeof err))
        bad = "query";
    if (bad != NULL) {
        api_error(res, 400, "invalid_parameter", bad, "%s", err);
        buf_free(&p);
        goto out;
    }
    admin_job_submit("export", p.data, idem, res);
    buf_free(&p);
out:
    free(body);
    free(query);
    free(format);
    free(idem);
}
