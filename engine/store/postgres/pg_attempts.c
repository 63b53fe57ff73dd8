/* pg_attempts.c — exam attempts in PostgreSQL (pg.h), as the LMDB store keeps them
 * (lmdb/store_attempts.c): the records (as_attempt_t and the saved answers), a learner's
 * unfinished attempt, the deadline events a sweep acts on, and overrides.
 *
 *   attempts       (id) -> assessment, learner, open, rec, answers
 *                  at most one open attempt per (assessment, learner): a unique index, so two
 *                  engines starting one for the same learner at once cannot both succeed
 *   attempt_due    (due_ms, id, kind): the events at the deadline and at deadline + grace
 *   attempt_starts (assessment, learner) -> attempts counted against max_attempts
 *   overrides      (assessment, learner) -> as_override_t
 *
 * A sweep takes the first due event with FOR UPDATE SKIP LOCKED: engines sweeping at once take
 * different events, and none waits for another.
 */
#include "pg.h"
#include "pg_array.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t s_ms(double t)
{
    return t <= 0 ? 0 : (uint64_t)ceil(t * 1000);
}

/* The record's assessment and learner as C strings. */
static void s_names(const as_attempt_t *a, char *as, char *ln)
{
    snprintf(as, AS_MAX_ID + 1, "%.*s", (int)a->assessment_len, a->assessment);
    snprintf(ln, AS_MAX_NAME + 1, "%.*s", (int)a->learner_len, a->learner);
}

/* The subject's names as C strings. */
static void s_subject_names(const as_subject_t *s, char *as, char *ln)
{
    snprintf(as, AS_MAX_ID + 1, "%.*s", (int)s->assessment_len, s->assessment);
    snprintf(ln, AS_MAX_NAME + 1, "%.*s", (int)s->learner_len, s->learner);
}

/* The deadline events of attempt a: added (add) or removed. */
static as_code_t s_due(PGconn *c, const as_attempt_t *a, bool add, as_err_t *err)
{
    if (a->deadline <= 0) return AS_OK;
    char id[24], at[24], end[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)a->id);
    snprintf(at, sizeof at, "%llu", (unsigned long long)s_ms(a->deadline));
    snprintf(end, sizeof end, "%llu", (unsigned long long)s_ms(a->deadline + a->grace_s));
    const char *p[3] = {id, at, end};
    return add ? as_pg_run(c,
                           "INSERT INTO attempt_due (due_ms, id, kind) VALUES ($2, $1, 'o'), "
                           "($3, $1, 'e') ON CONFLICT DO NOTHING",
                           3, p, NULL, NULL, "store attempt", err)
               : as_pg_run(c, "DELETE FROM attempt_due WHERE id = $1", 1, p, NULL, NULL,
                           "store attempt", err);
}

as_code_t as_pg_attempt_new(PGconn *c, as_attempt_t *a, const void *answers, size_t len,
                            as_err_t *err)
{
    PGresult *r = PQexec(c, "UPDATE counters SET value = value + 1 WHERE name = 'attempt' "
                            "RETURNING value");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        return as_pg_fail(c, r, "attempt id", err);
    a->id = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    char id[24], as[AS_MAX_ID + 1], ln[AS_MAX_NAME + 1];
    snprintf(id, sizeof id, "%llu", (unsigned long long)a->id);
    s_names(a, as, ln);
    const char *p[5] = {id, as, ln, (const char *)a, len ? answers : ""};
    int lens[5] = {0, 0, 0, (int)sizeof *a, (int)len}, fmts[5] = {0, 0, 0, 1, 1};
    r = PQexecParams(c,
                     "INSERT INTO attempts (id, assessment, learner, open, rec, answers) VALUES "
                     "($1, $2, $3, true, $4, $5)",
                     5, NULL, p, lens, fmts, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        bool twice = PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
                     strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23505") == 0;
        if (twice) {
            PQclear(r);
            return as_err_set(err, AS_CONFLICT,
                              "learner \"%s\" has an unfinished attempt at \"%s\" already", ln, as);
        }
        return as_pg_fail(c, r, "store attempt", err);
    }
    PQclear(r);
    return s_due(c, a, true, err);
}

