#include "api/openapi.h"

#include <string.h>

#include "api/endpoints.h"
#include "util/version.h"
#include "vocab/vocab.h"

/* Operation ids getBestOffersByHotel and GetHotelOffers are the ones the
 * official client (openapi-client-axios) calls by name: keep them. */
static const char doc_head[] = "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"isla holiday offer search\","
    "\"version\":\"" ISLA_VERSION "\",\"description\":\"Cheapest offer per hotel and all offers of a hotel "
    "over the imported offer dump. Every path is also served under /api.\"},\"servers\":[{\"url\":";

/* The search parameters; REQ is "true" for bestOffersByHotel (the window
 * and countAdults; departureDate/returnDate may stand in for the window)
 * and "false" for hotel offers (any subset filters, none lists them all). */
#define P_SEARCH(REQ) \
    "{\"name\":\"earliestDepartureDate\",\"in\":\"query\",\"required\":" REQ ",\"schema\":{\"type\":\"string\",\"format\":\"date\"},\"description\":\"YYYY-MM-DD or ISO datetime (rounded to the nearest midnight); or departureDate\"}," \
    "{\"name\":\"latestReturnDate\",\"in\":\"query\",\"required\":" REQ ",\"schema\":{\"type\":\"string\",\"format\":\"date\"},\"description\":\"or returnDate\"}," \
    "{\"name\":\"departureDate\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"string\",\"format\":\"date\"},\"description\":\"alias of earliestDepartureDate (giving both is a 400)\"}," \
    "{\"name\":\"returnDate\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"string\",\"format\":\"date\"},\"description\":\"alias of latestReturnDate (giving both is a 400)\"}," \
    "{\"name\":\"duration\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":365},\"description\":\"nights; absent: any length of stay inside the window (the best offer is the cheapest over all, its duration is that offer's)\"}," \
    "{\"name\":\"countAdults\",\"in\":\"query\",\"required\":" REQ ",\"schema\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":255}}," \
    "{\"name\":\"countChildren\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":255,\"default\":0},\"description\":\"default 0 when countAdults is given; hotel offers without countAdults: any party unless given\"}," \
    "{\"name\":\"destination\",\"in\":\"query\",\"required\":false,\"style\":\"form\",\"explode\":true,\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"description\":\"arrival airports (IATA) or destination names (Mallorca, Kreta, ...); repeated, [] or comma-separated; absent = every destination. A name or code that is neither is a 400; a valid one without offers matches nothing\"}," \
    "{\"name\":\"departureAirports\",\"in\":\"query\",\"required\":false,\"style\":\"form\",\"explode\":true,\"schema\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/AirportCode\"}},\"description\":\"IATA codes; repeated, [] or comma-separated; empty = any\"}," \
    "{\"name\":\"mealType\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/MealType\"}}}," \
    "{\"name\":\"roomType\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/RoomType\"}}}," \
    "{\"name\":\"oceanView\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"boolean\"}}," \
    "{\"name\":\"minStars\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"number\",\"minimum\":0,\"maximum\":5}}," \
    "{\"name\":\"maxPrice\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":0}}," \
    "{\"name\":\"fields\",\"in\":\"query\",\"required\":false,\"style\":\"form\",\"explode\":false,\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"description\":\"keys to write, e.g. hotel.id,hotel.name,minPrice,departureDate (hotel = all hotel keys); an unknown or empty name is a 400\"}"

/* q: the search in words (GET /api/parse shows how it is understood). */
#define P_Q \
    "{\"name\":\"q\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"string\",\"maxLength\":1000},\"description\":\"the search in words, German or English (e.g. 'zwei Erwachsene, eine Woche im Juli ab München, Halbpension'); it stands for the search parameters it names, the defaults (countAdults 2, countChildren 0, the whole data range) fill the rest, and explicit parameters win over it. With q no other parameter is required.\"}"

#define P_PAGING \
    "{\"name\":\"sort\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"string\",\"enum\":[\"price\",\"stars\",\"name\"],\"default\":\"price\"}}," \
    "{\"name\":\"limit\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":1}}," \
    "{\"name\":\"offset\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":0,\"default\":0}}"

#define P_HOTEL_ID \
    "{\"name\":\"hotelId\",\"in\":\"path\",\"required\":true,\"schema\":{\"type\":\"integer\"}}"

#define ERRORS \
    "\"400\":{\"description\":\"invalid parameter\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}," \
    "\"503\":{\"description\":\"no data generation loaded yet\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}"

#define OP_BEST(id) \
    "{\"get\":{\"operationId\":\"" id "\",\"summary\":\"get the best (i.e. cheapest) offer for every hotel that has at least one available offer for a given search\"," \
    "\"parameters\":[" P_SEARCH("true") "," \
    "{\"name\":\"sort\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"string\",\"enum\":[\"price\",\"stars\",\"name\"],\"default\":\"price\"}}," \
    "{\"name\":\"limit\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":1},\"description\":\"default: all hotels\"}," \
    "{\"name\":\"offset\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":0,\"default\":0}}," P_Q "]," \
    "\"responses\":{\"200\":{\"description\":\"one item per hotel; X-Total-Count holds the number before paging\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/GetBestHotelOffersResponse\"}}}}," ERRORS "}}}"

