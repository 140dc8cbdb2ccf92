/* The operator's endpoints (endpoints.c): the routes the table marks
 * RF_HTTP, the stats stream and the admin reloads waiting for a load. */
#ifndef ISLA_HTTP_ENDPOINTS_H
#define ISLA_HTTP_ENDPOINTS_H

#include "http/state.h"

void http_serve_endpoint(worker *w, h2o_req_t *req, req_state *st, bool get);
bool http_admin_authorized(worker *w, h2o_req_t *req, req_state *st);
void http_stream_send(req_state *st, const char *data, size_t len, bool final);
void http_streams_tick(worker *w, uint64_t now);
void http_streams_close(worker *w);
void http_waiters_tick(worker *w, uint64_t now, bool stopping);

#endif
