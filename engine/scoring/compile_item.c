/* compile_item.c — the compiler's half for items: response declarations, the item's
 * scoring (a standard template or its own response processing, compile_program.c), which outcome
 * is its score and what its max score is.
 *
 * An item comes in two forms. The shorthand {id, cardinality, base_type, rule, correct?, ...}
 * declares one response RESPONSE and one outcome SCORE. The full form {id, responses, outcomes?,
 * response_processing | rule, score_outcome?} declares them itself, as a QTI item does.
 */
#include "compiler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const s_rules[] = {"match_correct", "map_response", "map_response_point",
                                      "match_numeric"};

/* skills: an array of distinct skill ids (whether they exist is the store's to check). */
static as_code_t s_skills(as_tc_t *c, as_field_t *f, as_titem_t *it)
{
    uint32_t n;
    as_code_t rc = as_tc_array_at(c, f, AS_MAX_ITEM_SKILLS, &n);
    if (rc) return rc;
    size_t mark = as_tc_enter(c, f);
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
        sk[j].id_off = as_tc_str(&c->b, id, len);
        sk[j].id_len = len;
        if (c->b.oom) return AS_OK;
        as_path_pop(&c->path, m);
    }
    as_path_pop(&c->path, mark);
    it->n_skills = n;
    it->skills_off = as_tc_alloc(&c->b, (size_t)n * sizeof(as_tskill_t) + 1);
    if (it->skills_off) memcpy(c->b.data + it->skills_off, sk, (size_t)n * sizeof(as_tskill_t));
    return AS_OK;
}

/* One response declaration: {id, cardinality, base_type, correct?, mapping?, area_mapping?}. */
static as_code_t s_response(as_tc_t *c, as_mp_t *r, as_tresp_t *out, uint32_t off, uint32_t k)
{
    as_field_t f[] = {{.name = "id"},         {.name = "cardinality"}, {.name = "base_type"},
                      {.name = "correct"},    {.name = "mapping"},     {.name = "area_mapping"},
                      {.name = "max_choices"}};
    as_code_t rc = as_tc_fields(c, r, f, 7);
    if (rc) return rc;
    for (int i = 0; i < 3; i++)
        if (!f[i].seen)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"", f[i].name);
    const char *id;
    uint32_t len;
    int card, base;
    if ((rc = as_tc_id(c, &f[0], &id, &len))) return rc;
    if ((rc = as_tc_unique(c, &f[0], id, len, off, k, sizeof(as_tresp_t), "response"))) return rc;
    if ((rc = as_tc_enum(c, &f[1], as_card_names, AS_CARD_COUNT, &card))) return rc;
    if ((rc = as_tc_enum(c, &f[2], as_base_names, AS_BT_COUNT, &base))) return rc;
    memset(out, 0, sizeof *out);
    out->card = (uint8_t)card;
    out->base = (uint8_t)base;
    out->id_off = as_tc_str(&c->b, id, len);
    out->id_len = len;
    if (f[3].seen && (rc = as_tc_correct(c, &f[3], out))) return rc;
    if (f[4].seen && f[5].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                         "a response has a mapping or an area_mapping, not both");
    if (f[4].seen && (rc = as_tc_mapping(c, &f[4], out))) return rc;
    if (f[5].seen) {
        if (base != AS_BT_POINT) {
            as_tc_enter(c, &f[5]);
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "an area_mapping maps points: base_type point");
        }
        if ((rc = as_tc_area_mapping(c, &f[5], out))) return rc;
    }
    if (f[6].seen &&
        (rc = as_field_uint(&f[6], 1, AS_MAX_VALUES, &out->max_values, &c->path, c->err)))
        return rc;
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
    F_RESPONSES,
    F_OUTCOMES,
    F_PROGRAM,
    F_SCORE_OUT,
    F_SCORABLE,
    F_TITLE,
    F_QTI,
    F_GRADED,
    F_COUNT
};

#define AS_MAX_QTI_CONTENT (4u << 20) /* bytes of an item's kept QTI body or feedback */

