/* JSON rendering of search results, in the official API's schema. Writes
 * straight into a buffer with hand-rolled number and date formatting:
 * a full bestOffersByHotel answer is ~1,000 objects. */
#ifndef ISLA_RENDER_H
#define ISLA_RENDER_H

#include "query/query.h"
#include "util/buf.h"

void render_hotel(buf_t *b, const store_t *s, uint32_t hotel);
/* One BestHotelOffer object. */
void render_best(buf_t *b, const store_t *s, const search_t *q, const hotel_best *h);
/* The JSON array of v[0..n). */
void render_best_array(buf_t *b, const store_t *s, const search_t *q, const hotel_best *v, size_t n);
/* One Offer object (both outboundDepartureDatetime and the official
 * client's outbundDepartureDatetime spelling); g is the offer's group
 * (party and nights). */
void render_offer(buf_t *b, const store_t *s, const store_group *g, uint32_t offer);

#endif
