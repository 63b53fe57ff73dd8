/* test_agreement.c — agreement statistics (engine/grading/agreement.c) against the published
 * worked examples and against references computed here from first principles, with missing
 * grades; counts kept as grades are revised equal counts built from the final grades. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "agree_ref.h"
#include "agreement.h"
#include "agreement_counts.h"
#include <stdio.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#define S_NONE AGREE_REF_NONE

/* Units' grades by rater, [unit][rater]; adds every unit to a. */
static void s_add_units(as_agree_t *a, const uint16_t *g, int units, int raters)
{
    for (int u = 0; u < units; u++) {
        uint16_t given[16];
        uint32_t n = 0;
        for (int r = 0; r < raters; r++)
            if (g[u * raters + r] != S_NONE) given[n++] = g[u * raters + r];
        assert_int_equal(as_agree_unit(a, NULL, 0, given, n), 0);
    }
}

/* Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
 * twelve units, values 1-5, missing grades; the paper gives alpha 0.743 (nominal), 0.815
 * (ordinal), 0.849 (interval). */
static const uint16_t s_paper[12 * 4] = {
#define X S_NONE
    1, 1, X, 1, 2, 2, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 2, 3, 4,
    4, 4, 4, 4, 1, 1, 2, 1, 2, 2, 2, 2, X, 5, 5, 5, X, X, 1, 1, X, 3, X, X,
#undef X
};

static void alpha_gives_the_published_worked_example(void **state)
{
    (void)state;
    as_agree_t a;
    as_agree_init(&a, 6); /* points 0..5; 0 never given */
    s_add_units(&a, s_paper, 12, 4);
    const double values[6] = {0, 1, 2, 3, 4, 5};
    as_alpha_t al;
    as_agree_alpha(&a, values, &al);
    assert_int_equal(al.pairable, 40); /* unit 12's one grade is not pairable */
    assert_true(round(al.nominal * 1000) == 743);
    assert_true(round(al.ordinal * 1000) == 815);
    assert_true(round(al.interval * 1000) == 849);
    for (int t = 0; t < 3; t++) {
        double want = agree_ref_alpha(s_paper, 12, 4, t);
        double got = t == 0 ? al.nominal : t == 1 ? al.ordinal : al.interval;
        assert_true(fabs(got - want) < 1e-12);
    }
    as_agree_clear(&a);
}

/* A fixed pseudo-random sequence (the gate gives the same grades on every run). */
static uint32_t s_rand(uint32_t *x)
{
    *x = *x * 1664525u + 1013904223u;
    return *x >> 8;
}

static void alpha_with_missing_grades_equals_its_definition(void **state)
{
    (void)state;
    enum { UNITS = 200, RATERS = 5, POINTS = 7 };
    static uint16_t g[UNITS * RATERS];
    uint32_t x = 2026;
    for (int u = 0; u < UNITS; u++) {
        int truth = (int)(s_rand(&x) % POINTS);
        for (int r = 0; r < RATERS; r++) {
            int off = (int)(s_rand(&x) % 5) - 2;
            int v = truth + (off == 2 ? 0 : off / 2 * (int)(s_rand(&x) % 2));
            v = v < 0 ? 0 : v >= POINTS ? POINTS - 1 : v;
            g[u * RATERS + r] = s_rand(&x) % 3 == 0 ? S_NONE : (uint16_t)v; /* a third missing */
        }
    }
    as_agree_t a;
    as_agree_init(&a, POINTS);
    s_add_units(&a, g, UNITS, RATERS);
    double values[POINTS];
    for (int i = 0; i < POINTS; i++)
        values[i] = i;
    as_alpha_t al;
    as_agree_alpha(&a, values, &al);
    for (int t = 0; t < 3; t++) {
        double want = agree_ref_alpha(g, UNITS, RATERS, t);
        double got = t == 0 ? al.nominal : t == 1 ? al.ordinal : al.interval;
        assert_true(fabs(got - want) < 1e-9);
    }
    assert_true(al.interval > 0.5 && al.interval < 1); /* (raters who mostly agree) */
    as_agree_clear(&a);
}

