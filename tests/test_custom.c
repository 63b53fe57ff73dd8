/* test_custom.c — items with their own response processing and an assessment with its own
 * outcome processing (examples/custom.json) through a real assayd: scores with outcomes, stored
 * responses that show them, the report, a regrade to a changed program, knowledge tracing on a
 * program's score, and bad programs and answers refused while the engine keeps serving. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static h_engine_t s_e;
static char s_buf[1024];

static int s_up(void **state)
{
    h_start(&s_e, NULL);
    return 0;
}

static int s_down(void **state)
{
    return h_cleanup(&s_e);
}

/* examples/custom.json, with `from` replaced by `to` (once) when from is not NULL. */
static char *s_example(const char *from, const char *to)
{
    char path[512];
    snprintf(path, sizeof path, "%s/custom.json", getenv("ASSAY_EXAMPLES"));
    char *def = h_slurp(path);
    if (!from) return def;
    char *at = strstr(def, from);
    assert_non_null(at);
    char *out = malloc(strlen(def) + strlen(to) + 1);
    sprintf(out, "%.*s%s%s", (int)(at - def), def, to, at + strlen(from));
    free(def);
    return out;
}

/* Puts a definition; returns its version. */
static double s_put(assay_t *a, const char *def)
{
    assay_reply_t *r;
    int rc = h_call(a, "assessment.put", def, &r);
    if (rc != ASSAY_OK) fail_msg("put: %s", h_error(a, "assessment.put", def, s_buf, sizeof s_buf));
    double version = h_num(assay_reply_result(r), "version");
    assay_reply_free(&r);
    return version;
}

#define RIGHT                                                                                      \
    "{'capitals':{'C1':'Rome','C2':'Rome','C3':'Madrid'},'pi':3.1412,'gas':{'P':2,'V':12.5},"      \
    "'spelling':'color'}"

/* The outcome `id` of the item at index i of an items array. */
static const msgpack_object *s_item_outcome(const msgpack_object *items, uint32_t i, const char *id)
{
    return assay_map_get(assay_map_get(&items->via.array.ptr[i], "outcomes"), id);
}

static void scores_come_with_item_and_assessment_outcomes(void **state)
{
    assay_t *a = h_connect(&s_e, true), *c = h_connect(&s_e, false);
    char *def = s_example(NULL, NULL);
    s_put(a, def);
    free(def);
    assay_reply_t *r;
    assert_int_equal(
        h_call(c, "score", "{'assessment':'custom-demo','detail':true,'answers':" RIGHT "}", &r),
        ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r), *items = assay_map_get(o, "items");
    /* capitals 2 (Rome once, Madrid) + pi 2 + gas 1 x weight 2 + spelling 1 */
    assert_true(h_num(o, "score") == 7);
    assert_true(h_num(o, "max_score") == 8);
    assert_true(h_str_is(assay_map_get(o, "outcomes"), "BAND", "distinction"));
    assert_int_equal(s_item_outcome(items, 0, "SCORE")->via.u64, 2);
    assert_int_equal(s_item_outcome(items, 0, "CAPITALS")->via.array.size, 4);
    assert_true(h_str_is(assay_map_get(&items->via.array.ptr[1], "outcomes"), "FEEDBACK", "right"));
    assert_true(h_num(&items->via.array.ptr[2], "score") == 2);
    assert_true(h_num(&items->via.array.ptr[2], "max_score") == 2);
    assay_reply_free(&r);
    /* nothing answered: pi says "blank", the total is clamped at 0 by max() */
    assert_int_equal(
        h_call(c, "score", "{'assessment':'custom-demo','detail':true,'answers':{'pi':3}}", &r),
        ASSAY_OK);
    o = assay_reply_result(r);
    assert_true(h_num(o, "score") == 0);
    assert_true(h_str_is(assay_map_get(o, "outcomes"), "BAND", "fail"));
    assert_true(h_str_is(assay_map_get(&assay_map_get(o, "items")->via.array.ptr[1], "outcomes"),
                         "FEEDBACK", "wrong"));
    assay_reply_free(&r);
    assay_close(&a);
    assay_close(&c);
}

