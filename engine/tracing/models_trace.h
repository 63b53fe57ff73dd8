/* models_trace.h — how a submission steps the deep models (docs/DESIGN.md "Deep knowledge
 * tracing"): the worker computes, the writer checks and stores.
 *
 * A response steps every model one of whose concepts an answered item names (items with a max
 * score above 0): each such skill, in item order and in the item's skill order, is one step
 * (concept, correct), correct as for BKT (tracing.h as_trace_correct).
 *
 * The steps cost micro- to milliseconds, so they are not taken on the single writer thread. The
 * worker that scored the response reads the learner's state of each model (live generation) in
 * its read transaction, runs the steps and forwards, per model, the state it started from
 * (generation, steps applied so far), the state it ended with and the result. The writer, in
 * its transaction, takes the worker's state when the stored state is still the one the worker
 * started from (same generation and step count: no other submission of the learner, no new
 * version, no recompute got in between) and the response was not scored again; otherwise it
 * runs the steps itself from the stored state. Either way a learner's answers are applied in
 * the order they are stored.
 */
#ifndef AS_MODELS_TRACE_H
#define AS_MODELS_TRACE_H

#include "model.h"
#include "store.h"
#include "table.h"

#include <msgpack.h>

/* One step of a model. */
typedef struct {
    uint32_t concept;
    uint32_t item, skill; /* the item and which of its skills */
    bool correct;
} as_kt_step_t;

/* A thread's scratch for the models (worker, writer, job thread): allocated once, grown to the
 * largest model and response. */
typedef struct as_kt {
    as_model_scratch_t scratch;
    float *state;
    size_t state_cap;
    as_kt_step_t *steps;
    size_t steps_cap;
    uint32_t *seen; /* concepts touched, first-seen order */
    double *first;  /* their predictions before their first step */
    size_t seen_cap;
    msgpack_sbuffer sb; /* a result map being built */
    msgpack_packer pk;
} as_kt_t;

void as_kt_init(as_kt_t *k);
void as_kt_free(as_kt_t *k);

/* The steps response (x, answered) of table t gives model m: *n of them in k->steps. */
as_code_t as_kt_plan(as_kt_t *k, const as_model_t *m, const as_table_t *t, const double *x,
                     const uint8_t *answered, uint32_t *n, as_err_t *err);

/* k->state, n_state floats copied from `from` (unaligned; NULL: the model's initial state), with
 * the scratch fitted to m; NULL on failure (err set). */
float *as_kt_state(as_kt_t *k, const as_model_t *m, const void *from, as_err_t *err);

/* Runs k->steps[0, n) on state (n_state floats, unaligned; NULL: the initial state) into
 * k->state, and packs the result into k->sb: {skill: {predicted, p_correct_next}}, predicted
 * for each concept's first step, p_correct_next after the last. */
as_code_t as_kt_run(as_kt_t *k, const as_model_t *m, const as_table_t *t, const void *state,
                    uint32_t n, as_err_t *err);

/* The worker's half: appends to out one array, an entry per model the response steps: [model id,
 * gen, steps before (nil: no state yet), state after (bin), result (bin)]; nothing when it steps
 * none. *n: the entries. */
as_code_t as_kt_precompute(as_kt_t *k, as_reader_t *rd, const as_table_t *t, const char *learner,
                           uint32_t llen, const double *x, const uint8_t *answered,
                           msgpack_sbuffer *out, uint32_t *n, as_err_t *err);

/* The writer's half: steps and stores every model the response steps, taking the worker's
 * precomputed entries (pre, or NULL) where they still hold; packs {model id: result} into out
 * (nothing when no model was stepped; *n_models says how many). */
as_code_t as_kt_write(as_kt_t *k, as_wtxn_t *txn, const as_table_t *t, const char *learner,
                      uint32_t llen, const double *x, const uint8_t *answered, const void *pre,
                      size_t pre_len, msgpack_sbuffer *out, uint32_t *n_models, as_err_t *err);

/* mastery.get {learner, model}: {learner, model, version, kind, steps, concepts: {concept:
 * p_correct_next}} for every concept of the model, from the learner's live state (the initial
 * one when they have none; steps 0). */
as_code_t as_kt_pack_state(as_kt_t *k, as_reader_t *rd, const char *model, uint32_t mlen,
                           const char *learner, uint32_t llen, msgpack_packer *pk, as_err_t *err);

#endif
