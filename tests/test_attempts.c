/* test_attempts.c — exam attempts against a real assayd: one attempt per learner however many
 * start at once, saved answers resumed, stale tabs, the window and max_attempts, the deadline
 * with both overdue policies and the grace, a submit racing the deadline, overrides, the
 * attempt.<assessment> notifications, and kill -9 with deadlines passing while the engine is
 * down. Deadlines are seconds: the tests wait a few. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"
#include "tjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static h_engine_t s_e;

#define S_ITEMS                                                                                    \
    "'items':[{'id':'q1','cardinality':'single','base_type':'identifier',"                         \
    "'rule':'match_correct','correct':['A']},"                                                     \
    "{'id':'q2','cardinality':'single','base_type':'identifier','rule':'match_correct',"           \
    "'correct':['B']}]"

/* Calls a method expected to succeed; the caller frees the reply. */
static assay_reply_t *s_call(assay_t *c, const char *fmt, const char *method, ...)
{
    char params[512];
    va_list ap;
    va_start(ap, method);
    vsnprintf(params, sizeof params, fmt, ap);
    va_end(ap);
    assay_reply_t *r;
    int rc = h_call(c, method, params, &r);
    if (rc) fail_msg("%s %s: %s", method, params, r ? assay_reply_message(r) : assay_strerror(rc));
    return r;
}

static double s_start(assay_t *c, const char *assessment, const char *learner)
{
    assay_reply_t *r =
        s_call(c, "{'assessment':'%s','learner':'%s'}", "attempt.start", assessment, learner);
    double id = h_num(assay_reply_result(r), "id");
    assay_reply_free(&r);
    return id;
}

