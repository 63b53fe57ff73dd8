/* value.c — reading and comparing QTI base-type values (see value.h). */
#include "value.h"

#include "protocol.h"

#include <math.h>
#include <stdlib.h>

const char *const as_card_names[AS_CARD_COUNT] = {"single", "multiple", "ordered"};
const char *const as_base_names[AS_BT_COUNT] = {
    "identifier", "string", "integer", "float", "pair", "directed_pair", "point", "boolean"};

static bool s_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Splits (s, len) into exactly two whitespace-separated tokens. */
static bool s_two_tokens(const char *s, uint32_t len, const char **a, uint32_t *a_len,
                         const char **b, uint32_t *b_len)
{
    uint32_t i = 0;
    while (i < len && s_space(s[i]))
        i++;
    uint32_t a0 = i;
    while (i < len && !s_space(s[i]))
        i++;
    uint32_t a1 = i;
    while (i < len && s_space(s[i]))
        i++;
    uint32_t b0 = i;
    while (i < len && !s_space(s[i]))
        i++;
    uint32_t b1 = i;
    while (i < len && s_space(s[i]))
        i++;
    if (a1 == a0 || b1 == b0 || i != len) return false;
    *a = s + a0;
    *a_len = a1 - a0;
    *b = s + b0;
    *b_len = b1 - b0;
    return true;
}

/* Parses one finite number from a token (copied to a small stack buffer for strtod). */
static bool s_number(const char *s, uint32_t len, double *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof tmp) return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    char *end;
    double d = strtod(tmp, &end);
    if (end != tmp + len || !isfinite(d)) return false;
    *out = d;
    return true;
}

as_code_t as_value_read(as_mp_t *r, as_base_t base, as_value_t *v, const as_path_t *path,
                        as_err_t *err)
{
    as_mp_t save = *r;
    as_mp_type_t t = as_mp_peek(r);
    const char *s;
    uint32_t len;
    /* The fields a type does not use are zeroed too (the compiler copies whole values). */
    v->b = NULL;
    v->b_len = 0;
    v->i = 0;
    v->x = v->y = 0;
    switch (base) {
    case AS_BT_IDENTIFIER:
    case AS_BT_STRING:
        if (as_mp_str(r, &v->a, &v->a_len) != AS_MP_OK) break;
        if (v->a_len > AS_MAX_STRING) {
            *r = save;
            return as_err_at(err, AS_BAD_REQUEST, path, "string longer than %d bytes",
                             AS_MAX_STRING);
        }
        return AS_OK;
    case AS_BT_INTEGER:
        v->a = NULL;
        v->a_len = 0;
        if (as_mp_int(r, &v->i) != AS_MP_OK) break;
        v->x = (double)v->i;
        return AS_OK;
    case AS_BT_FLOAT:
        v->a = NULL;
        v->a_len = 0;
        if (as_mp_number(r, &v->x) != AS_MP_OK) break;
        if (!isfinite(v->x)) {
            *r = save;
            return as_err_at(err, AS_BAD_REQUEST, path, "expected a finite number");
        }
        return AS_OK;
    case AS_BT_PAIR:
    case AS_BT_DIRECTED_PAIR:
        if (as_mp_str(r, &s, &len) != AS_MP_OK) break;
        if (len > AS_MAX_STRING || !s_two_tokens(s, len, &v->a, &v->a_len, &v->b, &v->b_len)) {
            *r = save;
            return as_err_at(err, AS_BAD_REQUEST, path,
                             "expected a pair \"A B\" (two identifiers separated by a space)");
        }
        return AS_OK;
    case AS_BT_BOOLEAN: {
        v->a = NULL;
        v->a_len = 0;
        bool b;
        if (as_mp_bool(r, &b) != AS_MP_OK) break;
        v->i = b;
        return AS_OK;
    }
    case AS_BT_POINT:
        v->a = NULL;
        v->a_len = 0;
        if (t == AS_MP_STR) {
            const char *a, *b;
            uint32_t al, bl;
            if (as_mp_str(r, &s, &len) == AS_MP_OK && s_two_tokens(s, len, &a, &al, &b, &bl) &&
                s_number(a, al, &v->x) && s_number(b, bl, &v->y))
                return AS_OK;
            *r = save;
            return as_err_at(err, AS_BAD_REQUEST, path, "expected a point \"x y\" or [x, y]");
        }
        if (t == AS_MP_ARRAY) {
            uint32_t n;
            if (as_mp_array(r, &n) == AS_MP_OK && n == 2 && as_mp_number(r, &v->x) == AS_MP_OK &&
                as_mp_number(r, &v->y) == AS_MP_OK && isfinite(v->x) && isfinite(v->y))
                return AS_OK;
            *r = save;
            return as_err_at(err, AS_BAD_REQUEST, path, "expected a point \"x y\" or [x, y]");
        }
        break;
    default:
        break;
    }
    *r = save;
    static const char *const want[AS_BT_COUNT] = {"an identifier (a string)",
                                                  "a string",
                                                  "an integer",
                                                  "a number",
                                                  "a pair \"A B\"",
                                                  "a directed pair \"A B\"",
                                                  "a point \"x y\" or [x, y]",
                                                  "true or false"};
    return as_err_at(err, AS_BAD_REQUEST, path, "expected %s, got %s", want[base],
                     as_mp_type_name(t));
}

