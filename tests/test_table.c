/* test_table.c — the compiler and the scorer: QTI 2.1 response processing as DESIGN.md states it,
 * and the validation of definitions. Each test names the statement it checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "protocol.h"
#include "table.h"
#include "tjson.h"

#include <math.h>
#include <stdio.h>

static msgpack_sbuffer s_sb;
static as_compiled_t s_c;
static as_table_t s_t;
static as_scorer_t *s_scorer;
static as_err_t s_err;

static int s_setup(void **state)
{
    msgpack_sbuffer_init(&s_sb);
    s_scorer = as_scorer_new();
    return 0;
}

static int s_teardown(void **state)
{
    msgpack_sbuffer_destroy(&s_sb);
    as_scorer_destroy(&s_scorer);
    free(s_c.blob);
    s_c.blob = NULL;
    return 0;
}

/* Compiles {'id':'t','items':[items]}; returns the code, the message in s_err. */
static as_code_t s_compile(const char *items)
{
    char def[8192];
    snprintf(def, sizeof def, "{'id':'t','items':[%s]}", items);
    tjson_pack(&s_sb, def);
    free(s_c.blob);
    s_c.blob = NULL;
    as_code_t rc = as_table_compile((const uint8_t *)s_sb.data, s_sb.size, &s_c, &s_err);
    if (!rc) assert_int_equal(as_table_open(s_c.blob, s_c.size, &s_t, &s_err), AS_OK);
    return rc;
}

static void s_compile_ok(const char *items)
{
    as_code_t rc = s_compile(items);
    if (rc) fail_msg("compile failed: %s", s_err.msg);
}

/* Scores an answers map (JSON) against the compiled table; returns the total. */
static as_code_t s_score_rc(const char *answers, double *total)
{
    tjson_pack(&s_sb, answers);
    as_mp_t r;
    as_mp_init(&r, s_sb.data, s_sb.size);
    as_path_t path;
    as_path_init(&path, "answers");
    return as_score_answers(s_scorer, &s_t, &r, &path, total, NULL, &s_err);
}

static double s_score(const char *answers)
{
    double total = -999;
    as_code_t rc = s_score_rc(answers, &total);
    if (rc) fail_msg("score failed: %s", s_err.msg);
    return total;
}

static void s_expect_error(as_code_t rc, const char *msg)
{
    assert_int_equal(rc, AS_BAD_REQUEST);
    assert_string_equal(s_err.msg, msg);
}

#define ITEM(card, base, rule, rest)                                                               \
    "{'id':'q','cardinality':'" card "','base_type':'" base "','rule':'" rule "'," rest "}"

/* ---- match_correct ---- */

static void match_correct_single_scores_1_on_match_else_0(void **state)
{
    s_compile_ok(ITEM("single", "identifier", "match_correct", "'correct':['B']"));
    assert_true(s_score("{'q':'B'}") == 1.0);
    assert_true(s_score("{'q':'C'}") == 0.0);
    assert_true(s_c.max_score == 1.0);
}

static void match_correct_missing_response_scores_0(void **state)
{
    s_compile_ok(ITEM("single", "identifier", "match_correct", "'correct':['B']"));
    assert_true(s_score("{}") == 0.0);
    assert_true(s_score("{'q':null}") == 0.0);
    assert_true(s_score("{'q':[]}") == 0.0);
}

static void match_correct_string_is_case_sensitive(void **state)
{
    s_compile_ok(ITEM("single", "string", "match_correct", "'correct':['Paris']"));
    assert_true(s_score("{'q':'Paris'}") == 1.0);
    assert_true(s_score("{'q':'paris'}") == 0.0);
}

static void match_correct_integer_and_float_compare_numerically(void **state)
{
    s_compile_ok(ITEM("single", "integer", "match_correct", "'correct':[42]"));
    assert_true(s_score("{'q':42}") == 1.0);
    assert_true(s_score("{'q':41}") == 0.0);
    s_compile_ok(ITEM("single", "float", "match_correct", "'correct':[3]"));
    assert_true(s_score("{'q':3.0}") == 1.0);
    assert_true(s_score("{'q':3}") == 1.0);
    assert_true(s_score("{'q':3.0001}") == 0.0);
}

