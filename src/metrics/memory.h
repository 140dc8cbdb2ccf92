/* Memory monitor: resident set size, sampled once a second by the control
 * thread, with a trend.
 *
 * RSS is read from /proc/self/statm (one small read, no parsing of
 * /proc/self/status). Mapped store pages count once touched, so RSS grows
 * as searches warm the store and drops when an old generation is unmapped;
 * the trend tells a slow leak (steady growth at constant load) apart from
 * that. The trend is the least-squares slope of the samples of the last
 * ten minutes (kept at 10 s resolution: 60 numbers). */
#ifndef ISLA_MEMORY_H
#define ISLA_MEMORY_H

#include <stdint.h>


typedef struct {
    uint64_t rss, min, max;      /* now; least and most over the trend span */
    double slope_bytes_per_h;    /* least-squares slope over the trend span */
    double span_s;               /* how much history the trend covers */
} memory_trend;

/* Call once a second; returns the current RSS. */
uint64_t memory_sample(uint64_t now_ms);
void memory_trend_read(memory_trend *t);
/* The last sampled RSS (any thread). */
uint64_t memory_last_rss(void);

#endif
