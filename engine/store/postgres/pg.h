/* pg.h — PostgreSQL as the system of record (assayd --store postgresql://...): the schema and
 * its migrations, the assessment catalog, the follower that keeps a local LMDB map of the
 * compiled tables current (so that scoring reads tables in place as it does on one machine), the
 * records' parts (responses, statistics, mastery, skills, models, jobs, attempts), and the store
 * behind store.h made of them (as_pg_store_open; pg_store.h). docs/DESIGN.md §6 says what is
 * where.
 *
 * Errors: a connection that fails or is lost is `unavailable` ("PostgreSQL: <libpq's message>");
 * a statement the server refuses is `internal` with the server's message; a database whose
 * schema is newer than this build is `internal` and names both versions.
 */
#ifndef AS_PG_H
#define AS_PG_H

#include "err.h"
#include "store.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- pg_conn.c ---- */

/* Reconnecting to a server that is away (the writer, the readers, the follower): the first retry
 * after 100 ms, doubling to 1 s, so that an engine follows a failover within a second of the new
 * primary taking writes while a server that stays away costs one attempt a second. */
#define AS_PG_BACKOFF_FIRST_MS 100
#define AS_PG_BACKOFF_MAX_MS   1000

/* Connects (conninfo: a libpq connection string or URI); NULL with `unavailable` and libpq's
 * message when it cannot. */
PGconn *as_pg_connect(const char *conninfo, as_err_t *err);
/* A result that is not `want` as an error: `unavailable` when the connection is gone or the
 * server says it is going away (shutting down, crashed: SQLSTATE 08xxx, 57P01-57P03, 53300),
 * else `internal` with the server's message prefixed by `what`. Clears res either way. */
as_code_t as_pg_fail(PGconn *c, PGresult *res, const char *what, as_err_t *err);
/* Runs sql (no parameters) expecting `want`; clears the result. */
as_code_t as_pg_exec(PGconn *c, const char *sql, ExecStatusType want, const char *what,
                     as_err_t *err);

/* Runs sql with n parameters (p, lens and fmts as PQexecParams takes them; lens and fmts may be
 * NULL for text) expecting no rows; what says what it does, for the message. */
as_code_t as_pg_run(PGconn *c, const char *sql, int n, const char *const *p, const int *lens,
                    const int *fmts, const char *what, as_err_t *err);

/* Runs sql with n text parameters p expecting rows, in binary: *out (the caller clears it). */
as_code_t as_pg_query(PGconn *c, const char *sql, int n, const char *const *p, const char *what,
                      PGresult **out, as_err_t *err);

/* ---- pg_store.c: the store behind store.h ---- */

/* Opens PostgreSQL (conninfo) as the store: the schema migrated, the local map of compiled tables
 * in dir (an LMDB environment of map_size bytes and max_readers) filled and kept current by the
 * follower; returns once the map has the catalog's current position. Every store.h operation
 * then works on it (docs/DESIGN.md §6). */
as_code_t as_pg_store_open(as_store_t **out, const char *conninfo, const char *dir, size_t map_size,
                           int max_readers, as_err_t *err);

/* ---- pg_schema.c ---- */

/* The schema version this build knows (its migrations are 1..this). */
uint32_t as_pg_schema_version(void);
/* Brings the database to this build's schema: each migration not yet applied, in order, in one
 * transaction under an advisory lock (two engines starting at once apply them once). A database
 * already newer than this build is refused. *applied (may be NULL): how many ran. */
as_code_t as_pg_migrate(PGconn *c, uint32_t *applied, as_err_t *err);
/* The same, up to migration `version` only (tests: the schema as an older build left it). */
as_code_t as_pg_migrate_to(PGconn *c, uint32_t version, uint32_t *applied, as_err_t *err);

/* ---- pg_catalog.c: assessments ---- */

