/* test_codec.c — the bounds-checked msgpack reader and request decoding on untrusted bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "protocol.h"

static void reads_every_integer_width(void **state)
{
    static const uint8_t buf[] = {0x05, 0xe0, 0xcc, 0xff, 0xcd, 0x01, 0x00, 0xd2, 0xff, 0xff, 0xff,
                                  0xfe, 0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    as_mp_t r;
    int64_t v;
    as_mp_init(&r, buf, sizeof buf);
    assert_int_equal(as_mp_int(&r, &v), AS_MP_OK);
    assert_int_equal(v, 5);
    assert_int_equal(as_mp_int(&r, &v), AS_MP_OK);
    assert_int_equal(v, -32);
    assert_int_equal(as_mp_int(&r, &v), AS_MP_OK);
    assert_int_equal(v, 255);
    assert_int_equal(as_mp_int(&r, &v), AS_MP_OK);
    assert_int_equal(v, 256);
    assert_int_equal(as_mp_int(&r, &v), AS_MP_OK);
    assert_int_equal(v, -2);
    assert_int_equal(as_mp_int(&r, &v), AS_MP_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(as_mp_left(&r), 0);
}

static void uint64_above_int64_max_is_a_type_error(void **state)
{
    static const uint8_t buf[] = {0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0};
    as_mp_t r;
    int64_t v;
    as_mp_init(&r, buf, sizeof buf);
    assert_int_equal(as_mp_int(&r, &v), AS_MP_ETYPE);
    assert_ptr_equal(r.p, buf); /* the cursor does not move on error */
}

static void strings_are_views_into_the_buffer(void **state)
{
    static const uint8_t buf[] = {0xa3, 'a', 'b', 'c', 0xd9, 0x02, 'x', 'y'};
    as_mp_t r;
    const char *s;
    uint32_t n;
    as_mp_init(&r, buf, sizeof buf);
    assert_int_equal(as_mp_str(&r, &s, &n), AS_MP_OK);
    assert_int_equal(n, 3);
    assert_ptr_equal(s, buf + 1);
    assert_int_equal(as_mp_str(&r, &s, &n), AS_MP_OK);
    assert_memory_equal(s, "xy", 2);
}

static void truncated_string_is_rejected(void **state)
{
    static const uint8_t buf[] = {0xda, 0x00, 0x10, 'a', 'b'};
    as_mp_t r;
    const char *s;
    uint32_t n;
    as_mp_init(&r, buf, sizeof buf);
    assert_int_equal(as_mp_str(&r, &s, &n), AS_MP_ETRUNC);
}

static void container_count_larger_than_the_bytes_left_is_rejected_before_reading(void **state)
{
    static const uint8_t arr[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t map[] = {0xdf, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02, 0x03};
    as_mp_t r;
    uint32_t n;
    as_mp_init(&r, arr, sizeof arr);
    assert_int_equal(as_mp_array(&r, &n), AS_MP_ETRUNC);
    as_mp_init(&r, map, sizeof map);
    assert_int_equal(as_mp_map(&r, &n), AS_MP_ETRUNC); /* 2 pairs need 4 bytes, 3 are left */
}

static void nesting_beyond_the_limit_is_rejected(void **state)
{
    uint8_t buf[40];
    memset(buf, 0x91, sizeof buf - 1); /* [[[[...]]]] */
    buf[sizeof buf - 1] = 0xc0;
    assert_int_equal(as_mp_check(buf, sizeof buf, 16), AS_MP_EDEPTH);
    assert_int_equal(as_mp_check(buf + 24, 16, 16), AS_MP_OK);
}

static void check_rejects_trailing_bytes_and_the_reserved_byte(void **state)
{
    static const uint8_t two[] = {0x01, 0x02};
    static const uint8_t reserved[] = {0xc1};
    assert_int_equal(as_mp_check(two, 2, 4), AS_MP_ETRUNC);
    assert_int_equal(as_mp_check(reserved, 1, 4), AS_MP_ETRUNC);
}

static void request_decodes_msgid_method_and_params(void **state)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    as_request_encode(&pk, 77, "score", NULL, 0);
    as_request_t req;
    as_err_t err;
    assert_int_equal(as_request_decode(sb.data, sb.size, &req, &err), AS_OK);
    assert_int_equal(req.msgid, 77);
    assert_true(as_str_eq(req.method, req.method_len, "score"));
    assert_int_equal(as_mp_peek(&req.params), AS_MP_MAP);
    msgpack_sbuffer_destroy(&sb);
}

