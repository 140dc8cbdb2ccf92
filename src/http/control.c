/* The control thread's work: generation loads (on a loader thread, so
 * serving never waits for the file to be read and verified), publication
 * of the new store to the workers, reload results for the admin endpoint,
 * SIGHUP (reload, web files, access log reopen), and once a second the
 * metrics window, the memory monitor, the rate limiter's sweep and the
 * alert rules. */
#include "http/control.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "api/nlq_query.h"
#include "cluster/ship.h"
#include "cluster/warm.h"
#include "http/respond.h"
#include "util/ratelimit.h"
#include "keys/keys.h"
#include "alert/alert.h"
#include "metrics/memory.h"
#include "util/log.h"
#include "util/ratelimit.h"

#define POLL_MS 1000             /* how often to look for a first generation */

/* ---- generations -------------------------------------------------------- */

void http_publish(server *srv, store_t *s, static_site *web, bool set_store, bool set_web)
{
    store_t *old_store = NULL;
    static_site *old_web = NULL;
    pthread_mutex_lock(&srv->lock);
    if (set_store) {
        old_store = srv->store;
        srv->store = s;
    }
    if (set_web) {
        old_web = srv->web;
        srv->web = web;
    }
    atomic_fetch_add_explicit(&srv->seq, 1, memory_order_release);
    pthread_mutex_unlock(&srv->lock);
    if (old_store != NULL)
        store_release(old_store);
    if (old_web != NULL)
        static_site_release(old_web);
}

static void *loader_main(void *arg)
{
    server *srv = arg;
    loader *l = &srv->load;
    l->err[0] = '\0';
    l->result = store_open(srv->cfg->data_dir, srv->cfg->verify, l->err, sizeof(l->err));
    if (l->result) { /* before it serves: the first searches should not fault */
        if (!srv->cfg->verify) /* verifying mapped the hot sections already */
            store_warm(l->result);
        api_nlq_parser(l->result); /* the intent parser's tables, once per generation */
    }
    l->manifest = NULL;
    if (l->result && srv->cfg->admin_token != NULL && srv->cfg->follow_url == NULL) {
        /* A builder ships what it serves: the manifest is made here, once
         * per generation, so replicas' polls cost nothing. */
        ship_manifest *m = malloc(sizeof(*m));
        char err[1024];
        if (m != NULL && ship_manifest_build(l->result->path, l->result->generation, m, err, sizeof(err))) {
            l->manifest = m;
        } else {
            oplog("isla: generations: cannot ship generation %llu: %s", (unsigned long long)l->result->generation,
                  m != NULL ? err : "out of memory");
            free(m);
        }
    }
    if (l->result == NULL && l->err[0] == '\0')
        snprintf(l->err, sizeof(l->err), "unknown error");
    atomic_store_explicit(&l->done, true, memory_order_release);
    if (l->wake_fd >= 0) {
        uint64_t one = 1;
        if (write(l->wake_fd, &one, sizeof one) < 0) {
            /* the counter cannot overflow here; the next tick sees done */
        }
    }
    return NULL;
}

static void current_path(const server *srv, char *out, size_t n)
{
    snprintf(out, n, "%s/CURRENT", srv->cfg->data_dir);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void loader_start(server *srv)
{
    loader *l = &srv->load;
    char cur[4200];
    current_path(srv, cur, sizeof(cur));
    l->have_current_sb = stat(cur, &l->current_sb) == 0;
    l->result = NULL;
    l->ticket = srv->reload_seen;
    atomic_store(&l->done, false);
    /* Signals stay with the control thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&l->thread, NULL, loader_main, srv);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        /* Without a thread, load in place: slower, but still correct. */
        loader_main(srv);
        l->running = false;
        return;
    }
    l->running = true;
}

