/* exam.c — assay-bench exam: the rush at the start of an exam, saves as it goes, and the deadline.
 *
 * 1. Stores a timed 50-item assessment (time limit T, no grace) and an untimed one for probes.
 * 2. N learners start: every attempt.start sent as fast as the engine takes them (512 in flight
 *    on one connection), the latency of each from send to answer.
 * 3. Every learner saves all 50 answers (64 in flight): the rate, durable (--sync full), and the
 *    latency.
 * 4. 30% submit (64 in flight); the other 70% are left to the deadline.
 * 5. The deadline: a subscriber records when each remaining attempt's `submitted` notification
 *    arrives (published after the commit that ended it); its lag is that time minus the
 *    attempt's deadline. Probes measure a score and a submission every 5 ms meanwhile.
 */
#include "bench_exam.h"

#include "assay.h"
#include "clock.h"
#include "codec.h"
#include "payload.h"
#include "pipeline.h"
#include "probe.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_EXAM  "exam50"
#define S_PROBE "probe50"

typedef struct {
    assay_sub_t *sub;
    volatile int stop;
    uint64_t *ids;
    double *at;
    size_t n, cap;
} s_events_t;

/* Records the arrival of every `submitted` notification. */
static void *s_listen(void *arg)
{
    s_events_t *ev = arg;
    while (!ev->stop) {
        assay_event_t *e;
        if (assay_sub_recv(ev->sub, 100, &e)) continue;
        const msgpack_object *b = assay_event_body(e), *k = assay_map_get(b, "event");
        if (k && k->type == MSGPACK_OBJECT_STR && k->via.str.size == 9 &&
            memcmp(k->via.str.ptr, "submitted", 9) == 0 && ev->n < ev->cap) {
            ev->ids[ev->n] = assay_map_get(b, "attempt")->via.u64;
            ev->at[ev->n++] = as_wall_s();
        }
        assay_event_free(&e);
    }
    return NULL;
}

typedef struct {
    size_t n;
    uint64_t *attempt;
    double *deadline;
} s_exam_t;

static void s_pack_start(msgpack_packer *pk, size_t i, void *arg)
{
    (void)arg;
    char learner[24];
    snprintf(learner, sizeof learner, "E%zu", i);
    msgpack_pack_map(pk, 2);
    as_pack_cstr(pk, "assessment");
    as_pack_cstr(pk, S_EXAM);
    as_pack_cstr(pk, "learner");
    as_pack_cstr(pk, learner);
}

static void s_started(size_t i, const msgpack_object *o, void *arg)
{
    s_exam_t *x = arg;
    const msgpack_object *d = assay_map_get(o, "deadline");
    x->attempt[i] = assay_map_get(o, "id")->via.u64;
    if (d && d->type == MSGPACK_OBJECT_STR)
        as_rfc3339_parse(d->via.str.ptr, d->via.str.size, &x->deadline[i]);
}

static void s_pack_save(msgpack_packer *pk, size_t i, void *arg)
{
    s_exam_t *x = arg;
    msgpack_pack_map(pk, 3);
    as_pack_cstr(pk, "attempt");
    msgpack_pack_uint64(pk, x->attempt[i]);
    as_pack_cstr(pk, "seq");
    msgpack_pack_uint32(pk, 1);
    as_pack_cstr(pk, "answers");
    as_bench_pack_answers(pk);
}

static void s_pack_submit(msgpack_packer *pk, size_t i, void *arg)
{
    s_exam_t *x = arg;
    msgpack_pack_map(pk, 1);
    as_pack_cstr(pk, "attempt");
    msgpack_pack_uint64(pk, x->attempt[i]); /* the first 30% */
}

