/* pg_batch.c — a batch of submissions as the writer commits it: one transaction, two round trips
 * (pg.h). libpq's pipeline mode sends each round's statements together:
 *
 *   1. BEGIN; what the batch reads (each subject's stored response under its idempotency key, and
 *      its learner's attempts so far), one statement over arrays; the batch's response ids
 *      reserved from the counter row (its lock orders writers);
 *   2. the responses, their idempotency keys, the learners' attempt counts and the assessments'
 *      response counts, each one set-based statement over arrays (INSERT ... SELECT FROM
 *      unnest); COMMIT.
 *
 * Arrays travel in PostgreSQL's binary array format (s_arr_*), so records are sent as they are,
 * never escaped (pg_array.c). */
#include "pg.h"
#include "pg_array.h"

#include <stdlib.h>
#include <string.h>

/* Reads one pipelined statement's result: want's status, else the error (the result cleared);
 * *out keeps a result of rows (NULL: not wanted). */
static as_code_t s_result(PGconn *c, ExecStatusType want, const char *what, PGresult **out,
                          as_err_t *err)
{
    PGresult *r = PQgetResult(c);
    if (!r || PQresultStatus(r) != want) return as_pg_fail(c, r, what, err);
    PGresult *more;
    while ((more = PQgetResult(c))) /* to the NULL that ends each statement's results */
        PQclear(more);
    if (out)
        *out = r;
    else
        PQclear(r);
    return AS_OK;
}

/* Ends a round: waits for the pipeline's sync and leaves pipeline mode. */
static as_code_t s_sync(PGconn *c, as_code_t rc, as_err_t *err)
{
    /* what is left (after an error: the statements aborted), up to the sync; a NULL ends each
     * statement's results, and a connection gone gives nothing more */
    for (int nulls = 0; nulls < 16;) {
        PGresult *r = PQgetResult(c);
        if (!r) {
            nulls++;
            if (PQstatus(c) != CONNECTION_OK) break;
            continue;
        }
        ExecStatusType st = PQresultStatus(r);
        PQclear(r);
        if (st == PGRES_PIPELINE_SYNC) break;
    }
    if (!PQexitPipelineMode(c) && !rc) rc = as_pg_fail(c, NULL, "pipeline", err);
    return rc;
}

as_code_t as_pg_batch_begin(PGconn *c, as_pg_subject_t *s, uint32_t n, uint64_t *first_rid,
                            as_err_t *err)
{
    as_pg_arr_t a[3] = {{0}};
    as_pg_arr_begin(&a[0], AS_PG_TEXT, n);
    as_pg_arr_begin(&a[1], AS_PG_TEXT, n);
    as_pg_arr_begin(&a[2], AS_PG_TEXT, n);
    for (uint32_t i = 0; i < n; i++) {
        as_pg_arr_bytes(&a[0], s[i].assessment, s[i].assessment_len);
        as_pg_arr_bytes(&a[1], s[i].learner, s[i].learner_len);
        as_pg_arr_bytes(&a[2], s[i].key, s[i].key_len);
    }
    as_code_t rc = AS_OK;
    if (a[0].oom || a[1].oom || a[2].oom) rc = as_err_set(err, AS_INTERNAL, "out of memory");
    char count[16];
    snprintf(count, sizeof count, "%u", n);
    const char *p[3] = {a[0].p, a[1].p, a[2].p}, *pc[1] = {count};
    int lens[3] = {(int)a[0].n, (int)a[1].n, (int)a[2].n}, fmts[3] = {1, 1, 1};
    if (!rc && !PQenterPipelineMode(c)) rc = as_pg_fail(c, NULL, "pipeline", err);
    if (rc) {
        for (int i = 0; i < 3; i++)
            free(a[i].p);
        return rc;
    }
    bool sent = PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) &&
                PQsendQueryParams(
                    c,
                    "SELECT k.i, i.rid, coalesce(n.attempts, 0) FROM "
                    "unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS k(a, l, key, i) "
                    "LEFT JOIN idempotency i ON i.assessment = k.a AND i.learner = k.l "
                    "AND i.key = k.key "
                    "LEFT JOIN attempt_counts n ON n.assessment = k.a AND n.learner = k.l "
                    "ORDER BY k.i",
                    3, NULL, p, lens, fmts, 1) &&
                PQsendQueryParams(c,
                                  "UPDATE counters SET value = value + $1::bigint "
                                  "WHERE name = 'rid' RETURNING value - $1::bigint + 1",
                                  1, NULL, pc, NULL, NULL, 1) &&
                PQpipelineSync(c);
    for (int i = 0; i < 3; i++)
        free(a[i].p);
    if (!sent) return s_sync(c, as_pg_fail(c, NULL, "send", err), err);
    PGresult *pre = NULL, *ids = NULL;
    rc = s_result(c, PGRES_COMMAND_OK, "begin", NULL, err);
    if (!rc) rc = s_result(c, PGRES_TUPLES_OK, "read the batch's keys and attempts", &pre, err);
    if (!rc) rc = s_result(c, PGRES_TUPLES_OK, "reserve response ids", &ids, err);
    rc = s_sync(c, rc, err);
    if (!rc && (PQntuples(pre) != (int)n || PQntuples(ids) != 1))
        rc = as_err_set(err, AS_INTERNAL, "PostgreSQL: the batch's reads gave %d rows for %u",
                        PQntuples(pre), n);
    for (uint32_t i = 0; !rc && i < n; i++) {
        s[i].known_rid =
            PQgetisnull(pre, (int)i, 1) ? 0 : as_pg_get_int8(PQgetvalue(pre, (int)i, 1));
        s[i].attempts = as_pg_get_int4(PQgetvalue(pre, (int)i, 2));
    }
    if (!rc) *first_rid = as_pg_get_int8(PQgetvalue(ids, 0, 0));
    PQclear(pre);
    PQclear(ids);
    if (rc) as_pg_batch_abort(c);
    return rc;
}

