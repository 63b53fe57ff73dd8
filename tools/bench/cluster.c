/* cluster.c — assay-bench cluster FILE: durable response.submit through the engines of a
 * cluster (tools/cluster's endpoints.json: CURVE, every engine on one database with a
 * synchronous standby), with the first 1, 2, ... N engines in turn in one run. One libassay
 * connection names the engines used; each submission is for one of 10,000 learners, so
 * rendezvous routing spreads them over the engines; `inflight` are kept outstanding. */
#include "bench_cluster.h"

#include "assay.h"
#include "codec.h"
#include "payload.h"
#include "probe.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_LEARNERS 10000
#define S_SLOTS    4096

/* Packs a submission of the bench answers for learner i of run k. */
static void s_submission(msgpack_sbuffer *sb, int k, uint64_t i)
{
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    char learner[32];
    snprintf(learner, sizeof learner, "cl%d-%llu", k, (unsigned long long)(i % S_LEARNERS));
    msgpack_pack_map(&pk, 3);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, "bench50");
    as_pack_cstr(&pk, "learner");
    as_pack_cstr(&pk, learner);
    as_pack_cstr(&pk, "answers");
    as_bench_pack_answers(&pk);
}

/* One run through target (k engines): rate, p50 and p99 latency, errors. */
static int s_run(const char *target, const assay_options_t *o, int k, double seconds, int inflight,
                 double *rps, double *p50, double *p99)
{
    assay_t *c;
    if (assay_open(&c, target, o)) return -1;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    size_t cap = (size_t)(seconds * 200000) + 1024, n = 0;
    double *lat = malloc(cap * sizeof *lat); /* seconds each */
    static double sent_at[S_SLOTS];
    uint64_t sent = 0;
    int outstanding = 0, rc = 0;
    double t0 = as_bench_now(), end = t0 + seconds, now = t0;
    for (; outstanding < inflight && lat; outstanding++) {
        uint32_t id;
        s_submission(&sb, k, sent++);
        if ((rc = assay_send(c, "response.submit", sb.data, sb.size, &id))) break;
        sent_at[id % S_SLOTS] = as_bench_now();
    }
    while (!rc && lat && outstanding) {
        assay_reply_t *r;
        rc = assay_recv(c, 30000, &r);
        if (rc) {
            fprintf(stderr, "assay-bench cluster: %s %s\n", assay_strerror(rc),
                    r ? assay_reply_message(r) : "");
            assay_reply_free(&r);
            break;
        }
        now = as_bench_now();
        if (n < cap) lat[n++] = now - sent_at[assay_reply_msgid(r) % S_SLOTS];
        assay_reply_free(&r);
        outstanding--;
        if (now < end) {
            uint32_t id;
            s_submission(&sb, k, sent++);
            if ((rc = assay_send(c, "response.submit", sb.data, sb.size, &id))) break;
            sent_at[id % S_SLOTS] = as_bench_now();
            outstanding++;
        }
    }
    if (!rc && n) {
        qsort(lat, n, sizeof *lat, as_bench_cmp_double);
        *rps = (double)n / (now - t0);
        *p50 = lat[n / 2] * 1e6;
        *p99 = lat[(size_t)((double)n * 0.99)] * 1e6;
    }
    free(lat);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&c);
    return rc || !n ? -1 : 0;
}

/* The endpoints of the first k nodes' `field`, comma-separated, into out. */
static void s_join(json_t *nodes, int k, const char *field, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (int i = 0; i < k; i++)
        len += (size_t)snprintf(
            out + len, len < cap ? cap - len : 0, "%s%s", i ? "," : "",
            json_string_value(json_object_get(json_array_get(nodes, (size_t)i), field)));
}

int as_bench_cluster(const char *file, double seconds, int inflight)
{
    json_error_t e;
    json_t *doc = json_load_file(file, 0, &e);
    json_t *nodes = json_object_get(doc, "nodes");
    const char *cert = json_string_value(json_object_get(doc, "client_cert"));
    const char *key = json_string_value(json_object_get(json_array_get(nodes, 0), "server_key"));
    int n = (int)json_array_size(nodes);
    if (!doc || !n || !cert || !key || n > ASSAY_MAX_NODES) {
        fprintf(stderr, "assay-bench cluster: %s: not an endpoints.json of tools/cluster%s%s\n",
                file, doc ? "" : ": ", doc ? "" : e.text);
        json_decref(doc);
        return 1;
    }
    assay_options_t o = {.timeout_ms = 30000, .curve_cert = cert, .curve_server_key = key};
    char target[4096];
    s_join(nodes, n, "admin", target, sizeof target);
    assay_t *admin;
    assay_reply_t *r = NULL;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    as_bench_pack_definition(&pk, "bench50", 1);
    if (assay_open(&admin, target, &o) ||
        assay_call(admin, "assessment.put", sb.data, sb.size, 30000, &r)) {
        fprintf(stderr, "assay-bench cluster: cannot store the bench assessment through %s\n",
                target);
        json_decref(doc);
        return 1;
    }
    assay_reply_free(&r);
    assay_close(&admin);
    msgpack_sbuffer_destroy(&sb);
    struct timespec pause = {1, 500000000}; /* (every engine's follower has it within 1 s) */
    nanosleep(&pause, NULL);
    printf("assay-bench cluster: response.submit (50 items, %d learners) through the first k of "
           "%d engines, %d in flight, %.0f s each; one database, synchronous standby\n\n",
           S_LEARNERS, n, inflight, seconds);
    printf(
        "| engines | submissions/s | p50 us | p99 us | rate / 1 engine |\n|---|---|---|---|---|\n");
    double one = 0;
    int rc = 0;
    for (int k = 1; k <= n && !rc; k++) {
        double rps = 0, p50 = 0, p99 = 0;
        s_join(nodes, k, "engine", target, sizeof target);
        rc = s_run(target, &o, k, seconds, inflight, &rps, &p50, &p99);
        if (rc) break;
        if (k == 1) one = rps;
        printf("| %d | %.0f | %.0f | %.0f | %.2f |\n", k, rps, p50, p99, rps / one);
        fflush(stdout);
    }
    json_decref(doc);
    return rc ? 1 : 0;
}
