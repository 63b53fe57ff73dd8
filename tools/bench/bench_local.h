/* bench_local.h — assay-bench local (local.c): the local scorer against score through assayd. */
#ifndef AS_BENCH_LOCAL_H
#define AS_BENCH_LOCAL_H

/* assay-bench local on the engine serving data: the 50-item score in this process (libassay's
 * as_local_score, per call) and through assayd at 1 in flight, alternating three rounds of
 * --seconds each; prints a Markdown table. */
int as_bench_local(const char *data);

#endif
