/* test_model.c — deep knowledge tracing models in process: the safetensors loader's checks, and
 * the engine's steps against PyTorch's float32 forward pass over whole learner histories (the
 * reference vectors in tests/kt/, written by tools/kt/reference.py with the seed they name). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "model.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(KT_DIR) || !defined(MODELS_DIR)
#error KT_DIR and MODELS_DIR must name tests/kt and data/models
#endif

static void *s_slurp_path(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* A file of tests/kt. */
static void *s_slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", KT_DIR, name);
    return s_slurp_path(path, len);
}

/* Concepts skill-0 .. skill-(n-1). */
typedef struct {
    char names[256][24];
    const char *p[256];
    uint32_t len[256];
} s_concepts_t;

static void s_concepts(s_concepts_t *c, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        snprintf(c->names[i], sizeof c->names[i], "skill-%u", i);
        c->p[i] = c->names[i];
        c->len[i] = (uint32_t)strlen(c->names[i]);
    }
}

static void *s_compile(as_model_kind_t kind, const void *w, size_t wlen, uint32_t n, size_t *size,
                       as_err_t *err)
{
    s_concepts_t c;
    s_concepts(&c, n);
    return as_model_compile(kind, w, wlen, c.p, c.len, n, size, err);
}

/* Every answer of every learner of the reference (a JSON file of tests/kt) of the model file at
 * weights: |engine - PyTorch| <= 1e-5. */
static void s_against_pytorch(const char *weights, const char *reference, as_model_kind_t kind)
{
    const char *prefix = reference;
    size_t wlen, jlen, size;
    void *w = s_slurp_path(weights, &wlen);
    char *j = s_slurp(reference, &jlen);
    json_error_t je;
    json_t *ref = json_loadb(j, jlen, 0, &je);
    assert_non_null(ref);
    uint32_t n = (uint32_t)json_array_size(json_object_get(ref, "concepts"));
    as_err_t err = {0};
    void *blob = s_compile(kind, w, wlen, n, &size, &err);
    if (!blob) fail_msg("%s", err.msg);
    as_model_t m;
    assert_int_equal(as_model_open(blob, size, &m, &err), AS_OK);
    as_model_scratch_t s = {0};
    assert_int_equal(as_model_scratch_fit(&s, &m, &err), AS_OK);
    float *st = malloc(m.hdr->n_state * sizeof *st);
    double worst = 0;
    size_t steps = 0, longest = 0;
    json_t *learners = json_object_get(ref, "learners");
    for (size_t l = 0; l < json_array_size(learners); l++) {
        json_t *answers = json_object_get(json_array_get(learners, l), "answers");
        memcpy(st, as_model_init(&m), m.hdr->n_state * sizeof *st);
        for (size_t i = 0; i < json_array_size(answers); i++) {
            json_t *a = json_array_get(answers, i);
            uint32_t c = (uint32_t)json_integer_value(json_array_get(a, 0));
            bool r = json_integer_value(json_array_get(a, 1)) != 0;
            double want = json_real_value(json_array_get(a, 2));
            double before = as_model_predict(&m, &s, st, c);
            double got = as_model_step(&m, &s, st, c, r);
            assert_true(before == got); /* predict alone is the step's prediction */
            double d = fabs(got - want);
            if (d > worst) worst = d;
            if (d > 1e-5)
                fail_msg("%s learner %zu answer %zu: engine %.9f, PyTorch %.9f", prefix, l, i, got,
                         want);
            steps++;
        }
        if (json_array_size(answers) > longest) longest = json_array_size(answers);
    }
    printf("# %s: %zu answers (longest history %zu), largest difference from PyTorch %.2e\n",
           prefix, steps, longest, worst);
    assert_true(steps > 1000 && longest > 1000);
    free(st);
    as_model_scratch_free(&s);
    free(blob);
    json_decref(ref);
    free(j);
    free(w);
}

static void test_dkt_predictions_equal_pytorch_over_whole_histories(void **state)
{
    (void)state;
    s_against_pytorch(KT_DIR "/dkt_small.safetensors", "dkt_small.json", AS_MODEL_DKT);
}

