/* The intent parser (see nlq.h for the contract). Four passes over one
 * sentence, all on the stack:
 *
 * 1. tokenize: words (lower-case ASCII, umlauts folded to ae/oe/ue, ß to
 *    ss, accents dropped), numbers (with German and English thousands and
 *    decimal marks, ordinals "3." and "3rd"), date literals ("15.07.",
 *    "3.7.2023", "2023-07-03") and the few symbols that mean something
 *    (- / * +). Every token keeps its byte span for "unrecognized".
 * 2. spell: a word that is not in the lexicon and not a hotel word is
 *    replaced by the lexicon word one edit away (insert, delete, substitute,
 *    swap), found through a deletion index (every word and each of its
 *    one-letter deletions point at the word), so the cost does not grow
 *    with the lexicon.
 * 3. phrases: at each token the longest run of words that is a lexicon row
 *    becomes one item with the row's concept ("half board" -> C_MEAL).
 * 4. rules: at each item the longest matching rule (party, length, dates
 *    and ranges, stars, price, negation, places) consumes its items and
 *    writes the result; runs of items no rule took are offered to the hotel
 *    matcher (hotel-name words, one typo allowed, rarest words first); what
 *    is still left and means something is reported as unrecognized.
 *
 * Compilation (once per data generation) builds the hash tables in one
 * arena; parsing reads them only, so one compiled parser serves every
 * thread. The passes live in their own files: see nlq/internal.h. */
#include <stdio.h>
#include <string.h>

#include "dest/dest.h"
#include "nlq/internal.h"
#include "util/days.h"
#include "vocab/vocab.h"

typedef unsigned (*rule_fn)(ctx_t *c, unsigned i);
/* At each item the longest match wins; on a tie the earlier rule. */
static const rule_fn rules[] = {nlq_rule_holiday, nlq_rule_dates, nlq_rule_months, nlq_rule_count, nlq_rule_party, nlq_rule_stars, nlq_rule_price, nlq_rule_board, nlq_rule_places};

/* ---- parse ----------------------------------------------------------------------- */

/* Concepts that are fine to leave unused (connectives, articles, fillers). */
static bool silent(uint8_t concept)
{
    switch (concept) {
    case C_FILLER: case C_ARTICLE: case C_AND: case C_OR: case C_WITH: case C_FOR: case C_FROM: case C_TO:
    case C_BETWEEN:
        return true;
    }
    return false;
}

