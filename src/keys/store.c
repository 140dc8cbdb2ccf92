/* The durable key store (keys.h): DIR/keys.db in SQLite, hashes only. */
#include "keys/keys.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/clock.h"
#include "util/sqlfile.h"
#include "util/xalloc.h"

struct keys_db {
    sqlite3 *db;
};

static bool charset(const char *s, size_t max, const char *extra, bool upper)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upper && c >= 'A' && c <= 'Z') ||
                  strchr(extra, c) != NULL;
        if (!ok || n >= max)
            return false;
    }
    return n > 0;
}

bool keys_valid_name(const char *name)
{
    return name != NULL && charset(name, KEYS_NAME_MAX, "._-", true);
}

bool keys_valid_tier(const char *tier)
{
    return tier != NULL && charset(tier, KEYS_TIER_MAX, "_-", false);
}

void keys_hash(const char *key, size_t len, unsigned char out[32])
{
    unsigned int n = 32;
    if (EVP_Digest(key, len, out, &n, EVP_sha256(), NULL) != 1)
        abort(); /* only without a working libcrypto */
}

/* "isla_" + 32 characters of base64url: 192 random bits. */
static bool new_key(char out[KEYS_KEY_LEN + 1])
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char r[24];
    if (RAND_bytes(r, sizeof r) != 1)
        return false;
    memcpy(out, "isla_", 5);
    char *o = out + 5;
    for (int i = 0; i < 24; i += 3) {
        uint32_t v = (uint32_t)r[i] << 16 | (uint32_t)r[i + 1] << 8 | r[i + 2];
        *o++ = alphabet[v >> 18 & 63];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = alphabet[v & 63];
    }
    *o = '\0';
    return true;
}

static keys_rc sql_fail(keys_db *k, char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "keys.db: %s: %s", what, sqlite3_errmsg(k->db));
    return KEYS_ERR;
}

