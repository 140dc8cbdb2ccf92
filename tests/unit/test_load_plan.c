/* Unit tests of load/plan: Artillery's plan format (phases, payload,
 * defaults, ensure, weighted scenarios with get/post/put/delete, think,
 * loop, {{ field }} templates), k6's stages and thresholds, durations, and
 * every kind of bad plan: the error names the file, line and column. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/plan.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/isla_test_plan_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char p[128];
    snprintf(p, sizeof p, "%s/rows.csv", dir);
    FILE *f = fopen(p, "w");
    fputs("city,q\nBerlin,\"a,b\"\n\"Sao \"\"Paulo\"\"\",x y\nRome,z\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[128];
    snprintf(p, sizeof p, "%s/rows.csv", dir);
    unlink(p);
    rmdir(dir);
    return 0;
}

static load_plan_t *parse(const char *text, char *err, size_t cap, FILE *warn)
{
    return plan_parse("plan.yml", dir, text, strlen(text), warn, err, cap);
}

/* The error for text, which must fail. */
static void expect_error(const char *text, const char *where, const char *what)
{
    char err[512] = "";
    load_plan_t *p = parse(text, err, sizeof err, NULL);
    if (p) {
        plan_free(p);
        fail_msg("accepted: %s", text);
    }
    if (!strstr(err, where) || !strstr(err, what))
        fail_msg("error '%s' lacks '%s' or '%s'", err, where, what);
}

static const char artillery[] =
    "config:\n"
    "  target: \"http://127.0.0.1:8080\"\n"
    "  phases:\n"
    "    - duration: 60\n"
    "      arrivalRate: 5\n"
    "      rampTo: 50\n"
    "      name: warm up\n"
    "    - pause: 5s\n"
    "    - duration: 2m\n"
    "      arrivalCount: 240\n"
    "  payload:\n"
    "    path: rows.csv\n"
    "    fields: [city, q]\n"
    "    order: sequence\n"
    "    skipHeader: true\n"
    "  defaults:\n"
    "    headers:\n"
    "      x-api-key: k-{{ city }}\n"
    "  http:\n"
    "    pool: 8\n"
    "    timeout: 3\n"
    "  ensure:\n"
    "    p95: 200\n"
    "    maxErrorRate: 1\n"
    "    thresholds:\n"
    "      - http.response_time.p99: 300\n"
    "scenarios:\n"
    "  - name: search\n"
    "    weight: 3\n"
    "    flow:\n"
    "      - get:\n"
    "          url: \"/search?city={{ city }}\"\n"
    "          qs:\n"
    "            q: \"{{ q }}\"\n"
    "            n: 10\n"
    "      - think: 0.5\n"
    "      - loop:\n"
    "          - post:\n"
    "              url: /book\n"
    "              name: book\n"
    "              json:\n"
    "                city: \"{{ city }}\"\n"
    "                nights: 7\n"
    "                ok: true\n"
    "                tags: [a, \"b\"]\n"
    "          - delete:\n"
    "              url: /book/1\n"
    "        count: 3\n"
    "  - name: other\n"
    "    flow:\n"
    "      - put:\n"
    "          url: /x\n"
    "          headers:\n"
    "            content-type: text/plain\n"
    "          body: hello\n";