static void match_correct_multiple_same_values_same_counts_any_order(void **state)
{
    s_compile_ok(ITEM("multiple", "identifier", "match_correct", "'correct':['A','C','D']"));
    assert_true(s_score("{'q':['D','A','C']}") == 1.0);
    assert_true(s_score("{'q':['A','C']}") == 0.0);         /* subset */
    assert_true(s_score("{'q':['A','C','D','B']}") == 0.0); /* superset */
    assert_true(s_score("{'q':['A','A','C']}") == 0.0);     /* other counts */
    s_compile_ok(ITEM("multiple", "identifier", "match_correct", "'correct':['A','A','B']"));
    assert_true(s_score("{'q':['A','B','A']}") == 1.0);
    assert_true(s_score("{'q':['A','B','B']}") == 0.0);
}

static void match_correct_ordered_needs_the_same_sequence(void **state)
{
    s_compile_ok(ITEM("ordered", "identifier", "match_correct", "'correct':['A','B','C']"));
    assert_true(s_score("{'q':['A','B','C']}") == 1.0);
    assert_true(s_score("{'q':['B','A','C']}") == 0.0);
    assert_true(s_score("{'q':['A','B']}") == 0.0);
}

static void match_correct_pair_is_unordered(void **state)
{
    s_compile_ok(ITEM("single", "pair", "match_correct", "'correct':['A B']"));
    assert_true(s_score("{'q':'B A'}") == 1.0);
    assert_true(s_score("{'q':'A  B'}") == 1.0);
    assert_true(s_score("{'q':'A C'}") == 0.0);
}

static void match_correct_directed_pair_is_ordered(void **state)
{
    s_compile_ok(ITEM("single", "directed_pair", "match_correct", "'correct':['A B']"));
    assert_true(s_score("{'q':'A B'}") == 1.0);
    assert_true(s_score("{'q':'B A'}") == 0.0);
}

static void match_correct_multiple_pairs_match_in_any_orientation(void **state)
{
    s_compile_ok(ITEM("multiple", "pair", "match_correct", "'correct':['A B','C D']"));
    assert_true(s_score("{'q':['D C','B A']}") == 1.0);
}

static void match_correct_point_accepts_string_or_array(void **state)
{
    s_compile_ok(ITEM("single", "point", "match_correct", "'correct':['10 20']"));
    assert_true(s_score("{'q':[10,20]}") == 1.0);
    assert_true(s_score("{'q':'10 20'}") == 1.0);
    assert_true(s_score("{'q':'20 10'}") == 0.0);
}

/* ---- map_response ---- */

#define MAP3                                                                                       \
    "'mapping':{'entries':[{'key':'A','value':2},{'key':'B','value':1},{'key':'C','value':-1}]"

static void map_response_single_is_the_matching_entry_else_default(void **state)
{
    s_compile_ok(ITEM("single", "identifier", "map_response", MAP3 ",'default':0.25}"));
    assert_true(s_score("{'q':'A'}") == 2.0);
    assert_true(s_score("{'q':'C'}") == -1.0);
    assert_true(s_score("{'q':'Z'}") == 0.25);
    assert_true(s_c.max_score == 2.0);
}

static void map_response_single_cardinality_is_clamped_too(void **state)
{
    s_compile_ok(ITEM("single", "identifier", "map_response", MAP3 ",'lower':0,'upper':1.5}"));
    assert_true(s_score("{'q':'A'}") == 1.5);
    assert_true(s_score("{'q':'C'}") == 0.0);
    assert_true(s_c.max_score == 1.5);
}

static void map_response_missing_or_empty_response_scores_0_even_with_lower_bound(void **state)
{
    s_compile_ok(ITEM("multiple", "identifier", "map_response", MAP3 ",'lower':1}"));
    assert_true(s_score("{}") == 0.0);
    assert_true(s_score("{'q':[]}") == 0.0);
    assert_true(s_score("{'q':['C']}") == 1.0);
}

static void map_response_multiple_sums_distinct_values(void **state)
{
    s_compile_ok(ITEM("multiple", "identifier", "map_response", MAP3 "}"));
    assert_true(s_score("{'q':['A','B']}") == 3.0);
    assert_true(s_score("{'q':['A','B','C']}") == 2.0);
    assert_true(s_c.max_score == 3.0);
}

