#include "diff.h"

/* ------------------------------------------------------------------ */
/* bad input of the guides' forms: a 400 naming the parameter            */

int check_bad_input(void)
{
    static const struct {
        params_kind kind;
        const char *qs, *param, *mentions;
    } cases[] = {
        {PARAMS_BEST_OFFERS, "earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-31&countAdults=2"
                             "&destination=Atlantis", "destination", "Atlantis"},
        {PARAMS_BEST_OFFERS, "earliestDepartureDate=2023-07-01&latestReturnDate=2023-07-31&countAdults=2"
                             "&destination=PMI,P%3FI", "destination", "P?I"},
        {PARAMS_HOTEL_OFFERS, "destination=Narnia", "destination", "Narnia"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&earliestDepartureDate=2023-07-01"
                             "&latestReturnDate=2023-07-31&countAdults=2", "earliestDepartureDate", "not both"},
        {PARAMS_BEST_OFFERS, "earliestDepartureDate=2023-07-01&returnDate=2023-07-31&latestReturnDate=2023-07-31"
                             "&countAdults=2", "latestReturnDate", "not both"},
        {PARAMS_HOTEL_OFFERS, "returnDate=2023-07-31&latestReturnDate=2023-07-31", "latestReturnDate", "not both"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&returnDate=2023-07-31&countAdults=2&fields=hotel.id,size",
         "fields", "size"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&returnDate=2023-07-31&countAdults=2&fields=", "fields",
         "empty"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&returnDate=2023-07-31&countAdults=2&fields=minPrice,",
         "fields", "empty"},
        {PARAMS_HOTEL_OFFERS, "fields=countAvailableOffers", "fields", "countAvailableOffers"},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&returnDate=2023-07-31", "countAdults", NULL},
        {PARAMS_BEST_OFFERS, "departureDate=2023-07-01&countAdults=2", "latestReturnDate", NULL},
        {PARAMS_HOTEL_OFFERS, "duration=-1", "duration", NULL},
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        api_response res;
        memset(&res, 0, sizeof res);
        api_params p;
        int rc = params_parse(S, cases[i].qs, strlen(cases[i].qs), cases[i].kind, &p, &res);
        char want[96];
        fmt_s(want, sizeof want, "\"param\":\"%s\"", cases[i].param);
        char body[600];
        fmt_s(body, sizeof body, "%.*s", (int)(res.body.len < 599 ? res.body.len : 599), res.body.data ? res.body.data : "");
        if (rc == 0 || res.status != 400 || !strstr(body, want) || (cases[i].mentions && !strstr(body, cases[i].mentions))) {
            printf("FAIL bad input: %s: want 400 naming %s, got %d %s\n", cases[i].qs, cases[i].param, res.status,
                   body);
            bad++;
        }
        api_response_free(&res);
    }
    if (!bad)
        printf("ok bad input: %zu malformed guide-form queries answered 400 naming the parameter\n",
               sizeof cases / sizeof *cases);
    return bad;
}

/* ------------------------------------------------------------------ */
/* import check: the store holds exactly the distinct offers             */

int check_import(const import_result *ir)
{
    int bad = 0;
    int64_t distinct = sql_int("SELECT COUNT(*) FROM offers");
    int64_t unknown_rows = sql_int("SELECT COUNT(*) FROM offers WHERE hotel NOT IN (SELECT id FROM hotels)");
    str_t m = {0};
    if ((uint64_t)distinct != csv_rows - csv_dups)
        sprintf_(&m, " oracle self-check: SQLite keeps %lld distinct rows, the hash set %llu;", (long long)distinct,
                 (unsigned long long)(csv_rows - csv_dups)), bad++;
    if ((int64_t)S->n_offers != distinct)
        sprintf_(&m, " store has %u offers, SQL has %lld distinct rows;", S->n_offers, (long long)distinct), bad++;
    if (ir->stats.rows != csv_rows)
        sprintf_(&m, " import read %llu rows, the CSV has %llu;", (unsigned long long)ir->stats.rows,
                 (unsigned long long)csv_rows), bad++;
    if (ir->stats.rejected)
        sprintf_(&m, " %llu rows rejected;", (unsigned long long)ir->stats.rejected), bad++;
    if (ir->stats.duplicates != csv_rows - (uint64_t)distinct)
        sprintf_(&m, " %llu duplicates reported, SQL finds %llu;", (unsigned long long)ir->stats.duplicates,
                 (unsigned long long)(csv_rows - (uint64_t)distinct)), bad++;
    /* every hotel with offers: findable, known iff in hotels.csv, stars */
    sqlite3_stmt *st = sql_prep("SELECT o.hotel, COUNT(*), h.id IS NOT NULL, "
                                "COALESCE(CAST(round(h.stars*10) AS INTEGER),0) FROM offers o "
                                "LEFT JOIN hotels h ON h.id=o.hotel GROUP BY o.hotel");
    int hb = 0, nh = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        nh++;
        int64_t id = sqlite3_column_int64(st, 0);
        bool known = sqlite3_column_int(st, 2);
        int stars = sqlite3_column_int(st, 3);
        int64_t h = store_find_hotel(S, (uint64_t)id);
        if (h < 0) {
            if (hb++ < 3)
                sprintf_(&m, " hotel %lld not in the store;", (long long)id);
            continue;
        }
        const store_hotel *sh = &S->hotels[h];
        if (sh->id != id || (bool)sh->known != known || sh->stars_x10 != stars) {
            if (hb++ < 3)
                sprintf_(&m, " hotel %lld: store id %u known %d stars_x10 %d, expected known %d stars_x10 %d;",
                         (long long)id, sh->id, sh->known, sh->stars_x10, known, stars);
        }
    }
    sqlite3_finalize(st);
    bad += hb;
    if (bad)
        printf("FAIL import:%s\n", m.s);
    else
        printf("ok import: %llu rows, %lld distinct offers (%llu duplicates%s), %d hotels with offers, "
               "%lld offers of unknown hotels\n",
               (unsigned long long)csv_rows, (long long)distinct, (unsigned long long)(csv_rows - (uint64_t)distinct),
               sql_dedup ? ", found by SQLite and the hash set" : "", nh, (long long)unknown_rows);
    free(m.s);
    return bad ? 1 : 0;
}
