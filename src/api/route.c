/* The route table of route.h, expanded into rows, and the path matcher.
 * Matching walks the rows in order; there are a dozen and each test is a
 * memcmp of a few bytes, cheaper than the hash a bigger table would want. */
#include "api/route.h"

#include <string.h>

typedef struct {
    api_route route;
    const char *path;
    unsigned flags;
} route_row;

#define ROW_API_(id, name, path, flags, ...) {ROUTE_##id, path, flags},
#define ROW_HTTP_(id, name, path, flags) {ROUTE_##id, path, (flags) | RF_HTTP},
#define ROW_ALIAS_(id, path, flags) {ROUTE_##id, path, flags},
static const route_row ROWS[] = {ISLA_ROUTES(ROW_API_, ROW_HTTP_, ROW_ALIAS_)};

#define NAME_API_(id, name, ...) [ROUTE_##id] = name,
#define NAME_HTTP_(id, name, ...) [ROUTE_##id] = name,
#define SKIP_(...)
static const char *const NAMES[ROUTE_COUNT] = {ISLA_ROUTES(NAME_API_, NAME_HTTP_, SKIP_)};

#define FLAGS_API_(id, name, path, flags, ...) [ROUTE_##id] = flags,
#define FLAGS_HTTP_(id, name, path, flags) [ROUTE_##id] = (flags) | RF_HTTP,
static const unsigned FLAGS[ROUTE_COUNT] = {ISLA_ROUTES(FLAGS_API_, FLAGS_HTTP_, SKIP_)};

const char *api_route_name(api_route r)
{
    return (unsigned)r < ROUTE_COUNT ? NAMES[r] : "other";
}

unsigned api_route_flags(api_route r)
{
    return (unsigned)r < ROUTE_COUNT ? FLAGS[r] : 0;
}

/* Does path[0..n) match pattern? A "{id}" segment takes the bytes up to the
 * next '/' (at least one byte when it ends the pattern). */
static bool match_pattern(const char *pat, const char *path, size_t n, const char **id, size_t *id_len)
{
    const char *brace = strstr(pat, "{id}");
    if (brace == NULL)
        return strlen(pat) == n && memcmp(pat, path, n) == 0;
    size_t head = (size_t)(brace - pat);
    const char *tail = brace + 4;
    size_t tail_len = strlen(tail);
    if (n < head + tail_len || memcmp(pat, path, head) != 0)
        return false;
    const char *seg = path + head;
    const char *end = path + n;
    const char *slash = memchr(seg, '/', (size_t)(end - seg));
    size_t seg_len = slash != NULL ? (size_t)(slash - seg) : (size_t)(end - seg);
    if (tail_len == 0 && seg_len == 0)
        return false;
    if ((size_t)(end - seg) - seg_len != tail_len || memcmp(seg + seg_len, tail, tail_len) != 0)
        return false;
    *id = seg;
    *id_len = seg_len;
    return true;
}

bool api_route_match(const char *path, size_t n, api_match *m)
{
    memset(m, 0, sizeof *m);
    m->route = ROUTE_OTHER;
    bool under_api = n >= 5 && memcmp(path, "/api/", 5) == 0;
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        const route_row *r = &ROWS[i];
        if (r->path == NULL)
            continue;
        const char *pat = r->path;
        /* A bare path ("/bestOffersByHotel") is the pattern without "/api". */
        if (!under_api && memcmp(pat, "/api/", 5) == 0) {
            if (!(r->flags & RF_BARE))
                continue;
            pat += 4;
        }
        if (match_pattern(pat, path, n, &m->id, &m->id_len)) {
            m->route = r->route;
            m->flags = r->flags;
            return true;
        }
    }
    return false;
}
