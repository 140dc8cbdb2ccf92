/* Authenticated paging cursors: a short text that names what it continues
 * (data generation, hotel, search) and where (a position), and carries a
 * MAC, so a client can hand it back but cannot aim it at another hotel or
 * search, or edit the position.
 *
 * Text (all numbers lowercase hex, no leading zeros):
 *   c1.GENERATION.HOTEL.SEARCH.P0.P1.P2.MAC
 * MAC is HMAC-SHA256 (OpenSSL) over everything before it, cut to 128 bits,
 * in 32 hex digits. Any other spelling (upper case, leading zeros, spaces)
 * is malformed: there is exactly one text per cursor.
 *
 * The key: cursor_key_set with a secret (isla serve --cursor-key, or
 * ISLA_CURSOR_KEY) so that replicas behind one balancer accept each
 * other's cursors; otherwise a random key made at the first use, so a
 * restart ends every paging session (the client starts again from page 1
 * on the 400). The generation inside the MAC ends them on a reload too,
 * because positions mean nothing in another generation.
 *
 * This module knows nothing of stores or searches: callers pass the
 * numbers (api/params.c fills them from a hotel offers search). */
#ifndef ISLA_CURSOR_H
#define ISLA_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CURSOR_TEXT_MAX 160      /* longest text, with its NUL */
#define CURSOR_KEY_MIN 16        /* shortest secret accepted */

typedef struct {
    uint64_t generation;
    uint64_t hotel;              /* the dump's hotel id */
    uint64_t search;             /* digest of the normalised search */
    uint64_t pos[3];             /* the position, the caller's meaning */
} cursor_fields;

typedef enum {
    CURSOR_OK = 0,
    CURSOR_MALFORMED,            /* not a cursor text at all */
    CURSOR_FORGED,               /* well formed, but the MAC is not ours */
} cursor_status;

/* Sets the key from a secret of at least CURSOR_KEY_MIN bytes; returns
 * false (key unchanged) for a shorter one. Call before serving. */
bool cursor_key_set(const char *secret, size_t len);

/* Writes the text of f (NUL-terminated) and returns its length. */
size_t cursor_format(const cursor_fields *f, char out[CURSOR_TEXT_MAX]);

/* Parses and authenticates text; fills f only when CURSOR_OK. */
cursor_status cursor_parse(const char *text, size_t n, cursor_fields *f);

#endif
