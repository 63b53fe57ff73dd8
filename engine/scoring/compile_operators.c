/* compile_operators.c — what the program compiler knows of each QTI expression element: its
 * name, how many sub-expressions and which attributes it takes (read and checked here), the
 * elements refused and why, and the type rules (base type and cardinality) that give each
 * operator's result from its operands' types, as the QTI 2.2 specification defines them. */
#include "compiler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const as_pdef_t s_defs[] = {
    {"baseValue", AS_PO_BASE_VALUE, 0, 0, {"baseType", "value"}},
    {"null", AS_PO_NULL, 0, 0, {0}},
    {"variable", AS_PO_RESPONSE, 0, 0, {"identifier", "weightIdentifier"}},
    {"correct", AS_PO_CORRECT, 0, 0, {"identifier"}},
    {"default", AS_PO_DEFAULT, 0, 0, {"identifier"}},
    {"mapResponse", AS_PO_MAP_RESPONSE, 0, 0, {"identifier"}},
    {"mapResponsePoint", AS_PO_MAP_RESPONSE_POINT, 0, 0, {"identifier"}},
    {"testVariables",
     AS_PO_TEST_VARIABLES,
     0,
     0,
     {"variableIdentifier", "weightIdentifier", "baseType"}},
    {"outcomeMaximum", AS_PO_OUTCOME_MAXIMUM, 0, 0, {"outcomeIdentifier", "weightIdentifier"}},
    {"outcomeMinimum", AS_PO_OUTCOME_MINIMUM, 0, 0, {"outcomeIdentifier", "weightIdentifier"}},
    {"numberCorrect", AS_PO_NUMBER_CORRECT, 0, 0, {0}},
    {"numberIncorrect", AS_PO_NUMBER_INCORRECT, 0, 0, {0}},
    {"numberResponded", AS_PO_NUMBER_RESPONDED, 0, 0, {0}},
    {"numberPresented", AS_PO_NUMBER_PRESENTED, 0, 0, {0}},
    {"numberSelected", AS_PO_NUMBER_SELECTED, 0, 0, {0}},
    {"isNull", AS_PO_IS_NULL, 1, 1, {0}},
    {"match", AS_PO_MATCH, 2, 2, {0}},
    {"member", AS_PO_MEMBER, 2, 2, {0}},
    {"contains", AS_PO_CONTAINS, 2, 2, {0}},
    {"delete", AS_PO_DELETE, 2, 2, {0}},
    {"index", AS_PO_INDEX, 1, 1, {"n"}},
    {"containerSize", AS_PO_CONTAINER_SIZE, 1, 1, {0}},
    {"ordered", AS_PO_ORDERED, 0, AS_PC_ANY_ARGS, {0}},
    {"multiple", AS_PO_MULTIPLE, 0, AS_PC_ANY_ARGS, {0}},
    {"repeat", AS_PO_REPEAT, 1, AS_PC_ANY_ARGS, {"numberRepeats"}},
    {"sum", AS_PO_SUM, 1, AS_PC_ANY_ARGS, {0}},
    {"product", AS_PO_PRODUCT, 1, AS_PC_ANY_ARGS, {0}},
    {"subtract", AS_PO_SUBTRACT, 2, 2, {0}},
    {"divide", AS_PO_DIVIDE, 2, 2, {0}},
    {"power", AS_PO_POWER, 2, 2, {0}},
    {"integerDivide", AS_PO_INTEGER_DIVIDE, 2, 2, {0}},
    {"integerModulus", AS_PO_INTEGER_MODULUS, 2, 2, {0}},
    {"integerToFloat", AS_PO_INTEGER_TO_FLOAT, 1, 1, {0}},
    {"truncate", AS_PO_TRUNCATE, 1, 1, {0}},
    {"round", AS_PO_ROUND, 1, 1, {0}},
    {"roundTo", AS_PO_ROUND_TO, 1, 1, {"roundingMode", "figures"}},
    {"min", AS_PO_MIN, 1, AS_PC_ANY_ARGS, {0}},
    {"max", AS_PO_MAX, 1, AS_PC_ANY_ARGS, {0}},
    {"gcd", AS_PO_GCD, 1, AS_PC_ANY_ARGS, {0}},
    {"lcm", AS_PO_LCM, 1, AS_PC_ANY_ARGS, {0}},
    {"gt", AS_PO_GT, 2, 2, {0}},
    {"gte", AS_PO_GTE, 2, 2, {0}},
    {"lt", AS_PO_LT, 2, 2, {0}},
    {"lte", AS_PO_LTE, 2, 2, {0}},
    {"equal",
     AS_PO_EQUAL,
     2,
     2,
     {"toleranceMode", "tolerance", "includeLowerBound", "includeUpperBound"}},
    {"equalRounded", AS_PO_EQUAL_ROUNDED, 2, 2, {"roundingMode", "figures"}},
    {"and", AS_PO_AND, 1, AS_PC_ANY_ARGS, {0}},
    {"or", AS_PO_OR, 1, AS_PC_ANY_ARGS, {0}},
    {"not", AS_PO_NOT, 1, 1, {0}},
    {"anyN", AS_PO_ANY_N, 1, AS_PC_ANY_ARGS, {"min", "max"}},
    {"stringMatch", AS_PO_STRING_MATCH, 2, 2, {"caseSensitive", "substring"}},
    {"substring", AS_PO_SUBSTRING, 2, 2, {"caseSensitive"}},
    {"patternMatch", AS_PO_PATTERN_MATCH, 1, 1, {"pattern"}},
    {"inside", AS_PO_INSIDE, 1, 1, {"shape", "coords"}},
    {"mathOperator", AS_PO_MATH_OPERATOR, 1, 2, {"name"}},
    {"statsOperator", AS_PO_STATS_OPERATOR, 1, 1, {"name"}},
};

