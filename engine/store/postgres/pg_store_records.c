/* pg_store_records.c — stored responses and report statistics behind store.h on PostgreSQL
 * (pg_store.h). A write transaction's operations run in its transaction, each when it is called
 * (a later read of the transaction sees an earlier write); the statistics are kept in memory by
 * pg_stats.c (the rows of a subject read, locked, at its first use) and written at the commit.
 */
#include "pg_store.h"
#include "pg_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A subject's text parameters: assessment, learner (NUL-terminated copies). */
typedef struct {
    char a[AS_MAX_ID + 1], l[AS_MAX_NAME + 1], k[AS_MAX_NAME + 1];
} s_names_t;

static void s_names(s_names_t *n, const as_subject_t *s)
{
    snprintf(n->a, sizeof n->a, "%.*s", (int)s->assessment_len, s->assessment);
    snprintf(n->l, sizeof n->l, "%.*s", (int)s->learner_len, s->learner);
    snprintf(n->k, sizeof n->k, "%.*s", (int)s->key_len, s->key ? s->key : "");
}

static as_pg_wtxn_t *s_w(as_wtxn_t *txn)
{
    return (as_pg_wtxn_t *)txn;
}

as_code_t as_pgs_store_idem_find(as_wtxn_t *txn, const as_subject_t *s, uint64_t *rid,
                                 as_err_t *err)
{
    const as_pg_key_t *k = as_pg_batch_key(s_w(txn), s);
    if (k) {
        *rid = k->rid;
        return k->rid ? AS_OK : as_err_set(err, AS_NOT_FOUND, "no response under this key");
    }
    s_names_t n;
    s_names(&n, s);
    const char *p[3] = {n.a, n.l, n.k};
    as_code_t rc = as_pg_int8(as_pg_wconn(s_w(txn)),
                              "SELECT rid FROM idempotency WHERE assessment = $1 AND learner = $2 "
                              "AND key = $3",
                              3, p, "idempotency key", rid, err);
    if (rc) return rc;
    return *rid ? AS_OK : as_err_set(err, AS_NOT_FOUND, "no response under this key");
}

uint32_t as_pgs_store_attempts(as_wtxn_t *txn, const as_subject_t *s)
{
    const as_pg_entry_t *e = as_pg_batch_entry(s_w(txn), s);
    if (e) return e->stored;
    s_names_t n;
    s_names(&n, s);
    const char *p[2] = {n.a, n.l};
    uint64_t v = 0;
    as_err_t err;
    as_pg_int8(as_pg_wconn(s_w(txn)),
               "SELECT attempts::int8 FROM attempt_counts WHERE assessment = $1 AND learner = $2",
               2, p, "attempts", &v, &err);
    return (uint32_t)v;
}

static uint64_t s_count(PGconn *c, const char *assessment, uint32_t len)
{
    char a[AS_MAX_ID + 1];
    snprintf(a, sizeof a, "%.*s", (int)len, assessment);
    const char *p[1] = {a};
    uint64_t v = 0;
    as_err_t err;
    if (c)
        as_pg_int8(c, "SELECT coalesce(sum(n), 0)::int8 FROM response_counts WHERE assessment = $1",
                   1, p, "response count", &v, &err);
    return v;
}

uint64_t as_pgs_store_response_count(as_wtxn_t *txn, const char *assessment, uint32_t len)
{
    return s_count(as_pg_wconn(s_w(txn)), assessment, len) +
           as_pg_batch_count(s_w(txn), assessment, len);
}

uint64_t as_pgs_store_response_count_rd(as_reader_t *rd, const char *assessment, uint32_t len)
{
    as_err_t err;
    return s_count(as_pg_reader_conn((as_pg_reader_t *)rd, &err), assessment, len);
}

as_code_t as_pgs_store_pending_add(as_wtxn_t *txn, const char *assessment, uint32_t len,
                                   uint64_t rid, bool pending, as_err_t *err)
{
    /* this engine's part, as the response counts (pg_stats.c says why) */
    char a[AS_MAX_ID + 1], r[24];
    snprintf(a, sizeof a, "%.*s", (int)len, assessment);
    snprintf(r, sizeof r, "%llu", (unsigned long long)rid);
    const char *p[3] = {a, s_w(txn)->st->node, pending ? "1" : "-1"};
    PGconn *c = as_pg_wconn(s_w(txn));
    if (!c) return as_err_set(err, AS_UNAVAILABLE, "PostgreSQL: the transaction did not begin");
    PGresult *res;
    as_code_t rc = as_pg_query(c,
                               "INSERT INTO response_counts (assessment, node, n, pending) VALUES "
                               "($1, $2, 0, $3) ON CONFLICT (assessment, node) DO UPDATE SET "
                               "pending = response_counts.pending + EXCLUDED.pending RETURNING "
                               "pending",
                               3, p, "count pending responses", &res, err);
    if (rc) return rc;
    PQclear(res);
    const char *q[2] = {a, r};
    rc = as_pg_query(c,
                     pending ? "INSERT INTO pending_responses VALUES ($1, $2) ON CONFLICT DO "
                               "NOTHING RETURNING 1"
                             : "DELETE FROM pending_responses WHERE assessment = $1 AND rid = $2 "
                               "RETURNING 1",
                     2, q, "list pending responses", &res, err);
    if (!rc) PQclear(res);
    return rc;
}

