/* Cacheable searches: GET/HEAD of the routes marked RF_CACHEABLE
 * (bestOffersByHotel, hotel offers, a hotel). The API's normalised key
 * (api_call_key, from the request parsed once by api_prepare) gives the ETag — the
 * generation plus a hash of the key — so a matching If-None-Match is a 304
 * without running anything, and the result cache entry, so a hit sends the
 * stored (and already compressed) bytes. A miss runs api_execute on the
 * same prepared call and stores a 200 answer. */
#include "http/internal.h"

#include <stdio.h>

#include "http/compress.h"

/* ---- cached searches ---------------------------------------------------- */

static uint64_t hash64(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    return h;
}

static void add_search_cache_headers(worker *w, h2o_req_t *req, const char *etag, size_t etag_len)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, etag, etag_len);
    uint64_t max_age = w->srv->cfg->max_age_ms / 1000;
    if (max_age == 0) {
        CACHE_CONTROL_LIT(req, "no-cache");
    } else {
        char *cc = h2o_mem_alloc_pool(&req->pool, 48);
        int n = snprintf(cc, 48, "public, max-age=%llu", (unsigned long long)max_age);
        cache_control(req, cc, (size_t)n);
    }
}

/* Answers from a cache entry, compressing it once per encoding. */
static void send_entry(worker *w, h2o_req_t *req, req_state *st, cache_entry *e)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, e->content_type,
                   strlen(e->content_type));
    if (e->has_total)
        http_header_u64(req, H2O_STRLIT("x-total-count"), e->total);
    const cache_blob *id = cache_body(e, CACHE_IDENTITY);
    cache_encoding enc = http_negotiate(req, e->content_type, id->len, true);
    if (enc != CACHE_IDENTITY) {
        const cache_blob *z = cache_body(e, enc);
        if (z == NULL) {
            cache_blob *made = compress_body(enc, id->data, id->len, true);
            z = made != NULL ? cache_add_body(e, enc, made) : NULL;
        }
        if (z != NULL) {
            http_finish(w, req, st, e->status, z->data, z->len, enc);
            return;
        }
    }
    http_finish(w, req, st, e->status, id->data, id->len, CACHE_IDENTITY);
}

/* A prepared call of a cacheable search. Returns false if the call has no
 * key (not cacheable, or its answer is already an error): the caller then
 * answers it the ordinary way. */
bool http_cached_search(worker *w, h2o_req_t *req, req_state *st, const api_call *call)
{
    store_t *s = call->store;
    buf_t *key = &w->key;
    key->len = 0;
    if (!api_call_key(call, key))
        return false;
    char *etag = h2o_mem_alloc_pool(&req->pool, 48);
    int etag_len = snprintf(etag, 48, "W/\"%llx-%016llx\"", (unsigned long long)s->generation,
                            (unsigned long long)hash64(key->data, key->len));
    if (http_etag_matches(req, etag, (size_t)etag_len)) {
        add_search_cache_headers(w, req, etag, (size_t)etag_len);
        if (compress_applies("application/json", w->srv->cfg->compress_min))
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Accept-Encoding"));
        http_finish(w, req, st, 304, NULL, 0, CACHE_IDENTITY);
        return true;
    }
    uint64_t now = mono_ms();
    cache_entry *e = cache_lookup(key->data, key->len, s->generation, now);
    if (e != NULL) {
        st->entry = e;
        st->cache_status = "hit";
        add_search_cache_headers(w, req, etag, (size_t)etag_len);
        send_entry(w, req, st, e);
        return true;
    }
    api_execute(call, &st->res);
    if (cache_enabled()) {
        st->cache_status = "miss";
        if (st->res.status == 200) {
            cache_blob *b = cache_blob_new(st->res.body.data, st->res.body.len);
            e = cache_insert(key->data, key->len, s->generation, now, st->res.status, st->res.content_type,
                             st->res.has_total, st->res.total, b);
            if (e != NULL) {
                st->entry = e;
                /* The entry has its own copy: ours is not needed while the
                 * answer is written. */
                buf_free(&st->res.body);
                add_search_cache_headers(w, req, etag, (size_t)etag_len);
                send_entry(w, req, st, e);
                return true;
            }
        }
    }
    /* Only a 200 is what the ETag names (a search that parsed can still
     * fail, e.g. a cursor of another generation). */
    if (st->res.status == 200)
        add_search_cache_headers(w, req, etag, (size_t)etag_len);
    else
        CACHE_CONTROL_LIT(req, "no-store");
    http_send_api_response(w, req, st);
    return true;
}
