/* pg_store.h — PostgreSQL behind store.h (internal to store/postgres/): the store, its readers
 * and write transactions. pg_store.c keeps their lives (connections, transactions, the local map
 * of compiled tables and the catalog); pg_store_records.c and pg_store_learners.c carry every
 * other operation to the pg_*.c parts.
 *
 * What a read returns as a view (a record, a blob, saved answers) is a copy kept in the reader's
 * or the transaction's arena until as_reader_end or the commit, as LMDB's views are valid until
 * then.
 */
#ifndef AS_PG_STORE_H
#define AS_PG_STORE_H

#include "pg.h"
#include "pg_array.h"
#include "store_ops.h"

#include <pthread.h>

typedef struct s_pg_block as_pg_block_t; /* an arena's block */

typedef struct {
    as_pg_block_t *head;
} as_pg_arena_t;

/* A copy of len bytes in the arena (NULL: out of memory). */
void *as_pg_keep(as_pg_arena_t *a, const void *p, size_t len);
void as_pg_arena_free(as_pg_arena_t *a);

/* Reconnecting with backoff: after a failed attempt the next waits 100 ms, doubling to 1 s (pg.h);
 * meanwhile what needs the connection is answered `unavailable` at once (with the last reason),
 * so that no thread waits on a server that is away. */
typedef struct {
    uint64_t retry_ns; /* no attempt before (monotonic) */
    uint32_t backoff_ms;
    char why[200]; /* the last failure (its first 199 bytes) */
} as_pg_backoff_t;

/* *c when it is connected; else a new connection when the backoff allows (NULL with
 * `unavailable` otherwise). */
PGconn *as_pg_reconnect(PGconn **c, const char *conninfo, as_pg_backoff_t *b, as_err_t *err);

typedef struct {
    const as_store_ops_t *ops; /* first: store.c dispatches through it */
    char *conninfo;
    as_store_t *map; /* the local LMDB map of compiled tables, the follower's to write */
    as_pg_follower_t *follower;
    PGconn *wc; /* the writer's connection (only the writer writes) */
    as_pg_backoff_t wc_backoff;
    char node[300];        /* this engine, as job leases name it: host and data directory */
    pthread_mutex_t lease; /* the job this engine holds a lease on (job thread, writer) */
    uint64_t lease_job, lease_epoch;
} as_pg_store_t;

typedef struct {
    const as_store_ops_t *ops;
    as_pg_store_t *st;
    as_reader_t *map;
    PGconn *c; /* connected at the first read that needs it, again when lost */
    as_pg_backoff_t backoff;
    as_pg_arena_t arena;
} as_pg_reader_t;

/* An assessment put or deleted in the transaction: what it reads of it until the commit. */
typedef struct {
    char id[AS_MAX_ID];
    uint32_t len;
    uint8_t *blob; /* NULL: deleted */
    size_t blob_len;
} as_pg_put_t;

/* What a write transaction read ahead for a subject (assessment, learner) the batch declared
 * (as_wtxn_prepare), kept current by its writes (pg_store_batch.c). */
typedef struct {
    const char *a, *l; /* in the arena */
    uint32_t alen, llen;
    uint32_t stored; /* responses stored (attempt_counts), with the batch's */
    uint32_t starts; /* attempts counted against max_attempts (attempt_starts) */
    bool starts_dirty;
    bool o_found;
    as_override_t o;
} as_pg_entry_t;

/* An idempotency key of a declared subject: the response stored under it (0: none). */
typedef struct {
    const char *a, *l, *key;
    uint32_t alen, llen, klen;
    uint64_t rid;
} as_pg_key_t;

/* A response the batch stores, written at the commit. */
typedef struct {
    uint64_t rid;
    uint32_t entry, attempt;
    const char *key; /* NULL: none */
    uint32_t klen;
    const void *record;
    size_t len;
} as_pg_row_buf_t;

