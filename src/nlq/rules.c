/* The grammars besides dates: party ("2 Erwachsene und ein Kind"),
 * length of stay, stars, price, board and room words, and places
 * (departure airports, regions, destinations). */
#include <string.h>

#include "nlq/internal.h"
#include "vocab/vocab.h"

/* ---- party, length, stars, price, board ------------------------------------- */

unsigned nlq_rule_count(ctx_t *c, unsigned i)
{
    int64_t v;
    unsigned k = i;
    bool with = false;
    if (is_c(c, k, C_WITH) || is_c(c, k, C_FOR) || is_c(c, k, C_AND))
        with = is_c(c, k, C_WITH), k++;
    if (!num_at(c, k, &v)) {
        /* "mit Kind", "mit Baby", "family", "ohne Kinder" */
        if (with && is_c(c, k, C_CHILD) && c->it[k].value == 1) {
            c->f.children += 1, c->f.children_set = true;
            return k + 1 - i;
        }
        if (with && is_c(c, k, C_BABY)) {
            c->f.children += 1, c->f.children_set = true;
            return k + 1 - i;
        }
        return 0;
    }
    k++;
    if (is_sym(c, k, '-') && is_unit(c, k + 1))
        k++; /* "14-tägig" */
    if (!is_unit(c, k) && c->it[i].concept == C_FOR && !is_c(c, i + 1, C_ARTICLE) && v >= 1 && v <= 12) {
        /* "für zwei", "for 3" */
        c->f.adults_explicit = (int)v;
        return k - i;
    }
    if (k >= c->n)
        return 0;
    switch (c->it[k].concept) {
    case C_ADULT:
        if (v < 1 || v > 30)
            return 0;
        c->f.adults_explicit = (int)v;
        break;
    case C_CHILD:
    case C_BABY:
        if (v > 12)
            return 0;
        c->f.children += (int)v, c->f.children_set = true;
        break;
    case C_PERSON:
        if (v < 1 || v > 30)
            return 0;
        c->f.persons = (int)v;
        break;
    case C_NIGHT:
        if (v < 1 || v > 60)
            return 0;
        c->f.nights = (uint16_t)v, c->f.have |= NLQ_NIGHTS;
        break;
    case C_DAY:
        if (v < 2 || v > 61)
            return 0;
        c->f.nights = (uint16_t)(v - 1), c->f.have |= NLQ_NIGHTS;
        break;
    case C_WEEK:
        if (v < 1 || v > 8)
            return 0;
        c->f.nights = (uint16_t)(7 * v), c->f.have |= NLQ_NIGHTS;
        break;
    default:
        return 0;
    }
    return k + 1 - i;
}

unsigned nlq_rule_party(ctx_t *c, unsigned i)
{
    if (is_c(c, i, C_PARTY)) {
        c->f.adults_explicit = (int)c->it[i].value;
        return 1;
    }
    if (is_c(c, i, C_FAMILY)) {
        c->f.family = true;
        return 1;
    }
    if (is_c(c, i, C_STAY)) {
        c->f.nights = (uint16_t)c->it[i].value, c->f.have |= NLQ_NIGHTS;
        return 1;
    }
    if (is_c(c, i, C_NEG) && is_c(c, i + 1, C_CHILD)) {
        c->f.children = 0, c->f.children_set = true;
        return 2;
    }
    /* "2+1", "2 + 2 Kinder" */
    int64_t a, b;
    if (num_at(c, i, &a) && is_sym(c, i + 1, '+') && num_at(c, i + 2, &b) && a >= 1 && a <= 9 && b <= 9) {
        c->f.adults_explicit = (int)a;
        c->f.children = (int)b, c->f.children_set = true;
        return is_c(c, i + 3, C_CHILD) ? 4 : 3;
    }
    return 0;
}

