/* pg_pipeline.c — statements sent together, results read in order (pg_pipeline.h). */
#include "pg_pipeline.h"

#include "pg.h"

bool as_pg_send(PGconn *c, const char *sql, int n, const Oid *types, const as_pg_arr_t *a)
{
    const char *p[8];
    int lens[8], fmts[8];
    if (n > 8) return false;
    for (int i = 0; i < n; i++) {
        if (a[i].oom) return false;
        p[i] = a[i].p ? a[i].p : ""; /* (nothing put: an empty value, never SQL NULL) */
        lens[i] = (int)a[i].n;
        fmts[i] = 1;
    }
    return PQsendQueryParams(c, sql, n, types, p, lens, fmts, 1) == 1;
}

as_code_t as_pg_recv(PGconn *c, ExecStatusType want, const char *what, PGresult **out,
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

as_code_t as_pg_sync(PGconn *c, as_code_t rc, as_err_t *err)
{
    /* a NULL ends each statement's results, and a connection gone gives nothing more */
    for (int nulls = 0; nulls < 64;) {
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
