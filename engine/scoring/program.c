/* program.c — runs compiled programs in place (program.h): an item's response processing over
 * its responses, and an assessment's outcome processing over its items' outcomes. A stack of
 * values in the scorer, the operators of program_ops.c, and the leaves and rules here. */
#include "scorer.h"

#include <math.h>
#include <stddef.h>

static void s_tval(const as_table_t *t, uint32_t off, uint32_t i, as_value_t *v)
{
    as_tval_t tv;
    memcpy(&tv, t->base + off + (size_t)i * sizeof tv, sizeof tv);
    as_tval_view(t->base, &tv, v);
}

static void s_out_decl(const as_table_t *t, uint32_t off, uint32_t k, as_tout_t *o)
{
    memcpy(o, t->base + off + (size_t)k * sizeof *o, sizeof *o);
}

/* n stored values at off as a value of the given type (NULL when n is 0). */
static void s_stored(as_scorer_t *sc, const as_table_t *t, uint32_t off, uint32_t n, uint8_t card,
                     uint8_t base, as_pv_t *out)
{
    if (n == 0) {
        as_pv_null(out, card, base);
        return;
    }
    if (card == AS_CARD_SINGLE) {
        out->card = AS_CARD_SINGLE;
        out->base = base;
        out->null = 0;
        out->n = 1;
        out->vs = NULL;
        s_tval(t, off, 0, &out->v);
        return;
    }
    as_value_t *vs = as_peval_alloc(&sc->ev, n);
    if (!vs) {
        as_pv_null(out, card, base);
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        s_tval(t, off, i, &vs[i]);
    *out = (as_pv_t){.card = card, .base = base, .n = n, .vs = vs};
}

/* An outcome's value before the program runs: its n default values at off; 0 for a number
 * without one. */
static void s_default(as_scorer_t *sc, const as_table_t *t, uint8_t card, uint8_t base, uint32_t n,
                      uint32_t off, as_pv_t *out)
{
    if (n == 0 && card == AS_CARD_SINGLE && (base == AS_BT_INTEGER || base == AS_BT_FLOAT)) {
        as_value_t zero = {0};
        as_pv_single(out, (as_base_t)base, &zero);
        return;
    }
    s_stored(sc, t, off, n, card, base, out);
}

static void s_init_outcomes(as_scorer_t *sc, const as_table_t *t, uint32_t off, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        as_tout_t o; /* the head of the declaration: through its defaults */
        memcpy(&o, t->base + off + (size_t)k * sizeof o, offsetof(as_tout_t, n_lookup));
        s_default(sc, t, o.card, o.base, o.n_dflt, o.dflt_off, &sc->out[k]);
    }
}

/* lookupOutcomeValue: the outcome's table applied to v. */
static void s_lookup(as_scorer_t *sc, const as_table_t *t, const as_tout_t *o, const as_pv_t *v,
                     as_pv_t *out)
{
    as_tlookup_t e;
    for (uint32_t i = 0; i < o->n_lookup && !v->null; i++) {
        memcpy(&e, t->base + o->lookup_off + (size_t)i * sizeof e, sizeof e);
        bool hit = o->lookup == AS_LOOKUP_MATCH
                       ? e.source == (double)v->v.i
                       : (e.include_boundary ? e.source <= v->v.x : e.source < v->v.x);
        if (hit) {
            as_value_t tv;
            as_tval_view(t->base, &e.target, &tv);
            as_pv_single(out, (as_base_t)o->base, &tv);
            return;
        }
    }
    if (o->flags & AS_TO_LDFLT) {
        as_value_t tv;
        as_tval_view(t->base, &o->lookup_dflt, &tv);
        as_pv_single(out, (as_base_t)o->base, &tv);
        return;
    }
    (void)sc;
    as_pv_null(out, o->card, o->base);
}

