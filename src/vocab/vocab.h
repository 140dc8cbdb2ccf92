/* The vocabulary of an offer's coded fields, in one place: the importer
 * (import/row.c) rejects a row with any other value, naming its line and
 * column; the API (api/params.c) answers 400 for any other filter value.
 * So every value that is imported can be searched for, and every value a
 * search may name is one a dump may hold.
 *
 *   - meal types and room types: the dump format's upper-case enums;
 *   - airport codes (departure and arrival, so destinations too): IATA
 *     codes, exactly three letters A-Z.
 *
 * Both sides upper-case first, so any case is accepted. The OpenAPI
 * document (api/openapi.c) renders the same lists. Adding a value the dumps
 * start to use is one line in vocab.c. No HTTP knowledge, no allocation,
 * no state. */
#ifndef ISLA_VOCAB_H
#define ISLA_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

#define VOCAB_MEAL_COUNT 10
#define VOCAB_ROOM_COUNT 19

extern const char *const vocab_meal_types[VOCAB_MEAL_COUNT];
extern const char *const vocab_room_types[VOCAB_ROOM_COUNT];

/* Index of the upper-case value s[0..n) in its list, or -1. */
int vocab_meal(const char *s, size_t n);
int vocab_room(const char *s, size_t n);

/* An upper-case IATA airport code: three letters A-Z. */
static inline bool vocab_airport(const char *s, size_t n)
{
    return n == 3 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z';
}

/* Writes "NONE, BREAKFAST, ..." (a list, for messages) into out. */
void vocab_list_text(const char *const *list, int count, char *out, size_t cap);

#endif
