/* store_ops.h — what a backend of store.h provides (for backends only: store/lmdb/,
 * store/postgres/). The store, its readers and its write transactions are each a backend's own
 * struct whose first member is a pointer to its backend's operations; store.c calls through it.
 * Every operation has the meaning store.h gives it.
 */
#ifndef AS_STORE_OPS_H
#define AS_STORE_OPS_H

#include "store.h"

struct as_store_ops {
    as_code_t (*store_sync)(as_store_t *store, as_err_t *err);
    void (*store_destroy)(as_store_t **self_p);
    void (*store_usage)(as_store_t *self, size_t *map_size, size_t *used);
    as_code_t (*reader_new)(as_store_t *store, as_reader_t **out, as_err_t *err);
    as_code_t (*reader_begin)(as_reader_t *rd, as_err_t *err);
    void (*reader_end)(as_reader_t *rd);
    void (*reader_destroy)(as_reader_t **rd_p);
    as_code_t (*store_table)(as_reader_t *rd, const char *id, uint32_t len, as_table_t *t,
                             as_err_t *err);
    as_code_t (*store_source)(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                              size_t *src_len, as_err_t *err);
    as_code_t (*store_list)(as_reader_t *rd, const char *after, uint32_t after_len, uint32_t limit,
                            as_list_fn fn, void *arg, size_t *total, bool *more, as_err_t *err);
    as_code_t (*wtxn_begin)(as_store_t *store, as_wtxn_t **out, as_err_t *err);
    as_code_t (*wtxn_commit)(as_wtxn_t **txn_p, as_err_t *err);
    void (*wtxn_abort)(as_wtxn_t **txn_p);
    bool (*wtxn_broken)(as_wtxn_t *txn);
    as_code_t (*wtxn_prepare)(as_wtxn_t *txn, const as_subject_t *s, uint32_t n, as_err_t *err);
    bool (*store_full)(as_store_t *store);
    as_code_t (*store_grow)(as_store_t *store, as_err_t *err);
    as_code_t (*store_put_assessment)(as_wtxn_t *txn, const char *id, uint32_t id_len,
                                      const void *src, size_t src_len, uint8_t *blob,
                                      size_t blob_len, uint32_t *version, as_err_t *err);
    as_code_t (*store_delete_assessment)(as_wtxn_t *txn, const char *id, uint32_t id_len,
                                         bool force, as_err_t *err);
    as_code_t (*store_wtable)(as_wtxn_t *txn, const char *id, uint32_t len, as_table_t *t,
                              as_err_t *err);
    as_code_t (*store_cache_assessment)(as_wtxn_t *txn, const char *id, uint32_t len,
                                        const void *src, size_t src_len, const void *blob,
                                        size_t blob_len, as_err_t *err);
    as_code_t (*store_cache_position_set)(as_wtxn_t *txn, uint64_t pos, as_err_t *err);
    as_code_t (*store_cache_position)(as_store_t *store, uint64_t *pos, as_err_t *err);
    as_code_t (*store_cache_identity)(as_store_t *store, char *out, size_t cap, as_err_t *err);
    as_code_t (*store_cache_reset)(as_wtxn_t *txn, const char *identity, as_err_t *err);
    as_code_t (*store_idem_find)(as_wtxn_t *txn, const as_subject_t *s, uint64_t *rid,
                                 as_err_t *err);
    uint32_t (*store_attempts)(as_wtxn_t *txn, const as_subject_t *s);
    uint64_t (*store_response_count)(as_wtxn_t *txn, const char *assessment, uint32_t len);
    uint64_t (*store_response_count_rd)(as_reader_t *rd, const char *assessment, uint32_t len);
    as_code_t (*store_pending_add)(as_wtxn_t *txn, const char *assessment, uint32_t len,
                                   uint64_t rid, bool pending, as_err_t *err);
    as_code_t (*store_pending_scan)(as_wtxn_t *txn, const char *assessment, uint32_t len,
                                    uint64_t after, as_pending_fn fn, void *arg, as_err_t *err);
    as_code_t (*store_lease_take)(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t ilen,
                                  const char *rater, uint32_t rlen, double now, double until,
                                  bool *taken, as_err_t *err);
    as_code_t (*store_lease_release)(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t ilen,
                                     const char *rater, uint32_t rlen, as_err_t *err);
    uint64_t (*store_pending_count_rd)(as_reader_t *rd, const char *assessment, uint32_t len);
    as_code_t (*store_grade_put)(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                                 as_grade_t *g, as_err_t *err);
    as_code_t (*store_grades)(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                              as_grade_fn fn, void *arg, as_err_t *err);
    as_code_t (*store_grade_list)(as_reader_t *rd, const as_grade_filter_t *f,
                                  const as_grade_row_t *after, uint32_t limit, as_grade_row_fn fn,
                                  void *arg, uint64_t *total, bool *more, as_err_t *err);
    as_code_t (*store_grade_counts_add)(as_wtxn_t *txn, const char *a, uint32_t alen,
                                        const char *item, uint32_t ilen, const char *key,
                                        uint32_t klen, const int64_t *delta, uint32_t n,
                                        as_err_t *err);
    as_code_t (*store_grade_counts)(as_reader_t *rd, const char *a, uint32_t alen, const char *item,
                                    uint32_t ilen, as_counts_fn fn, void *arg, as_err_t *err);
    uint64_t (*store_next_rid)(as_wtxn_t *txn);
    as_code_t (*store_response_add)(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                    uint32_t attempt, const void *record, size_t len,
                                    as_err_t *err);
    uint64_t (*store_last_rid)(as_wtxn_t *txn);
    as_code_t (*store_response_replace)(as_wtxn_t *txn, const char *a, uint32_t alen, uint64_t rid,
                                        const void *record, size_t len, as_err_t *err);
    as_code_t (*store_response_wget)(as_wtxn_t *txn, uint64_t rid, const void **record, size_t *len,
                                     as_err_t *err);
    as_code_t (*store_stats_update)(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                    const as_table_t *t, const double *x, const uint8_t *answered,
                                    double total, as_err_t *err);
    as_code_t (*store_stats_reset)(as_wtxn_t *txn, const char *a, uint32_t alen,
                                   const as_table_t *t, uint64_t job, uint32_t *gen, as_err_t *err);
    as_code_t (*store_stats_regraded)(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                      const as_table_t *t, uint32_t gen, const double *x,
                                      const uint8_t *answered, double total, as_err_t *err);
    as_code_t (*store_stats_rebuilt)(as_wtxn_t *txn, const as_table_t *t, uint64_t job,
                                     as_err_t *err);
    as_code_t (*store_stats_read)(as_reader_t *rd, const as_table_t *t, as_stats_sums_t **sums,
                                  as_total_count_t **totals, size_t *n_totals, as_err_t *err);
    as_code_t (*store_response_get)(as_reader_t *rd, uint64_t rid, const void **record, size_t *len,
                                    as_err_t *err);
    as_code_t (*store_response_get_in)(as_reader_t *rd, const char *assessment, uint32_t alen,
                                       uint64_t rid, const void **record, size_t *len,
                                       as_err_t *err);
    as_code_t (*store_response_list)(as_reader_t *rd, const char *assessment,
                                     uint32_t assessment_len, const char *learner,
                                     uint32_t learner_len, uint64_t after, uint32_t limit,
                                     as_response_fn fn, void *arg, uint64_t *total, bool *more,
                                     as_err_t *err);
    as_code_t (*store_rids_scan)(as_reader_t *rd, uint64_t after, uint32_t limit, as_rid_fn fn,
                                 void *arg, as_err_t *err);
    as_stamp_t (*store_stamp)(as_wtxn_t *txn);
    as_code_t (*store_skill_put)(as_wtxn_t *txn, const char *id, uint32_t len,
                                 const as_bkt_params_t *params, bool *created, as_err_t *err);
    as_code_t (*store_skill_get)(as_reader_t *rd, const char *id, uint32_t len, as_skill_t *skill,
                                 as_err_t *err);
    as_code_t (*store_skill_wget)(as_wtxn_t *txn, const char *id, uint32_t len, as_skill_t *skill,
                                  as_err_t *err);
    as_code_t (*store_skill_set)(as_wtxn_t *txn, const char *id, uint32_t len,
                                 const as_skill_t *skill, as_err_t *err);
    as_code_t (*store_skill_delete)(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err);
    as_code_t (*store_skill_list)(as_reader_t *rd, const char *after, uint32_t after_len,
                                  uint32_t limit, as_skill_fn fn, void *arg, uint64_t *total,
                                  bool *more, as_err_t *err);
    as_code_t (*store_skills_check)(as_reader_t *rd, const as_table_t *t, as_err_t *err);
    as_code_t (*store_skills_wcheck)(as_wtxn_t *txn, const as_table_t *t, as_err_t *err);
    as_code_t (*store_mastery_wget)(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                    const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                    uint32_t gen, as_mastery_t *m, bool *found, as_err_t *err);
    as_code_t (*store_mastery_wput)(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                    const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                    uint32_t gen, const as_mastery_t *m, as_err_t *err);
    as_code_t (*store_mastery_get)(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                   const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                   as_mastery_t *m, as_err_t *err);
    as_code_t (*store_mastery_list)(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                    as_mastery_fn fn, void *arg, as_err_t *err);
    as_code_t (*store_mastery_scan)(as_reader_t *rd, const char *skill, uint32_t skill_len,
                                    as_mastery_fn fn, void *arg, as_err_t *err);
    as_code_t (*store_model_put)(as_wtxn_t *txn, const char *id, uint32_t len, uint32_t kind,
                                 const void *blob, size_t blob_len, const void *src, size_t src_len,
                                 as_model_rec_t *rec, bool *created, as_err_t *err);
    as_code_t (*store_model_get)(as_reader_t *rd, const char *id, uint32_t len, as_model_rec_t *rec,
                                 const void **blob, size_t *blob_len, as_err_t *err);
    as_code_t (*store_model_wget)(as_wtxn_t *txn, const char *id, uint32_t len, as_model_rec_t *rec,
                                  const void **blob, size_t *blob_len, as_err_t *err);
    as_code_t (*store_model_source)(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                                    size_t *src_len, as_err_t *err);
    as_code_t (*store_model_set)(as_wtxn_t *txn, const char *id, uint32_t len,
                                 const as_model_rec_t *rec, as_err_t *err);
    as_code_t (*store_model_delete)(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err);
    as_code_t (*store_model_list)(as_reader_t *rd, const char *after, uint32_t after_len,
                                  uint32_t limit, as_model_fn fn, void *arg, uint64_t *total,
                                  bool *more, as_err_t *err);
    as_code_t (*store_model_wlist)(as_wtxn_t *txn, as_model_fn fn, void *arg, as_err_t *err);
    as_code_t (*store_model_state_get)(as_reader_t *rd, const char *model, uint32_t mlen,
                                       const char *learner, uint32_t llen, uint32_t gen,
                                       uint32_t n_state, const void **state, uint32_t *steps,
                                       bool *found, as_err_t *err);
    as_code_t (*store_model_state_wget)(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                        const char *learner, uint32_t llen, uint32_t gen,
                                        uint32_t n_state, const void **state, uint32_t *steps,
                                        bool *found, as_err_t *err);
    as_code_t (*store_model_state_put)(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                       const char *learner, uint32_t llen, as_model_rec_t *rec,
                                       uint32_t gen, uint32_t steps, const float *state,
                                       bool *new_learner, as_err_t *err);
    as_code_t (*store_attempt_new)(as_wtxn_t *txn, as_attempt_t *a, const void *answers, size_t len,
                                   as_err_t *err);
    as_code_t (*store_attempt_put)(as_wtxn_t *txn, const as_attempt_t *a, const void *answers,
                                   size_t len, as_err_t *err);
    as_code_t (*store_attempt_wget)(as_wtxn_t *txn, uint64_t id, as_attempt_t *a,
                                    const void **answers, size_t *len, as_err_t *err);
    as_code_t (*store_attempt_get)(as_reader_t *rd, uint64_t id, as_attempt_t *a,
                                   const void **answers, size_t *len, as_err_t *err);
    as_code_t (*store_attempt_open)(as_wtxn_t *txn, const as_subject_t *s, uint64_t *id,
                                    as_err_t *err);
    uint32_t (*store_attempt_count)(as_wtxn_t *txn, const as_subject_t *s);
    as_code_t (*store_attempt_count_set)(as_wtxn_t *txn, const as_subject_t *s, uint32_t n,
                                         as_err_t *err);
    as_code_t (*store_attempt_due)(as_wtxn_t *txn, double now, uint64_t *id, as_due_t *kind,
                                   double *next, as_err_t *err);
    as_code_t (*store_attempt_list)(as_reader_t *rd, const char *assessment, uint32_t len,
                                    uint64_t after, as_attempt_fn fn, void *arg, as_err_t *err);
    as_code_t (*store_override_put)(as_wtxn_t *txn, const as_subject_t *s, const as_override_t *o,
                                    as_err_t *err);
    as_code_t (*store_override_wget)(as_wtxn_t *txn, const as_subject_t *s, as_override_t *o,
                                     bool *found, as_err_t *err);
    as_code_t (*store_job_new)(as_wtxn_t *txn, as_job_t *job, as_err_t *err);
    as_code_t (*store_job_put)(as_wtxn_t *txn, const as_job_t *job, as_err_t *err);
    as_code_t (*store_job_wget)(as_wtxn_t *txn, uint64_t id, as_job_t *job, as_err_t *err);
    as_code_t (*store_job_get)(as_reader_t *rd, uint64_t id, as_job_t *job, as_err_t *err);
    as_code_t (*store_job_list)(as_reader_t *rd, uint64_t after, uint32_t limit, as_job_fn fn,
                                void *arg, uint64_t *total, bool *more, as_err_t *err);
    as_code_t (*store_job_data_put)(as_wtxn_t *txn, uint64_t id, as_job_part_t part,
                                    const void *data, size_t len, as_err_t *err);
    as_code_t (*store_job_data_get)(as_reader_t *rd, uint64_t id, as_job_part_t part,
                                    const void **data, size_t *len, as_err_t *err);
    as_code_t (*store_job_data_wget)(as_wtxn_t *txn, uint64_t id, as_job_part_t part,
                                     const void **data, size_t *len, as_err_t *err);
    as_code_t (*store_job_next)(as_reader_t *rd, as_job_t *job, as_err_t *err);
};

/* The operations of a store, reader or write transaction: its first member. */
#define AS_OPS(obj) (*(const as_store_ops_t *const *)(const void *)(obj))

#endif
