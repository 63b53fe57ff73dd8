/* test_table.c — the compiler: the validation of definitions, each rule with its exact message.
 * Scoring is test_score.c. */
#include "table_fixture.h"
#include "tjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- validation of definitions ---- */

static void duplicate_mapping_keys_are_rejected_with_their_path(void **state)
{
    tf_expect_error(
        tf_compile(ITEM("single", "identifier", "map_response",
                        "'mapping':{'entries':[{'key':'A','value':1},{'key':'B','value':"
                        "1},{'key':'B','value':2}]}")),
        "items[0].mapping.entries[2].key: duplicate key \"B\" (same as entries[1])");
}

static void keys_equal_ignoring_case_are_duplicates_when_an_entry_ignores_case(void **state)
{
    tf_expect_error(
        tf_compile(ITEM("single", "string", "map_response",
                        "'mapping':{'entries':[{'key':'a','value':1},{'key':'A','value':"
                        "1,'case_sensitive':false}]}")),
        "items[0].mapping.entries[1].key: duplicate key \"A\" (same as entries[0])");
    tf_compile_ok(ITEM("single", "string", "map_response",
                       "'mapping':{'entries':[{'key':'a','value':1},{'key':'A','value':1}]}"));
}

static void unknown_fields_are_rejected(void **state)
{
    tf_expect_error(
        tf_compile(ITEM("single", "identifier", "match_correct", "'correct':['A'],'colour':1")),
        "items[0].colour: unknown field (expected: id, cardinality, base_type, rule, correct, "
        "mapping, area_mapping, tolerance, weight, skills, kt_threshold, responses, outcomes, "
        "response_processing, score_outcome, scorable, title, qti, graded)");
}