/* Stores an assessment (its source as submitted and its compiled blob) with the next version of
 * its id: versions never repeat, across deletes. The blob's version field is set to it. *seq:
 * the catalog position of the change (followers apply changes in this order). */
as_code_t as_pg_catalog_put(PGconn *c, const char *id, uint32_t len, const void *src,
                            size_t src_len, uint8_t *blob, size_t blob_len, uint32_t *version,
                            uint64_t *seq, as_err_t *err);
/* Deletes an assessment (a tombstone keeps its last version); not_found when there is none. */
as_code_t as_pg_catalog_delete(PGconn *c, const char *id, uint32_t len, uint64_t *seq,
                               as_err_t *err);
/* The same two inside the caller's transaction (the store's write transaction, pg_store.c). */
as_code_t as_pg_catalog_put_in(PGconn *c, const char *id, uint32_t len, const void *src,
                               size_t src_len, uint8_t *blob, size_t blob_len, uint32_t *version,
                               uint64_t *seq, as_err_t *err);
as_code_t as_pg_catalog_delete_in(PGconn *c, const char *id, uint32_t len, uint64_t *seq,
                                  as_err_t *err);

/* ---- pg_batch.c: a batch of submissions, as the writer commits it ---- */

/* Who submitted: (assessment, learner, idempotency key or NULL); as_pg_batch_begin fills in
 * what is stored: the response under the key (0: none) and the learner's attempts so far. */
typedef struct {
    const char *assessment, *learner, *key;
    uint32_t assessment_len, learner_len, key_len;
    uint64_t known_rid;
    uint32_t attempts;
} as_pg_subject_t;

/* A response to store: its id, the subject it is of (an index), its attempt number, its record
 * (the msgpack map response.get returns). */
typedef struct {
    uint64_t rid;
    uint32_t subject, attempt;
    const void *record;
    size_t len;
} as_pg_row_t;

/* What a batch's steps keep besides responses: its report statistics and learners' mastery
 * (each NULL: none), read in the batch's first round trip and written in its second. */
typedef struct as_pg_stats as_pg_stats_t;
typedef struct as_pg_mastery as_pg_mastery_t;
typedef struct {
    const char *learner, *skill;
    uint32_t learner_len, skill_len;
} as_pg_pair_t;
typedef struct {
    as_pg_stats_t *stats;
    as_pg_mastery_t *mastery;
    const as_pg_pair_t *pairs; /* the (learner, skill) pairs of mastery the steps touch */
    uint32_t n_pairs;
} as_pg_state_t;

/* Opens the batch's transaction and reads, in one round trip, what its steps need: each
 * subject's known_rid and attempts, n response ids reserved from *first_rid on (ids increase
 * and never repeat; a retry leaves its reserved id unused), and the statistics and mastery of
 * `state` (may be NULL). On error the transaction is rolled back. */
as_code_t as_pg_batch_begin(PGconn *c, as_pg_subject_t *s, uint32_t n, const as_pg_state_t *state,
                            uint64_t *first_rid, as_err_t *err);
/* Stores what the batch changed of `state` (may be NULL), its new responses, their keys, the
 * learners' attempt counts and the assessments' response counts, and commits, in one round
 * trip. A COMMIT that fails is `unavailable` (its outcome is not known: a retry with the same
 * keys is safe); any other failure rolls back. */
as_code_t as_pg_batch_commit(PGconn *c, const as_pg_subject_t *s, const as_pg_row_t *rows,
                             uint32_t n, const as_pg_state_t *state, as_err_t *err);
/* Rolls the batch back (the writer gave up on it). */
void as_pg_batch_abort(PGconn *c);

/* ---- pg_responses.c: stored responses read ---- */

/* A stored response: its id and its record (the msgpack map response.get returns), valid during
 * the call. */
