/* The generator's world model (see gen_world.h).
 *
 * The numbers below are not measured from the real dump (it is not
 * available); they are plausible shapes chosen to match the facts in
 * PRODUCT.md and the 29 real sample rows:
 *
 * - Airports: 48 departure airports with a heavily skewed popularity, a
 *   realistic block time to Palma (PMI), and a number of flights a day that
 *   grows with popularity and season. A flight is identified by (airport,
 *   day, direction, slot) and its times and airline are a hash of that key,
 *   so many offers of different hotels share the very same flights, as in
 *   the real dump.
 * - Hotels: each has a popularity (log-normal, so offer density differs a
 *   lot between hotels), a subset of airports, of meal types and of room
 *   types (by party: single traveller, couple, family/group), an oceanview
 *   share and a share of offers with T00:00:00 departure placeholders.
 * - Calendar: departures 2023-01-06..2023-12-31 with a summer peak, bumps
 *   for Easter, Pentecost, autumn and Christmas holidays, weekend peaks.
 * - Prices: hotel stay (stars, hotel factor, season, nights, persons, meal,
 *   room, oceanview) plus flights (distance, season, persons), times a
 *   log-normal noise; integer euros clamped to 1..380160.
 *
 * Everything is a pure function of the hotel list and the world seed. */
#include "gen/gen_world.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/days.h"

/* The output must not depend on the compiler: no fused multiply-adds (GCC
 * already does not contract in ISO C mode; clang would with -march=...). */
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

const char gen_airport_codes[GEN_N_AIRPORTS][4] = {
    "FMO", "STR", "HAM", "LEJ", "NUE", "CGN", "FRA", "PAD", "HAJ", "BER", "FMM", "DUS",
    "SCN", "DRS", "BRE", "DTM", "MUC", "VIE", "NRN", "BSL", "HHN", "FKB", "ZRH", "SZG",
    "LUX", "AMS", "PRG", "FDH", "INN", "KSF", "LNZ", "EIN", "SXB", "BLL", "LBC", "BRU",
    "GRZ", "GWT", "CRL", "CSO", "WAW", "GVA", "ERF", "KRK", "BRN", "RLG", "KLU", "RTM",
};

/* Relative share of offers departing from each airport (same order). */
static const float airport_weight[GEN_N_AIRPORTS] = {
    18, 70, 75, 30, 40, 75, 100, 14, 50, 65, 15, 100,
    13, 16, 24, 22, 85, 30, 9, 14, 11, 9, 24, 11,
    9, 14, 6, 8, 6, 3, 6, 8, 5, 4, 3, 10,
    6, 2.5, 5, 2, 5, 8, 3, 4, 3, 2, 4, 3,
};

/* Block time to PMI in minutes (same order). */
static const uint16_t airport_minutes[GEN_N_AIRPORTS] = {
    140, 115, 150, 145, 130, 130, 125, 140, 145, 155, 115, 135,
    115, 150, 145, 135, 125, 150, 135, 100, 125, 110, 105, 130,
    120, 140, 150, 105, 125, 140, 145, 135, 110, 165, 155, 125,
    140, 160, 125, 150, 185, 95, 140, 175, 155, 165, 135, 135,
};

const char gen_airline_codes[GEN_N_AIRLINES][3] = {
    "EW", "DE", "X3", "FR", "LH", "4Y", "U2", "OS", "LX", "DS", "HV", "KL",
    "SN", "TB", "LG", "OK", "LO", "W6", "VY", "DY", "XQ", "UX", "BT", "EN",
};
enum { EW, DE, X3, FR, LH, Y4, U2, OS, LX, DS, HV, KL, SN, TB, LG, OK, LO, W6, VY, DY, XQ, UX, BT, EN };

