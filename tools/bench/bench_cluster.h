/* bench_cluster.h — assay-bench cluster (cluster.c). */
#ifndef AS_BENCH_CLUSTER_H
#define AS_BENCH_CLUSTER_H

/* Durable submissions per second through 1, 2, ... N engines of a cluster (the endpoints.json
 * tools/cluster writes), `inflight` at a time for `seconds` each; prints a Markdown table. */
int as_bench_cluster(const char *endpoints_json, double seconds, int inflight);

#endif
