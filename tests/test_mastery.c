/* test_mastery.c — knowledge tracing against a real assayd: every submission's mastery updates
 * equal the unit-level model (engine/tracing/bkt.c, itself checked against hand-derived values),
 * the notifications, skill.recompute equal to a fresh replay (also with submissions racing it), and
 * the skill methods' errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bkt.h"
#include "codec.h"
#include "bkt_ref.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static void s_close(double got, double want)
{
    if (!(fabs(got - want) <= 1e-12)) fail_msg("%.17g != %.17g", got, want);
}

/* A learner's model state of one skill. */
typedef struct {
    double p;
    unsigned n;
    double before; /* p before the last submission modelled (s_model_kt) */
} s_model_t;

static void s_model_step(s_model_t *m, const as_bkt_params_t *p, bool correct)
{
    m->p = ref_bkt_step(p, m->p, correct);
    m->n++;
}

/* The engine's state of a skill in a {skill: {...}} map equals the model's. */
static void s_check_state(const msgpack_object *skills, const char *skill, const s_model_t *m,
                          const as_bkt_params_t *p)
{
    const msgpack_object *st = assay_map_get(skills, skill);
    if (!st) fail_msg("no state for skill %s", skill);
    s_close(h_num(st, "p_mastery"), m->p);
    s_close(h_num(st, "p_correct_next"), ref_bkt_next(p, m->p));
    assert_int_equal((unsigned)h_num(st, "opportunities"), m->n);
    assert_int_equal(assay_map_get(st, "mastered")->via.boolean, m->p >= p->mastery_threshold);
}

/* A submission's state of a skill also carries `predicted`: P(correct) before that submission. */
static void s_check_predicted(const msgpack_object *skills, const char *skill, const s_model_t *m,
                              const as_bkt_params_t *p)
{
    const msgpack_object *st = assay_map_get(skills, skill);
    if (!st || !assay_map_get(st, "predicted")) fail_msg("no predicted for skill %s", skill);
    s_close(h_num(st, "predicted"), ref_bkt_next(p, m->before));
}

static const as_bkt_params_t s_p1 = {
    .prior = 0.3, .learn = 0.1, .forget = 0, .guess = 0.2, .slip = 0.1, .mastery_threshold = 0.9};
static const as_bkt_params_t s_p2 = {.prior = 0.5,
                                     .learn = 0.2,
                                     .forget = 0.05,
                                     .guess = 0.25,
                                     .slip = 0.15,
                                     .mastery_threshold = 0.95};

/* Skills k1 (s_p1) and k2 (s_p2); assessment "kt": q1 tags k1; q2 tags k1 and k2 and counts half
 * credit as correct (kt_threshold 0.5: map_response A 1, B 0.5); q3 tags nothing; q4 tags k2 but
 * has max score 0 (weight 0: no evidence). */
static void s_setup_kt(assay_t *a)
{
    h_ok(a, "skill.put",
         "{'id':'k1','prior':0.3,'learn':0.1,'forget':0,'guess':0.2,'slip':0.1,"
         "'mastery_threshold':0.9}");
    h_ok(a, "skill.put",
         "{'id':'k2','prior':0.5,'learn':0.2,'forget':0.05,'guess':0.25,'slip':0.15}");
    h_ok(a, "assessment.put",
         "{'id':'kt','items':["
         "{'id':'q1','cardinality':'single','base_type':'identifier','rule':'match_correct',"
         "'correct':['A'],'skills':['k1']},"
         "{'id':'q2','cardinality':'single','base_type':'identifier','rule':'map_response',"
         "'mapping':{'entries':[{'key':'A','value':1},{'key':'B','value':0.5}]},"
         "'skills':['k1','k2'],'kt_threshold':0.5},"
         "{'id':'q3','cardinality':'single','base_type':'identifier','rule':'match_correct',"
         "'correct':['A']},"
         "{'id':'q4','cardinality':'single','base_type':'identifier','rule':'match_correct',"
         "'correct':['A'],'weight':0,'skills':['k2']}]}");
}

/* The model of one submission to "kt": observations in item order. */
static void s_model_kt(s_model_t *k1, s_model_t *k2, const char *q1, const char *q2)
{
    k1->before = k1->p;
    k2->before = k2->p;
    if (q1) s_model_step(k1, &s_p1, q1[0] == 'A');
    if (q2) {
        bool correct = q2[0] == 'A' || q2[0] == 'B'; /* B: half credit, at the threshold */
        s_model_step(k1, &s_p1, correct);
        s_model_step(k2, &s_p2, correct);
    }
}

