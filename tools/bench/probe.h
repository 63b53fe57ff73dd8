/* probe.h — what assay-bench's job benchmarks (regrade, fit) share: probes measuring the latency
 * of one score and one submission every 5 ms while the engine works, and following a job to its
 * end with a progress bar. */
#ifndef AS_BENCH_PROBE_H
#define AS_BENCH_PROBE_H

#include "assay.h"

#include <pthread.h>
#include <stddef.h>

typedef struct {
    const char *data;       /* the engine's data directory */
    const char *assessment; /* a 50-item assessment (payload.h) */
    const char *method;     /* "score" or "response.submit" */
    volatile int stop;
    double *lat; /* microseconds */
    size_t n, cap;
    int errors;
} as_probe_t;

typedef struct {
    as_probe_t score, submit;
    pthread_t ts, tm;
} as_probes_t;

/* Starts both probes against `assessment` (a 50-item one, as_bench_pack_definition). */
void as_probes_start(as_probes_t *ps, const char *data, const char *assessment);
/* Stops them and prints a Markdown row each: method, when, requests, p50, p99, max, errors. */
void as_probes_stop(as_probes_t *ps, const char *when);
void as_probes_free(as_probes_t *ps);

/* Polls job.get until the job ends, drawing `label` progress; returns the ended job's reply (the
 * caller frees it) with its state copied into state, or NULL after printing why. */
assay_reply_t *as_bench_follow_job(assay_t *c, uint64_t job, const char *label, const char *unit,
                                   char *state, size_t n);

/* Monotonic seconds. */
double as_bench_now(void);

#endif
