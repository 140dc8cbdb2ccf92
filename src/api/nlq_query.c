/* `q=` -> the API's own parameters (see nlq_query.h). */
#include "api/nlq_query.h"

#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "util/days.h"

static void free_parser(void *p) { nlq_free(p); }

const nlq_t *api_nlq_parser(store_t *s)
{
    const nlq_t *p = store_attachment(s);
    if (p)
        return p;
    /* hotel names and the data's first and last departure day */
    nlq_hotel *hs = calloc(s->n_hotels + 1, sizeof *hs);
    if (!hs)
        return NULL;
    size_t n = 0;
    for (uint32_t h = 0; h < s->n_hotels; h++)
        if (s->hotels[h].known)
            hs[n++] = (nlq_hotel){s->hotels[h].id, s->names + s->hotels[h].name_off, s->hotels[h].name_len};
    nlq_source src = {.first_day = INT32_MAX, .last_day = INT32_MIN, .hotels = hs, .n_hotels = n};
    for (uint32_t r = 0; r < s->n_runs; r++) {
        if (s->runs[r].count == 0)
            continue;
        if (s->runs[r].min_day < src.first_day)
            src.first_day = s->runs[r].min_day;
        if (s->runs[r].max_day > src.last_day)
            src.last_day = s->runs[r].max_day;
    }
    if (src.first_day > src.last_day) /* no offers: any year will do */
        src.first_day = src.last_day = days_from_civil(2023, 1, 1);
    nlq_t *mine = nlq_compile(&src);
    free(hs);
    if (!mine)
        return NULL;
    if (!store_attach(s, mine, free_parser)) {
        nlq_free(mine); /* another thread compiled it first */
        return store_attachment(s);
    }
    return mine;
}

/* The parameters a sentence can set, by NLQ_* bit; aliases after names. */
static const struct {
    const char *name;
    uint32_t bit;
} PARAM_BITS[] = {
    {"countAdults", NLQ_ADULTS},         {"countChildren", NLQ_CHILDREN},
    {"duration", NLQ_NIGHTS},            {"earliestDepartureDate", NLQ_EARLIEST},
    {"latestReturnDate", NLQ_LATEST},    {"departureAirports", NLQ_AIRPORTS},
    {"mealType", NLQ_MEALS},             {"roomType", NLQ_ROOMS},
    {"oceanView", NLQ_OCEAN},            {"minStars", NLQ_STARS},
    {"maxPrice", NLQ_PRICE},             {"destination", NLQ_DEST},
    {"departureDate", NLQ_EARLIEST},     {"returnDate", NLQ_LATEST},
};
#define N_PARAM_BITS (sizeof PARAM_BITS / sizeof *PARAM_BITS)

static void put_set(buf_t *b, uint64_t bits, const char *(*name)(unsigned), char sep)
{
    bool first = true;
    for (unsigned i = 0; i < 64; i++)
        if (bits >> i & 1 && name(i)) {
            if (!first)
                buf_putc(b, sep);
            buf_puts(b, name(i));
            first = false;
        }
}

static void put_date(buf_t *b, int32_t day)
{
    char d[16];
    buf_put(b, d, format_date(day, d));
}

static void put_stars(buf_t *b, uint8_t x10)
{
    buf_put_u64(b, x10 / 10u);
    if (x10 % 10) {
        buf_putc(b, '.');
        buf_put_u64(b, x10 % 10u);
    }
}

/* "&name=value" for each field of r in `bits`. */
static void append_params(buf_t *b, const nlq_result *r, uint32_t bits)
{
    if (bits & NLQ_ADULTS)
        BUF_LIT(b, "&countAdults="), buf_put_u64(b, r->adults);
    if (bits & NLQ_CHILDREN)
        BUF_LIT(b, "&countChildren="), buf_put_u64(b, r->children);
    if (bits & NLQ_NIGHTS)
        BUF_LIT(b, "&duration="), buf_put_u64(b, r->nights);
    if (bits & NLQ_EARLIEST)
        BUF_LIT(b, "&earliestDepartureDate="), put_date(b, r->earliest);
    if (bits & NLQ_LATEST)
        BUF_LIT(b, "&latestReturnDate="), put_date(b, r->latest);
    if (bits & NLQ_AIRPORTS)
        BUF_LIT(b, "&departureAirports="), put_set(b, r->airports, nlq_airport_code, ',');
    if (bits & NLQ_MEALS)
        BUF_LIT(b, "&mealType="), put_set(b, r->meals, nlq_meal_code, ',');
    if (bits & NLQ_ROOMS)
        BUF_LIT(b, "&roomType="), put_set(b, r->rooms, nlq_room_code, ',');
    if (bits & NLQ_OCEAN) {
        BUF_LIT(b, "&oceanView=");
        buf_puts(b, r->ocean_view ? "true" : "false");
    }
    if (bits & NLQ_STARS)
        BUF_LIT(b, "&minStars="), put_stars(b, r->min_stars_x10);
    if (bits & NLQ_PRICE)
        BUF_LIT(b, "&maxPrice="), buf_put_u64(b, r->max_price);
    if ((bits & NLQ_DEST) && r->n_destinations) {
        BUF_LIT(b, "&destination=");
        for (unsigned i = 0; i < r->n_destinations; i++) {
            if (i)
                buf_putc(b, ',');
            buf_puts(b, r->destinations[i]);
        }
    }
}

