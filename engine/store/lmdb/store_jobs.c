/* store_jobs.c — background jobs (job.h) in the "jobs" database: job id (big-endian) -> as_job_t,
 * stored raw; their variable-size parts in "jobdata": [job id (big-endian), part byte] -> msgpack.
 * meta "job" holds the last job id given. */
#include "store_int.h"

#include <string.h>

static void s_key(uint8_t *b, uint64_t id)
{
    for (int i = 7; i >= 0; i--, id >>= 8)
        b[i] = (uint8_t)id;
}

static as_code_t s_read(as_store_t *st, MDB_txn *txn, uint64_t id, as_job_t *job, as_err_t *err)
{
    uint8_t kb[8];
    s_key(kb, id);
    MDB_val k = {8, kb}, v;
    int rc = mdb_get(txn, st->jobs, &k, &v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "job %llu not found", (unsigned long long)id);
    if (rc) return as_store_mdb(st, rc, err, "read job");
    if (v.mv_size != sizeof *job)
        return as_err_set(err, AS_INTERNAL, "job %llu: corrupt record", (unsigned long long)id);
    memcpy(job, v.mv_data, sizeof *job);
    return AS_OK;
}

as_code_t as_lmdb_store_job_put(as_wtxn_t *w, const as_job_t *job, as_err_t *err)
{
    uint8_t kb[8];
    s_key(kb, job->id);
    MDB_val k = {8, kb}, v = {sizeof *job, (void *)job};
    int rc = mdb_put(w->txn, w->store->jobs, &k, &v, 0);
    return rc ? as_store_mdb(w->store, rc, err, "store job") : AS_OK;
}

as_code_t as_lmdb_store_job_new(as_wtxn_t *w, as_job_t *job, as_err_t *err)
{
    MDB_val k = {3, "job"}, v;
    uint64_t last = 0;
    if (mdb_get(w->txn, w->store->meta, &k, &v) == 0 && v.mv_size == sizeof last)
        memcpy(&last, v.mv_data, sizeof last);
    job->id = ++last;
    v = (MDB_val){sizeof last, &last};
    int rc = mdb_put(w->txn, w->store->meta, &k, &v, 0);
    if (rc) return as_store_mdb(w->store, rc, err, "store job");
    return as_lmdb_store_job_put(w, job, err);
}

as_code_t as_lmdb_store_job_wget(as_wtxn_t *w, uint64_t id, as_job_t *job, as_err_t *err)
{
    return s_read(w->store, w->txn, id, job, err);
}

as_code_t as_lmdb_store_job_get(as_reader_t *rd, uint64_t id, as_job_t *job, as_err_t *err)
{
    return s_read(rd->store, rd->txn, id, job, err);
}

/* Walks the jobs after `after` in id order: fn(arg, job) returns false to stop. */
typedef bool (*s_walk_fn)(void *arg, const as_job_t *job);

static as_code_t s_walk(as_reader_t *rd, uint64_t after, s_walk_fn fn, void *arg, as_err_t *err)
{
    as_store_t *st = rd->store;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(rd->txn, st->jobs, &cur);
    if (rc) return as_store_mdb(st, rc, err, "list jobs");
    uint8_t kb[8];
    s_key(kb, after + 1);
    MDB_val k = {8, kb}, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        as_job_t job;
        if (v.mv_size != sizeof job) continue;
        memcpy(&job, v.mv_data, sizeof job);
        if (!fn(arg, &job)) break;
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(st, rc, err, "list jobs") : AS_OK;
}

typedef struct {
    as_job_fn fn;
    void *arg;
    uint32_t limit, given;
    bool more;
} s_list_t;

static bool s_list_one(void *arg, const as_job_t *job)
{
    s_list_t *l = arg;
    if (l->given == l->limit) {
        l->more = true;
        return false;
    }
    l->fn(l->arg, job);
    l->given++;
    return true;
}

as_code_t as_lmdb_store_job_list(as_reader_t *rd, uint64_t after, uint32_t limit, as_job_fn fn,
                                 void *arg, uint64_t *total, bool *more, as_err_t *err)
{
    MDB_stat stat;
    int rc = mdb_stat(rd->txn, rd->store->jobs, &stat);
    if (rc) return as_store_mdb(rd->store, rc, err, "list jobs");
    *total = stat.ms_entries;
    s_list_t l = {.fn = fn, .arg = arg, .limit = limit};
    as_code_t code = s_walk(rd, after, s_list_one, &l, err);
    *more = l.more;
    return code;
}

typedef struct {
    as_job_t *job;
    bool found;
} s_next_t;

static bool s_next_one(void *arg, const as_job_t *job)
{
    s_next_t *n = arg;
    if (job->state != AS_JOB_QUEUED && job->state != AS_JOB_RUNNING) return true;
    *n->job = *job;
    n->found = true;
    return false;
}

as_code_t as_lmdb_store_job_next(as_reader_t *rd, as_job_t *job, as_err_t *err)
{
    s_next_t n = {.job = job};
    as_code_t rc = s_walk(rd, 0, s_next_one, &n, err);
    if (rc) return rc;
    return n.found ? AS_OK : as_err_set(err, AS_NOT_FOUND, "no job to run");
}

static as_code_t s_data_get(as_store_t *st, MDB_txn *txn, uint64_t id, as_job_part_t part,
                            const void **data, size_t *len, as_err_t *err)
{
    uint8_t kb[9];
    s_key(kb, id);
    kb[8] = (uint8_t)part;
    MDB_val k = {9, kb}, v;
    int rc = mdb_get(txn, st->jobdata, &k, &v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "job %llu has no %s", (unsigned long long)id,
                          part == AS_JOB_ARGS ? "arguments" : "result");
    if (rc) return as_store_mdb(st, rc, err, "read job data");
    *data = v.mv_data;
    *len = v.mv_size;
    return AS_OK;
}

as_code_t as_lmdb_store_job_data_put(as_wtxn_t *w, uint64_t id, as_job_part_t part,
                                     const void *data, size_t len, as_err_t *err)
{
    uint8_t kb[9];
    s_key(kb, id);
    kb[8] = (uint8_t)part;
    MDB_val k = {9, kb}, v = {len, (void *)data};
    int rc = mdb_put(w->txn, w->store->jobdata, &k, &v, 0);
    return rc ? as_store_mdb(w->store, rc, err, "store job data") : AS_OK;
}

as_code_t as_lmdb_store_job_data_get(as_reader_t *rd, uint64_t id, as_job_part_t part,
                                     const void **data, size_t *len, as_err_t *err)
{
    return s_data_get(rd->store, rd->txn, id, part, data, len, err);
}

as_code_t as_lmdb_store_job_data_wget(as_wtxn_t *w, uint64_t id, as_job_part_t part,
                                      const void **data, size_t *len, as_err_t *err)
{
    return s_data_get(w->store, w->txn, id, part, data, len, err);
}
