/* The date grammar: days ("15.07.", "3rd of July"), months and parts of
 * months ("Anfang August"), ranges between them, and school holidays
 * ("Sommerferien NRW"). Years come from the data range when not written. */
#include <string.h>

#include "nlq/internal.h"
#include "util/days.h"

/* ---- dates ------------------------------------------------------------------- */

static unsigned month_days(int y, unsigned m)
{
    static const unsigned d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0) ? 29 : d[m - 1];
}

static int32_t overlap(int32_t a, int32_t b, int32_t lo, int32_t hi)
{
    int32_t x = a > lo ? a : lo, y = b < hi ? b : hi;
    return y >= x ? y - x + 1 : 0;
}

/* The year for a window given as (month, day) pairs without a year: the one
 * where it overlaps the data most (ties: the earlier). */
static int pick_year(const nlq_t *p, unsigned m1, unsigned d1, unsigned m2, unsigned d2)
{
    int y0, y1;
    unsigned mm, dd;
    civil_from_days(p->first_day, &y0, &mm, &dd);
    civil_from_days(p->last_day, &y1, &mm, &dd);
    int best = y0, best_ov = -1;
    for (int y = y0 - 1; y <= y1; y++) {
        int ye = y + (m2 < m1 || (m2 == m1 && d2 < d1));
        if (d1 > month_days(y, m1) || d2 > month_days(ye, m2))
            continue;
        int32_t a = days_from_civil(y, m1, d1), b = days_from_civil(ye, m2, d2);
        int32_t ov = overlap(a, b, p->first_day, p->last_day);
        if (ov > best_ov) {
            best_ov = ov;
            best = y;
        }
    }
    return best;
}

typedef struct {
    unsigned day, month; /* day 0: a month only */
    int year;            /* 0: not written */
} date_t;

static bool year_at(const ctx_t *c, unsigned i, int *y)
{
    int64_t v;
    if (i < c->n && c->it[i].concept == C_NONE && tok_of(c, i)->kind == T_NUM && num_at(c, i, &v) && v >= 2000 &&
        v <= 2100) {
        *y = (int)v;
        return true;
    }
    return false;
}

/* A day of a month: "3." "3" "3rd" (1..31, not followed by a unit). */
static bool mday_at(const ctx_t *c, unsigned i, unsigned *d)
{
    int64_t v;
    if (i >= c->n || c->it[i].concept != C_NONE || tok_of(c, i)->kind != T_NUM || !num_at(c, i, &v) || v < 1 ||
        v > 31)
        return false;
    *d = (unsigned)v;
    return true;
}

/* A full date at i: a literal, "3. Juli [2023]", "July 3[rd] [2023]".
 * Returns items used. */
static unsigned date_at(const ctx_t *c, unsigned i, date_t *d)
{
    unsigned day;
    int y;
    if (i < c->n && c->it[i].concept == C_NONE && tok_of(c, i)->kind == T_DATE) {
        const tok_t *t = tok_of(c, i);
        *d = (date_t){t->day, t->month, t->year};
        return 1;
    }
    if (mday_at(c, i, &day) && is_c(c, i + 1, C_MONTH)) {
        *d = (date_t){day, c->it[i + 1].value, 0};
        if (year_at(c, i + 2, &y))
            return d->year = y, 3;
        return 2;
    }
    if (is_c(c, i, C_MONTH) && mday_at(c, i + 1, &day) && !is_unit(c, i + 2)) {
        *d = (date_t){day, c->it[i].value, 0};
        if (year_at(c, i + 2, &y))
            return d->year = y, 3;
        return 2;
    }
    return 0;
}

static int32_t date_day(const nlq_t *p, date_t d, bool *ok)
{
    int y = d.year ? d.year : pick_year(p, d.month, d.day, d.month, d.day);
    *ok = d.day >= 1 && d.day <= month_days(y, d.month);
    return *ok ? days_from_civil(y, d.month, d.day) : 0;
}

static void set_window(ctx_t *c, bool has_e, int32_t e, bool has_l, int32_t l)
{
    facts_t *r = &c->f;
    if (has_e) {
        r->earliest = (r->have & NLQ_EARLIEST) && r->earliest < e ? r->earliest : e;
        r->have |= NLQ_EARLIEST;
    }
    if (has_l) {
        r->latest = (r->have & NLQ_LATEST) && r->latest > l ? r->latest : l;
        r->have |= NLQ_LATEST;
    }
}

