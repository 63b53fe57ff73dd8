/* bench_grading.h — assay-bench grading (grading.c). */
#ifndef AS_BENCH_GRADING_H
#define AS_BENCH_GRADING_H

#include <stddef.h>

/* n learners submit a 50-item assessment whose last item people grade, then one grade each
 * resolves every response; prints both rates and latencies as Markdown. */
int as_bench_grading(const char *data, size_t n);

#endif
