/* The option table and the three sources of values; see config.h.
 *
 * Design. Each option is one row: name, type, default (as text, parsed
 * like any other value, so the help shows exactly what is applied), help
 * text and the field it sets. Loading applies the sources from the lowest
 * precedence to the highest — defaults, file, environment, flags — each one
 * simply overwriting, which makes the precedence obvious and testable. A
 * list option (trusted-proxy) is replaced as a whole by a higher source,
 * and accumulates within the flags, where it may repeat.
 *
 * Trade-off: the config file is deliberately minimal (`key = value`, `#`
 * comments, no sections, no includes): everything in it can also be set by
 * a flag, and a format with more features is more to get wrong in
 * production. Unknown keys are errors, so a typo is not silently ignored;
 * unknown ISLA_* variables are not, because other tools of the project use
 * that prefix too. */
#include "config/config.h"
#include "cursor/cursor.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void config_usage(FILE *f);

typedef enum {
    T_STR,      /* char * (owned) */
    T_INT,      /* int64_t within [min, max] */
    T_BOOL,     /* bool; flags --name / --no-name */
    T_SIZE,     /* uint64_t bytes */
    T_DURATION, /* uint64_t milliseconds */
    T_COUNT,    /* uint64_t within [min, max] */
    T_REAL,     /* double within [min, max] */
    T_RATE,     /* rate_per_s + rate_text */
    T_ACCESS,   /* access_log + access_log_every */
    T_CIDRS,    /* netaddr_list; "none" = empty */
} opt_type;

typedef struct {
    const char *name;
    opt_type type;
    const char *def;          /* NULL: unset */
    const char *metavar;
    const char *help;
    size_t off;
    double min, max;
    const char *section;      /* starts a new group in --help */
} opt_def;

#define F(field) offsetof(server_config, field)