/* Does the query string have a parameter named q (or "q[]", or "%71")?
 * A cheap look before any decoding, so searches without q pay nothing. */
static bool has_q(const char *qs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i && qs[i - 1] != '&')
            continue;
        if (qs[i] == 'q' || (qs[i] == '%' && i + 2 < n && qs[i + 1] == '7' && (qs[i + 2] | 0x20) == '1'))
            return true;
    }
    return false;
}

int api_nlq_compose(store_t *s, const char *qs, size_t n, bool only_q, api_nlq *out, api_response *res)
{
    out->present = false;
    out->len = 0;
    out->query[0] = 0;
    out->assumed = out->explicit_ = 0;
    if (!only_q && !has_q(qs, n))
        return 0; /* the common case: a structured search, left alone */
    buf_t buf = {0}, *composed = &buf;
    size_t kept_from = 0;
    int rc = -1;
    size_t pos = 0;
    params_item it;
    while (params_next_item(qs, n, &pos, &it)) {
        size_t i = it.start, eq = it.eq, amp = it.end;
        char key[64];
        size_t kl = 0;
        bool key_ok = params_url_decode(qs + i, eq - i, key, sizeof key - 1, &kl);
        if (key_ok && kl >= 2 && key[kl - 2] == '[' && key[kl - 1] == ']')
            kl -= 2;
        if (key_ok)
            key[kl] = 0;
        if (key_ok && kl == 1 && key[0] == 'q') {
            if (out->present) {
                api_error(res, 400, "invalid_parameter", "q", "q is given more than once");
                goto out;
            }
            out->present = true;
            size_t vl = 0;
            if (eq < amp &&
                !params_url_decode(qs + eq + 1, amp - eq - 1, out->text, sizeof out->text - 1, &vl)) {
                api_error(res, 400, "invalid_parameter", "q",
                          "q is malformed (percent-encoding) or longer than %d bytes", NLQ_MAX_TEXT);
                goto out;
            }
            out->text[vl] = 0;
            out->len = vl;
        } else {
            if (only_q && !(key_ok && kl && key[0] == '_')) {
                char echo[API_ECHO_CAP(60)];
                api_error(res, 400, "unknown_parameter", key_ok ? key : NULL,
                          "'%s' is not a parameter here: only q is", api_echo(echo, sizeof echo, qs + i, eq - i, 60));
                goto out;
            }
            for (size_t k = 0; key_ok && k < N_PARAM_BITS; k++)
                if (!strcmp(key, PARAM_BITS[k].name))
                    out->explicit_ |= PARAM_BITS[k].bit;
            if (composed->len > kept_from)
                buf_putc(composed, '&');
            buf_put(composed, qs + i, amp - i);
        }
    }
    if (!out->present) {
        rc = 0;
        goto out;
    }
    size_t blank = 0;
    while (blank < out->len && (out->text[blank] == ' ' || out->text[blank] == '\t'))
        blank++;
    if (blank == out->len) {
        api_error(res, 400, "invalid_parameter", "q", "q is empty: say what you are looking for");
        goto out;
    }
    const nlq_t *p = api_nlq_parser(s);
    if (!p) {
        api_error(res, 503, "not_ready", NULL, "the intent parser could not be built (out of memory)");
        goto out;
    }
    nlq_parse(p, out->text, out->len, &out->said); /* the length was checked above */
    out->search = out->said;
    out->assumed = nlq_defaults(p, &out->search);
    /* what the request does not say itself, the sentence (or a default) says */
    size_t before = composed->len;
    append_params(composed, &out->search, out->search.have & ~out->explicit_);
    if (before == kept_from && composed->len > before) /* no leading '&' */
        memmove(composed->data + before, composed->data + before + 1, --composed->len - before);
    if (composed->len >= sizeof out->query) {
        api_error(res, 400, "invalid_query", NULL, "the query string is too long");
        goto out;
    }
    if (composed->len)
        memcpy(out->query, composed->data, composed->len);
    out->query[composed->len] = 0;
    rc = 0;
out:
    buf_free(&buf);
    return rc;
}

