/* resolve.h — how people's grades of one answer to a graded item become its score (PROTOCOL.md,
 * "Graded items").
 *
 * The grades are each person's latest, in the order the people first graded it; automatic judges'
 * ("auto:" raters) are never among them. With resolve "first" the first grade is the score. With
 * "mean", once `raters` people graded it: when every two of those first grades are within
 * `tolerance`, the score is their mean; else the answer is disputed, and the next grade (an
 * adjudicator's) is the score. Pure: no store, no allocation.
 */
#ifndef AS_RESOLVE_H
#define AS_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { AS_GRADE_AWAITING, AS_GRADE_DISPUTED, AS_GRADE_RESOLVED } as_grade_state_t;

/* The state's name in the protocol: "awaiting", "disputed", "resolved". */
const char *as_grade_state_name(as_grade_state_t s);

/* The state of an answer graded grades[0..n) (people's, in first-grade order) under an item's
 * `raters`, `resolve` (as_resolve_t: table.h) and `tolerance`; *score is the item's (raw, as
 * graded) when resolved. */
as_grade_state_t as_grade_resolve(const double *grades, uint32_t n, uint32_t raters,
                                  uint32_t resolve, double tolerance, double *score);

/* Whether a rater id is an automatic judge's ("auto:..."): its grades never count toward the
 * resolution and are compared with the people's instead. */
bool as_grade_is_judge(const char *rater, uint32_t len);

#endif
