/* fuzz_model.c — libFuzzer: the model loader (engine/tracing/model_load.c) on untrusted
 * safetensors files. The first byte picks the kind (even: DKT, odd: DKVMN), the rest is the
 * file. It must compile or refuse with a message, never crash or leak; what compiles must open,
 * find each concept by its name, and give probabilities in [0, 1] (or NaN, never outside) over
 * a few steps from the initial state. */
#include "model.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    as_model_kind_t kind = data[0] & 1 ? AS_MODEL_DKVMN : AS_MODEL_DKT;
    as_tensor_t t[AS_MODEL_MAX_TENSORS];
    uint32_t nt;
    as_err_t err;
    if (as_safetensors_read(data + 1, size - 1, t, &nt, &err)) return 0;
    /* as many concepts as the file's concept tensor has rows (at most 256 here) */
    const char *cname = kind == AS_MODEL_DKT ? "out_layer.bias" : "k_emb_layer.weight";
    uint32_t c = 1;
    for (uint32_t i = 0; i < nt; i++)
        if (!strcmp(t[i].name, cname) && t[i].rank >= 1) c = t[i].shape[0];
    if (c == 0 || c > 256) c = 1;
    static char names[256][12];
    const char *p[256];
    uint32_t l[256];
    for (uint32_t i = 0; i < c; i++) {
        snprintf(names[i], sizeof names[i], "c%u", i);
        p[i] = names[i];
        l[i] = (uint32_t)strlen(names[i]);
    }
    size_t blob_len;
    void *blob = as_model_compile(kind, data + 1, size - 1, p, l, c, &blob_len, &err);
    if (!blob) return 0;
    as_model_t m;
    if (as_model_open(blob, blob_len, &m, &err)) abort();
    for (uint32_t i = 0; i < c; i++)
        if (as_model_concept(&m, p[i], l[i]) != (int32_t)i) abort();
    as_model_scratch_t s = {0};
    float *st = malloc(m.hdr->n_state * sizeof *st);
    if (as_model_scratch_fit(&s, &m, &err) || !st) abort();
    memcpy(st, as_model_init(&m), m.hdr->n_state * sizeof *st);
    for (uint32_t i = 0; i < 8; i++) {
        double pr = as_model_step(&m, &s, st, i % c, i & 1);
        if (pr < 0 || pr > 1) abort();
    }
    free(st);
    as_model_scratch_free(&s);
    free(blob);
    return 0;
}
