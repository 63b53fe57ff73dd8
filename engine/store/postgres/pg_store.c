/* pg_store.c — PostgreSQL behind store.h (pg_store.h): opening the store (connect, migrate, the
 * local map and its follower), readers, write transactions, and assessments.
 *
 * A write transaction is one PostgreSQL transaction on the writer's connection: BEGIN with its
 * first statement (as_pg_wconn, or a batch's read ahead), COMMIT at as_wtxn_commit (none when
 * nothing ran); a COMMIT that fails is `unavailable` (its outcome is
 * not known: a retry with the same idempotency key is safe). The notification sequence is read
 * (locked) at its first use and written back in the commit. What the batch's steps keep in
 * memory (report statistics, mastery entries) is written just before the COMMIT, in the same
 * round trip.
 *
 * Compiled tables are read from the local LMDB map, which the follower keeps current; an
 * assessment put in a transaction is read from the transaction until its commit, and the commit
 * returns once the map has it, so the next request scores with it.
 */
#include "pg_store.h"
#include "pg_pipeline.h"

#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_MAP_WAIT_MS 5000

/* ---- the arena of views ---- */

struct s_pg_block {
    as_pg_block_t *next;
    size_t len;
    max_align_t data[];
};

void *as_pg_keep(as_pg_arena_t *a, const void *p, size_t len)
{
    as_pg_block_t *b = malloc(sizeof *b + (len ? len : 1));
    if (!b) return NULL;
    b->next = a->head;
    b->len = len;
    a->head = b;
    if (len && p) memcpy(b->data, p, len); /* (p NULL: room to fill) */
    return b->data;
}

void as_pg_arena_free(as_pg_arena_t *a)
{
    while (a->head) {
        as_pg_block_t *b = a->head;
        a->head = b->next;
        free(b);
    }
}

