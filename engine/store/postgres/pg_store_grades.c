/* pg_store_grades.c — people's grades of graded items in PostgreSQL (store.h): `grades` holds
 * each rater's latest grade of an answer, `grade_history` every grade given. A grade locks the
 * response's learner first, as every write of a learner's records does (pg_store_batch.c), so
 * two engines grading one answer take turns. */
#include "pg_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static as_pg_wtxn_t *s_w(as_wtxn_t *txn)
{
    return (as_pg_wtxn_t *)txn;
}

as_code_t as_pgs_store_grade_put(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                                 as_grade_t *g, as_err_t *err)
{
    PGconn *c = as_pg_wconn(s_w(txn));
    if (!c) return as_err_set(err, AS_UNAVAILABLE, "PostgreSQL: the transaction did not begin");
    char r[24], it[AS_MAX_ID + 1], rater[AS_MAX_NAME + 1], score[32], at[32];
    snprintf(r, sizeof r, "%llu", (unsigned long long)rid);
    snprintf(it, sizeof it, "%.*s", (int)len, item);
    snprintf(rater, sizeof rater, "%.*s", (int)g->rater_len, g->rater);
    snprintf(score, sizeof score, "%.17g", g->score);
    snprintf(at, sizeof at, "%.17g", g->at);
    char *comment = g->comment ? strndup(g->comment, g->comment_len) : NULL;
    if (g->comment && !comment) return as_err_set(err, AS_INTERNAL, "out of memory");
    const char *p[6] = {r, it, rater, score, comment, at};
    PGresult *res;
    as_code_t rc = as_pg_query(c,
                               "SELECT pg_advisory_xact_lock(" AS_PG_LEARNER_LOCKS
                               ", hashtext(learner)) FROM responses WHERE rid = $1",
                               1, p, "lock the response's learner", &res, err);
    if (!rc) PQclear(res);
    if (!rc)
        rc = as_pg_query(c,
                         "WITH g AS (INSERT INTO grades AS g VALUES ($1, $2, $3, $4, $5, $6, $6, "
                         "1) ON CONFLICT (rid, item, rater) DO UPDATE SET score = "
                         "EXCLUDED.score, comment = EXCLUDED.comment, at = EXCLUDED.at, "
                         "revision = g.revision + 1 RETURNING first_at, revision), h AS (INSERT "
                         "INTO grade_history SELECT $1, $2, $3, revision, $4, $5, $6 FROM g) "
                         "SELECT first_at, revision FROM g",
                         6, p, "store grade", &res, err);
    free(comment);
    if (rc) return rc;
    if (PQntuples(res) == 1) {
        g->first_at = as_pg_get_float8(PQgetvalue(res, 0, 0));
        g->revision = as_pg_get_int4(PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return AS_OK;
}

as_code_t as_pgs_store_grades(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                              as_grade_fn fn, void *arg, as_err_t *err)
{
    PGconn *c = as_pg_wconn(s_w(txn));
    if (!c) return as_err_set(err, AS_UNAVAILABLE, "PostgreSQL: the transaction did not begin");
    char r[24], it[AS_MAX_ID + 1];
    snprintf(r, sizeof r, "%llu", (unsigned long long)rid);
    snprintf(it, sizeof it, "%.*s", (int)len, item);
    const char *p[2] = {r, it};
    PGresult *res;
    as_code_t rc = as_pg_query(c,
                               "SELECT rater, score, comment, first_at, at, revision FROM grades "
                               "WHERE rid = $1 AND item = $2 ORDER BY rater",
                               2, p, "read grades", &res, err);
    if (rc) return rc;
    for (int i = 0; i < PQntuples(res); i++) {
        bool has_comment = !PQgetisnull(res, i, 2);
        as_grade_t g = {.rater = PQgetvalue(res, i, 0),
                        .rater_len = (uint32_t)PQgetlength(res, i, 0),
                        .score = as_pg_get_float8(PQgetvalue(res, i, 1)),
                        .comment = has_comment ? PQgetvalue(res, i, 2) : NULL,
                        .comment_len = has_comment ? (uint32_t)PQgetlength(res, i, 2) : 0,
                        .first_at = as_pg_get_float8(PQgetvalue(res, i, 3)),
                        .at = as_pg_get_float8(PQgetvalue(res, i, 4)),
                        .revision = as_pg_get_int4(PQgetvalue(res, i, 5))};
        fn(arg, &g);
    }
    PQclear(res);
    return AS_OK;
}
