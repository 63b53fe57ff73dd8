/* program_ops.c — what each QTI operator computes (program.h): NULL in, NULL out where QTI says
 * so, integer or float arithmetic by the operands' base types, containers built in the arena.
 * Shared by the compiled evaluator (program.c) and the reference tree walk (program_walk.c). */
#include "program.h"

#include "table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

as_value_t *as_peval_alloc(as_peval_t *ev, uint32_t n)
{
    if (n > AS_PROG_ARENA - ev->used) {
        ev->overflow = true;
        return NULL;
    }
    as_value_t *v = ev->arena + ev->used;
    ev->used += n;
    return v;
}

static bool s_any_null(const as_pv_t *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i].null) return true;
    return false;
}

static bool s_all_int(const as_pv_t *a, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i].base != AS_BT_INTEGER) return false;
    return true;
}

/* Values equal as QTI compares them: numbers numerically, strings exactly. */
static bool s_eq(uint8_t base, const as_value_t *x, const as_value_t *y)
{
    return as_value_eq((as_base_t)base, x, y, true);
}

static uint32_t s_count(const as_pv_t *c, const as_value_t *v)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->n; i++)
        k += s_eq(c->base, as_pv_at(c, i), v);
    return k;
}

/* match: the same values; a multiple container with the same counts in any order. */
static bool s_match(const as_pv_t *a, const as_pv_t *b)
{
    if (a->n != b->n) return false;
    if (a->card != AS_CARD_MULTIPLE) {
        for (uint32_t i = 0; i < a->n; i++)
            if (!s_eq(a->base, as_pv_at(a, i), as_pv_at(b, i))) return false;
        return true;
    }
    for (uint32_t i = 0; i < a->n; i++)
        if (s_count(a, as_pv_at(a, i)) != s_count(b, as_pv_at(a, i))) return false;
    return true;
}

/* contains: multiple, every value of b at least as often in a; ordered, b a run of a. */
static bool s_contains(const as_pv_t *a, const as_pv_t *b)
{
    if (a->card == AS_CARD_MULTIPLE) {
        for (uint32_t i = 0; i < b->n; i++)
            if (s_count(a, as_pv_at(b, i)) < s_count(b, as_pv_at(b, i))) return false;
        return true;
    }
    for (uint32_t s = 0; s + b->n <= a->n; s++) {
        uint32_t j = 0;
        while (j < b->n && s_eq(a->base, as_pv_at(a, s + j), as_pv_at(b, j)))
            j++;
        if (j == b->n) return true;
    }
    return false;
}

/* Builds a container of the operands' values (ordered, multiple, repeat), NULL when empty. */
static void s_concat(as_peval_t *ev, const as_pins_t *ins, const as_pv_t *a, uint32_t n,
                     int64_t times, as_pv_t *out)
{
    uint64_t total = 0;
    uint8_t base = ins->base;
    for (uint32_t i = 0; i < n; i++)
        if (!a[i].null) {
            total += a[i].n;
            base = a[i].base;
        }
    total *= (uint64_t)(times > 0 ? times : 0);
    uint8_t card = ins->op == AS_PO_MULTIPLE ? AS_CARD_MULTIPLE : AS_CARD_ORDERED;
    if (total == 0 || total > AS_PROG_ARENA) {
        if (total) ev->overflow = true;
        as_pv_null(out, card, base);
        return;
    }
    as_value_t *vs = as_peval_alloc(ev, (uint32_t)total);
    if (!vs) {
        as_pv_null(out, card, base);
        return;
    }
    uint32_t k = 0;
    for (int64_t r = 0; r < times; r++)
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t j = 0; j < a[i].n; j++)
                vs[k++] = *as_pv_at(&a[i], j);
    *out = (as_pv_t){.card = card, .base = base, .n = k, .vs = vs};
}

static void s_delete(as_peval_t *ev, const as_pv_t *v, const as_pv_t *c, as_pv_t *out)
{
    as_value_t *vs = as_peval_alloc(ev, c->n);
    if (!vs) {
        as_pv_null(out, c->card, c->base);
        return;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->n; i++)
        if (!s_eq(c->base, as_pv_at(c, i), &v->v)) vs[k++] = *as_pv_at(c, i);
    ev->used -= c->n - k;
    if (!k) {
        as_pv_null(out, c->card, c->base);
        return;
    }
    *out = (as_pv_t){.card = c->card, .base = c->base, .n = k, .vs = vs};
}