/* The days of a month, or of its first/middle/last part. */
static void month_part(unsigned m, int part, unsigned *d1, unsigned *d2, int y)
{
    unsigned len = month_days(y, m);
    *d1 = part == 1 ? 11 : part == 2 ? 21 : 1;
    *d2 = part == 0 ? 10 : part == 1 ? 20 : len;
    if (part < 0)
        *d1 = 1, *d2 = len;
}

/* [part] month: returns items used, the month and part (-1 whole). */
static unsigned month_at(const ctx_t *c, unsigned i, unsigned *m, int *part)
{
    *part = -1;
    if (is_c(c, i, C_PART) && is_c(c, i + 1, C_MONTH)) {
        *part = (int)c->it[i].value;
        *m = c->it[i + 1].value;
        return 2;
    }
    if (is_c(c, i, C_MONTH)) {
        *m = c->it[i].value;
        return 1;
    }
    return 0;
}

static bool range_sep(const ctx_t *c, unsigned i, bool between)
{
    return is_c(c, i, C_TO) || is_sym(c, i, '-') || (between && is_c(c, i, C_AND));
}

/* The word a window may start with: "ab"/"from", "bis"/"until",
 * "zwischen"/"between" (at most one); returns the item after it. */
static unsigned lead_word(const ctx_t *c, unsigned k, bool *from, bool *to, bool *between)
{
    if (is_c(c, k, C_FROM))
        *from = true, k++;
    else if (is_c(c, k, C_TO))
        *to = true, k++;
    else if (is_c(c, k, C_BETWEEN))
        *between = true, k++;
    return k;
}

/* Month windows: "Juli", "Anfang September", "Juli/August", "Juli bis
 * August", "zwischen Juni und August", "ab Juli", "bis August". */
unsigned nlq_rule_months(ctx_t *c, unsigned i)
{
    unsigned k = i, m1, m2;
    int p1, p2, y = 0;
    bool from = false, to = false, between = false;
    k = lead_word(c, k, &from, &to, &between);
    unsigned u = month_at(c, k, &m1, &p1);
    bool parts = false;
    if (!u && is_c(c, k, C_PART) && range_sep(c, k + 1, true) && month_at(c, k + 2, &m2, &p2) == 2) {
        /* "Anfang bis Mitte Juli" */
        p1 = (int)c->it[k].value, m1 = m2;
        k += 4;
        parts = true;
        from = false;
    } else if (!u) {
        return 0;
    } else {
        k += u;
        m2 = m1, p2 = p1;
    }
    if (!to && !parts) {
        unsigned s = k;
        if (range_sep(c, s, true) || is_sym(c, s, '/') || is_c(c, s, C_OR)) {
            unsigned u2 = month_at(c, s + 1, &m2, &p2);
            if (u2) {
                k = s + 1 + u2;
                from = false;
            } else {
                m2 = m1, p2 = p1;
            }
        }
    }
    if (year_at(c, k, &y))
        k++;
    if (between && m2 == m1 && p2 == p1)
        return 0; /* "zwischen Juli" means nothing */
    unsigned d1, d2, x;
    month_part(m1, p1, &d1, &x, 2001);
    month_part(m2, p2, &x, &d2, 2001);
    int y1 = y ? y : pick_year(c->p, m1, d1, m2, d2 > 28 ? 28 : d2);
    int y2 = y1 + (m2 < m1);
    month_part(m2, p2, &x, &d2, y2);
    int32_t a = days_from_civil(y1, m1, d1), b = days_from_civil(y2, m2, d2);
    set_window(c, !to, a, !from, b);
    return k - i;
}

/* Dates: "am 3. Juli", "ab 3.7.", "bis 17. Juli", "vom 3. bis 17. Juli",
 * "3.-17.7.", "15.07.–29.07.", "July 3-17", "between 1 July and 31 August". */
