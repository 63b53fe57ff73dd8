/* test_responses.c — stored submissions against a real assayd: submit, attempts, idempotent
 * retries, max_attempts, get, list pages and cursors, notifications, delete conflicts, and the
 * --sync modes across restarts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"
#include "report_check.h"
#include "tjson.h"

#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static h_engine_t s_e;
static char s_buf[1024];

static int s_up(void **state)
{
    h_start(&s_e, NULL);
    assay_t *a = h_connect(&s_e, true);
    h_put_example(a);
    assay_reply_t *r;
    assert_int_equal(
        h_call(a, "assessment.put",
               "{'id':'twice','max_attempts':2,'items':[{'id':'q','cardinality':'single',"
               "'base_type':'identifier','rule':'match_correct','correct':['A']}]}",
               &r),
        ASSAY_OK);
    assay_reply_free(&r);
    assay_close(&a);
    return 0;
}

static int s_down(void **state)
{
    return h_cleanup(&s_e);
}

/* Submits and returns the reply (the caller frees it). */
static assay_reply_t *s_submit(assay_t *c, const char *params);

/* Submits, expecting success, and drops the reply. */
static void s_submit_ok(assay_t *c, const char *params)
{
    assay_reply_t *r = s_submit(c, params);
    assay_reply_free(&r);
}

static assay_reply_t *s_submit(assay_t *c, const char *params)
{
    assay_reply_t *r;
    int rc = h_call(c, "response.submit", params, &r);
    if (rc) fail_msg("submit failed: %s", r ? assay_reply_message(r) : assay_strerror(rc));
    return r;
}

static void submit_returns_the_stored_result(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    assay_reply_t *r =
        s_submit(c, "{'assessment':'quiz-demo','learner':'ana',"
                    "'answers':{'capital':'paris','gravity':9.8,'primes':[2,3,5,7]}}");
    const msgpack_object *o = assay_reply_result(r);
    assert_int_equal(o->via.map.size, 10);
    assert_true(h_num(o, "response_id") >= 1);
    assert_true(h_str_is(o, "assessment", "quiz-demo"));
    assert_true(h_num(o, "version") == 1);
    assert_true(h_str_is(o, "learner", "ana"));
    assert_true(h_num(o, "attempt") == 1);
    assert_true(h_num(o, "score") == 3);
    assert_true(h_num(o, "max_score") == 19);
    assert_true(h_num(o, "ratio") == 3.0 / 19.0);
    assert_false(assay_map_get(o, "passed")->via.boolean);
    assert_null(assay_map_get(o, "answers"));
    const msgpack_object *at = assay_map_get(o, "submitted_at");
    char when[64];
    snprintf(when, sizeof when, "%.*s", (int)at->via.str.size, at->via.str.ptr);
    regex_t re;
    regcomp(&re, "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\\.[0-9]{3}Z$",
            REG_EXTENDED);
    assert_int_equal(regexec(&re, when, 0, NULL, 0), 0);
    regfree(&re);
    assay_reply_free(&r);
    assay_close(&c);
}

static void attempts_count_per_learner_and_assessment(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    for (int i = 1; i <= 3; i++) {
        assay_reply_t *r = s_submit(c, "{'assessment':'quiz-demo','learner':'ben','answers':{}}");
        assert_true(h_num(assay_reply_result(r), "attempt") == i);
        assay_reply_free(&r);
    }
    assay_reply_t *r = s_submit(c, "{'assessment':'quiz-demo','learner':'cy','answers':{}}");
    assert_true(h_num(assay_reply_result(r), "attempt") == 1);
    assay_reply_free(&r);
    assay_close(&c);
}

