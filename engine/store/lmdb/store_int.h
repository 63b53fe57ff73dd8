/* store_int.h — the store's internals and its key layout, shared by its source files only (store.c:
 * environment, transactions, assessments; store_responses.c: responses and their indexes;
 * store_stats.c: report statistics; store_jobs.c: jobs; store_mastery.c: skills and mastery).
 * Nothing outside store/ includes this: it is the one place that knows LMDB and the keys.
 */
#ifndef AS_STORE_INT_H
#define AS_STORE_INT_H

#include "store_ops.h"

#include <lmdb.h>
#include <pthread.h>
#include <string.h>

struct as_store {
    const as_store_ops_t *ops; /* first: store.c dispatches through it */
    MDB_env *env;
    char node[300]; /* this engine in notifications (as_store_node_name) */
    MDB_dbi sources, tables, meta;
    MDB_dbi responses; /* [assessment, 0, rid BE64] -> the stored response (msgpack map) */
    MDB_dbi rids;      /* rid BE64 -> assessment id */
    MDB_dbi learners;  /* [assessment, 0, learner, 0, rid BE64] -> attempt (u32); a learner's
                          last entry there is their attempt count */
    MDB_dbi idem;      /* [assessment, 0, learner, 0, key] -> rid BE64 */
    MDB_dbi latest;  /* [assessment, 0, learner] -> the learner's latest attempt (store_stats.c) */
    MDB_dbi totals;  /* [assessment, 0, ordered total] -> count of latest attempts with it */
    MDB_dbi jobs;    /* job id BE64 -> as_job_t */
    MDB_dbi jobdata; /* [job id BE64, part byte] -> msgpack: a job's arguments, its result */
    /* exam attempts (store_attempts.c) */
    MDB_dbi attempts;      /* attempt id BE64 -> as_attempt_t + saved answers (msgpack map) */
    MDB_dbi attempt_open;  /* [assessment, 0, learner] -> the unfinished attempt's id BE64 */
    MDB_dbi attempt_index; /* [assessment, 0, attempt id BE64] -> (empty): an assessment's */
    MDB_dbi attempt_due;   /* [when ms BE64, attempt id BE64, event byte] -> (empty) */
    MDB_dbi attempt_count; /* [assessment, 0, learner] -> u32 attempts started or submitted */
    MDB_dbi overrides;     /* [assessment, 0, learner] -> as_override_t */
    MDB_dbi skills;        /* skill id -> as_skill_t */
    MDB_dbi mastery;       /* [learner, 0, skill] -> 1 or 2 slots (store_mastery.c) */
    /* deep knowledge tracing models (store_models.c) */
    MDB_dbi models;        /* model id -> as_model_rec_t */
    MDB_dbi model_blobs;   /* model id -> the compiled model (tracing/model.h) */
    MDB_dbi model_sources; /* model id -> the model as put (msgpack) */
    MDB_dbi model_states;  /* [model, 0, learner] -> 1 or 2 slots {gen, steps, floats} */
    /* people's grades of graded items (store_grades.c) */
    MDB_dbi grades;       /* [rid BE64, item, 0, rater] -> the rater's latest grade */
    MDB_dbi grade_log;    /* [rid BE64, item, 0, rater, 0, revision BE32] -> every grade given */
    MDB_dbi grade_counts; /* [assessment, 0, item, 0, key] -> int64 counts (agreement_counts.h) */
    MDB_dbi grade_leases; /* [rid BE64, item] -> until (double), then the rater (grade.next) */
    MDB_dbi pending_rids; /* [assessment, 0, rid BE64] -> (empty): responses waiting for people */
    /* the published tables (published.h, store_publish.c) */
    MDB_env *pub_env;
    MDB_dbi pub_dbi;
    bool publish_stale;  /* the last publish failed: a commit publishes again ... */
    double publish_at_s; /* ... once a second at most (as_lmdb_publish_due) */
    size_t map_size;
    bool full;
    pthread_rwlock_t resize; /* readers share it; as_lmdb_store_grow takes it exclusively */
};

struct as_reader {
    const as_store_ops_t *ops;
    as_store_t *store;
    MDB_txn *txn;
    bool active;
};

struct as_wtxn {
    const as_store_ops_t *ops;
    as_store_t *store;
    MDB_txn *txn;
    uint64_t seq; /* last notification sequence number */
    uint64_t rid; /* last response id */
    bool seq_dirty, rid_dirty;
    bool tables_dirty; /* a table was put or deleted: published after the commit */
};

