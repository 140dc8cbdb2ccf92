/* The OpenAPI 3 document of the whole API (GET /openapi). */
#ifndef ISLA_OPENAPI_H
#define ISLA_OPENAPI_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Writes the document with servers[0].url built from the request's Host
 * (http or https), or "/" when there is no usable Host. */
void openapi_render(buf_t *b, const char *host, size_t host_len, bool tls);

#endif
