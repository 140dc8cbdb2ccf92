/* `isla bench`: engine figures, in-process, single-threaded per search.
 *
 * Times the search alone (query + ordering, no JSON) per class of the
 * mix, then hotel offers (first page and a deep page by cursor), JSON
 * encoding throughput, and searches/s with all cores. Medians and tails
 * are what to compare between runs; the machine is shared and noisy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "api/nlq_query.h"
#include "api/render.h"
#include "bench/mix.h"
#include "cli/args.h"
#include "cli/cli.h"
#include "query/order.h"
#include "query/query.h"
#include "util/clock.h"
#include "util/parallel.h"

/* Sentences for the nlq-parse class: German and English, typos, hotel
 * names, holidays, prices per person; short and long. */
static const char *const BENCH_SENTENCES[] = {
    "zwei Erwachsene und ein Kind, eine Woche im Juli ab München, all inclusive, Meerblick",
    "2 adults 1 child 10 days in August from Frankfurt or Düsseldorf, half board, sea view",
    "Familie mit 2 Kindern, 2 Wochen Sommerferien NRW ab NRW, Halbpension",
    "vom 3. bis 17. Juli zu zweit ab Stuttgart, max 800 pro Person",
    "15.07.–29.07. allein ab Köln, Frühstück, mindestens 4*",
    "July 3-17 for two from Munich, under 1500 €",
    "Iberostar Alcudia Park im Juli",
    "hotel with pool",
    "ohne Verpflegung, kein Meerblick, Herbstferien",
    "Ostern, 8 Tage, 4 Sterne, bis 2000 Euro",
    "zwei Erwachsne, eine Wochee im Juli ab Münchn",
    "Halbpensoin mit Meerbick",
    "Mallorca",
    "2 Erw 1 Kind 7 Nächte Juli MUC AI",
    "Looking for a family holiday: 2 adults, 3 kids, 2 weeks in August from Hamburg, all inclusive, family room",
    "Hallo, wir sind zu zweit und möchten im Juli eine Woche nach Mallorca, ab Köln, Halbpension, Meerblick",
};
#define N_BENCH_SENTENCES (sizeof BENCH_SENTENCES / sizeof *BENCH_SENTENCES)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, double *t, size_t n, double results)
{
    qsort(t, n, sizeof *t, cmp_double);
    printf("%-17s %8zu %9.1f %9.1f %9.1f %9.1f %12.1f\n", name, n, t[n / 2], t[n * 9 / 10], t[n * 99 / 100],
           t[n - 1], results / (double)n);
}

typedef struct {
    const store_t *s;
    uint64_t seed;
    double seconds;
    uint64_t done[256];
    double cpu_s[256]; /* CPU time each thread got (RUSAGE_THREAD) */
} throughput_ctx;

static double thread_cpu_s(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void throughput_worker(void *arg, int t)
{
    throughput_ctx *c = arg;
    hotel_best_vec v = {0};
    search_t q;
    double end = ((double)clock_mono_ns() / 1e3) + c->seconds * 1e6;
    double cpu0 = thread_cpu_s();
    uint64_t i = 0;
    while (((double)clock_mono_ns() / 1e3) < end) {
        for (int k = 0; k < 16; k++, i++) {
            mix_search(c->s, (mix_class)(i % MIX_BASE_CLASSES), c->seed + 1000 + (uint64_t)t, i, &q);
            query_best_offers(c->s, &q, &v);
            query_sort_best(c->s, v.items, v.len, SORT_PRICE);
        }
    }
    c->done[t] = i;
    c->cpu_s[t] = thread_cpu_s() - cpu0;
    hotel_best_vec_free(&v);
    query_thread_done(); /* this thread ends: its search scratch goes too */
}

/* One emitted request: `class TAB path` lines, or CSV rows `class,path`
 * (a payload for `isla load`; the path quoted when it has a comma). */
static void emit_line(FILE *f, int csv, const char *cls, const char *path)
{
    if (!csv) {
        fprintf(f, "%s\t%s\n", cls, path);
        return;
    }
    fprintf(f, "%s,", cls);
    if (!strpbrk(path, ",\"\r\n")) {
        fprintf(f, "%s\n", path);
        return;
    }
    fputc('"', f);
    for (const char *c = path; *c; c++) {
        if (*c == '"')
            fputc('"', f);
        fputc(*c, f);
    }
    fputs("\"\n", f);
}

/* The same searches the timed run uses, as API requests: every
 * bestOffersByHotel class (over every destination, in one destination,
 * any length of stay), then hotel offers, first page. */
static int emit_mix(store_t *s, const char *path, int csv, uint64_t seed, size_t n)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
    if (!f) {
        perror(path);
        store_release(s);
        return 1;
    }
    char line[2200];
    if (csv)
        fputs("class,path\n", f);
    char qs[2048];
    search_t q;
    hotel_best_vec res = {0};
    for (int c = 0; c < MIX_CLASSES; c++)
        for (size_t i = 0; i < n; i++) {
            mix_search(s, (mix_class)c, seed, i, &q);
            mix_query_string(s, &q, qs, sizeof qs);
            snprintf(line, sizeof line, "/bestOffersByHotel?%s", qs);
            emit_line(f, csv, mix_class_name[c], line);
        }
    for (size_t i = 0, m = 0; m < n && i < n * 20; i++) {
        mix_search(s, MIX_BROAD, seed + 7, i, &q);
        query_best_offers(s, &q, &res);
        if (!res.len)
            continue;
        mix_query_string(s, &q, qs, sizeof qs);
        snprintf(line, sizeof line, "/hotels/%u/offers?%s&limit=20", s->hotels[res.items[i % res.len].hotel].id, qs);
        emit_line(f, csv, "hotel-first20", line);
        m++;
    }
    hotel_best_vec_free(&res);
    int rc = f != stdout ? fclose(f) : fflush(f);
    store_release(s);
    return rc ? 1 : 0;
}

