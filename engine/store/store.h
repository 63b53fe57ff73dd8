/* store.h — the LMDB environment of a data directory: the one store interface of assayd.
 *
 * Named databases: "sources" (assessment id -> msgpack definition as submitted), "tables"
 * (id -> compiled weight table, table.h), "meta" (schema, the last version of each id, the
 * notification sequence). No other module knows the key layout or opens a write transaction.
 *
 * The store is opaque: no LMDB type appears here, so that another backend can implement the
 * same interface.
 *
 * Reading: each thread owns an as_reader_t and brackets each request with as_reader_begin/end
 * (an LMDB read transaction reset and renewed, never held across requests). Memory returned by
 * reads points into the map and is valid until as_reader_end.
 *
 * Writing: only the writer thread; as_wtxn_begin .. as_wtxn_commit. When the map is full the
 * operation fails with AS_UNAVAILABLE and as_store_full() is true: the writer aborts, calls
 * as_store_grow() and retries the batch.
 */
#ifndef AS_STORE_H
#define AS_STORE_H

#include "bkt.h"
#include "err.h"
#include "job.h"
#include "report.h"
#include "table.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct as_store as_store_t;
/* A backend's operations (store_ops.h): the store, its readers and write transactions carry them.
 */
typedef struct as_store_ops as_store_ops_t;

/* When commits reach the disk (assayd --sync). */
typedef enum {
    AS_SYNC_FULL,     /* every commit fsyncs before it is acknowledged (default) */
    AS_SYNC_PERIODIC, /* commits are flushed every N ms (as_store_sync from the writer) */
    AS_SYNC_NONE,     /* flushed only at shutdown: the OS writes back when it will */
} as_sync_t;

/* Opens (creating) the environment in dir with an initial map of map_size bytes (rounded up to
 * the page size; it doubles when full). Returns AS_OK, or AS_INTERNAL with the reason. */
as_code_t as_store_open(as_store_t **out, const char *dir, size_t map_size, int max_readers,
                        as_sync_t sync, as_err_t *err);
/* Flushes committed transactions to disk (needed only with AS_SYNC_PERIODIC or AS_SYNC_NONE). */
as_code_t as_store_sync(as_store_t *store, as_err_t *err);
void as_store_destroy(as_store_t **self_p);

/* Map size and bytes in use (last committed page count times page size). */
void as_store_usage(as_store_t *self, size_t *map_size, size_t *used);

/* A thread's reader: one LMDB read transaction, reset between requests and renewed by
 * as_reader_begin (never held across requests). Opaque: the store alone knows what is inside. */
typedef struct as_reader as_reader_t;

/* A new reader of the store (not yet reading). Returns AS_OK, or AS_INTERNAL with the reason. */
as_code_t as_reader_new(as_store_t *store, as_reader_t **out, as_err_t *err);
/* Starts reading: what the store returns until as_reader_end is valid until then. */
as_code_t as_reader_begin(as_reader_t *rd, as_err_t *err);
void as_reader_end(as_reader_t *rd);
/* Ends reading if need be and frees the reader; NULL-safe, sets *rd_p to NULL. */
void as_reader_destroy(as_reader_t **rd_p);

/* The compiled table of assessment id, opened in place; not_found when there is none. */
as_code_t as_store_table(as_reader_t *rd, const char *id, uint32_t len, as_table_t *t,
                         as_err_t *err);
/* The definition of assessment id as submitted (msgpack map). */
as_code_t as_store_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                          size_t *src_len, as_err_t *err);

/* Calls fn for up to limit assessments in id order after `after` (exclusive; NULL: from the
 * start). *total is the number of assessments, *more whether any follow the last one given. */
typedef void (*as_list_fn)(void *arg, const as_table_t *t);
as_code_t as_store_list(as_reader_t *rd, const char *after, uint32_t after_len, uint32_t limit,
                        as_list_fn fn, void *arg, size_t *total, bool *more, as_err_t *err);

typedef struct as_wtxn as_wtxn_t;

