/* bkt.h — Bayesian Knowledge Tracing: the forward (filtering) step (docs/DESIGN.md "Knowledge
 * tracing").
 *
 * For a skill with parameters prior, learn, forget, guess, slip and the probability m that the
 * learner has mastered it before an observation:
 *   posterior   correct:   m (1 - slip) / (m (1 - slip) + (1 - m) guess)
 *               incorrect: m slip / (m slip + (1 - m)(1 - guess))
 *   (when the observation has zero likelihood under the parameters, the denominator is 0: the
 *    Bayes step is skipped and the posterior is m)
 *   transition  m' = post (1 - forget) + (1 - post) learn
 *   prediction  p_correct_next = m' (1 - slip) + (1 - m') guess
 * The mastery reported is m', after the transition. A learner who has never practised a skill
 * has m = prior.
 */
#ifndef AS_BKT_H
#define AS_BKT_H

#include <stdbool.h>

typedef struct {
    double prior, learn, forget, guess, slip;
    double mastery_threshold; /* m' >= this: mastered */
} as_bkt_params_t;

/* The mastery after observing one answer (correct or not) from mastery m. */
double as_bkt_step(const as_bkt_params_t *p, double m, bool correct);
/* The probability that the next answer is correct at mastery m. */
double as_bkt_p_correct(const as_bkt_params_t *p, double m);

#endif
