/* regrade.c — assay-bench regrade: a regrade over many stored responses, with the latency of
 * scoring and submissions measured while it runs, and assessment.report over the same data.
 *
 * 1. Stores a 50-item assessment and submits N responses (256 in flight; learners L0..Lk-1 in
 *    turn), with a progress bar.
 * 2. assessment.report on them: 200 calls, p50 and slowest.
 * 3. Probes: one client scoring and one submitting, each one request every 5 ms, for 3 s with the
 *    engine otherwise idle (the baseline), then during the regrade.
 * 4. Replaces the assessment (every key moves one option on) and regrades, following the job with
 *    job.get; the time is from the regrade's reply to the job's end.
 */
#include "regrade.h"

#include "assay.h"
#include "codec.h"
#include "payload.h"
#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_ID "regrade50"

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct {
    const char *data;
    const char *method;
    volatile int stop;
    double *lat; /* microseconds */
    size_t n, cap;
    int errors;
} s_probe_t;

static void s_pack_request(msgpack_packer *pk, bool submit)
{
    msgpack_pack_map(pk, submit ? 3 : 2);
    as_pack_cstr(pk, "assessment");
    as_pack_cstr(pk, S_ID);
    if (submit) {
        as_pack_cstr(pk, "learner");
        as_pack_cstr(pk, "probe");
    }
    as_pack_cstr(pk, "answers");
    as_bench_pack_answers(pk);
}

/* One request every 5 ms until stopped; latencies in p->lat. */
static void *s_probe_run(void *arg)
{
    s_probe_t *p = arg;
    assay_t *c;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    s_pack_request(&pk, strcmp(p->method, "response.submit") == 0);
    if (assay_open(&c, p->data, NULL)) return NULL;
    while (!p->stop && p->n < p->cap) {
        assay_reply_t *r;
        double t = s_now();
        if (assay_call(c, p->method, sb.data, sb.size, 10000, &r))
            p->errors++;
        else
            p->lat[p->n++] = (s_now() - t) * 1e6;
        assay_reply_free(&r);
        usleep(5000);
    }
    assay_close(&c);
    msgpack_sbuffer_destroy(&sb);
    return NULL;
}

typedef struct {
    s_probe_t score, submit;
    pthread_t ts, tm;
} s_probes_t;

static void s_probes_start(s_probes_t *ps, const char *data)
{
    s_probe_t *p[2] = {&ps->score, &ps->submit};
    const char *m[2] = {"score", "response.submit"};
    for (int i = 0; i < 2; i++) {
        free(p[i]->lat);
        *p[i] = (s_probe_t){.data = data, .method = m[i], .cap = 100000};
        p[i]->lat = malloc(p[i]->cap * sizeof *p[i]->lat);
    }
    pthread_create(&ps->ts, NULL, s_probe_run, &ps->score);
    pthread_create(&ps->tm, NULL, s_probe_run, &ps->submit);
}

static void s_probes_stop(s_probes_t *ps, const char *when)
{
    ps->score.stop = ps->submit.stop = 1;
    pthread_join(ps->ts, NULL);
    pthread_join(ps->tm, NULL);
    s_probe_t *p[2] = {&ps->score, &ps->submit};
    for (int i = 0; i < 2; i++) {
        size_t n = p[i]->n;
        if (!n) {
            printf("| %s | %s | 0 | - | - | - | %d |\n", p[i]->method, when, p[i]->errors);
            continue;
        }
        qsort(p[i]->lat, n, sizeof *p[i]->lat, s_cmp);
        printf("| %s | %s | %zu | %.0f | %.0f | %.0f | %d |\n", p[i]->method, when, n,
               p[i]->lat[n / 2], p[i]->lat[(size_t)((double)n * 0.99)], p[i]->lat[n - 1],
               p[i]->errors);
    }
    fflush(stdout);
}

static int s_put(assay_t *admin, int variant)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    as_bench_pack_definition(&pk, S_ID, variant);
    assay_reply_t *r;
    int rc = assay_call(admin, "assessment.put", sb.data, sb.size, 10000, &r);
    if (rc) fprintf(stderr, "assay-bench regrade: put: %s\n", r ? assay_reply_message(r) : "");
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

/* Submits n responses, 256 in flight, for `learners` learners in turn. */
static int s_fill(assay_t *c, size_t n, size_t learners)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    as_progress_t bar;
    as_progress_init(&bar, "fill", "responses");
    size_t sent = 0, got = 0;
    int rc = 0;
    while (got < n && !rc) {
        while (sent < n && sent - got < 256) {
            char learner[24];
            snprintf(learner, sizeof learner, "L%zu", sent % learners);
            msgpack_sbuffer_clear(&sb);
            msgpack_pack_map(&pk, 3);
            as_pack_cstr(&pk, "assessment");
            as_pack_cstr(&pk, S_ID);
            as_pack_cstr(&pk, "learner");
            as_pack_cstr(&pk, learner);
            as_pack_cstr(&pk, "answers");
            as_bench_pack_answers(&pk);
            uint32_t id;
            if ((rc = assay_send(c, "response.submit", sb.data, sb.size, &id))) break;
            sent++;
        }
        assay_reply_t *r;
        if ((rc = assay_recv(c, 30000, &r)))
            fprintf(stderr, "\nassay-bench regrade: submit: %s %s\n", assay_strerror(rc),
                    r ? assay_reply_message(r) : "");
        assay_reply_free(&r);
        got++;
        as_progress_show(&bar, got, n, got == n);
    }
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

