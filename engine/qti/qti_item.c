/* qti_item.c — an assessmentItem to an item of an assessment definition: its response and outcome
 * declarations (outcomes also an assessmentTest's), and its response processing as a standard
 * template (by URL) or as the program tree qti_rules.c translates element by element. One file:
 * the declarations and the processing of one item are read in one pass over its element with the
 * same context (identifiers declared so far, the errors' file and line); the rules themselves
 * are qti_rules.c's. */
#include "qti_int.h"

#include "protocol.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *qx_base(const char *q)
{
    static const char *const map[][2] = {{"identifier", "identifier"},
                                         {"string", "string"},
                                         {"integer", "integer"},
                                         {"float", "float"},
                                         {"boolean", "boolean"},
                                         {"pair", "pair"},
                                         {"directedPair", "directed_pair"},
                                         {"point", "point"}};
    for (size_t i = 0; q && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(q, map[i][0]) == 0) return map[i][1];
    return NULL;
}

as_code_t qx_value(qx_t *x, xmlNodePtr n, const char *base, const char *text, qb_t *b)
{
    char *end;
    if (strcmp(base, "integer") == 0) {
        long long v = strtoll(text, &end, 10);
        if (end == text || *end) return qx_fail(x, n, "\"%s\" is not an integer", text);
        msgpack_pack_int64(&b->pk, v);
    } else if (strcmp(base, "float") == 0) {
        double v = strtod(text, &end);
        if (end == text || *end || !isfinite(v))
            return qx_fail(x, n, "\"%s\" is not a number", text);
        msgpack_pack_double(&b->pk, v);
    } else if (strcmp(base, "boolean") == 0) {
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            msgpack_pack_true(&b->pk);
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            msgpack_pack_false(&b->pk);
        else
            return qx_fail(x, n, "\"%s\" is not a boolean", text);
    } else {
        qb_str(b, text);
    }
    return AS_OK;
}

/* The <value> children of n as an array of typed values. */
static as_code_t s_values(qx_t *x, xmlNodePtr n, const char *base, qb_t *b)
{
    size_t m = qb_array(b);
    uint32_t k = 0;
    char buf[4096];
    for (xmlNodePtr v = qx_child(n, "value"); v; v = qx_next(v)) {
        if (!qx_is(v, "value")) continue;
        as_code_t rc = qx_value(x, v, base, qx_text(v, buf, sizeof buf), b);
        if (rc) return rc;
        k++;
    }
    qb_end(b, m, k);
    return AS_OK;
}

/* key: a boolean attribute's value (QTI's default true unless "false"), when given; returns
 * the fields packed (0 or 1). */
static uint32_t s_flag(qb_t *b, const char *key, const char *value)
{
    if (!value) return 0;
    qb_key(b, key);
    if (strcmp(value, "false") == 0)
        msgpack_pack_false(&b->pk);
    else
        msgpack_pack_true(&b->pk);
    return 1;
}

static as_code_t s_number(qx_t *x, xmlNodePtr n, const char *attr, qb_t *b, const char *key,
                          uint32_t *fields)
{
    const char *v = qx_attr(n, attr);
    if (!v) return AS_OK;
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d))
        return qx_fail(x, n, "%s=\"%s\" is not a number", attr, v);
    qb_key(b, key);
    msgpack_pack_double(&b->pk, d);
    (*fields)++;
    return AS_OK;
}

