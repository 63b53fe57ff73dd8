/* test_cli_qti.c — assay import and assay export against a real assayd: whole banks and
 * packages, what is refused and why, replace, prefix and id, the score outcome, and round trips
 * (import(export(x)) is x; an export scores as its source did). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cli_fixture.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void import_converts_qti_all_or_nothing_and_dry_runs_store_nothing(void **state)
{
    /* a dry run lists what would be stored, and stores nothing */
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items --dry-run"), 0);
    assert_non_null(strstr(cli_out,
                           "would store 21 assessment(s) from ../tests/qti/items (dry run: "
                           "nothing stored)\n"));
    assert_non_null(strstr(cli_out, "  extended-text            item 1 item(s), max score 0  "
                                    "items!/extended_text.xml  not scorable: extended-text\n"));
    /* an item whose processing outgoes its declared max is stored with a warning; one with no
     * score outcome with its outcomes and a null score */
    assert_non_null(strstr(cli_out, "  over-max                 item 1 item(s), max score 1  "
                                    "items!/over_max.xml\n    warning: item over-max: its "
                                    "processing can score up to 2, above its declared max 1 (a "
                                    "result above it says over_max)\n"));
    assert_non_null(strstr(cli_out, "  two-outcomes             item 1 item(s), max score 0  "
                                    "items!/two_outcomes.xml  no score outcome (name it with "
                                    "--score-outcome): two-outcomes\n"));
    assert_non_null(strstr(cli_out, "  total-test               test 2 item(s), max score 2  "
                                    "items!/test_total.xml\n"));
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items/two_outcomes.xml"), 0);
    assert_int_equal(cli_assay("{\"two-outcomes\": 12}", "score two-outcomes --detail"), 0);
    assert_string_equal(cli_out,
                        "two-outcomes v1: 0 / 0 (0.0%)\n"
                        "  two-outcomes         - (not scorable)   ACCURACY=1.0 ATTEMPTED=1\n");
    assert_int_equal(cli_assay(NULL, "delete two-outcomes"), 0);
    /* an IMS test scores into TOTAL_SCORE when the import names it */
    assert_int_equal(
        cli_assay(NULL, "import ../tests/qti/items/test_total.xml --score-outcome TOTAL_SCORE"), 0);
    assert_string_equal(cli_out, "stored 1 assessment(s) from ../tests/qti/items/test_total.xml\n"
                                 "  total-test               test v1 2 item(s), max score -  "
                                 "items!/test_total.xml\n");
    assert_int_equal(cli_assay("{\"largest\": \"jupiter\", \"spider\": 8}", "score total-test"), 0);
    assert_string_equal(cli_out, "total-test v1: 2.5 / - (max not known)\n");
    assert_int_equal(cli_assay(NULL, "delete total-test"), 0);
    assert_int_equal(cli_assay(NULL, "get choice-single"), 1);
    /* a not-scorable item shows a dash, not nan / 0 */
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items/extended_text.xml"), 0);
    assert_int_equal(cli_assay("{\"extended-text\": \"an essay\"}", "score extended-text --detail"),
                     0);
    assert_string_equal(cli_out, "extended-text v1: 0 / 0 (0.0%)\n"
                                 "  extended-text        - (not scorable)\n");
    assert_int_equal(cli_assay(NULL, "delete extended-text"), 0);
    /* graded by people on 0..N when the import gives N */
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items/extended_text.xml --graded-max 5"),
                     0);
    assert_string_equal(cli_out,
                        "stored 1 assessment(s) from ../tests/qti/items/extended_text.xml\n"
                        "  extended-text            item v2 1 item(s), max score 5  "
                        "extended_text.xml  graded by people: extended-text\n");
    assert_int_equal(cli_assay(NULL, "import x.xml --graded-max 0"), 2);
    assert_string_equal(cli_err, "assay import: --graded-max: expected 1..100, got \"0\"\n");
    assert_int_equal(cli_assay(NULL, "delete extended-text"), 0);
    /* a test file brings the items it refers to (its directory travels as a zip) */
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items/test.xml"), 0);
    assert_string_equal(cli_out, "stored 1 assessment(s) from ../tests/qti/items/test.xml\n"
                                 "  science-test             test v1 3 item(s), max score 6  "
                                 "items!/test.xml\n");
    assert_int_equal(cli_assay(NULL, "--json get science-test"), 0); /* its title is kept */
    assert_non_null(strstr(cli_out, "\"title\": \"Science test\""));
    assert_int_equal(
        cli_assay("{\"largest\": \"jupiter\", \"gravity\": 9.8}", "score science-test"), 0);
    assert_string_equal(cli_out, "science-test v1: 5 / 6 (83.3%)\n");
    /* --id names a single test's assessment as a single item's; --prefix goes before each id */
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items/test.xml --id my-test --dry-run"),
                     0);
    assert_non_null(strstr(cli_out, "\n  my-test                  test 3 item(s), max score 6  "));
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items --dry-run --prefix b2-"), 0);
    assert_non_null(strstr(cli_out, "\n  b2-choice-single         item 1 item(s), max score 1  "));
    assert_non_null(strstr(cli_out, "\n  b2-science-test          test 3 item(s), max score 6  "));
    assert_null(strstr(cli_out, "\n  choice-single "));
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items --dry-run --id one"), 1);
    assert_string_equal(cli_err, "assay: bad_request: id: names the one assessment of a single "
                                 "item, or of a test with its items; this upload has 21 (import "
                                 "it without id, or with a prefix)\n");
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items --dry-run --prefix 'b 2'"), 1);
    assert_string_equal(cli_err, "assay: bad_request: prefix: expected 1 to 64 characters of A-Z "
                                 "a-z 0-9 . _ : -\n");
    /* nothing replaced by surprise: importing it again is refused, naming what is there */
    assert_int_equal(cli_assay("{\"largest\": \"jupiter\"}", "submit science-test ivy"), 0);
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items/test.xml"), 1);
    assert_string_equal(cli_err,
                        "assay: conflict: the import would replace 1 assessment(s) already "
                        "stored: \"science-test\" (version 1, 1 stored response(s)); "
                        "import with replace (assay import --replace) to replace them, or "
                        "with another id\n");
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items/test.xml --dry-run"), 0);
    assert_non_null(strstr(cli_out, "items!/test.xml  would replace science-test v1, 1 stored "
                                    "response(s)\n"));
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items/test.xml --replace"), 0);
    assert_string_equal(cli_out, "stored 1 assessment(s) from ../tests/qti/items/test.xml\n"
                                 "  science-test             test v2 3 item(s), max score 6  "
                                 "items!/test.xml  replaced science-test v1, 1 stored "
                                 "response(s)\n");
    /* one broken file in a directory: nothing of it is stored */
    char dir[256], cmd[2048];
    snprintf(dir, sizeof dir, "%s.qti", cli_e.dir);
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && cp '%s/../tests/qti/items/choice_single.xml' '%s/' && printf "
             "'<assessmentItem identifier=\"x\">\\n<responseDeclaration identifier=\"RESPONSE\" "
             "cardinality=\"single\" baseType=\"integer\"/>\\n<outcomeDeclaration "
             "identifier=\"SCORE\" cardinality=\"single\" baseType=\"float\" "
             "normalMaximum=\"1\"/><responseProcessing><setOutcomeValue identifier=\"SCORE\">"
             "<mapResponse identifier=\"RESPONSE\"/></setOutcomeValue></responseProcessing>"
             "</assessmentItem>' > '%s/zz_broken.xml'",
             dir, getenv("ASSAY_EXAMPLES"), dir, dir);
    assert_int_equal(system(cmd), 0);
    /* and a second broken one: both reported in one run, each with its file, line, element */
    snprintf(cmd, sizeof cmd,
             "printf '<assessmentItem identifier=\"y\">\\n<responseDeclaration' "
             "> '%s/zz_cut.xml'",
             dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(cli_assay(NULL, "import '%s'", dir), 1);
    const char *base = strrchr(dir, '/') + 1;
    char broken[400], cut[300], want[2400];
    snprintf(broken, sizeof broken,
             "%s!/zz_broken.xml:3: <mapResponse>: items[0]."
             "response_processing[0].setOutcomeValue.expression.mapResponse: mapResponse: "
             "response \"RESPONSE\" declares no mapping",
             base);
    snprintf(cut, sizeof cut,
             "%s!/zz_cut.xml:2: malformed XML: Premature end of data in tag assessmentItem "
             "line 1",
             base);
    snprintf(want, sizeof want,
             "assay: bad_request: 2 file(s) refused, so nothing is stored (a dry run lists them "
             "all; skip_invalid stores the others): %s; %s\n"
             "refused 2 file(s):\n  %s\n  %s\n",
             broken, cut, broken, cut);
    assert_string_equal(cli_err, want);
    assert_int_equal(cli_assay(NULL, "get choice-single"), 1); /* not stored either */
    /* --skip-invalid: the valid file stored, the two listed, exit 4 */
    assert_int_equal(cli_assay(NULL, "import '%s' --skip-invalid", dir), 4);
    snprintf(want, sizeof want,
             "stored 1 assessment(s) from %s\n"
             "  choice-single            item v1 1 item(s), max score 1  %s!/choice_single.xml\n"
             "refused 2 file(s):\n  %s\n  %s\n",
             dir, base, broken, cut);
    assert_string_equal(cli_out, want);
    assert_int_equal(cli_assay(NULL, "get choice-single"), 0);
    assert_int_equal(cli_assay(NULL, "delete choice-single"), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(cli_assay(NULL, "delete science-test --force"), 0);
}

/* The score of answers (JSON text) against assessment id, through the CLI. */
static double s_cli_score(const char *id, const char *answers)
{
    assert_int_equal(cli_assay(answers, "--json score %s", id), 0);
    json_error_t e;
    json_t *j = json_loads(cli_out, 0, &e);
    assert_non_null(j);
    double score = json_number_value(json_object_get(j, "score"));
    json_decref(j);
    return score;
}

static void an_exported_assessment_imports_back_scoring_as_before(void **state)
{
    static const char *const answers[] = {
        "{}",
        "{\"capital\": \"paris\", \"primes\": [7, 5, 3, 2], \"gravity\": 9.79, "
        "\"noble-gases\": [\"helium\", \"neon\", \"oxygen\"], \"bonded-atoms\": [\"C O\"]}",
        "{\"capitals\": {\"C1\": \"Rome\", \"C2\": \"Rome\", \"C3\": \"Madrid\"}, "
        "\"pi\": 3.1412, \"gas\": {\"P\": 2, \"V\": 12.5}, \"spelling\": \"color\"}",
        "{\"pi\": 2.5}",
    };
    static const char *const ids[] = {"quiz-demo", "quiz-demo", "custom-demo", "custom-demo"};
    assert_int_equal(cli_assay(NULL, "put quiz.json"), 0);
    assert_int_equal(cli_assay(NULL, "put custom.json"), 0);
    double before[4];
    for (int i = 0; i < 4; i++)
        before[i] = s_cli_score(ids[i], answers[i]);
    char zip[300], dir[300];
    snprintf(zip, sizeof zip, "%s.quiz.zip", cli_e.dir);
    snprintf(dir, sizeof dir, "%s.custom", cli_e.dir);
    assert_int_equal(cli_assay(NULL, "export quiz-demo --qti '%s'", zip), 0);
    assert_int_equal(cli_assay(NULL, "export custom-demo --qti '%s'", dir), 0);
    assert_int_equal(cli_assay(NULL, "import '%s' --replace", zip), 0);
    assert_non_null(strstr(cli_out, "  quiz-demo                test v"));
    assert_int_equal(cli_assay(NULL, "import '%s' --replace", dir), 0);
    for (int i = 0; i < 4; i++) {
        double after = s_cli_score(ids[i], answers[i]);
        if (after != before[i])
            fail_msg("%s %s: %g before the round trip, %g after", ids[i], answers[i], before[i],
                     after);
    }
    assert_true(before[1] > 0 && before[2] == 7 && before[3] == 0);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", zip, dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(cli_assay(NULL, "delete custom-demo"), 0);
}

/* The definition of assessment id as `assay --json get` prints it, without its version. */
static json_t *s_definition(const char *id)
{
    assert_int_equal(cli_assay(NULL, "--json get %s", id), 0);
    json_t *d = json_loads(cli_out, 0, NULL);
    assert_non_null(d);
    json_object_del(d, "version");
    return d;
}

/* import(export(x)) is x: an imported test exports its items with the content they were
 * imported with (bodies, titles) and assay's own settings (pass ratio, attempts, time limit, an
 * item's kt_threshold), and importing that gives back the very definition. */
static void
an_imported_test_exports_its_content_and_settings_and_imports_back_the_same(void **state)
{
    assert_int_equal(cli_assay(NULL, "import ../tests/qti/items/test.xml"), 0);
    json_t *d = s_definition("science-test");
    json_t *largest = json_array_get(json_object_get(d, "items"), 0);
    const char *body = json_string_value(json_object_get(json_object_get(largest, "qti"), "body"));
    assert_non_null(body); /* the item's body, kept by the import */
    assert_non_null(strstr(body, "<choiceInteraction"));
    assert_string_equal(json_string_value(json_object_get(largest, "title")), "Largest planet");
    json_object_set_new(d, "pass_ratio", json_real(0.5));
    json_object_set_new(d, "max_attempts", json_integer(2));
    json_object_set_new(d, "time_limit_s", json_integer(600));
    json_object_set_new(largest, "kt_threshold", json_real(0.5));
    json_object_del(d, "max_score");
    char *text = json_dumps(d, JSON_COMPACT);
    assert_int_equal(cli_assay(text, "put -"), 0);
    free(text);
    json_decref(d);
    json_t *before = s_definition("science-test");
    char zip[300];
    snprintf(zip, sizeof zip, "%s.science.zip", cli_e.dir);
    assert_int_equal(cli_assay(NULL, "export science-test --qti '%s'", zip), 0);
    assert_int_equal(cli_assay(NULL, "delete science-test --force"), 0);
    if (cli_assay(NULL, "import '%s'", zip)) fail_msg("%s%s", cli_out, cli_err);
    json_t *after = s_definition("science-test");
    if (!json_equal(before, after)) {
        char *a = json_dumps(before, JSON_SORT_KEYS), *b = json_dumps(after, JSON_SORT_KEYS);
        fail_msg("before the round trip:\n%s\nafter:\n%s", a, b);
    }
    json_decref(before);
    json_decref(after);
    unlink(zip);
    assert_int_equal(cli_assay(NULL, "delete science-test --force"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import_converts_qti_all_or_nothing_and_dry_runs_store_nothing),
        cmocka_unit_test(
            an_imported_test_exports_its_content_and_settings_and_imports_back_the_same),
        cmocka_unit_test(an_exported_assessment_imports_back_scoring_as_before),
    };
    return cmocka_run_group_tests(tests, cli_up, cli_down);
}
