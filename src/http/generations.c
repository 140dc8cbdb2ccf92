/* Shipping generations (cluster/ship.h), the builder's side:
 *
 *   GET /api/admin/generations          the manifest of the generation served
 *   GET /api/admin/generations/N/FILE   one of its files; "Range: bytes=A-"
 *                                       gives 206 from byte A (resume)
 *
 * Both need the admin token (RF_ADMIN: the handler checks it). Files go to
 * --ship-slots replicas at a time (default 1, so a rolling update rolls);
 * another replica gets 503 ship_busy and asks again a second later. Files are streamed in 1 MiB pieces, each read
 * when the client has taken the previous one, so a slow replica costs one
 * buffer; the open descriptor keeps the file readable even if a newer
 * import removes its generation meanwhile. Only the files the manifest
 * lists can be named. */
#include "http/generations.h"

#include "http/respond.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cluster/ship.h"
#include "util/clock.h"

#define PIECE (1u << 20)

typedef struct {
    h2o_generator_t gen;
    h2o_req_t *req;
    char replica[48];         /* who holds the shipping slot of this transfer */
    size_t replica_len;
    int fd;
    uint64_t pos, end;
    char *buf;
} file_sender;

static void sender_dispose(void *p)
{
    file_sender *f = p;
    ship_lease_release(f->replica, f->replica_len, clock_mono_ms());
    if (f->fd >= 0)
        close(f->fd);
    free(f->buf);
}

static void send_piece(file_sender *f)
{
    uint64_t want = f->end - f->pos < PIECE ? f->end - f->pos : PIECE;
    ssize_t r;
    do
        r = pread(f->fd, f->buf, want, (off_t)f->pos);
    while (r < 0 && errno == EINTR);
    if (r <= 0) {
        /* The file shrank or cannot be read: end the response short, so
         * the client sees a transfer error, not a wrong file. */
        h2o_send(f->req, NULL, 0, H2O_SEND_STATE_ERROR);
        return;
    }
    f->pos += (uint64_t)r;
    h2o_iovec_t v = h2o_iovec_init(f->buf, (size_t)r);
    h2o_send(f->req, &v, 1, f->pos == f->end ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static void sender_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    send_piece(H2O_STRUCT_FROM_MEMBER(file_sender, gen, gen));
}

/* "bytes=A-" (what a resuming replica sends): A, or 0 when absent or of
 * another shape (then the whole file is sent, as RFC 9110 allows). */
static uint64_t range_start(h2o_req_t *req, bool *ranged)
{
    *ranged = false;
    h2o_iovec_t r = http_find_header(req, H2O_TOKEN_RANGE);
    if (r.base == NULL || r.len < 8 || memcmp(r.base, "bytes=", 6) != 0 || r.base[r.len - 1] != '-')
        return 0;
    uint64_t v = 0;
    for (size_t i = 6; i + 1 < r.len; i++) {
        if (r.base[i] < '0' || r.base[i] > '9' || v > UINT64_MAX / 10 - 10)
            return 0;
        v = v * 10 + (uint64_t)(r.base[i] - '0');
    }
    *ranged = true;
    return v;
}

static void send_file(worker *w, h2o_req_t *req, req_state *st, const char *path, uint64_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || (uint64_t)sb.st_size != size) {
        if (fd >= 0)
            close(fd);
        http_send_error(w, req, st, 410, "gone", "the file is no longer available; fetch the manifest again");
        return;
    }
    bool ranged;
    uint64_t from = range_start(req, &ranged);
    if (ranged && from >= size) {
        close(fd);
        char *cr = h2o_mem_alloc_pool(&req->pool, 48);
        int n = snprintf(cr, 48, "bytes */%" PRIu64, size);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_RANGE, NULL, cr, (size_t)n);
        http_send_error(w, req, st, 416, "range_not_satisfiable", "range starts at or after the end (%" PRIu64 " bytes)",
                        size);
        return;
    }
    /* One replica (or --ship-slots) at a time: see cluster/ship.h. */
    char who[48];
    size_t who_len;
    ssize_t hi = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-isla-replica"), -1);
    if (hi >= 0 && req->headers.entries[hi].value.len > 0) {
        who_len = req->headers.entries[hi].value.len < sizeof(who) - 1 ? req->headers.entries[hi].value.len
                                                                       : sizeof(who) - 1;
        memcpy(who, req->headers.entries[hi].value.base, who_len);
    } else {
        netaddr a = http_client_addr(w, req);
        char addr[64];
        netaddr_format(&a, addr);
        who_len = (size_t)snprintf(who, sizeof(who), "addr:%s", addr);
        if (who_len >= sizeof(who))
            who_len = sizeof(who) - 1;
    }
    if (!ship_lease_take(who, who_len, (unsigned)w->srv->cfg->ship_slots, clock_mono_ms())) {
        close(fd);
        http_header_u64(req, H2O_STRLIT("retry-after"), 1);
        http_send_error(w, req, st, 503, "ship_busy",
                        "shipping to other replicas (--ship-slots %llu); ask again in a second",
                        (unsigned long long)w->srv->cfg->ship_slots);
        return;
    }
    file_sender *f = h2o_mem_alloc_shared(&req->pool, sizeof(*f), sender_dispose);
    memset(f, 0, sizeof(*f));
    memcpy(f->replica, who, who_len);
    f->replica_len = who_len;
    f->fd = fd;
    f->req = req;
    f->pos = from;
    f->end = size;
    f->buf = malloc(PIECE);
    if (f->buf == NULL)
        abort();
    f->gen.proceed = sender_proceed;
    int status = ranged ? 206 : 200;
    if (ranged) {
        char *cr = h2o_mem_alloc_pool(&req->pool, 80);
        int n = snprintf(cr, 80, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, from, size - 1, size);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_RANGE, NULL, cr, (size_t)n);
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/octet-stream"));
    CACHE_CONTROL_LIT(req, "no-store");
    uint64_t t1 = clock_mono_ns();
    metrics_record(w->m, st->route, status, t1 - st->t0, size - from);
    http_log_request(w, req, st, status, size - from, (double)(t1 - st->t0) / 1e6, CACHE_IDENTITY);
    req->res.status = status;
    req->res.reason = ranged ? "Partial Content" : "OK";
    req->res.content_length = size - from;
    h2o_start_response(req, &f->gen);
    if (st->head || size == from) {
        h2o_send(req, NULL, 0, H2O_SEND_STATE_FINAL);
        return;
    }
    send_piece(f);
}

