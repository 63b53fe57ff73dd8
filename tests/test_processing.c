/* test_processing.c — programs as a whole: rules (conditions, lookups, exit, a score for no
 * answer), items with several responses, what an item's max score is, items not scorable, and
 * assessments with their own outcome processing (weights, counts, a computed MAXSCORE). Every
 * score here is also checked against the reference walk (table_fixture.c). */
#include "table_fixture.h"

#include <math.h>

#include "program_values.h"

#include <stdio.h>

/* A condition over two responses, a lookup table, exitResponse, a score for no answer. */
#define RULES_ITEM                                                                                 \
    "{'id':'q','responses':[{'id':'A','cardinality':'single','base_type':'integer'},"              \
    "{'id':'B','cardinality':'single','base_type':'integer'}],"                                    \
    "'outcomes':[{'id':'SCORE','base_type':'float','normal_maximum':2},"                           \
    "{'id':'GRADE','base_type':'identifier','interpolation_table':{'entries':["                    \
    "{'source_value':2,'target_value':'top'},{'source_value':1,'target_value':'pass'}],"           \
    "'default_value':'none'}},"                                                                    \
    "{'id':'CODE','base_type':'string','match_table':{'entries':[{'source_value':7,"               \
    "'target_value':'seven'}]}}],"                                                                 \
    "'response_processing':["                                                                      \
    "{'responseCondition':{'if':{'condition':{'and':[{'isNull':[{'variable':'A'}]},"               \
    "{'isNull':[{'variable':'B'}]}]},'then':[{'setOutcomeValue':{'identifier':'SCORE',"            \
    "'expression':" F(                                                                             \
        0.25) "}},{'exitResponse':null}]},"                                                        \
              "'else_if':[{'condition':{'match':[{'variable':'A'},{'variable':'B'}]},'then':["     \
              "{'setOutcomeValue':{'identifier':'SCORE','expression':" I(                          \
                  2) "}}]}],"                                                                      \
                     "'else':[{'setOutcomeValue':{'identifier':'SCORE','expression':" I(           \
                         1) "}}]}},"                                                               \
                            "{'lookupOutcomeValue':{'identifier':'GRADE','expression':{'variable'" \
                            ":'SCORE'}}},"                                                         \
                            "{'lookupOutcomeValue':{'identifier':'CODE','expression':{'variable':" \
                            "'A'}}}]}"

static void rules_branch_look_up_and_exit(void **state)
{
    tf_compile_ok(RULES_ITEM);
    assert_true(tf_score("{'q':{'A':3,'B':3}}") == 2);
    assert_string_equal(tf_outcome("{'q':{'A':3,'B':3}}", 0, "GRADE"), "\"top\"");
    assert_string_equal(tf_outcome("{'q':{'A':3,'B':3}}", 0, "CODE"), "null");
    assert_true(tf_score("{'q':{'A':7,'B':3}}") == 1);
    assert_string_equal(tf_outcome("{'q':{'A':7,'B':3}}", 0, "GRADE"), "\"pass\"");
    assert_string_equal(tf_outcome("{'q':{'A':7,'B':3}}", 0, "CODE"), "\"seven\"");
    /* one response answered: match is NULL, so the else_if does not fire */
    assert_true(tf_score("{'q':{'A':7}}") == 1);
    /* nothing answered: the first branch sets 0.25 and exits before the lookups */
    assert_true(tf_score("{'q':{}}") == 0.25);
    assert_string_equal(tf_outcome("{'q':{}}", 0, "GRADE"), "null");
    /* ... and so does an item left out of the answers: a score for no answer */
    assert_true(tf_score("{}") == 0.25);
    assert_true(tf_t.hdr.max_score == 2);
}

/* "Name three European capitals": each distinct right answer counts once, across responses. */
/* clang-format off */
#define CAPITALS "{'multiple':[" STR("Paris") "," STR("Rome") "," STR("Oslo") "]}"
#define ADD_POINT                                                                                  \
    "'then':[{'setOutcomeValue':{'identifier':'POINTS','expression':{'sum':[{'variable':"          \
    "'POINTS'}," I(1) "]}}}]}}}"
