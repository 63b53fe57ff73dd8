/* compiler.h — the definition compiler's internals, shared by its three files only: table.c
 * (definitions and items), compile_fields.c (the blob and the field readers),
 * compile_mapping.c (an item's response parts). Everything else uses table.h.
 *
 * The compiler validates as it writes: every reader takes a field, checks it, appends its part
 * to the blob, and on failure returns bad_request with c->path naming the field.
 */
#ifndef AS_COMPILER_H
#define AS_COMPILER_H

#include "program.h"
#include "table.h"

#include "protocol.h"

#include <string.h>

#define AS_TC_MAX_BLOB (256u << 20)

/* The growing blob. Offsets, never pointers, are kept across appends (realloc moves it). */
typedef struct {
    uint8_t *data;
    size_t len, cap;
    bool oom;
} as_tc_buf_t;

typedef struct {
    as_tc_buf_t b;
    as_value_t vals[AS_MAX_VALUES]; /* scratch for the values of one field */
    as_path_t path;                 /* where the compiler is, for error messages */
    as_err_t *err;
} as_tc_t;

/* ---- compile_fields.c ---- */

/* Appends n zeroed bytes at an 8-byte aligned offset and returns that offset (0 on failure,
 * with b->oom set; offset 0 is the header, never a valid heap offset). */
uint32_t as_tc_alloc(as_tc_buf_t *b, size_t n);
/* Appends a string (len bytes, at least one byte reserved) and returns its offset. */
uint32_t as_tc_str(as_tc_buf_t *b, const char *s, uint32_t len);
/* Reads a map's fields into f (as_fields_read, with the compiler's path). */
as_code_t as_tc_fields(as_tc_t *c, as_mp_t *r, as_field_t *f, size_t nf);
/* An id (field f) that must not repeat among the n (id_off, id_len) records of size stride at
 * off: bad_request "<what> \"id\" declared twice". */
as_code_t as_tc_unique(as_tc_t *c, as_field_t *f, const char *id, uint32_t len, uint32_t off,
                       uint32_t n, size_t stride, const char *what);
/* Enters field f for error paths; returns the mark for as_path_pop. */
size_t as_tc_enter(as_tc_t *c, const as_field_t *f);
/* Field readers: a finite number in [lo, hi], a string, an id, one of `names` (its index in
 * *out), an array of at most max elements (its length in *n, f->at then at its first element). */
as_code_t as_tc_number(as_tc_t *c, as_field_t *f, double lo, double hi, double *out);
as_code_t as_tc_string(as_tc_t *c, as_field_t *f, const char **s, uint32_t *len);
as_code_t as_tc_id(as_tc_t *c, as_field_t *f, const char **s, uint32_t *len);
as_code_t as_tc_enum(as_tc_t *c, as_field_t *f, const char *const *names, int count, int *out);
/* A base type named as the definition names it (as_base_names) or as QTI does (directedPair):
 * a program's baseType attributes take both. */
as_code_t as_tc_base_type(as_tc_t *c, as_field_t *f, int *out);
as_code_t as_tc_array_at(as_tc_t *c, as_field_t *f, uint32_t max, uint32_t *n);

/* ---- compile_mapping.c ---- */

/* `correct`, `mapping`, `area_mapping` of response r, `tolerance` of item it: read, checked
 * against the response's cardinality and base type, and written to the blob. */
as_code_t as_tc_correct(as_tc_t *c, as_field_t *f, as_tresp_t *r);
as_code_t as_tc_mapping(as_tc_t *c, as_field_t *f, as_tresp_t *r);
as_code_t as_tc_area_mapping(as_tc_t *c, as_field_t *f, as_tresp_t *r);
as_code_t as_tc_tolerance(as_tc_t *c, as_field_t *f, as_titem_t *it);
/* Writes value v of base type base as an as_tval_t at offset off (its strings appended). */
void as_tc_tval_put(as_tc_t *c, uint32_t off, as_base_t base, const as_value_t *v);
/* What is wrong with an area's coords for its shape, or NULL. */
const char *as_tc_coords_problem(as_shape_t shape, const double *v, uint32_t n);
/* The least and greatest values mapResponse / mapResponsePoint can give over response r: a
 * single value, the lowest and highest entry or the default; a container, the sums of the
 * negative and of the positive entries, each once, with the default for each unmapped value
 * (a default of that sign is unbounded unless r->max_values bounds the values an answer holds),
 * within the mapping's bounds; a NULL response maps to the default. Infinite when unbounded. */
void as_tc_map_bounds(const as_tc_buf_t *b, const as_tresp_t *r, double *lo, double *hi);

/* ---- compile_item.c, compile_outcomes.c ---- */

/* Compiles item `pos` of the definition at r into the item array at items_off. */
as_code_t as_tc_item(as_tc_t *c, as_mp_t *r, uint32_t pos, uint32_t items_off);
/* Reads outcome declarations (an array at f) into the blob: *off, *n. */
as_code_t as_tc_outcomes(as_tc_t *c, as_field_t *f, uint32_t *off, uint32_t *n);
/* Which outcome is the score: `score_outcome` (field so, may be unseen) or SCORE; it must be a
 * single integer or float. *max gets its maximum (normal_maximum, else a MAXSCORE outcome's
 * default) and *has_max whether there is one. Neither named nor SCORE declared: *slot is
 * AS_NO_SCORE_OUT (the caller decides what that means). */