/* A model as the transaction listed it (as_store_model_wlist), until a model write. */
typedef struct {
    const char *id;
    uint32_t len;
    as_model_rec_t rec;
    const void *blob;
    size_t blob_len;
} as_pg_model_row_t;

typedef struct {
    const as_store_ops_t *ops;
    as_pg_store_t *st;
    PGconn *c;        /* st->wc; its statements go through as_pg_wconn */
    bool begun;       /* BEGIN sent (at the first statement: as_pg_wconn, or the read ahead) */
    bool failed;      /* BEGIN failed: nothing may run, the transaction cannot commit */
    as_reader_t *map; /* the map, for the current tables */
    as_pg_arena_t arena;
    as_pg_stats_t *stats;
    as_pg_mastery_t *mastery;
    as_pg_put_t *puts;
    uint32_t n_puts, cap_puts;
    uint64_t catalog_seq; /* the last catalog change made (0: none): the map has it before commit
                             returns */
    uint64_t seq;         /* the notification sequence, read at its first use */
    bool seq_read;
    /* the batch's declared subjects, read ahead (pg_store_batch.c) */
    as_pg_entry_t *entries;
    uint32_t n_entries;
    as_pg_key_t *keys;
    uint32_t n_keys;
    as_pg_row_buf_t *rows;
    uint32_t n_rows, cap_rows;
    uint64_t rid_first; /* response ids reserved: rid_first .. rid_first + rid_n - 1 */
    uint32_t rid_n, rid_used;
    as_pg_model_row_t *models; /* NULL: not listed (or a model write since) */
    uint32_t n_models;
    bool models_listed;
} as_pg_wtxn_t;

/* Each engine's notifications are numbered by its own sequence (counters row "seq:<node>"), so
 * that what one engine publishes has no gaps whatever the others commit: read (and locked, made
 * when missing) with $1 the node; written back at the commit with $1 the value, $2 the node. */
#define AS_PG_SEQ_READ                                                                             \
    "INSERT INTO counters (name, value) VALUES ('seq:' || $1, 0) ON CONFLICT (name) DO UPDATE "    \
    "SET value = counters.value RETURNING value"
#define AS_PG_SEQ_WRITE "UPDATE counters SET value = $1 WHERE name = 'seq:' || $2"

/* ---- pg_store_batch.c ---- */

/* The class of the advisory locks on learners (the other key: hashtext of the learner's id). */
#define AS_PG_LEARNER_LOCKS "1634956665"
/* Sends (in pipeline mode) the statement that locks the learners of a text[] array until the
 * transaction ends: whatever a write reads and writes of a learner (latest attempts, mastery,
 * attempt counts, keys) is then one engine's at a time. One row per distinct learner. */
bool as_pg_send_learner_locks(PGconn *c, const as_pg_arr_t *learners);
/* The same for one learner (a subject read later in a transaction than its read ahead). */
as_code_t as_pg_send_learner_lock(PGconn *c, const char *learner, uint32_t len, as_err_t *err);

/* The entry of a declared subject (NULL: not declared: the caller reads the database). */
as_pg_entry_t *as_pg_batch_entry(as_pg_wtxn_t *w, const as_subject_t *s);
/* The key of a declared subject (NULL: not declared, or no key). */
as_pg_key_t *as_pg_batch_key(as_pg_wtxn_t *w, const as_subject_t *s);
/* A response the batch stored (NULL: none). */
const as_pg_row_buf_t *as_pg_batch_row(as_pg_wtxn_t *w, uint64_t rid);
/* Keeps a response of a declared subject's entry for the commit. */
as_code_t as_pg_batch_add(as_pg_wtxn_t *w, as_pg_entry_t *e, const as_subject_t *s, uint64_t rid,
                          uint32_t attempt, const void *record, size_t len, as_err_t *err);
/* How many responses of assessment a the batch stored. */
uint64_t as_pg_batch_count(as_pg_wtxn_t *w, const char *a, uint32_t alen);
/* Sends (in the commit's pipeline) what the batch kept: its responses, keys and counts, and the
 * attempt counts it changed; *sent: how many statements. */