as_code_t as_wtxn_begin(as_store_t *store, as_wtxn_t **out, as_err_t *err);
/* Commits (durably, per the environment's sync policy) and frees the transaction. */
as_code_t as_wtxn_commit(as_wtxn_t **txn_p, as_err_t *err);
void as_wtxn_abort(as_wtxn_t **txn_p);
/* True when the transaction can no longer commit: a statement of a remote store failed in it
 * (PostgreSQL aborts the whole transaction) or its connection is gone. The writer then runs the
 * batch again without the write that broke it. Never for LMDB (a full map is as_store_full). */
bool as_wtxn_broken(as_wtxn_t *txn);

/* True when the last write failed because the map is full; as_store_grow doubles the map
 * (no transaction of this process may be active: readers are excluded by a lock). */
bool as_store_full(as_store_t *store);
as_code_t as_store_grow(as_store_t *store, as_err_t *err);

/* Stores an assessment: its source and its compiled blob, with the next version of the id
 * (versions never repeat for an id, even across deletes). The blob's version field is set. */
as_code_t as_store_put_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len, const void *src,
                                  size_t src_len, uint8_t *blob, size_t blob_len, uint32_t *version,
                                  as_err_t *err);
/* Deletes an assessment's definition and table; not_found when there is none, conflict when it
 * has stored responses and force is false. Stored responses are kept. */
as_code_t as_store_delete_assessment(as_wtxn_t *txn, const char *id, uint32_t id_len, bool force,
                                     as_err_t *err);
/* The current table of an assessment, read inside the write transaction (valid until commit). */
as_code_t as_store_wtable(as_wtxn_t *txn, const char *id, uint32_t len, as_table_t *t,
                          as_err_t *err);

/* ---- the store as the local copy of a remote catalog (store_cache.c) ----
 * With PostgreSQL as the system of record (store/postgres/pg.h), the compiled tables stay where
 * scoring reads them, in this map, written by the catalog's follower alone. */

/* Stores assessment id as the catalog has it: its source and its compiled blob, whose version
 * field is the catalog's (not this store's next); blob NULL deletes it (absent: nothing to do).
 * A blob that is not a table of this build is `internal`. */
as_code_t as_store_cache_assessment(as_wtxn_t *txn, const char *id, uint32_t len, const void *src,
                                    size_t src_len, const void *blob, size_t blob_len,
                                    as_err_t *err);
/* The catalog position the map has applied (0: none), set in the transaction that applied it. */
as_code_t as_store_cache_position_set(as_wtxn_t *txn, uint64_t pos, as_err_t *err);
as_code_t as_store_cache_position(as_store_t *store, uint64_t *pos, as_err_t *err);
/* Which catalog the map copies (its database's identity; "" when none yet), and a reset: every
 * table and source dropped, the identity set, the position 0 (the map of another database, or
 * ahead of the catalog restored from a backup, is rebuilt from the start). */
as_code_t as_store_cache_identity(as_store_t *store, char *out, size_t cap, as_err_t *err);
as_code_t as_store_cache_reset(as_wtxn_t *txn, const char *identity, as_err_t *err);

/* ---- stored responses ---- */

/* Who submitted what: the (assessment, learner, idempotency key) of a submission. Ids are at most
 * AS_MAX_ID (assessment) and AS_MAX_NAME (learner, key) bytes without NUL or control bytes. */
typedef struct {
    const char *assessment;
    uint32_t assessment_len;
    const char *learner;
    uint32_t learner_len;
    const char *key; /* NULL: no idempotency key */
    uint32_t key_len;
} as_subject_t;

/* Declares the batch's submissions before its steps run (their subjects, n of them, repeats
 * allowed): a remote store reads in one round trip what their steps will read (keys, attempts,
 * overrides, report statistics, mastery of the tables' skills) and reserves their response ids;
 * LMDB needs nothing. The steps then read and write as always. */
as_code_t as_wtxn_prepare(as_wtxn_t *txn, const as_subject_t *s, uint32_t n, as_err_t *err);

