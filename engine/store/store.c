/* store.c — store.h's operations, each called on the backend of the object it is given (its
 * first member, store_ops.h). Opening a store chooses the backend: as_store_open (LMDB, the
 * one-machine default) or the PostgreSQL store's open (store/postgres/). One file: it is the one
 * table of store.h's operations, each a line or two of dispatch; split, an operation's dispatch
 * would be harder to find than its declaration. */
#include "store_ops.h"

#include <stdio.h>
#include <unistd.h>

as_code_t as_store_sync(as_store_t *store, as_err_t *err)
{
    return AS_OPS(store)->store_sync(store, err);
}

void as_store_destroy(as_store_t **self_p)
{
    if (*self_p) AS_OPS((*self_p))->store_destroy(self_p);
}

void as_store_usage(as_store_t *self, size_t *map_size, size_t *used)
{
    AS_OPS(self)->store_usage(self, map_size, used);
}

as_code_t as_reader_new(as_store_t *store, as_reader_t **out, as_err_t *err)
{
    return AS_OPS(store)->reader_new(store, out, err);
}

as_code_t as_reader_begin(as_reader_t *rd, as_err_t *err)
{
    return AS_OPS(rd)->reader_begin(rd, err);
}

void as_reader_end(as_reader_t *rd)
{
    AS_OPS(rd)->reader_end(rd);
}

void as_reader_destroy(as_reader_t **rd_p)
{
    if (*rd_p) AS_OPS((*rd_p))->reader_destroy(rd_p);
}

as_code_t as_store_table(as_reader_t *rd, const char *id, uint32_t len, as_table_t *t,
                         as_err_t *err)
{
    return AS_OPS(rd)->store_table(rd, id, len, t, err);
}

as_code_t as_store_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                          size_t *src_len, as_err_t *err)
{
    return AS_OPS(rd)->store_source(rd, id, len, src, src_len, err);
}

as_code_t as_store_list(as_reader_t *rd, const char *after, uint32_t after_len, uint32_t limit,
                        as_list_fn fn, void *arg, size_t *total, bool *more, as_err_t *err)
{
    return AS_OPS(rd)->store_list(rd, after, after_len, limit, fn, arg, total, more, err);
}

as_code_t as_wtxn_begin(as_store_t *store, as_wtxn_t **out, as_err_t *err)
{
    return AS_OPS(store)->wtxn_begin(store, out, err);
}

as_code_t as_wtxn_commit(as_wtxn_t **txn_p, as_err_t *err)
{
    return AS_OPS((*txn_p))->wtxn_commit(txn_p, err);
}

void as_wtxn_abort(as_wtxn_t **txn_p)
{
    if (txn_p && *txn_p) AS_OPS((*txn_p))->wtxn_abort(txn_p);
}

as_code_t as_wtxn_prepare(as_wtxn_t *txn, const as_subject_t *s, uint32_t n, as_err_t *err)
{
    return AS_OPS(txn)->wtxn_prepare(txn, s, n, err);
}

bool as_wtxn_broken(as_wtxn_t *txn)
{
    return AS_OPS(txn)->wtxn_broken(txn);
}

bool as_store_full(as_store_t *store)
{
    return AS_OPS(store)->store_full(store);
}

as_code_t as_store_grow(as_store_t *store, as_err_t *err)
{
    return AS_OPS(store)->store_grow(store, err);
}

as_code_t as_store_put_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len, const void *src,
                                  size_t src_len, uint8_t *blob, size_t blob_len, uint32_t *version,
                                  as_err_t *err)
{
    return AS_OPS(txn)->store_put_assessment(txn, id, id_len, src, src_len, blob, blob_len, version,
                                             err);
}

/* The rule every backend keeps, kept here once: an assessment with stored responses is deleted
 * only with force. */
as_code_t as_store_delete_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len, bool force,
                                     as_err_t *err)
{
    as_table_t t;
    as_code_t rc = as_store_wtable(txn, id, id_len, &t, err);
    if (rc) return rc;
    uint64_t n = as_store_response_count(txn, id, id_len);
    if (n && !force)
        return as_err_set(err, AS_CONFLICT,
                          "assessment \"%.*s\" has %llu stored response(s): delete it with "
                          "force: true (its responses are kept)",
                          (int)id_len, id, (unsigned long long)n);
    return AS_OPS(txn)->store_delete_assessment(txn, id, id_len, force, err);
}

