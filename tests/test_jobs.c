/* test_jobs.c — assessment.regrade and jobs against a real assayd: re-scored records, the report
 * rebuilt and checked against a from-scratch computation, dry runs, submissions racing a regrade,
 * an assessment replaced during one, a crash in the middle of one, notifications and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"
#include "report_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

/* Four items; version 2 moves q1's key from A to B and swaps q3's credits (same max, 7). */
static void s_put(assay_t *a, const char *id, int version)
{
    char def[1024];
    snprintf(def, sizeof def,
             "{'id':'%s','items':["
             "{'id':'q1','cardinality':'single','base_type':'identifier','rule':'match_correct',"
             "'correct':['%s']},"
             "{'id':'q2','cardinality':'single','base_type':'identifier','rule':'match_correct',"
             "'correct':['B']},"
             "{'id':'q3','cardinality':'single','base_type':'identifier','rule':'map_response',"
             "'mapping':{'entries':[{'key':'A','value':%d},{'key':'B','value':%d}]}},"
             "{'id':'q4','cardinality':'single','base_type':'identifier','rule':'match_correct',"
             "'correct':['D'],'weight':3}]}",
             id, version == 1 ? "A" : "B", version == 1 ? 2 : 1, version == 1 ? 1 : 2);
    assay_reply_t *r;
    if (h_call(a, "assessment.put", def, &r))
        fail_msg("put %s: %s", id, r ? assay_reply_message(r) : "no reply");
    assay_reply_free(&r);
}

/* The item scores of a stored answers map under `version`, derived by the test. */
static void s_scores(const msgpack_object *answers, int version, double *x, unsigned char *answered)
{
    static const char *ids[4] = {"q1", "q2", "q3", "q4"};
    for (int i = 0; i < 4; i++) {
        const msgpack_object *a = assay_map_get(answers, ids[i]);
        answered[i] = a != NULL;
        char v = a ? a->via.str.ptr[0] : 0;
        char key1 = version == 1 ? 'A' : 'B';
        x[i] = i == 0   ? (v == key1)
               : i == 1 ? (v == 'B')
               : i == 2 ? (v == 'A'   ? (version == 1 ? 2 : 1)
                           : v == 'B' ? (version == 1 ? 1 : 2)
                                      : 0)
                        : 3.0 * (v == 'D');
    }
}

static uint64_t s_rng = 2026;

/* Random answers to q1..q4 ('-' omits the item). */
static void s_answers(msgpack_packer *pk, int i, void *arg)
{
    (void)i;
    (void)arg;
    int k = 0;
    char picks[4];
    for (int q = 0; q < 4; q++) {
        s_rng = s_rng * 6364136223846793005ull + 1442695040888963407ull;
        picks[q] = "ABCD-"[(s_rng >> 33) % 5];
        k += picks[q] != '-';
    }
    msgpack_pack_map(pk, (size_t)k);
    for (int q = 0; q < 4; q++)
        if (picks[q] != '-') {
            char item[4] = {'q', (char)('1' + q), 0, 0}, v[2] = {picks[q], 0};
            as_pack_cstr(pk, item);
            as_pack_cstr(pk, v);
        }
}

/* Submits n responses for learners L0..L(learners-1), every one stored. */
static void s_submit_many(assay_t *c, const char *id, int n, int learners)
{
    char err[512];
    int stored = h_submit_many(c, id, n, learners, s_answers, NULL, err, sizeof err);
    if (stored != n) fail_msg("submit: %s", err);
}

/* Waits until the job is running (it is polled every millisecond). */
static void s_wait_running(assay_t *c, double job)
{
    char params[64];
    snprintf(params, sizeof params, "{'job':%.0f}", job);
    for (int i = 0; i < 20000; i++) {
        assay_reply_t *r;
        assert_int_equal(h_call(c, "job.get", params, &r), ASSAY_OK);
        bool running = h_str_is(assay_reply_result(r), "state", "running");
        assay_reply_free(&r);
        if (running) return;
        usleep(1000);
    }
    fail_msg("job %.0f never ran", job);
}

