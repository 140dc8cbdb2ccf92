/* The price calendar endpoint: parse (params.c, PARAMS_PRICE_CALENDAR) ->
 * query_price_calendar (query/calendar.c) -> JSON. */
#include "api/calendar.h"

#include "api/params.h"
#include "api/render.h"
#include "query/calendar.h"
#include "util/days.h"

void api_price_calendar(store_t *s, const api_request *req, api_response *res)
{
    if (!s) {
        api_error(res, 503, "not_ready", NULL, "no data generation is loaded yet");
        return;
    }
    api_params p;
    if (params_parse(s, req->query, req->query_len, PARAMS_PRICE_CALENDAR, &p, res) < 0)
        return;
    int64_t hotel = -1;
    if (p.has_hotel_id) {
        hotel = store_find_hotel(s, p.hotel_id);
        if (hotel < 0) {
            api_error(res, 404, "hotel_not_found", "hotelId", "no hotel with id %u", p.hotel_id);
            return;
        }
    }
    calendar_vec v = {0};
    query_price_calendar(s, &p.q, hotel, &v);

    res->status = 200;
    res->content_type = "application/json";
    buf_t *b = &res->body;
    buf_reserve(b, v.len * 56 + 128);
    BUF_LIT(b, "{\"hotel\":");
    if (hotel >= 0)
        render_hotel(b, s, (uint32_t)hotel);
    else
        BUF_LIT(b, "null");
    BUF_LIT(b, ",\"days\":[");
    for (size_t i = 0; i < v.len; i++) {
        char date[10];
        format_date(v.items[i].day, date);
        if (i)
            buf_putc(b, ',');
        BUF_LIT(b, "{\"date\":\"");
        buf_put(b, date, sizeof date);
        BUF_LIT(b, "\",\"minPrice\":");
        buf_put_u64(b, v.items[i].min_price);
        BUF_LIT(b, ",\"offers\":");
        buf_put_u64(b, v.items[i].count);
        buf_putc(b, '}');
    }
    BUF_LIT(b, "]}");
    calendar_vec_free(&v);
}