static void test_artillery_plan(void **state)
{
    (void)state;
    char err[512] = "";
    load_plan_t *p = parse(artillery, err, sizeof err, NULL);
    if (!p)
        fail_msg("%s", err);
    assert_string_equal(p->target, "http://127.0.0.1:8080");
    assert_int_equal(p->nphases, 3);
    assert_int_equal(p->phases[0].kind, PHASE_OPEN);
    assert_true(p->phases[0].duration == 60 && p->phases[0].rate == 5 && p->phases[0].rate_to == 50);
    assert_string_equal(p->phases[0].name, "warm up");
    assert_int_equal(p->phases[1].kind, PHASE_PAUSE);
    assert_true(p->phases[1].duration == 5);
    assert_true(p->phases[2].duration == 120 && p->phases[2].rate == 2);
    assert_int_equal(p->npayloads, 1);
    assert_int_equal(p->payloads[0].rows, 3);
    assert_int_equal(p->payloads[0].random, 0);
    assert_string_equal(p->payloads[0].cells[1], "a,b");
    assert_string_equal(p->payloads[0].cells[2], "Sao \"Paulo\"");
    assert_string_equal(p->payloads[0].cells[3], "x y");
    assert_int_equal(p->nvars, 2);
    assert_int_equal(p->nheaders, 1);
    assert_int_equal(p->pool, 8);
    assert_true(p->timeout == 3);
    assert_int_equal(p->nthresholds, 3);
    assert_int_equal(p->thresholds[0].metric, TH_LATENCY);
    assert_true(p->thresholds[0].pct == 95 && p->thresholds[0].value == 200e6);
    assert_int_equal(p->thresholds[1].metric, TH_ERROR_RATE);
    assert_true(p->thresholds[1].value == 0.01);
    assert_true(p->thresholds[2].pct == 99 && p->thresholds[2].value == 300e6);
    assert_int_equal(p->nscenarios, 2);
    const load_scenario *s = &p->scenarios[0];
    assert_true(s->weight == 3);
    assert_true(p->scenarios[1].weight == 1);
    assert_int_equal(s->nsteps, 3);
    assert_int_equal(s->steps[0].kind, STEP_REQUEST);
    assert_string_equal(s->steps[0].req.method, "GET");
    assert_int_equal(s->steps[0].req.url.n, 2);
    assert_int_equal(s->steps[0].req.url.segs[1].var, 0);
    assert_int_equal(s->steps[0].req.nqs, 2);
    assert_int_equal(s->steps[0].req.qs_values[0].esc, ESC_URL);
    assert_int_equal(s->steps[1].kind, STEP_THINK);
    assert_true(s->steps[1].think == 0.5);
    assert_int_equal(s->steps[2].kind, STEP_LOOP);
    assert_int_equal(s->steps[2].loop_count, 3);
    assert_int_equal(s->steps[2].nsteps, 2);
    const load_request *post = &s->steps[2].steps[0].req;
    assert_string_equal(post->method, "POST");
    assert_true(post->has_body);
    assert_string_equal(post->content_type, "application/json");
    assert_int_equal(post->body.esc, ESC_JSON);
    assert_string_equal(post->body.segs[0].lit, "{\"city\":\"");
    assert_int_equal(post->body.segs[1].var, 0);
    assert_string_equal(post->body.segs[2].lit, "\",\"nights\":7,\"ok\":true,\"tags\":[\"a\",\"b\"]}");
    assert_string_equal(p->names[post->name_id], "book");
    assert_string_equal(p->names[s->steps[0].req.name_id], "GET /search?city={{ city }}");
    assert_string_equal(p->scenarios[1].steps[0].req.method, "PUT");
    assert_string_equal(s->steps[2].steps[1].req.method, "DELETE");
    plan_free(p);
}

static void test_k6_stages_and_thresholds(void **state)
{
    (void)state;
    char err[512] = "";
    load_plan_t *p = parse("config:\n"
                           "  target: http://localhost:1\n"
                           "stages:\n"
                           "  - {duration: 30s, target: 20}\n"
                           "  - {duration: 1m30s, target: 20}\n"
                           "  - {duration: 10s, target: 0}\n"
                           "thresholds:\n"
                           "  http_req_duration: ['p(95)<500', 'avg<200', 'max <= 2000', 'med<100', 'p(99.9)<900']\n"
                           "  http_req_failed: ['rate<0.01']\n"
                           "scenarios:\n"
                           "  - flow:\n"
                           "      - get: {url: /}\n",
                           err, sizeof err, NULL);
    if (!p)
        fail_msg("%s", err);
    assert_int_equal(p->nphases, 3);
    assert_int_equal(p->phases[0].kind, PHASE_CLOSED);
    assert_true(p->phases[0].vus == 0 && p->phases[0].vus_to == 20 && p->phases[0].duration == 30);
    assert_true(p->phases[1].vus == 20 && p->phases[1].vus_to == 20 && p->phases[1].duration == 90);
    assert_true(p->phases[2].vus == 20 && p->phases[2].vus_to == 0);
    assert_int_equal(p->nthresholds, 6);
    assert_true(p->thresholds[0].stat == TH_PCT && p->thresholds[0].pct == 95 && p->thresholds[0].op == TH_LT &&
                p->thresholds[0].value == 500e6);
    assert_int_equal(p->thresholds[1].stat, TH_MEAN);
    assert_true(p->thresholds[2].stat == TH_MAX && p->thresholds[2].op == TH_LE);
    assert_true(p->thresholds[3].pct == 50);
    assert_true(p->thresholds[4].pct == 99.9);
    assert_true(p->thresholds[5].metric == TH_ERROR_RATE && p->thresholds[5].value == 0.01);
    plan_free(p);
}

