/* pg_responses.c — stored responses read from PostgreSQL (pg.h): one response, and a page of an
 * assessment's (or one learner's) in submission order, as the LMDB store gives them
 * (as_store_response_get, as_store_response_list). Records are read in binary, as stored. */
#include "pg.h"
#include "pg_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

as_code_t as_pg_response_get(PGconn *c, uint64_t rid, as_pg_record_fn fn, void *arg, as_err_t *err)
{
    char id[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)rid);
    const char *p[1] = {id};
    PGresult *r;
    as_code_t qrc = as_pg_query(c, "SELECT record FROM responses WHERE rid = $1", 1, p,
                                "read response", &r, err);
    if (qrc) return qrc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return as_err_set(err, AS_NOT_FOUND, "response %llu not found", (unsigned long long)rid);
    }
    fn(arg, rid, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_response_list(PGconn *c, const char *assessment, uint32_t alen, const char *learner,
                              uint32_t llen, uint64_t after, uint32_t limit, as_pg_record_fn fn,
                              void *arg, uint64_t *total, bool *more, as_err_t *err)
{
    char a[AS_MAX_ID + 1], l[AS_MAX_NAME + 1], from[24], n[16];
    snprintf(a, sizeof a, "%.*s", (int)alen, assessment);
    snprintf(l, sizeof l, "%.*s", (int)(learner ? llen : 0), learner ? learner : "");
    snprintf(from, sizeof from, "%llu", (unsigned long long)after);
    snprintf(n, sizeof n, "%llu", (unsigned long long)limit + 1); /* one more: whether any follow */
    const char *p[4] = {a, from, n, l};
    *total = 0;
    *more = false;
    /* the total: the learner's attempts, or the assessment's count */
    PGresult *r =
        learner ? PQexecParams(c,
                               "SELECT attempts FROM attempt_counts WHERE assessment = $1 AND "
                               "learner = $2",
                               2, NULL, (const char *[]){a, l}, NULL, NULL, 1)
                : PQexecParams(c,
                               "SELECT coalesce(sum(n), 0)::int8 FROM response_counts WHERE "
                               "assessment = $1",
                               1, NULL, p, NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return as_pg_fail(c, r, "count responses", err);
    if (PQntuples(r) == 1)
        *total =
            learner ? as_pg_get_int4(PQgetvalue(r, 0, 0)) : as_pg_get_int8(PQgetvalue(r, 0, 0));
    PQclear(r);
    r = learner ? PQexecParams(c,
                               "SELECT rid, record FROM responses WHERE assessment = $1 AND "
                               "learner = $4 AND rid > $2 ORDER BY rid LIMIT $3",
                               4, NULL, p, NULL, NULL, 1)
                : PQexecParams(c,
                               "SELECT rid, record FROM responses WHERE assessment = $1 AND "
                               "rid > $2 ORDER BY rid LIMIT $3",
                               3, NULL, p, NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return as_pg_fail(c, r, "list responses", err);
    int rows = PQntuples(r);
    for (int i = 0; i < rows; i++) {
        if ((uint32_t)i == limit) {
            *more = true;
            break;
        }
        fn(arg, as_pg_get_int8(PQgetvalue(r, i, 0)), PQgetvalue(r, i, 1),
           (size_t)PQgetlength(r, i, 1));
    }
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_rids_scan(PGconn *c, uint64_t after, uint32_t limit, as_rid_fn fn, void *arg,
                          as_err_t *err)
{
    char from[24], n[16];
    snprintf(from, sizeof from, "%llu", (unsigned long long)after);
    snprintf(n, sizeof n, "%u", limit);
    const char *p[2] = {from, n};
    PGresult *r;
    as_code_t rc = as_pg_query(c,
                               "SELECT rid, assessment FROM responses WHERE rid > $1 ORDER BY rid "
                               "LIMIT $2",
                               2, p, "scan responses", &r, err);
    if (rc) return rc;
    for (int i = 0; i < PQntuples(r); i++)
        fn(arg, as_pg_get_int8(PQgetvalue(r, i, 0)), PQgetvalue(r, i, 1),
           (uint32_t)PQgetlength(r, i, 1));
    PQclear(r);
    return AS_OK;
}
