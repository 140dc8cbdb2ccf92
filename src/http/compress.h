/* Response compression: Accept-Encoding negotiation, gzip and brotli.
 *
 * Why not h2o's compress handler: it costs ~135 us per response here even
 * for 200 bytes (HTTP-NOTES.md). gzip goes through libdeflate (one
 * compressor per thread and level, allocated once), brotli through the
 * reference encoder at a low quality. Per-request answers use the fast
 * levels of the configuration; cached answers are compressed once, with
 * the same levels, and kept (cache.h). Bodies under --compress-min go out
 * as they are: below ~1 KB the bytes saved do not pay for the CPU.
 *
 * Negotiation follows RFC 9110 12.5.3: q-values, "*" and "identity;q=0"
 * are understood; among acceptable codings brotli wins (smaller at the same
 * speed), then gzip; anything unparsable means identity. */
#ifndef ISLA_COMPRESS_H
#define ISLA_COMPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "cache/cache.h"

void compress_init(bool gzip, int gzip_level, bool brotli, int brotli_quality, size_t min_bytes);

/* The encoding to answer with for an Accept-Encoding value (NULL = none)
 * and a body of len bytes of a compressible type. */
cache_encoding compress_negotiate(const char *ae, size_t ae_len, size_t len);
/* Is a response of this size and Content-Type worth compressing at all
 * (whatever the client accepts)? Decides Vary: Accept-Encoding. */
bool compress_applies(const char *content_type, size_t len);

/* Compresses in; NULL if that fails or does not make it smaller. */
cache_blob *compress_body(cache_encoding enc, const void *in, size_t len);
/* Same, with an explicit level (static files: best compression, once). */
cache_blob *compress_body_level(cache_encoding enc, const void *in, size_t len, int level);

const char *compress_name(cache_encoding enc); /* "gzip", "br", NULL */

/* Frees this thread's compressors (call before a serving thread ends). */
void compress_thread_done(void);

#endif
