/* pg_store_learners.c — skills, mastery, deep models, attempts and jobs behind store.h on
 * PostgreSQL (pg_store.h): each operation carried to its pg_*.c part, in the write transaction
 * when it has one, on the reader's connection when it reads. Mastery entries are kept in memory
 * by pg_mastery.c (a pair's entry read at its first use) and written at the commit; views of
 * blobs and answers are copies in the reader's or transaction's arena.
 */
#include "mastery_slots.h"
#include "pg_store.h"
#include "pg_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PGconn *s_wc(as_wtxn_t *txn)
{
    return as_pg_wconn((as_pg_wtxn_t *)txn);
}

/* The reader's connection, or return its error. */
#define S_RC(r)                                                                                    \
    PGconn *c = as_pg_reader_conn((as_pg_reader_t *)(r), err);                                     \
    if (!c) return err->code

/* Bytes read, kept in an arena. */
typedef struct {
    as_pg_arena_t *arena;
    const void *p;
    size_t len;
    bool oom;
} s_bytes_t;

static void s_keep(void *arg, const void *data, size_t len)
{
    s_bytes_t *b = arg;
    b->p = as_pg_keep(b->arena, data, len);
    b->len = len;
    b->oom = !b->p;
}

/* ---- skills ---- */

as_code_t as_pgs_store_skill_put(as_wtxn_t *txn, const char *id, uint32_t len,
                                 const as_bkt_params_t *params, bool *created, as_err_t *err)
{
    return as_pg_skill_put(s_wc(txn), id, len, params, created, err);
}

as_code_t as_pgs_store_skill_get(as_reader_t *rd, const char *id, uint32_t len, as_skill_t *skill,
                                 as_err_t *err)
{
    S_RC(rd);
    return as_pg_skill_get(c, id, len, skill, err);
}

as_code_t as_pgs_store_skill_wget(as_wtxn_t *txn, const char *id, uint32_t len, as_skill_t *skill,
                                  as_err_t *err)
{
    return as_pg_skill_get(s_wc(txn), id, len, skill, err);
}

as_code_t as_pgs_store_skill_set(as_wtxn_t *txn, const char *id, uint32_t len,
                                 const as_skill_t *skill, as_err_t *err)
{
    return as_pg_skill_set(s_wc(txn), id, len, skill, err);
}

as_code_t as_pgs_store_skill_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err)
{
    return as_pg_skill_delete(s_wc(txn), id, len, err);
}

as_code_t as_pgs_store_skill_list(as_reader_t *rd, const char *after, uint32_t after_len,
                                  uint32_t limit, as_skill_fn fn, void *arg, uint64_t *total,
                                  bool *more, as_err_t *err)
{
    S_RC(rd);
    return as_pg_skill_list(c, after, after_len, limit, fn, arg, total, more, err);
}

as_code_t as_pgs_store_skills_check(as_reader_t *rd, const as_table_t *t, as_err_t *err)
{
    S_RC(rd);
    return as_pg_skills_check(c, t, err);
}

as_code_t as_pgs_store_skills_wcheck(as_wtxn_t *txn, const as_table_t *t, as_err_t *err)
{
    return as_pg_skills_check(s_wc(txn), t, err);
}

/* ---- mastery ---- */

/* The pair's entry, read at its first use in the transaction (its strings kept in the arena:
 * the entry keeps pointers to them until the commit). */
static as_code_t s_mastery_load(as_pg_wtxn_t *w, const char *learner, uint32_t llen,
                                const char *skill, uint32_t slen, as_err_t *err)
{
    if (as_pg_mastery_loaded(w->mastery, learner, llen, skill, slen)) return AS_OK;
    as_pg_pair_t pair = {.learner = as_pg_keep(&w->arena, learner, llen),
                         .skill = as_pg_keep(&w->arena, skill, slen),
                         .learner_len = llen,
                         .skill_len = slen};
    if (!pair.learner || !pair.skill) return as_err_set(err, AS_INTERNAL, "out of memory");
    PGconn *c = as_pg_wconn(w);
    if (!PQenterPipelineMode(c)) return as_pg_fail(c, NULL, "pipeline", err);
    as_code_t rc = as_pg_send_learner_lock(c, learner, llen, err);
    if (!rc) rc = as_pg_mastery_send_load(c, w->mastery, &pair, 1, err);
    if (!rc && !PQpipelineSync(c)) rc = as_pg_fail(c, NULL, "send", err);
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "lock the learner", NULL, err);
    if (!rc) rc = as_pg_mastery_recv_load(c, w->mastery, err);
    return as_pg_sync(c, rc, err);
}