static const opt_def OPTS[] = {
    {"data", T_STR, NULL, "DIR", "data directory written by `isla import` (required)", F(data_dir), 0, 0,
     "Data and listening"},
    {"host", T_STR, "0.0.0.0", "ADDR", "address to listen on (e.g. 127.0.0.1, ::)", F(host), 0, 0, NULL},
    {"port", T_INT, "8090", "N", "TCP port, 0..65535 (0 picks a free port and logs it)", F(port), 0, 65535, NULL},
    {"threads", T_INT, "0", "N",
     "event-loop threads, each with its own SO_REUSEPORT listener (0 = one per core)", F(threads), 0, 256, NULL},
    {"verify", T_BOOL, "true", NULL,
     "check every checksum when loading a generation; --no-verify starts faster on big data "
     "(a reload then trusts the file)",
     F(verify), 0, 0, NULL},
    {"web", T_STR, NULL, "DIR",
     "static files of the web UI (default: the `web` directory of the checkout the binary was built in)",
     F(web_dir), 0, 0, NULL},
    {"tls-cert", T_STR, NULL, "FILE", "PEM certificate chain: serve HTTPS (HTTP/2 via ALPN) instead of HTTP",
     F(tls_cert), 0, 0, NULL},
    {"tls-key", T_STR, NULL, "FILE", "PEM private key for --tls-cert", F(tls_key), 0, 0, NULL},

    {"gzip", T_BOOL, "true", NULL, "gzip answers for clients that accept it (libdeflate)", F(gzip), 0, 0,
     "Compression"},
    {"gzip-level", T_INT, "1", "N",
     "gzip level 1..12 of answers compressed per request (cached answers: at least 6, once)", F(gzip_level), 1,
     12, NULL},
    {"brotli", T_BOOL, "true", NULL,
     "brotli (br) for clients that accept it: preferred for cached answers and static files (compressed once); "
     "per-request answers prefer gzip, which is faster and smaller at low levels",
     F(brotli), 0, 0, NULL},
    {"brotli-quality", T_INT, "5", "N", "brotli quality 0..11 of cached answers and static files",
     F(brotli_quality), 0, 11, NULL},
    {"compress-min", T_SIZE, "1k", "SIZE", "smallest body worth compressing", F(compress_min), 0, 0, NULL},

    {"max-age", T_DURATION, "60s", "DURATION",
     "Cache-Control max-age of search answers (0 = no-cache: revalidate with the ETag)", F(max_age_ms), 0, 0,
     "HTTP caching"},
    {"static-max-age", T_DURATION, "0", "DURATION",
     "max-age of static files requested without a version; versioned ones (?v=..., or a hash in the name) "
     "are cached for a year as immutable",
     F(static_max_age_ms), 0, 0, NULL},

    {"cache-size", T_SIZE, "256M", "SIZE", "byte budget of the in-process result cache (0 = off)", F(cache_bytes),
     0, 0, "Result cache"},
    {"cache-ttl", T_DURATION, "300s", "DURATION", "how long a cached answer is served", F(cache_ttl_ms), 0, 0,
     NULL},

    {"rate-limit", T_RATE, "off", "RATE", "per client IP: N/s, N/min or N/h (token bucket), or off",
     F(rate_per_s), 0, 0, "Rate limiting"},
    {"rate-burst", T_REAL, "0", "N", "bucket size: requests a client may make at once (0 = the N of --rate-limit)",
     F(rate_burst), 0, 1e9, NULL},
    {"rate-clients", T_COUNT, "100000", "N", "most client buckets kept (idle ones are dropped first)",
     F(rate_clients), 64, 1e8, NULL},
    {"trusted-proxy", T_CIDRS, NULL, "CIDR[,...]",
     "proxies whose X-Forwarded-For is believed (repeatable; e.g. 127.0.0.1,10.0.0.0/8)", F(trusted_proxies), 0,
     0, NULL},

    {"max-url", T_SIZE, "8k", "SIZE", "longest request target (else 414)", F(max_url), 64, 1 << 20,
     "Limits and timeouts"},
    {"max-header-size", T_SIZE, "16k", "SIZE", "largest total of request header names and values (else 431)",
     F(max_header_bytes), 256, 256 << 10, NULL},
    {"max-body", T_SIZE, "64k", "SIZE", "largest request body (else 413)", F(max_body), 0, 64 << 20, NULL},
    {"max-connections", T_COUNT, "10000", "N",
     "open connections at most; beyond it new ones wait in the listen queue", F(max_connections), 1, 1e7, NULL},
    {"max-connections-per-address", T_COUNT, "256", "N",
     "open connections per client IP at most (0 = no cap); one more gets a 503 and is closed; trusted proxies "
     "(--trusted-proxy) and --connection-cap-exempt are exempt",
     F(max_conn_per_address), 0, 1e7, NULL},
    {"connection-cap-exempt", T_CIDRS, "127.0.0.0/8,::1", "CIDR[,...]",
     "addresses --max-connections-per-address does not apply to (repeatable; none = cap every address); "
     "by default loopback: a proxy or load tool on the same host",
     F(cap_exempt), 0, 0, NULL},
    {"max-buffered", T_SIZE, "256M", "SIZE",
     "bytes of answers written but not yet taken by clients, all connections together; above it new requests "
     "get 503 (health and metrics excepted)",
     F(max_buffered), 1 << 20, 1ull << 40, NULL},
    {"max-buffered-per-connection", T_SIZE, "4M", "SIZE",
     "the same for one connection (HTTP/2 streams, HTTP/1.1 pipelining)", F(max_buffered_per_conn), 64 << 10,
     1ull << 40, NULL},
    {"send-timeout", T_DURATION, "30s", "DURATION",
     "an answer the client takes no byte of for this long is cut: its HTTP/2 stream reset, its HTTP/1.1 "
     "connection closed",
     F(send_timeout_ms), 500, 3600e3, NULL},
    {"header-timeout", T_DURATION, "10s", "DURATION",
     "HTTP/1.1: time to send a complete request (head and body), and the keep-alive idle time; TLS handshake "
     "time",
     F(header_timeout_ms), 100,
     3600e3, NULL},
    {"idle-timeout", T_DURATION, "60s", "DURATION",
     "HTTP/2: a connection with no request in flight for this long is closed, PINGs or not", F(idle_timeout_ms), 100,
     86400e3, NULL},
    {"drain-timeout", T_DURATION, "10s", "DURATION", "SIGTERM: longest wait for requests in flight",
     F(drain_timeout_ms), 0, 3600e3, NULL},

    {"admin-token", T_STR, NULL, "TOKEN",
     "bearer token of the admin API (/api/admin/...; prefer ISLA_ADMIN_TOKEN: flags show in ps); unset = "
     "disabled",
     F(admin_token), 0, 0, "Administration"},
    {"cursor-key", T_STR, NULL, "SECRET",
     "secret (16+ bytes) that signs hotel-offers paging cursors; give every replica behind one balancer the same "
     "one (prefer ISLA_CURSOR_KEY); unset = a random key per process, so cursors end with a restart",
     F(cursor_key), 0, 0, NULL},

    {"destination-names", T_STR, NULL, "FILE",
     "more destination names for the destination= parameter: lines CODE;Name[;Other name] (e.g. CUN;Cancun), "
     "added to the built-in table (Mallorca, Ibiza, Antalya, Kreta, ...)",
     F(destination_names), 0, 0, NULL},

    {"tiers", T_STR, "free=10/s:20,partner=100/s:200,internal=off", "NAME=RATE[:BURST],...",
     "API key tiers and the rate limit of each key in them (RATE: N/s, N/min, N/h or off)", F(tiers), 0, 0,
     "API keys and background jobs"},
    {"require-key", T_BOOL, "false", NULL,
     "refuse API requests without a key (401); health, metrics and stats stay open", F(require_key), 0, 0, NULL},
    {"jobs", T_BOOL, "true", NULL, "run the background job queue (DATA/jobs.db): imports, exports, webhooks",
     F(jobs), 0, 0, NULL},
    {"job-lease", T_DURATION, "30s", "DURATION",
     "a running job's lease; a job whose worker stopped renewing it runs again", F(job_lease_ms), 2000, 86400e3,
     NULL},
    {"job-backoff", T_DURATION, "5s", "DURATION", "delay before the first retry of a failed job (doubles each time)",
     F(job_backoff_ms), 10, 86400e3, NULL},
    {"job-backoff-max", T_DURATION, "10m", "DURATION", "longest delay between two attempts",
     F(job_backoff_max_ms), 10, 7 * 86400e3, NULL},
    {"job-retention", T_DURATION, "336h", "DURATION",
     "jobs that ended (and export files) are deleted after this, 336h = 14 days (0 = kept)", F(job_retention_ms), 0, 3650 * 86400e3,
     NULL},
    {"import-attempts", T_COUNT, "3", "N", "attempts of an import or export job before it is dead",
     F(import_attempts), 1, 100, NULL},
    {"webhook-attempts", T_COUNT, "3", "N", "attempts of an alert delivery before it is dead",
     F(webhook_attempts), 1, 100, NULL},
    {"webhook-backoff", T_DURATION, "1s", "DURATION", "delay before the first retry of an alert delivery (doubles)",
     F(webhook_backoff_ms), 10, 86400e3, NULL},
    {"import-schedule", T_STR, NULL, "HH:MM",
     "import --import-offers and --import-hotels every day at this time (UTC)", F(import_schedule), 0, 0, NULL},
    {"import-offers", T_STR, NULL, "PATH|URL", "the offer dump of the scheduled import", F(import_offers), 0, 0,
     NULL},
    {"import-hotels", T_STR, NULL, "PATH|URL", "hotels.csv of the scheduled import", F(import_hotels), 0, 0, NULL},
    {"redis", T_STR, NULL, "URL",
     "shared second-level cache: redis://[:PASSWORD@]HOST[:PORT][/DB], unix:/PATH[?db=N&password=P] "
     "(prefer ISLA_REDIS when it holds a password); unset = no L2",
     F(redis_url), 0, 0, "Fleet"},
    {"redis-timeout", T_DURATION, "50ms", "DURATION", "longest wait for a Redis lookup before searching instead",
     F(redis_timeout_ms), 1, 60e3, NULL},
    {"redis-ttl", T_DURATION, "10m", "DURATION", "expiry of answers stored in Redis", F(redis_ttl_ms), 1000,
     30 * 86400e3, NULL},
    {"redis-max-entry", T_SIZE, "1M", "SIZE", "largest answer stored in Redis", F(redis_max_entry), 0, 512 << 20,
     NULL},
    {"redis-breaker", T_COUNT, "5", "N", "consecutive Redis failures that open the circuit breaker",
     F(redis_breaker), 1, 1e6, NULL},
    {"redis-breaker-cooldown", T_DURATION, "1s", "DURATION",
     "time the breaker stays open before a probe (doubles after a failed probe, up to 8x)",
     F(redis_breaker_cooldown_ms), 10, 3600e3, NULL},
    {"follow", T_STR, NULL, "URL",
     "replica: poll this builder's /api/admin/generations, download newer generations, verify and serve them",
     F(follow_url), 0, 0, NULL},
    {"follow-interval", T_DURATION, "5s", "DURATION", "how often a replica asks its builder for a new generation",
     F(follow_interval_ms), 100, 86400e3, NULL},
    {"follow-token", T_STR, NULL, "TOKEN",
     "bearer token for the builder (prefer ISLA_FOLLOW_TOKEN; default: --admin-token)", F(follow_token), 0, 0,
     NULL},
    {"ship-slots", T_COUNT, "1", "N",
     "builder: replicas downloading a generation at once (0 = no limit); the others wait their turn, so "
     "replicas switch one after another",
     F(ship_slots), 0, 1000, NULL},
    {"warm", T_COUNT, "200", "N", "after a generation switch, replay up to N of the most requested searches "
     "(0 = off)", F(warm_max), 0, 1e6, NULL},
    {"warm-time", T_DURATION, "2s", "DURATION", "longest time spent warming after a switch", F(warm_time_ms), 0,
     600e3, NULL},

    {"access-log", T_ACCESS, "off", "MODE", "JSON access log: off, sampled:N (1 in N, plus every error) or full",
     F(access_log), 0, 0, "Observability"},
    {"access-log-file", T_STR, "-", "FILE", "where the access log goes (- = stderr); reopened on SIGHUP",
     F(access_log_file), 0, 0, NULL},
    {"slow-ms", T_REAL, "100", "MS", "log searches slower than this, in ms (fractions allowed; 0 = off)", F(slow_ms),
     0, 1e9, NULL},
    {"stats-window", T_COUNT, "60", "SECONDS", "sliding window of /api/stats percentiles and rates",
     F(stats_window_s), 5, 600, NULL},
    {"stream-interval", T_DURATION, "1s", "DURATION", "period of /api/stats/stream events",
     F(stream_interval_ms), 50, 60e3, NULL},

    {"alert-webhook", T_STR, NULL, "URL", "POST alerts as JSON to this http:// or https:// URL", F(alert_webhook),
     0, 0, "Alerts and memory"},
    {"alert-p99-ms", T_REAL, "250", "MS", "alert when the window's p99 is above this (0 = off)", F(alert_p99_ms),
     0, 1e9, NULL},
    {"alert-error-rate", T_REAL, "0.05", "RATIO", "alert when the window's 5xx ratio is above this (0 = off)",
     F(alert_error_rate), 0, 1, NULL},
    {"alert-rss", T_SIZE, "0", "SIZE", "alert when resident memory is above this (0 = off)", F(alert_rss_bytes),
     0, 0, NULL},
    {"alert-cooldown", T_DURATION, "5m", "DURATION", "least time between two alerts of one kind",
     F(alert_cooldown_ms), 0, 86400e3, NULL},
    {"alert-min-requests", T_COUNT, "20", "N", "p99 and error-rate alerts need this many requests in the window",
     F(alert_min_requests), 1, 1e9, NULL},
    {"memory-log-interval", T_DURATION, "10m", "DURATION", "log resident memory and its trend (0 = off)",
     F(memory_log_ms), 0, 86400e3, NULL},
};
#define N_OPTS (sizeof(OPTS) / sizeof(OPTS[0]))

