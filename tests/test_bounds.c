/* test_bounds.c — an item's max score computed from its program when nothing declares it (bounds
 * analysis, compile_bounds.c): one test per construct, the max asserted exactly; a program it
 * cannot bound has a null max and still scores. (That every template's program gives the
 * template's max is checked by every template test, through table_fixture.c's mirror.) */
#include "table_fixture.h"

#include <math.h>
#include <stdio.h>

/* Writing programs: constants, R's map, setting SCORE. */
#define F(x)     "{'baseValue':{'baseType':'float','value':" #x "}}"
#define MAP      "{'mapResponse':'R'}"
#define SET(e)   "{'setOutcomeValue':{'identifier':'SCORE','expression':" e "}}"
#define IS_A     "{'match':[{'variable':'R'},{'baseValue':{'baseType':'identifier','value':'A'}}]}"
#define IS_B     "{'match':[{'variable':'R'},{'baseValue':{'baseType':'identifier','value':'B'}}]}"
#define IF(c, t) "{'responseCondition':{'if':{'condition':" c ",'then':[" t "]}}}"
#define EXIT     "{'exitResponse':null}"
/* R: one identifier, mapped A 2, B 1, C -1 (default 0) */
#define R_SINGLE                                                                                   \
    "{'id':'R','cardinality':'single','base_type':'identifier','mapping':{'entries':["             \
    "{'key':'A','value':2},{'key':'B','value':1},{'key':'C','value':-1}]}}"

/* Compiles one item over response declaration `resp` whose program is `rules`, SCORE a float
 * (`score` its declaration's extra fields); returns the item's max (NAN: null). */
static double s_max(const char *resp, const char *score, const char *rules)
{
    char items[8192];
    snprintf(items, sizeof items,
             "{'id':'q','responses':[%s],'outcomes':[{'id':'SCORE','base_type':'float'%s}],"
             "'response_processing':[%s]}",
             resp, score, rules);
    tf_compile_ok(items);
    as_titem_t it;
    as_table_item(&tf_t, 0, &it);
    return it.max_score;
}

static void a_constant_is_its_own_max(void **state)
{
    assert_true(s_max(R_SINGLE, "", SET(F(3))) == 3);
}

static void a_sum_adds_the_maxima_of_its_terms(void **state)
{
    assert_true(s_max(R_SINGLE, "", SET("{'sum':[" MAP "," F(1.5) "]}")) == 3.5);
}

static void a_product_takes_the_widest_product_of_bounds(void **state)
{
    assert_true(s_max(R_SINGLE, "", SET("{'product':[" MAP "," F(2) "]}")) == 4);
    /* -1 times [-1, 2]: at most 1 */
    assert_true(s_max(R_SINGLE, "", SET("{'product':[" MAP "," F(-1) "]}")) == 1);
}

static void a_difference_subtracts_the_least_of_the_second(void **state)
{
    assert_true(s_max(R_SINGLE, "", SET("{'subtract':[" F(3) "," MAP "]}")) == 4);
}

static void map_response_is_bounded_by_its_entries_and_upper_bound(void **state)
{
    assert_true(s_max(R_SINGLE, "", SET(MAP)) == 2);
    /* a container: each positive entry once */
    assert_true(
        s_max("{'id':'R','cardinality':'multiple','base_type':'identifier','mapping':{'entries':["
              "{'key':'A','value':2},{'key':'B','value':1.5},{'key':'C','value':-1}]}}",
              "", SET(MAP)) == 3.5);
    /* the upper bound clamps it */
    assert_true(
        s_max("{'id':'R','cardinality':'multiple','base_type':'identifier','mapping':{'entries':["
              "{'key':'A','value':2},{'key':'B','value':1.5}],'upper':3}}",
              "", SET(MAP)) == 3);
    /* a positive default with max_choices: the best 3 of A, B and unmapped values (0.5) */
    assert_true(
        s_max("{'id':'R','cardinality':'multiple','base_type':'identifier','max_choices':3,"
              "'mapping':{'entries':[{'key':'A','value':2},{'key':'B','value':1}],'default':0.5}}",
              "", SET(MAP)) == 3.5);
}

