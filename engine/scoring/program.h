/* program.h — QTI response processing and outcome processing, compiled: the runtime values, the
 * instruction set stored in a table blob, and the evaluator that runs it in place.
 *
 * A program is postfix code: an expression pushes its operands' values, then its operator pops
 * them and pushes its result; rules store into outcome slots and jump. QTI has no loops, so a
 * program runs at most once through each instruction. Values are views: strings point into the
 * request or the blob, containers into the scorer's arena (AS_PROG_ARENA values, reset per
 * evaluation), so an evaluation allocates nothing.
 *
 * The operators' semantics (program_ops.c) are shared by the compiled evaluator (program.c) and
 * the reference tree walk (program_walk.c) that tests and fuzzing check the compiler against.
 */
#ifndef AS_PROGRAM_H
#define AS_PROGRAM_H

#include "value.h"

#include <math.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define AS_PROG_MAX_STACK 1024  /* operands in flight: the nesting and width a program may have */
#define AS_PROG_MAX_CODE  65536 /* instructions of one program */
#define AS_PROG_ARENA     4096  /* container values one evaluation may build */
#define AS_PROG_MAX_ARGS  1000  /* sub-expressions of one operator */
#define AS_MAX_RESPONSES  32    /* response declarations of one item */
#define AS_MAX_OUTCOMES   32    /* outcome declarations of one item or assessment */
#define AS_MAX_LOOKUP     1000  /* entries of a match or interpolation table */

/* "Any" in a static type: the type of the NULL expression, compatible with every other. */
#define AS_CARD_ANY AS_CARD_COUNT
#define AS_BT_ANY   AS_BT_COUNT

/* A runtime value. NULL (null = 1) is QTI's NULL; an empty container or an empty string is
 * NULL too. Single values are held inline (v), containers at vs (n values). */
typedef struct {
    uint8_t card; /* as_card_t */
    uint8_t base; /* as_base_t */
    uint8_t null;
    uint8_t pad;
    uint32_t n; /* values: 1 for a single value, 0 when NULL */
    const as_value_t *vs;
    as_value_t v;
} as_pv_t;

static inline const as_value_t *as_pv_at(const as_pv_t *p, uint32_t i)
{
    return p->card == AS_CARD_SINGLE ? &p->v : &p->vs[i];
}

