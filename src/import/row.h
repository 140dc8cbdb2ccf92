/* One offer row: header mapping, parsing, validation, rejection reasons.
 *
 * Columns are found by header name (case-insensitive, any order; older
 * dumps' departuredate/returndate are aliases; unknown columns such as the
 * airline ones are ignored). Every value is validated; a row that fails is
 * rejected with a reason naming the column and the offending value. */
#ifndef ISLA_ROW_H
#define ISLA_ROW_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum {
    COL_HOTEL_ID, COL_OUT_DEP_DT, COL_IN_DEP_DT, COL_ADULTS, COL_CHILDREN, COL_PRICE,
    COL_OUT_DEP_AIRPORT, COL_OUT_ARR_AIRPORT, COL_OUT_ARR_DT, COL_IN_DEP_AIRPORT,
    COL_IN_ARR_AIRPORT, COL_IN_ARR_DT, COL_MEAL, COL_OCEAN_VIEW, COL_ROOM, COL_COUNT
};

#define ROW_MAX_FIELDS 64

typedef struct {
    char delim;
    int n_fields;             /* fields a row must have */
    int field_of[COL_COUNT];  /* column -> field position */
} row_layout;

/* What a file with CR-only line ends (classic Mac OS) is told instead of
 * "too many fields": without line feeds it reads as a single line. */
#define ROW_CR_ONLY_MSG                                                                              \
    "line endings are CR only (old Mac): the file has no line feeds, so it reads as one line; "     \
    "convert them to LF or CRLF first, e.g. tr '\\r' '\\n' < dump.csv > fixed.csv"

/* Reads the header line. On error (missing or repeated column, empty
 * header) returns -1 with a message naming the columns. */
int row_layout_from_header(const char *line, size_t n, row_layout *out, char *err, size_t errlen);

/* A value dictionary shared by all import threads: ids are assigned on
 * first sight under a lock; lookups go through a per-thread cache. */
typedef struct {
    pthread_mutex_t lock;
    unsigned max;
    atomic_uint len;
    char values[STORE_DICT_MAX][STORE_DICT_STRLEN];
} import_dict;

void import_dict_init(import_dict *d, unsigned max);

typedef struct {
    int16_t id;               /* -1: empty slot */
    uint8_t len;
    char v[STORE_DICT_STRLEN - 1];
} dict_cache_slot;

#define DICT_CACHE_SLOTS 1024

/* The print-only fields of a parsed row, exact; the builder packs them
 * into a store_detail. */
typedef struct {
    int32_t out_arr_delta;    /* outbound arrival - outbound departure, seconds */
    int32_t in_arr_delta;     /* inbound arrival - inbound departure, seconds */
    uint32_t out_dep;         /* DETAIL_PACK(departure time, dep zone, arr zone) */
    uint32_t in_dep;
    uint8_t out_arr_airport, in_dep_airport, in_arr_airport, pad;
} row_detail;

/* A parsed row. Hotel ids are still the dump's: the builder maps them. */
typedef struct {
    uint32_t hotel_id;
    uint32_t price;
    uint16_t dep_day;
    uint16_t nights;
    uint8_t adults, children, airport, meal, room_ocean, pad[3];
    row_detail detail;
    uint32_t chunk, line;     /* where it came from, for duplicate reports */
} offer_row;

/* Dictionary-coded fields of a row; each remembers its last value,
 * because consecutive rows mostly repeat it ("PMI", "+00:00"). */
enum { SLOT_OUT_DEP_AIRPORT, SLOT_OUT_ARR_AIRPORT, SLOT_IN_DEP_AIRPORT, SLOT_IN_ARR_AIRPORT,
       SLOT_MEAL, SLOT_ROOM, SLOT_ZONE0, SLOT_COUNT = SLOT_ZONE0 + 4 };

/* Values as they stand in the dump (before upper-casing), up to 24 bytes,
 * with the dictionary id they were accepted with: a repeat skips the token
 * and vocabulary checks. Only accepted values are kept. */
typedef struct {
    uint64_t k[3];
    int16_t id;               /* -1: empty slot */
    uint8_t len;
} raw_cache_slot;

#define RAW_CACHE_SLOTS 256

/* Dates ("YYYY-MM-DD", the first 10 bytes of a datetime) seen valid, with
 * their day numbers. */
typedef struct {
    uint64_t ymd;             /* bytes 0-7 */
    uint16_t dd;              /* bytes 8-9 */
    int32_t day;              /* INT32_MIN: empty slot */
} date_cache_slot;

#define DATE_CACHE_SLOTS 1024

typedef struct {
    const row_layout *layout;
    import_dict *dicts;       /* STORE_DICT_COUNT of them */
    dict_cache_slot last[SLOT_COUNT];
    dict_cache_slot cache[STORE_DICT_COUNT][DICT_CACHE_SLOTS];
    raw_cache_slot raw[STORE_DICT_COUNT][RAW_CACHE_SLOTS];
    unsigned raw_used[STORE_DICT_COUNT];
    date_cache_slot dates[DATE_CACHE_SLOTS];
    uint64_t zone6_key;       /* the last 6-byte zone ("+00:00") accepted, and its id */
    int zone6_id;             /* -1: none yet */
} row_parser;

void row_parser_init(row_parser *p, const row_layout *layout, import_dict *dicts);

/* Parses one line (no line terminator). Returns 0, or -1 with a reason. */
int row_parse(row_parser *p, const char *line, size_t n, offer_row *out, char *why, size_t whylen);

#endif