static void test_dkvmn_predictions_equal_pytorch_over_whole_histories(void **state)
{
    (void)state;
    s_against_pytorch(KT_DIR "/dkvmn_small.safetensors", "dkvmn_small.json", AS_MODEL_DKVMN);
}

/* The models trained on assist2009 (data/models/; DKVMN at pyKT's sizes, D 200, M 50). */
static void test_trained_models_equal_pytorch_over_whole_histories(void **state)
{
    (void)state;
    s_against_pytorch(MODELS_DIR "/dkt.safetensors", "dkt_assist.json", AS_MODEL_DKT);
    s_against_pytorch(MODELS_DIR "/dkvmn.safetensors", "dkvmn_assist.json", AS_MODEL_DKVMN);
}

/* ---- the loader ---- */

/* A safetensors file from a header text and a data size (zero bytes). */
static void *s_file(const char *header, size_t data, size_t *len)
{
    size_t hl = strlen(header);
    uint8_t *b = calloc(1, 8 + hl + data + 1);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    memcpy(b + 8, header, hl);
    *len = 8 + hl + data;
    return b;
}

static void s_refused(const char *header, size_t data, as_model_kind_t kind, uint32_t n,
                      const char *want)
{
    size_t len, size;
    void *f = s_file(header, data, &len);
    as_err_t err = {0};
    void *blob = s_compile(kind, f, len, n, &size, &err);
    free(f);
    assert_null(blob);
    assert_int_equal(err.code, AS_BAD_REQUEST);
    if (!strstr(err.msg, want)) fail_msg("expected \"%s\" in \"%s\"", want, err.msg);
}

static void test_loader_refuses_malformed_headers(void **state)
{
    (void)state;
    size_t len;
    as_err_t err = {0};
    as_tensor_t t[AS_MODEL_MAX_TENSORS];
    uint32_t n;
    assert_int_equal(as_safetensors_read("abc", 3, t, &n, &err), AS_BAD_REQUEST);
    assert_string_equal(err.msg, "weights: 3 bytes, not a safetensors file (an 8-byte header "
                                 "length first)");
    uint8_t big[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0};
    assert_int_equal(as_safetensors_read(big, sizeof big, t, &n, &err), AS_BAD_REQUEST);
    assert_string_equal(err.msg, "weights: header length 65535 does not fit the file's 16 bytes");
    void *f = s_file("[1,2]", 0, &len);
    assert_int_equal(as_safetensors_read(f, len, t, &n, &err), AS_BAD_REQUEST);
    assert_string_equal(err.msg, "weights: the header is not a JSON object");
    free(f);
    s_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
              "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
              8, AS_MODEL_DKT, 1, "duplicate object key");
    s_refused("{\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2, AS_MODEL_DKT,
              1, "tensor \"a\": dtype BF16: only F32 (float32) is read");
    s_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, AS_MODEL_DKT,
              1, "tensor \"a\": data_offsets span 4 bytes, its shape needs 8");
    s_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
              12, AS_MODEL_DKT, 1,
              "tensor \"b\" starts at byte 8 of the data, expected 4 (tensors must be contiguous");
    s_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 12, AS_MODEL_DKT,
              1, "weights: 8 bytes of data follow the last tensor's end");
    s_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
              AS_MODEL_DKT, 1, "tensor \"a\": unknown field \"x\"");
    s_refused("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,40]}}", 4, AS_MODEL_DKT,
              1, "data_offsets must be [begin, end] within the 4 bytes of data");
    s_refused("{\"__metadata__\":{\"k\":1}}", 0, AS_MODEL_DKT, 1,
              "__metadata__ must map strings to strings");
    s_refused("{\"a\":", 0, AS_MODEL_DKT, 1, "weights: header:");
}

