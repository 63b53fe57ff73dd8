/* table.c — validates assessment definitions and compiles them into weight-table blobs (the
 * format is in table.h; scoring them is score.c).
 *
 * Validation is strict: unknown fields, wrong types, out-of-range numbers, duplicate ids or
 * mapping keys are all bad_request naming the path of the first problem.
 */
#include "table.h"

#include "protocol.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define S_MAX_BLOB (256u << 20)

/* The growing blob. Offsets, never pointers, are kept across appends (realloc moves it). */
typedef struct {
    uint8_t *data;
    size_t len, cap;
    bool oom;
} s_buf_t;

typedef struct {
    s_buf_t b;
    as_value_t vals[AS_MAX_VALUES];
    as_path_t path;
    as_err_t *err;
} s_compiler_t;

/* Appends n zeroed bytes at an 8-byte aligned offset and returns that offset (0 on failure,
 * with b->oom set; offset 0 is the header, never a valid heap offset). */
static uint32_t s_alloc(s_buf_t *b, size_t n)
{
    size_t off = (b->len + 7) & ~(size_t)7;
    if (b->oom || off + n > S_MAX_BLOB) {
        b->oom = true;
        return 0;
    }
    if (off + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < off + n)
            cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            b->oom = true;
            return 0;
        }
        b->data = p;
        b->cap = cap;
    }
    memset(b->data + b->len, 0, off + n - b->len);
    b->len = off + n;
    return (uint32_t)off;
}

static uint32_t s_str(s_buf_t *b, const char *s, uint32_t len)
{
    uint32_t off = s_alloc(b, len ? len : 1);
    if (off) memcpy(b->data + off, s, len);
    return off;
}

typedef as_field_t s_field_t;

static as_code_t s_fields(s_compiler_t *c, as_mp_t *r, s_field_t *f, size_t nf)
{
    return as_fields_read(r, f, nf, &c->path, c->err);
}

/* Enters field f for error paths; returns the mark for as_path_pop. */
static size_t s_enter(s_compiler_t *c, const s_field_t *f)
{
    return as_path_key(&c->path, f->name, (uint32_t)strlen(f->name));
}

static as_code_t s_number(s_compiler_t *c, s_field_t *f, double lo, double hi, double *out)
{
    size_t mark = s_enter(c, f);
    if (as_mp_number(&f->at, out) != AS_MP_OK)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a number, got %s",
                         as_mp_type_name(as_mp_peek(&f->at)));
    if (!isfinite(*out) || *out < lo || *out > hi) {
        if (isinf(hi))
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "expected a finite number >= %g, got %g", lo, *out);
        if (isinf(lo))
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a finite number, got %g",
                             *out);
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a number in [%g, %g], got %g",
                         lo, hi, *out);
    }
    as_path_pop(&c->path, mark);
    return AS_OK;
}

static as_code_t s_string(s_compiler_t *c, s_field_t *f, const char **s, uint32_t *len)
{
    size_t mark = s_enter(c, f);
    if (as_mp_str(&f->at, s, len) != AS_MP_OK)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a string, got %s",
                         as_mp_type_name(as_mp_peek(&f->at)));
    as_path_pop(&c->path, mark);
    return AS_OK;
}

static as_code_t s_id(s_compiler_t *c, s_field_t *f, const char **s, uint32_t *len)
{
    as_code_t rc = s_string(c, f, s, len);
    if (rc) return rc;
    if (!as_id_valid(*s, *len)) {
        size_t mark = s_enter(c, f);
        rc = as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                       "expected 1 to %d characters of A-Z a-z 0-9 . _ : -", AS_MAX_ID);
        as_path_pop(&c->path, mark);
    }
    return rc;
}

static as_code_t s_enum(s_compiler_t *c, s_field_t *f, const char *const *names, int count,
                        int *out)
{
    const char *s;
    uint32_t len;
    as_code_t rc = s_string(c, f, &s, &len);
    if (rc) return rc;
    for (int i = 0; i < count; i++)
        if (as_str_eq(s, len, names[i])) {
            *out = i;
            return AS_OK;
        }
    char list[256];
    size_t used = 0;
    for (int i = 0; i < count; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    size_t mark = s_enter(c, f);
    rc = as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected one of %s, got \"%.*s\"", list,
                   (int)(len > 64 ? 64 : len), s);
    as_path_pop(&c->path, mark);
    return rc;
}