static void s_submit_kt(assay_t *c, const char *learner, const char *q1, const char *q2,
                        assay_reply_t **r)
{
    char params[256], ans[96] = "";
    size_t n = 0;
    if (q1) n += (size_t)snprintf(ans + n, sizeof ans - n, "'q1':'%s'", q1);
    if (q2) n += (size_t)snprintf(ans + n, sizeof ans - n, "%s'q2':'%s'", n ? "," : "", q2);
    snprintf(params, sizeof params,
             "{'assessment':'kt','learner':'%s','answers':{%s%s'q3':'A','q4':'A'}}", learner, ans,
             n ? "," : "");
    int rc = h_call(c, "response.submit", params, r);
    if (rc) fail_msg("submit: %s", *r ? assay_reply_message(*r) : assay_strerror(rc));
}

static void each_submission_updates_mastery_as_the_model_does(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_setup_kt(a);
    s_model_t k1 = {.p = s_p1.prior}, k2 = {.p = s_p2.prior};
    /* right, half credit, wrong, unanswered q2 (no evidence for k2), both wrong, q1 only */
    const char *seq[][2] = {{"A", "A"},  {"B", "B"}, {"C", "C"}, {"A", NULL}, {"B", "D"},
                            {NULL, "A"}, {"A", "B"}, {"A", "A"}, {"A", "A"},  {"A", "A"}};
    for (int i = 0; i < 10; i++) {
        assay_reply_t *r;
        s_submit_kt(a, "ana", seq[i][0], seq[i][1], &r);
        s_model_kt(&k1, &k2, seq[i][0], seq[i][1]);
        const msgpack_object *m = assay_map_get(assay_reply_result(r), "mastery");
        assert_non_null(m);
        bool touches_k2 = seq[i][1] != NULL;
        assert_int_equal(m->via.map.size, touches_k2 ? 2 : 1);
        s_check_state(m, "k1", &k1, &s_p1);
        s_check_predicted(m, "k1", &k1, &s_p1);
        if (touches_k2) {
            s_check_state(m, "k2", &k2, &s_p2);
            s_check_predicted(m, "k2", &k2, &s_p2);
        }
        assay_reply_free(&r);
    }
    /* mastery.get: both skills, or one; a learner who never practised has the prior */
    assay_reply_t *r;
    assert_int_equal(h_call(a, "mastery.get", "{'learner':'ana'}", &r), ASSAY_OK);
    const msgpack_object *skills = assay_map_get(assay_reply_result(r), "skills");
    assert_int_equal(skills->via.map.size, 2);
    s_check_state(skills, "k1", &k1, &s_p1);
    s_check_state(skills, "k2", &k2, &s_p2);
    assert_null(assay_map_get(assay_map_get(skills, "k1"), "predicted")); /* only a submission's */
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "mastery.get", "{'learner':'ana','skill':'k2'}", &r), ASSAY_OK);
    skills = assay_map_get(assay_reply_result(r), "skills");
    assert_int_equal(skills->via.map.size, 1);
    s_check_state(skills, "k2", &k2, &s_p2);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "mastery.get", "{'learner':'nobody','skill':'k1'}", &r), ASSAY_OK);
    s_model_t fresh = {.p = s_p1.prior};
    s_check_state(assay_map_get(assay_reply_result(r), "skills"), "k1", &fresh, &s_p1);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "mastery.get", "{'learner':'nobody'}", &r), ASSAY_OK);
    assert_int_equal(assay_map_get(assay_reply_result(r), "skills")->via.map.size, 0);
    assay_reply_free(&r);
    /* the stored response keeps the states after it */
    assert_int_equal(
        h_call(a, "response.list", "{'assessment':'kt','learner':'ana','limit':1}", &r), ASSAY_OK);
    const msgpack_object *first =
        &assay_map_get(assay_reply_result(r), "responses")->via.array.ptr[0];
    s_model_t one1 = {.p = s_p1.prior}, one2 = {.p = s_p2.prior};
    s_model_kt(&one1, &one2, "A", "A");
    s_check_state(assay_map_get(first, "mastery"), "k1", &one1, &s_p1);
    s_check_predicted(assay_map_get(first, "mastery"), "k1", &one1, &s_p1);
    assay_reply_free(&r);
    assay_close(&a);
}