/* ---- value parsers ------------------------------------------------------ */

static bool parse_u64(const char *s, const char **end, uint64_t *out)
{
    if (!isdigit((unsigned char)*s))
        return false;
    char *e;
    errno = 0;
    unsigned long long v = strtoull(s, &e, 10);
    if (errno != 0)
        return false;
    *end = e;
    *out = v;
    return true;
}

/* "1.5" and "2": a non-negative decimal number. */
static bool parse_real(const char *s, const char **end, double *out)
{
    if (!isdigit((unsigned char)*s) && *s != '.')
        return false;
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (errno != 0 || e == s || !isfinite(v) || v < 0)
        return false;
    *end = e;
    *out = v;
    return true;
}

bool config_parse_size(const char *s, uint64_t *out)
{
    const char *e;
    double v;
    if (!parse_real(s, &e, &v))
        return false;
    double mult = 1;
    switch (*e) {
    case 'k': case 'K': mult = 1024.0; e++; break;
    case 'm': case 'M': mult = 1024.0 * 1024; e++; break;
    case 'g': case 'G': mult = 1024.0 * 1024 * 1024; e++; break;
    case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; e++; break;
    default: break;
    }
    if (*e == 'B' || *e == 'b')
        e++;
    if (*e != '\0' || v * mult > 9.0e18)
        return false;
    *out = (uint64_t)(v * mult);
    return true;
}

