/* test_models.c — deep knowledge tracing against a real assayd: submissions step DKT and DKVMN
 * models as PyTorch's forward pass does (the reference vectors of tests/kt/), a learner's
 * concurrent submissions are applied in the order they are stored, model.recompute rebuilds the
 * states from the stored responses, the bound on learners, large model files on the admin
 * socket, notifications, and the model methods' errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"
#include "model.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KT_DIR
#error KT_DIR must name tests/kt
#endif

static h_engine_t s_e;
static char s_buf[2048];

#define S_CONCEPTS 124

typedef struct {
    void *w; /* the safetensors file */
    size_t len;
    json_t *ref;
} s_model_file_t;

static s_model_file_t s_dkt, s_dkvmn;

static void s_load(s_model_file_t *m, const char *prefix)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.safetensors", KT_DIR, prefix);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    m->len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    m->w = malloc(m->len);
    assert_int_equal(fread(m->w, 1, m->len, f), m->len);
    fclose(f);
    snprintf(path, sizeof path, "%s/%s.json", KT_DIR, prefix);
    json_error_t je;
    m->ref = json_load_file(path, 0, &je);
    assert_non_null(m->ref);
}

/* Calls method with params packed by the caller; fails the test on an error. */
static assay_reply_t *s_call(assay_t *c, const char *method, msgpack_sbuffer *sb)
{
    assay_reply_t *r;
    int rc = assay_call(c, method, sb->data, sb->size, 60000, &r);
    if (rc) fail_msg("%s: %s", method, r ? assay_reply_message(r) : assay_strerror(rc));
    return r;
}

/* model.put {id, kind, weights, concepts: skill-0.., [max_learners]} -> the libassay code; the
 * reply's message into s_buf on an error. */
static int s_put_model(assay_t *c, const char *id, const char *kind, const void *w, size_t len,
                       uint32_t concepts, uint64_t max_learners)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, max_learners ? 5 : 4);
    as_pack_cstr(&pk, "id");
    as_pack_cstr(&pk, id);
    as_pack_cstr(&pk, "kind");
    as_pack_cstr(&pk, kind);
    as_pack_cstr(&pk, "weights");
    msgpack_pack_bin(&pk, len);
    msgpack_pack_bin_body(&pk, w, len);
    as_pack_cstr(&pk, "concepts");
    msgpack_pack_array(&pk, concepts);
    for (uint32_t i = 0; i < concepts; i++) {
        char name[24];
        snprintf(name, sizeof name, "skill-%u", i);
        as_pack_cstr(&pk, name);
    }
    if (max_learners) {
        as_pack_cstr(&pk, "max_learners");
        msgpack_pack_uint64(&pk, max_learners);
    }
    assay_reply_t *r = NULL;
    int rc = assay_call(c, "model.put", sb.data, sb.size, 60000, &r);
    s_buf[0] = 0;
    if (rc && r)
        snprintf(s_buf, sizeof s_buf, "%s: %s", assay_reply_code(r), assay_reply_message(r));
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* The skills skill-0..123 and an assessment "bank" with one item q<i> per skill. */
static int s_up(void **state)
{
    (void)state;
    h_start(&s_e, NULL);
    s_load(&s_dkt, "dkt_small");
    s_load(&s_dkvmn, "dkvmn_small");
    assay_t *a = h_connect(&s_e, true);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    for (int i = 0; i < S_CONCEPTS; i++) {
        char p[160];
        snprintf(p, sizeof p,
                 "{'id':'skill-%d','prior':0.3,'learn':0.1,'forget':0,'guess':0.2,'slip':0.1}", i);
        assay_reply_t *r;
        assert_int_equal(h_call(a, "skill.put", p, &r), ASSAY_OK);
        assay_reply_free(&r);
    }
    msgpack_pack_map(&pk, 3);
    as_pack_cstr(&pk, "id");
    as_pack_cstr(&pk, "bank");
    as_pack_cstr(&pk, "title");
    as_pack_cstr(&pk, "one item per skill");
    as_pack_cstr(&pk, "items");
    msgpack_pack_array(&pk, S_CONCEPTS);
    for (int i = 0; i < S_CONCEPTS; i++) {
        char id[24], skill[24];
        snprintf(id, sizeof id, "q%d", i);
        snprintf(skill, sizeof skill, "skill-%d", i);
        msgpack_pack_map(&pk, 6);
        as_pack_cstr(&pk, "id");
        as_pack_cstr(&pk, id);
        as_pack_cstr(&pk, "cardinality");
        as_pack_cstr(&pk, "single");
        as_pack_cstr(&pk, "base_type");
        as_pack_cstr(&pk, "identifier");
        as_pack_cstr(&pk, "rule");
        as_pack_cstr(&pk, "match_correct");
        as_pack_cstr(&pk, "correct");
        msgpack_pack_array(&pk, 1);
        as_pack_cstr(&pk, "1");
        as_pack_cstr(&pk, "skills");
        msgpack_pack_array(&pk, 1);
        as_pack_cstr(&pk, skill);
    }
    assay_reply_t *put = s_call(a, "assessment.put", &sb);
    assay_reply_free(&put);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
    return 0;
}

