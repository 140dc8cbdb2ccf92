/* The access log; see accesslog.h. */
#include "util/accesslog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define FLUSH_BYTES (32u << 10)
#define FLUSH_MS 100

static struct {
    access_log_mode mode;
    uint64_t every;
    double slow_ms;
    int fd;
    char *path;               /* NULL = stderr */
} L = {.fd = STDERR_FILENO};

bool accesslog_open(access_log_mode mode, uint64_t every, const char *path, double slow_ms, char *err,
                    size_t errlen)
{
    L.mode = mode;
    L.every = every ? every : 1;
    L.slow_ms = slow_ms;
    L.fd = STDERR_FILENO;
    free(L.path);
    L.path = NULL;
    if (path != NULL && strcmp(path, "-") != 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "cannot open access log '%s': %s", path, strerror(errno));
            return false;
        }
        L.fd = fd;
        L.path = strdup(path);
    }
    return true;
}

void accesslog_reopen(void)
{
    if (L.path == NULL)
        return;
    int fd = open(L.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return; /* keep writing to the old file */
    dup3(fd, L.fd, O_CLOEXEC);
    close(fd);
}

void accesslog_close(void)
{
    if (L.path != NULL) {
        close(L.fd);
        free(L.path);
        L.path = NULL;
    }
    L.fd = STDERR_FILENO;
}

bool accesslog_is_slow(double ms, bool api_route)
{
    return api_route && L.slow_ms > 0 && ms >= L.slow_ms;
}

bool accesslog_want(accesslog_buf *b, int status, double ms)
{
    switch (L.mode) {
    case ACCESS_LOG_OFF:
        return false;
    case ACCESS_LOG_FULL:
        return true;
    case ACCESS_LOG_SAMPLED:
        if (status >= 500 || (L.slow_ms > 0 && ms >= L.slow_ms))
            return true;
        return b->counter++ % L.every == 0;
    }
    return false;
}

static void put_str(buf_t *b, const char *key, const char *s, size_t n)
{
    buf_puts(b, key);
    if (s == NULL)
        BUF_LIT(b, "null");
    else
        buf_put_json_str(b, s, n);
}

void accesslog_add(accesslog_buf *b, const accesslog_rec *r, bool slow, uint64_t now_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[48];
    size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof(when) - n, ".%03ldZ", ts.tv_nsec / 1000000);
    if (b->buf.len == 0)
        b->first_ms = now_ms;
    buf_t *o = &b->buf;
    BUF_LIT(o, "{\"ts\":\"");
    buf_puts(o, when);
    BUF_LIT(o, "\"");
    if (slow)
        BUF_LIT(o, ",\"slow\":true");
    put_str(o, ",\"id\":", r->request_id, r->request_id_len);
    put_str(o, ",\"client\":", r->client, r->client ? strlen(r->client) : 0);
    put_str(o, ",\"method\":", r->method, r->method_len);
    put_str(o, ",\"path\":", r->path, r->path_len);
    put_str(o, ",\"query\":", r->query_len ? r->query : NULL, r->query_len);
    put_str(o, ",\"proto\":", r->proto, r->proto ? strlen(r->proto) : 0);
    put_str(o, ",\"route\":", r->route, r->route ? strlen(r->route) : 0);
    buf_printf(o, ",\"status\":%d,\"bytes\":%llu,\"ms\":%.3f", r->status, (unsigned long long)r->bytes, r->ms);
    put_str(o, ",\"cache\":", r->cache, r->cache ? strlen(r->cache) : 0);
    put_str(o, ",\"encoding\":", r->encoding, r->encoding ? strlen(r->encoding) : 0);
    if (r->generation)
        buf_printf(o, ",\"generation\":%llu", (unsigned long long)r->generation);
    if (r->key_name != NULL) {
        put_str(o, ",\"key\":", r->key_name, strlen(r->key_name));
        put_str(o, ",\"tier\":", r->tier, r->tier ? strlen(r->tier) : 0);
    }
    put_str(o, ",\"ua\":", r->user_agent, r->user_agent_len);
    BUF_LIT(o, "}\n");
    accesslog_flush(b, now_ms, false);
}

void accesslog_flush(accesslog_buf *b, uint64_t now_ms, bool force)
{
    if (b->buf.len == 0)
        return;
    if (!force && b->buf.len < FLUSH_BYTES && now_ms - b->first_ms < FLUSH_MS)
        return;
    const char *p = b->buf.data;
    size_t left = b->buf.len;
    while (left > 0) {
        ssize_t w = write(L.fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* a full disk must not stop serving: the lines are lost */
        p += w;
        left -= (size_t)w;
    }
    b->buf.len = 0;
}