/* Elements QTI defines that assay refuses, and why. */
static const struct {
    const char *name, *why;
} s_refused[] = {
    {"random", "random selection makes scores unrepeatable"},
    {"randomInteger", "random values make scores unrepeatable"},
    {"randomFloat", "random values make scores unrepeatable"},
    {"customOperator", "custom operators are implementation-specific code"},
    {"fieldValue",
     "records come only from record-cardinality variables, which assay does not have"},
    {"durationLT", "the duration base type is not supported"},
    {"durationGTE", "the duration base type is not supported"},
    {"mathConstant", "not supported yet: write the value as a baseValue"},
    {"templateDefault", "template processing is not supported"},
};

const as_pdef_t *as_pc_def(const char *name, uint32_t len)
{
    for (size_t i = 0; i < sizeof s_defs / sizeof s_defs[0]; i++)
        if (as_str_eq(name, len, s_defs[i].name)) return &s_defs[i];
    return NULL;
}

const char *as_pc_refused(const char *name, uint32_t len)
{
    for (size_t i = 0; i < sizeof s_refused / sizeof s_refused[0]; i++)
        if (as_str_eq(name, len, s_refused[i].name)) return s_refused[i].why;
    return NULL;
}

static const char *const s_card_text[] = {"single", "multiple", "ordered", "any"};

void as_pc_type_text(as_ptype_t t, char *out, size_t n)
{
    if (t.base == AS_BT_ANY)
        snprintf(out, n, "NULL");
    else
        snprintf(out, n, "%s %s", s_card_text[t.card], as_base_names[t.base]);
}

/* ---- attributes ---- */

static as_code_t s_attr_int(as_pc_t *pc, as_field_t *f, int64_t lo, int64_t *out)
{
    size_t mark = as_tc_enter(pc->c, f);
    if (as_mp_peek(&f->at) == AS_MP_STR)
        return as_pc_fail(pc, "variable references in attributes are not supported: give a number");
    if (as_mp_int(&f->at, out) != AS_MP_OK || *out < lo || *out > 1000000000)
        return as_pc_fail(pc, "expected an integer >= %lld", (long long)lo);
    as_path_pop(&pc->c->path, mark);
    return AS_OK;
}

