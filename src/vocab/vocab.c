/* The lists of vocab.h. Lookups are linear over 10 and 19 short strings:
 * the importer asks once per thread and distinct value (its dictionary
 * cache remembers the answer), the API once per filter value. */
#include "vocab/vocab.h"

#include <stdio.h>
#include <string.h>

const char *const vocab_meal_types[VOCAB_MEAL_COUNT] = {
    "NONE", "BREAKFAST", "HALFBOARD", "HALFBOARDPLUS", "FULLBOARD",
    "FULLBOARDPLUS", "ALLINCLUSIVE", "ALLINCLUSIVEPLUS", "ACCORDINGDESCRIPTION", "PROGRAM",
};

const char *const vocab_room_types[VOCAB_ROOM_COUNT] = {
    "APARTMENT", "DOUBLE", "STUDIO", "SINGLE", "SUPERIOR", "ECONOMY", "FAMILY",
    "TRIPLE", "SUITE", "ACCORDINGDESCRIPTION", "BUNGALOW", "DELUXE", "MULTISHARE",
    "TWINROOM", "FOURBEDROOM", "VILLA", "HOLIDAYHOUSE", "JUNIORSUITE", "DUPLEX",
};

static int find(const char *const *list, int count, const char *s, size_t n)
{
    for (int i = 0; i < count; i++)
        if (strlen(list[i]) == n && !memcmp(list[i], s, n))
            return i;
    return -1;
}

int vocab_meal(const char *s, size_t n)
{
    return find(vocab_meal_types, VOCAB_MEAL_COUNT, s, n);
}

int vocab_room(const char *s, size_t n)
{
    return find(vocab_room_types, VOCAB_ROOM_COUNT, s, n);
}

void vocab_list_text(const char *const *list, int count, char *out, size_t cap)
{
    size_t o = 0;
    if (cap)
        out[0] = 0;
    for (int i = 0; i < count && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? ", " : "", list[i]);
}
