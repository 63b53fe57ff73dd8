/* compile_rules.c — the compiler's half for rules: setOutcomeValue and lookupOutcomeValue
 * checked against the outcome they set, conditions as conditional jumps, exit as a stop, and the
 * program's entry (as_pc_compile); expressions are compile_program.c's. */
#include "compiler.h"

#include <stdlib.h>

static as_code_t s_rules(as_pc_t *pc, as_mp_t *r);

/* setOutcomeValue / lookupOutcomeValue: {identifier, expression}. */
static as_code_t s_set(as_pc_t *pc, as_mp_t *val, bool lookup)
{
    as_field_t f[] = {{.name = "identifier"}, {.name = "expression"}};
    as_code_t rc = as_tc_fields(pc->c, val, f, 2);
    if (rc) return rc;
    if (!f[0].seen || !f[1].seen)
        return as_pc_fail(pc, "missing field \"%s\"", f[0].seen ? "expression" : "identifier");
    const char *id;
    uint32_t len;
    if ((rc = as_tc_string(pc->c, &f[0], &id, &len))) return rc;
    int k = as_pc_find_out(pc->c, pc->out_off, pc->n_out, id, len);
    if (k < 0) {
        as_tc_enter(pc->c, &f[0]);
        return as_pc_fail(pc, "\"%.*s\" is not a declared outcome", (int)(len > 64 ? 64 : len), id);
    }
    as_tout_t o;
    memcpy(&o, pc->c->b.data + pc->out_off + (size_t)k * sizeof o, sizeof o);
    as_ptype_t t;
    size_t mark = as_tc_enter(pc->c, &f[1]);
    if ((rc = as_pc_expr(pc, &f[1].at, &t))) return rc;
    char got[64];
    as_pc_type_text(t, got, sizeof got);
    if (lookup) {
        if (o.lookup == AS_LOOKUP_NONE)
            return as_pc_fail(pc, "outcome \"%.*s\" declares no match_table or interpolation_table",
                              (int)len, id);
        bool ok = as_pt_single(t) &&
                  (o.lookup == AS_LOOKUP_MATCH ? (t.base == AS_BT_INTEGER || t.base == AS_BT_ANY)
                                               : as_pt_numeric(t));
        if (!ok)
            return as_pc_fail(pc, "a %s takes a single %s, got %s",
                              o.lookup == AS_LOOKUP_MATCH ? "match_table" : "interpolation_table",
                              o.lookup == AS_LOOKUP_MATCH ? "integer" : "number", got);
    } else {
        bool card_ok = t.card == o.card || t.card == AS_CARD_ANY;
        /* a number converts to the outcome's type: an integer to a float, a float to an
         * integer truncated toward zero (as qti-sdk does; NULL outside the integers' range) */
        bool base_ok = t.base == o.base || t.base == AS_BT_ANY ||
                       (t.base == AS_BT_INTEGER && o.base == AS_BT_FLOAT) ||
                       (t.base == AS_BT_FLOAT && o.base == AS_BT_INTEGER);
        if (!card_ok || !base_ok)
            return as_pc_fail(pc, "outcome \"%.*s\" is %s %s, the expression gives %s", (int)len,
                              id, as_card_names[o.card], as_base_names[o.base], got);
    }
    as_path_pop(&pc->c->path, mark);
    /* the instruction carries the outcome's type: setting NULL needs no declaration */
    as_ptype_t ot = {o.card, o.base};
    if (!lookup && !pc->no_fuse && pc->code && pc->n &&
        pc->code[pc->n - 1].op == AS_PO_BASE_VALUE &&
        !(t.base == AS_BT_FLOAT && o.base == AS_BT_INTEGER)) { /* (no conversion) */
        uint32_t value = pc->code[pc->n - 1].a;
        pc->n--;
        pc->depth--;
        as_pc_emit(pc, AS_PO_SET_CONST, ot, 0, (uint32_t)k, value);
        return AS_OK;
    }
    as_pc_emit(pc, lookup ? AS_PO_LOOKUP : AS_PO_SET, ot, 0, (uint32_t)k, 0);
    return AS_OK;
}