static void map_response_point_is_bounded_by_its_areas(void **state)
{
    assert_true(
        s_max(
            "{'id':'R','cardinality':'multiple','base_type':'point','area_mapping':{'entries':["
            "{'shape':'circle','coords':[0,0,5],'value':2},{'shape':'rect','coords':[10,10,20,20],"
            "'value':3}]}}",
            "",
            "{'setOutcomeValue':{'identifier':'SCORE','expression':{'mapResponsePoint':"
            "'R'}}}") == 5);
}

static void a_condition_is_the_widest_of_its_branches(void **state)
{
    const char *cond = "{'responseCondition':{'if':{'condition':" IS_A
                       ",'then':[" SET(F(5)) "]},'else_if':[{'condition':" IS_B
                                             ",'then':[" SET(F(2)) "]}],'else':[" SET(F(1)) "]}}";
    assert_true(s_max(R_SINGLE, "", cond) == 5);
    /* a branch that adds to what came before: 2 + 3 */
    assert_true(s_max(R_SINGLE, "",
                      SET(F(2)) "," IF(IS_A, SET("{'sum':[{'variable':'SCORE'}," F(3) "]}"))) == 5);
}

static void exit_response_ends_its_path_there(void **state)
{
    /* 7 on the path that exits, 1 on the other: 7; what follows an exit is not reached */
    assert_true(s_max(R_SINGLE, "", IF(IS_A, SET(F(7)) "," EXIT) "," SET(F(1))) == 7);
    assert_true(s_max(R_SINGLE, "", SET(F(2)) "," EXIT "," SET(F(9))) == 2);
}

static void an_outcome_default_counts_on_paths_that_leave_it(void **state)
{
    assert_true(s_max(R_SINGLE, ",'default':4", IF(IS_A, SET(F(1)))) == 4);
    assert_true(s_max(R_SINGLE, ",'default':4", "") == 4);
}

static void rounding_min_and_max_keep_their_bounds(void **state)
{
    assert_true(s_max(R_SINGLE, "", SET("{'round':[{'sum':[" MAP "," F(0.6) "]}]}")) == 3);
    assert_true(s_max(R_SINGLE, "", SET("{'truncate':[{'sum':[" MAP "," F(0.6) "]}]}")) == 2);
    assert_true(s_max(R_SINGLE, "", SET("{'min':[" MAP "," F(1.5) "]}")) == 1.5);
    assert_true(s_max(R_SINGLE, "", SET("{'max':[" MAP "," F(-4) "]}")) == 2);
}

static void a_lookup_table_is_bounded_by_its_targets(void **state)
{
    char items[2048];
    snprintf(items, sizeof items,
             "{'id':'q','responses':[%s],'outcomes':[{'id':'SCORE','base_type':'float',"
             "'interpolation_table':{'entries':[{'source_value':2,'target_value':10},"
             "{'source_value':1,'target_value':4}],'default_value':0}}],'response_processing':["
             "{'lookupOutcomeValue':{'identifier':'SCORE','expression':" MAP "}}]}",
             R_SINGLE);
    tf_compile_ok(items);
    assert_true(tf_t.hdr.max_score == 10);
    assert_true(tf_score("{'q':'A'}") == 10);
}

static void an_unbounded_program_has_a_null_max_and_still_scores(void **state)
{
    const char *num = "{'id':'R','cardinality':'single','base_type':'float'}";
    assert_true(isnan(s_max(num, "", SET("{'variable':'R'}"))));
    assert_true(tf_score("{'q':12.5}") == 12.5);
    /* a divisor that may be 0 */
    assert_true(isnan(s_max(R_SINGLE, "", SET("{'divide':[" F(1) "," MAP "]}"))));
    /* a divisor that may not: 1 / [2, 4] */
    assert_true(s_max(R_SINGLE, "", SET("{'divide':[" F(1) ",{'sum':[" MAP "," F(3) "]}]}")) ==
                0.5);
    /* an operator not modelled (power) */
    assert_true(isnan(s_max(R_SINGLE, "", SET("{'power':[" MAP "," F(2) "]}"))));
}

