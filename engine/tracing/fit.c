/* fit.c — skill.fit as a job (job_kind.h), and its writer half (fit_read.c: the job thread's):
 * BKT's parameters fitted to every stored observation of a skill (or of every skill) by EM
 * (bkt_fit.h), and with `apply` stored and every learner's mastery recomputed with them, in the
 * same job.
 *
 * Phase 0, fitting. The job thread reads every stored response in submission order, keeps the
 * observations of the wanted skills (skill, learner, correct) in its own memory, and at the end
 * fits each skill on its learners' sequences (in the order their answers were stored), several
 * skills at once on the cores; each fit depends only on its skill's data, so the result is the
 * same whatever the number of threads. The finish step carries the result; the writer stores it
 * (the job's AS_JOB_RESULT). Without `apply` the job is done.
 *
 * Phase 1, applying. The same finish step stores each fitted skill's parameters and starts a new
 * generation of its learners' states owned by this job (as skill.recompute does, recompute.c);
 * the job stays running and reads every stored response again, sending per response the
 * observations of the skills it owns; the writer replays them into the new generations; the
 * last finish step makes them live at once, when no response was stored since the job last read.
 */
#include "fit.h"

#include "clock.h"
#include "tracing.h"
#include "writes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the job's arguments: [forgets, restarts, seed, bounds (nil or 10 numbers), apply] ---- */

const char *const as_fit_names[AS_BKT_NPARAMS] = {"prior", "learn", "forget", "guess", "slip"};

bool as_fit_args_read(const void *data, size_t len, as_fit_args_t *a)
{
    as_mp_t r;
    uint32_t n, nb;
    int64_t restarts, seed;
    as_mp_init(&r, data, len);
    as_bkt_fit_opts_default(&a->opts);
    bool forgets;
    if (as_mp_array(&r, &n) || n != 5 || as_mp_bool(&r, &forgets) || as_mp_int(&r, &restarts) ||
        as_mp_int(&r, &seed) || restarts < 1)
        return false;
    a->opts.forgets = forgets;
    a->opts.restarts = (uint32_t)restarts;
    a->opts.seed = (uint64_t)seed;
    a->bounded = as_mp_nil(&r) != AS_MP_OK;
    if (!a->bounded) {
        as_bkt_bounds_none(&a->opts.bounds);
    } else {
        if (as_mp_array(&r, &nb) || nb != 2 * AS_BKT_NPARAMS) return false;
        for (int i = 0; i < AS_BKT_NPARAMS; i++)
            if (as_mp_number(&r, &a->opts.bounds.lo[i]) || as_mp_number(&r, &a->opts.bounds.hi[i]))
                return false;
    }
    return as_mp_bool(&r, &a->apply) == AS_MP_OK;
}

/* ---- the writer's half ---- */

static as_code_t s_create(as_wtxn_t *txn, as_job_t *job, as_err_t *err)
{
    as_skill_t sk;
    as_code_t rc = AS_OK;
    if (job->assessment_len)
        rc = as_store_skill_wget(txn, job->assessment, job->assessment_len, &sk, err);
    if (!rc) job->total = as_store_last_rid(txn);
    return rc;
}

static void s_start(as_wtxn_t *txn, as_write_t *w, as_job_t *job)
{
    (void)txn;
    (void)w;
    job->state = AS_JOB_RUNNING;
    job->version = 0; /* fitting (again, after a stop) */
    job->total = job->last_rid;
}