static void a_retry_with_the_same_key_returns_the_original_and_stores_nothing(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    assay_reply_t *first = s_submit(c, "{'assessment':'quiz-demo','learner':'dee','key':'req-1',"
                                       "'answers':{'capital':'paris'}}");
    /* the retry even carries other answers: the key decides */
    assay_reply_t *again = s_submit(c, "{'assessment':'quiz-demo','learner':'dee','key':'req-1',"
                                       "'answers':{'capital':'rome'}}");
    /* the same result: same id, same score, same submitted_at */
    assert_true(h_num(assay_reply_result(again), "response_id") ==
                h_num(assay_reply_result(first), "response_id"));
    assert_true(h_num(assay_reply_result(again), "score") == 1);
    const msgpack_object *t1 = assay_map_get(assay_reply_result(first), "submitted_at");
    const msgpack_object *t2 = assay_map_get(assay_reply_result(again), "submitted_at");
    assert_int_equal(t1->via.str.size, t2->via.str.size);
    assert_memory_equal(t1->via.str.ptr, t2->via.str.ptr, t1->via.str.size);
    assay_reply_free(&first);
    assay_reply_free(&again);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "response.list", "{'assessment':'quiz-demo','learner':'dee'}", &r),
                     ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "total") == 1);
    assay_reply_free(&r);
    /* another key is another submission */
    r = s_submit(c, "{'assessment':'quiz-demo','learner':'dee','key':'req-2','answers':{}}");
    assert_true(h_num(assay_reply_result(r), "attempt") == 2);
    assay_reply_free(&r);
    assay_close(&c);
}

static void max_attempts_is_enforced_with_conflict(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    for (int i = 0; i < 2; i++)
        s_submit_ok(c, "{'assessment':'twice','learner':'eve','answers':{'q':'A'}}");
    assert_string_equal(
        h_error(c, "response.submit", "{'assessment':'twice','learner':'eve','answers':{'q':'A'}}",
                s_buf, sizeof s_buf),
        "conflict: learner \"eve\" has used all 2 attempt(s) at assessment \"twice\"");
    assay_reply_t *r = s_submit(c, "{'assessment':'twice','learner':'fay','answers':{'q':'A'}}");
    assay_reply_free(&r);
    assay_close(&c);
}

