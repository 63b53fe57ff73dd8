/* pg_fixture.h — what the PostgreSQL tests share (test_pg_catalog.c, test_pg_batch.c,
 * test_pg_records.c): a throwaway cluster each suite starts with tools/pg (initdb in a temporary
 * directory as an unprivileged user, a unix socket, stopped and removed at the end, also when a
 * test fails), one connection to it, and the helpers their records are made with. */
#ifndef AS_PG_FIXTURE_H
#define AS_PG_FIXTURE_H

#include "pg.h"

extern char pgf_dir[256], pgf_conninfo[512];
extern PGconn *pgf_c; /* the connection to the suite's cluster */
extern as_err_t pgf_err;

/* Group setup and teardown: the cluster up and connected; stopped and removed. */
int pgf_setup(void **state);
int pgf_teardown(void **state);
/* Runs tools/pg CMD DIR/pg; its first line of output in out (may be NULL). */
int pgf_pg(const char *cmd, char *out, size_t cap);
/* The server up again (tools/pg up: a no-op when it runs) and a new connection. */
void pgf_reconnect(void);
/* An empty schema (the server up and connected first: a test that failed may have left it down). */
void pgf_reset(void);
/* The first value of a query's first row, as text ("" when none). */
const char *pgf_one(const char *sql);
/* A compiled one-item assessment `id` (the blob malloc'ed), its source in *src. */
as_compiled_t pgf_compile(const char *id, msgpack_sbuffer *src);
/* A 3-item assessment "quiz" compiled as version `version` (blob malloc'ed in *c). */
as_table_t pgf_quiz(uint32_t version, as_compiled_t *c);
/* A real LMDB map in DIR/map-NAME. */
as_store_t *pgf_map(const char *name);
/* A subject of assessment "quiz": learner, idempotency key (NULL: none). */
as_pg_subject_t pgf_subject(const char *learner, const char *key);
/* Bytes as a string into arg (64 bytes): an as_pg_bytes_fn. */
void pgf_bytes(void *arg, const void *data, size_t len);

#endif
