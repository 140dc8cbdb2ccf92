/* Memory monitor; see memory.h. */
#include "metrics/memory.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TREND_SAMPLES 60         /* at one per 10 s: ten minutes */
#define TREND_STEP_MS 10000

static struct {
    pthread_mutex_t lock;
    uint64_t t_ms[TREND_SAMPLES];
    uint64_t rss[TREND_SAMPLES];
    unsigned head, n;
    uint64_t next_ms;
    _Atomic uint64_t last;
} MEM = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Resident set size of this process in bytes, 0 if unknown. */
static uint64_t memory_rss_bytes(void)
{
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[128];
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long long size, resident;
    if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
        return 0;
    return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t memory_sample(uint64_t now_ms)
{
    uint64_t rss = memory_rss_bytes();
    atomic_store_explicit(&MEM.last, rss, memory_order_relaxed);
    pthread_mutex_lock(&MEM.lock);
    if (now_ms >= MEM.next_ms) {
        MEM.next_ms = now_ms + TREND_STEP_MS;
        MEM.t_ms[MEM.head] = now_ms;
        MEM.rss[MEM.head] = rss;
        MEM.head = (MEM.head + 1) % TREND_SAMPLES;
        if (MEM.n < TREND_SAMPLES)
            MEM.n++;
    }
    pthread_mutex_unlock(&MEM.lock);
    return rss;
}

uint64_t memory_last_rss(void)
{
    uint64_t v = atomic_load_explicit(&MEM.last, memory_order_relaxed);
    return v != 0 ? v : memory_rss_bytes();
}

void memory_trend_read(memory_trend *t)
{
    memset(t, 0, sizeof(*t));
    t->rss = memory_last_rss();
    pthread_mutex_lock(&MEM.lock);
    unsigned n = MEM.n;
    if (n == 0) {
        pthread_mutex_unlock(&MEM.lock);
        t->min = t->max = t->rss;
        return;
    }
    unsigned first = (MEM.head + TREND_SAMPLES - n) % TREND_SAMPLES;
    double t0 = (double)MEM.t_ms[first];
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    t->min = UINT64_MAX;
    for (unsigned i = 0; i < n; i++) {
        unsigned k = (first + i) % TREND_SAMPLES;
        double x = ((double)MEM.t_ms[k] - t0) / 3600e3; /* hours */
        double y = (double)MEM.rss[k];
        sx += x, sy += y, sxx += x * x, sxy += x * y;
        if (MEM.rss[k] < t->min)
            t->min = MEM.rss[k];
        if (MEM.rss[k] > t->max)
            t->max = MEM.rss[k];
    }
    unsigned last = (first + n - 1) % TREND_SAMPLES;
    t->span_s = ((double)MEM.t_ms[last] - t0) / 1000.0;
    pthread_mutex_unlock(&MEM.lock);
    double den = (double)n * sxx - sx * sx;
    t->slope_bytes_per_h = n >= 3 && den > 0 ? ((double)n * sxy - sx * sy) / den : 0;
}
