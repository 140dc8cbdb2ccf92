/* The I/O-free parts of the fleet: Redis addresses, the circuit breaker,
 * L2 keys and values, and the single-flight table. See cluster.h. */
#include "cluster/cluster.h"
#include "util/digits.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Redis address ------------------------------------------------------ */

static bool parse_int(const char *s, size_t n, long lo, long hi, long *out)
{
    uint64_t v;
    if (!digits_u64(s, n, 9, (uint64_t)hi, &v) || (long)v < lo)
        return false;
    *out = (long)v;
    return true;
}

static bool copy_part(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return false;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return true;
}

/* unix:/path?db=N&password=P */
static bool parse_unix(const char *s, redis_url *u, char *err, size_t errlen)
{
    const char *q = strchr(s, '?');
    size_t plen = q ? (size_t)(q - s) : strlen(s);
    if (plen == 0 || s[0] != '/') {
        snprintf(err, errlen, "Unix socket path must be absolute (unix:/run/redis.sock)");
        return false;
    }
    if (!copy_part(u->path, sizeof u->path, s, plen)) {
        snprintf(err, errlen, "Unix socket path longer than %zu bytes", sizeof u->path - 1);
        return false;
    }
    while (q != NULL) {
        const char *p = q + 1;
        q = strchr(p, '&');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        long v;
        if (n > 3 && !memcmp(p, "db=", 3)) {
            if (!parse_int(p + 3, n - 3, 0, 1000000, &v)) {
                snprintf(err, errlen, "db must be a number 0..1000000, got '%.*s'", (int)(n - 3), p + 3);
                return false;
            }
            u->db = (int)v;
        } else if (n > 9 && !memcmp(p, "password=", 9)) {
            if (!copy_part(u->password, sizeof u->password, p + 9, n - 9)) {
                snprintf(err, errlen, "password longer than %zu bytes", sizeof u->password - 1);
                return false;
            }
        } else {
            snprintf(err, errlen, "unknown option '%.*s' (db=N or password=P)", (int)n, p);
            return false;
        }
    }
    return true;
}

bool redis_url_parse(const char *s, redis_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    u->port = 6379;
    if (s == NULL || *s == '\0') {
        snprintf(err, errlen, "empty Redis address (redis://HOST:PORT[/DB] or unix:/PATH)");
        return false;
    }
    if (!strncmp(s, "unix:", 5))
        return parse_unix(s + 5, u, err, errlen);
    if (s[0] == '/')
        return parse_unix(s, u, err, errlen);
    if (strncmp(s, "redis://", 8) != 0) {
        snprintf(err, errlen, "'%s' is not a Redis address: use redis://HOST:PORT[/DB], unix:/PATH or /PATH", s);
        return false;
    }
    const char *p = s + 8;
    const char *end = p + strlen(p);
    const char *slash = memchr(p, '/', (size_t)(end - p));
    const char *auth_end = p;
    const char *at = NULL;
    for (const char *c = p; c < (slash ? slash : end); c++)
        if (*c == '@')
            at = c;
    if (at != NULL) {
        /* [user]:password@ — Redis 6 ACL users are not supported by AUTH
         * with one argument, so a user name must be empty or "default". */
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon == NULL) {
            snprintf(err, errlen, "credentials must be ':PASSWORD@' (no password after the user name)");
            return false;
        }
        size_t ulen = (size_t)(colon - p);
        if (ulen != 0 && !(ulen == 7 && !memcmp(p, "default", 7))) {
            snprintf(err, errlen, "user '%.*s' not supported: only the default user (redis://:PASSWORD@HOST)", (int)ulen,
                     p);
            return false;
        }
        if (!copy_part(u->password, sizeof u->password, colon + 1, (size_t)(at - colon - 1)) || at == colon + 1) {
            snprintf(err, errlen, "password empty or longer than %zu bytes", sizeof u->password - 1);
            return false;
        }
        auth_end = at + 1;
    }
    const char *host = auth_end;
    const char *hend = slash ? slash : end;
    const char *port = NULL;
    size_t hlen;
    if (host < hend && *host == '[') {
        const char *rb = memchr(host, ']', (size_t)(hend - host));
        if (rb == NULL) {
            snprintf(err, errlen, "IPv6 host without ']'");
            return false;
        }
        hlen = (size_t)(rb - host - 1);
        host++;
        if (rb + 1 < hend) {
            if (rb[1] != ':') {
                snprintf(err, errlen, "expected ':PORT' after ']'");
                return false;
            }
            port = rb + 2;
        }
    } else {
        const char *colon = memchr(host, ':', (size_t)(hend - host));
        hlen = (size_t)((colon ? colon : hend) - host);
        if (colon)
            port = colon + 1;
    }
    if (hlen == 0) {
        snprintf(err, errlen, "no host in '%s'", s);
        return false;
    }
    if (!copy_part(u->host, sizeof u->host, host, hlen)) {
        snprintf(err, errlen, "host longer than %zu bytes", sizeof u->host - 1);
        return false;
    }
    long v;
    if (port != NULL) {
        if (!parse_int(port, (size_t)(hend - port), 1, 65535, &v)) {
            snprintf(err, errlen, "port must be 1..65535, got '%.*s'", (int)(hend - port), port);
            return false;
        }
        u->port = (int)v;
    }
    if (slash != NULL && slash + 1 < end) {
        if (!parse_int(slash + 1, (size_t)(end - slash - 1), 0, 1000000, &v)) {
            snprintf(err, errlen, "database must be a number 0..1000000, got '%s'", slash + 1);
            return false;
        }
        u->db = (int)v;
    }
    return true;
}

