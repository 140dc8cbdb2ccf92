/* The job runner; see runner.h. */
#include "jobs/runner.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"

#define IDLE_WAIT_MS 500         /* a worker with nothing to do looks again after this */
#define KEEPER_MS 250            /* the keeper's tick */
#define HEARTBEAT_MS 1000        /* progress and lease renewal at most this often */

typedef struct {
    pthread_mutex_t lock;
    int64_t id;               /* 0: idle */
    uint64_t rows;
    double percent, eta_s;
    bool changed;             /* progress since the last heartbeat */
    _Atomic bool stop;
    bool releasing;           /* stop because the server stops: give the job back */
    uint64_t last_beat_ms;
} slot;


typedef struct {
    const char *kind;
    job_fn fn;
    bool heavy;
} kind_def;

static const kind_def KINDS[] = {
    {"import", job_run_import, true},
    {"export", job_run_export, true},
    {"webhook", job_run_webhook, false},
    {"schedule", job_run_schedule, false},
};
static const char *const HEAVY[] = {"import", "export", NULL};
static const char *const LIGHT[] = {"webhook", "schedule", NULL};

enum { LANE_HEAVY, LANE_LIGHT, LANES };

static struct {
    bool on;
    jobs_config cfg;
    char *data_dir, *schedule_at, *schedule_offers, *schedule_hotels;
    pthread_mutex_t lock;     /* wake-ups */
    pthread_cond_t cond;
    uint64_t wakes;
    _Atomic bool stopping;
    pthread_t workers[LANES], keeper;
    bool started[LANES], keeper_started;
    _Atomic bool exited[LANES];
    slot slots[LANES];
    /* the API's connection */
    pthread_mutex_t db_lock;
    jobs_db *db;
    /* events */
    pthread_mutex_t ev_lock;
    char *ring[JOBS_EVENT_RING];
    uint64_t ev_seq;
    /* snapshot for stats and metrics */
    pthread_mutex_t snap_lock;
    buf_t snap_json, snap_prom;
} R = {.lock = PTHREAD_MUTEX_INITIALIZER,
       .cond = PTHREAD_COND_INITIALIZER,
       .db_lock = PTHREAD_MUTEX_INITIALIZER,
       .ev_lock = PTHREAD_MUTEX_INITIALIZER,
       .snap_lock = PTHREAD_MUTEX_INITIALIZER};

/* Waits for a wake-up or ms. */
static void nap(uint64_t ms)
{
    struct timespec ts = clock_deadline_after_ms(ms);
    pthread_mutex_lock(&R.lock);
    uint64_t seen = R.wakes;
    while (seen == R.wakes && !atomic_load(&R.stopping))
        if (pthread_cond_timedwait(&R.cond, &R.lock, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&R.lock);
}

void jobs_wake(void)
{
    pthread_mutex_lock(&R.lock);
    R.wakes++;
    pthread_cond_broadcast(&R.cond);
    pthread_mutex_unlock(&R.lock);
}

/* ---- events --------------------------------------------------------------- */

static void event_push(const job *j, const char *type)
{
    buf_t b = {0};
    buf_printf(&b, "{\"type\":\"%s\",\"job\":", type);
    job_to_json(j, &b);
    buf_putc(&b, '}');
    buf_putc(&b, '\0');
    pthread_mutex_lock(&R.ev_lock);
    uint64_t seq = ++R.ev_seq;
    char **cell = &R.ring[seq % JOBS_EVENT_RING];
    free(*cell);
    *cell = b.data;
    pthread_mutex_unlock(&R.ev_lock);
}

static void event_of(jobs_db *db, int64_t id, const char *type)
{
    job j;
    if (jobs_get(db, id, &j, NULL, 0) == 1) {
        event_push(&j, type);
        job_free(&j);
    }
}

uint64_t jobs_events_since(uint64_t after, buf_t *out)
{
    pthread_mutex_lock(&R.ev_lock);
    uint64_t last = R.ev_seq;
    uint64_t first = last > JOBS_EVENT_RING ? last - JOBS_EVENT_RING + 1 : 1;
    if (after + 1 > first)
        first = after + 1;
    for (uint64_t s = first; s <= last; s++) {
        const char *e = R.ring[s % JOBS_EVENT_RING];
        if (e == NULL)
            continue;
        buf_printf(out, "id: %llu\nevent: job\ndata: ", (unsigned long long)s);
        buf_puts(out, e);
        BUF_LIT(out, "\n\n");
    }
    pthread_mutex_unlock(&R.ev_lock);
    return last;
}

uint64_t jobs_events_last(void)
{
    pthread_mutex_lock(&R.ev_lock);
    uint64_t s = R.ev_seq;
    pthread_mutex_unlock(&R.ev_lock);
    return s;
}

/* ---- job context ---------------------------------------------------------- */

static void slot_progress(void *runner, uint64_t rows, double percent, double eta_s)
{
    slot *s = runner;
    pthread_mutex_lock(&s->lock);
    s->rows = rows;
    s->percent = percent;
    s->eta_s = eta_s;
    s->changed = true;
    pthread_mutex_unlock(&s->lock);
}

void jobs_cancel_running(int64_t id)
{
    for (int i = 0; i < LANES; i++) {
        slot *s = &R.slots[i];
        pthread_mutex_lock(&s->lock);
        if (s->id == id)
            atomic_store(&s->stop, true);
        pthread_mutex_unlock(&s->lock);
    }
}

/* ---- workers -------------------------------------------------------------- */

/* The heavy lane gets only idle CPU and idle disk time. Threads it starts
 * (the import's parse and build threads) inherit all three settings. */
static void lower_priority(void)
{
    pid_t tid = (pid_t)syscall(SYS_gettid);
    struct sched_param sp = {0};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp) != 0)
        oplog("isla: jobs: cannot set SCHED_IDLE for the import lane; using nice 19 only");
    setpriority(PRIO_PROCESS, (id_t)tid, 19);
    /* ioprio_set(IOPRIO_WHO_PROCESS, tid, IOPRIO_CLASS_IDLE << 13) */
    syscall(SYS_ioprio_set, 1, tid, 3 << 13);
}