as_code_t as_pgs_store_pending_scan(as_wtxn_t *txn, const char *assessment, uint32_t len,
                                    uint64_t after, as_pending_fn fn, void *arg, as_err_t *err)
{
    PGconn *c = as_pg_wconn(s_w(txn));
    if (!c) return as_err_set(err, AS_UNAVAILABLE, "PostgreSQL: the transaction did not begin");
    char a[AS_MAX_ID + 1], r[24];
    snprintf(a, sizeof a, "%.*s", (int)len, assessment);
    for (;;) { /* 256 at a time, until fn stops or none is left */
        snprintf(r, sizeof r, "%llu", (unsigned long long)after);
        const char *p[2] = {a, r};
        PGresult *res;
        as_code_t rc = as_pg_query(c,
                                   "SELECT rid FROM pending_responses WHERE assessment = $1 AND "
                                   "rid > $2 ORDER BY rid LIMIT 256",
                                   2, p, "list pending responses", &res, err);
        if (rc) return rc;
        int n = PQntuples(res);
        bool stop = false;
        for (int i = 0; i < n && !stop; i++) {
            after = as_pg_get_int8(PQgetvalue(res, i, 0));
            stop = fn(arg, after);
        }
        PQclear(res);
        if (stop || n < 256) return AS_OK;
    }
}

uint64_t as_pgs_store_pending_count_rd(as_reader_t *rd, const char *assessment, uint32_t len)
{
    char a[AS_MAX_ID + 1];
    snprintf(a, sizeof a, "%.*s", (int)len, assessment);
    const char *p[1] = {a};
    uint64_t v = 0;
    as_err_t err;
    PGconn *c = as_pg_reader_conn((as_pg_reader_t *)rd, &err);
    if (c)
        as_pg_int8(c,
                   "SELECT coalesce(sum(pending), 0)::int8 FROM response_counts WHERE "
                   "assessment = $1",
                   1, p, "pending responses", &v, &err);
    return v;
}

uint64_t as_pgs_store_next_rid(as_wtxn_t *txn)
{
    as_pg_wtxn_t *w = s_w(txn);
    if (w->rid_used < w->rid_n) return w->rid_first + w->rid_used++; /* reserved by prepare */
    uint64_t v = 0;
    as_err_t err;
    as_pg_int8(as_pg_wconn(s_w(txn)),
               "UPDATE counters SET value = value + 1 WHERE name = 'rid' "
               "RETURNING value",
               0, NULL, "response id", &v, &err);
    return v; /* (0 on failure: the transaction is aborted, its commit fails) */
}

uint64_t as_pgs_store_last_rid(as_wtxn_t *txn)
{
    as_pg_wtxn_t *w = s_w(txn);
    if (w->rid_used < w->rid_n) return w->rid_first + w->rid_used - 1; /* (not the reserved) */
    uint64_t v = 0;
    as_err_t err;
    as_pg_int8(as_pg_wconn(s_w(txn)), "SELECT value FROM counters WHERE name = 'rid'", 0, NULL,
               "response id", &v, &err);
    return v;
}