/* The instruction set: one opcode per QTI expression element, the rules, and a few fused forms. */
typedef enum {
    /* leaves */
    AS_PO_BASE_VALUE, /* a: as_tval_t offset; base */
    AS_PO_NULL,
    AS_PO_RESPONSE, /* a: response index */
    AS_PO_OUTCOME,  /* a: outcome index */
    AS_PO_CORRECT,  /* a: the response's correct values (as_tval_t[argc]) */
    AS_PO_DEFAULT,  /* a: the outcome's default values (as_tval_t[argc]) */
    AS_PO_MAP_RESPONSE,
    AS_PO_MAP_RESPONSE_POINT,
    /* test level leaves; a: as_ptest_t offset */
    AS_PO_ITEM_OUTCOME,
    AS_PO_TEST_VARIABLES,
    AS_PO_OUTCOME_MAXIMUM,
    AS_PO_OUTCOME_MINIMUM,
    AS_PO_NUMBER_CORRECT,
    AS_PO_NUMBER_INCORRECT,
    AS_PO_NUMBER_RESPONDED,
    AS_PO_NUMBER_PRESENTED,
    AS_PO_NUMBER_SELECTED,
    /* fused leaves, emitted for the commonest idioms (never by the reference walk) */
    AS_PO_MATCH_CORRECT,    /* match(variable R, correct R): a response, b its correct values,
                               argc how many */
    AS_PO_IS_NULL_RESPONSE, /* isNull(variable R): a response */
    AS_PO_LEAF_LAST = AS_PO_IS_NULL_RESPONSE,
    /* operators; argc operands; a: as_pattr_t offset when the operator has attributes */
    AS_PO_IS_NULL,
    AS_PO_MATCH,
    AS_PO_MEMBER,
    AS_PO_CONTAINS,
    AS_PO_DELETE,
    AS_PO_INDEX,
    AS_PO_CONTAINER_SIZE,
    AS_PO_ORDERED,
    AS_PO_MULTIPLE,
    AS_PO_REPEAT,
    AS_PO_SUM,
    AS_PO_PRODUCT,
    AS_PO_SUBTRACT,
    AS_PO_DIVIDE,
    AS_PO_POWER,
    AS_PO_INTEGER_DIVIDE,
    AS_PO_INTEGER_MODULUS,
    AS_PO_INTEGER_TO_FLOAT,
    AS_PO_TRUNCATE,
    AS_PO_ROUND,
    AS_PO_ROUND_TO,
    AS_PO_MIN,
    AS_PO_MAX,
    AS_PO_GCD,
    AS_PO_LCM,
    AS_PO_GT,
    AS_PO_GTE,
    AS_PO_LT,
    AS_PO_LTE,
    AS_PO_EQUAL,
    AS_PO_EQUAL_ROUNDED,
    AS_PO_AND,
    AS_PO_OR,
    AS_PO_NOT,
    AS_PO_ANY_N,
    AS_PO_STRING_MATCH,
    AS_PO_SUBSTRING,
    AS_PO_PATTERN_MATCH,
    AS_PO_INSIDE,
    AS_PO_MATH_OPERATOR,
    AS_PO_STATS_OPERATOR,
    AS_PO_EXPR_COUNT,
    /* rules */
    AS_PO_SET = AS_PO_EXPR_COUNT, /* pops one value into outcome a */
    AS_PO_LOOKUP,                 /* pops one value, looks it up in outcome a's table */
    AS_PO_JUMP_UNLESS,            /* pops a condition; jumps to instruction a unless it is true */
    AS_PO_JUMP,                   /* to instruction a */
    AS_PO_EXIT,
    AS_PO_SET_CONST, /* setOutcomeValue(baseValue): outcome a, the value at b */
    AS_PO_COUNT
} as_op_t;

typedef struct {
    uint16_t op;
    uint8_t card, base; /* the static type of the result (AS_*_ANY for NULL); of the outcome set
                           (AS_PO_SET, AS_PO_SET_CONST, AS_PO_LOOKUP) */
    uint32_t argc;      /* operands; for some leaves a count (above) */
    uint32_t a, b;
} as_pins_t;

/* as_pattr_t.flags */
#define AS_PA_LOWER_BOUND 0x01 /* equal: includeLowerBound */
#define AS_PA_UPPER_BOUND 0x02 /* equal: includeUpperBound */
#define AS_PA_CASE        0x04 /* stringMatch, substring: caseSensitive */
#define AS_PA_SUBSTRING   0x08 /* stringMatch: substring */
#define AS_PA_WEIGHTED    0x10 /* test level: weightIdentifier given */

typedef enum { AS_TOL_EXACT, AS_TOL_ABSOLUTE, AS_TOL_RELATIVE } as_tol_mode_t;
typedef enum { AS_ROUND_SIGNIFICANT, AS_ROUND_DECIMAL } as_round_mode_t;
typedef enum {
    AS_MATH_SIN,
    AS_MATH_COS,
    AS_MATH_TAN,
    AS_MATH_SEC,
    AS_MATH_CSC,
    AS_MATH_COT,
    AS_MATH_ASIN,
    AS_MATH_ACOS,
    AS_MATH_ATAN,
    AS_MATH_ATAN2,
    AS_MATH_ASEC,
    AS_MATH_ACSC,
    AS_MATH_ACOT,
    AS_MATH_SINH,
    AS_MATH_COSH,
    AS_MATH_TANH,
    AS_MATH_SECH,
    AS_MATH_CSCH,
    AS_MATH_COTH,
    AS_MATH_LOG,
    AS_MATH_LN,
    AS_MATH_EXP,
    AS_MATH_ABS,
    AS_MATH_SIGNUM,
    AS_MATH_FLOOR,
    AS_MATH_CEIL,
    AS_MATH_TO_DEGREES,
    AS_MATH_TO_RADIANS,
    AS_MATH_COUNT
} as_math_t;
typedef enum {
    AS_STATS_MEAN,
    AS_STATS_SAMPLE_VARIANCE,
    AS_STATS_SAMPLE_SD,
    AS_STATS_POP_VARIANCE,
    AS_STATS_POP_SD,
    AS_STATS_COUNT
} as_stats_t;
extern const char *const as_math_names[AS_MATH_COUNT];
extern const char *const as_stats_names[AS_STATS_COUNT];

