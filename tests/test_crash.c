/* test_crash.c — nothing acknowledged is lost on kill -9. Clients submit in a loop and record
 * every acknowledged response; assayd is killed with SIGKILL at a random moment, 20 rounds; after
 * each restart (the environment must open without repair) every acknowledged response is there
 * and identical, and each learner's attempts run 1..n without gaps or duplicates. The same for
 * people's grades: raters grade answers waiting for them while assayd is killed; every
 * acknowledged grade is each rater's latest (or the one in flight, one revision on), and the
 * agreement counts, kept in the same transactions, count exactly the grades stored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"
#include "tjson.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_ROUNDS   20
#define S_CLIENTS  4
#define S_LEARNERS 3 /* per client */
#define S_MAX_ACKS 200000

static h_ledger_t s_ledger;
static h_engine_t s_e;

typedef struct {
    int client;
    int round;
} s_client_t;

/* Submits until the engine stops answering; records every acknowledgement. */
static void *s_client(void *arg)
{
    s_client_t *cl = arg;
    assay_t *c;
    assay_options_t o = {.timeout_ms = 400};
    if (assay_open(&c, s_e.dir, &o)) return NULL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    for (int i = 0;; i++) {
        char learner[16], params[200];
        snprintf(learner, sizeof learner, "c%d-l%d", cl->client, i % S_LEARNERS);
        /* every other answer right: scores alternate 1 and 0 */
        snprintf(params, sizeof params,
                 "{'assessment':'crash','learner':'%s','answers':{'q':'%s'}}", learner,
                 i % 2 ? "A" : "B");
        tjson_pack(&sb, params);
        assay_reply_t *r;
        if (assay_call(c, "response.submit", sb.data, sb.size, -1, &r) != ASSAY_OK) {
            assay_reply_free(&r);
            break;
        }
        h_ledger_add(&s_ledger, assay_reply_result(r), learner);
        assay_reply_free(&r);
    }
    msgpack_sbuffer_destroy(&sb);
    assay_close(&c);
    return NULL;
}

static void s_verify(assay_t *c)
{
    /* every acknowledged response, identical */
    h_ledger_check(c, &s_ledger);
    /* attempts 1..n for every learner, without gaps or duplicates */
    for (int cl = 0; cl < S_CLIENTS; cl++)
        for (int l = 0; l < S_LEARNERS; l++) {
            char cursor[32] = "";
            uint32_t expect = 1;
            for (;;) {
                char params[160];
                if (cursor[0])
                    snprintf(params, sizeof params,
                             "{'assessment':'crash','learner':'c%d-l%d','limit':200,'cursor':'%s'}",
                             cl, l, cursor);
                else
                    snprintf(params, sizeof params,
                             "{'assessment':'crash','learner':'c%d-l%d','limit':200}", cl, l);
                assay_reply_t *r;
                assert_int_equal(h_call(c, "response.list", params, &r), ASSAY_OK);
                const msgpack_object *o = assay_reply_result(r);
                const msgpack_object *list = assay_map_get(o, "responses");
                for (uint32_t i = 0; i < list->via.array.size; i++)
                    assert_true(h_num(&list->via.array.ptr[i], "attempt") == expect++);
                assert_true(h_num(o, "total") == expect - 1 || list->via.array.size == 200);
                const msgpack_object *next = assay_map_get(o, "next_cursor");
                bool more = next->type == MSGPACK_OBJECT_STR;
                if (more)
                    snprintf(cursor, sizeof cursor, "%.*s", (int)next->via.str.size,
                             next->via.str.ptr);
                assay_reply_free(&r);
                if (!more) break;
            }
        }
}

static void acknowledged_submissions_survive_kill_9(void **state)
{
    h_ledger_init(&s_ledger, S_MAX_ACKS);
    h_start(&s_e, NULL);
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "assessment.put",
                            "{'id':'crash','items':[{'id':'q','cardinality':'single',"
                            "'base_type':'identifier','rule':'match_correct','correct':['A']}]}",
                            &r),
                     ASSAY_OK);
    assay_reply_free(&r);
    assay_close(&a);
    srand(26); /* the same kill delays on every run (the gate is deterministic) */
    for (int round = 0; round < S_ROUNDS; round++) {
        pthread_t th[S_CLIENTS];
        s_client_t cl[S_CLIENTS];
        for (int i = 0; i < S_CLIENTS; i++) {
            cl[i] = (s_client_t){i, round};
            pthread_create(&th[i], NULL, s_client, &cl[i]);
        }
        usleep((useconds_t)(20000 + rand() % 250000));
        h_kill(&s_e);
        for (int i = 0; i < S_CLIENTS; i++)
            pthread_join(th[i], NULL);
        h_restart(&s_e); /* fails the test unless the environment opens and serves */
        assay_t *c = h_connect(&s_e, false);
        s_verify(c);
        assay_close(&c);
    }
    printf("%d acknowledged submissions over %d kill -9 rounds, all present and identical\n",
           s_ledger.n, S_ROUNDS);
    assert_true(s_ledger.n > S_ROUNDS);
    assert_int_equal(h_cleanup(&s_e), 0);
    h_ledger_free(&s_ledger);
}

/* ---- grades: raters grade answers waiting for people while the engine is killed ---- */

#define S_ANSWERS 40
#define S_RATERS  3
#define S_GROUNDS 6

typedef struct {
    int rater;
    double rid[S_ANSWERS];
    /* what the rater's grades of each answer must be: revisions acknowledged, the last score */
    int revisions[S_ANSWERS];
    double last[S_ANSWERS];
    /* the one grade sent and not (yet) acknowledged: it may be stored or not */
    int inflight;
    double inflight_score;
    int step;
} s_rater_t;