int nlq_parse(const nlq_t *p, const char *text, size_t n, nlq_result *out)
{
    memset(out, 0, sizeof *out);
    if (n > NLQ_MAX_TEXT)
        return -1;
    toks_t T;
    nlq_tokenize(text, n, false, &T);

    /* spelling: unknown ASCII words one edit from a lexicon word */
    for (unsigned t = 0; t < T.n; t++) {
        tok_t *k = &T.t[t];
        if (k->kind != T_WORD || !(k->flags & TF_ASCII) || k->wl < 4)
            continue;
        const char *w = T.text + k->w;
        if (nlq_map_get(p, &p->vocab, w, k->wl) || nlq_map_get(p, &p->hword, w, k->wl))
            continue;
        int64_t id = nlq_spell_vocab(p, w, k->wl);
        if (id >= 0 && T.text_len + p->vocab_len[id] < sizeof T.text) {
            k->w = (uint16_t)T.text_len;
            k->wl = p->vocab_len[id];
            memcpy(T.text + T.text_len, p->arena + p->vocab_off[id], k->wl);
            T.text_len += k->wl;
            k->flags |= TF_FIXED;
        }
    }

    /* phrases: the longest lexicon row starting at each token */
    ctx_t *c = &(ctx_t){0};
    c->p = p, c->T = &T, c->f.persons = -1, c->f.adults_explicit = -1;
    item_t all[MAX_TOKENS];
    unsigned n_all = 0;
    for (unsigned t = 0; t < T.n;) {
        item_t *it = &all[n_all++];
        *it = (item_t){.concept = C_NONE, .t0 = (uint16_t)t, .t1 = (uint16_t)(t + 1)};
        if (T.t[t].kind == T_WORD) {
            char key[512];
            size_t kl = 0;
            for (unsigned w = 0; w < p->max_phrase_words && t + w < T.n && T.t[t + w].kind == T_WORD; w++) {
                const tok_t *k = &T.t[t + w];
                if (kl + k->wl + 1 >= sizeof key)
                    break;
                if (w)
                    key[kl++] = ' ';
                memcpy(key + kl, T.text + k->w, k->wl);
                kl += k->wl;
                const slot_t *s = NULL;
                if (!w && k->wl == 3 && (k->flags & TF_UPPER)) { /* "EIN" the airport, "ein" the article */
                    char code[4] = {'#', key[0], key[1], key[2]};
                    s = nlq_map_get(p, &p->phrases, code, 4);
                }
                if (!s)
                    s = nlq_map_get(p, &p->phrases, key, kl);
                if (s) {
                    it->concept = s->concept;
                    it->value = s->value;
                    it->t1 = (uint16_t)(t + w + 1);
                }
            }
        }
        /* a typo "corrected" into a lone filler ("near" -> "year") would vanish
         * silently: it stays an unknown word */
        if (it->concept == C_FILLER && it->t1 == it->t0 + 1 && (T.t[t].flags & TF_FIXED))
            it->concept = C_NONE;
        t = it->t1;
    }
    /* the rules see the items without fillers ("ich", "im", "hotel") */
    unsigned idx[MAX_TOKENS];
    for (unsigned i = 0; i < n_all; i++)
        if (all[i].concept != C_FILLER)
            idx[c->n] = i, c->it[c->n++] = all[i];
    for (unsigned i = 0; i < c->n;) {
        unsigned best = 0;
        size_t best_rule = 0;
        facts_t saved = c->f;
        for (size_t r = 0; r < sizeof rules / sizeof *rules; r++) {
            /* rules write as they match: try each, then undo */
            unsigned u = rules[r](c, i);
            c->f = saved;
            if (u > best)
                best = u, best_rule = r;
        }
        if (!best) {
            i++;
            continue;
        }
        rules[best_rule](c, i);
        bool failed = c->f.failed;
        c->f.failed = false;
        for (unsigned j = i; j < i + best; j++)
            c->used[j] = true, c->bad[j] = failed;
        i += best;
    }

    /* back to all items: what did the rules leave? */
    bool tok_done[MAX_TOKENS] = {0};
    bool tok_bad[MAX_TOKENS] = {0};
    bool strong[MAX_TOKENS] = {0};  /* words that may name a hotel on their own */
    bool feature[MAX_TOKENS] = {0}; /* "pool", "spa": known, not searchable, never a hotel */
    for (unsigned i = 0; i < n_all; i++)
        for (unsigned t = all[i].t0; t < all[i].t1; t++) {
            strong[t] = !silent(all[i].concept) && all[i].concept != C_FEATURE;
            feature[t] = all[i].concept == C_FEATURE;
        }
    for (unsigned j = 0; j < c->n; j++) {
        const item_t *it = &all[idx[j]];
        for (unsigned t = it->t0; t < it->t1; t++) {
            tok_done[t] = c->used[j] && !c->bad[j];
            tok_bad[t] = c->bad[j];
        }
    }
    /* leftover words may name a hotel */
    nlq_match_hotels(p, &T, tok_done, strong, feature, out);
    for (unsigned i = 0; i < n_all; i++) {
        const item_t *it = &all[i];
        if (tok_done[it->t0])
            continue;
        bool report = !silent(it->concept) || tok_bad[it->t0];
        if (it->concept == C_NONE && T.t[it->t0].kind == T_SYM)
            report = false;
        if (!report)
            continue;
        for (unsigned t = it->t0; t < it->t1; t++) {
            if (tok_done[t])
                continue;
            if (out->n_unrecognized == NLQ_MAX_UNRECOGNIZED) {
                out->more_unrecognized = true;
                break;
            }
            out->unrecognized[out->n_unrecognized++] = (nlq_span){T.t[t].off, T.t[t].len};
        }
    }

    /* resolve what depends on the whole sentence */
    nlq_result *r = out;
    const facts_t *f = &c->f;
    r->have |= f->have & ~(uint32_t)(NLQ_ADULTS | NLQ_CHILDREN | NLQ_PRICE | NLQ_HOTELS);
    r->nights = f->nights, r->earliest = f->earliest, r->latest = f->latest;
    r->airports = f->airports;
    for (unsigned d = 0; d < f->n_dests; d++)
        memcpy(r->destinations[d], p->dest_codes[f->dests[d]], 4);
    r->n_destinations = f->n_dests;
    r->meals = f->meals, r->rooms = f->rooms, r->ocean_view = f->ocean_view, r->min_stars_x10 = f->min_stars_x10;
    if (c->f.children_set) {
        r->children = (uint8_t)(c->f.children > 255 ? 255 : c->f.children);
        r->have |= NLQ_CHILDREN;
    }
    if (c->f.adults_explicit >= 0) {
        r->adults = (uint8_t)c->f.adults_explicit;
        r->have |= NLQ_ADULTS;
    } else if (c->f.persons > 0) {
        int a = c->f.persons - (c->f.children_set && c->f.persons > c->f.children ? c->f.children : 0);
        r->adults = (uint8_t)a;
        r->have |= NLQ_ADULTS;
    } else if (c->f.family) {
        r->adults = 2;
        r->have |= NLQ_ADULTS;
    }
    if (!(r->have & NLQ_NIGHTS) && c->f.range_exact && (r->have & NLQ_EARLIEST) && (r->have & NLQ_LATEST) &&
        r->latest - r->earliest >= 1 && r->latest - r->earliest <= 28) {
        r->nights = (uint16_t)(r->latest - r->earliest);
        r->have |= NLQ_NIGHTS;
    }
    if (c->f.depart_exact && !(r->have & NLQ_LATEST) && (r->have & NLQ_NIGHTS)) {
        r->latest = r->earliest + r->nights;
        r->have |= NLQ_LATEST;
    }
    if (c->f.price > 0) {
        int64_t total = c->f.price;
        if (c->f.per_person) {
            int party = ((r->have & NLQ_ADULTS) ? r->adults : NLQ_DEFAULT_ADULTS) + r->children;
            total *= party > 0 ? party : 1;
        }
        r->max_price = (uint32_t)(total > 0xfffffffe ? 0xfffffffe : total);
        r->have |= NLQ_PRICE;
    }
    return 0;
}

