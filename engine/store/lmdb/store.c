/* store.c — the LMDB environment (see store.h). */
#include "store.h"

#include "log.h"
#include "protocol.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>

#include "store_int.h"

#define S_SCHEMA                                                                                   \
    2u /* 2: table format 3, skills, mastery, jobs; attempts from the learner index                \
        */

as_code_t as_store_mdb(as_store_t *store, int rc, as_err_t *err, const char *what)
{
    if (rc == MDB_MAP_FULL) {
        store->full = true;
        return as_err_set(err, AS_UNAVAILABLE, "%s: the data map is full", what);
    }
    return as_err_set(err, AS_INTERNAL, "%s: %s", what, mdb_strerror(rc));
}

/* Tables compiled by an earlier assayd (another table format) are compiled again from their
 * stored definitions, keeping their versions: the definitions are the record, tables derived. */
static as_code_t s_migrate_tables(as_store_t *self, MDB_txn *txn, const char *dir, as_err_t *err)
{
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, self->tables, &cur);
    if (rc) return as_store_mdb(self, rc, err, "open");
    uint32_t migrated = 0;
    as_code_t code = AS_OK;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !code;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        uint32_t head[3] = {0}; /* magic, format, version: the same in every format */
        if (v.mv_size >= sizeof head) memcpy(head, v.mv_data, sizeof head);
        if (as_table_format(v.mv_data, v.mv_size) == AS_TABLE_FORMAT) continue;
        MDB_val src;
        if ((rc = mdb_get(txn, self->sources, &k, &src))) {
            code = as_err_set(err, AS_INTERNAL, "%s: table \"%.*s\" has no stored definition", dir,
                              (int)k.mv_size, (const char *)k.mv_data);
            break;
        }
        as_compiled_t c;
        as_err_t why;
        if (as_table_recompile(src.mv_data, src.mv_size, head[2], &c, &why)) {
            code = as_err_set(err, AS_INTERNAL,
                              "%s: assessment \"%.*s\" (table format %u) does not compile "
                              "with this assayd: %s",
                              dir, (int)k.mv_size, (const char *)k.mv_data, head[1], why.msg);
            break;
        }
        MDB_val nv = {c.size, c.blob};
        rc = mdb_cursor_put(cur, &k, &nv, MDB_CURRENT);
        free(c.blob);
        if (rc) {
            code = as_store_mdb(self, rc, err, "migrate");
            break;
        }
        migrated++;
    }
    mdb_cursor_close(cur);
    if (!code && migrated)
        AS_LOG(AS_LOG_INFO, "compiled %u assessment table(s) again for table format %u", migrated,
               AS_TABLE_FORMAT);
    return code;
}

/* Reserves disk space for a map of `size` bytes (the data file), so that writes through the map
 * never find the disk full. */
static as_code_t s_reserve(as_store_t *self, size_t size, as_err_t *err)
{
    int fd;
    if (mdb_env_get_fd(self->env, &fd)) return as_err_set(err, AS_INTERNAL, "no data file");
    int rc = posix_fallocate(fd, 0, (off_t)size);
    if (rc)
        return as_err_set(err, AS_UNAVAILABLE,
                          "cannot reserve %zu MiB of disk for the data map: %s", size >> 20,
                          strerror(rc));
    return AS_OK;
}

