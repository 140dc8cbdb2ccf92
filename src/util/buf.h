/* A growable byte buffer: the one output type every writer in isla uses
 * (JSON bodies, CSV rows, reject lines). Appends never fail; running out of
 * memory aborts, because every caller would have to do the same. */
#ifndef ISLA_BUF_H
#define ISLA_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

void buf_reserve_slow(buf_t *b, size_t extra);
void buf_free(buf_t *b);

/* Makes room for `extra` more bytes; returns the write position. */
static inline char *buf_reserve(buf_t *b, size_t extra)
{
    if (b->cap - b->len < extra)
        buf_reserve_slow(b, extra);
    return b->data + b->len;
}

static inline void buf_put(buf_t *b, const void *p, size_t n)
{
    if (n == 0) /* an empty buffer has no data yet, and memcpy(NULL, p, 0) is undefined */
        return;
    memcpy(buf_reserve(b, n), p, n);
    b->len += n;
}
static inline void buf_puts(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }
static inline void buf_putc(buf_t *b, char c)
{
    *buf_reserve(b, 1) = c;
    b->len++;
}
#define BUF_LIT(b, lit) buf_put((b), (lit), sizeof(lit) - 1)

/* Decimal integers without printf: the JSON hot path writes millions. */
size_t u64_to_dec(uint64_t v, char *out); /* returns length, no NUL */
void buf_put_u64(buf_t *b, uint64_t v);
void buf_put_i64(buf_t *b, int64_t v);
/* Lower-case hexadecimal, at least min_digits (zero-padded, at most 16):
 * printf's %llx and %016llx. */
size_t u64_to_hex(uint64_t v, unsigned min_digits, char *out); /* returns length, no NUL */
void buf_put_hex(buf_t *b, uint64_t v, unsigned min_digits);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends `s` as a JSON string literal, quotes included. Invalid UTF-8 is
 * replaced by U+FFFD so the output is always valid JSON. */
void buf_put_json_str(buf_t *b, const char *s, size_t n);
/* The same written at p, which has room for JSON_STR_MAX(n) bytes (every
 * byte may become a 6-byte escape); returns the end. For writers that
 * reserve once for a whole record. */
#define JSON_STR_MAX(n) (6 * (size_t)(n) + 2)
char *json_str_at(char *p, const char *s, size_t n);
/* Appends ,"name":MS, or ,"name":null when ms is 0 or less (a time in
 * milliseconds that has not happened: not started, never rotated). */
void buf_put_json_ms(buf_t *b, const char *name, int64_t ms);

/* Appends text for a human-readable report: invalid UTF-8 becomes U+FFFD
 * and control characters become spaces, so the report is always clean
 * UTF-8 text whatever the input held. */
void buf_put_clean_text(buf_t *b, const char *s, size_t n);

/* True if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF). */
bool buf_utf8_valid(const char *s, size_t n);

#endif
