/* The out-of-memory policy of isla: allocation does not fail. xmalloc,
 * xcalloc and xrealloc return memory or print "isla: out of memory
 * (N bytes)" and abort. A server or importer that cannot get a few
 * kilobytes has no useful way to go on, and one policy everywhere beats
 * forty unchecked calls and three different error paths.
 *
 * Where running out is an expected answer rather than a crash (a request
 * that asks for too much), check sizes before allocating instead. */
#ifndef ISLA_UTIL_XALLOC_H
#define ISLA_UTIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* malloc for arrays of many megabytes that are filled once and streamed:
 * 2 MiB aligned and marked for transparent huge pages, so filling them
 * costs one page fault per 2 MiB instead of per 4 KiB (the importer's
 * kernel time was mostly those faults). Release with free(). */
void *xalloc_big(size_t n);
/* The same for an array whose filled length is only estimated: huge pages
 * over the first `filled` bytes (rounded down to 2 MiB) only, 4 KiB pages
 * after them. A huge page is zeroed whole on its first touch, so a 2.1 MiB
 * fill of an array with huge pages throughout would zero, and keep
 * resident, 4 MiB. Release with free(). */
void *xalloc_big_filled(size_t n, size_t filled);

#endif
