/* score.c — scores answers against a compiled weight table, in place (see table.h).
 *
 * The semantics are QTI 2.1's response processing templates (proto/PROTOCOL.md "Scoring
 * semantics"): match_correct, map_response, map_response_point, plus match_numeric and per-item
 * weights. Nothing here allocates: per-request state lives in the per-thread as_scorer_t.
 */
#include "table.h"

#include "protocol.h"

#include <math.h>
#include <stdlib.h>

struct as_scorer {
    uint8_t answered[AS_MAX_ITEMS]; /* items answered in the current response */
    as_value_t vals[AS_MAX_VALUES];
    uint8_t used[AS_MAX_ENTRIES / 8 + 1]; /* entries or areas already counted in a container */
};

as_scorer_t *as_scorer_new(void)
{
    return calloc(1, sizeof(as_scorer_t));
}

const uint8_t *as_scorer_answered(const as_scorer_t *self)
{
    return self->answered;
}

void as_scorer_destroy(as_scorer_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

static inline void s_tval(const as_table_t *t, uint32_t off, uint32_t i, as_value_t *v)
{
    as_tval_t tv;
    memcpy(&tv, t->base + off + (size_t)i * sizeof tv, sizeof tv);
    as_tval_view(t->base, &tv, v);
}

static double s_clamp(const as_titem_t *it, double v)
{
    if ((it->flags & AS_TF_LOWER) && v < it->lower) v = it->lower;
    if ((it->flags & AS_TF_UPPER) && v > it->upper) v = it->upper;
    return v;
}

/* match_correct: single, equal; multiple, the same values with the same counts in any order;
 * ordered, the same sequence. */
static bool s_matches_correct(const as_table_t *t, const as_titem_t *it, const as_value_t *vals,
                              uint32_t n)
{
    as_base_t base = (as_base_t)it->base;
    as_value_t cv;
    if (n != it->n_correct) return false;
    if (it->card != AS_CARD_MULTIPLE) {
        for (uint32_t i = 0; i < n; i++) {
            s_tval(t, it->correct_off, i, &cv);
            if (!as_value_eq(base, &vals[i], &cv, true)) return false;
        }
        return true;
    }
    /* Multiset equality: every response value occurs as often in the response as in correct. */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t in_resp = 0, in_correct = 0;
        for (uint32_t j = 0; j < n; j++) {
            if (as_value_eq(base, &vals[i], &vals[j], true)) in_resp++;
            s_tval(t, it->correct_off, j, &cv);
            if (as_value_eq(base, &vals[i], &cv, true)) in_correct++;
        }
        if (in_resp != in_correct) return false;
    }
    return true;
}

/* The first mapping entry matching v, or -1. */
static int32_t s_map_find(const as_table_t *t, const as_titem_t *it, const as_value_t *v)
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

static double s_entry_value(const as_table_t *t, const as_titem_t *it, int32_t e)
{
    as_tentry_t en;
    memcpy(&en, t->base + it->entries_off + (size_t)e * sizeof en, sizeof en);
    return en.value;
}

/* map_response: single, the matching entry's value or the default; containers, the sum over
 * distinct response values (each mapping entry counted once, the default once for each distinct
 * unmapped value); then the bounds. */
