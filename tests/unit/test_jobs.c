/* Unit tests of jobs/: the state machine (every state x event), backoff
 * (grows, capped, jittered within [d/2, d]), and the SQLite queue: one job
 * per idempotency key, claim/finish through retrying to dead with the
 * error kept, leases that lapse and owners that are gone, cancel and retry
 * rules, and the counts behind the metrics. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <signal.h>
#include <sys/wait.h>

#include "jobs/jobs.h"
#include "jobs/runner.h"

static void test_transitions(void **state)
{
    (void)state;
    /* expected[from][event]: -1 refused, else the new state (attempts 1 of 3) */
    static const int expected[JOB_STATUS_COUNT][6] = {
        /*              CLAIM         SUCCEED   FAIL          CANCEL         RETRY       RELEASE */
        [JOB_QUEUED] = {JOB_RUNNING, -1, -1, JOB_CANCELLED, -1, -1},
        [JOB_RUNNING] = {JOB_RUNNING, JOB_DONE, JOB_RETRYING, JOB_CANCELLED, -1, JOB_QUEUED},
        [JOB_RETRYING] = {JOB_RUNNING, -1, -1, JOB_CANCELLED, -1, -1},
        [JOB_DONE] = {-1, -1, -1, -1, -1, -1},
        [JOB_DEAD] = {-1, -1, -1, -1, JOB_QUEUED, -1},
        [JOB_CANCELLED] = {-1, -1, -1, -1, JOB_QUEUED, -1},
    };
    for (int s = 0; s < JOB_STATUS_COUNT; s++)
        for (int e = 0; e < 6; e++) {
            job_status to = JOB_STATUS_COUNT;
            bool ok = job_transition((job_status)s, (job_event)e, 1, 3, &to);
            if (ok != (expected[s][e] >= 0) || (ok && (int)to != expected[s][e]))
                fail_msg("%s + event %d: got %s %s, want %d", job_status_name((job_status)s), e, ok ? "ok" : "refused",
                         ok ? job_status_name(to) : "", expected[s][e]);
        }
    job_status to;
    assert_true(job_transition(JOB_RUNNING, JOB_EV_FAIL, 3, 3, &to));
    assert_int_equal(to, JOB_DEAD);
    assert_true(job_transition(JOB_RUNNING, JOB_EV_FAIL, 2, 3, &to));
    assert_int_equal(to, JOB_RETRYING);
    job_status p;
    assert_true(job_status_parse("cancelled", &p));
    assert_int_equal(p, JOB_CANCELLED);
    assert_false(job_status_parse("canceled", &p));
}

static void test_backoff(void **state)
{
    (void)state;
    /* Without jitter's spread (rnd 0: the lower bound d/2) and at the top. */
    assert_int_equal(job_backoff_ms(1000, 60000, 1, 0), 500);
    assert_int_equal(job_backoff_ms(1000, 60000, 2, 0), 1000);
    assert_int_equal(job_backoff_ms(1000, 60000, 3, 0), 2000);
    assert_int_equal(job_backoff_ms(1000, 60000, 1, 500), 1000);
    assert_int_equal(job_backoff_ms(1000, 60000, 30, 0), 30000); /* capped */
    /* Every delay lies in [d/2, d], and attempt n+1's lowest is attempt
     * n's highest: delays never shrink. */
    uint64_t prev_max = 0;
    for (uint32_t a = 1; a <= 8; a++) {
        uint64_t lo = UINT64_MAX, hi = 0;
        for (uint64_t r = 0; r < 5000; r += 7) {
            uint64_t d = job_backoff_ms(200, 1000000, a, r * 2654435761u);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
        }
        uint64_t full = 200ull << (a - 1);
        assert_true(lo >= full / 2);
        assert_true(hi <= full);
        assert_true(lo >= prev_max);
        prev_max = hi;
    }
}

static jobs_db *open_db(char **dir)
{
    *dir = tu_mkdtemp("jobs");
    char err[512];
    jobs_db *db = jobs_db_open(*dir, err, sizeof err);
    if (db == NULL)
        fail_msg("%s", err);
    return db;
}