static void items_name_distinct_skills_and_a_kt_threshold_share(void **state)
{
    tf_compile_ok(ITEM("single", "identifier", "match_correct",
                       "'correct':['A'],'skills':['add','sub'],'kt_threshold':0.5"));
    as_titem_t it;
    as_table_item(&tf_t, 0, &it);
    assert_int_equal(it.n_skills, 2);
    assert_true(it.kt_threshold == 0.5);
    uint32_t len;
    const char *id = as_table_skill(&tf_t, &it, 1, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(id, "sub", 3);
    tf_compile_ok(ITEM("single", "identifier", "match_correct", "'correct':['A']"));
    as_table_item(&tf_t, 0, &it);
    assert_int_equal(it.n_skills, 0);
    assert_true(it.kt_threshold == 1.0); /* default: full credit */
    tf_expect_error(tf_compile(ITEM("single", "identifier", "match_correct",
                                    "'correct':['A'],'skills':['add','add']")),
                    "items[0].skills[1]: skill \"add\" listed twice");
    tf_expect_error(
        tf_compile(ITEM("single", "identifier", "match_correct", "'correct':['A'],'skills':'add'")),
        "items[0].skills: expected an array, got a string");
    tf_expect_error(
        tf_compile(ITEM("single", "identifier", "match_correct", "'correct':['A'],'skills':[7]")),
        "items[0].skills[0]: expected a skill id (1 to 64 characters of A-Z a-z 0-9 . _ "
        ": -)");
    tf_expect_error(tf_compile(ITEM("single", "identifier", "match_correct",
                                    "'correct':['A'],'kt_threshold':1.5")),
                    "items[0].kt_threshold: expected a number in [0, 1], got 1.5");
}

/* A growing text buffer for the limit tests' large definitions. */
typedef struct {
    char *p;
    size_t n, cap;
} s_text_t;

__attribute__((format(printf, 2, 3))) static void s_add(s_text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (t->n + (size_t)n + 1 > t->cap) {
        t->cap = (t->n + (size_t)n + 1) * 2;
        t->p = realloc(t->p, t->cap);
    }
    va_start(ap, fmt);
    vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    t->n += (size_t)n;
}

static void every_size_limit_is_enforced_with_its_message(void **state)
{
    s_text_t t = {0};
    /* items per assessment: 10,000 */
    s_add(&t, "{'id':'big','items':[");
    for (int i = 0; i <= AS_MAX_ITEMS; i++)
        s_add(&t,
              "%s{'id':'q%d','cardinality':'single','base_type':'identifier',"
              "'rule':'match_correct','correct':['A']}",
              i ? "," : "", i);
    s_add(&t, "]}");
    tf_expect_error(tf_compile_def(t.p), "items: 10001 elements, more than the limit of 10000");
    /* entries per mapping: 10,000 */
    t.n = 0;
    s_add(&t, "{'id':'m','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
              "'rule':'map_response','mapping':{'entries':[");
    for (int i = 0; i <= AS_MAX_ENTRIES; i++)
        s_add(&t, "%s{'key':'k%d','value':1}", i ? "," : "", i);
    s_add(&t, "]}}]}");
    tf_expect_error(tf_compile_def(t.p),
                    "items[0].mapping.entries: 10001 elements, more than the limit of 10000");
    /* polygon points: 2,000 coords */
    t.n = 0;
    s_add(&t, "{'id':'p','items':[{'id':'q','cardinality':'single','base_type':'point',"
              "'rule':'map_response_point','area_mapping':{'entries':[{'shape':'poly',"
              "'value':1,'coords':[");
    for (int i = 0; i <= AS_MAX_COORDS; i++)
        s_add(&t, "%s%d", i ? "," : "", i % 100);
    s_add(&t, "]}]}}]}");
    tf_expect_error(tf_compile_def(t.p), "items[0].area_mapping.entries[0].coords: 2001 elements, "
                                         "more than the limit of 2000");
    /* values in a correct list: 1,000 */
    t.n = 0;
    s_add(&t, "{'id':'v','items':[{'id':'q','cardinality':'multiple','base_type':'identifier',"
              "'rule':'match_correct','correct':[");
    for (int i = 0; i <= AS_MAX_VALUES; i++)
        s_add(&t, "%s'v%d'", i ? "," : "", i);
    s_add(&t, "]}]}");
    tf_expect_error(tf_compile_def(t.p),
                    "items[0].correct: 1001 values, more than the limit of 1000");
    /* ids: 64 bytes; titles: 1,024 */
    t.n = 0;
    s_add(&t, "{'id':'%065d','items':[]}", 0);
    tf_expect_error(tf_compile_def(t.p), "id: expected 1 to 64 characters of A-Z a-z 0-9 . _ : -");
    t.n = 0;
    s_add(&t, "{'id':'t','title':'%01025d','items':[]}", 0);
    tf_expect_error(tf_compile_def(t.p), "title: longer than 1024 bytes");
    free(t.p);
}

static void duplicate_item_ids_are_rejected(void **state)
{
    tf_expect_error(
        tf_compile(ITEM("single", "identifier", "match_correct", "'correct':['A']") "," ITEM(
            "single", "identifier", "match_correct", "'correct':['B']")),
        "items[1].id: duplicate item id \"q\" (also items[0])");
}

static void values_must_have_the_declared_base_type(void **state)
{
    tf_expect_error(tf_compile(ITEM("single", "integer", "match_correct", "'correct':['seven']")),
                    "items[0].correct[0]: expected an integer, got a string");
    tf_expect_error(
        tf_compile(ITEM("single", "pair", "match_correct", "'correct':['A']")),
        "items[0].correct[0]: expected a pair \"A B\" (two identifiers separated by a space)");
}

static void rules_need_their_fields(void **state)
{
    tf_expect_error(tf_compile(ITEM("single", "identifier", "match_correct", "'weight':1")),
                    "items[0]: rule match_correct needs field \"correct\"");
    tf_expect_error(tf_compile(ITEM("single", "identifier", "match_correct",
                                    "'correct':['A'],"
                                    "'tolerance':{'mode':'absolute','value':1}")),
                    "items[0]: field \"tolerance\" is not used by rule match_correct");
    tf_expect_error(
        tf_compile(ITEM("multiple", "float", "match_numeric", "'correct':[1]")),
        "items[0]: rule match_numeric needs cardinality single and base_type integer or float");
}

static void enums_name_their_choices(void **state)
{
    tf_expect_error(
        tf_compile(ITEM("several", "identifier", "match_correct", "'correct':['A']")),
        "items[0].cardinality: expected one of single, multiple, ordered, got \"several\"");
}

static void single_cardinality_takes_one_correct_value(void **state)
{
    tf_expect_error(
        tf_compile(ITEM("single", "identifier", "match_correct", "'correct':['A','B']")),
        "items[0].correct: expected a single value (cardinality single), got 2 values");
}

static void area_coords_follow_qti_conventions(void **state)
{
    tf_expect_error(tf_compile(ITEM("single", "point", "map_response_point",
                                    AREAS("{'shape':'poly','coords':[0,0,1,1,2],'value':1}", ""))),
                    "items[0].area_mapping.entries[0].coords: a poly takes an even number of "
                    "coords, at least 3 points");
    tf_expect_error(tf_compile(ITEM("single", "point", "map_response_point",
                                    AREAS("{'shape':'circle','coords':[0,0],'value':1}", ""))),
                    "items[0].area_mapping.entries[0].coords: a circle takes 3 coords: center-x, "
                    "center-y, radius");
}

static void positive_default_in_a_container_leaves_the_max_unknown_unless_bounded(void **state)
{
    /* any number of unmapped values, each worth the default: no max, and no refusal */
    tf_compile_ok(ITEM("multiple", "identifier", "map_response", MAP3 ",'default':1}"));
    assert_true(isnan(tf_t.hdr.max_score));
    assert_true(tf_score("{'q':['A','X','Y']}") == 4.0);
    /* an upper bound bounds it */
    tf_compile_ok(ITEM("multiple", "identifier", "map_response", MAP3 ",'default':1,'upper':5}"));
    assert_true(tf_t.hdr.max_score == 5.0);
    /* so does max_choices: the best 2 of A (2), B (1) and unmapped values (1 each) */
    tf_compile_ok("{'id':'q','rule':'map_response','responses':[{'id':'RESPONSE','cardinality':"
                  "'multiple','base_type':'identifier','max_choices':2," MAP3 ",'default':1}}]}");
    assert_true(tf_t.hdr.max_score == 3.0);
    assert_true(tf_score("{'q':['A','X']}") == 3.0);
    /* and an answer holds no more values than max_choices */
    double total;
    assert_int_equal(tf_score_rc("{'q':['A','X','Y']}", &total), AS_BAD_REQUEST);
    assert_string_equal(tf_err.msg, "answers.q: 3 values, more than the limit of 2");
}

static void bounds_must_be_ordered(void **state)
{
    tf_expect_error(
        tf_compile(ITEM("single", "identifier", "map_response", MAP3 ",'lower':2,'upper':1}")),
        "items[0].mapping.upper: upper bound 1 is below lower bound 2");
}

static void ids_use_a_restricted_charset(void **state)
{
    tf_expect_error(tf_compile("{'id':'q "
                               "1','cardinality':'single','base_type':'integer','rule':'match_"
                               "correct','correct':[1]}"),
                    "items[0].id: expected 1 to 64 characters of A-Z a-z 0-9 . _ : -");
}

static void pass_ratio_must_be_between_0_and_1(void **state)
{
    tjson_pack(&tf_sb, "{'id':'t','pass_ratio':1.5,'items':[{'id':'q','cardinality':'single','base_"
                       "type':'integer','rule':'match_correct','correct':[1]}]}");
    as_compiled_t c;
    tf_expect_error(as_table_compile((const uint8_t *)tf_sb.data, tf_sb.size, &c, &tf_err),
                    "pass_ratio: expected a number in [0, 1], got 1.5");
}

#define Q1                                                                                         \
    "'items':[{'id':'q','cardinality':'single','base_type':'identifier','rule':'match_correct',"   \
    "'correct':['A']}]"

static void exam_settings_are_read_into_the_header_and_checked(void **state)
{
    assert_int_equal(tf_compile_def("{'id':'e','time_limit_s':90,'open_at':'2026-12-01T09:00:00Z',"
                                    "'close_at':'2026-12-01T10:30:00.5+01:00','grace_s':0,"
                                    "'overdue':'abandon'," Q1 "}"),
                     AS_OK);
    as_table_t t;
    assert_int_equal(as_table_open(tf_c.blob, tf_c.size, &t, &tf_err), AS_OK);
    assert_int_equal(t.hdr.time_limit_s, 90);
    assert_int_equal(t.hdr.grace_s, 0);
    assert_int_equal(t.hdr.overdue, AS_OVERDUE_ABANDON);
    assert_int_equal(t.hdr.window, AS_TW_OPEN | AS_TW_CLOSE);
    assert_true(t.hdr.open_at == 1796115600.0);           /* 2026-12-01T09:00:00Z */
    assert_true(t.hdr.close_at == 1796115600.0 + 1800.5); /* 10:30:00.5 at +01:00 */
    assert_int_equal(tf_compile_def("{'id':'e'," Q1 "}"), AS_OK);
    assert_int_equal(as_table_open(tf_c.blob, tf_c.size, &t, &tf_err), AS_OK);
    assert_int_equal(t.hdr.time_limit_s, 0); /* untimed, always open, 60 s of grace */
    assert_int_equal(t.hdr.grace_s, 60);
    assert_int_equal(t.hdr.window, 0);
    tf_expect_error(tf_compile_def("{'id':'e','open_at':'2026-02-30T00:00:00Z'," Q1 "}"),
                    "open_at: expected an RFC 3339 date-time such as 2026-12-01T09:00:00Z, got "
                    "\"2026-02-30T00:00:00Z\"");
    tf_expect_error(tf_compile_def("{'id':'e','close_at':'tomorrow'," Q1 "}"),
                    "close_at: expected an RFC 3339 date-time such as 2026-12-01T09:00:00Z, got "
                    "\"tomorrow\"");
    tf_expect_error(tf_compile_def("{'id':'e','open_at':'2026-12-01T09:00:00Z',"
                                   "'close_at':'2026-12-01T09:00:00Z'," Q1 "}"),
                    "close_at: not after open_at");
    tf_expect_error(tf_compile_def("{'id':'e','time_limit_s':0," Q1 "}"),
                    "time_limit_s: expected an integer in 1..31536000, got 0");
    tf_expect_error(tf_compile_def("{'id':'e','grace_s':86401," Q1 "}"),
                    "grace_s: expected an integer in 0..86400, got 86401");
    tf_expect_error(tf_compile_def("{'id':'e','overdue':'keep'," Q1 "}"),
                    "overdue: expected one of submit, abandon, got \"keep\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duplicate_mapping_keys_are_rejected_with_their_path),
        cmocka_unit_test(keys_equal_ignoring_case_are_duplicates_when_an_entry_ignores_case),
        cmocka_unit_test(unknown_fields_are_rejected),
        cmocka_unit_test(duplicate_item_ids_are_rejected),
        cmocka_unit_test(every_size_limit_is_enforced_with_its_message),
        cmocka_unit_test(items_name_distinct_skills_and_a_kt_threshold_share),
        cmocka_unit_test(values_must_have_the_declared_base_type),
        cmocka_unit_test(rules_need_their_fields),
        cmocka_unit_test(enums_name_their_choices),
        cmocka_unit_test(single_cardinality_takes_one_correct_value),
        cmocka_unit_test(area_coords_follow_qti_conventions),
        cmocka_unit_test(positive_default_in_a_container_leaves_the_max_unknown_unless_bounded),
        cmocka_unit_test(bounds_must_be_ordered),
        cmocka_unit_test(ids_use_a_restricted_charset),
        cmocka_unit_test(pass_ratio_must_be_between_0_and_1),
        cmocka_unit_test(exam_settings_are_read_into_the_header_and_checked),
    };
    return cmocka_run_group_tests(tests, tf_setup, tf_teardown);
}
