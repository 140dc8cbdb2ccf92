/* Cacheable searches: GET/HEAD of the routes marked RF_CACHEABLE
 * (bestOffersByHotel, hotel offers, a hotel). The API's normalised key
 * (api_call_key, from the request parsed once by api_prepare) gives the ETag — the
 * generation plus a hash of the key — so a matching If-None-Match is a 304
 * without running anything, and the result cache entry, so a hit sends the
 * stored (and already compressed) bytes. A miss runs api_execute on the
 * same prepared call and stores a 200 answer. */
#include "http/search.h"

#include <stdio.h>

#include "cluster/cluster.h"
#include "cluster/l2.h"
#include "http/respond.h"
#include "util/compress.h"
#include "util/clock.h"

#include <stdlib.h>

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
        memcpy(cc, "public, max-age=", 16);
        cache_control(req, cc, 16 + u64_to_dec(max_age, cc + 16));
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

/* The data id of a generation (cluster.h: part of every Redis key): a
 * hash of its file's header, which holds every section's CRC. Kept per
 * worker for the store it was computed on. */
static uint64_t data_id_of(worker *w, const store_t *s)
{
    if (w->data_id_store != s) {
        size_t n = s->map_len < 4096 ? s->map_len : 4096;
        w->data_id = l2_hash(s->map, n);
        w->data_id_store = s;
    }
    return w->data_id;
}

void http_flight_end(req_state *st)
{
    if (st->sf_leader) {
        sf_end(st->skey, st->skey_len);
        st->sf_leader = false;
    }
}

/* Runs the search, stores a 200 answer in the result cache (and in Redis
 * when this request leads the flight of its key), ends the flight and
 * answers. */
static void search_and_send(worker *w, h2o_req_t *req, req_state *st, const api_call *call, const char *key,
                            size_t key_len, const char *etag, size_t etag_len)
{
    store_t *s = call->store;
    uint64_t now = clock_mono_ms();
    api_execute(call, &st->res);
    if (st->res.status == 200 && st->sf_leader && w->l2 != NULL) {
        buf_t *v = &w->l2buf;
        v->len = 0;
        l2_value_encode(v, st->res.status, st->res.has_total, st->res.total, st->res.content_type,
                        st->res.body.data, st->res.body.len);
        buf_t *k = &w->l2key;
        k->len = 0;
        l2_key(k, s->generation, data_id_of(w, s), key, key_len);
        l2_set(w->l2, k->data, k->len, v->data, v->len);
    }
    cache_entry *e = NULL;
    if (cache_enabled()) {
        st->cache_status = "miss";
        if (st->res.status == 200) {
            cache_blob *b = cache_blob_new(st->res.body.data, st->res.body.len);
            e = cache_insert_origin(key, key_len, s->generation, now, st->res.status, st->res.content_type,
                                    st->res.has_total, st->res.total, b, req->path.base, req->path.len);
        }
    }
    /* After the insert, so the requests waiting for this flight find it. */
    http_flight_end(st);
    if (w->l2 != NULL)
        ADD_HEADER_LIT(req, "x-isla-cache", "miss");
    if (e != NULL) {
        st->entry = e;
        /* The entry has its own copy: ours is not needed while the answer
         * is written. */
        buf_free(&st->res.body);
        add_search_cache_headers(w, req, etag, etag_len);
        send_entry(w, req, st, e);
        return;
    }
    /* Only a 200 is what the ETag names (a search that parsed can still
     * fail, e.g. a cursor of another generation). */
    if (st->res.status == 200)
        add_search_cache_headers(w, req, etag, etag_len);
    else
        CACHE_CONTROL_LIT(req, "no-store");
    http_send_api_response(w, req, st);
}

/* Answers from the result cache if the entry is there now. */
static bool answer_from_l1(worker *w, h2o_req_t *req, req_state *st)
{
    cache_entry *e = cache_lookup(st->skey, st->skey_len, st->call.store->generation, clock_mono_ms());
    if (e == NULL)
        return false;
    st->entry = e;
    st->cache_status = "hit";
    ADD_HEADER_LIT(req, "x-isla-cache", "l1");
    add_search_cache_headers(w, req, st->etag, st->etag_len);
    send_entry(w, req, st, e);
    return true;
}

