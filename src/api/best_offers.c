/* GET /api/bestOffersByHotel (also /bestOffersByHotel): the cheapest
 * matching offer of every hotel, sorted and paged; X-Total-Count is the
 * number of hotels before paging. */
#include "api/endpoints.h"

#include <stdint.h>

#include "api/render.h"
#include "query/order.h"
#include "query/query.h"

void api_best_offers_page(const api_call *c, api_response *res, hotel_best_vec *v, size_t *from, size_t *to)
{
    store_t *s = c->store;
    const api_params *p = &c->params;
    query_best_offers(s, &p->q, v);
    if (c->nlq.present) /* hotels a sentence (q=) names */
        api_nlq_filter_hotels(&c->nlq, s, v);
    /* a page needs only its first offset + limit items in order */
    size_t first = p->limit && p->offset < SIZE_MAX - p->limit ? p->offset + p->limit : SIZE_MAX;
    query_sort_best_first(s, v->items, v->len, first, p->sort);
    *from = p->offset < v->len ? p->offset : v->len;
    *to = p->limit && p->limit < v->len - *from ? *from + p->limit : v->len;
    api_ok_json(res);
    res->has_total = true;
    res->total = v->len;
}

void api_best_offers(const api_call *c, api_response *res)
{
    store_t *s = c->store;
    const api_params *p = &c->params;
    hotel_best_vec v = {0};
    size_t from, to;
    api_best_offers_page(c, res, &v, &from, &to);
    render_best_array(&res->body, s, &p->q, v.len ? v.items + from : NULL, to - from, p->fields); /* items is NULL when empty */
    hotel_best_vec_free(&v);
}
