/* test_nodes.c — libassay's several engines without an engine: rendezvous hashing gives the
 * documented weights (proto/PROTOCOL.md's vectors, which the Python client's tests check too),
 * spreads learners evenly, and moves only a removed node's learners; a submission without a key
 * gets one, and nothing else does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "nodes.h"

#include <stdio.h>
#include <string.h>

static const char *const s_eps[] = {"tcp://10.0.0.1:5555", "tcp://10.0.0.2:5555",
                                    "tcp://10.0.0.3:5555"};

static void the_weight_of_a_key_at_a_node_is_the_documented_function(void **state)
{
    (void)state;
    assert_true(assay_node_weight(s_eps[0], "ada", 3) == 0xdda0b4134c13e80cULL);
    assert_true(assay_node_weight(s_eps[1], "ada", 3) == 0x125b03a2ed11e4a5ULL);
    assert_true(assay_node_weight(s_eps[2], "ada", 3) == 0x30dcbe742f077566ULL);
    assert_true(assay_node_weight(s_eps[0], "", 0) == 0xcb644de141322fc0ULL);
    static const struct {
        const char *key;
        int order[3];
    } v[] = {{"ada", {0, 2, 1}}, {"bo", {1, 0, 2}}, {"", {2, 0, 1}}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int order[3];
        assay_node_order(s_eps, 3, v[i].key, strlen(v[i].key), order);
        assert_memory_equal(order, v[i].order, sizeof order);
    }
}

static void learners_spread_evenly_over_three_nodes(void **state)
{
    (void)state;
    int count[3] = {0};
    for (int i = 0; i < 3000; i++) {
        char l[32];
        int n = snprintf(l, sizeof l, "learner-%d", i), order[3];
        assay_node_order(s_eps, 3, l, (size_t)n, order);
        count[order[0]]++;
    }
    for (int k = 0; k < 3; k++)
        if (count[k] < 900 || count[k] > 1100)
            fail_msg("node %d has %d of 3000 learners (%d, %d, %d)", k, count[k], count[0],
                     count[1], count[2]);
}

static void removing_a_node_moves_only_its_learners(void **state)
{
    (void)state;
    int moved = 0, on_removed = 0;
    for (int i = 0; i < 3000; i++) {
        char l[32];
        int n = snprintf(l, sizeof l, "learner-%d", i), three[3], two[2];
        assay_node_order(s_eps, 3, l, (size_t)n, three);
        assay_node_order(s_eps, 2, l, (size_t)n, two); /* node 2 gone */
        on_removed += three[0] == 2;
        moved += two[0] != three[0];
        /* the rest of the order is kept: the removed node's learners go to their second */
        assert_int_equal(two[0], three[0] == 2 ? three[1] : three[0]);
    }
    assert_int_equal(moved, on_removed);
    assert_true(on_removed > 0);
}

/* The params as_nodes_with_key makes of JSON-ish text, decoded: its "key" (NULL: none added). */
static int s_keyed(const char *method, const void *params, size_t len, char *key, size_t cap,
                   uint32_t *pairs)
{
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    int rc = as_nodes_with_key(method, params, len, &out);
    key[0] = 0;
    if (rc == 1) {
        as_mp_t r, at;
        as_mp_init(&r, out.data, out.size);
        assert_int_equal(as_mp_check(out.data, out.size, 8), AS_MP_OK);
        as_mp_t m = r;
        assert_int_equal(as_mp_map(&m, pairs), AS_MP_OK);
        assert_true(as_mp_field(r, "key", 3, 8, &at));
        const char *s;
        uint32_t n;
        assert_int_equal(as_mp_str(&at, &s, &n), AS_MP_OK);
        snprintf(key, cap, "%.*s", (int)n, s);
    }
    msgpack_sbuffer_destroy(&out);
    return rc;
}

static void a_submission_without_a_key_gets_one_and_nothing_else_does(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    msgpack_pack_str_with_body(&pk, "assessment", 10);
    msgpack_pack_str_with_body(&pk, "a1", 2);
    msgpack_pack_str_with_body(&pk, "learner", 7);
    msgpack_pack_str_with_body(&pk, "ada", 3);
    char k1[64], k2[64];
    uint32_t pairs = 0;
    assert_int_equal(s_keyed("response.submit", sb.data, sb.size, k1, sizeof k1, &pairs), 1);
    assert_int_equal(pairs, 3);
    assert_int_equal(strlen(k1), 37);
    assert_memory_equal(k1, "auto-", 5);
    assert_int_equal(s_keyed("response.submit", sb.data, sb.size, k2, sizeof k2, &pairs), 1);
    assert_string_not_equal(k1, k2); /* (128 random bits each) */
    /* the routing key of the params with the key added is still the learner */
    const char *route;
    size_t route_len;
    as_nodes_route_key(sb.data, sb.size, &route, &route_len);
    assert_int_equal(route_len, 3);
    assert_memory_equal(route, "ada", 3);
    /* other methods, and a submission that has a key, are left alone */
    assert_int_equal(s_keyed("score", sb.data, sb.size, k1, sizeof k1, &pairs), 0);
    msgpack_pack_map(&pk, 1); /* (a second map: a submission with a key) */
    size_t at = sb.size - 1;
    msgpack_pack_str_with_body(&pk, "key", 3);
    msgpack_pack_str_with_body(&pk, "mine", 4);
    assert_int_equal(s_keyed("response.submit", sb.data + at, sb.size - at, k1, sizeof k1, &pairs),
                     0);
    /* empty params: a map of the key alone */
    assert_int_equal(s_keyed("response.submit", NULL, 0, k1, sizeof k1, &pairs), 1);
    assert_int_equal(pairs, 1);
    msgpack_sbuffer_destroy(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_weight_of_a_key_at_a_node_is_the_documented_function),
        cmocka_unit_test(learners_spread_evenly_over_three_nodes),
        cmocka_unit_test(removing_a_node_moves_only_its_learners),
        cmocka_unit_test(a_submission_without_a_key_gets_one_and_nothing_else_does),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
