/* JSON rendering of search results, in the official API's schema. Writes
 * straight into a buffer with hand-rolled number and date formatting:
 * a full bestOffersByHotel answer is ~1,000 objects. */
#ifndef ISLA_RENDER_H
#define ISLA_RENDER_H

#include "query/query.h"
#include "util/buf.h"

/* Field selection (`fields=`): one bit per key of an answer. "hotel" is all
 * hotel.* bits; a selection writes only its keys, in the schema's order. */
enum {
    FIELD_HOTEL_ID = 1u << 0, FIELD_HOTEL_NAME = 1u << 1, FIELD_HOTEL_STARS = 1u << 2,
    FIELD_HOTEL_DEST = 1u << 3, FIELD_MIN_PRICE = 1u << 4, FIELD_DEP_DATE = 1u << 5,
    FIELD_RET_DATE = 1u << 6, FIELD_ROOM = 1u << 7, FIELD_MEAL = 1u << 8, FIELD_OCEAN = 1u << 9,
    FIELD_ADULTS = 1u << 10, FIELD_CHILDREN = 1u << 11, FIELD_DURATION = 1u << 12,
    FIELD_COUNT = 1u << 13, FIELD_PRICE = 1u << 14, FIELD_IN_DEP_AIRPORT = 1u << 15,
    FIELD_IN_DEP_DT = 1u << 16, FIELD_IN_ARR_AIRPORT = 1u << 17, FIELD_IN_ARR_DT = 1u << 18,
    FIELD_OUT_DEP_AIRPORT = 1u << 19, FIELD_OUT_DEP_DT = 1u << 20, FIELD_OUTB_DEP_DT = 1u << 21,
    FIELD_OUT_ARR_AIRPORT = 1u << 22, FIELD_OUT_ARR_DT = 1u << 23,
};
#define FIELD_HOTEL (FIELD_HOTEL_ID | FIELD_HOTEL_NAME | FIELD_HOTEL_STARS | FIELD_HOTEL_DEST)
/* The bits of a field name of best offers (best) or of hotel offers'
 * items (plus hotel.*, which select the keys of the answer's hotel); 0 if
 * the name is not one of them. */
uint32_t render_field_bits(const char *name, size_t n, bool best);

void render_hotel(buf_t *b, const store_t *s, uint32_t hotel);
/* The hotel object with only the hotel.* keys of fields. */
void render_hotel_sel(buf_t *b, const store_t *s, uint32_t hotel, uint32_t fields);
/* A BestHotelOffer / Offer object with only the keys of fields (nonzero). */
void render_best_sel(buf_t *b, const store_t *s, const hotel_best *h, uint32_t fields);
void render_offer_sel(buf_t *b, const store_t *s, const store_group *g, uint32_t offer, uint32_t fields);
/* One BestHotelOffer object. */
void render_best(buf_t *b, const store_t *s, const search_t *q, const hotel_best *h);
/* The JSON array of v[0..n); fields 0 = every key. */
void render_best_array(buf_t *b, const store_t *s, const search_t *q, const hotel_best *v, size_t n,
                       uint32_t fields);
/* One Offer object (both outboundDepartureDatetime and the official
 * client's outbundDepartureDatetime spelling); g is the offer's group
 * (party and nights). */
void render_offer(buf_t *b, const store_t *s, const store_group *g, uint32_t offer);

#endif
