/* qti_int.h — what the QTI converter's files share (qti.h is the interface): a msgpack builder
 * whose maps and arrays are counted as they fill, the current file and its errors, and the
 * readers of XML nodes that allocate nothing. */
#ifndef AS_QTI_INT_H
#define AS_QTI_INT_H

#include "qti.h"

#include "codec.h"
#include "table.h"

#include <libxml/tree.h>
#include <stdbool.h>

/* A msgpack buffer; containers are packed with 32-bit counts patched when they end. */
typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} qb_t;

void qb_init(qb_t *b);
void qb_destroy(qb_t *b);
size_t qb_map(qb_t *b);   /* opens a map: returns its mark */
size_t qb_array(qb_t *b); /* opens an array */
void qb_end(qb_t *b, size_t mark, uint32_t n);
void qb_str(qb_t *b, const char *s);
void qb_key(qb_t *b, const char *k); /* = qb_str */

/* The conversion in progress: the file being read (for messages), options, errors. */
typedef struct {
    char file[1400]; /* "pkg.zip!/items/q3.xml" */
    const as_qti_opts_t *opts;
    as_err_t *err;
} qx_t;

/* bad_request "FILE:LINE: <element>: message" (node may be NULL: "FILE: message"). */
as_code_t qx_fail(qx_t *x, xmlNodePtr node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Parses an XML document with no network, no DTD and no entities (a document declaring one is
 * refused), within the size limit. NULL with the error set. */
xmlDocPtr qx_parse(qx_t *x, const uint8_t *data, size_t len);
/* An attribute's value (a view valid while the document lives), or NULL. */
const char *qx_attr(xmlNodePtr n, const char *name);
/* The element's text (first text child, trimmed into buf). */
const char *qx_text(xmlNodePtr n, char *buf, size_t cap);
/* Whether element n is named (local name) `name`. */
bool qx_is(xmlNodePtr n, const char *name);
/* The first child element named `name`, or NULL; the next element sibling of n. */
xmlNodePtr qx_child(xmlNodePtr n, const char *name);
xmlNodePtr qx_first(xmlNodePtr n);
xmlNodePtr qx_next(xmlNodePtr n);

/* ---- qti_check.c ---- */

/* Compiles an item's definition (def, len) into *c (c->blob malloc'ed) while its XML (root) is
 * at hand: what the compiler refuses is bad_request "FILE:LINE: <element>: path: message", the
 * element the compiler's path leads to in the XML. */
as_code_t qx_check_item(qx_t *x, xmlNodePtr root, const uint8_t *def, size_t len, as_compiled_t *c);

/* ---- qti_item.c ---- */

/* Packs the item map of assessmentItem root with id `id`; *unscorable when it has no response
 * processing. */
as_code_t qx_item(qx_t *x, xmlNodePtr root, const char *id, qb_t *b, bool *unscorable);
/* Packs the declared outcomes (outcomeDeclaration children of n) as our outcome array. */
as_code_t qx_outcomes(qx_t *x, xmlNodePtr n, qb_t *b, uint32_t *count);
/* ---- qti_extension.c ---- */

/* Packs the settings of root's <?assay ...?> processing instructions as key/value pairs, those
 * of an assessment (test) or of an item, counting them in *fields; bad_request for a malformed
 * instruction or an unknown setting. */
as_code_t qx_settings(qx_t *x, xmlNodePtr root, bool test, qb_t *b, uint32_t *fields);
/* Packs "qti": {body?, feedback?}, the item's stylesheets and itemBody, and its modalFeedback,
 * as XML text, when it has any (counted in *fields). */
as_code_t qx_content(qx_t *x, xmlNodePtr root, qb_t *b, uint32_t *fields);

/* ---- qti_rules.c ---- */

/* Packs the rules of a responseProcessing / outcomeProcessing element. */
as_code_t qx_rules(qx_t *x, xmlNodePtr parent, qb_t *b, bool test);

/* ---- qti_item.c, values ---- */
/* Packs a typed value from text: identifier/string as a string, integer, float, boolean, pair,
 * directedPair and point as QTI writes them. base: our base type name. */
as_code_t qx_value(qx_t *x, xmlNodePtr n, const char *base, const char *text, qb_t *b);
/* Our base type name of a QTI baseType ("directedPair" -> "directed_pair"), or NULL. */
const char *qx_base(const char *qti);

#endif
