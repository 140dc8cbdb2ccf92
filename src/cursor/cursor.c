/* Authenticated paging cursors; see cursor.h.
 *
 * Parsing is "read the numbers, write them back, compare": the canonical
 * text is the only accepted one, which keeps the parser short and makes
 * every edit of a cursor either malformed or a MAC mismatch. The MAC is
 * compared in constant time (CRYPTO_memcmp). */
#include "cursor/cursor.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define MAC_BYTES 16
#define KEY_MAX 64

static unsigned char g_key[KEY_MAX];
static size_t g_key_len;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static bool g_key_given;

static void random_key(void)
{
    if (g_key_given)
        return;
    size_t got = 0;
    while (got < 32) {
        ssize_t r = getrandom(g_key + got, 32 - got, 0);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got < 32) {
        /* No entropy source at all: still a key nobody can read from a
         * cursor, if a guessable one; logged nowhere since this cannot
         * happen on a Linux that runs isla (getrandom blocks until seeded). */
        uint64_t mix[4] = {(uint64_t)time(NULL), (uint64_t)getpid(), (uint64_t)(uintptr_t)&got, (uint64_t)clock()};
        memcpy(g_key, mix, sizeof(mix));
    }
    g_key_len = 32;
}

bool cursor_key_set(const char *secret, size_t len)
{
    if (len < CURSOR_KEY_MIN)
        return false;
    /* A longer secret is hashed to the key, as HMAC would do itself. */
    unsigned int n = 0;
    if (len > KEY_MAX) {
        EVP_Digest(secret, len, g_key, &n, EVP_sha256(), NULL);
        g_key_len = n;
    } else {
        memcpy(g_key, secret, len);
        g_key_len = len;
    }
    g_key_given = true;
    return true;
}

static void mac_of(const char *text, size_t n, unsigned char out[MAC_BYTES])
{
    pthread_once(&g_once, random_key);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    HMAC(EVP_sha256(), g_key, (int)g_key_len, (const unsigned char *)text, n, md, &md_len);
    memcpy(out, md, MAC_BYTES);
}

static size_t format_body(const cursor_fields *f, char *out, size_t cap)
{
    int n = snprintf(out, cap, "c1.%llx.%llx.%llx.%llx.%llx.%llx", (unsigned long long)f->generation,
                     (unsigned long long)f->hotel, (unsigned long long)f->search, (unsigned long long)f->pos[0],
                     (unsigned long long)f->pos[1], (unsigned long long)f->pos[2]);
    return n < 0 ? 0 : (size_t)n;
}

size_t cursor_format(const cursor_fields *f, char out[CURSOR_TEXT_MAX])
{
    static const char hex[] = "0123456789abcdef";
    size_t n = format_body(f, out, CURSOR_TEXT_MAX);
    unsigned char mac[MAC_BYTES];
    mac_of(out, n, mac);
    out[n++] = '.';
    for (size_t i = 0; i < MAC_BYTES; i++) {
        out[n++] = hex[mac[i] >> 4];
        out[n++] = hex[mac[i] & 15];
    }
    out[n] = '\0';
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* One dot-terminated (or end-terminated) hex number of at most 16 digits. */
static bool read_hex(const char **p, const char *end, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    size_t digits = 0;
    while (s < end && *s != '.') {
        int h = hexval(*s++);
        if (h < 0 || ++digits > 16)
            return false;
        x = x << 4 | (uint64_t)h;
    }
    if (digits == 0)
        return false;
    *v = x;
    *p = s;
    return true;
}

cursor_status cursor_parse(const char *text, size_t n, cursor_fields *f)
{
    if (n < 3 + 2 * MAC_BYTES || n >= CURSOR_TEXT_MAX || memcmp(text, "c1.", 3) != 0)
        return CURSOR_MALFORMED;
    const char *p = text + 3, *end = text + n;
    uint64_t v[6];
    for (int i = 0; i < 6; i++) {
        if (!read_hex(&p, end, &v[i]) || p >= end || *p != '.')
            return CURSOR_MALFORMED;
        p++;
    }
    if ((size_t)(end - p) != 2 * MAC_BYTES)
        return CURSOR_MALFORMED;
    unsigned char given[MAC_BYTES];
    for (size_t i = 0; i < MAC_BYTES; i++) {
        int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CURSOR_MALFORMED;
        given[i] = (unsigned char)(hi << 4 | lo);
    }
    cursor_fields got = {v[0], v[1], v[2], {v[3], v[4], v[5]}};
    char canon[CURSOR_TEXT_MAX];
    size_t body = format_body(&got, canon, sizeof(canon));
    if (body != (size_t)(p - 1 - text) || memcmp(canon, text, body) != 0)
        return CURSOR_MALFORMED; /* leading zeros and the like */
    unsigned char want[MAC_BYTES];
    mac_of(canon, body, want);
    if (CRYPTO_memcmp(want, given, MAC_BYTES) != 0)
        return CURSOR_FORGED;
    *f = got;
    return CURSOR_OK;
}
