/* report.c — item analysis from sufficient statistics (see report.h for the formulas). */
#include "report.h"

#include "codec.h"

#include <math.h>
#include <stdlib.h>

void as_stats_sums_apply(as_stats_sums_t *s, const double *x, const uint8_t *answered, double t,
                         int sign)
{
    s->n = sign > 0 ? s->n + 1 : s->n - 1;
    s->sum_t += sign * t;
    s->sum_t2 += sign * t * t;
    for (uint32_t i = 0; i < s->k; i++) {
        as_item_sums_t *it = &s->items[i];
        it->sum_x += sign * x[i];
        it->sum_x2 += sign * x[i] * x[i];
        it->sum_xt += sign * x[i] * t;
        if (!answered[i]) it->omitted = sign > 0 ? it->omitted + 1 : it->omitted - 1;
    }
}

void as_stats_sums_add(as_stats_sums_t *to, const as_stats_sums_t *from)
{
    to->n += from->n;
    to->sum_t += from->sum_t;
    to->sum_t2 += from->sum_t2;
    for (uint32_t i = 0; i < to->k; i++) {
        to->items[i].sum_x += from->items[i].sum_x;
        to->items[i].sum_x2 += from->items[i].sum_x2;
        to->items[i].sum_xt += from->items[i].sum_xt;
        to->items[i].omitted += from->items[i].omitted;
    }
}

/* Sample (co)variance from sums: (sum_xy - sum_x sum_y / n) / (n - 1). */
static double s_cov(double sum_xy, double sum_x, double sum_y, double n)
{
    return (sum_xy - sum_x * sum_y / n) / (n - 1);
}

void as_report_pack(msgpack_packer *pk, const as_stats_sums_t *s, const char *const *item_ids,
                    const uint32_t *item_id_lens, const double *item_max, double max_score,
                    const as_total_count_t *totals, size_t n_totals, int bins)
{
    double n = (double)s->n;
    double var_t = s->n >= 2 ? s_cov(s->sum_t2, s->sum_t, s->sum_t, n) : NAN;
    double sum_var_i = 0;
    for (uint32_t i = 0; i < s->k; i++)
        sum_var_i +=
            s->n >= 2 ? s_cov(s->items[i].sum_x2, s->items[i].sum_x, s->items[i].sum_x, n) : NAN;
    double alpha =
        s->k >= 2 && var_t > 0 ? (double)s->k / (s->k - 1) * (1 - sum_var_i / var_t) : NAN;

    as_pack_cstr(pk, "n");
    msgpack_pack_uint64(pk, s->n);
    as_pack_cstr(pk, "mean");
    as_pack_num(pk, s->n ? s->sum_t / n : NAN);
    as_pack_cstr(pk, "sd");
    as_pack_num(pk, var_t >= 0 ? sqrt(var_t) : NAN);
    as_pack_cstr(pk, "min");
    as_pack_num(pk, n_totals ? totals[0].total : NAN);
    as_pack_cstr(pk, "max");
    as_pack_num(pk, n_totals ? totals[n_totals - 1].total : NAN);
    as_pack_cstr(pk, "alpha");
    as_pack_num(pk, alpha);

    /* histogram: `bins` equal bins over [0, max_score] (its max not known: over [0, the highest
     * total]); the last one includes its top; totals outside (negative, from negative
     * mappings) fall in the first or last bin */
    double top = max_score;
    if (!isfinite(top))
        top = n_totals && totals[n_totals - 1].total > 0 ? totals[n_totals - 1].total : 0;
    as_pack_cstr(pk, "histogram");
    msgpack_pack_array(pk, (size_t)bins);
    size_t t = 0;
    for (int b = 0; b < bins; b++) {
        double lo = top * b / bins, hi = top * (b + 1) / bins;
        uint64_t count = 0;
        while (t < n_totals && (b == bins - 1 || totals[t].total < hi))
            count += totals[t++].count;
        msgpack_pack_map(pk, 3);
        as_pack_cstr(pk, "from");
        msgpack_pack_double(pk, lo);
        as_pack_cstr(pk, "to");
        msgpack_pack_double(pk, hi);
        as_pack_cstr(pk, "count");
        msgpack_pack_uint64(pk, count);
    }

    as_pack_cstr(pk, "items");
    msgpack_pack_array(pk, s->k);
    for (uint32_t i = 0; i < s->k; i++) {
        const as_item_sums_t *it = &s->items[i];
        double mean = s->n ? it->sum_x / n : NAN;
        double var_i = s->n >= 2 ? s_cov(it->sum_x2, it->sum_x, it->sum_x, n) : NAN;
        double cov_it = s->n >= 2 ? s_cov(it->sum_xt, it->sum_x, s->sum_t, n) : NAN;
        double var_rest = var_t + var_i - 2 * cov_it;
        double r = var_i > 0 && var_rest > 0 ? (cov_it - var_i) / sqrt(var_i * var_rest) : NAN;
        msgpack_pack_map(pk, 5);
        as_pack_cstr(pk, "id");
        as_pack_str(pk, item_ids[i], item_id_lens[i]);
        as_pack_cstr(pk, "mean");
        as_pack_num(pk, mean);
        as_pack_cstr(pk, "p_value");
        as_pack_num(pk, item_max[i] > 0 ? mean / item_max[i] : NAN);
        as_pack_cstr(pk, "discrimination");
        as_pack_num(pk, r);
        as_pack_cstr(pk, "omitted_rate");
        as_pack_num(pk, s->n ? (double)it->omitted / n : NAN);
    }
}
