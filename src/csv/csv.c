#include "csv/csv.h"

#include <stdint.h>

#if defined(__SSE2__)
#include <emmintrin.h>

/* Lines up to this long may take the quoted fast path (below). */
#define CSV_MASK_MAX 4096

/* The dump's own shape, every field quoted with no quote inside
 * ("796","2023-03-05T00:00:00+00:00",...), by a bit mask of the quotes
 * built 16 bytes at a time: each field is then the next two set bits, with
 * no per-byte loop and no per-byte branch. Anything else (an unquoted or
 * escaped field, a quote out of place, too many fields) returns -2 before
 * touching *why, and csv_split_bytes decides: the fields and errors are
 * the byte loop's for every line (tests/unit/test_csv.c compares them). */
static int split_quoted(const char *line, size_t n, char delim, csv_field *fields, int max)
{
    uint64_t q[CSV_MASK_MAX / 64];
    const __m128i vq = _mm_set1_epi8('"');
    size_t words = (n + 63) / 64;
    for (size_t w = 0; w < words; w++) {
        size_t base = w * 64, k = 0;
        uint64_t m = 0;
        for (; k < 64 && base + k + 16 <= n; k += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(line + base + k));
            m |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vq)) << k;
        }
        for (; k < 64 && base + k < n; k++)
            m |= (uint64_t)(line[base + k] == '"') << k;
        q[w] = m;
    }
    size_t w = 0, i = 0;
    uint64_t x = words ? q[0] : 0;
    int nf = 0;
    for (;;) {
        /* a field starts at i: its opening quote must be the next set bit */
        while (!x) {
            if (++w >= words)
                return -2;
            x = q[w];
        }
        size_t open = w * 64 + (size_t)__builtin_ctzll(x);
        x &= x - 1;
        if (open != i || nf == max)
            return -2;
        while (!x) {
            if (++w >= words)
                return -2; /* unterminated */
            x = q[w];
        }
        size_t close = w * 64 + (size_t)__builtin_ctzll(x);
        x &= x - 1;
        fields[nf].p = line + open + 1;
        fields[nf].len = close - open - 1;
        fields[nf].escaped = false;
        nf++;
        if (close + 1 == n)
            return nf;
        if (line[close + 1] != delim)
            return -2; /* an escaped quote, or text after the closing quote */
        i = close + 2;
        if (i == n)
            return -2; /* a trailing empty field: unquoted */
    }
}
#endif

int csv_split(const char *line, size_t n, char delim, csv_field *fields, int max, const char **why)
{
#if defined(__SSE2__)
    if (n <= CSV_MASK_MAX && n && line[0] == '"') {
        int nf = split_quoted(line, n, delim, fields, max);
        if (nf >= 0)
            return nf;
    }
#endif
    return csv_split_bytes(line, n, delim, fields, max, why);
}

/* Plain byte loops instead of memchr: dump fields are a few bytes long,
 * where a call per field costs more than the scan itself. */
int csv_split_bytes(const char *line, size_t n, char delim, csv_field *fields, int max, const char **why)
{
    int nf = 0;
    size_t i = 0;
    for (;;) {
        if (nf == max) {
            *why = "too many fields";
            return -1;
        }
        csv_field *f = &fields[nf++];
        f->escaped = false;
        if (i < n && line[i] == '"') {
            size_t start = ++i;
            for (;;) {
                while (i < n && line[i] != '"')
                    i++;
                if (i == n) {
                    *why = "unterminated quote";
                    return -1;
                }
                if (i + 1 < n && line[i + 1] == '"') {
                    f->escaped = true;
                    i += 2;
                    continue;
                }
                break;
            }
            f->p = line + start;
            f->len = i - start;
            i++; /* closing quote */
            if (i == n)
                return nf;
            if (line[i] != delim) {
                *why = "unexpected text after a closing quote";
                return -1;
            }
            i++;
        } else {
            size_t start = i;
            while (i < n && line[i] != delim) {
                if (line[i] == '"') {
                    *why = "quote inside an unquoted field";
                    return -1;
                }
                i++;
            }
            f->p = line + start;
            f->len = i - start;
            if (i == n)
                return nf;
            i++;
        }
    }
}

char csv_detect_delimiter(const char *line, size_t n)
{
    static const char cand[] = {',', ';', '\t', '|'};
    size_t count[4] = {0};
    bool quoted = false;
    for (size_t i = 0; i < n; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (!quoted)
            for (int c = 0; c < 4; c++)
                count[c] += line[i] == cand[c];
    }
    int best = 0;
    for (int c = 1; c < 4; c++)
        if (count[c] > count[best])
            best = c;
    return cand[best];
}

size_t csv_unescape(const csv_field *f, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < f->len; i++) {
        out[o++] = f->p[i];
        if (f->escaped && f->p[i] == '"' && i + 1 < f->len && f->p[i + 1] == '"')
            i++;
    }
    return o;
}