/* Airlines flying each airport to PMI (up to four, 0xff-terminated). */
static const uint8_t airport_airlines[GEN_N_AIRPORTS][4] = {
    {EW, X3, 0xff}, {EW, X3, DE, FR}, {EW, DE, X3, U2}, {EW, X3, DE, 0xff},
    {EW, X3, DE, FR}, {EW, X3, FR, DE}, {DE, LH, X3, Y4}, {EW, X3, 0xff},
    {EW, X3, DE, 0xff}, {EW, U2, FR, DE}, {FR, W6, 0xff}, {EW, DE, X3, XQ},
    {EW, X3, 0xff}, {EW, X3, 0xff}, {FR, EW, X3, 0xff}, {EW, W6, 0xff},
    {EW, LH, DE, X3}, {OS, FR, W6, EW}, {FR, W6, 0xff}, {U2, EW, 0xff},
    {FR, 0xff}, {EW, 0xff}, {LX, DS, EW, 0xff}, {EW, OS, 0xff},
    {LG, 0xff}, {HV, KL, VY, 0xff}, {OK, FR, 0xff}, {EW, 0xff},
    {OS, EW, 0xff}, {EW, 0xff}, {OS, EW, 0xff}, {HV, TB, 0xff},
    {VY, 0xff}, {DY, FR, 0xff}, {EW, 0xff}, {SN, TB, FR, 0xff},
    {OS, EW, 0xff}, {EW, 0xff}, {FR, TB, 0xff}, {EW, 0xff},
    {LO, FR, W6, EN}, {U2, LX, 0xff}, {EW, 0xff}, {LO, FR, W6, 0xff},
    {OK, FR, 0xff}, {EW, 0xff}, {OS, EW, 0xff}, {HV, TB, 0xff},
};

const char *const gen_meal_names[GEN_N_MEALS] = {
    "NONE", "BREAKFAST", "HALFBOARD", "HALFBOARDPLUS", "FULLBOARD",
    "FULLBOARDPLUS", "ALLINCLUSIVE", "ALLINCLUSIVEPLUS", "ACCORDINGDESCRIPTION", "PROGRAM",
};
static const float meal_weight[GEN_N_MEALS] = {24, 22, 20, 2.5, 3.5, 0.6, 22, 2.5, 2, 0.4};
/* Probability that a hotel offers the meal type at all. */
static const float meal_keep[GEN_N_MEALS] = {0.7f, 0.8f, 0.75f, 0.15f, 0.25f, 0.06f, 0.6f, 0.15f, 0.15f, 0.04f};
static const float meal_price[GEN_N_MEALS] = {1.0f, 1.12f, 1.3f, 1.38f, 1.45f, 1.52f, 1.62f, 1.8f, 1.15f, 1.25f};

const char *const gen_room_names[GEN_N_ROOMS] = {
    "APARTMENT", "DOUBLE", "STUDIO", "SINGLE", "SUPERIOR", "ECONOMY", "FAMILY",
    "TRIPLE", "SUITE", "ACCORDINGDESCRIPTION", "BUNGALOW", "DELUXE", "MULTISHARE",
    "TWINROOM", "FOURBEDROOM", "VILLA", "HOLIDAYHOUSE", "JUNIORSUITE", "DUPLEX",
};
static const float room_weight[GEN_N_ROOMS] = {
    14, 36, 8, 5, 6, 2, 7, 3, 3, 2, 1, 2.5, 0.3, 2, 0.3, 0.3, 0.3, 3, 0.5,
};
static const float room_keep[GEN_N_ROOMS] = {
    0.5f, 0.9f, 0.4f, 0.5f, 0.5f, 0.2f, 0.5f, 0.3f, 0.3f, 0.2f, 0.08f, 0.3f,
    0.05f, 0.25f, 0.05f, 0.04f, 0.04f, 0.35f, 0.08f,
};
/* Preference by party: [0] one adult alone, [1] two persons, [2] more. */
static const float room_party[3][GEN_N_ROOMS] = {
    {1, 0.6f, 1.2f, 8, 0.8f, 1.2f, 0.1f, 0.1f, 0.5f, 1, 0.3f, 0.8f, 2, 0.5f, 0.05f, 0.05f, 0.1f, 0.6f, 0.2f},
    {1, 1, 1, 0.05f, 1, 1, 0.3f, 0.2f, 1, 1, 1, 1, 0.5f, 1, 0.1f, 0.5f, 0.5f, 1, 0.6f},
    {1.6f, 0.8f, 0.5f, 0.05f, 0.8f, 0.7f, 4, 3, 1, 1, 1.5f, 0.8f, 0.5f, 0.4f, 4, 3, 3, 1, 2},
};
static const float room_price[GEN_N_ROOMS] = {
    0.95f, 1.0f, 0.9f, 1.25f, 1.2f, 0.85f, 1.1f, 0.95f, 1.6f, 1.0f, 1.15f, 1.35f,
    0.7f, 1.0f, 1.05f, 1.8f, 1.4f, 1.45f, 1.2f,
};

