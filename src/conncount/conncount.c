/* Connections per address; see conncount.h.
 *
 * 64 shards, each a mutex and a chained hash table of 256 buckets; entries
 * are malloc'd on an address's first connection and freed with its last.
 * An accept costs one short critical section, nothing else does. */
#include "conncount/conncount.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 64
#define BUCKETS 256

typedef struct entry {
    netaddr addr;
    size_t n;
    struct entry *next;
} entry;

typedef struct {
    pthread_mutex_t lock;
    entry *buckets[BUCKETS];
} shard;

static shard g_shards[SHARDS];
static size_t g_cap;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_locks(void)
{
    for (size_t i = 0; i < SHARDS; i++)
        pthread_mutex_init(&g_shards[i].lock, NULL);
}

void conncount_init(size_t cap)
{
    pthread_once(&g_once, init_locks);
    g_cap = cap;
}

static uint64_t hash(const netaddr *a)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < sizeof(a->b); i++)
        h = (h ^ a->b[i]) * 1099511628211ull;
    return h ^ h >> 29;
}

static entry **slot(shard **sh, const netaddr *a)
{
    uint64_t h = hash(a);
    *sh = &g_shards[h % SHARDS];
    entry **p = &(*sh)->buckets[(h / SHARDS) % BUCKETS];
    while (*p != NULL && memcmp((*p)->addr.b, a->b, sizeof(a->b)) != 0)
        p = &(*p)->next;
    return p;
}

bool conncount_acquire(const netaddr *a)
{
    pthread_once(&g_once, init_locks);
    shard *sh;
    bool ok = true;
    pthread_mutex_lock(&g_shards[hash(a) % SHARDS].lock);
    entry **p = slot(&sh, a);
    if (*p == NULL) {
        entry *e = calloc(1, sizeof(*e));
        if (e != NULL) {
            e->addr = *a;
            e->n = 1;
            *p = e;
        }
        /* Out of memory: let the connection in uncounted rather than refuse
         * a client for our own failure; release finds no entry and skips. */
    } else if (g_cap > 0 && (*p)->n >= g_cap) {
        ok = false;
    } else {
        (*p)->n++;
    }
    pthread_mutex_unlock(&sh->lock);
    return ok;
}

void conncount_release(const netaddr *a)
{
    pthread_once(&g_once, init_locks);
    shard *sh;
    pthread_mutex_lock(&g_shards[hash(a) % SHARDS].lock);
    entry **p = slot(&sh, a);
    if (*p != NULL && --(*p)->n == 0) {
        entry *e = *p;
        *p = e->next;
        free(e);
    }
    pthread_mutex_unlock(&sh->lock);
}

size_t conncount_of(const netaddr *a)
{
    pthread_once(&g_once, init_locks);
    shard *sh;
    pthread_mutex_lock(&g_shards[hash(a) % SHARDS].lock);
    entry **p = slot(&sh, a);
    size_t n = *p != NULL ? (*p)->n : 0;
    pthread_mutex_unlock(&sh->lock);
    return n;
}
