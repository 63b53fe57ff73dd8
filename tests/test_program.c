/* test_program.c — response processing programs: every operator against what the QTI 2.2
 * specification says it computes (values worked out by hand from the operator's definition),
 * NULL and type errors. The rules, several responses and assessment-level processing:
 * test_processing.c. */
#include "table_fixture.h"

#include "program_values.h"

#include <stdio.h>

/* The responses every operator test may read: N integer, X float, S string, M multiple
 * identifier (correct A B, a mapping), O ordered identifier (correct A B C), P multiple point
 * (an area mapping). */
#define RESPONSES                                                                                  \
    "{'id':'N','cardinality':'single','base_type':'integer'},"                                     \
    "{'id':'X','cardinality':'single','base_type':'float'},"                                       \
    "{'id':'S','cardinality':'single','base_type':'string'},"                                      \
    "{'id':'M','cardinality':'multiple','base_type':'identifier','correct':['A','B'],"             \
    "'mapping':{'entries':[{'key':'A','value':1},{'key':'B','value':0.5},{'key':'C','value':-1}]," \
    "'default':0,'lower':-0.5}},"                                                                  \
    "{'id':'O','cardinality':'ordered','base_type':'identifier','correct':['A','B','C']},"         \
    "{'id':'P','cardinality':'multiple','base_type':'point','area_mapping':{'entries':[{'shape':"  \
    "'circle','coords':[0,0,1],'value':2}],'default':-1}}"

/* Evaluates expr into an outcome R of the given cardinality and base type, for answers (the
 * value of item q), and gives R as JSON text. */
static const char *ev(const char *card, const char *base, const char *expr, const char *answers)
{
    char item[8192], ans[1024];
    snprintf(item, sizeof item,
             "{'id':'q','responses':[" RESPONSES "],'outcomes':[{'id':'SCORE','base_type':'float',"
             "'normal_maximum':1},{'id':'R','cardinality':'%s','base_type':'%s'}],"
             "'response_processing':[{'setOutcomeValue':{'identifier':'R','expression':%s}}]}",
             card, base, expr);
    tf_compile_ok(item);
    snprintf(ans, sizeof ans, "{'q':%s}", answers);
    return tf_outcome(ans, 0, "R");
}

static const char *evi(const char *expr)
{
    return ev("single", "integer", expr, "null");
}
static const char *evf(const char *expr)
{
    return ev("single", "float", expr, "null");
}
static const char *evb(const char *expr)
{
    return ev("single", "boolean", expr, "null");
}

/* The compile error of expr set into R (single float). */
static const char *ev_error(const char *base, const char *expr)
{
    char item[8192];
    snprintf(item, sizeof item,
             "{'id':'q','responses':[" RESPONSES "],'outcomes':[{'id':'SCORE','base_type':'float',"
             "'normal_maximum':1},{'id':'R','base_type':'%s'}],'response_processing':["
             "{'setOutcomeValue':{'identifier':'R','expression':%s}}]}",
             base, expr);
    assert_int_equal(tf_compile(item), AS_BAD_REQUEST);
    return tf_err.msg;
}

#define PATH "items[0].response_processing[0].setOutcomeValue.expression"

