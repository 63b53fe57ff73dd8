/* compile_bounds.c — the range of an outcome over every path of a compiled program (bounds
 * analysis), for an item's max score when nothing declares it.
 *
 * The code is interpreted once, front to back, over intervals instead of values: each numeric
 * operand is [lo, hi] (infinite when not bounded) and whether it may be NULL. QTI has no loops
 * and conditions are forward jumps between rules, where the operand stack is empty, so the state
 * at a jump's target is only the outcomes' intervals: a jump merges its state into the target's
 * (the widest of both), and the code after an unconditional jump or exitResponse starts from the
 * states merged into it. The end state is what exitResponse and the last instruction leave.
 *
 * Sound, not always tight: an operator this does not model gives an unbounded result, so the
 * max is then unknown (null), never too low. */
#include "compiler.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    double lo, hi; /* the values it may take (lo > hi: none, only NULL) */
    bool null;     /* it may be NULL */
    bool num;      /* numeric (lo, hi mean something) */
} s_av_t;

typedef struct {
    bool live;
    s_av_t out[AS_MAX_OUTCOMES];
} s_state_t;

typedef struct {
    uint32_t at;
    s_state_t st;
} s_pending_t;

#define S_MAX_PENDING 256 /* jump targets open at once: twice the conditions' nesting */

static const s_av_t s_top = {-INFINITY, INFINITY, true, true};
static const s_av_t s_other = {0, 0, true, false};

static s_av_t s_const(double x)
{
    return (s_av_t){x, x, false, true};
}

static s_av_t s_join(s_av_t a, s_av_t b)
{
    if (!a.num || !b.num) return s_other;
    return (s_av_t){fmin(a.lo, b.lo), fmax(a.hi, b.hi), a.null || b.null, true};
}

static void s_state_join(s_state_t *into, const s_state_t *from, uint32_t n)
{
    if (!from->live) return;
    if (!into->live) {
        *into = *from;
        return;
    }
    for (uint32_t k = 0; k < n; k++)
        into->out[k] = s_join(into->out[k], from->out[k]);
}

static bool s_numeric(uint8_t base)
{
    return base == AS_BT_INTEGER || base == AS_BT_FLOAT;
}

/* The interval of n stored values (as_tval_t) at off: defaults, correct values, constants. */
static s_av_t s_stored(const as_tc_t *c, uint32_t off, uint32_t n, uint8_t base)
{
    if (!s_numeric(base)) return s_other;
    if (n == 0) return (s_av_t){INFINITY, -INFINITY, true, true};
    s_av_t v = {INFINITY, -INFINITY, false, true};
    for (uint32_t i = 0; i < n; i++) {
        as_tval_t tv;
        memcpy(&tv, c->b.data + off + i * sizeof tv, sizeof tv);
        v.lo = fmin(v.lo, tv.x);
        v.hi = fmax(v.hi, tv.x);
    }
    return v;
}

/* An outcome's value before the program runs: its default; a numeric single without one, 0. */
static s_av_t s_initial(const as_tc_t *c, const as_tout_t *o)
{
    if (o->card != AS_CARD_SINGLE || !s_numeric(o->base)) return s_other;
    return o->n_dflt ? s_stored(c, o->dflt_off, o->n_dflt, o->base) : s_const(0);
}

/* Endpoints products, for the product of two intervals (an infinite one times 0 unbounded). */
static s_av_t s_mul(s_av_t a, s_av_t b)
{
    double p[4] = {a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi};
    s_av_t r = {INFINITY, -INFINITY, a.null || b.null, true};
    for (int i = 0; i < 4; i++) {
        if (isnan(p[i])) return s_top;
        r.lo = fmin(r.lo, p[i]);
        r.hi = fmax(r.hi, p[i]);
    }
    return r;
}

/* A monotone (non-decreasing) function f applied to an interval. */
static s_av_t s_monotone(s_av_t a, double (*f)(double))
{
    if (!a.num) return s_top;
    return (s_av_t){f(a.lo), f(a.hi), a.null, true};
}

static double s_round_half_up(double x)
{
    return floor(x + 0.5);
}

static s_av_t s_math(const as_tc_t *c, const as_pins_t *ins, const s_av_t *a)
{
    as_pattr_t at;
    memcpy(&at, c->b.data + ins->a, sizeof at);
    switch (at.mode) {
    case AS_MATH_ABS: {
        double m = fmax(fabs(a->lo), fabs(a->hi));
        double l = a->lo >= 0 ? a->lo : a->hi <= 0 ? -a->hi : 0;
        return (s_av_t){l, m, a->null, true};
    }
    case AS_MATH_SIGNUM:
    case AS_MATH_SIN:
    case AS_MATH_COS:
    case AS_MATH_TANH:
        return (s_av_t){-1, 1, true, true};
    case AS_MATH_FLOOR:
        return s_monotone(*a, floor);
    case AS_MATH_CEIL:
        return s_monotone(*a, ceil);
    default:
        return s_top;
    }
}