static void s_sleep(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* An attempt's field as a string, into buf. */
static const char *s_str(const msgpack_object *o, const char *key, char *buf, size_t n)
{
    const msgpack_object *v = assay_map_get(o, key);
    if (!v || v->type != MSGPACK_OBJECT_STR) return "nil";
    snprintf(buf, n, "%.*s", (int)v->via.str.size, v->via.str.ptr);
    return buf;
}

static int s_up(void **state)
{
    h_start(&s_e, NULL);
    assay_t *a = h_connect(&s_e, true);
    h_ok(a, "assessment.put", "{'id':'open'," S_ITEMS "}");
    h_ok(a, "assessment.put", "{'id':'timed','time_limit_s':1,'grace_s':1," S_ITEMS "}");
    h_ok(a, "assessment.put",
         "{'id':'strict','time_limit_s':1,'grace_s':0,'overdue':'abandon'," S_ITEMS "}");
    h_ok(a, "assessment.put", "{'id':'graced','time_limit_s':1,'grace_s':2," S_ITEMS "}");
    h_ok(a, "assessment.put", "{'id':'twice','max_attempts':2," S_ITEMS "}");
    h_ok(a, "assessment.put", "{'id':'later','open_at':'2099-01-01T00:00:00Z'," S_ITEMS "}");
    h_ok(a, "assessment.put",
         "{'id':'closed','open_at':'2000-01-01T00:00:00Z','close_at':'2001-01-01T00:00:00+01:00'"
         "," S_ITEMS "}");
    h_ok(a, "assessment.put", "{'id':'long','time_limit_s':600," S_ITEMS "}");
    assay_close(&a);
    return 0;
}

static int s_down(void **state)
{
    return h_cleanup(&s_e);
}

static void concurrent_starts_for_one_learner_give_one_attempt(void **state)
{
    enum { N = 12 };
    assay_t *c[N];
    uint32_t ids[N];
    const char params[] = "\x82\xaa"
                          "assessment\xa4open\xa7learner\xa4rush";
    for (int i = 0; i < N; i++)
        c[i] = h_connect(&s_e, false);
    for (int i = 0; i < N; i++) /* every request out before any answer is read */
        assert_int_equal(assay_send(c[i], "attempt.start", params, sizeof params - 1, &ids[i]),
                         ASSAY_OK);
    double first = 0;
    for (int i = 0; i < N; i++) {
        assay_reply_t *r;
        assert_int_equal(assay_recv(c[i], 5000, &r), ASSAY_OK);
        double id = h_num(assay_reply_result(r), "id");
        if (i == 0) first = id;
        assert_true(id == first);
        assert_true(h_str_is(assay_reply_result(r), "state", "in_progress"));
        assay_reply_free(&r);
        assay_close(&c[i]);
    }
    assay_t *a = h_connect(&s_e, false);
    assay_reply_t *r = s_call(a, "{'assessment':'open','learner':'rush'}", "attempt.list");
    assert_int_equal((int)h_num(assay_reply_result(r), "total"), 1);
    assay_reply_free(&r);
    assay_close(&a);
}

static void a_start_resumes_the_saved_answers_and_a_stale_seq_changes_nothing(void **state)
{
    assay_t *a = h_connect(&s_e, false);
    double id = s_start(a, "open", "ana");
    char p[256];
    snprintf(p, sizeof p, "{'attempt':%.0f,'answers':{'q1':'A'},'seq':1}", id);
    h_ok(a, "attempt.save", p);
    snprintf(p, sizeof p, "{'attempt':%.0f,'answers':{'q2':'B'},'seq':3}", id);
    h_ok(a, "attempt.save", p);
    assay_reply_t *r =
        s_call(a, "{'attempt':%.0f,'answers':{'q1':'C'},'seq':2}", "attempt.save", id);
    const msgpack_object *o = assay_reply_result(r);
    assert_false(assay_map_get(o, "applied")->via.boolean);
    assert_int_equal((int)h_num(o, "seq"), 3);
    assert_int_equal(assay_map_get(o, "time_left_s")->type, MSGPACK_OBJECT_NIL); /* untimed */
    assay_reply_free(&r);
    assert_true(s_start(a, "open", "ana") == id); /* resumed */
    r = s_call(a, "{'attempt':%.0f}", "attempt.get", id);
    const msgpack_object *ans = assay_map_get(assay_reply_result(r), "answers");
    assert_int_equal(ans->via.map.size, 2);
    assert_true(h_str_is(ans, "q1", "A") && h_str_is(ans, "q2", "B"));
    assert_int_equal(assay_map_get(assay_reply_result(r), "deadline")->type, MSGPACK_OBJECT_NIL);
    assay_reply_free(&r);
    r = s_call(a, "{'attempt':%.0f,'answers':{'q1':null}}", "attempt.save", id); /* no seq */
    ans = assay_map_get(assay_map_get(assay_reply_result(r), "attempt"), "answers");
    assert_int_equal(ans->via.map.size, 1);
    assert_true(h_str_is(ans, "q2", "B"));
    assay_reply_free(&r);
    char buf[256];
    snprintf(p, sizeof p, "{'attempt':%.0f,'answers':{'q9':'A'}}", id);
    assert_string_equal(h_error(a, "attempt.save", p, buf, sizeof buf),
                        "bad_request: answers.q9: no item with this id in assessment \"open\"");
    /* submit: scored and stored as a response; a second submit answers the same */
    r = s_call(a, "{'attempt':%.0f,'answers':{'q1':'A'}}", "attempt.submit", id);
    const msgpack_object *resp = assay_map_get(assay_reply_result(r), "response");
    assert_true(h_num(resp, "score") == 2);
    double rid = h_num(resp, "response_id");
    assert_true(h_str_is(assay_map_get(assay_reply_result(r), "attempt"), "state", "submitted"));
    assay_reply_free(&r);
    r = s_call(a, "{'attempt':%.0f}", "attempt.submit", id);
    assert_true(h_num(assay_map_get(assay_reply_result(r), "response"), "response_id") == rid);
    assay_reply_free(&r);
    snprintf(p, sizeof p, "{'attempt':%.0f,'answers':{'q1':'B'}}", id);
    snprintf(buf, sizeof buf, "conflict: attempt %.0f has ended (submitted)", id);
    char got[256];
    assert_string_equal(h_error(a, "attempt.save", p, got, sizeof got), buf);
    assay_close(&a);
}

static void the_window_and_max_attempts_are_conflicts_and_an_override_lifts_them(void **state)
{
    assay_t *a = h_connect(&s_e, false), *admin = h_connect(&s_e, true);
    char buf[256];
    assert_string_equal(
        h_error(a, "attempt.start", "{'assessment':'later','learner':'x'}", buf, sizeof buf),
        "conflict: assessment \"later\" opens at 2099-01-01T00:00:00.000Z");
    assert_string_equal(
        h_error(a, "attempt.start", "{'assessment':'closed','learner':'x'}", buf, sizeof buf),
        "conflict: assessment \"closed\" closed at 2000-12-31T23:00:00.000Z");
    /* a one-shot submission and an attempt are the two attempts allowed */
    h_ok(a, "response.submit", "{'assessment':'twice','learner':'tw','answers':{'q1':'A'}}");
    double id = s_start(a, "twice", "tw");
    assay_reply_t *r = s_call(a, "{'attempt':%.0f}", "attempt.get", id);
    assert_int_equal((int)h_num(assay_reply_result(r), "number"), 2);
    assay_reply_free(&r);
    r = s_call(a, "{'attempt':%.0f}", "attempt.submit", id);
    assert_int_equal((int)h_num(assay_map_get(assay_reply_result(r), "response"), "attempt"), 2);
    assay_reply_free(&r);
    assert_string_equal(
        h_error(a, "attempt.start", "{'assessment':'twice','learner':'tw'}", buf, sizeof buf),
        "conflict: learner \"tw\" has used all 2 attempt(s) at assessment \"twice\"");
    r = s_call(admin, "{'assessment':'twice','learner':'tw','extra_attempts':1}",
               "assessment.override");
    assert_int_equal((int)h_num(assay_reply_result(r), "extra_attempts"), 1);
    assay_reply_free(&r);
    assert_true(s_start(a, "twice", "tw") > id);
    /* the other learner's close_at */
    h_ok(admin, "assessment.override",
         "{'assessment':'closed','learner':'late','close_at':'2099-01-01T00:00:00Z'}");
    assert_true(s_start(a, "closed", "late") > 0);
    assert_string_equal(h_error(a, "response.submit",
                                "{'assessment':'timed','learner':'x','answers':{}}", buf,
                                sizeof buf),
                        "conflict: assessment \"timed\" is timed: use attempt.start");
    h_error(a, "assessment.override", "{'assessment':'timed','learner':'x'}", buf, sizeof buf);
    assert_true(strncmp(buf, "forbidden: ", 11) == 0); /* admin only */
    assay_close(&a);
    assay_close(&admin);
}

/* The deadline of attempt id (seconds since the epoch, parsed back from its RFC 3339 text). */
static void s_times(assay_t *c, double id, char *deadline, char *finished, char *state, size_t n)
{
    assay_reply_t *r = s_call(c, "{'attempt':%.0f}", "attempt.get", id);
    s_str(assay_reply_result(r), "deadline", deadline, n);
    s_str(assay_reply_result(r), "finished_at", finished, n);
    s_str(assay_reply_result(r), "state", state, n);
    assay_reply_free(&r);
}

static void at_the_deadline_saves_stop_and_after_the_grace_the_answers_are_submitted(void **state)
{
    assay_t *a = h_connect(&s_e, false);
    assay_sub_t *sub;
    assert_int_equal(assay_sub_open(&sub, s_e.dir), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "attempt.timed"), ASSAY_OK);
    usleep(300000);
    double id = s_start(a, "timed", "tim");
    char p[128], dl[64], fin[64], st[64], buf[256], want[128];
    snprintf(p, sizeof p, "{'attempt':%.0f,'answers':{'q1':'A','q2':'C'}}", id);
    h_ok(a, "attempt.save", p);
    s_sleep(1.3); /* past the deadline, within the grace */
    s_times(a, id, dl, fin, st, sizeof dl);
    assert_string_equal(st, "overdue");
    snprintf(want, sizeof want, "conflict: time is up: attempt %.0f is overdue", id);
    assert_string_equal(h_error(a, "attempt.save", p, buf, sizeof buf), want);
    assert_true(s_start(a, "timed", "tim") == id); /* a start resumes it, overdue */
    s_sleep(1.2); /* past deadline + grace: the engine submitted the saved answers */
    s_times(a, id, dl, fin, st, sizeof dl);
    assert_string_equal(st, "submitted");
    assert_string_equal(fin, dl); /* finished at the deadline, not when the sweep ran */
    assay_reply_t *r = s_call(a, "{'attempt':%.0f}", "attempt.get", id);
    double rid = h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    r = s_call(a, "{'id':%.0f}", "response.get", rid);
    assert_true(h_num(assay_reply_result(r), "score") == 1);
    assert_string_equal(s_str(assay_reply_result(r), "submitted_at", buf, sizeof buf), dl);
    assay_reply_free(&r);
    /* started, overdue, submitted: in order, with increasing seq */
    const char *events[] = {"started", "overdue", "submitted"};
    double seq = 0;
    for (int i = 0; i < 3; i++) {
        assay_event_t *ev;
        assert_int_equal(assay_sub_recv(sub, 3000, &ev), ASSAY_OK);
        const msgpack_object *b = assay_event_body(ev);
        assert_true(h_str_is(b, "event", events[i]));
        assert_true(h_num(b, "attempt") == id);
        assert_true(h_num(b, "seq") > seq);
        seq = h_num(b, "seq");
        assay_event_free(&ev);
    }
    assay_sub_close(&sub);
    assay_close(&a);
}