bool config_parse_duration(const char *s, uint64_t *out_ms)
{
    const char *e;
    double v;
    if (!parse_real(s, &e, &v))
        return false;
    double mult;
    if (*e == '\0' || !strcmp(e, "s"))
        mult = 1000;
    else if (!strcmp(e, "ms"))
        mult = 1;
    else if (!strcmp(e, "m") || !strcmp(e, "min"))
        mult = 60e3;
    else if (!strcmp(e, "h"))
        mult = 3600e3;
    else
        return false;
    if (v * mult > 1e15)
        return false;
    *out_ms = (uint64_t)llround(v * mult);
    return true;
}

bool config_parse_rate(const char *s, double *per_s)
{
    if (!strcasecmp(s, "off") || !strcmp(s, "0")) {
        *per_s = 0;
        return true;
    }
    const char *e;
    double v;
    if (!parse_real(s, &e, &v) || v <= 0 || *e != '/')
        return false;
    e++;
    double secs;
    if (!strcmp(e, "s") || !strcmp(e, "sec") || !strcmp(e, "second"))
        secs = 1;
    else if (!strcmp(e, "m") || !strcmp(e, "min") || !strcmp(e, "minute"))
        secs = 60;
    else if (!strcmp(e, "h") || !strcmp(e, "hour"))
        secs = 3600;
    else
        return false;
    *per_s = v / secs;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    if (!strcasecmp(s, "true") || !strcasecmp(s, "on") || !strcasecmp(s, "yes") || !strcmp(s, "1"))
        return *out = true, true;
    if (!strcasecmp(s, "false") || !strcasecmp(s, "off") || !strcasecmp(s, "no") || !strcmp(s, "0"))
        return *out = false, true;
    return false;
}

