/* test_badinput.c — hostile input: over 10,000 random and mutated frames (truncated msgpack,
 * huge length headers, wrong types, deep nesting, multi-frame garbage) against a running engine.
 * Every message gets exactly one well-formed response, the engine still answers ping correctly
 * afterwards, and its memory stays bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"
#include "tjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_ROUNDS 12000
#define S_WINDOW 200

static uint64_t s_rng = 0x9e3779b97f4a7c15ull;

static uint32_t s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t)s_rng;
}

/* Valid requests to mutate. */
static const char *const s_seeds[] = {
    "[0, 1, 'ping', {}]",
    "[0, 2, 'score', "
    "{'assessment':'quiz-demo','answers':{'capital':'paris','primes':[2,3,5,7]},'detail':true}]",
    "[0, 3, 'score_batch', "
    "{'assessment':'quiz-demo','responses':[{'gravity':9.8},{'find-europe':[450,100]}]}]",
    "[0, 4, 'assessment.get', {'id':'quiz-demo'}]",
    "[0, 5, 'assessment.list', {'limit':3,'cursor':'a'}]",
    "[0, 6, 'score', {'assessment':'quiz-demo','answers':{'mark-oceans':[[350,200],'120 "
    "250'],'bonded-atoms':['O H']}}]",
    "[0, 7, 'stats', {}]",
};

/* Fills buf with one hostile body; returns its length. */
static size_t s_make(msgpack_sbuffer *sb, uint8_t *buf, size_t cap)
{
    uint32_t kind = s_rand() % 10;
    size_t n;
    if (kind < 5) { /* a mutated valid request */
        tjson_pack(sb, s_seeds[s_rand() % (sizeof s_seeds / sizeof s_seeds[0])]);
        n = sb->size < cap ? sb->size : cap;
        memcpy(buf, sb->data, n);
        int flips = 1 + (int)(s_rand() % 4);
        for (int i = 0; i < flips; i++) {
            size_t at = s_rand() % n;
            switch (s_rand() % 4) {
            case 0:
                buf[at] ^= (uint8_t)(1u << (s_rand() % 8));
                break;
            case 1:
                buf[at] = (uint8_t)s_rand();
                break;
            case 2:
                n = at + 1;
                break; /* truncate */
            default:
                buf[at] = (uint8_t[]){0xdc, 0xdd, 0xde, 0xdf, 0xdb, 0xc6, 0xc1, 0xcf}[s_rand() % 8];
            }
        }
        return n;
    }
    if (kind < 7) { /* random bytes */
        n = 1 + s_rand() % 64;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)s_rand();
        return n;
    }
    if (kind == 7) { /* huge length headers */
        static const uint8_t heads[][12] = {
            {0x94, 0x00, 0x01, 0xa4, 'p', 'i', 'n', 'g', 0xdf, 0xff, 0xff, 0xff},
            {0xdd, 0xff, 0xff, 0xff, 0xff},
            {0x94, 0x00, 0x01, 0xdb, 0x7f, 0xff, 0xff, 0xff},
            {0x94, 0x00, 0x01, 0xa5, 's', 'c', 'o', 'r', 'e', 0xde, 0xff, 0xff},
        };
        size_t which = s_rand() % 4;
        memcpy(buf, heads[which], 12);
        return 12;
    }
    if (kind == 8) { /* deep nesting inside params */
        static const uint8_t head[] = {0x94, 0x00, 0x09, 0xa4, 'p', 'i', 'n', 'g', 0x81, 0xa1, 'x'};
        memcpy(buf, head, sizeof head);
        n = sizeof head;
        size_t depth = 10 + s_rand() % 500;
        for (size_t i = 0; i < depth && n < cap - 1; i++)
            buf[n++] = 0x91;
        buf[n++] = 0xc0;
        return n;
    }
    /* wrong types in every position */
    static const char *const wrong[] = {
        "[1, 1, 'ping', {}]",
        "[0, -1, 'ping', {}]",
        "[0, 1, 7, {}]",
        "[0, 1, 'ping', []]",
        "[0, 1, 'score', {'assessment':7,'answers':{}}]",
        "[0, 1, 'score', {'assessment':'quiz-demo','answers':[]}]",
        "[0, 1, 'score', {'assessment':'quiz-demo','answers':{'primes':{'a':1}}}]",
        "[0, 1, 'score_batch', {'assessment':'quiz-demo','responses':{}}]",
        "[0, 1, 'assessment.list', {'limit':'ten'}]",
        "[0, 1, 'ping', {}, 'extra']",
        "[0, 1, 'assessment.put', "
        "{'id':'x','items':[{'id':'q','cardinality':'single','base_type':'point','rule':'map_"
        "response_point','area_mapping':{'entries':[{'shape':'poly','coords':[1,2,3],'value':1}]}}]"
        "}]",
    };
    tjson_pack(sb, wrong[s_rand() % (sizeof wrong / sizeof wrong[0])]);
    memcpy(buf, sb->data, sb->size);
    return sb->size;
}

