/* models.c — deep knowledge tracing models: model.put (checked and compiled here, stored by
 * models_write.c), model.get, model.list, model.delete, model.recompute (a job:
 * tracing/model_recompute.c). mastery.get {learner, model} is skills.c's. */
#include "handler.h"

#include "model.h"

#include <stdlib.h>
#include <string.h>

/* model.put {id, kind, weights, concepts, title?, max_learners?}: compiled here (tens of
 * milliseconds at pyKT's sizes: on a worker, not the writer), then handed to the writer as
 * [id, [kind, max_learners]], the blob, the source {id, kind, title, concepts, weights}. */
as_code_t as_handle_model_put(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("id"),       AS_FIELD("kind"),  AS_FIELD("weights"),
                      AS_FIELD("concepts"), AS_FIELD("title"), AS_FIELD("max_learners")};
    as_path_t path;
    const char *id, *kind_s, *title = NULL;
    uint32_t len, kind_len, title_len = 0, n;
    uint64_t max_learners = 0;
    as_model_kind_t kind;
    const uint8_t *weights;
    uint32_t wlen;
    as_code_t rc = as_h_params(req, f, 6, 4, &path, err);
    if (rc) return rc;
    if ((rc = as_field_id(&f[0], &id, &len, &path, err))) return rc;
    if ((rc = as_field_str(&f[1], &kind_s, &kind_len, &path, err))) return rc;
    if (!as_model_kind_parse(kind_s, kind_len, &kind))
        return as_err_set(err, AS_BAD_REQUEST, "kind: expected \"dkt\" or \"dkvmn\", got \"%.*s\"",
                          (int)(kind_len > 40 ? 40 : kind_len), kind_s);
    if (as_mp_bytes(&f[2].at, &weights, &wlen) != AS_MP_OK)
        return as_err_set(err, AS_BAD_REQUEST,
                          "weights: expected bytes (a safetensors file), got %s",
                          as_mp_type_name(as_mp_peek(&f[2].at)));
    if (f[4].seen && as_mp_peek(&f[4].at) != AS_MP_NIL &&
        (rc = as_field_str(&f[4], &title, &title_len, &path, err)))
        return rc;
    if (title_len > 1024) return as_err_set(err, AS_BAD_REQUEST, "title: at most 1024 bytes");
    if (f[5].seen && (rc = as_field_u64(&f[5], &max_learners, &path, err))) return rc;
    as_mp_t cr = f[3].at;
    if (as_mp_array(&cr, &n) || n == 0 || n > AS_MODEL_MAX_CONCEPTS)
        return as_err_set(err, AS_BAD_REQUEST,
                          "concepts: expected an array of 1 to %u skill ids, in the model's "
                          "concept order",
                          AS_MODEL_MAX_CONCEPTS);
    const char **names = malloc((size_t)n * sizeof *names);
    uint32_t *lens = malloc((size_t)n * sizeof *lens);
    void *blob = NULL;
    size_t blob_len = 0;
    if (!names || !lens) {
        rc = as_err_set(err, AS_INTERNAL, "out of memory");
        goto done;
    }
    for (uint32_t i = 0; i < n; i++)
        if (as_mp_str(&cr, &names[i], &lens[i])) {
            rc = as_err_set(err, AS_BAD_REQUEST, "concepts[%u]: expected a skill id (a string)", i);
            goto done;
        }
    blob = as_model_compile(kind, weights, wlen, names, lens, n, &blob_len, err);
    if (!blob) {
        rc = err->code;
        goto done;
    }
    msgpack_sbuffer_clear(&w->fwd_sb);
    msgpack_packer *pk = &w->fwd_pk;
    msgpack_pack_map(pk, title ? 5 : 4);
    as_pack_cstr(pk, "id");
    as_pack_str(pk, id, len);
    as_pack_cstr(pk, "kind");
    as_pack_cstr(pk, as_model_kind_name(kind));
    if (title) {
        as_pack_cstr(pk, "title");
        as_pack_str(pk, title, title_len);
    }
    as_pack_cstr(pk, "concepts");
    msgpack_pack_array(pk, n);
    for (uint32_t i = 0; i < n; i++)
        as_pack_str(pk, names[i], lens[i]);
    as_pack_cstr(pk, "weights");
    msgpack_pack_bin(pk, wlen);
    msgpack_pack_bin_body(pk, weights, wlen);
    uint64_t meta[2] = {kind, max_learners};
    if ((rc = as_h_fwd(w, id, len, err)) || (rc = as_h_fwd(w, meta, sizeof meta, err)) ||
        (rc = as_h_fwd(w, blob, blob_len, err)) ||
        (rc = as_h_fwd(w, w->fwd_sb.data, w->fwd_sb.size, err)))
        goto done;
    w->fwd_op = AS_OP_MODEL_PUT;
done:
    free(blob);
    free(names);
    free(lens);
    return rc;
}

