/* cmd_export.c — assay export ID --qti DIR|FILE.zip: an assessment written back as QTI 2.1: one
 * assessmentItem file per item (items/ID.xml, with the title, body and feedback an import kept),
 * an assessmentTest of them in order with their weights and the assessment's outcome processing
 * (test.xml), and an imsmanifest.xml listing them; assay's own settings in <?assay ...?>
 * instructions. The inverse of PROTOCOL.md "Importing QTI": importing the package gives back the
 * definition exported (a single item's inside a test). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

typedef struct {
    char *p;
    size_t n, cap;
} s_buf_t;

static void s_put(s_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_put(s_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (b->n + (size_t)n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + (size_t)n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

/* Text with XML's five characters escaped. */
static void s_esc(s_buf_t *b, const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '<':
            s_put(b, "&lt;");
            break;
        case '>':
            s_put(b, "&gt;");
            break;
        case '&':
            s_put(b, "&amp;");
            break;
        case '"':
            s_put(b, "&quot;");
            break;
        case '\'':
            s_put(b, "&apos;");
            break;
        default:
            s_put(b, "%c", *s);
        }
}

/* A JSON scalar as QTI text: numbers in their shortest form, points "x y". */
static void s_text(s_buf_t *b, const json_t *v)
{
    char num[40];
    if (json_is_string(v)) {
        s_esc(b, json_string_value(v));
    } else if (json_is_integer(v)) {
        s_put(b, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        as_json_real_text(json_real_value(v), num);
        s_put(b, "%s", num);
    } else if (json_is_boolean(v)) {
        s_put(b, "%s", json_is_true(v) ? "true" : "false");
    } else if (json_is_array(v) && json_array_size(v) == 2) { /* a point [x, y] */
        s_text(b, json_array_get(v, 0));
        s_put(b, " ");
        s_text(b, json_array_get(v, 1));
    }
}

static const char *s_base(const char *ours)
{
    return ours && strcmp(ours, "directed_pair") == 0 ? "directedPair" : ours;
}

static void s_values(s_buf_t *b, const json_t *vals)
{
    size_t i;
    const json_t *v;
    if (!json_is_array(vals) ||
        (json_array_size(vals) == 2 && json_is_number(json_array_get(vals, 0))))
        vals = json_pack("[O]", vals); /* a lone value, or one point */
    else
        json_incref((json_t *)vals);
    json_array_foreach(vals, i, v)
    {
        s_put(b, "<value>");
        s_text(b, v);
        s_put(b, "</value>");
    }
    json_decref((json_t *)vals);
}

static void s_num_attr(s_buf_t *b, const char *name, const json_t *v)
{
    if (!v) return;
    s_put(b, " %s=\"", name);
    s_text(b, v);
    s_put(b, "\"");
}

/* A response declaration from our response map. */
static void s_response(s_buf_t *b, const json_t *r)
{
    const char *base = json_string_value(json_object_get(r, "base_type"));
    s_put(b, "  <responseDeclaration identifier=\"");
    s_esc(b, json_string_value(json_object_get(r, "id")));
    s_put(b, "\" cardinality=\"%s\" baseType=\"%s\">\n",
          json_string_value(json_object_get(r, "cardinality")), s_base(base));
    const json_t *c = json_object_get(r, "correct");
    if (c) {
        s_put(b, "    <correctResponse>");
        s_values(b, c);
        s_put(b, "</correctResponse>\n");
    }
    const json_t *m = json_object_get(r, "mapping"), *am = json_object_get(r, "area_mapping");
    if (m || am) {
        const json_t *mm = m ? m : am;
        s_put(b, "    <%s", m ? "mapping" : "areaMapping");
        s_num_attr(b, "defaultValue", json_object_get(mm, "default"));
        s_num_attr(b, "lowerBound", json_object_get(mm, "lower"));
        s_num_attr(b, "upperBound", json_object_get(mm, "upper"));
        s_put(b, ">\n");
        size_t i;
        const json_t *e;
        json_array_foreach(json_object_get(mm, "entries"), i, e)
        {
            if (m) {
                s_put(b, "      <mapEntry mapKey=\"");
                s_text(b, json_object_get(e, "key"));
                s_put(b, "\"");
                s_num_attr(b, "mappedValue", json_object_get(e, "value"));
                const json_t *cs = json_object_get(e, "case_sensitive");
                if (cs) s_put(b, " caseSensitive=\"%s\"", json_is_true(cs) ? "true" : "false");
                s_put(b, "/>\n");
            } else {
                s_put(b, "      <areaMapEntry shape=\"%s\" coords=\"",
                      json_string_value(json_object_get(e, "shape")));
                size_t j;
                const json_t *x;
                json_array_foreach(json_object_get(e, "coords"), j, x)
                {
                    if (j) s_put(b, ",");
                    s_text(b, x);
                }
                s_put(b, "\"");
                s_num_attr(b, "mappedValue", json_object_get(e, "value"));
                s_put(b, "/>\n");
            }
        }
        s_put(b, "    </%s>\n", m ? "mapping" : "areaMapping");
    }
    s_put(b, "  </responseDeclaration>\n");
}

static void s_outcome(s_buf_t *b, const json_t *o)
{
    const json_t *card = json_object_get(o, "cardinality");
    s_put(b, "  <outcomeDeclaration identifier=\"");
    s_esc(b, json_string_value(json_object_get(o, "id")));
    s_put(b, "\" cardinality=\"%s\" baseType=\"%s\"", card ? json_string_value(card) : "single",
          s_base(json_string_value(json_object_get(o, "base_type"))));
    s_num_attr(b, "normalMaximum", json_object_get(o, "normal_maximum"));
    s_num_attr(b, "normalMinimum", json_object_get(o, "normal_minimum"));
    s_put(b, ">\n");
    const json_t *d = json_object_get(o, "default");
    if (d) {
        s_put(b, "    <defaultValue>");
        s_values(b, d);
        s_put(b, "</defaultValue>\n");
    }
    const json_t *mt = json_object_get(o, "match_table"),
                 *it = json_object_get(o, "interpolation_table");
    if (mt || it) {
        const json_t *t = mt ? mt : it;
        s_put(b, "    <%s", mt ? "matchTable" : "interpolationTable");
        s_num_attr(b, "defaultValue", json_object_get(t, "default_value"));
        s_put(b, ">\n");
        size_t i;
        const json_t *e;
        json_array_foreach(json_object_get(t, "entries"), i, e)
        {
            s_put(b, "      <%s", mt ? "matchTableEntry" : "interpolationTableEntry");
            s_num_attr(b, "sourceValue", json_object_get(e, "source_value"));
            s_num_attr(b, "targetValue", json_object_get(e, "target_value"));
            const json_t *ib = json_object_get(e, "include_boundary");
            if (ib) s_put(b, " includeBoundary=\"%s\"", json_is_true(ib) ? "true" : "false");
            s_put(b, "/>\n");
        }
        s_put(b, "    </%s>\n", mt ? "matchTable" : "interpolationTable");
    }
    s_put(b, "  </outcomeDeclaration>\n");
}

/* An expression node {name: value} as an element. */
static void s_expr(s_buf_t *b, const json_t *node)
{
    const char *name = json_object_iter_key(json_object_iter((json_t *)node));
    const json_t *v = json_object_iter_value(json_object_iter((json_t *)node));
    if (strcmp(name, "baseValue") == 0) {
        const char *bt = json_string_value(json_object_get(v, "baseType"));
        s_put(b, "<baseValue baseType=\"%s\">", s_base(bt));
        s_text(b, json_object_get(v, "value"));
        s_put(b, "</baseValue>");
        return;
    }
    s_put(b, "<%s", name);
    const json_t *args = NULL;
    if (json_is_string(v)) {
        s_put(b, " identifier=\"");
        s_esc(b, json_string_value(v));
        s_put(b, "\"");
    } else if (json_is_object(v)) {
        const char *k;
        const json_t *a;
        json_object_foreach((json_t *)v, k, a)
        {
            if (strcmp(k, "args") == 0) {
                args = a;
                continue;
            }
            s_put(b, " %s=\"", k);
            if (json_is_array(a)) { /* tolerance, coords */
                size_t i;
                const json_t *x;
                json_array_foreach(a, i, x)
                {
                    if (i) s_put(b, " ");
                    s_text(b, x);
                }
            } else {
                s_text(b, a);
            }
            s_put(b, "\"");
        }
    } else if (json_is_array(v)) {
        args = v;
    }
    if (!args || !json_array_size(args)) {
        s_put(b, "/>");
        return;
    }
    s_put(b, ">");
    size_t i;
    const json_t *c;
    json_array_foreach(args, i, c) s_expr(b, c);
    s_put(b, "</%s>", name);
}

static void s_rules(s_buf_t *b, const json_t *rules, bool test);

static void s_rule(s_buf_t *b, const json_t *rule, bool test)
{
    const char *name = json_object_iter_key(json_object_iter((json_t *)rule));
    const json_t *v = json_object_iter_value(json_object_iter((json_t *)rule));
    const char *pre = test ? "outcome" : "response";
    if (strcmp(name, "setOutcomeValue") == 0 || strcmp(name, "lookupOutcomeValue") == 0) {
        s_put(b, "<%s identifier=\"", name);
        s_esc(b, json_string_value(json_object_get(v, "identifier")));
        s_put(b, "\">");
        s_expr(b, json_object_get(v, "expression"));
        s_put(b, "</%s>\n", name);
    } else if (strcmp(name, "responseCondition") == 0 || strcmp(name, "outcomeCondition") == 0) {
        const json_t *br = json_object_get(v, "if");
        s_put(b, "<%sCondition>\n<%sIf>", pre, pre);
        s_expr(b, json_object_get(br, "condition"));
        s_put(b, "\n");
        s_rules(b, json_object_get(br, "then"), test);
        s_put(b, "</%sIf>\n", pre);
        size_t i;
        const json_t *e;
        json_array_foreach(json_object_get(v, "else_if"), i, e)
        {
            s_put(b, "<%sElseIf>", pre);
            s_expr(b, json_object_get(e, "condition"));
            s_put(b, "\n");
            s_rules(b, json_object_get(e, "then"), test);
            s_put(b, "</%sElseIf>\n", pre);
        }
        if (json_object_get(v, "else")) {
            s_put(b, "<%sElse>\n", pre);
            s_rules(b, json_object_get(v, "else"), test);
            s_put(b, "</%sElse>\n", pre);
        }
        s_put(b, "</%sCondition>\n", pre);
    } else if (strcmp(name, "responseProcessingFragment") == 0) {
        s_put(b, "<responseProcessingFragment>\n");
        s_rules(b, v, test);
        s_put(b, "</responseProcessingFragment>\n");
    } else { /* exitResponse, exitTest */
        s_put(b, "<%s/>\n", name);
    }
}

static void s_rules(s_buf_t *b, const json_t *rules, bool test)
{
    size_t i;
    const json_t *r;
    json_array_foreach(rules, i, r) s_rule(b, r, test);
}

#define S_NS "xmlns=\"http://www.imsglobal.org/xsd/imsqti_v2p1\""
#define S_RP "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"

/* assay's settings of `obj` that QTI has no place for, as the processing instruction the
 * importer reads back: <?assay pass_ratio="0.6" skills="a b"?> (nothing when it has none). */
static void s_settings(s_buf_t *b, const json_t *obj, const char *const *keys, size_t n)
{
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(obj, keys[i]);
        if (!v) continue;
        s_put(b, any ? " %s=\"" : "  <?assay %s=\"", keys[i]);
        any = true;
        if (json_is_array(v)) { /* skills: ids, space-separated */
            size_t k;
            const json_t *x;
            json_array_foreach(v, k, x)
            {
                s_put(b, "%s", k ? " " : "");
                s_text(b, x);
            }
        } else {
            s_text(b, v);
        }
        s_put(b, "\"");
    }
    if (any) s_put(b, "?>\n");
}