as_code_t as_store_open(as_store_t **out, const char *dir, size_t map_size, int max_readers,
                        as_sync_t sync, as_err_t *err)
{
    as_store_t *self = calloc(1, sizeof *self);
    MDB_txn *txn = NULL;
    int rc;
    as_code_t code = AS_INTERNAL;
    *out = NULL;
    if (!self) return as_err_set(err, AS_INTERNAL, "out of memory");
    self->ops = &as_lmdb_ops;
    as_store_node_name(self->node, sizeof self->node, dir);
    pthread_rwlock_init(&self->resize, NULL);
    if ((rc = mdb_env_create(&self->env))) goto fail;
    if ((rc = mdb_env_set_maxdbs(self->env, 32))) goto fail;
    if ((rc = mdb_env_set_maxreaders(self->env, (unsigned)max_readers))) goto fail;
    if ((rc = mdb_env_set_mapsize(self->env, map_size))) goto fail;
    /* full: LMDB's default, every commit fsyncs; periodic and none: the writer or shutdown
     * flushes (as_lmdb_store_sync) */
    unsigned flags = MDB_NORDAHEAD | (sync == AS_SYNC_FULL ? 0 : MDB_NOSYNC);
    if ((rc = mdb_env_open(self->env, dir, flags, 0600))) goto fail;
    /* The map's disk space is reserved now (and at each growth): a full disk shows as one clear
     * error when the map must grow, never as a commit failing half way through a batch. */
    if ((code = s_reserve(self, map_size, err))) goto fail_set;
    int dead = 0;
    mdb_reader_check(self->env, &dead);
    if (dead)
        AS_LOG(AS_LOG_WARN, "cleared %d stale reader slot(s) left by a crashed process", dead);
    MDB_envinfo info;
    mdb_env_info(self->env, &info);
    self->map_size = info.me_mapsize;
    if ((rc = mdb_txn_begin(self->env, NULL, 0, &txn))) goto fail;
    if ((rc = mdb_dbi_open(txn, "sources", MDB_CREATE, &self->sources))) goto fail;
    if ((rc = mdb_dbi_open(txn, "tables", MDB_CREATE, &self->tables))) goto fail;
    if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &self->meta))) goto fail;
    if ((rc = mdb_dbi_open(txn, "responses", MDB_CREATE, &self->responses))) goto fail;
    if ((rc = mdb_dbi_open(txn, "rids", MDB_CREATE, &self->rids))) goto fail;
    if ((rc = mdb_dbi_open(txn, "learners", MDB_CREATE, &self->learners))) goto fail;
    if ((rc = mdb_dbi_open(txn, "idem", MDB_CREATE, &self->idem))) goto fail;
    if ((rc = mdb_dbi_open(txn, "latest", MDB_CREATE, &self->latest))) goto fail;
    if ((rc = mdb_dbi_open(txn, "totals", MDB_CREATE, &self->totals))) goto fail;
    if ((rc = mdb_dbi_open(txn, "jobs", MDB_CREATE, &self->jobs))) goto fail;
    if ((rc = mdb_dbi_open(txn, "jobdata", MDB_CREATE, &self->jobdata))) goto fail;
    if ((rc = mdb_dbi_open(txn, "attempts", MDB_CREATE, &self->attempts))) goto fail;
    if ((rc = mdb_dbi_open(txn, "attempt_open", MDB_CREATE, &self->attempt_open))) goto fail;
    if ((rc = mdb_dbi_open(txn, "attempt_index", MDB_CREATE, &self->attempt_index))) goto fail;
    if ((rc = mdb_dbi_open(txn, "attempt_due", MDB_CREATE, &self->attempt_due))) goto fail;
    if ((rc = mdb_dbi_open(txn, "attempt_count", MDB_CREATE, &self->attempt_count))) goto fail;
    if ((rc = mdb_dbi_open(txn, "overrides", MDB_CREATE, &self->overrides))) goto fail;
    if ((rc = mdb_dbi_open(txn, "skills", MDB_CREATE, &self->skills))) goto fail;
    if ((rc = mdb_dbi_open(txn, "mastery", MDB_CREATE, &self->mastery))) goto fail;
    if ((rc = mdb_dbi_open(txn, "models", MDB_CREATE, &self->models))) goto fail;
    if ((rc = mdb_dbi_open(txn, "model_blobs", MDB_CREATE, &self->model_blobs))) goto fail;
    if ((rc = mdb_dbi_open(txn, "model_sources", MDB_CREATE, &self->model_sources))) goto fail;
    if ((rc = mdb_dbi_open(txn, "model_states", MDB_CREATE, &self->model_states))) goto fail;
    if ((rc = mdb_dbi_open(txn, "grades", MDB_CREATE, &self->grades))) goto fail;
    if ((rc = mdb_dbi_open(txn, "grade_log", MDB_CREATE, &self->grade_log))) goto fail;
    if ((rc = mdb_dbi_open(txn, "grade_counts", MDB_CREATE, &self->grade_counts))) goto fail;
    if ((rc = mdb_dbi_open(txn, "grade_leases", MDB_CREATE, &self->grade_leases))) goto fail;
    if ((rc = mdb_dbi_open(txn, "pending_rids", MDB_CREATE, &self->pending_rids))) goto fail;
    MDB_val k = {6, "schema"}, v;
    rc = mdb_get(txn, self->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        uint32_t schema = S_SCHEMA;
        v = (MDB_val){sizeof schema, &schema};
        if ((rc = mdb_put(txn, self->meta, &k, &v, 0))) goto fail;
    } else if (rc) {
        goto fail;
    } else {
        uint32_t schema = 0;
        if (v.mv_size == sizeof schema) memcpy(&schema, v.mv_data, sizeof schema);
        if (schema != S_SCHEMA) {
            mdb_txn_abort(txn);
            txn = NULL;
            code = as_err_set(err, AS_INTERNAL,
                              "%s: data schema %u, this assayd reads schema %u (written by an "
                              "earlier assayd: start on a new directory, or move this one aside)",
                              dir, schema, S_SCHEMA);
            goto fail_set;
        }
    }
    if ((code = s_migrate_tables(self, txn, dir, err))) goto fail_set;
    if ((rc = mdb_txn_commit(txn))) {
        txn = NULL;
        goto fail;
    }
    txn = NULL;
    if ((code = as_lmdb_publish_open(self, dir, err))) goto fail_set;
    *out = self;
    return AS_OK;
