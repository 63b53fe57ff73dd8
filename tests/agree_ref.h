/* agree_ref.h — agreement statistics computed from their definitions, grade by grade, as the
 * references the engine's kept counts are tested against (test_agreement.c, test_graded.c). */
#ifndef AGREE_REF_H
#define AGREE_REF_H

#include <stdint.h>

#define AGREE_REF_NONE 0xffff /* a grade not given */

/* Krippendorff's alpha of units' grades g[unit * raters + rater] (points' indexes, or
 * AGREE_REF_NONE): metric 0 nominal, 1 ordinal, 2 interval (on the indexes). */
double agree_ref_alpha(const uint16_t *g, int units, int raters, int metric);

/* Cohen's kappa and the quadratic-weighted kappa of n pairs (a[i], b[i]) on m points. */
void agree_ref_kappa(const int *a, const int *b, int n, int m, double *kappa, double *qwk);

#endif
