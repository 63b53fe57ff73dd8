/* compile_mapping.c — the compiler's half for responses: correct values, mappings and area
 * mappings (with their bounds and default), numeric tolerances, and the highest score a mapped
 * item can reach. Each reads and validates a definition field and writes its part of the blob. */
#include "compiler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void as_tc_tval_put(as_tc_t *c, uint32_t off, as_base_t base, const as_value_t *v)
{
    as_tval_t tv = {0};
    tv.i = v->i;
    tv.x = v->x;
    tv.y = v->y;
    if (base == AS_BT_IDENTIFIER || base == AS_BT_STRING || base == AS_BT_PAIR ||
        base == AS_BT_DIRECTED_PAIR) {
        tv.a_off = as_tc_str(&c->b, v->a, v->a_len);
        tv.a_len = v->a_len;
    }
    if (base == AS_BT_PAIR || base == AS_BT_DIRECTED_PAIR) {
        tv.b_off = as_tc_str(&c->b, v->b, v->b_len);
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
as_code_t as_tc_correct(as_tc_t *c, as_field_t *f, as_tresp_t *it)
{
    uint32_t n;
    size_t mark = as_tc_enter(c, f);
    as_code_t rc = as_values_read(&f->at, (as_card_t)it->card, (as_base_t)it->base, c->vals,
                                  AS_MAX_VALUES, &n, &c->path, c->err);
    if (rc) return rc;
    if (n == 0) return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected at least one value");
    as_path_pop(&c->path, mark);
    it->n_correct = n;
    it->correct_off = as_tc_alloc(&c->b, (size_t)n * sizeof(as_tval_t));
    for (uint32_t i = 0; i < n && !c->b.oom; i++)
        as_tc_tval_put(c, it->correct_off + i * (uint32_t)sizeof(as_tval_t), (as_base_t)it->base,
                       &c->vals[i]);
    return AS_OK;
}

/* Bounds and default shared by mapping and area_mapping. */
static as_code_t s_bounds(as_tc_t *c, as_field_t *dflt, as_field_t *lower, as_field_t *upper,
                          as_tresp_t *it)
{
    as_code_t rc;
    if (dflt->seen && (rc = as_tc_number(c, dflt, -INFINITY, INFINITY, &it->dflt))) return rc;
    if (lower->seen) {
        if ((rc = as_tc_number(c, lower, -INFINITY, INFINITY, &it->lower))) return rc;
        it->flags |= AS_TF_LOWER;
    }
    if (upper->seen) {
        if ((rc = as_tc_number(c, upper, -INFINITY, INFINITY, &it->upper))) return rc;
        it->flags |= AS_TF_UPPER;
    }
    if (lower->seen && upper->seen && it->lower > it->upper) {
        size_t mark = as_tc_enter(c, upper);
        rc = as_err_at(c->err, AS_BAD_REQUEST, &c->path, "upper bound %g is below lower bound %g",
                       it->upper, it->lower);
        as_path_pop(&c->path, mark);
        return rc;
    }
    return AS_OK;
}

/* Reads a stored entry key back as a value view (valid until the blob grows). */
static void s_entry_key(const as_tc_buf_t *b, uint32_t entries_off, uint32_t j, as_tentry_t *e,
                        as_value_t *v)
{
    memcpy(e, b->data + entries_off + j * sizeof(as_tentry_t), sizeof *e);
    as_tval_view(b->data, &e->key, v);
}

as_code_t as_tc_mapping(as_tc_t *c, as_field_t *f, as_tresp_t *it)
{
    as_field_t mf[] = {
        {.name = "entries"}, {.name = "default"}, {.name = "lower"}, {.name = "upper"}};
    size_t mark = as_tc_enter(c, f);
    as_code_t rc = as_tc_fields(c, &f->at, mf, 4);
    if (rc) return rc;
    if (!mf[0].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"entries\"");
    if ((rc = s_bounds(c, &mf[1], &mf[2], &mf[3], it))) return rc;
    uint32_t n;
    if ((rc = as_tc_array_at(c, &mf[0], AS_MAX_ENTRIES, &n))) return rc;
    size_t emark = as_tc_enter(c, &mf[0]);
    it->map = AS_MAP_ENTRIES;
    it->n_entries = n;
    it->entries_off = as_tc_alloc(&c->b, (size_t)n * sizeof(as_tentry_t));
    as_base_t base = (as_base_t)it->base;
    for (uint32_t i = 0; i < n && !c->b.oom; i++) {
        size_t imark = as_path_index(&c->path, i);
        as_field_t ef[] = {{.name = "key"}, {.name = "value"}, {.name = "case_sensitive"}};
        if ((rc = as_tc_fields(c, &mf[0].at, ef, 3))) return rc;
        if (!ef[0].seen || !ef[1].seen)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                             ef[0].seen ? "value" : "key");
        as_tentry_t e = {0};
        as_value_t key;
        size_t kmark = as_tc_enter(c, &ef[0]);
        if ((rc = as_value_read(&ef[0].at, base, &key, &c->path, c->err))) return rc;
        as_path_pop(&c->path, kmark);
        if ((rc = as_tc_number(c, &ef[1], -INFINITY, INFINITY, &e.value))) return rc;
        bool cs = true;
        if (ef[2].seen) {
            kmark = as_tc_enter(c, &ef[2]);
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
                kmark = as_tc_enter(c, &ef[0]);
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                                 "duplicate key %s (same as entries[%u])", text, j);
            }
        }
        e.case_sensitive = cs;
        uint32_t eoff = it->entries_off + i * (uint32_t)sizeof(as_tentry_t);
        as_tc_tval_put(c, eoff, base, &key); /* writes e.key's slot (first member) */
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
const char *as_tc_coords_problem(as_shape_t shape, const double *v, uint32_t n)
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

as_code_t as_tc_area_mapping(as_tc_t *c, as_field_t *f, as_tresp_t *it)
{
    as_field_t mf[] = {
        {.name = "entries"}, {.name = "default"}, {.name = "lower"}, {.name = "upper"}};
    size_t mark = as_tc_enter(c, f);
    as_code_t rc = as_tc_fields(c, &f->at, mf, 4);
    if (rc) return rc;
    if (!mf[0].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"entries\"");
    if ((rc = s_bounds(c, &mf[1], &mf[2], &mf[3], it))) return rc;
    uint32_t n;
    if ((rc = as_tc_array_at(c, &mf[0], AS_MAX_ENTRIES, &n))) return rc;
    size_t emark = as_tc_enter(c, &mf[0]);
    it->map = AS_MAP_AREAS;
    it->n_entries = n;
    it->entries_off = as_tc_alloc(&c->b, (size_t)n * sizeof(as_tarea_t));
    for (uint32_t i = 0; i < n && !c->b.oom; i++) {
        size_t imark = as_path_index(&c->path, i);
        as_field_t af[] = {{.name = "shape"}, {.name = "coords"}, {.name = "value"}};
        if ((rc = as_tc_fields(c, &mf[0].at, af, 3))) return rc;
        if (!af[0].seen || !af[2].seen)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                             af[0].seen ? "value" : "shape");
        int shape;
        if ((rc = as_tc_enum(c, &af[0], s_shape_names, 5, &shape))) return rc;
        as_tarea_t a = {.shape = (uint32_t)shape};
        if ((rc = as_tc_number(c, &af[2], -INFINITY, INFINITY, &a.value))) return rc;
        uint32_t k = 0;
        if (af[1].seen && (rc = as_tc_array_at(c, &af[1], AS_MAX_COORDS, &k))) return rc;
        size_t cmark = af[1].seen ? as_tc_enter(c, &af[1]) : c->path.len;
        a.n_coords = k;
        a.coords_off = as_tc_alloc(&c->b, (size_t)(k ? k : 1) * sizeof(double));
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
        const char *problem = as_tc_coords_problem((as_shape_t)shape, first, k);
        if (problem) return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "%s", problem);
        as_path_pop(&c->path, cmark);
        memcpy(c->b.data + it->entries_off + i * sizeof(as_tarea_t), &a, sizeof a);
        as_path_pop(&c->path, imark);
    }
    as_path_pop(&c->path, emark);
    as_path_pop(&c->path, mark);
    return AS_OK;
}

