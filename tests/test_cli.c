/* test_cli.c — the assay CLI against a real assayd: every command, its output, and its exit
 * codes (0 ok, 1 error reply, 2 usage or bad input, 3 engine unreachable). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bkt.h"
#include "harness.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static h_engine_t s_e;
static char *s_out, *s_err;

static int s_up(void **state)
{
    h_start(&s_e, NULL);
    return 0;
}

static int s_down(void **state)
{
    int bad = h_cleanup(&s_e);
    free(s_out);
    free(s_err);
    return bad;
}

/* Runs `assay -d DIR <args>` (with `input` on stdin when not NULL); returns the exit status and
 * leaves stdout and stderr in s_out and s_err. */
static int s_assay(const char *input, const char *fmt, ...)
{
    char args[1024], cmd[4096], out[300], err[300], in[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(out, sizeof out, "%s.out", s_e.dir);
    snprintf(err, sizeof err, "%s.err", s_e.dir);
    snprintf(in, sizeof in, "%s.in", s_e.dir);
    FILE *f = fopen(in, "w");
    if (input) fputs(input, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' -d '%s' %s <'%s' >'%s' 2>'%s'",
             getenv("ASSAY_EXAMPLES"), getenv("ASSAY_CLI"), s_e.dir, args, in, out, err);
    int status = system(cmd);
    free(s_out);
    free(s_err);
    s_out = h_slurp(out);
    s_err = h_slurp(err);
    unlink(out);
    unlink(err);
    unlink(in);
    return WEXITSTATUS(status);
}

static void ping_prints_the_engine_version(void **state)
{
    assert_int_equal(s_assay(NULL, "ping"), 0);
    assert_non_null(strstr(s_out, "assayd 0.1.0 (protocol 1), up "));
}

static void put_score_and_detail_print_readable_results(void **state)
{
    assert_int_equal(s_assay(NULL, "put quiz.json"), 0);
    assert_string_equal(s_out, "stored quiz-demo version 1: 11 items, max score 19\n");
    assert_int_equal(s_assay(NULL, "score quiz-demo answers.json --detail"), 0);
    assert_non_null(strstr(s_out, "quiz-demo v1: 11 / 19 (57.9%) not passed\n"));
    assert_non_null(strstr(s_out, "  bonded-atoms         0.5 / 2\n"));
}

static void detail_prints_the_outcomes_of_custom_processing(void **state)
{
    assert_int_equal(s_assay(NULL, "put custom.json"), 0);
    assert_string_equal(s_out, "stored custom-demo version 1: 4 items, max score 8\n");
    assert_int_equal(s_assay("{\"capitals\": {\"C1\": \"Rome\", \"C2\": \"Rome\"}, \"pi\": 3}",
                             "score custom-demo --detail"),
                     0);
    assert_string_equal(s_out, "custom-demo v1: 0.5 / 8 (6.2%) not passed\n"
                               "  (assessment)           SCORE=0.5 BAND=\"fail\"\n"
                               "  capitals             1 / 3   SCORE=1 "
                               "CAPITALS=[\"Paris\",\"Rome\",\"Oslo\",\"Madrid\"]\n"
                               "  pi                   -0.5 / 2   SCORE=-0.5 FEEDBACK=\"wrong\"\n"
                               "  gas                  0 / 2\n"
                               "  spelling             0 / 1\n");
    assert_int_equal(s_assay(NULL, "delete custom-demo"), 0);
}

static void import_converts_qti_all_or_nothing_and_dry_runs_store_nothing(void **state)
{
    /* a dry run lists what would be stored, and stores nothing */
    assert_int_equal(s_assay(NULL, "import ../tests/qti/items --dry-run"), 0);
    assert_non_null(strstr(s_out, "would store 18 assessment(s) from ../tests/qti/items (dry run: "
                                  "nothing stored)\n"));
    assert_non_null(strstr(s_out, "  extended-text            item 1 item(s), max score 0  "
                                  "items!/extended_text.xml  not scorable: extended-text\n"));
    assert_int_equal(s_assay(NULL, "get choice-single"), 1);
    /* a test file brings the items it refers to (its directory travels as a zip) */
    assert_int_equal(s_assay(NULL, "import ../tests/qti/items/test.xml"), 0);
    assert_string_equal(s_out, "stored 1 assessment(s) from ../tests/qti/items/test.xml\n"
                               "  science-test             test v1 3 item(s), max score 6  "
                               "items!/test.xml\n");
    assert_int_equal(s_assay("{\"largest\": \"jupiter\", \"gravity\": 9.8}", "score science-test"),
                     0);
    assert_string_equal(s_out, "science-test v1: 5 / 6 (83.3%)\n");
    /* one broken file in a directory: nothing of it is stored */
    char dir[256], cmd[2048];
    snprintf(dir, sizeof dir, "%s.qti", s_e.dir);
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
    assert_int_equal(s_assay(NULL, "import '%s'", dir), 1);
    char want[600];
    snprintf(want, sizeof want,
             "assay: bad_request: %s!/zz_broken.xml:3: <mapResponse>: items[0]."
             "response_processing[0].setOutcomeValue.expression.mapResponse: mapResponse: "
             "response \"RESPONSE\" declares no mapping\n",
             strrchr(dir, '/') + 1);
    assert_string_equal(s_err, want);
    assert_int_equal(s_assay(NULL, "get choice-single"), 1); /* not stored either */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(s_assay(NULL, "delete science-test"), 0);
}

/* The score of answers (JSON text) against assessment id, through the CLI. */
static double s_cli_score(const char *id, const char *answers)
{
    assert_int_equal(s_assay(answers, "--json score %s", id), 0);
    json_error_t e;
    json_t *j = json_loads(s_out, 0, &e);
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
    assert_int_equal(s_assay(NULL, "put quiz.json"), 0);
    assert_int_equal(s_assay(NULL, "put custom.json"), 0);
    double before[4];
    for (int i = 0; i < 4; i++)
        before[i] = s_cli_score(ids[i], answers[i]);
    char zip[300], dir[300];
    snprintf(zip, sizeof zip, "%s.quiz.zip", s_e.dir);
    snprintf(dir, sizeof dir, "%s.custom", s_e.dir);
    assert_int_equal(s_assay(NULL, "export quiz-demo --qti '%s'", zip), 0);
    assert_int_equal(s_assay(NULL, "export custom-demo --qti '%s'", dir), 0);
    assert_int_equal(s_assay(NULL, "import '%s'", zip), 0);
    assert_non_null(strstr(s_out, "  quiz-demo                test v"));
    assert_int_equal(s_assay(NULL, "import '%s'", dir), 0);
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
    assert_int_equal(s_assay(NULL, "delete custom-demo"), 0);
}

static void score_reads_answers_from_stdin(void **state)
{
    assert_int_equal(s_assay("{\"capital\": \"paris\"}", "score quiz-demo"), 0);
    assert_string_equal(s_out, "quiz-demo v1: 1 / 19 (5.3%) not passed\n");
    assert_int_equal(s_assay("{\"capital\": \"paris\"}", "score quiz-demo -"), 0);
}

static void json_output_is_machine_readable(void **state)
{
    assert_int_equal(s_assay(NULL, "--json score quiz-demo answers.json"), 0);
    json_error_t e;
    json_t *j = json_loads(s_out, 0, &e);
    assert_non_null(j);
    assert_true(json_real_value(json_object_get(j, "score")) == 11.0);
    assert_true(json_is_false(json_object_get(j, "passed")));
    json_decref(j);
    assert_int_equal(s_assay(NULL, "--json list --all"), 0);
    j = json_loads(s_out, 0, &e);
    assert_true(json_is_array(j));
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "id")),
                        "quiz-demo");
    json_decref(j);
}