static job_fn fn_of(const char *kind)
{
    for (size_t i = 0; i < sizeof KINDS / sizeof *KINDS; i++)
        if (!strcmp(KINDS[i].kind, kind))
            return KINDS[i].fn;
    return NULL;
}

static void *worker_main(void *arg)
{
    int lane = (int)(intptr_t)arg;
    slot *s = &R.slots[lane];
    if (lane == LANE_HEAVY)
        lower_priority();
    char err[1024];
    jobs_db *db = jobs_db_open(R.cfg.data_dir, err, sizeof err);
    if (db == NULL) {
        oplog("isla: jobs: %s; the %s lane is off", err, lane == LANE_HEAVY ? "import" : "webhook");
        atomic_store(&R.exited[lane], true);
        return NULL;
    }
    const char *owner = jobs_owner_self();
    const char *const *kinds = lane == LANE_HEAVY ? HEAVY : LIGHT;
    while (!atomic_load(&R.stopping)) {
        job j;
        int rc = jobs_claim(db, kinds, owner, (int64_t)clock_unix_ms(), (int64_t)R.cfg.lease_ms, &j, err, sizeof err);
        if (rc < 0)
            oplog("isla: jobs: %s", err);
        if (rc != 1) {
            nap(rc < 0 ? 2000 : IDLE_WAIT_MS);
            continue;
        }
        pthread_mutex_lock(&s->lock);
        s->id = j.id;
        s->rows = 0;
        s->percent = -1;
        s->eta_s = -1;
        s->changed = false;
        s->last_beat_ms = clock_mono_ms();
        atomic_store(&s->stop, false);
        s->releasing = false;
        pthread_mutex_unlock(&s->lock);
        event_push(&j, "running");
        oplog("isla: jobs: %s job %lld started (attempt %u of %u)", j.kind, (long long)j.id, j.attempts,
              j.max_attempts);

        job_ctx ctx = {.cfg = &R.cfg,
                       .stop = &s->stop,
                       .runner = s,
                       .progress = slot_progress,
                       .db_acquire = jobs_db_acquire,
                       .db_release = jobs_db_release,
                       .wake = jobs_wake};
        buf_t result = {0};
        err[0] = '\0';
        job_fn fn = fn_of(j.kind);
        job_outcome out = JOB_OUT_FAIL_PERMANENT;
        if (fn != NULL)
            out = fn(&ctx, &j, &result, err, sizeof err);
        else
            snprintf(err, sizeof err, "unknown job kind '%s'", j.kind);
        if (out != JOB_OUT_OK && atomic_load(&R.stopping))
            out = JOB_OUT_RELEASE;
        if (err[0] == '\0' && out != JOB_OUT_OK)
            snprintf(err, sizeof err, "failed");
        buf_putc(&result, '\0');
        uint64_t rnd = 0;
        if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != sizeof rnd)
            rnd = (uint64_t)clock_mono_ms() * 0x9e3779b97f4a7c15ull;
        uint64_t base = !strcmp(j.kind, "webhook") ? R.cfg.webhook_backoff_ms : R.cfg.backoff_base_ms;
        uint64_t backoff = job_backoff_ms(base, R.cfg.backoff_cap_ms, j.attempts, rnd);
        job_status final;
        int f = jobs_finish(db, j.id, owner, out, out == JOB_OUT_OK ? result.data : NULL, err, (int64_t)clock_unix_ms(), backoff,
                            &final);
        pthread_mutex_lock(&s->lock);
        s->id = 0;
        pthread_mutex_unlock(&s->lock);
        if (f == 0) {
            if (final == JOB_DONE)
                oplog("isla: jobs: %s job %lld done", j.kind, (long long)j.id);
            else if (final == JOB_RETRYING)
                oplog("isla: jobs: %s job %lld failed (attempt %u of %u), retrying in %.1f s: %s", j.kind,
                      (long long)j.id, j.attempts, j.max_attempts, (double)backoff / 1000.0, err);
            else if (final == JOB_DEAD)
                oplog("isla: jobs: %s job %lld is dead after %u attempts: %s", j.kind, (long long)j.id, j.attempts,
                      err);
            else
                oplog("isla: jobs: %s job %lld given back to the queue (the server stops)", j.kind, (long long)j.id);
        } else if (f < 0) {
            oplog("isla: jobs: cannot record the end of job %lld", (long long)j.id);
        }
        event_of(db, j.id, final == JOB_DONE ? "done" : final == JOB_DEAD ? "dead" : job_status_name(final));
        buf_free(&result);
        job_free(&j);
    }
    jobs_db_close(db);
    atomic_store(&R.exited[lane], true);
    return NULL;
}

