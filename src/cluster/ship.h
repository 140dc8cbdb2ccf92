/* Shipping generations from a builder to its replicas: the pull model.
 *
 * The builder imports and serves as usual; with an admin token it also
 * answers GET /api/admin/generations with the manifest of the generation
 * it serves, and GET /api/admin/generations/N/FILE with that file (byte
 * ranges allowed, so a download resumes). The manifest:
 *
 *   {"generation":N,"files":[{"name":"offers.isla","size":S,"sha256":"..."},...]}
 *
 * A replica (`isla serve --follow URL`, or one `isla pull URL`) polls the
 * manifest; when the builder's generation is newer than its own it
 * downloads every file into DIR/.tmp-follow-N (resuming a partial file
 * with a Range request), checks each file's size and SHA-256, opens the
 * result with every section's CRC verified, and only then publishes it
 * under the same number (store_publish_as: rename, then CURRENT replaced
 * atomically) and tells the server to reload. A file that fails its check
 * is deleted and fetched again on the next attempt (1 s, doubling up to
 * the poll interval); nothing unverified is ever published, so nothing
 * unverified is ever served. Same numbers on builder and replicas mean the
 * same ETags and the same Redis keys everywhere.
 *
 * The manifest is computed once per generation, on the loader thread that
 * opens it (SHA-256 of every file: about 1.5 GB/s with SHA-NI here), so
 * polls cost nothing. Only a server that does not itself follow ships. */
#ifndef ISLA_SHIP_H
#define ISLA_SHIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define SHIP_MAX_FILES 16

typedef struct {
    char name[64];
    uint64_t size;
    char sha256[65];
} ship_file;

typedef struct ship_manifest_s {
    uint64_t generation;
    unsigned n_files;
    ship_file files[SHIP_MAX_FILES];
} ship_manifest;

/* Builds the manifest of a generation directory (regular files only).
 * Returns false with err filled. */
bool ship_manifest_build(const char *gen_dir, uint64_t generation, ship_manifest *m, char *err, size_t errlen);
void ship_manifest_json(const ship_manifest *m, buf_t *out);
/* Parses what ship_manifest_json wrote; false (err says where) otherwise.
 * File names are checked: no '/', no leading '.', so a manifest cannot
 * make a replica write outside its temporary directory. */
bool ship_manifest_parse(const char *json, size_t n, ship_manifest *m, char *err, size_t errlen);
/* The manifest entry of a file name, or NULL. */
const ship_file *ship_manifest_find(const ship_manifest *m, const char *name, size_t n);

/* SHA-256 of a file as 64 hex digits. */
bool ship_sha256_file(const char *path, char out[65], char *err, size_t errlen);

/* ---- the builder's shipping slots ---------------------------------------
 * Replicas download one (or `slots`) at a time, so a rolling update is
 * rolling: each replica's pull, and so its reload, comes after the previous
 * one's. A replica names itself in every file request (X-Isla-Replica); it
 * holds a slot while it has a transfer open and for SHIP_GRACE_MS after its
 * last one ends (the gap between two files of one pull). Others get 503
 * `ship_busy` and ask again a second later. slots 0 = no limit. */
#define SHIP_GRACE_MS 2000
#define SHIP_LEASES 64
bool ship_lease_take(const char *replica, size_t n, unsigned slots, uint64_t now_ms);
void ship_lease_release(const char *replica, size_t n, uint64_t now_ms);
typedef struct {
    uint64_t granted, busy;   /* file requests let through / turned away */
    uint64_t max_concurrent;  /* most replicas holding a slot at once */
} ship_lease_stats;
void ship_lease_stats_read(ship_lease_stats *s);
void ship_lease_reset(void); /* tests */

typedef struct {
    const char *url;          /* the builder: http(s)://HOST:PORT */
    const char *token;        /* its admin token (Bearer) */
    const char *data_dir;
    uint64_t interval_ms;
    /* Called from the follower's thread after a generation was published. */
    void (*published)(void *arg, uint64_t generation);
    void *arg;
} ship_options;

/* PULL_BUSY: the builder is shipping to other replicas; ask again soon. */
typedef enum { PULL_NEW, PULL_UP_TO_DATE, PULL_FAILED, PULL_BUSY } pull_result;

/* One poll: fetch the manifest and, if newer, the generation. */
pull_result ship_pull_once(const ship_options *o, uint64_t *generation, char *err, size_t errlen);

/* The follower thread: polls every interval_ms until ship_follow_stop. */
bool ship_follow_start(const ship_options *o);
void ship_follow_stop(void);

typedef struct {
    uint64_t polls, pulls, failures, checksum_mismatches, resumed, bytes, busy;
    uint64_t builder_generation, last_generation;
    uint64_t last_pull_ms;    /* how long the last successful pull took */
} ship_stats;
void ship_stats_read(ship_stats *s);
/* {"url":...,"builderGeneration":N,"pulled":N,"failures":N,"lastError":...} */
void ship_follow_status(buf_t *json);

#endif
