/* methods.c — the handlers of the protocol's read methods and the validation half of its writes
 * (the writer does the other half: writer.c). PROTOCOL.md documents each one. */
#include "methods.h"

#include "log.h"
#include "params.h"
#include "tracing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Reads the params into f (nf fields, of which the first `required` must be given). */
static as_code_t s_params(as_request_t *req, as_field_t *f, size_t nf, size_t required,
                          as_path_t *path, as_err_t *err)
{
    as_path_init(path, NULL);
    as_mp_t r = req->params;
    as_code_t rc = as_fields_read(&r, f, nf, path, err);
    if (!rc) rc = as_params_end(&r, err);
    for (size_t i = 0; !rc && i < required; i++)
        if (!f[i].seen) rc = as_field_missing(&f[i], path, err);
    return rc;
}

static as_code_t s_ping(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_path_t path;
    as_code_t rc = s_params(req, NULL, 0, 0, &path, err);
    if (rc) return rc;
    msgpack_packer *pk = &w->pk;
    msgpack_pack_map(pk, 4);
    as_pack_cstr(pk, "version");
    as_pack_cstr(pk, AS_VERSION);
    as_pack_cstr(pk, "protocol");
    msgpack_pack_uint8(pk, AS_PROTOCOL_VERSION);
    as_pack_cstr(pk, "uptime_s");
    msgpack_pack_double(pk, (double)(as_now_ns() - w->engine->start_ns) / 1e9);
    as_pack_cstr(pk, "workers");
    msgpack_pack_int(pk, w->engine->workers);
    return AS_OK;
}

/* The table of the assessment named by field f, opened in the worker's read transaction. */
static as_code_t s_table(as_worker_t *w, as_field_t *f, as_path_t *path, as_table_t *t,
                         as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_code_t rc = as_field_id(f, &id, &len, path, err);
    return rc ? rc : as_store_table(w->rd, id, len, t, err);
}

static void s_pack_tstr(msgpack_packer *pk, const as_table_t *t, uint32_t off, uint32_t len)
{
    as_pack_str(pk, as_table_str(t, off), len);
}

/* Appends a copy of len bytes as the write's next argument frame. On an error the worker closes
 * the frames added so far (as_worker_handle closes w->fwd[0, fwd_n)). */
static as_code_t s_fwd_add(as_worker_t *w, const void *data, size_t len, as_err_t *err)
{
    if (w->fwd_n == (int)(sizeof w->fwd / sizeof w->fwd[0]))
        return as_err_set(err, AS_INTERNAL, "too many argument frames for the writer");
    zmq_msg_t *m = &w->fwd[w->fwd_n];
    if (zmq_msg_init_size(m, len)) return as_err_set(err, AS_INTERNAL, "out of memory");
    if (len) memcpy(zmq_msg_data(m), data, len);
    w->fwd_n++;
    return AS_OK;
}

static as_code_t s_put(as_worker_t *w, as_request_t *req, as_err_t *err)
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
    rc = s_fwd_add(w, req->params.p, len, err);
    if (!rc) rc = s_fwd_add(w, c.blob, c.size, err);
    free(c.blob);
    if (!rc) w->fwd_op = AS_OP_PUT;
    return rc;
}

static as_code_t s_delete(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("id"), AS_FIELD("force")};
    as_path_t path;
    const char *id;
    uint32_t len;
    bool force = false;
    as_code_t rc = s_params(req, f, 2, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_id(&f[0], &id, &len, &path, err))) return rc;
    if (f[1].seen && (rc = as_field_bool(&f[1], &force, &path, err))) return rc;
    uint8_t force_byte = force;
    if ((rc = s_fwd_add(w, id, len, err)) || (rc = s_fwd_add(w, &force_byte, 1, err))) return rc;
    w->fwd_op = AS_OP_DELETE;
    return AS_OK;
}

static as_code_t s_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("id")};
    as_path_t path;
    as_table_t t;
    as_code_t rc = s_params(req, f, 1, 1, &path, err);
    if (rc) return rc;
    as_mp_t idv = f[0].at;
    if ((rc = s_table(w, &f[0], &path, &t, err))) return rc;
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
    msgpack_pack_double(&w->pk, t.hdr.max_score);
    return AS_OK;
}

