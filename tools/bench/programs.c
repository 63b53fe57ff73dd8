/* programs.c — assay-bench programs: what custom response processing costs against the standard
 * templates, through assayd (as_bench_programs) and in this process. The 50-item custom assessment
 * cycles four typical programs (a condition over two responses, a sum with a floor, a lookup table
 * over a distance, a rounded numeric comparison); the template one is the bench assessment
 * (payload.c). Both are scored in this process by the engine's scorer (no sockets: the cost of
 * scoring alone) and, by bench.c, through assayd. */
#include "bench_programs.h"

#include "assay.h"

#include "codec.h"
#include "jsonmp.h"
#include "payload.h"
#include "table.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_BV(t, v) "{\"baseValue\":{\"baseType\":\"" t "\",\"value\":" v "}}"
#define S_SET(e)   "{\"setOutcomeValue\":{\"identifier\":\"SCORE\",\"expression\":" e "}}"

/* Item i of the custom assessment (kind i % 4), as JSON. */
static void s_item(char *out, size_t n, int i)
{
    const char *id1 = "{\"id\":\"A\",\"cardinality\":\"single\",\"base_type\":\"identifier\","
                      "\"correct\":[\"B\"]},{\"id\":\"B\",\"cardinality\":\"single\","
                      "\"base_type\":\"identifier\",\"correct\":[\"C\"]}";
    switch (i % 4) {
    case 0: /* both parts right 2, one right 1 */
        snprintf(out, n,
                 "{\"id\":\"q%02d\",\"responses\":[%s],\"outcomes\":[{\"id\":\"SCORE\","
                 "\"base_type\":\"float\",\"normal_maximum\":2}],\"response_processing\":["
                 "{\"responseCondition\":{\"if\":{\"condition\":{\"and\":[{\"match\":["
                 "{\"variable\":\"A\"},{\"correct\":\"A\"}]},{\"match\":[{\"variable\":\"B\"},"
                 "{\"correct\":\"B\"}]}]},\"then\":[" S_SET(S_BV(
                     "float",
                     "2")) "]},"
                           "\"else_if\":[{\"condition\":{\"or\":[{\"match\":[{\"variable\":\"A\"},"
                           "{\"correct\":\"A\"}]},{\"match\":[{\"variable\":\"B\"},{\"correct\":"
                           "\"B\"}]}]},"
                           "\"then\":[" S_SET(S_BV("float", "1")) "]}]}}]}",
                 i + 1, id1);
        return;
    case 1: /* mapped choices minus a quarter per choice, not below 0 */
        snprintf(out, n,
                 "{\"id\":\"q%02d\",\"responses\":[{\"id\":\"R\",\"cardinality\":\"multiple\","
                 "\"base_type\":\"identifier\",\"mapping\":{\"entries\":[{\"key\":\"A\","
                 "\"value\":1},{\"key\":\"C\",\"value\":1}]}}],\"outcomes\":[{\"id\":\"SCORE\","
                 "\"base_type\":\"float\",\"normal_maximum\":2}],\"response_processing\":["
                 "{\"responseCondition\":{\"if\":{\"condition\":{\"not\":[{\"isNull\":["
                 "{\"variable\":\"R\"}]}]},\"then\":[" S_SET(
                     "{\"max\":[{\"sum\":[{\"mapResponse\":\"R\"},{\"product\":[{\"containerSize\":"
                     "[{\"variable\":\"R\"}]}," S_BV("float", "-0.25") "]}]}," S_BV(
                         "float", "0") "]}") "]}}}]}",
                 i + 1);
        return;
    case 2: /* the distance to 42 looked up: 0 full, within 2 half, else 0 */
        snprintf(out, n,
                 "{\"id\":\"q%02d\",\"responses\":[{\"id\":\"R\",\"cardinality\":\"single\","
                 "\"base_type\":\"integer\",\"correct\":[42]}],\"outcomes\":[{\"id\":\"SCORE\","
                 "\"base_type\":\"float\",\"normal_maximum\":1,\"interpolation_table\":{"
                 "\"entries\":[{\"source_value\":3,\"target_value\":0},{\"source_value\":1,"
                 "\"target_value\":0.5},{\"source_value\":0,\"target_value\":1}]}}],"
                 "\"response_processing\":[{\"lookupOutcomeValue\":{\"identifier\":\"SCORE\","
                 "\"expression\":{\"mathOperator\":{\"name\":\"abs\",\"args\":[{\"subtract\":["
                 "{\"variable\":\"R\"},{\"correct\":\"R\"}]}]}}}}]}",
                 i + 1);
        return;
    default: /* pi to two decimals */
        snprintf(out, n,
                 "{\"id\":\"q%02d\",\"responses\":[{\"id\":\"R\",\"cardinality\":\"single\","
                 "\"base_type\":\"float\"}],\"outcomes\":[{\"id\":\"SCORE\",\"base_type\":"
                 "\"float\",\"normal_maximum\":1}],\"response_processing\":[{\"responseCondition\":"
                 "{\"if\":{\"condition\":{\"equalRounded\":{\"roundingMode\":\"decimalPlaces\","
                 "\"figures\":2,\"args\":[{\"variable\":\"R\"}," S_BV(
                     "float", "3.14159") "]}},"
                                         "\"then\":[" S_SET(S_BV("float", "1")) "]}}}]}",
                 i + 1);
        return;
    }
}

