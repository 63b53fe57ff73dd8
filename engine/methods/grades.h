/* grades.h — what grade.put's handler (grades.c) forwards to its writer step (grades_write.c):
 * this, then the item id, the rater id, the comment (empty without one) and the response's answers
 * scored on the worker (as_grade_scored_t, then n_items doubles and n_items answered bytes; empty
 * when the worker could not read them: the writer scores them itself). */
#ifndef AS_GRADES_H
#define AS_GRADES_H

#include <stdint.h>

typedef struct {
    uint64_t rid;
    double score;
    uint32_t has_comment, pad;
} as_grade_fwd_t;

typedef struct {
    uint32_t version, n_items; /* the assessment's table they were scored with */
    double total;              /* the automatic part */
} as_grade_scored_t;

#endif
