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
 *
 * The state is carried as both probabilities, m and 1 - m (as_bkt_state_t), each computed from
 * the other's terms, never as 1 minus the other: after a run of right answers 1 - m falls below
 * what a double near 1 can hold (1e-17), and a state kept as m alone would read exactly 1, from
 * which no wrong answer could ever move it (a slip of 1e-9 explains any of them). Kept apart, a
 * run of wrong answers brings it down as the equations say.
 */
#ifndef AS_BKT_H
#define AS_BKT_H

#include <stdbool.h>

typedef struct {
    double prior, learn, forget, guess, slip;
    double mastery_threshold; /* m' >= this: mastered */
} as_bkt_params_t;

/* P(mastered) and P(not mastered): p + q = 1, each exact in its own right. */
typedef struct {
    double p, q;
} as_bkt_state_t;

/* The state of probability p (q = 1 - p), e.g. a skill's prior. */
static inline as_bkt_state_t as_bkt_state(double p)
{
    return (as_bkt_state_t){p, 1 - p};
}
/* Observes one answer (correct or not) from state s. */
void as_bkt_step(const as_bkt_params_t *p, as_bkt_state_t *s, bool correct);
/* The probability that the next answer is correct in state s. */
double as_bkt_p_correct(const as_bkt_params_t *p, as_bkt_state_t s);

#endif