static void s_tval_put(s_compiler_t *c, uint32_t off, as_base_t base, const as_value_t *v)
{
    as_tval_t tv = {0};
    tv.i = v->i;
    tv.x = v->x;
    tv.y = v->y;
    if (base == AS_BT_IDENTIFIER || base == AS_BT_STRING || base == AS_BT_PAIR ||
        base == AS_BT_DIRECTED_PAIR) {
        tv.a_off = s_str(&c->b, v->a, v->a_len);
        tv.a_len = v->a_len;
    }
    if (base == AS_BT_PAIR || base == AS_BT_DIRECTED_PAIR) {
        tv.b_off = s_str(&c->b, v->b, v->b_len);
        tv.b_len = v->b_len;
    }
    if (!c->b.oom) memcpy(c->b.data + off, &tv, sizeof tv);
}

/* Formats a value for a message. */
static void s_value_text(as_base_t base, const as_value_t *v, char *out, size_t n)
{
    switch (base) {
    case AS_BT_INTEGER:
        snprintf(out, n, "%lld", (long long)v->i);
        break;
    case AS_BT_FLOAT:
        snprintf(out, n, "%g", v->x);
        break;
    case AS_BT_POINT:
        snprintf(out, n, "\"%g %g\"", v->x, v->y);
        break;
    case AS_BT_PAIR:
    case AS_BT_DIRECTED_PAIR:
        snprintf(out, n, "\"%.*s %.*s\"", (int)(v->a_len > 60 ? 60 : v->a_len), v->a,
                 (int)(v->b_len > 60 ? 60 : v->b_len), v->b);
        break;
    default:
        snprintf(out, n, "\"%.*s\"", (int)(v->a_len > 120 ? 120 : v->a_len), v->a);
    }
}

/* `correct`: the item's correct response, stored as values. */
static as_code_t s_correct(s_compiler_t *c, s_field_t *f, as_titem_t *it)
{
    uint32_t n;
    size_t mark = s_enter(c, f);
    as_code_t rc = as_values_read(&f->at, (as_card_t)it->card, (as_base_t)it->base, c->vals,
                                  AS_MAX_VALUES, &n, &c->path, c->err);
    if (rc) return rc;
    if (n == 0) return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected at least one value");
    as_path_pop(&c->path, mark);
    it->n_correct = n;
    it->correct_off = s_alloc(&c->b, (size_t)n * sizeof(as_tval_t));
    for (uint32_t i = 0; i < n && !c->b.oom; i++)
        s_tval_put(c, it->correct_off + i * (uint32_t)sizeof(as_tval_t), (as_base_t)it->base,
                   &c->vals[i]);
    return AS_OK;
}

/* Bounds and default shared by mapping and area_mapping. */
static as_code_t s_bounds(s_compiler_t *c, s_field_t *dflt, s_field_t *lower, s_field_t *upper,
                          as_titem_t *it)
{
    as_code_t rc;
    if (dflt->seen && (rc = s_number(c, dflt, -INFINITY, INFINITY, &it->dflt))) return rc;
    if (lower->seen) {
        if ((rc = s_number(c, lower, -INFINITY, INFINITY, &it->lower))) return rc;
        it->flags |= AS_TF_LOWER;
    }
    if (upper->seen) {
        if ((rc = s_number(c, upper, -INFINITY, INFINITY, &it->upper))) return rc;
        it->flags |= AS_TF_UPPER;
    }
    if (lower->seen && upper->seen && it->lower > it->upper) {
        size_t mark = s_enter(c, upper);
        rc = as_err_at(c->err, AS_BAD_REQUEST, &c->path, "upper bound %g is below lower bound %g",
                       it->upper, it->lower);
        as_path_pop(&c->path, mark);
        return rc;
    }
    return AS_OK;
}

