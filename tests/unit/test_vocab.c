/* Unit tests of vocab/vocab: the meal and room lists, the IATA shape, the
 * list text for messages, and that the generator only writes values of the
 * vocabulary (so a generated dump imports without vocabulary rejects). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "gen/gen_world.h"
#include "vocab/vocab.h"

static void test_lists(void **state)
{
    (void)state;
    assert_int_equal(vocab_meal("BREAKFAST", 9), 1);
    assert_int_equal(vocab_meal("PROGRAM", 7), VOCAB_MEAL_COUNT - 1);
    assert_int_equal(vocab_meal("WEIRD", 5), -1);
    assert_int_equal(vocab_meal("breakfast", 9), -1); /* callers upper-case first */
    assert_int_equal(vocab_meal("BREAKFASTX", 9), 1); /* length-bounded */
    assert_int_equal(vocab_meal("BREAKFA", 7), -1);
    assert_int_equal(vocab_meal("", 0), -1);
    assert_int_equal(vocab_room("DUPLEX", 6), VOCAB_ROOM_COUNT - 1);
    assert_int_equal(vocab_room("ACCORDINGDESCRIPTION", 20), 9);
    assert_int_equal(vocab_room("PENTHOUSE", 9), -1);
    for (int i = 0; i < VOCAB_MEAL_COUNT; i++)
        assert_int_equal(vocab_meal(vocab_meal_types[i], strlen(vocab_meal_types[i])), i);
    for (int i = 0; i < VOCAB_ROOM_COUNT; i++)
        assert_int_equal(vocab_room(vocab_room_types[i], strlen(vocab_room_types[i])), i);
}

static void test_airport_shape(void **state)
{
    (void)state;
    assert_true(vocab_airport("PMI", 3));
    assert_true(vocab_airport("ZZZ", 3));
    assert_false(vocab_airport("ZZZZ", 4));
    assert_false(vocab_airport("MU", 2));
    assert_false(vocab_airport("pmi", 3)); /* callers upper-case first */
    assert_false(vocab_airport("M1C", 3));
    assert_false(vocab_airport("P_I", 3));
    assert_false(vocab_airport("", 0));
}

static void test_list_text(void **state)
{
    (void)state;
    char t[400];
    vocab_list_text(vocab_meal_types, VOCAB_MEAL_COUNT, t, sizeof t);
    assert_string_equal(t, "NONE, BREAKFAST, HALFBOARD, HALFBOARDPLUS, FULLBOARD, FULLBOARDPLUS, ALLINCLUSIVE, "
                           "ALLINCLUSIVEPLUS, ACCORDINGDESCRIPTION, PROGRAM");
    char small[12];
    vocab_list_text(vocab_room_types, VOCAB_ROOM_COUNT, small, sizeof small);
    assert_string_equal(small, "APARTMENT, "); /* truncated, terminated */
}

static void test_generator_within_vocabulary(void **state)
{
    (void)state;
    for (int i = 0; i < GEN_N_MEALS; i++)
        if (vocab_meal(gen_meal_names[i], strlen(gen_meal_names[i])) < 0)
            fail_msg("gen writes meal type %s, which the importer rejects", gen_meal_names[i]);
    for (int i = 0; i < GEN_N_AIRPORTS; i++)
        if (!vocab_airport(gen_airport_codes[i], strlen(gen_airport_codes[i])))
            fail_msg("gen writes airport %s, which the importer rejects", gen_airport_codes[i]);
    for (int i = 0; i < GEN_N_ROOMS; i++)
        if (vocab_room(gen_room_names[i], strlen(gen_room_names[i])) < 0)
            fail_msg("gen writes room type %s, which the importer rejects", gen_room_names[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_airport_shape),
        cmocka_unit_test(test_list_text),
        cmocka_unit_test(test_generator_within_vocabulary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
