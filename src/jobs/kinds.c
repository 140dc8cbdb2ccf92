/* The job kinds: import, export, webhook, schedule (runner.h). Each is
 * safe to run again after a crash: an import that did not publish left
 * nothing behind but a temp file (replaced on the next attempt), an export
 * rewrites its file, a webhook receiver gets the alert again (alerts are
 * idempotent for their receivers: kind, status and time identify one). */
#include "jobs/kinds.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "import/import.h"
#include "alert/alert.h"
#include "util/clock.h"
#include "util/days.h"
#include "webclient/webclient.h"

/* A required string member: 1 ok, else err names it. */
static bool need_string(const char *payload, const char *member, char **out, char *field, size_t fieldlen, char *err,
                        size_t errlen)
{
    bool bad;
    int r = jobs_json_string(payload, member, out, &bad);
    if (bad) {
        snprintf(field, fieldlen, "body");
        snprintf(err, errlen, "the body is not a JSON object");
        return false;
    }
    if (r != 1 || **out == '\0') {
        snprintf(field, fieldlen, "%s", member);
        snprintf(err, errlen, r < 0 ? "%s must be a string" : "%s is required", member);
        free(*out);
        *out = NULL;
        return false;
    }
    return true;
}

/* A source: an http(s) URL, or an absolute path of a readable file. */
static bool check_source(const char *member, const char *v, char *field, size_t fieldlen, char *err, size_t errlen)
{
    if (webclient_is_url(v))
        return true;
    snprintf(field, fieldlen, "%s", member);
    if (strstr(v, "://") != NULL) {
        snprintf(err, errlen, "%s: only http:// and https:// URLs are supported", member);
        return false;
    }
    if (v[0] != '/') {
        snprintf(err, errlen, "%s: a path must be absolute (the server's working directory is not yours)", member);
        return false;
    }
    if (access(v, R_OK) != 0) {
        snprintf(err, errlen, "%s: cannot read %s: %s", member, v, strerror(errno));
        return false;
    }
    return true;
}

bool jobs_check_import(const char *payload, char *field, size_t fieldlen, char *err, size_t errlen)
{
    char *offers = NULL, *hotels = NULL;
    bool ok = need_string(payload, "offers", &offers, field, fieldlen, err, errlen) &&
              need_string(payload, "hotels", &hotels, field, fieldlen, err, errlen) &&
              check_source("offers", offers, field, fieldlen, err, errlen) &&
              check_source("hotels", hotels, field, fieldlen, err, errlen);
    free(offers);
    free(hotels);
    return ok;
}

/* ---- import ---------------------------------------------------------------- */

typedef struct {
    job_ctx *ctx;
    double t0;
    double base, span;        /* this phase covers [base, base + span] percent */
} phase;

static void report(phase *ph, uint64_t rows, double fraction)
{
    double pct = fraction >= 0 ? ph->base + ph->span * fraction : -1;
    double el = clock_mono_s() - ph->t0;
    double eta = pct > 1 ? el * (100 - pct) / pct : -1;
    ph->ctx->progress(ph->ctx->runner, rows, pct, eta);
}

static void on_download(void *ud, uint64_t got, int64_t total)
{
    (void)got;
    report(ud, 0, total > 0 ? (double)got / (double)total : -1);
}

static void on_import(void *ud, uint64_t rows, double fraction)
{
    report(ud, rows, fraction);
}

/* The generation an earlier attempt of this job published, if it did and
 * then died before the job was marked done (its import.json names the job
 * as its origin); 0 if none. */
static uint64_t published_by(const char *data_dir, int64_t id, char *summary, size_t n)
{
    char want[64];
    snprintf(want, sizeof want, "\"origin\":\"job:%lld\"", (long long)id);
    DIR *d = opendir(data_dir);
    if (d == NULL)
        return 0;
    uint64_t found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && !found) {
        unsigned long long g;
        char tail;
        if (sscanf(e->d_name, "gen-%llu%c", &g, &tail) != 1)
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s/import.json", data_dir, e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            continue;
        size_t k = fread(summary, 1, n - 1, f);
        fclose(f);
        summary[k] = '\0';
        if (strstr(summary, want) != NULL)
            found = g;
    }
    closedir(d);
    return found;
}

