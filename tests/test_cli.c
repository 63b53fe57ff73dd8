/* test_cli.c — the assay CLI against a real assayd: every command, its output, and its exit
 * codes (0 ok, 1 error reply, 2 usage or bad input, 3 engine unreachable); knowledge tracing's
 * commands: test_cli_kt.c; QTI import and export: test_cli_qti.c. The rest stays in one file:
 * its help test lists every command tested here, which a split would scatter. */
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
#include <unistd.h>
#include <sys/wait.h>
#include <unistd.h>

static void ping_prints_the_engine_version(void **state)
{
    assert_int_equal(cli_assay(NULL, "ping"), 0);
    assert_non_null(strstr(cli_out, "assayd 0.1.0 (protocol 1), up "));
}

static void put_score_and_detail_print_readable_results(void **state)
{
    assert_int_equal(cli_assay(NULL, "put quiz.json"), 0);
    assert_string_equal(cli_out, "stored quiz-demo version 1: 11 items, max score 19\n");
    assert_int_equal(cli_assay(NULL, "score quiz-demo answers.json --detail"), 0);
    assert_non_null(strstr(cli_out, "quiz-demo v1: 11 / 19 (57.9%) not passed\n"));
    assert_non_null(strstr(cli_out, "  bonded-atoms         0.5 / 2\n"));
}

static void detail_prints_the_outcomes_of_custom_processing(void **state)
{
    assert_int_equal(cli_assay(NULL, "put custom.json"), 0);
    assert_string_equal(cli_out, "stored custom-demo version 1: 4 items, max score 8\n");
    assert_int_equal(cli_assay("{\"capitals\": {\"C1\": \"Rome\", \"C2\": \"Rome\"}, \"pi\": 3}",
                               "score custom-demo --detail"),
                     0);
    assert_string_equal(cli_out, "custom-demo v1: 0.5 / 8 (6.2%) not passed\n"
                                 "  (assessment)           SCORE=0.5 BAND=\"fail\"\n"
                                 "  capitals             1 / 3   SCORE=1 "
                                 "CAPITALS=[\"Paris\",\"Rome\",\"Oslo\",\"Madrid\"]\n"
                                 "  pi                   -0.5 / 2   SCORE=-0.5 FEEDBACK=\"wrong\"\n"
                                 "  gas                  0 / 2\n"
                                 "  spelling             0 / 1\n");
    assert_int_equal(cli_assay(NULL, "delete custom-demo"), 0);
}

/* An item whose program nothing bounds: the max is not known ("-"), the score as usual; a
 * declared max below what the program gives: the result says it is over. */
static void a_max_not_known_prints_a_dash_and_a_score_over_its_max_says_so(void **state)
{
    const char *open_max =
        "{\"id\": \"open-max\", \"pass_ratio\": 0.5, \"items\": [{\"id\": \"n\", \"responses\": "
        "[{\"id\": \"R\", \"cardinality\": \"single\", \"base_type\": \"float\"}], "
        "\"response_processing\": [{\"setOutcomeValue\": {\"identifier\": \"SCORE\", "
        "\"expression\": {\"variable\": \"R\"}}}]}]}";
    assert_int_equal(cli_assay(open_max, "put -"), 0);
    assert_string_equal(cli_out, "stored open-max version 1: 1 items, max score -\n");
    assert_int_equal(cli_assay("{\"n\": 12.5}", "score open-max --detail"), 0);
    assert_string_equal(cli_out, "open-max v1: 12.5 / - (max not known)\n"
                                 "  n                    12.5 / -\n");
    assert_int_equal(cli_assay("{\"n\": 12.5}", "--json score open-max"), 0);
    assert_non_null(
        strstr(cli_out, "\"max_score\": null,\n  \"ratio\": null,\n  \"passed\": null\n"));
    const char *over =
        "{\"id\": \"over\", \"items\": [{\"id\": \"m\", \"responses\": [{\"id\": \"R\", "
        "\"cardinality\": \"single\", \"base_type\": \"identifier\", \"mapping\": {\"entries\": "
        "[{\"key\": \"A\", \"value\": 2}]}}], \"outcomes\": [{\"id\": \"SCORE\", \"base_type\": "
        "\"float\", \"normal_maximum\": 1}], \"response_processing\": [{\"setOutcomeValue\": "
        "{\"identifier\": \"SCORE\", \"expression\": {\"mapResponse\": \"R\"}}}]}]}";
    assert_int_equal(cli_assay(over, "put -"), 0);
    assert_int_equal(cli_assay("{\"m\": \"A\"}", "score over"), 0);
    assert_string_equal(cli_out, "over v1: 2 / 1 (200.0%), over its max\n");
    assert_int_equal(cli_assay("{\"m\": \"A\"}", "--json score over"), 0);
    assert_non_null(strstr(cli_out, "\"over_max\": true"));
    assert_int_equal(cli_assay(NULL, "delete open-max"), 0);
    assert_int_equal(cli_assay(NULL, "delete over"), 0);
}

