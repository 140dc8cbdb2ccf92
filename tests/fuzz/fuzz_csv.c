/* libFuzzer target: csv_split, csv_detect_delimiter and csv_unescape on one
 * line. Checks that fields stay inside the line, that unescaping never
 * grows a field, that the field limit is honoured, and that csv_split
 * (fast path) and csv_split_bytes give the same answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv/csv.h"

#define CHECK(c) \
    do {         \
        if (!(c)) \
            abort(); \
    } while (0)

/* UndefinedBehaviorSanitizer findings are crashes, not log lines. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

static void split_and_check(const char *line, size_t n, char delim, int max)
{
    csv_field f[64];
    const char *why = NULL;
    int nf = csv_split(line, n, delim, f, max, &why);
    /* the fast path and the byte loop agree on every line */
    csv_field g[64];
    const char *why_bytes = NULL;
    CHECK(csv_split_bytes(line, n, delim, g, max, &why_bytes) == nf);
    if (nf < 0)
        CHECK(why_bytes != NULL && strcmp(why, why_bytes) == 0);
    for (int i = 0; i < nf; i++)
        CHECK(f[i].p == g[i].p && f[i].len == g[i].len && f[i].escaped == g[i].escaped);
    if (nf < 0) {
        CHECK(why != NULL && strlen(why) > 0);
        return;
    }
    CHECK(nf >= 1 && nf <= max);
    size_t total = 0;
    for (int i = 0; i < nf; i++) {
        CHECK(f[i].p >= line && f[i].p + f[i].len <= line + n);
        if (i)
            CHECK(f[i].p >= f[i - 1].p + f[i - 1].len);
        char *out = malloc(f[i].len + 1);
        size_t u = csv_unescape(&f[i], out);
        CHECK(u <= f[i].len);
        if (!f[i].escaped)
            CHECK(u == f[i].len && memcmp(out, f[i].p, u) == 0);
        free(out);
        total += f[i].len;
    }
    CHECK(total <= n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *line = (const char *)data;
    char d = csv_detect_delimiter(line, size);
    CHECK(d == ',' || d == ';' || d == '\t' || d == '|');
    split_and_check(line, size, d, 64);
    split_and_check(line, size, ',', 64);
    split_and_check(line, size, ';', 4);
    split_and_check(line, size, '\t', 1);
    return 0;
}