/* mapping / areaMapping of a response. */
static as_code_t s_mapping(qx_t *x, xmlNodePtr m, const char *base, bool areas, qb_t *b)
{
    size_t mk = qb_map(b);
    uint32_t fields = 1;
    as_code_t rc;
    if ((rc = s_number(x, m, "defaultValue", b, "default", &fields)) ||
        (rc = s_number(x, m, "lowerBound", b, "lower", &fields)) ||
        (rc = s_number(x, m, "upperBound", b, "upper", &fields)))
        return rc;
    qb_key(b, "entries");
    size_t ak = qb_array(b);
    uint32_t k = 0;
    for (xmlNodePtr e = qx_first(m); e; e = qx_next(e)) {
        if (!qx_is(e, areas ? "areaMapEntry" : "mapEntry")) continue;
        size_t em = qb_map(b);
        uint32_t ef = 0;
        if ((rc = s_number(x, e, "mappedValue", b, "value", &ef))) return rc;
        if (ef == 0) return qx_fail(x, e, "no mappedValue");
        if (areas) {
            const char *shape = qx_attr(e, "shape"), *coords = qx_attr(e, "coords");
            if (!shape) return qx_fail(x, e, "no shape");
            qb_key(b, "shape");
            qb_str(b, shape);
            qb_key(b, "coords");
            size_t cm = qb_array(b);
            uint32_t nc = 0;
            const char *p = coords ? coords : "";
            while (*p) {
                while (*p == ',' || *p == ' ')
                    p++;
                if (!*p) break;
                char *end;
                double d = strtod(p, &end);
                if (end == p) return qx_fail(x, e, "coords=\"%s\": not numbers", coords);
                msgpack_pack_double(&b->pk, d);
                nc++;
                p = end;
            }
            qb_end(b, cm, nc);
            ef += 2;
        } else {
            const char *key = qx_attr(e, "mapKey"), *cs = qx_attr(e, "caseSensitive");
            if (!key) return qx_fail(x, e, "no mapKey");
            qb_key(b, "key");
            if ((rc = qx_value(x, e, base, key, b))) return rc;
            ef++;
            ef += s_flag(b, "case_sensitive", cs);
        }
        qb_end(b, em, ef);
        k++;
    }
    qb_end(b, ak, k);
    qb_end(b, mk, fields);
    return AS_OK;
}

/* responseDeclaration → {id, cardinality, base_type, correct?, mapping? | area_mapping?}. */
/* The interaction under n that sets response id, or NULL. */
static xmlNodePtr s_interaction(xmlNodePtr n, const char *id)
{
    for (xmlNodePtr c = qx_first(n); c; c = qx_next(c)) {
        const char *r = qx_attr(c, "responseIdentifier");
        if (r && strcmp(r, id) == 0) return c;
        xmlNodePtr in = s_interaction(c, id);
        if (in) return in;
    }
    return NULL;
}

/* The choices under n an answer picks from (simpleChoice, hottext, hotspotChoice, gapText...). */
static uint32_t s_choices(xmlNodePtr n)
{
    uint32_t k = 0;
    for (xmlNodePtr c = qx_first(n); c; c = qx_next(c)) {
        const char *name = (const char *)c->name;
        size_t len = strlen(name);
        bool choice = (len >= 6 && strcmp(name + len - 6, "Choice") == 0) || qx_is(c, "hottext") ||
                      qx_is(c, "gapText") || qx_is(c, "gapImg");
        k += choice ? 1 : s_choices(c);
    }
    return k;
}

/* How many values an answer to container response id can hold, by its interaction: maxChoices
 * (maxAssociations) when set, else the number of choices in its body (not for pairs: pairs of n
 * choices are more than n); 0 when nothing bounds it. */
static uint32_t s_max_values(xmlNodePtr root, const char *id, const char *base)
{
    xmlNodePtr body = qx_child(root, "itemBody"), in = body ? s_interaction(body, id) : NULL;
    if (!in) return 0;
    const char *m = qx_attr(in, "maxChoices");
    if (!m) m = qx_attr(in, "maxAssociations");
    char *end;
    long v = m ? strtol(m, &end, 10) : 0;
    if (m && end != m && !*end && v > 0 && v <= AS_MAX_VALUES) return (uint32_t)v;
    if (strcmp(base, "pair") == 0 || strcmp(base, "directed_pair") == 0) return 0;
    uint32_t k = s_choices(in);
    return k <= AS_MAX_VALUES ? k : 0;
}