static void arithmetic_stays_integer_until_a_float_or_a_division_enters(void **state)
{
    assert_string_equal(evi(OP("sum", I(1) "," I(2) "," I(-4))), "-1");
    assert_string_equal(evf(OP("sum", I(1) "," F(2.5))), "3.5");
    assert_string_equal(evi(OP("product", I(2) "," I(3) "," I(7))), "42");
    assert_string_equal(evi(OP("subtract", I(5) "," I(7))), "-2");
    assert_string_equal(evf(OP("divide", I(7) "," I(2))), "3.5");
    assert_string_equal(evf(OP("power", I(2) "," I(10))), "1024.0");
    assert_string_equal(evi(OP("integerDivide", I(-7) "," I(2))), "-4"); /* rounded down */
    assert_string_equal(evi(OP("integerModulus", I(-7) "," I(2))), "1");
    assert_string_equal(evi(OP("integerModulus", I(7) "," I(-2))), "-1");
    assert_string_equal(evf(OP("integerToFloat", I(3))), "3.0");
    assert_string_equal(evi(OP("truncate", F(-2.7))), "-2");
    assert_string_equal(evi(OP("round", F(2.5))), "3");
    assert_string_equal(evi(OP("round", F(-2.5))), "-2"); /* [n-0.5, n+0.5) rounds to n */
    assert_string_equal(evi(OP("round", F(-2.6))), "-3");
    assert_string_equal(evi(OP("min", I(3) "," I(-1))), "-1");
    assert_string_equal(evf(OP("min", I(3) "," F(1.5))), "1.5");
    assert_string_equal(evi(OP("max", OP("multiple", I(1) "," I(7)) "," I(3))), "7");
    assert_string_equal(evi(OP("gcd", I(12) "," I(18))), "6");
    assert_string_equal(evi(OP("gcd", I(0) "," I(0))), "0");
    assert_string_equal(evi(OP("lcm", I(4) "," I(6))), "12");
    assert_string_equal(evi(OP("lcm", I(0) "," I(5))), "0");
}

/* A program's baseType takes QTI's spelling (directedPair) as the definition's (directed_pair). */
static void base_types_are_read_in_qti_spelling_too(void **state)
{
    assert_string_equal(
        evb(OP("match", "{'baseValue':{'baseType':'directedPair','value':'A B'}},"
                        "{'baseValue':{'baseType':'directed_pair','value':'A B'}}")),
        "true");
    assert_string_equal(evb(OP("match", "{'baseValue':{'baseType':'directedPair','value':'A B'}},"
                                        "{'baseValue':{'baseType':'directedPair','value':'B A'}}")),
                        "false");
}

static void results_outside_a_types_range_are_null(void **state)
{
    assert_string_equal(evf(OP("divide", I(1) "," I(0))), "null");
    assert_string_equal(evf(OP("power", I(0) "," I(-1))), "null");
    assert_string_equal(evi(OP("integerDivide", I(7) "," I(0))), "null");
    assert_string_equal(evi(OP("integerModulus", I(7) "," I(0))), "null");
    assert_string_equal(evi(OP("sum", I(9223372036854775807) "," I(1))), "null");
    assert_string_equal(evi(OP("product", I(4611686018427387904) "," I(2))), "null");
    assert_string_equal(evi(OP("truncate", F(1e300))), "null");
    /* |INT64_MIN| is no int64: lcm of it is null, not a negation out of range */
    assert_string_equal(evi(OP("lcm", I(-9223372036854775808))), "null");
    assert_string_equal(evi(OP("lcm", I(1) "," I(-9223372036854775808))), "null");
    assert_string_equal(evi(OP("gcd", I(-9223372036854775808))), "null");
}

static void null_operands_give_null_and_empty_values_are_null(void **state)
{
    assert_string_equal(evi(OP("sum", I(1) "," NUL)), "null");
    assert_string_equal(evb(OP("gt", NUL "," I(1))), "null");
    assert_string_equal(evb(OP("match", NUL "," I(1))), "null");
    assert_string_equal(evb(OP("isNull", NUL)), "true");
    assert_string_equal(evb(OP("isNull", I(0))), "false");
    assert_string_equal(evi(OP("containerSize", NUL)), "0");
    /* an unanswered response, an empty string and an empty container are NULL */
    assert_string_equal(ev("single", "boolean", OP("isNull", VAR("S")), "{'S':''}"), "true");
    assert_string_equal(ev("single", "boolean", OP("isNull", VAR("M")), "{'M':[]}"), "true");
    assert_string_equal(ev("single", "boolean", OP("isNull", VAR("N")), "{'X':1.5}"), "true");
    assert_string_equal(ev("single", "boolean", OP("isNull", VAR("S")), "{'S':'x'}"), "false");
    /* a numeric outcome starts at 0, any other at NULL */
    assert_string_equal(evi("{'default':'R'}"), "0");
    assert_string_equal(evb("{'default':'R'}"), "null");
}