/* "4 Sterne", "4*", "****", "mindestens 4 Sterne", "ab 3,5 Sternen", "four star". */
unsigned nlq_rule_stars(ctx_t *c, unsigned i)
{
    unsigned k = i;
    bool at_most = is_c(c, k, C_MAX); /* "höchstens 3 Sterne": no such filter */
    if (is_c(c, k, C_MIN) || is_c(c, k, C_FROM) || at_most)
        k++;
    int64_t v;
    unsigned x10;
    if (is_sym(c, k, '*') && tok_of(c, k)->stars >= 2) {
        x10 = tok_of(c, k)->stars * 10u;
        k++;
    } else {
        const tok_t *t = k < c->n ? tok_of(c, k) : NULL;
        if (t && c->it[k].concept == C_NONE && t->kind == T_NUM && (t->flags & TF_DECIMAL))
            x10 = (unsigned)t->num10;
        else if (num_at(c, k, &v) && v <= 5)
            x10 = (unsigned)v * 10;
        else
            return 0;
        k++;
        if (is_sym(c, k, '-'))
            k++;
        if (!(is_c(c, k, C_STAR) || is_sym(c, k, '*')))
            return 0;
        k++;
    }
    if (x10 > 50 || x10 < 10)
        return 0;
    if (is_c(c, k, C_MIN) || is_sym(c, k, '+'))
        k++;
    if (at_most) {
        c->f.failed = true;
        return k - i;
    }
    c->f.min_stars_x10 = (uint8_t)x10;
    c->f.have |= NLQ_STARS;
    return k - i;
}

/* "unter 1500 €", "bis 2000 Euro", "max 800 pro Person", "€900 pp",
 * "1.500 Euro insgesamt". */
unsigned nlq_rule_price(ctx_t *c, unsigned i)
{
    unsigned k = i;
    bool kw = false, weak = false;
    if (is_c(c, k, C_MAX))
        kw = true, k++;
    else if (is_c(c, k, C_TO) || is_c(c, k, C_FOR))
        weak = true, k++;
    bool euro = false;
    if (is_c(c, k, C_EURO))
        euro = true, k++;
    int64_t v;
    const tok_t *t = k < c->n ? tok_of(c, k) : NULL;
    if (!t || c->it[k].concept != C_NONE || t->kind != T_NUM || !num_at(c, k, &v))
        return 0;
    k++;
    if (is_c(c, k, C_EURO))
        euro = true, k++;
    bool pp = false;
    if (is_c(c, k, C_PER_PERSON))
        pp = true, k++;
    if (!euro && !pp && !kw && !(weak && is_c(c, i, C_TO) && v >= 100 && !is_unit(c, k)))
        return 0;
    if (!euro && kw && (v < 20 || is_unit(c, k)))
        return 0;
    if (v < 1 || v > 10000000)
        return 0;
    c->f.price = v;
    c->f.per_person = pp;
    return k - i;
}

unsigned nlq_rule_board(ctx_t *c, unsigned i)
{
    facts_t *r = &c->f;
    bool neg = is_c(c, i, C_NEG);
    unsigned k = i + neg;
    if (is_c(c, k, C_MEAL)) {
        uint32_t v = c->it[k].value;
        if (neg)
            v = ~v & 0xffu; /* the eight board types, not the catch-alls */
        r->meals |= v, r->have |= NLQ_MEALS;
        return k + 1 - i;
    }
    if (is_c(c, k, C_ROOM)) {
        uint32_t v = c->it[k].value;
        if (neg)
            v = ~v & ((1u << VOCAB_ROOM_COUNT) - 1);
        r->rooms |= v, r->have |= NLQ_ROOMS;
        return k + 1 - i;
    }
    if (is_c(c, k, C_OCEAN)) {
        r->ocean_view = !neg, r->have |= NLQ_OCEAN;
        return k + 1 - i;
    }
    return 0;
}

unsigned nlq_rule_places(ctx_t *c, unsigned i)
{
    facts_t *r = &c->f;
    unsigned k = i;
    if (is_c(c, k, C_FROM))
        k++;
    if (is_c(c, k, C_AIRPORT)) {
        r->airports |= 1ull << c->it[k].value, r->have |= NLQ_AIRPORTS;
        return k + 1 - i;
    }
    if (is_c(c, k, C_REGION)) {
        const char *codes = nlq_regions[c->it[k].value].airports;
        for (const char *s = codes; *s; s += s[3] ? 4 : 3)
            for (unsigned a = 0; a < nlq_n_airports; a++)
                if (!memcmp(nlq_airports[a].code, s, 3))
                    r->airports |= 1ull << a;
        r->have |= NLQ_AIRPORTS;
        return k + 1 - i;
    }
    if (k == i && is_c(c, k, C_DEST)) {
        bool dup = false;
        for (unsigned d = 0; d < r->n_dests; d++)
            dup |= r->dests[d] == c->it[k].value;
        if (!dup && r->n_dests < NLQ_MAX_DEST)
            r->dests[r->n_dests++] = (uint16_t)c->it[k].value;
        r->have |= NLQ_DEST;
        return 1;
    }
    return 0;
}
