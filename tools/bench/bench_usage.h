/* bench_usage.h — assay-bench's help (usage.c). */
#ifndef AS_BENCH_USAGE_H
#define AS_BENCH_USAGE_H

#include <stdio.h>

/* Every mode and option of assay-bench. */
void as_bench_usage(FILE *out);

#endif
