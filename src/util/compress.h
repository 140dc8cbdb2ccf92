/* Response compression: Accept-Encoding negotiation, gzip and brotli.
 *
 * Why not h2o's compress handler: it costs ~135 us per response here even
 * for 200 bytes (HTTP-NOTES.md). gzip goes through libdeflate (one
 * compressor per thread and level, allocated once), brotli through the
 * reference encoder. Bodies under --compress-min go out as they are: below
 * ~1 KB the bytes saved do not pay for the CPU.
 *
 * Two situations, two trade-offs (measured on a 244 KB answer, one core):
 *  - compressed once and kept (cached answers, static files): ratio
 *    matters, time hardly does. brotli at --brotli-quality (default 5:
 *    22.9 KB in 2.1 ms) beats gzip 6 (~25.7 KB in 0.9 ms), so brotli is
 *    preferred when the client accepts both;
 *  - compressed for one response (uncached answers): time matters. gzip
 *    at --gzip-level (default 1: 29.8 KB in 0.42 ms) is both faster and
 *    smaller than brotli at quality 1 (30.6 KB in 0.50 ms), so gzip is
 *    preferred, and brotli (quality 1) is used only for a client that
 *    accepts nothing else.
 *
 * Negotiation follows RFC 9110 12.5.3: q-values, "*" and "identity;q=0"
 * are understood; a higher q wins, the preference above breaks ties;
 * anything unparsable means identity. */
#ifndef ISLA_COMPRESS_H
#define ISLA_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

/* A body in one encoding; the result cache and the static files keep one
 * per encoding. (The names are the cache's, where they were born.) */
typedef enum { CACHE_IDENTITY, CACHE_GZIP, CACHE_BR, CACHE_ENCODINGS } cache_encoding;

typedef struct {
    size_t len;
    char data[];
} cache_blob;

/* A blob holding a copy of data. */
cache_blob *cache_blob_new(const void *data, size_t len);

void compress_init(bool gzip, int gzip_level, bool brotli, int brotli_quality, size_t min_bytes);

/* The encoding to answer with for an Accept-Encoding value (NULL = none)
 * and a body of len bytes of a compressible type; once: the body is
 * compressed once and kept (see above). */
cache_encoding compress_negotiate(const char *ae, size_t ae_len, size_t len, bool once);
/* Is a response of this size and Content-Type worth compressing at all
 * (whatever the client accepts)? Decides Vary: Accept-Encoding. */
bool compress_applies(const char *content_type, size_t len);

/* Compresses in at the levels for `once` (see above); NULL if that fails
 * or does not make it smaller. */
cache_blob *compress_body(cache_encoding enc, const void *in, size_t len, bool once);
/* Same, with an explicit level (static files: best compression, once). */
cache_blob *compress_body_level(cache_encoding enc, const void *in, size_t len, int level);

const char *compress_name(cache_encoding enc); /* "gzip", "br", NULL */

/* Frees this thread's compressors (call before a serving thread ends). */
void compress_thread_done(void);

#endif