/* What an item keeps and never scores: its title, and "qti": {body?, feedback?}, the QTI XML of
 * its content as an import found it (an export writes it back). Checked for type and size. */
static as_code_t s_kept(as_tc_t *c, as_field_t *title, as_field_t *qti)
{
    const char *s;
    uint32_t len;
    as_code_t rc;
    if (title->seen) {
        if ((rc = as_tc_string(c, title, &s, &len))) return rc;
        if (len > AS_MAX_TITLE) {
            size_t m = as_tc_enter(c, title);
            rc = as_err_at(c->err, AS_BAD_REQUEST, &c->path, "longer than %d bytes", AS_MAX_TITLE);
            as_path_pop(&c->path, m);
            return rc;
        }
    }
    if (!qti->seen) return AS_OK;
    size_t mark = as_tc_enter(c, qti);
    as_field_t f[] = {{.name = "body"}, {.name = "feedback"}};
    if ((rc = as_tc_fields(c, &qti->at, f, 2))) return rc;
    for (int i = 0; i < 2; i++) {
        if (!f[i].seen) continue;
        if ((rc = as_tc_string(c, &f[i], &s, &len))) return rc;
        if (len > AS_MAX_QTI_CONTENT) {
            as_tc_enter(c, &f[i]);
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "longer than %u bytes",
                             AS_MAX_QTI_CONTENT);
        }
    }
    as_path_pop(&c->path, mark);
    return AS_OK;
}

/* Which fields a template needs and allows, for one response r. */
static as_code_t s_template_check(as_tc_t *c, int rule, const as_tresp_t *r, bool tolerance,
                                  bool full)
{
    const char *need = NULL;
    switch (rule) {
    case AS_RULE_MATCH_CORRECT:
        if (!r->n_correct) need = "correct";
        break;
    case AS_RULE_MAP_RESPONSE:
        if (r->map != AS_MAP_ENTRIES) need = "mapping";
        break;
    case AS_RULE_MAP_RESPONSE_POINT:
        if (r->base != AS_BT_POINT)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "rule map_response_point needs base_type point");
        if (r->map != AS_MAP_AREAS) need = "area_mapping";
        break;
    case AS_RULE_MATCH_NUMERIC:
        if (r->card != AS_CARD_SINGLE || (r->base != AS_BT_INTEGER && r->base != AS_BT_FLOAT))
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "rule match_numeric needs cardinality single and base_type integer "
                             "or float");
        if (!r->n_correct)
            need = "correct";
        else if (r->n_correct != 1)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "correct: match_numeric takes one correct value");
        break;
    }
    if (need)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "rule %s needs field \"%s\"",
                         s_rules[rule], need);
    const char *stray = NULL; /* (a full response declaration may carry a mapping it declares) */
    if (!full && r->map == AS_MAP_ENTRIES && rule != AS_RULE_MAP_RESPONSE) stray = "mapping";
    if (!full && r->map == AS_MAP_AREAS && rule != AS_RULE_MAP_RESPONSE_POINT)
        stray = "area_mapping";
    if (tolerance && rule != AS_RULE_MATCH_NUMERIC) stray = "tolerance";
    if (stray)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "field \"%s\" is not used by rule %s",
                         stray, s_rules[rule]);
    return AS_OK;
}

/* The shorthand's implicit outcome: SCORE, a single float. */
static uint32_t s_implicit_score(as_tc_t *c)
{
    uint32_t off = as_tc_alloc(&c->b, sizeof(as_tout_t));
    as_tout_t o = {.card = AS_CARD_SINGLE, .base = AS_BT_FLOAT, .id_len = 5};
    o.id_off = as_tc_str(&c->b, "SCORE", 5);
    if (off && !c->b.oom) memcpy(c->b.data + off, &o, sizeof o);
    return off;
}

#define S_MAX_RATERS      16   /* people who grade one graded item */
#define S_MAX_RUBRIC      32   /* a rubric's levels */
#define S_MAX_LABEL       256  /* bytes of a rubric level's label */
#define S_MAX_DESCRIPTION 4096 /* bytes of a rubric level's description */

