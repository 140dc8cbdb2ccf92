#include "api/params.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/render.h"
#include "dest/dest.h"
#include "util/days.h"
#include "vocab/vocab.h"
#include "util/digits.h"


#define MAX_VALUE 256

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool params_next_item(const char *qs, size_t n, size_t *pos, params_item *it)
{
    size_t i = *pos;
    while (i < n && qs[i] == '&') /* "&&" */
        i++;
    if (i >= n)
        return false;
    size_t amp = i;
    while (amp < n && qs[amp] != '&')
        amp++;
    size_t eq = i;
    while (eq < amp && qs[eq] != '=')
        eq++;
    *it = (params_item){.start = i, .eq = eq, .end = amp};
    *pos = amp;
    return true;
}

bool params_url_decode(const char *src, size_t n, char *out, size_t cap, size_t *out_len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '%') {
            int h, l;
            if (i + 2 >= n || (h = hexval(src[i + 1])) < 0 || (l = hexval(src[i + 2])) < 0)
                return false;
            c = (char)(h << 4 | l);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (o == cap)
            return false;
        out[o++] = c;
    }
    *out_len = o;
    return true;
}

bool params_query_date(const char *v, size_t n, int32_t *day)
{
    iso_datetime dt;
    if (!parse_iso_datetime(v, n, &dt))
        return false;
    *day = dt.day + (dt.has_time && dt.sec >= 12 * 3600);
    return true;
}

static bool parse_uint(const char *v, size_t n, uint64_t max, uint64_t *out)
{
    return digits_u64(v, n, 19, max, out);
}

static bool parse_bool(const char *v, size_t n, bool *out)
{
    if ((n == 4 && !strncasecmp(v, "true", 4)) || (n == 1 && v[0] == '1'))
        return *out = true, true;
    if ((n == 5 && !strncasecmp(v, "false", 5)) || (n == 1 && v[0] == '0'))
        return *out = false, true;
    return false;
}

/* "4", "4.5" -> 40, 45 (0..5 stars). */
static bool parse_stars(const char *v, size_t n, uint8_t *out)
{
    if (n == 0 || v[0] < '0' || v[0] > '5')
        return false;
    unsigned x = (unsigned)(v[0] - '0') * 10;
    if (n > 1) {
        if (v[1] != '.' || n < 3 || v[2] < '0' || v[2] > '9')
            return false;
        x += (unsigned)(v[2] - '0');
        for (size_t i = 3; i < n; i++)
            if (v[i] != '0')
                return false;
    }
    if (x > 50)
        return false;
    *out = (uint8_t)x;
    return true;
}

/* The next comma-separated item of v[0..n) from *pos, spaces trimmed
 * (it may be empty); false once v is used up. */
static bool next_item(const char *v, size_t n, size_t *pos, const char **item, size_t *len)
{
    if (*pos > n)
        return false;
    size_t i = *pos, j = i;
    while (j < n && v[j] != ',')
        j++;
    const char *c = v + i;
    size_t l = j - i;
    while (l && *c == ' ')
        c++, l--;
    while (l && c[l - 1] == ' ')
        l--;
    *item = c;
    *len = l;
    *pos = j + 1;
    return true;
}

/* Adds each comma-separated code in v to set via the store dictionary.
 * A code outside the vocabulary (vocab.h, the one the importer enforces) is
 * a 400; a code in it that the data does not have matches nothing. */
