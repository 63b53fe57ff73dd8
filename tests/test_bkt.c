/* test_bkt.c — the BKT forward step (engine/tracing/bkt.c) against values derived by hand from the
 * equations in bkt.h: the expected numbers below were computed with exact rational arithmetic
 * (Python's fractions) and rounded to 17 digits; agreement to 1e-12. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "bkt.h"

#include <math.h>

static void s_close(double got, double want)
{
    if (!(fabs(got - want) <= 1e-12)) fail_msg("%.17g != %.17g", got, want);
}

/* One step from mastery m: the new mastery, its complement checked to sum to 1 with it. */
static double s_step(const as_bkt_params_t *p, double m, bool correct)
{
    as_bkt_state_t s = as_bkt_state(m);
    as_bkt_step(p, &s, correct);
    s_close(s.p + s.q, 1);
    return s.p;
}

static double s_next(const as_bkt_params_t *p, double m)
{
    return as_bkt_p_correct(p, as_bkt_state(m));
}

/* m0 = 0.3, learn 0.1, forget 0, guess 0.2, slip 0.1; answers right, right, wrong, right.
 * First step: post = 0.3*0.9 / (0.3*0.9 + 0.7*0.2) = 27/41; m' = 27/41 + (14/41)*0.1 = 284/410. */
static void a_sequence_without_forgetting_follows_the_equations(void **state)
{
    as_bkt_params_t p = {.prior = 0.3, .learn = 0.1, .forget = 0, .guess = 0.2, .slip = 0.1};
    const bool seq[] = {true, true, false, true};
    const double m[] = {0.69268292682926824, 0.91923076923076918, 0.62850122850122847,
                        0.8955079474775397};
    const double next[] = {0.68487804878048786, 0.84346153846153848, 0.63995085995085998,
                           0.82685556323427778};
    double x = p.prior;
    for (int i = 0; i < 4; i++) {
        x = s_step(&p, x, seq[i]);
        s_close(x, m[i]);
        s_close(s_next(&p, x), next[i]);
    }
    s_close(m[0], 284.0 / 410.0);
}

/* m0 = 0.5, learn 0.2, forget 0.05, guess 0.25, slip 0.15; right, wrong, wrong, right, right. */
static void a_sequence_with_forgetting_follows_the_equations(void **state)
{
    as_bkt_params_t p = {.prior = 0.5, .learn = 0.2, .forget = 0.05, .guess = 0.25, .slip = 0.15};
    const bool seq[] = {true, false, false, true, true};
    const double m[] = {0.77954545454545454, 0.5106884057971014, 0.32951788777260477,
                        0.66920397062022896, 0.8548010364849139};
    const double next[] = {0.71772727272727277, 0.55641304347826082, 0.44771073266356287,
                           0.65152238237213733, 0.76288062189094841};
    double x = p.prior;
    for (int i = 0; i < 5; i++) {
        x = s_step(&p, x, seq[i]);
        s_close(x, m[i]);
        s_close(s_next(&p, x), next[i]);
    }
}

/* guess 0: a right answer proves mastery (post 1); slip 0: a wrong one disproves it (post 0). */
static void guess_zero_and_slip_zero_make_evidence_certain(void **state)
{
    as_bkt_params_t p = {.prior = 0.4, .learn = 0.1, .forget = 0.02, .guess = 0, .slip = 0.1};
    s_close(s_step(&p, 0.4, true), 1 - 0.02);
    p = (as_bkt_params_t){.prior = 0.4, .learn = 0.1, .forget = 0.02, .guess = 0.3, .slip = 0};
    s_close(s_step(&p, 0.4, false), 0.1);
}

