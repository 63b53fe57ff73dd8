/* model_step.c — a compiled model (model.h) opened in place and run one answer at a time.
 *
 * DKT    arrays: 0 gx [2C][4Hp]   1 W_hh [4Hp][Hp]   2 W_out [C][Hp]   3 b_out [C]
 *        state:  h [Hp], c [Hp], starting at 0
 *        step:   p = σ(W_out[c] · h + b_out[c]); gates = W_hh · h + gx[c + C·r];
 *                c = σ(f)·c + σ(i)·tanh(g); h = σ(o)·tanh(c)
 * DKVMN  arrays: 0 w [C][Mp]   1 fk [C][Dp]   2 F_read [Dp][Dp]   3 p_w [Dp]   4 p_b
 *                5 e [2C][Dp]   6 a [2C][Dp]
 *        state:  Mv [M][Dp], starting at Mv0
 *        step:   read = Σ w[c]_i Mv_i; f = tanh(F_read · read + fk[c]); p = σ(p_w · f + p_b);
 *                Mv_i = Mv_i · (1 - w[c]_i e[x]) + w[c]_i a[x], x = c + C·r
 */
#include "model.h"

#include "model_math.h"

#include <stdlib.h>
#include <string.h>

static const float *s_arr(const as_model_t *m, uint64_t off)
{
    return (const float *)(const void *)(m->base + off);
}

as_code_t as_model_open(const void *blob, size_t len, as_model_t *m, as_err_t *err)
{
    const as_model_hdr_t *h = blob;
    if (len < sizeof *h || memcmp(h->magic, "ASMODEL", 8) || h->format != AS_MODEL_FORMAT ||
        h->size != len || (h->kind != AS_MODEL_DKT && h->kind != AS_MODEL_DKVMN))
        return as_err_set(err, AS_INTERNAL, "a stored model is corrupt (header)");
    for (int i = 0; i < 8; i++)
        if (h->off[i] > len) return as_err_set(err, AS_INTERNAL, "a stored model is corrupt");
    if (h->init_off + (uint64_t)h->n_state * 4 > len ||
        (uint64_t)h->concepts_off + h->concepts_len > len ||
        (uint64_t)h->index_off + (uint64_t)h->c * 4 > len ||
        (uint64_t)h->names_off + (uint64_t)h->c * 4 > len)
        return as_err_set(err, AS_INTERNAL, "a stored model is corrupt");
    m->hdr = h;
    m->base = blob;
    return AS_OK;
}

const char *as_model_concept_name(const as_model_t *m, uint32_t i, uint32_t *len)
{
    uint32_t at;
    memcpy(&at, m->base + m->hdr->names_off + (size_t)i * 4, 4);
    const uint8_t *p = m->base + m->hdr->concepts_off + at;
    memcpy(len, p, 4);
    return (const char *)p + 4;
}

int32_t as_model_concept(const as_model_t *m, const char *id, uint32_t len)
{
    const uint8_t *idx = m->base + m->hdr->index_off;
    uint32_t lo = 0, hi = m->hdr->c;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2, ci, cl;
        memcpy(&ci, idx + (size_t)mid * 4, 4);
        const char *cn = as_model_concept_name(m, ci, &cl);
        int c = memcmp(cn, id, cl < len ? cl : len);
        if (!c) c = (cl > len) - (cl < len);
        if (!c) return (int32_t)ci;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

as_code_t as_model_scratch_fit(as_model_scratch_t *s, const as_model_t *m, as_err_t *err)
{
    size_t need = 4 * (size_t)m->hdr->hp + AS_MODEL_LANES;
    if (s->cap >= need) return AS_OK;
    float *b = realloc(s->buf, need * sizeof *b);
    if (!b) return as_err_set(err, AS_INTERNAL, "out of memory");
    s->buf = b;
    s->cap = need;
    return AS_OK;
}

void as_model_scratch_free(as_model_scratch_t *s)
{
    free(s->buf);
    *s = (as_model_scratch_t){0};
}

const float *as_model_init(const as_model_t *m)
{
    return s_arr(m, m->hdr->init_off);
}

static float s_dkt_predict(const as_model_t *m, const float *h, uint32_t c)
{
    uint32_t hp = m->hdr->hp;
    return as_sigmoidf(as_vec_dot(s_arr(m, m->hdr->off[2]) + (size_t)c * hp, h, hp) +
                       s_arr(m, m->hdr->off[3])[c]);
}

static float s_dkvmn_predict(const as_model_t *m, as_model_scratch_t *s, const float *mv,
                             uint32_t c)
{
    const as_model_hdr_t *h = m->hdr;
    uint32_t dp = h->hp, mp = (h->m + AS_MODEL_LANES - 1) / AS_MODEL_LANES * AS_MODEL_LANES;
    const float *w = s_arr(m, h->off[0]) + (size_t)c * mp;
    float *read = s->buf, *f = s->buf + dp;
    memset(read, 0, dp * sizeof *read);
    for (uint32_t i = 0; i < h->m; i++)
        as_vec_axpy(w[i], mv + (size_t)i * dp, read, dp);
    as_vec_gemv(s_arr(m, h->off[2]), dp, dp, read, s_arr(m, h->off[1]) + (size_t)c * dp, f);
    as_vec_tanh(f, dp);
    return as_sigmoidf(as_vec_dot(s_arr(m, h->off[3]), f, dp) + s_arr(m, h->off[4])[0]);
}

double as_model_predict(const as_model_t *m, as_model_scratch_t *s, const float *st, uint32_t c)
{
    return m->hdr->kind == AS_MODEL_DKT ? s_dkt_predict(m, st, c) : s_dkvmn_predict(m, s, st, c);
}

double as_model_step(const as_model_t *m, as_model_scratch_t *s, float *st, uint32_t c,
                     bool correct)
{
    const as_model_hdr_t *h = m->hdr;
    uint32_t x = c + (correct ? h->c : 0), hp = h->hp;
    if (h->kind == AS_MODEL_DKT) {
        float p = s_dkt_predict(m, st, c);
        float *gates = s->buf;
        as_vec_gemv(s_arr(m, h->off[1]), 4 * hp, hp, st, s_arr(m, h->off[0]) + (size_t)x * 4 * hp,
                    gates);
        as_vec_lstm(gates, st, st + hp, hp);
        return p;
    }
    float p = s_dkvmn_predict(m, s, st, c);
    uint32_t mp = (h->m + AS_MODEL_LANES - 1) / AS_MODEL_LANES * AS_MODEL_LANES;
    const float *w = s_arr(m, h->off[0]) + (size_t)c * mp;
    const float *e = s_arr(m, h->off[5]) + (size_t)x * hp,
                *a = s_arr(m, h->off[6]) + (size_t)x * hp;
    for (uint32_t i = 0; i < h->m; i++)
        as_vec_erase_add(st + (size_t)i * hp, w[i], e, a, hp);
    return p;
}
