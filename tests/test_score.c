/* test_score.c — the scorer: QTI 2.1 response processing as docs/DESIGN.md states it (each test
 * names the statement it checks), and how it rejects answers. The compiler's validation is
 * test_table.c. */
#include "table_fixture.h"
#include "tjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- match_correct ---- */

static void match_correct_single_scores_1_on_match_else_0(void **state)
{
    tf_compile_ok(ITEM("single", "identifier", "match_correct", "'correct':['B']"));
    assert_true(tf_score("{'q':'B'}") == 1.0);
    assert_true(tf_score("{'q':'C'}") == 0.0);
    assert_true(tf_c.max_score == 1.0);
}

static void match_correct_missing_response_scores_0(void **state)
{
    tf_compile_ok(ITEM("single", "identifier", "match_correct", "'correct':['B']"));
    assert_true(tf_score("{}") == 0.0);
    assert_true(tf_score("{'q':null}") == 0.0);
    assert_true(tf_score("{'q':[]}") == 0.0);
}

/* QTI treats an empty string (and an empty container) as NULL: a mapping entry keyed "" never
 * applies, and the item counts as not answered (reports' omitted rate, numberResponded). */
static void an_empty_string_is_null_and_not_answered(void **state)
{
    tf_compile_ok(ITEM("single", "string", "map_response",
                       "'mapping':{'entries':[{'key':'','value':5},{'key':'x','value':1}],"
                       "'default':0.5}"));
    assert_true(tf_score("{'q':''}") == 0.0); /* NULL: 0, neither the "" entry nor the default */
    assert_int_equal(as_scorer_answered(tf_scorer)[0], 0);
    assert_true(tf_score("{'q':[]}") == 0.0);
    assert_int_equal(as_scorer_answered(tf_scorer)[0], 0);
    assert_true(tf_score("{'q':'x'}") == 1.0);
    assert_int_equal(as_scorer_answered(tf_scorer)[0], 1);
    assert_true(tf_score("{'q':'y'}") == 0.5);
}

static void match_correct_string_is_case_sensitive(void **state)
{
    tf_compile_ok(ITEM("single", "string", "match_correct", "'correct':['Paris']"));
    assert_true(tf_score("{'q':'Paris'}") == 1.0);
    assert_true(tf_score("{'q':'paris'}") == 0.0);
}

static void match_correct_integer_and_float_compare_numerically(void **state)
{
    tf_compile_ok(ITEM("single", "integer", "match_correct", "'correct':[42]"));
    assert_true(tf_score("{'q':42}") == 1.0);
    assert_true(tf_score("{'q':41}") == 0.0);
    tf_compile_ok(ITEM("single", "float", "match_correct", "'correct':[3]"));
    assert_true(tf_score("{'q':3.0}") == 1.0);
    assert_true(tf_score("{'q':3}") == 1.0);
    assert_true(tf_score("{'q':3.0001}") == 0.0);
}

static void match_correct_multiple_same_values_same_counts_any_order(void **state)
{
    tf_compile_ok(ITEM("multiple", "identifier", "match_correct", "'correct':['A','C','D']"));
    assert_true(tf_score("{'q':['D','A','C']}") == 1.0);
    assert_true(tf_score("{'q':['A','C']}") == 0.0);         /* subset */
    assert_true(tf_score("{'q':['A','C','D','B']}") == 0.0); /* superset */
    assert_true(tf_score("{'q':['A','A','C']}") == 0.0);     /* other counts */
    tf_compile_ok(ITEM("multiple", "identifier", "match_correct", "'correct':['A','A','B']"));
    assert_true(tf_score("{'q':['A','B','A']}") == 1.0);
    assert_true(tf_score("{'q':['A','B','B']}") == 0.0);
}

static void match_correct_ordered_needs_the_same_sequence(void **state)
{
    tf_compile_ok(ITEM("ordered", "identifier", "match_correct", "'correct':['A','B','C']"));
    assert_true(tf_score("{'q':['A','B','C']}") == 1.0);
    assert_true(tf_score("{'q':['B','A','C']}") == 0.0);
    assert_true(tf_score("{'q':['A','B']}") == 0.0);
}

