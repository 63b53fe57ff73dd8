/* pg_array.c — PostgreSQL's binary array format (pg_array.h). */
#include "pg_array.h"

#include "pg.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

void as_pg_arr_put(as_pg_arr_t *a, const void *d, size_t n)
{
    if (a->oom || !n) return; /* (nothing: an empty text parameter, sent as "": pg_pipeline.c) */
    if (a->n + n > a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 256;
        while (cap < a->n + n)
            cap *= 2;
        char *p = realloc(a->p, cap);
        if (!p) {
            a->oom = true;
            return;
        }
        a->p = p;
        a->cap = cap;
    }
    memcpy(a->p + a->n, d, n);
    a->n += n;
}

void as_pg_arr_put32(as_pg_arr_t *a, int32_t v)
{
    uint32_t be = htonl((uint32_t)v);
    as_pg_arr_put(a, &be, 4);
}

void as_pg_arr_begin(as_pg_arr_t *a, uint32_t oid, uint32_t n)
{
    a->n = 0;
    as_pg_arr_put32(a, 1);            /* dimensions */
    as_pg_arr_put32(a, 1);            /* may hold NULLs */
    as_pg_arr_put32(a, (int32_t)oid); /* element type */
    as_pg_arr_put32(a, (int32_t)n);   /* length */
    as_pg_arr_put32(a, 1);            /* lower bound */
}

void as_pg_arr_bytes(as_pg_arr_t *a, const void *d, size_t n)
{
    if (!d) {
        as_pg_arr_put32(a, -1);
        return;
    }
    as_pg_arr_put32(a, (int32_t)n);
    as_pg_arr_put(a, d, n);
}

void as_pg_arr_int4(as_pg_arr_t *a, uint32_t v)
{
    as_pg_arr_put32(a, 4);
    as_pg_arr_put32(a, (int32_t)v);
}

void as_pg_arr_int8(as_pg_arr_t *a, uint64_t v)
{
    as_pg_arr_put32(a, 8);
    as_pg_arr_put32(a, (int32_t)(uint32_t)(v >> 32));
    as_pg_arr_put32(a, (int32_t)(uint32_t)v);
}

void as_pg_arr_float8(as_pg_arr_t *a, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    as_pg_arr_int8(a, u);
}

uint64_t as_pg_get_int8(const char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | (uint8_t)p[i];
    return v;
}

uint32_t as_pg_get_int4(const char *p)
{
    uint32_t be;
    memcpy(&be, p, 4);
    return ntohl(be);
}

double as_pg_get_float8(const char *p)
{
    uint64_t u = as_pg_get_int8(p);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

as_code_t as_pg_exec_arrays(PGconn *c, const char *sql, int n, const Oid *types,
                            const as_pg_arr_t *a, ExecStatusType want, const char *what,
                            PGresult **out, as_err_t *err)
{
    const char *p[8];
    int lens[8], fmts[8];
    if (n > 8) return as_err_set(err, AS_INTERNAL, "%s: more than 8 arrays", what);
    for (int i = 0; i < n; i++) {
        if (a[i].oom) return as_err_set(err, AS_INTERNAL, "out of memory");
        p[i] = a[i].p;
        lens[i] = (int)a[i].n;
        fmts[i] = 1;
    }
    PGresult *r = PQexecParams(c, sql, n, types, p, lens, fmts, 1);
    if (PQresultStatus(r) != want) return as_pg_fail(c, r, what, err);
    if (out)
        *out = r;
    else
        PQclear(r);
    return AS_OK;
}