static void stored_responses_show_their_items_outcomes_and_regrade_to_a_new_program(void **state)
{
    assay_t *a = h_connect(&s_e, true), *c = h_connect(&s_e, false);
    char *def = s_example(NULL, NULL);
    s_put(a, def);
    free(def);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "response.submit",
                            "{'assessment':'custom-demo','learner':'ann','answers':" RIGHT "}", &r),
                     ASSAY_OK);
    double rid = h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    /* 3.12 is wrong to two decimals (-0.5), right to one */
    assert_int_equal(h_call(c, "response.submit",
                            "{'assessment':'custom-demo','learner':'bob','answers':{'pi':3.12,"
                            "'spelling':'colour'}}",
                            &r),
                     ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "score") == 0.5);
    double bob = h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    char params[64];
    snprintf(params, sizeof params, "{'id':%.0f}", rid);
    assert_int_equal(h_call(c, "response.get", params, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r), *items = assay_map_get(o, "items");
    assert_true(h_num(o, "score") == 7);
    assert_non_null(assay_map_get(o, "answers"));
    assert_int_equal(items->via.array.size, 4);
    assert_true(h_str_is(&items->via.array.ptr[3], "id", "spelling"));
    assert_true(h_num(&items->via.array.ptr[3], "score") == 1);
    assert_true(h_str_is(assay_map_get(&items->via.array.ptr[1], "outcomes"), "FEEDBACK", "right"));
    assay_reply_free(&r);
    /* the report counts each item by its score outcome */
    assert_int_equal(h_call(c, "assessment.report", "{'assessment':'custom-demo'}", &r), ASSAY_OK);
    o = assay_reply_result(r);
    assert_true(h_num(o, "n") == 2);
    assert_true(h_num(o, "mean") == 3.75);
    assay_reply_free(&r);
    /* version 2 compares pi to one decimal: bob's 3.12 becomes right */
    def = s_example("\"figures\": 2", "\"figures\": 1");
    double version = s_put(a, def);
    free(def);
    assert_int_equal(h_call(a, "assessment.regrade", "{'assessment':'custom-demo'}", &r), ASSAY_OK);
    double job = h_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    r = h_wait_job(a, job);
    assert_true(h_str_is(assay_reply_result(r), "state", "done"));
    assert_int_equal((uint64_t)h_num(assay_map_get(assay_reply_result(r), "result"), "changed"), 1);
    assay_reply_free(&r);
    snprintf(params, sizeof params, "{'id':%.0f}", bob);
    assert_int_equal(h_call(c, "response.get", params, &r), ASSAY_OK);
    o = assay_reply_result(r);
    assert_true(h_num(o, "score") == 3);
    assert_true(h_num(o, "version") == version);
    assert_true(h_str_is(assay_map_get(&assay_map_get(o, "items")->via.array.ptr[1], "outcomes"),
                         "FEEDBACK", "right"));
    assay_reply_free(&r);
    assay_close(&a);
    assay_close(&c);
}

/* A response whose items sum below 0: the assessment's processing (max with 0) is what is stored,
 * reported and regraded, not the sum of its items. */
static void the_stored_score_is_the_assessments_processing_not_the_item_sum(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assay_t *a = h_connect(&e, true), *c = h_connect(&e, false);
    char *def = s_example(NULL, NULL);
    s_put(a, def);
    free(def);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "response.submit",
                            "{'assessment':'custom-demo','learner':'neg','answers':{'pi':2.5}}",
                            &r),
                     ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "score") == 0); /* pi alone: -0.5 */
    double rid = h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    char params[64];
    snprintf(params, sizeof params, "{'id':%.0f}", rid);
    assert_int_equal(h_call(c, "response.get", params, &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "score") == 0);
    assert_true(h_num(&assay_map_get(assay_reply_result(r), "items")->via.array.ptr[1], "score") ==
                -0.5);
    assay_reply_free(&r);
    assert_int_equal(h_call(c, "assessment.report", "{'assessment':'custom-demo'}", &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "mean") == 0);
    assert_true(h_num(assay_reply_result(r), "min") == 0);
    assay_reply_free(&r);
    /* a regrade to the same definition changes nothing: the stored 0 is the processing's */
    def = s_example(NULL, NULL);
    s_put(a, def);
    free(def);
    assert_int_equal(h_call(a, "assessment.regrade", "{'assessment':'custom-demo'}", &r), ASSAY_OK);
    double job = h_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    r = h_wait_job(a, job);
    assert_int_equal((uint64_t)h_num(assay_map_get(assay_reply_result(r), "result"), "changed"), 0);
    assay_reply_free(&r);
    assert_int_equal(h_call(c, "assessment.report", "{'assessment':'custom-demo'}", &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "mean") == 0);
    assay_reply_free(&r);
    assay_close(&a);
    assay_close(&c);
    assert_int_equal(h_cleanup(&e), 0);
}

