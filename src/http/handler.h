/* The request handler h2o calls (handler.c). */
#ifndef ISLA_HTTP_HANDLER_H
#define ISLA_HTTP_HANDLER_H

#include <h2o.h>

int http_on_req(h2o_handler_t *self, h2o_req_t *req);

#endif