/* The response stored under idempotency key s->key, if any: AS_OK with *rid, or AS_NOT_FOUND. */
as_code_t as_store_idem_find(as_wtxn_t *txn, const as_subject_t *s, uint64_t *rid, as_err_t *err);
/* The attempts stored so far for (assessment, learner). */
uint32_t as_store_attempts(as_wtxn_t *txn, const as_subject_t *s);
/* The number of responses stored for an assessment. */
uint64_t as_store_response_count(as_wtxn_t *txn, const char *assessment, uint32_t len);
/* The same, read by a reader. */
uint64_t as_store_response_count_rd(as_reader_t *rd, const char *assessment, uint32_t len);
/* Response rid of assessment a (len bytes) waits for people's grades (pending) or no longer:
 * the assessment's pending count moves by one and the rid joins or leaves its list of waiting
 * responses (as_store_pending_scan). */
as_code_t as_store_pending_add(as_wtxn_t *txn, const char *assessment, uint32_t len, uint64_t rid,
                               bool pending, as_err_t *err);
/* Calls fn with the ids of assessment a's waiting responses after `after`, in order, until fn
 * returns true (stop). */
typedef bool (*as_pending_fn)(void *arg, uint64_t rid);
as_code_t as_store_pending_scan(as_wtxn_t *txn, const char *assessment, uint32_t len,
                                uint64_t after, as_pending_fn fn, void *arg, as_err_t *err);
/* grade.next's leases: response rid's answer to item (ilen bytes) leased to rater until `until`
 * (seconds since the epoch). Takes the lease when it is free, expired at `now` or the rater's
 * own (*taken true), else leaves it (*taken false). */
as_code_t as_store_lease_take(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t ilen,
                              const char *rater, uint32_t rlen, double now, double until,
                              bool *taken, as_err_t *err);
/* Ends rater's lease of the answer, if it holds it (its grade is in). */
as_code_t as_store_lease_release(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t ilen,
                                 const char *rater, uint32_t rlen, as_err_t *err);
uint64_t as_store_pending_count_rd(as_reader_t *rd, const char *assessment, uint32_t len);
/* The next response id (ids increase across the whole engine and never repeat). */
uint64_t as_store_next_rid(as_wtxn_t *txn);
/* Stores response `rid`, the `attempt`-th of the learner, as `record` (the msgpack map that
 * response.get returns), with its indexes and the idempotency key. */
as_code_t as_store_response_add(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                uint32_t attempt, const void *record, size_t len, as_err_t *err);
/* The highest response id given so far (0: none). */
uint64_t as_store_last_rid(as_wtxn_t *txn);
/* Replaces the record of stored response rid of assessment a (a regrade). */
as_code_t as_store_response_replace(as_wtxn_t *txn, const char *a, uint32_t alen, uint64_t rid,
                                    const void *record, size_t len, as_err_t *err);
/* A stored response read inside the write transaction (valid until commit). */
as_code_t as_store_response_wget(as_wtxn_t *txn, uint64_t rid, const void **record, size_t *len,
                                 as_err_t *err);

/* ---- item statistics (report.h) ---- */

/* Updates the statistics of s->assessment for a learner's new latest attempt, response rid,
 * scored with table t: x[] the item scores, answered[] which items were answered, total its
 * score (the sum of x, or what the assessment's outcome processing made of them). The learner's
 * previous latest attempt is subtracted when it counts in these statistics (same version and
 * generation); statistics of another version are started afresh (a new generation). */
as_code_t as_store_stats_update(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                const as_table_t *t, const double *x, const uint8_t *answered,
                                double total, as_err_t *err);
/* A regrade's start: the statistics of assessment a begin afresh for table t with a new
 * generation (*gen), marked as being rebuilt by job. Submissions from now on count in them. */
as_code_t as_store_stats_reset(as_wtxn_t *txn, const char *a, uint32_t alen, const as_table_t *t,
                               uint64_t job, uint32_t *gen, as_err_t *err);
/* A regraded response rid of learner s->learner: counted in generation gen when it is still the
 * learner's latest attempt and not counted yet (a submission since the start replaced it, or a
 * newer version restarted the statistics: nothing to do). */
