/* test_fit.c — skill.fit against a real assayd: the job's fitted parameters equal EM
 * (engine/tracing/bkt_fit.c, itself tested in test_bkt_fit.c) run on the learners' sequences as
 * they were stored, to the last bit; every skill at once, with a skill that has no answers;
 * apply stores the parameters and recomputes mastery; determinism; errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bkt_fit.h"
#include "codec.h"
#include "bkt_ref.h"
#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static h_engine_t s_e;

#define S_LEARNERS 90
#define S_SUBMITS  (S_LEARNERS * 10)

/* Submission i: learner L(i % S_LEARNERS) at their attempt i / S_LEARNERS; right more often as
 * attempts go on, a little differently per learner and item. */
static bool s_right(int i, int item)
{
    unsigned h = (unsigned)i * 2654435761u ^ (unsigned)item * 40503u;
    h ^= h >> 15;
    h *= 2246822519u;
    h ^= h >> 13;
    double attempt = i / S_LEARNERS, p = 0.25 + 0.6 * fmin(1, attempt / 7) + (i % 7) * 0.02;
    return (double)(h % 1000) / 1000 < p;
}

static void s_answers(msgpack_packer *pk, int i, void *arg)
{
    (void)arg;
    msgpack_pack_map(pk, 3);
    as_pack_cstr(pk, "q1");
    as_pack_cstr(pk, s_right(i, 1) ? "A" : "B");
    as_pack_cstr(pk, "q2");
    as_pack_cstr(pk, s_right(i, 2) ? "A" : "B");
    as_pack_cstr(pk, "q3");
    as_pack_cstr(pk, "A");
}

static int s_up(void **state)
{
    h_start(&s_e, NULL);
    assay_t *a = h_connect(&s_e, true);
    h_ok(a, "skill.put", "{'id':'k1','prior':0.3,'learn':0.1,'forget':0,'guess':0.2,'slip':0.1}");
    h_ok(a, "skill.put",
         "{'id':'k2','prior':0.4,'learn':0.2,'forget':0,'guess':0.25,'slip':0.15,"
         "'mastery_threshold':0.9}");
    h_ok(a, "skill.put", "{'id':'k3','prior':0.5,'learn':0.3,'forget':0,'guess':0.1,'slip':0.1}");
    /* q1 gives evidence of k1, q2 of k1 and k2 (in that order), q3 of nothing; k3 of nothing */
    h_ok(a, "assessment.put",
         "{'id':'fa','items':["
         "{'id':'q1','cardinality':'single','base_type':'identifier','rule':'match_correct',"
         "'correct':['A'],'skills':['k1']},"
         "{'id':'q2','cardinality':'single','base_type':'identifier','rule':'match_correct',"
         "'correct':['A'],'skills':['k1','k2']},"
         "{'id':'q3','cardinality':'single','base_type':'identifier','rule':'match_correct',"
         "'correct':['A']}]}");
    char err[256] = "";
    if (h_submit_many(a, "fa", S_SUBMITS, S_LEARNERS, s_answers, NULL, err, sizeof err) !=
        S_SUBMITS)
        fail_msg("submissions: %s", err);
    assay_close(&a);
    return 0;
}

static int s_down(void **state)
{
    return h_cleanup(&s_e);
}

/* The sequences of one skill as the engine orders them: learners in the order of their first
 * stored observation of a wanted skill, each learner's observations in stored order. */
typedef struct {
    uint8_t obs[S_SUBMITS * 2];
    uint32_t start[S_LEARNERS + 1];
    char learner[S_LEARNERS][16]; /* sequence k is learner[k]'s */
    as_bkt_seqs_t d;
} s_seqs_t;

/* Reads the stored responses (in submission order) and builds skill's sequences (k1: q1 then
 * q2; k2: q2), learners numbered in order of first appearance. */