static double s_regrade(assay_t *a, const char *id, bool dry)
{
    char params[128];
    snprintf(params, sizeof params, "{'assessment':'%s','dry_run':%s}", id, dry ? "true" : "false");
    assay_reply_t *r;
    assert_int_equal(h_call(a, "assessment.regrade", params, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_str_is(o, "state", "queued"));
    assert_true(h_str_is(o, "kind", "regrade"));
    double job = h_num(o, "job");
    assay_reply_free(&r);
    return job;
}

typedef struct {
    uint32_t n; /* responses */
    uint32_t version[4000];
    double score[4000]; /* as stored */
    double want[4000];  /* the test's score under `under` */
    /* latest attempt of each learner, scored under `under` */
    uint32_t learners;
    uint32_t latest_attempt[256];
    double x[256 * 4];
    unsigned char answered[256 * 4];
} s_stored_t;

/* Reads every stored response of an assessment (following cursors) and derives the expected
 * scores under version `under`. */
static void s_read_all(assay_t *c, const char *id, int under, s_stored_t *st)
{
    memset(st, 0, sizeof *st);
    char params[160], cursor[32] = "";
    for (;;) {
        if (cursor[0])
            snprintf(params, sizeof params, "{'assessment':'%s','limit':200,'cursor':'%s'}", id,
                     cursor);
        else
            snprintf(params, sizeof params, "{'assessment':'%s','limit':200}", id);
        assay_reply_t *r;
        assert_int_equal(h_call(c, "response.list", params, &r), ASSAY_OK);
        const msgpack_object *o = assay_reply_result(r);
        const msgpack_object *list = assay_map_get(o, "responses");
        for (uint32_t i = 0; i < list->via.array.size; i++) {
            const msgpack_object *resp = &list->via.array.ptr[i];
            uint32_t at = st->n++;
            assert_true(at < 4000);
            st->version[at] = (uint32_t)h_num(resp, "version");
            st->score[at] = h_num(resp, "score");
            double x[4];
            unsigned char ans[4];
            s_scores(assay_map_get(resp, "answers"), under, x, ans);
            st->want[at] = x[0] + x[1] + x[2] + x[3];
            const msgpack_object *l = assay_map_get(resp, "learner");
            int who = atoi(l->via.str.ptr + 1);
            assert_true(who < 256);
            uint32_t attempt = (uint32_t)h_num(resp, "attempt");
            if (attempt > st->latest_attempt[who]) {
                if (!st->latest_attempt[who]) st->learners++;
                st->latest_attempt[who] = attempt;
                memcpy(&st->x[who * 4], x, sizeof x);
                memcpy(&st->answered[who * 4], ans, sizeof ans);
            }
        }
        const msgpack_object *next = assay_map_get(o, "next_cursor");
        bool more = next->type == MSGPACK_OBJECT_STR;
        if (more)
            snprintf(cursor, sizeof cursor, "%.*s", (int)next->via.str.size, next->via.str.ptr);
        assay_reply_free(&r);
        if (!more) break;
    }
}

/* The engine's report equals the from-scratch one over the learners' latest attempts. */
static void s_check_report(assay_t *c, const char *id, const s_stored_t *st, uint32_t version)
{
    static const double item_max[4] = {1, 1, 2, 3};
    ref_report_t ref;
    ref_report(st->x, st->answered, st->learners, 4, item_max, &ref);
    char params[96];
    snprintf(params, sizeof params, "{'assessment':'%s'}", id);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "assessment.report", params, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_int_equal((uint32_t)h_num(o, "version"), version);
    assert_int_equal(assay_map_get(o, "rebuilding")->type, MSGPACK_OBJECT_NIL);
    rc_check_report(o, &ref, st->learners, 4);
    assay_reply_free(&r);
}

static void a_regrade_rescores_every_response_and_rebuilds_the_report(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_put(a, "rg", 1);
    s_submit_many(a, "rg", 2500, 200); /* three chunks */
    static s_stored_t before, after;
    s_read_all(a, "rg", 2, &before);
    uint64_t changing = 0;
    for (uint32_t i = 0; i < before.n; i++)
        changing += before.score[i] != before.want[i];
    assert_true(changing > 0 && changing < before.n);
    s_put(a, "rg", 2);
    assay_reply_t *r = h_wait_job(a, s_regrade(a, "rg", false));
    const msgpack_object *o = assay_reply_result(r), *res = assay_map_get(o, "result");
    assert_true(h_str_is(o, "state", "done"));
    assert_int_equal((uint64_t)h_num(assay_map_get(o, "progress"), "done"), 2500);
    assert_int_equal((uint64_t)h_num(assay_map_get(o, "progress"), "total"), 2500);
    assert_int_equal((uint32_t)h_num(res, "version"), 2);
    assert_int_equal((uint64_t)h_num(res, "changed"), changing);
    assert_int_equal((uint64_t)h_num(res, "unchanged"), 2500 - changing);
    assert_null(assay_map_get(res, "changes"));
    assay_reply_free(&r);
    s_read_all(a, "rg", 2, &after);
    assert_int_equal(after.n, 2500);
    for (uint32_t i = 0; i < after.n; i++) {
        assert_int_equal(after.version[i], 2);
        assert_true(after.score[i] == after.want[i]);
    }
    s_check_report(a, "rg", &after, 2);
    assay_close(&a);
}

static void a_dry_run_lists_the_first_changes_and_writes_nothing(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_put(a, "dry", 1);
    s_submit_many(a, "dry", 60, 20);
    static s_stored_t st;
    s_read_all(a, "dry", 2, &st);
    s_put(a, "dry", 2);
    assay_reply_t *r = h_wait_job(a, s_regrade(a, "dry", true));
    const msgpack_object *o = assay_reply_result(r), *res = assay_map_get(o, "result");
    assert_true(h_str_is(o, "state", "done"));
    assert_true(assay_map_get(o, "dry_run")->via.boolean);
    const msgpack_object *changes = assay_map_get(res, "changes");
    uint32_t changed = 0, listed = 0;
    for (uint32_t i = 0; i < st.n; i++) {
        if (st.score[i] == st.want[i]) continue;
        changed++;
        if (listed == 10) continue;
        const msgpack_object *c = &changes->via.array.ptr[listed++];
        assert_true(h_num(c, "old_score") == st.score[i]);
        assert_true(h_num(c, "new_score") == st.want[i]);
    }
    assert_int_equal(changes->via.array.size, listed);
    assert_int_equal((uint32_t)h_num(res, "changed"), changed);
    assert_int_equal((uint32_t)h_num(res, "unchanged"), st.n - changed);
    assay_reply_free(&r);
    /* nothing written: records still of version 1, and no statistics for version 2 yet */
    static s_stored_t again;
    s_read_all(a, "dry", 2, &again);
    for (uint32_t i = 0; i < again.n; i++) {
        assert_int_equal(again.version[i], 1);
        assert_true(again.score[i] == st.score[i]);
    }
    assert_int_equal(h_call(a, "assessment.report", "{'assessment':'dry'}", &r), ASSAY_OK);
    assert_int_equal((uint32_t)h_num(assay_reply_result(r), "n"), 0);
    assay_reply_free(&r);
    assay_close(&a);
}

static void submissions_during_a_regrade_are_counted_once(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_put(a, "race", 1);
    s_submit_many(a, "race", 3000, 150);
    s_put(a, "race", 2);
    double job = s_regrade(a, "race", false);
    s_submit_many(a, "race", 600, 150); /* while the job runs: new latest attempts */
    assay_reply_t *r = h_wait_job(a, job);
    assert_true(h_str_is(assay_reply_result(r), "state", "done"));
    assay_reply_free(&r);
    static s_stored_t st;
    s_read_all(a, "race", 2, &st);
    assert_int_equal(st.n, 3600);
    for (uint32_t i = 0; i < st.n; i++) {
        assert_int_equal(st.version[i], 2);
        assert_true(st.score[i] == st.want[i]);
    }
    s_check_report(a, "race", &st, 2);
    assay_close(&a);
}

static void replacing_the_assessment_during_a_regrade_fails_the_job(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_put(a, "moved", 1);
    s_submit_many(a, "moved", 4000, 200);
    s_put(a, "moved", 2);
    double job = s_regrade(a, "moved", false);
    s_wait_running(a, job);
    s_put(a, "moved", 1); /* version 3 */
    assay_reply_t *r = h_wait_job(a, job);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_str_is(o, "state", "failed"));
    assert_true(h_str_is(o, "error",
                         "assessment \"moved\" was replaced during the regrade "
                         "(version 2, now 3): regrade it again"));
    assert_null(assay_map_get(o, "result"));
    assay_reply_free(&r);
    /* regrading again brings everything to version 3 */
    r = h_wait_job(a, s_regrade(a, "moved", false));
    assert_true(h_str_is(assay_reply_result(r), "state", "done"));
    assay_reply_free(&r);
    static s_stored_t st;
    s_read_all(a, "moved", 1, &st);
    for (uint32_t i = 0; i < st.n; i++) {
        assert_int_equal(st.version[i], 3);
        assert_true(st.score[i] == st.want[i]);
    }
    s_check_report(a, "moved", &st, 3);
    assay_close(&a);
}

