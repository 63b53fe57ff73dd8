/* qti_rules.c — response and outcome processing, element by element, into the program tree of
 * PROTOCOL.md "Response processing": rules (conditions, setOutcomeValue, lookupOutcomeValue, exit),
 * expressions with their attributes typed (numbers, booleans) and sub-expressions under "args",
 * what is refused said with its line. Items (qti_item.c) and tests (qti_import.c) share it. */
#include "qti_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static as_code_t s_expr(qx_t *x, xmlNodePtr e, qb_t *b, int depth);

/* Attributes whose values are numbers or booleans in the program tree. */
static const char *const s_int_attrs[] = {"figures", "n", "numberRepeats", "min", "max"};
static const char *const s_bool_attrs[] = {"caseSensitive", "substring", "includeLowerBound",
                                           "includeUpperBound"};

static bool s_in(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

/* Elements refused before they reach the compiler, with their file and line. */
static const char *s_refused(const char *name)
{
    static const char *const r[][2] = {
        {"randomInteger", "random values make scores unrepeatable"},
        {"randomFloat", "random values make scores unrepeatable"},
        {"random", "random selection makes scores unrepeatable"},
        {"customOperator", "custom operators are implementation-specific code"},
        {"templateDefault", "template processing is not supported"}};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (strcmp(name, r[i][0]) == 0) return r[i][1];
    return NULL;
}

static as_code_t s_attr_value(qx_t *x, xmlNodePtr e, const char *name, const char *v, qb_t *b)
{
    if (s_in(name, s_int_attrs, 5)) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (end == v || *end) { /* a variable reference {X}: the compiler says it is refused */
            qb_str(b, v);
            return AS_OK;
        }
        msgpack_pack_int64(&b->pk, n);
    } else if (s_in(name, s_bool_attrs, 4)) {
        if (strcmp(v, "true") == 0)
            msgpack_pack_true(&b->pk);
        else if (strcmp(v, "false") == 0)
            msgpack_pack_false(&b->pk);
        else
            return qx_fail(x, e, "%s=\"%s\" is not true or false", name, v);
    } else {
        qb_str(b, v);
    }
    return AS_OK;
}

static as_code_t s_expr(qx_t *x, xmlNodePtr e, qb_t *b, int depth)
{
    const char *name = (const char *)e->name;
    const char *why = s_refused(name);
    if (why) return qx_fail(x, e, "not supported: %s", why);
    if (depth > 48) return qx_fail(x, e, "expressions nested deeper than 48 levels");
    as_code_t rc;
    size_t m = qb_map(b);
    qb_key(b, name);
    if (strcmp(name, "baseValue") == 0) {
        const char *base = qx_base(qx_attr(e, "baseType"));
        if (!base)
            return qx_fail(x, e, "baseType \"%s\" is not supported",
                           qx_attr(e, "baseType") ? qx_attr(e, "baseType") : "");
        char buf[4096];
        size_t v = qb_map(b);
        qb_key(b, "baseType");
        qb_str(b, qx_attr(e, "baseType"));
        qb_key(b, "value");
        if ((rc = qx_value(x, e, base, qx_text(e, buf, sizeof buf), b))) return rc;
        qb_end(b, v, 2);
        qb_end(b, m, 1);
        return AS_OK;
    }
    uint32_t nattr = 0;
    for (xmlAttrPtr a = e->properties; a; a = a->next)
        if (!a->ns) nattr++;
    uint32_t nchild = 0;
    for (xmlNodePtr c = qx_first(e); c; c = qx_next(c))
        nchild++;
    size_t inner = 0;
    if (nattr) {
        inner = qb_map(b);
        for (xmlAttrPtr a = e->properties; a; a = a->next) {
            if (a->ns) continue;
            const char *an = (const char *)a->name;
            const char *v =
                a->children && a->children->content ? (const char *)a->children->content : "";
            qb_key(b, an);
            if ((rc = s_attr_value(x, e, an, v, b))) return rc;
        }
        if (nchild) qb_key(b, "args");
    }
    if (nchild || !nattr) {
        size_t arr = qb_array(b);
        for (xmlNodePtr c = qx_first(e); c; c = qx_next(c))
            if ((rc = s_expr(x, c, b, depth + 1))) return rc;
        qb_end(b, arr, nchild);
    }
    if (nattr) qb_end(b, inner, nattr + (nchild ? 1 : 0));
    qb_end(b, m, 1);
    return AS_OK;
}

