/* test_engine.c — integration: a real assayd on a temporary data directory, every method and
 * error code through libassay, the socket split, framing, restarts and the lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"
#include "tjson.h"
#include "codec.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

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

#define ONE_ITEM(id)                                                                               \
    "{'id':'" id "','title':'T','items':[{'id':'q','cardinality':'single',"                        \
    "'base_type':'identifier','rule':'match_correct','correct':['A']}]}"

static void ping_reports_version_protocol_and_workers(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "ping", NULL, &r), ASSAY_OK);
    assert_true(h_str_is(assay_reply_result(r), "version", "0.1.0"));
    assert_true(h_num(assay_reply_result(r), "protocol") == 1);
    assert_true(h_num(assay_reply_result(r), "workers") >= 1);
    assert_true(h_num(assay_reply_result(r), "uptime_s") >= 0);
    assay_reply_free(&r);
    assay_close(&c);
}

static void put_returns_the_version_and_a_second_put_increments_it(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    char path[512];
    snprintf(path, sizeof path, "%s/quiz.json", getenv("ASSAY_EXAMPLES"));
    char *quiz = h_slurp(path);
    assay_reply_t *r;
    for (int v = 1; v <= 2; v++) {
        assert_int_equal(h_call(a, "assessment.put", quiz, &r), ASSAY_OK);
        const msgpack_object *o = assay_reply_result(r);
        assert_true(h_str_is(o, "id", "quiz-demo"));
        assert_true(h_num(o, "version") == v);
        assert_true(h_num(o, "items") == 11);
        assert_true(h_num(o, "max_score") == 19);
        assay_reply_free(&r);
    }
    free(quiz);
    assay_close(&a);
}

static void writes_are_forbidden_on_the_engine_socket(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    assert_string_equal(
        h_error(c, "assessment.put", ONE_ITEM("x"), s_buf, sizeof s_buf),
        "forbidden: method assessment.put is allowed only on the admin socket (admin.sock)");
    assert_string_equal(
        h_error(c, "assessment.delete", "{'id':'x'}", s_buf, sizeof s_buf),
        "forbidden: method assessment.delete is allowed only on the admin socket (admin.sock)");
    assay_close(&c);
}

static void get_returns_the_definition_as_put_with_version_and_max_score(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "assessment.put", ONE_ITEM("g1"), &r), ASSAY_OK);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "assessment.get", "{'id':'g1'}", &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_int_equal(o->via.map.size, 5);
    assert_true(h_str_is(o, "title", "T"));
    assert_true(h_num(o, "version") == 1);
    assert_true(h_num(o, "max_score") == 1);
    const msgpack_object *items = assay_map_get(o, "items");
    assert_int_equal(items->via.array.size, 1);
    assert_true(h_str_is(&items->via.array.ptr[0], "rule", "match_correct"));
    assay_reply_free(&r);
    assert_string_equal(h_error(a, "assessment.get", "{'id':'nope'}", s_buf, sizeof s_buf),
                        "not_found: assessment \"nope\" not found");
    assay_close(&a);
}

static void list_pages_with_a_cursor_and_counts_the_total(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assay_t *a = h_connect(&e, true);
    assay_reply_t *r;
    const char *ids[] = {ONE_ITEM("l3"), ONE_ITEM("l1"), ONE_ITEM("l2")};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(h_call(a, "assessment.put", ids[i], &r), ASSAY_OK);
        assay_reply_free(&r);
    }
    assert_int_equal(h_call(a, "assessment.list", "{'limit':2}", &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    const msgpack_object *list = assay_map_get(o, "assessments");
    assert_int_equal(list->via.array.size, 2);
    assert_true(h_str_is(&list->via.array.ptr[0], "id", "l1"));
    assert_true(h_str_is(&list->via.array.ptr[1], "id", "l2"));
    assert_true(h_num(&list->via.array.ptr[0], "items") == 1);
    assert_true(h_str_is(o, "next_cursor", "l2"));
    assert_true(h_num(o, "total") == 3);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "assessment.list", "{'limit':2,'cursor':'l2'}", &r), ASSAY_OK);
    o = assay_reply_result(r);
    assert_int_equal(assay_map_get(o, "assessments")->via.array.size, 1);
    assert_int_equal(assay_map_get(o, "next_cursor")->type, MSGPACK_OBJECT_NIL);
    assay_reply_free(&r);
    assert_string_equal(h_error(a, "assessment.list", "{'limit':201}", s_buf, sizeof s_buf),
                        "bad_request: limit: expected an integer in 1..200, got 201");
    assay_close(&a);
    assert_int_equal(h_cleanup(&e), 0);
}

static void delete_removes_the_assessment(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "assessment.put", ONE_ITEM("d1"), &r), ASSAY_OK);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "assessment.delete", "{'id':'d1'}", &r), ASSAY_OK);
    assert_int_equal(assay_reply_result(r)->via.map.size, 0);
    assay_reply_free(&r);
    assert_string_equal(
        h_error(a, "score", "{'assessment':'d1','answers':{}}", s_buf, sizeof s_buf),
        "not_found: assessment \"d1\" not found");
    assert_string_equal(h_error(a, "assessment.delete", "{'id':'d1'}", s_buf, sizeof s_buf),
                        "not_found: assessment \"d1\" not found");
    assay_close(&a);
}

static void score_reports_totals_pass_and_item_detail(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    h_put_example(a);
    char *params = h_example_score(true);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "score", params, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_num(o, "score") == 11);
    assert_true(h_num(o, "max_score") == 19);
    assert_true(h_num(o, "ratio") == 11.0 / 19.0);
    assert_false(assay_map_get(o, "passed")->via.boolean);
    const msgpack_object *items = assay_map_get(o, "items");
    assert_int_equal(items->via.array.size, 11);
    assert_true(h_str_is(&items->via.array.ptr[6], "id", "bonded-atoms"));
    assert_true(h_num(&items->via.array.ptr[6], "score") == 0.5);
    assert_true(h_num(&items->via.array.ptr[2], "max_score") == 2);
    assay_reply_free(&r);
    free(params);
    assay_close(&a);
}

static void score_errors_name_the_item_and_the_field(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    assay_t *a = h_connect(&s_e, true);
    h_put_example(a);
    assert_string_equal(
        h_error(c, "score", "{'assessment':'quiz-demo','answers':{'capitol':'paris'}}", s_buf,
                sizeof s_buf),
        "bad_request: answers.capitol: no item with this id in assessment \"quiz-demo\"");
    assert_string_equal(h_error(c, "score",
                                "{'assessment':'quiz-demo','answers':{'primes':[2,'three']}}",
                                s_buf, sizeof s_buf),
                        "bad_request: answers.primes[1]: expected an integer, got a string");
    assert_string_equal(h_error(c, "score", "{'answers':{}}", s_buf, sizeof s_buf),
                        "bad_request: params: missing field \"assessment\"");
    assert_string_equal(
        h_error(c, "score", "{'assessment':'quiz-demo','answers':{},'extra':1}", s_buf,
                sizeof s_buf),
        "bad_request: extra: unknown field (expected: assessment, answers, detail)");
    assert_string_equal(
        h_error(c, "score", "{'assessment':'bad id!','answers':{}}", s_buf, sizeof s_buf),
        "bad_request: assessment: expected an id: 1 to 64 characters of A-Z a-z 0-9 . _ : -");
    assert_string_equal(h_error(c, "score.all", "{}", s_buf, sizeof s_buf),
                        "bad_request: body[2]: unknown method \"score.all\"");
    assay_close(&c);
    assay_close(&a);
}

static void score_batch_scores_every_response_with_stats(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    h_put_example(a);
    assay_reply_t *r;
    assert_int_equal(
        h_call(a, "score_batch",
               "{'assessment':'quiz-demo','responses':[{'capital':'paris'},{},"
               "{'capital':'paris','planets-order':['mercury','venus','earth','mars']}]}",
               &r),
        ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    const msgpack_object *scores = assay_map_get(o, "scores");
    assert_int_equal(scores->via.array.size, 3);
    assert_true(scores->via.array.ptr[0].via.f64 == 1);
    assert_true(scores->via.array.ptr[1].via.f64 == 0);
    assert_true(scores->via.array.ptr[2].via.f64 == 3);
    const msgpack_object *st = assay_map_get(o, "stats");
    assert_true(h_num(st, "n") == 3 && h_num(st, "mean") == 4.0 / 3 && h_num(st, "min") == 0 &&
                h_num(st, "max") == 3);
    assay_reply_free(&r);
    assert_string_equal(
        h_error(a, "score_batch", "{'assessment':'quiz-demo','responses':[{},{'x':1}]}", s_buf,
                sizeof s_buf),
        "bad_request: responses[1].x: no item with this id in assessment \"quiz-demo\"");
    /* one response over the limit of 100,000 */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, "quiz-demo");
    as_pack_cstr(&pk, "responses");
    msgpack_pack_array(&pk, 100001);
    for (int i = 0; i < 100001; i++)
        msgpack_pack_map(&pk, 0);
    assert_int_equal(assay_call(a, "score_batch", sb.data, sb.size, -1, &r), ASSAY_EREPLY);
    assert_string_equal(assay_reply_message(r),
                        "responses: 100001 responses, more than the limit of 100000");
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
}

