#include "bench/mix.h"

#include <stdio.h>
#include <string.h>

#include "util/days.h"

const char *const mix_class_name[MIX_CLASSES] = {"narrow",      "typical",      "broad",      "filtered",
                                                 "dest-narrow", "dest-typical", "no-duration"};

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t below(uint64_t *x, uint32_t n)
{
    return (uint32_t)(splitmix(x) % n);
}

/* The group and run an offer belongs to. */
static void locate(const store_t *s, uint32_t offer, const store_group **g, const store_run **r)
{
    *g = &s->groups[query_group_of_offer(s, offer)];
    *r = &s->runs[query_find_run(s, *g, store_offer_hotel(s, offer))];
}

void mix_search(const store_t *s, mix_class c, uint64_t seed, uint64_t i, search_t *q)
{
    uint64_t x = seed * 0x100000001B3ull ^ (i + 1) * 0x9E3779B97F4A7C15ull ^ (uint64_t)c << 56;
    search_init(q);
    uint32_t o = below(&x, s->n_offers);
    const store_group *g;
    const store_run *r;
    locate(s, o, &g, &r);
    q->adults = g->adults;
    q->children = g->children;
    q->nights = g->nights;
    int32_t day = s->dep_day[o];
    int32_t year0 = days_from_civil(2023, 1, 1);
    if (c >= MIX_BASE_CLASSES) { /* one destination: the drawn offer's */
        q->any_dest = false;
        bitset_set(&q->dests, g->dest);
        if (c == MIX_NO_DURATION) {
            q->any_nights = true;
            q->earliest = day - (int32_t)below(&x, 7);
            q->latest = q->earliest + 7 * (2 + (int32_t)below(&x, 3));
            q->any_airport = false;
            bitset_set(&q->airports, s->airport[o]);
            return;
        }
        c = c == MIX_DEST_NARROW ? MIX_NARROW : MIX_TYPICAL;
    }
    switch (c) {
    case MIX_NARROW: {
        int32_t span = 7 * (1 + (int32_t)below(&x, 2));
        q->earliest = day - (int32_t)below(&x, 4);
        q->latest = q->earliest + span + q->nights;
        q->any_airport = false;
        bitset_set(&q->airports, s->airport[o]);
        break;
    }
    case MIX_TYPICAL:
    case MIX_FILTERED: {
        int32_t weeks = 4 + (int32_t)below(&x, 5);
        q->earliest = days_from_civil(2023, 6, 1) + (int32_t)below(&x, 60);
        q->latest = q->earliest + weeks * 7;
        q->any_airport = false;
        bitset_set(&q->airports, s->airport[o]);
        unsigned extra = below(&x, 3);
        for (unsigned k = 0; k < extra; k++)
            bitset_set(&q->airports, below(&x, s->dict_len[STORE_DICT_AIRPORT]));
        if (c == MIX_FILTERED) {
            switch (below(&x, 5)) {
            case 0:
                q->any_meal = false;
                bitset_set(&q->meals, s->meal[o]);
                break;
            case 1:
                q->any_room = false;
                bitset_set(&q->rooms, s->room_ocean[o] & 0x7F);
                break;
            case 2:
                q->ocean_view = 1;
                break;
            case 3:
                q->min_stars_x10 = (uint8_t)(30 + 10 * below(&x, 3));
                break;
            default:
                q->max_price = s->price[o] + below(&x, 2000);
                break;
            }
        }
        break;
    }
    default: /* MIX_BROAD */
        q->earliest = year0;
        q->latest = year0 + 365 + 30;
        break;
    }
}

void mix_query_string(const store_t *s, const search_t *q, char *out, size_t cap)
{
    char e[11] = {0}, l[11] = {0};
    format_date(q->earliest, e);
    format_date(q->latest, l);
    int n = snprintf(out, cap, "earliestDepartureDate=%s&latestReturnDate=%s&countAdults=%u&countChildren=%u", e, l,
                     q->adults, q->children);
    if (!q->any_nights && n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, "&duration=%u", q->nights);
    for (unsigned d = 0; !q->any_dest && d < s->dict_len[STORE_DICT_AIRPORT] && n > 0 && (size_t)n < cap; d++)
        if (bitset_has(&q->dests, d))
            n += snprintf(out + n, cap - (size_t)n, "&destination=%s", store_dict_str(s, STORE_DICT_AIRPORT, d));
    static const struct {
        int dict;
        const char *name;
    } lists[] = {{STORE_DICT_AIRPORT, "departureAirports"}, {STORE_DICT_MEAL, "mealType"}, {STORE_DICT_ROOM, "roomType"}};
    const bitset256 *sets[] = {&q->airports, &q->meals, &q->rooms};
    const bool any[] = {q->any_airport, q->any_meal, q->any_room};
    for (int l = 0; l < 3; l++)
        for (unsigned a = 0; !any[l] && a < s->dict_len[lists[l].dict] && n > 0 && (size_t)n < cap; a++)
            if (bitset_has(sets[l], a))
                n += snprintf(out + n, cap - (size_t)n, "&%s=%s", lists[l].name, store_dict_str(s, lists[l].dict, a));
    if (q->ocean_view >= 0 && n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, "&oceanView=%s", q->ocean_view ? "true" : "false");
    if (q->min_stars_x10 && n > 0 && (size_t)n < cap)
        n += snprintf(out + n, cap - (size_t)n, "&minStars=%u.%u", q->min_stars_x10 / 10, q->min_stars_x10 % 10);
    if (q->max_price != UINT32_MAX && n > 0 && (size_t)n < cap)
        snprintf(out + n, cap - (size_t)n, "&maxPrice=%u", q->max_price);
}
