/* Row parsing. This is the importer's hot loop (one call per offer, ~100M
 * per dump), so fields are parsed in place without copies, numbers by hand,
 * and dictionary values through a per-thread hash cache that only takes the
 * shared lock the first time a thread sees a value. */
#include "import/row.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "csv/csv.h"
#include "util/days.h"
#include "vocab/vocab.h"
#include "util/digits.h"

static const struct {
    const char *name, *alias;
} column_names[COL_COUNT] = {
    [COL_HOTEL_ID] = {"hotelid", NULL},
    [COL_OUT_DEP_DT] = {"outbounddeparturedatetime", "departuredate"},
    [COL_IN_DEP_DT] = {"inbounddeparturedatetime", "returndate"},
    [COL_ADULTS] = {"countadults", NULL},
    [COL_CHILDREN] = {"countchildren", NULL},
    [COL_PRICE] = {"price", NULL},
    [COL_OUT_DEP_AIRPORT] = {"outbounddepartureairport", NULL},
    [COL_OUT_ARR_AIRPORT] = {"outboundarrivalairport", NULL},
    [COL_OUT_ARR_DT] = {"outboundarrivaldatetime", NULL},
    [COL_IN_DEP_AIRPORT] = {"inbounddepartureairport", NULL},
    [COL_IN_ARR_AIRPORT] = {"inboundarrivalairport", NULL},
    [COL_IN_ARR_DT] = {"inboundarrivaldatetime", NULL},
    [COL_MEAL] = {"mealtype", NULL},
    [COL_OCEAN_VIEW] = {"oceanview", NULL},
    [COL_ROOM] = {"roomtype", NULL},
};

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t'))
        (*p)++, (*n)--;
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

int row_layout_from_header(const char *line, size_t n, row_layout *out, char *err, size_t errlen)
{
    csv_field f[ROW_MAX_FIELDS];
    const char *why;
    if (n >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3)) /* UTF-8 byte order mark */
        line += 3, n -= 3;
    if (memchr(line, '\r', n)) { /* the importer strips a CR that ends the line */
        snprintf(err, errlen, "header (line 1): %s", ROW_CR_ONLY_MSG);
        return -1;
    }
    out->delim = csv_detect_delimiter(line, n);
    int nf = csv_split(line, n, out->delim, f, ROW_MAX_FIELDS, &why);
    if (nf < 0) {
        snprintf(err, errlen, "header (line 1): %s", why);
        return -1;
    }
    out->n_fields = nf;
    for (int c = 0; c < COL_COUNT; c++)
        out->field_of[c] = -1;
    for (int i = 0; i < nf; i++) {
        const char *p = f[i].p;
        size_t len = f[i].len;
        trim(&p, &len);
        for (int c = 0; c < COL_COUNT; c++) {
            const char *names[2] = {column_names[c].name, column_names[c].alias};
            for (int k = 0; k < 2; k++) {
                if (!names[k] || strlen(names[k]) != len || strncasecmp(names[k], p, len))
                    continue;
                if (out->field_of[c] >= 0) {
                    snprintf(err, errlen, "header (line 1): column '%s' appears twice",
                             column_names[c].name);
                    return -1;
                }
                out->field_of[c] = i;
            }
        }
    }
    size_t o = 0;
    for (int c = 0; c < COL_COUNT; c++)
        if (out->field_of[c] < 0 && o < errlen)
            o += (size_t)snprintf(err + o, errlen - o, "%s%s", o ? ", " : "header (line 1): missing column(s) ",
                                  column_names[c].name);
    return o ? -1 : 0;
}

void import_dict_init(import_dict *d, unsigned max)
{
    pthread_mutex_init(&d->lock, NULL);
    d->max = max;
    atomic_init(&d->len, 0);
    memset(d->values, 0, sizeof d->values);
}

void row_parser_init(row_parser *p, const row_layout *layout, import_dict *dicts)
{
    p->layout = layout;
    p->dicts = dicts;
    for (int d = 0; d < STORE_DICT_COUNT; d++)
        for (int i = 0; i < DICT_CACHE_SLOTS; i++)
            p->cache[d][i].id = -1;
    for (int f = 0; f < SLOT_COUNT; f++)
        p->last[f].id = -1;
    for (int d = 0; d < STORE_DICT_COUNT; d++) {
        for (int i = 0; i < RAW_CACHE_SLOTS; i++)
            p->raw[d][i].id = -1;
        p->raw_used[d] = 0;
    }
    for (int i = 0; i < DATE_CACHE_SLOTS; i++)
        p->dates[i].day = INT32_MIN;
    p->zone6_key = 0;
    p->zone6_id = -1;
}