as_code_t as_store_stats_regraded(as_wtxn_t *txn, const as_subject_t *s, uint64_t rid,
                                  const as_table_t *t, uint32_t gen, const double *x,
                                  const uint8_t *answered, double total, as_err_t *err);
/* A regrade's end: the statistics of t's version are complete again (when job rebuilt them). */
as_code_t as_store_stats_rebuilt(as_wtxn_t *txn, const as_table_t *t, uint64_t job, as_err_t *err);

/* The statistics of an assessment for table t (all zero when there are none for its version),
 * and its distinct totals in increasing order: both malloc'ed, the caller frees them. */
as_code_t as_store_stats_read(as_reader_t *rd, const as_table_t *t, as_stats_sums_t **sums,
                              as_total_count_t **totals, size_t *n_totals, as_err_t *err);

/* A stored response: not_found when there is none. Memory valid until as_reader_end. */
as_code_t as_store_response_get(as_reader_t *rd, uint64_t rid, const void **record, size_t *len,
                                as_err_t *err);
/* The same, of a response whose assessment is known (as as_store_rids_scan gives it): one
 * look-up instead of two. */
as_code_t as_store_response_get_in(as_reader_t *rd, const char *assessment, uint32_t alen,
                                   uint64_t rid, const void **record, size_t *len, as_err_t *err);
/* Calls fn for up to limit responses of an assessment (of one learner when learner is not NULL)
 * in submission order, after response id `after` (0: from the first). *total counts them all,
 * *more tells whether any follow the last one given. */
typedef void (*as_response_fn)(void *arg, uint64_t rid, const void *record, size_t len);
as_code_t as_store_response_list(as_reader_t *rd, const char *assessment, uint32_t assessment_len,
                                 const char *learner, uint32_t learner_len, uint64_t after,
                                 uint32_t limit, as_response_fn fn, void *arg, uint64_t *total,
                                 bool *more, as_err_t *err);
/* Calls fn for up to limit stored responses of every assessment in submission (id) order after
 * response id `after`, with the id of the assessment each belongs to. */
typedef void (*as_rid_fn)(void *arg, uint64_t rid, const char *assessment, uint32_t len);
as_code_t as_store_rids_scan(as_reader_t *rd, uint64_t after, uint32_t limit, as_rid_fn fn,
                             void *arg, as_err_t *err);
/* A notification's stamp (codec.h): this engine (its host and data directory, as
 * as_store_node_name writes it) and its next sequence number (persisted with the transaction).
 * Several engines on one database each number their own. */
as_stamp_t as_store_stamp(as_wtxn_t *txn);
/* Writes this engine's node name, "<host>:<data directory>", to buf (size n). */
void as_store_node_name(char *buf, size_t n, const char *dir);

/* ---- grades of graded items (grade.put) ---- */

/* One person's grade of one answer to a graded item. */
typedef struct {
    const char *rater;
    uint32_t rater_len;
    double score;        /* raw, a point of the item's scale */
    const char *comment; /* NULL: none */
    uint32_t comment_len;
    double first_at, at; /* seconds since the epoch: the rater's first grade of it, this one */
    uint32_t revision;   /* 1 for the rater's first grade of it, 2 for the next... */
} as_grade_t;
/* Stores g as its rater's grade of response rid's item (len bytes): it replaces the rater's
 * previous one, and every grade is kept in the history; g->first_at and g->revision are set
 * (from the previous grade, or g->at and 1). */
as_code_t as_store_grade_put(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                             as_grade_t *g, as_err_t *err);
/* Calls fn with each rater's latest grade of response rid's item, in rater id order (views valid
 * during the call). */
typedef void (*as_grade_fn)(void *arg, const as_grade_t *g);
as_code_t as_store_grades(as_wtxn_t *txn, uint64_t rid, const char *item, uint32_t len,
                          as_grade_fn fn, void *arg, as_err_t *err);

/* One grade as grade.list gives it: response rid's item, and its rater's latest grade. */
typedef struct {
    uint64_t rid;
    const char *item;
    uint32_t item_len;
    as_grade_t g;
} as_grade_row_t;
/* What grade.list selects: an assessment's (NULL: any), a response's (0: any), a rater's (NULL:
 * any). */