as_code_t as_pg_int8(PGconn *c, const char *sql, int n, const char *const *p, const char *what,
                     uint64_t *out, as_err_t *err)
{
    PGresult *r;
    as_code_t rc = as_pg_query(c, sql, n, p, what, &r, err);
    if (rc) return rc;
    *out = PQntuples(r) && !PQgetisnull(r, 0, 0) ? as_pg_get_int8(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return AS_OK;
}

/* ---- the store ---- */

as_code_t as_pg_store_open(as_store_t **out, const char *conninfo, const char *dir, size_t map_size,
                           int max_readers, as_err_t *err)
{
    *out = NULL;
    as_pg_store_t *st = calloc(1, sizeof *st);
    if (!st || !(st->conninfo = strdup(conninfo))) {
        free(st);
        return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    st->ops = &as_pg_ops;
    pthread_mutex_init(&st->lease, NULL);
    as_store_node_name(st->node, sizeof st->node, dir);
    as_code_t rc = AS_OK;
    uint32_t applied = 0;
    if (!(st->wc = as_pg_connect(conninfo, err)) || (rc = as_pg_migrate(st->wc, &applied, err)))
        goto fail;
    if (applied)
        AS_LOG(AS_LOG_INFO, "PostgreSQL: %u migration(s) applied; schema version %u", applied,
               as_pg_schema_version());
    /* the map: LMDB's fsync is not needed, the catalog is the record and the map its copy */
    if ((rc = as_store_open(&st->map, dir, map_size, max_readers, AS_SYNC_NONE, err))) goto fail;
    /* a data directory that holds an LMDB store's records is not taken for a map (they would
     * stay there unseen: nothing moves them to PostgreSQL) */
    char identity[64];
    as_wtxn_t *txn;
    if ((rc = as_store_cache_identity(st->map, identity, sizeof identity, err)) ||
        (rc = as_wtxn_begin(st->map, &txn, err)))
        goto fail;
    uint64_t last = as_store_last_rid(txn);
    as_wtxn_abort(&txn);
    if (!identity[0] && last) {
        rc = as_err_set(err, AS_CONFLICT,
                        "%s holds the records of an LMDB store (%llu response(s)): give --store "
                        "postgresql a data directory of its own (records are not moved between "
                        "stores)",
                        dir, (unsigned long long)last);
        goto fail;
    }
    if ((rc = as_pg_follower_start(conninfo, st->map, &st->follower, err))) goto fail;
    /* the map copies this database up to its current catalog position before anything is served */
    uint64_t pos = 0;
    if ((rc = as_pg_int8(st->wc, "SELECT value FROM counters WHERE name = 'catalog'", 0, NULL,
                         "catalog position", &pos, err)))
        goto fail;
    if (!as_pg_follower_wait(st->follower, pos, 30000)) {
        rc = as_err_set(err, AS_UNAVAILABLE,
                        "PostgreSQL: the local map did not reach catalog position %llu in 30 s",
                        (unsigned long long)pos);
        goto fail;
    }
    *out = (as_store_t *)st;
    return AS_OK;
fail:;
    as_store_t *self = (as_store_t *)st;
    as_store_destroy(&self);
    return rc ? rc : err->code;
}

void as_pgs_store_destroy(as_store_t **self_p)
{
    as_pg_store_t *st = (as_pg_store_t *)*self_p;
    as_pg_follower_stop(&st->follower);
    as_store_destroy(&st->map);
    if (st->wc) PQfinish(st->wc);
    pthread_mutex_destroy(&st->lease);
    free(st->conninfo);
    free(st);
    *self_p = NULL;
}

as_code_t as_pgs_store_sync(as_store_t *store, as_err_t *err)
{
    (void)store, (void)err; /* a COMMIT is as durable as the server's synchronous_commit says */
    return AS_OK;
}

void as_pgs_store_usage(as_store_t *self, size_t *map_size, size_t *used)
{
    as_store_usage(((as_pg_store_t *)self)->map, map_size, used);
}

bool as_pgs_store_full(as_store_t *store)
{
    (void)store;
    return false;
}

as_code_t as_pgs_store_grow(as_store_t *store, as_err_t *err)
{
    (void)store;
    return as_err_set(err, AS_INTERNAL, "a PostgreSQL store does not grow");
}

/* ---- readers ---- */

as_code_t as_pgs_reader_new(as_store_t *store, as_reader_t **out, as_err_t *err)
{
    as_pg_store_t *st = (as_pg_store_t *)store;
    as_pg_reader_t *rd = calloc(1, sizeof *rd);
    if (!rd) return as_err_set(err, AS_INTERNAL, "out of memory");
    rd->ops = &as_pg_ops;
    rd->st = st;
    as_code_t rc = as_reader_new(st->map, &rd->map, err);
    if (rc) {
        free(rd);
        return rc;
    }
    *out = (as_reader_t *)rd;
    return AS_OK;
}

as_code_t as_pgs_reader_begin(as_reader_t *r, as_err_t *err)
{
    return as_reader_begin(((as_pg_reader_t *)r)->map, err);
}

void as_pgs_reader_end(as_reader_t *r)
{
    as_pg_reader_t *rd = (as_pg_reader_t *)r;
    as_reader_end(rd->map);
    as_pg_arena_free(&rd->arena);
}

void as_pgs_reader_destroy(as_reader_t **rd_p)
{
    as_pg_reader_t *rd = (as_pg_reader_t *)*rd_p;
    as_pg_arena_free(&rd->arena);
    as_reader_destroy(&rd->map);
    if (rd->c) PQfinish(rd->c);
    free(rd);
    *rd_p = NULL;
}

PGconn *as_pg_reconnect(PGconn **c, const char *conninfo, as_pg_backoff_t *b, as_err_t *err)
{
    if (*c && PQstatus(*c) == CONNECTION_OK) return *c;
    if (*c) PQfinish(*c);
    *c = NULL;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (now < b->retry_ns) {
        as_err_set(err, AS_UNAVAILABLE, "%s (trying again in %llu ms)", b->why,
                   (unsigned long long)((b->retry_ns - now) / 1000000u + 1));
        return NULL;
    }
    if ((*c = as_pg_connect(conninfo, err))) {
        b->backoff_ms = 0;
        b->retry_ns = 0;
        return *c;
    }
    b->backoff_ms = !b->backoff_ms                             ? AS_PG_BACKOFF_FIRST_MS
                    : b->backoff_ms * 2 > AS_PG_BACKOFF_MAX_MS ? AS_PG_BACKOFF_MAX_MS
                                                               : b->backoff_ms * 2;
    b->retry_ns = now + (uint64_t)b->backoff_ms * 1000000u;
    snprintf(b->why, sizeof b->why, "%.199s", err->msg);
    return NULL;
}

PGconn *as_pg_reader_conn(as_pg_reader_t *rd, as_err_t *err)
{
    return as_pg_reconnect(&rd->c, rd->st->conninfo, &rd->backoff, err);
}

as_code_t as_pgs_store_table(as_reader_t *rd, const char *id, uint32_t len, as_table_t *t,
                             as_err_t *err)
{
    return as_store_table(((as_pg_reader_t *)rd)->map, id, len, t, err);
}

as_code_t as_pgs_store_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                              size_t *src_len, as_err_t *err)
{
    return as_store_source(((as_pg_reader_t *)rd)->map, id, len, src, src_len, err);
}

as_code_t as_pgs_store_list(as_reader_t *rd, const char *after, uint32_t after_len, uint32_t limit,
                            as_list_fn fn, void *arg, size_t *total, bool *more, as_err_t *err)
{
    return as_store_list(((as_pg_reader_t *)rd)->map, after, after_len, limit, fn, arg, total, more,
                         err);
}

/* ---- write transactions ---- */

static void s_txn_free(as_pg_wtxn_t *w)
{
    as_reader_end(w->map);
    as_reader_destroy(&w->map);
    as_pg_arena_free(&w->arena);
    as_pg_stats_free(&w->stats);
    as_pg_mastery_free(&w->mastery);
    as_pg_batch_free(w);
    for (uint32_t i = 0; i < w->n_puts; i++)
        free(w->puts[i].blob);
    free(w->puts);
    free(w);
}

as_code_t as_pgs_wtxn_begin(as_store_t *store, as_wtxn_t **out, as_err_t *err)
{
    as_pg_store_t *st = (as_pg_store_t *)store;
    *out = NULL;
    if (!as_pg_reconnect(&st->wc, st->conninfo, &st->wc_backoff, err)) return err->code;
    as_pg_wtxn_t *w = calloc(1, sizeof *w);
    if (!w || !(w->stats = as_pg_stats_new(st->node)) || !(w->mastery = as_pg_mastery_new())) {
        if (w) s_txn_free(w);
        return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    w->ops = &as_pg_ops;
    w->st = st;
    w->c = st->wc;
    as_code_t rc = as_reader_new(st->map, &w->map, err);
    if (!rc) rc = as_reader_begin(w->map, err);
    if (rc) {
        s_txn_free(w);
        return rc;
    }
    *out = (as_wtxn_t *)w;
    return AS_OK;
}

void as_pgs_wtxn_abort(as_wtxn_t **txn_p)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)*txn_p;
    if (!w) return;
    as_pg_batch_abort(w->c);
    s_txn_free(w);
    *txn_p = NULL;
}

