/* test_bkt_fit.c — EM for BKT (engine/tracing/bkt_fit.c): the E step against a brute-force sum
 * over every hidden path, recovery of known parameters from simulated learners as the data
 * grows, bounds, determinism, and data that leaves parameters unidentified. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bkt_fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- simulated learners ---- */

static uint64_t s_rng;

static double s_u(void)
{
    s_rng = s_rng * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(s_rng >> 11) * 0x1.0p-53;
}

typedef struct {
    uint8_t *obs;
    uint32_t *start;
    as_bkt_seqs_t d;
} s_data_t;

/* n learners answering T times each, drawn from p. */
static void s_simulate(s_data_t *x, const as_bkt_params_t *p, uint32_t n, uint32_t T, uint64_t seed)
{
    s_rng = seed;
    x->obs = malloc((size_t)n * T);
    x->start = malloc(((size_t)n + 1) * sizeof *x->start);
    for (uint32_t s = 0; s < n; s++) {
        x->start[s] = s * T;
        bool known = s_u() < p->prior;
        for (uint32_t t = 0; t < T; t++) {
            x->obs[s * T + t] = known ? s_u() >= p->slip : s_u() < p->guess;
            if (!known)
                known = s_u() < p->learn;
            else if (s_u() < p->forget)
                known = false;
        }
    }
    x->start[n] = n * T;
    x->d = (as_bkt_seqs_t){.obs = x->obs, .start = x->start, .n_seqs = n};
}

static void s_free(s_data_t *x)
{
    free(x->obs);
    free(x->start);
}

static double s_max_error(const as_bkt_params_t *a, const as_bkt_params_t *b)
{
    double e = fabs(a->prior - b->prior);
    e = fmax(e, fabs(a->learn - b->learn));
    e = fmax(e, fabs(a->forget - b->forget));
    e = fmax(e, fabs(a->guess - b->guess));
    return fmax(e, fabs(a->slip - b->slip));
}

static void s_close(double got, double want)
{
    if (!(fabs(got - want) <= 1e-12 * fmax(1, fabs(want)))) fail_msg("%.17g != %.17g", got, want);
}

/* ---- the E step against every hidden path ---- */

static void the_e_step_equals_a_brute_force_sum_over_hidden_paths(void **state)
{
    const as_bkt_params_t p = {
        .prior = 0.35, .learn = 0.2, .forget = 0.07, .guess = 0.22, .slip = 0.13};
    /* sequences of lengths 1 to 7, mixed answers */
    const uint8_t obs[] = {1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0,
                           1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0};
    const uint32_t start[] = {0, 1, 3, 6, 10, 15, 21, 28};
    as_bkt_seqs_t d = {.obs = obs, .start = start, .n_seqs = 7};
    double e[2][2] = {{1 - p.guess, p.guess}, {p.slip, 1 - p.slip}}; /* e[state][answer] */
    double A[2][2] = {{1 - p.learn, p.learn}, {p.forget, 1 - p.forget}};
    as_bkt_counts_t want = {0};
    for (uint32_t s = 0; s < d.n_seqs; s++) {
        const uint8_t *o = obs + start[s];
        uint32_t T = start[s + 1] - start[s];
        double z = 0;
        as_bkt_counts_t acc = {0};
        for (uint32_t path = 0; path < (1u << T); path++) {
            int L[8] = {0};
            for (uint32_t t = 0; t < T; t++)
                L[t] = (path >> t) & 1;
            double j = (L[0] ? p.prior : 1 - p.prior) * e[L[0]][o[0]];
            for (uint32_t t = 1; t < T; t++)
                j *= A[L[t - 1]][L[t]] * e[L[t]][o[t]];
            z += j;
            acc.init1 += L[0] ? j : 0;
            for (uint32_t t = 0; t < T; t++) {
                acc.in0 += L[t] ? 0 : j;
                acc.in1 += L[t] ? j : 0;
                acc.right0 += !L[t] && o[t] ? j : 0;
                acc.wrong1 += L[t] && !o[t] ? j : 0;
                if (t + 1 < T) {
                    acc.stay0 += L[t] ? 0 : j;
                    acc.stay1 += L[t] ? j : 0;
                    acc.learned += !L[t] && L[t + 1] ? j : 0;
                    acc.forgot += L[t] && !L[t + 1] ? j : 0;
                }
            }
        }
        want.seqs++;
        want.init1 += acc.init1 / z;
        want.in0 += acc.in0 / z;
        want.in1 += acc.in1 / z;
        want.right0 += acc.right0 / z;
        want.wrong1 += acc.wrong1 / z;
        want.stay0 += acc.stay0 / z;
        want.stay1 += acc.stay1 / z;
        want.learned += acc.learned / z;
        want.forgot += acc.forgot / z;
        want.loglik += log(z);
    }
    double *scratch = malloc(as_bkt_scratch_len(&d) * sizeof *scratch);
    as_bkt_counts_t got;
    as_bkt_estep(&p, &d, scratch, &got);
    free(scratch);
    s_close(got.seqs, want.seqs);
    s_close(got.init1, want.init1);
    s_close(got.in0, want.in0);
    s_close(got.in1, want.in1);
    s_close(got.right0, want.right0);
    s_close(got.wrong1, want.wrong1);
    s_close(got.stay0, want.stay0);
    s_close(got.stay1, want.stay1);
    s_close(got.learned, want.learned);
    s_close(got.forgot, want.forgot);
    s_close(got.loglik, want.loglik);
    s_close(as_bkt_loglik(&p, &d), want.loglik); /* the forward pass alone agrees */
}

