/* The HTTP/1.1 response reader of isla load (see http1.h). */
#include "load/http1.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

void load_http1_begin(load_http1 *r)
{
    memset(r, 0, sizeof *r);
    r->state = LOAD_H1_HEAD;
}

static int header_is(const char *line, size_t len, const char *name, const char **val, size_t *vlen)
{
    size_t n = strlen(name);
    if (len <= n || line[n] != ':' || strncasecmp(line, name, n))
        return 0;
    const char *s = line + n + 1, *end = line + len;
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *val = s;
    *vlen = (size_t)(end - s);
    return 1;
}

/* Parses the status line and headers in [s, s+n) (ending with CRLFCRLF).
 * 0 ok, -1 malformed. */
static int parse_head(load_http1 *c, const char *s, size_t n)
{
    if (n < 12 || memcmp(s, "HTTP/1.", 7) || (s[7] != '0' && s[7] != '1') || s[8] != ' ')
        return -1;
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        status = status * 10 + (s[i] - '0');
    }
    c->status = status;
    c->close_after = s[7] == '0';
    int chunked = 0, has_len = 0;
    uint64_t len = 0;
    const char *p = memchr(s, '\n', n), *end = s + n;
    while (p && p + 1 < end) {
        const char *line = p + 1;
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl)
            break;
        size_t ll = (size_t)(nl - line);
        if (ll && line[ll - 1] == '\r')
            ll--;
        if (!ll)
            break;
        const char *v;
        size_t vl;
        if (header_is(line, ll, "content-length", &v, &vl)) {
            if (!vl || vl > 18)
                return -1;
            uint64_t x = 0;
            for (size_t i = 0; i < vl; i++) {
                if (v[i] < '0' || v[i] > '9')
                    return -1;
                x = x * 10 + (uint64_t)(v[i] - '0');
            }
            if (has_len && x != len)
                return -1;
            has_len = 1;
            len = x;
        } else if (header_is(line, ll, "transfer-encoding", &v, &vl)) {
            if (vl >= 7 && !strncasecmp(v + vl - 7, "chunked", 7))
                chunked = 1;
        } else if (header_is(line, ll, "connection", &v, &vl)) {
            if (vl == 5 && !strncasecmp(v, "close", 5))
                c->close_after = 1;
            else if (vl == 10 && !strncasecmp(v, "keep-alive", 10))
                c->close_after = 0;
        }
        p = nl;
    }
    if (status == 204 || status == 304 || (status >= 100 && status < 200)) {
        c->state = LOAD_H1_LENGTH;
        c->remaining = 0;
    } else if (chunked) {
        c->state = LOAD_H1_CHUNK_SIZE;
    } else if (has_len) {
        c->state = LOAD_H1_LENGTH;
        c->remaining = len;
    } else {
        c->state = LOAD_H1_UNTIL_CLOSE;
        c->close_after = 1;
    }
    return 0;
}

/* Counts and drops k bytes the parser has used. */
static void take(load_http1 *c, h2o_buffer_t **in, size_t k)
{
    h2o_buffer_consume(in, k);
    c->got += k;
}

/* Takes what is there of a body of c->remaining bytes (a Content-Length
 * body or one chunk). */
static void take_body(load_http1 *c, h2o_buffer_t **in, size_t n)
{
    size_t k = n < c->remaining ? n : (size_t)c->remaining;
    take(c, in, k);
    c->remaining -= k;
}

/* The length of the line at s, its '\n' included; 0 while it is not all
 * there yet, -1 once more than max bytes came without one. */
static long line_len(const char *s, size_t n, size_t max)
{
    const char *nl = memchr(s, '\n', n);
    if (!nl)
        return n > max ? -1 : 0;
    return (long)(nl - s) + 1;
}

int load_http1_read(load_http1 *c, h2o_buffer_t **in)
{
    for (;;) {
        const char *s = (*in)->bytes;
        size_t n = (*in)->size;
        switch (c->state) {
        case LOAD_H1_HEAD: {
            const char *e = n >= 4 ? memmem(s, n, "\r\n\r\n", 4) : NULL;
            if (!e) {
                if (n > 65536)
                    return -1;
                return 0;
            }
            size_t hl = (size_t)(e - s) + 4;
            if (parse_head(c, s, hl) < 0)
                return -1;
            take(c, in, hl);
            if (c->status >= 100 && c->status < 200) { /* informational: the real head follows */
                c->state = LOAD_H1_HEAD;
                continue;
            }
            if (c->state == LOAD_H1_LENGTH && !c->remaining)
                return 1;
            continue;
        }
        case LOAD_H1_LENGTH: {
            take_body(c, in, n);
            if (!c->remaining)
                return 1;
            return 0;
        }
        case LOAD_H1_UNTIL_CLOSE:
            take(c, in, n);
            return 0;
        case LOAD_H1_CHUNK_SIZE: {
            long k = line_len(s, n, 1024);
            if (k <= 0)
                return (int)k;
            const char *nl = s + k - 1;
            uint64_t x = 0;
            const char *p = s;
            int digits = 0;
            for (; p < nl; p++, digits++) {
                int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                                                          : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                                                                     : -1;
                if (d < 0)
                    break;
                if (digits > 15)
                    return -1;
                x = x * 16 + (uint64_t)d;
            }
            if (!digits)
                return -1;
            take(c, in, (size_t)k);
            c->remaining = x;
            c->state = x ? LOAD_H1_CHUNK_DATA : LOAD_H1_TRAILER;
            continue;
        }
        case LOAD_H1_CHUNK_DATA: {
            take_body(c, in, n);
            if (c->remaining)
                return 0;
            c->state = LOAD_H1_CHUNK_CRLF;
            continue;
        }
        case LOAD_H1_CHUNK_CRLF: {
            long k = line_len(s, n, 2);
            if (k <= 0)
                return (int)k;
            if (k > 2)
                return -1;
            take(c, in, (size_t)k);
            c->state = LOAD_H1_CHUNK_SIZE;
            continue;
        }
        case LOAD_H1_TRAILER: {
            long k = line_len(s, n, 8192);
            if (k <= 0)
                return (int)k;
            take(c, in, (size_t)k);
            if (k <= 2)
                return 1;
            continue;
        }
        }
    }
}
