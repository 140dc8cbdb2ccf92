#include "diff.h"

/* ------------------------------------------------------------------ */
/* loading the dump into SQLite, independently of isla                  */

sqlite3 *db;
bool verbose;

static void sql_exec(const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        die("sqlite: %s\n  in: %.300s", err ? err : "?", sql);
}

sqlite3_stmt *sql_prep(const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die("sqlite prepare: %s\n  in: %.500s", sqlite3_errmsg(db), sql);
    return st;
}

int64_t sql_int(const char *sql)
{
    sqlite3_stmt *st = sql_prep(sql);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s: %s", path, strerror(errno));
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0)
        die("cannot size %s", path);
    char *buf = must_malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        die("cannot read %s", path);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

/* Splits one CSV line [p, end) on `delim` into fields, unquoting in place
 * ("" inside quotes is a quote). Returns the number of fields. */
static int split_csv(char *p, char *end, char delim, char **fld, size_t *flen, int max)
{
    int n = 0;
    for (;;) {
        if (n == max)
            return n + 1;
        char *w = p, *start = p;
        if (p < end && *p == '"') {
            p++;
            while (p < end) {
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        *w++ = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            while (p < end && *p != delim)
                p++; /* junk after the closing quote: ignored */
        } else {
            while (p < end && *p != delim)
                *w++ = *p++;
        }
        fld[n] = start;
        flen[n] = (size_t)(w - start);
        n++;
        if (p >= end)
            return n;
        p++; /* the delimiter */
    }
}

static const char *const col_names[NCOL] = {
    "hotelid", "outbounddeparturedatetime", "inbounddeparturedatetime", "countadults", "countchildren",
    "price", "inbounddepartureairport", "outboundarrivalairport", "inboundarrivaldatetime",
    "outbounddepartureairport", "inboundarrivalairport", "outboundarrivaldatetime", "mealtype",
    "oceanview", "roomtype"};

uint64_t csv_rows, csv_dups;
bool sql_dedup;


static uint64_t key_hash(const char *p, size_t n)
{
    uint64_t h = 0x6A09E667F3BCC909ull ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001B3ull;
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
}

/* Inserts the key; false if an equal key was there already. */
static bool row_set_add(row_slot *set, size_t mask, const char *key, size_t len)
{
    uint64_t h = key_hash(key, len);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        row_slot *s = &set[i];
        if (!s->key) {
            *s = (row_slot){h, key, (uint32_t)len};
            return true;
        }
        if (s->hash == h && s->len == len && !memcmp(s->key, key, len))
            return false;
    }
}


anchor_t *anchors;
size_t n_anchors;


static int row_ref_cmp(const void *x, const void *y)
{
    const row_ref *a = x, *b = y;
    if (a->k1 != b->k1)
        return a->k1 < b->k1 ? -1 : 1;
    if (a->k2 != b->k2)
        return a->k2 < b->k2 ? -1 : 1;
    return a->key < b->key ? -1 : a->key > b->key; /* file order */
}

/* Splits a key back into its 15 values. */
static void key_fields(const char *key, size_t len, const char **f, size_t *fl)
{
    const char *p = key, *end = key + len;
    for (int c = 0; c < NCOL; c++) {
        const char *q = memchr(p, 0x1F, (size_t)(end - p));
        if (!q)
            q = end;
        f[c] = p;
        fl[c] = (size_t)(q - p);
        p = q < end ? q + 1 : end;
    }
}

static bool parse_uint_field(const char *p, size_t n, int64_t *v)
{
    if (n == 0 || n > 12)
        return false;
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        *v = *v * 10 + (p[i] - '0');
    }
    return true;
}

/* Day number of the first 10 characters, or -1. Only orders the rows
 * (the nights the oracle compares come from SQLite's julianday). */
