/* stats.h — request counters and latency histograms per method, kept per thread.
 *
 * Each thread owns one slot and is its only writer (relaxed atomics, no locks, no sharing of cache
 * lines between writers); `stats` sums the slots. Latencies go into log-linear buckets (8 per power
 * of two: about 9% resolution) from 1 ns to 2^63 ns.
 */
#ifndef AS_STATS_H
#define AS_STATS_H

#include <msgpack.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define AS_STATS_METHODS 48 /* methods (methods.h: AS_M_COUNT), and one for the invalid */
#define AS_STATS_BUCKETS (64 * 8)

typedef struct {
    _Atomic uint64_t count;
    _Atomic uint64_t errors;
    _Atomic uint64_t lat[AS_STATS_BUCKETS];
} as_mstat_t;

typedef struct {
    as_mstat_t m[AS_STATS_METHODS];
} as_tstat_t;

typedef struct as_stats as_stats_t;

/* Slots for n threads. Returns NULL on allocation failure. */
as_stats_t *as_stats_new(int slots);
void as_stats_destroy(as_stats_t **self_p);
as_tstat_t *as_stats_slot(as_stats_t *self, int slot);

/* Engine-wide events counted outside any method. */
typedef enum {
    AS_EV_OVERLOADED,      /* requests answered `overloaded` */
    AS_EV_REPLY_DROPPED,   /* replies that could not be delivered (client gone or not reading) */
    AS_EV_TOO_LARGE,       /* frames over --max-message */
    AS_EV_BAD_FRAMES,      /* messages with a malformed envelope */
    AS_EV_PATTERN_LIMITED, /* patternMatch calls cut short by PCRE2's limits (no match) */
    AS_EV_OVER_BUDGET,     /* requests stopped by their CPU budget (answered too_large) */
    AS_EV_COUNT
} as_event_t;
void as_stats_event(as_stats_t *self, as_event_t ev);
/* The counter of event ev, for code that counts without knowing the stats (the scorer). */
_Atomic uint64_t *as_stats_event_counter(as_stats_t *self, as_event_t ev);

/* Records one request of method index `method` that took ns nanoseconds. */
void as_stats_record(as_tstat_t *slot, int method, bool error, uint64_t ns);

/* Packs {method: {count, errors, p50_us, p90_us, p99_us, p999_us, max_us}} for the methods with a
 * non-zero count; names[i] names method i (NULL: skipped). */
void as_stats_pack_methods(as_stats_t *self, msgpack_packer *pk, const char *const *names, int n);
/* Packs {overloaded, replies_dropped, too_large, bad_frames, pattern_limited, over_budget}. */
void as_stats_pack_events(as_stats_t *self, msgpack_packer *pk);

/* Monotonic nanoseconds. */
uint64_t as_now_ns(void);

#endif
