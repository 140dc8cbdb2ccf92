/* The request-head guard: HTTP/1 request heads that h2o 2.2.5 parses in a
 * way isla must not accept, found before h2o acts on them.
 *
 * h2o takes the first of two Content-Length headers (the rest of the bytes
 * then run as a second request), lets Transfer-Encoding win over
 * Content-Length, accepts chunk lines that end in a bare LF, and answers a
 * head with more than H2O_MAX_HEADERS (100) fields with a plain-text 400 of
 * its own. It also drops Content-Length and Transfer-Encoding from
 * req->headers, so a handler cannot see these shapes at all.
 *
 * How: h2o's HTTP/1 code calls picohttpparser's phr_parse_request through
 * the dynamic linker (libh2o-evloop exports it and calls it via the PLT), so
 * the definition in this file, in the executable, comes first; it calls the
 * library's own one and then looks at the parsed fields. A head it refuses
 * is handed on without its Content-Length and Transfer-Encoding fields (so
 * h2o reads no body) and with one marker field naming the verdict; the
 * handler answers it (http_headguard_verdict) with a JSON 400 or 431 and
 * closes the connection (RFC 9112 6.3), so no byte after the head is ever
 * read as a request.
 *
 * Policy: isla's endpoints take no request bodies, so a request with
 * Transfer-Encoding (any value, chunked included) is refused outright: that
 * removes every framing disagreement with a proxy in front (CL+TE, bare-LF
 * chunk lines, obfuscated codings) instead of checking each one. Two
 * Content-Length fields are refused even when equal. A body with a single
 * Content-Length is read as before (and may be refused by --max-body).
 *
 * HTTP/2 requests do not pass through here: their framing is h2o's HTTP/2
 * code; the handler applies the header-count limit to them itself. */
#ifndef ISLA_HTTP_HEADGUARD_H
#define ISLA_HTTP_HEADGUARD_H

#include <h2o.h>
#include <stdbool.h>

typedef enum {
    HEADGUARD_OK = 0,
    HEADGUARD_TOO_MANY_HEADERS,  /* more than H2O_MAX_HEADERS fields: 431 */
    HEADGUARD_TWO_LENGTHS,       /* two or more Content-Length: 400 */
    HEADGUARD_LENGTH_AND_CODING, /* Content-Length and Transfer-Encoding: 400 */
    HEADGUARD_CODING,            /* Transfer-Encoding: 400 */
} headguard_verdict;

/* Resolves the library's parser; returns false (and the guard is not in
 * effect) if it cannot be found. Call once at start; safe to call again. */
bool http_headguard_init(void);

/* The verdict the guard left on this request (HEADGUARD_OK for HTTP/2 and
 * for heads it accepted). */
headguard_verdict http_headguard_verdict(h2o_req_t *req);

#endif
