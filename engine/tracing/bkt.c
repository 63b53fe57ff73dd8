/* bkt.c — the forward step of Bayesian Knowledge Tracing (bkt.h). */
#include "bkt.h"

double as_bkt_step(const as_bkt_params_t *p, double m, bool correct)
{
    double yes = correct ? 1 - p->slip : p->slip;  /* P(obs | mastered) */
    double no = correct ? p->guess : 1 - p->guess; /* P(obs | not mastered) */
    double evidence = m * yes + (1 - m) * no;
    double post = evidence > 0 ? m * yes / evidence : m; /* zero likelihood: no Bayes step */
    return post * (1 - p->forget) + (1 - post) * p->learn;
}

double as_bkt_p_correct(const as_bkt_params_t *p, double m)
{
    return m * (1 - p->slip) + (1 - m) * p->guess;
}
