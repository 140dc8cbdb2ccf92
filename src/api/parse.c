/* GET /api/parse?q=...: how isla understands a sentence, without searching:
 * {interpreted, assumed, unrecognized, query} (see api/nlq_query.h). */
#include "api/endpoints.h"

void api_parse(const api_call *c, api_response *res)
{
    api_ok_json(res);
    buf_putc(&res->body, '{');
    api_nlq_render(&c->nlq, c->store, &res->body);
    buf_putc(&res->body, '}');
}
