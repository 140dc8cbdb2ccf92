#include "diff.h"

/* ------------------------------------------------------------------ */

static void usage(void)
{
    fputs("usage: diff_sqlite --offers N --seed S --searches K [--bin PATH] [--workdir DIR] [--keep]\n"
          "                   [--hotels PATH] [--shared DIR] [--destinations PMI,IBZ,...] [--details N]\n"
          "                   [--verbose]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *offers = NULL, *bin = NULL, *workdir_arg = NULL, *hotels = NULL, *shared = NULL,
               *destinations = NULL;
    unsigned long long seed = 1;
    long searches = 300;
    bool keep = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--keep")) {
            keep = true;
            continue;
        }
        if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
            verbose = true;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            usage();
        if (!v)
            usage();
        i++;
        if (!strcmp(a, "--offers"))
            offers = v;
        else if (!strcmp(a, "--seed"))
            seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--searches"))
            searches = strtol(v, NULL, 10);
        else if (!strcmp(a, "--bin"))
            bin = v;
        else if (!strcmp(a, "--workdir"))
            workdir_arg = v;
        else if (!strcmp(a, "--hotels"))
            hotels = v;
        else if (!strcmp(a, "--shared"))
            shared = v;
        else if (!strcmp(a, "--details"))
            max_details = atoi(v);
        else if (!strcmp(a, "--destinations"))
            destinations = v;
        else
            usage();
    }
    if (!offers || searches < 0)
        usage();
    cal_init();
    double t0 = now_s();

    /* the isla binary: given, or build/isla beside build/tests/ */
    char binbuf[PATH_MAX];
    if (!bin) {
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        bin = "build/isla";
        if (n > 0) {
            self[n] = 0;
            char *s = strrchr(self, '/');
            if (s) {
                *s = 0;
                s = strrchr(self, '/');
                if (s) {
                    *s = 0;
                    fmt_s(binbuf, sizeof binbuf, "%.*s/isla", PATH_MAX - 8, self);
                    if (file_exists(binbuf))
                        bin = binbuf;
                }
            }
        }
    }
    char binreal[PATH_MAX];
    if (!realpath(bin, binreal))
        die("isla binary '%s' not found: %s", bin, strerror(errno));
    char repo[PATH_MAX], hotels_path[PATH_MAX + 64];
    if (!hotels) {
        char shared_dir[PATH_MAX + 16];
        if (shared)
            fmt_s(shared_dir, sizeof shared_dir, "%s", shared);
        else if (repo_of(binreal, repo, sizeof repo))
            fmt_s(shared_dir, sizeof shared_dir, "%s/../shared", repo);
        else
            die("cannot tell the repository of %s; pass --shared or --hotels", binreal);
        fmt_s(hotels_path, sizeof hotels_path, "%s/data/hotels.csv", shared_dir);
        hotels = hotels_path;
    }
    if (!file_exists(hotels))
        die("hotels file %s not found", hotels);

    /* the work directory */
    char workdir[PATH_MAX];
    bool own_workdir = !workdir_arg;
    if (workdir_arg) {
        fmt_s(workdir, sizeof workdir, "%s", workdir_arg);
        mkdir(workdir, 0755);
    } else {
        fmt_s(workdir, sizeof workdir, "/tmp/isla-diff-XXXXXX");
        if (!mkdtemp(workdir))
            die("mkdtemp: %s", strerror(errno));
        if (!keep)
            fmt_s(cleanup_dir, sizeof cleanup_dir, "%s", workdir);
    }
    char dump[PATH_MAX + 32], datadir[PATH_MAX + 32];
    fmt_s(dump, sizeof dump, "%s/offers.csv", workdir);
    fmt_s(datadir, sizeof datadir, "%s/data", workdir);
    rm_rf(datadir);

    /* 1. the dump */
    char seedtxt[32];
    fmt_s(seedtxt, sizeof seedtxt, "%llu", seed);
    char *gargv[] = {binreal, "gen", "--offers", (char *)offers, "--seed", seedtxt, "--hotels", (char *)hotels,
                     "--out", dump, NULL};
    /* several destinations: each with its own generated hotels, written
     * beside the dump and imported like a real hotels.csv */
    char dest_hotels[PATH_MAX + 32];
    fmt_s(dest_hotels, sizeof dest_hotels, "%s/hotels.csv", workdir);
    char *dargv[] = {binreal, "gen", "--offers", (char *)offers, "--seed", seedtxt, "--destinations",
                     (char *)(destinations ? destinations : ""), "--hotels-out", dest_hotels, "--out", dump, NULL};
    data_dests.n = 0;
    if (destinations) {
        for (const char *d = destinations; *d;) {
            size_t n = strcspn(d, ",");
            char code[24];
            fmt_s(code, sizeof code, "%.*s", (int)(n < 20 ? n : 20), d);
            code_add(&data_dests, code);
            d += n + (d[n] == ',');
        }
        hotels = dest_hotels;
    } else {
        code_add(&data_dests, "PMI");
    }
    int rc = run_cmd(destinations ? dargv : gargv, NULL);
    if (rc != 0)
        die("%s gen --offers %s --seed %s %s %s --out %s exited with %d", binreal, offers, seedtxt,
            destinations ? "--destinations" : "--hotels", destinations ? destinations : hotels, dump, rc);
    double t_gen = now_s();

    /* 2. isla's import, in-process */
    import_options io = {.offers_path = dump, .hotels_path = hotels, .data_dir = datadir, .max_rejects = -1};
    import_result ir;
    memset(&ir, 0, sizeof ir);
    char err[1024] = "";
    if (import_run(&io, &ir, err, sizeof err) != 0)
        die("import_run: %s", err);
    store_t *store = store_open(datadir, true, err, sizeof err);
    if (!store)
        die("store_open: %s", err);
    S = store;
    double t_import = now_s();

    /* 3. the oracle */
    create_db(dump, hotels, seed);
    if (n_anchors == 0)
        die("the dump has no offers");
    double t_sql = now_s();

    int fails = check_import(&ir);
    fails += check_bad_input();

    /* 4./5. searches */
    rng_t r = {seed * 0x2545F4914F6CDD1Dull + 12345};
    class_stats cs[K_COUNT];
    memset(cs, 0, sizeof cs);
    static const int weights[K_COUNT] = {25, 25, 12, 8, 30};
    spec_t *sp = must_malloc(sizeof *sp);
    for (long k = 0; k < searches; k++) {
        int kind;
        if (k < K_COUNT) {
            kind = (int)k; /* every class at least once */
        } else {
            int x = (int)rnd_below(&r, 100);
            for (kind = 0; kind < K_COUNT - 1 && x >= weights[kind]; kind++)
                x -= weights[kind];
        }
        make_search(&r, kind, sp);
        run_search(sp, &r, &cs[kind]);
    }
    free(sp);
    double t_search = now_s();

    int passed = 0, failed = fails;
    for (int k = 0; k < K_COUNT; k++) {
        const class_stats *c = &cs[k];
        if (!c->searches)
            continue;
        if (c->failed)
            printf("FAIL %s: %d of %d searches mismatched (%llu matching offers, %llu hotels)\n", class_names[k],
                   c->failed, c->searches, (unsigned long long)c->offers, (unsigned long long)c->hotels);
        else
            printf("ok %s: %d searches (%d with results), %llu matching offers, %llu hotels, %llu hotel offers in "
                   "%llu pages\n",
                   class_names[k], c->searches, c->nonempty, (unsigned long long)c->offers,
                   (unsigned long long)c->hotels,
                   (unsigned long long)c->paged_offers, (unsigned long long)c->pages);
        passed += c->searches - c->failed;
        failed += c->failed;
    }
    printf("# %s offers, seed %llu: gen %.2f s, import %.2f s, sqlite load %.2f s, %ld searches %.2f s, total "
           "%.2f s\n",
           offers, seed, t_gen - t0, t_import - t_gen, t_sql - t_import, searches, t_search - t_sql,
           t_search - t0);

    printf("# search time:");
    for (int k = 0; k < PR_COUNT; k++)
        printf(" %s %.2f s%s", prof_names[k], prof[k], k + 1 < PR_COUNT ? "," : "\n");
    store_release(store);
    sqlite3_close(db);
    if (keep) {
        printf("# kept %s\n", workdir);
    } else if (own_workdir) {
        rm_rf(workdir);
    } else {
        remove(dump);
        rm_rf(datadir);
    }
    free(cal);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