static void set_result(server *srv, uint64_t ticket, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_result(server *srv, uint64_t ticket, int status, const char *fmt, ...)
{
    pthread_mutex_lock(&srv->lock);
    srv->result.status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(srv->result.body, sizeof(srv->result.body), fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&srv->lock);
    atomic_store_explicit(&srv->reload_done, ticket, memory_order_release);
}

static void loader_finish(server *srv)
{
    loader *l = &srv->load;
    store_t *s = l->result;
    l->result = NULL;
    uint64_t now = clock_mono_ms();
    if (s == NULL) {
        buf_t msg = {0};
        buf_put_json_str(&msg, l->err, strlen(l->err));
        buf_putc(&msg, '\0');
        if (srv->store != NULL) {
            atomic_fetch_add(&srv->reloads_failed, 1);
            oplog("isla: reload refused: %s; still serving generation %llu", l->err,
                  (unsigned long long)srv->store->generation);
            alert_event("reload_failed", now, "reload refused: %s; still serving generation %llu", l->err,
                        (unsigned long long)srv->store->generation);
            set_result(srv, l->ticket, 409,
                       "{\"error\":{\"code\":\"reload_refused\",\"message\":%s,\"param\":null},\"generation\":%llu}",
                       msg.data, (unsigned long long)srv->store->generation);
        } else {
            oplog("isla: cannot open a generation in %s: %s; listening on %s without data "
                  "(retrying when CURRENT changes, or on SIGHUP)",
                  srv->cfg->data_dir, l->err, srv->url);
            alert_event("reload_failed", now, "cannot open a generation in %s: %s; serving no data",
                        srv->cfg->data_dir, l->err);
            srv->have_failed_sb = l->have_current_sb;
            srv->failed_sb = l->current_sb;
            set_result(srv, l->ticket, 409,
                       "{\"error\":{\"code\":\"reload_refused\",\"message\":%s,\"param\":null},\"generation\":null}",
                       msg.data);
        }
        buf_free(&msg);
        return;
    }
    ship_manifest *manifest = l->manifest;
    l->manifest = NULL;
    if (srv->store != NULL && s->generation == srv->store->generation && strcmp(s->path, srv->store->path) == 0) {
        free(manifest);
        oplog("isla: reload: generation %llu is already serving", (unsigned long long)s->generation);
        set_result(srv, l->ticket, 200, "{\"status\":\"unchanged\",\"generation\":%llu,\"offers\":%u}",
                   (unsigned long long)s->generation, s->n_offers);
        store_release(s);
        return;
    }
    uint64_t gen = s->generation, offers = s->n_offers;
    uint64_t previous = srv->store != NULL ? srv->store->generation : 0;
    bool first = srv->store == NULL;
    /* What was asked most on the old generation, to ask the new one. */
    size_t n_warm = 0;
    char **warm = NULL;
    if (!first && srv->cfg->warm_max > 0 && (warm = calloc(srv->cfg->warm_max, sizeof(*warm))) != NULL)
        n_warm = cache_top_origins(srv->cfg->warm_max, warm);
    http_publish(srv, s, NULL, true, false);
    pthread_mutex_lock(&srv->lock);
    ship_manifest *old_manifest = srv->manifest;
    srv->manifest = manifest;
    pthread_mutex_unlock(&srv->lock);
    free(old_manifest);
    /* Answers of the old generation must not be served for the new one;
     * entries carry their generation too, so one computed by a request in
     * flight across the switch is never a hit. */
    cache_clear();
    if (warm != NULL) {
        store_retain(s);
        warm_start(s, warm, n_warm, srv->cfg->warm_time_ms);
    }
    atomic_store(&srv->last_reload_unix_ms, clock_unix_ms());
    if (!first)
        atomic_fetch_add(&srv->reloads_ok, 1);
    if (!srv->announced) {
        srv->announced = true;
        oplog("isla: serving generation %llu (%llu offers) on %s with %u threads", (unsigned long long)gen,
              (unsigned long long)offers, srv->url, srv->n_workers);
    } else {
        oplog("isla: reloaded generation %llu (offers %llu)", (unsigned long long)gen, (unsigned long long)offers);
    }
    if (first)
        set_result(srv, l->ticket, 200, "{\"status\":\"loaded\",\"generation\":%llu,\"previous\":null,\"offers\":%llu}",
                   (unsigned long long)gen, (unsigned long long)offers);
    else
        set_result(srv, l->ticket, 200, "{\"status\":\"reloaded\",\"generation\":%llu,\"previous\":%llu,\"offers\":%llu}",
                   (unsigned long long)gen, (unsigned long long)previous, (unsigned long long)offers);
}

/* Before the first generation: is there one to try? */
bool http_first_generation_ready(server *srv)
{
    char cur[4200];
    struct stat sb;
    current_path(srv, cur, sizeof(cur));
    if (stat(cur, &sb) != 0) {
        if (!srv->said_waiting && !srv->have_failed_sb) {
            srv->said_waiting = true;
            oplog("isla: no generation yet in %s; listening on %s, waiting for an import", srv->cfg->data_dir,
                  srv->url);
        }
        return false;
    }
    /* A generation that failed once is not read again until CURRENT
     * changes: verifying a broken 2 GB file every second helps nobody. */
    return !(srv->have_failed_sb && same_file(&sb, &srv->failed_sb));
}

static void reload_web(server *srv)
{
    if (srv->cfg->web_dir == NULL)
        return;
    char err[1024];
    static_site *web = static_site_load(srv->cfg->web_dir, err, sizeof(err));
    if (web == NULL) {
        oplog("isla: web: %s; keeping the files loaded before", err);
        return;
    }
    http_publish(srv, NULL, web, false, true);
}

/* Signals, admin requests, loads, polling. Runs on the control thread. */
void http_control_tick(server *srv)
{
    loader *l = &srv->load;
    /* New, revoked and rotated API keys apply within a tick. */
    keys_refresh();
    if (g_hup) {
        g_hup = 0;
        srv->reload_wanted = true;
        reload_web(srv);
        accesslog_reopen();
    }
    uint64_t pulled = atomic_load(&srv->follow_published);
    if (pulled != srv->follow_seen) {
        /* The follower published a generation it verified. */
        srv->follow_seen = pulled;
        srv->reload_wanted = true;
        srv->have_failed_sb = false;
    }
    uint64_t asked = atomic_load(&srv->reload_requested);
    if (asked > srv->reload_seen) {
        srv->reload_seen = asked;
        srv->reload_wanted = true;
        /* An explicit request retries a generation that failed before. */
        srv->have_failed_sb = false;
    }
    if (l->running && atomic_load_explicit(&l->done, memory_order_acquire)) {
        pthread_join(l->thread, NULL);
        l->running = false;
        loader_finish(srv);
    }
    if (srv->store == NULL && !l->running && !srv->reload_wanted) {
        uint64_t now = clock_mono_ms();
        if (now >= srv->next_poll_ms) {
            srv->next_poll_ms = now + POLL_MS;
            srv->reload_wanted = http_first_generation_ready(srv);
        }
    }
    if (srv->reload_wanted && !l->running) {
        srv->reload_wanted = false;
        loader_start(srv);
        if (!l->running) /* loaded in place */
            loader_finish(srv);
    }
}

/* Once a second: the metrics window, memory, rate-limit buckets, alerts. */
void http_second_tick(server *srv, uint64_t now, uint64_t *next_memlog)
{
    const server_config *cfg = srv->cfg;
    metrics_tick();
    uint64_t rss = memory_sample(now);
    ratelimit_sweep(clock_mono_ns());

    metrics_window w;
    metrics_window_read(&w);
    bool enough = w.all.count >= cfg->alert_min_requests;
    if (cfg->alert_p99_ms > 0)
        alert_condition("p99_latency", enough && w.all.p99 > cfg->alert_p99_ms, w.all.p99, cfg->alert_p99_ms, now,
                        "p99 latency %.1f ms over the last %.0f s (threshold %.1f ms, %llu requests)", w.all.p99,
                        w.seconds, cfg->alert_p99_ms, (unsigned long long)w.all.count);
    if (cfg->alert_error_rate > 0) {
        double rate = w.all.count ? (double)w.all.errors / (double)w.all.count : 0;
        alert_condition("error_rate", enough && rate > cfg->alert_error_rate, rate, cfg->alert_error_rate, now,
                        "5xx ratio %.2f%% over the last %.0f s (threshold %.2f%%, %llu of %llu requests)",
                        rate * 100, w.seconds, cfg->alert_error_rate * 100, (unsigned long long)w.all.errors,
                        (unsigned long long)w.all.count);
    }
    if (cfg->alert_rss_bytes > 0)
        alert_condition("memory_rss", rss > cfg->alert_rss_bytes, (double)rss, (double)cfg->alert_rss_bytes, now,
                        "resident memory %.1f MB (threshold %.1f MB)", (double)rss / 1048576.0,
                        (double)cfg->alert_rss_bytes / 1048576.0);
    /* Offer details are read only to print offers; every 10 s they leave
     * the resident set again (they stay in the page cache), so RSS tracks
     * the hot columns and the index, not whatever was printed lately. */
    static uint64_t next_trim;
    if (now >= next_trim) {
        next_trim = now + 10000;
        pthread_mutex_lock(&srv->lock);
        if (srv->store)
            store_drop_cold_pages(srv->store);
        pthread_mutex_unlock(&srv->lock);
    }
    if (cfg->memory_log_ms > 0 && now >= *next_memlog) {
        *next_memlog = now + cfg->memory_log_ms;
        memory_trend t;
        memory_trend_read(&t);
        oplog("isla: memory: rss %.1f MB; last %.0f s: min %.1f MB, max %.1f MB, trend %+.1f MB/h", (double)t.rss / 1048576.0,
              t.span_s, (double)t.min / 1048576.0, (double)t.max / 1048576.0, t.slope_bytes_per_h / 1048576.0);
    }
}
