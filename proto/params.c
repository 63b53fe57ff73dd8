/* params.c — named-field maps with precise errors (see params.h). */
#include "params.h"

#include "protocol.h"

#include <stdio.h>

bool as_id_valid(const char *s, uint32_t len)
{
    if (len == 0 || len > AS_MAX_ID) return false;
    for (uint32_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok) return false;
    }
    return true;
}

as_code_t as_fields_read(as_mp_t *r, as_field_t *f, size_t nf, as_path_t *path, as_err_t *err)
{
    uint32_t n;
    if (as_mp_map(r, &n) != AS_MP_OK)
        return as_err_at(err, AS_BAD_REQUEST, path, "expected a map, got %s",
                         as_mp_type_name(as_mp_peek(r)));
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (as_mp_str(r, &k, &kl) != AS_MP_OK)
            return as_err_at(err, AS_BAD_REQUEST, path, "map keys must be strings");
        size_t j = 0;
        while (j < nf && !as_str_eq(k, kl, f[j].name))
            j++;
        size_t mark = as_path_key(path, k, kl);
        if (j == nf) {
            char known[256] = "";
            size_t used = 0;
            for (size_t x = 0; x < nf && used < sizeof known - 40; x++)
                used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", x ? ", " : "",
                                         f[x].name);
            return as_err_at(err, AS_BAD_REQUEST, path, "unknown field (expected: %s)",
                             nf ? known : "none");
        }
        if (f[j].seen) return as_err_at(err, AS_BAD_REQUEST, path, "field given twice");
        f[j].seen = true;
        f[j].at = *r;
        int rc = as_mp_skip(r, AS_MAX_DEPTH);
        if (rc == AS_MP_EDEPTH)
            return as_err_at(err, AS_BAD_REQUEST, path, "nested deeper than %d levels",
                             AS_MAX_DEPTH);
        if (rc != AS_MP_OK)
            return as_err_at(err, AS_BAD_REQUEST, path, "truncated or malformed msgpack");
        as_path_pop(path, mark);
    }
    return AS_OK;
}

static size_t s_enter(const as_field_t *f, as_path_t *path)
{
    return as_path_key(path, f->name, (uint32_t)strlen(f->name));
}

static as_code_t s_type_error(as_field_t *f, const char *want, as_path_t *path, as_err_t *err)
{
    size_t mark = s_enter(f, path);
    as_code_t rc = as_err_at(err, AS_BAD_REQUEST, path, "expected %s, got %s", want,
                             as_mp_type_name(as_mp_peek(&f->at)));
    as_path_pop(path, mark);
    return rc;
}

as_code_t as_field_str(as_field_t *f, const char **s, uint32_t *len, as_path_t *path, as_err_t *err)
{
    if (as_mp_str(&f->at, s, len) != AS_MP_OK) return s_type_error(f, "a string", path, err);
    return AS_OK;
}

as_code_t as_field_id(as_field_t *f, const char **s, uint32_t *len, as_path_t *path, as_err_t *err)
{
    as_code_t rc = as_field_str(f, s, len, path, err);
    if (rc) return rc;
    if (as_id_valid(*s, *len)) return AS_OK;
    size_t mark = s_enter(f, path);
    rc = as_err_at(err, AS_BAD_REQUEST, path,
                   "expected an id: 1 to %d characters of A-Z a-z 0-9 . _ : -", AS_MAX_ID);
    as_path_pop(path, mark);
    return rc;
}

as_code_t as_field_bool(as_field_t *f, bool *out, as_path_t *path, as_err_t *err)
{
    if (as_mp_bool(&f->at, out) != AS_MP_OK) return s_type_error(f, "true or false", path, err);
    return AS_OK;
}

as_code_t as_field_uint(as_field_t *f, uint32_t lo, uint32_t hi, uint32_t *out, as_path_t *path,
                        as_err_t *err)
{
    int64_t v;
    as_mp_t save = f->at;
    if (as_mp_int(&f->at, &v) != AS_MP_OK || v < lo || v > hi) {
        f->at = save;
        size_t mark = s_enter(f, path);
        as_code_t rc;
        if (as_mp_peek(&save) == AS_MP_INT)
            rc = as_err_at(err, AS_BAD_REQUEST, path, "expected an integer in %u..%u, got %lld", lo,
                           hi, (long long)v);
        else
            rc = as_err_at(err, AS_BAD_REQUEST, path, "expected an integer in %u..%u, got %s", lo,
                           hi, as_mp_type_name(as_mp_peek(&save)));
        as_path_pop(path, mark);
        return rc;
    }
    *out = (uint32_t)v;
    return AS_OK;
}

as_code_t as_field_missing(const as_field_t *f, as_path_t *path, as_err_t *err)
{
    return as_err_at(err, AS_BAD_REQUEST, path, "missing field \"%s\"", f->name);
}

as_code_t as_field_name(as_field_t *f, const char **s, uint32_t *len, as_path_t *path,
                        as_err_t *err)
{
    as_code_t rc = as_field_str(f, s, len, path, err);
    if (rc) return rc;
    bool ok = *len >= 1 && *len <= AS_MAX_NAME;
    for (uint32_t i = 0; ok && i < *len; i++)
        ok = (uint8_t)(*s)[i] >= 0x20 && (*s)[i] != 0x7f;
    if (ok) return AS_OK;
    size_t mark = s_enter(f, path);
    rc = as_err_at(err, AS_BAD_REQUEST, path, "expected 1 to %d bytes without control characters",
                   AS_MAX_NAME);
    as_path_pop(path, mark);
    return rc;
}

as_code_t as_field_u64(as_field_t *f, uint64_t *out, as_path_t *path, as_err_t *err)
{
    int64_t v;
    if (as_mp_int(&f->at, &v) != AS_MP_OK || v < 1) {
        size_t mark = s_enter(f, path);
        as_code_t rc = as_err_at(err, AS_BAD_REQUEST, path, "expected an id, a positive integer");
        as_path_pop(path, mark);
        return rc;
    }
    *out = (uint64_t)v;
    return AS_OK;
}

as_code_t as_field_prob(as_field_t *f, bool below_one, double *out, as_path_t *path, as_err_t *err)
{
    as_mp_t save = f->at;
    bool number = as_mp_number(&f->at, out) == AS_MP_OK;
    if (number && *out >= 0 && (below_one ? *out < 1 : *out <= 1)) return AS_OK;
    f->at = save;
    size_t mark = s_enter(f, path);
    const char *range = below_one ? "[0, 1)" : "[0, 1]";
    as_code_t rc =
        number ? as_err_at(err, AS_BAD_REQUEST, path, "expected a probability in %s, got %g", range,
                           *out)
               : as_err_at(err, AS_BAD_REQUEST, path, "expected a probability in %s, got %s", range,
                           as_mp_type_name(as_mp_peek(&save)));
    as_path_pop(path, mark);
    return rc;
}
