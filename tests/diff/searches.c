#include "diff.h"

/* ------------------------------------------------------------------ */
/* searches                                                             */

static const char *const AIRPORTS[] = {
    "FMO", "STR", "HAM", "LEJ", "NUE", "CGN", "FRA", "PAD", "HAJ", "BER", "FMM", "DUS",
    "SCN", "DRS", "BRE", "DTM", "MUC", "VIE", "NRN", "BSL", "HHN", "FKB", "ZRH", "SZG",
    "LUX", "AMS", "PRG", "FDH", "INN", "KSF", "LNZ", "EIN", "SXB", "BLL", "LBC", "BRU",
    "GRZ", "GWT", "CRL", "CSO", "WAW", "GVA", "ERF", "KRK", "BRN", "RLG", "KLU", "RTM"};
static const char *const BIG_AIRPORTS[] = {"DUS", "FRA", "MUC", "HAM", "CGN", "STR", "BER", "HAJ", "NUE"};
static const char *const MEALS[] = {"NONE", "BREAKFAST", "HALFBOARD", "HALFBOARDPLUS", "FULLBOARD",
                                    "FULLBOARDPLUS", "ALLINCLUSIVE", "ALLINCLUSIVEPLUS",
                                    "ACCORDINGDESCRIPTION", "PROGRAM"};
static const char *const ROOMS[] = {"APARTMENT", "DOUBLE", "STUDIO", "SINGLE", "SUPERIOR",
                                    "ECONOMY", "FAMILY", "TRIPLE", "SUITE", "ACCORDINGDESCRIPTION",
                                    "BUNGALOW", "DELUXE", "MULTISHARE", "TWINROOM", "FOURBEDROOM",
                                    "VILLA", "HOLIDAYHOUSE", "JUNIORSUITE", "DUPLEX"};

const char *const class_names[K_COUNT] = {"narrow", "typical", "broad", "empty", "filtered"};



/* Destinations of the data (--destinations; PMI alone without it), and
 * names the oracle knows for some of them (its own list, not isla's). */
code_list data_dests;
static const struct {
    const char *code, *name;
} DEST_NAMES[] = {{"PMI", "Mallorca"}, {"PMI", "majorca"}, {"IBZ", "Ibiza"}, {"AYT", "antalya"},
                  {"HER", "Kreta"},    {"HER", "Crete"},   {"RHO", "Rhodes"}, {"LPA", "Gran-Canaria"},
                  {"TFS", "Teneriffa"}, {"HRG", "Hurghada"}, {"KGS", "Kos"},   {"CFU", "Korfu"}};


static void kv_add(kv_list *l, const char *k, const char *v)
{
    if (l->n >= 80)
        die("too many query parameters");
    fmt_s(l->k[l->n], sizeof l->k[0], "%s", k);
    fmt_s(l->v[l->n], sizeof l->v[0], "%s", v);
    l->n++;
}

static void enc_append(str_t *b, const char *s, rng_t *r)
{
    bool enc_colon = chance(r, 0.3), enc_comma = chance(r, 0.2), enc_bracket = chance(r, 0.5);
    for (; *s; s++) {
        if (*s == ':' && enc_colon)
            sputs(b, "%3A");
        else if (*s == ',' && enc_comma)
            sputs(b, "%2C");
        else if (*s == '[' && enc_bracket)
            sputs(b, "%5B");
        else if (*s == ']' && enc_bracket)
            sputs(b, "%5D");
        else
            sputn(b, s, 1);
    }
}

static void kv_render(kv_list *l, rng_t *r, char *out, size_t cap)
{
    for (int i = l->n - 1; i > 0; i--) {
        int j = (int)rnd_below(r, (uint32_t)i + 1);
        char tk[48], tv[400];
        memcpy(tk, l->k[i], sizeof tk), memcpy(tv, l->v[i], sizeof tv);
        memcpy(l->k[i], l->k[j], sizeof tk), memcpy(l->v[i], l->v[j], sizeof tv);
        memcpy(l->k[j], tk, sizeof tk), memcpy(l->v[j], tv, sizeof tv);
    }
    str_t b = {0};
    for (int i = 0; i < l->n; i++) {
        if (i)
            sputs(&b, "&");
        enc_append(&b, l->k[i], r);
        sputs(&b, "=");
        enc_append(&b, l->v[i], r);
    }
    if (b.len >= cap)
        die("query string too long");
    if (!b.s) { /* no parameters at all */
        out[0] = 0;
        return;
    }
    memcpy(out, b.s, b.len + 1);
    free(b.s);
}