static void match_correct_pair_is_unordered(void **state)
{
    tf_compile_ok(ITEM("single", "pair", "match_correct", "'correct':['A B']"));
    assert_true(tf_score("{'q':'B A'}") == 1.0);
    assert_true(tf_score("{'q':'A  B'}") == 1.0);
    assert_true(tf_score("{'q':'A C'}") == 0.0);
}

static void match_correct_directed_pair_is_ordered(void **state)
{
    tf_compile_ok(ITEM("single", "directed_pair", "match_correct", "'correct':['A B']"));
    assert_true(tf_score("{'q':'A B'}") == 1.0);
    assert_true(tf_score("{'q':'B A'}") == 0.0);
}

static void match_correct_multiple_pairs_match_in_any_orientation(void **state)
{
    tf_compile_ok(ITEM("multiple", "pair", "match_correct", "'correct':['A B','C D']"));
    assert_true(tf_score("{'q':['D C','B A']}") == 1.0);
}

static void match_correct_point_accepts_string_or_array(void **state)
{
    tf_compile_ok(ITEM("single", "point", "match_correct", "'correct':['10 20']"));
    assert_true(tf_score("{'q':[10,20]}") == 1.0);
    assert_true(tf_score("{'q':'10 20'}") == 1.0);
    assert_true(tf_score("{'q':'20 10'}") == 0.0);
}

/* ---- map_response ---- */

static void map_response_single_is_the_matching_entry_else_default(void **state)
{
    tf_compile_ok(ITEM("single", "identifier", "map_response", MAP3 ",'default':0.25}"));
    assert_true(tf_score("{'q':'A'}") == 2.0);
    assert_true(tf_score("{'q':'C'}") == -1.0);
    assert_true(tf_score("{'q':'Z'}") == 0.25);
    assert_true(tf_c.max_score == 2.0);
}

static void map_response_single_cardinality_is_clamped_too(void **state)
{
    tf_compile_ok(ITEM("single", "identifier", "map_response", MAP3 ",'lower':0,'upper':1.5}"));
    assert_true(tf_score("{'q':'A'}") == 1.5);
    assert_true(tf_score("{'q':'C'}") == 0.0);
    assert_true(tf_c.max_score == 1.5);
}

static void map_response_missing_or_empty_response_scores_0_even_with_lower_bound(void **state)
{
    tf_compile_ok(ITEM("multiple", "identifier", "map_response", MAP3 ",'lower':1}"));
    assert_true(tf_score("{}") == 0.0);
    assert_true(tf_score("{'q':[]}") == 0.0);
    assert_true(tf_score("{'q':['C']}") == 1.0);
}

static void map_response_multiple_sums_distinct_values(void **state)
{
    tf_compile_ok(ITEM("multiple", "identifier", "map_response", MAP3 "}"));
    assert_true(tf_score("{'q':['A','B']}") == 3.0);
    assert_true(tf_score("{'q':['A','B','C']}") == 2.0);
    assert_true(tf_c.max_score == 3.0);
}

static void map_response_duplicate_selections_count_once(void **state)
{
    tf_compile_ok(
        ITEM("multiple", "identifier", "map_response", MAP3 ",'default':0.5,'upper':10}"));
    assert_true(tf_score("{'q':['A','A','A']}") == 2.0);
    /* the default applies once per distinct unmapped value */
    assert_true(tf_score("{'q':['X','X','Y']}") == 1.0);
}

static void map_response_ordered_sums_like_multiple(void **state)
{
    tf_compile_ok(ITEM("ordered", "identifier", "map_response", MAP3 "}"));
    assert_true(tf_score("{'q':['B','A']}") == 3.0);
}

static void map_response_container_is_clamped_to_bounds(void **state)
{
    tf_compile_ok(ITEM("multiple", "identifier", "map_response", MAP3 ",'lower':0,'upper':2.5}"));
    assert_true(tf_score("{'q':['A','B']}") == 2.5);
    assert_true(tf_score("{'q':['C']}") == 0.0);
    assert_true(tf_c.max_score == 2.5);
}

static void map_response_case_sensitivity_is_per_entry(void **state)
{
    tf_compile_ok(ITEM("single", "string", "map_response",
                       "'mapping':{'entries':[{'key':'Fe','value':2},"
                       "{'key':'iron','value':1,'case_sensitive':false}]}"));
    assert_true(tf_score("{'q':'Fe'}") == 2.0);
    assert_true(tf_score("{'q':'fe'}") == 0.0);
    assert_true(tf_score("{'q':'IRON'}") == 1.0);
    assert_true(tf_score("{'q':'Iron'}") == 1.0);
}