static void json_numbers_are_the_shortest_text_of_their_double(void **state)
{
    /* 11 of 19: the ratio is the double nearest 11/19, written as it reads back */
    assert_int_equal(s_assay(NULL, "--json score quiz-demo answers.json"), 0);
    assert_non_null(strstr(s_out, "\"ratio\": 0.5789473684210527,"));
    assert_non_null(strstr(s_out, "\"score\": 11.0,"));
    assert_null(strstr(s_out, "0.578947368421052"
                              "65"));
}

static void list_get_batch_and_stats(void **state)
{
    assert_int_equal(s_assay(NULL, "list"), 0);
    assert_non_null(strstr(s_out, "quiz-demo                      1     11         19  Physics"));
    assert_int_equal(s_assay(NULL, "get quiz-demo"), 0);
    assert_non_null(strstr(s_out, "\"max_score\": 19.0"));
    assert_int_equal(s_assay("[{\"capital\":\"paris\"},{}]", "batch quiz-demo -"), 0);
    assert_string_equal(s_out, "quiz-demo v1: 2 responses, max score 19: mean 0.5, min 0, max 1\n");
    assert_int_equal(s_assay(NULL, "stats"), 0);
    assert_non_null(strstr(s_out, "METHOD"));
    assert_non_null(strstr(s_out, "score_batch"));
}