static int s_down(void **state)
{
    (void)state;
    free(s_dkt.w);
    free(s_dkvmn.w);
    json_decref(s_dkt.ref);
    json_decref(s_dkvmn.ref);
    return h_cleanup(&s_e);
}

/* response.submit of one answer to q<concept> (correct or not) by learner: packed. */
static void s_pack_submit(msgpack_sbuffer *sb, const char *learner, uint32_t concept, bool correct)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    char q[24];
    snprintf(q, sizeof q, "q%u", concept);
    msgpack_pack_map(&pk, 3);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, "bank");
    as_pack_cstr(&pk, "learner");
    as_pack_cstr(&pk, learner);
    as_pack_cstr(&pk, "answers");
    msgpack_pack_map(&pk, 1);
    as_pack_cstr(&pk, q);
    as_pack_cstr(&pk, correct ? "1" : "0");
}

/* The {predicted, p_correct_next} of skill-<concept> under model in a submission's result. */
static double s_model_field(const msgpack_object *result, const char *model, uint32_t concept,
                            const char *field)
{
    char skill[24];
    snprintf(skill, sizeof skill, "skill-%u", concept);
    const msgpack_object *m = assay_map_get(result, "models");
    const msgpack_object *one = m ? assay_map_get(m, model) : NULL;
    const msgpack_object *st = one ? assay_map_get(one, skill) : NULL;
    if (!st) fail_msg("no models.%s.%s in the result", model, skill);
    return h_num(st, field);
}