/* A date parameter for calendar day `day`, in one of the forms the
 * official frontend or a user might send. */
static void date_param(rng_t *r, int day, char *out, size_t cap)
{
    switch (rnd_below(r, 8)) {
    case 0: fmt_s(out, cap, "%sT22:00:00.000Z", cal[day - 1]); break; /* CEST midnight in UTC */
    case 1: fmt_s(out, cap, "%sT23:00:00.000Z", cal[day - 1]); break; /* CET midnight in UTC */
    case 2: fmt_s(out, cap, "%sT00:00:00Z", cal[day]); break;
    case 3: fmt_s(out, cap, "%sT09:30:00", cal[day]); break;
    case 4: fmt_s(out, cap, "%sT21:15:00.000Z", cal[day - 1]); break;
    default: fmt_s(out, cap, "%s", cal[day]); break;
    }
}

/* Adds a code list parameter in a random form: repeated keys, key[] or
 * comma-separated, with random letter case. */
static void add_codes(kv_list *l, rng_t *r, const char *key, const code_list *c)
{
    char vals[MAX_CODES][24];
    int lower = (int)rnd_below(r, 4); /* 0,1: as is, 2: lower, 3: mixed */
    for (int i = 0; i < c->n; i++) {
        fmt_s(vals[i], sizeof vals[i], "%s", c->v[i]);
        for (char *p = vals[i]; *p; p++)
            if (lower == 2 || (lower == 3 && chance(r, 0.5)))
                *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    }
    char bkey[64];
    int form = (int)rnd_below(r, 3);
    if (c->n == 1 && form == 2)
        form = 0;
    switch (form) {
    case 0: /* repeated */
    case 1: /* repeated key[] */
        fmt_s(bkey, sizeof bkey, "%s%s", key, form == 1 ? "[]" : "");
        for (int i = 0; i < c->n; i++)
            kv_add(l, bkey, vals[i]);
        break;
    default: { /* comma-separated, possibly split over two parameters */
        int split = c->n >= 4 && chance(r, 0.3) ? c->n / 2 : c->n;
        char v[400];
        size_t o = 0;
        v[0] = 0;
        for (int i = 0; i < split; i++)
            o += (size_t)fmt_s(v + o, sizeof v - o, "%s%s", i ? "," : "", vals[i]);
        kv_add(l, key, v);
        if (split < c->n) {
            o = 0;
            for (int i = split; i < c->n; i++)
                o += (size_t)fmt_s(v + o, sizeof v - o, "%s%s", i > split ? "," : "", vals[i]);
            kv_add(l, key, v);
        }
    }
    }
}

void code_add(code_list *c, const char *v)
{
    for (int i = 0; i < c->n; i++)
        if (!strcmp(c->v[i], v))
            return;
    if (c->n < MAX_CODES)
        fmt_s(c->v[c->n++], sizeof c->v[0], "%s", v);
}

static void random_anchor(rng_t *r, anchor_t *a) { *a = anchors[rnd_below(r, (uint32_t)n_anchors)]; }

static int day_of(int y, int m, int d)
{
    char s[16];
    fmt_s(s, sizeof s, "%04d-%02d-%02d", y, m, d);
    return cal_day(s);
}

