/* test_models.c — deep knowledge tracing served by a real assayd: submissions step DKT and DKVMN
 * models as PyTorch's forward pass does (the reference vectors of tests/kt/), a learner's
 * concurrent submissions are applied in the order they are stored, model.recompute rebuilds the
 * states from the stored responses, and notifications carry the models (the methods, bounds and
 * errors: test_models_admin.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "model.h"
#include "models_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void submissions_step_dkt_and_dkvmn_as_pytorch_does(void **state)
{
    (void)state;
    assay_t *a = h_connect(&mf_e, true);
    assert_int_equal(mf_put_model(a, "dkt", "dkt", mf_dkt.w, mf_dkt.len, MF_CONCEPTS, 0), ASSAY_OK);
    assert_int_equal(mf_put_model(a, "dkvmn", "dkvmn", mf_dkvmn.w, mf_dkvmn.len, MF_CONCEPTS, 0),
                     ASSAY_OK);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    json_t *ld = json_object_get(mf_dkt.ref, "learners"),
           *lv = json_object_get(mf_dkvmn.ref, "learners");
    size_t steps = 0;
    double worst = 0;
    for (size_t l = 0; l < json_array_size(ld); l++) {
        json_t *ad = json_object_get(json_array_get(ld, l), "answers"),
               *av = json_object_get(json_array_get(lv, l), "answers");
        const char *learner = json_string_value(json_object_get(json_array_get(ld, l), "learner"));
        size_t n = json_array_size(ad) > 1500 ? 1500 : json_array_size(ad); /* the long one cut */
        for (size_t i = 0; i < n; i++) {
            json_t *x = json_array_get(ad, i);
            uint32_t c = (uint32_t)json_integer_value(json_array_get(x, 0));
            bool r = json_integer_value(json_array_get(x, 1)) != 0;
            mf_pack_submit(&sb, learner, c, r);
            assay_reply_t *rep = mf_call(a, "response.submit", &sb);
            const msgpack_object *res = assay_reply_result(rep);
            double pd = mf_model_field(res, "dkt", c, "predicted");
            double pv = mf_model_field(res, "dkvmn", c, "predicted");
            double wd = json_real_value(json_array_get(x, 2));
            double wv = json_real_value(json_array_get(json_array_get(av, i), 2));
            if (fabs(pd - wd) > 1e-5 || fabs(pv - wv) > 1e-5)
                fail_msg("%s answer %zu: dkt %.9f (PyTorch %.9f), dkvmn %.9f (PyTorch %.9f)",
                         learner, i, pd, wd, pv, wv);
            worst = fmax(worst, fmax(fabs(pd - wd), fabs(pv - wv)));
            /* the BKT state is there too */
            assert_non_null(assay_map_get(res, "mastery"));
            assay_reply_free(&rep);
            steps++;
        }
    }
    printf("# %zu submissions through assayd: largest difference from PyTorch %.2e\n", steps,
           worst);
    assert_true(steps > 1500);
    /* mastery.get {learner, model}: every concept, and the steps taken */
    const char *learner = json_string_value(json_object_get(json_array_get(ld, 0), "learner"));
    snprintf(mf_buf, sizeof mf_buf, "{'learner':'%s','model':'dkt'}", learner);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "mastery.get", mf_buf, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_num(o, "steps") ==
                (double)json_array_size(json_object_get(json_array_get(ld, 0), "answers")));
    assert_true(h_str_is(o, "kind", "dkt"));
    assert_int_equal(assay_map_get(o, "concepts")->via.map.size, MF_CONCEPTS);
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
}

/* The final DKT state of a replay of (concept, correct) pairs, in process. */
static void s_replay(const as_model_t *m, const uint32_t *c, const bool *y, size_t n, float *st,
                     double *pred)
{
    as_model_scratch_t s = {0};
    as_err_t err;
    assert_int_equal(as_model_scratch_fit(&s, m, &err), AS_OK);
    memcpy(st, as_model_init(m), m->hdr->n_state * sizeof *st);
    for (size_t i = 0; i < n; i++)
        pred[i] = as_model_step(m, &s, st, c[i], y[i]);
    as_model_scratch_free(&s);
}

