/* Reads hotel ids and stars for `isla gen --hotels FILE`.
 *
 * The real hotels.csv is `;`-separated with CRLF line ends and trailing
 * spaces in some names; this reader also takes `,`-separated files (the
 * header decides), quoted fields (names may contain the delimiter or even a
 * line break), a UTF-8 BOM and columns in any order. It is strict about the
 * two fields it needs: a bad id or stars value is an error with its line
 * number, because silently skipping hotels would skew the generated data.
 * A repeated id keeps its first row. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen/gen_world.h"

typedef struct {
    const char *p, *end;
    char delim;
    size_t line;
} reader;

typedef struct {
    const char *s;
    size_t n;
} field;

/* Splits the next record into at most `max` fields (extra fields are
 * ignored); returns the field count, 0 at end of input. */
static size_t next_record(reader *r, field *f, size_t max)
{
    if (r->p >= r->end)
        return 0;
    size_t nf = 0;
    for (;;) {
        const char *s = r->p, *e;
        if (s < r->end && *s == '"') {
            s++;
            const char *q = s;
            while (q < r->end) {
                if (*q == '"') {
                    if (q + 1 < r->end && q[1] == '"') {
                        q += 2;
                        continue;
                    }
                    break;
                }
                if (*q == '\n')
                    r->line++;
                q++;
            }
            e = q;
            r->p = q < r->end ? q + 1 : q;
            while (r->p < r->end && *r->p != r->delim && *r->p != '\n')
                r->p++; /* junk after the closing quote */
        } else {
            const char *q = s;
            while (q < r->end && *q != r->delim && *q != '\n')
                q++;
            e = q;
            r->p = q;
        }
        if (e > s && e[-1] == '\r' && (r->p >= r->end || *r->p == '\n'))
            e--;
        if (nf < max)
            f[nf] = (field){s, (size_t)(e - s)};
        nf++;
        if (r->p >= r->end)
            break;
        if (*r->p == '\n') {
            r->p++;
            r->line++;
            break;
        }
        r->p++; /* the delimiter */
    }
    return nf;
}

static field trim(field f)
{
    while (f.n && isspace((unsigned char)f.s[0])) {
        f.s++;
        f.n--;
    }
    while (f.n && isspace((unsigned char)f.s[f.n - 1]))
        f.n--;
    return f;
}

typedef struct {
    gen_hotel_in h;
    size_t pos;
} tagged;

static int cmp_tagged(const void *a, const void *b)
{
    const tagged *x = a, *y = b;
    if (x->h.id != y->h.id)
        return x->h.id < y->h.id ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int fail(char *err, size_t errlen, int code, const char *fmt, const char *path,
                size_t line, const char *what)
{
    snprintf(err, errlen, fmt, path, line, what);
    return code;
}

int gen_read_hotels(const char *path, gen_hotel_in **out, size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return 1;
    }
    char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            char *d = realloc(data, cap);
            if (!d) {
                free(data);
                fclose(fp);
                snprintf(err, errlen, "%s: out of memory", path);
                return 1;
            }
            data = d;
        }
        size_t got = fread(data + len, 1, cap - len, fp);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(fp)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        free(data);
        fclose(fp);
        return 1;
    }
    fclose(fp);

    reader r = {data, data + len, ';', 1};
    if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
        r.p += 3;
    const char *nl = memchr(r.p, '\n', (size_t)(r.end - r.p));
    const char *hend = nl ? nl : r.end;
    if (!memchr(r.p, ';', (size_t)(hend - r.p)) && memchr(r.p, ',', (size_t)(hend - r.p)))
        r.delim = ',';

    enum { MAXF = 64 };
    field f[MAXF];
    size_t nf = next_record(&r, f, MAXF);
    long idcol = -1, starcol = -1;
    for (size_t i = 0; i < nf && i < MAXF; i++) {
        field t = trim(f[i]);
        if ((t.n == 7 && !strncasecmp(t.s, "hotelid", 7)) || (t.n == 2 && !strncasecmp(t.s, "id", 2)))
            idcol = (long)i;
        else if ((t.n == 10 && !strncasecmp(t.s, "hotelstars", 10)) ||
                 (t.n == 5 && !strncasecmp(t.s, "stars", 5)))
            starcol = (long)i;
    }
    int rc = 0;
    if (idcol < 0 || starcol < 0) {
        rc = fail(err, errlen, 2, "%s line %zu: %s", path, 1,
                  "header needs columns hotelid and hotelstars");
        goto done;
    }

    size_t cnt = 0, hcap = 1024;
    gen_hotel_in *h = malloc(hcap * sizeof *h);
    if (!h) {
        rc = fail(err, errlen, 1, "%s line %zu: %s", path, 0, "out of memory");
        goto done;
    }
    for (;;) {
        size_t line = r.line;
        nf = next_record(&r, f, MAXF);
        if (!nf)
            break;
        if (nf == 1 && trim(f[0]).n == 0)
            continue; /* blank line */
        if ((size_t)idcol >= nf || (size_t)starcol >= nf) {
            rc = fail(err, errlen, 2, "%s line %zu: %s", path, line, "missing fields");
            break;
        }
        field fid = trim(f[idcol]), fst = trim(f[starcol]);
        uint64_t id = 0;
        bool ok = fid.n > 0 && fid.n <= 10;
        for (size_t i = 0; ok && i < fid.n; i++) {
            unsigned c = (unsigned char)fid.s[i] - '0';
            ok = c <= 9;
            id = id * 10 + c;
        }
        if (!ok || id > 2000000000) {
            rc = fail(err, errlen, 2, "%s line %zu: %s", path, line, "bad hotelid");
            break;
        }
        char num[32];
        double stars = 0;
        if (fst.n) { /* empty stars: unknown, like 0 */
            ok = fst.n < sizeof num;
            if (ok) {
                memcpy(num, fst.s, fst.n);
                num[fst.n] = 0;
                char *endp;
                stars = strtod(num, &endp);
                ok = endp == num + fst.n && stars >= 0 && stars <= 5;
            }
            if (!ok) {
                rc = fail(err, errlen, 2, "%s line %zu: %s", path, line,
                          "bad hotelstars (expected a number 0-5)");
                break;
            }
        }
        if (cnt == hcap) {
            gen_hotel_in *nh = realloc(h, 2 * hcap * sizeof *h);
            if (!nh) {
                rc = fail(err, errlen, 1, "%s line %zu: %s", path, line, "out of memory");
                break;
            }
            h = nh;
            hcap *= 2;
        }
        h[cnt++] = (gen_hotel_in){(uint32_t)id, (float)stars};
    }
    if (!rc && cnt == 0)
        rc = fail(err, errlen, 2, "%s line %zu: %s", path, r.line, "no hotels in file");
    if (rc) {
        free(h);
        goto done;
    }
    /* Sort by id, so the world does not depend on the file's row order,
     * and drop repeated ids. The position breaks ties: the first row wins. */
    tagged *t = malloc(cnt * sizeof *t);
    if (!t) {
        free(h);
        rc = fail(err, errlen, 1, "%s line %zu: %s", path, 0, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < cnt; i++)
        t[i] = (tagged){h[i], i};
    qsort(t, cnt, sizeof *t, cmp_tagged);
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++)
        if (!k || t[i].h.id != h[k - 1].id)
            h[k++] = t[i].h;
    free(t);
    cnt = k;
    *out = h;
    *n = cnt;
done:
    free(data);
    return rc;
}