static void a_mastery_notification_follows_each_submission(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    assay_sub_t *sub;
    assert_int_equal(assay_sub_open(&sub, s_e.dir), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "mastery.bo"), ASSAY_OK);
    usleep(300000);
    assay_reply_t *r;
    s_submit_kt(a, "bo", "A", "B", &r);
    double rid = h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    s_submit_kt(a, "bo", "C", NULL, &r);
    assay_reply_free(&r);
    s_model_t k1 = {.p = s_p1.prior}, k2 = {.p = s_p2.prior};
    for (int i = 0; i < 2; i++) {
        assay_event_t *ev;
        assert_int_equal(assay_sub_recv(sub, 3000, &ev), ASSAY_OK);
        assert_string_equal(assay_event_topic(ev), "mastery.bo");
        const msgpack_object *b = assay_event_body(ev);
        assert_true(h_str_is(b, "learner", "bo"));
        assert_true(h_str_is(b, "assessment", "kt"));
        assert_true(h_num(b, "response_id") == rid + i);
        if (i == 0)
            s_model_kt(&k1, &k2, "A", "B");
        else
            s_model_kt(&k1, &k2, "C", NULL);
        s_check_state(assay_map_get(b, "skills"), "k1", &k1, &s_p1);
        s_check_predicted(assay_map_get(b, "skills"), "k1", &k1, &s_p1);
        assert_int_equal(assay_map_get(b, "skills")->via.map.size, i == 0 ? 2 : 1);
        assay_event_free(&ev);
    }
    assay_sub_close(&sub);
    assay_close(&a);
}

/* Replays every stored response of "kt" (in submission order) through the model with the
 * parameters given, for the learners L0..L(n-1); returns their k1 states. */
static void s_replay_kt(assay_t *c, const as_bkt_params_t *p1, s_model_t *k1, int learners)
{
    for (int l = 0; l < learners; l++)
        k1[l] = (s_model_t){.p = p1->prior};
    char params[160], cursor[32] = "";
    for (;;) {
        if (cursor[0])
            snprintf(params, sizeof params, "{'assessment':'kt','limit':200,'cursor':'%s'}",
                     cursor);
        else
            snprintf(params, sizeof params, "{'assessment':'kt','limit':200}");
        assay_reply_t *r;
        assert_int_equal(h_call(c, "response.list", params, &r), ASSAY_OK);
        const msgpack_object *o = assay_reply_result(r), *list = assay_map_get(o, "responses");
        for (uint32_t i = 0; i < list->via.array.size; i++) {
            const msgpack_object *resp = &list->via.array.ptr[i];
            const msgpack_object *l = assay_map_get(resp, "learner");
            if (l->via.str.ptr[0] != 'L') continue;
            int who = atoi(l->via.str.ptr + 1);
            const msgpack_object *ans = assay_map_get(resp, "answers");
            const msgpack_object *q1 = assay_map_get(ans, "q1"), *q2 = assay_map_get(ans, "q2");
            if (q1) s_model_step(&k1[who], p1, q1->via.str.ptr[0] == 'A');
            if (q2)
                s_model_step(&k1[who], p1, q2->via.str.ptr[0] == 'A' || q2->via.str.ptr[0] == 'B');
        }
        const msgpack_object *next = assay_map_get(o, "next_cursor");
        bool more = next->type == MSGPACK_OBJECT_STR;
        if (more)
            snprintf(cursor, sizeof cursor, "%.*s", (int)next->via.str.size, next->via.str.ptr);
        assay_reply_free(&r);
        if (!more) break;
    }
}

static uint64_t s_rng = 77;

/* Random answers to q1 and q2. */
static void s_answers(msgpack_packer *pk, int i, void *arg)
{
    (void)i;
    (void)arg;
    msgpack_pack_map(pk, 2);
    for (int q = 0; q < 2; q++) {
        s_rng = s_rng * 6364136223846793005ull + 1442695040888963407ull;
        char v[2] = {"ABCD"[(s_rng >> 33) % 4], 0};
        as_pack_cstr(pk, q ? "q2" : "q1");
        as_pack_cstr(pk, v);
    }
}

/* n submissions to "kt" for learners L0..L(learners-1), every one stored. */
static void s_submit_many(assay_t *c, int n, int learners)
{
    char err[512];
    if (h_submit_many(c, "kt", n, learners, s_answers, NULL, err, sizeof err) != n)
        fail_msg("submit: %s", err);
}

