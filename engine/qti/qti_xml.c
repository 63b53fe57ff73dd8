/* qti_xml.c — the converter's building blocks (qti_int.h): parsing XML safely, reading nodes
 * without allocating, errors with file, line and element, and the counted msgpack builder. */
#include "qti_int.h"

#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void qb_init(qb_t *b)
{
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
}

void qb_destroy(qb_t *b)
{
    msgpack_sbuffer_destroy(&b->sb);
}

static size_t s_open(qb_t *b, uint8_t tag)
{
    size_t at = b->sb.size;
    uint8_t h[5] = {tag, 0, 0, 0, 0};
    as_pack_raw(&b->pk, h, 5);
    return at;
}

size_t qb_map(qb_t *b)
{
    return s_open(b, 0xdf);
}

size_t qb_array(qb_t *b)
{
    return s_open(b, 0xdd);
}

void qb_end(qb_t *b, size_t mark, uint32_t n)
{
    uint8_t *p = (uint8_t *)b->sb.data + mark + 1;
    p[0] = (uint8_t)(n >> 24);
    p[1] = (uint8_t)(n >> 16);
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
}

void qb_str(qb_t *b, const char *s)
{
    as_pack_str(&b->pk, s, strlen(s));
}

void qb_key(qb_t *b, const char *k)
{
    qb_str(b, k);
}

as_code_t qx_fail(qx_t *x, xmlNodePtr node, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (node)
        return as_err_set(x->err, AS_BAD_REQUEST, "%s:%ld: <%s>: %s", x->file, xmlGetLineNo(node),
                          (const char *)node->name, msg);
    return as_err_set(x->err, AS_BAD_REQUEST, "%s: %s", x->file, msg);
}

void as_qti_init(void)
{
    xmlInitParser();
}

xmlDocPtr qx_parse(qx_t *x, const uint8_t *data, size_t len)
{
    if (len > AS_QTI_MAX_FILE) {
        as_err_set(x->err, AS_TOO_LARGE, "%s: %zu bytes, more than the limit of %u MiB", x->file,
                   len, AS_QTI_MAX_FILE >> 20);
        return NULL;
    }
    /* no DTD, no entities: refused before the parser sees them (billion laughs, XXE) */
    if (memmem(data, len, "<!ENTITY", 8) || memmem(data, len, "<!DOCTYPE", 9)) {
        qx_fail(x, NULL, "a DOCTYPE or entity declaration: not allowed (QTI needs neither)");
        return NULL;
    }
    xmlParserCtxtPtr ctx = xmlNewParserCtxt();
    if (!ctx) {
        as_err_set(x->err, AS_INTERNAL, "out of memory parsing %s", x->file);
        return NULL;
    }
    xmlDocPtr doc = xmlCtxtReadMemory(ctx, (const char *)data, (int)len, NULL, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctx);
        char msg[300] = "not well-formed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t n = strlen(msg);
            while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
        }
        as_err_set(x->err, AS_BAD_REQUEST, "%s:%d: malformed XML: %s", x->file, e ? e->line : 0,
                   msg);
    } else if (doc->intSubset || doc->extSubset) {
        /* the byte check above reads only ASCII-compatible encodings: a DTD in UTF-16 (or any
         * other) is refused once parsed (entities were kept unexpanded, nothing was fetched) */
        qx_fail(x, NULL, "a DOCTYPE or entity declaration: not allowed (QTI needs neither)");
        xmlFreeDoc(doc);
        doc = NULL;
    } else if (!xmlDocGetRootElement(doc)) {
        qx_fail(x, NULL, "no root element");
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctx);
    return doc;
}

const char *qx_attr(xmlNodePtr n, const char *name)
{
    xmlAttrPtr a = xmlHasProp(n, (const xmlChar *)name);
    if (!a || !a->children || !a->children->content) return a ? "" : NULL;
    return (const char *)a->children->content;
}

const char *qx_text(xmlNodePtr n, char *buf, size_t cap)
{
    size_t used = 0;
    for (xmlNodePtr c = n->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            size_t l = strlen((const char *)c->content);
            if (used + l >= cap) l = cap - 1 - used;
            memcpy(buf + used, c->content, l);
            used += l;
        }
    buf[used] = '\0';
    char *s = buf;
    while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
        s++;
    size_t l = strlen(s);
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\n' || s[l - 1] == '\t' || s[l - 1] == '\r'))
        s[--l] = '\0';
    return s;
}

bool qx_is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

xmlNodePtr qx_first(xmlNodePtr n)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return c;
    return NULL;
}

xmlNodePtr qx_next(xmlNodePtr n)
{
    for (xmlNodePtr c = n->next; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE) return c;
    return NULL;
}

xmlNodePtr qx_child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = qx_first(n); c; c = qx_next(c))
        if (qx_is(c, name)) return c;
    return NULL;
}