static as_code_t s_attr_bool(as_pc_t *pc, as_field_t *f, bool *out)
{
    size_t mark = as_tc_enter(pc->c, f);
    if (as_mp_bool(&f->at, out) != AS_MP_OK) return as_pc_fail(pc, "expected true or false");
    as_path_pop(&pc->c->path, mark);
    return AS_OK;
}

/* A list of numbers: an array, or a string of numbers separated by spaces or commas (as XML
 * writes coords and tolerance). At most max; their count in *n. */
static as_code_t s_attr_numbers(as_pc_t *pc, as_field_t *f, double *out, uint32_t max, uint32_t *n)
{
    size_t mark = as_tc_enter(pc->c, f);
    *n = 0;
    if (as_mp_peek(&f->at) == AS_MP_STR) {
        const char *s;
        uint32_t len;
        as_mp_str(&f->at, &s, &len);
        char buf[256];
        if (len >= sizeof buf) return as_pc_fail(pc, "longer than %zu bytes", sizeof buf - 1);
        memcpy(buf, s, len);
        buf[len] = '\0';
        char *p = buf;
        while (*p) {
            while (*p == ' ' || *p == ',' || *p == '\t')
                p++;
            if (!*p) break;
            char *end;
            double d = strtod(p, &end);
            if (end == p || !isfinite(d))
                return as_pc_fail(pc, "expected numbers, got \"%s\"", buf);
            if (*n == max) return as_pc_fail(pc, "more than %u numbers", max);
            out[(*n)++] = d;
            p = end;
        }
    } else if (as_mp_peek(&f->at) == AS_MP_ARRAY) {
        uint32_t k;
        as_mp_array(&f->at, &k);
        if (k > max) return as_pc_fail(pc, "more than %u numbers", max);
        for (uint32_t i = 0; i < k; i++)
            if (as_mp_number(&f->at, &out[i]) != AS_MP_OK || !isfinite(out[i]))
                return as_pc_fail(pc, "[%u]: expected a finite number", i);
        *n = k;
    } else if (as_mp_number(&f->at, &out[0]) == AS_MP_OK && isfinite(out[0])) {
        *n = 1;
    } else {
        return as_pc_fail(pc, "expected a number, an array of numbers or a string of numbers");
    }
    as_path_pop(&pc->c->path, mark);
    return AS_OK;
}

static as_code_t s_attr_enum(as_pc_t *pc, as_field_t *f, const char *const *names, int count,
                             int *out)
{
    return as_tc_enum(pc->c, f, names, count, out);
}

as_field_t *as_pc_attr(as_field_t *f, const as_pdef_t *d, const char *name)
{
    for (int i = 0; i < 5 && d->attrs[i]; i++)
        if (strcmp(d->attrs[i], name) == 0) return f[i].seen ? &f[i] : NULL;
    return NULL;
}

static const char *const s_round_modes[] = {"significantFigures", "decimalPlaces"};
static const char *const s_tol_modes[] = {"exact", "absolute", "relative"};
static const char *const s_shapes[] = {"circle", "rect", "poly", "ellipse", "default"};