static as_code_t s_array_at(s_compiler_t *c, s_field_t *f, uint32_t max, uint32_t *n)
{
    size_t mark = s_enter(c, f);
    if (as_mp_array(&f->at, n) != AS_MP_OK)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected an array, got %s",
                         as_mp_type_name(as_mp_peek(&f->at)));
    if (*n > max)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "%u elements, more than the limit of %u",
                         *n, max);
    as_path_pop(&c->path, mark);
    return AS_OK;
}

/* Reads a stored entry key back as a value view (valid until the blob grows). */
static void s_entry_key(const s_buf_t *b, uint32_t entries_off, uint32_t j, as_tentry_t *e,
                        as_value_t *v)
{
    memcpy(e, b->data + entries_off + j * sizeof(as_tentry_t), sizeof *e);
    as_tval_view(b->data, &e->key, v);
}

static as_code_t s_mapping(s_compiler_t *c, s_field_t *f, as_titem_t *it)
{
    s_field_t mf[] = {
        {.name = "entries"}, {.name = "default"}, {.name = "lower"}, {.name = "upper"}};
    size_t mark = s_enter(c, f);
    as_code_t rc = s_fields(c, &f->at, mf, 4);
    if (rc) return rc;
    if (!mf[0].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"entries\"");
    if ((rc = s_bounds(c, &mf[1], &mf[2], &mf[3], it))) return rc;
    uint32_t n;
    if ((rc = s_array_at(c, &mf[0], AS_MAX_ENTRIES, &n))) return rc;
    size_t emark = s_enter(c, &mf[0]);
    it->n_entries = n;
    it->entries_off = s_alloc(&c->b, (size_t)n * sizeof(as_tentry_t));
    as_base_t base = (as_base_t)it->base;
    for (uint32_t i = 0; i < n && !c->b.oom; i++) {
        size_t imark = as_path_index(&c->path, i);
        s_field_t ef[] = {{.name = "key"}, {.name = "value"}, {.name = "case_sensitive"}};
        if ((rc = s_fields(c, &mf[0].at, ef, 3))) return rc;
        if (!ef[0].seen || !ef[1].seen)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                             ef[0].seen ? "value" : "key");
        as_tentry_t e = {0};
        as_value_t key;
        size_t kmark = s_enter(c, &ef[0]);
        if ((rc = as_value_read(&ef[0].at, base, &key, &c->path, c->err))) return rc;
        as_path_pop(&c->path, kmark);
        if ((rc = s_number(c, &ef[1], -INFINITY, INFINITY, &e.value))) return rc;
        bool cs = true;
        if (ef[2].seen) {
            kmark = s_enter(c, &ef[2]);
            if (as_mp_bool(&ef[2].at, &cs) != AS_MP_OK)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected true or false");
            as_path_pop(&c->path, kmark);
        }
        /* Duplicate keys: equal as values, folding case when either entry ignores case. */
        for (uint32_t j = 0; j < i; j++) {
            as_tentry_t prev;
            as_value_t pv;
            s_entry_key(&c->b, it->entries_off, j, &prev, &pv);
            if (as_value_eq(base, &pv, &key, cs && prev.case_sensitive)) {
                char text[160];
                s_value_text(base, &key, text, sizeof text);
                kmark = s_enter(c, &ef[0]);
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                                 "duplicate key %s (same as entries[%u])", text, j);
            }
        }
        e.case_sensitive = cs;
        uint32_t eoff = it->entries_off + i * (uint32_t)sizeof(as_tentry_t);
        s_tval_put(c, eoff, base, &key); /* writes e.key's slot (first member) */
        if (!c->b.oom) {
            as_tentry_t stored;
            memcpy(&stored, c->b.data + eoff, sizeof stored);
            stored.value = e.value;
            stored.case_sensitive = e.case_sensitive;
            memcpy(c->b.data + eoff, &stored, sizeof stored);
        }
        as_path_pop(&c->path, imark);
    }
    as_path_pop(&c->path, emark);
    as_path_pop(&c->path, mark);
    return AS_OK;
}

static const char *const s_shape_names[] = {"circle", "rect", "poly", "ellipse", "default"};