static void test_loader_names_the_tensor_whose_shape_does_not_fit(void **state)
{
    (void)state;
    size_t wlen, size;
    void *w = s_slurp("dkt_small.safetensors", &wlen);
    as_err_t err = {0};
    /* the right file for the other kind */
    assert_null(s_compile(AS_MODEL_DKVMN, w, wlen, 124, &size, &err));
    assert_string_equal(err.msg, "weights: tensor \"interaction_emb.weight\" is not part of "
                                 "pyKT's DKVMN (one key-value memory with the names of its "
                                 "state_dict)");
    /* the concepts must be as many as the model's */
    assert_null(s_compile(AS_MODEL_DKT, w, wlen, 10, &size, &err));
    assert_string_equal(err.msg, "concepts: 10 given, the model has 124 (the length of "
                                 "out_layer.bias)");
    free(w);
    /* a DKT whose recurrent matrix is of another size than its output layer's */
    char h[1024];
    snprintf(h, sizeof h,
             "{\"out_layer.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
             "\"out_layer.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[8,32]},"
             "\"interaction_emb.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],"
             "\"data_offsets\":[32,80]},"
             "\"lstm_layer.weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[12,3],"
             "\"data_offsets\":[80,224]},"
             "\"lstm_layer.weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[12,4],"
             "\"data_offsets\":[224,416]}}");
    s_refused(h, 416, AS_MODEL_DKT, 2,
              "tensor \"lstm_layer.weight_hh_l0\": expected shape [12, 3], found [12, 4]");
    /* one missing */
    snprintf(h, sizeof h,
             "{\"out_layer.bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
    s_refused(h, 8, AS_MODEL_DKT, 2,
              "tensor \"out_layer.weight\" [2, H] is missing (pyKT's DKT state_dict)");
    /* weights must be finite */
    w = s_slurp("dkt_small.safetensors", &wlen);
    memcpy((uint8_t *)w + wlen - 4, "\x00\x00\xc0\x7f", 4); /* a NaN, little-endian */
    assert_null(s_compile(AS_MODEL_DKT, w, wlen, 124, &size, &err));
    assert_string_equal(err.msg, "weights: tensor \"out_layer.weight\": element 1983 is NaN");
    free(w);
    /* concept ids: each once */
    w = s_slurp("dkt_small.safetensors", &wlen);
    s_concepts_t c;
    s_concepts(&c, 124);
    c.p[100] = "skill-3";
    c.len[100] = 7;
    assert_null(as_model_compile(AS_MODEL_DKT, w, wlen, c.p, c.len, 124, &size, &err));
    assert_string_equal(err.msg, "concepts[100]: \"skill-3\" is given twice");
    free(w);
}

static void test_concepts_are_found_by_name(void **state)
{
    (void)state;
    size_t wlen, size;
    void *w = s_slurp("dkvmn_small.safetensors", &wlen);
    as_err_t err = {0};
    void *blob = s_compile(AS_MODEL_DKVMN, w, wlen, 124, &size, &err);
    assert_non_null(blob);
    as_model_t m;
    assert_int_equal(as_model_open(blob, size, &m, &err), AS_OK);
    assert_int_equal(as_model_concept(&m, "skill-0", 7), 0);
    assert_int_equal(as_model_concept(&m, "skill-123", 9), 123);
    assert_int_equal(as_model_concept(&m, "skill-57", 8), 57);
    assert_int_equal(as_model_concept(&m, "skill-124", 9), -1);
    assert_int_equal(as_model_concept(&m, "skill-1", 6), -1);
    uint32_t l;
    const char *name = as_model_concept_name(&m, 99, &l);
    assert_int_equal(l, 8);
    assert_memory_equal(name, "skill-99", 8);
    assert_int_equal(m.hdr->m, 8);
    assert_int_equal(m.hdr->h, 16);
    assert_int_equal(m.hdr->n_state, 8 * 16);
    /* a stored blob cut short is refused */
    assert_int_equal(as_model_open(blob, size - 1, &m, &err), AS_INTERNAL);
    free(blob);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dkt_predictions_equal_pytorch_over_whole_histories),
        cmocka_unit_test(test_dkvmn_predictions_equal_pytorch_over_whole_histories),
        cmocka_unit_test(test_trained_models_equal_pytorch_over_whole_histories),
        cmocka_unit_test(test_loader_refuses_malformed_headers),
        cmocka_unit_test(test_loader_names_the_tensor_whose_shape_does_not_fit),
        cmocka_unit_test(test_concepts_are_found_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