static void the_abandon_policy_ends_it_unscored_with_its_answers_kept(void **state)
{
    assay_t *a = h_connect(&s_e, false);
    double id = s_start(a, "strict", "sam");
    char p[128], dl[64], fin[64], st[64], buf[256], want[128];
    snprintf(p, sizeof p, "{'attempt':%.0f,'answers':{'q1':'A'}}", id);
    h_ok(a, "attempt.save", p);
    s_sleep(1.4);
    s_times(a, id, dl, fin, st, sizeof dl);
    assert_string_equal(st, "abandoned");
    assert_string_equal(fin, dl);
    assay_reply_t *r = s_call(a, "{'attempt':%.0f}", "attempt.get", id);
    assert_int_equal(assay_map_get(assay_reply_result(r), "response_id")->type, MSGPACK_OBJECT_NIL);
    assert_true(h_str_is(assay_map_get(assay_reply_result(r), "answers"), "q1", "A"));
    assay_reply_free(&r);
    snprintf(want, sizeof want, "conflict: attempt %.0f was abandoned: time is up", id);
    assert_string_equal(h_error(a, "attempt.submit", p, buf, sizeof buf), want);
    assay_close(&a);
}

static void a_submit_in_the_grace_counts_its_answers_once_at_the_deadline(void **state)
{
    assay_t *a = h_connect(&s_e, false);
    double id = s_start(a, "graced", "gus");
    char p[128], dl[64], fin[64], st[64];
    snprintf(p, sizeof p, "{'attempt':%.0f,'answers':{'q1':'A'}}", id);
    h_ok(a, "attempt.save", p);
    s_sleep(1.2); /* overdue: the last answers were in flight when time ran out */
    assay_reply_t *r = s_call(a, "{'attempt':%.0f,'answers':{'q2':'B'}}", "attempt.submit", id);
    assert_true(h_num(assay_map_get(assay_reply_result(r), "response"), "score") == 2);
    assay_reply_free(&r);
    s_times(a, id, dl, fin, st, sizeof dl);
    assert_string_equal(st, "submitted");
    assert_string_equal(fin, dl);
    s_sleep(2.2); /* past the grace: the sweep finds it ended and does nothing more */
    r = s_call(a, "{'assessment':'graced','learner':'gus'}", "response.list");
    assert_int_equal((int)h_num(assay_reply_result(r), "total"), 1);
    assay_reply_free(&r);
    assay_close(&a);
}