/* The test-level leaves. */
static void s_test_leaf(as_scorer_t *sc, const as_table_t *t, const as_pins_t *ins,
                        const double *item_scores, as_pv_t *out)
{
    uint32_t n_items = t->hdr.n_items;
    int64_t count = 0;
    switch (ins->op) {
    case AS_PO_NUMBER_PRESENTED:
    case AS_PO_NUMBER_SELECTED:
        count = n_items;
        break;
    case AS_PO_NUMBER_RESPONDED:
    case AS_PO_NUMBER_CORRECT:
    case AS_PO_NUMBER_INCORRECT:
        for (uint32_t i = 0; i < n_items; i++) {
            uint8_t c = sc->correct[i]; /* 0 no correct response, 1 correct, 2 incorrect */
            if (ins->op == AS_PO_NUMBER_RESPONDED)
                count += sc->answered[i];
            else
                count += sc->answered[i] && c == (ins->op == AS_PO_NUMBER_CORRECT ? 1 : 2);
        }
        break;
    default:
        break;
    }
    if (ins->op >= AS_PO_NUMBER_CORRECT) {
        as_value_t v = {.i = count, .x = (double)count};
        as_pv_single(out, AS_BT_INTEGER, &v);
        return;
    }
    (void)item_scores;
    as_ptest_t pt;
    memcpy(&pt, t->base + ins->a, sizeof pt);
    if (ins->op == AS_PO_ITEM_OUTCOME) {
        const as_pv_t *v = &sc->item_out[(size_t)pt.item * AS_MAX_OUTCOMES + pt.slots_off];
        *out = *v;
        if ((pt.flags & AS_PA_WEIGHTED) && !v->null) {
            as_titem_t it;
            as_table_item(t, pt.item, &it);
            as_value_t w = {.x = v->v.x * it.weight};
            as_pv_single(out, AS_BT_FLOAT, &w);
        }
        return;
    }
    as_value_t *vs = as_peval_alloc(&sc->ev, n_items ? n_items : 1);
    if (!vs) {
        as_pv_null(out, ins->card, ins->base);
        return;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n_items; i++) {
        int32_t slot;
        memcpy(&slot, t->base + pt.slots_off + (size_t)i * sizeof slot, sizeof slot);
        if (slot < 0) continue;
        as_titem_t it;
        as_table_item(t, i, &it);
        double w = (pt.flags & AS_PA_WEIGHTED) ? it.weight : 1;
        double x;
        if (ins->op == AS_PO_TEST_VARIABLES) {
            const as_pv_t *v = &sc->item_out[(size_t)i * AS_MAX_OUTCOMES + (uint32_t)slot];
            if (v->null || (pt.base != AS_BT_ANY && v->base != pt.base)) continue;
            x = v->v.x;
        } else {
            as_tout_t o;
            s_out_decl(t, it.out_off, (uint32_t)slot, &o);
            bool max = ins->op == AS_PO_OUTCOME_MAXIMUM;
            /* declared; else, for the item's score outcome, its computed bound */
            x = NAN;
            if (o.flags & (max ? AS_TO_NMAX : AS_TO_NMIN))
                x = max ? o.nmax : o.nmin;
            else if ((uint32_t)slot == it.score_out && !(it.flags & AS_TF_UNSCORABLE))
                x = max ? it.raw_hi : it.raw_lo;
            if (isnan(x)) { /* an item without one makes the result NULL (QTI) */
                sc->ev.used -= n_items ? n_items : 1;
                as_pv_null(out, ins->card, ins->base);
                return;
            }
        }
        x *= w;
        vs[k] = (as_value_t){.x = x, .i = as_i64_clamped(x)};
        k++;
    }
    if (!k) {
        as_pv_null(out, ins->card, ins->base);
        return;
    }
    *out = (as_pv_t){.card = AS_CARD_MULTIPLE, .base = ins->base, .n = k, .vs = vs};
}

