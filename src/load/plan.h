/* Load-test plans: Artillery's YAML format, plus k6's closed model and
 * threshold syntax in the same file.
 *
 * plan_load() reads a YAML file (libyaml) into a load_plan_t that the
 * engine runs without looking at YAML again: phases as a list of open
 * (arrival-rate), pause and closed (virtual-user) segments; scenarios with
 * weights and flows of requests whose URL, query, headers and JSON body are
 * pre-split templates over the payload's fields; thresholds as comparisons
 * on one statistic. Payload CSV files are read here, relative to the plan.
 *
 * Contract: every invalid value is an error that names the file, the line
 * and the column (1-based) of the offending YAML node and what was expected;
 * keys this reader does not know are warnings (written to `warn`, if not
 * NULL) that name the key and its line, and are otherwise ignored. All of a
 * plan's memory belongs to it and goes with plan_free(). Nothing here knows
 * what the target is; it may be any HTTP/1.1 service. */
#ifndef ISLA_LOAD_PLAN_H
#define ISLA_LOAD_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct plan_arena plan_arena;

/* A string with {{ field }} holes. A segment is literal text (var < 0) or
 * the value of payload variable `var`, escaped by the template's `esc`. */
typedef enum { ESC_NONE, ESC_URL, ESC_JSON } tpl_escape;
typedef struct {
    const char *lit;
    size_t len;
    int var;
} tpl_seg;
typedef struct {
    tpl_seg *segs;
    int n;
    tpl_escape esc;
} load_tpl;

typedef struct {
    const char *name;
    load_tpl value;
} load_header;

typedef struct {
    const char *method;    /* GET, POST, PUT, DELETE */
    int name_id;           /* index into plan->names: per-request statistics */
    load_tpl url;          /* path (and query) or an absolute URL on the target */
    int nqs;
    const char **qs_keys;  /* URL-encoded already */
    load_tpl *qs_values;   /* URL-encoded at substitution */
    int nheaders;
    load_header *headers;
    int has_body;
    load_tpl body;         /* `json:` serialised, strings JSON-escaped */
    const char *content_type;
} load_request;

typedef enum { STEP_REQUEST, STEP_THINK, STEP_LOOP } step_kind;
typedef struct load_step {
    step_kind kind;
    load_request req;       /* STEP_REQUEST */
    double think;           /* STEP_THINK: seconds */
    int loop_count;         /* STEP_LOOP */
    int nsteps;
    struct load_step *steps;
} load_step;

typedef struct {
    const char *name;
    double weight;
    int nsteps;
    load_step *steps;
} load_scenario;

typedef struct {
    const char *path;       /* as resolved against the plan's directory */
    int nfields;
    int *field_var;         /* payload column -> plan variable */
    int random;             /* order: random (default) or sequence */
    size_t rows;
    const char **cells;     /* rows * nfields */
} load_payload;

typedef enum { PHASE_OPEN, PHASE_PAUSE, PHASE_CLOSED } phase_kind;
typedef struct {
    const char *name;
    phase_kind kind;
    double duration;        /* seconds, before --time-scale */
    double rate, rate_to;   /* PHASE_OPEN: arrivals/s at start and end */
    double vus, vus_to;     /* PHASE_CLOSED: virtual users at start and end */
    int line;
} load_phase;

typedef enum { TH_LATENCY, TH_ERROR_RATE } th_metric;
typedef enum { TH_PCT, TH_MEAN, TH_MIN, TH_MAX } th_stat;
typedef enum { TH_LT, TH_LE, TH_GT, TH_GE } th_op;
typedef struct {
    const char *text;       /* as written, for reports */
    th_metric metric;
    th_stat stat;
    double pct;             /* TH_PCT */
    th_op op;
    double value;           /* latency: ns; error rate: fraction 0..1 */
} load_threshold;

typedef struct {
    const char *file;
    const char *target;     /* scheme://host[:port], may be NULL until --target */
    int nphases;
    load_phase *phases;
    int npayloads;
    load_payload *payloads;
    int nvars;
    const char **vars;      /* payload field names */
    int nheaders;
    load_header *headers;   /* config.defaults.headers */
    int nscenarios;
    load_scenario *scenarios;
    int nthresholds;
    load_threshold *thresholds;
    int nnames;
    const char **names;     /* request names (`name:` or "METHOD url") */
    int pool;               /* config.http.pool: connections at most (0 = default) */
    double timeout;         /* config.http.timeout: seconds (0 = default) */
    plan_arena *arena;
} load_plan_t;

/* Parses the plan file. NULL on error with the message in err. */
load_plan_t *plan_load(const char *path, FILE *warn, char *err, size_t errcap);
/* The same from memory; `file` names it in messages, `dir` is where payload
 * paths are relative to (NULL: payloads are refused). For the fuzzer. */
load_plan_t *plan_parse(const char *file, const char *dir, const char *text, size_t len, FILE *warn, char *err,
                        size_t errcap);
void plan_free(load_plan_t *p);

/* Parses a duration: a number of seconds, or number+unit sequences with
 * units ms, s, m, h ("90", "1.5s", "5m", "1m30s"). -1 if invalid. */
double plan_duration(const char *s);

#endif