/* ---- the keeper: leases, progress, cancellations, the snapshot ----------- */

/* A job for /api/stats and the dashboard, which anyone may read: no
 * payload or result (paths, URLs), and URLs in the error replaced by
 * "<url>" (a webhook URL is often a secret). */
static void public_job(const job *j, buf_t *b)
{
    buf_printf(b, "{\"id\":%lld,\"kind\":\"%s\",\"status\":\"%s\",\"attempts\":%u,\"maxAttempts\":%u,",
               (long long)j->id, j->kind, job_status_name(j->status), j->attempts, j->max_attempts);
    buf_printf(b, "\"progress\":{\"rows\":%llu,\"percent\":", (unsigned long long)j->rows);
    if (j->percent >= 0)
        buf_printf(b, "%.1f", j->percent);
    else
        BUF_LIT(b, "null");
    BUF_LIT(b, ",\"etaSeconds\":");
    if (j->eta_s >= 0)
        buf_printf(b, "%.0f", j->eta_s);
    else
        BUF_LIT(b, "null");
    BUF_LIT(b, "},\"error\":");
    if (j->error == NULL) {
        BUF_LIT(b, "null");
    } else {
        buf_t e = {0};
        for (const char *p = j->error; *p;) {
            if (!strncmp(p, "http://", 7) || !strncmp(p, "https://", 8)) {
                BUF_LIT(&e, "<url>");
                while (*p && *p != ' ') /* a URL ends at a space */
                    p++;
                continue;
            }
            buf_putc(&e, *p++);
        }
        buf_put_json_str(b, e.data, e.len);
        buf_free(&e);
    }
    buf_printf(b, ",\"createdMs\":%lld,\"finishedMs\":%lld}", (long long)j->created_ms, (long long)j->finished_ms);
}

/* A JSON array of jobs, as public_job writes each. */
static void public_jobs(const job *j, size_t n, buf_t *b)
{
    buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ',');
        public_job(&j[i], b);
    }
    buf_putc(b, ']');
}

