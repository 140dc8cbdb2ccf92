/* The request-head guard; see headguard.h for what and why.
 *
 * The interposed phr_parse_request keeps the library's exact parsing: it
 * calls the real function with the caller's arguments and only acts when
 * the result is a head it refuses, or -1 with the header array full (the
 * only way picohttpparser says "too many headers"), in which case it parses
 * again into a larger array to tell that apart from a malformed head. */
#include "http/headguard.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* picohttpparser's field, as libh2o-evloop 2.2.5 was built with it (the
 * header is not installed). */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

typedef int (*parse_request_fn)(const char *buf, size_t len, const char **method, size_t *method_len,
                                const char **path, size_t *path_len, int *minor_version, struct phr_header *headers,
                                size_t *num_headers, size_t last_len);

static _Atomic(parse_request_fn) g_real;

/* The marker field. h2o lowercases header names in place, so the name lives
 * in writable per-thread memory; the values are constants, and the handler
 * trusts a marker only if its value is one of these very strings, so a
 * client sending a field of the same name achieves nothing. */
static _Thread_local char t_marker_name[] = "x-isla-headguard";
static const char *const VERDICT_TEXT[] = {
    [HEADGUARD_OK] = "ok",
    [HEADGUARD_TOO_MANY_HEADERS] = "too-many-headers",
    [HEADGUARD_TWO_LENGTHS] = "two-content-lengths",
    [HEADGUARD_LENGTH_AND_CODING] = "content-length-and-transfer-encoding",
    [HEADGUARD_CODING] = "transfer-encoding",
};
#define N_VERDICTS (sizeof(VERDICT_TEXT) / sizeof(VERDICT_TEXT[0]))

static bool name_is(const struct phr_header *h, const char *lit, size_t n)
{
    return h->name != NULL && h->name_len == n && strncasecmp(h->name, lit, n) == 0;
}

static parse_request_fn real_parser(void)
{
    parse_request_fn f = atomic_load_explicit(&g_real, memory_order_acquire);
    if (f == NULL) {
        f = (parse_request_fn)dlsym(RTLD_NEXT, "phr_parse_request");
        atomic_store_explicit(&g_real, f, memory_order_release);
    }
    return f;
}

bool http_headguard_init(void)
{
    return real_parser() != NULL;
}

static headguard_verdict judge(const struct phr_header *h, size_t n, bool too_many)
{
    size_t lengths = 0, codings = 0;
    for (size_t i = 0; i < n; i++) {
        if (name_is(&h[i], "content-length", 14))
            lengths++;
        else if (name_is(&h[i], "transfer-encoding", 17))
            codings++;
    }
    if (too_many)
        return HEADGUARD_TOO_MANY_HEADERS;
    if (lengths > 0 && codings > 0)
        return HEADGUARD_LENGTH_AND_CODING;
    if (lengths > 1)
        return HEADGUARD_TWO_LENGTHS;
    if (codings > 0)
        return HEADGUARD_CODING;
    return HEADGUARD_OK;
}

/* Writes into out (room for max fields) the fields of in without the body
 * framing ones, cut to max - 1, plus the marker. */
static size_t rewrite(struct phr_header *out, size_t max, const struct phr_header *in, size_t n,
                      headguard_verdict v)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < max; i++) {
        if (name_is(&in[i], "content-length", 14) || name_is(&in[i], "transfer-encoding", 17))
            continue;
        out[k++] = in[i];
    }
    out[k].name = t_marker_name;
    out[k].name_len = sizeof(t_marker_name) - 1;
    out[k].value = VERDICT_TEXT[v];
    out[k].value_len = strlen(VERDICT_TEXT[v]);
    return k + 1;
}

/* Interposes libh2o-evloop's copy; see the top of the file. */
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len);
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len)
{
    parse_request_fn real = real_parser();
    if (real == NULL)
        abort(); /* cannot happen while libh2o is linked: it is where the symbol comes from */
    size_t max = *num_headers;
    int r = real(buf, len, method, method_len, path, path_len, minor_version, headers, num_headers, last_len);
    if (r > 0) {
        headguard_verdict v = judge(headers, *num_headers, false);
        if (v != HEADGUARD_OK)
            *num_headers = rewrite(headers, max, headers, *num_headers, v);
        return r;
    }
    if (r != -1 || *num_headers != max || max < 2)
        return r;
    /* -1 with every slot used: too many fields, or a malformed head that
     * happens to fill them. A field takes at least 3 bytes ("a:\n"). */
    size_t cap = len / 3 + 8;
    struct phr_header *big = malloc(cap * sizeof(*big));
    if (big == NULL)
        return r;
    size_t n = cap;
    int r2 = real(buf, len, method, method_len, path, path_len, minor_version, big, &n, last_len);
    if (r2 == -2) {
        *num_headers = 0;
        r = -2; /* incomplete: h2o waits for more and parses again */
    } else if (r2 > 0) {
        *num_headers = rewrite(headers, max, big, n, judge(big, n, true));
        r = r2;
    } else {
        *num_headers = max;
    }
    free(big);
    return r;
}

headguard_verdict http_headguard_verdict(h2o_req_t *req)
{
    if (req->version >= 0x200)
        return HEADGUARD_OK;
    ssize_t i = h2o_find_header_by_str(&req->headers, t_marker_name, sizeof(t_marker_name) - 1, -1);
    for (; i >= 0; i = h2o_find_header_by_str(&req->headers, t_marker_name, sizeof(t_marker_name) - 1, i)) {
        const char *v = req->headers.entries[i].value.base;
        for (size_t k = 1; k < N_VERDICTS; k++)
            if (v == VERDICT_TEXT[k])
                return (headguard_verdict)k;
    }
    return HEADGUARD_OK;
}
