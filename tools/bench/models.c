/* models.c — assay-bench models: what deep knowledge tracing costs.
 *
 * 1. One model step (predict, then update with the answer) in this process, for DKT at H = 200
 *    and DKVMN at D = 200, M = 50, C = 123 (pyKT's default sizes; weights drawn with a fixed
 *    seed: the time does not depend on their values), beside PyTorch's own single step on the
 *    same machine in the same run (tools/kt/torch_step.py: batch 1, one thread), and the FLOP
 *    rate reached against one core's peak (AVX2: two 8-lane FMA units, 32 FLOP per cycle, at
 *    the clock /proc/cpuinfo reports).
 * 2. Submissions through assayd at 64 in flight: one answer each (an item naming one of 123
 *    skills) by 10,000 learners in turn, without a model, with the DKT model and with the
 *    DKVMN one, alternating.
 */
#include "bench_models.h"

#include "assay.h"
#include "bench_programs.h"
#include "codec.h"
#include "model.h"
#include "payload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_C 123

static uint64_t s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A safetensors file of the kind at pyKT's default sizes, weights uniform in [-0.1, 0.1]. */
static uint8_t *s_file(as_model_kind_t kind, uint32_t h, uint32_t m, size_t *len)
{
    struct {
        const char *name;
        uint32_t rows, cols; /* cols 0: a vector */
    } dkt[] = {{"interaction_emb.weight", 2 * S_C, h},
               {"lstm_layer.weight_ih_l0", 4 * h, h},
               {"lstm_layer.weight_hh_l0", 4 * h, h},
               {"lstm_layer.bias_ih_l0", 4 * h, 0},
               {"lstm_layer.bias_hh_l0", 4 * h, 0},
               {"out_layer.weight", S_C, h},
               {"out_layer.bias", S_C, 0}},
      dkvmn[] = {{"k_emb_layer.weight", S_C, h},
                 {"Mk", m, h},
                 {"Mv0", m, h},
                 {"v_emb_layer.weight", 2 * S_C, h},
                 {"f_layer.weight", h, 2 * h},
                 {"f_layer.bias", h, 0},
                 {"p_layer.weight", 1, h},
                 {"p_layer.bias", 1, 0},
                 {"e_layer.weight", h, h},
                 {"e_layer.bias", h, 0},
                 {"a_layer.weight", h, h},
                 {"a_layer.bias", h, 0}};
    size_t nt = kind == AS_MODEL_DKT ? sizeof dkt / sizeof *dkt : sizeof dkvmn / sizeof *dkvmn;
    __typeof__(dkt[0]) *t = kind == AS_MODEL_DKT ? dkt : dkvmn;
    char header[4096];
    size_t at = (size_t)snprintf(header, sizeof header, "{"), off = 0;
    for (size_t i = 0; i < nt; i++) {
        size_t n = (size_t)t[i].rows * (t[i].cols ? t[i].cols : 1) * 4;
        if (t[i].cols)
            at += (size_t)snprintf(header + at, sizeof header - at,
                                   "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%u,%u],"
                                   "\"data_offsets\":[%zu,%zu]}",
                                   i ? "," : "", t[i].name, t[i].rows, t[i].cols, off, off + n);
        else
            at += (size_t)snprintf(header + at, sizeof header - at,
                                   "%s\"%s\":{\"dtype\":\"F32\",\"shape\":[%u],"
                                   "\"data_offsets\":[%zu,%zu]}",
                                   i ? "," : "", t[i].name, t[i].rows, off, off + n);
        off += n;
    }
    at += (size_t)snprintf(header + at, sizeof header - at, "}");
    *len = 8 + at + off;
    uint8_t *f = malloc(*len);
    for (int i = 0; i < 8; i++)
        f[i] = (uint8_t)((uint64_t)at >> (8 * i));
    memcpy(f + 8, header, at);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < off / 4; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        float v = (float)((double)(x >> 11) / 9007199254740992.0 * 0.2 - 0.1);
        memcpy(f + 8 + at + i * 4, &v, 4);
    }
    return f;
}

/* Concepts skill-0 .. skill-122. */
static void s_concepts(char names[S_C][24], const char **p, uint32_t *l)
{
    for (int i = 0; i < S_C; i++) {
        snprintf(names[i], 24, "skill-%d", i);
        p[i] = names[i];
        l[i] = (uint32_t)strlen(names[i]);
    }
}