/* Reads the attributes of an operator into a (written to the blob by the caller). */
as_code_t as_pc_attrs(as_pc_t *pc, const as_pdef_t *d, as_field_t *f, as_pattr_t *a)
{
    as_code_t rc;
    as_field_t *x;
    int mode;
    bool b;
    switch (d->op) {
    case AS_PO_INDEX:
        if (!(x = as_pc_attr(f, d, "n"))) return as_pc_fail(pc, "index needs attribute \"n\"");
        return s_attr_int(pc, x, 1, &a->n);
    case AS_PO_REPEAT:
        if (!(x = as_pc_attr(f, d, "numberRepeats")))
            return as_pc_fail(pc, "repeat needs attribute \"numberRepeats\"");
        return s_attr_int(pc, x, 1, &a->n);
    case AS_PO_ROUND_TO:
    case AS_PO_EQUAL_ROUNDED:
        if ((x = as_pc_attr(f, d, "roundingMode"))) {
            if ((rc = s_attr_enum(pc, x, s_round_modes, 2, &mode))) return rc;
            a->mode = (uint32_t)mode;
        }
        if (!(x = as_pc_attr(f, d, "figures")))
            return as_pc_fail(pc, "%s needs attribute \"figures\"", d->name);
        return s_attr_int(pc, x, a->mode == AS_ROUND_SIGNIFICANT ? 1 : 0, &a->n);
    case AS_PO_EQUAL: {
        a->flags |= AS_PA_LOWER_BOUND | AS_PA_UPPER_BOUND;
        if ((x = as_pc_attr(f, d, "toleranceMode"))) {
            if ((rc = s_attr_enum(pc, x, s_tol_modes, 3, &mode))) return rc;
            a->mode = (uint32_t)mode;
        }
        if ((x = as_pc_attr(f, d, "includeLowerBound"))) {
            if ((rc = s_attr_bool(pc, x, &b))) return rc;
            if (!b) a->flags &= ~(uint32_t)AS_PA_LOWER_BOUND;
        }
        if ((x = as_pc_attr(f, d, "includeUpperBound"))) {
            if ((rc = s_attr_bool(pc, x, &b))) return rc;
            if (!b) a->flags &= ~(uint32_t)AS_PA_UPPER_BOUND;
        }
        x = as_pc_attr(f, d, "tolerance");
        if (a->mode == AS_TOL_EXACT) return AS_OK;
        if (!x)
            return as_pc_fail(pc, "equal with toleranceMode %s needs \"tolerance\"",
                              s_tol_modes[a->mode]);
        double t[2];
        uint32_t n;
        if ((rc = s_attr_numbers(pc, x, t, 2, &n))) return rc;
        if (n == 0 || t[0] < 0 || (n == 2 && t[1] < 0)) {
            as_tc_enter(pc->c, x);
            return as_pc_fail(pc, "expected one or two tolerances >= 0");
        }
        a->t0 = t[0];
        a->t1 = n == 2 ? t[1] : t[0];
        return AS_OK;
    }
    case AS_PO_ANY_N:
        if (!(x = as_pc_attr(f, d, "min"))) return as_pc_fail(pc, "anyN needs attribute \"min\"");
        if ((rc = s_attr_int(pc, x, 0, &a->n))) return rc;
        if (!(x = as_pc_attr(f, d, "max"))) return as_pc_fail(pc, "anyN needs attribute \"max\"");
        if ((rc = s_attr_int(pc, x, 0, &a->m))) return rc;
        if (a->m < a->n)
            return as_pc_fail(pc, "anyN: max %lld is below min %lld", (long long)a->m,
                              (long long)a->n);
        return AS_OK;
    case AS_PO_STRING_MATCH:
        if (!(x = as_pc_attr(f, d, "caseSensitive")))
            return as_pc_fail(pc, "stringMatch needs attribute \"caseSensitive\"");
        if ((rc = s_attr_bool(pc, x, &b))) return rc;
        if (b) a->flags |= AS_PA_CASE;
        if ((x = as_pc_attr(f, d, "substring"))) {
            if ((rc = s_attr_bool(pc, x, &b))) return rc;
            if (b) a->flags |= AS_PA_SUBSTRING;
        }
        return AS_OK;
    case AS_PO_SUBSTRING:
        a->flags |= AS_PA_CASE;
        if ((x = as_pc_attr(f, d, "caseSensitive"))) {
            if ((rc = s_attr_bool(pc, x, &b))) return rc;
            if (!b) a->flags &= ~(uint32_t)AS_PA_CASE;
        }
        return AS_OK;
    case AS_PO_PATTERN_MATCH: {
        if (!(x = as_pc_attr(f, d, "pattern")))
            return as_pc_fail(pc, "patternMatch needs attribute \"pattern\"");
        const char *p;
        uint32_t len, tlen;
        if ((rc = as_tc_string(pc->c, x, &p, &len))) return rc;
        size_t mark = as_tc_enter(pc->c, x);
        if (len > 1024) return as_pc_fail(pc, "pattern longer than 1024 bytes");
        char t[2200], msg[200];
        const char *why = as_rx_translate(p, len, t, sizeof t, &tlen);
        if (!why) why = as_rx_check(t, tlen, msg, sizeof msg);
        if (why) return as_pc_fail(pc, "pattern \"%.*s\": %s", (int)(len > 80 ? 80 : len), p, why);
        as_path_pop(&pc->c->path, mark);
        a->s_off = as_tc_str(&pc->c->b, t, tlen);
        a->s_len = tlen;
        return AS_OK;
    }
    case AS_PO_INSIDE: {
        if (!(x = as_pc_attr(f, d, "shape")))
            return as_pc_fail(pc, "inside needs attribute \"shape\"");
        if ((rc = s_attr_enum(pc, x, s_shapes, 5, &mode))) return rc;
        a->mode = (uint32_t)mode;
        double coords[AS_MAX_COORDS > 64 ? 64 : AS_MAX_COORDS];
        uint32_t n = 0;
        if ((x = as_pc_attr(f, d, "coords")) && (rc = s_attr_numbers(pc, x, coords, 64, &n)))
            return rc;
        const char *problem = as_tc_coords_problem((as_shape_t)mode, coords, n);
        if (problem) return as_pc_fail(pc, "%s", problem);
        a->s_off = as_tc_alloc(&pc->c->b, (n ? n : 1) * sizeof(double));
        if (a->s_off) memcpy(pc->c->b.data + a->s_off, coords, n * sizeof(double));
        a->s_len = n;
        return AS_OK;
    }
    case AS_PO_MATH_OPERATOR:
    case AS_PO_STATS_OPERATOR:
        if (!(x = as_pc_attr(f, d, "name")))
            return as_pc_fail(pc, "%s needs attribute \"name\"", d->name);
        if (d->op == AS_PO_MATH_OPERATOR)
            rc = s_attr_enum(pc, x, as_math_names, AS_MATH_COUNT, &mode);
        else
            rc = s_attr_enum(pc, x, as_stats_names, AS_STATS_COUNT, &mode);
        a->mode = (uint32_t)mode;
        return rc;
    default:
        return AS_OK;
    }
}