/* ---- recovery ---- */

static void s_recover(const as_bkt_params_t *truth, int forgets, const uint32_t *n,
                      const double *tol, int steps)
{
    as_bkt_fit_opts_t o;
    as_bkt_fit_opts_default(&o);
    o.forgets = forgets;
    for (int i = 0; i < steps; i++) {
        s_data_t x;
        s_simulate(&x, truth, n[i], 20, 42 + (uint64_t)i);
        as_bkt_fit_t f;
        assert_int_equal(as_bkt_fit(&x.d, &o, 0, truth, &f), 0);
        double err = s_max_error(&f.params, truth);
        printf("  %u learners x 20 answers: largest error %.4f (tolerance %.3f), %u iterations, "
               "LL %.1f\n",
               n[i], err, tol[i], f.iterations, f.loglik);
        if (!(err <= tol[i]))
            fail_msg("%u learners: prior %.4f learn %.4f forget %.4f guess %.4f slip %.4f", n[i],
                     f.params.prior, f.params.learn, f.params.forget, f.params.guess,
                     f.params.slip);
        assert_int_equal(f.observations, (uint64_t)n[i] * 20);
        assert_int_equal(f.learners, n[i]);
        assert_null(f.note);
        s_free(&x);
    }
}

static void em_recovers_simulated_parameters_as_the_data_grows(void **state)
{
    const as_bkt_params_t truth = {.prior = 0.3,
                                   .learn = 0.15,
                                   .forget = 0,
                                   .guess = 0.2,
                                   .slip = 0.1,
                                   .mastery_threshold = 0.95};
    const uint32_t n[] = {200, 2000, 20000};
    const double tol[] = {0.08, 0.03, 0.012};
    s_recover(&truth, 0, n, tol, 3);
}

static void em_with_forgetting_recovers_forget_too(void **state)
{
    const as_bkt_params_t truth = {.prior = 0.4,
                                   .learn = 0.2,
                                   .forget = 0.05,
                                   .guess = 0.25,
                                   .slip = 0.12,
                                   .mastery_threshold = 0.95};
    const uint32_t n[] = {2000, 20000};
    const double tol[] = {0.04, 0.015};
    s_recover(&truth, 1, n, tol, 2);
}

/* ---- bounds, determinism, degenerate data ---- */

static void default_bounds_keep_guess_and_slip_below_one_half(void **state)
{
    /* learners who answer mostly wrong once they "know" and right before: unbounded EM is free
     * to read the states the other way round */
    const as_bkt_params_t odd = {.prior = 0.2, .learn = 0.3, .guess = 0.7, .slip = 0.8};
    s_data_t x;
    s_simulate(&x, &odd, 3000, 15, 7);
    as_bkt_fit_opts_t o;
    as_bkt_fit_opts_default(&o);
    as_bkt_fit_t f;
    assert_int_equal(as_bkt_fit(&x.d, &o, 0, &odd, &f), 0);
    assert_true(f.params.guess <= 0.5 - AS_BKT_EPS);
    assert_true(f.params.slip <= 0.5 - AS_BKT_EPS);
    assert_true(f.params.guess + f.params.slip < 1);
    assert_true(f.at_bound != 0); /* the fit says it sits on a bound */
    as_bkt_bounds_none(&o.bounds);
    as_bkt_fit_t free_fit;
    assert_int_equal(as_bkt_fit(&x.d, &o, 0, &odd, &free_fit), 0);
    assert_true(free_fit.loglik >= f.loglik); /* bounds cost likelihood, never gain it */
    for (int i = 0; i < AS_BKT_NPARAMS; i++) {
        double v[] = {free_fit.params.prior, free_fit.params.learn, free_fit.params.forget,
                      free_fit.params.guess, free_fit.params.slip};
        assert_true(i == AS_BKT_FORGET ? v[i] == 0 : v[i] >= AS_BKT_EPS && v[i] <= 1 - AS_BKT_EPS);
    }
    s_free(&x);
}