/* Checks an area's coords against QTI's conventions for its shape. */
static const char *s_coords_problem(as_shape_t shape, const double *v, uint32_t n)
{
    switch (shape) {
    case AS_SHAPE_CIRCLE:
        if (n != 3) return "a circle takes 3 coords: center-x, center-y, radius";
        if (v[2] < 0) return "a circle's radius must not be negative";
        return NULL;
    case AS_SHAPE_RECT:
        if (n != 4) return "a rect takes 4 coords: left-x, top-y, right-x, bottom-y";
        return NULL;
    case AS_SHAPE_ELLIPSE:
        if (n != 4) return "an ellipse takes 4 coords: center-x, center-y, h-radius, v-radius";
        if (v[2] <= 0 || v[3] <= 0) return "an ellipse's radii must be positive";
        return NULL;
    case AS_SHAPE_POLY:
        if (n < 6 || n % 2) return "a poly takes an even number of coords, at least 3 points";
        return NULL;
    default:
        return n ? "the default shape takes no coords" : NULL;
    }
}

static as_code_t s_area_mapping(s_compiler_t *c, s_field_t *f, as_titem_t *it)
{
    s_field_t mf[] = {
        {.name = "entries"}, {.name = "default"}, {.name = "lower"}, {.name = "upper"}};
    size_t mark = s_enter(c, f);
    as_code_t rc = s_fields(c, &f->at, mf, 4);
    if (rc) return rc;
    if (!mf[0].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"entries\"");
    if ((rc = s_bounds(c, &mf[1], &mf[2], &mf[3], it))) return rc;
    uint32_t n;
    if ((rc = s_array_at(c, &mf[0], AS_MAX_ENTRIES, &n))) return rc;
    size_t emark = s_enter(c, &mf[0]);
    it->n_entries = n;
    it->entries_off = s_alloc(&c->b, (size_t)n * sizeof(as_tarea_t));
    for (uint32_t i = 0; i < n && !c->b.oom; i++) {
        size_t imark = as_path_index(&c->path, i);
        s_field_t af[] = {{.name = "shape"}, {.name = "coords"}, {.name = "value"}};
        if ((rc = s_fields(c, &mf[0].at, af, 3))) return rc;
        if (!af[0].seen || !af[2].seen)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                             af[0].seen ? "value" : "shape");
        int shape;
        if ((rc = s_enum(c, &af[0], s_shape_names, 5, &shape))) return rc;
        as_tarea_t a = {.shape = (uint32_t)shape};
        if ((rc = s_number(c, &af[2], -INFINITY, INFINITY, &a.value))) return rc;
        uint32_t k = 0;
        if (af[1].seen && (rc = s_array_at(c, &af[1], AS_MAX_COORDS, &k))) return rc;
        size_t cmark = af[1].seen ? s_enter(c, &af[1]) : c->path.len;
        a.n_coords = k;
        a.coords_off = s_alloc(&c->b, (size_t)(k ? k : 1) * sizeof(double));
        for (uint32_t j = 0; j < k && !c->b.oom; j++) {
            double d;
            if (as_mp_number(&af[1].at, &d) != AS_MP_OK || !isfinite(d)) {
                as_path_index(&c->path, j);
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a finite number");
            }
            memcpy(c->b.data + a.coords_off + j * sizeof(double), &d, sizeof d);
        }
        if (c->b.oom) break;
        double first[4] = {0};
        memcpy(first, c->b.data + a.coords_off, (k < 4 ? k : 4) * sizeof(double));
        const char *problem = s_coords_problem((as_shape_t)shape, first, k);
        if (problem) return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "%s", problem);
        as_path_pop(&c->path, cmark);
        memcpy(c->b.data + it->entries_off + i * sizeof(as_tarea_t), &a, sizeof a);
        as_path_pop(&c->path, imark);
    }
    as_path_pop(&c->path, emark);
    as_path_pop(&c->path, mark);
    return AS_OK;
}