/* ---- types of operators ---- */

static as_code_t s_want(as_pc_t *pc, const as_pdef_t *d, uint32_t i, as_ptype_t t, bool ok,
                        const char *want)
{
    if (ok) return AS_OK;
    char got[64];
    as_pc_type_text(t, got, sizeof got);
    size_t mark = as_path_index(&pc->c->path, i);
    as_code_t rc = as_pc_fail(pc, "%s takes %s, got %s", d->name, want, got);
    as_path_pop(&pc->c->path, mark);
    return rc;
}

/* Checks the operands of operator d and gives its result type. */
as_code_t as_pc_op_type(as_pc_t *pc, const as_pdef_t *d, const as_pattr_t *a, const as_ptype_t *t,
                        uint32_t n, as_ptype_t *r)
{
    as_code_t rc = AS_OK;
    as_ptype_t boolean = {AS_CARD_SINGLE, AS_BT_BOOLEAN};
    bool ints = true;
    for (uint32_t i = 0; i < n; i++)
        if (t[i].base != AS_BT_INTEGER && t[i].base != AS_BT_ANY) ints = false;
    as_ptype_t num = {AS_CARD_SINGLE, ints ? AS_BT_INTEGER : AS_BT_FLOAT};
    switch (d->op) {
    case AS_PO_IS_NULL:
        *r = boolean;
        return AS_OK;
    case AS_PO_MATCH:
        *r = boolean;
        if (!as_pt_same_base(t[0], t[1])) {
            as_path_index(&pc->c->path, 0);
            return as_pc_fail(pc, "baseType %s cannot match %s", as_base_names[t[0].base],
                              as_base_names[t[1].base]);
        }
        if (t[0].card != t[1].card && t[0].card != AS_CARD_ANY && t[1].card != AS_CARD_ANY)
            return as_pc_fail(pc, "match: cardinality %s cannot match %s", s_card_text[t[0].card],
                              s_card_text[t[1].card]);
        return AS_OK;
    case AS_PO_MEMBER:
    case AS_PO_DELETE:
        if ((rc = s_want(pc, d, 0, t[0], as_pt_single(t[0]), "a single value first"))) return rc;
        if ((rc = s_want(pc, d, 1, t[1], as_pt_container(t[1]),
                         "a multiple or ordered container second")))
            return rc;
        if ((rc = s_want(pc, d, 1, t[1], as_pt_same_base(t[0], t[1]),
                         "a container of the first's base type")))
            return rc;
        *r = d->op == AS_PO_MEMBER ? boolean : (as_ptype_t){t[1].card, t[1].base};
        if (r->base == AS_BT_ANY) r->base = t[0].base;
        return AS_OK;
    case AS_PO_CONTAINS:
        for (uint32_t i = 0; i < 2; i++)
            if ((rc = s_want(pc, d, i, t[i], as_pt_container(t[i]),
                             "multiple or ordered containers")))
                return rc;
        if (t[0].card != t[1].card && t[0].card != AS_CARD_ANY && t[1].card != AS_CARD_ANY)
            return s_want(pc, d, 1, t[1], false, "a container of the first's cardinality");
        if ((rc = s_want(pc, d, 1, t[1], as_pt_same_base(t[0], t[1]),
                         "a container of the first's base type")))
            return rc;
        *r = boolean;
        return AS_OK;
    case AS_PO_INDEX:
        if ((rc = s_want(pc, d, 0, t[0], t[0].card == AS_CARD_ORDERED || t[0].card == AS_CARD_ANY,
                         "an ordered container")))
            return rc;
        *r = (as_ptype_t){AS_CARD_SINGLE, t[0].base};
        return AS_OK;
    case AS_PO_CONTAINER_SIZE:
        if ((rc = s_want(pc, d, 0, t[0], as_pt_container(t[0]), "a multiple or ordered container")))
            return rc;
        *r = (as_ptype_t){AS_CARD_SINGLE, AS_BT_INTEGER};
        return AS_OK;
    case AS_PO_ORDERED:
    case AS_PO_MULTIPLE:
    case AS_PO_REPEAT: {
        uint8_t card = d->op == AS_PO_MULTIPLE ? AS_CARD_MULTIPLE : AS_CARD_ORDERED;
        *r = (as_ptype_t){card, AS_BT_ANY};
        for (uint32_t i = 0; i < n; i++) {
            bool ok = as_pt_single(t[i]) || t[i].card == card;
            if ((rc = s_want(pc, d, i, t[i], ok,
                             card == AS_CARD_MULTIPLE ? "single values or multiple containers"
                                                      : "single values or ordered containers")))
                return rc;
            if ((rc = s_want(pc, d, i, t[i], as_pt_same_base(*r, t[i]),
                             "operands of one base type")))
                return rc;
            if (t[i].base != AS_BT_ANY) r->base = t[i].base;
        }
        return AS_OK;
    }
    case AS_PO_SUBTRACT:
    case AS_PO_DIVIDE:
    case AS_PO_POWER:
    case AS_PO_TRUNCATE:
    case AS_PO_ROUND:
    case AS_PO_ROUND_TO:
    case AS_PO_GT:
    case AS_PO_GTE:
    case AS_PO_LT:
    case AS_PO_LTE:
    case AS_PO_EQUAL:
    case AS_PO_EQUAL_ROUNDED:
    case AS_PO_MATH_OPERATOR:
        for (uint32_t i = 0; i < n; i++)
            if ((rc = s_want(pc, d, i, t[i], as_pt_single(t[i]) && as_pt_numeric(t[i]),
                             "single integers or floats")))
                return rc;
        if (d->op == AS_PO_MATH_OPERATOR && (n == 2) != (a->mode == AS_MATH_ATAN2))
            return as_pc_fail(pc, "mathOperator %s takes %d operand(s), got %u",
                              as_math_names[a->mode], a->mode == AS_MATH_ATAN2 ? 2 : 1, n);
        switch (d->op) {
        case AS_PO_SUBTRACT:
            *r = num;
            break;
        case AS_PO_TRUNCATE:
        case AS_PO_ROUND:
            *r = (as_ptype_t){AS_CARD_SINGLE, AS_BT_INTEGER};
            break;
        case AS_PO_DIVIDE:
        case AS_PO_POWER:
        case AS_PO_ROUND_TO:
            *r = (as_ptype_t){AS_CARD_SINGLE, AS_BT_FLOAT};
            break;
        case AS_PO_MATH_OPERATOR:
            *r = (as_ptype_t){AS_CARD_SINGLE,
                              (a->mode == AS_MATH_SIGNUM || a->mode == AS_MATH_FLOOR ||
                               a->mode == AS_MATH_CEIL || (a->mode == AS_MATH_ABS && ints))
                                  ? AS_BT_INTEGER
                                  : AS_BT_FLOAT};
            break;
        default:
            *r = boolean;
        }
        return AS_OK;
    case AS_PO_MIN:
    case AS_PO_MAX:
    case AS_PO_SUM:
    case AS_PO_PRODUCT:
        for (uint32_t i = 0; i < n; i++)
            if ((rc = s_want(pc, d, i, t[i], as_pt_numeric(t[i]), "integers or floats"))) return rc;
        *r = num;
        return AS_OK;
    case AS_PO_GCD:
    case AS_PO_LCM:
    case AS_PO_INTEGER_DIVIDE:
    case AS_PO_INTEGER_MODULUS:
    case AS_PO_INTEGER_TO_FLOAT:
        for (uint32_t i = 0; i < n; i++) {
            bool card_ok = d->op == AS_PO_GCD || d->op == AS_PO_LCM || as_pt_single(t[i]);
            if ((rc = s_want(pc, d, i, t[i],
                             card_ok && (t[i].base == AS_BT_INTEGER || t[i].base == AS_BT_ANY),
                             d->op == AS_PO_GCD || d->op == AS_PO_LCM ? "integers"
                                                                      : "single integers")))
                return rc;
        }
        *r = (as_ptype_t){AS_CARD_SINGLE,
                          d->op == AS_PO_INTEGER_TO_FLOAT ? AS_BT_FLOAT : AS_BT_INTEGER};
        return AS_OK;
    case AS_PO_AND:
    case AS_PO_OR:
    case AS_PO_NOT:
    case AS_PO_ANY_N:
        for (uint32_t i = 0; i < n; i++)
            if ((rc = s_want(pc, d, i, t[i],
                             as_pt_single(t[i]) &&
                                 (t[i].base == AS_BT_BOOLEAN || t[i].base == AS_BT_ANY),
                             "single booleans")))
                return rc;
        *r = boolean;
        return AS_OK;
    case AS_PO_STRING_MATCH:
    case AS_PO_SUBSTRING:
    case AS_PO_PATTERN_MATCH:
        for (uint32_t i = 0; i < n; i++)
            if ((rc = s_want(pc, d, i, t[i],
                             as_pt_single(t[i]) &&
                                 (t[i].base == AS_BT_STRING || t[i].base == AS_BT_IDENTIFIER ||
                                  t[i].base == AS_BT_ANY),
                             "single strings")))
                return rc;
        *r = boolean;
        return AS_OK;
    case AS_PO_INSIDE:
        if ((rc = s_want(pc, d, 0, t[0], t[0].base == AS_BT_POINT || t[0].base == AS_BT_ANY,
                         "points")))
            return rc;
        *r = boolean;
        return AS_OK;
    case AS_PO_STATS_OPERATOR:
        if ((rc = s_want(pc, d, 0, t[0], as_pt_container(t[0]) && as_pt_numeric(t[0]),
                         "a multiple or ordered container of integers or floats")))
            return rc;
        *r = (as_ptype_t){AS_CARD_SINGLE, AS_BT_FLOAT};
        return AS_OK;
    default:
        return as_pc_fail(pc, "%s: no type rule", d->name);
    }
}
