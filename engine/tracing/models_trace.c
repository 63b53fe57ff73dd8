/* models_trace.c — a submission's steps of the deep models: planned and run by the worker,
 * checked and stored by the writer (models_trace.h). */
#include "models_trace.h"

#include "tracing.h"

#include <stdlib.h>
#include <string.h>

void as_kt_init(as_kt_t *k)
{
    memset(k, 0, sizeof *k);
    msgpack_sbuffer_init(&k->sb);
    msgpack_packer_init(&k->pk, &k->sb, msgpack_sbuffer_write);
}

void as_kt_free(as_kt_t *k)
{
    as_model_scratch_free(&k->scratch);
    free(k->state);
    free(k->steps);
    free(k->seen);
    free(k->first);
    msgpack_sbuffer_destroy(&k->sb);
    memset(k, 0, sizeof *k);
}

static bool s_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (*cap >= need) return true;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q) return false;
    *p = q;
    *cap = n;
    return true;
}

typedef struct {
    as_kt_t *k;
    const as_model_t *m;
    uint32_t n;
} s_plan_t;

static bool s_plan_step(void *arg, uint32_t item, uint32_t j, const char *id, uint32_t len,
                        bool correct)
{
    s_plan_t *p = arg;
    int32_t c = as_model_concept(p->m, id, len);
    if (c < 0) return true;
    void *steps = p->k->steps;
    if (!s_grow(&steps, &p->k->steps_cap, (size_t)p->n + 1, sizeof *p->k->steps)) return false;
    p->k->steps = steps;
    p->k->steps[p->n++] = (as_kt_step_t){(uint32_t)c, item, j, correct};
    return true;
}

as_code_t as_kt_plan(as_kt_t *k, const as_model_t *m, const as_table_t *t, const double *x,
                     const uint8_t *answered, uint32_t *n, as_err_t *err)
{
    s_plan_t p = {k, m, 0};
    bool ok = as_trace_each(t, x, answered, s_plan_step, &p);
    *n = p.n;
    return ok ? AS_OK : as_err_set(err, AS_INTERNAL, "out of memory");
}

float *as_kt_state(as_kt_t *k, const as_model_t *m, const void *from, as_err_t *err)
{
    uint32_t ns = m->hdr->n_state;
    void *p = k->state;
    if (!s_grow(&p, &k->state_cap, ns, sizeof *k->state)) {
        as_err_set(err, AS_INTERNAL, "out of memory");
        return NULL;
    }
    k->state = p;
    if (as_model_scratch_fit(&k->scratch, m, err)) return NULL;
    memcpy(k->state, from ? from : (const void *)as_model_init(m), (size_t)ns * sizeof(float));
    return k->state;
}

as_code_t as_kt_run(as_kt_t *k, const as_model_t *m, const as_table_t *t, const void *state,
                    uint32_t n, as_err_t *err)
{
    if (!as_kt_state(k, m, state, err)) return err->code;
    void *p = k->seen;
    size_t cap = k->seen_cap;
    if (!s_grow(&p, &cap, n, sizeof *k->seen)) return as_err_set(err, AS_INTERNAL, "out of memory");
    k->seen = p;
    p = k->first;
    if (!s_grow(&p, &k->seen_cap, n, sizeof *k->first))
        return as_err_set(err, AS_INTERNAL, "out of memory");
    k->first = p;
    /* steps, noting each concept's first prediction; the skill named for a concept is the
     * first step's (a concept is one skill id) */
    uint32_t n_seen = 0;
    for (uint32_t s = 0; s < n; s++) {
        const as_kt_step_t *st = &k->steps[s];
        double pr = as_model_step(m, &k->scratch, k->state, st->concept, st->correct);
        uint32_t j = 0;
        while (j < n_seen && k->steps[k->seen[j]].concept != st->concept)
            j++;
        if (j == n_seen) {
            k->seen[n_seen] = s;
            k->first[n_seen++] = pr;
        }
    }
    msgpack_sbuffer_clear(&k->sb);
    msgpack_pack_map(&k->pk, n_seen);
    for (uint32_t j = 0; j < n_seen; j++) {
        const as_kt_step_t *st = &k->steps[k->seen[j]];
        as_titem_t it;
        as_table_item(t, st->item, &it);
        uint32_t len;
        const char *id = as_table_skill(t, &it, st->skill, &len);
        as_pack_str(&k->pk, id, len);
        msgpack_pack_map(&k->pk, 2);
        as_pack_cstr(&k->pk, "predicted");
        msgpack_pack_double(&k->pk, k->first[j]);
        as_pack_cstr(&k->pk, "p_correct_next");
        msgpack_pack_double(&k->pk, as_model_predict(m, &k->scratch, k->state, st->concept));
    }
    return AS_OK;
}