/* The FLOPs of one step (multiply-adds count two; activations one each). */
static double s_flops(const as_model_t *m)
{
    double h = m->hdr->h;
    if (m->hdr->kind == AS_MODEL_DKT) return 2 * h + 8 * h * h + 4 * h + 10 * h;
    double mm = m->hdr->m;
    return 2 * mm * h + 2 * h * h + 2 * h + 4 * mm * h + h;
}

/* The best of five passes of steps on a random answer sequence, ns per step. */
static double s_time_steps(const as_model_t *m, double seconds)
{
    as_model_scratch_t s = {0};
    as_err_t err;
    float *st = malloc(m->hdr->n_state * sizeof *st);
    if (as_model_scratch_fit(&s, m, &err) || !st) return NAN;
    memcpy(st, as_model_init(m), m->hdr->n_state * sizeof *st);
    uint32_t seq[4096];
    uint64_t x = 12345;
    for (int i = 0; i < 4096; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        seq[i] = (uint32_t)(x >> 33);
    }
    double best = INFINITY, sink = 0;
    for (int pass = 0; pass < 5; pass++) {
        uint64_t t0 = s_now_ns(), n = 0;
        while (s_now_ns() - t0 < (uint64_t)(seconds / 5 * 1e9)) {
            for (int i = 0; i < 1024; i++) {
                uint32_t v = seq[(n + (uint64_t)i) & 4095];
                sink += as_model_step(m, &s, st, v % S_C, v >> 31);
            }
            n += 1024;
        }
        double ns = (double)(s_now_ns() - t0) / (double)n;
        if (ns < best) best = ns;
    }
    if (sink < 0) printf("(impossible)\n");
    free(st);
    as_model_scratch_free(&s);
    return best;
}

/* The CPU clock in MHz (/proc/cpuinfo), NAN when unknown. */
static double s_mhz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    double mhz = NAN;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "cpu MHz : %lf", &mhz) == 1) break;
    if (f) fclose(f);
    return mhz;
}

/* Runs tools/kt/torch_step.py (beside the source tree this program was built from). */
static bool s_torch(double seconds, double *dkt_us, double *dkvmn_us, char *blas, size_t n)
{
    char self[4096], cmd[8400];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) return false;
    self[len] = 0;
    char *slash = strrchr(self, '/');
    if (!slash) return false;
    *slash = 0; /* build/tools/bench */
    const char *script = getenv("ASSAY_TORCH_STEP");
    char path[4200];
    if (!script) {
        snprintf(path, sizeof path, "%s/../../../tools/kt/torch_step.py", self);
        script = path;
    }
    if (access(script, R_OK)) return false;
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' --seconds %g 2>/dev/null", script, seconds);
    FILE *p = popen(cmd, "r");
    char out[8192] = "";
    size_t got = p ? fread(out, 1, sizeof out - 1, p) : 0;
    out[got] = 0;
    if (p) pclose(p);
    char *a = strstr(out, "\"dkt_us\": "), *b = strstr(out, "\"dkvmn_us\": ");
    char *bl = strstr(out, "\"blas\": \"");
    if (!a || !b) return false;
    *dkt_us = atof(a + 10);
    *dkvmn_us = atof(b + 12);
    snprintf(blas, n, "%.*s", bl ? (int)strcspn(bl + 9, "\"") : 1, bl ? bl + 9 : "?");
    return true;
}

int as_bench_models_inprocess(double seconds)
{
    char names[S_C][24];
    const char *p[S_C];
    uint32_t l[S_C];
    s_concepts(names, p, l);
    double mhz = s_mhz(), peak = mhz * 1e6 * 32;
    double ns[2], flops[2];
    const char *label[2] = {"DKT, C 123, H 200", "DKVMN, C 123, D 200, M 50"};
    for (int k = 0; k < 2; k++) {
        as_model_kind_t kind = k ? AS_MODEL_DKVMN : AS_MODEL_DKT;
        size_t len, size;
        as_err_t err;
        uint8_t *f = s_file(kind, 200, 50, &len);
        void *blob = as_model_compile(kind, f, len, p, l, S_C, &size, &err);
        free(f);
        as_model_t m;
        if (!blob || as_model_open(blob, size, &m, &err)) {
            fprintf(stderr, "assay-bench: %s\n", err.msg);
            return 1;
        }
        ns[k] = s_time_steps(&m, seconds);
        flops[k] = s_flops(&m);
        free(blob);
    }
    double t_dkt = NAN, t_dkvmn = NAN;
    char blas[128] = "";
    bool torch = s_torch(seconds * 2, &t_dkt, &t_dkvmn, blas, sizeof blas);
    double torch_us[2] = {t_dkt, t_dkvmn};
    printf("\none model step (predict, then update), one thread, best of 5 passes; PyTorch's "
           "single step (batch 1, one thread) in the same run%s\n\n",
           torch ? "" : ": not available (python3-torch is not installed)");
    printf("| model | assay us/step | PyTorch us/step | assay faster by | FLOP/step | GFLOP/s | "
           "share of one core's peak |\n|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < 2; k++) {
        double gf = flops[k] / ns[k];
        printf("| %s | %.2f | %.1f | %.0fx | %.0f | %.1f | %.0f%% |\n", label[k], ns[k] / 1e3,
               torch_us[k], torch_us[k] / (ns[k] / 1e3), flops[k], gf, 100 * gf * 1e9 / peak);
    }
    printf("\npeak: %.0f MHz x 32 FLOP/cycle (AVX2, two 8-lane FMA units) = %.1f GFLOP/s; "
           "PyTorch's BLAS: %s\n",
           mhz, peak / 1e9, torch ? blas : "-");
    return 0;
}