/* One item of our definition as an assessmentItem. */
static void s_item(s_buf_t *b, const json_t *it)
{
    const char *id = json_string_value(json_object_get(it, "id"));
    s_put(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<assessmentItem " S_NS " identifier=\"");
    s_esc(b, id);
    s_put(b, "\" title=\"");
    const json_t *title = json_object_get(it, "title");
    s_esc(b, title ? json_string_value(title) : id);
    s_put(b, "\" adaptive=\"false\" timeDependent=\"false\">\n");
    static const char *const settings[] = {"skills", "kt_threshold"};
    s_settings(b, it, settings, 2);
    const json_t *responses = json_object_get(it, "responses");
    const char *rule = json_string_value(json_object_get(it, "rule"));
    size_t i;
    const json_t *x;
    if (responses) {
        json_array_foreach(responses, i, x) s_response(b, x);
    } else { /* the shorthand: RESPONSE */
        json_t *r = json_deep_copy(it);
        json_object_set_new(r, "id", json_string("RESPONSE"));
        s_response(b, r);
        json_decref(r);
    }
    const json_t *outcomes = json_object_get(it, "outcomes");
    if (outcomes) {
        json_array_foreach(outcomes, i, x) s_outcome(b, x);
    } else { /* the shorthand's SCORE; match_numeric's program needs its maximum said */
        bool numeric = rule && strcmp(rule, "match_numeric") == 0;
        s_put(b,
              "  <outcomeDeclaration identifier=\"SCORE\" cardinality=\"single\" "
              "baseType=\"float\"%s/>\n",
              numeric ? " normalMaximum=\"1\"" : "");
    }
    const json_t *qti = json_object_get(it, "qti"); /* the content the import kept */
    const char *body = json_string_value(json_object_get(qti, "body"));
    const char *feedback = json_string_value(json_object_get(qti, "feedback"));
    if (body) s_put(b, "  %s\n", body);
    if (json_is_false(json_object_get(it, "scorable"))) {
        if (feedback) s_put(b, "  %s\n", feedback);
        s_put(b, "</assessmentItem>\n");
        return;
    }
    const json_t *rp = json_object_get(it, "response_processing");
    if (rp) {
        s_put(b, "  <responseProcessing>\n");
        s_rules(b, rp, false);
        s_put(b, "  </responseProcessing>\n");
    } else if (rule && strcmp(rule, "match_numeric") == 0) { /* equal with its tolerance */
        const json_t *tol = json_object_get(it, "tolerance");
        s_put(b, "  <responseProcessing><responseCondition><responseIf><equal");
        if (tol) {
            const char *mode = json_string_value(json_object_get(tol, "mode"));
            s_put(b, " toleranceMode=\"%s\" tolerance=\"", mode);
            s_text(b, json_object_get(tol, "value"));
            s_put(b, "\"");
        }
        s_put(b, "><correct identifier=\"RESPONSE\"/><variable identifier=\"RESPONSE\"/></equal>"
                 "<setOutcomeValue identifier=\"SCORE\"><baseValue baseType=\"float\">1"
                 "</baseValue></setOutcomeValue></responseIf></responseCondition>"
                 "</responseProcessing>\n");
    } else if (rule) {
        s_put(b, "  <responseProcessing template=\"" S_RP "%s\"/>\n", rule);
    }
    if (feedback) s_put(b, "  %s\n", feedback);
    s_put(b, "</assessmentItem>\n");
}

