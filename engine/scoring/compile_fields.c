/* compile_fields.c — the compiler's building blocks (compiler.h): the growing blob, and the
 * readers of definition fields that validate as they read (numbers in range, strings, ids,
 * enumerations, arrays with a limit), each failing with the path of the field. */
#include "compiler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Appends n zeroed bytes at an 8-byte aligned offset and returns that offset (0 on failure,
 * with b->oom set; offset 0 is the header, never a valid heap offset). */
uint32_t as_tc_alloc(as_tc_buf_t *b, size_t n)
{
    size_t off = (b->len + 7) & ~(size_t)7;
    if (b->oom || off + n > AS_TC_MAX_BLOB) {
        b->oom = true;
        return 0;
    }
    if (off + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < off + n)
            cap *= 2;
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            b->oom = true;
            return 0;
        }
        b->data = p;
        b->cap = cap;
    }
    memset(b->data + b->len, 0, off + n - b->len);
    b->len = off + n;
    return (uint32_t)off;
}

uint32_t as_tc_str(as_tc_buf_t *b, const char *s, uint32_t len)
{
    uint32_t off = as_tc_alloc(b, len ? len : 1);
    if (off) memcpy(b->data + off, s, len);
    return off;
}

as_code_t as_tc_fields(as_tc_t *c, as_mp_t *r, as_field_t *f, size_t nf)
{
    return as_fields_read(r, f, nf, &c->path, c->err);
}

/* Enters field f for error paths; returns the mark for as_path_pop. */
size_t as_tc_enter(as_tc_t *c, const as_field_t *f)
{
    return as_path_key(&c->path, f->name, (uint32_t)strlen(f->name));
}

as_code_t as_tc_number(as_tc_t *c, as_field_t *f, double lo, double hi, double *out)
{
    size_t mark = as_tc_enter(c, f);
    if (as_mp_number(&f->at, out) != AS_MP_OK)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a number, got %s",
                         as_mp_type_name(as_mp_peek(&f->at)));
    if (!isfinite(*out) || *out < lo || *out > hi) {
        if (isinf(hi))
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "expected a finite number >= %g, got %g", lo, *out);
        if (isinf(lo))
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a finite number, got %g",
                             *out);
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a number in [%g, %g], got %g",
                         lo, hi, *out);
    }
    as_path_pop(&c->path, mark);
    return AS_OK;
}

as_code_t as_tc_string(as_tc_t *c, as_field_t *f, const char **s, uint32_t *len)
{
    size_t mark = as_tc_enter(c, f);
    if (as_mp_str(&f->at, s, len) != AS_MP_OK)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected a string, got %s",
                         as_mp_type_name(as_mp_peek(&f->at)));
    as_path_pop(&c->path, mark);
    return AS_OK;
}

as_code_t as_tc_id(as_tc_t *c, as_field_t *f, const char **s, uint32_t *len)
{
    as_code_t rc = as_tc_string(c, f, s, len);
    if (rc) return rc;
    if (!as_id_valid(*s, *len)) {
        size_t mark = as_tc_enter(c, f);
        rc = as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                       "expected 1 to %d characters of A-Z a-z 0-9 . _ : -", AS_MAX_ID);
        as_path_pop(&c->path, mark);
    }
    return rc;
}

as_code_t as_tc_enum(as_tc_t *c, as_field_t *f, const char *const *names, int count, int *out)
{
    const char *s;
    uint32_t len;
    as_code_t rc = as_tc_string(c, f, &s, &len);
    if (rc) return rc;
    for (int i = 0; i < count; i++)
        if (as_str_eq(s, len, names[i])) {
            *out = i;
            return AS_OK;
        }
    char list[256];
    size_t used = 0;
    for (int i = 0; i < count; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
    size_t mark = as_tc_enter(c, f);
    rc = as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected one of %s, got \"%.*s\"", list,
                   (int)(len > 64 ? 64 : len), s);
    as_path_pop(&c->path, mark);
    return rc;
}

as_code_t as_tc_base_type(as_tc_t *c, as_field_t *f, int *out)
{
    as_field_t peek = *f;
    const char *s;
    uint32_t len;
    if (as_mp_str(&peek.at, &s, &len) == AS_MP_OK && as_str_eq(s, len, "directedPair")) {
        *out = AS_BT_DIRECTED_PAIR; /* QTI's own spelling of directed_pair */
        f->at = peek.at;
        return AS_OK;
    }
    return as_tc_enum(c, f, as_base_names, AS_BT_COUNT, out);
}

as_code_t as_tc_array_at(as_tc_t *c, as_field_t *f, uint32_t max, uint32_t *n)
{
    size_t mark = as_tc_enter(c, f);
    if (as_mp_array(&f->at, n) != AS_MP_OK)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected an array, got %s",
                         as_mp_type_name(as_mp_peek(&f->at)));
    if (*n > max)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "%u elements, more than the limit of %u",
                         *n, max);
    as_path_pop(&c->path, mark);
    return AS_OK;
}

/* An id that must not repeat among the n (id_off, id_len) records of size stride at off. */
as_code_t as_tc_unique(as_tc_t *c, as_field_t *f, const char *id, uint32_t len, uint32_t off,
                       uint32_t n, size_t stride, const char *what)
{
    for (uint32_t j = 0; j < n; j++) {
        uint32_t io[2];
        memcpy(io, c->b.data + off + j * stride, sizeof io);
        if (io[1] == len && memcmp(c->b.data + io[0], id, len) == 0) {
            as_tc_enter(c, f);
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "%s \"%.*s\" declared twice", what,
                             (int)len, id);
        }
    }
    return AS_OK;
}
