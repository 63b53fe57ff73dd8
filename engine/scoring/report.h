/* report.h — item analysis from sufficient statistics (assessment.report).
 *
 * The statistics of an assessment cover the latest attempt of each learner scored with the
 * current version. They are sums, so a submission updates them in O(items): add the new attempt,
 * subtract the learner's previous one. A report is computed from them in O(items + distinct
 * totals), whatever the number of responses. Formulas (n learners, k items, x_i item scores,
 * T = sum of x_i; variances are sample variances, divided by n - 1):
 *   mean = sum T / n;  sd = sqrt(var T)
 *   Cronbach's alpha = k / (k - 1) * (1 - sum_i var x_i / var T)
 *   item p-value = mean x_i / max x_i
 *   corrected item-total r_i = cov(x_i, T - x_i) / sqrt(var x_i * var(T - x_i)),
 *     cov(x_i, T - x_i) = cov(x_i, T) - var x_i,  var(T - x_i) = var T + var x_i - 2 cov(x_i, T)
 *   omitted rate_i = unanswered_i / n
 * Undefined figures (n < 2, a zero variance, k < 2 for alpha) are reported as nil.
 */
#ifndef AS_REPORT_H
#define AS_REPORT_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    double sum_x, sum_x2, sum_xt;
    uint64_t omitted;
} as_item_sums_t;

/* The stored statistics; items[] follows the header (k entries). */
typedef struct {
    uint32_t version; /* the assessment version they cover */
    uint32_t k;
    uint64_t n;
    double sum_t, sum_t2;
    uint32_t gen; /* generation: a regrade starts a new one (store_stats.c) */
    uint32_t reserved;
    uint64_t job; /* the regrade job rebuilding them; 0: complete */
    as_item_sums_t items[];
} as_stats_sums_t;

static inline size_t as_stats_sums_size(uint32_t k)
{
    return sizeof(as_stats_sums_t) + (size_t)k * sizeof(as_item_sums_t);
}

/* Adds (sign +1) or removes (sign -1) one attempt: its item scores, which items it answered,
 * and its total T (the sum of the item scores, or what the assessment's outcome processing made
 * of them). */
void as_stats_sums_apply(as_stats_sums_t *s, const double *x, const uint8_t *answered, double t,
                         int sign);

/* Adds the counts and sums of `from` to `to` (both of k items): statistics kept in parts (one per
 * engine on PostgreSQL) are their sum. Counts wrap as unsigned integers, so a part that removed
 * more attempts than it added sums right. */
void as_stats_sums_add(as_stats_sums_t *to, const as_stats_sums_t *from);

/* One bin of the totals' distribution: `count` attempts scored `total`. */
typedef struct {
    double total;
    uint64_t count;
} as_total_count_t;

#define AS_REPORT_PAIRS 8

/* Packs the report's AS_REPORT_PAIRS map pairs (the caller packs the map header, with room for
 * its own pairs): n, mean, sd, min, max, alpha, histogram, items. item_ids/item_max: per item, in
 * definition order; totals: the distinct totals in increasing order; bins: histogram bins over [0,
 * max_score] (NAN, not known: over [0, the highest total]); an item's p_value is null when its
 * max is not known. */
void as_report_pack(msgpack_packer *pk, const as_stats_sums_t *s, const char *const *item_ids,
                    const uint32_t *item_id_lens, const double *item_max, double max_score,
                    const as_total_count_t *totals, size_t n_totals, int bins);

#endif
