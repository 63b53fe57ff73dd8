/* regrade.h — assay-bench regrade (regrade.c). */
#ifndef AS_BENCH_REGRADE_H
#define AS_BENCH_REGRADE_H

#include <stddef.h>

/* Stores n responses x 50 items for `learners` learners in the engine serving `data`, measures
 * assessment.report on them, then a regrade with the latency of scoring and submissions during
 * it. Prints Markdown tables on stdout, progress on stderr. Returns the exit status. */
int as_bench_regrade(const char *data, size_t n, size_t learners);

#endif