as_code_t as_pg_batch_send(as_pg_wtxn_t *w, uint32_t *sent, as_err_t *err);
void as_pg_batch_free(as_pg_wtxn_t *w);

/* The write transaction's connection, its BEGIN sent first if need be (NULL when BEGIN failed:
 * then every statement fails, and as_wtxn_broken says so). */
PGconn *as_pg_wconn(as_pg_wtxn_t *w);

/* The reader's connection, (re)connected when need be: NULL with `unavailable`. */
PGconn *as_pg_reader_conn(as_pg_reader_t *rd, as_err_t *err);

/* A statement with text parameters giving one row of one int8 column (0 when no row), or an
 * error. */
as_code_t as_pg_int8(PGconn *c, const char *sql, int n, const char *const *p, const char *what,
                     uint64_t *out, as_err_t *err);

/* The operations, as store.h says (pg_store_ops.c gathers them). */
extern const as_store_ops_t as_pg_ops;
as_code_t as_pgs_store_sync(as_store_t *store, as_err_t *err);
void as_pgs_store_destroy(as_store_t **self_p);
void as_pgs_store_usage(as_store_t *self, size_t *map_size, size_t *used);
as_code_t as_pgs_reader_new(as_store_t *store, as_reader_t **out, as_err_t *err);
as_code_t as_pgs_reader_begin(as_reader_t *rd, as_err_t *err);
void as_pgs_reader_end(as_reader_t *rd);
void as_pgs_reader_destroy(as_reader_t **rd_p);
as_code_t as_pgs_store_table(as_reader_t *rd, const char *id, uint32_t len, as_table_t *t,
                             as_err_t *err);
as_code_t as_pgs_store_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                              size_t *src_len, as_err_t *err);
as_code_t as_pgs_store_list(as_reader_t *rd, const char *after, uint32_t after_len, uint32_t limit,
                            as_list_fn fn, void *arg, size_t *total, bool *more, as_err_t *err);
as_code_t as_pgs_wtxn_begin(as_store_t *store, as_wtxn_t **out, as_err_t *err);
as_code_t as_pgs_wtxn_commit(as_wtxn_t **txn_p, as_err_t *err);
void as_pgs_wtxn_abort(as_wtxn_t **txn_p);
bool as_pgs_wtxn_broken(as_wtxn_t *txn);
as_code_t as_pgs_wtxn_prepare(as_wtxn_t *txn, const as_subject_t *s, uint32_t n, as_err_t *err);
bool as_pgs_store_full(as_store_t *store);
as_code_t as_pgs_store_grow(as_store_t *store, as_err_t *err);
as_code_t as_pgs_store_put_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len,
                                      const void *src, size_t src_len, uint8_t *blob,
                                      size_t blob_len, uint32_t *version, as_err_t *err);
as_code_t as_pgs_store_delete_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len,
                                         bool force, as_err_t *err);
as_code_t as_pgs_store_wtable(as_wtxn_t *txn, const char *id, uint32_t len, as_table_t *t,
                              as_err_t *err);
as_code_t as_pgs_store_cache_assessment(as_wtxn_t *txn, const char *id, uint32_t len,
                                        const void *src, size_t src_len, const void *blob,
                                        size_t blob_len, as_err_t *err);
as_code_t as_pgs_store_cache_position_set(as_wtxn_t *txn, uint64_t pos, as_err_t *err);
as_code_t as_pgs_store_cache_position(as_store_t *store, uint64_t *pos, as_err_t *err);
as_code_t as_pgs_store_cache_identity(as_store_t *store, char *out, size_t cap, as_err_t *err);
as_code_t as_pgs_store_cache_reset(as_wtxn_t *txn, const char *identity, as_err_t *err);
as_code_t as_pgs_store_idem_find(as_wtxn_t *txn, const as_subject_t *s, uint64_t *rid,
                                 as_err_t *err);
