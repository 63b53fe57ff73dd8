/* params.h — reading a msgpack map of named fields (request params, definition objects) with
 * precise errors: unknown, repeated or mistyped fields are bad_request at their path. */
#ifndef AS_PARAMS_H
#define AS_PARAMS_H

#include "codec.h"
#include "err.h"

#include <stdbool.h>
#include <stdint.h>

/* One expected field. After as_fields_read, `seen` tells whether it was given and `at` is a
 * cursor at its value. */
typedef struct {
    const char *name;
    bool seen;
    as_mp_t at;
} as_field_t;

#define AS_FIELD(n)                                                                                \
    {                                                                                              \
        .name = (n)                                                                                \
    }

/* Reads the map at r (consuming it), recording each field's value position. */
as_code_t as_fields_read(as_mp_t *r, as_field_t *f, size_t nf, as_path_t *path, as_err_t *err);

/* Typed reads of a seen field, with the error at path.<name>. */
as_code_t as_field_str(as_field_t *f, const char **s, uint32_t *len, as_path_t *path,
                       as_err_t *err);
as_code_t as_field_id(as_field_t *f, const char **s, uint32_t *len, as_path_t *path, as_err_t *err);
as_code_t as_field_bool(as_field_t *f, bool *out, as_path_t *path, as_err_t *err);
/* An integer in [lo, hi]. */
as_code_t as_field_uint(as_field_t *f, uint32_t lo, uint32_t hi, uint32_t *out, as_path_t *path,
                        as_err_t *err);
/* A probability: a number in [0, 1], or [0, 1) when below_one. */
as_code_t as_field_prob(as_field_t *f, bool below_one, double *out, as_path_t *path, as_err_t *err);
/* A missing required field. */
as_code_t as_field_missing(const as_field_t *f, as_path_t *path, as_err_t *err);

/* A learner id or idempotency key: 1..AS_MAX_NAME bytes, no control bytes (UTF-8 welcome). */
as_code_t as_field_name(as_field_t *f, const char **s, uint32_t *len, as_path_t *path,
                        as_err_t *err);
/* A response or job id: a positive integer. */
as_code_t as_field_u64(as_field_t *f, uint64_t *out, as_path_t *path, as_err_t *err);

/* True when (s, len) is a valid id: 1..AS_MAX_ID bytes of [A-Za-z0-9._:-]. */
bool as_id_valid(const char *s, uint32_t len);

#endif
