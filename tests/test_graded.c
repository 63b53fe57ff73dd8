/* test_graded.c — graded items (scored by people) through a real assayd: what a definition may
 * say and the precise refusals; `score` and `response.submit` give the automatic part with the
 * graded items answered listed as pending (passed not known); a pending response is stored as
 * such, counted by the report as pending and not in its figures, and not observed by knowledge
 * tracing; an unanswered graded item scores 0 and nothing waits; a regrade keeps it pending.
 * grade.put: two raters within the tolerance resolve to their mean, apart to a dispute an
 * adjudicator settles, "first" takes the first grade, a judge never resolves, a revision rescores;
 * the response scored when its last graded item resolves, counted by the report, observed by
 * tracing, published; a regrade keeps people's scores; precise refusals. Several raters at once
 * (grade.next, agreement, grade.list): test_raters.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static h_engine_t s_e;
static assay_t *s_admin;

static const char *const s_def =
    "{'id':'essay','pass_ratio':0.5,'items':["
    "{'id':'q','cardinality':'single','base_type':'identifier','rule':'match_correct',"
    "'correct':['A'],'skills':['s1']},"
    "{'id':'e','graded':{'max':4,'step':0.5,'raters':2,'tolerance':1,'rubric':["
    "{'score':0,'label':'none'},{'score':4,'label':'full','description':'every point made'}]},"
    "'skills':['s2']}]}";

static int s_setup(void **state)
{
    (void)state;
    h_start(&s_e, NULL);
    s_admin = h_connect(&s_e, true);
    h_ok(s_admin, "skill.put",
         "{'id':'s1','prior':0.3,'learn':0.1,'forget':0,'guess':0.2,"
         "'slip':0.1}");
    h_ok(s_admin, "skill.put",
         "{'id':'s2','prior':0.3,'learn':0.1,'forget':0,'guess':0.2,"
         "'slip':0.1}");
    h_ok(s_admin, "assessment.put", s_def);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    assay_close(&s_admin);
    return h_cleanup(&s_e);
}

/* The array of strings at key, joined with ',' into buf. */
static const char *s_list(const msgpack_object *map, const char *key, char *buf, size_t n)
{
    const msgpack_object *a = assay_map_get(map, key);
    buf[0] = '\0';
    if (!a || a->type != MSGPACK_OBJECT_ARRAY) return "(none)";
    size_t at = 0;
    for (uint32_t i = 0; i < a->via.array.size; i++)
        at += (size_t)snprintf(buf + at, n - at, "%s%.*s", i ? "," : "",
                               (int)a->via.array.ptr[i].via.str.size,
                               a->via.array.ptr[i].via.str.ptr);
    return buf;
}