uint32_t as_pgs_store_attempts(as_wtxn_t *txn, const as_subject_t *s);
uint64_t as_pgs_store_response_count(as_wtxn_t *txn, const char *assessment, uint32_t len);
uint64_t as_pgs_store_response_count_rd(as_reader_t *rd, const char *assessment, uint32_t len);
as_code_t as_pgs_store_pending_add(as_wtxn_t *w, const char *assessment, uint32_t len, uint64_t rid,
                                   bool pending, as_err_t *err);
as_code_t as_pgs_store_pending_scan(as_wtxn_t *w, const char *assessment, uint32_t len,
                                    uint64_t after, as_pending_fn fn, void *arg, as_err_t *err);
as_code_t as_pgs_store_lease_take(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t ilen,
                                  const char *rater, uint32_t rlen, double now, double until,
                                  bool *taken, as_err_t *err);
as_code_t as_pgs_store_lease_release(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t ilen,
                                     const char *rater, uint32_t rlen, as_err_t *err);
uint64_t as_pgs_store_pending_count_rd(as_reader_t *rd, const char *assessment, uint32_t len);
as_code_t as_pgs_store_grade_put(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                                 as_grade_t *g, as_err_t *err);
as_code_t as_pgs_store_grade_list(as_reader_t *rd, const as_grade_filter_t *f,
                                  const as_grade_row_t *after, uint32_t limit, as_grade_row_fn fn,
                                  void *arg, uint64_t *total, bool *more, as_err_t *err);
as_code_t as_pgs_store_grade_counts_add(as_wtxn_t *txn, const char *a, uint32_t alen,
                                        const char *item, uint32_t ilen, const char *key,
                                        uint32_t klen, const int64_t *delta, uint32_t n,
                                        as_err_t *err);
as_code_t as_pgs_store_grade_counts(as_reader_t *rd, const char *a, uint32_t alen, const char *item,
                                    uint32_t ilen, as_counts_fn fn, void *arg, as_err_t *err);
as_code_t as_pgs_store_grades(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                              as_grade_fn fn, void *arg, as_err_t *err);
uint64_t as_pgs_store_next_rid(as_wtxn_t *txn);
as_code_t as_pgs_store_response_add(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                    uint32_t attempt, const void *record, size_t len,
                                    as_err_t *err);
uint64_t as_pgs_store_last_rid(as_wtxn_t *txn);
as_code_t as_pgs_store_response_replace(as_wtxn_t *txn, const char *a, uint32_t alen, uint64_t rid,
                                        const void *record, size_t len, as_err_t *err);
as_code_t as_pgs_store_response_wget(as_wtxn_t *txn, uint64_t rid, const void **record, size_t *len,
                                     as_err_t *err);
as_code_t as_pgs_store_stats_update(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                    const as_table_t *t, const double *x, const uint8_t *answered,
                                    double total, as_err_t *err);
as_code_t as_pgs_store_stats_reset(as_wtxn_t *txn, const char *a, uint32_t alen,
                                   const as_table_t *t, uint64_t job, uint32_t *gen, as_err_t *err);
as_code_t as_pgs_store_stats_regraded(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                      const as_table_t *t, uint32_t gen, const double *x,
                                      const uint8_t *answered, double total, as_err_t *err);
as_code_t as_pgs_store_stats_rebuilt(as_wtxn_t *txn, const as_table_t *t, uint64_t job,
                                     as_err_t *err);
as_code_t as_pgs_store_stats_read(as_reader_t *rd, const as_table_t *t, as_stats_sums_t **sums,
                                  as_total_count_t **totals, size_t *n_totals, as_err_t *err);
as_code_t as_pgs_store_response_get(as_reader_t *rd, uint64_t rid, const void **record, size_t *len,
                                    as_err_t *err);
as_code_t as_pgs_store_response_get_in(as_reader_t *rd, const char *assessment, uint32_t alen,
                                       uint64_t rid, const void **record, size_t *len,
                                       as_err_t *err);
