/* bench_store.h — assay-bench store (store.c). */
#ifndef AS_BENCH_STORE_H
#define AS_BENCH_STORE_H

/* Durable batches of submissions at the store, LMDB and PostgreSQL (conninfo) in alternating
 * rounds of `seconds`; prints a Markdown table. */
int as_bench_store(const char *conninfo, double seconds);

#endif