as_code_t as_pgs_store_mastery_wget(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                    const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                    uint32_t gen, as_mastery_t *m, bool *found, as_err_t *err)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    as_code_t rc = s_mastery_load(w, learner, learner_len, skill, skill_len, err);
    if (rc) return rc;
    return as_pg_mastery_get(w->mastery, learner, learner_len, skill, skill_len, sk, gen, m, found,
                             err);
}

as_code_t as_pgs_store_mastery_wput(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                    const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                    uint32_t gen, const as_mastery_t *m, as_err_t *err)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    as_code_t rc = s_mastery_load(w, learner, learner_len, skill, skill_len, err);
    if (rc) return rc;
    return as_pg_mastery_put(w->mastery, learner, learner_len, skill, skill_len, sk, gen, m, err);
}

/* One learner's live state of one skill: the first (and only) state the list gives of it. */
typedef struct {
    const char *skill;
    uint32_t len;
    as_mastery_t *m;
    bool found;
} s_one_t;

static void s_one(void *arg, const char *skill, uint32_t len, const as_skill_t *sk,
                  const as_mastery_t *m)
{
    (void)sk;
    s_one_t *o = arg;
    if (len == o->len && memcmp(skill, o->skill, len) == 0) {
        *o->m = *m;
        o->found = true;
    }
}

as_code_t as_pgs_store_mastery_get(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                   const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                   as_mastery_t *m, as_err_t *err)
{
    S_RC(rd);
    s_one_t o = {.skill = skill, .len = skill_len, .m = m};
    as_code_t rc = as_pg_mastery_list(c, learner, learner_len, s_one, &o, err);
    if (rc) return rc;
    if (!o.found) as_mslot_state(NULL, sk, m); /* never practised: the prior */
    return AS_OK;
}

as_code_t as_pgs_store_mastery_list(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                    as_mastery_fn fn, void *arg, as_err_t *err)
{
    S_RC(rd);
    return as_pg_mastery_list(c, learner, learner_len, fn, arg, err);
}

as_code_t as_pgs_store_mastery_scan(as_reader_t *rd, const char *skill, uint32_t skill_len,
                                    as_mastery_fn fn, void *arg, as_err_t *err)
{
    S_RC(rd);
    return as_pg_mastery_scan(c, skill, skill_len, fn, arg, err);
}

/* ---- deep models ---- */

as_code_t as_pgs_store_model_put(as_wtxn_t *txn, const char *id, uint32_t len, uint32_t kind,
                                 const void *blob, size_t blob_len, const void *src, size_t src_len,
                                 as_model_rec_t *rec, bool *created, as_err_t *err)
{
    ((as_pg_wtxn_t *)txn)->models_listed = false; /* (listed again at the next use) */
    return as_pg_model_put(s_wc(txn), id, len, kind, blob, blob_len, src, src_len, rec, created,
                           err);
}

static as_code_t s_model_get(PGconn *c, as_pg_arena_t *arena, const char *id, uint32_t len,
                             as_model_rec_t *rec, const void **blob, size_t *blob_len,
                             as_err_t *err)
{
    s_bytes_t b = {.arena = arena};
    as_code_t rc = as_pg_model_get(c, id, len, rec, blob ? s_keep : NULL, &b, err);
    if (rc) return rc;
    if (b.oom) return as_err_set(err, AS_INTERNAL, "out of memory");
    if (blob) {
        *blob = b.p;
        *blob_len = b.len;
    }
    return AS_OK;
}

as_code_t as_pgs_store_model_get(as_reader_t *rd, const char *id, uint32_t len, as_model_rec_t *rec,
                                 const void **blob, size_t *blob_len, as_err_t *err)
{
    S_RC(rd);
    return s_model_get(c, &((as_pg_reader_t *)rd)->arena, id, len, rec, blob, blob_len, err);
}

as_code_t as_pgs_store_model_wget(as_wtxn_t *txn, const char *id, uint32_t len, as_model_rec_t *rec,
                                  const void **blob, size_t *blob_len, as_err_t *err)
{
    return s_model_get(s_wc(txn), &((as_pg_wtxn_t *)txn)->arena, id, len, rec, blob, blob_len, err);
}

