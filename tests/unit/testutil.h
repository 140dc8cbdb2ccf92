/* Shared helpers of the unit tests: temp directories, files, fixtures built
 * through the real importer, API calls without HTTP and minimal JSON
 * probing. Header-only (static inline), included after <cmocka.h>. */
#ifndef ISLA_TESTUTIL_H
#define ISLA_TESTUTIL_H

#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "import/import.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"

/* ---- files and directories ---- */

/* A fresh private directory under /tmp (malloc'd path). */
static inline char *tu_mkdtemp(const char *tag)
{
    char *p = malloc(256);
    snprintf(p, 256, "/tmp/isla_test_%s_XXXXXX", tag);
    if (!mkdtemp(p)) {
        perror("mkdtemp");
        abort();
    }
    return p;
}

static inline int tu_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static inline void tu_rmtree(const char *path)
{
    if (path)
        nftw(path, tu_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void tu_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        abort();
    }
    if (len && fwrite(data, 1, len, f) != len)
        abort();
    fclose(f);
}

static inline void tu_write_str(const char *path, const char *s) { tu_write(path, s, strlen(s)); }

/* Whole file, NUL-terminated (malloc'd); NULL if it cannot be read. */
static inline char *tu_slurp(const char *path, size_t *len)
{
    if (len)
        *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *d = malloc(cap);
    size_t r;
    while ((r = fread(d + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0)
            d = realloc(d, cap *= 2);
    }
    fclose(f);
    d[n] = 0;
    if (len)
        *len = n;
    return d;
}

static inline bool tu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Path "dir/name" in one of a few rotating static buffers. */
static inline const char *tu_path(const char *dir, const char *name)
{
    static char bufs[8][4400];
    static int k;
    k = (k + 1) % 8;
    if (snprintf(bufs[k], sizeof bufs[k], "%s/%s", dir, name) >= (int)sizeof bufs[k])
        abort();
    return bufs[k];
}

/* A file of the shared real data (hotels.csv, offers_sample.csv). Tests run
 * from the repository root; the data sits beside it in ../shared/data, or
 * where ISLA_SHARED_DATA points. A missing file is not skipped: the test
 * that opens it fails, naming the path. */
static inline const char *tu_data(const char *name)
{
    static char bufs[4][1024];
    static int k;
    k = (k + 1) % 4;
    const char *env = getenv("ISLA_SHARED_DATA");
    const char *dirs[] = {env, "../shared/data"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        if (!dirs[i])
            continue;
        snprintf(bufs[k], sizeof bufs[k], "%s/%s", dirs[i], name);
        if (tu_exists(bufs[k]))
            return bufs[k];
    }
    snprintf(bufs[k], sizeof bufs[k], "../shared/data/%s", name);
    return bufs[k];
}

/* ---- stderr silencing (the importer reports bad hotel lines there) ---- */

static inline int tu_quiet_begin(void)
{
    fflush(stderr);
    int saved = dup(2);
    int nul = open("/dev/null", O_WRONLY);
    dup2(nul, 2);
    close(nul);
    return saved;
}

static inline void tu_quiet_end(int saved)
{
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
}

/* ---- offer fixtures ---- */

#define TU_HEADER_2023                                                                                     \
    "\"hotelid\",\"outbounddeparturedatetime\",\"inbounddeparturedatetime\",\"countadults\","            \
    "\"countchildren\",\"price\",\"inbounddepartureairport\",\"outboundarrivalairport\","                \
    "\"inboundarrivaldatetime\",\"outbounddepartureairport\",\"inboundarrivalairport\","                 \
    "\"outboundarrivaldatetime\",\"mealtype\",\"oceanview\",\"roomtype\"\n"

/* One row in the sample's column order. Dates "YYYY-MM-DD", times "HH:MM";
 * each flight lands two hours after take-off on the same day (keep
 * departure times before 22:00). */
static inline void tu_offer(buf_t *b, unsigned hotel, const char *dep, const char *dep_time, const char *ret,
                            const char *ret_time, unsigned adults, unsigned children, unsigned price,
                            const char *airport, const char *meal, bool ocean, const char *room)
{
    int dh = atoi(dep_time), dm = atoi(dep_time + 3), rh = atoi(ret_time), rm = atoi(ret_time + 3);
    buf_printf(b,
               "\"%u\",\"%sT%02d:%02d:00+00:00\",\"%sT%02d:%02d:00+00:00\",\"%u\",\"%u\",\"%u\",\"PMI\",\"PMI\","
               "\"%sT%02d:%02d:00+00:00\",\"%s\",\"%s\",\"%sT%02d:%02d:00+00:00\",\"%s\",\"%s\",\"%s\"\n",
               hotel, dep, dh, dm, ret, rh, rm, adults, children, price, ret, rh + 2, rm, airport, airport, dep,
               dh + 2, dm, meal, ocean ? "true" : "false", room);
}

/* Imports `csv` (written to dir/offers.csv) with the hotels file `hotels`
 * into dir/data. Returns import_run's result. */
static inline int tu_import_csv_with(const char *dir, const char *csv, size_t len, const char *hotels,
                                     int64_t max_rejects, import_result *res, char *err, size_t errlen)
{
    char offers[4400], data[4400];
    if (snprintf(offers, sizeof offers, "%s/offers.csv", dir) >= (int)sizeof offers ||
        snprintf(data, sizeof data, "%s/data", dir) >= (int)sizeof data)
        abort();
    tu_write(offers, csv, len);
    import_options opt = {
        .offers_path = offers,
        .hotels_path = hotels,
        .data_dir = data,
        .max_rejects = max_rejects,
        .threads = 2,
        .progress = false,
    };
    int q = tu_quiet_begin();
    int rc = import_run(&opt, res, err, errlen);
    tu_quiet_end(q);
    return rc;
}

/* The same with the real hotels.csv. */
static inline int tu_import_csv(const char *dir, const char *csv, size_t len, int64_t max_rejects,
                                import_result *res, char *err, size_t errlen)
{
    return tu_import_csv_with(dir, csv, len, tu_data("hotels.csv"), max_rejects, res, err, errlen);
}

/* Imports the fixture with the hotels file `hotels` and opens the published
 * store (verified). Aborts the test binary on failure: every test of it
 * needs the store. */
static inline store_t *tu_build_store_with(const char *dir, const char *csv, size_t len, const char *hotels)
{
    import_result res;
    char err[1024] = "";
    if (tu_import_csv_with(dir, csv, len, hotels, -1, &res, err, sizeof err) != 0) {
        fprintf(stderr, "fixture import failed: %s\n", err);
        abort();
    }
    store_t *s = store_open(tu_path(dir, "data"), true, err, sizeof err);
    if (!s) {
        fprintf(stderr, "fixture open failed: %s\n", err);
        abort();
    }
    return s;
}

/* The same with the real hotels.csv. */
static inline store_t *tu_build_store(const char *dir, const char *csv, size_t len)
{
    return tu_build_store_with(dir, csv, len, tu_data("hotels.csv"));
}

/* ---- API without HTTP ---- */

static inline void tu_api(store_t *s, const char *method, const char *path, const char *query,
                          api_response *res)
{
    api_request req = {0};
    req.method = method;
    req.method_len = strlen(method);
    req.path = path;
    req.path_len = strlen(path);
    req.query = query ? query : "";
    req.query_len = query ? strlen(query) : 0;
    req.host = "localhost:8090";
    req.host_len = strlen(req.host);
    api_env env = {.started_unix_ms = clock_unix_ms()};
    api_handle(s, &env, &req, res);
}

/* The body as a NUL-terminated string (malloc'd). */
static inline char *tu_body(const api_response *res)
{
    char *s = malloc(res->body.len + 1);
    if (res->body.len)
        memcpy(s, res->body.data, res->body.len);
    s[res->body.len] = 0;
    return s;
}

/* ---- minimal JSON probing (good enough for our own flat output) ---- */

static inline size_t tu_count(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = hay; (p = strstr(p, needle)); p += l)
        n++;
    return n;
}

/* Position just after "key": at or after `from`, or NULL. */
static inline const char *tu_key(const char *from, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(from, pat);
    return p ? p + strlen(pat) : NULL;
}

/* The string value of the first "key" at or after `from` into out; returns
 * the position after it or NULL (also for null or non-string values). */
static inline const char *tu_str(const char *from, const char *key, char *out, size_t outlen)
{
    const char *p = tu_key(from, key);
    if (!p || *p != '"')
        return NULL;
    p++;
    size_t n = 0;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1])
            p++;
        if (n + 1 < outlen)
            out[n++] = *p;
        p++;
    }
    out[n] = 0;
    return *p ? p + 1 : NULL;
}

/* The integer value of the first "key" at or after `from`; -1 if absent or
 * not a number. */
static inline long long tu_num(const char *from, const char *key)
{
    const char *p = tu_key(from, key);
    if (!p || (*p != '-' && (*p < '0' || *p > '9')))
        return -1;
    return strtoll(p, NULL, 10);
}

#endif
