/* The HTTP/1.1 response reader of isla load: what a load generator must
 * know of an answer (its status, its size on the wire, whether the
 * connection stays open) and nothing more; no body is kept. It reads a
 * status line and headers, then a Content-Length body, a chunked body
 * (trailers skipped) or a body until the server closes; 1xx answers are
 * skipped; 204, 304 and 1xx have no body. Used by the engine (engine.c) on
 * every connection, one response at a time. */
#ifndef ISLA_LOAD_HTTP1_H
#define ISLA_LOAD_HTTP1_H

#include <stdint.h>

#include <h2o.h>

enum {
    LOAD_H1_HEAD,
    LOAD_H1_LENGTH,
    LOAD_H1_CHUNK_SIZE,
    LOAD_H1_CHUNK_DATA,
    LOAD_H1_CHUNK_CRLF,
    LOAD_H1_TRAILER,
    LOAD_H1_UNTIL_CLOSE, /* the body ends when the server closes */
};

typedef struct {
    int state;
    int status;         /* of the response; 0 until its head is read */
    int close_after;    /* the connection cannot carry another request */
    uint64_t remaining; /* of a Content-Length body or a chunk */
    uint64_t got;       /* bytes of this response read so far */
} load_http1;

/* Ready for the next response on a connection. */
void load_http1_begin(load_http1 *r);
/* Takes (and consumes) what *in holds. 1: the response is complete, 0: it
 * needs more, -1: malformed (a bad status line, Content-Length, chunk size
 * or an overlong line). */
int load_http1_read(load_http1 *r, h2o_buffer_t **in);

#endif
