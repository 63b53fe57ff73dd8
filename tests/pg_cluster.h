/* pg_cluster.h — a throwaway PostgreSQL cluster of a suite's own, started with tools/pg (initdb in
 * a temporary directory as an unprivileged user, a unix socket, stopped and removed at the end,
 * also when a test fails), and one connection to it. libpq alone (pg_cluster.c). */
#ifndef AS_PG_CLUSTER_H
#define AS_PG_CLUSTER_H

#include <libpq-fe.h>
#include <stddef.h>

extern char pgf_dir[256], pgf_conninfo[512];
extern PGconn *pgf_c; /* the connection to the suite's cluster */

/* Group setup and teardown: the cluster up and connected; stopped and removed. */
int pgf_setup(void **state);
int pgf_teardown(void **state);
/* Runs tools/pg CMD DIR/pg; its first line of output in out (may be NULL). */
int pgf_pg(const char *cmd, char *out, size_t cap);
/* Runs tools/pg ARGS (quoted as the shell takes them); the same. */
int pgf_tool(const char *args, char *out, size_t cap);
/* The server up again (tools/pg up: a no-op when it runs) and a new connection. */
void pgf_reconnect(void);
/* The first value of a query's first row, as text ("" when none). */
const char *pgf_one(const char *sql);

#endif
