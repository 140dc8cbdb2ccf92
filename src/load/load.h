/* isla load: an HTTP/1.1 load generator that tells the truth at any rate.
 *
 * The library is a client; it knows nothing of isla's server and drives any
 * HTTP/1.1 service. Its parts, one file each:
 *   plan.c    the YAML plan (Artillery's format, k6's stages and thresholds)
 *   sched.c   when arrivals happen: open-loop rates and ramps, closed-model
 *             virtual users per stage
 *   engine.c  the event loop (h2o's evloop): keep-alive connection pool,
 *             HTTP/1.1 framing, timeouts, error classes, virtual users
 *   hist.c    fixed-memory log-linear latency histograms
 *   report.c  the summary table, --report JSON and the --html page
 *
 * Contract:
 * - Open loop by default: an arrival is started when the schedule says,
 *   whatever earlier requests are doing. A request's latency counts from
 *   the time it *should* have been sent (the arrival, or the end of the
 *   previous step of its flow, or the end of a think): the
 *   coordinated-omission corrected latency. Waiting for a free connection
 *   counts. The service time (from the moment the request's first byte was
 *   written) is reported beside it.
 * - The generator measures its own lateness (now - scheduled time when an
 *   arrival is started) and says so when it runs behind instead of quietly
 *   sending less: the run's result carries it and a warning is printed.
 * - Memory is fixed per statistic (histograms), plus one small record per
 *   second of run time for the time series.
 * - Thresholds are evaluated on the corrected latency and on the error rate
 *   (transport errors and responses with status >= 400, over all requests).
 * - Nothing blocks forever: connect and response timeouts apply to every
 *   request, and after the last phase the run waits at most one timeout for
 *   the requests in flight. */
#ifndef ISLA_LOAD_H
#define ISLA_LOAD_H

#include <stdint.h>
#include <stdio.h>

#include "load/hist.h"
#include "load/plan.h"

typedef enum {
    ERR_CONNECT_REFUSED, /* connect(): ECONNREFUSED */
    ERR_CONNECT,         /* connect(): any other failure */
    ERR_TIMEOUT,         /* no complete response within the timeout */
    ERR_RESET,           /* ECONNRESET / EPIPE / other I/O error */
    ERR_CLOSED,          /* the server closed before a complete response */
    ERR_BAD_RESPONSE,    /* not HTTP/1.x, or malformed framing */
    ERR_CLASSES
} load_err;
extern const char *const load_err_name[ERR_CLASSES];

typedef struct {
    hist_t latency;              /* corrected, ns */
    hist_t service;              /* uncorrected, ns */
    uint64_t requests;           /* complete responses */
    uint64_t failed;             /* responses with status >= 400 */
    uint64_t errors[ERR_CLASSES];
    uint64_t nerrors;            /* sum of errors[] */
    uint64_t bytes_in, bytes_out;
} load_stats;

/* One second of the run. */
typedef struct {
    double t;                    /* seconds since the start, end of the second */
    int phase;                   /* phase index at the end of the second */
    double target;               /* open: arrivals/s planned; closed: VUs */
    uint64_t arrivals;           /* virtual users started */
    uint64_t sent;               /* requests written */
    uint64_t requests;           /* responses */
    uint64_t errors, failed;
    uint64_t inflight;
    uint64_t p50, p90, p99, max; /* corrected latency of this second, ns */
    uint64_t svc_p99;            /* service time p99 of this second */
    uint64_t late_max;           /* generator lateness, ns */
} load_second;

typedef struct {
    double start, end;           /* seconds since the run's start */
    uint64_t planned;            /* arrivals the schedule had */
    uint64_t started;            /* arrivals started */
    uint64_t late_max;           /* worst lateness of an arrival, ns */
} load_phase_run;

typedef struct {
    int pass;                    /* 1: holds */
    double actual;               /* ns (latency) or fraction (error rate) */
} load_threshold_result;

typedef struct {
    const load_plan_t *plan;
    int nphases;
    const load_phase *phases;    /* the phases actually run */
    double time_scale;
    char target[256];
    double duration;             /* seconds, start to last response */
    load_stats total;
    load_stats *phase;           /* [nphases], by the phase of the arrival */
    load_phase_run *phase_run;   /* [nphases] */
    load_stats *scenario;        /* [plan->nscenarios] */
    uint64_t *scenario_vus;      /* [plan->nscenarios]: virtual users started */
    load_stats *name;            /* [plan->nnames] */
    uint64_t status[600];
    uint64_t vus_started, vus_completed, vus_failed, vus_unfinished;
    uint64_t requests_sent;
    hist_t lateness;             /* generator lateness of every arrival, ns */
    uint64_t late_arrivals;      /* started more than 1 ms after their time */
    int generator_behind;        /* lateness was bad enough to warn */
    int nseconds;
    load_second *seconds;
    load_threshold_result *thresholds; /* [plan->nthresholds] */
    int thresholds_ok;
    /* the first second in which a threshold broke (latency percentiles and
     * error rate of that second alone): the breaking point of a ramp */
    int broke;
    double broke_t, broke_target;
    int broke_threshold;
    int broke_phase;
} load_result;

typedef struct {
    const char *target;          /* overrides the plan's, may be NULL */
    double time_scale;           /* multiplies durations and think times (1) */
    int connections;             /* pool size; 0: the plan's, else 1000 */
    double timeout;              /* seconds; 0: the plan's, else 10 */
    FILE *progress;              /* one line per second; NULL: silent */
    uint64_t seed;
} load_options;

/* Runs the plan (or, if phases is not NULL, these phases with the plan's
 * scenarios, payloads and thresholds). NULL with err set when the run could
 * not start (bad target, no event loop). */
load_result *load_run(const load_plan_t *plan, const load_phase *phases, int nphases, const load_options *o, char *err,
                      size_t errcap);
void load_result_free(load_result *r);

/* Evaluates one threshold against a set of statistics. */
int load_threshold_check(const load_threshold *t, const load_stats *s, double *actual);
/* Error rate of a set: (errors + failed) / (requests + errors). */
double load_error_rate(const load_stats *s);

/* Output (report.c). */
void load_report_summary(const load_result *r, FILE *f);
int load_report_json(const load_result *r, FILE *f);
int load_report_html(const load_result *r, FILE *f);

#endif