static void logic_is_three_valued(void **state)
{
    assert_string_equal(evb(OP("and", BOOL(true) "," NUL)), "null");
    assert_string_equal(evb(OP("and", BOOL(false) "," NUL)), "false");
    assert_string_equal(evb(OP("and", BOOL(true) "," BOOL(true))), "true");
    assert_string_equal(evb(OP("or", BOOL(true) "," NUL)), "true");
    assert_string_equal(evb(OP("or", BOOL(false) "," NUL)), "null");
    assert_string_equal(evb(OP("or", BOOL(false) "," BOOL(false))), "false");
    assert_string_equal(evb(OP("not", NUL)), "null");
    assert_string_equal(evb(OP("not", BOOL(false))), "true");
#define ANYN(a) "{'anyN':{'min':1,'max':2,'args':[" a "]}}"
    assert_string_equal(evb(ANYN(BOOL(true) "," BOOL(false) "," BOOL(false))), "true");
    assert_string_equal(evb(ANYN(BOOL(true) "," BOOL(true) "," BOOL(true))), "false");
    assert_string_equal(evb(ANYN(BOOL(false) "," BOOL(false) "," BOOL(false))), "false");
    /* two true and one NULL: the NULL decides between 2 (true) and 3 (false) */
    assert_string_equal(evb(ANYN(BOOL(true) "," BOOL(true) "," NUL)), "null");
    assert_string_equal(evb(ANYN(BOOL(false) "," NUL "," BOOL(false))), "null");
}

static void comparisons_and_equal_with_tolerances(void **state)
{
    assert_string_equal(evb(OP("gt", I(2) "," F(1.5))), "true");
    assert_string_equal(evb(OP("gte", I(2) "," F(2.0))), "true");
    assert_string_equal(evb(OP("lt", I(2) "," I(2))), "false");
    assert_string_equal(evb(OP("lte", I(2) "," I(2))), "true");
    assert_string_equal(evb(OP("equal", I(1) "," F(1.0))), "true");
#define EQ(attrs, a, b) "{'equal':{" attrs ",'args':[" a "," b "]}}"
    assert_string_equal(evb(EQ("'toleranceMode':'absolute','tolerance':[0.5]", F(10), F(10.5))),
                        "true");
    assert_string_equal(evb(EQ("'toleranceMode':'absolute','tolerance':'0.5',"
                               "'includeUpperBound':false",
                               F(10), F(10.5))),
                        "false");
    /* two tolerances: y in [x - t0, x + t1] */
    assert_string_equal(evb(EQ("'toleranceMode':'absolute','tolerance':'0 50'", F(10), F(9))),
                        "false");
    assert_string_equal(evb(EQ("'toleranceMode':'absolute','tolerance':'0 50'", F(10), F(60))),
                        "true");
    /* relative: y in [x (1 - t0/100), x (1 + t1/100)] */
    assert_string_equal(evb(EQ("'toleranceMode':'relative','tolerance':[10]", F(200), F(220))),
                        "true");
    assert_string_equal(evb(EQ("'toleranceMode':'relative','tolerance':[10]", F(200), F(221))),
                        "false");
    assert_string_equal(evb(EQ("'toleranceMode':'relative','tolerance':[10]", F(-200), F(-219))),
                        "true");
}

static void rounding_works_on_the_decimal_digits_as_written(void **state)
{
#define RT(mode, n, x) "{'roundTo':{'roundingMode':'" mode "','figures':" #n ",'args':[" x "]}}"
    assert_string_equal(evf(RT("decimalPlaces", 2, F(1.005))), "1.01");
    assert_string_equal(evf(RT("significantFigures", 3, F(3.14159))), "3.14");
    assert_string_equal(evf(RT("significantFigures", 2, F(1234.5))), "1200.0");
    assert_string_equal(evf(RT("decimalPlaces", 0, F(2.5))), "3.0");
    assert_string_equal(evf(RT("decimalPlaces", 0, F(-2.5))), "-2.0"); /* half up */
    assert_string_equal(evf(RT("decimalPlaces", 1, F(-2.46))), "-2.5");
    assert_string_equal(evf(RT("decimalPlaces", 3, I(7))), "7.0");
#define ER(mode, n, a, b)                                                                          \
    "{'equalRounded':{'roundingMode':'" mode "','figures':" #n ",'args':[" a "," b "]}}"
    /* the specification's own examples */
    assert_string_equal(evb(ER("significantFigures", 3, F(3.175), F(3.183))), "true");
    assert_string_equal(evb(ER("significantFigures", 3, F(3.175), F(3.1749))), "false");
    assert_string_equal(evb(ER("decimalPlaces", 2, F(1.68572), F(1.69))), "true");
    assert_string_equal(evb(ER("decimalPlaces", 2, F(1.68572), F(1.68432))), "false");
}

