/* test_kt_metrics.c — the figures of assay kt-eval (clients/cli/kt_metrics.c) on predictions whose
 * AUC, RMSE, log loss and accuracy are worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "kt_metrics.h"

#include <math.h>

static void s_close(double got, double want)
{
    if (!(fabs(got - want) <= 1e-12)) fail_msg("%.17g != %.17g", got, want);
}

static void auc_counts_the_pairs_ranked_right_and_ties_half(void **state)
{
    /* positives at 0.9, 0.6, 0.4; negatives at 0.7, 0.4, 0.1: of the 9 pairs, (0.9 > all 3),
     * (0.6 > 0.4, 0.1; < 0.7), (0.4 = 0.4: half; > 0.1; < 0.7): 3 + 2 + 1.5 = 6.5 */
    double p[] = {0.9, 0.7, 0.6, 0.4, 0.4, 0.1};
    uint8_t y[] = {1, 0, 1, 1, 0, 0};
    as_kt_metrics_t m;
    assert_int_equal(as_kt_metrics(p, y, 6, &m), 0);
    assert_int_equal(m.n, 6);
    s_close(m.auc, 6.5 / 9);
    /* squared errors 0.01, 0.49, 0.16, 0.36, 0.16, 0.01 */
    s_close(m.rmse, sqrt(1.19 / 6));
    s_close(m.log_loss, -(log(0.9) + log(0.3) + log(0.6) + log(0.4) + log(0.6) + log(0.9)) / 6);
    /* p >= 0.5 read as "correct": right for 0.9, 0.6, 0.4(neg), 0.1; wrong for 0.7, 0.4(pos) */
    s_close(m.accuracy, 4.0 / 6);
}

static void one_class_has_no_auc_and_certainty_is_clamped(void **state)
{
    double p[] = {1.0, 0.0};
    uint8_t y[] = {0, 0};
    as_kt_metrics_t m;
    assert_int_equal(as_kt_metrics(p, y, 2, &m), 0);
    assert_true(isnan(m.auc));
    s_close(m.rmse, sqrt(0.5));
    /* p = 1 for a wrong answer costs -log(1 - (1 - 1e-15)): large but finite */
    s_close(m.log_loss, (-log(1 - (1 - 1e-15)) - log(1 - 1e-15)) / 2);
    assert_true(m.log_loss > 17 && m.log_loss < 18);
    s_close(m.accuracy, 0.5);
    assert_int_equal(as_kt_metrics(p, y, 0, &m), 0);
    assert_int_equal(m.n, 0);
    assert_true(isnan(m.auc) && isnan(m.rmse));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(auc_counts_the_pairs_ranked_right_and_ties_half),
        cmocka_unit_test(one_class_has_no_auc_and_certainty_is_clamped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