void as_prog_leaf(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it, uint32_t out_off,
                  const as_pins_t *ins, const double *item_scores, as_pv_t *out)
{
    switch (ins->op) {
    case AS_PO_BASE_VALUE: /* the view written in place: no copy of a value just written */
        s_stored(sc, t, ins->a, 1, AS_CARD_SINGLE, ins->base, out);
        return;
    case AS_PO_NULL:
        as_pv_null(out, ins->card, ins->base);
        return;
    case AS_PO_RESPONSE:
        *out = sc->resp[ins->a];
        return;
    case AS_PO_OUTCOME:
        *out = sc->out[ins->a];
        return;
    case AS_PO_CORRECT:
        s_stored(sc, t, ins->a, ins->argc, ins->card, ins->base, out);
        return;
    case AS_PO_DEFAULT:
        s_default(sc, t, ins->card, ins->base, ins->argc, ins->a, out);
        return;
    case AS_PO_IS_NULL_RESPONSE: {
        as_value_t v = {.i = sc->resp[ins->a].null};
        as_pv_single(out, AS_BT_BOOLEAN, &v);
        return;
    }
    case AS_PO_MATCH_CORRECT: {
        const as_pv_t *r = &sc->resp[ins->a];
        if (r->null || !ins->argc) {
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_BOOLEAN);
            return;
        }
        as_tresp_t decl = {
            .card = r->card, .base = r->base, .n_correct = ins->argc, .correct_off = ins->b};
        as_value_t v = {.i = as_tmpl_matches_correct(t, &decl, as_pv_at(r, 0), r->n)};
        as_pv_single(out, AS_BT_BOOLEAN, &v);
        return;
    }
    case AS_PO_MAP_RESPONSE:
    case AS_PO_MAP_RESPONSE_POINT: {
        as_tresp_t r;
        memcpy(&r, t->base + it->resp_off + (size_t)ins->a * sizeof r, sizeof r);
        const as_pv_t *v = &sc->resp[ins->a];
        double x;
        if (v->null) { /* QTI: a NULL response maps to the default, within the bounds */
            x = r.dflt;
            if ((r.flags & AS_TF_LOWER) && x < r.lower) x = r.lower;
            if ((r.flags & AS_TF_UPPER) && x > r.upper) x = r.upper;
        } else {
            const as_value_t *vals = v->card == AS_CARD_SINGLE ? &v->v : v->vs;
            x = ins->op == AS_PO_MAP_RESPONSE ? as_tmpl_map_response(sc, t, &r, vals, v->n)
                                              : as_tmpl_map_point(sc, t, &r, vals, v->n);
        }
        as_value_t fv = {.x = x};
        as_pv_single(out, AS_BT_FLOAT, &fv);
        return;
    }
    default: /* the test-level leaves */
        s_test_leaf(sc, t, ins, item_scores, out);
        return;
    }
}

/* A float (or floats) set to an integer outcome: truncated toward zero, as qti-sdk does; a
 * value outside int64's range is NULL (a container with one is NULL). */
static void s_float_to_int(as_scorer_t *sc, const as_pins_t *ins, const as_pv_t *v, as_pv_t *out)
{
    if (v->card == AS_CARD_SINGLE) {
        as_pv_int_of(out, trunc(v->v.x));
        return;
    }
    as_value_t *vs = as_peval_alloc(&sc->ev, v->n);
    if (!vs) return; /* (the arena ran out: the evaluation is void) */
    for (uint32_t i = 0; i < v->n; i++) {
        as_pv_t one;
        as_pv_int_of(&one, trunc(as_pv_at(v, i)->x));
        if (one.null) {
            as_pv_null(out, ins->card, ins->base);
            return;
        }
        vs[i] = one.v;
    }
    *out = (as_pv_t){.card = ins->card, .base = AS_BT_INTEGER, .n = v->n, .vs = vs};
}

void as_prog_set(as_scorer_t *sc, const as_table_t *t, uint32_t out_off, const as_pins_t *ins,
                 const as_pv_t *v)
{
    uint32_t k = ins->a;
    as_pv_t *out = &sc->out[k];
    if (ins->op == AS_PO_LOOKUP) { /* (AS_PO_SET and AS_PO_SET_CONST set the value itself) */
        as_tout_t o;
        s_out_decl(t, out_off, k, &o);
        s_lookup(sc, t, &o, v, out);
    } else if (v->null) {
        as_pv_null(out, ins->card, ins->base);
    } else if (ins->base == AS_BT_INTEGER && v->base == AS_BT_FLOAT) {
        s_float_to_int(sc, ins, v, out);
    } else {
        *out = *v;
        out->base = ins->base; /* an integer stored in a float outcome: x holds it already */
        if (ins->card != AS_CARD_SINGLE) out->card = ins->card;
    }
}

/* Runs the code at (off, len) with outcomes at sc->out (declared at out_off). */
static void s_run(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it, uint32_t off,
                  uint32_t len, uint32_t out_off, const double *item_scores)
{
    as_pv_t *st = sc->stack;
    uint32_t sp = 0;
    for (uint32_t pc = 0; pc < len;) {
        as_pins_t ins;
        memcpy(&ins, t->base + off + (size_t)pc * sizeof ins, sizeof ins);
        pc++;
        if (ins.op > AS_PO_LEAF_LAST && ins.op < AS_PO_EXPR_COUNT) {
            as_pattr_t attr;
            const as_pattr_t *ap = NULL;
            if (ins.a) {
                memcpy(&attr, t->base + ins.a, sizeof attr);
                ap = &attr;
            }
            /* the result goes straight into the first operand's slot: as_op_apply reads its
             * operands before it writes its result */
            sp -= ins.argc;
            as_op_apply(&sc->ev, &ins, ap, st + sp, ins.argc, &st[sp]);
            sp++;
            continue;
        }
        switch (ins.op) {
        case AS_PO_SET:
        case AS_PO_LOOKUP:
            sp--;
            as_prog_set(sc, t, out_off, &ins, &st[sp]);
            break;
        case AS_PO_JUMP_UNLESS: {
            const as_pv_t *c = &st[--sp];
            if (c->null || !c->v.i) pc = ins.a;
            break;
        }
        case AS_PO_SET_CONST: {
            as_pv_t *out = &sc->out[ins.a];
            as_tval_t tv;
            memcpy(&tv, t->base + ins.b, sizeof tv);
            out->card = ins.card;
            out->base = ins.base;
            out->null = 0;
            out->n = 1;
            out->vs = NULL;
            as_tval_view(t->base, &tv, &out->v);
            break;
        }
        case AS_PO_JUMP:
            pc = ins.a;
            break;
        case AS_PO_EXIT:
            return;
        default: /* a leaf */
            as_prog_leaf(sc, t, it, out_off, &ins, item_scores, &st[sp++]);
            break;
        }
    }
}

