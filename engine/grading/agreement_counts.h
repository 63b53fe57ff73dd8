/* agreement_counts.h — the counts assessment.agreement reads: how one grade changes them (the
 * writer, grades_write.c) and how they are read back into an item's statistics (agreement.c in
 * methods/).
 *
 * The store keeps, per (assessment, item, key), a vector of signed integers that a write adds a
 * change to (store.h: as_store_grade_counts_add); engines sharing a database each keep a part, and
 * a read sums them. The keys, each under the item's scale of m points ("<m>/..."), so that counts
 * kept on one scale are never read on another after a version changes it:
 *
 *   <m>/n                [answers with a person's grade, people's grades]     (2 counts)
 *   <m>/r:<rater>        [answers the person graded]                          (1)
 *   <m>/c<s>             the ordered pairs of two people's grades of one answer, over the
 *                        answers s people graded (s >= 2): m x m, [a * m + b]  (as_agree_t)
 *   <m>/p:<la>:<a><b>    raters a < b (byte order; la: a's length in decimal): the answers
 *                        both graded, m x m, [a's grade * m + b's]
 *   <m>/j:<judge>        an automatic judge against the people: one count per (answer, person's
 *                        grade) the judge graded too, m x m, [judge's * m + person's]
 *
 * A grade is its point's index on the scale (0..m-1); only each rater's latest grade counts.
 */
#ifndef AS_AGREEMENT_COUNTS_H
#define AS_AGREEMENT_COUNTS_H

#include "agreement.h"
#include "protocol.h"

/* The most raters (people and judges) of one answer. */
#define AS_AGREE_MAX_RATERS 256
/* The longest key: "<m>/p:<la>:" and two rater ids. */
#define AS_AGREE_KEY_MAX (16 + 2 * AS_MAX_NAME)

/* One rater's latest grade of an answer. */
typedef struct {
    char rater[AS_MAX_NAME];
    uint32_t len;
    uint16_t grade; /* its index on the scale */
} as_unit_grade_t;

/* The writer's scratch (allocated once: about 120 KB): an answer's grades before the new one,
 * the caller's to fill, and a change being built. */
typedef struct as_agree_scratch {
    as_unit_grade_t grades[AS_AGREE_MAX_RATERS];
    uint32_t n;
    int64_t delta[AS_AGREE_MAX_POINTS * AS_AGREE_MAX_POINTS];
} as_agree_scratch_t;

/* Called with each count a grade changes: add delta[0..n) to key's vector (klen bytes). Nonzero
 * stops as_agree_change, which returns it. */
typedef int (*as_agree_emit_fn)(void *arg, const char *key, uint32_t klen, const int64_t *delta,
                                uint32_t n);

/* The changes to an item's counts (scale of m points) when `rater` (len bytes) grades an answer
 * whose raters' latest grades were u->grades[0..u->n) (the rater's own among them when it graded
 * it before) with the point g (< m). Grading with the grade it already has changes nothing. 0, or
 * what emit returned. */
int as_agree_change(as_agree_scratch_t *u, uint32_t m, const char *rater, uint32_t len, uint16_t g,
                    as_agree_emit_fn emit, void *arg);

/* Two raters' figures, or a judge's against the people, by name ("a|b", or the judge's id). */
typedef struct {
    char name[2 * AS_MAX_NAME + 2];
    as_pair_stats_t st;
} as_agree_named_t;

/* An item's statistics summed from its counts (the keys of scale m; others are skipped). */
typedef struct {
    uint32_t m;
    uint64_t units, grades, raters;
    as_agree_t coincidences;
    as_agree_named_t *pairs, *judges;
    uint32_t n_pairs, n_judges, cap_pairs, cap_judges;
    bool oom; /* memory ran out: the figures are incomplete */
} as_agree_sum_t;

void as_agree_sum_init(as_agree_sum_t *s, uint32_t m);
/* Adds one key's counts (counts[0..n), as the store summed them). Keys of another scale, of an
 * unknown kind or of the wrong length are skipped. */
void as_agree_sum_row(as_agree_sum_t *s, const char *key, uint32_t klen, const int64_t *counts,
                      uint32_t n);
void as_agree_sum_clear(as_agree_sum_t *s);

#endif