static void a_job_interrupted_by_a_crash_runs_again_at_the_next_start(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assay_t *a = h_connect(&e, true);
    s_put(a, "crash", 1);
    s_submit_many(a, "crash", 4000, 200);
    s_put(a, "crash", 2);
    double job = s_regrade(a, "crash", false);
    s_wait_running(a, job);
    assay_close(&a);
    h_kill(&e);
    h_restart(&e);
    a = h_connect(&e, true);
    assay_reply_t *r = h_wait_job(a, job);
    assert_true(h_str_is(assay_reply_result(r), "state", "done"));
    assert_int_equal((uint64_t)h_num(assay_map_get(assay_reply_result(r), "progress"), "done"),
                     4000);
    assay_reply_free(&r);
    static s_stored_t st;
    s_read_all(a, "crash", 2, &st);
    assert_int_equal(st.n, 4000);
    for (uint32_t i = 0; i < st.n; i++) {
        assert_int_equal(st.version[i], 2);
        assert_true(st.score[i] == st.want[i]);
    }
    s_check_report(a, "crash", &st, 2);
    assay_close(&a);
    assert_int_equal(h_cleanup(&e), 0);
}

typedef struct {
    char topic[64];
    double seq, regrade;
    char state[16];
} s_note_t;

static void job_and_score_notifications_follow_a_regrade(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_put(a, "note", 1);
    assay_reply_t *r;
    /* q1 'A' and 'B' change under version 2, q2 'B' does not */
    const char *answers[3] = {"{'q1':'A'}", "{'q2':'B'}", "{'q1':'B'}"};
    for (int i = 0; i < 3; i++) {
        char params[128];
        snprintf(params, sizeof params, "{'assessment':'note','learner':'n%d','answers':%s}", i,
                 answers[i]);
        assert_int_equal(h_call(a, "response.submit", params, &r), ASSAY_OK);
        assay_reply_free(&r);
    }
    s_put(a, "note", 2);
    assay_sub_t *sub;
    assert_int_equal(assay_sub_open(&sub, s_e.dir), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "job."), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "score.note"), ASSAY_OK);
    usleep(300000); /* the subscription reaches the engine */
    double job = s_regrade(a, "note", false);
    r = h_wait_job(a, job);
    assay_reply_free(&r);
    s_note_t got[8];
    int n = 0;
    while (n < 8) {
        assay_event_t *ev;
        if (assay_sub_recv(sub, 2000, &ev)) break;
        const msgpack_object *b = assay_event_body(ev);
        snprintf(got[n].topic, sizeof got[n].topic, "%s", assay_event_topic(ev));
        got[n].seq = (double)assay_event_seq(ev);
        const msgpack_object *st = assay_map_get(b, "state");
        snprintf(got[n].state, sizeof got[n].state, "%.*s", st ? (int)st->via.str.size : 0,
                 st ? st->via.str.ptr : "");
        got[n].regrade = assay_map_get(b, "regrade") ? h_num(b, "regrade") : 0;
        assay_event_free(&ev);
        n++;
    }
    char topic[32];
    snprintf(topic, sizeof topic, "job.%.0f", job);
    assert_int_equal(n, 5);
    assert_string_equal(got[0].topic, topic);
    assert_string_equal(got[0].state, "queued");
    assert_string_equal(got[1].topic, topic);
    assert_string_equal(got[1].state, "running");
    assert_string_equal(got[2].topic, "score.note");
    assert_true(got[2].regrade == job);
    assert_string_equal(got[3].topic, "score.note");
    assert_true(got[3].regrade == job);
    assert_string_equal(got[4].topic, topic);
    assert_string_equal(got[4].state, "done");
    for (int i = 1; i < n; i++)
        assert_true(got[i].seq == got[i - 1].seq + 1);
    assay_sub_close(&sub);
    assay_close(&a);
}

