#include "api/render.h"

#include <string.h>

#include "util/days.h"

static void put_stars(buf_t *b, uint8_t x10)
{
    buf_put_u64(b, x10 / 10);
    if (x10 % 10) {
        buf_putc(b, '.');
        buf_putc(b, (char)('0' + x10 % 10));
    }
}

static void put_dict(buf_t *b, const store_t *s, int dict, unsigned id)
{
    const char *v = store_dict_str(s, dict, id);
    buf_putc(b, '"');
    buf_puts(b, v); /* dictionary values are [A-Z0-9_]: nothing to escape */
    buf_putc(b, '"');
}

void render_hotel(buf_t *b, const store_t *s, uint32_t hotel)
{
    const store_hotel *h = &s->hotels[hotel];
    BUF_LIT(b, "{\"id\":");
    buf_put_u64(b, h->id);
    BUF_LIT(b, ",\"name\":");
    buf_put_json_str(b, s->names + h->name_off, h->name_len);
    BUF_LIT(b, ",\"stars\":");
    put_stars(b, h->stars_x10);
    if (h->dest != STORE_NO_DEST) {
        BUF_LIT(b, ",\"destination\":");
        put_dict(b, s, STORE_DICT_AIRPORT, h->dest);
    }
    buf_putc(b, '}');
}

static void put_date(buf_t *b, int32_t day)
{
    char *p = buf_reserve(b, 12);
    p[0] = '"';
    format_date(day, p + 1);
    p[11] = '"';
    b->len += 12;
}

/* A datetime as it was written: wall-clock time plus the original zone
 * suffix, or a bare date if the dump had one. `at` is seconds from the
 * start of `day` and may run past midnight (arrivals). */
static void put_datetime(buf_t *b, const store_t *s, int32_t day, int64_t at, unsigned zone)
{
    int64_t d = at >= 0 ? at / 86400 : -((-at + 86399) / 86400);
    day += (int32_t)d;
    uint32_t sec = (uint32_t)(at - d * 86400);
    const char *z = store_dict_str(s, STORE_DICT_ZONE, zone);
    char *p = buf_reserve(b, 40);
    size_t o = 0;
    p[o++] = '"';
    if (!strcmp(z, STORE_ZONE_DATE_ONLY)) {
        o += format_date(day, p + o);
    } else {
        o += format_datetime(day, sec, p + o);
        size_t zl = strlen(z);
        memcpy(p + o, z, zl);
        o += zl;
    }
    p[o++] = '"';
    b->len += o;
}


/* ,"roomType":…,"mealType":…,"oceanView":… of offer o */
static void put_board(buf_t *b, const store_t *s, uint32_t o)
{
    BUF_LIT(b, ",\"roomType\":");
    put_dict(b, s, STORE_DICT_ROOM, s->room_ocean[o] & 0x7F);
    BUF_LIT(b, ",\"mealType\":");
    put_dict(b, s, STORE_DICT_MEAL, s->meal[o]);
    if (s->room_ocean[o] & STORE_OCEAN_BIT)
        BUF_LIT(b, ",\"oceanView\":true");
    else
        BUF_LIT(b, ",\"oceanView\":false");
}

void render_best(buf_t *b, const store_t *s, const search_t *q, const hotel_best *h)
{
    uint32_t o = h->best;
    const store_group *g = &s->groups[h->group];
    (void)q;
    BUF_LIT(b, "{\"hotel\":");
    render_hotel(b, s, h->hotel);
    BUF_LIT(b, ",\"minPrice\":");
    buf_put_u64(b, h->min_price);
    BUF_LIT(b, ",\"departureDate\":");
    put_date(b, s->dep_day[o]);
    BUF_LIT(b, ",\"returnDate\":");
    put_date(b, s->dep_day[o] + g->nights);
    put_board(b, s, o);
    BUF_LIT(b, ",\"countAdults\":");
    buf_put_u64(b, g->adults);
    BUF_LIT(b, ",\"countChildren\":");
    buf_put_u64(b, g->children);
    BUF_LIT(b, ",\"duration\":");
    buf_put_u64(b, g->nights);
    BUF_LIT(b, ",\"countAvailableOffers\":");
    buf_put_u64(b, h->count);
    buf_putc(b, '}');
}