as_code_t as_store_wtable(as_wtxn_t *txn, const char *id, uint32_t len, as_table_t *t,
                          as_err_t *err)
{
    return AS_OPS(txn)->store_wtable(txn, id, len, t, err);
}

as_code_t as_store_cache_assessment(as_wtxn_t *txn, const char *id, uint32_t len, const void *src,
                                    size_t src_len, const void *blob, size_t blob_len,
                                    as_err_t *err)
{
    return AS_OPS(txn)->store_cache_assessment(txn, id, len, src, src_len, blob, blob_len, err);
}

as_code_t as_store_cache_position_set(as_wtxn_t *txn, uint64_t pos, as_err_t *err)
{
    return AS_OPS(txn)->store_cache_position_set(txn, pos, err);
}

as_code_t as_store_cache_position(as_store_t *store, uint64_t *pos, as_err_t *err)
{
    return AS_OPS(store)->store_cache_position(store, pos, err);
}

as_code_t as_store_cache_identity(as_store_t *store, char *out, size_t cap, as_err_t *err)
{
    return AS_OPS(store)->store_cache_identity(store, out, cap, err);
}

as_code_t as_store_cache_reset(as_wtxn_t *txn, const char *identity, as_err_t *err)
{
    return AS_OPS(txn)->store_cache_reset(txn, identity, err);
}

as_code_t as_store_idem_find(as_wtxn_t *txn, const as_subject_t *s, uint64_t *rid, as_err_t *err)
{
    return AS_OPS(txn)->store_idem_find(txn, s, rid, err);
}

uint32_t as_store_attempts(as_wtxn_t *txn, const as_subject_t *s)
{
    return AS_OPS(txn)->store_attempts(txn, s);
}

uint64_t as_store_response_count(as_wtxn_t *txn, const char *assessment, uint32_t len)
{
    return AS_OPS(txn)->store_response_count(txn, assessment, len);
}

uint64_t as_store_response_count_rd(as_reader_t *rd, const char *assessment, uint32_t len)
{
    return AS_OPS(rd)->store_response_count_rd(rd, assessment, len);
}

as_code_t as_store_grade_put(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                             as_grade_t *g, as_err_t *err)
{
    return AS_OPS(txn)->store_grade_put(txn, rid, item, len, g, err);
}

as_code_t as_store_grades(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                          as_grade_fn fn, void *arg, as_err_t *err)
{
    return AS_OPS(txn)->store_grades(txn, rid, item, len, fn, arg, err);
}

as_code_t as_store_grade_list(as_reader_t *rd, const as_grade_filter_t *f,
                              const as_grade_row_t *after, uint32_t limit, as_grade_row_fn fn,
                              void *arg, uint64_t *total, bool *more, as_err_t *err)
{
    return AS_OPS(rd)->store_grade_list(rd, f, after, limit, fn, arg, total, more, err);
}

as_code_t as_store_grade_counts_add(as_wtxn_t *txn, const char *a, uint32_t alen, const char *item,
                                    uint32_t ilen, const char *key, uint32_t klen,
                                    const int64_t *delta, uint32_t n, as_err_t *err)
{
    return AS_OPS(txn)->store_grade_counts_add(txn, a, alen, item, ilen, key, klen, delta, n, err);
}

as_code_t as_store_grade_counts(as_reader_t *rd, const char *a, uint32_t alen, const char *item,
                                uint32_t ilen, as_counts_fn fn, void *arg, as_err_t *err)
{
    return AS_OPS(rd)->store_grade_counts(rd, a, alen, item, ilen, fn, arg, err);
}

as_code_t as_store_pending_add(as_wtxn_t *txn, const char *assessment, uint32_t len, uint64_t rid,
                               bool pending, as_err_t *err)
{
    return AS_OPS(txn)->store_pending_add(txn, assessment, len, rid, pending, err);
}

