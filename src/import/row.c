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

static int zone_id(row_parser *p, int k, const iso_datetime *dt)
{
    if (!dt->has_time)
        return dict_id(p, STORE_DICT_ZONE, SLOT_ZONE0 + k, STORE_ZONE_DATE_ONLY, strlen(STORE_ZONE_DATE_ONLY));
    return dict_id(p, STORE_DICT_ZONE, SLOT_ZONE0 + k, dt->zone, dt->zone_len);
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
    const char *dot = memchr(v[COL_PRICE], '.', plen);
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
    if (!parse_iso_datetime(v[COL_OUT_DEP_DT], len[COL_OUT_DEP_DT], &od))
        return reject(why, whylen, COL_OUT_DEP_DT, v[COL_OUT_DEP_DT], len[COL_OUT_DEP_DT], "not a date/datetime");
    if (!parse_iso_datetime(v[COL_IN_DEP_DT], len[COL_IN_DEP_DT], &id))
        return reject(why, whylen, COL_IN_DEP_DT, v[COL_IN_DEP_DT], len[COL_IN_DEP_DT], "not a date/datetime");
    if (!parse_iso_datetime(v[COL_OUT_ARR_DT], len[COL_OUT_ARR_DT], &oa))
        return reject(why, whylen, COL_OUT_ARR_DT, v[COL_OUT_ARR_DT], len[COL_OUT_ARR_DT], "not a date/datetime");
    if (!parse_iso_datetime(v[COL_IN_ARR_DT], len[COL_IN_ARR_DT], &ia))
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
    int z[4] = {zone_id(p, 0, &od), zone_id(p, 1, &oa), zone_id(p, 2, &id), zone_id(p, 3, &ia)};
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
        char tok[STORE_DICT_STRLEN];
        if (!token(v[c], len[c], tok) || !vocab_airport(tok, len[c]))
            return reject(why, whylen, c, v[c], len[c], "not a 3-letter IATA airport code");
        if ((ap[k] = dict_id(p, STORE_DICT_AIRPORT, SLOT_OUT_DEP_AIRPORT + k, tok, len[c])) < 0)
            return reject(why, whylen, c, v[c], len[c], "more than %d distinct airports", STORE_DICT_MAX);
    }
    out->airport = (uint8_t)ap[0];
    out->detail.out_arr_airport = (uint8_t)ap[1];
    out->detail.in_dep_airport = (uint8_t)ap[2];
    out->detail.in_arr_airport = (uint8_t)ap[3];

    char tok[STORE_DICT_STRLEN];
    int meal, room;
    if (!token(v[COL_MEAL], len[COL_MEAL], tok))
        return reject(why, whylen, COL_MEAL, v[COL_MEAL], len[COL_MEAL], "not a meal type");
    if ((meal = dict_id(p, STORE_DICT_MEAL, SLOT_MEAL, tok, len[COL_MEAL])) < 0)
        return reject(why, whylen, COL_MEAL, v[COL_MEAL], len[COL_MEAL],
                      meal == DICT_UNKNOWN ? "unknown meal type" : "too many distinct meal types");
    if (!token(v[COL_ROOM], len[COL_ROOM], tok))
        return reject(why, whylen, COL_ROOM, v[COL_ROOM], len[COL_ROOM], "not a room type");
    if ((room = dict_id(p, STORE_DICT_ROOM, SLOT_ROOM, tok, len[COL_ROOM])) < 0)
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
