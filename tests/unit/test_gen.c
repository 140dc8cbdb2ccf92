/* Unit tests of `isla gen`: determinism, headers per format, row counts,
 * field validity, option handling and the duplicate/unknown-hotel knobs.
 * Every run goes through cmd_gen() with --out into a private temp dir. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/days.h"
#include "testutil.h"

static char tmpdir[] = "/tmp/isla_test_gen_XXXXXX";

static const char *tmp(const char *name)
{
    static char path[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, name);
    return path[k];
}

/* Runs `isla gen <args...>` with stdout and stderr silenced; NULL-terminated. */
static int run(const char *first, ...)
{
    char *argv[64];
    int argc = 0;
    argv[argc++] = "gen";
    va_list ap;
    va_start(ap, first);
    for (const char *a = first; a && argc < 63; a = va_arg(ap, const char *))
        argv[argc++] = (char *)a;
    va_end(ap);
    argv[argc] = NULL;

    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2), nul = open("/dev/null", O_WRONLY);
    dup2(nul, 1);
    dup2(nul, 2);
    int rc = cmd_gen(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    close(nul);
    return rc;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t)n;
    return s;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ---- a tiny CSV view: fields never contain quotes or delimiters ---- */

#define MAXF 20
typedef struct {
    int n;
    char f[MAXF][40];
} row_t;

/* Parses the line at *s (advancing past it); returns false at the end. */
static bool next_row(const char **s, char delim, row_t *r)
{
    if (!**s)
        return false;
    const char *e = strchr(*s, '\n');
    assert_non_null(e);
    const char *end = e > *s && e[-1] == '\r' ? e - 1 : e;
    r->n = 0;
    const char *p = *s;
    for (;;) {
        const char *q = p;
        while (q < end && *q != delim)
            q++;
        const char *a = p, *b = q;
        if (b - a >= 2 && *a == '"' && b[-1] == '"') {
            a++;
            b--;
        }
        assert_true(r->n < MAXF);
        assert_true(b - a < 40);
        memcpy(r->f[r->n], a, (size_t)(b - a));
        r->f[r->n][b - a] = 0;
        r->n++;
        if (q >= end)
            break;
        p = q + 1;
    }
    *s = e + 1;
    return true;
}

static int col(const row_t *hdr, const char *name)
{
    for (int i = 0; i < hdr->n; i++)
        if (!strcmp(hdr->f[i], name))
            return i;
    return -1;
}

static const char *const AIRPORTS =
    " FMO STR HAM LEJ NUE CGN FRA PAD HAJ BER FMM DUS SCN DRS BRE DTM MUC VIE NRN BSL HHN FKB"
    " ZRH SZG LUX AMS PRG FDH INN KSF LNZ EIN SXB BLL LBC BRU GRZ GWT CRL CSO WAW GVA ERF KRK"
    " BRN RLG KLU RTM ";
static const char *const MEALS = " NONE BREAKFAST HALFBOARD HALFBOARDPLUS FULLBOARD FULLBOARDPLUS "
                                 "ALLINCLUSIVE ALLINCLUSIVEPLUS ACCORDINGDESCRIPTION PROGRAM ";
static const char *const ROOMS =
    " APARTMENT DOUBLE STUDIO SINGLE SUPERIOR ECONOMY FAMILY TRIPLE SUITE ACCORDINGDESCRIPTION"
    " BUNGALOW DELUXE MULTISHARE TWINROOM FOURBEDROOM VILLA HOLIDAYHOUSE JUNIORSUITE DUPLEX ";

static bool in_list(const char *list, const char *v)
{
    char key[48];
    snprintf(key, sizeof key, " %s ", v);
    return strlen(v) > 0 && strstr(list, key) != NULL;
}

static long num(const char *s)
{
    char *e;
    long v = strtol(s, &e, 10);
    assert_true(*s && !*e);
    return v;
}

static const char HEADER_2023[] =
    "\"hotelid\",\"outbounddeparturedatetime\",\"inbounddeparturedatetime\",\"countadults\","
    "\"countchildren\",\"price\",\"inbounddepartureairport\",\"outboundarrivalairport\","
    "\"inboundarrivaldatetime\",\"outbounddepartureairport\",\"inboundarrivalairport\","
    "\"outboundarrivaldatetime\",\"mealtype\",\"oceanview\",\"roomtype\"\n";

