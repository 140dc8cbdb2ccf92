/* The intent parser: a traveller's sentence in German or English -> the
 * structured search isla already answers.
 *
 * Contract
 * - nlq_compile builds, once per data generation, every table the parser
 *   needs: the shipped lexicon (lexicon.c: number words, units, months,
 *   board/room/view words, the 48 departure airports with their German and
 *   English airport and city names, regions such as "NRW", destinations
 *   (the names of src/dest, the table the `destination` parameter uses,
 *   plus a few colloquial ones such as "Malle"),
 *   school-holiday dates) plus the hotel names of the loaded data, each
 *   with a deletion index for typo-tolerant lookup. It needs no network,
 *   no model and no store: the caller hands in the hotel names and the
 *   first and last departure day of the data (the year of "im Juli" comes
 *   from there). The compiled parser is immutable and thread-safe.
 * - nlq_parse fills an nlq_result with only what the sentence says, in the
 *   API's own terms (counts, nights, dates as day numbers, code sets,
 *   hotel ids), and the byte spans of the words it could not place. It
 *   never guesses: a holiday without a date in the table, a word it does
 *   not know, a count it cannot tell ("mit Kindern") is reported as
 *   unrecognized. It allocates nothing and takes microseconds.
 * - nlq_defaults completes a result into a full search (2 adults, no
 *   children, the whole data range; no duration, i.e. any length of stay)
 *   and says which fields it filled, so an answer can show "assumed"
 *   separately from "understood".
 *
 * No HTTP here: the API turns a result into query parameters (so explicit
 * parameters can win over the sentence and the result cache keys it like
 * any other search). */
#ifndef ISLA_NLQ_H
#define ISLA_NLQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Inputs longer than this are refused (nlq_parse returns -1). */
#define NLQ_MAX_TEXT 1000
#define NLQ_MAX_HOTELS 32
#define NLQ_MAX_UNRECOGNIZED 32
#define NLQ_MAX_DEST 8

#define NLQ_DEFAULT_ADULTS 2
/* Without a length of stay a search takes any; the default window then
 * ends this many nights after the last departure of the data. */
#define NLQ_DEFAULT_MAX_NIGHTS 60

typedef struct {
    uint32_t id;              /* the dump's hotel id */
    const char *name;         /* UTF-8, need not be NUL-terminated */
    size_t name_len;
} nlq_hotel;

typedef struct {
    int32_t first_day, last_day;  /* first and last departure day of the data */
    const nlq_hotel *hotels;
    size_t n_hotels;
} nlq_source;

/* Bits of nlq_result.have: which fields the sentence set. */
enum {
    NLQ_ADULTS = 1u << 0,
    NLQ_CHILDREN = 1u << 1,
    NLQ_NIGHTS = 1u << 2,
    NLQ_EARLIEST = 1u << 3,
    NLQ_LATEST = 1u << 4,
    NLQ_AIRPORTS = 1u << 5,
    NLQ_MEALS = 1u << 6,
    NLQ_ROOMS = 1u << 7,
    NLQ_OCEAN = 1u << 8,
    NLQ_STARS = 1u << 9,
    NLQ_PRICE = 1u << 10,
    NLQ_DEST = 1u << 11,
    NLQ_HOTELS = 1u << 12,
};

typedef struct {
    uint16_t off, len;        /* bytes of the input */
} nlq_span;

typedef struct {
    uint32_t have;            /* NLQ_* bits */
    uint8_t adults, children;
    uint16_t nights;
    int32_t earliest, latest; /* day numbers (days since 1970-01-01) */
    uint64_t airports;        /* bit i: nlq_airport_code(i) */
    uint32_t meals;           /* bit i: nlq_meal_code(i) */
    uint32_t rooms;           /* bit i: nlq_room_code(i) */
    bool ocean_view;
    uint8_t min_stars_x10;
    uint32_t max_price;       /* euros for the whole party */
    uint8_t n_destinations;
    char destinations[NLQ_MAX_DEST][4]; /* IATA codes, NUL-terminated, in the order said */
    uint32_t hotels[NLQ_MAX_HOTELS]; /* dump hotel ids, ascending */
    uint8_t n_hotels;
    uint8_t n_unrecognized;
    bool more_unrecognized;   /* more than NLQ_MAX_UNRECOGNIZED */
    nlq_span unrecognized[NLQ_MAX_UNRECOGNIZED];
} nlq_result;

typedef struct nlq nlq_t;

/* NULL only when out of memory. */
nlq_t *nlq_compile(const nlq_source *src);
void nlq_free(nlq_t *p);

/* Parses text[0..n). Returns 0, or -1 if n > NLQ_MAX_TEXT (out is then
 * empty). Any bytes are accepted: invalid UTF-8, controls and NULs are
 * separators or parts of unrecognized words, never an error. */
int nlq_parse(const nlq_t *p, const char *text, size_t n, nlq_result *out);

/* Fills what r does not say with the defaults and returns the NLQ_* bits
 * it filled (only ADULTS, CHILDREN, EARLIEST, LATEST are ever filled: the
 * length of stay and the filters stay absent). */
uint32_t nlq_defaults(const nlq_t *p, nlq_result *r);

/* The code tables behind the result's bit sets. Each returns NULL for an
 * index past its table. */
const char *nlq_airport_code(unsigned i);    /* "MUC" */
const char *nlq_meal_code(unsigned i);       /* "ALLINCLUSIVE" */
const char *nlq_room_code(unsigned i);       /* "SUITE" */
/* One line describing r in a fixed order, for tests and the CLI:
 * "adults=2 children=1 nights=7 earliest=2023-07-01 latest=2023-07-31
 * airports=MUC,STR meals=BREAKFAST rooms=SUITE oceanView=true minStars=4
 * maxPrice=1500 destination=PMI hotels=12,40 unrecognized=pool|strand"
 * (absent fields are left out; unrecognized words are copied from text,
 * which must be the parsed text). Returns the length (truncated to cap-1). */
size_t nlq_format(const nlq_result *r, const char *text, char *out, size_t cap);

/* Name of a hotel the parser knows (NULL if not), for showing results. */
const char *nlq_hotel_name(const nlq_t *p, uint32_t hotel_id, size_t *len);

#endif
