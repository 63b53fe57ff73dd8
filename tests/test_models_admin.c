/* test_models_admin.c — the deep model methods against a real assayd: the bound on learners,
 * large model files on the admin socket, precise errors, listing and deleting (serving:
 * test_models.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "models_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void max_learners_bounds_the_states_kept(void **state)
{
    (void)state;
    assay_t *a = h_connect(&mf_e, true);
    assert_int_equal(mf_put_model(a, "small", "dkvmn", mf_dkvmn.w, mf_dkvmn.len, MF_CONCEPTS, 1),
                     ASSAY_OK);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    mf_pack_submit(&sb, "first", 3, true);
    assay_reply_t *r = mf_call(a, "response.submit", &sb);
    assert_non_null(assay_map_get(assay_map_get(assay_reply_result(r), "models"), "small"));
    assay_reply_free(&r);
    mf_pack_submit(&sb, "second", 3, true);
    r = mf_call(a, "response.submit", &sb);
    assert_null(assay_map_get(assay_map_get(assay_reply_result(r), "models"), "small"));
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "model.get", "{'id':'small'}", &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_num(o, "learners") == 1);
    assert_true(h_num(o, "max_learners") == 1);
    assert_true(h_num(o, "refused") == 1);
    assert_true(h_num(o, "state_bytes") == 8 * 16 * 4 + 8);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "model.delete", "{'id':'small'}", &r), ASSAY_OK);
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
}

/* A DKT file at pyKT's default size (H = 200, 1.6 MB): over --max-message (1M), within the admin
 * socket's limit (80M). */
static void a_model_file_over_a_megabyte_is_put_on_the_admin_socket(void **state)
{
    (void)state;
    const uint32_t C = MF_CONCEPTS, H = 200;
    struct {
        const char *name;
        uint32_t rows, cols;
    } t[] = {{"interaction_emb.weight", 2 * C, H},
             {"lstm_layer.weight_ih_l0", 4 * H, H},
             {"lstm_layer.weight_hh_l0", 4 * H, H},
             {"lstm_layer.bias_ih_l0", 4 * H, 0},
             {"lstm_layer.bias_hh_l0", 4 * H, 0},
             {"out_layer.weight", C, H},
             {"out_layer.bias", C, 0}};
    char header[2048];
    size_t at = 0, off = 0;
    at += (size_t)snprintf(header, sizeof header, "{");
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = (size_t)t[i].rows * (t[i].cols ? t[i].cols : 1) * 4;
        if (t[i].cols)
            at += (size_t)snprintf(header + at, sizeof header - at,
                                   "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%u,%u],"
                                   "\"data_offsets\":[%zu,%zu]}",
                                   i ? "," : "", t[i].name, t[i].rows, t[i].cols, off, off + n);
        else
            at += (size_t)snprintf(header + at, sizeof header - at,
                                   "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%u],"
                                   "\"data_offsets\":[%zu,%zu]}",
                                   i ? "," : "", t[i].name, t[i].rows, off, off + n);
        off += n;
    }
    at += (size_t)snprintf(header + at, sizeof header - at, "}");
    size_t len = 8 + at + off;
    uint8_t *file = calloc(1, len);
    for (int i = 0; i < 8; i++)
        file[i] = (uint8_t)((uint64_t)at >> (8 * i));
    memcpy(file + 8, header, at);
    assert_true(len > (1u << 20));
    assay_t *user = h_connect(&mf_e, false), *admin = h_connect(&mf_e, true);
    assert_int_equal(mf_put_model(user, "wide", "dkt", file, len, C, 0), ASSAY_EREPLY);
    assert_non_null(strstr(mf_buf, "too_large: request of "));
    assert_non_null(strstr(mf_buf, "(--max-message)"));
    assert_int_equal(mf_put_model(admin, "wide", "dkt", file, len, C, 0), ASSAY_OK);
    assay_reply_t *r;
    assert_int_equal(h_call(admin, "model.get", "{'id':'wide'}", &r), ASSAY_OK);
    const msgpack_object *sz = assay_map_get(assay_reply_result(r), "sizes");
    assert_true(h_num(sz, "H") == 200 && h_num(sz, "C") == C && h_num(sz, "E") == 200);
    assay_reply_free(&r);
    assert_int_equal(h_call(admin, "model.delete", "{'id':'wide'}", &r), ASSAY_OK);
    assay_reply_free(&r);
    free(file);
    assay_close(&user);
    assay_close(&admin);
}