bool as_value_eq_other(as_base_t base, const as_value_t *x, const as_value_t *y, bool cs)
{
    switch (base) {
    case AS_BT_IDENTIFIER:
    case AS_BT_STRING:
        return as_str_eq_cs(x->a, x->a_len, y->a, y->a_len, cs);
    case AS_BT_INTEGER:
    case AS_BT_BOOLEAN:
        return x->i == y->i;
    case AS_BT_FLOAT:
        return x->x == y->x;
    case AS_BT_DIRECTED_PAIR:
        return as_str_eq_cs(x->a, x->a_len, y->a, y->a_len, cs) &&
               as_str_eq_cs(x->b, x->b_len, y->b, y->b_len, cs);
    case AS_BT_PAIR:
        return (as_str_eq_cs(x->a, x->a_len, y->a, y->a_len, cs) &&
                as_str_eq_cs(x->b, x->b_len, y->b, y->b_len, cs)) ||
               (as_str_eq_cs(x->a, x->a_len, y->b, y->b_len, cs) &&
                as_str_eq_cs(x->b, x->b_len, y->a, y->a_len, cs));
    case AS_BT_POINT:
        return x->x == y->x && x->y == y->y;
    default:
        return false;
    }
}

as_code_t as_values_read(as_mp_t *r, as_card_t card, as_base_t base, as_value_t *vals, uint32_t max,
                         uint32_t *n, as_path_t *path, as_err_t *err)
{
    *n = 0;
    as_mp_type_t t = as_mp_peek(r);
    if (t == AS_MP_STR && (base == AS_BT_IDENTIFIER || base == AS_BT_STRING)) {
        /* the commonest answer of all: one identifier or string */
        as_value_t *v = &vals[0];
        if (as_mp_str(r, &v->a, &v->a_len) == AS_MP_OK && v->a_len <= AS_MAX_STRING) {
            v->b = NULL;
            v->b_len = 0;
            v->i = 0;
            v->x = v->y = 0;
            *n = v->a_len ? 1 : 0; /* an empty string is NULL, as QTI has it: no answer */
            return AS_OK;
        }
        return as_value_read(r, base, v, path, err); /* for its message */
    }
    if (t == AS_MP_NIL) {
        as_mp_nil(r);
        return AS_OK;
    }
    bool one_point = false;
    if (t == AS_MP_ARRAY && base == AS_BT_POINT) {
        as_mp_t look = *r;
        uint32_t k;
        as_mp_array(&look, &k);
        as_mp_type_t first = as_mp_peek(&look);
        one_point = k > 0 && (first == AS_MP_INT || first == AS_MP_FLOAT);
    }
    if (t != AS_MP_ARRAY || one_point) {
        as_code_t rc = as_value_read(r, base, &vals[0], path, err);
        if (rc) return rc;
        *n = 1;
        return AS_OK;
    }
    uint32_t count;
    if (as_mp_array(r, &count) != AS_MP_OK)
        return as_err_at(err, AS_BAD_REQUEST, path, "truncated array");
    if (card == AS_CARD_SINGLE && count > 1)
        return as_err_at(err, AS_BAD_REQUEST, path,
                         "expected a single value (cardinality single), got %u values", count);
    if (count > max)
        return as_err_at(err, AS_BAD_REQUEST, path, "%u values, more than the limit of %u", count,
                         max);
    for (uint32_t i = 0; i < count; i++) {
        /* No message on the fast path; on error, read the element again with its index in the
         * path to say precisely what was wrong. */
        as_code_t rc = as_value_read(r, base, &vals[i], path, NULL);
        if (rc) {
            if (err) {
                size_t mark = as_path_index(path, i);
                as_value_read(r, base, &vals[i], path, err);
                as_path_pop(path, mark);
            }
            return rc;
        }
    }
    *n = count;
    return AS_OK;
}
