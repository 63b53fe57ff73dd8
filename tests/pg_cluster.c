/* pg_cluster.c — a throwaway PostgreSQL cluster of a suite's own (pg_cluster.h), with libpq
 * alone: the suites that also link libassay (its codec is in the shared library) take this part
 * only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pg_cluster.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char pgf_dir[256], pgf_conninfo[512];
PGconn *pgf_c;
static char s_tools[512];

/* A connection, or NULL (its error on stderr). */
static PGconn *s_connect(bool quiet)
{
    PGconn *c = PQconnectdb(pgf_conninfo);
    if (PQstatus(c) == CONNECTION_OK) return c;
    if (!quiet) fprintf(stderr, "%s", PQerrorMessage(c));
    PQfinish(c);
    return NULL;
}

int pgf_pg(const char *cmd, char *out, size_t cap)
{
    char args[600];
    snprintf(args, sizeof args, "%s '%s/pg'", cmd, pgf_dir);
    return pgf_tool(args, out, cap);
}

int pgf_tool(const char *args, char *out, size_t cap)
{
    char line[1024];
    snprintf(line, sizeof line, "'%s/pg' %s 2>&1", s_tools, args);
    FILE *p = popen(line, "r");
    if (!p) return -1;
    char buf[1024] = "";
    if (!fgets(buf, sizeof buf, p)) buf[0] = '\0';
    int rc = pclose(p);
    buf[strcspn(buf, "\n")] = '\0';
    if (rc) fprintf(stderr, "tools/pg %s: %s\n", args, buf);
    if (out) snprintf(out, cap, "%s", buf);
    return rc;
}

int pgf_setup(void **state)
{
    snprintf(s_tools, sizeof s_tools, "%s",
             getenv("ASSAY_TOOLS") ? getenv("ASSAY_TOOLS") : "tools");
    snprintf(pgf_dir, sizeof pgf_dir, "/tmp/assay-pg-test-XXXXXX");
    if (!mkdtemp(pgf_dir)) return -1;
    chmod(pgf_dir, 0711); /* the cluster's own user (tools/pg) reaches its directory inside */
    if (pgf_pg("up", pgf_conninfo, sizeof pgf_conninfo)) {
        pgf_pg("down", NULL, 0);
        rmdir(pgf_dir);
        return -1;
    }
    pgf_c = s_connect(false);
    return pgf_c ? 0 : -1;
}

int pgf_teardown(void **state)
{
    PQfinish(pgf_c);
    pgf_pg("down", NULL, 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", pgf_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The first value of a query's first row, as text ("" when none). */
const char *pgf_one(const char *sql)
{
    static char out[256];
    PGresult *r = PQexec(pgf_c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    snprintf(out, sizeof out, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return out;
}

/* The server up again (tools/pg up: a no-op when it runs) and a new connection. */
void pgf_reconnect(void)
{
    assert_int_equal(pgf_pg("up", NULL, 0), 0);
    PQfinish(pgf_c);
    for (int i = 0; i < 100 && !(pgf_c = s_connect(i < 99)); i++)
        usleep(50000);
    if (!pgf_c) fail_msg("cannot connect to %s", pgf_conninfo);
}
