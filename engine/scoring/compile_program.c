/* compile_program.c — the compiler's half for programs: QTI response processing (an item's) and
 * outcome processing (an assessment's), written as a tree of one-key maps named for QTI's
 * elements, type-checked as QTI defines the operators and emitted as postfix code (program.h).
 *
 * An expression node is {"<element>": X} where X is an array of sub-expressions, a map of the
 * element's attributes (QTI's names) with its sub-expressions under "args", a string (the
 * identifier of variable, correct, default, mapResponse, mapResponsePoint) or nil.
 */
#include "compiler.h"

#include "program.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- code ---- */

static uint32_t s_emit(as_pc_t *pc, uint16_t op, as_ptype_t t, uint32_t argc, uint32_t a)
{
    return as_pc_emit(pc, op, t, argc, a, 0);
}

uint32_t as_pc_emit(as_pc_t *pc, uint16_t op, as_ptype_t t, uint32_t argc, uint32_t a, uint32_t b)
{
    if (pc->n == pc->cap) {
        uint32_t cap = pc->cap ? pc->cap * 2 : 64;
        as_pins_t *p = cap <= AS_PROG_MAX_CODE ? realloc(pc->code, cap * sizeof *p) : NULL;
        if (!p) {
            pc->too_long = true;
            return 0;
        }
        pc->code = p;
        pc->cap = cap;
    }
    pc->code[pc->n] =
        (as_pins_t){.op = op, .card = t.card, .base = t.base, .argc = argc, .a = a, .b = b};
    /* a leaf pushes one value; an operator pops argc and pushes one; rules pop what they use */
    if (op <= AS_PO_LEAF_LAST) {
        pc->depth++;
        if (pc->depth > pc->max_depth) pc->max_depth = pc->depth;
    } else if (op < AS_PO_EXPR_COUNT) {
        pc->depth = pc->depth + 1 - argc;
        if (pc->depth > pc->max_depth) pc->max_depth = pc->depth;
    } else if (op == AS_PO_SET || op == AS_PO_LOOKUP || op == AS_PO_JUMP_UNLESS) {
        pc->depth--;
    }
    return pc->n++;
}

as_code_t as_pc_fail(as_pc_t *pc, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return as_err_at(pc->c->err, AS_BAD_REQUEST, &pc->c->path, "%s", msg);
}

/* ---- symbols ---- */

static void s_resp(const as_pc_t *pc, uint32_t i, as_tresp_t *r)
{
    memcpy(r, pc->c->b.data + pc->resp_off + i * sizeof *r, sizeof *r);
}
static void s_out(const as_pc_t *pc, uint32_t off, uint32_t i, as_tout_t *o)
{
    memcpy(o, pc->c->b.data + off + i * sizeof *o, sizeof *o);
}

static int s_find_resp(const as_pc_t *pc, const char *id, uint32_t len)
{
    for (uint32_t i = 0; i < pc->n_resp; i++) {
        as_tresp_t r;
        s_resp(pc, i, &r);
        if (r.id_len == len && memcmp(pc->c->b.data + r.id_off, id, len) == 0) return (int)i;
    }
    return -1;
}

int as_pc_find_out(const as_tc_t *c, uint32_t off, uint32_t n, const char *id, uint32_t len)
{
    for (uint32_t i = 0; i < n; i++) {
        as_tout_t o;
        memcpy(&o, c->b.data + off + i * sizeof o, sizeof o);
        if (o.id_len == len && memcmp(c->b.data + o.id_off, id, len) == 0) return (int)i;
    }
    return -1;
}

static uint32_t s_attr_put(as_pc_t *pc, const as_pattr_t *a)
{
    uint32_t off = as_tc_alloc(&pc->c->b, sizeof *a);
    if (off) memcpy(pc->c->b.data + off, a, sizeof *a);
    return off;
}

/* ---- expressions ---- */

static as_code_t s_expr(as_pc_t *pc, as_mp_t *r, as_ptype_t *type);

