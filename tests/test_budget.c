/* test_budget.c — what bounds the time and memory requests may hold the engine: PCRE2's limits on
 * each patternMatch (a backtracking pattern such as (a|aa)+ is cut short, counted, and is no
 * match), the CPU budget of a request (--request-budget: past it, too_large), the broker handing
 * an inline request that grew costly to the workers, shutdown stopping scoring at the end of its
 * drain time (--drain-time: unavailable, and assayd exits), and the bytes of requests queued
 * behind slow ones (--max-queued: beyond, overloaded at once). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define S_ITEMS 20

/* An assessment of S_ITEMS items, each scoring 1 when its string answer matches (a|aa)+
 * (XML Schema patterns match whole strings), and a template item scoring 1 for "A". */
static void s_put_patterns(assay_t *admin)
{
    char def[16384];
    int k = snprintf(def, sizeof def,
                     "{'id':'rx','items':[{'id':'plain','cardinality':'single',"
                     "'base_type':'identifier','rule':'match_correct',"
                     "'correct':['A']}");
    for (int i = 0; i < S_ITEMS; i++)
        k +=
            snprintf(def + k, sizeof def - (size_t)k,
                     ",{'id':'p%d','responses':[{'id':'R','cardinality':'single',"
                     "'base_type':'string'}],'outcomes':[{'id':'SCORE','base_type':'float',"
                     "'normal_maximum':1}],'response_processing':[{'responseCondition':{'if':{"
                     "'condition':{'patternMatch':{'pattern':'(a|aa)+','args':[{'variable':'R'}]}},"
                     "'then':[{'setOutcomeValue':{'identifier':'SCORE',"
                     "'expression':{'baseValue':{'baseType':'float','value':1}}}}]}}}]}",
                     i);
    snprintf(def + k, sizeof def - (size_t)k, "]}");
    h_ok(admin, "assessment.put", def);
}

/* One answers map: every pattern item answered with `s`, and plain "A". */
static int s_answers(char *out, size_t cap, const char *s)
{
    int k = snprintf(out, cap, "{'plain':'A'");
    for (int i = 0; i < S_ITEMS; i++)
        k += snprintf(out + k, cap - (size_t)k, ",'p%d':'%s'", i, s);
    return k + snprintf(out + k, cap - (size_t)k, "}");
}

/* A score_batch params map of n responses, each answering with s (malloc'd). */
static char *s_batch(int n, const char *s)
{
    size_t cap = (size_t)n * (S_ITEMS * (strlen(s) + 16) + 32) + 64;
    char *p = malloc(cap);
    size_t k = (size_t)snprintf(p, cap, "{'assessment':'rx','responses':[");
    for (int i = 0; i < n; i++) {
        if (i) p[k++] = ',';
        k += (size_t)s_answers(p + k, cap - k, s);
    }
    snprintf(p + k, cap - k, "]}");
    return p;
}

/* 40 a's then b: (a|aa)+ cannot match it, and trying every split is ~10^8 steps unbounded. */
static const char *const s_hostile = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";

static double s_event(assay_t *c, const char *name)
{
    assay_reply_t *r;
    assert_int_equal(h_call(c, "stats", "{}", &r), ASSAY_OK);
    double v = h_num(assay_map_get(assay_reply_result(r), "events"), name);
    assay_reply_free(&r);
    return v;
}

static void pattern_matches_past_the_step_limit_are_no_match_and_counted(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assay_t *admin = h_connect(&e, true), *c = h_connect(&e, false);
    s_put_patterns(admin);
    /* a short answer matches as usual: 21 points */
    char *p = s_batch(1, "aaaa");
    assay_reply_t *r;
    assert_int_equal(h_call(c, "score_batch", p, &r), ASSAY_OK);
    assert_true(assay_reply_result(r) != NULL);
    assert_true(h_num(assay_map_get(assay_reply_result(r), "stats"), "max") == 21);
    assay_reply_free(&r);
    free(p);
    assert_true(s_event(c, "pattern_limited") == 0);
    /* two hostile responses: each of the 40 matches is cut short, so only "plain" scores */
    p = s_batch(2, s_hostile);
    assert_int_equal(h_call(c, "score_batch", p, &r), ASSAY_OK);
    const msgpack_object *scores = assay_map_get(assay_reply_result(r), "scores");
    assert_int_equal(scores->via.array.size, 2);
    assert_true(scores->via.array.ptr[0].via.f64 == 1 && scores->via.array.ptr[1].via.f64 == 1);
    assay_reply_free(&r);
    free(p);
    assert_true(s_event(c, "pattern_limited") == 2 * S_ITEMS);
    assert_true(s_event(c, "over_budget") == 0);
    assay_close(&c);
    assay_close(&admin);
    assert_int_equal(h_cleanup(&e), 0);
}

