/* Replaying popular searches on a new generation. See warm.h. */
#include "cluster/warm.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "cache/cache.h"
#include "query/query.h"
#include "util/clock.h"
#include "util/log.h"

static struct {
    pthread_t thread;
    bool running;
    atomic_bool stop;
    store_t *store;
    char **origins;
    size_t n;
    uint64_t time_ms;
    _Atomic uint64_t runs, warmed, last_warmed, last_candidates, last_ms;
} W;

static void *warm_main(void *arg)
{
    (void)arg;
    /* Below the serving threads: warming only uses what they leave. */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    uint64_t t0 = clock_mono_ms(), deadline = t0 + W.time_ms;
    store_t *s = W.store;
    api_env env = {.started_unix_ms = clock_unix_ms()};
    buf_t key = {0};
    uint64_t done = 0;
    for (size_t i = 0; i < W.n && !atomic_load(&W.stop) && clock_mono_ms() < deadline; i++) {
        const char *o = W.origins[i];
        const char *q = strchr(o, '?');
        size_t plen = q ? (size_t)(q - o) : strlen(o);
        api_request req = {
            .method = "GET", .method_len = 3, .path = o, .path_len = plen,
            .query = q ? q + 1 : "", .query_len = q ? strlen(q + 1) : 0,
        };
        api_match m;
        if (!api_route_match(req.path, req.path_len, &m) || !(m.flags & RF_CACHEABLE))
            continue;
        api_call call;
        api_response res;
        api_prepare(s, &env, &req, &m, &call, &res);
        key.len = 0;
        if (call.ready && api_call_key(&call, &key)) {
            api_execute(&call, &res);
            if (res.status == 200) {
                cache_entry *e = cache_insert_origin(key.data, key.len, s->generation, clock_mono_ms(), res.status,
                                                     res.content_type, res.has_total, res.total,
                                                     cache_blob_new(res.body.data, res.body.len), o, strlen(o));
                if (e != NULL) {
                    cache_release(e);
                    done++;
                }
            }
        }
        api_response_free(&res);
    }
    uint64_t ms = clock_mono_ms() - t0;
    buf_free(&key);
    query_thread_done(); /* this thread ends: its search scratch goes too */
    atomic_fetch_add(&W.runs, 1);
    atomic_fetch_add(&W.warmed, done);
    atomic_store(&W.last_warmed, done);
    atomic_store(&W.last_candidates, W.n);
    atomic_store(&W.last_ms, ms);
    oplog("isla: warm: %llu of the %zu most requested searches answered on generation %llu in %llu ms",
          (unsigned long long)done, W.n, (unsigned long long)s->generation, (unsigned long long)ms);
    return NULL;
}

static void release_job(void)
{
    for (size_t i = 0; i < W.n; i++)
        free(W.origins[i]);
    free(W.origins);
    W.origins = NULL;
    W.n = 0;
    if (W.store != NULL)
        store_release(W.store);
    W.store = NULL;
}

void warm_stop(void)
{
    if (W.running) {
        atomic_store(&W.stop, true);
        pthread_join(W.thread, NULL);
        W.running = false;
    }
    release_job();
}

void warm_start(store_t *s, char **origins, size_t n, uint64_t time_ms)
{
    warm_stop();
    W.store = s;
    W.origins = origins;
    W.n = n;
    W.time_ms = time_ms;
    atomic_store(&W.stop, false);
    if (n == 0 || time_ms == 0) {
        release_job();
        return;
    }
    /* Signals stay with the control thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    W.running = pthread_create(&W.thread, NULL, warm_main, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!W.running)
        release_job();
}

void warm_stats_read(warm_stats *w)
{
    *w = (warm_stats){atomic_load(&W.runs), atomic_load(&W.warmed), atomic_load(&W.last_warmed),
                      atomic_load(&W.last_candidates), atomic_load(&W.last_ms)};
}
