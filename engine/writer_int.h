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

typedef struct {
    as_engine_t *e;
    void *in, *to_broker, *to_jobs, *pub;
    as_tstat_t *stats;
    as_scorer_t *scorer;
    double *item_scores; /* AS_MAX_ITEMS */
    uint8_t *answered;   /* AS_MAX_ITEMS */
    msgpack_sbuffer rec; /* a response record being stored */
    msgpack_packer rec_pk;
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

/* AS_OP_JOB_NEW and AS_OP_JOB_STEP (writer_jobs.c). */
void as_write_job_new(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w);
void as_write_job_step(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w);

#endif
