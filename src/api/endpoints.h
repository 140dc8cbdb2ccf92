/* The handlers of the API routes, one file each under src/api/, declared
 * from the route table (api/route.h). A handler gets a ready call: the
 * route matched, the method allowed, the data loaded if the route needs it,
 * the {id} found and the query string parsed. It writes res. */
#ifndef ISLA_API_ENDPOINTS_H
#define ISLA_API_ENDPOINTS_H

#include "api/call.h"
#include "api/response.h"
#include "query/query.h"

typedef void api_handler(const api_call *c, api_response *res);

#define ISLA_HANDLER_DECL_(id, name, path, flags, params, handler) api_handler handler;
#define ISLA_HANDLER_SKIP_(...)
ISLA_ROUTES(ISLA_HANDLER_DECL_, ISLA_HANDLER_SKIP_, ISLA_HANDLER_SKIP_)
#undef ISLA_HANDLER_DECL_
#undef ISLA_HANDLER_SKIP_

/* The hotels of a bestOffersByHotel search (best_offers.c; /api/search
 * answers the same): found, narrowed to the hotels a sentence (q=) names,
 * sorted; [*from, *to) is the requested page. Starts a 200 JSON answer
 * with the total (X-Total-Count) before paging. */
void api_best_offers_page(const api_call *c, api_response *res, hotel_best_vec *v, size_t *from, size_t *to);

#endif
