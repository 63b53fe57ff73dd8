/* test_several_engines.c — one libassay connection to several assayd on one PostgreSQL database
 * (a cluster of the suite's own, pg_cluster.c), as a deployment of several nodes runs them:
 * - one engine killed (-9) under load: clients that name both engines go on through the other,
 *   never see an error, and every acknowledged submission is stored once (the client's own
 *   idempotency keys: the submissions here carry none);
 * - an engine that stops answering (SIGSTOP): a try times out and the next node answers; the
 *   stopped engine, resumed, stores nothing twice;
 * - an engine that answers `unavailable` (its database refuses connections) is passed over;
 * - each engine writes statistics rows of its own (a learner's attempts alternating between the
 *   engines), and either engine's report is the one computed here from first principles. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"
#include "pg_cluster.h"
#include "tjson.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_THREADS  4
#define S_LEARNERS 4 /* per thread */
#define S_ACKS     600

static h_engine_t s_e[2];
static char s_target[400]; /* "dir0,dir1" */
static h_ledger_t s_ledger;
static atomic_bool s_stop;
static atomic_int s_errors;
static char s_error[256];
static atomic_llong s_last_ack_ms, s_longest_gap_ms;

static long long s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const s_def =
    "{'id':'many','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
    "'rule':'match_correct','correct':['A']}]}";

/* The load's learners are named tT-lL-SALT, the salt chosen once the engines' endpoints (their
 * temporary directories' random names) are known so that each engine is first for some of them:
 * with fixed names all sixteen would go to one engine about one run in 32,768. */
static int s_salt;

static void s_learner(char *out, size_t n, int t, int l)
{
    snprintf(out, n, "t%d-l%d-%d", t, l, s_salt);
}

/* Submits without keys through both engines until s_stop; every call must succeed. */
static void *s_client(void *arg)
{
    int t = (int)(intptr_t)arg;
    assay_t *c;
    assay_options_t o = {.timeout_ms = 20000, .try_timeout_ms = 500};
    if (assay_open(&c, s_target, &o)) return NULL;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    for (int i = 0; !atomic_load(&s_stop); i++) {
        char learner[32], params[200];
        s_learner(learner, sizeof learner, t, i % S_LEARNERS);
        snprintf(params, sizeof params, "{'assessment':'many','learner':'%s','answers':{'q':'%s'}}",
                 learner, i % 3 ? "A" : "B");
        tjson_pack(&sb, params);
        assay_reply_t *r = NULL;
        int rc = assay_call(c, "response.submit", sb.data, sb.size, -1, &r);
        if (rc == ASSAY_OK) {
            h_ledger_add(&s_ledger, assay_reply_result(r), learner);
            long long now = s_now_ms(), last = atomic_exchange(&s_last_ack_ms, now);
            long long gap = now - last, longest = atomic_load(&s_longest_gap_ms);
            while (gap > longest && !atomic_compare_exchange_weak(&s_longest_gap_ms, &longest, gap))
                ;
        } else if (atomic_fetch_add(&s_errors, 1) == 0) {
            snprintf(s_error, sizeof s_error, "%s: %s",
                     rc == ASSAY_EREPLY ? assay_reply_code(r) : assay_strerror(rc),
                     rc == ASSAY_EREPLY ? assay_reply_message(r) : "");
        }
        assay_reply_free(&r);
    }
    msgpack_sbuffer_destroy(&sb);
    assay_close(&c);
    return NULL;
}

/* The engine a learner's requests go to first (of s_e, named as the clients name them). */
static int s_first_engine(const char *learner)
{
    const char *eps[2];
    char ep[2][200];
    for (int k = 0; k < 2; k++) {
        snprintf(ep[k], sizeof ep[k], "ipc://%s/engine.sock", s_e[k].dir);
        eps[k] = ep[k];
    }
    int order[2];
    assay_node_order(eps, 2, learner, strlen(learner), order);
    return order[0];
}

/* How many learners of the load have engine `node` first in their order. */
static int s_first_on(int node)
{
    int n = 0;
    for (int t = 0; t < S_THREADS; t++)
        for (int l = 0; l < S_LEARNERS; l++) {
            char learner[32];
            s_learner(learner, sizeof learner, t, l);
            n += s_first_engine(learner) == node;
        }
    return n;
}

