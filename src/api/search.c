/* GET /api/search?q=...: a search in words. Answers how the sentence was
 * understood (interpreted, assumed, unrecognized, and the structured query
 * string it stands for) and the results of exactly that structured search:
 * the bestOffersByHotel answer for `query`, narrowed to the hotels the
 * sentence names. Explicit parameters beside q (sort, limit, offset, or
 * any search parameter) win over the sentence. */
#include "api/endpoints.h"
#include "api/render.h"
#include "query/query.h"

void api_search(const api_call *c, api_response *res)
{
    store_t *s = c->store;
    const api_params *p = &c->params;
    hotel_best_vec v = {0};
    size_t from, to;
    api_best_offers_page(c, res, &v, &from, &to);
    buf_t *b = &res->body;
    buf_putc(b, '{');
    api_nlq_render(&c->nlq, s, b);
    BUF_LIT(b, ",\"total\":");
    buf_put_u64(b, v.len);
    BUF_LIT(b, ",\"results\":");
    render_best_array(b, s, &p->q, v.len ? v.items + from : NULL, to - from, p->fields); /* NULL when empty */
    buf_putc(b, '}');
    hotel_best_vec_free(&v);
}
