/* libFuzzer target: hotels_load, lenient and strict, on the input written
 * to a temp file. The result must be sorted by unique id with stars 0..50
 * and bounded names; errors must come with a message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hotels/hotels.h"

#define CHECK(c) \
    do {         \
        if (!(c)) \
            abort(); \
    } while (0)

/* UndefinedBehaviorSanitizer findings are crashes, not log lines. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

static char path[64];
static FILE *devnull;

static void cleanup(void)
{
    if (path[0])
        unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(path, sizeof path, "/tmp/isla_fuzz_hotels_XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    atexit(cleanup);
    devnull = fopen("/dev/null", "w");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    /* Both modes: lenient (import) and strict (gen), which must agree: a
     * strict load succeeds exactly when the lenient one rejects nothing. */
    hotel_list lenient = {0};
    size_t lenient_len = 0;
    int lenient_rc = 0;
    for (int strict = 0; strict < 2; strict++) {
        hotel_list l;
        char err[512];
        err[0] = 0;
        int rc = hotels_load(path, devnull, strict, &l, err, sizeof err);
        if (rc < 0) {
            CHECK(rc == -2); /* the file exists: only its content can be refused */
            CHECK(strlen(err) > 0);
            CHECK(l.len == 0 && l.items == NULL);
            if (strict)
                CHECK(lenient_rc < 0 || lenient.rejected > 0);
            lenient_rc = strict ? lenient_rc : rc;
            continue;
        }
        CHECK(rc == 0);
        for (size_t i = 0; i < l.len; i++) {
            CHECK(l.items[i].stars_x10 <= 50);
            CHECK(l.items[i].name_len <= 1000);
            CHECK(l.items[i].name[l.items[i].name_len] == 0);
            if (l.items[i].name_len) {
                CHECK(l.items[i].name[0] != ' ' && l.items[i].name[0] != '\t');
                CHECK(l.items[i].name[l.items[i].name_len - 1] != ' ');
            }
            if (i)
                CHECK(l.items[i - 1].id < l.items[i].id);
        }
        if (strict) {
            /* repeated ids are kept-first in both modes, and not an error */
            CHECK(lenient_rc == 0 && l.len == lenient_len);
        } else {
            lenient.rejected = l.rejected;
            lenient_len = l.len;
        }
        hotels_free(&l);
    }
    return 0;
}