/* Packs an array32 header to patch once the count is known; returns its offset. */
static size_t s_array_later(as_worker_t *w)
{
    size_t at = w->sb.size;
    static const uint8_t a32[5] = {0xdd, 0, 0, 0, 0};
    as_pack_raw(&w->pk, a32, 5);
    return at;
}

static void s_array_patch(as_worker_t *w, size_t at, uint32_t n)
{
    uint8_t *h = (uint8_t *)w->sb.data + at + 1;
    h[0] = (uint8_t)(n >> 24);
    h[1] = (uint8_t)(n >> 16);
    h[2] = (uint8_t)(n >> 8);
    h[3] = (uint8_t)n;
}

/* Reads a numeric cursor (a decimal id this method returned as next_cursor) into *after. */
static as_code_t s_id_cursor(as_field_t *f, uint64_t *after, as_path_t *path, as_err_t *err)
{
    const char *cursor;
    uint32_t len;
    *after = 0;
    if (!f->seen || as_mp_peek(&f->at) == AS_MP_NIL) return AS_OK;
    as_code_t rc = as_field_str(f, &cursor, &len, path, err);
    if (rc) return rc;
    char tmp[24];
    char *end;
    bool ok = len > 0 && len < sizeof tmp;
    if (ok) {
        memcpy(tmp, cursor, len);
        tmp[len] = '\0';
        *after = strtoull(tmp, &end, 10);
        ok = *end == '\0' && tmp[0] >= '0' && tmp[0] <= '9';
    }
    if (!ok)
        return as_err_set(err, AS_BAD_REQUEST,
                          "cursor: not a cursor this method returned (next_cursor)");
    return AS_OK;
}

static void s_pack_id_cursor(msgpack_packer *pk, bool more, uint64_t last)
{
    as_pack_cstr(pk, "next_cursor");
    if (more) {
        char next[24];
        int n = snprintf(next, sizeof next, "%llu", (unsigned long long)last);
        as_pack_str(pk, next, (size_t)n);
    } else {
        msgpack_pack_nil(pk);
    }
}

/* The params of a list keyed by id: {cursor?: str | nil, limit?: 1..AS_MAX_LIST}. */
static as_code_t s_page_params(as_request_t *req, const char **after, uint32_t *after_len,
                               uint32_t *limit, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("cursor"), AS_FIELD("limit")};
    as_path_t path;
    *after = NULL;
    *after_len = 0;
    *limit = AS_DEFAULT_LIST;
    as_code_t rc = s_params(req, f, 2, 0, &path, err);
    if (rc) return rc;
    if (f[0].seen && as_mp_peek(&f[0].at) != AS_MP_NIL &&
        (rc = as_field_str(&f[0], after, after_len, &path, err)))
        return rc;
    if (f[1].seen && (rc = as_field_uint(&f[1], 1, AS_MAX_LIST, limit, &path, err))) return rc;
    return AS_OK;
}

/* One row of assessment.list. */
static void s_pack_summary(msgpack_packer *pk, const as_table_t *t)
{
    msgpack_pack_map(pk, 5);
    as_pack_cstr(pk, "id");
    s_pack_tstr(pk, t, t->hdr.id_off, t->hdr.id_len);
    as_pack_cstr(pk, "title");
    s_pack_tstr(pk, t, t->hdr.title_off, t->hdr.title_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, t->hdr.version);
    as_pack_cstr(pk, "items");
    msgpack_pack_uint32(pk, t->hdr.n_items);
    as_pack_cstr(pk, "max_score");
    msgpack_pack_double(pk, t->hdr.max_score);
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

static as_code_t s_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *after;
    uint32_t after_len, limit;
    as_code_t rc = s_page_params(req, &after, &after_len, &limit, err);
    if (rc) return rc;
    /* The row count is known only after the rows: reserve an array32 header and patch it. */
    msgpack_pack_map(&w->pk, 3);
    as_pack_cstr(&w->pk, "assessments");
    size_t at = s_array_later(w);
    s_list_ctx_t ctx = {.pk = &w->pk};
    size_t total;
    bool more;
    if ((rc = as_store_list(w->rd, after, after_len, limit, s_list_row, &ctx, &total, &more, err)))
        return rc;
    s_array_patch(w, at, ctx.rows);
    as_pack_cstr(&w->pk, "next_cursor");
    if (more && ctx.rows)
        s_pack_tstr(&w->pk, &ctx.last, ctx.last.hdr.id_off, ctx.last.hdr.id_len);
    else
        msgpack_pack_nil(&w->pk);
    as_pack_cstr(&w->pk, "total");
    msgpack_pack_uint64(&w->pk, total);
    return AS_OK;
}