static void score_reads_answers_from_stdin(void **state)
{
    assert_int_equal(cli_assay("{\"capital\": \"paris\"}", "score quiz-demo"), 0);
    assert_string_equal(cli_out, "quiz-demo v1: 1 / 19 (5.3%) not passed\n");
    assert_int_equal(cli_assay("{\"capital\": \"paris\"}", "score quiz-demo -"), 0);
}

static void a_graded_answer_prints_the_score_so_far_and_what_waits_for_people(void **state)
{
    assert_int_equal(cli_assay("{\"id\": \"zessay\", \"items\": [{\"id\": \"q\", "
                               "\"cardinality\": \"single\", \"base_type\": \"identifier\", "
                               "\"rule\": \"match_correct\", \"correct\": [\"A\"]}, "
                               "{\"id\": \"e\", \"graded\": {\"max\": 4}}]}",
                               "put -"),
                     0);
    assert_string_equal(cli_out, "stored zessay version 1: 2 items, max score 5\n");
    assert_int_equal(cli_assay("{\"q\": \"A\", \"e\": \"my essay\"}", "score zessay"), 0);
    assert_string_equal(cli_out,
                        "zessay v1: 1 / 5 (20.0%) so far; waiting for people's grades of e\n");
    assert_int_equal(cli_assay("{\"q\": \"A\", \"e\": \"my essay\"}", "submit zessay ann"), 0);
    assert_string_equal(cli_out, "response 1: ann attempt 1 at zessay v1: 1 / 5 (20.0%) so far; "
                                 "waiting for people's grades of e\n");
    /* a rater is handed it (blind, leased), then grades it: resolved (one rater), the response
     * scored; nothing is left to hand out */
    assert_int_equal(cli_assay(NULL, "grade-next zessay ben --lease 600"), 0);
    assert_string_equal(cli_out,
                        "response 1 item e for ben (0 to 4 in steps of 1): \"my essay\"\n");
    assert_int_equal(cli_assay(NULL, "grade-next zessay ben --lease 0"), 2);
    assert_string_equal(cli_err,
                        "assay grade-next: --lease: expected 1..3600 seconds, got \"0\"\n");
    assert_int_equal(cli_assay(NULL, "grade-next zessay cy"), 0);
    assert_string_equal(cli_out, "nothing left to grade for cy\n");
    /* a rater grades it: resolved (one rater), the response scored */
    assert_int_equal(cli_assay(NULL, "grade 1 e ben 3 --comment 'clear'"), 0);
    assert_string_equal(cli_out,
                        "response 1 item e: ben graded 3 (resolved: item score 3, response scored "
                        "4)\n");
    assert_int_equal(cli_assay(NULL, "grade 1 e ben lots"), 2);
    assert_string_equal(cli_err, "assay grade: SCORE: expected a number, got \"lots\"\n");
    /* a second person and a judge grade it: how they agree */
    assert_int_equal(cli_assay(NULL, "grade 1 e cy 1"), 0);
    assert_int_equal(cli_assay(NULL, "grade 1 e auto:x 3"), 0);
    assert_int_equal(cli_assay(NULL, "agreement zessay --item e"), 0);
    assert_string_equal(cli_out,
                        "item e: 1 answers graded, 2 grades by 2 people; exact 0.000, adjacent "
                        "0.000; alpha nominal 0.000, ordinal 0.000, interval 0.000\n"
                        "  ben|cy  n 1  exact 0.000  kappa 0.000  qwk 0.000\n"
                        "  judge auto:x  n 2  exact 0.500  adjacent 0.500  kappa 0.000  qwk "
                        "0.000\n");
    assert_int_equal(cli_assay(NULL, "grades --response 1"), 0);
    assert_string_equal(cli_out,
                        "  RESPONSE  ITEM         RATER                 SCORE REVISION  COMMENT\n"
                        "         1  e            auto:x                    3        1\n"
                        "         1  e            ben                       3        1  clear\n"
                        "         1  e            cy                        1        1\n");
    assert_int_equal(cli_assay(NULL, "grade-next zessay dee"), 0);
    assert_string_equal(cli_out, "nothing left to grade for dee\n");
    assert_int_equal(cli_assay(NULL, "grades --response x"), 2);
    assert_string_equal(cli_err, "assay grades: --response: expected a response id, got \"x\"\n");
    assert_int_equal(cli_assay(NULL, "agreement zessay --item q"), 1);
    assert_string_equal(cli_err, "assay: bad_request: item: item \"q\" of assessment \"zessay\" "
                                 "is scored automatically, not graded by people\n");
}

