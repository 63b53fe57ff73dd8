/* pg_store_grades.c — people's grades of graded items in PostgreSQL (store.h): `grades` holds
 * each rater's latest grade of an answer, `grade_history` every grade given. A grade locks the
 * response's learner first, as every write of a learner's records does (pg_store_batch.c), so
 * two engines grading one answer take turns. */
#include "pg_store.h"

#include "agreement_counts.h"

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

/* Row i's grade from its columns at `col`: rater, score, comment, first_at, at, revision
 * (binary; views into res). */
static void s_grade(const PGresult *res, int i, int col, as_grade_t *g)
{
    bool has_comment = !PQgetisnull(res, i, col + 2);
    *g = (as_grade_t){.rater = PQgetvalue(res, i, col),
                      .rater_len = (uint32_t)PQgetlength(res, i, col),
                      .score = as_pg_get_float8(PQgetvalue(res, i, col + 1)),
                      .comment = has_comment ? PQgetvalue(res, i, col + 2) : NULL,
                      .comment_len = has_comment ? (uint32_t)PQgetlength(res, i, col + 2) : 0,
                      .first_at = as_pg_get_float8(PQgetvalue(res, i, col + 3)),
                      .at = as_pg_get_float8(PQgetvalue(res, i, col + 4)),
                      .revision = as_pg_get_int4(PQgetvalue(res, i, col + 5))};
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
        as_grade_t g;
        s_grade(res, i, 0, &g);
        fn(arg, &g);
    }
    PQclear(res);
    return AS_OK;
}

/* ---- agreement counts: grade_counts (assessment, item, key, node) -> counts int8[] ---- */

#define S_MAX_COUNTS (AS_AGREE_MAX_POINTS * AS_AGREE_MAX_POINTS)

as_code_t as_pgs_store_grade_counts_add(as_wtxn_t *txn, const char *a, uint32_t alen,
                                        const char *item, uint32_t ilen, const char *key,
                                        uint32_t klen, const int64_t *delta, uint32_t n,
                                        as_err_t *err)
{
    PGconn *c = as_pg_wconn(s_w(txn));
    if (!c) return as_err_set(err, AS_UNAVAILABLE, "PostgreSQL: the transaction did not begin");
    if (n == 0 || n > S_MAX_COUNTS || klen > AS_AGREE_KEY_MAX)
        return as_err_set(err, AS_INTERNAL, "agreement counts: key or vector too long");
    char as[AS_MAX_ID + 1], it[AS_MAX_ID + 1], k[AS_AGREE_KEY_MAX + 1];
    snprintf(as, sizeof as, "%.*s", (int)alen, a);
    snprintf(it, sizeof it, "%.*s", (int)ilen, item);
    snprintf(k, sizeof k, "%.*s", (int)klen, key);
    size_t cap = (size_t)n * 22 + 3, at = 0;
    char *arr = malloc(cap);
    if (!arr) return as_err_set(err, AS_INTERNAL, "out of memory");
    arr[at++] = '{';
    for (uint32_t i = 0; i < n; i++)
        at += (size_t)snprintf(arr + at, cap - at, i ? ",%lld" : "%lld", (long long)delta[i]);
    snprintf(arr + at, cap - at, "}");
    /* this engine's part: a vector added to element by element (one of another length is
     * replaced) */
    const char *p[5] = {as, it, k, s_w(txn)->st->node, arr};
    PGresult *res;
    as_code_t rc = as_pg_query(
        c,
        "INSERT INTO grade_counts AS g VALUES ($1, $2, $3, $4, $5::int8[]) ON CONFLICT "
        "(assessment, item, key, node) DO UPDATE SET counts = CASE WHEN cardinality(g.counts) = "
        "cardinality(EXCLUDED.counts) THEN (SELECT array_agg(x + y ORDER BY i) FROM "
        "unnest(g.counts, EXCLUDED.counts) WITH ORDINALITY AS u(x, y, i)) ELSE EXCLUDED.counts "
        "END RETURNING 1",
        5, p, "store agreement counts", &res, err);
    free(arr);
    if (!rc) PQclear(res);
    return rc;
}