/* Every acknowledged response stored, and nothing more: each learner's attempts run 1..n. */
static void s_check_stored(assay_t *c)
{
    h_ledger_check(c, &s_ledger);
    int stored = 0;
    for (int t = 0; t < S_THREADS; t++)
        for (int l = 0; l < S_LEARNERS; l++) {
            char params[200];
            char learner[32];
            s_learner(learner, sizeof learner, t, l);
            snprintf(params, sizeof params, "{'assessment':'many','learner':'%s','limit':200}",
                     learner);
            assay_reply_t *r;
            assert_int_equal(h_call(c, "response.list", params, &r), ASSAY_OK);
            const msgpack_object *list = assay_map_get(assay_reply_result(r), "responses");
            for (uint32_t i = 0; i < list->via.array.size; i++)
                assert_int_equal((int)h_num(&list->via.array.ptr[i], "attempt"), (int)i + 1);
            stored += (int)list->via.array.size;
            assay_reply_free(&r);
        }
    assert_int_equal(stored, s_ledger.n);
}

static void s_two_up(void)
{
    pgf_reconnect();
    h_start(&s_e[0], "--store", pgf_conninfo, NULL);
    h_start(&s_e[1], "--store", pgf_conninfo, NULL);
    snprintf(s_target, sizeof s_target, "%s,%s", s_e[0].dir, s_e[1].dir);
    for (s_salt = 0; s_first_on(0) == 0 || s_first_on(1) == 0; s_salt++)
        ;
    assay_t *a = h_connect(&s_e[0], true);
    h_ok(a, "assessment.put", s_def);
    assay_close(&a);
    h_ledger_init(&s_ledger, 100000);
    atomic_store(&s_stop, false);
    atomic_store(&s_errors, 0);
    atomic_store(&s_last_ack_ms, s_now_ms());
    atomic_store(&s_longest_gap_ms, 0);
}

static int s_acks(void)
{
    pthread_mutex_lock(&s_ledger.lock);
    int n = s_ledger.n;
    pthread_mutex_unlock(&s_ledger.lock);
    return n;
}

static void s_wait_acks(int n)
{
    for (int i = 0; i < 6000 && s_acks() < n; i++)
        usleep(10000);
    if (s_acks() < n) fail_msg("only %d of %d submissions acknowledged in 60 s", s_acks(), n);
}

static void a_client_of_two_engines_goes_on_when_one_is_killed(void **state)
{
    (void)state;
    s_two_up();
    assert_true(s_first_on(0) > 0); /* (some learners lose their engine: the salt's doing) */
    pthread_t th[S_THREADS];
    for (int t = 0; t < S_THREADS; t++)
        pthread_create(&th[t], NULL, s_client, (void *)(intptr_t)t);
    s_wait_acks(S_ACKS / 2);
    h_kill(&s_e[0]);
    s_wait_acks(S_ACKS);
    atomic_store(&s_stop, true);
    for (int t = 0; t < S_THREADS; t++)
        pthread_join(th[t], NULL);
    printf("%d acknowledged; the longest wait between acknowledgements %lld ms\n", s_ledger.n,
           (long long)atomic_load(&s_longest_gap_ms));
    if (atomic_load(&s_errors)) fail_msg("%d calls failed: %s", s_errors, s_error);
    assay_t *b = h_connect(&s_e[1], false);
    s_check_stored(b);
    assay_close(&b);
    h_ledger_free(&s_ledger);
    h_cleanup(&s_e[0]); /* (killed: its log may hold nothing more) */
    assert_int_equal(h_cleanup(&s_e[1]), 0);
}

static void a_try_that_times_out_goes_to_the_next_engine_and_is_stored_once(void **state)
{
    (void)state;
    s_two_up();
    /* a learner whose first engine is 0 */
    char learner[24];
    int i = 0;
    do
        snprintf(learner, sizeof learner, "stopped-%d", i++);
    while (s_first_engine(learner) != 0);
    assay_t *c;
    assay_options_t o = {.timeout_ms = 10000, .try_timeout_ms = 300};
    assert_int_equal(assay_open(&c, s_target, &o), ASSAY_OK);
    char params[200];
    snprintf(params, sizeof params, "{'assessment':'many','learner':'%s','answers':{'q':'A'}}",
             learner);
    assay_reply_t *r;
    /* (both engines connected first: a read of the learner's, which engine 0 answers) */
    snprintf(params, sizeof params, "{'assessment':'many','learner':'%s'}", learner);
    assert_int_equal(h_call(c, "response.list", params, &r), ASSAY_OK);
    assay_reply_free(&r);
    usleep(100000);
    snprintf(params, sizeof params, "{'assessment':'many','learner':'%s','answers':{'q':'A'}}",
             learner);
    kill(s_e[0].pid, SIGSTOP);
    long long t0 = s_now_ms();
    assert_int_equal(h_call(c, "response.submit", params, &r), ASSAY_OK);
    long long took = s_now_ms() - t0;
    assert_int_equal((int)h_num(assay_reply_result(r), "attempt"), 1);
    uint64_t rid = (uint64_t)h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    assert_true(took >= 300); /* (the try on engine 0 waited its time out) */
    /* engine 0 resumed takes the request it was sent: its key was stored already */
    kill(s_e[0].pid, SIGCONT);
    assay_t *a = h_connect(&s_e[0], false);
    snprintf(params, sizeof params, "{'assessment':'many','learner':'%s'}", learner);
    assert_int_equal(h_call(a, "response.list", params, &r), ASSAY_OK);
    const msgpack_object *list = assay_map_get(assay_reply_result(r), "responses");
    assert_int_equal(list->via.array.size, 1);
    assert_true(h_num(&list->via.array.ptr[0], "response_id") == (double)rid);
    assay_reply_free(&r);
    assay_close(&a);
    assay_close(&c);
    h_ledger_free(&s_ledger);
    assert_int_equal(h_cleanup(&s_e[0]), 0);
    assert_int_equal(h_cleanup(&s_e[1]), 0);
}

