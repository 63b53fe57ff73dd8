/* program_numbers.c — the numeric operators of programs (program.h): rounding as the decimal
 * number is written (roundTo, equalRounded), QTI 2.2's mathOperator and statsOperator, gcd and
 * lcm. NULL for results outside a type's range, as QTI says. */
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
void as_op_gcd_lcm(const as_pins_t *ins, const as_pv_t *a, uint32_t n, as_pv_t *out)
{
    int64_t acc = ins->op == AS_PO_GCD ? 0 : 1;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < a[i].n; j++) {
            int64_t v = as_pv_at(&a[i], j)->i;
            if (ins->op == AS_PO_GCD) {
                acc = s_gcd2(acc, v);
            } else if (v == 0 || acc == 0) {
                acc = 0;
            } else {
                int64_t g = s_gcd2(acc, v), r;
                if (g < 0 || __builtin_mul_overflow(acc / g, v, &r) || r == INT64_MIN) {
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
    as_pv_int(out, acc);
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
bool as_round_to(double x, as_round_mode_t mode, int64_t figures, double *out)
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

void as_op_math(const as_pattr_t *at, const as_pv_t *a, uint32_t n, as_pv_t *out)
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
            as_pv_int(out, a[0].v.i < 0 ? -a[0].v.i : a[0].v.i);
            return;
        }
        r = fabs(x);
        break;
    case AS_MATH_SIGNUM:
        as_pv_int(out, x > 0 ? 1 : x < 0 ? -1 : 0);
        return;
    case AS_MATH_FLOOR:
        as_pv_int_of(out, floor(x));
        return;
    case AS_MATH_CEIL:
        as_pv_int_of(out, ceil(x));
        return;
    case AS_MATH_TO_DEGREES:
        r = x * 180.0 / M_PI;
        break;
    default:
        r = x * M_PI / 180.0;
        break; /* toRadians */
    }
    as_pv_float(out, r); /* outside the function's domain (NaN) or range (infinite): NULL */
}

void as_op_stats(const as_pattr_t *at, const as_pv_t *c, as_pv_t *out)
{
    uint32_t n = c->n;
    double sum = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += as_pv_at(c, i)->x;
    double mean = sum / n, ss = 0;
    if (at->mode == AS_STATS_MEAN) {
        as_pv_float(out, mean);
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
    as_pv_float(out,
                at->mode == AS_STATS_SAMPLE_SD || at->mode == AS_STATS_POP_SD ? sqrt(var) : var);
}
