/* The access log: one JSON object per request, one line each.
 *
 * Modes: off; sampled:N (one request in N, plus every 5xx and every request
 * slower than --slow-ms, so the lines that matter are never sampled away);
 * full. The slow-search log is the same record with "slow":true, written
 * whatever the mode.
 *
 * Cost. Each serving thread formats into its own buffer (no lock, no
 * allocation once the buffer has grown) and writes it with one write(2)
 * when it passes 32 KB or is 100 ms old; lines never interleave because
 * every write holds whole lines and the file is opened O_APPEND. The file
 * is reopened on SIGHUP (log rotation): the new descriptor replaces the old
 * one with dup2, atomically for the writers. */
#ifndef ISLA_ACCESSLOG_H
#define ISLA_ACCESSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

typedef enum { ACCESS_LOG_OFF, ACCESS_LOG_SAMPLED, ACCESS_LOG_FULL } access_log_mode;

/* Opens the destination; false (err filled) if the file cannot be opened. */
bool accesslog_open(access_log_mode mode, uint64_t every, const char *path, double slow_ms, char *err,
                    size_t errlen);
/* Reopens the file (after rotation); no-op for stderr. */
void accesslog_reopen(void);
void accesslog_close(void);

typedef struct {
    buf_t buf;
    uint64_t counter;
    uint64_t first_ms;        /* time of the oldest unflushed line */
} accesslog_buf;

typedef struct {
    const char *request_id;
    size_t request_id_len;
    const char *client;       /* text form of the client address */
    const char *method;
    size_t method_len;
    const char *path;
    size_t path_len;
    const char *query;
    size_t query_len;
    const char *proto;        /* "HTTP/1.1", "HTTP/2" */
    const char *route;
    int status;
    uint64_t bytes;
    double ms;
    const char *cache;        /* "hit", "miss", NULL */
    const char *encoding;     /* "gzip", "br", NULL */
    const char *user_agent;
    size_t user_agent_len;
    uint64_t generation;
    const char *key_name;     /* the API key's name and tier; NULL for anonymous requests */
    const char *tier;
} accesslog_rec;

/* Does this request get a line? (Sampling, errors and slow requests.) */
bool accesslog_want(accesslog_buf *b, int status, double ms);
bool accesslog_is_slow(double ms, bool api_route);
void accesslog_add(accesslog_buf *b, const accesslog_rec *r, bool slow, uint64_t now_ms);
/* Writes out what is buffered if due (force: now). */
void accesslog_flush(accesslog_buf *b, uint64_t now_ms, bool force);

#endif