static void test_idempotency(void **state)
{
    (void)state;
    char *dir, err[512];
    jobs_db *db = open_db(&dir);
    bool existed;
    int64_t a = jobs_submit(db, "import", "{\"offers\":\"/x\"}", "k1", 3, 0, &existed, err, sizeof err);
    assert_true(a > 0);
    assert_false(existed);
    int64_t b = jobs_submit(db, "import", "{\"offers\":\"/y\"}", "k1", 3, 0, &existed, err, sizeof err);
    assert_int_equal(a, b);
    assert_true(existed);
    int64_t c = jobs_submit(db, "import", "{}", NULL, 3, 0, &existed, err, sizeof err);
    int64_t d = jobs_submit(db, "import", "{}", NULL, 3, 0, &existed, err, sizeof err);
    assert_true(c != d);
    job *list;
    size_t n;
    assert_int_equal(jobs_list(db, NULL, "import", 10, &list, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++)
        job_free(&list[i]);
    free(list);
    job j;
    assert_int_equal(jobs_get(db, a, &j, err, sizeof err), 1);
    assert_string_equal(j.payload, "{\"offers\":\"/x\"}"); /* the first one's */
    job_free(&j);
    /* A payload that is not JSON is refused by SQLite's json(). */
    assert_true(jobs_submit(db, "import", "{nope", NULL, 3, 0, &existed, err, sizeof err) < 0);
    jobs_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

static const char *const WEBHOOK[] = {"webhook", NULL};

static void test_retry_to_dead(void **state)
{
    (void)state;
    char *dir, err[512];
    jobs_db *db = open_db(&dir);
    bool existed;
    int64_t id = jobs_submit(db, "webhook", "{\"url\":\"http://x\"}", NULL, 3, 0, &existed, err, sizeof err);
    const char *me = jobs_owner_self();
    int64_t t = 1000000;
    job j;
    /* Not due yet: nothing to claim for another kind's worker. */
    const char *const other[] = {"import", NULL};
    assert_int_equal(jobs_claim(db, other, me, t + 10000000000, 5000, &j, err, sizeof err), 0);
    int64_t clock = 4102444800000; /* far in the future: everything is due */
    uint64_t delays[3] = {100, 200, 400};
    for (uint32_t a = 1; a <= 3; a++) {
        assert_int_equal(jobs_claim(db, WEBHOOK, me, clock, 5000, &j, err, sizeof err), 1);
        assert_int_equal(j.id, id);
        assert_int_equal(j.status, JOB_RUNNING);
        assert_int_equal(j.attempts, a);
        job_free(&j);
        /* Another worker finds nothing while the lease holds. */
        assert_int_equal(jobs_claim(db, WEBHOOK, "otherhost:1:1", clock + 1, 5000, &j, err, sizeof err), 0);
        job_status final;
        char msg[64];
        snprintf(msg, sizeof msg, "HTTP status 500 (attempt %u)", a);
        assert_int_equal(jobs_finish(db, id, me, JOB_OUT_FAIL, NULL, msg, clock + 10, delays[a - 1], &final), 0);
        assert_int_equal(final, a < 3 ? JOB_RETRYING : JOB_DEAD);
        assert_int_equal(jobs_get(db, id, &j, err, sizeof err), 1);
        assert_string_equal(j.error, msg);
        if (a < 3) {
            assert_int_equal(j.run_at_ms, clock + 10 + (int64_t)delays[a - 1]);
            /* Not before the backoff. */
            assert_int_equal(jobs_claim(db, WEBHOOK, me, clock + 11, 5000, &j, err, sizeof err), 0);
            job_free(&j);
            assert_int_equal(jobs_get(db, id, &j, err, sizeof err), 1);
        }
        assert_non_null(strstr(j.history, msg));
        job_free(&j);
        clock += 10000;
    }
    /* Dead: the history has all three attempts with their delays. */
    assert_int_equal(jobs_get(db, id, &j, err, sizeof err), 1);
    assert_int_equal(j.status, JOB_DEAD);
    assert_non_null(strstr(j.history, "\"retryInMs\":100"));
    assert_non_null(strstr(j.history, "\"retryInMs\":200"));
    assert_non_null(strstr(j.history, "(attempt 3)"));
    buf_t b = {0};
    job_to_json(&j, &b);
    buf_putc(&b, 0);
    assert_non_null(strstr(b.data, "\"status\":\"dead\""));
    assert_non_null(strstr(b.data, "\"attempts\":3"));
    buf_free(&b);
    job_free(&j);
    assert_int_equal(jobs_claim(db, WEBHOOK, me, clock, 5000, &j, err, sizeof err), 0);

    /* retry: queued again with fresh attempts; then done. */
    assert_int_equal(jobs_retry(db, id, clock, err, sizeof err), 0);
    assert_int_equal(jobs_retry(db, id, clock, err, sizeof err), 2); /* queued: not retryable */
    assert_int_equal(jobs_claim(db, WEBHOOK, me, clock, 5000, &j, err, sizeof err), 1);
    assert_int_equal(j.attempts, 1);
    job_free(&j);
    job_status final;
    /* Someone else cannot finish it. */
    assert_int_equal(jobs_finish(db, id, "h:1:2", JOB_OUT_OK, "{}", NULL, clock, 0, &final), 1);
    assert_int_equal(jobs_finish(db, id, me, JOB_OUT_OK, "{\"delivered\":true}", NULL, clock, 0, &final), 0);
    assert_int_equal(final, JOB_DONE);
    assert_int_equal(jobs_cancel(db, id, clock, err, sizeof err), 2);
    assert_int_equal(jobs_retry(db, id, clock, err, sizeof err), 2);
    assert_int_equal(jobs_cancel(db, 999, clock, err, sizeof err), 1);

    jobs_kind_counts *c;
    size_t n;
    assert_int_equal(jobs_counts(db, &c, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(c[0].kind, "webhook");
    assert_int_equal(c[0].n[JOB_DONE], 1);
    free(c);
    jobs_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* A worker that dies: its lease lapses, or (same host) its process is
 * seen to be gone at once. A job that kills its worker on the last attempt
 * ends dead instead of running again. */
static void test_leases(void **state)
{
    (void)state;
    char *dir, err[512];
    jobs_db *db = open_db(&dir);
    bool existed;
    int64_t id = jobs_submit(db, "webhook", "{}", NULL, 2, 0, &existed, err, sizeof err);
    int64_t clock = 4102444800000;
    job j;
    /* Claimed by a process on another host that then vanishes. */
    assert_int_equal(jobs_claim(db, WEBHOOK, "elsewhere:42:abcd", clock, 5000, &j, err, sizeof err), 1);
    job_free(&j);
    const char *me = jobs_owner_self();
    assert_int_equal(jobs_claim(db, WEBHOOK, me, clock + 4999, 5000, &j, err, sizeof err), 0);
    /* The heartbeat of the real owner keeps it; a stranger's does not. */
    assert_int_equal(jobs_heartbeat(db, id, me, clock, 5000, 1, 1, 1), 1);
    assert_int_equal(jobs_heartbeat(db, id, "elsewhere:42:abcd", clock + 1000, 5000, 10, 50, 5), 0);
    assert_int_equal(jobs_claim(db, WEBHOOK, me, clock + 5999, 5000, &j, err, sizeof err), 0);
    assert_int_equal(jobs_claim(db, WEBHOOK, me, clock + 6001, 5000, &j, err, sizeof err), 1);
    assert_int_equal(j.attempts, 2);
    assert_int_equal(j.rows, 10);
    job_free(&j);

    /* Same host, a dead pid: reclaimed before the lease ends — and as this
     * was the last attempt, it ends dead with the reason. */
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    waitpid(child, NULL, 0);
    char host[64];
    snprintf(host, sizeof host, "%s", me);
    *strchr(host, ':') = 0;
    char gone[128];
    snprintf(gone, sizeof gone, "%s:%ld:1234abcd", host, (long)child);
    int64_t id2 = jobs_submit(db, "webhook", "{}", NULL, 1, 0, &existed, err, sizeof err);
    /* Let the first job finish so only id2 is in play. */
    job_status final;
    assert_int_equal(jobs_finish(db, id, me, JOB_OUT_OK, "{}", NULL, clock, 0, &final), 0);
    assert_int_equal(jobs_claim(db, WEBHOOK, gone, clock, 60000, &j, err, sizeof err), 1);
    assert_int_equal(j.id, id2);
    job_free(&j);
    assert_int_equal(jobs_claim(db, WEBHOOK, me, clock + 1, 60000, &j, err, sizeof err), 0);
    assert_int_equal(jobs_get(db, id2, &j, err, sizeof err), 1);
    assert_int_equal(j.status, JOB_DEAD);
    assert_non_null(strstr(j.error, "lease lost"));
    job_free(&j);

    /* Release (shutdown) gives the attempt back. */
    int64_t id3 = jobs_submit(db, "webhook", "{}", NULL, 1, 0, &existed, err, sizeof err);
    assert_int_equal(jobs_claim(db, WEBHOOK, me, clock, 60000, &j, err, sizeof err), 1);
    job_free(&j);
    assert_int_equal(jobs_finish(db, id3, me, JOB_OUT_RELEASE, NULL, "stopping", clock, 0, &final), 0);
    assert_int_equal(final, JOB_QUEUED);
    assert_int_equal(jobs_claim(db, WEBHOOK, me, clock, 60000, &j, err, sizeof err), 1);
    assert_int_equal(j.attempts, 1);
    job_free(&j);
    /* Cancelling a running job: its worker can no longer finish it. */
    assert_int_equal(jobs_cancel(db, id3, clock, err, sizeof err), 0);
    assert_int_equal(jobs_heartbeat(db, id3, me, clock, 60000, 0, -1, -1), 1);
    assert_int_equal(jobs_finish(db, id3, me, JOB_OUT_OK, "{}", NULL, clock, 0, &final), 1);
    assert_int_equal(final, JOB_CANCELLED);
    jobs_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* Retention: only jobs that ended before the cut are deleted. */
static void test_prune(void **state)
{
    (void)state;
    char *dir, err[512];
    jobs_db *db = open_db(&dir);
    bool existed;
    const char *me = jobs_owner_self();
    int64_t clock = 4102444800000;
    int64_t done = jobs_submit(db, "webhook", "{}", NULL, 1, 0, &existed, err, sizeof err);
    int64_t waiting = jobs_submit(db, "import", "{}", NULL, 1, clock * 2, &existed, err, sizeof err);
    job j;
    job_status final;
    assert_int_equal(jobs_claim(db, WEBHOOK, me, clock, 60000, &j, err, sizeof err), 1);
    job_free(&j);
    assert_int_equal(jobs_finish(db, done, me, JOB_OUT_OK, "{}", NULL, clock, 0, &final), 0);
    int64_t *ids;
    size_t n;
    assert_int_equal(jobs_prune(db, clock, &ids, &n), 0);
    free(ids);
    assert_int_equal(jobs_prune(db, clock + 1, &ids, &n), 1);
    assert_int_equal(ids[0], done);
    free(ids);
    assert_int_equal(jobs_get(db, done, &j, err, sizeof err), 0);
    assert_int_equal(jobs_get(db, waiting, &j, err, sizeof err), 1);
    job_free(&j);
    jobs_db_close(db);
    tu_rmtree(dir);
    free(dir);
}

/* The daily slot: the next HH:MM (UTC) strictly after now. */
static void test_next_slot(void **state)
{
    (void)state;
    int64_t day = 86400000, midnight = 20000 * day; /* 2024-10-04T00:00Z */
    int64_t slot;
    assert_true(jobs_next_slot("03:30", midnight, &slot));
    assert_int_equal(slot, midnight + 12600000);
    assert_true(jobs_next_slot("03:30", midnight + 12600000, &slot)); /* exactly at the slot: tomorrow */
    assert_int_equal(slot, midnight + day + 12600000);
    assert_true(jobs_next_slot("00:00", midnight + 1, &slot));
    assert_int_equal(slot, midnight + day);
    assert_true(jobs_next_slot("23:59", midnight + day - 1, &slot));
    assert_int_equal(slot, midnight + 2 * day - 60000);
    const char *bad[] = {"24:00", "3:30", "03:60", "0330", "03:30x", "", "ab:cd", "03:3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (jobs_next_slot(bad[i], midnight, &slot))
            fail_msg("accepted '%s'", bad[i]);
    assert_false(jobs_next_slot(NULL, midnight, &slot));
}

static void test_json_string(void **state)
{
    (void)state;
    char *v;
    bool bad;
    assert_int_equal(jobs_json_string("{\"offers\":\"/a b\"}", "offers", &v, &bad), 1);
    assert_string_equal(v, "/a b");
    free(v);
    assert_int_equal(jobs_json_string("{\"offers\":null}", "offers", &v, &bad), 0);
    assert_int_equal(jobs_json_string("{}", "offers", &v, &bad), 0);
    assert_false(bad);
    assert_int_equal(jobs_json_string("{\"offers\":3}", "offers", &v, &bad), -1);
    assert_false(bad);
    assert_int_equal(jobs_json_string("[1]", "offers", &v, &bad), -1);
    assert_true(bad);
    assert_int_equal(jobs_json_string("{\"offers\":", "offers", &v, &bad), -1);
    assert_true(bad);
    assert_int_equal(jobs_json_string("", "offers", &v, &bad), -1);
    assert_true(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions), cmocka_unit_test(test_backoff),   cmocka_unit_test(test_idempotency),
        cmocka_unit_test(test_retry_to_dead), cmocka_unit_test(test_leases), cmocka_unit_test(test_prune),
        cmocka_unit_test(test_next_slot),     cmocka_unit_test(test_json_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
