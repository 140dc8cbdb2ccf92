/* The intent parser (src/nlq): grammar cases, a property test (sentences
 * built from random known parts parse back to those parts), the year taken
 * from the data, holidays only from the table, and bad input of every kind
 * (empty, too long, binary, other languages): an answer, never a crash. The
 * phrase table is run by tests/nlq/nlq_phrases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlq/nlq.h"
#include "util/days.h"

static const nlq_hotel HOTELS[] = {
    {1, "Iberostar Playa de Muro", 23},
    {14, "Hilton Mallorca Galatzo", 23},
    {324, "Iberostar Alcudia Park", 22},
    {826, "Iberostar Ciudad Blanca Alcudia Apartamentos", 44},
    {11, "Hotel Carabela", 14},
    {630, "Carabela II Appertments", 23},
};

static nlq_t *compile_range(const char *first, const char *last)
{
    nlq_source src = {.hotels = HOTELS, .n_hotels = sizeof HOTELS / sizeof *HOTELS};
    assert_true(days_parse_date(first, strlen(first), &src.first_day));
    assert_true(days_parse_date(last, strlen(last), &src.last_day));
    nlq_t *p = nlq_compile(&src);
    assert_non_null(p);
    return p;
}

static nlq_t *P; /* 2023 data */

static int setup(void **state)
{
    (void)state;
    P = compile_range("2023-01-06", "2023-12-31");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nlq_free(P);
    return 0;
}

/* The nlq_format line of a parse of s. */
static const char *said(const nlq_t *p, const char *s)
{
    static char out[4096];
    nlq_result r;
    assert_int_equal(nlq_parse(p, s, strlen(s), &r), 0);
    nlq_format(&r, s, out, sizeof out);
    return out;
}

static void test_issue_examples(void **state)
{
    (void)state;
    assert_string_equal(said(P, "zwei Erwachsene und ein Kind, eine Woche im Juli ab München, all inclusive, Meerblick"),
                        "adults=2 children=1 nights=7 earliest=2023-07-01 latest=2023-07-31 airports=MUC "
                        "meals=ALLINCLUSIVE,ALLINCLUSIVEPLUS oceanView=true");
    assert_string_equal(said(P, "8 Tage"), "nights=7");
    assert_string_equal(said(P, "Familie mit 2 Kindern"), "adults=2 children=2");
    assert_string_equal(said(P, "vom 3. bis 17. Juli"), "nights=14 earliest=2023-07-03 latest=2023-07-17");
    assert_string_equal(said(P, "15.07.–29.07."), "nights=14 earliest=2023-07-15 latest=2023-07-29");
    assert_string_equal(said(P, "July 3–17"), "nights=14 earliest=2023-07-03 latest=2023-07-17");
    assert_string_equal(said(P, "Düsseldorf oder Köln"), "airports=CGN,DUS");
    assert_string_equal(said(P, "ab NRW"), "airports=FMO,CGN,PAD,DUS,DTM,NRN");
    assert_string_equal(said(P, "max 800 pro Person, 2 Erwachsene 2 Kinder"), "adults=2 children=2 maxPrice=3200");
    assert_string_equal(said(P, "ohne Verpflegung"), "meals=NONE");
    assert_string_equal(said(P, "kein Meerblick"), "oceanView=false");
    assert_string_equal(said(P, "hotel with pool"), "unrecognized=pool");
    assert_string_equal(said(P, "Iberostar Alcudia"), "hotels=324");
    assert_string_equal(said(P, "Iberostr Alcudia Park"), "hotels=324");
    assert_string_equal(said(P, "mindestens 4*"), "minStars=4");
    assert_string_equal(said(P, "Sommerferien NRW"), "earliest=2023-06-22 latest=2023-08-04");
}

static void test_umlauts_and_case(void **state)
{
    (void)state;
    const char *forms[] = {"ab München", "ab Muenchen", "ab Munchen", "AB MÜNCHEN", "from munich", "ab MUC"};
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++)
        assert_string_equal(said(P, forms[i]), "airports=MUC");
    /* "ein" is an article; "EIN" in capitals is Eindhoven */
    assert_string_equal(said(P, "ein Kind"), "children=1");
    assert_string_equal(said(P, "ab EIN"), "airports=EIN");
}

