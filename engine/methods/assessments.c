/* assessments.c — the assessment methods a worker (or the idle broker) runs: assessment.put
 * (compiled and checked here, stored by assessments_write.c), .get, .list, .delete (stored by
 * assessments_write.c), .report (from the statistics each submission keeps), and scoring
 * without storing: score and score_batch (PROTOCOL.md documents each). */
#include "handler.h"

#include <math.h>
#include <stdlib.h>

as_code_t as_handle_put(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_compiled_t c;
    as_mp_t end = req->params;
    as_path_t path;
    as_path_init(&path, NULL);
    if (as_mp_skip(&end, AS_MAX_DEPTH) != AS_MP_OK)
        return as_err_set(err, AS_BAD_REQUEST,
                          "params: truncated, malformed or nested deeper than %d levels",
                          AS_MAX_DEPTH);
    as_code_t rc = as_params_end(&end, err);
    if (rc) return rc;
    size_t len = (size_t)(end.p - req->params.p); /* the definition as submitted */
    if ((rc = as_table_compile(req->params.p, len, &c, err))) return rc;
    as_table_t t;
    if (!(rc = as_table_open(c.blob, c.size, &t, err))) rc = as_store_skills_check(w->rd, &t, err);
    if (rc) {
        free(c.blob);
        return rc;
    }
    /* frames: the source as submitted, the compiled blob */
    rc = as_h_fwd(w, req->params.p, len, err);
    if (!rc) rc = as_h_fwd(w, c.blob, c.size, err);
    free(c.blob);
    if (!rc) w->fwd_op = AS_OP_PUT;
    return rc;
}

as_code_t as_handle_delete(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("id"), AS_FIELD("force")};
    as_path_t path;
    const char *id;
    uint32_t len;
    bool force = false;
    as_code_t rc = as_h_params(req, f, 2, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_id(&f[0], &id, &len, &path, err))) return rc;
    if (f[1].seen && (rc = as_field_bool(&f[1], &force, &path, err))) return rc;
    uint8_t force_byte = force;
    if ((rc = as_h_fwd(w, id, len, err)) || (rc = as_h_fwd(w, &force_byte, 1, err))) return rc;
    w->fwd_op = AS_OP_DELETE;
    return AS_OK;
}

as_code_t as_handle_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("id")};
    as_path_t path;
    as_table_t t;
    as_code_t rc = as_h_params(req, f, 1, 1, &path, err);
    if (rc) return rc;
    as_mp_t idv = f[0].at;
    if ((rc = as_h_table(w, &f[0], &path, &t, err))) return rc;
    const char *id;
    uint32_t id_len;
    as_mp_str(&idv, &id, &id_len);
    const void *src;
    size_t src_len;
    if ((rc = as_store_source(w->rd, id, id_len, &src, &src_len, err))) return rc;
    /* The definition as submitted, plus version and max_score: a new map header, then the
     * stored entries verbatim (the compiler rejects any other top-level field). */
    as_mp_t r;
    uint32_t n;
    as_mp_init(&r, src, src_len);
    if (as_mp_map(&r, &n) != AS_MP_OK)
        return as_err_set(err, AS_INTERNAL, "stored definition is not a map");
    msgpack_pack_map(&w->pk, n + 2);
    as_pack_raw(&w->pk, r.p, as_mp_left(&r));
    as_pack_cstr(&w->pk, "version");
    msgpack_pack_uint32(&w->pk, t.hdr.version);
    as_pack_cstr(&w->pk, "max_score");
    as_pack_num(&w->pk, t.hdr.max_score);
    return AS_OK;
}

/* One row of assessment.list. */
static void s_pack_summary(msgpack_packer *pk, const as_table_t *t)
{
    msgpack_pack_map(pk, 5);
    as_pack_cstr(pk, "id");
    as_h_pack_tstr(pk, t, t->hdr.id_off, t->hdr.id_len);
    as_pack_cstr(pk, "title");
    as_h_pack_tstr(pk, t, t->hdr.title_off, t->hdr.title_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, t->hdr.version);
    as_pack_cstr(pk, "items");
    msgpack_pack_uint32(pk, t->hdr.n_items);
    as_pack_cstr(pk, "max_score");
    as_pack_num(pk, t->hdr.max_score);
}

typedef struct {
    msgpack_packer *pk;
    uint32_t rows;
    as_table_t last;
} s_list_ctx_t;

static void s_list_row(void *arg, const as_table_t *t)
{
    s_list_ctx_t *ctx = arg;
    s_pack_summary(ctx->pk, t);
    ctx->last = *t;
    ctx->rows++;
}

as_code_t as_handle_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *after;
    uint32_t after_len, limit;
    as_code_t rc = as_h_page_params(req, &after, &after_len, &limit, err);
    if (rc) return rc;
    size_t at = as_h_page_begin(w, "assessments");
    s_list_ctx_t ctx = {.pk = &w->pk};
    size_t total;
    bool more;
    if ((rc = as_store_list(w->rd, after, after_len, limit, s_list_row, &ctx, &total, &more, err)))
        return rc;
    as_h_page_end(w, at, ctx.rows, more,
                  ctx.rows ? as_table_str(&ctx.last, ctx.last.hdr.id_off) : NULL,
                  ctx.rows ? ctx.last.hdr.id_len : 0, total);
    return AS_OK;
}

/* The named table in the worker's read transaction, for as_score_call. */
static as_code_t s_worker_table(void *arg, const char *id, uint32_t len, as_table_t *t,
                                as_err_t *err)
{
    as_worker_t *w = arg;
    return as_store_table(w->rd, id, len, t, err);
}

