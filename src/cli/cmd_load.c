/* `isla load PLAN.yml`: runs a load-test plan (src/load/) and reports.
 *
 * Exit codes: 0 every threshold holds (with no thresholds: no transport
 * error), 1 a threshold failed (or transport errors with no thresholds),
 * 2 bad plan or bad usage. --find-max steps an open rate up with the plan's
 * scenarios until a threshold (or the generator) breaks and prints the
 * highest rate that held. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "load/load.h"

static void usage(FILE *f)
{
    fputs("usage: isla load PLAN.yml [--target URL] [--time-scale F] [--report FILE.json]\n"
          "                 [--html FILE.html] [--quiet] [--connections N] [--timeout S] [--seed N]\n"
          "       isla load PLAN.yml --find-max [--start-rate R] [--step-duration S] [--max-rate R]\n"
          "\n"
          "Runs a load-test plan (Artillery's YAML: config.target, phases, payload,\n"
          "defaults.headers, ensure, scenarios with weighted flows; k6's stages and\n"
          "thresholds) against any HTTP/1.1 service. Open loop: requests go when the\n"
          "schedule says, and latency counts from that moment (coordinated-omission\n"
          "corrected); the service time is reported beside it.\n"
          "\n"
          "  --target URL        http://host:port, overrides config.target\n"
          "  --time-scale F      multiply every phase's duration and think time (0.02:\n"
          "                      a 9-minute plan in ~11 s); rates stay as planned\n"
          "  --report FILE       write everything as JSON (per second, per phase, per\n"
          "                      scenario and request, status codes, errors, thresholds)\n"
          "  --html FILE         write a self-contained HTML report with charts\n"
          "  --quiet             no progress line per second on stderr\n"
          "  --connections N     connection pool size (default config.http.pool, else 1000)\n"
          "  --timeout S         connect+response timeout in seconds (default\n"
          "                      config.http.timeout, else 10)\n"
          "  --seed N            seed of scenario and payload choices (default 1)\n"
          "  --find-max          step the rate up (x2, then bisect) with the plan's\n"
          "                      scenarios until p99 or the error rate breaks the plan's\n"
          "                      thresholds (default p99 < 100 ms, errors < 1%) or the\n"
          "                      achieved rate falls 2% short; prints the highest rate held\n"
          "  --start-rate R      first rate of --find-max (default 500/s)\n"
          "  --step-duration S   seconds per step of --find-max (default 10, times --time-scale)\n"
          "  --max-rate R        stop --find-max here (default 1000000/s)\n"
          "\n"
          "Payload CSVs of realistic isla searches: isla bench --data DIR --emit FILE.csv.\n"
          "Exit: 0 thresholds hold, 1 a threshold failed (no thresholds: any transport\n"
          "error), 2 bad plan or usage.\n",
          f);
}

static double arg_double(const char *opt, const char *v, double lo, double hi)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (!*v || *end || errno || !isfinite(d) || d < lo || d > hi) {
        fprintf(stderr, "isla load: %s: expected a number from %g to %g, got '%s'\n", opt, lo, hi, v);
        exit(2);
    }
    return d;
}

static int write_file(const char *path, const load_result *r, int html)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "isla load: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = html ? load_report_html(r, f) : load_report_json(r, f);
    if (fclose(f) || rc) {
        fprintf(stderr, "isla load: writing %s failed\n", path);
        return -1;
    }
    return 0;
}

/* One step of --find-max: does the rate hold? */
static int step_holds(const load_plan_t *plan, const load_result *r, double rate, const load_threshold *defaults,
                      int ndefaults, char *why, size_t cap)
{
    double achieved = r->phase_run[0].started / (r->phases[0].duration * r->time_scale);
    if (achieved < rate * 0.98 || r->generator_behind) {
        snprintf(why, cap, "generator fell behind (achieved %.0f/s)", achieved);
        return 0;
    }
    const load_threshold *th = plan->nthresholds ? plan->thresholds : defaults;
    int n = plan->nthresholds ? plan->nthresholds : ndefaults;
    for (int i = 0; i < n; i++) {
        double v;
        if (!load_threshold_check(&th[i], &r->total, &v)) {
            if (th[i].metric == TH_ERROR_RATE)
                snprintf(why, cap, "broke '%s' (%.3f%%)", th[i].text, v * 100);
            else
                snprintf(why, cap, "broke '%s' (%.3f ms)", th[i].text, v / 1e6);
            return 0;
        }
    }
    snprintf(why, cap, "held");
    return 1;
}