void redis_url_describe(const redis_url *u, char *out, size_t n)
{
    const char *pw = u->password[0] ? ":***@" : "";
    if (u->path[0])
        snprintf(out, n, "unix:%s%s%s (db %d)", u->path, u->password[0] ? " " : "", u->password[0] ? "(password)" : "",
                 u->db);
    else if (strchr(u->host, ':'))
        snprintf(out, n, "redis://%s[%s]:%d/%d", pw, u->host, u->port, u->db);
    else
        snprintf(out, n, "redis://%s%s:%d/%d", pw, u->host, u->port, u->db);
}

/* ---- circuit breaker ---------------------------------------------------- */

void breaker_init(breaker *b, unsigned threshold, uint64_t cooldown_ms, uint64_t max_cooldown_ms)
{
    memset(b, 0, sizeof *b);
    b->threshold = threshold ? threshold : 1;
    b->cooldown_ms = cooldown_ms;
    b->max_cooldown_ms = max_cooldown_ms < cooldown_ms ? cooldown_ms : max_cooldown_ms;
    b->current_cooldown_ms = cooldown_ms;
}

static void breaker_open(breaker *b, uint64_t now_ms)
{
    if (b->state == BREAKER_CLOSED)
        b->opened++;
    b->state = BREAKER_OPEN;
    b->open_until_ms = now_ms + b->current_cooldown_ms;
    b->probe_out = false;
}

bool breaker_allow(breaker *b, uint64_t now_ms)
{
    switch (b->state) {
    case BREAKER_CLOSED:
        return true;
    case BREAKER_OPEN:
        if (now_ms < b->open_until_ms)
            return false;
        b->state = BREAKER_HALF_OPEN;
        b->probe_out = true;
        return true;
    case BREAKER_HALF_OPEN:
        if (b->probe_out)
            return false;
        b->probe_out = true;
        return true;
    }
    return false;
}

void breaker_success(breaker *b)
{
    if (b->state != BREAKER_CLOSED)
        b->closed++;
    b->state = BREAKER_CLOSED;
    b->failures = 0;
    b->probe_out = false;
    b->current_cooldown_ms = b->cooldown_ms;
}

void breaker_failure(breaker *b, uint64_t now_ms)
{
    switch (b->state) {
    case BREAKER_CLOSED:
        if (++b->failures >= b->threshold)
            breaker_open(b, now_ms);
        break;
    case BREAKER_HALF_OPEN:
        /* The probe failed: wait longer before the next one. */
        b->current_cooldown_ms *= 2;
        if (b->current_cooldown_ms > b->max_cooldown_ms)
            b->current_cooldown_ms = b->max_cooldown_ms;
        breaker_open(b, now_ms);
        break;
    case BREAKER_OPEN:
        /* Late failures of lookups sent before it opened change nothing. */
        break;
    }
}

const char *breaker_state_name(breaker_state s)
{
    return s == BREAKER_CLOSED ? "closed" : s == BREAKER_OPEN ? "open" : "half-open";
}

/* ---- keys and values ---------------------------------------------------- */

uint64_t l2_hash(const void *p, size_t n)
{
    const unsigned char *c = p;
    uint64_t h = 14695981039346656037ull; /* FNV-1a offset basis */
    for (size_t i = 0; i < n; i++)
        h = (h ^ c[i]) * 1099511628211ull;
    return h;
}

void l2_key(buf_t *out, uint64_t generation, uint64_t data_id, const char *key, size_t key_len)
{
    buf_printf(out, L2_KEY_PREFIX "%" PRIx64 ":%016" PRIx64 ":", generation, data_id);
    buf_put(out, key, key_len);
}