/* The raw-value cache (row.h): the id a value of dictionary d got the last
 * time it was accepted exactly as spelled here, or -1. A value is only
 * ever accepted with one id, so a hit gives what the checks would. */
#define RAW_KEY_MAX 24

static inline unsigned raw_slot_of(const uint64_t k[3], size_t n)
{
    uint64_t h = (k[0] ^ (k[1] * 0x9E3779B97F4A7C15u) ^ (k[2] * 0xC2B2AE3D27D4EB4Fu) ^ n) * 0xFF51AFD7ED558CCDu;
    return (unsigned)(h >> 56) & (RAW_CACHE_SLOTS - 1);
}

/* v[0..n) as three zero-padded words. end: how far v may be read (the end
 * of the line), so a word is one load where there is room for it. */
static inline void raw_key(const char *v, size_t n, const char *end, uint64_t k[3])
{
    for (size_t w = 0; w < 3; w++) {
        size_t off = 8 * w, m = n > off ? n - off : 0;
        uint64_t x = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (m && (size_t)(end - (v + off)) >= 8) {
            memcpy(&x, v + off, 8);
            if (m < 8)
                x &= ((uint64_t)1 << (8 * m)) - 1;
            k[w] = x;
            continue;
        }
#else
        (void)end;
#endif
        for (size_t i = 0; i < m && i < 8; i++)
            x |= (uint64_t)(unsigned char)v[off + i] << (8 * i);
        k[w] = x;
    }
}

static inline int raw_lookup(row_parser *p, int d, const char *v, size_t n, const char *end, uint64_t k[3])
{
    if (n > RAW_KEY_MAX)
        return -1;
    raw_key(v, n, end, k);
    for (unsigned slot = raw_slot_of(k, n);; slot = (slot + 1) & (RAW_CACHE_SLOTS - 1)) {
        const raw_cache_slot *r = &p->raw[d][slot];
        if (r->id < 0)
            return -1;
        if (r->len == n && r->k[0] == k[0] && r->k[1] == k[1] && r->k[2] == k[2])
            return r->id;
    }
}

/* After a value was accepted with id; k as raw_lookup left it. The table
 * stays at most three quarters full, so a lookup always ends. */
static void raw_insert(row_parser *p, int d, size_t n, const uint64_t k[3], int id)
{
    if (n > RAW_KEY_MAX || p->raw_used[d] >= RAW_CACHE_SLOTS / 4 * 3)
        return;
    unsigned slot = raw_slot_of(k, n);
    while (p->raw[d][slot].id >= 0)
        slot = (slot + 1) & (RAW_CACHE_SLOTS - 1);
    raw_cache_slot *r = &p->raw[d][slot];
    memcpy(r->k, k, sizeof r->k);
    r->len = (uint8_t)n;
    r->id = (int16_t)id;
    p->raw_used[d]++;
}

/* Id of value v (shorter than STORE_DICT_STRLEN) in dictionary d, adding
 * it if new; -1 if the dictionary is full. Three levels, cheapest first:
 * the field's previous value, this thread's hash cache, the shared table
 * under its lock (once per thread and value). */
#define DICT_FULL (-1)
#define DICT_UNKNOWN (-2)

