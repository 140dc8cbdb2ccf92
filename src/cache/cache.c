/* The result cache; see cache.h for the design. */
#include "cache/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 16
#define MIN_BUCKETS 256

typedef struct {
    pthread_mutex_t lock;
    cache_entry **buckets;
    size_t n_buckets;
    cache_entry *head, *tail;         /* LRU: head = most recent */
    uint64_t bytes, entries;
    uint64_t hits, misses, inserts, evictions, expired, rejected;
    char pad[64];
} shard;

static struct {
    shard shards[SHARDS];
    uint64_t budget, shard_budget, ttl_ms;
    _Atomic uint64_t clears;
    bool on;
} C;

static uint64_t hash_key(const char *k, size_t n)
{
    /* FNV-1a, then a final mix so the low bits (bucket) and the high bits
     * (shard) are both well spread. */
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)k[i]) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static shard *shard_of(uint64_t h)
{
    return &C.shards[h >> 60];
}

void cache_init(uint64_t budget_bytes, uint64_t ttl_ms)
{
    C.budget = budget_bytes;
    C.shard_budget = budget_bytes / SHARDS;
    C.ttl_ms = ttl_ms;
    C.on = budget_bytes > 0 && ttl_ms > 0;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &C.shards[i];
        pthread_mutex_init(&s->lock, NULL);
        s->head = s->tail = NULL;
        s->bytes = s->entries = 0;
        s->hits = s->misses = s->inserts = s->evictions = s->expired = s->rejected = 0;
        s->n_buckets = MIN_BUCKETS;
        s->buckets = calloc(s->n_buckets, sizeof(*s->buckets));
        if (s->buckets == NULL)
            abort();
    }
}

bool cache_enabled(void)
{
    return C.on;
}

static void cache_retain(cache_entry *e)
{
    atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
}

static void entry_free(cache_entry *e)
{
    for (int k = 0; k < CACHE_ENCODINGS; k++)
        free(atomic_load_explicit(&e->body[k], memory_order_relaxed));
    free(e);
}

void cache_release(cache_entry *e)
{
    if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
        entry_free(e);
}

/* ---- table and LRU, shard lock held ------------------------------------- */