/* ---- random helpers used while building ---- */

void gen_rng_seed(gen_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seed += 0x9e3779b97f4a7c15ULL;
        r->s[i] = gen_mix64(seed);
    }
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3]))
        r->s[0] = 1;
}

static double unif(gen_rng *r) /* (0, 1) */
{
    return ((double)(gen_rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

static double normal(gen_rng *r)
{
    double u = unif(r), v = unif(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

/* Vose's alias method over n weights (values[i] or i when values is NULL).
 * Zero weights are allowed; at least one must be positive. */
void gen_build_alias(gen_alias *t, const double *wt, const uint32_t *values, uint32_t n)
{
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += wt[i];
    double *p = malloc(n * sizeof *p);
    uint32_t *small = malloc(n * sizeof *small), *large = malloc(n * sizeof *large);
    if (!p || !small || !large)
        abort();
    uint32_t ns = 0, nl = 0;
    for (uint32_t i = 0; i < n; i++) {
        p[i] = wt[i] * n / sum;
        if (p[i] < 1.0)
            small[ns++] = i;
        else
            large[nl++] = i;
    }
    while (ns && nl) {
        uint32_t s = small[--ns], l = large[nl - 1];
        t[s].thr = (uint32_t)(p[s] * 4294967296.0);
        t[s].self = values ? values[s] : s;
        t[s].other = values ? values[l] : l;
        p[l] -= 1.0 - p[s];
        if (p[l] < 1.0) {
            nl--;
            small[ns++] = l;
        }
    }
    /* Leftovers are 1 up to rounding: always keep themselves. */
    while (nl) {
        uint32_t l = large[--nl];
        t[l].thr = UINT32_MAX;
        t[l].self = t[l].other = values ? values[l] : l;
    }
    while (ns) {
        uint32_t s = small[--ns];
        t[s].thr = UINT32_MAX;
        t[s].self = t[s].other = values ? values[s] : s;
    }
    free(p);
    free(small);
    free(large);
}

/* Builds a table over only the positive weights into the pool; returns the
 * number of buckets. */
static uint32_t pool_alias(gen_world *w, const double *wt, uint32_t n, uint32_t *off)
{
    double pw[64];
    uint32_t vals[64], k = 0;
    for (uint32_t i = 0; i < n; i++)
        if (wt[i] > 0) {
            pw[k] = wt[i];
            vals[k++] = i;
        }
    *off = (uint32_t)w->pool_len;
    gen_build_alias(w->pool + w->pool_len, pw, vals, k);
    w->pool_len += k;
    return k;
}

/* ---- calendar ---- */

/* Relative demand for departures in the middle of each month. */
static const double month_demand[12] = {0.30, 0.40, 0.60, 0.95, 1.10, 1.30,
                                        1.50, 1.50, 1.35, 1.05, 0.42, 0.35};

static double demand(int32_t dayidx)
{
    int32_t day = days_from_civil(GEN_BASE_YEAR, 1, 1) + dayidx;
    int y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    /* Linear interpolation between the middles (the 15th) of months. */
    int mi = (int)m - 1 + (y - GEN_BASE_YEAR) * 12;
    double frac = ((double)d - 15.0) / 30.5;
    int a = frac < 0 ? mi - 1 : mi;
    double t = frac < 0 ? frac + 1.0 : frac;
    double va = month_demand[((a % 12) + 12) % 12], vb = month_demand[(((a + 1) % 12) + 12) % 12];
    double v = va + (vb - va) * t;

    /* School holidays of the big source markets in 2023. */
    struct { unsigned m1, d1, m2, d2; double f; } hol[] = {
        {2, 18, 2, 26, 1.2},  /* carnival */
        {4, 1, 4, 16, 1.35},  /* Easter */
        {5, 26, 6, 11, 1.15}, /* Pentecost */
        {10, 2, 11, 3, 1.2},  /* autumn */
        {12, 20, 12, 31, 1.6}, /* Christmas */
    };
    if (y == GEN_BASE_YEAR)
        for (size_t i = 0; i < sizeof hol / sizeof hol[0]; i++) {
            unsigned md = m * 100 + d;
            if (md >= hol[i].m1 * 100 + hol[i].d1 && md <= hol[i].m2 * 100 + hol[i].d2)
                v *= hol[i].f;
        }
    if (y > GEN_BASE_YEAR && m == 1 && d <= 7)
        v *= 1.5;
    return v;
}

static int weekday(int32_t dayidx) /* 0 = Monday */
{
    int32_t day = days_from_civil(GEN_BASE_YEAR, 1, 1) + dayidx; /* 1970-01-01 was a Thursday */
    return (int)(((day % 7) + 7 + 3) % 7);
}

/* Demand of a destination: Mallorca's curve (d == NULL), or shifted by
 * season_shift days within the year and flattened by season_depth. */
static double dest_demand(const gen_dest *d, int32_t i)
{
    if (!d || (d->season_shift == 0 && d->season_depth == 1.0))
        return demand(i);
    int32_t j = ((i - d->season_shift) % 365 + 365) % 365;
    return 1.0 + (demand(j) - 1.0) * d->season_depth;
}

static void build_calendar(gen_world *w, const gen_dest *d)
{
    static const double wday[7] = {0.95, 0.85, 0.9, 0.95, 1.1, 1.25, 1.1};
    double wt[GEN_LAST_DEP_INDEX - GEN_FIRST_DEP_INDEX + 1];
    uint32_t vals[GEN_LAST_DEP_INDEX - GEN_FIRST_DEP_INDEX + 1];
    for (int i = GEN_FIRST_DEP_INDEX; i <= GEN_LAST_DEP_INDEX; i++) {
        wt[i - GEN_FIRST_DEP_INDEX] = dest_demand(d, i) * wday[weekday(i)];
        vals[i - GEN_FIRST_DEP_INDEX] = (uint32_t)i;
    }
    gen_build_alias(w->day_tab, wt, vals, GEN_LAST_DEP_INDEX - GEN_FIRST_DEP_INDEX + 1);
    for (int i = 0; i < GEN_N_DAYS; i++) {
        double dm = dest_demand(d, i);
        w->hotel_season[i] = (float)(0.55 + 0.5 * dm);
        w->flight_season[i] = (float)(0.6 + 0.45 * dm * (wday[weekday(i)] > 1.0 ? 1.1 : 1.0));
        for (int a = 0; a < GEN_N_AIRPORTS; a++) {
            double f = ceil(airport_weight[a] / 10.0) * (0.35 + 0.5 * dm);
            w->flights[a][i] = (uint8_t)(f < 1 ? 1 : f > 20 ? 20 : lround(f));
        }
    }
}

/* ---- flights and parties ---- */

static void build_tables(gen_world *w, gen_rng *r)
{
    /* Nights: peaks at 7 and 14, a long thin tail. */
    static const double nights[GEN_MAX_NIGHTS] = {
        0.4, 1.0, 4.5, 6.5, 7.0, 6.0, 22.0, 5.0, 4.5, 6.5, 4.5, 3.2, 3.2, 12.0,
        1.3, 0.9, 0.7, 0.5, 0.4, 0.4, 1.6, 0.2, 0.12, 0.1, 0.08, 0.07, 0.06,
        0.1, 0.03, 0.02, 0.02, 0.02, 0.01, 0.01, 0.02,
    };
    uint32_t vals[GEN_MAX_NIGHTS];
    for (uint32_t i = 0; i < GEN_MAX_NIGHTS; i++)
        vals[i] = i + 1;
    gen_build_alias(w->nights_tab, nights, vals, GEN_MAX_NIGHTS);
    for (int n = 0; n <= GEN_MAX_NIGHTS; n++) /* short stays cost more a night */
        w->nights_factor[n] = (float)(n * (1.1 - 0.008 * (n < 20 ? n : 20)));

    static const double adults[24] = {
        16, 58, 12, 10, 1.5, 1.4, 0.3, 0.3, 0.08, 0.08, 0.03, 0.03,
        0.01, 0.01, 0.01, 0.01, 0.005, 0.005, 0.003, 0.003, 0.002, 0.002, 0.002, 0.002,
    };
    for (uint32_t i = 0; i < 24; i++)
        vals[i] = i + 1;
    gen_build_alias(w->adults_tab, adults, vals, 24);
    static const double children[11] = {56, 22, 17, 2.8, 0.9, 0.3, 0.08, 0.04, 0.02, 0.01, 0.01};
    for (uint32_t i = 0; i < 11; i++)
        vals[i] = i < 10 ? i : 18;
    gen_build_alias(w->children_tab, children, vals, 11);

    /* Departure times: morning and evening waves, a few late flights that
     * arrive after midnight. Slot 0 (00:00) never occurs, so a T00:00:00
     * time is always a placeholder. */
    for (int dir = 0; dir < 2; dir++) {
        double wt[GEN_SLOTS_PER_DAY];
        uint32_t sv[GEN_SLOTS_PER_DAY], k = 0;
        for (uint32_t s = 0; s < GEN_SLOTS_PER_DAY; s++) {
            double h = s / 12.0, v;
            if (h < 4.5)
                v = 0;
            else if (h < 6)
                v = 0.6;
            else if (h < 10)
                v = dir ? 1.2 : 1.6;
            else if (h < 16)
                v = 1.0;
            else if (h < 21)
                v = dir ? 1.5 : 1.2;
            else if (h < 22.5)
                v = 0.6;
            else
                v = 0.2;
            if (v > 0) {
                wt[k] = v * (0.8 + 0.4 * unif(r));
                sv[k++] = s;
            }
        }
        gen_build_alias(w->tod_tab[dir], wt, sv, k);
        w->n_tod[dir] = k;
    }

    for (int a = 0; a < GEN_N_AIRPORTS; a++) {
        w->dur[0][a] = (uint8_t)(airport_minutes[a] / 5);
        w->dur[1][a] = (uint8_t)(airport_minutes[a] / 5 - 1);
        w->flight_pp[a] = (float)(70 + 0.9 * airport_minutes[a]);
        uint8_t n = 0;
        while (n < 4 && airport_airlines[a][n] != 0xff) {
            w->airlines[a][n] = airport_airlines[a][n];
            n++;
        }
        w->n_airlines[a] = n;
    }
    for (int i = 0; i < 1024; i++)
        w->noise[i] = (float)exp(0.17 * normal(r));
    w->flight_key = gen_rng_next(r);
}

/* ---- hotels ---- */

/* Built-in stars follow the real hotels.csv distribution and depend only on
 * the id, so they are the same for every seed. */
static float builtin_stars(uint32_t id)
{
    uint32_t x = (uint32_t)(gen_mix64(id ^ 0x5354415253ULL) % 998);
    return x < 1 ? 0 : x < 27 ? 1 : x < 105 ? 2 : x < 418 ? 3 : x < 871 ? 4 : 5;
}

static void build_hotel(gen_world *w, gen_rng *r, gen_hotel *h, uint32_t id, double stars,
                        double popularity_ratio)
{
    h->id = id;
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + id % 10);
        id /= 10;
    } while (id);
    for (int i = 0; i < n; i++)
        h->idstr[i] = tmp[n - 1 - i];
    h->idlen = (uint8_t)n;

    h->stars = (float)stars;
    double s = stars > 0 ? stars : 3.5; /* 0 means unknown */
    h->price_pp_night = (float)(30.0 * pow(1.33, s - 1.0) * exp(0.22 * normal(r)));
    h->p_ocean = unif(r) < 0.35 ? 0 : (uint32_t)((0.05 + 0.4 * unif(r)) * 4294967295.0);
    h->p_placeholder = (uint32_t)((0.25 + 0.5 * unif(r)) * 4294967295.0);

    /* Airports: more for popular hotels, sampled without replacement by
     * popularity (Efraimidis-Spirakis keys). */
    double want = 12.0 * sqrt(popularity_ratio) * exp(0.3 * normal(r));
    int nair = want < 2 ? 2 : want > GEN_N_AIRPORTS ? GEN_N_AIRPORTS : (int)lround(want);
    double key[GEN_N_AIRPORTS], wt[GEN_N_AIRPORTS];
    for (int a = 0; a < GEN_N_AIRPORTS; a++) {
        key[a] = -log(unif(r)) / airport_weight[a];
        wt[a] = 0;
    }
    for (int k = 0; k < nair; k++) {
        int best = -1;
        for (int a = 0; a < GEN_N_AIRPORTS; a++)
            if (wt[a] == 0 && (best < 0 || key[a] < key[best]))
                best = a;
        wt[best] = airport_weight[best] * exp(0.4 * normal(r));
    }
    h->n_air = (uint8_t)pool_alias(w, wt, GEN_N_AIRPORTS, &h->air_off);

    /* Meals: apartment houses sell mostly without board, big hotels mostly
     * half board or all inclusive. */
    bool apart = unif(r) < (s <= 3 ? 0.35 : 0.1);
    double mw[GEN_N_MEALS];
    int kept = 0;
    for (int m = 0; m < GEN_N_MEALS; m++) {
        double f = meal_weight[m] * exp(0.8 * normal(r));
        if (apart && m == 0)
            f *= 3;
        if (apart && m >= 2)
            f *= 0.3;
        if (!apart && s >= 4 && (m == 2 || m == 6 || m == 7))
            f *= 1.8;
        mw[m] = unif(r) < meal_keep[m] ? f : 0;
        kept += mw[m] > 0;
    }
    if (!kept)
        mw[apart ? 0 : 1] = 1;
    h->n_meal = (uint8_t)pool_alias(w, mw, GEN_N_MEALS, &h->meal_off);

    double rw[GEN_N_ROOMS];
    kept = 0;
    for (int k = 0; k < GEN_N_ROOMS; k++) {
        double f = room_weight[k] * exp(0.7 * normal(r));
        if (apart && (k == 0 || k == 2))
            f *= 5;
        if (apart && k == 1)
            f *= 0.3;
        if (s >= 4 && (k == 8 || k == 11 || k == 17))
            f *= 2;
        rw[k] = unif(r) < room_keep[k] ? f : 0;
        kept += rw[k] > 0;
    }
    if (!kept)
        rw[apart ? 0 : 1] = 1;
    for (int p = 0; p < 3; p++) {
        double pw[GEN_N_ROOMS];
        for (int k = 0; k < GEN_N_ROOMS; k++)
            pw[k] = rw[k] * room_party[p][k];
        h->n_room[p] = (uint8_t)pool_alias(w, pw, GEN_N_ROOMS, &h->room_off[p]);
    }
}

bool gen_world_init(gen_world *w, const gen_hotel_in *hotels, size_t n, uint64_t world_seed,
                    const gen_dest *d)
{
    memset(w, 0, sizeof *w);
    memcpy(w->dest, d ? d->code : "PMI", 4);
    gen_rng r;
    gen_rng_seed(&r, world_seed ^ 0x574f524c44ULL);
    build_calendar(w, d);
    build_tables(w, &r);

    uint32_t id_base = d ? d->id_base : 0;
    uint32_t nk = n ? (uint32_t)n : d && d->n_hotels ? d->n_hotels : 998;
    w->n_known = nk;
    w->n_hotels = nk + GEN_N_UNKNOWN;
    w->hotels = calloc(w->n_hotels, sizeof *w->hotels);
    w->hotel_tab = calloc(nk, sizeof *w->hotel_tab);
    w->pool = calloc((size_t)w->n_hotels * (GEN_N_AIRPORTS + GEN_N_MEALS + 3 * GEN_N_ROOMS),
                     sizeof *w->pool);
    double *pop = malloc(w->n_hotels * sizeof *pop);
    if (!w->hotels || !w->hotel_tab || !w->pool || !pop) {
        free(pop);
        gen_world_free(w);
        return false;
    }

    /* Popularity: log-normal, and mid-range hotels sell best. */
    static const double star_pop[6] = {0.5, 0.4, 0.6, 1.0, 1.2, 0.9};
    uint32_t maxid = 0;
    double total = 0;
    for (uint32_t i = 0; i < nk; i++) {
        double s = n ? hotels[i].stars : builtin_stars(id_base + i + 1);
        int si = s < 0 ? 0 : s > 5 ? 5 : (int)lround(s);
        pop[i] = exp(0.9 * normal(&r)) * star_pop[si];
        total += pop[i];
    }
    for (uint32_t i = 0; i < nk; i++) {
        uint32_t id = n ? hotels[i].id : id_base + i + 1;
        double s = n ? hotels[i].stars : builtin_stars(id);
        if (id > maxid)
            maxid = id;
        build_hotel(w, &r, &w->hotels[i], id, s, pop[i] * nk / total);
    }
    gen_build_alias(w->hotel_tab, pop, NULL, nk);

    /* Unknown hotels: ids in a small range above every known id. */
    uint32_t base = maxid < 100000 ? 100000 : maxid + 1;
    if (d && d->unknown_base)
        base = d->unknown_base;
    for (uint32_t k = 0; k < GEN_N_UNKNOWN; k++) {
        uint32_t id = base + k * 17 + (uint32_t)(gen_mix64(world_seed + k) % 17);
        pop[nk + k] = exp(normal(&r));
        build_hotel(w, &r, &w->hotels[nk + k], id, 2 + 3 * unif(&r), 1.0);
    }
    uint32_t vals[GEN_N_UNKNOWN];
    for (uint32_t k = 0; k < GEN_N_UNKNOWN; k++)
        vals[k] = nk + k;
    gen_build_alias(w->unknown_tab, pop + nk, vals, GEN_N_UNKNOWN);
    free(pop);
    if (d && d->price_level != 1.0)
        for (uint32_t i = 0; i < w->n_hotels; i++)
            w->hotels[i].price_pp_night = (float)(w->hotels[i].price_pp_night * d->price_level);
    return true;
}

void gen_world_free(gen_world *w)
{
    free(w->hotels);
    free(w->hotel_tab);
    free(w->pool);
    w->hotels = NULL;
    w->hotel_tab = NULL;
    w->pool = NULL;
}

/* ---- the hot path: one offer ---- */

typedef struct {
    uint16_t dep_slot, arr_day, arr_slot;
    uint8_t airline;
} flight;

/* A flight's times and airline are a hash of its key, so every offer that
 * picks (airport, day, direction, k) gets the very same flight. */
static inline flight make_flight(const gen_world *w, unsigned a, unsigned day, unsigned dir,
                                 unsigned k)
{
    uint64_t h = gen_mix64(w->flight_key ^ ((uint64_t)a << 56) ^ ((uint64_t)day << 24) ^
                           ((uint64_t)dir << 16) ^ k);
    uint64_t h2 = gen_mix64(h);
    flight f;
    f.dep_slot = (uint16_t)gen_alias_draw(w->tod_tab[dir], w->n_tod[dir], h);
    unsigned dur = w->dur[dir][a] + (unsigned)(h2 % 5) - 2;
    if (dur < 18) /* nothing reaches PMI in under 1.5 h */
        dur = 18;
    if (((h2 >> 8) & 0xff) < 5) /* ~2%: a connection with a stopover */
        dur += 24 + (unsigned)((h2 >> 16) % 61);
    unsigned t = f.dep_slot + dur;
    f.arr_day = (uint16_t)(day + t / GEN_SLOTS_PER_DAY);
    f.arr_slot = (uint16_t)(t % GEN_SLOTS_PER_DAY);
    f.airline = w->airlines[a][gen_below(h2, w->n_airlines[a])];
    return f;
}

void gen_world_offer(const gen_world *w, gen_rng *r, bool unknown, gen_offer *o)
{
    uint32_t hi = unknown ? gen_alias_draw(w->unknown_tab, GEN_N_UNKNOWN, gen_rng_next(r))
                          : gen_alias_draw(w->hotel_tab, w->n_known, gen_rng_next(r));
    const gen_hotel *h = &w->hotels[hi];
    unsigned a = gen_alias_draw(w->pool + h->air_off, h->n_air, gen_rng_next(r));
    unsigned day = gen_alias_draw(w->day_tab, GEN_LAST_DEP_INDEX - GEN_FIRST_DEP_INDEX + 1,
                                  gen_rng_next(r));
    unsigned nights = gen_alias_draw(w->nights_tab, GEN_MAX_NIGHTS, gen_rng_next(r));
    unsigned adults = gen_alias_draw(w->adults_tab, 24, gen_rng_next(r));
    unsigned children = gen_alias_draw(w->children_tab, 11, gen_rng_next(r));
    unsigned party = adults == 1 && children == 0 ? 0 : adults + children <= 2 ? 1 : 2;
    unsigned meal = gen_alias_draw(w->pool + h->meal_off, h->n_meal, gen_rng_next(r));
    unsigned room = gen_alias_draw(w->pool + h->room_off[party], h->n_room[party], gen_rng_next(r));
    uint64_t u = gen_rng_next(r);
    bool ocean = (uint32_t)u < h->p_ocean;
    bool placeholder = (uint32_t)(u >> 32) < h->p_placeholder;
    uint64_t v = gen_rng_next(r);
    unsigned ret = day + nights;
    flight out = make_flight(w, a, day, 0, gen_below(v, w->flights[a][day]));
    flight in = make_flight(w, a, ret, 1, gen_below(v << 32, w->flights[a][ret]));

    uint64_t z = gen_rng_next(r);
    double persons = adults + 0.6 * children;
    double stay = h->price_pp_night * w->hotel_season[day] * w->nights_factor[nights] * persons *
                  meal_price[meal] * room_price[room] * (ocean ? 1.12 : 1.0);
    double fly = w->flight_pp[a] * w->flight_season[day] * (adults + 0.8 * children);
    double jitter = 0.99 + 0.02 * (double)(uint32_t)(z >> 32) * (1.0 / 4294967296.0);
    double price = (stay + fly) * w->noise[z & 1023] * jitter;
    o->price = price < 1.0 ? 1 : price > 380160.0 ? 380160 : (uint32_t)lround(price);

    o->hotel = hi;
    o->adults = (uint8_t)adults;
    o->children = (uint8_t)children;
    o->airport = (uint8_t)a;
    o->meal = (uint8_t)meal;
    o->room = (uint8_t)room;
    o->ocean = ocean;
    o->out_dep_day = (uint16_t)day;
    o->out_dep_slot = placeholder ? 0 : out.dep_slot;
    o->out_arr_day = out.arr_day;
    o->out_arr_slot = out.arr_slot;
    o->in_dep_day = (uint16_t)ret;
    o->in_dep_slot = placeholder ? 0 : in.dep_slot;
    o->in_arr_day = in.arr_day;
    o->in_arr_slot = in.arr_slot;
    o->out_airline = out.airline;
    o->in_airline = in.airline;
}