/* Keys built from parts: ids, NUL separators, big-endian integers. */
typedef struct {
    uint8_t b[AS_MAX_ID + 2 * AS_MAX_NAME + 32];
    size_t n;
} as_key_t;

static inline void as_key_add(as_key_t *k, const void *p, size_t n)
{
    memcpy(k->b + k->n, p, n);
    k->n += n;
}

static inline void as_key_sep(as_key_t *k)
{
    k->b[k->n++] = 0;
}

static inline void as_key_be64(as_key_t *k, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        k->b[k->n + (size_t)i] = (uint8_t)v;
    k->n += 8;
}

static inline uint64_t as_key_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static inline MDB_val as_key_val(as_key_t *k)
{
    return (MDB_val){k->n, k->b};
}

/* Whether rid is the latest response of learner s->learner at s->assessment (learner index). */
bool as_store_is_latest(as_wtxn_t *w, const as_subject_t *s, uint64_t rid);

/* A page of a list keyed by id: opens a cursor on db at the first key after `after` (NULL: the
 * first key). Returns the cursor's first get (0, MDB_NOTFOUND: nothing there, or an error);
 * *cur is open unless the open itself failed (then that error is returned and *cur is NULL). */
int as_store_page_open(MDB_txn *txn, MDB_dbi db, const char *after, uint32_t after_len,
                       MDB_cursor **cur, MDB_val *k, MDB_val *v);

/* An LMDB error as an as_code_t (a full map sets store->full and is `unavailable`). */
as_code_t as_store_mdb(as_store_t *store, int rc, as_err_t *err, const char *what);

/* The published tables (store_publish.c): opened (created) in DIR/tables and brought up to date
 * at open; brought up to date with the committed tables (as_lmdb_publish). */
as_code_t as_lmdb_publish_open(as_store_t *s, const char *dir, as_err_t *err);
as_code_t as_lmdb_publish(as_store_t *s, as_err_t *err);
/* The same, reading the tables in `from` (a write transaction about to commit). */
as_code_t as_lmdb_publish_from(as_store_t *s, MDB_txn *from, as_err_t *err);
/* Whether a failed publish is due to be tried again (a second after the last try). */
bool as_lmdb_publish_due(as_store_t *s);
void as_lmdb_publish_close(as_store_t *s);

/* The LMDB backend's store.h operations (store_ops.c gathers them): as store.h says. */
extern const as_store_ops_t as_lmdb_ops;
as_code_t as_lmdb_store_sync(as_store_t *store, as_err_t *err);
void as_lmdb_store_destroy(as_store_t **self_p);
void as_lmdb_store_usage(as_store_t *self, size_t *map_size, size_t *used);
as_code_t as_lmdb_reader_new(as_store_t *store, as_reader_t **out, as_err_t *err);
as_code_t as_lmdb_reader_begin(as_reader_t *rd, as_err_t *err);
void as_lmdb_reader_end(as_reader_t *rd);
void as_lmdb_reader_destroy(as_reader_t **rd_p);
as_code_t as_lmdb_store_table(as_reader_t *rd, const char *id, uint32_t len, as_table_t *t,
                              as_err_t *err);
as_code_t as_lmdb_store_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                               size_t *src_len, as_err_t *err);
as_code_t as_lmdb_store_list(as_reader_t *rd, const char *after, uint32_t after_len, uint32_t limit,
                             as_list_fn fn, void *arg, size_t *total, bool *more, as_err_t *err);
as_code_t as_lmdb_wtxn_begin(as_store_t *store, as_wtxn_t **out, as_err_t *err);
as_code_t as_lmdb_wtxn_commit(as_wtxn_t **txn_p, as_err_t *err);
void as_lmdb_wtxn_abort(as_wtxn_t **txn_p);
bool as_lmdb_wtxn_broken(as_wtxn_t *txn);
as_code_t as_lmdb_wtxn_prepare(as_wtxn_t *txn, const as_subject_t *s, uint32_t n, as_err_t *err);
bool as_lmdb_store_full(as_store_t *store);
as_code_t as_lmdb_store_grow(as_store_t *store, as_err_t *err);
as_code_t as_lmdb_store_put_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len,
                                       const void *src, size_t src_len, uint8_t *blob,
                                       size_t blob_len, uint32_t *version, as_err_t *err);