static void a_graded_items_max_counts_and_its_score_waits_for_people(void **state)
{
    (void)state;
    assay_reply_t *r;
    assert_int_equal(h_call(s_admin, "score",
                            "{'assessment':'essay','answers':{'q':'A','e':'my essay'},"
                            "'detail':true}",
                            &r),
                     ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    char buf[128];
    assert_true(h_num(o, "score") == 1 && h_num(o, "max_score") == 5 && h_num(o, "ratio") == 0.2);
    assert_int_equal(assay_map_get(o, "passed")->type, MSGPACK_OBJECT_NIL); /* not known yet */
    assert_string_equal(s_list(o, "pending", buf, sizeof buf), "e");
    const msgpack_object *items = assay_map_get(o, "items");
    assert_int_equal(assay_map_get(&items->via.array.ptr[1], "score")->type, MSGPACK_OBJECT_NIL);
    assert_true(h_num(&items->via.array.ptr[1], "max_score") == 4);
    assay_reply_free(&r);
    /* the graded item not answered: 0, nothing waits, passed known */
    assert_int_equal(h_call(s_admin, "score", "{'assessment':'essay','answers':{'q':'A'}}", &r),
                     ASSAY_OK);
    o = assay_reply_result(r);
    assert_null(assay_map_get(o, "pending"));
    assert_int_equal(assay_map_get(o, "passed")->type, MSGPACK_OBJECT_BOOLEAN);
    assay_reply_free(&r);
}

static void a_pending_submission_is_stored_so_and_left_out_of_the_report(void **state)
{
    (void)state;
    assay_reply_t *r;
    char buf[128];
    assert_int_equal(h_call(s_admin, "response.submit",
                            "{'assessment':'essay','learner':'ann','answers':{'q':'A',"
                            "'e':'an essay'}}",
                            &r),
                     ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_str_is(o, "state", "pending"));
    assert_string_equal(s_list(o, "pending", buf, sizeof buf), "e");
    assert_true(h_num(o, "score") == 1);
    /* tracing observed the automatic item's skill only */
    const msgpack_object *m = assay_map_get(o, "mastery");
    assert_non_null(m);
    assert_int_equal(m->via.map.size, 1);
    assert_non_null(assay_map_get(m, "s1"));
    char params[96];
    snprintf(params, sizeof params, "{'id':%.0f}", h_num(o, "response_id"));
    assay_reply_free(&r);
    assert_int_equal(h_call(s_admin, "response.get", params, &r), ASSAY_OK);
    o = assay_reply_result(r);
    assert_true(h_str_is(o, "state", "pending"));
    assert_string_equal(s_list(o, "pending", buf, sizeof buf), "e");
    assay_reply_free(&r);
    /* one scored (its essay unanswered), one pending: the report counts the scored one */
    h_ok(s_admin, "response.submit", "{'assessment':'essay','learner':'bo','answers':{'q':'B'}}");
    assert_int_equal(h_call(s_admin, "assessment.report", "{'assessment':'essay'}", &r), ASSAY_OK);
    o = assay_reply_result(r);
    assert_int_equal((int)h_num(o, "n"), 1);
    assert_int_equal((int)h_num(o, "pending"), 1);
    assert_true(h_num(o, "mean") == 0);
    assay_reply_free(&r);
    /* a regrade rescores its automatic part and keeps it pending, still out of the figures */
    assert_int_equal(h_call(s_admin, "assessment.regrade", "{'assessment':'essay'}", &r), ASSAY_OK);
    assay_reply_t *j = h_wait_job(s_admin, h_num(assay_reply_result(r), "job"));
    assert_true(h_str_is(assay_reply_result(j), "state", "done"));
    assay_reply_free(&j);
    assay_reply_free(&r);
    assert_int_equal(h_call(s_admin, "response.get", params, &r), ASSAY_OK);
    assert_true(h_str_is(assay_reply_result(r), "state", "pending"));
    assay_reply_free(&r);
    assert_int_equal(h_call(s_admin, "assessment.report", "{'assessment':'essay'}", &r), ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "n"), 1);
    assay_reply_free(&r);
}

static void a_report_of_an_assessment_without_graded_items_says_nothing_of_pending(void **state)
{
    (void)state;
    h_put_example(s_admin);
    assay_reply_t *r;
    assert_int_equal(h_call(s_admin, "assessment.report", "{'assessment':'quiz-demo'}", &r),
                     ASSAY_OK);
    assert_null(assay_map_get(assay_reply_result(r), "pending"));
    assay_reply_free(&r);
}

/* Submits answers for learner (JSON answers), returns the response id. */
static double s_submit(const char *learner, const char *answers)
{
    char params[300];
    snprintf(params, sizeof params, "{'assessment':'%s','learner':'%s','answers':%s}", "people",
             learner, answers);
    assay_reply_t *r;
    assert_int_equal(h_call(s_admin, "response.submit", params, &r), ASSAY_OK);
    double id = h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    return id;
}