static void recompute_after_a_parameter_change_equals_a_fresh_replay(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_submit_many(a, 3000, 40); /* three chunks of the replay */
    h_ok(a, "skill.put",
         "{'id':'k1','prior':0.2,'learn':0.3,'forget':0.1,'guess':0.1,'slip':0.2,"
         "'mastery_threshold':0.9}");
    const as_bkt_params_t p1b = {.prior = 0.2,
                                 .learn = 0.3,
                                 .forget = 0.1,
                                 .guess = 0.1,
                                 .slip = 0.2,
                                 .mastery_threshold = 0.9};
    assay_reply_t *r;
    assert_int_equal(h_call(a, "skill.recompute", "{'skill':'k1'}", &r), ASSAY_OK);
    double job = h_num(assay_reply_result(r), "job");
    assert_true(h_str_is(assay_reply_result(r), "kind", "recompute"));
    assert_true(h_str_is(assay_reply_result(r), "skill", "k1"));
    assay_reply_free(&r);
    s_submit_many(a, 300, 40); /* while it runs: replayed into the new states too */
    r = h_wait_job(a, job);
    assert_true(h_str_is(assay_reply_result(r), "state", "done"));
    assay_reply_free(&r);
    s_model_t want[40];
    s_replay_kt(a, &p1b, want, 40);
    for (int l = 0; l < 40; l++) {
        char params[64];
        snprintf(params, sizeof params, "{'learner':'L%d','skill':'k1'}", l);
        assert_int_equal(h_call(a, "mastery.get", params, &r), ASSAY_OK);
        s_check_state(assay_map_get(assay_reply_result(r), "skills"), "k1", &want[l], &p1b);
        assay_reply_free(&r);
    }
    /* and submissions go on from the recomputed states */
    s_submit_kt(a, "L0", "A", NULL, &r);
    s_model_step(&want[0], &p1b, true);
    s_check_state(assay_map_get(assay_reply_result(r), "mastery"), "k1", &want[0], &p1b);
    assay_reply_free(&r);
    assay_close(&a);
}