static as_code_t s_score(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("answers"), AS_FIELD("detail")};
    as_path_t path;
    as_table_t t;
    bool detail = false;
    as_code_t rc = s_params(req, f, 3, 2, &path, err);
    if (rc) return rc;
    if (f[2].seen && (rc = as_field_bool(&f[2], &detail, &path, err))) return rc;
    if ((rc = s_table(w, &f[0], &path, &t, err))) return rc;
    double total;
    as_path_init(&path, "answers");
    rc = as_score_answers(w->scorer, &t, &f[1].at, &path, &total, detail ? w->item_scores : NULL,
                          err);
    if (rc) return rc;
    msgpack_packer *pk = &w->pk;
    msgpack_pack_map(pk, 2 + (uint32_t)as_table_outcome_pairs(&t) + (detail ? 1 : 0));
    as_pack_cstr(pk, "assessment");
    s_pack_tstr(pk, &t, t.hdr.id_off, t.hdr.id_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, t.hdr.version);
    as_table_pack_outcome(pk, &t, total);
    if (detail) {
        as_pack_cstr(pk, "items");
        msgpack_pack_array(pk, t.hdr.n_items);
        for (uint32_t i = 0; i < t.hdr.n_items; i++) {
            as_titem_t it;
            as_table_item(&t, i, &it);
            msgpack_pack_map(pk, 3);
            as_pack_cstr(pk, "id");
            s_pack_tstr(pk, &t, it.id_off, it.id_len);
            as_pack_cstr(pk, "score");
            msgpack_pack_double(pk, w->item_scores[i]);
            as_pack_cstr(pk, "max_score");
            msgpack_pack_double(pk, it.max_score);
        }
    }
    return AS_OK;
}