#define CITIES_ITEM                                                                                \
    "{'id':'cities','responses':[{'id':'C1','cardinality':'single','base_type':'string'},"         \
    "{'id':'C2','cardinality':'single','base_type':'string'},"                                    \
    "{'id':'C3','cardinality':'single','base_type':'string'}],"                                   \
    "'outcomes':[{'id':'POINTS','base_type':'integer','normal_maximum':3}],"                       \
    "'score_outcome':'POINTS','response_processing':["                                             \
    "{'responseCondition':{'if':{'condition':{'member':[{'variable':'C1'}," CAPITALS "]},"        \
    ADD_POINT ","                                                                                  \
    "{'responseCondition':{'if':{'condition':{'and':[{'member':[{'variable':'C2'}," CAPITALS "]}," \
    "{'or':[{'isNull':[{'variable':'C1'}]},{'not':[{'match':[{'variable':'C2'},"                   \
    "{'variable':'C1'}]}]}]}]}," ADD_POINT ","                                                     \
    "{'responseCondition':{'if':{'condition':{'and':[{'member':[{'variable':'C3'}," CAPITALS "]}," \
    "{'not':[{'member':[{'variable':'C3'},{'multiple':[{'variable':'C1'},{'variable':'C2'}]}]}]}"  \
    "]}," ADD_POINT "]}"
/* clang-format on */

static void several_responses_score_together_without_double_counting(void **state)
{
    tf_compile_ok(CITIES_ITEM);
    assert_true(tf_score("{'cities':{'C1':'Paris','C2':'Rome','C3':'Oslo'}}") == 3);
    assert_true(tf_score("{'cities':{'C1':'Paris','C2':'Paris','C3':'Rome'}}") == 2);
    assert_true(tf_score("{'cities':{'C1':'Paris','C2':'Berlin','C3':'Paris'}}") == 1);
    assert_true(tf_score("{'cities':{'C2':'Rome','C3':'Rome'}}") == 1);
    assert_true(tf_score("{'cities':null}") == 0);
    assert_string_equal(tf_outcome("{'cities':{'C1':'Oslo'}}", 0, "POINTS"), "1");
    double total;
    assert_int_equal(tf_score_rc("{'cities':{'C4':'Rome'}}", &total), AS_BAD_REQUEST);
    assert_string_equal(tf_err.msg, "answers.cities.C4: no response with this id in the item");
    assert_int_equal(tf_score_rc("{'cities':'Rome'}", &total), AS_BAD_REQUEST);
    assert_string_equal(tf_err.msg, "answers.cities: this item has 3 responses: expected a map of "
                                    "response id to value");
    assert_int_equal(tf_score_rc("{'cities':{'C1':3}}", &total), AS_BAD_REQUEST);
    assert_string_equal(tf_err.msg, "answers.cities.C1: expected a string, got an integer");
}

static void an_items_max_is_declared_else_computed_else_null(void **state)
{
    /* nothing bounds SCORE = R: the max is null, the item scores as usual */
    tf_compile_ok("{'id':'q','responses':[{'id':'R','cardinality':'single','base_type':'integer'}],"
                  "'outcomes':[{'id':'SCORE','base_type':'float'}],'response_processing':["
                  "{'setOutcomeValue':{'identifier':'SCORE','expression':{'variable':'R'}}}]}");
    assert_true(isnan(tf_t.hdr.max_score));
    assert_true(tf_score("{'q':7}") == 7);
    /* a program that never sets SCORE: its default, 0 */
    tf_compile_ok("{'id':'q','responses':[{'id':'R','cardinality':'single','base_type':'integer'}],"
                  "'outcomes':[{'id':'SCORE','base_type':'float'}],'response_processing':[]}");
    assert_true(tf_t.hdr.max_score == 0);
    tf_compile_ok(
        "{'id':'q','weight':2,'responses':[{'id':'R','cardinality':'single','base_type':'integer'}]"
        ","
        "'outcomes':[{'id':'SCORE','base_type':'float'},{'id':'MAXSCORE','base_type':'float',"
        "'default':4}],'response_processing':[]}");
    assert_true(tf_t.hdr.max_score == 8);
    tf_expect_error(
        tf_compile(
            "{'id':'q','responses':[{'id':'R','cardinality':'single','base_type':'integer'}],"
            "'outcomes':[{'id':'OK','base_type':'boolean'}],'score_outcome':'OK',"
            "'response_processing':[]}"),
        "items[0]: the score outcome \"OK\" must be a single integer or float");
    /* a positive mapping default on a container, with the max score declared */
    tf_compile_ok("{'id':'q','rule':'map_response','responses':[{'id':'R','cardinality':'multiple',"
                  "'base_type':'identifier','mapping':{'entries':[{'key':'A','value':1}],"
                  "'default':0.5}}],'outcomes':[{'id':'SCORE','base_type':'float',"
                  "'normal_maximum':3}]}");
    assert_true(tf_t.hdr.max_score == 3);
    assert_true(tf_score("{'q':['A','X','Y']}") == 2);
    /* not scorable: no score whatever its outcomes hold, in neither total nor max */
    tf_compile_ok("{'id':'essay','scorable':false,'responses':[{'id':'R','cardinality':'single',"
                  "'base_type':'string'}],'outcomes':[{'id':'SCORE','base_type':'float',"
                  "'default':5}]},"
                  "{'id':'q','cardinality':'single','base_type':'integer','rule':'match_correct',"
                  "'correct':[1]}");
    assert_true(tf_t.hdr.max_score == 1);
    assert_true(tf_score("{'essay':'words','q':1}") == 1);
    assert_true(tf_score("{}") == 0);
    assert_string_equal(tf_outcome("{'essay':'words'}", 0, "SCORE"), "5.0");
    tf_expect_error(
        tf_compile("{'id':'essay','scorable':false,'rule':'match_correct','responses':"
                   "[{'id':'R','cardinality':'single','base_type':'string'}]}"),
        "items[0]: an item with \"scorable\": false has no rule, response_processing or "
        "score_outcome: it is never scored");
    /* a mapping over points (exact keys) */
    tf_compile_ok("{'id':'q','rule':'map_response','responses':[{'id':'R','cardinality':'single',"
                  "'base_type':'point','mapping':{'entries':[{'key':'1 2','value':1}]}}]}");
    assert_true(tf_score("{'q':[1,2]}") == 1);
}

