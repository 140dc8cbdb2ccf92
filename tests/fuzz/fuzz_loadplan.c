/* libFuzzer target: the load-test plan reader (src/load/plan.c). Each input
 * is a YAML plan; a small payload CSV (p.csv, fields a and b) sits in a temp
 * directory so payload sections are read for real. A plan is either
 * accepted, and then consistent (every template variable, request name and
 * payload cell in range), or refused with a message naming the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load/plan.h"

#define CHECK(c) \
    do {         \
        if (!(c)) \
            abort(); \
    } while (0)

const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void) { return "halt_on_error=1:print_stacktrace=1"; }

static char dir[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    snprintf(dir, sizeof dir, "/tmp/isla_fuzz_plan_XXXXXX");
    if (!mkdtemp(dir))
        abort();
    char p[128];
    snprintf(p, sizeof p, "%s/p.csv", dir);
    FILE *f = fopen(p, "w");
    fputs("a,b\n1,\"x,y\"\n2,z\n", f);
    fclose(f);
    return 0;
}

static void check_tpl(const load_plan_t *p, const load_tpl *t)
{
    for (int i = 0; i < t->n; i++) {
        CHECK(t->segs[i].var < p->nvars);
        if (t->segs[i].var < 0)
            CHECK(t->segs[i].lit && strlen(t->segs[i].lit) == t->segs[i].len);
    }
}

static void check_steps(const load_plan_t *p, const load_step *s, int n, int depth)
{
    CHECK(depth < 16);
    for (int i = 0; i < n; i++) {
        if (s[i].kind == STEP_REQUEST) {
            CHECK(s[i].req.name_id >= 0 && s[i].req.name_id < p->nnames);
            check_tpl(p, &s[i].req.url);
            for (int q = 0; q < s[i].req.nqs; q++)
                check_tpl(p, &s[i].req.qs_values[q]);
            for (int h = 0; h < s[i].req.nheaders; h++)
                check_tpl(p, &s[i].req.headers[h].value);
            if (s[i].req.has_body)
                check_tpl(p, &s[i].req.body);
        } else if (s[i].kind == STEP_THINK) {
            CHECK(s[i].think >= 0);
        } else {
            CHECK(s[i].loop_count >= 1);
            check_steps(p, s[i].steps, s[i].nsteps, depth + 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[1024] = "";
    load_plan_t *p = plan_parse("fuzz.yml", dir, (const char *)data, size, NULL, err, sizeof err);
    if (!p) {
        CHECK(!strncmp(err, "fuzz.yml", 8));
        return 0;
    }
    CHECK(p->nphases > 0 && p->nscenarios > 0);
    for (int i = 0; i < p->nphases; i++) {
        CHECK(p->phases[i].duration >= 0 && p->phases[i].name);
        CHECK(p->phases[i].rate >= 0 && p->phases[i].rate_to >= 0);
    }
    for (int i = 0; i < p->npayloads; i++) {
        CHECK(p->payloads[i].rows > 0);
        for (int f = 0; f < p->payloads[i].nfields; f++)
            CHECK(p->payloads[i].field_var[f] >= 0 && p->payloads[i].field_var[f] < p->nvars);
        for (size_t c = 0; c < p->payloads[i].rows * (size_t)p->payloads[i].nfields; c++)
            CHECK(p->payloads[i].cells[c] != NULL);
    }
    for (int i = 0; i < p->nheaders; i++)
        check_tpl(p, &p->headers[i].value);
    for (int i = 0; i < p->nscenarios; i++) {
        CHECK(p->scenarios[i].weight >= 0);
        check_steps(p, p->scenarios[i].steps, p->scenarios[i].nsteps, 0);
    }
    for (int i = 0; i < p->nthresholds; i++)
        CHECK(p->thresholds[i].text);
    plan_free(p);
    return 0;
}