/* ---- applying a value --------------------------------------------------- */

typedef struct {
    char what[160];           /* "--port", "ISLA_PORT", "isla.conf:12: port" */
} source;

static int fail(const source *src, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(const source *src, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "isla serve: %s: ", src->what);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see isla serve --help)\n", stderr);
    return 2;
}

/* Sets one option from text. `append` adds to a list instead of replacing
 * it (repeated flags). Returns 0 or 2. */
static int apply(server_config *cfg, const opt_def *o, const char *v, const source *src, bool append)
{
    void *field = (char *)cfg + o->off;
    uint64_t u;
    double d;
    switch (o->type) {
    case T_STR: {
        char **p = field;
        if (*v == '\0' && strcmp(o->name, "admin-token") != 0 && strcmp(o->name, "follow-token") != 0 && strcmp(o->name, "alert-webhook") != 0)
            return fail(src, "empty value");
        free(*p);
        *p = *v == '\0' ? NULL : strdup(v);
        return 0;
    }
    case T_INT: {
        const char *e;
        if (!parse_u64(v, &e, &u) || *e != '\0' || (double)u < o->min || (double)u > o->max)
            return fail(src, "invalid value '%s' (expected a whole number from %.0f to %.0f)", v, o->min, o->max);
        *(int64_t *)field = (int64_t)u;
        return 0;
    }
    case T_COUNT: {
        const char *e;
        if (!parse_u64(v, &e, &u) || *e != '\0' || (double)u < o->min || (double)u > o->max)
            return fail(src, "invalid value '%s' (expected a whole number from %.0f to %.0f)", v, o->min, o->max);
        *(uint64_t *)field = u;
        return 0;
    }
    case T_REAL: {
        const char *e;
        if (!parse_real(v, &e, &d) || *e != '\0' || d < o->min || d > o->max)
            return fail(src, "invalid value '%s' (expected a number from %g to %g)", v, o->min, o->max);
        *(double *)field = d;
        return 0;
    }
    case T_BOOL:
        if (!parse_bool(v, field))
            return fail(src, "invalid value '%s' (expected true or false)", v);
        return 0;
    case T_SIZE:
        if (!config_parse_size(v, &u) || (o->max > 0 && ((double)u < o->min || (double)u > o->max)))
            return o->max > 0 ? fail(src, "invalid size '%s' (expected %.0f to %.0f bytes, e.g. 16k)", v, o->min,
                                     o->max)
                              : fail(src, "invalid size '%s' (expected e.g. 512k, 256M, 2G)", v);
        *(uint64_t *)field = u;
        return 0;
    case T_DURATION:
        if (!config_parse_duration(v, &u) || (o->max > 0 && ((double)u < o->min || (double)u > o->max)))
            return fail(src, "invalid duration '%s' (expected e.g. 500ms, 10s, 5m%s)", v,
                        o->max > 0 ? ", within the option's range" : "");
        *(uint64_t *)field = u;
        return 0;
    case T_RATE:
        if (!config_parse_rate(v, &d))
            return fail(src, "invalid rate '%s' (expected off, N/s, N/min or N/h)", v);
        cfg->rate_per_s = d;
        snprintf(cfg->rate_text, sizeof(cfg->rate_text), "%s", d > 0 ? v : "off");
        return 0;
    case T_ACCESS:
        if (!strcmp(v, "off")) {
            cfg->access_log = ACCESS_LOG_OFF;
        } else if (!strcmp(v, "full")) {
            cfg->access_log = ACCESS_LOG_FULL;
        } else if (!strncmp(v, "sampled:", 8)) {
            const char *e;
            if (!parse_u64(v + 8, &e, &u) || *e != '\0' || u < 1 || u > 1000000000)
                return fail(src, "invalid sample rate in '%s' (expected sampled:N, N from 1 to 1e9)", v);
            cfg->access_log = ACCESS_LOG_SAMPLED;
            cfg->access_log_every = u;
        } else {
            return fail(src, "invalid value '%s' (expected off, sampled:N or full)", v);
        }
        return 0;
    case T_CIDRS: {
        char bad[80];
        netaddr_list *l = field;
        if (!append)
            netaddr_list_free(l);
        if (!strcmp(v, "none"))
            return 0;
        if (!netaddr_list_add(l, v, bad, sizeof(bad)))
            return fail(src, "'%s' is not an IP address or CIDR range", bad);
        return 0;
    }
    }
    return 0;
}

