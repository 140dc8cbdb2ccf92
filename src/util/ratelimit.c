/* Per-client token buckets; see ratelimit.h.
 *
 * Each shard is a fixed pool of buckets (allocated once: no allocation on
 * the request path), chained into a small hash table by index. */
#include "util/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 64
#define NIL UINT32_MAX

typedef struct {
    netaddr ip;
    double tokens;
    uint64_t t_ns;            /* last refill */
    uint32_t next;            /* hash chain or free list */
} bucket;

typedef struct {
    pthread_mutex_t lock;
    bucket *pool;
    uint32_t cap, used;
    uint32_t free_head;
    uint32_t *heads;          /* hash table, n_heads entries */
    uint32_t n_heads;
    char pad[64];
} shard;

static struct {
    bool on;
    double rate, burst;
    shard shards[SHARDS];
    _Atomic size_t clients;
} R;

static uint64_t hash_ip(const netaddr *a)
{
    uint64_t x, y;
    memcpy(&x, a->b, 8);
    memcpy(&y, a->b + 8, 8);
    uint64_t h = x * 0x9e3779b97f4a7c15ull ^ y;
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
    return h;
}

void ratelimit_init(double rate_per_s, double burst, size_t max_clients)
{
    R.on = rate_per_s > 0;
    R.rate = rate_per_s;
    R.burst = burst < 1 ? 1 : burst;
    atomic_store(&R.clients, 0);
    if (!R.on)
        return;
    uint32_t cap = (uint32_t)((max_clients + SHARDS - 1) / SHARDS);
    if (cap < 4)
        cap = 4;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &R.shards[i];
        pthread_mutex_init(&s->lock, NULL);
        s->cap = cap;
        s->used = 0;
        s->pool = calloc(cap, sizeof(bucket));
        s->n_heads = 1;
        while (s->n_heads < cap)
            s->n_heads <<= 1;
        s->heads = malloc(s->n_heads * sizeof(uint32_t));
        if (s->pool == NULL || s->heads == NULL)
            abort();
        for (uint32_t k = 0; k < s->n_heads; k++)
            s->heads[k] = NIL;
        /* The free list threads through the pool. */
        for (uint32_t k = 0; k < cap; k++)
            s->pool[k].next = k + 1 < cap ? k + 1 : NIL;
        s->free_head = 0;
    }
}

bool ratelimit_enabled(void)
{
    return R.on;
}

static double refill(const bucket *b, uint64_t now_ns)
{
    double dt = now_ns > b->t_ns ? (double)(now_ns - b->t_ns) / 1e9 : 0;
    double t = b->tokens + dt * R.rate;
    return t > R.burst ? R.burst : t;
}

/* Unlinks pool[idx] from its chain and frees it. Lock held. */
static void bucket_drop(shard *s, uint32_t idx, uint64_t h)
{
    uint32_t *pp = &s->heads[h & (s->n_heads - 1)];
    while (*pp != idx)
        pp = &s->pool[*pp].next;
    *pp = s->pool[idx].next;
    s->pool[idx].next = s->free_head;
    s->free_head = idx;
    s->used--;
    atomic_fetch_sub_explicit(&R.clients, 1, memory_order_relaxed);
}

/* Frees buckets that are full again; returns how many. Lock held. */
static uint32_t shard_sweep(shard *s, uint64_t now_ns)
{
    uint32_t freed = 0;
    for (uint32_t hb = 0; hb < s->n_heads; hb++) {
        uint32_t *pp = &s->heads[hb];
        while (*pp != NIL) {
            uint32_t idx = *pp;
            bucket *b = &s->pool[idx];
            if (refill(b, now_ns) >= R.burst) {
                *pp = b->next;
                b->next = s->free_head;
                s->free_head = idx;
                s->used--;
                freed++;
                atomic_fetch_sub_explicit(&R.clients, 1, memory_order_relaxed);
            } else {
                pp = &b->next;
            }
        }
    }
    return freed;
}

void ratelimit_take(const netaddr *client, uint64_t now_ns, ratelimit_result *out)
{
    out->limit = (unsigned)R.burst;
    if (!R.on) {
        out->allowed = true;
        out->remaining = out->limit;
        out->reset_s = out->retry_after_s = 0;
        return;
    }
    uint64_t h = hash_ip(client);
    shard *s = &R.shards[h >> 58];
    pthread_mutex_lock(&s->lock);
    uint32_t idx = s->heads[h & (s->n_heads - 1)];
    while (idx != NIL && memcmp(&s->pool[idx].ip, client, sizeof(*client)) != 0)
        idx = s->pool[idx].next;
    if (idx == NIL) {
        if (s->free_head == NIL && shard_sweep(s, now_ns) == 0) {
            /* Full of active clients: reuse the least recently seen. */
            uint32_t oldest = 0;
            for (uint32_t k = 1; k < s->cap; k++)
                if (s->pool[k].t_ns < s->pool[oldest].t_ns)
                    oldest = k;
            bucket_drop(s, oldest, hash_ip(&s->pool[oldest].ip));
        }
        idx = s->free_head;
        s->free_head = s->pool[idx].next;
        bucket *b = &s->pool[idx];
        b->ip = *client;
        b->tokens = R.burst;
        b->t_ns = now_ns;
        uint32_t *head = &s->heads[h & (s->n_heads - 1)];
        b->next = *head;
        *head = idx;
        s->used++;
        atomic_fetch_add_explicit(&R.clients, 1, memory_order_relaxed);
    }
    bucket *b = &s->pool[idx];
    double t = refill(b, now_ns);
    b->t_ns = now_ns;
    out->allowed = t >= 1.0;
    if (out->allowed)
        t -= 1.0;
    b->tokens = t;
    pthread_mutex_unlock(&s->lock);

    out->remaining = (unsigned)floor(t);
    out->reset_s = (unsigned)ceil((R.burst - t) / R.rate);
    out->retry_after_s = out->allowed ? 0 : (unsigned)ceil((1.0 - t) / R.rate);
    if (!out->allowed && out->retry_after_s == 0)
        out->retry_after_s = 1;
}

size_t ratelimit_sweep(uint64_t now_ns)
{
    if (!R.on)
        return 0;
    for (int i = 0; i < SHARDS; i++) {
        shard *s = &R.shards[i];
        pthread_mutex_lock(&s->lock);
        shard_sweep(s, now_ns);
        pthread_mutex_unlock(&s->lock);
    }
    return atomic_load(&R.clients);
}

size_t ratelimit_clients(void)
{
    return atomic_load_explicit(&R.clients, memory_order_relaxed);
}

void ratelimit_destroy(void)
{
    if (!R.on)
        return;
    for (int i = 0; i < SHARDS; i++) {
        free(R.shards[i].pool);
        free(R.shards[i].heads);
        pthread_mutex_destroy(&R.shards[i].lock);
    }
    R.on = false;
}