static as_code_t s_tolerance(s_compiler_t *c, s_field_t *f, as_titem_t *it)
{
    static const char *const modes[] = {"absolute", "relative"};
    s_field_t tf[] = {{.name = "mode"}, {.name = "value"}};
    size_t mark = s_enter(c, f);
    as_code_t rc = s_fields(c, &f->at, tf, 2);
    if (rc) return rc;
    if (!tf[0].seen || !tf[1].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                         tf[0].seen ? "value" : "mode");
    int mode;
    if ((rc = s_enum(c, &tf[0], modes, 2, &mode))) return rc;
    if ((rc = s_number(c, &tf[1], 0, INFINITY, &it->tol))) return rc;
    if (mode == 1) it->flags |= AS_TF_RELATIVE;
    as_path_pop(&c->path, mark);
    return AS_OK;
}

static double s_clamp(const as_titem_t *it, double v)
{
    if ((it->flags & AS_TF_LOWER) && v < it->lower) v = it->lower;
    if ((it->flags & AS_TF_UPPER) && v > it->upper) v = it->upper;
    return v;
}

/* The highest raw (unweighted) score of a map_response or map_response_point item: single
 * cardinality, the best entry or the default; containers, every positive entry once (a positive
 * default is unbounded and needs an upper bound, checked by the caller). A missing response
 * scores 0, so the maximum is never below 0. */
static double s_map_max(const s_buf_t *b, const as_titem_t *it)
{
    bool points = it->rule == AS_RULE_MAP_RESPONSE_POINT;
    size_t stride = points ? sizeof(as_tarea_t) : sizeof(as_tentry_t);
    double best = it->dflt, sum = 0;
    for (uint32_t i = 0; i < it->n_entries; i++) {
        double v;
        if (points) {
            as_tarea_t a;
            memcpy(&a, b->data + it->entries_off + i * stride, sizeof a);
            v = a.value;
        } else {
            as_tentry_t e;
            memcpy(&e, b->data + it->entries_off + i * stride, sizeof e);
            v = e.value;
        }
        if (v > best) best = v;
        if (v > 0) sum += v;
    }
    double raw;
    if (it->card == AS_CARD_SINGLE)
        raw = best;
    else
        raw = (it->dflt > 0 && (it->flags & AS_TF_UPPER)) ? it->upper : sum;
    raw = s_clamp(it, raw);
    return raw > 0 ? raw : 0;
}

/* skills: an array of distinct skill ids (whether they exist is the store's to check). */
static as_code_t s_skills(s_compiler_t *c, s_field_t *f, as_titem_t *it)
{
    uint32_t n;
    as_code_t rc = s_array_at(c, f, AS_MAX_ITEM_SKILLS, &n);
    if (rc) return rc;
    size_t mark = s_enter(c, f);
    as_tskill_t sk[AS_MAX_ITEM_SKILLS];
    for (uint32_t j = 0; j < n; j++) {
        const char *id;
        uint32_t len;
        size_t m = as_path_index(&c->path, j);
        if (as_mp_str(&f->at, &id, &len) != AS_MP_OK || !as_id_valid(id, len))
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "expected a skill id (1 to %d characters of A-Z a-z 0-9 . _ : -)",
                             AS_MAX_ID);
        for (uint32_t k = 0; k < j; k++)
            if (sk[k].id_len == len && memcmp(c->b.data + sk[k].id_off, id, len) == 0)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "skill \"%.*s\" listed twice",
                                 (int)len, id);
        sk[j].id_off = s_str(&c->b, id, len);
        sk[j].id_len = len;
        if (c->b.oom) return AS_OK;
        as_path_pop(&c->path, m);
    }
    as_path_pop(&c->path, mark);
    it->n_skills = n;
    it->skills_off = s_alloc(&c->b, (size_t)n * sizeof(as_tskill_t) + 1);
    if (it->skills_off) memcpy(c->b.data + it->skills_off, sk, (size_t)n * sizeof(as_tskill_t));
    return AS_OK;
}

enum {
    F_ID,
    F_CARD,
    F_BASE,
    F_RULE,
    F_CORRECT,
    F_MAPPING,
    F_AREA,
    F_TOL,
    F_WEIGHT,
    F_SKILLS,
    F_KT,
    F_COUNT
};

