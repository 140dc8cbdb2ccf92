/* API keys and tiers: who is calling, and how much they may call.
 *
 * A partner presents a key (`X-API-Key: K` or `Authorization: Bearer K`).
 * Each key has a name (for people, logs and metrics) and a tier; a tier
 * sets the token-bucket rate limit of every key in it. Anonymous traffic
 * keeps the per-IP limit of util/ratelimit (or is refused with
 * --require-key); that choice is the caller's, this module only answers
 * "which key, which tier, allowed or not".
 *
 * Storage (keys_db): SQLite, DIR/keys.db beside the generations of the data
 * directory, in WAL mode so the CLI and the server's admin API can write
 * while the server reads. Only the SHA-256 of a key is stored; the key
 * itself is printed once, when it is made (add, rotate), and can never be
 * shown again. A key is "isla_" and 32 characters of base64url (192 random
 * bits from OpenSSL's RAND_bytes), so a hash without salt is enough: there
 * is nothing to guess from a dictionary.
 *
 * The request path (keys_check_key) never touches SQLite: the server keeps
 * an in-memory table of every key's hash (an open-addressing hash table on
 * the digest, compared with CRYPTO_memcmp), swapped under a read-write lock
 * when the database changed. keys_refresh asks SQLite's `PRAGMA
 * data_version`, which changes when another connection committed — a
 * read of the shared-memory WAL index, no file I/O — so the control thread
 * can call it every tick and a revocation or a new key takes effect within
 * a tick, without a restart.
 *
 * Rate limits: one token bucket per key (not per tier: one busy partner
 * must not starve the others of its tier), kept across table reloads by the
 * key's row id, so rotating a key or adding another does not refill it.
 *
 * Counters per tier (requests, rate-limited, and the 401s of unknown and
 * revoked keys) are kept here for /metrics, /api/stats and the dashboard.
 * Key material never leaves this module: nothing else sees more than the
 * name and the tier. */
#ifndef ISLA_KEYS_H
#define ISLA_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define KEYS_NAME_MAX 64
#define KEYS_TIER_MAX 32
#define KEYS_MAX_TIERS 16
#define KEYS_KEY_LEN 37          /* "isla_" + 32 */
#define KEYS_DEFAULT_TIERS "free=10/s:20,partner=100/s:200,internal=off"

/* ---- tiers -------------------------------------------------------------- */

typedef struct {
    char name[KEYS_TIER_MAX + 1];
    double rate_per_s;        /* 0 = unlimited */
    double burst;
    char rate_text[32];       /* as configured ("100/s", "off"), for messages */
} keys_tier;

typedef struct {
    keys_tier t[KEYS_MAX_TIERS];
    unsigned n;
} keys_tiers;

/* "NAME=RATE[:BURST],..." with RATE N/s, N/min, N/h or off; BURST defaults
 * to the N of the rate. False with err naming the part that is wrong. */
bool keys_parse_tiers(const char *spec, keys_tiers *out, char *err, size_t errlen);
/* Index of a tier by name, or -1. */
int keys_tier_find(const keys_tiers *t, const char *name);

/* Names: 1..64 of [A-Za-z0-9._-]; tiers: 1..32 of [a-z0-9_-]. */
bool keys_valid_name(const char *name);
bool keys_valid_tier(const char *tier);

/* ---- the durable store -------------------------------------------------- */

typedef struct keys_db keys_db;

/* Opens (creating the directory's keys.db and its table if needed). */
keys_db *keys_db_open(const char *data_dir, char *err, size_t errlen);
void keys_db_close(keys_db *db);

typedef enum {
    KEYS_OK = 0,
    KEYS_ERR = -1,            /* SQLite or I/O; err says what */
    KEYS_EXISTS = -2,         /* add: an active key has that name */
    KEYS_NOT_FOUND = -3,      /* revoke, rotate: no active key of that name */
    KEYS_BAD_INPUT = -4,      /* a name or tier that is not valid */
} keys_rc;

/* add and rotate write the new key (NUL-terminated) to key_out. Adding the
 * name of a revoked key replaces it. */
keys_rc keys_add(keys_db *db, const char *name, const char *tier, char key_out[KEYS_KEY_LEN + 1], char *err,
                 size_t errlen);
keys_rc keys_revoke(keys_db *db, const char *name, char *err, size_t errlen);
keys_rc keys_rotate(keys_db *db, const char *name, char key_out[KEYS_KEY_LEN + 1], char *err, size_t errlen);

typedef struct {
    int64_t id;
    char name[KEYS_NAME_MAX + 1];
    char tier[KEYS_TIER_MAX + 1];
    int64_t created_ms, rotated_ms, revoked_ms; /* 0 = never */
} keys_info;

/* All keys, active and revoked, by name. *out is malloc'd. */
keys_rc keys_list(keys_db *db, keys_info **out, size_t *n, char *err, size_t errlen);

/* The SHA-256 of a key (exposed for the tests). */
void keys_hash(const char *key, size_t len, unsigned char out[32]);

/* ---- the request path (one per process) ---------------------------------- */

/* Opens DIR/keys.db and loads it. tiers is copied. */
bool keys_runtime_start(const char *data_dir, const keys_tiers *tiers, char *err, size_t errlen);
void keys_runtime_stop(void);
bool keys_runtime_on(void);
const keys_tiers *keys_runtime_tiers(void);

/* Reloads the table if the database changed since the last call; cheap
 * when it did not. Returns true if it reloaded. Thread-safe. */
bool keys_refresh(void);

typedef enum { KEY_OK, KEY_UNKNOWN, KEY_REVOKED, KEY_NO_TIER } keys_verdict;

typedef struct {
    keys_verdict verdict;
    int tier;                 /* index into the tiers, -1 unless KEY_OK */
    char name[KEYS_NAME_MAX + 1];
    char tier_name[KEYS_TIER_MAX + 1];
    /* The rate limit (KEY_OK only); limited = false for unlimited tiers. */
    bool limited;
    bool allowed;
    unsigned limit, remaining, reset_s, retry_after_s;
} keys_check;

/* Looks the presented key up and takes a token from its bucket. Counts the
 * request (and a refusal) for the key's tier. */
void keys_check_key(const char *key, size_t len, uint64_t now_ns, keys_check *out);

/* Counters. Tier -1 is anonymous traffic. */
typedef struct {
    uint64_t requests, limited;
} keys_tier_counts;
typedef struct {
    keys_tier_counts tier[KEYS_MAX_TIERS];
    keys_tier_counts anonymous;
    uint64_t unknown, revoked, missing; /* 401s: unknown key, revoked key, no key under --require-key */
    uint64_t keys_active, keys_revoked, reloads;
} keys_counts;
void keys_count_anonymous(bool limited);
void keys_count_missing(void);
void keys_counts_read(keys_counts *c);

/* For /metrics and /api/stats: requests and 429s per tier and per key
 * (by name; keys are few and named by the operator, so the label set is
 * bounded by the key store), and the 401s. */
void keys_render_prometheus(buf_t *b);
void keys_render_stats(buf_t *b);     /* a JSON object */

#endif
