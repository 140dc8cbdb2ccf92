/* Connections (conns.c): their budgets, stalls and idleness. */
#ifndef ISLA_HTTP_CONNS_H
#define ISLA_HTTP_CONNS_H

#include "http/state.h"

void http_conns_init(server *srv);
void http_conn_accept(worker *w, h2o_socket_t *sock);
void http_conn_attach(worker *w, h2o_req_t *req, req_state *st);
bool http_conn_admit(worker *w, req_state *st);
void http_conn_hold(req_state *st, uint64_t bytes);
void http_conn_detach(req_state *st);
void http_conns_tick(worker *w, uint64_t now);

#endif