static as_code_t s_item(s_compiler_t *c, as_mp_t *r, uint32_t pos, uint32_t items_off)
{
    s_field_t f[F_COUNT] = {
        {.name = "id"},           {.name = "cardinality"}, {.name = "base_type"},
        {.name = "rule"},         {.name = "correct"},     {.name = "mapping"},
        {.name = "area_mapping"}, {.name = "tolerance"},   {.name = "weight"},
        {.name = "skills"},       {.name = "kt_threshold"}};
    static const char *const rules[] = {"match_correct", "map_response", "map_response_point",
                                        "match_numeric"};
    as_code_t rc = s_fields(c, r, f, F_COUNT);
    if (rc) return rc;
    static const int required[] = {F_ID, F_CARD, F_BASE, F_RULE};
    for (size_t i = 0; i < 4; i++)
        if (!f[required[i]].seen)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                             f[required[i]].name);
    as_titem_t it = {0};
    const char *id;
    uint32_t id_len;
    int card, base, rule;
    if ((rc = s_id(c, &f[F_ID], &id, &id_len))) return rc;
    if ((rc = s_enum(c, &f[F_CARD], as_card_names, AS_CARD_COUNT, &card))) return rc;
    if ((rc = s_enum(c, &f[F_BASE], as_base_names, AS_BT_COUNT, &base))) return rc;
    if ((rc = s_enum(c, &f[F_RULE], rules, AS_RULE_COUNT, &rule))) return rc;
    it.card = (uint8_t)card;
    it.base = (uint8_t)base;
    it.rule = (uint8_t)rule;
    it.weight = 1;
    if (f[F_WEIGHT].seen && (rc = s_number(c, &f[F_WEIGHT], 0, INFINITY, &it.weight))) return rc;
    it.kt_threshold = 1;
    if (f[F_KT].seen && (rc = s_number(c, &f[F_KT], 0, 1, &it.kt_threshold))) return rc;

    /* Which fields each rule needs and allows. */
    const char *need = NULL, *stray = NULL;
    switch (rule) {
    case AS_RULE_MATCH_CORRECT:
        if (!f[F_CORRECT].seen) need = "correct";
        break;
    case AS_RULE_MAP_RESPONSE:
        if (base == AS_BT_POINT)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "rule map_response does not map points: use map_response_point");
        if (!f[F_MAPPING].seen) need = "mapping";
        break;
    case AS_RULE_MAP_RESPONSE_POINT:
        if (base != AS_BT_POINT)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "rule map_response_point needs base_type point");
        if (!f[F_AREA].seen) need = "area_mapping";
        break;
    case AS_RULE_MATCH_NUMERIC:
        if (card != AS_CARD_SINGLE || (base != AS_BT_INTEGER && base != AS_BT_FLOAT))
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "rule match_numeric needs cardinality single and base_type integer "
                             "or float");
        if (!f[F_CORRECT].seen) need = "correct";
        break;
    }
    if (f[F_MAPPING].seen && rule != AS_RULE_MAP_RESPONSE) stray = "mapping";
    if (f[F_AREA].seen && rule != AS_RULE_MAP_RESPONSE_POINT) stray = "area_mapping";
    if (f[F_TOL].seen && rule != AS_RULE_MATCH_NUMERIC) stray = "tolerance";
    if (need)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "rule %s needs field \"%s\"",
                         rules[rule], need);
    if (stray)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "field \"%s\" is not used by rule %s",
                         stray, rules[rule]);

    it.id_off = s_str(&c->b, id, id_len);
    it.id_len = id_len;
    if (f[F_CORRECT].seen && (rc = s_correct(c, &f[F_CORRECT], &it))) return rc;
    if (rule == AS_RULE_MATCH_NUMERIC && it.n_correct != 1) {
        s_enter(c, &f[F_CORRECT]);
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "match_numeric takes one correct value");
    }
    if (f[F_MAPPING].seen && (rc = s_mapping(c, &f[F_MAPPING], &it))) return rc;
    if (f[F_AREA].seen && (rc = s_area_mapping(c, &f[F_AREA], &it))) return rc;
    if (f[F_TOL].seen && (rc = s_tolerance(c, &f[F_TOL], &it))) return rc;
    if (f[F_SKILLS].seen && (rc = s_skills(c, &f[F_SKILLS], &it))) return rc;
    if (c->b.oom) return AS_OK;

    double raw = 1;
    if (rule == AS_RULE_MAP_RESPONSE || rule == AS_RULE_MAP_RESPONSE_POINT) {
        if (card != AS_CARD_SINGLE && it.dflt > 0 && !(it.flags & AS_TF_UPPER)) {
            const char *m = rule == AS_RULE_MAP_RESPONSE ? "mapping" : "area_mapping";
            as_path_key(&c->path, m, (uint32_t)strlen(m));
            as_path_key(&c->path, "default", 7);
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "a positive default makes a container's score unbounded: set upper");
        }
        raw = s_map_max(&c->b, &it);
    }
    it.max_score = raw * it.weight;
    memcpy(c->b.data + items_off + pos * sizeof(as_titem_t), &it, sizeof it);
    return AS_OK;
}

