/* The store: one immutable, memory-mapped generation of offers.
 *
 * A generation is a directory DIR/gen-NNNNNNNNNNNN holding `offers.isla`
 * (everything the server needs, one mmap), `rejects.csv` and `import.json`.
 * DIR/CURRENT names the generation to serve; it is replaced by rename(2), so
 * a reader sees the old generation or the new one, never half of one.
 *
 * Layout of offers.isla: a 4 KiB header with a section table, then sections
 * aligned to 64 bytes, each with its own CRC-32. Offers are stored column-wise.
 *
 * Two orders, one copy. The offer columns are in "cell order": sorted by
 * group (adults, children, nights, destination), then departure airport,
 * departure day, hotel and price. The offers of one (group, airport) are a
 * "segment"; inside it the offers of one departure day are a "cell", and a
 * segment's cells are listed (day, first offer) so that a date window over
 * one airport is one contiguous range of offers, found by two binary
 * searches over at most a few hundred days. A search with airports reads
 * exactly the offers it matches, in address order, with no per-hotel
 * lookup: each offer carries its hotel's slot (its run's index inside the
 * group), and the search keeps the cheapest offer and a count per slot.
 *
 * The "run order" serves the searches of one hotel (hotel offers, a hotel's
 * calendar): per group, one run per hotel, split into lanes (one per
 * departure airport) with days ascending. RUN_OFFERS maps a run-order
 * position to its offer, RUN_DAY holds that offer's departure day, so a
 * lane's date window is a binary search over a contiguous day column.
 * Each run also carries its summary (count, cheapest offer, day span,
 * airports): a search whose window covers the whole run over any airport
 * reads the summary alone.
 *
 * The columns a search scans are 8 bytes an offer (slot, price, meal,
 * room|ocean); departure day, airport and the 16-byte detail record are read
 * only to print an offer and to break ties between equal prices.
 *
 * Destinations (the outbound arrival airport) partition the store: a group
 * is (adults, children, nights, destination), so a one-destination search
 * reads exactly the runs of that destination and costs no more than a
 * search of a store that holds only that destination. */
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
    uint8_t dest;         /* AIRPORT id of its destination, STORE_NO_DEST if unknown:
                             hotels.csv's destination column, else where most of
                             its offers fly to */
    uint8_t multi_dest;   /* 1 if its offers fly to more than one destination */
    uint8_t pad[2];
} store_hotel;
#define STORE_NO_DEST 0xFF

typedef struct {
    uint32_t hotel;       /* hotel index (hotels are sorted by id) */
    uint32_t start;       /* first run-order position (RUN_OFFERS, RUN_DAY) */
    uint32_t count;
    uint32_t first_lane;  /* lanes of this run: [first_lane, first_lane + n_lanes) */
    uint32_t n_lanes;
    uint16_t min_day, max_day;  /* departure days of the run span [min_day, max_day] */
    uint32_t min_price;   /* cheapest offer of the whole run ... */
    uint32_t best;        /* ... and one offer with that price (an offer index) */
    uint32_t pad;
    uint64_t airports;    /* bit a set if the run has a lane for airport id a < 64 */
} store_run;

/* The offers of one run and one departure airport: run-order positions
 * [start, start + count), days ascending, and the cheapest price among
 * them (a page of hotel offers that is full below it skips the lane). */
typedef struct {
    uint32_t start, count;
    uint32_t min_price;
    uint8_t airport, pad[3];
} store_lane;

/* The offers of one group and one departure airport: offers [start,
 * start + count), cells [first_cell, first_cell + n_cells). Cell c holds
 * the offers departing on CELL_DAY[c], from CELL_START[c] to the next
 * cell's start (or the segment's end), in hotel-slot order. */
typedef struct {
    uint32_t start, count;
    uint32_t first_cell, n_cells;
    uint8_t airport, pad[3];
} store_seg;

/* Each offer carries its hotel index (its "slot"): 16 bits while the store
 * has at most this many hotels, else in the 32-bit SLOT32 column. */
#define STORE_SLOT16_HOTELS 65536u
#define STORE_SLOTS16(c) ((c)->n_hotels <= STORE_SLOT16_HOTELS ? (uint64_t)(c)->n_offers : 0)
#define STORE_SLOTS32(c) ((c)->n_hotels > STORE_SLOT16_HOTELS ? (uint64_t)(c)->n_offers : 0)

/* Groups are sorted by (adults, children, nights, dest): the groups of one
 * party and length of stay sit together, one per destination, and inside a
 * group runs are in hotel order. */
