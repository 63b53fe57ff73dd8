/* payload.h — the bench assessment and its answers, shared by the assay-bench modes. */
#ifndef AS_BENCH_PAYLOAD_H
#define AS_BENCH_PAYLOAD_H

#include <msgpack.h>
#include <stdint.h>

#define AS_BENCH_ITEMS 50

/* A 50-item, 4-option definition with id `id`: every fifth item partial credit (map_response),
 * the rest match_correct. variant 2 moves every key one option on (a regrade changes scores);
 * variant 3 makes the last item graded by people (0..4, one rater: an essay). */
void as_bench_pack_definition(msgpack_packer *pk, const char *id, int variant);
/* Stores that definition through an admin connection: 0, or 1 when it was refused (said on
 * stderr). */
struct assay;
int as_bench_put_definition(struct assay *admin, const char *id, int variant);
/* The same as a timed assessment (attempt.*): time_limit_s (0: untimed), grace_s. */
void as_bench_pack_exam(msgpack_packer *pk, const char *id, int variant, uint32_t time_limit_s,
                        uint32_t grace_s);
/* The bench's pseudo-random numbers (xorshift, a fixed seed: the same payloads every run). */
uint32_t as_bench_rand(void);
/* An answers map with all 50 items answered with random options. */
void as_bench_pack_answers(msgpack_packer *pk);

/* qsort's comparison of doubles, and of uint64_t, ascending. */
int as_bench_cmp_double(const void *a, const void *b);
int as_bench_cmp_u64(const void *a, const void *b);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t as_bench_now_ns(void);

#endif