/* Index order: by id bytes, then by length. */
static int s_idcmp(const char *a, uint32_t al, const char *b, uint32_t bl)
{
    int d = memcmp(a, b, al < bl ? al : bl);
    if (d) return d;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

/* For duplicate detection at compile time: ids sorted with their positions. */
typedef struct {
    uint32_t id_off, id_len, pos;
} s_idx_t;

static int s_idx_cmp(const void *x, const void *y, void *base)
{
    const s_idx_t *a = x, *b = y;
    const char *s = base;
    int d = s_idcmp(s + a->id_off, a->id_len, s + b->id_off, b->id_len);
    return d ? d : (a->pos < b->pos ? -1 : 1);
}

enum { A_ID, A_TITLE, A_PASS, A_ITEMS, A_ATTEMPTS, A_COUNT };

as_code_t as_table_compile(const uint8_t *src, size_t len, as_compiled_t *out, as_err_t *err)
{
    s_compiler_t *c = calloc(1, sizeof *c);
    if (!c) return as_err_set(err, AS_INTERNAL, "out of memory compiling the assessment");
    c->err = err;
    as_path_init(&c->path, NULL);
    memset(out, 0, sizeof *out);
    as_mp_t r;
    as_mp_init(&r, src, len);
    s_field_t f[A_COUNT] = {{.name = "id"},
                            {.name = "title"},
                            {.name = "pass_ratio"},
                            {.name = "items"},
                            {.name = "max_attempts"}};
    as_code_t rc = s_fields(c, &r, f, A_COUNT);
    if (rc) goto fail;
    if (!f[A_ID].seen || !f[A_ITEMS].seen) {
        rc = as_err_set(err, AS_BAD_REQUEST, "params: missing field \"%s\"",
                        f[A_ID].seen ? "items" : "id");
        goto fail;
    }
    const char *id, *title = "";
    uint32_t id_len, title_len = 0, n;
    if ((rc = s_id(c, &f[A_ID], &id, &id_len))) goto fail;
    if (f[A_TITLE].seen) {
        if ((rc = s_string(c, &f[A_TITLE], &title, &title_len))) goto fail;
        if (title_len > AS_MAX_TITLE) {
            rc = as_err_set(err, AS_BAD_REQUEST, "title: longer than %d bytes", AS_MAX_TITLE);
            goto fail;
        }
    }
    as_thdr_t h = {.magic = AS_TABLE_MAGIC, .format = AS_TABLE_FORMAT, .version = 0};
    if (f[A_PASS].seen) {
        if ((rc = s_number(c, &f[A_PASS], 0, 1, &h.pass_ratio))) goto fail;
        h.has_pass = 1;
    }
    if (f[A_ATTEMPTS].seen &&
        (rc = as_field_uint(&f[A_ATTEMPTS], 1, AS_MAX_ATTEMPTS, &h.max_attempts, &c->path, err)))
        goto fail;
    if ((rc = s_array_at(c, &f[A_ITEMS], AS_MAX_ITEMS, &n))) goto fail;
    if (n == 0) {
        rc = as_err_set(err, AS_BAD_REQUEST, "items: an assessment needs at least one item");
        goto fail;
    }
    s_alloc(&c->b, sizeof(as_thdr_t));
    h.n_items = n;
    h.hash_mask = 1;
    while (h.hash_mask + 1 < 2 * n)
        h.hash_mask = h.hash_mask * 2 + 1;
    h.hash_off = s_alloc(&c->b, (size_t)(h.hash_mask + 1) * sizeof(as_thash_t));
    h.items_off = s_alloc(&c->b, (size_t)n * sizeof(as_titem_t));
    h.id_off = s_str(&c->b, id, id_len);
    h.id_len = id_len;
    h.title_off = s_str(&c->b, title, title_len);
    h.title_len = title_len;
    for (uint32_t i = 0; i < n && !c->b.oom; i++) {
        as_path_init(&c->path, "items");
        as_path_index(&c->path, i);
        if ((rc = s_item(c, &f[A_ITEMS].at, i, h.items_off))) goto fail;
    }
    if (c->b.oom) {
        rc = c->b.len + 4096 > S_MAX_BLOB
                 ? as_err_set(err, AS_TOO_LARGE, "assessment compiles to more than %u MiB",
                              S_MAX_BLOB >> 20)
                 : as_err_set(err, AS_INTERNAL, "out of memory compiling the assessment");
        goto fail;
    }
    /* The id index, and duplicate item ids. */
    s_idx_t *idx = malloc((size_t)n * sizeof *idx);
    if (!idx) {
        rc = as_err_set(err, AS_INTERNAL, "out of memory compiling the assessment");
        goto fail;
    }
    h.max_score = 0;
    for (uint32_t i = 0; i < n; i++) {
        as_titem_t it;
        memcpy(&it, c->b.data + h.items_off + i * sizeof it, sizeof it);
        idx[i] = (s_idx_t){.id_off = it.id_off, .id_len = it.id_len, .pos = i};
        h.max_score += it.max_score;
    }
    qsort_r(idx, n, sizeof *idx, s_idx_cmp, c->b.data);
    for (uint32_t i = 1; i < n; i++) {
        const char *s = (const char *)c->b.data;
        if (s_idcmp(s + idx[i].id_off, idx[i].id_len, s + idx[i - 1].id_off, idx[i - 1].id_len) ==
            0) {
            rc = as_err_set(err, AS_BAD_REQUEST,
                            "items[%u].id: duplicate item id \"%.*s\" (also items[%u])", idx[i].pos,
                            (int)idx[i].id_len, s + idx[i].id_off, idx[i - 1].pos);
            free(idx);
            goto fail;
        }
    }
    free(idx);
    for (uint32_t i = 0; i < n; i++) {
        as_titem_t it;
        memcpy(&it, c->b.data + h.items_off + i * sizeof it, sizeof it);
        as_thash_t e = {.pos1 = i + 1, .id_off = it.id_off, .id_len = it.id_len};
        e.hash = as_table_hash((const char *)c->b.data + it.id_off, it.id_len);
        for (uint32_t slot = e.hash & h.hash_mask;; slot = (slot + 1) & h.hash_mask) {
            as_thash_t cur;
            memcpy(&cur, c->b.data + h.hash_off + slot * sizeof cur, sizeof cur);
            if (!cur.pos1) {
                memcpy(c->b.data + h.hash_off + slot * sizeof e, &e, sizeof e);
                break;
            }
        }
    }
    h.size = (uint32_t)c->b.len;
    memcpy(c->b.data, &h, sizeof h);
    out->blob = c->b.data;
    out->size = c->b.len;
    out->id = id;
    out->id_len = id_len;
    out->n_items = n;
    out->max_score = h.max_score;
    free(c);
    return AS_OK;
fail:
    free(c->b.data);
    free(c);
    return rc;
}

as_code_t as_table_open(const void *blob, size_t size, as_table_t *t, as_err_t *err)
{
    if (size < sizeof(as_thdr_t))
        return as_err_set(err, AS_INTERNAL, "stored table is truncated (%zu bytes)", size);
    t->base = blob;
    t->size = size;
    memcpy(&t->hdr, blob, sizeof t->hdr);
    if (t->hdr.magic != AS_TABLE_MAGIC || t->hdr.format != AS_TABLE_FORMAT || t->hdr.size != size)
        return as_err_set(err, AS_INTERNAL, "stored table has an unknown format");
    return AS_OK;
}