static void error_replies_exit_1_with_code_and_message(void **state)
{
    assert_int_equal(s_assay(NULL, "get nope"), 1);
    assert_string_equal(s_err, "assay: not_found: assessment \"nope\" not found\n");
    assert_int_equal(s_assay("{\"capitol\": \"paris\"}", "score quiz-demo"), 1);
    assert_string_equal(
        s_err,
        "assay: bad_request: answers.capitol: no item with this id in assessment \"quiz-demo\"\n");
}

static void bad_usage_and_bad_json_exit_2(void **state)
{
    assert_int_equal(s_assay(NULL, "frobnicate"), 2);
    assert_string_equal(s_err, "assay: no command \"frobnicate\"; try 'assay --help'\n");
    assert_int_equal(s_assay(NULL, "get"), 2);
    assert_int_equal(s_assay("{\"capital\": ", "score quiz-demo"), 2);
    assert_string_equal(s_err,
                        "assay: stdin:1:12: invalid JSON: unexpected token near end of file\n");
    assert_int_equal(s_assay(NULL, "put no-such-file.json"), 2);
}

static void an_unreachable_engine_exits_3(void **state)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' -d /nonexistent/assay ping 2>/dev/null", getenv("ASSAY_CLI"));
    assert_int_equal(WEXITSTATUS(system(cmd)), 3);
    snprintf(cmd, sizeof cmd,
             "'%s' -e ipc:///tmp/assay-nobody-here.sock --timeout 200 ping 2>/dev/null",
             getenv("ASSAY_CLI"));
    assert_int_equal(WEXITSTATUS(system(cmd)), 3);
}

static void every_command_has_help(void **state)
{
    const char *cmds[] = {"ping",   "put",       "get",    "list",    "delete", "score", "batch",
                          "submit", "responses", "report", "regrade", "job",    "watch", "stats"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        assert_int_equal(s_assay(NULL, "%s --help", cmds[i]), 0);
        char want[64];
        snprintf(want, sizeof want, "Usage: assay [OPTIONS] %s", cmds[i]);
        assert_non_null(strstr(s_out, want));
    }
    assert_int_equal(s_assay(NULL, "--help"), 0);
    assert_non_null(strstr(s_out, "Exit status: 0 ok; 1 the engine answered with an error"));
}

static void submit_and_responses_store_and_list(void **state)
{
    assert_int_equal(s_assay(NULL, "put quiz.json"), 0);
    assert_int_equal(s_assay("{\"capital\": \"paris\"}", "submit quiz-demo ana --key try-1"), 0);
    assert_non_null(strstr(s_out, ": ana attempt 1 at quiz-demo v"));
    assert_non_null(strstr(s_out, ": 1 / 19 (5.3%) not passed\n"));
    char first[256];
    snprintf(first, sizeof first, "%s", s_out);
    /* the same key again: the original result */
    assert_int_equal(s_assay("{\"capital\": \"rome\"}", "submit quiz-demo ana --key try-1"), 0);
    assert_string_equal(s_out, first);
    assert_int_equal(s_assay(NULL, "submit quiz-demo ana answers.json"), 0);
    assert_non_null(strstr(s_out, ": ana attempt 2 at quiz-demo v"));
    assert_int_equal(s_assay(NULL, "--json responses quiz-demo --learner ana --all --limit 1"), 0);
    json_error_t e;
    json_t *j = json_loads(s_out, 0, &e);
    assert_int_equal(json_array_size(j), 2);
    assert_true(json_real_value(json_object_get(json_array_get(j, 1), "score")) == 11.0);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(j, 0), "answers"), "capital")),
                        "paris");
    json_decref(j);
    assert_int_equal(s_assay(NULL, "responses quiz-demo"), 0);
    assert_non_null(strstr(s_out, "RESPONSE  LEARNER"));
    /* one learner, latest attempt 11 points: the report says so */
    assert_int_equal(s_assay(NULL, "report quiz-demo"), 0);
    assert_non_null(strstr(s_out, "quiz-demo v2: 1 learner(s) (latest attempts), max score 19\n"));
    assert_non_null(strstr(s_out, "  mean      11.0000\n"));
    assert_non_null(strstr(s_out, "  sd              -\n"));
    assert_non_null(
        strstr(s_out, "  capital                   1.000      1.000               -      0.000\n"));
    assert_int_equal(s_assay(NULL, "submit quiz-demo"), 2);
    /* deleting it now needs force: the CLI shows the conflict */
    assert_int_equal(s_assay(NULL, "delete quiz-demo"), 1);
    assert_non_null(strstr(s_err, "assay: conflict: assessment \"quiz-demo\" has "));
}