as_code_t as_lmdb_store_delete_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len,
                                          bool force, as_err_t *err);
as_code_t as_lmdb_store_wtable(as_wtxn_t *txn, const char *id, uint32_t len, as_table_t *t,
                               as_err_t *err);
as_code_t as_lmdb_store_cache_assessment(as_wtxn_t *txn, const char *id, uint32_t len,
                                         const void *src, size_t src_len, const void *blob,
                                         size_t blob_len, as_err_t *err);
as_code_t as_lmdb_store_cache_position_set(as_wtxn_t *txn, uint64_t pos, as_err_t *err);
as_code_t as_lmdb_store_cache_position(as_store_t *store, uint64_t *pos, as_err_t *err);
as_code_t as_lmdb_store_cache_identity(as_store_t *store, char *out, size_t cap, as_err_t *err);
as_code_t as_lmdb_store_cache_reset(as_wtxn_t *txn, const char *identity, as_err_t *err);
as_code_t as_lmdb_store_idem_find(as_wtxn_t *txn, const as_subject_t *s, uint64_t *rid,
                                  as_err_t *err);
uint32_t as_lmdb_store_attempts(as_wtxn_t *txn, const as_subject_t *s);
uint64_t as_lmdb_store_response_count(as_wtxn_t *txn, const char *assessment, uint32_t len);
uint64_t as_lmdb_store_response_count_rd(as_reader_t *rd, const char *assessment, uint32_t len);
as_code_t as_lmdb_store_pending_add(as_wtxn_t *w, const char *assessment, uint32_t len,
                                    uint64_t rid, bool pending, as_err_t *err);
as_code_t as_lmdb_store_pending_scan(as_wtxn_t *w, const char *assessment, uint32_t len,
                                     uint64_t after, as_pending_fn fn, void *arg, as_err_t *err);
as_code_t as_lmdb_store_lease_take(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t ilen,
                                   const char *rater, uint32_t rlen, double now, double until,
                                   bool *taken, as_err_t *err);
as_code_t as_lmdb_store_lease_release(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t ilen,
                                      const char *rater, uint32_t rlen, as_err_t *err);
uint64_t as_lmdb_store_pending_count_rd(as_reader_t *rd, const char *assessment, uint32_t len);
as_code_t as_lmdb_store_grade_put(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t len,
                                  as_grade_t *g, as_err_t *err);
as_code_t as_lmdb_store_grade_list(as_reader_t *rd, const as_grade_filter_t *f,
                                   const as_grade_row_t *after, uint32_t limit, as_grade_row_fn fn,
                                   void *arg, uint64_t *total, bool *more, as_err_t *err);
as_code_t as_lmdb_store_grade_counts_add(as_wtxn_t *w, const char *a, uint32_t alen,
                                         const char *item, uint32_t ilen, const char *key,
                                         uint32_t klen, const int64_t *delta, uint32_t n,
                                         as_err_t *err);
as_code_t as_lmdb_store_grade_counts(as_reader_t *rd, const char *a, uint32_t alen,
                                     const char *item, uint32_t ilen, as_counts_fn fn, void *arg,
                                     as_err_t *err);
as_code_t as_lmdb_store_grades(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t len,
                               as_grade_fn fn, void *arg, as_err_t *err);
uint64_t as_lmdb_store_next_rid(as_wtxn_t *txn);
as_code_t as_lmdb_store_response_add(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                     uint32_t attempt, const void *record, size_t len,
                                     as_err_t *err);
uint64_t as_lmdb_store_last_rid(as_wtxn_t *txn);
as_code_t as_lmdb_store_response_replace(as_wtxn_t *txn, const char *a, uint32_t alen, uint64_t rid,
                                         const void *record, size_t len, as_err_t *err);
as_code_t as_lmdb_store_response_wget(as_wtxn_t *txn, uint64_t rid, const void **record,
                                      size_t *len, as_err_t *err);
as_code_t as_lmdb_store_stats_update(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                     const as_table_t *t, const double *x, const uint8_t *answered,
                                     double total, as_err_t *err);
as_code_t as_lmdb_store_stats_reset(as_wtxn_t *txn, const char *a, uint32_t alen,
                                    const as_table_t *t, uint64_t job, uint32_t *gen,
                                    as_err_t *err);
as_code_t as_lmdb_store_stats_regraded(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                       const as_table_t *t, uint32_t gen, const double *x,
                                       const uint8_t *answered, double total, as_err_t *err);