as_code_t as_pgs_store_response_add(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                    uint32_t attempt, const void *record, size_t len, as_err_t *err)
{
    as_pg_entry_t *e = as_pg_batch_entry(s_w(txn), s);
    if (e) return as_pg_batch_add(s_w(txn), e, s, rid, attempt, record, len, err);
    /* (a subject not declared: stored now, by the statement a batch's commit uses) */
    PGconn *c = as_pg_wconn(s_w(txn));
    as_pg_arr_t a[6] = {{0}};
    as_pg_arr_begin(&a[0], AS_PG_INT8, 1);
    as_pg_arr_int8(&a[0], rid);
    as_pg_arr_begin(&a[1], AS_PG_TEXT, 1);
    as_pg_arr_bytes(&a[1], s->assessment, s->assessment_len);
    as_pg_arr_begin(&a[2], AS_PG_TEXT, 1);
    as_pg_arr_bytes(&a[2], s->learner, s->learner_len);
    as_pg_arr_begin(&a[3], AS_PG_INT4, 1);
    as_pg_arr_int4(&a[3], attempt);
    as_pg_arr_begin(&a[4], AS_PG_BYTEA, 1);
    as_pg_arr_bytes(&a[4], record, len);
    as_pg_arr_begin(&a[5], AS_PG_TEXT, 1);
    as_pg_arr_bytes(&a[5], s->key, s->key_len);
    as_code_t rc = AS_OK;
    if (!PQenterPipelineMode(c)) {
        rc = as_pg_fail(c, NULL, "pipeline", err);
    } else {
        if (!as_pg_send_responses(c, a, s_w(txn)->st->node) || !PQpipelineSync(c))
            rc = as_pg_fail(c, NULL, "send", err);
        if (!rc) rc = as_pg_recv(c, PGRES_COMMAND_OK, "store response", NULL, err);
        rc = as_pg_sync(c, rc, err);
    }
    for (int i = 0; i < 6; i++)
        free(a[i].p);
    return rc;
}

as_code_t as_pgs_store_response_replace(as_wtxn_t *txn, const char *a, uint32_t alen, uint64_t rid,
                                        const void *record, size_t len, as_err_t *err)
{
    (void)a, (void)alen;
    if (as_pg_batch_row(s_w(txn), rid)) /* (a regrade replaces stored responses only) */
        return as_err_set(err, AS_INTERNAL, "response %llu is not stored yet",
                          (unsigned long long)rid);
    char r[24];
    snprintf(r, sizeof r, "%llu", (unsigned long long)rid);
    const char *p[2] = {r, record};
    int lens[2] = {0, (int)len}, fmts[2] = {0, 1};
    return as_pg_run(as_pg_wconn(s_w(txn)), "UPDATE responses SET record = $2 WHERE rid = $1", 2, p,
                     lens, fmts, "replace response", err);
}

/* A record read: kept in the arena for the caller. */
typedef struct {
    as_pg_arena_t *arena;
    const void *rec;
    size_t len;
} s_kept_t;

static void s_keep_record(void *arg, uint64_t rid, const void *record, size_t len)
{
    (void)rid;
    s_kept_t *k = arg;
    k->rec = as_pg_keep(k->arena, record, len);
    k->len = len;
}

static as_code_t s_get(PGconn *c, as_pg_arena_t *arena, uint64_t rid, const void **record,
                       size_t *len, as_err_t *err)
{
    if (!c) return err->code;
    s_kept_t k = {.arena = arena};
    as_code_t rc = as_pg_response_get(c, rid, s_keep_record, &k, err);
    if (rc) return rc;
    if (!k.rec) return as_err_set(err, AS_INTERNAL, "out of memory");
    *record = k.rec;
    *len = k.len;
    return AS_OK;
}

as_code_t as_pgs_store_response_wget(as_wtxn_t *txn, uint64_t rid, const void **record, size_t *len,
                                     as_err_t *err)
{
    const as_pg_row_buf_t *row = as_pg_batch_row(s_w(txn), rid);
    if (row) {
        *record = row->record;
        *len = row->len;
        return AS_OK;
    }
    return s_get(as_pg_wconn(s_w(txn)), &s_w(txn)->arena, rid, record, len, err);
}

as_code_t as_pgs_store_response_get(as_reader_t *r, uint64_t rid, const void **record, size_t *len,
                                    as_err_t *err)
{
    as_pg_reader_t *rd = (as_pg_reader_t *)r;
    return s_get(as_pg_reader_conn(rd, err), &rd->arena, rid, record, len, err);
}

as_code_t as_pgs_store_response_get_in(as_reader_t *rd, const char *assessment, uint32_t alen,
                                       uint64_t rid, const void **record, size_t *len,
                                       as_err_t *err)
{
    (void)assessment, (void)alen; /* (a response id is the key) */
    return as_pgs_store_response_get(rd, rid, record, len, err);
}

as_code_t as_pgs_store_response_list(as_reader_t *r, const char *assessment,
                                     uint32_t assessment_len, const char *learner,
                                     uint32_t learner_len, uint64_t after, uint32_t limit,
                                     as_response_fn fn, void *arg, uint64_t *total, bool *more,
                                     as_err_t *err)
{
    PGconn *c = as_pg_reader_conn((as_pg_reader_t *)r, err);
    if (!c) return err->code;
    return as_pg_response_list(c, assessment, assessment_len, learner, learner_len, after, limit,
                               fn, arg, total, more, err);
}

