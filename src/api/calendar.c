/* GET /api/priceCalendar: the cheapest price per departure day for a
 * search, over all hotels or for one (hotelId). Dates are optional: without
 * them the calendar covers every day of the data.
 *
 *   {"hotel":null|{"id","name","stars"},
 *    "days":[{"date":"2023-07-01","minPrice":123,"offers":45},...]}
 *
 * Days without a matching offer are left out; days ascend. The query
 * string is parsed by params.c (PARAMS_PRICE_CALENDAR) before the handler
 * runs; the search is query_price_calendar (query/calendar.c). */
#include "api/endpoints.h"
#include "api/render.h"
#include "query/calendar.h"
#include "util/days.h"

void api_price_calendar(const api_call *c, api_response *res)
{
    store_t *s = c->store;
    const api_params *pp = &c->params;
    int64_t hotel = -1;
    if (pp->has_hotel_id) {
        hotel = store_find_hotel(s, pp->hotel_id);
        if (hotel < 0) {
            api_error(res, 404, "hotel_not_found", "hotelId", "no hotel with id %u", pp->hotel_id);
            return;
        }
    }
    calendar_vec v = {0};
    query_price_calendar(s, &pp->q, hotel, &v);

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
