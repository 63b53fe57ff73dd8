/* bkt_fit.h — fitting BKT's parameters to answers: EM (Baum-Welch) over every learner's
 * sequence of one skill.
 *
 * The model is bkt.h's as a two-state hidden Markov model: L_1 ~ prior; the answer at t depends
 * on L_t (P(correct | known) = 1 - slip, P(correct | unknown) = guess); then L_t moves (unknown ->
 * known with learn, known -> unknown with forget, 0 without forgetting). The E step is the
 * forward-backward algorithm with per-step scaling; the M step sets each parameter to its
 * expected-count ratio and projects it onto its bounds.
 *
 * Restarts: restart 0 starts from fixed, typical values, the others from values drawn (a
 * deterministic generator seeded by opts.seed and the caller's `stream`) inside the bounds; each
 * runs AS_BKT_WARM iterations, then the best of them (highest log-likelihood) continues until the
 * log-likelihood gains less than opts.tol per observation, or opts.max_iter iterations in all.
 * The same data, options and stream give the same parameters to the last bit.
 *
 * Nothing here fails on data: no observations, every answer right (or wrong), every learner
 * answering once all give finite parameters within the bounds, with a note saying what could not
 * be estimated.
 */
#ifndef AS_BKT_FIT_H
#define AS_BKT_FIT_H

#include "bkt.h"

#include <stddef.h>
#include <stdint.h>

enum { AS_BKT_PRIOR, AS_BKT_LEARN, AS_BKT_FORGET, AS_BKT_GUESS, AS_BKT_SLIP, AS_BKT_NPARAMS };

/* Every fitted probability stays within [AS_BKT_EPS, 1 - AS_BKT_EPS]. */
#define AS_BKT_EPS  1e-6
#define AS_BKT_WARM 10 /* iterations each restart runs before the best one goes on */

/* Closed intervals for each parameter (index AS_BKT_PRIOR ..). */
typedef struct {
    double lo[AS_BKT_NPARAMS], hi[AS_BKT_NPARAMS];
} as_bkt_bounds_t;

/* The default bounds: guess and slip at most 0.5 - AS_BKT_EPS (so knowing the skill always makes
 * a correct answer more likely), everything within [AS_BKT_EPS, 1 - AS_BKT_EPS]. */
void as_bkt_bounds_default(as_bkt_bounds_t *b);
/* No bounds but the last one above. */
void as_bkt_bounds_none(as_bkt_bounds_t *b);

/* Answers of one skill: sequence s (one learner, in order) is obs[start[s] .. start[s + 1]),
 * each 1 (correct) or 0. */
typedef struct {
    const uint8_t *obs;
    const uint32_t *start; /* n_seqs + 1 offsets */
    uint32_t n_seqs;
} as_bkt_seqs_t;

typedef struct {
    int forgets;       /* fit forget too (else it is 0) */
    uint32_t restarts; /* at least 1 */
    uint32_t max_iter; /* EM iterations at most, warm-up included */
    double tol;        /* stop when the log-likelihood gains less than tol per observation */
    uint64_t seed;
    as_bkt_bounds_t bounds;
} as_bkt_fit_opts_t;

/* Defaults: no forgetting, 5 restarts, 200 iterations, tol 1e-7, seed 1, default bounds. */
void as_bkt_fit_opts_default(as_bkt_fit_opts_t *o);

typedef struct {
    as_bkt_params_t params; /* mastery_threshold is copied from the start values */
    double loglik;          /* natural log, of the data under params */
    uint32_t iterations;    /* of the restart kept, warm-up included */
    int converged;          /* the gain fell below tol before max_iter */
    uint64_t observations;
    uint32_t learners; /* sequences with at least one answer */
    uint32_t at_bound; /* bit i set: parameter i ended on one of its bounds */
    const char *note;  /* NULL, or what could not be estimated (a static string) */
} as_bkt_fit_t;

/* Expected counts of one E step over every sequence. */
typedef struct {
    double seqs, init1;     /* sequences; sum of P(L_1 = known) */
    double stay0, stay1;    /* sum over t < T of P(L_t = unknown), P(L_t = known) */
    double learned, forgot; /* sum over t < T of P(unknown -> known), P(known -> unknown) */
    double in0, in1;        /* sum over t of P(L_t = unknown), P(L_t = known) */
    double right0, wrong1;  /* ... of P(L_t = unknown) for correct answers, known for wrong */
    double loglik;
} as_bkt_counts_t;

/* Doubles of scratch that as_bkt_estep needs for d: 3 x its longest sequence. */
size_t as_bkt_scratch_len(const as_bkt_seqs_t *d);
/* One E step: the expected counts of d under p (scratch: as_bkt_scratch_len(d) doubles). */
void as_bkt_estep(const as_bkt_params_t *p, const as_bkt_seqs_t *d, double *scratch,
                  as_bkt_counts_t *c);
/* The log-likelihood of d under p (a forward pass). */
double as_bkt_loglik(const as_bkt_params_t *p, const as_bkt_seqs_t *d);

/* The `stream` of a skill's fit (skill.fit): a hash of its id, so that each skill's restarts draw
 * their own values whatever order the skills are fitted in. */
uint64_t as_bkt_fit_stream(const char *id, uint32_t len);

/* Fits d. `start` gives mastery_threshold and, when d has no answers, the parameters returned
 * (projected onto the bounds). `stream` separates the restarts' draws of different fits with
 * the same seed (the skill's index, say). Returns 0, or -1 when scratch cannot be allocated. */
int as_bkt_fit(const as_bkt_seqs_t *d, const as_bkt_fit_opts_t *o, uint64_t stream,
               const as_bkt_params_t *start, as_bkt_fit_t *out);

#endif
