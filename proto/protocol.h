/* protocol.h — wire protocol v1 (PROTOCOL.md): message bodies and the limits both ends enforce.
 *
 * Request body  [0, msgid, method, params]   msgid uint32, method str, params map
 * Response body [1, msgid, error, result]    error nil or {"code": str, "message": str}
 */
#ifndef AS_PROTOCOL_H
#define AS_PROTOCOL_H

#include "codec.h"
#include "err.h"

#define AS_PROTOCOL_VERSION 1

/* Limits (PROTOCOL.md "Limits"). A request beyond one is answered with bad_request or too_large. */
#define AS_DEFAULT_MAX_MESSAGE (1u << 20) /* bytes per request frame, assayd --max-message */
#define AS_DEFAULT_MAX_ADMIN_MESSAGE (80u << 20) /* on admin sockets, --max-admin-message */
#define AS_MAX_DEPTH           64         /* nesting of msgpack containers in a request */
#define AS_MAX_ID              64         /* bytes of an assessment or item id */
#define AS_MAX_NAME            128        /* bytes of a learner id or an idempotency key */
#define AS_MAX_ATTEMPTS        1000000    /* the largest max_attempts of an assessment */
#define AS_MAX_TITLE           1024       /* bytes of a title */
#define AS_MAX_ITEMS           10000      /* items per assessment */
#define AS_MAX_VALUES          1000       /* values in one answer, and in one `correct` list */
#define AS_MAX_ENTRIES         10000      /* entries per mapping or area mapping */
#define AS_MAX_COORDS          2000       /* numbers in one area's coords (1000 polygon points) */
#define AS_MAX_STRING          4096       /* bytes of one value string */
#define AS_MAX_BATCH           100000     /* responses in one score_batch */
#define AS_MAX_ITEM_SKILLS     32         /* skills one item gives evidence of */
#define AS_MAX_LIST            200        /* limit of a list page */
#define AS_DEFAULT_LIST        50

typedef struct {
    uint32_t msgid;
    const char *method; /* view into the body, not NUL-terminated */
    uint32_t method_len;
    as_mp_t params; /* cursor at the params map (its contents not yet validated) */
} as_request_t;

/* Decodes a request body's envelope: [0, msgid, method, params] with params a map. The params'
 * contents are validated by whoever reads them (as_fields_read: depth, truncation, and
 * as_params_end: no bytes after the map), so a request is walked once, not twice. On error, fills
 * err (bad_request with what was wrong) and, when the msgid could be read, req->msgid (else 0).
 * The views in req point into body. */
as_code_t as_request_decode(const void *body, size_t len, as_request_t *req, as_err_t *err);

/* After the params map has been read up to r: bad_request when bytes follow it. */
as_code_t as_params_end(const as_mp_t *r, as_err_t *err);

/* Best effort: the msgid of a body too damaged or too large to decode; 0 when unreadable. */
uint32_t as_peek_msgid(const void *body, size_t len);

/* Starts a success response: writes [1, msgid, nil, and the caller packs the result. */
void as_response_ok(msgpack_packer *pk, uint32_t msgid);
/* Writes a whole error response [1, msgid, {"code","message"}, nil]. */
void as_response_error(msgpack_packer *pk, uint32_t msgid, as_code_t code, const char *message);
/* Writes a whole request [0, msgid, method, params]; params are raw msgpack (a map), or an empty
 * map when params is NULL. */
void as_request_encode(msgpack_packer *pk, uint32_t msgid, const char *method, const void *params,
                       size_t params_len);

#endif