static void request_errors_say_what_was_wrong(void **state)
{
    static const uint8_t not_array[] = {0x81, 0xa1, 'a', 0x01};
    static const uint8_t three[] = {0x93, 0x00, 0x01, 0xa1, 'x'};
    static const uint8_t params_not_map[] = {0x94, 0x00, 0x05, 0xa1, 'x', 0x90};
    static const uint8_t trailing[] = {0x94, 0x00, 0x05, 0xa1, 'x', 0x80, 0x00};
    as_request_t req;
    as_err_t err;
    assert_int_equal(as_request_decode(not_array, sizeof not_array, &req, &err), AS_BAD_REQUEST);
    assert_string_equal(err.msg, "body: expected a msgpack array [0, msgid, method, params]");
    assert_int_equal(as_request_decode(three, sizeof three, &req, &err), AS_BAD_REQUEST);
    assert_string_equal(err.msg, "body: expected 4 elements [0, msgid, method, params], got 3");
    assert_int_equal(as_request_decode(params_not_map, sizeof params_not_map, &req, &err),
                     AS_BAD_REQUEST);
    assert_string_equal(err.msg, "params: expected a map, got an array");
    assert_int_equal(req.msgid, 5);
    /* the params' end is checked once they are read */
    assert_int_equal(as_request_decode(trailing, sizeof trailing, &req, &err), AS_OK);
    as_mp_t r = req.params;
    assert_int_equal(as_mp_skip(&r, 16), AS_MP_OK);
    assert_int_equal(as_params_end(&r, &err), AS_BAD_REQUEST);
    assert_string_equal(err.msg, "body: 1 unexpected bytes after params");
}

static void error_codes_round_trip_through_their_names(void **state)
{
    for (int c = AS_BAD_REQUEST; c < AS_CODE_COUNT; c++) {
        const char *name = as_code_name((as_code_t)c);
        assert_int_equal(as_code_parse(name, strlen(name)), c);
    }
    assert_string_equal(as_code_name(AS_TOO_LARGE), "too_large");
    assert_int_equal(as_code_parse("nope", 4), -1);
}

static void paths_show_hostile_keys_safely(void **state)
{
    as_path_t p;
    as_path_init(&p, "answers");
    as_path_key(&p, "a\x01\nb", 4);
    assert_string_equal(p.buf, "answers.a??b");
    size_t mark = as_path_index(&p, 12);
    assert_string_equal(p.buf, "answers.a??b[12]");
    as_path_pop(&p, mark);
    assert_string_equal(p.buf, "answers.a??b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_every_integer_width),
        cmocka_unit_test(uint64_above_int64_max_is_a_type_error),
        cmocka_unit_test(strings_are_views_into_the_buffer),
        cmocka_unit_test(truncated_string_is_rejected),
        cmocka_unit_test(container_count_larger_than_the_bytes_left_is_rejected_before_reading),
        cmocka_unit_test(nesting_beyond_the_limit_is_rejected),
        cmocka_unit_test(check_rejects_trailing_bytes_and_the_reserved_byte),
        cmocka_unit_test(request_decodes_msgid_method_and_params),
        cmocka_unit_test(request_errors_say_what_was_wrong),
        cmocka_unit_test(error_codes_round_trip_through_their_names),
        cmocka_unit_test(paths_show_hostile_keys_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
