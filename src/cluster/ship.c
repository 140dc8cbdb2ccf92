/* Shipping generations (see ship.h): the builder's shipping slots, and
 * the replica's side: download with resume, verify, publish. The
 * manifests both sides exchange are in manifest.c. */
#include "cluster/ship.h"

#include <ctype.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "store/store.h"
#include "util/clock.h"

#define RETRY_MIN_MS 1000

/* ---- the builder's shipping slots ---------------------------------------- */

typedef struct {
    char id[48];
    unsigned active;          /* open transfers */
    uint64_t last_ms;         /* when the last one ended (or began) */
    bool used;
} lease;

static struct {
    pthread_mutex_t lock;
    lease l[SHIP_LEASES];
    uint64_t granted, busy, max_concurrent;
} L = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool holds(const lease *e, uint64_t now)
{
    return e->used && (e->active > 0 || now - e->last_ms < SHIP_GRACE_MS);
}

bool ship_lease_take(const char *replica, size_t n, unsigned slots, uint64_t now_ms)
{
    if (n >= sizeof L.l[0].id)
        n = sizeof L.l[0].id - 1;
    pthread_mutex_lock(&L.lock);
    lease *mine = NULL, *spare = NULL;
    unsigned held = 0; /* slots held by others */
    for (unsigned i = 0; i < SHIP_LEASES; i++) {
        lease *e = &L.l[i];
        if (e->used && strlen(e->id) == n && !memcmp(e->id, replica, n))
            mine = e;
        else if (holds(e, now_ms))
            held++;
        else if (spare == NULL)
            spare = e; /* unused, or a lease that ran out */
    }
    bool ok;
    if (mine != NULL && holds(mine, now_ms)) {
        ok = true; /* the next file of a pull under way */
    } else if (slots != 0 && held >= slots) {
        ok = false;
    } else {
        if (mine == NULL && spare != NULL) {
            mine = spare;
            memcpy(mine->id, replica, n);
            mine->id[n] = '\0';
            mine->used = true;
            mine->active = 0;
        }
        /* With the table full, only "no limit" lets a newcomer through
         * (unrecorded). */
        ok = mine != NULL || slots == 0;
    }
    if (ok) {
        if (mine != NULL) {
            mine->active++;
            mine->last_ms = now_ms;
            if (held + 1 > L.max_concurrent)
                L.max_concurrent = held + 1;
        }
        L.granted++;
    } else {
        L.busy++;
    }
    pthread_mutex_unlock(&L.lock);
    return ok;
}

void ship_lease_release(const char *replica, size_t n, uint64_t now_ms)
{
    if (n >= sizeof L.l[0].id)
        n = sizeof L.l[0].id - 1;
    pthread_mutex_lock(&L.lock);
    for (unsigned i = 0; i < SHIP_LEASES; i++) {
        lease *e = &L.l[i];
        if (e->used && strlen(e->id) == n && !memcmp(e->id, replica, n)) {
            if (e->active > 0)
                e->active--;
            e->last_ms = now_ms;
            break;
        }
    }
    pthread_mutex_unlock(&L.lock);
}

void ship_lease_stats_read(ship_lease_stats *s)
{
    pthread_mutex_lock(&L.lock);
    *s = (ship_lease_stats){L.granted, L.busy, L.max_concurrent};
    pthread_mutex_unlock(&L.lock);
}

void ship_lease_reset(void)
{
    pthread_mutex_lock(&L.lock);
    memset(L.l, 0, sizeof L.l);
    L.granted = L.busy = L.max_concurrent = 0;
    pthread_mutex_unlock(&L.lock);
}

/* ---- the follower's state ----------------------------------------------- */

static struct {
    pthread_mutex_t lock;
    _Atomic uint64_t polls, pulls, failures, mismatches, resumed, bytes, busy;
    char replica[40];         /* X-Isla-Replica: who this follower is to the builder */
    _Atomic uint64_t builder_generation, last_generation, last_pull_ms;
    char last_error[512];     /* under lock */
    char url[512];
    bool configured;
    pthread_t thread;
    bool running;
    atomic_bool stop;
    ship_options opt;
} F = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void note_error(const char *msg)
{
    pthread_mutex_lock(&F.lock);
    snprintf(F.last_error, sizeof F.last_error, "%s", msg);
    pthread_mutex_unlock(&F.lock);
}

