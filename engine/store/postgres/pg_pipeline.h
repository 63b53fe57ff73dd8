/* pg_pipeline.h — statements sent together in libpq's pipeline mode and their results read in
 * the order sent: a batch's reads in one round trip, its writes and COMMIT in another
 * (pg_batch.c, pg_stats.c, pg_mastery.c). Internal to store/postgres/. */
#ifndef AS_PG_PIPELINE_H
#define AS_PG_PIPELINE_H

#include "pg_array.h"

/* Sends sql with n binary array parameters a[] of the given types (results in binary), in
 * pipeline mode; false when it could not be sent (or an array's growth failed). */
bool as_pg_send(PGconn *c, const char *sql, int n, const Oid *types, const as_pg_arr_t *a);
/* Reads the result of the next statement sent: want's status, else the error (as_pg_fail, what
 * says which); *out (may be NULL) keeps it. */
as_code_t as_pg_recv(PGconn *c, ExecStatusType want, const char *what, PGresult **out,
                     as_err_t *err);
/* Sends the statement that stores responses with their keys, their learners' attempt counts and
 * their assessments' response counts, from arrays: rid int8[], assessment text[], learner
 * text[], attempt int4[], record bytea[], key text[] (NULL elements: no key), counted in engine
 * node's part of the response counts (pg_batch.c). */
bool as_pg_send_responses(PGconn *c, const as_pg_arr_t a[6], const char *node);
/* Ends a round: reads what is left up to the sync (after an error, the statements aborted) and
 * leaves pipeline mode; returns rc, or the error of leaving it. */
as_code_t as_pg_sync(PGconn *c, as_code_t rc, as_err_t *err);

#endif