typedef struct {
    uint8_t adults, children;
    uint16_t nights;
    uint8_t dest;         /* AIRPORT id of the arrival airport */
    uint8_t pad[3];
    uint32_t first_run, run_count;
    uint32_t first_seg, n_segs;   /* segments, in airport order */
    uint32_t start, count;        /* its offers (cell order), = its segments' */
    uint16_t min_day, max_day;    /* departure days of its offers */
    uint16_t first_week, n_weeks; /* week index (0 weeks: none): weeks */
    uint32_t week_start;          /* [first_week, first_week + n_weeks), their */
                                  /* entries WEEK_START[week_start + w] .. [+ w + 1] */
} store_group;

/* The week index of a large group: per week (day / 7) and hotel with
 * offers departing that week (any airport), their count, the cheapest
 * price and one offer with it (the earliest departing). Entries of a week
 * are in hotel order. A search over every airport whose window holds
 * whole weeks reads these instead of the offers of those weeks. */
typedef struct {
    uint32_t min_price, best;
    uint16_t slot, count;
} store_week;
#define STORE_WEEK_MIN_RATIO 8  /* a group gets a week index only if it has at
                                   least this many offers per entry */

/* Everything about an offer that only printing needs. Datetimes are kept
 * as written: the departure days come from the hot columns (inbound =
 * outbound + nights), the times and arrival offsets from here, and each
 * datetime's zone suffix ("+00:00", "Z", "" ...) is an id into the ZONE
 * dictionary, packed beside the time of day (see DETAIL_* below). */
typedef struct {
    uint32_t out_dep;         /* DETAIL_PACK(departure time, dep zone, arr zone) */
    uint32_t in_dep;          /* same for the inbound flight */
    int16_t out_arr_min;      /* outbound arrival - departure, minutes, or DETAIL_FAR */
    int16_t in_arr_min;       /* inbound arrival - departure, minutes, or DETAIL_FAR */
    uint8_t out_arr_airport, in_dep_airport, in_arr_airport, pad;
} store_detail;

/* Flight durations are whole minutes and short, so 16 bits hold them; the
 * rare offer whose arrival is not a whole minute after departure, or more
 * than 22 days after it, keeps exact seconds in the "far" table instead. */
#define DETAIL_FAR INT16_MIN
typedef struct {
    uint32_t offer;
    int32_t out_arr_delta, in_arr_delta; /* seconds */
} store_far_detail;

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

/* The dictionaries as stored: per dictionary 256 NUL-padded values (ids
 * are bytes, so any id read from a column indexes inside the table). */
typedef char store_dict_table[STORE_DICT_COUNT][STORE_DICT_MAX + 1][STORE_DICT_STRLEN];

/* The counts that size the sections, in the order of the file header. */
/* A destination name the data gives (hotels.csv's `region` beside its
 * `destination` code): searches may use it, /api/destinations shows it. */
typedef struct {
    uint8_t dest;             /* AIRPORT id */
    char name[31];            /* NUL-terminated UTF-8 */
} store_dest_name;

#define STORE_COUNTS(X) X(n_offers) X(n_hotels) X(n_groups) X(n_runs) X(n_lanes) X(n_segs) X(n_cells) X(n_far) X(n_dest_names) \
    X(n_week_starts) X(n_weeks)

/* The sections of offers.isla, in file order, one line each:
 *   X(NAME, field, element type, element count, HOT, LAZY or COLD)
 * The count is an expression over `c`, the store_columns being sized.
 * HOT sections are read by every search or printed answer (store_warm maps
 * them). LAZY ones are read by one-hotel searches, a few contiguous pages
 * a request: they are mapped as they are read. COLD ones are read only to
 * print offers (store_drop_cold_pages lets them go again). The per-offer
 * LAZY and COLD sections sit next to each other, so what the server does
 * not map ahead is one stretch of the file.
 *
 * Adding a column is one line here (then fill it in import/build.c and
 * bump STORE_VERSION): its pointer in store_t and store_image, its length,
 * writing, checksum, opening, length validation and warming all follow
 * from this line. A new count is one word in STORE_COUNTS. */