static void revised_grades_keep_the_counts_a_fresh_count_would_give(void **state)
{
    (void)state;
    /* three units graded, then grades revised, added and withdrawn */
    as_agree_t kept, fresh;
    as_agree_init(&kept, 4);
    as_agree_init(&fresh, 4);
    const uint16_t u1a[] = {1, 2}, u1b[] = {1, 3}, u2a[] = {0}, u2b[] = {0, 0, 3}, u3a[] = {2, 2},
                   u3b[] = {2};
    assert_int_equal(as_agree_unit(&kept, NULL, 0, u1a, 2), 0);
    assert_int_equal(as_agree_unit(&kept, NULL, 0, u2a, 1), 0);
    assert_int_equal(as_agree_unit(&kept, NULL, 0, u3a, 2), 0);
    assert_int_equal(as_agree_unit(&kept, u1a, 2, u1b, 2), 0);
    assert_int_equal(as_agree_unit(&kept, u2a, 1, u2b, 3), 0);
    assert_int_equal(as_agree_unit(&kept, u3a, 2, u3b, 1), 0);
    assert_int_equal(as_agree_unit(&fresh, NULL, 0, u1b, 2), 0);
    assert_int_equal(as_agree_unit(&fresh, NULL, 0, u2b, 3), 0);
    assert_int_equal(as_agree_unit(&fresh, NULL, 0, u3b, 1), 0);
    /* the same counts for every size present in the fresh one; none left elsewhere */
    for (uint32_t i = 0; i < kept.n_sizes; i++) {
        int j = -1;
        for (uint32_t k = 0; k < fresh.n_sizes; k++)
            if (fresh.sizes[k] == kept.sizes[i]) j = (int)k;
        for (int c = 0; c < 16; c++)
            assert_true(kept.pairs[i][c] == (j < 0 ? 0 : fresh.pairs[j][c]));
    }
    const double values[4] = {0, 1, 2, 3};
    as_alpha_t ak, af;
    as_agree_alpha(&kept, values, &ak);
    as_agree_alpha(&fresh, values, &af);
    assert_memory_equal(&ak, &af, sizeof ak);
    assert_int_equal(ak.pairable, 5);
    as_agree_clear(&kept);
    as_agree_clear(&fresh);
}

static void shares_count_each_pair_of_one_units_grades_once(void **state)
{
    (void)state;
    as_agree_t a;
    as_agree_init(&a, 5);
    const uint16_t u1[] = {1, 1, 2}, u2[] = {0, 4}, u3[] = {3};
    assert_int_equal(as_agree_unit(&a, NULL, 0, u1, 3), 0);
    assert_int_equal(as_agree_unit(&a, NULL, 0, u2, 2), 0);
    assert_int_equal(as_agree_unit(&a, NULL, 0, u3, 1), 0);
    as_pairs_t p;
    as_agree_shares(&a, &p);
    assert_int_equal(p.pairs, 4);    /* (1,1) (1,2) (1,2) (0,4) */
    assert_true(p.exact == 0.25);    /* (1,1) */
    assert_true(p.adjacent == 0.75); /* and the two (1,2) */
    as_agree_clear(&a);
}

static void cohens_kappa_gives_the_textbook_example(void **state)
{
    (void)state;
    /* two readers of 50 proposals: yes/yes 20, yes/no 5, no/yes 10, no/no 15 (p_o 0.7, p_e 0.5) */
    const uint64_t m[4] = {15, 10, 5, 20}; /* [reader a][reader b], 0 = no, 1 = yes */
    as_pair_stats_t s;
    as_agree_pair(m, 2, &s);
    assert_int_equal(s.n, 50);
    assert_true(fabs(s.exact - 0.7) < 1e-15);
    assert_true(fabs(s.kappa - 0.4) < 1e-12);
    assert_true(s.adjacent == 1.0);
}

static void weighted_kappa_equals_its_definition(void **state)
{
    (void)state;
    /* 300 units two raters graded on 0..4: observed mean squared difference of their grades
     * over the mean over every pairing of one's grade with the other's */
    enum { N = 300, M = 5 };
    int a[N], b[N];
    uint64_t conf[M * M] = {0};
    uint32_t x = 7;
    for (int i = 0; i < N; i++) {
        a[i] = (int)(s_rand(&x) % M);
        int d = (int)(s_rand(&x) % 3) - 1;
        b[i] = a[i] + d < 0 ? 0 : a[i] + d >= M ? M - 1 : a[i] + d;
        conf[a[i] * M + b[i]]++;
    }
    double kappa, qwk;
    agree_ref_kappa(a, b, N, M, &kappa, &qwk);
    as_pair_stats_t s;
    as_agree_pair(conf, M, &s);
    assert_int_equal(s.n, N);
    assert_true(fabs(s.qwk - qwk) < 1e-12);
    assert_true(fabs(s.kappa - kappa) < 1e-12);
    assert_true(s.qwk >
                s.kappa); /* (their disagreements are one step: weighted, they count less) */
}