static void an_attempt_whose_assessment_was_deleted_ends_unscored_at_its_deadline(void **state)
{
    assay_t *a = h_connect(&s_e, false), *admin = h_connect(&s_e, true);
    h_ok(admin, "assessment.put", "{'id':'gone','time_limit_s':1,'grace_s':0," S_ITEMS "}");
    double id = s_start(a, "gone", "gia");
    double other = s_start(a, "strict", "gia2"); /* due in the same sweep */
    h_ok(admin, "assessment.delete", "{'id':'gone'}");
    s_sleep(1.4);
    char dl[64], fin[64], st[64];
    s_times(a, id, dl, fin, st, sizeof dl);
    assert_string_equal(st, "abandoned");
    assert_string_equal(fin, dl);
    s_times(a, other, dl, fin, st, sizeof dl);
    assert_string_equal(st, "abandoned"); /* strict's policy; the sweep went on past "gone" */
    assay_close(&a);
    assay_close(&admin);
}

static void an_override_gives_extra_time_to_attempts_started_after_it(void **state)
{
    assay_t *a = h_connect(&s_e, false), *admin = h_connect(&s_e, true);
    double before = s_start(a, "long", "ola");
    h_ok(admin, "assessment.override", "{'assessment':'long','learner':'ola','extra_time_s':900}");
    h_ok(admin, "assessment.override", "{'assessment':'long','learner':'ida','extra_time_s':900}");
    assay_reply_t *r = s_call(a, "{'attempt':%.0f}", "attempt.get", before);
    double left = h_num(assay_reply_result(r), "time_left_s");
    assert_true(left > 590 && left <= 600); /* frozen at its start */
    assay_reply_free(&r);
    double after = s_start(a, "long", "ida");
    r = s_call(a, "{'attempt':%.0f}", "attempt.get", after);
    left = h_num(assay_reply_result(r), "time_left_s");
    assert_true(left > 1490 && left <= 1500);
    assay_reply_free(&r);
    /* a save's reply carries the server's time left too, beside the attempt's own */
    r = s_call(a, "{'attempt':%.0f,'answers':{'q1':'A'}}", "attempt.save", after);
    double saved_left = h_num(assay_reply_result(r), "time_left_s");
    assert_true(saved_left > 1490 && saved_left <= left);
    assert_true(saved_left ==
                h_num(assay_map_get(assay_reply_result(r), "attempt"), "time_left_s"));
    assay_reply_free(&r);
    r = s_call(admin, "{'attempt':%.0f}", "attempt.abandon", after);
    assert_true(h_str_is(assay_reply_result(r), "state", "abandoned"));
    assay_reply_free(&r);
    r = s_call(a, "{'assessment':'long','state':'abandoned'}", "attempt.list");
    assert_int_equal((int)h_num(assay_reply_result(r), "total"), 1);
    assay_reply_free(&r);
    assay_close(&a);
    assay_close(&admin);
}

