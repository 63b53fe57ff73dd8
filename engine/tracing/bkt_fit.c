/* bkt_fit.c — EM for BKT's parameters (bkt_fit.h). */
#include "bkt_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void as_bkt_bounds_none(as_bkt_bounds_t *b)
{
    for (int i = 0; i < AS_BKT_NPARAMS; i++) {
        b->lo[i] = AS_BKT_EPS;
        b->hi[i] = 1 - AS_BKT_EPS;
    }
}

void as_bkt_bounds_default(as_bkt_bounds_t *b)
{
    as_bkt_bounds_none(b);
    b->hi[AS_BKT_GUESS] = b->hi[AS_BKT_SLIP] = 0.5 - AS_BKT_EPS;
}

uint64_t as_bkt_fit_stream(const char *id, uint32_t len)
{
    uint64_t h = 14695981039346656037ull; /* FNV-1a, 64 bits */
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)id[i]) * 1099511628211ull;
    return h;
}

void as_bkt_fit_opts_default(as_bkt_fit_opts_t *o)
{
    *o = (as_bkt_fit_opts_t){.forgets = 0, .restarts = 5, .max_iter = 200, .tol = 1e-7, .seed = 1};
    as_bkt_bounds_default(&o->bounds);
}

size_t as_bkt_scratch_len(const as_bkt_seqs_t *d)
{
    uint32_t longest = 0;
    for (uint32_t s = 0; s < d->n_seqs; s++)
        if (d->start[s + 1] - d->start[s] > longest) longest = d->start[s + 1] - d->start[s];
    return 3 * (size_t)longest + 3;
}

/* P(answer o | state): e[state][o]. */
static void s_emissions(const as_bkt_params_t *p, double e[2][2])
{
    e[0][1] = p->guess;
    e[0][0] = 1 - p->guess;
    e[1][1] = 1 - p->slip;
    e[1][0] = p->slip;
}

void as_bkt_estep(const as_bkt_params_t *p, const as_bkt_seqs_t *d, double *scratch,
                  as_bkt_counts_t *c)
{
    double e[2][2];
    s_emissions(p, e);
    const double a00 = 1 - p->learn, a01 = p->learn, a10 = p->forget, a11 = 1 - p->forget;
    memset(c, 0, sizeof *c);
    /* the log-likelihood is the sum of log(scale): their product is kept instead and its log
     * taken only when it grows small (each scale is at least AS_BKT_EPS), a log per dozens of
     * answers rather than one per answer */
    double prod = 1;
    for (uint32_t s = 0; s < d->n_seqs; s++) {
        const uint8_t *o = d->obs + d->start[s];
        uint32_t T = d->start[s + 1] - d->start[s];
        if (!T) continue;
        double *f0 = scratch, *f1 = scratch + T, *sc = scratch + 2 * T; /* scaled forward, scales */
        /* forward: f_t(j) = P(L_t = j | o_1..o_t), sc_t = P(o_t | o_1..o_{t-1}) */
        double x0 = (1 - p->prior) * e[0][o[0]], x1 = p->prior * e[1][o[0]];
        for (uint32_t t = 0;;) {
            double z = x0 + x1;
            sc[t] = z;
            f0[t] = x0 / z;
            f1[t] = x1 / z;
            prod *= z;
            if (prod < 1e-200) {
                c->loglik += log(prod);
                prod = 1;
            }
            if (++t == T) break;
            x0 = (f0[t - 1] * a00 + f1[t - 1] * a10) * e[0][o[t]];
            x1 = (f0[t - 1] * a01 + f1[t - 1] * a11) * e[1][o[t]];
        }
        /* backward, scaled so that gamma_t = f_t * b_t */
        double b0 = 1, b1 = 1;
        for (uint32_t t = T; t-- > 0;) {
            double g0 = f0[t] * b0, g1 = f1[t] * b1;
            c->in0 += g0;
            c->in1 += g1;
            if (o[t])
                c->right0 += g0;
            else
                c->wrong1 += g1;
            if (t == 0) {
                c->init1 += g1;
                break;
            }
            /* the step t-1 -> t */
            double w0 = e[0][o[t]] * b0 / sc[t], w1 = e[1][o[t]] * b1 / sc[t];
            double p0 = f0[t - 1], p1 = f1[t - 1];
            c->learned += p0 * a01 * w1;
            c->forgot += p1 * a10 * w0;
            double nb0 = a00 * w0 + a01 * w1, nb1 = a10 * w0 + a11 * w1;
            c->stay0 += p0 * nb0;
            c->stay1 += p1 * nb1;
            b0 = nb0;
            b1 = nb1;
        }
        c->seqs++;
    }
    c->loglik += log(prod);
}

