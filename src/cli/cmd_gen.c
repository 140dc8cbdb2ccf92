/* isla gen: the options of the generator (src/gen does the work). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gen/gen.h"

static void usage(FILE *fp)
{
    fputs("usage: isla gen --offers N [options]\n"
          "\n"
          "Writes a realistic, deterministic offer dump (CSV) for Mallorca: same\n"
          "options and seed, same bytes.\n"
          "\n"
          "options:\n"
          "  --offers N          number of rows, e.g. 1000, 500k, 2M, 1.5G (required)\n"
          "  --seed S            seed of the rows (default 1)\n"
          "  --world-seed S      seed of hotel popularity, airports, flights (default 1)\n"
          "  --out FILE          output file; '-' is stdout (default)\n"
          "  --hotels FILE       take hotel ids and stars from a hotels.csv\n"
          "                      (default: 998 built-in hotels, ids 1..998)\n"
          "  --destinations L    comma-separated IATA codes or names (PMI,IBZ,AYT,\n"
          "                      Kreta...): one dump over several destinations, each\n"
          "                      with its own hotels (ids from 10000 x its position\n"
          "                      in L, + 1), popularity, season and price level;\n"
          "                      not with --hotels (default: Mallorca alone)\n"
          "  --hotels-per-destination N\n"
          "                      hotels of each destination (default: by its\n"
          "                      popularity, 998 x share, 40 at least)\n"
          "  --hotels-out FILE   write the generated hotels.csv (hotelid;hotelname;\n"
          "                      hotelstars;destination, CRLF) to FILE; not with\n"
          "                      --hotels (then FILE is the hotels already)\n"
          "  --format F          2023 (default): the header of the 2023 dump;\n"
          "                      old: departuredate/returndate instead of\n"
          "                      outbound/inbounddeparturedatetime;\n"
          "                      new: 2023 plus outboundairline/inboundairline;\n"
          "                      old and new shuffle the columns (by seed)\n"
          "  --delimiter C       ',' (default) or ';'\n"
          "  --unquoted          no double quotes around fields\n"
          "  --crlf              CRLF line ends (default LF)\n"
          "  --no-header         omit the header line (to concatenate shards)\n"
          "  --duplicates P      fraction of rows repeating an earlier row (default 0.01)\n"
          "  --unknown-hotels P  fraction of rows with a hotel id not in the hotel\n"
          "                      list, ids from 100000 up (default 0.005)\n"
          "  --help              this text\n",
          fp);
}

static int bad(const char *opt, const char *val, const char *why)
{
    fprintf(stderr, "isla gen: %s: invalid value '%s': %s\n(see isla gen --help)\n", opt, val,
            why);
    return 2;
}

/* "1000", "500k", "2M", "1.5G": a non-negative integer count. */
static bool parse_count(const char *s, uint64_t *out)
{
    uint64_t ip = 0, frac = 0, fscale = 1;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return false;
    while (*p >= '0' && *p <= '9') {
        if (ip > (UINT64_MAX - 9) / 10)
            return false;
        ip = ip * 10 + (uint64_t)(*p++ - '0');
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return false;
        while (*p >= '0' && *p <= '9') {
            if (fscale >= 1000000000ULL)
                return false;
            frac = frac * 10 + (uint64_t)(*p++ - '0');
            fscale *= 10;
        }
    }
    uint64_t mult = 1;
    switch (*p) {
    case 'k': case 'K': mult = 1000ULL; p++; break;
    case 'm': case 'M': mult = 1000000ULL; p++; break;
    case 'g': case 'G': case 'b': case 'B': mult = 1000000000ULL; p++; break;
    default: break;
    }
    if (*p)
        return false;
    if (ip > 10000000000000ULL / mult) /* 10^13 rows is plenty */
        return false;
    if ((frac * mult) % fscale)
        return false; /* 1.2345k is not a whole number of rows */
    *out = ip * mult + frac * mult / fscale;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* A fraction 0..1, or a percentage like "2%". */
static bool parse_fraction(const char *s, uint64_t *thr)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno)
        return false;
    if (*end == '%') {
        v /= 100;
        end++;
    }
    if (*end || !(v >= 0 && v <= 1))
        return false;
    *thr = v >= 1 ? UINT64_MAX : (uint64_t)(v * 18446744073709551616.0);
    return true;
}