typedef void (*as_pg_record_fn)(void *arg, uint64_t rid, const void *record, size_t len);
/* Response rid; not_found when there is none. */
as_code_t as_pg_response_get(PGconn *c, uint64_t rid, as_pg_record_fn fn, void *arg, as_err_t *err);
/* Up to limit responses of an assessment (of one learner when learner is not NULL) in
 * submission order after response id `after`; *total counts them all (the assessment's
 * responses, or the learner's attempts), *more whether any follow the last one given: as
 * as_store_response_list. */
as_code_t as_pg_response_list(PGconn *c, const char *assessment, uint32_t alen, const char *learner,
                              uint32_t llen, uint64_t after, uint32_t limit, as_pg_record_fn fn,
                              void *arg, uint64_t *total, bool *more, as_err_t *err);
/* Up to limit stored responses of every assessment in id order after `after`, each with its
 * assessment (as as_store_rids_scan). */
as_code_t as_pg_rids_scan(PGconn *c, uint64_t after, uint32_t limit, as_rid_fn fn, void *arg,
                          as_err_t *err);

/* ---- pg_stats.c: the statistics behind assessment.report, kept by the batch ---- */

/* The statistics a batch of engine `node` keeps (node: its name, kept by the caller). */
as_pg_stats_t *as_pg_stats_new(const char *node);
void as_pg_stats_free(as_pg_stats_t **st_p);
/* The batch's halves (pg_batch.c calls them in its round trips): sends the reads of every
 * engine's statistics rows of the batch's assessments and of the latest attempts of its
 * (assessment, learner) pairs (whose learners the caller locked); reads their results. */
as_code_t as_pg_stats_send_load(PGconn *c, as_pg_stats_t *st, const as_pg_subject_t *s, uint32_t n,
                                as_err_t *err);
as_code_t as_pg_stats_recv_load(PGconn *c, as_pg_stats_t *st, as_err_t *err);
/* Whether the subject's assessment and learner are loaded (a later load of the batch adds
 * subjects, keeping what it has and has changed). */
bool as_pg_stats_loaded(as_pg_stats_t *st, const as_pg_subject_t *s);
/* Counts response rid (subject s, scored with table t: item scores x, answered flags, total) as
 * the learner's latest attempt, in memory: the previous one subtracted when it counts, a new
 * version starting a new generation; as the LMDB store's as_store_stats_update does. */
as_code_t as_pg_stats_add(as_pg_stats_t *st, const as_pg_subject_t *s, uint64_t rid,
                          const as_table_t *t, const double *x, const uint8_t *answered,
                          double total, as_err_t *err);
/* A regrade's halves, in memory, as the LMDB store's as_store_stats_reset / _regraded /
 * _rebuilt: the statistics of assessment a start afresh for t's version (a new generation *gen,
 * rebuilt by job); a regraded response counts in generation gen when it is still its learner's
 * latest and not counted yet; the generation is complete again when job rebuilt it. */
as_code_t as_pg_stats_reset(as_pg_stats_t *st, const char *a, uint32_t alen, const as_table_t *t,
                            uint64_t job, uint32_t *gen, as_err_t *err);
as_code_t as_pg_stats_regraded(as_pg_stats_t *st, const as_pg_subject_t *s, uint64_t rid,
                               const as_table_t *t, uint32_t gen, const double *x,
                               const uint8_t *answered, double total, as_err_t *err);
as_code_t as_pg_stats_rebuilt(as_pg_stats_t *st, const as_table_t *t, uint64_t job, as_err_t *err);
/* Sends what the batch changed: this engine's statistics row per assessment, its totals'
 * changes (and its empty or older totals dropped), the latest attempts; each one statement over
 * arrays (*sent: how many, the commit reads them). */
as_code_t as_pg_stats_send_flush(PGconn *c, as_pg_stats_t *st, uint32_t *sent, as_err_t *err);
/* An assessment's statistics for table t (zeroed when there are none for its version): every
 * engine's part of the newest generation summed, and its distinct totals in increasing order,
 * both malloc'ed (as as_store_stats_read). */