as_code_t as_pgs_store_model_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                                    size_t *src_len, as_err_t *err)
{
    S_RC(rd);
    s_bytes_t b = {.arena = &((as_pg_reader_t *)rd)->arena};
    as_code_t rc = as_pg_model_source(c, id, len, s_keep, &b, err);
    if (rc) return rc;
    if (b.oom) return as_err_set(err, AS_INTERNAL, "out of memory");
    *src = b.p;
    *src_len = b.len;
    return AS_OK;
}

as_code_t as_pgs_store_model_set(as_wtxn_t *txn, const char *id, uint32_t len,
                                 const as_model_rec_t *rec, as_err_t *err)
{
    ((as_pg_wtxn_t *)txn)->models_listed = false; /* (listed again at the next use) */
    return as_pg_model_set(s_wc(txn), id, len, rec, err);
}

as_code_t as_pgs_store_model_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err)
{
    ((as_pg_wtxn_t *)txn)->models_listed = false; /* (listed again at the next use) */
    return as_pg_model_delete(s_wc(txn), id, len, err);
}

as_code_t as_pgs_store_model_list(as_reader_t *rd, const char *after, uint32_t after_len,
                                  uint32_t limit, as_model_fn fn, void *arg, uint64_t *total,
                                  bool *more, as_err_t *err)
{
    S_RC(rd);
    return as_pg_model_list(c, after, after_len, limit, fn, arg, total, more, err);
}

/* A model listed, kept in the transaction's list (its strings and blob in the arena). */
static bool s_list_model(void *arg, const char *id, uint32_t len, const as_model_rec_t *rec,
                         const void *blob, size_t blob_len)
{
    as_pg_wtxn_t *w = arg;
    as_pg_model_row_t *m = realloc(w->models, (w->n_models + 1) * sizeof *m);
    if (!m) return false;
    w->models = m;
    m = &w->models[w->n_models];
    *m = (as_pg_model_row_t){.id = as_pg_keep(&w->arena, id, len),
                             .len = len,
                             .rec = *rec,
                             .blob = as_pg_keep(&w->arena, blob, blob_len),
                             .blob_len = blob_len};
    if (!m->id || !m->blob) return false;
    w->n_models++;
    return true;
}

/* Every model, listed once per transaction (every submission asks) until a model write. */
as_code_t as_pgs_store_model_wlist(as_wtxn_t *txn, as_model_fn fn, void *arg, as_err_t *err)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    if (!w->models_listed) {
        w->n_models = 0;
        as_code_t rc =
            as_pg_model_list(as_pg_wconn(w), NULL, 0, UINT32_MAX, s_list_model, w, NULL, NULL, err);
        if (rc) return rc;
        w->models_listed = true;
    }
    /* (a write of the models while fn runs is seen at the next call: the list is read again) */
    for (uint32_t i = 0; i < w->n_models; i++) {
        as_pg_model_row_t m = w->models[i];
        if (!fn(arg, m.id, m.len, &m.rec, m.blob, m.blob_len)) break;
    }
    return AS_OK;
}

static as_code_t s_state_get(PGconn *c, as_pg_arena_t *arena, const char *model, uint32_t mlen,
                             const char *learner, uint32_t llen, uint32_t gen, uint32_t n_state,
                             const void **state, uint32_t *steps, bool *found, as_err_t *err)
{
    float *f = as_pg_keep(arena, NULL, (size_t)n_state * sizeof(float));
    if (!f) return as_err_set(err, AS_INTERNAL, "out of memory");
    as_code_t rc =
        as_pg_model_state_get(c, model, mlen, learner, llen, gen, n_state, f, steps, found, err);
    if (!rc) *state = f;
    return rc;
}

as_code_t as_pgs_store_model_state_get(as_reader_t *rd, const char *model, uint32_t mlen,
                                       const char *learner, uint32_t llen, uint32_t gen,
                                       uint32_t n_state, const void **state, uint32_t *steps,
                                       bool *found, as_err_t *err)
{
    S_RC(rd);
    return s_state_get(c, &((as_pg_reader_t *)rd)->arena, model, mlen, learner, llen, gen, n_state,
                       state, steps, found, err);
}

as_code_t as_pgs_store_model_state_wget(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                        const char *learner, uint32_t llen, uint32_t gen,
                                        uint32_t n_state, const void **state, uint32_t *steps,
                                        bool *found, as_err_t *err)
{
    return s_state_get(s_wc(txn), &((as_pg_wtxn_t *)txn)->arena, model, mlen, learner, llen, gen,
                       n_state, state, steps, found, err);
}

