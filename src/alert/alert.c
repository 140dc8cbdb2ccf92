/* Alerts; see alert.h. */
#include "alert/alert.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "webclient/webclient.h"

#define QUEUE_CAP 64
#define MAX_KINDS 16
#define ATTEMPTS 3

typedef struct {
    char kind[32];
    bool firing;
    uint64_t last_sent_ms;
    bool sent_since_firing;   /* a "firing" went out, so a "resolved" is due */
} kind_state;

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool running, stopping;
    char *webhook;
    char instance[256];
    uint64_t cooldown_ms;
    char *queue[QUEUE_CAP];
    unsigned head, len;
    bool busy;                /* the sender is delivering one */
    kind_state kinds[MAX_KINDS];
    unsigned n_kinds;
    _Atomic uint64_t fired, delivered, failed, dropped, queued;
    bool (*sink)(const char *url, const char *body);
} A = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p, (void)ud;
    return size * n;
}

static bool post(CURL *c, const char *body, char *err, size_t errlen)
{
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    char ebuf[CURL_ERROR_SIZE] = "";
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, A.webhook);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "isla-alert/1");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(hdr);
    return webclient_status(c, rc, ebuf, err, errlen);
}

/* Waits up to ms, returning early when stopping. Lock held. */
static void nap_locked(uint64_t ms)
{
    struct timespec ts = clock_deadline_after_ms(ms);
    while (!A.stopping && pthread_cond_timedwait(&A.cond, &A.lock, &ts) != ETIMEDOUT) {
    }
}

static void *sender_main(void *arg)
{
    (void)arg;
    CURL *c = curl_easy_init();
    pthread_mutex_lock(&A.lock);
    for (;;) {
        while (A.len == 0 && !A.stopping)
            pthread_cond_wait(&A.cond, &A.lock);
        if (A.len == 0)
            break;
        char *body = A.queue[A.head];
        A.head = (A.head + 1) % QUEUE_CAP;
        A.len--;
        A.busy = true;
        bool ok = false;
        char err[CURL_ERROR_SIZE + 32] = "curl unavailable";
        for (int attempt = 0; attempt < ATTEMPTS && !ok; attempt++) {
            if (attempt > 0) {
                if (A.stopping)
                    break;
                nap_locked(1000u << (attempt - 1));
            }
            pthread_mutex_unlock(&A.lock);
            ok = c != NULL && post(c, body, err, sizeof(err));
            pthread_mutex_lock(&A.lock);
        }
        A.busy = false;
        if (ok) {
            atomic_fetch_add(&A.delivered, 1);
        } else {
            atomic_fetch_add(&A.failed, 1);
            oplog("isla: alert: webhook delivery failed: %s", err);
        }
        free(body);
        pthread_cond_broadcast(&A.cond);
    }
    pthread_mutex_unlock(&A.lock);
    if (c != NULL)
        curl_easy_cleanup(c);
    return NULL;
}

void alert_start(const char *webhook, uint64_t cooldown_ms, const char *instance)
{
    A.cooldown_ms = cooldown_ms;
    snprintf(A.instance, sizeof(A.instance), "%s", instance != NULL ? instance : "");
    A.n_kinds = 0;
    A.stopping = false;
    if (webhook == NULL)
        return;
    A.webhook = strdup(webhook);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    A.running = pthread_create(&A.thread, NULL, sender_main, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!A.running)
        oplog("isla: alert: cannot start the webhook thread; alerts are logged only");
}

void alert_stop(uint64_t wait_ms)
{
    if (!A.running)
        return;
    uint64_t deadline = clock_mono_ms() + wait_ms;
    pthread_mutex_lock(&A.lock);
    while ((A.len > 0 || A.busy) && clock_mono_ms() < deadline)
        nap_locked(50);
    A.stopping = true;
    /* Whatever was not delivered in time is dropped. */
    while (A.len > 0) {
        free(A.queue[A.head]);
        A.head = (A.head + 1) % QUEUE_CAP;
        A.len--;
        atomic_fetch_add(&A.dropped, 1);
    }
    pthread_cond_broadcast(&A.cond);
    pthread_mutex_unlock(&A.lock);
    pthread_join(A.thread, NULL);
    A.running = false;
    free(A.webhook);
    A.webhook = NULL;
    curl_global_cleanup();
}

static void enqueue(char *body)
{
    pthread_mutex_lock(&A.lock);
    if (A.len == QUEUE_CAP) {
        free(A.queue[A.head]);
        A.head = (A.head + 1) % QUEUE_CAP;
        A.len--;
        atomic_fetch_add(&A.dropped, 1);
    }
    A.queue[(A.head + A.len) % QUEUE_CAP] = body;
    A.len++;
    pthread_cond_broadcast(&A.cond);
    pthread_mutex_unlock(&A.lock);
}