static void an_engine_answering_unavailable_is_passed_over(void **state)
{
    (void)state;
    pgf_reconnect();
    /* engine 0 on a database of its own, which then refuses connections */
    char gone[512], cmd[400];
    snprintf(cmd, sizeof cmd, "db '%s/pg' gone", pgf_dir);
    assert_int_equal(pgf_tool(cmd, gone, sizeof gone), 0);
    h_start(&s_e[0], "--store", gone, NULL);
    h_start(&s_e[1], "--store", pgf_conninfo, NULL);
    assay_t *a = h_connect(&s_e[0], true), *b = h_connect(&s_e[1], true);
    h_ok(a, "assessment.put", s_def);
    h_ok(b, "assessment.put", s_def);
    PQclear(PQexec(pgf_c, "ALTER DATABASE gone ALLOW_CONNECTIONS false"));
    pgf_one("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = "
            "'gone'");
    assay_reply_t *r;
    const char *sub = "{'assessment':'many','learner':'ada','answers':{'q':'A'}}";
    assert_int_equal(h_call(a, "response.submit", sub, &r), ASSAY_EREPLY);
    assert_string_equal(assay_reply_code(r), "unavailable");
    assay_reply_free(&r);
    /* through both, every learner's submission is stored (on engine 1's database) */
    assert_int_equal(h_call(b, "response.list", "{'assessment':'many'}", &r), ASSAY_OK);
    int before = (int)h_num(assay_reply_result(r), "total");
    assay_reply_free(&r);
    snprintf(s_target, sizeof s_target, "%s,%s", s_e[0].dir, s_e[1].dir);
    assay_t *c;
    assay_options_t o = {.timeout_ms = 10000};
    assert_int_equal(assay_open(&c, s_target, &o), ASSAY_OK);
    int stored = 0;
    for (int t = 0; t < S_THREADS; t++)
        for (int l = 0; l < S_LEARNERS; l++) {
            char params[200];
            char learner[32];
            s_learner(learner, sizeof learner, t, l);
            snprintf(params, sizeof params,
                     "{'assessment':'many','learner':'%s','answers':{'q':'A'}}", learner);
            assert_int_equal(h_call(c, "response.submit", params, &r), ASSAY_OK);
            assay_reply_free(&r);
            stored++;
        }
    assert_true(s_first_on(0) > 0); /* (some of them were first sent to engine 0) */
    assert_int_equal(h_call(b, "response.list", "{'assessment':'many'}", &r), ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "total"), before + stored);
    assay_reply_free(&r);
    PQclear(PQexec(pgf_c, "ALTER DATABASE gone ALLOW_CONNECTIONS true"));
    assay_close(&a);
    assay_close(&b);
    assay_close(&c);
    assert_int_equal(h_cleanup(&s_e[0]), 0);
    assert_int_equal(h_cleanup(&s_e[1]), 0);
}

/* The figures of a report over the latest attempts: item scores x[l][2] (an item not answered
 * is scored 0 and counted as omitted), as PROTOCOL.md defines them. */
static void s_check_report(const msgpack_object *rep, int x[][2], int omitted[][2], int n)
{
    double sum_t = 0, sum_t2 = 0, sum_x[2] = {0, 0};
    int om[2] = {0, 0}, lo = 2, hi = 0;
    for (int l = 0; l < n; l++) {
        int t = x[l][0] + x[l][1];
        sum_t += t;
        sum_t2 += (double)t * t;
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
        for (int i = 0; i < 2; i++) {
            sum_x[i] += x[l][i];
            om[i] += omitted[l][i];
        }
    }
    assert_int_equal((int)h_num(rep, "n"), n);
    assert_true(h_num(rep, "mean") == sum_t / n);
    assert_true(h_num(rep, "sd") == sqrt((sum_t2 - sum_t * sum_t / n) / (n - 1)));
    assert_int_equal((int)h_num(rep, "min"), lo);
    assert_int_equal((int)h_num(rep, "max"), hi);
    const msgpack_object *items = assay_map_get(rep, "items");
    assert_int_equal(items->via.array.size, 2);
    for (int i = 0; i < 2; i++) {
        const msgpack_object *it = &items->via.array.ptr[i];
        assert_true(h_num(it, "p_value") == sum_x[i] / n / 1.0);
        assert_true(h_num(it, "omitted_rate") == (double)om[i] / n);
    }
    int counted = 0;
    const msgpack_object *hist = assay_map_get(rep, "histogram");
    for (uint32_t b = 0; b < hist->via.array.size; b++)
        counted += (int)h_num(&hist->via.array.ptr[b], "count");
    assert_int_equal(counted, n);
}