static const char *const s_resolves[] = {"mean", "first"};

/* A rubric: [{score, label, description?}], each score a point of the scale, kept as given. */
static as_code_t s_rubric(as_tc_t *c, as_field_t *f, as_titem_t *it)
{
    as_mp_t from = f->at;
    uint32_t n;
    as_code_t rc = as_tc_array_at(c, f, S_MAX_RUBRIC, &n);
    if (rc) return rc;
    size_t mark = as_tc_enter(c, f);
    for (uint32_t i = 0; i < n; i++) {
        size_t m = as_path_index(&c->path, i);
        as_field_t l[] = {{.name = "score"}, {.name = "label"}, {.name = "description"}};
        if ((rc = as_tc_fields(c, &f->at, l, 3))) return rc;
        for (int k = 0; k < 2; k++)
            if (!l[k].seen)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                                 l[k].name);
        double score;
        const char *s;
        uint32_t len;
        if ((rc = as_tc_number(c, &l[0], 0, INFINITY, &score))) return rc;
        if (!as_graded_on_scale(it, score)) {
            as_tc_enter(c, &l[0]);
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "%g is not a point of the item's scale (0 to %g in steps of %g)",
                             score, it->raw_hi, it->step);
        }
        for (int k = 1; k < 3; k++) {
            if (!l[k].seen) continue;
            if ((rc = as_tc_string(c, &l[k], &s, &len))) return rc;
            uint32_t most = k == 1 ? S_MAX_LABEL : S_MAX_DESCRIPTION;
            if ((k == 1 && len == 0) || len > most) {
                as_tc_enter(c, &l[k]);
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected 1 to %u bytes",
                                 most);
            }
        }
        as_path_pop(&c->path, m);
    }
    as_path_pop(&c->path, mark);
    it->rubric_len = (uint32_t)(f->at.p - from.p);
    it->rubric_off = as_tc_str(&c->b, (const char *)from.p, it->rubric_len);
    return AS_OK;
}

/* A graded item's "graded": {max, step?, raters?, resolve?, tolerance?, rubric?}. */
static as_code_t s_graded(as_tc_t *c, as_field_t *g, as_titem_t *it)
{
    size_t mark = as_tc_enter(c, g);
    as_field_t f[] = {{.name = "max"},     {.name = "step"},      {.name = "raters"},
                      {.name = "resolve"}, {.name = "tolerance"}, {.name = "rubric"}};
    as_code_t rc = as_tc_fields(c, &g->at, f, 6);
    if (rc) return rc;
    if (!f[0].seen) return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"max\"");
    double max, step = 1;
    if ((rc = as_tc_number(c, &f[0], 0, 1e9, &max))) return rc;
    if (f[1].seen && (rc = as_tc_number(c, &f[1], 0, 1e9, &step))) return rc;
    if (max <= 0 || step <= 0) {
        as_tc_enter(c, &f[max <= 0 ? 0 : 1]);
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a number above 0");
    }
    double q = max / step;
    if (fabs(q - round(q)) > 1e-9 * fmax(1, q)) {
        as_tc_enter(c, &f[0]);
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                         "%g is not a whole number of steps of %g", max, step);
    }
    if (round(q) + 1 > AS_GRADED_MAX_POINTS) {
        as_tc_enter(c, &f[1]);
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                         "0 to %g in steps of %g is %.0f points, more than %d", max, step,
                         round(q) + 1, AS_GRADED_MAX_POINTS);
    }
    it->raw_lo = 0;
    it->raw_hi = max;
    it->step = step;
    it->graded_points = (uint32_t)round(q) + 1;
    it->raters = 1;
    if (f[2].seen &&
        (rc = as_field_uint(&f[2], 1, S_MAX_RATERS, &it->raters, &c->path, c->err)))
        return rc;
    int resolve = AS_RESOLVE_MEAN;
    if (f[3].seen && (rc = as_tc_enum(c, &f[3], s_resolves, AS_RESOLVE_COUNT, &resolve)))
        return rc;
    it->resolve = (uint32_t)resolve;
    it->tolerance = step;
    if (f[4].seen) {
        if (resolve != AS_RESOLVE_MEAN) {
            as_tc_enter(c, &f[4]);
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "tolerance belongs to resolve \"mean\" (with \"first\" the first "
                             "grade is the score)");
        }
        if ((rc = as_tc_number(c, &f[4], 0, 1e9, &it->tolerance))) return rc;
    }
    if (f[5].seen && (rc = s_rubric(c, &f[5], it))) return rc;
    as_path_pop(&c->path, mark);
    return AS_OK;
}