static void undefined_figures_are_nan(void **state)
{
    (void)state;
    as_agree_t a;
    as_agree_init(&a, 3);
    const double values[3] = {0, 1, 2};
    as_alpha_t al;
    as_agree_alpha(&a, values, &al); /* no pairs */
    assert_true(isnan(al.nominal) && isnan(al.ordinal) && isnan(al.interval));
    as_pairs_t p;
    as_agree_shares(&a, &p);
    assert_true(p.pairs == 0 && isnan(p.exact) && isnan(p.adjacent));
    const uint16_t same[] = {1, 1};
    assert_int_equal(as_agree_unit(&a, NULL, 0, same, 2), 0);
    assert_int_equal(as_agree_unit(&a, NULL, 0, same, 2), 0);
    as_agree_alpha(&a, values, &al); /* every grade the same: no expected disagreement */
    assert_true(isnan(al.nominal) && isnan(al.interval));
    as_pair_stats_t s;
    const uint64_t one_value[4] = {0, 0, 0, 9};
    as_agree_pair(one_value, 2, &s);
    assert_true(isnan(s.kappa) && isnan(s.qwk) && s.exact == 1);
    const uint64_t none[4] = {0};
    as_agree_pair(none, 2, &s);
    assert_true(s.n == 0 && isnan(s.exact) && isnan(s.kappa));
    as_agree_clear(&a);
}

static void a_grade_off_the_scale_or_counts_never_added_are_refused(void **state)
{
    (void)state;
    as_agree_t a;
    as_agree_init(&a, 3);
    const uint16_t off[] = {1, 3}, pair[] = {0, 2};
    assert_int_equal(as_agree_unit(&a, NULL, 0, off, 2), -1);
    assert_int_equal(as_agree_unit(&a, pair, 2, NULL, 0), -1); /* (never added) */
    assert_int_equal(a.n_sizes, 0);
    as_agree_clear(&a);
}

/* ---- agreement_counts.c: the counts as a store keeps them ---- */

/* A store of counts in memory: key -> vector, added to as as_agree_change emits. */
typedef struct {
    char key[64][AS_AGREE_KEY_MAX];
    uint32_t klen[64], n[64];
    int64_t v[64][16];
    int keys;
} s_counts_t;

static int s_emit(void *arg, const char *key, uint32_t klen, const int64_t *delta, uint32_t n)
{
    s_counts_t *c = arg;
    int i = 0;
    while (i < c->keys && (c->klen[i] != klen || memcmp(c->key[i], key, klen) != 0))
        i++;
    if (i == c->keys) {
        assert_true(c->keys < 64 && n <= 16);
        memcpy(c->key[i], key, klen);
        c->klen[i] = klen;
        c->n[i] = n;
        memset(c->v[i], 0, sizeof c->v[i]);
        c->keys++;
    }
    assert_int_equal(c->n[i], n);
    for (uint32_t x = 0; x < n; x++)
        c->v[i][x] += delta[x];
    return 0;
}

