/* Differential test: isla's search engine against SQLite as the oracle.
 *
 *   diff_sqlite --offers N --seed S --searches K [--bin build/isla]
 *               [--workdir DIR] [--keep] [--hotels PATH] [--shared DIR]
 *               [--destinations PMI,IBZ,...] [--details N] [--verbose]
 *
 * With --destinations the dump covers several destinations (`isla gen
 * --destinations`, its --hotels-out file as hotels.csv): searches then
 * filter by destination (codes, names, several, none, one the data lacks).
 * Every run also mixes in the guides' forms: no `duration`, the
 * departureDate/returnDate aliases, `fields=`, and hotel offers with no or
 * only some search parameters, paged to the end.
 *
 * 1. `isla gen` writes a dump (the real generator, run as a process);
 * 2. import_run() imports it in-process and store_open() opens it;
 * 3. the same CSV is parsed here, independently of isla, into an in-memory
 *    SQLite database whose SQL spells out PRODUCT.md's search semantics;
 * 4. K random searches (deterministic per seed) are written as query
 *    strings, parsed by params_parse(), and run through query_best_offers(),
 *    query_sort_best() and query_hotel_offers() (paged with the cursor
 *    from cursor_encode(), fed back through params_parse());
 * 5. every answer is compared with the SQL answer; offers and best offers
 *    are read from isla's own JSON (render_offer, render_best).
 *
 * Output: "ok <what>" / "FAIL <what>: ..." lines (the import check, then
 * one per search class), details of the first mismatches (--details), "#"
 * lines with timings, and a last line "N passed, M failed" counting
 * searches (a failed import check counts as one more failure). Exit status
 * 0 iff nothing failed.
 *
 * The oracle never uses isla's code: dates, nights, duplicates, hotels and
 * the query parameters a search means are all computed here or in SQL. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "api/params.h"
#include "api/render.h"
#include "dest/dest.h"
#include "import/import.h"
#include "query/query.h"
#include "store/store.h"

extern char **environ;

/* ------------------------------------------------------------------ */
/* small helpers                                                        */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What to remove when giving up (see main). */
static char cleanup_dir[4200];
static void rm_rf(const char *path);

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    if (cleanup_dir[0])
        rm_rf(cleanup_dir);
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL setup: ");
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n0 passed, 1 failed\n");
    fflush(stdout);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