static void map_response_case_insensitive_entry_counts_once_for_two_spellings(void **state)
{
    tf_compile_ok(ITEM("multiple", "string", "map_response",
                       "'mapping':{'entries':[{'key':'iron','value':1,'case_sensitive':false}]}"));
    assert_true(tf_score("{'q':['iron','IRON']}") == 1.0);
}

static void map_response_pair_keys_match_either_order(void **state)
{
    tf_compile_ok(ITEM("multiple", "pair", "map_response",
                       "'mapping':{'entries':[{'key':'H O','value':1},{'key':'C O','value':1}],"
                       "'default':-0.5,'lower':0}"));
    assert_true(tf_score("{'q':['O H','C O']}") == 2.0);
    assert_true(tf_score("{'q':['O H','H O']}") == 1.0);
    assert_true(tf_score("{'q':['O H','N N']}") == 0.5);
}

static void map_response_integer_keys(void **state)
{
    tf_compile_ok(ITEM(
        "multiple", "integer", "map_response",
        "'mapping':{'entries':[{'key':2,'value':1},{'key':3,'value':1},{'key':4,'value':-1}]}"));
    assert_true(tf_score("{'q':[2,3,3]}") == 2.0);
    assert_true(tf_score("{'q':[2,4]}") == 0.0);
}

/* ---- map_response_point ---- */

static void map_point_circle_includes_its_edge(void **state)
{
    tf_compile_ok(ITEM("single", "point", "map_response_point",
                       AREAS("{'shape':'circle','coords':[10,10,5],'value':1}", ",'default':0")));
    assert_true(tf_score("{'q':'12 12'}") == 1.0);
    assert_true(tf_score("{'q':'15 10'}") == 1.0); /* on the edge */
    assert_true(tf_score("{'q':'15.01 10'}") == 0.0);
}

static void map_point_rect_includes_its_edges(void **state)
{
    tf_compile_ok(ITEM("single", "point", "map_response_point",
                       AREAS("{'shape':'rect','coords':[0,0,10,5],'value':1}", ",'default':-1")));
    assert_true(tf_score("{'q':[5,2]}") == 1.0);
    assert_true(tf_score("{'q':[10,5]}") == 1.0);
    assert_true(tf_score("{'q':[10.5,5]}") == -1.0);
}

static void map_point_poly_inside_on_edge_and_in_a_concave_notch(void **state)
{
    /* a U shape: the notch between x=4..6 above y=4 is outside */
    tf_compile_ok(ITEM(
        "single", "point", "map_response_point",
        AREAS("{'shape':'poly','coords':[0,0,10,0,10,10,6,10,6,4,4,4,4,10,0,10],'value':1}", "")));
    assert_true(tf_score("{'q':[2,8]}") == 1.0);
    assert_true(tf_score("{'q':[5,8]}") == 0.0); /* in the notch */
    assert_true(tf_score("{'q':[5,4]}") == 1.0); /* on the notch's bottom edge */
    assert_true(tf_score("{'q':[0,5]}") == 1.0); /* on the outer edge */
    assert_true(tf_score("{'q':[11,5]}") == 0.0);
}

static void map_point_ellipse(void **state)
{
    tf_compile_ok(ITEM("single", "point", "map_response_point",
                       AREAS("{'shape':'ellipse','coords':[0,0,4,2],'value':1}", "")));
    assert_true(tf_score("{'q':[4,0]}") == 1.0);
    assert_true(tf_score("{'q':[0,2]}") == 1.0);
    assert_true(tf_score("{'q':[3,1.5]}") == 0.0); /* 9/16 + 2.25/4 > 1 */
}

static void map_point_first_listed_area_containing_the_point_wins(void **state)
{
    tf_compile_ok(ITEM("single", "point", "map_response_point",
                       AREAS("{'shape':'circle','coords':[0,0,10],'value':0.5},"
                             "{'shape':'circle','coords':[0,0,2],'value':1}",
                             "")));
    assert_true(tf_score("{'q':[0,0]}") == 0.5);
    assert_true(tf_c.max_score == 1.0);
}

