/* Client addresses: parsing, CIDR lists, and the client IP of a request.
 *
 * Every address is kept as 16 bytes (IPv4 as IPv4-mapped IPv6,
 * ::ffff:a.b.c.d), so a rate-limit bucket, a CIDR match and a log line
 * treat "127.0.0.1" and "::ffff:127.0.0.1" as the same client.
 *
 * X-Forwarded-For is a list any client can write. It is believed only when
 * the peer is a trusted proxy, and then read from the right: the client is
 * the rightmost address that is not itself a trusted proxy (the leftmost
 * entries were written by whoever sent the request first and prove
 * nothing). */
#ifndef ISLA_NETADDR_H
#define ISLA_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct {
    uint8_t b[16];
} netaddr;

typedef struct {
    netaddr addr;
    unsigned bits;            /* prefix length over the 128-bit form */
} netaddr_cidr;

typedef struct {
    netaddr_cidr *items;
    size_t len;
} netaddr_list;

/* "10.0.0.1", "::1", "10.0.0.0/8", "fd00::/8". */
bool netaddr_parse(const char *s, size_t n, netaddr *out);
/* Adds each comma-separated CIDR of s; false (list unchanged past the
 * entries already added) on the first invalid one, named in bad. */
bool netaddr_list_add(netaddr_list *l, const char *s, char *bad, size_t badlen);
void netaddr_list_free(netaddr_list *l);
bool netaddr_list_has(const netaddr_list *l, const netaddr *a);

bool netaddr_from_sockaddr(const struct sockaddr *sa, netaddr *out);
/* Text form (IPv4 as dotted quad); returns the length. out >= 46 bytes. */
size_t netaddr_format(const netaddr *a, char *out);

/* The client of a request whose TCP peer is `peer`: peer itself, or, when
 * peer is trusted, the rightmost untrusted address of X-Forwarded-For
 * (xff, may be NULL). An unparsable entry stops the walk at the last good
 * address. */
netaddr netaddr_client(const netaddr *peer, const char *xff, size_t xff_len, const netaddr_list *trusted);

#endif
