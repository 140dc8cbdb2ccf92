/* libFuzzer target: the intent parser (src/nlq). Each input is parsed as a
 * sentence by a parser compiled once with the real hotel names' shapes
 * (umlauts, accents, apostrophes, "&"); the result must be consistent
 * (spans inside the input, counts in range, dates ordered as parsed) and
 * describable, and the defaults must complete it into a window that opens
 * no later than it closes unless the sentence itself gave both ends. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nlq/nlq.h"

#define CHECK(c) \
    do {         \
        if (!(c)) \
            abort(); \
    } while (0)

/* UndefinedBehaviorSanitizer findings are crashes, not log lines. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

static const nlq_hotel hotels[] = {
    {1, "Iberostar Playa de Muro", 23},      {27, "Iberostar Selection Jardín del Sol Suites", 42},
    {6, "Hotel Cala d'Or", 15},               {9, "Bonsol Hotel Resort & Spa", 25},
    {11, "Hotel Carabela", 14},               {630, "Carabela II Appertments", 23},
    {23, "Meliá Palma Marina", 19},           {99, "", 0},
};
static nlq_t *parser;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!parser) {
        nlq_source src = {.first_day = 19363, .last_day = 19722, .hotels = hotels,
                          .n_hotels = sizeof hotels / sizeof *hotels}; /* 2023-01-06 .. 2023-12-31 */
        parser = nlq_compile(&src);
        CHECK(parser);
    }
    const char *text = (const char *)data;
    nlq_result r;
    if (nlq_parse(parser, text, size, &r) < 0) {
        CHECK(size > NLQ_MAX_TEXT);
        CHECK(r.have == 0);
        return 0;
    }
    CHECK(size <= NLQ_MAX_TEXT);
    for (unsigned i = 0; i < r.n_unrecognized; i++)
        CHECK(r.unrecognized[i].len > 0 && (size_t)r.unrecognized[i].off + r.unrecognized[i].len <= size);
    CHECK(r.n_unrecognized <= NLQ_MAX_UNRECOGNIZED);
    CHECK(r.n_hotels <= NLQ_MAX_HOTELS && r.n_destinations <= NLQ_MAX_DEST);
    if (r.have & NLQ_STARS)
        CHECK(r.min_stars_x10 >= 10 && r.min_stars_x10 <= 50);
    char out[8192];
    size_t n = nlq_format(&r, text, out, sizeof out);
    CHECK(n < sizeof out && out[n] == 0);
    /* a sentence may contradict itself ("ab 20. Juli, bis 3. Juli": the API
     * answers 400 naming latestReturnDate); the defaults never do */
    bool both = (r.have & NLQ_EARLIEST) && (r.have & NLQ_LATEST);
    nlq_defaults(parser, &r);
    CHECK(both || r.earliest <= r.latest);
    return 0;
}
