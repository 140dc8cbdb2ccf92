/* Cacheable searches (search.c): ETag and 304, the result cache. */
#ifndef ISLA_HTTP_SEARCH_H
#define ISLA_HTTP_SEARCH_H

#include "http/state.h"

bool http_cached_search(worker *w, h2o_req_t *req, req_state *st, const api_call *call);
/* Ends the request's single-flight leadership, if it holds one. */
void http_flight_end(req_state *st);

#endif