/* ---- through assayd ---- */

static int s_call(assay_t *a, const char *method, msgpack_sbuffer *sb)
{
    assay_reply_t *r;
    int rc = assay_call(a, method, sb->data, sb->size, 60000, &r);
    if (rc)
        fprintf(stderr, "assay-bench: %s: %s\n", method, r ? assay_reply_message(r) : "timeout");
    assay_reply_free(&r);
    msgpack_sbuffer_clear(sb);
    return rc;
}

/* Submissions of one answer by learners L0..L9999 in turn, 64 in flight, for `seconds` or, with
 * count, that many. */
static int s_submit_rate(const char *data, double seconds, uint64_t count, double *rps,
                         double *p50_us)
{
    assay_t *c;
    if (assay_open(&c, data, NULL)) return 1;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    enum { WINDOW = 64 };
    uint64_t sent_at[WINDOW * 4] = {0}, n = 0, sent = 0;
    static double lat[1 << 20];
    size_t nl = 0;
    uint32_t ids[WINDOW * 4];
    uint64_t t0 = s_now_ns(), end = t0 + (uint64_t)(seconds * 1e9);
    int inflight = 0, rc = 0;
    while (!rc && ((count ? sent < count : s_now_ns() < end) || inflight)) {
        while (inflight < WINDOW && (count ? sent < count : s_now_ns() < end)) {
            msgpack_sbuffer_clear(&sb);
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            char learner[24], q[24];
            snprintf(learner, sizeof learner, "L%u", (unsigned)(sent % 10000));
            snprintf(q, sizeof q, "q%u", (unsigned)(sent * 7919 % S_C));
            msgpack_pack_map(&pk, 3);
            as_pack_cstr(&pk, "assessment");
            as_pack_cstr(&pk, "deepbank");
            as_pack_cstr(&pk, "learner");
            as_pack_cstr(&pk, learner);
            as_pack_cstr(&pk, "answers");
            msgpack_pack_map(&pk, 1);
            as_pack_cstr(&pk, q);
            as_pack_cstr(&pk, sent % 3 ? "1" : "0");
            uint32_t id;
            if (assay_send(c, "response.submit", sb.data, sb.size, &id)) {
                rc = 1;
                break;
            }
            ids[id % (WINDOW * 4)] = id;
            sent_at[id % (WINDOW * 4)] = s_now_ns();
            sent++;
            inflight++;
        }
        assay_reply_t *r;
        if (inflight && (rc = assay_recv(c, 30000, &r))) break;
        if (!inflight) break;
        uint32_t id = assay_reply_msgid(r);
        if (nl < sizeof lat / sizeof *lat && ids[id % (WINDOW * 4)] == id)
            lat[nl++] = (double)(s_now_ns() - sent_at[id % (WINDOW * 4)]) / 1e3;
        assay_reply_free(&r);
        inflight--;
        n++;
    }
    double secs = (double)(s_now_ns() - t0) / 1e9;
    *rps = (double)n / secs;
    qsort(lat, nl, sizeof *lat, as_bench_cmp_double);
    *p50_us = nl ? lat[nl / 2] : NAN;
    msgpack_sbuffer_destroy(&sb);
    assay_close(&c);
    return rc;
}

