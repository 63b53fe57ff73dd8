/* store_int.h — the store's internals and its key layout, shared by its source files only (store.c:
 * environment, transactions, assessments; store_responses.c: responses and their indexes;
 * store_stats.c: report statistics; store_jobs.c: jobs; store_mastery.c: skills and mastery).
 * Nothing outside store/ includes this: it is the one place that knows LMDB and the keys.
 */
#ifndef AS_STORE_INT_H
#define AS_STORE_INT_H

#include "store.h"

#include <lmdb.h>
#include <pthread.h>
#include <string.h>

struct as_store {
    MDB_env *env;
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
    size_t map_size;
    bool full;
    pthread_rwlock_t resize; /* readers share it; as_store_grow takes it exclusively */
};

struct as_reader {
    as_store_t *store;
    MDB_txn *txn;
    bool active;
};

struct as_wtxn {
    as_store_t *store;
    MDB_txn *txn;
    uint64_t seq; /* last notification sequence number */
    uint64_t rid; /* last response id */
    bool seq_dirty, rid_dirty;
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

#endif