/* An operator's attributes, in the blob at as_pins_t.a. */
typedef struct {
    uint32_t mode;         /* as_tol_mode_t, as_round_mode_t, as_math_t, as_stats_t, as_shape_t */
    uint32_t flags;        /* AS_PA_* */
    int64_t n, m;          /* figures; index n; anyN min and max; numberRepeats */
    double t0, t1;         /* equal: the tolerances */
    uint32_t s_off, s_len; /* patternMatch: the pattern (PCRE2 syntax); inside: coords, count */
} as_pattr_t;

/* A test-level reference to item outcomes, in the blob at as_pins_t.a: for each item (in
 * definition order) the index of its outcome called `identifier`, or -1. */
typedef struct {
    uint32_t flags;     /* AS_PA_WEIGHTED */
    uint32_t base;      /* testVariables: only items whose outcome has this base type; AS_BT_ANY */
    uint32_t item;      /* ITEM.OUTCOME: the item's position */
    uint32_t slots_off; /* int32_t[n_items] */
} as_ptest_t;

typedef struct as_rx_cache as_rx_cache_t;

/* What bounds a scoring call's time (table.h: as_scorer_limits, as_scorer_budget). Read only
 * where time can be spent: after a patternMatch and between the responses of a batch, never
 * on the templates' path. */
typedef struct {
    uint64_t budget_ns;                 /* CPU time one call may take (0: unbounded) */
    uint64_t cpu_start_ns;              /* this thread's CPU clock at the first check; 0 before */
    const _Atomic uint64_t *stop_at_ns; /* monotonic time past which every call stops (shutdown:
                                           0 until then); may be NULL */
    _Atomic uint64_t *rx_limited;       /* counts matches cut short by PCRE2's limits; or NULL */
    as_code_t halt;                     /* why the call stopped: AS_TOO_LARGE (its budget) or
                                           AS_UNAVAILABLE (shutdown); AS_OK while it runs */
} as_budget_t;

/* The state one evaluation works in (owned by the scorer, reused: nothing is allocated per
 * evaluation). */
typedef struct {
    const uint8_t *base; /* the blob: constants, attributes, patterns */
    as_value_t *arena;   /* AS_PROG_ARENA values */
    uint32_t used;       /* arena values in use */
    bool overflow;       /* the arena ran out, or the budget (budget.halt): not a valid result */
    as_rx_cache_t *rx;   /* compiled patterns of patternMatch */
    as_budget_t budget;
} as_peval_t;

/* Whether the call must stop now (its CPU budget spent, or the engine stopping): sets
 * budget.halt and returns it; AS_OK to go on. */
as_code_t as_budget_check(as_budget_t *b);

/* Takes n values of the arena; NULL (and ev->overflow set) when it has no room. */
as_value_t *as_peval_alloc(as_peval_t *ev, uint32_t n);

/* Applies operator ins->op (an operator, not a leaf) to its n operands, attributes attr (NULL
 * for an operator without attributes), into *out, which may be the first operand (every operator
 * reads its operands before it writes its result). Operands are NULL or of the types the compiler
 * checked. Never fails: results out of a type's range are NULL as QTI says; an exhausted arena
 * sets ev->overflow. */
void as_op_apply(as_peval_t *ev, const as_pins_t *ins, const as_pattr_t *attr, const as_pv_t *args,
                 uint32_t n, as_pv_t *out);

/* Sets *out to NULL of the given type. */
static inline void as_pv_null(as_pv_t *out, uint8_t card, uint8_t base)
{
    out->card = card;
    out->base = base;
    out->null = 1;
    out->n = 0;
    out->vs = NULL;
}
/* A single value's view. */
static inline void as_pv_single(as_pv_t *out, as_base_t base, const as_value_t *v)
{
    out->card = AS_CARD_SINGLE;
    out->base = (uint8_t)base;
    out->null = 0;
    out->n = 1;
    out->vs = NULL;
    out->v = *v;
}