PGconn *as_pg_wconn(as_pg_wtxn_t *w)
{
    if (!w->begun) { /* (a batch of submissions sends it in its read ahead instead) */
        as_err_t err;
        w->begun = true;
        w->failed = as_pg_exec(w->c, "BEGIN", PGRES_COMMAND_OK, "begin", &err) != AS_OK;
    }
    return w->failed ? NULL : w->c;
}

bool as_pgs_wtxn_broken(as_wtxn_t *txn)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    return w->failed || PQstatus(w->c) != CONNECTION_OK ||
           (w->begun && PQtransactionStatus(w->c) != PQTRANS_INTRANS);
}

as_code_t as_pgs_wtxn_commit(as_wtxn_t **txn_p, as_err_t *err)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)*txn_p;
    *txn_p = NULL;
    if (!w->begun) { /* nothing was read or written */
        s_txn_free(w);
        return AS_OK;
    }
    if (w->failed) {
        s_txn_free(w);
        return as_err_set(err, AS_UNAVAILABLE, "PostgreSQL: the transaction could not begin");
    }
    PGconn *c = w->c;
    as_code_t rc = AS_OK;
    uint32_t stats = 0, mastery = 0, batch = 0;
    char seq[24];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long)w->seq);
    if (!PQenterPipelineMode(c)) {
        rc = as_pg_fail(c, NULL, "pipeline", err);
    } else {
        bool sent = !as_pg_stats_send_flush(c, w->stats, &stats, err) &&
                    !as_pg_mastery_send_flush(c, w->mastery, &mastery, err) &&
                    !as_pg_batch_send(w, &batch, err);
        if (sent && w->seq_read) {
            const char *p[2] = {seq, w->st->node};
            sent = PQsendQueryParams(c, AS_PG_SEQ_WRITE, 2, NULL, p, NULL, NULL, 1);
        }
        sent = sent && PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 1) &&
               PQpipelineSync(c);
        if (!sent) rc = as_pg_fail(c, NULL, "send", err);
    }
    for (uint32_t i = 0; !rc && i < stats + mastery; i++)
        rc = as_pg_recv(c, PGRES_COMMAND_OK, "store statistics and mastery", NULL, err);
    for (uint32_t i = 0; !rc && i < batch; i++)
        rc = as_pg_recv(c, PGRES_COMMAND_OK, "store the batch's responses", NULL, err);
    if (!rc && w->seq_read)
        rc = as_pg_recv(c, PGRES_COMMAND_OK, "store the notification sequence", NULL, err);
    PGresult *done = NULL;
    as_code_t commit = rc ? rc : as_pg_recv(c, PGRES_COMMAND_OK, "commit", &done, err);
    if (!rc && commit) /* the COMMIT itself failed: its outcome is not known */
        err->code = commit = AS_UNAVAILABLE;
    /* a transaction a statement broke ends in ROLLBACK, which COMMIT reports as its success */
    if (!commit && strcmp(PQcmdStatus(done), "COMMIT") != 0)
        commit = as_err_set(err, AS_INTERNAL, "PostgreSQL: the transaction was rolled back");
    PQclear(done);
    rc = PQpipelineStatus(c) != PQ_PIPELINE_OFF ? as_pg_sync(c, commit, err) : commit;
    if (rc && PQtransactionStatus(c) != PQTRANS_IDLE) as_pg_batch_abort(c);
    /* what was put is scored from the map by the next request */
    if (!rc && w->catalog_seq &&
        !as_pg_follower_wait(w->st->follower, w->catalog_seq, S_MAP_WAIT_MS))
        AS_LOG(AS_LOG_WARN,
               "PostgreSQL: the local map has not applied catalog position %llu "
               "after %d ms; it will",
               (unsigned long long)w->catalog_seq, S_MAP_WAIT_MS);
    s_txn_free(w);
    return rc;
}