static as_code_t s_score_batch(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("responses")};
    as_path_t path;
    as_table_t t;
    uint32_t n;
    as_code_t rc = s_params(req, f, 2, 2, &path, err);
    if (rc) return rc;
    if ((rc = s_table(w, &f[0], &path, &t, err))) return rc;
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
    s_pack_tstr(pk, &t, t.hdr.id_off, t.hdr.id_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, t.hdr.version);
    as_pack_cstr(pk, "max_score");
    msgpack_pack_double(pk, t.hdr.max_score);
    as_pack_cstr(pk, "scores");
    msgpack_pack_array(pk, n);
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (uint32_t i = 0; i < n; i++) {
        double s;
        as_mp_t at = f[1].at;
        if ((rc = as_score_answers(w->scorer, &t, &f[1].at, &path, &s, NULL, NULL))) {
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

static as_code_t s_stats(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_path_t path;
    as_code_t rc = s_params(req, NULL, 0, 0, &path, err);
    if (rc) return rc;
    msgpack_packer *pk = &w->pk;
    size_t map_size, used;
    as_store_usage(w->engine->store, &map_size, &used);
    msgpack_pack_map(pk, 5);
    as_pack_cstr(pk, "uptime_s");
    msgpack_pack_double(pk, (double)(as_now_ns() - w->engine->start_ns) / 1e9);
    as_pack_cstr(pk, "workers");
    msgpack_pack_int(pk, w->engine->workers);
    as_pack_cstr(pk, "methods");
    as_stats_pack_methods(w->engine->stats, pk, as_method_names, AS_STATS_METHODS);
    as_pack_cstr(pk, "events");
    as_stats_pack_events(w->engine->stats, pk);
    as_pack_cstr(pk, "map");
    msgpack_pack_map(pk, 3);
    as_pack_cstr(pk, "size");
    msgpack_pack_uint64(pk, map_size);
    as_pack_cstr(pk, "used");
    msgpack_pack_uint64(pk, used);
    as_pack_cstr(pk, "ratio");
    msgpack_pack_double(pk, map_size ? (double)used / (double)map_size : 0);
    return AS_OK;
}

/* Validates and scores a submission here (errors are precise and scoring costs the single
 * writer nothing), and hands the writer [assessment, learner, key | nil, version, [item scores],
 * [answered flags], answers]: the writer uses the scores when the version is still current in
 * its transaction (else it scores again) and stores. */
static as_code_t s_submit(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("learner"), AS_FIELD("answers"),
                      AS_FIELD("key")};
    as_path_t path;
    as_table_t t;
    const char *learner, *key = NULL;
    uint32_t learner_len, key_len = 0;
    as_code_t rc = s_params(req, f, 4, 3, &path, err);
    if (rc) return rc;
    if ((rc = as_field_name(&f[1], &learner, &learner_len, &path, err))) return rc;
    if (f[3].seen && (rc = as_field_name(&f[3], &key, &key_len, &path, err))) return rc;
    as_mp_t id_at = f[0].at;
    if ((rc = s_table(w, &f[0], &path, &t, err))) return rc;
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
    msgpack_pack_array(pk, 7);
    as_pack_str(pk, id, id_len);
    as_pack_str(pk, learner, learner_len);
    if (key)
        as_pack_str(pk, key, key_len);
    else
        msgpack_pack_nil(pk);
    msgpack_pack_uint32(pk, t.hdr.version);
    const uint8_t *answered = as_scorer_answered(w->scorer);
    msgpack_pack_array(pk, t.hdr.n_items);
    for (uint32_t i = 0; i < t.hdr.n_items; i++)
        msgpack_pack_double(pk, w->item_scores[i]);
    msgpack_pack_array(pk, t.hdr.n_items);
    for (uint32_t i = 0; i < t.hdr.n_items; i++)
        msgpack_pack_uint8(pk, answered[i]);
    as_pack_raw(pk, answers.p, (size_t)(end.p - answers.p));
    if ((rc = s_fwd_add(w, w->fwd_sb.data, w->fwd_sb.size, err))) return rc;
    w->fwd_op = AS_OP_SUBMIT;
    return AS_OK;
}

static as_code_t s_response_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("id")};
    as_path_t path;
    uint64_t rid;
    const void *rec;
    size_t len;
    as_code_t rc = s_params(req, f, 1, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_u64(&f[0], &rid, &path, err))) return rc;
    if ((rc = as_store_response_get(w->rd, rid, &rec, &len, err))) return rc;
    as_pack_raw(&w->pk, rec, len); /* stored as the result is shaped: no re-encoding */
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

static as_code_t s_response_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("learner"), AS_FIELD("cursor"),
                      AS_FIELD("limit")};
    as_path_t path;
    const char *id, *learner = NULL;
    uint32_t id_len, learner_len = 0, limit = AS_DEFAULT_LIST;
    uint64_t after = 0;
    as_code_t rc = s_params(req, f, 4, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_id(&f[0], &id, &id_len, &path, err))) return rc;
    if (f[1].seen && as_mp_peek(&f[1].at) != AS_MP_NIL &&
        (rc = as_field_name(&f[1], &learner, &learner_len, &path, err)))
        return rc;
    if ((rc = s_id_cursor(&f[2], &after, &path, err))) return rc;
    if (f[3].seen && (rc = as_field_uint(&f[3], 1, AS_MAX_LIST, &limit, &path, err))) return rc;
    msgpack_pack_map(&w->pk, 3);
    as_pack_cstr(&w->pk, "responses");
    size_t at = s_array_later(w);
    s_rlist_ctx_t ctx = {.pk = &w->pk};
    uint64_t total;
    bool more;
    if ((rc = as_store_response_list(w->rd, id, id_len, learner, learner_len, after, limit,
                                     s_rlist_row, &ctx, &total, &more, err)))
        return rc;
    s_array_patch(w, at, ctx.rows);
    s_pack_id_cursor(&w->pk, more, ctx.last);
    as_pack_cstr(&w->pk, "total");
    msgpack_pack_uint64(&w->pk, total);
    return AS_OK;
}