/* A test: weights, a custom total and a scaled score from an interpolation table. */
static void assessments_total_their_items_by_their_own_outcome_processing(void **state)
{
    const char *items =
        "[{'id':'a','cardinality':'single','base_type':'identifier','rule':'match_correct',"
        "'correct':['X'],'weight':2},"
        "{'id':'b','cardinality':'single','base_type':'integer','rule':'match_correct',"
        "'correct':[4]},"
        "{'id':'c','cardinality':'single','base_type':'string','rule':'match_correct',"
        "'correct':['y'],'weight':3}]";
    char def[4096];
    snprintf(def, sizeof def,
             "{'id':'t','items':%s,'outcomes':[{'id':'SCORE','base_type':'float',"
             "'normal_maximum':6},{'id':'RIGHT','base_type':'integer'},{'id':'BAND',"
             "'base_type':'identifier','interpolation_table':{'entries':[{'source_value':5,"
             "'target_value':'A'},{'source_value':2,'target_value':'B'}],'default_value':'C'}}],"
             "'outcome_processing':[{'setOutcomeValue':{'identifier':'SCORE','expression':{"
             "'sum':[{'testVariables':{'variableIdentifier':'SCORE','weightIdentifier':'W'}}]}}},"
             "{'setOutcomeValue':{'identifier':'RIGHT','expression':{'numberCorrect':null}}},"
             "{'outcomeCondition':{'if':{'condition':{'lt':[{'numberResponded':null}," I(
                 2) "]},'then':[{'setOutcomeValue':{'identifier':'SCORE','expression':{"
                    "'variable':'b.SCORE'}}}]}}}]}",
             items);
    if (tf_compile_def(def)) fail_msg("%s", tf_err.msg);
    assert_true(tf_t.hdr.max_score == 6);
    assert_true(tf_score("{'a':'X','b':4,'c':'y'}") == 6);
    assert_true(tf_score("{'a':'X','b':5,'c':'n'}") == 2);
    /* fewer than two responded: the score is b's alone */
    assert_true(tf_score("{'b':4}") == 1);
    tf_expect_error(
        tf_compile_def("{'id':'t','items':[{'id':'a','cardinality':'single','base_type':'integer',"
                       "'rule':'match_correct','correct':[1]}],'outcomes':[{'id':'SCORE',"
                       "'base_type':'float','normal_maximum':1}],'outcome_processing':["
                       "{'setOutcomeValue':{'identifier':'SCORE','expression':{'variable':"
                       "'z.SCORE'}}}]}"),
        "outcome_processing[0].setOutcomeValue.expression.variable: no item \"z\" in the "
        "assessment");
    tf_expect_error(
        tf_compile_def("{'id':'t','items':[{'id':'a','cardinality':'single','base_type':'integer',"
                       "'rule':'match_correct','correct':[1]}],'outcomes':[{'id':'SCORE',"
                       "'base_type':'float','normal_maximum':1}],'outcome_processing':["
                       "{'setOutcomeValue':{'identifier':'SCORE','expression':{'mapResponse':"
                       "'RESPONSE'}}}]}"),
        "outcome_processing[0].setOutcomeValue.expression.mapResponse: mapResponse belongs to an "
        "item's response_processing");
}

