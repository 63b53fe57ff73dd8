/* test_pg_engine.c — assayd on PostgreSQL (--store), on a cluster of the suite's own
 * (pg_fixture.c):
 * - the server killed mid-load: clients submit with idempotency keys and retry a key until it is
 *   acknowledged; the server is killed (every process of it at once, tools/pg kill) three times
 *   under the load and started again. Nothing acknowledged is lost, no key is stored twice,
 *   every error the clients saw meanwhile was `unavailable` (or no answer in time), never
 *   another, and scoring went on from the map while the server was down;
 * - two engines on one database give the answers of one: submissions for the same learners
 *   through both at once, some sent again with their key to the other engine: each learner's
 *   attempts run 1..n once, each key is stored once, the report counts each learner's latest
 *   attempt, mastery counts every answer; each engine numbers its notifications on its own;
 * - two tabs on two engines start one attempt: starts for one learner sent to both engines at
 *   once all answer the same attempt;
 * - a job runs on one engine at a time (a lease): the engine running a regrade is killed (-9)
 *   half-way, the other takes the job over when the lease ends and finishes it, and the report
 *   is exact;
 * - a data directory keeps to its store: an LMDB store's is refused as a PostgreSQL map, and a
 *   PostgreSQL map as an LMDB store;
 * - losing the primary loses nothing: with a synchronous standby, the primary killed under load
 *   and the standby promoted, every acknowledged submission is on the new primary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"
#include "pg_cluster.h"
#include "tjson.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_CLIENTS  4
#define S_LEARNERS 3 /* per client */
#define S_OUTAGES  3
#define S_MAX_ACKS 100000

static h_ledger_t s_ledger;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER; /* the two-engine counts */
static h_engine_t s_e;
static atomic_bool s_stop;
static atomic_int s_unavailable, s_timeouts, s_other;
static char s_other_msg[256];
static const char *s_load_id; /* the assessment the load submits to */

/* Submits keyed answers; a key is sent again until it is acknowledged (after s_stop too, so that
 * every key sent ends acknowledged: then the store holds exactly the acknowledged ones). */
static void *s_client(void *arg)
{
    int client = (int)(intptr_t)arg;
    assay_t *c;
    assay_options_t o = {.timeout_ms = 1000};
    if (assay_open(&c, s_e.dir, &o)) return NULL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    for (int i = 0; !atomic_load(&s_stop); i++) {
        char learner[16], key[24], params[240];
        snprintf(learner, sizeof learner, "c%d-l%d", client, i % S_LEARNERS);
        snprintf(key, sizeof key, "c%d-k%d", client, i);
        snprintf(params, sizeof params,
                 "{'assessment':'%s','learner':'%s','key':'%s','answers':{'q':'%s'}}", s_load_id,
                 learner, key, i % 2 ? "A" : "B");
        tjson_pack(&sb, params);
        for (int tries = 0; tries < 600; tries++) { /* at most ~10 minutes: then the test fails */
            assay_reply_t *r = NULL;
            int rc = assay_call(c, "response.submit", sb.data, sb.size, -1, &r);
            if (rc == ASSAY_OK) {
                h_ledger_add(&s_ledger, assay_reply_result(r), learner);
                assay_reply_free(&r);
                break;
            }
            if (rc == ASSAY_EREPLY && strcmp(assay_reply_code(r), "unavailable") == 0) {
                atomic_fetch_add(&s_unavailable, 1);
                usleep(20000);
            } else if (rc == ASSAY_ETIMEOUT) {
                atomic_fetch_add(&s_timeouts, 1);
            } else {
                if (atomic_fetch_add(&s_other, 1) == 0)
                    snprintf(s_other_msg, sizeof s_other_msg, "%s: %s",
                             rc == ASSAY_EREPLY ? assay_reply_code(r) : assay_strerror(rc),
                             rc == ASSAY_EREPLY ? assay_reply_message(r) : "");
                usleep(20000);
            }
            assay_reply_free(&r);
        }
    }
    msgpack_sbuffer_destroy(&sb);
    assay_close(&c);
    return NULL;
}

/* A learner's responses at an assessment: their attempts, in order, into att (n of them), page
 * by page. */