static as_code_t s_report(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment")};
    as_path_t path;
    as_table_t t;
    as_code_t rc = s_params(req, f, 1, 1, &path, err);
    if (rc) return rc;
    if ((rc = s_table(w, &f[0], &path, &t, err))) return rc;
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
        msgpack_pack_map(&w->pk, 4 + AS_REPORT_PAIRS);
        as_pack_cstr(&w->pk, "assessment");
        s_pack_tstr(&w->pk, &t, t.hdr.id_off, t.hdr.id_len);
        as_pack_cstr(&w->pk, "version");
        msgpack_pack_uint32(&w->pk, t.hdr.version);
        as_pack_cstr(&w->pk, "max_score");
        msgpack_pack_double(&w->pk, t.hdr.max_score);
        as_pack_cstr(&w->pk, "rebuilding"); /* the regrade job rebuilding the figures */
        if (sums->job)
            msgpack_pack_uint64(&w->pk, sums->job);
        else
            msgpack_pack_nil(&w->pk);
        as_report_pack(&w->pk, sums, ids, lens, max, t.hdr.max_score, totals, n_totals, 10);
    }
    free(ids);
    free(lens);
    free(max);
    free(sums);
    free(totals);
    return rc;
}

/* Hands the writer a new job [kind byte, target id, dry_run byte]: it creates the job, and the
 * job thread runs it (jobs.c). */
static as_code_t s_job_new(as_worker_t *w, as_job_kind_t kind, const char *id, uint32_t len,
                           bool dry, as_err_t *err)
{
    uint8_t kind_byte = (uint8_t)kind, dry_byte = dry;
    as_code_t rc;
    if ((rc = s_fwd_add(w, &kind_byte, 1, err)) || (rc = s_fwd_add(w, id, len, err)) ||
        (rc = s_fwd_add(w, &dry_byte, 1, err)))
        return rc;
    w->fwd_op = AS_OP_JOB_NEW;
    return AS_OK;
}

static as_code_t s_regrade(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("dry_run")};
    as_path_t path;
    as_table_t t;
    bool dry = false;
    as_code_t rc = s_params(req, f, 2, 1, &path, err);
    if (rc) return rc;
    if (f[1].seen && (rc = as_field_bool(&f[1], &dry, &path, err))) return rc;
    if ((rc = s_table(w, &f[0], &path, &t, err))) return rc;
    return s_job_new(w, AS_JOB_REGRADE, as_table_str(&t, t.hdr.id_off), t.hdr.id_len, dry, err);
}

static as_code_t s_job_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("job")};
    as_path_t path;
    uint64_t id;
    as_job_t job;
    as_code_t rc = s_params(req, f, 1, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_u64(&f[0], &id, &path, err))) return rc;
    if ((rc = as_store_job_get(w->rd, id, &job, err))) return rc;
    as_job_pack(&w->pk, &job, 0);
    return AS_OK;
}

typedef struct {
    msgpack_packer *pk;
    uint32_t rows;
    uint64_t last;
} s_jlist_ctx_t;

static void s_jlist_row(void *arg, const as_job_t *job)
{
    s_jlist_ctx_t *ctx = arg;
    as_job_pack(ctx->pk, job, 0);
    ctx->rows++;
    ctx->last = job->id;
}

static as_code_t s_job_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("cursor"), AS_FIELD("limit")};
    as_path_t path;
    uint32_t limit = AS_DEFAULT_LIST;
    uint64_t after;
    as_code_t rc = s_params(req, f, 2, 0, &path, err);
    if (rc) return rc;
    if ((rc = s_id_cursor(&f[0], &after, &path, err))) return rc;
    if (f[1].seen && (rc = as_field_uint(&f[1], 1, AS_MAX_LIST, &limit, &path, err))) return rc;
    msgpack_pack_map(&w->pk, 3);
    as_pack_cstr(&w->pk, "jobs");
    size_t at = s_array_later(w);
    s_jlist_ctx_t ctx = {.pk = &w->pk};
    uint64_t total;
    bool more;
    if ((rc = as_store_job_list(w->rd, after, limit, s_jlist_row, &ctx, &total, &more, err)))
        return rc;
    s_array_patch(w, at, ctx.rows);
    s_pack_id_cursor(&w->pk, more, ctx.last);
    as_pack_cstr(&w->pk, "total");
    msgpack_pack_uint64(&w->pk, total);
    return AS_OK;
}