/* Calls fn for each skill of a stored fit result ({skills: [{skill, ...}...], ...}). */
static as_code_t s_each_fitted(const void *result, size_t len,
                               as_code_t (*fn)(void *arg, const char *id, uint32_t len,
                                               as_mp_t *entry),
                               void *arg, as_err_t *err)
{
    as_mp_t r;
    uint32_t pairs, n;
    as_mp_init(&r, result, len);
    if (as_mp_map(&r, &pairs)) return as_err_set(err, AS_INTERNAL, "malformed fit result");
    for (uint32_t p = 0; p < pairs; p++) {
        const char *k;
        uint32_t kl;
        if (as_mp_str(&r, &k, &kl)) return as_err_set(err, AS_INTERNAL, "malformed fit result");
        if (!as_str_eq(k, kl, "skills")) {
            as_mp_skip(&r, AS_MAX_DEPTH);
            continue;
        }
        if (as_mp_array(&r, &n)) return as_err_set(err, AS_INTERNAL, "malformed fit result");
        for (uint32_t i = 0; i < n; i++) {
            as_mp_t entry = r, scan = r;
            uint32_t fields;
            const char *id = NULL;
            uint32_t idlen = 0;
            if (as_mp_map(&scan, &fields))
                return as_err_set(err, AS_INTERNAL, "malformed fit result");
            for (uint32_t f = 0; f < fields; f++) {
                const char *fk;
                uint32_t fkl;
                if (as_mp_str(&scan, &fk, &fkl))
                    return as_err_set(err, AS_INTERNAL, "malformed fit result");
                if (as_str_eq(fk, fkl, "skill")) {
                    if (as_mp_str(&scan, &id, &idlen))
                        return as_err_set(err, AS_INTERNAL, "malformed fit result");
                } else {
                    as_mp_skip(&scan, AS_MAX_DEPTH);
                }
            }
            as_mp_skip(&r, AS_MAX_DEPTH);
            if (!id) return as_err_set(err, AS_INTERNAL, "malformed fit result");
            as_code_t rc = fn(arg, id, idlen, &entry);
            if (rc) return rc;
        }
    }
    return AS_OK;
}

typedef struct {
    as_wtxn_t *txn;
    as_write_t *w;
    as_job_t *job;
    uint32_t applied;
} s_apply_t;

/* Applies one fitted skill: its parameters stored, a new generation of its states begun. */
static as_code_t s_apply_skill(void *arg, const char *id, uint32_t len, as_mp_t *entry)
{
    s_apply_t *a = arg;
    as_skill_t sk;
    as_err_t ignored;
    if (as_store_skill_wget(a->txn, id, len, &sk, &ignored)) return AS_OK; /* deleted since */
    as_bkt_params_t p = sk.params;
    double *out[AS_BKT_NPARAMS] = {&p.prior, &p.learn, &p.forget, &p.guess, &p.slip};
    uint32_t fields;
    as_mp_map(entry, &fields);
    for (uint32_t f = 0; f < fields; f++) {
        const char *k;
        uint32_t kl;
        int which = -1;
        as_mp_str(entry, &k, &kl);
        for (int i = 0; i < AS_BKT_NPARAMS; i++)
            if (as_str_eq(k, kl, as_fit_names[i])) which = i;
        if (which < 0 || as_mp_number(entry, out[which])) as_mp_skip(entry, AS_MAX_DEPTH);
    }
    bool created;
    as_code_t rc = as_store_skill_put(a->txn, id, len, &p, &created, &a->w->err);
    if (!rc) rc = as_store_skill_wget(a->txn, id, len, &sk, &a->w->err);
    if (rc) return rc;
    sk.shadow_gen = ++sk.last_gen;
    sk.job = a->job->id;
    if ((rc = as_store_skill_set(a->txn, id, len, &sk, &a->w->err))) return rc;
    as_write_note_event(a->w, a->txn, "skill", "put", id, len);
    a->applied++;
    return AS_OK;
}

/* Ends phase 1 for one skill: its new generation made live (when this job still owns it). */
static as_code_t s_switch_skill(void *arg, const char *id, uint32_t len, as_mp_t *entry)
{
    (void)entry;
    s_apply_t *a = arg;
    as_skill_t sk;
    as_err_t ignored;
    if (as_store_skill_wget(a->txn, id, len, &sk, &ignored) || sk.job != a->job->id ||
        !sk.shadow_gen)
        return AS_OK; /* deleted, or put again, since */
    sk.live_gen = sk.shadow_gen;
    sk.shadow_gen = 0;
    sk.job = 0;
    return as_store_skill_set(a->txn, id, len, &sk, &a->w->err);
}

/* A failed fit: the generations it began are dropped. */
static as_code_t s_drop_skill(void *arg, const char *id, uint32_t len, as_mp_t *entry)
{
    (void)entry;
    s_apply_t *a = arg;
    return as_recompute_drop(a->txn, id, len, a->job->id, &a->w->err);
}

/* Phase 0: nothing to write but progress. Phase 1: [[rid, learner, [[skill, [obs...]]...]]...]
 * replayed into the generations this job owns. */
