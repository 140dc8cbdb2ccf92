#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void buf_reserve_slow(buf_t *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        fputs("isla: out of memory\n", stderr);
        abort();
    }
    b->data = p;
    b->cap = cap;
}

void buf_free(buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* Two digits at a time from a table: half the divisions of one at a time,
 * and no reversal (the length is known first, so digits go straight to
 * their place). */
static const char two_digits[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                    "8081828384858687888990919293949596979899";

static const uint64_t powers_of_ten[19] = {
    10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull, 1000000000ull,
    10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull, 100000000000000ull,
    1000000000000000ull, 10000000000000000ull, 100000000000000000ull, 1000000000000000000ull,
    10000000000000000000ull};

size_t u64_to_dec(uint64_t v, char *out)
{
    size_t n = 1;
    while (n < 20 && v >= powers_of_ten[n - 1]) /* numbers here are short: a few compares */
        n++;
    char *e = out + n;
    while (v >= 100) {
        e -= 2;
        memcpy(e, two_digits + v % 100 * 2, 2);
        v /= 100;
    }
    if (v >= 10) {
        e -= 2;
        memcpy(e, two_digits + v * 2, 2);
    } else {
        *--e = (char)('0' + v);
    }
    return n;
}

void buf_put_u64(buf_t *b, uint64_t v)
{
    char *p = buf_reserve(b, 20);
    b->len += u64_to_dec(v, p);
}

size_t u64_to_hex(uint64_t v, unsigned min_digits, char *out)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 1;
    while (n < 16 && v >> (4 * n))
        n++;
    if (n < min_digits)
        n = min_digits > 16 ? 16 : min_digits;
    for (size_t i = n; i-- > 0; v >>= 4)
        out[i] = hex[v & 15];
    return n;
}

void buf_put_hex(buf_t *b, uint64_t v, unsigned min_digits)
{
    char *p = buf_reserve(b, 16);
    b->len += u64_to_hex(v, min_digits, p);
}

void buf_put_i64(buf_t *b, int64_t v)
{
    if (v < 0) {
        buf_putc(b, '-');
        buf_put_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        buf_put_u64(b, (uint64_t)v);
    }
}

void buf_put_json_ms(buf_t *b, const char *name, int64_t ms)
{
    buf_printf(b, ",\"%s\":", name);
    if (ms > 0)
        buf_put_i64(b, ms);
    else
        BUF_LIT(b, "null");
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *p = buf_reserve(b, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x3F >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* Appends the UTF-8 character at s (n bytes left), or U+FFFD for a byte
 * that starts none; returns the bytes used. */
static size_t put_utf8_char(buf_t *b, const char *s, size_t n)
{
    size_t len = utf8_seq((const unsigned char *)s, n);
    if (len) {
        buf_put(b, s, len);
        return len;
    }
    BUF_LIT(b, "\xEF\xBF\xBD");
    return 1;
}

/* Byte tests on a 64-bit word: the high bit of each byte of the result is
 * set for a byte that is zero (has_zero) or below b (has_below, b <= 0x80),
 * possibly also for some bytes above one that is. */
#define BYTES(b) (0x0101010101010101ull * (uint64_t)(b))
static inline uint64_t has_zero(uint64_t x) { return (x - BYTES(1)) & ~x; }
static inline uint64_t has_below(uint64_t x, unsigned b) { return (x - BYTES(b)) & ~x; }

char *json_str_at(char *p, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    *p++ = '"';
    size_t i = 0;
    while (i < n) {
        /* Eight bytes at a time while none needs a second look: no byte
         * >= 0x80, < 0x20, '"' or '\\' (the tests below can only err
         * towards a second look, never miss one). */
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if ((x | has_below(x, 0x20) | has_zero(x ^ BYTES(0x22)) | has_zero(x ^ BYTES(0x5C))) & BYTES(0x80))
                break;
            memcpy(p, &x, 8);
            p += 8;
            i += 8;
        }
        if (i == n)
            break;
        unsigned c = u[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            *p++ = (char)c;
            i++;
        } else if (c < 0x80) {
            *p++ = '\\';
            if (c == '"' || c == '\\') {
                *p++ = (char)c;
            } else if (c == '\n') {
                *p++ = 'n';
            } else if (c == '\t') {
                *p++ = 't';
            } else if (c == '\r') {
                *p++ = 'r';
            } else {
                memcpy(p, "u00", 3);
                p[3] = hex[c >> 4];
                p[4] = hex[c & 15];
                p += 5;
            }
            i++;
        } else {
            size_t len = utf8_seq(u + i, n - i);
            if (len) {
                memcpy(p, s + i, len);
                p += len;
                i += len;
            } else { /* U+FFFD for a byte that starts no character */
                memcpy(p, "\xEF\xBF\xBD", 3);
                p += 3;
                i++;
            }
        }
    }
    *p++ = '"';
    return p;
}

void buf_put_json_str(buf_t *b, const char *s, size_t n)
{
    char *p = buf_reserve(b, JSON_STR_MAX(n));
    b->len = (size_t)(json_str_at(p, s, n) - b->data);
}

void buf_put_clean_text(buf_t *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x20 || u[i] == 0x7f) {
            buf_putc(b, ' ');
            i++;
            continue;
        }
        i += put_utf8_char(b, s + i, n - i);
    }
}

bool buf_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq(u + i, n - i);
        if (!len)
            return false;
        i += len;
    }
    return true;
}
