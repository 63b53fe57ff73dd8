/* kt_metrics.c — AUC, RMSE, log loss and accuracy of predicted probabilities (kt_metrics.h). */
#include "kt_metrics.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double p;
    uint8_t y;
} s_pair_t;

static int s_by_p(const void *a, const void *b)
{
    double x = ((const s_pair_t *)a)->p, z = ((const s_pair_t *)b)->p;
    return x < z ? -1 : x > z;
}

int as_kt_metrics(double *p, uint8_t *y, size_t n, as_kt_metrics_t *out)
{
    *out = (as_kt_metrics_t){.n = n, .auc = NAN, .rmse = NAN, .log_loss = NAN, .accuracy = NAN};
    if (!n) return 0;
    s_pair_t *v = malloc(n * sizeof *v);
    if (!v) return -1;
    double se = 0, ll = 0;
    size_t right = 0, pos = 0;
    for (size_t i = 0; i < n; i++) {
        double q = fmin(fmax(p[i], 1e-15), 1 - 1e-15);
        v[i] = (s_pair_t){p[i], y[i] ? 1 : 0};
        se += (p[i] - v[i].y) * (p[i] - v[i].y);
        ll -= v[i].y ? log(q) : log(1 - q);
        right += (p[i] >= 0.5) == (v[i].y == 1);
        pos += v[i].y;
    }
    out->rmse = sqrt(se / (double)n);
    out->log_loss = ll / (double)n;
    out->accuracy = (double)right / (double)n;
    /* AUC: the Mann-Whitney statistic from ranks, tied predictions sharing their mean rank */
    qsort(v, n, sizeof *v, s_by_p);
    double rank_sum = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && v[j + 1].p == v[i].p)
            j++;
        double mean_rank = ((double)i + (double)j) / 2 + 1;
        for (size_t k = i; k <= j; k++) {
            p[k] = v[k].p;
            y[k] = v[k].y;
            if (v[k].y) rank_sum += mean_rank;
        }
        i = j + 1;
    }
    size_t neg = n - pos;
    if (pos && neg)
        out->auc = (rank_sum - (double)pos * ((double)pos + 1) / 2) / ((double)pos * (double)neg);
    free(v);
    return 0;
}