/* The files of the export: items/ID.xml, test.xml, imsmanifest.xml. */
typedef struct {
    char name[300];
    s_buf_t body;
} s_file_t;

static int s_write(const char *out, s_file_t *f, size_t n)
{
    size_t ol = strlen(out);
    bool zipped = ol > 4 && strcmp(out + ol - 4, ".zip") == 0;
    if (zipped) {
        int ze;
        zip_t *z = zip_open(out, ZIP_CREATE | ZIP_TRUNCATE, &ze);
        if (!z) {
            fprintf(stderr, "assay: %s: cannot create the zip\n", out);
            return EXIT_USAGE;
        }
        for (size_t i = 0; i < n; i++) {
            zip_source_t *s = zip_source_buffer(z, f[i].body.p, f[i].body.n, 0);
            if (!s || zip_file_add(z, f[i].name, s, ZIP_FL_ENC_UTF_8) < 0) {
                fprintf(stderr, "assay: %s: %s\n", out, zip_strerror(z));
                zip_discard(z);
                return EXIT_USAGE;
            }
        }
        if (zip_close(z)) {
            fprintf(stderr, "assay: %s: %s\n", out, zip_strerror(z));
            return EXIT_USAGE;
        }
        return 0;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/items", out);
    if ((mkdir(out, 0755) && errno != EEXIST) || (mkdir(path, 0755) && errno != EEXIST)) {
        fprintf(stderr, "assay: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", out, f[i].name);
        FILE *fp = fopen(path, "w");
        if (!fp || fwrite(f[i].body.p, 1, f[i].body.n, fp) != f[i].body.n) {
            fprintf(stderr, "assay: %s: %s\n", path, strerror(errno));
            if (fp) fclose(fp);
            return EXIT_USAGE;
        }
        fclose(fp);
    }
    return 0;
}

int cmd_export(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"qti", required_argument, 0, 'q'}, {0, 0, 0, 0}};
    const char *out = NULL;
    int c;
    optind = 0; /* glibc: 0 re-initialises getopt after the global options were parsed */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'q') return EXIT_USAGE;
        out = optarg;
    }
    if (optind != argc - 1 || !out) {
        fprintf(stderr, "usage: assay export ID --qti DIR|FILE.zip\n");
        return EXIT_USAGE;
    }
    cli_params_str(cli, 1, "id", argv[optind]);
    assay_reply_t *r;
    int rc = cli_call(cli, "assessment.get", &r);
    if (rc) return rc;
    json_t *def = as_json_from(assay_reply_result(r));
    assay_reply_free(&r);
    const json_t *items = json_object_get(def, "items");
    size_t n = json_array_size(items);
    s_file_t *f = calloc(n + 2, sizeof *f);
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        snprintf(f[i].name, sizeof f[i].name, "items/%s.xml",
                 json_string_value(json_object_get(it, "id")));
        s_item(&f[i].body, it);
    }
    /* the test: the items in order, their weights, the assessment's outcome processing */
    const char *aid = json_string_value(json_object_get(def, "id"));
    s_buf_t *t = &f[n].body;
    snprintf(f[n].name, sizeof f[n].name, "test.xml");
    s_put(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<assessmentTest " S_NS " identifier=\"");
    s_esc(t, aid);
    s_put(t, "\" title=\"");
    const json_t *title = json_object_get(def, "title");
    s_esc(t, title ? json_string_value(title) : aid);
    s_put(t, "\">\n");
    static const char *const settings[] = {"pass_ratio", "max_attempts", "time_limit_s", "grace_s",
                                           "overdue",    "open_at",      "close_at"};
    s_settings(t, def, settings, 7);
    const json_t *outcomes = json_object_get(def, "outcomes");
    const json_t *x;
    size_t k;
    json_array_foreach(outcomes, k, x) s_outcome(t, x);
    s_put(t, "<testPart identifier=\"part\" navigationMode=\"nonlinear\" "
             "submissionMode=\"simultaneous\">\n<assessmentSection identifier=\"section\" "
             "title=\"Items\" visible=\"true\">\n");
    json_array_foreach(items, i, it)
    {
        const char *iid = json_string_value(json_object_get(it, "id"));
        s_put(t, "<assessmentItemRef identifier=\"");
        s_esc(t, iid);
        s_put(t, "\" href=\"items/");
        s_esc(t, iid);
        s_put(t, ".xml\">");
        const json_t *w = json_object_get(it, "weight");
        if (w) {
            s_put(t, "<weight identifier=\"W\" value=\"");
            s_text(t, w);
            s_put(t, "\"/>");
        }
        s_put(t, "</assessmentItemRef>\n");
    }
    s_put(t, "</assessmentSection>\n</testPart>\n");
    const json_t *op = json_object_get(def, "outcome_processing");
    if (op) {
        s_put(t, "<outcomeProcessing>\n");
        s_rules(t, op, true);
        s_put(t, "</outcomeProcessing>\n");
    }
    s_put(t, "</assessmentTest>\n");
    /* the manifest lists the test only: its items travel with it */
    s_buf_t *m = &f[n + 1].body;
    snprintf(f[n + 1].name, sizeof f[n + 1].name, "imsmanifest.xml");
    s_put(m, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<manifest "
             "xmlns=\"http://www.imsglobal.org/xsd/imscp_v1p1\" identifier=\"assay-export\">\n"
             "<organizations/>\n<resources>\n<resource identifier=\"TEST\" "
             "type=\"imsqti_test_xmlv2p1\" href=\"test.xml\"><file href=\"test.xml\"/>");
    json_array_foreach(items, i, it)
    {
        s_put(m, "<file href=\"items/");
        s_esc(m, json_string_value(json_object_get(it, "id")));
        s_put(m, ".xml\"/>");
    }
    s_put(m, "</resource>\n</resources>\n</manifest>\n");
    rc = s_write(out, f, n + 2);
    if (!rc) printf("exported %s (%zu item(s)) to %s\n", aid, n, out);
    for (i = 0; i < n + 2; i++)
        free(f[i].body.p);
    free(f);
    json_decref(def);
    return rc;
}