static void each_engine_writes_statistics_rows_of_its_own_and_reads_sum_them(void **state)
{
    (void)state;
    pgf_reconnect();
    h_start(&s_e[0], "--store", pgf_conninfo, NULL);
    h_start(&s_e[1], "--store", pgf_conninfo, NULL);
    assay_t *c[2] = {h_connect(&s_e[0], true), h_connect(&s_e[1], true)};
    h_ok(c[0], "assessment.put",
         "{'id':'parts','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A']},{'id':'r','cardinality':'single',"
         "'base_type':'identifier','rule':'match_correct','correct':['B']}]}");
    usleep(1200000); /* (engine 1 follows the put within a second: DESIGN §6) */
    /* 30 learners, 3 attempts each, each attempt on the other engine than the one before, so
     * that each engine subtracts attempts the other counted */
    enum { L = 30, A = 3 };
    int x[L][2], omitted[L][2];
    for (int i = 0; i < L * A; i++) {
        int l = i % L;
        bool q_right = (i * 7) % 3 != 0, r_answered = (i * 5) % 4 != 0, r_right = i % 2 == 0;
        char params[200];
        snprintf(params, sizeof params,
                 "{'assessment':'parts','learner':'p%d','answers':{'q':'%s'%s}}", l,
                 q_right ? "A" : "C", r_answered ? (r_right ? ",'r':'B'" : ",'r':'C'") : "");
        assay_reply_t *r;
        assert_int_equal(h_call(c[(i / L + l) % 2], "response.submit", params, &r), ASSAY_OK);
        assay_reply_free(&r);
        x[l][0] = q_right;
        x[l][1] = r_answered && r_right;
        omitted[l][0] = 0;
        omitted[l][1] = !r_answered;
    }
    /* each engine wrote its own row, and its own totals and counts */
    char want[700], host[128] = "";
    gethostname(host, sizeof host - 1);
    int first = strcmp(s_e[0].dir, s_e[1].dir) < 0 ? 0 : 1;
    snprintf(want, sizeof want, "%s:%s,%s:%s", host, s_e[first].dir, host, s_e[1 - first].dir);
    assert_string_equal(
        pgf_one("SELECT string_agg(node, ',' ORDER BY node) FROM stats WHERE assessment = "
                "'parts'"),
        want);
    assert_string_equal(pgf_one("SELECT string_agg(DISTINCT node, ',' ORDER BY node) FROM "
                                "stats_totals WHERE assessment = 'parts'"),
                        want);
    assert_string_equal(
        pgf_one("SELECT string_agg(node || '=' || n, ',' ORDER BY node) FROM response_counts "
                "WHERE assessment = 'parts'"),
        (snprintf(want, sizeof want, "%s:%s=45,%s:%s=45", host, s_e[first].dir, host,
                  s_e[1 - first].dir),
         want));
    /* either engine's report is the sum of both parts: the one computed here */
    for (int e = 0; e < 2; e++) {
        assay_reply_t *r;
        assert_int_equal(h_call(c[e], "assessment.report", "{'assessment':'parts'}", &r), ASSAY_OK);
        s_check_report(assay_reply_result(r), x, omitted, L);
        assay_reply_free(&r);
        assert_int_equal(h_call(c[e], "response.list", "{'assessment':'parts','limit':1}", &r),
                         ASSAY_OK);
        assert_int_equal((int)h_num(assay_reply_result(r), "total"), L * A);
        assay_reply_free(&r);
    }
    assay_close(&c[0]);
    assay_close(&c[1]);
    assert_int_equal(h_cleanup(&s_e[0]), 0);
    assert_int_equal(h_cleanup(&s_e[1]), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_client_of_two_engines_goes_on_when_one_is_killed),
        cmocka_unit_test(a_try_that_times_out_goes_to_the_next_engine_and_is_stored_once),
        cmocka_unit_test(an_engine_answering_unavailable_is_passed_over),
        cmocka_unit_test(each_engine_writes_statistics_rows_of_its_own_and_reads_sum_them),
    };
    return cmocka_run_group_tests(tests, pgf_setup, pgf_teardown);
}