static void json_output_is_machine_readable(void **state)
{
    assert_int_equal(cli_assay(NULL, "--json score quiz-demo answers.json"), 0);
    json_error_t e;
    json_t *j = json_loads(cli_out, 0, &e);
    assert_non_null(j);
    assert_true(json_real_value(json_object_get(j, "score")) == 11.0);
    assert_true(json_is_false(json_object_get(j, "passed")));
    json_decref(j);
    assert_int_equal(cli_assay(NULL, "--json list --all"), 0);
    j = json_loads(cli_out, 0, &e);
    assert_true(json_is_array(j));
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "id")),
                        "quiz-demo");
    json_decref(j);
}

static void json_numbers_are_the_shortest_text_of_their_double(void **state)
{
    /* 11 of 19: the ratio is the double nearest 11/19, written as it reads back */
    assert_int_equal(cli_assay(NULL, "--json score quiz-demo answers.json"), 0);
    assert_non_null(strstr(cli_out, "\"ratio\": 0.5789473684210527,"));
    assert_non_null(strstr(cli_out, "\"score\": 11.0,"));
    assert_null(strstr(cli_out, "0.578947368421052"
                                "65"));
}

static void list_get_batch_and_stats(void **state)
{
    assert_int_equal(cli_assay(NULL, "list"), 0);
    assert_non_null(strstr(cli_out, "quiz-demo                      1     11         19  Physics"));
    assert_int_equal(cli_assay(NULL, "get quiz-demo"), 0);
    assert_non_null(strstr(cli_out, "\"max_score\": 19.0"));
    assert_int_equal(cli_assay("[{\"capital\":\"paris\"},{}]", "batch quiz-demo -"), 0);
    assert_string_equal(cli_out,
                        "quiz-demo v1: 2 responses, max score 19: mean 0.5, min 0, max 1\n");
    assert_int_equal(cli_assay(NULL, "stats"), 0);
    assert_non_null(strstr(cli_out, "METHOD"));
    assert_non_null(strstr(cli_out, "score_batch"));
}

static void error_replies_exit_1_with_code_and_message(void **state)
{
    assert_int_equal(cli_assay(NULL, "get nope"), 1);
    assert_string_equal(cli_err, "assay: not_found: assessment \"nope\" not found\n");
    assert_int_equal(cli_assay("{\"capitol\": \"paris\"}", "score quiz-demo"), 1);
    assert_string_equal(
        cli_err,
        "assay: bad_request: answers.capitol: no item with this id in assessment \"quiz-demo\"\n");
}

static void bad_usage_and_bad_json_exit_2(void **state)
{
    assert_int_equal(cli_assay(NULL, "frobnicate"), 2);
    assert_string_equal(cli_err, "assay: no command \"frobnicate\"; try 'assay --help'\n");
    assert_int_equal(cli_assay(NULL, "get"), 2);
    assert_int_equal(cli_assay("{\"capital\": ", "score quiz-demo"), 2);
    assert_string_equal(cli_err,
                        "assay: stdin:1:12: invalid JSON: unexpected token near end of file\n");
    assert_int_equal(cli_assay(NULL, "put no-such-file.json"), 2);
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
    const char *cmds[] = {"ping",     "put",       "get",    "list",      "delete",
                          "score",    "batch",     "submit", "responses", "report",
                          "regrade",  "job",       "watch",  "stats",     "jobs",
                          "response", "agreement", "grades", "grade-next"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        assert_int_equal(cli_assay(NULL, "%s --help", cmds[i]), 0);
        char want[64];
        snprintf(want, sizeof want, "Usage: assay [OPTIONS] %s", cmds[i]);
        assert_non_null(strstr(cli_out, want));
    }
    assert_int_equal(cli_assay(NULL, "--help"), 0);
    assert_non_null(strstr(cli_out, "Exit status: 0 ok; 1 the engine answered with an error"));
}