as_code_t as_pg_batch_commit(PGconn *c, const as_pg_subject_t *s, const as_pg_row_t *rows,
                             uint32_t n, as_err_t *err)
{
    as_pg_arr_t a[6] = {{0}};
    as_pg_arr_begin(&a[0], AS_PG_INT8, n);
    as_pg_arr_begin(&a[1], AS_PG_TEXT, n);
    as_pg_arr_begin(&a[2], AS_PG_TEXT, n);
    as_pg_arr_begin(&a[3], AS_PG_INT4, n);
    as_pg_arr_begin(&a[4], AS_PG_BYTEA, n);
    as_pg_arr_begin(&a[5], AS_PG_TEXT, n);
    for (uint32_t i = 0; i < n; i++) {
        const as_pg_subject_t *x = &s[rows[i].subject];
        as_pg_arr_int8(&a[0], rows[i].rid);
        as_pg_arr_bytes(&a[1], x->assessment, x->assessment_len);
        as_pg_arr_bytes(&a[2], x->learner, x->learner_len);
        as_pg_arr_int4(&a[3], rows[i].attempt);
        as_pg_arr_bytes(&a[4], rows[i].record, rows[i].len);
        as_pg_arr_bytes(&a[5], x->key, x->key_len);
    }
    as_code_t rc = AS_OK;
    const char *p[6];
    int lens[6], fmts[6];
    for (int i = 0; i < 6; i++) {
        if (a[i].oom) rc = as_err_set(err, AS_INTERNAL, "out of memory");
        p[i] = a[i].p;
        lens[i] = (int)a[i].n;
        fmts[i] = 1;
    }
    /* the parameters' types, so that a statement may leave some unused */
    static const Oid types[6] = {AS_PG_INT8_ARR, AS_PG_TEXT_ARR,  AS_PG_TEXT_ARR,
                                 AS_PG_INT4_ARR, AS_PG_BYTEA_ARR, AS_PG_TEXT_ARR};
    if (!rc && !PQenterPipelineMode(c)) rc = as_pg_fail(c, NULL, "pipeline", err);
    if (rc) {
        for (int i = 0; i < 6; i++)
            free(a[i].p);
        as_pg_batch_abort(c);
        return rc;
    }
    bool sent =
        PQsendQueryParams(c,
                          "INSERT INTO responses (rid, assessment, learner, attempt, record) "
                          "SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], $4::int4[], "
                          "$5::bytea[])",
                          5, types, p, lens, fmts, 0) &&
        PQsendQueryParams(c,
                          "INSERT INTO idempotency (assessment, learner, key, rid) "
                          "SELECT a, l, k, r FROM unnest($2::text[], $3::text[], $6::text[], "
                          "$1::int8[]) AS u(a, l, k, r) WHERE k IS NOT NULL",
                          6, types, p, lens, fmts, 0) &&
        PQsendQueryParams(c,
                          "INSERT INTO attempt_counts (assessment, learner, attempts) "
                          "SELECT a, l, max(n) FROM unnest($2::text[], $3::text[], $4::int4[]) "
                          "AS u(a, l, n) GROUP BY a, l ON CONFLICT (assessment, learner) "
                          "DO UPDATE SET attempts = EXCLUDED.attempts",
                          4, types, p, lens, fmts, 0) &&
        PQsendQueryParams(c,
                          "INSERT INTO response_counts (assessment, n) SELECT a, count(*) FROM "
                          "unnest($2::text[]) AS u(a) GROUP BY a ON CONFLICT (assessment) "
                          "DO UPDATE SET n = response_counts.n + EXCLUDED.n",
                          2, types, p, lens, fmts, 0) &&
        PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) && PQpipelineSync(c);
    for (int i = 0; i < 6; i++)
        free(a[i].p);
    if (!sent) return s_sync(c, as_pg_fail(c, NULL, "send", err), err);
    rc = s_result(c, PGRES_COMMAND_OK, "store responses", NULL, err);
    if (!rc) rc = s_result(c, PGRES_COMMAND_OK, "store idempotency keys", NULL, err);
    if (!rc) rc = s_result(c, PGRES_COMMAND_OK, "store attempt counts", NULL, err);
    if (!rc) rc = s_result(c, PGRES_COMMAND_OK, "store response counts", NULL, err);
    as_code_t commit = rc ? rc : s_result(c, PGRES_COMMAND_OK, "commit", NULL, err);
    if (!rc && commit) /* the COMMIT itself failed: its outcome is not known */
        err->code = commit = AS_UNAVAILABLE;
    rc = s_sync(c, commit, err);
    if (rc && PQtransactionStatus(c) != PQTRANS_IDLE) as_pg_batch_abort(c);
    return rc;
}

void as_pg_batch_abort(PGconn *c)
{
    if (PQpipelineStatus(c) != PQ_PIPELINE_OFF) PQexitPipelineMode(c);
    if (PQstatus(c) == CONNECTION_OK && PQtransactionStatus(c) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c, "ROLLBACK");
        PQclear(r);
    }
}
