/* model_recompute.c — model.recompute as a job (job_kind.h): every learner's state of a deep
 * model rebuilt by replaying the stored responses in submission order through its current
 * version, as tracing/recompute.c does for a skill.
 *
 * The job thread reads the stored responses in id order, scores them with the current tables
 * and sends [rid, learner, [[concept, correct]...]] per response that steps the model (its
 * steps as models_trace.h defines them); the writer runs them into a new generation of the
 * learners' states (the model's shadow_gen) beside the live ones, which submissions keep using
 * and stepping meanwhile. The finish step makes the new generation live once the job has read
 * every stored response. The steps run on the writer: a chunk of 1,000 responses costs the
 * writer the model's step time for each of their steps (DESIGN.md "Deep knowledge tracing").
 */
#include "job_kind.h"
#include "writes.h"

#include "clock.h"
#include "models_trace.h"
#include "tracing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The model, still the one this job rebuilds: else the job fails, saying why. */
static bool s_model(as_wtxn_t *txn, as_job_t *job, as_model_rec_t *rec, as_model_t *m)
{
    as_err_t err;
    const void *blob;
    size_t len;
    if (as_store_model_wget(txn, job->assessment, job->assessment_len, rec, &blob, &len, &err) ||
        as_model_open(blob, len, m, &err)) {
        char msg[256];
        snprintf(msg, sizeof msg, "model \"%.*s\" was deleted during the recompute",
                 (int)job->assessment_len, job->assessment);
        as_job_fail(job, msg);
        return false;
    }
    if (rec->shadow_gen != job->gen || rec->job != job->id) {
        as_job_fail(job, "the model was put again during the recompute");
        return false;
    }
    return true;
}

static as_code_t s_abandon(as_wtxn_t *txn, const as_job_t *job, as_err_t *err)
{
    as_model_rec_t rec;
    as_err_t ignored;
    if (as_store_model_wget(txn, job->assessment, job->assessment_len, &rec, NULL, NULL,
                            &ignored) ||
        rec.job != job->id)
        return AS_OK; /* deleted, or not this job's any more */
    rec.shadow_gen = 0;
    rec.job = 0;
    return as_store_model_set(txn, job->assessment, job->assessment_len, &rec, err);
}

/* ---- the job thread's half: reading a chunk ---- */

/* The job thread's reading state, kept from chunk to chunk (job_kind.h `state`). */
typedef struct {
    as_chunk_t *c;
    as_model_t m;
    uint32_t *steps; /* concept, correct: pairs of one response */
    size_t n, cap;
    bool oom;
    as_trace_tables_t tables;
} s_read_t;

static bool s_want(void *arg, const char *skill, uint32_t len)
{
    return as_model_concept(&((s_read_t *)arg)->m, skill, len) >= 0;
}

static void s_obs(void *arg, const char *skill, uint32_t len, bool correct)
{
    s_read_t *rd = arg;
    if (rd->n + 2 > rd->cap) {
        size_t cap = rd->cap ? rd->cap * 2 : 1024;
        uint32_t *grown = realloc(rd->steps, cap * sizeof *grown);
        if (!grown) {
            rd->oom = true;
            return;
        }
        rd->steps = grown;
        rd->cap = cap;
    }
    rd->steps[rd->n++] = (uint32_t)as_model_concept(&rd->m, skill, len);
    rd->steps[rd->n++] = correct;
}

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
    if (!c->rc && rd->oom) c->rc = as_err_set(c->err, AS_INTERNAL, "out of memory");
    if (c->rc || !rd->n) return;
    msgpack_packer *pk = c->pk;
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, rid);
    as_pack_str(pk, learner, llen);
    msgpack_pack_array(pk, rd->n / 2);
    for (uint32_t i = 0; i < rd->n; i += 2) {
        msgpack_pack_array(pk, 2);
        msgpack_pack_uint32(pk, rd->steps[i]);
        msgpack_pack_uint8(pk, (uint8_t)rd->steps[i + 1]);
    }
    c->entries++;
}

static as_code_t s_read(as_chunk_t *c)
{
    s_read_t *rd = *c->state;
    if (!rd && !(rd = *c->state = calloc(1, sizeof *rd)))
        return as_err_set(c->err, AS_INTERNAL, "out of memory");
    memset(&rd->tables, 0, sizeof rd->tables);
    rd->c = c;
    as_model_rec_t rec;
    const void *blob;
    size_t len;
    as_code_t rc = as_store_model_get(c->rd, c->job->assessment, c->job->assessment_len, &rec,
                                      &blob, &len, c->err);
    if (rc || (rc = as_model_open(blob, len, &rd->m, c->err))) return rc;
    return as_store_rids_scan(c->rd, c->after, AS_JOB_CHUNK, s_read_one, rd, c->err);
}