static void containers_are_built_searched_and_cut(void **state)
{
    const char *m = "{'M':['A','B','A']}";
    assert_string_equal(ev("multiple", "identifier",
                           OP("multiple", ID("A") "," OP("multiple", ID("B") "," ID("C")) "," NUL),
                           "null"),
                        "[\"A\",\"B\",\"C\"]");
    assert_string_equal(ev("ordered", "identifier", OP("ordered", NUL), "null"), "null");
    assert_string_equal(ev("single", "boolean", OP("member", ID("B") "," VAR("M")), m), "true");
    assert_string_equal(ev("single", "boolean", OP("member", ID("C") "," VAR("M")), m), "false");
    assert_string_equal(ev("single", "boolean",
                           OP("contains", VAR("M") "," OP("multiple", ID("A") "," ID("A"))), m),
                        "true");
    assert_string_equal(ev("single", "boolean",
                           OP("contains", VAR("M") "," OP("multiple", ID("B") "," ID("B"))), m),
                        "false");
    const char *o = "{'O':['A','B','C']}";
    assert_string_equal(
        ev("single", "boolean", OP("contains", VAR("O") "," OP("ordered", ID("B") "," ID("C"))), o),
        "true");
    assert_string_equal(
        ev("single", "boolean", OP("contains", VAR("O") "," OP("ordered", ID("A") "," ID("C"))), o),
        "false");
    assert_string_equal(ev("multiple", "identifier", OP("delete", ID("A") "," VAR("M")), m),
                        "[\"B\"]");
    assert_string_equal(
        ev("multiple", "identifier", OP("delete", ID("A") "," VAR("M")), "{'M':['A']}"), "null");
    assert_string_equal(
        ev("single", "identifier", "{'index':{'n':2,'args':[{'variable':'O'}]}}", o), "\"B\"");
    assert_string_equal(
        ev("single", "identifier", "{'index':{'n':4,'args':[{'variable':'O'}]}}", o), "null");
    assert_string_equal(ev("single", "integer", OP("containerSize", VAR("M")), m), "3");
    assert_string_equal(ev("ordered", "integer",
                           "{'repeat':{'numberRepeats':2,'args':[" I(1) "," I(2) "]}}", "null"),
                        "[1,2,1,2]");
    /* match: multiple in any order with the same counts, ordered as a sequence */
    assert_string_equal(
        ev("single", "boolean", OP("match", VAR("M") ",{'correct':'M'}"), "{'M':['B','A']}"),
        "true");
    assert_string_equal(
        ev("single", "boolean", OP("match", VAR("M") ",{'correct':'M'}"), "{'M':['B','A','A']}"),
        "false");
    assert_string_equal(
        ev("single", "boolean", OP("match", VAR("O") ",{'correct':'O'}"), "{'O':['B','A','C']}"),
        "false");
    assert_string_equal(ev("multiple", "identifier", "{'correct':'M'}", "null"), "[\"A\",\"B\"]");
}

