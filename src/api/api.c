/* Routing and the endpoint handlers. Each handler: parse parameters
 * (params.c) -> run the search (query.c) -> render JSON (render.c). */
#include "api/api.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/calendar.h"
#include "api/openapi.h"
#include "api/params.h"
#include "api/render.h"
#include "query/query.h"

uint64_t now_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void api_error(api_response *res, int status, const char *code, const char *param, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    res->status = status;
    res->content_type = "application/json";
    res->body.len = 0;
    res->has_total = false;
    BUF_LIT(&res->body, "{\"error\":{\"code\":");
    buf_put_json_str(&res->body, code, strlen(code));
    BUF_LIT(&res->body, ",\"message\":");
    buf_put_json_str(&res->body, msg, strlen(msg));
    BUF_LIT(&res->body, ",\"param\":");
    if (param)
        buf_put_json_str(&res->body, param, strlen(param));
    else
        BUF_LIT(&res->body, "null");
    BUF_LIT(&res->body, "}}");
}

void api_response_free(api_response *res)
{
    buf_free(&res->body);
}

static void ok_json(api_response *res)
{
    res->status = 200;
    res->content_type = "application/json";
}

static bool not_ready(store_t *s, api_response *res)
{
    if (s)
        return false;
    api_error(res, 503, "not_ready", NULL, "no data generation is loaded yet");
    return true;
}

static void handle_best_offers(store_t *s, const api_request *req, api_response *res)
{
    api_params p;
    if (not_ready(s, res) || params_parse(s, req->query, req->query_len, PARAMS_BEST_OFFERS, &p, res) < 0)
        return;
    hotel_best_vec v = {0};
    query_best_offers(s, &p.q, &v);
    query_sort_best(s, v.items, v.len, p.sort);
    size_t from = p.offset < v.len ? p.offset : v.len;
    size_t to = p.limit && p.limit < v.len - from ? from + p.limit : v.len;
    ok_json(res);
    res->has_total = true;
    res->total = v.len;
    render_best_array(&res->body, s, &p.q, v.len ? v.items + from : NULL, to - from); /* items is NULL when empty */
    hotel_best_vec_free(&v);
}

/* Parses "123" in a path segment; -1 if not a hotel id. */
static int64_t parse_id(const char *p, size_t n)
{
    if (n == 0 || n > 10)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v > UINT32_MAX ? -1 : v;
}

static int64_t find_hotel_or_error(store_t *s, const char *id, size_t n, api_response *res)
{
    int64_t hid = parse_id(id, n);
    if (hid < 0) {
        api_error(res, 400, "invalid_parameter", "hotelId", "hotel id must be a whole number, got '%.*s'",
                  (int)(n > 40 ? 40 : n), id);
        return -1;
    }
    int64_t h = store_find_hotel(s, (uint64_t)hid);
    if (h < 0)
        api_error(res, 404, "hotel_not_found", "hotelId", "no hotel with id %lld", (long long)hid);
    return h;
}

static void handle_hotel_offers(store_t *s, const api_request *req, const char *id, size_t id_len,
                                api_response *res)
{
    api_params p;
    if (not_ready(s, res))
        return;
    int64_t h = find_hotel_or_error(s, id, id_len, res);
    if (h < 0 || params_parse(s, req->query, req->query_len, PARAMS_HOTEL_OFFERS, &p, res) < 0)
        return;
    offer_page page = {0};
    query_hotel_offers(s, &p.q, (uint32_t)h, p.has_cursor ? &p.cursor : NULL, p.limit, &page);
    ok_json(res);
    buf_t *b = &res->body;
    buf_reserve(b, page.len * 700 + 256);
    BUF_LIT(b, "{\"hotel\":");
    render_hotel(b, s, (uint32_t)h);
    BUF_LIT(b, ",\"items\":[");
    for (size_t i = 0; i < page.len; i++) {
        if (i)
            buf_putc(b, ',');
        render_offer(b, s, &p.q, page.items[i]);
    }
    BUF_LIT(b, "],\"total\":");
    buf_put_u64(b, page.total);
    BUF_LIT(b, ",\"nextCursor\":");
    if (page.more) {
        char cur[96];
        offer_pos last = query_offer_pos(s, page.items[page.len - 1]);
        cursor_encode(s, &p.q, &last, cur);
        buf_put_json_str(b, cur, strlen(cur));
    } else {
        BUF_LIT(b, "null");
    }
    buf_putc(b, '}');
    offer_page_free(&page);
}

