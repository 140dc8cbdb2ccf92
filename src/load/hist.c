/* Log-linear histogram; see hist.h for the layout and its precision. */
#include "load/hist.h"

#include <string.h>

void hist_init(hist_t *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

/* Below 128: the value itself. From 2^e (e >= 7) up: 128 + (e - 7) * 64 +
 * the 6 bits after the leading one. */
unsigned hist_index(uint64_t v)
{
    if (v < 128)
        return (unsigned)v;
    unsigned e = 63u - (unsigned)__builtin_clzll(v);
    if (e > HIST_MAX_EXP)
        return HIST_BUCKETS - 1;
    unsigned sub = (unsigned)(v >> (e - HIST_SUB_BITS)) & 63u;
    return 128u + (e - 7u) * 64u + sub;
}

void hist_bucket_range(unsigned idx, uint64_t *lo, uint64_t *hi)
{
    if (idx < 128) {
        *lo = *hi = idx;
        return;
    }
    unsigned e = (idx - 128u) / 64u + 7u, sub = (idx - 128u) % 64u;
    uint64_t width = 1ull << (e - HIST_SUB_BITS);
    *lo = (1ull << e) + sub * width;
    *hi = idx == HIST_BUCKETS - 1 ? UINT64_MAX : *lo + width - 1;
}

void hist_record(hist_t *h, uint64_t v)
{
    h->counts[hist_index(v)]++;
    h->count++;
    h->sum += (double)v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

void hist_merge(hist_t *dst, const hist_t *src)
{
    if (!src->count)
        return;
    for (unsigned i = 0; i < HIST_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
}

uint64_t hist_percentile(const hist_t *h, double p)
{
    if (!h->count)
        return 0;
    if (p <= 0)
        return h->min;
    if (p >= 100)
        return h->max;
    /* the rank of the sample at p, 1-based, rounded up */
    double r = p / 100.0 * (double)h->count;
    uint64_t rank = (uint64_t)r;
    if ((double)rank < r || rank == 0)
        rank++;
    uint64_t seen = 0;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t lo, hi;
            hist_bucket_range(i, &lo, &hi);
            if (hi == UINT64_MAX)
                return h->max;
            uint64_t v = lo + (hi - lo) / 2;
            return v < h->min ? h->min : v > h->max ? h->max : v;
        }
    }
    return h->max;
}

double hist_mean(const hist_t *h)
{
    return h->count ? h->sum / (double)h->count : 0;
}