static void a_request_past_its_cpu_budget_is_answered_too_large(void **state)
{
    h_engine_t e;
    h_start(&e, "--request-budget", "1", NULL);
    assay_t *admin = h_connect(&e, true), *c = h_connect(&e, false);
    s_put_patterns(admin);
    /* 40 matches of 100,000 steps each: far more than 1 ms of CPU */
    char *p = s_batch(2, s_hostile), msg[512];
    assert_string_equal(h_error(c, "score_batch", p, msg, sizeof msg),
                        "too_large: scoring this request needs more than its CPU budget of 1 ms "
                        "(assayd --request-budget): split it, or simplify the patterns its items "
                        "match");
    free(p);
    assert_true(s_event(c, "over_budget") == 1);
    /* the engine goes on serving, and cheap requests fit the budget */
    h_ok(c, "score", "{'assessment':'rx','answers':{'plain':'A'}}");
    assay_close(&c);
    assay_close(&admin);
    assert_int_equal(h_cleanup(&e), 0);
}

static void an_inline_score_that_grows_costly_is_run_by_a_worker(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assay_t *admin = h_connect(&e, true), *c = h_connect(&e, false);
    s_put_patterns(admin);
    /* the broker starts it inline (idle, score is a cheap read), stops after 1 ms of CPU and
     * hands it to a worker, whose 2 s budget is enough: the full answer, never too_large */
    char p[4096];
    int k = snprintf(p, sizeof p, "{'assessment':'rx','answers':");
    s_answers(p + k, sizeof p - (size_t)k, s_hostile);
    strcat(p, "}");
    assay_reply_t *r;
    assert_int_equal(h_call(c, "score", p, &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "score") == 1);
    assay_reply_free(&r);
    assert_true(s_event(c, "over_budget") == 0);
    assert_true(s_event(c, "pattern_limited") >= S_ITEMS); /* the worker's 20, the broker's few */
    assay_close(&c);
    assay_close(&admin);
    assert_int_equal(h_cleanup(&e), 0);
}

typedef struct {
    h_engine_t *e;
    char *params;
    int rc;
    char code[32];
} s_call_t;

static void *s_caller(void *arg)
{
    s_call_t *x = arg;
    assay_t *c = h_connect(x->e, false);
    assay_reply_t *r = NULL;
    x->rc = h_call(c, "score_batch", x->params, &r);
    if (x->rc == ASSAY_EREPLY) snprintf(x->code, sizeof x->code, "%s", assay_reply_code(r));
    assay_reply_free(&r);
    assay_close(&c);
    return NULL;
}

static void shutdown_stops_scoring_at_the_end_of_its_drain_time(void **state)
{
    h_engine_t e;
    /* no budget to speak of: only the shutdown can stop this batch (1,500 x 20 matches cut short
     * at 100,000 steps each: tens of seconds of CPU) */
    h_start(&e, "--request-budget", "3600000", "--drain-time", "1", "--max-message", "8M", NULL);
    assay_t *admin = h_connect(&e, true);
    s_put_patterns(admin);
    assay_close(&admin);
    s_call_t x = {.e = &e, .params = s_batch(1500, s_hostile)};
    pthread_t t;
    pthread_create(&t, NULL, s_caller, &x);
    usleep(500000); /* the batch is being scored */
    assert_int_equal(h_stop(&e), 0);
    pthread_join(t, NULL);
    assert_int_equal(x.rc, ASSAY_EREPLY);
    assert_string_equal(x.code, "unavailable");
    free(x.params);
    char *log = h_slurp(e.log);
    assert_null(strstr(log, "unanswered")); /* answered within the drain, not abandoned */
    free(log);
    assert_int_equal(h_cleanup(&e), 0);
}

/* Starts a request [0, msgid, method, params] in sb (emptied), its params to be packed next. */
static void s_request(msgpack_sbuffer *sb, msgpack_packer *pk, uint32_t msgid, const char *method)
{
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(pk, sb, msgpack_sbuffer_write);
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, 0);
    msgpack_pack_uint32(pk, msgid);
    as_pack_cstr(pk, method);
}