static void s_stored_sequences(assay_t *c, const char *skill, s_seqs_t *s)
{
    char(*learners)[16] = s->learner;
    uint8_t per[S_LEARNERS][32];
    uint32_t n_per[S_LEARNERS] = {0}, n_learners = 0;
    char params[128], cursor[32] = "";
    for (;;) {
        snprintf(params, sizeof params, "{'assessment':'fa','limit':200%s%s%s}",
                 cursor[0] ? ",'cursor':'" : "", cursor, cursor[0] ? "'" : "");
        assay_reply_t *r;
        assert_int_equal(h_call(c, "response.list", params, &r), ASSAY_OK);
        const msgpack_object *res = assay_reply_result(r);
        const msgpack_object *rows = assay_map_get(res, "responses");
        for (uint32_t i = 0; i < rows->via.array.size; i++) {
            const msgpack_object *row = &rows->via.array.ptr[i];
            const msgpack_object *l = assay_map_get(row, "learner");
            const msgpack_object *ans = assay_map_get(row, "answers");
            uint32_t k = 0;
            while (k < n_learners && !(strlen(learners[k]) == l->via.str.size &&
                                       memcmp(learners[k], l->via.str.ptr, l->via.str.size) == 0))
                k++;
            if (k == n_learners) {
                snprintf(learners[k], sizeof learners[k], "%.*s", (int)l->via.str.size,
                         l->via.str.ptr);
                n_learners++;
            }
            bool q1 = assay_map_get(ans, "q1")->via.str.ptr[0] == 'A';
            bool q2 = assay_map_get(ans, "q2")->via.str.ptr[0] == 'A';
            if (strcmp(skill, "k1") == 0) per[k][n_per[k]++] = q1;
            per[k][n_per[k]++] = q2;
        }
        const msgpack_object *next = assay_map_get(res, "next_cursor");
        bool more = next && next->type == MSGPACK_OBJECT_STR;
        if (more)
            snprintf(cursor, sizeof cursor, "%.*s", (int)next->via.str.size, next->via.str.ptr);
        assay_reply_free(&r);
        if (!more) break;
    }
    uint32_t at = 0;
    for (uint32_t k = 0; k < n_learners; k++) {
        s->start[k] = at;
        memcpy(s->obs + at, per[k], n_per[k]);
        at += n_per[k];
    }
    s->start[n_learners] = at;
    s->d = (as_bkt_seqs_t){.obs = s->obs, .start = s->start, .n_seqs = n_learners};
}

/* Starts a fit with params, waits for it and returns the ended job (the caller frees it). */
static assay_reply_t *s_fit(assay_t *a, const char *params)
{
    assay_reply_t *r;
    int rc = h_call(a, "skill.fit", params, &r);
    if (rc) fail_msg("skill.fit %s: %s", params, r ? assay_reply_message(r) : assay_strerror(rc));
    assert_true(h_str_is(assay_reply_result(r), "kind", "fit"));
    double job = h_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    assay_reply_t *done = h_wait_job(a, job);
    const msgpack_object *j = assay_reply_result(done);
    if (!h_str_is(j, "state", "done")) {
        const msgpack_object *e = assay_map_get(j, "error");
        fail_msg("fit failed: %.*s", e ? (int)e->via.str.size : 1, e ? e->via.str.ptr : "?");
    }
    return done;
}

/* The entry of skill id in a fit's result. */
static const msgpack_object *s_entry(const msgpack_object *job, const char *id)
{
    const msgpack_object *skills = assay_map_get(assay_map_get(job, "result"), "skills");
    for (uint32_t i = 0; i < skills->via.array.size; i++)
        if (h_str_is(&skills->via.array.ptr[i], "skill", id)) return &skills->via.array.ptr[i];
    fail_msg("no result for skill %s", id);
    return NULL;
}

/* The fitted parameters of an entry equal out's, bit for bit. */
static void s_same_bits(const msgpack_object *e, const as_bkt_fit_t *want)
{
    const double got[] = {h_num(e, "prior"), h_num(e, "learn"), h_num(e, "forget"),
                          h_num(e, "guess"), h_num(e, "slip"),  h_num(e, "log_likelihood")};
    const double exp[] = {want->params.prior, want->params.learn, want->params.forget,
                          want->params.guess, want->params.slip,  want->loglik};
    for (int i = 0; i < 6; i++)
        if (memcmp(&got[i], &exp[i], sizeof got[i]) != 0)
            fail_msg("field %d: %.17g != %.17g", i, got[i], exp[i]);
    assert_int_equal((uint32_t)h_num(e, "iterations"), want->iterations);
    assert_int_equal((uint64_t)h_num(e, "observations"), want->observations);
    assert_int_equal((uint32_t)h_num(e, "learners"), want->learners);
}

