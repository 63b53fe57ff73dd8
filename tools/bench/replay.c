/* replay.c — `assay-bench replay FILE`: the rate of a real answer stream through the engine
 * (clients/cli/replay.c does the replay), and assessment.report's latency on the result. */
#include "bench_replay.h"

#include "assay.h"
#include "payload.h"
#include "codec.h"
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int as_bench_replay(const char *data, const char *path, int inflight, size_t limit)
{
    as_replay_t *rp;
    assay_t *admin, *c;
    assay_options_t ao = {.admin = true, .timeout_ms = 30000}, o = {.timeout_ms = 30000};
    fprintf(stderr, "replay: reading %s\n", path);
    if (as_replay_load(&rp, path, limit)) return 1;
    if (assay_open(&admin, data, &ao) || assay_open(&c, data, &o)) {
        fprintf(stderr, "assay-bench replay: cannot connect to %s\n", data);
        return 1;
    }
    as_replay_params_t params = as_replay_default_params();
    as_replay_result_t res;
    if (as_replay_setup(rp, admin, &params) || as_replay_submit(rp, c, inflight, false, &res))
        return 1;
    /* assessment.report on the skill with the most answers: its latency over real data */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    char id[32];
    snprintf(id, sizeof id, "skill-%u", res.top_skill);
    msgpack_pack_map(&pk, 1);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, id);
    double lat[200];
    size_t rep_n = 0;
    for (int i = 0; i < 200; i++) {
        assay_reply_t *r;
        double t = s_now();
        if (assay_call(c, "assessment.report", sb.data, sb.size, 10000, &r)) return 1;
        lat[i] = (s_now() - t) * 1e6;
        rep_n = (size_t)assay_map_get(assay_reply_result(r), "n")->via.u64;
        assay_reply_free(&r);
    }
    qsort(lat, 200, sizeof lat[0], as_bench_cmp_double);
    printf("| replay | answers | learners | skills | learners in flight | seconds | answers/s |\n"
           "|---|---|---|---|---|---|---|\n"
           "| %s | %zu | %zu | %u | %d | %.1f | %.0f |\n",
           strrchr(path, '/') ? strrchr(path, '/') + 1 : path, res.answers, res.learners,
           res.skills, inflight, res.seconds, (double)res.answers / res.seconds);
    printf("\n| assessment.report | responses | learners (n) | round trip p50 us | slowest of 200 "
           "us |\n|---|---|---|---|---|\n| %s | %zu | %zu | %.0f | %.0f |\n",
           id, res.top_answers, rep_n, lat[100], lat[199]);
    msgpack_sbuffer_destroy(&sb);
    as_replay_free(&rp);
    assay_close(&c);
    assay_close(&admin);
    return 0;
}