void make_search(rng_t *r, int kind, spec_t *sp)
{
    memset(sp, 0, sizeof *sp);
    sp->kind = kind;
    sp->ocean = -1;
    sp->max_price = -1;
    anchor_t an;
    random_anchor(r, &an);
    /* travellers: mostly 2 adults, no children, a week; else what the
     * data holds (weighted like the data) */
    if (chance(r, 0.4))
        sp->adults = 2, sp->children = 0, sp->nights = 7;
    else
        sp->adults = an.adults, sp->children = an.children, sp->nights = an.nights;
    bool anchored = !(sp->adults == 2 && sp->children == 0 && sp->nights == 7) || chance(r, 0.5);
    int y2023 = day_of(2023, 1, 1);
    bool empty_airport_param = false;

    int base = kind;
    if (kind == K_FILTERED)
        base = chance(r, 0.6) ? K_TYPICAL : chance(r, 0.5) ? K_NARROW : K_BROAD;
    switch (base) {
    case K_NARROW: {
        int e = anchored ? an.dep_day - rnd_range(r, 0, 4) : y2023 + rnd_range(r, 0, 364);
        sp->earliest = e;
        sp->latest = e + sp->nights + rnd_range(r, 6, 13);
        if (anchored && chance(r, 0.3)) /* the anchor returns on the last day */
            sp->latest = an.dep_day + sp->nights;
        code_add(&sp->airports, anchored && chance(r, 0.8) ? an.odep : AIRPORTS[rnd_below(r, N_AIRPORTS)]);
        break;
    }
    case K_TYPICAL: {
        int e = day_of(2023, rnd_range(r, 5, 7), rnd_range(r, 1, 28));
        if (anchored && chance(r, 0.5))
            e = an.dep_day - rnd_range(r, 0, 20);
        sp->earliest = e;
        sp->latest = e + rnd_range(r, 28, 56);
        int na = rnd_range(r, 1, 3);
        if (anchored)
            code_add(&sp->airports, an.odep);
        while (sp->airports.n < na)
            code_add(&sp->airports, chance(r, 0.7) ? BIG_AIRPORTS[rnd_below(r, COUNT(BIG_AIRPORTS))]
                                                   : AIRPORTS[rnd_below(r, N_AIRPORTS)]);
        break;
    }
    case K_BROAD: {
        sp->earliest = y2023 + (chance(r, 0.5) ? 0 : -rnd_range(r, 1, 20));
        sp->latest = day_of(2023, 12, 31) + (chance(r, 0.5) ? 0 : rnd_range(r, 1, 40));
        int f = (int)rnd_below(r, 4);
        if (f == 1) { /* every airport, listed */
            for (int i = 0; i < N_AIRPORTS; i++)
                code_add(&sp->airports, AIRPORTS[i]);
        } else if (f == 2) {
            empty_airport_param = true;
        }
        break;
    }
    case K_EMPTY:
    default: {
        sp->earliest = day_of(2023, 6, 1);
        sp->latest = day_of(2023, 9, 30);
        switch (rnd_below(r, 6)) {
        case 0: sp->adults = 20, sp->children = 9, sp->nights = 21; break;
        case 1: /* a window in 2022 */
            sp->earliest = day_of(2022, rnd_range(r, 1, 10), rnd_range(r, 1, 28));
            sp->latest = sp->earliest + rnd_range(r, 14, 60);
            break;
        case 2: /* window shorter than the stay */
            sp->latest = sp->earliest + (sp->nights > 0 ? sp->nights - 1 : 0);
            if (sp->nights == 0)
                sp->max_price = 0;
            break;
        case 3: /* nobody flies from Palma to Palma */
            code_add(&sp->airports, "PMI");
            break;
        case 4: sp->nights = rnd_range(r, 0, 1) ? 99 : 0; break;
        default: sp->max_price = rnd_range(r, 0, 100); break;
        }
        break;
    }
    }
    /* destination: none, the anchor's, several, or one without offers */
    if (chance(r, data_dests.n > 1 ? 0.6 : 0.15)) {
        if (chance(r, 0.8))
            code_add(&sp->dests, an.oarr);
        int extra = chance(r, 0.35) ? rnd_range(r, 1, 2) : 0;
        while (extra-- > 0)
            code_add(&sp->dests, data_dests.v[rnd_below(r, (uint32_t)data_dests.n)]);
        if (sp->dests.n == 0 || chance(r, 0.1))
            code_add(&sp->dests, chance(r, 0.5) ? "LPA" : "XQY"); /* no offers fly there */
    }
    sp->any_nights = chance(r, 0.25);
    sp->alias = chance(r, 0.3);
    if (chance(r, 0.2)) {
        static const uint32_t picks[] = {FIELD_HOTEL_ID,  FIELD_HOTEL_NAME, FIELD_HOTEL_DEST, FIELD_MIN_PRICE,
                                         FIELD_DEP_DATE,  FIELD_RET_DATE,   FIELD_ROOM,       FIELD_MEAL,
                                         FIELD_OCEAN,     FIELD_ADULTS,     FIELD_DURATION,   FIELD_COUNT,
                                         FIELD_HOTEL};
        int k = rnd_range(r, 1, 5);
        while (k-- > 0)
            sp->fields |= picks[rnd_below(r, COUNT(picks))];
    }
    if (chance(r, 0.35)) { /* hotel offers with some parameters left out */
        sp->h_bare = chance(r, 0.3);
        sp->h_no_earliest = sp->h_bare || chance(r, 0.5);
        sp->h_no_latest = sp->h_bare || chance(r, 0.5);
        sp->h_no_nights = sp->h_bare || chance(r, 0.5);
        sp->h_no_party = sp->h_bare || chance(r, 0.5);
        sp->h_children = !sp->h_bare && sp->h_no_party && chance(r, 0.4);
    }
    if (kind == K_FILTERED && chance(r, 0.25)) {
        /* price alone (isla answers it without looking at each offer) */
        sp->max_price = anchored && chance(r, 0.7) ? an.price : rnd_range(r, 300, 6000);
    } else if (kind == K_FILTERED) {
        int nf = 0;
        while (nf == 0) {
            if (chance(r, 0.35)) {
                nf++;
                if (anchored && chance(r, 0.6))
                    code_add(&sp->meals, an.meal);
                int extra = (int)rnd_below(r, 3);
                while (extra-- > 0 || sp->meals.n == 0)
                    code_add(&sp->meals, MEALS[rnd_below(r, COUNT(MEALS))]);
            }
            if (chance(r, 0.35)) {
                nf++;
                if (anchored && chance(r, 0.6))
                    code_add(&sp->rooms, an.room);
                int extra = (int)rnd_below(r, 3);
                while (extra-- > 0 || sp->rooms.n == 0)
                    code_add(&sp->rooms, ROOMS[rnd_below(r, COUNT(ROOMS))]);
            }
            if (chance(r, 0.3)) {
                nf++;
                sp->ocean = anchored && chance(r, 0.5) ? !strcmp(an.ocean, "true") : (int)rnd_below(r, 2);
            }
            if (chance(r, 0.3)) {
                nf++;
                static const int stars[] = {10, 20, 30, 35, 40, 45, 50, 30, 40};
                sp->min_stars_x10 = stars[rnd_below(r, COUNT(stars))];
            }
            if (chance(r, 0.35)) {
                nf++;
                /* often exactly an offer's price: the boundary counts */
                int how = (int)rnd_below(r, 10);
                sp->max_price = anchored && how < 4   ? an.price
                                : anchored && how < 7 ? an.price + rnd_range(r, -50, 500)
                                                      : rnd_range(r, 400, 8000);
                if (sp->max_price < 0)
                    sp->max_price = 0;
            }
        }
    }

    /* the query strings: searches get every parameter, hotel offers
     * those the spec keeps (all of them unless h_* say otherwise) */
    kv_list kv = {0}, kh = {0};
    char v[128];
    bool children_sent = sp->children != 0 || chance(r, 0.7); /* may be left out when 0 */
    for (int pass = 0; pass < 2; pass++) {
        kv_list *l = pass ? &kh : &kv;
        bool h = pass == 1;
        if (h && sp->h_bare)
            break;
        if (!(h && sp->h_no_earliest)) {
            date_param(r, sp->earliest, v, sizeof v);
            kv_add(l, sp->alias ? "departureDate" : "earliestDepartureDate", v);
        }
        if (!(h && sp->h_no_latest)) {
            date_param(r, sp->latest, v, sizeof v);
            kv_add(l, sp->alias ? "returnDate" : "latestReturnDate", v);
        }
        if (!sp->any_nights && !(h && sp->h_no_nights)) {
            fmt_s(v, sizeof v, "%d", sp->nights);
            kv_add(l, "duration", v);
        }
        if (!(h && sp->h_no_party)) {
            fmt_s(v, sizeof v, "%d", sp->adults);
            kv_add(l, "countAdults", v);
        }
        if (h && sp->h_no_party ? sp->h_children : children_sent) {
            fmt_s(v, sizeof v, "%d", sp->children);
            kv_add(l, "countChildren", v);
        }
        if (sp->dests.n) {
            /* as codes in any form, or as names where the oracle has one */
            code_list named = sp->dests;
            for (int i = 0; i < named.n; i++)
                for (int k = 0; k < N_DEST_NAMES; k++)
                    if (!strcmp(DEST_NAMES[k].code, named.v[i]) && chance(r, 0.3))
                        fmt_s(named.v[i], sizeof named.v[i], "%s", DEST_NAMES[k].name);
            add_codes(l, r, "destination", &named);
        }
        if (sp->airports.n)
            add_codes(l, r, "departureAirports", &sp->airports);
        else if (empty_airport_param)
            kv_add(l, "departureAirports", "");
        if (sp->meals.n)
            add_codes(l, r, "mealType", &sp->meals);
        if (sp->rooms.n)
            add_codes(l, r, "roomType", &sp->rooms);
        if (sp->ocean >= 0)
            kv_add(l, "oceanView", sp->ocean ? "true" : "false");
        if (sp->min_stars_x10) {
            if (sp->min_stars_x10 % 10)
                fmt_s(v, sizeof v, "%d.%d", sp->min_stars_x10 / 10, sp->min_stars_x10 % 10);
            else
                fmt_s(v, sizeof v, "%d", sp->min_stars_x10 / 10);
            kv_add(l, "minStars", v);
        }
        if (sp->max_price >= 0) {
            fmt_s(v, sizeof v, "%ld", sp->max_price);
            kv_add(l, "maxPrice", v);
        }
    }
    kv_render(&kh, r, sp->qs_hotel, sizeof sp->qs_hotel);
    kv_render(&kv, r, sp->qs, sizeof sp->qs);
    /* bestOffersByHotel only */
    int sort = (int)rnd_below(r, 10);
    char fields[400] = "";
    if (sp->fields) {
        static const char *const names[] = {"hotel.id",    "hotel.name",     "hotel.stars", "hotel.destination",
                                            "minPrice",    "departureDate",  "returnDate",  "roomType",
                                            "mealType",    "oceanView",      "countAdults", "countChildren",
                                            "duration",    "countAvailableOffers"};
        size_t o = 0;
        for (int i = 0; i < COUNT(names); i++)
            if (sp->fields & (1u << i)) /* FIELD_HOTEL_ID .. FIELD_COUNT are bits 0..13 */
                o += (size_t)fmt_s(fields + o, sizeof fields - o, "%s%s", o ? "," : "&fields=", names[i]);
    }
    fmt_s(sp->qs_best, sizeof sp->qs_best, "%s%s%s%s", sort == 0 ? "sort=price&" : "", sp->qs,
          sort == 1 ? "&sort=price" : "", fields);
}