static void map_response_duplicate_selections_count_once(void **state)
{
    s_compile_ok(ITEM("multiple", "identifier", "map_response", MAP3 ",'default':0.5,'upper':10}"));
    assert_true(s_score("{'q':['A','A','A']}") == 2.0);
    /* the default applies once per distinct unmapped value */
    assert_true(s_score("{'q':['X','X','Y']}") == 1.0);
}

static void map_response_ordered_sums_like_multiple(void **state)
{
    s_compile_ok(ITEM("ordered", "identifier", "map_response", MAP3 "}"));
    assert_true(s_score("{'q':['B','A']}") == 3.0);
}

static void map_response_container_is_clamped_to_bounds(void **state)
{
    s_compile_ok(ITEM("multiple", "identifier", "map_response", MAP3 ",'lower':0,'upper':2.5}"));
    assert_true(s_score("{'q':['A','B']}") == 2.5);
    assert_true(s_score("{'q':['C']}") == 0.0);
    assert_true(s_c.max_score == 2.5);
}

static void map_response_case_sensitivity_is_per_entry(void **state)
{
    s_compile_ok(ITEM("single", "string", "map_response",
                      "'mapping':{'entries':[{'key':'Fe','value':2},"
                      "{'key':'iron','value':1,'case_sensitive':false}]}"));
    assert_true(s_score("{'q':'Fe'}") == 2.0);
    assert_true(s_score("{'q':'fe'}") == 0.0);
    assert_true(s_score("{'q':'IRON'}") == 1.0);
    assert_true(s_score("{'q':'Iron'}") == 1.0);
}

static void map_response_case_insensitive_entry_counts_once_for_two_spellings(void **state)
{
    s_compile_ok(ITEM("multiple", "string", "map_response",
                      "'mapping':{'entries':[{'key':'iron','value':1,'case_sensitive':false}]}"));
    assert_true(s_score("{'q':['iron','IRON']}") == 1.0);
}

static void map_response_pair_keys_match_either_order(void **state)
{
    s_compile_ok(ITEM("multiple", "pair", "map_response",
                      "'mapping':{'entries':[{'key':'H O','value':1},{'key':'C O','value':1}],"
                      "'default':-0.5,'lower':0}"));
    assert_true(s_score("{'q':['O H','C O']}") == 2.0);
    assert_true(s_score("{'q':['O H','H O']}") == 1.0);
    assert_true(s_score("{'q':['O H','N N']}") == 0.5);
}

static void map_response_integer_keys(void **state)
{
    s_compile_ok(ITEM(
        "multiple", "integer", "map_response",
        "'mapping':{'entries':[{'key':2,'value':1},{'key':3,'value':1},{'key':4,'value':-1}]}"));
    assert_true(s_score("{'q':[2,3,3]}") == 2.0);
    assert_true(s_score("{'q':[2,4]}") == 0.0);
}

/* ---- map_response_point ---- */

#define AREAS(list, rest) "'area_mapping':{'entries':[" list "]" rest "}"

static void map_point_circle_includes_its_edge(void **state)
{
    s_compile_ok(ITEM("single", "point", "map_response_point",
                      AREAS("{'shape':'circle','coords':[10,10,5],'value':1}", ",'default':0")));
    assert_true(s_score("{'q':'12 12'}") == 1.0);
    assert_true(s_score("{'q':'15 10'}") == 1.0); /* on the edge */
    assert_true(s_score("{'q':'15.01 10'}") == 0.0);
}

static void map_point_rect_includes_its_edges(void **state)
{
    s_compile_ok(ITEM("single", "point", "map_response_point",
                      AREAS("{'shape':'rect','coords':[0,0,10,5],'value':1}", ",'default':-1")));
    assert_true(s_score("{'q':[5,2]}") == 1.0);
    assert_true(s_score("{'q':[10,5]}") == 1.0);
    assert_true(s_score("{'q':[10.5,5]}") == -1.0);
}

