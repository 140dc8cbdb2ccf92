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

/* ---- the full best-offer row, written at a pointer ----------------------
 * A full answer is hundreds of rows of the same shape: each row reserves
 * its worst case once and then writes with plain stores, instead of a
 * capacity check per key and per character. */

#define AT_LIT(p, lit) (memcpy((p), (lit), sizeof(lit) - 1), (p) + sizeof(lit) - 1)

/* Most numbers of a row are below 100 (party, nights, stars, counts): those
 * without a call. */
static inline char *at_u64(char *p, uint64_t v)
{
    if (v < 10) {
        *p = (char)('0' + v);
        return p + 1;
    }
    if (v < 100) {
        p[0] = (char)('0' + v / 10);
        p[1] = (char)('0' + v % 10);
        return p + 2;
    }
    return p + u64_to_dec(v, p);
}

static inline char *at_str(char *p, const char *v, size_t n)
{
    *p = '"';
    memcpy(p + 1, v, n); /* dictionary values are [A-Z0-9_]: nothing to escape */
    p[n + 1] = '"';
    return p + n + 2;
}

/* "YYYY-MM-DD", quotes included, of recently written days: an answer's
 * dates lie within weeks of each other, so a direct-mapped table of 256
 * days (per thread) turns the calendar arithmetic into a 12-byte copy. A
 * slot is valid once its text starts with the quote. */
static _Thread_local struct {
    int32_t day;
    char text[12];
} tl_dates[256];

static inline char *at_date(char *p, int32_t day)
{
    unsigned slot = (uint32_t)day & 255;
    if (tl_dates[slot].day != day || tl_dates[slot].text[0] != '"') {
        tl_dates[slot].text[0] = '"';
        format_date(day, tl_dates[slot].text + 1);
        tl_dates[slot].text[11] = '"';
        tl_dates[slot].day = day;
    }
    memcpy(p, tl_dates[slot].text, 12);
    return p + 12;
}

static inline char *at_stars(char *p, uint8_t x10)
{
    p = at_u64(p, x10 / 10);
    if (x10 % 10) {
        p[0] = '.';
        p[1] = (char)('0' + x10 % 10);
        p += 2;
    }
    return p;
}

/* the fixed text of a row, the longest numbers and the quotes around the
 * three dictionary values */
enum { BEST_ROW_FIXED = 512 };

void render_best(buf_t *b, const store_t *s, const search_t *q, const hotel_best *h)
{
    uint32_t o = h->best;
    const store_group *g = &s->groups[h->group];
    const store_hotel *ho = &s->hotels[h->hotel];
    uint8_t ro = s->room_ocean[o];
    const char *dest = ho->dest != STORE_NO_DEST ? store_dict_str(s, STORE_DICT_AIRPORT, ho->dest) : NULL;
    const char *room = store_dict_str(s, STORE_DICT_ROOM, ro & 0x7F);
    const char *meal = store_dict_str(s, STORE_DICT_MEAL, s->meal[o]);
    size_t dest_len = dest ? strlen(dest) : 0, room_len = strlen(room), meal_len = strlen(meal);
    int32_t day = s->dep_day[o];
    (void)q;
    char *p = buf_reserve(b, BEST_ROW_FIXED + JSON_STR_MAX(ho->name_len) + dest_len + room_len + meal_len);
    p = AT_LIT(p, "{\"hotel\":{\"id\":");
    p = at_u64(p, ho->id);
    p = AT_LIT(p, ",\"name\":");
    p = json_str_at(p, s->names + ho->name_off, ho->name_len);
    p = AT_LIT(p, ",\"stars\":");
    p = at_stars(p, ho->stars_x10);
    if (dest) {
        p = AT_LIT(p, ",\"destination\":");
        p = at_str(p, dest, dest_len);
    }
    p = AT_LIT(p, "},\"minPrice\":");
    p = at_u64(p, h->min_price);
    p = AT_LIT(p, ",\"departureDate\":");
    p = at_date(p, day);
    p = AT_LIT(p, ",\"returnDate\":");
    p = at_date(p, day + g->nights);
    p = AT_LIT(p, ",\"roomType\":");
    p = at_str(p, room, room_len);
    p = AT_LIT(p, ",\"mealType\":");
    p = at_str(p, meal, meal_len);
    if (ro & STORE_OCEAN_BIT)
        p = AT_LIT(p, ",\"oceanView\":true,\"countAdults\":");
    else
        p = AT_LIT(p, ",\"oceanView\":false,\"countAdults\":");
    p = at_u64(p, g->adults);
    p = AT_LIT(p, ",\"countChildren\":");
    p = at_u64(p, g->children);
    p = AT_LIT(p, ",\"duration\":");
    p = at_u64(p, g->nights);
    p = AT_LIT(p, ",\"countAvailableOffers\":");
    p = at_u64(p, h->count);
    *p++ = '}';
    b->len = (size_t)(p - b->data);
}

