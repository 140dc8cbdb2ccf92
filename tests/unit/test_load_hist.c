/* Unit tests of load/hist (log-linear histograms) and load/sched (arrival
 * times): exact small values, the ~1% precision bound over the whole range,
 * exact min/max/count, merging, percentiles against a sorted oracle, fixed
 * size; evenly spaced constant arrivals, ramps that plan the area under the
 * rate, closed stages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "load/hist.h"
#include "load/sched.h"

static void test_small_values_exact(void **state)
{
    (void)state;
    static hist_t h;
    hist_init(&h);
    for (uint64_t v = 0; v < 128; v++) {
        assert_int_equal(hist_index(v), v);
        hist_record(&h, v);
    }
    assert_int_equal(h.count, 128);
    assert_int_equal(h.min, 0);
    assert_int_equal(h.max, 127);
    assert_int_equal(hist_percentile(&h, 50), 63);
    assert_int_equal(hist_percentile(&h, 100), 127);
    assert_int_equal(hist_percentile(&h, 0), 0);
}

/* Every bucket covers a contiguous range; consecutive buckets touch; each
 * is at most 1/64 of its lower bound wide. */
static void test_bucket_layout(void **state)
{
    (void)state;
    uint64_t prev_hi = 127;
    for (unsigned i = 128; i < HIST_BUCKETS - 1; i++) {
        uint64_t lo, hi;
        hist_bucket_range(i, &lo, &hi);
        assert_int_equal(lo, prev_hi + 1);
        assert_true(hi >= lo);
        assert_true((double)(hi - lo + 1) <= (double)lo / 64.0 + 1e-9);
        assert_int_equal(hist_index(lo), i);
        assert_int_equal(hist_index(hi), i);
        prev_hi = hi;
    }
    assert_int_equal(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
    assert_int_equal(hist_index(1ull << 41), HIST_BUCKETS - 1);
    /* fixed memory: the struct does not depend on the samples */
    assert_true(sizeof(hist_t) < 20000);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Percentiles of a wide random sample (1 us .. 10 s, log-uniform) are
 * within 1% of the exact ones from a sorted copy. */
static void test_precision_against_sorted(void **state)
{
    (void)state;
    static hist_t h;
    hist_init(&h);
    enum { N = 200000 };
    uint64_t *v = malloc(N * sizeof *v);
    srand(7);
    for (int i = 0; i < N; i++) {
        double x = 3 + 7 * ((double)rand() / RAND_MAX); /* 10^3 .. 10^10 ns */
        v[i] = (uint64_t)pow(10, x);
        hist_record(&h, v[i]);
    }
    qsort(v, N, sizeof *v, cmp_u64);
    const double ps[] = {1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99};
    for (size_t k = 0; k < sizeof ps / sizeof *ps; k++) {
        size_t rank = (size_t)ceil(ps[k] / 100 * N);
        uint64_t exact = v[rank - 1], got = hist_percentile(&h, ps[k]);
        double rel = fabs((double)got - (double)exact) / (double)exact;
        if (rel > 0.01)
            fail_msg("p%g: got %llu, exact %llu (%.3f%%)", ps[k], (unsigned long long)got, (unsigned long long)exact,
                     rel * 100);
    }
    assert_int_equal(h.min, v[0]);
    assert_int_equal(h.max, v[N - 1]);
    assert_int_equal(h.count, N);
    free(v);
}

static void test_merge_and_empty(void **state)
{
    (void)state;
    static hist_t a, b, c;
    hist_init(&a);
    hist_init(&b);
    hist_init(&c);
    assert_int_equal(hist_percentile(&a, 99), 0);
    assert_true(hist_mean(&a) == 0);
    for (uint64_t i = 1; i <= 1000; i++) {
        hist_record(i % 2 ? &a : &b, i * 1000);
        hist_record(&c, i * 1000);
    }
    hist_merge(&a, &b);
    assert_int_equal(a.count, c.count);
    assert_int_equal(a.min, 1000);
    assert_int_equal(a.max, 1000000);
    assert_memory_equal(a.counts, c.counts, sizeof a.counts);
    assert_true(fabs(hist_mean(&a) - 500500.0) < 1e-6);
    /* one huge value keeps an exact max */
    hist_record(&a, 5000000000000ull);
    assert_int_equal(hist_percentile(&a, 100), 5000000000000ull);
}

static void test_sched_constant(void **state)
{
    (void)state;
    load_phase p = {.kind = PHASE_OPEN, .duration = 10, .rate = 100, .rate_to = 100};
    assert_true(sched_arrival(&p, 10, 0) == 0);
    assert_true(fabs(sched_arrival(&p, 10, 1) - 0.01) < 1e-12);
    assert_true(fabs(sched_arrival(&p, 10, 999) - 9.99) < 1e-9);
    assert_true(sched_arrival(&p, 10, 1000) < 0);
    assert_int_equal(sched_planned(&p, 10), 1000);
    /* scaled: 10 s at 0.1 is 1 s at the same rate */
    assert_int_equal(sched_planned(&p, 1), 100);
    load_phase pause = {.kind = PHASE_PAUSE, .duration = 5};
    assert_int_equal(sched_planned(&pause, 5), 0);
    assert_true(sched_arrival(&pause, 5, 0) < 0);
}

static void test_sched_ramp(void **state)
{
    (void)state;
    /* 0 -> 100/s over 10 s: 500 arrivals, denser at the end */
    load_phase p = {.kind = PHASE_OPEN, .duration = 10, .rate = 0, .rate_to = 100};
    uint64_t n = sched_planned(&p, 10);
    assert_true(n >= 499 && n <= 501);
    double prev = -1, prev_gap = 1e9;
    for (uint64_t k = 0; k < n; k++) {
        double t = sched_arrival(&p, 10, k);
        assert_true(t >= 0 && t < 10);
        assert_true(t > prev);
        if (k > 1)
            assert_true(t - prev <= prev_gap + 1e-9);
        if (k)
            prev_gap = t - prev;
        prev = t;
    }
    /* by the middle, a quarter of the arrivals (area under the ramp) */
    uint64_t half = 0;
    while (sched_arrival(&p, 10, half) >= 0 && sched_arrival(&p, 10, half) < 5)
        half++;
    assert_true(half >= 124 && half <= 126);
    /* ramp down 100 -> 0 also plans 500 */
    load_phase d = {.kind = PHASE_OPEN, .duration = 10, .rate = 100, .rate_to = 0};
    n = sched_planned(&d, 10);
    assert_true(n >= 499 && n <= 501);
    assert_true(sched_target(&d, 10, 5) == 50);
}

static void test_sched_closed(void **state)
{
    (void)state;
    load_phase p = {.kind = PHASE_CLOSED, .duration = 10, .vus = 0, .vus_to = 10};
    assert_true(sched_target(&p, 10, 0) == 0);
    assert_true(sched_target(&p, 10, 5) == 5);
    assert_true(sched_target(&p, 10, 10) == 10);
    assert_true(sched_target(&p, 10, 20) == 10);
    assert_int_equal(sched_planned(&p, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_values_exact),   cmocka_unit_test(test_bucket_layout),
        cmocka_unit_test(test_precision_against_sorted), cmocka_unit_test(test_merge_and_empty),
        cmocka_unit_test(test_sched_constant),       cmocka_unit_test(test_sched_ramp),
        cmocka_unit_test(test_sched_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
