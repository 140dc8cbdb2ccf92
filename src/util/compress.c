/* Response compression; see compress.h. */
#include "util/compress.h"

#include <brotli/encode.h>
#include <ctype.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GZIP_LEVEL_ONCE_MIN 6  /* cached answers: at least this gzip level */
#define BR_QUALITY_PER_REQUEST 1

static struct {
    bool gzip, br;
    int gzip_level, gzip_level_once, br_quality_once;
    size_t min;
} Z = {.gzip = true, .gzip_level = 1, .gzip_level_once = 6, .br = false, .br_quality_once = 5, .min = 1024};

/* libdeflate compressors are not thread-safe and cost a few hundred KB to
 * allocate, so each thread keeps one per level it used. */
static _Thread_local struct libdeflate_compressor *tl_deflate[13];

void compress_init(bool gzip, int gzip_level, bool brotli, int brotli_quality, size_t min_bytes)
{
    Z.gzip = gzip;
    Z.gzip_level = gzip_level;
    Z.gzip_level_once = gzip_level > GZIP_LEVEL_ONCE_MIN ? gzip_level : GZIP_LEVEL_ONCE_MIN;
    Z.br = brotli;
    Z.br_quality_once = brotli_quality;
    Z.min = min_bytes;
}

void compress_thread_done(void)
{
    for (int i = 0; i < 13; i++) {
        if (tl_deflate[i] != NULL)
            libdeflate_free_compressor(tl_deflate[i]);
        tl_deflate[i] = NULL;
    }
}

const char *compress_name(cache_encoding enc)
{
    return enc == CACHE_GZIP ? "gzip" : enc == CACHE_BR ? "br" : NULL;
}

bool compress_applies(const char *ct, size_t len)
{
    if ((!Z.gzip && !Z.br) || len < Z.min || ct == NULL)
        return false;
    return !strncmp(ct, "application/json", 16) || !strncmp(ct, "text/", 5) ||
           !strncmp(ct, "application/javascript", 22) || !strncmp(ct, "image/svg+xml", 13) ||
           !strncmp(ct, "application/manifest+json", 25) || !strncmp(ct, "application/wasm", 16);
}

/* q-value of one Accept-Encoding element's parameters (";q=0.5"), 1 if
 * absent, -1 if malformed. */
static double qvalue(const char *p, const char *end)
{
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ';' || *p == '\t'))
            p++;
        if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
            p += 2;
            double q = 0;
            if (p < end && (*p == '0' || *p == '1')) {
                q = *p - '0';
                p++;
                if (p < end && *p == '.') {
                    p++;
                    double scale = 0.1;
                    for (int i = 0; i < 3 && p < end && isdigit((unsigned char)*p); i++, p++, scale /= 10)
                        q += (*p - '0') * scale;
                }
                return q > 1 ? 1 : q;
            }
            return -1;
        }
        while (p < end && *p != ';')
            p++;
    }
    return 1;
}

cache_encoding compress_negotiate(const char *ae, size_t n, size_t len, bool once)
{
    if (ae == NULL || len < Z.min)
        return CACHE_IDENTITY;
    double q_gzip = -1, q_br = -1, q_star = -1;
    const char *p = ae, *end = ae + n;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma != NULL ? comma : end;
        const char *t = p;
        while (t < e && (*t == ' ' || *t == '\t'))
            t++;
        const char *te = t;
        while (te < e && *te != ';' && *te != ' ' && *te != '\t')
            te++;
        double q = qvalue(te, e);
        size_t tl = (size_t)(te - t);
        if (q >= 0) {
            if ((tl == 4 && !strncasecmp(t, "gzip", 4)) || (tl == 6 && !strncasecmp(t, "x-gzip", 6)))
                q_gzip = q;
            else if (tl == 2 && !strncasecmp(t, "br", 2))
                q_br = q;
            else if (tl == 1 && *t == '*')
                q_star = q;
        }
        p = comma != NULL ? comma + 1 : end;
    }
    if (q_br < 0)
        q_br = q_star;
    if (q_gzip < 0)
        q_gzip = q_star;
    if (!Z.br)
        q_br = -1;
    if (!Z.gzip)
        q_gzip = -1;
    if (q_br <= 0 && q_gzip <= 0)
        return CACHE_IDENTITY;
    if (q_br != q_gzip)
        return q_br > q_gzip ? CACHE_BR : CACHE_GZIP;
    return once ? CACHE_BR : CACHE_GZIP;
}

cache_blob *compress_body_level(cache_encoding enc, const void *in, size_t len, int level)
{
    if (enc == CACHE_GZIP) {
        if (level < 1 || level > 12)
            level = 1;
        if (tl_deflate[level] == NULL && (tl_deflate[level] = libdeflate_alloc_compressor(level)) == NULL)
            return NULL;
        size_t cap = libdeflate_gzip_compress_bound(tl_deflate[level], len);
        cache_blob *b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->len = libdeflate_gzip_compress(tl_deflate[level], in, len, b->data, cap);
        if (b->len == 0 || b->len >= len) {
            free(b);
            return NULL;
        }
        return b;
    }
    if (enc == CACHE_BR) {
        size_t cap = BrotliEncoderMaxCompressedSize(len);
        if (cap == 0)
            return NULL;
        cache_blob *b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        size_t out = cap;
        /* A 256 KB window is plenty for API answers and keeps the
         * encoder's memory small. */
        if (!BrotliEncoderCompress(level, 18, BROTLI_MODE_TEXT, len, in, &out, (uint8_t *)b->data) || out >= len) {
            free(b);
            return NULL;
        }
        b->len = out;
        return b;
    }
    return NULL;
}

cache_blob *compress_body(cache_encoding enc, const void *in, size_t len, bool once)
{
    int level = enc == CACHE_GZIP ? (once ? Z.gzip_level_once : Z.gzip_level)
                                  : (once ? Z.br_quality_once : BR_QUALITY_PER_REQUEST);
    return compress_body_level(enc, in, len, level);
}

cache_blob *cache_blob_new(const void *data, size_t len)
{
    cache_blob *b = malloc(sizeof(*b) + len);
    if (b == NULL)
        abort();
    b->len = len;
    if (len > 0)
        memcpy(b->data, data, len);
    return b;
}
