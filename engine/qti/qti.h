/* qti.h — QTI 2.0 / 2.1 / 2.2 XML to assessment definitions: single assessmentItem and
 * assessmentTest files, and IMS content packages (a zip with imsmanifest.xml) or plain zips of
 * such files. One converter for every client (the engine's assessment.import). The mapping is
 * PROTOCOL.md "Importing QTI".
 *
 * Untrusted input: XML is parsed with no network, no DTD and no entities, files and packages
 * within size limits; every error names the file (inside a package "pkg.zip!/items/q3.xml"), the
 * line and the element.
 */
#ifndef AS_QTI_H
#define AS_QTI_H

#include "err.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AS_QTI_MAX_FILE    (16u << 20)  /* bytes of one XML file */
#define AS_QTI_MAX_PACKAGE (256u << 20) /* bytes of a package's files, uncompressed */
#define AS_QTI_MAX_FILES   100000       /* files in a package */

typedef struct {
    const char *name;          /* the upload's file name, for messages ("upload" if NULL) */
    const char *id;            /* a single item's or test's assessment id (NULL: its identifier) */
    const char *prefix;        /* put before the id of every assessment created (NULL: none) */
    const char *score_outcome; /* the score outcome of an item without SCORE that declares it,
                                  and of a test that declares it (NULL: guess / the sum) */
    const char *root;          /* in a zip without a manifest: import only this file */
    uint32_t graded_max;       /* > 0: an item nobody scores automatically whose score outcome
                                  declares no normalMaximum is graded by people on 0..this
                                  (--graded-max; 0: it stays not scorable) */
} as_qti_opts_t;

/* Converts the bytes at data (XML, or a zip) to definitions. On success *out holds a msgpack
 * array of {id, kind: "item" | "test", source: file, definition: {...}, unscorable: [item ids],
 * blob?: the compiled table (items: compiled here to say the XML line of what is refused)},
 * one per assessment, in the manifest's order (a zip without one: by file name); the caller
 * destroys it. A package's files are converted one by one: a file refused (bad_request) is left
 * out and, when refused is not NULL, described there, and the others go on: *refused then holds
 * a msgpack array of {file, message} (the message names the file, the line and the element),
 * one per file refused, in the order met; a test whose item file is refused is refused with it.
 * With refused NULL the first refusal is the error. Errors: bad_request for a single file (or
 * with refused NULL) with the file, line and element of the problem; too_large over the limits;
 * bad_request when nothing at all converts. */
as_code_t as_qti_import(const uint8_t *data, size_t len, const as_qti_opts_t *opts,
                        msgpack_sbuffer *out, msgpack_sbuffer *refused, as_err_t *err);

/* Once per process, before threads convert (libxml2's global state). */
void as_qti_init(void);

#endif