/* Reads the one-key map of a node: the element's name and a cursor at its value. */
as_code_t as_pc_node(as_pc_t *pc, as_mp_t *r, const char *what, const char **name, uint32_t *len,
                     as_mp_t *val)
{
    uint32_t n;
    if (as_mp_map(r, &n) != AS_MP_OK || n != 1 || as_mp_str(r, name, len) != AS_MP_OK)
        return as_pc_fail(pc, "expected %s: a map with one key, the QTI element's name", what);
    *val = *r;
    if (as_mp_skip(r, AS_MAX_DEPTH) != AS_MP_OK) return as_pc_fail(pc, "malformed msgpack");
    return AS_OK;
}

/* The identifier of a leaf: its value is the identifier, or a map with "identifier". */
static as_code_t s_leaf_id(as_pc_t *pc, const as_pdef_t *d, as_field_t *f, as_mp_t *val,
                           const char **id, uint32_t *len)
{
    if (as_mp_peek(val) == AS_MP_STR) {
        as_mp_str(val, id, len);
        return AS_OK;
    }
    as_field_t *x = as_pc_attr(f, d,
                               d->op == AS_PO_TEST_VARIABLES ? "variableIdentifier"
                               : d->op == AS_PO_OUTCOME_MAXIMUM || d->op == AS_PO_OUTCOME_MINIMUM
                                   ? "outcomeIdentifier"
                                   : "identifier");
    if (!x) return as_pc_fail(pc, "%s needs an identifier", d->name);
    return as_tc_string(pc->c, x, id, len);
}

/* For test-level references: every item's outcome called (id, len), as slots (-1: none). Also
 * checks which base types they have: *bases gets a bit per base type found. */
static uint32_t s_item_slots(as_pc_t *pc, const char *id, uint32_t len, uint32_t *bases,
                             bool *all_single)
{
    uint32_t off = as_tc_alloc(&pc->c->b, (pc->n_items ? pc->n_items : 1) * sizeof(int32_t));
    *bases = 0;
    *all_single = true;
    for (uint32_t i = 0; i < pc->n_items && off; i++) {
        as_titem_t it;
        memcpy(&it, pc->c->b.data + pc->items_off + i * sizeof it, sizeof it);
        int32_t k = as_pc_find_out(pc->c, it.out_off, it.n_out, id, len);
        if (k >= 0) {
            as_tout_t o;
            s_out(pc, it.out_off, (uint32_t)k, &o);
            *bases |= 1u << o.base;
            if (o.card != AS_CARD_SINGLE) *all_single = false;
        }
        memcpy(pc->c->b.data + off + i * sizeof k, &k, sizeof k);
    }
    return off;
}

static as_code_t s_test_leaf(as_pc_t *pc, const as_pdef_t *d, as_field_t *f, as_mp_t *val,
                             as_ptype_t *type)
{
    as_code_t rc;
    as_ptest_t pt = {.base = AS_BT_ANY};
    const char *id;
    uint32_t len, bases;
    bool single;
    if ((rc = s_leaf_id(pc, d, f, val, &id, &len))) return rc;
    if (as_pc_attr(f, d, "weightIdentifier")) pt.flags |= AS_PA_WEIGHTED;
    as_field_t *bt = as_pc_attr(f, d, "baseType");
    if (bt) {
        int b;
        if ((rc = as_tc_base_type(pc->c, bt, &b))) return rc;
        if (b != AS_BT_INTEGER && b != AS_BT_FLOAT)
            return as_pc_fail(pc, "testVariables sums numbers: baseType integer or float");
        pt.base = (uint32_t)b;
    }
    pt.slots_off = s_item_slots(pc, id, len, &bases, &single);
    if (!bases)
        return as_pc_fail(pc, "no item declares an outcome \"%.*s\"", (int)(len > 64 ? 64 : len),
                          id);
    if (!single || (bases & ~((1u << AS_BT_INTEGER) | (1u << AS_BT_FLOAT))))
        return as_pc_fail(pc,
                          "%s reads single integer or float outcomes; \"%.*s\" is not one in "
                          "every item",
                          d->name, (int)(len > 64 ? 64 : len), id);
    bool ints = pt.base == AS_BT_INTEGER || (pt.base == AS_BT_ANY && bases == 1u << AS_BT_INTEGER &&
                                             !(pt.flags & AS_PA_WEIGHTED));
    *type = (as_ptype_t){d->op == AS_PO_TEST_VARIABLES ? AS_CARD_MULTIPLE : AS_CARD_MULTIPLE,
                         ints && d->op == AS_PO_TEST_VARIABLES ? AS_BT_INTEGER : AS_BT_FLOAT};
    uint32_t off = as_tc_alloc(&pc->c->b, sizeof pt);
    if (off) memcpy(pc->c->b.data + off, &pt, sizeof pt);
    s_emit(pc, d->op, *type, 0, off);
    return AS_OK;
}

