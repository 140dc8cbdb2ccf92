/* Differential test: isla's search engine against SQLite as the oracle.
 * The files, by what they do:
 *   main.c      options, the run: generate, import, load, search, report
 *   common.c    small helpers, the oracle's own calendar, files, processes
 *   oracle.c    the dump loaded into SQLite, independently of isla
 *   searches.c  random searches as query strings, and their SQL
 *   compare.c   one search run through isla and compared with SQL
 *   checks.c    bad input of the guides' forms, the import check
 *
 *
 *   diff_sqlite --offers N --seed S --searches K [--bin build/isla]
 *               [--workdir DIR] [--keep] [--hotels PATH] [--shared DIR]
 *               [--destinations PMI,IBZ,...] [--details N] [--verbose]
 *
 * With --destinations the dump covers several destinations (`isla gen
 * --destinations`, its --hotels-out file as hotels.csv): searches then
 * filter by destination (codes, names, several, none, one the data lacks).
 * Every run also mixes in the guides' forms: no `duration`, the
 * departureDate/returnDate aliases, `fields=`, and hotel offers with no or
 * only some search parameters, paged to the end.
 *
 * 1. `isla gen` writes a dump (the real generator, run as a process);
 * 2. import_run() imports it in-process and store_open() opens it;
 * 3. the same CSV is parsed here, independently of isla, into an in-memory
 *    SQLite database whose SQL spells out PRODUCT.md's search semantics;
 * 4. K random searches (deterministic per seed) are written as query
 *    strings, parsed by params_parse(), and run through query_best_offers(),
 *    query_sort_best() and query_hotel_offers() (paged with the cursor
 *    from cursor_encode(), fed back through params_parse());
 * 5. every answer is compared with the SQL answer; offers and best offers
 *    are read from isla's own JSON (render_offer, render_best).
 *
 * Output: "ok <what>" / "FAIL <what>: ..." lines (the import check, then
 * one per search class), details of the first mismatches (--details), "#"
 * lines with timings, and a last line "N passed, M failed" counting
 * searches (a failed import check counts as one more failure). Exit status
 * 0 iff nothing failed.
 *
 * The oracle never uses isla's code: dates, nights, duplicates, hotels and
 * the query parameters a search means are all computed here or in SQL. */
#ifndef ISLA_DIFF_H
#define ISLA_DIFF_H

#include <errno.h>

#include <fcntl.h>

#include <ftw.h>

#include <limits.h>

#include <spawn.h>

#include <sqlite3.h>

#include <stdarg.h>

#include <stdbool.h>

#include <stdint.h>

#include <stdio.h>

#include <stdlib.h>

#include <string.h>

#include <strings.h>

#include <sys/stat.h>

#include <sys/wait.h>

#include <time.h>

#include <unistd.h>

#include "api/api.h"

#include "api/params.h"

#include "api/render.h"

#include "dest/dest.h"

#include "import/import.h"

#include "query/order.h"

#include "query/query.h"

#include "store/store.h"

extern char **environ;

/* A growing string. */
typedef struct {
    char *s;
    size_t len, cap;
} str_t;

/* Deterministic random numbers (splitmix64). */
typedef struct {
    uint64_t x;
} rng_t;

#define CAL_DAYS 80000 /* 1970 .. ~2189 */

enum {
    C_HOTEL, C_ODT, C_IDT, C_ADULTS, C_CHILDREN, C_PRICE, C_IDEP, C_OARR, C_IARRDT, C_ODEP, C_IARR,
    C_OARRDT, C_MEAL, C_OCEAN, C_ROOM, NCOL
};

#define SQL_DEDUP_MAX 300000

/* The set of distinct rows seen: each row's 15 values joined by 0x1F (the
 * key), compared in full on a hash hit, so duplicates are exact. */
typedef struct {
    uint64_t hash;
    const char *key;
    uint32_t len;
} row_slot;

/* A searchable sample of offers, to anchor searches in real data. */
typedef struct {
    int adults, children, nights, dep_day;
    long price;
    char odep[24], meal[24], room[24], ocean[8], oarr[24];
} anchor_t;

/* One distinct row, in the order the table is filled. */
typedef struct {
    uint64_t k1;      /* adults, children, nights */
    uint64_t k2;      /* hotel, departure day */
    const char *key;  /* the 15 values, 0x1F-separated, in enum order */
    uint32_t len;
} row_ref;

#define N_AIRPORTS (int)(sizeof AIRPORTS / sizeof *AIRPORTS)

#define COUNT(a) (int)(sizeof a / sizeof *a)

