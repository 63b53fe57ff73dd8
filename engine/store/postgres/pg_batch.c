/* pg_batch.c — a batch of submissions as the writer commits it: one transaction, two round trips
 * (pg.h). libpq's pipeline mode sends each round's statements together:
 *
 *   1. BEGIN; what the batch reads (each subject's stored response under its idempotency key, and
 *      its learner's attempts so far), one statement over arrays; the batch's response ids
 *      reserved from the counter row (its lock orders writers); and what the steps read of the
 *      statistics and the mastery (pg_stats.c, pg_mastery.c), when asked;
 *   2. the statistics' and the mastery's changes; the responses, their idempotency keys, the
 *      learners' attempt counts and the assessments' response counts, each one set-based
 *      statement over arrays (INSERT ... SELECT FROM unnest); COMMIT.
 *
 * Arrays travel in PostgreSQL's binary array format (s_arr_*), so records are sent as they are,
 * never escaped (pg_array.c). */
#include "pg.h"
#include "pg_pipeline.h"

#include <stdlib.h>
#include <string.h>

bool as_pg_send_responses(PGconn *c, const as_pg_arr_t a[6], const char *node)
{
    static const Oid types[7] = {AS_PG_INT8_ARR,  AS_PG_TEXT_ARR, AS_PG_TEXT_ARR, AS_PG_INT4_ARR,
                                 AS_PG_BYTEA_ARR, AS_PG_TEXT_ARR, AS_PG_TEXT};
    as_pg_arr_t p[7];
    memcpy(p, a, 6 * sizeof *a);
    p[6] = (as_pg_arr_t){0};
    as_pg_arr_put(&p[6], node, strlen(node)); /* (a text parameter: its bytes) */
    /* one statement: its parts see the same snapshot and touch different tables; the response
     * count is the engine's own part (pg_stats.c says why) */
    bool sent =
        as_pg_send(c,
                   "WITH r AS (INSERT INTO responses (rid, assessment, learner, attempt, "
                   "record) SELECT * FROM unnest($1::int8[], $2::text[], $3::text[], "
                   "$4::int4[], $5::bytea[])), k AS (INSERT INTO idempotency (assessment, "
                   "learner, key, rid) SELECT a, l, k, r FROM unnest($2::text[], $3::text[], "
                   "$6::text[], $1::int8[]) AS u(a, l, k, r) WHERE k IS NOT NULL), n AS "
                   "(INSERT INTO attempt_counts (assessment, learner, attempts) SELECT a, l, "
                   "max(n) FROM unnest($2::text[], $3::text[], $4::int4[]) AS u(a, l, n) "
                   "GROUP BY a, l ON CONFLICT (assessment, learner) DO UPDATE SET attempts "
                   "= greatest(attempt_counts.attempts, EXCLUDED.attempts)) INSERT INTO "
                   "response_counts (assessment, node, n) SELECT a, $7, count(*) FROM "
                   "unnest($2::text[]) AS u(a) GROUP BY a ON CONFLICT (assessment, node) DO "
                   "UPDATE SET n = response_counts.n + EXCLUDED.n",
                   7, types, p);
    free(p[6].p);
    return sent;
}