static int add_codes(const store_t *s, int dict, const char *param, const char *v, size_t n, bitset256 *set,
                     api_response *res)
{
    size_t pos = 0, len;
    const char *c;
    while (next_item(v, n, &pos, &c, &len)) {
        if (len) {
            char up[STORE_DICT_STRLEN];
            bool ok = len < STORE_DICT_STRLEN;
            for (size_t k = 0; ok && k < len; k++) {
                unsigned char ch = (unsigned char)c[k];
                ok = isalnum(ch) || ch == '_';
                up[k] = (char)toupper(ch);
            }
            if (!ok) {
                char echo[API_ECHO_CAP(40)];
                api_error(res, 400, "invalid_parameter", param, "'%s' is not a valid %s value",
                          api_echo(echo, sizeof echo, c, len, 40), param);
                return -1;
            }
            up[len] = 0;
            char list[400];
            if (dict == STORE_DICT_AIRPORT && !vocab_airport(up, len)) {
                api_error(res, 400, "invalid_parameter", param, "'%s' is not an IATA airport code (three letters)",
                          up);
                return -1;
            }
            if ((dict == STORE_DICT_MEAL && vocab_meal(up, len) < 0) ||
                (dict == STORE_DICT_ROOM && vocab_room(up, len) < 0)) {
                if (dict == STORE_DICT_MEAL)
                    vocab_list_text(vocab_meal_types, VOCAB_MEAL_COUNT, list, sizeof list);
                else
                    vocab_list_text(vocab_room_types, VOCAB_ROOM_COUNT, list, sizeof list);
                api_error(res, 400, "invalid_parameter", param, "unknown %s '%s' (one of %s)", param, up, list);
                return -1;
            }
            int id = store_dict_find(s, dict, up, len);
            if (id >= 0)
                bitset_set(set, (unsigned)id);
        }
    }
    return 0;
}

/* Destinations: each comma-separated item is an IATA code or a name of the
 * destination table (dest.h). A code or name the table or the form allows
 * but the data does not have matches nothing (an empty answer, like an
 * airport nobody flies from); text that is neither is a 400 naming it. */
static int add_destinations(const store_t *s, const char *param, const char *v, size_t n, bitset256 *set,
                            api_response *res)
{
    size_t pos = 0, len;
    const char *c;
    while (next_item(v, n, &pos, &c, &len)) {
        if (len) {
            /* names the data gives (hotels.csv's region) first */
            bool found = false;
            for (uint32_t k = 0; k < s->n_dest_names && !found; k++)
                if (dest_name_equal(c, len, s->dest_names[k].name)) {
                    bitset_set(set, s->dest_names[k].dest);
                    found = true;
                }
            if (found)
                continue;
            char code[4];
            if (!dest_resolve(c, len, code)) {
                api_error(res, 400, "invalid_parameter", param,
                          "unknown destination '%.*s': give IATA codes (PMI) or destination names (Mallorca); "
                          "GET /api/destinations lists them",
                          (int)(len > 40 ? 40 : len), c);
                return -1;
            }
            int id = store_dict_find(s, STORE_DICT_AIRPORT, code, 3);
            if (id >= 0)
                bitset_set(set, (unsigned)id);
        }
    }
    return 0;
}

/* fields=a,b.c: each name a key of the answer (render.h); an unknown or
 * empty name is a 400 naming it, so a typo never silently drops a key. */
static int add_fields(const char *param, const char *v, size_t n, params_kind kind, uint32_t *fields,
                      api_response *res)
{
    if (kind == PARAMS_PRICE_CALENDAR) {
        api_error(res, 400, "unknown_parameter", param, "'fields' applies to bestOffersByHotel and hotel offers");
        return -1;
    }
    size_t pos = 0, len;
    const char *c;
    while (next_item(v, n, &pos, &c, &len)) {
        if (!len) {
            api_error(res, 400, "invalid_parameter", param,
                      "fields has an empty name; give keys of the answer, e.g. fields=hotel.id,minPrice");
            return -1;
        }
        uint32_t bits = render_field_bits(c, len, kind == PARAMS_BEST_OFFERS);
        if (!bits) {
            char echo[API_ECHO_CAP(40)];
            api_error(res, 400, "invalid_parameter", param, "unknown field '%s' for %s",
                      api_echo(echo, sizeof echo, c, len, 40),
                      kind == PARAMS_BEST_OFFERS ? "bestOffersByHotel" : "hotel offers");
            return -1;
        }
        *fields |= bits;
    }
    return 0;
}