static void regrade_waits_with_progress_and_job_shows_the_result(void **state)
{
#define S_DEF(key)                                                                                 \
    "{\"id\": \"cli-rg\", \"items\": [{\"id\": \"q\", \"cardinality\": \"single\", "               \
    "\"base_type\": \"identifier\", \"rule\": \"match_correct\", \"correct\": [\"" key "\"]}]}"
    assert_int_equal(s_assay(S_DEF("A"), "put -"), 0);
    assert_int_equal(s_assay("{\"q\": \"A\"}", "submit cli-rg ana"), 0);
    assert_int_equal(s_assay("{\"q\": \"B\"}", "submit cli-rg bo"), 0);
    assert_int_equal(s_assay(S_DEF("B"), "put -"), 0);
    assert_int_equal(s_assay(NULL, "regrade cli-rg --dry-run --wait"), 0);
    assert_non_null(strstr(s_out, ": regrade of cli-rg (dry run): done, 2 of 2 response(s)\n"
                                  "would score with version 2: 2 changed, 0 unchanged\n"));
    assert_non_null(strstr(s_out, " (ana, attempt 1): 1 -> 0\n"));
    assert_non_null(strstr(s_out, " (bo, attempt 1): 0 -> 1\n"));
    assert_non_null(strstr(s_err, ": 2/2 responses")); /* the progress line (not a terminal) */
    assert_int_equal(s_assay(NULL, "regrade cli-rg --wait"), 0);
    assert_non_null(strstr(s_out, ": regrade of cli-rg: done, 2 of 2 response(s)\n"
                                  "scored with version 2: 2 changed, 0 unchanged\n"));
    int job = atoi(s_out + 4);
    assert_true(job > 0);
    assert_int_equal(s_assay(NULL, "--json job %d", job), 0);
    assert_non_null(strstr(s_out, "\"state\": \"done\""));
    assert_int_equal(s_assay(NULL, "job 99999"), 1);
    assert_string_equal(s_err, "assay: not_found: job 99999 not found\n");
    assert_int_equal(s_assay(NULL, "job x"), 2);
    assert_int_equal(s_assay(NULL, "regrade nope"), 1);
    assert_string_equal(s_err, "assay: not_found: assessment \"nope\" not found\n");
}