as_code_t as_pg_batch_begin(PGconn *c, as_pg_subject_t *s, uint32_t n, const as_pg_state_t *state,
                            uint64_t *first_rid, as_err_t *err)
{
    as_pg_arr_t a[4] = {{0}};
    as_pg_arr_begin(&a[0], AS_PG_TEXT, n);
    as_pg_arr_begin(&a[1], AS_PG_TEXT, n);
    as_pg_arr_begin(&a[2], AS_PG_TEXT, n);
    for (uint32_t i = 0; i < n; i++) {
        as_pg_arr_bytes(&a[0], s[i].assessment, s[i].assessment_len);
        as_pg_arr_bytes(&a[1], s[i].learner, s[i].learner_len);
        as_pg_arr_bytes(&a[2], s[i].key, s[i].key_len);
    }
    /* the ids: one int8 parameter (a binary int8 is 8 bytes, big-endian) */
    uint64_t count = n;
    as_pg_arr_put32(&a[3], (int32_t)(uint32_t)(count >> 32));
    as_pg_arr_put32(&a[3], (int32_t)(uint32_t)count);
    static const Oid keys[3] = {AS_PG_TEXT_ARR, AS_PG_TEXT_ARR, AS_PG_TEXT_ARR},
                     ids[1] = {AS_PG_INT8};
    as_code_t rc = AS_OK;
    if (!PQenterPipelineMode(c)) {
        rc = as_pg_fail(c, NULL, "pipeline", err);
    } else {
        bool sent =
            as_pg_send(c, "BEGIN", 0, NULL, NULL) &&
            as_pg_send(c,
                       /* one index look-up per subject (a join over the arrays may scan
                        * the whole tables: the planner does not know their length) */
                       "SELECT k.i, (SELECT i.rid FROM idempotency i WHERE i.assessment = k.a "
                       "AND i.learner = k.l AND i.key = k.key), coalesce((SELECT n.attempts "
                       "FROM attempt_counts n WHERE n.assessment = k.a AND n.learner = k.l), 0) "
                       "FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS "
                       "k(a, l, key, i) ORDER BY k.i",
                       3, keys, a) &&
            as_pg_send(c,
                       "UPDATE counters SET value = value + $1 WHERE name = 'rid' "
                       "RETURNING value - $1 + 1",
                       1, ids, &a[3]);
        if (sent && state && state->stats)
            sent = !as_pg_stats_send_load(c, state->stats, s, n, err);
        if (sent && state && state->mastery)
            sent = !as_pg_mastery_send_load(c, state->mastery, state->pairs, state->n_pairs, err);
        if (!sent || !PQpipelineSync(c)) rc = as_pg_fail(c, NULL, "send", err);
    }
    for (int i = 0; i < 4; i++)
        free(a[i].p);
    PGresult *pre = NULL, *rids = NULL;
    if (!rc) rc = as_pg_recv(c, PGRES_COMMAND_OK, "begin", NULL, err);
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "read the batch's keys and attempts", &pre, err);
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "reserve response ids", &rids, err);
    if (!rc && state && state->stats) rc = as_pg_stats_recv_load(c, state->stats, err);
    if (!rc && state && state->mastery) rc = as_pg_mastery_recv_load(c, state->mastery, err);
    if (PQpipelineStatus(c) != PQ_PIPELINE_OFF) rc = as_pg_sync(c, rc, err);
    if (!rc && (PQntuples(pre) != (int)n || PQntuples(rids) != 1))
        rc = as_err_set(err, AS_INTERNAL, "PostgreSQL: the batch's reads gave %d rows for %u",
                        PQntuples(pre), n);
    for (uint32_t i = 0; !rc && i < n; i++) {
        s[i].known_rid =
            PQgetisnull(pre, (int)i, 1) ? 0 : as_pg_get_int8(PQgetvalue(pre, (int)i, 1));
        s[i].attempts = as_pg_get_int4(PQgetvalue(pre, (int)i, 2));
    }
    if (!rc) *first_rid = as_pg_get_int8(PQgetvalue(rids, 0, 0));
    PQclear(pre);
    PQclear(rids);
    if (rc) as_pg_batch_abort(c);
    return rc;
}

as_code_t as_pg_batch_commit(PGconn *c, const as_pg_subject_t *s, const as_pg_row_t *rows,
                             uint32_t n, const as_pg_state_t *state, as_err_t *err)
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
    uint32_t changes = 0, more = 0; /* the statistics' and the mastery's statements */
    if (!PQenterPipelineMode(c)) {
        rc = as_pg_fail(c, NULL, "pipeline", err);
    } else {
        bool sent = true;
        if (state && state->stats) sent = !as_pg_stats_send_flush(c, state->stats, &changes, err);
        if (sent && state && state->mastery)
            sent = !as_pg_mastery_send_flush(c, state->mastery, &more, err);
        changes += more;
        /* (this older path names no engine: its counts are the part of node "") */
        sent = sent && as_pg_send_responses(c, a, "") && as_pg_send(c, "COMMIT", 0, NULL, NULL) &&
               PQpipelineSync(c);
        if (!sent) rc = as_pg_fail(c, NULL, "send", err);
    }
    for (int i = 0; i < 6; i++)
        free(a[i].p);
    for (uint32_t i = 0; !rc && i < changes; i++)
        rc = as_pg_recv(c, PGRES_COMMAND_OK, "store statistics and mastery", NULL, err);
    if (!rc) rc = as_pg_recv(c, PGRES_COMMAND_OK, "store responses", NULL, err);
    as_code_t commit = rc ? rc : as_pg_recv(c, PGRES_COMMAND_OK, "commit", NULL, err);
    if (!rc && commit) /* the COMMIT itself failed: its outcome is not known */
        err->code = commit = AS_UNAVAILABLE;
    rc = PQpipelineStatus(c) != PQ_PIPELINE_OFF ? as_pg_sync(c, commit, err) : commit;
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
