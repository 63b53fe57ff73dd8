/* pg_fixture.h — what the PostgreSQL parts' tests share (test_pg_catalog.c, test_pg_batch.c,
 * test_pg_records.c): their cluster (pg_cluster.h) and the helpers their records are made
 * with. */
#ifndef AS_PG_FIXTURE_H
#define AS_PG_FIXTURE_H

#include "pg.h"

#include "pg_cluster.h"

extern as_err_t pgf_err;

/* An empty schema (the server up and connected first: a test that failed may have left it down). */
void pgf_reset(void);
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
