/* libFuzzer target: days_parse_date, parse_iso_datetime and params_query_date.
 * Whatever parses must be a valid date and time that formats back to the
 * same values, with its zone suffix inside the input; a query date is the
 * parsed day or the next one. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/params.h"
#include "util/days.h"

#define CHECK(c) \
    do {         \
        if (!(c)) \
            abort(); \
    } while (0)

/* UndefinedBehaviorSanitizer findings are crashes, not log lines. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int32_t day = -1;
    if (days_parse_date(s, size, &day)) {
        CHECK(size == 10);
        CHECK(day >= 0 && day <= days_from_civil(2149, 12, 31));
        char out[10];
        format_date(day, out);
        CHECK(memcmp(out, s, 10) == 0);
    }

    iso_datetime dt;
    bool ok = parse_iso_datetime(s, size, &dt);
    if (ok) {
        CHECK(size >= 10);
        CHECK(dt.sec < 86400);
        CHECK(dt.has_time || dt.sec == 0);
        CHECK(dt.zone >= s && dt.zone + dt.zone_len == s + size);
        CHECK(dt.day >= 0 && dt.day <= days_from_civil(2149, 12, 31));
        int y;
        unsigned m, d;
        civil_from_days(dt.day, &y, &m, &d);
        CHECK(days_from_civil(y, m, d) == dt.day);
        /* the formatted wall-clock time parses back to the same values */
        char out[19];
        format_datetime(dt.day, dt.sec, out);
        iso_datetime back;
        CHECK(parse_iso_datetime(out, 19, &back));
        CHECK(back.day == dt.day && back.sec == dt.sec && back.zone_len == 0);
        CHECK(memcmp(out, s, 10) == 0);
    }

    int32_t qd;
    bool qok = params_query_date(s, size, &qd);
    CHECK(qok == ok);
    if (qok)
        CHECK(qd == dt.day || qd == dt.day + 1);
    return 0;
}