static void
kill_9_keeps_every_acknowledged_attempt_and_deadlines_passed_while_down_apply(void **state)
{
    enum { N = 40 };
    assay_t *a = h_connect(&s_e, false);
    double ids[N];
    char learner[16], p[160];
    for (int i = 0; i < N; i++) {
        snprintf(learner, sizeof learner, "k%d", i);
        ids[i] = s_start(a, i % 2 ? "timed" : "long", learner);
        snprintf(p, sizeof p, "{'attempt':%.0f,'answers':{'q1':'A'},'seq':1}", ids[i]);
        h_ok(a, "attempt.save", p);
    }
    assay_close(&a);
    h_kill(&s_e);
    s_sleep(2.5); /* the timed ones pass deadline + grace while the engine is down */
    h_restart(&s_e);
    a = h_connect(&s_e, false);
    for (int i = 0; i < N; i++) {
        char dl[64], fin[64], st[64];
        s_times(a, ids[i], dl, fin, st, sizeof dl);
        assay_reply_t *r = s_call(a, "{'attempt':%.0f}", "attempt.get", ids[i]);
        assert_true(h_str_is(assay_map_get(assay_reply_result(r), "answers"), "q1", "A"));
        assay_reply_free(&r);
        if (i % 2) { /* ended at start-up, by the submit policy, at the deadline */
            assert_string_equal(st, "submitted");
            assert_string_equal(fin, dl);
        } else {
            assert_string_equal(st, "in_progress");
        }
        snprintf(learner, sizeof learner, "k%d", i);
        assert_true(i % 2 ? s_start(a, "timed", learner) > ids[i]
                          : s_start(a, "long", learner) == ids[i]);
    }
    assay_close(&a);
}

/* Sends n requests of method (params from fmt with i), 64 in flight, and reads `acked` answers:
 * ok[i] is set for each one acknowledged (result kept in ids[i] when ids is given). The rest are
 * left in flight. */
