/* pipeline.c — requests kept in flight on one connection, and a Markdown row of latencies
 * (pipeline.h). */
#include "pipeline.h"

#include "payload.h"
#include "probe.h"

#include <stdio.h>
#include <stdlib.h>

void as_bench_row(const char *what, double *v, size_t n, double scale, const char *extra)
{
    if (!n) {
        printf("| %s | 0 | - | - | - | %s |\n", what, extra);
        return;
    }
    qsort(v, n, sizeof *v, as_bench_cmp_double);
    printf("| %s | %zu | %.1f | %.1f | %.1f | %s |\n", what, n, v[n / 2] * scale,
           v[(size_t)((double)n * 0.99)] * scale, v[n - 1] * scale, extra);
    fflush(stdout);
}

double as_bench_pipeline(assay_t *c, const char *method, size_t n, int window, as_bench_pack_fn fn,
                         as_bench_reply_fn reply, void *arg, double *lat)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    uint32_t *msgid = malloc(n * sizeof *msgid);
    double *sent = malloc(n * sizeof *sent), t0 = as_bench_now();
    size_t next = 0, got = 0;
    int bad = 0;
    while (got < n && !bad) {
        while (next < n && next - got < (size_t)window) {
            msgpack_sbuffer_clear(&sb);
            fn(&pk, next, arg);
            sent[next] = as_bench_now();
            if (assay_send(c, method, sb.data, sb.size, &msgid[next])) bad = 1;
            next++;
        }
        assay_reply_t *r;
        int rc = assay_recv(c, 30000, &r);
        if (rc) {
            fprintf(stderr, "assay-bench: %s: %s %s\n", method, assay_strerror(rc),
                    r ? assay_reply_message(r) : "");
            bad = 1;
        } else {
            /* msgids are handed out in order: the request's index from the first */
            size_t i = (size_t)(assay_reply_msgid(r) - msgid[0]);
            if (i < n) {
                lat[i] = as_bench_now() - sent[i];
                if (reply) reply(i, assay_reply_result(r), arg);
            }
        }
        assay_reply_free(&r);
        got++;
    }
    double secs = as_bench_now() - t0;
    free(msgid);
    free(sent);
    msgpack_sbuffer_destroy(&sb);
    return bad ? -1 : secs;
}
