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

/* json_dumps (same flags, same layout) with every real written as the shortest text that reads
 * back to the same double: 1.9, not 1.8999999999999999. Reals keep a '.' or an exponent
 * ("2.0", "1e20") so they stay reals. NULL on allocation failure; the caller free()s. */
char *as_json_dumps(const json_t *v, size_t flags);
/* Writes the shortest text of a finite x that strtod reads back to x (as above); returns its
 * length (out has room for at least 32 bytes). */
size_t as_json_real_text(double x, char *out);

#endif