static void skill_methods_give_precise_errors(void **state)
{
    assay_t *a = h_connect(&s_e, true), *e = h_connect(&s_e, false);
    const struct {
        assay_t *c;
        const char *method, *params, *want;
    } cases[] = {
        {a, "skill.put", "{'id':'x','prior':1.5,'learn':0,'forget':0,'guess':0,'slip':0}",
         "bad_request: prior: expected a probability in [0, 1], got 1.5"},
        {a, "skill.put", "{'id':'x','prior':0.5,'learn':0,'forget':0,'guess':0,'slip':1}",
         "bad_request: slip: expected a probability in [0, 1), got 1"},
        {a, "skill.put", "{'id':'x','prior':0.5,'learn':'a','forget':0,'guess':0,'slip':0}",
         "bad_request: learn: expected a probability in [0, 1], got a string"},
        {a, "skill.put", "{'id':'x','prior':0.5,'learn':0,'forget':0,'guess':0}",
         "bad_request: params: missing field \"slip\""},
        {a, "skill.put",
         "{'id':'x','prior':0.5,'learn':0,'forget':0,'guess':0,'slip':0,'mastery_threshold':-1}",
         "bad_request: mastery_threshold: expected a probability in [0, 1], got -1"},
        {a, "skill.put", "{'id':'x y','prior':0.5,'learn':0,'forget':0,'guess':0,'slip':0}",
         "bad_request: id: expected an id: 1 to 64 characters of A-Z a-z 0-9 . _ : -"},
        {e, "skill.put", "{'id':'x','prior':0.5,'learn':0,'forget':0,'guess':0,'slip':0}",
         "forbidden: method skill.put is allowed only on the admin socket (admin.sock)"},
        {a, "skill.get", "{'id':'nope'}", "not_found: skill \"nope\" not found"},
        {a, "skill.delete", "{'id':'nope'}", "not_found: skill \"nope\" not found"},
        {a, "skill.delete", "{'id':'k1'}",
         "conflict: skill \"k1\" is used by assessment \"kt\": remove it from that assessment's "
         "items first"},
        {a, "skill.recompute", "{'skill':'nope'}", "not_found: skill \"nope\" not found"},
        {e, "mastery.get", "{'learner':'ana','skill':'nope'}",
         "not_found: skill \"nope\" not found"},
        {e, "mastery.get", "{}", "bad_request: params: missing field \"learner\""},
        {a, "assessment.put",
         "{'id':'bad','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A'],'skills':['k1','ghost']}]}",
         "bad_request: items[0].skills[1]: unknown skill \"ghost\""},
        {a, "assessment.put",
         "{'id':'bad','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A'],'kt_threshold':2}]}",
         "bad_request: items[0].kt_threshold: expected a number in [0, 1], got 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(
            h_error(cases[i].c, cases[i].method, cases[i].params, s_buf, sizeof s_buf),
            cases[i].want);
    /* an unused skill can be deleted; mastery.get then no longer shows it */
    h_ok(a, "skill.put", "{'id':'lone','prior':0.5,'learn':0,'forget':0,'guess':0,'slip':0}");
    h_ok(a, "skill.delete", "{'id':'lone'}");
    assert_string_equal(h_error(a, "skill.get", "{'id':'lone'}", s_buf, sizeof s_buf),
                        "not_found: skill \"lone\" not found");
    assay_close(&a);
    assay_close(&e);
}

static void skills_are_listed_in_id_order_with_cursors(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    h_ok(a, "skill.put", "{'id':'z1','prior':0.5,'learn':0,'forget':0,'guess':0,'slip':0}");
    assay_reply_t *r;
    assert_int_equal(h_call(a, "skill.list", "{'limit':2}", &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r), *list = assay_map_get(o, "skills");
    assert_int_equal(list->via.array.size, 2);
    assert_true(h_str_is(&list->via.array.ptr[0], "id", "k1"));
    assert_true(h_str_is(&list->via.array.ptr[1], "id", "k2"));
    assert_true(h_num(&list->via.array.ptr[0], "prior") == 0.2);
    assert_true(h_num(o, "total") == 3);
    assert_true(h_str_is(o, "next_cursor", "k2"));
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "skill.list", "{'limit':2,'cursor':'k2'}", &r), ASSAY_OK);
    o = assay_reply_result(r);
    list = assay_map_get(o, "skills");
    assert_int_equal(list->via.array.size, 1);
    assert_true(h_str_is(&list->via.array.ptr[0], "id", "z1"));
    assert_int_equal(assay_map_get(o, "next_cursor")->type, MSGPACK_OBJECT_NIL);
    assay_reply_free(&r);
    assay_close(&a);
}

/* After 64 right answers of a skill whose slip is 1.3266e-9, 1 - mastery is 2.5e-37: stored as
 * mastery alone it would read exactly 1, and no wrong answer could ever lower it. The engine keeps
 * the distance from 1 exactly through its store (bkt.h, store_mastery.c): the fourth wrong answer
 * lowers it to 0.978 and the fifth to 0.0065, as exact arithmetic gives (test_bkt.c). */
static void mastery_near_one_still_falls_after_wrong_answers(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    h_ok(a, "skill.put",
         "{'id':'near-one','prior':0.68,'learn':0.0065,'forget':0,'guess':0.273,"
         "'slip':1.3266e-9}");
    h_ok(a, "assessment.put",
         "{'id':'near-one-q','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A'],'skills':['near-one']}]}");
    static const double want[] = {1, 1, 0.99999999995896227, 0.9781481971433611,
                                  0.0065000811504258406};
    for (int i = 0; i < 64 + 5; i++) {
        assay_reply_t *r;
        assert_int_equal(h_call(a, "response.submit",
                                i < 64 ? "{'assessment':'near-one-q','learner':'steady',"
                                         "'answers':{'q':'A'}}"
                                       : "{'assessment':'near-one-q','learner':'steady',"
                                         "'answers':{'q':'B'}}",
                                &r),
                         ASSAY_OK);
        const msgpack_object *st =
            assay_map_get(assay_map_get(assay_reply_result(r), "mastery"), "near-one");
        if (i >= 64) s_close(h_num(st, "p_mastery"), want[i - 64]);
        assay_reply_free(&r);
    }
    assay_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_submission_updates_mastery_as_the_model_does),
        cmocka_unit_test(a_mastery_notification_follows_each_submission),
        cmocka_unit_test(recompute_after_a_parameter_change_equals_a_fresh_replay),
        cmocka_unit_test(skill_methods_give_precise_errors),
        cmocka_unit_test(skills_are_listed_in_id_order_with_cursors),
        cmocka_unit_test(mastery_near_one_still_falls_after_wrong_answers),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