as_code_t as_tc_tolerance(as_tc_t *c, as_field_t *f, as_titem_t *it)
{
    static const char *const modes[] = {"absolute", "relative"};
    as_field_t tf[] = {{.name = "mode"}, {.name = "value"}};
    size_t mark = as_tc_enter(c, f);
    as_code_t rc = as_tc_fields(c, &f->at, tf, 2);
    if (rc) return rc;
    if (!tf[0].seen || !tf[1].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                         tf[0].seen ? "value" : "mode");
    int mode;
    if ((rc = as_tc_enum(c, &tf[0], modes, 2, &mode))) return rc;
    if ((rc = as_tc_number(c, &tf[1], 0, INFINITY, &it->tol))) return rc;
    if (mode == 1) it->flags |= AS_TF_RELATIVE;
    as_path_pop(&c->path, mark);
    return AS_OK;
}

static double s_clamp(const as_tresp_t *it, double v)
{
    if ((it->flags & AS_TF_LOWER) && v < it->lower) v = it->lower;
    if ((it->flags & AS_TF_UPPER) && v > it->upper) v = it->upper;
    return v;
}

/* The value of map entry or area i of response r. */
static double s_entry_value(const as_tc_buf_t *b, const as_tresp_t *r, uint32_t i)
{
    if (r->map == AS_MAP_AREAS) {
        as_tarea_t a;
        memcpy(&a, b->data + r->entries_off + i * sizeof a, sizeof a);
        return a.value;
    }
    as_tentry_t e;
    memcpy(&e, b->data + r->entries_off + i * sizeof e, sizeof e);
    return e.value;
}