fail:
    code = as_err_set(err, AS_INTERNAL, "cannot open the data environment in %s: %s", dir,
                      mdb_strerror(rc));
fail_set:
    if (txn) mdb_txn_abort(txn);
    as_lmdb_publish_close(self);
    if (self->env) mdb_env_close(self->env);
    pthread_rwlock_destroy(&self->resize);
    free(self);
    return code;
}

void as_lmdb_store_destroy(as_store_t **self_p)
{
    if (!self_p || !*self_p) return;
    as_store_t *self = *self_p;
    as_lmdb_publish_close(self);
    mdb_env_close(self->env);
    pthread_rwlock_destroy(&self->resize);
    free(self);
    *self_p = NULL;
}

void as_lmdb_store_usage(as_store_t *self, size_t *map_size, size_t *used)
{
    MDB_envinfo info;
    MDB_stat st;
    mdb_env_info(self->env, &info);
    mdb_env_stat(self->env, &st);
    *map_size = info.me_mapsize;
    *used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
}

as_code_t as_lmdb_reader_new(as_store_t *store, as_reader_t **out, as_err_t *err)
{
    *out = NULL;
    as_reader_t *rd = calloc(1, sizeof *rd);
    if (!rd) return as_err_set(err, AS_INTERNAL, "read transaction: out of memory");
    rd->ops = &as_lmdb_ops;
    rd->store = store;
    int rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &rd->txn);
    if (rc) {
        free(rd);
        return as_store_mdb(store, rc, err, "read transaction");
    }
    mdb_txn_reset(rd->txn);
    *out = rd;
    return AS_OK;
}

as_code_t as_lmdb_reader_begin(as_reader_t *rd, as_err_t *err)
{
    pthread_rwlock_rdlock(&rd->store->resize);
    int rc = mdb_txn_renew(rd->txn);
    if (rc) {
        pthread_rwlock_unlock(&rd->store->resize);
        return as_store_mdb(rd->store, rc, err, "read transaction");
    }
    rd->active = true;
    return AS_OK;
}

void as_lmdb_reader_end(as_reader_t *rd)
{
    if (!rd->active) return;
    mdb_txn_reset(rd->txn);
    rd->active = false;
    pthread_rwlock_unlock(&rd->store->resize);
}

void as_lmdb_reader_destroy(as_reader_t **rd_p)
{
    as_reader_t *rd = *rd_p;
    if (!rd) return;
    as_lmdb_reader_end(rd);
    mdb_txn_abort(rd->txn);
    free(rd);
    *rd_p = NULL;
}

static as_code_t s_get(as_reader_t *rd, MDB_dbi dbi, const char *id, uint32_t len, MDB_val *v,
                       as_err_t *err)
{
    MDB_val k = {len, (void *)id};
    int rc = mdb_get(rd->txn, dbi, &k, v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "assessment \"%.*s\" not found", (int)len, id);
    if (rc) return as_store_mdb(rd->store, rc, err, "read");
    return AS_OK;
}

as_code_t as_lmdb_store_table(as_reader_t *rd, const char *id, uint32_t len, as_table_t *t,
                              as_err_t *err)
{
    MDB_val v;
    as_code_t rc = s_get(rd, rd->store->tables, id, len, &v, err);
    return rc ? rc : as_table_open(v.mv_data, v.mv_size, t, err);
}

as_code_t as_lmdb_store_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                               size_t *src_len, as_err_t *err)
{
    MDB_val v;
    as_code_t rc = s_get(rd, rd->store->sources, id, len, &v, err);
    if (rc) return rc;
    *src = v.mv_data;
    *src_len = v.mv_size;
    return AS_OK;
}