/* ---- tests ---- */

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    assert_int_equal(run("--offers", "20000", "--seed", "42", "--out", tmp("a.csv"), NULL), 0);
    assert_int_equal(run("--offers", "20000", "--seed", "42", "--out", tmp("b.csv"), NULL), 0);
    assert_int_equal(run("--offers", "20000", "--seed", "43", "--out", tmp("c.csv"), NULL), 0);
    size_t la, lb, lc;
    char *a = slurp(tmp("a.csv"), &la), *b = slurp(tmp("b.csv"), &lb), *c = slurp(tmp("c.csv"), &lc);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, la);
    assert_true(la != lc || memcmp(a, c, la) != 0);
    /* Same header, different rows. */
    assert_memory_equal(a, c, sizeof HEADER_2023 - 1);
    free(a);
    free(b);
    free(c);
}

static void test_header_2023(void **state)
{
    (void)state;
    assert_int_equal(run("--offers", "3", "--out", tmp("h.csv"), NULL), 0);
    char *s = slurp(tmp("h.csv"), NULL);
    assert_memory_equal(s, HEADER_2023, sizeof HEADER_2023 - 1);
    assert_int_equal(count_lines(s), 4);
    free(s);
}

static void check_header_set(const char *format, const char *const *want, int nwant,
                             const char *const *absent)
{
    assert_int_equal(run("--offers", "3", "--format", format, "--seed", "7", "--out",
                         tmp("f.csv"), NULL), 0);
    char *s = slurp(tmp("f.csv"), NULL);
    const char *p = s;
    row_t h;
    assert_true(next_row(&p, ',', &h));
    assert_int_equal(h.n, nwant);
    bool same_order = true;
    for (int i = 0; i < nwant; i++) {
        assert_true(col(&h, want[i]) >= 0);
        same_order &= col(&h, want[i]) == i;
    }
    for (; *absent; absent++)
        assert_int_equal(col(&h, *absent), -1);
    assert_false(same_order); /* old/new shuffle the columns */
    free(s);
}

static void test_header_old_new(void **state)
{
    (void)state;
    const char *const old_cols[] = {
        "hotelid", "departuredate", "returndate", "countadults", "countchildren", "price",
        "inbounddepartureairport", "outboundarrivalairport", "inboundarrivaldatetime",
        "outbounddepartureairport", "inboundarrivalairport", "outboundarrivaldatetime",
        "mealtype", "oceanview", "roomtype"};
    const char *const old_absent[] = {"outbounddeparturedatetime", "inbounddeparturedatetime",
                                      "outboundairline", NULL};
    check_header_set("old", old_cols, 15, old_absent);
    const char *const new_cols[] = {
        "hotelid", "outbounddeparturedatetime", "inbounddeparturedatetime", "countadults",
        "countchildren", "price", "inbounddepartureairport", "outboundarrivalairport",
        "inboundarrivaldatetime", "outbounddepartureairport", "inboundarrivalairport",
        "outboundarrivaldatetime", "mealtype", "oceanview", "roomtype", "outboundairline",
        "inboundairline"};
    const char *const new_absent[] = {"departuredate", "returndate", NULL};
    check_header_set("new", new_cols, 17, new_absent);
}

static void test_row_counts(void **state)
{
    (void)state;
    struct { const char *n; size_t lines; } cases[] = {
        {"0", 1}, {"1", 2}, {"1234", 1235}, {"1.5k", 1501}, {"2k", 2001},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(run("--offers", cases[i].n, "--out", tmp("n.csv"), NULL), 0);
        char *s = slurp(tmp("n.csv"), NULL);
        assert_int_equal(count_lines(s), cases[i].lines);
        free(s);
    }
    assert_int_equal(run("--offers", "10", "--no-header", "--out", tmp("n.csv"), NULL), 0);
    char *s = slurp(tmp("n.csv"), NULL);
    assert_int_equal(count_lines(s), 10);
    assert_true(s[0] == '"' && s[1] != 'h');
    free(s);
}

