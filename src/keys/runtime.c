/* The request path of API keys (keys.h): tiers, the in-memory table of key
 * hashes, per-key token buckets and per-tier counters.
 *
 * The table is rebuilt whole when the database changes (keys are few: a
 * rebuild of thousands takes a millisecond) and swapped under a write lock;
 * requests hold the read lock only for the lookup and the bucket update.
 * Buckets belong to key ids, not to tables: a rebuild hands each id's
 * bucket to the new table, so a reload never refills anyone's bucket. */
#include "keys/keys.h"

#include <math.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "util/log.h"

sqlite3 *keys_db_handle(keys_db *k);

/* ---- tiers -------------------------------------------------------------- */

int keys_tier_find(const keys_tiers *t, const char *name)
{
    for (unsigned i = 0; i < t->n; i++)
        if (!strcmp(t->t[i].name, name))
            return (int)i;
    return -1;
}

bool keys_parse_tiers(const char *spec, keys_tiers *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (spec == NULL || *spec == '\0') {
        snprintf(err, errlen, "no tiers given (expected NAME=RATE[:BURST],...)");
        return false;
    }
    char *copy = strdup(spec), *save = NULL;
    bool ok = true;
    for (char *part = strtok_r(copy, ",", &save); part && ok; part = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(part, '=');
        if (eq == NULL) {
            snprintf(err, errlen, "'%s': expected NAME=RATE[:BURST]", part);
            ok = false;
            break;
        }
        *eq = '\0';
        if (!keys_valid_tier(part)) {
            snprintf(err, errlen, "tier name '%s': 1 to %d characters of a-z 0-9 _ -", part, KEYS_TIER_MAX);
            ok = false;
            break;
        }
        if (keys_tier_find(out, part) >= 0) {
            snprintf(err, errlen, "tier '%s' is given twice", part);
            ok = false;
            break;
        }
        if (out->n == KEYS_MAX_TIERS) {
            snprintf(err, errlen, "more than %d tiers", KEYS_MAX_TIERS);
            ok = false;
            break;
        }
        keys_tier *t = &out->t[out->n];
        snprintf(t->name, sizeof t->name, "%s", part);
        char *rate = eq + 1, *colon = strchr(rate, ':');
        if (colon)
            *colon = '\0';
        if (!config_parse_rate(rate, &t->rate_per_s) || strlen(rate) >= sizeof t->rate_text) {
            snprintf(err, errlen, "tier '%s': rate '%s': expected N/s, N/min, N/h or off", part, rate);
            ok = false;
            break;
        }
        snprintf(t->rate_text, sizeof t->rate_text, "%s", rate);
        if (colon) {
            char *e;
            t->burst = strtod(colon + 1, &e);
            if (e == colon + 1 || *e != '\0' || !(t->burst >= 1 && t->burst <= 1e9)) {
                snprintf(err, errlen, "tier '%s': burst '%s': expected a number from 1", part, colon + 1);
                ok = false;
                break;
            }
        } else {
            double count = strtod(rate, NULL);
            t->burst = count < 1 ? 1 : count;
        }
        out->n++;
    }
    free(copy);
    if (ok && out->n == 0) {
        snprintf(err, errlen, "no tiers given (expected NAME=RATE[:BURST],...)");
        ok = false;
    }
    return ok;
}

/* ---- the table ---------------------------------------------------------- */

typedef struct bucket {
    int64_t id;
    _Atomic uint64_t requests, limited; /* of this key, for /metrics */
    pthread_mutex_t lock;
    double tokens;
    uint64_t t_ns;
    bool fresh;               /* never used: starts full */
    bool adopted;             /* taken over by a newer table (reload) */
} bucket;

typedef struct {
    unsigned char hash[32];
    bool used, revoked;
    int tier;                 /* -1: a tier this server does not know */
    char name[KEYS_NAME_MAX + 1];
    char tier_name[KEYS_TIER_MAX + 1];
    bucket *b;
} entry;

typedef struct {
    entry *slots;
    size_t mask;              /* slots - 1, a power of two minus one */
    size_t n, active, revoked;
} table;

typedef struct {
    _Alignas(64) _Atomic uint64_t requests;
    _Atomic uint64_t limited;
} counter;