/* responseCondition / outcomeCondition: {if: {condition, then}, else_if: [...], else: [...]} */
static as_code_t s_condition(as_pc_t *pc, as_mp_t *val)
{
    as_field_t f[] = {{.name = "if"}, {.name = "else_if"}, {.name = "else"}};
    as_code_t rc = as_tc_fields(pc->c, val, f, 3);
    if (rc) return rc;
    if (!f[0].seen) return as_pc_fail(pc, "missing field \"if\"");
    uint32_t n_elif = 0;
    if (f[1].seen && (rc = as_tc_array_at(pc->c, &f[1], 1000, &n_elif))) return rc;
    uint32_t ends[1001], n_ends = 0;
    for (uint32_t b = 0; b <= n_elif; b++) {
        size_t mark = b == 0 ? as_tc_enter(pc->c, &f[0]) : as_tc_enter(pc->c, &f[1]);
        if (b > 0) as_path_index(&pc->c->path, b - 1);
        as_mp_t *at = b == 0 ? &f[0].at : &f[1].at;
        as_field_t bf[] = {{.name = "condition"}, {.name = "then"}};
        if ((rc = as_tc_fields(pc->c, at, bf, 2))) return rc;
        if (!bf[0].seen || !bf[1].seen)
            return as_pc_fail(pc, "missing field \"%s\"", bf[0].seen ? "then" : "condition");
        size_t cm = as_tc_enter(pc->c, &bf[0]);
        as_ptype_t t;
        if ((rc = as_pc_expr(pc, &bf[0].at, &t))) return rc;
        if (!as_pt_single(t) || (t.base != AS_BT_BOOLEAN && t.base != AS_BT_ANY)) {
            char got[64];
            as_pc_type_text(t, got, sizeof got);
            return as_pc_fail(pc, "a condition is a single boolean, got %s", got);
        }
        as_path_pop(&pc->c->path, cm);
        uint32_t jf = as_pc_emit(pc, AS_PO_JUMP_UNLESS, t, 0, 0, 0);
        cm = as_tc_enter(pc->c, &bf[1]);
        if ((rc = s_rules(pc, &bf[1].at))) return rc;
        as_path_pop(&pc->c->path, cm);
        ends[n_ends++] = as_pc_emit(pc, AS_PO_JUMP, (as_ptype_t){0, 0}, 0, 0, 0);
        if (pc->code) pc->code[jf].a = pc->n;
        as_path_pop(&pc->c->path, mark);
    }
    if (f[2].seen) {
        size_t mark = as_tc_enter(pc->c, &f[2]);
        if ((rc = s_rules(pc, &f[2].at))) return rc;
        as_path_pop(&pc->c->path, mark);
    }
    for (uint32_t i = 0; i < n_ends && pc->code; i++)
        pc->code[ends[i]].a = pc->n;
    return AS_OK;
}

static as_code_t s_rule(as_pc_t *pc, as_mp_t *r)
{
    const char *name;
    uint32_t len;
    as_mp_t val;
    as_code_t rc = as_pc_node(pc, r, "a rule", &name, &len, &val);
    if (rc) return rc;
    size_t mark = as_path_key(&pc->c->path, name, len);
    const char *cond = pc->test ? "outcomeCondition" : "responseCondition";
    const char *exit = pc->test ? "exitTest" : "exitResponse";
    if (as_str_eq(name, len, "setOutcomeValue"))
        rc = s_set(pc, &val, false);
    else if (as_str_eq(name, len, "lookupOutcomeValue"))
        rc = s_set(pc, &val, true);
    else if (as_str_eq(name, len, cond))
        rc = s_condition(pc, &val);
    else if (as_str_eq(name, len, exit))
        as_pc_emit(pc, AS_PO_EXIT, (as_ptype_t){0, 0}, 0, 0, 0);
    else if (!pc->test && as_str_eq(name, len, "responseProcessingFragment"))
        rc = s_rules(pc, &val);
    else if (as_str_eq(name, len, "setTemplateValue") ||
             as_str_eq(name, len, "setCorrectResponse") ||
             as_str_eq(name, len, "setDefaultValue") || as_str_eq(name, len, "templateCondition"))
        return as_pc_fail(pc, "%.*s is not supported: template processing is not", (int)len, name);
    else
        return as_pc_fail(
            pc,
            "unknown rule \"%.*s\" (expected setOutcomeValue, lookupOutcomeValue, %s, "
            "%s%s)",
            (int)(len > 64 ? 64 : len), name, cond, exit,
            pc->test ? "" : ", responseProcessingFragment");
    if (!rc) as_path_pop(&pc->c->path, mark);
    return rc;
}

static as_code_t s_rules(as_pc_t *pc, as_mp_t *r)
{
    uint32_t n;
    if (as_mp_array(r, &n) != AS_MP_OK) return as_pc_fail(pc, "expected an array of rules");
    for (uint32_t i = 0; i < n; i++) {
        size_t mark = as_path_index(&pc->c->path, i);
        as_code_t rc = s_rule(pc, r);
        if (rc) return rc;
        as_path_pop(&pc->c->path, mark);
    }
    return AS_OK;
}

as_code_t as_pc_compile(as_pc_t *pc, as_field_t *f, uint32_t *prog_off, uint32_t *prog_len,
                        uint32_t *stack)
{
    size_t mark = as_tc_enter(pc->c, f);
    as_code_t rc = s_rules(pc, &f->at);
    if (!rc && pc->too_long)
        rc = as_pc_fail(pc, "program longer than %d instructions", AS_PROG_MAX_CODE);
    if (!rc && pc->max_depth > AS_PROG_MAX_STACK)
        rc = as_pc_fail(pc, "needs %u operands at once, more than the limit of %d", pc->max_depth,
                        AS_PROG_MAX_STACK);
    if (!rc) {
        as_path_pop(&pc->c->path, mark);
        *prog_len = pc->n;
        *stack = pc->max_depth;
        *prog_off = as_tc_alloc(&pc->c->b, (pc->n ? pc->n : 1) * sizeof(as_pins_t));
        if (*prog_off && pc->n)
            memcpy(pc->c->b.data + *prog_off, pc->code, pc->n * sizeof(as_pins_t));
    }
    free(pc->code);
    pc->code = NULL;
    return rc;
}