/* MAXSCORE computed by the outcome processing from the items' maxima. */
/* An item whose program sets several numeric outcomes and none is SCORE or named the score:
 * every outcome computed and reported, its score null (in neither total nor max). */
static void an_item_without_a_score_outcome_reports_its_outcomes_and_no_score(void **state)
{
    tf_compile_ok(
        "{'id':'q','responses':[{'id':'R','cardinality':'single','base_type':'integer'}],"
        "'outcomes':[{'id':'PART_A','base_type':'integer'},{'id':'PART_B','base_type':'float'}],"
        "'response_processing':[{'setOutcomeValue':{'identifier':'PART_A','expression':"
        "{'variable':'R'}}},{'setOutcomeValue':{'identifier':'PART_B','expression':{'baseValue':"
        "{'baseType':'float','value':0.5}}}}]},"
        "{'id':'k','cardinality':'single','base_type':'integer','rule':'match_correct',"
        "'correct':[1]}");
    as_titem_t it;
    as_table_item(&tf_t, 0, &it);
    assert_true(it.flags & AS_TF_UNSCORABLE);
    assert_true(tf_t.hdr.max_score == 1);
    assert_true(tf_score("{'q':7,'k':1}") == 1);
    assert_string_equal(tf_outcome("{'q':7}", 0, "PART_A"), "7");
    assert_string_equal(tf_outcome("{'q':7}", 0, "PART_B"), "0.5");
    /* named, it is the score */
    tf_compile_ok(
        "{'id':'q','score_outcome':'PART_A','responses':[{'id':'R','cardinality':'single',"
        "'base_type':'integer'}],'outcomes':[{'id':'PART_A','base_type':'integer',"
        "'normal_maximum':10}],'response_processing':[{'setOutcomeValue':{'identifier':'PART_A',"
        "'expression':{'variable':'R'}}}]}");
    assert_true(tf_score("{'q':7}") == 7);
    assert_true(tf_t.hdr.max_score == 10);
}

/* An IMS test's outcome processing sets TOTAL_SCORE, not SCORE: named, it is the score; not
 * named, the items' sum is, and its outcomes are still computed. */
static void a_test_scores_into_the_outcome_it_names_else_its_items_sum(void **state)
{
#define TEST_OF(extra)                                                                             \
    "{'id':'t','items':[{'id':'a','cardinality':'single','base_type':'integer','rule':"            \
    "'match_correct','correct':[1],'weight':2}],'outcomes':[{'id':'TOTAL_SCORE','base_type':"      \
    "'float'}],'outcome_processing':[{'setOutcomeValue':{'identifier':'TOTAL_SCORE',"              \
    "'expression':{'sum':[{'testVariables':{'variableIdentifier':'SCORE'}},{'baseValue':"          \
    "{'baseType':'float','value':10}}]}}}]" extra "}"
    if (tf_compile_def(TEST_OF(""))) fail_msg("%s", tf_err.msg);
    assert_true(tf_score("{'a':1}") == 2);
    assert_true(tf_t.hdr.max_score == 2);
    assert_string_equal(tf_test_outcome("{'a':1}", "TOTAL_SCORE"), "11.0");
    if (tf_compile_def(TEST_OF(",'score_outcome':'TOTAL_SCORE'"))) fail_msg("%s", tf_err.msg);
    assert_true(tf_score("{'a':1}") == 11);
    assert_true(isnan(tf_t.hdr.max_score)); /* its own score, no max declared */
#undef TEST_OF
}