typedef struct {
    const char *assessment;
    uint32_t assessment_len;
    uint64_t rid;
    const char *rater;
    uint32_t rater_len;
} as_grade_filter_t;
typedef void (*as_grade_row_fn)(void *arg, const as_grade_row_t *row);
/* Calls fn with up to `limit` latest grades that f selects, in (response, item, rater) order
 * (bytes), from the one after `after` (NULL: from the first); *total: how many f selects in all,
 * *more: whether more follow. Views valid during the call. O(grades selected by response, else
 * every grade) on LMDB. */
as_code_t as_store_grade_list(as_reader_t *rd, const as_grade_filter_t *f,
                              const as_grade_row_t *after, uint32_t limit, as_grade_row_fn fn,
                              void *arg, uint64_t *total, bool *more, as_err_t *err);
/* Agreement counts of graded items (grading/agreement_counts.h says what the keys hold): a vector
 * of signed integers per (assessment a, item, key). Adds delta[0..n) to this engine's part of
 * key's vector (made of zeros when new; a vector of another length is replaced). */
as_code_t as_store_grade_counts_add(as_wtxn_t *txn, const char *a, uint32_t alen, const char *item,
                                    uint32_t ilen, const char *key, uint32_t klen,
                                    const int64_t *delta, uint32_t n, as_err_t *err);
/* Calls fn with each key of (a, item) in byte order and its vector summed over the engines' parts
 * (views valid during the call). */
typedef void (*as_counts_fn)(void *arg, const char *key, uint32_t klen, const int64_t *counts,
                             uint32_t n);
as_code_t as_store_grade_counts(as_reader_t *rd, const char *a, uint32_t alen, const char *item,
                                uint32_t ilen, as_counts_fn fn, void *arg, as_err_t *err);

/* ---- skills and mastery (knowledge tracing, bkt.h) ---- */

/* A stored skill: its parameters and the generations of its learners' mastery states. A state
 * counts when its generation is live_gen; skill.recompute builds states of a new generation
 * (shadow_gen) beside the live ones and makes it live when done (store_mastery.c). */
typedef struct {
    as_bkt_params_t params;
    uint32_t live_gen;
    uint32_t last_gen;   /* the last generation given (never reused) */
    uint32_t shadow_gen; /* being built by recompute job `job`; 0: none */
    uint32_t pad;
    uint64_t job;
} as_skill_t;

/* A learner's mastery of a skill: after the transition of the last observation. */
typedef struct {
    as_bkt_state_t s; /* P(mastered) and P(not mastered), each exact (bkt.h) */
    uint32_t opportunities;
} as_mastery_t;

/* Stores a skill's parameters (a new one, or new parameters for an existing one: its states
 * and generations are kept). *created tells which. */
as_code_t as_store_skill_put(as_wtxn_t *txn, const char *id, uint32_t len,
                             const as_bkt_params_t *params, bool *created, as_err_t *err);
as_code_t as_store_skill_get(as_reader_t *rd, const char *id, uint32_t len, as_skill_t *skill,
                             as_err_t *err);
as_code_t as_store_skill_wget(as_wtxn_t *txn, const char *id, uint32_t len, as_skill_t *skill,
                              as_err_t *err);
/* Rewrites a skill record (its generations). */
as_code_t as_store_skill_set(as_wtxn_t *txn, const char *id, uint32_t len, const as_skill_t *skill,
                             as_err_t *err);
/* Deletes a skill: conflict while an assessment's item names it, not_found when there is none.
 * Its learners' states are left (unreachable; a skill put again under the id starts afresh). */
as_code_t as_store_skill_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err);
/* Calls fn for up to limit skills in id order after `after` (NULL: from the first). */
typedef void (*as_skill_fn)(void *arg, const char *id, uint32_t len, const as_skill_t *skill);
as_code_t as_store_skill_list(as_reader_t *rd, const char *after, uint32_t after_len,
                              uint32_t limit, as_skill_fn fn, void *arg, uint64_t *total,
                              bool *more, as_err_t *err);

