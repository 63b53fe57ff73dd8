/* agreement.h — agreement among the people who grade one item, from counts kept grade by grade
 * (assessment.agreement; issue 28's graded items).
 *
 * An item's scale has m points, 0, step, ..., max; a grade is its point's index, 0..m-1. The
 * statistics are computed in O(m²) from counts that each grade changes in O(raters of its unit):
 *
 *   - a pair's confusion: for two raters, an m x m matrix of the units both graded, [a][b] = how
 *     many got a from the first (the one whose id sorts first) and b from the second. Cohen's
 *     kappa and the quadratic-weighted kappa come from it (as_agree_pair). A judge's matrix (an
 *     automatic rater against the people) is the same shape: [judge's grade][a person's grade],
 *     one count per (unit, person's grade), pooled.
 *   - the coincidences (as_agree_t): per count s of people who graded a unit (s >= 2: a unit one
 *     person graded is not pairable), an m x m matrix of the ordered pairs of two different
 *     people's grades of one unit, summed over those units. Krippendorff's alpha (nominal,
 *     ordinal, interval) weighs each unit's pairs by 1 / (s - 1); the share of pairs that agree
 *     exactly or within one step counts each unordered pair once. Counts are integers, so keeping
 *     them as grades come and go is exact.
 *
 * Undefined figures (no pairs; an expected disagreement of 0) are NAN: the protocol's nil.
 */
#ifndef AS_AGREEMENT_H
#define AS_AGREEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most scale points an item may have (0..max in steps: max / step + 1): table.h's
 * AS_GRADED_MAX_POINTS. */
#define AS_AGREE_MAX_POINTS 101

/* The coincidences of one item: sizes[i] people graded each unit counted in pairs[i]. */
typedef struct {
    uint32_t m;
    uint32_t n_sizes, cap_sizes;
    uint32_t *sizes;
    uint64_t **pairs; /* per size: m x m ordered-pair counts, [c * m + k] */
} as_agree_t;

/* An empty record of an m-point scale (1..AS_AGREE_MAX_POINTS). */
void as_agree_init(as_agree_t *a, uint32_t m);
void as_agree_clear(as_agree_t *a);

/* One unit's people's grades were old[0..n_old) and are now new[0..n_new) (grade indexes, each
 * < m; one per person): its pairs move from the one count to the other. 0, or -1 when memory
 * ran out (nothing changed) or a grade is out of the scale. */
int as_agree_unit(as_agree_t *a, const uint16_t *old, uint32_t n_old, const uint16_t *new_grades,
                  uint32_t n_new);

/* Adds counts (m x m ordered pairs, as as_agree_unit keeps them) of units s people graded (s >= 2),
 * as read back from the store. 0, or -1 when memory ran out or s < 2 (nothing changed). */
int as_agree_add(as_agree_t *a, uint32_t s, const uint64_t *counts);

/* Krippendorff's alpha over the units with two people's grades or more. `values`: the scale's
 * points (their numbers: 0, step, ...), used by the interval metric. */
typedef struct {
    double nominal, ordinal, interval;
    uint64_t pairable; /* grades in pairable units */
} as_alpha_t;
void as_agree_alpha(const as_agree_t *a, const double *values, as_alpha_t *out);
/* (NAN for all three when memory ran out.) */

/* The shares of pairs of two people's grades of one unit that are equal and within one step, and
 * how many unordered pairs there are. */
typedef struct {
    uint64_t pairs;
    double exact, adjacent;
} as_pairs_t;
void as_agree_shares(const as_agree_t *a, as_pairs_t *out);

/* The statistics of one confusion matrix (m x m, [a * m + b]): its count n, the shares exact and
 * adjacent, Cohen's kappa and the quadratic-weighted kappa (weights (a - b)² over the points'
 * indexes). */
typedef struct {
    uint64_t n;
    double exact, adjacent, kappa, qwk;
} as_pair_stats_t;
void as_agree_pair(const uint64_t *confusion, uint32_t m, as_pair_stats_t *out);

#endif