enum {
    P_EARLIEST, P_LATEST, P_DURATION, P_ADULTS, P_CHILDREN, P_AIRPORTS, P_MEAL, P_ROOM, P_OCEAN,
    P_MIN_STARS, P_MAX_PRICE, P_SORT, P_LIMIT, P_OFFSET, P_CURSOR, P_HOTEL_ID, P_DESTINATION,
    P_DEP_DATE, P_RET_DATE, P_FIELDS, P_COUNT
};
static const char *const param_names[P_COUNT] = {
    "earliestDepartureDate", "latestReturnDate", "duration", "countAdults", "countChildren",
    "departureAirports", "mealType", "roomType", "oceanView", "minStars", "maxPrice", "sort",
    "limit", "offset", "cursor", "hotelId", "destination", "departureDate", "returnDate", "fields"};
/* Parameters that may repeat (their values accumulate). */
static const bool param_list[P_COUNT] = {[P_AIRPORTS] = true, [P_MEAL] = true, [P_ROOM] = true,
                                         [P_DESTINATION] = true, [P_FIELDS] = true};

int params_parse(const store_t *s, const char *qs, size_t n, params_kind kind, api_params *out,
                 api_response *res)
{
    memset(out, 0, sizeof *out);
    search_init(&out->q);
    out->sort = SORT_PRICE;
    out->limit = kind == PARAMS_HOTEL_OFFERS ? 100 : 0;
    bool seen[P_COUNT] = {0};
    bool alias_used[2] = {false, false}; /* departureDate, returnDate */
    int32_t earliest = 0, latest = 0;

    size_t pos = 0;
    params_item it;
    while (params_next_item(qs, n, &pos, &it)) {
        size_t eq = it.eq, amp = it.end;
        char key[MAX_VALUE], val[MAX_VALUE];
        size_t kl, vl = 0;
        if (!params_url_decode(qs + it.start, eq - it.start, key, sizeof key - 1, &kl)) {
            api_error(res, 400, "invalid_query", NULL, "malformed or oversized parameter name");
            return -1;
        }
        if (eq < amp && !params_url_decode(qs + eq + 1, amp - eq - 1, val, sizeof val - 1, &vl)) {
            key[kl > 60 ? 60 : kl] = 0;
            api_error(res, 400, "invalid_parameter", key, "malformed or oversized value for %s", key);
            return -1;
        }
        val[vl] = 0; /* error messages print it with %s */
        if (kl >= 2 && key[kl - 2] == '[' && key[kl - 1] == ']')
            kl -= 2;
        key[kl] = 0;
        int p = -1;
        if (strlen(key) != kl) { /* an encoded NUL must not shorten a name */
            api_error(res, 400, "unknown_parameter", NULL, "parameter name contains a NUL byte");
            return -1;
        }
        for (int k = 0; k < P_COUNT && p < 0; k++) /* names are distinct: the first match is the one */
            if (key[0] == param_names[k][0] && !strcmp(key, param_names[k]))
                p = k;
        if (p < 0) {
            if (key[0] == '_') /* cache busters such as jQuery's _=123 */
                continue;
            char echo[API_ECHO_CAP(60)];
            api_error(res, 400, "unknown_parameter", key, "unknown parameter '%s'", api_echo(echo, sizeof echo, key, kl, 60));
            return -1;
        }
        if ((p == P_SORT || p == P_OFFSET) && kind != PARAMS_BEST_OFFERS) {
            api_error(res, 400, "unknown_parameter", key, "'%s' applies to bestOffersByHotel only", key);
            return -1;
        }
        if (p == P_CURSOR && kind != PARAMS_HOTEL_OFFERS) {
            api_error(res, 400, "unknown_parameter", key, "'cursor' applies to hotel offers only");
            return -1;
        }
        if ((p == P_HOTEL_ID && kind != PARAMS_PRICE_CALENDAR) || (p == P_LIMIT && kind == PARAMS_PRICE_CALENDAR)) {
            api_error(res, 400, "unknown_parameter", key, "'%s' does not apply to this endpoint", key);
            return -1;
        }
        /* the guides' spelling of the window: an alias, never both forms */
        if (p == P_DEP_DATE || p == P_RET_DATE) {
            int canon = p == P_DEP_DATE ? P_EARLIEST : P_LATEST;
            if (seen[canon] && !alias_used[canon - P_EARLIEST]) {
                api_error(res, 400, "invalid_parameter", key, "give %s or %s, not both", param_names[canon], key);
                return -1;
            }
            if (seen[canon]) {
                api_error(res, 400, "invalid_parameter", key, "%s is given more than once", key);
                return -1;
            }
            alias_used[canon - P_EARLIEST] = true;
            p = canon;
        } else if ((p == P_EARLIEST || p == P_LATEST) && alias_used[p - P_EARLIEST]) {
            api_error(res, 400, "invalid_parameter", key, "give %s or %s, not both", key,
                      param_names[p == P_EARLIEST ? P_DEP_DATE : P_RET_DATE]);
            return -1;
        }
        if (seen[p] && !param_list[p]) {
            api_error(res, 400, "invalid_parameter", key, "%s is given more than once", key);
            return -1;
        }
        seen[p] = true;
        uint64_t u;
        bool b;
        search_t *q = &out->q;
        switch (p) {
        case P_EARLIEST:
        case P_LATEST:
            if (!params_query_date(val, vl, p == P_EARLIEST ? &earliest : &latest)) {
                char echo[API_ECHO_CAP(40)];
                api_error(res, 400, "invalid_parameter", key,
                          "%s must be a date (YYYY-MM-DD) or an ISO datetime, got '%s'", key,
                          api_echo(echo, sizeof echo, val, vl, 40));
                return -1;
            }
            break;
        case P_DURATION:
            if (!parse_uint(val, vl, 365, &u)) {
                api_error(res, 400, "invalid_parameter", key, "duration must be a whole number of nights 0..365");
                return -1;
            }
            q->nights = (uint16_t)u;
            break;
        case P_ADULTS:
        case P_CHILDREN:
            if (!parse_uint(val, vl, 255, &u)) {
                api_error(res, 400, "invalid_parameter", key, "%s must be a whole number 0..255", key);
                return -1;
            }
            if (p == P_ADULTS)
                q->adults = (uint8_t)u;
            else
                q->children = (uint8_t)u;
            break;
        case P_AIRPORTS:
            if (add_codes(s, STORE_DICT_AIRPORT, key, val, vl, &q->airports, res) < 0)
                return -1;
            /* an explicit but empty list means "any airport" */
            for (size_t k = 0; k < vl; k++)
                if (val[k] != ',' && val[k] != ' ')
                    q->any_airport = false;
            break;
        case P_FIELDS:
            if (add_fields(key, val, vl, kind, &out->fields, res) < 0)
                return -1;
            break;
        case P_DESTINATION:
            if (add_destinations(s, key, val, vl, &q->dests, res) < 0)
                return -1;
            /* like departureAirports: an explicit but empty list means any */
            for (size_t k = 0; k < vl; k++)
                if (val[k] != ',' && val[k] != ' ')
                    q->any_dest = false;
            break;
        case P_MEAL:
            if (add_codes(s, STORE_DICT_MEAL, key, val, vl, &q->meals, res) < 0)
                return -1;
            if (vl)
                q->any_meal = false;
            break;
        case P_ROOM:
            if (add_codes(s, STORE_DICT_ROOM, key, val, vl, &q->rooms, res) < 0)
                return -1;
            if (vl)
                q->any_room = false;
            break;
        case P_OCEAN:
            if (!parse_bool(val, vl, &b)) {
                api_error(res, 400, "invalid_parameter", key, "oceanView must be true or false");
                return -1;
            }
            q->ocean_view = b;
            break;
        case P_MIN_STARS:
            if (!parse_stars(val, vl, &q->min_stars_x10)) {
                api_error(res, 400, "invalid_parameter", key, "minStars must be a number from 0 to 5");
                return -1;
            }
            break;
        case P_MAX_PRICE:
            if (!parse_uint(val, vl, UINT32_MAX - 1, &u)) {
                api_error(res, 400, "invalid_parameter", key, "maxPrice must be a whole number of euros");
                return -1;
            }
            q->max_price = (uint32_t)u;
            break;
        case P_SORT:
            if (vl == 5 && !memcmp(val, "price", 5))
                out->sort = SORT_PRICE;
            else if (vl == 5 && !memcmp(val, "stars", 5))
                out->sort = SORT_STARS;
            else if (vl == 4 && !memcmp(val, "name", 4))
                out->sort = SORT_NAME;
            else {
                api_error(res, 400, "invalid_parameter", key, "sort must be price, stars or name");
                return -1;
            }
            break;
        case P_LIMIT: {
            uint64_t max = kind == PARAMS_HOTEL_OFFERS ? 1000 : 100000;
            if (!parse_uint(val, vl, max, &u) || u == 0) {
                api_error(res, 400, "invalid_parameter", key, "limit must be a whole number 1..%llu",
                          (unsigned long long)max);
                return -1;
            }
            out->limit = (size_t)u;
            break;
        }
        case P_OFFSET:
            if (!parse_uint(val, vl, 100000000, &u)) {
                api_error(res, 400, "invalid_parameter", key, "offset must be a whole number >= 0");
                return -1;
            }
            out->offset = (size_t)u;
            break;
        case P_HOTEL_ID:
            if (!parse_uint(val, vl, UINT32_MAX, &u)) {
                char echo[API_ECHO_CAP(40)];
                api_error(res, 400, "invalid_parameter", key, "hotelId must be a whole number, got '%s'",
                          api_echo(echo, sizeof echo, val, vl, 40));
                return -1;
            }
            out->has_hotel_id = true;
            out->hotel_id = (uint32_t)u;
            break;
        case P_CURSOR:
            if (vl == 0 || vl >= sizeof out->cursor_text) {
                api_error(res, 400, "invalid_cursor", "cursor",
                          "cursor is malformed; start again without a cursor");
                return -1;
            }
            memcpy(out->cursor_text, val, vl);
            out->cursor_text[vl] = 0;
            out->cursor_len = vl;
            break;
        }
    }
    /* Required: countAdults for best offers and the calendar, the window for
     * best offers. duration is optional everywhere (absent: any length of
     * stay inside the window). Hotel offers need nothing: without a window
     * every date counts, without countAdults every party (countChildren
     * then filters alone). */
    const char *missing = NULL;
    if (kind == PARAMS_BEST_OFFERS && !seen[P_EARLIEST])
        missing = "earliestDepartureDate";
    if (!missing && kind == PARAMS_BEST_OFFERS && !seen[P_LATEST])
        missing = "latestReturnDate";
    if (!missing && kind != PARAMS_HOTEL_OFFERS && !seen[P_ADULTS])
        missing = "countAdults";
    if (missing) {
        api_error(res, 400, "missing_parameter", missing, "%s is required", missing);
        return -1;
    }
    out->q.any_nights = !seen[P_DURATION];
    if (kind == PARAMS_HOTEL_OFFERS && !seen[P_ADULTS]) {
        out->q.any_adults = true;
        out->q.any_children = !seen[P_CHILDREN];
    }
    if (!seen[P_EARLIEST])
        earliest = 0;
    if (!seen[P_LATEST])
        latest = UINT16_MAX;
    if (latest < earliest) {
        api_error(res, 400, "invalid_parameter", alias_used[1] ? "returnDate" : "latestReturnDate",
                  "%s must not be before %s", alias_used[1] ? "returnDate" : "latestReturnDate",
                  alias_used[0] ? "departureDate" : "earliestDepartureDate");
        return -1;
    }
    out->q.earliest = earliest;
    out->q.latest = latest;
    return 0;
}