static void handle_hotel(store_t *s, const char *id, size_t id_len, api_response *res)
{
    if (not_ready(s, res))
        return;
    int64_t h = find_hotel_or_error(s, id, id_len, res);
    if (h < 0)
        return;
    ok_json(res);
    render_hotel(&res->body, s, (uint32_t)h);
    /* the hotel object plus whether it came from hotels.csv */
    res->body.len--;
    if (s->hotels[h].known)
        BUF_LIT(&res->body, ",\"placeholder\":false}");
    else
        BUF_LIT(&res->body, ",\"placeholder\":true}");
}

static void handle_health(store_t *s, const api_env *env, api_response *res)
{
    uint64_t now = now_unix_ms();
    double uptime = env ? (double)(now - env->started_unix_ms) / 1000.0 : 0;
    res->content_type = "application/json";
    buf_t *b = &res->body;
    if (!s) {
        res->status = 503;
        buf_printf(b, "{\"status\":\"starting\",\"generation\":null,\"offers\":0,\"hotels\":0,\"uptime\":%.3f}",
                   uptime);
        return;
    }
    res->status = 200;
    const store_import_stats *st = &s->stats;
    buf_printf(b,
               "{\"status\":\"ok\",\"generation\":%llu,\"offers\":%u,\"hotels\":%u,\"uptime\":%.3f,"
               "\"dataAge\":%.0f,\"import\":{\"rows\":%llu,\"imported\":%llu,\"rejected\":%llu,"
               "\"duplicates\":%llu,\"unknownHotelRows\":%llu,\"durationMs\":%llu,\"createdUnix\":%llu}}",
               (unsigned long long)s->generation, s->n_offers, s->n_hotels, uptime,
               (double)now / 1000.0 - (double)st->created_unix, (unsigned long long)st->rows,
               (unsigned long long)st->imported, (unsigned long long)st->rejected,
               (unsigned long long)st->duplicates, (unsigned long long)st->unknown_hotel_rows,
               (unsigned long long)st->duration_ms, (unsigned long long)st->created_unix);
}

static bool eq(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && !memcmp(p, lit, n);
}

typedef enum { R_NONE, R_BEST, R_OFFERS, R_HOTEL, R_HEALTH, R_OPENAPI, R_CALENDAR } route_t;

/* The endpoint of a path (each also under /api/); for the hotel routes the
 * {id} segment, unparsed. */
static route_t route_of(const api_request *req, const char **id, size_t *id_len)
{
    const char *path = req->path;
    size_t n = req->path_len;
    bool under_api = n >= 5 && !memcmp(path, "/api/", 5);
    const char *rest = under_api ? path + 4 : path; /* keeps the leading '/' */
    size_t rn = under_api ? n - 4 : n;
    *id = NULL;
    *id_len = 0;
    if (eq(rest, rn, "/bestOffersByHotel"))
        return R_BEST;
    if (eq(rest, rn, "/openapi") || eq(rest, rn, "/openapi.json"))
        return R_OPENAPI;
    if (under_api && eq(rest, rn, "/health"))
        return R_HEALTH;
    if (under_api && eq(rest, rn, "/priceCalendar"))
        return R_CALENDAR;
    if (rn > 8 && !memcmp(rest, "/hotels/", 8)) {
        *id = rest + 8;
        const char *slash = memchr(*id, '/', rn - 8);
        if (!slash) {
            *id_len = rn - 8;
            return under_api ? R_HOTEL : R_NONE;
        }
        if (eq(slash, (size_t)(rest + rn - slash), "/offers")) {
            *id_len = (size_t)(slash - *id);
            return R_OFFERS;
        }
    }
    return R_NONE;
}