static int s_attempts_of(assay_t *c, const char *assessment, const char *learner, uint32_t *att,
                         int cap)
{
    char cursor[32] = "";
    int n = 0;
    for (;;) {
        char params[200];
        snprintf(params, sizeof params, "{'assessment':'%s','learner':'%s','limit':200%s%s%s}",
                 assessment, learner, cursor[0] ? ",'cursor':'" : "", cursor, cursor[0] ? "'" : "");
        assay_reply_t *r;
        int rc = h_call(c, "response.list", params, &r);
        if (rc) fail_msg("response.list: %s", r ? assay_reply_message(r) : assay_strerror(rc));
        const msgpack_object *o = assay_reply_result(r);
        const msgpack_object *list = assay_map_get(o, "responses");
        for (uint32_t i = 0; i < list->via.array.size && n < cap; i++)
            att[n++] = (uint32_t)h_num(&list->via.array.ptr[i], "attempt");
        const msgpack_object *next = assay_map_get(o, "next_cursor");
        bool more = next->type == MSGPACK_OBJECT_STR;
        if (more)
            snprintf(cursor, sizeof cursor, "%.*s", (int)next->via.str.size, next->via.str.ptr);
        assay_reply_free(&r);
        if (!more) return n;
    }
}

/* Puts assessment id through s_e and starts the load on it. */
static void s_load_start(const char *id, pthread_t *th)
{
    s_load_id = id;
    h_ledger_init(&s_ledger, S_MAX_ACKS);
    atomic_store(&s_stop, false);
    atomic_store(&s_unavailable, 0);
    atomic_store(&s_timeouts, 0);
    atomic_store(&s_other, 0);
    assay_t *a = h_connect(&s_e, true);
    char def[256];
    snprintf(def, sizeof def,
             "{'id':'%s','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
             "'rule':'match_correct','correct':['A']}]}",
             id);
    h_ok(a, "assessment.put", def);
    assay_close(&a);
    for (int i = 0; i < S_CLIENTS; i++)
        pthread_create(&th[i], NULL, s_client, (void *)(intptr_t)i);
}

/* Stops the load and holds the store to its ledger: every error unavailable (or no answer in
 * time), some seen; every acknowledged response there and identical; each key stored once (the
 * responses are exactly the acknowledged ones) and each learner's attempts 1..n. */
static void s_load_check(pthread_t *th)
{
    atomic_store(&s_stop, true);
    for (int i = 0; i < S_CLIENTS; i++)
        pthread_join(th[i], NULL);
    printf("%s: %d acknowledged; answered unavailable %d times, no answer in time %d times\n",
           s_load_id, s_ledger.n, atomic_load(&s_unavailable), atomic_load(&s_timeouts));
    if (atomic_load(&s_other)) fail_msg("an error other than unavailable: %s", s_other_msg);
    assert_true(atomic_load(&s_unavailable) + atomic_load(&s_timeouts) > 0);
    assay_t *a = h_connect(&s_e, false);
    h_ledger_check(a, &s_ledger);
    int stored = 0;
    for (int cl = 0; cl < S_CLIENTS; cl++)
        for (int l = 0; l < S_LEARNERS; l++) {
            char learner[16];
            snprintf(learner, sizeof learner, "c%d-l%d", cl, l);
            static uint32_t att[S_MAX_ACKS];
            int n = s_attempts_of(a, s_load_id, learner, att, S_MAX_ACKS);
            for (int i = 0; i < n; i++)
                assert_int_equal(att[i], (uint32_t)i + 1);
            stored += n;
        }
    assert_int_equal(stored, s_ledger.n);
    assay_close(&a);
    h_ledger_free(&s_ledger);
}

static void acknowledged_submissions_survive_the_database_killed_mid_load(void **state)
{
    (void)state;
    h_start(&s_e, "--store", pgf_conninfo, NULL);
    pthread_t th[S_CLIENTS];
    s_load_start("outage", th);
    assay_t *a = h_connect(&s_e, false);
    for (int k = 0; k < S_OUTAGES; k++) {
        usleep(300000); /* load */
        assert_int_equal(pgf_pg("kill", NULL, 0), 0);
        usleep(400000); /* the server is down: scoring goes on from the map */
        assay_reply_t *r;
        assert_int_equal(h_call(a, "score", "{'assessment':'outage','answers':{'q':'A'}}", &r),
                         ASSAY_OK);
        assert_true(h_num(assay_reply_result(r), "score") == 1);
        assay_reply_free(&r);
        assert_int_equal(pgf_pg("up", NULL, 0), 0);
    }
    usleep(500000);
    assay_close(&a);
    s_load_check(th);
    assert_int_equal(h_cleanup(&s_e), 0);
}