static void model_methods_give_precise_errors(void **state)
{
    (void)state;
    assay_t *a = h_connect(&mf_e, true), *u = h_connect(&mf_e, false);
    assert_int_equal(mf_put_model(a, "x", "lstm", mf_dkt.w, mf_dkt.len, MF_CONCEPTS, 0),
                     ASSAY_EREPLY);
    assert_string_equal(mf_buf, "bad_request: kind: expected \"dkt\" or \"dkvmn\", got \"lstm\"");
    assert_int_equal(mf_put_model(a, "x", "dkt", mf_dkt.w, mf_dkt.len, 3, 0), ASSAY_EREPLY);
    assert_string_equal(mf_buf, "bad_request: concepts: 3 given, the model has 124 (the length "
                                "of out_layer.bias)");
    assert_int_equal(mf_put_model(a, "x", "dkvmn", mf_dkt.w, mf_dkt.len, MF_CONCEPTS, 0),
                     ASSAY_EREPLY);
    assert_non_null(
        strstr(mf_buf, "tensor \"interaction_emb.weight\" is not part of pyKT's DKVMN"));
    assert_int_equal(mf_put_model(a, "x", "dkt", mf_dkt.w, mf_dkt.len - 4, MF_CONCEPTS, 0),
                     ASSAY_EREPLY);
    assert_non_null(strstr(mf_buf, "bad_request: weights: tensor"));
    assert_int_equal(mf_put_model(u, "x", "dkt", mf_dkt.w, mf_dkt.len, MF_CONCEPTS, 0),
                     ASSAY_EREPLY);
    assert_non_null(strstr(mf_buf, "forbidden"));
    assert_string_equal(h_error(a, "model.put", "{'id':'x','kind':'dkt','weights':7,'concepts':[]}",
                                mf_buf, sizeof mf_buf),
                        "bad_request: weights: expected bytes (a safetensors file), got an "
                        "integer");
    assert_string_equal(h_error(a, "model.get", "{'id':'nope'}", mf_buf, sizeof mf_buf),
                        "not_found: model \"nope\" not found");
    assert_string_equal(h_error(a, "model.delete", "{'id':'nope'}", mf_buf, sizeof mf_buf),
                        "not_found: model \"nope\" not found");
    assert_string_equal(h_error(a, "model.recompute", "{'id':'nope'}", mf_buf, sizeof mf_buf),
                        "not_found: model \"nope\" not found");
    assert_string_equal(
        h_error(a, "mastery.get", "{'learner':'a','model':'nope'}", mf_buf, sizeof mf_buf),
        "not_found: model \"nope\" not found");
    assert_string_equal(h_error(a, "mastery.get", "{'learner':'a','model':'dkt','skill':'s'}",
                                mf_buf, sizeof mf_buf),
                        "bad_request: params: give skill (BKT) or model (a deep model), not both");
    assay_reply_t *r;
    assert_int_equal(h_call(u, "ping", "{}", &r), ASSAY_OK); /* still serving */
    assay_reply_free(&r);
    assay_close(&a);
    assay_close(&u);
}

static void models_are_listed_and_deleted(void **state)
{
    (void)state;
    assay_t *a = h_connect(&mf_e, true);
    assert_int_equal(mf_put_model(a, "dkt", "dkt", mf_dkt.w, mf_dkt.len, MF_CONCEPTS, 0), ASSAY_OK);
    assert_int_equal(mf_put_model(a, "dkvmn", "dkvmn", mf_dkvmn.w, mf_dkvmn.len, MF_CONCEPTS, 0),
                     ASSAY_OK);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "model.list", "{}", &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r), *l = assay_map_get(o, "models");
    assert_int_equal(l->via.array.size, 2);
    assert_true(h_str_is(&l->via.array.ptr[0], "id", "dkt"));
    assert_true(h_str_is(&l->via.array.ptr[1], "id", "dkvmn"));
    assert_true(h_num(&l->via.array.ptr[1], "concepts") == MF_CONCEPTS);
    assert_true(h_num(o, "total") == 2);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "model.delete", "{'id':'dkvmn'}", &r), ASSAY_OK);
    assay_reply_free(&r);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    mf_pack_submit(&sb, "after", 1, true);
    r = mf_call(a, "response.submit", &sb);
    const msgpack_object *models = assay_map_get(assay_reply_result(r), "models");
    assert_int_equal(models->via.map.size, 1); /* dkt only */
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    assert_string_equal(
        h_error(a, "mastery.get", "{'learner':'after','model':'dkvmn'}", mf_buf, sizeof mf_buf),
        "not_found: model \"dkvmn\" not found");
    assay_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(max_learners_bounds_the_states_kept),
        cmocka_unit_test(a_model_file_over_a_megabyte_is_put_on_the_admin_socket),
        cmocka_unit_test(model_methods_give_precise_errors),
        cmocka_unit_test(models_are_listed_and_deleted),
    };
    return cmocka_run_group_tests(tests, mf_up, mf_down);
}