static as_code_t s_rule(qx_t *x, xmlNodePtr r, qb_t *b, bool test);

/* The rules among the element children of n, from `from` on. */
static as_code_t s_rule_list(qx_t *x, xmlNodePtr from, qb_t *b, bool test)
{
    size_t a = qb_array(b);
    uint32_t k = 0;
    for (xmlNodePtr c = from; c; c = qx_next(c), k++) {
        as_code_t rc = s_rule(x, c, b, test);
        if (rc) return rc;
    }
    qb_end(b, a, k);
    return AS_OK;
}

/* responseIf / responseElseIf: {condition, then}. */
static as_code_t s_branch(qx_t *x, xmlNodePtr br, qb_t *b, bool test)
{
    xmlNodePtr cond = qx_first(br);
    if (!cond) return qx_fail(x, br, "no condition");
    size_t m = qb_map(b);
    qb_key(b, "condition");
    as_code_t rc = s_expr(x, cond, b, 0);
    if (rc) return rc;
    qb_key(b, "then");
    if ((rc = s_rule_list(x, qx_next(cond), b, test))) return rc;
    qb_end(b, m, 2);
    return AS_OK;
}

static as_code_t s_rule(qx_t *x, xmlNodePtr r, qb_t *b, bool test)
{
    const char *name = (const char *)r->name;
    const char *cond = test ? "outcomeCondition" : "responseCondition";
    const char *pre = test ? "outcome" : "response";
    char want_if[32], want_elif[32], want_else[32];
    snprintf(want_if, sizeof want_if, "%sIf", pre);
    snprintf(want_elif, sizeof want_elif, "%sElseIf", pre);
    snprintf(want_else, sizeof want_else, "%sElse", pre);
    as_code_t rc;
    size_t m = qb_map(b);
    if (strcmp(name, "setOutcomeValue") == 0 || strcmp(name, "lookupOutcomeValue") == 0) {
        const char *id = qx_attr(r, "identifier");
        xmlNodePtr e = qx_first(r);
        if (!id || !e) return qx_fail(x, r, "needs an identifier and an expression");
        qb_key(b, name);
        size_t in = qb_map(b);
        qb_key(b, "identifier");
        qb_str(b, id);
        qb_key(b, "expression");
        if ((rc = s_expr(x, e, b, 0))) return rc;
        qb_end(b, in, 2);
    } else if (strcmp(name, cond) == 0) {
        qb_key(b, cond);
        size_t in = qb_map(b);
        uint32_t fields = 0, n_elif = 0;
        xmlNodePtr c = qx_first(r);
        if (!qx_is(c, want_if)) return qx_fail(x, r, "does not start with %s", want_if);
        qb_key(b, "if");
        if ((rc = s_branch(x, c, b, test))) return rc;
        fields++;
        for (xmlNodePtr e = qx_next(c); e; e = qx_next(e))
            if (qx_is(e, want_elif)) n_elif++;
        if (n_elif) {
            qb_key(b, "else_if");
            size_t a = qb_array(b);
            for (xmlNodePtr e = qx_next(c); e; e = qx_next(e))
                if (qx_is(e, want_elif) && (rc = s_branch(x, e, b, test))) return rc;
            qb_end(b, a, n_elif);
            fields++;
        }
        xmlNodePtr els = qx_child(r, want_else);
        if (els) {
            qb_key(b, "else");
            if ((rc = s_rule_list(x, qx_first(els), b, test))) return rc;
            fields++;
        }
        qb_end(b, in, fields);
    } else if (strcmp(name, test ? "exitTest" : "exitResponse") == 0) {
        qb_key(b, name);
        msgpack_pack_nil(&b->pk);
    } else if (!test && strcmp(name, "responseProcessingFragment") == 0) {
        qb_key(b, name);
        if ((rc = s_rule_list(x, qx_first(r), b, test))) return rc;
    } else {
        return qx_fail(x, r, "not supported in %s processing", test ? "outcome" : "response");
    }
    qb_end(b, m, 1);
    return AS_OK;
}

as_code_t qx_rules(qx_t *x, xmlNodePtr parent, qb_t *b, bool test)
{
    return s_rule_list(x, qx_first(parent), b, test);
}