static void map_point_poly_inside_on_edge_and_in_a_concave_notch(void **state)
{
    /* a U shape: the notch between x=4..6 above y=4 is outside */
    s_compile_ok(ITEM(
        "single", "point", "map_response_point",
        AREAS("{'shape':'poly','coords':[0,0,10,0,10,10,6,10,6,4,4,4,4,10,0,10],'value':1}", "")));
    assert_true(s_score("{'q':[2,8]}") == 1.0);
    assert_true(s_score("{'q':[5,8]}") == 0.0); /* in the notch */
    assert_true(s_score("{'q':[5,4]}") == 1.0); /* on the notch's bottom edge */
    assert_true(s_score("{'q':[0,5]}") == 1.0); /* on the outer edge */
    assert_true(s_score("{'q':[11,5]}") == 0.0);
}

static void map_point_ellipse(void **state)
{
    s_compile_ok(ITEM("single", "point", "map_response_point",
                      AREAS("{'shape':'ellipse','coords':[0,0,4,2],'value':1}", "")));
    assert_true(s_score("{'q':[4,0]}") == 1.0);
    assert_true(s_score("{'q':[0,2]}") == 1.0);
    assert_true(s_score("{'q':[3,1.5]}") == 0.0); /* 9/16 + 2.25/4 > 1 */
}

static void map_point_first_listed_area_containing_the_point_wins(void **state)
{
    s_compile_ok(ITEM("single", "point", "map_response_point",
                      AREAS("{'shape':'circle','coords':[0,0,10],'value':0.5},"
                            "{'shape':'circle','coords':[0,0,2],'value':1}",
                            "")));
    assert_true(s_score("{'q':[0,0]}") == 0.5);
    assert_true(s_c.max_score == 1.0);
}

static void map_point_default_shape_contains_everything(void **state)
{
    s_compile_ok(
        ITEM("single", "point", "map_response_point",
             AREAS("{'shape':'rect','coords':[0,0,1,1],'value':1},{'shape':'default','value':0.1}",
                   ",'default':-5")));
    assert_true(s_score("{'q':[500,500]}") == 0.1);
}

static void map_point_container_counts_each_area_once_and_default_per_stray_point(void **state)
{
    s_compile_ok(ITEM("multiple", "point", "map_response_point",
                      AREAS("{'shape':'rect','coords':[0,0,10,10],'value':1},"
                            "{'shape':'rect','coords':[20,0,30,10],'value':2}",
                            ",'default':-0.25,'lower':-1")));
    assert_true(s_score("{'q':[[1,1],[2,2],[25,5]]}") == 3.0);
    assert_true(s_score("{'q':[[1,1],[50,50],[60,60]]}") == 0.5);
    assert_true(s_score("{'q':[[50,50],[60,60],[70,70],[80,80],[90,90]]}") == -1.0);
    assert_true(s_c.max_score == 3.0);
}

/* ---- match_numeric ---- */

static void match_numeric_absolute_tolerance_is_inclusive(void **state)
{
    s_compile_ok(ITEM("single", "float", "match_numeric",
                      "'correct':[9.75],'tolerance':{'mode':'absolute','value':0.25}"));
    assert_true(s_score("{'q':9.5}") == 1.0);
    assert_true(s_score("{'q':10}") == 1.0);
    assert_true(s_score("{'q':10.01}") == 0.0);
}

static void match_numeric_relative_tolerance_is_a_percentage(void **state)
{
    s_compile_ok(ITEM("single", "integer", "match_numeric",
                      "'correct':[200],'tolerance':{'mode':'relative','value':5}"));
    assert_true(s_score("{'q':210}") == 1.0);
    assert_true(s_score("{'q':190}") == 1.0);
    assert_true(s_score("{'q':211}") == 0.0);
}

static void match_numeric_without_tolerance_is_exact(void **state)
{
    s_compile_ok(ITEM("single", "float", "match_numeric", "'correct':[0.5]"));
    assert_true(s_score("{'q':0.5}") == 1.0);
    assert_true(s_score("{'q':0.5000001}") == 0.0);
}

/* ---- weights and totals ---- */

static void weight_multiplies_score_and_max_score(void **state)
{
    s_compile_ok("{'id':'a','cardinality':'single','base_type':'identifier','rule':'match_correct',"
                 "'correct':['X'],'weight':2.5},"
                 "{'id':'b','cardinality':'single','base_type':'identifier','rule':'map_response',"
                 "'mapping':{'entries':[{'key':'Y','value':3}]},'weight':0.5}");
    assert_true(s_c.max_score == 4.0);
    assert_true(s_score("{'a':'X','b':'Y'}") == 4.0);
    assert_true(s_score("{'b':'Y'}") == 1.5);
}