/* variable: a response or outcome of the item; at test level an outcome of the assessment or
 * ITEM.OUTCOME, an item's outcome. */
static as_code_t s_variable(as_pc_t *pc, const char *id, uint32_t len, bool weighted,
                            as_ptype_t *type)
{
    int k;
    if (!pc->test) {
        if ((k = s_find_resp(pc, id, len)) >= 0) {
            as_tresp_t r;
            s_resp(pc, (uint32_t)k, &r);
            *type = (as_ptype_t){r.card, r.base};
            s_emit(pc, AS_PO_RESPONSE, *type, 0, (uint32_t)k);
            return AS_OK;
        }
    }
    if ((k = as_pc_find_out(pc->c, pc->out_off, pc->n_out, id, len)) >= 0) {
        as_tout_t o;
        s_out(pc, pc->out_off, (uint32_t)k, &o);
        *type = (as_ptype_t){o.card, o.base};
        s_emit(pc, AS_PO_OUTCOME, *type, 0, (uint32_t)k);
        return AS_OK;
    }
    const char *dot = pc->test ? memchr(id, '.', len) : NULL;
    if (dot) {
        uint32_t il = (uint32_t)(dot - id), ol = len - il - 1;
        for (uint32_t i = 0; i < pc->n_items; i++) {
            as_titem_t it;
            memcpy(&it, pc->c->b.data + pc->items_off + i * sizeof it, sizeof it);
            if (it.id_len != il || memcmp(pc->c->b.data + it.id_off, id, il) != 0) continue;
            int o = as_pc_find_out(pc->c, it.out_off, it.n_out, dot + 1, ol);
            if (o < 0)
                return as_pc_fail(pc, "item \"%.*s\" has no outcome \"%.*s\"", (int)il, id, (int)ol,
                                  dot + 1);
            as_tout_t od;
            s_out(pc, it.out_off, (uint32_t)o, &od);
            if (od.card != AS_CARD_SINGLE)
                return as_pc_fail(pc,
                                  "\"%.*s\" is a container: an assessment reads single outcomes "
                                  "of its items",
                                  (int)len, id);
            if (weighted && od.base != AS_BT_INTEGER && od.base != AS_BT_FLOAT)
                return as_pc_fail(pc, "weightIdentifier weights numbers; \"%.*s\" is %s", (int)len,
                                  id, as_base_names[od.base]);
            as_ptest_t pt = {
                .flags = weighted ? AS_PA_WEIGHTED : 0, .item = i, .slots_off = (uint32_t)o};
            uint32_t off = as_tc_alloc(&pc->c->b, sizeof pt);
            if (off) memcpy(pc->c->b.data + off, &pt, sizeof pt);
            *type = (as_ptype_t){AS_CARD_SINGLE, weighted ? AS_BT_FLOAT : od.base};
            s_emit(pc, AS_PO_ITEM_OUTCOME, *type, 0, off);
            return AS_OK;
        }
        return as_pc_fail(pc, "no item \"%.*s\" in the assessment", (int)il, id);
    }
    return as_pc_fail(pc, "\"%.*s\" is not a declared %s (template variables are not supported)",
                      (int)(len > 64 ? 64 : len), id,
                      pc->test ? "outcome, or ITEM.OUTCOME of an item" : "response or outcome");
}

