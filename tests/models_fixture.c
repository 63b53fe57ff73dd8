/* models_fixture.c — what the deep-model integration tests share (models_fixture.h): a real
 * assayd with the skills skill-0..123 and an assessment "bank" of one item per skill, the model
 * files and PyTorch's reference predictions of tests/kt, and packing submissions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "models_fixture.h"

#include "codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

h_engine_t mf_e;
char mf_buf[2048];

mf_file_t mf_dkt, mf_dkvmn;

static void mf_load(mf_file_t *m, const char *prefix)
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
assay_reply_t *mf_call(assay_t *c, const char *method, msgpack_sbuffer *sb)
{
    assay_reply_t *r;
    int rc = assay_call(c, method, sb->data, sb->size, 60000, &r);
    if (rc) fail_msg("%s: %s", method, r ? assay_reply_message(r) : assay_strerror(rc));
    return r;
}

/* model.put {id, kind, weights, concepts: skill-0.., [max_learners]} -> the libassay code; the
 * reply's message into mf_buf on an error. */
int mf_put_model(assay_t *c, const char *id, const char *kind, const void *w, size_t len,
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
    mf_buf[0] = 0;
    if (rc && r)
        snprintf(mf_buf, sizeof mf_buf, "%s: %s", assay_reply_code(r), assay_reply_message(r));
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* The skills skill-0..123 and an assessment "bank" with one item q<i> per skill. */
int mf_up(void **state)
{
    (void)state;
    h_start(&mf_e, NULL);
    mf_load(&mf_dkt, "dkt_small");
    mf_load(&mf_dkvmn, "dkvmn_small");
    assay_t *a = h_connect(&mf_e, true);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    for (int i = 0; i < MF_CONCEPTS; i++) {
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
    msgpack_pack_array(&pk, MF_CONCEPTS);
    for (int i = 0; i < MF_CONCEPTS; i++) {
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
    assay_reply_t *put = mf_call(a, "assessment.put", &sb);
    assay_reply_free(&put);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
    return 0;
}

int mf_down(void **state)
{
    (void)state;
    free(mf_dkt.w);
    free(mf_dkvmn.w);
    json_decref(mf_dkt.ref);
    json_decref(mf_dkvmn.ref);
    return h_cleanup(&mf_e);
}

/* response.submit of one answer to q<concept> (correct or not) by learner: packed. */
void mf_pack_submit(msgpack_sbuffer *sb, const char *learner, uint32_t concept, bool correct)
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
double mf_model_field(const msgpack_object *result, const char *model, uint32_t concept,
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