enum { K_NARROW, K_TYPICAL, K_BROAD, K_EMPTY, K_FILTERED, K_COUNT };

#define MAX_CODES 64

typedef struct {
    int n;
    char v[MAX_CODES][24];
} code_list;

/* What a search means, as the oracle understands it. */
typedef struct {
    int kind;
    int adults, children, nights;
    int earliest, latest;     /* calendar days */
    code_list airports;       /* n == 0: any */
    code_list meals, rooms;   /* n == 0: any */
    int ocean;                /* -1 any */
    int min_stars_x10;        /* 0 none */
    long max_price;           /* -1 none */
    code_list dests;          /* arrival airports; n == 0: any destination */
    bool any_nights;          /* no duration: any length of stay */
    bool alias;               /* departureDate/returnDate instead of the official names */
    uint32_t fields;          /* best offers' fields= (render.h bits), 0 = all keys */
    /* hotel offers may leave parameters out (the guides' form): */
    bool h_no_earliest, h_no_latest, h_no_nights, h_no_party, h_children, h_bare;
    char qs[8192];            /* the query string isla gets */
    char qs_best[8300];       /* the same for bestOffersByHotel (may add sort) */
    char qs_hotel[8192];      /* the same for hotel offers */
} spec_t;

#define N_DEST_NAMES (int)(sizeof DEST_NAMES / sizeof *DEST_NAMES)

/* Query-string building: (key, value) pairs, shuffled, percent-encoded
 * here and there. */
typedef struct {
    int n;
    char k[80][48];
    char v[80][400];
} kv_list;

/* isla's answers are read from its own JSON (render.h), as a client
 * would: a flat object, one nested level ("hotel.id"). */
typedef struct {
    char key[48];
    const char *v;  /* string values without their quotes */
    size_t n;
    bool str;
} jfield;

/* price|odt|idt|odep|oarr|idep|iarr|oarrdt|iarrdt|meal|room|ocean */
typedef struct {
    uint32_t price;
    char odt19[20];
    char key[400];
} tuple_t;

typedef struct {
    int searches, failed, nonempty;
    uint64_t offers;        /* matching offers (SQL count) */
    uint64_t hotels;        /* result hotels */
    uint64_t paged_offers;  /* hotel offers compared one by one */
    uint64_t pages;
} class_stats;

/* where the time goes (printed with the timings) */
enum { PR_SQL_BEST, PR_ISLA_BEST, PR_EXISTS, PR_SORT, PR_HOTEL_SQL, PR_HOTEL_ISLA, PR_OUTSIDE, PR_COUNT };

typedef struct {
    const spec_t *sp;
    int problems;
    str_t msg;
} check_t;

typedef struct {
    int64_t hotel;
    int64_t min_price, count;
    int stars_x10;
} sql_best;

/* ---- shared across the files of the test ---------------------------- */

extern char cleanup_dir[4200];
extern char (*cal)[11];
extern sqlite3 *db;
extern bool verbose;
extern uint64_t csv_rows, csv_dups;
extern bool sql_dedup;
extern anchor_t *anchors;
extern size_t n_anchors;
extern const char *const class_names[K_COUNT];
extern code_list data_dests;
extern const store_t *S;
extern const char *const prof_names[PR_COUNT];
extern double prof[PR_COUNT];
extern int max_details;

double now_s(void);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *must_malloc(size_t n);
void *must_realloc(void *p, size_t n);
/* snprintf that may truncate on purpose (no truncation warnings). */
int fmt_s(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sputn(str_t *b, const char *p, size_t n);
void sputs(str_t *b, const char *p);
void sprintf_(str_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sclear(str_t *b);
uint32_t rnd_below(rng_t *r, uint32_t n);
int rnd_range(rng_t *r, int lo, int hi);
bool chance(rng_t *r, double p);
void cal_init(void);
int cal_day(const char *ymd);
void rm_rf(const char *path);
bool file_exists(const char *p);
int run_cmd(char *const argv[], const char *stdout_path);
bool repo_of(const char *bin, char *out, size_t cap);
sqlite3_stmt *sql_prep(const char *sql);
int64_t sql_int(const char *sql);
void create_db(const char *offers_csv, const char *hotels_csv, uint64_t seed);
void code_add(code_list *c, const char *v);
void make_search(rng_t *r, int kind, spec_t *sp);
void where_clause(const spec_t *sp, bool hotel, str_t *w);
void run_search(const spec_t *sp, rng_t *r, class_stats *cs);
int check_bad_input(void);
int check_import(const import_result *ir);
int main(int argc, char **argv);

#endif