static as_code_t s_response(qx_t *x, xmlNodePtr root, xmlNodePtr d, qb_t *b)
{
    const char *id = qx_attr(d, "identifier"), *card = qx_attr(d, "cardinality");
    const char *base = qx_base(qx_attr(d, "baseType"));
    if (!id || !card) return qx_fail(x, d, "needs identifier and cardinality");
    if (!base || strcmp(card, "record") == 0)
        return qx_fail(x, d, "baseType \"%s\" / cardinality \"%s\" cannot be scored by assay",
                       qx_attr(d, "baseType") ? qx_attr(d, "baseType") : "", card);
    size_t m = qb_map(b);
    uint32_t fields = 3;
    qb_key(b, "id");
    qb_str(b, id);
    qb_key(b, "cardinality");
    qb_str(b, card);
    qb_key(b, "base_type");
    qb_str(b, base);
    as_code_t rc;
    xmlNodePtr c = qx_child(d, "correctResponse");
    if (c && qx_child(c, "value")) {
        qb_key(b, "correct");
        if ((rc = s_values(x, c, base, b))) return rc;
        fields++;
    }
    xmlNodePtr mp = qx_child(d, "mapping"), am = qx_child(d, "areaMapping");
    if (mp) {
        qb_key(b, "mapping");
        if ((rc = s_mapping(x, mp, base, false, b))) return rc;
        fields++;
    } else if (am) {
        qb_key(b, "area_mapping");
        if ((rc = s_mapping(x, am, base, true, b))) return rc;
        fields++;
    }
    uint32_t most = strcmp(card, "single") == 0 ? 0 : s_max_values(root, id, base);
    if (most) {
        qb_key(b, "max_choices");
        msgpack_pack_uint32(&b->pk, most);
        fields++;
    }
    qb_end(b, m, fields);
    return AS_OK;
}

/* A lookup table of an outcome. */
static as_code_t s_table(qx_t *x, xmlNodePtr t, const char *base, bool interp, qb_t *b)
{
    size_t m = qb_map(b);
    uint32_t fields = 1;
    as_code_t rc;
    const char *dv = qx_attr(t, "defaultValue");
    if (dv) {
        qb_key(b, "default_value");
        if ((rc = qx_value(x, t, base, dv, b))) return rc;
        fields++;
    }
    qb_key(b, "entries");
    size_t a = qb_array(b);
    uint32_t k = 0;
    for (xmlNodePtr e = qx_first(t); e; e = qx_next(e)) {
        if (!qx_is(e, interp ? "interpolationTableEntry" : "matchTableEntry")) continue;
        const char *src = qx_attr(e, "sourceValue"), *dst = qx_attr(e, "targetValue");
        if (!src || !dst) return qx_fail(x, e, "needs sourceValue and targetValue");
        size_t em = qb_map(b);
        uint32_t ef = 2;
        qb_key(b, "source_value");
        if ((rc = qx_value(x, e, interp ? "float" : "integer", src, b))) return rc;
        qb_key(b, "target_value");
        if ((rc = qx_value(x, e, base, dst, b))) return rc;
        if (interp) ef += s_flag(b, "include_boundary", qx_attr(e, "includeBoundary"));
        qb_end(b, em, ef);
        k++;
    }
    qb_end(b, a, k);
    qb_end(b, m, fields);
    return AS_OK;
}

as_code_t qx_outcomes(qx_t *x, xmlNodePtr n, qb_t *b, uint32_t *count)
{
    size_t a = qb_array(b);
    *count = 0;
    for (xmlNodePtr d = qx_first(n); d; d = qx_next(d)) {
        if (!qx_is(d, "outcomeDeclaration")) continue;
        const char *id = qx_attr(d, "identifier"), *card = qx_attr(d, "cardinality");
        const char *base = qx_base(qx_attr(d, "baseType"));
        if (!id) return qx_fail(x, d, "no identifier");
        if (!base || (card && strcmp(card, "record") == 0))
            return qx_fail(x, d, "baseType \"%s\" cannot be held by assay",
                           qx_attr(d, "baseType") ? qx_attr(d, "baseType") : "");
        size_t m = qb_map(b);
        uint32_t fields = 3;
        as_code_t rc;
        qb_key(b, "id");
        qb_str(b, id);
        qb_key(b, "cardinality");
        qb_str(b, card ? card : "single");
        qb_key(b, "base_type");
        qb_str(b, base);
        bool numeric_single = (!card || strcmp(card, "single") == 0) &&
                              (strcmp(base, "integer") == 0 || strcmp(base, "float") == 0);
        if (numeric_single &&
            ((rc = s_number(x, d, "normalMaximum", b, "normal_maximum", &fields)) ||
             (rc = s_number(x, d, "normalMinimum", b, "normal_minimum", &fields))))
            return rc;
        xmlNodePtr dv = qx_child(d, "defaultValue");
        if (dv && qx_child(dv, "value")) {
            qb_key(b, "default");
            if ((rc = s_values(x, dv, base, b))) return rc;
            fields++;
        }
        xmlNodePtr mt = qx_child(d, "matchTable"), it = qx_child(d, "interpolationTable");
        if (mt || it) {
            qb_key(b, mt ? "match_table" : "interpolation_table");
            if ((rc = s_table(x, mt ? mt : it, base, !mt, b))) return rc;
            fields++;
        }
        qb_end(b, m, fields);
        (*count)++;
    }
    qb_end(b, a, *count);
    return AS_OK;
}

