/* test_resolve.c — people's grades to an item's score (engine/grading/resolve.c): the mean of
 * the first raters when they agree within the tolerance, an adjudicator's grade when they do not,
 * the first grade under "first", and automatic judges told apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "resolve.h"
#include "table.h"

#include <math.h>

static void two_raters_within_the_tolerance_resolve_to_their_mean(void **state)
{
    (void)state;
    const double g[] = {3, 4};
    double score;
    assert_int_equal(as_grade_resolve(g, 1, 2, AS_RESOLVE_MEAN, 1, &score), AS_GRADE_AWAITING);
    assert_true(isnan(score));
    assert_int_equal(as_grade_resolve(g, 2, 2, AS_RESOLVE_MEAN, 1, &score), AS_GRADE_RESOLVED);
    assert_true(score == 3.5);
    /* three raters: every two within the tolerance */
    const double h[] = {2, 3, 3};
    assert_int_equal(as_grade_resolve(h, 3, 3, AS_RESOLVE_MEAN, 1, &score), AS_GRADE_RESOLVED);
    assert_true(score == 8.0 / 3);
}

static void raters_apart_are_disputed_until_an_adjudicator_grades(void **state)
{
    (void)state;
    const double g[] = {1, 4, 3, 0};
    double score;
    assert_int_equal(as_grade_resolve(g, 2, 2, AS_RESOLVE_MEAN, 1, &score), AS_GRADE_DISPUTED);
    assert_true(isnan(score));
    assert_int_equal(as_grade_resolve(g, 3, 2, AS_RESOLVE_MEAN, 1, &score), AS_GRADE_RESOLVED);
    assert_true(score == 3); /* the adjudicator's, the third grade; a fourth changes nothing */
    assert_int_equal(as_grade_resolve(g, 4, 2, AS_RESOLVE_MEAN, 1, &score), AS_GRADE_RESOLVED);
    assert_true(score == 3);
    /* one pair apart among three is a dispute */
    const double h[] = {2, 3, 4};
    assert_int_equal(as_grade_resolve(h, 3, 3, AS_RESOLVE_MEAN, 1, &score), AS_GRADE_DISPUTED);
}

static void a_tolerance_in_tenths_holds_grades_a_tolerance_apart(void **state)
{
    (void)state;
    /* 0.4 and 0.1 are 0.3 apart in decimals, 0.30000000000000004 in binary: within 0.3 all the
     * same; 0.5 and 0.1 are not */
    const double g[] = {0.4, 0.1}, h[] = {0.1, 0.5};
    double score;
    assert_int_equal(as_grade_resolve(g, 2, 2, AS_RESOLVE_MEAN, 0.3, &score), AS_GRADE_RESOLVED);
    assert_true(score == (0.4 + 0.1) / 2);
    assert_int_equal(as_grade_resolve(h, 2, 2, AS_RESOLVE_MEAN, 0.3, &score), AS_GRADE_DISPUTED);
    /* tolerance 0: only equal grades agree */
    const double same[] = {2, 2};
    assert_int_equal(as_grade_resolve(same, 2, 2, AS_RESOLVE_MEAN, 0, &score), AS_GRADE_RESOLVED);
    assert_true(score == 2);
}

static void first_takes_the_first_grade_whatever_follows(void **state)
{
    (void)state;
    const double g[] = {2.5, 0};
    double score;
    assert_int_equal(as_grade_resolve(g, 0, 2, AS_RESOLVE_FIRST, 0, &score), AS_GRADE_AWAITING);
    assert_int_equal(as_grade_resolve(g, 2, 2, AS_RESOLVE_FIRST, 0, &score), AS_GRADE_RESOLVED);
    assert_true(score == 2.5);
}

static void judges_are_raters_named_auto(void **state)
{
    (void)state;
    assert_true(as_grade_is_judge("auto:gpt-judge", 14));
    assert_true(as_grade_is_judge("auto:", 5));
    assert_false(as_grade_is_judge("auto", 4));
    assert_false(as_grade_is_judge("autonomous", 10));
    assert_false(as_grade_is_judge("ana", 3));
    assert_string_equal(as_grade_state_name(AS_GRADE_DISPUTED), "disputed");
    assert_string_equal(as_grade_state_name(AS_GRADE_AWAITING), "awaiting");
    assert_string_equal(as_grade_state_name(AS_GRADE_RESOLVED), "resolved");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_raters_within_the_tolerance_resolve_to_their_mean),
        cmocka_unit_test(raters_apart_are_disputed_until_an_adjudicator_grades),
        cmocka_unit_test(a_tolerance_in_tenths_holds_grades_a_tolerance_apart),
        cmocka_unit_test(first_takes_the_first_grade_whatever_follows),
        cmocka_unit_test(judges_are_raters_named_auto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
