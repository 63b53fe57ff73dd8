/* program_ops.c — what each QTI operator computes (program.h): NULL in, NULL out where QTI says
 * so, integer or float arithmetic by the operands' base types, containers built in the arena.
 * Shared by the compiled evaluator (program.c) and the reference tree walk (program_walk.c). */
#include "program.h"

#include "table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

const char *const as_math_names[AS_MATH_COUNT] = {
    "sin",  "cos",  "tan",  "sec",    "csc",   "cot",  "asin",      "acos",     "atan", "atan2",
    "asec", "acsc", "acot", "sinh",   "cosh",  "tanh", "sech",      "csch",     "coth", "log",
    "ln",   "exp",  "abs",  "signum", "floor", "ceil", "toDegrees", "toRadians"};

const char *const as_stats_names[AS_STATS_COUNT] = {"mean", "sampleVariance", "sampleSD",
                                                    "popVariance", "popSD"};

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

static void s_int(as_pv_t *out, int64_t i)
{
    as_value_t v = {.i = i, .x = (double)i};
    as_pv_single(out, AS_BT_INTEGER, &v);
}

static void s_float(as_pv_t *out, double x)
{
    if (!isfinite(x)) {
        as_pv_null(out, AS_CARD_SINGLE, AS_BT_FLOAT);
        return;
    }
    as_value_t v = {.x = x};
    as_pv_single(out, AS_BT_FLOAT, &v);
}

static void s_bool(as_pv_t *out, bool b)
{
    as_value_t v = {.i = b};
    as_pv_single(out, AS_BT_BOOLEAN, &v);
}

/* A float that must be an integer: NULL outside int64's range. */
static void s_int_of(as_pv_t *out, double x)
{
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) {
        as_pv_null(out, AS_CARD_SINGLE, AS_BT_INTEGER);
        return;
    }
    s_int(out, (int64_t)x);
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
    uint8_t card = ins->op == AS_OP_MULTIPLE ? AS_CARD_MULTIPLE : AS_CARD_ORDERED;
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
    int64_t acc = ins->op == AS_OP_PRODUCT ? 1 : 0;
    double x = ins->op == AS_OP_PRODUCT ? 1 : 0;
    bool first = true;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < a[i].n; j++) {
            const as_value_t *v = as_pv_at(&a[i], j);
            bool overflow = false;
            switch (ins->op) {
            case AS_OP_SUM:
                if (ints) overflow = __builtin_add_overflow(acc, v->i, &acc);
                x += v->x;
                break;
            case AS_OP_PRODUCT:
                if (ints) overflow = __builtin_mul_overflow(acc, v->i, &acc);
                x *= v->x;
                break;
            case AS_OP_MIN:
                if (first || v->x < x) {
                    x = v->x;
                    acc = v->i;
                }
                break;
            default: /* AS_OP_MAX */
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
        s_int(out, acc);
    else
        s_float(out, x);
}

static int64_t s_gcd2(int64_t a, int64_t b)
{
    uint64_t x = a < 0 ? -(uint64_t)a : (uint64_t)a, y = b < 0 ? -(uint64_t)b : (uint64_t)b;
    while (y) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return x > INT64_MAX ? -1 : (int64_t)x;
}

/* gcd and lcm over every value; gcd of zeros is 0, lcm with a zero is 0. */
static void s_gcd_lcm(const as_pins_t *ins, const as_pv_t *a, uint32_t n, as_pv_t *out)
{
    int64_t acc = ins->op == AS_OP_GCD ? 0 : 1;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < a[i].n; j++) {
            int64_t v = as_pv_at(&a[i], j)->i;
            if (ins->op == AS_OP_GCD) {
                acc = s_gcd2(acc, v);
            } else if (v == 0 || acc == 0) {
                acc = 0;
            } else {
                int64_t g = s_gcd2(acc, v), r;
                if (g < 0 || __builtin_mul_overflow(acc / g, v, &r)) {
                    as_pv_null(out, AS_CARD_SINGLE, AS_BT_INTEGER);
                    return;
                }
                acc = r < 0 ? -r : r;
            }
            if (acc < 0) {
                as_pv_null(out, AS_CARD_SINGLE, AS_BT_INTEGER);
                return;
            }
        }
    s_int(out, acc);
}

static const double s_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* The exact path of s_round_to: decides on x's shortest decimal digits. */
static bool s_round_digits(double x, as_round_mode_t mode, int64_t figures, double *out);

/* Rounds x half up (towards +infinity at exactly half) to `figures` significant figures or
 * decimal places, as the decimal number x is written (1.005 to two places is 1.01). Arithmetic
 * decides unless x is within a hair of a tie, where binary noise could decide wrongly: then the
 * decimal digits do. */