void ship_stats_read(ship_stats *s)
{
    *s = (ship_stats){
        .polls = atomic_load(&F.polls), .pulls = atomic_load(&F.pulls), .failures = atomic_load(&F.failures),
        .checksum_mismatches = atomic_load(&F.mismatches), .resumed = atomic_load(&F.resumed),
        .bytes = atomic_load(&F.bytes), .busy = atomic_load(&F.busy), .builder_generation = atomic_load(&F.builder_generation),
        .last_generation = atomic_load(&F.last_generation), .last_pull_ms = atomic_load(&F.last_pull_ms),
    };
}

void ship_follow_status(buf_t *b)
{
    ship_stats s;
    ship_stats_read(&s);
    BUF_LIT(b, "{\"url\":");
    buf_put_json_str(b, F.url, strlen(F.url));
    buf_printf(b, ",\"builderGeneration\":%" PRIu64 ",\"pulls\":%" PRIu64 ",\"failures\":%" PRIu64
               ",\"checksumMismatches\":%" PRIu64 ",\"lastError\":",
               s.builder_generation, s.pulls, s.failures, s.checksum_mismatches);
    pthread_mutex_lock(&F.lock);
    if (F.last_error[0])
        buf_put_json_str(b, F.last_error, strlen(F.last_error));
    else
        BUF_LIT(b, "null");
    pthread_mutex_unlock(&F.lock);
    buf_putc(b, '}');
}

/* ---- downloading -------------------------------------------------------- */

static size_t to_buf(char *p, size_t size, size_t n, void *arg)
{
    buf_t *b = arg;
    if (b->len + size * n > (1u << 20))
        return 0; /* a manifest is small; anything bigger is not one */
    buf_put(b, p, size * n);
    return size * n;
}

static void replica_id(void)
{
    if (F.replica[0])
        return;
    unsigned char r[8];
    FILE *u = fopen("/dev/urandom", "rb");
    if (u == NULL || fread(r, 1, sizeof r, u) != sizeof r)
        memset(r, (int)getpid(), sizeof r);
    if (u)
        fclose(u);
    char host[64] = "";
    gethostname(host, sizeof host - 1);
    host[16] = '\0';
    snprintf(F.replica, sizeof F.replica, "%s-%02x%02x%02x%02x%02x%02x", host, r[0], r[1], r[2], r[3], r[4], r[5]);
}

static void auth_header(struct curl_slist **h, const char *token)
{
    if (token != NULL && token[0]) {
        char a[600];
        snprintf(a, sizeof a, "Authorization: Bearer %s", token);
        *h = curl_slist_append(*h, a);
    }
    replica_id();
    char id[80];
    snprintf(id, sizeof id, "X-Isla-Replica: %s", F.replica);
    *h = curl_slist_append(*h, id);
}

/* Ends a transfer when the follower is told to stop. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)arg, (void)dt, (void)dn, (void)ut, (void)un;
    return atomic_load(&F.stop) ? 1 : 0;
}

static CURL *easy(const char *url, struct curl_slist *h)
{
    CURL *c = curl_easy_init();
    if (c == NULL)
        return NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    /* A stalled transfer is cut: under 1 KB/s for 15 s. */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 15L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "isla-follow");
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    return c;
}

static bool fetch_manifest(const ship_options *o, ship_manifest *m, char *err, size_t errlen)
{
    char url[1024];
    snprintf(url, sizeof url, "%s/api/admin/generations", o->url);
    struct curl_slist *h = NULL;
    auth_header(&h, o->token);
    CURL *c = easy(url, h);
    buf_t body = {0};
    bool ok = false;
    if (c == NULL) {
        snprintf(err, errlen, "curl_easy_init failed");
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_buf);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 15000L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "GET %s: %s", url, curl_easy_strerror(rc));
        goto out;
    }
    if (status != 200) {
        snprintf(err, errlen, "GET %s: HTTP %ld: %.*s", url, status, (int)(body.len < 300 ? body.len : 300),
                 body.len ? body.data : "");
        goto out;
    }
    ok = ship_manifest_parse(body.data, body.len, m, err, errlen);
out:
    buf_free(&body);
    if (c)
        curl_easy_cleanup(c);
    curl_slist_free_all(h);
    return ok;
}

typedef struct {
    FILE *f;
    CURL *c;
    uint64_t offset;          /* bytes already there when the request started */
    bool checked;
    uint64_t limit;           /* the manifest's size: more is an error */
    uint64_t written;
    bool busy;                /* 503: the builder ships to others now */
} dl_state;