as_code_t as_store_pending_scan(as_wtxn_t *txn, const char *assessment, uint32_t len,
                                uint64_t after, as_pending_fn fn, void *arg, as_err_t *err)
{
    return AS_OPS(txn)->store_pending_scan(txn, assessment, len, after, fn, arg, err);
}

as_code_t as_store_lease_take(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t ilen,
                              const char *rater, uint32_t rlen, double now, double until,
                              bool *taken, as_err_t *err)
{
    return AS_OPS(txn)->store_lease_take(txn, rid, item, ilen, rater, rlen, now, until, taken, err);
}

as_code_t as_store_lease_release(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t ilen,
                                 const char *rater, uint32_t rlen, as_err_t *err)
{
    return AS_OPS(txn)->store_lease_release(txn, rid, item, ilen, rater, rlen, err);
}

uint64_t as_store_pending_count_rd(as_reader_t *rd, const char *assessment, uint32_t len)
{
    return AS_OPS(rd)->store_pending_count_rd(rd, assessment, len);
}

uint64_t as_store_next_rid(as_wtxn_t *txn)
{
    return AS_OPS(txn)->store_next_rid(txn);
}

as_code_t as_store_response_add(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                uint32_t attempt, const void *record, size_t len, as_err_t *err)
{
    return AS_OPS(txn)->store_response_add(txn, s, rid, attempt, record, len, err);
}

uint64_t as_store_last_rid(as_wtxn_t *txn)
{
    return AS_OPS(txn)->store_last_rid(txn);
}

as_code_t as_store_response_replace(as_wtxn_t *txn, const char *a, uint32_t alen, uint64_t rid,
                                    const void *record, size_t len, as_err_t *err)
{
    return AS_OPS(txn)->store_response_replace(txn, a, alen, rid, record, len, err);
}

as_code_t as_store_response_wget(as_wtxn_t *txn, uint64_t rid, const void **record, size_t *len,
                                 as_err_t *err)
{
    return AS_OPS(txn)->store_response_wget(txn, rid, record, len, err);
}

as_code_t as_store_stats_update(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                const as_table_t *t, const double *x, const uint8_t *answered,
                                double total, as_err_t *err)
{
    return AS_OPS(txn)->store_stats_update(txn, s, rid, t, x, answered, total, err);
}

as_code_t as_store_stats_reset(as_wtxn_t *txn, const char *a, uint32_t alen, const as_table_t *t,
                               uint64_t job, uint32_t *gen, as_err_t *err)
{
    return AS_OPS(txn)->store_stats_reset(txn, a, alen, t, job, gen, err);
}

as_code_t as_store_stats_regraded(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                  const as_table_t *t, uint32_t gen, const double *x,
                                  const uint8_t *answered, double total, as_err_t *err)
{
    return AS_OPS(txn)->store_stats_regraded(txn, s, rid, t, gen, x, answered, total, err);
}

as_code_t as_store_stats_rebuilt(as_wtxn_t *txn, const as_table_t *t, uint64_t job, as_err_t *err)
{
    return AS_OPS(txn)->store_stats_rebuilt(txn, t, job, err);
}

as_code_t as_store_stats_read(as_reader_t *rd, const as_table_t *t, as_stats_sums_t **sums,
                              as_total_count_t **totals, size_t *n_totals, as_err_t *err)
{
    return AS_OPS(rd)->store_stats_read(rd, t, sums, totals, n_totals, err);
}

as_code_t as_store_response_get(as_reader_t *rd, uint64_t rid, const void **record, size_t *len,
                                as_err_t *err)
{
    return AS_OPS(rd)->store_response_get(rd, rid, record, len, err);
}

as_code_t as_store_response_get_in(as_reader_t *rd, const char *assessment, uint32_t alen,
                                   uint64_t rid, const void **record, size_t *len, as_err_t *err)
{
    return AS_OPS(rd)->store_response_get_in(rd, assessment, alen, rid, record, len, err);
}