#define OP_OFFERS(id) \
    "{\"get\":{\"operationId\":\"" id "\",\"summary\":\"get available offers for a given hotel (with no search parameters: all of them)\"," \
    "\"parameters\":[" P_HOTEL_ID "," P_SEARCH("false") "," \
    "{\"name\":\"limit\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":1000,\"default\":100}}," \
    "{\"name\":\"cursor\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"string\"},\"description\":\"nextCursor of the previous page\"}]," \
    "\"responses\":{\"200\":{\"description\":\"offers, cheapest first, then by departure\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/GetHotelOffersResponse\"}}}}," \
    "\"404\":{\"description\":\"unknown hotel\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}," ERRORS "}}}"

/* The price calendar takes the search without a required date window, plus
 * an optional hotelId in the query. */
#define P_CALENDAR \
    "{\"name\":\"duration\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":365},\"description\":\"nights; absent: any length of stay\"}," \
    "{\"name\":\"countAdults\",\"in\":\"query\",\"required\":true,\"schema\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":255}}," \
    "{\"name\":\"countChildren\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":255,\"default\":0}}," \
    "{\"name\":\"destination\",\"in\":\"query\",\"required\":false,\"style\":\"form\",\"explode\":true,\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"description\":\"IATA codes or destination names; absent = every destination\"}," \
    "{\"name\":\"earliestDepartureDate\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"string\",\"format\":\"date\"},\"description\":\"optional: without it, from the first day of the data\"}," \
    "{\"name\":\"latestReturnDate\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"string\",\"format\":\"date\"},\"description\":\"optional: without it, to the last day of the data\"}," \
    "{\"name\":\"hotelId\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\"},\"description\":\"one hotel's calendar; default: all hotels\"}," \
    "{\"name\":\"departureAirports\",\"in\":\"query\",\"required\":false,\"style\":\"form\",\"explode\":true,\"schema\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/AirportCode\"}}}," \
    "{\"name\":\"mealType\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/MealType\"}}}," \
    "{\"name\":\"roomType\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/RoomType\"}}}," \
    "{\"name\":\"oceanView\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"boolean\"}}," \
    "{\"name\":\"minStars\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"number\",\"minimum\":0,\"maximum\":5}}," \
    "{\"name\":\"maxPrice\",\"in\":\"query\",\"required\":false,\"schema\":{\"type\":\"integer\",\"minimum\":0}}"

static const char doc_tail[] =
    "}],\"paths\":{"
    "\"/bestOffersByHotel\":" OP_BEST("getBestOffersByHotel") ","
    "\"/hotels/{hotelId}/offers\":" OP_OFFERS("GetHotelOffers") ","
    "\"/api/bestOffersByHotel\":" OP_BEST("apiGetBestOffersByHotel") ","
    "\"/api/hotels/{hotelId}/offers\":" OP_OFFERS("apiGetHotelOffers") ","
    "\"/api/hotels/{hotelId}\":{\"get\":{\"operationId\":\"getHotel\",\"parameters\":[" P_HOTEL_ID "],"
    "\"responses\":{\"200\":{\"description\":\"the hotel\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Hotel\"}}}},"
    "\"404\":{\"description\":\"unknown hotel\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}}}},"
    "\"/api/health\":{\"get\":{\"operationId\":\"getHealth\",\"responses\":{"
    "\"200\":{\"description\":\"ready\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Health\"}}}},"
    "\"503\":{\"description\":\"not ready (no generation loaded)\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Health\"}}}}}}},"
    "\"/api/priceCalendar\":{\"get\":{\"operationId\":\"getPriceCalendar\",\"summary\":\"cheapest price and number of matching offers per departure day, over all hotels or one\","
    "\"parameters\":[" P_CALENDAR "],"
    "\"responses\":{\"200\":{\"description\":\"days with at least one matching offer, ascending\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/PriceCalendar\"}}}},"
    "\"404\":{\"description\":\"unknown hotelId\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}," ERRORS "}}},"
    "\"/api/search\":{\"get\":{\"operationId\":\"searchInWords\",\"summary\":\"a search in words: how it was understood and the results of exactly that structured search (bestOffersByHotel for `query`, narrowed to the hotels the sentence names)\","
    "\"parameters\":[{\"name\":\"q\",\"in\":\"query\",\"required\":true,\"schema\":{\"type\":\"string\",\"maxLength\":1000},\"description\":\"the search in words, German or English\"}," P_PAGING "],"
    "\"responses\":{\"200\":{\"description\":\"the interpretation and the results; X-Total-Count holds the number of hotels before paging\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/SearchInWords\"}}}}," ERRORS "}}},"
    "\"/api/parse\":{\"get\":{\"operationId\":\"parseWords\",\"summary\":\"how a search in words is understood, without searching\","
    "\"parameters\":[{\"name\":\"q\",\"in\":\"query\",\"required\":true,\"schema\":{\"type\":\"string\",\"maxLength\":1000}}],"
    "\"responses\":{\"200\":{\"description\":\"the interpretation\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Interpretation\"}}}}," ERRORS "}}},"
    "\"/api/destinations\":{\"get\":{\"operationId\":\"getDestinations\",\"summary\":\"every destination of the data: hotels, offers, cheapest price, first and last departure\","
    "\"responses\":{\"200\":{\"description\":\"destinations by code\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Destinations\"}}}},"
    "\"503\":{\"description\":\"no data generation loaded yet\",\"content\":{\"application/json\":{\"schema\":{\"$ref\":\"#/components/schemas/Error\"}}}}}}},"
    "\"/openapi\":{\"get\":{\"operationId\":\"getOpenApi\",\"responses\":{\"200\":{\"description\":\"this document\"}}}}"
    "},\"components\":{\"schemas\":{"
    "\"Hotel\":{\"type\":\"object\",\"required\":[\"id\",\"name\",\"stars\"],\"properties\":{"
    "\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"},\"stars\":{\"type\":\"number\"},"
    "\"destination\":{\"type\":\"string\",\"description\":\"IATA code: hotels.csv's destination column, else where most of its offers fly\"}}},"
    "\"Destinations\":{\"type\":\"object\",\"required\":[\"destinations\"],\"properties\":{\"destinations\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
    "\"code\":{\"type\":\"string\"},\"name\":{\"type\":\"string\",\"nullable\":true},\"hotels\":{\"type\":\"integer\"},\"offers\":{\"type\":\"integer\"},"
    "\"minPrice\":{\"type\":\"integer\"},\"firstDeparture\":{\"type\":\"string\",\"format\":\"date\"},\"lastDeparture\":{\"type\":\"string\",\"format\":\"date\"}}}}}},"
    "\"BestHotelOffer\":{\"type\":\"object\",\"required\":[\"hotel\",\"minPrice\",\"departureDate\",\"returnDate\",\"countAdults\",\"countChildren\",\"duration\",\"countAvailableOffers\"],\"properties\":{"
    "\"hotel\":{\"$ref\":\"#/components/schemas/Hotel\"},\"minPrice\":{\"type\":\"number\"},"
    "\"departureDate\":{\"type\":\"string\",\"format\":\"date\"},\"returnDate\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"roomType\":{\"type\":\"string\"},\"mealType\":{\"type\":\"string\"},\"oceanView\":{\"type\":\"boolean\"},"
    "\"countAdults\":{\"type\":\"integer\"},\"countChildren\":{\"type\":\"integer\"},\"duration\":{\"type\":\"integer\"},"
    "\"countAvailableOffers\":{\"type\":\"integer\"}}},"
    "\"GetBestHotelOffersResponse\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/BestHotelOffer\"}},"
    "\"Offer\":{\"type\":\"object\",\"required\":[\"price\",\"countAdults\",\"countChildren\",\"inboundDepartureAirport\",\"inboundDepartureDatetime\",\"inboundArrivalAirport\",\"inboundArrivalDatetime\",\"outboundDepartureAirport\",\"outboundDepartureDatetime\",\"outboundArrivalAirport\",\"outboundArrivalDatetime\",\"mealType\",\"oceanView\",\"roomType\"],\"properties\":{"
    "\"price\":{\"type\":\"number\"},\"countAdults\":{\"type\":\"integer\"},\"countChildren\":{\"type\":\"integer\"},"
    "\"inboundDepartureAirport\":{\"type\":\"string\"},\"inboundDepartureDatetime\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"inboundArrivalAirport\":{\"type\":\"string\"},\"inboundArrivalDatetime\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"outboundDepartureAirport\":{\"type\":\"string\"},\"outboundDepartureDatetime\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"outbundDepartureDatetime\":{\"type\":\"string\",\"format\":\"date-time\",\"description\":\"same as outboundDepartureDatetime; the spelling the official client reads\"},"
    "\"outboundArrivalAirport\":{\"type\":\"string\"},\"outboundArrivalDatetime\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"mealType\":{\"type\":\"string\"},\"oceanView\":{\"type\":\"boolean\"},\"roomType\":{\"type\":\"string\"}}},"
    "\"GetHotelOffersResponse\":{\"type\":\"object\",\"required\":[\"hotel\",\"items\"],\"properties\":{"
    "\"hotel\":{\"$ref\":\"#/components/schemas/Hotel\"},\"items\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Offer\"}},"
    "\"total\":{\"type\":\"integer\",\"description\":\"all matching offers of the hotel\"},"
    "\"nextCursor\":{\"type\":\"string\",\"nullable\":true,\"description\":\"pass as cursor for the next page; null on the last page\"}}},"
    "\"Health\":{\"type\":\"object\",\"properties\":{\"status\":{\"type\":\"string\"},\"generation\":{\"type\":\"integer\",\"nullable\":true},"
    "\"offers\":{\"type\":\"integer\"},\"hotels\":{\"type\":\"integer\"},\"uptime\":{\"type\":\"number\",\"description\":\"seconds\"},"
    "\"dataAge\":{\"type\":\"number\",\"description\":\"seconds since the generation was imported\"}}},"
    "\"PriceCalendar\":{\"type\":\"object\",\"required\":[\"hotel\",\"days\"],\"properties\":{"
    "\"hotel\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Hotel\"}],\"nullable\":true,\"description\":\"the hotel of hotelId; null for all hotels\"},"
    "\"days\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"date\",\"minPrice\",\"offers\"],\"properties\":{"
    "\"date\":{\"type\":\"string\",\"format\":\"date\",\"description\":\"departure day\"},\"minPrice\":{\"type\":\"integer\"},"
    "\"offers\":{\"type\":\"integer\",\"description\":\"matching offers departing that day\"}}}}}},"
    "\"SearchFields\":{\"type\":\"object\",\"description\":\"search parameters under the API's own names and types\",\"properties\":{"
    "\"countAdults\":{\"type\":\"integer\"},\"countChildren\":{\"type\":\"integer\"},\"duration\":{\"type\":\"integer\",\"description\":\"nights\"},"
    "\"earliestDepartureDate\":{\"type\":\"string\",\"format\":\"date\"},\"latestReturnDate\":{\"type\":\"string\",\"format\":\"date\"},"
    "\"departureAirports\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"mealType\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"roomType\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},\"oceanView\":{\"type\":\"boolean\"},\"minStars\":{\"type\":\"number\"},"
    "\"maxPrice\":{\"type\":\"integer\",\"description\":\"euros for the whole party ('800 pro Person' x the party)\"},"
    "\"destination\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
    "\"hotels\":{\"type\":\"array\",\"description\":\"hotels the sentence names; they narrow the results\",\"items\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},\"name\":{\"type\":\"string\"}}}}}},"
    "\"Interpretation\":{\"type\":\"object\",\"required\":[\"interpreted\",\"assumed\",\"unrecognized\",\"query\"],\"properties\":{"
    "\"interpreted\":{\"$ref\":\"#/components/schemas/SearchFields\"},"
    "\"assumed\":{\"$ref\":\"#/components/schemas/SearchFields\",\"description\":\"defaults for what the sentence does not say\"},"
    "\"unrecognized\":{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"the words it could not place, as written\"},"
    "\"unrecognizedTruncated\":{\"type\":\"boolean\"},"
    "\"query\":{\"type\":\"string\",\"description\":\"the structured query string searched (bestOffersByHotel parameters)\"}}},"
    "\"SearchInWords\":{\"allOf\":[{\"$ref\":\"#/components/schemas/Interpretation\"},{\"type\":\"object\",\"required\":[\"total\",\"results\"],\"properties\":{"
    "\"total\":{\"type\":\"integer\"},\"results\":{\"$ref\":\"#/components/schemas/GetBestHotelOffersResponse\"}}}]},"
    "\"Error\":{\"type\":\"object\",\"required\":[\"error\"],\"properties\":{\"error\":{\"type\":\"object\",\"required\":[\"code\",\"message\"],\"properties\":{"
    "\"code\":{\"type\":\"string\"},\"message\":{\"type\":\"string\"},\"param\":{\"type\":\"string\",\"nullable\":true}}}}}";