/* Every skill named by an item of table t exists: else bad_request with the item's path
 * (`items[3].skills[1]: unknown skill "x"`). Checked by the worker and again by the writer. */
as_code_t as_store_skills_check(as_reader_t *rd, const as_table_t *t, as_err_t *err);
as_code_t as_store_skills_wcheck(as_wtxn_t *txn, const as_table_t *t, as_err_t *err);

/* The learner's state of generation gen: *found false (and m = prior, 0 opportunities) when
 * there is none. */
as_code_t as_store_mastery_wget(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                uint32_t gen, as_mastery_t *m, bool *found, as_err_t *err);
/* Writes the learner's state of generation gen (the other generation the entry holds is kept
 * only while it is the skill's live or shadow one). */
as_code_t as_store_mastery_wput(as_wtxn_t *txn, const char *learner, uint32_t learner_len,
                                const char *skill, uint32_t skill_len, const as_skill_t *sk,
                                uint32_t gen, const as_mastery_t *m, as_err_t *err);
/* The learner's live mastery of one skill (prior, 0 opportunities, when never practised). */
as_code_t as_store_mastery_get(as_reader_t *rd, const char *learner, uint32_t learner_len,
                               const char *skill, uint32_t skill_len, const as_skill_t *sk,
                               as_mastery_t *m, as_err_t *err);
/* Calls fn for every skill the learner has a live state of, in skill id order. */
typedef void (*as_mastery_fn)(void *arg, const char *skill, uint32_t len, const as_skill_t *sk,
                              const as_mastery_t *m);
as_code_t as_store_mastery_list(as_reader_t *rd, const char *learner, uint32_t learner_len,
                                as_mastery_fn fn, void *arg, as_err_t *err);
/* Calls fn for every live state of every learner (of one skill when skill is not NULL): a scan
 * of all the states, O(learners x skills practised), for mastery.distribution. */
as_code_t as_store_mastery_scan(as_reader_t *rd, const char *skill, uint32_t skill_len,
                                as_mastery_fn fn, void *arg, as_err_t *err);

/* ---- deep knowledge tracing models (model.*, store_models.c) ---- */

/* A model's record beside its compiled blob (tracing/model.h) and its source. Generations as a
 * skill's: a learner's state counts when it is of live_gen; a recompute builds shadow_gen. */
typedef struct {
    uint32_t version, kind;
    uint32_t live_gen, shadow_gen, last_gen;
    uint32_t concepts, n_state, pad;
    uint64_t job;          /* the recompute building shadow_gen */
    uint64_t learners;     /* learners with a state entry */
    uint64_t max_learners; /* 0: no bound */
    uint64_t refused;      /* steps not taken because max_learners was reached */
    double created_at;
} as_model_rec_t;

/* Stores a model (a new one, or a new version: a fresh generation, so every learner starts
 * from the model's initial state until a model.recompute): blob and source are copied. */
as_code_t as_store_model_put(as_wtxn_t *txn, const char *id, uint32_t len, uint32_t kind,
                             const void *blob, size_t blob_len, const void *src, size_t src_len,
                             as_model_rec_t *rec, bool *created, as_err_t *err);
/* The record and a view of the compiled blob (NULL blob: not wanted); not_found. */
as_code_t as_store_model_get(as_reader_t *rd, const char *id, uint32_t len, as_model_rec_t *rec,
                             const void **blob, size_t *blob_len, as_err_t *err);
as_code_t as_store_model_wget(as_wtxn_t *txn, const char *id, uint32_t len, as_model_rec_t *rec,
                              const void **blob, size_t *blob_len, as_err_t *err);
/* The source as put (a msgpack map {id, kind, title?, concepts, weights}). */
as_code_t as_store_model_source(as_reader_t *rd, const char *id, uint32_t len, const void **src,
                                size_t *src_len, as_err_t *err);
as_code_t as_store_model_set(as_wtxn_t *txn, const char *id, uint32_t len,
                             const as_model_rec_t *rec, as_err_t *err);
