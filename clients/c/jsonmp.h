/* jsonmp.h — JSON <-> msgpack for the clients that speak JSON (the CLI, the HTTP adapter).
 *
 * JSON objects become maps, arrays arrays, strings str, integers int, reals float64, true/false
 * bool and null nil; the reverse maps msgpack the same way (bin and ext become null, non-string
 * map keys their JSON text).
 */
#ifndef AS_JSONMP_H
#define AS_JSONMP_H

#include <jansson.h>
#include <msgpack.h>

/* Packs a JSON value. Returns 0, or -1 when nesting exceeds 64 levels. */
int as_json_pack(msgpack_packer *pk, const json_t *v);
/* A new JSON value for a msgpack object (NULL on allocation failure); the caller json_decref()s. */
json_t *as_json_from(const msgpack_object *o);

#endif
