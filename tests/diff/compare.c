#include "diff.h"

/* ------------------------------------------------------------------ */
/* isla side: an offer as the tuple the oracle stores                   */

const store_t *S;


static const char *json_obj(const char *p, const char *end, const char *prefix, jfield *f, int *nf, int max)
{
    if (p >= end || *p != '{')
        return NULL;
    p++;
    while (p < end && *p != '}') {
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '"')
            return NULL;
        const char *k = ++p;
        while (p < end && *p != '"')
            p++;
        if (p >= end)
            return NULL;
        size_t kl = (size_t)(p - k);
        p++;
        if (p >= end || *p != ':')
            return NULL;
        p++;
        char full[48];
        fmt_s(full, sizeof full, "%s%.*s", prefix, (int)kl, k);
        if (p < end && *p == '{') {
            char pre[48];
            fmt_s(pre, sizeof pre, "%s.", full);
            p = json_obj(p, end, pre, f, nf, max);
            if (!p)
                return NULL;
            continue;
        }
        if (*nf >= max)
            return NULL;
        jfield *x = &f[(*nf)++];
        fmt_s(x->key, sizeof x->key, "%s", full);
        if (p < end && *p == '"') {
            x->v = ++p;
            while (p < end && *p != '"')
                p += *p == '\\' ? 2 : 1;
            if (p >= end)
                return NULL;
            x->n = (size_t)(p - x->v);
            x->str = true;
            p++;
        } else {
            x->v = p;
            while (p < end && *p != ',' && *p != '}')
                p++;
            x->n = (size_t)(p - x->v);
            x->str = false;
        }
    }
    return p < end ? p + 1 : NULL;
}

/* Value of key as a NUL-terminated copy in out ("" if absent: *found false). */
static const char *jget(const jfield *f, int nf, const char *key, char *out, size_t cap, bool *found)
{
    for (int i = 0; i < nf; i++)
        if (!strcmp(f[i].key, key)) {
            fmt_s(out, cap, "%.*s", (int)f[i].n, f[i].v);
            if (found)
                *found = true;
            return out;
        }
    if (found)
        *found = false;
    out[0] = 0;
    return out;
}


/* An offer as isla renders it; returns false (with why) if the object is
 * malformed or inconsistent with the search. */
static bool isla_tuple(const search_t *q, uint32_t o, tuple_t *t, char *why, size_t whylen)
{
    static buf_t b;
    b.len = 0;
    render_offer(&b, S, &S->groups[query_group_of_offer(S, o)], o);
    jfield f[40];
    int nf = 0;
    if (!json_obj(b.data, b.data + b.len, "", f, &nf, 40)) {
        fmt_s(why, whylen, "render_offer wrote malformed JSON: %.*s", (int)(b.len > 300 ? 300 : b.len), b.data);
        return false;
    }
    static const char *const keys[12] = {
        "price", "outboundDepartureDatetime", "inboundDepartureDatetime", "outboundDepartureAirport",
        "outboundArrivalAirport", "inboundDepartureAirport", "inboundArrivalAirport", "outboundArrivalDatetime",
        "inboundArrivalDatetime", "mealType", "roomType", "oceanView"};
    char v[12][64];
    for (int k = 0; k < 12; k++) {
        bool found;
        jget(f, nf, keys[k], v[k], sizeof v[k], &found);
        if (!found) {
            fmt_s(why, whylen, "render_offer has no %s: %.*s", keys[k], (int)(b.len > 300 ? 300 : b.len), b.data);
            return false;
        }
    }
    char a[16], c[16], misspelt[64];
    jget(f, nf, "countAdults", a, sizeof a, NULL);
    jget(f, nf, "countChildren", c, sizeof c, NULL);
    jget(f, nf, "outbundDepartureDatetime", misspelt, sizeof misspelt, NULL);
    (void)q; /* adults and children are compared as part of the tuple: a search may leave them open */
    if (strcmp(misspelt, v[1])) {
        fmt_s(why, whylen, "render_offer: counts or outbundDepartureDatetime wrong: %.*s",
              (int)(b.len > 300 ? 300 : b.len), b.data);
        return false;
    }
    t->price = (uint32_t)strtoul(v[0], NULL, 10);
    fmt_s(t->odt19, sizeof t->odt19, "%.19s", v[1]);
    fmt_s(t->key, sizeof t->key, "%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s", v[0], v[1], v[2], v[3], v[4], v[5],
          v[6], v[7], v[8], v[9], v[10], v[11], a, c);
    if (t->price != S->price[o]) {
        fmt_s(why, whylen, "render_offer price %u, price column %u", t->price, S->price[o]);
        return false;
    }
    return true;
}