static void item_scores_are_reported_in_definition_order(void **state)
{
    s_compile_ok("{'id':'z','cardinality':'single','base_type':'integer','rule':'match_correct','"
                 "correct':[1]},"
                 "{'id':'a','cardinality':'single','base_type':'integer','rule':'match_correct','"
                 "correct':[2]}");
    double items[2], total;
    tjson_pack(&s_sb, "{'a':2,'z':5}");
    as_mp_t r;
    as_mp_init(&r, s_sb.data, s_sb.size);
    as_path_t path;
    as_path_init(&path, "answers");
    assert_int_equal(as_score_answers(s_scorer, &s_t, &r, &path, &total, items, &s_err), AS_OK);
    assert_true(items[0] == 0.0 && items[1] == 1.0 && total == 1.0);
}

/* ---- validation of definitions ---- */

static void duplicate_mapping_keys_are_rejected_with_their_path(void **state)
{
    s_expect_error(s_compile(ITEM("single", "identifier", "map_response",
                                  "'mapping':{'entries':[{'key':'A','value':1},{'key':'B','value':"
                                  "1},{'key':'B','value':2}]}")),
                   "items[0].mapping.entries[2].key: duplicate key \"B\" (same as entries[1])");
}

static void keys_equal_ignoring_case_are_duplicates_when_an_entry_ignores_case(void **state)
{
    s_expect_error(s_compile(ITEM("single", "string", "map_response",
                                  "'mapping':{'entries':[{'key':'a','value':1},{'key':'A','value':"
                                  "1,'case_sensitive':false}]}")),
                   "items[0].mapping.entries[1].key: duplicate key \"A\" (same as entries[0])");
    s_compile_ok(ITEM("single", "string", "map_response",
                      "'mapping':{'entries':[{'key':'a','value':1},{'key':'A','value':1}]}"));
}

static void unknown_fields_are_rejected(void **state)
{
    s_expect_error(
        s_compile(ITEM("single", "identifier", "match_correct", "'correct':['A'],'colour':1")),
        "items[0].colour: unknown field (expected: id, cardinality, base_type, rule, correct, "
        "mapping, area_mapping, tolerance, weight, skills, kt_threshold)");
}