void l2_value_encode(buf_t *out, int status, bool has_total, uint64_t total, const char *content_type,
                     const char *body, size_t body_len)
{
    if (has_total)
        buf_printf(out, "I1 %d %" PRIu64 " %s\n", status, total, content_type);
    else
        buf_printf(out, "I1 %d - %s\n", status, content_type);
    buf_put(out, body, body_len);
}

bool l2_value_decode(const char *v, size_t n, l2_value *out)
{
    memset(out, 0, sizeof *out);
    const char *nl = memchr(v, '\n', n);
    if (nl == NULL || n < 3 || memcmp(v, "I1 ", 3) != 0)
        return false;
    const char *p = v + 3;
    const char *sp = memchr(p, ' ', (size_t)(nl - p));
    long st;
    if (sp == NULL || !parse_int(p, (size_t)(sp - p), 100, 599, &st))
        return false;
    out->status = (int)st;
    p = sp + 1;
    sp = memchr(p, ' ', (size_t)(nl - p));
    if (sp == NULL || sp == p)
        return false;
    if (sp - p == 1 && *p == '-') {
        out->has_total = false;
    } else {
        uint64_t t = 0;
        for (const char *c = p; c < sp; c++) {
            if (!isdigit((unsigned char)*c) || t > (UINT64_MAX - 9) / 10)
                return false;
            t = t * 10 + (uint64_t)(*c - '0');
        }
        out->has_total = true;
        out->total = t;
    }
    p = sp + 1;
    if (p >= nl)
        return false;
    out->content_type = p;
    out->content_type_len = (size_t)(nl - p);
    out->body = nl + 1;
    out->body_len = n - (size_t)(nl + 1 - v);
    return true;
}

/* ---- single-flight ------------------------------------------------------ */

#define SF_SHARDS 16
#define SF_BUCKETS 256

typedef struct sf_node {
    struct sf_node *next;
    uint64_t hash;
    size_t len;
    char key[];
} sf_node;

static struct {
    pthread_mutex_t lock;
    sf_node *bucket[SF_BUCKETS];
    uint64_t count;
} g_sf[SF_SHARDS] = {[0 ... SF_SHARDS - 1] = {.lock = PTHREAD_MUTEX_INITIALIZER}};

static sf_node **sf_find(unsigned shard, uint64_t h, const char *key, size_t n)
{
    sf_node **pp = &g_sf[shard].bucket[(h >> 8) % SF_BUCKETS];
    for (; *pp != NULL; pp = &(*pp)->next)
        if ((*pp)->hash == h && (*pp)->len == n && !memcmp((*pp)->key, key, n))
            break;
    return pp;
}

bool sf_begin(const char *key, size_t n)
{
    uint64_t h = l2_hash(key, n);
    unsigned shard = (unsigned)(h % SF_SHARDS);
    pthread_mutex_lock(&g_sf[shard].lock);
    sf_node **pp = sf_find(shard, h, key, n);
    bool leader = *pp == NULL;
    if (leader) {
        sf_node *node = malloc(sizeof *node + n);
        if (node == NULL)
            abort();
        node->next = NULL;
        node->hash = h;
        node->len = n;
        memcpy(node->key, key, n);
        *pp = node;
        g_sf[shard].count++;
    }
    pthread_mutex_unlock(&g_sf[shard].lock);
    return leader;
}

void sf_end(const char *key, size_t n)
{
    uint64_t h = l2_hash(key, n);
    unsigned shard = (unsigned)(h % SF_SHARDS);
    pthread_mutex_lock(&g_sf[shard].lock);
    sf_node **pp = sf_find(shard, h, key, n);
    if (*pp != NULL) {
        sf_node *node = *pp;
        *pp = node->next;
        free(node);
        g_sf[shard].count--;
    }
    pthread_mutex_unlock(&g_sf[shard].lock);
}

bool sf_active(const char *key, size_t n)
{
    uint64_t h = l2_hash(key, n);
    unsigned shard = (unsigned)(h % SF_SHARDS);
    pthread_mutex_lock(&g_sf[shard].lock);
    bool active = *sf_find(shard, h, key, n) != NULL;
    pthread_mutex_unlock(&g_sf[shard].lock);
    return active;
}

uint64_t sf_count(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < SF_SHARDS; i++) {
        pthread_mutex_lock(&g_sf[i].lock);
        n += g_sf[i].count;
        pthread_mutex_unlock(&g_sf[i].lock);
    }
    return n;
}