static void lru_unlink(shard *s, cache_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        s->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        s->tail = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(shard *s, cache_entry *e)
{
    e->prev = NULL;
    e->next = s->head;
    if (s->head != NULL)
        s->head->prev = e;
    s->head = e;
    if (s->tail == NULL)
        s->tail = e;
}

/* Takes e out of the table; returns the table's reference to the caller,
 * who releases it after dropping the lock. */
static void table_remove(shard *s, cache_entry *e)
{
    cache_entry **pp = &s->buckets[e->hash & (s->n_buckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    e->hnext = NULL;
    lru_unlink(s, e);
    e->linked = false;
    s->bytes -= e->charge;
    s->entries--;
}

static void table_grow(shard *s)
{
    size_t n = s->n_buckets * 2;
    cache_entry **nb = calloc(n, sizeof(*nb));
    if (nb == NULL)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < s->n_buckets; i++) {
        cache_entry *e = s->buckets[i];
        while (e != NULL) {
            cache_entry *next = e->hnext;
            size_t b = e->hash & (n - 1);
            e->hnext = nb[b];
            nb[b] = e;
            e = next;
        }
    }
    free(s->buckets);
    s->buckets = nb;
    s->n_buckets = n;
}

static cache_entry *table_find(shard *s, uint64_t h, const char *key, size_t n)
{
    for (cache_entry *e = s->buckets[h & (s->n_buckets - 1)]; e != NULL; e = e->hnext)
        if (e->hash == h && e->key_len == n && memcmp(e->key, key, n) == 0)
            return e;
    return NULL;
}

/* Entries removed under the lock are released after it: freeing a large
 * body is not work to do while other threads wait for the shard. */
typedef struct {
    cache_entry *items[32];
    int n;
} release_list;

static void release_later(release_list *l, cache_entry *e)
{
    if (l->n < (int)(sizeof(l->items) / sizeof(l->items[0])))
        l->items[l->n++] = e;
    else
        cache_release(e); /* list full (never, as used): free under the lock, only slower */
}

static void release_all(release_list *l)
{
    for (int i = 0; i < l->n; i++)
        cache_release(l->items[i]);
    l->n = 0;
}

/* ---- public operations -------------------------------------------------- */

cache_entry *cache_lookup(const char *key, size_t key_len, uint64_t generation, uint64_t now_ms)
{
    if (!C.on)
        return NULL;
    uint64_t h = hash_key(key, key_len);
    shard *s = shard_of(h);
    release_list rl = {.n = 0};
    pthread_mutex_lock(&s->lock);
    cache_entry *e = table_find(s, h, key, key_len);
    if (e != NULL && (e->generation != generation || now_ms >= e->expires_ms)) {
        table_remove(s, e);
        s->expired++;
        release_later(&rl, e);
        e = NULL;
    }
    if (e != NULL) {
        lru_unlink(s, e);
        lru_push_front(s, e);
        cache_retain(e);
        e->hits++;
        s->hits++;
    } else {
        s->misses++;
    }
    pthread_mutex_unlock(&s->lock);
    release_all(&rl);
    return e;
}

cache_entry *cache_insert(const char *key, size_t key_len, uint64_t generation, uint64_t now_ms, int status,
                          const char *content_type, bool has_total, uint64_t total, cache_blob *body)
{
    return cache_insert_origin(key, key_len, generation, now_ms, status, content_type, has_total, total, body, NULL,
                               0);
}

cache_entry *cache_insert_origin(const char *key, size_t key_len, uint64_t generation, uint64_t now_ms, int status,
                                 const char *content_type, bool has_total, uint64_t total, cache_blob *body,
                                 const char *origin, size_t origin_len)
{
    if (!C.on) {
        free(body);
        return NULL;
    }
    size_t charge = sizeof(cache_entry) + key_len + origin_len + sizeof(cache_blob) + body->len;
    uint64_t h = hash_key(key, key_len);
    shard *s = shard_of(h);
    if (charge > C.shard_budget / 8) {
        pthread_mutex_lock(&s->lock);
        s->rejected++;
        pthread_mutex_unlock(&s->lock);
        free(body);
        return NULL;
    }
    cache_entry *e = malloc(sizeof(*e) + key_len + origin_len);
    if (e == NULL)
        abort();
    memset(e, 0, sizeof(*e));
    atomic_init(&e->refs, 2); /* the table's and the caller's */
    e->hash = h;
    e->generation = generation;
    e->expires_ms = now_ms + C.ttl_ms;
    e->charge = charge;
    e->status = status;
    e->content_type = content_type;
    e->has_total = has_total;
    e->total = total;
    for (int k = 0; k < CACHE_ENCODINGS; k++)
        atomic_init(&e->body[k], NULL);
    atomic_store_explicit(&e->body[CACHE_IDENTITY], body, memory_order_release);
    e->key_len = key_len;
    memcpy(e->key, key, key_len);
    e->origin_len = origin_len;
    if (origin_len > 0)
        memcpy(e->key + key_len, origin, origin_len);

    release_list rl = {.n = 0};
    pthread_mutex_lock(&s->lock);
    cache_entry *old = table_find(s, h, key, key_len);
    if (old != NULL) {
        table_remove(s, old);
        release_later(&rl, old);
    }
    while (s->tail != NULL && s->bytes + charge > C.shard_budget) {
        cache_entry *victim = s->tail;
        table_remove(s, victim);
        s->evictions++;
        release_later(&rl, victim);
        if (rl.n == (int)(sizeof(rl.items) / sizeof(rl.items[0]))) {
            pthread_mutex_unlock(&s->lock);
            release_all(&rl);
            pthread_mutex_lock(&s->lock);
        }
    }
    size_t b = h & (s->n_buckets - 1);
    e->hnext = s->buckets[b];
    s->buckets[b] = e;
    lru_push_front(s, e);
    e->linked = true;
    s->bytes += charge;
    s->entries++;
    s->inserts++;
    if (s->entries > s->n_buckets)
        table_grow(s);
    pthread_mutex_unlock(&s->lock);
    release_all(&rl);
    return e;
}

const cache_blob *cache_add_body(cache_entry *e, cache_encoding enc, cache_blob *blob)
{
    shard *s = shard_of(e->hash);
    cache_blob *have;
    pthread_mutex_lock(&s->lock);
    have = atomic_load_explicit(&e->body[enc], memory_order_relaxed);
    if (have == NULL) {
        atomic_store_explicit(&e->body[enc], blob, memory_order_release);
        size_t add = sizeof(cache_blob) + blob->len;
        e->charge += add;
        if (e->linked)
            s->bytes += add;
        have = blob;
        blob = NULL;
    }
    /* The budget is enforced on the next insert into this shard. */
    pthread_mutex_unlock(&s->lock);
    free(blob);
    return have;
}

void cache_clear(void)
{
    atomic_fetch_add(&C.clears, 1);
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &C.shards[i];
        pthread_mutex_lock(&s->lock);
        cache_entry *list = NULL;
        while (s->head != NULL) {
            cache_entry *e = s->head;
            table_remove(s, e);
            e->hnext = list;
            list = e;
        }
        pthread_mutex_unlock(&s->lock);
        while (list != NULL) {
            cache_entry *next = list->hnext;
            list->hnext = NULL;
            cache_release(list);
            list = next;
        }
    }
}

void cache_destroy(void)
{
    cache_clear();
    for (int i = 0; i < SHARDS; i++) {
        free(C.shards[i].buckets);
        C.shards[i].buckets = NULL;
        pthread_mutex_destroy(&C.shards[i].lock);
    }
    C.on = false;
}

void cache_stats_read(cache_stats *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &C.shards[i];
        if (s->buckets == NULL)
            continue;
        pthread_mutex_lock(&s->lock);
        out->hits += s->hits;
        out->misses += s->misses;
        out->inserts += s->inserts;
        out->evictions += s->evictions;
        out->expired += s->expired;
        out->rejected += s->rejected;
        out->entries += s->entries;
        out->bytes += s->bytes;
        pthread_mutex_unlock(&s->lock);
    }
    out->clears = atomic_load(&C.clears);
    out->budget = C.budget;
}