as_code_t as_store_response_list(as_reader_t *rd, const char *assessment, uint32_t assessment_len,
                                 const char *learner, uint32_t learner_len, uint64_t after,
                                 uint32_t limit, as_response_fn fn, void *arg, uint64_t *total,
                                 bool *more, as_err_t *err)
{
    return AS_OPS(rd)->store_response_list(rd, assessment, assessment_len, learner, learner_len,
                                           after, limit, fn, arg, total, more, err);
}

as_code_t as_store_rids_scan(as_reader_t *rd, uint64_t after, uint32_t limit, as_rid_fn fn,
                             void *arg, as_err_t *err)
{
    return AS_OPS(rd)->store_rids_scan(rd, after, limit, fn, arg, err);
}

as_stamp_t as_store_stamp(as_wtxn_t *txn)
{
    return AS_OPS(txn)->store_stamp(txn);
}

void as_store_node_name(char *buf, size_t n, const char *dir)
{
    char host[128] = "";
    gethostname(host, sizeof host - 1);
    snprintf(buf, n, "%s:%s", host, dir);
}

as_code_t as_store_skill_put(as_wtxn_t *txn, const char *id, uint32_t len,
                             const as_bkt_params_t *params, bool *created, as_err_t *err)
{
    return AS_OPS(txn)->store_skill_put(txn, id, len, params, created, err);
}

as_code_t as_store_skill_get(as_reader_t *rd, const char *id, uint32_t len, as_skill_t *skill,
                             as_err_t *err)
{
    return AS_OPS(rd)->store_skill_get(rd, id, len, skill, err);
}

as_code_t as_store_skill_wget(as_wtxn_t *txn, const char *id, uint32_t len, as_skill_t *skill,
                              as_err_t *err)
{
    return AS_OPS(txn)->store_skill_wget(txn, id, len, skill, err);
}

as_code_t as_store_skill_set(as_wtxn_t *txn, const char *id, uint32_t len, const as_skill_t *skill,
                             as_err_t *err)
{
    return AS_OPS(txn)->store_skill_set(txn, id, len, skill, err);
}

as_code_t as_store_skill_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err)
{
    return AS_OPS(txn)->store_skill_delete(txn, id, len, err);
}

as_code_t as_store_skill_list(as_reader_t *rd, const char *after, uint32_t after_len,
                              uint32_t limit, as_skill_fn fn, void *arg, uint64_t *total,
                              bool *more, as_err_t *err)
{
    return AS_OPS(rd)->store_skill_list(rd, after, after_len, limit, fn, arg, total, more, err);
}

as_code_t as_store_skills_check(as_reader_t *rd, const as_table_t *t, as_err_t *err)
{
    return AS_OPS(rd)->store_skills_check(rd, t, err);
}

as_code_t as_store_skills_wcheck(as_wtxn_t *txn, const as_table_t *t, as_err_t *err)
{
    return AS_OPS(txn)->store_skills_wcheck(txn, t, err);
}

as_code_t as_store_mastery_wget(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                uint32_t gen, as_mastery_t *m, bool *found, as_err_t *err)
{
    return AS_OPS(txn)->store_mastery_wget(txn, learner, learner_len, skill, skill_len, sk, gen, m,
                                           found, err);
}

as_code_t as_store_mastery_wput(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                uint32_t gen, const as_mastery_t *m, as_err_t *err)
{
    return AS_OPS(txn)->store_mastery_wput(txn, learner, learner_len, skill, skill_len, sk, gen, m,
                                           err);
}

as_code_t as_store_mastery_get(as_reader_t *rd, const char *learner, uint32_t learner_len,
                               const char *skill, uint32_t skill_len, const as_skill_t *sk,
                               as_mastery_t *m, as_err_t *err)
{
    return AS_OPS(rd)->store_mastery_get(rd, learner, learner_len, skill, skill_len, sk, m, err);
}

as_code_t as_store_mastery_list(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                as_mastery_fn fn, void *arg, as_err_t *err)
{
    return AS_OPS(rd)->store_mastery_list(rd, learner, learner_len, fn, arg, err);
}

as_code_t as_store_mastery_scan(as_reader_t *rd, const char *skill, uint32_t skill_len,
                                as_mastery_fn fn, void *arg, as_err_t *err)
{
    return AS_OPS(rd)->store_mastery_scan(rd, skill, skill_len, fn, arg, err);
}

