/* The generator's model of the world: hotels, airports, flights, calendar and
 * prices, and the sampler that draws one offer from it.
 *
 * Everything is precomputed once into alias tables (Vose), so drawing one
 * categorical value costs one 64-bit random number, one multiply and one
 * compare. A row needs about a dozen of them, which keeps the generator far
 * ahead of the CSV formatting and the write(2) calls. */
#ifndef ISLA_GEN_WORLD_H
#define ISLA_GEN_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    GEN_N_AIRPORTS = 48,
    GEN_N_MEALS = 10,
    GEN_N_ROOMS = 19,
    GEN_N_AIRLINES = 24,
    GEN_SLOTS_PER_DAY = 288, /* five-minute time slots */
    GEN_MAX_NIGHTS = 35,
    GEN_N_UNKNOWN = 40,      /* hotel ids that are not in the hotel list */
};

/* The first departure day is 2023-01-06, the last 2023-12-31. Day indexes
 * count from GEN_BASE_YEAR-01-01; returns and arrivals may spill into the
 * next year, hence GEN_N_DAYS. */
#define GEN_BASE_YEAR 2023
#define GEN_FIRST_DEP_INDEX 5
#define GEN_LAST_DEP_INDEX 364
#define GEN_N_DAYS (GEN_LAST_DEP_INDEX + GEN_MAX_NIGHTS + 8)

extern const char gen_airport_codes[GEN_N_AIRPORTS][4];
extern const char *const gen_meal_names[GEN_N_MEALS];
extern const char *const gen_room_names[GEN_N_ROOMS];
extern const char gen_airline_codes[GEN_N_AIRLINES][3];

/* ---- random numbers: xoshiro256** seeded through splitmix64 ---- */

typedef struct {
    uint64_t s[4];
} gen_rng;

/* splitmix64's finaliser: a good 64-bit mixing (hash) function. */
static inline uint64_t gen_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void gen_rng_seed(gen_rng *r, uint64_t seed);

static inline uint64_t gen_rng_next(gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t out = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return out;
}

/* Uniform in [0, n) from the high 32 bits of u (n < 2^32). */
static inline uint32_t gen_below(uint64_t u, uint32_t n)
{
    return (uint32_t)(((u >> 32) * n) >> 32);
}

/* ---- alias tables ---- */

/* One bucket of an alias table that carries its own output values: pick a
 * bucket with the high half of u, keep `self` if the low half is below
 * `thr`, else take `other`. */
typedef struct {
    uint32_t thr, self, other;
} gen_alias;

static inline uint32_t gen_alias_draw(const gen_alias *t, uint32_t n, uint64_t u)
{
    const gen_alias *e = &t[gen_below(u, n)];
    return (uint32_t)u < e->thr ? e->self : e->other;
}

/* Builds an alias table of n buckets over weights wt (values NULL: 0..n-1). */
void gen_build_alias(gen_alias *t, const double *wt, const uint32_t *values, uint32_t n);

/* ---- the world ---- */

typedef struct {
    uint32_t id;
    float stars;
} gen_hotel_in;

typedef struct {
    uint32_t id;
    uint8_t idlen;
    char idstr[11];         /* decimal id, not NUL-terminated */
    float price_pp_night;   /* base price per person and night */
    float stars;            /* for --hotels-out */
    uint32_t p_ocean;       /* P(oceanview) * 2^32 */
    uint32_t p_placeholder; /* P(T00:00:00 departure times) * 2^32 */
    uint32_t air_off, meal_off, room_off[3]; /* into gen_world.pool */
    uint8_t n_air, n_meal, n_room[3];
} gen_hotel;

/* One offer as numbers; the writer turns it into text. Days are indexes from
 * GEN_BASE_YEAR-01-01, times five-minute slots of the day. */
typedef struct {
    uint32_t hotel; /* index into gen_world.hotels */
    uint32_t price;
    uint16_t out_dep_day, out_dep_slot, out_arr_day, out_arr_slot;
    uint16_t in_dep_day, in_dep_slot, in_arr_day, in_arr_slot;
    uint8_t adults, children, airport, meal, room, ocean;
    uint8_t out_airline, in_airline;
    uint8_t world;  /* multi-destination dumps: which destination's world */
} gen_offer;

typedef struct {
    gen_hotel *hotels;   /* n_known from the list, then GEN_N_UNKNOWN */
    uint32_t n_known, n_hotels;
    gen_alias *hotel_tab; /* n_known buckets */
    gen_alias unknown_tab[GEN_N_UNKNOWN];
    gen_alias *pool;      /* per-hotel airport/meal/room tables */
    size_t pool_len;

    gen_alias day_tab[GEN_LAST_DEP_INDEX - GEN_FIRST_DEP_INDEX + 1];
    gen_alias nights_tab[GEN_MAX_NIGHTS];
    gen_alias adults_tab[24];
    gen_alias children_tab[11];
    gen_alias tod_tab[2][GEN_SLOTS_PER_DAY]; /* departure time: out, in */
    uint32_t n_tod[2];

    float hotel_season[GEN_N_DAYS];  /* price factor of the hotel stay */
    float flight_season[GEN_N_DAYS]; /* price factor of the flights */
    float nights_factor[GEN_MAX_NIGHTS + 1];
    float noise[1024];               /* log-normal price noise */
    uint8_t flights[GEN_N_AIRPORTS][GEN_N_DAYS]; /* flights a day, >= 1 */
    uint8_t dur[2][GEN_N_AIRPORTS];  /* block time in slots: out, in */
    float flight_pp[GEN_N_AIRPORTS]; /* base return-flight price */
    uint8_t airlines[GEN_N_AIRPORTS][4];
    uint8_t n_airlines[GEN_N_AIRPORTS];
    uint64_t flight_key;
    char dest[4];                    /* the arrival airport of every offer */
} gen_world;

/* One destination of a multi-destination dump: its own hotels (built-in
 * ids id_base+1 .. id_base+n_hotels, unknown ids from unknown_base), price
 * level and season (the demand curve shifted by season_shift days and
 * scaled towards flat by season_depth < 1: winter-sun places). */
typedef struct {
    char code[4];
    uint32_t id_base, n_hotels, unknown_base;
    double price_level, season_depth;
    int season_shift;
} gen_dest;

/* Builds the world from a hotel list (n == 0: the built-in 998 hotels with
 * ids 1..998) and a world seed. d == NULL is Mallorca as in the 2023 dump;
 * otherwise d describes the destination (and n == 0 means d's built-in
 * hotels). Returns false if out of memory. */
bool gen_world_init(gen_world *w, const gen_hotel_in *hotels, size_t n, uint64_t world_seed,
                    const gen_dest *d);
void gen_world_free(gen_world *w);

/* Draws one offer; `unknown` picks a hotel id missing from the hotel list. */
void gen_world_offer(const gen_world *w, gen_rng *r, bool unknown, gen_offer *o);

/* Hotel ids of --hotels go up to this, so unknown hotels fit above them. */
#define GEN_MAX_HOTEL_ID 2000000000u

#endif
