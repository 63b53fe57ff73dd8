/* jobs.c — background jobs: assessment.regrade (a job; regrade.c does its work), job.get and
 * job.list, and the hand-off of a new job to the writer (jobs_write.c) that every job-starting
 * method uses. */
#include "handler.h"

/* Hands the writer a new job [kind byte, target id, dry_run byte]: it creates the job, and the
 * job thread runs it (server/job_thread.c). */
as_code_t as_h_job_new(as_worker_t *w, as_job_kind_t kind, const char *id, uint32_t len, bool dry,
                       const void *args, size_t args_len, as_err_t *err)
{
    uint8_t kind_byte = (uint8_t)kind, dry_byte = dry;
    as_code_t rc;
    if ((rc = as_h_fwd(w, &kind_byte, 1, err)) || (rc = as_h_fwd(w, id, len, err)) ||
        (rc = as_h_fwd(w, &dry_byte, 1, err)) || (args && (rc = as_h_fwd(w, args, args_len, err))))
        return rc;
    w->fwd_op = AS_OP_JOB_NEW;
    return AS_OK;
}

as_code_t as_handle_regrade(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("dry_run")};
    as_path_t path;
    as_table_t t;
    bool dry = false;
    as_code_t rc = as_h_params(req, f, 2, 1, &path, err);
    if (rc) return rc;
    if (f[1].seen && (rc = as_field_bool(&f[1], &dry, &path, err))) return rc;
    if ((rc = as_h_table(w, &f[0], &path, &t, err))) return rc;
    return as_h_job_new(w, AS_JOB_REGRADE, as_table_str(&t, t.hdr.id_off), t.hdr.id_len, dry, NULL,
                        0, err);
}

/* Packs a job as job.get shows it, with its stored result when it has one. */
static void s_pack_job(as_reader_t *rd, msgpack_packer *pk, const as_job_t *job)
{
    const void *result = NULL;
    size_t len = 0;
    as_err_t ignored;
    if (job->state == AS_JOB_DONE &&
        as_store_job_data_get(rd, job->id, AS_JOB_RESULT, &result, &len, &ignored))
        result = NULL;
    as_job_pack(pk, job, NULL, result, len);
}

as_code_t as_handle_job_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("job")};
    as_path_t path;
    uint64_t id;
    as_job_t job;
    as_code_t rc = as_h_params(req, f, 1, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_field_u64(&f[0], &id, &path, err))) return rc;
    if ((rc = as_store_job_get(w->rd, id, &job, err))) return rc;
    s_pack_job(w->rd, &w->pk, &job);
    return AS_OK;
}

typedef struct {
    as_reader_t *rd;
    msgpack_packer *pk;
    uint32_t rows;
    uint64_t last;
} s_jlist_ctx_t;

static void s_jlist_row(void *arg, const as_job_t *job)
{
    s_jlist_ctx_t *ctx = arg;
    s_pack_job(ctx->rd, ctx->pk, job);
    ctx->rows++;
    ctx->last = job->id;
}

as_code_t as_handle_job_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("cursor"), AS_FIELD("limit")};
    as_path_t path;
    uint32_t limit = AS_DEFAULT_LIST;
    uint64_t after;
    as_code_t rc = as_h_params(req, f, 2, 0, &path, err);
    if (rc) return rc;
    if ((rc = as_h_id_cursor(&f[0], &after, &path, err))) return rc;
    if (f[1].seen && (rc = as_field_uint(&f[1], 1, AS_MAX_LIST, &limit, &path, err))) return rc;
    msgpack_pack_map(&w->pk, 3);
    as_pack_cstr(&w->pk, "jobs");
    size_t at = as_h_array_later(w);
    s_jlist_ctx_t ctx = {.rd = w->rd, .pk = &w->pk};
    uint64_t total;
    bool more;
    if ((rc = as_store_job_list(w->rd, after, limit, s_jlist_row, &ctx, &total, &more, err)))
        return rc;
    as_h_array_patch(w, at, ctx.rows);
    as_h_pack_id_cursor(&w->pk, more, ctx.last);
    as_pack_cstr(&w->pk, "total");
    msgpack_pack_uint64(&w->pk, total);
    return AS_OK;
}