as_code_t as_lmdb_store_list(as_reader_t *rd, const char *after, uint32_t after_len, uint32_t limit,
                             as_list_fn fn, void *arg, size_t *total, bool *more, as_err_t *err)
{
    MDB_cursor *cur;
    MDB_stat st;
    MDB_val k, v;
    int rc = mdb_stat(rd->txn, rd->store->tables, &st);
    if (rc) return as_store_mdb(rd->store, rc, err, "list");
    *total = st.ms_entries;
    *more = false;
    rc = as_store_page_open(rd->txn, rd->store->tables, after, after_len, &cur, &k, &v);
    if (!cur) return as_store_mdb(rd->store, rc, err, "list");
    uint32_t given = 0;
    as_code_t code = AS_OK;
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (given == limit) {
            *more = true;
            break;
        }
        as_table_t t;
        if ((code = as_table_open(v.mv_data, v.mv_size, &t, err))) break;
        fn(arg, &t);
        given++;
    }
    if (!code && rc && rc != MDB_NOTFOUND) code = as_store_mdb(rd->store, rc, err, "list");
    mdb_cursor_close(cur);
    return code;
}

as_code_t as_lmdb_wtxn_begin(as_store_t *store, as_wtxn_t **out, as_err_t *err)
{
    as_wtxn_t *w = calloc(1, sizeof *w);
    if (!w) return as_err_set(err, AS_INTERNAL, "out of memory");
    w->ops = &as_lmdb_ops;
    w->store = store;
    int rc = mdb_txn_begin(store->env, NULL, 0, &w->txn);
    if (rc) {
        free(w);
        return as_store_mdb(store, rc, err, "write transaction");
    }
    store->full = false;
    MDB_val k = {3, "seq"}, v;
    if (mdb_get(w->txn, store->meta, &k, &v) == 0 && v.mv_size == sizeof w->seq)
        memcpy(&w->seq, v.mv_data, sizeof w->seq);
    k = (MDB_val){3, "rid"};
    if (mdb_get(w->txn, store->meta, &k, &v) == 0 && v.mv_size == sizeof w->rid)
        memcpy(&w->rid, v.mv_data, sizeof w->rid);
    *out = w;
    return AS_OK;
}

as_code_t as_lmdb_wtxn_commit(as_wtxn_t **txn_p, as_err_t *err)
{
    as_wtxn_t *w = *txn_p;
    *txn_p = NULL;
    as_store_t *store = w->store;
    int rc = 0;
    if (w->seq_dirty) {
        MDB_val k = {3, "seq"}, v = {sizeof w->seq, &w->seq};
        rc = mdb_put(w->txn, store->meta, &k, &v, 0);
    }
    if (!rc && w->rid_dirty) {
        MDB_val k = {3, "rid"}, v = {sizeof w->rid, &w->rid};
        rc = mdb_put(w->txn, store->meta, &k, &v, 0);
    }
    /* the tables are published from what this transaction commits, before it commits: no reader
     * of the engine sees a table before local scorers can */
    bool publish = !rc && (w->tables_dirty || as_lmdb_publish_due(store));
    as_err_t why;
    if (publish && as_lmdb_publish_from(store, w->txn, &why)) /* derived: the commit goes on */
        AS_LOG(AS_LOG_ERROR, "%s (local scorers see the earlier tables until it succeeds)",
               why.msg);
    if (rc) {
        mdb_txn_abort(w->txn);
    } else {
        rc = mdb_txn_commit(w->txn);
    }
    free(w);
    if (rc) {
        /* what was published is not committed: publish the committed state again */
        if (publish && as_lmdb_publish(store, &why)) AS_LOG(AS_LOG_ERROR, "%s", why.msg);
        return as_store_mdb(store, rc, err, "commit");
    }
    return AS_OK;
}

void as_lmdb_wtxn_abort(as_wtxn_t **txn_p)
{
    if (!txn_p || !*txn_p) return;
    mdb_txn_abort((*txn_p)->txn);
    free(*txn_p);
    *txn_p = NULL;
}

as_code_t as_lmdb_wtxn_prepare(as_wtxn_t *txn, const as_subject_t *s, uint32_t n, as_err_t *err)
{
    (void)txn, (void)s, (void)n, (void)err; /* (every read is a look-up in the map) */
    return AS_OK;
}

bool as_lmdb_wtxn_broken(as_wtxn_t *txn)
{
    (void)txn; /* (a failed LMDB write leaves the transaction usable; a full map is store_full) */
    return false;
}

bool as_lmdb_store_full(as_store_t *store)
{
    return store->full;
}

