/* table_fixture.c — what the compiler and scorer tests share (table_fixture.h). */
#include "table_fixture.h"

#include "tjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

msgpack_sbuffer tf_sb;
as_compiled_t tf_c;
as_table_t tf_t;
/* The mirror: the same assessment with each template item written as the standard template's
 * program (response_processing), compiled when every item is a template shorthand. Every score
 * of tf_t is checked against it. */
static as_compiled_t s_mc;
static as_table_t s_mt;
static bool s_mirror;
/* The last definition compiled (msgpack), for walking its programs. */
static msgpack_sbuffer s_def;
as_scorer_t *tf_scorer;
as_err_t tf_err;

int tf_setup(void **state)
{
    msgpack_sbuffer_init(&tf_sb);
    msgpack_sbuffer_init(&s_def);
    tf_scorer = as_scorer_new();
    return 0;
}

int tf_teardown(void **state)
{
    msgpack_sbuffer_destroy(&tf_sb);
    msgpack_sbuffer_destroy(&s_def);
    as_scorer_destroy(&tf_scorer);
    free(tf_c.blob);
    tf_c.blob = NULL;
    free(s_mc.blob);
    s_mc.blob = NULL;
    return 0;
}

#define S_IS_NULL_0(then)                                                                          \
    "[{'responseCondition':{'if':{'condition':{'isNull':[{'variable':'RESPONSE'}]},"               \
    "'then':[{'setOutcomeValue':{'identifier':'SCORE','expression':{'baseValue':"                  \
    "{'baseType':'float','value':0}}}}]},'else':[" then "]}}]"
#define S_SET(expr) "{'setOutcomeValue':{'identifier':'SCORE','expression':" expr "}}"
#define S_ONE       "{'baseValue':{'baseType':'float','value':1}}"
#define S_ZERO      "{'baseValue':{'baseType':'float','value':0}}"

/* The standard program of a template rule (QTI's match_correct, map_response,
 * map_response_point; match_numeric as an equal with its tolerance). */
static json_t *s_template_program(const char *rule, json_t *tol)
{
    char text[1024];
    if (strcmp(rule, "match_correct") == 0)
        snprintf(
            text, sizeof text, "%s",
            "[{'responseCondition':{'if':{'condition':{'match':[{'variable':'RESPONSE'},"
            "{'correct':'RESPONSE'}]},'then':[" S_SET(S_ONE) "]},'else':[" S_SET(S_ZERO) "]}}]");
    else if (strcmp(rule, "map_response") == 0)
        snprintf(text, sizeof text, "%s", S_IS_NULL_0(S_SET("{'mapResponse':'RESPONSE'}")));
    else if (strcmp(rule, "map_response_point") == 0)
        snprintf(text, sizeof text, "%s", S_IS_NULL_0(S_SET("{'mapResponsePoint':'RESPONSE'}")));
    else {
        char eq[300] = "{'equal':[{'correct':'RESPONSE'},{'variable':'RESPONSE'}]}";
        if (tol) {
            const char *mode = json_string_value(json_object_get(tol, "mode"));
            double v = json_number_value(json_object_get(tol, "value"));
            snprintf(eq, sizeof eq,
                     "{'equal':{'toleranceMode':'%s','tolerance':[%.17g,%.17g],'args':[{'correct':"
                     "'RESPONSE'},{'variable':'RESPONSE'}]}}",
                     mode, v, v);
        }
        snprintf(text, sizeof text,
                 S_IS_NULL_0("{'responseCondition':{'if':{'condition':%s,'then':[" S_SET(
                     S_ONE) "]},'else':[" S_SET(S_ZERO) "]}}"),
                 eq);
    }
    for (char *p = text; *p; p++)
        if (*p == '\'') *p = '"';
    return json_loads(text, 0, NULL);
}

/* The mirror definition of def (a JSON object with single-item-form template items), or NULL
 * when an item is not a template shorthand or has weight 0. */