static size_t to_file(char *p, size_t size, size_t n, void *arg)
{
    dl_state *d = arg;
    if (!d->checked) {
        d->checked = true;
        long status = 0;
        curl_easy_getinfo(d->c, CURLINFO_RESPONSE_CODE, &status);
        if (status == 200 && d->offset > 0) {
            /* The range was ignored: the whole file comes again. */
            if (ftruncate(fileno(d->f), 0) != 0 || fseek(d->f, 0, SEEK_SET) != 0)
                return 0;
            d->offset = 0;
        } else if (status != 200 && status != 206) {
            d->busy = status == 503;
            return 0;
        }
    }
    size_t len = size * n;
    if (d->offset + d->written + len > d->limit)
        return 0;
    if (fwrite(p, 1, len, d->f) != len)
        return 0;
    d->written += len;
    atomic_fetch_add(&F.bytes, len);
    return len;
}

static bool download(const ship_options *o, const ship_manifest *m, const ship_file *sf, const char *path,
                     bool *busy, char *err, size_t errlen)
{
    struct stat sb;
    uint64_t have = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    if (have > sf->size) {
        unlink(path);
        have = 0;
    }
    if (have == sf->size)
        return true; /* complete; the checksum decides */
    FILE *f = fopen(path, have ? "ab" : "wb");
    if (f == NULL) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return false;
    }
    char url[1200];
    snprintf(url, sizeof url, "%s/api/admin/generations/%" PRIu64 "/%s", o->url, m->generation, sf->name);
    struct curl_slist *h = NULL;
    auth_header(&h, o->token);
    CURL *c = easy(url, h);
    bool ok = false;
    if (c != NULL) {
        dl_state d = {.f = f, .c = c, .offset = have, .limit = sf->size};
        char range[64];
        if (have > 0) {
            snprintf(range, sizeof range, "%" PRIu64 "-", have);
            curl_easy_setopt(c, CURLOPT_RANGE, range);
            atomic_fetch_add(&F.resumed, 1);
            oplog("isla: follow: resuming %s of generation %" PRIu64 " at byte %" PRIu64, sf->name, m->generation,
                  have);
        }
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to_file);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        *busy = d.busy || status == 503;
        if (rc == CURLE_OK && (status == 200 || status == 206))
            ok = true;
        else if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)
            snprintf(err, errlen, "GET %s: HTTP %ld%s", url, status,
                     rc == CURLE_WRITE_ERROR ? " (or more bytes than the manifest says)" : "");
        else
            snprintf(err, errlen, "GET %s: %s (kept %" PRIu64 " bytes to resume)", url, curl_easy_strerror(rc),
                     d.offset + d.written);
        curl_easy_cleanup(c);
    } else {
        snprintf(err, errlen, "curl_easy_init failed");
    }
    curl_slist_free_all(h);
    if (fclose(f) != 0 && ok) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        ok = false;
    }
    return ok;
}

static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d != NULL) {
        struct dirent *e;
        char sub[4400];
        while ((e = readdir(d)) != NULL) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            unlink(sub);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Partial downloads of other generations are of no use any more. */
static void remove_other_tmp(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    char path[4400];
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, ".tmp-follow-", 12) != 0 || !strcmp(e->d_name, keep))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        remove_dir(path);
    }
    closedir(d);
}

static bool mkdir_p(const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST;
}