/* snprintf that may truncate on purpose (no truncation warnings). */
static int fmt_s(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fmt_s(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n;
}

/* A growing string. */
typedef struct {
    char *s;
    size_t len, cap;
} str_t;

static void sputn(str_t *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2 + 64;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void sputs(str_t *b, const char *p) { sputn(b, p, strlen(p)); }

static void sprintf_(str_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sprintf_(str_t *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        sputn(b, tmp, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sputn(b, big, (size_t)n);
    free(big);
}

static void sclear(str_t *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = 0;
}

/* Deterministic random numbers (splitmix64). */
typedef struct {
    uint64_t x;
} rng_t;

static uint64_t rnd(rng_t *r)
{
    uint64_t z = (r->x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t rnd_below(rng_t *r, uint32_t n) { return n ? (uint32_t)(rnd(r) % n) : 0; }
/* Uniform in [lo, hi]. */
static int rnd_range(rng_t *r, int lo, int hi) { return lo + (int)rnd_below(r, (uint32_t)(hi - lo + 1)); }
static bool chance(rng_t *r, double p) { return (double)(rnd(r) >> 11) / 9007199254740992.0 < p; }

/* ------------------------------------------------------------------ */
/* the oracle's own calendar: day number k <-> "YYYY-MM-DD"              */

#define CAL_DAYS 80000 /* 1970 .. ~2189 */
static char (*cal)[11];

static void cal_init(void)
{
    cal = xmalloc(sizeof *cal * CAL_DAYS);
    int y = 1970, m = 1, d = 1;
    for (int k = 0; k < CAL_DAYS; k++) {
        fmt_s(cal[k], 11, "%04d-%02d-%02d", y, m, d);
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int ml = len[m - 1] + (m == 2 && leap);
        if (++d > ml) {
            d = 1;
            if (++m > 12)
                m = 1, y++;
        }
    }
}

static int cal_day(const char *ymd)
{
    int lo = 0, hi = CAL_DAYS - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strncmp(cal[mid], ymd, 10);
        if (!c)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    die("date '%.10s' outside the test calendar", ymd);
}

/* ------------------------------------------------------------------ */
/* files and processes                                                  */

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

static void rm_rf(const char *path) { nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Runs argv with stdout/stderr as given (NULL: inherit); returns the exit
 * status, or -1. */
static int run_cmd(char *const argv[], const char *stdout_path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (stdout_path)
        posix_spawn_file_actions_addopen(&fa, 1, stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The repository a binary belongs to: the parent of the nearest ancestor
 * directory named "build". */
static bool repo_of(const char *bin, char *out, size_t cap)
{
    char real[PATH_MAX];
    if (!realpath(bin, real))
        return false;
    for (;;) {
        char *slash = strrchr(real, '/');
        if (!slash || slash == real)
            return false;
        *slash = 0;
        const char *base = strrchr(real, '/');
        base = base ? base + 1 : real;
        if (!strcmp(base, "build")) {
            char *p = strrchr(real, '/');
            if (!p)
                return false;
            if (p == real)
                p[1] = 0;
            else
                *p = 0;
            fmt_s(out, cap, "%s", real);
            return true;
        }
    }
}

/* ------------------------------------------------------------------ */
/* loading the dump into SQLite, independently of isla                  */

static sqlite3 *db;
static bool verbose;

static void sql_exec(const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        die("sqlite: %s\n  in: %.300s", err ? err : "?", sql);
}

static sqlite3_stmt *sql_prep(const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die("sqlite prepare: %s\n  in: %.500s", sqlite3_errmsg(db), sql);
    return st;
}

static int64_t sql_int(const char *sql)
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
    char *buf = xmalloc((size_t)n + 1);
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

enum {
    C_HOTEL, C_ODT, C_IDT, C_ADULTS, C_CHILDREN, C_PRICE, C_IDEP, C_OARR, C_IARRDT, C_ODEP, C_IARR,
    C_OARRDT, C_MEAL, C_OCEAN, C_ROOM, NCOL
};
static const char *const col_names[NCOL] = {
    "hotelid", "outbounddeparturedatetime", "inbounddeparturedatetime", "countadults", "countchildren",
    "price", "inbounddepartureairport", "outboundarrivalairport", "inboundarrivaldatetime",
    "outbounddepartureairport", "inboundarrivalairport", "outboundarrivaldatetime", "mealtype",
    "oceanview", "roomtype"};

static uint64_t csv_rows, csv_dups;
#define SQL_DEDUP_MAX 300000
static bool sql_dedup;

/* The set of distinct rows seen: each row's 15 values joined by 0x1F (the
 * key), compared in full on a hash hit, so duplicates are exact. */
typedef struct {
    uint64_t hash;
    const char *key;
    uint32_t len;
} row_slot;

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

/* A searchable sample of offers, to anchor searches in real data. */
typedef struct {
    int adults, children, nights, dep_day;
    long price;
    char odep[24], meal[24], room[24], ocean[8], oarr[24];
} anchor_t;

static anchor_t *anchors;
static size_t n_anchors;

/* One distinct row, in the order the table is filled. */
typedef struct {
    uint64_t k1;      /* adults, children, nights */
    uint64_t k2;      /* hotel, departure day */
    const char *key;  /* the 15 values, 0x1F-separated, in enum order */
    uint32_t len;
} row_ref;

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
    row_ref *rows = xmalloc(lines * sizeof *rows);
    size_t nrows = 0;
    if (!set)
        die("out of memory");
    char *key = xmalloc(65536);
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
    anchors = xmalloc((n_anchors ? n_anchors : 1) * sizeof *anchors);
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

static void create_db(const char *offers_csv, const char *hotels_csv, uint64_t seed)
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

/* ------------------------------------------------------------------ */
/* searches                                                             */

static const char *const AIRPORTS[] = {
    "FMO", "STR", "HAM", "LEJ", "NUE", "CGN", "FRA", "PAD", "HAJ", "BER", "FMM", "DUS",
    "SCN", "DRS", "BRE", "DTM", "MUC", "VIE", "NRN", "BSL", "HHN", "FKB", "ZRH", "SZG",
    "LUX", "AMS", "PRG", "FDH", "INN", "KSF", "LNZ", "EIN", "SXB", "BLL", "LBC", "BRU",
    "GRZ", "GWT", "CRL", "CSO", "WAW", "GVA", "ERF", "KRK", "BRN", "RLG", "KLU", "RTM"};
#define N_AIRPORTS (int)(sizeof AIRPORTS / sizeof *AIRPORTS)
static const char *const BIG_AIRPORTS[] = {"DUS", "FRA", "MUC", "HAM", "CGN", "STR", "BER", "HAJ", "NUE"};
static const char *const MEALS[] = {"NONE", "BREAKFAST", "HALFBOARD", "HALFBOARDPLUS", "FULLBOARD",
                                    "FULLBOARDPLUS", "ALLINCLUSIVE", "ALLINCLUSIVEPLUS",
                                    "ACCORDINGDESCRIPTION", "PROGRAM"};
static const char *const ROOMS[] = {"APARTMENT", "DOUBLE", "STUDIO", "SINGLE", "SUPERIOR",
                                    "ECONOMY", "FAMILY", "TRIPLE", "SUITE", "ACCORDINGDESCRIPTION",
                                    "BUNGALOW", "DELUXE", "MULTISHARE", "TWINROOM", "FOURBEDROOM",
                                    "VILLA", "HOLIDAYHOUSE", "JUNIORSUITE", "DUPLEX"};
#define COUNT(a) (int)(sizeof a / sizeof *a)

enum { K_NARROW, K_TYPICAL, K_BROAD, K_EMPTY, K_FILTERED, K_COUNT };
static const char *const class_names[K_COUNT] = {"narrow", "typical", "broad", "empty", "filtered"};

#define MAX_CODES 64
typedef struct {
    int n;
    char v[MAX_CODES][24];
} code_list;

/* What a search means, as the oracle understands it. */
typedef struct {
    int kind;
    int adults, children, nights;
    int earliest, latest;     /* calendar days */
    code_list airports;       /* n == 0: any */
    code_list meals, rooms;   /* n == 0: any */
    int ocean;                /* -1 any */
    int min_stars_x10;        /* 0 none */
    long max_price;           /* -1 none */
    code_list dests;          /* arrival airports; n == 0: any destination */
    bool any_nights;          /* no duration: any length of stay */
    bool alias;               /* departureDate/returnDate instead of the official names */
    uint32_t fields;          /* best offers' fields= (render.h bits), 0 = all keys */
    /* hotel offers may leave parameters out (the guides' form): */
    bool h_no_earliest, h_no_latest, h_no_nights, h_no_party, h_children, h_bare;
    char qs[8192];            /* the query string isla gets */
    char qs_best[8300];       /* the same for bestOffersByHotel (may add sort) */
    char qs_hotel[8192];      /* the same for hotel offers */
} spec_t;

/* Destinations of the data (--destinations; PMI alone without it), and
 * names the oracle knows for some of them (its own list, not isla's). */
static code_list data_dests;
static const struct {
    const char *code, *name;
} DEST_NAMES[] = {{"PMI", "Mallorca"}, {"PMI", "majorca"}, {"IBZ", "Ibiza"}, {"AYT", "antalya"},
                  {"HER", "Kreta"},    {"HER", "Crete"},   {"RHO", "Rhodes"}, {"LPA", "Gran-Canaria"},
                  {"TFS", "Teneriffa"}, {"HRG", "Hurghada"}, {"KGS", "Kos"},   {"CFU", "Korfu"}};
#define N_DEST_NAMES (int)(sizeof DEST_NAMES / sizeof *DEST_NAMES)

/* Query-string building: (key, value) pairs, shuffled, percent-encoded
 * here and there. */
typedef struct {
    int n;
    char k[80][48];
    char v[80][400];
} kv_list;

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

static void code_add(code_list *c, const char *v)
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

static void make_search(rng_t *r, int kind, spec_t *sp)
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
static void where_clause(const spec_t *sp, bool hotel, str_t *w)
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

/* ------------------------------------------------------------------ */
/* isla side: an offer as the tuple the oracle stores                   */

static const store_t *S;

/* isla's answers are read from its own JSON (render.h), as a client
 * would: a flat object, one nested level ("hotel.id"). */
typedef struct {
    char key[48];
    const char *v;  /* string values without their quotes */
    size_t n;
    bool str;
} jfield;

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

/* price|odt|idt|odep|oarr|idep|iarr|oarrdt|iarrdt|meal|room|ocean */
typedef struct {
    uint32_t price;
    char odt19[20];
    char key[400];
} tuple_t;

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

typedef struct {
    int searches, failed, nonempty;
    uint64_t offers;        /* matching offers (SQL count) */
    uint64_t hotels;        /* result hotels */
    uint64_t paged_offers;  /* hotel offers compared one by one */
    uint64_t pages;
} class_stats;

/* where the time goes (printed with the timings) */
enum { PR_SQL_BEST, PR_ISLA_BEST, PR_EXISTS, PR_SORT, PR_HOTEL_SQL, PR_HOTEL_ISLA, PR_OUTSIDE, PR_COUNT };
static const char *const prof_names[PR_COUNT] = {"sql-best", "isla-best", "sql-exists", "sort",
                                                 "sql-hotel-offers", "isla-hotel-offers", "sql-outside"};
static double prof[PR_COUNT];

static int details_printed;
static int max_details = 8;

typedef struct {
    const spec_t *sp;
    int problems;
    str_t msg;
} check_t;

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

typedef struct {
    int64_t hotel;
    int64_t min_price, count;
    int stars_x10;
} sql_best;

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
            *out = xrealloc(*out, *cap * sizeof **out);
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
                got = xrealloc(got, got_cap * sizeof *got);
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

static void run_search(const spec_t *sp, rng_t *r, class_stats *cs)
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
            want = xrealloc(want, want_cap * sizeof *want);
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
            sorted = xrealloc(sorted, sorted_cap * sizeof *sorted);
        }
        sql_best *w2 = xmalloc(nwant * sizeof *w2);
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

/* ------------------------------------------------------------------ */
/* bad input of the guides' forms: a 400 naming the parameter            */

static int check_bad_input(void)
{
    static const struct {
        params_kind kind;
        const char *qs, *param, *mentions;
    } cases[] = {
        {PARAMS_BEST_OFFERS, "earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-31&countAdults=2"
                             "&destination=Atlantis", "destination", "Atlantis"},
        {PARAMS_BEST_OFFERS, "earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-31&countAdults=2"
                             "&destination=PMI,P%3FI", "destination", "P?I"},
        {PARAMS_HOTEL_OFFERS, "destination=Narnia", "destination", "Narnia"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&earliestDepartureDate=2023-07-01"
                             "&latestReturnDate=2023-07-31&countAdults=2", "earliestDepartureDate", "not both"},
        {PARAMS_BEST_OFFERS, "earliestDepartureDate=2023-07-01&returnDate=2023-07-31&latestReturnDate=2023-07-31"
                             "&countAdults=2", "latestReturnDate", "not both"},
        {PARAMS_HOTEL_OFFERS, "returnDate=2023-07-31&latestReturnDate=2023-07-31", "latestReturnDate", "not both"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&returnDate=2023-07-31&countAdults=2&fields=hotel.id,size",
         "fields", "size"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&returnDate=2023-07-31&countAdults=2&fields=", "fields",
         "empty"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&returnDate=2023-07-31&countAdults=2&fields=minPrice,",
         "fields", "empty"},
        {PARAMS_HOTEL_OFFERS, "fields=countAvailableOffers", "fields", "countAvailableOffers"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&returnDate=2023-07-31", "countAdults", NULL},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&countAdults=2", "latestReturnDate", NULL},
        {PARAMS_HOTEL_OFFERS, "duration=-1", "duration", NULL},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        api_response res;
        memset(&res, 0, sizeof res);
        api_params p;
        int rc = params_parse(S, cases[i].qs, strlen(cases[i].qs), cases[i].kind, &p, &res);
        char want[96];
        fmt_s(want, sizeof want, "\"param\":\"%s\"", cases[i].param);
        char body[600];
        fmt_s(body, sizeof body, "%.*s", (int)(res.body.len < 599 ? res.body.len : 599), res.body.data ? res.body.data : "");
        if (rc == 0 || res.status != 400 || !strstr(body, want) || (cases[i].mentions && !strstr(body, cases[i].mentions))) {
            printf("FAIL bad input: %s: want 400 naming %s, got %d %s\n", cases[i].qs, cases[i].param, res.status,
                   body);
            bad++;
        }
        api_response_free(&res);
    }
    if (!bad)
        printf("ok bad input: %zu malformed guide-form queries answered 400 naming the parameter\n",
               sizeof cases / sizeof *cases);
    return bad;
}

/* ------------------------------------------------------------------ */
/* import check: the store holds exactly the distinct offers             */

static int check_import(const import_result *ir)
{
    int bad = 0;
    int64_t distinct = sql_int("SELECT COUNT(*) FROM offers");
    int64_t unknown_rows = sql_int("SELECT COUNT(*) FROM offers WHERE hotel NOT IN (SELECT id FROM hotels)");
    str_t m = {0};
    if ((uint64_t)distinct != csv_rows - csv_dups)
        sprintf_(&m, " oracle self-check: SQLite keeps %lld distinct rows, the hash set %llu;", (long long)distinct,
                 (unsigned long long)(csv_rows - csv_dups)), bad++;
    if ((int64_t)S->n_offers != distinct)
        sprintf_(&m, " store has %u offers, SQL has %lld distinct rows;", S->n_offers, (long long)distinct), bad++;
    if (ir->stats.rows != csv_rows)
        sprintf_(&m, " import read %llu rows, the CSV has %llu;", (unsigned long long)ir->stats.rows,
                 (unsigned long long)csv_rows), bad++;
    if (ir->stats.rejected)
        sprintf_(&m, " %llu rows rejected;", (unsigned long long)ir->stats.rejected), bad++;
    if (ir->stats.duplicates != csv_rows - (uint64_t)distinct)
        sprintf_(&m, " %llu duplicates reported, SQL finds %llu;", (unsigned long long)ir->stats.duplicates,
                 (unsigned long long)(csv_rows - (uint64_t)distinct)), bad++;
    /* every hotel with offers: findable, known iff in hotels.csv, stars */
    sqlite3_stmt *st = sql_prep("SELECT o.hotel, COUNT(*), h.id IS NOT NULL, "
                                "COALESCE(CAST(round(h.stars*10) AS INTEGER),0) FROM offers o "
                                "LEFT JOIN hotels h ON h.id=o.hotel GROUP BY o.hotel");
    int hb = 0, nh = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        nh++;
        int64_t id = sqlite3_column_int64(st, 0);
        bool known = sqlite3_column_int(st, 2);
        int stars = sqlite3_column_int(st, 3);
        int64_t h = store_find_hotel(S, (uint64_t)id);
        if (h < 0) {
            if (hb++ < 3)
                sprintf_(&m, " hotel %lld not in the store;", (long long)id);
            continue;
        }
        const store_hotel *sh = &S->hotels[h];
        if (sh->id != id || (bool)sh->known != known || sh->stars_x10 != stars) {
            if (hb++ < 3)
                sprintf_(&m, " hotel %lld: store id %u known %d stars_x10 %d, expected known %d stars_x10 %d;",
                         (long long)id, sh->id, sh->known, sh->stars_x10, known, stars);
        }
    }
    sqlite3_finalize(st);
    bad += hb;
    if (bad)
        printf("FAIL import:%s\n", m.s);
    else
        printf("ok import: %llu rows, %lld distinct offers (%llu duplicates%s), %d hotels with offers, "
               "%lld offers of unknown hotels\n",
               (unsigned long long)csv_rows, (long long)distinct, (unsigned long long)(csv_rows - (uint64_t)distinct),
               sql_dedup ? ", found by SQLite and the hash set" : "", nh, (long long)unknown_rows);
    free(m.s);
    return bad ? 1 : 0;
}

/* ------------------------------------------------------------------ */

static void usage(void)
{
    fputs("usage: diff_sqlite --offers N --seed S --searches K [--bin PATH] [--workdir DIR] [--keep]\n"
          "                   [--hotels PATH] [--shared DIR] [--destinations PMI,IBZ,...] [--details N]\n"
          "                   [--verbose]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *offers = NULL, *bin = NULL, *workdir_arg = NULL, *hotels = NULL, *shared = NULL,
               *destinations = NULL;
    unsigned long long seed = 1;
    long searches = 300;
    bool keep = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--keep")) {
            keep = true;
            continue;
        }
        if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            verbose = true;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            usage();
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--offers"))
            offers = v;
        else if (!strcmp(a, "--seed"))
            seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--searches"))
            searches = strtol(v, NULL, 10);
        else if (!strcmp(a, "--bin"))
            bin = v;
        else if (!strcmp(a, "--workdir"))
            workdir_arg = v;
        else if (!strcmp(a, "--hotels"))
            hotels = v;
        else if (!strcmp(a, "--shared"))
            shared = v;
        else if (!strcmp(a, "--details"))
            max_details = atoi(v);
        else if (!strcmp(a, "--destinations"))
            destinations = v;
        else
            usage();
    }
    if (!offers || searches < 0)
        usage();
    cal_init();
    double t0 = now_s();

    /* the isla binary: given, or build/isla beside build/tests/ */
    char binbuf[PATH_MAX];
    if (!bin) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        bin = "build/isla";
        if (n > 0) {
            self[n] = 0;
            char *s = strrchr(self, '/');
            if (s) {
                *s = 0;
                s = strrchr(self, '/');
                if (s) {
                    *s = 0;
                    fmt_s(binbuf, sizeof binbuf, "%.*s/isla", PATH_MAX - 8, self);
                    if (file_exists(binbuf))
                        bin = binbuf;
                }
            }
        }
    }
    char binreal[PATH_MAX];
    if (!realpath(bin, binreal))
        die("isla binary '%s' not found: %s", bin, strerror(errno));
    char repo[PATH_MAX], hotels_path[PATH_MAX + 64];
    if (!hotels) {
        char shared_dir[PATH_MAX + 16];
        if (shared)
            fmt_s(shared_dir, sizeof shared_dir, "%s", shared);
        else if (repo_of(binreal, repo, sizeof repo))
            fmt_s(shared_dir, sizeof shared_dir, "%s/../shared", repo);
        else
            die("cannot tell the repository of %s; pass --shared or --hotels", binreal);
        fmt_s(hotels_path, sizeof hotels_path, "%s/data/hotels.csv", shared_dir);
        hotels = hotels_path;
    }
    if (!file_exists(hotels))
        die("hotels file %s not found", hotels);

    /* the work directory */
    char workdir[PATH_MAX];
    bool own_workdir = !workdir_arg;
    if (workdir_arg) {
        fmt_s(workdir, sizeof workdir, "%s", workdir_arg);
        mkdir(workdir, 0755);
    } else {
        fmt_s(workdir, sizeof workdir, "/tmp/isla-diff-XXXXXX");
        if (!mkdtemp(workdir))
            die("mkdtemp: %s", strerror(errno));
        if (!keep)
            fmt_s(cleanup_dir, sizeof cleanup_dir, "%s", workdir);
    }
    char dump[PATH_MAX + 32], datadir[PATH_MAX + 32];
    fmt_s(dump, sizeof dump, "%s/offers.csv", workdir);
    fmt_s(datadir, sizeof datadir, "%s/data", workdir);
    rm_rf(datadir);

    /* 1. the dump */
    char seedtxt[32];
    fmt_s(seedtxt, sizeof seedtxt, "%llu", seed);
    char *gargv[] = {binreal, "gen", "--offers", (char *)offers, "--seed", seedtxt, "--hotels", (char *)hotels,
                     "--out", dump, NULL};
    /* several destinations: each with its own generated hotels, written
     * beside the dump and imported like a real hotels.csv */
    char dest_hotels[PATH_MAX + 32];
    fmt_s(dest_hotels, sizeof dest_hotels, "%s/hotels.csv", workdir);
    char *dargv[] = {binreal, "gen", "--offers", (char *)offers, "--seed", seedtxt, "--destinations",
                     (char *)(destinations ? destinations : ""), "--hotels-out", dest_hotels, "--out", dump, NULL};
    data_dests.n = 0;
    if (destinations) {
        for (const char *d = destinations; *d;) {
            size_t n = strcspn(d, ",");
            char code[24];
            fmt_s(code, sizeof code, "%.*s", (int)(n < 20 ? n : 20), d);
            code_add(&data_dests, code);
            d += n + (d[n] == ',');
        }
        hotels = dest_hotels;
    } else {
        code_add(&data_dests, "PMI");
    }
    int rc = run_cmd(destinations ? dargv : gargv, NULL);
    if (rc != 0)
        die("%s gen --offers %s --seed %s %s %s --out %s exited with %d", binreal, offers, seedtxt,
            destinations ? "--destinations" : "--hotels", destinations ? destinations : hotels, dump, rc);
    double t_gen = now_s();

    /* 2. isla's import, in-process */
    import_options io = {.offers_path = dump, .hotels_path = hotels, .data_dir = datadir, .max_rejects = -1};
    import_result ir;
    memset(&ir, 0, sizeof ir);
    char err[1024] = "";
    if (import_run(&io, &ir, err, sizeof err) != 0)
        die("import_run: %s", err);
    store_t *store = store_open(datadir, true, err, sizeof err);
    if (!store)
        die("store_open: %s", err);
    S = store;
    double t_import = now_s();

    /* 3. the oracle */
    create_db(dump, hotels, seed);
    if (n_anchors == 0)
        die("the dump has no offers");
    double t_sql = now_s();

    int fails = check_import(&ir);
    fails += check_bad_input();

    /* 4./5. searches */
    rng_t r = {seed * 0x2545F4914F6CDD1Dull + 12345};
    class_stats cs[K_COUNT];
    memset(cs, 0, sizeof cs);
    static const int weights[K_COUNT] = {25, 25, 12, 8, 30};
    spec_t *sp = xmalloc(sizeof *sp);
    for (long k = 0; k < searches; k++) {
        int kind;
        if (k < K_COUNT) {
            kind = (int)k; /* every class at least once */
        } else {
            int x = (int)rnd_below(&r, 100);
            for (kind = 0; kind < K_COUNT - 1 && x >= weights[kind]; kind++)
                x -= weights[kind];
        }
        make_search(&r, kind, sp);
        run_search(sp, &r, &cs[kind]);
    }
    free(sp);
    double t_search = now_s();

    int passed = 0, failed = fails;
    for (int k = 0; k < K_COUNT; k++) {
        const class_stats *c = &cs[k];
        if (!c->searches)
            continue;
        if (c->failed)
            printf("FAIL %s: %d of %d searches mismatched (%llu matching offers, %llu hotels)\n", class_names[k],
                   c->failed, c->searches, (unsigned long long)c->offers, (unsigned long long)c->hotels);
        else
            printf("ok %s: %d searches (%d with results), %llu matching offers, %llu hotels, %llu hotel offers in "
                   "%llu pages\n",
                   class_names[k], c->searches, c->nonempty, (unsigned long long)c->offers,
                   (unsigned long long)c->hotels,
                   (unsigned long long)c->paged_offers, (unsigned long long)c->pages);
        passed += c->searches - c->failed;
        failed += c->failed;
    }
    printf("# %s offers, seed %llu: gen %.2f s, import %.2f s, sqlite load %.2f s, %ld searches %.2f s, total "
           "%.2f s\n",
           offers, seed, t_gen - t0, t_import - t_gen, t_sql - t_import, searches, t_search - t_sql,
           t_search - t0);

    printf("# search time:");
    for (int k = 0; k < PR_COUNT; k++)
        printf(" %s %.2f s%s", prof_names[k], prof[k], k + 1 < PR_COUNT ? "," : "\n");
    store_release(store);
    sqlite3_close(db);
    if (keep) {
        printf("# kept %s\n", workdir);
    } else if (own_workdir) {
        rm_rf(workdir);
    } else {
        remove(dump);
        rm_rf(datadir);
    }
    free(cal);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