as_code_t as_pg_attempt_put(PGconn *c, const as_attempt_t *a, const void *answers, size_t len,
                            as_err_t *err)
{
    char id[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)a->id);
    bool open = a->state == AS_ATT_IN_PROGRESS;
    const char *p[4] = {id, open ? "t" : "f", (const char *)a, len ? answers : ""};
    int lens[4] = {0, 0, (int)sizeof *a, (int)len}, fmts[4] = {0, 0, 1, 1};
    as_code_t rc =
        as_pg_run(c, "UPDATE attempts SET open = $2, rec = $3, answers = $4 WHERE id = $1", 4, p,
                  lens, fmts, "store attempt", err);
    /* once finished, its deadline events go */
    return rc || open ? rc : s_due(c, a, false, err);
}

as_code_t as_pg_attempt_get(PGconn *c, uint64_t id, as_attempt_t *a, as_pg_bytes_fn answers,
                            void *arg, as_err_t *err)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%llu", (unsigned long long)id);
    const char *p[1] = {ids};
    PGresult *r;
    as_code_t qrc = as_pg_query(c, "SELECT rec, answers FROM attempts WHERE id = $1", 1, p,
                                "read attempt", &r, err);
    if (qrc) return qrc;
    as_code_t rc = AS_OK;
    if (PQntuples(r) != 1)
        rc = as_err_set(err, AS_NOT_FOUND, "attempt %llu not found", (unsigned long long)id);
    else if ((size_t)PQgetlength(r, 0, 0) != sizeof *a)
        rc = as_err_set(err, AS_INTERNAL, "attempt %llu: corrupt record", (unsigned long long)id);
    if (!rc) {
        memcpy(a, PQgetvalue(r, 0, 0), sizeof *a);
        if (answers) answers(arg, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
    }
    PQclear(r);
    return rc;
}

as_code_t as_pg_attempt_open(PGconn *c, const as_subject_t *s, uint64_t *id, as_err_t *err)
{
    char as[AS_MAX_ID + 1], ln[AS_MAX_NAME + 1];
    s_subject_names(s, as, ln);
    const char *p[2] = {as, ln};
    PGresult *r;
    as_code_t qrc = as_pg_query(c,
                                "SELECT id FROM attempts WHERE assessment = $1 AND learner = $2 "
                                "AND open",
                                2, p, "read attempt", &r, err);
    if (qrc) return qrc;
    as_code_t rc =
        PQntuples(r) == 1 ? AS_OK : as_err_set(err, AS_NOT_FOUND, "no unfinished attempt");
    if (!rc) *id = as_pg_get_int8(PQgetvalue(r, 0, 0));
    PQclear(r);
    return rc;
}

as_code_t as_pg_attempt_due(PGconn *c, double now, uint64_t *id, as_due_t *kind, double *next,
                            as_err_t *err)
{
    char at[24];
    snprintf(at, sizeof at, "%llu", (unsigned long long)(now <= 0 ? 0 : (uint64_t)(now * 1000)));
    const char *p[1] = {at};
    PGresult *r;
    as_code_t qrc = as_pg_query(
        c,
        "DELETE FROM attempt_due WHERE (due_ms, id, kind) = (SELECT due_ms, id, kind FROM "
        "attempt_due WHERE due_ms <= $1 ORDER BY due_ms, id, kind LIMIT 1 FOR UPDATE SKIP "
        "LOCKED) RETURNING id, kind",
        1, p, "deadline sweep", &r, err);
    if (qrc) return qrc;
    bool found = PQntuples(r) == 1;
    if (found) {
        *id = as_pg_get_int8(PQgetvalue(r, 0, 0));
        *kind = (as_due_t)PQgetvalue(r, 0, 1)[0];
    }
    PQclear(r);
    if (next) { /* when the first event still pending is due (0: none) */
        *next = 0;
        r = PQexec(c, "SELECT min(due_ms) FROM attempt_due");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) return as_pg_fail(c, r, "deadline sweep", err);
        if (!PQgetisnull(r, 0, 0)) *next = strtod(PQgetvalue(r, 0, 0), NULL) / 1000;
        PQclear(r);
    }
    return found ? AS_OK : as_err_set(err, AS_NOT_FOUND, "no deadline due");
}

