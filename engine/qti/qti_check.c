/* qti_check.c — an imported item's definition compiled while its XML is still at hand, so that
 * what the compiler refuses is said with the file, the line and the element too: the compiler's
 * path into the definition (items[0].response_processing[1].responseCondition.if.condition...)
 * is walked down the XML it was translated from (qti_item.c), as far as it goes. */
#include "qti_int.h"

#include "table.h"

#include <stdlib.h>
#include <string.h>

/* The element child number i (0-based) of n named `name` (NULL: any), or NULL. */
static xmlNodePtr s_nth(xmlNodePtr n, const char *name, long i)
{
    for (xmlNodePtr c = qx_first(n); c; c = qx_next(c))
        if ((!name || qx_is(c, name)) && i-- == 0) return c;
    return NULL;
}

/* Follows the compiler's path (at p, up to the ':' ending it) from the item root; returns the
 * deepest element it reaches. The translation's shape: rules are the children of
 * responseProcessing; a condition's "if"/"else_if"/"else" are responseIf/ElseIf/Else whose first
 * child is the condition and the rest the rules; an expression's sub-expressions are its
 * children; responses and outcomes are the declarations in order. */
static xmlNodePtr s_walk(xmlNodePtr root, const char *p)
{
    xmlNodePtr n = root, at = root;
    char seg[128];
    bool in_rules = false, in_then = false;
    const char *branch = NULL; /* the element a "[i]" after else_if / responses ... selects */
    while (*p && *p != ':' && *p != ' ') {
        if (*p == '.') p++;
        if (*p == '[') {
            long i = strtol(p + 1, (char **)&p, 10);
            if (*p == ']') p++;
            xmlNodePtr next = NULL;
            if (branch)
                next = s_nth(n, branch, i);
            else if (in_then)
                next = s_nth(n, NULL, i + 1); /* after the condition */
            else if (in_rules)
                next = s_nth(n, NULL, i);
            else
                next = s_nth(n, NULL, i);
            if (!next) break;
            n = at = next;
            branch = NULL;
            in_rules = in_then = false;
            continue;
        }
        size_t k = 0;
        while (*p && *p != '.' && *p != '[' && *p != ':' && *p != ' ' && k < sizeof seg - 1)
            seg[k++] = *p++;
        seg[k] = '\0';
        if (strcmp(seg, "items") == 0) {
            branch = NULL;
            if (*p == '[') { /* the one item: the root itself */
                while (*p && *p != ']')
                    p++;
                if (*p) p++;
            }
        } else if (strcmp(seg, "responses") == 0) {
            branch = "responseDeclaration";
        } else if (strcmp(seg, "outcomes") == 0) {
            branch = "outcomeDeclaration";
        } else if (strcmp(seg, "response_processing") == 0) {
            xmlNodePtr rp = qx_child(root, "responseProcessing");
            if (!rp) break;
            n = at = rp;
            in_rules = true;
        } else if (strcmp(seg, "if") == 0 || strcmp(seg, "else") == 0) {
            xmlNodePtr c = qx_child(n, strcmp(seg, "if") == 0 ? "responseIf" : "responseElse");
            if (!c) break;
            n = at = c;
            in_rules = strcmp(seg, "else") == 0;
        } else if (strcmp(seg, "else_if") == 0) {
            branch = "responseElseIf";
        } else if (strcmp(seg, "condition") == 0 || strcmp(seg, "expression") == 0) {
            xmlNodePtr c = qx_first(n);
            if (!c) break;
            n = at = c;
        } else if (strcmp(seg, "then") == 0) {
            in_then = true;
        } else if (strcmp(seg, "args") == 0) {
            /* sub-expressions: the element's children, indexed next */
        } else if (qx_is(n, seg)) {
            /* the element itself (a rule or an expression named by its element) */
        } else {
            break; /* an attribute or a field: the element reached is the answer */
        }
    }
    return at;
}

as_code_t qx_check_item(qx_t *x, xmlNodePtr root, const uint8_t *def, size_t len, as_compiled_t *c)
{
    as_err_t why;
    if (as_table_compile(def, len, c, &why) == AS_OK) return AS_OK;
    if (why.code != AS_BAD_REQUEST) return as_err_set(x->err, why.code, "%s", why.msg);
    xmlNodePtr n = s_walk(root, why.msg);
    return qx_fail(x, n, "%s", why.msg);
}