static void people_resolve_a_response_and_it_is_scored_counted_and_published(void **state)
{
    (void)state;
    h_ok(s_admin, "assessment.put",
         "{'id':'people','pass_ratio':0.5,'items':["
         "{'id':'q','cardinality':'single','base_type':'identifier','rule':'match_correct',"
         "'correct':['A']},"
         "{'id':'e','graded':{'max':4,'step':0.5,'raters':2,'tolerance':1},'skills':['s2']},"
         "{'id':'f','graded':{'max':2,'resolve':'first'},'weight':2}]}");
    assay_sub_t *sub;
    assert_int_equal(assay_sub_open(&sub, s_e.dir), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "score.people"), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "grade.people"), ASSAY_OK);
    usleep(200000); /* slow joiner */
    double rid = s_submit("cy", "{'q':'A','e':'an essay','f':'a sketch'}"), is, rs;
    assay_event_t *ev;
    assert_int_equal(assay_sub_recv(sub, 5000, &ev), ASSAY_OK); /* the submission's */
    assay_event_free(&ev);
    /* e: a judge and one person (awaiting), a second person apart (disputed), an adjudicator */
    assert_string_equal(h_grade(s_admin, rid, "e", "auto:judge", 4, &is, &rs), "awaiting");
    assert_string_equal(h_grade(s_admin, rid, "e", "ann", 3, &is, &rs), "awaiting");
    assert_string_equal(h_grade(s_admin, rid, "e", "ben", 0.5, &is, &rs), "disputed");
    assert_string_equal(h_grade(s_admin, rid, "e", "cid", 2.5, &is, &rs), "resolved");
    assert_true(is == 2.5 && isnan(rs)); /* (f waits still) */
    /* each grade published: who graded what and the answer's state, never the score */
    static const char *const graded[][2] = {
        {"auto:judge", "awaiting"}, {"ann", "awaiting"}, {"ben", "disputed"}, {"cid", "resolved"}};
    double seq0 = 0;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(assay_sub_recv(sub, 5000, &ev), ASSAY_OK);
        assert_string_equal(assay_event_topic(ev), "grade.people");
        const msgpack_object *b = assay_event_body(ev);
        assert_int_equal(b->via.map.size, 6);
        assert_true(h_num(b, "response") == rid && h_str_is(b, "item", "e"));
        assert_true(h_str_is(b, "rater", graded[i][0]) && h_str_is(b, "state", graded[i][1]));
        if (i == 0) seq0 = h_num(b, "seq");
        assert_true(h_num(b, "seq") == seq0 + i);
        assay_event_free(&ev);
    }
    assay_reply_t *r;
    assert_int_equal(h_call(s_admin, "assessment.report", "{'assessment':'people'}", &r), ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "pending"), 1);
    assert_int_equal((int)h_num(assay_reply_result(r), "n"), 0);
    assay_reply_free(&r);
    /* f: the first grade is final; the response is scored 1 + 2.5 + 2 x 2 */
    assert_string_equal(h_grade(s_admin, rid, "f", "ann", 2, &is, &rs), "resolved");
    assert_true(is == 4 && rs == 7.5);
    assert_int_equal(assay_sub_recv(sub, 5000, &ev), ASSAY_OK);
    const msgpack_object *o = assay_event_body(ev);
    assert_true(h_num(o, "response_id") == rid && h_num(o, "score") == 7.5);
    assert_null(assay_map_get(o, "pending"));
    assay_event_free(&ev);
    assert_int_equal(assay_sub_recv(sub, 5000, &ev), ASSAY_OK); /* (f's grade, after the score) */
    o = assay_event_body(ev);
    assert_true(h_str_is(o, "item", "f") && h_str_is(o, "rater", "ann"));
    assert_true(h_str_is(o, "state", "resolved") && h_num(o, "seq") == seq0 + 5);
    assay_event_free(&ev);
    char params[96];
    snprintf(params, sizeof params, "{'id':%.0f}", rid);
    assert_int_equal(h_call(s_admin, "response.get", params, &r), ASSAY_OK);
    o = assay_reply_result(r);
    assert_true(h_num(o, "score") == 7.5 && h_num(o, "ratio") == 7.5 / 9);
    assert_null(assay_map_get(o, "state"));
    assert_int_equal(assay_map_get(o, "passed")->type, MSGPACK_OBJECT_BOOLEAN);
    const msgpack_object *items = assay_map_get(o, "items");
    assert_true(h_num(&items->via.array.ptr[1], "score") == 2.5);
    assert_true(h_num(&items->via.array.ptr[2], "score") == 4);
    assay_reply_free(&r);
    assert_int_equal(h_call(s_admin, "assessment.report", "{'assessment':'people'}", &r), ASSAY_OK);
    o = assay_reply_result(r);
    assert_int_equal((int)h_num(o, "pending"), 0);
    assert_int_equal((int)h_num(o, "n"), 1);
    assert_true(h_num(o, "mean") == 7.5);
    assay_reply_free(&r);
    /* tracing observed e's skill at the resolution: one opportunity */
    assert_int_equal(h_call(s_admin, "mastery.get", "{'learner':'cy','skill':'s2'}", &r), ASSAY_OK);
    const msgpack_object *skills = assay_map_get(assay_reply_result(r), "skills");
    assert_int_equal((int)h_num(assay_map_get(skills, "s2"), "opportunities"), 1);
    assay_reply_free(&r);
    /* a revision that still resolves rescores it; a regrade keeps people's scores */
    assert_string_equal(h_grade(s_admin, rid, "f", "ann", 1, &is, &rs), "resolved");
    assert_true(is == 2 && rs == 5.5);
    assert_int_equal(h_call(s_admin, "assessment.regrade", "{'assessment':'people'}", &r),
                     ASSAY_OK);
    assay_reply_t *j = h_wait_job(s_admin, h_num(assay_reply_result(r), "job"));
    assay_reply_free(&j);
    assay_reply_free(&r);
    assert_int_equal(h_call(s_admin, "response.get", params, &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "score") == 5.5);
    assay_reply_free(&r);
    assert_int_equal(h_call(s_admin, "assessment.report", "{'assessment':'people'}", &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "mean") == 5.5);
    assay_reply_free(&r);
    assay_sub_close(&sub);
}

