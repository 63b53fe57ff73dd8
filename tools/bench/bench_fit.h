/* bench_fit.h — assay-bench fit (fit.c). */
#ifndef AS_BENCH_FIT_H
#define AS_BENCH_FIT_H

#include <stddef.h>

/* Replays FILE into the engine serving `data` (inflight learners at a time; limit > 0: the first
 * `limit` answers), then times skill.fit of every skill (without and with forgetting, then with
 * apply) with latency probes running; prints Markdown tables. */
int as_bench_fit(const char *data, const char *path, int inflight, size_t limit);

#endif