static void submit_and_responses_store_and_list(void **state)
{
    assert_int_equal(cli_assay(NULL, "put quiz.json"), 0);
    assert_int_equal(cli_assay("{\"capital\": \"paris\"}", "submit quiz-demo ana --key try-1"), 0);
    assert_non_null(strstr(cli_out, ": ana attempt 1 at quiz-demo v"));
    assert_non_null(strstr(cli_out, ": 1 / 19 (5.3%) not passed\n"));
    char first[256];
    snprintf(first, sizeof first, "%s", cli_out);
    /* the same key again: the original result */
    assert_int_equal(cli_assay("{\"capital\": \"rome\"}", "submit quiz-demo ana --key try-1"), 0);
    assert_string_equal(cli_out, first);
    assert_int_equal(cli_assay(NULL, "submit quiz-demo ana answers.json"), 0);
    assert_non_null(strstr(cli_out, ": ana attempt 2 at quiz-demo v"));
    assert_int_equal(cli_assay(NULL, "--json responses quiz-demo --learner ana --all --limit 1"),
                     0);
    json_error_t e;
    json_t *j = json_loads(cli_out, 0, &e);
    assert_int_equal(json_array_size(j), 2);
    assert_true(json_real_value(json_object_get(json_array_get(j, 1), "score")) == 11.0);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(j, 0), "answers"), "capital")),
                        "paris");
    json_decref(j);
    assert_int_equal(cli_assay(NULL, "responses quiz-demo"), 0);
    assert_non_null(strstr(cli_out, "RESPONSE  LEARNER"));
    /* one learner, latest attempt 11 points: the report says so */
    assert_int_equal(cli_assay(NULL, "report quiz-demo"), 0);
    assert_non_null(
        strstr(cli_out, "quiz-demo v2: 1 learner(s) (latest attempts), max score 19\n"));
    assert_non_null(strstr(cli_out, "  mean      11.0000\n"));
    assert_non_null(strstr(cli_out, "  sd              -\n"));
    assert_non_null(strstr(
        cli_out, "  capital                   1.000      1.000               -      0.000\n"));
    assert_int_equal(cli_assay(NULL, "submit quiz-demo"), 2);
    /* deleting it now needs force: the CLI shows the conflict */
    assert_int_equal(cli_assay(NULL, "delete quiz-demo"), 1);
    assert_non_null(strstr(cli_err, "assay: conflict: assessment \"quiz-demo\" has "));
}

static void regrade_waits_with_progress_and_job_shows_the_result(void **state)
{
#define S_DEF(key)                                                                                 \
    "{\"id\": \"cli-rg\", \"items\": [{\"id\": \"q\", \"cardinality\": \"single\", "               \
    "\"base_type\": \"identifier\", \"rule\": \"match_correct\", \"correct\": [\"" key "\"]}]}"
    assert_int_equal(cli_assay(S_DEF("A"), "put -"), 0);
    assert_int_equal(cli_assay("{\"q\": \"A\"}", "submit cli-rg ana"), 0);
    assert_int_equal(cli_assay("{\"q\": \"B\"}", "submit cli-rg bo"), 0);
    assert_int_equal(cli_assay(S_DEF("B"), "put -"), 0);
    assert_int_equal(cli_assay(NULL, "regrade cli-rg --dry-run --wait"), 0);
    assert_non_null(strstr(cli_out, ": regrade of cli-rg (dry run): done, 2 of 2 response(s)\n"
                                    "would score with version 2: 2 changed, 0 unchanged\n"));
    assert_non_null(strstr(cli_out, " (ana, attempt 1): 1 -> 0\n"));
    assert_non_null(strstr(cli_out, " (bo, attempt 1): 0 -> 1\n"));
    assert_non_null(strstr(cli_err, ": 2/2 responses")); /* the progress line (not a terminal) */
    assert_int_equal(cli_assay(NULL, "regrade cli-rg --wait"), 0);
    assert_non_null(strstr(cli_out, ": regrade of cli-rg: done, 2 of 2 response(s)\n"
                                    "scored with version 2: 2 changed, 0 unchanged\n"));
    int job = atoi(cli_out + 4);
    assert_true(job > 0);
    assert_int_equal(cli_assay(NULL, "--json job %d", job), 0);
    assert_non_null(strstr(cli_out, "\"state\": \"done\""));
    assert_int_equal(cli_assay(NULL, "job 99999"), 1);
    assert_string_equal(cli_err, "assay: not_found: job 99999 not found\n");
    assert_int_equal(cli_assay(NULL, "job x"), 2);
    assert_int_equal(cli_assay(NULL, "regrade nope"), 1);
    assert_string_equal(cli_err, "assay: not_found: assessment \"nope\" not found\n");
}