/* Every field of every row is well-formed and consistent. */
static void test_fields_valid(void **state)
{
    (void)state;
    assert_int_equal(run("--offers", "50000", "--seed", "3", "--out", tmp("v.csv"), NULL), 0);
    char *s = slurp(tmp("v.csv"), NULL);
    const char *p = s;
    row_t h, r;
    assert_true(next_row(&p, ',', &h));
    int c_hid = col(&h, "hotelid"), c_od = col(&h, "outbounddeparturedatetime"),
        c_id = col(&h, "inbounddeparturedatetime"), c_ad = col(&h, "countadults"),
        c_ch = col(&h, "countchildren"), c_pr = col(&h, "price"),
        c_ida = col(&h, "inbounddepartureairport"), c_oaa = col(&h, "outboundarrivalairport"),
        c_iad = col(&h, "inboundarrivaldatetime"), c_oda = col(&h, "outbounddepartureairport"),
        c_iaa = col(&h, "inboundarrivalairport"), c_oad = col(&h, "outboundarrivaldatetime"),
        c_me = col(&h, "mealtype"), c_oc = col(&h, "oceanview"), c_ro = col(&h, "roomtype");
    int32_t first = days_from_civil(2023, 1, 6), last = days_from_civil(2023, 12, 31);
    size_t rows = 0, placeholders = 0, ocean = 0, unknown = 0, two_adults = 0, seven = 0;
    while (next_row(&p, ',', &r)) {
        rows++;
        assert_int_equal(r.n, 15);
        long hid = num(r.f[c_hid]);
        assert_true((hid >= 1 && hid <= 998) || (hid >= 100000 && hid < 101000));
        unknown += hid >= 100000;

        iso_datetime od, idp, oa, ia;
        assert_true(parse_iso_datetime(r.f[c_od], strlen(r.f[c_od]), &od));
        assert_true(parse_iso_datetime(r.f[c_id], strlen(r.f[c_id]), &idp));
        assert_true(parse_iso_datetime(r.f[c_oad], strlen(r.f[c_oad]), &oa));
        assert_true(parse_iso_datetime(r.f[c_iad], strlen(r.f[c_iad]), &ia));
        assert_int_equal(strlen(r.f[c_od]), 25);
        assert_string_equal(r.f[c_od] + 19, "+00:00");
        assert_true(od.day >= first && od.day <= last);
        int nights = idp.day - od.day;
        assert_true(nights >= 1 && nights <= 35);
        seven += nights == 7;
        /* Placeholders: both departure times or neither. */
        assert_int_equal(od.sec == 0, idp.sec == 0);
        placeholders += od.sec == 0;
        assert_int_equal(oa.sec % 300, 0);
        assert_int_equal(ia.sec % 300, 0);
        assert_true(oa.day == od.day || oa.day == od.day + 1);
        assert_true(ia.day == idp.day || ia.day == idp.day + 1);
        if (od.sec) {
            long out_min = ((long)(oa.day - od.day) * 86400 + (long)oa.sec - (long)od.sec) / 60;
            long in_min = ((long)(ia.day - idp.day) * 86400 + (long)ia.sec - (long)idp.sec) / 60;
            assert_true(out_min >= 90 && out_min <= 600);
            assert_true(in_min >= 90 && in_min <= 600);
        }

        long ad = num(r.f[c_ad]), ch = num(r.f[c_ch]), pr = num(r.f[c_pr]);
        assert_true(ad >= 1 && ad <= 24);
        assert_true((ch >= 0 && ch <= 9) || ch == 18);
        two_adults += ad == 2;
        assert_true(pr >= 1 && pr <= 380160);
        assert_string_equal(r.f[c_ida], "PMI");
        assert_string_equal(r.f[c_oaa], "PMI");
        assert_true(in_list(AIRPORTS, r.f[c_oda]));
        assert_string_equal(r.f[c_iaa], r.f[c_oda]);
        assert_true(in_list(MEALS, r.f[c_me]));
        assert_true(in_list(ROOMS, r.f[c_ro]));
        assert_true(!strcmp(r.f[c_oc], "true") || !strcmp(r.f[c_oc], "false"));
        ocean += !strcmp(r.f[c_oc], "true");
    }
    assert_int_equal(rows, 50000);
    /* Loose realism bounds (the exact shares are the model's business). */
    assert_true(placeholders > rows * 35 / 100 && placeholders < rows * 65 / 100);
    assert_true(ocean > rows * 8 / 100 && ocean < rows * 25 / 100);
    assert_true(two_adults > rows * 45 / 100);
    assert_true(seven > rows * 15 / 100);
    assert_true(unknown > 0 && unknown < rows * 2 / 100);
    free(s);
}