job_outcome job_run_import(job_ctx *ctx, const job *j, buf_t *result, char *err, size_t errlen)
{
    const jobs_config *cfg = ctx->cfg;
    char field[32];
    if (!jobs_check_import(j->payload, field, sizeof field, err, errlen))
        return JOB_OUT_FAIL_PERMANENT;
    /* Exactly once: a previous attempt may have published and died before
     * it could say so. Then that generation is this job's result. */
    char summary[2048];
    uint64_t done = j->attempts > 1 ? published_by(cfg->data_dir, j->id, summary, sizeof summary) : 0;
    if (done) {
        buf_printf(result, "{\"generation\":%llu,\"publishedByAnEarlierAttempt\":true,\"import\":%s}",
                   (unsigned long long)done, summary);
        while (result->len && (result->data[result->len - 1] == '\n'))
            result->len--;
        /* strip the newline inside: import.json ends with one */
        for (size_t i = 0; i < result->len; i++)
            if (result->data[i] == '\n')
                result->data[i] = ' ';
        if (cfg->published)
            cfg->published(cfg->ud, done);
        return JOB_OUT_OK;
    }
    char *src[2] = {NULL, NULL};
    bool bad;
    jobs_json_string(j->payload, "offers", &src[0], &bad);
    jobs_json_string(j->payload, "hotels", &src[1], &bad);
    char tmpdir[4200], local[2][4300];
    snprintf(tmpdir, sizeof tmpdir, "%s/jobs-tmp", cfg->data_dir);
    mkdir(tmpdir, 0755);
    bool downloaded[2] = {false, false};
    job_outcome out = JOB_OUT_FAIL;
    phase ph = {.ctx = ctx, .t0 = clock_mono_s()};
    bool url = webclient_is_url(src[0]);
    /* A download is the first 30% of the work, the import the rest. */
    for (int i = 1; i >= 0; i--) {
        if (!webclient_is_url(src[i])) {
            snprintf(local[i], sizeof local[i], "%s", src[i]);
            continue;
        }
        snprintf(local[i], sizeof local[i], "%s/job-%lld-%s", tmpdir, (long long)j->id, i ? "hotels.csv" : "offers");
        ph.base = 0;
        ph.span = i == 0 ? 30 : 0;
        char e[512];
        downloaded[i] = true;
        if (!webclient_download(src[i], local[i], i == 0 ? on_download : NULL, &ph, ctx->stop, e,
                                sizeof e)) {
            snprintf(err, errlen, "%s: downloading %s: %s", i ? "hotels" : "offers", src[i], e);
            goto done;
        }
    }
    ph.base = url ? 30 : 0;
    ph.span = 100 - ph.base;
    char origin[32];
    snprintf(origin, sizeof origin, "job:%lld", (long long)j->id);
    import_options o = {
        .offers_path = local[0],
        .hotels_path = local[1],
        .data_dir = cfg->data_dir,
        .max_rejects = 10000,
        .max_shrink_pct = IMPORT_MAX_SHRINK_DEFAULT, /* as isla import: a half-size dump is refused */
        .on_progress = on_import,
        .progress_ud = &ph,
        .cancel = ctx->stop,
        .origin = origin,
    };
    import_result *res = malloc(sizeof *res);
    if (import_run(&o, res, err, errlen) < 0) {
        free(res);
        goto done;
    }
    const store_import_stats *s = &res->stats;
    buf_printf(result,
               "{\"generation\":%llu,\"rows\":%llu,\"imported\":%llu,\"rejected\":%llu,\"duplicates\":%llu,"
               "\"seconds\":%.3f}",
               (unsigned long long)res->generation, (unsigned long long)s->rows, (unsigned long long)s->imported,
               (unsigned long long)s->rejected, (unsigned long long)s->duplicates, res->seconds_total);
    ctx->progress(ctx->runner, s->rows, 100, 0);
    if (cfg->published)
        cfg->published(cfg->ud, res->generation);
    free(res);
    out = JOB_OUT_OK;
done:
    for (int i = 0; i < 2; i++) {
        if (downloaded[i])
            unlink(local[i]);
        free(src[i]);
    }
    return out;
}