static void s_release(void *state)
{
    s_read_t *rd = state;
    if (rd) free(rd->steps);
    free(rd);
}

/* ---- the writer's half ---- */

static as_code_t s_create(as_wtxn_t *txn, as_job_t *job, as_err_t *err)
{
    as_model_rec_t rec;
    as_code_t rc =
        as_store_model_wget(txn, job->assessment, job->assessment_len, &rec, NULL, NULL, err);
    if (!rc) job->total = as_store_last_rid(txn);
    return rc;
}

static void s_start(as_wtxn_t *txn, as_write_t *w, as_job_t *job)
{
    as_model_rec_t rec;
    as_err_t err;
    if (as_store_model_wget(txn, job->assessment, job->assessment_len, &rec, NULL, NULL, &err)) {
        as_job_fail(job, err.msg);
        return;
    }
    job->state = AS_JOB_RUNNING;
    job->total = job->last_rid;
    job->gen = rec.shadow_gen = ++rec.last_gen;
    rec.job = job->id;
    w->code = as_store_model_set(txn, job->assessment, job->assessment_len, &rec, &w->err);
}

/* One learner's steps (n of [concept, correct]) into the new generation. */
static as_code_t s_replay_one(as_writer_t *wr, as_wtxn_t *txn, const as_job_t *job,
                              as_model_rec_t *rec, const as_model_t *m, const char *learner,
                              uint32_t llen, as_mp_t *r, uint32_t n, as_err_t *err)
{
    const void *state;
    uint32_t steps = 0;
    bool found, fresh;
    as_code_t rc =
        as_store_model_state_wget(txn, job->assessment, job->assessment_len, learner, llen,
                                  job->gen, rec->n_state, &state, &steps, &found, err);
    if (rc) return rc;
    if (!found && rec->max_learners && rec->learners >= rec->max_learners) {
        rec->refused++;
        for (uint32_t i = 0; i < n; i++)
            if (as_mp_skip(r, 2)) return as_err_set(err, AS_INTERNAL, "malformed recompute step");
        return AS_OK;
    }
    float *st = as_kt_state(wr->kt, m, found ? state : NULL, err);
    if (!st) return err->code;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t two, c, correct;
        if (as_mp_array(r, &two) || two != 2 || as_mp_u32(r, &c) || as_mp_u32(r, &correct) ||
            c >= m->hdr->c)
            return as_err_set(err, AS_INTERNAL, "malformed recompute step");
        as_model_step(m, &wr->kt->scratch, st, c, correct != 0);
    }
    return as_store_model_state_put(txn, job->assessment, job->assessment_len, learner, llen, rec,
                                    job->gen, steps + n, st, &fresh, err);
}

static void s_chunk(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *r,
                    uint32_t n, uint64_t scanned, uint64_t scanned_to)
{
    as_model_rec_t rec;
    as_model_t m;
    if (!s_model(txn, job, &rec, &m)) {
        w->code = s_abandon(txn, job, &w->err);
        return;
    }
    for (uint32_t i = 0; i < n && !w->code; i++) {
        uint32_t parts, nsteps, llen;
        int64_t rid;
        const char *learner;
        if (as_mp_array(r, &parts) || parts != 3 || as_mp_int(r, &rid) ||
            as_mp_str(r, &learner, &llen) || llen > AS_MAX_NAME || as_mp_array(r, &nsteps)) {
            w->code = as_err_set(&w->err, AS_INTERNAL, "malformed recompute entry %u", i);
            return;
        }
        w->code = s_replay_one(wr, txn, job, &rec, &m, learner, llen, r, nsteps, &w->err);
        job->changed += nsteps; /* steps replayed */
    }
    if (!w->code)
        w->code = as_store_model_set(txn, job->assessment, job->assessment_len, &rec, &w->err);
    job->done += scanned;
    job->last_done = scanned_to;
}

static void s_finish(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *args)
{
    (void)wr;
    (void)args;
    as_model_rec_t rec;
    as_model_t m;
    if (!s_model(txn, job, &rec, &m)) {
        w->code = s_abandon(txn, job, &w->err);
        return;
    }
    if (!as_job_caught_up(job, as_store_last_rid(txn))) return;
    rec.live_gen = rec.shadow_gen;
    rec.shadow_gen = 0;
    rec.job = 0;
    job->total = job->done;
    w->code = as_store_model_set(txn, job->assessment, job->assessment_len, &rec, &w->err);
}

const as_job_ops_t as_model_recompute_ops = {
    .name = "model_recompute",
    .create = s_create,
    .start = s_start,
    .read = s_read,
    .chunk = s_chunk,
    .finish = s_finish,
    .abandon = s_abandon,
    .release = s_release,
};
