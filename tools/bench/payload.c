/* payload.c — the bench assessment and its answers (payload.h). */
#include "payload.h"

#include <time.h>

#include "assay.h"
#include "codec.h"

#include <stdbool.h>
#include <stdio.h>

static uint64_t s_rng = 88172645463325252ull;

uint32_t as_bench_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t)s_rng;
}

void as_bench_pack_answers(msgpack_packer *pk)
{
    char id[8];
    msgpack_pack_map(pk, AS_BENCH_ITEMS);
    for (int i = 0; i < AS_BENCH_ITEMS; i++) {
        snprintf(id, sizeof id, "q%02d", i + 1);
        as_pack_cstr(pk, id);
        char opt[2] = {(char)('A' + as_bench_rand() % 4), 0};
        as_pack_cstr(pk, opt);
    }
}

void as_bench_pack_definition(msgpack_packer *pk, const char *did, int variant)
{
    as_bench_pack_exam(pk, did, variant, 0, 0);
}

int as_bench_put_definition(assay_t *admin, const char *id, int variant)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    as_bench_pack_definition(&pk, id, variant);
    assay_reply_t *r;
    int rc = assay_call(admin, "assessment.put", sb.data, sb.size, 10000, &r);
    if (rc)
        fprintf(stderr, "assay-bench: assessment.put %s: %s\n", id,
                r ? assay_reply_message(r) : assay_strerror(rc));
    assay_reply_free(&r);
    msgpack_sbuffer_destroy(&sb);
    return rc ? 1 : 0;
}

void as_bench_pack_exam(msgpack_packer *pk, const char *did, int variant, uint32_t time_limit_s,
                        uint32_t grace_s)
{
    char id[8];
    int shift = variant == 2 ? 1 : 0;
    msgpack_pack_map(pk, time_limit_s ? 5 : 3);
    as_pack_cstr(pk, "id");
    as_pack_cstr(pk, did);
    as_pack_cstr(pk, "title");
    as_pack_cstr(pk, "50 items, 4 options");
    if (time_limit_s) {
        as_pack_cstr(pk, "time_limit_s");
        msgpack_pack_uint32(pk, time_limit_s);
        as_pack_cstr(pk, "grace_s");
        msgpack_pack_uint32(pk, grace_s);
    }
    as_pack_cstr(pk, "items");
    msgpack_pack_array(pk, AS_BENCH_ITEMS);
    for (int i = 0; i < AS_BENCH_ITEMS; i++) {
        snprintf(id, sizeof id, "q%02d", i + 1);
        if (variant == 3 && i == AS_BENCH_ITEMS - 1) { /* an essay: its answer, any string */
            msgpack_pack_map(pk, 2);
            as_pack_cstr(pk, "id");
            as_pack_cstr(pk, id);
            as_pack_cstr(pk, "graded");
            msgpack_pack_map(pk, 1);
            as_pack_cstr(pk, "max");
            msgpack_pack_uint32(pk, 4);
            continue;
        }
        bool mapped = i % 5 == 4; /* every fifth item partial credit, the rest match_correct */
        msgpack_pack_map(pk, 5);
        as_pack_cstr(pk, "id");
        as_pack_cstr(pk, id);
        as_pack_cstr(pk, "cardinality");
        as_pack_cstr(pk, "single");
        as_pack_cstr(pk, "base_type");
        as_pack_cstr(pk, "identifier");
        as_pack_cstr(pk, "rule");
        as_pack_cstr(pk, mapped ? "map_response" : "match_correct");
        if (mapped) {
            as_pack_cstr(pk, "mapping");
            msgpack_pack_map(pk, 1);
            as_pack_cstr(pk, "entries");
            msgpack_pack_array(pk, 4);
            for (int o = 0; o < 4; o++) {
                char opt[2] = {(char)('A' + o), 0};
                msgpack_pack_map(pk, 2);
                as_pack_cstr(pk, "key");
                as_pack_cstr(pk, opt);
                as_pack_cstr(pk, "value");
                msgpack_pack_double(pk, o == (i + shift) % 4       ? 1.0
                                        : o == (i + shift + 1) % 4 ? 0.5
                                                                   : 0);
            }
        } else {
            as_pack_cstr(pk, "correct");
            msgpack_pack_array(pk, 1);
            char opt[2] = {(char)('A' + (i + shift) % 4), 0};
            as_pack_cstr(pk, opt);
        }
    }
}

int as_bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int as_bench_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t as_bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
