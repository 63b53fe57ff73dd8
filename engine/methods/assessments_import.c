/* assessments_import.c — assessment.import: QTI XML or a package (engine/qti) converted here,
 * each definition compiled and checked here, then stored by the writer all or none (or, with
 * dry_run, described and nothing stored). PROTOCOL.md "assessment.import". */
#include "handler.h"
#include "qti.h"
#include "writes.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of key in map m (the converter's output), or a nil object. */
static const msgpack_object *s_get(const msgpack_object *m, const char *key)
{
    static const msgpack_object nil = {.type = MSGPACK_OBJECT_NIL};
    for (uint32_t i = 0; m->type == MSGPACK_OBJECT_MAP && i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && as_str_eq(k->via.str.ptr, k->via.str.size, key))
            return &m->via.map.ptr[i].val;
    }
    return &nil;
}

/* An optional string param into a NUL-terminated buffer. */
static as_code_t s_opt_str(as_field_t *f, char *buf, size_t cap, const char **out, as_path_t *path,
                           as_err_t *err)
{
    const char *s;
    uint32_t len;
    *out = NULL;
    if (!f->seen || as_mp_peek(&f->at) == AS_MP_NIL) return AS_OK;
    as_code_t rc = as_field_str(f, &s, &len, path, err);
    if (rc) return rc;
    if (len >= cap || memchr(s, 0, len))
        return as_err_set(err, AS_BAD_REQUEST, "%s: longer than %zu bytes or not text", f->name,
                          cap - 1);
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = buf;
    return AS_OK;
}

/* Where a compiled blob holds its id. */
static uint32_t s_blob_id(const as_compiled_t *c)
{
    as_thdr_t h;
    memcpy(&h, c->blob, sizeof h);
    return h.id_off;
}

/* Order of compiled assessments by id. */
static int s_id_cmp(const void *x, const void *y, void *arg)
{
    const as_compiled_t *c = arg, *a = &c[*(const uint32_t *)x], *b = &c[*(const uint32_t *)y];
    uint32_t n = a->id_len < b->id_len ? a->id_len : b->id_len;
    int d = memcmp(a->blob + s_blob_id(a), b->blob + s_blob_id(b), n);
    return d ? d : (int)a->id_len - (int)b->id_len;
}

/* What an entry replaces: the assessment of its id already stored, if any. */
typedef struct {
    bool exists;
    uint32_t version;
    uint64_t responses; /* stored for it */
} s_prev_t;

/* What the assessment of this id replaces, read by a worker (a dry run) or by the writer. */
static s_prev_t s_prev_rd(as_reader_t *rd, const char *id, uint32_t len)
{
    as_table_t old;
    as_err_t none;
    s_prev_t prev = {.exists = !as_store_table(rd, id, len, &old, &none)};
    if (prev.exists) {
        prev.version = old.hdr.version;
        prev.responses = as_store_response_count_rd(rd, id, len);
    }
    return prev;
}

static s_prev_t s_prev_w(as_wtxn_t *txn, const char *id, uint32_t len)
{
    as_table_t old;
    as_err_t none;
    s_prev_t prev = {.exists = !as_store_wtable(txn, id, len, &old, &none)};
    if (prev.exists) {
        prev.version = old.hdr.version;
        prev.responses = as_store_response_count(txn, id, len);
    }
    return prev;
}

/* Appends to a bounded message what fits of the formatted text; *used stays below cap. */
static void s_appendf(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
    if (*used >= cap - 1) return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + *used, cap - *used, fmt, ap);
    va_end(ap);
    *used = k > 0 && (size_t)k < cap - *used ? *used + (size_t)k : cap - 1;
}

/* What the compiled table says of its items, three pairs: graded, the items people score
 * (graded); no_score, the items with processing but no score outcome (their outcomes computed,
 * their score null: name it with --score-outcome); warnings, each item whose processing can
 * score above its declared max. */