int as_bench_exam(const char *data, size_t n, unsigned time_limit)
{
    assay_t *admin, *c;
    assay_options_t ao = {.admin = true, .timeout_ms = 30000};
    if (assay_open(&admin, data, &ao) || assay_open(&c, data, &ao)) return 1;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assay_reply_t *r;
    as_bench_pack_exam(&pk, S_EXAM, 1, time_limit, 0);
    int rc = assay_call(admin, "assessment.put", sb.data, sb.size, 10000, &r);
    assay_reply_free(&r);
    msgpack_sbuffer_clear(&sb);
    as_bench_pack_definition(&pk, S_PROBE, 1);
    rc |= assay_call(admin, "assessment.put", sb.data, sb.size, 10000, &r);
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    if (rc) return 1;
    s_events_t ev = {.cap = n};
    ev.ids = malloc(n * sizeof *ev.ids);
    ev.at = malloc(n * sizeof *ev.at);
    if (assay_sub_open(&ev.sub, data) || assay_sub_subscribe(ev.sub, "attempt." S_EXAM)) return 1;
    pthread_t listener;
    pthread_create(&listener, NULL, s_listen, &ev);
    usleep(300000);
    s_exam_t x = {.n = n};
    x.attempt = calloc(n, sizeof *x.attempt);
    x.deadline = calloc(n, sizeof *x.deadline);
    double *lat = malloc(n * sizeof *lat);
    printf("assay-bench exam: %zu learners, a %u s limit, no grace, 50 items\n\n", n, time_limit);
    printf("| step | requests | p50 ms | p99 ms | max ms | |\n|---|---|---|---|---|---|\n");
    double secs = as_bench_pipeline(c, "attempt.start", n, 512, s_pack_start, s_started, &x, lat);
    if (secs < 0) return 1;
    char extra[96];
    snprintf(extra, sizeof extra, "all started in %.2f s (%.0f/s), 512 in flight", secs,
             (double)n / secs);
    as_bench_row("attempt.start", lat, n, 1e3, extra);
    secs = as_bench_pipeline(c, "attempt.save", n, 64, s_pack_save, NULL, &x, lat);
    if (secs < 0) return 1;
    snprintf(extra, sizeof extra, "%.0f saves/s durable, 64 in flight", (double)n / secs);
    as_bench_row("attempt.save (50 answers)", lat, n, 1e3, extra);
    size_t early = n * 3 / 10;
    secs = as_bench_pipeline(c, "attempt.submit", early, 64, s_pack_submit, NULL, &x, lat);
    if (secs < 0) return 1;
    snprintf(extra, sizeof extra, "%.0f submits/s, 64 in flight", (double)early / secs);
    as_bench_row("attempt.submit", lat, early, 1e3, extra);
    /* the deadline */
    double last = 0;
    for (size_t i = early; i < n; i++)
        if (x.deadline[i] > last) last = x.deadline[i];
    double wait = x.deadline[early] - as_wall_s() - 1;
    if (wait > 0) usleep((useconds_t)(wait * 1e6));
    printf("\n| probe (1 request / 5 ms) | while | requests | p50 us | p99 us | max us | errors "
           "|\n|---|---|---|---|---|---|---|\n");
    as_probes_t ps = {0};
    as_probes_start(&ps, data, S_PROBE);
    size_t want = n; /* every attempt's submitted event: the early 30% and the swept 70% */
    while ((ev.n < want) && as_wall_s() < last + 15)
        usleep(20000);
    usleep(300000);
    as_probes_stop(&ps, "deadline sweep");
    as_probes_free(&ps);
    ev.stop = 1;
    pthread_join(listener, NULL);
    /* the lag of each swept attempt: its notification's arrival minus its deadline */
    double *lag = malloc(n * sizeof *lag);
    size_t swept = 0;
    for (size_t e = 0; e < ev.n; e++)
        for (size_t i = early; i < n; i++)
            if (x.attempt[i] == ev.ids[e]) {
                lag[swept++] = ev.at[e] - x.deadline[i];
                break;
            }
    printf("\n| deadline | attempts | lag p50 ms | lag p99 ms | lag max ms | |\n"
           "|---|---|---|---|---|---|\n");
    snprintf(extra, sizeof extra, "%zu of %zu left to the deadline ended", swept, n - early);
    as_bench_row("ended by the engine", lag, swept, 1e3, extra);
    free(lag);
    free(lat);
    free(x.attempt);
    free(x.deadline);
    free(ev.ids);
    free(ev.at);
    assay_sub_close(&ev.sub);
    assay_close(&c);
    assay_close(&admin);
    return swept == n - early ? 0 : 1;
}
