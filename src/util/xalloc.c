#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "isla: out of memory (%zu bytes)\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

void *xalloc_big_filled(size_t n, size_t filled)
{
    enum { HUGE = 2u << 20 };
    if (n < HUGE)
        return xmalloc(n);
    size_t rounded = (n + HUGE - 1) / HUGE * HUGE;
    void *p = aligned_alloc(HUGE, rounded);
    if (!p)
        out_of_memory(n);
    filled = (filled < n ? filled : n) / HUGE * HUGE;
    if (filled)
        madvise(p, filled, MADV_HUGEPAGE); /* advice only: fine if refused */
    return p;
}

void *xalloc_big(size_t n)
{
    enum { HUGE = 2u << 20 };
    if (n < HUGE)
        return xmalloc(n);
    size_t rounded = (n + HUGE - 1) / HUGE * HUGE;
    void *p = aligned_alloc(HUGE, rounded);
    if (p)
        madvise(p, rounded, MADV_HUGEPAGE); /* advice only: fine if refused */
    if (!p)
        out_of_memory(n);
    return p;
}
