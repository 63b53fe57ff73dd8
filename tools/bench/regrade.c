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
#include "probe.h"
#include "progress.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_ID "regrade50"

static int s_put(assay_t *admin, int variant)
{
    return as_bench_put_definition(admin, S_ID, variant);
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
        double t = as_bench_now();
        if (assay_call(c, "assessment.report", sb.data, sb.size, 10000, &r)) {
            assay_reply_free(&r);
            return;
        }
        lat[i] = (as_bench_now() - t) * 1e6;
        const msgpack_object *v = assay_map_get(assay_reply_result(r), "n");
        learners = v ? (double)v->via.u64 : 0;
        assay_reply_free(&r);
    }
    qsort(lat, 200, sizeof lat[0], as_bench_cmp_double);
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
    double t = as_bench_now();
    if (s_fill(admin, n, learners)) return 1;
    double fill_s = as_bench_now() - t;
    printf("filled in %.1f s (%.0f submissions/s, 256 in flight)\n\n", fill_s, (double)n / fill_s);
    printf("| method | data | p50 us | slowest us |\n|---|---|---|---|\n");
    s_report_latency(admin, n);

    printf("\n| probe (1 request / 5 ms) | while | requests | p50 us | p99 us | max us | errors "
           "|\n|---|---|---|---|---|---|---|\n");
    as_probes_t ps = {0};
    as_probes_start(&ps, data, S_ID);
    sleep(3);
    as_probes_stop(&ps, "idle");

    if (s_put(admin, 2)) return 1;
    as_probes_start(&ps, data, S_ID);
    usleep(200000);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 1);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, S_ID);
    assay_reply_t *r;
    t = as_bench_now();
    if (assay_call(admin, "assessment.regrade", sb.data, sb.size, 10000, &r)) {
        fprintf(stderr, "assay-bench regrade: %s\n", r ? assay_reply_message(r) : "timeout");
        return 1;
    }
    uint64_t job = assay_map_get(assay_reply_result(r), "job")->via.u64;
    assay_reply_free(&r);
    const msgpack_object *res = NULL;
    char state[16];
    assay_reply_t *ended =
        as_bench_follow_job(admin, job, "regrade", "responses", state, sizeof state);
    if (!ended) return 1;
    const msgpack_object *o = assay_reply_result(ended);
    double done = (double)assay_map_get(assay_map_get(o, "progress"), "done")->via.u64;
    double changed = 0, unchanged = 0;
    if ((res = assay_map_get(o, "result"))) {
        changed = (double)assay_map_get(res, "changed")->via.u64;
        unchanged = (double)assay_map_get(res, "unchanged")->via.u64;
    }
    assay_reply_free(&ended);
    double secs = as_bench_now() - t;
    as_probes_stop(&ps, "regrade");
    printf("\n| regrade | responses x items | state | seconds | responses/s | changed | unchanged "
           "|\n|---|---|---|---|---|---|---|\n");
    printf("| job %llu | %.0f x %d | %s | %.2f | %.0f | %.0f | %.0f |\n", (unsigned long long)job,
           done, AS_BENCH_ITEMS, state, secs, done / secs, changed, unchanged);
    printf("\n| method | data | p50 us | slowest us |\n|---|---|---|---|\n");
    s_report_latency(admin, n);
    as_probes_free(&ps);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&admin);
    return strcmp(state, "done") == 0 ? 0 : 1;
}