/* ... then the vocabulary schemas (vocab_schemas), then this: the API key
 * schemes (keys/keys.h). A key is optional unless the server runs with
 * --require-key, hence the empty alternative {} in "security". */
static const char doc_end[] =
    "},\"securitySchemes\":{"
    "\"ApiKeyHeader\":{\"type\":\"apiKey\",\"in\":\"header\",\"name\":\"X-API-Key\","
    "\"description\":\"a partner's API key: its tier sets the rate limit; 401 if unknown or revoked\"},"
    "\"ApiKeyBearer\":{\"type\":\"http\",\"scheme\":\"bearer\",\"description\":\"the same key as Authorization: Bearer\"}}},"
    "\"security\":[{},{\"ApiKeyHeader\":[]},{\"ApiKeyBearer\":[]}]}";

/* The filter vocabularies, from vocab.h: the values the importer keeps
 * are exactly the values the document offers (and params.c accepts). */
static void enum_schema(buf_t *b, const char *name, const char *const *values, int n)
{
    buf_printf(b, ",\"%s\":{\"type\":\"string\",\"enum\":[", name);
    for (int i = 0; i < n; i++)
        buf_printf(b, "%s\"%s\"", i ? "," : "", values[i]);
    BUF_LIT(b, "],\"description\":\"any case\"}");
}