static json_t *s_mirror_of(json_t *def)
{
    json_t *items = json_object_get(def, "items"), *it;
    size_t i;
    json_t *m = json_deep_copy(def);
    json_t *mitems = json_object_get(m, "items");
    json_array_foreach(items, i, it)
    {
        const char *rule = json_string_value(json_object_get(it, "rule"));
        as_titem_t ti;
        as_table_item(&tf_t, (uint32_t)i, &ti);
        if (!rule || json_object_get(it, "responses") || ti.weight == 0) {
            json_decref(m);
            return NULL;
        }
        json_t *resp = json_object();
        json_object_set_new(resp, "id", json_string("RESPONSE"));
        const char *move[] = {"cardinality", "base_type", "correct", "mapping", "area_mapping"};
        json_t *out = json_deep_copy(json_array_get(mitems, i));
        for (size_t k = 0; k < 5; k++) {
            json_t *v = json_object_get(it, move[k]);
            if (v) json_object_set(resp, move[k], v);
            json_object_del(out, move[k]);
        }
        json_object_del(out, "rule");
        json_object_del(out, "tolerance");
        json_object_set_new(out, "responses", json_pack("[o]", resp));
        json_object_set_new(out, "outcomes",
                            json_pack("[{s:s,s:s}]", "id", "SCORE", "base_type", "float"));
        json_object_set_new(out, "response_processing",
                            s_template_program(rule, json_object_get(it, "tolerance")));
        json_array_set_new(mitems, i, out);
    }
    return m;
}

/* Compiles {'id':'t','items':[items]}; returns the code, the message in tf_err. */
as_code_t tf_compile(const char *items)
{
    char def[16384];
    snprintf(def, sizeof def, "{'id':'t','items':[%s]}", items);
    return tf_compile_def(def);
}

as_code_t tf_compile_def(const char *json)
{
    tjson_pack(&tf_sb, json);
    msgpack_sbuffer_clear(&s_def);
    msgpack_sbuffer_write(&s_def, tf_sb.data, tf_sb.size);
    free(tf_c.blob);
    tf_c.blob = NULL;
    as_code_t rc = as_table_compile((const uint8_t *)tf_sb.data, tf_sb.size, &tf_c, &tf_err);
    s_mirror = false;
    if (rc) return rc;
    assert_int_equal(as_table_open(tf_c.blob, tf_c.size, &tf_t, &tf_err), AS_OK);
    char *def = strdup(json);
    for (char *p = def; *p; p++)
        if (*p == '\'') *p = '"';
    json_t *j = json_loads(def, 0, NULL), *m = j ? s_mirror_of(j) : NULL;
    free(def);
    if (m) {
        char *text = json_dumps(m, JSON_COMPACT);
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        tjson_pack(&sb, text);
        free(s_mc.blob);
        s_mc.blob = NULL;
        as_err_t e;
        if (as_table_compile((const uint8_t *)sb.data, sb.size, &s_mc, &e))
            fail_msg("the template mirror does not compile: %s\n%s", e.msg, text);
        assert_int_equal(as_table_open(s_mc.blob, s_mc.size, &s_mt, &e), AS_OK);
        /* the mirror's max is its program's, by bounds analysis: the template's exactly */
        if (!(s_mt.hdr.max_score == tf_t.hdr.max_score ||
              (isnan(s_mt.hdr.max_score) && isnan(tf_t.hdr.max_score))))
            fail_msg("the template's max is %.17g, its program's %.17g\n%s", tf_t.hdr.max_score,
                     s_mt.hdr.max_score, text);
        s_mirror = true;
        msgpack_sbuffer_destroy(&sb);
        free(text);
    }
    json_decref(m);
    json_decref(j);
    return rc;
}

void tf_compile_ok(const char *items)
{
    as_code_t rc = tf_compile(items);
    if (rc) fail_msg("compile failed: %s", tf_err.msg);
}

/* Every program item of tf_t, run compiled and walked as written over the answers at a: the
 * same score and the same outcomes, or the test fails. */