static const opt_def *find_opt(const char *name, size_t n)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (strlen(OPTS[i].name) == n && !memcmp(OPTS[i].name, name, n))
            return &OPTS[i];
    return NULL;
}

static void env_name(const opt_def *o, char *out, size_t n)
{
    size_t k = snprintf(out, n, "ISLA_");
    for (const char *p = o->name; *p && k + 1 < n; p++)
        out[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    out[k] = '\0';
}

/* ---- the config file ---------------------------------------------------- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

static int load_file(server_config *cfg, const char *path)
{
    source src;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(src.what, sizeof(src.what), "--config");
        return fail(&src, "cannot read '%s': %s", path, strerror(errno));
    }
    char line[4096];
    int lineno = 0, rc = 0;
    bool seen_list[N_OPTS] = {false};
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        lineno++;
        char *s = trim(line);
        if (*s == '\0' || *s == '#' || *s == ';')
            continue;
        char *eq = strchr(s, '=');
        snprintf(src.what, sizeof(src.what), "%s:%d", path, lineno);
        if (eq == NULL) {
            rc = fail(&src, "expected 'key = value'");
            break;
        }
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        /* Quotes are allowed around a value, for tokens with '#' or spaces. */
        size_t vl = strlen(val);
        if (vl >= 2 && ((val[0] == '"' && val[vl - 1] == '"') || (val[0] == '\'' && val[vl - 1] == '\''))) {
            val[vl - 1] = '\0';
            val++;
        }
        for (char *p = key; *p; p++)
            if (*p == '_')
                *p = '-';
        const opt_def *o = find_opt(key, strlen(key));
        if (o == NULL || !strcmp(key, "config")) {
            rc = fail(&src, "unknown key '%s'", key);
            break;
        }
        snprintf(src.what, sizeof(src.what), "%s:%d: %s", path, lineno, key);
        if (o->type == T_BOOL && (!strcmp(key, "no-verify"))) {
            rc = fail(&src, "write 'verify = false'");
            break;
        }
        rc = apply(cfg, o, val, &src, o->type == T_CIDRS && seen_list[o - OPTS]);
        if (o->type == T_CIDRS)
            seen_list[o - OPTS] = true;
    }
    fclose(f);
    return rc;
}

/* ---- loading ------------------------------------------------------------ */

/* "--name VALUE" or "--name=VALUE" at argv[*i]; *v NULL when the flag has no
 * "=value" and no next argument. Returns the option, or NULL. */