static void strings_match_by_case_substring_and_pattern(void **state)
{
#define SM(cs, sub, a, b)                                                                          \
    "{'stringMatch':{'caseSensitive':" cs ",'substring':" sub ",'args':[" a "," b "]}}"
    assert_string_equal(evb(SM("false", "false", STR("Paris"), STR("PARIS"))), "true");
    assert_string_equal(evb(SM("true", "false", STR("Paris"), STR("PARIS"))), "false");
    assert_string_equal(evb(SM("true", "true", STR("ar"), STR("Paris"))), "true");
    assert_string_equal(
        evb("{'substring':{'caseSensitive':true,'args':[" STR("AR") "," STR("Paris") "]}}"),
        "false");
    assert_string_equal(
        evb("{'substring':{'caseSensitive':false,'args':[" STR("AR") "," STR("Paris") "]}}"),
        "true");
#define PM(p, s) "{'patternMatch':{'pattern':'" p "','args':[" s "]}}"
    assert_string_equal(evb(PM("[0-9]{3}-[A-Z]", STR("123-X"))), "true");
    assert_string_equal(evb(PM("[0-9]{3}-[A-Z]", STR("123-XY"))), "false"); /* whole string */
    assert_string_equal(evb(PM("a$b", STR("a$b"))), "true"); /* $ is an ordinary character */
    assert_string_equal(evb(PM("\\\\d+", STR("42"))), "true");
    assert_string_equal(evb(PM("x", NUL)), "null");
    assert_string_equal(ev_error("boolean", PM("[a-z-[aeiou]]", STR("b"))),
                        PATH ".patternMatch.pattern: pattern \"[a-z-[aeiou]]\": character class "
                             "subtraction ([a-z-[aeiou]]) is not supported");
    assert_string_equal(ev_error("boolean", PM("(", STR("b"))),
                        PATH ".patternMatch.pattern: pattern \"(\": missing closing parenthesis");
}

static void math_and_statistics_follow_their_domains(void **state)
{
#define MATH(n, a) "{'mathOperator':{'name':'" n "','args':[" a "]}}"
    assert_string_equal(evf(MATH("sin", F(0))), "0.0");
    assert_string_equal(evf(MATH("log", F(100))), "2.0");
    assert_string_equal(evf(MATH("ln", F(0))), "null");
    assert_string_equal(evf(MATH("asin", F(2))), "null");
    assert_string_equal(evf(MATH("atan2", F(1) "," F(1))), "0.7853981633974483");
    assert_string_equal(evi(MATH("signum", F(-3.5))), "-1");
    assert_string_equal(evi(MATH("floor", F(-1.5))), "-2");
    assert_string_equal(evi(MATH("ceil", F(1.2))), "2");
    assert_string_equal(evi(MATH("abs", I(-3))), "3");
    assert_string_equal(evf(MATH("toDegrees", F(3.141592653589793))), "180.0");
    assert_string_equal(evf(MATH("sec", F(0))), "1.0");
#define STATS(n, a) "{'statsOperator':{'name':'" n "','args':[" a "]}}"
    const char *c = OP("ordered", I(1) "," I(2) "," I(3) "," I(4));
    char e[512];
    snprintf(e, sizeof e, STATS("mean", "%s"), c);
    assert_string_equal(evf(e), "2.5");
    snprintf(e, sizeof e, STATS("sampleVariance", "%s"), c);
    assert_string_equal(evf(e), "1.6666666666666667");
    snprintf(e, sizeof e, STATS("popSD", "%s"), c);
    assert_string_equal(evf(e), "1.118033988749895");
    assert_string_equal(evf(STATS("sampleSD", OP("multiple", I(5)))), "null");
    assert_string_equal(ev_error("float", MATH("atan2", F(1))),
                        PATH ".mathOperator.args: mathOperator atan2 takes 2 operand(s), got 1");
}