static void s_check_walk(as_mp_t a)
{
    as_mp_t def;
    char why[200];
    as_mp_init(&def, s_def.data, s_def.size);
    if (as_prog_check(tf_scorer, &tf_t, def, a, why, sizeof why) > 0) fail_msg("%s", why);
}

/* Scores an answers map (JSON) against the compiled table; returns the total. */
as_code_t tf_score_rc(const char *answers, double *total)
{
    tjson_pack(&tf_sb, answers);
    as_mp_t r;
    as_mp_init(&r, tf_sb.data, tf_sb.size);
    as_path_t path;
    as_path_init(&path, "answers");
    as_code_t rc = as_score_answers(tf_scorer, &tf_t, &r, &path, total, NULL, &tf_err);
    if (!rc) {
        as_mp_t a;
        as_mp_init(&a, tf_sb.data, tf_sb.size);
        as_err_t keep = tf_err;
        s_check_walk(a);
        tf_err = keep;
    }
    if (s_mirror) {
        as_mp_init(&r, tf_sb.data, tf_sb.size);
        as_path_init(&path, "answers");
        double mirror = -1;
        as_err_t e;
        as_code_t mrc = as_score_answers(tf_scorer, &s_mt, &r, &path, &mirror, NULL, &e);
        assert_int_equal(mrc, rc);
        if (!rc && mirror != *total)
            fail_msg("template scored %.17g, its program %.17g (%s)", *total, mirror, answers);
    }
    return rc;
}

double tf_score(const char *answers)
{
    double total = -999;
    as_code_t rc = tf_score_rc(answers, &total);
    if (rc) fail_msg("score failed: %s", tf_err.msg);
    return total;
}

/* What as_score_pack_items (test false) or as_score_pack_outcomes (test true) packs for the
 * answers just scored, as JSON (the caller json_decref()s). */
static json_t *s_packed(const char *answers, bool test)
{
    double total;
    if (tf_score_rc(answers, &total)) fail_msg("score failed: %s", tf_err.msg);
    tjson_pack(&tf_sb, answers);
    as_mp_t r;
    as_mp_init(&r, tf_sb.data, tf_sb.size);
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);
    if (test) { /* the mirror and the walk scored after it: score once more, then read */
        as_path_t path;
        as_path_init(&path, "answers");
        assert_int_equal(as_score_answers(tf_scorer, &tf_t, &r, &path, &total, NULL, &tf_err),
                         AS_OK);
        as_score_pack_outcomes(tf_scorer, &tf_t, &pk);
    } else {
        as_score_pack_items(tf_scorer, &tf_t, r, NULL, 0, &pk);
    }
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, out.data, out.size, NULL), MSGPACK_UNPACK_SUCCESS);
    json_t *j = as_json_from(&u.data);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&out);
    return j;
}

/* v as compact JSON text, valid until the next call. */
static const char *s_text(const json_t *v)
{
    static char text[4096];
    char *dump = as_json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(text, sizeof text, "%s", dump);
    free(dump);
    return text;
}

const char *tf_outcome(const char *answers, uint32_t item, const char *outcome)
{
    json_t *items = s_packed(answers, false);
    json_t *v = json_object_get(json_object_get(json_array_get(items, item), "outcomes"), outcome);
    if (!v) fail_msg("item %u has no outcome %s", item, outcome);
    const char *text = s_text(v);
    json_decref(items);
    return text;
}

const char *tf_test_outcome(const char *answers, const char *outcome)
{
    json_t *all = s_packed(answers, true);
    json_t *v = json_object_get(all, outcome);
    if (!v) fail_msg("no assessment outcome %s", outcome);
    const char *text = s_text(v);
    json_decref(all);
    return text;
}

void tf_expect_error(as_code_t rc, const char *msg)
{
    assert_int_equal(rc, AS_BAD_REQUEST);
    assert_string_equal(tf_err.msg, msg);
}