/* The standard template a URL names (2.0, 2.1, 2.2, template or templateLocation), or NULL. */
static const char *s_template(const char *url)
{
    static const char *const prefixes[] = {
        "http://www.imsglobal.org/question/qti_v2p0/rptemplates/",
        "http://www.imsglobal.org/question/qti_v2p1/rptemplates/",
        "https://www.imsglobal.org/question/qti_v2p1/rptemplates/",
        "http://www.imsglobal.org/question/qti_v2p2/rptemplates/",
        "https://purl.imsglobal.org/spec/qti/v2p2/rptemplates/",
        "http://purl.imsglobal.org/spec/qti/v2p2/rptemplates/"};
    static const char *const names[] = {"match_correct", "map_response", "map_response_point"};
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        size_t pl = strlen(prefixes[p]);
        if (strncmp(url, prefixes[p], pl) != 0) continue;
        const char *rest = url + pl;
        for (size_t n = 0; n < 3; n++) {
            size_t nl = strlen(names[n]);
            if (strncmp(rest, names[n], nl) == 0 &&
                (rest[nl] == '\0' || strcmp(rest + nl, ".xml") == 0))
                return names[n];
        }
    }
    return NULL;
}

/* Which numeric outcome the rules set, when exactly one (for an item without SCORE). */
static void s_set_targets(xmlNodePtr n, const char **found, int *count)
{
    for (xmlNodePtr c = qx_first(n); c; c = qx_next(c)) {
        if (qx_is(c, "setOutcomeValue") || qx_is(c, "lookupOutcomeValue")) {
            const char *id = qx_attr(c, "identifier");
            if (id && (!*found || strcmp(*found, id) != 0)) {
                if (*found)
                    (*count)++;
                else
                    *count = 1;
                if (!*found) *found = id;
            }
        }
        s_set_targets(c, found, count);
    }
}

static bool s_numeric_outcome(xmlNodePtr root, const char *id)
{
    for (xmlNodePtr d = qx_first(root); d; d = qx_next(d)) {
        if (!qx_is(d, "outcomeDeclaration")) continue;
        const char *i = qx_attr(d, "identifier"), *bt = qx_attr(d, "baseType");
        const char *card = qx_attr(d, "cardinality");
        if (i && strcmp(i, id) == 0)
            return bt && (strcmp(bt, "integer") == 0 || strcmp(bt, "float") == 0) &&
                   (!card || strcmp(card, "single") == 0);
    }
    return false;
}

/* The normalMaximum of outcome id, when it declares a positive one. */
static bool s_normal_max(xmlNodePtr root, const char *id, double *max)
{
    for (xmlNodePtr d = qx_first(root); d; d = qx_next(d)) {
        const char *i = qx_is(d, "outcomeDeclaration") ? qx_attr(d, "identifier") : NULL;
        if (!i || strcmp(i, id) != 0) continue;
        const char *v = qx_attr(d, "normalMaximum");
        char *end;
        *max = v ? strtod(v, &end) : 0;
        return v && end != v && !*end && isfinite(*max) && *max > 0;
    }
    return false;
}

/* The step of a graded scale 0..max: the largest of 1, 0.5, 0.25, 0.1 that max is a whole number
 * of, in at most 100 steps; 0 when none is. */
static double s_graded_step(double max)
{
    static const double steps[] = {1, 0.5, 0.25, 0.1};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        double q = max / steps[i];
        if (fabs(q - round(q)) <= 1e-9 * q && round(q) <= 100) return steps[i];
    }
    return 0;
}

/* {"setOutcomeValue": {identifier: SCORE, expression: e}}, e: a float constant or
 * mapResponse / mapResponsePoint of RESPONSE. */
static void s_set_score(qb_t *b, const char *map, double constant)
{
    size_t s = qb_map(b);
    qb_key(b, "setOutcomeValue");
    size_t sm = qb_map(b);
    qb_key(b, "identifier");
    qb_str(b, "SCORE");
    qb_key(b, "expression");
    size_t e = qb_map(b);
    if (map) {
        qb_key(b, map);
        qb_str(b, "RESPONSE");
    } else {
        qb_key(b, "baseValue");
        size_t v = qb_map(b);
        qb_key(b, "baseType");
        qb_str(b, "float");
        qb_key(b, "value");
        msgpack_pack_double(&b->pk, constant);
        qb_end(b, v, 2);
    }
    qb_end(b, e, 1);
    qb_end(b, sm, 2);
    qb_end(b, s, 1);
}