/* The same seed gives the same offers in every format; columns map by name. */
static void test_formats_same_offers(void **state)
{
    (void)state;
    assert_int_equal(run("--offers", "3000", "--seed", "5", "--out", tmp("x.csv"), NULL), 0);
    assert_int_equal(run("--offers", "3000", "--seed", "5", "--format", "old", "--unquoted",
                         "--out", tmp("y.csv"), NULL), 0);
    assert_int_equal(run("--offers", "3000", "--seed", "5", "--format", "new", "--delimiter",
                         ";", "--crlf", "--out", tmp("z.csv"), NULL), 0);
    char *x = slurp(tmp("x.csv"), NULL), *y = slurp(tmp("y.csv"), NULL),
         *z = slurp(tmp("z.csv"), NULL);
    assert_null(strchr(y, '"'));
    assert_non_null(strstr(z, "\r\n"));
    const char *px = x, *py = y, *pz = z;
    row_t hx, hy, hz, rx, ry, rz;
    next_row(&px, ',', &hx);
    next_row(&py, ',', &hy);
    next_row(&pz, ';', &hz);
    int yi[15], zi[15];
    for (int i = 0; i < 15; i++) {
        const char *name = hx.f[i];
        const char *oldname = !strcmp(name, "outbounddeparturedatetime") ? "departuredate"
                              : !strcmp(name, "inbounddeparturedatetime") ? "returndate"
                                                                           : name;
        yi[i] = col(&hy, oldname);
        zi[i] = col(&hz, name);
        assert_true(yi[i] >= 0 && zi[i] >= 0);
    }
    int al = col(&hz, "outboundairline"), bl = col(&hz, "inboundairline");
    assert_true(al >= 0 && bl >= 0);
    size_t n = 0;
    while (next_row(&px, ',', &rx)) {
        assert_true(next_row(&py, ',', &ry));
        assert_true(next_row(&pz, ';', &rz));
        for (int i = 0; i < 15; i++) {
            assert_string_equal(rx.f[i], ry.f[yi[i]]);
            assert_string_equal(rx.f[i], rz.f[zi[i]]);
        }
        assert_int_equal(strlen(rz.f[al]), 2);
        assert_int_equal(strlen(rz.f[bl]), 2);
        n++;
    }
    assert_int_equal(n, 3000);
    assert_int_equal(*py, 0);
    assert_int_equal(*pz, 0);
    free(x);
    free(y);
    free(z);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Number of lines that exactly repeat an earlier line. */
static size_t repeated_lines(char *s, size_t *total)
{
    size_t n = count_lines(s), k = 0;
    char **lines = malloc(n * sizeof *lines);
    for (char *p = s; *p;) {
        char *e = strchr(p, '\n');
        *e = 0;
        lines[k++] = p;
        p = e + 1;
    }
    qsort(lines, k, sizeof *lines, cmp_str);
    size_t rep = 0;
    for (size_t i = 1; i < k; i++)
        rep += !strcmp(lines[i], lines[i - 1]);
    free(lines);
    *total = k;
    return rep;
}

static void test_duplicates(void **state)
{
    (void)state;
    size_t total;
    assert_int_equal(run("--offers", "20000", "--duplicates", "0.2", "--no-header", "--out",
                         tmp("d.csv"), NULL), 0);
    char *s = slurp(tmp("d.csv"), NULL);
    size_t rep = repeated_lines(s, &total);
    assert_int_equal(total, 20000);
    assert_true(rep > 3400 && rep < 4600);
    free(s);

    assert_int_equal(run("--offers", "20000", "--duplicates", "0", "--no-header", "--out",
                         tmp("d.csv"), NULL), 0);
    s = slurp(tmp("d.csv"), NULL);
    assert_true(repeated_lines(s, &total) < 5); /* only chance collisions */
    free(s);
}

static void test_hotels_file_and_unknown(void **state)
{
    (void)state;
    FILE *f = fopen(tmp("hotels.csv"), "wb");
    assert_non_null(f);
    fputs("hotelid;hotelname;hotelstars\r\n5;Hotel Five ;4.0\r\n9;Nine;2.0  \r\n"
          "250000;Big id;5.0\r\n", f);
    fclose(f);
    assert_int_equal(run("--offers", "5000", "--hotels", tmp("hotels.csv"), "--unknown-hotels",
                         "0.1", "--unquoted", "--out", tmp("u.csv"), NULL), 0);
    char *s = slurp(tmp("u.csv"), NULL);
    const char *p = s;
    row_t r;
    next_row(&p, ',', &r);
    size_t unknown = 0, rows = 0;
    while (next_row(&p, ',', &r)) {
        long id = num(r.f[0]);
        rows++;
        if (id == 5 || id == 9 || id == 250000)
            continue;
        assert_true(id > 250000 && id < 251000);
        unknown++;
    }
    assert_int_equal(rows, 5000);
    assert_true(unknown > 350 && unknown < 650);
    free(s);

    f = fopen(tmp("bad.csv"), "wb");
    fputs("hotelid;hotelname;hotelstars\r\nabc;x;3\r\n", f);
    fclose(f);
    assert_int_equal(run("--offers", "5", "--hotels", tmp("bad.csv"), "--out", tmp("u.csv"), NULL), 2);
    assert_int_equal(run("--offers", "5", "--hotels", tmp("missing.csv"), "--out", tmp("u.csv"), NULL), 1);
}

static void test_real_hotels_file(void **state)
{
    (void)state;
    const char *real = tu_data("hotels.csv");
    if (access(real, R_OK) != 0)
        fail_msg("%s: %s (the shared data; set ISLA_SHARED_DATA)", real, strerror(errno));
    assert_int_equal(run("--offers", "1000", "--hotels", real, "--out", tmp("r.csv"), NULL), 0);
    char *s = slurp(tmp("r.csv"), NULL);
    assert_int_equal(count_lines(s), 1001);
    free(s);
}

/* --destinations: every offer flies to a listed destination, its hotels are
 * that destination's (ids 10000 x its position + 1...), --hotels-out lists
 * them with their destination, each destination has offers, and the
 * default (Mallorca) dump is unchanged by the option existing. */
static void test_destinations(void **state)
{
    (void)state;
    assert_int_equal(run("--offers", "20000", "--destinations", "PMI,ibz,Kreta,LPA", "--hotels-out",
                         tmp("h4.csv"), "--unquoted", "--out", tmp("d4.csv"), NULL), 0);
    static const char *const codes[4] = {"PMI", "IBZ", "HER", "LPA"};
    char *h = slurp(tmp("h4.csv"), NULL);
    const char *p = h;
    row_t r;
    assert_true(next_row(&p, ';', &r));
    assert_string_equal(r.f[3], "destination");
    size_t listed = 0, per[4] = {0};
    while (next_row(&p, ';', &r)) {
        long id = num(r.f[0]);
        int k = (int)(id / 10000);
        assert_true(k >= 0 && k < 4 && id % 10000 >= 1);
        assert_string_equal(r.f[3], codes[k]);
        per[k]++;
        listed++;
    }
    for (int k = 0; k < 4; k++)
        assert_true(per[k] >= 40); /* every destination its own hotels */
    assert_int_equal(per[0], 998);   /* Mallorca: as many as the real file */
    free(h);
    char *s = slurp(tmp("d4.csv"), NULL);
    p = s;
    next_row(&p, ',', &r);
    int ch = col(&r, "hotelid"), ca = col(&r, "outboundarrivalairport"), ci = col(&r, "inbounddepartureairport");
    size_t rows = 0, offers[4] = {0};
    while (next_row(&p, ',', &r)) {
        rows++;
        long id = num(r.f[ch]);
        int k = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(r.f[ca], codes[i]))
                k = i;
        assert_true(k >= 0);
        assert_string_equal(r.f[ci], r.f[ca]); /* back from where they went */
        /* known hotels of that destination, or its unknown ids (100000 + 1000 k ...) */
        assert_true((id / 10000 == k && id % 10000 >= 1 && id < 100000) || (id - 100000) / 1000 == k);
        offers[k]++;
    }
    assert_int_equal(rows, 20000);
    for (int k = 0; k < 4; k++)
        assert_true(offers[k] > 1000);
    assert_true(offers[0] > offers[3]); /* Mallorca sells most */
    free(s);
    /* the same options, the same bytes */
    assert_int_equal(run("--offers", "20000", "--destinations", "PMI,IBZ,HER,LPA", "--unquoted", "--out",
                         tmp("d4b.csv"), NULL), 0);
    size_t n1, n2;
    char *a = slurp(tmp("d4.csv"), &n1), *b = slurp(tmp("d4b.csv"), &n2);
    assert_true(n1 == n2 && !memcmp(a, b, n1));
    free(a);
    free(b);
    /* without it: Mallorca, every offer to PMI */
    assert_int_equal(run("--offers", "2000", "--unquoted", "--hotels-out", tmp("h1.csv"), "--out", tmp("d1.csv"),
                         NULL), 0);
    s = slurp(tmp("d1.csv"), NULL);
    p = s;
    next_row(&p, ',', &r);
    ca = col(&r, "outboundarrivalairport");
    while (next_row(&p, ',', &r))
        assert_string_equal(r.f[ca], "PMI");
    free(s);
    h = slurp(tmp("h1.csv"), NULL);
    assert_int_equal(count_lines(h), 999);
    free(h);
    /* bad input: exit 2 */
    assert_int_equal(run("--offers", "1", "--destinations", "PMI,Atlantis", NULL), 2);
    assert_int_equal(run("--offers", "1", "--destinations", "PMI,pmi", NULL), 2);
    assert_int_equal(run("--offers", "1", "--destinations", "PMI,,IBZ", NULL), 2);
    assert_int_equal(run("--offers", "1", "--destinations", "", NULL), 2);
    assert_int_equal(run("--offers", "1", "--destinations", "PMI", "--hotels", tmp("h1.csv"), NULL), 2);
    assert_int_equal(run("--offers", "1", "--hotels", tmp("h1.csv"), "--hotels-out", tmp("x.csv"), NULL), 2);
    assert_int_equal(run("--offers", "1", "--destinations", "PMI", "--hotels-per-destination", "0", NULL), 2);
    assert_int_equal(run("--offers", "1", "--hotels-out", "/nonexistent-dir/h.csv", NULL), 1);
}

