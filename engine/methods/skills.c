/* skills.c — knowledge tracing's methods: skill.put, .get, .list, .delete (stored by
 * skills_write.c), skill.recompute (a job: tracing/recompute.c) and mastery.get. */
#include "handler.h"

#include "bkt_fit.h"
#include "models_trace.h"
#include "tracing.h"

#include <string.h>

as_code_t as_handle_skill_put(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("id"),
                      AS_FIELD("prior"),
                      AS_FIELD("learn"),
                      AS_FIELD("forget"),
                      AS_FIELD("guess"),
                      AS_FIELD("slip"),
                      AS_FIELD("mastery_threshold")};
    as_path_t path;
    const char *id;
    uint32_t len;
    as_bkt_params_t p = {.mastery_threshold = 0.95};
    double *out[] = {&p.prior, &p.learn, &p.forget, &p.guess, &p.slip, &p.mastery_threshold};
    as_code_t rc = as_h_params(req, f, 7, 6, &path, err);
    if (rc) return rc;
    if ((rc = as_field_id(&f[0], &id, &len, &path, err))) return rc;
    for (int i = 1; i < 7; i++) {
        bool below_one = i == 4 || i == 5; /* guess, slip */
        if (f[i].seen && (rc = as_field_prob(&f[i], below_one, out[i - 1], &path, err))) return rc;
    }
    if ((rc = as_h_fwd(w, id, len, err)) || (rc = as_h_fwd(w, &p, sizeof p, err))) return rc;
    w->fwd_op = AS_OP_SKILL_PUT;
    return AS_OK;
}

as_code_t as_handle_skill_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_skill_t sk;
    as_code_t rc = as_h_id_param(req, "id", &id, &len, err);
    if (rc) return rc;
    if ((rc = as_store_skill_get(w->rd, id, len, &sk, err))) return rc;
    as_pack_skill(&w->pk, id, len, &sk);
    return AS_OK;
}

typedef struct {
    msgpack_packer *pk;
    uint32_t rows;
    char last[AS_MAX_ID];
    uint32_t last_len;
} s_slist_ctx_t;

static void s_slist_row(void *arg, const char *id, uint32_t len, const as_skill_t *sk)
{
    s_slist_ctx_t *ctx = arg;
    as_pack_skill(ctx->pk, id, len, sk);
    memcpy(ctx->last, id, len);
    ctx->last_len = len;
    ctx->rows++;
}

as_code_t as_handle_skill_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *after;
    uint32_t after_len, limit;
    as_code_t rc = as_h_page_params(req, &after, &after_len, &limit, err);
    if (rc) return rc;
    size_t at = as_h_page_begin(w, "skills");
    s_slist_ctx_t ctx = {.pk = &w->pk};
    uint64_t total;
    bool more;
    if ((rc = as_store_skill_list(w->rd, after, after_len, limit, s_slist_row, &ctx, &total, &more,
                                  err)))
        return rc;
    as_h_page_end(w, at, ctx.rows, more, ctx.last, ctx.last_len, total);
    return AS_OK;
}

as_code_t as_handle_skill_delete(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    return as_h_fwd_id(w, req, "id", AS_OP_SKILL_DELETE, err);
}

as_code_t as_handle_skill_recompute(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_skill_t sk;
    as_code_t rc = as_h_id_param(req, "skill", &id, &len, err);
    if (rc) return rc;
    if ((rc = as_store_skill_get(w->rd, id, len, &sk, err))) return rc;
    return as_h_job_new(w, AS_JOB_RECOMPUTE, id, len, false, NULL, 0, err);
}

typedef struct {
    msgpack_packer *pk;
    size_t at;
    uint32_t n;
} s_mlist_ctx_t;

static void s_mlist_row(void *arg, const char *skill, uint32_t len, const as_skill_t *sk,
                        const as_mastery_t *m)
{
    s_mlist_ctx_t *ctx = arg;
    as_pack_str(ctx->pk, skill, len);
    as_pack_mastery(ctx->pk, sk, m, NULL);
    ctx->n++;
}

as_code_t as_handle_mastery_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("learner"), AS_FIELD("skill"), AS_FIELD("model")};
    as_path_t path;
    const char *learner, *skill;
    uint32_t llen, slen;
    as_code_t rc = as_h_params(req, f, 3, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_name(&f[0], &learner, &llen, &path, err))) return rc;
    msgpack_packer *pk = &w->pk;
    if (f[2].seen && as_mp_peek(&f[2].at) != AS_MP_NIL) {
        /* a deep model: every concept's probability of a correct next answer */
        const char *model;
        uint32_t mlen;
        if (f[1].seen && as_mp_peek(&f[1].at) != AS_MP_NIL)
            return as_err_set(err, AS_BAD_REQUEST,
                              "params: give skill (BKT) or model (a deep model), not both");
        if ((rc = as_field_id(&f[2], &model, &mlen, &path, err))) return rc;
        return as_kt_pack_state(w->kt, w->rd, model, mlen, learner, llen, pk, err);
    }
    msgpack_pack_map(pk, 2);
    as_pack_cstr(pk, "learner");
    as_pack_str(pk, learner, llen);
    as_pack_cstr(pk, "skills");
    if (f[1].seen && as_mp_peek(&f[1].at) != AS_MP_NIL) {
        as_skill_t sk;
        as_mastery_t m;
        if ((rc = as_field_id(&f[1], &skill, &slen, &path, err))) return rc;
        if ((rc = as_store_skill_get(w->rd, skill, slen, &sk, err))) return rc;
        if ((rc = as_store_mastery_get(w->rd, learner, llen, skill, slen, &sk, &m, err))) return rc;
        msgpack_pack_map(pk, 1);
        as_pack_str(pk, skill, slen);
        as_pack_mastery(pk, &sk, &m, NULL);
        return AS_OK;
    }
    size_t at = as_pack_count_later(&w->sb, true);
    s_mlist_ctx_t ctx = {.pk = pk};
    if ((rc = as_store_mastery_list(w->rd, learner, llen, s_mlist_row, &ctx, err))) return rc;
    as_pack_count_patch(&w->sb, at, ctx.n);
    return AS_OK;
}