static void test_durations(void **state)
{
    (void)state;
    assert_true(plan_duration("90") == 90);
    assert_true(plan_duration("1.5") == 1.5);
    assert_true(plan_duration("30s") == 30);
    assert_true(plan_duration("5m") == 300);
    assert_true(plan_duration("1h") == 3600);
    assert_true(plan_duration("1m30s") == 90);
    assert_true(plan_duration("250ms") == 0.25);
    assert_true(plan_duration("") < 0);
    assert_true(plan_duration("-5") < 0);
    assert_true(plan_duration("5x") < 0);
    assert_true(plan_duration("m") < 0);
    assert_true(plan_duration("1m-3s") < 0);
}

static void test_unknown_keys_warn(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&out, &len);
    char err[512] = "";
    load_plan_t *p = parse("config:\n"
                           "  target: http://localhost:1\n"
                           "  plugins: {x: 1}\n"
                           "  phases: [{duration: 1, arrivalRate: 1}]\n"
                           "scenarios:\n"
                           "  - flow:\n"
                           "      - get: {url: /, expect: [{statusCode: 200}]}\n",
                           err, sizeof err, w);
    fclose(w);
    if (!p)
        fail_msg("%s", err);
    plan_free(p);
    assert_non_null(strstr(out, "plan.yml:3:3: warning: unknown key 'plugins'"));
    assert_non_null(strstr(out, "unknown key 'expect'"));
    free(out);
}

static void test_bad_plans(void **state)
{
    (void)state;
    const char *head = "config:\n  target: http://localhost:1\n";
    char b[1024];
#define BAD(body, where, what)                  \
    do {                                        \
        snprintf(b, sizeof b, "%s%s", head, body); \
        expect_error(b, where, what);           \
    } while (0)
    /* YAML syntax */
    expect_error("config:\n  target: [\n", "plan.yml:3:1", "YAML syntax");
    expect_error("a: b\n c: d\n", "plan.yml:2:", "YAML syntax");
    /* unknown phase key */
    BAD("  phases:\n    - duration: 5\n      arivalRate: 3\nscenarios: [{flow: [{get: {url: /}}]}]\n", "plan.yml:5:7",
        "unknown key 'arivalRate'");
    /* negative rate, zero duration, bad duration */
    BAD("  phases:\n    - duration: 5\n      arrivalRate: -3\nscenarios: [{flow: [{get: {url: /}}]}]\n",
        "plan.yml:5:20", "arrivalRate");
    BAD("  phases:\n    - duration: 0\n      arrivalRate: 3\nscenarios: [{flow: [{get: {url: /}}]}]\n",
        "plan.yml:4:17", "more than 0");
    BAD("  phases:\n    - duration: soon\n      arrivalRate: 3\nscenarios: [{flow: [{get: {url: /}}]}]\n",
        "plan.yml:4:17", "expected a duration");
    BAD("  phases:\n    - duration: 5\n      rampTo: 3\nscenarios: [{flow: [{get: {url: /}}]}]\n", "plan.yml:4:7",
        "arrivalRate");
    /* missing payload file */
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\n  payload:\n    path: nope.csv\n    fields: [a]\n"
        "scenarios: [{flow: [{get: {url: /}}]}]\n",
        "plan.yml:5:11", "cannot open");
    /* unknown template variable */
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\nscenarios: [{flow: [{get: {url: '/{{ nope }}'}}]}]\n",
        "plan.yml:4:", "unknown variable 'nope'");
    /* thresholds */
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\nthresholds:\n  http_req_duration: ['p(95)=500']\n"
        "scenarios: [{flow: [{get: {url: /}}]}]\n",
        "plan.yml:5:", "comparison");
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\nthresholds:\n  http_reqs: ['count<5']\n"
        "scenarios: [{flow: [{get: {url: /}}]}]\n",
        "plan.yml:5:3", "unknown metric");
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\n  ensure: {p95: fast}\nscenarios: [{flow: [{get: {url: /}}]}]\n",
        "plan.yml:4:", "expected a number");
    /* structure */
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\n", "plan.yml:1:1", "'scenarios' is required");
    BAD("scenarios: [{flow: [{get: {url: /}}]}]\n", "plan.yml:", "phases");
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\nscenarios: [{flow: [{get: {}}]}]\n", "plan.yml:4:",
        "'url' is required");
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\nscenarios: [{flow: [{fly: {url: /}}]}]\n", "plan.yml:4:",
        "exactly one of");
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\nscenarios: [{weight: -1, flow: [{get: {url: /}}]}]\n",
        "plan.yml:4:22", "weight");
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\n  phases: [{duration: 1, arrivalRate: 1}]\n"
        "scenarios: [{flow: [{get: {url: /}}]}]\n",
        "plan.yml:4:3", "duplicate key");
    BAD("  phases: [{duration: 1, arrivalRate: 1}]\nscenarios: [{flow: [{think: -1}]}]\n", "plan.yml:4:",
        "think");
    BAD("stages: [{duration: 10s, target: 2.5}]\nscenarios: [{flow: [{get: {url: /}}]}]\n", "plan.yml:3:",
        "whole number");
    expect_error("config:\n  target: ftp://x\n  phases: [{duration: 1, arrivalRate: 1}]\n"
                 "scenarios: [{flow: [{get: {url: /}}]}]\n",
                 "plan.yml:2:11", "http://");
    expect_error("", "plan.yml", "empty");
    expect_error("- a\n- b\n", "plan.yml:1:1", "mapping");