/* {id, version, kind, title?, concepts, sizes, learners, max_learners, refused, recomputing} */
static void s_pack_model(msgpack_packer *pk, const char *id, uint32_t len,
                         const as_model_rec_t *rec, const as_model_t *m, const void *src,
                         size_t src_len, bool concepts)
{
    as_mp_t title = {0};
    bool has_title = false;
    if (src) {
        as_mp_t r;
        as_mp_init(&r, src, src_len);
        has_title = as_mp_field(r, "title", 5, AS_MAX_DEPTH, &title);
    }
    const as_model_hdr_t *h = m->hdr;
    msgpack_pack_map(pk, 10 + (has_title ? 1 : 0));
    as_pack_cstr(pk, "id");
    as_pack_str(pk, id, len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, rec->version);
    as_pack_cstr(pk, "kind");
    as_pack_cstr(pk, as_model_kind_name((as_model_kind_t)rec->kind));
    if (has_title) {
        as_mp_t end = title;
        as_mp_skip(&end, 1);
        as_pack_cstr(pk, "title");
        as_pack_raw(pk, title.p, (size_t)(end.p - title.p));
    }
    as_pack_cstr(pk, "concepts");
    if (concepts) {
        msgpack_pack_array(pk, h->c);
        for (uint32_t i = 0; i < h->c; i++) {
            uint32_t l;
            const char *name = as_model_concept_name(m, i, &l);
            as_pack_str(pk, name, l);
        }
    } else {
        msgpack_pack_uint32(pk, h->c);
    }
    as_pack_cstr(pk, "sizes");
    bool dkt = h->kind == AS_MODEL_DKT;
    msgpack_pack_map(pk, 3);
    as_pack_cstr(pk, "C");
    msgpack_pack_uint32(pk, h->c);
    as_pack_cstr(pk, dkt ? "H" : "D");
    msgpack_pack_uint32(pk, h->h);
    as_pack_cstr(pk, dkt ? "E" : "M");
    msgpack_pack_uint32(pk, dkt ? h->e : h->m);
    as_pack_cstr(pk, "state_bytes");
    msgpack_pack_uint64(pk, (uint64_t)h->n_state * 4 + 8);
    as_pack_cstr(pk, "learners");
    msgpack_pack_uint64(pk, rec->learners);
    as_pack_cstr(pk, "max_learners");
    if (rec->max_learners)
        msgpack_pack_uint64(pk, rec->max_learners);
    else
        msgpack_pack_nil(pk);
    as_pack_cstr(pk, "refused");
    msgpack_pack_uint64(pk, rec->refused);
    as_pack_cstr(pk, "recomputing");
    if (rec->job)
        msgpack_pack_uint64(pk, rec->job);
    else
        msgpack_pack_nil(pk);
}

/* model.get {id, weights?}: weights true adds the safetensors file as put. */
as_code_t as_handle_model_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("id"), AS_FIELD("weights")};
    as_path_t path;
    const char *id;
    uint32_t len;
    bool weights = false;
    as_code_t rc = as_h_params(req, f, 2, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_id(&f[0], &id, &len, &path, err))) return rc;
    if (f[1].seen && (rc = as_field_bool(&f[1], &weights, &path, err))) return rc;
    as_model_rec_t rec;
    const void *blob, *src;
    size_t blob_len, src_len;
    as_model_t m;
    if ((rc = as_store_model_get(w->rd, id, len, &rec, &blob, &blob_len, err)) ||
        (rc = as_model_open(blob, blob_len, &m, err)) ||
        (rc = as_store_model_source(w->rd, id, len, &src, &src_len, err)))
        return rc;
    if (!weights) {
        s_pack_model(&w->pk, id, len, &rec, &m, src, src_len, true);
        return AS_OK;
    }
    /* the model, then "weights" from the source: a map of one more pair */
    as_mp_t r, wat;
    as_mp_init(&r, src, src_len);
    if (!as_mp_field(r, "weights", 7, AS_MAX_DEPTH, &wat))
        return as_err_set(err, AS_INTERNAL, "model \"%.*s\": its source has no weights", (int)len,
                          id);
    size_t at = w->sb.size;
    s_pack_model(&w->pk, id, len, &rec, &m, src, src_len, true);
    /* the map header is a fixmap of at most 11 pairs: one more */
    ((uint8_t *)w->sb.data)[at]++;
    as_mp_t end = wat;
    as_mp_skip(&end, 1);
    as_pack_cstr(&w->pk, "weights");
    as_pack_raw(&w->pk, wat.p, (size_t)(end.p - wat.p));
    return AS_OK;
}

typedef struct {
    msgpack_packer *pk;
    uint32_t rows;
    char last[AS_MAX_ID];
    uint32_t last_len;
} s_list_ctx_t;

static bool s_list_row(void *arg, const char *id, uint32_t len, const as_model_rec_t *rec,
                       const void *blob, size_t blob_len)
{
    s_list_ctx_t *ctx = arg;
    as_model_t m;
    as_err_t ignored;
    if (as_model_open(blob, blob_len, &m, &ignored)) return true;
    s_pack_model(ctx->pk, id, len, rec, &m, NULL, 0, false);
    memcpy(ctx->last, id, len);
    ctx->last_len = len;
    ctx->rows++;
    return true;
}

as_code_t as_handle_model_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *after;
    uint32_t after_len, limit;
    as_code_t rc = as_h_page_params(req, &after, &after_len, &limit, err);
    if (rc) return rc;
    size_t at = as_h_page_begin(w, "models");
    s_list_ctx_t ctx = {.pk = &w->pk};
    uint64_t total;
    bool more;
    if ((rc = as_store_model_list(w->rd, after, after_len, limit, s_list_row, &ctx, &total, &more,
                                  err)))
        return rc;
    as_h_page_end(w, at, ctx.rows, more, ctx.last, ctx.last_len, total);
    return AS_OK;
}

as_code_t as_handle_model_delete(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    return as_h_fwd_id(w, req, "id", AS_OP_MODEL_DELETE, err);
}

as_code_t as_handle_model_recompute(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_model_rec_t rec;
    as_code_t rc = as_h_id_param(req, "id", &id, &len, err);
    if (rc) return rc;
    if ((rc = as_store_model_get(w->rd, id, len, &rec, NULL, NULL, err))) return rc;
    return as_h_job_new(w, AS_JOB_MODEL_RECOMPUTE, id, len, false, NULL, 0, err);
}
