/* `q=`: a traveller's sentence as search parameters.
 *
 * The bridge between the intent parser (src/nlq, no HTTP) and the API's
 * query-string grammar (params.c). A request with q is searched exactly
 * like the structured request it stands for: the sentence is parsed, the
 * defaults fill what it does not say (2 adults, no children, the whole
 * data range; no duration = any length of stay), and the result is written
 * as a query string of the API's own parameters, to which the request's
 * explicit parameters are joined - an explicit parameter wins over what
 * the sentence says. params_parse then validates that string like any
 * other, so results, errors and cache keys are those of the structured
 * search. Hotels the sentence names narrow the results further (the
 * structured search has no hotel filter): see api_nlq.hotels.
 *
 * The parser is compiled once per data generation (hotel names and the
 * data's date range come from the store) and attached to the store, so it
 * lives exactly as long as the generation. */
#ifndef ISLA_API_NLQ_QUERY_H
#define ISLA_API_NLQ_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/response.h"
#include "nlq/nlq.h"
#include "query/query.h"
#include "store/store.h"
#include "util/buf.h"

#define API_NLQ_QUERY_MAX 4096

typedef struct {
    bool present;             /* the query string had q */
    char query[API_NLQ_QUERY_MAX]; /* the structured query string searched (with explicit parameters) */
    char text[NLQ_MAX_TEXT + 1]; /* q, percent-decoded */
    size_t len;
    nlq_result said;          /* what the sentence said, nothing more */
    nlq_result search;        /* the search run: said + defaults, explicit parameters not applied */
    uint32_t assumed;         /* NLQ_* bits the defaults filled */
    uint32_t explicit_;       /* NLQ_* bits an explicit parameter overrode */
} api_nlq;

/* The parser for s, compiled on first use (the server calls it when it
 * loads a generation, so no request pays for it). NULL only without memory. */
const nlq_t *api_nlq_parser(store_t *s);

/* Looks for q in qs[0..n). Without q: out->present is false and composed
 * is empty. With q: parses it and writes into out->query the query string
 * to validate (a 400 if it would exceed API_NLQ_QUERY_MAX): qs without q, then each parameter the sentence (or
 * a default) gives that qs does not name. `only_q` refuses any parameter
 * but q (and `_` cache busters). Returns 0, or -1 after writing a 400
 * into res (q repeated, empty, longer than NLQ_MAX_TEXT bytes, malformed
 * percent-encoding, or another parameter where only q is allowed). */
int api_nlq_compose(store_t *s, const char *qs, size_t n, bool only_q, api_nlq *out, api_response *res);

/* Writes `"interpreted":{...},"assumed":{...},"unrecognized":[...],
 * "query":"..."` (no braces around) for the parse; s gives hotel names. */
void api_nlq_render(const api_nlq *q, store_t *s, buf_t *b);

/* Keeps in v only the hotels the sentence names (all if it names none). */
void api_nlq_filter_hotels(const api_nlq *q, const store_t *s, hotel_best_vec *v);

#endif
