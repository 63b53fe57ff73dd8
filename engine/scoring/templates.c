/* templates.c — the standard response processing templates (match_correct, map_response,
 * map_response_point) and match_numeric, scored straight from a response declaration in the
 * blob; also what mapResponse and mapResponsePoint compute in programs, and QTI's areas. */
#include "scorer.h"

#include <math.h>
#include <stdlib.h>

static inline void s_tval(const as_table_t *t, uint32_t off, uint32_t i, as_value_t *v)
{
    as_tval_t tv;
    memcpy(&tv, t->base + off + (size_t)i * sizeof tv, sizeof tv);
    as_tval_view(t->base, &tv, v);
}

static double s_clamp(const as_tresp_t *it, double v)
{
    if ((it->flags & AS_TF_LOWER) && v < it->lower) v = it->lower;
    if ((it->flags & AS_TF_UPPER) && v > it->upper) v = it->upper;
    return v;
}

/* match_correct: single, equal; multiple, the same values with the same counts in any order;
 * ordered, the same sequence. */
/* The first mapping entry matching v, or -1. */
static int32_t s_map_find(const as_table_t *t, const as_tresp_t *it, const as_value_t *v)
{
    for (uint32_t e = 0; e < it->n_entries; e++) {
        as_tentry_t en;
        as_value_t key;
        memcpy(&en, t->base + it->entries_off + (size_t)e * sizeof en, sizeof en);
        as_tval_view(t->base, &en.key, &key);
        if (as_value_eq((as_base_t)it->base, v, &key, en.case_sensitive)) return (int32_t)e;
    }
    return -1;
}

static double s_entry_value(const as_table_t *t, const as_tresp_t *it, int32_t e)
{
    as_tentry_t en;
    memcpy(&en, t->base + it->entries_off + (size_t)e * sizeof en, sizeof en);
    return en.value;
}

/* map_response: single, the matching entry's value or the default; containers, the sum over
 * distinct response values (each mapping entry counted once, the default once for each distinct
 * unmapped value); then the bounds. */
double as_tmpl_map_response(as_scorer_t *self, const as_table_t *t, const as_tresp_t *it,
                            const as_value_t *vals, uint32_t n)
{
    if (it->card == AS_CARD_SINGLE) {
        int32_t e = s_map_find(t, it, &vals[0]);
        return s_clamp(it, e >= 0 ? s_entry_value(t, it, e) : it->dflt);
    }
    memset(self->used, 0, it->n_entries / 8 + 1);
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        int32_t e = s_map_find(t, it, &vals[i]);
        if (e >= 0) {
            if (!(self->used[e / 8] & (1u << (e % 8)))) {
                self->used[e / 8] |= (uint8_t)(1u << (e % 8));
                sum += s_entry_value(t, it, e);
            }
            continue;
        }
        bool seen = false;
        for (uint32_t j = 0; j < i && !seen; j++)
            seen = as_value_eq((as_base_t)it->base, &vals[j], &vals[i], true);
        if (!seen) sum += it->dflt;
    }
    return s_clamp(it, sum);
}

static double s_coord(const uint8_t *base, uint32_t off, uint32_t i)
{
    double d;
    memcpy(&d, base + off + (size_t)i * sizeof d, sizeof d);
    return d;
}

/* Inside or on the edge of a polygon (QTI: a point on an edge is inside). */
static bool s_in_poly(const uint8_t *base, uint32_t off, uint32_t n, double px, double py)
{
    uint32_t np = n / 2;
    bool inside = false;
    for (uint32_t i = 0, j = np - 1; i < np; j = i++) {
        double xi = s_coord(base, off, 2 * i), yi = s_coord(base, off, 2 * i + 1);
        double xj = s_coord(base, off, 2 * j), yj = s_coord(base, off, 2 * j + 1);
        double cross = (xj - xi) * (py - yi) - (yj - yi) * (px - xi);
        double scale = fabs(xj - xi) + fabs(yj - yi) + 1;
        if (fabs(cross) <= 1e-9 * scale && px >= fmin(xi, xj) && px <= fmax(xi, xj) &&
            py >= fmin(yi, yj) && py <= fmax(yi, yj))
            return true;
        if ((yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
}

bool as_area_contains(const uint8_t *base, uint32_t shape, uint32_t off, uint32_t n, double x,
                      double y)
{
    switch ((as_shape_t)shape) {
    case AS_SHAPE_CIRCLE: {
        double dx = x - s_coord(base, off, 0), dy = y - s_coord(base, off, 1);
        double r = s_coord(base, off, 2);
        return dx * dx + dy * dy <= r * r;
    }
    case AS_SHAPE_RECT: {
        double x1 = s_coord(base, off, 0), y1 = s_coord(base, off, 1);
        double x2 = s_coord(base, off, 2), y2 = s_coord(base, off, 3);
        return x >= fmin(x1, x2) && x <= fmax(x1, x2) && y >= fmin(y1, y2) && y <= fmax(y1, y2);
    }
    case AS_SHAPE_ELLIPSE: {
        double dx = (x - s_coord(base, off, 0)) / s_coord(base, off, 2);
        double dy = (y - s_coord(base, off, 1)) / s_coord(base, off, 3);
        return dx * dx + dy * dy <= 1;
    }
    case AS_SHAPE_POLY:
        return s_in_poly(base, off, n, x, y);
    default:
        return true;
    }
}

/* The first listed area containing (x, y), or -1; its value in *value. */
static int32_t s_area_find(const as_table_t *t, const as_tresp_t *it, double x, double y,
                           double *value)
{
    for (uint32_t k = 0; k < it->n_entries; k++) {
        as_tarea_t a;
        memcpy(&a, t->base + it->entries_off + (size_t)k * sizeof a, sizeof a);
        if (as_area_contains(t->base, a.shape, a.coords_off, a.n_coords, x, y)) {
            *value = a.value;
            return (int32_t)k;
        }
    }
    return -1;
}

/* map_response_point: single, the first area containing the point or the default; containers,
 * each area counted once, the default for each point in no area; then the bounds. */
double as_tmpl_map_point(as_scorer_t *self, const as_table_t *t, const as_tresp_t *it,
                         const as_value_t *vals, uint32_t n)
{
    memset(self->used, 0, it->n_entries / 8 + 1);
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        double v;
        int32_t k = s_area_find(t, it, vals[i].x, vals[i].y, &v);
        if (k < 0) {
            sum += it->dflt;
        } else if (!(self->used[k / 8] & (1u << (k % 8)))) {
            self->used[k / 8] |= (uint8_t)(1u << (k % 8));
            sum += v;
        }
    }
    return s_clamp(it, sum);
}
