/* job.c — how a job is shown (job.h). */
#include "job.h"

#include "clock.h"

const char *as_job_state_name(unsigned state)
{
    static const char *const names[] = {"queued", "running", "done", "failed"};
    return state < 4 ? names[state] : "unknown";
}

static void s_pack_changes(msgpack_packer *pk, const as_job_t *job)
{
    msgpack_pack_array(pk, job->n_examples);
    for (uint32_t i = 0; i < job->n_examples; i++) {
        const as_job_change_t *c = &job->examples[i];
        msgpack_pack_map(pk, 5);
        as_pack_cstr(pk, "response_id");
        msgpack_pack_uint64(pk, c->response_id);
        as_pack_cstr(pk, "learner");
        as_pack_str(pk, c->learner, c->learner_len);
        as_pack_cstr(pk, "attempt");
        msgpack_pack_uint32(pk, c->attempt);
        as_pack_cstr(pk, "old_score");
        msgpack_pack_double(pk, c->old_score);
        as_pack_cstr(pk, "new_score");
        msgpack_pack_double(pk, c->new_score);
    }
}

const char *as_job_kind_name(unsigned kind)
{
    static const char *const names[] = {"regrade", "recompute", "fit", "model_recompute"};
    return kind < 4 ? names[kind] : "unknown";
}

void as_job_pack(msgpack_packer *pk, const as_job_t *job, const as_stamp_t *stamp,
                 const void *result, size_t len)
{
    bool done = job->state == AS_JOB_DONE, failed = job->state == AS_JOB_FAILED;
    bool phase = job->kind == AS_JOB_FIT;
    msgpack_pack_map(pk, 9 + (phase ? 1 : 0) + (done ? 1 : 0) + (failed ? 1 : 0) + (stamp ? 2 : 0));
    as_pack_cstr(pk, "job");
    msgpack_pack_uint64(pk, job->id);
    bool regrade = job->kind == AS_JOB_REGRADE;
    as_pack_cstr(pk, "kind");
    as_pack_cstr(pk, as_job_kind_name(job->kind));
    as_pack_cstr(pk, regrade                               ? "assessment"
                     : job->kind == AS_JOB_MODEL_RECOMPUTE ? "model"
                                                           : "skill");
    if (job->kind == AS_JOB_FIT && !job->assessment_len)
        msgpack_pack_nil(pk); /* every skill */
    else
        as_pack_str(pk, job->assessment, job->assessment_len);
    if (phase) {
        as_pack_cstr(pk, "phase");
        as_pack_cstr(pk, job->version ? "recomputing" : "fitting");
    }
    as_pack_cstr(pk, "dry_run");
    if (job->dry_run)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
    as_pack_cstr(pk, "state");
    as_pack_cstr(pk, as_job_state_name(job->state));
    as_pack_cstr(pk, "progress");
    msgpack_pack_map(pk, 2);
    as_pack_cstr(pk, "done");
    msgpack_pack_uint64(pk, job->done);
    as_pack_cstr(pk, "total");
    msgpack_pack_uint64(pk, job->total);
    as_pack_time(pk, "created_at", job->created_at);
    as_pack_time(pk, "started_at", job->started_at);
    as_pack_time(pk, "finished_at", job->finished_at);
    if (done && job->kind == AS_JOB_FIT) {
        as_pack_cstr(pk, "result");
        if (result)
            as_pack_raw(pk, result, len);
        else
            msgpack_pack_nil(pk);
    } else if (done && !regrade) {
        as_pack_cstr(pk, "result");
        msgpack_pack_map(pk, 1);
        as_pack_cstr(pk, "observations"); /* replayed into the new states */
        msgpack_pack_uint64(pk, job->changed);
    } else if (done) {
        as_pack_cstr(pk, "result");
        msgpack_pack_map(pk, job->dry_run ? 4 : 3);
        as_pack_cstr(pk, "version");
        msgpack_pack_uint32(pk, job->version);
        as_pack_cstr(pk, "changed");
        msgpack_pack_uint64(pk, job->changed);
        as_pack_cstr(pk, "unchanged");
        msgpack_pack_uint64(pk, job->unchanged);
        if (job->dry_run) {
            as_pack_cstr(pk, "changes");
            s_pack_changes(pk, job);
        }
    }
    if (failed) {
        as_pack_cstr(pk, "error");
        as_pack_cstr(pk, job->error);
    }
    if (stamp) as_pack_stamp(pk, *stamp);
}

void as_job_fail(as_job_t *job, const char *msg)
{
    job->state = AS_JOB_FAILED;
    job->finished_at = as_wall_s();
    snprintf(job->error, sizeof job->error, "%.255s", msg);
}

bool as_job_caught_up(as_job_t *job, uint64_t last_rid)
{
    if (job->last_done < last_rid) {
        job->total = last_rid;
        return false;
    }
    job->state = AS_JOB_DONE;
    job->finished_at = as_wall_s();
    return true;
}
