/* test_qti.c — QTI XML and packages to assessments (engine/qti): items of every interaction
 * type's usual response declaration (tests/qti/items, written for these tests from the QTI
 * specification), the three templates in each URL form, custom processing over several
 * responses, a test with weights and its own outcome processing, packages (built here) with a
 * manifest, media and items sharing an identifier, and broken inputs with the file, line and
 * element of the problem. Each import is compiled and scored with exact values. One file: the
 * tests share the import, compile and score helpers over one item fixture directory; the CLI's
 * import and export are test_cli_qti.c's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "qti.h"
#include "table.h"
#include "tjson.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

static msgpack_sbuffer s_out;
static msgpack_unpacked s_u;
static as_compiled_t s_c[64];
static as_table_t s_t[64];
static uint32_t s_n;
static as_err_t s_err;
static as_scorer_t *s_sc;

static int s_setup(void **state)
{
    as_qti_init();
    msgpack_sbuffer_init(&s_out);
    msgpack_unpacked_init(&s_u);
    s_sc = as_scorer_new();
    return 0;
}

static void s_clear(void)
{
    for (uint32_t i = 0; i < s_n; i++)
        free(s_c[i].blob);
    s_n = 0;
    msgpack_sbuffer_clear(&s_out);
}

static int s_teardown(void **state)
{
    s_clear();
    msgpack_sbuffer_destroy(&s_out);
    msgpack_unpacked_destroy(&s_u);
    as_scorer_destroy(&s_sc);
    return 0;
}

static char *s_read(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/../tests/qti/%s", getenv("ASSAY_EXAMPLES"), name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot read %s", path);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static const msgpack_object *s_get(const msgpack_object *m, const char *key)
{
    for (uint32_t i = 0; m->type == MSGPACK_OBJECT_MAP && i < m->via.map.size; i++)
        if (m->via.map.ptr[i].key.via.str.size == strlen(key) &&
            memcmp(m->via.map.ptr[i].key.via.str.ptr, key, strlen(key)) == 0)
            return &m->via.map.ptr[i].val;
    return NULL;
}

/* Converts bytes and compiles every definition: the code, the message in s_err. */
static as_code_t s_import(const void *data, size_t len, const as_qti_opts_t *o)
{
    s_clear();
    as_code_t rc = as_qti_import(data, len, o, &s_out, NULL, &s_err);
    if (rc) return rc;
    assert_int_equal(msgpack_unpack_next(&s_u, s_out.data, s_out.size, NULL),
                     MSGPACK_UNPACK_SUCCESS);
    msgpack_sbuffer def;
    msgpack_sbuffer_init(&def);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &def, msgpack_sbuffer_write);
    for (uint32_t i = 0; i < s_u.data.via.array.size; i++) {
        msgpack_sbuffer_clear(&def);
        msgpack_pack_object(&pk, *s_get(&s_u.data.via.array.ptr[i], "definition"));
        if ((rc = as_table_compile((const uint8_t *)def.data, def.size, &s_c[s_n], &s_err))) break;
        assert_int_equal(as_table_open(s_c[s_n].blob, s_c[s_n].size, &s_t[s_n], &s_err), AS_OK);
        s_n++;
    }
    msgpack_sbuffer_destroy(&def);
    return rc;
}

static void s_import_file(const char *name)
{
    size_t len;
    char *data = s_read(name, &len);
    as_qti_opts_t o = {.name = strrchr(name, '/') ? strrchr(name, '/') + 1 : name};
    if (s_import(data, len, &o)) fail_msg("%s: %s", name, s_err.msg);
    free(data);
}

/* The assessment with id among the last import's. */
static const as_table_t *s_table(const char *id)
{
    for (uint32_t i = 0; i < s_n; i++)
        if (s_t[i].hdr.id_len == strlen(id) &&
            memcmp(as_table_str(&s_t[i], s_t[i].hdr.id_off), id, strlen(id)) == 0)
            return &s_t[i];
    fail_msg("no assessment %s", id);
    return NULL;
}

static double s_score(const char *id, const char *answers)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    tjson_pack(&sb, answers);
    as_mp_t r;
    as_mp_init(&r, sb.data, sb.size);
    as_path_t path;
    as_path_init(&path, "answers");
    double total = -999;
    as_err_t e;
    if (as_score_answers(s_sc, s_table(id), &r, &path, &total, NULL, &e))
        fail_msg("%s: %s", id, e.msg);
    msgpack_sbuffer_destroy(&sb);
    return total;
}

