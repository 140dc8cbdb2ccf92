#include "csv/csv.h"

#include <string.h>

int csv_split(const char *line, size_t n, char delim, csv_field *fields, int max, const char **why)
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
                const char *q = memchr(line + i, '"', n - i);
                if (!q) {
                    *why = "unterminated quote";
                    return -1;
                }
                i = (size_t)(q - line);
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
            const char *d = memchr(line + i, delim, n - i);
            size_t end = d ? (size_t)(d - line) : n;
            f->p = line + i;
            f->len = end - i;
            if (memchr(f->p, '"', f->len)) {
                *why = "quote inside an unquoted field";
                return -1;
            }
            if (!d)
                return nf;
            i = end + 1;
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