as_code_t as_pg_stats_read(PGconn *c, const as_table_t *t, as_stats_sums_t **sums,
                           as_total_count_t **totals, size_t *n_totals, as_err_t *err);

/* ---- pg_mastery.c: learners' mastery states, kept by the batch ---- */

as_pg_mastery_t *as_pg_mastery_new(void);
void as_pg_mastery_free(as_pg_mastery_t **m_p);
/* The batch's halves: sends the read of the entries of n pairs (repeats allowed); reads it. */
as_code_t as_pg_mastery_send_load(PGconn *c, as_pg_mastery_t *m, const as_pg_pair_t *pairs,
                                  uint32_t n, as_err_t *err);
as_code_t as_pg_mastery_recv_load(PGconn *c, as_pg_mastery_t *m, as_err_t *err);
/* The state of generation gen, in memory: as as_store_mastery_wget (the skill's prior, *found
 * false, when the entry has none); the pair must have been loaded. */
as_code_t as_pg_mastery_get(as_pg_mastery_t *m, const char *learner, uint32_t llen,
                            const char *skill, uint32_t slen, const as_skill_t *sk, uint32_t gen,
                            as_mastery_t *out, bool *found, as_err_t *err);
/* Sets it, in memory: as as_store_mastery_wput (the other generation kept only while it is the
 * skill's live or shadow one). */
as_code_t as_pg_mastery_put(as_pg_mastery_t *m, const char *learner, uint32_t llen,
                            const char *skill, uint32_t slen, const as_skill_t *sk, uint32_t gen,
                            const as_mastery_t *state, as_err_t *err);
/* Whether the pair is loaded (a later load of the batch adds pairs, keeping those it has). */
bool as_pg_mastery_loaded(as_pg_mastery_t *m, const char *learner, uint32_t llen, const char *skill,
                          uint32_t slen);
/* Sends the entries the batch changed, one upsert (*sent: 0 or 1). */
as_code_t as_pg_mastery_send_flush(PGconn *c, as_pg_mastery_t *m, uint32_t *sent, as_err_t *err);
/* The learner's live states, in skill id order; every live state of every learner (of one skill
 * when skill is not NULL): as as_store_mastery_list and as_store_mastery_scan (a deleted
 * skill's states are not given). */
as_code_t as_pg_mastery_list(PGconn *c, const char *learner, uint32_t llen, as_mastery_fn fn,
                             void *arg, as_err_t *err);
as_code_t as_pg_mastery_scan(PGconn *c, const char *skill, uint32_t slen, as_mastery_fn fn,
                             void *arg, as_err_t *err);

/* ---- pg_jobs.c: background jobs, their data, and which engine runs them ---- */

/* How long a lease on a job lasts (s); each write of the job under the lease renews it. */
#define AS_PG_LEASE_S    30
#define AS_PG_LEASE_TEXT "30"

/* Bytes read (valid during the call). */
typedef void (*as_pg_bytes_fn)(void *arg, const void *data, size_t len);

/* Stores a new job, giving it the next job id (job->id). */
as_code_t as_pg_job_new(PGconn *c, as_job_t *job, as_err_t *err);
/* Rewrites a job: with epoch 0, whoever asks (not_found when there is none); else only while
 * `epoch` is the job's lease epoch (conflict: the lease was taken over, the job runs elsewhere),
 * and the lease is renewed for AS_PG_LEASE_S. */
as_code_t as_pg_job_put(PGconn *c, const as_job_t *job, uint64_t epoch, as_err_t *err);
as_code_t as_pg_job_get(PGconn *c, uint64_t id, as_job_t *job, as_err_t *err);
/* Up to limit jobs in id order after `after`, as as_store_job_list. */
as_code_t as_pg_job_list(PGconn *c, uint64_t after, uint32_t limit, as_job_fn fn, void *arg,
                         uint64_t *total, bool *more, as_err_t *err);
