/* Just enough for <h2o/http2_internal.h> to compile.
 *
 * h2o 2.2.5's internal HTTP/2 header includes klib's "khash.h", which
 * Debian's libh2o-evloop-dev does not install. isla reads a stream's queue
 * and resets a stream through that header (http/conns.c) but never touches
 * the connection's stream table: the only thing the header needs from
 * khash is the name of the table's type (it holds a pointer to it) and the
 * body of one inline lookup isla does not call. So the table type stays
 * incomplete, and the lookup finds nothing. Used only through the -I of
 * this directory in the Makefile; nothing in isla includes it directly. */
#ifndef ISLA_H2O_COMPAT_KHASH_H
#define ISLA_H2O_COMPAT_KHASH_H

typedef unsigned int khiter_t;
#define KHASH_MAP_INIT_INT64(name, vtype) typedef struct isla_kh_##name##_incomplete kh_##name##_t;
#define khash_t(name) kh_##name##_t
#define kh_get(name, h, key) ((void)(h), (void)(key), (khiter_t)0)
#define kh_end(h) ((void)(h), (khiter_t)0)
#define kh_val(h, it) ((void)(h), (void)(it), NULL)

#endif
