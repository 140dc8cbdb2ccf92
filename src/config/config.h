/* Configuration of `isla serve`: every option, its default, and where a
 * value may come from.
 *
 * One table (config.c) describes each option once: its name, type, default
 * and help text. The same name is the command-line flag (`--rate-limit`),
 * the environment variable (`ISLA_RATE_LIMIT`) and the config-file key
 * (`rate-limit = 100/min`). Precedence: flag > environment > file >
 * default. `--help` is generated from the table, so it cannot forget an
 * option or show a stale default.
 *
 * Every value is validated when it is read; an invalid one is a message
 * naming its source (flag, variable, or file:line) and exit code 2. */
#ifndef ISLA_CONFIG_H
#define ISLA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/accesslog.h"
#include "util/netaddr.h"


typedef struct {
    /* data and listening */
    char *data_dir;
    char *host;
    int64_t port;
    int64_t threads;             /* 0 = one per core */
    bool verify;
    char *web_dir;               /* NULL = the checkout's web/ if any */
    char *tls_cert, *tls_key;

    /* compression */
    bool gzip, brotli;
    int64_t gzip_level, brotli_quality;
    uint64_t compress_min;       /* bytes; smaller bodies go out as they are */

    /* HTTP caching */
    uint64_t max_age_ms;         /* Cache-Control max-age of search answers */
    uint64_t static_max_age_ms;  /* of unversioned static files */

    /* result cache */
    uint64_t cache_bytes;        /* 0 = off */
    uint64_t cache_ttl_ms;

    /* rate limiting */
    double rate_per_s;           /* 0 = off */
    char rate_text[32];          /* as given, for RateLimit-Policy and logs */
    double rate_burst;           /* 0 = same as the rate's count */
    uint64_t rate_clients;       /* most client buckets kept */
    netaddr_list trusted_proxies;

    /* request limits and timeouts */
    uint64_t max_url;
    uint64_t max_header_bytes;
    uint64_t max_body;
    uint64_t max_connections;
    uint64_t max_conn_per_address; /* 0 = no cap */
    netaddr_list cap_exempt;       /* not capped per address */
    uint64_t max_buffered;         /* bytes of answers in flight, all connections */
    uint64_t max_buffered_per_conn;
    uint64_t send_timeout_ms;      /* an answer that makes no progress this long is cut */
    uint64_t header_timeout_ms;
    uint64_t idle_timeout_ms;
    uint64_t drain_timeout_ms;

    /* administration */
    char *admin_token;
    char *cursor_key;            /* NULL = a random key per process */
    char *destination_names;     /* CODE;Name lines extending the destination table (dest.h) */

    /* API keys and background jobs */
    char *tiers;                 /* NAME=RATE[:BURST],... (keys_parse_tiers) */
    bool require_key;
    bool jobs;
    uint64_t job_lease_ms, job_backoff_ms, job_backoff_max_ms, job_retention_ms;
    uint64_t import_attempts, webhook_attempts, webhook_backoff_ms;
    char *import_schedule;       /* HH:MM (UTC) or NULL */
    char *import_offers, *import_hotels;
    /* the fleet (see cluster/cluster.h) */
    char *redis_url;             /* NULL = no L2 */
    uint64_t redis_timeout_ms, redis_ttl_ms, redis_max_entry, redis_breaker, redis_breaker_cooldown_ms;
    char *follow_url;            /* NULL = not a replica */
    uint64_t follow_interval_ms;
    char *follow_token;
    uint64_t warm_max, warm_time_ms;
    uint64_t ship_slots;         /* builder: concurrent replica downloads, 0 = no limit */

    /* observability */
    access_log_mode access_log;
    uint64_t access_log_every;   /* sampled:N */
    char *access_log_file;       /* NULL or "-" = stderr */
    double slow_ms;              /* 0 = off */
    uint64_t stats_window_s;
    uint64_t stream_interval_ms;

    /* alerts and memory monitoring */
    char *alert_webhook;
    double alert_p99_ms;         /* 0 = off */
    double alert_error_rate;     /* 0 = off */
    uint64_t alert_rss_bytes;    /* 0 = off */
    uint64_t alert_cooldown_ms;
    uint64_t alert_min_requests;
    uint64_t memory_log_ms;      /* 0 = off */

    char *config_file;           /* the file read, if any */
} server_config;

/* Fills cfg from defaults, then the config file (--config FILE or
 * ISLA_CONFIG), then ISLA_* variables, then argv (argv[0] is "serve").
 * Returns 0, 1 if --help was printed (exit 0), or 2 after printing a usage
 * error to stderr. */
int config_load(server_config *cfg, int argc, char **argv);
void config_free(server_config *cfg);

/* Parsers shared with the tests of this module. Each returns false for a
 * value that is not acceptable. */
bool config_parse_size(const char *s, uint64_t *out);        /* 64k, 256M, 1G (binary) */
bool config_parse_duration(const char *s, uint64_t *out_ms); /* 500ms, 10s, 5m, 1h; bare = s */
bool config_parse_rate(const char *s, double *per_s);        /* off, N/s, N/min, N/h */

#endif