/* Last in the suite: its primary is lost for good. A synchronous standby is made (tools/pg
 * standby); the engine names both (a multi-host connection string, read-write sessions); under
 * load the primary is killed and the standby promoted, as Patroni would: the engine follows it,
 * and every acknowledged submission is on the new primary. */
static void acknowledged_submissions_survive_losing_the_primary(void **state)
{
    (void)state;
    pgf_reconnect();
    char standby[300], conninfo[800], args[700];
    snprintf(standby, sizeof standby, "%s/standby", pgf_dir);
    snprintf(args, sizeof args, "standby '%s' '%s/pg'", standby, pgf_dir);
    assert_int_equal(pgf_tool(args, conninfo, sizeof conninfo), 0);
    h_start(&s_e, "--store", conninfo, NULL);
    pthread_t th[S_CLIENTS];
    s_load_start("failover", th);
    usleep(400000); /* load */
    assert_int_equal(pgf_pg("kill", NULL, 0), 0);
    usleep(300000); /* no primary: writes answered unavailable */
    snprintf(args, sizeof args, "promote '%s'", standby);
    assert_int_equal(pgf_tool(args, NULL, 0), 0);
    usleep(1500000); /* load on the new primary */
    s_load_check(th);
    assert_int_equal(h_cleanup(&s_e), 0);
    snprintf(args, sizeof args, "down '%s'", standby);
    assert_int_equal(pgf_tool(args, NULL, 0), 0);
}

#define S_TWO_THREADS  4
#define S_TWO_EACH     60
#define S_TWO_LEARNERS 4

static h_engine_t s_two[2];
static int s_two_n[S_TWO_LEARNERS];        /* acknowledged submissions per learner */
static double s_two_last[S_TWO_LEARNERS];  /* the score of each learner's highest attempt */
static uint32_t s_two_top[S_TWO_LEARNERS]; /* that attempt */
static atomic_int s_two_bad;

/* One client: submissions for every learner in turn, through engine (thread % 2); every fifth
 * sent again with its key through the other engine, which must answer the stored response. */
static void *s_two_client(void *arg)
{
    int t = (int)(intptr_t)arg;
    assay_t *c[2];
    assay_options_t o = {.timeout_ms = 10000};
    if (assay_open(&c[0], s_two[t % 2].dir, &o)) return NULL;
    if (assay_open(&c[1], s_two[(t + 1) % 2].dir, &o)) {
        assay_close(&c[0]);
        return NULL;
    }
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    for (int i = 0; i < S_TWO_EACH; i++) {
        int l = (t + i) % S_TWO_LEARNERS;
        char params[200];
        snprintf(params, sizeof params,
                 "{'assessment':'two','learner':'l%d','key':'t%d-%d','answers':{'q':'%s'}}", l, t,
                 i, (i + t) % 3 ? "A" : "B");
        tjson_pack(&sb, params);
        assay_reply_t *r = NULL, *again = NULL;
        if (assay_call(c[0], "response.submit", sb.data, sb.size, -1, &r) != ASSAY_OK) {
            atomic_fetch_add(&s_two_bad, 1);
            assay_reply_free(&r);
            continue;
        }
        const msgpack_object *res = assay_reply_result(r);
        uint64_t rid = (uint64_t)h_num(res, "response_id");
        uint32_t attempt = (uint32_t)h_num(res, "attempt");
        double score = h_num(res, "score");
        if (i % 5 == 0 &&
            (assay_call(c[1], "response.submit", sb.data, sb.size, -1, &again) != ASSAY_OK ||
             (uint64_t)h_num(assay_reply_result(again), "response_id") != rid))
            atomic_fetch_add(&s_two_bad, 1);
        assay_reply_free(&again);
        assay_reply_free(&r);
        pthread_mutex_lock(&s_lock);
        s_two_n[l]++;
        if (attempt > s_two_top[l]) {
            s_two_top[l] = attempt;
            s_two_last[l] = score;
        }
        pthread_mutex_unlock(&s_lock);
    }
    msgpack_sbuffer_destroy(&sb);
    assay_close(&c[0]);
    assay_close(&c[1]);
    return NULL;
}

