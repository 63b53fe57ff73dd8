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
    MDB_dbi skills;  /* skill id -> as_skill_t */
    MDB_dbi mastery; /* [learner, 0, skill] -> 1 or 2 slots (store_mastery.c) */
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

/* Whether rid is the latest response of learner s->learner at s->assessment (learner index). */
bool as_store_is_latest(as_wtxn_t *w, const as_subject_t *s, uint64_t rid);

/* An LMDB error as an as_code_t (a full map sets store->full and is `unavailable`). */
as_code_t as_store_mdb(as_store_t *store, int rc, as_err_t *err, const char *what);

#endif