/* Every stored response of learner (rid order): concepts and answers; returns their number. */
static size_t s_stored(assay_t *a, const char *learner, uint32_t *c, bool *y, double *pred,
                       size_t cap)
{
    size_t n = 0;
    char cursor[32] = "";
    for (;;) {
        if (cursor[0])
            snprintf(mf_buf, sizeof mf_buf,
                     "{'assessment':'bank','learner':'%s','limit':200,'cursor':'%s'}", learner,
                     cursor);
        else
            snprintf(mf_buf, sizeof mf_buf, "{'assessment':'bank','learner':'%s','limit':200}",
                     learner);
        assay_reply_t *r;
        assert_int_equal(h_call(a, "response.list", mf_buf, &r), ASSAY_OK);
        const msgpack_object *o = assay_reply_result(r), *list = assay_map_get(o, "responses");
        for (uint32_t i = 0; i < list->via.array.size && n < cap; i++) {
            const msgpack_object *rec = &list->via.array.ptr[i];
            const msgpack_object *ans = assay_map_get(rec, "answers");
            const msgpack_object_kv *kv = &ans->via.map.ptr[0];
            c[n] = (uint32_t)strtoul(kv->key.via.str.ptr + 1, NULL, 10);
            y[n] = kv->val.via.str.ptr[0] == '1';
            if (pred) pred[n] = mf_model_field(rec, "dkt", c[n], "predicted");
            n++;
        }
        const msgpack_object *next = assay_map_get(o, "next_cursor");
        bool more = next && next->type == MSGPACK_OBJECT_STR;
        if (more)
            snprintf(cursor, sizeof cursor, "%.*s", (int)next->via.str.size, next->via.str.ptr);
        assay_reply_free(&r);
        if (!more) break;
    }
    return n;
}

/* The engine's mastery.get {learner, model: dkt} equals p_correct_next of the state st. */
static void s_check_state(assay_t *a, const as_model_t *m, const char *learner, const float *st,
                          size_t steps)
{
    snprintf(mf_buf, sizeof mf_buf, "{'learner':'%s','model':'dkt'}", learner);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "mastery.get", mf_buf, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_num(o, "steps") == (double)steps);
    const msgpack_object *cs = assay_map_get(o, "concepts");
    as_model_scratch_t s = {0};
    as_err_t err;
    assert_int_equal(as_model_scratch_fit(&s, m, &err), AS_OK);
    for (uint32_t c = 0; c < MF_CONCEPTS; c++) {
        char skill[24];
        snprintf(skill, sizeof skill, "skill-%u", c);
        const msgpack_object *p = assay_map_get(cs, skill);
        assert_non_null(p);
        double want = as_model_predict(m, &s, st, c);
        if (fabs(p->via.f64 - want) > 1e-6)
            fail_msg("%s %s: engine %.9f, replay %.9f", learner, skill, p->via.f64, want);
    }
    as_model_scratch_free(&s);
    assay_reply_free(&r);
}

static void s_open_dkt(as_model_t *m, void **blob)
{
    char names[MF_CONCEPTS][24];
    const char *p[MF_CONCEPTS];
    uint32_t l[MF_CONCEPTS];
    for (int i = 0; i < MF_CONCEPTS; i++) {
        snprintf(names[i], sizeof names[i], "skill-%d", i);
        p[i] = names[i];
        l[i] = (uint32_t)strlen(names[i]);
    }
    size_t size;
    as_err_t err;
    *blob = as_model_compile(AS_MODEL_DKT, mf_dkt.w, mf_dkt.len, p, l, MF_CONCEPTS, &size, &err);
    assert_non_null(*blob);
    assert_int_equal(as_model_open(*blob, size, m, &err), AS_OK);
}