static int s_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* The largest sum of at most k contributions (k 0: any number), each entry value at most once
 * and the default (an unmapped value) any number of times, counting only those above 0 (sign
 * 1) or, for the smallest sum, below 0 (sign -1, the values negated). */
static double s_best_sum(const double *sorted, uint32_t n, double dflt, uint32_t k)
{
    double sum = 0;
    uint32_t i = 0;
    for (uint32_t taken = 0; k == 0 || taken < k; taken++) {
        double next = i < n ? sorted[i] : 0;
        if (dflt > next && dflt > 0) {
            if (k == 0) return INFINITY; /* as many unmapped values as the answer has */
            next = dflt;
        } else {
            i++;
        }
        if (!(next > 0)) break;
        sum += next;
    }
    return sum;
}

void as_tc_map_bounds(const as_tc_buf_t *b, const as_tresp_t *r, double *lo, double *hi)
{
    double none = s_clamp(r, r->dflt); /* a NULL response maps to the default */
    uint32_t n = r->n_entries;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        *lo = -INFINITY;
        *hi = INFINITY;
        return;
    }
    for (uint32_t i = 0; i < n; i++)
        v[i] = s_entry_value(b, r, i);
    if (r->card == AS_CARD_SINGLE) {
        *lo = *hi = r->dflt;
        for (uint32_t i = 0; i < n; i++) {
            if (v[i] > *hi) *hi = v[i];
            if (v[i] < *lo) *lo = v[i];
        }
    } else {
        qsort(v, n, sizeof *v, s_desc);
        *hi = s_best_sum(v, n, r->dflt, r->max_values);
        for (uint32_t i = 0; i < n; i++) /* ascending, negated: the most negative first */
            v[i] = -v[i];
        for (uint32_t i = 0; i < n / 2; i++) {
            double t = v[i];
            v[i] = v[n - 1 - i];
            v[n - 1 - i] = t;
        }
        *lo = -s_best_sum(v, n, -r->dflt, r->max_values);
    }
    free(v);
    *lo = s_clamp(r, *lo);
    *hi = s_clamp(r, *hi);
    if (none < *lo) *lo = none;
    if (none > *hi) *hi = none;
}