as_code_t as_pg_job_data_put(PGconn *c, uint64_t id, as_job_part_t part, const void *data,
                             size_t len, as_err_t *err);
/* The part; not_found when there is none. */
as_code_t as_pg_job_data_get(PGconn *c, uint64_t id, as_job_part_t part, as_pg_bytes_fn fn,
                             void *arg, as_err_t *err);
/* Engine `node` takes the lease of the first unfinished job that no other engine holds (a lease
 * lasts `seconds`; asking again before it ends renews it, same epoch): *job and *epoch, the
 * epoch its writes must name; not_found when there is none to take. Engines asking at once get
 * different jobs (SKIP LOCKED). */
as_code_t as_pg_job_lease(PGconn *c, const char *node, uint32_t seconds, as_job_t *job,
                          uint64_t *epoch, as_err_t *err);
/* The first job not finished (a reader's view; running it takes a lease): not_found when none. */
as_code_t as_pg_job_next(PGconn *c, as_job_t *job, as_err_t *err);

/* ---- pg_skills.c: skills ---- */

/* As the LMDB store's as_store_skill_put/get/set/delete/list: a new skill's generations go on
 * from a deleted one of its id; deleting one an assessment names is `conflict` (the catalog
 * keeps which assessments name which skills). */
as_code_t as_pg_skill_put(PGconn *c, const char *id, uint32_t len, const as_bkt_params_t *params,
                          bool *created, as_err_t *err);
as_code_t as_pg_skill_get(PGconn *c, const char *id, uint32_t len, as_skill_t *skill,
                          as_err_t *err);
as_code_t as_pg_skill_set(PGconn *c, const char *id, uint32_t len, const as_skill_t *skill,
                          as_err_t *err);
as_code_t as_pg_skill_delete(PGconn *c, const char *id, uint32_t len, as_err_t *err);
as_code_t as_pg_skill_list(PGconn *c, const char *after, uint32_t after_len, uint32_t limit,
                           as_skill_fn fn, void *arg, uint64_t *total, bool *more, as_err_t *err);
/* Every skill an item of table t names exists: else bad_request with the item's path. */
as_code_t as_pg_skills_check(PGconn *c, const as_table_t *t, as_err_t *err);

/* ---- pg_attempts.c: exam attempts ---- */

/* As the LMDB store's as_store_attempt_new/put/get/open/due and as_store_override_put/wget; a
 * new attempt for a learner who has one unfinished is `conflict` (the database holds it: two
 * engines starting one at once cannot both). The answers of get are given to `answers` (may be
 * NULL). A sweep (due) takes an event no other open transaction holds (SKIP LOCKED). */
as_code_t as_pg_attempt_new(PGconn *c, as_attempt_t *a, const void *answers, size_t len,
                            as_err_t *err);
as_code_t as_pg_attempt_put(PGconn *c, const as_attempt_t *a, const void *answers, size_t len,
                            as_err_t *err);
as_code_t as_pg_attempt_get(PGconn *c, uint64_t id, as_attempt_t *a, as_pg_bytes_fn answers,
                            void *arg, as_err_t *err);
as_code_t as_pg_attempt_open(PGconn *c, const as_subject_t *s, uint64_t *id, as_err_t *err);
as_code_t as_pg_attempt_due(PGconn *c, double now, uint64_t *id, as_due_t *kind, double *next,
                            as_err_t *err);
/* Attempts counted against max_attempts: those started, or the learner's stored responses when
 * more (one-shot submissions); its setter. */
as_code_t as_pg_attempt_count(PGconn *c, const as_subject_t *s, uint32_t *n, as_err_t *err);
as_code_t as_pg_attempt_count_set(PGconn *c, const as_subject_t *s, uint32_t n, as_err_t *err);
/* An assessment's attempts in id order after `after`, until fn returns false. */
typedef bool (*as_pg_attempt_fn)(void *arg, const as_attempt_t *a, const void *answers, size_t len);
as_code_t as_pg_attempt_list(PGconn *c, const char *assessment, uint32_t len, uint64_t after,
                             as_pg_attempt_fn fn, void *arg, as_err_t *err);
