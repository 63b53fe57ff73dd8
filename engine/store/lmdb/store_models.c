/* store_models.c — deep knowledge tracing models and learners' states of them.
 *
 *   models        model id              -> as_model_rec_t
 *   model_blobs   model id              -> the compiled model (tracing/model.h), read in place
 *   model_sources model id              -> the model as put (msgpack), for model.get weights
 *   model_states  [model, 0, learner]   -> 1 or 2 slots: {gen u32, steps u32, n_state floats}
 *   meta          mg:<id>               -> {last version, last generation} of a deleted model
 *
 * States are keyed by model first, so deleting a model is one range, and a learner's state of
 * each model is one lookup. As for skills (store_mastery.c), an entry holds a second slot only
 * while a recompute builds a new generation beside the live one.
 */
#include "model_slots.h"
#include "protocol.h"
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    uint32_t version, gen;
} s_gone_t;

static MDB_val s_gone_key(char *kb, const char *id, uint32_t len)
{
    memcpy(kb, "mg:", 3);
    memcpy(kb + 3, id, len);
    return (MDB_val){3 + (size_t)len, kb};
}

static as_code_t s_get(as_store_t *st, MDB_txn *txn, const char *id, uint32_t len,
                       as_model_rec_t *rec, const void **blob, size_t *blob_len, as_err_t *err)
{
    MDB_val k = {len, (void *)id}, v;
    int rc = mdb_get(txn, st->models, &k, &v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "model \"%.*s\" not found", (int)len, id);
    if (rc) return as_store_mdb(st, rc, err, "read model");
    if (v.mv_size != sizeof *rec)
        return as_err_set(err, AS_INTERNAL, "model \"%.*s\": corrupt record", (int)len, id);
    memcpy(rec, v.mv_data, sizeof *rec);
    if (!blob) return AS_OK;
    if ((rc = mdb_get(txn, st->model_blobs, &k, &v)))
        return as_store_mdb(st, rc, err, "read model");
    *blob = v.mv_data;
    *blob_len = v.mv_size;
    return AS_OK;
}

as_code_t as_lmdb_store_model_get(as_reader_t *rd, const char *id, uint32_t len,
                                  as_model_rec_t *rec, const void **blob, size_t *blob_len,
                                  as_err_t *err)
{
    return s_get(rd->store, rd->txn, id, len, rec, blob, blob_len, err);
}

as_code_t as_lmdb_store_model_wget(as_wtxn_t *w, const char *id, uint32_t len, as_model_rec_t *rec,
                                   const void **blob, size_t *blob_len, as_err_t *err)
{
    return s_get(w->store, w->txn, id, len, rec, blob, blob_len, err);
}

as_code_t as_lmdb_store_model_source(as_reader_t *rd, const char *id, uint32_t len,
                                     const void **src, size_t *src_len, as_err_t *err)
{
    MDB_val k = {len, (void *)id}, v;
    int rc = mdb_get(rd->txn, rd->store->model_sources, &k, &v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "model \"%.*s\" not found", (int)len, id);
    if (rc) return as_store_mdb(rd->store, rc, err, "read model");
    *src = v.mv_data;
    *src_len = v.mv_size;
    return AS_OK;
}

as_code_t as_lmdb_store_model_set(as_wtxn_t *w, const char *id, uint32_t len,
                                  const as_model_rec_t *rec, as_err_t *err)
{
    MDB_val k = {len, (void *)id}, v = {sizeof *rec, (void *)rec};
    int rc = mdb_put(w->txn, w->store->models, &k, &v, 0);
    return rc ? as_store_mdb(w->store, rc, err, "store model") : AS_OK;
}