/* The long form's responses. */
static as_code_t s_responses(as_tc_t *c, as_field_t *f, as_titem_t *it, bool scorable)
{
    uint32_t n;
    as_code_t rc = as_tc_array_at(c, f, AS_MAX_RESPONSES, &n);
    if (rc) return rc;
    size_t mark = as_tc_enter(c, f);
    if (n == 0)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                         "an item declares at least one response");
    it->n_resp = (uint8_t)n;
    it->resp_off = as_tc_alloc(&c->b, (n ? n : 1) * sizeof(as_tresp_t));
    for (uint32_t i = 0; i < n && !c->b.oom; i++) {
        size_t m = as_path_index(&c->path, i);
        as_tresp_t r;
        if ((rc = s_response(c, &f->at, &r, it->resp_off, i))) return rc;
        if (c->b.oom) break;
        memcpy(c->b.data + it->resp_off + i * sizeof r, &r, sizeof r);
        as_path_pop(&c->path, m);
    }
    as_path_pop(&c->path, mark);
    return AS_OK;
}

as_code_t as_tc_item(as_tc_t *c, as_mp_t *r, uint32_t pos, uint32_t items_off)
{
    as_field_t f[F_COUNT] = {{.name = "id"},
                             {.name = "cardinality"},
                             {.name = "base_type"},
                             {.name = "rule"},
                             {.name = "correct"},
                             {.name = "mapping"},
                             {.name = "area_mapping"},
                             {.name = "tolerance"},
                             {.name = "weight"},
                             {.name = "skills"},
                             {.name = "kt_threshold"},
                             {.name = "responses"},
                             {.name = "outcomes"},
                             {.name = "response_processing"},
                             {.name = "score_outcome"},
                             {.name = "scorable"},
                             {.name = "title"},
                             {.name = "qti"},
                             {.name = "graded"}};
    as_code_t rc = as_tc_fields(c, r, f, F_COUNT);
    if (rc) return rc;
    if ((rc = s_kept(c, &f[F_TITLE], &f[F_QTI]))) return rc;
    if (!f[F_ID].seen) return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"id\"");
    bool full = f[F_RESPONSES].seen, unscorable = false, graded = f[F_GRADED].seen;
    if (graded) {
        static const int not_graded[] = {F_RULE,    F_CORRECT,   F_MAPPING, F_AREA,
                                         F_TOL,     F_PROGRAM,   F_SCORE_OUT, F_SCORABLE};
        for (size_t i = 0; i < sizeof not_graded / sizeof not_graded[0]; i++)
            if (f[not_graded[i]].seen)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                                 "an item with \"graded\" is scored by people: it has no \"%s\"",
                                 f[not_graded[i]].name);
    }
    if (full) {
        static const int shorthand_only[] = {F_CARD, F_BASE, F_CORRECT, F_MAPPING, F_AREA};
        for (size_t i = 0; i < 5; i++)
            if (f[shorthand_only[i]].seen)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                                 "field \"%s\" belongs in a response declaration (responses[])",
                                 f[shorthand_only[i]].name);
        bool scorable = true;
        if (f[F_SCORABLE].seen) {
            size_t m = as_tc_enter(c, &f[F_SCORABLE]);
            if (as_mp_bool(&f[F_SCORABLE].at, &scorable) != AS_MP_OK)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected true or false");
            as_path_pop(&c->path, m);
        }
        if (!scorable && (f[F_RULE].seen || f[F_PROGRAM].seen || f[F_SCORE_OUT].seen))
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "an item with \"scorable\": false has no rule, response_processing or "
                             "score_outcome: it is never scored");
        if (!scorable)
            unscorable = true;
        else if (!graded && f[F_RULE].seen == f[F_PROGRAM].seen)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "an item with responses scores by \"rule\" (a standard template) or "
                             "\"response_processing\" (its own program): give one of them");
    } else {
        static const int full_only[] = {F_OUTCOMES, F_PROGRAM, F_SCORE_OUT, F_SCORABLE};
        for (size_t i = 0; i < 4; i++)
            if (f[full_only[i]].seen)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                                 "field \"%s\" needs the item's responses declared (\"responses\")",
                                 f[full_only[i]].name);
        static const int required[] = {F_CARD, F_BASE, F_RULE};
        for (size_t i = 0; i < 3 && !graded; i++)
            if (!f[required[i]].seen)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                                 f[required[i]].name);
    }
    as_titem_t it = {0};
    const char *id;
    uint32_t id_len;
    int rule = AS_RULE_PROGRAM;
    if ((rc = as_tc_id(c, &f[F_ID], &id, &id_len))) return rc;
    if (f[F_RULE].seen && (rc = as_tc_enum(c, &f[F_RULE], s_rules, AS_RULE_COUNT, &rule)))
        return rc;
    it.rule = (uint8_t)rule;
    it.weight = 1;
    if (f[F_WEIGHT].seen && (rc = as_tc_number(c, &f[F_WEIGHT], 0, INFINITY, &it.weight)))
        return rc;
    it.kt_threshold = 1;
    if (f[F_KT].seen && (rc = as_tc_number(c, &f[F_KT], 0, 1, &it.kt_threshold))) return rc;
    it.id_off = as_tc_str(&c->b, id, id_len);
    it.id_len = id_len;

    if (full) {
        if ((rc = s_responses(c, &f[F_RESPONSES], &it, !unscorable))) return rc;
    } else {
        /* the shorthand: one response RESPONSE (a graded item's: a single string by default) */
        int card = AS_CARD_SINGLE, base = AS_BT_STRING;
        if ((!graded || f[F_CARD].seen) &&
            (rc = as_tc_enum(c, &f[F_CARD], as_card_names, AS_CARD_COUNT, &card)))
            return rc;
        if ((!graded || f[F_BASE].seen) &&
            (rc = as_tc_enum(c, &f[F_BASE], as_base_names, AS_BT_COUNT, &base)))
            return rc;
        as_tresp_t resp = {.card = (uint8_t)card, .base = (uint8_t)base, .id_len = 8};
        resp.id_off = as_tc_str(&c->b, "RESPONSE", 8);
        if (rule == AS_RULE_MAP_RESPONSE_POINT && base != AS_BT_POINT)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "rule map_response_point needs base_type point");
        if (f[F_AREA].seen && rule != AS_RULE_MAP_RESPONSE_POINT)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "field \"area_mapping\" is not used by rule %s", s_rules[rule]);
        if (f[F_CORRECT].seen && (rc = as_tc_correct(c, &f[F_CORRECT], &resp))) return rc;
        if (f[F_MAPPING].seen && (rc = as_tc_mapping(c, &f[F_MAPPING], &resp))) return rc;
        if (f[F_AREA].seen && (rc = as_tc_area_mapping(c, &f[F_AREA], &resp))) return rc;
        it.n_resp = 1;
        it.resp_off = as_tc_alloc(&c->b, sizeof resp);
        if (it.resp_off) memcpy(c->b.data + it.resp_off, &resp, sizeof resp);
    }
    if (f[F_TOL].seen && (rc = as_tc_tolerance(c, &f[F_TOL], &it))) return rc;
    if (f[F_SKILLS].seen && (rc = s_skills(c, &f[F_SKILLS], &it))) return rc;
    if (c->b.oom) return AS_OK;

    /* outcomes: declared, or the implicit SCORE */
    uint32_t n_out = 1;
    if (f[F_OUTCOMES].seen) {
        if ((rc = as_tc_outcomes(c, &f[F_OUTCOMES], &it.out_off, &n_out))) return rc;
    } else {
        it.out_off = s_implicit_score(c);
    }
    it.n_out = (uint8_t)n_out;
    if (c->b.oom) return AS_OK;
    double declared_max = 0;
    bool has_max = false;
    if (graded) { /* scored by people: its max counts, its score comes from their grades */
        if ((rc = s_graded(c, &f[F_GRADED], &it))) return rc;
        it.flags |= AS_TF_GRADED;
        it.max_score = it.weight == 0 ? 0 : it.raw_hi * it.weight;
        if (!c->b.oom) memcpy(c->b.data + items_off + pos * sizeof(as_titem_t), &it, sizeof it);
        return AS_OK;
    }
    if (unscorable) { /* responses kept, never scored: max 0, score null */
        it.flags |= AS_TF_UNSCORABLE;
        if (!c->b.oom) memcpy(c->b.data + items_off + pos * sizeof(as_titem_t), &it, sizeof it);
        return AS_OK;
    }
    if ((rc = as_tc_score_outcome(c, &f[F_SCORE_OUT], it.out_off, it.n_out, &it.score_out,
                                  &declared_max, &has_max)))
        return rc;

    double lo = 0, hi = 1; /* the raw score's range: match_correct and match_numeric give 0 or 1 */
    if (rule != AS_RULE_PROGRAM) {
        if (it.score_out == AS_NO_SCORE_OUT)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "rule %s sets the score: declare SCORE or name the score outcome "
                             "(score_outcome)",
                             s_rules[rule]);
        if (it.n_resp != 1)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "rule %s scores an item with one response (this one declares %u): "
                             "give response_processing",
                             s_rules[rule], it.n_resp);
        as_tresp_t resp;
        memcpy(&resp, c->b.data + it.resp_off, sizeof resp);
        if ((rc = s_template_check(c, rule, &resp, f[F_TOL].seen, full))) return rc;
        if (rule == AS_RULE_MAP_RESPONSE || rule == AS_RULE_MAP_RESPONSE_POINT) {
            as_tc_map_bounds(&c->b, &resp, &lo, &hi);
            lo = fmin(lo, 0); /* a missing answer scores 0 */
            hi = fmax(hi, 0);
        }
    } else {
        if (f[F_TOL].seen)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "field \"tolerance\" belongs to rule match_numeric; a program "
                             "compares with equal's toleranceMode");
        as_pc_t pc = {.c = c,
                      .n_resp = it.n_resp,
                      .resp_off = it.resp_off,
                      .n_out = it.n_out,
                      .out_off = it.out_off};
        if ((rc = as_pc_compile(&pc, &f[F_PROGRAM], &it.prog_off, &it.prog_len, &it.stack)))
            return rc;
        if (c->b.oom) return AS_OK;
        if (it.score_out == AS_NO_SCORE_OUT) { /* its outcomes computed, no score */
            it.flags |= AS_TF_UNSCORABLE;
            it.score_out = 0;
            it.raw_lo = it.raw_hi = NAN;
            memcpy(c->b.data + items_off + pos * sizeof(as_titem_t), &it, sizeof it);
            return AS_OK;
        }
        as_pc_bounds(c, &it, it.score_out, &lo, &hi);
    }
    it.raw_lo = isfinite(lo) ? lo : NAN;
    it.raw_hi = isfinite(hi) ? hi : NAN;
    double raw = it.raw_hi; /* the declared max, else the computed one (NAN: not known) */
    if (has_max) {
        if (hi > declared_max) it.flags |= AS_TF_OVER_MAX;
        raw = declared_max;
    }
    it.max_score = it.weight == 0 ? 0 : raw * it.weight;
    if (!c->b.oom) memcpy(c->b.data + items_off + pos * sizeof(as_titem_t), &it, sizeof it);
    return AS_OK;
}
