/* isla pull URL --data DIR: one replica pull from a builder (cluster/ship.h)
 * without serving: fetch the manifest, and if the builder's generation is
 * newer, download it (resuming what an earlier attempt left), verify every
 * checksum and publish it. A running `isla serve --data DIR` picks it up on
 * SIGHUP or POST /api/admin/reload. Exit 0: pulled or already up to date;
 * 1: failed after the retries; 2: bad usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cluster/ship.h"

static void usage(FILE *f)
{
    fputs("usage: isla pull URL --data DIR [--token TOKEN] [--retries N]\n"
          "\n"
          "Downloads the generation the builder at URL serves (GET URL/api/admin/generations,\n"
          "authenticated with its admin token) into DIR if it is newer than DIR's, verifies\n"
          "every file's SHA-256 and every section's CRC, and publishes it under the builder's\n"
          "generation number. A failed or corrupted download is retried (default 3 times,\n"
          "1 s apart, doubling); nothing unverified is published.\n"
          "\n"
          "  --token TOKEN   the builder's admin token (default: ISLA_FOLLOW_TOKEN, then\n"
          "                  ISLA_ADMIN_TOKEN)\n",
          f);
}

int cmd_pull(int argc, char **argv)
{
    const char *url = NULL, *data = NULL, *token = NULL, *v;
    int64_t retries = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (arg_value(argc, argv, &i, "--data", &v)) {
            data = v;
        } else if (arg_value(argc, argv, &i, "--token", &v)) {
            token = v;
        } else if (arg_value(argc, argv, &i, "--retries", &v)) {
            retries = arg_int("--retries", v, 0, 100);
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "isla pull: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else if (url == NULL) {
            url = argv[i];
        } else {
            fprintf(stderr, "isla pull: one URL only ('%s' is a second one)\n", argv[i]);
            return 2;
        }
    }
    if (url == NULL || data == NULL) {
        fprintf(stderr, "isla pull: %s is required\n", url == NULL ? "URL" : "--data");
        usage(stderr);
        return 2;
    }
    if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
        fprintf(stderr, "isla pull: URL must start with http:// or https://, got '%s'\n", url);
        return 2;
    }
    if (token == NULL)
        token = getenv("ISLA_FOLLOW_TOKEN");
    if (token == NULL)
        token = getenv("ISLA_ADMIN_TOKEN");
    /* A trailing slash would double the one of the API path. */
    char base[1024];
    snprintf(base, sizeof base, "%s", url);
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        base[--n] = '\0';
    ship_options o = {.url = base, .token = token, .data_dir = data, .interval_ms = 60000};
    unsigned delay_ms = 1000, busy_waits = 0;
    for (int64_t attempt = 0;; attempt++) {
        char err[1024] = "";
        uint64_t gen = 0;
        pull_result r = ship_pull_once(&o, &gen, err, sizeof err);
        if (r == PULL_NEW) {
            printf("pulled generation %llu into %s\n", (unsigned long long)gen, data);
            return 0;
        }
        if (r == PULL_BUSY) {
            /* Other replicas are downloading: wait our turn (not a retry). */
            if (busy_waits++ == 0)
                fprintf(stderr, "isla pull: %s; waiting for a shipping slot\n", err);
            if (busy_waits > 1800) {
                fprintf(stderr, "isla pull: no shipping slot after 30 minutes\n");
                return 1;
            }
            struct timespec one = {1, 0};
            nanosleep(&one, NULL);
            attempt--;
            continue;
        }
        if (r == PULL_UP_TO_DATE) {
            printf("up to date: %s has generation %llu or newer\n", data, (unsigned long long)gen);
            return 0;
        }
        fprintf(stderr, "isla pull: %s\n", err);
        if (attempt >= retries)
            return 1;
        struct timespec ts = {delay_ms / 1000, (long)(delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        delay_ms *= 2;
    }
}