static double s_score_of(const as_pv_t *v)
{
    return v->null ? 0 : v->v.x;
}

void as_prog_begin(as_scorer_t *sc, const as_table_t *t, uint32_t out_off, uint32_t n_out)
{
    sc->ev.used = 0;
    sc->ev.overflow = false;
    sc->ev.base = t->base;
    s_init_outcomes(sc, t, out_off, n_out);
}

double as_prog_item(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it)
{
    as_prog_begin(sc, t, it->out_off, it->n_out);
    s_run(sc, t, it, it->prog_off, it->prog_len, it->out_off, NULL);
    if (sc->ev.overflow) return NAN;
    if (it->flags & AS_TF_UNSCORABLE) return 0; /* never scored, whatever its outcomes hold */
    return s_score_of(&sc->out[it->score_out]);
}

void as_prog_template_outcomes(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it,
                               double raw)
{
    sc->ev.used = 0;
    sc->ev.base = t->base;
    s_init_outcomes(sc, t, it->out_off, it->n_out);
    as_value_t v = {.x = raw, .i = as_i64_clamped(raw)};
    as_tout_t o;
    s_out_decl(t, it->out_off, it->score_out, &o);
    as_pv_single(&sc->out[it->score_out], (as_base_t)o.base, &v);
}

double as_prog_test(as_scorer_t *sc, const as_table_t *t, const double *item_scores)
{
    sc->ev.used = 0;
    sc->ev.overflow = false;
    sc->ev.base = t->base;
    s_init_outcomes(sc, t, t->hdr.out_off, t->hdr.n_out);
    s_run(sc, t, NULL, t->hdr.prog_off, t->hdr.prog_len, t->hdr.out_off, item_scores);
    if (sc->ev.overflow) return NAN;
    if (t->hdr.score_out == AS_NO_SCORE_OUT) return 0; /* the items' sum is the score */
    return s_score_of(&sc->out[t->hdr.score_out]);
}

static void s_pack_value(msgpack_packer *pk, uint8_t base, const as_value_t *v)
{
    switch (base) {
    case AS_BT_INTEGER:
        msgpack_pack_int64(pk, v->i);
        break;
    case AS_BT_FLOAT:
        msgpack_pack_double(pk, v->x);
        break;
    case AS_BT_BOOLEAN:
        if (v->i)
            msgpack_pack_true(pk);
        else
            msgpack_pack_false(pk);
        break;
    case AS_BT_POINT:
        msgpack_pack_array(pk, 2);
        msgpack_pack_double(pk, v->x);
        msgpack_pack_double(pk, v->y);
        break;
    case AS_BT_PAIR:
    case AS_BT_DIRECTED_PAIR: {
        char buf[2 * AS_MAX_STRING + 2];
        uint32_t n = 0;
        memcpy(buf, v->a, v->a_len);
        n = v->a_len;
        buf[n++] = ' ';
        memcpy(buf + n, v->b, v->b_len);
        n += v->b_len;
        as_pack_str(pk, buf, n);
        break;
    }
    default:
        as_pack_str(pk, v->a, v->a_len);
    }
}

void as_pv_pack(msgpack_packer *pk, const as_pv_t *v)
{
    if (v->null) {
        msgpack_pack_nil(pk);
        return;
    }
    if (v->card == AS_CARD_SINGLE) {
        s_pack_value(pk, v->base, &v->v);
        return;
    }
    msgpack_pack_array(pk, v->n);
    for (uint32_t i = 0; i < v->n; i++)
        s_pack_value(pk, v->base, as_pv_at(v, i));
}