/* Opens a stored model and plans the response's steps of it (*n). */
static as_code_t s_open_plan(as_kt_t *k, const void *blob, size_t len, const as_table_t *t,
                             const double *x, const uint8_t *answered, as_model_t *m, uint32_t *n,
                             as_err_t *err)
{
    as_code_t rc = as_model_open(blob, len, m, err);
    return rc ? rc : as_kt_plan(k, m, t, x, answered, n, err);
}

/* ---- the worker ---- */

typedef struct {
    as_kt_t *k;
    as_reader_t *rd;
    const as_table_t *t;
    const char *learner;
    uint32_t llen;
    const double *x;
    const uint8_t *answered;
    msgpack_packer *pk;
    uint32_t n;
    as_code_t rc;
    as_err_t *err;
} s_pre_t;

static bool s_pre_one(void *arg, const char *id, uint32_t len, const as_model_rec_t *rec,
                      const void *blob, size_t blob_len)
{
    s_pre_t *c = arg;
    as_model_t m;
    uint32_t n;
    if ((c->rc = s_open_plan(c->k, blob, blob_len, c->t, c->x, c->answered, &m, &n, c->err)))
        return false;
    if (!n) return true;
    const void *state = NULL;
    uint32_t steps = 0;
    bool found;
    if ((c->rc = as_store_model_state_get(c->rd, id, len, c->learner, c->llen, rec->live_gen,
                                          rec->n_state, &state, &steps, &found, c->err)))
        return false;
    if (!found && rec->max_learners && rec->learners >= rec->max_learners)
        return true; /* the writer counts it as refused */
    if ((c->rc = as_kt_run(c->k, &m, c->t, found ? state : NULL, n, c->err))) return false;
    msgpack_pack_array(c->pk, 5);
    as_pack_str(c->pk, id, len);
    msgpack_pack_uint32(c->pk, rec->live_gen);
    if (found)
        msgpack_pack_uint32(c->pk, steps);
    else
        msgpack_pack_nil(c->pk);
    msgpack_pack_bin(c->pk, (size_t)rec->n_state * 4);
    msgpack_pack_bin_body(c->pk, c->k->state, (size_t)rec->n_state * 4);
    msgpack_pack_bin(c->pk, c->k->sb.size);
    msgpack_pack_bin_body(c->pk, c->k->sb.data, c->k->sb.size);
    c->n++;
    return true;
}

as_code_t as_kt_precompute(as_kt_t *k, as_reader_t *rd, const as_table_t *t, const char *learner,
                           uint32_t llen, const double *x, const uint8_t *answered,
                           msgpack_sbuffer *out, uint32_t *n, as_err_t *err)
{
    /* packed in place after an array32 header patched with the count (no copy of the states) */
    size_t at = as_pack_count_later(out, false);
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    s_pre_t c = {.k = k,
                 .rd = rd,
                 .t = t,
                 .learner = learner,
                 .llen = llen,
                 .x = x,
                 .answered = answered,
                 .pk = &pk,
                 .err = err};
    as_code_t rc = as_store_model_list(rd, NULL, 0, UINT32_MAX, s_pre_one, &c, NULL, NULL, err);
    if (!rc) rc = c.rc;
    *n = rc ? 0 : c.n;
    if (!*n) {
        out->size = at; /* nothing stepped: nothing packed */
        return rc;
    }
    as_pack_count_patch(out, at, c.n);
    return AS_OK;
}

/* ---- the writer ---- */

typedef struct {
    as_kt_t *k;
    as_wtxn_t *txn;
    const as_table_t *t;
    const char *learner;
    uint32_t llen;
    const double *x;
    const uint8_t *answered;
    const void *pre;
    size_t pre_len;
    msgpack_packer pk;
    uint32_t n;
    as_code_t rc;
    as_err_t *err;
} s_write_t;

/* The worker's entry for model (id, len) in pre, if it holds for the stored state: its state
 * and result. */