static void submissions_step_dkt_and_dkvmn_as_pytorch_does(void **state)
{
    (void)state;
    assay_t *a = h_connect(&s_e, true);
    assert_int_equal(s_put_model(a, "dkt", "dkt", s_dkt.w, s_dkt.len, S_CONCEPTS, 0), ASSAY_OK);
    assert_int_equal(s_put_model(a, "dkvmn", "dkvmn", s_dkvmn.w, s_dkvmn.len, S_CONCEPTS, 0),
                     ASSAY_OK);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    json_t *ld = json_object_get(s_dkt.ref, "learners"),
           *lv = json_object_get(s_dkvmn.ref, "learners");
    size_t steps = 0;
    double worst = 0;
    for (size_t l = 0; l < json_array_size(ld); l++) {
        json_t *ad = json_object_get(json_array_get(ld, l), "answers"),
               *av = json_object_get(json_array_get(lv, l), "answers");
        const char *learner = json_string_value(json_object_get(json_array_get(ld, l), "learner"));
        size_t n = json_array_size(ad) > 1500 ? 1500 : json_array_size(ad); /* the long one cut */
        for (size_t i = 0; i < n; i++) {
            json_t *x = json_array_get(ad, i);
            uint32_t c = (uint32_t)json_integer_value(json_array_get(x, 0));
            bool r = json_integer_value(json_array_get(x, 1)) != 0;
            s_pack_submit(&sb, learner, c, r);
            assay_reply_t *rep = s_call(a, "response.submit", &sb);
            const msgpack_object *res = assay_reply_result(rep);
            double pd = s_model_field(res, "dkt", c, "predicted");
            double pv = s_model_field(res, "dkvmn", c, "predicted");
            double wd = json_real_value(json_array_get(x, 2));
            double wv = json_real_value(json_array_get(json_array_get(av, i), 2));
            if (fabs(pd - wd) > 1e-5 || fabs(pv - wv) > 1e-5)
                fail_msg("%s answer %zu: dkt %.9f (PyTorch %.9f), dkvmn %.9f (PyTorch %.9f)",
                         learner, i, pd, wd, pv, wv);
            worst = fmax(worst, fmax(fabs(pd - wd), fabs(pv - wv)));
            /* the BKT state is there too */
            assert_non_null(assay_map_get(res, "mastery"));
            assay_reply_free(&rep);
            steps++;
        }
    }
    printf("# %zu submissions through assayd: largest difference from PyTorch %.2e\n", steps,
           worst);
    assert_true(steps > 1500);
    /* mastery.get {learner, model}: every concept, and the steps taken */
    const char *learner = json_string_value(json_object_get(json_array_get(ld, 0), "learner"));
    snprintf(s_buf, sizeof s_buf, "{'learner':'%s','model':'dkt'}", learner);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "mastery.get", s_buf, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_num(o, "steps") ==
                (double)json_array_size(json_object_get(json_array_get(ld, 0), "answers")));
    assert_true(h_str_is(o, "kind", "dkt"));
    assert_int_equal(assay_map_get(o, "concepts")->via.map.size, S_CONCEPTS);
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
}

/* The final DKT state of a replay of (concept, correct) pairs, in process. */
static void s_replay(const as_model_t *m, const uint32_t *c, const bool *y, size_t n, float *st,
                     double *pred)
{
    as_model_scratch_t s = {0};
    as_err_t err;
    assert_int_equal(as_model_scratch_fit(&s, m, &err), AS_OK);
    memcpy(st, as_model_init(m), m->hdr->n_state * sizeof *st);
    for (size_t i = 0; i < n; i++)
        pred[i] = as_model_step(m, &s, st, c[i], y[i]);
    as_model_scratch_free(&s);
}

/* Every stored response of learner (rid order): concepts and answers; returns their number. */
static size_t s_stored(assay_t *a, const char *learner, uint32_t *c, bool *y, double *pred,
                       size_t cap)
{
    size_t n = 0;
    char cursor[32] = "";
    for (;;) {
        if (cursor[0])
            snprintf(s_buf, sizeof s_buf,
                     "{'assessment':'bank','learner':'%s','limit':200,'cursor':'%s'}", learner,
                     cursor);
        else
            snprintf(s_buf, sizeof s_buf, "{'assessment':'bank','learner':'%s','limit':200}",
                     learner);
        assay_reply_t *r;
        assert_int_equal(h_call(a, "response.list", s_buf, &r), ASSAY_OK);
        const msgpack_object *o = assay_reply_result(r), *list = assay_map_get(o, "responses");
        for (uint32_t i = 0; i < list->via.array.size && n < cap; i++) {
            const msgpack_object *rec = &list->via.array.ptr[i];
            const msgpack_object *ans = assay_map_get(rec, "answers");
            const msgpack_object_kv *kv = &ans->via.map.ptr[0];
            c[n] = (uint32_t)strtoul(kv->key.via.str.ptr + 1, NULL, 10);
            y[n] = kv->val.via.str.ptr[0] == '1';
            if (pred) pred[n] = s_model_field(rec, "dkt", c[n], "predicted");
            n++;
        }
        const msgpack_object *next = assay_map_get(o, "next_cursor");
        bool more = next && next->type == MSGPACK_OBJECT_STR;
        if (more)
            snprintf(cursor, sizeof cursor, "%.*s", (int)next->via.str.size, next->via.str.ptr);
        assay_reply_free(&r);
        if (!more) break;
    }
    return n;
}