static void a_weight_scales_the_computed_max(void **state)
{
    tf_compile_ok("{'id':'q','weight':3,'responses':[" R_SINGLE "],'outcomes':[{'id':'SCORE',"
                  "'base_type':'float'}],'response_processing':[" SET(MAP) "]}");
    assert_true(tf_t.hdr.max_score == 6);
}

static void a_declared_max_wins_and_a_higher_bound_is_flagged(void **state)
{
    assert_true(s_max(R_SINGLE, ",'normal_maximum':1", SET(MAP)) == 1);
    as_titem_t it;
    as_table_item(&tf_t, 0, &it);
    assert_true(it.flags & AS_TF_OVER_MAX);
    assert_true(tf_score("{'q':'A'}") == 2);
    assert_true(as_table_over_max(&tf_t, 2));
    assert_int_equal(as_table_outcome_pairs(&tf_t, 2), 4); /* score, max, ratio, over_max */
    assert_true(s_max(R_SINGLE, ",'normal_maximum':2", SET(MAP)) == 2);
    as_table_item(&tf_t, 0, &it);
    assert_false(it.flags & AS_TF_OVER_MAX);
}

static void an_integer_score_set_from_a_float_is_truncated(void **state)
{
    /* TAO's SCORE integer = sum(SCORE, mapResponse) with a mapping of 1.5 and -1.5 */
    tf_compile_ok(
        "{'id':'q','responses':[{'id':'R','cardinality':'single','base_type':'identifier',"
        "'mapping':{'entries':[{'key':'A','value':1.5},{'key':'B','value':-1.5}]}}],"
        "'outcomes':[{'id':'SCORE','base_type':'integer'}],'response_processing':[" SET(
            "{'sum':[{'variable':'SCORE'}," MAP "]}") "]}");
    assert_true(tf_t.hdr.max_score == 1);
    assert_true(tf_score("{'q':'A'}") == 1);
    assert_true(tf_score("{'q':'B'}") == -1);
    assert_string_equal(tf_outcome("{'q':'A'}", 0, "SCORE"), "1");
    /* a constant float into an integer outcome, too */
    tf_compile_ok("{'id':'q','responses':[" R_SINGLE "],'outcomes':[{'id':'SCORE','base_type':"
                  "'integer'}],'response_processing':[" SET(F(2.9)) "]}");
    assert_string_equal(tf_outcome("{'q':'A'}", 0, "SCORE"), "2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_constant_is_its_own_max),
        cmocka_unit_test(a_sum_adds_the_maxima_of_its_terms),
        cmocka_unit_test(a_product_takes_the_widest_product_of_bounds),
        cmocka_unit_test(a_difference_subtracts_the_least_of_the_second),
        cmocka_unit_test(map_response_is_bounded_by_its_entries_and_upper_bound),
        cmocka_unit_test(map_response_point_is_bounded_by_its_areas),
        cmocka_unit_test(a_condition_is_the_widest_of_its_branches),
        cmocka_unit_test(exit_response_ends_its_path_there),
        cmocka_unit_test(an_outcome_default_counts_on_paths_that_leave_it),
        cmocka_unit_test(rounding_min_and_max_keep_their_bounds),
        cmocka_unit_test(a_lookup_table_is_bounded_by_its_targets),
        cmocka_unit_test(an_unbounded_program_has_a_null_max_and_still_scores),
        cmocka_unit_test(a_weight_scales_the_computed_max),
        cmocka_unit_test(a_declared_max_wins_and_a_higher_bound_is_flagged),
        cmocka_unit_test(an_integer_score_set_from_a_float_is_truncated),
    };
    return cmocka_run_group_tests(tests, tf_setup, tf_teardown);
}
