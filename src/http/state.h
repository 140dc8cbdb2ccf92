/* Private to src/http: the state the files of the HTTP front end share
 * (the server, its workers, the per-request state). Each file's functions
 * are declared in its own header:
 *
 * server.c    threads, listeners, connections, the worker loop, drain, start
 * handler.c   the request handler: limits, routing, rate limit, the API
 *             or a static file
 * search.c    cacheable searches: normalised key, ETag/304, result cache
 * respond.c   response building blocks: headers, compression, errors,
 *             CORS preflight, static files, counting and logging
 * endpoints.c the operator's endpoints: health/live, metrics, stats, the
 *             stats stream, admin reload
 * control.c   the control thread: generation loads, signals, the
 *             once-a-second work (metrics window, memory, alerts)
 * headguard.c request-head checks before h2o parses (framing, field count)
 *
 * Ownership: a `worker` and everything in it belong to its serving thread;
 * the `server` fields are written by the control thread and read by
 * workers as noted at each field. */
#ifndef ISLA_HTTP_STATE_H
#define ISLA_HTTP_STATE_H

#include <h2o.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "api/api.h"
#include "cache/cache.h"
#include "config/config.h"
#include "util/accesslog.h"
#include "util/netaddr.h"
#include "static/static.h"
#include "metrics/metrics.h"
#include "store/store.h"
#include "util/clock.h"

typedef struct server server;
typedef struct req_state req_state;
typedef struct conn_state conn_state;

typedef struct {
    server *srv;
    unsigned id;
    pthread_t thread;
    bool started;
    atomic_bool drained;      /* done serving; the thread is parked */
    int listen_fd;
    h2o_evloop_t *loop;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
    bool paused;              /* not accepting: --max-connections reached */
    /* This worker's references to the published store and static site,
     * and the publication they came from. */
    store_t *store;
    static_site *web;
    uint64_t seq;
    uint64_t inflight;        /* requests whose response is not fully written */
    uint64_t next_request_id;
    metrics_shard *m;
    accesslog_buf log;
    buf_t key;                /* scratch: the cache key */
    buf_t stats;              /* scratch: the stats JSON of this tick */
    h2o_linklist_t streams;   /* req_state of open /api/stats/stream */
    h2o_linklist_t waiters;   /* req_state of admin reloads waiting for the load */
    uint64_t next_stream_ms;
    uint64_t last_heartbeat_ms;
    h2o_linklist_t conns;     /* conn_state of this worker, least recently active first */
    uint64_t next_watch_ms;   /* next look for stalled and idle connections */
    /* the fleet: this thread's Redis client (NULL without --redis) */
    struct l2_client *l2;
    buf_t l2key, l2buf;       /* scratch: a Redis key, a Redis value */
    h2o_timeout_t flight_poll;/* waiters for another request's flight */
    const store_t *data_id_store;
    uint64_t data_id;
} worker;

/* Opens a generation off the control thread. */
typedef struct {
    pthread_t thread;
    bool running;
    atomic_bool done;
    store_t *result;
    char err[1024];
    struct ship_manifest_s *manifest; /* builder: the loaded generation's files */
    struct stat current_sb;   /* DIR/CURRENT as it was when the load started */
    bool have_current_sb;
    uint64_t ticket;          /* admin requests this load answers */
    int wake_fd;              /* eventfd the loader writes when done, so the
                               * control thread publishes at once instead of
                               * at its next tick (-1: wait for the tick) */
} loader;

/* What the last load did, for the admin requests waiting on it. */
typedef struct {
    int status;               /* 200, 409 */
    char body[1400];
} reload_result;

struct server {
    const server_config *cfg;
    h2o_globalconf_t config;
    SSL_CTX *ssl;
    api_env env;
    char url[300];            /* http(s)://HOST:PORT, for the log */
    uint32_t boot_id;         /* random, makes request ids unique across restarts */
    unsigned n_workers;
    worker *workers;
    atomic_bool stopping;

    /* The published state. Changed only by the control thread; read by
     * workers in worker_sync. */
    pthread_mutex_t lock;
    store_t *store;
    static_site *web;
    atomic_uint_fast64_t seq;

    loader load;
    bool reload_wanted;
    bool announced;           /* the "serving generation" line was printed */
    bool said_waiting;        /* the "no generation yet" line was printed */
    struct stat failed_sb;    /* CURRENT of the last failed first load */
    bool have_failed_sb;
    uint64_t next_poll_ms;

