/* tjson.h — test helper: msgpack bytes from JSON written with single quotes ('a' for "a"), so
 * test cases read like the definitions they describe. */
#ifndef AS_TJSON_H
#define AS_TJSON_H

#include "jsonmp.h"

#include <stdlib.h>
#include <string.h>

/* Packs the JSON text (single quotes turned into double) into sb, which is cleared first.
 * Aborts the test program on invalid JSON: that is a bug in the test. */
static inline void tjson_pack(msgpack_sbuffer *sb, const char *text)
{
    char *t = strdup(text);
    for (char *p = t; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t e;
    json_t *j = json_loads(t, JSON_DECODE_ANY, &e);
    if (!j) {
        fprintf(stderr, "bad test JSON (%s) at %d: %s\n", e.text, e.position, t);
        abort();
    }
    msgpack_sbuffer_clear(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    as_json_pack(&pk, j);
    json_decref(j);
    free(t);
}

#endif
