/* GET /api/hotels/{id}/offers (also /hotels/{id}/offers): one hotel's
 * matching offers, cheapest first, a page at a time behind a cursor. */
#include "api/endpoints.h"

#include <string.h>

#include "api/render.h"
#include "query/query.h"

void api_hotel_offers(const api_call *c, api_response *res)
{
    store_t *s = c->store;
    const api_params *p = &c->params;
    uint32_t h = (uint32_t)c->hotel;
    offer_page page = {0};
    query_hotel_offers(s, &p->q, h, p->has_cursor ? &p->cursor : NULL, p->limit, &page);
    api_ok_json(res);
    buf_t *b = &res->body;
    buf_reserve(b, page.len * 700 + 256);
    /* fields: hotel.* select the hotel's keys (no hotel.* = no hotel), the
     * others the items' keys; items, total and nextCursor always come */
    if (!p->fields) {
        BUF_LIT(b, "{\"hotel\":");
        render_hotel(b, s, h);
        BUF_LIT(b, ",\"items\":[");
    } else if (p->fields & FIELD_HOTEL) {
        BUF_LIT(b, "{\"hotel\":");
        render_hotel_sel(b, s, h, p->fields);
        BUF_LIT(b, ",\"items\":[");
    } else {
        BUF_LIT(b, "{\"items\":[");
    }
    for (size_t i = 0; i < page.len; i++) {
        if (i)
            buf_putc(b, ',');
        if (p->fields)
            render_offer_sel(b, s, &s->groups[page.groups[i]], page.items[i], p->fields);
        else
            render_offer(b, s, &s->groups[page.groups[i]], page.items[i]);
    }
    BUF_LIT(b, "],\"total\":");
    buf_put_u64(b, page.total);
    BUF_LIT(b, ",\"nextCursor\":");
    if (page.more) {
        char cur[CURSOR_TEXT_MAX];
        offer_pos last = query_offer_pos(s, page.items[page.len - 1]);
        cursor_encode(s, h, &p->q, &last, cur);
        buf_put_json_str(b, cur, strlen(cur));
    } else {
        BUF_LIT(b, "null");
    }
    buf_putc(b, '}');
    offer_page_free(&page);
}