static void snapshot(jobs_db *db)
{
    jobs_kind_counts *c = NULL;
    size_t n = 0;
    char err[256];
    if (jobs_counts(db, &c, &n, err, sizeof err) != 0)
        return;
    job *run = NULL, *dead = NULL, *queued = NULL;
    size_t nrun = 0, ndead = 0, nqueued = 0;
    jobs_list(db, "running", NULL, 10, &run, &nrun, err, sizeof err);
    jobs_list(db, "dead", NULL, 5, &dead, &ndead, err, sizeof err);
    jobs_list(db, "queued", NULL, 5, &queued, &nqueued, err, sizeof err);

    buf_t js = {0}, pm = {0};
    static const char *const kinds[] = {"import", "export", "webhook", "schedule"};
    jobs_kind_counts kc[4];
    memset(kc, 0, sizeof kc);
    for (size_t k = 0; k < 4; k++)
        for (size_t i = 0; i < n; i++)
            if (!strcmp(c[i].kind, kinds[k]))
                kc[k] = c[i];
    BUF_LIT(&js, "{\"kinds\":{");
    for (size_t k = 0; k < 4; k++) {
        buf_printf(&js, "%s\"%s\":{", k ? "," : "", kinds[k]);
        for (int s = 0; s < JOB_STATUS_COUNT; s++)
            buf_printf(&js, "%s\"%s\":%llu", s ? "," : "", job_status_name((job_status)s),
                       (unsigned long long)kc[k].n[s]);
        buf_printf(&js, ",\"retries\":%llu}", (unsigned long long)kc[k].retries);
    }
    /* Prometheus: every family's samples in one group. */
    BUF_LIT(&pm, "# HELP isla_jobs_queue_depth Jobs waiting to run (queued or retrying), per kind.\n"
                 "# TYPE isla_jobs_queue_depth gauge\n");
    for (size_t k = 0; k < 4; k++)
        buf_printf(&pm, "isla_jobs_queue_depth{kind=\"%s\"} %llu\n", kinds[k],
                   (unsigned long long)(kc[k].n[JOB_QUEUED] + kc[k].n[JOB_RETRYING]));
    BUF_LIT(&pm, "# HELP isla_jobs Jobs in the queue by kind and state.\n# TYPE isla_jobs gauge\n");
    for (size_t k = 0; k < 4; k++)
        for (int s = 0; s < JOB_STATUS_COUNT; s++)
            buf_printf(&pm, "isla_jobs{kind=\"%s\",status=\"%s\"} %llu\n", kinds[k], job_status_name((job_status)s),
                       (unsigned long long)kc[k].n[s]);
    BUF_LIT(&pm, "# HELP isla_job_retries_total Attempts beyond the first, per kind.\n"
                 "# TYPE isla_job_retries_total counter\n");
    for (size_t k = 0; k < 4; k++)
        buf_printf(&pm, "isla_job_retries_total{kind=\"%s\"} %llu\n", kinds[k], (unsigned long long)kc[k].retries);
    BUF_LIT(&pm, "# HELP isla_jobs_dead Jobs that failed their last attempt, per kind.\n# TYPE isla_jobs_dead gauge\n");
    for (size_t k = 0; k < 4; k++)
        buf_printf(&pm, "isla_jobs_dead{kind=\"%s\"} %llu\n", kinds[k], (unsigned long long)kc[k].n[JOB_DEAD]);
    BUF_LIT(&pm, "# HELP isla_job_duration_seconds Run time of finished jobs, per kind.\n"
                 "# TYPE isla_job_duration_seconds summary\n");
    for (size_t k = 0; k < 4; k++)
        buf_printf(&pm, "isla_job_duration_seconds_sum{kind=\"%s\"} %.3f\nisla_job_duration_seconds_count{kind=\"%s\"} %llu\n",
                   kinds[k], kc[k].seconds_done, kinds[k], (unsigned long long)kc[k].count_done);
    BUF_LIT(&js, "},\"running\":");
    public_jobs(run, nrun, &js);
    BUF_LIT(&js, ",\"queued\":");
    public_jobs(queued, nqueued, &js);
    BUF_LIT(&js, ",\"dead\":");
    public_jobs(dead, ndead, &js);
    buf_putc(&js, '}');
    pthread_mutex_lock(&R.snap_lock);
    buf_t oj = R.snap_json, op = R.snap_prom;
    R.snap_json = js;
    R.snap_prom = pm;
    pthread_mutex_unlock(&R.snap_lock);
    buf_free(&oj);
    buf_free(&op);
    for (size_t i = 0; i < nrun; i++)
        job_free(&run[i]);
    for (size_t i = 0; i < ndead; i++)
        job_free(&dead[i]);
    for (size_t i = 0; i < nqueued; i++)
        job_free(&queued[i]);
    free(run);
    free(dead);
    free(queued);
    free(c);
}