static void pipelined_requests_each_get_their_own_response(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    h_put_example(a);
    /* 500 requests in flight on one connection: the broker hands them to the workers; each
     * response carries its request's msgid and the score of that request's answers. */
    enum { N = 500 };
    static double want[N + 1];
    static bool seen[N + 1];
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    uint32_t first = 0;
    for (int i = 0; i < N; i++) {
        /* i % 3 == 0: capital right (1); == 1: capital and gravity right (2); == 2: nothing (0) */
        const char *answers[] = {
            "{'assessment':'quiz-demo','answers':{'capital':'paris'}}",
            "{'assessment':'quiz-demo','answers':{'capital':'paris','gravity':9.8}}",
            "{'assessment':'quiz-demo','answers':{'capital':'rome'}}"};
        tjson_pack(&sb, answers[i % 3]);
        uint32_t id;
        assert_int_equal(assay_send(a, "score", sb.data, sb.size, &id), ASSAY_OK);
        if (i == 0) first = id;
        assert_int_equal(id, first + (uint32_t)i);
        want[i] = (double[]){1, 2, 0}[i % 3];
    }
    for (int i = 0; i < N; i++) {
        assay_reply_t *r;
        assert_int_equal(assay_recv(a, 10000, &r), ASSAY_OK);
        uint32_t k = assay_reply_msgid(r) - first;
        assert_true(k < N);
        assert_false(seen[k]);
        seen[k] = true;
        assert_true(h_num(assay_reply_result(r), "score") == want[k]);
        assay_reply_free(&r);
    }
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
}