/* A Redis value: into the result cache, then out to the client. */
static bool answer_from_l2(worker *w, h2o_req_t *req, req_state *st, const char *value, size_t len)
{
    l2_value v;
    if (!l2_value_decode(value, len, &v) || v.status != 200 ||
        !(v.content_type_len == 16 && !memcmp(v.content_type, "application/json", 16)))
        return false;
    const char *ctype = "application/json"; /* a static string, as cache entries keep it */
    st->cache_status = "l2-hit";
    ADD_HEADER_LIT(req, "x-isla-cache", "l2");
    cache_entry *e = cache_insert_origin(st->skey, st->skey_len, st->call.store->generation, clock_mono_ms(), v.status,
                                         ctype, v.has_total, v.total, cache_blob_new(v.body, v.body_len),
                                         req->path.base, req->path.len);
    http_flight_end(st);
    add_search_cache_headers(w, req, st->etag, st->etag_len);
    if (e != NULL) {
        st->entry = e;
        send_entry(w, req, st, e);
        return true;
    }
    /* The result cache is off or the answer too large for it. */
    st->res.status = v.status;
    st->res.content_type = ctype;
    st->res.has_total = v.has_total;
    st->res.total = v.total;
    st->res.body.len = 0;
    buf_put(&st->res.body, v.body, v.body_len);
    http_send_api_response(w, req, st);
    return true;
}

static void on_l2_answer(void *data, l2_result r, const char *value, size_t len)
{
    req_state *st = data;
    st->l2op = NULL;
    if (r == L2_HIT && answer_from_l2(st->w, st->req, st, value, len))
        return;
    search_and_send(st->w, st->req, st, &st->call, st->skey, st->skey_len, st->etag, st->etag_len);
}

#define FLIGHT_WAIT_MAX_MS 10000 /* a waiter searches itself after this */

/* A request waiting for another one's flight of the same key. */
static void on_flight_poll(h2o_timeout_entry_t *entry)
{
    req_state *st = H2O_STRUCT_FROM_MEMBER(req_state, flight_timer, entry);
    worker *w = st->w;
    if (answer_from_l1(w, st->req, st))
        return;
    if (sf_active(st->skey, st->skey_len) && clock_mono_ms() < st->flight_deadline_ms) {
        h2o_timeout_link(w->loop, &w->flight_poll, &st->flight_timer);
        return;
    }
    /* The leader's answer was not cacheable, or it took too long. */
    search_and_send(w, st->req, st, &st->call, st->skey, st->skey_len, st->etag, st->etag_len);
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
    /* W/"GENERATION-HASH", both in hex (the hash zero-padded to 16) */
    char *etag = h2o_mem_alloc_pool(&req->pool, 48);
    size_t n = 0;
    memcpy(etag, "W/\"", 3);
    n = 3 + u64_to_hex(s->generation, 1, etag + 3);
    etag[n++] = '-';
    n += u64_to_hex(hash64(key->data, key->len), 16, etag + n);
    etag[n++] = '"';
    int etag_len = (int)n;
    if (http_etag_matches(req, etag, (size_t)etag_len)) {
        add_search_cache_headers(w, req, etag, (size_t)etag_len);
        if (compress_applies("application/json", w->srv->cfg->compress_min))
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_VARY, NULL, H2O_STRLIT("Accept-Encoding"));
        http_finish(w, req, st, 304, NULL, 0, CACHE_IDENTITY);
        return true;
    }
    uint64_t now = clock_mono_ms();
    cache_entry *e = cache_lookup(key->data, key->len, s->generation, now);
    if (e != NULL) {
        st->entry = e;
        st->cache_status = "hit";
        if (w->l2 != NULL)
            ADD_HEADER_LIT(req, "x-isla-cache", "l1");
        add_search_cache_headers(w, req, etag, (size_t)etag_len);
        send_entry(w, req, st, e);
        return true;
    }
    if (w->l2 == NULL) {
        search_and_send(w, req, st, call, key->data, key->len, etag, (size_t)etag_len);
        return true;
    }

    /* L1 missed and Redis is configured: the request may have to wait, so
     * what it needs later moves into its own state. */
    st->req = req;
    st->ar = *call->req;
    st->call = *call;
    st->call.req = &st->ar;
    st->skey = malloc(key->len + 1);
    if (st->skey == NULL)
        abort();
    memcpy(st->skey, key->data, key->len);
    st->skey[key->len] = '\0';
    st->skey_len = key->len;
    st->etag = etag;
    st->etag_len = (size_t)etag_len;
    if (!sf_begin(st->skey, st->skey_len)) {
        /* Another request is already on this key: wait for its answer. */
        l2_count_singleflight_wait();
        st->flight_deadline_ms = now + FLIGHT_WAIT_MAX_MS;
        st->flight_timer.cb = on_flight_poll;
        h2o_timeout_link(w->loop, &w->flight_poll, &st->flight_timer);
        return true;
    }
    st->sf_leader = true;
    buf_t *k = &w->l2key;
    k->len = 0;
    l2_key(k, s->generation, data_id_of(w, s), st->skey, st->skey_len);
    st->l2op = l2_get(w->l2, k->data, k->len, on_l2_answer, st);
    if (st->l2op != NULL)
        return true;
    /* Redis is skipped right now (breaker open or not connected). */
    search_and_send(w, req, st, &st->call, st->skey, st->skey_len, etag, (size_t)etag_len);
    return true;
}