int cmd_bench(int argc, char **argv)
{
    const char *data = NULL, *emit = NULL, *emit_format = NULL, *v;
    int64_t n = 1000, seed = 1;
    /* thread counts of the throughput runs, one line each (--threads 1,2) */
    int64_t threads[8] = {sysconf(_SC_NPROCESSORS_ONLN)};
    int n_threads = 1;
    double seconds = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            puts("usage: isla bench --data DIR [--searches N] [--seed S] [--threads N[,N...]] [--seconds S]\n"
                 "\n"
                 "Runs a deterministic search mix against the current generation in DIR,\n"
                 "in-process: per class (narrow, typical, broad, filtered over every\n"
                 "destination; dest-narrow, dest-typical in the destination of a drawn\n"
                 "offer; no-duration: any length of stay; hotel offers with a search and\n"
                 "with none, first and deep page) the latency percentiles of the search\n"
                 "alone (no JSON, no HTTP), then\n"
                 "JSON encoding speed and searches/s using N threads.\n"
                 "\n"
                 "  --searches N  searches per class (default 1000)\n"
                 "  --seed S      seed of the mix (default 1)\n"
                 "  --threads N   threads for the throughput run (default: cores); a list\n"
                 "                (1,2) runs it once per count, one line each, to compare\n"
                 "  --seconds S   length of the throughput run (default 3)\n"
                 "  --emit FILE   write the mix as API requests (class TAB path?query per\n"
                 "                line; every bestOffersByHotel class, then hotel offers)\n"
                 "                instead of running it, to replay it elsewhere (DuckDB,\n"
                 "                SQLite, wrk) with exactly the same searches\n"
                 "  --emit-format tsv|csv\n"
                 "                csv: a header `class,path` and one row per request, a\n"
                 "                payload for `isla load` (default: csv when FILE ends in\n"
                 "                .csv, else tsv)");
            return 0;
        } else if (arg_value(argc, argv, &i, "--data", &v)) {
            data = v;
        } else if (arg_value(argc, argv, &i, "--searches", &v)) {
            n = arg_int("--searches", v, 10, 100000000);
        } else if (arg_value(argc, argv, &i, "--seed", &v)) {
            seed = arg_int("--seed", v, 0, INT64_MAX);
        } else if (arg_value(argc, argv, &i, "--threads", &v)) {
            n_threads = 0;
            for (const char *p = v;; p++) {
                char one[24];
                size_t len = strcspn(p, ",");
                if (n_threads == (int)(sizeof threads / sizeof *threads) || len >= sizeof one) {
                    fprintf(stderr, "isla bench: --threads: at most %zu counts of 1-256, got '%s'\n",
                            sizeof threads / sizeof *threads, v);
                    return 2;
                }
                memcpy(one, p, len);
                one[len] = 0;
                threads[n_threads++] = arg_int("--threads", one, 1, 256);
                p += len;
                if (!*p)
                    break;
            }
        } else if (arg_value(argc, argv, &i, "--emit", &v)) {
            emit = v;
        } else if (arg_value(argc, argv, &i, "--emit-format", &v)) {
            if (strcmp(v, "tsv") && strcmp(v, "csv")) {
                fprintf(stderr, "isla bench: --emit-format: expected tsv or csv, got '%s'\n", v);
                return 2;
            }
            emit_format = v;
        } else if (arg_value(argc, argv, &i, "--seconds", &v)) {
            seconds = (double)arg_int("--seconds", v, 1, 3600);
        } else {
            fprintf(stderr, "isla bench: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!data) {
        fprintf(stderr, "isla bench: --data DIR is required\n");
        return 2;
    }
    char err[512];
    double t0 = ((double)clock_mono_ns() / 1e3);
    store_t *s = store_open(data, false, err, sizeof err);
    if (!s) {
        fprintf(stderr, "isla bench: %s\n", err);
        return 1;
    }
    double open_ms = (((double)clock_mono_ns() / 1e3) - t0) / 1000;
    t0 = ((double)clock_mono_ns() / 1e3);
    store_warm(s); /* as `isla serve` does before it serves */
    double warm_ms = (((double)clock_mono_ns() / 1e3) - t0) / 1000;
    if (!s->n_offers) {
        fprintf(stderr, "isla bench: the generation has no offers\n");
        store_release(s);
        return 1;
    }
    if (emit) {
        size_t el = strlen(emit);
        int csv = emit_format ? !strcmp(emit_format, "csv") : el > 4 && !strcmp(emit + el - 4, ".csv");
        return emit_mix(s, emit, csv, (uint64_t)seed, (size_t)n);
    }
    printf("generation %llu: %u offers, %u hotels; opened in %.1f ms, warmed in %.1f ms\n",
           (unsigned long long)s->generation, s->n_offers, s->n_hotels, open_ms, warm_ms);
    printf("%-17s %8s %9s %9s %9s %9s %12s\n", "class", "searches", "p50 us", "p90 us", "p99 us", "max us",
           "results/avg");
    double *t = malloc((size_t)n * sizeof *t);
    hotel_best_vec res = {0};
    search_t q;
    /* warm the page cache and the branch predictors once, untimed */
    for (int64_t i = 0; i < n / 10; i++) {
        mix_search(s, (mix_class)(i % MIX_BASE_CLASSES), (uint64_t)seed + 99, (uint64_t)i, &q);
        query_best_offers(s, &q, &res);
    }
    for (int c = 0; c < MIX_CLASSES; c++) {
        double results = 0;
        for (int64_t i = 0; i < n; i++) {
            mix_search(s, (mix_class)c, (uint64_t)seed, (uint64_t)i, &q);
            double a = ((double)clock_mono_ns() / 1e3);
            query_best_offers(s, &q, &res);
            query_sort_best(s, res.items, res.len, SORT_PRICE);
            t[i] = ((double)clock_mono_ns() / 1e3) - a;
            results += (double)res.len;
        }
        report(mix_class_name[c], t, (size_t)n, results);
    }

    double a0_nlq;
    /* Hotel offers: the cheapest hotel of a typical search, first page of
     * 20 and the page after the 500th offer (by cursor). */
    offer_page page = {0}, skip = {0};
    double *t2 = malloc((size_t)n * sizeof *t2);
    double r1 = 0, r2 = 0;
    size_t m = 0;
    for (int64_t i = 0; m < (size_t)n && i < n * 20; i++) {
        mix_search(s, MIX_BROAD, (uint64_t)seed + 7, (uint64_t)i, &q);
        query_best_offers(s, &q, &res);
        if (!res.len)
            continue;
        uint32_t hotel = res.items[(size_t)i % res.len].hotel;
        double a = ((double)clock_mono_ns() / 1e3);
        query_hotel_offers(s, &q, hotel, NULL, 20, &page);
        t[m] = ((double)clock_mono_ns() / 1e3) - a;
        r1 += (double)page.len;
        query_hotel_offers(s, &q, hotel, NULL, 500, &skip);
        offer_pos after = skip.len ? query_offer_pos(s, skip.items[skip.len - 1]) : (offer_pos){0, 0, 0, 0};
        a = ((double)clock_mono_ns() / 1e3);
        query_hotel_offers(s, &q, hotel, skip.len ? &after : NULL, 20, &page);
        t2[m] = ((double)clock_mono_ns() / 1e3) - a;
        r2 += (double)page.len;
        m++;
    }
    if (m) {
        report("hotel-first20", t, m, r1);
        report("hotel-deep20", t2, m, r2);
    }
    /* Hotel offers with no search at all (the guides' form): every offer
     * of the hotel, first page of 20 and the page after the 500th. */
    search_t bare;
    search_init(&bare);
    bare.any_nights = bare.any_adults = bare.any_children = true;
    bare.earliest = 0;
    bare.latest = UINT16_MAX;
    r1 = r2 = 0;
    m = 0;
    for (int64_t i = 0; m < (size_t)n && i < n * 20; i++) {
        uint32_t hotel = (uint32_t)(((uint64_t)i * 0x9E3779B97F4A7C15ull + (uint64_t)seed) % s->n_hotels);
        if (s->hotel_run_first[hotel] == s->hotel_run_first[hotel + 1])
            continue; /* a hotels.csv entry without offers */
        double a = ((double)clock_mono_ns() / 1e3);
        query_hotel_offers(s, &bare, hotel, NULL, 20, &page);
        t[m] = ((double)clock_mono_ns() / 1e3) - a;
        r1 += (double)page.len;
        query_hotel_offers(s, &bare, hotel, NULL, 500, &skip);
        offer_pos after = skip.len ? query_offer_pos(s, skip.items[skip.len - 1]) : (offer_pos){0, 0, 0, 0};
        a = ((double)clock_mono_ns() / 1e3);
        query_hotel_offers(s, &bare, hotel, skip.len ? &after : NULL, 20, &page);
        t2[m] = ((double)clock_mono_ns() / 1e3) - a;
        r2 += (double)page.len;
        m++;
    }
    if (m) {
        report("hotel-all-first20", t, m, r1);
        report("hotel-all-deep20", t2, m, r2);
    }

    /* The intent parser: time to turn a sentence into a search (q=). */
    a0_nlq = ((double)clock_mono_ns() / 1e3);
    const nlq_t *parser = api_nlq_parser(s);
    double compile_ms = (((double)clock_mono_ns() / 1e3) - a0_nlq) / 1000;
    if (parser) {
        double fields = 0;
        nlq_result r;
        for (int64_t i = 0; i < n; i++) {
            const char *text = BENCH_SENTENCES[(size_t)i % N_BENCH_SENTENCES];
            size_t len = strlen(text);
            double a = ((double)clock_mono_ns() / 1e3);
            nlq_parse(parser, text, len, &r);
            t[i] = ((double)clock_mono_ns() / 1e3) - a;
            fields += __builtin_popcount(r.have);
        }
        report("nlq-parse", t, (size_t)n, fields);
        printf("nlq: parser compiled in %.1f ms (%u hotels); results/avg = fields understood per sentence\n",
               compile_ms, s->n_hotels);
    }

    /* JSON: full bestOffersByHotel answers of broad searches. */
    buf_t b = {0};
    double bytes = 0, enc_us = 0, sel_bytes = 0, sel_us = 0;
    /* fields=hotel.id,hotel.name,minPrice,departureDate: what a list page needs */
    const uint32_t sel = FIELD_HOTEL_ID | FIELD_HOTEL_NAME | FIELD_MIN_PRICE | FIELD_DEP_DATE;
    for (int64_t i = 0; i < 200; i++) {
        mix_search(s, MIX_BROAD, (uint64_t)seed + 3, (uint64_t)i, &q);
        query_best_offers(s, &q, &res);
        query_sort_best(s, res.items, res.len, SORT_PRICE);
        double a = ((double)clock_mono_ns() / 1e3);
        b.len = 0;
        render_best_array(&b, s, &q, res.items, res.len, 0);
        enc_us += ((double)clock_mono_ns() / 1e3) - a;
        bytes += (double)b.len;
        a = ((double)clock_mono_ns() / 1e3);
        b.len = 0;
        render_best_array(&b, s, &q, res.items, res.len, sel);
        sel_us += ((double)clock_mono_ns() / 1e3) - a;
        sel_bytes += (double)b.len;
    }
    printf("json: %.0f KB per full broad answer, encoded at %.0f MB/s (one core), %.0f us per answer\n",
           bytes / 200 / 1024, bytes / enc_us, enc_us / 200);
    printf("json fields=hotel.id,hotel.name,minPrice,departureDate: %.0f KB per answer (%.0f%% of full), %.0f us "
           "per answer (%.0f%% of full)\n",
           sel_bytes / 200 / 1024, 100 * sel_bytes / bytes, sel_us / 200, 100 * sel_us / enc_us);

    for (int k = 0; k < n_threads; k++) {
        static throughput_ctx tc;
        memset(&tc, 0, sizeof tc);
        tc.s = s;
        tc.seed = (uint64_t)seed;
        tc.seconds = seconds;
        int nt = threads[k] > 256 ? 256 : (int)threads[k];
        double a = ((double)clock_mono_ns() / 1e3);
        parallel_run(nt, throughput_worker, &tc);
        double el = (((double)clock_mono_ns() / 1e3) - a) / 1e6;
        uint64_t total = 0;
        double cpu = 0;
        for (int i = 0; i < nt; i++) {
            total += tc.done[i];
            cpu += tc.cpu_s[i];
        }
        /* per CPU-second: what the threads did with the CPU they got, so a
         * busy neighbour (fewer cores than threads) shows apart from
         * contention between the threads (memory, caches) */
        printf("throughput: %.0f searches/s with %d threads (mixed classes, search only); %.0f searches per "
               "CPU-second, %.2f CPU-seconds in %.2f s\n",
               (double)total / el, nt, cpu > 0 ? (double)total / cpu : 0, cpu, el);
    }
    buf_free(&b);
    free(t);
    free(t2);
    hotel_best_vec_free(&res);
    offer_page_free(&page);
    offer_page_free(&skip);
    store_release(s);
    return 0;
}