/* The best offers of a full answer sit anywhere in a 100M-offer store, so
 * reading their fields is a cache miss each: prefetch the item a few
 * places ahead, so the misses overlap with writing the current one. */
void render_best_array(buf_t *b, const store_t *s, const search_t *q, const hotel_best *v, size_t n,
                       uint32_t fields)
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
        if (fields)
            render_best_sel(b, s, &v[i], fields);
        else
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

/* ---- field selection ----------------------------------------------------
 * A second writer rather than tests in the full one: the full answer (the
 * official client's) keeps its straight-line code, a selection pays one
 * predictable branch per key. */

static const struct {
    const char *name;
    uint32_t bits;
    unsigned where; /* 1 best offers, 2 hotel offers, 3 both */
} field_names[] = {
    {"hotel", FIELD_HOTEL, 3},
    {"hotel.id", FIELD_HOTEL_ID, 3},
    {"hotel.name", FIELD_HOTEL_NAME, 3},
    {"hotel.stars", FIELD_HOTEL_STARS, 3},
    {"hotel.destination", FIELD_HOTEL_DEST, 3},
    {"minPrice", FIELD_MIN_PRICE, 1},
    {"departureDate", FIELD_DEP_DATE, 1},
    {"returnDate", FIELD_RET_DATE, 1},
    {"roomType", FIELD_ROOM, 3},
    {"mealType", FIELD_MEAL, 3},
    {"oceanView", FIELD_OCEAN, 3},
    {"countAdults", FIELD_ADULTS, 3},
    {"countChildren", FIELD_CHILDREN, 3},
    {"duration", FIELD_DURATION, 1},
    {"countAvailableOffers", FIELD_COUNT, 1},
    {"price", FIELD_PRICE, 2},
    {"inboundDepartureAirport", FIELD_IN_DEP_AIRPORT, 2},
    {"inboundDepartureDatetime", FIELD_IN_DEP_DT, 2},
    {"inboundArrivalAirport", FIELD_IN_ARR_AIRPORT, 2},
    {"inboundArrivalDatetime", FIELD_IN_ARR_DT, 2},
    {"outboundDepartureAirport", FIELD_OUT_DEP_AIRPORT, 2},
    {"outboundDepartureDatetime", FIELD_OUT_DEP_DT, 2},
    {"outbundDepartureDatetime", FIELD_OUTB_DEP_DT, 2},
    {"outboundArrivalAirport", FIELD_OUT_ARR_AIRPORT, 2},
    {"outboundArrivalDatetime", FIELD_OUT_ARR_DT, 2},
};

uint32_t render_field_bits(const char *name, size_t n, bool best)
{
    for (size_t i = 0; i < sizeof field_names / sizeof *field_names; i++)
        if (strlen(field_names[i].name) == n && !memcmp(field_names[i].name, name, n) &&
            (field_names[i].where & (best ? 1u : 2u)))
            return field_names[i].bits;
    return 0;
}

/* Writes "key": with a comma before every key but the first. */
static inline void key(buf_t *b, bool *first, const char *k, size_t n)
{
    if (!*first)
        buf_putc(b, ',');
    *first = false;
    buf_put(b, k, n);
}
#define KEY(lit) key(b, &first, "\"" lit "\":", sizeof(lit) + 2)

/* The selected fields an offer's best row and an offer share, in the
 * order both write them: its room, meal and sea view; its party. */
static void sel_room(buf_t *b, bool *fp, const store_t *s, uint32_t o, uint32_t fields)
{
    bool first = *fp;
    if (fields & FIELD_ROOM) {
        KEY("roomType");
        put_dict(b, s, STORE_DICT_ROOM, s->room_ocean[o] & 0x7F);
    }
    if (fields & FIELD_MEAL) {
        KEY("mealType");
        put_dict(b, s, STORE_DICT_MEAL, s->meal[o]);
    }
    if (fields & FIELD_OCEAN) {
        KEY("oceanView");
        if (s->room_ocean[o] & STORE_OCEAN_BIT)
            BUF_LIT(b, "true");
        else
            BUF_LIT(b, "false");
    }
    *fp = first;
}

static void sel_party(buf_t *b, bool *fp, const store_group *g, uint32_t fields)
{
    bool first = *fp;
    if (fields & FIELD_ADULTS) {
        KEY("countAdults");
        buf_put_u64(b, g->adults);
    }
    if (fields & FIELD_CHILDREN) {
        KEY("countChildren");
        buf_put_u64(b, g->children);
    }
    *fp = first;
}