as_code_t as_lmdb_store_stats_rebuilt(as_wtxn_t *txn, const as_table_t *t, uint64_t job,
                                      as_err_t *err);
as_code_t as_lmdb_store_stats_read(as_reader_t *rd, const as_table_t *t, as_stats_sums_t **sums,
                                   as_total_count_t **totals, size_t *n_totals, as_err_t *err);
as_code_t as_lmdb_store_response_get(as_reader_t *rd, uint64_t rid, const void **record,
                                     size_t *len, as_err_t *err);
as_code_t as_lmdb_store_response_get_in(as_reader_t *rd, const char *assessment, uint32_t alen,
                                        uint64_t rid, const void **record, size_t *len,
                                        as_err_t *err);
as_code_t as_lmdb_store_response_list(as_reader_t *rd, const char *assessment,
                                      uint32_t assessment_len, const char *learner,
                                      uint32_t learner_len, uint64_t after, uint32_t limit,
                                      as_response_fn fn, void *arg, uint64_t *total, bool *more,
                                      as_err_t *err);
as_code_t as_lmdb_store_rids_scan(as_reader_t *rd, uint64_t after, uint32_t limit, as_rid_fn fn,
                                  void *arg, as_err_t *err);
as_stamp_t as_lmdb_store_stamp(as_wtxn_t *txn);
as_code_t as_lmdb_store_skill_put(as_wtxn_t *txn, const char *id, uint32_t len,
                                  const as_bkt_params_t *params, bool *created, as_err_t *err);
as_code_t as_lmdb_store_skill_get(as_reader_t *rd, const char *id, uint32_t len, as_skill_t *skill,
                                  as_err_t *err);
as_code_t as_lmdb_store_skill_wget(as_wtxn_t *txn, const char *id, uint32_t len, as_skill_t *skill,
                                   as_err_t *err);
as_code_t as_lmdb_store_skill_set(as_wtxn_t *txn, const char *id, uint32_t len,
                                  const as_skill_t *skill, as_err_t *err);
as_code_t as_lmdb_store_skill_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err);
as_code_t as_lmdb_store_skill_list(as_reader_t *rd, const char *after, uint32_t after_len,
                                   uint32_t limit, as_skill_fn fn, void *arg, uint64_t *total,
                                   bool *more, as_err_t *err);
as_code_t as_lmdb_store_skills_check(as_reader_t *rd, const as_table_t *t, as_err_t *err);
as_code_t as_lmdb_store_skills_wcheck(as_wtxn_t *txn, const as_table_t *t, as_err_t *err);
as_code_t as_lmdb_store_mastery_wget(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                     const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                     uint32_t gen, as_mastery_t *m, bool *found, as_err_t *err);
as_code_t as_lmdb_store_mastery_wput(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                     const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                     uint32_t gen, const as_mastery_t *m, as_err_t *err);
as_code_t as_lmdb_store_mastery_get(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                    const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                    as_mastery_t *m, as_err_t *err);
as_code_t as_lmdb_store_mastery_list(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                     as_mastery_fn fn, void *arg, as_err_t *err);
as_code_t as_lmdb_store_mastery_scan(as_reader_t *rd, const char *skill, uint32_t skill_len,
                                     as_mastery_fn fn, void *arg, as_err_t *err);
as_code_t as_lmdb_store_model_put(as_wtxn_t *txn, const char *id, uint32_t len, uint32_t kind,
                                  const void *blob, size_t blob_len, const void *src,
                                  size_t src_len, as_model_rec_t *rec, bool *created,
                                  as_err_t *err);
as_code_t as_lmdb_store_model_get(as_reader_t *rd, const char *id, uint32_t len,
                                  as_model_rec_t *rec, const void **blob, size_t *blob_len,
                                  as_err_t *err);
as_code_t as_lmdb_store_model_wget(as_wtxn_t *txn, const char *id, uint32_t len,
                                   as_model_rec_t *rec, const void **blob, size_t *blob_len,
                                   as_err_t *err);
as_code_t as_lmdb_store_model_source(as_reader_t *rd, const char *id, uint32_t len,
                                     const void **src, size_t *src_len, as_err_t *err);
as_code_t as_lmdb_store_model_set(as_wtxn_t *txn, const char *id, uint32_t len,
                                  const as_model_rec_t *rec, as_err_t *err);
