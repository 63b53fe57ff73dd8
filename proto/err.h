/* err.h — the one error type of assay: a protocol error code and a precise message.
 *
 * Every function that can fail on bad input fills an as_err_t and returns its code. Messages say
 * what was wrong and where ("items[3].mapping.entries[0].value: expected a number"); as_path_t
 * builds the "where" part without allocating.
 */
#ifndef AS_ERR_H
#define AS_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* The protocol's error codes (PROTOCOL.md). AS_OK is 0; the order is part of no wire format. */
typedef enum {
    AS_OK = 0,
    AS_BAD_REQUEST,
    AS_NOT_FOUND,
    AS_CONFLICT,
    AS_FORBIDDEN,
    AS_TOO_LARGE,
    AS_OVERLOADED,
    AS_UNAVAILABLE,
    AS_INTERNAL,
    AS_CODE_COUNT
} as_code_t;

#define AS_ERR_MSG_MAX 512

typedef struct {
    as_code_t code;
    char msg[AS_ERR_MSG_MAX];
} as_err_t;

/* The wire name of a code ("bad_request"); "internal" for an out-of-range value. */
const char *as_code_name(as_code_t code);
/* The code named by the len bytes at name, or -1 when none is. */
int as_code_parse(const char *name, size_t len);

/* Sets err (when not NULL) and returns code. The message is truncated to AS_ERR_MSG_MAX-1. */
as_code_t as_err_set(as_err_t *err, as_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A path into a request ("items[2].mapping"), built by push/pop on a fixed buffer. Segments that
 * would overflow it are replaced by "..." so a message is always produced. */
#define AS_PATH_MAX 256
typedef struct {
    char buf[AS_PATH_MAX];
    size_t len;
} as_path_t;

void as_path_init(as_path_t *path, const char *root);
/* Appends ".key" (or "key" when the path is empty); key need not be NUL-terminated. Returns the
 * previous length, to pass to as_path_pop. */
size_t as_path_key(as_path_t *path, const char *key, size_t key_len);
/* Appends "[index]". Returns the previous length. */
size_t as_path_index(as_path_t *path, size_t index);
void as_path_pop(as_path_t *path, size_t len);

/* Sets err with the message "<path>: <fmt...>". */
as_code_t as_err_at(as_err_t *err, as_code_t code, const as_path_t *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
