/* recompute.c — skill.recompute as a job (job_kind.h): every learner's mastery of a skill,
 * recomputed with its current parameters by replaying the stored responses in submission order.
 *
 * The job thread reads every stored response in id order (`rids`), scores the answers with the
 * current tables and sends [rid, learner, [observation...]] per response that gives evidence of
 * the skill; the writer replays them into a new generation of the learners' states.
 *
 * The replay writes a new generation of states (the skill's shadow_gen) beside the live ones, so
 * mastery.get and submissions keep using the live states meanwhile (submissions update them with
 * the current parameters, and are replayed into the new generation when the job reads them). The
 * finish step makes the new generation live, in one write of the skill record, only once the job
 * has read every stored response: if more were stored since it last read, the job stays running
 * and reads on (job_thread.c). So the new states are exactly those of a fresh replay.
 */
#include "job_kind.h"
#include "writes.h"

#include "clock.h"
#include "record.h"
#include "tracing.h"

#include <stdio.h>
#include <string.h>

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

as_code_t as_recompute_drop(as_wtxn_t *txn, const char *skill, uint32_t len, uint64_t job,
                            as_err_t *err)
{
    as_skill_t sk;
    as_err_t ignored;
    if (as_store_skill_wget(txn, skill, len, &sk, &ignored) || sk.job != job)
        return AS_OK; /* deleted, or not this job's any more */
    sk.shadow_gen = 0;
    sk.job = 0;
    return as_store_skill_set(txn, skill, len, &sk, err);
}

static as_code_t s_abandon(as_wtxn_t *txn, const as_job_t *job, as_err_t *err)
{
    return as_recompute_drop(txn, job->assessment, job->assessment_len, job->id, err);
}

/* ---- the job thread's half: reading a chunk ---- */

typedef struct {
    as_chunk_t *c;
    uint8_t obs[AS_MAX_ITEMS]; /* one skill: at most one observation per item */
    uint32_t n;
    as_trace_tables_t tables; /* zeroed with each chunk's read */
} s_read_t;

static bool s_want(void *arg, const char *skill, uint32_t len)
{
    const as_job_t *job = ((s_read_t *)arg)->c->job;
    return len == job->assessment_len && memcmp(skill, job->assessment, len) == 0;
}

static void s_obs(void *arg, const char *skill, uint32_t len, bool correct)
{
    s_read_t *rd = arg;
    rd->obs[rd->n++] = correct;
}

/* One stored response of any assessment, in submission order: [rid, learner,
 * [observation...]] when an answered item of its assessment names the skill. */
static void s_read_one(void *arg, uint64_t rid, const char *a, uint32_t alen)
{
    s_read_t *rd = arg;
    as_chunk_t *c = rd->c;
    const char *learner;
    uint32_t llen;
    if (c->rc) return;
    c->scanned++;
    c->last = rid;
    rd->n = 0;
    c->rc = as_trace_stored(c->rd, &rd->tables, c->scorer, c->x, rid, a, alen, s_want, s_obs, rd,
                            &learner, &llen, c->err);
    if (c->rc || !rd->n) return;
    msgpack_packer *pk = c->pk;
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, rid);
    as_pack_str(pk, learner, llen);
    msgpack_pack_array(pk, rd->n);
    for (uint32_t i = 0; i < rd->n; i++)
        msgpack_pack_uint8(pk, rd->obs[i]);
    c->entries++;
}

static as_code_t s_read(as_chunk_t *c)
{
    s_read_t rd = {.c = c};
    return as_store_rids_scan(c->rd, c->after, AS_JOB_CHUNK, s_read_one, &rd, c->err);
}

/* ---- the writer's half ---- */

static as_code_t s_create(as_wtxn_t *txn, as_job_t *job, as_err_t *err)
{
    as_skill_t sk;
    as_code_t rc = as_store_skill_wget(txn, job->assessment, job->assessment_len, &sk, err);
    if (!rc) job->total = as_store_last_rid(txn);
    return rc;
}

static void s_start(as_wtxn_t *txn, as_write_t *w, as_job_t *job)
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

as_code_t as_recompute_replay(as_wtxn_t *txn, const char *skill, uint32_t len, const as_skill_t *sk,
                              uint32_t gen, const char *learner, uint32_t llen, as_mp_t *r,
                              uint32_t n, uint64_t *replayed, as_err_t *err)
{
    as_mastery_t m;
    bool found;
    as_code_t rc = as_store_mastery_wget(txn, learner, llen, skill, len, sk, gen, &m, &found, err);
    if (rc) return rc;
    for (uint32_t o = 0; o < n; o++) {
        bool correct;
        if (as_mp_bool(r, &correct)) {
            uint32_t u;
            if (as_mp_u32(r, &u)) return as_err_set(err, AS_INTERNAL, "malformed observation");
            correct = u != 0;
        }
        as_bkt_step(&sk->params, &m.s, correct);
        m.opportunities++;
        (*replayed)++;
    }
    return as_store_mastery_wput(txn, learner, llen, skill, len, sk, gen, &m, err);
}

/* Replays a chunk's entries into the new generation. */
static void s_replay(as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *r, uint32_t n)
{
    as_skill_t sk;
    if (!s_skill(txn, job, &sk)) {
        w->code = s_abandon(txn, job, &w->err);
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
        uint64_t replayed = 0;
        w->code = as_recompute_replay(txn, job->assessment, job->assessment_len, &sk, job->gen,
                                      learner, llen, r, nobs, &replayed, &w->err);
        job->changed += replayed; /* observations replayed */
    }
}

/* A chunk: [[rid, learner, [observation...]]...], after `scanned` responses read up to rid
 * scanned_to. */
static void s_chunk(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *r,
                    uint32_t n, uint64_t scanned, uint64_t scanned_to)
{
    (void)wr;
    s_replay(txn, w, job, r, n);
    job->done += scanned;
    job->last_done = scanned_to;
}

static void s_finish(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *args)
{
    (void)wr;
    (void)args;
    as_skill_t sk;
    if (!s_skill(txn, job, &sk)) {
        w->code = s_abandon(txn, job, &w->err);
        return;
    }
    if (!as_job_caught_up(job, as_store_last_rid(txn))) return;
    sk.live_gen = sk.shadow_gen;
    sk.shadow_gen = 0;
    sk.job = 0;
    job->total = job->done;
    w->code = as_store_skill_set(txn, job->assessment, job->assessment_len, &sk, &w->err);
}

const as_job_ops_t as_recompute_ops = {
    .name = "recompute",
    .create = s_create,
    .start = s_start,
    .read = s_read,
    .chunk = s_chunk,
    .finish = s_finish,
    .abandon = s_abandon,
};
