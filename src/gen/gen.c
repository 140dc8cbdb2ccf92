/* `isla gen`: writes a realistic, deterministic offer dump as CSV.
 *
 * The output is a pure function of the options and the seeds: the world
 * (hotels, airports, flights; gen_world.c) comes from --world-seed, the rows
 * from --seed through our own xoshiro256** stream. The same seed gives the
 * same offers in every --format, delimiter and quoting; only their spelling
 * and the column order change.
 *
 * Speed: rows are formatted straight into a 4 MiB buffer with fixed-size
 * copies of precomputed text (every date of the period, every five-minute
 * time, every enum value, every hotel id), so a row is a few dozen stores
 * and one integer conversion (the price); the buffer goes out with write(2).
 * SIGPIPE is ignored while generating so `isla gen ... | head` ends with a
 * quiet exit 1 instead of a signal. */
#include "gen/gen.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dest/dest.h"
#include "gen/gen_world.h"
#include "hotels/hotels.h"
#include "util/days.h"
#include "util/xalloc.h"

/* ---- columns ---- */

typedef enum {
    COL_HOTELID,
    COL_OUTDEP,
    COL_INDEP,
    COL_ADULTS,
    COL_CHILDREN,
    COL_PRICE,
    COL_INDEPAIR,
    COL_OUTARRAIR,
    COL_INARRDT,
    COL_OUTDEPAIR,
    COL_INARRAIR,
    COL_OUTARRDT,
    COL_MEAL,
    COL_OCEAN,
    COL_ROOM,
    COL_OUTAIRLINE,
    COL_INAIRLINE,
    NCOLS
} col_kind;

/* The 2023 header, in the order of the real dump. */
static const char *const col_names[NCOLS] = {
    "hotelid", "outbounddeparturedatetime", "inbounddeparturedatetime", "countadults",
    "countchildren", "price", "inbounddepartureairport", "outboundarrivalairport",
    "inboundarrivaldatetime", "outbounddepartureairport", "inboundarrivalairport",
    "outboundarrivaldatetime", "mealtype", "oceanview", "roomtype", "outboundairline",
    "inboundairline",
};


/* Precomputed text; every entry is padded so it can be copied with a fixed
 * size and the write position advanced by its true length. The buffer has
 * slack at the end, so the padding may land beyond the row. */
typedef struct {
    char date[GEN_N_DAYS][16];      /* "YYYY-MM-DD" */
    char time[GEN_SLOTS_PER_DAY][16]; /* "THH:MM:00+00:00" */
    char meal[GEN_N_MEALS][24];
    uint8_t meal_len[GEN_N_MEALS];
    char room[GEN_N_ROOMS][24];
    uint8_t room_len[GEN_N_ROOMS];
    char small[256][4]; /* 0..255 */
    uint8_t small_len[256];
    col_kind cols[NCOLS];
    int ncols;
    char delim, quote;
    bool crlf;
} formatter;

static void formatter_init(formatter *f, const gen_options *o)
{
    memset(f, 0, sizeof *f);
    int32_t base = days_from_civil(GEN_BASE_YEAR, 1, 1);
    for (int i = 0; i < GEN_N_DAYS; i++)
        format_date(base + i, f->date[i]);
    for (int s = 0; s < GEN_SLOTS_PER_DAY; s++) {
        int h = s / 12, m = s % 12 * 5;
        char *t = f->time[s];
        t[0] = 'T';
        t[1] = (char)('0' + h / 10);
        t[2] = (char)('0' + h % 10);
        t[3] = ':';
        t[4] = (char)('0' + m / 10);
        t[5] = (char)('0' + m % 10);
        memcpy(t + 6, ":00+00:00", 9);
    }
    for (int i = 0; i < GEN_N_MEALS; i++) {
        f->meal_len[i] = (uint8_t)strlen(gen_meal_names[i]);
        memcpy(f->meal[i], gen_meal_names[i], f->meal_len[i]);
    }
    for (int i = 0; i < GEN_N_ROOMS; i++) {
        f->room_len[i] = (uint8_t)strlen(gen_room_names[i]);
        memcpy(f->room[i], gen_room_names[i], f->room_len[i]);
    }
    for (int i = 0; i < 256; i++)
        f->small_len[i] = (uint8_t)snprintf(f->small[i], 4, "%d", i);

    f->ncols = o->format == GEN_FMT_NEW ? NCOLS : COL_OUTAIRLINE;
    for (int i = 0; i < f->ncols; i++)
        f->cols[i] = (col_kind)i;
    if (o->format != GEN_FMT_2023) {
        /* Older and newer dumps: a seed-dependent column order, so importers
         * must map columns by header name. */
        gen_rng r;
        gen_rng_seed(&r, o->seed ^ 0x434f4c554d4e53ULL);
        for (int i = f->ncols - 1; i > 0; i--) {
            int j = (int)gen_below(gen_rng_next(&r), (uint32_t)i + 1);
            col_kind t = f->cols[i];
            f->cols[i] = f->cols[j];
            f->cols[j] = t;
        }
    }
    f->delim = o->delim;
    f->quote = o->quote ? '"' : 0;
    f->crlf = o->crlf;
}

