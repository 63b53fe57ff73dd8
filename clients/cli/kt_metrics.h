/* kt_metrics.h — how well predicted probabilities of correct answers fit the answers given: the
 * figures evaluations of knowledge tracing report (assay kt-eval). */
#ifndef AS_KT_METRICS_H
#define AS_KT_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n;        /* answers */
    double auc;      /* area under the ROC curve, ties counted half; NAN with one class only */
    double rmse;     /* root mean squared error of p against the 0/1 answer */
    double log_loss; /* mean negative log-likelihood, p kept within [1e-15, 1 - 1e-15] */
    double accuracy; /* share of answers on the side of 0.5 that p is (p >= 0.5: correct) */
} as_kt_metrics_t;

/* The metrics of n predictions p[i] of answers y[i] (0 or 1). Sorts p and y together (in place,
 * by p). Returns 0, or -1 when scratch memory cannot be had. */
int as_kt_metrics(double *p, uint8_t *y, size_t n, as_kt_metrics_t *out);

#endif