/* ---- knowledge tracing: skills and mastery ---- */

static as_code_t s_skill_put(as_worker_t *w, as_request_t *req, as_err_t *err)
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
    as_code_t rc = s_params(req, f, 7, 6, &path, err);
    if (rc) return rc;
    if ((rc = as_field_id(&f[0], &id, &len, &path, err))) return rc;
    for (int i = 1; i < 7; i++) {
        bool below_one = i == 4 || i == 5; /* guess, slip */
        if (f[i].seen && (rc = as_field_prob(&f[i], below_one, out[i - 1], &path, err))) return rc;
    }
    if ((rc = s_fwd_add(w, id, len, err)) || (rc = s_fwd_add(w, &p, sizeof p, err))) return rc;
    w->fwd_op = AS_OP_SKILL_PUT;
    return AS_OK;
}

/* The one param, an id, of a method that takes nothing else. */
static as_code_t s_id_param(as_request_t *req, const char *name, const char **id, uint32_t *len,
                            as_err_t *err)
{
    as_field_t f[] = {{.name = name}};
    as_path_t path;
    as_code_t rc = s_params(req, f, 1, 1, &path, err);
    return rc ? rc : as_field_id(&f[0], id, len, &path, err);
}

static as_code_t s_skill_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_skill_t sk;
    as_code_t rc = s_id_param(req, "id", &id, &len, err);
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

static as_code_t s_skill_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *after;
    uint32_t after_len, limit;
    as_code_t rc = s_page_params(req, &after, &after_len, &limit, err);
    if (rc) return rc;
    msgpack_pack_map(&w->pk, 3);
    as_pack_cstr(&w->pk, "skills");
    size_t at = s_array_later(w);
    s_slist_ctx_t ctx = {.pk = &w->pk};
    uint64_t total;
    bool more;
    if ((rc = as_store_skill_list(w->rd, after, after_len, limit, s_slist_row, &ctx, &total, &more,
                                  err)))
        return rc;
    s_array_patch(w, at, ctx.rows);
    as_pack_cstr(&w->pk, "next_cursor");
    if (more && ctx.rows)
        as_pack_str(&w->pk, ctx.last, ctx.last_len);
    else
        msgpack_pack_nil(&w->pk);
    as_pack_cstr(&w->pk, "total");
    msgpack_pack_uint64(&w->pk, total);
    return AS_OK;
}

static as_code_t s_skill_delete(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_code_t rc = s_id_param(req, "id", &id, &len, err);
    if (rc) return rc;
    if ((rc = s_fwd_add(w, id, len, err))) return rc;
    w->fwd_op = AS_OP_SKILL_DELETE;
    return AS_OK;
}

static as_code_t s_skill_recompute(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_skill_t sk;
    as_code_t rc = s_id_param(req, "skill", &id, &len, err);
    if (rc) return rc;
    if ((rc = as_store_skill_get(w->rd, id, len, &sk, err))) return rc;
    return s_job_new(w, AS_JOB_RECOMPUTE, id, len, false, err);
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
    as_pack_mastery(ctx->pk, sk, m);
    ctx->n++;
}