static void get_returns_the_answers_as_submitted(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    assay_reply_t *r = s_submit(c, "{'assessment':'quiz-demo','learner':'gus','answers':{'find-"
                                   "europe':[450,100],'capital':'oslo'}}");
    double id = h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    char params[64];
    snprintf(params, sizeof params, "{'id':%.0f}", id);
    assert_int_equal(h_call(c, "response.get", params, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_num(o, "response_id") == id);
    assert_true(h_num(o, "score") == 0.5);
    const msgpack_object *ans = assay_map_get(o, "answers");
    assert_int_equal(ans->via.map.size, 2);
    assert_true(h_str_is(ans, "capital", "oslo"));
    assert_int_equal(assay_map_get(ans, "find-europe")->via.array.size, 2);
    assay_reply_free(&r);
    assert_string_equal(h_error(c, "response.get", "{'id':999999}", s_buf, sizeof s_buf),
                        "not_found: response 999999 not found");
    assert_string_equal(h_error(c, "response.get", "{'id':'x'}", s_buf, sizeof s_buf),
                        "bad_request: id: expected an id, a positive integer");
    assay_close(&c);
}

static void list_pages_in_submission_order_with_cursors_stable_under_new_submissions(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assay_t *a = h_connect(&e, true);
    h_put_example(a);
    double ids[7];
    for (int i = 0; i < 5; i++) {
        assay_reply_t *r = s_submit(a, "{'assessment':'quiz-demo','learner':'p','answers':{}}");
        ids[i] = h_num(assay_reply_result(r), "response_id");
        assay_reply_free(&r);
    }
    assay_reply_t *r;
    assert_int_equal(h_call(a, "response.list", "{'assessment':'quiz-demo','limit':2}", &r),
                     ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    const msgpack_object *list = assay_map_get(o, "responses");
    assert_int_equal(list->via.array.size, 2);
    assert_true(h_num(&list->via.array.ptr[0], "response_id") == ids[0]);
    assert_true(h_num(&list->via.array.ptr[1], "response_id") == ids[1]);
    assert_true(h_num(o, "total") == 5);
    const msgpack_object *cur = assay_map_get(o, "next_cursor");
    char cursor[32];
    snprintf(cursor, sizeof cursor, "%.*s", (int)cur->via.str.size, cur->via.str.ptr);
    assay_reply_free(&r);
    /* two more arrive between pages: the next page goes on where the first stopped */
    for (int i = 5; i < 7; i++) {
        assay_reply_t *s = s_submit(a, "{'assessment':'quiz-demo','learner':'q','answers':{}}");
        ids[i] = h_num(assay_reply_result(s), "response_id");
        assay_reply_free(&s);
    }
    char params[128];
    snprintf(params, sizeof params, "{'assessment':'quiz-demo','limit':200,'cursor':'%s'}", cursor);
    assert_int_equal(h_call(a, "response.list", params, &r), ASSAY_OK);
    o = assay_reply_result(r);
    list = assay_map_get(o, "responses");
    assert_int_equal(list->via.array.size, 5);
    for (int i = 0; i < 5; i++)
        assert_true(h_num(&list->via.array.ptr[i], "response_id") == ids[i + 2]);
    assert_int_equal(assay_map_get(o, "next_cursor")->type, MSGPACK_OBJECT_NIL);
    assert_true(h_num(o, "total") == 7);
    assay_reply_free(&r);
    /* by learner: through the index */
    assert_int_equal(h_call(a, "response.list", "{'assessment':'quiz-demo','learner':'q'}", &r),
                     ASSAY_OK);
    o = assay_reply_result(r);
    list = assay_map_get(o, "responses");
    assert_int_equal(list->via.array.size, 2);
    assert_true(h_num(&list->via.array.ptr[0], "attempt") == 1);
    assert_true(h_num(&list->via.array.ptr[1], "attempt") == 2);
    assert_true(h_num(o, "total") == 2);
    assay_reply_free(&r);
    assert_string_equal(h_error(a, "response.list", "{'assessment':'quiz-demo','cursor':'abc'}",
                                s_buf, sizeof s_buf),
                        "bad_request: cursor: not a cursor this method returned (next_cursor)");
    assay_close(&a);
    assert_int_equal(h_cleanup(&e), 0);
}

static void each_submission_is_announced_after_its_reply_with_increasing_seq(void **state)
{
    assay_sub_t *sub;
    assert_int_equal(assay_sub_open(&sub, s_e.dir), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "score.quiz-demo"), ASSAY_OK);
    usleep(200000); /* slow joiner */
    assay_t *c = h_connect(&s_e, false);
    uint64_t last_seq = 0;
    char node[600], host[128] = "";
    gethostname(host, sizeof host - 1);
    snprintf(node, sizeof node, "%s:%s", host, s_e.dir);
    for (int i = 0; i < 3; i++) {
        assay_reply_t *r =
            s_submit(c, "{'assessment':'quiz-demo','learner':'hal','answers':{'capital':'paris'}}");
        double id = h_num(assay_reply_result(r), "response_id");
        assay_reply_free(&r);
        assay_event_t *ev;
        assert_int_equal(assay_sub_recv(sub, 5000, &ev), ASSAY_OK);
        const msgpack_object *o = assay_event_body(ev);
        assert_string_equal(assay_event_topic(ev), "score.quiz-demo");
        assert_int_equal(o->via.map.size, 9);
        assert_true(h_str_is(o, "node", node));
        assert_true(h_num(o, "response_id") == id);
        assert_true(h_str_is(o, "learner", "hal"));
        assert_true(h_num(o, "attempt") == i + 1);
        assert_true(h_num(o, "score") == 1 && h_num(o, "max_score") == 19);
        assert_true(h_num(o, "ratio") == 1.0 / 19 && h_num(o, "version") == 1);
        assert_true(i == 0 || assay_event_seq(ev) == last_seq + 1);
        assert_int_equal(assay_event_missed(ev), 0);
        last_seq = assay_event_seq(ev);
        assay_event_free(&ev);
    }
    assay_close(&c);
    assay_sub_close(&sub);
}

typedef struct {
    int n;
    double ids[8];
    uint64_t seqs[8];
} s_seen_t;

static void s_on_event(void *arg, const assay_event_t *ev)
{
    s_seen_t *seen = arg;
    assert_string_equal(assay_event_topic(ev), "score.quiz-demo");
    if (seen->n < 8) {
        seen->ids[seen->n] = h_num(assay_event_body(ev), "response_id");
        seen->seqs[seen->n] = assay_event_seq(ev);
    }
    seen->n++;
}

static void libassay_subscribers_receive_submissions_by_topic(void **state)
{
    assay_sub_t *sub;
    assert_int_equal(assay_sub_open(&sub, s_e.dir), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "score.quiz-demo"), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "score.other"), ASSAY_OK);
    usleep(200000); /* slow joiner */
    assay_t *c = h_connect(&s_e, false);
    double ids[3];
    for (int i = 0; i < 3; i++) {
        assay_reply_t *r = s_submit(c, "{'assessment':'quiz-demo','learner':'sub','answers':{}}");
        ids[i] = h_num(assay_reply_result(r), "response_id");
        assay_reply_free(&r);
    }
    s_seen_t seen = {0};
    assert_int_equal(assay_sub_dispatch(sub, 500, s_on_event, &seen), 3);
    assert_int_equal(seen.n, 3);
    for (int i = 0; i < 3; i++)
        assert_true(seen.ids[i] == ids[i]);
    assert_true(seen.seqs[1] == seen.seqs[0] + 1 && seen.seqs[2] == seen.seqs[1] + 1);
    assay_event_t *ev;
    assert_int_equal(assay_sub_recv(sub, 50, &ev), ASSAY_ETIMEOUT);
    assay_close(&c);
    assay_sub_close(&sub);
    assert_null(sub);
    assert_int_equal(assay_sub_open(&sub, "/nonexistent/dir"), ASSAY_ECONNECT);
}