void api_nlq_filter_hotels(const api_nlq *q, const store_t *s, hotel_best_vec *v)
{
    if (!q->present || !(q->said.have & NLQ_HOTELS))
        return;
    size_t kept = 0;
    for (size_t i = 0; i < v->len; i++) {
        uint32_t id = s->hotels[v->items[i].hotel].id;
        bool named = false;
        for (unsigned k = 0; k < q->said.n_hotels; k++)
            named |= q->said.hotels[k] == id;
        if (named)
            v->items[kept++] = v->items[i];
    }
    v->len = kept;
}

static void json_set(buf_t *b, uint64_t bits, const char *(*name)(unsigned))
{
    buf_putc(b, '[');
    bool first = true;
    for (unsigned i = 0; i < 64; i++)
        if (bits >> i & 1 && name(i)) {
            if (!first)
                buf_putc(b, ',');
            buf_putc(b, '"');
            buf_puts(b, name(i));
            buf_putc(b, '"');
            first = false;
        }
    buf_putc(b, ']');
}

/* The fields of r in `bits`, as a JSON object with the API's names. */
static void render_fields(buf_t *b, const nlq_result *r, uint32_t bits, const nlq_t *p)
{
    bool first = true;
#define KEY(k) (buf_puts(b, first ? "{\"" k "\":" : ",\"" k "\":"), first = false)
    if (bits & NLQ_ADULTS)
        KEY("countAdults"), buf_put_u64(b, r->adults);
    if (bits & NLQ_CHILDREN)
        KEY("countChildren"), buf_put_u64(b, r->children);
    if (bits & NLQ_NIGHTS)
        KEY("duration"), buf_put_u64(b, r->nights);
    if (bits & NLQ_EARLIEST) {
        KEY("earliestDepartureDate");
        buf_putc(b, '"'), put_date(b, r->earliest), buf_putc(b, '"');
    }
    if (bits & NLQ_LATEST) {
        KEY("latestReturnDate");
        buf_putc(b, '"'), put_date(b, r->latest), buf_putc(b, '"');
    }
    if (bits & NLQ_AIRPORTS)
        KEY("departureAirports"), json_set(b, r->airports, nlq_airport_code);
    if (bits & NLQ_MEALS)
        KEY("mealType"), json_set(b, r->meals, nlq_meal_code);
    if (bits & NLQ_ROOMS)
        KEY("roomType"), json_set(b, r->rooms, nlq_room_code);
    if (bits & NLQ_OCEAN)
        KEY("oceanView"), buf_puts(b, r->ocean_view ? "true" : "false");
    if (bits & NLQ_STARS)
        KEY("minStars"), put_stars(b, r->min_stars_x10);
    if (bits & NLQ_PRICE)
        KEY("maxPrice"), buf_put_u64(b, r->max_price);
    if (bits & NLQ_DEST) {
        KEY("destination");
        buf_putc(b, '[');
        for (unsigned i = 0; i < r->n_destinations; i++) {
            if (i)
                buf_putc(b, ',');
            buf_put_json_str(b, r->destinations[i], strlen(r->destinations[i]));
        }
        buf_putc(b, ']');
    }
    if (bits & NLQ_HOTELS) {
        KEY("hotels");
        buf_putc(b, '[');
        for (unsigned i = 0; i < r->n_hotels; i++) {
            size_t nl = 0;
            const char *name = p ? nlq_hotel_name(p, r->hotels[i], &nl) : NULL;
            buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
            buf_put_u64(b, r->hotels[i]);
            BUF_LIT(b, ",\"name\":");
            if (name)
                buf_put_json_str(b, name, nl);
            else
                BUF_LIT(b, "null");
            buf_putc(b, '}');
        }
        buf_putc(b, ']');
    }
#undef KEY
    if (first)
        buf_putc(b, '{');
    buf_putc(b, '}');
}

void api_nlq_render(const api_nlq *q, store_t *s, buf_t *b)
{
    const nlq_t *p = api_nlq_parser(s);
    BUF_LIT(b, "\"interpreted\":");
    render_fields(b, &q->said, q->said.have, p);
    BUF_LIT(b, ",\"assumed\":");
    render_fields(b, &q->search, q->assumed & ~q->explicit_, p);
    BUF_LIT(b, ",\"unrecognized\":[");
    for (unsigned i = 0; i < q->said.n_unrecognized; i++) {
        if (i)
            buf_putc(b, ',');
        buf_put_json_str(b, q->text + q->said.unrecognized[i].off, q->said.unrecognized[i].len);
    }
    buf_putc(b, ']');
    if (q->said.more_unrecognized)
        BUF_LIT(b, ",\"unrecognizedTruncated\":true");
    BUF_LIT(b, ",\"query\":");
    buf_put_json_str(b, q->query, strlen(q->query));
}