static void the_same_data_and_seed_give_the_same_bits(void **state)
{
    const as_bkt_params_t truth = {.prior = 0.5, .learn = 0.1, .guess = 0.3, .slip = 0.2};
    s_data_t x;
    s_simulate(&x, &truth, 500, 12, 3);
    as_bkt_fit_opts_t o;
    as_bkt_fit_opts_default(&o);
    o.forgets = 1;
    o.seed = 99;
    as_bkt_fit_t a, b;
    assert_int_equal(as_bkt_fit(&x.d, &o, 17, &truth, &a), 0);
    assert_int_equal(as_bkt_fit(&x.d, &o, 17, &truth, &b), 0);
    assert_memory_equal(&a.params, &b.params, sizeof a.params);
    assert_memory_equal(&a.loglik, &b.loglik, sizeof a.loglik);
    assert_int_equal(a.iterations, b.iterations);
    s_free(&x);
}

static void s_assert_finite(const as_bkt_fit_t *f)
{
    const as_bkt_params_t *p = &f->params;
    assert_true(isfinite(p->prior) && isfinite(p->learn) && isfinite(p->forget) &&
                isfinite(p->guess) && isfinite(p->slip) && isfinite(f->loglik));
}

static void degenerate_data_gives_finite_parameters_and_says_why(void **state)
{
    const as_bkt_params_t start = {
        .prior = 0.3, .learn = 0.1, .guess = 0.2, .slip = 0.1, .mastery_threshold = 0.9};
    as_bkt_fit_opts_t o;
    as_bkt_fit_opts_default(&o);
    as_bkt_fit_t f;
    /* no answers at all */
    const uint32_t none[] = {0, 0, 0};
    as_bkt_seqs_t d = {.obs = NULL, .start = none, .n_seqs = 2};
    assert_int_equal(as_bkt_fit(&d, &o, 0, &start, &f), 0);
    assert_string_equal(f.note, "no observations: the parameters are the skill's own");
    assert_memory_equal(&f.params, &start, sizeof start);
    assert_int_equal(f.observations, 0);
    /* every answer right, every answer wrong */
    const uint8_t right[] = {1, 1, 1, 1, 1, 1}, wrong[] = {0, 0, 0, 0, 0, 0};
    const uint32_t two_by_three[] = {0, 3, 6};
    d = (as_bkt_seqs_t){.obs = right, .start = two_by_three, .n_seqs = 2};
    assert_int_equal(as_bkt_fit(&d, &o, 0, &start, &f), 0);
    s_assert_finite(&f);
    assert_string_equal(f.note, "every answer is correct: guess and slip are not identified");
    assert_true(f.params.mastery_threshold == 0.9);
    d.obs = wrong;
    assert_int_equal(as_bkt_fit(&d, &o, 0, &start, &f), 0);
    s_assert_finite(&f);
    assert_string_equal(f.note, "every answer is wrong: guess and slip are not identified");
    /* one answer per learner: nothing moves between answers */
    const uint8_t once[] = {1, 0, 1, 1, 0};
    const uint32_t singles[] = {0, 1, 2, 3, 4, 5};
    d = (as_bkt_seqs_t){.obs = once, .start = singles, .n_seqs = 5};
    assert_int_equal(as_bkt_fit(&d, &o, 0, &start, &f), 0);
    s_assert_finite(&f);
    assert_string_equal(f.note,
                        "every learner answered once: learn and forget cannot be estimated");
    assert_int_equal(f.learners, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_e_step_equals_a_brute_force_sum_over_hidden_paths),
        cmocka_unit_test(em_recovers_simulated_parameters_as_the_data_grows),
        cmocka_unit_test(em_with_forgetting_recovers_forget_too),
        cmocka_unit_test(default_bounds_keep_guess_and_slip_below_one_half),
        cmocka_unit_test(the_same_data_and_seed_give_the_same_bits),
        cmocka_unit_test(degenerate_data_gives_finite_parameters_and_says_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