static void map_point_default_shape_contains_everything(void **state)
{
    tf_compile_ok(
        ITEM("single", "point", "map_response_point",
             AREAS("{'shape':'rect','coords':[0,0,1,1],'value':1},{'shape':'default','value':0.1}",
                   ",'default':-5")));
    assert_true(tf_score("{'q':[500,500]}") == 0.1);
}

static void map_point_container_counts_each_area_once_and_default_per_stray_point(void **state)
{
    tf_compile_ok(ITEM("multiple", "point", "map_response_point",
                       AREAS("{'shape':'rect','coords':[0,0,10,10],'value':1},"
                             "{'shape':'rect','coords':[20,0,30,10],'value':2}",
                             ",'default':-0.25,'lower':-1")));
    assert_true(tf_score("{'q':[[1,1],[2,2],[25,5]]}") == 3.0);
    assert_true(tf_score("{'q':[[1,1],[50,50],[60,60]]}") == 0.5);
    assert_true(tf_score("{'q':[[50,50],[60,60],[70,70],[80,80],[90,90]]}") == -1.0);
    assert_true(tf_c.max_score == 3.0);
}

/* ---- match_numeric ---- */

static void match_numeric_absolute_tolerance_is_inclusive(void **state)
{
    tf_compile_ok(ITEM("single", "float", "match_numeric",
                       "'correct':[9.75],'tolerance':{'mode':'absolute','value':0.25}"));
    assert_true(tf_score("{'q':9.5}") == 1.0);
    assert_true(tf_score("{'q':10}") == 1.0);
    assert_true(tf_score("{'q':10.01}") == 0.0);
}

static void match_numeric_relative_tolerance_is_a_percentage(void **state)
{
    tf_compile_ok(ITEM("single", "integer", "match_numeric",
                       "'correct':[200],'tolerance':{'mode':'relative','value':5}"));
    assert_true(tf_score("{'q':210}") == 1.0);
    assert_true(tf_score("{'q':190}") == 1.0);
    assert_true(tf_score("{'q':211}") == 0.0);
}

static void match_numeric_without_tolerance_is_exact(void **state)
{
    tf_compile_ok(ITEM("single", "float", "match_numeric", "'correct':[0.5]"));
    assert_true(tf_score("{'q':0.5}") == 1.0);
    assert_true(tf_score("{'q':0.5000001}") == 0.0);
}

/* ---- weights and totals ---- */

static void weight_multiplies_score_and_max_score(void **state)
{
    tf_compile_ok(
        "{'id':'a','cardinality':'single','base_type':'identifier','rule':'match_correct',"
        "'correct':['X'],'weight':2.5},"
        "{'id':'b','cardinality':'single','base_type':'identifier','rule':'map_response',"
        "'mapping':{'entries':[{'key':'Y','value':3}]},'weight':0.5}");
    assert_true(tf_c.max_score == 4.0);
    assert_true(tf_score("{'a':'X','b':'Y'}") == 4.0);
    assert_true(tf_score("{'b':'Y'}") == 1.5);
}

static void item_scores_are_reported_in_definition_order(void **state)
{
    tf_compile_ok("{'id':'z','cardinality':'single','base_type':'integer','rule':'match_correct','"
                  "correct':[1]},"
                  "{'id':'a','cardinality':'single','base_type':'integer','rule':'match_correct','"
                  "correct':[2]}");
    double items[2], total;
    tjson_pack(&tf_sb, "{'a':2,'z':5}");
    as_mp_t r;
    as_mp_init(&r, tf_sb.data, tf_sb.size);
    as_path_t path;
    as_path_init(&path, "answers");
    assert_int_equal(as_score_answers(tf_scorer, &tf_t, &r, &path, &total, items, &tf_err), AS_OK);
    assert_true(items[0] == 0.0 && items[1] == 1.0 && total == 1.0);
}

/* ---- scoring errors ---- */

static void answers_for_unknown_items_are_rejected_by_name(void **state)
{
    tf_compile_ok(ITEM("single", "integer", "match_correct", "'correct':[1]"));
    double t;
    tf_expect_error(tf_score_rc("{'q':1,'zz':2}", &t),
                    "answers.zz: no item with this id in assessment \"t\"");
}