/* ---- export ---------------------------------------------------------------- */

/* Validates an export payload against the serving store: the query must
 * parse as a bestOffersByHotel search. */
static bool export_args(const char *payload, char **qs, char **format, char *field, size_t fieldlen, char *err,
                        size_t errlen)
{
    bool bad;
    *qs = *format = NULL;
    if (!need_string(payload, "query", qs, field, fieldlen, err, errlen))
        return false;
    int r = jobs_json_string(payload, "format", format, &bad);
    if (r < 0 || (r == 1 && strcmp(*format, "csv") != 0 && strcmp(*format, "json") != 0)) {
        snprintf(field, fieldlen, "format");
        snprintf(err, errlen, "format must be \"csv\" or \"json\"");
        free(*qs);
        free(*format);
        *qs = *format = NULL;
        return false;
    }
    if (r == 0)
        *format = strdup("csv");
    return true;
}

bool jobs_check_export(const char *payload, char *field, size_t fieldlen, char *err, size_t errlen)
{
    char *qs, *format;
    if (!export_args(payload, &qs, &format, field, fieldlen, err, errlen))
        return false;
    free(qs);
    free(format);
    return true;
}

static bool write_csv(const char *json, FILE *f, uint64_t *rows, char *err, size_t errlen)
{
    sqlite3 *db;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        snprintf(err, errlen, "sqlite unavailable");
        return false;
    }
    sqlite3_stmt *st;
    bool ok = false;
    if (sqlite3_prepare_v2(db,
                           "SELECT json_extract(value, '$.hotel.id'), json_extract(value, '$.hotel.name'), "
                           "json_extract(value, '$.hotel.stars'), json_extract(value, '$.minPrice'), "
                           "json_extract(value, '$.departureDate'), json_extract(value, '$.returnDate'), "
                           "json_extract(value, '$.roomType'), json_extract(value, '$.mealType'), "
                           "json_extract(value, '$.oceanView'), json_extract(value, '$.countAvailableOffers') "
                           "FROM json_each(?1)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
        fputs("hotelId,hotelName,stars,minPrice,departureDate,returnDate,roomType,mealType,oceanView,"
              "countAvailableOffers\n",
              f);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(st, 1);
            fprintf(f, "%lld,\"", sqlite3_column_int64(st, 0));
            for (const char *c = name ? name : ""; *c; c++) {
                if (*c == '"')
                    fputc('"', f);
                fputc(*c, f);
            }
            fprintf(f, "\",%s,%lld,%s,%s,%s,%s,%s,%lld\n", (const char *)sqlite3_column_text(st, 2),
                    sqlite3_column_int64(st, 3), (const char *)sqlite3_column_text(st, 4),
                    (const char *)sqlite3_column_text(st, 5), (const char *)sqlite3_column_text(st, 6),
                    (const char *)sqlite3_column_text(st, 7), sqlite3_column_int(st, 8) ? "true" : "false",
                    sqlite3_column_int64(st, 9));
            (*rows)++;
        }
        ok = rc == SQLITE_DONE;
        if (!ok)
            snprintf(err, errlen, "reading the answer: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
    } else {
        snprintf(err, errlen, "%s", sqlite3_errmsg(db));
    }
    sqlite3_close(db);
    return ok;
}