/* A zip being written in memory; s_zip_bytes closes it and gives its bytes (caller frees). */
static zip_t *s_zip_new(zip_source_t **mem)
{
    zip_error_t ze;
    zip_error_init(&ze);
    *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *z = zip_open_from_source(*mem, ZIP_TRUNCATE, &ze);
    zip_source_keep(*mem);
    return z;
}

static char *s_zip_bytes(zip_t *z, zip_source_t *mem, size_t *len)
{
    assert_int_equal(zip_close(z), 0);
    zip_stat_t st;
    zip_source_stat(mem, &st);
    char *data = malloc(st.size);
    zip_source_open(mem);
    zip_source_read(mem, data, st.size);
    zip_source_close(mem);
    zip_source_free(mem);
    *len = st.size;
    return data;
}

static void every_interaction_types_response_imports_and_scores(void **state)
{
    static const struct {
        const char *file, *id, *answers;
        double score, max;
    } cases[] = {
        {"choice_single.xml", "choice-single", "{'choice-single':'jupiter'}", 1, 1},
        {"choice_single.xml", "choice-single", "{'choice-single':'mars'}", 0, 1},
        {"choice_multiple.xml", "choice-multiple", "{'choice-multiple':['p2','p3','p9']}", 1, 3},
        {"text_entry_string.xml", "text-entry-string", "{'text-entry-string':'PARIS'}", 2, 2},
        {"text_entry_string.xml", "text-entry-string", "{'text-entry-string':'Lutetia'}", 1, 2},
        {"text_entry_integer.xml", "text-entry-integer", "{'text-entry-integer':8}", 1, 1},
        {"text_entry_float.xml", "text-entry-float", "{'text-entry-float':9.84}", 1, 1},
        {"text_entry_float.xml", "text-entry-float", "{'text-entry-float':9.9}", 0, 1},
        {"inline_choice.xml", "inline-choice", "{'inline-choice':'c100'}", 1, 1},
        {"order.xml", "order", "{'order':['mercury','venus','earth']}", 1, 1},
        {"order.xml", "order", "{'order':['venus','mercury','earth']}", 0, 1},
        {"match.xml", "match", "{'match':['fr paris','fr rome']}", 0, 2},
        {"match.xml", "match", "{'match':['fr paris','it rome']}", 2, 2},
        {"associate.xml", "associate", "{'associate':['cold hot','up down']}", 2, 2},
        {"gap_match.xml", "gap-match", "{'gap-match':['w2 g2','w1 g1']}", 1, 1},
        {"hotspot.xml", "hotspot", "{'hotspot':'A'}", 1, 1},
        {"select_point.xml", "select-point", "{'select-point':[[20,22],[70,20]]}", 2, 2},
        {"select_point.xml", "select-point", "{'select-point':[[20,22],[0,49]]}", 0.5, 2},
        {"graphic_gap_match.xml", "graphic-gap-match", "{'graphic-gap-match':['lbl_head h1']}", 1,
         2},
        {"slider.xml", "slider", "{'slider':71}", 2, 2},
        {"slider.xml", "slider", "{'slider':67}", 1, 2},
        {"slider.xml", "slider", "{'slider':60}", 0, 2},
        {"hottext.xml", "hottext", "{'hottext':['v1','n1']}", 0, 2},
        {"hottext.xml", "hottext", "{'hottext':['v1','v2']}", 2, 2},
        {"two_responses.xml", "two-responses", "{'two-responses':{'X':3,'Y':-2}}", 2, 2},
        {"two_responses.xml", "two-responses", "{'two-responses':{'X':3}}", 1, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[64];
        snprintf(name, sizeof name, "items/%s", cases[i].file);
        s_import_file(name);
        double got = s_score(cases[i].id, cases[i].answers);
        if (got != cases[i].score)
            fail_msg("%s %s: scored %g, expected %g", cases[i].file, cases[i].answers, got,
                     cases[i].score);
        assert_true(s_table(cases[i].id)->hdr.max_score == cases[i].max);
    }
}

/* Each standard template by each URL QTI gave it: 2.0 and 2.1 (template, and templateLocation
 * ending .xml) and 2.2. */
static void the_three_templates_import_by_every_url_form(void **state)
{
    static const struct {
        const char *attr, *prefix, *suffix;
    } urls[] = {
        {"template", "http://www.imsglobal.org/question/qti_v2p0/rptemplates/", ""},
        {"templateLocation", "http://www.imsglobal.org/question/qti_v2p0/rptemplates/", ".xml"},
        {"template", "http://www.imsglobal.org/question/qti_v2p1/rptemplates/", ""},
        {"templateLocation", "http://www.imsglobal.org/question/qti_v2p1/rptemplates/", ".xml"},
        {"template", "https://purl.imsglobal.org/spec/qti/v2p2/rptemplates/", ""},
        {"templateLocation", "https://purl.imsglobal.org/spec/qti/v2p2/rptemplates/", ".xml"}};
    static const struct {
        const char *name, *decl, *answers;
        double score;
    } t[] = {
        {"match_correct",
         "cardinality=\"single\" baseType=\"identifier\"><correctResponse><value>A</value>"
         "</correctResponse>",
         "{'t':'A'}", 1},
        {"map_response",
         "cardinality=\"multiple\" baseType=\"identifier\"><mapping defaultValue=\"0\">"
         "<mapEntry mapKey=\"A\" mappedValue=\"2\"/><mapEntry mapKey=\"B\" mappedValue=\"0.5\"/>"
         "</mapping>",
         "{'t':['A','B']}", 2.5},
        {"map_response_point",
         "cardinality=\"single\" baseType=\"point\"><areaMapping defaultValue=\"0\">"
         "<areaMapEntry shape=\"rect\" coords=\"0,0,10,10\" mappedValue=\"3\"/></areaMapping>",
         "{'t':[5,5]}", 3},
    };
    for (size_t u = 0; u < sizeof urls / sizeof urls[0]; u++)
        for (size_t k = 0; k < 3; k++) {
            char attr[300], xml[2048];
            snprintf(attr, sizeof attr, "%s=\"%s%s%s\"", urls[u].attr, urls[u].prefix, t[k].name,
                     urls[u].suffix);
            snprintf(
                xml, sizeof xml,
                "<assessmentItem identifier=\"t\"><responseDeclaration identifier=\"RESPONSE\" "
                "%s</responseDeclaration><outcomeDeclaration identifier=\"SCORE\" "
                "cardinality=\"single\" baseType=\"float\"/><responseProcessing %s/>"
                "</assessmentItem>",
                t[k].decl, attr);
            as_qti_opts_t o = {.name = "t.xml"};
            if (s_import(xml, strlen(xml), &o)) fail_msg("%s: %s", attr, s_err.msg);
            double got = s_score("t", t[k].answers);
            if (got != t[k].score) fail_msg("%s: scored %g, expected %g", attr, got, t[k].score);
        }
}

static void items_without_processing_are_imported_not_scorable(void **state)
{
    s_import_file("items/extended_text.xml");
    const msgpack_object *un = s_get(&s_u.data.via.array.ptr[0], "unscorable");
    assert_int_equal(un->via.array.size, 1);
    assert_true(s_table("extended-text")->hdr.max_score == 0);
    assert_true(s_score("extended-text", "{'extended-text':'evaporation then rain'}") == 0);
}

/* The graded items of the last import's first assessment, as the engine lists them after
 * compiling: (flags, max, step) of its item 0. */
static void s_graded_item(const char *id, double max, double step)
{
    const as_table_t *t = s_table(id);
    as_titem_t it;
    as_table_item(t, 0, &it);
    assert_true(it.flags & AS_TF_GRADED);
    assert_true(it.raw_hi == max && it.step == step && it.max_score == max);
    assert_true(t->hdr.max_score == max);
    const msgpack_object *un = s_get(&s_u.data.via.array.ptr[0], "unscorable");
    assert_int_equal(un->via.array.size, 0);
}

static void items_people_score_import_graded_on_their_normal_maximum(void **state)
{
    /* an essay whose SCORE declares its maximum: graded 0..4 in steps of 1; 2.5: of 0.5 */
    static const char essay[] =
        "<assessmentItem identifier=\"essay\"><responseDeclaration identifier=\"RESPONSE\" "
        "cardinality=\"single\" baseType=\"string\"/><outcomeDeclaration identifier=\"SCORE\" "
        "cardinality=\"single\" baseType=\"float\" normalMaximum=\"%s\"/><itemBody>"
        "<extendedTextInteraction responseIdentifier=\"RESPONSE\"/></itemBody></assessmentItem>";
    char xml[600];
    as_qti_opts_t o = {.name = "essay.xml"};
    snprintf(xml, sizeof xml, essay, "4");
    if (s_import(xml, strlen(xml), &o)) fail_msg("%s", s_err.msg);
    s_graded_item("essay", 4, 1);
    assert_true(s_score("essay", "{'essay':'the water cycle'}") == 0);
    assert_int_equal(as_table_pending(s_table("essay"), as_scorer_answered(s_sc)), 1);
    snprintf(xml, sizeof xml, essay, "2.5");
    if (s_import(xml, strlen(xml), &o)) fail_msg("%s", s_err.msg);
    s_graded_item("essay", 2.5, 0.5);
    /* an upload (its response a file, kept as the file's reference) declaring its maximum */
    static const char upload[] =
        "<assessmentItem identifier=\"drawing\"><responseDeclaration identifier=\"RESPONSE\" "
        "cardinality=\"single\" baseType=\"file\"/><outcomeDeclaration identifier=\"SCORE\" "
        "cardinality=\"single\" baseType=\"integer\" normalMaximum=\"10\"/></assessmentItem>";
    o.name = "drawing.xml";
    if (s_import(upload, sizeof upload - 1, &o)) fail_msg("%s", s_err.msg);
    s_graded_item("drawing", 10, 1);
    assert_true(s_score("drawing", "{'drawing':'uploads/ana/cell.png'}") == 0);
}

static void items_without_a_maximum_are_graded_on_the_imports_when_it_gives_one(void **state)
{
    size_t len;
    char *data = s_read("items/extended_text.xml", &len);
    as_qti_opts_t o = {.name = "extended_text.xml", .graded_max = 3};
    if (s_import(data, len, &o)) fail_msg("%s", s_err.msg);
    free(data);
    s_graded_item("extended-text", 3, 1);
}

/* An upload (every response a file) with a response processing it cannot be scored by: imported
 * as not scorable, not refused. */
static void an_item_of_file_responses_imports_not_scorable_whatever_its_processing(void **state)
{
    static const char xml[] =
        "<assessmentItem identifier=\"up\"><responseDeclaration identifier=\"RESPONSE\" "
        "cardinality=\"single\" baseType=\"file\"/><outcomeDeclaration identifier=\"SCORE\" "
        "cardinality=\"single\" baseType=\"float\"/><responseProcessing template=\"http://"
        "www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct\"/></assessmentItem>";
    as_qti_opts_t o = {.name = "up.xml"};
    if (s_import(xml, sizeof xml - 1, &o)) fail_msg("%s", s_err.msg);
    const msgpack_object *un = s_get(&s_u.data.via.array.ptr[0], "unscorable");
    assert_int_equal(un->via.array.size, 1);
    assert_true(s_table("up")->hdr.max_score == 0);
    /* the answer, a reference to the file uploaded, is taken and scores nothing */
    assert_true(s_score("up", "{'up':'uploads/ana/essay.pdf'}") == 0);
}

/* A zip of n files of tests/qti/items, at its top (malloc'ed, *size bytes). */
static char *s_zip_items(const char *const *files, int n, size_t *size)
{
    zip_source_t *mem;
    zip_t *z = s_zip_new(&mem);
    for (int i = 0; i < n; i++) {
        char name[64];
        size_t len;
        snprintf(name, sizeof name, "items/%s", files[i]);
        char *buf = s_read(name, &len); /* zip frees it (freep 1) */
        zip_file_add(z, files[i], zip_source_buffer(z, buf, len, 1), 0);
    }
    return s_zip_bytes(z, mem, size);
}

static void a_test_weights_its_items_and_grades_them(void **state)
{
    /* the test refers to its items: a zip of the directory, the test as the root */
    static const char *const files[] = {"test.xml", "choice_single.xml", "text_entry_integer.xml",
                                        "text_entry_float.xml"};
    size_t size;
    char *data = s_zip_items(files, 4, &size);
    as_qti_opts_t o = {.name = "science.zip", .root = "test.xml"};
    if (s_import(data, size, &o)) fail_msg("%s", s_err.msg);
    assert_int_equal(s_n, 1);
    assert_true(s_table("science-test")->hdr.max_score == 6);
    /* largest (weight 2) + spider (1) + gravity (weight 3) */
    assert_true(s_score("science-test", "{'largest':'jupiter','spider':8,'gravity':9.8}") == 6);
    assert_true(s_score("science-test", "{'largest':'jupiter','gravity':1}") == 2);
    free(data);
}

/* A package: a manifest, two items sharing the identifier "q" in different files, an image. */
static char *s_package(size_t *len, bool broken_href)
{
    zip_source_t *mem;
    zip_t *z = s_zip_new(&mem);
    static const char manifest[] =
        "<?xml version=\"1.0\"?>\n<manifest xmlns=\"http://www.imsglobal.org/xsd/imscp_v1p1\" "
        "identifier=\"m\"><resources>\n"
        "<resource identifier=\"R-one\" type=\"imsqti_item_xmlv2p1\" href=\"one/q.xml\"/>\n"
        "<resource identifier=\"R-two\" type=\"imsqti_item_xmlv2p1\" href=\"two/q.xml\"/>\n"
        "<resource identifier=\"IMG\" type=\"webcontent\" href=\"media/map.png\"/>\n"
        "</resources></manifest>\n";
    static const char broken[] =
        "<?xml version=\"1.0\"?>\n<manifest identifier=\"m\"><resources>\n"
        "<resource identifier=\"R-one\" type=\"imsqti_item_xmlv2p1\" href=\"one/q.xml\"/>\n"
        "<resource identifier=\"R-3\" type=\"imsqti_item_xmlv2p1\" href=\"three/q.xml\"/>\n"
        "</resources></manifest>\n";
    static const char q1[] =
        "<assessmentItem identifier=\"q\" title=\"one\"><responseDeclaration identifier="
        "\"RESPONSE\" cardinality=\"single\" baseType=\"identifier\"><correctResponse><value>A"
        "</value></correctResponse></responseDeclaration><outcomeDeclaration identifier=\"SCORE\" "
        "cardinality=\"single\" baseType=\"float\"/><responseProcessing template=\"http://www."
        "imsglobal.org/question/qti_v2p1/rptemplates/match_correct\"/></assessmentItem>";
    static const char q2[] =
        "<assessmentItem identifier=\"q\" title=\"two\"><responseDeclaration identifier="
        "\"RESPONSE\" cardinality=\"single\" baseType=\"identifier\"><correctResponse><value>B"
        "</value></correctResponse></responseDeclaration><outcomeDeclaration identifier=\"SCORE\" "
        "cardinality=\"single\" baseType=\"float\"/><responseProcessing template=\"http://www."
        "imsglobal.org/question/qti_v2p1/rptemplates/match_correct\"/></assessmentItem>";
    static const char png[] = "\x89PNG\r\n\x1a\n not really an image";
    const char *m = broken_href ? broken : manifest;
    zip_file_add(z, "imsmanifest.xml", zip_source_buffer(z, m, strlen(m), 0), 0);
    zip_file_add(z, "one/q.xml", zip_source_buffer(z, q1, strlen(q1), 0), 0);
    zip_file_add(z, "two/q.xml", zip_source_buffer(z, q2, strlen(q2), 0), 0);
    zip_file_add(z, "media/map.png", zip_source_buffer(z, png, sizeof png, 0), 0);
    return s_zip_bytes(z, mem, len);
}

static void a_package_imports_what_its_manifest_lists(void **state)
{
    size_t len;
    char *data = s_package(&len, false);
    as_qti_opts_t o = {.name = "bank.zip"};
    if (s_import(data, len, &o)) fail_msg("%s", s_err.msg);
    assert_int_equal(s_n, 2); /* the image is not an assessment */
    /* the two items share "q": each takes its resource's identifier */
    assert_true(s_score("R-one", "{'R-one':'A'}") == 1);
    assert_true(s_score("R-two", "{'R-two':'B'}") == 1);
    const msgpack_object *src = s_get(&s_u.data.via.array.ptr[1], "source");
    assert_int_equal(src->via.str.size, strlen("bank.zip!/two/q.xml"));
    assert_memory_equal(src->via.str.ptr, "bank.zip!/two/q.xml", src->via.str.size);
    free(data);
    data = s_package(&len, true);
    assert_int_equal(s_import(data, len, &o), AS_BAD_REQUEST);
    assert_string_equal(s_err.msg, "bank.zip!/imsmanifest.xml:4: <resource>: href \"three/q.xml\" "
                                   "points at no file of the package");
    free(data);
}

/* QTI writes directedPair (and any base type) in camelCase in a custom processing's baseValue. */
static void a_directed_pair_base_value_in_custom_processing_imports(void **state)
{
    static const char xml[] =
        "<assessmentItem identifier=\"dp\"><responseDeclaration identifier=\"RESPONSE\" "
        "cardinality=\"single\" baseType=\"directedPair\"/><outcomeDeclaration "
        "identifier=\"SCORE\" cardinality=\"single\" baseType=\"float\" normalMaximum=\"1\"/>"
        "<responseProcessing><responseCondition><responseIf><match><variable "
        "identifier=\"RESPONSE\"/><baseValue baseType=\"directedPair\">A B</baseValue></match>"
        "<setOutcomeValue identifier=\"SCORE\"><baseValue baseType=\"float\">1</baseValue>"
        "</setOutcomeValue></responseIf></responseCondition></responseProcessing>"
        "</assessmentItem>";
    as_qti_opts_t o = {.name = "dp.xml"};
    if (s_import(xml, sizeof xml - 1, &o)) fail_msg("%s", s_err.msg);
    assert_true(s_score("dp", "{'dp':'A B'}") == 1);
    assert_true(s_score("dp", "{'dp':'B A'}") == 0);
}

/* A DTD in UTF-16 is not seen by the byte-level check: it is refused once parsed, whatever the
 * encoding, with or without a byte order mark. */
static void a_doctype_in_utf16_is_refused_after_parsing(void **state)
{
    static const char *const doc[] = {
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n"
        "<assessmentItem identifier=\"x\"/>",
        "<?xml version=\"1.0\"?><!DOCTYPE assessmentItem SYSTEM \"qti.dtd\">"
        "<assessmentItem identifier=\"x\"/>"};
    for (size_t d = 0; d < 2; d++)
        for (int bom = 0; bom < 2; bom++) {
            size_t n = strlen(doc[d]), len = 0;
            uint8_t *u = malloc(2 * n + 2);
            if (bom) {
                u[len++] = 0xff; /* UTF-16LE */
                u[len++] = 0xfe;
            }
            for (size_t i = 0; i < n; i++) {
                u[len++] = (uint8_t)doc[d][i];
                u[len++] = 0;
            }
            as_qti_opts_t o = {.name = "wide.xml"};
            as_code_t rc = s_import(u, len, &o);
            free(u);
            if (rc != AS_BAD_REQUEST) fail_msg("doc %zu, bom %d: code %d", d, bom, rc);
            assert_string_equal(s_err.msg, "wide.xml: a DOCTYPE or entity declaration: not "
                                           "allowed (QTI needs neither)");
        }
}

static void broken_inputs_name_the_file_the_line_and_the_element(void **state)
{
    static const struct {
        const char *xml, *msg;
    } cases[] = {
        {"<assessmentItem identifier=\"x\">\n<responseDeclaration identifier=\"R\"",
         "bad.xml:2: malformed XML: Premature end of data in tag assessmentItem line 1"},
        {"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><assessmentItem/>",
         "bad.xml: a DOCTYPE or entity declaration: not allowed (QTI needs neither)"},
        {"<assessmentItem identifier=\"x\">\n<responseDeclaration identifier=\"RESPONSE\" "
         "cardinality=\"single\" baseType=\"identifier\"/>\n<responseProcessing template=\""
         "http://example.com/rp/my_template\"/></assessmentItem>",
         "bad.xml:3: <responseProcessing>: unknown response processing template "
         "\"http://example.com/rp/my_template\""},
        {"<assessmentItem identifier=\"x\">\n<templateDeclaration identifier=\"T\" "
         "cardinality=\"single\" baseType=\"integer\"/>\n</assessmentItem>",
         "bad.xml:2: <templateDeclaration>: template processing (randomised items) is not "
         "supported"},
        {"<assessmentItem identifier=\"x\" adaptive=\"true\"/>",
         "bad.xml:1: <assessmentItem>: adaptive items are not supported"},
        {"<assessmentItem identifier=\"x\">\n<outcomeDeclaration identifier=\"SCORE\" "
         "cardinality=\"single\" baseType=\"float\"/>\n<responseProcessing>\n<setOutcomeValue "
         "identifier=\"SCORE\">\n<randomInteger min=\"1\" max=\"6\"/>\n</setOutcomeValue>\n"
         "</responseProcessing></assessmentItem>",
         "bad.xml:5: <randomInteger>: not supported: random values make scores unrepeatable"},
        {"<assessmentItem identifier=\"x\">\n<responseDeclaration identifier=\"RESPONSE\" "
         "cardinality=\"single\" baseType=\"integer\"/>\n<outcomeDeclaration identifier=\"SCORE\" "
         "cardinality=\"single\" baseType=\"float\" normalMaximum=\"1\"/>\n<responseProcessing>"
         "<setOutcomeValue identifier=\"SCORE\"><mapResponse identifier=\"RESPONSE\"/>"
         "</setOutcomeValue></responseProcessing></assessmentItem>",
         "bad.xml:4: <mapResponse>: items[0].response_processing[0].setOutcomeValue.expression."
         "mapResponse: mapResponse: response \"RESPONSE\" declares no mapping"},
        /* what the compiler refuses deep in a condition: the line of the element it names */
        {"<assessmentItem identifier=\"x\">\n<responseDeclaration identifier=\"P\" "
         "cardinality=\"single\" baseType=\"point\"/>\n<outcomeDeclaration identifier=\"SCORE\" "
         "cardinality=\"single\" baseType=\"float\" normalMaximum=\"1\"/>\n<responseProcessing>\n"
         "<setOutcomeValue identifier=\"SCORE\"><baseValue baseType=\"float\">0</baseValue>"
         "</setOutcomeValue>\n<responseCondition>\n<responseIf>\n<match>\n<variable "
         "identifier=\"P\"/>\n<baseValue baseType=\"identifier\">A</baseValue>\n</match>\n"
         "<setOutcomeValue identifier=\"SCORE\"><baseValue baseType=\"float\">1</baseValue>"
         "</setOutcomeValue>\n</responseIf>\n</responseCondition>\n</responseProcessing>"
         "</assessmentItem>",
         "bad.xml:9: <variable>: items[0].response_processing[1].responseCondition.if.condition."
         "match[0]: baseType point cannot match identifier"},
        {"<manifest/>", "bad.xml:1: <manifest>: is neither an assessmentItem nor an "
                        "assessmentTest"},
        {"<assessmentTest identifier=\"t\"><testPart identifier=\"p\"><assessmentSection "
         "identifier=\"s\"><assessmentItemRef identifier=\"a\" href=\"a.xml\"/>"
         "</assessmentSection></testPart></assessmentTest>",
         "bad.xml:1: <assessmentItemRef>: refers to \"a.xml\", which a single file cannot bring: "
         "import the test with its items (a directory or a zip)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        as_qti_opts_t o = {.name = "bad.xml"};
        as_code_t rc = s_import(cases[i].xml, strlen(cases[i].xml), &o);
        if (rc != AS_BAD_REQUEST) fail_msg("case %zu: code %d", i, rc);
        assert_string_equal(s_err.msg, cases[i].msg);
    }
    as_qti_opts_t o = {.name = "junk.zip"};
    assert_int_equal(s_import("PK\3\4garbage", 11, &o), AS_BAD_REQUEST);
    assert_string_equal(s_err.msg, "junk.zip: not a readable zip: Not a zip archive");
}

static void the_score_outcome_is_score_or_the_one_the_processing_sets(void **state)
{
    static const char two_set[] =
        "<assessmentItem identifier=\"x\"><responseDeclaration identifier=\"R\" cardinality="
        "\"single\" baseType=\"integer\"/><outcomeDeclaration identifier=\"A\" cardinality="
        "\"single\" baseType=\"float\" normalMaximum=\"1\"/><outcomeDeclaration identifier=\"B\" "
        "cardinality=\"single\" baseType=\"float\"/><responseProcessing><setOutcomeValue "
        "identifier=\"A\"><baseValue baseType=\"float\">1</baseValue></setOutcomeValue>"
        "<setOutcomeValue identifier=\"B\"><baseValue baseType=\"float\">2</baseValue>"
        "</setOutcomeValue></responseProcessing></assessmentItem>";
    /* neither SCORE nor named: imported, every outcome computed, its score null */
    as_qti_opts_t o = {.name = "two.xml"};
    if (s_import(two_set, strlen(two_set), &o)) fail_msg("%s", s_err.msg);
    as_titem_t it;
    as_table_item(s_table("x"), 0, &it);
    assert_true((it.flags & AS_TF_UNSCORABLE) && it.prog_len > 0);
    assert_true(s_table("x")->hdr.max_score == 0);
    assert_true(s_score("x", "{'x':3}") == 0);
    /* a name the item does not declare is not its score */
    o.score_outcome = "TOTAL_SCORE";
    if (s_import(two_set, strlen(two_set), &o)) fail_msg("%s", s_err.msg);
    as_table_item(s_table("x"), 0, &it);
    assert_true(it.flags & AS_TF_UNSCORABLE);
    o.score_outcome = "A";
    o.id = "renamed";
    if (s_import(two_set, strlen(two_set), &o)) fail_msg("%s", s_err.msg);
    assert_true(s_score("renamed", "{'renamed':3}") == 1);
}

/* An IMS test scores into TOTAL_SCORE: named (--score-outcome), it is the score, its max not
 * known; not named, the items' sum is the score and TOTAL_SCORE is still computed. */
static void a_test_scores_into_the_outcome_the_import_names(void **state)
{
    static const char *const files[] = {"test_total.xml", "choice_single.xml",
                                        "text_entry_integer.xml"};
    size_t size;
    char *data = s_zip_items(files, 3, &size);
    as_qti_opts_t o = {.name = "total.zip", .root = "test_total.xml"};
    if (s_import(data, size, &o)) fail_msg("%s", s_err.msg);
    assert_true(s_table("total-test")->hdr.max_score == 2);
    assert_true(s_score("total-test", "{'largest':'jupiter','spider':8}") == 2);
    o.score_outcome = "TOTAL_SCORE";
    if (s_import(data, size, &o)) fail_msg("%s", s_err.msg);
    assert_true(isnan(s_table("total-test")->hdr.max_score));
    assert_true(s_score("total-test", "{'largest':'jupiter','spider':8}") == 2.5);
    free(data);
}

/* A container whose mapping has a positive default and no upper bound: bounded by its
 * interaction, maxChoices, else the number of its choices. */
static void a_positive_default_is_bounded_by_the_interaction(void **state)
{
    char xml[2048];
    for (int max = 2; max >= 0; max -= 2) {
        snprintf(xml, sizeof xml,
                 "<assessmentItem identifier=\"m\"><responseDeclaration identifier=\"RESPONSE\" "
                 "cardinality=\"multiple\" baseType=\"identifier\"><mapping defaultValue=\"0.5\">"
                 "<mapEntry mapKey=\"a\" mappedValue=\"2\"/><mapEntry mapKey=\"b\" "
                 "mappedValue=\"1\"/></mapping></responseDeclaration><outcomeDeclaration "
                 "identifier=\"SCORE\" cardinality=\"single\" baseType=\"float\"/><itemBody>"
                 "<choiceInteraction responseIdentifier=\"RESPONSE\" maxChoices=\"%d\">"
                 "<simpleChoice identifier=\"a\">A</simpleChoice><simpleChoice identifier=\"b\">"
                 "B</simpleChoice><simpleChoice identifier=\"c\">C</simpleChoice>"
                 "</choiceInteraction></itemBody><responseProcessing template=\"http://www."
                 "imsglobal.org/question/qti_v2p1/rptemplates/map_response\"/></assessmentItem>",
                 max);
        as_qti_opts_t o = {.name = "m.xml"};
        if (s_import(xml, strlen(xml), &o)) fail_msg("%s", s_err.msg);
        /* maxChoices 2: a and b; 0 (any): its 3 choices, a, b and c (0.5) */
        assert_true(s_table("m")->hdr.max_score == (max == 2 ? 3 : 3.5));
        assert_true(s_score("m", "{'m':['a','c']}") == 2.5);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_interaction_types_response_imports_and_scores),
        cmocka_unit_test(the_three_templates_import_by_every_url_form),
        cmocka_unit_test(items_without_processing_are_imported_not_scorable),
        cmocka_unit_test(items_people_score_import_graded_on_their_normal_maximum),
        cmocka_unit_test(items_without_a_maximum_are_graded_on_the_imports_when_it_gives_one),
        cmocka_unit_test(an_item_of_file_responses_imports_not_scorable_whatever_its_processing),
        cmocka_unit_test(a_test_weights_its_items_and_grades_them),
        cmocka_unit_test(a_package_imports_what_its_manifest_lists),
        cmocka_unit_test(broken_inputs_name_the_file_the_line_and_the_element),
        cmocka_unit_test(a_doctype_in_utf16_is_refused_after_parsing),
        cmocka_unit_test(a_directed_pair_base_value_in_custom_processing_imports),
        cmocka_unit_test(the_score_outcome_is_score_or_the_one_the_processing_sets),
        cmocka_unit_test(a_test_scores_into_the_outcome_the_import_names),
        cmocka_unit_test(a_positive_default_is_bounded_by_the_interaction),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
