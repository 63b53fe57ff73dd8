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

#endif