static void a_learners_concurrent_submissions_are_applied_in_stored_order(void **state)
{
    (void)state;
    assay_t *a = h_connect(&mf_e, true);
    assert_int_equal(mf_put_model(a, "dkt", "dkt", mf_dkt.w, mf_dkt.len, MF_CONCEPTS, 0), ASSAY_OK);
    /* 400 answers of one learner, 64 in flight: workers step from states that other
     * submissions of the learner change before the writer stores theirs */
    enum { N = 400, WINDOW = 64 };
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    int sent = 0, got = 0;
    while (got < N) {
        while (sent < N && sent - got < WINDOW) {
            uint32_t msgid;
            mf_pack_submit(&sb, "racer", (uint32_t)(sent * 7 % 11), sent % 3 != 0);
            assert_int_equal(assay_send(a, "response.submit", sb.data, sb.size, &msgid), ASSAY_OK);
            sent++;
        }
        assay_reply_t *r;
        assert_int_equal(assay_recv(a, 30000, &r), ASSAY_OK);
        assay_reply_free(&r);
        got++;
    }
    msgpack_sbuffer_destroy(&sb);
    /* the stored order, replayed in process, gives every stored prediction and the state */
    static uint32_t c[N];
    static bool y[N];
    static double stored[N], replayed[N];
    size_t n = s_stored(a, "racer", c, y, stored, N);
    assert_int_equal(n, N);
    as_model_t m;
    void *blob;
    s_open_dkt(&m, &blob);
    float *st = malloc(m.hdr->n_state * sizeof *st);
    s_replay(&m, c, y, n, st, replayed);
    for (size_t i = 0; i < n; i++)
        if (fabs(stored[i] - replayed[i]) > 1e-6)
            fail_msg("response %zu: stored prediction %.9f, replay %.9f", i, stored[i],
                     replayed[i]);
    s_check_state(a, &m, "racer", st, n);
    free(st);
    free(blob);
    assay_close(&a);
}

static void recompute_rebuilds_the_states_from_the_stored_responses(void **state)
{
    (void)state;
    assay_t *a = h_connect(&mf_e, true);
    /* a new version: every learner starts again from the initial state */
    assert_int_equal(mf_put_model(a, "dkt", "dkt", mf_dkt.w, mf_dkt.len, MF_CONCEPTS, 0), ASSAY_OK);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "mastery.get", "{'learner':'racer','model':'dkt'}", &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "steps") == 0);
    assert_true(h_num(assay_reply_result(r), "version") >= 2);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "model.recompute", "{'id':'dkt'}", &r), ASSAY_OK);
    double job = h_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    r = h_wait_job(a, job);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_str_is(o, "state", "done"));
    assert_true(h_str_is(o, "kind", "model_recompute"));
    assert_true(h_str_is(o, "model", "dkt"));
    assay_reply_free(&r);
    static uint32_t c[2000];
    static bool y[2000];
    static double pred[2000];
    size_t n = s_stored(a, "racer", c, y, NULL, 2000);
    as_model_t m;
    void *blob;
    s_open_dkt(&m, &blob);
    float *st = malloc(m.hdr->n_state * sizeof *st);
    s_replay(&m, c, y, n, st, pred);
    s_check_state(a, &m, "racer", st, n);
    free(st);
    free(blob);
    assay_close(&a);
}

static void a_mastery_notification_carries_the_models(void **state)
{
    (void)state;
    assay_t *a = h_connect(&mf_e, true);
    assay_sub_t *sub;
    assert_int_equal(assay_sub_open(&sub, mf_e.dir), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "mastery.noted"), ASSAY_OK);
    usleep(300000);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    mf_pack_submit(&sb, "noted", 5, true);
    assay_reply_t *r = mf_call(a, "response.submit", &sb);
    double want = mf_model_field(assay_reply_result(r), "dkt", 5, "p_correct_next");
    assay_reply_free(&r);
    assay_event_t *ev;
    assert_int_equal(assay_sub_recv(sub, 3000, &ev), ASSAY_OK);
    const msgpack_object *b = assay_event_body(ev);
    assert_true(mf_model_field(b, "dkt", 5, "p_correct_next") == want);
    assert_non_null(assay_map_get(assay_map_get(b, "skills"), "skill-5"));
    assay_event_free(&ev);
    assay_sub_close(&sub);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(submissions_step_dkt_and_dkvmn_as_pytorch_does),
        cmocka_unit_test(a_learners_concurrent_submissions_are_applied_in_stored_order),
        cmocka_unit_test(recompute_rebuilds_the_states_from_the_stored_responses),
        cmocka_unit_test(a_mastery_notification_carries_the_models),
    };
    return cmocka_run_group_tests(tests, mf_up, mf_down);
}