static as_code_t s_leaf(as_pc_t *pc, const as_pdef_t *d, as_field_t *f, as_mp_t *val,
                        as_ptype_t *type)
{
    as_code_t rc;
    const char *id;
    uint32_t len;
    bool test_leaf = d->op >= AS_PO_ITEM_OUTCOME && d->op <= AS_PO_NUMBER_SELECTED;
    if (test_leaf && !pc->test)
        return as_pc_fail(pc, "%s belongs to an assessment's outcome_processing, not an item's",
                          d->name);
    bool item_leaf =
        d->op == AS_PO_CORRECT || d->op == AS_PO_MAP_RESPONSE || d->op == AS_PO_MAP_RESPONSE_POINT;
    if (item_leaf && pc->test)
        return as_pc_fail(pc, "%s belongs to an item's response_processing", d->name);
    switch (d->op) {
    case AS_PO_BASE_VALUE: {
        as_field_t *bt = as_pc_attr(f, d, "baseType"), *v = as_pc_attr(f, d, "value");
        if (!bt || !v) return as_pc_fail(pc, "baseValue needs \"baseType\" and \"value\"");
        int b;
        if ((rc = as_tc_base_type(pc->c, bt, &b))) return rc;
        as_value_t value;
        size_t mark = as_tc_enter(pc->c, v);
        if ((rc = as_value_read(&v->at, (as_base_t)b, &value, &pc->c->path, pc->c->err))) return rc;
        if ((b == AS_BT_STRING || b == AS_BT_IDENTIFIER) && value.a_len == 0)
            return as_pc_fail(pc, "an empty string is NULL: write {\"null\": null}");
        as_path_pop(&pc->c->path, mark);
        uint32_t off = as_tc_alloc(&pc->c->b, sizeof(as_tval_t));
        as_tc_tval_put(pc->c, off, (as_base_t)b, &value);
        *type = (as_ptype_t){AS_CARD_SINGLE, (uint8_t)b};
        s_emit(pc, AS_PO_BASE_VALUE, *type, 0, off);
        return AS_OK;
    }
    case AS_PO_NULL:
        *type = (as_ptype_t){AS_CARD_ANY, AS_BT_ANY};
        s_emit(pc, AS_PO_NULL, *type, 0, 0);
        return AS_OK;
    case AS_PO_TEST_VARIABLES:
    case AS_PO_OUTCOME_MAXIMUM:
    case AS_PO_OUTCOME_MINIMUM:
        return s_test_leaf(pc, d, f, val, type);
    case AS_PO_NUMBER_CORRECT:
    case AS_PO_NUMBER_INCORRECT:
    case AS_PO_NUMBER_RESPONDED:
    case AS_PO_NUMBER_PRESENTED:
    case AS_PO_NUMBER_SELECTED:
        *type = (as_ptype_t){AS_CARD_SINGLE, AS_BT_INTEGER};
        s_emit(pc, d->op, *type, 0, 0);
        return AS_OK;
    default:
        break;
    }
    if ((rc = s_leaf_id(pc, d, f, val, &id, &len))) return rc;
    if (d->op == AS_PO_RESPONSE) {
        bool weighted = as_pc_attr(f, d, "weightIdentifier") != NULL;
        if (weighted && !pc->test)
            return as_pc_fail(pc, "weightIdentifier belongs to an assessment's outcome_processing");
        return s_variable(pc, id, len, weighted, type);
    }
    int k = pc->test ? -1 : s_find_resp(pc, id, len);
    if (d->op == AS_PO_DEFAULT) {
        int o = as_pc_find_out(pc->c, pc->out_off, pc->n_out, id, len);
        if (o >= 0) {
            as_tout_t od;
            s_out(pc, pc->out_off, (uint32_t)o, &od);
            *type = (as_ptype_t){od.card, od.base};
            s_emit(pc, AS_PO_DEFAULT, *type, od.n_dflt, od.dflt_off);
            return AS_OK;
        }
        if (k < 0) return as_pc_fail(pc, "\"%.*s\" is not a declared variable", (int)len, id);
        as_tresp_t r;
        s_resp(pc, (uint32_t)k, &r);
        *type = (as_ptype_t){r.card, r.base}; /* a response has no default: NULL */
        s_emit(pc, AS_PO_NULL, *type, 0, 0);
        return AS_OK;
    }
    if (k < 0)
        return as_pc_fail(pc, "%s: \"%.*s\" is not a declared response", d->name,
                          (int)(len > 64 ? 64 : len), id);
    as_tresp_t r;
    s_resp(pc, (uint32_t)k, &r);
    if (d->op == AS_PO_CORRECT) {
        *type = (as_ptype_t){r.card, r.base};
        s_emit(pc, AS_PO_CORRECT, *type, r.n_correct, r.correct_off);
        return AS_OK;
    } else {
        as_map_kind_t want = d->op == AS_PO_MAP_RESPONSE ? AS_MAP_ENTRIES : AS_MAP_AREAS;
        if (r.map != want)
            return as_pc_fail(pc, "%s: response \"%.*s\" declares no %s", d->name, (int)len, id,
                              want == AS_MAP_ENTRIES ? "mapping" : "area_mapping");
        *type = (as_ptype_t){AS_CARD_SINGLE, AS_BT_FLOAT};
    }
    s_emit(pc, d->op, *type, 0, (uint32_t)k);
    return AS_OK;
}