static void response_shows_the_answers_and_item_scores_of_one_stored_response(void **state)
{
    assert_int_equal(
        cli_assay("{\"id\": \"cli-one\", \"items\": [{\"id\": \"q1\", \"cardinality\": "
                  "\"single\", \"base_type\": \"identifier\", \"rule\": \"match_correct\", "
                  "\"correct\": [\"A\"]}, {\"id\": \"q2\", \"cardinality\": \"multiple\", "
                  "\"base_type\": \"identifier\", \"rule\": \"match_correct\", \"correct\": "
                  "[\"B\", \"C\"], \"weight\": 2}]}",
                  "put -"),
        0);
    assert_int_equal(cli_assay("{\"q1\": \"A\", \"q2\": [\"C\", \"B\"]}", "submit cli-one eve"), 0);
    int id = atoi(cli_out + strlen("response "));
    assert_true(id > 0);
    assert_int_equal(cli_assay(NULL, "response %d", id), 0);
    char want[128];
    snprintf(want, sizeof want, "response %d: eve attempt 1 at cli-one v1: 3 / 3 (100.0%%)\n", id);
    assert_memory_equal(cli_out, want, strlen(want));
    const char *rest = strstr(cli_out, "\n  answers\n");
    assert_non_null(rest);
    assert_string_equal(rest, "\n  answers\n"
                              "  q1                   \"A\"\n"
                              "  q2                   [\"C\",\"B\"]\n"
                              "  item scores\n"
                              "  q1                   1 / 1\n"
                              "  q2                   2 / 2\n");
    assert_non_null(strstr(cli_out, "\n  submitted 20"));
    assert_int_equal(cli_assay(NULL, "--json response %d", id), 0);
    assert_non_null(strstr(cli_out, "\"learner\": \"eve\""));
    assert_int_equal(cli_assay(NULL, "response 999999"), 1);
    assert_string_equal(cli_err, "assay: not_found: response 999999 not found\n");
    assert_int_equal(cli_assay(NULL, "response x"), 2);
    assert_string_equal(
        cli_err, "assay: response: expected a response id (a positive integer), got \"x\"\n");
}

static void jobs_lists_every_job_with_its_kind_state_and_progress(void **state)
{
    /* after the regrade test: its dry run and its regrade of cli-rg, 2 of 2 responses each */
    assert_int_equal(cli_assay(NULL, "jobs"), 0);
    assert_memory_equal(cli_out,
                        "     JOB  KIND             STATE    ON                             DONE "
                        "     TOTAL  CREATED\n",
                        90);
    assert_non_null(strstr(cli_out, "  regrade          done     cli-rg                            "
                                    "2          2  20"));
    assert_int_equal(cli_assay(NULL, "--json jobs --all --limit 1"), 0);
    json_error_t e;
    json_t *j = json_loads(cli_out, 0, &e);
    assert_non_null(j);
    size_t n = json_array_size(j);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(json_integer_value(json_object_get(json_array_get(j, i), "job")),
                         (json_int_t)(i + 1));
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, n - 1), "assessment")),
                        "cli-rg");
    json_decref(j);
    assert_int_equal(cli_assay(NULL, "jobs --limit 0"), 2);
    assert_string_equal(cli_err, "assay jobs: --limit: expected 1..200\n");
}

