/* Outgoing HTTP through libcurl; see webclient.h. */
#include "webclient/webclient.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

void webclient_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void webclient_cleanup(void)
{
    curl_global_cleanup();
}

bool webclient_is_url(const char *s)
{
    return s != NULL && (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8)) && strlen(s) > 8;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p, (void)ud;
    return size * n;
}

static void common(CURL *c, const char *url, char *ebuf)
{
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "isla/1");
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
}

bool webclient_status(CURL *c, CURLcode rc, const char *ebuf, char *err, size_t errlen)
{
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
        return false;
    }
    if (status < 200 || status >= 300) {
        snprintf(err, errlen, "HTTP status %ld", status);
        return false;
    }
    return true;
}

bool webclient_post_json(const char *url, const char *body, long connect_timeout_ms, long timeout_ms, char *err,
                         size_t errlen)
{
    CURL *c = curl_easy_init();
    if (c == NULL) {
        snprintf(err, errlen, "curl unavailable");
        return false;
    }
    char ebuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
    common(c, url, ebuf);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(c);
    bool ok = webclient_status(c, rc, ebuf, err, errlen);
    curl_slist_free_all(hdr);
    curl_easy_cleanup(c);
    return ok;
}

typedef struct {
    FILE *f;
    const _Atomic bool *stop;
    void (*progress)(void *ud, uint64_t got, int64_t total);
    void *ud;
    bool write_failed, stopped;
} dl;

static size_t write_file(char *p, size_t size, size_t n, void *ud)
{
    dl *d = ud;
    if (d->stop && atomic_load(d->stop)) {
        d->stopped = true;
        return 0;
    }
    if (fwrite(p, size, n, d->f) != n) {
        d->write_failed = true;
        return 0;
    }
    return size * n;
}

static int xferinfo(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)ultotal, (void)ulnow;
    dl *d = ud;
    if (d->stop && atomic_load(d->stop)) {
        d->stopped = true;
        return 1;
    }
    if (d->progress)
        d->progress(d->ud, (uint64_t)dlnow, dltotal > 0 ? (int64_t)dltotal : -1);
    return 0;
}

bool webclient_download(const char *url, const char *path, void (*progress)(void *ud, uint64_t got, int64_t total),
                        void *ud, const _Atomic bool *stop, char *err, size_t errlen)
{
    dl d = {.stop = stop, .progress = progress, .ud = ud};
    d.f = fopen(path, "wb");
    if (d.f == NULL) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return false;
    }
    CURL *c = curl_easy_init();
    if (c == NULL) {
        fclose(d.f);
        snprintf(err, errlen, "curl unavailable");
        return false;
    }
    char ebuf[CURL_ERROR_SIZE] = "";
    common(c, url, ebuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_file);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &d);
    CURLcode rc = curl_easy_perform(c);
    bool ok;
    if (d.stopped) {
        snprintf(err, errlen, "stopped");
        ok = false;
    } else if (d.write_failed) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        ok = false;
    } else {
        ok = webclient_status(c, rc, ebuf, err, errlen);
        if (!ok && rc == CURLE_HTTP_RETURNED_ERROR) {
            long status = 0;
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
            snprintf(err, errlen, "HTTP status %ld", status);
        }
    }
    curl_easy_cleanup(c);
    if (fclose(d.f) != 0 && ok) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        ok = false;
    }
    return ok;
}
