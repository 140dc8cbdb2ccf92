/* Client addresses; see netaddr.h. inet_pton does the parsing; this file
 * only normalises to 16 bytes and walks X-Forwarded-For. */
#include "util/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool netaddr_parse(const char *s, size_t n, netaddr *out)
{
    char tmp[64];
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    /* "[::1]" as some proxies write it */
    char *p = tmp;
    if (p[0] == '[' && p[n - 1] == ']') {
        p[n - 1] = '\0';
        p++;
    }
    struct in_addr v4;
    if (inet_pton(AF_INET, p, &v4) == 1) {
        memset(out->b, 0, 10);
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &v4, 4);
        return true;
    }
    struct in6_addr v6;
    if (inet_pton(AF_INET6, p, &v6) == 1) {
        memcpy(out->b, &v6, 16);
        return true;
    }
    return false;
}

static bool is_v4_mapped(const netaddr *a)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a->b, prefix, 12) == 0;
}

static bool netaddr_parse_cidr(const char *s, size_t n, netaddr_cidr *out)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash != NULL ? (size_t)(slash - s) : n;
    if (!netaddr_parse(s, alen, &out->addr))
        return false;
    unsigned max = is_v4_mapped(&out->addr) ? 32 : 128;
    unsigned bits = max;
    if (slash != NULL) {
        const char *b = slash + 1;
        size_t bl = n - alen - 1;
        if (bl == 0 || bl > 3)
            return false;
        bits = 0;
        for (size_t i = 0; i < bl; i++) {
            if (b[i] < '0' || b[i] > '9')
                return false;
            bits = bits * 10 + (unsigned)(b[i] - '0');
        }
        if (bits > max)
            return false;
    }
    out->bits = max == 32 ? bits + 96 : bits;
    /* Clear host bits, so "10.1.2.3/8" means 10.0.0.0/8. */
    for (unsigned i = out->bits; i < 128; i++)
        out->addr.b[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
    return true;
}

bool netaddr_list_add(netaddr_list *l, const char *s, char *bad, size_t badlen)
{
    size_t n = strlen(s), i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != ',')
            j++;
        size_t a = i, b = j;
        while (a < b && s[a] == ' ')
            a++;
        while (b > a && s[b - 1] == ' ')
            b--;
        if (b > a) {
            netaddr_cidr c;
            if (!netaddr_parse_cidr(s + a, b - a, &c)) {
                snprintf(bad, badlen, "%.*s", (int)(b - a > 64 ? 64 : b - a), s + a);
                return false;
            }
            netaddr_cidr *grown = realloc(l->items, (l->len + 1) * sizeof(*grown));
            if (grown == NULL)
                abort();
            l->items = grown;
            l->items[l->len++] = c;
        }
        i = j + 1;
    }
    return true;
}

void netaddr_list_free(netaddr_list *l)
{
    free(l->items);
    l->items = NULL;
    l->len = 0;
}

static bool cidr_has(const netaddr_cidr *c, const netaddr *a)
{
    unsigned full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->addr.b, a->b, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (c->addr.b[full] & mask) == (a->b[full] & mask);
}

bool netaddr_list_has(const netaddr_list *l, const netaddr *a)
{
    for (size_t i = 0; i < l->len; i++)
        if (cidr_has(&l->items[i], a))
            return true;
    return false;
}

bool netaddr_from_sockaddr(const struct sockaddr *sa, netaddr *out)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        memset(out->b, 0, 10);
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &in->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(out->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return true;
    }
    memset(out->b, 0, 16);
    return false;
}

size_t netaddr_format(const netaddr *a, char *out)
{
    if (is_v4_mapped(a))
        inet_ntop(AF_INET, a->b + 12, out, 46);
    else
        inet_ntop(AF_INET6, a->b, out, 46);
    return strlen(out);
}

netaddr netaddr_client(const netaddr *peer, const char *xff, size_t xff_len, const netaddr_list *trusted)
{
    netaddr client = *peer;
    if (xff == NULL || trusted->len == 0 || !netaddr_list_has(trusted, peer))
        return client;
    /* Right to left: each hop we trust vouches for the one before it. */
    size_t end = xff_len;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',')
            start--;
        netaddr a;
        if (!netaddr_parse(xff + start, end - start, &a))
            break;
        client = a;
        if (!netaddr_list_has(trusted, &a))
            break;
        end = start > 0 ? start - 1 : 0;
    }
    return client;
}