static char *put_eol(char *p, const formatter *f)
{
    if (f->crlf)
        *p++ = '\r';
    *p++ = '\n';
    return p;
}

static char *emit_header(char *p, const formatter *f, int format)
{
    for (int i = 0; i < f->ncols; i++) {
        if (i)
            *p++ = f->delim;
        const char *name = col_names[f->cols[i]];
        if (format == GEN_FMT_OLD && f->cols[i] == COL_OUTDEP)
            name = "departuredate";
        if (format == GEN_FMT_OLD && f->cols[i] == COL_INDEP)
            name = "returndate";
        size_t n = strlen(name);
        if (f->quote)
            *p++ = '"';
        memcpy(p, name, n);
        p += n;
        if (f->quote)
            *p++ = '"';
    }
    return put_eol(p, f);
}

static inline char *put_dt(char *p, const formatter *f, unsigned day, unsigned slot)
{
    memcpy(p, f->date[day], 16);
    memcpy(p + 10, f->time[slot], 16);
    return p + 25;
}

/* Digits end at t[10]; the fixed 10-byte copy may carry up to nine bytes of
 * the zeroed tail, which the next field overwrites. */
static inline char *put_u32(char *p, uint32_t v)
{
    char t[20] = {0};
    int i = 10;
    do {
        t[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    memcpy(p, t + i, 10);
    return p + (10 - i);
}

/* Longest row: 17 fields, none over 25 bytes plus quotes and delimiter,
 * plus the padding of fixed-size copies. */
#define MAX_ROW 1024

/* The hot loop: one row of text from one offer. */
static char *emit_row(char *p, const formatter *f, const gen_world *worlds, const gen_offer *o)
{
    const gen_world *w = &worlds[o->world];
    const char q = f->quote;
    for (int i = 0; i < f->ncols; i++) {
        if (i)
            *p++ = f->delim;
        if (q)
            *p++ = q;
        switch (f->cols[i]) {
        case COL_HOTELID: {
            const gen_hotel *h = &w->hotels[o->hotel];
            memcpy(p, h->idstr, sizeof h->idstr);
            p += h->idlen;
            break;
        }
        case COL_OUTDEP:
            p = put_dt(p, f, o->out_dep_day, o->out_dep_slot);
            break;
        case COL_INDEP:
            p = put_dt(p, f, o->in_dep_day, o->in_dep_slot);
            break;
        case COL_INARRDT:
            p = put_dt(p, f, o->in_arr_day, o->in_arr_slot);
            break;
        case COL_OUTARRDT:
            p = put_dt(p, f, o->out_arr_day, o->out_arr_slot);
            break;
        case COL_ADULTS:
            memcpy(p, f->small[o->adults], 4);
            p += f->small_len[o->adults];
            break;
        case COL_CHILDREN:
            memcpy(p, f->small[o->children], 4);
            p += f->small_len[o->children];
            break;
        case COL_PRICE:
            p = put_u32(p, o->price);
            break;
        case COL_INDEPAIR:
        case COL_OUTARRAIR:
            memcpy(p, w->dest, 4);
            p += 3;
            break;
        case COL_OUTDEPAIR:
        case COL_INARRAIR:
            memcpy(p, gen_airport_codes[o->airport], 4);
            p += 3;
            break;
        case COL_MEAL:
            memcpy(p, f->meal[o->meal], 24);
            p += f->meal_len[o->meal];
            break;
        case COL_ROOM:
            memcpy(p, f->room[o->room], 24);
            p += f->room_len[o->room];
            break;
        case COL_OCEAN:
            if (o->ocean) {
                memcpy(p, "true", 4);
                p += 4;
            } else {
                memcpy(p, "false", 5);
                p += 5;
            }
            break;
        case COL_OUTAIRLINE:
            memcpy(p, gen_airline_codes[o->out_airline], 2);
            p += 2;
            break;
        case COL_INAIRLINE:
            memcpy(p, gen_airline_codes[o->in_airline], 2);
            p += 2;
            break;
        case NCOLS:
            break;
        }
        if (q)
            *p++ = q;
    }
    return put_eol(p, f);
}

/* ---- output ---- */

/* Returns 0, or 1 after reporting the error (EPIPE quietly). */
static int write_all(int fd, const char *p, size_t n, const char *name)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EPIPE)
                fprintf(stderr, "isla gen: write to %s failed: %s\n", name, strerror(errno));
            return 1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* ---- the run ---- */

/* Recent offers that a duplicate may repeat. */
#define RING 65536

/* The worlds of a dump: one per destination, and the table that picks one
 * for each fresh offer by popularity. */
typedef struct {
    gen_world *w;
    size_t n;
    gen_alias pick[64];
} worlds;

#define MAX_DESTINATIONS 64

static int generate(const gen_options *o, const worlds *ws, int fd, const char *name)
{
    enum { BUFSZ = 4 << 20 };
    formatter *f = malloc(sizeof *f);
    char *buf = malloc(BUFSZ + MAX_ROW);
    gen_offer *ring = malloc(RING * sizeof *ring);
    if (!f || !buf || !ring) {
        fprintf(stderr, "isla gen: out of memory\n");
        free(f);
        free(buf);
        free(ring);
        return 1;
    }
    formatter_init(f, o);
    gen_rng r;
    gen_rng_seed(&r, o->seed ^ 0x524f5753ULL);

    int rc = 0;
    char *p = buf;
    if (o->header)
        p = emit_header(p, f, o->format);
    uint64_t fresh = 0; /* offers stored in the ring */
    for (uint64_t i = 0; i < o->offers; i++) {
        if (p >= buf + BUFSZ) {
            if ((rc = write_all(fd, buf, (size_t)(p - buf), name)))
                break;
            p = buf;
        }
        uint64_t u = gen_rng_next(&r);
        const gen_offer *of;
        if (fresh && u < o->dup_thr) {
            /* An exact repeat of one of the last RING distinct offers. */
            uint64_t span = fresh < RING ? fresh : RING;
            uint64_t back = gen_below(gen_rng_next(&r), (uint32_t)span);
            of = &ring[(fresh - 1 - back) % RING];
        } else {
            gen_offer *slot = &ring[fresh % RING];
            /* one world: no draw, so the Mallorca dump keeps its bytes */
            uint8_t wi = ws->n > 1 ? (uint8_t)gen_alias_draw(ws->pick, (uint32_t)ws->n, gen_rng_next(&r)) : 0;
            gen_world_offer(&ws->w[wi], &r, gen_rng_next(&r) < o->unknown_thr, slot);
            slot->world = wi;
            fresh++;
            of = slot;
        }
        p = emit_row(p, f, ws->w, of);
    }
    if (!rc && p > buf)
        rc = write_all(fd, buf, (size_t)(p - buf), name);
    free(f);
    free(buf);
    free(ring);
    return rc;
}

/* What the generator knows of a destination's market: share of the
 * offers, price level, and season (shift of the summer peak in days, and
 * depth: 1 = Mallorca's summer peak, lower = flatter, winter-sun places). */
typedef struct {
    const char *code;
    double weight, price, depth;
    int shift;
} dest_market;

static const dest_market markets[] = {
    {"PMI", 1.00, 1.00, 1.0, 0},   {"IBZ", 0.35, 1.15, 1.1, 0},   {"MAH", 0.20, 1.05, 1.1, 0},
    {"AYT", 0.90, 0.70, 0.9, 10},  {"HER", 0.50, 0.95, 1.0, 5},   {"RHO", 0.35, 0.90, 1.0, 5},
    {"KGS", 0.25, 0.90, 1.0, 5},   {"CFU", 0.25, 0.95, 1.0, 0},   {"ZTH", 0.15, 0.90, 1.0, 0},
    {"LPA", 0.45, 1.00, 0.35, 182}, {"TFS", 0.45, 1.05, 0.35, 182}, {"FUE", 0.35, 0.95, 0.4, 182},
    {"ACE", 0.30, 1.00, 0.4, 182}, {"FAO", 0.25, 1.00, 0.9, 0},   {"FNC", 0.15, 1.05, 0.3, 150},
    {"AGP", 0.30, 1.00, 0.8, 0},   {"HRG", 0.60, 0.60, 0.4, 170}, {"RMF", 0.20, 0.70, 0.4, 170},
    {"SSH", 0.20, 0.65, 0.4, 170}, {"DJE", 0.20, 0.60, 0.8, 20},  {"BJV", 0.25, 0.80, 1.0, 10},
    {"DLM", 0.20, 0.80, 1.0, 10},  {"SPU", 0.20, 0.95, 1.1, 0},   {"OLB", 0.20, 1.20, 1.1, 0},
    {"CTA", 0.20, 1.00, 1.0, 0},   {"MLA", 0.15, 0.95, 0.8, 0},
};

static dest_market market_of(const char *code)
{
    for (size_t i = 0; i < sizeof markets / sizeof markets[0]; i++)
        if (!strcmp(markets[i].code, code))
            return markets[i];
    /* unknown to the generator: a small market, price level from the code */
    uint64_t h = gen_mix64((uint64_t)(unsigned char)code[0] << 16 | (uint64_t)(unsigned char)code[1] << 8 |
                           (unsigned char)code[2]);
    return (dest_market){code, 0.2, 0.8 + (double)(h % 40) / 100.0, 1.0, 0};
}

/* Parses --destinations into codes; returns the count or -1 (message printed). */
static int parse_destinations(const char *list, char codes[][4])
{
    int n = 0;
    const char *p = list;
    for (;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && *p == ' ')
            p++, len--;
        while (len && p[len - 1] == ' ')
            len--;
        char code[4];
        if (!len || !dest_resolve(p, len, code)) {
            fprintf(stderr, "isla gen: --destinations: '%.*s' is neither a 3-letter IATA code nor a known "
                            "destination name\n", (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        for (int k = 0; k < n; k++)
            if (!strcmp(codes[k], code)) {
                fprintf(stderr, "isla gen: --destinations: %s is listed twice\n", code);
                return -1;
            }
        if (n == MAX_DESTINATIONS) {
            fprintf(stderr, "isla gen: --destinations: at most %d destinations\n", MAX_DESTINATIONS);
            return -1;
        }
        memcpy(codes[n++], code, 4);
        if (!e)
            return n;
        p = e + 1;
    }
}

/* hotelid;hotelname;hotelstars;destination with CRLF, like the real file
 * plus the destination column. Unknown hotels are left out on purpose. */
static int write_hotels(const char *path, const worlds *ws)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "isla gen: --hotels-out: cannot create %s: %s\n", path, strerror(errno));
        return 1;
    }
    fputs("hotelid;hotelname;hotelstars;destination\r\n", f);
    for (size_t k = 0; k < ws->n; k++) {
        const gen_world *w = &ws->w[k];
        const char *place = dest_display_name(w->dest);
        for (uint32_t i = 0; i < w->n_known; i++)
            fprintf(f, "%u;%s Hotel %u;%g;%s\r\n", w->hotels[i].id, place ? place : w->dest, i + 1,
                    (double)w->hotels[i].stars, w->dest);
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "isla gen: --hotels-out: writing %s failed: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

/* --hotels FILE: the ids and stars of hotels.csv, read by the importer's
 * reader in strict mode (a bad row is an error: skipping hotels would skew
 * the generated data). Returns 0, 1 (cannot read) or 2 (bad content). */
static int read_hotels(const char *path, gen_hotel_in **out, size_t *n)
{
    hotel_list l;
    char err[512];
    int rc = hotels_load(path, stderr, true, &l, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "isla gen: --hotels: %s\n", err);
        return rc == -1 ? 1 : 2;
    }
    if (l.len == 0) {
        fprintf(stderr, "isla gen: --hotels: %s: no hotels in file\n", path);
        hotels_free(&l);
        return 2;
    }
    /* unknown hotels get ids above the largest: leave them room */
    if (l.items[l.len - 1].id > GEN_MAX_HOTEL_ID) {
        fprintf(stderr, "isla gen: --hotels: %s:%u: hotel id %u is above %u\n", path, l.items[l.len - 1].line,
                l.items[l.len - 1].id, GEN_MAX_HOTEL_ID);
        hotels_free(&l);
        return 2;
    }
    *out = xmalloc(l.len * sizeof **out);
    for (size_t i = 0; i < l.len; i++)
        (*out)[i] = (gen_hotel_in){l.items[i].id, (float)l.items[i].stars_x10 / 10.0f};
    *n = l.len;
    hotels_free(&l);
    return 0;
}

int gen_run(const gen_options *opt)
{
    const gen_options o = *opt;
    int rc;

    gen_hotel_in *hotels = NULL;
    size_t nhotels = 0;
    if (o.hotels && (rc = read_hotels(o.hotels, &hotels, &nhotels)) != 0)
        return rc;
    worlds ws = {0};
    char codes[MAX_DESTINATIONS][4];
    int n_dest = 1;
    if (o.destinations && (n_dest = parse_destinations(o.destinations, codes)) < 0)
        return 2;
    ws.n = (size_t)n_dest;
    ws.w = calloc(ws.n, sizeof *ws.w);
    bool ok = ws.w != NULL;
    if (ok && !o.destinations) {
        ok = gen_world_init(&ws.w[0], hotels, nhotels, o.world_seed, NULL);
    } else if (ok) {
        double wt[MAX_DESTINATIONS], total = 0;
        for (int k = 0; k < n_dest; k++)
            total += wt[k] = market_of(codes[k]).weight;
        for (int k = 0; k < n_dest && ok; k++) {
            dest_market m = market_of(codes[k]);
            uint32_t nh = o.hotels_per_dest ? o.hotels_per_dest : (uint32_t)(998.0 * m.weight + 0.5);
            gen_dest d = {.id_base = (uint32_t)k * 10000, .n_hotels = nh < 40 ? 40 : nh,
                          .unknown_base = 100000 + (uint32_t)k * 1000, .price_level = m.price,
                          .season_depth = m.depth, .season_shift = m.shift};
            memcpy(d.code, codes[k], 4);
            /* every destination its own world: its own popularity and flights */
            ok = gen_world_init(&ws.w[k], NULL, 0, o.world_seed + (uint64_t)k * 0x9E3779B9ULL, &d);
        }
        uint32_t vals[MAX_DESTINATIONS];
        for (int k = 0; k < n_dest; k++)
            vals[k] = (uint32_t)k, wt[k] /= total;
        gen_build_alias(ws.pick, wt, vals, (uint32_t)n_dest);
    }
    free(hotels);
    if (!ok) {
        fprintf(stderr, "isla gen: out of memory\n");
        for (size_t k = 0; ws.w && k < ws.n; k++)
            gen_world_free(&ws.w[k]);
        free(ws.w);
        return 1;
    }
    if (o.hotels_out && (rc = write_hotels(o.hotels_out, &ws)) != 0) {
        for (size_t k = 0; k < ws.n; k++)
            gen_world_free(&ws.w[k]);
        free(ws.w);
        return rc;
    }

    bool to_stdout = !strcmp(o.out, "-");
    int fd = 1;
    if (!to_stdout) {
        fd = open(o.out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            fprintf(stderr, "isla gen: --out: cannot create %s: %s\n", o.out, strerror(errno));
            for (size_t k = 0; k < ws.n; k++)
                gen_world_free(&ws.w[k]);
            free(ws.w);
            return 1;
        }
    } else {
        fflush(stdout);
        /* Into a pipe (`isla gen | isla import`): a 1 MiB pipe instead of
         * the default 64 KiB, so the two sides wake each other 16 times
         * less often. Advice only: the size stays if the call fails. */
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
            (void)fcntl(fd, F_SETPIPE_SZ, 1 << 20);
    }

    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    rc = generate(&o, &ws, fd, to_stdout ? "stdout" : o.out);
    sigaction(SIGPIPE, &old, NULL);

    if (!to_stdout && close(fd) != 0 && !rc) {
        fprintf(stderr, "isla gen: closing %s failed: %s\n", o.out, strerror(errno));
        rc = 1;
    }
    for (size_t k = 0; k < ws.n; k++)
        gen_world_free(&ws.w[k]);
    free(ws.w);
    return rc;
}