/* Deletes a model and every learner's state of it. */
as_code_t as_store_model_delete(as_wtxn_t *txn, const char *id, uint32_t len, as_err_t *err);
/* Calls fn for up to limit models in id order after `after` (NULL: from the first); fn returns
 * false to stop. blob is a view of the compiled model. */
typedef bool (*as_model_fn)(void *arg, const char *id, uint32_t len, const as_model_rec_t *rec,
                            const void *blob, size_t blob_len);
as_code_t as_store_model_list(as_reader_t *rd, const char *after, uint32_t after_len,
                              uint32_t limit, as_model_fn fn, void *arg, uint64_t *total,
                              bool *more, as_err_t *err);
as_code_t as_store_model_wlist(as_wtxn_t *txn, as_model_fn fn, void *arg, as_err_t *err);

/* A learner's state of a model (n_state floats), generation gen: *found false when there is none;
 * else *state (a view of n_state floats, unaligned: copy it) and *steps (answers applied). */
as_code_t as_store_model_state_get(as_reader_t *rd, const char *model, uint32_t mlen,
                                   const char *learner, uint32_t llen, uint32_t gen,
                                   uint32_t n_state, const void **state, uint32_t *steps,
                                   bool *found, as_err_t *err);
as_code_t as_store_model_state_wget(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                    const char *learner, uint32_t llen, uint32_t gen,
                                    uint32_t n_state, const void **state, uint32_t *steps,
                                    bool *found, as_err_t *err);
/* Writes it (the entry's other generation is kept only while it is rec's live or shadow one).
 * A learner without an entry is counted in rec->learners (the caller stores rec). */
as_code_t as_store_model_state_put(as_wtxn_t *txn, const char *model, uint32_t mlen,
                                   const char *learner, uint32_t llen, as_model_rec_t *rec,
                                   uint32_t gen, uint32_t steps, const float *state,
                                   bool *new_learner, as_err_t *err);

/* ---- exam attempts (attempt.*) ---- */

/* Stored states; `overdue` is shown, not stored: an in_progress attempt past its deadline. */
typedef enum { AS_ATT_IN_PROGRESS, AS_ATT_SUBMITTED, AS_ATT_ABANDONED } as_attempt_state_t;

/* An attempt, stored as this struct followed by its saved answers (a msgpack map). */
typedef struct {
    uint64_t id;
    uint64_t response_id; /* the response its submission stored; 0: none */
    double started_at;
    double deadline;    /* 0: no limit */
    double finished_at; /* 0: not finished */
    uint32_t number;    /* the learner's attempt number at the assessment */
    uint32_t state;     /* as_attempt_state_t */
    uint32_t seq;       /* the highest save seq applied (0: none) */
    uint32_t grace_s;   /* fixed when it started, as the deadline is */
    uint32_t overdue;   /* as_overdue_t, fixed when it started */
    uint32_t assessment_len, learner_len;
    uint32_t noted_overdue; /* its attempt.<assessment> "overdue" notification was published */
    char assessment[AS_MAX_ID];
    char learner[AS_MAX_NAME];
} as_attempt_t;

/* The events the writer's deadline sweep acts on (as_store_attempt_due). */
typedef enum { AS_DUE_OVERDUE = 'o', AS_DUE_END = 'e' } as_due_t;

/* A learner's accommodations at an assessment (assessment.override). */
typedef struct {
    double extra_time_s;
    double close_at; /* when has_close */
    uint32_t extra_attempts;
    uint32_t has_close;
} as_override_t;

/* Stores a new attempt (a->id is given the next attempt id) with its answers (len 0: none): the
 * record, its assessment's index, the learner's unfinished attempt, and its deadline's events. */
as_code_t as_store_attempt_new(as_wtxn_t *txn, as_attempt_t *a, const void *answers, size_t len,
                               as_err_t *err);
/* Rewrites an attempt; once it is finished its unfinished mark and deadline events go. */
as_code_t as_store_attempt_put(as_wtxn_t *txn, const as_attempt_t *a, const void *answers,
                               size_t len, as_err_t *err);