static struct {
    bool on;
    keys_tiers tiers;
    keys_db *db;
    pthread_mutex_t refresh_lock; /* one refresh at a time; guards db */
    pthread_rwlock_t lock;        /* guards tab */
    table *tab;
    int64_t data_version;
    counter tier[KEYS_MAX_TIERS];
    counter anon;
    _Atomic uint64_t unknown, revoked, missing, reloads;
} K = {.refresh_lock = PTHREAD_MUTEX_INITIALIZER, .lock = PTHREAD_RWLOCK_INITIALIZER};

static size_t slot_of(const unsigned char h[32], size_t mask)
{
    uint64_t x;
    memcpy(&x, h, 8); /* a SHA-256 prefix is as uniform as a hash gets */
    return (size_t)x & mask;
}

static entry *table_find(const table *t, const unsigned char h[32])
{
    if (t == NULL)
        return NULL;
    for (size_t i = slot_of(h, t->mask);; i = (i + 1) & t->mask) {
        entry *e = &t->slots[i];
        if (!e->used)
            return NULL;
        if (CRYPTO_memcmp(e->hash, h, 32) == 0)
            return e;
    }
}

/* Frees a table and every bucket a newer table did not adopt. */
static void table_free(table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        entry *e = &t->slots[i];
        if (e->used && e->b != NULL && !e->b->adopted) {
            pthread_mutex_destroy(&e->b->lock);
            free(e->b);
        }
    }
    free(t->slots);
    free(t);
}

typedef struct {
    int64_t id;
    bucket *b;
} id_bucket;

static int by_id(const void *x, const void *y)
{
    const id_bucket *a = x, *b = y;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* The old table's buckets, sorted by key id: a rebuild finds each key's
 * bucket by binary search, so it stays O(n log n) with many keys. */
static id_bucket *old_buckets(const table *old, size_t *n)
{
    *n = 0;
    if (old == NULL)
        return NULL;
    id_bucket *v = malloc((old->n + 1) * sizeof *v);
    for (size_t i = 0; i <= old->mask; i++)
        if (old->slots[i].used && old->slots[i].b != NULL)
            v[(*n)++] = (id_bucket){old->slots[i].b->id, old->slots[i].b};
    qsort(v, *n, sizeof *v, by_id);
    return v;
}

static bucket *bucket_for(id_bucket *old, size_t n, int64_t id)
{
    id_bucket key = {id, NULL};
    id_bucket *hit = old != NULL ? bsearch(&key, old, n, sizeof *old, by_id) : NULL;
    if (hit != NULL) {
        hit->b->adopted = true;
        return hit->b;
    }
    bucket *b = calloc(1, sizeof *b);
    b->id = id;
    b->fresh = true;
    pthread_mutex_init(&b->lock, NULL);
    return b;
}

/* Builds a table from the database; NULL with err on failure. Called with
 * refresh_lock held (old is stable: only refresh replaces it). */
static table *table_load(const table *old, char *err, size_t errlen)
{
    sqlite3 *db = keys_db_handle(K.db);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT id, name, tier, hash, revoked_ms FROM api_keys", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "keys.db: %s", sqlite3_errmsg(db));
        return NULL;
    }
    /* Read everything first, then size the table. */
    size_t n = 0, cap = 64;
    entry *rows = calloc(cap, sizeof *rows);
    int64_t *ids = calloc(cap, sizeof *ids);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 3) != 32)
            continue;
        if (n == cap) {
            cap *= 2;
            rows = realloc(rows, cap * sizeof *rows);
            ids = realloc(ids, cap * sizeof *ids);
        }
        entry *e = &rows[n];
        memset(e, 0, sizeof *e);
        ids[n] = sqlite3_column_int64(st, 0);
        snprintf(e->name, sizeof e->name, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(e->tier_name, sizeof e->tier_name, "%s", (const char *)sqlite3_column_text(st, 2));
        memcpy(e->hash, sqlite3_column_blob(st, 3), 32);
        e->revoked = sqlite3_column_int64(st, 4) != 0;
        e->tier = keys_tier_find(&K.tiers, e->tier_name);
        e->used = true;
        n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "keys.db: %s", sqlite3_errmsg(db));
        free(rows);
        free(ids);
        return NULL;
    }
    table *t = calloc(1, sizeof *t);
    size_t slots = 16;
    while (slots < n * 2)
        slots <<= 1;
    t->slots = calloc(slots, sizeof *t->slots);
    t->mask = slots - 1;
    size_t n_old;
    id_bucket *olds = old_buckets(old, &n_old);
    for (size_t i = 0; i < n; i++) {
        entry *e = &rows[i];
        if (!e->revoked)
            e->b = bucket_for(olds, n_old, ids[i]);
        size_t s = slot_of(e->hash, t->mask);
        while (t->slots[s].used)
            s = (s + 1) & t->mask;
        t->slots[s] = *e;
        t->n++;
        if (e->revoked)
            t->revoked++;
        else
            t->active++;
    }
    free(olds);
    free(rows);
    free(ids);
    return t;
}

