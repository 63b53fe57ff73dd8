/* program_walk.c — the reference evaluator: walks an item's response_processing as written (the
 * msgpack tree), recursively, the way interpreters do, so that tests and fuzzing can check the
 * compiled form (postfix code, jumps, outcome slots, the stack) against it.
 *
 * It shares with the compiled evaluator what must be the same by construction: the operators
 * (program_ops.c), the leaves and setting outcomes (program.c), and name resolution and typing
 * (the compiler, run on each node's subtree to learn its operator, attributes and type). Slow and
 * allocating: not for serving.
 */
#include "compiler.h"
#include "scorer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    as_scorer_t *sc;
    as_tc_t c; /* a copy of the table's blob, with room for what compiling nodes adds */
    const uint8_t *at_start;
    as_table_t t; /* the copy, opened */
    as_titem_t it;
    as_err_t err;
    bool failed; /* a node did not compile, or the copy had to move */
    bool exited;
} s_walk_t;

/* Compiles the subtree at r (a copy) and gives its root instruction. */
static bool s_node(s_walk_t *w, as_mp_t r, as_pins_t *ins)
{
    as_pc_t pc = {.c = &w->c,
                  .n_resp = w->it.n_resp,
                  .resp_off = w->it.resp_off,
                  .n_out = w->it.n_out,
                  .out_off = w->it.out_off,
                  .no_fuse = true};
    as_ptype_t type;
    as_path_init(&w->c.path, NULL);
    as_code_t rc = as_pc_expr(&pc, &r, &type);
    bool ok = !rc && !pc.too_long && pc.n > 0 && w->c.b.data == w->at_start;
    if (ok) *ins = pc.code[pc.n - 1];
    free(pc.code);
    if (!ok) w->failed = true;
    return ok;
}

/* The children of the expression node at r: a cursor at the first and their count. */
static void s_children(as_mp_t r, as_mp_t *args, uint32_t *n)
{
    uint32_t one;
    const char *name;
    uint32_t len;
    *n = 0;
    as_mp_map(&r, &one);
    as_mp_str(&r, &name, &len);
    if (as_mp_peek(&r) == AS_MP_ARRAY) {
        as_mp_array(&r, n);
        *args = r;
        return;
    }
    uint32_t k;
    if (as_mp_peek(&r) != AS_MP_MAP || as_mp_map(&r, &k) != AS_MP_OK) return;
    for (uint32_t i = 0; i < k; i++) {
        as_mp_str(&r, &name, &len);
        if (as_str_eq(name, len, "args")) {
            as_mp_array(&r, n);
            *args = r;
            return;
        }
        as_mp_skip(&r, AS_MAX_DEPTH);
    }
}

static void s_eval(s_walk_t *w, as_mp_t *r, as_pv_t *out)
{
    as_pins_t ins;
    as_mp_t node = *r;
    as_mp_skip(r, AS_MAX_DEPTH);
    as_pv_null(out, AS_CARD_ANY, AS_BT_ANY);
    if (w->failed || !s_node(w, node, &ins)) return;
    if (ins.op <= AS_PO_LEAF_LAST) {
        as_prog_leaf(w->sc, &w->t, &w->it, w->it.out_off, &ins, NULL, out);
        return;
    }
    as_mp_t args = {0};
    uint32_t n;
    s_children(node, &args, &n);
    as_pv_t *vals = malloc((n ? n : 1) * sizeof *vals);
    if (!vals) {
        w->failed = true;
        return;
    }
    for (uint32_t i = 0; i < n && !w->failed; i++)
        s_eval(w, &args, &vals[i]);
    as_pattr_t attr;
    if (ins.a) memcpy(&attr, w->t.base + ins.a, sizeof attr);
    if (!w->failed) as_op_apply(&w->sc->ev, &ins, ins.a ? &attr : NULL, vals, n, out);
    free(vals);
}

/* The value of field `name` of the map at r. */
static bool s_field(as_mp_t r, const char *name, as_mp_t *at)
{
    return as_mp_field(r, name, (uint32_t)strlen(name), AS_MAX_DEPTH, at);
}

static void s_rules(s_walk_t *w, as_mp_t r);

/* A branch {condition, then}: runs its rules when the condition is true; returns whether. */
static bool s_branch(s_walk_t *w, as_mp_t b)
{
    as_mp_t cond, then;
    if (!s_field(b, "condition", &cond) || !s_field(b, "then", &then)) {
        w->failed = true;
        return false;
    }
    as_pv_t c;
    s_eval(w, &cond, &c);
    if (w->failed || c.null || !c.v.i) return false;
    s_rules(w, then);
    return true;
}