static int lax_day(const char *p, size_t n)
{
    if (n < 10 || p[4] != '-' || p[7] != '-')
        return -1;
    char d[11];
    memcpy(d, p, 10);
    d[10] = 0;
    int lo = 0, hi = CAL_DAYS - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(cal[mid], d);
        if (!c)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static void load_offers(const char *path, uint64_t seed)
{
    size_t len;
    char *buf = read_file(path, &len);
    char *p = buf, *end = buf + len;
    char *fld[64];
    size_t flen[64];
    int map[NCOL];

    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *le = nl ? nl : end;
    if (le > p && le[-1] == '\r')
        le--;
    int nf = split_csv(p, le, ',', fld, flen, 64);
    for (int c = 0; c < NCOL; c++) {
        map[c] = -1;
        for (int k = 0; k < nf && k < 64; k++)
            if (flen[k] == strlen(col_names[c]) && !strncasecmp(fld[k], col_names[c], flen[k]))
                map[c] = k;
        if (map[c] < 0)
            die("%s: header has no column %s", path, col_names[c]);
    }
    p = nl ? nl + 1 : end;

    size_t lines = 1;
    for (char *q = p; q < end && (q = memchr(q, '\n', (size_t)(end - q))); q++)
        lines++;
    size_t cap = 1024;
    while (cap < lines * 2)
        cap *= 2;
    row_slot *set = calloc(cap, sizeof *set);
    row_ref *rows = must_malloc(lines * sizeof *rows);
    size_t nrows = 0;
    if (!set)
        die("out of memory");
    char *key = must_malloc(65536);
    sql_dedup = lines <= SQL_DEDUP_MAX;

    double t0 = now_s();
    /* 1. parse, and find the duplicates */
    uint64_t line = 1;
    while (p < end) {
        nl = memchr(p, '\n', (size_t)(end - p));
        le = nl ? nl : end;
        line++;
        char *next = nl ? nl + 1 : end;
        if (le > p && le[-1] == '\r')
            le--;
        if (le == p) {
            p = next;
            continue;
        }
        nf = split_csv(p, le, ',', fld, flen, 64);
        for (int c = 0; c < NCOL; c++)
            if (map[c] >= nf)
                die("%s:%llu: %d fields", path, (unsigned long long)line, nf);
        csv_rows++;
        /* the key, built aside and then moved to the start of the line
         * (it is never longer than the line: every value lost its quotes
         * or at least its delimiter) */
        size_t kl = 0;
        for (int c = 0; c < NCOL; c++) {
            int k = map[c];
            if (kl + flen[k] + 1 > 65536)
                die("%s:%llu: line too long", path, (unsigned long long)line);
            memcpy(key + kl, fld[k], flen[k]);
            kl += flen[k];
            key[kl++] = 0x1F;
        }
        kl--;
        memcpy(p, key, kl);
        if (!row_set_add(set, cap - 1, p, kl)) {
            csv_dups++;
            if (!sql_dedup) {
                p = next;
                continue;
            }
        }
        const char *f[NCOL];
        size_t fl[NCOL];
        key_fields(p, kl, f, fl);
        int64_t a, c, h, price;
        if (!parse_uint_field(f[C_ADULTS], fl[C_ADULTS], &a) || !parse_uint_field(f[C_CHILDREN], fl[C_CHILDREN], &c) ||
            !parse_uint_field(f[C_HOTEL], fl[C_HOTEL], &h) || !parse_uint_field(f[C_PRICE], fl[C_PRICE], &price))
            die("%s:%llu: a count, hotel id or price is not a number", path, (unsigned long long)line);
        int dd = lax_day(f[C_ODT], fl[C_ODT]), rd = lax_day(f[C_IDT], fl[C_IDT]);
        int n = dd >= 0 && rd >= 0 ? rd - dd : 0;
        rows[nrows++] = (row_ref){(uint64_t)(a & 0xFFFF) << 48 | (uint64_t)(c & 0xFFFF) << 32 | (uint32_t)n,
                                  (uint64_t)(h & 0xFFFFFFFF) << 32 | (uint32_t)dd, p, (uint32_t)kl};
        p = next;
    }
    free(set);
    free(key);

    /* 2. in the table's order, so the b-tree grows at its end */
    double t1 = now_s();
    if (nrows > 1)
        qsort(rows, nrows, sizeof *rows, row_ref_cmp);
    double t2 = now_s();

    /* 3. the table: clustered by (adults, children, nights, hotel,
     * departure date), so a search reads one range per hotel. Columns as
     * in the dump plus the derived departure date, return date and nights.
     * A row identical in all 15 dump columns to an earlier one is a
     * duplicate and left out. Up to SQL_DEDUP_MAX rows SQLite finds the
     * duplicates itself (UNIQUE over all 15 columns), checking the hash
     * set; above that its b-tree inserts would take most of the time. */
    sql_exec("CREATE TABLE offers(a INT, c INT, n INT, hotel INT, dep TEXT, seq INT, ret TEXT, price INT,"
             " odt TEXT, idt TEXT, odep TEXT, oarr TEXT, idep TEXT, iarr TEXT, oarrdt TEXT, iarrdt TEXT,"
             " meal TEXT, ocean TEXT, room TEXT, PRIMARY KEY(a,c,n,hotel,dep,seq)) WITHOUT ROWID");
    if (sql_dedup)
        sql_exec("CREATE UNIQUE INDEX offers_distinct ON offers"
                 "(hotel,odt,idt,a,c,price,idep,oarr,iarrdt,odep,iarr,oarrdt,meal,ocean,room)");
    sql_exec("BEGIN");
    sqlite3_stmt *ins = sql_prep(
        "INSERT OR IGNORE INTO offers(hotel,odt,idt,a,c,price,idep,oarr,iarrdt,odep,iarr,oarrdt,meal,ocean,room,"
        "dep,ret,n,seq) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
        "substr(?2,1,10),substr(?3,1,10),"
        "CAST(round(julianday(substr(?3,1,10))-julianday(substr(?2,1,10))) AS INTEGER),?16)");
    for (size_t i = 0; i < nrows; i++) {
        const char *f[NCOL];
        size_t fl[NCOL];
        key_fields(rows[i].key, rows[i].len, f, fl);
        for (int c = 0; c < NCOL; c++) {
            int64_t v;
            if ((c == C_HOTEL || c == C_ADULTS || c == C_CHILDREN || c == C_PRICE) && parse_uint_field(f[c], fl[c], &v))
                sqlite3_bind_int64(ins, c + 1, v);
            else
                sqlite3_bind_text(ins, c + 1, f[c], (int)fl[c], SQLITE_STATIC);
        }
        sqlite3_bind_int64(ins, 16, (int64_t)i);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die("sqlite insert: %s", sqlite3_errmsg(db));
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sql_exec("COMMIT");
    if (verbose)
        printf("# load: parse %.2f s, sort %.2f s, insert %.2f s\n", t1 - t0, t2 - t1, now_s() - t2);

    /* 4. the anchors: a random sample of the distinct rows */
    rng_t r = {seed ^ 0xA5A5A5A5DEADBEEFull};
    n_anchors = nrows < 20000 ? nrows : 20000;
    anchors = must_malloc((n_anchors ? n_anchors : 1) * sizeof *anchors);
    for (size_t i = 0; i < n_anchors; i++) {
        const row_ref *rr = &rows[rnd_below(&r, (uint32_t)nrows)];
        const char *f[NCOL];
        size_t fl[NCOL];
        key_fields(rr->key, rr->len, f, fl);
        anchor_t *an = &anchors[i];
        an->adults = (int)(rr->k1 >> 48);
        an->children = (int)(rr->k1 >> 32 & 0xFFFF);
        an->nights = (int)(uint32_t)rr->k1;
        an->dep_day = (int)(uint32_t)rr->k2;
        int64_t v = 0;
        parse_uint_field(f[C_PRICE], fl[C_PRICE], &v);
        an->price = (long)v;
        fmt_s(an->odep, sizeof an->odep, "%.*s", (int)fl[C_ODEP], f[C_ODEP]);
        fmt_s(an->oarr, sizeof an->oarr, "%.*s", (int)fl[C_OARR], f[C_OARR]);
        fmt_s(an->meal, sizeof an->meal, "%.*s", (int)fl[C_MEAL], f[C_MEAL]);
        fmt_s(an->room, sizeof an->room, "%.*s", (int)fl[C_ROOM], f[C_ROOM]);
        fmt_s(an->ocean, sizeof an->ocean, "%.*s", (int)fl[C_OCEAN], f[C_OCEAN]);
        if (an->dep_day < 1 || an->dep_day >= CAL_DAYS - 400)
            an->dep_day = 19358; /* 2023-01-01 */
    }
    free(rows);
    free(buf);
}

/* hotels.csv: "hotelid;hotelname;hotelstars", CRLF, names may end in spaces;
 * `isla gen --hotels-out` adds a last column "destination" (an IATA code). */
static void load_hotels(const char *path)
{
    size_t len;
    char *buf = read_file(path, &len);
    char *p = buf, *end = buf + len;
    sqlite3_stmt *ins = sql_prep("INSERT OR REPLACE INTO hotels(id,name,stars,dest) VALUES(?1,?2,?3,?4)");
    bool header = true, with_dest = false;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        char *next = nl ? nl + 1 : end;
        while (le > p && (le[-1] == '\r' || le[-1] == ' '))
            le--;
        if (header) {
            with_dest = le - p >= 12 && !strncasecmp(le - 12, ";destination", 12);
            header = false;
            p = next;
            continue;
        }
        if (le <= p) {
            p = next;
            continue;
        }
        sqlite3_bind_null(ins, 4);
        if (with_dest) {
            char *d = le;
            while (d > p && d[-1] != ';')
                d--;
            if (d == p)
                die("%s: bad line '%.60s'", path, p);
            if (d < le)
                sqlite3_bind_text(ins, 4, d, (int)(le - d), SQLITE_TRANSIENT);
            le = d - 1;
        }
        size_t ll = (size_t)(le - p);
        char *s1 = memchr(p, ';', ll);
        char *s2 = le;
        while (s2 > p && s2[-1] != ';')
            s2--;
        if (!s1 || s2 - 1 <= s1)
            die("%s: bad line '%.60s'", path, p);
        long id = strtol(p, NULL, 10);
        char stars[16];
        fmt_s(stars, sizeof stars, "%.*s", (int)(le - s2), s2);
        sqlite3_bind_int64(ins, 1, id);
        sqlite3_bind_text(ins, 2, s1 + 1, (int)(s2 - 1 - (s1 + 1)), SQLITE_STATIC);
        sqlite3_bind_double(ins, 3, strtod(stars, NULL));
        if (sqlite3_step(ins) != SQLITE_DONE)
            die("sqlite insert hotel: %s", sqlite3_errmsg(db));
        sqlite3_reset(ins);
        p = next;
    }
    sqlite3_finalize(ins);
    free(buf);
}

void create_db(const char *offers_csv, const char *hotels_csv, uint64_t seed)
{
    if (sqlite3_open(":memory:", &db) != SQLITE_OK)
        die("sqlite3_open failed");
    sql_exec("PRAGMA page_size=65536; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;"
             "PRAGMA cache_size=-4000000; PRAGMA threads=2;");
    sql_exec("CREATE TABLE hotels(id INTEGER PRIMARY KEY, name TEXT, stars REAL, dest TEXT)");
    double t0 = now_s();
    load_hotels(hotels_csv);
    load_offers(offers_csv, seed);
    double t1 = now_s();
    /* the hotels that have offers for each (adults, children, nights) */
    sql_exec("CREATE TABLE group_hotels(a INT, c INT, n INT, hotel INT, PRIMARY KEY(a,c,n,hotel)) WITHOUT ROWID");
    sql_exec("INSERT INTO group_hotels SELECT DISTINCT a,c,n,hotel FROM offers");
    /* hotel offers without a party read by hotel */
    sql_exec("CREATE INDEX offers_hotel ON offers(hotel, price)");
    /* where each hotel's offers fly */
    sql_exec("CREATE TABLE hotel_dests(hotel INT, dest TEXT, PRIMARY KEY(hotel,dest)) WITHOUT ROWID");
    sql_exec("INSERT INTO hotel_dests SELECT DISTINCT hotel, upper(oarr) FROM offers");
    if (verbose)
        printf("# sqlite load: rows %.2f s, group_hotels %.2f s\n", t1 - t0, now_s() - t1);
}