/* The search, field by field in a fixed byte order (not the struct's bytes:
 * padding is not part of a search), hashed with FNV-1a. The MAC of the
 * cursor carries it, so a 64-bit digest only has to tell searches apart,
 * not resist forgery. */
static uint64_t search_digest(const search_t *q)
{
    unsigned char b[4 + 4 + 2 + 1 + 1 + 3 + 3 * 32 + 1 + 1 + 4 + 1 + 32];
    size_t n = 0;
    uint64_t v[] = {(uint32_t)q->earliest, (uint32_t)q->latest, q->nights, q->adults, q->children};
    size_t w[] = {4, 4, 2, 1, 1};
    for (size_t i = 0; i < 5; i++)
        for (size_t k = 0; k < w[i]; k++)
            b[n++] = (unsigned char)(v[i] >> (8 * k));
    b[n++] = q->any_airport;
    b[n++] = q->any_meal;
    b[n++] = q->any_room;
    const bitset256 *sets[] = {&q->airports, &q->meals, &q->rooms};
    bool any[] = {q->any_airport, q->any_meal, q->any_room};
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < 32; k++)
            b[n++] = any[i] ? 0 : (unsigned char)(sets[i]->w[k / 8] >> (8 * (k % 8)));
    b[n++] = (unsigned char)q->ocean_view;
    b[n++] = q->min_stars_x10;
    for (size_t k = 0; k < 4; k++)
        b[n++] = (unsigned char)(q->max_price >> (8 * k));
    b[n++] = (unsigned char)(q->any_nights | q->any_adults << 1 | q->any_children << 2 | q->any_dest << 3);
    for (size_t k = 0; k < 32; k++)
        b[n++] = q->any_dest ? 0 : (unsigned char)(q->dests.w[k / 8] >> (8 * (k % 8)));
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