job_outcome job_run_export(job_ctx *ctx, const job *j, buf_t *result, char *err, size_t errlen)
{
    const jobs_config *cfg = ctx->cfg;
    char field[32], *qs, *format;
    if (!export_args(j->payload, &qs, &format, field, sizeof field, err, errlen))
        return JOB_OUT_FAIL_PERMANENT;
    job_outcome out = JOB_OUT_FAIL;
    store_t *s = cfg->acquire_store ? cfg->acquire_store(cfg->ud) : NULL;
    struct {
        buf_t body;
    } res = {0};
    if (s == NULL) {
        snprintf(err, errlen, "no generation is serving yet");
        goto done;
    }
    int status = cfg->search ? cfg->search(s, qs, strlen(qs), &res.body) : 500;
    if (status != 200) {
        snprintf(err, errlen, "the search failed (%d): %.*s", status, (int)(res.body.len < 400 ? res.body.len : 400),
                 res.body.data ? res.body.data : "");
        out = status < 500 ? JOB_OUT_FAIL_PERMANENT : JOB_OUT_FAIL;
        goto done;
    }
    buf_putc(&res.body, '\0');
    res.body.len--;
    ctx->progress(ctx->runner, 0, 50, -1);
    char dir[4200], tmp[4320], path[4300];
    snprintf(dir, sizeof dir, "%s/exports", cfg->data_dir);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/job-%lld.%s", dir, (long long)j->id, format);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto done;
    }
    uint64_t rows = 0;
    bool ok;
    if (!strcmp(format, "json")) {
        ok = fwrite(res.body.data, 1, res.body.len, f) == res.body.len;
        /* Items of the array: count the hotels by their key. */
        for (const char *p = res.body.data; (p = strstr(p, "{\"hotel\":")) != NULL; p++)
            rows++;
        if (!ok)
            snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
    } else {
        ok = write_csv(res.body.data, f, &rows, err, errlen);
    }
    if (fclose(f) != 0 && ok) {
        snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        ok = false;
    }
    if (!ok || rename(tmp, path) != 0) {
        if (ok)
            snprintf(err, errlen, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
        goto done;
    }
    struct stat sb;
    stat(path, &sb);
    buf_printf(result,
               "{\"format\":\"%s\",\"rows\":%llu,\"bytes\":%lld,\"generation\":%llu,\"file\":\"exports/job-%lld.%s\","
               "\"download\":\"/api/admin/jobs/%lld/download\"}",
               format, (unsigned long long)rows, (long long)sb.st_size, (unsigned long long)s->generation,
               (long long)j->id, format, (long long)j->id);
    ctx->progress(ctx->runner, rows, 100, 0);
    out = JOB_OUT_OK;
done:
    buf_free(&res.body);
    if (s != NULL)
        store_release(s);
    free(qs);
    free(format);
    return out;
}

/* ---- webhook --------------------------------------------------------------- */

job_outcome job_run_webhook(job_ctx *ctx, const job *j, buf_t *result, char *err, size_t errlen)
{
    (void)ctx;
    char field[32], *url = NULL, *body = NULL;
    if (!need_string(j->payload, "url", &url, field, sizeof field, err, errlen) ||
        !need_string(j->payload, "body", &body, field, sizeof field, err, errlen)) {
        free(url);
        return JOB_OUT_FAIL_PERMANENT;
    }
    char e[512];
    bool ok = webclient_post_json(url, body, 2000, 5000, e, sizeof e);
    if (ok)
        BUF_LIT(result, "{\"delivered\":true}");
    else
        snprintf(err, errlen, "POST %s: %s", url, e);
    /* The alert counters see the end of a delivery, as with the sender. */
    if (ok || j->attempts >= j->max_attempts)
        alert_delivery_result(ok, err);
    free(url);
    free(body);
    return ok ? JOB_OUT_OK : JOB_OUT_FAIL;
}

/* ---- schedule -------------------------------------------------------------- */

bool jobs_next_slot(const char *at, int64_t now_ms, int64_t *slot_ms)
{
    unsigned hh, mm;
    char extra;
    if (at == NULL || sscanf(at, "%2u:%2u%c", &hh, &mm, &extra) != 2 || hh > 23 || mm > 59 || strlen(at) != 5)
        return false;
    int64_t day_ms = 86400000;
    int64_t midnight = now_ms - now_ms % day_ms;
    int64_t slot = midnight + (int64_t)(hh * 3600 + mm * 60) * 1000;
    if (slot <= now_ms)
        slot += day_ms;
    *slot_ms = slot;
    return true;
}

