/* report_ref.h — test helper: the item analysis computed from scratch, two passes over the item
 * scores of each learner's latest attempt (no running sums), to check report.c against. */
#ifndef AS_REPORT_REF_H
#define AS_REPORT_REF_H

#include <math.h>
#include <stddef.h>

typedef struct {
    double mean, sd, min, max, alpha;
    double item_mean[16], p_value[16], discrimination[16], omitted_rate[16];
} ref_report_t;

static inline double ref_var(const double *v, size_t n)
{
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        m += v[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        s += (v[i] - m) * (v[i] - m);
    return s / (double)(n - 1);
}

static inline double ref_corr(const double *a, const double *b, size_t n)
{
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= (double)n;
    mb /= (double)n;
    for (size_t i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

/* x[learner * k + item], answered likewise; item_max[k]. n <= 256, k <= 16. */
static inline void ref_report(const double *x, const unsigned char *answered, size_t n, size_t k,
                              const double *item_max, ref_report_t *out)
{
    double t[256], xi[256], rest[256], sum_var = 0;
    out->min = INFINITY;
    out->max = -INFINITY;
    for (size_t l = 0; l < n; l++) {
        t[l] = 0;
        for (size_t i = 0; i < k; i++)
            t[l] += x[l * k + i];
        out->min = fmin(out->min, t[l]);
        out->max = fmax(out->max, t[l]);
    }
    double sum = 0;
    for (size_t l = 0; l < n; l++)
        sum += t[l];
    out->mean = sum / (double)n;
    double var_t = ref_var(t, n);
    out->sd = sqrt(var_t);
    for (size_t i = 0; i < k; i++) {
        size_t omitted = 0;
        double s = 0;
        for (size_t l = 0; l < n; l++) {
            xi[l] = x[l * k + i];
            rest[l] = t[l] - xi[l];
            s += xi[l];
            omitted += !answered[l * k + i];
        }
        sum_var += ref_var(xi, n);
        out->item_mean[i] = s / (double)n;
        out->p_value[i] = out->item_mean[i] / item_max[i];
        out->discrimination[i] = ref_corr(xi, rest, n);
        out->omitted_rate[i] = (double)omitted / (double)n;
    }
    out->alpha = (double)k / (double)(k - 1) * (1 - sum_var / var_t);
}

#endif
