/* bkt_ref.h — BKT's equations (engine/tracing/bkt.h) written out on one probability, the way a
 * textbook states them, for the tests to hold the engine's states against. The engine carries
 * both m and 1 - m (exact near 1); for the moderate parameters of these tests the two agree to
 * 1e-12. */
#ifndef AS_TEST_BKT_REF_H
#define AS_TEST_BKT_REF_H

#include "bkt.h"

#include <stdbool.h>

/* The mastery after one answer, from mastery m. */
static inline double ref_bkt_step(const as_bkt_params_t *p, double m, bool correct)
{
    double yes = correct ? 1 - p->slip : p->slip, no = correct ? p->guess : 1 - p->guess;
    double evidence = m * yes + (1 - m) * no;
    double post = evidence > 0 ? m * yes / evidence : m;
    return post * (1 - p->forget) + (1 - post) * p->learn;
}

/* P(the next answer is right) at mastery m. */
static inline double ref_bkt_next(const as_bkt_params_t *p, double m)
{
    return m * (1 - p->slip) + (1 - m) * p->guess;
}

#endif