uint32_t nlq_defaults(const nlq_t *p, nlq_result *r)
{
    uint32_t filled = 0;
    if (!(r->have & NLQ_ADULTS))
        r->adults = NLQ_DEFAULT_ADULTS, filled |= NLQ_ADULTS;
    if (!(r->have & NLQ_CHILDREN))
        r->children = 0, filled |= NLQ_CHILDREN;
    if (!(r->have & NLQ_EARLIEST)) {
        /* "bis 3. Januar" with data from 6 January: the window still opens */
        r->earliest = (r->have & NLQ_LATEST) && r->latest < p->first_day ? r->latest : p->first_day;
        filled |= NLQ_EARLIEST;
    }
    if (!(r->have & NLQ_LATEST)) {
        int32_t last = r->earliest > p->last_day ? r->earliest : p->last_day;
        r->latest = last + ((r->have & NLQ_NIGHTS) ? r->nights : NLQ_DEFAULT_MAX_NIGHTS);
        filled |= NLQ_LATEST;
    }
    r->have |= filled;
    return filled;
}

const char *nlq_airport_code(unsigned i) { return i < nlq_n_airports ? nlq_airports[i].code : NULL; }
const char *nlq_meal_code(unsigned i) { return i < VOCAB_MEAL_COUNT ? vocab_meal_types[i] : NULL; }
const char *nlq_room_code(unsigned i) { return i < VOCAB_ROOM_COUNT ? vocab_room_types[i] : NULL; }

const char *nlq_hotel_name(const nlq_t *p, uint32_t hotel_id, size_t *len)
{
    for (size_t k = 0; k < p->n_hotels; k++)
        if (p->hotel_id[k] == hotel_id) {
            *len = p->hotel_name_len[k];
            return p->arena + p->hotel_name_off[k];
        }
    return NULL;
}

