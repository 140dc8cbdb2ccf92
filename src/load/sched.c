/* Arrival times of open phases, users of closed stages; see sched.h. */
#include "load/sched.h"

#include <math.h>

double sched_arrival(const load_phase *p, double d, uint64_t k)
{
    if (p->kind != PHASE_OPEN || d <= 0)
        return -1;
    double r0 = p->rate, r1 = p->rate_to, kk = (double)k, t;
    if (k == 0)
        return r0 > 0 || r1 > 0 ? 0 : -1;
    if (fabs(r1 - r0) < 1e-12) {
        if (r0 <= 0)
            return -1;
        t = kk / r0;
    } else {
        /* a t^2 + r0 t - k = 0 with a = (r1 - r0) / 2d; the stable root */
        double a = (r1 - r0) / (2 * d), disc = r0 * r0 + 4 * a * kk;
        if (disc < 0)
            return -1;
        double s = sqrt(disc);
        t = 2 * kk / (r0 + s);
        if (!(r0 + s > 0))
            return -1;
    }
    return t < d - 1e-12 ? t : -1;
}

uint64_t sched_planned(const load_phase *p, double d)
{
    if (p->kind != PHASE_OPEN || d <= 0)
        return 0;
    double n = (p->rate + p->rate_to) / 2 * d; /* N(d) */
    uint64_t k = (uint64_t)ceil(n - 1e-9);
    /* arrivals 0..k-1 are the ones with t < d */
    while (k > 0 && sched_arrival(p, d, k - 1) < 0)
        k--;
    while (sched_arrival(p, d, k) >= 0)
        k++;
    return k;
}

double sched_target(const load_phase *p, double d, double t)
{
    double f = d > 0 ? t / d : 1;
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    if (p->kind == PHASE_OPEN)
        return p->rate + (p->rate_to - p->rate) * f;
    if (p->kind == PHASE_CLOSED)
        return floor(p->vus + (p->vus_to - p->vus) * f + 0.5);
    return 0;
}
