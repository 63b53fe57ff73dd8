/* jobs_write.c — the writer's half of background jobs (job.h): creating one (assessment.regrade,
 * skill.recompute) and each step the job thread asks for. A job's state changes only here, in
 * the same transaction as what the step wrote, so job.get always shows what is committed. What
 * a step does for a kind of job is that kind's (job_kind.h: regrade.c, tracing/recompute.c).
 */
#include "job_kind.h"
#include "writes.h"

#include "clock.h"

#include <stdio.h>
#include <string.h>

static const as_job_ops_t *const s_kinds[] = {
    [AS_JOB_REGRADE] = &as_regrade_ops,
    [AS_JOB_RECOMPUTE] = &as_recompute_ops,
    [AS_JOB_FIT] = &as_fit_ops,
    [AS_JOB_MODEL_RECOMPUTE] = &as_model_recompute_ops,
};

const as_job_ops_t *as_job_ops(unsigned kind)
{
    return kind < sizeof s_kinds / sizeof s_kinds[0] ? s_kinds[kind] : NULL;
}

/* The job's stored result, once it is done and has one (NULL: none). */
static const void *s_result(as_wtxn_t *txn, const as_job_t *job, size_t *len)
{
    const void *result;
    as_err_t ignored;
    *len = 0;
    if (job->state != AS_JOB_DONE ||
        as_store_job_data_wget(txn, job->id, AS_JOB_RESULT, &result, len, &ignored))
        return NULL;
    return result;
}

static void s_reply_job(as_wtxn_t *txn, as_write_t *w, const as_job_t *job)
{
    size_t len;
    const void *result = s_result(txn, job, &len);
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    as_job_pack(&w->reply_pk, job, NULL, result, len);
}

static void s_note_job(as_wtxn_t *txn, as_write_t *w, const as_job_t *job)
{
    char id[24];
    size_t len;
    const void *result = s_result(txn, job, &len);
    int n = snprintf(id, sizeof id, "%llu", (unsigned long long)job->id);
    as_stamp_t stamp = as_store_stamp(txn);
    as_job_pack(as_write_note(w, "job", id, (size_t)n), job, &stamp, result, len);
}

/* args: [kind byte, target id, dry_run byte, arguments?]: a regrade of an assessment, a recompute
 * of a skill, a fit (of every skill when the target is empty; its options as the arguments) */
void as_write_job_new(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t klen, len, dlen;
    const char *kind = as_write_arg(w, 0, &klen);
    const char *id = as_write_arg(w, 1, &len);
    const char *dry = as_write_arg(w, 2, &dlen);
    as_job_t job = {.kind = klen ? (uint8_t)kind[0] : 0,
                    .state = AS_JOB_QUEUED,
                    .dry_run = dlen && dry[0],
                    .assessment_len = (uint32_t)len,
                    .created_at = as_wall_s()};
    const as_job_ops_t *ops = as_job_ops(job.kind);
    if (!ops) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "unknown job kind %u", job.kind);
        return;
    }
    if (len) memcpy(job.assessment, id, len);
    if ((w->code = ops->create(txn, &job, &w->err))) return;
    if ((w->code = as_store_job_new(txn, &job, &w->err))) return;
    if (as_write_nargs(w) > 3) {
        size_t alen;
        const char *args = as_write_arg(w, 3, &alen);
        if ((w->code = as_store_job_data_put(txn, job.id, AS_JOB_ARGS, args, alen, &w->err)))
            return;
    }
    s_reply_job(txn, w, &job);
    s_note_job(txn, w, &job);
}

/* The start: progress reset, the engine's last response id fixed, then the kind's start. */
static void s_start(const as_job_ops_t *ops, as_wtxn_t *txn, as_write_t *w, as_job_t *job)
{
    job->runs++;
    job->started_at = as_wall_s();
    job->done = job->changed = job->unchanged = job->last_done = 0;
    job->n_examples = 0;
    job->error[0] = '\0';
    job->last_rid = as_store_last_rid(txn);
    ops->start(txn, w, job);
}

/* args: [AS_STEP_CHUNK, job, publish, scanned_to, scanned, [entry...]] (the head already read) */
static void s_chunk(const as_job_ops_t *ops, as_writer_t *wr, as_wtxn_t *txn, as_write_t *w,
                    as_job_t *job, as_mp_t *r)
{
    bool publish;
    int64_t scanned_to, scanned;
    uint32_t n;
    if (as_mp_bool(r, &publish) || as_mp_int(r, &scanned_to) || as_mp_int(r, &scanned) ||
        as_mp_array(r, &n) || scanned < 0 || scanned_to < 0) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed job chunk");
        return;
    }
    ops->chunk(wr, txn, w, job, r, n, (uint64_t)scanned, (uint64_t)scanned_to);
    if (!w->code && publish && job->state == AS_JOB_RUNNING) s_note_job(txn, w, job);
}

/* args: [step, job id, ...] (job.h as_job_step_t; the job thread, job_thread.c) */
void as_write_job_step(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    size_t len;
    const char *args = as_write_arg(w, 0, &len);
    as_mp_t r;
    uint32_t n, step;
    int64_t id;
    as_job_t job;
    as_mp_init(&r, args, len);
    if (as_mp_array(&r, &n) || n < 2 || as_mp_u32(&r, &step) || as_mp_int(&r, &id) || id <= 0) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed job step");
        return;
    }
    if ((w->code = as_store_job_wget(txn, (uint64_t)id, &job, &w->err))) return;
    if (job.state == AS_JOB_DONE || job.state == AS_JOB_FAILED) {
        w->code = as_err_set(&w->err, AS_CONFLICT, "job %lld has ended (%s)", (long long)id,
                             as_job_state_name(job.state));
        return;
    }
    const as_job_ops_t *ops = as_job_ops(job.kind); /* NULL: a job can only be failed */
    if (!ops && step != AS_STEP_FAIL) {
        w->code =
            as_err_set(&w->err, AS_INTERNAL, "job %lld: unknown kind %u", (long long)id, job.kind);
        return;
    }
    uint8_t before = job.state;
    switch ((as_job_step_t)step) {
    case AS_STEP_START:
        s_start(ops, txn, w, &job);
        break;
    case AS_STEP_CHUNK:
        s_chunk(ops, wr, txn, w, &job, &r);
        break;
    case AS_STEP_FINISH:
        /* [AS_STEP_FINISH, job, payload]: the kind's conclusion (nil for most) */
        ops->finish(wr, txn, w, &job, n > 2 ? &r : NULL);
        break;
    case AS_STEP_FAIL: {
        const char *msg;
        uint32_t ml;
        char buf[256];
        if (as_mp_str(&r, &msg, &ml)) ml = 0;
        snprintf(buf, sizeof buf, "%.*s", (int)ml, ml ? msg : "failed");
        as_job_fail(&job, buf);
        if (ops && ops->abandon) w->code = ops->abandon(txn, &job, &w->err);
        break;
    }
    default:
        w->code = as_err_set(&w->err, AS_INTERNAL, "unknown job step %u", step);
    }
    if (w->code) return;
    if ((w->code = as_store_job_put(txn, &job, &w->err))) return;
    /* every change of state is announced; progress comes with chunks, a few a second */
    if (job.state != before || step == AS_STEP_START) s_note_job(txn, w, &job);
    s_reply_job(txn, w, &job);
}
