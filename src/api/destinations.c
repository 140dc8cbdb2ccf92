/* GET /api/destinations: every destination of the data with its hotels,
 * offers, cheapest price and first/last departure, and the name travellers
 * may search it by (the data's own, from hotels.csv's region column, else
 * the destination table's, dest.h; null if neither has one). */
#include <string.h>

#include "api/endpoints.h"
#include "dest/dest.h"
#include "query/destinations.h"
#include "util/days.h"

static void put_day(buf_t *b, uint16_t day)
{
    char d[16];
    size_t n = format_date(day, d);
    buf_putc(b, '"');
    buf_put(b, d, n);
    buf_putc(b, '"');
}

void api_destinations(const api_call *c, api_response *res)
{
    const store_t *s = c->store;
    dest_summary v[256];
    size_t n = query_destinations(s, v);
    api_ok_json(res);
    buf_t *b = &res->body;
    BUF_LIT(b, "{\"destinations\":[");
    for (size_t i = 0; i < n; i++) {
        const char *code = store_dict_str(s, STORE_DICT_AIRPORT, v[i].dest);
        const char *name = dest_display_name(code);
        for (uint32_t k = 0; k < s->n_dest_names; k++) /* the data's own name wins */
            if (s->dest_names[k].dest == v[i].dest)
                name = s->dest_names[k].name;
        if (i)
            buf_putc(b, ',');
        BUF_LIT(b, "{\"code\":");
        buf_put_json_str(b, code, strlen(code));
        BUF_LIT(b, ",\"name\":");
        if (name)
            buf_put_json_str(b, name, strlen(name));
        else
            BUF_LIT(b, "null");
        BUF_LIT(b, ",\"hotels\":");
        buf_put_u64(b, v[i].hotels);
        BUF_LIT(b, ",\"offers\":");
        buf_put_u64(b, v[i].offers);
        BUF_LIT(b, ",\"minPrice\":");
        buf_put_u64(b, v[i].min_price);
        BUF_LIT(b, ",\"firstDeparture\":");
        put_day(b, v[i].first_day);
        BUF_LIT(b, ",\"lastDeparture\":");
        put_day(b, v[i].last_day);
        buf_putc(b, '}');
    }
    BUF_LIT(b, "]}");
}