static void grade_changes_keep_the_counts_that_the_final_grades_give(void **state)
{
    (void)state;
    /* 400 grades (new ones and revisions) of 30 answers by three people and a judge, on 4
     * points, then every count read back against the statistics of the final grades */
    enum { UNITS = 30, RATERS = 4, M = 4 };
    static const char *const raters[RATERS] = {"ann", "bob", "cy", "auto:j"};
    static s_counts_t store;
    static as_agree_scratch_t scratch;
    memset(&store, 0, sizeof store);
    uint16_t g[UNITS][RATERS];
    memset(g, 0xff, sizeof g);
    uint32_t x = 99;
    for (int e = 0; e < 400; e++) {
        int u = (int)(s_rand(&x) % UNITS), r = (int)(s_rand(&x) % RATERS);
        uint16_t v = (uint16_t)(s_rand(&x) % M);
        scratch.n = 0;
        for (int k = 0; k < RATERS; k++)
            if (g[u][k] != S_NONE) {
                as_unit_grade_t *ug = &scratch.grades[scratch.n++];
                ug->len = (uint32_t)strlen(raters[k]);
                memcpy(ug->rater, raters[k], ug->len);
                ug->grade = g[u][k];
            }
        assert_int_equal(
            as_agree_change(&scratch, M, raters[r], (uint32_t)strlen(raters[r]), v, s_emit, &store),
            0);
        g[u][r] = v;
    }
    as_agree_sum_t sum;
    as_agree_sum_init(&sum, M);
    for (int i = 0; i < store.keys; i++)
        as_agree_sum_row(&sum, store.key[i], store.klen[i], store.v[i], store.n[i]);
    assert_false(sum.oom);
    /* the people's grades counted afresh */
    as_agree_t fresh;
    as_agree_init(&fresh, M);
    uint16_t people[UNITS * 3];
    uint64_t units = 0, grades = 0;
    for (int u = 0; u < UNITS; u++) {
        uint16_t given[3];
        uint32_t n = 0;
        for (int k = 0; k < 3; k++) {
            people[u * 3 + k] = g[u][k];
            if (g[u][k] != S_NONE) given[n++] = g[u][k];
        }
        assert_int_equal(as_agree_unit(&fresh, NULL, 0, given, n), 0);
        units += n > 0;
        grades += n;
    }
    assert_int_equal(sum.units, units);
    assert_int_equal(sum.grades, grades);
    assert_int_equal(sum.raters, 3);
    const double values[M] = {0, 1, 2, 3};
    as_alpha_t kept, want;
    as_agree_alpha(&sum.coincidences, values, &kept);
    as_agree_alpha(&fresh, values, &want);
    assert_true(fabs(kept.nominal - want.nominal) < 1e-12);
    assert_true(fabs(kept.interval - want.interval) < 1e-12);
    assert_true(fabs(kept.nominal - agree_ref_alpha(people, UNITS, 3, 0)) < 1e-12);
    assert_int_equal(kept.pairable, want.pairable);
    /* each pair of people, and the judge against each person, from the final grades */
    assert_int_equal(sum.n_pairs, 3);
    assert_int_equal(sum.n_judges, 1);
    for (uint32_t p = 0; p < 4; p++) {
        bool judge = p == 3;
        int a = judge ? 3 : (p == 2 ? 1 : 0), b = p == 0 ? 1 : 2;
        uint64_t conf[M * M] = {0};
        for (int u = 0; u < UNITS; u++)
            for (int k = 0; k < 3; k++) {
                int second = judge ? k : b;
                if ((!judge && k > 0) || g[u][a] == S_NONE || g[u][second] == S_NONE) continue;
                conf[g[u][a] * M + g[u][second]]++;
            }
        as_pair_stats_t st;
        as_agree_pair(conf, M, &st);
        const as_agree_named_t *got = judge ? &sum.judges[0] : NULL;
        char name[32];
        snprintf(name, sizeof name, "%s|%s", raters[a], raters[b]);
        for (uint32_t i = 0; !judge && i < sum.n_pairs; i++)
            if (strcmp(sum.pairs[i].name, name) == 0) got = &sum.pairs[i];
        assert_non_null(got);
        assert_string_equal(got->name, judge ? "auto:j" : name);
        assert_memory_equal(&got->st, &st, sizeof st);
    }
    as_agree_clear(&fresh);
    as_agree_sum_clear(&sum);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(alpha_gives_the_published_worked_example),
        cmocka_unit_test(alpha_with_missing_grades_equals_its_definition),
        cmocka_unit_test(revised_grades_keep_the_counts_a_fresh_count_would_give),
        cmocka_unit_test(shares_count_each_pair_of_one_units_grades_once),
        cmocka_unit_test(cohens_kappa_gives_the_textbook_example),
        cmocka_unit_test(weighted_kappa_equals_its_definition),
        cmocka_unit_test(undefined_figures_are_nan),
        cmocka_unit_test(a_grade_off_the_scale_or_counts_never_added_are_refused),
        cmocka_unit_test(grade_changes_keep_the_counts_that_the_final_grades_give),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