as_code_t as_lmdb_store_grow(as_store_t *store, as_err_t *err)
{
    size_t want = store->map_size * 2;
    as_code_t code = s_reserve(store, want, err);
    if (code) return code;
    pthread_rwlock_wrlock(&store->resize);
    int rc = mdb_env_set_mapsize(store->env, want);
    pthread_rwlock_unlock(&store->resize);
    if (rc)
        return as_err_set(err, AS_INTERNAL, "cannot grow the data map to %zu bytes: %s", want,
                          mdb_strerror(rc));
    AS_LOG(AS_LOG_INFO, "data map grown from %zu to %zu MiB", store->map_size >> 20, want >> 20);
    store->map_size = want;
    store->full = false;
    return AS_OK;
}

/* meta key "ver:<id>" holds the last version given to an id. */
static void s_ver_key(const char *id, uint32_t id_len, char *buf, MDB_val *k)
{
    memcpy(buf, "ver:", 4);
    memcpy(buf + 4, id, id_len);
    *k = (MDB_val){4 + (size_t)id_len, buf};
}

as_code_t as_lmdb_store_put_assessment(as_wtxn_t *w, const char *id, uint32_t id_len,
                                       const void *src, size_t src_len, uint8_t *blob,
                                       size_t blob_len, uint32_t *version, as_err_t *err)
{
    as_store_t *s = w->store;
    char kb[4 + AS_MAX_ID];
    MDB_val vk, v, k = {id_len, (void *)id};
    uint32_t ver = 0;
    s_ver_key(id, id_len, kb, &vk);
    if (mdb_get(w->txn, s->meta, &vk, &v) == 0 && v.mv_size == sizeof ver)
        memcpy(&ver, v.mv_data, sizeof ver);
    ver++;
    memcpy(blob + offsetof(as_thdr_t, version), &ver, sizeof ver);
    v = (MDB_val){sizeof ver, &ver};
    int rc = mdb_put(w->txn, s->meta, &vk, &v, 0);
    if (!rc) {
        v = (MDB_val){src_len, (void *)src};
        rc = mdb_put(w->txn, s->sources, &k, &v, 0);
    }
    if (!rc) {
        v = (MDB_val){blob_len, blob};
        rc = mdb_put(w->txn, s->tables, &k, &v, 0);
    }
    if (rc) return as_store_mdb(s, rc, err, "store assessment");
    w->tables_dirty = true;
    *version = ver;
    return AS_OK;
}

as_code_t as_lmdb_store_delete_assessment(as_wtxn_t *w, const char *id, uint32_t id_len, bool force,
                                          as_err_t *err)
{
    MDB_val k = {id_len, (void *)id}, v;
    if (mdb_get(w->txn, w->store->tables, &k, &v) == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "assessment \"%.*s\" not found", (int)id_len, id);
    (void)force; /* (store.c keeps the rule) */
    int rc = mdb_del(w->txn, w->store->tables, &k, NULL);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "assessment \"%.*s\" not found", (int)id_len, id);
    if (!rc) rc = mdb_del(w->txn, w->store->sources, &k, NULL);
    if (rc) return as_store_mdb(w->store, rc, err, "delete assessment");
    w->tables_dirty = true;
    return AS_OK;
}

as_stamp_t as_lmdb_store_stamp(as_wtxn_t *w)
{
    w->seq_dirty = true;
    return (as_stamp_t){w->store->node, ++w->seq};
}

as_code_t as_lmdb_store_sync(as_store_t *store, as_err_t *err)
{
    int rc = mdb_env_sync(store->env, 1);
    return rc ? as_store_mdb(store, rc, err, "sync") : AS_OK;
}

as_code_t as_lmdb_store_wtable(as_wtxn_t *w, const char *id, uint32_t len, as_table_t *t,
                               as_err_t *err)
{
    MDB_val k = {len, (void *)id}, v;
    int rc = mdb_get(w->txn, w->store->tables, &k, &v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "assessment \"%.*s\" not found", (int)len, id);
    if (rc) return as_store_mdb(w->store, rc, err, "read");
    return as_table_open(v.mv_data, v.mv_size, t, err);
}

int as_store_page_open(MDB_txn *txn, MDB_dbi db, const char *after, uint32_t after_len,
                       MDB_cursor **cur, MDB_val *k, MDB_val *v)
{
    int rc = mdb_cursor_open(txn, db, cur);
    if (rc) {
        *cur = NULL;
        return rc;
    }
    if (!after) return mdb_cursor_get(*cur, k, v, MDB_FIRST);
    *k = (MDB_val){after_len, (void *)after};
    rc = mdb_cursor_get(*cur, k, v, MDB_SET_RANGE);
    if (rc == 0 && k->mv_size == after_len && memcmp(k->mv_data, after, after_len) == 0)
        rc = mdb_cursor_get(*cur, k, v, MDB_NEXT);
    return rc;
}
