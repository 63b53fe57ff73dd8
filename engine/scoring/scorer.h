/* scorer.h — the scorer's per-thread state, shared by its files only: score.c (the pass over
 * the answers), templates.c (the standard templates), program.c (programs). Everything else uses
 * table.h. Sized once for the largest item so that scoring allocates nothing. */
#ifndef AS_SCORER_H
#define AS_SCORER_H

#include "program.h"
#include "table.h"

#include "protocol.h"

#include <math.h>
#include <string.h>

struct as_scorer {
    uint8_t answered[AS_MAX_ITEMS];       /* items answered in the current response */
    uint8_t correct[AS_MAX_ITEMS];        /* test level: items whose responses all match correct */
    as_value_t vals[AS_MAX_VALUES];       /* the values of the current item's responses */
    uint8_t used[AS_MAX_ENTRIES / 8 + 1]; /* entries or areas already counted in a container */
    as_pv_t resp[AS_MAX_RESPONSES];       /* the current item's responses */
    as_tresp_t resp0;                     /* the current item's first response declaration */
    as_pv_t out[AS_MAX_OUTCOMES];         /* the current program's outcomes */
    as_pv_t stack[AS_PROG_MAX_STACK];
    as_value_t arena[AS_PROG_ARENA];
    as_peval_t ev;
    /* test level: the items' single outcomes (n_items x AS_MAX_OUTCOMES), grown on first use */
    as_pv_t *item_out;
    size_t item_out_cap;
    double *test_scores; /* item scores when the caller passes none */
};

/* ---- templates.c ---- */

/* The standard templates' scores over response r for values vals (n > 0). match_correct and
 * the dispatch are inline here: they are the scorer's hot path. */
static inline void as_tmpl_tval(const as_table_t *t, uint32_t off, uint32_t i, as_value_t *v)
{
    as_tval_t tv;
    memcpy(&tv, t->base + off + (size_t)i * sizeof tv, sizeof tv);
    as_tval_view(t->base, &tv, v);
}
static inline bool as_tmpl_matches_correct(const as_table_t *t, const as_tresp_t *it,
                                           const as_value_t *vals, uint32_t n)
{
    as_base_t base = (as_base_t)it->base;
    as_value_t cv;
    if (n != it->n_correct) return false;
    if (it->card != AS_CARD_MULTIPLE) {
        for (uint32_t i = 0; i < n; i++) {
            as_tmpl_tval(t, it->correct_off, i, &cv);
            if (!as_value_eq(base, &vals[i], &cv, true)) return false;
        }
        return true;
    }
    /* Multiset equality: every response value occurs as often in the response as in correct. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t in_resp = 0, in_correct = 0;
        for (uint32_t j = 0; j < n; j++) {
            if (as_value_eq(base, &vals[i], &vals[j], true)) in_resp++;
            as_tmpl_tval(t, it->correct_off, j, &cv);
            if (as_value_eq(base, &vals[i], &cv, true)) in_correct++;
        }
        if (in_resp != in_correct) return false;
    }
    return true;
}

double as_tmpl_map_response(as_scorer_t *sc, const as_table_t *t, const as_tresp_t *r,
                            const as_value_t *vals, uint32_t n);
double as_tmpl_map_point(as_scorer_t *sc, const as_table_t *t, const as_tresp_t *r,
                         const as_value_t *vals, uint32_t n);
/* The raw (unweighted) score of a template item. */
static inline double as_tmpl_score(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it,
                                   const as_tresp_t *r, const as_value_t *vals, uint32_t n)
{
    if (n == 0) return 0; /* a missing or empty response scores 0 under every template */
    switch ((as_rule_t)it->rule) {
    case AS_RULE_MATCH_CORRECT:
        return as_tmpl_matches_correct(t, r, vals, n) ? 1 : 0;
    case AS_RULE_MATCH_NUMERIC: {
        as_value_t cv;
        as_tmpl_tval(t, r->correct_off, 0, &cv);
        double tol = (it->flags & AS_TF_RELATIVE) ? fabs(cv.x) * it->tol / 100.0 : it->tol;
        return fabs(vals[0].x - cv.x) <= tol ? 1 : 0;
    }
    case AS_RULE_MAP_RESPONSE:
        return as_tmpl_map_response(sc, t, r, vals, n);
    case AS_RULE_MAP_RESPONSE_POINT:
        return as_tmpl_map_point(sc, t, r, vals, n);
    default:
        return 0;
    }
}

/* ---- program.c ---- */

/* Runs item it's response processing over the responses in sc->resp (n_resp of them); its
 * outcomes are left in sc->out. Returns the raw score (the score outcome, NULL as 0), or NAN
 * when the evaluation ran out of working memory. */
double as_prog_item(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it);
/* What program.c's evaluator and the reference walk (program_walk.c) share: starting an
 * evaluation (outcomes at their defaults, the arena empty), a leaf's value (ins: its opcode,
 * type and operand), and setOutcomeValue / lookupOutcomeValue (ins: AS_PO_SET or AS_PO_LOOKUP,
 * a the outcome, card and base its type). */
void as_prog_begin(as_scorer_t *sc, const as_table_t *t, uint32_t out_off, uint32_t n_out);
void as_prog_leaf(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it, uint32_t out_off,
                  const as_pins_t *ins, const double *item_scores, as_pv_t *out);
void as_prog_set(as_scorer_t *sc, const as_table_t *t, uint32_t out_off, const as_pins_t *ins,
                 const as_pv_t *v);
/* Sets the item's outcomes to what a template item gives: SCORE = raw. */
void as_prog_template_outcomes(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it,
                               double raw);
/* Runs the assessment's outcome processing over the items' outcomes in sc->item_out; returns
 * the score (0 when it has no score outcome: the items' sum is; NAN on exhausted working
 * memory). */
double as_prog_test(as_scorer_t *sc, const as_table_t *t, const double *item_scores);
/* Packs value v (nil, a value, or an array of values). */
void as_pv_pack(msgpack_packer *pk, const as_pv_t *v);

#endif
