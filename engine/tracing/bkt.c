/* bkt.c — the forward step of Bayesian Knowledge Tracing (bkt.h). */
#include "bkt.h"

void as_bkt_step(const as_bkt_params_t *p, as_bkt_state_t *s, bool correct)
{
    double yes = correct ? 1 - p->slip : p->slip;  /* P(obs | mastered) */
    double no = correct ? p->guess : 1 - p->guess; /* P(obs | not mastered) */
    double a = s->p * yes, b = s->q * no, evidence = a + b;
    double post = s->p, post_not = s->q; /* zero likelihood: no Bayes step */
    if (evidence > 0) {
        post = a / evidence;
        post_not = b / evidence;
    }
    s->p = post * (1 - p->forget) + post_not * p->learn;
    s->q = post_not * (1 - p->learn) + post * p->forget;
}

double as_bkt_p_correct(const as_bkt_params_t *p, as_bkt_state_t s)
{
    return s.p * (1 - p->slip) + s.q * p->guess;
}