static int64_t data_version(void)
{
    sqlite3 *db = keys_db_handle(K.db);
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static bool reload_locked(bool force)
{
    int64_t v = data_version();
    if (!force && v == K.data_version)
        return false;
    char err[512];
    table *t = table_load(K.tab, err, sizeof err);
    if (t == NULL) {
        oplog("isla: keys: cannot reload: %s; keeping the keys loaded before", err);
        return false;
    }
    K.data_version = v;
    pthread_rwlock_wrlock(&K.lock);
    table *old = K.tab;
    K.tab = t;
    pthread_rwlock_unlock(&K.lock);
    table_free(old);
    /* The flag is for the next reload to set afresh. */
    for (size_t i = 0; i <= t->mask; i++)
        if (t->slots[i].used && t->slots[i].b != NULL)
            t->slots[i].b->adopted = false;
    atomic_fetch_add(&K.reloads, 1);
    for (size_t i = 0; i <= t->mask; i++)
        if (t->slots[i].used && !t->slots[i].revoked && t->slots[i].tier < 0)
            oplog("isla: keys: key '%s' has tier '%s', which this server does not configure (see --tiers); "
                  "its requests are refused",
                  t->slots[i].name, t->slots[i].tier_name);
    return true;
}

bool keys_runtime_start(const char *data_dir, const keys_tiers *tiers, char *err, size_t errlen)
{
    K.tiers = *tiers;
    K.db = keys_db_open(data_dir, err, errlen);
    if (K.db == NULL)
        return false;
    pthread_mutex_lock(&K.refresh_lock);
    K.data_version = -2;
    bool ok = reload_locked(true);
    pthread_mutex_unlock(&K.refresh_lock);
    if (!ok) {
        snprintf(err, errlen, "cannot load %s/keys.db", data_dir);
        keys_db_close(K.db);
        K.db = NULL;
        return false;
    }
    K.on = true;
    return true;
}

void keys_runtime_stop(void)
{
    if (!K.on)
        return;
    pthread_mutex_lock(&K.refresh_lock);
    pthread_rwlock_wrlock(&K.lock);
    table *t = K.tab;
    K.tab = NULL;
    K.on = false;
    pthread_rwlock_unlock(&K.lock);
    table_free(t);
    keys_db_close(K.db);
    K.db = NULL;
    pthread_mutex_unlock(&K.refresh_lock);
}

bool keys_runtime_on(void)
{
    return K.on;
}

const keys_tiers *keys_runtime_tiers(void)
{
    return &K.tiers;
}

bool keys_refresh(void)
{
    if (!K.on)
        return false;
    pthread_mutex_lock(&K.refresh_lock);
    bool r = K.db != NULL && reload_locked(false);
    pthread_mutex_unlock(&K.refresh_lock);
    return r;
}

/* ---- the request path --------------------------------------------------- */

static void take(bucket *b, const keys_tier *t, uint64_t now_ns, keys_check *out)
{
    pthread_mutex_lock(&b->lock);
    double tokens;
    if (b->fresh) {
        b->fresh = false;
        tokens = t->burst;
    } else {
        double dt = now_ns > b->t_ns ? (double)(now_ns - b->t_ns) / 1e9 : 0;
        tokens = b->tokens + dt * t->rate_per_s;
    }
    if (tokens > t->burst) /* also when the tier's burst shrank */
        tokens = t->burst;
    b->t_ns = now_ns;
    out->allowed = tokens >= 1.0;
    if (out->allowed)
        tokens -= 1.0;
    b->tokens = tokens;
    pthread_mutex_unlock(&b->lock);
    out->limit = (unsigned)t->burst;
    out->remaining = (unsigned)floor(tokens);
    out->reset_s = (unsigned)ceil((t->burst - tokens) / t->rate_per_s);
    out->retry_after_s = out->allowed ? 0 : (unsigned)ceil((1.0 - tokens) / t->rate_per_s);
    if (!out->allowed && out->retry_after_s == 0)
        out->retry_after_s = 1;
}

void keys_check_key(const char *key, size_t len, uint64_t now_ns, keys_check *out)
{
    memset(out, 0, sizeof *out);
    out->tier = -1;
    out->allowed = true;
    unsigned char h[32];
    keys_hash(key, len, h);
    pthread_rwlock_rdlock(&K.lock);
    entry *e = table_find(K.tab, h);
    if (e == NULL) {
        out->verdict = KEY_UNKNOWN;
    } else {
        snprintf(out->name, sizeof out->name, "%s", e->name);
        snprintf(out->tier_name, sizeof out->tier_name, "%s", e->tier_name);
        if (e->revoked) {
            out->verdict = KEY_REVOKED;
        } else if (e->tier < 0) {
            out->verdict = KEY_NO_TIER;
        } else {
            out->verdict = KEY_OK;
            out->tier = e->tier;
            const keys_tier *t = &K.tiers.t[e->tier];
            out->limited = t->rate_per_s > 0;
            if (out->limited)
                take(e->b, t, now_ns, out);
            atomic_fetch_add_explicit(&e->b->requests, 1, memory_order_relaxed);
            if (!out->allowed)
                atomic_fetch_add_explicit(&e->b->limited, 1, memory_order_relaxed);
        }
    }
    pthread_rwlock_unlock(&K.lock);
    if (out->verdict == KEY_OK) {
        atomic_fetch_add_explicit(&K.tier[out->tier].requests, 1, memory_order_relaxed);
        if (!out->allowed)
            atomic_fetch_add_explicit(&K.tier[out->tier].limited, 1, memory_order_relaxed);
    } else if (out->verdict == KEY_REVOKED) {
        atomic_fetch_add_explicit(&K.revoked, 1, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(&K.unknown, 1, memory_order_relaxed);
    }
}

void keys_count_anonymous(bool limited)
{
    atomic_fetch_add_explicit(&K.anon.requests, 1, memory_order_relaxed);
    if (limited)
        atomic_fetch_add_explicit(&K.anon.limited, 1, memory_order_relaxed);
}

void keys_count_missing(void)
{
    atomic_fetch_add_explicit(&K.missing, 1, memory_order_relaxed);
}

void keys_counts_read(keys_counts *c)
{
    memset(c, 0, sizeof *c);
    for (unsigned i = 0; i < K.tiers.n; i++) {
        c->tier[i].requests = atomic_load(&K.tier[i].requests);
        c->tier[i].limited = atomic_load(&K.tier[i].limited);
    }
    c->anonymous.requests = atomic_load(&K.anon.requests);
    c->anonymous.limited = atomic_load(&K.anon.limited);
    c->unknown = atomic_load(&K.unknown);
    c->revoked = atomic_load(&K.revoked);
    c->missing = atomic_load(&K.missing);
    c->reloads = atomic_load(&K.reloads);
    pthread_rwlock_rdlock(&K.lock);
    if (K.tab) {
        c->keys_active = K.tab->active;
        c->keys_revoked = K.tab->revoked;
    }
    pthread_rwlock_unlock(&K.lock);
}

/* ---- rendering ----------------------------------------------------------- */

/* One Prometheus line a configured tier and one for anonymous traffic:
 * the requests, or (limited) the ones refused with 429. */
static void put_by_tier(buf_t *b, const char *metric, const keys_counts *c, bool limited)
{
    for (unsigned i = 0; i < K.tiers.n; i++)
        buf_printf(b, "%s{tier=\"%s\"} %llu\n", metric, K.tiers.t[i].name,
                   (unsigned long long)(limited ? c->tier[i].limited : c->tier[i].requests));
    buf_printf(b, "%s{tier=\"anonymous\"} %llu\n", metric,
               (unsigned long long)(limited ? c->anonymous.limited : c->anonymous.requests));
}

void keys_render_prometheus(buf_t *b)
{
    if (!K.on)
        return;
    keys_counts c;
    keys_counts_read(&c);
    BUF_LIT(b, "# HELP isla_tier_requests_total Requests by API key tier (anonymous: no key).\n"
               "# TYPE isla_tier_requests_total counter\n");
    put_by_tier(b, "isla_tier_requests_total", &c, false);
    BUF_LIT(b, "# HELP isla_tier_rate_limited_total Requests refused with 429, by API key tier.\n"
               "# TYPE isla_tier_rate_limited_total counter\n");
    put_by_tier(b, "isla_tier_rate_limited_total", &c, true);
    BUF_LIT(b, "# HELP isla_api_key_rejected_total Requests refused with 401, by reason.\n"
               "# TYPE isla_api_key_rejected_total counter\n");
    buf_printf(b,
               "isla_api_key_rejected_total{reason=\"unknown\"} %llu\nisla_api_key_rejected_total{reason=\"revoked\"} "
               "%llu\nisla_api_key_rejected_total{reason=\"missing\"} %llu\n",
               (unsigned long long)c.unknown, (unsigned long long)c.revoked, (unsigned long long)c.missing);
    BUF_LIT(b, "# HELP isla_api_keys API keys in the key store, by state.\n# TYPE isla_api_keys gauge\n");
    buf_printf(b, "isla_api_keys{state=\"active\"} %llu\nisla_api_keys{state=\"revoked\"} %llu\n",
               (unsigned long long)c.keys_active, (unsigned long long)c.keys_revoked);
    BUF_LIT(b, "# HELP isla_api_key_requests_total Requests by API key (its name, never the key) and tier.\n"
               "# TYPE isla_api_key_requests_total counter\n");
    buf_t lim = {0};
    pthread_rwlock_rdlock(&K.lock);
    for (size_t i = 0; K.tab && i <= K.tab->mask; i++) {
        const entry *e = &K.tab->slots[i];
        if (!e->used || e->b == NULL)
            continue;
        buf_printf(b, "isla_api_key_requests_total{key=\"%s\",tier=\"%s\"} %llu\n", e->name, e->tier_name,
                   (unsigned long long)atomic_load(&e->b->requests));
        buf_printf(&lim, "isla_api_key_rate_limited_total{key=\"%s\",tier=\"%s\"} %llu\n", e->name, e->tier_name,
                   (unsigned long long)atomic_load(&e->b->limited));
    }
    pthread_rwlock_unlock(&K.lock);
    BUF_LIT(b, "# HELP isla_api_key_rate_limited_total Requests refused with 429, by API key name and tier.\n"
               "# TYPE isla_api_key_rate_limited_total counter\n");
    if (lim.len)
        buf_put(b, lim.data, lim.len);
    buf_free(&lim);
}

void keys_render_stats(buf_t *b)
{
    keys_counts c;
    keys_counts_read(&c);
    BUF_LIT(b, "{");
    for (unsigned i = 0; i < K.tiers.n; i++) {
        const keys_tier *t = &K.tiers.t[i];
        buf_printf(b, "\"%s\":{\"requests\":%llu,\"rateLimited\":%llu,\"limit\":\"%s\"},", t->name,
                   (unsigned long long)c.tier[i].requests, (unsigned long long)c.tier[i].limited, t->rate_text);
    }
    buf_printf(b,
               "\"anonymous\":{\"requests\":%llu,\"rateLimited\":%llu,\"limit\":null},"
               "\"rejected\":{\"unknown\":%llu,\"revoked\":%llu,\"missing\":%llu},"
               "\"keys\":{\"active\":%llu,\"revoked\":%llu}}",
               (unsigned long long)c.anonymous.requests, (unsigned long long)c.anonymous.limited,
               (unsigned long long)c.unknown, (unsigned long long)c.revoked, (unsigned long long)c.missing,
               (unsigned long long)c.keys_active, (unsigned long long)c.keys_revoked);
}
