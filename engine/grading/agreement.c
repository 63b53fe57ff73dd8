/* agreement.c — agreement statistics from kept counts (agreement.h).
 *
 * Krippendorff's alpha, from the coincidences o[c][k] = sum over units u of (ordered pairs of u's
 * grades valued (c, k)) / (m_u - 1), their marginals n_c and total n:
 *   alpha = 1 - (n - 1) * sum o[c][k] d²(c, k) / sum n_c n_k d²(c, k)
 * with d²: nominal 1 when c != k; interval (v_c - v_k)²; ordinal (sum of n_g for g from c to k,
 * less (n_c + n_k) / 2)². Cohen's kappa (p_o - p_e) / (1 - p_e) with p_e from the marginals; the
 * quadratic-weighted kappa 1 - sum (a - b)² O[a][b] / sum (a - b)² E[a][b], E the product of the
 * marginals over n.
 */
#include "agreement.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void as_agree_init(as_agree_t *a, uint32_t m)
{
    *a = (as_agree_t){.m = m};
}

void as_agree_clear(as_agree_t *a)
{
    for (uint32_t i = 0; i < a->n_sizes; i++)
        free(a->pairs[i]);
    free(a->sizes);
    free(a->pairs);
    as_agree_init(a, a->m);
}

/* The counts of units s people graded: its index, or -1 (create: made, or -1 out of memory). */
static int s_size(as_agree_t *a, uint32_t s, bool create)
{
    for (uint32_t i = 0; i < a->n_sizes; i++)
        if (a->sizes[i] == s) return (int)i;
    if (!create) return -1;
    if (a->n_sizes == a->cap_sizes) {
        uint32_t cap = a->cap_sizes ? 2 * a->cap_sizes : 4;
        uint32_t *sizes = realloc(a->sizes, cap * sizeof *sizes);
        if (!sizes) return -1;
        a->sizes = sizes;
        uint64_t **pairs = realloc(a->pairs, cap * sizeof *pairs);
        if (!pairs) return -1;
        a->pairs = pairs;
        a->cap_sizes = cap;
    }
    uint64_t *p = calloc((size_t)a->m * a->m, sizeof *p);
    if (!p) return -1;
    a->sizes[a->n_sizes] = s;
    a->pairs[a->n_sizes] = p;
    return (int)a->n_sizes++;
}

/* Adds (+1) or removes (-1) the ordered pairs of one unit's grades g[0..n) to counts p. */
static void s_pairs(uint64_t *p, uint32_t m, const uint16_t *g, uint32_t n, int sign)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++)
            if (i != j) p[(size_t)g[i] * m + g[j]] += (uint64_t)(int64_t)sign;
}

int as_agree_unit(as_agree_t *a, const uint16_t *old, uint32_t n_old, const uint16_t *new_grades,
                  uint32_t n_new)
{
    for (uint32_t i = 0; i < n_old; i++)
        if (old[i] >= a->m) return -1;
    for (uint32_t i = 0; i < n_new; i++)
        if (new_grades[i] >= a->m) return -1;
    int from = n_old >= 2 ? s_size(a, n_old, false) : -1;
    if (n_old >= 2 && from < 0) return -1; /* (counts the caller never added) */
    int to = n_new >= 2 ? s_size(a, n_new, true) : -1;
    if (n_new >= 2 && to < 0) return -1;
    if (from >= 0) s_pairs(a->pairs[from], a->m, old, n_old, -1);
    if (to >= 0) s_pairs(a->pairs[to], a->m, new_grades, n_new, +1);
    return 0;
}

int as_agree_add(as_agree_t *a, uint32_t s, const uint64_t *counts)
{
    int i = s >= 2 ? s_size(a, s, true) : -1;
    if (i < 0) return -1;
    for (size_t x = 0; x < (size_t)a->m * a->m; x++)
        a->pairs[i][x] += counts[x];
    return 0;
}

