/* pg_jobs.c — background jobs in PostgreSQL (pg.h): the job records (as_job_t, as the LMDB store
 * keeps them), their arguments and results, and the lease that lets one engine at a time run a
 * job.
 *
 *   jobs     (id) -> rec (as_job_t), finished, lease_node, lease_epoch, lease_until
 *   job_data (id, part) -> data (msgpack)
 *
 * A lease is taken with an UPDATE on the row (FOR UPDATE SKIP LOCKED: engines asking at once get
 * different jobs, or none); taking it from another node raises its epoch, and every write of a
 * job's progress names the epoch it holds: a node whose lease was taken over (it stopped, or
 * was cut off) cannot write the job any more.
 */
#include "pg.h"
#include "pg_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool s_finished(const as_job_t *job)
{
    return job->state != AS_JOB_QUEUED && job->state != AS_JOB_RUNNING;
}

as_code_t as_pg_job_new(PGconn *c, as_job_t *job, as_err_t *err)
{
    PGresult *r = PQexec(c, "UPDATE counters SET value = value + 1 WHERE name = 'job' "
                            "RETURNING value");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        return as_pg_fail(c, r, "job id", err);
    job->id = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    char id[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)job->id);
    const char *p[3] = {id, s_finished(job) ? "t" : "f", (const char *)job};
    int lens[3] = {0, 0, (int)sizeof *job}, fmts[3] = {0, 0, 1};
    return as_pg_run(c, "INSERT INTO jobs (id, finished, rec) VALUES ($1, $2, $3)", 3, p, lens,
                     fmts, "store job", err);
}

as_code_t as_pg_job_put(PGconn *c, const as_job_t *job, uint64_t epoch, as_err_t *err)
{
    char id[24], ep[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)job->id);
    snprintf(ep, sizeof ep, "%llu", (unsigned long long)epoch);
    const char *p[4] = {id, s_finished(job) ? "t" : "f", (const char *)job, ep};
    int lens[4] = {0, 0, (int)sizeof *job, 0}, fmts[4] = {0, 0, 1, 0};
    PGresult *r = PQexecParams(c,
                               "UPDATE jobs SET finished = $2, rec = $3, lease_until = CASE WHEN "
                               "$4::bigint = 0 THEN lease_until ELSE now() + make_interval(secs "
                               "=> " AS_PG_LEASE_TEXT ") END WHERE id = $1 AND ($4::bigint = 0 "
                               "OR lease_epoch = $4::bigint)",
                               4, NULL, p, lens, fmts, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return as_pg_fail(c, r, "store job", err);
    bool stored = strcmp(PQcmdTuples(r), "1") == 0;
    PQclear(r);
    if (stored) return AS_OK;
    return epoch ? as_err_set(err, AS_CONFLICT,
                              "job %llu: this engine's lease (epoch %llu) was taken over: it "
                              "runs elsewhere now",
                              (unsigned long long)job->id, (unsigned long long)epoch)
                 : as_err_set(err, AS_NOT_FOUND, "job %llu not found", (unsigned long long)job->id);
}

/* The job record of a result's row `i`, column `col` (binary). */
static as_code_t s_rec(PGresult *r, int i, int col, as_job_t *job, as_err_t *err)
{
    if ((size_t)PQgetlength(r, i, col) != sizeof *job)
        return as_err_set(err, AS_INTERNAL, "job: a record of %d bytes, not %zu",
                          PQgetlength(r, i, col), sizeof *job);
    memcpy(job, PQgetvalue(r, i, col), sizeof *job);
    return AS_OK;
}

as_code_t as_pg_job_get(PGconn *c, uint64_t id, as_job_t *job, as_err_t *err)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%llu", (unsigned long long)id);
    const char *p[1] = {ids};
    PGresult *r;
    as_code_t qrc = as_pg_query(c, "SELECT rec FROM jobs WHERE id = $1", 1, p, "read job", &r, err);
    if (qrc) return qrc;
    as_code_t rc = PQntuples(r) == 1 ? s_rec(r, 0, 0, job, err)
                                     : as_err_set(err, AS_NOT_FOUND, "job %llu not found",
                                                  (unsigned long long)id);
    PQclear(r);
    return rc;
}

