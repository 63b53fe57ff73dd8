/* grades.h — what grade.put's handler (grades.c) forwards to its writer step (grades_write.c):
 * this, then the item id, the rater id and the comment (empty without one). */
#ifndef AS_GRADES_H
#define AS_GRADES_H

#include <stdint.h>

typedef struct {
    uint64_t rid;
    double score;
    uint32_t has_comment, pad;
} as_grade_fwd_t;

#endif
