/* Latency histograms: log-linear buckets in fixed memory (HdrHistogram's idea).
 *
 * Values are nanoseconds (uint64). Values below 128 are counted exactly;
 * above, every power of two is split into 64 equal sub-buckets, so a
 * bucket is at most 1/64 of its value wide and a reported percentile (the
 * bucket's midpoint) is within ~0.8% of a value actually recorded. min, max,
 * count and sum are exact. Everything up to 2^40 ns (~18 minutes) has its
 * own bucket; larger values share the last one (max stays exact).
 *
 * A histogram is one flat array of HIST_BUCKETS counters (~18 KB): memory
 * does not grow with the number of samples, so a soak of hours costs the
 * same as a smoke test. Two histograms merge by adding counters. */
#ifndef ISLA_LOAD_HIST_H
#define ISLA_LOAD_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 6                         /* 64 sub-buckets per power of two */
#define HIST_MAX_EXP 40                         /* 2^40 ns ~ 18 min */
#define HIST_BUCKETS (128 + (HIST_MAX_EXP - 7 + 1) * 64)

typedef struct {
    uint64_t count;
    uint64_t min, max; /* exact; min is UINT64_MAX while empty */
    double sum;        /* for the mean */
    uint64_t counts[HIST_BUCKETS];
} hist_t;

void hist_init(hist_t *h);
void hist_record(hist_t *h, uint64_t v);
/* Adds every sample of src to dst. */
void hist_merge(hist_t *dst, const hist_t *src);
/* The value at percentile p (0..100): the midpoint of the bucket holding it,
 * clamped to [min, max]; p >= 100 gives max, p <= 0 min; 0 when empty. */
uint64_t hist_percentile(const hist_t *h, double p);
double hist_mean(const hist_t *h);
/* Bucket index of a value and the [lo, hi] range of values it covers
 * (exposed for the unit tests). */
unsigned hist_index(uint64_t v);
void hist_bucket_range(unsigned idx, uint64_t *lo, uint64_t *hi);

#endif