as_code_t as_pgs_store_rids_scan(as_reader_t *r, uint64_t after, uint32_t limit, as_rid_fn fn,
                                 void *arg, as_err_t *err)
{
    PGconn *c = as_pg_reader_conn((as_pg_reader_t *)r, err);
    if (!c) return err->code;
    return as_pg_rids_scan(c, after, limit, fn, arg, err);
}

/* ---- report statistics ---- */

/* The subject's statistics rows, read (and locked) at its first use in the transaction. */
static as_code_t s_stats_load(as_pg_wtxn_t *w, const as_pg_subject_t *s, as_err_t *err)
{
    if (as_pg_stats_loaded(w->stats, s)) return AS_OK;
    PGconn *c = as_pg_wconn(w);
    if (!PQenterPipelineMode(c)) return as_pg_fail(c, NULL, "pipeline", err);
    as_code_t rc = as_pg_send_learner_lock(c, s->learner, s->learner_len, err);
    if (!rc) rc = as_pg_stats_send_load(c, w->stats, s, 1, err);
    if (!rc && !PQpipelineSync(c)) rc = as_pg_fail(c, NULL, "send", err);
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "lock the learner", NULL, err);
    if (!rc) rc = as_pg_stats_recv_load(c, w->stats, err);
    return as_pg_sync(c, rc, err);
}

/* The subject as pg_stats.c takes it; its strings are the caller's, kept in the arena (the
 * statistics keep pointers to them until the commit). */
static as_code_t s_subject(as_pg_wtxn_t *w, const as_subject_t *s, as_pg_subject_t *out,
                           as_err_t *err)
{
    const char *a = as_pg_keep(&w->arena, s->assessment, s->assessment_len);
    const char *l = as_pg_keep(&w->arena, s->learner, s->learner_len);
    if (!a || !l) return as_err_set(err, AS_INTERNAL, "out of memory");
    *out = (as_pg_subject_t){.assessment = a,
                             .assessment_len = s->assessment_len,
                             .learner = l,
                             .learner_len = s->learner_len};
    return AS_OK;
}

as_code_t as_pgs_store_stats_update(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                    const as_table_t *t, const double *x, const uint8_t *answered,
                                    double total, as_err_t *err)
{
    as_pg_wtxn_t *w = s_w(txn);
    as_pg_subject_t ps;
    as_code_t rc = s_subject(w, s, &ps, err);
    if (!rc) rc = s_stats_load(w, &ps, err);
    if (!rc) rc = as_pg_stats_add(w->stats, &ps, rid, t, x, answered, total, err);
    return rc;
}

as_code_t as_pgs_store_stats_reset(as_wtxn_t *txn, const char *a, uint32_t alen,
                                   const as_table_t *t, uint64_t job, uint32_t *gen, as_err_t *err)
{
    as_pg_wtxn_t *w = s_w(txn);
    as_pg_subject_t ps;
    as_subject_t s = {.assessment = a, .assessment_len = alen, .learner = "", .learner_len = 0};
    as_code_t rc = s_subject(w, &s, &ps, err);
    if (!rc) rc = s_stats_load(w, &ps, err);
    if (!rc) rc = as_pg_stats_reset(w->stats, ps.assessment, alen, t, job, gen, err);
    return rc;
}

as_code_t as_pgs_store_stats_regraded(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                      const as_table_t *t, uint32_t gen, const double *x,
                                      const uint8_t *answered, double total, as_err_t *err)
{
    as_pg_wtxn_t *w = s_w(txn);
    as_pg_subject_t ps;
    as_code_t rc = s_subject(w, s, &ps, err);
    if (!rc) rc = s_stats_load(w, &ps, err);
    if (!rc) rc = as_pg_stats_regraded(w->stats, &ps, rid, t, gen, x, answered, total, err);
    return rc;
}

as_code_t as_pgs_store_stats_rebuilt(as_wtxn_t *txn, const as_table_t *t, uint64_t job,
                                     as_err_t *err)
{
    as_pg_wtxn_t *w = s_w(txn);
    as_pg_subject_t ps;
    as_subject_t s = {.assessment = as_table_str(t, t->hdr.id_off),
                      .assessment_len = t->hdr.id_len,
                      .learner = ""};
    as_code_t rc = s_subject(w, &s, &ps, err);
    if (!rc) rc = s_stats_load(w, &ps, err);
    if (!rc) rc = as_pg_stats_rebuilt(w->stats, t, job, err);
    return rc;
}

as_code_t as_pgs_store_stats_read(as_reader_t *r, const as_table_t *t, as_stats_sums_t **sums,
                                  as_total_count_t **totals, size_t *n_totals, as_err_t *err)
{
    PGconn *c = as_pg_reader_conn((as_pg_reader_t *)r, err);
    if (!c) return err->code;
    return as_pg_stats_read(c, t, sums, totals, n_totals, err);
}
