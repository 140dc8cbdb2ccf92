/* libFuzzer target: row_layout_from_header and row_parse. Half the inputs
 * are parsed as rows of the fixed 2023 header; the other half supply their
 * own header as the first line. Accepted rows must hold valid values,
 * dictionary ids and only values of the vocabulary (vocab.h); rejected ones
 * a terminated, printable reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "import/row.h"
#include "vocab/vocab.h"

#define CHECK(c) \
    do {         \
        if (!(c)) \
            abort(); \
    } while (0)

/* UndefinedBehaviorSanitizer findings are crashes, not log lines. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

static const char header2023[] =
    "\"hotelid\",\"outbounddeparturedatetime\",\"inbounddeparturedatetime\",\"countadults\","
    "\"countchildren\",\"price\",\"inbounddepartureairport\",\"outboundarrivalairport\","
    "\"inboundarrivaldatetime\",\"outbounddepartureairport\",\"inboundarrivalairport\","
    "\"outboundarrivaldatetime\",\"mealtype\",\"oceanview\",\"roomtype\"";

static row_layout fixed;
static import_dict *dicts;
static row_parser *parser;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char err[256];
    if (row_layout_from_header(header2023, sizeof header2023 - 1, &fixed, err, sizeof err) != 0)
        abort();
    dicts = calloc(STORE_DICT_COUNT, sizeof *dicts);
    parser = malloc(sizeof *parser);
    return 0;
}

static void check_row(const row_layout *L, const char *line, size_t n)
{
    static const unsigned max[STORE_DICT_COUNT] = {
        [STORE_DICT_AIRPORT] = STORE_DICT_MAX, [STORE_DICT_MEAL] = STORE_DICT_MAX,
        [STORE_DICT_ROOM] = 128, [STORE_DICT_ZONE] = STORE_ZONE_MAX + 1};
    for (int d = 0; d < STORE_DICT_COUNT; d++) {
        pthread_mutex_destroy(&dicts[d].lock);
        import_dict_init(&dicts[d], max[d]);
    }
    row_parser_init(parser, L, dicts);
    offer_row r;
    char why[256];
    memset(why, 'x', sizeof why);
    int rc = row_parse(parser, line, n, &r, why, sizeof why);
    if (rc != 0) {
        CHECK(rc == -1);
        CHECK(memchr(why, 0, sizeof why) != NULL);
        CHECK(strlen(why) > 0);
        for (const char *c = why; *c; c++)
            CHECK((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
        return;
    }
    CHECK(r.nights <= 365);
    CHECK(atomic_load(&dicts[STORE_DICT_AIRPORT].len) >= 1);
    CHECK(r.airport < atomic_load(&dicts[STORE_DICT_AIRPORT].len));
    CHECK(r.detail.out_arr_airport < atomic_load(&dicts[STORE_DICT_AIRPORT].len));
    CHECK(r.detail.in_dep_airport < atomic_load(&dicts[STORE_DICT_AIRPORT].len));
    CHECK(r.detail.in_arr_airport < atomic_load(&dicts[STORE_DICT_AIRPORT].len));
    CHECK(r.meal < atomic_load(&dicts[STORE_DICT_MEAL].len));
    CHECK((r.room_ocean & 0x7F) < atomic_load(&dicts[STORE_DICT_ROOM].len));
    unsigned zones = atomic_load(&dicts[STORE_DICT_ZONE].len);
    CHECK(DETAIL_DEP_ZONE(r.detail.out_dep) < zones && DETAIL_ARR_ZONE(r.detail.out_dep) < zones);
    CHECK(DETAIL_DEP_ZONE(r.detail.in_dep) < zones && DETAIL_ARR_ZONE(r.detail.in_dep) < zones);
    CHECK(DETAIL_SEC(r.detail.out_dep) < 86400 && DETAIL_SEC(r.detail.in_dep) < 86400);
    for (int d = 0; d < STORE_DICT_COUNT; d++)
        for (unsigned i = 0; i < atomic_load(&dicts[d].len); i++)
            CHECK(memchr(dicts[d].values[i], 0, STORE_DICT_STRLEN) != NULL);
    /* one vocabulary: whatever is imported, the API can name (vocab.h) */
    for (unsigned i = 0; i < atomic_load(&dicts[STORE_DICT_AIRPORT].len); i++)
        CHECK(vocab_airport(dicts[STORE_DICT_AIRPORT].values[i], strlen(dicts[STORE_DICT_AIRPORT].values[i])));
    for (unsigned i = 0; i < atomic_load(&dicts[STORE_DICT_MEAL].len); i++)
        CHECK(vocab_meal(dicts[STORE_DICT_MEAL].values[i], strlen(dicts[STORE_DICT_MEAL].values[i])) >= 0);
    for (unsigned i = 0; i < atomic_load(&dicts[STORE_DICT_ROOM].len); i++)
        CHECK(vocab_room(dicts[STORE_DICT_ROOM].values[i], strlen(dicts[STORE_DICT_ROOM].values[i])) >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    if (!(data[0] & 1)) {
        check_row(&fixed, s, n);
        return 0;
    }
    const char *nl = memchr(s, '\n', n);
    size_t hl = nl ? (size_t)(nl - s) : n;
    row_layout L;
    char err[512];
    memset(err, 'x', sizeof err);
    if (row_layout_from_header(s, hl, &L, err, sizeof err) != 0) {
        CHECK(memchr(err, 0, sizeof err) != NULL && strlen(err) > 0);
        return 0;
    }
    CHECK(L.n_fields >= COL_COUNT && L.n_fields <= ROW_MAX_FIELDS);
    for (int c = 0; c < COL_COUNT; c++) {
        CHECK(L.field_of[c] >= 0 && L.field_of[c] < L.n_fields);
        for (int k = 0; k < c; k++)
            CHECK(L.field_of[k] != L.field_of[c]);
    }
    if (nl)
        check_row(&L, nl + 1, n - hl - 1);
    return 0;
}
