/* pg_array.h — PostgreSQL's binary array format, for the set-based statements of the writer's
 * batch (pg_batch.c, pg_stats.c): a one-dimensional array sent as one parameter, its elements
 * as they are (records never escaped). Internal to store/postgres/. */
#ifndef AS_PG_ARRAY_H
#define AS_PG_ARRAY_H

#include "err.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Element type OIDs, and those of their arrays (PostgreSQL's pg_type.h). */
#define AS_PG_INT4       23
#define AS_PG_INT8       20
#define AS_PG_TEXT       25
#define AS_PG_BYTEA      17
#define AS_PG_FLOAT8     701
#define AS_PG_INT4_ARR   1007
#define AS_PG_INT8_ARR   1016
#define AS_PG_TEXT_ARR   1009
#define AS_PG_BYTEA_ARR  1001
#define AS_PG_FLOAT8_ARR 1022

/* An array being built (p malloc'ed; oom: a growth failed, the array is void). */
typedef struct {
    char *p;
    size_t n, cap;
    bool oom;
} as_pg_arr_t;

/* Starts (or restarts, keeping the buffer) an array of n elements of type oid. */
void as_pg_arr_begin(as_pg_arr_t *a, uint32_t oid, uint32_t n);
/* Elements: bytes (d NULL: a NULL element), an int4, an int8, a float8. */
void as_pg_arr_bytes(as_pg_arr_t *a, const void *d, size_t n);
void as_pg_arr_int4(as_pg_arr_t *a, uint32_t v);
void as_pg_arr_int8(as_pg_arr_t *a, uint64_t v);
void as_pg_arr_float8(as_pg_arr_t *a, double v);
/* Raw bytes appended (an element built in parts: its length first, with as_pg_arr_put32). */
void as_pg_arr_put(as_pg_arr_t *a, const void *d, size_t n);
void as_pg_arr_put32(as_pg_arr_t *a, int32_t v);
/* Runs sql with n parameters, the arrays a[0..n-1] of the given array types, results in binary;
 * want's status, else the error (as_pg_fail, what says what was done). *out (may be NULL) keeps
 * the result. An array whose growth failed is `internal`. */
as_code_t as_pg_exec_arrays(PGconn *c, const char *sql, int n, const Oid *types,
                            const as_pg_arr_t *a, ExecStatusType want, const char *what,
                            PGresult **out, as_err_t *err);
/* Big-endian values of a binary result. */
uint64_t as_pg_get_int8(const char *p);
uint32_t as_pg_get_int4(const char *p);
double as_pg_get_float8(const char *p);

#endif
