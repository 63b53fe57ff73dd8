/* rawload.h — the transport's own client (rawload.c): requests sent and responses received as
 * ZeroMQ frames, nothing decoded but the msgid a response carries, for the floor comparison of
 * assay-bench --floor (the engine and the echo measured by the same minimal client). */
#ifndef AS_BENCH_RAWLOAD_H
#define AS_BENCH_RAWLOAD_H

#include "bench_programs.h"

#include <stddef.h>
#include <stdint.h>

/* Keeps `inflight` requests of method/params (a msgpack map, len bytes) outstanding on a DEALER
 * connected to endpoint for `seconds`, after 200 warm-up calls; their rate and round trips in
 * *out (lat: scratch for cap round trips). -1 on failure (said on stderr): no response within
 * 10 s, or an error response. */
int as_bench_raw_load(const char *endpoint, const char *method, const void *params, size_t len,
                      int inflight, double seconds, uint64_t *lat, size_t cap,
                      as_bench_result_t *out);

#endif
