/* rawload.c — see rawload.h. A request is [0, msgid, method, params] with msgid always a uint32
 * (0xce and 4 bytes) at offset 2, patched in place per send; a response's msgid is read from
 * offset 2 in whatever width the server packed it, and its third element must be nil (not an
 * error). Nothing else of the response is looked at. */
#include "rawload.h"

#include "payload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* The last frame of the next message (a ROUTER may send an empty delimiter before it): its size,
 * or -1 on timeout. */
static int s_recv(void *s, uint8_t *buf, size_t cap)
{
    int got, more;
    size_t ml = sizeof more;
    do {
        got = zmq_recv(s, buf, cap, 0);
        if (got < 0) return -1;
        if (zmq_getsockopt(s, ZMQ_RCVMORE, &more, &ml)) return -1;
    } while (more);
    return got;
}

/* The msgid of a success response [1, msgid, nil, ...], or -1. */
static int64_t s_msgid(const uint8_t *p, int n)
{
    if (n < 4 || p[0] != 0x94 || p[1] != 1) return -1;
    uint32_t id;
    int at;
    if (p[2] < 0x80)
        id = p[2], at = 3;
    else if (p[2] == 0xcc && n > 4)
        id = p[3], at = 4;
    else if (p[2] == 0xcd && n > 5)
        id = (uint32_t)p[3] << 8 | p[4], at = 5;
    else if (p[2] == 0xce && n > 7)
        id = (uint32_t)p[3] << 24 | (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6], at = 7;
    else
        return -1;
    return p[at] == 0xc0 ? (int64_t)id : -1;
}

int as_bench_raw_load(const char *endpoint, const char *method, const void *params, size_t len,
                      int inflight, double seconds, uint64_t *lat, size_t cap,
                      as_bench_result_t *out)
{
    size_t mlen = strlen(method);
    size_t n_req = 7 + 5 + mlen + (len ? len : 1);
    uint8_t *req = malloc(n_req), *resp = malloc(1 << 20);
    size_t at = 0;
    req[at++] = 0x94;
    req[at++] = 0x00;
    req[at++] = 0xce;
    at += 4;          /* msgid */
    req[at++] = 0xdb; /* str32: one form whatever the method's length */
    for (int i = 3; i >= 0; i--)
        req[at++] = (uint8_t)(mlen >> (8 * i));
    memcpy(req + at, method, mlen);
    at += mlen;
    if (len)
        memcpy(req + at, params, len);
    else
        req[at] = 0x80;
    void *ctx = zmq_ctx_new(), *s = zmq_socket(ctx, ZMQ_DEALER);
    int hwm = 100000, linger = 0, timeout = 10000, rc = -1;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    enum { SLOTS = 4096 };
    static uint64_t sent_at[SLOTS];
    uint32_t next = 1;
    size_t n = 0;
    if (zmq_connect(s, endpoint)) goto done;
#define S_SEND()                                                                                   \
    do {                                                                                           \
        uint32_t id_ = next++;                                                                     \
        req[3] = (uint8_t)(id_ >> 24), req[4] = (uint8_t)(id_ >> 16);                              \
        req[5] = (uint8_t)(id_ >> 8), req[6] = (uint8_t)id_;                                       \
        sent_at[id_ % SLOTS] = as_bench_now_ns();                                                  \
        zmq_send(s, req, n_req, 0);                                                                \
    } while (0)
    for (int i = 0; i < 200; i++) { /* warm-up, one at a time */
        S_SEND();
        int got = s_recv(s, resp, 1 << 20);
        if (got < 0 || s_msgid(resp, got) < 0) {
            fprintf(stderr, "assay-bench: %s at %s: %s during warm-up\n", method, endpoint,
                    got < 0 ? "no response" : "an error response");
            goto done;
        }
    }
    uint64_t t0 = as_bench_now_ns(), end = t0 + (uint64_t)(seconds * 1e9), now = t0;
    int outstanding = 0;
    for (int i = 0; i < inflight; i++, outstanding++)
        S_SEND();
    while (outstanding) {
        int got = s_recv(s, resp, 1 << 20);
        int64_t id = got < 0 ? -1 : s_msgid(resp, got);
        if (id < 0) {
            fprintf(stderr, "assay-bench: %s at %s: %s\n", method, endpoint,
                    got < 0 ? "no response within 10 s" : "an error response");
            goto done;
        }
        now = as_bench_now_ns();
        if (n < cap) lat[n++] = now - sent_at[(uint32_t)id % SLOTS];
        outstanding--;
        if (now < end) {
            S_SEND();
            outstanding++;
        }
    }
#undef S_SEND
    qsort(lat, n, sizeof *lat, as_bench_cmp_u64);
    out->n = n;
    out->rps = (double)n / ((double)(now - t0) / 1e9);
    out->p50_us = (double)lat[n / 2] / 1e3;
    out->p99_us = (double)lat[(size_t)((double)n * 0.99)] / 1e3;
    out->p999_us = (double)lat[(size_t)((double)n * 0.999)] / 1e3;
    rc = 0;
done:
    zmq_close(s);
    zmq_ctx_term(ctx);
    free(req);
    free(resp);
    return rc;
}