static void stats_counts_requests_per_method(void **state)
{
    assay_t *c = h_connect(&s_e, false);
    assay_reply_t *r;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(h_call(c, "ping", NULL, &r), ASSAY_OK);
        assay_reply_free(&r);
    }
    assert_int_equal(h_call(c, "stats", NULL, &r), ASSAY_OK);
    const msgpack_object *m = assay_map_get(assay_reply_result(r), "methods");
    const msgpack_object *ping = assay_map_get(m, "ping");
    assert_non_null(ping);
    assert_true(h_num(ping, "count") >= 3); /* the harness pings too */
    assert_true(h_num(ping, "errors") == 0);
    assert_true(h_num(ping, "p50_us") > 0);
    assert_non_null(assay_map_get(assay_map_get(assay_reply_result(r), "map"), "used"));
    assay_reply_free(&r);
    assay_close(&c);
}

/* Sends raw frames on a socket of `type` to the engine socket; returns the last frame of the
 * reply into buf (and its length), or -1 on timeout. */
static int s_raw(int type, const char *const *frames, const size_t *lens, int n, char *buf,
                 size_t cap, int *parts)
{
    void *ctx = zmq_ctx_new();
    void *s = h_raw_socket(&s_e, ctx, type, false, 5000);
    for (int i = 0; i < n; i++)
        zmq_send(s, frames[i], lens[i], i + 1 < n ? ZMQ_SNDMORE : 0);
    int len = h_recv_message(s, buf, cap, parts);
    zmq_close(s);
    zmq_ctx_term(ctx);
    return len;
}