static void two_engines_on_one_database_give_the_answers_of_one(void **state)
{
    (void)state;
    pgf_reconnect();
    h_start(&s_two[0], "--store", pgf_conninfo, NULL);
    h_start(&s_two[1], "--store", pgf_conninfo, NULL);
    assay_t *a = h_connect(&s_two[0], true), *b = h_connect(&s_two[1], true);
    h_ok(a, "skill.put",
         "{'id':'two-k','prior':0.3,'learn':0.1,'forget':0,'guess':0.2,'slip':0.1}");
    h_ok(a, "assessment.put",
         "{'id':'two','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A'],'skills':['two-k']}]}");
    /* the other engine scores it within a second (its follower) */
    int seen = 0;
    for (int i = 0; i < 40 && !seen; i++) {
        assay_reply_t *r;
        seen = h_call_unchecked(b, "score", "{'assessment':'two','answers':{'q':'A'}}", &r) ==
               ASSAY_OK;
        assay_reply_free(&r);
        if (!seen) usleep(50000);
    }
    assert_true(seen);
    /* what engine 1 publishes, every topic */
    assay_sub_t *sub;
    assert_int_equal(assay_sub_open(&sub, s_two[1].dir), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, ""), ASSAY_OK);
    usleep(200000); /* (the subscription reaches the engine) */
    pthread_t th[S_TWO_THREADS];
    for (int t = 0; t < S_TWO_THREADS; t++)
        pthread_create(&th[t], NULL, s_two_client, (void *)(intptr_t)t);
    for (int t = 0; t < S_TWO_THREADS; t++)
        pthread_join(th[t], NULL);
    assert_int_equal(atomic_load(&s_two_bad), 0);
    /* its notifications are numbered by its own sequence: no gap where engine 0 committed */
    int events = 0;
    uint64_t last = 0;
    assay_event_t *ev;
    while (assay_sub_recv(sub, 500, &ev) == ASSAY_OK) {
        uint64_t seq = assay_event_seq(ev);
        if (events && seq != last + 1)
            fail_msg("engine 1's notifications: %llu after %llu", (unsigned long long)seq,
                     (unsigned long long)last);
        last = seq;
        events++;
        assay_event_free(&ev);
    }
    assay_sub_close(&sub);
    assert_true(events >= S_TWO_THREADS * S_TWO_EACH / 2); /* (its half, at least a note each) */
    int total = 0;
    double sum = 0;
    for (int l = 0; l < S_TWO_LEARNERS; l++) {
        char learner[16], params[120];
        snprintf(learner, sizeof learner, "l%d", l);
        /* attempts 1..n once, through either engine */
        static uint32_t att[S_TWO_THREADS * S_TWO_EACH];
        int n = s_attempts_of(l % 2 ? b : a, "two", learner, att, S_TWO_THREADS * S_TWO_EACH);
        assert_int_equal(n, s_two_n[l]);
        for (int i = 0; i < n; i++)
            assert_int_equal(att[i], (uint32_t)i + 1);
        /* every answer one opportunity of the skill */
        snprintf(params, sizeof params, "{'learner':'%s','skill':'two-k'}", learner);
        assay_reply_t *r;
        assert_int_equal(h_call(l % 2 ? a : b, "mastery.get", params, &r), ASSAY_OK);
        const msgpack_object *st =
            assay_map_get(assay_map_get(assay_reply_result(r), "skills"), "two-k");
        assert_int_equal((int)h_num(st, "opportunities"), n);
        assay_reply_free(&r);
        total += n;
        sum += s_two_last[l];
    }
    assert_int_equal(total, S_TWO_THREADS * S_TWO_EACH);
    /* the report: each learner's latest attempt once */
    assay_reply_t *r;
    assert_int_equal(h_call(b, "assessment.report", "{'assessment':'two'}", &r), ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "n"), S_TWO_LEARNERS);
    assert_true(fabs(h_num(assay_reply_result(r), "mean") - sum / S_TWO_LEARNERS) < 1e-12);
    assay_reply_free(&r);
    assay_close(&a);
    assay_close(&b);
    assert_int_equal(h_cleanup(&s_two[0]), 0);
    assert_int_equal(h_cleanup(&s_two[1]), 0);
}

