/* The durable job queue (jobs.h): the state machine and the SQLite table.
 *
 * Every change of a job's state is one statement (or one IMMEDIATE
 * transaction for a claim), guarded by the state the change expects, so two
 * processes or threads racing for a job cannot both win: the loser's
 * UPDATE changes no row. */
#include "jobs/jobs.h"

#include <errno.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/sqlfile.h"
#include "util/xalloc.h"

/* ---- states -------------------------------------------------------------- */

static const char *const status_names[JOB_STATUS_COUNT] = {"queued", "running", "retrying",
                                                           "done",   "dead",    "cancelled"};

const char *job_status_name(job_status s)
{
    return (unsigned)s < JOB_STATUS_COUNT ? status_names[s] : "unknown";
}

bool job_status_parse(const char *s, job_status *out)
{
    for (int i = 0; i < JOB_STATUS_COUNT; i++)
        if (s != NULL && !strcmp(s, status_names[i])) {
            *out = (job_status)i;
            return true;
        }
    return false;
}

bool job_transition(job_status from, job_event ev, uint32_t attempts, uint32_t max_attempts, job_status *to)
{
    switch (ev) {
    case JOB_EV_CLAIM:
        /* A running job is claimed again only when its lease lapsed. */
        if (from != JOB_QUEUED && from != JOB_RETRYING && from != JOB_RUNNING)
            return false;
        *to = JOB_RUNNING;
        return true;
    case JOB_EV_SUCCEED:
        if (from != JOB_RUNNING)
            return false;
        *to = JOB_DONE;
        return true;
    case JOB_EV_FAIL:
        if (from != JOB_RUNNING)
            return false;
        *to = attempts < max_attempts ? JOB_RETRYING : JOB_DEAD;
        return true;
    case JOB_EV_CANCEL:
        if (from != JOB_QUEUED && from != JOB_RETRYING && from != JOB_RUNNING)
            return false;
        *to = JOB_CANCELLED;
        return true;
    case JOB_EV_RETRY:
        if (from != JOB_DEAD && from != JOB_CANCELLED)
            return false;
        *to = JOB_QUEUED;
        return true;
    case JOB_EV_RELEASE:
        if (from != JOB_RUNNING)
            return false;
        *to = JOB_QUEUED;
        return true;
    }
    return false;
}

uint64_t job_backoff_ms(uint64_t base_ms, uint64_t cap_ms, uint32_t attempts, uint64_t rnd)
{
    if (attempts < 1)
        attempts = 1;
    uint64_t d = base_ms;
    for (uint32_t i = 1; i < attempts && d < cap_ms; i++)
        d *= 2;
    if (d > cap_ms)
        d = cap_ms;
    uint64_t half = d / 2;
    return half + (d - half == 0 ? 0 : rnd % (d - half + 1));
}

/* ---- the table ----------------------------------------------------------- */

struct jobs_db {
    sqlite3 *db;
};

