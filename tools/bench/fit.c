/* fit.c — assay-bench fit: skill.fit over a real answer stream, with the latency of scoring and
 * submissions measured while it runs.
 *
 * 1. Replays FILE (replay.h: one skill and one single-item assessment per skill) and stores a
 *    50-item assessment for the probes.
 * 2. Probes (probe.h) for 3 s with the engine otherwise idle: the baseline.
 * 3. skill.fit of every skill without forgetting, then with, then with forgetting and `apply`
 *    (the fitted parameters stored and every learner's mastery recomputed in the same job), each
 *    followed to its end while the probes run (from the fit's reply to the job's end).
 */
#include "bench_fit.h"

#include "assay.h"
#include "codec.h"
#include "payload.h"
#include "probe.h"
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_PROBE "probe50"

/* One fit with the probes running: prints its row. */
static int s_fit(assay_t *admin, const char *data, bool forgets, bool apply)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    as_pack_cstr(&pk, "forgets");
    forgets ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    as_pack_cstr(&pk, "apply");
    apply ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    char when[64];
    snprintf(when, sizeof when, "fit%s%s", forgets ? " --forgets" : "", apply ? " --apply" : "");
    printf("| probe (1 request / 5 ms) | while | requests | p50 us | p99 us | max us | errors "
           "|\n|---|---|---|---|---|---|---|\n");
    as_probes_t ps = {0};
    as_probes_start(&ps, data, S_PROBE);
    usleep(200000);
    assay_reply_t *r;
    double t = as_bench_now();
    if (assay_call(admin, "skill.fit", sb.data, sb.size, 10000, &r)) {
        fprintf(stderr, "assay-bench fit: %s\n", r ? assay_reply_message(r) : "timeout");
        assay_reply_free(&r);
        return 1;
    }
    uint64_t job = assay_map_get(assay_reply_result(r), "job")->via.u64;
    assay_reply_free(&r);
    char state[16];
    assay_reply_t *ended = as_bench_follow_job(admin, job, "fit", "responses", state, sizeof state);
    double secs = as_bench_now() - t;
    usleep(200000);
    as_probes_stop(&ps, when);
    as_probes_free(&ps);
    msgpack_sbuffer_destroy(&sb);
    if (!ended) return 1;
    const msgpack_object *res = assay_map_get(assay_reply_result(ended), "result");
    const msgpack_object *skills = res ? assay_map_get(res, "skills") : NULL;
    uint32_t n = skills ? skills->via.array.size : 0, conv = 0, bound = 0;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *c = assay_map_get(&skills->via.array.ptr[i], "converged");
        const msgpack_object *b = assay_map_get(&skills->via.array.ptr[i], "at_bound");
        conv += c && c->type == MSGPACK_OBJECT_BOOLEAN && c->via.boolean;
        bound += b && b->type == MSGPACK_OBJECT_ARRAY && b->via.array.size > 0;
    }
    printf("\n%s: job %llu %s in %.2f s (from its reply to its end): %u skill(s), %u converged, "
           "%u with a parameter on a bound\n\n",
           when, (unsigned long long)job, state, secs, n, conv, bound);
    fflush(stdout);
    assay_reply_free(&ended);
    return strcmp(state, "done") == 0 ? 0 : 1;
}

int as_bench_fit(const char *data, const char *path, int inflight, size_t limit)
{
    assay_t *admin;
    assay_options_t ao = {.admin = true, .timeout_ms = 30000};
    as_replay_t *rp;
    if (assay_open(&admin, data, &ao)) {
        fprintf(stderr, "assay-bench fit: cannot connect to %s\n", data);
        return 1;
    }
    if (as_replay_load(&rp, path, limit)) return 1;
    as_replay_result_t res;
    as_replay_params_t p = as_replay_default_params();
    if (as_replay_setup(rp, admin, &p) || as_replay_submit(rp, admin, inflight, false, &res)) {
        as_replay_free(&rp);
        return 1;
    }
    as_replay_free(&rp);
    if (as_bench_put_definition(admin, S_PROBE, 1)) return 1;
    printf("assay-bench fit: %zu answers of %zu learners on %u skills (replayed in %.1f s)\n\n",
           res.answers, res.learners, res.skills, res.seconds);
    printf("| probe (1 request / 5 ms) | while | requests | p50 us | p99 us | max us | errors "
           "|\n|---|---|---|---|---|---|---|\n");
    as_probes_t ps = {0};
    as_probes_start(&ps, data, S_PROBE);
    sleep(3);
    as_probes_stop(&ps, "idle");
    as_probes_free(&ps);
    printf("\n");
    int rc = s_fit(admin, data, false, false) || s_fit(admin, data, true, false) ||
             s_fit(admin, data, true, true);
    assay_close(&admin);
    return rc;
}