static void test_bad_usage(void **state)
{
    (void)state;
    assert_int_equal(run(NULL), 2);                              /* --offers missing */
    assert_int_equal(run("--offers", NULL), 2);                  /* no value */
    assert_int_equal(run("--offers", "lots", NULL), 2);
    assert_int_equal(run("--offers", "-3", NULL), 2);
    assert_int_equal(run("--offers", "1.0001k", NULL), 2);
    assert_int_equal(run("--offers", "1", "--format", "2024", NULL), 2);
    assert_int_equal(run("--offers", "1", "--delimiter", "|", NULL), 2);
    assert_int_equal(run("--offers", "1", "--duplicates", "1.5", NULL), 2);
    assert_int_equal(run("--offers", "1", "--unknown-hotels", "x", NULL), 2);
    assert_int_equal(run("--offers", "1", "--seed", "-1", NULL), 2);
    assert_int_equal(run("--offers", "1", "--frobnicate", NULL), 2);
    assert_int_equal(run("--offers", "1", "stray", NULL), 2);
    assert_int_equal(run("--help", NULL), 0);
    assert_int_equal(run("--offers", "1", "--out", "/nonexistent-dir/x.csv", NULL), 1);
    assert_int_equal(run("--offers=2", "--seed=9", "--out", tmp("eq.csv"), NULL), 0);
}

static void test_write_error(void **state)
{
    (void)state;
    if (access("/dev/full", W_OK) != 0)
        fail_msg("/dev/full: %s (the test needs a device that is always full)", strerror(errno));
    assert_int_equal(run("--offers", "100000", "--out", "/dev/full", NULL), 1);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    const char *names[] = {"a.csv", "b.csv", "c.csv", "h.csv", "f.csv", "n.csv", "v.csv",
                           "x.csv", "y.csv", "z.csv", "d.csv", "hotels.csv", "u.csv",
                           "bad.csv", "r.csv", "eq.csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(tmp(names[i]));
    rmdir(tmpdir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_header_2023),
        cmocka_unit_test(test_header_old_new),
        cmocka_unit_test(test_row_counts),
        cmocka_unit_test(test_fields_valid),
        cmocka_unit_test(test_formats_same_offers),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_hotels_file_and_unknown),
        cmocka_unit_test(test_real_hotels_file),
        cmocka_unit_test(test_destinations),
        cmocka_unit_test(test_bad_usage),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