static void req_clients_get_their_delimiter_echoed(void **state)
{
    static const char ping[] = {(char)0x94, 0x00, 0x2a, (char)0xa4, 'p', 'i', 'n', 'g', (char)0x80};
    const char *f[] = {ping};
    size_t l[] = {sizeof ping};
    char buf[512];
    int parts;
    int n = s_raw(ZMQ_REQ, f, l, 1, buf, sizeof buf, &parts);
    assert_true(n > 4);
    assert_int_equal(parts, 1); /* REQ strips the delimiter it gets back */
    assert_int_equal((unsigned char)buf[0], 0x94);
    assert_int_equal(buf[1], 1);
    assert_int_equal(buf[2], 0x2a);
    assert_int_equal((unsigned char)buf[3], 0xc0); /* error nil */
}

static void multi_frame_garbage_is_answered_bad_request(void **state)
{
    const char *f[] = {"abc", "def", "ghi"};
    size_t l[] = {3, 3, 3};
    char buf[512];
    int parts;
    int n = s_raw(ZMQ_DEALER, f, l, 3, buf, sizeof buf, &parts);
    assert_true(n > 0);
    assert_int_equal(parts, 1);
    msgpack_zone z;
    msgpack_object o;
    msgpack_zone_init(&z, 1024);
    size_t off = 0;
    assert_int_equal(msgpack_unpack(buf, (size_t)n, &off, &z, &o), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *err = &o.via.array.ptr[2];
    assert_true(h_str_is(err, "code", "bad_request"));
    assert_true(h_str_is(err, "message", "expected one body frame after the envelope, got 3"));
    msgpack_zone_destroy(&z);
}

static void requests_over_max_message_are_answered_too_large_with_their_msgid(void **state)
{
    h_engine_t e;
    h_start(&e, "--max-message", "4096", NULL);
    assay_t *c = h_connect(&e, false);
    char *big = malloc(6000);
    memset(big, 'x', 6000);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    as_pack_cstr(&pk, "pad");
    as_pack_str(&pk, big, 6000);
    assay_reply_t *r;
    assert_int_equal(assay_call(c, "ping", sb.data, sb.size, -1, &r), ASSAY_EREPLY);
    assert_string_equal(assay_reply_code(r), "too_large");
    /* [0, msgid, "ping", {"pad": <6000 bytes>}]: 1 + 1 + 1 + 5 + (1 + 4 + 3 + 6000) bytes */
    assert_string_equal(assay_reply_message(r),
                        "request of 6016 bytes is over the limit of 4096 bytes (--max-message)");
    assay_reply_free(&r);
    assert_int_equal(h_call(c, "ping", NULL, &r), ASSAY_OK); /* still serving */
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    free(big);
    assay_close(&c);
    assert_int_equal(h_cleanup(&e), 0);
}

static void a_put_is_announced_on_the_events_socket_after_its_reply(void **state)
{
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_SUB);
    char ep[200];
    int timeout = 5000;
    snprintf(ep, sizeof ep, "ipc://%s/events.sock", s_e.dir);
    zmq_setsockopt(sub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "assessment.ev1", 14);
    zmq_connect(sub, ep);
    usleep(200000); /* PUB/SUB slow joiner: let the subscription reach the engine */
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "assessment.put", ONE_ITEM("ev1"), &r), ASSAY_OK);
    assay_reply_free(&r);
    char topic[64], body[512];
    int tn = zmq_recv(sub, topic, sizeof topic, 0);
    assert_int_equal(tn, 14);
    assert_memory_equal(topic, "assessment.ev1", 14);
    int bn = zmq_recv(sub, body, sizeof body, 0);
    assert_true(bn > 0);
    msgpack_zone z;
    msgpack_object o;
    msgpack_zone_init(&z, 1024);
    size_t off = 0;
    assert_int_equal(msgpack_unpack(body, (size_t)bn, &off, &z, &o), MSGPACK_UNPACK_SUCCESS);
    assert_true(h_str_is(&o, "event", "put"));
    assert_true(h_str_is(&o, "id", "ev1"));
    assert_true(h_num(&o, "version") == 1);
    assert_true(h_num(&o, "seq") >= 1);
    msgpack_zone_destroy(&z);
    assay_close(&a);
    zmq_close(sub);
    zmq_ctx_term(ctx);
}

