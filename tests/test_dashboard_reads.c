/* test_dashboard_reads.c — what the teacher dashboard and learners' tokens rely on, against a real
 * assayd: mastery.distribution equal to the learners' states as BKT computes them, the report's
 * pass_rate, and the owner checks (the `learner` param of the methods that name one learner's
 * attempt or response by its id). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bkt.h"
#include "bkt_ref.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static h_engine_t s_e;

static int s_up(void **state)
{
    (void)state;
    h_start(&s_e, NULL);
    return 0;
}

static int s_down(void **state)
{
    (void)state;
    return h_cleanup(&s_e);
}

static const as_bkt_params_t s_p = {
    .prior = 0.3, .learn = 0.1, .forget = 0, .guess = 0.2, .slip = 0.1, .mastery_threshold = 0.5};

/* Learners l0..l5 answer a one-item quiz on skill "dk" 0..5 times correctly; the distribution is
 * their BKT states, binned by tenths; a skill nobody practised has no learners. */
static void the_distribution_counts_every_learners_live_state(void **state)
{
    (void)state;
    assay_t *a = h_connect(&s_e, true);
    h_ok(a, "skill.put",
         "{'id':'dk','prior':0.3,'learn':0.1,'forget':0,'guess':0.2,'slip':0.1,"
         "'mastery_threshold':0.5}");
    h_ok(a, "skill.put",
         "{'id':'unused','prior':0.4,'learn':0.1,'forget':0,'guess':0.2,'slip':0.1}");
    h_ok(a, "assessment.put",
         "{'id':'dq','pass_ratio':0.5,'items':[{'id':'q','cardinality':'single',"
         "'base_type':'identifier','rule':'match_correct','correct':['A'],'skills':['dk']}]}");
    uint64_t bins[10] = {0}, mastered = 0;
    double sum = 0;
    for (int l = 0; l < 6; l++) {
        double p = s_p.prior;
        for (int k = 0; k < l; k++) {
            char params[160];
            snprintf(params, sizeof params,
                     "{'assessment':'dq','learner':'l%d','answers':{'q':'A'}}", l);
            h_ok(a, "response.submit", params);
            p = ref_bkt_step(&s_p, p, true);
        }
        if (l == 0) continue; /* never practised: no state */
        int b = (int)floor(p * 10);
        bins[b > 9 ? 9 : b]++;
        mastered += p >= s_p.mastery_threshold;
        sum += p;
    }
    assay_reply_t *r;
    assert_int_equal(h_call(a, "mastery.distribution", "{}", &r), 0);
    const msgpack_object *skills = assay_map_get(assay_reply_result(r), "skills");
    assert_int_equal(skills->via.map.size, 2);
    const msgpack_object *d = assay_map_get(skills, "dk");
    assert_int_equal((int)h_num(d, "learners"), 5);
    assert_int_equal((uint64_t)h_num(d, "mastered"), mastered);
    assert_true(fabs(h_num(d, "mean") - sum / 5) < 1e-12);
    const msgpack_object *h = assay_map_get(d, "histogram");
    assert_int_equal(h->via.array.size, 10);
    for (int b = 0; b < 10; b++)
        assert_int_equal(h->via.array.ptr[b].via.u64, bins[b]);
    const msgpack_object *u = assay_map_get(skills, "unused");
    assert_int_equal((int)h_num(u, "learners"), 0);
    assert_int_equal(assay_map_get(u, "mean")->type, MSGPACK_OBJECT_NIL);
    assay_reply_free(&r);

    /* one skill; an unknown one */
    assert_int_equal(h_call(a, "mastery.distribution", "{'skill':'dk'}", &r), 0);
    skills = assay_map_get(assay_reply_result(r), "skills");
    assert_int_equal(skills->via.map.size, 1);
    assert_int_equal((int)h_num(assay_map_get(skills, "dk"), "learners"), 5);
    assay_reply_free(&r);
    char buf[256];
    assert_string_equal(h_error(a, "mastery.distribution", "{'skill':'nope'}", buf, sizeof buf),
                        "not_found: skill \"nope\" not found");
    assert_string_equal(h_error(a, "mastery.distribution", "{'skill':7}", buf, sizeof buf),
                        "bad_request: skill: expected a string, got an integer");

    /* every learner's latest attempt scored 1 except l0, who never submitted: all pass */
    h_ok(a, "response.submit", "{'assessment':'dq','learner':'l0','answers':{'q':'B'}}");
    assert_int_equal(h_call(a, "assessment.report", "{'assessment':'dq'}", &r), 0);
    assert_true(fabs(h_num(assay_reply_result(r), "pass_rate") - 5.0 / 6.0) < 1e-15);
    assay_reply_free(&r);
    assay_close(&a);
}