/* ---- assessments ---- */

static as_pg_put_t *s_put_find(as_pg_wtxn_t *w, const char *id, uint32_t len)
{
    for (uint32_t i = w->n_puts; i-- > 0;)
        if (w->puts[i].len == len && memcmp(w->puts[i].id, id, len) == 0) return &w->puts[i];
    return NULL;
}

/* Keeps what the transaction did to assessment id (blob NULL: deleted) for its reads. */
static as_code_t s_put_keep(as_pg_wtxn_t *w, const char *id, uint32_t len, const uint8_t *blob,
                            size_t blob_len, as_err_t *err)
{
    as_pg_put_t *p = s_put_find(w, id, len);
    if (!p) {
        if (w->n_puts == w->cap_puts) {
            uint32_t cap = w->cap_puts ? 2 * w->cap_puts : 4;
            as_pg_put_t *np = realloc(w->puts, cap * sizeof *np);
            if (!np) return as_err_set(err, AS_INTERNAL, "out of memory");
            w->puts = np;
            w->cap_puts = cap;
        }
        p = &w->puts[w->n_puts++];
        memcpy(p->id, id, len);
        p->len = len;
    } else {
        free(p->blob);
    }
    p->blob = NULL;
    p->blob_len = 0;
    if (blob && !(p->blob = malloc(blob_len))) return as_err_set(err, AS_INTERNAL, "out of memory");
    if (blob) memcpy(p->blob, blob, blob_len);
    p->blob_len = blob ? blob_len : 0;
    return AS_OK;
}