/* Deletes every key of db that starts with prefix. */
static int s_delete_range(MDB_txn *txn, MDB_dbi db, const void *prefix, size_t n)
{
    MDB_cursor *cur;
    MDB_val k = {n, (void *)prefix}, v;
    int rc = mdb_cursor_open(txn, db, &cur);
    if (rc) return rc;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size >= n && memcmp(k.mv_data, prefix, n) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if ((rc = mdb_cursor_del(cur, 0))) break;
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

as_code_t as_lmdb_store_model_put(as_wtxn_t *w, const char *id, uint32_t len, uint32_t kind,
                                  const void *blob, size_t blob_len, const void *src,
                                  size_t src_len, as_model_rec_t *rec, bool *created, as_err_t *err)
{
    as_err_t ignored;
    as_code_t rc = as_lmdb_store_model_wget(w, id, len, rec, NULL, NULL, &ignored);
    if (rc && rc != AS_NOT_FOUND) {
        *err = ignored;
        return rc;
    }
    *created = rc == AS_NOT_FOUND;
    if (*created) {
        /* versions and generations continue from a deleted model of the same id */
        char kb[4 + AS_MAX_ID];
        MDB_val k = s_gone_key(kb, id, len), v;
        s_gone_t gone = {0, 0};
        if (mdb_get(w->txn, w->store->meta, &k, &v) == 0 && v.mv_size == sizeof gone)
            memcpy(&gone, v.mv_data, sizeof gone);
        *rec = (as_model_rec_t){.version = gone.version, .last_gen = gone.gen};
    }
    /* a new version: states of the old one do not fit it (its sizes may differ): dropped */
    if (!*created) {
        as_key_t prefix = {.n = 0};
        as_key_add(&prefix, id, len);
        as_key_sep(&prefix);
        int drc = s_delete_range(w->txn, w->store->model_states, prefix.b, prefix.n);
        if (drc) return as_store_mdb(w->store, drc, err, "store model");
    }
    as_model_rec_new_version(rec, kind);
    MDB_val k = {len, (void *)id}, v = {blob_len, (void *)blob};
    int mrc = mdb_put(w->txn, w->store->model_blobs, &k, &v, 0);
    if (!mrc) {
        v = (MDB_val){src_len, (void *)src};
        mrc = mdb_put(w->txn, w->store->model_sources, &k, &v, 0);
    }
    if (mrc) return as_store_mdb(w->store, mrc, err, "store model");
    return as_lmdb_store_model_set(w, id, len, rec, err);
}

as_code_t as_lmdb_store_model_delete(as_wtxn_t *w, const char *id, uint32_t len, as_err_t *err)
{
    as_model_rec_t rec;
    as_code_t rc = as_lmdb_store_model_wget(w, id, len, &rec, NULL, NULL, err);
    if (rc) return rc;
    char kb[4 + AS_MAX_ID];
    s_gone_t gone = {rec.version, rec.last_gen};
    MDB_val k = s_gone_key(kb, id, len), v = {sizeof gone, &gone};
    int mrc = mdb_put(w->txn, w->store->meta, &k, &v, 0);
    k = (MDB_val){len, (void *)id};
    if (!mrc) mrc = mdb_del(w->txn, w->store->models, &k, NULL);
    if (!mrc) mrc = mdb_del(w->txn, w->store->model_blobs, &k, NULL);
    if (!mrc) mrc = mdb_del(w->txn, w->store->model_sources, &k, NULL);
    as_key_t prefix = {.n = 0};
    as_key_add(&prefix, id, len);
    as_key_sep(&prefix);
    if (!mrc) mrc = s_delete_range(w->txn, w->store->model_states, prefix.b, prefix.n);
    return mrc ? as_store_mdb(w->store, mrc, err, "delete model") : AS_OK;
}

static as_code_t s_list(as_store_t *st, MDB_txn *txn, const char *after, uint32_t after_len,
                        uint32_t limit, as_model_fn fn, void *arg, uint64_t *total, bool *more,
                        as_err_t *err)
{
    MDB_stat stat;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_stat(txn, st->models, &stat);
    if (rc) return as_store_mdb(st, rc, err, "list models");
    if (total) *total = stat.ms_entries;
    if (more) *more = false;
    rc = as_store_page_open(txn, st->models, after, after_len, &cur, &k, &v);
    if (!cur) return as_store_mdb(st, rc, err, "list models");
    uint32_t given = 0;
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (given == limit) {
            if (more) *more = true;
            break;
        }
        as_model_rec_t rec;
        if (v.mv_size != sizeof rec) continue;
        memcpy(&rec, v.mv_data, sizeof rec);
        MDB_val bv;
        if ((rc = mdb_get(txn, st->model_blobs, &k, &bv))) break;
        given++;
        if (!fn(arg, k.mv_data, (uint32_t)k.mv_size, &rec, bv.mv_data, bv.mv_size)) break;
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(st, rc, err, "list models") : AS_OK;
}

as_code_t as_lmdb_store_model_list(as_reader_t *rd, const char *after, uint32_t after_len,
                                   uint32_t limit, as_model_fn fn, void *arg, uint64_t *total,
                                   bool *more, as_err_t *err)
{
    return s_list(rd->store, rd->txn, after, after_len, limit, fn, arg, total, more, err);
}

as_code_t as_lmdb_store_model_wlist(as_wtxn_t *w, as_model_fn fn, void *arg, as_err_t *err)
{
    return s_list(w->store, w->txn, NULL, 0, UINT32_MAX, fn, arg, NULL, NULL, err);
}

/* ---- states ---- */

static MDB_val s_state_key(as_key_t *k, const char *model, uint32_t mlen, const char *learner,
                           uint32_t llen)
{
    k->n = 0;
    as_key_add(k, model, mlen);
    as_key_sep(k);
    as_key_add(k, learner, llen);
    return as_key_val(k);
}

static as_code_t s_state_get(as_store_t *st, MDB_txn *txn, const char *model, uint32_t mlen,
                             const char *learner, uint32_t llen, uint32_t gen, uint32_t n_state,
                             const void **state, uint32_t *steps, bool *found, as_err_t *err)
{
    as_key_t kb;
    MDB_val k = s_state_key(&kb, model, mlen, learner, llen), v;
    *found = false;
    int rc = mdb_get(txn, st->model_states, &k, &v);
    if (rc == MDB_NOTFOUND) return AS_OK;
    if (rc) return as_store_mdb(st, rc, err, "read model state");
    *found = as_state_slot_find(v.mv_data, v.mv_size, gen, n_state, state, steps);
    return AS_OK;
}

as_code_t as_lmdb_store_model_state_get(as_reader_t *rd, const char *model, uint32_t mlen,
                                        const char *learner, uint32_t llen, uint32_t gen,
                                        uint32_t n_state, const void **state, uint32_t *steps,
                                        bool *found, as_err_t *err)
{
    return s_state_get(rd->store, rd->txn, model, mlen, learner, llen, gen, n_state, state, steps,
                       found, err);
}

as_code_t as_lmdb_store_model_state_wget(as_wtxn_t *w, const char *model, uint32_t mlen,
                                         const char *learner, uint32_t llen, uint32_t gen,
                                         uint32_t n_state, const void **state, uint32_t *steps,
                                         bool *found, as_err_t *err)
{
    return s_state_get(w->store, w->txn, model, mlen, learner, llen, gen, n_state, state, steps,
                       found, err);
}

as_code_t as_lmdb_store_model_state_put(as_wtxn_t *w, const char *model, uint32_t mlen,
                                        const char *learner, uint32_t llen, as_model_rec_t *rec,
                                        uint32_t gen, uint32_t steps, const float *state,
                                        bool *new_learner, as_err_t *err)
{
    as_store_t *st = w->store;
    as_key_t kb;
    MDB_val k = s_state_key(&kb, model, mlen, learner, llen), v;
    int grc = mdb_get(w->txn, st->model_states, &k, &v);
    if (grc && grc != MDB_NOTFOUND) return as_store_mdb(st, grc, err, "read model state");
    *new_learner = grc == MDB_NOTFOUND;
    /* the new entry built apart (it may keep a slot of the old, whose pages a put may reuse) */
    uint8_t *entry = malloc(2 * as_state_slot_size(rec->n_state));
    if (!entry) return as_err_set(err, AS_INTERNAL, "out of memory");
    size_t n =
        as_state_entry(grc ? NULL : v.mv_data, grc ? 0 : v.mv_size, rec, gen, steps, state, entry);
    v = (MDB_val){n, entry};
    int mrc = mdb_put(w->txn, st->model_states, &k, &v, 0);
    free(entry);
    if (mrc) return as_store_mdb(st, mrc, err, "store model state");
    if (*new_learner) rec->learners++;
    return AS_OK;
}