/* The best offers of a full answer sit anywhere in a 100M-offer store, so
 * reading their fields is a cache miss each: prefetch the item a few
 * places ahead, so the misses overlap with writing the current one. */
void render_best_array(buf_t *b, const store_t *s, const search_t *q, const hotel_best *v, size_t n)
{
    enum { AHEAD = 8 };
    buf_reserve(b, n * 300 + 2);
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i + AHEAD < n) {
            uint32_t o = v[i + AHEAD].best;
            __builtin_prefetch(&s->dep_day[o]);
            __builtin_prefetch(&s->meal[o]);
            __builtin_prefetch(&s->room_ocean[o]);
            __builtin_prefetch(&s->hotels[v[i + AHEAD].hotel]);
        }
        if (i)
            buf_putc(b, ',');
        render_best(b, s, q, &v[i]);
    }
    buf_putc(b, ']');
}

void render_offer(buf_t *b, const store_t *s, const store_group *g, uint32_t o)
{
    const store_detail *d = &s->detail[o];
    int32_t out_day = s->dep_day[o], in_day = out_day + g->nights, out_delta, in_delta;
    store_arrival_deltas(s, o, &out_delta, &in_delta);
    uint32_t out_sec = DETAIL_SEC(d->out_dep), in_sec = DETAIL_SEC(d->in_dep);
    BUF_LIT(b, "{\"price\":");
    buf_put_u64(b, s->price[o]);
    BUF_LIT(b, ",\"countAdults\":");
    buf_put_u64(b, g->adults);
    BUF_LIT(b, ",\"countChildren\":");
    buf_put_u64(b, g->children);
    BUF_LIT(b, ",\"inboundDepartureAirport\":");
    put_dict(b, s, STORE_DICT_AIRPORT, d->in_dep_airport);
    BUF_LIT(b, ",\"inboundDepartureDatetime\":");
    put_datetime(b, s, in_day, in_sec, DETAIL_DEP_ZONE(d->in_dep));
    BUF_LIT(b, ",\"inboundArrivalAirport\":");
    put_dict(b, s, STORE_DICT_AIRPORT, d->in_arr_airport);
    BUF_LIT(b, ",\"inboundArrivalDatetime\":");
    put_datetime(b, s, in_day, (int64_t)in_sec + in_delta, DETAIL_ARR_ZONE(d->in_dep));
    BUF_LIT(b, ",\"outboundDepartureAirport\":");
    put_dict(b, s, STORE_DICT_AIRPORT, s->airport[o]);
    BUF_LIT(b, ",\"outboundDepartureDatetime\":");
    size_t value_at = b->len;
    put_datetime(b, s, out_day, out_sec, DETAIL_DEP_ZONE(d->out_dep));
    size_t value_len = b->len - value_at;
    /* the official client reads this misspelling: same value again
     * (reserve before copying: growing the buffer moves it) */
    BUF_LIT(b, ",\"outbundDepartureDatetime\":");
    buf_reserve(b, value_len);
    memcpy(b->data + b->len, b->data + value_at, value_len);
    b->len += value_len;
    BUF_LIT(b, ",\"outboundArrivalAirport\":");
    put_dict(b, s, STORE_DICT_AIRPORT, d->out_arr_airport);
    BUF_LIT(b, ",\"outboundArrivalDatetime\":");
    put_datetime(b, s, out_day, (int64_t)out_sec + out_delta, DETAIL_ARR_ZONE(d->out_dep));
    put_board(b, s, o);
    buf_putc(b, '}');
}