static const char SCHEMA[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS jobs("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " kind TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " idem TEXT UNIQUE,"
    " status INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " max_attempts INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL,"
    " run_at_ms INTEGER NOT NULL,"
    " started_ms INTEGER NOT NULL DEFAULT 0,"
    " finished_ms INTEGER NOT NULL DEFAULT 0,"
    " lease_until_ms INTEGER NOT NULL DEFAULT 0,"
    " lease_owner TEXT NOT NULL DEFAULT '',"
    " rows INTEGER NOT NULL DEFAULT 0,"
    " percent REAL NOT NULL DEFAULT -1,"
    " eta_s REAL NOT NULL DEFAULT -1,"
    " result TEXT,"
    " error TEXT,"
    " history TEXT NOT NULL DEFAULT '[]',"
    " run_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS jobs_runnable ON jobs(status, run_at_ms);";

#define COLS                                                                                                     \
    "id, kind, payload, idem, status, attempts, max_attempts, created_ms, updated_ms, run_at_ms, started_ms, "    \
    "finished_ms, lease_until_ms, lease_owner, rows, percent, eta_s, result, error, history"

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static void read_row(sqlite3_stmt *st, job *j)
{
    memset(j, 0, sizeof *j);
    j->id = sqlite3_column_int64(st, 0);
    snprintf(j->kind, sizeof j->kind, "%s", (const char *)sqlite3_column_text(st, 1));
    j->payload = dup_col(st, 2);
    j->idem = dup_col(st, 3);
    j->status = (job_status)sqlite3_column_int(st, 4);
    j->attempts = (uint32_t)sqlite3_column_int(st, 5);
    j->max_attempts = (uint32_t)sqlite3_column_int(st, 6);
    j->created_ms = sqlite3_column_int64(st, 7);
    j->updated_ms = sqlite3_column_int64(st, 8);
    j->run_at_ms = sqlite3_column_int64(st, 9);
    j->started_ms = sqlite3_column_int64(st, 10);
    j->finished_ms = sqlite3_column_int64(st, 11);
    j->lease_until_ms = sqlite3_column_int64(st, 12);
    snprintf(j->lease_owner, sizeof j->lease_owner, "%s", (const char *)sqlite3_column_text(st, 13));
    j->rows = (uint64_t)sqlite3_column_int64(st, 14);
    j->percent = sqlite3_column_double(st, 15);
    j->eta_s = sqlite3_column_double(st, 16);
    j->result = dup_col(st, 17);
    j->error = dup_col(st, 18);
    j->history = dup_col(st, 19);
}

void job_free(job *j)
{
    free(j->payload);
    free(j->idem);
    free(j->result);
    free(j->error);
    free(j->history);
    memset(j, 0, sizeof *j);
}

static void put_str_or_null(buf_t *b, const char *s)
{
    if (s)
        buf_put_json_str(b, s, strlen(s));
    else
        BUF_LIT(b, "null");
}

void job_to_json(const job *j, buf_t *b)
{
    buf_printf(b, "{\"id\":%lld,\"kind\":", (long long)j->id);
    buf_put_json_str(b, j->kind, strlen(j->kind));
    BUF_LIT(b, ",\"status\":");
    const char *s = job_status_name(j->status);
    buf_put_json_str(b, s, strlen(s));
    buf_printf(b, ",\"attempts\":%u,\"maxAttempts\":%u,\"progress\":{\"rows\":%llu,\"percent\":", j->attempts,
               j->max_attempts, (unsigned long long)j->rows);
    double pct = j->status == JOB_DONE ? 100.0 : j->percent;
    if (pct >= 0)
        buf_printf(b, "%.1f", pct);
    else
        BUF_LIT(b, "null");
    BUF_LIT(b, ",\"etaSeconds\":");
    if (j->status == JOB_RUNNING && j->eta_s >= 0)
        buf_printf(b, "%.0f", j->eta_s);
    else
        BUF_LIT(b, "null");
    BUF_LIT(b, "},\"error\":");
    put_str_or_null(b, j->error);
    /* payload, result and history are JSON already (written by isla). */
    BUF_LIT(b, ",\"result\":");
    if (j->result)
        buf_puts(b, j->result);
    else
        BUF_LIT(b, "null");
    BUF_LIT(b, ",\"payload\":");
    buf_puts(b, j->payload ? j->payload : "null");
    BUF_LIT(b, ",\"idempotencyKey\":");
    put_str_or_null(b, j->idem);
    buf_put_json_ms(b, "createdMs", j->created_ms);
    buf_put_json_ms(b, "updatedMs", j->updated_ms);
    buf_put_json_ms(b, "runAtMs", j->status == JOB_QUEUED || j->status == JOB_RETRYING ? j->run_at_ms : 0);
    buf_put_json_ms(b, "startedMs", j->started_ms);
    buf_put_json_ms(b, "finishedMs", j->finished_ms);
    BUF_LIT(b, ",\"history\":");
    buf_puts(b, j->history ? j->history : "[]");
    buf_putc(b, '}');
}

jobs_db *jobs_db_open(const char *data_dir, char *err, size_t errlen)
{
    sqlite3 *db = sqlfile_open(data_dir, "jobs.db", SCHEMA, err, errlen);
    if (db == NULL)
        return NULL;
    jobs_db *d = xcalloc(1, sizeof *d);
    d->db = db;
    return d;
}

void jobs_db_close(jobs_db *d)
{
    if (d == NULL)
        return;
    sqlite3_close(d->db);
    free(d);
}

static int fail(jobs_db *d, char *err, size_t errlen, const char *what)
{
    if (err)
        snprintf(err, errlen, "jobs.db: %s: %s", what, sqlite3_errmsg(d->db));
    return -1;
}

static bool prep(jobs_db *d, sqlite3_stmt **st, const char *sql)
{
    return sqlite3_prepare_v2(d->db, sql, -1, st, NULL) == SQLITE_OK;
}

int64_t jobs_submit(jobs_db *d, const char *kind, const char *payload_json, const char *idem, uint32_t max_attempts,
                    int64_t run_at_ms, bool *existed, char *err, size_t errlen)
{
    *existed = false;
    int64_t now = (int64_t)clock_unix_ms();
    sqlite3_stmt *st;
    if (!prep(d, &st,
              "INSERT INTO jobs(kind, payload, idem, status, max_attempts, created_ms, updated_ms, run_at_ms) "
              "VALUES(?1, json(?2), ?3, 0, ?4, ?5, ?5, ?6) ON CONFLICT(idem) DO NOTHING RETURNING id"))
        return fail(d, err, errlen, "submit");
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, payload_json, -1, SQLITE_STATIC);
    if (idem)
        sqlite3_bind_text(st, 3, idem, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, (int)(max_attempts ? max_attempts : 1));
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int64(st, 6, run_at_ms > now ? run_at_ms : now);
    int rc = sqlite3_step(st);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(d, err, errlen, "submit");
    if (id > 0)
        return id;
    /* The idempotency key exists: that job is the answer. */
    if (!prep(d, &st, "SELECT id FROM jobs WHERE idem = ?1"))
        return fail(d, err, errlen, "submit");
    sqlite3_bind_text(st, 1, idem, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (id <= 0)
        return fail(d, err, errlen, "submit (idempotency key)");
    *existed = true;
    return id;
}

int jobs_get(jobs_db *d, int64_t id, job *out, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (!prep(d, &st, "SELECT " COLS " FROM jobs WHERE id = ?1"))
        return fail(d, err, errlen, "get");
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_row(st, out);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : fail(d, err, errlen, "get");
}

int jobs_list(jobs_db *d, const char *status, const char *kind, unsigned limit, job **out, size_t *n, char *err,
              size_t errlen)
{
    *out = NULL;
    *n = 0;
    job_status s = JOB_QUEUED;
    if (status && !job_status_parse(status, &s)) {
        snprintf(err, errlen, "status: '%s' is not one of queued, running, retrying, done, dead, cancelled", status);
        return -2;
    }
    sqlite3_stmt *st;
    if (!prep(d, &st,
              "SELECT " COLS " FROM jobs WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2) "
              "ORDER BY id DESC LIMIT ?3"))
        return fail(d, err, errlen, "list");
    if (status)
        sqlite3_bind_int(st, 1, (int)s);
    if (kind)
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, limit ? limit : 100);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = realloc(*out, cap * sizeof **out);
        }
        read_row(st, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        for (size_t i = 0; i < *n; i++)
            job_free(&(*out)[i]);
        free(*out);
        *out = NULL;
        *n = 0;
        return fail(d, err, errlen, "list");
    }
    return 0;
}