typedef void (*s_json_fn)(char *json, size_t n, int i, const double *arg);

static void s_start_json(char *json, size_t n, int i, const double *arg)
{
    (void)arg;
    snprintf(json, n, "{'assessment':'long','learner':'b%d'}", i);
}

static void s_save_json(char *json, size_t n, int i, const double *ids)
{
    snprintf(json, n, "{'attempt':%.0f,'answers':{'q1':'A'},'seq':1}", ids[i]);
}

static void s_burst(assay_t *c, const char *method, int n, int acked, s_json_fn make,
                    const double *arg, bool *ok, double *ids)
{
    uint32_t msgid[256];
    int sent = 0, got = 0;
    while (got < acked) {
        while (sent < n && sent - got < 64) {
            char json[160];
            make(json, sizeof json, sent, arg);
            msgpack_sbuffer sb;
            msgpack_sbuffer_init(&sb);
            tjson_pack(&sb, json);
            assert_int_equal(assay_send(c, method, sb.data, sb.size, &msgid[sent]), ASSAY_OK);
            msgpack_sbuffer_destroy(&sb);
            sent++;
        }
        assay_reply_t *r;
        assert_int_equal(assay_recv(c, 10000, &r), ASSAY_OK);
        int i = (int)(assay_reply_msgid(r) - msgid[0]);
        ok[i] = true;
        if (ids) {
            const msgpack_object *o = assay_reply_result(r), *at = assay_map_get(o, "attempt");
            ids[i] = h_num(at ? at : o, "id");
        }
        assay_reply_free(&r);
        got++;
    }
}

static void kill_9_during_a_burst_of_saves_loses_nothing_acknowledged(void **state)
{
    enum { N = 200 };
    static bool started[N], saved[N];
    static double ids[N];
    assay_t *c = h_connect(&s_e, false);
    s_burst(c, "attempt.start", N, N, s_start_json, NULL, started, ids);
    /* saves, and the engine killed with half of them answered */
    s_burst(c, "attempt.save", N, N / 2, s_save_json, ids, saved, NULL);
    h_kill(&s_e);
    assay_close(&c);
    h_restart(&s_e);
    c = h_connect(&s_e, false);
    int kept = 0;
    for (int i = 0; i < N; i++) {
        assay_reply_t *r = s_call(c, "{'attempt':%.0f}", "attempt.get", ids[i]);
        const msgpack_object *ans = assay_map_get(assay_reply_result(r), "answers");
        if (saved[i]) assert_true(h_str_is(ans, "q1", "A")); /* every acknowledged save */
        kept += ans->via.map.size == 1;
        assay_reply_free(&r);
        char learner[16];
        snprintf(learner, sizeof learner, "b%d", i);
        assert_true(s_start(c, "long", learner) == ids[i]); /* still the one unfinished */
        r = s_call(c, "{'assessment':'long','learner':'%s','state':'in_progress'}", "attempt.list",
                   learner);
        assert_int_equal((int)h_num(assay_reply_result(r), "total"), 1);
        assay_reply_free(&r);
    }
    assert_true(kept >= N / 2);
    assay_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrent_starts_for_one_learner_give_one_attempt),
        cmocka_unit_test(a_start_resumes_the_saved_answers_and_a_stale_seq_changes_nothing),
        cmocka_unit_test(the_window_and_max_attempts_are_conflicts_and_an_override_lifts_them),
        cmocka_unit_test(at_the_deadline_saves_stop_and_after_the_grace_the_answers_are_submitted),
        cmocka_unit_test(the_abandon_policy_ends_it_unscored_with_its_answers_kept),
        cmocka_unit_test(a_submit_in_the_grace_counts_its_answers_once_at_the_deadline),
        cmocka_unit_test(an_attempt_whose_assessment_was_deleted_ends_unscored_at_its_deadline),
        cmocka_unit_test(an_override_gives_extra_time_to_attempts_started_after_it),
        cmocka_unit_test(
            kill_9_keeps_every_acknowledged_attempt_and_deadlines_passed_while_down_apply),
        cmocka_unit_test(kill_9_during_a_burst_of_saves_loses_nothing_acknowledged),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
