/* job_kind.h — what a kind of background job does, step by step (regrade: methods/regrade.c;
 * recompute: tracing/recompute.c). The job thread (job_thread.c) and the writer's job steps
 * (methods/jobs_write.c) are the same for every kind; they call these.
 *
 *   writer      create   AS_OP_JOB_NEW: the target exists; the job's first total
 *   writer      start    after the common reset: set the job running (or fail it)
 *   job thread  read     the next chunk's entries, read with the job thread's own reader
 *   writer      chunk    apply one chunk's entries, with the job's progress
 *   job thread  conclude nothing left to read: what the finish step carries (NULL: nothing)
 *   writer      finish   end the job, or leave it running to read on (from job->last_done)
 *   writer      abandon  the job failed: undo what start began (NULL: nothing to undo)
 *   job thread  release  the job is over here: free what read kept in *state (NULL: nothing)
 */
#ifndef AS_JOB_KIND_H
#define AS_JOB_KIND_H

#include "job.h"
#include "store.h"
#include "write.h"

/* A chunk being read by the job thread. */
typedef struct {
    as_reader_t *rd;     /* inside a read transaction */
    as_scorer_t *scorer; /* the job thread's */
    double *x;           /* AS_MAX_ITEMS: item scores of the record scored last */
    msgpack_packer *pk;  /* the entries are packed here, one object each */
    const as_job_t *job;
    uint64_t after;         /* read the responses after this id */
    uint32_t entries;       /* entries packed */
    uint64_t scanned, last; /* responses read, and the id of the last one */
    as_code_t rc;           /* set by a read callback that failed */
    as_err_t *err;
    void **state; /* the kind's own state in the job thread, kept from chunk to chunk of a job */
} as_chunk_t;

/* Responses a chunk reads at most (one write transaction each). */
#define AS_JOB_CHUNK 1000

typedef struct {
    const char *name; /* "regrade", "recompute" (logs) */
    as_code_t (*create)(as_wtxn_t *txn, as_job_t *job, as_err_t *err);
    void (*start)(as_wtxn_t *txn, as_write_t *w, as_job_t *job);
    as_code_t (*read)(as_chunk_t *c);
    void (*chunk)(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *r,
                  uint32_t n, uint64_t scanned, uint64_t scanned_to);
    as_code_t (*conclude)(as_chunk_t *c, msgpack_packer *pk); /* packs one object */
    void (*finish)(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *args);
    as_code_t (*abandon)(as_wtxn_t *txn, const as_job_t *job, as_err_t *err);
    void (*release)(void *state);
} as_job_ops_t;

/* The operations of job kind `kind` (as_job_kind_t), or NULL for an unknown kind
 * (methods/jobs_write.c holds the table). */
const as_job_ops_t *as_job_ops(unsigned kind);

#endif