as_code_t as_pgs_store_model_state_put(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                       const char *learner, uint32_t llen, as_model_rec_t *rec,
                                       uint32_t gen, uint32_t steps, const float *state,
                                       bool *new_learner, as_err_t *err)
{
    return as_pg_model_state_put(s_wc(txn), model, mlen, learner, llen, rec, gen, steps, state,
                                 new_learner, err);
}

/* ---- exam attempts ---- */

as_code_t as_pgs_store_attempt_new(as_wtxn_t *txn, as_attempt_t *a, const void *answers, size_t len,
                                   as_err_t *err)
{
    return as_pg_attempt_new(s_wc(txn), a, answers, len, err);
}

as_code_t as_pgs_store_attempt_put(as_wtxn_t *txn, const as_attempt_t *a, const void *answers,
                                   size_t len, as_err_t *err)
{
    return as_pg_attempt_put(s_wc(txn), a, answers, len, err);
}

static as_code_t s_attempt_get(PGconn *c, as_pg_arena_t *arena, uint64_t id, as_attempt_t *a,
                               const void **answers, size_t *len, as_err_t *err)
{
    s_bytes_t b = {.arena = arena};
    as_code_t rc = as_pg_attempt_get(c, id, a, s_keep, &b, err);
    if (rc) return rc;
    if (b.oom) return as_err_set(err, AS_INTERNAL, "out of memory");
    *answers = b.p;
    *len = b.len;
    return AS_OK;
}

as_code_t as_pgs_store_attempt_wget(as_wtxn_t *txn, uint64_t id, as_attempt_t *a,
                                    const void **answers, size_t *len, as_err_t *err)
{
    /* the attempt is this transaction's until it ends: two engines cannot both finish it */
    char ids[24];
    snprintf(ids, sizeof ids, "%llu", (unsigned long long)id);
    const char *p[1] = {ids};
    PGresult *r;
    as_code_t rc = as_pg_query(s_wc(txn), "SELECT 1 FROM attempts WHERE id = $1 FOR UPDATE", 1, p,
                               "lock the attempt", &r, err);
    if (rc) return rc;
    PQclear(r);
    return s_attempt_get(s_wc(txn), &((as_pg_wtxn_t *)txn)->arena, id, a, answers, len, err);
}

as_code_t as_pgs_store_attempt_get(as_reader_t *rd, uint64_t id, as_attempt_t *a,
                                   const void **answers, size_t *len, as_err_t *err)
{
    S_RC(rd);
    return s_attempt_get(c, &((as_pg_reader_t *)rd)->arena, id, a, answers, len, err);
}

as_code_t as_pgs_store_attempt_open(as_wtxn_t *txn, const as_subject_t *s, uint64_t *id,
                                    as_err_t *err)
{
    return as_pg_attempt_open(s_wc(txn), s, id, err);
}

uint32_t as_pgs_store_attempt_count(as_wtxn_t *txn, const as_subject_t *s)
{
    const as_pg_entry_t *e = as_pg_batch_entry((as_pg_wtxn_t *)txn, s);
    if (e) return e->starts > e->stored ? e->starts : e->stored; /* as pg_attempts.c counts */
    uint32_t n = 0;
    as_err_t err;
    as_pg_attempt_count(s_wc(txn), s, &n, &err);
    return n;
}

as_code_t as_pgs_store_attempt_count_set(as_wtxn_t *txn, const as_subject_t *s, uint32_t n,
                                         as_err_t *err)
{
    as_pg_entry_t *e = as_pg_batch_entry((as_pg_wtxn_t *)txn, s);
    if (e) { /* written at the commit */
        e->starts = n;
        e->starts_dirty = true;
        return AS_OK;
    }
    return as_pg_attempt_count_set(s_wc(txn), s, n, err);
}

as_code_t as_pgs_store_attempt_due(as_wtxn_t *txn, double now, uint64_t *id, as_due_t *kind,
                                   double *next, as_err_t *err)
{
    return as_pg_attempt_due(s_wc(txn), now, id, kind, next, err);
}

as_code_t as_pgs_store_attempt_list(as_reader_t *rd, const char *assessment, uint32_t len,
                                    uint64_t after, as_attempt_fn fn, void *arg, as_err_t *err)
{
    S_RC(rd);
    return as_pg_attempt_list(c, assessment, len, after, fn, arg, err);
}

as_code_t as_pgs_store_override_put(as_wtxn_t *txn, const as_subject_t *s, const as_override_t *o,
                                    as_err_t *err)
{
    as_pg_entry_t *e = as_pg_batch_entry((as_pg_wtxn_t *)txn, s);
    if (e) { /* what the batch read of it, kept current */
        e->o = *o;
        e->o_found = true;
    }
    return as_pg_override_put(s_wc(txn), s, o, err);
}