static void regrade_and_job_errors_are_precise(void **state)
{
    assay_t *a = h_connect(&s_e, true), *e = h_connect(&s_e, false);
    s_put(a, "err", 1);
    assert_string_equal(
        h_error(a, "assessment.regrade", "{'assessment':'nope'}", s_buf, sizeof s_buf),
        "not_found: assessment \"nope\" not found");
    assert_string_equal(
        h_error(e, "assessment.regrade", "{'assessment':'err'}", s_buf, sizeof s_buf),
        "forbidden: method assessment.regrade is allowed only on the admin socket "
        "(admin.sock)");
    assert_string_equal(h_error(a, "assessment.regrade", "{}", s_buf, sizeof s_buf),
                        "bad_request: params: missing field \"assessment\"");
    assert_string_equal(h_error(a, "assessment.regrade", "{'assessment':'err','dry_run':'yes'}",
                                s_buf, sizeof s_buf),
                        "bad_request: dry_run: expected true or false, got a string");
    assert_string_equal(h_error(e, "job.get", "{'job':0}", s_buf, sizeof s_buf),
                        "bad_request: job: expected an id, a positive integer");
    assert_string_equal(h_error(e, "job.get", "{'job':999999}", s_buf, sizeof s_buf),
                        "not_found: job 999999 not found");
    assert_string_equal(h_error(e, "job.list", "{'cursor':'x'}", s_buf, sizeof s_buf),
                        "bad_request: cursor: not a cursor this method returned (next_cursor)");
    assay_close(&a);
    assay_close(&e);
}