#define STORE_SECTIONS(X) \
    X(PRICE,      price,      uint32_t,         c->n_offers, HOT) \
    X(MEAL,       meal,       uint8_t,          c->n_offers, HOT) \
    X(ROOM_OCEAN, room_ocean, uint8_t,          c->n_offers, HOT) \
    X(SLOT,       slot,       uint16_t,         STORE_SLOTS16(c), HOT) /* the offer's hotel index ... */ \
    X(SLOT32,     slot32,     uint32_t,         STORE_SLOTS32(c), HOT) /* ... 32 bits with > 65536 hotels */ \
    X(DEP_DAY,    dep_day,    uint16_t,         c->n_offers, HOT)  /* days since 1970-01-01 */ \
    X(AIRPORT,    airport,    uint8_t,          c->n_offers, HOT)  /* outbound departure airport id */ \
    X(RUN_OFFERS, run_offers, uint32_t,         c->n_offers, LAZY) /* run-order position -> offer */ \
    X(RUN_DAY,    run_day,    uint16_t,         c->n_offers, LAZY) /* run-order position -> departure day */ \
    X(DETAIL,     detail,     store_detail,     c->n_offers, COLD) \
    X(HOTELS,     hotels,     store_hotel,      c->n_hotels, HOT) \
    X(NAMES,      names,      char,             c->names_len, HOT) \
    X(GROUPS,     groups,     store_group,      c->n_groups, HOT) \
    X(RUNS,       runs,       store_run,        c->n_runs,   HOT) \
    X(DICTS,      dicts,      store_dict_table, 1,           HOT) \
    X(LANES,      lanes,      store_lane,       c->n_lanes,  HOT) \
    X(SEGS,       segs,       store_seg,        c->n_segs,   HOT) \
    X(CELL_DAY,   cell_day,   uint16_t,         c->n_cells,  HOT)  /* departure day of a cell */ \
    X(CELL_START, cell_start, uint32_t,         c->n_cells,  HOT)  /* its first offer */ \
    X(WEEK_START, week_start, uint32_t,         c->n_week_starts, HOT) /* per group week: first entry */ \
    X(WEEKS,      weeks,      store_week,       c->n_weeks,  HOT)  /* week index entries */ \
    X(FAR,        far,        store_far_detail, c->n_far,    COLD) /* sorted by offer */ \
    X(HOTEL_RUN_FIRST, hotel_run_first, uint32_t, (uint64_t)c->n_hotels + 1, HOT) /* hotel h's runs are */ \
    X(HOTEL_RUNS, hotel_runs, uint32_t,         c->n_runs,   HOT)  /* hotel_runs[first[h] .. first[h + 1]), ascending */ \
    X(DEST_NAMES, dest_names, store_dest_name,  c->n_dest_names, HOT) /* names the data gives destinations */

#define STORE_SECTION_ID_(NAME, ...) STORE_SEC_##NAME,
enum { STORE_SECTIONS(STORE_SECTION_ID_) STORE_SEC_COUNT };

#define STORE_COUNT_FIELD_(f) uint32_t f;
#define STORE_COLUMN_FIELD_(NAME, field, type, count, temp) const type *field;
/* The body of store_columns, written once and used twice below so that a
 * store_t reads as s->price as well as s->cols. */
#define STORE_COLUMNS_BODY_ \
    STORE_COUNTS(STORE_COUNT_FIELD_) \
    uint64_t names_len; \
    union { \
        struct { STORE_SECTIONS(STORE_COLUMN_FIELD_) }; \
        const void *section[STORE_SEC_COUNT]; /* the same pointers, by section */ \
    }; \
    uint8_t dict_len[STORE_DICT_COUNT]; \
    store_import_stats stats;

/* Everything a generation holds: what the importer builds (store_image)
 * and what a server maps (store_t) are the same columns. */
typedef struct {
    STORE_COLUMNS_BODY_
} store_columns;

typedef struct store {
    union {
        store_columns cols;
        struct { STORE_COLUMNS_BODY_ };
    };
    uint64_t generation;
    char path[4096];          /* the generation directory */
    void *map;
    size_t map_len;
    atomic_uint refs;         /* see store_retain/store_release */
    /* One thing an upper layer builds once per generation (the intent
     * parser's tables), freed with the store: see store_attach. */
    _Atomic(void *) attachment;
    void (*attachment_free)(void *);
} store_t;

/* Everything the importer built, to be written as one generation; its
 * arrays belong to the importer. */
typedef store_columns store_image;

/* Writes img as DIR/<tmp>/offers.isla, fsyncs it and returns the temporary
 * directory in tmpdir; store_publish then makes it a generation. On error
 * the temporary directory is removed again. */
int store_write_tmp(const char *dir, const store_image *img, char *tmpdir, size_t tmplen,
                    char *err, size_t errlen);
/* Renames tmpdir to the next generation, points CURRENT at it (atomically,
 * under DIR/.lock) and removes generations older than the previous one.
 * Returns the new generation number, 0 on error; if CURRENT could not be
 * switched the renamed generation is removed again (tmpdir, if the rename
 * itself failed, is the caller's to discard). */
uint64_t store_publish(const char *dir, const char *tmpdir, char *err, size_t errlen);
/* The same under a given generation number (a replica publishing what its
 * builder made, so both name it alike); refuses the current one. */