pull_result ship_pull_once(const ship_options *o, uint64_t *generation, char *err, size_t errlen)
{
    atomic_fetch_add(&F.polls, 1);
    ship_manifest m;
    if (!fetch_manifest(o, &m, err, errlen))
        return PULL_FAILED;
    atomic_store(&F.builder_generation, m.generation);
    *generation = m.generation;
    if (!mkdir_p(o->data_dir)) {
        snprintf(err, errlen, "cannot create %s: %s", o->data_dir, strerror(errno));
        return PULL_FAILED;
    }
    uint64_t local = store_current_generation(o->data_dir);
    if (local >= m.generation)
        return PULL_UP_TO_DATE;

    uint64_t t0 = clock_mono_ms();
    char name[64], tmp[4200], path[4400];
    snprintf(name, sizeof name, ".tmp-follow-%" PRIu64, m.generation);
    snprintf(tmp, sizeof tmp, "%s/%s", o->data_dir, name);
    remove_other_tmp(o->data_dir, name);
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return PULL_FAILED;
    }
    for (unsigned i = 0; i < m.n_files; i++) {
        const ship_file *f = &m.files[i];
        snprintf(path, sizeof path, "%s/%s", tmp, f->name);
        bool busy = false;
        if (!download(o, &m, f, path, &busy, err, errlen)) {
            if (busy) {
                atomic_fetch_add(&F.busy, 1);
                snprintf(err, errlen, "the builder is shipping generation %" PRIu64 " to another replica", m.generation);
                return PULL_BUSY;
            }
            return PULL_FAILED; /* what arrived stays, to resume from */
        }
        char sum[65];
        if (!ship_sha256_file(path, sum, err, errlen))
            return PULL_FAILED;
        if (strcmp(sum, f->sha256) != 0) {
            /* Not resumable: which byte is wrong is unknown. */
            unlink(path);
            atomic_fetch_add(&F.mismatches, 1);
            snprintf(err, errlen, "%s of generation %" PRIu64 ": SHA-256 %s, the builder says %s; deleted, "
                    "downloading again", f->name, m.generation, sum, f->sha256);
            return PULL_FAILED;
        }
    }
    /* Every section's CRC and every structural check, before anything is
     * published. */
    store_t *s = store_open_generation(tmp, true, err, errlen);
    if (s == NULL) {
        char why[600];
        snprintf(why, sizeof why, "%s", err);
        remove_dir(tmp);
        snprintf(err, errlen, "generation %" PRIu64 " refused after download: %s", m.generation, why);
        return PULL_FAILED;
    }
    store_release(s);
    if (store_publish_as(o->data_dir, tmp, m.generation, err, errlen) == 0)
        return PULL_FAILED;
    uint64_t ms = clock_mono_ms() - t0;
    atomic_store(&F.last_pull_ms, ms);
    atomic_store(&F.last_generation, m.generation);
    atomic_fetch_add(&F.pulls, 1);
    oplog("isla: follow: generation %" PRIu64 " pulled from %s, verified and published in %" PRIu64 " ms",
          m.generation, o->url, ms);
    return PULL_NEW;
}

/* ---- the follower thread ------------------------------------------------ */

static void sleep_ms(uint64_t ms)
{
    /* In small steps, so a stop is seen quickly. */
    while (ms > 0 && !atomic_load(&F.stop)) {
        uint64_t step = ms < 50 ? ms : 50;
        struct timespec ts = {(time_t)(step / 1000), (long)(step % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static void *follow_main(void *arg)
{
    (void)arg;
    const ship_options *o = &F.opt;
    uint64_t retry = RETRY_MIN_MS;
    bool said_ok = true, said_busy = false;
    while (!atomic_load(&F.stop)) {
        char err[1024] = "";
        uint64_t gen = 0;
        pull_result r = ship_pull_once(o, &gen, err, sizeof err);
        if (r == PULL_BUSY) {
            /* Our turn comes when the replica before us is done. */
            if (!said_busy)
                oplog("isla: follow: %s; waiting for a shipping slot", err);
            said_busy = true;
            sleep_ms(RETRY_MIN_MS);
            continue;
        }
        said_busy = false;
        if (r == PULL_FAILED) {
            atomic_fetch_add(&F.failures, 1);
            note_error(err);
            oplog("isla: follow: %s; retrying in %llu ms", err, (unsigned long long)retry);
            said_ok = false;
            sleep_ms(retry);
            retry = retry * 2 < o->interval_ms ? retry * 2 : o->interval_ms;
            continue;
        }
        retry = RETRY_MIN_MS;
        if (!said_ok)
            oplog("isla: follow: %s answers again (generation %llu)", o->url, (unsigned long long)gen);
        said_ok = true;
        note_error("");
        if (r == PULL_NEW && o->published != NULL)
            o->published(o->arg, gen);
        sleep_ms(r == PULL_NEW ? 0 : o->interval_ms);
    }
    return NULL;
}

bool ship_follow_start(const ship_options *o)
{
    F.opt = *o;
    snprintf(F.url, sizeof F.url, "%s", o->url);
    F.configured = true;
    atomic_store(&F.stop, false);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    F.running = pthread_create(&F.thread, NULL, follow_main, NULL) == 0;
    return F.running;
}

void ship_follow_stop(void)
{
    if (!F.running)
        return;
    atomic_store(&F.stop, true);
    pthread_join(F.thread, NULL);
    F.running = false;
}
