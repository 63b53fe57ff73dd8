/* handler.c — what the handlers share: reading params, opening the named assessment's table,
 * forwarding a write's arguments to the writer, and paging lists (handler.h). */
#include "handler.h"

#include <stdio.h>
#include <stdlib.h>

/* Reads the params into f (nf fields, of which the first `required` must be given). */
as_code_t as_h_params(as_request_t *req, as_field_t *f, size_t nf, size_t required, as_path_t *path,
                      as_err_t *err)
{
    as_path_init(path, NULL);
    as_mp_t r = req->params;
    as_code_t rc = as_fields_read(&r, f, nf, path, err);
    if (!rc) rc = as_params_end(&r, err);
    for (size_t i = 0; !rc && i < required; i++)
        if (!f[i].seen) rc = as_field_missing(&f[i], path, err);
    return rc;
}

/* The table of the assessment named by field f, opened in the worker's read transaction. */
as_code_t as_h_table(as_worker_t *w, as_field_t *f, as_path_t *path, as_table_t *t, as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_code_t rc = as_field_id(f, &id, &len, path, err);
    return rc ? rc : as_store_table(w->rd, id, len, t, err);
}

void as_h_pack_tstr(msgpack_packer *pk, const as_table_t *t, uint32_t off, uint32_t len)
{
    as_pack_str(pk, as_table_str(t, off), len);
}

/* Appends a copy of len bytes as the write's next argument frame. On an error the worker closes
 * the frames added so far (as_worker_handle closes w->fwd[0, fwd_n)). */
as_code_t as_h_fwd(as_worker_t *w, const void *data, size_t len, as_err_t *err)
{
    if (w->fwd_n == (int)(sizeof w->fwd / sizeof w->fwd[0]))
        return as_err_set(err, AS_INTERNAL, "too many argument frames for the writer");
    zmq_msg_t *m = &w->fwd[w->fwd_n];
    if (zmq_msg_init_size(m, len)) return as_err_set(err, AS_INTERNAL, "out of memory");
    if (len) memcpy(zmq_msg_data(m), data, len);
    w->fwd_n++;
    return AS_OK;
}

static void s_free_frame(void *data, void *hint)
{
    (void)hint;
    free(data);
}

as_code_t as_h_fwd_take(as_worker_t *w, msgpack_sbuffer *sb, as_err_t *err)
{
    if (w->fwd_n == (int)(sizeof w->fwd / sizeof w->fwd[0]))
        return as_err_set(err, AS_INTERNAL, "too many argument frames for the writer");
    size_t len = sb->size;
    char *data = msgpack_sbuffer_release(sb);
    if (zmq_msg_init_data(&w->fwd[w->fwd_n], data, len, s_free_frame, NULL)) {
        free(data);
        return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    w->fwd_n++;
    return AS_OK;
}

/* Packs an array32 header to patch once the count is known; returns its offset. */
size_t as_h_array_later(as_worker_t *w)
{
    return as_pack_count_later(&w->sb, false);
}

void as_h_array_patch(as_worker_t *w, size_t at, uint32_t n)
{
    as_pack_count_patch(&w->sb, at, n);
}

/* Reads a numeric cursor (a decimal id this method returned as next_cursor) into *after. */
as_code_t as_h_owner(as_field_t *f, const char *owner, uint32_t owner_len, const char *what,
                     uint64_t id, as_path_t *path, as_err_t *err)
{
    if (!f->seen) return AS_OK;
    const char *learner;
    uint32_t len;
    as_code_t rc = as_field_name(f, &learner, &len, path, err);
    if (rc) return rc;
    if (len == owner_len && memcmp(learner, owner, len) == 0) return AS_OK;
    return as_err_set(err, AS_FORBIDDEN, "%s %llu is another learner's (not \"%.*s\"'s)", what,
                      (unsigned long long)id, (int)len, learner);
}

as_code_t as_h_id_cursor(as_field_t *f, uint64_t *after, as_path_t *path, as_err_t *err)
{
    const char *cursor;
    uint32_t len;
    *after = 0;
    if (!f->seen || as_mp_peek(&f->at) == AS_MP_NIL) return AS_OK;
    as_code_t rc = as_field_str(f, &cursor, &len, path, err);
    if (rc) return rc;
    char tmp[24];
    char *end;
    bool ok = len > 0 && len < sizeof tmp;
    if (ok) {
        memcpy(tmp, cursor, len);
        tmp[len] = '\0';
        *after = strtoull(tmp, &end, 10);
        ok = *end == '\0' && tmp[0] >= '0' && tmp[0] <= '9';
    }
    if (!ok)
        return as_err_set(err, AS_BAD_REQUEST,
                          "cursor: not a cursor this method returned (next_cursor)");
    return AS_OK;
}

void as_h_pack_id_cursor(msgpack_packer *pk, bool more, uint64_t last)
{
    as_pack_cstr(pk, "next_cursor");
    if (more) {
        char next[24];
        int n = snprintf(next, sizeof next, "%llu", (unsigned long long)last);
        as_pack_str(pk, next, (size_t)n);
    } else {
        msgpack_pack_nil(pk);
    }
}

/* The params of a list keyed by id: {cursor?: str | nil, limit?: 1..AS_MAX_LIST}. */
as_code_t as_h_page_params(as_request_t *req, const char **after, uint32_t *after_len,
                           uint32_t *limit, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("cursor"), AS_FIELD("limit")};
    as_path_t path;
    *after = NULL;
    *after_len = 0;
    *limit = AS_DEFAULT_LIST;
    as_code_t rc = as_h_params(req, f, 2, 0, &path, err);
    if (rc) return rc;
    if (f[0].seen && as_mp_peek(&f[0].at) != AS_MP_NIL &&
        (rc = as_field_str(&f[0], after, after_len, &path, err)))
        return rc;
    if (f[1].seen && (rc = as_field_uint(&f[1], 1, AS_MAX_LIST, limit, &path, err))) return rc;
    return AS_OK;
}

/* The one param, an id, of a method that takes nothing else. */
as_code_t as_h_id_param(as_request_t *req, const char *name, const char **id, uint32_t *len,
                        as_err_t *err)
{
    as_field_t f[] = {{.name = name}};
    as_path_t path;
    as_code_t rc = as_h_params(req, f, 1, 1, &path, err);
    return rc ? rc : as_field_id(&f[0], id, len, &path, err);
}

size_t as_h_page_begin(as_worker_t *w, const char *key)
{
    msgpack_pack_map(&w->pk, 3);
    as_pack_cstr(&w->pk, key);
    return as_h_array_later(w);
}

void as_h_page_end(as_worker_t *w, size_t at, uint32_t rows, bool more, const char *last,
                   uint32_t last_len, uint64_t total)
{
    as_h_array_patch(w, at, rows);
    as_pack_cstr(&w->pk, "next_cursor");
    if (more && rows)
        as_pack_str(&w->pk, last, last_len);
    else
        msgpack_pack_nil(&w->pk);
    as_pack_cstr(&w->pk, "total");
    msgpack_pack_uint64(&w->pk, total);
}

as_code_t as_h_fwd_id(as_worker_t *w, as_request_t *req, const char *name, as_op_t op,
                      as_err_t *err)
{
    const char *id;
    uint32_t len;
    as_code_t rc = as_h_id_param(req, name, &id, &len, err);
    if (rc || (rc = as_h_fwd(w, id, len, err))) return rc;
    w->fwd_op = op;
    return AS_OK;
}