int as_bench_pack_custom_definition(msgpack_packer *pk, const char *did)
{
    size_t cap = 1 << 20, used = 0;
    char *text = malloc(cap);
    if (!text) return -1;
    used += (size_t)snprintf(text, cap, "{\"id\":\"%s\",\"title\":\"50 custom items\",\"items\":[",
                             did);
    for (int i = 0; i < AS_BENCH_ITEMS; i++) {
        char item[4096];
        s_item(item, sizeof item, i);
        used += (size_t)snprintf(text + used, cap - used, "%s%s", i ? "," : "", item);
    }
    snprintf(text + used, cap - used, "]}");
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);
    free(text);
    if (!j) {
        fprintf(stderr, "assay-bench: the custom definition is not JSON: %s\n", e.text);
        return -1;
    }
    int rc = as_json_pack(pk, j);
    json_decref(j);
    return rc;
}

void as_bench_pack_custom_answers(msgpack_packer *pk)
{
    static const char *const opts[] = {"A", "B", "C", "D"};
    char id[8];
    msgpack_pack_map(pk, AS_BENCH_ITEMS);
    for (int i = 0; i < AS_BENCH_ITEMS; i++) {
        snprintf(id, sizeof id, "q%02d", i + 1);
        as_pack_cstr(pk, id);
        switch (i % 4) {
        case 0:
            msgpack_pack_map(pk, 2);
            as_pack_cstr(pk, "A");
            as_pack_cstr(pk, opts[as_bench_rand() % 4]);
            as_pack_cstr(pk, "B");
            as_pack_cstr(pk, opts[as_bench_rand() % 4]);
            break;
        case 1: {
            uint32_t k = 1 + as_bench_rand() % 3;
            msgpack_pack_array(pk, k);
            for (uint32_t j = 0; j < k; j++)
                as_pack_cstr(pk, opts[as_bench_rand() % 4]);
            break;
        }
        case 2:
            msgpack_pack_int64(pk, 38 + (int64_t)(as_bench_rand() % 9));
            break;
        default:
            msgpack_pack_double(pk, 3.13 + 0.005 * (as_bench_rand() % 4));
        }
    }
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ns per response of as_score_answers over `n` prepared answer maps, best of `rounds`. */
static double s_time(as_scorer_t *sc, const as_table_t *t, msgpack_sbuffer *answers, int n,
                     double seconds)
{
    double best = 1e30, stop = s_now() + seconds;
    do {
        double t0 = s_now();
        for (int i = 0; i < n; i++) {
            as_mp_t r;
            as_mp_init(&r, answers[i].data, answers[i].size);
            as_path_t path;
            as_path_init(&path, "answers");
            double total;
            if (as_score_answers(sc, t, &r, &path, &total, NULL, NULL)) return -1;
        }
        double per = (s_now() - t0) / n * 1e9;
        if (per < best) best = per;
    } while (s_now() < stop);
    return best;
}

static int s_compile(msgpack_sbuffer *def, as_compiled_t *c, as_table_t *t)
{
    as_err_t err;
    if (as_table_compile((const uint8_t *)def->data, def->size, c, &err) ||
        as_table_open(c->blob, c->size, t, &err)) {
        fprintf(stderr, "assay-bench: %s\n", err.msg);
        return -1;
    }
    return 0;
}

int as_bench_programs_inprocess(double seconds)
{
    enum { N = 1000 };
    msgpack_sbuffer def[2], *ans[2];
    as_compiled_t c[2];
    as_table_t t[2];
    for (int k = 0; k < 2; k++) {
        msgpack_sbuffer_init(&def[k]);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &def[k], msgpack_sbuffer_write);
        if (k == 0)
            as_bench_pack_definition(&pk, "bench50", 1);
        else if (as_bench_pack_custom_definition(&pk, "custom50"))
            return 1;
        if (s_compile(&def[k], &c[k], &t[k])) return 1;
        ans[k] = calloc(N, sizeof(msgpack_sbuffer));
        for (int i = 0; i < N; i++) {
            msgpack_sbuffer_init(&ans[k][i]);
            msgpack_packer_init(&pk, &ans[k][i], msgpack_sbuffer_write);
            if (k == 0)
                as_bench_pack_answers(&pk);
            else
                as_bench_pack_custom_answers(&pk);
        }
    }
    as_scorer_t *sc = as_scorer_new();
    double ns[2][3];
    for (int rep = 0; rep < 3; rep++) /* alternating, so both see the same machine */
        for (int k = 0; k < 2; k++)
            ns[k][rep] = s_time(sc, &t[k], ans[k], N, seconds / 6);
    printf("\nscoring alone, in this process (as_score_answers, one thread, best pass over %d "
           "answer maps; three alternating rounds):\n\n",
           N);
    printf("| assessment | round 1 ns/response | round 2 | round 3 | ns per item "
           "|\n|---|---|---|---|---|\n");
    const char *names[2] = {"50 template items (40 match_correct, 10 map_response)",
                            "50 custom programs (4 kinds, 2 responses in 13)"};
    for (int k = 0; k < 2; k++)
        printf("| %s | %.0f | %.0f | %.0f | %.1f |\n", names[k], ns[k][0], ns[k][1], ns[k][2],
               (ns[k][0] < ns[k][1] ? (ns[k][0] < ns[k][2] ? ns[k][0] : ns[k][2])
                                    : (ns[k][1] < ns[k][2] ? ns[k][1] : ns[k][2])) /
                   AS_BENCH_ITEMS);
    printf("\ncustom / template per response: %.2fx, %.2fx, %.2fx (target: at most 2x)\n",
           ns[1][0] / ns[0][0], ns[1][1] / ns[0][1], ns[1][2] / ns[0][2]);
    as_scorer_destroy(&sc);
    for (int k = 0; k < 2; k++) {
        free(c[k].blob);
        msgpack_sbuffer_destroy(&def[k]);
        for (int i = 0; i < N; i++)
            msgpack_sbuffer_destroy(&ans[k][i]);
        free(ans[k]);
    }
    return 0;
}