static void attempts_start_save_submit_and_list_from_the_command_line(void **state)
{
    assert_int_equal(
        cli_assay("{\"id\": \"cli-ex\", \"time_limit_s\": 600, \"items\": [{\"id\": \"q\", "
                  "\"cardinality\": \"single\", \"base_type\": \"identifier\", \"rule\": "
                  "\"match_correct\", \"correct\": [\"A\"]}]}",
                  "put -"),
        0);
    assert_int_equal(cli_assay(NULL, "--json attempt start cli-ex cleo"), 0);
    json_error_t e;
    json_t *j = json_loads(cli_out, 0, &e);
    assert_non_null(j);
    long long id = json_integer_value(json_object_get(j, "id"));
    assert_true(id > 0);
    assert_string_equal(json_string_value(json_object_get(j, "state")), "in_progress");
    json_decref(j);
    assert_int_equal(cli_assay(NULL, "attempt start cli-ex cleo"), 0);
    char want[160];
    snprintf(want, sizeof want, "attempt %lld of cleo at cli-ex (number 1): in_progress, ", id);
    assert_non_null(strstr(cli_out, want));
    assert_non_null(strstr(cli_out, ", 0 answer(s) saved\n"));
    assert_int_equal(cli_assay("{\"q\": \"A\"}", "attempt save %lld - --seq 2", id), 0);
    assert_non_null(strstr(cli_out, ", 1 answer(s) saved\n"));
    assert_int_equal(cli_assay("{\"q\": \"B\"}", "attempt save %lld - --seq 1", id), 0);
    assert_non_null(strstr(cli_out, "not applied: seq 2 was applied already (a stale tab)\n"));
    assert_int_equal(cli_assay(NULL, "attempt submit %lld", id), 0);
    assert_non_null(strstr(cli_out, ": 1 / 1\n"));
    /* submit reads answers piped in, as save does */
    assert_int_equal(cli_assay(NULL, "--json attempt start cli-ex dora"), 0);
    long long id2 = atoll(strstr(cli_out, "\"id\": ") + 6);
    assert_int_equal(cli_assay("{\"q\": \"A\"}", "attempt submit %lld", id2), 0);
    assert_non_null(strstr(cli_out, ": 1 / 1\n"));
    assert_int_equal(cli_assay(NULL, "attempt list cli-ex --state submitted"), 0);
    assert_non_null(strstr(cli_out, "(number 1): submitted"));
    assert_int_equal(cli_assay(NULL, "override cli-ex dan --extra-time 120 --extra-attempts 1"), 0);
    assert_string_equal(cli_out, "override of dan at cli-ex: 120 s extra time, 1 extra attempt(s), "
                                 "closes with the assessment\n");
    assert_int_equal(cli_assay(NULL, "attempt get 999999"), 1);
    assert_string_equal(cli_err, "assay: not_found: attempt 999999 not found\n");
    assert_int_equal(cli_assay(NULL, "attempt start cli-ex"), 2);
}

static void delete_with_stored_responses_needs_force_and_keeps_them(void **state)
{
    assert_int_equal(cli_assay("{\"id\": \"cli-del\", \"items\": [{\"id\": \"q\", "
                               "\"cardinality\": \"single\", \"base_type\": \"identifier\", "
                               "\"rule\": \"match_correct\", \"correct\": [\"A\"]}]}",
                               "put -"),
                     0);
    assert_int_equal(cli_assay("{\"q\": \"A\"}", "submit cli-del gus"), 0);
    int id = atoi(cli_out + strlen("response "));
    assert_int_equal(cli_assay(NULL, "delete cli-del"), 1);
    assert_non_null(strstr(cli_err, "assay: conflict: assessment \"cli-del\" has "));
    assert_int_equal(cli_assay(NULL, "delete cli-del --force"), 0);
    assert_string_equal(cli_out, "deleted cli-del\n");
    assert_int_equal(cli_assay(NULL, "get cli-del"), 1);
    assert_int_equal(cli_assay(NULL, "--json response %d", id), 0); /* the response is kept */
    assert_non_null(strstr(cli_out, "\"learner\": \"gus\""));
    assert_int_equal(cli_assay(NULL, "delete"), 2);
    assert_int_equal(cli_assay(NULL, "delete a b"), 2);
}

/* Shell: waits (10 s at most) until the watch whose stderr is the file %s says it has subscribed,
 * then a moment for the subscription to reach the engine (it travels on the engine's socket). A
 * fixed pause alone lost to the time a sanitized CLI takes to start. */
#define S_WAIT_SUB                                                                                 \
    "for i in $(seq 200); do grep -q '^assay watch: subscribed' '%s' 2>/dev/null && break; "       \
    "sleep 0.05; done; sleep 0.3; "

static void watch_prints_each_notification_on_one_line(void **state)
{
    char cmd[2048], out[300], err[300];
    snprintf(out, sizeof out, "%s.watch", cli_e.dir);
    snprintf(err, sizeof err, "%s.watch-err", cli_e.dir);
    const char *cli = getenv("ASSAY_CLI");
    /* watch in the background; once it says it has subscribed, one submission */
    snprintf(cmd, sizeof cmd,
             "timeout 20 '%s' -d '%s' watch --seconds 5 score.quiz-demo >'%s' 2>'%s' & " S_WAIT_SUB
             "echo '{\"capital\": \"paris\"}' | '%s' -d '%s' submit quiz-demo watcher "
             ">/dev/null; wait",
             cli, cli_e.dir, out, err, err, cli, cli_e.dir);
    assert_int_equal(system(cmd), 0);
    char *said = h_slurp(err);
    unlink(err);
    assert_string_equal(said, "assay watch: subscribed to score.quiz-demo\n"); /* and no gap */
    free(said);
    char *got = h_slurp(out);
    unlink(out);
    assert_non_null(strstr(got, "score.quiz-demo {\"response_id\":"));
    assert_non_null(strstr(got, ",\"learner\":\"watcher\",\"attempt\":1,\"score\":1.0,"));
    assert_int_equal(strchr(got, '\n') - got + 1, (long)strlen(got)); /* exactly one line */
    free(got);
}