static void a_programs_score_is_evidence_for_knowledge_tracing(void **state)
{
    assay_t *a = h_connect(&s_e, true), *c = h_connect(&s_e, false);
    assay_reply_t *r;
    assert_int_equal(
        h_call(a, "skill.put",
               "{'id':'geo','prior':0.2,'learn':0.1,'forget':0,'guess':0.2,'slip':0.1}", &r),
        ASSAY_OK);
    assay_reply_free(&r);
    /* capitals names the skill; two of three (2/3 >= 0.6) is a correct observation */
    char *def = s_example("\"id\": \"capitals\",", "\"id\": \"capitals\", \"skills\": [\"geo\"], "
                                                   "\"kt_threshold\": 0.6,");
    s_put(a, def);
    free(def);
    assert_int_equal(h_call(c, "response.submit",
                            "{'assessment':'custom-demo','learner':'kim','answers':{'capitals':"
                            "{'C1':'Oslo','C3':'Paris'}}}",
                            &r),
                     ASSAY_OK);
    const msgpack_object *geo =
        assay_map_get(assay_map_get(assay_reply_result(r), "mastery"), "geo");
    /* posterior = 0.2*0.9 / (0.2*0.9 + 0.8*0.2) = 0.18/0.34; then learn: p + (1-p)*0.1 */
    double post = 0.18 / 0.34;
    assert_true(fabs(h_num(geo, "p_mastery") - (post + (1 - post) * 0.1)) < 1e-12);
    assert_true(fabs(h_num(geo, "predicted") - (0.2 * 0.9 + 0.8 * 0.2)) < 1e-12);
    assay_reply_free(&r);
    assay_close(&a);
    assay_close(&c);
}

static void bad_programs_and_answers_are_refused_and_the_engine_keeps_serving(void **state)
{
    assay_t *a = h_connect(&s_e, true), *c = h_connect(&s_e, false);
    char *def = s_example("{\"variable\": \"C1\"}, {\"variable\": \"CAPITALS\"}",
                          "{\"variable\": \"C1\"}, {\"baseValue\": {\"baseType\": \"integer\", "
                          "\"value\": 3}}");
    assert_string_equal(h_error(a, "assessment.put", def, s_buf, sizeof s_buf),
                        "bad_request: items[0].response_processing[0].responseCondition.if."
                        "condition.member[1]: member takes a multiple or ordered container "
                        "second, got single integer");
    free(def);
    def = s_example(NULL, NULL);
    s_put(a, def);
    free(def);
    assert_string_equal(h_error(c, "score",
                                "{'assessment':'custom-demo','answers':{'gas':{'P':1,'T':2}}}",
                                s_buf, sizeof s_buf),
                        "bad_request: answers.gas.T: no response with this id in the item");
    assert_string_equal(h_error(c, "score", "{'assessment':'custom-demo','answers':{'gas':7}}",
                                s_buf, sizeof s_buf),
                        "bad_request: answers.gas: this item has 2 responses: expected a map of "
                        "response id to value");
    assay_reply_t *r;
    assert_int_equal(h_call(c, "ping", "{}", &r), ASSAY_OK);
    assay_reply_free(&r);
    assay_close(&a);
    assay_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scores_come_with_item_and_assessment_outcomes),
        cmocka_unit_test(stored_responses_show_their_items_outcomes_and_regrade_to_a_new_program),
        cmocka_unit_test(the_stored_score_is_the_assessments_processing_not_the_item_sum),
        cmocka_unit_test(a_programs_score_is_evidence_for_knowledge_tracing),
        cmocka_unit_test(bad_programs_and_answers_are_refused_and_the_engine_keeps_serving),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