static void jobs_are_listed_in_order_with_cursors(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_put(a, "listed", 1);
    double first = s_regrade(a, "listed", true), second = s_regrade(a, "listed", true);
    assay_reply_t *r = h_wait_job(a, second);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "job.list", "{'limit':1}", &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    double total = h_num(o, "total");
    assert_true(total >= 2);
    assert_int_equal(assay_map_get(o, "jobs")->via.array.size, 1);
    assay_reply_free(&r);
    /* walk every page: ids increase, and the two jobs appear once each, both done */
    char params[96] = "{'limit':1}";
    double last = 0;
    int seen = 0, pages = 0;
    for (;;) {
        assert_int_equal(h_call(a, "job.list", params, &r), ASSAY_OK);
        o = assay_reply_result(r);
        const msgpack_object *row = &assay_map_get(o, "jobs")->via.array.ptr[0];
        double id = h_num(row, "job");
        assert_true(id > last);
        last = id;
        if (id == first || id == second) {
            seen++;
            assert_true(h_str_is(row, "state", "done"));
        }
        pages++;
        const msgpack_object *next = assay_map_get(o, "next_cursor");
        if (next->type != MSGPACK_OBJECT_STR) {
            assay_reply_free(&r);
            break;
        }
        snprintf(params, sizeof params, "{'limit':1,'cursor':'%.*s'}", (int)next->via.str.size,
                 next->via.str.ptr);
        assay_reply_free(&r);
    }
    assert_int_equal(seen, 2);
    assert_int_equal(pages, (int)total);
    assay_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_regrade_rescores_every_response_and_rebuilds_the_report),
        cmocka_unit_test(a_dry_run_lists_the_first_changes_and_writes_nothing),
        cmocka_unit_test(submissions_during_a_regrade_are_counted_once),
        cmocka_unit_test(replacing_the_assessment_during_a_regrade_fails_the_job),
        cmocka_unit_test(a_job_interrupted_by_a_crash_runs_again_at_the_next_start),
        cmocka_unit_test(job_and_score_notifications_follow_a_regrade),
        cmocka_unit_test(regrade_and_job_errors_are_precise),
        cmocka_unit_test(jobs_are_listed_in_order_with_cursors),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