/* assay-bench programs: score at 64 in flight through assayd for the template and the custom
 * 50-item assessments, alternating, then the scorer alone in this process. */
int as_bench_programs(const char *data)
{
    const char *ids[2] = {"bench50", "custom50"};
    msgpack_sbuffer req[2];
    assay_t *admin;
    assay_options_t ao = {.admin = true};
    if (assay_open(&admin, data, &ao)) return 1;
    for (int k = 0; k < 2; k++) {
        msgpack_sbuffer def;
        msgpack_packer pk;
        msgpack_sbuffer_init(&def);
        msgpack_packer_init(&pk, &def, msgpack_sbuffer_write);
        if (k == 0)
            as_bench_pack_definition(&pk, ids[k], 1);
        else
            as_bench_pack_custom_definition(&pk, ids[k]);
        assay_reply_t *r;
        if (assay_call(admin, "assessment.put", def.data, def.size, 5000, &r)) {
            fprintf(stderr, "assay-bench: cannot store %s: %s\n", ids[k],
                    r ? assay_reply_message(r) : "timeout");
            return 1;
        }
        assay_reply_free(&r);
        msgpack_sbuffer_destroy(&def);
        msgpack_sbuffer_init(&req[k]);
        msgpack_packer_init(&pk, &req[k], msgpack_sbuffer_write);
        msgpack_pack_map(&pk, 2);
        as_pack_cstr(&pk, "assessment");
        as_pack_cstr(&pk, ids[k]);
        as_pack_cstr(&pk, "answers");
        if (k == 0)
            as_bench_pack_answers(&pk);
        else
            as_bench_pack_custom_answers(&pk);
    }
    assay_close(&admin);
    printf(
        "assay-bench programs: score at 64 in flight through assayd, %.0f s each, "
        "alternating\n\n| assessment | round | req/s | p50 us | p99 us |\n|---|---|---|---|---|\n",
        as_bench_seconds());
    double rate[2] = {0, 0};
    for (int round = 1; round <= 2; round++)
        for (int k = 0; k < 2; k++) {
            as_bench_result_t res;
            if (as_bench_load(data, "score", req[k].data, req[k].size, 64, &res)) return 1;
            printf("| %s | %d | %.0f | %.0f | %.0f |\n", ids[k], round, res.rps, res.p50_us,
                   res.p99_us);
            rate[k] += res.rps;
        }
    printf("\nthrough the engine, custom / template request rate: %.2f\n", rate[1] / rate[0]);
    for (int k = 0; k < 2; k++)
        msgpack_sbuffer_destroy(&req[k]);
    return as_bench_programs_inprocess(as_bench_seconds() * 2);
}