static as_code_t s_mastery_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("learner"), AS_FIELD("skill")};
    as_path_t path;
    const char *learner, *skill;
    uint32_t llen, slen;
    as_code_t rc = s_params(req, f, 2, 1, &path, err);
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
        if ((rc = as_store_mastery_get(w->rd, learner, llen, skill, slen, &sk, &m, err)))
            return rc;
        msgpack_pack_map(pk, 1);
        as_pack_str(pk, skill, slen);
        as_pack_mastery(pk, &sk, &m);
        return AS_OK;
    }
    /* a map32 header, patched with the count */
    size_t at = w->sb.size;
    static const uint8_t m32[5] = {0xdf, 0, 0, 0, 0};
    as_pack_raw(pk, m32, 5);
    s_mlist_ctx_t ctx = {.pk = pk};
    if ((rc = as_store_mastery_list(w->rd, learner, llen, s_mlist_row, &ctx, err))) return rc;
    s_array_patch(w, at, ctx.n);
    return AS_OK;
}

const as_method_t as_methods[AS_M_COUNT] = {
    [AS_M_PING] = {"ping", AS_M_INLINE, s_ping},
    [AS_M_PUT] = {"assessment.put", AS_M_ADMIN, s_put},
    [AS_M_GET] = {"assessment.get", AS_M_INLINE, s_get},
    [AS_M_LIST] = {"assessment.list", AS_M_INLINE, s_list},
    [AS_M_DELETE] = {"assessment.delete", AS_M_ADMIN, s_delete},
    [AS_M_SCORE] = {"score", AS_M_INLINE, s_score},
    [AS_M_SCORE_BATCH] = {"score_batch", 0, s_score_batch},
    [AS_M_STATS] = {"stats", AS_M_INLINE, s_stats},
    [AS_M_SUBMIT] = {"response.submit", 0, s_submit},
    [AS_M_RESPONSE_GET] = {"response.get", AS_M_INLINE, s_response_get},
    [AS_M_RESPONSE_LIST] = {"response.list", AS_M_INLINE, s_response_list},
    [AS_M_REPORT] = {"assessment.report", AS_M_INLINE, s_report},
    [AS_M_REGRADE] = {"assessment.regrade", AS_M_ADMIN, s_regrade},
    [AS_M_JOB_GET] = {"job.get", AS_M_INLINE, s_job_get},
    [AS_M_JOB_LIST] = {"job.list", AS_M_INLINE, s_job_list},
    [AS_M_SKILL_PUT] = {"skill.put", AS_M_ADMIN, s_skill_put},
    [AS_M_SKILL_GET] = {"skill.get", AS_M_INLINE, s_skill_get},
    [AS_M_SKILL_LIST] = {"skill.list", AS_M_INLINE, s_skill_list},
    [AS_M_SKILL_DELETE] = {"skill.delete", AS_M_ADMIN, s_skill_delete},
    [AS_M_SKILL_RECOMPUTE] = {"skill.recompute", AS_M_ADMIN, s_skill_recompute},
    [AS_M_MASTERY_GET] = {"mastery.get", AS_M_INLINE, s_mastery_get},
};

const char *const as_method_names[AS_STATS_METHODS] = {
    [AS_M_PING] = "ping",
    [AS_M_PUT] = "assessment.put",
    [AS_M_GET] = "assessment.get",
    [AS_M_LIST] = "assessment.list",
    [AS_M_DELETE] = "assessment.delete",
    [AS_M_SCORE] = "score",
    [AS_M_SCORE_BATCH] = "score_batch",
    [AS_M_STATS] = "stats",
    [AS_M_SUBMIT] = "response.submit",
    [AS_M_RESPONSE_GET] = "response.get",
    [AS_M_RESPONSE_LIST] = "response.list",
    [AS_M_REPORT] = "assessment.report",
    [AS_M_REGRADE] = "assessment.regrade",
    [AS_M_JOB_GET] = "job.get",
    [AS_M_JOB_LIST] = "job.list",
    [AS_M_SKILL_PUT] = "skill.put",
    [AS_M_SKILL_GET] = "skill.get",
    [AS_M_SKILL_LIST] = "skill.list",
    [AS_M_SKILL_DELETE] = "skill.delete",
    [AS_M_SKILL_RECOMPUTE] = "skill.recompute",
    [AS_M_MASTERY_GET] = "mastery.get",
    [AS_M_INVALID] = "invalid",
};

int as_method_find(const char *s, uint32_t len)
{
    for (int i = 0; i < AS_M_COUNT; i++)
        if (as_str_eq(s, len, as_methods[i].name)) return i;
    return -1;
}