/* The commonest idioms as one instruction: match(variable R, correct R) and isNull(variable R)
 * over a response R. Returns whether the operator op (with its operands just emitted) was fused. */
static bool s_fuse(as_pc_t *pc, uint16_t op, as_ptype_t type)
{
    if (pc->no_fuse || !pc->code) return false;
    as_pins_t *last = pc->n >= 1 ? &pc->code[pc->n - 1] : NULL;
    if (op == AS_PO_IS_NULL && last && last->op == AS_PO_RESPONSE) {
        uint32_t k = last->a;
        pc->n--;
        pc->depth--;
        s_emit(pc, AS_PO_IS_NULL_RESPONSE, type, 0, k);
        return true;
    }
    if (op == AS_PO_MATCH && pc->n >= 2 && pc->code[pc->n - 2].op == AS_PO_RESPONSE &&
        last->op == AS_PO_CORRECT) {
        as_tresp_t r;
        uint32_t k = pc->code[pc->n - 2].a;
        s_resp(pc, k, &r);
        if (r.correct_off != last->a || r.n_correct != last->argc) return false; /* another's */
        pc->n -= 2;
        pc->depth -= 2;
        as_pc_emit(pc, AS_PO_MATCH_CORRECT, type, r.n_correct, k, r.correct_off);
        return true;
    }
    return false;
}

