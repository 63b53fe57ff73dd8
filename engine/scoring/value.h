/* value.h — response values of the QTI base types: reading them from msgpack and comparing them.
 *
 * One representation serves answers (views into a request buffer) and compiled tables (views into
 * an LMDB page): strings are (pointer, length), never copied and never NUL-terminated.
 */
#ifndef AS_VALUE_H
#define AS_VALUE_H

#include "codec.h"
#include "err.h"
#include "params.h"

#include <stdbool.h>
#include <stdint.h>

typedef enum { AS_CARD_SINGLE, AS_CARD_MULTIPLE, AS_CARD_ORDERED, AS_CARD_COUNT } as_card_t;

typedef enum {
    AS_BT_IDENTIFIER,
    AS_BT_STRING,
    AS_BT_INTEGER,
    AS_BT_FLOAT,
    AS_BT_PAIR,          /* "A B", unordered: equal to "B A" */
    AS_BT_DIRECTED_PAIR, /* "A B", ordered */
    AS_BT_POINT,         /* "x y" or [x, y] */
    AS_BT_BOOLEAN,       /* true or false (i: 0 or 1) */
    AS_BT_COUNT
} as_base_t;

extern const char *const as_card_names[AS_CARD_COUNT];
extern const char *const as_base_names[AS_BT_COUNT];

/* One value. identifier/string: a. pair, directed_pair: a and b. integer, boolean: i.
 * float: x. point: x and y. */
typedef struct {
    const char *a;
    const char *b;
    uint32_t a_len;
    uint32_t b_len;
    int64_t i;
    double x;
    double y;
} as_value_t;

/* Reads one value of base type `base` at r. On a wrong type or a malformed value, returns
 * bad_request with a message at `path` (none when err is NULL: the fast path) and leaves r
 * where it was. */
as_code_t as_value_read(as_mp_t *r, as_base_t base, as_value_t *v, const as_path_t *path,
                        as_err_t *err);

static inline bool as_str_eq_cs(const char *x, uint32_t xl, const char *y, uint32_t yl, bool cs)
{
    if (xl != yl) return false;
    if (cs) return as_bytes_eq(x, y, xl);
    for (uint32_t i = 0; i < xl; i++) {
        unsigned char a = (unsigned char)x[i], b = (unsigned char)y[i];
        if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
        if (b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
        if (a != b) return false;
    }
    return true;
}

/* QTI equality of two values of the same base type. case_sensitive applies to the string parts
 * of identifier, string, pair and directed_pair values (ASCII case folding). The string types,
 * by far the commonest, are compared inline; the others out of line. */
bool as_value_eq_other(as_base_t base, const as_value_t *x, const as_value_t *y, bool cs);
static inline bool as_value_eq(as_base_t base, const as_value_t *x, const as_value_t *y, bool cs)
{
    if (base == AS_BT_IDENTIFIER || base == AS_BT_STRING)
        return as_str_eq_cs(x->a, x->a_len, y->a, y->a_len, cs);
    return as_value_eq_other(base, x, y, cs);
}

/* Reads a response or a `correct` list at r into vals (up to max values, *n of them):
 * nil is a missing response (*n = 0); an array is a container of values (for point, an array
 * whose first element is a number is one point [x, y]); a scalar is one value. With single
 * cardinality more than one value is bad_request. */
as_code_t as_values_read(as_mp_t *r, as_card_t card, as_base_t base, as_value_t *vals, uint32_t max,
                         uint32_t *n, as_path_t *path, as_err_t *err);

#endif
