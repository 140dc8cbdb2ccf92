/* GET /api/hotels/{id}: one hotel, and whether hotels.csv knew it
 * ("placeholder": true for a hotel only the offers named). */
#include "api/endpoints.h"
#include "api/render.h"

void api_hotel(const api_call *c, api_response *res)
{
    store_t *s = c->store;
    api_ok_json(res);
    render_hotel(&res->body, s, (uint32_t)c->hotel);
    res->body.len--; /* reopen the hotel object */
    if (s->hotels[c->hotel].known)
        BUF_LIT(&res->body, ",\"placeholder\":false}");
    else
        BUF_LIT(&res->body, ",\"placeholder\":true}");
}