static void starts_for_one_learner_on_two_engines_give_one_attempt(void **state)
{
    (void)state;
    pgf_reconnect();
    enum { N = 12 };
    h_engine_t e[2];
    h_start(&e[0], "--store", pgf_conninfo, NULL);
    h_start(&e[1], "--store", pgf_conninfo, NULL);
    assay_t *a = h_connect(&e[0], true);
    h_ok(a, "assessment.put",
         "{'id':'tabs','time_limit_s':600,'items':[{'id':'q','cardinality':'single',"
         "'base_type':'identifier','rule':'match_correct','correct':['A']}]}");
    assay_close(&a);
    /* the other engine has it within a second (its follower) */
    assay_t *b = h_connect(&e[1], false);
    int seen = 0;
    for (int i = 0; i < 40 && !seen; i++) {
        assay_reply_t *r;
        seen = h_call_unchecked(b, "score", "{'assessment':'tabs','answers':{'q':'A'}}", &r) ==
               ASSAY_OK;
        assay_reply_free(&r);
        if (!seen) usleep(50000);
    }
    assert_true(seen);
    assay_close(&b);
    assay_t *c[N];
    uint32_t ids[N];
    const char params[] = "\x82\xaa"
                          "assessment\xa4tabs\xa7learner\xa4rush";
    for (int i = 0; i < N; i++)
        c[i] = h_connect(&e[i % 2], false);
    for (int i = 0; i < N; i++) /* every request out before any answer is read */
        assert_int_equal(assay_send(c[i], "attempt.start", params, sizeof params - 1, &ids[i]),
                         ASSAY_OK);
    double first = 0;
    for (int i = 0; i < N; i++) {
        assay_reply_t *r;
        int rc = assay_recv(c[i], 10000, &r);
        if (rc) fail_msg("start %d: %s", i, r ? assay_reply_message(r) : assay_strerror(rc));
        double id = h_num(assay_reply_result(r), "id");
        if (i == 0) first = id;
        assert_true(id == first);
        assay_reply_free(&r);
        assay_close(&c[i]);
    }
    assert_int_equal(h_cleanup(&e[0]), 0);
    assert_int_equal(h_cleanup(&e[1]), 0);
}

#define S_JOB_RESPONSES 20000
#define S_JOB_LEARNERS  500

#define S_LEASE_DEF(key)                                                                           \
    "{'id':'lease','items':[{'id':'q','cardinality':'single','base_type':'identifier',"            \
    "'rule':'match_correct','correct':['" key "']}]}"

static void s_answer_a(msgpack_packer *pk, int i, void *arg)
{
    (void)i, (void)arg;
    msgpack_pack_map(pk, 1);
    as_pack_cstr(pk, "q");
    as_pack_cstr(pk, "A");
}

