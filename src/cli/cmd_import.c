/* `isla import`: parse options, run the import pipeline, print a summary. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "dest/dest.h"
#include "import/import.h"

static void usage(FILE *f)
{
    fputs("usage: isla import --offers FILE|- --hotels FILE --data DIR [options]\n"
          "\n"
          "Imports an offer dump (CSV, any column order, ',' or ';', quoted or not,\n"
          "plain or gzip) into a new generation in DIR and makes it current.\n"
          "A running `isla serve --data DIR` switches to it on SIGHUP.\n"
          "\n"
          "  --offers FILE|-       the offer dump; - reads standard input\n"
          "  --hotels FILE         hotels.csv (hotelid;hotelname;hotelstars)\n"
          "  --data DIR            the data directory (created if missing)\n"
          "  --max-rejects N|none  abort, publishing nothing, after more than N\n"
          "                        rejected rows (default 10000)\n"
          "  --max-shrink PCT|none refuse, publishing nothing, a dump with more than\n"
          "                        PCT percent fewer offers than the served generation\n"
          "                        (default 50; none: no check)\n"
          "  --min-rows N          refuse a dump with fewer than N offers (default 1)\n"
          "  --threads N           parse/build threads (default: one per core)\n"
          "  --destinations L      only offers flying to these destinations (IATA codes\n"
          "                        or names, comma-separated: PMI,IBZ,Kreta): a shard's\n"
          "                        share of one dump; other rows are skipped, not rejected\n"
          "  --quiet               no progress lines\n"
          "\n"
          "Rejected rows are listed with line number and reason in\n"
          "DIR/gen-N/rejects.csv; the summary is in DIR/gen-N/import.json.\n"
          "One import per DIR at a time: a second one exits 1 at once. An input\n"
          "that ends early (truncated gzip, a cut last row) exits 1, publishing\n"
          "nothing.\n",
          f);
}

/* A plain dump is memory-mapped; if another process truncates the file
 * while it is read, touching the vanished pages raises SIGBUS. Nothing has
 * been written at that point (the generation is written after parsing), so
 * say what happened and exit 1 instead of dying with "Bus error". */
static void on_sigbus(int sig)
{
    static const char msg[] = "isla import: the offers file shrank while it was being read (SIGBUS); "
                              "nothing was published. Import a dump only once it is complete.\n";
    (void)sig;
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(1);
}

int cmd_import(int argc, char **argv)
{
    import_options opt = {.max_rejects = 10000, .max_shrink_pct = IMPORT_MAX_SHRINK_DEFAULT, .progress = true};
    const char *v;
    static char dests[64][4];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (arg_value(argc, argv, &i, "--offers", &v)) {
            opt.offers_path = v;
        } else if (arg_value(argc, argv, &i, "--hotels", &v)) {
            opt.hotels_path = v;
        } else if (arg_value(argc, argv, &i, "--data", &v)) {
            opt.data_dir = v;
        } else if (arg_value(argc, argv, &i, "--max-rejects", &v)) {
            opt.max_rejects = !strcmp(v, "none") ? -1 : arg_int("--max-rejects", v, 0, INT64_MAX / 2);
        } else if (arg_value(argc, argv, &i, "--max-shrink", &v)) {
            opt.max_shrink_pct = !strcmp(v, "none") ? 0 : (int)arg_int("--max-shrink", v, 1, 99);
        } else if (arg_value(argc, argv, &i, "--min-rows", &v)) {
            opt.min_offers = (uint64_t)arg_int("--min-rows", v, 1, INT64_MAX / 2);
        } else if (arg_value(argc, argv, &i, "--threads", &v)) {
            opt.threads = (int)arg_int("--threads", v, 1, 256);
        } else if (arg_value(argc, argv, &i, "--destinations", &v)) {
            /* Codes or names, each resolved to the code offers fly to. */
            opt.n_destinations = 0;
            for (const char *p = v;;) {
                const char *comma = strchr(p, ',');
                size_t n = comma ? (size_t)(comma - p) : strlen(p);
                while (n > 0 && *p == ' ')
                    p++, n--;
                while (n > 0 && p[n - 1] == ' ')
                    n--;
                if (n == 0 || !dest_resolve(p, n, dests[opt.n_destinations])) {
                    fprintf(stderr, "isla import: --destinations: '%.*s' is not an IATA code or a known destination "
                            "name (e.g. PMI,IBZ,Kreta)\n", (int)(n > 40 ? 40 : n), p);
                    return 2;
                }
                if (++opt.n_destinations == 64 && comma) {
                    fprintf(stderr, "isla import: --destinations: at most 64\n");
                    return 2;
                }
                if (!comma)
                    break;
                p = comma + 1;
            }
            opt.destinations = (const char (*)[4])dests;
        } else if (!strcmp(argv[i], "--quiet")) {
            opt.progress = false;
        } else {
            fprintf(stderr, "isla import: unknown option '%s' (see isla import --help)\n", argv[i]);
            return 2;
        }
    }
    if (!opt.offers_path || !opt.hotels_path || !opt.data_dir) {
        fprintf(stderr, "isla import: --offers, --hotels and --data are required (see isla import --help)\n");
        return 2;
    }
    signal(SIGBUS, on_sigbus);
    import_result res;
    char err[1024];
    if (import_run(&opt, &res, err, sizeof err) < 0) {
        fprintf(stderr, "isla import: %s\n", err);
        return 1;
    }
    const store_import_stats *s = &res.stats;
    double secs = res.seconds_total;
    fprintf(stderr,
            "isla import: generation %llu published in %s\n"
            "  rows %llu: imported %llu, rejected %llu, duplicates %llu; "
            "rows of unknown hotels %llu (%llu hotels, kept with a placeholder name)\n"
            "  %.2f s (parse %.2f, build %.2f, write %.2f), %.2f M rows/s, %.0f MB/s\n",
            (unsigned long long)res.generation, res.gen_dir, (unsigned long long)s->rows,
            (unsigned long long)s->imported, (unsigned long long)s->rejected, (unsigned long long)s->duplicates,
            (unsigned long long)s->unknown_hotel_rows, (unsigned long long)res.hotels_unknown, secs,
            res.seconds_parse, res.seconds_build, res.seconds_write,
            secs > 0 ? (double)s->rows / secs / 1e6 : 0.0, secs > 0 ? (double)s->bytes / secs / 1e6 : 0.0);
    if (opt.n_destinations > 0)
        fprintf(stderr, "  rows of other destinations skipped: %llu\n",
                (unsigned long long)res.skipped_other_destinations);
    if (s->rejected || s->duplicates)
        fprintf(stderr, "  rejected and duplicate rows: %s/rejects.csv\n", res.gen_dir);
    return 0;
}