/* Grades answers in turn (with a grade.next every fourth, a write too) until the engine stops
 * answering; records every acknowledged grade. */
static void *s_grader(void *arg)
{
    s_rater_t *k = arg;
    assay_t *c;
    assay_options_t o = {.timeout_ms = 400};
    if (assay_open(&c, s_e.dir, &o)) return NULL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    for (;; k->step++) {
        char params[200];
        assay_reply_t *r;
        if (k->step % 4 == 3) {
            snprintf(params, sizeof params, "{'assessment':'crashg','rater':'r%d'}", k->rater);
            tjson_pack(&sb, params);
            int rc = assay_call(c, "grade.next", sb.data, sb.size, -1, &r);
            assay_reply_free(&r);
            if (rc != ASSAY_OK) break;
            continue;
        }
        int i = (k->step * 7 + k->rater) % S_ANSWERS;
        double score = (k->step / 3 + k->rater) % 5;
        k->inflight = i;
        k->inflight_score = score;
        snprintf(params, sizeof params, "{'response':%.0f,'item':'e','rater':'r%d','score':%g}",
                 k->rid[i], k->rater, score);
        tjson_pack(&sb, params);
        if (assay_call(c, "grade.put", sb.data, sb.size, -1, &r) != ASSAY_OK) {
            assay_reply_free(&r);
            break;
        }
        assay_reply_free(&r);
        k->revisions[i]++;
        k->last[i] = score;
        k->inflight = -1;
    }
    msgpack_sbuffer_destroy(&sb);
    assay_close(&c);
    return NULL;
}

/* Every acknowledged grade is stored: each rater's latest grade of an answer is its last
 * acknowledged one, or the one in flight at the kill, one revision on; the agreement's count of
 * grades is the number of (answer, rater) graded. Takes the in-flight one as stored or not. */
static void s_verify_grades(assay_t *c, s_rater_t *raters)
{
    int graded = 0;
    for (int k = 0; k < S_RATERS; k++) {
        s_rater_t *rt = &raters[k];
        char params[96];
        snprintf(params, sizeof params, "{'assessment':'crashg','rater':'r%d','limit':200}", k);
        assay_reply_t *r;
        assert_int_equal(h_call(c, "grade.list", params, &r), ASSAY_OK);
        const msgpack_object *list = assay_map_get(assay_reply_result(r), "grades");
        int seen = 0;
        for (uint32_t j = 0; j < list->via.array.size; j++) {
            const msgpack_object *g = &list->via.array.ptr[j];
            int i = 0;
            while (i < S_ANSWERS && rt->rid[i] != h_num(g, "response"))
                i++;
            assert_true(i < S_ANSWERS);
            int rev = (int)h_num(g, "revision");
            double score = h_num(g, "score");
            if (rev == rt->revisions[i]) {
                assert_true(score == rt->last[i]);
            } else { /* stored, not acknowledged: the one in flight */
                assert_int_equal(rev, rt->revisions[i] + 1);
                assert_int_equal(i, rt->inflight);
                assert_true(score == rt->inflight_score);
                rt->revisions[i] = rev;
                rt->last[i] = score;
            }
            seen++;
        }
        for (int i = 0; i < S_ANSWERS; i++)
            seen -= rt->revisions[i] > 0;
        assert_int_equal(seen, 0); /* none acknowledged is missing */
        graded += (int)list->via.array.size;
        rt->inflight = -1;
        assay_reply_free(&r);
    }
    assay_reply_t *r;
    assert_int_equal(h_call(c, "assessment.agreement", "{'assessment':'crashg'}", &r), ASSAY_OK);
    const msgpack_object *e = assay_map_get(assay_map_get(assay_reply_result(r), "items"), "e");
    assert_int_equal((int)h_num(e, "grades"), graded);
    assay_reply_free(&r);
}

static void acknowledged_grades_survive_kill_9(void **state)
{
    h_start(&s_e, NULL);
    assay_t *a = h_connect(&s_e, true);
    h_ok(a, "assessment.put",
         "{'id':'crashg','items':[{'id':'e','graded':{'max':4,'raters':2,'tolerance':4}}]}");
    static s_rater_t raters[S_RATERS];
    for (int i = 0; i < S_ANSWERS; i++) {
        char params[160];
        snprintf(params, sizeof params,
                 "{'assessment':'crashg','learner':'g%d','answers':{'e':'essay %d'}}", i, i);
        double rid = h_submit_one(a, params);
        for (int k = 0; k < S_RATERS; k++)
            raters[k].rid[i] = rid;
    }
    assay_close(&a);
    for (int k = 0; k < S_RATERS; k++) {
        raters[k].rater = k;
        raters[k].inflight = -1;
    }
    srand(28); /* the same kill delays on every run */
    int acked = 0;
    for (int round = 0; round < S_GROUNDS; round++) {
        pthread_t th[S_RATERS];
        for (int k = 0; k < S_RATERS; k++)
            pthread_create(&th[k], NULL, s_grader, &raters[k]);
        usleep((useconds_t)(50000 + rand() % 250000));
        h_kill(&s_e);
        for (int k = 0; k < S_RATERS; k++)
            pthread_join(th[k], NULL);
        h_restart(&s_e);
        assay_t *c = h_connect(&s_e, false);
        s_verify_grades(c, raters);
        assay_close(&c);
    }
    for (int k = 0; k < S_RATERS; k++)
        for (int i = 0; i < S_ANSWERS; i++)
            acked += raters[k].revisions[i];
    printf("%d grades stored over %d kill -9 rounds, every acknowledged one present\n", acked,
           S_GROUNDS);
    assert_true(acked > S_GROUNDS);
    assert_int_equal(h_cleanup(&s_e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledged_submissions_survive_kill_9),
        cmocka_unit_test(acknowledged_grades_survive_kill_9),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
