/* bench_exam.h — assay-bench exam (exam.c). */
#ifndef AS_BENCH_EXAM_H
#define AS_BENCH_EXAM_H

#include <stddef.h>

/* n learners start a timed exam (time_limit seconds) at once, save, 30% submit, 70% are ended by
 * the engine at the deadline; prints latencies, rates and the deadline's lag as Markdown. */
int as_bench_exam(const char *data, size_t n, unsigned time_limit);

#endif