static const opt_def *match_flag(char **argv, int argc, int *i, const char **v, bool *negated, bool *missing)
{
    const char *a = argv[*i];
    *negated = false;
    *missing = false;
    *v = NULL;
    if (strncmp(a, "--", 2) != 0)
        return NULL;
    a += 2;
    const char *eq = strchr(a, '=');
    size_t n = eq != NULL ? (size_t)(eq - a) : strlen(a);
    const opt_def *o = find_opt(a, n);
    if (o == NULL && n > 3 && !strncmp(a, "no-", 3)) {
        o = find_opt(a + 3, n - 3);
        if (o != NULL && o->type == T_BOOL && eq == NULL) {
            *negated = true;
            return o;
        }
        return NULL;
    }
    if (o == NULL)
        return NULL;
    if (eq != NULL) {
        *v = eq + 1;
    } else if (o->type == T_BOOL) {
        *v = "true";
    } else if (*i + 1 < argc) {
        *v = argv[++*i];
    } else {
        *missing = true;
    }
    return o;
}

static int flag_config_file(int argc, char **argv, const char **path)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                fputs("isla serve: --config needs a FILE (see isla serve --help)\n", stderr);
                return 2;
            }
            *path = argv[i + 1];
            i++;
        } else if (!strncmp(argv[i], "--config=", 9)) {
            *path = argv[i] + 9;
        }
    }
    return 0;
}

int config_load(server_config *cfg, int argc, char **argv)
{
    memset(cfg, 0, sizeof(*cfg));
    source src;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            config_usage(stdout);
            return 1;
        }

    for (size_t i = 0; i < N_OPTS; i++) {
        if (OPTS[i].def == NULL)
            continue;
        snprintf(src.what, sizeof(src.what), "default of --%s", OPTS[i].name);
        if (apply(cfg, &OPTS[i], OPTS[i].def, &src, false) != 0)
            return 2;
    }

    const char *file = getenv("ISLA_CONFIG");
    if (file != NULL && *file == '\0')
        file = NULL;
    if (flag_config_file(argc, argv, &file) != 0)
        return 2;
    if (file != NULL) {
        cfg->config_file = strdup(file);
        int rc = load_file(cfg, file);
        if (rc != 0)
            return rc;
    }

    for (size_t i = 0; i < N_OPTS; i++) {
        char name[64];
        env_name(&OPTS[i], name, sizeof(name));
        const char *v = getenv(name);
        if (v == NULL || *v == '\0')
            continue;
        snprintf(src.what, sizeof(src.what), "%s", name);
        if (apply(cfg, &OPTS[i], v, &src, false) != 0)
            return 2;
    }

    bool list_from_flags[N_OPTS] = {false};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config")) {
            i++;
            continue;
        }
        if (!strncmp(argv[i], "--config=", 9))
            continue;
        const char *v;
        bool negated, missing;
        const opt_def *o = match_flag(argv, argc, &i, &v, &negated, &missing);
        if (o == NULL) {
            fprintf(stderr, "isla serve: unknown option '%s' (see isla serve --help)\n", argv[i]);
            return 2;
        }
        snprintf(src.what, sizeof(src.what), "--%s", o->name);
        if (missing)
            return fail(&src, "needs a value");
        if (negated) {
            *(bool *)((char *)cfg + o->off) = false;
            continue;
        }
        if (apply(cfg, o, v, &src, o->type == T_CIDRS && list_from_flags[o - OPTS]) != 0)
            return 2;
        if (o->type == T_CIDRS)
            list_from_flags[o - OPTS] = true;
    }

    /* Checks across options. */
    if (cfg->data_dir == NULL) {
        fputs("isla serve: --data DIR is required (see isla serve --help)\n", stderr);
        return 2;
    }
    if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
        snprintf(src.what, sizeof(src.what), "%s", cfg->tls_cert == NULL ? "--tls-cert" : "--tls-key");
        return fail(&src, "--tls-cert and --tls-key go together");
    }
    const char *files[] = {cfg->tls_cert, cfg->tls_key};
    const char *names[] = {"--tls-cert", "--tls-key"};
    for (int k = 0; k < 2; k++)
        if (files[k] != NULL && access(files[k], R_OK) != 0) {
            snprintf(src.what, sizeof(src.what), "%s", names[k]);
            return fail(&src, "cannot read '%s': %s", files[k], strerror(errno));
        }
    if (cfg->alert_webhook != NULL && strncmp(cfg->alert_webhook, "http://", 7) != 0 &&
        strncmp(cfg->alert_webhook, "https://", 8) != 0) {
        snprintf(src.what, sizeof(src.what), "--alert-webhook");
        return fail(&src, "'%s' is not an http:// or https:// URL", cfg->alert_webhook);
    }
    if (cfg->cursor_key != NULL && strlen(cfg->cursor_key) < CURSOR_KEY_MIN) {
        snprintf(src.what, sizeof(src.what), "--cursor-key");
        return fail(&src, "must be at least %d bytes long", CURSOR_KEY_MIN);
    }
    if (cfg->import_schedule != NULL) {
        unsigned hh, mm;
        char extra;
        snprintf(src.what, sizeof(src.what), "--import-schedule");
        if (strlen(cfg->import_schedule) != 5 || sscanf(cfg->import_schedule, "%2u:%2u%c", &hh, &mm, &extra) != 2 ||
            hh > 23 || mm > 59)
            return fail(&src, "'%s' is not a time of day HH:MM (UTC)", cfg->import_schedule);
        if (cfg->import_offers == NULL || cfg->import_hotels == NULL)
            return fail(&src, "needs --import-offers and --import-hotels");
    }
    if (cfg->rate_per_s > 0 && cfg->rate_burst == 0) {
        /* "100/min" allows a burst of 100 by default. */
        double count = 0;
        const char *e;
        parse_real(cfg->rate_text, &e, &count);
        cfg->rate_burst = count < 1 ? 1 : count;
    }
    if (cfg->rate_per_s > 0 && cfg->rate_burst < 1) {
        snprintf(src.what, sizeof(src.what), "--rate-burst");
        return fail(&src, "must be at least 1 when rate limiting is on");
    }
    return 0;
}

