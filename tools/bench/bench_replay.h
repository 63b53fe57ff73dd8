/* bench_replay.h — assay-bench replay (replay.c). */
#ifndef AS_BENCH_REPLAY_H
#define AS_BENCH_REPLAY_H

#include <stddef.h>

/* Replays FILE into the engine serving `data` with `inflight` learners in flight (limit > 0: the
 * first `limit` answers); prints the rate and assessment.report's latency as Markdown tables. */
int as_bench_replay(const char *data, const char *path, int inflight, size_t limit);

#endif