/* Result setters: an integer (x holds it too), a float (NULL when not finite), a boolean, an
 * integer from a float (NULL outside int64's range). */
static inline void as_pv_int(as_pv_t *out, int64_t i)
{
    as_value_t v = {.i = i, .x = (double)i};
    as_pv_single(out, AS_BT_INTEGER, &v);
}

static inline void as_pv_float(as_pv_t *out, double x)
{
    if (!isfinite(x)) {
        as_pv_null(out, AS_CARD_SINGLE, AS_BT_FLOAT);
        return;
    }
    as_value_t v = {.x = x};
    as_pv_single(out, AS_BT_FLOAT, &v);
}

static inline void as_pv_bool(as_pv_t *out, bool b)
{
    as_value_t v = {.i = b};
    as_pv_single(out, AS_BT_BOOLEAN, &v);
}

/* The integer slot of a value whose float is x: x truncated, clamped to int64's range (NaN: 0),
 * so that converting never leaves the range C defines (a float the program may also read as an
 * integer: an outcome's maximum times its weight, a template's raw score). */
static inline int64_t as_i64_clamped(double x)
{
    if (!(x > -9223372036854775808.0)) return x != x ? 0 : INT64_MIN;
    if (!(x < 9223372036854775808.0)) return INT64_MAX;
    return (int64_t)x;
}

/* A float that must be an integer: NULL outside int64's range. */
static inline void as_pv_int_of(as_pv_t *out, double x)
{
    if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) {
        as_pv_null(out, AS_CARD_SINGLE, AS_BT_INTEGER);
        return;
    }
    as_pv_int(out, (int64_t)x);
}

/* ---- program_numbers.c ---- */

/* x rounded half up to `figures` significant figures or decimal places as the decimal number x
 * is written; false when the result is not finite. */
bool as_round_to(double x, as_round_mode_t mode, int64_t figures, double *out);
/* mathOperator (n operands), statsOperator (a container), gcd / lcm (every value of n operands),
 * none NULL. */
void as_op_math(const as_pattr_t *at, const as_pv_t *a, uint32_t n, as_pv_t *out);
void as_op_stats(const as_pattr_t *at, const as_pv_t *c, as_pv_t *out);
void as_op_gcd_lcm(const as_pins_t *ins, const as_pv_t *a, uint32_t n, as_pv_t *out);

/* Whether QTI area (shape, coords at off: n doubles in the blob at base) holds (x, y); a point
 * on an edge is inside (templates.c). */
bool as_area_contains(const uint8_t *base, uint32_t shape, uint32_t off, uint32_t n, double x,
                      double y);

/* ---- program_regex.c: patternMatch ---- */

/* Translates an XML Schema regular expression (QTI's patternMatch) to a PCRE2 pattern that
 * matches whole strings, into out (cap bytes). Returns NULL, or a message saying what is not
 * supported or wrong (the pattern is then also checked by compiling it). */
const char *as_rx_translate(const char *xsd, uint32_t len, char *out, size_t cap,
                            uint32_t *out_len);
/* Compiles a translated pattern to check it; returns NULL or PCRE2's message (in buf). */
const char *as_rx_check(const char *pat, uint32_t len, char *buf, size_t cap);
as_rx_cache_t *as_rx_cache_new(void);
void as_rx_cache_destroy(as_rx_cache_t **self_p);
/* 1 when s matches pattern pat (translated), 0 when not, -1 when the pattern cannot be compiled
 * or memory is short. Compiles a pattern the first time the cache sees it. A match that needs
 * more than AS_RX_MATCH_LIMIT steps (backtracking: (a|aa)+ over a long string) or more than
 * AS_RX_DEPTH_LIMIT nested backtracking points is cut short: it is 0 (no match) and counted in
 * *limited when that is not NULL. */
#define AS_RX_MATCH_LIMIT    100000
#define AS_RX_DEPTH_LIMIT    10000
#define AS_RX_HEAP_LIMIT_KIB 8192
int as_rx_match(as_rx_cache_t *self, const char *pat, uint32_t pat_len, const char *s, uint32_t len,
                _Atomic uint64_t *limited);

#endif