as_code_t as_pgs_store_response_list(as_reader_t *rd, const char *assessment,
                                     uint32_t assessment_len, const char *learner,
                                     uint32_t learner_len, uint64_t after, uint32_t limit,
                                     as_response_fn fn, void *arg, uint64_t *total, bool *more,
                                     as_err_t *err);
as_code_t as_pgs_store_rids_scan(as_reader_t *rd, uint64_t after, uint32_t limit, as_rid_fn fn,
                                 void *arg, as_err_t *err);
as_stamp_t as_pgs_store_stamp(as_wtxn_t *txn);
as_code_t as_pgs_store_skill_put(as_wtxn_t *txn, const char *id, uint32_t len,
                                 const as_bkt_params_t *params, bool *created, as_err_t *err);
as_code_t as_pgs_store_skill_get(as_reader_t *rd, const char *id, uint32_t len, as_skill_t *skill,
                                 as_err_t *err);
as_code_t as_pgs_store_skill_wget(as_wtxn_t *txn, const char *id, uint32_t len, as_skill_t *skill,
                                  as_err_t *err);
as_code_t as_pgs_store_skill_set(as_wtxn_t *txn, const char *id, uint32_t len,
                                 const as_skill_t *skill, as_err_t *err);
as_code_t as_pgs_store_skill_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err);
as_code_t as_pgs_store_skill_list(as_reader_t *rd, const char *after, uint32_t after_len,
                                  uint32_t limit, as_skill_fn fn, void *arg, uint64_t *total,
                                  bool *more, as_err_t *err);
as_code_t as_pgs_store_skills_check(as_reader_t *rd, const as_table_t *t, as_err_t *err);
as_code_t as_pgs_store_skills_wcheck(as_wtxn_t *txn, const as_table_t *t, as_err_t *err);
as_code_t as_pgs_store_mastery_wget(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                    const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                    uint32_t gen, as_mastery_t *m, bool *found, as_err_t *err);
as_code_t as_pgs_store_mastery_wput(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                    const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                    uint32_t gen, const as_mastery_t *m, as_err_t *err);
as_code_t as_pgs_store_mastery_get(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                   const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                   as_mastery_t *m, as_err_t *err);
as_code_t as_pgs_store_mastery_list(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                    as_mastery_fn fn, void *arg, as_err_t *err);
as_code_t as_pgs_store_mastery_scan(as_reader_t *rd, const char *skill, uint32_t skill_len,
                                    as_mastery_fn fn, void *arg, as_err_t *err);
as_code_t as_pgs_store_model_put(as_wtxn_t *txn, const char *id, uint32_t len, uint32_t kind,
                                 const void *blob, size_t blob_len, const void *src, size_t src_len,
                                 as_model_rec_t *rec, bool *created, as_err_t *err);
as_code_t as_pgs_store_model_get(as_reader_t *rd, const char *id, uint32_t len, as_model_rec_t *rec,
                                 const void **blob, size_t *blob_len, as_err_t *err);
as_code_t as_pgs_store_model_wget(as_wtxn_t *txn, const char *id, uint32_t len, as_model_rec_t *rec,
                                  const void **blob, size_t *blob_len, as_err_t *err);
as_code_t as_pgs_store_model_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                                    size_t *src_len, as_err_t *err);
as_code_t as_pgs_store_model_set(as_wtxn_t *txn, const char *id, uint32_t len,
                                 const as_model_rec_t *rec, as_err_t *err);
as_code_t as_pgs_store_model_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err);
as_code_t as_pgs_store_model_list(as_reader_t *rd, const char *after, uint32_t after_len,
                                  uint32_t limit, as_model_fn fn, void *arg, uint64_t *total,
                                  bool *more, as_err_t *err);
