/* models_fixture.h — the deep-model integration tests' shared engine and files
 * (test_models.c: serving; test_models_admin.c: the methods, bounds and errors). */
#ifndef AS_MODELS_FIXTURE_H
#define AS_MODELS_FIXTURE_H

#include "harness.h"

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>

#ifndef KT_DIR
#error KT_DIR must name tests/kt
#endif

#define MF_CONCEPTS 124

typedef struct {
    void *w; /* the safetensors file */
    size_t len;
    json_t *ref; /* PyTorch's predictions (tools/kt/reference.py) */
} mf_file_t;

extern h_engine_t mf_e;
extern char mf_buf[2048];          /* the last error of mf_put_model, and scratch for params */
extern mf_file_t mf_dkt, mf_dkvmn; /* tests/kt/dkt_small, dkvmn_small */

/* Group setup and teardown: the engine, its skills and "bank", the files. */
int mf_up(void **state);
int mf_down(void **state);
/* Calls method with params packed in sb (cleared after); fails the test on an error. */
assay_reply_t *mf_call(assay_t *c, const char *method, msgpack_sbuffer *sb);
/* model.put {id, kind, weights, concepts skill-0.., max_learners if non-zero}: the libassay
 * code; on an error "code: message" in mf_buf. */
int mf_put_model(assay_t *c, const char *id, const char *kind, const void *w, size_t len,
                 uint32_t concepts, uint64_t max_learners);
/* response.submit of one answer to q<concept> by learner, packed into sb. */
void mf_pack_submit(msgpack_sbuffer *sb, const char *learner, uint32_t concept, bool correct);
/* models.<model>.skill-<concept>.<field> of a result or notification (fails when absent). */
double mf_model_field(const msgpack_object *result, const char *model, uint32_t concept,
                      const char *field);

#endif
