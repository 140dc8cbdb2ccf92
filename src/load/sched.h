/* The schedule: when arrivals happen and how many virtual users a closed
 * stage wants, as pure functions of the phase and the time within it.
 *
 * Open phases ramp the rate linearly from `rate` to `rate_to` over the
 * (scaled) duration D: the expected number of arrivals by time t is
 * N(t) = r0 t + (r1 - r0) t^2 / 2D, and arrival k (from 0) is at the t with
 * N(t) = k. Arrivals are evenly spaced, not random: the plan is the same on
 * every run, and an achieved rate can be compared to the planned one
 * exactly. Closed stages ramp the number of virtual users linearly. */
#ifndef ISLA_LOAD_SCHED_H
#define ISLA_LOAD_SCHED_H

#include <stdint.h>

#include "load/plan.h"

/* Seconds from the phase's start to arrival k, or -1 when the phase (of
 * scaled duration d) has no arrival k. */
double sched_arrival(const load_phase *p, double d, uint64_t k);
/* Arrivals the phase plans in total. */
uint64_t sched_planned(const load_phase *p, double d);
/* Open: the planned rate at t (arrivals/s); closed: virtual users wanted. */
double sched_target(const load_phase *p, double d, double t);

#endif