static void a_fit_equals_em_on_the_stored_sequences_to_the_last_bit(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *done = s_fit(a, "{'skill':'k1','restarts':3,'seed':7,'forgets':true}");
    const msgpack_object *job = assay_reply_result(done);
    assert_true(h_str_is(job, "skill", "k1"));
    s_seqs_t s;
    s_stored_sequences(a, "k1", &s);
    as_bkt_fit_opts_t o;
    as_bkt_fit_opts_default(&o);
    o.restarts = 3;
    o.seed = 7;
    o.forgets = 1;
    const as_bkt_params_t start = {
        .prior = 0.3, .learn = 0.1, .guess = 0.2, .slip = 0.1, .mastery_threshold = 0.95};
    as_bkt_fit_t want;
    assert_int_equal(as_bkt_fit(&s.d, &o, as_bkt_fit_stream("k1", 2), &start, &want), 0);
    s_same_bits(s_entry(job, "k1"), &want);
    assert_int_equal(want.observations, 2 * S_SUBMITS); /* q1 and q2 each time */
    assert_int_equal(want.learners, S_LEARNERS);
    const msgpack_object *res = assay_map_get(job, "result");
    assert_int_equal(assay_map_get(res, "skills")->via.array.size, 1);
    assert_false(assay_map_get(res, "applied")->via.boolean);
    assay_reply_free(&done);
    /* the skill's own parameters are left as they were */
    assay_reply_t *r;
    assert_int_equal(h_call(a, "skill.get", "{'id':'k1'}", &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "guess") == 0.2);
    assay_reply_free(&r);
    assay_close(&a);
}

static void fitting_every_skill_reports_one_without_answers_and_no_nan(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *done = s_fit(a, "{}");
    const msgpack_object *job = assay_reply_result(done);
    assert_int_equal(assay_map_get(job, "skill")->type, MSGPACK_OBJECT_NIL);
    const msgpack_object *skills = assay_map_get(assay_map_get(job, "result"), "skills");
    assert_int_equal(skills->via.array.size, 3); /* in id order */
    assert_true(h_str_is(&skills->via.array.ptr[0], "skill", "k1"));
    assert_true(h_str_is(&skills->via.array.ptr[2], "skill", "k3"));
    /* k2 with the defaults equals EM on its own sequences */
    s_seqs_t s;
    s_stored_sequences(a, "k2", &s);
    as_bkt_fit_opts_t o;
    as_bkt_fit_opts_default(&o);
    const as_bkt_params_t start2 = {
        .prior = 0.4, .learn = 0.2, .guess = 0.25, .slip = 0.15, .mastery_threshold = 0.9};
    as_bkt_fit_t want;
    assert_int_equal(as_bkt_fit(&s.d, &o, as_bkt_fit_stream("k2", 2), &start2, &want), 0);
    s_same_bits(s_entry(job, "k2"), &want);
    assert_true(h_num(s_entry(job, "k2"), "guess") <= 0.5 - AS_BKT_EPS);
    /* k3: no answers, its own parameters, said so */
    const msgpack_object *k3 = s_entry(job, "k3");
    assert_true(h_str_is(k3, "note", "no observations: the parameters are the skill's own"));
    assert_true(h_num(k3, "prior") == 0.5 && h_num(k3, "learn") == 0.3 &&
                h_num(k3, "guess") == 0.1 && h_num(k3, "slip") == 0.1);
    assert_int_equal((int)h_num(k3, "observations"), 0);
    for (uint32_t i = 0; i < skills->via.array.size; i++) {
        const char *names[] = {"prior", "learn", "forget", "guess", "slip", "log_likelihood"};
        for (int k = 0; k < 6; k++)
            assert_false(isnan(h_num(&skills->via.array.ptr[i], names[k])));
    }
    assay_reply_free(&done);
    assay_close(&a);
}

static void the_same_seed_gives_the_same_parameters(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *one = s_fit(a, "{'skill':'k2','seed':3,'restarts':4}");
    assay_reply_t *two = s_fit(a, "{'skill':'k2','seed':3,'restarts':4}");
    const msgpack_object *x = s_entry(assay_reply_result(one), "k2");
    const msgpack_object *y = s_entry(assay_reply_result(two), "k2");
    const char *names[] = {"prior", "learn", "forget", "guess", "slip", "log_likelihood"};
    for (int k = 0; k < 6; k++) {
        double u = h_num(x, names[k]), v = h_num(y, names[k]);
        assert_memory_equal(&u, &v, sizeof u);
    }
    assay_reply_free(&one);
    assay_reply_free(&two);
    assay_close(&a);
}