static void s_pack_item_notes(msgpack_packer *pk, const as_table_t *t)
{
    uint32_t n_none = 0, n_over = 0, n_graded = 0;
    for (uint32_t i = 0; i < t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        n_none += (it.flags & AS_TF_UNSCORABLE) && it.prog_len;
        n_over += (it.flags & AS_TF_OVER_MAX) != 0;
        n_graded += (it.flags & AS_TF_GRADED) != 0;
    }
    as_pack_cstr(pk, "graded");
    msgpack_pack_array(pk, n_graded);
    for (uint32_t i = 0; i < t->hdr.n_items && n_graded; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        if (it.flags & AS_TF_GRADED) as_pack_str(pk, as_table_str(t, it.id_off), it.id_len);
    }
    as_pack_cstr(pk, "no_score");
    msgpack_pack_array(pk, n_none);
    for (uint32_t i = 0; i < t->hdr.n_items && n_none; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        if ((it.flags & AS_TF_UNSCORABLE) && it.prog_len)
            as_pack_str(pk, as_table_str(t, it.id_off), it.id_len);
    }
    as_pack_cstr(pk, "warnings");
    msgpack_pack_array(pk, n_over);
    for (uint32_t i = 0; i < t->hdr.n_items && n_over; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        if (!(it.flags & AS_TF_OVER_MAX)) continue;
        char msg[256], up[64] = "without bound";
        if (!isnan(it.raw_hi)) snprintf(up, sizeof up, "up to %g", it.raw_hi * it.weight);
        int k = snprintf(msg, sizeof msg,
                         "item %.*s: its processing can score %s, above its declared max %g (a "
                         "result above it says over_max)",
                         (int)it.id_len, as_table_str(t, it.id_off), up, it.max_score);
        as_pack_str(pk, msg, k > 0 && (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1);
    }
}

/* Packs one entry of the result: {id, kind, source, items, max_score, unscorable, graded,
 * no_score, warnings, replaces, version?}; replaces: nil, or {version, responses} of the
 * assessment it replaces (or would). */
static void s_pack_entry(msgpack_packer *pk, const msgpack_object *e, const as_table_t *t,
                         uint32_t version, const s_prev_t *prev)
{
    msgpack_pack_map(pk, version ? 11 : 10);
    s_pack_item_notes(pk, t);
    as_pack_cstr(pk, "replaces");
    if (prev->exists) {
        msgpack_pack_map(pk, 2);
        as_pack_cstr(pk, "version");
        msgpack_pack_uint32(pk, prev->version);
        as_pack_cstr(pk, "responses");
        msgpack_pack_uint64(pk, prev->responses);
    } else {
        msgpack_pack_nil(pk);
    }
    static const char *const keep[] = {"id", "kind", "source", "unscorable"};
    for (size_t i = 0; i < 4; i++) {
        as_pack_cstr(pk, keep[i]);
        msgpack_pack_object(pk, *s_get(e, keep[i]));
    }
    as_pack_cstr(pk, "items");
    msgpack_pack_uint32(pk, t->hdr.n_items);
    as_pack_cstr(pk, "max_score");
    as_pack_num(pk, t->hdr.max_score);
    if (version) {
        as_pack_cstr(pk, "version");
        msgpack_pack_uint32(pk, version);
    }
}

/* The files an import refused: {file, message} entries (the converter's, then the compiler's),
 * and a summary of them for the error that refuses the import whole. */
typedef struct {
    msgpack_sbuffer sb; /* the entries, packed one after the other */
    msgpack_packer pk;
    uint32_t n;
    char summary[AS_ERR_MSG_MAX];
    size_t used;
} s_refusals_t;

static void s_refused(s_refusals_t *r, const char *file, size_t flen, const char *msg, size_t mlen)
{
    msgpack_pack_map(&r->pk, 2);
    as_pack_cstr(&r->pk, "file");
    as_pack_str(&r->pk, file, flen);
    as_pack_cstr(&r->pk, "message");
    as_pack_str(&r->pk, msg, mlen);
    r->n++;
    s_appendf(r->summary, sizeof r->summary, &r->used, "%s%.*s", r->n > 1 ? "; " : "", (int)mlen,
              msg);
}

/* Packs the refusals as an array. */
static void s_pack_refused(msgpack_packer *pk, const s_refusals_t *r)
{
    msgpack_pack_array(pk, r->n);
    msgpack_sbuffer_write(pk->data, r->sb.data, r->sb.size);
}

as_code_t as_handle_import(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("data"),      AS_FIELD("name"),          AS_FIELD("id"),
                      AS_FIELD("root"),      AS_FIELD("score_outcome"), AS_FIELD("dry_run"),
                      AS_FIELD("replace"),   AS_FIELD("skip_invalid"),  AS_FIELD("prefix"),
                      AS_FIELD("graded_max")};
    as_path_t path;
    as_code_t rc = as_h_params(req, f, 10, 1, &path, err);
    if (rc) return rc;
    const uint8_t *data;
    uint32_t len;
    if (as_mp_bytes(&f[0].at, &data, &len) != AS_MP_OK)
        return as_err_set(err, AS_BAD_REQUEST, "data: expected bytes (bin) or a string of XML");
    char name[256], id[AS_MAX_ID + 1], root[512], so[AS_MAX_ID + 1], prefix[AS_MAX_ID + 1];
    as_qti_opts_t o = {0};
    bool dry = false, replace = false, skip = false;
    if ((rc = s_opt_str(&f[1], name, sizeof name, &o.name, &path, err)) ||
        (rc = s_opt_str(&f[2], id, sizeof id, &o.id, &path, err)) ||
        (rc = s_opt_str(&f[3], root, sizeof root, &o.root, &path, err)) ||
        (rc = s_opt_str(&f[4], so, sizeof so, &o.score_outcome, &path, err)) ||
        (rc = s_opt_str(&f[8], prefix, sizeof prefix, &o.prefix, &path, err)))
        return rc;
    if (o.id && !as_id_valid(o.id, (uint32_t)strlen(o.id)))
        return as_err_set(err, AS_BAD_REQUEST,
                          "id: expected 1 to %d characters of A-Z a-z 0-9 . _ : -", AS_MAX_ID);
    if (o.prefix && !as_id_valid(o.prefix, (uint32_t)strlen(o.prefix)))
        return as_err_set(err, AS_BAD_REQUEST,
                          "prefix: expected 1 to %d characters of A-Z a-z 0-9 . _ : -", AS_MAX_ID);
    if (f[9].seen && (rc = as_field_uint(&f[9], 1, 100, &o.graded_max, &path, err))) return rc;
    if ((f[5].seen && (rc = as_field_bool(&f[5], &dry, &path, err))) ||
        (f[6].seen && (rc = as_field_bool(&f[6], &replace, &path, err))) ||
        (f[7].seen && (rc = as_field_bool(&f[7], &skip, &path, err))))
        return rc;
    msgpack_sbuffer out, conv_refused, def;
    msgpack_sbuffer_init(&out);
    msgpack_sbuffer_init(&conv_refused);
    msgpack_sbuffer_init(&def);
    msgpack_packer dpk;
    msgpack_packer_init(&dpk, &def, msgpack_sbuffer_write);
    s_refusals_t refusals = {0};
    msgpack_sbuffer_init(&refusals.sb);
    msgpack_packer_init(&refusals.pk, &refusals.sb, msgpack_sbuffer_write);
    msgpack_unpacked u, ur;
    msgpack_unpacked_init(&u);
    msgpack_unpacked_init(&ur);
    as_compiled_t *c = NULL;
    const msgpack_object **ent = NULL; /* the entries kept, in order */
    uint32_t n = 0;
    if ((rc = as_qti_import(data, len, &o, &out, &conv_refused, err))) goto done;
    if (msgpack_unpack_next(&u, out.data, out.size, NULL) != MSGPACK_UNPACK_SUCCESS ||
        msgpack_unpack_next(&ur, conv_refused.data, conv_refused.size, NULL) !=
            MSGPACK_UNPACK_SUCCESS) {
        rc = as_err_set(err, AS_INTERNAL, "the converter's output is unreadable");
        goto done;
    }
    for (uint32_t i = 0; i < ur.data.via.array.size; i++) {
        const msgpack_object *e = &ur.data.via.array.ptr[i], *fl = s_get(e, "file"),
                             *m = s_get(e, "message");
        s_refused(&refusals, fl->via.str.ptr, fl->via.str.size, m->via.str.ptr, m->via.str.size);
    }
    uint32_t total = u.data.via.array.size;
    if (o.id && total + ur.data.via.array.size > 1) {
        rc = as_err_set(err, AS_BAD_REQUEST,
                        "id: names the one assessment of a single item, or of a test with its "
                        "items; this upload has %u (import it without id, or with a prefix)",
                        total + ur.data.via.array.size);
        goto done;
    }
    c = calloc(total ? total : 1, sizeof *c);
    ent = calloc(total ? total : 1, sizeof *ent);
    if (!c || !ent) {
        rc = as_err_set(err, AS_INTERNAL, "out of memory");
        goto done;
    }
    /* every definition compiles (a test that does not is refused, as a file), and no two share
     * an id, before anything is stored */
    for (uint32_t i = 0; i < total && !rc; i++) {
        const msgpack_object *e = &u.data.via.array.ptr[i], *blob = s_get(e, "blob");
        if (blob->type == MSGPACK_OBJECT_BIN) { /* an item: the converter compiled it */
            c[n].size = blob->via.bin.size;
            if (!(c[n].blob = malloc(c[n].size))) {
                rc = as_err_set(err, AS_INTERNAL, "out of memory");
                break;
            }
            memcpy(c[n].blob, blob->via.bin.ptr, c[n].size);
            as_thdr_t h;
            memcpy(&h, c[n].blob, sizeof h);
            c[n].id_len = h.id_len;
            ent[n++] = e;
            continue;
        }
        msgpack_sbuffer_clear(&def);
        msgpack_pack_object(&dpk, *s_get(e, "definition"));
        as_err_t why;
        if (as_table_compile((const uint8_t *)def.data, def.size, &c[n], &why)) {
            const msgpack_object *src = s_get(e, "source");
            char msg[AS_ERR_MSG_MAX];
            int k = snprintf(msg, sizeof msg, "%.*s: %s", (int)src->via.str.size, src->via.str.ptr,
                             why.msg);
            s_refused(&refusals, src->via.str.ptr, src->via.str.size, msg,
                      k > 0 && (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1);
            continue;
        }
        ent[n++] = e;
    }
    if (!rc && refusals.n && !dry && !skip)
        rc = as_err_set(err, AS_BAD_REQUEST,
                        "%u file(s) refused, so nothing is stored (a dry run lists them all; "
                        "skip_invalid stores the others): %s",
                        refusals.n, refusals.summary);
    if (!rc && !n && !dry)
        rc = as_err_set(err, AS_BAD_REQUEST, "every file was refused: %s", refusals.summary);
    /* no two share an id: sorted by id (from the blobs: the compiler's id pointed into def) */
    uint32_t *order = rc ? NULL : malloc((n ? n : 1) * sizeof *order);
    if (!rc && !order) rc = as_err_set(err, AS_INTERNAL, "out of memory");
    for (uint32_t i = 0; i < n && !rc; i++)
        order[i] = i;
    if (!rc) qsort_r(order, n, sizeof *order, s_id_cmp, c);
    for (uint32_t i = 1; i < n && !rc; i++)
        if (s_id_cmp(&order[i - 1], &order[i], c) == 0)
            rc = as_err_set(
                err, AS_BAD_REQUEST, "two assessments of the upload have the id \"%.*s\"",
                (int)c[order[i]].id_len, (const char *)c[order[i]].blob + s_blob_id(&c[order[i]]));
    free(order);
    if (!rc && dry) {
        msgpack_pack_map(&w->pk, 3);
        as_pack_cstr(&w->pk, "dry_run");
        msgpack_pack_true(&w->pk);
        as_pack_cstr(&w->pk, "assessments");
        msgpack_pack_array(&w->pk, n);
        for (uint32_t i = 0; i < n; i++) {
            as_table_t t;
            as_table_open(c[i].blob, c[i].size, &t, err);
            s_prev_t prev = s_prev_rd(w->rd, as_table_str(&t, t.hdr.id_off), t.hdr.id_len);
            s_pack_entry(&w->pk, ent[i], &t, 0, &prev);
        }
        as_pack_cstr(&w->pk, "refused");
        s_pack_refused(&w->pk, &refusals);
    } else if (!rc) {
        /* frames: the entries' id, kind, source and unscorable; [[definition, blob]...] as bins;
         * replace; the refusals the reply lists */
        msgpack_sbuffer slim;
        msgpack_sbuffer_init(&slim);
        msgpack_packer spk;
        msgpack_packer_init(&spk, &slim, msgpack_sbuffer_write);
        msgpack_pack_array(&spk, n);
        static const char *const keep[] = {"id", "kind", "source", "unscorable"};
        for (uint32_t i = 0; i < n; i++) {
            msgpack_pack_map(&spk, 4);
            for (size_t k = 0; k < 4; k++) {
                as_pack_cstr(&spk, keep[k]);
                msgpack_pack_object(&spk, *s_get(ent[i], keep[k]));
            }
        }
        rc = as_h_fwd(w, slim.data, slim.size, err);
        msgpack_sbuffer all;
        msgpack_sbuffer_init(&all);
        msgpack_packer apk;
        msgpack_packer_init(&apk, &all, msgpack_sbuffer_write);
        msgpack_pack_array(&apk, n);
        for (uint32_t i = 0; i < n && !rc; i++) {
            msgpack_sbuffer_clear(&def);
            msgpack_pack_object(&dpk, *s_get(ent[i], "definition"));
            msgpack_pack_array(&apk, 2);
            msgpack_pack_bin(&apk, def.size);
            msgpack_pack_bin_body(&apk, def.data, def.size);
            msgpack_pack_bin(&apk, c[i].size);
            msgpack_pack_bin_body(&apk, c[i].blob, c[i].size);
        }
        if (!rc) rc = as_h_fwd(w, all.data, all.size, err);
        msgpack_sbuffer_destroy(&all);
        uint8_t replace_byte = replace;
        if (!rc) rc = as_h_fwd(w, &replace_byte, 1, err);
        msgpack_sbuffer_clear(&slim);
        s_pack_refused(&spk, &refusals);
        if (!rc) rc = as_h_fwd(w, slim.data, slim.size, err);
        msgpack_sbuffer_destroy(&slim);
        if (!rc) w->fwd_op = AS_OP_IMPORT;
    }
done:
    for (uint32_t i = 0; c && i < n; i++)
        free(c[i].blob);
    free(c);
    free(ent);
    msgpack_unpacked_destroy(&u);
    msgpack_unpacked_destroy(&ur);
    msgpack_sbuffer_destroy(&out);
    msgpack_sbuffer_destroy(&conv_refused);
    msgpack_sbuffer_destroy(&def);
    msgpack_sbuffer_destroy(&refusals.sb);
    return rc;
}

/* Definition i and blob i of the second frame, [[definition, blob]...]. */
static bool s_pair(as_mp_t *r, const uint8_t **src, uint32_t *slen, const uint8_t **blob,
                   uint32_t *blen)
{
    uint32_t two;
    return as_mp_array(r, &two) == AS_MP_OK && two == 2 && as_mp_bytes(r, src, slen) == AS_MP_OK &&
           as_mp_bytes(r, blob, blen) == AS_MP_OK;
}

/* Says which of the import's assessments exist already (err: conflict naming each with its
 * version and stored responses); AS_OK when none does. */
static as_code_t s_refuse_replacing(as_wtxn_t *txn, as_mp_t r, uint32_t n, as_err_t *err)
{
    char list[700] = "";
    size_t used = 0;
    uint32_t found = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *src, *blob;
        uint32_t slen, blen;
        as_table_t t;
        as_err_t none;
        if (!s_pair(&r, &src, &slen, &blob, &blen) || as_table_open(blob, blen, &t, &none))
            return as_err_set(err, AS_INTERNAL, "malformed import from a worker");
        const char *id = as_table_str(&t, t.hdr.id_off);
        s_prev_t prev = s_prev_w(txn, id, t.hdr.id_len);
        if (!prev.exists) continue;
        found++;
        s_appendf(list, sizeof list, &used, "%s\"%.*s\" (version %u, %llu stored response(s))",
                  found > 1 ? ", " : "", (int)t.hdr.id_len, id, prev.version,
                  (unsigned long long)prev.responses);
    }
    if (!found) return AS_OK;
    return as_err_set(err, AS_CONFLICT,
                      "the import would replace %u assessment(s) already stored: %s; import with "
                      "replace (assay import --replace) to replace them, or with another id",
                      found, list);
}