/* Holidays: only what the table has, for the data's year; else unrecognized. */
static void test_holidays_from_the_table_only(void **state)
{
    (void)state;
    assert_string_equal(said(P, "Ostern"), "earliest=2023-04-01 latest=2023-04-16");
    assert_string_equal(said(P, "Herbstferien"), "unrecognized=Herbstferien");
    assert_string_equal(said(P, "Sommerferien"), "unrecognized=Sommerferien");
    nlq_t *far = compile_range("2031-01-01", "2031-12-31");
    assert_string_equal(said(far, "Ostern"), "unrecognized=Ostern");
    assert_string_equal(said(far, "Sommerferien NRW"), "unrecognized=Sommerferien|NRW");
    nlq_free(far);
}

/* The year of "im Juli" is the one the data covers. */
static void test_year_from_the_data(void **state)
{
    (void)state;
    nlq_t *p = compile_range("2024-03-01", "2025-02-28");
    assert_string_equal(said(p, "im Juli"), "earliest=2024-07-01 latest=2024-07-31");
    assert_string_equal(said(p, "im Januar"), "earliest=2025-01-01 latest=2025-01-31");
    assert_string_equal(said(p, "Ostern"), "earliest=2024-03-23 latest=2024-04-07");
    assert_string_equal(said(p, "Dezember bis Januar"), "earliest=2024-12-01 latest=2025-01-31");
    nlq_free(p);
}

/* ---- property: random known parts parse back to themselves ---------------- */

typedef struct {
    const char *text;
    const char *field; /* the nlq_format words it must produce */
} part;

static const part PARTY[] = {
    {"2 Erwachsene", "adults=2"}, {"zu zweit", "adults=2"},     {"three adults", "adults=3"},
    {"allein", "adults=1"},       {"4 Erwachsene", "adults=4"},   {"a couple", "adults=2"},
    {"zwei Erwachsene", "adults=2"}};
static const part KIDS[] = {{"1 Kind", "children=1"}, {"2 Kindern", "children=2"}, {"3 kids", "children=3"},
                            {"one child", "children=1"}};
static const part LENGTH[] = {{"eine Woche", "nights=7"}, {"10 Nächte", "nights=10"}, {"8 Tage", "nights=7"},
                              {"two weeks", "nights=14"}, {"5 nights", "nights=5"},   {"langes Wochenende", "nights=3"}};
static const part WHEN[] = {
    {"im Juli", "earliest=2023-07-01 latest=2023-07-31"},     {"in August", "earliest=2023-08-01 latest=2023-08-31"},
    {"Anfang September", "earliest=2023-09-01 latest=2023-09-10"},
    {"Juni/Juli", "earliest=2023-06-01 latest=2023-07-31"},   {"Pfingsten", "earliest=2023-05-27 latest=2023-06-04"},
    {"late October", "earliest=2023-10-21 latest=2023-10-31"}};
static const part FROM[] = {{"ab Hamburg", "airports=HAM"}, {"from Frankfurt", "airports=FRA"},
                            {"ab Köln", "airports=CGN"},    {"ab Wien", "airports=VIE"},
                            {"from Zurich", "airports=ZRH"}, {"ab STR", "airports=STR"}};
static const part MEAL[] = {{"Halbpension", "meals=HALFBOARD,HALFBOARDPLUS"}, {"Frühstück", "meals=BREAKFAST"},
                            {"all inclusive", "meals=ALLINCLUSIVE,ALLINCLUSIVEPLUS"}, {"room only", "meals=NONE"},
                            {"Vollpension", "meals=FULLBOARD,FULLBOARDPLUS"}};
static const part ROOM[] = {{"Suite", "rooms=SUITE"}, {"Familienzimmer", "rooms=FAMILY"},
                            {"double room", "rooms=DOUBLE"}, {"Bungalow", "rooms=BUNGALOW"}};
static const part VIEW[] = {{"Meerblick", "oceanView=true"}, {"sea view", "oceanView=true"},
                            {"kein Meerblick", "oceanView=false"}};
static const part STARS[] = {{"4 Sterne", "minStars=4"}, {"mindestens 3*", "minStars=3"}, {"5 stars", "minStars=5"}};
static const part PRICE[] = {{"unter 1500 €", "maxPrice=1500"}, {"bis 2000 Euro", "maxPrice=2000"},
                             {"max 900 Euro", "maxPrice=900"}};
static const part DEST[] = {{"nach Mallorca", "destination=PMI"}, {"Ibiza", "destination=IBZ"}};