static void replay_reads_both_formats_and_summarises_mastery(void **state)
{
    /* s0 answers the skill right twice, s1 wrong once (skill 7, then skill 8 in the lists format);
     * default parameters (prior 0.3, learn 0.1, forget 0, guess 0.2, slip 0.1): 0.91923076923076918
     * and 0.14576271186440679 (test_bkt) */
    char path[300];
    const char *files[2][2] = {
        {"long.csv", "student,seq,skill_id,correct\n1,0,7,0\n0,1,7,1\n0,0,7,1\n"},
        {"lists.csv", "fold,uid,concepts,responses\n0,0,\"8,8\",\"1,1\"\n0,1,\"8\",\"0\"\n"}};
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s.%s", s_e.dir, files[i][0]);
        FILE *f = fopen(path, "w");
        fputs(files[i][1], f);
        fclose(f);
        assert_int_equal(s_assay(NULL, "replay '%s'", path), 0);
        char want[200];
        snprintf(want, sizeof want,
                 "SKILL           LEARNERS  MEAN MASTERY    MASTERED\n"
                 "skill-%d                2        0.5325         0.0%%\n",
                 7 + i);
        assert_string_equal(s_out, want);
        assert_non_null(strstr(s_err, "replay: 3 answers of 2 learners on 1 skills in "));
        unlink(path);
    }
    assert_int_equal(s_assay(NULL, "mastery s0 skill-7"), 0);
    assert_non_null(strstr(
        s_out, "skill-7                       0.9192           0.8435              2  no\n"));
    snprintf(path, sizeof path, "%s.bad", s_e.dir);
    FILE *f = fopen(path, "w");
    fputs("a,b\n", f);
    fclose(f);
    assert_int_equal(s_assay(NULL, "replay '%s'", path), 2);
    assert_non_null(strstr(s_err,
                           ": expected the header student,seq,skill_id,correct (assist2009) or "
                           "fold,uid,concepts,responses (assist2015)\n"));
    unlink(path);
    assert_int_equal(s_assay(NULL, "replay x --prior 2"), 2);
    assert_string_equal(s_err, "assay replay: --prior: expected a probability in [0, 1], got 2\n");
}

/* AUC by counting pairs, ties half: independent of kt-eval's rank-based computation. */
static double s_pair_auc(const double *p, const int *y, int n)
{
    double won = 0, pairs = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            if (y[i] && !y[j]) {
                pairs++;
                won += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
            }
    return won / pairs;
}

static void kt_eval_scores_each_prediction_and_fit_reports_its_parameters(void **state)
{
    /* three learners of skill 5; with the default parameters (prior 0.3, learn 0.1, forget 0,
     * guess 0.2, slip 0.1) each answer's prediction is the model's before it */
    const int who[] = {0, 0, 0, 1, 1, 2}, y[] = {1, 1, 0, 0, 1, 1};
    char path[300];
    snprintf(path, sizeof path, "%s.kt.csv", s_e.dir);
    FILE *f = fopen(path, "w");
    fputs("student,seq,skill_id,correct\n0,0,5,1\n0,1,5,1\n0,2,5,0\n1,0,5,0\n1,1,5,1\n"
          "2,0,5,1\n",
          f);
    fclose(f);
    const as_bkt_params_t d = {.prior = 0.3, .learn = 0.1, .guess = 0.2, .slip = 0.1};
    double p[6], m = 0, se = 0;
    for (int i = 0; i < 6; i++) {
        if (i == 0 || who[i] != who[i - 1]) m = d.prior;
        p[i] = as_bkt_p_correct(&d, m);
        se += (p[i] - y[i]) * (p[i] - y[i]);
        m = as_bkt_step(&d, m, y[i]);
    }
    /* a scratch engine: no -d */
    char cmd[1200], out[300];
    snprintf(out, sizeof out, "%s.kt.out", s_e.dir);
    snprintf(cmd, sizeof cmd, "env -u ASSAY_DATA '%s' --json kt-eval '%s' >'%s' 2>/dev/null",
             getenv("ASSAY_CLI"), path, out);
    assert_int_equal(WEXITSTATUS(system(cmd)), 0);
    char *text = h_slurp(out);
    unlink(out);
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    if (!j) fail_msg("not JSON: %s", text);
    free(text);
    assert_int_equal(json_integer_value(json_object_get(j, "answers")), 6);
    assert_int_equal(json_integer_value(json_object_get(j, "learners")), 3);
    double auc = json_real_value(json_object_get(j, "auc"));
    if (!(fabs(auc - s_pair_auc(p, y, 6)) <= 1e-12))
        fail_msg("auc %.17g != %.17g", auc, s_pair_auc(p, y, 6));
    assert_true(fabs(json_real_value(json_object_get(j, "rmse")) - sqrt(se / 6)) <= 1e-12);
    assert_non_null(json_object_get(json_object_get(j, "skills"), "skill-5"));
    json_decref(j);
    /* the engine of the tests: replay, fit with apply, evaluate other learners on it */
    assert_int_equal(s_assay(NULL, "replay '%s'", path), 0);
    assert_int_equal(s_assay(NULL, "fit skill-5 --apply --wait"), 0);
    assert_non_null(
        strstr(s_out, "6 observation(s) of 3 learner(s); applied, mastery recomputed\n"));
    assert_non_null(strstr(s_out, "\nskill-5 "));
    assert_int_equal(s_assay(NULL, "kt-eval '%s' --keep-skills --learners t", path), 0);
    assert_non_null(strstr(s_out, "kt-eval: 6 answers of 3 learners on 1 skills\n"));
    assert_non_null(strstr(s_out, "\n(all)                  6 "));
    assert_int_equal(s_assay(NULL, "kt-eval '%s' --learners 'a b'", path), 2);
    assert_string_equal(s_err, "assay kt-eval: --learners: expected 1 to 16 characters of "
                               "A-Z a-z 0-9 . _ : -\n");
    assert_int_equal(s_assay(NULL, "fit --restarts 0"), 2);
    assert_string_equal(s_err, "assay fit: --restarts: expected 1..100\n");
    unlink(path);
}

