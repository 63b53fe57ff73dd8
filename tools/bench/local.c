/* local.c — assay-bench local: what a `score` costs in the caller's process (libassay's local
 * scorer over the tables assayd publishes) against the same request through assayd at 1 in
 * flight, measured in the same run, alternating, on the bench assessment (payload.c). Each local
 * call is timed alone (two clock reads, about 40 ns, are in the figures). */
#include "bench_local.h"

#include "bench_programs.h"
#include "assay.h"
#include "codec.h"
#include "payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double s_now_ns(void)
{
    return (double)as_bench_now_ns();
}

/* Local calls for `seconds`: their per-call p50 and p99 (ns) and their rate. */
static int s_local_round(as_local_t *l, const msgpack_sbuffer *req, double seconds, double *lat,
                         size_t cap, double *p50, double *p99, double *rate)
{
    const void *res;
    size_t len, n = 0;
    double start = s_now_ns(), end = start + seconds * 1e9, t = start;
    while (t < end && n < cap) {
        double t0 = s_now_ns();
        if (as_local_score(l, req->data, req->size, &res, &len)) {
            fprintf(stderr, "assay-bench: local score: %s\n", as_local_message(l));
            return 1;
        }
        t = s_now_ns();
        lat[n++] = t - t0;
    }
    *rate = (double)n / ((t - start) / 1e9);
    qsort(lat, n, sizeof *lat, as_bench_cmp_double);
    *p50 = lat[n / 2];
    *p99 = lat[(size_t)((double)n * 0.99)];
    return 0;
}

int as_bench_local(const char *data)
{
    assay_t *admin;
    assay_options_t ao = {.admin = true};
    if (assay_open(&admin, data, &ao) || as_bench_put_definition(admin, "bench50", 1)) return 1;
    msgpack_sbuffer req;
    msgpack_packer pk;
    msgpack_sbuffer_init(&req);
    msgpack_packer_init(&pk, &req, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, "bench50");
    as_pack_cstr(&pk, "answers");
    as_bench_pack_answers(&pk);
    /* the local result must be the engine's before anything is timed */
    assay_reply_t *r = NULL;
    as_local_t *l;
    char why[600];
    const void *res;
    size_t len, blen;
    if (as_local_open(&l, data, why, sizeof why)) {
        fprintf(stderr, "assay-bench: %s\n", why);
        return 1;
    }
    if (assay_call(admin, "score", req.data, req.size, 5000, &r) ||
        as_local_score(l, req.data, req.size, &res, &len)) {
        fprintf(stderr, "assay-bench: the first score failed\n");
        return 1;
    }
    const uint8_t *body = assay_reply_body(r, &blen);
    bool same = blen > len && memcmp(body + blen - len, res, len) == 0;
    assay_reply_free(&r);
    assay_close(&admin);
    if (!same) {
        fprintf(stderr, "assay-bench: the local result is not the engine's\n");
        return 1;
    }
    size_t cap = 50u << 20;
    double *lat = malloc(cap * sizeof *lat), seconds = as_bench_seconds();
    if (!lat) return 1;
    printf("assay-bench local: score of the 50-item assessment (%zu-byte request), %.0f s each, "
           "alternating\n\n| round | local calls/s | local p50 us | local p99 us | assayd "
           "req/s (1 in flight) | assayd p50 us | assayd p99 us | assayd p50 / local p50 |\n"
           "|---|---|---|---|---|---|---|---|\n",
           req.size, seconds);
    for (int i = 0; i < 200000; i++) /* warm: the map's pages, the caches */
        as_local_score(l, req.data, req.size, &res, &len);
    for (int round = 1; round <= 3; round++) {
        double p50, p99, rate;
        as_bench_result_t ipc;
        if (s_local_round(l, &req, seconds, lat, cap, &p50, &p99, &rate) ||
            as_bench_load(data, "score", req.data, req.size, 1, &ipc))
            return 1;
        printf("| %d | %.0f | %.2f | %.2f | %.0f | %.1f | %.1f | %.1f |\n", round, rate, p50 / 1e3,
               p99 / 1e3, ipc.rps, ipc.p50_us, ipc.p99_us, ipc.p50_us / (p50 / 1e3));
    }
    free(lat);
    as_local_close(&l);
    msgpack_sbuffer_destroy(&req);
    return 0;
}