/* An attempt and its answers (valid until the transaction or the read ends); not_found. */
as_code_t as_store_attempt_wget(as_wtxn_t *txn, uint64_t id, as_attempt_t *a, const void **answers,
                                size_t *len, as_err_t *err);
as_code_t as_store_attempt_get(as_reader_t *rd, uint64_t id, as_attempt_t *a, const void **answers,
                               size_t *len, as_err_t *err);
/* The learner's unfinished attempt at the assessment: AS_OK with *id, or AS_NOT_FOUND. */
as_code_t as_store_attempt_open(as_wtxn_t *txn, const as_subject_t *s, uint64_t *id, as_err_t *err);
/* Attempts counted against max_attempts: those started plus one-shot submissions (data stored
 * before attempts existed: the learner's stored responses). */
uint32_t as_store_attempt_count(as_wtxn_t *txn, const as_subject_t *s);
as_code_t as_store_attempt_count_set(as_wtxn_t *txn, const as_subject_t *s, uint32_t n,
                                     as_err_t *err);
/* The first deadline event due at or before `now` (seconds): AS_OK with its attempt and kind
 * (the event is deleted), AS_NOT_FOUND when none is due. *next (may be NULL): when the first event
 * still pending is due afterwards (0: none). */
as_code_t as_store_attempt_due(as_wtxn_t *txn, double now, uint64_t *id, as_due_t *kind,
                               double *next, as_err_t *err);
/* Calls fn for the attempts of an assessment in id order after `after` (0: from the first) until
 * fn returns false. */
typedef bool (*as_attempt_fn)(void *arg, const as_attempt_t *a, const void *answers, size_t len);
as_code_t as_store_attempt_list(as_reader_t *rd, const char *assessment, uint32_t len,
                                uint64_t after, as_attempt_fn fn, void *arg, as_err_t *err);
/* A learner's override (zeroes when none: *found false). */
as_code_t as_store_override_put(as_wtxn_t *txn, const as_subject_t *s, const as_override_t *o,
                                as_err_t *err);
as_code_t as_store_override_wget(as_wtxn_t *txn, const as_subject_t *s, as_override_t *o,
                                 bool *found, as_err_t *err);

/* ---- jobs (job.h) ---- */

/* Stores a new job, giving it the next job id (job->id). */
as_code_t as_store_job_new(as_wtxn_t *txn, as_job_t *job, as_err_t *err);
as_code_t as_store_job_put(as_wtxn_t *txn, const as_job_t *job, as_err_t *err);
/* A job, read inside the write transaction or by a reader: not_found when there is none. */
as_code_t as_store_job_wget(as_wtxn_t *txn, uint64_t id, as_job_t *job, as_err_t *err);
as_code_t as_store_job_get(as_reader_t *rd, uint64_t id, as_job_t *job, as_err_t *err);
/* Calls fn for up to limit jobs in id order after `after` (0: from the first). */
typedef void (*as_job_fn)(void *arg, const as_job_t *job);
as_code_t as_store_job_list(as_reader_t *rd, uint64_t after, uint32_t limit, as_job_fn fn,
                            void *arg, uint64_t *total, bool *more, as_err_t *err);
/* A job's variable-size parts, msgpack each: its arguments (given at its creation) and its result
 * (a skill.fit's fitted parameters). */
typedef enum { AS_JOB_ARGS = 'a', AS_JOB_RESULT = 'r' } as_job_part_t;
as_code_t as_store_job_data_put(as_wtxn_t *txn, uint64_t id, as_job_part_t part, const void *data,
                                size_t len, as_err_t *err);
/* The part, valid until the transaction ends; not_found when there is none. */
as_code_t as_store_job_data_get(as_reader_t *rd, uint64_t id, as_job_part_t part, const void **data,
                                size_t *len, as_err_t *err);
as_code_t as_store_job_data_wget(as_wtxn_t *txn, uint64_t id, as_job_part_t part, const void **data,
                                 size_t *len, as_err_t *err);

/* The first job not finished (queued, or running when the engine stopped): AS_OK, or
 * AS_NOT_FOUND when there is none. */
as_code_t as_store_job_next(as_reader_t *rd, as_job_t *job, as_err_t *err);

#endif