static void deep_models_are_put_shown_and_evaluated_from_the_command_line(void **state)
{
    /* the first 40 answers of a reference learner with as many (tests/kt, PyTorch's
     * predictions) */
    char ref_path[400], csv[300];
    snprintf(ref_path, sizeof ref_path, "%s/../tests/kt/dkt_small.json", getenv("ASSAY_EXAMPLES"));
    json_error_t e;
    json_t *ref = json_load_file(ref_path, 0, &e);
    assert_non_null(ref);
    enum { N = 40 };
    json_t *learners = json_object_get(ref, "learners"), *answers = NULL;
    for (size_t i = 0; i < json_array_size(learners) && !answers; i++) {
        json_t *a = json_object_get(json_array_get(learners, i), "answers");
        if (json_array_size(a) >= N) answers = a;
    }
    assert_non_null(answers);
    double p[N];
    int y[N];
    snprintf(csv, sizeof csv, "%s.deep.csv", s_e.dir);
    FILE *f = fopen(csv, "w");
    fputs("student,seq,skill_id,correct\n", f);
    for (int i = 0; i < N; i++) {
        json_t *a = json_array_get(answers, (size_t)i);
        y[i] = (int)json_integer_value(json_array_get(a, 1));
        p[i] = json_real_value(json_array_get(a, 2));
        fprintf(f, "0,%d,%lld,%d\n", i, (long long)json_integer_value(json_array_get(a, 0)), y[i]);
    }
    fclose(f);
    json_decref(ref);
    const char *model = "../tests/kt/dkt_small.safetensors";
    assert_int_equal(s_assay(NULL, "model-put deep %s --kind dkt --title small", model), 0);
    assert_string_equal(s_out, "stored model deep version 1 (dkt, 124 concepts)\n");
    assert_int_equal(s_assay(NULL, "model deep"), 0);
    assert_string_equal(s_out, "model deep version 1: dkt, small\n"
                               "sizes: C 124, H 16, E 16; a learner's state 136 bytes\n"
                               "learners: 0\n");
    assert_int_equal(s_assay(NULL, "models"), 0);
    assert_non_null(strstr(s_out, "\ndeep                            1 dkt          124"));
    /* replayed through the engine: the learner's state after 40 answers */
    assert_int_equal(s_assay(NULL, "replay '%s'", csv), 0);
    assert_int_equal(s_assay(NULL, "mastery s0 --model deep"), 0);
    assert_non_null(strstr(s_out, "s0 under model deep (version 1) after 40 answer(s)\n"));
    /* kt-eval of the model in a scratch engine: the AUC of PyTorch's predictions */
    char cmd[1400], out[300];
    snprintf(out, sizeof out, "%s.deep.out", s_e.dir);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && env -u ASSAY_DATA '%s' --json kt-eval '%s' --model %s --kind dkt "
             ">'%s' 2>/dev/null",
             getenv("ASSAY_EXAMPLES"), getenv("ASSAY_CLI"), csv, model, out);
    assert_int_equal(WEXITSTATUS(system(cmd)), 0);
    char *text = h_slurp(out);
    unlink(out);
    json_t *j = json_loads(text, 0, &e);
    if (!j) fail_msg("not JSON: %s", text);
    free(text);
    assert_int_equal(json_integer_value(json_object_get(j, "answers")), N);
    double auc = json_real_value(json_object_get(j, "auc"));
    if (!(fabs(auc - s_pair_auc(p, y, N)) <= 1e-9))
        fail_msg("auc %.17g != PyTorch's %.17g", auc, s_pair_auc(p, y, N));
    json_decref(j);
    assert_int_equal(s_assay(NULL, "model-put deep %s --kind lstm", model), 2);
    assert_string_equal(s_err, "assay: --kind: expected dkt or dkvmn, got \"lstm\"\n");
    /* a DKT file said to be a DKVMN: the CLI cannot count its concepts; the engine refuses it */
    assert_int_equal(s_assay(NULL, "model-put deep %s --kind dkvmn", model), 2);
    assert_non_null(strstr(s_err, "cannot read the number of concepts from its header (a dkvmn "
                                  "safetensors file?): give --concepts FILE"));
    assert_int_equal(s_assay("[\"a\"]", "model-put deep %s --kind dkvmn --concepts -", model), 1);
    assert_non_null(strstr(s_err, "weights: tensor \"interaction_emb.weight\" is not part of "
                                  "pyKT's DKVMN"));
    assert_int_equal(s_assay(NULL, "model-delete deep"), 0);
    assert_string_equal(s_out, "deleted model deep and every learner's state of it\n");
    unlink(csv);
}