#undef BAD
}

/* Artillery's config.variables are one-column payloads read at random;
 * a capture's `as` name is a variable (empty) so later steps still parse. */
static void test_variables_and_capture(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    FILE *w = open_memstream(&out, &len);
    char err[512] = "";
    load_plan_t *p = parse("config:\n"
                           "  target: http://localhost:1\n"
                           "  phases: [{duration: 1, arrivalRate: 1}]\n"
                           "  variables:\n"
                           "    party: [\"1\", \"2\", \"4\"]\n"
                           "    lang: de\n"
                           "scenarios:\n"
                           "  - flow:\n"
                           "      - get: {url: '/a?p={{ party }}&l={{ lang }}', capture: [{json: $.id, as: id}]}\n"
                           "      - get: {url: '/b/{{ id }}'}\n",
                           err, sizeof err, w);
    fclose(w);
    if (!p)
        fail_msg("%s", err);
    assert_int_equal(p->npayloads, 2);
    assert_int_equal(p->payloads[0].rows, 3);
    assert_true(p->payloads[0].random);
    assert_string_equal(p->payloads[0].cells[2], "4");
    assert_string_equal(p->vars[p->payloads[0].field_var[0]], "party");
    assert_int_equal(p->payloads[1].rows, 1);
    assert_string_equal(p->payloads[1].cells[0], "de");
    assert_int_equal(p->nvars, 3);
    assert_string_equal(p->vars[2], "id");
    assert_int_equal(p->scenarios[0].steps[1].req.url.segs[1].var, 2);
    assert_non_null(strstr(out, "capture is not supported; '{{ id }}' stays empty"));
    plan_free(p);
    free(out);
    expect_error("config:\n  target: http://localhost:1\n  phases: [{duration: 1, arrivalRate: 1}]\n"
                 "  variables:\n    party: []\nscenarios: [{flow: [{get: {url: /}}]}]\n",
                 "plan.yml:5:12", "no values");
    expect_error("config:\n  target: http://localhost:1\n  phases: [{duration: 1, arrivalRate: 1}]\n"
                 "scenarios: [{flow: [{get: {url: /, capture: {json: $.id}}}]}]\n",
                 "plan.yml:4:", "'as' is required");
}

static void test_payload_short_row(void **state)
{
    (void)state;
    char p[128];
    snprintf(p, sizeof p, "%s/short.csv", dir);
    FILE *f = fopen(p, "w");
    fputs("a,b\nc\n", f);
    fclose(f);
    expect_error("config:\n  target: http://localhost:1\n  phases: [{duration: 1, arrivalRate: 1}]\n"
                 "  payload: {path: short.csv, fields: [x, y]}\nscenarios: [{flow: [{get: {url: /}}]}]\n",
                 "plan.yml:4:", "line 2 has 1 fields");
    unlink(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_artillery_plan),   cmocka_unit_test(test_k6_stages_and_thresholds),
        cmocka_unit_test(test_durations),        cmocka_unit_test(test_unknown_keys_warn),
        cmocka_unit_test(test_bad_plans),        cmocka_unit_test(test_payload_short_row),
        cmocka_unit_test(test_variables_and_capture),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