void jobs_render_stats(buf_t *b)
{
    pthread_mutex_lock(&R.snap_lock);
    if (R.snap_json.len)
        buf_put(b, R.snap_json.data, R.snap_json.len);
    else
        BUF_LIT(b, "null");
    pthread_mutex_unlock(&R.snap_lock);
}

void jobs_render_prometheus(buf_t *b)
{
    pthread_mutex_lock(&R.snap_lock);
    if (R.snap_prom.len)
        buf_put(b, R.snap_prom.data, R.snap_prom.len);
    pthread_mutex_unlock(&R.snap_lock);
}

/* Ended jobs older than the retention go, with their export files: a
 * server that alerts for months does not grow its queue without bound. */
static void prune(jobs_db *db)
{
    int64_t *ids;
    size_t n;
    if (jobs_prune(db, (int64_t)clock_unix_ms() - (int64_t)R.cfg.retention_ms, &ids, &n) < 0) {
        oplog("isla: jobs: cannot delete old jobs");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char path[4300];
        static const char *const ext[] = {"csv", "json"};
        for (int e = 0; e < 2; e++) {
            snprintf(path, sizeof path, "%s/exports/job-%lld.%s", R.cfg.data_dir, (long long)ids[i], ext[e]);
            unlink(path);
        }
    }
    if (n > 0)
        oplog("isla: jobs: deleted %zu jobs that ended more than %llu s ago", n,
              (unsigned long long)(R.cfg.retention_ms / 1000));
    free(ids);
}

static void *keeper_main(void *arg)
{
    (void)arg;
    char err[512];
    jobs_db *db = jobs_db_open(R.cfg.data_dir, err, sizeof err);
    if (db == NULL) {
        oplog("isla: jobs: keeper: %s", err);
        return NULL;
    }
    const char *owner = jobs_owner_self();
    uint64_t next_snap = 0, snap_seq = 0, next_prune = 0;
    while (!atomic_load(&R.stopping)) {
        uint64_t now = clock_mono_ms();
        for (int i = 0; i < LANES; i++) {
            slot *s = &R.slots[i];
            pthread_mutex_lock(&s->lock);
            int64_t id = s->id;
            bool due = id != 0 && now - s->last_beat_ms >= HEARTBEAT_MS;
            uint64_t rows = s->rows;
            double pct = s->percent, eta = s->eta_s;
            bool changed = s->changed;
            if (due) {
                s->last_beat_ms = now;
                s->changed = false;
            }
            pthread_mutex_unlock(&s->lock);
            if (!due)
                continue;
            int hb = jobs_heartbeat(db, id, owner, (int64_t)clock_unix_ms(), (int64_t)R.cfg.lease_ms, rows, pct, eta);
            if (hb == 1) {
                /* Cancelled (by the CLI, the API or another server) or taken. */
                atomic_store(&s->stop, true);
            } else if (hb == 0 && changed) {
                event_of(db, id, "progress");
            }
        }
        if (R.cfg.retention_ms > 0 && now >= next_prune) {
            next_prune = now + 600000; /* every 10 minutes */
            prune(db);
        }
        /* Once a second, and soon after any job event, so /metrics and the
         * dashboard follow a job's end within a tick. */
        uint64_t seq = jobs_events_last();
        if (now >= next_snap || seq != snap_seq) {
            next_snap = now + 1000;
            snap_seq = seq;
            snapshot(db);
        }
        nap(KEEPER_MS);
    }
    jobs_db_close(db);
    return NULL;
}

/* ---- start and stop -------------------------------------------------------- */

bool jobs_on(void)
{
    return R.on;
}

jobs_db *jobs_db_acquire(void)
{
    pthread_mutex_lock(&R.db_lock);
    return R.db;
}

void jobs_db_release(void)
{
    pthread_mutex_unlock(&R.db_lock);
}

