/* pipeline.h — what the request-rate modes of assay-bench share (pipeline.c). */
#ifndef AS_BENCH_PIPELINE_H
#define AS_BENCH_PIPELINE_H

#include "assay.h"

#include <stddef.h>

/* Prints "| what | n | p50 | p99 | max | extra |" of n values (sorted here) times scale. */
void as_bench_row(const char *what, double *v, size_t n, double scale, const char *extra);

/* Sends n requests of `method` with params from fn(i) (window in flight), timing each: lat[i]
 * seconds; reply(i, result) sees each result. Returns the wall seconds, or -1 on an error. */
typedef void (*as_bench_pack_fn)(msgpack_packer *pk, size_t i, void *arg);
typedef void (*as_bench_reply_fn)(size_t i, const msgpack_object *result, void *arg);
double as_bench_pipeline(assay_t *c, const char *method, size_t n, int window, as_bench_pack_fn fn,
                         as_bench_reply_fn reply, void *arg, double *lat);

#endif