#define PARTS(a) {a, sizeof a / sizeof *a}
static const struct {
    const part *p;
    size_t n;
} GROUPS[] = {PARTS(PARTY), PARTS(KIDS), PARTS(LENGTH), PARTS(WHEN), PARTS(FROM), PARTS(MEAL),
              PARTS(ROOM),  PARTS(VIEW), PARTS(STARS),  PARTS(PRICE), PARTS(DEST)};
#define N_GROUPS (sizeof GROUPS / sizeof *GROUPS)

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static void test_random_sentences_parse_back(void **state)
{
    (void)state;
    static const char *const SEP[] = {", ", " ", "; ", " und ", " and ", ", mit "};
    for (int iter = 0; iter < 3000; iter++) {
        const part *chosen[N_GROUPS] = {0};
        size_t order[N_GROUPS], n = 0;
        for (size_t g = 0; g < N_GROUPS; g++)
            if (next() % 2)
                chosen[g] = &GROUPS[g].p[next() % GROUPS[g].n], order[n++] = g;
        for (size_t i = n; i > 1; i--) { /* any word order */
            size_t j = next() % i, t = order[i - 1];
            order[i - 1] = order[j], order[j] = t;
        }
        char text[1000] = "";
        for (size_t i = 0; i < n; i++) {
            if (i)
                strcat(text, SEP[next() % (sizeof SEP / sizeof *SEP)]);
            strcat(text, chosen[order[i]]->text);
        }
        /* expected: the fields in nlq_format's order (the group order) */
        char want[1000] = "";
        for (size_t g = 0; g < N_GROUPS; g++)
            if (chosen[g]) {
                if (want[0])
                    strcat(want, " ");
                strcat(want, chosen[g]->field);
            }
        /* the fixed field order of nlq_format: party, kids, nights, dates, airports, meals,
         * rooms, view, stars, price, destination - the group order above */
        const char *got = said(P, text);
        if (strcmp(got, want[0] ? want : "")) {
            /* per-person prices are not drawn, so nothing depends on the order */
            fail_msg("\"%s\"\n  want: %s\n  got:  %s", text, want, got);
        }
    }
}

/* ---- bad input ---------------------------------------------------------------- */

static void check_spans(const nlq_result *r, size_t n)
{
    for (unsigned i = 0; i < r->n_unrecognized; i++) {
        assert_true(r->unrecognized[i].len > 0);
        assert_true((size_t)r->unrecognized[i].off + r->unrecognized[i].len <= n);
    }
}

static void test_empty_and_blank(void **state)
{
    (void)state;
    nlq_result r;
    assert_int_equal(nlq_parse(P, "", 0, &r), 0);
    assert_int_equal(r.have, 0);
    assert_int_equal(r.n_unrecognized, 0);
    assert_int_equal(nlq_parse(P, " \t\r\n,.;!?", 10, &r), 0);
    assert_int_equal(r.have, 0);
    assert_int_equal(r.n_unrecognized, 0);
}

static void test_too_long_is_refused(void **state)
{
    (void)state;
    size_t n = 10 * 1024;
    char *big = malloc(n);
    memset(big, 'a', n);
    nlq_result r;
    assert_int_equal(nlq_parse(P, big, n, &r), -1);
    assert_int_equal(r.have, 0);
    /* the longest accepted text: many words, more than the report holds */
    for (size_t i = 0; i < NLQ_MAX_TEXT; i += 2)
        big[i] = 'q', big[i + 1] = ' ';
    assert_int_equal(nlq_parse(P, big, NLQ_MAX_TEXT, &r), 0);
    assert_int_equal(r.n_unrecognized, NLQ_MAX_UNRECOGNIZED);
    assert_true(r.more_unrecognized);
    check_spans(&r, NLQ_MAX_TEXT);
    /* one endless word, one endless number */
    memset(big, 'z', NLQ_MAX_TEXT);
    assert_int_equal(nlq_parse(P, big, NLQ_MAX_TEXT, &r), 0);
    check_spans(&r, NLQ_MAX_TEXT);
    memset(big, '9', NLQ_MAX_TEXT);
    assert_int_equal(nlq_parse(P, big, NLQ_MAX_TEXT, &r), 0);
    assert_int_equal(r.have, 0);
    check_spans(&r, NLQ_MAX_TEXT);
    free(big);
}

