/* The result cache: finished answers of searches, keyed by the normalised
 * query (api_call_key) and the generation they were computed on.
 *
 * What an entry holds. Everything needed to answer without running the
 * search or compressing again: status, content type, X-Total-Count, the
 * identity body, and the gzip and brotli bodies, each made the first time
 * a client asks for that encoding and then kept. A hit costs a hash, a
 * mutex and a pointer copy: the response is sent straight out of the entry.
 *
 * Lifetime. Entries are reference counted: the table holds one reference,
 * and every response being written from an entry holds one, so an entry
 * can be evicted, expired or dropped by a new generation while a slow
 * client still reads it; its memory goes when the last reader is done.
 *
 * Bounds. A byte budget (key + bodies + bookkeeping) enforced per shard
 * with LRU eviction, a TTL checked on lookup, and a per-entry size cap
 * (1/8 of a shard's budget) so one huge answer cannot flush the cache.
 * A new generation drops every entry (cache_clear); entries also carry
 * their generation, so one computed on the old generation by a request
 * that was in flight during the switch can never answer for the new one.
 *
 * Concurrency. 16 shards, each with its own mutex, hash table and LRU
 * list; the key's hash picks the shard. Two threads missing on the same
 * key at the same moment both compute it and the second insert replaces
 * the first: with a handful of serving threads that duplicate work is
 * cheaper than the coordination a single-flight scheme would add. */
#ifndef ISLA_CACHE_H
#define ISLA_CACHE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/compress.h"


typedef struct cache_entry cache_entry;
struct cache_entry {
    atomic_uint refs;
    cache_entry *hnext;               /* hash chain */
    cache_entry *prev, *next;         /* LRU list, most recent first */
    uint64_t hash, generation, expires_ms;
    size_t charge;                    /* bytes counted against the budget */
    bool linked;                      /* in the table (else evicted) */
    int status;
    const char *content_type;         /* static string */
    bool has_total;
    uint64_t total;
    _Atomic(cache_blob *) body[CACHE_ENCODINGS]; /* [CACHE_IDENTITY] always set */
    uint64_t hits;                    /* lookups answered, under the shard lock */
    size_t key_len, origin_len;       /* key[], then the request it answered */
    char key[];
};

/* budget 0 disables the cache: lookups miss, inserts are refused. */
void cache_init(uint64_t budget_bytes, uint64_t ttl_ms);
bool cache_enabled(void);

/* A live entry for key on generation, with a reference the caller must
 * release; NULL on a miss (expired entries are removed). */
cache_entry *cache_lookup(const char *key, size_t key_len, uint64_t generation, uint64_t now_ms);

/* Stores an answer; takes ownership of body (malloc'ed cache_blob).
 * Returns the new entry with a reference for the caller, or NULL (body
 * freed) if the cache is off or the answer is too large to cache. */
cache_entry *cache_insert(const char *key, size_t key_len, uint64_t generation, uint64_t now_ms, int status,
                          const char *content_type, bool has_total, uint64_t total, cache_blob *body);

/* The same, remembering the request the answer was for (path?query), so
 * cache_top_origins can replay it on a new generation. */
cache_entry *cache_insert_origin(const char *key, size_t key_len, uint64_t generation, uint64_t now_ms, int status,
                                 const char *content_type, bool has_total, uint64_t total, cache_blob *body,
                                 const char *origin, size_t origin_len);

/* The requests (path?query) of the n most often hit entries that have
 * one, most hit first, malloc'ed into out[]; returns how many. Call
 * before cache_clear when a new generation comes. */
size_t cache_top_origins(size_t n, char **out);

/* The body in an encoding, or NULL if not made yet. */
static inline const cache_blob *cache_body(const cache_entry *e, cache_encoding enc)
{
    return atomic_load_explicit((_Atomic(cache_blob *) *)&e->body[enc], memory_order_acquire);
}
/* Adds an encoding's body (ownership passes to the cache). Returns the
 * body now in the entry: blob, or one another thread added first (then
 * blob is freed). */
const cache_blob *cache_add_body(cache_entry *e, cache_encoding enc, cache_blob *blob);

void cache_release(cache_entry *e);

/* Drops every entry (a new generation is serving). */
void cache_clear(void);
/* Frees everything; no entry may be in use. */
void cache_destroy(void);

typedef struct {
    uint64_t hits, misses, inserts, evictions, expired, rejected, clears;
    uint64_t entries, bytes, budget;
} cache_stats;
void cache_stats_read(cache_stats *s);


#endif