void config_free(server_config *cfg)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (OPTS[i].type == T_STR) {
            char **p = (char **)((char *)cfg + OPTS[i].off);
            free(*p);
            *p = NULL;
        }
    netaddr_list_free(&cfg->trusted_proxies);
    netaddr_list_free(&cfg->cap_exempt);
    free(cfg->config_file);
    cfg->config_file = NULL;
}

/* ---- help --------------------------------------------------------------- */

/* Writes text wrapped at `width` columns, each line indented by `indent`. */
static void wrap(FILE *f, const char *text, int indent, int width)
{
    int col = indent;
    const char *p = text;
    while (*p) {
        const char *w = p;
        while (*w && *w != ' ')
            w++;
        int len = (int)(w - p);
        if (col > indent && col + 1 + len > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, (size_t)len, f);
        col += len;
        p = *w ? w + 1 : w;
    }
    fputc('\n', f);
}

static void config_usage(FILE *f)
{
    fputs("usage: isla serve --data DIR [options]\n"
          "\n"
          "Serves the generation DIR/CURRENT names over HTTP: the API at / and /api/, the\n"
          "web UI, /metrics (Prometheus), /api/stats and /api/stats/stream. Starts even\n"
          "before the first import (/api/health answers 503 until a generation is there).\n"
          "SIGHUP or POST /api/admin/reload loads the newest generation without dropping\n"
          "a request (a broken one is refused and the old one keeps serving); SIGTERM or\n"
          "SIGINT drain requests in flight and exit 0.\n"
          "\n"
          "Every option can also be set as an environment variable (--rate-limit is\n"
          "ISLA_RATE_LIMIT) or in the file --config FILE (or $ISLA_CONFIG) as\n"
          "`rate-limit = 100/min`. A flag wins over the environment, which wins over the\n"
          "file. Sizes take k/M/G (binary); durations ms/s/m/h (a bare number is seconds).\n"
          "Booleans: --gzip / --no-gzip, or true/false in the environment and the file.\n",
          f);
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt_def *o = &OPTS[i];
        if (o->section != NULL)
            fprintf(f, "\n%s:\n", o->section);
        char left[96];
        if (o->type == T_BOOL)
            snprintf(left, sizeof(left), "  --%s, --no-%s", o->name, o->name);
        else
            snprintf(left, sizeof(left), "  --%s %s", o->name, o->metavar);
        char env[64];
        env_name(o, env, sizeof(env));
        fprintf(f, "%-32s %s, default: %s\n", left, env, o->def != NULL ? o->def : "unset");
        fprintf(f, "%*s", 6, "");
        wrap(f, o->help, 6, 80);
    }
    fputs("\nOther:\n"
          "  --config FILE                    ISLA_CONFIG, default: unset\n"
          "      `key = value` lines; `#` starts a comment; keys as the flags without --\n"
          "  --help                           show this help\n",
          f);
}