as_code_t as_store_model_put(as_wtxn_t *txn, const char *id, uint32_t len, uint32_t kind,
                             const void *blob, size_t blob_len, const void *src, size_t src_len,
                             as_model_rec_t *rec, bool *created, as_err_t *err)
{
    return AS_OPS(txn)->store_model_put(txn, id, len, kind, blob, blob_len, src, src_len, rec,
                                        created, err);
}

as_code_t as_store_model_get(as_reader_t *rd, const char *id, uint32_t len, as_model_rec_t *rec,
                             const void **blob, size_t *blob_len, as_err_t *err)
{
    return AS_OPS(rd)->store_model_get(rd, id, len, rec, blob, blob_len, err);
}

as_code_t as_store_model_wget(as_wtxn_t *txn, const char *id, uint32_t len, as_model_rec_t *rec,
                              const void **blob, size_t *blob_len, as_err_t *err)
{
    return AS_OPS(txn)->store_model_wget(txn, id, len, rec, blob, blob_len, err);
}

as_code_t as_store_model_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                                size_t *src_len, as_err_t *err)
{
    return AS_OPS(rd)->store_model_source(rd, id, len, src, src_len, err);
}

as_code_t as_store_model_set(as_wtxn_t *txn, const char *id, uint32_t len,
                             const as_model_rec_t *rec, as_err_t *err)
{
    return AS_OPS(txn)->store_model_set(txn, id, len, rec, err);
}

as_code_t as_store_model_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err)
{
    return AS_OPS(txn)->store_model_delete(txn, id, len, err);
}

as_code_t as_store_model_list(as_reader_t *rd, const char *after, uint32_t after_len,
                              uint32_t limit, as_model_fn fn, void *arg, uint64_t *total,
                              bool *more, as_err_t *err)
{
    return AS_OPS(rd)->store_model_list(rd, after, after_len, limit, fn, arg, total, more, err);
}

as_code_t as_store_model_wlist(as_wtxn_t *txn, as_model_fn fn, void *arg, as_err_t *err)
{
    return AS_OPS(txn)->store_model_wlist(txn, fn, arg, err);
}

as_code_t as_store_model_state_get(as_reader_t *rd, const char *model, uint32_t mlen,
                                   const char *learner, uint32_t llen, uint32_t gen,
                                   uint32_t n_state, const void **state, uint32_t *steps,
                                   bool *found, as_err_t *err)
{
    return AS_OPS(rd)->store_model_state_get(rd, model, mlen, learner, llen, gen, n_state, state,
                                             steps, found, err);
}

as_code_t as_store_model_state_wget(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                    const char *learner, uint32_t llen, uint32_t gen,
                                    uint32_t n_state, const void **state, uint32_t *steps,
                                    bool *found, as_err_t *err)
{
    return AS_OPS(txn)->store_model_state_wget(txn, model, mlen, learner, llen, gen, n_state, state,
                                               steps, found, err);
}

as_code_t as_store_model_state_put(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                   const char *learner, uint32_t llen, as_model_rec_t *rec,
                                   uint32_t gen, uint32_t steps, const float *state,
                                   bool *new_learner, as_err_t *err)
{
    return AS_OPS(txn)->store_model_state_put(txn, model, mlen, learner, llen, rec, gen, steps,
                                              state, new_learner, err);
}

as_code_t as_store_attempt_new(as_wtxn_t *txn, as_attempt_t *a, const void *answers, size_t len,
                               as_err_t *err)
{
    return AS_OPS(txn)->store_attempt_new(txn, a, answers, len, err);
}

as_code_t as_store_attempt_put(as_wtxn_t *txn, const as_attempt_t *a, const void *answers,
                               size_t len, as_err_t *err)
{
    return AS_OPS(txn)->store_attempt_put(txn, a, answers, len, err);
}

as_code_t as_store_attempt_wget(as_wtxn_t *txn, uint64_t id, as_attempt_t *a, const void **answers,
                                size_t *len, as_err_t *err)
{
    return AS_OPS(txn)->store_attempt_wget(txn, id, a, answers, len, err);
}