/* ---- owners and leases ---------------------------------------------------- */

static char g_owner[96];
static char g_host[64];

const char *jobs_owner_self(void)
{
    if (g_owner[0] == '\0') {
        if (gethostname(g_host, sizeof g_host) != 0)
            snprintf(g_host, sizeof g_host, "localhost");
        g_host[sizeof g_host - 1] = '\0';
        for (char *p = g_host; *p; p++)
            if (*p == ':')
                *p = '_';
        uint32_t boot = 0;
        if (getrandom(&boot, sizeof boot, GRND_NONBLOCK) != sizeof boot)
            boot = (uint32_t)time(NULL) ^ (uint32_t)getpid();
        snprintf(g_owner, sizeof g_owner, "%s:%ld:%08x", g_host, (long)getpid(), boot);
    }
    return g_owner;
}

/* Is the process that owns this lease certainly gone? Only decidable on
 * this host: another pid that no longer exists, or our own pid with
 * another boot id (the pid was reused by this process after a restart). */
static bool owner_gone(const char *owner)
{
    const char *self = jobs_owner_self();
    char host[64];
    long pid;
    unsigned boot;
    const char *c1 = strchr(owner, ':');
    if (c1 == NULL || (size_t)(c1 - owner) >= sizeof host)
        return false;
    memcpy(host, owner, (size_t)(c1 - owner));
    host[c1 - owner] = '\0';
    if (strcmp(host, g_host) != 0 || sscanf(c1 + 1, "%ld:%x", &pid, &boot) != 2)
        return false;
    if (!strcmp(owner, self))
        return false;
    if (pid == (long)getpid())
        return true;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* ---- state changes -------------------------------------------------------- */

static int exec1(jobs_db *d, sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    return sqlite3_changes(d->db);
}

int jobs_claim(jobs_db *d, const char *const *kinds, const char *owner, int64_t now_ms, int64_t lease_ms, job *out,
               char *err, size_t errlen)
{
    if (sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(d, err, errlen, "claim");
    sqlite3_stmt *st;
    int64_t chosen = 0;
    /* Candidates in order: due jobs first by time, then running jobs (whose
     * lease may have lapsed or whose owner may be gone). */
    if (!prep(d, &st,
              "SELECT id, kind, status, lease_until_ms, lease_owner, attempts, max_attempts FROM jobs "
              "WHERE (status IN (0, 2) AND run_at_ms <= ?1) OR status = 1 ORDER BY status = 1, run_at_ms, id"))
        goto fail;
    sqlite3_bind_int64(st, 1, now_ms);
    int rc;
    bool dead_one = false;
    int64_t dead_id = 0;
    uint32_t dead_attempts = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 1);
        bool mine = false;
        for (const char *const *k = kinds; *k && !mine; k++)
            mine = !strcmp(*k, kind);
        if (!mine)
            continue;
        int status = sqlite3_column_int(st, 2);
        if (status == JOB_RUNNING && sqlite3_column_int64(st, 3) >= now_ms &&
            !owner_gone((const char *)sqlite3_column_text(st, 4)))
            continue;
        uint32_t attempts = (uint32_t)sqlite3_column_int(st, 5);
        uint32_t max = (uint32_t)sqlite3_column_int(st, 6);
        if (attempts >= max) {
            /* Its worker died on the last attempt: dead, not run again. */
            dead_one = true;
            dead_id = sqlite3_column_int64(st, 0);
            dead_attempts = attempts;
            break;
        }
        chosen = sqlite3_column_int64(st, 0);
        break;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        goto fail;
    if (dead_one) {
        if (!prep(d, &st,
                  "UPDATE jobs SET status = 4, finished_ms = ?2, updated_ms = ?2, lease_owner = '', "
                  "error = printf('the worker stopped (lease lost) during attempt %d of %d', ?3, max_attempts), "
                  "history = json_insert(history, '$[#]', json_object('attempt', ?3, 'startedMs', started_ms, "
                  "'endedMs', ?2, 'error', 'lease lost')) WHERE id = ?1"))
            goto fail;
        sqlite3_bind_int64(st, 1, dead_id);
        sqlite3_bind_int64(st, 2, now_ms);
        sqlite3_bind_int(st, 3, (int)dead_attempts);
        if (exec1(d, st) < 0)
            goto fail;
        if (sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            goto fail;
        /* Look again: the next job may be runnable. */
        return jobs_claim(d, kinds, owner, now_ms, lease_ms, out, err, errlen);
    }
    if (chosen == 0) {
        sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL);
        return 0;
    }
    if (!prep(d, &st,
              "UPDATE jobs SET status = 1, attempts = attempts + 1, started_ms = ?2, updated_ms = ?2, "
              "lease_until_ms = ?3, lease_owner = ?4 WHERE id = ?1"))
        goto fail;
    sqlite3_bind_int64(st, 1, chosen);
    sqlite3_bind_int64(st, 2, now_ms);
    sqlite3_bind_int64(st, 3, now_ms + lease_ms);
    sqlite3_bind_text(st, 4, owner, -1, SQLITE_STATIC);
    if (exec1(d, st) != 1)
        goto fail;
    if (sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        goto fail;
    return jobs_get(d, chosen, out, err, errlen) == 1 ? 1 : -1;
fail:
    fail(d, err, errlen, "claim");
    sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int jobs_heartbeat(jobs_db *d, int64_t id, const char *owner, int64_t now_ms, int64_t lease_ms, uint64_t rows,
                   double percent, double eta_s)
{
    sqlite3_stmt *st;
    if (!prep(d, &st,
              "UPDATE jobs SET lease_until_ms = ?3, updated_ms = ?4, rows = ?5, percent = ?6, eta_s = ?7 "
              "WHERE id = ?1 AND status = 1 AND lease_owner = ?2"))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now_ms + lease_ms);
    sqlite3_bind_int64(st, 4, now_ms);
    sqlite3_bind_int64(st, 5, (int64_t)rows);
    sqlite3_bind_double(st, 6, percent);
    sqlite3_bind_double(st, 7, eta_s);
    int n = exec1(d, st);
    return n < 0 ? -1 : n == 1 ? 0 : 1;
}

int jobs_finish(jobs_db *d, int64_t id, const char *owner, job_outcome outcome, const char *result,
                const char *error, int64_t now_ms, uint64_t backoff_ms, job_status *final)
{
    job j;
    if (jobs_get(d, id, &j, NULL, 0) != 1)
        return -1;
    bool ours = j.status == JOB_RUNNING && !strcmp(j.lease_owner, owner);
    job_status to = j.status;
    bool ok = ours;
    if (ok) {
        switch (outcome) {
        case JOB_OUT_OK: ok = job_transition(j.status, JOB_EV_SUCCEED, j.attempts, j.max_attempts, &to); break;
        case JOB_OUT_FAIL: ok = job_transition(j.status, JOB_EV_FAIL, j.attempts, j.max_attempts, &to); break;
        case JOB_OUT_FAIL_PERMANENT: ok = job_transition(j.status, JOB_EV_FAIL, j.attempts, j.attempts, &to); break;
        case JOB_OUT_RELEASE: ok = job_transition(j.status, JOB_EV_RELEASE, j.attempts, j.max_attempts, &to); break;
        }
    }
    int64_t started = j.started_ms;
    job_free(&j);
    *final = to;
    if (!ok)
        return 1;
    sqlite3_stmt *st;
    bool terminal = to == JOB_DONE || to == JOB_DEAD;
    bool release = outcome == JOB_OUT_RELEASE;
    if (!prep(d, &st,
              "UPDATE jobs SET status = ?3, updated_ms = ?4, lease_owner = '', lease_until_ms = 0, "
              "finished_ms = CASE WHEN ?5 THEN ?4 ELSE 0 END, "
              "run_at_ms = CASE WHEN ?3 = 2 THEN ?4 + ?6 ELSE run_at_ms END, "
              "attempts = CASE WHEN ?9 THEN attempts - 1 ELSE attempts END, "
              "result = CASE WHEN ?3 = 3 THEN ?7 ELSE result END, "
              "error = CASE WHEN ?3 = 3 THEN NULL WHEN ?9 THEN error ELSE ?8 END, "
              "percent = CASE WHEN ?3 = 3 THEN 100 ELSE percent END, "
              "run_ms = run_ms + (?4 - ?10), "
              "history = CASE WHEN ?9 THEN history ELSE json_insert(history, '$[#]', json_object("
              " 'attempt', attempts, 'startedMs', ?10, 'endedMs', ?4, 'error', ?8, "
              " 'retryInMs', CASE WHEN ?3 = 2 THEN ?6 ELSE NULL END)) END "
              "WHERE id = ?1 AND status = 1 AND lease_owner = ?2"))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, (int)to);
    sqlite3_bind_int64(st, 4, now_ms);
    sqlite3_bind_int(st, 5, terminal);
    sqlite3_bind_int64(st, 6, (int64_t)backoff_ms);
    if (result)
        sqlite3_bind_text(st, 7, result, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 7);
    if (error && outcome != JOB_OUT_OK)
        sqlite3_bind_text(st, 8, error, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    sqlite3_bind_int(st, 9, release);
    sqlite3_bind_int64(st, 10, started);
    int n = exec1(d, st);
    return n < 0 ? -1 : n == 1 ? 0 : 1;
}

/* A state change from the outside (cancel, retry): read, decide, write
 * guarded by the state read. */
static int change(jobs_db *d, int64_t id, job_event ev, int64_t now_ms, char *err, size_t errlen)
{
    for (int tries = 0; tries < 5; tries++) {
        job j;
        int g = jobs_get(d, id, &j, err, errlen);
        if (g <= 0)
            return g < 0 ? -1 : 1;
        job_status to;
        bool ok = job_transition(j.status, ev, j.attempts, j.max_attempts, &to);
        job_status from = j.status;
        job_free(&j);
        if (!ok) {
            snprintf(err, errlen, "job %lld is %s", (long long)id, job_status_name(from));
            return 2;
        }
        sqlite3_stmt *st;
        const char *sql = ev == JOB_EV_CANCEL
                              ? "UPDATE jobs SET status = ?3, updated_ms = ?4, finished_ms = ?4, lease_owner = '', "
                                "lease_until_ms = 0 WHERE id = ?1 AND status = ?2"
                              : "UPDATE jobs SET status = ?3, updated_ms = ?4, finished_ms = 0, run_at_ms = ?4, "
                                "attempts = 0, error = NULL, percent = -1, eta_s = -1, rows = 0 "
                                "WHERE id = ?1 AND status = ?2";
        if (!prep(d, &st, sql))
            return fail(d, err, errlen, "update");
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, (int)from);
        sqlite3_bind_int(st, 3, (int)to);
        sqlite3_bind_int64(st, 4, now_ms);
        int n = exec1(d, st);
        if (n < 0)
            return fail(d, err, errlen, "update");
        if (n == 1)
            return 0;
        /* The state moved under us (a worker finished it): decide again. */
    }
    snprintf(err, errlen, "job %lld keeps changing; try again", (long long)id);
    return -1;
}

int jobs_prune(jobs_db *d, int64_t before_ms, int64_t **ids, size_t *n)
{
    *ids = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (!prep(d, &st, "DELETE FROM jobs WHERE status IN (3, 4, 5) AND finished_ms > 0 AND finished_ms < ?1 RETURNING id"))
        return -1;
    sqlite3_bind_int64(st, 1, before_ms);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *ids = realloc(*ids, cap * sizeof **ids);
        }
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? (int)*n : -1;
}