static bool s_round_to(double x, as_round_mode_t mode, int64_t figures, double *out)
{
    if (x == 0) {
        *out = 0;
        return true;
    }
    int64_t places = figures;
    if (mode == AS_ROUND_SIGNIFICANT) places = figures - 1 - (int64_t)floor(log10(fabs(x)));
    if (places < -22 || places > 22 || fabs(x) >= 1e15)
        return s_round_digits(x, mode, figures, out);
    double p = s_pow10[places < 0 ? -places : places];
    double scaled = places < 0 ? x / p : x * p;
    double down = floor(scaled), frac = scaled - down;
    if (fabs(scaled) >= 9e15) return s_round_digits(x, mode, figures, out);
    double r = frac > 0.5 ? down + 1 : down;
    if (fabs(frac - 0.5) < 1e-9 * fmax(1, fabs(scaled))) {
        /* near a tie: the tie's own double (the one nearest the decimal down + 1/2 units) is x
         * exactly when x is written as the tie, which rounds up; else x is on one side of it */
        double tie = places < 0 ? (down + 0.5) * p : (down + 0.5) / p;
        r = x >= tie ? down + 1 : down;
    }
    *out = places < 0 ? r * p : r / p;
    return isfinite(*out);
}

static bool s_round_digits(double x, as_round_mode_t mode, int64_t figures, double *out)
{
    if (x == 0) {
        *out = 0;
        return true;
    }
    /* the shortest of 15..17 significant digits that reads back as x */
    char digits[40];
    for (int p = 14; p <= 16; p++) {
        snprintf(digits, sizeof digits, "%.*e", p, fabs(x));
        if (strtod(digits, NULL) == fabs(x)) break;
    }
    char mant[24];
    int nd = 0, exp10 = 0;
    for (const char *c = digits; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9') mant[nd++] = *c;
    exp10 = atoi(strchr(digits, 'e') + 1);
    /* keep = how many leading digits survive */
    int64_t keep = mode == AS_ROUND_SIGNIFICANT ? figures : (int64_t)exp10 + 1 + figures;
    if (keep >= nd) {
        *out = x;
        return true;
    }
    bool up = false;
    if (keep >= 0) {
        int cmp = 0; /* rest compared with one half: -1 below, 0 equal, 1 above */
        if (keep < nd) {
            if (mant[keep] > '5')
                cmp = 1;
            else if (mant[keep] < '5')
                cmp = -1;
            else {
                cmp = 0;
                for (int i = (int)keep + 1; i < nd; i++)
                    if (mant[i] != '0') cmp = 1;
            }
        }
        up = cmp > 0 || (cmp == 0 && x > 0);
    }
    /* the kept digits, plus one unit in the last place when up, read back through text so that
     * the result is the double nearest the decimal value */
    double kept = 0;
    for (int i = 0; i < keep && i < nd; i++)
        kept = kept * 10 + (mant[i] - '0');
    if (keep <= 0) kept = 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%.0fe%d", kept + (up ? 1 : 0),
             exp10 + 1 - (int)(keep > 0 ? keep : 0));
    double mag = strtod(buf, NULL);
    *out = x < 0 ? -mag : mag;
    return isfinite(*out);
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

static void s_math(const as_pattr_t *at, const as_pv_t *a, uint32_t n, as_pv_t *out)
{
    double x = a[0].v.x, r;
    switch ((as_math_t)at->mode) {
    case AS_MATH_SIN:
        r = sin(x);
        break;
    case AS_MATH_COS:
        r = cos(x);
        break;
    case AS_MATH_TAN:
        r = tan(x);
        break;
    case AS_MATH_SEC:
        r = cos(x) == 0 ? NAN : 1 / cos(x);
        break;
    case AS_MATH_CSC:
        r = sin(x) == 0 ? NAN : 1 / sin(x);
        break;
    case AS_MATH_COT:
        r = tan(x) == 0 ? NAN : 1 / tan(x);
        break;
    case AS_MATH_ASIN:
        r = asin(x);
        break;
    case AS_MATH_ACOS:
        r = acos(x);
        break;
    case AS_MATH_ATAN:
        r = atan(x);
        break;
    case AS_MATH_ATAN2:
        r = n > 1 ? atan2(x, a[1].v.x) : NAN;
        break;
    case AS_MATH_ASEC:
        r = fabs(x) < 1 ? NAN : acos(1 / x);
        break;
    case AS_MATH_ACSC:
        r = fabs(x) < 1 ? NAN : asin(1 / x);
        break;
    case AS_MATH_ACOT:
        r = x == 0 ? M_PI_2 : atan(1 / x);
        break;
    case AS_MATH_SINH:
        r = sinh(x);
        break;
    case AS_MATH_COSH:
        r = cosh(x);
        break;
    case AS_MATH_TANH:
        r = tanh(x);
        break;
    case AS_MATH_SECH:
        r = 1 / cosh(x);
        break;
    case AS_MATH_CSCH:
        r = x == 0 ? NAN : 1 / sinh(x);
        break;
    case AS_MATH_COTH:
        r = x == 0 ? NAN : 1 / tanh(x);
        break;
    case AS_MATH_LOG:
        r = x <= 0 ? NAN : log10(x);
        break;
    case AS_MATH_LN:
        r = x <= 0 ? NAN : log(x);
        break;
    case AS_MATH_EXP:
        r = exp(x);
        break;
    case AS_MATH_ABS:
        if (a[0].base == AS_BT_INTEGER && a[0].v.i != INT64_MIN) {
            s_int(out, a[0].v.i < 0 ? -a[0].v.i : a[0].v.i);
            return;
        }
        r = fabs(x);
        break;
    case AS_MATH_SIGNUM:
        s_int(out, x > 0 ? 1 : x < 0 ? -1 : 0);
        return;
    case AS_MATH_FLOOR:
        s_int_of(out, floor(x));
        return;
    case AS_MATH_CEIL:
        s_int_of(out, ceil(x));
        return;
    case AS_MATH_TO_DEGREES:
        r = x * 180.0 / M_PI;
        break;
    default:
        r = x * M_PI / 180.0;
        break; /* toRadians */
    }
    s_float(out, r); /* outside the function's domain (NaN) or range (infinite): NULL */
}

static void s_stats(const as_pattr_t *at, const as_pv_t *c, as_pv_t *out)
{
    uint32_t n = c->n;
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += as_pv_at(c, i)->x;
    double mean = sum / n, ss = 0;
    if (at->mode == AS_STATS_MEAN) {
        s_float(out, mean);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        double d = as_pv_at(c, i)->x - mean;
        ss += d * d;
    }
    bool sample = at->mode == AS_STATS_SAMPLE_VARIANCE || at->mode == AS_STATS_SAMPLE_SD;
    if (sample && n < 2) {
        as_pv_null(out, AS_CARD_SINGLE, AS_BT_FLOAT);
        return;
    }
    double var = ss / (sample ? n - 1 : n);
    s_float(out, at->mode == AS_STATS_SAMPLE_SD || at->mode == AS_STATS_POP_SD ? sqrt(var) : var);
}

void as_op_apply(as_peval_t *ev, const as_pins_t *ins, const as_pattr_t *at, const as_pv_t *a,
                 uint32_t n, as_pv_t *out)
{
    /* Operators that see NULL operands themselves; every other gives NULL for a NULL operand. */
    switch (ins->op) {
    case AS_OP_IS_NULL:
        s_bool(out, a[0].null);
        return;
    case AS_OP_CONTAINER_SIZE:
        s_int(out, a[0].null ? 0 : a[0].n);
        return;
    case AS_OP_ORDERED:
    case AS_OP_MULTIPLE:
        s_concat(ev, ins, a, n, 1, out);
        return;
    case AS_OP_REPEAT:
        s_concat(ev, ins, a, n, at->n, out);
        return;
    case AS_OP_AND:
    case AS_OP_OR: {
        bool want = ins->op == AS_OP_OR, nulls = false;
        for (uint32_t i = 0; i < n; i++) {
            if (a[i].null)
                nulls = true;
            else if ((a[i].v.i != 0) == want) {
                s_bool(out, want);
                return;
            }
        }
        if (nulls)
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_BOOLEAN);
        else
            s_bool(out, !want);
        return;
    }
    case AS_OP_ANY_N: {
        int64_t t = 0, nulls = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (a[i].null)
                nulls++;
            else
                t += a[i].v.i != 0;
        }
        if (t >= at->n && t + nulls <= at->m)
            s_bool(out, true);
        else if (t + nulls < at->n || t > at->m)
            s_bool(out, false);
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
    case AS_OP_MATCH:
        s_bool(out, s_match(&a[0], &a[1]));
        return;
    case AS_OP_MEMBER:
        s_bool(out, s_count(&a[1], &a[0].v) > 0);
        return;
    case AS_OP_CONTAINS:
        s_bool(out, s_contains(&a[0], &a[1]));
        return;
    case AS_OP_DELETE:
        s_delete(ev, &a[0], &a[1], out);
        return;
    case AS_OP_INDEX:
        if (at->n < 1 || at->n > a[0].n)
            as_pv_null(out, AS_CARD_SINGLE, a[0].base);
        else
            as_pv_single(out, (as_base_t)a[0].base, as_pv_at(&a[0], (uint32_t)at->n - 1));
        return;
    case AS_OP_SUM:
    case AS_OP_PRODUCT:
    case AS_OP_MIN:
    case AS_OP_MAX:
        s_fold(ins, a, n, out);
        return;
    case AS_OP_GCD:
    case AS_OP_LCM:
        s_gcd_lcm(ins, a, n, out);
        return;
    case AS_OP_SUBTRACT:
        if (s_all_int(a, 2)) {
            int64_t r;
            if (__builtin_sub_overflow(a[0].v.i, a[1].v.i, &r))
                as_pv_null(out, AS_CARD_SINGLE, AS_BT_INTEGER);
            else
                s_int(out, r);
        } else {
            s_float(out, a[0].v.x - a[1].v.x);
        }
        return;
    case AS_OP_DIVIDE:
        if (a[1].v.x == 0)
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_FLOAT);
        else
            s_float(out, a[0].v.x / a[1].v.x);
        return;
    case AS_OP_POWER:
        s_float(out, pow(a[0].v.x, a[1].v.x));
        return;
    case AS_OP_INTEGER_DIVIDE:
    case AS_OP_INTEGER_MODULUS: {
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
        s_int(out, ins->op == AS_OP_INTEGER_DIVIDE ? q : r);
        return;
    }
    case AS_OP_INTEGER_TO_FLOAT:
        s_float(out, a[0].v.x);
        return;
    case AS_OP_TRUNCATE:
        s_int_of(out, trunc(a[0].v.x));
        return;
    case AS_OP_ROUND:
        s_int_of(out, floor(a[0].v.x + 0.5));
        return;
    case AS_OP_ROUND_TO: {
        double r;
        if (s_round_to(a[0].v.x, (as_round_mode_t)at->mode, at->n, &r))
            s_float(out, r);
        else
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_FLOAT);
        return;
    }
    case AS_OP_EQUAL_ROUNDED: {
        double x, y;
        bool okx = s_round_to(a[0].v.x, (as_round_mode_t)at->mode, at->n, &x);
        bool oky = s_round_to(a[1].v.x, (as_round_mode_t)at->mode, at->n, &y);
        if (okx && oky)
            s_bool(out, x == y);
        else
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_BOOLEAN);
        return;
    }
    case AS_OP_GT:
        s_bool(out, a[0].v.x > a[1].v.x);
        return;
    case AS_OP_GTE:
        s_bool(out, a[0].v.x >= a[1].v.x);
        return;
    case AS_OP_LT:
        s_bool(out, a[0].v.x < a[1].v.x);
        return;
    case AS_OP_LTE:
        s_bool(out, a[0].v.x <= a[1].v.x);
        return;
    case AS_OP_EQUAL:
        s_bool(out, s_equal(at, a[0].v.x, a[1].v.x));
        return;
    case AS_OP_NOT:
        s_bool(out, a[0].v.i == 0);
        return;
    case AS_OP_STRING_MATCH: {
        bool cs = at->flags & AS_PA_CASE;
        if (at->flags & AS_PA_SUBSTRING)
            s_bool(out, s_find(a[0].v.a, a[0].v.a_len, a[1].v.a, a[1].v.a_len, cs));
        else
            s_bool(out, as_str_eq_cs(a[0].v.a, a[0].v.a_len, a[1].v.a, a[1].v.a_len, cs));
        return;
    }
    case AS_OP_SUBSTRING:
        s_bool(out, s_find(a[0].v.a, a[0].v.a_len, a[1].v.a, a[1].v.a_len, at->flags & AS_PA_CASE));
        return;
    case AS_OP_PATTERN_MATCH: {
        int m = as_rx_match(ev->rx, (const char *)ev->base + at->s_off, at->s_len, a[0].v.a,
                            a[0].v.a_len);
        if (m < 0)
            as_pv_null(out, AS_CARD_SINGLE, AS_BT_BOOLEAN);
        else
            s_bool(out, m == 1);
        return;
    }
    case AS_OP_INSIDE: {
        bool in = false;
        for (uint32_t i = 0; i < a[0].n && !in; i++)
            in = as_area_contains(ev->base, at->mode, at->s_off, at->s_len, as_pv_at(&a[0], i)->x,
                                  as_pv_at(&a[0], i)->y);
        s_bool(out, in);
        return;
    }
    case AS_OP_MATH_OPERATOR:
        s_math(at, a, n, out);
        return;
    case AS_OP_STATS_OPERATOR:
        s_stats(at, &a[0], out);
        return;
    default:
        as_pv_null(out, ins->card, ins->base);
        return;
    }
}
