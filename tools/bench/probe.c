/* probe.c — latency probes and job following for assay-bench's job benchmarks (probe.h). */
#include "probe.h"

#include "codec.h"
#include "payload.h"
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double as_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void s_pack_request(msgpack_packer *pk, const char *assessment, bool submit)
{
    msgpack_pack_map(pk, submit ? 3 : 2);
    as_pack_cstr(pk, "assessment");
    as_pack_cstr(pk, assessment);
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
    as_probe_t *p = arg;
    assay_t *c;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    s_pack_request(&pk, p->assessment, strcmp(p->method, "response.submit") == 0);
    if (assay_open(&c, p->data, NULL)) return NULL;
    while (!p->stop && p->n < p->cap) {
        assay_reply_t *r;
        double t = as_bench_now();
        if (assay_call(c, p->method, sb.data, sb.size, 10000, &r))
            p->errors++;
        else
            p->lat[p->n++] = (as_bench_now() - t) * 1e6;
        assay_reply_free(&r);
        usleep(5000);
    }
    assay_close(&c);
    msgpack_sbuffer_destroy(&sb);
    return NULL;
}

void as_probes_start(as_probes_t *ps, const char *data, const char *assessment)
{
    as_probe_t *p[2] = {&ps->score, &ps->submit};
    const char *m[2] = {"score", "response.submit"};
    for (int i = 0; i < 2; i++) {
        free(p[i]->lat);
        *p[i] = (as_probe_t){.data = data, .assessment = assessment, .method = m[i], .cap = 100000};
        p[i]->lat = malloc(p[i]->cap * sizeof *p[i]->lat);
    }
    pthread_create(&ps->ts, NULL, s_probe_run, &ps->score);
    pthread_create(&ps->tm, NULL, s_probe_run, &ps->submit);
}

void as_probes_stop(as_probes_t *ps, const char *when)
{
    ps->score.stop = ps->submit.stop = 1;
    pthread_join(ps->ts, NULL);
    pthread_join(ps->tm, NULL);
    as_probe_t *p[2] = {&ps->score, &ps->submit};
    for (int i = 0; i < 2; i++) {
        size_t n = p[i]->n;
        if (!n) {
            printf("| %s | %s | 0 | - | - | - | %d |\n", p[i]->method, when, p[i]->errors);
            continue;
        }
        qsort(p[i]->lat, n, sizeof *p[i]->lat, as_bench_cmp_double);
        printf("| %s | %s | %zu | %.0f | %.0f | %.0f | %d |\n", p[i]->method, when, n,
               p[i]->lat[n / 2], p[i]->lat[(size_t)((double)n * 0.99)], p[i]->lat[n - 1],
               p[i]->errors);
    }
    fflush(stdout);
}

void as_probes_free(as_probes_t *ps)
{
    free(ps->score.lat);
    free(ps->submit.lat);
    ps->score.lat = ps->submit.lat = NULL;
}

assay_reply_t *as_bench_follow_job(assay_t *c, uint64_t job, const char *label, const char *unit,
                                   char *state, size_t n)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    as_pack_cstr(&pk, "job");
    msgpack_pack_uint64(&pk, job);
    as_progress_t bar;
    as_progress_init(&bar, label, unit);
    assay_reply_t *r = NULL;
    for (;;) {
        if (assay_call(c, "job.get", sb.data, sb.size, 10000, &r)) {
            fprintf(stderr, "assay-bench: job.get: %s\n", r ? assay_reply_message(r) : "timeout");
            assay_reply_free(&r);
            break;
        }
        const msgpack_object *o = assay_reply_result(r), *st = assay_map_get(o, "state");
        const msgpack_object *p = assay_map_get(o, "progress");
        snprintf(state, n, "%.*s", (int)st->via.str.size, st->via.str.ptr);
        bool ended = strcmp(state, "done") == 0 || strcmp(state, "failed") == 0;
        as_progress_show(&bar, assay_map_get(p, "done")->via.u64,
                         assay_map_get(p, "total")->via.u64, ended);
        if (ended) break;
        assay_reply_free(&r);
        usleep(20000);
    }
    msgpack_sbuffer_destroy(&sb);
    return r;
}