/* args: [entries], [[definition, blob]...], [replace], [refused]: every table is checked before
 * any is stored, so the import is all or none (a full map retries the whole batch); without
 * replace, an assessment of the same id already stored refuses it whole. refused: the files the
 * worker refused (skip_invalid), listed in the reply. */
void as_write_import(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t len, plen;
    const char *entries = as_write_arg(w, 0, &len);
    const char *pairs = as_write_arg(w, 1, &plen);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    as_mp_t r;
    uint32_t n = 0;
    as_mp_init(&r, pairs, plen);
    if (msgpack_unpack_next(&u, entries, len, NULL) != MSGPACK_UNPACK_SUCCESS ||
        u.data.type != MSGPACK_OBJECT_ARRAY || as_mp_array(&r, &n) != AS_MP_OK ||
        n != u.data.via.array.size) {
        msgpack_unpacked_destroy(&u);
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed import from a worker");
        return;
    }
    as_mp_t first = r;
    size_t rlen;
    const char *replace = as_write_arg(w, 2, &rlen);
    if (!(rlen == 1 && replace[0])) w->code = s_refuse_replacing(txn, first, n, &w->err);
    for (uint32_t i = 0; i < n && !w->code; i++) {
        const uint8_t *src, *blob;
        uint32_t slen, blen;
        as_table_t t;
        if (!s_pair(&r, &src, &slen, &blob, &blen))
            w->code = as_err_set(&w->err, AS_INTERNAL, "malformed import from a worker");
        else if (!(w->code = as_table_open(blob, blen, &t, &w->err)))
            w->code = as_store_skills_wcheck(txn, &t, &w->err);
    }
    msgpack_packer *pk = &w->reply_pk;
    size_t refused_len;
    const char *refused = as_write_arg(w, 3, &refused_len);
    if (!w->code) {
        as_response_ok(pk, w->hdr.msgid);
        msgpack_pack_map(pk, 3);
        as_pack_cstr(pk, "dry_run");
        msgpack_pack_false(pk);
        as_pack_cstr(pk, "refused");
        as_pack_raw(pk, refused, refused_len);
        as_pack_cstr(pk, "assessments");
        msgpack_pack_array(pk, n);
    }
    r = first;
    for (uint32_t i = 0; i < n && !w->code; i++) {
        const uint8_t *src, *blob;
        uint32_t slen, blen, version;
        as_table_t t;
        s_pair(&r, &src, &slen, &blob, &blen);
        /* the blob is patched with its version: a copy, the frame is read-only */
        uint8_t *copy = malloc(blen);
        if (!copy) {
            w->code = as_err_set(&w->err, AS_INTERNAL, "out of memory");
            break;
        }
        memcpy(copy, blob, blen);
        as_table_open(copy, blen, &t, &w->err);
        const char *id = as_table_str(&t, t.hdr.id_off);
        s_prev_t prev = s_prev_w(txn, id, t.hdr.id_len);
        w->code = as_store_put_assessment(txn, id, t.hdr.id_len, src, slen, copy, blen, &version,
                                          &w->err);
        if (!w->code) {
            s_pack_entry(pk, &u.data.via.array.ptr[i], &t, version, &prev);
            as_write_put_note(w, txn, &t, version);
        }
        free(copy);
    }
    msgpack_unpacked_destroy(&u);
}
