/* What an API handler answers: status, content type, body, and the two
 * headers the API decides (Allow on a 405, X-Total-Count). Errors are JSON:
 * {"error":{"code","message","param"}}. Kept apart from the router so that
 * parameter parsing and the endpoints can write errors without including it. */
#ifndef ISLA_API_RESPONSE_H
#define ISLA_API_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef struct {
    int status;
    const char *content_type;
    buf_t body;
    const char *allow;        /* set on 405: the Allow header */
    bool has_total;           /* X-Total-Count: bestOffersByHotel before paging */
    uint64_t total;
    const char *filename;     /* a download: Content-Disposition: attachment; filename=... */
} api_response;

/* Writes the error body and status (replacing any body). */
void api_error(api_response *res, int status, const char *code, const char *param,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* 200, application/json; the handler writes the body. */
void api_ok_json(api_response *res);
void api_response_free(api_response *res);

/* A client's bytes as an error message may quote them: at most max input
 * bytes, each control byte (NUL included, which would end the message)
 * written as \xNN, and "..." if cut. Returns out. */
const char *api_echo(char *out, size_t cap, const char *v, size_t n, size_t max);
#define API_ECHO_CAP(max) (4 * (max) + 4)

#endif