as_code_t as_pgs_store_wtable(as_wtxn_t *txn, const char *id, uint32_t len, as_table_t *t,
                              as_err_t *err)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    const as_pg_put_t *p = s_put_find(w, id, len);
    if (!p) return as_store_table(w->map, id, len, t, err);
    if (!p->blob)
        return as_err_set(err, AS_NOT_FOUND, "assessment \"%.*s\" not found", (int)len, id);
    return as_table_open(p->blob, p->blob_len, t, err);
}

as_code_t as_pgs_store_put_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len,
                                      const void *src, size_t src_len, uint8_t *blob,
                                      size_t blob_len, uint32_t *version, as_err_t *err)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    uint64_t seq;
    as_code_t rc = as_pg_catalog_put_in(as_pg_wconn(w), id, id_len, src, src_len, blob, blob_len,
                                        version, &seq, err);
    if (rc) return rc;
    w->catalog_seq = seq;
    return s_put_keep(w, id, id_len, blob, blob_len, err);
}

as_code_t as_pgs_store_delete_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len,
                                         bool force, as_err_t *err)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    (void)force; /* (store.c keeps the rule) */
    uint64_t seq;
    as_code_t rc;
    if ((rc = as_pg_catalog_delete_in(as_pg_wconn(w), id, id_len, &seq, err))) return rc;
    w->catalog_seq = seq;
    return s_put_keep(w, id, id_len, NULL, 0, err);
}

/* The map's own operations (the follower's): not a PostgreSQL transaction's. */
static as_code_t s_not_map(as_err_t *err)
{
    return as_err_set(err, AS_INTERNAL, "the PostgreSQL store's map is written by its follower");
}

as_code_t as_pgs_store_cache_assessment(as_wtxn_t *txn, const char *id, uint32_t len,
                                        const void *src, size_t src_len, const void *blob,
                                        size_t blob_len, as_err_t *err)
{
    (void)txn, (void)id, (void)len, (void)src, (void)src_len, (void)blob, (void)blob_len;
    return s_not_map(err);
}

as_code_t as_pgs_store_cache_position_set(as_wtxn_t *txn, uint64_t pos, as_err_t *err)
{
    (void)txn, (void)pos;
    return s_not_map(err);
}

as_code_t as_pgs_store_cache_position(as_store_t *store, uint64_t *pos, as_err_t *err)
{
    return as_store_cache_position(((as_pg_store_t *)store)->map, pos, err);
}

as_code_t as_pgs_store_cache_identity(as_store_t *store, char *out, size_t cap, as_err_t *err)
{
    return as_store_cache_identity(((as_pg_store_t *)store)->map, out, cap, err);
}

as_code_t as_pgs_store_cache_reset(as_wtxn_t *txn, const char *identity, as_err_t *err)
{
    (void)txn, (void)identity;
    return s_not_map(err);
}

as_stamp_t as_pgs_store_stamp(as_wtxn_t *txn)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    if (!w->seq_read) {
        as_err_t err;
        const char *p[1] = {w->st->node};
        if (as_pg_int8(as_pg_wconn(w), AS_PG_SEQ_READ, 1, p, "notification sequence", &w->seq,
                       &err))
            return (as_stamp_t){w->st->node, 0}; /* (the transaction is aborted: its commit
                                                  * fails) */
        w->seq_read = true;
    }
    return (as_stamp_t){w->st->node, ++w->seq};
}
