/* The phrase table runner: parses every phrase of a TSV file (phrase, TAB,
 * the expected interpretation in nlq_format's words) with the real hotel
 * list and the data range of the generated 2023 dump, and compares.
 *
 *   build/tests/nlq_phrases [--hotels FILE] [--first DATE] [--last DATE]
 *                           [--print] [--time] tests/nlq/phrases.tsv
 *
 * --time also prints the mean parse time over the table.
 * --print writes each phrase with what the parser makes of it (to write
 * or review rows). Ends with "N passed, M failed"; exit status 1 on any
 * failure. An expectation of "-" means "nothing understood, nothing left". */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hotels/hotels.h"
#include "nlq/nlq.h"
#include "util/days.h"

int main(int argc, char **argv)
{
    const char *hotels_path = "../shared/data/hotels.csv", *file = NULL;
    const char *first = "2023-01-06", *last = "2023-12-31";
    int print = 0, timing = 0;
    double parse_ns = 0;
    unsigned parses = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--hotels") && i + 1 < argc)
            hotels_path = argv[++i];
        else if (!strcmp(argv[i], "--first") && i + 1 < argc)
            first = argv[++i];
        else if (!strcmp(argv[i], "--last") && i + 1 < argc)
            last = argv[++i];
        else if (!strcmp(argv[i], "--print"))
            print = 1;
        else if (!strcmp(argv[i], "--time"))
            timing = 1;
        else
            file = argv[i];
    }
    if (!file) {
        fprintf(stderr, "usage: nlq_phrases [--hotels FILE] [--first DATE] [--last DATE] [--print] PHRASES.tsv\n");
        return 2;
    }
    hotel_list hl = {0};
    char err[256];
    if (hotels_load(hotels_path, stderr, false, &hl, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", hotels_path, err);
        return 2;
    }
    nlq_hotel *hs = calloc(hl.len + 1, sizeof *hs);
    for (size_t i = 0; i < hl.len; i++)
        hs[i] = (nlq_hotel){hl.items[i].id, hl.items[i].name, hl.items[i].name_len};
    nlq_source src = {.hotels = hs, .n_hotels = hl.len};
    if (!days_parse_date(first, strlen(first), &src.first_day) || !days_parse_date(last, strlen(last), &src.last_day)) {
        fprintf(stderr, "--first/--last must be YYYY-MM-DD\n");
        return 2;
    }
    nlq_t *p = nlq_compile(&src);
    FILE *f = fopen(file, "r");
    if (!p || !f) {
        perror(file);
        return 2;
    }
    char line[4096], got[4096];
    unsigned lineno = 0, passed = 0, failed = 0, total = 0, exact_n = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strcspn(line, "\r\n");
        line[n] = 0;
        if (!n || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        char *want = tab ? tab + 1 : "";
        size_t plen = tab ? (size_t)(tab - line) : n;
        char *tab2 = strchr(want, '\t');
        bool known = tab2 != NULL; /* "known: why": a misreading on record */
        if (tab2)
            *tab2 = 0;
        nlq_result r;
        if (timing) { /* 200 parses of each phrase, for the mean */
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            for (int k = 0; k < 200; k++)
                nlq_parse(p, line, plen, &r);
            clock_gettime(CLOCK_MONOTONIC, &b);
            parse_ns += (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
            parses += 200;
        }
        if (nlq_parse(p, line, plen, &r) < 0) {
            snprintf(got, sizeof got, "(too long)");
        } else {
            nlq_format(&r, line, got, sizeof got);
            if (!got[0])
                strcpy(got, "-");
        }
        if (print) {
            printf("%.*s\t%s\n", (int)plen, line, got);
            continue;
        }
        bool exact = !strcmp(got, want);
        total++;
        exact_n += exact;
        if (exact != known) {
            passed++;
        } else if (known) {
            failed++;
            printf("FAIL %s:%u: %.*s\n  now parsed as expected: drop the \"known\" mark\n", file, lineno,
                   (int)plen, line);
        } else {
            failed++;
            printf("FAIL %s:%u: %.*s\n  want: %s\n  got:  %s\n", file, lineno, (int)plen, line, want, got);
        }
    }
    fclose(f);
    if (!print) {
        if (timing && parses)
            printf("parse time: %.2f us per phrase (mean of %u parses)\n", parse_ns / parses / 1000, parses);
        printf("%u of %u phrases parsed exactly (%.1f%%)\n", exact_n, total, total ? 100.0 * exact_n / total : 0.0);
        printf("%u passed, %u failed\n", passed, failed);
    }
    nlq_free(p);
    free(hs);
    hotels_free(&hl);
    return failed ? 1 : 0;
}