static void a_report_without_a_pass_ratio_has_a_nil_pass_rate(void **state)
{
    (void)state;
    assay_t *a = h_connect(&s_e, true);
    h_ok(a, "assessment.put",
         "{'id':'np','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A']}]}");
    h_ok(a, "response.submit", "{'assessment':'np','learner':'x','answers':{'q':'A'}}");
    assay_reply_t *r;
    assert_int_equal(h_call(a, "assessment.report", "{'assessment':'np'}", &r), 0);
    assert_int_equal(assay_map_get(assay_reply_result(r), "pass_rate")->type, MSGPACK_OBJECT_NIL);
    assay_reply_free(&r);
    assay_close(&a);
}

/* With `learner`, a method naming an attempt or a response by id acts only on that learner's. */
static void the_owner_check_refuses_another_learners_attempt_and_response(void **state)
{
    (void)state;
    assay_t *a = h_connect(&s_e, true);
    h_ok(a, "assessment.put",
         "{'id':'ow','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A']}]}");
    assay_reply_t *r;
    assert_int_equal(h_call(a, "attempt.start", "{'assessment':'ow','learner':'ana'}", &r), 0);
    unsigned long long att = (unsigned long long)h_num(assay_reply_result(r), "id");
    assay_reply_free(&r);
    char p[200], buf[300], want[200];
    snprintf(want, sizeof want, "forbidden: attempt %llu is another learner's (not \"eve\"'s)",
             att);
    snprintf(p, sizeof p, "{'attempt':%llu,'learner':'eve'}", att);
    assert_string_equal(h_error(a, "attempt.get", p, buf, sizeof buf), want);
    assert_string_equal(h_error(a, "attempt.submit", p, buf, sizeof buf), want);
    assert_string_equal(h_error(a, "attempt.abandon", p, buf, sizeof buf), want);
    snprintf(p, sizeof p, "{'attempt':%llu,'learner':'eve','answers':{'q':'B'}}", att);
    assert_string_equal(h_error(a, "attempt.save", p, buf, sizeof buf), want);
    /* nothing changed: the saved answers are empty and the attempt is still running */
    snprintf(p, sizeof p, "{'attempt':%llu,'learner':'ana'}", att);
    assert_int_equal(h_call(a, "attempt.get", p, &r), 0);
    assert_true(h_str_is(assay_reply_result(r), "state", "in_progress"));
    assert_int_equal(assay_map_get(assay_reply_result(r), "answers")->via.map.size, 0);
    assay_reply_free(&r);
    snprintf(p, sizeof p, "{'attempt':%llu,'learner':'ana','answers':{'q':'A'}}", att);
    assert_int_equal(h_call(a, "attempt.submit", p, &r), 0);
    unsigned long long rid =
        (unsigned long long)h_num(assay_map_get(assay_reply_result(r), "response"), "response_id");
    assay_reply_free(&r);
    snprintf(p, sizeof p, "{'id':%llu,'learner':'eve'}", rid);
    snprintf(want, sizeof want, "forbidden: response %llu is another learner's (not \"eve\"'s)",
             rid);
    assert_string_equal(h_error(a, "response.get", p, buf, sizeof buf), want);
    snprintf(p, sizeof p, "{'id':%llu,'learner':'ana'}", rid);
    assert_int_equal(h_call(a, "response.get", p, &r), 0);
    assert_int_equal((int)h_num(assay_reply_result(r), "score"), 1);
    assay_reply_free(&r);
    snprintf(p, sizeof p, "{'id':%llu,'learner':5}", rid);
    assert_string_equal(h_error(a, "response.get", p, buf, sizeof buf),
                        "bad_request: learner: expected a string, got an integer");
    assay_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_distribution_counts_every_learners_live_state),
        cmocka_unit_test(a_report_without_a_pass_ratio_has_a_nil_pass_rate),
        cmocka_unit_test(the_owner_check_refuses_another_learners_attempt_and_response),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