static void submissions_are_validated_with_precise_errors(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    assert_string_equal(h_error(c, "response.submit", "{'assessment':'quiz-demo','answers':{}}",
                                s_buf, sizeof s_buf),
                        "bad_request: params: missing field \"learner\"");
    assert_string_equal(h_error(c, "response.submit",
                                "{'assessment':'quiz-demo','learner':'a\\tb','answers':{}}", s_buf,
                                sizeof s_buf),
                        "bad_request: learner: expected 1 to 128 bytes without control characters");
    assert_string_equal(
        h_error(c, "response.submit",
                "{'assessment':'quiz-demo','learner':'x','answers':{'gravity':'high'}}", s_buf,
                sizeof s_buf),
        "bad_request: answers.gravity: expected a number, got a string");
    assert_string_equal(h_error(c, "response.submit",
                                "{'assessment':'nope','learner':'x','answers':{}}", s_buf,
                                sizeof s_buf),
                        "not_found: assessment \"nope\" not found");
    assay_close(&c);
}

static void deleting_an_assessment_with_responses_needs_force_and_keeps_them(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *r = s_submit(a, "{'assessment':'twice','learner':'ivy','answers':{}}");
    double id = h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    const char *msg = h_error(a, "assessment.delete", "{'id':'twice'}", s_buf, sizeof s_buf);
    assert_non_null(strstr(msg, "conflict: assessment \"twice\" has "));
    assert_non_null(
        strstr(msg, " stored response(s): delete it with force: true (its responses are kept)"));
    assert_int_equal(h_call(a, "assessment.delete", "{'id':'twice','force':true}", &r), ASSAY_OK);
    assay_reply_free(&r);
    char params[64];
    snprintf(params, sizeof params, "{'id':%.0f}", id);
    assert_int_equal(h_call(a, "response.get", params, &r), ASSAY_OK);
    assay_reply_free(&r);
    assay_close(&a);
}

/* Item scores of the 'rep' assessment, derived by the test from a stored answers map. */
static void s_rep_scores(const msgpack_object *answers, double *x, unsigned char *answered)
{
    static const char *ids[4] = {"q1", "q2", "q3", "q4"};
    for (int i = 0; i < 4; i++) {
        const msgpack_object *a = assay_map_get(answers, ids[i]);
        answered[i] = a != NULL;
        char v = a ? a->via.str.ptr[0] : 0;
        x[i] = i == 0   ? (v == 'A')
               : i == 1 ? (v == 'B')
               : i == 2 ? (v == 'A'   ? 2
                           : v == 'B' ? 1
                                      : 0)
                        : 3.0 * (v == 'D');
    }
}

