/* writer_int.h — the writer thread's internals, shared by its source files (writer.c: the thread,
 * group commit and the assessment and submission writes; writer_jobs.c: the job writes). */
#ifndef AS_WRITER_INT_H
#define AS_WRITER_INT_H

#include "methods.h"

/* One write of a batch: its frames, and its response and notifications prepared inside the
 * transaction, sent after the commit. */
typedef struct {
    as_frames_t fr; /* [hdr][envelope][arguments] */
    as_hdr_t hdr;
    int args; /* index of the first argument frame */
    as_code_t code;
    as_err_t err;
    msgpack_sbuffer reply; /* the response body, ready to send after the commit */
    msgpack_packer reply_pk;
    msgpack_sbuffer notes; /* notifications: (topic str, body) pairs, packed one after another */
    msgpack_packer notes_pk;
} as_write_t;

/* A skill a submission gives evidence of (writer_tracing.c). */
typedef struct {
    char id[AS_MAX_ID];
    uint32_t len;
    as_skill_t skill;
    as_mastery_t m;
} as_touched_t;

typedef struct {
    as_engine_t *e;
    void *in, *to_broker, *to_jobs, *pub;
    as_tstat_t *stats;
    as_scorer_t *scorer;
    double *item_scores; /* AS_MAX_ITEMS */
    uint8_t *answered;   /* AS_MAX_ITEMS */
    msgpack_sbuffer rec; /* a response record being stored */
    msgpack_packer rec_pk;
    as_touched_t *touched; /* the skills of the submission being stored */
    size_t touched_cap;
    msgpack_sbuffer mastery; /* their states as a map {skill: {...}} (record, reply, note) */
    msgpack_packer mastery_pk;
    as_write_t *batch;
    int n;
    uint64_t last_sync; /* --sync periodic: when the data was last flushed */
    bool unsynced;      /* commits not yet flushed (periodic, none) */
} as_writer_t;

/* The write's argument i (a frame). */
const char *as_write_arg(as_write_t *w, int i, size_t *len);
/* Starts a notification on topic "<prefix>.<id>": the caller packs its body (one object, with
 * `seq` from as_store_next_seq) into the returned packer. */
msgpack_packer *as_write_note(as_write_t *w, const char *prefix, const char *id, size_t len);

/* Knowledge tracing of a submission being stored (writer_tracing.c): the learner's mastery of
 * each skill of each answered item is updated, item after item, and stored; wr->mastery gets the
 * states of the skills touched as a map, empty (size 0) when there are none. */
as_code_t as_write_trace(as_writer_t *wr, as_wtxn_t *txn, const as_table_t *t, const char *learner,
                         uint32_t learner_len, const double *x, const uint8_t *answered,
                         as_err_t *err);

/* A notification {event, id, seq} on topic "<prefix>.<id>" (a delete, a skill's put). */
void as_write_note_event(as_write_t *w, as_wtxn_t *txn, const char *prefix, const char *event,
                         const char *id, size_t len);

/* AS_OP_SKILL_PUT and AS_OP_SKILL_DELETE (writer_tracing.c). */
void as_write_skill_put(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w);
void as_write_skill_delete(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w);

/* Ends a job as failed, with the reason (writer_jobs.c). */
void as_job_fail(as_job_t *job, const char *msg);

/* skill.recompute's steps (writer_recompute.c): start a new generation of the skill's states,
 * replay one chunk of observations into it ([rid, learner, [observation...]] entries at r),
 * make it live once every stored response is replayed, or abandon it. */
void as_recompute_start(as_wtxn_t *txn, as_write_t *w, as_job_t *job);
void as_recompute_chunk(as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *r, uint32_t n);
void as_recompute_finish(as_wtxn_t *txn, as_write_t *w, as_job_t *job);
as_code_t as_recompute_abandon(as_wtxn_t *txn, const as_job_t *job, as_err_t *err);

/* AS_OP_JOB_NEW and AS_OP_JOB_STEP (writer_jobs.c). */
void as_write_job_new(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w);
void as_write_job_step(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w);

#endif