static int find_max(const load_plan_t *plan, load_options *o, double start, double step_s, double max_rate)
{
    static const load_threshold defaults[] = {
        {"p99 < 100 ms", TH_LATENCY, TH_PCT, 99, TH_LT, 100e6},
        {"error rate < 1%", TH_ERROR_RATE, TH_MEAN, 0, TH_LT, 0.01},
    };
    double best = 0, fail = 0, rate = start;
    FILE *progress = o->progress;
    o->progress = NULL;
    printf("find-max: %s -> %s, %.1f s per step\n", plan->file, o->target ? o->target : plan->target,
           step_s * o->time_scale);
    printf("%12s %12s %10s %10s %10s  %s\n", "rate/s", "achieved/s", "p50 ms", "p99 ms", "err%", "verdict");
    load_result *best_r = NULL;
    for (int stepn = 0; stepn < 24; stepn++) {
        load_phase ph = {.name = "find-max", .kind = PHASE_OPEN, .duration = step_s, .rate = rate, .rate_to = rate};
        char err[512];
        load_result *r = load_run(plan, &ph, 1, o, err, sizeof err);
        if (!r) {
            fprintf(stderr, "isla load: %s\n", err);
            return 2;
        }
        char why[160];
        int ok = step_holds(plan, r, rate, defaults, 2, why, sizeof why);
        double d = ph.duration * o->time_scale;
        printf("%12.0f %12.1f %10.3f %10.3f %10.3f  %s\n", rate, r->phase_run[0].started / d,
               hist_percentile(&r->total.latency, 50) / 1e6, hist_percentile(&r->total.latency, 99) / 1e6,
               load_error_rate(&r->total) * 100, why);
        fflush(stdout);
        if (progress)
            fprintf(progress, "find-max: %.0f/s %s\n", rate, why);
        if (ok) {
            best = rate;
            load_result_free(best_r);
            best_r = r;
        } else {
            fail = rate;
            load_result_free(r);
        }
        if (!fail) {
            if (rate >= max_rate)
                break;
            rate = fmin(rate * 2, max_rate);
        } else {
            if (!best || fail - best <= fmax(best * 0.05, 1))
                break;
            rate = floor((best + fail) / 2);
        }
    }
    o->progress = progress;
    if (!best) {
        printf("highest sustainable rate: none (%.0f/s already broke)\n", start);
        return 1;
    }
    printf("highest sustainable rate: %.0f requests/s (p99 %.3f ms)%s\n", best,
           hist_percentile(&best_r->total.latency, 99) / 1e6, fail ? "" : " (the --max-rate cap)");
    load_result_free(best_r);
    return 0;
}

int cmd_load(int argc, char **argv)
{
    const char *plan_path = NULL, *report = NULL, *html = NULL, *v;
    load_options o = {.time_scale = 1, .progress = stderr, .seed = 1};
    int findmax = 0;
    double start_rate = 500, step_s = 10, max_rate = 1e6;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (arg_value(argc, argv, &i, "--target", &v)) {
            o.target = v;
        } else if (arg_value(argc, argv, &i, "--time-scale", &v)) {
            o.time_scale = arg_double("--time-scale", v, 1e-4, 1e4);
        } else if (arg_value(argc, argv, &i, "--report", &v)) {
            report = v;
        } else if (arg_value(argc, argv, &i, "--html", &v)) {
            html = v;
        } else if (!strcmp(argv[i], "--quiet")) {
            o.progress = NULL;
        } else if (arg_value(argc, argv, &i, "--connections", &v)) {
            o.connections = (int)arg_int("--connections", v, 1, 100000);
        } else if (arg_value(argc, argv, &i, "--timeout", &v)) {
            o.timeout = arg_double("--timeout", v, 0.001, 3600);
        } else if (arg_value(argc, argv, &i, "--seed", &v)) {
            o.seed = (uint64_t)arg_int("--seed", v, 0, INT64_MAX);
        } else if (!strcmp(argv[i], "--find-max")) {
            findmax = 1;
        } else if (arg_value(argc, argv, &i, "--start-rate", &v)) {
            start_rate = arg_double("--start-rate", v, 1, 1e7);
        } else if (arg_value(argc, argv, &i, "--step-duration", &v)) {
            step_s = arg_double("--step-duration", v, 0.1, 3600);
        } else if (arg_value(argc, argv, &i, "--max-rate", &v)) {
            max_rate = arg_double("--max-rate", v, 1, 1e7);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "isla load: unknown option '%s' (see isla load --help)\n", argv[i]);
            return 2;
        } else if (!plan_path) {
            plan_path = argv[i];
        } else {
            fprintf(stderr, "isla load: one plan at a time ('%s' and '%s')\n", plan_path, argv[i]);
            return 2;
        }
    }
    if (!plan_path) {
        usage(stderr);
        return 2;
    }
    char err[1024];
    load_plan_t *plan = plan_load(plan_path, stderr, err, sizeof err);
    if (!plan) {
        fprintf(stderr, "isla load: %s\n", err);
        return 2;
    }
    if (!o.target && !plan->target) {
        fprintf(stderr, "isla load: %s: no config.target; pass --target http://host:port\n", plan_path);
        plan_free(plan);
        return 2;
    }
    if (findmax) {
        int rc = find_max(plan, &o, start_rate, step_s, max_rate);
        plan_free(plan);
        return rc;
    }
    load_result *r = load_run(plan, NULL, 0, &o, err, sizeof err);
    if (!r) {
        fprintf(stderr, "isla load: %s\n", err);
        plan_free(plan);
        return 2;
    }
    load_report_summary(r, stdout);
    fflush(stdout);
    if (r->generator_behind)
        fprintf(stderr, "isla load: WARNING: the generator ran behind the plan by up to %.1f ms (see the summary)\n",
                r->lateness.max / 1e6);
    int rc = plan->nthresholds ? (r->thresholds_ok ? 0 : 1) : (r->total.nerrors ? 1 : 0);
    if (report && write_file(report, r, 0) < 0)
        rc = rc ? rc : 1;
    if (html && write_file(html, r, 1) < 0)
        rc = rc ? rc : 1;
    load_result_free(r);
    plan_free(plan);
    return rc;
}