static void vocab_schemas(buf_t *b)
{
    enum_schema(b, "MealType", vocab_meal_types, VOCAB_MEAL_COUNT);
    enum_schema(b, "RoomType", vocab_room_types, VOCAB_ROOM_COUNT);
    BUF_LIT(b, ",\"AirportCode\":{\"type\":\"string\",\"pattern\":\"^[A-Za-z]{3}$\","
               "\"description\":\"IATA airport code, any case\"}");
}

void openapi_render(buf_t *b, const char *host, size_t host_len, bool tls)
{
    buf_put(b, doc_head, sizeof doc_head - 1);
    /* Host is client input: accept only host[:port] characters. */
    bool ok = host_len > 0 && host_len < 256;
    for (size_t i = 0; ok && i < host_len; i++) {
        char c = host[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
             c == '-' || c == ':' || c == '[' || c == ']';
    }
    if (ok) {
        buf_putc(b, '"');
        buf_puts(b, tls ? "https://" : "http://");
        buf_put(b, host, host_len);
        buf_putc(b, '"');
    } else {
        BUF_LIT(b, "\"/\"");
    }
    buf_put(b, doc_tail, sizeof doc_tail - 1);
    vocab_schemas(b);
    buf_put(b, doc_end, sizeof doc_end - 1);
}

void api_openapi(const api_call *c, api_response *res)
{
    api_ok_json(res);
    openapi_render(&res->body, c->req->host, c->req->host_len, c->req->tls);
}