static void s_chunk(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *r,
                    uint32_t n, uint64_t scanned, uint64_t scanned_to)
{
    (void)wr;
    for (uint32_t i = 0; i < n && !w->code; i++) {
        uint32_t parts, groups, llen;
        int64_t rid;
        const char *learner;
        if (as_mp_array(r, &parts) || parts != 3 || as_mp_int(r, &rid) ||
            as_mp_str(r, &learner, &llen) || llen > AS_MAX_NAME || as_mp_array(r, &groups)) {
            w->code = as_err_set(&w->err, AS_INTERNAL, "malformed fit entry %u", i);
            return;
        }
        for (uint32_t g = 0; g < groups && !w->code; g++) {
            uint32_t two, nobs, slen;
            const char *skill;
            as_skill_t sk;
            as_err_t ignored;
            if (as_mp_array(r, &two) || two != 2 || as_mp_str(r, &skill, &slen) ||
                as_mp_array(r, &nobs)) {
                w->code = as_err_set(&w->err, AS_INTERNAL, "malformed fit entry %u", i);
                return;
            }
            if (as_store_skill_wget(txn, skill, slen, &sk, &ignored) || sk.job != job->id ||
                !sk.shadow_gen) {
                for (uint32_t o = 0; o < nobs; o++)
                    as_mp_skip(r, 1); /* a skill deleted or put again since: not ours now */
                continue;
            }
            uint64_t replayed = 0;
            w->code = as_recompute_replay(txn, skill, slen, &sk, sk.shadow_gen, learner, llen, r,
                                          nobs, &replayed, &w->err);
            job->changed += replayed; /* observations replayed */
        }
    }
    job->done += scanned;
    job->last_done = scanned_to;
}

static void s_finish(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *args)
{
    (void)wr;
    s_apply_t a = {.txn = txn, .w = w, .job = job};
    if (job->version == 0) {
        /* the result: stored as the job thread packed it */
        if (!args || as_mp_peek(args) != AS_MP_MAP) {
            w->code = as_err_set(&w->err, AS_INTERNAL, "a fit's finish step without its result");
            return;
        }
        const uint8_t *start = args->p;
        as_mp_t end = *args;
        if (as_mp_skip(&end, AS_MAX_DEPTH)) {
            w->code = as_err_set(&w->err, AS_INTERNAL, "malformed fit result");
            return;
        }
        size_t len = (size_t)(end.p - start);
        if ((w->code = as_store_job_data_put(txn, job->id, AS_JOB_RESULT, start, len, &w->err)))
            return;
        const void *saved_args;
        size_t alen;
        as_fit_args_t opts;
        bool apply = as_store_job_data_wget(txn, job->id, AS_JOB_ARGS, &saved_args, &alen,
                                            &w->err) == AS_OK &&
                     as_fit_args_read(saved_args, alen, &opts) && opts.apply;
        if (apply && (w->code = s_each_fitted(start, len, s_apply_skill, &a, &w->err))) return;
        if (!a.applied) {
            job->state = AS_JOB_DONE;
            job->finished_at = as_wall_s();
            return;
        }
        /* phase 1: read every stored response again */
        job->version = 1;
        job->done = job->last_done = 0;
        job->total = as_store_last_rid(txn);
        return;
    }
    uint64_t last = as_store_last_rid(txn);
    if (job->last_done < last) { /* responses stored since the job last read: read on */
        job->total = last;
        return;
    }
    const void *result;
    size_t len;
    if ((w->code = as_store_job_data_wget(txn, job->id, AS_JOB_RESULT, &result, &len, &w->err)))
        return;
    if ((w->code = s_each_fitted(result, len, s_switch_skill, &a, &w->err))) return;
    job->state = AS_JOB_DONE;
    job->finished_at = as_wall_s();
}

static as_code_t s_abandon(as_wtxn_t *txn, const as_job_t *job, as_err_t *err)
{
    const void *result;
    size_t len;
    as_err_t ignored;
    if (as_store_job_data_wget(txn, job->id, AS_JOB_RESULT, &result, &len, &ignored))
        return AS_OK; /* failed while fitting: nothing was begun */
    as_write_t w = {0};
    s_apply_t a = {.txn = txn, .w = &w, .job = (as_job_t *)job};
    as_code_t rc = s_each_fitted(result, len, s_drop_skill, &a, err);
    if (!rc && w.code) *err = w.err;
    return rc ? rc : w.code;
}

const as_job_ops_t as_fit_ops = {
    .name = "fit",
    .create = s_create,
    .start = s_start,
    .read = as_fit_read,
    .chunk = s_chunk,
    .conclude = as_fit_conclude,
    .finish = s_finish,
    .abandon = s_abandon,
    .release = as_fit_release,
};