/* ---- description ---------------------------------------------------------------- */

typedef struct {
    char *out;
    size_t cap, len;
} fmt_t;

static void fmt_put(fmt_t *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (f->len + 1 < f->cap)
            f->out[f->len] = s[i];
        f->len++;
    }
}

static void fmt_s(fmt_t *f, const char *s) { fmt_put(f, s, strlen(s)); }

static void fmt_key(fmt_t *f, const char *k)
{
    if (f->len)
        fmt_s(f, " ");
    fmt_s(f, k);
    fmt_s(f, "=");
}

static void fmt_num(fmt_t *f, const char *k, long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    fmt_key(f, k);
    fmt_s(f, b);
}

static void fmt_date(fmt_t *f, const char *k, int32_t day)
{
    char b[16];
    size_t n = format_date(day, b);
    fmt_key(f, k);
    fmt_put(f, b, n);
}

static void fmt_set(fmt_t *f, const char *k, uint64_t bits, const char *(*name)(unsigned))
{
    fmt_key(f, k);
    bool first = true;
    for (unsigned i = 0; i < 64; i++)
        if (bits >> i & 1 && name(i)) {
            if (!first)
                fmt_s(f, ",");
            fmt_s(f, name(i));
            first = false;
        }
}

size_t nlq_format(const nlq_result *r, const char *text, char *out, size_t cap)
{
    fmt_t f = {out, cap, 0};
    if (r->have & NLQ_ADULTS)
        fmt_num(&f, "adults", r->adults);
    if (r->have & NLQ_CHILDREN)
        fmt_num(&f, "children", r->children);
    if (r->have & NLQ_NIGHTS)
        fmt_num(&f, "nights", r->nights);
    if (r->have & NLQ_EARLIEST)
        fmt_date(&f, "earliest", r->earliest);
    if (r->have & NLQ_LATEST)
        fmt_date(&f, "latest", r->latest);
    if (r->have & NLQ_AIRPORTS)
        fmt_set(&f, "airports", r->airports, nlq_airport_code);
    if (r->have & NLQ_MEALS)
        fmt_set(&f, "meals", r->meals, nlq_meal_code);
    if (r->have & NLQ_ROOMS)
        fmt_set(&f, "rooms", r->rooms, nlq_room_code);
    if (r->have & NLQ_OCEAN) {
        fmt_key(&f, "oceanView");
        fmt_s(&f, r->ocean_view ? "true" : "false");
    }
    if (r->have & NLQ_STARS) {
        char b[16];
        snprintf(b, sizeof b, r->min_stars_x10 % 10 ? "%u.%u" : "%u", r->min_stars_x10 / 10u, r->min_stars_x10 % 10u);
        fmt_key(&f, "minStars");
        fmt_s(&f, b);
    }
    if (r->have & NLQ_PRICE)
        fmt_num(&f, "maxPrice", r->max_price);
    if (r->have & NLQ_DEST)
    {
        fmt_key(&f, "destination");
        for (unsigned i = 0; i < r->n_destinations; i++) {
            if (i)
                fmt_s(&f, ",");
            fmt_s(&f, r->destinations[i]);
        }
    }
    if (r->have & NLQ_HOTELS) {
        fmt_key(&f, "hotels");
        for (unsigned i = 0; i < r->n_hotels; i++) {
            char b[16];
            snprintf(b, sizeof b, i ? ",%u" : "%u", r->hotels[i]);
            fmt_s(&f, b);
        }
    }
    if (r->n_unrecognized) {
        fmt_key(&f, "unrecognized");
        for (unsigned i = 0; i < r->n_unrecognized; i++) {
            if (i)
                fmt_s(&f, "|");
            fmt_put(&f, text + r->unrecognized[i].off, r->unrecognized[i].len);
        }
        if (r->more_unrecognized)
            fmt_s(&f, "|...");
    }
    if (cap)
        out[f.len < cap ? f.len : cap - 1] = 0;
    return f.len < cap ? f.len : (cap ? cap - 1 : 0);
}
