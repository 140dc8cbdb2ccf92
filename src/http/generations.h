/* Shipping generations to replicas (generations.c). */
#ifndef ISLA_HTTP_GENERATIONS_H
#define ISLA_HTTP_GENERATIONS_H

#include "http/state.h"

void http_handle_generations(worker *w, h2o_req_t *req, req_state *st, const char *path, size_t path_len, bool get);

#endif