/* The standard program of a template, as QTI writes it: match_correct sets 1 when RESPONSE
 * matches its correct value, else 0; the map templates 0 for a NULL response, else its map. */
static void s_template_program(qb_t *b, const char *rule)
{
    bool match = strcmp(rule, "match_correct") == 0;
    const char *map = strcmp(rule, "map_response") == 0 ? "mapResponse" : "mapResponsePoint";
    size_t a = qb_array(b);
    size_t c = qb_map(b);
    qb_key(b, "responseCondition");
    size_t cm = qb_map(b);
    qb_key(b, "if");
    size_t im = qb_map(b);
    qb_key(b, "condition");
    size_t e = qb_map(b);
    qb_key(b, match ? "match" : "isNull");
    size_t ea = qb_array(b);
    size_t v = qb_map(b);
    qb_key(b, "variable");
    qb_str(b, "RESPONSE");
    qb_end(b, v, 1);
    if (match) {
        v = qb_map(b);
        qb_key(b, "correct");
        qb_str(b, "RESPONSE");
        qb_end(b, v, 1);
    }
    qb_end(b, ea, match ? 2 : 1);
    qb_end(b, e, 1);
    qb_key(b, "then");
    size_t t = qb_array(b);
    s_set_score(b, NULL, match ? 1 : 0);
    qb_end(b, t, 1);
    qb_end(b, im, 2);
    qb_key(b, "else");
    t = qb_array(b);
    s_set_score(b, match ? NULL : map, 0);
    qb_end(b, t, 1);
    qb_end(b, cm, 2);
    qb_end(b, c, 1);
    qb_end(b, a, 1);
}

/* What the item keeps beyond scoring: its title, content and settings (qti_extension.c). */
static as_code_t s_kept(qx_t *x, xmlNodePtr root, qb_t *b, uint32_t *fields)
{
    const char *title = qx_attr(root, "title");
    if (title && *title) {
        qb_key(b, "title");
        as_pack_str(&b->pk, title, strlen(title) > AS_MAX_TITLE ? AS_MAX_TITLE : strlen(title));
        (*fields)++;
    }
    as_code_t rc = qx_content(x, root, b, fields);
    return rc ? rc : qx_settings(x, root, false, b, fields);
}