static void two_people_within_the_tolerance_resolve_to_their_mean(void **state)
{
    (void)state;
    double rid = s_submit("di", "{'q':'B','e':'short'}"), is, rs;
    assert_string_equal(h_grade(s_admin, rid, "e", "ann", 3, &is, &rs), "awaiting");
    assert_string_equal(h_grade(s_admin, rid, "e", "ben", 4, &is, &rs), "resolved");
    assert_true(is == 3.5 && rs == 3.5);
}

static void grades_are_refused_precisely(void **state)
{
    (void)state;
    double rid = s_submit("ed", "{'q':'A','e':'text'}");
    static const char *const cases[][2] = {
        {"'item':'e','rater':'ann','score':5",
         "bad_request: score: 5 is not a point of item \"e\"'s scale (0 to 4 in steps of 0.5)"},
        {"'item':'e','rater':'ann','score':1.3",
         "bad_request: score: 1.3 is not a point of item \"e\"'s scale (0 to 4 in steps of "
         "0.5)"},
        {"'item':'q','rater':'ann','score':1",
         "bad_request: item: item \"q\" of assessment \"people\" is scored automatically, not "
         "graded by people"},
        {"'item':'zz','rater':'ann','score':1",
         "bad_request: item: assessment \"people\" has no item \"zz\""},
        {"'item':'f','rater':'ann','score':1", NULL}, /* (not answered: below) */
        {"'item':'e','rater':'ann','score':'x'",
         "bad_request: score: expected a number, got a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char params[300], got[400];
        snprintf(params, sizeof params, "{'response':%.0f,%s}", rid, cases[i][0]);
        h_error(s_admin, "grade.put", params, got, sizeof got);
        if (cases[i][1]) {
            assert_string_equal(got, cases[i][1]);
        } else {
            char want[200];
            snprintf(want, sizeof want,
                     "bad_request: item: response %.0f did not answer item \"f\": it scores 0, "
                     "nothing to grade",
                     rid);
            assert_string_equal(got, want);
        }
    }
    char got[400];
    h_error(s_admin, "grade.put", "{'response':99999,'item':'e','rater':'ann','score':1}", got,
            sizeof got);
    assert_string_equal(got, "not_found: response 99999 not found");
    h_error(s_admin, "assessment.put",
            "{'id':'own','items':[{'id':'e','graded':{'max':1}}],'outcomes':[{'id':'SCORE',"
            "'base_type':'float'}],'outcome_processing':[{'setOutcomeValue':{'identifier':"
            "'SCORE','expression':{'baseValue':{'baseType':'float','value':1}}}}]}",
            got, sizeof got);
    assert_string_equal(got, "bad_request: items[0]: graded by people, in an assessment whose own "
                             "outcome_processing computes its score: not supported (people's "
                             "grades are added to the sum of the items)");
}

static void a_version_without_the_graded_item_scores_what_waited_at_the_regrade(void **state)
{
    (void)state;
    /* essay: ann's response waits for e, bo's is scored; a version without e, regraded */
    h_ok(s_admin, "assessment.put",
         "{'id':'essay','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A'],'skills':['s1']}]}");
    assay_reply_t *r;
    assert_int_equal(h_call(s_admin, "assessment.regrade", "{'assessment':'essay'}", &r), ASSAY_OK);
    assay_reply_t *j = h_wait_job(s_admin, h_num(assay_reply_result(r), "job"));
    assert_true(h_str_is(assay_reply_result(j), "state", "done"));
    assay_reply_free(&j);
    assay_reply_free(&r);
    assert_int_equal(h_call(s_admin, "assessment.report", "{'assessment':'essay'}", &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_null(assay_map_get(o, "pending")); /* (no graded item: the report says nothing) */
    assert_int_equal((int)h_num(o, "n"), 2);
    assert_true(h_num(o, "mean") == 0.5);
    assay_reply_free(&r);
    /* and back to a version with it: the pending count holds ann's again */
    h_ok(s_admin, "assessment.put", s_def);
    assert_int_equal(h_call(s_admin, "assessment.regrade", "{'assessment':'essay'}", &r), ASSAY_OK);
    j = h_wait_job(s_admin, h_num(assay_reply_result(r), "job"));
    assay_reply_free(&j);
    assay_reply_free(&r);
    assert_int_equal(h_call(s_admin, "assessment.report", "{'assessment':'essay'}", &r), ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "pending"), 1);
    assert_int_equal((int)h_num(assay_reply_result(r), "n"), 1);
    assay_reply_free(&r);
}

static void graded_definitions_are_refused_precisely(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{'max':4,'step':0.3}", "items[0].graded.max: 4 is not a whole number of steps of 0.3"},
        {"{'max':0}", "items[0].graded.max: expected a number above 0"},
        {"{'step':1}", "items[0].graded: missing field \"max\""},
        {"{'max':500}", "items[0].graded.step: 0 to 500 in steps of 1 is 501 points, more than "
                        "101"},
        {"{'max':4,'resolve':'first','tolerance':1}",
         "items[0].graded.tolerance: tolerance belongs to resolve \"mean\" (with \"first\" the "
         "first grade is the score)"},
        {"{'max':4,'resolve':'median'}", NULL},
        {"{'max':4,'raters':17}", NULL},
        {"{'max':2,'rubric':[{'score':3,'label':'x'}]}",
         "items[0].graded.rubric[0].score: 3 is not a point of the item's scale (0 to 2 in steps "
         "of 1)"},
        {"{'max':2,'rubric':[{'score':1}]}", "items[0].graded.rubric[0]: missing field \"label\""},
        {"{'max':2,'rubric':[{'score':1,'label':''}]}",
         "items[0].graded.rubric[0].label: expected 1 to 256 bytes"},
        {"{'max':2,'colour':'red'}", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char params[300], got[400];
        snprintf(params, sizeof params, "{'id':'bad','items':[{'id':'e','graded':%s}]}",
                 cases[i][0]);
        h_error(s_admin, "assessment.put", params, got, sizeof got);
        assert_true(strncmp(got, "bad_request: items[0]", 21) == 0);
        if (cases[i][1]) {
            char want[400];
            snprintf(want, sizeof want, "bad_request: %s", cases[i][1]);
            assert_string_equal(got, want);
        }
    }
    char got[400];
    h_error(s_admin, "assessment.put",
            "{'id':'bad','items':[{'id':'e','rule':'match_correct','graded':{'max':1}}]}", got,
            sizeof got);
    assert_string_equal(got, "bad_request: items[0]: an item with \"graded\" is scored by people: "
                             "it has no \"rule\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_graded_items_max_counts_and_its_score_waits_for_people),
        cmocka_unit_test(a_pending_submission_is_stored_so_and_left_out_of_the_report),
        cmocka_unit_test(a_report_of_an_assessment_without_graded_items_says_nothing_of_pending),
        cmocka_unit_test(a_version_without_the_graded_item_scores_what_waited_at_the_regrade),
        cmocka_unit_test(graded_definitions_are_refused_precisely),
        cmocka_unit_test(people_resolve_a_response_and_it_is_scored_counted_and_published),
        cmocka_unit_test(two_people_within_the_tolerance_resolve_to_their_mean),
        cmocka_unit_test(grades_are_refused_precisely),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
