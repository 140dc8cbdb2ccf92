/* The shipped lexicon of the intent parser (internal to src/nlq).
 *
 * Every word or phrase the grammar knows is one row: its text as a person
 * writes it (UTF-8, umlauts allowed: the compiler accepts both ä->ae and
 * ä->a spellings, hyphens and spaces are the same), a concept and a value.
 * The grammar (nlq.c) only ever sees concepts, so adding a synonym is adding
 * a row. Multi-word rows are matched longest first ("frankfurt hahn" before
 * "frankfurt", "ohne verpflegung" before "ohne"). */
#ifndef ISLA_NLQ_LEXICON_H
#define ISLA_NLQ_LEXICON_H

#include <stdint.h>

typedef enum {
    C_NONE = 0,
    C_FILLER,      /* words that carry no search meaning ("ich", "hotel", "im") */
    C_NUMBER,      /* value: the number ("zwei", "two") */
    C_ARTICLE,     /* "ein", "a": 1 before a unit, filler otherwise */
    C_ADULT,
    C_CHILD,       /* value: 1 singular ("Kind"), 0 plural ("Kinder") */
    C_BABY,
    C_PERSON,
    C_PARTY,       /* value: adults ("Paar", "zu zweit", "allein") */
    C_FAMILY,
    C_NIGHT,
    C_DAY,
    C_WEEK,
    C_STAY,        /* value: nights ("Wochenende", "fortnight") */
    C_MONTH,       /* value: 1..12 */
    C_PART,        /* value: 0 early, 1 mid, 2 late (of a month) */
    C_HOLIDAY,     /* value: index into nlq_holidays */
    C_AIRPORT,     /* value: index into nlq_airports */
    C_REGION,      /* value: index into nlq_regions */
    C_DEST,        /* value: index into nlq_destinations */
    C_MEAL,        /* value: bit set over vocab_meal_types */
    C_ROOM,        /* value: bit set over vocab_room_types */
    C_OCEAN,
    C_STAR,
    C_EURO,
    C_PER_PERSON,
    C_FROM,        /* "ab", "from", "von", "vom" */
    C_TO,          /* "bis", "to", "until" */
    C_BETWEEN,
    C_AND,
    C_OR,
    C_WITH,
    C_NEG,         /* "ohne", "kein", "no", "without" */
    C_MAX,         /* "unter", "max", "höchstens", "under", "up to" */
    C_MIN,         /* "mindestens", "at least" */
    C_FOR,         /* "für", "for" */
    C_FEATURE,     /* known hotel features isla cannot search ("Pool", "Spa"): always reported */
    C_COUNT
} nlq_concept;

typedef struct {
    const char *text;
    uint8_t concept;
    uint32_t value;
} nlq_word;

typedef struct {
    const char *code;
    const char *names;   /* '|'-separated names and cities, German and English */
} nlq_place;

typedef struct {
    const char *name;    /* shown in docs only */
    const char *names;   /* '|'-separated */
    const char *airports;/* space-separated codes */
    const char *state;   /* key used by the holiday table, or NULL */
} nlq_region;

/* Holidays the lexicon knows by name. Those without rows in nlq_holidays
 * (autumn, winter, carnival) are recognised as holidays only so that the
 * words around them ("Herbstferien NRW") are not read as something else:
 * the parser reports them unrecognized. H_SUMMER..H_WINTER name a state. */
enum { H_EASTER, H_PENTECOST, H_CHRISTMAS, H_NEWYEAR, H_CARNIVAL, H_SUMMER, H_AUTUMN, H_WINTER };

typedef struct {
    uint8_t kind;        /* H_* (the C_HOLIDAY value of its words) */
    const char *state;   /* NULL: the same everywhere; else a region's state key */
    int16_t year;
    uint8_t m1, d1, m2, d2; /* first and last day (may run into the next year) */
} nlq_holiday;

extern const nlq_word nlq_words[];
extern const unsigned nlq_n_words;
extern const nlq_place nlq_airports[];
extern const unsigned nlq_n_airports;
extern const nlq_region nlq_regions[];
extern const unsigned nlq_n_regions;
extern const nlq_place nlq_destinations[];
extern const unsigned nlq_n_destinations;
extern const nlq_holiday nlq_holidays[];
extern const unsigned nlq_n_holidays;

#endif