int jobs_cancel(jobs_db *d, int64_t id, int64_t now_ms, char *err, size_t errlen)
{
    return change(d, id, JOB_EV_CANCEL, now_ms, err, errlen);
}

int jobs_retry(jobs_db *d, int64_t id, int64_t now_ms, char *err, size_t errlen)
{
    return change(d, id, JOB_EV_RETRY, now_ms, err, errlen);
}

int jobs_counts(jobs_db *d, jobs_kind_counts **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (!prep(d, &st,
              "SELECT kind, status, count(*), sum(max(attempts - 1, 0)), sum(CASE WHEN status = 3 THEN run_ms "
              "ELSE 0 END) FROM jobs GROUP BY kind, status ORDER BY kind"))
        return fail(d, err, errlen, "counts");
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *kind = (const char *)sqlite3_column_text(st, 0);
        if (*n == 0 || strcmp((*out)[*n - 1].kind, kind) != 0) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                *out = realloc(*out, cap * sizeof **out);
            }
            memset(&(*out)[*n], 0, sizeof **out);
            snprintf((*out)[*n].kind, sizeof(*out)->kind, "%s", kind);
            (*n)++;
        }
        jobs_kind_counts *c = &(*out)[*n - 1];
        int s = sqlite3_column_int(st, 1);
        uint64_t count = (uint64_t)sqlite3_column_int64(st, 2);
        if (s >= 0 && s < JOB_STATUS_COUNT)
            c->n[s] = count;
        c->retries += (uint64_t)sqlite3_column_int64(st, 3);
        if (s == JOB_DONE) {
            c->count_done = count;
            c->seconds_done = (double)sqlite3_column_int64(st, 4) / 1000.0;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return fail(d, err, errlen, "counts");
    }
    return 0;
}

int jobs_json_string(const char *json, const char *member, char **out, bool *bad)
{
    char path[128];
    snprintf(path, sizeof path, "$.\"%s\"", member);
    return jobs_json_path(json, path, out, bad);
}

int jobs_json_path(const char *json, const char *path, char **out, bool *bad)
{
    *out = NULL;
    *bad = false;
    sqlite3 *db;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        *bad = true;
        return -1;
    }
    sqlite3_stmt *st;
    int r = -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT json_valid(?1) AND json_type(?1) = 'object', json_type(?1, ?2), "
                           "json_extract(?1, ?2)",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, path, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            if (!sqlite3_column_int(st, 0)) {
                *bad = true;
            } else {
                const char *type = (const char *)sqlite3_column_text(st, 1);
                if (type == NULL || !strcmp(type, "null")) {
                    r = 0;
                } else if (!strcmp(type, "text")) {
                    *out = strdup((const char *)sqlite3_column_text(st, 2));
                    r = 1;
                }
            }
        } else {
            *bad = true;
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return r;
}
