/* The router: prepare (method, data, {id}, parameters), key, execute. The
 * routes and their properties are the table of route.h; nothing here names
 * an endpoint. */
#include "api/api.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/endpoints.h"
#include "util/clock.h"
#include "util/digits.h"

#define HANDLER_API_(id, name, path, flags, params, handler) [ROUTE_##id] = handler,
#define PARAMS_API_(id, name, path, flags, params, handler) [ROUTE_##id] = params,
#define SKIP_(...)
static api_handler *const HANDLERS[ROUTE_COUNT] = {ISLA_ROUTES(HANDLER_API_, SKIP_, SKIP_)};
static const params_kind PARAMS[ROUTE_COUNT] = {ISLA_ROUTES(PARAMS_API_, SKIP_, SKIP_)};

static bool eq(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && !memcmp(p, lit, n);
}

/* Parses "123" in a path segment; -1 if not a hotel id. */
static int64_t parse_id(const char *p, size_t n)
{
    uint64_t v;
    return digits_u64(p, n, 10, UINT32_MAX, &v) ? (int64_t)v : -1;
}

void api_not_found(const api_request *req, api_response *res)
{
    size_t n = req->path_len;
    char echo[API_ECHO_CAP(200)];
    api_error(res, 404, "not_found", NULL, "no such endpoint: %s", api_echo(echo, sizeof echo, req->path, n, 200));
}

void api_prepare(store_t *s, const api_env *env, const api_request *req, const api_match *m, api_call *c,
                 api_response *res)
{
    memset(res, 0, sizeof *res);
    memset(c, 0, sizeof *c);
    c->route = m->route;
    c->flags = m->flags;
    c->store = s;
    c->env = env;
    c->req = req;
    c->hotel = -1;

    /* The route is known, so a wrong method is a 405 with Allow. */
    bool get = eq(req->method, req->method_len, "GET") || eq(req->method, req->method_len, "HEAD");
    bool allowed = (get && (m->flags & RF_GET)) || ((m->flags & RF_POST) && eq(req->method, req->method_len, "POST")) ||
                   ((m->flags & RF_DELETE) && eq(req->method, req->method_len, "DELETE"));
    if (!allowed) {
        static const char *const allow[8] = {
            "OPTIONS", "GET, HEAD, OPTIONS", "POST, OPTIONS", "GET, HEAD, POST, OPTIONS",
            "DELETE, OPTIONS", "GET, HEAD, DELETE, OPTIONS", "POST, DELETE, OPTIONS", "GET, HEAD, POST, DELETE, OPTIONS"};
        unsigned k = ((m->flags & RF_GET) ? 1u : 0u) | ((m->flags & RF_POST) ? 2u : 0u) | ((m->flags & RF_DELETE) ? 4u : 0u);
        res->allow = allow[k];
        char echo[API_ECHO_CAP(16)];
        api_error(res, 405, "method_not_allowed", NULL, "%s is not allowed here; use %.*s",
                  api_echo(echo, sizeof echo, req->method, req->method_len, 16),
                  (int)(k ? strlen(allow[k]) - strlen(", OPTIONS") : strlen(allow[k])), allow[k]);
        return;
    }
    c->id = m->id;
    c->id_len = m->id_len;
    if ((m->flags & RF_STORE) && s == NULL) {
        api_error(res, 503, "not_ready", NULL, "no data generation is loaded yet");
        return;
    }
    if (m->id != NULL && !(m->flags & RF_ADMIN)) {
        int64_t hid = parse_id(m->id, m->id_len);
        if (hid < 0) {
            char echo[API_ECHO_CAP(40)];
            api_error(res, 400, "invalid_parameter", "hotelId", "hotel id must be a whole number, got '%s'",
                      api_echo(echo, sizeof echo, m->id, m->id_len, 40));
            return;
        }
        c->hotel_id = (uint64_t)hid;
        c->hotel = store_find_hotel(s, c->hotel_id);
        if (c->hotel < 0) {
            api_error(res, 404, "hotel_not_found", "hotelId", "no hotel with id %lld", (long long)hid);
            return;
        }
    }
    params_kind kind = PARAMS[c->route];
    const char *qs = req->query;
    size_t qn = req->query_len;
    if (kind == PARAMS_BEST_OFFERS || kind == PARAMS_SEARCH || kind == PARAMS_PARSE) {
        /* a sentence (q=) becomes the parameters it says (api/nlq_query.h) */
        if (api_nlq_compose(s, qs, qn, kind == PARAMS_PARSE, &c->nlq, res) < 0)
            return;
        if (kind != PARAMS_BEST_OFFERS && !c->nlq.present) {
            api_error(res, 400, "missing_parameter", "q", "q is required: the search in words");
            return;
        }
        if (c->nlq.present)
            qs = c->nlq.query, qn = strlen(c->nlq.query);
        if (kind == PARAMS_SEARCH)
            kind = PARAMS_BEST_OFFERS;
    }
    if (kind != PARAMS_NONE && kind != PARAMS_PARSE && params_parse(s, qs, qn, kind, &c->params, res) < 0)
        return;
    /* A cursor continues one hotel's search: checked against both here, so
     * the cache key and the handler see only a cursor that belongs. */
    if (PARAMS[c->route] == PARAMS_HOTEL_OFFERS && c->hotel >= 0 &&
        params_bind_cursor(s, (uint32_t)c->hotel, &c->params, res) < 0)
        return;
    c->ready = true;
}