void render_hotel_sel(buf_t *b, const store_t *s, uint32_t hotel, uint32_t fields)
{
    const store_hotel *h = &s->hotels[hotel];
    bool first = true;
    buf_putc(b, '{');
    if (fields & FIELD_HOTEL_ID) {
        KEY("id");
        buf_put_u64(b, h->id);
    }
    if (fields & FIELD_HOTEL_NAME) {
        KEY("name");
        buf_put_json_str(b, s->names + h->name_off, h->name_len);
    }
    if (fields & FIELD_HOTEL_STARS) {
        KEY("stars");
        put_stars(b, h->stars_x10);
    }
    if ((fields & FIELD_HOTEL_DEST) && h->dest != STORE_NO_DEST) {
        KEY("destination");
        put_dict(b, s, STORE_DICT_AIRPORT, h->dest);
    }
    buf_putc(b, '}');
}

void render_best_sel(buf_t *b, const store_t *s, const hotel_best *h, uint32_t fields)
{
    uint32_t o = h->best;
    const store_group *g = &s->groups[h->group];
    bool first = true;
    buf_putc(b, '{');
    if (fields & FIELD_HOTEL) {
        KEY("hotel");
        render_hotel_sel(b, s, h->hotel, fields);
    }
    if (fields & FIELD_MIN_PRICE) {
        KEY("minPrice");
        buf_put_u64(b, h->min_price);
    }
    if (fields & FIELD_DEP_DATE) {
        KEY("departureDate");
        put_date(b, s->dep_day[o]);
    }
    if (fields & FIELD_RET_DATE) {
        KEY("returnDate");
        put_date(b, s->dep_day[o] + g->nights);
    }
    sel_room(b, &first, s, o, fields);
    sel_party(b, &first, g, fields);
    if (fields & FIELD_DURATION) {
        KEY("duration");
        buf_put_u64(b, g->nights);
    }
    if (fields & FIELD_COUNT) {
        KEY("countAvailableOffers");
        buf_put_u64(b, h->count);
    }
    buf_putc(b, '}');
}

void render_offer_sel(buf_t *b, const store_t *s, const store_group *g, uint32_t o, uint32_t fields)
{
    const store_detail *d = &s->detail[o];
    int32_t out_day = s->dep_day[o], in_day = out_day + g->nights, out_delta, in_delta;
    store_arrival_deltas(s, o, &out_delta, &in_delta);
    uint32_t out_sec = DETAIL_SEC(d->out_dep), in_sec = DETAIL_SEC(d->in_dep);
    bool first = true;
    buf_putc(b, '{');
    if (fields & FIELD_PRICE) {
        KEY("price");
        buf_put_u64(b, s->price[o]);
    }
    sel_party(b, &first, g, fields);
    if (fields & FIELD_IN_DEP_AIRPORT) {
        KEY("inboundDepartureAirport");
        put_dict(b, s, STORE_DICT_AIRPORT, d->in_dep_airport);
    }
    if (fields & FIELD_IN_DEP_DT) {
        KEY("inboundDepartureDatetime");
        put_datetime(b, s, in_day, in_sec, DETAIL_DEP_ZONE(d->in_dep));
    }
    if (fields & FIELD_IN_ARR_AIRPORT) {
        KEY("inboundArrivalAirport");
        put_dict(b, s, STORE_DICT_AIRPORT, d->in_arr_airport);
    }
    if (fields & FIELD_IN_ARR_DT) {
        KEY("inboundArrivalDatetime");
        put_datetime(b, s, in_day, (int64_t)in_sec + in_delta, DETAIL_ARR_ZONE(d->in_dep));
    }
    if (fields & FIELD_OUT_DEP_AIRPORT) {
        KEY("outboundDepartureAirport");
        put_dict(b, s, STORE_DICT_AIRPORT, s->airport[o]);
    }
    if (fields & FIELD_OUT_DEP_DT) {
        KEY("outboundDepartureDatetime");
        put_datetime(b, s, out_day, out_sec, DETAIL_DEP_ZONE(d->out_dep));
    }
    if (fields & FIELD_OUTB_DEP_DT) {
        KEY("outbundDepartureDatetime");
        put_datetime(b, s, out_day, out_sec, DETAIL_DEP_ZONE(d->out_dep));
    }
    if (fields & FIELD_OUT_ARR_AIRPORT) {
        KEY("outboundArrivalAirport");
        put_dict(b, s, STORE_DICT_AIRPORT, d->out_arr_airport);
    }
    if (fields & FIELD_OUT_ARR_DT) {
        KEY("outboundArrivalDatetime");
        put_datetime(b, s, out_day, (int64_t)out_sec + out_delta, DETAIL_ARR_ZONE(d->out_dep));
    }
    sel_room(b, &first, s, o, fields);
    buf_putc(b, '}');
}