uint32_t jobs_max_attempts(const char *kind)
{
    if (!strcmp(kind, "import"))
        return R.cfg.import_attempts;
    if (!strcmp(kind, "export"))
        return R.cfg.export_attempts;
    if (!strcmp(kind, "webhook"))
        return R.cfg.webhook_attempts;
    return 3;
}

bool jobs_submit_webhook(const char *url, const char *body)
{
    if (!R.on)
        return false;
    buf_t p = {0};
    BUF_LIT(&p, "{\"url\":");
    buf_put_json_str(&p, url, strlen(url));
    BUF_LIT(&p, ",\"body\":");
    buf_put_json_str(&p, body, strlen(body));
    buf_putc(&p, '}');
    buf_putc(&p, '\0');
    char err[512];
    bool existed;
    jobs_db *db = jobs_db_acquire();
    int64_t id = jobs_submit(db, "webhook", p.data, NULL, R.cfg.webhook_attempts, 0, &existed, err, sizeof err);
    if (id > 0)
        event_of(db, id, "queued");
    jobs_db_release();
    buf_free(&p);
    if (id < 0) {
        oplog("isla: jobs: cannot queue a webhook delivery: %s", err);
        return false;
    }
    jobs_wake();
    return true;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

bool jobs_start(const jobs_config *cfg, char *err, size_t errlen)
{
    R.cfg = *cfg;
    R.data_dir = strdup(cfg->data_dir);
    R.schedule_at = dup_or_null(cfg->schedule_at);
    R.schedule_offers = dup_or_null(cfg->schedule_offers);
    R.schedule_hotels = dup_or_null(cfg->schedule_hotels);
    R.cfg.data_dir = R.data_dir;
    R.cfg.schedule_at = R.schedule_at;
    R.cfg.schedule_offers = R.schedule_offers;
    R.cfg.schedule_hotels = R.schedule_hotels;
    R.db = jobs_db_open(R.data_dir, err, errlen);
    if (R.db == NULL)
        return false;
    jobs_owner_self();
    if (R.schedule_at != NULL && !jobs_schedule_next(R.db, &R.cfg, (int64_t)clock_unix_ms(), err, errlen)) {
        jobs_db_close(R.db);
        R.db = NULL;
        return false;
    }
    atomic_store(&R.stopping, false);
    for (int i = 0; i < LANES; i++) {
        pthread_mutex_init(&R.slots[i].lock, NULL);
        atomic_store(&R.exited[i], false);
    }
    R.on = true;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (int i = 0; i < LANES; i++)
        R.started[i] = pthread_create(&R.workers[i], NULL, worker_main, (void *)(intptr_t)i) == 0;
    R.keeper_started = pthread_create(&R.keeper, NULL, keeper_main, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return true;
}

void jobs_stop(uint64_t wait_ms)
{
    if (!R.on)
        return;
    atomic_store(&R.stopping, true);
    for (int i = 0; i < LANES; i++) {
        pthread_mutex_lock(&R.slots[i].lock);
        R.slots[i].releasing = true;
        atomic_store(&R.slots[i].stop, true);
        pthread_mutex_unlock(&R.slots[i].lock);
    }
    jobs_wake();
    uint64_t deadline = clock_mono_ms() + wait_ms;
    bool all = true;
    for (int i = 0; i < LANES; i++) {
        if (!R.started[i])
            continue;
        while (!atomic_load(&R.exited[i]) && clock_mono_ms() < deadline) {
            struct timespec ts = {0, 10 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (atomic_load(&R.exited[i]))
            pthread_join(R.workers[i], NULL);
        else
            all = false; /* still inside a job that cannot stop at once: the exit ends it; its lease lapses */
    }
    if (R.keeper_started)
        pthread_join(R.keeper, NULL);
    if (!all) {
        oplog("isla: jobs: a job did not stop within %llu ms; it runs again after a restart",
              (unsigned long long)wait_ms);
        return; /* leave the shared state to the exiting process */
    }
    R.on = false;
    jobs_db_close(R.db);
    R.db = NULL;
    for (int i = 0; i < JOBS_EVENT_RING; i++) {
        free(R.ring[i]);
        R.ring[i] = NULL;
    }
    buf_free(&R.snap_json);
    buf_free(&R.snap_prom);
    free(R.data_dir);
    free(R.schedule_at);
    free(R.schedule_offers);
    free(R.schedule_hotels);
}