static void apply_stores_the_parameters_and_recomputes_mastery(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *done = s_fit(a, "{'skill':'k1','apply':true}");
    const msgpack_object *job = assay_reply_result(done);
    assert_true(h_str_is(job, "phase", "recomputing"));
    assert_true(assay_map_get(assay_map_get(job, "result"), "applied")->via.boolean);
    const msgpack_object *e = s_entry(job, "k1");
    as_bkt_params_t p = {.prior = h_num(e, "prior"),
                         .learn = h_num(e, "learn"),
                         .forget = h_num(e, "forget"),
                         .guess = h_num(e, "guess"),
                         .slip = h_num(e, "slip")};
    assay_reply_t *r;
    assert_int_equal(h_call(a, "skill.get", "{'id':'k1'}", &r), ASSAY_OK);
    const msgpack_object *sk = assay_reply_result(r);
    assert_true(h_num(sk, "prior") == p.prior && h_num(sk, "learn") == p.learn &&
                h_num(sk, "guess") == p.guess && h_num(sk, "slip") == p.slip);
    assert_int_equal(assay_map_get(sk, "recomputing")->type, MSGPACK_OBJECT_NIL);
    assay_reply_free(&r);
    /* every learner's state of k1 is a replay of their stored answers with the new parameters */
    s_seqs_t s;
    s_stored_sequences(a, "k1", &s);
    for (int l = 0; l < S_LEARNERS; l += 17) {
        char params[96];
        snprintf(params, sizeof params, "{'learner':'L%d','skill':'k1'}", l);
        assert_int_equal(h_call(a, "mastery.get", params, &r), ASSAY_OK);
        const msgpack_object *st =
            assay_map_get(assay_map_get(assay_reply_result(r), "skills"), "k1");
        /* learner L<l>'s sequence (numbered in order of first appearance in the store) */
        char name[16];
        snprintf(name, sizeof name, "L%d", l);
        uint32_t k = 0;
        while (k < s.d.n_seqs && strcmp(s.learner[k], name) != 0)
            k++;
        assert_true(k < s.d.n_seqs);
        double m = p.prior;
        for (uint32_t t = s.start[k]; t < s.start[k + 1]; t++)
            m = ref_bkt_step(&p, m, s.obs[t]);
        if (!(fabs(h_num(st, "p_mastery") - m) <= 1e-12))
            fail_msg("%s: %.17g != %.17g", name, h_num(st, "p_mastery"), m);
        assert_int_equal((uint32_t)h_num(st, "opportunities"), s.start[k + 1] - s.start[k]);
        assay_reply_free(&r);
    }
    assay_reply_free(&done);
    assay_close(&a);
}

static void bad_fits_are_refused_with_their_reason(void **state)
{
    assay_t *a = h_connect(&s_e, true), *e = h_connect(&s_e, false);
    char buf[256];
    assert_string_equal(h_error(a, "skill.fit", "{'skill':'nope'}", buf, sizeof buf),
                        "not_found: skill \"nope\" not found");
    assert_string_equal(h_error(a, "skill.fit", "{'bounds':{'guess':[0.6,0.2]}}", buf, sizeof buf),
                        "bad_request: bounds.guess: expected [lo, hi] with 0 <= lo <= hi <= 1");
    assert_string_equal(h_error(a, "skill.fit", "{'bounds':{'luck':[0,1]}}", buf, sizeof buf),
                        "bad_request: bounds.luck: unknown field (expected: prior, learn, forget, "
                        "guess, slip)");
    assert_string_equal(h_error(a, "skill.fit", "{'bounds':3}", buf, sizeof buf),
                        "bad_request: bounds: expected a map of [lo, hi] or nil, got an integer");
    assert_string_equal(h_error(a, "skill.fit", "{'restarts':0}", buf, sizeof buf),
                        "bad_request: restarts: expected an integer in 1..100, got 0");
    assert_string_equal(h_error(a, "skill.fit", "{'seed':-1}", buf, sizeof buf),
                        "bad_request: seed: expected an integer >= 0");
    const char *forbidden = h_error(e, "skill.fit", "{}", buf, sizeof buf);
    assert_true(strncmp(forbidden, "forbidden: ", 11) == 0);
    assay_close(&a);
    assay_close(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_fit_equals_em_on_the_stored_sequences_to_the_last_bit),
        cmocka_unit_test(fitting_every_skill_reports_one_without_answers_and_no_nan),
        cmocka_unit_test(the_same_seed_gives_the_same_parameters),
        cmocka_unit_test(apply_stores_the_parameters_and_recomputes_mastery),
        cmocka_unit_test(bad_fits_are_refused_with_their_reason),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