static int tuple_key_cmp(const void *x, const void *y)
{
    return strcmp(((const tuple_t *)x)->key, ((const tuple_t *)y)->key);
}

/* ------------------------------------------------------------------ */
/* comparing one search                                                 */


const char *const prof_names[PR_COUNT] = {"sql-best", "isla-best", "sql-exists", "sort",
                                                 "sql-hotel-offers", "isla-hotel-offers", "sql-outside"};
double prof[PR_COUNT];

static int details_printed;
int max_details = 8;


static void problem(check_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(check_t *c, const char *fmt, ...)
{
    c->problems++;
    if (c->problems > 12)
        return;
    char tmp[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sputs(&c->msg, "    ");
    sputs(&c->msg, tmp);
    sputs(&c->msg, "\n");
}


static int hotel_stars_x10(int64_t id, bool *known)
{
    static sqlite3_stmt *st;
    if (!st)
        st = sql_prep("SELECT CAST(round(stars*10) AS INTEGER) FROM hotels WHERE id=?1");
    sqlite3_bind_int64(st, 1, id);
    int v = 0;
    *known = sqlite3_step(st) == SQLITE_ROW;
    if (*known)
        v = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return v;
}

static bool parse_qs(const char *qs, params_kind kind, api_params *out, check_t *c)
{
    api_response res;
    memset(&res, 0, sizeof res);
    int rc = params_parse(S, qs, strlen(qs), kind, out, &res);
    if (rc != 0)
        problem(c, "params_parse rejected the query (status %d): %.*s", res.status,
                (int)(res.body.len > 300 ? 300 : res.body.len), res.body.data ? res.body.data : "");
    api_response_free(&res);
    return rc == 0;
}

/* Checks what params_parse made of the query against what it means. */
static void check_parsed(const spec_t *sp, const search_t *q, check_t *c)
{
    if (q->earliest != sp->earliest)
        problem(c, "parsed earliestDepartureDate is day %d (%s), expected %s", q->earliest,
                q->earliest >= 0 && q->earliest < CAL_DAYS ? cal[q->earliest] : "?", cal[sp->earliest]);
    if (q->latest != sp->latest)
        problem(c, "parsed latestReturnDate is day %d (%s), expected %s", q->latest,
                q->latest >= 0 && q->latest < CAL_DAYS ? cal[q->latest] : "?", cal[sp->latest]);
    if (q->any_nights != sp->any_nights || (!sp->any_nights && q->nights != sp->nights) || q->adults != sp->adults ||
        q->children != sp->children || q->any_adults || q->any_children)
        problem(c, "parsed duration/adults/children %d%s/%d/%d, expected %d%s/%d/%d", q->nights,
                q->any_nights ? " (any)" : "", q->adults, q->children, sp->nights, sp->any_nights ? " (any)" : "",
                sp->adults, sp->children);
    /* destination set: the codes the data has, nothing else */
    if (q->any_dest != (sp->dests.n == 0))
        problem(c, "parsed %s destination filter, expected %d destinations", q->any_dest ? "no" : "a",
                sp->dests.n);
    for (unsigned id = 0; !q->any_dest && id < S->dict_len[STORE_DICT_AIRPORT]; id++) {
        const char *code = store_dict_str(S, STORE_DICT_AIRPORT, id);
        bool want = false;
        for (int i = 0; i < sp->dests.n; i++)
            want |= !strcmp(sp->dests.v[i], code);
        if (want != bitset_has(&q->dests, id))
            problem(c, "parsed destination set %s %s", want ? "lacks" : "has extra", code);
    }
    if (q->max_price != (sp->max_price < 0 ? UINT32_MAX : (uint32_t)sp->max_price))
        problem(c, "parsed maxPrice %u, expected %ld", q->max_price, sp->max_price);
    if (q->ocean_view != sp->ocean)
        problem(c, "parsed oceanView %d, expected %d", q->ocean_view, sp->ocean);
    if (q->min_stars_x10 != sp->min_stars_x10)
        problem(c, "parsed minStars x10 %d, expected %d", q->min_stars_x10, sp->min_stars_x10);
    /* airport set: each expected code that exists in the data must be in
     * the set, and nothing else */
    if (sp->airports.n == 0) {
        if (!q->any_airport)
            problem(c, "parsed an airport filter where none was given");
    } else if (q->any_airport) {
        problem(c, "parsed no airport filter, expected %d airports", sp->airports.n);
    } else {
        for (unsigned id = 0; id < S->dict_len[STORE_DICT_AIRPORT]; id++) {
            const char *code = store_dict_str(S, STORE_DICT_AIRPORT, id);
            bool want = false;
            for (int i = 0; i < sp->airports.n; i++)
                want |= !strcmp(sp->airports.v[i], code);
            if (want != bitset_has(&q->airports, id))
                problem(c, "parsed airport set %s %s", want ? "lacks" : "has extra", code);
        }
    }
}

static void sort_stars(sql_best *v, size_t n)
{
    /* insertion sort keeps this obviously right; n <= hotels */
    for (size_t i = 1; i < n; i++) {
        sql_best x = v[i];
        size_t j = i;
        while (j > 0) {
            const sql_best *p = &v[j - 1];
            bool after = p->stars_x10 < x.stars_x10 ||
                         (p->stars_x10 == x.stars_x10 &&
                          (p->min_price > x.min_price || (p->min_price == x.min_price && p->hotel > x.hotel)));
            if (!after)
                break;
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void check_sorted(const char *what, const hotel_best *isla, size_t n, const sql_best *want,
                         check_t *c)
{
    for (size_t i = 0; i < n; i++)
        if (S->hotels[isla[i].hotel].id != want[i].hotel) {
            problem(c, "query_sort_best(%s): position %zu is hotel %u (min %u), expected hotel %lld (min %lld)",
                    what, i, S->hotels[isla[i].hotel].id, isla[i].min_price, (long long)want[i].hotel,
                    (long long)want[i].min_price);
            return;
        }
}

/* Fetches the SQL list of a hotel's matching offers, in hotel-offers order. */
static size_t sql_hotel_offers(const char *where, int64_t hotel, tuple_t **out, size_t *cap)
{
    str_t q = {0};
    sprintf_(&q,
             "SELECT price,odt,idt,odep,oarr,idep,iarr,oarrdt,iarrdt,meal,room,ocean,a,c FROM offers o "
             "WHERE %s AND o.hotel=%lld ORDER BY o.price, substr(o.odt,1,19)",
             where, (long long)hotel);
    sqlite3_stmt *st = sql_prep(q.s);
    free(q.s);
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 256;
            *out = must_realloc(*out, *cap * sizeof **out);
        }
        tuple_t *t = &(*out)[n++];
        t->price = (uint32_t)sqlite3_column_int64(st, 0);
        fmt_s(t->odt19, sizeof t->odt19, "%.19s", sqlite3_column_text(st, 1));
        fmt_s(t->key, sizeof t->key, "%lld|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%lld|%lld",
                 (long long)sqlite3_column_int64(st, 0), sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
                 sqlite3_column_text(st, 3), sqlite3_column_text(st, 4), sqlite3_column_text(st, 5),
                 sqlite3_column_text(st, 6), sqlite3_column_text(st, 7), sqlite3_column_text(st, 8),
                 sqlite3_column_text(st, 9), sqlite3_column_text(st, 10), sqlite3_column_text(st, 11),
                 (long long)sqlite3_column_int64(st, 12), (long long)sqlite3_column_int64(st, 13));
    }
    sqlite3_finalize(st);
    return n;
}

/* Pages through query_hotel_offers for one hotel and compares. */
static void check_hotel_offers(const spec_t *sp, rng_t *r, const char *where, uint32_t hidx, check_t *c,
                               class_stats *cs)
{
    static tuple_t *want, *got;
    static size_t want_cap, got_cap;
    static offer_page page;
    int64_t hid = S->hotels[hidx].id;
    double t0 = now_s();
    size_t nwant = sql_hotel_offers(where, hid, &want, &want_cap);
    double t1 = now_s();
    prof[PR_HOTEL_SQL] += t1 - t0;
    size_t ngot = 0;
    char cursor[CURSOR_TEXT_MAX] = "";
    bool has_cursor = false;
    int pages = 0;
    for (;;) {
        size_t remaining = nwant > ngot ? nwant - ngot : 0;
        size_t limit = (size_t)rnd_range(r, 1, 50);
        if (remaining / limit > 60) /* keep big hotels to a few dozen pages */
            limit = remaining / 60 + 1 > 1000 ? 1000 : remaining / 60 + 1;
        char qs[9000];
        fmt_s(qs, sizeof qs, "%s&limit=%zu%s%s", sp->qs_hotel, limit, has_cursor ? "&cursor=" : "",
                 has_cursor ? cursor : "");
        api_params p;
        if (!parse_qs(qs, PARAMS_HOTEL_OFFERS, &p, c))
            return;
        if (p.limit != limit)
            problem(c, "hotel offers: parsed limit %zu, expected %zu", p.limit, limit);
        api_response bound;
        memset(&bound, 0, sizeof bound);
        int bind_rc = params_bind_cursor(S, hidx, &p, &bound);
        api_response_free(&bound);
        if (has_cursor && (bind_rc != 0 || !p.has_cursor)) {
            problem(c, "hotel offers: cursor '%s' was not taken", cursor);
            return;
        }
        query_hotel_offers(S, &p.q, hidx, p.has_cursor ? &p.cursor : NULL, p.limit, &page);
        pages++;
        if (page.total != nwant)
            problem(c, "hotel %lld page %d: total %zu, SQL count %zu", (long long)hid, pages, page.total, nwant);
        if (page.len > limit)
            problem(c, "hotel %lld page %d: %zu items > limit %zu", (long long)hid, pages, page.len, limit);
        size_t expect_len = remaining < limit ? remaining : limit;
        if (page.len != expect_len)
            problem(c, "hotel %lld page %d (limit %zu): %zu items, expected %zu", (long long)hid, pages, limit,
                    page.len, expect_len);
        if (page.more != (remaining > page.len))
            problem(c, "hotel %lld page %d: more=%d with %zu of %zu offers seen", (long long)hid, pages,
                    page.more, ngot + page.len, nwant);
        for (size_t i = 0; i < page.len; i++) {
            if (page.items[i] >= S->n_offers) {
                problem(c, "hotel %lld: offer index %u out of range", (long long)hid, page.items[i]);
                return;
            }
            if (ngot == got_cap) {
                got_cap = got_cap ? got_cap * 2 : 256;
                got = must_realloc(got, got_cap * sizeof *got);
            }
            char why[600];
            if (!isla_tuple(&p.q, page.items[i], &got[ngot++], why, sizeof why))
                problem(c, "hotel %lld: %s", (long long)hid, why);
        }
        if (page.len == 0 || !page.more || ngot > nwant + 1000)
            break;
        offer_pos last = query_offer_pos(S, page.items[page.len - 1]);
        cursor_encode(S, hidx, &p.q, &last, cursor);
        has_cursor = true;
    }
    prof[PR_HOTEL_ISLA] += now_s() - t1;
    cs->pages += (uint64_t)pages;
    cs->paged_offers += ngot;
    /* order: price, then departure datetime, never decreasing */
    for (size_t i = 1; i < ngot; i++) {
        const tuple_t *a = &got[i - 1], *b = &got[i];
        if (a->price > b->price || (a->price == b->price && strcmp(a->odt19, b->odt19) > 0)) {
            problem(c, "hotel %lld: offers out of order at %zu: %s then %s", (long long)hid, i, a->key, b->key);
            break;
        }
    }
    if (nwant > 1) /* the arrays are NULL when empty: qsort(NULL, 0) is undefined */
        qsort(want, nwant, sizeof *want, tuple_key_cmp);
    if (ngot > 1)
        qsort(got, ngot, sizeof *got, tuple_key_cmp);
    size_t i = 0, j = 0;
    int shown = 0;
    while (i < nwant || j < ngot) {
        int cmp = i == nwant ? 1 : j == ngot ? -1 : strcmp(want[i].key, got[j].key);
        if (cmp == 0) {
            i++, j++;
            continue;
        }
        if (shown++ < 4)
            problem(c, "hotel %lld: %s %s", (long long)hid, cmp < 0 ? "missing from isla:" : "extra in isla: ",
                    cmp < 0 ? want[i].key : got[j].key);
        else
            c->problems++;
        if (cmp < 0)
            i++;
        else
            j++;
    }
}

void run_search(const spec_t *sp, rng_t *r, class_stats *cs)
{
    check_t c = {sp, 0, {0}};
    static hotel_best_vec hb;
    static str_t where, where_h;
    static sql_best *want;
    static size_t want_cap;
    static hotel_best *sorted;
    static size_t sorted_cap;
    size_t nwant = 0;
    uint64_t total = 0;

    api_params p;
    if (!parse_qs(sp->qs_best, PARAMS_BEST_OFFERS, &p, &c))
        goto done;
    check_parsed(sp, &p.q, &c);
    if (p.fields != sp->fields)
        problem(&c, "parsed fields %#x, expected %#x", p.fields, sp->fields);

    where_clause(sp, false, &where);
    where_clause(sp, true, &where_h);
    double t0 = now_s();
    str_t q = {0};
    /* hotel by hotel: the plan is one index range per hotel (and length
     * of stay, without duration) */
    if (sp->any_nights)
        sprintf_(&q,
                 "SELECT o.hotel, MIN(o.price), COUNT(*) FROM group_hotels g CROSS JOIN offers o "
                 "WHERE g.a=%d AND g.c=%d AND o.n=g.n AND o.hotel=g.hotel AND %s GROUP BY o.hotel ORDER BY o.hotel",
                 sp->adults, sp->children, where.s);
    else
        sprintf_(&q,
                 "SELECT o.hotel, MIN(o.price), COUNT(*) FROM group_hotels g CROSS JOIN offers o "
                 "WHERE g.a=%d AND g.c=%d AND g.n=%d AND o.hotel=g.hotel AND %s GROUP BY o.hotel ORDER BY o.hotel",
                 sp->adults, sp->children, sp->nights, where.s);
    sqlite3_stmt *st = sql_prep(q.s);
    free(q.s);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (nwant == want_cap) {
            want_cap = want_cap ? want_cap * 2 : 256;
            want = must_realloc(want, want_cap * sizeof *want);
        }
        sql_best *w = &want[nwant++];
        w->hotel = sqlite3_column_int64(st, 0);
        w->min_price = sqlite3_column_int64(st, 1);
        w->count = sqlite3_column_int64(st, 2);
        bool known;
        w->stars_x10 = hotel_stars_x10(w->hotel, &known);
        total += (uint64_t)w->count;
    }
    sqlite3_finalize(st);
    cs->offers += total;
    cs->hotels += nwant;
    cs->nonempty += nwant > 0;

    double t1 = now_s();
    prof[PR_SQL_BEST] += t1 - t0;
    query_best_offers(S, &p.q, &hb);
    double t2 = now_s();
    prof[PR_ISLA_BEST] += t2 - t1;
    /* hotel sets, min prices, counts (both in hotel id order) */
    size_t i = 0, j = 0;
    int shown = 0;
    while (i < nwant || j < hb.len) {
        int64_t gid = j < hb.len ? (int64_t)S->hotels[hb.items[j].hotel].id : INT64_MAX;
        int64_t wid = i < nwant ? want[i].hotel : INT64_MAX;
        if (j > 0 && j < hb.len && hb.items[j].hotel <= hb.items[j - 1].hotel) {
            problem(&c, "query_best_offers: hotels not in index order at %zu", j);
        }
        if (gid == wid) {
            const hotel_best *g = &hb.items[j];
            if (g->min_price != want[i].min_price || g->count != want[i].count) {
                if (shown++ < 5)
                    problem(&c, "hotel %lld: isla minPrice %u count %u, SQL minPrice %lld count %lld",
                            (long long)wid, g->min_price, g->count, (long long)want[i].min_price,
                            (long long)want[i].count);
                else
                    c.problems++;
            }
            i++, j++;
        } else if (wid < gid) {
            if (shown++ < 5)
                problem(&c, "hotel %lld missing from isla (SQL minPrice %lld count %lld)", (long long)wid,
                        (long long)want[i].min_price, (long long)want[i].count);
            else
                c.problems++;
            i++;
        } else {
            if (shown++ < 5)
                problem(&c, "hotel %lld in isla but not in SQL (isla minPrice %u count %u)", (long long)gid,
                        hb.items[j].min_price, hb.items[j].count);
            else
                c.problems++;
            j++;
        }
    }

    /* each best offer: some matching offer of the hotel at minPrice */
    str_t eq = {0};
    sprintf_(&eq,
             "SELECT EXISTS(SELECT 1 FROM offers o WHERE %s AND o.hotel=?1 AND o.price=?2 AND o.dep=?3 "
             "AND o.ret=?4 AND o.room=?5 AND o.meal=?6 AND o.ocean=?7 AND o.odep=?8 AND o.n=?9 AND o.a=%d AND o.c=%d)",
             where.s, sp->adults, sp->children);
    sqlite3_stmt *ex = sql_prep(eq.s);
    free(eq.s);
    shown = 0;
    for (size_t k = 0; k < hb.len; k++) {
        const hotel_best *g = &hb.items[k];
        if (g->best >= S->n_offers) {
            problem(&c, "hotel %u: best offer index %u out of range", S->hotels[g->hotel].id, g->best);
            continue;
        }
        uint32_t o = g->best;
        /* what isla reports about the hotel's best offer: its JSON, plus
         * the departure airport (hot column; not in the JSON) */
        static buf_t jb;
        jb.len = 0;
        render_best(&jb, S, &p.q, g);
        jfield f[40];
        int nf = 0;
        if (!json_obj(jb.data, jb.data + jb.len, "", f, &nf, 40)) {
            problem(&c, "render_best wrote malformed JSON: %.*s", (int)(jb.len > 300 ? 300 : jb.len), jb.data);
            continue;
        }
        char dep[32], ret[32], room[32], meal[32], ocean[16], minp[24], cnt[24], hid[24], stars[16], ca[8], cc[8],
            du[8];
        jget(f, nf, "departureDate", dep, sizeof dep, NULL);
        jget(f, nf, "returnDate", ret, sizeof ret, NULL);
        jget(f, nf, "roomType", room, sizeof room, NULL);
        jget(f, nf, "mealType", meal, sizeof meal, NULL);
        jget(f, nf, "oceanView", ocean, sizeof ocean, NULL);
        jget(f, nf, "minPrice", minp, sizeof minp, NULL);
        jget(f, nf, "countAvailableOffers", cnt, sizeof cnt, NULL);
        jget(f, nf, "hotel.id", hid, sizeof hid, NULL);
        jget(f, nf, "hotel.stars", stars, sizeof stars, NULL);
        jget(f, nf, "countAdults", ca, sizeof ca, NULL);
        jget(f, nf, "countChildren", cc, sizeof cc, NULL);
        jget(f, nf, "duration", du, sizeof du, NULL);
        const char *ap = store_dict_str(S, STORE_DICT_AIRPORT, S->airport[o]);
        int64_t id = S->hotels[g->hotel].id;
        bool known;
        int want_stars = hotel_stars_x10(id, &known);
        if (strtoll(hid, NULL, 10) != id || strtoul(minp, NULL, 10) != g->min_price ||
            strtoul(cnt, NULL, 10) != g->count || atoi(ca) != sp->adults || atoi(cc) != sp->children ||
            atoi(du) != (sp->any_nights ? cal_day(ret) - cal_day(dep) : sp->nights) ||
            (int)(strtod(stars, NULL) * 10 + 0.5) != want_stars) {
            if (shown++ < 3)
                problem(&c, "hotel %lld: render_best disagrees (stars expected %d.%d): %.*s", (long long)id,
                        want_stars / 10, want_stars % 10, (int)(jb.len > 400 ? 400 : jb.len), jb.data);
            else
                c.problems++;
            continue;
        }
        sqlite3_bind_int64(ex, 1, id);
        sqlite3_bind_int64(ex, 2, g->min_price);
        sqlite3_bind_text(ex, 3, dep, -1, SQLITE_STATIC);
        sqlite3_bind_text(ex, 4, ret, -1, SQLITE_STATIC);
        sqlite3_bind_text(ex, 5, room, -1, SQLITE_STATIC);
        sqlite3_bind_text(ex, 6, meal, -1, SQLITE_STATIC);
        sqlite3_bind_text(ex, 7, ocean, -1, SQLITE_STATIC);
        sqlite3_bind_text(ex, 8, ap, -1, SQLITE_STATIC);
        sqlite3_bind_int(ex, 9, atoi(du)); /* the index range even without duration */
        bool ok = sqlite3_step(ex) == SQLITE_ROW && sqlite3_column_int(ex, 0) == 1;
        sqlite3_reset(ex);
        /* the hotel's destination: hotels.csv's, else one its offers fly to */
        char hdest[32] = "";
        bool has_dest;
        jget(f, nf, "hotel.destination", hdest, sizeof hdest, &has_dest);
        str_t dq = {0};
        sprintf_(&dq,
                 "SELECT CASE WHEN (SELECT dest FROM hotels WHERE id=%lld) IS NOT NULL "
                 "THEN (SELECT dest FROM hotels WHERE id=%lld)='%s' "
                 "ELSE EXISTS(SELECT 1 FROM hotel_dests WHERE hotel=%lld AND dest='%s') END",
                 (long long)id, (long long)id, hdest, (long long)id, hdest);
        if (!has_dest || sql_int(dq.s) != 1) {
            if (shown++ < 3)
                problem(&c, "hotel %lld: destination '%s' is neither its hotels.csv one nor where it flies",
                        (long long)id, hdest);
            else
                c.problems++;
        }
        free(dq.s);
        /* fields=: exactly the selected keys, with the full answer's values */
        if (sp->fields) {
            static buf_t sb;
            sb.len = 0;
            render_best_sel(&sb, S, g, sp->fields);
            jfield sf[40];
            int snf = 0;
            if (!json_obj(sb.data, sb.data + sb.len, "", sf, &snf, 40)) {
                problem(&c, "render_best_sel wrote malformed JSON: %.*s", (int)(sb.len > 300 ? 300 : sb.len), sb.data);
            } else {
                int want_keys = 0;
                for (int k = 0; k < nf; k++) {
                    uint32_t bit = render_field_bits(f[k].key, strlen(f[k].key), true);
                    if (!(bit & sp->fields))
                        continue;
                    want_keys++;
                    char a[400], b2[400];
                    bool found;
                    jget(f, nf, f[k].key, a, sizeof a, NULL);
                    jget(sf, snf, f[k].key, b2, sizeof b2, &found);
                    if (!found || strcmp(a, b2))
                        problem(&c, "fields=%#x: %s is %s in the selection, %s in the full answer", sp->fields,
                                f[k].key, found ? b2 : "missing", a);
                }
                if (snf != want_keys)
                    problem(&c, "fields=%#x: %d keys written, %d selected: %.*s", sp->fields, snf, want_keys,
                            (int)(sb.len > 300 ? 300 : sb.len), sb.data);
            }
        }
        if (!ok || S->price[o] != g->min_price) {
            if (shown++ < 3)
                problem(&c, "hotel %lld: best offer (%s..%s, %s, %s, oceanView %s, from %s, price column %u) is not a "
                            "matching offer at minPrice %u",
                        (long long)id, dep, ret, room, meal, ocean, ap, S->price[o], g->min_price);
            else
                c.problems++;
        }
    }
    sqlite3_finalize(ex);
    double t3 = now_s();
    prof[PR_EXISTS] += t3 - t2;

    /* sort orders (of a non-empty answer: the buffers are NULL otherwise) */
    if (hb.len == nwant && c.problems == 0 && nwant) {
        if (sorted_cap < hb.len) {
            sorted_cap = hb.len;
            sorted = must_realloc(sorted, sorted_cap * sizeof *sorted);
        }
        sql_best *w2 = must_malloc(nwant * sizeof *w2);
        memcpy(w2, want, nwant * sizeof *w2);
        /* PRICE: minPrice asc, hotel id asc (insertion sort by key) */
        for (size_t a = 1; a < nwant; a++) {
            sql_best x = w2[a];
            size_t b = a;
            while (b > 0 && (w2[b - 1].min_price > x.min_price ||
                             (w2[b - 1].min_price == x.min_price && w2[b - 1].hotel > x.hotel))) {
                w2[b] = w2[b - 1];
                b--;
            }
            w2[b] = x;
        }
        memcpy(sorted, hb.items, hb.len * sizeof *sorted);
        query_sort_best(S, sorted, hb.len, SORT_PRICE);
        check_sorted("price", sorted, hb.len, w2, &c);
        memcpy(w2, want, nwant * sizeof *w2);
        sort_stars(w2, nwant);
        memcpy(sorted, hb.items, hb.len * sizeof *sorted);
        query_sort_best(S, sorted, hb.len, SORT_STARS);
        check_sorted("stars", sorted, hb.len, w2, &c);
        free(w2);
    }
    prof[PR_SORT] += now_s() - t3;

    /* hotel offers: up to 3 hotels of the result, and one outside it */
    if (nwant) {
        int picks = nwant < 3 ? (int)nwant : 3;
        size_t first = rnd_below(r, (uint32_t)nwant);
        for (int k = 0; k < picks; k++) {
            size_t idx = (first + (size_t)k * (nwant / (size_t)picks + 1)) % nwant;
            int64_t h = store_find_hotel(S, (uint64_t)want[idx].hotel);
            if (h < 0) {
                problem(&c, "store_find_hotel(%lld) failed for a result hotel", (long long)want[idx].hotel);
                continue;
            }
            check_hotel_offers(sp, r, where_h.s, (uint32_t)h, &c, cs);
        }
    }
    {
        /* a hotel with offers for these travellers but no match, if any;
         * else any hotel outside the result */
        double t4 = now_s();
        int64_t outside = -1;
        str_t oq = {0};
        if (sp->any_nights)
            sprintf_(&oq, "SELECT DISTINCT hotel FROM group_hotels WHERE a=%d AND c=%d ORDER BY hotel", sp->adults,
                     sp->children);
        else
            sprintf_(&oq, "SELECT hotel FROM group_hotels WHERE a=%d AND c=%d AND n=%d ORDER BY hotel", sp->adults,
                     sp->children, sp->nights);
        st = sql_prep(oq.s);
        free(oq.s);
        int64_t cands[64];
        int ncand = 0;
        size_t k = 0; /* want[] is in hotel order */
        while (sqlite3_step(st) == SQLITE_ROW) {
            int64_t h = sqlite3_column_int64(st, 0);
            while (k < nwant && want[k].hotel < h)
                k++;
            if (k < nwant && want[k].hotel == h)
                continue;
            if (ncand < 64)
                cands[ncand++] = h;
            else if (chance(r, 0.1))
                cands[rnd_below(r, 64)] = h;
        }
        sqlite3_finalize(st);
        if (ncand)
            outside = cands[rnd_below(r, (uint32_t)ncand)];
        prof[PR_OUTSIDE] += now_s() - t4;
        int64_t h = outside >= 0 ? store_find_hotel(S, (uint64_t)outside) : -1;
        for (int tries = 0; h < 0 && tries < 50 && S->n_hotels; tries++) {
            uint32_t cand = rnd_below(r, S->n_hotels);
            bool in = false;
            for (size_t k = 0; k < nwant && !in; k++)
                in = want[k].hotel == (int64_t)S->hotels[cand].id;
            if (!in)
                h = cand;
        }
        if (h >= 0) {
            check_hotel_offers(sp, r, where_h.s, (uint32_t)h, &c, cs);
        }
    }

done:
    cs->searches++;
    if (c.problems) {
        cs->failed++;
        if (details_printed++ < max_details) {
            printf("mismatch in %s search: %s\n", class_names[sp->kind], sp->qs_best);
            printf("  oracle: adults %d children %d nights %d, %s .. %s", sp->adults, sp->children, sp->nights,
                   cal[sp->earliest], cal[sp->latest]);
            if (sp->airports.n)
                printf(", %d airport(s) %s%s", sp->airports.n, sp->airports.v[0], sp->airports.n > 1 ? ",..." : "");
            printf("\n%s", c.msg.s ? c.msg.s : "");
            if (c.problems > 12)
                printf("    ... %d problems in all\n", c.problems);
        }
    } else if (verbose) {
        printf("  pass %s: %s (%zu hotels, %llu offers)\n", class_names[sp->kind], sp->qs, nwant,
               (unsigned long long)total);
    }
    free(c.msg.s);
}
