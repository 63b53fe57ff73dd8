/* resolve.c — people's grades to an item's score (resolve.h). */
#include "resolve.h"

#include "table.h"

#include <math.h>
#include <string.h>

const char *as_grade_state_name(as_grade_state_t s)
{
    static const char *const names[] = {"awaiting", "disputed", "resolved"};
    return s <= AS_GRADE_RESOLVED ? names[s] : "unknown";
}

bool as_grade_is_judge(const char *rater, uint32_t len)
{
    return len >= 5 && memcmp(rater, "auto:", 5) == 0;
}

as_grade_state_t as_grade_resolve(const double *grades, uint32_t n, uint32_t raters,
                                  uint32_t resolve, double tolerance, double *score)
{
    *score = NAN;
    if (resolve == AS_RESOLVE_FIRST) {
        if (!n) return AS_GRADE_AWAITING;
        *score = grades[0];
        return AS_GRADE_RESOLVED;
    }
    if (n < raters) return AS_GRADE_AWAITING;
    /* (a margin for grades such as 0.1 steps apart, which binary fractions do not hold exactly) */
    double slack = tolerance + 1e-9 * fmax(1, tolerance);
    bool agree = true;
    double sum = 0;
    for (uint32_t i = 0; i < raters; i++) {
        sum += grades[i];
        for (uint32_t j = i + 1; j < raters; j++)
            agree = agree && fabs(grades[i] - grades[j]) <= slack;
    }
    if (agree) {
        *score = sum / raters;
        return AS_GRADE_RESOLVED;
    }
    if (n == raters) return AS_GRADE_DISPUTED;
    *score = grades[raters]; /* the adjudicator's */
    return AS_GRADE_RESOLVED;
}