static as_code_t s_expr(as_pc_t *pc, as_mp_t *r, as_ptype_t *type)
{
    const char *name;
    uint32_t len;
    as_mp_t val;
    as_code_t rc = as_pc_node(pc, r, "an expression", &name, &len, &val);
    if (rc) return rc;
    if (++pc->nesting > 48) return as_pc_fail(pc, "expressions nested deeper than 48 levels");
    const as_pdef_t *d = as_pc_def(name, len);
    size_t mark = as_path_key(&pc->c->path, name, len);
    if (!d) {
        const char *why = as_pc_refused(name, len);
        if (why) return as_pc_fail(pc, "%.*s is not supported: %s", (int)len, name, why);
        return as_pc_fail(pc,
                          "unknown expression \"%.*s\" (see PROTOCOL.md, \"Response processing\")",
                          (int)(len > 64 ? 64 : len), name);
    }
    /* the node's value: children, attributes (+ args), an identifier, or nil */
    as_field_t f[6] = {{0}};
    uint32_t nattr = 0;
    while (nattr < 5 && d->attrs[nattr]) {
        f[nattr].name = d->attrs[nattr];
        nattr++;
    }
    f[nattr].name = "args";
    as_mp_t args = {0};
    uint32_t argc = 0;
    as_mp_type_t vt = as_mp_peek(&val);
    size_t args_mark = pc->c->path.len;
    if (vt == AS_MP_ARRAY) {
        as_mp_array(&val, &argc);
        args = val;
    } else if (vt == AS_MP_MAP) {
        if ((rc = as_tc_fields(pc->c, &val, f, nattr + (d->max != 0 ? 1 : 0)))) return rc;
        static const uint8_t nil = 0xc0; /* the map is read: leaves find their fields in f */
        as_mp_init(&val, &nil, 1);
        if (d->max != 0 && f[nattr].seen) {
            args = f[nattr].at;
            args_mark = as_tc_enter(pc->c, &f[nattr]);
            if (as_mp_array(&args, &argc) != AS_MP_OK) return as_pc_fail(pc, "expected an array");
            as_path_pop(&pc->c->path, args_mark);
        }
    } else if (vt == AS_MP_NIL) {
        as_mp_nil(&val);
    } else if (vt != AS_MP_STR ||
               (d->op > AS_PO_MAP_RESPONSE_POINT && d->op != AS_PO_TEST_VARIABLES &&
                d->op != AS_PO_OUTCOME_MAXIMUM && d->op != AS_PO_OUTCOME_MINIMUM)) {
        return as_pc_fail(pc, "expected an array of sub-expressions, a map of attributes or nil");
    }
    if (argc > AS_PROG_MAX_ARGS)
        return as_pc_fail(pc, "%u sub-expressions, more than the limit of %d", argc,
                          AS_PROG_MAX_ARGS);
    if ((int)argc < d->min || (d->max >= 0 && (int)argc > d->max)) {
        if (d->max == 0) return as_pc_fail(pc, "%s takes no sub-expressions", d->name);
        if (d->min == d->max)
            return as_pc_fail(pc, "%s takes %d sub-expression(s), got %u", d->name, d->min, argc);
        return as_pc_fail(pc, "%s takes at least %d sub-expression(s), got %u", d->name, d->min,
                          argc);
    }
    if (d->max == 0) {
        rc = s_leaf(pc, d, f, &val, type);
        pc->nesting--;
        if (!rc) as_path_pop(&pc->c->path, mark);
        return rc;
    }
    as_pattr_t a = {0};
    if ((rc = as_pc_attrs(pc, d, f, &a))) return rc;
    as_ptype_t *t = malloc((argc ? argc : 1) * sizeof *t);
    if (!t) return as_err_set(pc->c->err, AS_INTERNAL, "out of memory compiling a program");
    bool in_map = vt == AS_MP_MAP;
    for (uint32_t i = 0; i < argc && !rc; i++) {
        size_t m1 = in_map ? as_path_key(&pc->c->path, "args", 4) : pc->c->path.len;
        size_t m2 = as_path_index(&pc->c->path, i);
        rc = s_expr(pc, &args, &t[i]);
        if (!rc) {
            as_path_pop(&pc->c->path, m2);
            as_path_pop(&pc->c->path, m1);
        }
    }
    if (!rc) {
        size_t m = in_map ? as_path_key(&pc->c->path, "args", 4) : pc->c->path.len;
        rc = as_pc_op_type(pc, d, &a, t, argc, type);
        if (!rc) as_path_pop(&pc->c->path, m);
    }
    free(t);
    if (rc) return rc;
    bool has_attrs = false;
    for (int i = 0; i < 5 && d->attrs[i]; i++)
        has_attrs = true;
    uint32_t off = has_attrs ? s_attr_put(pc, &a) : 0;
    if (!s_fuse(pc, d->op, *type)) s_emit(pc, d->op, *type, argc, off);
    pc->nesting--;
    as_path_pop(&pc->c->path, mark);
    return AS_OK;
}

as_code_t as_pc_expr(as_pc_t *pc, as_mp_t *r, as_ptype_t *type)
{
    return s_expr(pc, r, type);
}