as_code_t qx_item(qx_t *x, xmlNodePtr root, const char *id, qb_t *b, bool *unscorable)
{
    as_code_t rc;
    *unscorable = false;
    const char *adaptive = qx_attr(root, "adaptive");
    if (adaptive && strcmp(adaptive, "true") == 0)
        return qx_fail(x, root, "adaptive items are not supported");
    xmlNodePtr tp = qx_child(root, "templateProcessing"),
               td = qx_child(root, "templateDeclaration");
    if (tp || td)
        return qx_fail(x, tp ? tp : td, "template processing (randomised items) is not supported");
    xmlNodePtr rp = qx_child(root, "responseProcessing");
    const char *tmpl = rp ? qx_attr(rp, "template") : NULL;
    if (rp && !tmpl) tmpl = qx_attr(rp, "templateLocation");
    const char *rule = tmpl ? s_template(tmpl) : NULL;
    if (tmpl && !rule && !qx_first(rp))
        return qx_fail(x, rp, "unknown response processing template \"%s\"", tmpl);
    bool custom = rp && !rule && qx_first(rp);
    /* an item whose responses are all files (an upload, a drawing) is scored by no machine,
     * whatever processing it declares: imported as not scorable */
    uint32_t n_decl = 0, n_files = 0;
    for (xmlNodePtr d = qx_first(root); d; d = qx_next(d))
        if (qx_is(d, "responseDeclaration")) {
            n_decl++;
            const char *bt = qx_attr(d, "baseType");
            n_files += bt && strcmp(bt, "file") == 0;
        }
    bool only_files = n_decl && n_files == n_decl;
    *unscorable = only_files || (!rule && !custom);
    if (only_files) {
        rule = NULL;
        custom = false;
    }
    /* an item nobody scores automatically is graded by people when its score outcome declares
     * its maximum (normalMaximum: an essay's, an upload's), or when the import gives one */
    double graded_max = 0, graded_step = 0;
    const char *max_of = x->opts->score_outcome && !s_numeric_outcome(root, "SCORE")
                             ? x->opts->score_outcome
                             : "SCORE";
    if (*unscorable && !s_normal_max(root, max_of, &graded_max)) graded_max = x->opts->graded_max;
    if (*unscorable && graded_max > 0 && (graded_step = s_graded_step(graded_max)) > 0)
        *unscorable = false;
    bool graded = graded_step > 0;
    /* the score outcome: SCORE; else the one the import names (--score-outcome) when the item
     * declares it; else the one numeric outcome the processing sets; else none: every outcome
     * computed and reported, the score null (the engine lists such items) */
    const char *score_outcome = NULL;
    bool has_score = s_numeric_outcome(root, "SCORE");
    if (custom && !has_score) {
        const char *found = NULL;
        int count = 0;
        s_set_targets(rp, &found, &count);
        const char *named = x->opts->score_outcome;
        if (named && s_numeric_outcome(root, named))
            score_outcome = named;
        else if (count == 1 && s_numeric_outcome(root, found))
            score_outcome = found;
    }
    uint32_t n_resp = 0;
    for (xmlNodePtr d = qx_first(root); d; d = qx_next(d))
        if (qx_is(d, "responseDeclaration")) n_resp++;
    size_t m = qb_map(b);
    uint32_t fields = 2;
    qb_key(b, "id");
    qb_str(b, id);
    qb_key(b, "responses");
    size_t ra = qb_array(b);
    uint32_t kept = 0;
    for (xmlNodePtr d = qx_first(root); d; d = qx_next(d)) {
        if (!qx_is(d, "responseDeclaration")) continue;
        const char *base = qx_base(qx_attr(d, "baseType")), *card = qx_attr(d, "cardinality");
        if (only_files) { /* the answer is a reference to the file (its name, its URL): text */
            const char *rid = qx_attr(d, "identifier");
            if (!rid || !card) return qx_fail(x, d, "needs identifier and cardinality");
            size_t rm = qb_map(b);
            qb_key(b, "id");
            qb_str(b, rid);
            qb_key(b, "cardinality");
            qb_str(b, card);
            qb_key(b, "base_type");
            qb_str(b, "string");
            qb_end(b, rm, 3);
            kept++;
            continue;
        }
        if ((*unscorable || graded) && (!base || (card && strcmp(card, "record") == 0)))
            continue; /* an extended text or upload nobody scores: not kept */
        if ((rc = s_response(x, root, d, b))) return rc;
        kept++;
    }
    qb_end(b, ra, kept);
    if (graded) { /* scored by people: "graded" instead of processing */
        qb_key(b, "graded");
        size_t g = qb_map(b);
        qb_key(b, "max");
        msgpack_pack_double(&b->pk, graded_max);
        qb_key(b, "step");
        msgpack_pack_double(&b->pk, graded_step);
        qb_end(b, g, 2);
        fields++;
        if ((rc = s_kept(x, root, b, &fields))) return rc;
        qb_end(b, m, fields);
        return AS_OK;
    }
    if (*unscorable) {
        qb_key(b, "scorable");
        msgpack_pack_false(&b->pk);
        fields++;
        if ((rc = s_kept(x, root, b, &fields))) return rc;
        qb_end(b, m, fields);
        return AS_OK;
    }
    uint32_t n_out;
    qb_key(b, "outcomes");
    if ((rc = qx_outcomes(x, root, b, &n_out))) return rc;
    fields++;
    if (rule && n_resp == 1) {
        qb_key(b, "rule");
        qb_str(b, rule);
        fields++;
    } else if (rule) { /* a template over several responses: its program, over RESPONSE */
        qb_key(b, "response_processing");
        s_template_program(b, rule);
        fields++;
    } else {
        qb_key(b, "response_processing");
        if ((rc = qx_rules(x, rp, b, false))) return rc;
        fields++;
    }
    if (score_outcome) {
        qb_key(b, "score_outcome");
        qb_str(b, score_outcome);
        fields++;
    }
    if ((rc = s_kept(x, root, b, &fields))) return rc;
    qb_end(b, m, fields);
    return AS_OK;
}