/* Parses counts as array_to_string gives them ("1,-2,3") into v (at most cap): how many, or
 * UINT32_MAX when they are not. */
static uint32_t s_int8s(const char *s, int64_t *v, uint32_t cap)
{
    uint32_t n = 0;
    while (*s) {
        char *end;
        long long x = strtoll(s, &end, 10);
        if (end == s || n == cap) return UINT32_MAX;
        v[n++] = x;
        s = *end == ',' ? end + 1 : end;
    }
    return n;
}

as_code_t as_pgs_store_grade_counts(as_reader_t *rd, const char *a, uint32_t alen, const char *item,
                                    uint32_t ilen, as_counts_fn fn, void *arg, as_err_t *err)
{
    PGconn *c = as_pg_reader_conn((as_pg_reader_t *)rd, err);
    if (!c) return err->code;
    char as[AS_MAX_ID + 1], it[AS_MAX_ID + 1];
    snprintf(as, sizeof as, "%.*s", (int)alen, a);
    snprintf(it, sizeof it, "%.*s", (int)ilen, item);
    const char *p[2] = {as, it};
    PGresult *res;
    as_code_t rc = as_pg_query(
        c,
        "SELECT key, array_to_string(counts, ',') FROM grade_counts WHERE assessment = $1 AND "
        "item = $2 ORDER BY key",
        2, p, "read agreement counts", &res, err);
    if (rc) return rc;
    int64_t *sum = malloc(2 * S_MAX_COUNTS * sizeof *sum), *part = sum + S_MAX_COUNTS;
    if (!sum) {
        PQclear(res);
        return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    /* the engines' parts of one key are consecutive rows: summed, then given */
    int rows = PQntuples(res);
    uint32_t n = 0;
    for (int i = 0; i < rows; i++) {
        const char *key = PQgetvalue(res, i, 0);
        uint32_t m = s_int8s(PQgetvalue(res, i, 1), part, S_MAX_COUNTS);
        bool first = i == 0 || strcmp(key, PQgetvalue(res, i - 1, 0)) != 0;
        if (first) {
            n = m == UINT32_MAX ? 0 : m;
            memset(sum, 0, n * sizeof *sum);
        }
        if (m == n)
            for (uint32_t j = 0; j < n; j++)
                sum[j] += part[j];
        bool last = i + 1 == rows || strcmp(key, PQgetvalue(res, i + 1, 0)) != 0;
        if (last && n) fn(arg, key, (uint32_t)PQgetlength(res, i, 0), sum, n);
    }
    free(sum);
    PQclear(res);
    return AS_OK;
}

/* ---- grade.next's leases: grade_leases (rid, item) -> rater, until ---- */

as_code_t as_pgs_store_lease_take(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t ilen,
                                  const char *rater, uint32_t rlen, double now, double until,
                                  bool *taken, as_err_t *err)
{
    PGconn *c = as_pg_wconn(s_w(txn));
    if (!c) return as_err_set(err, AS_UNAVAILABLE, "PostgreSQL: the transaction did not begin");
    char r[24], it[AS_MAX_ID + 1], ra[AS_MAX_NAME + 1], u[32], n[32];
    snprintf(r, sizeof r, "%llu", (unsigned long long)rid);
    snprintf(it, sizeof it, "%.*s", (int)ilen, item);
    snprintf(ra, sizeof ra, "%.*s", (int)rlen, rater);
    snprintf(u, sizeof u, "%.17g", until);
    snprintf(n, sizeof n, "%.17g", now);
    const char *p[5] = {r, it, ra, u, n};
    PGresult *res;
    /* one statement: engines handing out leases at once take turns on the row */
    as_code_t rc = as_pg_query(c,
                               "INSERT INTO grade_leases AS l VALUES ($1, $2, $3, $4) ON CONFLICT "
                               "(rid, item) DO UPDATE SET rater = EXCLUDED.rater, until = "
                               "EXCLUDED.until WHERE l.until <= $5 OR l.rater = EXCLUDED.rater "
                               "RETURNING 1",
                               5, p, "take lease", &res, err);
    if (rc) return rc;
    *taken = PQntuples(res) == 1;
    PQclear(res);
    return AS_OK;
}

as_code_t as_pgs_store_lease_release(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t ilen,
                                     const char *rater, uint32_t rlen, as_err_t *err)
{
    PGconn *c = as_pg_wconn(s_w(txn));
    if (!c) return as_err_set(err, AS_UNAVAILABLE, "PostgreSQL: the transaction did not begin");
    char r[24], it[AS_MAX_ID + 1], ra[AS_MAX_NAME + 1];
    snprintf(r, sizeof r, "%llu", (unsigned long long)rid);
    snprintf(it, sizeof it, "%.*s", (int)ilen, item);
    snprintf(ra, sizeof ra, "%.*s", (int)rlen, rater);
    const char *p[3] = {r, it, ra};
    PGresult *res;
    as_code_t rc = as_pg_query(c,
                               "DELETE FROM grade_leases WHERE rid = $1 AND item = $2 AND rater = "
                               "$3 RETURNING 1",
                               3, p, "end lease", &res, err);
    if (!rc) PQclear(res);
    return rc;
}

/* ---- grade.list ---- */

/* The selection's conditions: $1 assessment, $2 response, $3 rater, each NULL for any. */
#define S_SELECTED                                                                                 \
    "FROM grades g JOIN responses r ON r.rid = g.rid WHERE ($1::text IS NULL OR r.assessment = "   \
    "$1) AND ($2::int8 IS NULL OR g.rid = $2) AND ($3::text IS NULL OR g.rater = $3)"

as_code_t as_pgs_store_grade_list(as_reader_t *rd, const as_grade_filter_t *f,
                                  const as_grade_row_t *after, uint32_t limit, as_grade_row_fn fn,
                                  void *arg, uint64_t *total, bool *more, as_err_t *err)
{
    PGconn *c = as_pg_reader_conn((as_pg_reader_t *)rd, err);
    if (!c) return err->code;
    *total = 0;
    *more = false;
    char a[AS_MAX_ID + 1], r[24], rater[AS_MAX_NAME + 1], ar[24], ai[AS_MAX_ID + 1],
        arater[AS_MAX_NAME + 1], lim[16];
    snprintf(a, sizeof a, "%.*s", (int)f->assessment_len, f->assessment ? f->assessment : "");
    snprintf(r, sizeof r, "%llu", (unsigned long long)f->rid);
    snprintf(rater, sizeof rater, "%.*s", (int)f->rater_len, f->rater ? f->rater : "");
    snprintf(ar, sizeof ar, "%llu", after ? (unsigned long long)after->rid : 0ULL);
    snprintf(ai, sizeof ai, "%.*s", after ? (int)after->item_len : 0, after ? after->item : "");
    snprintf(arater, sizeof arater, "%.*s", after ? (int)after->g.rater_len : 0,
             after ? after->g.rater : "");
    snprintf(lim, sizeof lim, "%u", limit + 1);
    const char *p[7] = {
        f->assessment ? a : NULL, f->rid ? r : NULL, f->rater ? rater : NULL, ar, ai, arater, lim};
    PGresult *res;
    as_code_t rc = as_pg_int8(c, "SELECT count(*) " S_SELECTED, 3, p, "count grades", total, err);
    if (rc) return rc;
    rc = as_pg_query(c,
                     "SELECT g.rid, g.item, g.rater, g.score, g.comment, g.first_at, g.at, "
                     "g.revision " S_SELECTED " AND (g.rid, g.item COLLATE \"C\", g.rater) > "
                     "($4::int8, $5::text COLLATE \"C\", $6::text) ORDER BY g.rid, g.item "
                     "COLLATE \"C\", g.rater LIMIT $7::int4",
                     7, p, "list grades", &res, err);
    if (rc) return rc;
    int n = PQntuples(res);
    *more = (uint32_t)n > limit;
    for (int i = 0; i < n && (uint32_t)i < limit; i++) {
        as_grade_row_t row = {.rid = as_pg_get_int8(PQgetvalue(res, i, 0)),
                              .item = PQgetvalue(res, i, 1),
                              .item_len = (uint32_t)PQgetlength(res, i, 1)};
        s_grade(res, i, 2, &row.g);
        fn(arg, &row);
    }
    PQclear(res);
    return AS_OK;
}