/* Runs assayd with arguments; returns its exit status, stdout+stderr in cli_out. */
static int s_assayd(const char *args)
{
    char cmd[1024], out[300];
    snprintf(out, sizeof out, "%s.assayd", cli_e.dir);
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>&1", getenv("ASSAYD"), args, out);
    int status = system(cmd);
    free(cli_out);
    cli_out = h_slurp(out);
    unlink(out);
    return WEXITSTATUS(status);
}

static void assayd_documents_its_options_and_rejects_bad_ones(void **state)
{
    assert_int_equal(s_assayd("--help"), 0);
    assert_non_null(strstr(cli_out, "Usage: assayd [OPTION]..."));
    assert_non_null(strstr(cli_out, "--max-message SIZE"));
    char *help = strdup(cli_out);
    assert_int_equal(s_assayd("--version"), 0);
    assert_string_equal(cli_out, "assayd 0.1.0 (protocol 1)\n");
    assert_int_equal(s_assayd("--workers 0"), 2);
    assert_string_equal(cli_out, "assayd: --workers: expected 1..64, got \"0\"\n");
    assert_int_equal(s_assayd("--max-message lots"), 2);
    assert_string_equal(
        cli_out, "assayd: --max-message: expected a size from 64 bytes to 2G, got \"lots\"\n");
    assert_non_null(strstr(help, "--max-admin-message SIZE"));
    assert_int_equal(s_assayd("--max-admin-message 3G"), 2);
    assert_string_equal(
        cli_out, "assayd: --max-admin-message: expected a size from 64 bytes to 2G, got \"3G\"\n");
    assert_int_equal(s_assayd("--log-level loud"), 2);
    assert_int_equal(s_assayd("-d /proc/no/such/dir"), 1);
    assert_non_null(strstr(cli_out, "assayd: cannot create data directory /proc/no/such/dir: "));
    /* --store: lmdb or a PostgreSQL connection string; one that reaches no server is an error
     * at start-up naming libpq's reason */
    assert_non_null(strstr(help, "--store STORE"));
    assert_int_equal(s_assayd("--store mysql://x"), 2);
    assert_string_equal(cli_out, "assayd: --store: expected lmdb or a PostgreSQL connection string "
                                 "(postgresql://... or key=value ...), got \"mysql://x\"\n");
    char args[400];
    snprintf(args, sizeof args, "-d '%s.nopg' --store 'postgresql:///x?host=%s.nosocket'",
             cli_e.dir, cli_e.dir);
    assert_int_equal(s_assayd(args), 1);
    assert_non_null(strstr(cli_out, "assayd: PostgreSQL: "));
    snprintf(args, sizeof args, "rm -rf '%s.nopg'", cli_e.dir);
    assert_int_equal(system(args), 0);
    free(help);
}

static void delete_then_get_exits_1(void **state)
{
    assert_int_equal(cli_assay(NULL, "delete quiz-demo"), 0);
    assert_string_equal(cli_out, "deleted quiz-demo\n");
    assert_int_equal(cli_assay(NULL, "get quiz-demo"), 1);
}