/* The engine's mastery.get {learner, model: dkt} equals p_correct_next of the state st. */
static void s_check_state(assay_t *a, const as_model_t *m, const char *learner, const float *st,
                          size_t steps)
{
    snprintf(s_buf, sizeof s_buf, "{'learner':'%s','model':'dkt'}", learner);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "mastery.get", s_buf, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_num(o, "steps") == (double)steps);
    const msgpack_object *cs = assay_map_get(o, "concepts");
    as_model_scratch_t s = {0};
    as_err_t err;
    assert_int_equal(as_model_scratch_fit(&s, m, &err), AS_OK);
    for (uint32_t c = 0; c < S_CONCEPTS; c++) {
        char skill[24];
        snprintf(skill, sizeof skill, "skill-%u", c);
        const msgpack_object *p = assay_map_get(cs, skill);
        assert_non_null(p);
        double want = as_model_predict(m, &s, st, c);
        if (fabs(p->via.f64 - want) > 1e-6)
            fail_msg("%s %s: engine %.9f, replay %.9f", learner, skill, p->via.f64, want);
    }
    as_model_scratch_free(&s);
    assay_reply_free(&r);
}

static void s_open_dkt(as_model_t *m, void **blob)
{
    char names[S_CONCEPTS][24];
    const char *p[S_CONCEPTS];
    uint32_t l[S_CONCEPTS];
    for (int i = 0; i < S_CONCEPTS; i++) {
        snprintf(names[i], sizeof names[i], "skill-%d", i);
        p[i] = names[i];
        l[i] = (uint32_t)strlen(names[i]);
    }
    size_t size;
    as_err_t err;
    *blob = as_model_compile(AS_MODEL_DKT, s_dkt.w, s_dkt.len, p, l, S_CONCEPTS, &size, &err);
    assert_non_null(*blob);
    assert_int_equal(as_model_open(*blob, size, m, &err), AS_OK);
}

static void a_learners_concurrent_submissions_are_applied_in_stored_order(void **state)
{
    (void)state;
    assay_t *a = h_connect(&s_e, true);
    assert_int_equal(s_put_model(a, "dkt", "dkt", s_dkt.w, s_dkt.len, S_CONCEPTS, 0), ASSAY_OK);
    /* 400 answers of one learner, 64 in flight: workers step from states that other
     * submissions of the learner change before the writer stores theirs */
    enum { N = 400, WINDOW = 64 };
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    int sent = 0, got = 0;
    while (got < N) {
        while (sent < N && sent - got < WINDOW) {
            uint32_t msgid;
            s_pack_submit(&sb, "racer", (uint32_t)(sent * 7 % 11), sent % 3 != 0);
            assert_int_equal(assay_send(a, "response.submit", sb.data, sb.size, &msgid), ASSAY_OK);
            sent++;
        }
        assay_reply_t *r;
        assert_int_equal(assay_recv(a, 30000, &r), ASSAY_OK);
        assay_reply_free(&r);
        got++;
    }
    msgpack_sbuffer_destroy(&sb);
    /* the stored order, replayed in process, gives every stored prediction and the state */
    static uint32_t c[N];
    static bool y[N];
    static double stored[N], replayed[N];
    size_t n = s_stored(a, "racer", c, y, stored, N);
    assert_int_equal(n, N);
    as_model_t m;
    void *blob;
    s_open_dkt(&m, &blob);
    float *st = malloc(m.hdr->n_state * sizeof *st);
    s_replay(&m, c, y, n, st, replayed);
    for (size_t i = 0; i < n; i++)
        if (fabs(stored[i] - replayed[i]) > 1e-6)
            fail_msg("response %zu: stored prediction %.9f, replay %.9f", i, stored[i],
                     replayed[i]);
    s_check_state(a, &m, "racer", st, n);
    free(st);
    free(blob);
    assay_close(&a);
}