void http_handle_generations(worker *w, h2o_req_t *req, req_state *st, const char *path, size_t path_len, bool get)
{
    server *srv = w->srv;
    st->route = ROUTE_ADMIN;
    (void)get; /* GET or HEAD, and the admin token: checked by the caller */
    ship_manifest m;
    bool have = false;
    pthread_mutex_lock(&srv->lock);
    if (srv->manifest != NULL) {
        m = *srv->manifest;
        have = true;
    }
    pthread_mutex_unlock(&srv->lock);
    if (!have) {
        if (srv->cfg->follow_url != NULL)
            http_send_error(w, req, st, 404, "not_a_builder", "this server follows %s and ships nothing itself",
                            srv->cfg->follow_url);
        else
            http_send_error(w, req, st, 503, "no_generation", "no generation is served yet");
        return;
    }
    static const char base[] = "/api/admin/generations";
    if (path_len == sizeof(base) - 1) {
        st->has_res = true;
        ship_manifest_json(&m, &st->res.body);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, H2O_STRLIT("application/json"));
        CACHE_CONTROL_LIT(req, "no-store");
        http_finish(w, req, st, 200, st->res.body.data, st->res.body.len, CACHE_IDENTITY);
        return;
    }
    /* /api/admin/generations/N/FILE */
    const char *p = path + sizeof(base);
    const char *end = path + path_len;
    uint64_t gen = 0;
    const char *q = p;
    while (q < end && *q >= '0' && *q <= '9' && gen < UINT64_MAX / 10 - 10)
        gen = gen * 10 + (uint64_t)(*q++ - '0');
    if (q == p || q >= end || *q != '/') {
        http_send_error(w, req, st, 404, "not_found", "use /api/admin/generations/GENERATION/FILE");
        return;
    }
    const char *name = q + 1;
    size_t name_len = (size_t)(end - name);
    if (gen != m.generation) {
        http_send_error(w, req, st, 410, "gone", "generation %" PRIu64 " is not served here (now: %" PRIu64 ")", gen,
                        m.generation);
        return;
    }
    const ship_file *f = ship_manifest_find(&m, name, name_len);
    if (f == NULL) {
        http_send_error(w, req, st, 404, "not_found", "generation %" PRIu64 " has no such file", gen);
        return;
    }
    if (st->store == NULL && w->store != NULL) {
        /* Held until the response is written: the generation's directory
         * stays the one this request reads from. */
        st->store = w->store;
        store_retain(st->store);
    }
    if (st->store == NULL || st->store->generation != gen) {
        http_send_error(w, req, st, 503, "switching", "generation %" PRIu64 " is being switched; retry", gen);
        return;
    }
    char fpath[4400];
    snprintf(fpath, sizeof fpath, "%s/%s", st->store->path, f->name);
    send_file(w, req, st, fpath, f->size);
}