/* sum, product, min, max over every value of the operands (integer when all are). */
static void s_fold(const as_pins_t *ins, const as_pv_t *a, uint32_t n, as_pv_t *out)
{
    bool ints = s_all_int(a, n);
    int64_t acc = ins->op == AS_PO_PRODUCT ? 1 : 0;
    double x = ins->op == AS_PO_PRODUCT ? 1 : 0;
    bool first = true;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < a[i].n; j++) {
            const as_value_t *v = as_pv_at(&a[i], j);
            bool overflow = false;
            switch (ins->op) {
            case AS_PO_SUM:
                if (ints) overflow = __builtin_add_overflow(acc, v->i, &acc);
                x += v->x;
                break;
            case AS_PO_PRODUCT:
                if (ints) overflow = __builtin_mul_overflow(acc, v->i, &acc);
                x *= v->x;
                break;
            case AS_PO_MIN:
                if (first || v->x < x) {
                    x = v->x;
                    acc = v->i;
                }
                break;
            default: /* AS_PO_MAX */
                if (first || v->x > x) {
                    x = v->x;
                    acc = v->i;
                }
                break;
            }
            first = false;
            if (overflow) {
                as_pv_null(out, AS_CARD_SINGLE, AS_BT_INTEGER);
                return;
            }
        }
    if (ints)
        as_pv_int(out, acc);
    else
        as_pv_float(out, x);
}

/* equal: y within the tolerance of x. */
static bool s_equal(const as_pattr_t *at, double x, double y)
{
    if (!at || at->mode == AS_TOL_EXACT) return x == y;
    double lo, hi;
    if (at->mode == AS_TOL_ABSOLUTE) {
        lo = x - at->t0;
        hi = x + at->t1;
    } else {
        lo = x * (1 - at->t0 / 100);
        hi = x * (1 + at->t1 / 100);
        if (lo > hi) {
            double t = lo;
            lo = hi;
            hi = t;
        }
    }
    bool above = (at->flags & AS_PA_LOWER_BOUND) ? y >= lo : y > lo;
    bool below = (at->flags & AS_PA_UPPER_BOUND) ? y <= hi : y < hi;
    return above && below;
}

static bool s_lower_eq(char a, char b)
{
    if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
    if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
    return a == b;
}

/* Whether (s, n) occurs in (h, hn), ASCII case folded unless cs. */
static bool s_find(const char *s, uint32_t n, const char *h, uint32_t hn, bool cs)
{
    for (uint32_t at = 0; at + n <= hn; at++) {
        uint32_t j = 0;
        while (j < n && (cs ? h[at + j] == s[j] : s_lower_eq(h[at + j], s[j])))
            j++;
        if (j == n) return true;
    }
    return false;
}