as_code_t as_store_attempt_get(as_reader_t *rd, uint64_t id, as_attempt_t *a, const void **answers,
                               size_t *len, as_err_t *err)
{
    return AS_OPS(rd)->store_attempt_get(rd, id, a, answers, len, err);
}

as_code_t as_store_attempt_open(as_wtxn_t *txn, const as_subject_t *s, uint64_t *id, as_err_t *err)
{
    return AS_OPS(txn)->store_attempt_open(txn, s, id, err);
}

uint32_t as_store_attempt_count(as_wtxn_t *txn, const as_subject_t *s)
{
    return AS_OPS(txn)->store_attempt_count(txn, s);
}

as_code_t as_store_attempt_count_set(as_wtxn_t *txn, const as_subject_t *s, uint32_t n,
                                     as_err_t *err)
{
    return AS_OPS(txn)->store_attempt_count_set(txn, s, n, err);
}

as_code_t as_store_attempt_due(as_wtxn_t *txn, double now, uint64_t *id, as_due_t *kind,
                               double *next, as_err_t *err)
{
    return AS_OPS(txn)->store_attempt_due(txn, now, id, kind, next, err);
}

as_code_t as_store_attempt_list(as_reader_t *rd, const char *assessment, uint32_t len,
                                uint64_t after, as_attempt_fn fn, void *arg, as_err_t *err)
{
    return AS_OPS(rd)->store_attempt_list(rd, assessment, len, after, fn, arg, err);
}

as_code_t as_store_override_put(as_wtxn_t *txn, const as_subject_t *s, const as_override_t *o,
                                as_err_t *err)
{
    return AS_OPS(txn)->store_override_put(txn, s, o, err);
}

as_code_t as_store_override_wget(as_wtxn_t *txn, const as_subject_t *s, as_override_t *o,
                                 bool *found, as_err_t *err)
{
    return AS_OPS(txn)->store_override_wget(txn, s, o, found, err);
}

as_code_t as_store_job_new(as_wtxn_t *txn, as_job_t *job, as_err_t *err)
{
    return AS_OPS(txn)->store_job_new(txn, job, err);
}

as_code_t as_store_job_put(as_wtxn_t *txn, const as_job_t *job, as_err_t *err)
{
    return AS_OPS(txn)->store_job_put(txn, job, err);
}

as_code_t as_store_job_wget(as_wtxn_t *txn, uint64_t id, as_job_t *job, as_err_t *err)
{
    return AS_OPS(txn)->store_job_wget(txn, id, job, err);
}

as_code_t as_store_job_get(as_reader_t *rd, uint64_t id, as_job_t *job, as_err_t *err)
{
    return AS_OPS(rd)->store_job_get(rd, id, job, err);
}

as_code_t as_store_job_list(as_reader_t *rd, uint64_t after, uint32_t limit, as_job_fn fn,
                            void *arg, uint64_t *total, bool *more, as_err_t *err)
{
    return AS_OPS(rd)->store_job_list(rd, after, limit, fn, arg, total, more, err);
}

as_code_t as_store_job_data_put(as_wtxn_t *txn, uint64_t id, as_job_part_t part, const void *data,
                                size_t len, as_err_t *err)
{
    return AS_OPS(txn)->store_job_data_put(txn, id, part, data, len, err);
}

as_code_t as_store_job_data_get(as_reader_t *rd, uint64_t id, as_job_part_t part, const void **data,
                                size_t *len, as_err_t *err)
{
    return AS_OPS(rd)->store_job_data_get(rd, id, part, data, len, err);
}

as_code_t as_store_job_data_wget(as_wtxn_t *txn, uint64_t id, as_job_part_t part, const void **data,
                                 size_t *len, as_err_t *err)
{
    return AS_OPS(txn)->store_job_data_wget(txn, id, part, data, len, err);
}

as_code_t as_store_job_next(as_reader_t *rd, as_job_t *job, as_err_t *err)
{
    return AS_OPS(rd)->store_job_next(rd, job, err);
}