as_code_t as_handle_score(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    return as_score_call(w->scorer, req->params, s_worker_table, w, &w->pk, err);
}

as_code_t as_handle_score_batch(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("responses")};
    as_path_t path;
    as_table_t t;
    uint32_t n;
    as_code_t rc = as_h_params(req, f, 2, 2, &path, err);
    if (rc) return rc;
    if ((rc = as_h_table(w, &f[0], &path, &t, err))) return rc;
    as_path_init(&path, "responses");
    if (as_mp_array(&f[1].at, &n) != AS_MP_OK)
        return as_err_at(err, AS_BAD_REQUEST, &path, "expected an array of answer maps, got %s",
                         as_mp_type_name(as_mp_peek(&f[1].at)));
    if (n > AS_MAX_BATCH)
        return as_err_at(err, AS_BAD_REQUEST, &path, "%u responses, more than the limit of %d", n,
                         AS_MAX_BATCH);
    msgpack_packer *pk = &w->pk;
    msgpack_pack_map(pk, 5);
    as_pack_cstr(pk, "assessment");
    as_h_pack_tstr(pk, &t, t.hdr.id_off, t.hdr.id_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, t.hdr.version);
    as_pack_cstr(pk, "max_score");
    as_pack_num(pk, t.hdr.max_score);
    as_pack_cstr(pk, "scores");
    msgpack_pack_array(pk, n);
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (uint32_t i = 0; i < n; i++) {
        double s;
        as_mp_t at = f[1].at;
        /* the budget is read between responses (every 16th: a clock read is not free) */
        if ((i & 15) == 15 && as_scorer_check(w->scorer)) return as_scorer_halted(w->scorer, err);
        if ((rc = as_score_answers(w->scorer, &t, &f[1].at, &path, &s, NULL, NULL))) {
            if (as_scorer_halted(w->scorer, NULL)) return as_scorer_halted(w->scorer, err);
            as_path_index(&path, i); /* score it again, now with its index, for the message */
            as_score_answers(w->scorer, &t, &at, &path, &s, NULL, err);
            return rc;
        }
        msgpack_pack_double(pk, s);
        sum += s;
        lo = fmin(lo, s);
        hi = fmax(hi, s);
    }
    as_pack_cstr(pk, "stats");
    msgpack_pack_map(pk, 4);
    as_pack_cstr(pk, "n");
    msgpack_pack_uint32(pk, n);
    as_pack_cstr(pk, "mean");
    msgpack_pack_double(pk, n ? sum / n : 0);
    as_pack_cstr(pk, "min");
    msgpack_pack_double(pk, n ? lo : 0);
    as_pack_cstr(pk, "max");
    msgpack_pack_double(pk, n ? hi : 0);
    return AS_OK;
}

as_code_t as_handle_report(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment")};
    as_path_t path;
    as_table_t t;
    as_code_t rc = as_h_params(req, f, 1, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_h_table(w, &f[0], &path, &t, err))) return rc;
    as_stats_sums_t *sums;
    as_total_count_t *totals;
    size_t n_totals;
    if ((rc = as_store_stats_read(w->rd, &t, &sums, &totals, &n_totals, err))) return rc;
    uint32_t k = t.hdr.n_items;
    const char **ids = malloc(k * sizeof *ids);
    uint32_t *lens = malloc(k * sizeof *lens);
    double *max = malloc(k * sizeof *max);
    if (!ids || !lens || !max) {
        rc = as_err_set(err, AS_INTERNAL, "out of memory");
    } else {
        for (uint32_t i = 0; i < k; i++) {
            as_titem_t it;
            as_table_item(&t, i, &it);
            ids[i] = as_table_str(&t, it.id_off);
            lens[i] = it.id_len;
            max[i] = it.max_score;
        }
        bool graded = t.hdr.flags & AS_TH_GRADED;
        msgpack_pack_map(&w->pk, 5 + AS_REPORT_PAIRS + (graded ? 1 : 0));
        as_pack_cstr(&w->pk, "assessment");
        as_h_pack_tstr(&w->pk, &t, t.hdr.id_off, t.hdr.id_len);
        as_pack_cstr(&w->pk, "version");
        msgpack_pack_uint32(&w->pk, t.hdr.version);
        as_pack_cstr(&w->pk, "max_score");
        as_pack_num(&w->pk, t.hdr.max_score);
        as_pack_cstr(&w->pk, "rebuilding"); /* the regrade job rebuilding the figures */
        if (sums->job)
            msgpack_pack_uint64(&w->pk, sums->job);
        else
            msgpack_pack_nil(&w->pk);
        /* the share of the learners counted whose total passes (nil: no pass ratio, none, or
         * the max not known) */
        uint64_t passed = 0, counted = 0;
        for (size_t i = 0; i < n_totals; i++) {
            counted += totals[i].count;
            passed += as_table_passed(&t, totals[i].total) ? totals[i].count : 0;
        }
        as_pack_cstr(&w->pk, "pass_rate");
        if (t.hdr.has_pass && counted && !isnan(t.hdr.max_score))
            msgpack_pack_double(&w->pk, (double)passed / (double)counted);
        else
            msgpack_pack_nil(&w->pk);
        if (graded) { /* responses waiting for people's grades: not counted yet */
            as_pack_cstr(&w->pk, "pending");
            msgpack_pack_uint64(&w->pk, as_store_pending_count_rd(
                                            w->rd, as_table_str(&t, t.hdr.id_off), t.hdr.id_len));
        }
        as_report_pack(&w->pk, sums, ids, lens, max, t.hdr.max_score, totals, n_totals, 10);
    }
    free(ids);
    free(lens);
    free(max);
    free(sums);
    free(totals);
    return rc;
}
