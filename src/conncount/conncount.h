/* Open connections per client address, shared by every serving thread, with
 * a cap: the bookkeeping behind --max-connections-per-address.
 *
 * acquire counts a connection of an address and refuses (returns false,
 * nothing counted) when the address already has `cap`; release uncounts
 * it. An address with no connection has no entry, so memory follows the
 * open connections (bounded by --max-connections), not the addresses ever
 * seen. Sharded locks: accepts of different addresses rarely contend.
 *
 * Addresses are netaddr (16 bytes, IPv4 mapped), so 127.0.0.1 and
 * ::ffff:127.0.0.1 are one client. Which addresses are exempt (trusted
 * proxies) is the caller's decision: it simply does not acquire for them. */
#ifndef ISLA_CONNCOUNT_H
#define ISLA_CONNCOUNT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/netaddr.h"

/* cap 0 = no cap (everything is counted, nothing refused). */
void conncount_init(size_t cap);
bool conncount_acquire(const netaddr *a);
void conncount_release(const netaddr *a);
/* Connections counted for a (for tests and /api/stats). */
size_t conncount_of(const netaddr *a);

#endif