static int dict_id(row_parser *p, int d, int field, const char *v, size_t n)
{
    dict_cache_slot *last = &p->last[field];
    if (last->id >= 0 && last->len == n) {
        size_t i = 0; /* values are a few bytes: a loop beats a memcmp call */
        while (i < n && last->v[i] == v[i])
            i++;
        if (i == n)
            return last->id;
    }
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)v[i]) * 16777619u;
    unsigned slot = (h ^ h >> 15) & (DICT_CACHE_SLOTS - 1);
    dict_cache_slot *s;
    for (;;) {
        s = &p->cache[d][slot];
        if (s->id < 0)
            break;
        if (s->len == n && !memcmp(s->v, v, n)) {
            *last = *s;
            return s->id;
        }
        slot = (slot + 1) & (DICT_CACHE_SLOTS - 1);
    }
    /* First sight of the value in this thread: only the vocabulary may in
     * (vocab.h), so every imported value is one a search can name. A value
     * outside it never reaches the cache and is checked again each time,
     * which only rejected rows pay. */
    if ((d == STORE_DICT_MEAL && vocab_meal(v, n) < 0) || (d == STORE_DICT_ROOM && vocab_room(v, n) < 0))
        return DICT_UNKNOWN;
    char key[STORE_DICT_STRLEN] = {0};
    memcpy(key, v, n);
    import_dict *dict = &p->dicts[d];
    int id = -1;
    pthread_mutex_lock(&dict->lock);
    unsigned len = atomic_load(&dict->len);
    for (unsigned i = 0; i < len; i++)
        if (!memcmp(dict->values[i], key, sizeof key)) {
            id = (int)i;
            break;
        }
    if (id < 0 && len < dict->max) {
        memcpy(dict->values[len], key, sizeof key);
        atomic_store(&dict->len, len + 1);
        id = (int)len;
    }
    pthread_mutex_unlock(&dict->lock);
    if (id >= 0) {
        s->id = (int16_t)id;
        s->len = (uint8_t)n;
        memcpy(s->v, v, n);
        *last = *s;
    }
    return id;
}

/* Reason text: "<column>: <problem> '<value>'" with the value shortened and
 * control or non-ASCII bytes shown as '?', so reject files stay readable. */
static int reject(char *why, size_t whylen, int col, const char *v, size_t n, const char *fmt, ...)
{
    size_t o = (size_t)snprintf(why, whylen, "%s: ", column_names[col].name);
    va_list ap;
    va_start(ap, fmt);
    if (o < whylen)
        o += (size_t)vsnprintf(why + o, whylen - o, fmt, ap);
    va_end(ap);
    if (v && o + 4 < whylen) {
        char shown[48];
        size_t k = 0;
        for (size_t i = 0; i < n && k < 40; i++)
            shown[k++] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
        if (n > 40)
            shown[k++] = '.', shown[k++] = '.', shown[k++] = '.';
        shown[k] = 0;
        snprintf(why + o, whylen - o, " '%s'", shown);
    }
    return -1;
}

