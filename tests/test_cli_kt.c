/* test_cli_kt.c — the assay CLI's knowledge tracing against a real assayd: replay, fit,
 * kt-eval (BKT and deep models), and the deep model commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bkt.h"
#include "bkt_ref.h"
#include "cli_fixture.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
        snprintf(path, sizeof path, "%s.%s", cli_e.dir, files[i][0]);
        FILE *f = fopen(path, "w");
        fputs(files[i][1], f);
        fclose(f);
        assert_int_equal(cli_assay(NULL, "replay '%s'", path), 0);
        char want[200];
        snprintf(want, sizeof want,
                 "SKILL           LEARNERS  MEAN MASTERY    MASTERED\n"
                 "skill-%d                2        0.5325         0.0%%\n",
                 7 + i);
        assert_string_equal(cli_out, want);
        assert_non_null(strstr(cli_err, "replay: 3 answers of 2 learners on 1 skills in "));
        unlink(path);
    }
    /* how the two learners' states spread: 0.1458 in the second tenth, 0.9192 in the last */
    assert_int_equal(cli_assay(NULL, "mastery-distribution skill-7"), 0);
    assert_string_equal(cli_out,
                        "SKILL                    LEARNERS MASTERED   MEAN  HISTOGRAM (p_mastery "
                        "0-0.1 ... 0.9-1)\n"
                        "skill-7                         2        0  0.532  0 1 0 0 0 0 0 0 0 1\n");
    assert_int_equal(cli_assay(NULL, "mastery-distribution nope"), 1);
    assert_string_equal(cli_err, "assay: not_found: skill \"nope\" not found\n");
    assert_int_equal(cli_assay(NULL, "mastery s0 skill-7"), 0);
    assert_non_null(strstr(
        cli_out, "skill-7                       0.9192           0.8435              2  no\n"));
    snprintf(path, sizeof path, "%s.bad", cli_e.dir);
    FILE *f = fopen(path, "w");
    fputs("a,b\n", f);
    fclose(f);
    assert_int_equal(cli_assay(NULL, "replay '%s'", path), 2);
    assert_non_null(strstr(cli_err,
                           ": expected the header student,seq,skill_id,correct (assist2009) or "
                           "fold,uid,concepts,responses (assist2015)\n"));
    unlink(path);
    assert_int_equal(cli_assay(NULL, "replay x --prior 2"), 2);
    assert_string_equal(cli_err,
                        "assay replay: --prior: expected a probability in [0, 1], got 2\n");
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
    snprintf(path, sizeof path, "%s.kt.csv", cli_e.dir);
    FILE *f = fopen(path, "w");
    fputs("student,seq,skill_id,correct\n0,0,5,1\n0,1,5,1\n0,2,5,0\n1,0,5,0\n1,1,5,1\n"
          "2,0,5,1\n",
          f);
    fclose(f);
    const as_bkt_params_t d = {.prior = 0.3, .learn = 0.1, .guess = 0.2, .slip = 0.1};
    double p[6], m = 0, se = 0;
    for (int i = 0; i < 6; i++) {
        if (i == 0 || who[i] != who[i - 1]) m = d.prior;
        p[i] = ref_bkt_next(&d, m);
        se += (p[i] - y[i]) * (p[i] - y[i]);
        m = ref_bkt_step(&d, m, y[i]);
    }
    /* a scratch engine: no -d */
    char cmd[1400], out[300], errf[300];
    snprintf(out, sizeof out, "%s.kt.out", cli_e.dir);
    snprintf(errf, sizeof errf, "%s.kt.err", cli_e.dir);
    snprintf(cmd, sizeof cmd, "env -u ASSAY_DATA '%s' --json kt-eval '%s' >'%s' 2>'%s'",
             getenv("ASSAY_CLI"), path, out, errf);
    int status = WEXITSTATUS(system(cmd));
    char *errors = h_slurp(errf);
    unlink(errf);
    if (status) fail_msg("kt-eval exited %d: %s", status, errors ? errors : "");
    free(errors);
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
    assert_int_equal(cli_assay(NULL, "replay '%s'", path), 0);
    assert_int_equal(cli_assay(NULL, "fit skill-5 --apply --wait"), 0);
    assert_non_null(
        strstr(cli_out, "6 observation(s) of 3 learner(s); applied, mastery recomputed\n"));
    assert_non_null(strstr(cli_out, "\nskill-5 "));
    assert_int_equal(cli_assay(NULL, "kt-eval '%s' --keep-skills --learners t", path), 0);
    assert_non_null(strstr(cli_out, "kt-eval: 6 answers of 3 learners on 1 skills\n"));
    assert_non_null(strstr(cli_out, "\n(all)                  6 "));
    assert_int_equal(cli_assay(NULL, "kt-eval '%s' --learners 'a b'", path), 2);
    assert_string_equal(cli_err, "assay kt-eval: --learners: expected 1 to 16 characters of "
                                 "A-Z a-z 0-9 . _ : -\n");
    assert_int_equal(cli_assay(NULL, "fit --restarts 0"), 2);
    assert_string_equal(cli_err, "assay fit: --restarts: expected 1..100\n");
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
    snprintf(csv, sizeof csv, "%s.deep.csv", cli_e.dir);
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
    assert_int_equal(cli_assay(NULL, "model-put deep %s --kind dkt --title small", model), 0);
    assert_string_equal(cli_out, "stored model deep version 1 (dkt, 124 concepts)\n");
    assert_int_equal(cli_assay(NULL, "model deep"), 0);
    assert_string_equal(cli_out, "model deep version 1: dkt, small\n"
                                 "sizes: C 124, H 16, E 16; a learner's state 136 bytes\n"
                                 "learners: 0\n");
    assert_int_equal(cli_assay(NULL, "models"), 0);
    assert_non_null(strstr(cli_out, "\ndeep                            1 dkt          124"));
    /* replayed through the engine: the learner's state after 40 answers */
    assert_int_equal(cli_assay(NULL, "replay '%s'", csv), 0);
    assert_int_equal(cli_assay(NULL, "mastery s0 --model deep"), 0);
    assert_non_null(strstr(cli_out, "s0 under model deep (version 1) after 40 answer(s)\n"));
    /* kt-eval of the model in a scratch engine: the AUC of PyTorch's predictions */
    char cmd[1400], out[300];
    snprintf(out, sizeof out, "%s.deep.out", cli_e.dir);
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
    assert_int_equal(cli_assay(NULL, "model-put deep %s --kind lstm", model), 2);
    assert_string_equal(cli_err, "assay: --kind: expected dkt or dkvmn, got \"lstm\"\n");
    /* a DKT file said to be a DKVMN: the CLI cannot count its concepts; the engine refuses it */
    assert_int_equal(cli_assay(NULL, "model-put deep %s --kind dkvmn", model), 2);
    assert_non_null(strstr(cli_err, "cannot read the number of concepts from its header (a dkvmn "
                                    "safetensors file?): give --concepts FILE"));
    assert_int_equal(cli_assay("[\"a\"]", "model-put deep %s --kind dkvmn --concepts -", model), 1);
    assert_non_null(strstr(cli_err, "weights: tensor \"interaction_emb.weight\" is not part of "
                                    "pyKT's DKVMN"));
    assert_int_equal(cli_assay(NULL, "model-delete deep"), 0);
    assert_string_equal(cli_out, "deleted model deep and every learner's state of it\n");
    unlink(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_reads_both_formats_and_summarises_mastery),
        cmocka_unit_test(kt_eval_scores_each_prediction_and_fit_reports_its_parameters),
        cmocka_unit_test(deep_models_are_put_shown_and_evaluated_from_the_command_line),
    };
    return cmocka_run_group_tests(tests, cli_up, cli_down);
}
