/* test_report.c — item analysis from sufficient statistics (report.c) agrees with the figures
 * computed from scratch, including after attempts are replaced (subtracted). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "report.h"
#include "report_ref.h"

#include <stdlib.h>
#include <string.h>

#define K 4
#define N 6

static const double s_max[K] = {1, 1, 2, 3};

/* The latest attempts of 6 learners on 4 items (0 with answered 0 is an omitted item). */
static const double s_x[N][K] = {
    {1, 1, 2, 3}, {1, 0, 1, 2}, {0, 0, 0, 1}, {1, 1, 2, 1}, {0, 1, 1, 0}, {1, 0, 2, 3},
};
static const unsigned char s_answered[N][K] = {
    {1, 1, 1, 1}, {1, 1, 1, 1}, {1, 0, 0, 1}, {1, 1, 1, 1}, {0, 1, 1, 1}, {1, 1, 1, 1},
};

/* Decodes the packed report into a map object. */
static msgpack_object s_report(const as_stats_sums_t *s, msgpack_zone *z, msgpack_sbuffer *sb,
                               const as_total_count_t *totals, size_t nt)
{
    static const char *ids[K] = {"a", "b", "c", "d"};
    static const uint32_t lens[K] = {1, 1, 1, 1};
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, AS_REPORT_PAIRS);
    as_report_pack(&pk, s, ids, lens, s_max, 7, totals, nt, 7);
    msgpack_object o;
    size_t off = 0;
    assert_int_equal(msgpack_unpack(sb->data, sb->size, &off, z, &o), MSGPACK_UNPACK_SUCCESS);
    return o;
}

static const msgpack_object *s_get(const msgpack_object *map, const char *key)
{
    for (uint32_t i = 0; i < map->via.map.size; i++)
        if (map->via.map.ptr[i].key.via.str.size == strlen(key) &&
            memcmp(map->via.map.ptr[i].key.via.str.ptr, key, strlen(key)) == 0)
            return &map->via.map.ptr[i].val;
    fail_msg("no %s", key);
    return NULL;
}

static void s_near(const msgpack_object *o, double want)
{
    assert_int_equal(o->type, MSGPACK_OBJECT_FLOAT64);
    if (fabs(o->via.f64 - want) > 1e-12) fail_msg("%.17g != %.17g", o->via.f64, want);
}

/* The total of an attempt: the sum of its item scores (no outcome processing here). */
static double s_total(const double *x)
{
    double t = 0;
    for (int i = 0; i < K; i++)
        t += x[i];
    return t;
}

static void incremental_figures_match_the_from_scratch_computation(void **state)
{
    as_stats_sums_t *s = calloc(1, as_stats_sums_size(K));
    s->k = K;
    /* learner 2 first answered everything wrong, then improved: the old attempt is replaced */
    const double first[K] = {0, 0, 0, 0};
    const unsigned char all[K] = {1, 1, 1, 1};
    as_stats_sums_apply(s, first, all, 0, +1);
    for (int l = 0; l < N; l++)
        as_stats_sums_apply(s, s_x[l], s_answered[l], s_total(s_x[l]), +1);
    as_stats_sums_apply(s, first, all, 0, -1);
    assert_int_equal(s->n, N);

    ref_report_t ref;
    ref_report(&s_x[0][0], &s_answered[0][0], N, K, s_max, &ref);
    /* totals 7, 4, 1, 5, 2, 6 */
    const as_total_count_t totals[] = {{1, 1}, {2, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1}};
    msgpack_zone z;
    msgpack_zone_init(&z, 4096);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_object o = s_report(s, &z, &sb, totals, 6);
    assert_int_equal(s_get(&o, "n")->via.u64, N);
    s_near(s_get(&o, "mean"), ref.mean);
    s_near(s_get(&o, "sd"), ref.sd);
    s_near(s_get(&o, "min"), 1);
    s_near(s_get(&o, "max"), 7);
    s_near(s_get(&o, "alpha"), ref.alpha);
    const msgpack_object *items = s_get(&o, "items");
    for (int i = 0; i < K; i++) {
        const msgpack_object *it = &items->via.array.ptr[i];
        s_near(s_get(it, "mean"), ref.item_mean[i]);
        s_near(s_get(it, "p_value"), ref.p_value[i]);
        s_near(s_get(it, "discrimination"), ref.discrimination[i]);
        s_near(s_get(it, "omitted_rate"), ref.omitted_rate[i]);
    }
    /* histogram: 7 bins of width 1 over [0, 7]; the last includes 7 */
    const msgpack_object *h = s_get(&o, "histogram");
    assert_int_equal(h->via.array.size, 7);
    const uint64_t want[7] = {0, 1, 1, 0, 1, 1, 2};
    for (int b = 0; b < 7; b++)
        assert_int_equal(s_get(&h->via.array.ptr[b], "count")->via.u64, want[b]);
    msgpack_sbuffer_destroy(&sb);
    msgpack_zone_destroy(&z);
    free(s);
}

static void undefined_figures_are_nil(void **state)
{
    as_stats_sums_t *s = calloc(1, as_stats_sums_size(K));
    s->k = K;
    as_stats_sums_apply(s, s_x[0], s_answered[0], s_total(s_x[0]), +1); /* one learner */
    msgpack_zone z;
    msgpack_zone_init(&z, 4096);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    const as_total_count_t totals[] = {{7, 1}};
    msgpack_object o = s_report(s, &z, &sb, totals, 1);
    assert_int_equal(s_get(&o, "sd")->type, MSGPACK_OBJECT_NIL);
    assert_int_equal(s_get(&o, "alpha")->type, MSGPACK_OBJECT_NIL);
    s_near(s_get(&o, "mean"), 7);
    assert_int_equal(s_get(&s_get(&o, "items")->via.array.ptr[0], "discrimination")->type,
                     MSGPACK_OBJECT_NIL);
    msgpack_sbuffer_destroy(&sb);
    msgpack_zone_destroy(&z);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(incremental_figures_match_the_from_scratch_computation),
        cmocka_unit_test(undefined_figures_are_nil),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
