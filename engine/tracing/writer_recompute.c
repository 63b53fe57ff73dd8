/* writer_recompute.c — the writer's half of skill.recompute: every learner's mastery of a skill,
 * recomputed with its current parameters by replaying the stored responses in submission order.
 *
 * The replay writes a new generation of states (the skill's shadow_gen) beside the live ones, so
 * mastery.get and submissions keep using the live states meanwhile (submissions update them with
 * the current parameters, and are replayed into the new generation when the job reads them). The
 * finish step makes the new generation live, in one write of the skill record, only once the job
 * has read every stored response: if more were stored since it last read, the job stays running
 * and reads on (jobs.c). So the new states are exactly those of a fresh replay.
 */
#include "clock.h"
#include "writer_int.h"

#include <stdio.h>

/* The skill, still the one this job recomputes: else the job fails, saying why. */
static bool s_skill(as_wtxn_t *txn, as_job_t *job, as_skill_t *sk)
{
    as_err_t err;
    if (as_store_skill_wget(txn, job->assessment, job->assessment_len, sk, &err)) {
        char msg[256];
        snprintf(msg, sizeof msg, "skill \"%.*s\" was deleted during the recompute",
                 (int)job->assessment_len, job->assessment);
        as_job_fail(job, msg);
        return false;
    }
    if (sk->shadow_gen != job->gen || sk->job != job->id) {
        as_job_fail(job, "the skill was deleted and put again during the recompute");
        return false;
    }
    return true;
}

void as_recompute_start(as_wtxn_t *txn, as_write_t *w, as_job_t *job)
{
    as_skill_t sk;
    as_err_t err;
    if (as_store_skill_wget(txn, job->assessment, job->assessment_len, &sk, &err)) {
        as_job_fail(job, err.msg);
        return;
    }
    job->state = AS_JOB_RUNNING;
    job->total = job->last_rid; /* every stored response, of every assessment, is read */
    job->gen = sk.shadow_gen = ++sk.last_gen;
    sk.job = job->id;
    w->code = as_store_skill_set(txn, job->assessment, job->assessment_len, &sk, &w->err);
}

void as_recompute_chunk(as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *r, uint32_t n)
{
    as_skill_t sk;
    if (!s_skill(txn, job, &sk)) {
        w->code = as_recompute_abandon(txn, job, &w->err);
        return;
    }
    for (uint32_t i = 0; i < n && !w->code; i++) {
        uint32_t parts, nobs, llen;
        int64_t rid;
        const char *learner;
        if (as_mp_array(r, &parts) || parts != 3 || as_mp_int(r, &rid) ||
            as_mp_str(r, &learner, &llen) || llen > AS_MAX_NAME || as_mp_array(r, &nobs)) {
            w->code = as_err_set(&w->err, AS_INTERNAL, "malformed recompute entry %u", i);
            return;
        }
        as_mastery_t m;
        bool found;
        if ((w->code =
                 as_store_mastery_wget(txn, learner, llen, job->assessment, job->assessment_len,
                                       &sk, job->gen, &m, &found, &w->err)))
            return;
        for (uint32_t o = 0; o < nobs; o++) {
            bool correct;
            if (as_mp_bool(r, &correct)) {
                uint32_t u;
                if (as_mp_u32(r, &u)) {
                    w->code = as_err_set(&w->err, AS_INTERNAL, "malformed observation");
                    return;
                }
                correct = u != 0;
            }
            m.p = as_bkt_step(&sk.params, m.p, correct);
            m.opportunities++;
            job->changed++; /* observations replayed */
        }
        w->code = as_store_mastery_wput(txn, learner, llen, job->assessment, job->assessment_len,
                                        &sk, job->gen, &m, &w->err);
    }
}

void as_recompute_finish(as_wtxn_t *txn, as_write_t *w, as_job_t *job)
{
    as_skill_t sk;
    if (!s_skill(txn, job, &sk)) {
        w->code = as_recompute_abandon(txn, job, &w->err);
        return;
    }
    uint64_t last = as_store_last_rid(txn);
    if (job->last_done < last) { /* responses stored since the job last read: read on */
        job->total = last;
        return;
    }
    sk.live_gen = sk.shadow_gen;
    sk.shadow_gen = 0;
    sk.job = 0;
    job->state = AS_JOB_DONE;
    job->finished_at = as_wall_s();
    job->total = job->done;
    w->code = as_store_skill_set(txn, job->assessment, job->assessment_len, &sk, &w->err);
}

as_code_t as_recompute_abandon(as_wtxn_t *txn, const as_job_t *job, as_err_t *err)
{
    as_skill_t sk;
    as_err_t ignored;
    if (as_store_skill_wget(txn, job->assessment, job->assessment_len, &sk, &ignored) ||
        sk.job != job->id)
        return AS_OK; /* deleted, or not this job's any more */
    sk.shadow_gen = 0;
    sk.job = 0;
    return as_store_skill_set(txn, job->assessment, job->assessment_len, &sk, err);
}
