/* skills.c — knowledge tracing's methods: skill.put, .get, .list, .delete (stored by
 * skills_write.c), skill.recompute (a job: tracing/recompute.c) and mastery.get. */
#include "handler.h"

#include "tracing.h"

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
    msgpack_pack_map(&w->pk, 3);
    as_pack_cstr(&w->pk, "skills");
    size_t at = as_h_array_later(w);
    s_slist_ctx_t ctx = {.pk = &w->pk};
    uint64_t total;
    bool more;
    if ((rc = as_store_skill_list(w->rd, after, after_len, limit, s_slist_row, &ctx, &total, &more,
                                  err)))
        return rc;
    as_h_array_patch(w, at, ctx.rows);
    as_pack_cstr(&w->pk, "next_cursor");
    if (more && ctx.rows)
        as_pack_str(&w->pk, ctx.last, ctx.last_len);
    else
        msgpack_pack_nil(&w->pk);
    as_pack_cstr(&w->pk, "total");
    msgpack_pack_uint64(&w->pk, total);
    return AS_OK;
}

as_code_t as_handle_skill_delete(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_code_t rc = as_h_id_param(req, "id", &id, &len, err);
    if (rc) return rc;
    if ((rc = as_h_fwd(w, id, len, err))) return rc;
    w->fwd_op = AS_OP_SKILL_DELETE;
    return AS_OK;
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
    as_field_t f[] = {AS_FIELD("learner"), AS_FIELD("skill")};
    as_path_t path;
    const char *learner, *skill;
    uint32_t llen, slen;
    as_code_t rc = as_h_params(req, f, 2, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_name(&f[0], &learner, &llen, &path, err))) return rc;
    msgpack_packer *pk = &w->pk;
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
    /* a map32 header, patched with the count */
    size_t at = w->sb.size;
    static const uint8_t m32[5] = {0xdf, 0, 0, 0, 0};
    as_pack_raw(pk, m32, 5);
    s_mlist_ctx_t ctx = {.pk = pk};
    if ((rc = as_store_mastery_list(w->rd, learner, llen, s_mlist_row, &ctx, err))) return rc;
    as_h_array_patch(w, at, ctx.n);
    return AS_OK;
}