as_code_t as_pg_override_put(PGconn *c, const as_subject_t *s, const as_override_t *o,
                             as_err_t *err);
as_code_t as_pg_override_get(PGconn *c, const as_subject_t *s, as_override_t *o, bool *found,
                             as_err_t *err);

/* ---- pg_models.c: deep models and learners' states of them ---- */

/* As the LMDB store's as_store_model_put/get/set/delete and model_state_get/put: a new model (or
 * version) starts a fresh generation and drops the old version's states; a deleted model's
 * versions and generations go on when it is put again; a learner's state keeps the slot of the
 * model's other generation while it is live or shadow. get gives the blob to `blob` (may be
 * NULL); state_get copies the n_state floats into state. */
as_code_t as_pg_model_put(PGconn *c, const char *id, uint32_t len, uint32_t kind, const void *blob,
                          size_t blob_len, const void *src, size_t src_len, as_model_rec_t *rec,
                          bool *created, as_err_t *err);
as_code_t as_pg_model_get(PGconn *c, const char *id, uint32_t len, as_model_rec_t *rec,
                          as_pg_bytes_fn blob, void *arg, as_err_t *err);
as_code_t as_pg_model_set(PGconn *c, const char *id, uint32_t len, const as_model_rec_t *rec,
                          as_err_t *err);
as_code_t as_pg_model_delete(PGconn *c, const char *id, uint32_t len, as_err_t *err);
/* The source as put; up to limit models in id order after `after` (UINT32_MAX: all; total and
 * more may be NULL), fn returning false to stop: as as_store_model_source / _list / _wlist. */
as_code_t as_pg_model_source(PGconn *c, const char *id, uint32_t len, as_pg_bytes_fn fn, void *arg,
                             as_err_t *err);
as_code_t as_pg_model_list(PGconn *c, const char *after, uint32_t after_len, uint32_t limit,
                           as_model_fn fn, void *arg, uint64_t *total, bool *more, as_err_t *err);
as_code_t as_pg_model_state_get(PGconn *c, const char *model, uint32_t mlen, const char *learner,
                                uint32_t llen, uint32_t gen, uint32_t n_state, float *state,
                                uint32_t *steps, bool *found, as_err_t *err);
as_code_t as_pg_model_state_put(PGconn *c, const char *model, uint32_t mlen, const char *learner,
                                uint32_t llen, as_model_rec_t *rec, uint32_t gen, uint32_t steps,
                                const float *state, bool *new_learner, as_err_t *err);

/* ---- pg_follower.c: the local map of compiled tables ---- */

typedef struct as_pg_follower as_pg_follower_t;

/* Starts a thread that applies the catalog's changes after the position `cache` has applied
 * (kept in cache, so a restart goes on from there) into cache: at start, on each NOTIFY of a
 * change, and every second whatever it hears; it reconnects with backoff when the connection is
 * lost (scoring goes on from the map meanwhile). */
as_code_t as_pg_follower_start(const char *conninfo, as_store_t *cache, as_pg_follower_t **out,
                               as_err_t *err);
/* The last catalog position applied to the map. */
uint64_t as_pg_follower_applied(as_pg_follower_t *f);
/* Waits until position seq is applied (and the map is known to copy this database: a map of
 * another one, or ahead of it, is rebuilt first), at most timeout_ms: true when it is. */
bool as_pg_follower_wait(as_pg_follower_t *f, uint64_t seq, int timeout_ms);
/* Stops the thread and frees; NULL-safe. */
void as_pg_follower_stop(as_pg_follower_t **f_p);

#endif
