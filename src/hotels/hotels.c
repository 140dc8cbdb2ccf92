#include "hotels/hotels.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv/csv.h"
#include "dest/dest.h"
#include "util/buf.h"
#include "util/xalloc.h"

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t'))
        (*p)++, (*n)--;
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

/* "4", "4.0", "4.5" -> 40, 40, 45; false unless 0 <= stars <= 5. */
static bool parse_stars(const char *p, size_t n, uint8_t *out)
{
    if (n == 0 || p[0] < '0' || p[0] > '5')
        return false;
    unsigned whole = (unsigned)(p[0] - '0'), tenth = 0;
    if (n > 1) {
        if (p[1] != '.' && p[1] != ',')
            return false;
        if (n < 3 || p[2] < '0' || p[2] > '9')
            return false;
        tenth = (unsigned)(p[2] - '0');
        for (size_t i = 3; i < n; i++)
            if (p[i] != '0')
                return false;
    }
    if (whole * 10 + tenth > 50)
        return false;
    *out = (uint8_t)(whole * 10 + tenth);
    return true;
}

static int by_id(const void *a, const void *b)
{
    const hotel_entry *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* A bad row: reported and skipped, or in strict mode the end of the load. */
#define REJECT(...)                                                                 \
    do {                                                                            \
        if (strict) {                                                               \
            snprintf(err, errlen, __VA_ARGS__);                                     \
            goto fail;                                                              \
        }                                                                           \
        if (cut) { /* the last line, without its line end: see below */         \
            snprintf(cut_why, sizeof cut_why, __VA_ARGS__);                         \
            goto cut_off;                                                           \
        }                                                                           \
        fprintf(warn, __VA_ARGS__);                                                 \
        fputc('\n', warn);                                                          \
        out->rejected++;                                                            \
    } while (0)

int hotels_load(const char *path, FILE *warn, bool strict, hotel_list *out, char *err, size_t errlen)
{
    int rc = -2;
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open hotels file %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, alloc = 0;
    ssize_t got;
    unsigned long lineno = 0;
    char delim = ',';
    int col[5] = {-1, -1, -1, -1, -1}, n_fields = 0; /* id, name, stars, destination, region */
    csv_field fld[16];
    const char *why;
    /* A last line without its line end that is not a valid row means the
     * file was cut off (a truncated copy or download): an error, not one
     * rejected hotel, because the hotels after it are missing too. */
    bool cut = false;
    char cut_why[512];
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        cut = got > 0 && line[got - 1] != '\n';
        size_t n = (size_t)got;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        const char *p = line;
        if (lineno == 1 && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
            p += 3, n -= 3;
        if (lineno == 1 && memchr(p, '\r', n)) {
            snprintf(err, errlen,
                     "%s: line 1: line endings are CR only (old Mac): the file has no line feeds, so it reads "
                     "as one line; convert them to LF or CRLF first, e.g. tr '\\r' '\\n' < hotels.csv > fixed.csv",
                     path);
            goto fail;
        }
        if (lineno == 1) {
            static const char *names[3] = {"hotelid", "hotelname", "hotelstars"};
            delim = csv_detect_delimiter(p, n);
            n_fields = csv_split(p, n, delim, fld, 16, &why);
            for (int i = 0; i < n_fields; i++) {
                const char *h = fld[i].p;
                size_t hl = fld[i].len;
                trim(&h, &hl);
                for (int c = 0; c < 3; c++)
                    if (strlen(names[c]) == hl && !strncasecmp(names[c], h, hl))
                        col[c] = i;
                int dc = hl == 11 && !strncasecmp(h, "destination", 11) ? 3
                         : hl == 6 && !strncasecmp(h, "region", 6)       ? 4
                                                                          : -1;
                if (dc >= 0 && col[dc] >= 0) {
                    snprintf(err, errlen, "%s: line 1: the column %.*s is given twice", path, (int)hl, h);
                    goto fail;
                }
                if (dc >= 0)
                    col[dc] = i;
            }
            /* region alone is the destination (a code or a known name); beside
             * destination it is that destination's name in this data */
            if (col[3] < 0 && col[4] >= 0) {
                col[3] = col[4];
                col[4] = -1;
            }
            if (n_fields < 0 || col[0] < 0 || col[1] < 0 || col[2] < 0) {
                snprintf(err, errlen, "%s: line 1: header must name the columns hotelid, hotelname, hotelstars",
                         path);
                goto fail;
            }
            continue;
        }
        if (n == 0)
            continue;
        int nf = csv_split(p, n, delim, fld, 16, &why);
        if (nf != n_fields) {
            REJECT("%s:%lu: rejected: %s", path, lineno, nf < 0 ? why : "wrong number of fields");
            continue;
        }
        const char *idp = fld[col[0]].p, *sp = fld[col[2]].p;
        size_t idl = fld[col[0]].len, sl = fld[col[2]].len;
        trim(&idp, &idl);
        trim(&sp, &sl);
        char *end;
        char idbuf[16] = {0};
        if (idl == 0 || idl > 10)
            goto bad_id;
        memcpy(idbuf, idp, idl);
        errno = 0;
        unsigned long long id = strtoull(idbuf, &end, 10);
        if (*end || errno || id > UINT32_MAX || idbuf[0] == '-' || idbuf[0] == '+') {
        bad_id:
            REJECT("%s:%lu: rejected: hotelid is not a number", path, lineno);
            continue;
        }
        uint8_t stars;
        if (!parse_stars(sp, sl, &stars)) {
            REJECT("%s:%lu: rejected: hotelstars is not a number from 0 to 5", path, lineno);
            continue;
        }
        char dest[4] = "";
        if (col[3] >= 0) {
            char dv[64];
            size_t dl = fld[col[3]].len < sizeof dv ? csv_unescape(&fld[col[3]], dv) : 0;
            const char *dp = dv;
            trim(&dp, &dl);
            if (fld[col[3]].len >= sizeof dv || (dl && !dest_resolve(dp, dl, dest))) {
                dl = fld[col[3]].len < sizeof dv ? dl : 40;
                dp = fld[col[3]].len < sizeof dv ? dp : fld[col[3]].p;
                REJECT("%s:%lu: rejected: destination '%.*s' is neither an IATA code nor a known name", path,
                       lineno, (int)dl, dp);
                continue;
            }
        }
        char region[31] = "";
        if (col[4] >= 0) {
            char rv[64];
            size_t rl = fld[col[4]].len < sizeof rv ? csv_unescape(&fld[col[4]], rv) : sizeof rv;
            const char *rp = rv;
            trim(&rp, &rl);
            if (rl >= sizeof region || !buf_utf8_valid(rp, rl)) {
                REJECT("%s:%lu: rejected: region is not UTF-8 text of at most %zu bytes", path, lineno,
                       sizeof region - 1);
                continue;
            }
            if (rl && !dest[0]) {
                REJECT("%s:%lu: rejected: region '%.*s' without a destination code", path, lineno, (int)rl, rp);
                continue;
            }
            memcpy(region, rp, rl);
            region[rl] = 0;
        }
        char *name = xmalloc(fld[col[1]].len + 1);
        size_t nl = csv_unescape(&fld[col[1]], name);
        const char *np = name;
        trim(&np, &nl);
        if (!buf_utf8_valid(np, nl) || nl > 1000) {
            free(name);
            REJECT("%s:%lu: rejected: hotelname is not valid UTF-8 text of at most 1000 bytes", path, lineno);
            continue;
        }
        memmove(name, np, nl);
        name[nl] = 0;
        if (out->len == alloc) {
            alloc = alloc ? alloc * 2 : 1024;
            out->items = xrealloc(out->items, alloc * sizeof *out->items);
        }
        out->items[out->len++] = (hotel_entry){(uint32_t)id, stars, (uint16_t)nl, (uint32_t)lineno, name, {0}, {0}};
        memcpy(out->items[out->len - 1].dest, dest, 4);
        memcpy(out->items[out->len - 1].region, region, sizeof region);
    }
    if (ferror(f)) { /* getline's -1 is also a read error, not only the end */
        snprintf(err, errlen, "%s: read error after line %lu: %s", path, lineno, strerror(errno));
        goto fail;
    }
    if (lineno == 0) {
        snprintf(err, errlen, "%s: the hotels file is empty", path);
        goto fail;
    }
    free(line);
    fclose(f);
    if (out->len) /* qsort(NULL, 0, ...) is undefined behaviour */
        qsort(out->items, out->len, sizeof *out->items, by_id);
    /* Keep the first of repeated ids (equal ids are ordered by line). */
    size_t w = 0;
    for (size_t i = 0; i < out->len; i++) {
        if (w && out->items[w - 1].id == out->items[i].id) {
            fprintf(warn, "%s:%u: hotel id %u appeared before; keeping the first\n", path, out->items[i].line, out->items[i].id);
            free(out->items[i].name);
            out->rejected++;
            continue;
        }
        out->items[w++] = out->items[i];
    }
    out->len = w;
    return 0;
cut_off:
    snprintf(err, errlen, "%s: the file ends in the middle of line %lu, which has no line end and is not a "
             "complete row (%s); it looks truncated", path, lineno, cut_why);
fail:
    free(line);
    fclose(f);
    hotels_free(out);
    return rc;
}

void hotels_free(hotel_list *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i].name);
    free(l->items);
    memset(l, 0, sizeof *l);
}
