/* Response building blocks (respond.c): the headers every response carries,
 * compression, JSON errors, the CORS preflight, static files, and
 * http_finish, which sends a response and counts and logs it; with small
 * h2o helpers for the other files of src/http. */
#ifndef ISLA_HTTP_RESPOND_H
#define ISLA_HTTP_RESPOND_H

#include "http/state.h"

void http_common_headers(worker *w, h2o_req_t *req, req_state *st);
void http_header_u64(h2o_req_t *req, const char *name, size_t name_len, uint64_t v);
h2o_iovec_t http_find_header(h2o_req_t *req, const h2o_token_t *token);
netaddr http_client_addr(worker *w, h2o_req_t *req);
void http_log_request(worker *w, h2o_req_t *req, req_state *st, int status, uint64_t bytes, double ms,
                      cache_encoding enc);
void http_finish(worker *w, h2o_req_t *req, req_state *st, int status, const char *body, size_t len,
                 cache_encoding enc);
void http_send_error(worker *w, h2o_req_t *req, req_state *st, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
cache_encoding http_negotiate(h2o_req_t *req, const char *content_type, size_t len, bool once);
void http_send_api_response(worker *w, h2o_req_t *req, req_state *st);
void http_send_preflight(worker *w, h2o_req_t *req, req_state *st);
bool http_etag_matches(h2o_req_t *req, const char *etag, size_t n);
bool http_has_version_query(const char *query, size_t n);
void http_send_static(worker *w, h2o_req_t *req, req_state *st, const static_file *f, bool versioned);


static inline bool iov_eq(h2o_iovec_t v, const char *lit, size_t n)
{
    return v.len == n && memcmp(v.base, lit, n) == 0;
}
#define IOV_IS(v, lit) iov_eq((v), (lit), sizeof(lit) - 1)

static inline bool path_is(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

static inline void add_header(h2o_req_t *req, const char *name, size_t name_len, const char *value, size_t value_len)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, name_len, 1, NULL, value, value_len);
}
#define ADD_HEADER_LIT(req, name, value) add_header((req), H2O_STRLIT(name), H2O_STRLIT(value))

static inline void cache_control(h2o_req_t *req, const char *v, size_t n)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL, v, n);
}
#define CACHE_CONTROL_LIT(req, lit) cache_control((req), H2O_STRLIT(lit))

#endif