static void recompute_rebuilds_the_states_from_the_stored_responses(void **state)
{
    (void)state;
    assay_t *a = h_connect(&s_e, true);
    /* a new version: every learner starts again from the initial state */
    assert_int_equal(s_put_model(a, "dkt", "dkt", s_dkt.w, s_dkt.len, S_CONCEPTS, 0), ASSAY_OK);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "mastery.get", "{'learner':'racer','model':'dkt'}", &r), ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "steps") == 0);
    assert_true(h_num(assay_reply_result(r), "version") >= 2);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "model.recompute", "{'id':'dkt'}", &r), ASSAY_OK);
    double job = h_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    r = h_wait_job(a, job);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_str_is(o, "state", "done"));
    assert_true(h_str_is(o, "kind", "model_recompute"));
    assert_true(h_str_is(o, "model", "dkt"));
    assay_reply_free(&r);
    static uint32_t c[2000];
    static bool y[2000];
    static double pred[2000];
    size_t n = s_stored(a, "racer", c, y, NULL, 2000);
    as_model_t m;
    void *blob;
    s_open_dkt(&m, &blob);
    float *st = malloc(m.hdr->n_state * sizeof *st);
    s_replay(&m, c, y, n, st, pred);
    s_check_state(a, &m, "racer", st, n);
    free(st);
    free(blob);
    assay_close(&a);
}

static void a_mastery_notification_carries_the_models(void **state)
{
    (void)state;
    assay_t *a = h_connect(&s_e, true);
    assay_sub_t *sub;
    assert_int_equal(assay_sub_open(&sub, s_e.dir), ASSAY_OK);
    assert_int_equal(assay_sub_subscribe(sub, "mastery.noted"), ASSAY_OK);
    usleep(300000);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    s_pack_submit(&sb, "noted", 5, true);
    assay_reply_t *r = s_call(a, "response.submit", &sb);
    double want = s_model_field(assay_reply_result(r), "dkt", 5, "p_correct_next");
    assay_reply_free(&r);
    assay_event_t *ev;
    assert_int_equal(assay_sub_recv(sub, 3000, &ev), ASSAY_OK);
    const msgpack_object *b = assay_event_body(ev);
    assert_true(s_model_field(b, "dkt", 5, "p_correct_next") == want);
    assert_non_null(assay_map_get(assay_map_get(b, "skills"), "skill-5"));
    assay_event_free(&ev);
    assay_sub_close(&sub);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
}

