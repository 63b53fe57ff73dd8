/* model.h — deep knowledge tracing models (DKT, DKVMN): a trained model compiled into a flat
 * blob that is stored in the map and run in place, one answer at a time (docs/DESIGN.md
 * "Deep knowledge tracing").
 *
 * A model comes as a safetensors file holding pyKT's state_dict (model_load.c checks and
 * compiles it). Compiling precomputes what depends only on the answer (the algebra allows it
 * because every input is an embedding row):
 *   DKT    gx[x]   = W_ih · emb[x] + b_ih + b_hh            for every interaction x = c + C·r
 *   DKVMN  w[c]    = softmax(Mk · k_emb[c])                 for every concept c
 *          fk[c]   = F[:, D:] · k_emb[c] + f_bias
 *          e[x]    = σ(E · v_emb[x] + e_bias), a[x] = tanh(A · v_emb[x] + a_bias)
 * so a step is one recurrent matrix-vector product (DKT: W_hh · h, 4H × H; DKVMN: F[:, :D] ·
 * read, D × D) plus vector work. Every vector and matrix row is padded with zeros to a
 * multiple of AS_MODEL_LANES floats; padding stays zero through the steps.
 *
 * A learner's state is n_state floats: DKT h then c (each Hp), DKVMN the value memory M × Dp.
 */
#ifndef AS_MODEL_H
#define AS_MODEL_H

#include "protocol.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AS_MODEL_LANES        8
#define AS_MODEL_FORMAT       1
#define AS_MODEL_MAX_BYTES    (64u << 20)  /* a safetensors file */
#define AS_MODEL_MAX_BLOB     (256u << 20) /* a compiled model */
#define AS_MODEL_MAX_STATE    (1u << 20)   /* floats in one learner's state (4 MiB) */
#define AS_MODEL_MAX_CONCEPTS 65536u
#define AS_MODEL_MAX_DIM      8192u

typedef enum { AS_MODEL_DKT = 1, AS_MODEL_DKVMN = 2 } as_model_kind_t;

/* The blob's header; every offset is in bytes from the blob's start, 32-byte aligned. */
typedef struct {
    char magic[8]; /* "ASMODEL\0" */
    uint32_t format, kind;
    uint32_t c;                          /* concepts */
    uint32_t h, e;                       /* DKT: hidden and embedding sizes; DKVMN: D (dim_s), 0 */
    uint32_t m;                          /* DKVMN: memory slots; DKT 0 */
    uint32_t hp;                         /* h padded to AS_MODEL_LANES */
    uint32_t n_state;                    /* floats in a learner's state */
    uint32_t concepts_off, concepts_len; /* the concepts: [u32 len, bytes] each, in index order */
    uint32_t index_off; /* u32[c]: concept indexes sorted by name (lookup by bisection) */
    uint32_t names_off; /* u32[c]: where each concept's entry starts, from concepts_off */
    uint64_t size;      /* of the whole blob */
    uint64_t off[8];    /* the arrays, by kind (model_step.c) */
    uint64_t init_off;  /* the initial state, n_state floats */
} as_model_hdr_t;

/* A compiled model opened in place (the blob must stay mapped while it is used). */
typedef struct {
    const as_model_hdr_t *hdr;
    const uint8_t *base;
} as_model_t;

/* Checks a safetensors file of the given kind and compiles it with its concept names (n of
 * them, in the model's index order; each at most AS_MAX_ID bytes, no duplicates): a malloc'd
 * blob of *size bytes, or NULL with err saying what is wrong (which tensor, expected and found
 * shape; which header entry). */
void *as_model_compile(as_model_kind_t kind, const void *file, size_t len,
                       const char *const *concepts, const uint32_t *concept_lens, uint32_t n,
                       size_t *size, as_err_t *err);

/* Only the safetensors check, for the fuzz target and the loader: the tensors of the file. */
typedef struct {
    char name[64];
    uint32_t rank;
    uint32_t shape[4];
    const float *data; /* unaligned: read with memcpy */
    size_t n;          /* elements */
} as_tensor_t;
#define AS_MODEL_MAX_TENSORS 32
as_code_t as_safetensors_read(const void *file, size_t len, as_tensor_t *out, uint32_t *n,
                              as_err_t *err);

bool as_model_kind_parse(const char *s, uint32_t len, as_model_kind_t *kind);
const char *as_model_kind_name(as_model_kind_t kind);

/* Opens a stored blob (checks the header and that every array lies inside). */
as_code_t as_model_open(const void *blob, size_t len, as_model_t *m, as_err_t *err);
/* The index of concept (id, len), or -1. */
int32_t as_model_concept(const as_model_t *m, const char *id, uint32_t len);
/* The name of concept i. */
const char *as_model_concept_name(const as_model_t *m, uint32_t i, uint32_t *len);

/* Per-thread scratch for steps (no allocation per step): grown once to the largest model. */
typedef struct {
    float *buf;
    size_t cap; /* floats */
} as_model_scratch_t;
as_code_t as_model_scratch_fit(as_model_scratch_t *s, const as_model_t *m, as_err_t *err);
void as_model_scratch_free(as_model_scratch_t *s);

/* The initial state. */
const float *as_model_init(const as_model_t *m);
/* The probability that the next answer to concept c is correct in state st. */
double as_model_predict(const as_model_t *m, as_model_scratch_t *s, const float *st, uint32_t c);
/* One answer: the prediction for concept c before it (returned), then st updated in place by
 * the answer (correct or not). */
double as_model_step(const as_model_t *m, as_model_scratch_t *s, float *st, uint32_t c,
                     bool correct);

#endif