void as_op_apply(as_peval_t *ev, const as_pins_t *ins, const as_pattr_t *at, const as_pv_t *a,
                 uint32_t n, as_pv_t *out)
{
    /* Operators that see NULL operands themselves; every other gives NULL for a NULL operand. */
    switch (ins->op) {
    case AS_PO_IS_NULL:
        as_pv_bool(out, a[0].null);
        return;
    case AS_PO_CONTAINER_SIZE:
        as_pv_int(out, a[0].null ? 0 : a[0].n);
        return;
    case AS_PO_ORDERED:
    case AS_PO_MULTIPLE:
        s_concat(ev, ins, a, n, 1, out);
        return;
    case AS_PO_REPEAT:
        s_concat(ev, ins, a, n, at->n, out);
        return;
    case AS_PO_AND:
    case AS_PO_OR: {
        bool want = ins->op == AS_PO_OR, nulls = false;
        for (uint32_t i = 0; i < n; i++) {
            if (a[i].null)
                nulls = true;
            else if ((a[i].v.i != 0) == want) {
                as_pv_bool(out, want);
                return;
            }
        }
        if (nulls)
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_BOOLEAN);
        else
            as_pv_bool(out, !want);
        return;
    }
    case AS_PO_ANY_N: {
        int64_t t = 0, nulls = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (a[i].null)
                nulls++;
            else
                t += a[i].v.i != 0;
        }
        if (t >= at->n && t + nulls <= at->m)
            as_pv_bool(out, true);
        else if (t + nulls < at->n || t > at->m)
            as_pv_bool(out, false);
        else
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_BOOLEAN);
        return;
    }
    default:
        break;
    }
    if (s_any_null(a, n)) {
        as_pv_null(out, ins->card, ins->base);
        return;
    }
    switch (ins->op) {
    case AS_PO_MATCH:
        as_pv_bool(out, s_match(&a[0], &a[1]));
        return;
    case AS_PO_MEMBER:
        as_pv_bool(out, s_count(&a[1], &a[0].v) > 0);
        return;
    case AS_PO_CONTAINS:
        as_pv_bool(out, s_contains(&a[0], &a[1]));
        return;
    case AS_PO_DELETE:
        s_delete(ev, &a[0], &a[1], out);
        return;
    case AS_PO_INDEX:
        if (at->n < 1 || at->n > a[0].n)
            as_pv_null(out, AS_CARD_SINGLE, a[0].base);
        else
            as_pv_single(out, (as_base_t)a[0].base, as_pv_at(&a[0], (uint32_t)at->n - 1));
        return;
    case AS_PO_SUM:
    case AS_PO_PRODUCT:
    case AS_PO_MIN:
    case AS_PO_MAX:
        s_fold(ins, a, n, out);
        return;
    case AS_PO_GCD:
    case AS_PO_LCM:
        as_op_gcd_lcm(ins, a, n, out);
        return;
    case AS_PO_SUBTRACT:
        if (s_all_int(a, 2)) {
            int64_t r;
            if (__builtin_sub_overflow(a[0].v.i, a[1].v.i, &r))
                as_pv_null(out, AS_CARD_SINGLE, AS_BT_INTEGER);
            else
                as_pv_int(out, r);
        } else {
            as_pv_float(out, a[0].v.x - a[1].v.x);
        }
        return;
    case AS_PO_DIVIDE:
        if (a[1].v.x == 0)
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_FLOAT);
        else
            as_pv_float(out, a[0].v.x / a[1].v.x);
        return;
    case AS_PO_POWER:
        as_pv_float(out, pow(a[0].v.x, a[1].v.x));
        return;
    case AS_PO_INTEGER_DIVIDE:
    case AS_PO_INTEGER_MODULUS: {
        int64_t x = a[0].v.i, y = a[1].v.i;
        if (y == 0 || (x == INT64_MIN && y == -1)) {
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_INTEGER);
            return;
        }
        int64_t q = x / y, r = x % y;
        if (r != 0 && ((r < 0) != (y < 0))) { /* rounded down, not towards zero */
            q--;
            r += y;
        }
        as_pv_int(out, ins->op == AS_PO_INTEGER_DIVIDE ? q : r);
        return;
    }
    case AS_PO_INTEGER_TO_FLOAT:
        as_pv_float(out, a[0].v.x);
        return;
    case AS_PO_TRUNCATE:
        as_pv_int_of(out, trunc(a[0].v.x));
        return;
    case AS_PO_ROUND:
        as_pv_int_of(out, floor(a[0].v.x + 0.5));
        return;
    case AS_PO_ROUND_TO: {
        double r;
        if (as_round_to(a[0].v.x, (as_round_mode_t)at->mode, at->n, &r))
            as_pv_float(out, r);
        else
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_FLOAT);
        return;
    }
    case AS_PO_EQUAL_ROUNDED: {
        double x, y;
        bool okx = as_round_to(a[0].v.x, (as_round_mode_t)at->mode, at->n, &x);
        bool oky = as_round_to(a[1].v.x, (as_round_mode_t)at->mode, at->n, &y);
        if (okx && oky)
            as_pv_bool(out, x == y);
        else
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_BOOLEAN);
        return;
    }
    case AS_PO_GT:
        as_pv_bool(out, a[0].v.x > a[1].v.x);
        return;
    case AS_PO_GTE:
        as_pv_bool(out, a[0].v.x >= a[1].v.x);
        return;
    case AS_PO_LT:
        as_pv_bool(out, a[0].v.x < a[1].v.x);
        return;
    case AS_PO_LTE:
        as_pv_bool(out, a[0].v.x <= a[1].v.x);
        return;
    case AS_PO_EQUAL:
        as_pv_bool(out, s_equal(at, a[0].v.x, a[1].v.x));
        return;
    case AS_PO_NOT:
        as_pv_bool(out, a[0].v.i == 0);
        return;
    case AS_PO_STRING_MATCH: {
        bool cs = at->flags & AS_PA_CASE;
        if (at->flags & AS_PA_SUBSTRING)
            as_pv_bool(out, s_find(a[0].v.a, a[0].v.a_len, a[1].v.a, a[1].v.a_len, cs));
        else
            as_pv_bool(out, as_str_eq_cs(a[0].v.a, a[0].v.a_len, a[1].v.a, a[1].v.a_len, cs));
        return;
    }
    case AS_PO_SUBSTRING:
        as_pv_bool(out,
                   s_find(a[0].v.a, a[0].v.a_len, a[1].v.a, a[1].v.a_len, at->flags & AS_PA_CASE));
        return;
    case AS_PO_PATTERN_MATCH: {
        if (ev->budget.halt) { /* stopped: the evaluation's result is discarded */
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_BOOLEAN);
            return;
        }
        int m = as_rx_match(ev->rx, (const char *)ev->base + at->s_off, at->s_len, a[0].v.a,
                            a[0].v.a_len, ev->budget.rx_limited);
        if (as_budget_check(&ev->budget)) ev->overflow = true; /* the result is not used */
        if (m < 0)
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_BOOLEAN);
        else
            as_pv_bool(out, m == 1);
        return;
    }
    case AS_PO_INSIDE: {
        bool in = false;
        for (uint32_t i = 0; i < a[0].n && !in; i++)
            in = as_area_contains(ev->base, at->mode, at->s_off, at->s_len, as_pv_at(&a[0], i)->x,
                                  as_pv_at(&a[0], i)->y);
        as_pv_bool(out, in);
        return;
    }
    case AS_PO_MATH_OPERATOR:
        as_op_math(at, a, n, out);
        return;
    case AS_PO_STATS_OPERATOR:
        as_op_stats(at, &a[0], out);
        return;
    default:
        as_pv_null(out, ins->card, ins->base);
        return;
    }
}