    /* Admin reloads: tickets handed out by workers, answered by loads. */
    _Atomic uint64_t reload_requested;
    uint64_t reload_seen;
    _Atomic uint64_t reload_done;
    reload_result result;     /* under lock */

    _Atomic uint64_t reloads_ok, reloads_failed, last_reload_unix_ms;

    /* The fleet. manifest: what GET /api/admin/generations ships (under
     * lock; NULL when this server does not ship). follow_published: bumped
     * by the follower thread when it has published a generation. */
    struct ship_manifest_s *manifest;
    _Atomic uint64_t follow_published;
    uint64_t follow_seen;
    _Atomic uint64_t streams;

    /* Connections (conns.c), across workers. */
    _Atomic uint64_t held;            /* bytes of responses in flight */
    _Atomic uint64_t killing;         /* connections shut down, not yet closed by h2o */
    atomic_bool want_room;            /* a worker stopped accepting at --max-connections */
    _Atomic uint64_t refused_busy;    /* 503: over a buffered-bytes budget */
    _Atomic uint64_t refused_address; /* closed at accept: --max-connections-per-address */
    _Atomic uint64_t stalled;         /* streams reset / connections closed: no progress */
    _Atomic uint64_t idle_closed;     /* HTTP/2 connections idle (PINGs or not) */
    _Atomic uint64_t evicted;         /* idle connections closed to make room */
};

/* ---- per-connection state (conns.c) ------------------------------------- */

/* One per accepted socket, owned by its worker. Reference counted: the
 * socket holds one until it closes, every request in flight one, because
 * h2o may close the socket before it frees the last request. */
struct conn_state {
    worker *w;
    h2o_socket_t *sock;       /* NULL once closed */
    netaddr addr;
    bool addr_counted;        /* counted in conncount (not a trusted proxy) */
    bool is_h2;
    bool killed;              /* shut down by us; h2o closes it next */
    unsigned refs;
    unsigned active;          /* requests in flight */
    uint64_t held;            /* bytes of this connection's responses in flight */
    uint64_t last_active_ms;  /* a request started or ended */
    uint64_t acked;           /* TCP bytes the peer acknowledged, at the last look */
    uint64_t progress_ms;     /* when that last grew (HTTP/1) */
    h2o_linklist_t link;      /* in w->conns */
    h2o_linklist_t held_reqs; /* req_state with held > 0 */
};

/* ---- per-request state -------------------------------------------------- */

/* Linked into the request's pool: freed (and the references dropped) when
 * h2o clears the pool after the response is sent or the connection closed. */
struct req_state {
    worker *w;
    uint64_t t0;              /* mono_ns when the handler started */
    api_route route;
    bool head;
    h2o_iovec_t request_id;
    store_t *store;
    static_site *web;
    cache_entry *entry;
    bool has_res;
    api_response res;
    cache_blob *zbody;        /* a compressed copy of res.body */
    const char *cache_status; /* "hit", "miss" or NULL, for the log */
    /* stats stream and admin waiters */
    h2o_req_t *req;
    h2o_generator_t gen;
    h2o_linklist_t link;
    bool sending, closing, done;
    buf_t sbuf;
    uint64_t ticket, deadline_ms;
    bool counted_stream;
    bool jobs_stream;         /* the stream is /api/admin/jobs/stream */
    uint64_t ev_seq;          /* the last job event it was sent */
    /* the caller's API key, for the access log (never the key itself) */
    const char *key_name, *tier_name;
    /* the connection and what this response holds of its budget */
    conn_state *conn;
    uint64_t held;
    h2o_linklist_t held_link; /* in conn->held_reqs while held > 0 */
    size_t last_pending;      /* HTTP/2: bytes not yet framed, at the last look */
    uint64_t progress_ms;
    bool reset_sent;
    /* a search waiting for Redis or for another request's flight: its
     * prepared call (with the request it points to) is kept here */
    api_request ar;
    api_call call;
    char *skey;               /* the search key (malloc'ed) */
    size_t skey_len;
    char *etag;               /* in the request's pool */
    size_t etag_len;
    struct l2_op *l2op;
    bool sf_leader;
    h2o_timeout_entry_t flight_timer;
    uint64_t flight_deadline_ms;
};

#endif