static void an_assessment_computes_its_max_score_from_outcome_maximum(void **state)
{
#define FULL_ITEM(id, w)                                                                           \
    "{'id':'" id "','weight':" #w ",'rule':'match_correct','responses':[{'id':'R',"                \
    "'cardinality':'single','base_type':'integer','correct':[1]}],'outcomes':[{'id':'SCORE',"      \
    "'base_type':'float','normal_maximum':1}]}"
    const char *def = "{'id':'t','items':[" FULL_ITEM("a", 2) "," FULL_ITEM(
        "b",
        3) "],'outcomes':[{'id':'SCORE',"
           "'base_type':'float'},{'id':'MAXSCORE','base_type':'float'}],'outcome_processing':["
           "{'setOutcomeValue':{'identifier':'MAXSCORE','expression':{'sum':[{'outcomeMaximum':{"
           "'outcomeIdentifier':'SCORE','weightIdentifier':'W'}}]}}},"
           "{'setOutcomeValue':{'identifier':'SCORE','expression':{'sum':[{'testVariables':{"
           "'variableIdentifier':'SCORE','weightIdentifier':'W'}}]}}}]}";
    if (tf_compile_def(def)) fail_msg("%s", tf_err.msg);
    assert_true(tf_t.hdr.max_score == 5);
    assert_true(tf_score("{'b':1}") == 3);
    /* items that declare no normal_maximum: outcomeMaximum reads their computed maxima */
    if (tf_compile_def(
            "{'id':'t','items':[{'id':'a','weight':2,'cardinality':'single','base_type':'integer',"
            "'rule':'match_correct','correct':[1]},{'id':'b','cardinality':'multiple','base_type':"
            "'identifier','rule':'map_response','mapping':{'entries':[{'key':'A','value':3},"
            "{'key':'B','value':-1}]}}],'outcomes':[{'id':'SCORE','base_type':'float'},{'id':"
            "'MAXSCORE','base_type':'float'},{'id':'LOW','base_type':'float'}],"
            "'outcome_processing':[{'setOutcomeValue':{'identifier':'MAXSCORE','expression':{"
            "'sum':[{'outcomeMaximum':{'outcomeIdentifier':'SCORE','weightIdentifier':'W'}}]}}},"
            "{'setOutcomeValue':{'identifier':'LOW','expression':{'sum':[{'outcomeMinimum':{"
            "'outcomeIdentifier':'SCORE'}}]}}}]}"))
        fail_msg("%s", tf_err.msg);
    assert_true(tf_t.hdr.max_score == 5);                      /* a: 1 x 2, b: 3 */
    assert_string_equal(tf_test_outcome("{}", "LOW"), "-1.0"); /* a: 0, b: -1 */
    /* MAXSCORE left NULL: the max is not known (null), nothing refused */
    if (tf_compile_def("{'id':'t','items':[" FULL_ITEM(
            "a", 1) "],'outcomes':[{'id':'SCORE',"
                    "'base_type':'float'},{'id':'MAXSCORE','base_type':'float',"
                    "'cardinality':'multiple'}],'outcome_processing':[]}"))
        fail_msg("%s", tf_err.msg);
    assert_true(isnan(tf_t.hdr.max_score));
}

/* An item's maximum times its weight beyond int64's range stays a float: the conversion of the
 * product to the value's integer slot is clamped, never out of range (UBSan's finding). */
static void an_outcome_maximum_beyond_int64_stays_a_float(void **state)
{
    const char *def =
        "{'id':'t','items':[{'id':'a','weight':10,'rule':'match_correct','responses':[{'id':'R',"
        "'cardinality':'single','base_type':'integer','correct':[1]}],'outcomes':[{'id':'SCORE',"
        "'base_type':'float','normal_maximum':1e300}]}],'outcomes':[{'id':'SCORE','base_type':"
        "'float'},{'id':'MAXSCORE','base_type':'float'},{'id':'NEG','base_type':'float'}],"
        "'outcome_processing':[{'setOutcomeValue':{'identifier':'MAXSCORE','expression':{'sum':"
        "[{'outcomeMaximum':{'outcomeIdentifier':'SCORE','weightIdentifier':'W'}}]}}},"
        "{'setOutcomeValue':{'identifier':'NEG','expression':{'product':[{'baseValue':{"
        "'baseType':'float','value':-1}},{'sum':[{'outcomeMaximum':{'outcomeIdentifier':'SCORE',"
        "'weightIdentifier':'W'}}]}]}}},"
        "{'setOutcomeValue':{'identifier':'SCORE','expression':{'sum':[{'testVariables':{"
        "'variableIdentifier':'SCORE','weightIdentifier':'W'}}]}}}]}";
    if (tf_compile_def(def)) fail_msg("%s", tf_err.msg);
    assert_true(tf_t.hdr.max_score == 1e301);
    assert_true(tf_score("{'a':1}") == 10);
    assert_string_equal(tf_test_outcome("{'a':1}", "MAXSCORE"), "1e301");
    assert_string_equal(tf_test_outcome("{'a':1}", "NEG"), "-1e301");
}