as_code_t as_pgs_store_override_wget(as_wtxn_t *txn, const as_subject_t *s, as_override_t *o,
                                     bool *found, as_err_t *err)
{
    const as_pg_entry_t *e = as_pg_batch_entry((as_pg_wtxn_t *)txn, s);
    if (e) {
        *found = e->o_found;
        if (e->o_found)
            *o = e->o;
        else
            memset(o, 0, sizeof *o);
        return AS_OK;
    }
    return as_pg_override_get(s_wc(txn), s, o, found, err);
}

/* ---- jobs ---- */

as_code_t as_pgs_store_job_new(as_wtxn_t *txn, as_job_t *job, as_err_t *err)
{
    return as_pg_job_new(s_wc(txn), job, err);
}

/* The epoch of this engine's lease on job id (0: it holds none on it). */
static uint64_t s_lease_epoch(as_pg_store_t *st, uint64_t id)
{
    pthread_mutex_lock(&st->lease);
    uint64_t epoch = st->lease_job == id ? st->lease_epoch : 0;
    pthread_mutex_unlock(&st->lease);
    return epoch;
}

/* A job this engine runs is written only under its lease (renewing it): an engine whose lease
 * was taken over cannot write it any more. Any other job (a cancel) is written by whoever asks. */
as_code_t as_pgs_store_job_put(as_wtxn_t *txn, const as_job_t *job, as_err_t *err)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    return as_pg_job_put(as_pg_wconn(w), job, s_lease_epoch(w->st, job->id), err);
}

as_code_t as_pgs_store_job_wget(as_wtxn_t *txn, uint64_t id, as_job_t *job, as_err_t *err)
{
    return as_pg_job_get(s_wc(txn), id, job, err);
}

as_code_t as_pgs_store_job_get(as_reader_t *rd, uint64_t id, as_job_t *job, as_err_t *err)
{
    S_RC(rd);
    return as_pg_job_get(c, id, job, err);
}

as_code_t as_pgs_store_job_list(as_reader_t *rd, uint64_t after, uint32_t limit, as_job_fn fn,
                                void *arg, uint64_t *total, bool *more, as_err_t *err)
{
    S_RC(rd);
    return as_pg_job_list(c, after, limit, fn, arg, total, more, err);
}

as_code_t as_pgs_store_job_data_put(as_wtxn_t *txn, uint64_t id, as_job_part_t part,
                                    const void *data, size_t len, as_err_t *err)
{
    return as_pg_job_data_put(s_wc(txn), id, part, data, len, err);
}

static as_code_t s_job_data(PGconn *c, as_pg_arena_t *arena, uint64_t id, as_job_part_t part,
                            const void **data, size_t *len, as_err_t *err)
{
    s_bytes_t b = {.arena = arena};
    as_code_t rc = as_pg_job_data_get(c, id, part, s_keep, &b, err);
    if (rc) return rc;
    if (b.oom) return as_err_set(err, AS_INTERNAL, "out of memory");
    *data = b.p;
    *len = b.len;
    return AS_OK;
}

as_code_t as_pgs_store_job_data_get(as_reader_t *rd, uint64_t id, as_job_part_t part,
                                    const void **data, size_t *len, as_err_t *err)
{
    S_RC(rd);
    return s_job_data(c, &((as_pg_reader_t *)rd)->arena, id, part, data, len, err);
}

as_code_t as_pgs_store_job_data_wget(as_wtxn_t *txn, uint64_t id, as_job_part_t part,
                                     const void **data, size_t *len, as_err_t *err)
{
    return s_job_data(s_wc(txn), &((as_pg_wtxn_t *)txn)->arena, id, part, data, len, err);
}

/* The next job to run is the first one no other engine holds a lease on: this engine takes it
 * (or renews its own), so that one engine at a time runs a job. */
as_code_t as_pgs_store_job_next(as_reader_t *rd, as_job_t *job, as_err_t *err)
{
    S_RC(rd);
    as_pg_store_t *st = ((as_pg_reader_t *)rd)->st;
    uint64_t epoch;
    as_code_t rc = as_pg_job_lease(c, st->node, AS_PG_LEASE_S, job, &epoch, err);
    if (rc) return rc;
    pthread_mutex_lock(&st->lease);
    st->lease_job = job->id;
    st->lease_epoch = epoch;
    pthread_mutex_unlock(&st->lease);
    return AS_OK;
}