/* The result of operator ins over its argc operands a. */
static s_av_t s_apply(const as_tc_t *c, const as_pins_t *ins, const s_av_t *a, uint32_t n)
{
    if (!s_numeric(ins->base)) return s_other;
    bool null = false;
    for (uint32_t i = 0; i < n; i++) {
        if (!a[i].num) return s_top;
        null = null || a[i].null;
    }
    s_av_t r = {0, 0, null, true};
    switch (ins->op) {
    case AS_PO_SUM:
        for (uint32_t i = 0; i < n; i++) {
            r.lo += a[i].lo;
            r.hi += a[i].hi;
        }
        return isnan(r.lo) || isnan(r.hi) ? s_top : r;
    case AS_PO_PRODUCT:
        r = a[0];
        for (uint32_t i = 1; i < n; i++)
            r = s_mul(r, a[i]);
        return r;
    case AS_PO_SUBTRACT:
        r.lo = a[0].lo - a[1].hi;
        r.hi = a[0].hi - a[1].lo;
        return isnan(r.lo) || isnan(r.hi) ? s_top : r;
    case AS_PO_DIVIDE:
        if (!(a[1].lo > 0 || a[1].hi < 0)) return s_top; /* the divisor may be 0 */
        r = s_mul(a[0], (s_av_t){1 / a[1].hi, 1 / a[1].lo, false, true});
        r.null = true;
        return r;
    case AS_PO_INTEGER_TO_FLOAT:
        return a[0];
    case AS_PO_TRUNCATE:
        return s_monotone(a[0], trunc);
    case AS_PO_ROUND:
        return s_monotone(a[0], s_round_half_up);
    case AS_PO_ROUND_TO: {
        as_pattr_t at;
        memcpy(&at, c->b.data + ins->a, sizeof at);
        /* rounding is monotone: the bounds rounded bound the results (an infinite bound stays
         * as it is: as_round_to takes finite numbers) */
        double lo = a[0].lo, hi = a[0].hi;
        if ((isfinite(lo) && !as_round_to(lo, (as_round_mode_t)at.mode, at.n, &lo)) ||
            (isfinite(hi) && !as_round_to(hi, (as_round_mode_t)at.mode, at.n, &hi)))
            return s_top;
        return (s_av_t){lo, hi, true, true};
    }
    case AS_PO_MIN:
    case AS_PO_MAX: {
        bool mn = ins->op == AS_PO_MIN;
        r = a[0];
        for (uint32_t i = 1; i < n; i++) {
            r.lo = mn ? fmin(r.lo, a[i].lo) : fmax(r.lo, a[i].lo);
            r.hi = mn ? fmin(r.hi, a[i].hi) : fmax(r.hi, a[i].hi);
        }
        r.null = true; /* a container operand may be empty */
        return r;
    }
    case AS_PO_MULTIPLE:
    case AS_PO_ORDERED:
    case AS_PO_REPEAT: /* containers: the interval of their values */
        r = a[0];
        for (uint32_t i = 1; i < n; i++)
            r = s_join(r, a[i]);
        r.null = true;
        return r;
    case AS_PO_DELETE:
    case AS_PO_INDEX:
        r = a[0];
        r.null = true;
        return r;
    case AS_PO_STATS_OPERATOR: {
        as_pattr_t at;
        memcpy(&at, c->b.data + ins->a, sizeof at);
        if (at.mode != AS_STATS_MEAN) return s_top;
        r = a[0];
        r.null = true;
        return r;
    }
    case AS_PO_MATH_OPERATOR:
        return n == 1 ? s_math(c, ins, &a[0]) : s_top;
    default: /* power, integer division, gcd, lcm, containerSize...: not modelled */
        return s_top;
    }
}

/* The interval a leaf pushes. */
static s_av_t s_leaf(const as_tc_t *c, const as_titem_t *it, const as_pins_t *ins,
                     const s_state_t *st)
{
    switch (ins->op) {
    case AS_PO_BASE_VALUE:
        return s_stored(c, ins->a, 1, ins->base);
    case AS_PO_NULL:
        return s_numeric(ins->base) || ins->base == AS_BT_ANY
                   ? (s_av_t){INFINITY, -INFINITY, true, true}
                   : s_other;
    case AS_PO_OUTCOME:
        return st->out[ins->a];
    case AS_PO_CORRECT:
    case AS_PO_DEFAULT:
        return s_stored(c, ins->a, ins->argc, ins->base);
    case AS_PO_MAP_RESPONSE:
    case AS_PO_MAP_RESPONSE_POINT: {
        as_tresp_t r;
        memcpy(&r, c->b.data + it->resp_off + ins->a * sizeof r, sizeof r);
        s_av_t v = {0, 0, false, true};
        as_tc_map_bounds(&c->b, &r, &v.lo, &v.hi);
        return v;
    }
    default:
        return s_numeric(ins->base) ? s_top : s_other;
    }
}

