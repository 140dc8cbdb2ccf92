/* `isla jobs list|show|retry`: the background jobs of a data directory
 * (jobs/jobs.h), read and changed in DIR/jobs.db directly, so they work
 * whether or not a server runs; a running server picks a retried job up
 * within a second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "jobs/jobs.h"
#include "util/clock.h"

static void usage(FILE *f)
{
    fputs("usage: isla jobs list  --data DIR [--status S] [--kind K] [--limit N]\n"
          "       isla jobs show  --data DIR --id N\n"
          "       isla jobs retry --data DIR --id N\n"
          "\n"
          "Background jobs of the server on DIR (DIR/jobs.db): imports, exports,\n"
          "webhook deliveries and schedules. States: queued, running, retrying,\n"
          "done, dead, cancelled. show prints the job as JSON; retry queues a\n"
          "dead or cancelled job again with fresh attempts.\n",
          f);
}

int cmd_jobs(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1], *data = NULL, *status = NULL, *kind = NULL, *v;
    int64_t id = 0, limit = 50;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (arg_value(argc, argv, &i, "--data", &v)) {
            data = v;
        } else if (arg_value(argc, argv, &i, "--status", &v)) {
            status = v;
        } else if (arg_value(argc, argv, &i, "--kind", &v)) {
            kind = v;
        } else if (arg_value(argc, argv, &i, "--id", &v)) {
            id = arg_int("--id", v, 1, INT64_MAX / 2);
        } else if (arg_value(argc, argv, &i, "--limit", &v)) {
            limit = arg_int("--limit", v, 1, 100000);
        } else {
            fprintf(stderr, "isla jobs: unknown option '%s' (see isla jobs --help)\n", argv[i]);
            return 2;
        }
    }
    bool list = !strcmp(sub, "list"), show = !strcmp(sub, "show"), retry = !strcmp(sub, "retry");
    if (!list && !show && !retry) {
        fprintf(stderr, "isla jobs: unknown command '%s' (list, show or retry)\n", sub);
        return 2;
    }
    if (data == NULL) {
        fprintf(stderr, "isla jobs %s: --data is required\n", sub);
        return 2;
    }
    if (!list && id == 0) {
        fprintf(stderr, "isla jobs %s: --id is required\n", sub);
        return 2;
    }
    job_status st;
    if (status != NULL && !job_status_parse(status, &st)) {
        fprintf(stderr, "isla jobs list: --status '%s': one of queued, running, retrying, done, dead, cancelled\n",
                status);
        return 2;
    }
    char err[1024];
    jobs_db *db = jobs_db_open(data, err, sizeof err);
    if (db == NULL) {
        fprintf(stderr, "isla jobs: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (list) {
        job *j;
        size_t n;
        if (jobs_list(db, status, kind, (unsigned)limit, &j, &n, err, sizeof err) != 0) {
            fprintf(stderr, "isla jobs list: %s\n", err);
            rc = 1;
        } else {
            printf("%-6s %-9s %-10s %-9s %-9s %s\n", "ID", "KIND", "STATUS", "ATTEMPTS", "PROGRESS", "ERROR");
            for (size_t i = 0; i < n; i++) {
                char att[24], prog[24];
                snprintf(att, sizeof att, "%u/%u", j[i].attempts, j[i].max_attempts);
                if (j[i].status == JOB_DONE)
                    snprintf(prog, sizeof prog, "100%%");
                else if (j[i].percent >= 0)
                    snprintf(prog, sizeof prog, "%.0f%%", j[i].percent);
                else
                    snprintf(prog, sizeof prog, "-");
                printf("%-6lld %-9s %-10s %-9s %-9s %s\n", (long long)j[i].id, j[i].kind,
                       job_status_name(j[i].status), att, prog, j[i].error ? j[i].error : "");
                job_free(&j[i]);
            }
            free(j);
        }
    } else if (show) {
        job j;
        int g = jobs_get(db, id, &j, err, sizeof err);
        if (g == 1) {
            buf_t b = {0};
            job_to_json(&j, &b);
            printf("%.*s\n", (int)b.len, b.data);
            buf_free(&b);
            job_free(&j);
        } else {
            fprintf(stderr, "isla jobs show: %s\n", g == 0 ? "no such job" : err);
            rc = g == 0 ? 2 : 1;
        }
    } else {
        int r = jobs_retry(db, id, (int64_t)clock_unix_ms(), err, sizeof err);
        if (r == 0) {
            fprintf(stderr, "isla jobs: job %lld queued again\n", (long long)id);
        } else {
            fprintf(stderr, "isla jobs retry: %s\n",
                    r == 1 ? "no such job" : r == 2 ? strcat(err, ": only dead or cancelled jobs can be retried") : err);
            rc = r < 0 ? 1 : 2;
        }
    }
    jobs_db_close(db);
    return rc;
}
