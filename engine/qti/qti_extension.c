/* qti_extension.c — what a QTI file carries beyond scoring, kept so that an export gives it back:
 * an item's content (stylesheets, itemBody, modalFeedback, as the file wrote them) and assay's
 * own settings, which QTI has no place for, in a processing instruction other tools ignore:
 *
 *   <assessmentTest ...><?assay pass_ratio="0.6" max_attempts="3" time_limit_s="1800"?>
 *   <assessmentItem ...><?assay skills="fractions decimals" kt_threshold="0.5"?>
 *
 * (pseudo-attributes as the XML declaration writes them; PROTOCOL.md "Importing QTI"). */
#include "qti_int.h"

#include "protocol.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

typedef enum { S_NUMBER, S_UINT, S_STRING, S_IDS } s_kind_t;

typedef struct {
    const char *name;
    s_kind_t kind;
    bool test; /* an assessment's (a test's, or a single item's assessment's); else an item's */
} s_key_t;

static const s_key_t s_keys[] = {
    {"pass_ratio", S_NUMBER, true},    {"max_attempts", S_UINT, true},
    {"time_limit_s", S_UINT, true},    {"grace_s", S_UINT, true},
    {"overdue", S_STRING, true},       {"open_at", S_STRING, true},
    {"close_at", S_STRING, true},      {"skills", S_IDS, false},
    {"kt_threshold", S_NUMBER, false},
};

/* Packs one value of kind k from text (len bytes). */
static as_code_t s_value(qx_t *x, xmlNodePtr pi, const s_key_t *k, const char *text, size_t len,
                         qb_t *b)
{
    char buf[AS_MAX_TITLE + 1];
    if (len >= sizeof buf) return qx_fail(x, pi, "%s: longer than %d bytes", k->name, AS_MAX_TITLE);
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end;
    switch (k->kind) {
    case S_NUMBER: {
        double v = strtod(buf, &end);
        if (end == buf || *end) return qx_fail(x, pi, "%s=\"%s\" is not a number", k->name, buf);
        msgpack_pack_double(&b->pk, v);
        return AS_OK;
    }
    case S_UINT: {
        unsigned long long v = strtoull(buf, &end, 10);
        if (end == buf || *end || buf[0] == '-' || v > UINT32_MAX)
            return qx_fail(x, pi, "%s=\"%s\" is not a whole number", k->name, buf);
        msgpack_pack_uint64(&b->pk, v);
        return AS_OK;
    }
    case S_STRING:
        as_pack_str(&b->pk, buf, len);
        return AS_OK;
    case S_IDS: {
        size_t a = qb_array(b);
        uint32_t n = 0;
        for (char *save = NULL, *t = strtok_r(buf, " \t\r\n", &save); t;
             t = strtok_r(NULL, " \t\r\n", &save), n++)
            qb_str(b, t);
        qb_end(b, a, n);
        return AS_OK;
    }
    }
    return AS_OK;
}

as_code_t qx_settings(qx_t *x, xmlNodePtr root, bool test, qb_t *b, uint32_t *fields)
{
    for (xmlNodePtr pi = root->children; pi; pi = pi->next) {
        if (pi->type != XML_PI_NODE || !pi->name || strcmp((const char *)pi->name, "assay") != 0)
            continue;
        const char *p = pi->content ? (const char *)pi->content : "";
        for (;;) {
            p += strspn(p, " \t\r\n");
            if (!*p) break;
            size_t nl = strcspn(p, "= \t\r\n");
            const char *q = p + nl;
            if (*q != '=' || q[1] != '"' || !strchr(q + 2, '"'))
                return qx_fail(x, pi, "<?assay?>: expected name=\"value\" at \"%.32s\"", p);
            const char *v = q + 2, *ve = strchr(v, '"');
            const s_key_t *k = NULL;
            for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0] && !k; i++)
                if (strlen(s_keys[i].name) == nl && memcmp(s_keys[i].name, p, nl) == 0)
                    k = &s_keys[i];
            if (!k)
                return qx_fail(x, pi,
                               "<?assay?>: \"%.*s\" is not a setting (an assessment's: "
                               "pass_ratio, max_attempts, time_limit_s, grace_s, overdue, "
                               "open_at, close_at; an item's: skills, kt_threshold)",
                               (int)(nl > 64 ? 64 : nl), p);
            p = ve + 1;
            if (k->test != test) continue; /* (an item file carries both: read twice) */
            qb_key(b, k->name);
            as_code_t rc = s_value(x, pi, k, v, (size_t)(ve - v), b);
            if (rc) return rc;
            (*fields)++;
        }
    }
    return AS_OK;
}

/* Appends the XML of root's children named `a` or `b` (in order) to out; false when none. */
static bool s_dump(xmlNodePtr root, const char *a, const char *b, xmlBufferPtr out)
{
    bool any = false;
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    for (xmlNodePtr c = qx_first(root); c && doc; c = qx_next(c)) {
        if (!qx_is(c, a) && !(b && qx_is(c, b))) continue;
        /* a copy in a document of its own declares the namespaces it uses (MathML's, the
         * item's own) on itself, so the text stands alone */
        xmlNodePtr copy = xmlDocCopyNode(c, doc, 1);
        if (!copy) continue;
        xmlDocSetRootElement(doc, copy);
        xmlNodeDump(out, doc, copy, 0, 0);
        xmlUnlinkNode(copy);
        xmlFreeNode(copy);
        any = true;
    }
    xmlFreeDoc(doc);
    return any;
}

as_code_t qx_content(qx_t *x, xmlNodePtr root, qb_t *b, uint32_t *fields)
{
    xmlBufferPtr body = xmlBufferCreate(), feedback = xmlBufferCreate();
    if (!body || !feedback) {
        xmlBufferFree(body);
        xmlBufferFree(feedback);
        return as_err_set(x->err, AS_INTERNAL, "out of memory");
    }
    bool has_body = s_dump(root, "stylesheet", "itemBody", body);
    bool has_feedback = s_dump(root, "modalFeedback", NULL, feedback);
    if (has_body || has_feedback) {
        qb_key(b, "qti");
        size_t m = qb_map(b);
        if (has_body) {
            qb_key(b, "body");
            as_pack_str(&b->pk, (const char *)xmlBufferContent(body),
                        (size_t)xmlBufferLength(body));
        }
        if (has_feedback) {
            qb_key(b, "feedback");
            as_pack_str(&b->pk, (const char *)xmlBufferContent(feedback),
                        (size_t)xmlBufferLength(feedback));
        }
        qb_end(b, m, (has_body ? 1u : 0u) + (has_feedback ? 1u : 0u));
        (*fields)++;
    }
    xmlBufferFree(body);
    xmlBufferFree(feedback);
    return AS_OK;
}