static void report_matches_a_from_scratch_computation_over_stored_responses(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *r;
    assert_int_equal(
        h_call(a, "assessment.put",
               "{'id':'rep','items':["
               "{'id':'q1','cardinality':'single','base_type':'identifier','rule':'match_correct','"
               "correct':['A']},"
               "{'id':'q2','cardinality':'single','base_type':'identifier','rule':'match_correct','"
               "correct':['B']},"
               "{'id':'q3','cardinality':'single','base_type':'identifier','rule':'map_response',"
               "'mapping':{'entries':[{'key':'A','value':2},{'key':'B','value':1}]}},"
               "{'id':'q4','cardinality':'single','base_type':'identifier','rule':'match_correct','"
               "correct':['D'],'weight':3}]}",
               &r),
        ASSAY_OK);
    assay_reply_free(&r);
    /* 12 learners, 30 submissions: later attempts replace earlier ones in the statistics */
    uint64_t rng = 12345;
    for (int i = 0; i < 30; i++) {
        char params[256], ans[128] = "";
        size_t used = 0;
        for (int q = 1; q <= 4; q++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            int pick = (int)((rng >> 33) % 5); /* 4: omitted */
            if (pick < 4)
                used += (size_t)snprintf(ans + used, sizeof ans - used, "%s'q%d':'%c'",
                                         used ? "," : "", q, "ABCD"[pick]);
        }
        snprintf(params, sizeof params, "{'assessment':'rep','learner':'L%d','answers':{%s}}",
                 i % 12, ans);
        s_submit_ok(a, params);
    }
    /* from scratch: the latest attempt of each learner, from the stored responses */
    double x[12 * 4];
    unsigned char answered[12 * 4];
    uint32_t latest[12] = {0};
    assert_int_equal(h_call(a, "response.list", "{'assessment':'rep','limit':200}", &r), ASSAY_OK);
    const msgpack_object *list = assay_map_get(assay_reply_result(r), "responses");
    assert_int_equal(list->via.array.size, 30);
    for (uint32_t i = 0; i < list->via.array.size; i++) {
        const msgpack_object *resp = &list->via.array.ptr[i];
        const msgpack_object *l = assay_map_get(resp, "learner");
        int who = atoi(l->via.str.ptr + 1);
        uint32_t attempt = (uint32_t)h_num(resp, "attempt");
        if (attempt > latest[who]) {
            latest[who] = attempt;
            s_rep_scores(assay_map_get(resp, "answers"), &x[who * 4], &answered[who * 4]);
        }
    }
    assay_reply_free(&r);
    static const double item_max[4] = {1, 1, 2, 3};
    ref_report_t ref;
    ref_report(x, answered, 12, 4, item_max, &ref);

    assert_int_equal(h_call(a, "assessment.report", "{'assessment':'rep'}", &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_num(o, "max_score") == 7);
    rc_check_report(o, &ref, 12, 4);
    assay_reply_free(&r);
    assay_close(&a);
}

typedef struct {
    const h_engine_t *e;
    int id;
} s_racer_t;

static void *s_racer(void *arg)
{
    s_racer_t *x = arg;
    assay_t *c;
    assay_options_t o = {.timeout_ms = 10000};
    if (assay_open(&c, x->e->dir, &o)) return NULL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    char params[160];
    snprintf(params, sizeof params, "{'assessment':'race','learner':'r%d','answers':{'q':'A'}}",
             x->id);
    tjson_pack(&sb, params);
    for (int i = 0; i < 150; i++) {
        assay_reply_t *r;
        assay_call(c, "response.submit", sb.data, sb.size, -1, &r);
        assay_reply_free(&r);
    }
    msgpack_sbuffer_destroy(&sb);
    assay_close(&c);
    return NULL;
}

static void a_submission_racing_a_new_version_is_scored_by_the_version_it_records(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assay_t *a = h_connect(&e, true);
    static const char *const defs[2] = {
        "{'id':'race','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
        "'rule':'match_correct','correct':['A']}]}",
        "{'id':'race','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
        "'rule':'match_correct','correct':['B']}]}"};
    assay_reply_t *r;
    assert_int_equal(h_call(a, "assessment.put", defs[0], &r), ASSAY_OK);
    assay_reply_free(&r);
    pthread_t th[4];
    s_racer_t racers[4];
    for (int i = 0; i < 4; i++) {
        racers[i] = (s_racer_t){&e, i};
        pthread_create(&th[i], NULL, s_racer, &racers[i]);
    }
    /* new versions while they submit: odd versions want A, even ones B */
    for (int v = 1; v < 12; v++) {
        usleep(10000);
        assert_int_equal(h_call(a, "assessment.put", defs[v % 2], &r), ASSAY_OK);
        assay_reply_free(&r);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    /* every stored response agrees with the version it records */
    char cursor[32] = "";
    int seen = 0, versions_seen = 0;
    double last_version = 0;
    for (;;) {
        char params[128];
        if (cursor[0])
            snprintf(params, sizeof params, "{'assessment':'race','limit':200,'cursor':'%s'}",
                     cursor);
        else
            snprintf(params, sizeof params, "{'assessment':'race','limit':200}");
        assert_int_equal(h_call(a, "response.list", params, &r), ASSAY_OK);
        const msgpack_object *o = assay_reply_result(r);
        const msgpack_object *list = assay_map_get(o, "responses");
        for (uint32_t i = 0; i < list->via.array.size; i++) {
            const msgpack_object *x = &list->via.array.ptr[i];
            double v = h_num(x, "version");
            double want = ((int)v % 2) ? 1 : 0; /* odd versions: correct A */
            if (h_num(x, "score") != want)
                fail_msg("response %.0f: version %.0f scored %g", h_num(x, "response_id"), v,
                         h_num(x, "score"));
            if (v != last_version) versions_seen++;
            last_version = v;
            seen++;
        }
        const msgpack_object *next = assay_map_get(o, "next_cursor");
        bool more = next->type == MSGPACK_OBJECT_STR;
        if (more)
            snprintf(cursor, sizeof cursor, "%.*s", (int)next->via.str.size, next->via.str.ptr);
        assay_reply_free(&r);
        if (!more) break;
    }
    assert_int_equal(seen, 600);
    assert_true(versions_seen >= 2); /* the race really spanned versions */
    assay_close(&a);
    assert_int_equal(h_cleanup(&e), 0);
}

static void every_sync_mode_keeps_acknowledged_submissions_across_a_restart(void **state)
{
    const char *modes[] = {"full", "periodic:20", "none"};
    for (int m = 0; m < 3; m++) {
        h_engine_t e;
        h_start(&e, "--sync", modes[m], NULL);
        assay_t *a = h_connect(&e, true);
        h_put_example(a);
        for (int i = 0; i < 20; i++)
            s_submit_ok(a, "{'assessment':'quiz-demo','learner':'s','answers':{}}");
        assay_close(&a);
        if (m == 0)
            h_kill(&e); /* full: even kill -9 right after the acknowledgements */
        else
            assert_int_equal(h_stop(&e), 0); /* periodic, none: flushed at shutdown */
        h_restart(&e);
        a = h_connect(&e, false);
        assay_reply_t *r;
        assert_int_equal(h_call(a, "response.list", "{'assessment':'quiz-demo','learner':'s'}", &r),
                         ASSAY_OK);
        assert_true(h_num(assay_reply_result(r), "total") == 20);
        assay_reply_free(&r);
        assay_close(&a);
        assert_int_equal(h_cleanup(&e), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(submit_returns_the_stored_result),
        cmocka_unit_test(attempts_count_per_learner_and_assessment),
        cmocka_unit_test(a_retry_with_the_same_key_returns_the_original_and_stores_nothing),
        cmocka_unit_test(max_attempts_is_enforced_with_conflict),
        cmocka_unit_test(get_returns_the_answers_as_submitted),
        cmocka_unit_test(list_pages_in_submission_order_with_cursors_stable_under_new_submissions),
        cmocka_unit_test(each_submission_is_announced_after_its_reply_with_increasing_seq),
        cmocka_unit_test(libassay_subscribers_receive_submissions_by_topic),
        cmocka_unit_test(submissions_are_validated_with_precise_errors),
        cmocka_unit_test(deleting_an_assessment_with_responses_needs_force_and_keeps_them),
        cmocka_unit_test(report_matches_a_from_scratch_computation_over_stored_responses),
        cmocka_unit_test(a_submission_racing_a_new_version_is_scored_by_the_version_it_records),
        cmocka_unit_test(every_sync_mode_keeps_acknowledged_submissions_across_a_restart),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
