#include "csv/csv.h"


/* Plain byte loops instead of memchr: dump fields are a few bytes long,
 * where a call per field costs more than the scan itself. */
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