void as_agree_alpha(const as_agree_t *a, const double *values, as_alpha_t *out)
{
    uint32_t m = a->m;
    double *o = calloc((size_t)m * m, sizeof *o), nc[AS_AGREE_MAX_POINTS] = {0};
    out->pairable = 0;
    if (!o) {
        out->nominal = out->ordinal = out->interval = NAN;
        return;
    }
    for (uint32_t s = 0; s < a->n_sizes; s++) {
        uint64_t all = 0;
        for (size_t x = 0; x < (size_t)m * m; x++) {
            o[x] += (double)a->pairs[s][x] / (a->sizes[s] - 1);
            all += a->pairs[s][x];
        }
        out->pairable += all / (a->sizes[s] - 1); /* (each of s grades pairs with s - 1) */
    }
    double n = 0;
    for (uint32_t c = 0; c < m; c++) {
        for (uint32_t k = 0; k < m; k++)
            nc[c] += o[(size_t)c * m + k];
        n += nc[c];
    }
    double obs[3] = {0, 0, 0}, exp[3] = {0, 0, 0}; /* nominal, ordinal, interval */
    for (uint32_t c = 0; c < m; c++)
        for (uint32_t k = 0; k < m; k++) {
            if (c == k) continue;
            uint32_t lo = c < k ? c : k, hi = c < k ? k : c;
            double between = 0;
            for (uint32_t g = lo; g <= hi; g++)
                between += nc[g];
            between -= (nc[c] + nc[k]) / 2;
            double d[3] = {1, between * between, (values[c] - values[k]) * (values[c] - values[k])};
            for (int t = 0; t < 3; t++) {
                obs[t] += o[(size_t)c * m + k] * d[t];
                exp[t] += nc[c] * nc[k] * d[t];
            }
        }
    free(o);
    double alpha[3];
    for (int t = 0; t < 3; t++)
        alpha[t] = n < 2 || exp[t] == 0 ? NAN : 1 - (n - 1) * obs[t] / exp[t];
    out->nominal = alpha[0];
    out->ordinal = alpha[1];
    out->interval = alpha[2];
}

void as_agree_shares(const as_agree_t *a, as_pairs_t *out)
{
    uint64_t all = 0, same = 0, next = 0;
    uint32_t m = a->m;
    for (uint32_t s = 0; s < a->n_sizes; s++)
        for (uint32_t c = 0; c < m; c++) {
            for (uint32_t k = 0; k < m; k++)
                all += a->pairs[s][(size_t)c * m + k];
            same += a->pairs[s][(size_t)c * m + c];
            if (c + 1 < m) next += a->pairs[s][(size_t)c * m + c + 1];
        }
    /* ordered pairs: each unordered pair twice, an adjacent one once as (c, c + 1) */
    out->pairs = all / 2;
    out->exact = all ? (double)(same / 2) / (double)(all / 2) : NAN;
    out->adjacent = all ? (double)(same / 2 + next) / (double)(all / 2) : NAN;
}

void as_agree_pair(const uint64_t *confusion, uint32_t m, as_pair_stats_t *out)
{
    double row[AS_AGREE_MAX_POINTS] = {0}, col[AS_AGREE_MAX_POINTS] = {0};
    uint64_t n = 0, same = 0, near = 0;
    double observed = 0; /* sum of (a - b)² over the pairs */
    for (uint32_t x = 0; x < m; x++)
        for (uint32_t y = 0; y < m; y++) {
            uint64_t v = confusion[(size_t)x * m + y];
            double d = (double)x - (double)y;
            n += v;
            row[x] += (double)v;
            col[y] += (double)v;
            same += x == y ? v : 0;
            near += d * d <= 1 ? v : 0;
            observed += d * d * (double)v;
        }
    out->n = n;
    if (!n) {
        out->exact = out->adjacent = out->kappa = out->qwk = NAN;
        return;
    }
    double total = (double)n, chance = 0, expected = 0;
    for (uint32_t x = 0; x < m; x++)
        for (uint32_t y = 0; y < m; y++) {
            double d = (double)x - (double)y, e = row[x] * col[y] / total;
            chance += x == y ? e : 0;
            expected += d * d * e;
        }
    out->exact = (double)same / total;
    out->adjacent = (double)near / total;
    double pe = chance / total;
    out->kappa = pe == 1 ? NAN : (out->exact - pe) / (1 - pe);
    out->qwk = expected == 0 ? NAN : 1 - observed / expected;
}