static const char SCHEMA[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS api_keys("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL UNIQUE,"
    " tier TEXT NOT NULL,"
    " hash BLOB NOT NULL UNIQUE,"
    " created_ms INTEGER NOT NULL,"
    " rotated_ms INTEGER NOT NULL DEFAULT 0,"
    " revoked_ms INTEGER NOT NULL DEFAULT 0);";

keys_db *keys_db_open(const char *data_dir, char *err, size_t errlen)
{
    sqlite3 *db = sqlfile_open(data_dir, "keys.db", SCHEMA, err, errlen);
    if (db == NULL)
        return NULL;
    keys_db *k = xcalloc(1, sizeof *k);
    k->db = db;
    return k;
}

void keys_db_close(keys_db *k)
{
    if (k == NULL)
        return;
    sqlite3_close(k->db);
    free(k);
}

/* Runs one statement with text/blob/int parameters; returns the number of
 * rows changed or -1. */
static int exec_changes(keys_db *k, const char *sql, const char *s1, const char *s2, const unsigned char *blob,
                        int64_t i1)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(k->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    int n = sqlite3_bind_parameter_count(st);
    for (int p = 1; p <= n; p++) {
        const char *nm = sqlite3_bind_parameter_name(st, p);
        if (!strcmp(nm, ":s1"))
            sqlite3_bind_text(st, p, s1, -1, SQLITE_STATIC);
        else if (!strcmp(nm, ":s2"))
            sqlite3_bind_text(st, p, s2, -1, SQLITE_STATIC);
        else if (!strcmp(nm, ":blob"))
            sqlite3_bind_blob(st, p, blob, 32, SQLITE_STATIC);
        else if (!strcmp(nm, ":i1"))
            sqlite3_bind_int64(st, p, i1);
    }
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return -1;
    return sqlite3_changes(k->db);
}

static keys_rc in_tx(keys_db *k, bool begin, char *err, size_t errlen)
{
    const char *sql = begin ? "BEGIN IMMEDIATE" : "COMMIT";
    if (sqlite3_exec(k->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(k, err, errlen, sql);
    return KEYS_OK;
}

static void rollback(keys_db *k)
{
    sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
}

/* A new key and its hash; false (err says why) without random bytes. */
static bool fresh_key(char key_out[KEYS_KEY_LEN + 1], unsigned char h[32], char *err, size_t errlen)
{
    if (!new_key(key_out)) {
        snprintf(err, errlen, "no random bytes from OpenSSL");
        return false;
    }
    keys_hash(key_out, strlen(key_out), h);
    return true;
}

/* The answer of a statement that changes the active key named name: n
 * rows changed, or -1 after a SQL error in what. */
static keys_rc one_changed(keys_db *k, int n, const char *name, const char *what, char *err, size_t errlen)
{
    if (n < 0)
        return sql_fail(k, err, errlen, what);
    if (n == 0) {
        snprintf(err, errlen, "name: no active key named '%s'", name);
        return KEYS_NOT_FOUND;
    }
    return KEYS_OK;
}

keys_rc keys_add(keys_db *k, const char *name, const char *tier, char key_out[KEYS_KEY_LEN + 1], char *err,
                 size_t errlen)
{
    if (!keys_valid_name(name)) {
        snprintf(err, errlen, "name: must be 1 to %d characters of A-Z a-z 0-9 . _ -", KEYS_NAME_MAX);
        return KEYS_BAD_INPUT;
    }
    if (!keys_valid_tier(tier)) {
        snprintf(err, errlen, "tier: must be 1 to %d characters of a-z 0-9 _ -", KEYS_TIER_MAX);
        return KEYS_BAD_INPUT;
    }
    unsigned char h[32];
    if (!fresh_key(key_out, h, err, errlen))
        return KEYS_ERR;
    if (in_tx(k, true, err, errlen) != KEYS_OK)
        return KEYS_ERR;
    /* The name of a revoked key is free again. */
    if (exec_changes(k, "DELETE FROM api_keys WHERE name = :s1 AND revoked_ms != 0", name, NULL, NULL, 0) < 0)
        goto fail;
    int n = exec_changes(k,
                         "INSERT INTO api_keys(name, tier, hash, created_ms) VALUES(:s1, :s2, :blob, :i1) "
                         "ON CONFLICT(name) DO NOTHING",
                         name, tier, h, (int64_t)clock_unix_ms());
    if (n < 0)
        goto fail;
    if (n == 0) {
        rollback(k);
        snprintf(err, errlen, "name: a key named '%s' exists already (rotate or revoke it)", name);
        return KEYS_EXISTS;
    }
    return in_tx(k, false, err, errlen);
fail:;
    keys_rc rc = sql_fail(k, err, errlen, "add");
    rollback(k);
    return rc;
}

keys_rc keys_revoke(keys_db *k, const char *name, char *err, size_t errlen)
{
    if (!keys_valid_name(name)) {
        snprintf(err, errlen, "name: not a valid key name");
        return KEYS_BAD_INPUT;
    }
    int n = exec_changes(k, "UPDATE api_keys SET revoked_ms = :i1 WHERE name = :s1 AND revoked_ms = 0", name, NULL,
                         NULL, (int64_t)clock_unix_ms());
    return one_changed(k, n, name, "revoke", err, errlen);
}

keys_rc keys_rotate(keys_db *k, const char *name, char key_out[KEYS_KEY_LEN + 1], char *err, size_t errlen)
{
    if (!keys_valid_name(name)) {
        snprintf(err, errlen, "name: not a valid key name");
        return KEYS_BAD_INPUT;
    }
    unsigned char h[32];
    if (!fresh_key(key_out, h, err, errlen))
        return KEYS_ERR;
    int n = exec_changes(k, "UPDATE api_keys SET hash = :blob, rotated_ms = :i1 WHERE name = :s1 AND revoked_ms = 0",
                         name, NULL, h, (int64_t)clock_unix_ms());
    return one_changed(k, n, name, "rotate", err, errlen);
}

keys_rc keys_list(keys_db *k, keys_info **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(k->db,
                           "SELECT id, name, tier, created_ms, rotated_ms, revoked_ms FROM api_keys ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(k, err, errlen, "list");
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = realloc(*out, cap * sizeof **out);
        }
        keys_info *i = &(*out)[(*n)++];
        memset(i, 0, sizeof *i);
        i->id = sqlite3_column_int64(st, 0);
        snprintf(i->name, sizeof i->name, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(i->tier, sizeof i->tier, "%s", (const char *)sqlite3_column_text(st, 2));
        i->created_ms = sqlite3_column_int64(st, 3);
        i->rotated_ms = sqlite3_column_int64(st, 4);
        i->revoked_ms = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return sql_fail(k, err, errlen, "list");
    }
    return KEYS_OK;
}

/* For the runtime (runtime.c): the raw handle. */
sqlite3 *keys_db_handle(keys_db *k);
sqlite3 *keys_db_handle(keys_db *k)
{
    return k->db;
}