/* What SET, SET_CONST and LOOKUP leave in outcome k (declared o) from value v. */
static s_av_t s_assign(const as_tc_t *c, const as_tout_t *o, const as_pins_t *ins, s_av_t v)
{
    if (!s_numeric(o->base) || o->card != AS_CARD_SINGLE) return s_other;
    if (ins->op == AS_PO_LOOKUP) { /* the table's targets, or its default (else NULL) */
        s_av_t r = {INFINITY, -INFINITY, !(o->flags & AS_TO_LDFLT), true};
        for (uint32_t i = 0; i < o->n_lookup; i++) {
            as_tlookup_t e;
            memcpy(&e, c->b.data + o->lookup_off + i * sizeof e, sizeof e);
            r.lo = fmin(r.lo, e.target.x);
            r.hi = fmax(r.hi, e.target.x);
        }
        if (o->flags & AS_TO_LDFLT) {
            r.lo = fmin(r.lo, o->lookup_dflt.x);
            r.hi = fmax(r.hi, o->lookup_dflt.x);
        }
        return r;
    }
    if (!v.num) return s_top;
    if (o->base == AS_BT_INTEGER) return s_monotone(v, trunc); /* a float set to an integer */
    return v;
}

void as_pc_bounds(const as_tc_t *c, const as_titem_t *it, uint32_t slot, double *lo, double *hi)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    uint32_t n_out = it->n_out;
    s_av_t *stack = malloc(((size_t)it->stack + 1) * sizeof *stack);
    s_pending_t *pend = malloc(S_MAX_PENDING * sizeof *pend);
    s_state_t *cur = malloc(2 * sizeof *cur);
    if (!stack || !pend || !cur) goto done;
    s_state_t *end = cur + 1;
    cur->live = true;
    end->live = false;
    for (uint32_t k = 0; k < n_out; k++) {
        as_tout_t o;
        memcpy(&o, c->b.data + it->out_off + k * sizeof o, sizeof o);
        cur->out[k] = s_initial(c, &o);
    }
    uint32_t n_pend = 0, sp = 0;
    for (uint32_t pc = 0; pc < it->prog_len; pc++) {
        for (uint32_t i = 0; i < n_pend;) { /* the states jumps bring here */
            if (pend[i].at != pc) {
                i++;
                continue;
            }
            s_state_join(cur, &pend[i].st, n_out);
            pend[i] = pend[--n_pend];
        }
        if (!cur->live) continue;
        as_pins_t ins;
        memcpy(&ins, c->b.data + it->prog_off + pc * sizeof ins, sizeof ins);
        if (ins.op <= AS_PO_LEAF_LAST) {
            stack[sp++] = s_leaf(c, it, &ins, cur);
            continue;
        }
        if (ins.op < AS_PO_EXPR_COUNT) {
            sp -= ins.argc;
            stack[sp] = s_apply(c, &ins, stack + sp, ins.argc);
            sp++;
            continue;
        }
        as_tout_t o;
        switch (ins.op) {
        case AS_PO_SET:
        case AS_PO_LOOKUP:
        case AS_PO_SET_CONST: {
            memcpy(&o, c->b.data + it->out_off + ins.a * sizeof o, sizeof o);
            s_av_t v = ins.op == AS_PO_SET_CONST ? s_stored(c, ins.b, 1, ins.base) : stack[--sp];
            cur->out[ins.a] = s_assign(c, &o, &ins, v);
            break;
        }
        case AS_PO_JUMP_UNLESS:
        case AS_PO_JUMP: {
            if (ins.op == AS_PO_JUMP_UNLESS) sp--;
            uint32_t i = 0;
            while (i < n_pend && pend[i].at != ins.a)
                i++;
            if (i == n_pend) {
                if (n_pend == S_MAX_PENDING) goto done; /* too deep to follow: unknown */
                pend[n_pend].at = ins.a;
                pend[n_pend++].st.live = false;
            }
            s_state_join(&pend[i].st, cur, n_out);
            if (ins.op == AS_PO_JUMP) cur->live = false;
            break;
        }
        case AS_PO_EXIT:
            s_state_join(end, cur, n_out);
            cur->live = false;
            break;
        default:
            goto done;
        }
    }
    for (uint32_t i = 0; i < n_pend; i++) /* jumps to the end of the code */
        s_state_join(cur, &pend[i].st, n_out);
    s_state_join(end, cur, n_out);
    if (end->live && slot < n_out && end->out[slot].num) {
        s_av_t v = end->out[slot];
        if (v.null) { /* a NULL score counts as 0 */
            v.lo = fmin(v.lo, 0);
            v.hi = fmax(v.hi, 0);
        }
        *lo = v.lo;
        *hi = v.hi;
    }
done:
    free(stack);
    free(pend);
    free(cur);
}
