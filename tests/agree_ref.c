/* agree_ref.c — agreement statistics from their definitions (agree_ref.h): slow and plain, over
 * every pair of grades, with nothing kept. */
#include "agree_ref.h"

/* alpha = 1 - D_o / D_e: D_o the mean disagreement of the pairs of grades within a unit (each
 * unit's pairs weighing 1 / (m_u - 1)), D_e the mean disagreement of every two pairable grades
 * whatever their units. */
double agree_ref_alpha(const uint16_t *g, int units, int raters, int metric)
{
    static double vals[4096];
    static int unit_of[4096], size_of[4096];
    int n = 0;
    for (int u = 0; u < units; u++) {
        int m_u = 0;
        for (int r = 0; r < raters; r++)
            m_u += g[u * raters + r] != AGREE_REF_NONE;
        if (m_u < 2) continue;
        for (int r = 0; r < raters; r++)
            if (g[u * raters + r] != AGREE_REF_NONE) {
                unit_of[n] = u;
                size_of[n] = m_u;
                vals[n++] = g[u * raters + r];
            }
    }
    double freq[128] = {0};
    for (int i = 0; i < n; i++)
        freq[(int)vals[i]]++;
    double d_o = 0, d_e = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            if (i == j) continue;
            int c = (int)vals[i], k = (int)vals[j];
            double d = 0;
            if (metric == 0) d = c != k;
            if (metric == 1) {
                int lo = c < k ? c : k, hi = c < k ? k : c;
                double between = -(freq[c] + freq[k]) / 2;
                for (int x = lo; x <= hi; x++)
                    between += freq[x];
                d = c == k ? 0 : between * between;
            }
            if (metric == 2) d = (double)(c - k) * (c - k);
            d_e += d;
            if (unit_of[i] == unit_of[j]) d_o += d / (size_of[i] - 1);
        }
    d_o /= n;
    d_e /= (double)n * (n - 1);
    return 1 - d_o / d_e;
}

/* kappa = (p_o - p_e) / (1 - p_e), p_e from the two raters' marginals; the weighted kappa is 1
 * less the mean squared difference of the pairs over that of every pairing of a's grade with
 * b's. */
void agree_ref_kappa(const int *a, const int *b, int n, int m, double *kappa, double *qwk)
{
    double obs = 0, exp = 0, same = 0, ra[128] = {0}, cb[128] = {0};
    for (int i = 0; i < n; i++) {
        obs += (double)(a[i] - b[i]) * (a[i] - b[i]);
        same += a[i] == b[i];
        ra[a[i]]++;
        cb[b[i]]++;
        for (int j = 0; j < n; j++)
            exp += (double)(a[i] - b[j]) * (a[i] - b[j]);
    }
    double pe = 0;
    for (int c = 0; c < m; c++)
        pe += ra[c] * cb[c] / ((double)n * n);
    *kappa = (same / n - pe) / (1 - pe);
    *qwk = 1 - (obs / n) / (exp / ((double)n * n));
}
