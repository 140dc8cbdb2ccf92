/* The store: one immutable, memory-mapped generation of offers.
 *
 * A generation is a directory DIR/gen-NNNNNNNNNNNN holding `offers.isla`
 * (everything the server needs, one mmap), `rejects.csv` and `import.json`.
 * DIR/CURRENT names the generation to serve; it is replaced by rename(2), so
 * a reader sees the old generation or the new one, never half of one.
 *
 * Layout of offers.isla: a 4 KiB header with a section table, then sections
 * aligned to 64 bytes, each with its own CRC-32. Offers are stored column-wise
 * and sorted by (adults, children, nights, hotel, departure day, airport,
 * price, ...), so one search touches one contiguous slice per hotel: the
 * "group" directory maps (adults, children, nights) to a list of "runs", one
 * run per hotel, and within a run departure days ascend (binary search).
 *
 * The hot columns a search reads are 9 bytes an offer (day, airport, price,
 * meal, room|ocean); the 20-byte detail record is read only to print offers. */
#ifndef ISLA_STORE_H
#define ISLA_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { STORE_DICT_AIRPORT, STORE_DICT_MEAL, STORE_DICT_ROOM, STORE_DICT_ZONE, STORE_DICT_COUNT };
#define STORE_DICT_MAX 255     /* ids are bytes; room ids are < 128 (bit 7 is ocean view) */
#define STORE_DICT_STRLEN 32   /* longest value + NUL */
#define STORE_OCEAN_BIT 0x80

typedef struct {
    uint32_t id;          /* the dump's hotel id */
    uint8_t stars_x10;    /* 0..50; 0 = unknown */
    uint8_t known;        /* 1 if listed in hotels.csv, 0 = placeholder */
    uint16_t name_len;
    uint32_t name_off;    /* into the names section */
} store_hotel;

typedef struct {
    uint32_t hotel;       /* hotel index (hotels are sorted by id) */
    uint32_t start;       /* first offer index */
    uint32_t count;
} store_run;

typedef struct {
    uint8_t adults, children;
    uint16_t nights;
    uint32_t first_run, run_count;
} store_group;

/* Everything about an offer that only printing needs. Datetimes are kept
 * as written: the departure days come from the hot columns (inbound =
 * outbound + nights), the times and arrival offsets from here, and each
 * datetime's zone suffix ("+00:00", "Z", "" ...) is an id into the ZONE
 * dictionary, packed beside the time of day (see DETAIL_* below). */
typedef struct {
    int32_t out_arr_delta;    /* outbound arrival - outbound departure, seconds */
    int32_t in_arr_delta;     /* inbound arrival - inbound departure, seconds */
    uint32_t out_dep;         /* DETAIL_PACK(departure time, dep zone, arr zone) */
    uint32_t in_dep;          /* same for the inbound flight */
    uint8_t out_arr_airport, in_dep_airport, in_arr_airport, pad;
} store_detail;

/* Bits 0-16: seconds since midnight; 17-23: departure zone; 24-30: arrival zone. */
#define DETAIL_PACK(sec, dep_zone, arr_zone) \
    ((uint32_t)(sec) | (uint32_t)(dep_zone) << 17 | (uint32_t)(arr_zone) << 24)
#define DETAIL_SEC(x) ((x) & 0x1FFFFu)
#define DETAIL_DEP_ZONE(x) ((x) >> 17 & 0x7Fu)
#define DETAIL_ARR_ZONE(x) ((x) >> 24 & 0x7Fu)
#define STORE_ZONE_MAX 127
/* The ZONE entry that marks a bare date ("2023-07-01", old dumps): printed
 * without a time, exactly as it was written. */
#define STORE_ZONE_DATE_ONLY "date"


/* Import figures carried in the generation, for /api/health and metrics. */
typedef struct {
    uint64_t rows, imported, rejected, duplicates, unknown_hotel_rows;
    uint64_t bytes, created_unix, duration_ms;
} store_import_stats;

typedef struct store {
    uint64_t generation;
    char path[4096];          /* the generation directory */
    uint32_t n_offers, n_hotels, n_groups, n_runs;
    /* hot columns, n_offers each */
    const uint16_t *dep_day;  /* days since 1970-01-01 */
    const uint8_t *airport;   /* outbound departure airport id */
    const uint32_t *price;
    const uint8_t *meal;
    const uint8_t *room_ocean;
    const store_detail *detail;
    const store_hotel *hotels;
    const char *names;
    const store_group *groups;
    const store_run *runs;
    uint8_t dict_len[STORE_DICT_COUNT];
    const char (*dict[STORE_DICT_COUNT])[STORE_DICT_STRLEN];
    store_import_stats stats;
    void *map;
    size_t map_len;
    atomic_uint refs;         /* see store_retain/store_release */
} store_t;

/* Everything the importer built, to be written as one generation. */
typedef struct {
    uint32_t n_offers, n_hotels, n_groups, n_runs;
    const uint16_t *dep_day;
    const uint8_t *airport, *meal, *room_ocean;
    const uint32_t *price;
    const store_detail *detail;
    const store_hotel *hotels;
    const char *names;
    size_t names_len;
    const store_group *groups;
    const store_run *runs;
    uint8_t dict_len[STORE_DICT_COUNT];
    char dict[STORE_DICT_COUNT][STORE_DICT_MAX][STORE_DICT_STRLEN];
    store_import_stats stats;
} store_image;

/* Writes img as DIR/<tmp>/offers.isla, fsyncs it and returns the temporary
 * directory in tmpdir; store_publish then makes it a generation. */
int store_write_tmp(const char *dir, const store_image *img, char *tmpdir, size_t tmplen,
                    char *err, size_t errlen);
/* Renames tmpdir to the next generation, points CURRENT at it (atomically,
 * under DIR/.lock) and removes generations older than the previous one.
 * Returns the new generation number, 0 on error. */
uint64_t store_publish(const char *dir, const char *tmpdir, char *err, size_t errlen);

/* Opens the generation DIR/CURRENT names. With verify, every section's
 * CRC is checked (reads the whole file once). Returns NULL and fills err. */
store_t *store_open(const char *dir, bool verify, char *err, size_t errlen);
store_t *store_open_generation(const char *gen_dir, bool verify, char *err, size_t errlen);
/* Checks all section checksums; 0 if intact. */
int store_verify(const store_t *s, char *err, size_t errlen);
/* Reference counting, so a reload can swap generations under running
 * requests: store_open returns one reference; the last release unmaps. */
void store_retain(store_t *s);
void store_release(store_t *s);

/* Hotel index for a dump hotel id, or -1. */
int64_t store_find_hotel(const store_t *s, uint64_t hotel_id);
/* Dictionary id for a value (exact, case-sensitive), or -1. */
int store_dict_find(const store_t *s, int dict, const char *v, size_t n);
static inline const char *store_dict_str(const store_t *s, int dict, unsigned id)
{
    return s->dict[dict][id];
}

#endif