double as_bkt_loglik(const as_bkt_params_t *p, const as_bkt_seqs_t *d)
{
    double e[2][2], ll = 0, prod = 1; /* as in as_bkt_estep */
    s_emissions(p, e);
    for (uint32_t s = 0; s < d->n_seqs; s++) {
        const uint8_t *o = d->obs + d->start[s];
        uint32_t T = d->start[s + 1] - d->start[s];
        double m = p->prior; /* P(L_t = known | o_1..o_{t-1}) */
        for (uint32_t t = 0; t < T; t++) {
            double z = m * e[1][o[t]] + (1 - m) * e[0][o[t]];
            prod *= z;
            if (prod < 1e-200) {
                ll += log(prod);
                prod = 1;
            }
            double post = m * e[1][o[t]] / z;
            m = post * (1 - p->forget) + (1 - post) * p->learn;
        }
    }
    return ll + log(prod);
}

/* The parameters as an array, in AS_BKT_PRIOR .. order. */
static void s_get(const as_bkt_params_t *p, double v[AS_BKT_NPARAMS])
{
    v[AS_BKT_PRIOR] = p->prior;
    v[AS_BKT_LEARN] = p->learn;
    v[AS_BKT_FORGET] = p->forget;
    v[AS_BKT_GUESS] = p->guess;
    v[AS_BKT_SLIP] = p->slip;
}

static void s_set(as_bkt_params_t *p, const double v[AS_BKT_NPARAMS])
{
    p->prior = v[AS_BKT_PRIOR];
    p->learn = v[AS_BKT_LEARN];
    p->forget = v[AS_BKT_FORGET];
    p->guess = v[AS_BKT_GUESS];
    p->slip = v[AS_BKT_SLIP];
}

/* Projects p onto the bounds (forget stays 0 without forgetting). */
static void s_project(as_bkt_params_t *p, const as_bkt_fit_opts_t *o)
{
    double v[AS_BKT_NPARAMS];
    s_get(p, v);
    for (int i = 0; i < AS_BKT_NPARAMS; i++) {
        if (i == AS_BKT_FORGET && !o->forgets) {
            v[i] = 0;
            continue;
        }
        if (!(v[i] >= o->bounds.lo[i])) v[i] = o->bounds.lo[i]; /* NaN included */
        if (v[i] > o->bounds.hi[i]) v[i] = o->bounds.hi[i];
    }
    s_set(p, v);
}

/* The M step: each parameter its expected-count ratio; a ratio whose denominator is 0 (nothing
 * to estimate it from) keeps the current value. */
static void s_mstep(as_bkt_params_t *p, const as_bkt_counts_t *c, const as_bkt_fit_opts_t *o)
{
    if (c->seqs > 0) p->prior = c->init1 / c->seqs;
    if (c->stay0 > 0) p->learn = c->learned / c->stay0;
    if (o->forgets && c->stay1 > 0) p->forget = c->forgot / c->stay1;
    if (c->in0 > 0) p->guess = c->right0 / c->in0;
    if (c->in1 > 0) p->slip = c->wrong1 / c->in1;
    s_project(p, o);
}