void api_execute(const api_call *c, api_response *res)
{
    if (c->ready)
        HANDLERS[c->route](c, res);
}

api_route api_handle(store_t *s, const api_env *env, const api_request *req, api_response *res)
{
    api_match m;
    if (!api_route_match(req->path, req->path_len, &m) || (m.flags & RF_HTTP)) {
        memset(res, 0, sizeof *res);
        api_not_found(req, res);
        return ROUTE_OTHER;
    }
    api_call c;
    api_prepare(s, env, req, &m, &c, res);
    api_execute(&c, res);
    return c.route;
}

/* ---- cache keys ---------------------------------------------------------- */

static void key_bits(buf_t *k, const char *name, bool any, const bitset256 *b)
{
    buf_puts(k, name);
    if (any) {
        BUF_LIT(k, "*");
        return;
    }
    for (int i = 0; i < 4; i++)
        buf_put_hex(k, b->w[i], 16);
}

/* "|NAME" and a signed decimal: one piece of a key (no printf: a key is
 * made for every search request) */
static void key_int(buf_t *k, const char *name, size_t n, int64_t v)
{
    buf_put(k, name, n);
    buf_put_i64(k, v);
}
#define KEY_INT(k, lit, v) key_int((k), (lit), sizeof(lit) - 1, (int64_t)(v))

/* The parsed search, field by field: parsing already made it canonical
 * (dates are day numbers, codes are dictionary bits, lists are sets). */
static void key_params(buf_t *k, const api_params *p)
{
    const search_t *q = &p->q;
    KEY_INT(k, "|e", q->earliest);
    KEY_INT(k, "|l", q->latest);
    KEY_INT(k, "|n", q->any_nights ? -1 : q->nights);
    KEY_INT(k, "|a", q->any_adults ? -1 : q->adults);
    KEY_INT(k, "|c", q->any_children ? -1 : q->children);
    key_bits(k, "|d", q->any_dest, &q->dests);
    key_bits(k, "|ap", q->any_airport, &q->airports);
    key_bits(k, "|m", q->any_meal, &q->meals);
    key_bits(k, "|r", q->any_room, &q->rooms);
    KEY_INT(k, "|o", q->ocean_view);
    KEY_INT(k, "|s", q->min_stars_x10);
    KEY_INT(k, "|p", q->max_price);
    KEY_INT(k, "|sort", (int)p->sort);
    BUF_LIT(k, "|lim");
    buf_put_u64(k, p->limit);
    BUF_LIT(k, "|off");
    buf_put_u64(k, p->offset);
    if (p->has_cursor) {
        BUF_LIT(k, "|cur");
        buf_put_hex(k, p->cursor.price, 1);
        buf_putc(k, '.');
        buf_put_hex(k, (uint64_t)p->cursor.departure, 1);
        buf_putc(k, '.');
        buf_put_hex(k, p->cursor.offer, 1);
    }
    if (p->has_hotel_id)
        KEY_INT(k, "|h", p->hotel_id);
    if (p->fields) {
        BUF_LIT(k, "|f");
        buf_put_hex(k, p->fields, 1);
    }
}

bool api_call_key(const api_call *c, buf_t *key)
{
    if (!c->ready || !(c->flags & RF_CACHEABLE) || c->store == NULL)
        return false;
    /* A route without parameters has one answer per path: a query string
     * on it is something else (and answered uncached). */
    if (PARAMS[c->route] == PARAMS_NONE && c->req->query_len != 0)
        return false;
    buf_puts(key, api_route_name(c->route));
    if (c->hotel >= 0)
    {
        buf_putc(key, '|');
        buf_put_u64(key, c->hotel_id);
    }
    if (PARAMS[c->route] != PARAMS_NONE)
        key_params(key, &c->params);
    if (c->nlq.present) {
        /* hotels a sentence names narrow the results; search and parse
         * also echo the sentence (its unrecognized words) */
        const nlq_result *r = &c->nlq.said;
        for (unsigned i = 0; (r->have & NLQ_HOTELS) && i < r->n_hotels; i++)
            KEY_INT(key, "|H", r->hotels[i]);
        if (c->route != ROUTE_BEST_OFFERS) {
            BUF_LIT(key, "|q");
            buf_put(key, c->nlq.text, c->nlq.len);
        }
    }
    return true;
}