static void data_survives_a_restart_and_a_kill(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assay_t *a = h_connect(&e, true);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "assessment.put", ONE_ITEM("keep"), &r), ASSAY_OK);
    assay_reply_free(&r);
    assay_close(&a);
    assert_int_equal(h_stop(&e), 0);
    struct stat st;
    char path[256];
    snprintf(path, sizeof path, "%s/engine.sock", e.dir);
    assert_int_not_equal(stat(path, &st), 0); /* a clean stop removes its sockets */
    h_restart(&e);
    a = h_connect(&e, true);
    assert_int_equal(h_call(a, "assessment.put", ONE_ITEM("keep"), &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "version") == 2);
    assay_reply_free(&r);
    assay_close(&a);
    h_kill(&e); /* leaves stale sockets and a stale lock file behind */
    assert_int_equal(stat(path, &st), 0);
    h_restart(&e);
    a = h_connect(&e, false);
    assert_int_equal(h_call(a, "assessment.get", "{'id':'keep'}", &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "version") == 2);
    assay_reply_free(&r);
    assay_close(&a);
    assert_int_equal(h_cleanup(&e), 0);
}

static void a_second_engine_on_the_same_directory_refuses_to_start(void **state)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s' -d '%s' 2>&1", getenv("ASSAYD"), s_e.dir);
    FILE *p = popen(cmd, "r");
    char out[512] = "";
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    int status = pclose(p);
    assert_int_equal(WEXITSTATUS(status), 1);
    char want[300];
    snprintf(want, sizeof want, "assayd: another assayd (pid %d) is serving %s; stop it first\n",
             (int)s_e.pid, s_e.dir);
    assert_string_equal(out, want);
    /* and the first one still serves */
    assay_t *c = h_connect(&s_e, false);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "ping", NULL, &r), ASSAY_OK);
    assay_reply_free(&r);
    assay_close(&c);
}

static void sockets_and_directory_have_their_modes(void **state)
{
    struct stat st;
    char path[256];
    assert_int_equal(stat(s_e.dir, &st), 0);
    snprintf(path, sizeof path, "%s/engine.sock", s_e.dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);
    snprintf(path, sizeof path, "%s/admin.sock", s_e.dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    h_engine_t e;
    h_start(&e, NULL); /* mkdtemp made e.dir 0700; a directory assayd creates is 0700 too */
    char sub[256];
    snprintf(sub, sizeof sub, "%s/new/data", e.dir);
    h_stop(&e);
    snprintf(e.dir + strlen(e.dir), sizeof e.dir - strlen(e.dir), "/new");
    h_restart(&e);
    assert_int_equal(stat(e.dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    h_stop(&e);
    e.dir[strlen(e.dir) - 4] = '\0';
    assert_int_equal(h_cleanup(&e), 0);
}

static void sigterm_exits_0(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assert_int_equal(h_stop(&e), 0);
    assert_int_equal(h_cleanup(&e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ping_reports_version_protocol_and_workers),
        cmocka_unit_test(put_returns_the_version_and_a_second_put_increments_it),
        cmocka_unit_test(writes_are_forbidden_on_the_engine_socket),
        cmocka_unit_test(get_returns_the_definition_as_put_with_version_and_max_score),
        cmocka_unit_test(list_pages_with_a_cursor_and_counts_the_total),
        cmocka_unit_test(delete_removes_the_assessment),
        cmocka_unit_test(score_reports_totals_pass_and_item_detail),
        cmocka_unit_test(score_errors_name_the_item_and_the_field),
        cmocka_unit_test(score_batch_scores_every_response_with_stats),
        cmocka_unit_test(pipelined_requests_each_get_their_own_response),
        cmocka_unit_test(stats_counts_requests_per_method),
        cmocka_unit_test(req_clients_get_their_delimiter_echoed),
        cmocka_unit_test(multi_frame_garbage_is_answered_bad_request),
        cmocka_unit_test(requests_over_max_message_are_answered_too_large_with_their_msgid),
        cmocka_unit_test(a_put_is_announced_on_the_events_socket_after_its_reply),
        cmocka_unit_test(data_survives_a_restart_and_a_kill),
        cmocka_unit_test(a_second_engine_on_the_same_directory_refuses_to_start),
        cmocka_unit_test(sockets_and_directory_have_their_modes),
        cmocka_unit_test(sigterm_exits_0),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