as_code_t as_tc_score_outcome(as_tc_t *c, as_field_t *so, uint32_t out_off, uint32_t n_out,
                              uint32_t *slot, double *max, bool *has_max);

/* ---- programs: compile_program.c (nodes, leaves, expressions, code), compile_rules.c,
 * compile_operators.c ---- */

/* Compiling one program: its symbols (offsets into the blob, which may move) and its code. */
typedef struct {
    as_tc_t *c;
    bool test;                   /* an assessment's outcome processing, else an item's */
    uint32_t n_resp, resp_off;   /* the item's responses */
    uint32_t n_out, out_off;     /* the outcomes the program may set */
    uint32_t n_items, items_off; /* test level: the compiled items */
    as_pins_t *code;
    uint32_t n, cap, depth, max_depth, nesting;
    bool too_long;
    bool no_fuse; /* emit one instruction per element (the reference walk) */
} as_pc_t;

/* ---- compile_operators.c ---- */

/* A static type: cardinality and base type, AS_CARD_ANY / AS_BT_ANY for the NULL expression. */
typedef struct {
    uint8_t card, base;
} as_ptype_t;

static inline bool as_pt_numeric(as_ptype_t t)
{
    return t.base == AS_BT_INTEGER || t.base == AS_BT_FLOAT || t.base == AS_BT_ANY;
}
static inline bool as_pt_single(as_ptype_t t)
{
    return t.card == AS_CARD_SINGLE || t.card == AS_CARD_ANY;
}
static inline bool as_pt_container(as_ptype_t t)
{
    return t.card == AS_CARD_MULTIPLE || t.card == AS_CARD_ORDERED || t.card == AS_CARD_ANY;
}
static inline bool as_pt_same_base(as_ptype_t a, as_ptype_t b)
{
    return a.base == b.base || a.base == AS_BT_ANY || b.base == AS_BT_ANY;
}

/* What an expression element takes: sub-expressions (min..max, AS_PC_ANY_ARGS for any number)
 * and attribute names (QTI's). */
#define AS_PC_ANY_ARGS (-1)
typedef struct {
    const char *name;
    uint16_t op;
    int16_t min, max;
    const char *attrs[5];
} as_pdef_t;

/* The element named (name, len), or NULL; why an element assay refuses is refused, or NULL. */
const as_pdef_t *as_pc_def(const char *name, uint32_t len);
const char *as_pc_refused(const char *name, uint32_t len);
/* The field of attribute `name` among f (read for d's attributes, in d's order) when given. */
as_field_t *as_pc_attr(as_field_t *f, const as_pdef_t *d, const char *name);
/* Reads and checks operator d's attributes into a (patterns and coords go to the blob). */
as_code_t as_pc_attrs(as_pc_t *pc, const as_pdef_t *d, as_field_t *f, as_pattr_t *a);
/* Checks the n operand types t of operator d and gives its result type in *r. */
as_code_t as_pc_op_type(as_pc_t *pc, const as_pdef_t *d, const as_pattr_t *a, const as_ptype_t *t,
                        uint32_t n, as_ptype_t *r);
/* "single float", "multiple identifier", "NULL". */
void as_pc_type_text(as_ptype_t t, char *out, size_t n);
/* bad_request with the message at the compiler's path. */
as_code_t as_pc_fail(as_pc_t *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* compile_bounds.c: the least (*lo) and greatest (*hi) value outcome `slot` of item it can hold
 * once its compiled program has run, over every path (infinite when not bounded). */
void as_pc_bounds(const as_tc_t *c, const as_titem_t *it, uint32_t slot, double *lo, double *hi);

/* compile_rules.c: compiles the rules array at f into the blob: *prog_off, *prog_len instructions,
 * *stack the operand depth it needs. Frees pc's code buffer either way. */
as_code_t as_pc_compile(as_pc_t *pc, as_field_t *f, uint32_t *prog_off, uint32_t *prog_len,
                        uint32_t *stack);
/* Compiles one expression at r (appending its code to pc's); its static type in *type. */
as_code_t as_pc_expr(as_pc_t *pc, as_mp_t *r, as_ptype_t *type);
/* Reads the one-key map of a node at r: the element's name and a cursor at its value (`what`
 * says what was expected, for the message). */
as_code_t as_pc_node(as_pc_t *pc, as_mp_t *r, const char *what, const char **name, uint32_t *len,
                     as_mp_t *val);
/* Appends one instruction (a leaf pushes one value, an operator pops argc and pushes one, SET,
 * LOOKUP and JUMP_UNLESS pop one); returns its index. */
uint32_t as_pc_emit(as_pc_t *pc, uint16_t op, as_ptype_t t, uint32_t argc, uint32_t a, uint32_t b);
/* The index of outcome (id, len) among the n declarations at off, or -1. */
int as_pc_find_out(const as_tc_t *c, uint32_t off, uint32_t n, const char *id, uint32_t len);

#endif