static void max_learners_bounds_the_states_kept(void **state)
{
    (void)state;
    assay_t *a = h_connect(&s_e, true);
    assert_int_equal(s_put_model(a, "small", "dkvmn", s_dkvmn.w, s_dkvmn.len, S_CONCEPTS, 1),
                     ASSAY_OK);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    s_pack_submit(&sb, "first", 3, true);
    assay_reply_t *r = s_call(a, "response.submit", &sb);
    assert_non_null(assay_map_get(assay_map_get(assay_reply_result(r), "models"), "small"));
    assay_reply_free(&r);
    s_pack_submit(&sb, "second", 3, true);
    r = s_call(a, "response.submit", &sb);
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
    const uint32_t C = S_CONCEPTS, H = 200;
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
    assay_t *user = h_connect(&s_e, false), *admin = h_connect(&s_e, true);
    assert_int_equal(s_put_model(user, "wide", "dkt", file, len, C, 0), ASSAY_EREPLY);
    assert_non_null(strstr(s_buf, "too_large: request of "));
    assert_non_null(strstr(s_buf, "(--max-message)"));
    assert_int_equal(s_put_model(admin, "wide", "dkt", file, len, C, 0), ASSAY_OK);
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
    assay_t *a = h_connect(&s_e, true), *u = h_connect(&s_e, false);
    assert_int_equal(s_put_model(a, "x", "lstm", s_dkt.w, s_dkt.len, S_CONCEPTS, 0), ASSAY_EREPLY);
    assert_string_equal(s_buf, "bad_request: kind: expected \"dkt\" or \"dkvmn\", got \"lstm\"");
    assert_int_equal(s_put_model(a, "x", "dkt", s_dkt.w, s_dkt.len, 3, 0), ASSAY_EREPLY);
    assert_string_equal(s_buf, "bad_request: concepts: 3 given, the model has 124 (the length "
                               "of out_layer.bias)");
    assert_int_equal(s_put_model(a, "x", "dkvmn", s_dkt.w, s_dkt.len, S_CONCEPTS, 0), ASSAY_EREPLY);
    assert_non_null(strstr(s_buf, "tensor \"interaction_emb.weight\" is not part of pyKT's DKVMN"));
    assert_int_equal(s_put_model(a, "x", "dkt", s_dkt.w, s_dkt.len - 4, S_CONCEPTS, 0),
                     ASSAY_EREPLY);
    assert_non_null(strstr(s_buf, "bad_request: weights: tensor"));
    assert_int_equal(s_put_model(u, "x", "dkt", s_dkt.w, s_dkt.len, S_CONCEPTS, 0), ASSAY_EREPLY);
    assert_non_null(strstr(s_buf, "forbidden"));
    assert_string_equal(h_error(a, "model.put", "{'id':'x','kind':'dkt','weights':7,'concepts':[]}",
                                s_buf, sizeof s_buf),
                        "bad_request: weights: expected bytes (a safetensors file), got an "
                        "integer");
    assert_string_equal(h_error(a, "model.get", "{'id':'nope'}", s_buf, sizeof s_buf),
                        "not_found: model \"nope\" not found");
    assert_string_equal(h_error(a, "model.delete", "{'id':'nope'}", s_buf, sizeof s_buf),
                        "not_found: model \"nope\" not found");
    assert_string_equal(h_error(a, "model.recompute", "{'id':'nope'}", s_buf, sizeof s_buf),
                        "not_found: model \"nope\" not found");
    assert_string_equal(
        h_error(a, "mastery.get", "{'learner':'a','model':'nope'}", s_buf, sizeof s_buf),
        "not_found: model \"nope\" not found");
    assert_string_equal(
        h_error(a, "mastery.get", "{'learner':'a','model':'dkt','skill':'s'}", s_buf, sizeof s_buf),
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
    assay_t *a = h_connect(&s_e, true);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "model.list", "{}", &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r), *l = assay_map_get(o, "models");
    assert_int_equal(l->via.array.size, 2);
    assert_true(h_str_is(&l->via.array.ptr[0], "id", "dkt"));
    assert_true(h_str_is(&l->via.array.ptr[1], "id", "dkvmn"));
    assert_true(h_num(&l->via.array.ptr[1], "concepts") == S_CONCEPTS);
    assert_true(h_num(o, "total") == 2);
    assay_reply_free(&r);
    assert_int_equal(h_call(a, "model.delete", "{'id':'dkvmn'}", &r), ASSAY_OK);
    assay_reply_free(&r);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    s_pack_submit(&sb, "after", 1, true);
    r = s_call(a, "response.submit", &sb);
    const msgpack_object *models = assay_map_get(assay_reply_result(r), "models");
    assert_int_equal(models->via.map.size, 1); /* dkt only */
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    assert_string_equal(
        h_error(a, "mastery.get", "{'learner':'after','model':'dkvmn'}", s_buf, sizeof s_buf),
        "not_found: model \"dkvmn\" not found");
    assay_close(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(submissions_step_dkt_and_dkvmn_as_pytorch_does),
        cmocka_unit_test(a_learners_concurrent_submissions_are_applied_in_stored_order),
        cmocka_unit_test(recompute_rebuilds_the_states_from_the_stored_responses),
        cmocka_unit_test(a_mastery_notification_carries_the_models),
        cmocka_unit_test(max_learners_bounds_the_states_kept),
        cmocka_unit_test(a_model_file_over_a_megabyte_is_put_on_the_admin_socket),
        cmocka_unit_test(model_methods_give_precise_errors),
        cmocka_unit_test(models_are_listed_and_deleted),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
