/* metrics.c — GET /metrics: Prometheus text format. Requests and latency histograms per route and
 * status, counted by the pool threads with relaxed atomics; and the engine's own stats (its
 * `stats` method) read at each scrape. */
#include "access.h"
#include "http.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_ROUTES 48 /* routes, plus one for requests that matched none */
static const unsigned s_statuses[] = {200, 201, 202, 204, 304, 400, 401, 403, 404,
                                      405, 409, 413, 429, 500, 502, 503, 504, 0};
#define S_NSTATUS (sizeof s_statuses / sizeof s_statuses[0]) /* the last: any other */
static const double s_le[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                              0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
#define S_NLE (sizeof s_le / sizeof s_le[0])

typedef struct {
    atomic_ullong count[S_NSTATUS];
    atomic_ullong bucket[S_NLE + 1]; /* + Inf */
    atomic_ullong sum_us;
} s_route_stats_t;

static s_route_stats_t s_stats[S_MAX_ROUTES];
static atomic_ullong s_refused[AH_NREFUSED][AH_NSCOPES];
static const char *const s_reasons[AH_NREFUSED] = {"no_token", "bad_token", "expired",
                                                   "scope",    "learner",   "rate_limited"};

void ah_metrics_refused(ah_refused_t why, ah_scope_t scope)
{
    if (why < AH_NREFUSED && scope < AH_NSCOPES)
        atomic_fetch_add_explicit(&s_refused[why][scope], 1, memory_order_relaxed);
}

void ah_metrics_record(int route, unsigned status, double seconds)
{
    int i = route >= 0 && route < ah_route_count() && route < S_MAX_ROUTES - 1 ? route
                                                                               : S_MAX_ROUTES - 1;
    s_route_stats_t *s = &s_stats[i];
    size_t k = 0;
    while (s_statuses[k] && s_statuses[k] != status)
        k++;
    atomic_fetch_add_explicit(&s->count[k], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < S_NLE && seconds > s_le[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
}

typedef struct {
    char *p;
    size_t len, cap;
} s_out_t;

__attribute__((format(printf, 2, 3))) static void s_printf(s_out_t *o, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
        va_end(ap);
        if (n < 0) return;
        if (o->len + (size_t)n < o->cap) {
            o->len += (size_t)n;
            return;
        }
        size_t cap = o->cap * 2 + (size_t)n;
        char *grown = realloc(o->p, cap);
        if (!grown) return;
        o->p = grown;
        o->cap = cap;
    }
}

static void s_engine(s_out_t *o)
{
    ah_reply_t r = {0};
    assay_reply_t *reply;
    s_printf(o, "# HELP assay_engine_up Whether the engine answered its stats.\n"
                "# TYPE assay_engine_up gauge\n");
    if (ah_engine_call(false, "stats", NULL, 0, &reply, &r)) {
        if (r.json) json_decref(r.json);
        s_printf(o, "assay_engine_up 0\n");
        return;
    }
    s_printf(o, "assay_engine_up 1\n");
    const msgpack_object *st = assay_reply_result(reply);
    const msgpack_object *up = assay_map_get(st, "uptime_s"), *map = assay_map_get(st, "map");
    const msgpack_object *methods = assay_map_get(st, "methods");
    const msgpack_object *events = assay_map_get(st, "events");
    if (up)
        s_printf(o, "# TYPE assay_engine_uptime_seconds gauge\nassay_engine_uptime_seconds %g\n",
                 up->via.f64);
    if (map) {
        const msgpack_object *size = assay_map_get(map, "size"), *used = assay_map_get(map, "used");
        s_printf(o, "# TYPE assay_engine_map_bytes gauge\n");
        if (size)
            s_printf(o, "assay_engine_map_bytes{kind=\"size\"} %llu\n",
                     (unsigned long long)size->via.u64);
        if (used)
            s_printf(o, "assay_engine_map_bytes{kind=\"used\"} %llu\n",
                     (unsigned long long)used->via.u64);
    }
    if (methods && methods->type == MSGPACK_OBJECT_MAP) {
        s_printf(o, "# HELP assay_engine_requests_total Requests the engine answered, by method.\n"
                    "# TYPE assay_engine_requests_total counter\n");
        for (uint32_t i = 0; i < methods->via.map.size; i++) {
            const msgpack_object_kv *kv = &methods->via.map.ptr[i];
            const msgpack_object *n = assay_map_get(&kv->val, "count");
            const msgpack_object *e = assay_map_get(&kv->val, "errors");
            int kl = (int)kv->key.via.str.size;
            const char *k = kv->key.via.str.ptr;
            s_printf(o, "assay_engine_requests_total{method=\"%.*s\"} %llu\n", kl, k,
                     n ? (unsigned long long)n->via.u64 : 0ull);
            s_printf(o, "assay_engine_errors_total{method=\"%.*s\"} %llu\n", kl, k,
                     e ? (unsigned long long)e->via.u64 : 0ull);
            const char *qs[] = {"p50_us", "p99_us"};
            for (int q = 0; q < 2; q++) {
                const msgpack_object *v = assay_map_get(&kv->val, qs[q]);
                if (v)
                    s_printf(o,
                             "assay_engine_latency_seconds{method=\"%.*s\",quantile=\"%s\"} %g\n",
                             kl, k, q ? "0.99" : "0.5",
                             (v->type == MSGPACK_OBJECT_FLOAT64 ? v->via.f64 : (double)v->via.u64) /
                                 1e6);
            }
        }
    }
    if (events && events->type == MSGPACK_OBJECT_MAP) {
        s_printf(o, "# TYPE assay_engine_events_total counter\n");
        for (uint32_t i = 0; i < events->via.map.size; i++) {
            const msgpack_object_kv *kv = &events->via.map.ptr[i];
            s_printf(o, "assay_engine_events_total{event=\"%.*s\"} %llu\n",
                     (int)kv->key.via.str.size, kv->key.via.str.ptr,
                     (unsigned long long)kv->val.via.u64);
        }
    }
    assay_reply_free(&reply);
}

char *ah_metrics_render(size_t *len)
{
    s_out_t o = {.cap = 16384};
    o.p = malloc(o.cap);
    if (!o.p) return NULL;
    o.p[0] = '\0';
    int n = ah_route_count();
    s_printf(&o, "# HELP assay_http_requests_total HTTP requests by route and status.\n"
                 "# TYPE assay_http_requests_total counter\n");
    for (int i = 0; i <= n && i < S_MAX_ROUTES; i++) {
        int slot = i == n ? S_MAX_ROUTES - 1 : i;
        const char *m = i == n ? "" : ah_route_method(i),
                   *p = i == n ? "unmatched" : ah_route_pattern(i);
        for (size_t k = 0; k < S_NSTATUS; k++) {
            unsigned long long c =
                atomic_load_explicit(&s_stats[slot].count[k], memory_order_relaxed);
            if (!c) continue;
            if (s_statuses[k])
                s_printf(
                    &o,
                    "assay_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} %llu\n", m,
                    p, s_statuses[k], c);
            else
                s_printf(
                    &o,
                    "assay_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} %llu\n",
                    m, p, c);
        }
    }
    s_printf(&o, "# HELP assay_http_request_duration_seconds HTTP request latency by route.\n"
                 "# TYPE assay_http_request_duration_seconds histogram\n");
    for (int i = 0; i <= n && i < S_MAX_ROUTES; i++) {
        int slot = i == n ? S_MAX_ROUTES - 1 : i;
        const char *m = i == n ? "" : ah_route_method(i),
                   *p = i == n ? "unmatched" : ah_route_pattern(i);
        unsigned long long cum = 0;
        for (size_t b = 0; b <= S_NLE; b++) {
            cum += atomic_load_explicit(&s_stats[slot].bucket[b], memory_order_relaxed);
            if (b < S_NLE)
                s_printf(&o,
                         "assay_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le="
                         "\"%g\"} %llu\n",
                         m, p, s_le[b], cum);
            else
                s_printf(&o,
                         "assay_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le="
                         "\"+Inf\"} %llu\n",
                         m, p, cum);
        }
        s_printf(&o, "assay_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
                 m, p,
                 (double)atomic_load_explicit(&s_stats[slot].sum_us, memory_order_relaxed) / 1e6);
        s_printf(&o, "assay_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
                 m, p, cum);
    }
    s_printf(&o, "# HELP assay_http_refused_total Requests refused by access control, by reason "
                 "and the caller's scope (none: no valid token).\n"
                 "# TYPE assay_http_refused_total counter\n");
    for (int w = 0; w < AH_NREFUSED; w++)
        for (int sc = 0; sc < AH_NSCOPES; sc++) {
            unsigned long long c = atomic_load_explicit(&s_refused[w][sc], memory_order_relaxed);
            if (c)
                s_printf(&o, "assay_http_refused_total{reason=\"%s\",scope=\"%s\"} %llu\n",
                         s_reasons[w], ah_scope_name((ah_scope_t)sc), c);
        }
    s_printf(&o,
             "# HELP assay_http_sse_clients Connected Server-Sent Events clients.\n"
             "# TYPE assay_http_sse_clients gauge\nassay_http_sse_clients %zu\n"
             "# HELP assay_http_sse_dropped_total Event streams dropped for falling more than "
             "--sse-buffer behind.\n"
             "# TYPE assay_http_sse_dropped_total counter\nassay_http_sse_dropped_total %llu\n",
             ah_sse_clients(), ah_sse_dropped());
    s_engine(&o);
    *len = o.len;
    return o.p;
}