static bool parse_u32(const char *p, size_t n, uint32_t *out)
{
    uint64_t v;
    if (!digits_u64(p, n, 10, UINT32_MAX, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

/* An airport code or enum value: 1..31 letters, digits or '_', stored
 * upper-case; the vocabulary (vocab.h) then decides whether it is known. */
static bool token(const char *p, size_t n, char *out)
{
    if (n == 0 || n >= STORE_DICT_STRLEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 'a' && c <= 'z')
            c -= 'a' - 'A';
        else if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') && c != '_')
            return false;
        out[i] = (char)c;
    }
    return true;
}

static int zone_id(row_parser *p, int k, const iso_datetime *dt, const char *end)
{
    if (!dt->has_time)
        return dict_id(p, STORE_DICT_ZONE, SLOT_ZONE0 + k, STORE_ZONE_DATE_ONLY, strlen(STORE_ZONE_DATE_ONLY));
    /* Most dumps have one zone in every datetime of every row: the last
     * "±HH:MM" first, compared as one number. */
    uint64_t z6 = 0;
    if (dt->zone_len == 6) {
        uint32_t a;
        uint16_t b;
        memcpy(&a, dt->zone, 4);
        memcpy(&b, dt->zone + 4, 2);
        z6 = (uint64_t)a | (uint64_t)b << 32 | (uint64_t)1 << 48;
        if (z6 == p->zone6_key && p->zone6_id >= 0)
            return p->zone6_id;
    }
    uint64_t key[3];
    int id = raw_lookup(p, STORE_DICT_ZONE, dt->zone, dt->zone_len, end, key);
    if (id < 0 && (id = dict_id(p, STORE_DICT_ZONE, SLOT_ZONE0 + k, dt->zone, dt->zone_len)) >= 0)
        raw_insert(p, STORE_DICT_ZONE, dt->zone_len, key, id);
    if (id >= 0 && z6) {
        p->zone6_key = z6;
        p->zone6_id = id;
    }
    return id;
}

/* A token-checked dictionary value (airport, meal, room): the raw-value
 * cache first, else token(), the check, dict_id(). Returns the id, or
 * DICT_BAD_TOKEN / DICT_BAD_AIRPORT / dict_id's negative answers. */
#define DICT_BAD_TOKEN (-3)
#define DICT_BAD_AIRPORT (-4)

static int token_id(row_parser *p, int d, int field, const char *v, size_t n, const char *end)
{
    uint64_t key[3];
    int id = raw_lookup(p, d, v, n, end, key);
    if (id >= 0)
        return id;
    char tok[STORE_DICT_STRLEN];
    if (!token(v, n, tok))
        return DICT_BAD_TOKEN;
    if (d == STORE_DICT_AIRPORT && !vocab_airport(tok, n))
        return DICT_BAD_AIRPORT;
    if ((id = dict_id(p, d, field, tok, n)) >= 0)
        raw_insert(p, d, n, key, id);
    return id;
}

static inline bool two_digits(const char *s, unsigned *out)
{
    unsigned a = (unsigned)(unsigned char)s[0] - '0', b = (unsigned)(unsigned char)s[1] - '0';
    *out = a * 10 + b;
    return a <= 9 && b <= 9;
}

/* The day number of a "YYYY-MM-DD" (s has at least 10 bytes) through the
 * date cache; false if it is not a valid date. */
static bool cached_date(row_parser *p, const char *s, int32_t *day)
{
    uint64_t ymd;
    uint16_t dd;
    memcpy(&ymd, s, 8);
    memcpy(&dd, s + 8, 2);
    unsigned h = (unsigned)(((ymd * 0x9E3779B97F4A7C15u) ^ ((uint64_t)dd * 0xC2B2AE3D27D4EB4Fu)) >> 54);
    date_cache_slot *c = &p->dates[h & (DATE_CACHE_SLOTS - 1)];
    if (c->day != INT32_MIN && c->ymd == ymd && c->dd == dd) {
        *day = c->day;
        return true;
    }
    if (!days_parse_date(s, 10, day))
        return false;
    *c = (date_cache_slot){ymd, dd, *day};
    return true;
}

/* parse_iso_datetime, with a shortcut for the dump's own spelling
 * "YYYY-MM-DDTHH:MM:SS+HH:MM": the same answer, and anything the shortcut
 * does not accept goes to parse_iso_datetime, which decides. */
static bool datetime(row_parser *p, const char *s, size_t n, iso_datetime *out)
{
    unsigned hh, mi, ss, zh, zm;
    int32_t day;
    if (n == 25 && s[10] == 'T' && s[13] == ':' && s[16] == ':' && (s[19] == '+' || s[19] == '-') && s[22] == ':' &&
        two_digits(s + 11, &hh) && two_digits(s + 14, &mi) && two_digits(s + 17, &ss) && two_digits(s + 20, &zh) &&
        two_digits(s + 23, &zm) && hh <= 23 && mi <= 59 && ss <= 59 && zh <= 23 && zm <= 59 && cached_date(p, s, &day)) {
        out->day = day;
        out->sec = hh * 3600 + mi * 60 + ss;
        out->has_time = true;
        out->zone = s + 19;
        out->zone_len = 6;
        return true;
    }
    return parse_iso_datetime(s, n, out);
}

int row_parse(row_parser *p, const char *line, size_t n, offer_row *out, char *why, size_t whylen)
{
    const row_layout *L = p->layout;
    csv_field f[ROW_MAX_FIELDS];
    const char *split_why;
    int nf = csv_split(line, n, L->delim, f, ROW_MAX_FIELDS, &split_why);
    if ((nf < 0 || nf != L->n_fields) && memchr(line, '\r', n)) { /* only the error path looks */
        snprintf(why, whylen, "a carriage return (CR) inside the line: CR-only or mixed line endings?");
        return -1;
    }
    if (nf < 0) {
        snprintf(why, whylen, "malformed CSV: %s", split_why);
        return -1;
    }
    if (nf != L->n_fields) {
        snprintf(why, whylen, "expected %d fields, found %d", L->n_fields, nf);
        return -1;
    }
    const char *v[COL_COUNT];
    size_t len[COL_COUNT];
    for (int c = 0; c < COL_COUNT; c++) {
        v[c] = f[L->field_of[c]].p;
        len[c] = f[L->field_of[c]].len;
        if (len[c] && (*v[c] == ' ' || *v[c] == '\t' || v[c][len[c] - 1] == ' ' || v[c][len[c] - 1] == '\t'))
            trim(&v[c], &len[c]);
    }
    memset(out, 0, sizeof *out);

    uint32_t u;
    if (!parse_u32(v[COL_HOTEL_ID], len[COL_HOTEL_ID], &out->hotel_id))
        return reject(why, whylen, COL_HOTEL_ID, v[COL_HOTEL_ID], len[COL_HOTEL_ID], "not a hotel id");
    if (!parse_u32(v[COL_ADULTS], len[COL_ADULTS], &u) || u > 255)
        return reject(why, whylen, COL_ADULTS, v[COL_ADULTS], len[COL_ADULTS], "not a count 0..255");
    out->adults = (uint8_t)u;
    if (!parse_u32(v[COL_CHILDREN], len[COL_CHILDREN], &u) || u > 255)
        return reject(why, whylen, COL_CHILDREN, v[COL_CHILDREN], len[COL_CHILDREN], "not a count 0..255");
    out->children = (uint8_t)u;

    /* Prices are whole euros; "1606.00" is accepted, "1606.5" is not. */
    size_t plen = len[COL_PRICE];
    const char *dot = NULL; /* a loop: prices are a few bytes, shorter than a memchr call */
    for (size_t i = 0; i < plen && !dot; i++)
        if (v[COL_PRICE][i] == '.')
            dot = v[COL_PRICE] + i;
    if (dot) {
        if (dot + 1 == v[COL_PRICE] + plen) /* "1606." */
            return reject(why, whylen, COL_PRICE, v[COL_PRICE], plen, "not a price in euros");
        for (const char *q = dot + 1; q < v[COL_PRICE] + plen; q++)
            if (*q != '0')
                return reject(why, whylen, COL_PRICE, v[COL_PRICE], plen, "not a whole euro amount");
        plen = (size_t)(dot - v[COL_PRICE]);
    }
    if (!parse_u32(v[COL_PRICE], plen, &out->price) || out->price == UINT32_MAX) /* MAX means "no limit" */
        return reject(why, whylen, COL_PRICE, v[COL_PRICE], len[COL_PRICE], "not a price in euros");

    iso_datetime od, oa, id, ia;
    if (!datetime(p, v[COL_OUT_DEP_DT], len[COL_OUT_DEP_DT], &od))
        return reject(why, whylen, COL_OUT_DEP_DT, v[COL_OUT_DEP_DT], len[COL_OUT_DEP_DT], "not a date/datetime");
    if (!datetime(p, v[COL_IN_DEP_DT], len[COL_IN_DEP_DT], &id))
        return reject(why, whylen, COL_IN_DEP_DT, v[COL_IN_DEP_DT], len[COL_IN_DEP_DT], "not a date/datetime");
    if (!datetime(p, v[COL_OUT_ARR_DT], len[COL_OUT_ARR_DT], &oa))
        return reject(why, whylen, COL_OUT_ARR_DT, v[COL_OUT_ARR_DT], len[COL_OUT_ARR_DT], "not a date/datetime");
    if (!datetime(p, v[COL_IN_ARR_DT], len[COL_IN_ARR_DT], &ia))
        return reject(why, whylen, COL_IN_ARR_DT, v[COL_IN_ARR_DT], len[COL_IN_ARR_DT], "not a date/datetime");
    if (od.day < 0 || od.day > UINT16_MAX)
        return reject(why, whylen, COL_OUT_DEP_DT, v[COL_OUT_DEP_DT], len[COL_OUT_DEP_DT], "date out of range");
    if (id.day < od.day)
        return reject(why, whylen, COL_IN_DEP_DT, v[COL_IN_DEP_DT], len[COL_IN_DEP_DT], "return is before departure");
    if (id.day - od.day > 365)
        return reject(why, whylen, COL_IN_DEP_DT, v[COL_IN_DEP_DT], len[COL_IN_DEP_DT], "trip longer than 365 nights");
    if (od.zone_len >= STORE_DICT_STRLEN || oa.zone_len >= STORE_DICT_STRLEN ||
        id.zone_len >= STORE_DICT_STRLEN || ia.zone_len >= STORE_DICT_STRLEN)
        return reject(why, whylen, COL_OUT_DEP_DT, NULL, 0, "zone suffix too long");
    out->dep_day = (uint16_t)od.day;
    out->nights = (uint16_t)(id.day - od.day);
    out->detail.out_arr_delta = (int32_t)((int64_t)(oa.day - od.day) * 86400 + oa.sec - od.sec);
    out->detail.in_arr_delta = (int32_t)((int64_t)(ia.day - id.day) * 86400 + ia.sec - id.sec);
    const char *end = line + n;
    int z[4] = {zone_id(p, 0, &od, end), zone_id(p, 1, &oa, end), zone_id(p, 2, &id, end), zone_id(p, 3, &ia, end)};
    for (int k = 0; k < 4; k++)
        if (z[k] < 0 || z[k] > STORE_ZONE_MAX)
            return reject(why, whylen, COL_OUT_DEP_DT, NULL, 0, "too many distinct time-zone suffixes");
    out->detail.out_dep = DETAIL_PACK(od.sec, z[0], z[1]);
    out->detail.in_dep = DETAIL_PACK(id.sec, z[2], z[3]);

    static const int airport_cols[4] = {COL_OUT_DEP_AIRPORT, COL_OUT_ARR_AIRPORT, COL_IN_DEP_AIRPORT,
                                        COL_IN_ARR_AIRPORT};
    int ap[4];
    for (int k = 0; k < 4; k++) {
        int c = airport_cols[k];
        ap[k] = token_id(p, STORE_DICT_AIRPORT, SLOT_OUT_DEP_AIRPORT + k, v[c], len[c], end);
        if (ap[k] == DICT_BAD_TOKEN || ap[k] == DICT_BAD_AIRPORT)
            return reject(why, whylen, c, v[c], len[c], "not a 3-letter IATA airport code");
        if (ap[k] < 0)
            return reject(why, whylen, c, v[c], len[c], "more than %d distinct airports", STORE_DICT_MAX);
    }
    out->airport = (uint8_t)ap[0];
    out->detail.out_arr_airport = (uint8_t)ap[1];
    out->detail.in_dep_airport = (uint8_t)ap[2];
    out->detail.in_arr_airport = (uint8_t)ap[3];

    int meal = token_id(p, STORE_DICT_MEAL, SLOT_MEAL, v[COL_MEAL], len[COL_MEAL], end);
    if (meal == DICT_BAD_TOKEN)
        return reject(why, whylen, COL_MEAL, v[COL_MEAL], len[COL_MEAL], "not a meal type");
    if (meal < 0)
        return reject(why, whylen, COL_MEAL, v[COL_MEAL], len[COL_MEAL],
                      meal == DICT_UNKNOWN ? "unknown meal type" : "too many distinct meal types");
    int room = token_id(p, STORE_DICT_ROOM, SLOT_ROOM, v[COL_ROOM], len[COL_ROOM], end);
    if (room == DICT_BAD_TOKEN)
        return reject(why, whylen, COL_ROOM, v[COL_ROOM], len[COL_ROOM], "not a room type");
    if (room < 0)
        return reject(why, whylen, COL_ROOM, v[COL_ROOM], len[COL_ROOM],
                      room == DICT_UNKNOWN ? "unknown room type" : "too many distinct room types");
    out->meal = (uint8_t)meal;

    const char *ov = v[COL_OCEAN_VIEW];
    size_t ol = len[COL_OCEAN_VIEW];
    bool ocean;
    if ((ol == 4 && !strncasecmp(ov, "true", 4)) || (ol == 1 && *ov == '1'))
        ocean = true;
    else if ((ol == 5 && !strncasecmp(ov, "false", 5)) || (ol == 1 && *ov == '0'))
        ocean = false;
    else
        return reject(why, whylen, COL_OCEAN_VIEW, ov, ol, "not true/false");
    out->room_ocean = (uint8_t)(room | (ocean ? STORE_OCEAN_BIT : 0));
    return 0;
}