/* splitmix64: a small generator whose sequence depends only on its seed. */
static uint64_t s_next(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double s_uniform(uint64_t *x, double lo, double hi)
{
    double u = (double)(s_next(x) >> 11) * 0x1.0p-53;
    return lo + u * (hi - lo);
}

/* Restart r's starting parameters. Drawn values keep learn and forget below 0.4 (a start where
 * the state flips at most answers leads EM nowhere useful), guess below 0.4 and slip below 0.3
 * (as pyBKT draws them): EM keeps to the side it starts on, and from a start with guess or slip
 * above 1/2 it can settle where "mastered" means answering wrong (guess 1, slip 0.6: a lower
 * likelihood, and worse predictions, than the other side's optimum). Within the bounds. */
static void s_start(as_bkt_params_t *p, uint32_t r, uint64_t *rng, const as_bkt_fit_opts_t *o)
{
    if (r == 0) {
        p->prior = 0.5;
        p->learn = 0.1;
        p->forget = o->forgets ? 0.05 : 0;
        p->guess = 0.2;
        p->slip = 0.1;
    } else {
        const as_bkt_bounds_t *b = &o->bounds;
        p->prior = s_uniform(rng, b->lo[AS_BKT_PRIOR], b->hi[AS_BKT_PRIOR]);
        p->learn = s_uniform(rng, b->lo[AS_BKT_LEARN], fmin(0.4, b->hi[AS_BKT_LEARN]));
        p->forget = s_uniform(rng, b->lo[AS_BKT_FORGET], fmin(0.4, b->hi[AS_BKT_FORGET]));
        p->guess = s_uniform(rng, b->lo[AS_BKT_GUESS], fmin(0.4, b->hi[AS_BKT_GUESS]));
        p->slip = s_uniform(rng, b->lo[AS_BKT_SLIP], fmin(0.3, b->hi[AS_BKT_SLIP]));
    }
    s_project(p, o);
}

typedef struct {
    as_bkt_params_t p;
    double ll;
    uint32_t iter;
    int converged;
} s_run_t;

/* Runs EM on r until `until` iterations in all, or convergence. */
static void s_em(s_run_t *r, uint32_t until, const as_bkt_seqs_t *d, uint64_t n_obs,
                 const as_bkt_fit_opts_t *o, double *scratch)
{
    as_bkt_counts_t c;
    while (r->iter < until && !r->converged) {
        as_bkt_estep(&r->p, d, scratch, &c); /* c.loglik: the data under r->p */
        double gain = c.loglik - r->ll;
        r->ll = c.loglik;
        s_mstep(&r->p, &c, o);
        r->iter++;
        if (r->iter > 1 && fabs(gain) < o->tol * (double)n_obs) r->converged = 1;
    }
}

int as_bkt_fit(const as_bkt_seqs_t *d, const as_bkt_fit_opts_t *o, uint64_t stream,
               const as_bkt_params_t *start, as_bkt_fit_t *out)
{
    memset(out, 0, sizeof *out);
    uint64_t n_obs = 0, right = 0;
    uint32_t learners = 0, repeat = 0;
    for (uint32_t s = 0; s < d->n_seqs; s++) {
        uint32_t T = d->start[s + 1] - d->start[s];
        n_obs += T;
        learners += T > 0;
        repeat += T > 1;
        for (uint32_t t = 0; t < T; t++)
            right += d->obs[d->start[s] + t] != 0;
    }
    out->observations = n_obs;
    out->learners = learners;
    out->params = *start;
    if (n_obs == 0) {
        s_project(&out->params, o);
        out->note = "no observations: the parameters are the skill's own";
        return 0;
    }
    double *scratch = malloc(as_bkt_scratch_len(d) * sizeof *scratch);
    if (!scratch) return -1;
    uint64_t rng = o->seed ^ (stream * 0xd1b54a32d192ed03ull);
    uint32_t restarts = o->restarts ? o->restarts : 1;
    s_run_t best = {0};
    double best_ll = -INFINITY;
    for (uint32_t r = 0; r < restarts; r++) {
        s_run_t run = {0};
        s_start(&run.p, r, &rng, o);
        s_em(&run, o->max_iter < AS_BKT_WARM ? o->max_iter : AS_BKT_WARM, d, n_obs, o, scratch);
        /* restarts compare on the likelihood of the parameters each ended with (run.ll is that
         * of the step before, which the convergence test goes on from) */
        double ll = as_bkt_loglik(&run.p, d);
        if (r == 0 || ll > best_ll) {
            best = run;
            best_ll = ll;
        }
    }
    s_em(&best, o->max_iter, d, n_obs, o, scratch);
    free(scratch);
    out->params = best.p;
    out->params.mastery_threshold = start->mastery_threshold;
    out->loglik = as_bkt_loglik(&out->params, d);
    out->iterations = best.iter;
    out->converged = best.converged;
    double v[AS_BKT_NPARAMS];
    s_get(&out->params, v);
    for (int i = 0; i < AS_BKT_NPARAMS; i++)
        if ((i != AS_BKT_FORGET || o->forgets) &&
            (v[i] <= o->bounds.lo[i] || v[i] >= o->bounds.hi[i]))
            out->at_bound |= 1u << i;
    if (right == n_obs)
        out->note = "every answer is correct: guess and slip are not identified";
    else if (right == 0)
        out->note = "every answer is wrong: guess and slip are not identified";
    else if (!repeat)
        out->note = "every learner answered once: learn and forget cannot be estimated";
    return 0;
}