/* Returns -1 when the options are fine, else the exit code. */
static int parse_options(int argc, char **argv, gen_options *o)
{
    *o = (gen_options){.seed = 1, .world_seed = 1, .out = "-", .format = GEN_FMT_2023, .delim = ',',
                   .quote = true, .header = true};
    parse_fraction("0.01", &o->dup_thr);
    parse_fraction("0.005", &o->unknown_thr);
    bool have_offers = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = NULL;
        char name[32];
        const char *eq = strchr(arg, '=');
        if (!strncmp(arg, "--", 2) && eq && (size_t)(eq - arg) < sizeof name) {
            memcpy(name, arg, (size_t)(eq - arg));
            name[eq - arg] = 0;
            val = eq + 1;
            arg = name;
        }
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            usage(stdout);
            return 0;
        }
        bool flag = !strcmp(arg, "--unquoted") || !strcmp(arg, "--crlf") ||
                    !strcmp(arg, "--no-header");
        if (flag) {
            if (val) {
                fprintf(stderr, "isla gen: %s takes no value\n", arg);
                return 2;
            }
            if (!strcmp(arg, "--unquoted"))
                o->quote = false;
            else if (!strcmp(arg, "--crlf"))
                o->crlf = true;
            else
                o->header = false;
            continue;
        }
        static const char *const valued[] = {"--offers", "--seed", "--world-seed", "--out",
                                             "--hotels", "--format", "--delimiter",
                                             "--duplicates", "--unknown-hotels", "--destinations",
                                             "--hotels-out", "--hotels-per-destination"};
        bool known = false;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
            known |= !strcmp(arg, valued[k]);
        if (!known) {
            fprintf(stderr, "isla gen: %s '%s'\n(see isla gen --help)\n",
                    argv[i][0] == '-' ? "unknown option" : "unexpected argument", argv[i]);
            return 2;
        }
        if (!val) {
            if (i + 1 >= argc) {
                fprintf(stderr, "isla gen: option %s needs a value\n", arg);
                return 2;
            }
            val = argv[++i];
        }
        if (!strcmp(arg, "--offers")) {
            if (!parse_count(val, &o->offers))
                return bad(arg, val, "expected a row count like 1000, 500k or 2M");
            have_offers = true;
        } else if (!strcmp(arg, "--seed")) {
            if (!parse_u64(val, &o->seed))
                return bad(arg, val, "expected an unsigned 64-bit integer");
        } else if (!strcmp(arg, "--world-seed")) {
            if (!parse_u64(val, &o->world_seed))
                return bad(arg, val, "expected an unsigned 64-bit integer");
        } else if (!strcmp(arg, "--out")) {
            if (!*val)
                return bad(arg, val, "expected a file name or '-'");
            o->out = val;
        } else if (!strcmp(arg, "--hotels")) {
            if (!*val)
                return bad(arg, val, "expected a file name");
            o->hotels = val;
        } else if (!strcmp(arg, "--format")) {
            if (!strcmp(val, "2023"))
                o->format = GEN_FMT_2023;
            else if (!strcmp(val, "old"))
                o->format = GEN_FMT_OLD;
            else if (!strcmp(val, "new"))
                o->format = GEN_FMT_NEW;
            else
                return bad(arg, val, "expected 2023, old or new");
        } else if (!strcmp(arg, "--delimiter")) {
            if (!strcmp(val, ",") || !strcmp(val, "comma"))
                o->delim = ',';
            else if (!strcmp(val, ";") || !strcmp(val, "semicolon"))
                o->delim = ';';
            else
                return bad(arg, val, "expected ',' or ';'");
        } else if (!strcmp(arg, "--duplicates")) {
            if (!parse_fraction(val, &o->dup_thr))
                return bad(arg, val, "expected a fraction between 0 and 1");
        } else if (!strcmp(arg, "--unknown-hotels")) {
            if (!parse_fraction(val, &o->unknown_thr))
                return bad(arg, val, "expected a fraction between 0 and 1");
        } else if (!strcmp(arg, "--destinations")) {
            if (!*val)
                return bad(arg, val, "expected IATA codes or names, e.g. PMI,IBZ,AYT");
            o->destinations = val;
        } else if (!strcmp(arg, "--hotels-out")) {
            if (!*val)
                return bad(arg, val, "expected a file name");
            o->hotels_out = val;
        } else if (!strcmp(arg, "--hotels-per-destination")) {
            uint64_t v;
            if (!parse_u64(val, &v) || v < 1 || v > 9999)
                return bad(arg, val, "expected a whole number 1..9999");
            o->hotels_per_dest = (uint32_t)v;
        }
    }
    if (!have_offers) {
        fprintf(stderr, "isla gen: --offers N is required\n(see isla gen --help)\n");
        return 2;
    }
    if (o->hotels_out && o->hotels) {
        fprintf(stderr, "isla gen: --hotels-out writes the generated hotels; with --hotels FILE the hotels are "
                        "FILE's already\n");
        return 2;
    }
    if (o->destinations && o->hotels) {
        fprintf(stderr, "isla gen: --hotels and --destinations cannot be combined "
                        "(each destination gets its own hotels; --hotels-out writes them)\n");
        return 2;
    }
    return -1;
}

int cmd_gen(int argc, char **argv)
{
    gen_options o;
    int rc = parse_options(argc, argv, &o);
    return rc >= 0 ? rc : gen_run(&o);
}