static void points_are_inside_areas_and_map_to_values(void **state)
{
#define IN(shape, coords)                                                                          \
    "{'inside':{'shape':'" shape "','coords':'" coords "','args':[{'variable':'P'}]}}"
    assert_string_equal(ev("single", "boolean", IN("circle", "0,0,1"), "{'P':[[0.5,0.5]]}"),
                        "true");
    assert_string_equal(ev("single", "boolean", IN("circle", "0,0,1"), "{'P':[[2,2]]}"), "false");
    assert_string_equal(ev("single", "boolean", IN("circle", "0,0,1"), "{'P':[[2,2],[0,1]]}"),
                        "true"); /* any point, and the edge is inside */
    assert_string_equal(ev("single", "boolean", IN("poly", "0,0,4,0,4,4"), "{'P':[[2,0]]}"),
                        "true");
    assert_string_equal(ev("single", "boolean", IN("rect", "0,0,4,2"), "{'P':[[3,3]]}"), "false");
    /* mapResponsePoint: each area once, the default for each point outside every area */
    assert_string_equal(ev("single", "float", "{'mapResponsePoint':'P'}", "{'P':[[0,0],[0.1,0]]}"),
                        "2.0");
    assert_string_equal(ev("single", "float", "{'mapResponsePoint':'P'}", "{'P':[[0,0],[5,5]]}"),
                        "1.0");
    /* mapResponse: distinct values, then the bounds; a NULL response maps to the default */
    assert_string_equal(ev("single", "float", "{'mapResponse':'M'}", "{'M':['A','A','B']}"), "1.5");
    assert_string_equal(ev("single", "float", "{'mapResponse':'M'}", "{'M':['C']}"), "-0.5");
    assert_string_equal(ev("single", "float", "{'mapResponse':'M'}", "null"), "0.0");
}

static void type_errors_name_the_path_and_the_types(void **state)
{
    assert_string_equal(ev_error("boolean", OP("match", VAR("P") "," ID("A"))),
                        PATH ".match[0]: baseType point cannot match identifier");
    assert_string_equal(ev_error("float", OP("sum", I(1) "," STR("x"))),
                        PATH ".sum[1]: sum takes integers or floats, got single string");
    assert_string_equal(ev_error("float", OP("sum", I(1) "," VAR("M"))),
                        PATH ".sum[1]: sum takes integers or floats, got multiple identifier");
    assert_string_equal(ev_error("float", OP("gt", I(1) "," I(2))),
                        "items[0].response_processing[0].setOutcomeValue.expression: outcome \"R\" "
                        "is single float, the expression gives single boolean");
    assert_string_equal(ev_error("float", VAR("TEMPLATE_X")),
                        PATH ".variable: \"TEMPLATE_X\" is not a declared response or outcome "
                             "(template variables are not supported)");
    assert_string_equal(ev_error("integer", "{'randomInteger':{'min':1,'max':6}}"),
                        PATH ".randomInteger: randomInteger is not supported: random values make "
                             "scores unrepeatable");
    assert_string_equal(ev_error("integer", "{'customOperator':[]}"),
                        PATH ".customOperator: customOperator is not supported: custom operators "
                             "are implementation-specific code");
    assert_string_equal(ev_error("integer", "{'plus':[]}"),
                        PATH ".plus: unknown expression \"plus\" (see PROTOCOL.md, \"Response "
                             "processing\")");
    assert_string_equal(ev_error("integer", OP("subtract", I(1))),
                        PATH ".subtract: subtract takes 2 sub-expression(s), got 1");
    assert_string_equal(ev_error("integer", "{'index':{'n':0,'args':[{'variable':'O'}]}}"),
                        PATH ".index.n: expected an integer >= 1");
    assert_string_equal(ev_error("float", "{'mapResponse':'N'}"),
                        PATH ".mapResponse: mapResponse: response \"N\" declares no mapping");
    assert_string_equal(ev_error("float", "[1]"),
                        PATH ": expected an expression: a map with one key, the QTI element's "
                             "name");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arithmetic_stays_integer_until_a_float_or_a_division_enters),
        cmocka_unit_test(results_outside_a_types_range_are_null),
        cmocka_unit_test(base_types_are_read_in_qti_spelling_too),
        cmocka_unit_test(null_operands_give_null_and_empty_values_are_null),
        cmocka_unit_test(logic_is_three_valued),
        cmocka_unit_test(comparisons_and_equal_with_tolerances),
        cmocka_unit_test(rounding_works_on_the_decimal_digits_as_written),
        cmocka_unit_test(containers_are_built_searched_and_cut),
        cmocka_unit_test(strings_match_by_case_substring_and_pattern),
        cmocka_unit_test(math_and_statistics_follow_their_domains),
        cmocka_unit_test(points_are_inside_areas_and_map_to_values),
        cmocka_unit_test(type_errors_name_the_path_and_the_types),
    };
    return cmocka_run_group_tests(tests, tf_setup, tf_teardown);
}