static void a_job_goes_on_when_its_engine_dies(void **state)
{
    (void)state;
    pgf_reconnect();
    h_engine_t e[2];
    h_start(&e[0], "--store", pgf_conninfo, NULL);
    h_start(&e[1], "--store", pgf_conninfo, NULL);
    assay_t *a = h_connect(&e[0], true), *b = h_connect(&e[1], true);

    h_ok(a, "assessment.put", S_LEASE_DEF("A"));
    char err[256];
    assert_int_equal(h_submit_many(a, "lease", S_JOB_RESPONSES, S_JOB_LEARNERS, s_answer_a, NULL,
                                   err, sizeof err),
                     S_JOB_RESPONSES);
    /* the key changes: every answer scores 0 once regraded */
    h_ok(a, "assessment.put", S_LEASE_DEF("B"));
    assay_reply_t *r;
    assert_int_equal(h_call(a, "assessment.regrade", "{'assessment':'lease'}", &r), ASSAY_OK);
    double job = h_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    /* engine 0 runs it (its writer woke its job thread); kill it half-way */
    char params[64];
    snprintf(params, sizeof params, "{'job':%.0f}", job);
    double done = 0;
    for (int i = 0; i < 3000 && done < S_JOB_RESPONSES / 4; i++) {
        assert_int_equal(h_call(b, "job.get", params, &r), ASSAY_OK);
        done = h_num(assay_map_get(assay_reply_result(r), "progress"), "done");
        /* (queued until engine 0's job thread takes it; never done before the kill) */
        if (!h_str_is(assay_reply_result(r), "state", "running") &&
            !h_str_is(assay_reply_result(r), "state", "queued"))
            fail_msg("the job ended before the kill, %.0f of %d done: %s", done, S_JOB_RESPONSES,
                     h_str_is(assay_reply_result(r), "state", "done") ? "done" : "not done");
        assay_reply_free(&r);
        usleep(10000);
    }
    assert_true(done >= S_JOB_RESPONSES / 4);
    assay_close(&a);
    h_kill(&e[0]);
    /* engine 1 takes it over when the lease ends (AS_PG_LEASE_S) and finishes it */
    r = NULL;
    for (int i = 0; i < 900 && !r; i++) {
        assert_int_equal(h_call(b, "job.get", params, &r), ASSAY_OK);
        if (!h_str_is(assay_reply_result(r), "state", "done")) {
            assay_reply_free(&r);
            r = NULL;
            usleep(100000);
        }
    }
    if (!r) fail_msg("the job was not taken over within 90 s");
    assert_int_equal((int)h_num(assay_map_get(assay_reply_result(r), "progress"), "done"),
                     S_JOB_RESPONSES);
    assay_reply_free(&r);
    assert_int_equal(h_call(b, "assessment.report", "{'assessment':'lease'}", &r), ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "n"), S_JOB_LEARNERS);
    assert_true(h_num(assay_reply_result(r), "mean") == 0);
    assay_reply_free(&r);
    assay_close(&b);
    h_cleanup(&e[0]); /* (killed: its log may hold nothing more) */
    assert_int_equal(h_cleanup(&e[1]), 0);
}

static void a_data_directory_keeps_to_its_store(void **state)
{
    (void)state;
    pgf_reconnect(); /* (the server is up, and the fixture's connection new) */
    char err[1024];
    /* an LMDB store with a response */
    h_engine_t e;
    h_start(&e, "--store", "lmdb", NULL);
    assay_t *a = h_connect(&e, true);
    h_ok(a, "assessment.put",
         "{'id':'kept','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A']}]}");
    h_ok(a, "response.submit", "{'assessment':'kept','learner':'ana','answers':{'q':'A'}}");
    assay_close(&a);
    assert_int_equal(h_stop(&e), 0);
    const char *on_pg[] = {"-d", e.dir, "--store", pgf_conninfo, NULL};
    assert_int_equal(h_run_assayd(on_pg, err, sizeof err), 1);
    char want[600];
    snprintf(want, sizeof want,
             "assayd: %s holds the records of an LMDB store (1 response(s)): give --store "
             "postgresql a data directory of its own (records are not moved between stores)\n",
             e.dir);
    assert_string_equal(err, want);
    assert_int_equal(h_cleanup(&e), 0);
    /* a PostgreSQL store's map */
    h_start(&e, "--store", pgf_conninfo, NULL);
    assert_int_equal(h_stop(&e), 0);
    const char *on_lmdb[] = {"-d", e.dir, "--store", "lmdb", NULL};
    assert_int_equal(h_run_assayd(on_lmdb, err, sizeof err), 1);
    char id[64];
    snprintf(id, sizeof id, "%s", pgf_one("SELECT id FROM instance"));
    snprintf(want, sizeof want,
             "assayd: %s is the local map of a PostgreSQL store (database %s): start it with "
             "--store and that database's connection string\n",
             e.dir, id);
    assert_string_equal(err, want);
    assert_int_equal(h_cleanup(&e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledged_submissions_survive_the_database_killed_mid_load),
        cmocka_unit_test(two_engines_on_one_database_give_the_answers_of_one),
        cmocka_unit_test(starts_for_one_learner_on_two_engines_give_one_attempt),
        cmocka_unit_test(a_job_goes_on_when_its_engine_dies),
        cmocka_unit_test(a_data_directory_keeps_to_its_store),
        cmocka_unit_test(acknowledged_submissions_survive_losing_the_primary),
    };
    return cmocka_run_group_tests(tests, pgf_setup, pgf_teardown);
}