static void answers_of_the_wrong_type_are_rejected_with_their_path(void **state)
{
    tf_compile_ok(ITEM("multiple", "integer", "match_correct", "'correct':[1]"));
    double t;
    tf_expect_error(tf_score_rc("{'q':[1,'x']}", &t),
                    "answers.q[1]: expected an integer, got a string");
    tf_compile_ok(ITEM("single", "integer", "match_correct", "'correct':[1]"));
    tf_expect_error(tf_score_rc("{'q':[1,2]}", &t),
                    "answers.q: expected a single value (cardinality single), got 2 values");
    tf_expect_error(tf_score_rc("[1]", &t),
                    "answers: expected a map of item id to answer, got an array");
}

static void a_truncated_point_string_is_rejected_not_read_past_its_end(void **state)
{
    tf_compile_ok(ITEM("single", "point", "match_correct", "'correct':['1 2']"));
    /* {"q": str8 of 10 bytes} with only 3 of them present */
    static const uint8_t buf[] = {0x81, 0xa1, 'q', 0xd9, 0x0a, '1', ' ', '2'};
    as_mp_t r;
    as_mp_init(&r, buf, sizeof buf);
    as_path_t path;
    as_path_init(&path, "answers");
    double total;
    tf_expect_error(as_score_answers(tf_scorer, &tf_t, &r, &path, &total, NULL, &tf_err),
                    "answers.q: expected a point \"x y\" or [x, y]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(match_correct_single_scores_1_on_match_else_0),
        cmocka_unit_test(match_correct_missing_response_scores_0),
        cmocka_unit_test(an_empty_string_is_null_and_not_answered),
        cmocka_unit_test(match_correct_string_is_case_sensitive),
        cmocka_unit_test(match_correct_integer_and_float_compare_numerically),
        cmocka_unit_test(match_correct_multiple_same_values_same_counts_any_order),
        cmocka_unit_test(match_correct_ordered_needs_the_same_sequence),
        cmocka_unit_test(match_correct_pair_is_unordered),
        cmocka_unit_test(match_correct_directed_pair_is_ordered),
        cmocka_unit_test(match_correct_multiple_pairs_match_in_any_orientation),
        cmocka_unit_test(match_correct_point_accepts_string_or_array),
        cmocka_unit_test(map_response_single_is_the_matching_entry_else_default),
        cmocka_unit_test(map_response_single_cardinality_is_clamped_too),
        cmocka_unit_test(map_response_missing_or_empty_response_scores_0_even_with_lower_bound),
        cmocka_unit_test(map_response_multiple_sums_distinct_values),
        cmocka_unit_test(map_response_duplicate_selections_count_once),
        cmocka_unit_test(map_response_ordered_sums_like_multiple),
        cmocka_unit_test(map_response_container_is_clamped_to_bounds),
        cmocka_unit_test(map_response_case_sensitivity_is_per_entry),
        cmocka_unit_test(map_response_case_insensitive_entry_counts_once_for_two_spellings),
        cmocka_unit_test(map_response_pair_keys_match_either_order),
        cmocka_unit_test(map_response_integer_keys),
        cmocka_unit_test(map_point_circle_includes_its_edge),
        cmocka_unit_test(map_point_rect_includes_its_edges),
        cmocka_unit_test(map_point_poly_inside_on_edge_and_in_a_concave_notch),
        cmocka_unit_test(map_point_ellipse),
        cmocka_unit_test(map_point_first_listed_area_containing_the_point_wins),
        cmocka_unit_test(map_point_default_shape_contains_everything),
        cmocka_unit_test(map_point_container_counts_each_area_once_and_default_per_stray_point),
        cmocka_unit_test(match_numeric_absolute_tolerance_is_inclusive),
        cmocka_unit_test(match_numeric_relative_tolerance_is_a_percentage),
        cmocka_unit_test(match_numeric_without_tolerance_is_exact),
        cmocka_unit_test(weight_multiplies_score_and_max_score),
        cmocka_unit_test(item_scores_are_reported_in_definition_order),
        cmocka_unit_test(answers_for_unknown_items_are_rejected_by_name),
        cmocka_unit_test(answers_of_the_wrong_type_are_rejected_with_their_path),
        cmocka_unit_test(a_truncated_point_string_is_rejected_not_read_past_its_end),
    };
    return cmocka_run_group_tests(tests, tf_setup, tf_teardown);
}