static void items_name_distinct_skills_and_a_kt_threshold_share(void **state)
{
    s_compile_ok(ITEM("single", "identifier", "match_correct",
                      "'correct':['A'],'skills':['add','sub'],'kt_threshold':0.5"));
    as_titem_t it;
    as_table_item(&s_t, 0, &it);
    assert_int_equal(it.n_skills, 2);
    assert_true(it.kt_threshold == 0.5);
    uint32_t len;
    const char *id = as_table_skill(&s_t, &it, 1, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(id, "sub", 3);
    s_compile_ok(ITEM("single", "identifier", "match_correct", "'correct':['A']"));
    as_table_item(&s_t, 0, &it);
    assert_int_equal(it.n_skills, 0);
    assert_true(it.kt_threshold == 1.0); /* default: full credit */
    s_expect_error(s_compile(ITEM("single", "identifier", "match_correct",
                                  "'correct':['A'],'skills':['add','add']")),
                   "items[0].skills[1]: skill \"add\" listed twice");
    s_expect_error(
        s_compile(ITEM("single", "identifier", "match_correct", "'correct':['A'],'skills':'add'")),
        "items[0].skills: expected an array, got a string");
    s_expect_error(
        s_compile(ITEM("single", "identifier", "match_correct", "'correct':['A'],'skills':[7]")),
        "items[0].skills[0]: expected a skill id (1 to 64 characters of A-Z a-z 0-9 . _ "
        ": -)");
    s_expect_error(s_compile(ITEM("single", "identifier", "match_correct",
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

/* Compiles a whole definition given as JSON text. */
static as_code_t s_compile_def(const char *def)
{
    tjson_pack(&s_sb, def);
    free(s_c.blob);
    s_c.blob = NULL;
    return as_table_compile((const uint8_t *)s_sb.data, s_sb.size, &s_c, &s_err);
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
    s_expect_error(s_compile_def(t.p), "items: 10001 elements, more than the limit of 10000");
    /* entries per mapping: 10,000 */
    t.n = 0;
    s_add(&t, "{'id':'m','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
              "'rule':'map_response','mapping':{'entries':[");
    for (int i = 0; i <= AS_MAX_ENTRIES; i++)
        s_add(&t, "%s{'key':'k%d','value':1}", i ? "," : "", i);
    s_add(&t, "]}}]}");
    s_expect_error(s_compile_def(t.p),
                   "items[0].mapping.entries: 10001 elements, more than the limit of 10000");
    /* polygon points: 2,000 coords */
    t.n = 0;
    s_add(&t, "{'id':'p','items':[{'id':'q','cardinality':'single','base_type':'point',"
              "'rule':'map_response_point','area_mapping':{'entries':[{'shape':'poly',"
              "'value':1,'coords':[");
    for (int i = 0; i <= AS_MAX_COORDS; i++)
        s_add(&t, "%s%d", i ? "," : "", i % 100);
    s_add(&t, "]}]}}]}");
    s_expect_error(s_compile_def(t.p), "items[0].area_mapping.entries[0].coords: 2001 elements, "
                                       "more than the limit of 2000");
    /* values in a correct list: 1,000 */
    t.n = 0;
    s_add(&t, "{'id':'v','items':[{'id':'q','cardinality':'multiple','base_type':'identifier',"
              "'rule':'match_correct','correct':[");
    for (int i = 0; i <= AS_MAX_VALUES; i++)
        s_add(&t, "%s'v%d'", i ? "," : "", i);
    s_add(&t, "]}]}");
    s_expect_error(s_compile_def(t.p),
                   "items[0].correct: 1001 values, more than the limit of 1000");
    /* ids: 64 bytes; titles: 1,024 */
    t.n = 0;
    s_add(&t, "{'id':'%065d','items':[]}", 0);
    s_expect_error(s_compile_def(t.p), "id: expected 1 to 64 characters of A-Z a-z 0-9 . _ : -");
    t.n = 0;
    s_add(&t, "{'id':'t','title':'%01025d','items':[]}", 0);
    s_expect_error(s_compile_def(t.p), "title: longer than 1024 bytes");
    free(t.p);
}

static void duplicate_item_ids_are_rejected(void **state)
{
    s_expect_error(
        s_compile(ITEM("single", "identifier", "match_correct", "'correct':['A']") "," ITEM(
            "single", "identifier", "match_correct", "'correct':['B']")),
        "items[1].id: duplicate item id \"q\" (also items[0])");
}

static void values_must_have_the_declared_base_type(void **state)
{
    s_expect_error(s_compile(ITEM("single", "integer", "match_correct", "'correct':['seven']")),
                   "items[0].correct[0]: expected an integer, got a string");
    s_expect_error(
        s_compile(ITEM("single", "pair", "match_correct", "'correct':['A']")),
        "items[0].correct[0]: expected a pair \"A B\" (two identifiers separated by a space)");
}

static void rules_need_their_fields(void **state)
{
    s_expect_error(s_compile(ITEM("single", "identifier", "match_correct", "'weight':1")),
                   "items[0]: rule match_correct needs field \"correct\"");
    s_expect_error(s_compile(ITEM("single", "identifier", "match_correct",
                                  "'correct':['A'],"
                                  "'tolerance':{'mode':'absolute','value':1}")),
                   "items[0]: field \"tolerance\" is not used by rule match_correct");
    s_expect_error(
        s_compile(ITEM("multiple", "float", "match_numeric", "'correct':[1]")),
        "items[0]: rule match_numeric needs cardinality single and base_type integer or float");
}

static void enums_name_their_choices(void **state)
{
    s_expect_error(
        s_compile(ITEM("several", "identifier", "match_correct", "'correct':['A']")),
        "items[0].cardinality: expected one of single, multiple, ordered, got \"several\"");
}

static void single_cardinality_takes_one_correct_value(void **state)
{
    s_expect_error(s_compile(ITEM("single", "identifier", "match_correct", "'correct':['A','B']")),
                   "items[0].correct: expected a single value (cardinality single), got 2 values");
}

static void area_coords_follow_qti_conventions(void **state)
{
    s_expect_error(s_compile(ITEM("single", "point", "map_response_point",
                                  AREAS("{'shape':'poly','coords':[0,0,1,1,2],'value':1}", ""))),
                   "items[0].area_mapping.entries[0].coords: a poly takes an even number of "
                   "coords, at least 3 points");
    s_expect_error(s_compile(ITEM("single", "point", "map_response_point",
                                  AREAS("{'shape':'circle','coords':[0,0],'value':1}", ""))),
                   "items[0].area_mapping.entries[0].coords: a circle takes 3 coords: center-x, "
                   "center-y, radius");
}

static void positive_default_in_a_container_needs_an_upper_bound(void **state)
{
    s_expect_error(s_compile(ITEM("multiple", "identifier", "map_response", MAP3 ",'default':1}")),
                   "items[0].mapping.default: a positive default makes a container's score "
                   "unbounded: set upper");
}

static void bounds_must_be_ordered(void **state)
{
    s_expect_error(
        s_compile(ITEM("single", "identifier", "map_response", MAP3 ",'lower':2,'upper':1}")),
        "items[0].mapping.upper: upper bound 1 is below lower bound 2");
}

static void ids_use_a_restricted_charset(void **state)
{
    s_expect_error(s_compile("{'id':'q "
                             "1','cardinality':'single','base_type':'integer','rule':'match_"
                             "correct','correct':[1]}"),
                   "items[0].id: expected 1 to 64 characters of A-Z a-z 0-9 . _ : -");
}

static void pass_ratio_must_be_between_0_and_1(void **state)
{
    tjson_pack(&s_sb, "{'id':'t','pass_ratio':1.5,'items':[{'id':'q','cardinality':'single','base_"
                      "type':'integer','rule':'match_correct','correct':[1]}]}");
    as_compiled_t c;
    s_expect_error(as_table_compile((const uint8_t *)s_sb.data, s_sb.size, &c, &s_err),
                   "pass_ratio: expected a number in [0, 1], got 1.5");
}

/* ---- scoring errors ---- */

static void answers_for_unknown_items_are_rejected_by_name(void **state)
{
    s_compile_ok(ITEM("single", "integer", "match_correct", "'correct':[1]"));
    double t;
    s_expect_error(s_score_rc("{'q':1,'zz':2}", &t),
                   "answers.zz: no item with this id in assessment \"t\"");
}

static void answers_of_the_wrong_type_are_rejected_with_their_path(void **state)
{
    s_compile_ok(ITEM("multiple", "integer", "match_correct", "'correct':[1]"));
    double t;
    s_expect_error(s_score_rc("{'q':[1,'x']}", &t),
                   "answers.q[1]: expected an integer, got a string");
    s_compile_ok(ITEM("single", "integer", "match_correct", "'correct':[1]"));
    s_expect_error(s_score_rc("{'q':[1,2]}", &t),
                   "answers.q: expected a single value (cardinality single), got 2 values");
    s_expect_error(s_score_rc("[1]", &t),
                   "answers: expected a map of item id to answer, got an array");
}

static void a_truncated_point_string_is_rejected_not_read_past_its_end(void **state)
{
    s_compile_ok(ITEM("single", "point", "match_correct", "'correct':['1 2']"));
    /* {"q": str8 of 10 bytes} with only 3 of them present */
    static const uint8_t buf[] = {0x81, 0xa1, 'q', 0xd9, 0x0a, '1', ' ', '2'};
    as_mp_t r;
    as_mp_init(&r, buf, sizeof buf);
    as_path_t path;
    as_path_init(&path, "answers");
    double total;
    s_expect_error(as_score_answers(s_scorer, &s_t, &r, &path, &total, NULL, &s_err),
                   "answers.q: expected a point \"x y\" or [x, y]");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(match_correct_single_scores_1_on_match_else_0),
        cmocka_unit_test(match_correct_missing_response_scores_0),
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
        cmocka_unit_test(positive_default_in_a_container_needs_an_upper_bound),
        cmocka_unit_test(bounds_must_be_ordered),
        cmocka_unit_test(ids_use_a_restricted_charset),
        cmocka_unit_test(pass_ratio_must_be_between_0_and_1),
        cmocka_unit_test(answers_for_unknown_items_are_rejected_by_name),
        cmocka_unit_test(answers_of_the_wrong_type_are_rejected_with_their_path),
        cmocka_unit_test(a_truncated_point_string_is_rejected_not_read_past_its_end),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