static double s_map_response(as_scorer_t *self, const as_table_t *t, const as_titem_t *it,
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

static double s_coord(const as_table_t *t, const as_tarea_t *a, uint32_t i)
{
    double d;
    memcpy(&d, t->base + a->coords_off + (size_t)i * sizeof d, sizeof d);
    return d;
}

/* Inside or on the edge of a polygon (QTI: a point on an edge is inside). */
static bool s_in_poly(const as_table_t *t, const as_tarea_t *a, double px, double py)
{
    uint32_t np = a->n_coords / 2;
    bool inside = false;
    for (uint32_t i = 0, j = np - 1; i < np; j = i++) {
        double xi = s_coord(t, a, 2 * i), yi = s_coord(t, a, 2 * i + 1);
        double xj = s_coord(t, a, 2 * j), yj = s_coord(t, a, 2 * j + 1);
        double cross = (xj - xi) * (py - yi) - (yj - yi) * (px - xi);
        double scale = fabs(xj - xi) + fabs(yj - yi) + 1;
        if (fabs(cross) <= 1e-9 * scale && px >= fmin(xi, xj) && px <= fmax(xi, xj) &&
            py >= fmin(yi, yj) && py <= fmax(yi, yj))
            return true;
        if ((yi > py) != (yj > py) && px < (xj - xi) * (py - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
}

static bool s_in_area(const as_table_t *t, const as_tarea_t *a, double x, double y)
{
    switch ((as_shape_t)a->shape) {
    case AS_SHAPE_CIRCLE: {
        double dx = x - s_coord(t, a, 0), dy = y - s_coord(t, a, 1), r = s_coord(t, a, 2);
        return dx * dx + dy * dy <= r * r;
    }
    case AS_SHAPE_RECT: {
        double x1 = s_coord(t, a, 0), y1 = s_coord(t, a, 1);
        double x2 = s_coord(t, a, 2), y2 = s_coord(t, a, 3);
        return x >= fmin(x1, x2) && x <= fmax(x1, x2) && y >= fmin(y1, y2) && y <= fmax(y1, y2);
    }
    case AS_SHAPE_ELLIPSE: {
        double dx = (x - s_coord(t, a, 0)) / s_coord(t, a, 2);
        double dy = (y - s_coord(t, a, 1)) / s_coord(t, a, 3);
        return dx * dx + dy * dy <= 1;
    }
    case AS_SHAPE_POLY:
        return s_in_poly(t, a, x, y);
    default:
        return true;
    }
}

/* The first listed area containing (x, y), or -1; its value in *value. */
static int32_t s_area_find(const as_table_t *t, const as_titem_t *it, double x, double y,
                           double *value)
{
    for (uint32_t k = 0; k < it->n_entries; k++) {
        as_tarea_t a;
        memcpy(&a, t->base + it->entries_off + (size_t)k * sizeof a, sizeof a);
        if (s_in_area(t, &a, x, y)) {
            *value = a.value;
            return (int32_t)k;
        }
    }
    return -1;
}

/* map_response_point: single, the first area containing the point or the default; containers,
 * each area counted once, the default for each point in no area; then the bounds. */
static double s_map_point(as_scorer_t *self, const as_table_t *t, const as_titem_t *it,
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

double as_score_item(as_scorer_t *self, const as_table_t *t, const as_titem_t *it,
                     const as_value_t *vals, uint32_t n)
{
    if (n == 0) return 0; /* a missing or empty response scores 0 under every template */
    double raw = 0;
    switch ((as_rule_t)it->rule) {
    case AS_RULE_MATCH_CORRECT:
        raw = s_matches_correct(t, it, vals, n) ? 1 : 0;
        break;
    case AS_RULE_MATCH_NUMERIC: {
        as_value_t cv;
        s_tval(t, it->correct_off, 0, &cv);
        double tol = (it->flags & AS_TF_RELATIVE) ? fabs(cv.x) * it->tol / 100.0 : it->tol;
        raw = fabs(vals[0].x - cv.x) <= tol ? 1 : 0;
        break;
    }
    case AS_RULE_MAP_RESPONSE:
        raw = s_map_response(self, t, it, vals, n);
        break;
    case AS_RULE_MAP_RESPONSE_POINT:
        raw = s_map_point(self, t, it, vals, n);
        break;
    default:
        break;
    }
    return raw * it->weight;
}

/* lenient (stored answers, as_score_stored): answers to items the table does not have are
 * skipped, and an answer that is not a valid value for its item counts as no answer. */
static as_code_t s_score(as_scorer_t *self, const as_table_t *t, as_mp_t *r, as_path_t *path,
                         double *total, double *item_scores, as_err_t *err, bool lenient)
{
    uint32_t n;
    uint32_t n_items = t->hdr.n_items;
    if (as_mp_map(r, &n) != AS_MP_OK)
        return as_err_at(err, AS_BAD_REQUEST, path, "expected a map of item id to answer, got %s",
                         as_mp_type_name(as_mp_peek(r)));
    memset(self->answered, 0, n_items);
    if (item_scores) memset(item_scores, 0, (size_t)n_items * sizeof *item_scores);
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (as_mp_str(r, &k, &kl) != AS_MP_OK)
            return as_err_at(err, AS_BAD_REQUEST, path, "item ids must be strings");
        int32_t pos = as_table_find(t, k, kl);
        if (lenient && pos < 0) {
            if (as_mp_skip(r, AS_MAX_DEPTH) != AS_MP_OK) return AS_BAD_REQUEST;
            continue;
        }
        const char *problem = pos < 0               ? "no item with this id in assessment"
                              : self->answered[pos] ? "answered twice"
                                                    : NULL;
        if (problem) {
            if (!err) return AS_BAD_REQUEST;
            as_path_key(path, k, kl);
            if (pos < 0)
                return as_err_at(err, AS_BAD_REQUEST, path, "%s \"%.*s\"", problem,
                                 (int)t->hdr.id_len, as_table_str(t, t->hdr.id_off));
            return as_err_at(err, AS_BAD_REQUEST, path, "%s", problem);
        }
        self->answered[pos] = 1;
        as_titem_t it;
        as_table_item(t, (uint32_t)pos, &it);
        uint32_t nv;
        as_mp_t value_at = *r;
        as_code_t rc = as_values_read(r, (as_card_t)it.card, (as_base_t)it.base, self->vals,
                                      AS_MAX_VALUES, &nv, path, NULL);
        if (rc && lenient) {
            self->answered[pos] = 0;
            *r = value_at;
            if (as_mp_skip(r, AS_MAX_DEPTH) != AS_MP_OK) return AS_BAD_REQUEST;
            continue;
        }
        if (rc) {
            if (err) { /* read it again, now with the item in the path, for the message */
                as_path_key(path, k, kl);
                as_values_read(&value_at, (as_card_t)it.card, (as_base_t)it.base, self->vals,
                               AS_MAX_VALUES, &nv, path, err);
            }
            return rc;
        }
        double s = as_score_item(self, t, &it, self->vals, nv);
        if (item_scores) item_scores[pos] = s;
        sum += s;
    }
    *total = sum;
    return AS_OK;
}

as_code_t as_score_answers(as_scorer_t *self, const as_table_t *t, as_mp_t *r, as_path_t *path,
                           double *total, double *item_scores, as_err_t *err)
{
    return s_score(self, t, r, path, total, item_scores, err, false);
}

as_code_t as_score_stored(as_scorer_t *self, const as_table_t *t, as_mp_t *r, double *total,
                          double *item_scores)
{
    as_path_t path;
    as_path_init(&path, "answers");
    return s_score(self, t, r, &path, total, item_scores, NULL, true);
}

void as_table_pack_outcome(msgpack_packer *pk, const as_table_t *t, double score)
{
    double ratio = as_table_ratio(t, score);
    as_pack_cstr(pk, "score");
    msgpack_pack_double(pk, score);
    as_pack_cstr(pk, "max_score");
    msgpack_pack_double(pk, t->hdr.max_score);
    as_pack_cstr(pk, "ratio");
    msgpack_pack_double(pk, ratio);
    if (t->hdr.has_pass) {
        as_pack_cstr(pk, "passed");
        if (ratio >= t->hdr.pass_ratio)
            msgpack_pack_true(pk);
        else
            msgpack_pack_false(pk);
    }
}