uint64_t store_publish_as(const char *dir, const char *tmpdir, uint64_t generation, char *err, size_t errlen);
/* The generation DIR/CURRENT names, 0 if none. */
uint64_t store_current_generation(const char *dir);

/* The generation DIR/CURRENT names and its offer count, from the file's
 * header alone (cheap at any size). Returns 0, or -1 if there is no
 * current generation or its header is unreadable or corrupt. */
int store_current_offers(const char *dir, uint64_t *generation, uint64_t *offers);

/* Removes a temporary directory of store_write_tmp that will not be
 * published (an import failing after it). store_write_tmp and
 * store_publish remove what they wrote themselves when they fail. */
void store_discard_tmp(const char *tmpdir);

/* Imports into one data directory run one at a time: this takes
 * DIR/.import.lock (flock, creating DIR) for the whole import, without
 * waiting. Returns the lock's fd, or -1 with err set - naming the pid of the
 * running import if there is one. The lock goes with the process, however
 * it ends. */
int store_import_lock(const char *dir, char *err, size_t errlen);
void store_import_unlock(int fd);

/* With the import lock held (so no live import owns anything here):
 * removes what imports that died left behind - .tmp-* directories,
 * generations newer than CURRENT (renamed into place, never served; none
 * if CURRENT is missing or unreadable) and CURRENT.tmp. Returns how many,
 * their names comma-separated in removed. */
int store_remove_leftovers(const char *dir, char *removed, size_t removed_len);

/* Opens the generation DIR/CURRENT names. With verify, every section's
 * checksum is checked (reads the whole file once, on all the cores the
 * process may use; see store_verify). Returns NULL and fills err, which
 * names the damaged section. */
store_t *store_open(const char *dir, bool verify, char *err, size_t errlen);
store_t *store_open_generation(const char *gen_dir, bool verify, char *err, size_t errlen);
/* The attachment (NULL if none yet). store_attach sets it if it is still
 * NULL and returns true; else it leaves it (another thread won the race)
 * and returns false, and the caller frees its own. free_fn runs when the
 * last reference is released. */
void *store_attachment(const store_t *s);
bool store_attach(store_t *s, void *p, void (*free_fn)(void *));
/* Checks all section checksums; 0 if intact, else -1 with err naming the
 * first damaged section ("checksum mismatch in section 5 (detail) ...").
 * The pass reads through the mapping: afterwards the hot sections are
 * mapped (as store_warm leaves them) and the cold ones are not. */
int store_verify(const store_t *s, char *err, size_t errlen);
/* Reference counting, so a reload can swap generations under running
 * requests: store_open returns one reference; the last release unmaps. */
void store_retain(store_t *s);
void store_release(store_t *s);

/* Maps every page a search can read (hot columns, directory, index) into
 * the process now, so the first searches after a load do not each pay
 * hundreds of page faults. The print-only details are left out. A store
 * opened with verify has these pages mapped already (store_verify): calling
 * this again would only walk them (66 ms at 100M offers). */
void store_warm(const store_t *s);

/* Drops the cold print-only sections (offer details) from the process's
 * resident set; they stay in the page cache and fault back in on use.
 * Searches never read them, so a server calls this from time to time to
 * keep its resident memory at the hot columns and the index. */
void store_drop_cold_pages(const store_t *s);

/* The offer at run-order position p, and the hotel of an offer. Opening
 * a store checks every range a search trusts, except these two per-offer
 * columns (checking 600 MB at 100M offers would cost start-up a quarter of
 * a second): they are bounded where they are read, so a corrupt value
 * gives a wrong answer, never a read outside the map. The checksums
 * (verified by default) are what detect such corruption. */
static inline uint32_t store_run_offer(const store_t *s, uint32_t p)
{
    uint32_t o = s->run_offers[p];
    return o < s->n_offers ? o : 0;
}
static inline uint32_t store_offer_hotel(const store_t *s, uint32_t offer)
{
    uint32_t h = s->n_hotels <= STORE_SLOT16_HOTELS ? s->slot[offer] : s->slot32[offer];
    return h < s->n_hotels ? h : 0;
}

/* Arrival minus departure, in seconds, of an offer's two flights. */
void store_arrival_deltas(const store_t *s, uint32_t offer, int32_t *out_delta, int32_t *in_delta);

/* Hotel index for a dump hotel id, or -1. */
int64_t store_find_hotel(const store_t *s, uint64_t hotel_id);
/* Dictionary id for a value (exact, case-sensitive), or -1. */
int store_dict_find(const store_t *s, int dict, const char *v, size_t n);
static inline const char *store_dict_str(const store_t *s, int dict, unsigned id)
{
    return (*s->dicts)[dict][id];
}

#endif
