/* store_cache.c — the store as the local copy of a remote catalog (store.h): the compiled tables
 * and sources a follower (store/postgres/pg_follower.c) writes as the system of record has them,
 * and the catalog position it has applied, kept in the same transactions. */
#include "store_int.h"

as_code_t as_lmdb_store_cache_assessment(as_wtxn_t *w, const char *id, uint32_t len,
                                         const void *src, size_t src_len, const void *blob,
                                         size_t blob_len, as_err_t *err)
{
    as_store_t *s = w->store;
    MDB_val k = {len, (void *)id}, v;
    int rc;
    w->tables_dirty = true;
    if (!blob) { /* deleted there: gone here (absent already: nothing to do) */
        rc = mdb_del(w->txn, s->tables, &k, NULL);
        if (!rc || rc == MDB_NOTFOUND) rc = mdb_del(w->txn, s->sources, &k, NULL);
        if (rc == MDB_NOTFOUND) rc = 0;
        return rc ? as_store_mdb(s, rc, err, "cache: delete assessment") : AS_OK;
    }
    as_table_t t;
    as_err_t why;
    /* a table of an earlier format (put by an earlier assayd) is compiled again from its source,
     * as the store does at open (store.c) */
    as_compiled_t again = {0};
    if (as_table_format(blob, blob_len) != AS_TABLE_FORMAT && blob_len >= sizeof(uint32_t) * 3) {
        uint32_t version;
        memcpy(&version, (const uint8_t *)blob + 2 * sizeof(uint32_t), sizeof version);
        if (as_table_recompile(src, src_len, version, &again, &why))
            return as_err_set(err, AS_INTERNAL,
                              "cache: assessment \"%.*s\" (table format %u) does not compile "
                              "with this assayd: %s",
                              (int)len, id, as_table_format(blob, blob_len), why.msg);
        blob = again.blob;
        blob_len = again.size;
    }
    if (as_table_open(blob, blob_len, &t, &why)) {
        free(again.blob);
        return as_err_set(err, AS_INTERNAL, "cache: assessment \"%.*s\": %s", (int)len, id,
                          why.msg);
    }
    v = (MDB_val){src_len, (void *)src};
    rc = mdb_put(w->txn, s->sources, &k, &v, 0);
    if (!rc) {
        v = (MDB_val){blob_len, (void *)blob};
        rc = mdb_put(w->txn, s->tables, &k, &v, 0);
    }
    free(again.blob);
    return rc ? as_store_mdb(s, rc, err, "cache: store assessment") : AS_OK;
}

static MDB_val s_pos_key(void)
{
    return (MDB_val){11, "catalog_pos"};
}

as_code_t as_lmdb_store_cache_position_set(as_wtxn_t *w, uint64_t pos, as_err_t *err)
{
    MDB_val k = s_pos_key(), v = {sizeof pos, &pos};
    int rc = mdb_put(w->txn, w->store->meta, &k, &v, 0);
    return rc ? as_store_mdb(w->store, rc, err, "cache: position") : AS_OK;
}

as_code_t as_lmdb_store_cache_position(as_store_t *store, uint64_t *pos, as_err_t *err)
{
    *pos = 0;
    MDB_txn *txn;
    int rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn);
    if (rc) return as_store_mdb(store, rc, err, "cache: position");
    MDB_val k = s_pos_key(), v;
    if (mdb_get(txn, store->meta, &k, &v) == 0 && v.mv_size == sizeof *pos)
        memcpy(pos, v.mv_data, sizeof *pos);
    mdb_txn_abort(txn);
    return AS_OK;
}

as_code_t as_lmdb_store_cache_identity(as_store_t *store, char *out, size_t cap, as_err_t *err)
{
    out[0] = '\0';
    MDB_txn *txn;
    int rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn);
    if (rc) return as_store_mdb(store, rc, err, "cache: identity");
    MDB_val k = {10, "catalog_id"}, v;
    if (mdb_get(txn, store->meta, &k, &v) == 0 && v.mv_size < cap) {
        memcpy(out, v.mv_data, v.mv_size);
        out[v.mv_size] = '\0';
    }
    mdb_txn_abort(txn);
    return AS_OK;
}

as_code_t as_lmdb_store_cache_reset(as_wtxn_t *w, const char *identity, as_err_t *err)
{
    as_store_t *s = w->store;
    w->tables_dirty = true;
    int rc = mdb_drop(w->txn, s->tables, 0);
    if (!rc) rc = mdb_drop(w->txn, s->sources, 0);
    if (!rc) {
        MDB_val k = {10, "catalog_id"}, v = {strlen(identity), (void *)identity};
        rc = mdb_put(w->txn, s->meta, &k, &v, 0);
    }
    if (rc) return as_store_mdb(s, rc, err, "cache: reset");
    return as_lmdb_store_cache_position_set(w, 0, err);
}