as_code_t as_pg_job_list(PGconn *c, uint64_t after, uint32_t limit, as_job_fn fn, void *arg,
                         uint64_t *total, bool *more, as_err_t *err)
{
    char from[24], n[16];
    snprintf(from, sizeof from, "%llu", (unsigned long long)after);
    snprintf(n, sizeof n, "%llu", (unsigned long long)limit + 1);
    const char *p[2] = {from, n};
    PGresult *r;
    as_code_t qrc = as_pg_query(c,
                                "SELECT rec, (SELECT count(*) FROM jobs) FROM jobs WHERE id > $1 "
                                "ORDER BY id LIMIT $2",
                                2, p, "list jobs", &r, err);
    if (qrc) return qrc;
    *more = false;
    *total = 0;
    as_code_t rc = AS_OK;
    if (PQntuples(r)) {
        *total = as_pg_get_int8(PQgetvalue(r, 0, 1));
    } else {
        PGresult *t = PQexec(c, "SELECT count(*) FROM jobs");
        if (PQresultStatus(t) == PGRES_TUPLES_OK) *total = strtoull(PQgetvalue(t, 0, 0), NULL, 10);
        PQclear(t);
    }
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        if ((uint32_t)i == limit) {
            *more = true;
            break;
        }
        as_job_t job;
        if (!(rc = s_rec(r, i, 0, &job, err))) fn(arg, &job);
    }
    PQclear(r);
    return rc;
}

as_code_t as_pg_job_data_put(PGconn *c, uint64_t id, as_job_part_t part, const void *data,
                             size_t len, as_err_t *err)
{
    char ids[24], pt[2] = {(char)part, 0};
    snprintf(ids, sizeof ids, "%llu", (unsigned long long)id);
    const char *p[3] = {ids, pt, data};
    int lens[3] = {0, 0, (int)len}, fmts[3] = {0, 0, 1};
    return as_pg_run(c,
                     "INSERT INTO job_data (id, part, data) VALUES ($1, $2, $3) ON CONFLICT "
                     "(id, part) DO UPDATE SET data = EXCLUDED.data",
                     3, p, lens, fmts, "store job data", err);
}

as_code_t as_pg_job_data_get(PGconn *c, uint64_t id, as_job_part_t part, as_pg_bytes_fn fn,
                             void *arg, as_err_t *err)
{
    char ids[24], pt[2] = {(char)part, 0};
    snprintf(ids, sizeof ids, "%llu", (unsigned long long)id);
    const char *p[2] = {ids, pt};
    PGresult *r;
    as_code_t qrc = as_pg_query(c, "SELECT data FROM job_data WHERE id = $1 AND part = $2", 2, p,
                                "read job data", &r, err);
    if (qrc) return qrc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return as_err_set(err, AS_NOT_FOUND, "job %llu has no %s", (unsigned long long)id,
                          part == AS_JOB_ARGS ? "arguments" : "result");
    }
    fn(arg, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_job_lease(PGconn *c, const char *node, uint32_t seconds, as_job_t *job,
                          uint64_t *epoch, as_err_t *err)
{
    char secs[16];
    snprintf(secs, sizeof secs, "%u", seconds);
    const char *p[2] = {node, secs};
    /* the first unfinished job whose lease is free, expired or this node's; a lease taken from
     * another node (or from none) takes the next epoch */
    PGresult *r;
    as_code_t qrc = as_pg_query(
        c,
        "UPDATE jobs j SET lease_epoch = CASE WHEN j.lease_node IS DISTINCT FROM $1 OR "
        "j.lease_until < now() THEN j.lease_epoch + 1 ELSE j.lease_epoch END, lease_node = $1, "
        "lease_until = now() + make_interval(secs => $2::int) "
        "WHERE j.id = (SELECT id FROM jobs WHERE NOT finished AND (lease_until IS NULL OR "
        "lease_until < now() OR lease_node = $1) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
        "RETURNING j.rec, j.lease_epoch",
        2, p, "lease a job", &r, err);
    if (qrc) return qrc;
    as_code_t rc = PQntuples(r) == 1 ? s_rec(r, 0, 0, job, err)
                                     : as_err_set(err, AS_NOT_FOUND, "no job to run");
    if (!rc) *epoch = as_pg_get_int8(PQgetvalue(r, 0, 1));
    PQclear(r);
    return rc;
}

as_code_t as_pg_job_next(PGconn *c, as_job_t *job, as_err_t *err)
{
    PGresult *r;
    as_code_t rc = as_pg_query(c, "SELECT rec FROM jobs WHERE NOT finished ORDER BY id LIMIT 1", 0,
                               NULL, "read jobs", &r, err);
    if (rc) return rc;
    rc = PQntuples(r) == 1 ? s_rec(r, 0, 0, job, err)
                           : as_err_set(err, AS_NOT_FOUND, "no job to run");
    PQclear(r);
    return rc;
}
