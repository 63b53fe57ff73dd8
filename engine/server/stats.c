/* stats.c — per-thread counters and latency histograms (see stats.h). */
#include "stats.h"

#include "codec.h"

#include <stdlib.h>
#include <time.h>

struct as_stats {
    int slots;
    as_tstat_t *slot;
    _Atomic uint64_t events[AS_EV_COUNT];
};

uint64_t as_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

as_stats_t *as_stats_new(int slots)
{
    as_stats_t *self = calloc(1, sizeof *self);
    if (!self) return NULL;
    self->slots = slots;
    self->slot = aligned_alloc(64, sizeof(as_tstat_t) * (size_t)slots);
    if (!self->slot) {
        free(self);
        return NULL;
    }
    memset(self->slot, 0, sizeof(as_tstat_t) * (size_t)slots);
    return self;
}

void as_stats_destroy(as_stats_t **self_p)
{
    if (self_p && *self_p) {
        free((*self_p)->slot);
        free(*self_p);
        *self_p = NULL;
    }
}

as_tstat_t *as_stats_slot(as_stats_t *self, int slot)
{
    return &self->slot[slot];
}

void as_stats_event(as_stats_t *self, as_event_t ev)
{
    atomic_fetch_add_explicit(&self->events[ev], 1, memory_order_relaxed);
}

_Atomic uint64_t *as_stats_event_counter(as_stats_t *self, as_event_t ev)
{
    return &self->events[ev];
}

static int s_bucket(uint64_t ns)
{
    if (ns < 8) return (int)ns;
    int e = 63 - __builtin_clzll(ns);
    return e * 8 + (int)((ns >> (e - 3)) & 7);
}

/* The midpoint of a bucket, in ns. */
static double s_bucket_value(int b)
{
    if (b < 8) return b;
    int e = b / 8, sub = b % 8;
    double lo = (double)(1ull << e) * (1.0 + sub / 8.0);
    return lo * (1.0 + 1.0 / 16.0);
}

void as_stats_record(as_tstat_t *slot, int method, bool error, uint64_t ns)
{
    if (method < 0 || method >= AS_STATS_METHODS) return;
    as_mstat_t *m = &slot->m[method];
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
    if (error) atomic_fetch_add_explicit(&m->errors, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->lat[s_bucket(ns)], 1, memory_order_relaxed);
}

void as_stats_pack_methods(as_stats_t *self, msgpack_packer *pk, const char *const *names, int n)
{
    static const double qs[] = {0.50, 0.90, 0.99, 0.999};
    static const char *const qnames[] = {"p50_us", "p90_us", "p99_us", "p999_us"};
    uint64_t hist[AS_STATS_BUCKETS];
    int active = 0;
    for (int i = 0; i < n; i++) {
        uint64_t c = 0;
        for (int s = 0; s < self->slots; s++)
            c += atomic_load_explicit(&self->slot[s].m[i].count, memory_order_relaxed);
        if (names[i] && c) active++;
    }
    msgpack_pack_map(pk, (size_t)active);
    for (int i = 0; i < n; i++) {
        uint64_t count = 0, errors = 0, seen = 0;
        memset(hist, 0, sizeof hist);
        for (int s = 0; s < self->slots; s++) {
            as_mstat_t *m = &self->slot[s].m[i];
            count += atomic_load_explicit(&m->count, memory_order_relaxed);
            errors += atomic_load_explicit(&m->errors, memory_order_relaxed);
            for (int b = 0; b < AS_STATS_BUCKETS; b++)
                hist[b] += atomic_load_explicit(&m->lat[b], memory_order_relaxed);
        }
        if (!names[i] || !count) continue;
        for (int b = 0; b < AS_STATS_BUCKETS; b++)
            seen += hist[b];
        as_pack_cstr(pk, names[i]);
        msgpack_pack_map(pk, 7);
        as_pack_cstr(pk, "count");
        msgpack_pack_uint64(pk, count);
        as_pack_cstr(pk, "errors");
        msgpack_pack_uint64(pk, errors);
        int top = 0;
        for (int q = 0; q < 4; q++) {
            uint64_t want = (uint64_t)(qs[q] * (double)seen), acc = 0;
            int b = 0;
            for (; b < AS_STATS_BUCKETS - 1; b++) {
                acc += hist[b];
                if (acc > want) break;
            }
            as_pack_cstr(pk, qnames[q]);
            msgpack_pack_double(pk, s_bucket_value(b) / 1000.0);
        }
        for (int b = 0; b < AS_STATS_BUCKETS; b++)
            if (hist[b]) top = b;
        as_pack_cstr(pk, "max_us");
        msgpack_pack_double(pk, s_bucket_value(top) / 1000.0);
    }
}

void as_stats_pack_events(as_stats_t *self, msgpack_packer *pk)
{
    static const char *const names[AS_EV_COUNT] = {"overloaded", "replies_dropped", "too_large",
                                                   "bad_frames", "pattern_limited", "over_budget"};
    msgpack_pack_map(pk, AS_EV_COUNT);
    for (int i = 0; i < AS_EV_COUNT; i++) {
        as_pack_cstr(pk, names[i]);
        msgpack_pack_uint64(pk, atomic_load_explicit(&self->events[i], memory_order_relaxed));
    }
}