void cursor_encode(const store_t *s, uint32_t hotel, const search_t *q, const offer_pos *p,
                   char out[CURSOR_TEXT_MAX])
{
    cursor_fields f = {s->generation, s->hotels[hotel].id, search_digest(q),
                       {p->price, (uint64_t)p->departure, p->offer}};
    cursor_format(&f, out);
}

int cursor_decode(const store_t *s, uint32_t hotel, const search_t *q, const char *text, size_t n, offer_pos *p)
{
    cursor_fields f;
    cursor_status st = cursor_parse(text, n, &f);
    if (st != CURSOR_OK)
        return st == CURSOR_FORGED ? CURSOR_ERR_FORGED : CURSOR_ERR_MALFORMED;
    /* Authentic from here: it was made by a server with our key. */
    if (f.generation != s->generation)
        return CURSOR_ERR_GENERATION;
    if (f.hotel != s->hotels[hotel].id)
        return CURSOR_ERR_HOTEL;
    if (f.search != search_digest(q))
        return CURSOR_ERR_SEARCH;
    if (f.pos[0] > UINT32_MAX || f.pos[1] > INT64_MAX || f.pos[2] >= s->n_offers)
        return CURSOR_ERR_MALFORMED;
    *p = (offer_pos){(uint32_t)f.pos[0], (int64_t)f.pos[1], (uint32_t)f.pos[2], 0};
    return 0;
}

int params_bind_cursor(const store_t *s, uint32_t hotel, api_params *p, api_response *res)
{
    p->has_cursor = false;
    if (p->cursor_len == 0)
        return 0;
    int r = cursor_decode(s, hotel, &p->q, p->cursor_text, p->cursor_len, &p->cursor);
    switch (r) {
    case 0:
        p->has_cursor = true;
        return 0;
    case CURSOR_ERR_FORGED:
        api_error(res, 400, "invalid_cursor", "cursor",
                  "cursor was not issued by this service or was altered; start again without a cursor");
        break;
    case CURSOR_ERR_GENERATION:
        api_error(res, 400, "invalid_cursor", "cursor",
                  "cursor belongs to an older data generation; start again without a cursor");
        break;
    case CURSOR_ERR_HOTEL:
        api_error(res, 400, "invalid_cursor", "cursor", "cursor belongs to another hotel's offers");
        break;
    case CURSOR_ERR_SEARCH:
        api_error(res, 400, "invalid_cursor", "cursor",
                  "cursor belongs to another search; start again without a cursor");
        break;
    default:
        api_error(res, 400, "invalid_cursor", "cursor", "cursor is malformed; start again without a cursor");
        break;
    }
    return -1;
}