/* The WHERE clause of a search: the oracle's reading of PRODUCT.md. With
 * `hotel`, the hotel-offers form of the spec: left-out window sides do not
 * bound, a left-out duration is any, a left-out countAdults is any party
 * (countChildren, if given alone, still counts), no parameters at all is
 * every offer of the hotel. */
void where_clause(const spec_t *sp, bool hotel, str_t *w)
{
    sclear(w);
    if (hotel && sp->h_bare) {
        sputs(w, "1");
        return;
    }
    bool no_e = hotel && sp->h_no_earliest, no_l = hotel && sp->h_no_latest;
    bool any_n = sp->any_nights || (hotel && sp->h_no_nights), any_a = hotel && sp->h_no_party;
    bool any_c = any_a && !sp->h_children;
    sputs(w, "1");
    if (!any_a)
        sprintf_(w, " AND o.a=%d", sp->adults);
    if (!any_c)
        sprintf_(w, " AND o.c=%d", sp->children);
    if (!any_n)
        sprintf_(w, " AND o.n=%d", sp->nights);
    if (!no_e)
        sprintf_(w, " AND o.dep>='%s'", cal[sp->earliest]);
    if (!no_l)
        sprintf_(w, " AND o.ret<='%s'", cal[sp->latest]);
    /* implied by ret = dep + n; only narrows the index range */
    if (!no_l && !any_n)
        sprintf_(w, " AND o.dep<=date('%s','-%d days')", cal[sp->latest], sp->nights);
    const code_list *lists[4] = {&sp->airports, &sp->meals, &sp->rooms, &sp->dests};
    const char *cols[4] = {"o.odep", "o.meal", "o.room", "upper(o.oarr)"};
    for (int k = 0; k < 4; k++) {
        if (!lists[k]->n)
            continue;
        sprintf_(w, " AND %s IN (", cols[k]);
        for (int i = 0; i < lists[k]->n; i++)
            sprintf_(w, "%s'%s'", i ? "," : "", lists[k]->v[i]);
        sputs(w, ")");
    }
    if (sp->ocean >= 0)
        sprintf_(w, " AND o.ocean='%s'", sp->ocean ? "true" : "false");
    if (sp->max_price >= 0)
        sprintf_(w, " AND o.price<=%ld", sp->max_price);
    if (sp->min_stars_x10)
        sprintf_(w, " AND COALESCE((SELECT h.stars FROM hotels h WHERE h.id=o.hotel),0)*10>=%d-0.001",
                 sp->min_stars_x10);
}