static kind_state *kind_get(const char *kind)
{
    for (unsigned i = 0; i < A.n_kinds; i++)
        if (!strcmp(A.kinds[i].kind, kind))
            return &A.kinds[i];
    if (A.n_kinds == MAX_KINDS)
        return NULL;
    kind_state *k = &A.kinds[A.n_kinds++];
    memset(k, 0, sizeof(*k));
    snprintf(k->kind, sizeof(k->kind), "%s", kind);
    return k;
}

static void send_alert(const char *kind, const char *status, const char *msg, bool has_value, double value,
                       double threshold)
{
    atomic_fetch_add(&A.fired, 1);
    oplog("isla: ALERT %s %s: %s", kind, status, msg);
    if (!A.running)
        return;
    char ts[40];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_t b = {0};
    BUF_LIT(&b, "{\"alert\":");
    buf_put_json_str(&b, kind, strlen(kind));
    BUF_LIT(&b, ",\"status\":");
    buf_put_json_str(&b, status, strlen(status));
    BUF_LIT(&b, ",\"severity\":");
    const char *sev = !strcmp(status, "resolved") ? "info" : !strcmp(kind, "reload_failed") ? "critical" : "warning";
    buf_put_json_str(&b, sev, strlen(sev));
    BUF_LIT(&b, ",\"message\":");
    buf_put_json_str(&b, msg, strlen(msg));
    if (has_value)
        buf_printf(&b, ",\"value\":%.6g,\"threshold\":%.6g", value, threshold);
    BUF_LIT(&b, ",\"instance\":");
    buf_put_json_str(&b, A.instance, strlen(A.instance));
    buf_printf(&b, ",\"pid\":%ld,\"time\":\"%s\"", (long)getpid(), ts);
    /* "text" makes the same payload readable by Slack-style receivers. */
    char text[1200];
    snprintf(text, sizeof(text), "isla %s: %s %s: %s", A.instance, kind, status, msg);
    BUF_LIT(&b, ",\"text\":");
    buf_put_json_str(&b, text, strlen(text));
    buf_putc(&b, '}');
    buf_putc(&b, '\0');
    if (A.sink != NULL && A.sink(A.webhook, b.data)) {
        atomic_fetch_add(&A.queued, 1);
        free(b.data);
        return;
    }
    enqueue(b.data);
}

void alert_set_sink(bool (*sink)(const char *url, const char *body))
{
    A.sink = sink;
}

void alert_delivery_result(bool ok, const char *err)
{
    if (ok) {
        atomic_fetch_add(&A.delivered, 1);
    } else {
        atomic_fetch_add(&A.failed, 1);
        oplog("isla: alert: webhook delivery failed: %s", err);
    }
}

void alert_condition(const char *kind, bool active, double value, double threshold, uint64_t now_ms,
                     const char *fmt, ...)
{
    kind_state *k = kind_get(kind);
    if (k == NULL)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (active) {
        bool due = !k->firing || now_ms - k->last_sent_ms >= A.cooldown_ms;
        bool cooled = k->last_sent_ms == 0 || now_ms - k->last_sent_ms >= A.cooldown_ms;
        k->firing = true;
        if (due && cooled) {
            k->last_sent_ms = now_ms;
            k->sent_since_firing = true;
            send_alert(kind, "firing", msg, true, value, threshold);
        }
    } else if (k->firing) {
        k->firing = false;
        if (k->sent_since_firing) {
            k->sent_since_firing = false;
            send_alert(kind, "resolved", msg, true, value, threshold);
        }
    }
}

void alert_event(const char *kind, uint64_t now_ms, const char *fmt, ...)
{
    kind_state *k = kind_get(kind);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (k != NULL && k->last_sent_ms != 0 && now_ms - k->last_sent_ms < A.cooldown_ms) {
        oplog("isla: alert %s suppressed by the cooldown: %s", kind, msg);
        return;
    }
    if (k != NULL)
        k->last_sent_ms = now_ms;
    send_alert(kind, "firing", msg, false, 0, 0);
}

void alert_counts_read(alert_counts *c)
{
    c->fired = atomic_load(&A.fired);
    c->delivered = atomic_load(&A.delivered);
    c->failed = atomic_load(&A.failed);
    c->dropped = atomic_load(&A.dropped);
    c->queued = atomic_load(&A.queued);
}