static void attempts_start_save_submit_and_list_from_the_command_line(void **state)
{
    assert_int_equal(
        s_assay("{\"id\": \"cli-ex\", \"time_limit_s\": 600, \"items\": [{\"id\": \"q\", "
                "\"cardinality\": \"single\", \"base_type\": \"identifier\", \"rule\": "
                "\"match_correct\", \"correct\": [\"A\"]}]}",
                "put -"),
        0);
    assert_int_equal(s_assay(NULL, "--json attempt start cli-ex cleo"), 0);
    json_error_t e;
    json_t *j = json_loads(s_out, 0, &e);
    assert_non_null(j);
    long long id = json_integer_value(json_object_get(j, "id"));
    assert_true(id > 0);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "in_progress");
    json_decref(j);
    assert_int_equal(s_assay(NULL, "attempt start cli-ex cleo"), 0);
    char want[160];
    snprintf(want, sizeof want, "attempt %lld of cleo at cli-ex (number 1): in_progress, ", id);
    assert_non_null(strstr(s_out, want));
    assert_non_null(strstr(s_out, ", 0 answer(s) saved\n"));
    assert_int_equal(s_assay("{\"q\": \"A\"}", "attempt save %lld - --seq 2", id), 0);
    assert_non_null(strstr(s_out, ", 1 answer(s) saved\n"));
    assert_int_equal(s_assay("{\"q\": \"B\"}", "attempt save %lld - --seq 1", id), 0);
    assert_non_null(strstr(s_out, "not applied: seq 2 was applied already (a stale tab)\n"));
    assert_int_equal(s_assay(NULL, "attempt submit %lld", id), 0);
    assert_non_null(strstr(s_out, ": 1 / 1\n"));
    assert_int_equal(s_assay(NULL, "attempt list cli-ex --state submitted"), 0);
    assert_non_null(strstr(s_out, "(number 1): submitted"));
    assert_int_equal(s_assay(NULL, "override cli-ex dan --extra-time 120 --extra-attempts 1"), 0);
    assert_string_equal(s_out, "override of dan at cli-ex: 120 s extra time, 1 extra attempt(s), "
                               "closes with the assessment\n");
    assert_int_equal(s_assay(NULL, "attempt get 999999"), 1);
    assert_string_equal(s_err, "assay: not_found: attempt 999999 not found\n");
    assert_int_equal(s_assay(NULL, "attempt start cli-ex"), 2);
}

static void watch_prints_each_notification_on_one_line(void **state)
{
    char cmd[2048], out[300];
    snprintf(out, sizeof out, "%s.watch", s_e.dir);
    const char *cli = getenv("ASSAY_CLI");
    /* watch in the background; once it has subscribed, one submission */
    snprintf(
        cmd, sizeof cmd,
        "timeout 10 '%s' -d '%s' watch --seconds 2 score.quiz-demo >'%s' & sleep 0.5; "
        "echo '{\"capital\": \"paris\"}' | '%s' -d '%s' submit quiz-demo watcher >/dev/null; wait",
        cli, s_e.dir, out, cli, s_e.dir);
    assert_int_equal(system(cmd), 0);
    char *got = h_slurp(out);
    unlink(out);
    assert_non_null(strstr(got, "score.quiz-demo {\"response_id\":"));
    assert_non_null(strstr(got, ",\"learner\":\"watcher\",\"attempt\":1,\"score\":1.0,"));
    assert_int_equal(strchr(got, '\n') - got + 1, (long)strlen(got)); /* exactly one line */
    free(got);
}