static void several_engines_take_a_request_when_its_own_is_down(void **state)
{
    /* a second engine with the quiz; a learner whose engine it is (the CLI uses admin.sock) */
    (void)state;
    h_engine_t two;
    h_start(&two, NULL);
    assert_int_equal(cli_assay(NULL, "--engine '%s' put quiz.json", two.dir), 0);
    char eps[2][300], learner[32];
    const char *ep[2] = {eps[0], eps[1]};
    snprintf(eps[0], sizeof eps[0], "ipc://%s/admin.sock", two.dir);
    snprintf(eps[1], sizeof eps[1], "ipc://%s/admin.sock", cli_e.dir);
    int order[2] = {1, 0}, len = 0;
    for (int i = 0; order[0] != 0; i++) {
        len = snprintf(learner, sizeof learner, "moved-%d", i);
        assay_node_order(ep, 2, learner, (size_t)len, order);
    }
    /* up, its engine takes it; down, the next */
    assert_int_equal(cli_assay(NULL, "put quiz.json"), 0);
    assert_int_equal(cli_assay(NULL, "--engine '%s,%s' submit quiz-demo %s answers.json", two.dir,
                               cli_e.dir, learner),
                     0);
    assert_int_equal(
        cli_assay(NULL, "--engine '%s' --json responses quiz-demo --learner %s", two.dir, learner),
        0);
    json_error_t e;
    json_t *j = json_loads(cli_out, 0, &e);
    assert_int_equal(json_array_size(j), 1);
    json_decref(j);
    /* watch follows both engines: one submission to each, each notification names its engine */
    char cmd[4096], out[300], werr[300], host[128] = "", node[2][600];
    snprintf(out, sizeof out, "%s.watch2", cli_e.dir);
    snprintf(werr, sizeof werr, "%s.watch2-err", cli_e.dir);
    const char *cli = getenv("ASSAY_CLI");
    snprintf(cmd, sizeof cmd,
             "cd '%s'; timeout 20 '%s' --engine '%s,%s' watch --seconds 5 score.quiz-demo "
             ">'%s' 2>'%s' & " S_WAIT_SUB
             "for d in '%s' '%s'; do '%s' -d \"$d\" submit quiz-demo watched "
             "answers.json >/dev/null; done; wait",
             getenv("ASSAY_EXAMPLES"), cli, two.dir, cli_e.dir, out, werr, werr, two.dir, cli_e.dir,
             cli);
    assert_int_equal(system(cmd), 0);
    char *said = h_slurp(werr);
    unlink(werr);
    assert_string_equal(said, "assay watch: subscribed to score.quiz-demo\n");
    free(said);
    char *got = h_slurp(out);
    unlink(out);
    gethostname(host, sizeof host - 1);
    snprintf(node[0], sizeof node[0], "\"node\":\"%s:%s\"", host, two.dir);
    snprintf(node[1], sizeof node[1], "\"node\":\"%s:%s\"", host, cli_e.dir);
    char *second = strchr(got, '\n');
    assert_non_null(second);
    *second++ = 0;
    assert_non_null(strstr(got, node[0]));
    assert_non_null(strstr(second, node[1]));
    assert_string_equal(strchr(second, '\n'), "\n"); /* two lines, one per engine */
    free(got);
    assert_int_equal(h_stop(&two), 0);
    assert_int_equal(cli_assay(NULL,
                               "--engine '%s,%s' --timeout 5000 submit quiz-demo %s "
                               "answers.json",
                               two.dir, cli_e.dir, learner),
                     0);
    char want[96];
    snprintf(want, sizeof want, ": %s attempt 1 at quiz-demo v", learner);
    assert_non_null(strstr(cli_out, want));
    /* a list with an empty item is refused */
    assert_int_equal(cli_assay(NULL, "--engine '%s,' watch", two.dir), 2);
    char err[700];
    snprintf(err, sizeof err,
             "assay: watch: %s,: expected 1..%d data directories or events endpoints separated "
             "by commas\n",
             two.dir, ASSAY_MAX_NODES);
    assert_string_equal(cli_err, err);
    assert_int_equal(h_cleanup(&two), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ping_prints_the_engine_version),
        cmocka_unit_test(put_score_and_detail_print_readable_results),
        cmocka_unit_test(detail_prints_the_outcomes_of_custom_processing),
        cmocka_unit_test(a_max_not_known_prints_a_dash_and_a_score_over_its_max_says_so),
        cmocka_unit_test(score_reads_answers_from_stdin),
        cmocka_unit_test(a_graded_answer_prints_the_score_so_far_and_what_waits_for_people),
        cmocka_unit_test(json_output_is_machine_readable),
        cmocka_unit_test(json_numbers_are_the_shortest_text_of_their_double),
        cmocka_unit_test(list_get_batch_and_stats),
        cmocka_unit_test(error_replies_exit_1_with_code_and_message),
        cmocka_unit_test(bad_usage_and_bad_json_exit_2),
        cmocka_unit_test(an_unreachable_engine_exits_3),
        cmocka_unit_test(every_command_has_help),
        cmocka_unit_test(assayd_documents_its_options_and_rejects_bad_ones),
        cmocka_unit_test(delete_then_get_exits_1),
        cmocka_unit_test(delete_with_stored_responses_needs_force_and_keeps_them),
        cmocka_unit_test(submit_and_responses_store_and_list),
        cmocka_unit_test(watch_prints_each_notification_on_one_line),
        cmocka_unit_test(regrade_waits_with_progress_and_job_shows_the_result),
        cmocka_unit_test(jobs_lists_every_job_with_its_kind_state_and_progress),
        cmocka_unit_test(response_shows_the_answers_and_item_scores_of_one_stored_response),
        cmocka_unit_test(attempts_start_save_submit_and_list_from_the_command_line),
        cmocka_unit_test(several_engines_take_a_request_when_its_own_is_down),
    };
    return cmocka_run_group_tests(tests, cli_up, cli_down);
}
