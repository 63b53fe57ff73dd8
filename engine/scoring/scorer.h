/* scorer.h — the scorer's per-thread state, shared by its files only: score.c (the pass over
 * the answers), templates.c (the standard templates), program.c (programs). Everything else uses
 * table.h. Sized once for the largest item so that scoring allocates nothing. */
#ifndef AS_SCORER_H
#define AS_SCORER_H

#include "program.h"
#include "table.h"

#include "protocol.h"

struct as_scorer {
    uint8_t answered[AS_MAX_ITEMS];       /* items answered in the current response */
    uint8_t correct[AS_MAX_ITEMS];        /* test level: items whose responses all match correct */
    as_value_t vals[AS_MAX_VALUES];       /* the values of the current item's responses */
    uint8_t used[AS_MAX_ENTRIES / 8 + 1]; /* entries or areas already counted in a container */
    as_pv_t resp[AS_MAX_RESPONSES];       /* the current item's responses */
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

/* The standard templates' scores over response r for values vals (n > 0). */
bool as_tmpl_matches_correct(const as_table_t *t, const as_tresp_t *r, const as_value_t *vals,
                             uint32_t n);
double as_tmpl_map_response(as_scorer_t *sc, const as_table_t *t, const as_tresp_t *r,
                            const as_value_t *vals, uint32_t n);
double as_tmpl_map_point(as_scorer_t *sc, const as_table_t *t, const as_tresp_t *r,
                         const as_value_t *vals, uint32_t n);
/* The raw (unweighted) score of a template item. */
double as_tmpl_score(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it,
                     const as_tresp_t *r, const as_value_t *vals, uint32_t n);

/* ---- program.c ---- */

/* Runs item it's response processing over the responses in sc->resp (n_resp of them); its
 * outcomes are left in sc->out. Returns the raw score (the score outcome, NULL as 0), or NAN
 * when the evaluation ran out of working memory. */
double as_prog_item(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it);
/* What program.c's evaluator and the reference walk (program_walk.c) share: starting an
 * evaluation (outcomes at their defaults, the arena empty), a leaf's value (ins: its opcode,
 * type and operand), and setOutcomeValue / lookupOutcomeValue into outcome k. */
void as_prog_begin(as_scorer_t *sc, const as_table_t *t, uint32_t out_off, uint32_t n_out);
void as_prog_leaf(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it, uint32_t out_off,
                  const as_pins_t *ins, const double *item_scores, as_pv_t *out);
void as_prog_set(as_scorer_t *sc, const as_table_t *t, uint32_t out_off, uint32_t k, as_pv_t v,
                 bool lookup);
/* Sets the item's outcomes to what a template item gives: SCORE = raw. */
void as_prog_template_outcomes(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it,
                               double raw);
/* Runs the assessment's outcome processing over the items' outcomes in sc->item_out; returns
 * the score (NAN on exhausted working memory). */
double as_prog_test(as_scorer_t *sc, const as_table_t *t, const double *item_scores);
/* Packs value v (nil, a value, or an array of values). */
void as_pv_pack(msgpack_packer *pk, const as_pv_t *v);

#endif