static void day_of(int64_t ms, char out[11])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

bool jobs_schedule_next(jobs_db *db, const jobs_config *cfg, int64_t now_ms, char *err, size_t errlen)
{
    int64_t slot;
    if (!jobs_next_slot(cfg->schedule_at, now_ms, &slot)) {
        snprintf(err, errlen, "--import-schedule: '%s' is not HH:MM (UTC)", cfg->schedule_at ? cfg->schedule_at : "");
        return false;
    }
    char day[11], idem[48];
    day_of(slot, day);
    snprintf(idem, sizeof idem, "schedule:%s", day);
    buf_t p = {0};
    BUF_LIT(&p, "{\"at\":");
    buf_put_json_str(&p, cfg->schedule_at, strlen(cfg->schedule_at));
    BUF_LIT(&p, ",\"day\":");
    buf_put_json_str(&p, day, strlen(day));
    BUF_LIT(&p, ",\"offers\":");
    buf_put_json_str(&p, cfg->schedule_offers, strlen(cfg->schedule_offers));
    BUF_LIT(&p, ",\"hotels\":");
    buf_put_json_str(&p, cfg->schedule_hotels, strlen(cfg->schedule_hotels));
    buf_putc(&p, '}');
    buf_putc(&p, '\0');
    bool existed;
    int64_t id = jobs_submit(db, "schedule", p.data, idem, 3, slot, &existed, err, errlen);
    buf_free(&p);
    return id > 0;
}

job_outcome job_run_schedule(job_ctx *ctx, const job *j, buf_t *result, char *err, size_t errlen)
{
    const jobs_config *cfg = ctx->cfg;
    char field[32], *day = NULL, *offers = NULL, *hotels = NULL;
    if (!need_string(j->payload, "day", &day, field, sizeof field, err, errlen) ||
        !need_string(j->payload, "offers", &offers, field, sizeof field, err, errlen) ||
        !need_string(j->payload, "hotels", &hotels, field, sizeof field, err, errlen)) {
        free(day);
        free(offers);
        return JOB_OUT_FAIL_PERMANENT;
    }
    buf_t p = {0};
    BUF_LIT(&p, "{\"offers\":");
    buf_put_json_str(&p, offers, strlen(offers));
    BUF_LIT(&p, ",\"hotels\":");
    buf_put_json_str(&p, hotels, strlen(hotels));
    BUF_LIT(&p, ",\"scheduled\":");
    buf_put_json_str(&p, day, strlen(day));
    buf_putc(&p, '}');
    buf_putc(&p, '\0');
    char idem[48];
    snprintf(idem, sizeof idem, "import:%s", day);
    bool existed;
    jobs_db *db = ctx->db_acquire();
    int64_t id = jobs_submit(db, "import", p.data, idem, cfg->import_attempts, 0, &existed, err, errlen);
    /* The next slot after this job's own (not after now: a job run early,
     * or late after downtime, still schedules the day after its day). */
    int64_t base = (int64_t)clock_unix_ms(), own;
    int y;
    unsigned mo, d;
    if (cfg->schedule_at != NULL && sscanf(day, "%4d-%2u-%2u", &y, &mo, &d) == 3 &&
        jobs_next_slot(cfg->schedule_at, (int64_t)days_from_civil(y, mo, d) * 86400000 - 1, &own) && own > base)
        base = own;
    bool next = id > 0 && (cfg->schedule_at == NULL || jobs_schedule_next(db, cfg, base, err, errlen));
    ctx->db_release();
    buf_free(&p);
    free(day);
    free(offers);
    free(hotels);
    if (id <= 0 || !next)
        return JOB_OUT_FAIL;
    buf_printf(result, "{\"import\":%lld,\"existed\":%s}", (long long)id, existed ? "true" : "false");
    ctx->wake();
    return JOB_OUT_OK;
}