static void test_binary_never_crashes(void **state)
{
    (void)state;
    unsigned char buf[NLQ_MAX_TEXT];
    nlq_result r;
    for (int iter = 0; iter < 2000; iter++) {
        size_t n = next() % sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)next();
        if (iter % 3 == 0) /* UTF-8-ish junk: lead bytes, umlaut halves, dashes, euro signs */
            for (size_t i = 0; i < n; i++)
                buf[i] = (unsigned char)"\xC3\xA4\xE2\x80\x93\x82\xAC.-/*+0123456789 \xC2\xA0"[next() % 24];
        assert_int_equal(nlq_parse(P, (const char *)buf, n, &r), 0);
        check_spans(&r, n);
        char out[8192];
        nlq_format(&r, (const char *)buf, out, sizeof out);
    }
    /* NULs are separators */
    assert_int_equal(nlq_parse(P, "ab\0MUC", 6, &r), 0);
    assert_int_equal(r.have, NLQ_AIRPORTS);
}

/* Numbers too long for any field: no overflow on the way (UBSan found
 * 18-digit numbers with a decimal or a thousands group overflowing), and
 * nothing read from them. */
static void test_huge_numbers(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "999999999999999999,5 Euro", "999999999999999999.5", "999999999999999999.999",
        "unter 999999999999999999,- Euro", "4,5 Sterne 999999999999999999,99", "123456789012345.678",
    };
    nlq_result r;
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        assert_int_equal(nlq_parse(P, texts[i], strlen(texts[i]), &r), 0);
        check_spans(&r, strlen(texts[i]));
    }
}

/* Other languages: nothing understood, every word reported. */
static void test_other_languages(void **state)
{
    (void)state;
    assert_string_equal(said(P, "quiero ir de vacaciones"), "unrecognized=quiero|ir|de|vacaciones");
    assert_string_equal(said(P, "je voudrais partir en vacances"), "unrecognized=je|voudrais|partir|en|vacances");
    assert_string_equal(said(P, "Мы хотим в отпуск"), "unrecognized=Мы|хотим|в|отпуск");
    assert_string_equal(said(P, "我们想去度假"), "unrecognized=我们想去度假");
}

/* Dates that do not exist are not dates. */
static void test_impossible_dates(void **state)
{
    (void)state;
    assert_string_equal(said(P, "31. Juni"), "earliest=2023-06-01 latest=2023-06-30 unrecognized=31.");
    assert_string_equal(said(P, "30.02."), "unrecognized=30.02.");
    assert_string_equal(said(P, "vom 17. bis 3. Juli"), "latest=2023-07-03 unrecognized=17.");
}

static void test_defaults(void **state)
{
    (void)state;
    nlq_result r;
    const char *s = "im Juli";
    nlq_parse(P, s, strlen(s), &r);
    uint32_t filled = nlq_defaults(P, &r);
    assert_int_equal(filled, NLQ_ADULTS | NLQ_CHILDREN);
    assert_int_equal(r.adults, 2);
    s = "eine Woche";
    nlq_parse(P, s, strlen(s), &r);
    filled = nlq_defaults(P, &r);
    assert_int_equal(filled, NLQ_ADULTS | NLQ_CHILDREN | NLQ_EARLIEST | NLQ_LATEST);
    char d[16];
    d[format_date(r.earliest, d)] = 0;
    assert_string_equal(d, "2023-01-06");
    d[format_date(r.latest, d)] = 0;
    assert_string_equal(d, "2024-01-07"); /* last departure + the 7 nights */
    /* "bis 3. Januar": the default window opens no later than it closes */
    s = "bis 3. Januar";
    nlq_parse(P, s, strlen(s), &r);
    nlq_defaults(P, &r);
    assert_true(r.earliest <= r.latest);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_examples),
        cmocka_unit_test(test_umlauts_and_case),
        cmocka_unit_test(test_holidays_from_the_table_only),
        cmocka_unit_test(test_year_from_the_data),
        cmocka_unit_test(test_random_sentences_parse_back),
        cmocka_unit_test(test_empty_and_blank),
        cmocka_unit_test(test_too_long_is_refused),
        cmocka_unit_test(test_binary_never_crashes),
        cmocka_unit_test(test_huge_numbers),
        cmocka_unit_test(test_other_languages),
        cmocka_unit_test(test_impossible_dates),
        cmocka_unit_test(test_defaults),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