as_code_t as_lmdb_store_model_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err);
as_code_t as_lmdb_store_model_list(as_reader_t *rd, const char *after, uint32_t after_len,
                                   uint32_t limit, as_model_fn fn, void *arg, uint64_t *total,
                                   bool *more, as_err_t *err);
as_code_t as_lmdb_store_model_wlist(as_wtxn_t *txn, as_model_fn fn, void *arg, as_err_t *err);
as_code_t as_lmdb_store_model_state_get(as_reader_t *rd, const char *model, uint32_t mlen,
                                        const char *learner, uint32_t llen, uint32_t gen,
                                        uint32_t n_state, const void **state, uint32_t *steps,
                                        bool *found, as_err_t *err);
as_code_t as_lmdb_store_model_state_wget(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                         const char *learner, uint32_t llen, uint32_t gen,
                                         uint32_t n_state, const void **state, uint32_t *steps,
                                         bool *found, as_err_t *err);
as_code_t as_lmdb_store_model_state_put(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                        const char *learner, uint32_t llen, as_model_rec_t *rec,
                                        uint32_t gen, uint32_t steps, const float *state,
                                        bool *new_learner, as_err_t *err);
as_code_t as_lmdb_store_attempt_new(as_wtxn_t *txn, as_attempt_t *a, const void *answers,
                                    size_t len, as_err_t *err);
as_code_t as_lmdb_store_attempt_put(as_wtxn_t *txn, const as_attempt_t *a, const void *answers,
                                    size_t len, as_err_t *err);
as_code_t as_lmdb_store_attempt_wget(as_wtxn_t *txn, uint64_t id, as_attempt_t *a,
                                     const void **answers, size_t *len, as_err_t *err);
as_code_t as_lmdb_store_attempt_get(as_reader_t *rd, uint64_t id, as_attempt_t *a,
                                    const void **answers, size_t *len, as_err_t *err);
as_code_t as_lmdb_store_attempt_open(as_wtxn_t *txn, const as_subject_t *s, uint64_t *id,
                                     as_err_t *err);
uint32_t as_lmdb_store_attempt_count(as_wtxn_t *txn, const as_subject_t *s);
as_code_t as_lmdb_store_attempt_count_set(as_wtxn_t *txn, const as_subject_t *s, uint32_t n,
                                          as_err_t *err);
as_code_t as_lmdb_store_attempt_due(as_wtxn_t *txn, double now, uint64_t *id, as_due_t *kind,
                                    double *next, as_err_t *err);
as_code_t as_lmdb_store_attempt_list(as_reader_t *rd, const char *assessment, uint32_t len,
                                     uint64_t after, as_attempt_fn fn, void *arg, as_err_t *err);
as_code_t as_lmdb_store_override_put(as_wtxn_t *txn, const as_subject_t *s, const as_override_t *o,
                                     as_err_t *err);
as_code_t as_lmdb_store_override_wget(as_wtxn_t *txn, const as_subject_t *s, as_override_t *o,
                                      bool *found, as_err_t *err);
as_code_t as_lmdb_store_job_new(as_wtxn_t *txn, as_job_t *job, as_err_t *err);
as_code_t as_lmdb_store_job_put(as_wtxn_t *txn, const as_job_t *job, as_err_t *err);
as_code_t as_lmdb_store_job_wget(as_wtxn_t *txn, uint64_t id, as_job_t *job, as_err_t *err);
as_code_t as_lmdb_store_job_get(as_reader_t *rd, uint64_t id, as_job_t *job, as_err_t *err);
as_code_t as_lmdb_store_job_list(as_reader_t *rd, uint64_t after, uint32_t limit, as_job_fn fn,
                                 void *arg, uint64_t *total, bool *more, as_err_t *err);
as_code_t as_lmdb_store_job_data_put(as_wtxn_t *txn, uint64_t id, as_job_part_t part,
                                     const void *data, size_t len, as_err_t *err);
as_code_t as_lmdb_store_job_data_get(as_reader_t *rd, uint64_t id, as_job_part_t part,
                                     const void **data, size_t *len, as_err_t *err);
as_code_t as_lmdb_store_job_data_wget(as_wtxn_t *txn, uint64_t id, as_job_part_t part,
                                      const void **data, size_t *len, as_err_t *err);
as_code_t as_lmdb_store_job_next(as_reader_t *rd, as_job_t *job, as_err_t *err);

#endif
