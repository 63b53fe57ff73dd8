/* test_json.c — JSON output of the clients (jsonmp.h): every real in the shortest text that reads
 * back to the same double, in jansson's layout otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "jsonmp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void s_expect_real(double x, const char *text)
{
    char out[32];
    size_t n = as_json_real_text(x, out);
    assert_string_equal(out, text);
    assert_int_equal(n, strlen(text));
    assert_true(strtod(out, NULL) == x);
}

static void reals_take_their_shortest_round_trip_text(void **state)
{
    s_expect_real(1.9, "1.9");
    s_expect_real(11.0 / 19.0, "0.5789473684210527");
    s_expect_real(0.1 + 0.2, "0.30000000000000004");
    s_expect_real(0.91923076923076918, "0.9192307692307692");
    s_expect_real(1.0 / 3.0, "0.3333333333333333");
    s_expect_real(-2.5, "-2.5");
}

static void reals_that_look_like_integers_keep_a_fraction_or_exponent(void **state)
{
    s_expect_real(2.0, "2.0");
    s_expect_real(0.0, "0.0");
    s_expect_real(-0.0, "-0.0");
    s_expect_real(1e20, "1e20");
    s_expect_real(1e-7, "1e-7");
    s_expect_real(-1.5e-300, "-1.5e-300");
}

static void dumps_rewrites_reals_only_and_keeps_the_layout(void **state)
{
    json_t *v = json_pack("{s:f, s:i, s:s, s:[f, f], s:{}}", "score", 1.9, "n", 3, "text",
                          "1.8999999999999999 \"x\" 2.0", "xs", 0.1 + 0.2, 12.0, "empty");
    char *compact = as_json_dumps(v, JSON_COMPACT);
    assert_string_equal(compact, "{\"score\":1.9,\"n\":3,\"text\":\"1.8999999999999999 \\\"x\\\" "
                                 "2.0\",\"xs\":[0.30000000000000004,12.0],\"empty\":{}}");
    char *indented = as_json_dumps(v, JSON_INDENT(2));
    assert_string_equal(indented,
                        "{\n  \"score\": 1.9,\n  \"n\": 3,\n  \"text\": \"1.8999999999999999 "
                        "\\\"x\\\" 2.0\",\n  \"xs\": [\n    0.30000000000000004,\n    12.0\n  "
                        "],\n  \"empty\": {}\n}");
    free(compact);
    free(indented);
    json_decref(v);
}

static void a_bare_real_and_a_negative_integer_are_handled(void **state)
{
    json_t *r = json_real(0.7);
    char *text = as_json_dumps(r, JSON_ENCODE_ANY);
    assert_string_equal(text, "0.7");
    free(text);
    json_decref(r);
    json_t *a = json_pack("[i, f]", -12, -0.25);
    text = as_json_dumps(a, JSON_COMPACT);
    assert_string_equal(text, "[-12,-0.25]");
    free(text);
    json_decref(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reals_take_their_shortest_round_trip_text),
        cmocka_unit_test(reals_that_look_like_integers_keep_a_fraction_or_exponent),
        cmocka_unit_test(dumps_rewrites_reals_only_and_keeps_the_layout),
        cmocka_unit_test(a_bare_real_and_a_negative_integer_are_handled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