void api_handle(store_t *s, const api_env *env, const api_request *req, api_response *res)
{
    memset(res, 0, sizeof *res);
    const char *path = req->path;
    size_t n = req->path_len;
    bool get = eq(req->method, req->method_len, "GET") || eq(req->method, req->method_len, "HEAD");

    /* Route first, check the method second, so an unknown path is a 404
     * whatever the method and a known one answers 405 with Allow. */
    const char *id;
    size_t id_len;
    route_t route = route_of(req, &id, &id_len);
    if (route == R_NONE) {
        api_error(res, 404, "not_found", NULL, "no such endpoint: %.*s", (int)(n > 200 ? 200 : n), path);
        return;
    }
    static const char *const route_names[] = {
        [R_BEST] = "bestOffersByHotel", [R_OFFERS] = "hotelOffers", [R_HOTEL] = "hotel",
        [R_HEALTH] = "health",          [R_OPENAPI] = "openapi",    [R_CALENDAR] = "calendar"};
    res->route = route_names[route];
    if (!get) {
        res->allow = "GET, HEAD, OPTIONS";
        api_error(res, 405, "method_not_allowed", NULL, "%.*s is not allowed here; use GET",
                  (int)(req->method_len > 16 ? 16 : req->method_len), req->method);
        return;
    }
    switch (route) {
    case R_BEST:
        handle_best_offers(s, req, res);
        break;
    case R_OFFERS:
        handle_hotel_offers(s, req, id, id_len, res);
        break;
    case R_HOTEL:
        handle_hotel(s, id, id_len, res);
        break;
    case R_HEALTH:
        handle_health(s, env, res);
        break;
    case R_CALENDAR:
        api_price_calendar(s, req, res);
        break;
    case R_OPENAPI:
        ok_json(res);
        openapi_render(&res->body, req->host, req->host_len, req->tls);
        break;
    case R_NONE:
        break;
    }
}

/* ---- cache keys ---------------------------------------------------------- */

static void key_bits(buf_t *k, const char *name, bool any, const bitset256 *b)
{
    buf_puts(k, name);
    if (any) {
        BUF_LIT(k, "*");
        return;
    }
    buf_printf(k, "%016llx%016llx%016llx%016llx", (unsigned long long)b->w[0], (unsigned long long)b->w[1],
               (unsigned long long)b->w[2], (unsigned long long)b->w[3]);
}

/* The parsed search, field by field: parsing already made it canonical
 * (dates are day numbers, codes are dictionary bits, lists are sets). */
static void key_params(buf_t *k, const api_params *p)
{
    const search_t *q = &p->q;
    buf_printf(k, "|e%d|l%d|n%u|a%u|c%u", q->earliest, q->latest, q->nights, q->adults, q->children);
    key_bits(k, "|ap", q->any_airport, &q->airports);
    key_bits(k, "|m", q->any_meal, &q->meals);
    key_bits(k, "|r", q->any_room, &q->rooms);
    buf_printf(k, "|o%d|s%u|p%u|sort%d|lim%zu|off%zu", q->ocean_view, q->min_stars_x10, q->max_price, (int)p->sort,
               p->limit, p->offset);
    if (p->has_cursor)
        buf_printf(k, "|cur%x.%llx.%x", p->cursor.price, (unsigned long long)p->cursor.departure, p->cursor.offer);
}

bool api_cache_key(store_t *s, const api_request *req, buf_t *key)
{
    if (s == NULL || !(eq(req->method, req->method_len, "GET") || eq(req->method, req->method_len, "HEAD")))
        return false;
    const char *id;
    size_t id_len;
    route_t route = route_of(req, &id, &id_len);
    api_response scratch;
    memset(&scratch, 0, sizeof scratch);
    api_params p;
    bool ok = false;
    if (route == R_BEST) {
        if (params_parse(s, req->query, req->query_len, PARAMS_BEST_OFFERS, &p, &scratch) == 0) {
            BUF_LIT(key, "best");
            key_params(key, &p);
            ok = true;
        }
    } else if (route == R_HOTEL || route == R_OFFERS) {
        int64_t hid = parse_id(id, id_len);
        if (hid >= 0 && store_find_hotel(s, (uint64_t)hid) >= 0) {
            if (route == R_HOTEL) {
                buf_printf(key, "hotel|%lld", (long long)hid);
                ok = req->query_len == 0;
            } else if (params_parse(s, req->query, req->query_len, PARAMS_HOTEL_OFFERS, &p, &scratch) == 0) {
                buf_printf(key, "offers|%lld", (long long)hid);
                key_params(key, &p);
                ok = true;
            }
        }
    }
    api_response_free(&scratch);
    return ok;
}