/* numberIncorrect, numberPresented, numberSelected and outcomeMinimum, with the counts above. */
static void assessments_count_their_items_and_read_their_minima(void **state)
{
#define MIN_ITEM(id, min)                                                                          \
    "{'id':'" id "','rule':'match_correct','responses':[{'id':'R','cardinality':'single',"         \
    "'base_type':'integer','correct':[1]}],'outcomes':[{'id':'SCORE','base_type':'float',"         \
    "'normal_maximum':1,'normal_minimum':" #min "}]}"
#define COUNT(id, what) "{'setOutcomeValue':{'identifier':'" id "','expression':{'" what "':null}}}"
    const char *def = "{'id':'t','items':[" MIN_ITEM("a", -1) "," MIN_ITEM("b", -2) "," MIN_ITEM(
        "c",
        0) "],"
           "'outcomes':[{'id':'SCORE','base_type':'float','normal_maximum':3},{'id':'RIGHT',"
           "'base_type':'integer'},{'id':'WRONG','base_type':'integer'},{'id':'DONE','base_type':"
           "'integer'},{'id':'SHOWN','base_type':'integer'},{'id':'PICKED','base_type':'integer'},"
           "{'id':'LOW','base_type':'float'}],'outcome_processing':[" COUNT(
               "RIGHT",
               "numberCorrec"
               "t") "," COUNT("WRONG",
                              "numberIncorrect") "," COUNT("DONE",
                                                           "numberResponded") "," COUNT("SHOWN",
                                                                                        "numberPres"
                                                                                        "ented") "," COUNT("PICKED",
                                                                                                           "numberSelected") ","
                                                                                                                             "{'"
                                                                                                                             "setOutc"
                                                                                                                             "omeValu"
                                                                                                                             "e':{'"
                                                                                                                             "identif"
                                                                                                                             "ier':'"
                                                                                                                             "LOW','"
                                                                                                                             "express"
                                                                                                                             "ion':{'"
                                                                                                                             "sum':[{"
                                                                                                                             "'outcom"
                                                                                                                             "eMinimu"
                                                                                                                             "m':"
                                                                                                                             "{'"
                                                                                                                             "outcome"
                                                                                                                             "Identif"
                                                                                                                             "ier':'"
                                                                                                                             "SCORE'}"
                                                                                                                             "}]}}},"
                                                                                                                             "{'"
                                                                                                                             "setOutc"
                                                                                                                             "omeValu"
                                                                                                                             "e':{'"
                                                                                                                             "identif"
                                                                                                                             "ier':'"
                                                                                                                             "SCORE',"
                                                                                                                             "'expres"
                                                                                                                             "sion':{"
                                                                                                                             "'variab"
                                                                                                                             "le':'"
                                                                                                                             "RIGHT'}"
                                                                                                                             "}}]}";
    if (tf_compile_def(def)) fail_msg("%s", tf_err.msg);
    const char *ans = "{'a':1,'b':2}"; /* a right, b wrong, c not answered */
    assert_string_equal(tf_test_outcome(ans, "RIGHT"), "1");
    assert_string_equal(tf_test_outcome(ans, "WRONG"), "1");
    assert_string_equal(tf_test_outcome(ans, "DONE"), "2");
    assert_string_equal(tf_test_outcome(ans, "SHOWN"), "3");
    assert_string_equal(tf_test_outcome(ans, "PICKED"), "3");
    assert_string_equal(tf_test_outcome(ans, "LOW"), "-3.0");
    assert_true(tf_score(ans) == 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rules_branch_look_up_and_exit),
        cmocka_unit_test(several_responses_score_together_without_double_counting),
        cmocka_unit_test(an_items_max_is_declared_else_computed_else_null),
        cmocka_unit_test(assessments_total_their_items_by_their_own_outcome_processing),
        cmocka_unit_test(an_assessment_computes_its_max_score_from_outcome_maximum),
        cmocka_unit_test(an_item_without_a_score_outcome_reports_its_outcomes_and_no_score),
        cmocka_unit_test(a_test_scores_into_the_outcome_it_names_else_its_items_sum),
        cmocka_unit_test(an_outcome_maximum_beyond_int64_stays_a_float),
        cmocka_unit_test(assessments_count_their_items_and_read_their_minima),
    };
    return cmocka_run_group_tests(tests, tf_setup, tf_teardown);
}
