/* pg_conn.c — connecting to PostgreSQL and saying what went wrong (pg.h). */
#include "pg.h"

#include <string.h>

/* libpq's message on one line, without its trailing newline. */
static void s_msg(const char *m, char *out, size_t cap)
{
    size_t n = 0;
    for (; m && *m && n + 1 < cap; m++)
        out[n++] = *m == '\n' ? ' ' : *m;
    while (n && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

/* The server's notices (NOTICE: relation exists, skipping) are not errors: not printed. */
static void s_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

PGconn *as_pg_connect(const char *conninfo, as_err_t *err)
{
    PGconn *c = PQconnectdb(conninfo);
    if (c && PQstatus(c) == CONNECTION_OK) {
        PQsetNoticeProcessor(c, s_quiet, NULL);
        return c;
    }
    char m[AS_ERR_MSG_MAX];
    s_msg(c ? PQerrorMessage(c) : "out of memory", m, sizeof m);
    as_err_set(err, AS_UNAVAILABLE, "PostgreSQL: %s", m);
    PQfinish(c);
    return NULL;
}

/* Whether the server's error says it is going away or cannot serve now (its SQLSTATE): a lost
 * connection (class 08), a shutdown or crash of the server (57P01-57P03), too many connections
 * (53300), rather than a statement it refuses. */
static bool s_going_away(const PGresult *res)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (!st) return false;
    return strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 || strcmp(st, "57P02") == 0 ||
           strcmp(st, "57P03") == 0 || strcmp(st, "53300") == 0;
}

as_code_t as_pg_fail(PGconn *c, PGresult *res, const char *what, as_err_t *err)
{
    char m[AS_ERR_MSG_MAX];
    const char *text = res ? PQresultErrorMessage(res) : NULL;
    s_msg(text && *text ? text : PQerrorMessage(c), m, sizeof m);
    bool away = PQstatus(c) != CONNECTION_OK || s_going_away(res);
    PQclear(res);
    return as_err_set(err, away ? AS_UNAVAILABLE : AS_INTERNAL, "PostgreSQL: %s: %s", what, m);
}

as_code_t as_pg_exec(PGconn *c, const char *sql, ExecStatusType want, const char *what,
                     as_err_t *err)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != want) return as_pg_fail(c, r, what, err);
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_run(PGconn *c, const char *sql, int n, const char *const *p, const int *lens,
                    const int *fmts, const char *what, as_err_t *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, p, lens, fmts, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return as_pg_fail(c, r, what, err);
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_query(PGconn *c, const char *sql, int n, const char *const *p, const char *what,
                      PGresult **out, as_err_t *err)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return as_pg_fail(c, r, what, err);
    *out = r;
    return AS_OK;
}
