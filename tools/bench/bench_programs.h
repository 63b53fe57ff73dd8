/* bench_programs.h — assay-bench programs (programs.c): custom response processing against the
 * standard templates. */
#ifndef AS_BENCH_PROGRAMS_H
#define AS_BENCH_PROGRAMS_H

#include <msgpack.h>

/* The 50-item custom assessment with id `id`, and random answers to it. */
int as_bench_pack_custom_definition(msgpack_packer *pk, const char *id);
void as_bench_pack_custom_answers(msgpack_packer *pk);
/* Times the scorer on both assessments in this process and prints a Markdown table. */
int as_bench_programs_inprocess(double seconds);
/* assay-bench programs on the engine serving data: score at 64 in flight for the template and
 * the custom assessments, alternating, then the scorer alone in this process. */
int as_bench_programs(const char *data);

/* bench.c's load generator, for the modes in other files: `inflight` requests of method/params
 * outstanding for --seconds, their rate and latency in *out; -1 on failure (said on stderr). */
typedef struct {
    double rps;
    double p50_us, p99_us, p999_us;
    uint64_t n;
} as_bench_result_t;
int as_bench_load(const char *target, const char *method, const void *params, size_t len,
                  int inflight, as_bench_result_t *out);
/* --seconds. */
double as_bench_seconds(void);

#endif