int as_bench_models(const char *data)
{
    assay_t *a;
    assay_options_t ao = {.admin = true};
    if (assay_open(&a, data, &ao)) return 1;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    for (int i = 0; i < S_C; i++) {
        msgpack_pack_map(&pk, 6);
        char id[24];
        snprintf(id, sizeof id, "skill-%d", i);
        as_pack_cstr(&pk, "id");
        as_pack_cstr(&pk, id);
        const char *k[] = {"prior", "learn", "forget", "guess", "slip"};
        const double v[] = {0.3, 0.1, 0, 0.2, 0.1};
        for (int j = 0; j < 5; j++) {
            as_pack_cstr(&pk, k[j]);
            msgpack_pack_double(&pk, v[j]);
        }
        if (s_call(a, "skill.put", &sb)) return 1;
    }
    msgpack_pack_map(&pk, 2);
    as_pack_cstr(&pk, "id");
    as_pack_cstr(&pk, "deepbank");
    as_pack_cstr(&pk, "items");
    msgpack_pack_array(&pk, S_C);
    for (int i = 0; i < S_C; i++) {
        char id[24], skill[24];
        snprintf(id, sizeof id, "q%d", i);
        snprintf(skill, sizeof skill, "skill-%d", i);
        msgpack_pack_map(&pk, 6);
        as_pack_cstr(&pk, "id");
        as_pack_cstr(&pk, id);
        as_pack_cstr(&pk, "cardinality");
        as_pack_cstr(&pk, "single");
        as_pack_cstr(&pk, "base_type");
        as_pack_cstr(&pk, "identifier");
        as_pack_cstr(&pk, "rule");
        as_pack_cstr(&pk, "match_correct");
        as_pack_cstr(&pk, "correct");
        msgpack_pack_array(&pk, 1);
        as_pack_cstr(&pk, "1");
        as_pack_cstr(&pk, "skills");
        msgpack_pack_array(&pk, 1);
        as_pack_cstr(&pk, skill);
    }
    if (s_call(a, "assessment.put", &sb)) return 1;
    printf("assay-bench models: response.submit of one answer (an item naming one of 123 skills) "
           "by 10,000 learners in turn, 64 in flight, %.0f s each after each learner answered once "
           "(their "
           "states exist), alternating\n\n"
           "| models stepped | round | submissions/s | p50 us |\n|---|---|---|---|\n",
           as_bench_seconds());
    const char *kinds[3] = {NULL, "dkt", "dkvmn"};
    const char *label[3] = {"none (BKT only)", "DKT, H 200", "DKVMN, D 200, M 50"};
    double sum[3] = {0, 0, 0};
    char names[S_C][24];
    const char *p[S_C];
    uint32_t l[S_C];
    s_concepts(names, p, l);
    for (int round = 1; round <= 2; round++)
        for (int k = 0; k < 3; k++) {
            /* exactly the model of this case is stored */
            for (int j = 1; j < 3; j++) {
                msgpack_pack_map(&pk, 1);
                as_pack_cstr(&pk, "id");
                as_pack_cstr(&pk, kinds[j]);
                assay_reply_t *r;
                assay_call(a, "model.delete", sb.data, sb.size, 60000, &r);
                assay_reply_free(&r);
                msgpack_sbuffer_clear(&sb);
            }
            if (kinds[k]) {
                size_t len;
                uint8_t *f = s_file(k == 1 ? AS_MODEL_DKT : AS_MODEL_DKVMN, 200, 50, &len);
                msgpack_pack_map(&pk, 4);
                as_pack_cstr(&pk, "id");
                as_pack_cstr(&pk, kinds[k]);
                as_pack_cstr(&pk, "kind");
                as_pack_cstr(&pk, kinds[k]);
                as_pack_cstr(&pk, "weights");
                msgpack_pack_bin(&pk, len);
                msgpack_pack_bin_body(&pk, f, len);
                free(f);
                as_pack_cstr(&pk, "concepts");
                msgpack_pack_array(&pk, S_C);
                for (int i = 0; i < S_C; i++)
                    as_pack_cstr(&pk, names[i]);
                if (s_call(a, "model.put", &sb)) return 1;
            }
            double rps, p50;
            /* first every learner answers once (their states are created), then the rate */
            if (s_submit_rate(data, 0, 10000, &rps, &p50) ||
                s_submit_rate(data, as_bench_seconds(), 0, &rps, &p50))
                return 1;
            printf("| %s | %d | %.0f | %.0f |\n", label[k], round, rps, p50);
            fflush(stdout);
            sum[k] += rps;
        }
    printf("\nwith DKT / without: %.2f; with DKVMN / without: %.2f (target: DKT at least "
           "10,000 submissions/s)\n",
           sum[1] / sum[0], sum[2] / sum[0]);
    msgpack_sbuffer_destroy(&sb);
    assay_close(&a);
    return as_bench_models_inprocess(as_bench_seconds());
}