as_code_t as_pg_override_put(PGconn *c, const as_subject_t *s, const as_override_t *o,
                             as_err_t *err)
{
    char as[AS_MAX_ID + 1], ln[AS_MAX_NAME + 1];
    s_subject_names(s, as, ln);
    const char *p[3] = {as, ln, (const char *)o};
    int lens[3] = {0, 0, (int)sizeof *o}, fmts[3] = {0, 0, 1};
    return as_pg_run(c,
                     "INSERT INTO overrides (assessment, learner, rec) VALUES ($1, $2, $3) ON "
                     "CONFLICT (assessment, learner) DO UPDATE SET rec = EXCLUDED.rec",
                     3, p, lens, fmts, "store override", err);
}

as_code_t as_pg_override_get(PGconn *c, const as_subject_t *s, as_override_t *o, bool *found,
                             as_err_t *err)
{
    char as[AS_MAX_ID + 1], ln[AS_MAX_NAME + 1];
    s_subject_names(s, as, ln);
    const char *p[2] = {as, ln};
    PGresult *r;
    as_code_t qrc =
        as_pg_query(c, "SELECT rec FROM overrides WHERE assessment = $1 AND learner = $2", 2, p,
                    "read override", &r, err);
    if (qrc) return qrc;
    *found = PQntuples(r) == 1 && (size_t)PQgetlength(r, 0, 0) == sizeof *o;
    if (*found)
        memcpy(o, PQgetvalue(r, 0, 0), sizeof *o);
    else
        memset(o, 0, sizeof *o);
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_attempt_count(PGconn *c, const as_subject_t *s, uint32_t *n, as_err_t *err)
{
    char as[AS_MAX_ID + 1], ln[AS_MAX_NAME + 1];
    s_subject_names(s, as, ln);
    const char *p[2] = {as, ln};
    /* those counted, or the responses stored before attempts were counted: the larger */
    PGresult *r;
    as_code_t qrc = as_pg_query(c,
                                "SELECT greatest(coalesce((SELECT n FROM attempt_starts WHERE "
                                "assessment = $1 AND learner = $2), 0), coalesce((SELECT attempts "
                                "FROM attempt_counts WHERE assessment = $1 AND learner = $2), 0))",
                                2, p, "count attempts", &r, err);
    if (qrc) return qrc;
    *n = as_pg_get_int4(PQgetvalue(r, 0, 0));
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_attempt_count_set(PGconn *c, const as_subject_t *s, uint32_t n, as_err_t *err)
{
    char as[AS_MAX_ID + 1], ln[AS_MAX_NAME + 1], ns[16];
    s_subject_names(s, as, ln);
    snprintf(ns, sizeof ns, "%u", n);
    const char *p[3] = {as, ln, ns};
    return as_pg_run(c,
                     "INSERT INTO attempt_starts (assessment, learner, n) VALUES ($1, $2, $3) ON "
                     "CONFLICT (assessment, learner) DO UPDATE SET n = EXCLUDED.n",
                     3, p, NULL, NULL, "store attempt count", err);
}

as_code_t as_pg_attempt_list(PGconn *c, const char *assessment, uint32_t len, uint64_t after,
                             as_pg_attempt_fn fn, void *arg, as_err_t *err)
{
    char as[AS_MAX_ID + 1], from[24];
    snprintf(as, sizeof as, "%.*s", (int)len, assessment);
    snprintf(from, sizeof from, "%llu", (unsigned long long)after);
    const char *p[2] = {as, from};
    PGresult *r;
    as_code_t qrc = as_pg_query(c,
                                "SELECT rec, answers FROM attempts WHERE assessment = $1 AND id > "
                                "$2 ORDER BY id",
                                2, p, "list attempts", &r, err);
    if (qrc) return qrc;
    as_code_t rc = AS_OK;
    for (int i = 0; i < PQntuples(r); i++) {
        as_attempt_t a;
        if ((size_t)PQgetlength(r, i, 0) != sizeof a) {
            rc = as_err_set(err, AS_INTERNAL, "attempts of \"%s\": a corrupt record", as);
            break;
        }
        memcpy(&a, PQgetvalue(r, i, 0), sizeof a);
        if (!fn(arg, &a, PQgetvalue(r, i, 1), (size_t)PQgetlength(r, i, 1))) break;
    }
    PQclear(r);
    return rc;
}
