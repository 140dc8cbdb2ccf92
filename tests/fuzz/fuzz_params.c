/* libFuzzer target: the API's query-string handling. A tiny dump is
 * imported once (LLVMFuzzerInitialize) into a temp directory; each input is
 * then used as the query string of params_parse for every endpoint kind,
 * as a cursor, and as the query of full api_handle calls (parse, search,
 * render). Responses must have a status and, for 200s, a JSON body. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "api/params.h"
#include "import/import.h"
#include "store/store.h"

#define CHECK(c) \
    do {         \
        if (!(c)) \
            abort(); \
    } while (0)

/* UndefinedBehaviorSanitizer findings are crashes, not log lines. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

static store_t *store;
static char dir[64];

static const char hotels[] = "hotelid;hotelname;hotelstars\n1;Hotel One;4.0\n2;Hotel \"Two\";3.5\n3;Drei;0\n";
static const char offers[] =
    "hotelid,outbounddeparturedatetime,inbounddeparturedatetime,countadults,countchildren,price,"
    "inbounddepartureairport,outboundarrivalairport,inboundarrivaldatetime,outbounddepartureairport,"
    "inboundarrivalairport,outboundarrivaldatetime,mealtype,oceanview,roomtype\n"
    "1,2023-07-01T10:00:00+00:00,2023-07-08T12:00:00+00:00,2,0,500,PMI,PMI,2023-07-08T14:00:00+00:00,HAM,HAM,"
    "2023-07-01T12:00:00+00:00,BREAKFAST,true,DOUBLE\n"
    "1,2023-07-03T23:30:00Z,2023-07-10T00:00:00Z,2,0,450,PMI,PMI,2023-07-10T02:00:00Z,MUC,MUC,"
    "2023-07-04T01:30:00Z,NONE,false,SUITE\n"
    "1,2023-07-05,2023-07-12,2,0,450,PMI,PMI,2023-07-12T14:00:00,STR,STR,2023-07-05T12:00:00,NONE,false,DOUBLE\n"
    "2,2023-07-02T10:00:00+02:00,2023-07-09T12:00:00+02:00,2,0,300,PMI,PMI,2023-07-09T14:00:00+02:00,HAM,HAM,"
    "2023-07-02T12:00:00+02:00,HALFBOARD,false,DOUBLE\n"
    "2,2023-07-02T10:00:00+00:00,2023-07-09T12:00:00+00:00,2,1,310,PMI,PMI,2023-07-09T14:00:00+00:00,HAM,HAM,"
    "2023-07-02T12:00:00+00:00,HALFBOARD,false,DOUBLE\n"
    "3,2023-08-01T10:00:00+00:00,2023-08-08T12:00:00+00:00,2,0,900,PMI,PMI,2023-08-08T14:00:00+00:00,FRA,FRA,"
    "2023-08-01T12:00:00+00:00,ALLINCLUSIVE,true,FAMILY\n"
    "77,2023-07-01T10:00:00+00:00,2023-07-08T12:00:00+00:00,2,0,100,PMI,PMI,2023-07-08T14:00:00+00:00,HAM,HAM,"
    "2023-07-01T12:00:00+00:00,BREAKFAST,false,DOUBLE\n";

static void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(s, 1, strlen(s), f) != strlen(s))
        abort();
    fclose(f);
}

static void cleanup(void)
{
    char cmd[128];
    if (store)
        store_release(store);
    if (dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(dir, sizeof dir, "/tmp/isla_fuzz_params_XXXXXX");
    if (!mkdtemp(dir))
        abort();
    atexit(cleanup);
    char hp[128], op[128], dp[128], err[1024];
    snprintf(hp, sizeof hp, "%s/hotels.csv", dir);
    snprintf(op, sizeof op, "%s/offers.csv", dir);
    snprintf(dp, sizeof dp, "%s/data", dir);
    write_file(hp, hotels);
    write_file(op, offers);
    import_options opt = {.offers_path = op, .hotels_path = hp, .data_dir = dp, .max_rejects = -1, .threads = 1};
    import_result res;
    if (import_run(&opt, &res, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_params: import failed: %s\n", err);
        abort();
    }
    store = store_open(dp, true, err, sizeof err);
    if (!store) {
        fprintf(stderr, "fuzz_params: open failed: %s\n", err);
        abort();
    }
    return 0;
}

static void call(const char *path, const char *qs, size_t n)
{
    api_request req = {0};
    req.method = "GET", req.method_len = 3;
    req.path = path, req.path_len = strlen(path);
    req.query = qs, req.query_len = n;
    req.host = "localhost", req.host_len = 9;
    api_response res;
    api_handle(store, NULL, &req, &res);
    CHECK(res.status == 200 || res.status == 400 || res.status == 404);
    CHECK(res.body.len > 0);
    char first = res.body.data[0], last = res.body.data[res.body.len - 1];
    CHECK((first == '[' && last == ']') || (first == '{' && last == '}'));
    /* no raw control bytes in JSON */
    for (size_t i = 0; i < res.body.len; i++)
        CHECK((unsigned char)res.body.data[i] >= 0x20);
    api_response_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *qs = (const char *)data;
    for (int kind = PARAMS_BEST_OFFERS; kind <= PARAMS_PRICE_CALENDAR; kind++) {
        api_params p;
        api_response res;
        memset(&res, 0, sizeof res);
        int rc = params_parse(store, qs, size, (params_kind)kind, &p, &res);
        if (rc == 0) {
            CHECK(p.q.earliest <= p.q.latest);
            CHECK(p.q.nights <= 365);
            CHECK(kind != PARAMS_HOTEL_OFFERS || (p.limit >= 1 && p.limit <= 1000));
            if (p.has_cursor)
                CHECK(p.cursor.offer < store->n_offers);
        } else {
            CHECK(rc == -1 && res.status == 400 && res.body.len > 0);
        }
        api_response_free(&res);
    }
    search_t q;
    search_init(&q);
    offer_pos pos;
    if (cursor_decode(store, 1, &q, qs, size, &pos) == 0)
        CHECK(pos.offer < store->n_offers);
    call("/bestOffersByHotel", qs, size);
    call("/hotels/1/offers", qs, size);
    call("/api/hotels/2/offers", qs, size);
    return 0;
}