/* Runs assayd with arguments; returns its exit status, stdout+stderr in s_out. */
static int s_assayd(const char *args)
{
    char cmd[1024], out[300];
    snprintf(out, sizeof out, "%s.assayd", s_e.dir);
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>&1", getenv("ASSAYD"), args, out);
    int status = system(cmd);
    free(s_out);
    s_out = h_slurp(out);
    unlink(out);
    return WEXITSTATUS(status);
}

static void assayd_documents_its_options_and_rejects_bad_ones(void **state)
{
    assert_int_equal(s_assayd("--help"), 0);
    assert_non_null(strstr(s_out, "Usage: assayd [OPTION]..."));
    assert_non_null(strstr(s_out, "--max-message SIZE"));
    char *help = strdup(s_out);
    assert_int_equal(s_assayd("--version"), 0);
    assert_string_equal(s_out, "assayd 0.1.0 (protocol 1)\n");
    assert_int_equal(s_assayd("--workers 0"), 2);
    assert_string_equal(s_out, "assayd: --workers: expected 1..64, got \"0\"\n");
    assert_int_equal(s_assayd("--max-message lots"), 2);
    assert_string_equal(
        s_out, "assayd: --max-message: expected a size from 64 bytes to 2G, got \"lots\"\n");
    assert_non_null(strstr(help, "--max-admin-message SIZE"));
    assert_int_equal(s_assayd("--max-admin-message 3G"), 2);
    assert_string_equal(
        s_out, "assayd: --max-admin-message: expected a size from 64 bytes to 2G, got \"3G\"\n");
    assert_int_equal(s_assayd("--log-level loud"), 2);
    assert_int_equal(s_assayd("-d /proc/no/such/dir"), 1);
    assert_non_null(strstr(s_out, "assayd: cannot create data directory /proc/no/such/dir: "));
    free(help);
}

static void delete_then_get_exits_1(void **state)
{
    assert_int_equal(s_assay(NULL, "delete quiz-demo"), 0);
    assert_string_equal(s_out, "deleted quiz-demo\n");
    assert_int_equal(s_assay(NULL, "get quiz-demo"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ping_prints_the_engine_version),
        cmocka_unit_test(put_score_and_detail_print_readable_results),
        cmocka_unit_test(detail_prints_the_outcomes_of_custom_processing),
        cmocka_unit_test(import_converts_qti_all_or_nothing_and_dry_runs_store_nothing),
        cmocka_unit_test(score_reads_answers_from_stdin),
        cmocka_unit_test(json_output_is_machine_readable),
        cmocka_unit_test(json_numbers_are_the_shortest_text_of_their_double),
        cmocka_unit_test(list_get_batch_and_stats),
        cmocka_unit_test(error_replies_exit_1_with_code_and_message),
        cmocka_unit_test(bad_usage_and_bad_json_exit_2),
        cmocka_unit_test(an_unreachable_engine_exits_3),
        cmocka_unit_test(every_command_has_help),
        cmocka_unit_test(assayd_documents_its_options_and_rejects_bad_ones),
        cmocka_unit_test(delete_then_get_exits_1),
        cmocka_unit_test(submit_and_responses_store_and_list),
        cmocka_unit_test(watch_prints_each_notification_on_one_line),
        cmocka_unit_test(regrade_waits_with_progress_and_job_shows_the_result),
        cmocka_unit_test(replay_reads_both_formats_and_summarises_mastery),
        cmocka_unit_test(kt_eval_scores_each_prediction_and_fit_reports_its_parameters),
        cmocka_unit_test(deep_models_are_put_shown_and_evaluated_from_the_command_line),
        cmocka_unit_test(attempts_start_save_submit_and_list_from_the_command_line),
        cmocka_unit_test(
            an_exported_assessment_imports_back_scoring_as_before), /* last: it
                                                                      replaces quiz-demo */
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