/* skill.fit's bounds: {prior?, learn?, forget?, guess?, slip?: [lo, hi]}, each a pair of
 * probabilities with lo <= hi; a parameter not named keeps its default bounds. Into bounds
 * (which holds the defaults), kept within [AS_BKT_EPS, 1 - AS_BKT_EPS]. */
static as_code_t s_bounds(as_field_t *f, as_bkt_bounds_t *b, as_path_t *path, as_err_t *err)
{
    static const char *const names[AS_BKT_NPARAMS] = {"prior", "learn", "forget", "guess", "slip"};
    as_field_t bf[AS_BKT_NPARAMS];
    for (int i = 0; i < AS_BKT_NPARAMS; i++)
        bf[i] = (as_field_t){.name = names[i]};
    size_t mark = as_path_key(path, f->name, strlen(f->name));
    if (as_mp_peek(&f->at) != AS_MP_MAP)
        return as_err_at(err, AS_BAD_REQUEST, path, "expected a map of [lo, hi] or nil, got %s",
                         as_mp_type_name(as_mp_peek(&f->at)));
    as_code_t rc = as_fields_read(&f->at, bf, AS_BKT_NPARAMS, path, err);
    if (rc) return rc;
    for (int i = 0; i < AS_BKT_NPARAMS; i++) {
        if (!bf[i].seen) continue;
        size_t m = as_path_key(path, names[i], strlen(names[i]));
        uint32_t n;
        double lo, hi;
        if (as_mp_array(&bf[i].at, &n) || n != 2 || as_mp_number(&bf[i].at, &lo) ||
            as_mp_number(&bf[i].at, &hi) || !(lo >= 0 && hi <= 1 && lo <= hi))
            return as_err_at(err, AS_BAD_REQUEST, path,
                             "expected [lo, hi] with 0 <= lo <= hi <= 1");
        b->lo[i] = lo < AS_BKT_EPS ? AS_BKT_EPS : lo;
        b->hi[i] = hi > 1 - AS_BKT_EPS ? 1 - AS_BKT_EPS : hi;
        if (b->lo[i] > b->hi[i]) b->lo[i] = b->hi[i];
        as_path_pop(path, m);
    }
    as_path_pop(path, mark);
    return AS_OK;
}

/* skill.fit {skill?, forgets?, restarts?, seed?, bounds?, apply?}: validated here, run by a job
 * (tracing/fit.c) whose arguments are [forgets, restarts, seed, bounds | nil, apply]. */
as_code_t as_handle_skill_fit(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("skill"), AS_FIELD("forgets"), AS_FIELD("restarts"),
                      AS_FIELD("seed"),  AS_FIELD("bounds"),  AS_FIELD("apply")};
    as_path_t path;
    const char *id = "";
    uint32_t len = 0, restarts = 5;
    uint64_t seed = 1;
    bool forgets = false, apply = false, bounded = true;
    as_bkt_bounds_t b;
    as_bkt_bounds_default(&b);
    as_code_t rc = as_h_params(req, f, 6, 0, &path, err);
    if (rc) return rc;
    if (f[0].seen && as_mp_peek(&f[0].at) != AS_MP_NIL) {
        as_skill_t sk;
        if ((rc = as_field_id(&f[0], &id, &len, &path, err))) return rc;
        if ((rc = as_store_skill_get(w->rd, id, len, &sk, err))) return rc;
    }
    if (f[1].seen && (rc = as_field_bool(&f[1], &forgets, &path, err))) return rc;
    if (f[2].seen && (rc = as_field_uint(&f[2], 1, 100, &restarts, &path, err))) return rc;
    if (f[3].seen) {
        size_t mark = as_path_key(&path, "seed", 4);
        int64_t s;
        if (as_mp_int(&f[3].at, &s) || s < 0)
            return as_err_at(err, AS_BAD_REQUEST, &path, "expected an integer >= 0");
        seed = (uint64_t)s;
        as_path_pop(&path, mark);
    }
    if (f[4].seen) {
        if (as_mp_peek(&f[4].at) == AS_MP_NIL)
            bounded = false;
        else if ((rc = s_bounds(&f[4], &b, &path, err)))
            return rc;
    }
    if (f[5].seen && (rc = as_field_bool(&f[5], &apply, &path, err))) return rc;
    msgpack_sbuffer_clear(&w->fwd_sb);
    msgpack_packer *pk = &w->fwd_pk;
    msgpack_pack_array(pk, 5);
    forgets ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    msgpack_pack_uint32(pk, restarts);
    msgpack_pack_uint64(pk, seed);
    if (bounded) {
        msgpack_pack_array(pk, 2 * AS_BKT_NPARAMS);
        for (int i = 0; i < AS_BKT_NPARAMS; i++) {
            msgpack_pack_double(pk, b.lo[i]);
            msgpack_pack_double(pk, b.hi[i]);
        }
    } else {
        msgpack_pack_nil(pk);
    }
    apply ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    return as_h_job_new(w, AS_JOB_FIT, id, len, false, w->fwd_sb.data, w->fwd_sb.size, err);
}