unsigned nlq_rule_dates(ctx_t *c, unsigned i)
{
    unsigned k = i;
    bool from = false, to = false, between = false;
    k = lead_word(c, k, &from, &to, &between);
    date_t a = {0}, b = {0};
    unsigned u = date_at(c, k, &a);
    bool partial = false;
    if (!u && !to) { /* "vom 3. bis 17. Juli": a bare day before the separator */
        unsigned day;
        if (mday_at(c, k, &day) && range_sep(c, k + 1, between)) {
            a = (date_t){day, 0, 0};
            u = 1;
            partial = true;
        }
    }
    if (!u)
        return 0;
    k += u;
    bool ok;
    if (!to && range_sep(c, k, between)) {
        unsigned u2 = date_at(c, k + 1, &b);
        unsigned day;
        if (!u2 && !partial && mday_at(c, k + 1, &day) && !is_unit(c, k + 2)) { /* "July 3-17" */
            b = (date_t){day, a.month, a.year};
            u2 = 1;
        }
        date_t ra = a;
        if (u2 && partial) {
            if (a.day > b.day) /* "vom 17. bis 3. Juli" is no range */
                return 0;
            ra.month = b.month, ra.year = b.year;
        }
        if (u2 && !ra.year && b.year)
            ra.year = b.year;
        int32_t da = u2 ? date_day(c->p, ra, &ok) : 0, db = 0;
        if (u2 && ok) {
            if (b.year) {
                db = date_day(c->p, b, &ok);
            } else { /* "20. Dezember bis 6. Januar" runs into the next year */
                int y;
                unsigned mm, dd;
                civil_from_days(da, &y, &mm, &dd);
                y += b.month < ra.month;
                ok = b.day <= month_days(y, b.month);
                db = ok ? days_from_civil(y, b.month, b.day) : 0;
            }
        }
        if (u2 && ok && db >= da) {
            set_window(c, true, da, true, db);
            c->f.range_exact = true;
            return k + 1 + u2 - i;
        }
        /* no range ("20. Juli bis 3. Juli"): the first date alone */
    }
    if (partial)
        return 0;
    int32_t d = date_day(c->p, a, &ok);
    if (!ok)
        return 0;
    if (from)
        set_window(c, true, d, false, 0);
    else if (to)
        set_window(c, false, 0, true, d);
    else {
        set_window(c, true, d, false, 0);
        c->f.depart_exact = true;
    }
    return k - i;
}

/* The state key an item names: a region, or a city-state airport. */
static const char *state_of(const ctx_t *c, unsigned i)
{
    if (is_c(c, i, C_REGION))
        return nlq_regions[c->it[i].value].state;
    if (is_c(c, i, C_AIRPORT)) {
        const char *code = nlq_airports[c->it[i].value].code;
        if (!strcmp(code, "BER"))
            return "be";
        if (!strcmp(code, "HAM"))
            return "hh";
        if (!strcmp(code, "BRE"))
            return "hb";
    }
    return NULL;
}

/* Holidays from the table: "Ostern", "Pfingsten 2024", "Sommerferien NRW".
 * A holiday whose dates isla does not have is consumed and reported. */
unsigned nlq_rule_holiday(ctx_t *c, unsigned i)
{
    if (!is_c(c, i, C_HOLIDAY))
        return 0;
    unsigned kind = c->it[i].value, k = i + 1;
    const char *state = NULL;
    if (kind >= H_SUMMER) { /* school holidays: per state */
        state = state_of(c, k);
        if (state)
            k++;
    }
    int y = 0;
    if (year_at(c, k, &y))
        k++;
    int best = -1;
    int32_t best_ov = -1, a = 0, b = 0;
    for (unsigned h = 0; h < nlq_n_holidays; h++) {
        const nlq_holiday *H = &nlq_holidays[h];
        if (H->kind != kind || (H->state == NULL) != (state == NULL) || (state && strcmp(state, H->state)) ||
            (y && H->year != y))
            continue;
        int32_t x = days_from_civil(H->year, H->m1, H->d1);
        int32_t z = days_from_civil(H->year + (H->m2 < H->m1), H->m2, H->d2);
        int32_t ov = overlap(x, z, c->p->first_day, c->p->last_day);
        if (y || ov > best_ov) {
            best_ov = ov, best = (int)h, a = x, b = z;
            if (y)
                break;
        }
    }
    if (best < 0 || (!y && best_ov == 0)) {
        c->f.failed = true;
        return k - i;
    }
    set_window(c, true, a, true, b);
    return k - i;
}
