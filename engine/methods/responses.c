/* responses.c — stored responses: response.submit (validated and scored here; stored by
 * responses_write.c), response.get and response.list. */
#include "handler.h"
#include "record.h"

#include "models_trace.h"

/* Validates and scores a submission here (errors are precise and scoring costs the single
 * writer nothing), and hands the writer [assessment, learner, key | nil, version, score,
 * [item scores], [answered flags], answers] and, in a second frame, the deep models' steps run
 * from the learner's states as this worker read them (models_trace.h): the writer uses the
 * scores when the version is still current in its transaction (else it scores again), the
 * models' states when the learner's are still those, and stores. */
as_code_t as_handle_submit(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("learner"), AS_FIELD("answers"),
                      AS_FIELD("key")};
    as_path_t path;
    as_table_t t;
    const char *learner, *key = NULL;
    uint32_t learner_len, key_len = 0;
    as_code_t rc = as_h_params(req, f, 4, 3, &path, err);
    if (rc) return rc;
    if ((rc = as_field_name(&f[1], &learner, &learner_len, &path, err))) return rc;
    if (f[3].seen && (rc = as_field_name(&f[3], &key, &key_len, &path, err))) return rc;
    as_mp_t id_at = f[0].at;
    if ((rc = as_h_table(w, &f[0], &path, &t, err))) return rc;
    const char *id;
    uint32_t id_len;
    as_mp_str(&id_at, &id, &id_len);
    as_mp_t answers = f[2].at, end = f[2].at;
    as_mp_skip(&end, AS_MAX_DEPTH); /* as_fields_read checked it */
    double score;
    as_path_init(&path, "answers");
    if ((rc = as_score_answers(w->scorer, &t, &f[2].at, &path, &score, w->item_scores, err)))
        return rc;
    msgpack_sbuffer_clear(&w->fwd_sb);
    msgpack_packer *pk = &w->fwd_pk;
    msgpack_pack_array(pk, 8);
    as_pack_str(pk, id, id_len);
    as_pack_str(pk, learner, learner_len);
    if (key)
        as_pack_str(pk, key, key_len);
    else
        msgpack_pack_nil(pk);
    msgpack_pack_uint32(pk, t.hdr.version);
    msgpack_pack_double(pk, score);
    const uint8_t *answered = as_scorer_answered(w->scorer);
    msgpack_pack_array(pk, t.hdr.n_items);
    for (uint32_t i = 0; i < t.hdr.n_items; i++)
        msgpack_pack_double(pk, w->item_scores[i]);
    msgpack_pack_array(pk, t.hdr.n_items);
    for (uint32_t i = 0; i < t.hdr.n_items; i++)
        msgpack_pack_uint8(pk, answered[i]);
    as_pack_raw(pk, answers.p, (size_t)(end.p - answers.p));
    if ((rc = as_h_fwd(w, w->fwd_sb.data, w->fwd_sb.size, err))) return rc;
    /* the deep models' steps, run here rather than on the writer (models_trace.h) */
    msgpack_sbuffer_clear(&w->fwd_sb);
    uint32_t stepped;
    if ((rc = as_kt_precompute(w->kt, w->rd, &t, learner, learner_len, w->item_scores, answered,
                               &w->fwd_sb, &stepped, err)) ||
        (stepped && (rc = as_h_fwd_take(w, &w->fwd_sb, err))))
        return rc;
    w->fwd_op = AS_OP_SUBMIT;
    return AS_OK;
}

as_code_t as_handle_response_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("id"), AS_FIELD("learner")};
    as_path_t path;
    uint64_t rid;
    const void *rec;
    size_t len;
    as_code_t rc = as_h_params(req, f, 2, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_u64(&f[0], &rid, &path, err))) return rc;
    if ((rc = as_store_response_get(w->rd, rid, &rec, &len, err))) return rc;
    /* stored as the result is shaped; with the table of its version at hand, each item's score
     * and outcomes are added (scored again: they are not stored) */
    as_record_t r = {0};
    bool parsed = as_record_read(rec, len, &r);
    if (f[1].seen && !parsed)
        return as_err_set(err, AS_INTERNAL, "response %llu: corrupt record",
                          (unsigned long long)rid);
    if ((rc = as_h_owner(&f[1], r.learner, r.learner_len, "response", rid, &path, err))) return rc;
    as_table_t t;
    as_err_t ignored;
    as_mp_t m;
    uint32_t n;
    as_mp_init(&m, rec, len);
    if (!parsed || as_store_table(w->rd, r.assessment, r.assessment_len, &t, &ignored) ||
        t.hdr.version != r.version || as_mp_map(&m, &n) != AS_MP_OK) {
        as_pack_raw(&w->pk, rec, len);
        return AS_OK;
    }
    msgpack_pack_map(&w->pk, n + 1);
    as_pack_raw(&w->pk, m.p, as_mp_left(&m));
    as_pack_cstr(&w->pk, "items");
    as_mp_t answers;
    as_mp_init(&answers, r.answers, r.answers_len);
    as_score_pack_items(w->scorer, &t, answers, r.graded, r.graded_len, &w->pk);
    return AS_OK;
}

typedef struct {
    msgpack_packer *pk;
    uint32_t rows;
    uint64_t last;
} s_rlist_ctx_t;

static void s_rlist_row(void *arg, uint64_t rid, const void *rec, size_t len)
{
    s_rlist_ctx_t *ctx = arg;
    as_pack_raw(ctx->pk, rec, len);
    ctx->rows++;
    ctx->last = rid;
}

as_code_t as_handle_response_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("learner"), AS_FIELD("cursor"),
                      AS_FIELD("limit")};
    as_path_t path;
    const char *id, *learner = NULL;
    uint32_t id_len, learner_len = 0, limit = AS_DEFAULT_LIST;
    uint64_t after = 0;
    as_code_t rc = as_h_params(req, f, 4, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_id(&f[0], &id, &id_len, &path, err))) return rc;
    if (f[1].seen && as_mp_peek(&f[1].at) != AS_MP_NIL &&
        (rc = as_field_name(&f[1], &learner, &learner_len, &path, err)))
        return rc;
    if ((rc = as_h_id_cursor(&f[2], &after, &path, err))) return rc;
    if (f[3].seen && (rc = as_field_uint(&f[3], 1, AS_MAX_LIST, &limit, &path, err))) return rc;
    msgpack_pack_map(&w->pk, 3);
    as_pack_cstr(&w->pk, "responses");
    size_t at = as_h_array_later(w);
    s_rlist_ctx_t ctx = {.pk = &w->pk};
    uint64_t total;
    bool more;
    if ((rc = as_store_response_list(w->rd, id, id_len, learner, learner_len, after, limit,
                                     s_rlist_row, &ctx, &total, &more, err)))
        return rc;
    as_h_array_patch(w, at, ctx.rows);
    as_h_pack_id_cursor(&w->pk, more, ctx.last);
    as_pack_cstr(&w->pk, "total");
    msgpack_pack_uint64(&w->pk, total);
    return AS_OK;
}