static void every_hostile_frame_gets_one_well_formed_response(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    assay_t *admin = h_connect(&e, true);
    h_put_example(admin);
    assay_reply_t *r;
    void *ctx = zmq_ctx_new();
    void *s = h_raw_socket(&e, ctx, ZMQ_DEALER, true, 10000);

    long rss_start = h_rss_kb(&e);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    static uint8_t buf[8192], reply[65536];
    int sent = 0, answered = 0, errors = 0;
    while (sent < S_ROUNDS) {
        int window = 0;
        for (; window < S_WINDOW && sent < S_ROUNDS; window++, sent++) {
            size_t n = s_make(&sb, buf, sizeof buf);
            if (s_rand() % 20 == 0) { /* multi-frame garbage: 2 to 5 frames */
                int frames = 2 + (int)(s_rand() % 4);
                for (int f = 0; f < frames; f++)
                    zmq_send(s, buf, f == 0 ? 0 : n, f + 1 < frames ? ZMQ_SNDMORE : 0);
            } else {
                zmq_send(s, buf, n, 0);
            }
        }
        for (int i = 0; i < window; i++) {
            int len = h_recv_message(s, reply, sizeof reply, NULL);
            assert_true(len > 0);
            /* a well-formed response [1, msgid, error, result] */
            assert_int_equal(as_mp_check(reply, (size_t)len, 64), AS_MP_OK);
            as_mp_t rd;
            uint32_t n, kind, msgid;
            as_mp_init(&rd, reply, (size_t)len);
            assert_int_equal(as_mp_array(&rd, &n), AS_MP_OK);
            assert_int_equal(n, 4);
            assert_int_equal(as_mp_u32(&rd, &kind), AS_MP_OK);
            assert_int_equal(kind, 1);
            assert_int_equal(as_mp_u32(&rd, &msgid), AS_MP_OK);
            if (as_mp_peek(&rd) == AS_MP_MAP) errors++;
            answered++;
        }
    }
    assert_int_equal(answered, S_ROUNDS);
    assert_true(errors > S_ROUNDS / 2);
    long rss_end = h_rss_kb(&e);
    printf("hostile frames: %d sent, %d answered, %d errors; engine RSS %ld -> %ld KiB\n", sent,
           answered, errors, rss_start, rss_end);
    assert_true(rss_end - rss_start < 64 * 1024);

    /* and the engine still answers ping correctly */
    assert_int_equal(h_call(admin, "ping", NULL, &r), ASSAY_OK);
    assert_true(h_str_is(assay_reply_result(r), "version", "0.1.0"));
    assay_reply_free(&r);
    assert_int_equal(
        h_call(admin, "score", "{'assessment':'quiz-demo','answers':{'capital':'paris'}}", &r),
        ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "score") == 1);
    assay_reply_free(&r);

    msgpack_sbuffer_destroy(&sb);
    zmq_close(s);
    zmq_ctx_term(ctx);
    assay_close(&admin);
    assert_int_equal(h_stop(&e), 0);
    assert_int_equal(h_cleanup(&e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_hostile_frame_gets_one_well_formed_response),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