as_code_t as_pgs_store_model_wlist(as_wtxn_t *txn, as_model_fn fn, void *arg, as_err_t *err);
as_code_t as_pgs_store_model_state_get(as_reader_t *rd, const char *model, uint32_t mlen,
                                       const char *learner, uint32_t llen, uint32_t gen,
                                       uint32_t n_state, const void **state, uint32_t *steps,
                                       bool *found, as_err_t *err);
as_code_t as_pgs_store_model_state_wget(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                        const char *learner, uint32_t llen, uint32_t gen,
                                        uint32_t n_state, const void **state, uint32_t *steps,
                                        bool *found, as_err_t *err);
as_code_t as_pgs_store_model_state_put(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                       const char *learner, uint32_t llen, as_model_rec_t *rec,
                                       uint32_t gen, uint32_t steps, const float *state,
                                       bool *new_learner, as_err_t *err);
as_code_t as_pgs_store_attempt_new(as_wtxn_t *txn, as_attempt_t *a, const void *answers, size_t len,
                                   as_err_t *err);
as_code_t as_pgs_store_attempt_put(as_wtxn_t *txn, const as_attempt_t *a, const void *answers,
                                   size_t len, as_err_t *err);
as_code_t as_pgs_store_attempt_wget(as_wtxn_t *txn, uint64_t id, as_attempt_t *a,
                                    const void **answers, size_t *len, as_err_t *err);
as_code_t as_pgs_store_attempt_get(as_reader_t *rd, uint64_t id, as_attempt_t *a,
                                   const void **answers, size_t *len, as_err_t *err);
as_code_t as_pgs_store_attempt_open(as_wtxn_t *txn, const as_subject_t *s, uint64_t *id,
                                    as_err_t *err);
uint32_t as_pgs_store_attempt_count(as_wtxn_t *txn, const as_subject_t *s);
as_code_t as_pgs_store_attempt_count_set(as_wtxn_t *txn, const as_subject_t *s, uint32_t n,
                                         as_err_t *err);
as_code_t as_pgs_store_attempt_due(as_wtxn_t *txn, double now, uint64_t *id, as_due_t *kind,
                                   double *next, as_err_t *err);
as_code_t as_pgs_store_attempt_list(as_reader_t *rd, const char *assessment, uint32_t len,
                                    uint64_t after, as_attempt_fn fn, void *arg, as_err_t *err);
as_code_t as_pgs_store_override_put(as_wtxn_t *txn, const as_subject_t *s, const as_override_t *o,
                                    as_err_t *err);
as_code_t as_pgs_store_override_wget(as_wtxn_t *txn, const as_subject_t *s, as_override_t *o,
                                     bool *found, as_err_t *err);
as_code_t as_pgs_store_job_new(as_wtxn_t *txn, as_job_t *job, as_err_t *err);
as_code_t as_pgs_store_job_put(as_wtxn_t *txn, const as_job_t *job, as_err_t *err);
as_code_t as_pgs_store_job_wget(as_wtxn_t *txn, uint64_t id, as_job_t *job, as_err_t *err);
as_code_t as_pgs_store_job_get(as_reader_t *rd, uint64_t id, as_job_t *job, as_err_t *err);
as_code_t as_pgs_store_job_list(as_reader_t *rd, uint64_t after, uint32_t limit, as_job_fn fn,
                                void *arg, uint64_t *total, bool *more, as_err_t *err);
as_code_t as_pgs_store_job_data_put(as_wtxn_t *txn, uint64_t id, as_job_part_t part,
                                    const void *data, size_t len, as_err_t *err);
as_code_t as_pgs_store_job_data_get(as_reader_t *rd, uint64_t id, as_job_part_t part,
                                    const void **data, size_t *len, as_err_t *err);
as_code_t as_pgs_store_job_data_wget(as_wtxn_t *txn, uint64_t id, as_job_part_t part,
                                     const void **data, size_t *len, as_err_t *err);
as_code_t as_pgs_store_job_next(as_reader_t *rd, as_job_t *job, as_err_t *err);

#endif