/* The most requested answers, for warming after a generation switch: a
 * bounded selection (a min-heap of n) over every entry with an origin. */
typedef struct {
    uint64_t hits;
    cache_entry *e;
} top_item;

static void heap_down(top_item *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && h[l].hits < h[m].hits)
            m = l;
        if (r < n && h[r].hits < h[m].hits)
            m = r;
        if (m == i)
            return;
        top_item t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

size_t cache_top_origins(size_t n, char **out)
{
    if (!C.on || n == 0)
        return 0;
    top_item *h = calloc(n, sizeof(*h));
    if (h == NULL)
        return 0;
    size_t have = 0;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &C.shards[i];
        pthread_mutex_lock(&s->lock);
        for (cache_entry *e = s->head; e != NULL; e = e->next) {
            if (e->origin_len == 0)
                continue;
            if (have < n) {
                cache_retain(e);
                h[have++] = (top_item){e->hits, e};
                if (have == n)
                    for (size_t k = n / 2 + 1; k-- > 0;)
                        heap_down(h, n, k);
            } else if (e->hits > h[0].hits) {
                cache_retain(e);
                /* Frees nothing here unless that entry left the table
                 * meanwhile (its own shard's lock is not needed for that). */
                cache_release(h[0].e);
                h[0] = (top_item){e->hits, e};
                heap_down(h, n, 0);
            }
        }
        pthread_mutex_unlock(&s->lock);
    }
    /* Most requested first. */
    for (size_t a = 1; a < have; a++)
        for (size_t b = a; b > 0 && h[b].hits > h[b - 1].hits; b--) {
            top_item t = h[b];
            h[b] = h[b - 1];
            h[b - 1] = t;
        }
    for (size_t k = 0; k < have; k++) {
        cache_entry *e = h[k].e;
        out[k] = malloc(e->origin_len + 1);
        if (out[k] == NULL)
            abort();
        memcpy(out[k], e->key + e->key_len, e->origin_len);
        out[k][e->origin_len] = '\0';
        cache_release(e);
    }
    free(h);
    return have;
}