/* A ping carrying `pad` bytes it does not want (answered bad_request, cheaply), as msgpack. */
static void s_pack_padded_ping(msgpack_sbuffer *sb, uint32_t msgid, size_t pad)
{
    static char zeros[1 << 20];
    msgpack_packer pk;
    s_request(sb, &pk, msgid, "ping");
    msgpack_pack_map(&pk, 1);
    as_pack_cstr(&pk, "pad");
    msgpack_pack_bin(&pk, pad);
    msgpack_pack_bin_body(&pk, zeros, pad);
}

/* A score_batch request of n responses answering every pattern item with s, as msgpack. */
static void s_pack_batch(msgpack_sbuffer *sb, uint32_t msgid, int n, const char *s)
{
    msgpack_packer pk;
    s_request(sb, &pk, msgid, "score_batch");
    msgpack_pack_map(&pk, 2);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, "rx");
    as_pack_cstr(&pk, "responses");
    msgpack_pack_array(&pk, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        msgpack_pack_map(&pk, S_ITEMS + 1);
        as_pack_cstr(&pk, "plain");
        as_pack_cstr(&pk, "A");
        for (int k = 0; k < S_ITEMS; k++) {
            char id[8];
            snprintf(id, sizeof id, "p%d", k);
            as_pack_cstr(&pk, id);
            as_pack_cstr(&pk, s);
        }
    }
}

static void requests_queued_past_max_queued_bytes_are_answered_overloaded_at_once(void **state)
{
    h_engine_t e;
    const size_t max = 4u << 20;
    h_start(&e, "--workers", "1", "--max-queued", "4M", "--request-budget", "1500", NULL);
    assay_t *admin = h_connect(&e, true);
    s_put_patterns(admin);
    assay_close(&admin);
    void *ctx = zmq_ctx_new();
    void *s = h_raw_socket(&e, ctx, ZMQ_DEALER, false, 20000);
    /* two slow requests hold the one worker (1.5 s of CPU each), then 12 of 700 KB: the broker
     * takes them while what is in flight stays within 4 MiB, and answers the rest at once */
    enum { SLOW = 2, BIG = 12 };
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    size_t in_flight = 0;
    int want_overloaded = 0;
    bool overloaded[SLOW + BIG + 1] = {false};
    for (uint32_t id = 1; id <= SLOW + BIG; id++) {
        if (id <= SLOW)
            s_pack_batch(&sb, id, 150, s_hostile);
        else
            s_pack_padded_ping(&sb, id, 700000);
        if (in_flight && in_flight + sb.size > max) {
            overloaded[id] = true;
            want_overloaded++;
        } else {
            in_flight += sb.size;
        }
        assert_int_equal(zmq_send(s, sb.data, sb.size, 0), (int)sb.size);
    }
    assert_int_equal(want_overloaded, 7); /* the arithmetic above, for the reader */
    int got_overloaded = 0;
    static char buf[1 << 20];
    for (int i = 0; i < SLOW + BIG; i++) {
        int len = h_recv_message(s, buf, sizeof buf, NULL);
        assert_true(len > 0);
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        assert_int_equal(msgpack_unpack_next(&u, buf, (size_t)len, NULL), MSGPACK_UNPACK_SUCCESS);
        const msgpack_object *o = &u.data;
        uint32_t id = (uint32_t)o->via.array.ptr[1].via.u64;
        const msgpack_object *err = &o->via.array.ptr[2];
        if (id <= SLOW) { /* their budget, not the queue, ends them */
            assert_int_equal(err->type, MSGPACK_OBJECT_MAP);
            assert_true(h_str_is(err, "code", "too_large"));
        } else if (overloaded[id]) {
            assert_true(h_str_is(err, "code", "overloaded"));
            const msgpack_object *m = assay_map_get(err, "message");
            static const char want[] = "would pass --max-queued (4194304): retry later";
            assert_non_null(memmem(m->via.str.ptr, m->via.str.size, want, sizeof want - 1));
            got_overloaded++;
        } else { /* taken, and answered: it does not want that pad */
            assert_true(h_str_is(err, "code", "bad_request"));
        }
        msgpack_unpacked_destroy(&u);
    }
    assert_int_equal(got_overloaded, want_overloaded);
    msgpack_sbuffer_destroy(&sb);
    zmq_close(s);
    zmq_ctx_term(ctx);
    assert_int_equal(h_cleanup(&e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pattern_matches_past_the_step_limit_are_no_match_and_counted),
        cmocka_unit_test(a_request_past_its_cpu_budget_is_answered_too_large),
        cmocka_unit_test(an_inline_score_that_grows_costly_is_run_by_a_worker),
        cmocka_unit_test(shutdown_stops_scoring_at_the_end_of_its_drain_time),
        cmocka_unit_test(requests_queued_past_max_queued_bytes_are_answered_overloaded_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