/* prior 0: Bayes keeps 0, only learning moves it; prior 1: it stays 1 but for forgetting. */
static void priors_of_zero_and_one_move_only_by_the_transition(void **state)
{
    as_bkt_params_t p = {.prior = 0, .learn = 0.25, .forget = 0.1, .guess = 0.2, .slip = 0.1};
    s_close(s_step(&p, 0, true), 0.25);
    s_close(s_step(&p, 0, false), 0.25);
    p.prior = 1;
    s_close(s_step(&p, 1, true), 0.9);
    s_close(s_step(&p, 1, false), 0.9);
}

/* learn 0 and forget 0: m' is the posterior; learn 1: m' = 1 - post * forget. */
static void learn_zero_and_one_bound_the_transition(void **state)
{
    as_bkt_params_t p = {.prior = 0.5, .learn = 0, .forget = 0, .guess = 0.2, .slip = 0.1};
    s_close(s_step(&p, 0.5, true), 0.45 / (0.45 + 0.1));
    p.learn = 1;
    p.forget = 0.3;
    double post = 0.05 / (0.05 + 0.4); /* wrong: 0.5*0.1 / (0.5*0.1 + 0.5*0.8) */
    s_close(s_step(&p, 0.5, false), 1 - post * 0.3);
}

/* Zero likelihood (guess 0, m 0, a right answer; slip 0, m 1, a wrong one): the Bayes step is
 * skipped, the transition applies, and nothing is NaN. */
static void zero_likelihood_evidence_skips_bayes_and_never_gives_nan(void **state)
{
    as_bkt_params_t p = {.prior = 0, .learn = 0.15, .forget = 0.05, .guess = 0, .slip = 0};
    double m = s_step(&p, 0, true);
    assert_false(isnan(m));
    s_close(m, 0.15);
    m = s_step(&p, 1, false);
    assert_false(isnan(m));
    s_close(m, 0.95);
    s_close(s_next(&p, 1), 1);
}

/* 64 right answers with a slip of 1.3266e-9 put 1 - m at 2.5e-37, which no double near 1 can
 * hold: m alone would read 1 and no wrong answer could move it (a slip explains each). Carried
 * apart, the state follows exact arithmetic (Python's fractions over the same doubles): three
 * wrong answers leave m within 1e-10 of 1, the fourth brings it to 0.978, the fifth to 0.0065. */
static void a_long_run_of_right_answers_leaves_room_for_wrong_ones(void **state)
{
    as_bkt_params_t p = {.prior = 0.68, .learn = 0.0065, .guess = 0.273, .slip = 1.3266e-9};
    static const double want_q[] = {2.5427106297935868e-37, 1.384392468550315e-28,
                                    7.5373992011604442e-20, 4.1037775057241709e-11,
                                    0.02185180285663885,    0.99349991884957412,
                                    0.99349999998813887,    0.99349999998813909};
    static const double want_p[] = {1,
                                    1,
                                    1,
                                    0.99999999995896227,
                                    0.9781481971433611,
                                    0.0065000811504258406,
                                    0.0065000000118610839,
                                    0.0065000000118609347};
    as_bkt_state_t s = as_bkt_state(p.prior);
    for (int i = 0; i < 64; i++)
        as_bkt_step(&p, &s, true);
    for (int i = 0; i < 8; i++) {
        if (i) as_bkt_step(&p, &s, false);
        if (!(fabs(s.q - want_q[i]) <= 1e-9 * want_q[i]))
            fail_msg("after %d wrong: 1 - m = %.17g, want %.17g", i, s.q, want_q[i]);
        s_close(s.p, want_p[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_sequence_without_forgetting_follows_the_equations),
        cmocka_unit_test(a_sequence_with_forgetting_follows_the_equations),
        cmocka_unit_test(guess_zero_and_slip_zero_make_evidence_certain),
        cmocka_unit_test(priors_of_zero_and_one_move_only_by_the_transition),
        cmocka_unit_test(learn_zero_and_one_bound_the_transition),
        cmocka_unit_test(zero_likelihood_evidence_skips_bayes_and_never_gives_nan),
        cmocka_unit_test(a_long_run_of_right_answers_leaves_room_for_wrong_ones),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