static void s_report_latency(assay_t *c, size_t n)
{
    char params[64];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, S_ID);
    double lat[200];
    double learners = 0;
    for (int i = 0; i < 200; i++) {
        assay_reply_t *r;
        double t = s_now();
        if (assay_call(c, "assessment.report", sb.data, sb.size, 10000, &r)) {
            assay_reply_free(&r);
            return;
        }
        lat[i] = (s_now() - t) * 1e6;
        const msgpack_object *v = assay_map_get(assay_reply_result(r), "n");
        learners = v ? (double)v->via.u64 : 0;
        assay_reply_free(&r);
    }
    qsort(lat, 200, sizeof lat[0], s_cmp);
    snprintf(params, sizeof params, "%zu", n);
    printf("| assessment.report | %s responses, %.0f learners (latest attempts) | %.0f | %.0f |\n",
           params, learners, lat[100], lat[199]);
    fflush(stdout);
    msgpack_sbuffer_destroy(&sb);
}

int as_bench_regrade(const char *data, size_t n, size_t learners)
{
    assay_t *admin;
    assay_options_t ao = {.admin = true, .timeout_ms = 30000};
    if (assay_open(&admin, data, &ao) || s_put(admin, 1)) {
        fprintf(stderr, "assay-bench regrade: cannot store the assessment in %s\n", data);
        return 1;
    }
    printf("assay-bench regrade: %zu responses x %d items, %zu learners\n\n", n, AS_BENCH_ITEMS,
           learners);
    double t = s_now();
    if (s_fill(admin, n, learners)) return 1;
    double fill_s = s_now() - t;
    printf("filled in %.1f s (%.0f submissions/s, 256 in flight)\n\n", fill_s, (double)n / fill_s);
    printf("| method | data | p50 us | slowest us |\n|---|---|---|---|\n");
    s_report_latency(admin, n);

    printf("\n| probe (1 request / 5 ms) | while | requests | p50 us | p99 us | max us | errors "
           "|\n|---|---|---|---|---|---|---|\n");
    s_probes_t ps = {0};
    s_probes_start(&ps, data);
    sleep(3);
    s_probes_stop(&ps, "idle");

    if (s_put(admin, 2)) return 1;
    s_probes_start(&ps, data);
    usleep(200000);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, S_ID);
    assay_reply_t *r;
    t = s_now();
    if (assay_call(admin, "assessment.regrade", sb.data, sb.size, 10000, &r)) {
        fprintf(stderr, "assay-bench regrade: %s\n", r ? assay_reply_message(r) : "timeout");
        return 1;
    }
    uint64_t job = assay_map_get(assay_reply_result(r), "job")->via.u64;
    assay_reply_free(&r);
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_map(&pk, 1);
    as_pack_cstr(&pk, "job");
    msgpack_pack_uint64(&pk, job);
    as_progress_t bar;
    as_progress_init(&bar, "regrade", "responses");
    double changed = 0, unchanged = 0, done = 0;
    const char *state = "?";
    char state_buf[16] = "";
    for (;;) {
        if (assay_call(admin, "job.get", sb.data, sb.size, 10000, &r)) return 1;
        const msgpack_object *o = assay_reply_result(r), *st = assay_map_get(o, "state");
        const msgpack_object *p = assay_map_get(o, "progress");
        snprintf(state_buf, sizeof state_buf, "%.*s", (int)st->via.str.size, st->via.str.ptr);
        state = state_buf;
        done = (double)assay_map_get(p, "done")->via.u64;
        bool ended = strcmp(state, "done") == 0 || strcmp(state, "failed") == 0;
        as_progress_show(&bar, (uint64_t)done, assay_map_get(p, "total")->via.u64, ended);
        if (ended) {
            const msgpack_object *res = assay_map_get(o, "result");
            if (res) {
                changed = (double)assay_map_get(res, "changed")->via.u64;
                unchanged = (double)assay_map_get(res, "unchanged")->via.u64;
            }
            assay_reply_free(&r);
            break;
        }
        assay_reply_free(&r);
        usleep(20000);
    }
    double secs = s_now() - t;
    s_probes_stop(&ps, "regrade");
    printf("\n| regrade | responses x items | state | seconds | responses/s | changed | unchanged "
           "|\n|---|---|---|---|---|---|---|\n");
    printf("| job %llu | %.0f x %d | %s | %.2f | %.0f | %.0f | %.0f |\n", (unsigned long long)job,
           done, AS_BENCH_ITEMS, state, secs, done / secs, changed, unchanged);
    printf("\n| method | data | p50 us | slowest us |\n|---|---|---|---|\n");
    s_report_latency(admin, n);
    free(ps.score.lat);
    free(ps.submit.lat);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&admin);
    return strcmp(state, "done") == 0 ? 0 : 1;
}