static void s_rule(s_walk_t *w, as_mp_t r)
{
    uint32_t one;
    const char *name;
    uint32_t len;
    as_mp_map(&r, &one);
    as_mp_str(&r, &name, &len);
    bool set = as_str_eq(name, len, "setOutcomeValue");
    if (set || as_str_eq(name, len, "lookupOutcomeValue")) {
        as_mp_t id_at, expr;
        const char *id;
        uint32_t id_len;
        if (!s_field(r, "identifier", &id_at) || !s_field(r, "expression", &expr) ||
            as_mp_str(&id_at, &id, &id_len) != AS_MP_OK) {
            w->failed = true;
            return;
        }
        int k = as_pc_find_out(&w->c, w->it.out_off, w->it.n_out, id, id_len);
        as_pv_t v;
        s_eval(w, &expr, &v);
        if (k < 0) w->failed = true;
        if (!w->failed) {
            as_tout_t o;
            memcpy(&o, w->t.base + w->it.out_off + (size_t)k * sizeof o, sizeof o);
            as_pins_t ins = {.op = set ? AS_PO_SET : AS_PO_LOOKUP,
                             .card = o.card,
                             .base = o.base,
                             .a = (uint32_t)k};
            as_prog_set(w->sc, &w->t, w->it.out_off, &ins, &v);
        }
    } else if (as_str_eq(name, len, "responseCondition")) {
        as_mp_t b, elifs, els;
        if (!s_field(r, "if", &b)) {
            w->failed = true;
            return;
        }
        if (s_branch(w, b)) return;
        if (s_field(r, "else_if", &elifs)) {
            uint32_t n;
            as_mp_array(&elifs, &n);
            for (uint32_t i = 0; i < n && !w->failed && !w->exited; i++) {
                as_mp_t one_b = elifs;
                as_mp_skip(&elifs, AS_MAX_DEPTH);
                if (s_branch(w, one_b)) return;
            }
        }
        if (!w->failed && !w->exited && s_field(r, "else", &els)) s_rules(w, els);
    } else if (as_str_eq(name, len, "exitResponse")) {
        w->exited = true;
    } else if (as_str_eq(name, len, "responseProcessingFragment")) {
        s_rules(w, r);
    } else {
        w->failed = true;
    }
}

static void s_rules(s_walk_t *w, as_mp_t r)
{
    uint32_t n;
    if (as_mp_array(&r, &n) != AS_MP_OK) {
        w->failed = true;
        return;
    }
    for (uint32_t i = 0; i < n && !w->failed && !w->exited; i++) {
        as_mp_t rule = r;
        as_mp_skip(&r, AS_MAX_DEPTH);
        s_rule(w, rule);
    }
}

int as_prog_walk(as_scorer_t *sc, const as_table_t *t, uint32_t pos, as_mp_t program, double *raw,
                 msgpack_packer *outcomes)
{
    s_walk_t *w = calloc(1, sizeof *w);
    if (!w) return -1;
    size_t cap = t->size + 64 * as_mp_left(&program) + 65536;
    w->sc = sc;
    w->c.err = &w->err;
    w->c.b.data = malloc(cap);
    if (!w->c.b.data) {
        free(w);
        return -1;
    }
    memcpy(w->c.b.data, t->base, t->size);
    w->c.b.len = t->size;
    w->c.b.cap = cap;
    w->at_start = w->c.b.data;
    w->t = (as_table_t){.base = w->c.b.data, .size = t->size, .hdr = t->hdr};
    as_table_item(t, pos, &w->it);
    as_prog_begin(sc, &w->t, w->it.out_off, w->it.n_out);
    s_rules(w, program);
    int rc = w->failed ? -1 : 0;
    if (!rc) {
        const as_pv_t *score = &sc->out[w->it.score_out];
        *raw = sc->ev.overflow                                 ? NAN
               : w->it.flags & AS_TF_UNSCORABLE || score->null ? 0 /* (no score: as compiled) */
                                                               : score->v.x;
        for (uint32_t k = 0; outcomes && k < w->it.n_out; k++)
            as_pv_pack(outcomes, &sc->out[k]);
    }
    free(w->c.b.data);
    free(w);
    return rc;
}

int as_prog_check(as_scorer_t *sc, const as_table_t *t, as_mp_t def, as_mp_t answers, char *why,
                  size_t n)
{
    as_mp_t items;
    uint32_t count;
    if (!s_field(def, "items", &items) || as_mp_array(&items, &count) != AS_MP_OK) {
        snprintf(why, n, "the definition has no items array");
        return -1;
    }
    int rc = 0;
    for (uint32_t i = 0; i < count && i < t->hdr.n_items && !rc; i++) {
        as_mp_t item = items, prog;
        as_mp_skip(&items, AS_MAX_DEPTH);
        as_titem_t it;
        as_table_item(t, i, &it);
        if (it.rule != AS_RULE_PROGRAM || !s_field(item, "response_processing", &prog)) continue;
        msgpack_sbuffer x, y;
        msgpack_sbuffer_init(&x);
        msgpack_sbuffer_init(&y);
        msgpack_packer px, py;
        msgpack_packer_init(&px, &x, msgpack_sbuffer_write);
        msgpack_packer_init(&py, &y, msgpack_sbuffer_write);
        double walked = 0;
        as_score_load_item(sc, t, i, answers);
        int walk = as_prog_walk(sc, t, i, prog, &walked, &py);
        as_score_load_item(sc, t, i, answers);
        double compiled = as_score_run_item(sc, t, i, &px);
        if (walk == 0) {
            bool same = compiled == walked || (isnan(compiled) && isnan(walked));
            if (!same) {
                snprintf(why, n, "item %u: compiled %.17g, walked %.17g", i, compiled, walked);
                rc = 1;
            } else if (x.size != y.size || memcmp(x.data, y.data, x.size) != 0) {
                snprintf(why, n, "item %u: the outcomes differ", i);
                rc = 1;
            }
        }
        msgpack_sbuffer_destroy(&x);
        msgpack_sbuffer_destroy(&y);
    }
    return rc;
}