static bool s_pre_find(const s_write_t *c, const char *id, uint32_t len, const as_model_rec_t *rec,
                       bool found, uint32_t steps, const uint8_t **state, const uint8_t **result,
                       uint32_t *result_len)
{
    if (!c->pre) return false;
    as_mp_t r;
    uint32_t n;
    as_mp_init(&r, c->pre, c->pre_len);
    if (as_mp_array(&r, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t parts, gen, before = 0, sl, rl;
        const char *mid;
        uint32_t ml;
        bool had;
        const uint8_t *sp, *rp;
        if (as_mp_array(&r, &parts) || parts != 5 || as_mp_str(&r, &mid, &ml) ||
            as_mp_u32(&r, &gen))
            return false;
        had = as_mp_nil(&r) != 0;
        if (had && as_mp_u32(&r, &before)) return false;
        if (as_mp_bytes(&r, &sp, &sl) || as_mp_bytes(&r, &rp, &rl)) return false;
        if (ml != len || memcmp(mid, id, len)) continue;
        if (gen != rec->live_gen || had != found || (found && before != steps) ||
            sl != rec->n_state * 4)
            return false; /* the state moved since the worker read it */
        *state = sp;
        *result = rp;
        *result_len = rl;
        return true;
    }
    return false;
}

static bool s_write_one(void *arg, const char *id, uint32_t len, const as_model_rec_t *recp,
                        const void *blob, size_t blob_len)
{
    s_write_t *c = arg;
    as_model_rec_t rec = *recp;
    as_model_t m;
    uint32_t n;
    if ((c->rc = s_open_plan(c->k, blob, blob_len, c->t, c->x, c->answered, &m, &n, c->err)))
        return false;
    if (!n) return true;
    const void *state = NULL;
    uint32_t steps = 0;
    bool found, fresh;
    if ((c->rc = as_store_model_state_wget(c->txn, id, len, c->learner, c->llen, rec.live_gen,
                                           rec.n_state, &state, &steps, &found, c->err)))
        return false;
    if (!found && rec.max_learners && rec.learners >= rec.max_learners) {
        rec.refused++;
        c->rc = as_store_model_set(c->txn, id, len, &rec, c->err);
        return !c->rc;
    }
    const uint8_t *pre_state, *result;
    uint32_t result_len;
    const float *after;
    if (s_pre_find(c, id, len, &rec, found, steps, &pre_state, &result, &result_len)) {
        after = (const float *)(const void *)pre_state; /* copied by the put: never dereferenced */
    } else {
        if ((c->rc = as_kt_run(c->k, &m, c->t, found ? state : NULL, n, c->err))) return false;
        after = c->k->state;
        result = (const uint8_t *)c->k->sb.data;
        result_len = (uint32_t)c->k->sb.size;
    }
    if ((c->rc = as_store_model_state_put(c->txn, id, len, c->learner, c->llen, &rec, rec.live_gen,
                                          steps + n, after, &fresh, c->err)))
        return false;
    if (fresh && (c->rc = as_store_model_set(c->txn, id, len, &rec, c->err))) return false;
    as_pack_str(&c->pk, id, len);
    as_pack_raw(&c->pk, result, result_len);
    c->n++;
    return true;
}

as_code_t as_kt_write(as_kt_t *k, as_wtxn_t *txn, const as_table_t *t, const char *learner,
                      uint32_t llen, const double *x, const uint8_t *answered, const void *pre,
                      size_t pre_len, msgpack_sbuffer *out, uint32_t *n_models, as_err_t *err)
{
    s_write_t c = {.k = k,
                   .txn = txn,
                   .t = t,
                   .learner = learner,
                   .llen = llen,
                   .x = x,
                   .answered = answered,
                   .pre = pre,
                   .pre_len = pre_len,
                   .err = err};
    /* a map32 header patched with the count, then the entries */
    msgpack_sbuffer_clear(out);
    size_t at = as_pack_count_later(out, true);
    msgpack_packer_init(&c.pk, out, msgpack_sbuffer_write);
    as_code_t rc = as_store_model_wlist(txn, s_write_one, &c, err);
    *n_models = c.n;
    as_pack_count_patch(out, at, c.n);
    return rc ? rc : c.rc;
}

/* ---- mastery.get {learner, model} ---- */

as_code_t as_kt_pack_state(as_kt_t *k, as_reader_t *rd, const char *model, uint32_t mlen,
                           const char *learner, uint32_t llen, msgpack_packer *pk, as_err_t *err)
{
    as_model_rec_t rec;
    const void *blob, *state;
    size_t blob_len;
    as_model_t m;
    uint32_t steps = 0;
    bool found;
    as_code_t rc;
    if ((rc = as_store_model_get(rd, model, mlen, &rec, &blob, &blob_len, err)) ||
        (rc = as_model_open(blob, blob_len, &m, err)) ||
        (rc = as_store_model_state_get(rd, model, mlen, learner, llen, rec.live_gen, rec.n_state,
                                       &state, &steps, &found, err)) ||
        (rc = as_kt_run(k, &m, NULL, found ? state : NULL, 0, err)))
        return rc;
    msgpack_pack_map(pk, 6);
    as_pack_cstr(pk, "learner");
    as_pack_str(pk, learner, llen);
    as_pack_cstr(pk, "model");
    as_pack_str(pk, model, mlen);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, rec.version);
    as_pack_cstr(pk, "kind");
    as_pack_cstr(pk, as_model_kind_name((as_model_kind_t)rec.kind));
    as_pack_cstr(pk, "steps");
    msgpack_pack_uint32(pk, found ? steps : 0);
    as_pack_cstr(pk, "concepts");
    msgpack_pack_map(pk, m.hdr->c);
    for (uint32_t c = 0; c < m.hdr->c; c++) {
        uint32_t len;
        const char *name = as_model_concept_name(&m, c, &len);
        as_pack_str(pk, name, len);
        msgpack_pack_double(pk, as_model_predict(&m, &k->scratch, k->state, c));
    }
    return AS_OK;
}
